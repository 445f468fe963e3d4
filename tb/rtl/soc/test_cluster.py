"""A cluster of cores (SimtConfig.cores, rtl/soc/top.py, docs/memory.md "Several cores"): per-core
CSRs, Vortex's global barrier, atomics across cores, kernels spread over the cores, lock-step."""

from pathlib import Path

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig, TileConfig
from simtlab.drivers.demo import run_case
from simtlab.drivers.lockstep import run_lockstep
from simtlab.kernels.catalog import EXAMPLES, Buf
from tb.atomics.test_atomics import _check_histogram, _check_lock, _histogram, _lock

ROOT = Path(__file__).resolve().parents[3]
KERNELS = ROOT / "kernels"
SEED = 20261204
BACKENDS = ("emu", "rtl")


def cluster(cores, warps=2, threads=4):
    """Every test uses this shape family, so CI builds three models (1, 2 and 4 cores)."""
    return SimtConfig(name=f"{cores}c{warps}x{threads}", cores=cores, warps=warps, threads=threads)


def test_cluster_configuration_is_checked():
    with pytest.raises(ValueError, match="cores must be between 1 and 8"):
        SimtConfig(cores=0)
    with pytest.raises(ValueError, match="cores must be between 1 and 8"):
        SimtConfig(cores=9)
    with pytest.raises(ValueError, match="tile needs cores=1"):
        SimtConfig(cores=2, tile=TileConfig())
    with pytest.raises(ValueError, match="stack region"):
        SimtConfig(cores=8, warps=32, threads=32, stack_log_size=15)
    assert '#define NUM_CORES                4' in cluster(4).c_header()


@pytest.mark.parametrize("backend,cores", [("emu", 2), ("rtl", 2), ("emu", 4), ("rtl", 4), ("emu", 8)])
def test_global_barrier_and_core_ids(backend, cores):
    """Every hart's mirror on another core wrote its value before the barrier let anyone read it,
    in every round; each hart reads its own core id, warp, lane and mhartid."""
    config = cluster(cores)
    harts, rounds = config.hw_threads, 3
    with Device(config, backend=backend) as dev:
        a = dev.upload(np.zeros(rounds * harts, np.uint32))
        b = dev.upload(np.zeros(rounds * harts, np.uint32))
        ids = dev.upload(np.zeros(2 * harts, np.uint32))
        dev.run(KERNELS / "cluster" / "global_barrier.c", rounds, a, b, ids)
        g = np.arange(harts, dtype=np.uint32)
        want_a = np.concatenate([(r + 1) * 0x10001 ^ g for r in range(rounds)]).astype(np.uint32)
        want_b = np.concatenate([want_a[r * harts:(r + 1) * harts][::-1] for r in range(rounds)])
        np.testing.assert_array_equal(dev.download(a), want_a)
        np.testing.assert_array_equal(dev.download(b), want_b)
        core, rest = np.divmod(g, config.warps * config.threads)
        warp, lane = np.divmod(rest, config.threads)
        np.testing.assert_array_equal(dev.download(ids), np.concatenate(
            [core << 16 | warp << 8 | lane, g]).astype(np.uint32))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("cores", [2, 4])
def test_atomics_across_cores(backend, cores):
    """A histogram counted with amoadd and a counter behind amoswap and lr/sc locks, from every lane
    of every warp of every core: exact."""

    config = cluster(cores)
    n = 2 * config.hw_threads + 5
    rng = np.random.default_rng(SEED)
    with Device(config, backend=backend) as dev:
        data, bufs, args = _histogram(dev, rng, n, 5)
        dev.run(KERNELS / "atomics" / "histogram_atomic.c", *args)
        _check_histogram(dev, data, bufs, 5, SEED)
        for mode in (0, 1):
            bufs, args = _lock(dev, n, mode)
            dev.run(KERNELS / "atomics" / "lock_counter.c", *args)
            _check_lock(dev, bufs, n, mode)


# Kernels whose main() does the work itself (not through vx_spawn_threads) repeat it on every core.
PER_CORE_MAIN = {"hello", "spin", "fibonacci"}


@pytest.fixture(scope="module", params=BACKENDS)
def two_cores(request):
    with Device(cluster(2), backend=request.param) as dev:
        yield dev


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n not in PER_CORE_MAIN])
def test_examples_on_two_cores(two_cores, name):
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(SEED), example.default_size)
    counters = run_case(two_cores, example, case)
    assert counters.instrs > 0


@pytest.mark.parametrize("name", ["vecadd", "sgemm", "diverge", "reduce_tree", "histogram"])
def test_lockstep_on_two_cores(name):
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(7), min(example.default_size, 40))

    def setup(device):
        buffers = {k: device.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    report = run_lockstep(cluster(2), example.source, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 100


def test_more_cores_take_fewer_cycles():
    """sgemm's tasks spread over the cores: 2 cores take at most 2/3 of one core's cycles (without
    caches the one data port limits it; `make bench` measures 1-8 cores with L1 caches)."""
    example = EXAMPLES["sgemm"]
    case = example.make_case(np.random.default_rng(SEED), 32)
    cycles = {}
    for cores in (1, 2):
        with Device(cluster(cores), backend="rtl") as dev:
            cycles[cores] = run_case(dev, example, case).cycles
    assert cycles[1] > 1.5 * cycles[2], cycles
