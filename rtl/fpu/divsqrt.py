"""fdiv.s and fsqrt.s: the FPU's iterative unit, one quotient or root bit per cycle."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import FpuOp
from .layouts import EXP_SHAPE, RoundRequest
from .unpack import unpack

__all__ = [
    "DivSqrt",
]


class DivSqrt(wiring.Component):
    """Correctly rounded ``a / b`` (op DIV) and ``sqrt(a)`` (op SQRT), restoring, radix 2.

    At ``start`` the operands are registered; in the next cycle they are unpacked (subnormals
    normalised) and the special cases decided (NaN in -> canonical NaN, NV for a signaling NaN, 0/0,
    inf/inf and the root of a negative number; DZ and infinity for finite/0; exact zeros and
    infinities). Then 25 cycles each produce one bit of a 25-bit quotient or root (24 significand
    bits and a guard bit) with a narrow compare-and-subtract (26-bit remainder for division, 28-bit
    for the root); the nonzero remainder is the sticky bit. Then the unit asks for a rounder
    (``round``; the FPU's own, or a private one) and registers its output in the first cycle it is
    granted (``grant``), so ``result``/``flags`` come straight from registers while ``done``.

    * Division: ``a.sig / b.sig`` lies in (1/2, 2); the dividend is doubled when it is the smaller,
      so the first quotient bit is always 1.
    * Square root: an odd exponent doubles the significand; the root of ``sig * 2**25`` (a 50-bit
      radicand consumed two bits per cycle) has 25 bits. Roots never overflow or underflow.

    Members
    -------
    start : In(1)
        Begin ``op`` (DIV or SQRT) on ``a``, ``b`` in mode ``rm``; sampled only while ``busy`` and
        ``done`` are low.
    op : In(FpuOp)
    rm : In(3)
    a, b : In(32)
    busy : Out(1)
    done : Out(1)
        ``result`` and ``flags`` are valid; held until ``ack``.
    ack : In(1)
        The result was taken; the unit is free from the next cycle.
    result : Out(32)
    flags : Out(5)
    round : Out(1)
        The quotient or root is ready for rounding: ``req`` and ``req_rm`` are valid.
    req : Out(RoundRequest)
    req_rm : Out(3)
    grant : In(1)
        The FPU's rounder rounds ``req`` in this cycle: ``rounded``/``rounded_flags`` are its
        output, registered as the result at this edge.
    rounded : In(32)
    rounded_flags : In(5)

    Latency: ``latency`` = 28 cycles from the ``start`` cycle to the first ``done`` cycle (an
    unpacking cycle, 25 iterations and a rounding cycle) when ``grant`` comes at once, for every
    operand, special cases included. Throughput: one operation at a time; the next ``start`` is
    accepted in the cycle after ``ack``. Resources: a 28-bit subtractor, two 24-bit normalisers.

    Rationale: nothing but the operand registers depends on the inputs, and only the state register
    is reset, so in a clock domain that runs only while the unit works (the FPU's
    ``clock_gating``) an idle unit costs a simulator nothing.
    """

    latency = 28
    _STEPS = 25

    start: In(1)
    op: In(FpuOp)
    rm: In(3)
    a: In(32)
    b: In(32)
    busy: Out(1)
    done: Out(1)
    ack: In(1)
    result: Out(32)
    flags: Out(5)
    round: Out(1)
    req: Out(RoundRequest)
    req_rm: Out(3)
    grant: In(1)
    rounded: In(32)
    rounded_flags: In(5)

    def elaborate(self, platform):
        m = Module()

        # Only the state register is reset: logic that reads the reset would be evaluated by a
        # simulator in every cycle, even with the unit's clock stopped.
        operand_a = Signal(32, reset_less=True)
        operand_b = Signal(32, reset_less=True)
        is_sqrt = Signal(reset_less=True)
        rm = Signal(3, reset_less=True)
        sign = Signal(reset_less=True)
        exp = Signal(EXP_SHAPE, reset_less=True)
        divisor = Signal(24, reset_less=True)
        radicand = Signal(50, reset_less=True)   # square root: remaining bit pairs, top first
        remainder = Signal(28, reset_less=True)
        root = Signal(25, reset_less=True)    # quotient or root bits so far
        count = Signal(range(self._STEPS + 1), reset_less=True)
        special = Signal(reset_less=True)     # the special-case fields of the rounder's request
        nan = Signal(reset_less=True)
        inf = Signal(reset_less=True)
        invalid = Signal(reset_less=True)
        div_zero = Signal(reset_less=True)
        result = Signal(32, reset_less=True)
        flags = Signal(5, reset_less=True)

        m.d.comb += [
            self.req.sign.eq(sign),
            self.req.exp.eq(exp),
            self.req.sig.eq(root),
            self.req.sticky.eq(remainder != 0),
            self.req.special.eq(special),
            self.req.nan.eq(nan),
            self.req.inf.eq(inf),
            self.req.invalid.eq(invalid),
            self.req.div_zero.eq(div_zero),
            self.req_rm.eq(rm),
            self.result.eq(result),
            self.flags.eq(flags),
        ]

        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.sync += [
                        operand_a.eq(self.a),
                        operand_b.eq(self.b),
                        is_sqrt.eq(self.op == FpuOp.SQRT),
                        rm.eq(self.rm),
                    ]
                    m.next = "Prepare"

            with m.State("Prepare"):
                m.d.comb += self.busy.eq(1)
                x = unpack(m, operand_a, name="x")
                y = unpack(m, operand_b, name="y")
                smaller = x.sig < y.sig
                odd = x.exp[0]
                m.d.sync += [
                    root.eq(0),
                    count.eq(self._STEPS),
                    divisor.eq(y.sig),
                    special.eq(1),
                    nan.eq(0),
                    inf.eq(0),
                    invalid.eq(0),
                    div_zero.eq(0),
                ]
                with m.If(is_sqrt):
                    m.d.sync += [
                        sign.eq(0),
                        exp.eq((x.exp - odd) >> 1),
                        remainder.eq(0),
                        radicand.eq(Mux(odd, Cat(Const(0, 26), x.sig),
                                        Cat(Const(0, 25), x.sig, Const(0, 1)))),
                    ]
                    with m.If(x.nan | (x.sign & ~x.zero)):
                        m.d.sync += [nan.eq(1), invalid.eq(x.snan | ~x.nan)]
                    with m.Elif(x.zero | x.inf):
                        m.d.sync += [sign.eq(x.sign), inf.eq(x.inf)]     # the operand itself
                    with m.Else():
                        m.d.sync += special.eq(0)
                with m.Else():
                    m.d.sync += [
                        sign.eq(x.sign ^ y.sign),
                        exp.eq(x.exp - y.exp - smaller),
                        remainder.eq(Mux(smaller, Cat(Const(0, 1), x.sig), x.sig)),
                    ]
                    undefined = (x.inf & y.inf) | (x.zero & y.zero)
                    with m.If(x.nan | y.nan | undefined):
                        m.d.sync += [nan.eq(1), invalid.eq(x.snan | y.snan | undefined)]
                    with m.Elif(x.inf | y.zero):
                        m.d.sync += [inf.eq(1), div_zero.eq(~x.inf)]
                    with m.Elif(x.zero | y.inf):
                        pass            # a signed zero
                    with m.Else():
                        m.d.sync += special.eq(0)
                m.next = "Iterate"

            with m.State("Iterate"):
                m.d.comb += self.busy.eq(1)
                # One step: compare the partial remainder with the divisor (division) or with
                # 4 * root + 1 (square root, after bringing down the next radicand bit pair).
                current = Mux(is_sqrt, Cat(radicand[48:50], remainder[0:26]), remainder)
                trial = Mux(is_sqrt, Cat(Const(1, 2), root[0:24]), divisor)
                fits = current >= trial
                reduced = Signal(28)
                m.d.comb += reduced.eq(Mux(fits, current - trial, current))
                m.d.sync += [
                    remainder.eq(Mux(is_sqrt, reduced, reduced << 1)),
                    radicand.eq(radicand << 2),
                    root.eq(Cat(fits, root[0:24])),
                    count.eq(count - 1),
                ]
                with m.If(count == 1):
                    m.next = "Round"

            with m.State("Round"):
                m.d.comb += [self.busy.eq(1), self.round.eq(1)]
                with m.If(self.grant):
                    m.d.sync += [result.eq(self.rounded), flags.eq(self.rounded_flags)]
                    m.next = "Done"

            with m.State("Done"):
                m.d.comb += self.done.eq(1)
                with m.If(self.ack):
                    m.next = "Idle"
        return m
