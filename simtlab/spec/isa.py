"""RV32IMF + Zicsr + Vortex custom-0 encodings, and the table the decoder is generated from.

Each row of :data:`INSTRUCTIONS` names one instruction, its fixed encoding bits, its immediate format
and the execution unit and ALU operation it needs. The RTL decoder (``rtl/core/decoder.py``), the
emulator, the harness's generated header, the docs and the tests read this table; adding an
instruction is adding a row.

Pure Python: the enums are ``IntEnum``s, which Amaranth takes as shapes (the unsigned width that holds
every value; :data:`FIELD_WIDTHS` pins the widths and a test checks them).
"""

import enum
from dataclasses import dataclass

from .fpu import LATENCY, FpuOp, Latency
from .memory import RegionKind

__all__ = [
    "FpuOp",
    "Latency",
    "Opcode",
    "Format",
    "Unit",
    "AluOp",
    "AmoOp",
    "OperandA",
    "OperandB",
    "InstrDesc",
    "INSTRUCTIONS",
    "FIELD_WIDTHS",
    "atomic_region",
]


class Opcode(enum.IntEnum):
    LUI = 0b0110111
    AUIPC = 0b0010111
    JAL = 0b1101111
    JALR = 0b1100111
    BRANCH = 0b1100011
    LOAD = 0b0000011
    STORE = 0b0100011
    OP_IMM = 0b0010011
    OP = 0b0110011
    MISC_MEM = 0b0001111
    AMO = 0b0101111       #: RV32A
    SYSTEM = 0b1110011
    CUSTOM0 = 0b0001011   #: Vortex's SIMT instructions
    LOAD_FP = 0b0000111
    STORE_FP = 0b0100111
    MADD = 0b1000011
    MSUB = 0b1000111
    NMSUB = 0b1001011
    NMADD = 0b1001111
    OP_FP = 0b1010011


class Format(enum.IntEnum):
    """Immediate format."""
    R = 0
    I = 1
    S = 2
    B = 3
    U = 4
    J = 5


class Unit(enum.IntEnum):
    """The execution unit an instruction goes to."""
    ALU = 0      #: result = AluOp(a, b)
    BRANCH = 1   #: compare rs1/rs2 by funct3; target pc + imm
    JAL = 2      #: rd = pc + 4; target pc + imm
    JALR = 3     #: rd = pc + 4; target (rs1 + imm) & ~1
    LOAD = 4
    STORE = 5
    MUL = 6
    DIV = 7
    CSR = 8
    SIMT = 9     #: Vortex's custom-0 instructions (simt.py)
    FENCE = 10   #: no-op on this in-order core
    FPU = 11     #: RV32F arithmetic, compares, conversions and moves (rtl/fpu)
    LANES = 12   #: Vortex's cross-lane vote and shuffle (custom-0, funct7 = 1; crosslane.py)
    AMO = 13     #: RV32A: one read-modify-write per active lane at the memory (lsu.py)


class AluOp(enum.IntEnum):
    ADD = 0
    SUB = 1
    SLL = 2
    SLT = 3
    SLTU = 4
    XOR = 5
    SRL = 6
    SRA = 7
    OR = 8
    AND = 9


class AmoOp(enum.IntEnum):
    """The memory operation a data-port request asks for (``MemRequestSignature.op``): 0 is a plain
    read or write; the others are RV32A's, performed on one word at the memory, which answers with
    the word's old value (sc: 0 on success, 1 on failure). docs/isa.md, "Atomics"."""
    NONE = 0
    ADD = 1
    SWAP = 2
    LR = 3
    SC = 4
    XOR = 5
    OR = 6
    AND = 7
    MIN = 8
    MAX = 9
    MINU = 10
    MAXU = 11


class OperandA(enum.IntEnum):
    RS1 = 0
    PC = 1
    ZERO = 2


class OperandB(enum.IntEnum):
    RS2 = 0
    IMM = 1


#: Bits of each enum as a hardware field (the decoded-instruction layout's widths).
FIELD_WIDTHS = {Opcode: 7, Format: 3, Unit: 4, AluOp: 4, AmoOp: 4, OperandA: 2, OperandB: 1}


@dataclass(frozen=True)
class InstrDesc:
    """One row of the decode table. ``None`` fields are "don't care" in the encoding."""
    name: str
    opcode: Opcode
    funct3: "int | None"
    funct7: "int | None"
    fmt: Format
    unit: Unit
    alu: AluOp = AluOp.ADD
    a: OperandA = OperandA.RS1
    b: OperandB = OperandB.IMM
    #: Override the format's default register use (custom-0 rows use rd/rs2 fields as flags).
    wb: "bool | None" = None
    rs2_used: "bool | None" = None
    #: RV32F: the operation, fixed rs2-field value (fsqrt, fcvt, fmv, fclass), whether bits
    #: [26:25] (fmt) must be 00, and which register operands are float registers.
    fpu: "FpuOp | None" = None
    rs2_field: "int | None" = None
    fmt_s: bool = False
    rd_fp: bool = False
    rs1_fp: bool = False
    rs2_fp: bool = False
    rs3: bool = False
    #: funct3 is a rounding mode (5 and 6 illegal, 7 = frm)
    uses_rm: bool = False
    #: Outside the FPU: the latency class of a multi-cycle unit (``None``: the result exists in X).
    timing: "Latency | None" = None
    #: RV32A: the memory operation, and the funct5 field (bits 31:27; aq and rl, bits 26:25, are
    #: don't care).
    amo: "AmoOp | None" = None
    funct5: "int | None" = None

    @property
    def writes_rd(self):
        if self.wb is not None:
            return self.wb
        return self.fmt not in (Format.S, Format.B) and self.unit is not Unit.FENCE

    @property
    def reads_rs1(self):
        if self.unit is Unit.CSR and self.funct3 >= 4:
            return False    # csrr*i: the rs1 field is an immediate
        return self.fmt not in (Format.U, Format.J) and self.unit is not Unit.FENCE

    @property
    def reads_rs2(self):
        if self.rs2_used is not None:
            return self.rs2_used
        return self.fmt in (Format.R, Format.S, Format.B)

    def pattern(self):
        """The 32-bit match pattern, most significant bit first, '-' for don't care."""
        bits = ["-"] * 32
        def put(value, lo, width):
            for i in range(width):
                bits[31 - (lo + i)] = str((value >> i) & 1)
        put(self.opcode.value, 0, 7)
        if self.funct3 is not None:
            put(self.funct3, 12, 3)
        if self.funct7 is not None:
            put(self.funct7, 25, 7)
        if self.funct5 is not None:
            put(self.funct5, 27, 5)
        if self.fmt_s:
            put(0, 25, 2)
        if self.rs2_field is not None:
            put(self.rs2_field, 20, 5)
        return "".join(bits)

    @property
    def latency(self):
        """When the result exists: the FPU's class of the operation, else ``timing`` (``None``:
        in X, single cycle)."""
        return LATENCY[self.fpu] if self.fpu is not None else self.timing


def _alu_rows():
    rows = []
    for name, f3, f7, op in [
        ("add", 0, 0x00, AluOp.ADD), ("sub", 0, 0x20, AluOp.SUB), ("sll", 1, 0x00, AluOp.SLL),
        ("slt", 2, 0x00, AluOp.SLT), ("sltu", 3, 0x00, AluOp.SLTU), ("xor", 4, 0x00, AluOp.XOR),
        ("srl", 5, 0x00, AluOp.SRL), ("sra", 5, 0x20, AluOp.SRA), ("or", 6, 0x00, AluOp.OR),
        ("and", 7, 0x00, AluOp.AND),
    ]:
        rows.append(InstrDesc(name, Opcode.OP, f3, f7, Format.R, Unit.ALU, op, b=OperandB.RS2))
    for name, f3, f7, op in [
        ("addi", 0, None, AluOp.ADD), ("slti", 2, None, AluOp.SLT), ("sltiu", 3, None, AluOp.SLTU),
        ("xori", 4, None, AluOp.XOR), ("ori", 6, None, AluOp.OR), ("andi", 7, None, AluOp.AND),
        ("slli", 1, 0x00, AluOp.SLL), ("srli", 5, 0x00, AluOp.SRL), ("srai", 5, 0x20, AluOp.SRA),
    ]:
        rows.append(InstrDesc(name, Opcode.OP_IMM, f3, f7, Format.I, Unit.ALU, op))
    return rows


def _amo_rows():
    """RV32A, word size only (funct3 2): rd = the old word at rs1, the memory gets op(old, rs2)."""
    rows = [InstrDesc("lr.w", Opcode.AMO, 2, None, Format.R, Unit.AMO, amo=AmoOp.LR,
                      funct5=0b00010, rs2_field=0, rs2_used=False)]
    for name, funct5, op in [
        ("sc.w", 0b00011, AmoOp.SC), ("amoswap.w", 0b00001, AmoOp.SWAP),
        ("amoadd.w", 0b00000, AmoOp.ADD), ("amoxor.w", 0b00100, AmoOp.XOR),
        ("amoand.w", 0b01100, AmoOp.AND), ("amoor.w", 0b01000, AmoOp.OR),
        ("amomin.w", 0b10000, AmoOp.MIN), ("amomax.w", 0b10100, AmoOp.MAX),
        ("amominu.w", 0b11000, AmoOp.MINU), ("amomaxu.w", 0b11100, AmoOp.MAXU),
    ]:
        rows.append(InstrDesc(name, Opcode.AMO, 2, None, Format.R, Unit.AMO, amo=op, funct5=funct5))
    return rows


def _fp_rows():
    """RV32F. funct3 is the rounding mode where ``uses_rm``, else it selects the operation."""
    def op_fp(name, funct7, op, funct3=None, rs2=None, *, rd_fp=True, rs1_fp=True, rs2_fp=True,
              uses_rm=False):
        return InstrDesc(name, Opcode.OP_FP, funct3, funct7, Format.R, Unit.FPU, b=OperandB.RS2,
                         fpu=op, rs2_field=rs2, rs2_used=rs2 is None, rd_fp=rd_fp, rs1_fp=rs1_fp,
                         rs2_fp=rs2_fp and rs2 is None, uses_rm=uses_rm)
    rows = [
        InstrDesc("flw", Opcode.LOAD_FP, 2, None, Format.I, Unit.LOAD, rd_fp=True),
        InstrDesc("fsw", Opcode.STORE_FP, 2, None, Format.S, Unit.STORE, rs2_fp=True),
    ]
    for name, opcode, op in [("fmadd.s", Opcode.MADD, FpuOp.MADD),
                             ("fmsub.s", Opcode.MSUB, FpuOp.MSUB),
                             ("fnmsub.s", Opcode.NMSUB, FpuOp.NMSUB),
                             ("fnmadd.s", Opcode.NMADD, FpuOp.NMADD)]:
        rows.append(InstrDesc(name, opcode, None, None, Format.R, Unit.FPU, b=OperandB.RS2,
                              fpu=op, fmt_s=True, rd_fp=True, rs1_fp=True, rs2_fp=True, rs3=True,
                              uses_rm=True))
    rows += [
        op_fp("fadd.s", 0x00, FpuOp.ADD, uses_rm=True),
        op_fp("fsub.s", 0x04, FpuOp.SUB, uses_rm=True),
        op_fp("fmul.s", 0x08, FpuOp.MUL, uses_rm=True),
        op_fp("fdiv.s", 0x0C, FpuOp.DIV, uses_rm=True),
        op_fp("fsqrt.s", 0x2C, FpuOp.SQRT, rs2=0, uses_rm=True),
        op_fp("fsgnj.s", 0x10, FpuOp.SGNJ, 0),
        op_fp("fsgnjn.s", 0x10, FpuOp.SGNJN, 1),
        op_fp("fsgnjx.s", 0x10, FpuOp.SGNJX, 2),
        op_fp("fmin.s", 0x14, FpuOp.MIN, 0),
        op_fp("fmax.s", 0x14, FpuOp.MAX, 1),
        op_fp("fcvt.w.s", 0x60, FpuOp.CVT_W_S, rs2=0, rd_fp=False, uses_rm=True),
        op_fp("fcvt.wu.s", 0x60, FpuOp.CVT_WU_S, rs2=1, rd_fp=False, uses_rm=True),
        op_fp("fmv.x.w", 0x70, FpuOp.MV_X_W, 0, rs2=0, rd_fp=False),
        op_fp("feq.s", 0x50, FpuOp.EQ, 2, rd_fp=False),
        op_fp("flt.s", 0x50, FpuOp.LT, 1, rd_fp=False),
        op_fp("fle.s", 0x50, FpuOp.LE, 0, rd_fp=False),
        op_fp("fclass.s", 0x70, FpuOp.CLASS, 1, rs2=0, rd_fp=False),
        op_fp("fcvt.s.w", 0x68, FpuOp.CVT_S_W, rs2=0, rs1_fp=False, uses_rm=True),
        op_fp("fcvt.s.wu", 0x68, FpuOp.CVT_S_WU, rs2=1, rs1_fp=False, uses_rm=True),
        op_fp("fmv.w.x", 0x78, FpuOp.MV_W_X, 0, rs2=0, rs1_fp=False),
    ]
    return rows


#: The decode table: every instruction this core executes.
INSTRUCTIONS = (
    InstrDesc("lui", Opcode.LUI, None, None, Format.U, Unit.ALU, a=OperandA.ZERO),
    InstrDesc("auipc", Opcode.AUIPC, None, None, Format.U, Unit.ALU, a=OperandA.PC),
    InstrDesc("jal", Opcode.JAL, None, None, Format.J, Unit.JAL),
    InstrDesc("jalr", Opcode.JALR, 0, None, Format.I, Unit.JALR),
    *[InstrDesc(n, Opcode.BRANCH, f3, None, Format.B, Unit.BRANCH, b=OperandB.RS2)
      for n, f3 in [("beq", 0), ("bne", 1), ("blt", 4), ("bge", 5), ("bltu", 6), ("bgeu", 7)]],
    *[InstrDesc(n, Opcode.LOAD, f3, None, Format.I, Unit.LOAD)
      for n, f3 in [("lb", 0), ("lh", 1), ("lw", 2), ("lbu", 4), ("lhu", 5)]],
    *[InstrDesc(n, Opcode.STORE, f3, None, Format.S, Unit.STORE)
      for n, f3 in [("sb", 0), ("sh", 1), ("sw", 2)]],
    *_alu_rows(),
    *[InstrDesc(n, Opcode.OP, f3, 0x01, Format.R, Unit.MUL, b=OperandB.RS2)
      for n, f3 in [("mul", 0), ("mulh", 1), ("mulhsu", 2), ("mulhu", 3)]],
    *[InstrDesc(n, Opcode.OP, f3, 0x01, Format.R, Unit.DIV, b=OperandB.RS2,
                timing=Latency.ITERATIVE)
      for n, f3 in [("div", 4), ("divu", 5), ("rem", 6), ("remu", 7)]],
    InstrDesc("fence", Opcode.MISC_MEM, 0, None, Format.I, Unit.FENCE),
    InstrDesc("fence.i", Opcode.MISC_MEM, 1, None, Format.I, Unit.FENCE),
    *[InstrDesc(n, Opcode.SYSTEM, f3, None, Format.I, Unit.CSR)
      for n, f3 in [("csrrw", 1), ("csrrs", 2), ("csrrc", 3),
                    ("csrrwi", 5), ("csrrsi", 6), ("csrrci", 7)]],
    # Vortex's SIMT instructions (docs/simt.md); split.n and pred.n are flagged by rs2 = x1 / rd = x1.
    InstrDesc("tmc", Opcode.CUSTOM0, 0, 0x00, Format.R, Unit.SIMT, wb=False, rs2_used=False),
    InstrDesc("wspawn", Opcode.CUSTOM0, 1, 0x00, Format.R, Unit.SIMT, wb=False, rs2_used=True),
    InstrDesc("split", Opcode.CUSTOM0, 2, 0x00, Format.R, Unit.SIMT, wb=True, rs2_used=False),
    InstrDesc("join", Opcode.CUSTOM0, 3, 0x00, Format.R, Unit.SIMT, wb=False, rs2_used=False),
    InstrDesc("bar", Opcode.CUSTOM0, 4, 0x00, Format.R, Unit.SIMT, wb=False, rs2_used=True),
    InstrDesc("pred", Opcode.CUSTOM0, 5, 0x00, Format.R, Unit.SIMT, wb=False, rs2_used=True),
    # Vortex's warp vote and shuffle (vx_vote_*, vx_shfl_*: docs/simt.md, "Vote and shuffle").
    *[InstrDesc(n, Opcode.CUSTOM0, f3, 0x01, Format.R, Unit.LANES, b=OperandB.RS2, wb=True,
                rs2_used=f3 >= 4)
      for f3, n in enumerate(["vote.all", "vote.any", "vote.uni", "vote.ballot",
                              "shfl.up", "shfl.down", "shfl.bfly", "shfl.idx"])],
    *_amo_rows(),
    *_fp_rows(),
)


def atomic_region(region):
    """Whether RV32A atomics may address ``region`` (a :class:`~.memory.Region`): global memory only,
    where the memory performs them. io, the mmio window and the core's local memory ("lmem") are
    ``FaultCause.AMO_REGION`` (docs/isa.md, "Atomics")."""
    return region.kind == RegionKind.RAM and region.name != "lmem"
