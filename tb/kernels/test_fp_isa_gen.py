"""The RV32F ISA self-tests are generated (kernels/fp_isa_gen.py): the committed files must be what
the generator writes, and the generated checks must actually check (result bits and fflags)."""

import re

import pytest

from simtlab.config import SimtConfig
from simtlab.drivers.elf import load_elf, write_program
from simtlab.kernels import fp_isa_gen
from simtlab.kernels.compile import ISA_DIR, compile_kernel
from simtlab.sim.emulator import Emulator
from simtlab.spec.fpu import Flags, FpuOp
from simtlab.spec.status import RunStatus

CONFIG = SimtConfig()


def run_file(path):
    program = load_elf(compile_kernel(path, CONFIG, runtime=False), CONFIG)
    emu = Emulator(CONFIG)
    write_program(emu, program)
    emu.start()
    return emu.run(200_000)


@pytest.mark.parametrize("stem", sorted(fp_isa_gen.FILES))
def test_committed_file_is_what_the_generator_writes(stem):
    path = ISA_DIR / f"{stem}.S"
    assert path.exists(), f"{path} missing: run python -m simtlab.kernels.fp_isa_gen"
    assert path.read_bytes() == fp_isa_gen.render(stem).encode(), \
        f"{path.name} is stale or hand-edited: run python -m simtlab.kernels.fp_isa_gen"


def test_check_mode_and_write(tmp_path):
    assert fp_isa_gen.main(["--check", "--dir", str(tmp_path)]) == 1
    assert fp_isa_gen.main(["--dir", str(tmp_path)]) == 0
    assert fp_isa_gen.main(["--check", "--dir", str(tmp_path)]) == 0
    assert fp_isa_gen.write(tmp_path) == []                    # nothing changes a second time
    for stem in fp_isa_gen.FILES:
        assert (tmp_path / f"{stem}.S").read_bytes() == (ISA_DIR / f"{stem}.S").read_bytes()


def test_every_operation_rounding_mode_and_flag_is_exercised():
    text = "\n".join(fp_isa_gen.render(stem) for stem in fp_isa_gen.FILES)
    ops = set(fp_isa_gen.OPS.values()) | {FpuOp.MV_X_W, FpuOp.MV_W_X}
    assert ops == set(FpuOp)
    for inst in fp_isa_gen.OPS:
        assert re.search(rf"\b{re.escape(inst)}\b", text), inst
    # the accrued flags column of the arithmetic macros (the field after the expected bits)
    pattern = r"TEST_FP_\w+\(\d+, [\w.]+, (?:\w+, )?0x[0-9a-f]{8}, (0x[0-9a-f]{2})"
    flags = {int(m.group(1), 16) for m in re.finditer(pattern, text)}
    for flag in Flags:
        assert any(value & flag for value in flags), flag
    assert 0 in flags
    for mode in ("rne", "rtz", "rdn", "rup", "rmm", "dyn"):
        assert f", {mode}, " in text


def test_numbers_are_consecutive():
    for stem in fp_isa_gen.FILES:
        numbers = [int(n) for n in re.findall(r"^\s+TEST_\w+\((\d+),", fp_isa_gen.render(stem), re.M)]
        assert numbers == list(range(1, len(numbers) + 1)), stem


@pytest.mark.parametrize("stem,pattern,replacement", [
    ("fadd", r"(TEST_FP_RR\(7, fadd\.s, rtz, 0x[0-9a-f]{8}, )0x01", r"\g<1>0x00"),     # flags
    ("fadd", r"(TEST_FP_RR\(7, fadd\.s, rtz, )0x3f800000", r"\g<1>0x3f800001"),         # bits
    ("fcmp", r"(TEST_FP_CMP_ZERODEST\(\d+, flt\.s, )0x10", r"\g<1>0x00"),
])
def test_a_wrong_expectation_fails_its_check(tmp_path, stem, pattern, replacement):
    text = fp_isa_gen.render(stem)
    found = re.search(pattern, text)
    assert found
    number = int(re.match(r"TEST_\w+\((\d+), ", text[found.start():]).group(1))
    broken = text[:found.start()] + found.expand(replacement) + text[found.end():]
    (tmp_path / "test_macros.h").write_bytes((ISA_DIR / "test_macros.h").read_bytes())
    path = tmp_path / f"{stem}_broken.S"
    path.write_text(broken)
    result = run_file(path)
    assert (result.status, result.code) == (RunStatus.TOHOST, number)
