"""Plots of a run (drivers/plots.py, ``simtlab run --out DIR --plots``): the plotted data equals the
run's stats and trace, and the files are PNGs."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from simtlab.drivers.cli import main
from simtlab.drivers.device import Device
from simtlab.drivers.rundir import write_run_dir
from simtlab.drivers.plots import PLOT_FILES, plot_data
from simtlab.sim.result import STALL_CAUSES, trace_dtype

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"


def test_plot_data_of_a_small_run():
    trace = np.zeros(5, dtype=trace_dtype(2))
    trace["cycle"] = [0, 1, 1, 7, 10]           # cycle 10: the run's last cycle retires too
    stats = {"cycles": 10, "stall.none": 6, "stall.memory": 4, "warp0.instrs": 3,
             "warp0.lane_efficiency": 0.5, "warp1.instrs": 0, "warp1.lane_efficiency": 0.0}
    data = plot_data(stats, trace, bins=5)
    assert data["stalls"] == {c: {"none": 6, "memory": 4}.get(c, 0) for c in STALL_CAUSES}
    start, width, ipc = data["ipc"]
    assert list(width) == [2] * 5 and list(start) == [0, 2, 4, 6, 8]
    assert list(ipc) == [1.5, 0, 0, 0.5, 0.5]
    assert data["lane_efficiency"] == {0: 0.5}          # warp 1 retired nothing


def test_run_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    assert main(["run", "--config", "4x4", "-q", "--out", str(out), "--plots", "--backend", "emu",
                 str(ROOT / "kernels/examples/diverge.c"), "21", "zeros:int32:21",
                 "zeros:int32:168"]) == 0
    capsys.readouterr()
    for name in PLOT_FILES:
        assert (out / name).read_bytes()[:8] == PNG, name


def test_plotted_data_equals_the_run(tmp_path):
    pytest.importorskip("matplotlib")
    with Device("4x4") as dev:
        dev.enable_trace(True)
        dev.run(ROOT / "kernels/examples/diverge.c", 21, dev.zeros(21, np.int32),
                dev.zeros(168, np.int32))
        trace, result = dev.trace(), dev.last_result
        files = write_run_dir(tmp_path, device=dev, program="diverge.c", args=[], result=result,
                              names=[], console="", trace=trace, plots=True)
    assert [f.name for f in files if f.suffix == ".png"] == list(PLOT_FILES)
    stats = json.loads((tmp_path / "stats.json").read_text())
    data = plot_data(stats, trace)
    start, width, ipc = data["ipc"]
    assert np.isclose((ipc * width).sum(), result.instret)
    assert start[-1] + width[-1] == result.cycles and np.all(width[:-1] == width[0])
    first = np.count_nonzero(trace["cycle"] < width[0])
    assert ipc[0] == first / width[0] and ipc.max() <= 1      # one core: at most 1 per cycle
    assert data["lane_efficiency"] == {w: stats[f"warp{w}.lane_efficiency"] for w in range(4)}
    assert data["stalls"] == {c: stats[f"stall.{c}"] for c in STALL_CAUSES}


def test_plots_need_a_run_directory(capsys):
    assert main(["run", "--plots", str(ROOT / "kernels/examples/hello.c")]) == 2
    assert "--plots writes into the run directory" in capsys.readouterr().err


def test_the_last_ipc_bin_is_as_long_as_the_run_left():
    trace = np.zeros(4, dtype=trace_dtype(1))
    trace["cycle"] = [0, 3, 10, 10]
    start, width, ipc = plot_data({"cycles": 11}, trace, bins=2)["ipc"]
    assert list(start) == [0, 6] and list(width) == [6, 5] and list(ipc) == [2 / 6, 2 / 5]


def test_plots_without_matplotlib_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)        # import matplotlib fails
    assert main(["run", "--out", str(tmp_path), "--plots",
                 str(ROOT / "kernels/examples/hello.c"), "1", "2"]) == 2
    assert "error: plots need matplotlib: pip install 'simtlab[plots]'" in capsys.readouterr().err
