"""The ``simtlab`` command: run, lockstep, build, info; exit codes and messages."""

import os
import re
from pathlib import Path

import pytest

from simtlab.drivers.cli import ERROR_EXIT, main

ROOT = Path(__file__).resolve().parents[2]
ISA = ROOT / "kernels" / "isa"


@pytest.mark.parametrize("backend", ["rtl", "emu"])
def test_run_passing_tohost_test(capsys, backend):
    assert main(["run", "--backend", backend, str(ISA / "mul.S")]) == 0
    out = capsys.readouterr().out
    assert "status=tohost code=0" in out and "cycles=" in out and "instrs=" in out


def test_run_failing_program_returns_its_code(tmp_path, capsys):
    src = tmp_path / "fail.S"
    src.write_text(".section .text.init\n.globl _start\n_start:\n  la t0, tohost\n  li t1, 11\n"
                   "  sw t1, 0(t0)\n1: j 1b\n.data\n.globl tohost\n.align 2\ntohost: .word 0\n")
    assert main(["run", str(src)]) == 5          # (5 << 1) | 1 = 11
    assert "status=tohost code=5" in capsys.readouterr().out


def test_run_kernel_with_arguments_and_console(tmp_path, capsys):
    src = tmp_path / "args.c"
    src.write_text('#include "simtlab.h"\nint main(void) { const int *a = sl_arg();\n'
                   '  sl_printf("sum=%d\\n", a[0] + a[1]); return 0; }\n')
    assert main(["run", str(src), "40", "0x2"]) == 0
    out = capsys.readouterr().out
    assert "sum=42" in out and "status=done" in out


def test_run_fault_is_an_error(tmp_path, capsys):
    src = tmp_path / "bad.c"
    src.write_text("int main(void) { return *(volatile int *)0; }\n")
    assert main(["run", str(src)]) == ERROR_EXIT
    assert "load access fault at pc=0x8" in capsys.readouterr().err


def test_run_missing_file(capsys):
    assert main(["run", "/nonexistent/prog.elf"]) == ERROR_EXIT
    assert "error:" in capsys.readouterr().err


def test_run_writes_vcd(tmp_path, capsys):
    vcd = tmp_path / "wave.vcd"
    assert main(["run", "--vcd", str(vcd), "--vcd-window", "0:50", str(ISA / "jumps.S")]) == 0
    text = vcd.read_text()
    assert "$enddefinitions" in text and "retire__valid" in text


def test_lockstep_command(capsys):
    assert main(["lockstep", str(ISA / "branches.S")]) == 0
    assert "lock-step ok" in capsys.readouterr().out


def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "verilator" in out and "zig" in out


# -- the CLI contract: one-line errors (exit 2), --version, info, cache, progress ---------------------
def _one_error_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_version(capsys):
    from importlib import metadata
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"simtlab {metadata.version('simtlab')}"


def test_info_lists_every_package(capsys):
    import re
    from importlib import metadata
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for requirement in metadata.requires("simtlab"):      # extras included: some not installed
        name = re.match(r"[A-Za-z0-9_.-]+", requirement)[0]
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        assert f"package {name}: {version}" in out
    assert f"simtlab: {metadata.version('simtlab')}" in out and "tqdm" in out


def test_unwritable_vcd_is_refused_before_the_build(tmp_path, capsys, monkeypatch):
    import simtlab.sim.build as build

    def no_build(*args, **kwargs):
        raise AssertionError("built the model before checking --vcd")
    monkeypatch.setattr(build, "build_model", no_build)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    (tmp_path / "d.vcd").mkdir()
    cases = [(tmp_path / "missing" / "w.vcd", "does not exist"), (tmp_path / "d.vcd", "is a directory"),
             (tmp_path / "w.txt", "name the waveform \\*.vcd")]
    if os.geteuid() != 0:                         # root writes anywhere
        cases.append((locked / "w.vcd", "not writable"))
    for path, why in cases:
        assert main(["run", "--vcd", str(path), str(ISA / "mul.S")]) == ERROR_EXIT
        assert re.search(why, _one_error_line(capsys.readouterr().err))


def test_out_of_range_float_argument_is_a_user_error(tmp_path, capsys):
    src = tmp_path / "f.c"
    src.write_text('#include "simtlab.h"\nint main(void) { return 0; }\n')
    assert main(["run", "--backend", "emu", str(src), "1e39"]) == ERROR_EXIT
    assert "1e+39 is out of range" in _one_error_line(capsys.readouterr().err)


def test_bad_program_files_are_user_errors(tmp_path, capsys):
    (tmp_path / "junk.elf").write_bytes(b"\x7fELF" + bytes(10))
    for program in (tmp_path, tmp_path / "junk.elf", tmp_path / "none.c"):
        assert main(["run", "--backend", "emu", str(program)]) == ERROR_EXIT
        _one_error_line(capsys.readouterr().err)


def test_cache_lists_sizes_and_clears_every_kind(tmp_path, capsys, monkeypatch):
    from simtlab.cache import KINDS
    monkeypatch.setenv("SIMTLAB_CACHE", str(tmp_path))
    for n, kind in enumerate(KINDS):
        for e in range(n + 1):
            (tmp_path / kind / f"entry{e}").mkdir(parents=True)
            (tmp_path / kind / f"entry{e}" / "out.bin").write_bytes(bytes(2**20))
    (tmp_path / "models" / "index").mkdir()         # the models' index is not an entry
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    for n, kind in enumerate(KINDS):
        assert re.search(rf"^{kind}\s+{n + 1} entries\s+{n + 1}\.0 MiB$", out, re.M), out
    assert main(["cache", "--clear"]) == 0
    assert f"cleared {sum(range(1, len(KINDS) + 1))} cached entries" in capsys.readouterr().out
    assert not any((tmp_path / kind).exists() for kind in KINDS)


def test_corrupt_cached_kernel_is_rebuilt(tmp_path, capsys, monkeypatch):
    import json
    from simtlab.config import PRESETS
    from simtlab.kernels.compile import compile_kernel
    monkeypatch.setenv("SIMTLAB_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "seven.c"
    src.write_text('#include "simtlab.h"\nint main(void) { return 7; }\n')
    elf = compile_kernel(src, PRESETS["default"])
    good = elf.read_bytes()
    elf.write_bytes(good[:100])                   # a truncated ELF in the cache
    assert main(["run", "--backend", "emu", str(src)]) == 7
    assert elf.read_bytes() == good
    stamp = elf.parent / "stamp.json"             # an entry whose stamp names another key
    stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "key": "0" * 64}))
    elf.write_bytes(b"not the kernel")
    assert compile_kernel(src, PRESETS["default"]).read_bytes() == good


def test_progress_bar_for_long_runs_and_quiet(tmp_path, capfd):
    args = ["run", str(ROOT / "kernels/examples/spin.c"), "250000", "1", "0x10000"]
    assert main(args) == 0
    err = capfd.readouterr().err
    assert re.search(r"run: .*cycle/s", err), err
    assert main(["run", "-q", *args[1:]]) == 0
    assert capfd.readouterr().err == ""


def test_run_directory_and_npy_arguments(tmp_path, capsys, rng):
    import csv
    import json
    import numpy as np
    from simtlab.sim.result import STALL_CAUSES
    a = rng.integers(-1000, 1000, 40).astype(np.int32)
    b = rng.integers(-1000, 1000, 40).astype(np.int32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    out = tmp_path / "m5out"
    assert main(["run", "--out", str(out), str(ROOT / "kernels/examples/vecadd.c"), "40",
                 str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "zeros:int32:40"]) == 0
    assert f"run directory: {out}" in capsys.readouterr().out
    np.testing.assert_array_equal(np.load(out / "c.npy"), a + b)
    np.testing.assert_array_equal(np.load(out / "a.npy"), a)
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["warps"] == 1 and config["backend"] == "rtl"
    assert config["args"] == [40, "buffer int32[40]", "buffer int32[40]", "buffer int32[40]"]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["status"] == "done" and stats["instrs"] > 0
    assert 0 < sum(stats[f"stall.{c}"] for c in STALL_CAUSES) <= stats["cycles"]   # busy cycles
    with open(out / "stats.csv") as f:
        rows = dict(list(csv.reader(f))[1:])
    assert set(rows) == set(stats) and rows["cycles"] == str(stats["cycles"])
    assert (out / "console.txt").read_text() == ""


def test_run_directory_of_a_fault(tmp_path, capsys):
    import json
    src = tmp_path / "bad.c"
    src.write_text('#include "simtlab.h"\nint main(void) {\n  return *(volatile int *)0x50000000u;\n}\n')
    assert main(["run", "--backend", "emu", "--out", str(tmp_path / "o"), str(src)]) == ERROR_EXIT
    assert "load access fault" in _one_error_line(capsys.readouterr().err)
    fault = json.loads((tmp_path / "o" / "stats.json").read_text())["fault"]
    assert fault["addr"] == 0x5000_0000 and fault["where"].endswith("bad.c:3")


def test_usage_errors_are_one_line(tmp_path, capsys):
    for argv in (["run"], ["run", "x.c", "zeros:int33:4"], ["run", "x.c", "abc"], ["nope"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == ERROR_EXIT
        _one_error_line(capsys.readouterr().err)
    (tmp_path / "f").write_text("a file")
    assert main(["run", "--out", str(tmp_path / "f"), "x.c"]) == ERROR_EXIT
    assert "is not a directory" in _one_error_line(capsys.readouterr().err)
