"""The Konata pipeline view (drivers/konata.py, ``simtlab run --out DIR --konata``): the file is
parsed back as the Kanata 0004 format defines it and checked against the run."""

import json
from pathlib import Path

import numpy as np
import pytest

from simtlab.drivers.cli import main
from simtlab.drivers.konata import PIPE_STAGES, RETIRE_STAGE, WAIT_STAGE, konata_lines
from simtlab.sim.result import PIPE_DTYPE, trace_dtype

ROOT = Path(__file__).resolve().parents[2]


def parse_kanata(text):
    """``{file id: {"sim", "thread", "label", "stages": [(name, start, end)], "retire": (cycle, id)}}``,
    checking the format's rules on the way: header, C= first, I before any other command of an
    instruction, file ids in order of appearance, S/E pairs, R last."""
    lines = text.splitlines()
    assert lines[0] == "Kanata\t0004"
    assert lines[1].startswith("C=\t")
    now = int(lines[1].split("\t")[1])
    insns, open_stages = {}, {}
    for line in lines[2:]:
        cmd, *arg = line.split("\t")
        if cmd == "C":
            assert int(arg[0]) > 0          # time only moves forward
            now += int(arg[0])
            continue
        n = int(arg[0])
        if cmd == "I":
            assert n == len(insns), "file ids are given in order of appearance"
            insns[n] = {"sim": int(arg[1]), "thread": int(arg[2]), "label": "", "stages": []}
            continue
        insn = insns[n]
        assert "retire" not in insn, f"command after R for {n}: {line!r}"
        if cmd == "L":
            insn["label"] += arg[2]
        elif cmd == "S":
            assert (n, arg[2]) not in open_stages
            open_stages[n, arg[2]] = now
        elif cmd == "E":
            insn["stages"].append((arg[2], open_stages.pop((n, arg[2])), now))
        elif cmd == "R":
            assert arg[2] == "0"
            insn["retire"] = (now, int(arg[1]))
        else:
            raise AssertionError(f"unknown command {line!r}")
    assert not open_stages
    return insns


def test_run_konata_file_matches_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--config", "4x4", "--out", str(out), "--konata",
                 str(ROOT / "kernels/examples/diverge.c"), "21", "zeros:int32:21",
                 "zeros:int32:168"]) == 0
    capsys.readouterr()
    stats = json.loads((out / "stats.json").read_text())
    insns = parse_kanata((out / "konata.log").read_text())
    assert len(insns) == stats["instrs"] > 0
    assert all("retire" in insn for insn in insns.values())
    # retire ids are the retire order; the retire stage ends where R stands, a cycle after it began
    assert sorted(insn["retire"][1] for insn in insns.values()) == list(range(len(insns)))
    per_warp = {}
    for insn in sorted(insns.values(), key=lambda i: i["retire"][1]):
        names = [name for name, _, _ in insn["stages"]]
        # the RTL's stages: D and X at least a cycle each, M/W-wait when it lasts, retire
        assert names in (list(PIPE_STAGES), ["Ds", "Ex", RETIRE_STAGE]), names
        for (_, start, end), following in zip(insn["stages"], insn["stages"][1:] + [None]):
            assert start < end
            if following is not None:
                assert end == following[1]              # stages follow each other, in order
        assert insn["stages"][-1][2] == insn["retire"][0]
        per_warp[insn["thread"]] = per_warp.get(insn["thread"], 0) + 1
        assert f" w{insn['thread']} " in insn["label"] and " at " in insn["label"]    # source line
    assert per_warp == {w: stats[f"warp{w}.instrs"] for w in range(4)}
    assert sum("diverge.c:" in insn["label"] for insn in insns.values()) > 100
    # the last instruction retires in the run's last cycles
    assert max(insn["retire"][0] for insn in insns.values()) <= stats["cycles"] + 1


def test_konata_stages_of_a_small_trace():
    trace = np.zeros(3, dtype=trace_dtype(1))
    trace["cycle"] = [5, 6, 9]
    trace["warp"] = [0, 1, 0]
    trace["pc"] = [0x80000000, 0x80000010, 0x80000004]
    insns = parse_kanata("\n".join(konata_lines(trace)))
    by_retire = {insn["retire"][1]: insn for insn in insns.values()}
    assert by_retire[0]["stages"] == [(RETIRE_STAGE, 5, 6)]
    assert by_retire[1]["stages"] == [(RETIRE_STAGE, 6, 7)]
    # warp 0's second instruction: from the cycle after its first retired, to its own retirement
    assert by_retire[2]["stages"] == [(WAIT_STAGE, 6, 9), (RETIRE_STAGE, 9, 10)]
    assert by_retire[2]["label"].startswith("80000004: 00000000 w0")
    assert list(konata_lines(trace[:0])) == ["Kanata\t0004"]


def test_konata_pipeline_stages_of_a_small_trace():
    """With pipeline records: D from its entry to X's, X to its exit, then M/W until retirement
    (absent when the instruction retires the cycle after X), then the retire cycle."""
    trace = np.zeros(2, dtype=trace_dtype(1))
    trace["cycle"], trace["warp"] = [5, 12], [0, 0]
    pipe = np.zeros(2, dtype=PIPE_DTYPE)
    pipe["d_cycle"], pipe["x_cycle"], pipe["x_done"] = [2, 4], [3, 6], [4, 8]
    insns = parse_kanata("\n".join(konata_lines(trace, pipe=pipe)))
    by_retire = {insn["retire"][1]: insn for insn in insns.values()}
    assert by_retire[0]["stages"] == [("Ds", 2, 3), ("Ex", 3, 5), (RETIRE_STAGE, 5, 6)]
    assert by_retire[1]["stages"] == [("Ds", 4, 6), ("Ex", 6, 9), ("Mw", 9, 12),
                                      (RETIRE_STAGE, 12, 13)]
    with pytest.raises(ValueError, match="warp 0: 1 pipeline records for 2 retired"):
        list(konata_lines(trace, pipe=pipe[:1]))
    # an instruction still in flight when the run stopped has a record and no retirement
    assert list(konata_lines(trace[:1], pipe=pipe)) == list(konata_lines(trace[:1], pipe=pipe[:1]))
    late = pipe.copy()
    late["x_done"][1] = 20
    with pytest.raises(ValueError, match="out of order"):
        list(konata_lines(trace, pipe=late))


def test_konata_errors(tmp_path, capsys):
    with pytest.raises(TypeError):
        konata_lines(np.zeros(3))
    trace = np.zeros(2, dtype=trace_dtype(1))
    trace["cycle"] = [4, 3]
    with pytest.raises(ValueError, match="decrease"):
        konata_lines(trace)
    assert main(["run", "--konata", str(ROOT / "kernels/examples/hello.c")]) == 2
    assert "--konata writes into the run directory" in capsys.readouterr().err
