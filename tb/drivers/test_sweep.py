"""``simtlab sweep`` (drivers/sweep.py): the grid syntax and its errors, a small RTL sweep on two
worker processes checked row by row against single in-process runs, the failure path, the CLI.

The RTL sweep uses only the default (1x1) and 4x4 models that other tests build too.
"""

import csv
import dataclasses
import importlib.util
import os

import numpy as np
import pytest

from simtlab.config import PRESETS, CacheConfig
from simtlab.drivers import sweep
from simtlab.drivers.cli import main
from simtlab.drivers.demo import run_case
from simtlab.drivers.device import Device


def test_grid_is_the_cartesian_product_in_order():
    configs = sweep.grid(["4x4"], ["dcache.size=4k,16KiB", "dram=ideal,hbm2"])
    assert [c.name for c in configs] == [
        "4x4 dcache.size=4096 dram=ideal", "4x4 dcache.size=4096 dram=hbm2",
        "4x4 dcache.size=16384 dram=ideal", "4x4 dcache.size=16384 dram=hbm2"]
    assert [c.dcache for c in configs] == [CacheConfig(size=4096)] * 2 + [CacheConfig()] * 2
    assert [c.dram.preset for c in configs] == ["ideal", "hbm2"] * 2
    assert configs[0].key() == configs[1].key() != configs[2].key()    # dram: one model
    assert (configs[0].warps, configs[0].threads, configs[0].icache) == (4, 4, None)


def test_grid_fields_and_values():
    base, = sweep.grid("vortex", ["dcache=off", "dram.channels=4", "fpu=no", "lmem_banks=0x8"])
    custom, = sweep.grid("default", ["dram=ddr4", "dram.t_cl=20"])
    assert custom.dram == dataclasses.replace(PRESETS["default"].replace(dram="ddr4").dram,
                                              t_cl=20, preset="custom")
    assert base.dcache is None and base.icache == CacheConfig()
    assert base.dram == dataclasses.replace(PRESETS["vortex"].dram, channels=4, preset="custom")
    assert (base.fpu, base.lmem_banks) == (False, 8)
    two = sweep.grid(["default", "4x4"], [("warps", [2, 4])])
    assert [(c.warps, c.threads) for c in two] == [(2, 1), (4, 1), (2, 4), (4, 4)]


@pytest.mark.parametrize("presets, sets, message", [
    (["default"], ["wraps=2"], "unknown field 'wraps'"),
    (["default"], ["dcache.colour=2"], "unknown field 'dcache.colour'"),
    (["default"], ["warps.size=2"], "warps has no sub-fields"),
    (["default"], ["warps=two"], "--set warps: bad value 'two'"),
    (["default"], ["dram=hbm3"], "unknown DRAM preset 'hbm3'"),
    (["default"], ["dcache.size=4k", "dcache.size=8k"], "given twice"),
    (["default"], ["warps="], "no values"),
    (["default"], ["warps"], "write FIELD=VALUE"),
    ([], [], "the grid is empty"),
    (["nosuch"], [], "unknown configuration preset 'nosuch'"),
    (["default"], ["warps=64"], "configuration default warps=64: warps must be between 1 and 32"),
    (["default"], ["dcache.size=3000"], "power of two"),
    (["default"], ["dram.t_cl=20"], "dram.t_cl does nothing on the ideal memory"),
    (["default"], ["dcache.size=4k", "dcache=on"], "--set dcache must come before --set dcache.FIELD"),
])
def test_grid_errors(presets, sets, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        sweep.grid(presets, sets)


def test_kernel_errors():
    with pytest.raises(ValueError, match="unknown kernel 'nope'; choose from .*vecadd_simt"):
        sweep.parse_kernel("nope:4")
    with pytest.raises(ValueError, match="size after ':' must be an integer"):
        sweep.parse_kernel("saxpy:big")
    with pytest.raises(ValueError, match="the grid is empty"):
        sweep.sweep(sweep.grid("default"), [])


@pytest.mark.parametrize("argv, message", [
    (["--kernel", "saxpy", "--set", "wraps=1"], "error: unknown field 'wraps'"),
    (["--kernel", "saxpy", "--set", "warps=x"], "error: --set warps: bad value 'x'"),
    (["--kernel", "saxpy", "--set", "warps=,"], "error: --set 'warps=,': no values"),
    (["--kernel", "nosuch"], "error: unknown kernel 'nosuch'"),
    ([], "error: no kernels"),
    (["--kernel", "saxpy", "--config", "4x4,big"], "error: unknown configuration preset 'big'"),
    (["--kernel", "saxpy", "--out", "/nonexistent/t.csv"], "error: --out /nonexistent/t.csv"),
    (["--kernel", "saxpy", "-j", "0"], "error: workers must be a positive integer, not 0"),
    (["--kernel", "saxpy", "--plot", "p.png", "--x", "colour"], "error: --x colour: not a conf"),
])
def test_cli_errors(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)             # where the default --out would go
    assert main(["sweep", "-q", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err, err


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow installed")
def test_cli_parquet_without_pyarrow(capsys, tmp_path):
    # (the same check as --plot's and --scheduler's: sweep.require)
    assert main(["sweep", "--kernel", "saxpy", "--out", str(tmp_path / "t.csv"),
                 "--parquet", str(tmp_path / "t.parquet")]) == 2
    assert capsys.readouterr().err.strip() == \
        "error: --parquet needs pyarrow: pip install 'simtlab[parquet]'"


def test_cli_sweep_matches_single_runs(tmp_path, capsys):
    """4 points (1x1 and 4x4, each on the ideal memory and HBM2) of one kernel on 2 workers: every
    row's counters equal a single in-process run's; each model was built once."""
    out = tmp_path / "sweep.csv"
    assert main(["sweep", "-q", "--config", "default,4x4", "--set", "dram=ideal,hbm2",
                 "--kernel", "vecadd_simt:64", "-j", "2", "--out", str(out)]) == 0
    assert "4 points, 0 failed" in capsys.readouterr().out
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["config"], r["kernel"], r["status"]) for r in rows] == [
        (f"{preset} dram={dram}", "vecadd_simt", "ok")
        for preset in ("default", "4x4") for dram in ("ideal", "hbm2")]
    for config, row in zip(sweep.grid(["default", "4x4"], ["dram=ideal,hbm2"]), rows):
        with Device(config) as device:
            counters = run_case(device, sweep.workload("vecadd_simt", 64).example,
                                sweep.workload("vecadd_simt", 64).case)
        assert (int(row["cycles"]), int(row["instrs"]), int(row["stall.memory"])) == \
            (counters.cycles, counters.instrs, counters.perf["memory"]), row["config"]
        assert int(row["mem_requests"]) == counters.perf["mem_requests"]
        assert (row["dram_reads"] != "") == (config.dram.preset == "hbm2")
    assert len({r["model_key"] for r in rows}) == 2
    assert all(len(stamps) == 1 for stamps in sweep.model_builds(rows).values())


def test_a_wrong_result_fails_its_row_only():
    good = sweep.workload("vecadd_simt", 33)
    bad_case = dataclasses.replace(good.case, expected={
        name: array + 1 if name == "c" else array for name, array in good.case.expected.items()})
    bad = dataclasses.replace(good, case=bad_case)
    rows = sweep.sweep(sweep.grid("default"), [good, bad], backend="emu", workers=2,
                       progress=False)
    assert [r["status"] for r in rows] == ["ok", "failed"]
    assert rows[1]["error"].startswith("AssertionError: vecadd_simt: buffer 'c' differs from numpy")
    assert "cycles" not in rows[1] and rows[0]["cycles"] > 0
    assert np.all(good.case.expected["c"] != bad_case.expected["c"])    # the good one kept its own



class _DieOnArrival:
    """Unpickled in the worker, it ends that process at once (as a crash in a model would)."""

    def __reduce__(self):
        return os._exit, (3,)


def test_a_dead_worker_fails_its_row_and_the_sweep_returns():
    dead = dataclasses.replace(sweep.workload("saxpy", 8), case=_DieOnArrival())
    rows = sweep.sweep(sweep.grid("default"), [dead], backend="emu", workers=1, progress=False)
    assert rows[0]["status"] == "failed" and "the worker was lost" in rows[0]["error"]

def _emu_rows():
    return sweep.sweep(sweep.grid("default", ["mem_latency=2,4"]), [sweep.workload("saxpy", 20)],
                       backend="emu", workers=2, progress=False)


def test_parquet_and_plot(tmp_path):
    """With the optional packages (skipped without them): the Parquet table holds the CSV's rows,
    the plot is a PNG."""
    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("matplotlib")
    rows = _emu_rows()
    sweep.write_parquet(rows, tmp_path / "t.parquet")
    table = pq.read_table(tmp_path / "t.parquet").to_pylist()
    assert [(r["config"], r["cycles"]) for r in table] == [(r["config"], r["cycles"]) for r in rows]
    sweep.plot(rows, "cycles", "mem_latency", tmp_path / "t.png")
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="--plot: no column 'colour'"):
        sweep.plot(rows, "colour", "mem_latency", tmp_path / "t.png")


def test_dask_cluster_gives_the_pool_rows():
    """On a local Dask cluster (skipped without dask.distributed): the same rows as the pool."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        rows = sweep.sweep(sweep.grid("default", ["mem_latency=2,4"]),
                           [sweep.workload("saxpy", 20)], backend="emu",
                           scheduler=cluster.scheduler_address, progress=False)
    drop = ("wall_s",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in rows] == \
        [{k: v for k, v in r.items() if k not in drop} for r in _emu_rows()]


def test_dask_scheduler_unreachable():
    pytest.importorskip("distributed")
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler tcp://127.0.0.1:9"):
        sweep._dask_client("tcp://127.0.0.1:9", timeout="1s")


@pytest.mark.skipif(importlib.util.find_spec("distributed") is not None,
                    reason="dask.distributed installed")
def test_cli_scheduler_without_dask(capsys):
    assert main(["sweep", "-q", "--kernel", "saxpy", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err.strip() == \
        "error: --scheduler needs distributed: pip install 'simtlab[dask]'"


@pytest.mark.skipif(os.environ.get("SIMTLAB_LONG", "") in ("", "0"),
                    reason="a cold model build: SIMTLAB_LONG=1 (make test-long)")
def test_workers_of_one_config_build_its_model_once(tmp_path, monkeypatch):
    """In an empty cache, 2 workers start 4 points of one model (1x1, ideal memory and HBM2) at once:
    the model is built once (one cache entry, one build stamp on every row), the others wait for it
    on the entry's file lock."""
    monkeypatch.setenv("SIMTLAB_CACHE", str(tmp_path))     # the spawned workers inherit it
    rows = sweep.sweep(sweep.grid("default", ["dram=ideal,hbm2"]),
                       [sweep.workload("vecadd_simt", 20), sweep.workload("saxpy_f", 16)],
                       workers=2, progress=False)
    assert [r["status"] for r in rows] == ["ok"] * 4
    builds = sweep.model_builds(rows)
    assert len(builds) == 1 and len(next(iter(builds.values()))) == 1, builds
    entries = [p for p in (tmp_path / "models").iterdir() if p.is_dir() and p.name != "index"]
    assert len(entries) == 1, entries
