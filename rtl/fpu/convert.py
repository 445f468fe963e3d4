"""Conversion of binary32 to 32-bit integers: fcvt.w.s/fcvt.wu.s (execute stage, saturating).

The other direction, fcvt.s.w/fcvt.s.wu, is pipelined: the integer's magnitude goes through the
fused multiply-add's normaliser (rtl/fpu/fma.py) and the shared rounder."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import Flags
from .layouts import UnpackedFloat
from .round import round_increment

__all__ = [
    "FloatToInt",
]


class FloatToInt(wiring.Component):
    """fcvt.w.s (``signed``) and fcvt.wu.s: round ``a`` to an integer in mode ``rm``, saturating.

    Out-of-range values, infinities and NaNs raise NV (not NX) and give the RISC-V saturation
    value: int32 0x7FFF_FFFF for NaN and too large, 0x8000_0000 for too negative; uint32
    0xFFFF_FFFF for NaN and too large, 0 for negative values that round to a nonzero integer (a
    negative value that rounds to 0 gives 0 with NX only). In-range inexact results raise NX.

    The significand is placed at the top of a 64-bit word and shifted right by ``31 - exp`` into a
    32.32 fixed-point value (no bit is lost for ``exp >= -1``; smaller magnitudes are below one
    half and only set the sticky bit), so the integer, guard and sticky bits come from one 64-bit
    right shift.

    Members
    -------
    signed : In(1)
    rm : In(3)
    a : In(UnpackedFloat)
        The operand, unpacked by the FPU; subnormals need not be normalised (they are below one
        half either way).
    result : Out(32)
    flags : Out(5)

    Latency: combinational (inside the FPU it runs from the stage-1 registers). Resources: a 64-bit
    right shifter, a 33-bit incrementer, a 32-bit negation.
    """

    signed: In(1)
    rm: In(3)
    a: In(UnpackedFloat)
    result: Out(32)
    flags: Out(5)

    def elaborate(self, platform):
        m = Module()
        u = self.a

        amount = Signal(6)
        fixed = Signal(64)
        m.d.comb += [
            amount.eq(31 - u.exp),
            fixed.eq(Cat(Const(0, 40), u.sig) >> amount),
        ]
        small = u.exp < -1                      # magnitude below one half: sticky only
        big = u.exp > 31                        # beyond every 32-bit integer
        integer = Mux(small, 0, fixed[32:64])
        guard = ~small & fixed[31]
        sticky = small | (fixed[0:31] != 0)
        inexact = ~u.zero & (guard | sticky)
        rounded = Signal(33)
        m.d.comb += rounded.eq(
            integer + (~u.zero & round_increment(self.rm, u.sign, integer[0], guard, sticky)))

        negative = u.sign & ~u.nan
        limit_ok = Mux(self.signed,
                       Mux(negative, rounded <= 0x8000_0000, rounded <= 0x7FFF_FFFF),
                       ~negative | (rounded == 0))
        valid = ~u.nan & ~u.inf & ~big & ~u.zero & limit_ok
        with m.If(u.zero):
            m.d.comb += self.result.eq(0)
        with m.Elif(valid):
            m.d.comb += [
                self.result.eq(Mux(negative, -rounded[0:32], rounded[0:32])),
                self.flags.eq(Mux(inexact, Flags.NX, 0)),
            ]
        with m.Else():
            m.d.comb += [
                self.result.eq(Mux(self.signed, Mux(negative, 0x8000_0000, 0x7FFF_FFFF),
                                   Mux(negative, 0, 0xFFFF_FFFF))),
                self.flags.eq(Flags.NV),
            ]
        return m
