"""The FPU's execute-stage operations that need no rounding: comparisons, fmin/fmax, sign
injection, fclass and moves."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import CANONICAL_NAN, Flags, FpuOp

__all__ = [
    "Compare",
]


class Compare(wiring.Component):
    """feq/flt/fle, fmin/fmax, fsgnj/fsgnjn/fsgnjx, fclass, fmv.x.w/fmv.w.x.

    * feq is quiet (NV only for a signaling NaN operand); flt and fle are signaling (NV for any
      NaN operand); a NaN operand makes them 0. ``-0 == +0``.
    * fmin/fmax are IEEE 754-2019 minimumNumber/maximumNumber: a NaN operand is ignored, two NaNs
      give the canonical NaN, ``-0 < +0``, and any signaling NaN raises NV.
    * Sign injection and moves pass the bit pattern through (NaN payloads included), no flags.
    * fclass gives the 10-bit one-hot class mask.

    All comparisons work on the raw patterns (sign-magnitude order), without unpacking.

    Members
    -------
    op : In(FpuOp)
    a, b : In(32)
    result : Out(32)
    flags : Out(5)
        NV or nothing.

    Latency: combinational (inside the FPU it runs from the stage-1 registers). Resources: one
    31-bit magnitude comparator, one 31-bit equality comparator.
    """

    op: In(FpuOp)
    a: In(32)
    b: In(32)
    result: Out(32)
    flags: Out(5)

    def elaborate(self, platform):
        m = Module()
        a, b = self.a, self.b

        def classify(bits):
            exp_ones = bits[23:31].all()
            nan = exp_ones & (bits[0:23] != 0)
            return nan, nan & ~bits[22]

        a_nan, a_snan = classify(a)
        b_nan, b_snan = classify(b)
        any_nan = a_nan | b_nan
        both_zero = (a[0:31] == 0) & (b[0:31] == 0)
        mag_less = a[0:31] < b[0:31]
        mag_equal = a[0:31] == b[0:31]
        # Total order of non-NaN values with -0 < +0.
        less = Signal()
        m.d.comb += less.eq(Mux(a[31] != b[31], a[31],
                            Mux(a[31], ~mag_less & ~mag_equal, mag_less)))
        equal = (a == b) | both_zero
        ieee_less = less & ~both_zero

        # fclass.
        exp = a[23:31]
        frac_zero = a[0:23] == 0
        sub_or_zero = exp == 0
        normal = ~sub_or_zero & ~exp.all()
        inf = exp.all() & frac_zero
        zero = sub_or_zero & frac_zero
        subnormal = sub_or_zero & ~frac_zero
        sign = a[31]
        fclass = Cat(sign & inf, sign & normal, sign & subnormal, sign & zero,
                     ~sign & zero, ~sign & subnormal, ~sign & normal, ~sign & inf,
                     a_snan, a_nan & a[22])

        with m.Switch(self.op):
            with m.Case(FpuOp.SGNJ):
                m.d.comb += self.result.eq(Cat(a[0:31], b[31]))
            with m.Case(FpuOp.SGNJN):
                m.d.comb += self.result.eq(Cat(a[0:31], ~b[31]))
            with m.Case(FpuOp.SGNJX):
                m.d.comb += self.result.eq(Cat(a[0:31], a[31] ^ b[31]))
            with m.Case(FpuOp.MIN, FpuOp.MAX):
                pick_b = Mux(self.op == FpuOp.MAX, less, ~less)
                with m.If(a_nan & b_nan):
                    m.d.comb += self.result.eq(CANONICAL_NAN)
                with m.Elif(a_nan | (~b_nan & pick_b)):
                    m.d.comb += self.result.eq(b)
                with m.Else():
                    m.d.comb += self.result.eq(a)
                m.d.comb += self.flags.eq(Mux(a_snan | b_snan, Flags.NV, 0))
            with m.Case(FpuOp.EQ):
                m.d.comb += [
                    self.result.eq(~any_nan & equal),
                    self.flags.eq(Mux(a_snan | b_snan, Flags.NV, 0)),
                ]
            with m.Case(FpuOp.LT):
                m.d.comb += [
                    self.result.eq(~any_nan & ieee_less),
                    self.flags.eq(Mux(any_nan, Flags.NV, 0)),
                ]
            with m.Case(FpuOp.LE):
                m.d.comb += [
                    self.result.eq(~any_nan & (ieee_less | equal)),
                    self.flags.eq(Mux(any_nan, Flags.NV, 0)),
                ]
            with m.Case(FpuOp.CLASS):
                m.d.comb += self.result.eq(fclass)
            with m.Default():     # fmv.x.w, fmv.w.x
                m.d.comb += self.result.eq(a)
        return m
