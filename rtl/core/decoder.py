"""Instruction decoder: one 32-bit instruction word in, its control signals out (combinational).

Generated from the table in ``isa.py``: each row becomes one case pattern.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import FpuOp, Latency
from ...spec.isa import INSTRUCTIONS, AluOp, Format, OperandA, OperandB, Unit

__all__ = [
    "DecodedLayout",
    "Decoder",
    "source_registers",
]


#: Control signals of one decoded instruction.
DecodedLayout = data.StructLayout({
    "legal": 1,          #: the word is an instruction this core executes
    "unit": Unit,
    "alu_op": AluOp,
    "a_sel": OperandA,
    "b_sel": OperandB,
    "rd": 6,             #: register numbers: 0-31 x0-x31, 32-63 f0-f31
    "rs1": 6,
    "rs2": 6,
    "rs3": 6,
    "wb": 1,             #: writes rd (never set for rd = x0)
    "use_rs1": 1,
    "use_rs2": 1,
    "use_rs3": 1,
    "funct3": 3,
    "imm": 32,
    "fpu_op": FpuOp,
    "fpu_pipe": 1,       #: a two-stage FPU operation: its result exists in M, not X
    "fpu_iter": 1,       #: an iterative FPU operation (fdiv, fsqrt): holds X until done
    "uses_rm": 1,        #: funct3 is a rounding mode
})


def source_registers(insn, fpu=True):
    """The source register numbers (rs1, rs2, rs3; 32-63 for f registers) of ``insn``, from its
    opcode and funct7 alone: cheaper than a full decode, so the register file can be read before
    the decoder runs. Agrees with :class:`Decoder` on every legal instruction that reads the
    register (checked by tb/rtl/core/test_decoder.py)."""
    opcode, funct7 = insn[0:7], insn[25:32]
    rs1, rs2, rs3 = insn[15:20], insn[20:25], insn[27:32]
    if not fpu:
        return Cat(rs1, C(0, 1)), Cat(rs2, C(0, 1)), Cat(rs3, C(0, 1))
    fused = opcode.matches("100--11")       # fmadd, fmsub, fnmsub, fnmadd
    op_fp = opcode == 0b1010011
    int_rs1 = (funct7 == 0x68) | (funct7 == 0x78)       # fcvt.s.w[u], fmv.w.x
    rs1_fp = fused | (op_fp & ~int_rs1)
    rs2_fp = fused | op_fp | (opcode == 0b0100111)      # fsw stores an f register
    return Cat(rs1, rs1_fp), Cat(rs2, rs2_fp), Cat(rs3, C(1, 1))


class Decoder(wiring.Component):
    """Combinational RV32IMF + Zicsr + Vortex custom-0 decoder.

    Members
    -------
    insn : In(32)
        The instruction word.
    out : Out(DecodedLayout)
        Its control signals; ``out.legal`` is 0 for any word not in the decode table.

    Parameters
    ----------
    muldiv : bool
        Decode the M extension (else its encodings are illegal).
    fpu : bool
        Decode the F extension (else its encodings, flw/fsw included, are illegal).

    Latency: combinational. Resources: one pattern match per table row.
    """

    insn: In(32)
    out: Out(DecodedLayout)

    def __init__(self, *, muldiv=True, fpu=True):
        self._rows = [d for d in INSTRUCTIONS
                      if (muldiv or d.unit not in (Unit.MUL, Unit.DIV))
                      and (fpu or not (d.fpu is not None or d.rd_fp or d.rs2_fp))]
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        insn, out = self.insn, self.out

        imm = {
            Format.R: C(0, 32),
            Format.I: insn[20:32].as_signed(),
            Format.S: Cat(insn[7:12], insn[25:32]).as_signed(),
            Format.B: Cat(C(0, 1), insn[8:12], insn[25:31], insn[7], insn[31]).as_signed(),
            Format.U: Cat(C(0, 12), insn[12:32]),
            Format.J: Cat(C(0, 1), insn[21:31], insn[20], insn[12:20], insn[31]).as_signed(),
        }
        rd = insn[7:12]

        m.d.comb += [
            out.rd.eq(rd),
            out.rs1.eq(insn[15:20]),
            out.rs2.eq(insn[20:25]),
            out.rs3.eq(insn[27:32]),
            out.funct3.eq(insn[12:15]),
        ]
        with m.Switch(insn):
            for desc in self._rows:
                with m.Case(desc.pattern()):
                    m.d.comb += [
                        out.legal.eq(1),
                        out.unit.eq(desc.unit),
                        out.alu_op.eq(desc.alu),
                        out.a_sel.eq(desc.a),
                        out.b_sel.eq(desc.b),
                        out.imm.eq(imm[desc.fmt]),
                        out.wb.eq((1 if desc.rd_fp else rd != 0) if desc.writes_rd else 0),
                        out.use_rs1.eq(desc.reads_rs1),
                        out.use_rs2.eq(desc.reads_rs2),
                        out.use_rs3.eq(desc.rs3),
                        out.uses_rm.eq(desc.uses_rm),
                    ]
                    # Float register operands are numbered 32-63.
                    for field, is_fp in ((out.rd, desc.rd_fp), (out.rs1, desc.rs1_fp),
                                         (out.rs2, desc.rs2_fp), (out.rs3, desc.rs3)):
                        if is_fp:
                            m.d.comb += field[5].eq(1)
                    if desc.fpu is not None:
                        m.d.comb += [
                            out.fpu_op.eq(desc.fpu),
                            out.fpu_pipe.eq(desc.latency is Latency.PIPELINED),
                            out.fpu_iter.eq(desc.latency is Latency.ITERATIVE),
                        ]
        return m
