"""Instruction decoder: one 32-bit instruction word in, its control signals out (combinational).

Generated from the table in ``isa.py``: each row becomes one case pattern.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .isa import INSTRUCTIONS, AluOp, Format, OperandA, OperandB, Unit

__all__ = [
    "DecodedLayout",
    "Decoder",
]


#: Control signals of one decoded instruction.
DecodedLayout = data.StructLayout({
    "legal": 1,          #: the word is an instruction this core executes
    "unit": Unit,
    "alu_op": AluOp,
    "a_sel": OperandA,
    "b_sel": OperandB,
    "rd": 5,
    "rs1": 5,
    "rs2": 5,
    "wb": 1,             #: writes rd (never set for rd = x0)
    "use_rs1": 1,
    "use_rs2": 1,
    "funct3": 3,
    "imm": 32,
})


class Decoder(wiring.Component):
    """Combinational RV32IM + Zicsr + Vortex ``tmc`` decoder.

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

    Latency: combinational. Resources: one pattern match per table row.
    """

    insn: In(32)
    out: Out(DecodedLayout)

    def __init__(self, *, muldiv=True):
        self._rows = [d for d in INSTRUCTIONS if muldiv or d.unit not in (Unit.MUL, Unit.DIV)]
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
                        out.wb.eq((rd != 0) if desc.writes_rd else 0),
                        out.use_rs1.eq(desc.reads_rs1),
                        out.use_rs2.eq(desc.reads_rs2),
                    ]
        return m
