"""The shared L2 (SimtConfig.l2, rtl/soc/top.py; docs/architecture.md "L2 cache") on the Verilator
model, behind two cores with small L1s: kernels against numpy, the cross-core coherence rule
(a global barrier's release invalidates every L1 D$), atomics across cores, lock-step, and the
cache counters against the memory traffic they imply."""

from pathlib import Path

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import CacheConfig, SimtConfig, TileConfig
from simtlab.drivers.demo import run_case
from simtlab.drivers.lockstep import run_lockstep
from simtlab.kernels.catalog import EXAMPLES, FLOAT_EXAMPLES, Buf
from tb.atomics.test_atomics import _check_histogram, _check_lock, _histogram, _lock

ROOT = Path(__file__).resolve().parents[3]
KERNELS = ROOT / "kernels"
SEED = 20261206

#: Small caches and a slow memory, so misses, evictions and full MSHRs happen at test sizes: every
#: test uses this one model (and its twin without the L2 for the traffic comparison).
L2 = SimtConfig(name="2c-l2", cores=2, warps=2, threads=4, mem_latency=8,
                dcache=CacheConfig(size=1024, ways=2, mshrs=2),
                icache=CacheConfig(size=1024, ways=1, mshrs=2),
                l2=CacheConfig(size=4096, ways=4, mshrs=4))


@pytest.fixture(scope="module")
def device():
    with Device(L2, backend="rtl") as dev:
        yield dev


def test_l2_configuration_is_checked():
    with pytest.raises(TypeError, match="SimtConfig.l2 must be a CacheConfig"):
        SimtConfig(l2=4096)
    with pytest.raises(ValueError, match="l2 and tile cannot be combined"):
        SimtConfig(warps=4, threads=4, l2=CacheConfig(), tile=TileConfig())
    with pytest.raises(ValueError, match="l2.line_bytes must be the bus block"):
        SimtConfig(l2=CacheConfig(line_bytes=32))
    assert L2.key() != L2.replace(l2=None).key()
    assert "l2" not in L2.replace(l2=None).as_dict()        # configs without one keep their key


@pytest.mark.parametrize("name", ["vecadd", "sgemm", "histogram", "stencil", "matmul_tiled",
                                  "reduce_tree", "sgemm_f"])
def test_examples_through_the_l2_match_numpy(device, name):
    example = EXAMPLES.get(name) or FLOAT_EXAMPLES[name]
    case = example.make_case(np.random.default_rng(SEED), example.default_size)
    counters = run_case(device, example, case)          # raises naming the first wrong buffer
    assert counters.caches["l2"][0]["misses"] > 0, f"seed {SEED}: {counters.caches}"


def test_global_barrier_makes_other_cores_stores_visible(device):
    """kernels/cluster/global_barrier.c: each hart reads, after a global barrier, what its mirror
    hart on the other core wrote before it, three rounds over the same words: without the L1
    invalidation at the release, rounds 2 and 3 read the line the D$ kept from round 1."""
    harts, rounds = L2.hw_threads, 3
    a = device.upload(np.zeros(rounds * harts, np.uint32))
    b = device.upload(np.zeros(rounds * harts, np.uint32))
    ids = device.upload(np.zeros(2 * harts, np.uint32))
    device.run(KERNELS / "cluster" / "global_barrier.c", rounds, a, b, ids)
    g = np.arange(harts, dtype=np.uint32)
    want_a = np.concatenate([(r + 1) * 0x10001 ^ g for r in range(rounds)]).astype(np.uint32)
    want_b = np.concatenate([want_a[r * harts:(r + 1) * harts][::-1] for r in range(rounds)])
    np.testing.assert_array_equal(device.download(a), want_a)
    np.testing.assert_array_equal(device.download(b), want_b)


def test_atomics_through_the_l2(device):
    """amoadd histogram, amoswap and lr/sc lock counters from every lane of both cores: exact (the
    atomics pass both cache levels and invalidate their lines)."""
    n = 2 * L2.hw_threads + 5
    rng = np.random.default_rng(SEED)
    data, bufs, args = _histogram(device, rng, n, 5)
    device.run(KERNELS / "atomics" / "histogram_atomic.c", *args)
    _check_histogram(device, data, bufs, 5, SEED)
    for mode in (0, 1):
        bufs, args = _lock(device, n, mode)
        device.run(KERNELS / "atomics" / "lock_counter.c", *args)
        _check_lock(device, bufs, n, mode)


@pytest.mark.parametrize("name", ["vecadd", "histogram"])
def test_lockstep_through_the_l2(name):
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(7), min(example.default_size, 64))

    def setup(dev):
        buffers = {k: dev.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    report = run_lockstep(L2, example.source, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 100


def test_counters_account_for_the_memory_traffic(device):
    """Per-core L1 counters, one L2; every memory read is an L2 read miss (vecadd has no uncached
    reads; the counters count read and write misses), and the L2 served most of the L1s' misses:
    the 1 KiB L1s thrash on the stacks, the 4 KiB L2 holds them."""
    example = EXAMPLES["vecadd"]
    case = example.make_case(np.random.default_rng(SEED), 2048)
    counters = run_case(device, example, case)
    perf, caches = counters.perf, counters.caches
    assert [len(caches[kind]) for kind in ("dcache", "icache", "l2")] == [2, 2, 1]
    assert all(core["misses"] > 0 for core in caches["dcache"]), caches   # both cores worked
    reads = perf["mem_requests"] - perf["mem_writes"]
    l1_misses = sum(core["misses"] for core in caches["dcache"])
    assert 0 < reads <= caches["l2"][0]["misses"], (perf, caches)
    assert reads < l1_misses / 4, (perf, caches)
    assert perf["dcache_misses"] == l1_misses and perf["l2_hits"] == caches["l2"][0]["hits"]
    assert 0 < counters.hit_rate("l2") < 1 and 0 < counters.hit_rate("dcache") < 1


def test_watchdog_dump_shows_every_cache(device):
    """A watchdog stop in the middle of vecadd's memory traffic: the error lists every warp and
    every cache with the reads it has outstanding below and the requests it holds (within the
    cache's MSHRs and queue), and some cache holds something at that cycle (the run is
    deterministic)."""
    from simtlab import WatchdogTimeout
    example = EXAMPLES["vecadd"]
    case = example.make_case(np.random.default_rng(SEED), 2048)
    buffers = {name: device.upload(array) for name, array in case.inputs.items()}
    args = [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    with pytest.raises(WatchdogTimeout) as caught:
        device.run(example.source, *args, max_cycles=3000)
    message, state = str(caught.value), caught.value.result.cache_state
    assert [len(state[kind]) for kind in ("dcache", "icache", "l2")] == [2, 2, 1]
    for kind, caches in state.items():
        config = getattr(L2, kind)
        for index, cache in enumerate(caches):
            assert 0 <= cache["outstanding"] <= config.mshrs
            assert 0 <= cache["queued"] <= config.queue_depth
            name = f"{kind} {index}" if kind != "l2" else "l2"
            assert (f"{name}: {cache['outstanding']} reads outstanding below, "
                    f"{cache['queued']} requests waiting") in message
    assert any(c["outstanding"] or c["queued"] for caches in state.values() for c in caches), state
    assert "warp 3:" in message
