"""``simtlab demo``: the example kernels on the RTL model, each checked against numpy."""

import sys
import time

import numpy as np

from ..kernels.catalog import EXAMPLES, FLOAT_EXAMPLES, Buf

__all__ = [
    "run_case",
    "demo",
    "tinygrad_demo",
]


def run_case(device, example, case):
    """Upload a catalog case's buffers, run its kernel on ``device``, compare every expected buffer.

    Returns the launch's Counters; raises AssertionError naming the first mismatching buffer.
    """
    buffers = {name: device.upload(array) for name, array in case.inputs.items()}
    args = [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    counters = device.run(example.source, *args, max_cycles=case.max_cycles)
    if case.console is not None:
        printed = device.console().encode()
        if printed != case.console:
            raise AssertionError(f"{example.name}: console printed {printed!r}, want {case.console!r}")
    for name, want in case.expected.items():
        got = device.download(buffers[name])
        if not np.array_equal(got, want):
            bad = np.flatnonzero(got.reshape(-1) != want.reshape(-1))
            raise AssertionError(
                f"{example.name}: buffer {name!r} differs from numpy at {bad.size} of {want.size} "
                f"elements, first at index {bad[0]}: got {got.reshape(-1)[bad[0]]}, "
                f"want {want.reshape(-1)[bad[0]]}")
    device.free_all()
    return counters


def _run_all(device, names, rng):
    failures = 0
    for name in names:
        example = EXAMPLES.get(name) or FLOAT_EXAMPLES[name]
        case = example.make_case(rng, example.default_size)
        try:
            counters = run_case(device, example, case)
        except Exception as error:      # report every kernel, then fail
            failures += 1
            print(f"  {name:<14} FAIL  {error}")
            continue
        print(f"  {name:<14} ok    n={example.default_size:<5} {counters}   ({example.description})")
    return failures


def demo(seed=2026):
    """Build (or load) the RTL models, run the example kernels on a scalar core (1 warp x 1 thread)
    and on a 4 warps x 4 threads SIMT core (integer and float kernels, floats compared bit for bit),
    check each against numpy, print counters."""
    from ..config import PRESETS
    from .device import Device

    rng = np.random.default_rng(seed)
    failures = 0
    for preset, names in (
            ("default", ("vecadd", "memcpy", "fibonacci", "matmul", "reduce", "sort")),
            ("4x4", ("vortex_vecadd", "saxpy", "reduce_tree", "scan", "histogram", "bitonic_sort",
                     "matmul_tiled", "sgemm", "stencil", "divergence", "conv_int8", "saxpy_f",
                     "sgemm_fast_f", "conv2d_f", "softmax_f", "reduce_f"))):
        config = PRESETS[preset]
        start = time.perf_counter()
        with Device(config) as device:
            print(f"\nsimtlab demo: {config.warps} warp(s) x {config.threads} thread(s), RTL model "
                  f"ready in {time.perf_counter() - start:.1f} s")
            failures += _run_all(device, names, rng)
    failures += tinygrad_demo()
    print("\nall results match numpy" if not failures else f"\n{failures} kernel(s) FAILED")
    return 1 if failures else 0


def tinygrad_demo(shape="4x4", seed=2026):
    """tinygrad on the RTL model (simtlab.tinygrad): an MLP and a small conv net, each jitted and run
    twice, checked against numpy. Returns the number of failures (0 when tinygrad is missing)."""
    import importlib.util
    import os
    if importlib.util.find_spec("tinygrad") is None:
        print("\ntinygrad: skipped (pip install 'simtlab[tinygrad]')")
        return 0
    # tinygrad reads DEV on import; the default device is the one the models run on
    os.environ.update(DEV="SIMTLAB", SIMTLAB_BACKEND="rtl", SIMTLAB_CONFIG=shape)
    os.environ.setdefault("PARALLEL", "0")
    from ..tinygrad.models import ConvNet, Mlp
    from tinygrad import Device, Tensor, TinyJit

    rng = np.random.default_rng(seed)
    device = Device["SIMTLAB"]
    print(f"\ntinygrad on the RTL ({shape}), jitted, checked against numpy:")
    failures = 0
    for name, model, shape_in in (("mlp 784-128-10", Mlp(device="SIMTLAB", seed=seed), (1, 784)),
                                  ("conv net", ConvNet.small(device="SIMTLAB", seed=seed), (1, 1, 28, 28))):
        jitted = TinyJit(lambda x, model=model: model(x).realize())
        for call in range(2):
            x = rng.standard_normal(shape_in).astype(np.float32)
            device.stats.reset()
            start = time.perf_counter()
            got = jitted(Tensor(x, device="SIMTLAB")).numpy()
            wall = time.perf_counter() - start
            err = float(np.max(np.abs(got - model.reference(x))))
            ok = err <= 1e-4
            failures += not ok
            print(f"  {name:<15} call {call}  {'ok  ' if ok else 'FAIL'} max |err| {err:.1e}  "
                  f"{len(device.stats.kernels)} kernels {device.stats.cycles:>9} cycles  {wall:5.2f} s")
    return failures


if __name__ == "__main__":
    sys.exit(demo())
