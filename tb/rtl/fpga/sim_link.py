"""A serial link to a design simulated in Amaranth's simulator, for the host driver's code
(drivers/fpga.py) to talk to the bridge RTL: ``write`` queues bytes for the bridge's input stream,
``read`` advances the simulation until the bridge has sent enough bytes (or a cycle budget ran out,
like a serial port's timeout)."""

from collections import deque

from amaranth.sim import Simulator

__all__ = ["SimLink"]


class SimLink:
    """``dut`` is simulated with one clock; ``i``/``o`` are its host-side byte streams (``i`` into
    the design). ``on_cycle(ctx)``, if given, runs in the testbench every cycle (before the edge)
    to drive or watch other ports. ``timeout_cycles``: cycles ``read`` waits for one byte."""

    def __init__(self, dut, i, o, *, on_cycle=None, timeout_cycles=20000):
        self._to_dut, self._from_dut = deque(), deque()
        self._timeout = timeout_cycles
        self.cycles = 0
        self.sim = Simulator(dut)
        self.sim.add_clock(1e-6)

        async def pump(ctx):
            ctx.set(o.ready, 1)
            while True:
                if self._to_dut:
                    ctx.set(i.valid, 1)
                    ctx.set(i.payload, self._to_dut[0])
                else:
                    ctx.set(i.valid, 0)
                taken = bool(self._to_dut) and bool(ctx.get(i.ready))
                sent = ctx.get(o.payload) if ctx.get(o.valid) else None
                if on_cycle is not None:
                    on_cycle(ctx)
                await ctx.tick()
                self.cycles += 1
                if taken:
                    self._to_dut.popleft()
                if sent is not None:
                    self._from_dut.append(sent)

        self.sim.add_testbench(pump)

    def write(self, data):
        self._to_dut.extend(bytes(data))
        return len(data)

    def read(self, n):
        waited = 0
        while len(self._from_dut) < n and waited < self._timeout:
            before = self.cycles
            self.sim.advance()
            waited += self.cycles - before
        return bytes(self._from_dut.popleft() for _ in range(min(n, len(self._from_dut))))

    def run(self, cycles):
        """Let the design run ``cycles`` cycles with nothing sent."""
        end = self.cycles + cycles
        while self.cycles < end:
            self.sim.advance()
