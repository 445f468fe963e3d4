"""Thread-local storage in kernels (docs/runtime.md, "Thread-local storage"): every hardware thread
has its own copy of the __thread / thread_local variables, initialised from .tdata with .tbss zeroed,
kept across the tasks that run on that thread; the blocks sit at the bottom of each stack region."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.errors import CompileError
from simtlab.kernels.catalog import EXAMPLES_DIR
from simtlab.kernels.compile import compile_kernel
from simtlab.spec.memory import MemoryMap

SHAPES = [(1, 1), (4, 4), (4, 16)]
_DEVICES = {}


def _device(shape, backend):
    key = (shape, backend)
    if key not in _DEVICES:
        warps, threads = shape
        _DEVICES[key] = Device(SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads),
                               backend=backend)
    return _DEVICES[key]


def _expected(n, rounds, harts, buckets):
    """Task i runs on hart i % harts after the tasks i - harts, i - 2 harts, ... (task mode)."""
    count = np.full(harts, 1000, dtype=np.int64)
    hits = np.zeros((harts, buckets), dtype=np.int64)
    out_count = np.zeros(n, dtype=np.int64)
    out_hits = np.zeros(n, dtype=np.int64)
    for i in range(n):
        h = i % harts
        count[h] += rounds + i % 5
        hits[h, i % buckets] += 1
        out_count[i] = count[h]
        out_hits[i] = hits[h, i % buckets]
    return out_count, out_hits


@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kernel,buckets", [("tls_counter.c", 1), ("tls_counter_cpp.cpp", 4)])
def test_tls_counters(kernel, buckets, shape, backend):
    device = _device(shape, backend)
    config = device.config
    harts = config.warps * config.threads
    n, rounds = 3 * harts + 1, 3                    # every hart runs 3 or 4 tasks
    device.free_all()
    out = device.alloc(4 * 4 * n)
    device.run(EXAMPLES_DIR / kernel, n, rounds, out)
    got = device.download(out).view(np.uint32).reshape(n, 4).astype(np.int64)
    device.free_all()
    want_count, want_hits = _expected(n, rounds, harts, buckets)
    np.testing.assert_array_equal(got[:, 0], want_count, err_msg=f"{kernel} counters")
    np.testing.assert_array_equal(got[:, 1], want_hits, err_msg=f"{kernel} .tbss counts")
    hart = np.arange(n) % harts
    owner = (0x100 + hart) << 8 if kernel.endswith(".cpp") else 0     # C++: a dynamic initialiser
    np.testing.assert_array_equal(got[:, 2], 0x5A + owner, err_msg=".tdata initial value")
    # Each hart's block is at the bottom of its stack region, at the same offset in every block.
    base = MemoryMap.STACK_TOP - (hart + 1) * config.stack_size
    offset = got[:, 3] - base
    assert (offset == offset[0]).all() and 0 <= offset[0] < 64, f"TLS addresses {got[:harts, 3]}"


def test_tls_too_large_is_a_link_error():
    """A TLS image larger than a quarter of the stack does not link (link.ld's ASSERT)."""
    config = SimtConfig(name="1x1", warps=1, threads=1)
    source = ("#include \"simtlab.h\"\n"
              f"__thread char big[{config.stack_size // 4 + 4}] = {{1}};\n"
              "int main(void) { return big[0] - 1; }\n")
    with pytest.raises(CompileError, match="thread-local storage"):
        compile_kernel(source, config)


@pytest.mark.parametrize("kernel", ["tls_counter.c", "tls_counter_cpp.cpp"])
def test_tls_lockstep(kernel):
    """The two models retire the same instructions, TLS start-up included (4x4)."""
    from simtlab.drivers.lockstep import run_lockstep
    config = SimtConfig(name="4x4", warps=4, threads=4)
    n = 2 * 16 + 3

    def setup(device):
        return [n, 2, device.alloc(16 * n)]
    report = run_lockstep(config, EXAMPLES_DIR / kernel, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 100
