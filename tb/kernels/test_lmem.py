"""The core's banked local memory end to end: every example that uses local memory is correct
(numpy) and lock-stepped with the golden model at 1x1, 4x4 and 4x16; a designed access pattern's
bank-conflict cycles and lmem read/write counts equal the numbers sim/lmem_ref.py computes; the
host does not see local memory."""

from pathlib import Path

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import PRESETS, SimtConfig
from simtlab.drivers.demo import run_case
from simtlab.drivers.lockstep import run_lockstep
from simtlab.kernels.catalog import EXAMPLES, FLOAT_EXAMPLES, Buf
from simtlab.sim.lmem_ref import lmem_rounds
from simtlab.spec.memory import MemoryMap

from ..conftest import SEED

KERNEL = Path(__file__).resolve().parents[2] / "kernels" / "lmem" / "bank_conflict.c"
LMEM_KERNELS = ["sgemm_tiled_f", "matmul_tiled", "reduce_tree", "reduce_f", "dotproduct",
                "dotproduct_f", "histogram", "scan", "bitonic_sort", "softmax_f"]
SHAPES = ["default", "4x4", "4x16"]          # 1x1, 4x4, 4x16


def _example(name):
    return EXAMPLES.get(name) or FLOAT_EXAMPLES[name]


@pytest.fixture(scope="module", params=SHAPES)
def rtl(request):
    with Device(PRESETS[request.param], backend="rtl") as device:
        yield device


@pytest.mark.parametrize("name", LMEM_KERNELS)
def test_lmem_examples_match_numpy(rtl, name):
    example = _example(name)
    case = example.make_case(np.random.default_rng(SEED), example.default_size)
    counters = run_case(rtl, example, case)
    assert counters.perf["lmem_reads"] > 0 and counters.perf["lmem_writes"] > 0, \
        f"seed {SEED}: {name} did not use local memory: {counters.perf}"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", LMEM_KERNELS)
def test_lmem_examples_lockstep(name, shape):
    example = _example(name)
    case = example.make_case(np.random.default_rng(SEED), example.sizes[-1])

    def setup(device):
        buffers = {k: device.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]

    report = run_lockstep(PRESETS[shape], example.source, setup=setup)
    assert report.ok, f"seed {SEED}: {report.summary()}"
    assert report.records > 50


def expected_conflicts(config, stride):
    """Each warp's one local store and one load, every lane active (bank_conflict.c)."""
    total = 0
    for warp in range(config.warps):
        addrs = {lane: MemoryMap.LMEM_BASE + 4 * (lane + warp * config.threads) * stride
                 for lane in range(config.threads)}
        total += len(lmem_rounds(config, addrs, write=True)) - 1 + len(lmem_rounds(config, addrs)) - 1
    return total


#: Fewer banks than threads, a smaller window: conflicts even at stride 1.
FEW_BANKS = SimtConfig(warps=2, threads=4, lmem_banks=2, lmem_log_size=12)


@pytest.mark.parametrize("config", [PRESETS["4x4"], PRESETS["4x16"], FEW_BANKS],
                         ids=["4x4", "4x16", "2x4-2banks"])
@pytest.mark.parametrize("stride", ["banks", 1, "half", "banks+1", 3])
def test_designed_conflicts_are_counted_exactly(config, stride):
    banks = config.derive().lmem_banks
    stride = {"banks": banks, "half": banks // 2, "banks+1": banks + 1}.get(stride, stride)
    n = config.warps * config.threads
    want = expected_conflicts(config, stride)
    if stride == banks:
        assert want == 2 * config.warps * (config.threads - 1)
    if config is FEW_BANKS and stride == 1:
        assert want == 2 * config.warps * 1       # lanes 0, 2 and 1, 3 share a bank
    with Device(config, backend="rtl") as device:
        out = device.alloc(4 * n)
        counters = device.run(KERNEL, n, stride, out.addr)
        assert np.array_equal(device.download(out, np.uint32), np.arange(n, dtype=np.uint32))
        perf = counters.perf
        assert perf["lmem_conflict"] == want, f"stride {stride}: {perf}"
        assert perf["lmem_reads"] == n and perf["lmem_writes"] == n, f"stride {stride}: {perf}"
    with Device(config, backend="emu") as device:
        out = device.alloc(4 * n)
        device.run(KERNEL, n, stride, out.addr)
        assert np.array_equal(device.download(out, np.uint32), np.arange(n, dtype=np.uint32))


@pytest.mark.parametrize("backend", ["rtl", "emu"])
def test_host_does_not_see_local_memory(backend):
    """A kernel's local stores stay in the core; host bytes behind the window never reach it."""
    config = PRESETS["4x4"]
    n = config.warps * config.threads
    with Device(config, backend=backend) as device:
        device.backend.write_mem(MemoryMap.LMEM_BASE, bytes([0xAB]) * 256)
        out = device.alloc(4 * n)
        device.run(KERNEL, n, 1, out.addr)
        assert np.array_equal(device.download(out, np.uint32), np.arange(n, dtype=np.uint32))
        assert device.backend.read_mem(MemoryMap.LMEM_BASE, 256) == bytes([0xAB]) * 256
