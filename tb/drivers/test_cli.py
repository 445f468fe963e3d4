"""The ``simtlab`` command: run, lockstep, build, info; exit codes and messages."""

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
