"""Integer ALU of one lane (combinational) and the branch comparator."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.isa import AluOp

__all__ = [
    "Alu",
    "branch_taken",
]


class Alu(wiring.Component):
    """RV32I arithmetic and logic.

    Members
    -------
    op : In(AluOp)
    a, b : In(32)
        Operands (``b`` is the immediate for I-type instructions; shifts use ``b[0:5]``).
    result : Out(32)

    Latency: combinational.
    """

    op: In(AluOp)
    a: In(32)
    b: In(32)
    result: Out(32)

    def elaborate(self, platform):
        m = Module()
        a, b, shamt = self.a, self.b, self.b[0:5]
        with m.Switch(self.op):
            with m.Case(AluOp.ADD):
                m.d.comb += self.result.eq(a + b)
            with m.Case(AluOp.SUB):
                m.d.comb += self.result.eq(a - b)
            with m.Case(AluOp.SLL):
                m.d.comb += self.result.eq(a << shamt)
            with m.Case(AluOp.SLT):
                m.d.comb += self.result.eq(a.as_signed() < b.as_signed())
            with m.Case(AluOp.SLTU):
                m.d.comb += self.result.eq(a < b)
            with m.Case(AluOp.XOR):
                m.d.comb += self.result.eq(a ^ b)
            with m.Case(AluOp.SRL):
                m.d.comb += self.result.eq(a >> shamt)
            with m.Case(AluOp.SRA):
                m.d.comb += self.result.eq(a.as_signed() >> shamt)
            with m.Case(AluOp.OR):
                m.d.comb += self.result.eq(a | b)
            with m.Case(AluOp.AND):
                m.d.comb += self.result.eq(a & b)
        return m


def branch_taken(funct3, a, b):
    """The condition of a conditional branch with ``funct3`` on operands ``a`` and ``b``."""
    eq = a == b
    lt = a.as_signed() < b.as_signed()
    ltu = a < b
    return Array([eq, ~eq, C(0), C(0), lt, ~lt, ltu, ~ltu])[funct3]
