"""Kernel compiler wrapper, runtime, example catalog and ISA self-tests (build side; runs on the
functional emulator when it is importable)."""

import os
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from simtlab.config import SimtConfig
from simtlab.drivers.elf import load_elf, write_program
from simtlab.errors import CompileError, ToolError
from simtlab.kernels import compile as kc
from simtlab.kernels.catalog import EXAMPLES, Buf, pack_args, spin_reference
from simtlab.kernels.compile import ISA_DIR, compile_kernel, compiler_command, compiler_version
from simtlab.spec.csr import DCR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import RunStatus

from simtlab.sim.emulator import Emulator

CONFIG = SimtConfig(name="test")
ISA_TESTS = sorted(ISA_DIR.glob("*.S"))


def run_on_emulator(program, writes=(), arg_addr=None, max_cycles=2_000_000):
    emu = Emulator(CONFIG)
    write_program(emu, program)
    for addr, data in writes:
        emu.write_mem(addr, data)
    if arg_addr is not None:
        emu.dcr_write(DCR.STARTUP_ARG0, arg_addr)
    emu.start()
    return emu, emu.run(max_cycles)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMTLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


# -- compiler -----------------------------------------------------------------------------------------

def test_default_compiler_is_zig(monkeypatch):
    monkeypatch.delenv("SIMTLAB_CC", raising=False)
    command = compiler_command()
    assert command[1:4] == ["-m", "ziglang", "cc"]
    assert "riscv32-freestanding-none" in command
    assert any(flag.startswith("-mcpu=generic_rv32") and "+m" in flag for flag in command)
    assert compiler_version().startswith("zig 0.")


def test_missing_compiler_raises_tool_error(monkeypatch, fresh_cache):
    monkeypatch.setenv("SIMTLAB_CC", "simtlab-no-such-cc -march=rv32im -mabi=ilp32")
    with pytest.raises(ToolError, match="simtlab-no-such-cc.*SIMTLAB_CC"):
        compile_kernel(EXAMPLES["vecadd"].source, CONFIG)
    with pytest.raises(ToolError, match="simtlab-no-such-cc"):
        compiler_version()


def test_compile_error_carries_compiler_messages(fresh_cache):
    source = "#include \"simtlab.h\"\nint main(void) {\n    return undeclared_thing + 1;\n}\n"
    with pytest.raises(CompileError) as info:
        compile_kernel(source, CONFIG)
    message = str(info.value)
    assert "undeclared_thing" in message
    assert "error" in message
    assert "kernel.c:3" in message          # file and line of the fault
    assert not list(fresh_cache.glob("kernels/*/kernel.elf"))


def test_missing_source_raises_compile_error(tmp_path):
    with pytest.raises(CompileError, match="does not exist"):
        compile_kernel(tmp_path / "nope.c", CONFIG)


def test_cache_hit_is_fast_and_stable(fresh_cache, monkeypatch):
    source = EXAMPLES["vecadd"].source
    start = time.perf_counter()
    first = compile_kernel(source, CONFIG)
    cold = time.perf_counter() - start
    assert first.is_file() and first.parent.parent == fresh_cache / "kernels" and first.suffix == ".elf"

    def no_compiler(*args, **kwargs):
        raise AssertionError("the compiler ran on a cache hit")
    monkeypatch.setattr(kc.subprocess, "run", no_compiler)
    start = time.perf_counter()
    second = compile_kernel(str(source), CONFIG)
    warm = time.perf_counter() - start
    assert second == first
    assert warm < 0.1 and warm < cold
    monkeypatch.undo()
    monkeypatch.setenv("SIMTLAB_CACHE", str(fresh_cache))

    # Anything that changes the binary changes the key.
    assert compile_kernel(source, CONFIG, opt="-O1") != first
    assert compile_kernel(source, CONFIG, extra_flags=("-DUNUSED=1",)) != first
    other = compile_kernel(source, CONFIG.replace(stack_log_size=12))
    assert other != first
    # mem_latency does not change the header, so it shares the ELF
    assert compile_kernel(source, CONFIG.replace(mem_latency=5)) == first


def test_parallel_builds_of_one_kernel_agree(fresh_cache):
    source = "#include \"simtlab.h\"\nint main(void) { return 0; }\n"
    results, errors = [], []

    def worker():
        try:
            results.append(compile_kernel(source, CONFIG))
        except Exception as exc:   # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    load_elf(results[0], CONFIG)
    assert not list((fresh_cache / "kernels").glob("build-*"))


def test_stack_constants_come_from_the_config():
    for log_size in (10, 13):
        config = CONFIG.replace(stack_log_size=log_size)
        program = load_elf(compile_kernel(EXAMPLES["vecadd"].source, config), config)
        boot = program.symbol("__sl_boot")
        for addr, data in program.segments:
            if addr <= boot < addr + len(data):
                top, io_exit = struct.unpack_from("<II", data, boot - addr)
        assert (top, io_exit) == (MemoryMap.STACK_TOP, MemoryMap.IO_EXIT)
        # slli t1, t1, STACK_LOG2_SIZE sits in _start
        text = program.segments[0][1]
        slli = 0x13 | (6 << 7) | (1 << 12) | (6 << 15) | (log_size << 20)
        assert struct.pack("<I", slli) in text[:64]


# -- examples ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_compiles_and_loads(name):
    example = EXAMPLES[name]
    assert example.source.is_file()
    assert example.source.read_text().lstrip().startswith("/*"), "document the arguments at the top"
    program = load_elf(compile_kernel(example.source, CONFIG), CONFIG)
    assert program.entry == CONFIG.startup_addr == program.symbols["_start"]
    assert "main" in program.symbols and "__sl_boot" in program.symbols
    assert program.tohost is None
    assert program.symbols["_end"] >= program.segments[-1][0] + len(program.segments[-1][1])
    for addr, data in program.segments:
        assert CONFIG.region_of(addr, len(data)).name == "code"
    # the RV32IM core has no compressed instructions: every instruction is 4 bytes
    assert program.entry % 4 == 0


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_on_emulator(name):
    example = EXAMPLES[name]
    program = load_elf(compile_kernel(example.source, CONFIG), CONFIG)
    for size in (*example.sizes, example.default_size):
        case = example.make_case(np.random.default_rng(size + 1), size)
        addresses, arg_addr, writes = case.place()
        emu, result = run_on_emulator(program, writes, arg_addr, case.max_cycles)
        assert result.status == RunStatus.DONE, (size, result)
        for buf, want in case.expected.items():
            got = np.frombuffer(emu.read_mem(addresses[buf], want.nbytes), want.dtype).reshape(want.shape)
            np.testing.assert_array_equal(got, want, err_msg=f"{name} size {size} buffer {buf}")
        console = emu.console()
        if case.console is not None:
            assert console == case.console


def test_pack_args():
    words = pack_args([3, -1, 1.5, Buf("a"), Buf("a", 4)], {"a": 0x10000})
    assert struct.unpack("<IIfII", words) == (3, 0xFFFFFFFF, 1.5, 0x10000, 0x10004)
    with pytest.raises(TypeError, match="bool is ambiguous"):
        pack_args([True], {})
    with pytest.raises(ValueError):
        pack_args([1 << 32], {})
    with pytest.raises(TypeError):
        pack_args(["x"], {})


def test_spin_reference_is_long_enough_for_the_benchmark():
    out = spin_reference(3, 5)
    assert out.dtype == np.uint32 and out[2] == 3
    case = EXAMPLES["spin"].make_case(np.random.default_rng(0), 1_000_000)
    assert case.max_cycles >= 10_000_000


# -- programs without the runtime ---------------------------------------------------------------------

def test_main_result_becomes_exit_code():
    program = load_elf(compile_kernel('#include "simtlab.h"\nint main(void) { return 3; }\n', CONFIG), CONFIG)
    _, result = run_on_emulator(program)
    assert (result.status, result.code) == (RunStatus.EXIT, 3)


def test_sl_exit_and_bss_and_64bit_division():
    source = r'''
#include "simtlab.h"
static volatile uint32_t zeros[64];
static uint64_t big = 0x123456789ABCDEFull;
int main(void) {
    uint32_t *args = sl_arg();
    for (int i = 0; i < 64; i++)
        if (zeros[i]) sl_exit(100);
    uint64_t q = big / args[0], r = big % args[0];
    args[1] = (uint32_t)q; args[2] = (uint32_t)(q >> 32); args[3] = (uint32_t)r;
    int64_t s = -(int64_t)big / (int32_t)args[0];
    args[4] = (uint32_t)s; args[5] = (uint32_t)((uint64_t)s >> 32);
    sl_exit(42);
}
'''
    program = load_elf(compile_kernel(source, CONFIG), CONFIG)
    arg = MemoryMap.HEAP_BASE
    # dirty the .bss area to check that start.S clears it
    bss = program.symbol("__bss_start"), program.symbol("__bss_end")
    assert bss[1] - bss[0] >= 256
    emu, result = run_on_emulator(program, [(bss[0], b"\xff" * (bss[1] - bss[0])),
                                            (arg, struct.pack("<6I", 1000, 0, 0, 0, 0, 0))], arg)
    assert (result.status, result.code) == (RunStatus.EXIT, 42)
    got = struct.unpack("<6I", emu.read_mem(arg, 24))
    big = 0x123456789ABCDEF
    s = -(big // 1000) & (2**64 - 1)
    assert got[1:] == (big // 1000 & 0xFFFFFFFF, big // 1000 >> 32, big % 1000, s & 0xFFFFFFFF, s >> 32)


# -- ISA self-tests -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ISA_TESTS, ids=[p.stem for p in ISA_TESTS])
def test_isa_test_compiles_and_loads(path):
    program = load_elf(compile_kernel(path, CONFIG, runtime=False), CONFIG)
    assert program.entry == CONFIG.startup_addr == program.symbols["_start"]
    assert program.tohost is not None and program.tohost % 4 == 0
    assert "main" not in program.symbols and "__sl_boot" not in program.symbols
    assert "fail" in program.symbols
    assert any(a <= program.tohost < a + len(d) for a, d in program.segments)


def test_isa_tests_cover_every_instruction():
    text = "\n".join(p.read_text() for p in ISA_TESTS)
    mnemonics = """lui auipc jal jalr beq bne blt bge bltu bgeu lb lh lw lbu lhu sb sh sw addi slti sltiu
        xori ori andi slli srli srai add sub sll slt sltu xor srl sra or and fence
        mul mulh mulhsu mulhu div divu rem remu csrrw csrrs csrrc csrrwi csrrsi csrrci""".split()
    import re
    missing = [m for m in mnemonics if not re.search(rf"(^|[\s(;,]){m}[\s,]", text)]
    assert not missing
    assert ".insn r 0x0b, 0, 0" in text     # tmc


def test_isa_tests_cover_every_f_instruction():
    import re
    text = "\n".join(p.read_text() for p in ISA_TESTS)
    mnemonics = """flw fsw fmadd.s fmsub.s fnmsub.s fnmadd.s fadd.s fsub.s fmul.s fdiv.s fsqrt.s fsgnj.s
        fsgnjn.s fsgnjx.s fmin.s fmax.s fcvt.w.s fcvt.wu.s fmv.x.w feq.s flt.s fle.s fclass.s fcvt.s.w
        fcvt.s.wu fmv.w.x""".split()
    macros = (ISA_DIR / "test_macros.h").read_text()
    missing = [m for m in mnemonics if not re.search(rf"(^|[\s(;,]){re.escape(m)}[\s,]", text + macros)]
    assert not missing
    for mode in ("rne", "rtz", "rdn", "rup", "rmm", "dyn"):
        assert f", {mode}," in text
    for csr in ("fflags", "frm", "fcsr"):
        assert f", {csr}" in text


@pytest.mark.parametrize("path", ISA_TESTS, ids=[p.stem for p in ISA_TESTS])
def test_isa_test_passes_on_emulator(path):
    program = load_elf(compile_kernel(path, CONFIG, runtime=False), CONFIG)
    _, result = run_on_emulator(program, max_cycles=100_000)
    assert result.status == RunStatus.TOHOST, result
    assert result.code == 0, f"{path.name}: check {result.code} failed"


def test_isa_test_reports_the_failing_check(tmp_path):
    text = (ISA_DIR / "alu_reg.S").read_text()
    wrong = text.replace("TEST_RR(14, add, 0xacf13568,", "TEST_RR(14, add, 0xacf13569,")
    assert wrong != text
    path = tmp_path / "alu_reg_broken.S"
    path.write_text(wrong)
    (tmp_path / "test_macros.h").write_text((ISA_DIR / "test_macros.h").read_text())
    program = load_elf(compile_kernel(path, CONFIG, runtime=False), CONFIG)
    _, result = run_on_emulator(program, max_cycles=100_000)
    assert (result.status, result.code) == (RunStatus.TOHOST, 14)
