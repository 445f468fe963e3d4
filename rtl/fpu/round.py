"""Normalisation and IEEE 754 rounding of binary32 results: the last step of every arithmetic FPU
operation (the pipelined stage 2, and the end of divide/square root)."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import CANONICAL_NAN, Flags, RoundingMode
from .layouts import RoundRequest

__all__ = [
    "Rounder",
    "normalize",
    "round_increment",
]


def normalize(m, value, *, name):
    """Shift ``value`` left until its top bit is set, in log2 steps (16, 8, 4, 2, 1 for 24 bits;
    32 ... 1 for 64), each a constant shift and a 2-way select of the full width. Returns the
    shifted value and the shift count (Signals). For a zero ``value`` the count is meaningless.

    Every step keeps the width (no growth past 64 bits), so Verilator evaluates plain words.
    """
    width = len(value)
    step = 1
    while step * 2 < width:
        step *= 2
    cur = value
    count = []
    while step >= 1:
        top_zero = Signal(name=f"{name}_z{step}")
        nxt = Signal(width, name=f"{name}_s{step}")
        m.d.comb += [
            top_zero.eq(cur[width - step:] == 0),
            nxt.eq(Mux(top_zero, Cat(Const(0, step), cur[:width - step]), cur)),
        ]
        count.append(top_zero)
        cur = nxt
        step //= 2
    shift = Signal(len(count), name=f"{name}_count")
    m.d.comb += shift.eq(Cat(*reversed(count)))
    return cur, shift


def round_increment(rm, sign, lsb, guard, sticky):
    """Whether rounding in mode ``rm`` adds one unit in the last place (an expression)."""
    return Mux(rm == RoundingMode.RNE, guard & (sticky | lsb),
           Mux(rm == RoundingMode.RDN, sign & (guard | sticky),
           Mux(rm == RoundingMode.RUP, ~sign & (guard | sticky),
           Mux(rm == RoundingMode.RMM, guard, 0))))


class Rounder(wiring.Component):
    """Rounds a :class:`~.layouts.RoundRequest` ``i`` to binary32 in mode ``rm``: the value
    ``(-1)**sign * (sig + f) * 2**(exp - 24)`` (``sig[24]`` set, ``f`` in [0, 1), nonzero iff
    ``sticky``), or the special value the request names.

    The result is the correctly rounded value with SoftFloat's RISC-V flags: NX when inexact;
    OF (with NX) when the rounded magnitude exceeds the largest finite number, giving infinity or the
    largest finite number by mode; UF when the result is tiny *after rounding* (it would be below
    2**-126 if rounded with an unbounded exponent) and inexact. Subnormal results are made by a right
    shift of ``sig`` with the shifted-out bits jammed into the sticky bit, then the same rounding;
    a carry out of the significand moves into the exponent field (subnormal -> normal, normal ->
    next binade or infinity) by plain addition of the packed fields. Special requests give the
    canonical NaN, a signed infinity or a signed zero with NV/DZ as requested.

    Members
    -------
    i : In(RoundRequest)
    rm : In(3)
        RNE, RTZ, RDN, RUP, RMM (0-4).
    result : Out(32)
    flags : Out(5)

    Latency: combinational. Resources: a 25-bit right shifter, a 31-bit incrementer.
    """

    i: In(RoundRequest)
    rm: In(3)
    result: Out(32)
    flags: Out(5)

    def elaborate(self, platform):
        m = Module()
        rm, sign, sig = self.rm, self.i.sign, self.i.sig

        biased = Signal(signed(12))
        m.d.comb += biased.eq(self.i.exp + 127)
        tiny_range = biased < 1     # below the normal range before rounding

        # Tininess after rounding (SoftFloat): a biased exponent of 0 escapes only if rounding the
        # significand at *normal* precision carries into 2**-126.
        carry_n = sig[1:25].all() & round_increment(rm, sign, sig[1], sig[0], self.i.sticky)
        tiny = tiny_range & ((biased < 0) | ~carry_n)

        # Subnormal: shift right by 1 - biased (25 or more shifts everything into sticky).
        amount = Signal(5)
        keep = Signal(5)        # 25 - amount: the mask of the shifted-out bits is ones >> keep
        m.d.comb += [
            amount.eq(Mux(~tiny_range, 0, Mux(biased < -24, 25, 1 - biased))),
            keep.eq(25 - amount),
        ]
        shifted = Signal(25)
        lost = Signal()
        m.d.comb += [
            shifted.eq(sig >> amount),
            lost.eq((sig & (Const(0x1FF_FFFF, 25) >> keep)) != 0),
        ]
        kept = shifted[1:25]
        guard = shifted[0]
        sticky = self.i.sticky | lost
        inexact = guard | sticky
        increment = round_increment(rm, sign, kept[0], guard, sticky)

        # Pack as (biased - 1) << 23 + kept: the hidden bit adds the missing 1 to the exponent field,
        # and a carry from the increment propagates into it.
        field = Mux(tiny_range, 0, biased - 1)[0:8]
        body = Signal(31)
        m.d.comb += body.eq(Cat(Const(0, 23), field) + kept + increment)
        overflow = (biased >= 255) | body[23:31].all()

        # On overflow: infinity when rounding away from zero, else the largest finite number.
        to_inf = Mux(rm == RoundingMode.RTZ, 0,
                 Mux(rm == RoundingMode.RDN, sign,
                 Mux(rm == RoundingMode.RUP, ~sign, 1)))
        with m.If(self.i.special):
            m.d.comb += [
                self.result.eq(Mux(self.i.nan, CANONICAL_NAN,
                                   Cat(Mux(self.i.inf, 0x7F80_0000, 0)[0:31], sign))),
                self.flags.eq(Cat(Const(0, 3), self.i.div_zero, self.i.invalid)),
            ]
        with m.Elif(overflow):
            m.d.comb += [
                self.result.eq(Cat(Mux(to_inf, 0x7F80_0000, 0x7F7F_FFFF)[0:31], sign)),
                self.flags.eq(Flags.OF | Flags.NX),
            ]
        with m.Else():
            m.d.comb += [
                self.result.eq(Cat(body, sign)),
                self.flags.eq(Cat(inexact, tiny & inexact, Const(0, 3))),
            ]
        return m
