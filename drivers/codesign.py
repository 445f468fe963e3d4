"""Co-design: one convolution layer on the tile, driven by a SIMT kernel through MMIO, against the
same layer on the SIMT core alone (docs/tile.md, docs/performance.md). Used by ``make bench``,
tb/drivers/test_tile_rtl.py (RTL), tb/drivers/test_tile_emu.py (golden model) and the lock-step check."""

import numpy as np

from ..kernels.catalog import EXAMPLES, Buf, conv_int8_case
from ..sim import tile_layout
from . import regs
from .tile import TileDriver, read_trace

__all__ = ["codesign", "codesign_setup", "KERNEL"]


def int8(rng, shape):
    return rng.integers(-128, 128, size=shape).astype(np.int8)


def _assert_equal(got, want, err_msg=""):
    if not np.array_equal(got, want):
        raise AssertionError(f"co-design: results differ from the reference {err_msg}")


#: The kernel that drives the tile through MMIO (kernels/examples/codesign_residual.c).
KERNEL = EXAMPLES["conv_int8"].source.parent / "codesign_residual.c"
_PARAMS = dict(padding=1, relu=True, clip_truncate=2, out_scale=3, out_shift=4)


def codesign_setup(rng, shape=(8, 6, 6), kernels=8):
    """``(kernel, setup)`` for launching the co-design kernel on any device with a tile (the
    lock-step check, ``simtlab lockstep --config tile codesign``, runs it on both backends).

    ``setup(device)`` runs the layer once with the host driver (recording its register sequence),
    clears the output buffer, uploads the command list and a residual and returns the kernel's
    arguments; its ``state`` dict keeps what :func:`codesign` checks afterwards. The tensors are drawn
    from ``rng`` once, so every device gets the same layer."""
    c, h, w_ = shape
    x, w = int8(rng, (1, c, h, w_)), int8(rng, (kernels, c, 3, 3))
    drawn = {}

    def setup(device):
        trace = []
        y_host, host_counters = TileDriver(device, trace=trace).conv2d(x, w, **_PARAMS)
        steps = read_trace(trace)
        first_wait = steps.index(("wait",))
        writes = [(offset, value) for kind, _, offset, value in
                  (s for s in steps[:first_wait] if s[0] == "write")]
        # The interrupt the driver waits for: the bits its last INTR_MASK write before the wait left
        # open.
        mask = [value for kind, name, _, value in (s for s in steps[:first_wait] if s[0] == "write")
                if name == "GLB.INTR_MASK"][-1]
        status_bits = sum(f.mask for f in regs.register("GLB.INTR_STATUS").fields)
        irq_bits = ~mask & status_bits
        out_addr, out_bytes = [s[1:] for s in steps if s[0] == "output"][-1]
        device.write(out_addr, bytes(out_bytes))              # the kernel's layer must refill it
        if "residual" not in drawn:
            drawn["residual"] = int8(rng, (out_bytes,))
        residual = drawn["residual"]
        command = np.array(writes, np.uint32).reshape(-1)
        bufs = {"writes": device.upload(command), "residual": device.upload(residual),
                "out": device.alloc(out_bytes), "cycles": device.alloc(8)}
        setup.state.update(x=x, w=w, y_host=y_host, host_counters=host_counters, bufs=bufs,
                           residual=residual, out_addr=out_addr, out_bytes=out_bytes)
        return [len(writes), bufs["writes"], irq_bits, out_bytes, out_addr, bufs["residual"],
                bufs["out"], bufs["cycles"]]

    setup.state = {}
    return KERNEL, setup


def codesign(device, rng, shape=(8, 6, 6), kernels=8):
    """Run one conv layer (3x3, padding 1, ReLU, CACC truncation, SDP converter) three ways, check
    every result bit for bit, and return the cycle counts (dict):

    1. the host driver (``host_layer_cycles``), which also records the register sequence;
    2. ``kernels/examples/codesign_residual.c``: lane 0 replays that sequence through MMIO, polls the
       tile's interrupt status (``tile_layer_cycles``), then the warps add a residual to the tile's
       output (``residual_cycles``; ``kernel_cycles`` for the whole launch);
    3. the same layer on the SIMT core alone, ``kernels/examples/conv_int8.c``
       (``simt_conv_cycles``).

    ``device`` is a :class:`simtlab.Device` with a tile (either backend); ``shape`` is (C, H, W).
    Raises AssertionError if any result differs from the reference."""
    c, h, w_ = shape
    kernel, setup = codesign_setup(rng, shape, kernels)
    args = setup(device)
    state = setup.state
    x, w, y_host, bufs = state["x"], state["w"], state["y_host"], state["bufs"]
    out_addr, out_bytes, residual = state["out_addr"], state["out_bytes"], state["residual"]
    counters = device.run(kernel, *args)
    conv_bytes = np.frombuffer(device.read(out_addr, out_bytes), np.int8)
    out = device.download(bufs["out"]).view(np.int8)
    phases = device.download(bufs["cycles"]).view(np.uint32)
    # The tile's output (written again by the layer the kernel started), then the residual.
    ho, wo = y_host.shape[2:]
    conv = tile_layout.unpack_feature(conv_bytes, kernels, ho, wo)
    _assert_equal(conv[None], y_host)
    _assert_equal(
        out, np.clip(conv_bytes.astype(np.int32) + residual, -128, 127).astype(np.int8))
    # The same layer on the SIMT core alone.
    case = conv_int8_case(rng, c, h, w_, kernels, 3, 3, stride=1, pad=1, clip=2, relu=1, scale=3,
                          shift=4)
    case.inputs["x"], case.inputs["w"] = x[0], w
    case.inputs["bias"] = np.zeros(kernels, np.int32)
    simt = {n: device.upload(a) for n, a in case.inputs.items()}
    args = [simt[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    simt_counters = device.run(EXAMPLES["conv_int8"].source, *args)
    _assert_equal(device.download(simt["out"]).reshape(y_host.shape[1:]), y_host[0])
    device.free_all()
    return {"tile_layer_cycles": int(phases[0]), "residual_cycles": int(phases[1]),
            "kernel_cycles": counters.cycles,
            "host_layer_cycles": state["host_counters"]["cycles"],
            "simt_conv_cycles": simt_counters.cycles}
