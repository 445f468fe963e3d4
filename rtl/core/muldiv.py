"""The M extension: a single-cycle multiplier and an iterative divider for one lane."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "Multiplier",
    "Divider",
]


class Multiplier(wiring.Component):
    """mul, mulh, mulhsu, mulhu (selected by ``funct3`` 0-3).

    Members
    -------
    funct3 : In(2)
    a, b : In(32)
    result : Out(32)

    Latency: combinational; the core registers the product at the end of execute, so a dependent
    instruction issues back to back. Resources: one 32x32 unsigned multiplier, two subtractors.
    """

    latency = 0

    funct3: In(2)
    a: In(32)
    b: In(32)
    result: Out(32)

    def elaborate(self, platform):
        m = Module()
        # One unsigned 32x32 -> 64 product, then the signed high words by correction:
        # hi(signed a) = hi(unsigned) - (a < 0 ? b : 0), and likewise for b. This keeps the product
        # 64 bits wide (a native word in Verilator, one DSP cascade on an FPGA).
        a_signed = (self.funct3 == 1) | (self.funct3 == 2)     # mulh, mulhsu
        b_signed = self.funct3 == 1                            # mulh
        product = Signal(64)
        high = Signal(32)
        m.d.comb += [
            product.eq(self.a * self.b),
            high.eq(product[32:64]
                    - Mux(a_signed & self.a[31], self.b, 0)
                    - Mux(b_signed & self.b[31], self.a, 0)),
            self.result.eq(Mux(self.funct3 == 0, product[0:32], high)),
        ]
        return m


class Divider(wiring.Component):
    """div, divu, rem, remu (selected by ``funct3`` 4-7), restoring division, ``BITS_PER_CYCLE``
    quotient bits per cycle (that many subtract-and-select steps chained in one cycle).

    Members
    -------
    start : In(1)
        Begin a division of ``a`` by ``b``; sampled only while ``busy`` and ``done`` are low.
    funct3 : In(3)
    a, b : In(32)
    busy : Out(1)
    done : Out(1)
        ``result`` is valid; held until ``ack``.
    ack : In(1)
        The result was taken; the divider is free from the next cycle.
    result : Out(32)

    Latency: ``32 / BITS_PER_CYCLE + 1`` cycles (33) from ``start`` to ``done``, division by zero
    too. Throughput: one division at a time. More bits per cycle cut the latency (2: 17 cycles,
    4: 9 cycles) but cost simulation speed (every lane's chained steps are evaluated every cycle:
    about 25% slower at 4x4 with 4) and FPGA timing. RISC-V's special cases hold: x/0 = -1 (all ones unsigned), x%0 = x, -2**31 / -1 = -2**31,
    -2**31 % -1 = 0.
    """

    BITS_PER_CYCLE = 1      # a power of two up to 32
    latency = 32 // BITS_PER_CYCLE + 1

    start: In(1)
    funct3: In(3)
    a: In(32)
    b: In(32)
    busy: Out(1)
    done: Out(1)
    ack: In(1)
    result: Out(32)

    def elaborate(self, platform):
        m = Module()

        signed = ~self.funct3[0]
        want_rem = self.funct3[1]
        a_neg = signed & self.a[31]
        b_neg = signed & self.b[31]

        quotient = Signal(32)
        remainder = Signal(33)
        divisor = Signal(32)
        count = Signal(range(32 // self.BITS_PER_CYCLE + 1))
        negate_q = Signal()
        negate_r = Signal()
        is_rem = Signal()
        by_zero = Signal()
        dividend = Signal(32)   # kept for x % 0 = x

        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.sync += [
                        quotient.eq(Mux(a_neg, -self.a, self.a)),
                        remainder.eq(0),
                        divisor.eq(Mux(b_neg, -self.b, self.b)),
                        count.eq(32 // self.BITS_PER_CYCLE),
                        negate_q.eq(a_neg ^ b_neg),
                        negate_r.eq(a_neg),
                        is_rem.eq(want_rem),
                        by_zero.eq(self.b == 0),
                        dividend.eq(self.a),
                    ]
                    m.next = "Divide"
            with m.State("Divide"):
                m.d.comb += self.busy.eq(1)
                # Per step: shift the next dividend bit into the partial remainder; subtract if it
                # fits. BITS_PER_CYCLE steps are chained combinationally.
                rem, quo = remainder, quotient
                for _ in range(self.BITS_PER_CYCLE):
                    shifted = Cat(quo[31], rem[0:32])
                    diff = shifted - divisor
                    fits = ~diff[32]
                    rem = Mux(fits, diff, shifted)[0:33]
                    quo = Cat(fits, quo[0:31])
                m.d.sync += [remainder.eq(rem), quotient.eq(quo), count.eq(count - 1)]
                with m.If(count == 1):
                    m.next = "Done"
            with m.State("Done"):
                m.d.comb += self.done.eq(1)
                q = Mux(negate_q, -quotient, quotient)
                r = Mux(negate_r, -remainder[0:32], remainder[0:32])
                with m.If(by_zero):
                    m.d.comb += self.result.eq(Mux(is_rem, dividend, 0xFFFF_FFFF))
                with m.Else():
                    m.d.comb += self.result.eq(Mux(is_rem, r, q))
                with m.If(self.ack):
                    m.next = "Idle"
        return m
