"""The DRAM timing model (docs/memory.md): its configuration, the Python reference model
(sim/dram_ref.py) against hand-computed timings, the harness's C++ model against the reference on
random request streams (``VerilatorModel.dram_replay``, on the test-only top of harness_top.py), and
example kernels on the real core with the hbm2 preset."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import DRAM_PRESETS, PRESETS, DramConfig, SimtConfig
from simtlab.drivers.demo import run_case
from simtlab.drivers.lockstep import run_lockstep
from simtlab.kernels.catalog import EXAMPLES, Buf
from simtlab.sim import build
from simtlab.sim.dram_ref import COUNTERS, DramRef
from simtlab.sim.model import VerilatorModel
from simtlab.tb.sim import harness_top

HBM2 = DRAM_PRESETS["hbm2"]
#: A small model that exercises every path: conflicts, refresh, full queues, a clock ratio.
TIGHT = DramConfig(channels=2, banks=4, row_bytes=256, queue_depth=3, t_rcd=3, t_cl=4, t_rp=3,
                   t_burst=2, t_refi=150, t_rfc=20, dram_mhz=800, core_mhz=400,
                   controller_latency=2)
MODELS = {"hbm2": HBM2, "ddr4": DRAM_PRESETS["ddr4"], "tight": TIGHT,
          "one-bank": DramConfig(channels=1, banks=1, row_bytes=128, queue_depth=1, t_rcd=2,
                                 t_cl=2, t_rp=2, t_burst=1)}


# -- configuration -------------------------------------------------------------------------------
def test_presets_and_default():
    assert SimtConfig().dram == DRAM_PRESETS["ideal"] and SimtConfig().dram.ideal
    config = SimtConfig(dram="hbm2")
    assert config.dram is HBM2 and config.dram.channels == 2
    # A run-time setting: the model library (config key) is the same for every DRAM model.
    assert config.key() == SimtConfig().key() == SimtConfig(dram="ddr4").key()
    assert config != SimtConfig()
    assert DRAM_PRESETS["ddr4"].core_timings() == {"t_rcd": 5, "t_cl": 5, "t_rp": 5, "t_burst": 1,
                                                  "t_rfc": 105, "t_refi": 2340}


@pytest.mark.parametrize("field,value", [
    ("channels", 3), ("channels", 32), ("banks", 0), ("banks", 6), ("row_bytes", 100),
    ("row_bytes", 64), ("queue_depth", 0), ("t_rcd", 0), ("t_burst", 1001), ("t_refi", 100),
    ("dram_mhz", 0), ("controller_latency", -1)])
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        DramConfig(**{field: value})


def test_bad_refresh_and_types():
    with pytest.raises(ValueError, match="t_refi/t_rfc"):
        DramConfig(t_refi=100, t_rfc=100)
    with pytest.raises(ValueError, match="t_rfc"):      # fine in DRAM clocks, not in core cycles
        DramConfig(t_refi=10, t_rfc=9, dram_mhz=1000, core_mhz=150)
    with pytest.raises(ValueError, match="DramConfig.t_refi is 10000000000 core cycles"):
        DramConfig(t_refi=1_000_000, t_rfc=10, dram_mhz=1, core_mhz=10000)
    with pytest.raises(TypeError, match="DramConfig.banks"):
        DramConfig(banks=4.0)
    with pytest.raises(ValueError, match="unknown DRAM preset 'hbm3'.*ideal, hbm2, ddr4"):
        SimtConfig(dram="hbm3")
    with pytest.raises(TypeError, match="SimtConfig.dram"):
        SimtConfig(dram=2)


# -- the reference model against timings computed by hand from docs/memory.md -------------------------
def test_reference_hand_timings():
    ref = DramRef(HBM2)             # t_rcd = t_cl = t_rp = 7, t_burst = 4, controller 4
    row = 2 * 32 * 64               # bytes of one row of bank 0 across both channels
    assert ref.map(0) == (0, 0, 0) and ref.map(64) == (1, 0, 0) and ref.map(row) == (0, 1, 0)
    assert ref.map(16 * row) == (0, 0, 1)
    assert ref.access(0, 0, False) == 7 + 7 + 4 + 4                 # row miss: ACT, CAS, burst
    assert ref.access(1, 128, False) == 7 + 7 + 4 + 4 + 4           # row hit, waits for the bus
    # A conflict: bank 0 is busy until the hit's column + burst (15): PRE 15, ACT 22, CAS 29,
    # data 36..40 (+ 4).
    assert ref.access(2, 16 * row, True) == 15 + 7 + 7 + 7 + 4 + 4
    assert ref.access(3, 64, False) == 3 + 7 + 7 + 4 + 4            # channel 1 is independent
    assert ref.counters()[0] == {**dict.fromkeys(COUNTERS, 0), "reads": 2, "writes": 1,
                                 "row_hits": 1, "row_misses": 1, "row_conflicts": 1,
                                 "bytes_read": 128, "bytes_written": 64, "busy_cycles": 12}


def test_reference_queue_and_refresh():
    ref = DramRef(MODELS["one-bank"])   # one request in flight; rcd = cl = rp = 2, burst 1
    accepted, done = ref.replay([0, 0, 0], [0, 64, 128], [0, 0, 1])
    # A miss (2 + 2 + 1); a hit in the open row (3); block 2 is row 1: a conflict (2 + 2 + 2 + 1).
    assert accepted == [0, 5, 8] and done == [5, 8, 15]
    assert ref.counters()[0]["queue_stalls"] == 5 + 3
    ref = DramRef(TIGHT)                # core cycles: rcd 2, cl 2, rp 2, burst 1, refi 75, rfc 10
    assert ref.access(0, 0, False) == 2 + 2 + 1 + 2
    # At cycle 80 the refresh of cycle 75 is due: the row is closed and the bank waits until 85.
    assert ref.access(80, 0, False) == 85 + 2 + 2 + 1 + 2
    assert ref.counters()[0]["refreshes"] == 1 and ref.counters()[0]["row_misses"] == 2


# -- the C++ model against the reference -------------------------------------------------------------
@pytest.fixture(scope="module")
def replay_library():
    config = SimtConfig()
    return build.build_library(harness_top.generate_verilog(config), config=config)


def _stream(rng, n, row_bytes):
    """Arrivals (bursts and gaps), addresses mixing streams, row neighbours and random blocks."""
    gaps = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 40, n))
    arrive = np.cumsum(gaps).astype(np.uint64)
    addr = np.empty(n, dtype=np.uint32)
    cursor = 0x8000_0000
    for i in range(n):
        kind = rng.random()
        if kind < 0.4:
            cursor += 64
        elif kind < 0.7:
            cursor = (cursor & ~(4 * row_bytes - 1)) + int(rng.integers(0, 4 * row_bytes))
        else:
            cursor = 0x8000_0000 + int(rng.integers(0, 1 << 24))
        addr[i] = cursor | int(rng.integers(0, 64))   # low bits are ignored
    write = (rng.random(n) < 0.3).astype(np.uint8)
    return arrive, addr, write


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", list(MODELS))
def test_harness_matches_reference(replay_library, name, seed):
    dram = MODELS[name]
    rng = np.random.default_rng(seed)
    arrive, addr, write = _stream(rng, 3000, dram.row_bytes)
    with VerilatorModel(SimtConfig(dram=dram), library=replay_library) as model:
        accepted, done = model.dram_replay(arrive, addr, write)
        counters = model.dram_counters()
    ref = DramRef(dram)
    want_accepted, want_done = ref.replay(arrive, addr, write)
    msg = f"model {name}, seed {seed}"
    assert accepted.tolist() == want_accepted, msg
    assert done.tolist() == want_done, msg
    assert counters == ref.counters(), msg
    assert sum(c["reads"] + c["writes"] for c in counters) == len(addr), msg
    assert np.all(done > accepted) and np.all(accepted >= arrive), msg


def test_replay_misuse(replay_library):
    with VerilatorModel(SimtConfig(dram=TIGHT), library=replay_library) as model:
        with pytest.raises(ValueError, match="one length"):
            model.dram_replay([0, 1], [0], [0, 0])
        with pytest.raises(ValueError, match="must not decrease"):
            model.dram_replay([5, 1], [0, 64], [0, 0])
        assert [a.tolist() for a in model.dram_replay([], [], [])] == [[], []]
        # The C entry point checks its parameters too (3 channels; t_rfc >= t_refi).
        h = model._h()
        assert model._lib.sim_set_dram(h, 3, 4, 4, 8, 1, 1, 1, 1, 0, 0, 0) < 0
        assert model._lib.sim_set_dram(h, 2, 4, 4, 8, 1, 1, 1, 1, 10, 10, 0) < 0
        assert model._lib.sim_dram_channels(h) == 2       # unchanged by the refused calls
    with VerilatorModel(SimtConfig(), library=replay_library) as model:
        assert model.dram_counters() == []
        with pytest.raises(ValueError, match="ideal"):
            model.dram_replay([0], [0], [0])


# -- the real core on the hbm2 preset ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["vecadd", "matmul"])
def test_examples_on_hbm2(name):
    example = EXAMPLES[name]
    runs = {}
    for dram in ("ideal", "hbm2"):
        with Device(PRESETS["default"].replace(dram=dram)) as dev:
            case = example.make_case(np.random.default_rng(7), example.default_size)
            runs[dram] = run_case(dev, example, case)     # checks every output against numpy
    ideal, hbm2 = runs["ideal"], runs["hbm2"]
    assert ideal.dram == [] and ideal.instrs == hbm2.instrs
    assert hbm2.cycles > ideal.cycles
    assert len(hbm2.dram) == 2
    accesses = sum(c["reads"] + c["writes"] for c in hbm2.dram)
    # Every fetch and every data request goes to a ram region in these kernels except console and
    # exit writes, which take the fixed latency.
    assert 0 < accesses <= hbm2.perf["mem_requests"] + hbm2.perf["imem_requests"]
    for c in hbm2.dram:
        assert c["row_hits"] + c["row_misses"] + c["row_conflicts"] == c["reads"] + c["writes"]
        assert c["bytes_read"] == 64 * c["reads"] and c["bytes_written"] == 64 * c["writes"]
        assert c["busy_cycles"] == HBM2.core_timings()["t_burst"] * (c["reads"] + c["writes"])
    assert all(0 < u < 1 for u in hbm2.dram_utilization)
    assert hbm2.perf["dram_reads"] == sum(c["reads"] for c in hbm2.dram)


#: One channel that holds one request: the core's requests are refused (ready low) most cycles.
NARROW = DramConfig(channels=1, banks=2, row_bytes=128, queue_depth=1, t_rcd=3, t_cl=3, t_rp=3,
                    t_burst=2, t_refi=500, t_rfc=40)


@pytest.mark.parametrize("name", ["vecadd", "sort"])
def test_refused_requests_keep_results(name):
    """With a one-entry queue the harness refuses most requests: results stay right and the retire
    trace equals the golden model's, record for record."""
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(3), min(example.default_size, 40))
    with Device(PRESETS["default"].replace(dram=NARROW)) as dev:
        counters = run_case(dev, example, case)
    assert counters.perf["dram_queue_stalls"] > 0 and counters.perf["dram_refreshes"] > 0
    assert counters.dram[0]["row_conflicts"] > 0

    def setup(device):
        buffers = {k: device.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]

    report = run_lockstep(SimtConfig(dram=NARROW), example.source, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 50
