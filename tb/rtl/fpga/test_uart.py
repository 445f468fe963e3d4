"""The UART (rtl/fpga/uart.py): the transmitter's line into the receiver, random bytes back to back
at two divisors; a broken stop bit is reported and dropped; the divisor's checks."""

import numpy as np
import pytest
from amaranth import *
from amaranth.sim import Simulator

from simtlab.rtl.fpga.uart import UartRx, UartTx, uart_divisor

SEED = 20261206


class _Loop(Elaboratable):
    def __init__(self, divisor):
        self.tx, self.rx = UartTx(divisor=divisor), UartRx(divisor=divisor)
        self.cut = Signal()     # forces the line low (a broken frame)

    def elaborate(self, platform):
        m = Module()
        m.submodules.tx, m.submodules.rx = self.tx, self.rx
        m.d.comb += self.rx.rx.eq(self.tx.tx & ~self.cut)
        return m


@pytest.mark.parametrize("divisor", [4, 9])
def test_bytes_cross_the_line(divisor):
    rng = np.random.default_rng(SEED + divisor)
    sent = [int(b) for b in rng.integers(0, 256, size=40)]
    dut, got = _Loop(divisor), []

    async def bench(ctx):
        queue = list(sent)
        ctx.set(dut.rx.o.ready, 1)
        for _ in range(12 * divisor * (len(sent) + 2)):
            ctx.set(dut.tx.i.valid, bool(queue))
            if queue:
                ctx.set(dut.tx.i.payload, queue[0])
            taken = bool(queue) and ctx.get(dut.tx.i.ready)
            if ctx.get(dut.rx.o.valid):
                got.append(ctx.get(dut.rx.o.payload))
            assert not ctx.get(dut.rx.error)
            await ctx.tick()
            if taken:
                queue.pop(0)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert got == sent, f"seed {SEED + divisor}"


def test_a_low_stop_bit_is_an_error():
    divisor = 4
    dut, seen = _Loop(divisor), {"error": 0, "bytes": []}

    async def bench(ctx):
        ctx.set(dut.rx.o.ready, 1)
        ctx.set(dut.tx.i.payload, 0xFF)
        ctx.set(dut.tx.i.valid, 1)
        await ctx.tick()
        ctx.set(dut.tx.i.valid, 0)
        for cycle in range(14 * divisor):
            # Hold the line low over the stop bit (bit 9 of the frame).
            ctx.set(dut.cut, 9 * divisor <= cycle < 10 * divisor + 2)
            seen["error"] += ctx.get(dut.rx.error)
            if ctx.get(dut.rx.o.valid):
                seen["bytes"].append(ctx.get(dut.rx.o.payload))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert seen == {"error": 1, "bytes": []}


def test_divisor_checks():
    assert uart_divisor(25e6, 115200) == 217
    with pytest.raises(ValueError, match="at least 4x"):
        uart_divisor(300_000, 115200)
    with pytest.raises(ValueError, match="within 2 %"):
        uart_divisor(500_000, 115200)
