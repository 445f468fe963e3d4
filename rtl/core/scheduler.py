"""Round-robin arbiter: picks one warp per cycle from those that are ready.

Used twice in the core: to choose which warp fetches (``fetch.py``) and which warp's next instruction
issues into decode (``core.py``).
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "RoundRobin",
]


class RoundRobin(wiring.Component):
    """Round-robin choice among ``count`` requesters.

    Policy: the search starts at the requester after the last one granted, so every ready warp is
    granted within ``count`` grants (no starvation); with one ready warp it is granted every cycle.

    Members
    -------
    ready : In(count)
        Requesters that can go this cycle.
    valid : Out(1)
        Some requester is ready.
    grant : Out(range(count))
        The chosen requester (meaningful when ``valid``).
    advance : In(1)
        The grant was used: the priority moves past it.

    Latency: combinational choice; the priority register updates at the clock edge.
    """

    def __init__(self, count):
        if not isinstance(count, int) or count < 1:
            raise ValueError(f"RoundRobin count must be a positive integer, not {count!r}")
        self._count = count
        super().__init__({
            "ready": In(count),
            "valid": Out(1),
            "grant": Out(range(count)),
            "advance": In(1),
        })

    def elaborate(self, platform):
        m = Module()
        n = self._count
        m.d.comb += self.valid.eq(self.ready.any())
        if n == 1:
            return m
        last = Signal(range(n))
        # Scan the requesters from last+1 around to last; the first ready one wins.
        with m.Switch(last):
            for start in range(n):
                with m.Case(start):
                    order = [(start + 1 + k) % n for k in range(n)]
                    for index in reversed(order):
                        with m.If(self.ready[index]):
                            m.d.comb += self.grant.eq(index)
        with m.If(self.advance & self.valid):
            m.d.sync += last.eq(self.grant)
        return m
