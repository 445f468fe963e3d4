"""Per-warp counters of a run (RunResult.warp_*, stats.json's warpW.* keys): the RTL harness and the
golden model count every warp's retired instructions and lane-instructions alike, the sums are the
device totals, and each backend's counts equal what its own retire trace shows."""

import json
from pathlib import Path

import numpy as np
import pytest

from simtlab.drivers.device import Device
from simtlab.drivers.rundir import warp_stats, write_run_dir

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "kernels/examples/diverge.c"
N = 27          # not a multiple of the 16 lanes: the last warp runs with idle lanes


def _run(backend, rng_seed=5):
    values = np.random.default_rng(rng_seed).integers(-2000, 2000, N).astype(np.int32)
    dev = Device("4x4", backend=backend)
    dev.enable_trace(True)
    dev.run(KERNEL, N, dev.upload(values), dev.zeros(8 * N, np.int32))
    return dev, dev.last_result, dev.trace()


@pytest.fixture(scope="module")
def runs():
    out = {name: _run(name) for name in ("rtl", "emu")}
    yield out
    for dev, _, _ in out.values():
        dev.close()


@pytest.mark.parametrize("backend", ["rtl", "emu"])
def test_warp_counters_match_the_trace_and_the_totals(runs, backend):
    dev, result, trace = runs[backend]
    warps = dev.config.cores * dev.config.warps
    assert len(result.warp_instrs) == len(result.warp_thread_instrs) == warps
    assert sum(result.warp_instrs) == result.instret == len(trace)
    assert sum(result.warp_thread_instrs) == result.thread_instrs
    lanes = np.array([bin(m).count("1") for m in trace["tmask"]])
    for w in range(warps):
        mine = trace["warp"] == w
        assert result.warp_instrs[w] == np.count_nonzero(mine), f"warp {w}"
        assert result.warp_thread_instrs[w] == lanes[mine].sum(), f"warp {w}"


def test_backends_agree_per_warp(runs):
    rtl, emu = runs["rtl"][1], runs["emu"][1]
    assert rtl.warp_instrs == emu.warp_instrs
    assert rtl.warp_thread_instrs == emu.warp_thread_instrs
    assert min(rtl.warp_instrs) > 0
    # divergence and the partial last warp: not every warp runs all its lanes all the time
    assert min(l / (4 * i) for i, l in zip(rtl.warp_instrs, rtl.warp_thread_instrs)) < 1


def test_active_cycles_on_the_rtl(runs):
    dev, result, trace = runs["rtl"]
    assert runs["emu"][1].warp_active_cycles == []        # the golden model's time is not cycles
    for w, active in enumerate(result.warp_active_cycles):
        # a warp retires at most one instruction per cycle, and only while it is active
        assert result.warp_instrs[w] <= active <= result.cycles, f"warp {w}"
    # warp 0 runs from the start to the end; the others run a little of the runtime's start-up, wait
    # inactive until they are spawned, and end earlier
    cycles0 = trace["cycle"][trace["warp"] == 0].astype(int)
    assert result.warp_active_cycles[0] >= cycles0[-1] - cycles0[0] + 1
    assert max(result.warp_active_cycles[1:]) < result.warp_active_cycles[0]


def test_stats_files_have_the_warp_counters(runs, tmp_path):
    dev, result, _ = runs["rtl"]
    write_run_dir(tmp_path, device=dev, program=KERNEL, args=[], result=result, names=[], console="")
    stats = json.loads((tmp_path / "stats.json").read_text())
    expected = warp_stats(result, dev.config)
    assert {k: v for k, v in stats.items() if k.startswith("warp")} == expected
    assert stats["warp3.instrs"] == result.warp_instrs[3]
    assert stats["warp0.lane_efficiency"] == pytest.approx(
        result.warp_thread_instrs[0] / (4 * result.warp_instrs[0]))
    assert stats["warp1.active_cycles"] == result.warp_active_cycles[1]
    rows = dict(line.split(",", 1) for line in (tmp_path / "stats.csv").read_text().splitlines()[1:])
    assert rows["warp2.thread_instrs"] == str(result.warp_thread_instrs[2])
