"""Tests of the functional golden model (simtlab.sim.emulator) on hand-encoded RV32IM programs.

Programs are lists of instruction words built by the tiny encoder below and loaded at CODE_BASE; most
end with ``tmc x0`` so that the run stops with RunStatus.DONE.
"""

import struct

import numpy as np
import pytest

from simtlab.config import SimtConfig
from simtlab.sim.emulator import Emulator
from simtlab.sim.result import trace_dtype
from simtlab.spec.csr import CSR, DCR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause, RunStatus

BASE = MemoryMap.CODE_BASE
HEAP = MemoryMap.HEAP_BASE
MASK = 0xFFFF_FFFF

# -- a tiny RV32IM encoder ----------------------------------------------------------------------------

R_OPS = {  # name -> (funct3, funct7)
    "add": (0, 0), "sub": (0, 0x20), "sll": (1, 0), "slt": (2, 0), "sltu": (3, 0), "xor": (4, 0),
    "srl": (5, 0), "sra": (5, 0x20), "or": (6, 0), "and": (7, 0),
    "mul": (0, 1), "mulh": (1, 1), "mulhsu": (2, 1), "mulhu": (3, 1),
    "div": (4, 1), "divu": (5, 1), "rem": (6, 1), "remu": (7, 1),
}
I_OPS = {"addi": 0, "slti": 2, "sltiu": 3, "xori": 4, "ori": 6, "andi": 7}
SHIFT_OPS = {"slli": (1, 0), "srli": (5, 0), "srai": (5, 0x20)}
LOADS = {"lb": 0, "lh": 1, "lw": 2, "lbu": 4, "lhu": 5}
STORES = {"sb": 0, "sh": 1, "sw": 2}
BRANCHES = {"beq": 0, "bne": 1, "blt": 4, "bge": 5, "bltu": 6, "bgeu": 7}


def enc_r(opcode, rd, funct3, rs1, rs2, funct7):
    return (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode


def enc_i(opcode, rd, funct3, rs1, imm):
    return ((imm & 0xFFF) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode


def enc_s(funct3, rs1, rs2, imm):
    imm &= 0xFFF
    return ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1F) << 7) | 0x23


def enc_b(funct3, rs1, rs2, offset):
    o = offset & 0x1FFF
    return ((((o >> 12) & 1) << 31) | (((o >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15)
            | (funct3 << 12) | (((o >> 1) & 0xF) << 8) | (((o >> 11) & 1) << 7) | 0x63)


def enc_u(opcode, rd, imm20):
    return ((imm20 & 0xFFFFF) << 12) | (rd << 7) | opcode


def enc_j(rd, offset):
    o = offset & 0x1FFFFF
    return ((((o >> 20) & 1) << 31) | (((o >> 1) & 0x3FF) << 21) | (((o >> 11) & 1) << 20)
            | (((o >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F)


def r(name, rd, rs1, rs2):
    funct3, funct7 = R_OPS[name]
    return enc_r(0x33, rd, funct3, rs1, rs2, funct7)


def i(name, rd, rs1, imm):
    if name in SHIFT_OPS:
        funct3, funct7 = SHIFT_OPS[name]
        return enc_i(0x13, rd, funct3, rs1, (funct7 << 5) | (imm & 31))
    return enc_i(0x13, rd, I_OPS[name], rs1, imm)


def load(name, rd, rs1, imm):
    return enc_i(0x03, rd, LOADS[name], rs1, imm)


def store(name, rs2, rs1, imm):
    return enc_s(STORES[name], rs1, rs2, imm)


def branch(name, rs1, rs2, offset):
    return enc_b(BRANCHES[name], rs1, rs2, offset)


def lui(rd, imm20):
    return enc_u(0x37, rd, imm20)


def auipc(rd, imm20):
    return enc_u(0x17, rd, imm20)


def jal(rd, offset):
    return enc_j(rd, offset)


def jalr(rd, rs1, imm):
    return enc_i(0x67, rd, 0, rs1, imm)


def csr(funct3, rd, number, rs1_or_uimm):
    return enc_i(0x73, rd, funct3, rs1_or_uimm, number)


def csrrw(rd, number, rs1): return csr(1, rd, number, rs1)
def csrrs(rd, number, rs1): return csr(2, rd, number, rs1)
def csrrc(rd, number, rs1): return csr(3, rd, number, rs1)
def csrrwi(rd, number, uimm): return csr(5, rd, number, uimm)
def csrrsi(rd, number, uimm): return csr(6, rd, number, uimm)
def csrrci(rd, number, uimm): return csr(7, rd, number, uimm)


def tmc(rs1):
    return enc_r(0x0B, 0, 0, rs1, 0, 0)


def li(rd, value):
    """lui + addi loading any 32-bit value (two words)."""
    value &= MASK
    low = value & 0xFFF
    upper = (value + 0x800) >> 12
    return [lui(rd, upper), i("addi", rd, rd, low - 0x1000 if low & 0x800 else low)]


def flatten(items):
    out = []
    for item in items:
        out.extend(item if isinstance(item, list) else [item])
    return out


HALT = tmc(0)
NOP = i("addi", 0, 0, 0)
A0, A1, A2, A3 = 10, 11, 12, 13


# -- helpers --------------------------------------------------------------------------------------------

def load_program(emu, *items, at=BASE):
    words = flatten(items)
    emu.write_mem(at, struct.pack(f"<{len(words)}I", *words))
    return words


def run(*items, config=None, max_cycles=10_000, trace=False, setup=None):
    """Load the program at CODE_BASE, start and run it; returns (emulator, result)."""
    emu = Emulator(config or SimtConfig())
    load_program(emu, *items)
    if setup:
        setup(emu)
    emu.enable_trace(trace)
    emu.start()
    return emu, emu.run(max_cycles)


def run_value(*items, reg=A2, **kwargs):
    """Run a program that must end in DONE and return register ``reg``."""
    emu, result = run(*items, HALT, **kwargs)
    assert result.status == RunStatus.DONE, result.describe_fault()
    return emu.registers()[reg]


def expect_fault(result, cause, pc, addr):
    assert result.status == RunStatus.FAULT
    assert (result.fault_cause, result.fault_pc, result.fault_addr) == (cause, pc, addr), \
        result.describe_fault()
    assert result.pcs == [pc]


# -- integer instructions -------------------------------------------------------------------------------

R_CASES = [
    ("add", 0xFFFF_FFFF, 1, 0),
    ("add", 5, 7, 12),
    ("sub", 0, 1, 0xFFFF_FFFF),
    ("sub", 0x8000_0000, 1, 0x7FFF_FFFF),
    ("sll", 1, 31, 0x8000_0000),
    ("sll", 1, 33, 2),                             # only rs2[4:0] counts
    ("srl", 0x8000_0000, 31, 1),
    ("sra", 0x8000_0000, 31, 0xFFFF_FFFF),
    ("sra", 0x4000_0000, 30, 1),
    ("slt", 0xFFFF_FFFF, 1, 1),                    # -1 < 1
    ("slt", 1, 0xFFFF_FFFF, 0),
    ("sltu", 0xFFFF_FFFF, 1, 0),
    ("sltu", 1, 0xFFFF_FFFF, 1),
    ("xor", 0xF0F0_F0F0, 0xFF00_FF00, 0x0FF0_0FF0),
    ("or", 0xF0F0_0000, 0x0000_0F0F, 0xF0F0_0F0F),
    ("and", 0xF0F0_F0F0, 0xFF00_FF00, 0xF000_F000),
    ("mul", 0x7FFF_FFFF, 2, 0xFFFF_FFFE),
    ("mul", 0xFFFF_FFFF, 0xFFFF_FFFF, 1),
    ("mulh", 0xFFFF_FFFF, 0xFFFF_FFFF, 0),         # -1 * -1 = 1
    ("mulh", 0x8000_0000, 0x8000_0000, 0x4000_0000),
    ("mulh", 0x8000_0000, 1, 0xFFFF_FFFF),
    ("mulhsu", 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF),  # -1 * (2**32 - 1)
    ("mulhsu", 2, 0x8000_0000, 1),
    ("mulhu", 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFE),
    ("div", (-7) & MASK, 2, (-3) & MASK),          # rounds towards zero
    ("div", 7, (-2) & MASK, (-3) & MASK),
    ("div", 5, 0, 0xFFFF_FFFF),                    # divide by zero: -1
    ("div", 0x8000_0000, 0xFFFF_FFFF, 0x8000_0000),  # overflow: dividend
    ("divu", 0xFFFF_FFFF, 2, 0x7FFF_FFFF),
    ("divu", 7, 0, 0xFFFF_FFFF),
    ("rem", (-7) & MASK, 2, 0xFFFF_FFFF),          # sign of the dividend
    ("rem", 7, (-2) & MASK, 1),
    ("rem", 5, 0, 5),                              # divide by zero: dividend
    ("rem", 0x8000_0000, 0xFFFF_FFFF, 0),          # overflow: 0
    ("remu", 0xFFFF_FFFF, 10, 5),
    ("remu", 9, 0, 9),
]


@pytest.mark.parametrize("name,a,b,expected", R_CASES)
def test_register_register_ops(name, a, b, expected):
    value = run_value(li(A0, a), li(A1, b), r(name, A2, A0, A1))
    assert value == expected, f"{name} {a:#x}, {b:#x} = {value:#x}, expected {expected:#x}"


I_CASES = [
    ("addi", 5, -6, 0xFFFF_FFFF),
    ("addi", 0xFFFF_FFFF, 1, 0),
    ("slti", 0xFFFF_FFFF, 0, 1),
    ("slti", 3, -1, 0),
    ("sltiu", 5, -1, 1),                           # the immediate is sign extended then unsigned
    ("sltiu", 0, 1, 1),
    ("xori", 0x1234_5678, -1, 0xEDCB_A987),        # not
    ("ori", 0x1000_0000, 0x7FF, 0x1000_07FF),
    ("andi", 0xFFFF_FFFF, -16, 0xFFFF_FFF0),
    ("slli", 3, 31, 0x8000_0000),
    ("srli", 0xFFFF_FFFF, 31, 1),
    ("srai", 0x8000_0000, 31, 0xFFFF_FFFF),
    ("srai", 0x7000_0000, 4, 0x0700_0000),
]


@pytest.mark.parametrize("name,a,imm,expected", I_CASES)
def test_register_immediate_ops(name, a, imm, expected):
    assert run_value(li(A0, a), i(name, A2, A0, imm)) == expected


def test_x0_stays_zero():
    assert run_value(i("addi", 0, 0, 5), r("add", A2, 0, 0)) == 0


def test_lui_and_auipc():
    emu, result = run(lui(A0, 0x12345), auipc(A1, 0x1), auipc(A2, 0xFFFFF), HALT)
    assert result.status == RunStatus.DONE
    regs = emu.registers()
    assert regs[A0] == 0x1234_5000
    assert regs[A1] == BASE + 4 + 0x1000
    assert regs[A2] == (BASE + 8 - 0x1000) & MASK


def test_jal_links_and_jumps():
    # 0: jal ra, +8 ; 4: addi a2, x0, 1 (skipped) ; 8: tmc x0
    emu, result = run(jal(1, 8), i("addi", A2, 0, 1), HALT)
    assert result.status == RunStatus.DONE
    assert emu.registers()[1] == BASE + 4
    assert emu.registers()[A2] == 0
    assert result.instret == 2


def test_jal_backwards():
    # 0: jal x0, +8 ; 4: tmc x0 ; 8: jal ra, -4
    emu, result = run(jal(0, 8), HALT, jal(1, -4))
    assert result.status == RunStatus.DONE
    assert emu.registers()[1] == BASE + 12
    assert result.pcs == [BASE + 8]


def test_jalr_links_and_clears_bit0():
    # a0 = BASE + 16 + 1 (odd); jalr ra, 0(a0) lands on BASE + 16
    program = [li(A0, BASE + 17), jalr(1, A0, 0), i("addi", A2, 0, 1), HALT, HALT]
    emu, result = run(*program)
    assert result.status == RunStatus.DONE
    assert emu.registers()[1] == BASE + 12
    assert emu.registers()[A2] == 0
    assert result.pcs == [BASE + 20]


def test_jalr_with_rd_equal_rs1_uses_old_value():
    program = [li(A0, BASE + 12), jalr(A0, A0, 4), HALT, HALT]
    emu, result = run(*program)
    assert result.status == RunStatus.DONE
    assert emu.registers()[A0] == BASE + 12
    assert result.instret == 4


BRANCH_CASES = [
    ("beq", 5, 5, True), ("beq", 5, 6, False),
    ("bne", 5, 6, True), ("bne", 5, 5, False),
    ("blt", 0xFFFF_FFFF, 1, True), ("blt", 1, 0xFFFF_FFFF, False), ("blt", 3, 3, False),
    ("bge", 1, 0xFFFF_FFFF, True), ("bge", 3, 3, True), ("bge", 0xFFFF_FFFF, 1, False),
    ("bltu", 1, 0xFFFF_FFFF, True), ("bltu", 0xFFFF_FFFF, 1, False),
    ("bgeu", 0xFFFF_FFFF, 1, True), ("bgeu", 2, 2, True), ("bgeu", 1, 0xFFFF_FFFF, False),
]


@pytest.mark.parametrize("name,a,b,taken", BRANCH_CASES)
def test_branches(name, a, b, taken):
    # branch +8 skips the addi when taken
    value = run_value(li(A0, a), li(A1, b), branch(name, A0, A1, 8), i("addi", A2, 0, 1))
    assert value == (0 if taken else 1)


def test_backward_branch_loop_counts():
    # a0 = 10; loop: a2 += 3; a0 -= 1; bne a0, x0, loop
    program = [li(A0, 10), i("addi", A2, A2, 3), i("addi", A0, A0, -1), branch("bne", A0, 0, -8)]
    assert run_value(*program) == 30


# -- loads and stores -----------------------------------------------------------------------------------

def _with_data(data, at=HEAP + 0x100):
    return lambda emu: emu.write_mem(at, data)


@pytest.mark.parametrize("name,offset,expected", [
    ("lb", 0, 0xFFFF_FF80), ("lbu", 0, 0x80), ("lb", 1, 0x7F),
    ("lh", 2, 0xFFFF_8001), ("lhu", 2, 0x8001), ("lh", 0, 0x7F80),
    ("lw", 0, 0x8001_7F80),
])
def test_loads_extend(name, offset, expected):
    program = [li(A0, HEAP + 0x100), load(name, A2, A0, offset)]
    assert run_value(*program, setup=_with_data(bytes([0x80, 0x7F, 0x01, 0x80]))) == expected


def test_load_negative_offset_and_untouched_memory_reads_zero():
    program = [li(A0, HEAP + 0x104), load("lw", A2, A0, -4), load("lw", A3, A0, 0x400)]
    emu, result = run(*program, HALT, setup=_with_data(b"\x11\x22\x33\x44"))
    assert result.status == RunStatus.DONE
    assert emu.registers()[A2] == 0x4433_2211
    assert emu.registers()[A3] == 0


def test_stores_write_memory():
    program = [li(A0, HEAP + 0x200), li(A1, 0x8899_AABB),
               store("sw", A1, A0, 0), store("sh", A1, A0, 4), store("sb", A1, A0, 7),
               store("sb", A1, A0, -1)]
    emu, result = run(*program, HALT)
    assert result.status == RunStatus.DONE
    assert emu.read_mem(HEAP + 0x1FF, 9) == bytes.fromhex("bb bbaa9988 bbaa00bb")


@pytest.mark.parametrize("addr", [MemoryMap.STACK_TOP - 4, MemoryMap.LMEM_BASE + 0x10, BASE + 0x8000])
def test_store_then_load_in_every_ram_region(addr):
    program = [li(A0, addr), li(A1, 0xCAFE_F00D), store("sw", A1, A0, 0), load("lw", A2, A0, 0)]
    assert run_value(*program) == 0xCAFE_F00D


def test_lmem_end_is_exact():
    config = SimtConfig(lmem_log_size=10)
    end = MemoryMap.LMEM_BASE + 1024
    program = [li(A0, end - 4), store("sw", A0, A0, 0), store("sw", A0, A0, 4)]
    emu, result = run(*program, HALT, config=config)
    expect_fault(result, FaultCause.STORE_ACCESS, BASE + 12, end)


# -- CSRs -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number,expected", [
    (CSR.THREAD_ID, 0), (CSR.WARP_ID, 0), (CSR.CORE_ID, 0),
    (CSR.ACTIVE_WARPS, 1), (CSR.ACTIVE_THREADS, 1),
    (CSR.NUM_THREADS, 1), (CSR.NUM_WARPS, 1), (CSR.NUM_CORES, 1),
    (CSR.LMEM_BASE, MemoryMap.LMEM_BASE), (CSR.MHARTID, 0),
    (CSR.MVENDORID, 0), (CSR.MARCHID, 0), (CSR.MIMPID, 0),
])
def test_id_csrs(number, expected):
    assert run_value(i("addi", A2, 0, 77), csrrs(A2, number, 0)) == expected


@pytest.mark.parametrize("number", [CSR.MINSTRET, CSR.MCYCLE, CSR.INSTRET, CSR.CYCLE])
def test_counter_csrs_count_instructions_before_the_read(number):
    emu, result = run(NOP, NOP, NOP, csrrs(A2, number, 0), csrrs(A3, number + 0x80, 0), HALT)
    assert result.status == RunStatus.DONE
    assert emu.registers()[A2] == 3
    assert emu.registers()[A3] == 0                # high half
    assert result.cycles == result.instret == 6


def test_writes_to_machine_counters_are_ignored():
    program = [li(A0, 1000), csrrw(0, CSR.MINSTRET, A0), csrrw(0, CSR.MCYCLE, A0),
               csrrs(A2, CSR.MINSTRET, 0)]
    assert run_value(*program) == 4


def test_mscratch_starts_with_the_argument_and_is_writable():
    program = [li(A0, 0x1234), csrrw(A2, CSR.MSCRATCH, A0), csrrs(A3, CSR.MSCRATCH, 0),
               csrrsi(0, CSR.MSCRATCH, 3), csrrci(0, CSR.MSCRATCH, 4), csrrs(A1, CSR.MSCRATCH, 0)]
    emu, result = run(*program, HALT, setup=lambda emu: emu.dcr_write(DCR.STARTUP_ARG0, 0xABCD0))
    assert result.status == RunStatus.DONE
    regs = emu.registers()
    assert regs[A2] == 0xABCD0
    assert regs[A3] == 0x1234
    assert regs[A1] == (0x1234 | 3) & ~4


def test_csrrs_and_csrrc_with_register_operand():
    program = [li(A0, 0xF0), csrrw(0, CSR.MSCRATCH, A0), li(A1, 0x0F), csrrs(0, CSR.MSCRATCH, A1),
               li(A1, 0x81), csrrc(0, CSR.MSCRATCH, A1), csrrs(A2, CSR.MSCRATCH, 0)]
    assert run_value(*program) == 0x7E


def test_float_csrs_are_masked_views_of_fcsr():
    program = [csrrwi(0, CSR.FCSR, 31), li(A0, 0xFFF), csrrw(0, CSR.FRM, A0),
               csrrs(A1, CSR.FFLAGS, 0), csrrs(A2, CSR.FRM, 0), csrrs(A3, CSR.FCSR, 0)]
    emu, result = run(*program, HALT)
    assert result.status == RunStatus.DONE
    regs = emu.registers()
    assert (regs[A1], regs[A2], regs[A3]) == (31, 7, 0xFF)


@pytest.mark.parametrize("word", [
    csrrw(0, CSR.THREAD_ID, 0),          # csrrw always writes, even from x0
    csrrs(A2, CSR.NUM_THREADS, A0),      # rs1 != x0 writes, even if the value is 0
    csrrwi(0, CSR.CYCLE, 0),
    csrrci(A2, CSR.MHARTID, 1),
    csrrs(A2, 0x7C0, 0),                 # unknown CSR
    csrrs(A2, 0xB03, 0),                 # performance counters are not implemented
])
def test_illegal_csr_accesses(word):
    emu, result = run(NOP, word, HALT)
    expect_fault(result, FaultCause.ILLEGAL_INSN, BASE + 4, word)
    assert result.instret == 1


def test_read_only_csr_read_with_zero_uimm_is_legal():
    assert run_value(csrrsi(A2, CSR.NUM_WARPS, 0), csrrci(A3, CSR.CORE_ID, 0)) == 1


# -- end events -----------------------------------------------------------------------------------------

def test_tmc_zero_retires_the_warp():
    emu, result = run(NOP, NOP, HALT, NOP)
    assert result.status == RunStatus.DONE
    assert result.cycles == result.instret == 3
    assert result.pcs == [BASE + 12]
    again = emu.run(100)                                          # a finished run stays finished
    assert (again.status, again.instret) == (RunStatus.DONE, 3)


def test_tmc_non_zero_mask_keeps_running():
    emu, result = run(i("addi", A0, 0, 1), tmc(A0), i("addi", A2, 0, 9), HALT)
    assert result.status == RunStatus.DONE
    assert emu.registers()[A2] == 9
    assert result.instret == 4


def test_tmc_only_uses_the_lanes_that_exist():
    # one thread per warp: mask bit 1 names a lane that does not exist, so the mask is empty
    emu, result = run(i("addi", A0, 0, 2), tmc(A0), i("addi", A2, 0, 9), HALT)
    assert result.status == RunStatus.DONE
    assert result.instret == 2


TOHOST = BASE + 0x1000


def _tohost_run(value):
    program = [li(A0, TOHOST), li(A1, value), store("sw", A1, A0, 0), i("addi", A2, 0, 5), HALT]
    return run(*program, setup=lambda emu: emu.set_tohost(TOHOST))


def test_tohost_pass():
    emu, result = _tohost_run(1)
    assert result.status == RunStatus.TOHOST
    assert result.code == 0
    assert result.instret == 5
    assert result.pcs == [BASE + 20]
    assert emu.read_mem(TOHOST, 4) == b"\x01\0\0\0"


def test_tohost_fail_code():
    emu, result = _tohost_run((7 << 1) | 1)
    assert (result.status, result.code) == (RunStatus.TOHOST, 7)


def test_tohost_even_value_is_ignored():
    emu, result = _tohost_run(6)
    assert result.status == RunStatus.DONE
    assert emu.registers()[A2] == 5


def test_tohost_unset_is_ignored():
    program = [li(A0, TOHOST), i("addi", A1, 0, 1), store("sw", A1, A0, 0), HALT]
    assert run(*program)[1].status == RunStatus.DONE


def test_io_exit():
    program = [i("addi", A1, 0, 42), store("sw", A1, 0, MemoryMap.IO_EXIT), NOP]
    emu, result = run(*program)
    assert (result.status, result.code) == (RunStatus.EXIT, 42)
    assert result.instret == 2
    assert result.pcs == [BASE + 8]


def test_console_bytes_and_drain():
    program = flatten([[i("addi", A1, 0, ord(c)), store("sb", A1, 0, MemoryMap.IO_COUT)] for c in "hi\n"])
    program.append(load("lw", A2, 0, MemoryMap.IO_BASE + 8))      # other io addresses read 0
    program.append(store("sw", A1, 0, MemoryMap.IO_BASE + 8))      # ... and ignore writes
    emu, result = run(li(A2, 99), *program, HALT)
    assert result.status == RunStatus.DONE
    assert emu.registers()[A2] == 0
    assert emu.console() == b"hi\n"
    assert emu.console() == b""


def test_console_is_kept_across_start():
    """Console output not yet read survives a launch (backend protocol: start() does not drop it)."""
    emu, result = run(i("addi", A1, 0, ord("x")), store("sb", A1, 0, MemoryMap.IO_COUT), HALT)
    emu.start()
    emu.run(10)
    assert emu.console() == b"xx"


# -- faults ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("word", [
    0x0000_0000,                          # all zeros
    0xFFFF_FFFF,
    0x0000_0001,                          # a compressed encoding
    0x0000_0073,                          # ecall
    0x0010_0073,                          # ebreak
    0x3020_0073,                          # mret
    0x1050_0073,                          # wfi
    enc_r(0x0B, 0, 6, 10, 0, 0),          # custom-0 funct3 6 (funct3 1..5 are SIMT instructions)
    enc_r(0x0B, 0, 7, 10, 11, 0),         # custom-0 funct3 7
    enc_r(0x0B, 0, 0, 10, 0, 2),          # custom-0 funct7 2 (0: SIMT, 1: vote and shuffle)
    enc_r(0x0B, 0, 2, 10, 0, 0x40),       # split with funct7 0x40
    enc_i(0x13, A2, 1, A0, 0x400),        # slli with funct7 0x20
    enc_i(0x13, A2, 5, A0, 0x200),        # srli with funct7 0x10
    enc_r(0x33, A2, 0, A0, A1, 0x40),     # add with a bad funct7
    enc_r(0x33, A2, 1, A0, A1, 0x20),     # "sub" on funct3 1
    enc_i(0x03, A2, 3, A0, 0),            # ld
    enc_i(0x03, A2, 6, A0, 0),            # lwu
    enc_s(3, A0, A1, 0),                  # sd
    enc_b(2, A0, A1, 8),                  # branch funct3 2
    enc_i(0x67, 1, 1, A0, 0),             # jalr with funct3 1
    enc_i(0x0F, 0, 2, 0, 0),              # misc-mem funct3 2
    enc_i(0x73, A2, 4, 0, 0x340),         # system funct3 4
])
def test_illegal_instructions(word):
    emu, result = run(NOP, word, HALT, trace=True)
    expect_fault(result, FaultCause.ILLEGAL_INSN, BASE + 4, word)
    assert result.instret == 1                      # the faulting instruction does not retire
    assert len(emu.trace()) == 1


def test_muldiv_disabled_makes_m_illegal():
    word = r("mul", A2, A0, A1)
    emu, result = run(word, HALT, config=SimtConfig(muldiv=False))
    expect_fault(result, FaultCause.ILLEGAL_INSN, BASE, word)


def test_fence_and_fence_i_are_nops():
    assert run_value(enc_i(0x0F, 0, 0, 0, 0x0FF), enc_i(0x0F, 0, 1, 0, 0), i("addi", A2, 0, 3)) == 3


@pytest.mark.parametrize("name,offset", [("lw", 2), ("lw", 1), ("lh", 1), ("lhu", 3)])
def test_load_misaligned(name, offset):
    emu, result = run(li(A0, HEAP), load(name, A2, A0, offset), HALT)
    expect_fault(result, FaultCause.LOAD_MISALIGNED, BASE + 8, HEAP + offset)
    assert emu.registers()[A2] == 0


@pytest.mark.parametrize("name,offset", [("sw", 2), ("sh", 1)])
def test_store_misaligned(name, offset):
    emu, result = run(li(A0, HEAP), store(name, A0, A0, offset), HALT)
    expect_fault(result, FaultCause.STORE_MISALIGNED, BASE + 8, HEAP + offset)


def test_misaligned_byte_accesses_are_fine():
    assert run_value(li(A0, HEAP + 3), store("sb", A0, A0, 0), load("lbu", A2, A0, 0)) == (HEAP + 3) & 0xFF


@pytest.mark.parametrize("addr", [0x0, 0x100, 0x5000_0000, MemoryMap.MMIO_BASE, MemoryMap.MMIO_BASE + 0x40,
                                  0x9000_0000])
def test_load_access_fault(addr):
    emu, result = run(li(A0, addr), load("lw", A2, A0, 0), HALT)
    expect_fault(result, FaultCause.LOAD_ACCESS, BASE + 8, addr)


@pytest.mark.parametrize("addr", [0x0, 0x5000_0000, MemoryMap.MMIO_BASE])
def test_store_access_fault(addr):
    emu, result = run(li(A0, addr), store("sw", A0, A0, 0), HALT)
    expect_fault(result, FaultCause.STORE_ACCESS, BASE + 8, addr)


@pytest.mark.parametrize("target", [0x5000_0000, MemoryMap.MMIO_BASE, MemoryMap.IO_BASE])
def test_instruction_access_fault(target):
    emu, result = run(li(A0, target), jalr(1, A0, 0), HALT)
    expect_fault(result, FaultCause.INSN_ACCESS, target, target)
    assert emu.registers()[1] == BASE + 12           # the jump itself retired
    assert result.instret == 3


def test_running_off_the_end_of_loaded_code_is_illegal():
    emu, result = run(NOP)
    expect_fault(result, FaultCause.ILLEGAL_INSN, BASE + 4, 0)


def test_jalr_misaligned_target():
    emu, result = run(li(A0, BASE + 0x102), jalr(1, A0, 0), HALT)
    expect_fault(result, FaultCause.INSN_MISALIGNED, BASE + 8, BASE + 0x102)
    assert emu.registers()[1] == 0                    # no link: the jump did not retire
    assert result.instret == 2


def test_branch_misaligned_target_only_when_taken():
    emu, result = run(branch("bne", 0, 0, 6), branch("beq", 0, 0, 6), HALT)
    expect_fault(result, FaultCause.INSN_MISALIGNED, BASE + 4, BASE + 10)
    assert result.instret == 1


def test_jal_misaligned_target():
    emu, result = run(NOP, jal(1, 2), HALT)
    expect_fault(result, FaultCause.INSN_MISALIGNED, BASE + 4, BASE + 6)


def test_misaligned_startup_address():
    emu, result = run(HALT, setup=lambda emu: emu.dcr_write(DCR.STARTUP_ADDR0, BASE + 2))
    expect_fault(result, FaultCause.INSN_MISALIGNED, BASE + 2, BASE + 2)


# -- watchdog, start and DCRs ---------------------------------------------------------------------------

def test_watchdog_on_infinite_loop_is_resumable():
    emu, result = run(jal(0, 0), max_cycles=100)
    assert result.status == RunStatus.WATCHDOG
    assert result.cycles == result.instret == 100
    assert result.pcs == [BASE]
    again = emu.run(50)
    assert again.status == RunStatus.WATCHDOG
    assert again.instret == 150


def test_watchdog_resume_reaches_the_same_end():
    program = [li(A0, 100), i("addi", A2, 0, 0), i("addi", A2, A2, 1), i("addi", A0, A0, -1), branch("bne", A0, 0, -8), HALT]
    emu, whole = run(*program)
    emu.start()
    parts = [emu.run(7) for _ in range(3)]
    assert [p.status for p in parts] == [RunStatus.WATCHDOG] * 3
    final = emu.run(10_000)
    assert final.status == whole.status == RunStatus.DONE
    assert final.instret == whole.instret == 3 + 3 * 100 + 1
    assert emu.registers()[A2] == 100


def test_start_resets_counters_but_not_memory_nor_registers():
    """A launch resets the control state; the register file is kept, as on the RTL (docs/simt.md)."""
    program = [li(A0, HEAP), load("lw", A1, A0, 0), i("addi", A1, A1, 1), store("sw", A1, A0, 0)]
    emu, result = run(*program, HALT)
    assert result.instret == 6
    kept = emu.registers()
    assert kept[A0] == HEAP and kept[A1] == 1
    emu.start()
    assert emu.registers() == kept
    second = emu.run(100)
    assert second.instret == 6
    assert emu.read_mem(HEAP, 4) == (2).to_bytes(4, "little")


def test_startup_address_dcr():
    def setup(emu):
        load_program(emu, i("addi", A2, 0, 4), HALT, at=BASE + 0x400)
        emu.dcr_write(DCR.STARTUP_ADDR0, BASE + 0x400)
        emu.dcr_write(DCR.STARTUP_ADDR1, 0)
        emu.dcr_write(DCR.MPM_CLASS, 1)
    emu, result = run(i("addi", A2, 0, 1), HALT, setup=setup)
    assert result.status == RunStatus.DONE
    assert emu.registers()[A2] == 4


def test_config_startup_address():
    config = SimtConfig(startup_addr=BASE + 0x100)
    emu = Emulator(config)
    load_program(emu, i("addi", A2, 0, 8), HALT, at=BASE + 0x100)
    emu.start()
    assert emu.run(10).status == RunStatus.DONE
    assert emu.registers()[A2] == 8


def test_unknown_dcr_is_rejected():
    with pytest.raises(ValueError, match="0x6"):
        Emulator(SimtConfig()).dcr_write(0x006, 1)


def test_run_before_start_is_an_error():
    with pytest.raises(RuntimeError):
        Emulator(SimtConfig()).run(10)


# -- host memory access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("addr,size", [
    (0x0, 4), (MemoryMap.IO_COUT, 1), (MemoryMap.MMIO_BASE, 4), (0x5000_0000, 1),
    (BASE + MemoryMap.CODE_SIZE - 2, 4),                     # runs off the end of the code region
    (MemoryMap.HEAP_BASE - 1, 2),                            # starts just below the heap
    (MemoryMap.LMEM_BASE + (1 << 14) - 1, 2),                # runs off the end of local memory
])
def test_host_access_outside_ram_is_rejected(addr, size):
    emu = Emulator(SimtConfig())
    with pytest.raises(ValueError, match="0x"):
        emu.write_mem(addr, bytes(size))
    with pytest.raises(ValueError, match="0x"):
        emu.read_mem(addr, size)


def test_host_access_round_trip_across_pages_and_regions():
    emu = Emulator(SimtConfig())
    data = bytes(range(256)) * 1024                           # 256 KiB, crosses several pages
    emu.write_mem(HEAP + 0xFF00, data)
    assert emu.read_mem(HEAP + 0xFF00, len(data)) == data
    assert emu.read_mem(0x3000_0000, 8) == bytes(8)           # untouched memory reads 0
    top = MemoryMap.STACK_TOP - 4                             # stack and lmem are adjacent
    emu.write_mem(top, b"abcdefgh")
    assert emu.read_mem(top, 8) == b"abcdefgh"


# -- trace ----------------------------------------------------------------------------------------------

def test_trace_records_retired_instructions():
    program = [i("addi", A0, 0, 5), i("addi", 0, 0, 7), store("sw", A0, 0, MemoryMap.IO_BASE + 8),
               r("add", A1, A0, A0), jal(1, 8), NOP, HALT]
    emu, result = run(*program, trace=True)
    trace = emu.trace()
    assert trace.dtype == trace_dtype(1)
    assert result.instret == len(trace) == 6
    assert list(trace["cycle"]) == list(range(6))
    assert list(trace["pc"]) == [BASE + 4 * k for k in (0, 1, 2, 3, 4, 6)]
    assert list(trace["insn"]) == [program[k] for k in (0, 1, 2, 3, 4, 6)]
    assert list(trace["rd"]) == [A0, 0, 0, A1, 1, 0]
    assert list(trace["data"][:, 0]) == [5, 0, 0, 10, BASE + 20, 0]
    assert list(trace["warp"]) == [0] * 6 and list(trace["tmask"]) == [1] * 6
    assert not trace["_pad"].any()


def test_trace_is_off_by_default_and_cleared_by_start():
    emu, result = run(NOP, HALT)
    assert len(emu.trace()) == 0
    emu.enable_trace(True)
    emu.start()
    emu.run(10)
    assert len(emu.trace()) == 2
    emu.start()
    assert len(emu.trace()) == 0


def test_trace_of_a_load_shows_the_loaded_value():
    emu, result = run(li(A0, HEAP), load("lb", A2, A0, 0), HALT, trace=True,
                      setup=_with_data(b"\xfe", at=HEAP))
    record = emu.trace()[2]
    assert (record["rd"], record["data"][0]) == (A2, 0xFFFF_FFFE)


def test_close_releases_memory():
    emu, _ = run(NOP, HALT)
    emu.close()
    assert emu.read_mem(BASE, 4) == bytes(4)


def test_trace_matches_numpy_layout():
    emu, _ = run(i("addi", A0, 0, 1), HALT, trace=True)
    records = emu.trace()
    raw = records.tobytes()
    assert len(raw) == 2 * 24                      # 20 + 4 * threads bytes per record
    # cycle, pc, insn, warp, rd, _pad, tmask, data[0]
    assert struct.unpack_from("<IIIBBHII", raw, 0) == (0, BASE, i("addi", A0, 0, 1), 0, A0, 0, 1, 1)
    assert np.array_equal(np.frombuffer(raw, dtype=trace_dtype(1)), records)
    assert len(emu.trace()) == 0                   # drained
