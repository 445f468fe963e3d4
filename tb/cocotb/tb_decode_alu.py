"""cocotb tests of the decoder and the ALU (combinational), through :class:`tb.cocotb.duts.DecodeAluTop`.

Run by ``tb/cocotb/test_cocotb.py::test_decode_alu``. Expected values come from the instruction
table below (written from the RISC-V spec, not from ``isa.py``) and from a Python ALU model.
"""

import os
import random

import cocotb
from cocotb.triggers import Timer

from simtlab.sim.emu_decode import ALU_OPS
from simtlab.spec.isa import AluOp, OperandA, OperandB, Unit

from ..rtl import asm

MASK = 0xFFFF_FFFF
SEED = int(os.environ.get("SIMTLAB_SEED", "20261122"))


def sext(value, bits):
    value &= (1 << bits) - 1
    return (value - (1 << bits) if value >> (bits - 1) else value) & MASK


# ---- decoder table ----------------------------------------------------------------------------

def _r(op, rd, rs1, rs2, unit, alu=None):
    exp = dict(legal=1, unit=unit, rd=rd, rs1=rs1, rs2=rs2, wb=int(rd != 0), imm=0,
               use_rs1=1, use_rs2=1, b_sel=OperandB.RS2, funct3=asm.OPS[op][1])
    if alu is not None:
        exp.update(alu_op=alu, a_sel=OperandA.RS1)
    return f"{op} x{rd},x{rs1},x{rs2}", asm.r(op, rd, rs1, rs2), exp


def _i(op, rd, rs1, imm, unit, alu=None, expect_imm=None):
    exp = dict(legal=1, unit=unit, rd=rd, rs1=rs1, wb=int(rd != 0), use_rs1=1, use_rs2=0,
               imm=sext(imm, 12) if expect_imm is None else expect_imm, b_sel=OperandB.IMM,
               funct3=asm.OPS[op][1])
    if alu is not None:
        exp.update(alu_op=alu, a_sel=OperandA.RS1)
    return f"{op} x{rd},x{rs1},{imm}", asm.i(op, rd, rs1, imm), exp


def _s(op, rs2, rs1, imm):
    exp = dict(legal=1, unit=Unit.STORE, rs1=rs1, rs2=rs2, wb=0, use_rs1=1, use_rs2=1,
               imm=sext(imm, 12), alu_op=AluOp.ADD, funct3=asm.OPS[op][1])
    return f"{op} x{rs2},{imm}(x{rs1})", asm.s(op, rs2, rs1, imm), exp


def _b(op, rs1, rs2, offset):
    exp = dict(legal=1, unit=Unit.BRANCH, rs1=rs1, rs2=rs2, wb=0, use_rs1=1, use_rs2=1,
               imm=sext(offset, 13), funct3=asm.OPS[op][1])
    return f"{op} x{rs1},x{rs2},{offset}", asm.b(op, rs1, rs2, offset), exp


def _u(op, rd, imm20, a_sel):
    exp = dict(legal=1, unit=Unit.ALU, rd=rd, wb=int(rd != 0), use_rs1=0, use_rs2=0,
               imm=(imm20 << 12) & MASK, alu_op=AluOp.ADD, a_sel=a_sel, b_sel=OperandB.IMM)
    return f"{op} x{rd},{imm20:#x}", asm.u(op, rd, imm20), exp


def _j(rd, offset):
    exp = dict(legal=1, unit=Unit.JAL, rd=rd, wb=int(rd != 0), use_rs1=0, use_rs2=0,
               imm=sext(offset, 21))
    return f"jal x{rd},{offset}", asm.j(rd, offset), exp


def _custom(funct3, rd=0, rs1=0, rs2=0, funct7=0):
    """A custom-0 (opcode 0x0B) R-type word."""
    return (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x0B


def _raw(name, word, **exp):
    return name, word, dict(legal=1, **exp)


LEGAL = [
    _r("add", 5, 6, 7, Unit.ALU, AluOp.ADD),
    _r("sub", 31, 1, 2, Unit.ALU, AluOp.SUB),
    _r("sll", 1, 2, 3, Unit.ALU, AluOp.SLL),
    _r("slt", 4, 5, 6, Unit.ALU, AluOp.SLT),
    _r("sltu", 7, 8, 9, Unit.ALU, AluOp.SLTU),
    _r("xor", 10, 11, 12, Unit.ALU, AluOp.XOR),
    _r("srl", 13, 14, 15, Unit.ALU, AluOp.SRL),
    _r("sra", 16, 17, 18, Unit.ALU, AluOp.SRA),
    _r("or", 19, 20, 21, Unit.ALU, AluOp.OR),
    _r("and", 22, 23, 24, Unit.ALU, AluOp.AND),
    _r("add", 0, 1, 2, Unit.ALU, AluOp.ADD),                      # rd = x0: no write back
    _r("mul", 1, 2, 3, Unit.MUL),
    _r("mulhu", 4, 5, 6, Unit.MUL),
    _r("div", 7, 8, 9, Unit.DIV),
    _r("remu", 10, 11, 12, Unit.DIV),
    _i("addi", 1, 2, -1, Unit.ALU, AluOp.ADD),
    _i("addi", 3, 4, 2047, Unit.ALU, AluOp.ADD),
    _i("addi", 5, 6, -2048, Unit.ALU, AluOp.ADD),
    _i("addi", 0, 0, 0, Unit.ALU, AluOp.ADD),                      # nop
    _i("slti", 1, 2, -5, Unit.ALU, AluOp.SLT),
    _i("sltiu", 1, 2, -1, Unit.ALU, AluOp.SLTU),
    _i("xori", 1, 2, -1, Unit.ALU, AluOp.XOR),
    _i("ori", 1, 2, 0x555, Unit.ALU, AluOp.OR),
    _i("andi", 1, 2, 0x0F0, Unit.ALU, AluOp.AND),
    _i("slli", 1, 2, 31, Unit.ALU, AluOp.SLL, expect_imm=31),
    _i("srli", 1, 2, 7, Unit.ALU, AluOp.SRL, expect_imm=7),
    _i("srai", 1, 2, 31, Unit.ALU, AluOp.SRA, expect_imm=0x41F),   # imm[10] marks srai
    _i("lw", 5, 6, -4, Unit.LOAD, AluOp.ADD),
    _i("lb", 0, 1, 0, Unit.LOAD, AluOp.ADD),
    _i("lhu", 9, 10, 2046, Unit.LOAD, AluOp.ADD),
    _i("jalr", 1, 2, -4, Unit.JALR),
    _i("jalr", 0, 1, 0, Unit.JALR),
    _i("csrrs", 1, 0, 0x340, Unit.CSR),
    _i("csrrw", 0, 1, 0x340, Unit.CSR),
    _s("sw", 7, 8, -2048),
    _s("sw", 7, 8, 2047),
    _s("sh", 1, 2, -2),
    _s("sb", 1, 2, -1),
    _b("beq", 1, 2, -4096),
    _b("bne", 1, 2, 4094),
    _b("blt", 3, 4, -8),
    _b("bge", 5, 6, 2048),
    _b("bltu", 7, 8, 16),
    _b("bgeu", 9, 10, -2),
    _u("lui", 1, 0xFFFFF, OperandA.ZERO),
    _u("lui", 0, 0x12345, OperandA.ZERO),
    _u("auipc", 2, 0x12345, OperandA.PC),
    _u("auipc", 3, 0x80000, OperandA.PC),
    _j(1, -1048576),
    _j(0, 1048574),
    _j(1, 2048),
    _j(5, -2),
    # csrrwi x3, 0x7ff, 31: rs1 field is the zimm, not a register
    _raw("csrrwi x3,0x7ff,31", (0x7FF << 20) | (31 << 15) | (5 << 12) | (3 << 7) | 0x73,
         unit=Unit.CSR, rd=3, wb=1, use_rs1=0, imm=0x7FF, funct3=5),
    # Vortex's custom-0 SIMT instructions (docs/simt.md): funct3 picks the op, rd/rs2 = x1 flag
    # pred.n/split.n; only split writes rd
    _raw("tmc x0", asm.TMC_X0, unit=Unit.SIMT, wb=0, use_rs1=1, use_rs2=0, funct3=0),
    _raw("tmc x5", _custom(0, rs1=5), unit=Unit.SIMT, rs1=5, wb=0, use_rs1=1, use_rs2=0),
    _raw("wspawn x5,x6", _custom(1, rs1=5, rs2=6), unit=Unit.SIMT, rs1=5, rs2=6, wb=0, use_rs1=1,
         use_rs2=1, funct3=1),
    _raw("split x13,x11", _custom(2, rd=13, rs1=11), unit=Unit.SIMT, rd=13, rs1=11, wb=1,
         use_rs1=1, use_rs2=0, funct3=2),
    _raw("split.n x13,x11", _custom(2, rd=13, rs1=11, rs2=1), unit=Unit.SIMT, rd=13, rs1=11, rs2=1,
         wb=1, use_rs1=1, use_rs2=0, funct3=2),
    _raw("join x13", _custom(3, rs1=13), unit=Unit.SIMT, rs1=13, wb=0, use_rs1=1, use_rs2=0,
         funct3=3),
    _raw("bar x5,x6", _custom(4, rs1=5, rs2=6), unit=Unit.SIMT, rs1=5, rs2=6, wb=0, use_rs1=1,
         use_rs2=1, funct3=4),
    _raw("pred x5,x6", _custom(5, rs1=5, rs2=6), unit=Unit.SIMT, rs1=5, rs2=6, wb=0, use_rs1=1,
         use_rs2=1, funct3=5),
    _raw("pred.n x5,x6", _custom(5, rd=1, rs1=5, rs2=6), unit=Unit.SIMT, rd=1, wb=0, use_rs1=1,
         use_rs2=1, funct3=5),
    # Vortex's vote and shuffle: custom-0 funct7 1, rd written, rs2 only for the shuffles
    _raw("vote.ballot x13,x11", _custom(3, rd=13, rs1=11, funct7=1), unit=Unit.LANES, rd=13, rs1=11,
         wb=1, use_rs1=1, use_rs2=0, funct3=3),
    _raw("shfl.bfly x13,x11,x12", _custom(6, rd=13, rs1=11, rs2=12, funct7=1), unit=Unit.LANES,
         rd=13, rs1=11, rs2=12, wb=1, use_rs1=1, use_rs2=1, funct3=6),
    _raw("fence", 0x0FF0000F, unit=Unit.FENCE, wb=0, use_rs1=0, use_rs2=0),
    _raw("fence.i", 0x0000100F, unit=Unit.FENCE, wb=0),
]

def _f3(word, funct3):
    """``word`` with its funct3 field replaced."""
    return (word & ~(7 << 12)) | (funct3 << 12)


ILLEGAL = [
    ("all ones", 0xFFFF_FFFF),
    ("all zeros", 0x0000_0000),
    ("ecall", 0x0000_0073),
    ("ebreak", 0x0010_0073),
    ("mret", 0x3020_0073),
    ("add with funct7=0x40", asm.r("add", 1, 2, 3) | (0x40 << 25)),
    ("sll with funct7=0x20", asm.r("sll", 1, 2, 3) | (0x20 << 25)),
    ("slli with imm[11:5]=0x20", asm.i("slli", 1, 2, 3) | (0x20 << 25)),
    ("srli with imm[11:5]=0x01", asm.i("srli", 1, 2, 3) | (0x01 << 25)),
    ("jalr funct3=1", _f3(asm.i("jalr", 1, 2, 0), 1)),
    ("branch funct3=2", _f3(asm.b("beq", 1, 2, 8), 2)),
    ("ld (RV64)", _f3(asm.i("lw", 1, 2, 0), 3)),
    ("sd (RV64)", _f3(asm.s("sw", 1, 2, 0), 3)),
    ("csr funct3=4", _f3(asm.i("csrrs", 1, 0, 0x340), 4)),
    ("custom-0 funct3=6", _f3(asm.TMC_X0, 6)),
    ("custom-0 funct3=7", _f3(asm.TMC_X0, 7)),
    ("tmc with funct7=2", _custom(0, rs1=5, funct7=2)),       # funct7 1 is vote/shuffle
    ("split with funct7=0x40", _custom(2, rd=1, rs1=2, funct7=0x40)),
    ("addi with opcode bits[1:0]=00", asm.i("addi", 1, 2, 3) & ~3),
]

DEC_FIELDS = ("legal", "unit", "alu_op", "a_sel", "b_sel", "rd", "rs1", "rs2", "wb", "use_rs1",
              "use_rs2", "funct3", "imm")


async def decode(dut, word):
    dut.insn.value = word
    await Timer(1, unit="ns")
    return {f: int(getattr(dut, f"dec_{f}").value) for f in DEC_FIELDS}


def _plain(value):
    return value.value if hasattr(value, "value") else value


@cocotb.test()
async def decoder_fields(dut):
    """Every field the table names, for each legal instruction word."""
    errors = []
    for name, word, exp in LEGAL:
        got = await decode(dut, word)
        for field, want in exp.items():
            want = _plain(want)
            if got[field] != want:
                errors.append(f"{name} ({word:#010x}): {field} = {got[field]:#x}, want {want:#x}")
    assert not errors, f"{len(errors)} decoder mismatches:\n" + "\n".join(errors)


@cocotb.test()
async def decoder_illegal(dut):
    """Words that are not RV32IM + Zicsr + Vortex custom-0 decode with legal = 0."""
    errors = []
    for name, word in ILLEGAL:
        got = await decode(dut, word)
        if got["legal"] != 0:
            errors.append(f"{name} ({word:#010x}) decodes as legal (unit {got['unit']})")
    assert not errors, "illegal words accepted:\n" + "\n".join(errors)


@cocotb.test()
async def decoder_wb_never_for_x0(dut):
    """wb = 0 whenever rd = x0, for every legal row rewritten with rd = x0."""
    errors = []
    for name, word, _ in LEGAL:
        got = await decode(dut, word & ~(0x1F << 7))
        if got["legal"] and got["wb"]:
            errors.append(f"{name} with rd=x0 has wb=1")
    assert not errors, "\n".join(errors)


# ---- ALU -----------------------------------------------------------------------------------------

#: The ALU's reference: the golden model's semantics of each operation.
ALU_MODEL = ALU_OPS

SPECIAL = [0, 1, 2, 31, 32, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFF, 0xFFFF_FFFE,
           0x5555_5555, 0xAAAA_AAAA]

CORNERS = [
    (AluOp.SLL, 1, 31), (AluOp.SLL, 0xFFFF_FFFF, 31), (AluOp.SLL, 1, 32 + 31),
    (AluOp.SRL, 0x8000_0000, 31), (AluOp.SRL, 0xFFFF_FFFF, 31), (AluOp.SRL, 0x8000_0000, 0xFFFF_FFE1),
    (AluOp.SRA, 0x8000_0000, 31), (AluOp.SRA, 0x7FFF_FFFF, 31), (AluOp.SRA, 0x8000_0000, 0),
    (AluOp.SLT, 0xFFFF_FFFF, 0), (AluOp.SLT, 0, 0xFFFF_FFFF), (AluOp.SLT, 0x8000_0000, 0x7FFF_FFFF),
    (AluOp.SLT, 0x7FFF_FFFF, 0x8000_0000), (AluOp.SLT, 0xFFFF_FFFE, 0xFFFF_FFFF),
    (AluOp.SLT, 5, 5), (AluOp.SLTU, 0xFFFF_FFFF, 0), (AluOp.SLTU, 0, 0xFFFF_FFFF),
    (AluOp.ADD, 0x7FFF_FFFF, 1), (AluOp.ADD, 0xFFFF_FFFF, 1), (AluOp.ADD, 0x8000_0000, 0x8000_0000),
    (AluOp.SUB, 0x8000_0000, 1), (AluOp.SUB, 0, 1), (AluOp.SUB, 0x7FFF_FFFF, 0xFFFF_FFFF),
]


async def alu(dut, op, a, b):
    dut.alu_op.value = op.value
    dut.alu_a.value = a
    dut.alu_b.value = b
    await Timer(1, unit="ns")
    return int(dut.alu_result.value)


@cocotb.test()
async def alu_corner_cases(dut):
    errors = []
    for op, a, b in CORNERS:
        got, want = await alu(dut, op, a, b), ALU_MODEL[op](a, b)
        if got != want:
            errors.append(f"{op.name}({a:#010x}, {b:#010x}) = {got:#010x}, want {want:#010x}")
    assert not errors, "\n".join(errors)


@cocotb.test()
async def alu_random(dut):
    """Every AluOp on random operands (fixed seed, SIMTLAB_SEED overrides) against the model."""
    rng = random.Random(SEED)
    errors = []
    for op in AluOp:
        for _ in range(200):
            a, b = (rng.choice(SPECIAL) if rng.random() < 0.2 else rng.getrandbits(32)
                    for _ in range(2))
            got, want = await alu(dut, op, a, b), ALU_MODEL[op](a, b)
            if got != want:
                errors.append(f"{op.name}({a:#010x}, {b:#010x}) = {got:#010x}, want {want:#010x}")
    assert not errors, f"SIMTLAB_SEED={SEED}: {len(errors)} ALU mismatches:\n" + "\n".join(errors[:20])
