"""The "l1" preset (the L1 data cache in the SoC) on the Verilator model: example kernels against
numpy, lock-step against the golden model, uncached io (console, exit code), new host data between
launches, and fewer memory reads than without the cache."""

import numpy as np
import pytest

from simtlab import Device, KernelFailed
from simtlab.config import PRESETS, CacheConfig, SimtConfig
from simtlab.drivers.demo import run_case
from simtlab.drivers.lockstep import run_lockstep
from simtlab.kernels.catalog import EXAMPLES, FLOAT_EXAMPLES, Buf
from simtlab.kernels.compile import compile_kernel

L1 = PRESETS["l1"]
#: Many misses, few MSHRs, a slow memory: answers bunch up behind misses.
SMALL = SimtConfig(warps=4, threads=4, mem_latency=8,
                   dcache=CacheConfig(size=1024, ways=2, mshrs=2),
                   icache=CacheConfig(size=1024, ways=1, mshrs=1))


@pytest.fixture(scope="module")
def device():
    with Device("l1", backend="rtl") as dev:
        yield dev


@pytest.mark.parametrize("name", ["vecadd", "hello", "histogram", "sgemm", "bitonic_sort",
                                  "stencil", "matmul_tiled", "scan"])
def test_example_on_l1_matches_numpy(device, name):
    seed = 21
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(seed), example.default_size)
    counters = run_case(device, example, case)      # raises naming the first wrong buffer
    assert counters.instrs > 0 and counters.cycles >= counters.instrs, f"seed {seed}: {counters}"


def _setup(case):
    def setup(dev):
        buffers = {k: dev.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    return setup


@pytest.mark.parametrize("name", ["vortex_vecadd", "reduce_tree", "histogram", "divergence"])
def test_lockstep_on_l1(name):
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(3), example.sizes[-1])
    report = run_lockstep(L1, example.source, setup=_setup(case))
    assert report.ok, report.summary()
    assert report.records > 100


@pytest.mark.parametrize("config, name", [(L1, "sgemm_fast_f"), (SMALL, "conv2d_f")],
                         ids=["l1-sgemm_fast_f", "small-conv2d_f"])
def test_lockstep_when_hits_bunch_up_behind_misses(config, name):
    """Three load answers back to back behind a miss: without the LSU's rule (a load does not take
    W while M holds an instruction of its warp) these retired a load ahead of an older one."""
    example = FLOAT_EXAMPLES[name]
    case = example.make_case(np.random.default_rng(3), example.sizes[-1])
    report = run_lockstep(config, example.source, setup=_setup(case))
    assert report.ok, report.summary()


@pytest.mark.parametrize("name", ["histogram", "bitonic_sort", "matmul_tiled", "sgemm_f"])
def test_small_cache_slow_memory(name):
    """A small D$ and I$ with few MSHRs before a slow memory: numpy's results, and lock-step."""
    example = EXAMPLES.get(name) or FLOAT_EXAMPLES[name]
    case = example.make_case(np.random.default_rng(8), example.default_size)
    with Device(SMALL, backend="rtl") as dev:
        run_case(dev, example, case)
    report = run_lockstep(SMALL, example.source, setup=_setup(case))
    assert report.ok, report.summary()
    assert report.records > 100


def test_float_lockstep_on_l1():
    example = FLOAT_EXAMPLES["sgemm_f"]
    case = example.make_case(np.random.default_rng(5), example.sizes[1])
    report = run_lockstep(L1, example.source, setup=_setup(case))
    assert report.ok, report.summary()
    assert report.records > 100


STORE_THEN_EXIT = r'''
#include "simtlab.h"
int main(void) {
    uint32_t *args = sl_arg();
    uint32_t *buf = (uint32_t *)args[0];
    uint32_t sum = 0;
    for (int i = 0; i < 16; i++) sum += buf[i];     /* the buffer's lines are now cached */
    for (int i = 0; i < 16; i++) buf[i] = buf[i] * 3 + 1;
    ((uint32_t *)args[1])[0] = sum;
    sl_exit(40 + (sum & 1));
}
'''


def test_io_stays_uncached_and_host_data_is_fresh_each_launch(device):
    """Two launches on the same buffer, the host changing it between: the second sees the new data
    (a launch invalidates the cache), the stores reach memory (write-through), and the exit code
    written to IO_EXIT ends each run."""
    rng = np.random.default_rng(9)
    program = compile_kernel(STORE_THEN_EXIT, L1)
    for launch in range(2):
        data = rng.integers(0, 1000, 16, dtype=np.uint32)
        buf = device.upload(data)
        out = device.upload(np.zeros(1, dtype=np.uint32))
        with pytest.raises(KernelFailed) as failure:
            device.run(program, buf.addr, out.addr, max_cycles=200_000)
        total = int(data.sum())
        assert failure.value.code == 40 + (total & 1), f"launch {launch}"
        assert device.download(out)[0] == total, f"launch {launch}"
        assert np.array_equal(device.download(buf), data * 3 + 1), f"launch {launch}"
        device.free_all()


def test_cache_absorbs_reads():
    """sgemm reuses its operands: the cache sends fewer requests to memory than the core makes
    without it (the same 4x4 core, the same program and data)."""
    example = EXAMPLES["sgemm"]
    case = example.make_case(np.random.default_rng(4), example.default_size)
    requests = {}
    for preset in ("4x4", "l1"):
        with Device(preset, backend="rtl") as dev:
            requests[preset] = run_case(dev, example, case).perf["mem_requests"]
    assert requests["l1"] < requests["4x4"] / 2, requests
