"""Stage 1 of the FPU's pipelined arithmetic: the fused multiply-add datapath up to the rounder
(fadd, fsub, fmul, fmadd, fmsub, fnmsub, fnmadd; fcvt.s.w/fcvt.s.wu use its normaliser)."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import FpuOp, RoundingMode
from .layouts import EXP_SHAPE, RoundRequest, UnpackedFloat
from .round import normalize

__all__ = [
    "Fma",
]


class Fma(wiring.Component):
    """``(-1)**np * a * b + (-1)**nc * c`` exactly, normalised and ready for one rounding.

    fadd/fsub are ``a * 1.0 +/- b``, fmul is ``a * b + 0`` with the zero given the product's sign
    (so an exact zero product keeps its sign in every rounding mode). The output is a
    :class:`~.layouts.RoundRequest`: 25 significand bits and a sticky bit of the exact result, or a
    special value for NaNs (always the canonical NaN; NV for any signaling NaN, inf * 0, and
    inf - inf, as SoftFloat), infinities and exact zeros (``+0`` for an exact cancellation, ``-0`` in
    RDN; a sum of two zeros keeps their common sign).

    Datapath (every value at most 64 bits wide)
    -------------------------------------------
    1. Take the three operands unpacked, subnormals normalised (so every nonzero significand has
       its top bit set).
    2. One 24x24 -> 48-bit multiply, a single ``*`` (one DSP cascade on an FPGA).
    3. Align: whichever of the product and the addend has the larger exponent is the *anchor*,
       placed at bits 50..3 (product, 48 bits) or 50..27 (addend, 24 bits) of a 52-bit window. The
       other is shifted right; bits that fall off the window are ORed into bit 0 (jamming). The
       window is wide enough: a far operand (anything jammed) can cancel at most two leading bits,
       so the rounding position stays at least two bits above the jammed bit, which then acts as a
       correct sticky bit for addition and subtraction alike; operands close enough to cancel
       massively lie completely in the window and are added exactly.
    4. Add or subtract (the magnitude; a negative difference flips the sign).
    5. Normalise with a 6-step leading-zero shifter over 64 bits.

    fcvt.s.w/fcvt.s.wu share the final normaliser: the integer's magnitude enters the sum's place.

    Members
    -------
    op : In(FpuOp)
    rm : In(3)
        Only for the sign of an exact zero.
    a, b, c : In(UnpackedFloat)
        rs1, rs2, rs3, unpacked by the FPU (one set of input normalisers for every block).
    i : In(32)
        The integer operand of fcvt.s.w/fcvt.s.wu (the raw rs1).
    o : Out(RoundRequest)

    Latency: combinational (the FPU registers ``o`` at the end of stage 1). Resources: one 24x24
    multiplier, a 51-bit right shifter, three 52-bit adders, a 64-bit normaliser, a 32-bit negation.
    """

    op: In(FpuOp)
    rm: In(3)
    a: In(UnpackedFloat)
    b: In(UnpackedFloat)
    c: In(UnpackedFloat)
    i: In(32)
    o: Out(RoundRequest)

    def elaborate(self, platform):
        m = Module()
        op = self.op
        add_sub = (op == FpuOp.ADD) | (op == FpuOp.SUB)
        is_mul = op == FpuOp.MUL
        to_float = (op == FpuOp.CVT_S_W) | (op == FpuOp.CVT_S_WU)
        negate_c = (op == FpuOp.SUB) | (op == FpuOp.MSUB) | (op == FpuOp.NMADD)
        negate_p = (op == FpuOp.NMSUB) | (op == FpuOp.NMADD)

        # Operands: x * y + z. fadd/fsub multiply by 1.0; fmul adds a zero.
        x = self.a
        y = Signal(UnpackedFloat)
        z = Signal(UnpackedFloat)
        with m.If(add_sub):
            m.d.comb += [y.sig.eq(1 << 23), z.eq(self.b)]       # y = 1.0
        with m.Elif(is_mul):
            m.d.comb += [y.eq(self.b), z.zero.eq(1)]
        with m.Else():
            m.d.comb += [y.eq(self.b), z.eq(self.c)]
        p_sign = Signal()
        z_sign = Signal()
        m.d.comb += [
            p_sign.eq(x.sign ^ y.sign ^ negate_p),
            z_sign.eq(Mux(is_mul, p_sign, z.sign ^ negate_c)),
        ]

        # The product: value product * 2**(p_exp - 47), bit 47 has weight 2**p_exp.
        product = Signal(48)
        p_exp = Signal(EXP_SHAPE)
        m.d.comb += [
            product.eq(x.sig * y.sig),
            p_exp.eq(x.exp + y.exp + 1),
        ]

        # Alignment in a 52-bit window (bit 51 catches the carry of an addition).
        p_zero = x.zero | y.zero
        diff = Signal(signed(12))
        c_anchor = Signal()
        amount = Signal(6)
        keep = Signal(6)
        m.d.comb += [
            diff.eq(p_exp - z.exp),
            c_anchor.eq(Mux(p_zero, 1, Mux(z.zero, 0, diff < 0))),
            amount.eq(Mux(Mux(c_anchor, -diff, diff) > 51, 51, Mux(c_anchor, -diff, diff))),
            keep.eq(51 - amount),
        ]
        p_window = Cat(Const(0, 3), product)
        z_window = Cat(Const(0, 27), z.sig)
        anchor = Signal(51)
        other = Signal(51)
        aligned = Signal(51)
        m.d.comb += [
            anchor.eq(Mux(c_anchor, z_window, p_window)),
            other.eq(Mux(c_anchor, p_window, z_window)),
            aligned.eq((other >> amount) |
                       ((other & (Const(2**51 - 1, 51) >> keep)) != 0)),
        ]

        # Add or subtract magnitudes.
        subtract = p_sign ^ z_sign
        total = Signal(52)
        difference = Signal(52)
        negative = difference[51]
        magnitude = Signal(52)
        m.d.comb += [
            total.eq(anchor + aligned),
            difference.eq(anchor - aligned),
            magnitude.eq(Mux(subtract, Mux(negative, aligned - anchor, difference), total)),
        ]
        # fcvt.s.w[u]: the integer's magnitude at bits 31..0, whose bit 50 would weigh 2**50.
        int_negative = (op == FpuOp.CVT_S_W) & self.i[31]
        int_magnitude = Signal(32)
        m.d.comb += int_magnitude.eq(Mux(int_negative, -self.i, self.i))
        sum_bits = Signal(52)
        m.d.comb += sum_bits.eq(Mux(to_float, int_magnitude, magnitude))

        # Normalise: leading one to bit 63, exponent of that bit.
        normalized, shift = normalize(m, Cat(Const(0, 12), sum_bits), name="sum_norm")
        m.d.comb += [
            self.o.sign.eq(Mux(to_float, int_negative,
                               Mux(c_anchor, z_sign, p_sign) ^ (subtract & negative))),
            self.o.exp.eq(Mux(to_float, 50, Mux(c_anchor, z.exp, p_exp)) + 1 - shift),
            self.o.sig.eq(normalized[39:64]),
            self.o.sticky.eq(normalized[0:39] != 0),
        ]

        # Special cases: exact results that bypass the rounding.
        p_inf = (x.inf | y.inf) & ~x.nan & ~y.nan
        mul_invalid = (x.inf & y.zero) | (x.zero & y.inf)
        add_invalid = p_inf & z.inf & subtract
        rdn = self.rm == RoundingMode.RDN
        with m.If(to_float):
            m.d.comb += self.o.special.eq(int_magnitude == 0)
        with m.Elif(x.nan | y.nan | z.nan | mul_invalid | add_invalid):
            m.d.comb += self.o.invalid.eq(x.snan | y.snan | z.snan | mul_invalid | add_invalid)
            m.d.comb += [self.o.special.eq(1), self.o.nan.eq(1)]
        with m.Elif(p_inf | z.inf):
            m.d.comb += [
                self.o.special.eq(1),
                self.o.inf.eq(1),
                self.o.sign.eq(Mux(p_inf, p_sign, z_sign)),
            ]
        with m.Elif(p_zero & z.zero):
            m.d.comb += [self.o.special.eq(1), self.o.sign.eq(Mux(subtract, rdn, p_sign))]
        with m.Elif(magnitude == 0):
            m.d.comb += [self.o.special.eq(1), self.o.sign.eq(rdn)]
        return m
