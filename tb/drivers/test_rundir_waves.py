"""Waveforms of a run (``simtlab run --vcd FILE [--waves-scope PATTERN]``, drivers/waves.py): VCD
time is cycle-true, the selection keeps what it names, and FST is refused with a clear error."""

import os
import re
from pathlib import Path

import numpy as np
import pytest

from simtlab.drivers.cli import main
from simtlab.drivers.device import Device
from simtlab.config import SimtConfig
from simtlab.drivers.waves import select_signals
from simtlab.errors import ToolError
from simtlab.sim import build

ROOT = Path(__file__).resolve().parents[2]

SMALL_VCD = """$timescale 100ps $end
 $scope module top $end
  $var wire 1 ! clk $end
  $var wire 4 " a__b [3:0] $end
  $var wire 1 # $5 $end
  $scope module inner $end
   $var wire 1 $ x $end
  $upscope $end
 $upscope $end
$enddefinitions $end
#0
0!
b0001 "
1#
0$
#5
1!
1$
"""


def _parse(path):
    """``(timescale, {id: dotted name}, [(time, id, value)])`` of a VCD file."""
    text = Path(path).read_text()
    head, body = text.split("$enddefinitions $end", 1)
    timescale = re.search(r"\$timescale\s+(\S+)\s+\$end", head)[1]
    scopes, names = [], {}
    for line in head.splitlines():
        words = line.split()
        if words[:1] == ["$scope"]:
            scopes.append(words[2])
        elif words[:1] == ["$upscope"]:
            scopes.pop()
        elif words[:1] == ["$var"]:
            names.setdefault(words[3], []).append(".".join(scopes + [words[4]]))
    changes, now = [], None
    for line in body.split("\n"):
        if not line or line.startswith("$"):
            continue
        if line.startswith("#"):
            now = int(line[1:])
        elif line[0] in "bB":
            value, ident = line[1:].split()
            changes.append((now, ident, int(value, 2)))
        else:
            changes.append((now, line[1:], int(line[0])))
    return timescale, names, changes


def test_select_signals_of_a_small_file(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_text(SMALL_VCD)
    assert select_signals(path, "top.*") == 3                   # $5 is the synthesis tool's
    _, names, changes = _parse(path)
    assert names == {"!": ["top.clk"], '"': ["top.a__b"], "$": ["top.inner.x"]}
    assert ("#", 1) not in {(i, v) for _, i, v in changes}
    path.write_text(SMALL_VCD)
    assert select_signals(path, "top.inner.*") == 1
    timescale, names, changes = _parse(path)
    assert timescale == "100ps" and names == {"$": ["top.inner.x"]}
    assert changes == [(0, "$", 0), (5, "$", 1)]
    assert "$upscope" in path.read_text()
    path.write_text(SMALL_VCD)
    with pytest.raises(ValueError, match="matches no signal.*top.clk"):
        select_signals(path, "nothing*")


def test_vcd_time_is_cycle_true_and_the_scope_selects(tmp_path):
    path = tmp_path / "run.vcd"
    with Device("default", waves=(10, 30), vcd_path=path) as dev:
        dev.enable_trace(True)
        out = dev.alloc(16 * 4, np.int32)
        dev.run(ROOT / "kernels/examples/vecadd.c", 16, dev.zeros(16, np.int32),
                dev.zeros(16, np.int32), out)
        retired = dev.trace()["cycle"]
    kept = select_signals(path, "simtlab_top.retire__*")
    timescale, names, changes = _parse(path)
    assert timescale == "100ps"
    assert kept == sum(len(n) for n in names.values()) > 0
    assert all(name.startswith("simtlab_top.retire__") and name.count(".") == 1
               for group in names.values() for name in group)
    assert {ident for _, ident, _ in changes} <= set(names)
    times = sorted({t for t, _, _ in changes})
    # cycle n is at n ns (10 units), its rising edge half a cycle later; only cycles 10..29
    assert times[0] == 100 and times[-1] <= 295 and all(t % 5 == 0 for t in times)
    valid = next(i for i, n in names.items() if "simtlab_top.retire__valid" in n)
    steps = [(t, value) for t, ident, value in changes if ident == valid]
    # its level in cycle n: the last change at or before n ns (the clk-low half, where it is sampled)
    high = {n for n in range(10, 30) if [v for t, v in steps if t <= 10 * n][-1:] == [1]}
    # retire__valid is high in exactly the cycles the retire trace has an instruction in
    assert len(high) > 3 and high == {int(c) for c in retired if 10 <= c < 30}


def test_wave_option_errors(capsys):
    hello = str(ROOT / "kernels/examples/hello.c")
    assert main(["run", "--vcd", "x.fst", "--waves-scope", "simtlab_top.*", hello]) == 2
    assert "--waves-scope selects signals of a VCD file" in capsys.readouterr().err
    assert main(["run", "--vcd", "x.txt", hello]) == 2
    assert "name the waveform *.vcd (VCD text) or *.fst" in capsys.readouterr().err
    assert main(["run", "--waves-scope", "simtlab_top.*", hello]) == 2
    assert "give --vcd FILE" in capsys.readouterr().err


def test_fst_without_its_libraries_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setattr(build, "fst_missing_headers", lambda: ["lz4.h"])
    with pytest.raises(ToolError, match="FST waveforms need .*lz4.h.*write a .vcd file instead"):
        build.build_model(SimtConfig(), trace="fst")
    with pytest.raises(ValueError, match="trace must be"):
        build.build_model(SimtConfig(), trace="ghw")
    assert main(["run", "--vcd", "x.fst", str(ROOT / "kernels/examples/hello.c"), "1", "2"]) == 2
    assert "error: FST waveforms need" in capsys.readouterr().err


@pytest.mark.skipif(not os.environ.get("SIMTLAB_LONG"), reason="builds an FST model (SIMTLAB_LONG=1)")
@pytest.mark.skipif(bool(build.fst_missing_headers()), reason="no zlib/lz4 headers for the FST writer")
def test_fst_waves(tmp_path):
    path = tmp_path / "run.fst"
    with Device("default", waves=(0, 50), vcd_path=path) as dev:
        dev.run(ROOT / "kernels/examples/vecadd.c", 4, dev.zeros(4, np.int32), dev.zeros(4, np.int32),
                dev.zeros(4, np.int32))
    data = path.read_bytes()
    # an FST file starts with its header block (type 0) of 329 bytes, not with VCD text
    assert data[0] == 0 and int.from_bytes(data[1:9], "big") == 329 and b"$timescale" not in data
