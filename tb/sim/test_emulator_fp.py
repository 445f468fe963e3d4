"""Tests of the golden model's RV32F (simtlab.sim.emulator): decoding (legal and illegal encodings),
per-lane execution against simtlab.sim.fp, the per-warp fcsr, flag accrual and the trace numbering of
f-registers (rd = 32 + n)."""

import struct

import pytest

from simtlab.config import SimtConfig
from simtlab.sim import fp
from simtlab.sim.emulator import Emulator
from simtlab.sim.lockstep import format_record
from simtlab.spec.csr import CSR
from simtlab.spec.fpu import Flags, FpuOp
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause, RunStatus

from .test_emulator import csrrs, csrrw, csrrwi, enc_i, enc_r, i, li, load, store
from .test_emulator_simt import B, LA, T0, assemble, csrr, tmc, wspawn

BASE = MemoryMap.CODE_BASE
HEAP = MemoryMap.HEAP_BASE
A0, A1, A2, A3, A4, A5 = 10, 11, 12, 13, 14, 15
HALT = tmc(0)
NOP = i("addi", 0, 0, 0)
RNE, RTZ, RDN, RUP, RMM, DYN = 0, 1, 2, 3, 4, 7

ONE, TWO, THREE, ZERO = 0x3F80_0000, 0x4000_0000, 0x4040_0000, 0x0000_0000
EPS_HALF = 0x3380_0000              # 2^-24: 1 + EPS_HALF is a tie


# -- an RV32F encoder -----------------------------------------------------------------------------------

def op_fp(funct7, rd, rs1, rs2, funct3):
    return enc_r(0x53, rd, funct3, rs1, rs2, funct7)


def fused(opcode, rd, rs1, rs2, rs3, rm=RNE, fmt=0):
    return (rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | opcode


def fadd(rd, rs1, rs2, rm=RNE): return op_fp(0x00, rd, rs1, rs2, rm)
def fsub(rd, rs1, rs2, rm=RNE): return op_fp(0x04, rd, rs1, rs2, rm)
def fmul(rd, rs1, rs2, rm=RNE): return op_fp(0x08, rd, rs1, rs2, rm)
def fdiv(rd, rs1, rs2, rm=RNE): return op_fp(0x0C, rd, rs1, rs2, rm)
def fsqrt(rd, rs1, rm=RNE): return op_fp(0x2C, rd, rs1, 0, rm)
def fsgnj(rd, rs1, rs2, k=0): return op_fp(0x10, rd, rs1, rs2, k)
def fmin(rd, rs1, rs2): return op_fp(0x14, rd, rs1, rs2, 0)
def fmax(rd, rs1, rs2): return op_fp(0x14, rd, rs1, rs2, 1)
def feq(rd, rs1, rs2): return op_fp(0x50, rd, rs1, rs2, 2)
def flt(rd, rs1, rs2): return op_fp(0x50, rd, rs1, rs2, 1)
def fle(rd, rs1, rs2): return op_fp(0x50, rd, rs1, rs2, 0)
def fcvt_w_s(rd, rs1, rm=RNE, unsigned=False): return op_fp(0x60, rd, rs1, int(unsigned), rm)
def fcvt_s_w(rd, rs1, rm=RNE, unsigned=False): return op_fp(0x68, rd, rs1, int(unsigned), rm)
def fmv_x_w(rd, rs1): return op_fp(0x70, rd, rs1, 0, 0)
def fclass(rd, rs1): return op_fp(0x70, rd, rs1, 0, 1)
def fmv_w_x(rd, rs1): return op_fp(0x78, rd, rs1, 0, 0)
def fmadd(rd, rs1, rs2, rs3, rm=RNE): return fused(0x43, rd, rs1, rs2, rs3, rm)
def flw(rd, rs1, imm, funct3=2): return enc_i(0x07, rd, funct3, rs1, imm)


def fsw(rs2, rs1, imm, funct3=2):
    imm &= 0xFFF
    return ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1F) << 7) | 0x27


def fli(fd, bits, scratch=T0):
    """f[fd] = bits (three words: li + fmv.w.x)."""
    return [li(scratch, bits), fmv_w_x(fd, scratch)]


def test_encoder_matches_the_assembler():
    # words from llvm-objdump of code assembled by the kernel compiler
    assert fmv_w_x(1, 1) == 0xF00080D3
    assert fadd(2, 1, 1, RTZ) == 0x00109153
    assert fadd(3, 1, 1, DYN) == 0x0010F1D3
    assert fmadd(5, 1, 2, 3, RMM) == 0x1820C2C3
    assert fcvt_w_s(14, 1, RUP) == 0xC000B753
    assert fcvt_s_w(6, 14, RDN, unsigned=True) == 0xD0172353
    assert fsqrt(7, 1, RNE) == 0x580083D3
    assert flw(8, 3, 4) == 0x0041A407
    assert fsw(8, 3, 8) == 0x0081A427
    assert fclass(14, 1) == 0xE0009753
    assert feq(14, 1, 2) == 0xA020A753
    assert fmv_x_w(14, 1) == 0xE0008753
    assert fsgnj(1, 2, 3, 2) == 0x203120D3
    assert fmax(1, 2, 3) == 0x283110D3


# -- helpers --------------------------------------------------------------------------------------------

def run(*items, config=None, max_cycles=100_000, trace=True, setup=None):
    config = config or SimtConfig()
    words, labels = assemble(*items)
    emu = Emulator(config)
    emu.write_mem(BASE, struct.pack(f"<{len(words)}I", *words))
    if setup:
        setup(emu)
    emu.enable_trace(trace)
    emu.start()
    return emu, emu.run(max_cycles), labels


def run_done(*items, **kwargs):
    emu, result, labels = run(*items, HALT, **kwargs)
    assert result.status == RunStatus.DONE, result.describe_fault()
    return emu


def expect_illegal(result, pc, word):
    assert result.status == RunStatus.FAULT
    assert (result.fault_cause, result.fault_pc, result.fault_addr) == \
        (FaultCause.ILLEGAL_INSN, pc, word), result.describe_fault()


# -- execution ------------------------------------------------------------------------------------------

CASES = [  # (name, instruction word with f1/f2/f3 sources, f14 or x14 destination, op, rm, result in x?)
    ("fadd.rne", fadd(14, 1, 2, RNE), FpuOp.ADD, RNE, False),
    ("fadd.rup", fadd(14, 1, 2, RUP), FpuOp.ADD, RUP, False),
    ("fsub.rmm", fsub(14, 1, 2, RMM), FpuOp.SUB, RMM, False),
    ("fmul.rtz", fmul(14, 1, 2, RTZ), FpuOp.MUL, RTZ, False),
    ("fdiv.rdn", fdiv(14, 1, 2, RDN), FpuOp.DIV, RDN, False),
    ("fsqrt", fsqrt(14, 1, RUP), FpuOp.SQRT, RUP, False),
    ("fmadd", fmadd(14, 1, 2, 3, RMM), FpuOp.MADD, RMM, False),
    ("fmsub", fused(0x47, 14, 1, 2, 3, RTZ), FpuOp.MSUB, RTZ, False),
    ("fnmsub", fused(0x4B, 14, 1, 2, 3, RDN), FpuOp.NMSUB, RDN, False),
    ("fnmadd", fused(0x4F, 14, 1, 2, 3, RUP), FpuOp.NMADD, RUP, False),
    ("fsgnj", fsgnj(14, 1, 2, 0), FpuOp.SGNJ, 0, False),
    ("fsgnjn", fsgnj(14, 1, 2, 1), FpuOp.SGNJN, 0, False),
    ("fsgnjx", fsgnj(14, 1, 2, 2), FpuOp.SGNJX, 0, False),
    ("fmin", fmin(14, 1, 2), FpuOp.MIN, 0, False),
    ("fmax", fmax(14, 1, 2), FpuOp.MAX, 0, False),
    ("feq", feq(A4, 1, 2), FpuOp.EQ, 0, True),
    ("flt", flt(A4, 1, 2), FpuOp.LT, 0, True),
    ("fle", fle(A4, 1, 2), FpuOp.LE, 0, True),
    ("fclass", fclass(A4, 1), FpuOp.CLASS, 0, True),
    ("fcvt.w.s", fcvt_w_s(A4, 1, RMM), FpuOp.CVT_W_S, RMM, True),
    ("fcvt.wu.s", fcvt_w_s(A4, 1, RTZ, unsigned=True), FpuOp.CVT_WU_S, RTZ, True),
    ("fmv.x.w", fmv_x_w(A4, 1), FpuOp.MV_X_W, 0, True),
]
OPERANDS = [(ONE, EPS_HALF, 0xBF80_0000), (0xC0A0_0000, 0x7FC0_0000, ONE), (0x7F7F_FFFF, TWO, 0xFF7F_FFFF),
            (0x8000_0000, 0x0000_0000, 0x0000_0001), (0x7F80_0001, THREE, ZERO),
            (0xCF00_0001, 0x3EAA_AAAB, 0x4F80_0000)]


@pytest.mark.parametrize("name,word,op,rm,to_x", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("a,b,c", OPERANDS)
def test_ops_follow_the_reference(name, word, op, rm, to_x, a, b, c):
    emu = run_done(fli(1, a), fli(2, b), fli(3, c), word, csrrs(A5, CSR.FFLAGS, 0))
    bits, flags = fp.execute(op, rm, a, b, c)
    result = emu.registers()[A4] if to_x else emu.fregisters()[14]
    assert (result, emu.registers()[A5]) == (bits, flags)
    assert emu.fcsr() == flags


@pytest.mark.parametrize("value,unsigned", [(0x8000_0001, False), (16_777_219, False),
                                            (0xFFFF_FFFF, True)])
@pytest.mark.parametrize("rm", [RNE, RTZ, RDN, RUP, RMM])
def test_int_to_float_conversions(value, unsigned, rm):
    emu = run_done(li(A1, value), fcvt_s_w(14, A1, rm, unsigned), csrrs(A5, CSR.FFLAGS, 0))
    op = FpuOp.CVT_S_WU if unsigned else FpuOp.CVT_S_W
    assert (emu.fregisters()[14], emu.registers()[A5]) == fp.execute(op, rm, value)


def test_moves_keep_nan_bits_and_f0_is_a_register():
    emu = run_done(li(A1, 0x7F80_0001), fmv_w_x(0, A1), fmv_x_w(A2, 0), fmv_w_x(31, 0), fmv_x_w(A3, 31))
    assert emu.fregisters()[0] == 0x7F80_0001 and emu.registers()[A2] == 0x7F80_0001
    assert emu.fregisters()[31] == 0 and emu.registers()[A3] == 0       # fmv.w.x from x0
    assert emu.fcsr() == 0


def test_f_registers_are_kept_and_fcsr_reset_by_a_launch():
    """f registers are 0 in a new emulator and keep their values across launches (the register file
    is not reset, as on the RTL); every warp's fcsr is 0 at each launch."""
    emu = run_done(li(A1, ONE), fmv_w_x(7, A1), csrrwi(0, CSR.FRM, 3))
    assert emu.fregisters()[7] == ONE and emu.fcsr() == 3 << 5
    assert emu.fregisters()[8] == 0
    emu.start()
    assert emu.fregisters()[7] == ONE and emu.fcsr() == 0


def test_flw_and_fsw():
    def setup(emu):
        emu.write_mem(HEAP, struct.pack("<2I", 0x7F80_0001, 0xDEAD_BEEF))
    emu = run_done(li(A0, HEAP), flw(3, A0, 0), flw(4, A0, 4), fsw(3, A0, 12), fsw(4, A0, 8),
                   load("lw", A2, A0, 8), setup=setup)
    assert emu.fregisters()[3:5] == [0x7F80_0001, 0xDEAD_BEEF]
    assert struct.unpack("<2I", emu.read_mem(HEAP + 8, 8)) == (0xDEAD_BEEF, 0x7F80_0001)
    assert emu.registers()[A2] == 0xDEAD_BEEF


@pytest.mark.parametrize("word,cause,offset", [
    (flw(3, A0, 2), FaultCause.LOAD_MISALIGNED, 2),
    (fsw(3, A0, 6), FaultCause.STORE_MISALIGNED, 6),
])
def test_flw_fsw_alignment_faults(word, cause, offset):
    emu, result, _ = run(li(A0, HEAP), word, HALT)
    assert result.status == RunStatus.FAULT
    assert (result.fault_cause, result.fault_pc, result.fault_addr) == (cause, BASE + 8, HEAP + offset)


def test_flw_fsw_access_faults():
    for word, cause in ((flw(3, A0, 0), FaultCause.LOAD_ACCESS), (fsw(3, A0, 0), FaultCause.STORE_ACCESS)):
        emu, result, _ = run(li(A0, 0x0000_1000), word, HALT)
        assert (result.status, result.fault_cause, result.fault_addr) == (RunStatus.FAULT, cause, 0x1000)


# -- decoding: illegal encodings ------------------------------------------------------------------------

ILLEGAL = {
    "fadd rm5": fadd(1, 2, 3, 5), "fadd rm6": fadd(1, 2, 3, 6), "fsub rm5": fsub(1, 2, 3, 5),
    "fmul rm6": fmul(1, 2, 3, 6), "fdiv rm5": fdiv(1, 2, 3, 5), "fsqrt rm6": fsqrt(1, 2, 6),
    "fmadd rm5": fmadd(1, 2, 3, 4, 5), "fnmadd rm6": fused(0x4F, 1, 2, 3, 4, 6),
    "fcvt.w.s rm5": fcvt_w_s(A0, 1, 5), "fcvt.wu.s rm6": fcvt_w_s(A0, 1, 6, unsigned=True),
    "fcvt.s.w rm5": fcvt_s_w(1, A0, 5), "fcvt.s.wu rm6": fcvt_s_w(1, A0, 6, unsigned=True),
    "fadd fmt=D": op_fp(0x01, 1, 2, 3, 0), "fmul fmt=H": op_fp(0x0A, 1, 2, 3, 0),
    "fsgnj fmt=Q": op_fp(0x13, 1, 2, 3, 0), "fcvt.w.d": op_fp(0x61, A0, 1, 0, 0),
    "fmv.x.d": op_fp(0x71, A0, 1, 0, 0), "feq.d": op_fp(0x51, A0, 1, 2, 2),
    "fcvt.s.d": op_fp(0x20, 1, 2, 1, 0), "fmadd.d": fused(0x43, 1, 2, 3, 4, 0, fmt=1),
    "fmsub fmt=3": fused(0x47, 1, 2, 3, 4, 0, fmt=3), "fnmsub fmt=2": fused(0x4B, 1, 2, 3, 4, 0, fmt=2),
    "fsqrt rs2=1": op_fp(0x2C, 1, 2, 1, 0), "fmv.x.w rs2=1": op_fp(0x70, A0, 1, 1, 0),
    "fclass rs2=2": op_fp(0x70, A0, 1, 2, 1), "fmv.w.x rs2=1": op_fp(0x78, 1, A0, 1, 0),
    "fcvt.w.s rs2=2": op_fp(0x60, A0, 1, 2, 0), "fcvt.s.w rs2=3": op_fp(0x68, 1, A0, 3, 0),
    "fcvt.l.s": op_fp(0x60, A0, 1, 2, 0) | (0 << 12), "fsgnj funct3=3": fsgnj(1, 2, 3, 3),
    "fmin funct3=2": op_fp(0x14, 1, 2, 3, 2), "fcmp funct3=3": op_fp(0x50, A0, 1, 2, 3),
    "fcmp funct3=7": op_fp(0x50, A0, 1, 2, 7), "fmv.x.w funct3=2": op_fp(0x70, A0, 1, 0, 2),
    "fmv.w.x funct3=1": op_fp(0x78, 1, A0, 0, 1), "funct7=0x7C": op_fp(0x7C, 1, 2, 3, 0),
    "funct7=0x24": op_fp(0x24, 1, 2, 3, 0),
    "flw funct3=0": flw(1, A0, 0, funct3=0), "flw funct3=3 (fld)": flw(1, A0, 0, funct3=3),
    "flw funct3=1": flw(1, A0, 0, funct3=1), "fsw funct3=3 (fsd)": fsw(1, A0, 0, funct3=3),
    "fsw funct3=0": fsw(1, A0, 0, funct3=0),
}


@pytest.mark.parametrize("word", ILLEGAL.values(), ids=ILLEGAL.keys())
def test_illegal_f_encodings(word):
    emu, result, _ = run(NOP, word, HALT)
    expect_illegal(result, BASE + 4, word)
    assert result.instret == 1


LEGAL = {
    "flw": flw(1, A0, 0), "fsw": fsw(1, A0, 0), "fadd": fadd(1, 2, 3), "fadd dyn": fadd(1, 2, 3, DYN),
    "fsub": fsub(1, 2, 3, RMM), "fmul": fmul(1, 2, 3), "fdiv": fdiv(1, 2, 3), "fsqrt": fsqrt(1, 2),
    "fmadd": fmadd(1, 2, 3, 4), "fmsub": fused(0x47, 1, 2, 3, 4), "fnmsub": fused(0x4B, 1, 2, 3, 4),
    "fnmadd": fused(0x4F, 1, 2, 3, 4), "fsgnj": fsgnj(1, 2, 3), "fsgnjn": fsgnj(1, 2, 3, 1),
    "fsgnjx": fsgnj(1, 2, 3, 2), "fmin": fmin(1, 2, 3), "fmax": fmax(1, 2, 3),
    "fcvt.w.s": fcvt_w_s(A1, 1), "fcvt.wu.s": fcvt_w_s(A1, 1, unsigned=True), "fmv.x.w": fmv_x_w(A1, 1),
    "feq": feq(A1, 1, 2), "flt": flt(A1, 1, 2), "fle": fle(A1, 1, 2), "fclass": fclass(A1, 1),
    "fcvt.s.w": fcvt_s_w(1, A1), "fcvt.s.wu": fcvt_s_w(1, A1, unsigned=True), "fmv.w.x": fmv_w_x(1, A1),
}


@pytest.mark.parametrize("word", LEGAL.values(), ids=LEGAL.keys())
def test_legal_f_encodings_execute(word):
    run_done(li(A0, HEAP), li(A1, 0), word)


@pytest.mark.parametrize("word", LEGAL.values(), ids=LEGAL.keys())
def test_every_f_instruction_is_illegal_without_an_fpu(word):
    emu, result, _ = run(li(A0, HEAP), li(A1, 0), word, HALT, config=SimtConfig(fpu=False))
    expect_illegal(result, BASE + 16, word)


def test_float_csrs_exist_without_an_fpu():
    emu = run_done(csrrwi(0, CSR.FRM, 3), csrrs(A2, CSR.FCSR, 0), config=SimtConfig(fpu=False))
    assert emu.registers()[A2] == 0x60


@pytest.mark.parametrize("frm", [5, 6, 7])
@pytest.mark.parametrize("word", [fadd(1, 2, 3, DYN), fsqrt(1, 2, DYN), fmadd(1, 2, 3, 4, DYN),
                                  fcvt_w_s(A1, 2, DYN), fcvt_s_w(1, A1, DYN, unsigned=True)],
                         ids=["fadd", "fsqrt", "fmadd", "fcvt.w.s", "fcvt.s.wu"])
def test_dynamic_rounding_with_a_reserved_frm_is_illegal(frm, word):
    emu, result, _ = run(csrrwi(0, CSR.FRM, frm), li(A1, 5), word, HALT)
    expect_illegal(result, BASE + 12, word)
    assert result.instret == 3
    assert emu.fcsr() == frm << 5                      # nothing accrued, nothing written


@pytest.mark.parametrize("word", [fadd(1, 2, 3, RTZ), fmin(1, 2, 3), fsgnj(1, 2, 3, 2), feq(A1, 1, 2),
                                  fclass(A1, 1), fmv_w_x(1, A1)],
                         ids=["static rm", "fmin", "fsgnjx", "feq", "fclass", "fmv.w.x"])
def test_reserved_frm_only_matters_to_dynamic_rounding(word):
    run_done(csrrwi(0, CSR.FRM, 7), word)


@pytest.mark.parametrize("frm", [RNE, RTZ, RDN, RUP, RMM])
def test_dynamic_rounding_reads_frm(frm):
    emu = run_done(csrrwi(0, CSR.FRM, frm), fli(1, ONE), fli(2, EPS_HALF), fadd(3, 1, 2, DYN),
                   fadd(4, 1, 2, RMM))
    assert emu.fregisters()[3] == fp.execute(FpuOp.ADD, frm, ONE, EPS_HALF)[0]
    assert emu.fregisters()[4] == 0x3F80_0001
    assert emu.fcsr() == frm << 5 | Flags.NX


def test_decodes_are_cached_but_dynamic_rounding_follows_frm_changes():
    loop = ["loop:", fadd(3, 1, 2, DYN), fmv_x_w(A2, 3), store("sw", A2, A0, 0), i("addi", A0, A0, 4),
            csrrwi(0, CSR.FRM, RUP), i("addi", A1, A1, -1), B("bne", A1, 0, "loop")]
    emu = run_done(li(A0, HEAP), i("addi", A1, 0, 2), fli(1, ONE), fli(2, EPS_HALF), *loop)
    assert struct.unpack("<2I", emu.read_mem(HEAP, 8)) == (ONE, 0x3F80_0001)


# -- fcsr per warp, flag accrual over lanes -------------------------------------------------------------

def test_fcsr_is_per_warp_and_wspawn_leaves_it_alone():
    config = SimtConfig(warps=2, threads=2)
    program = [
        # warp 0: frm = RUP, fflags = NX (from 1 / 3), then start warp 1
        csrrwi(0, CSR.FRM, RUP), fli(1, ONE), fli(2, THREE), fdiv(3, 1, 2, RNE),
        li(A0, 2), LA(A1, "first"), wspawn(A0, A1),
        # warp 0 waits for warp 1, then spawns it again at "second"
        LA(A1, "second"), wspawn(A0, A1),
        csrrs(A3, CSR.FCSR, 0), HALT,
        "first:", csrrs(A5, CSR.FCSR, 0),                        # warp 1's own fcsr: 0
        fli(1, ONE), fli(2, ZERO), fdiv(3, 1, 2, RNE),           # DZ in warp 1
        csrrwi(0, CSR.FRM, RTZ), HALT,
        "second:", csrrs(A4, CSR.FCSR, 0), HALT,
    ]
    emu, result, _ = run(*program, config=config)
    assert result.status == RunStatus.DONE, result.describe_fault()
    assert emu.fcsr(0) == RUP << 5 | Flags.NX
    assert emu.fcsr(1) == RTZ << 5 | Flags.DZ
    assert emu.registers(0, 0)[A3] == RUP << 5 | Flags.NX        # warp 0 never saw warp 1's flags
    assert emu.registers(1, 0)[A5] == 0                          # warp 1 started with its own fcsr
    assert emu.registers(1, 0)[A4] == RTZ << 5 | Flags.DZ        # kept across the second wspawn


def test_fcsr_writes_act_on_the_executing_warp():
    config = SimtConfig(warps=2, threads=1)
    program = [li(A0, 2), LA(A1, "entry"), wspawn(A0, A1), "entry:", csrr(A2, CSR.WARP_ID),
               i("addi", A2, A2, 1), csrrw(0, CSR.FFLAGS, A2), i("addi", A3, A2, 2),
               csrrw(0, CSR.FRM, A3), csrrs(A4, CSR.FCSR, 0), HALT]
    emu, result, _ = run(*program, config=config)
    assert result.status == RunStatus.DONE
    assert [emu.fcsr(w) for w in (0, 1)] == [3 << 5 | 1, 4 << 5 | 2]
    assert [emu.registers(w, 0)[A4] for w in (0, 1)] == [0x61, 0x82]


# lane k divides NUMERATORS[k] by DENOMINATORS[k]: NX, DZ, NV, none
NUMERATORS = [ONE, ONE, ZERO, TWO]
DENOMINATORS = [THREE, ZERO, ZERO, ONE]


def _per_lane_divide(mask):
    def setup(emu):
        emu.write_mem(HEAP, struct.pack("<8I", *NUMERATORS, *DENOMINATORS))
    return [li(T0, mask), tmc(T0), csrr(A0, CSR.THREAD_ID), i("slli", A0, A0, 2), li(A1, HEAP),
            r_add(A0, A0, A1), flw(1, A0, 0), flw(2, A0, 16), fdiv(3, 1, 2, RNE), fmv_x_w(A2, 3),
            csrrs(A3, CSR.FFLAGS, 0)], setup


def r_add(rd, rs1, rs2):
    return enc_r(0x33, rd, 0, rs1, rs2, 0)


@pytest.mark.parametrize("mask", [0b1111, 0b1001, 0b0110, 0b1000])
def test_flags_of_all_active_lanes_accrue(mask):
    config = SimtConfig(warps=1, threads=4)
    program, setup = _per_lane_divide(mask)
    emu = run_done(*program, config=config, setup=setup)
    expected = 0
    for lane in range(4):
        bits, flags = fp.execute(FpuOp.DIV, RNE, NUMERATORS[lane], DENOMINATORS[lane])
        if mask >> lane & 1:
            expected |= flags
            assert emu.fregisters(0, lane)[3] == bits
            assert emu.registers(0, lane)[A2] == bits
        else:
            assert emu.fregisters(0, lane)[3] == 0               # inactive lanes are untouched
    assert emu.fcsr() == expected
    assert all(emu.registers(0, lane)[A3] == expected for lane in range(4) if mask >> lane & 1)


def test_compare_to_x0_accrues_flags_but_writes_nothing():
    emu = run_done(fli(1, 0x7FC0_0000), flt(0, 1, 1), csrrs(A2, CSR.FFLAGS, 0))
    assert emu.registers()[A2] == Flags.NV
    trace = emu.trace()
    assert int(trace[-3]["rd"]) == 0                             # the flt record (before csrr, tmc)


# -- trace ----------------------------------------------------------------------------------------------

def test_trace_numbers_f_registers_32_to_63():
    def setup(emu):
        emu.write_mem(HEAP, struct.pack("<I", 0x4120_0000))
    program = [li(A0, ONE), fmv_w_x(0, A0), fadd(5, 0, 0), li(A1, HEAP), flw(31, A1, 0), fsw(5, A1, 4),
               feq(A2, 0, 5), feq(0, 0, 5), fmv_x_w(A3, 31), fclass(0, 31)]
    emu = run_done(*program, setup=setup)
    trace = emu.trace()
    rows = [(int(rec["rd"]), int(rec["data"][0])) for rec in trace]
    assert rows[2:4] + rows[6:] == [(32, ONE), (37, TWO), (63, 0x4120_0000), (0, 0), (A2, 0), (0, 0),
                                    (A3, 0x4120_0000), (0, 0), (0, 0)]
    assert format_record(trace[3]) == f"pc=0x{BASE + 12:08x} insn=0x{fadd(5, 0, 0):08x} f5=0x40000000"
    assert format_record(trace[2]).endswith(" f0=0x3f800000")
    assert format_record(trace[6]).endswith(" f31=0x41200000")


def test_multi_lane_trace_of_an_f_register_write():
    config = SimtConfig(warps=1, threads=4)
    program, setup = _per_lane_divide(0b0101)
    emu = run_done(*program, config=config, setup=setup)
    trace = emu.trace()
    rec = trace[trace["insn"] == fdiv(3, 1, 2, RNE)][0]
    lane0 = fp.execute(FpuOp.DIV, RNE, ONE, THREE)[0]
    assert (int(rec["rd"]), int(rec["tmask"])) == (35, 0b0101)
    assert [int(v) for v in rec["data"]] == [lane0, 0, fp.execute(FpuOp.DIV, RNE, ZERO, ZERO)[0], 0]
    assert format_record(rec).endswith(f"tmask=0x5 f3=[0:0x{lane0:08x} 2:0x7fc00000]")


def test_inline_bit_operations_equal_the_reference():
    import random
    from simtlab.sim.emulator import FP_BIT_OPS
    rng = random.Random(5)
    values = [0, 0x8000_0000, 0x7FC0_0000, 0xFF80_0001, 0xFFFF_FFFF]
    values += [rng.getrandbits(32) for _ in range(200)]
    for op, inline in FP_BIT_OPS.items():
        for a, b in zip(values, reversed(values)):
            assert (inline(a, b), 0) == fp.execute(op, 0, a, b), (op, hex(a), hex(b))
