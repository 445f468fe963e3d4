"""Round-robin picker: one requester per cycle, the search starting after the one granted last.

The one arbitration policy of simtlab: warp fetch and issue (``rtl/core/fetch.py``,
``rtl/core/scheduler.py``), the SoC's data-port arbiter (``rtl/mem/arbiter.py``) and the tile's DMA
arbiter (``rtl/tile/dma_arbiter.py``).
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "RoundRobin",
]


class RoundRobin(wiring.Component):
    """Round-robin choice among ``count`` requesters.

    Policy: the search starts at the requester after the last one granted, so every requester that
    stays ready is granted within ``count`` grants (no starvation); with one ready requester it is
    granted every cycle.

    Parameters
    ----------
    count : int
        Requesters, 1 or more.
    last : int
        The requester counted as granted last after reset (0: requester 1 comes first; ``count -
        1``: requester 0 comes first).
    hold : bool
        Add the ``stall`` input: a grant offered and not taken is kept in the next cycle, so a bus
        request never changes under ``valid`` (the memory arbiters).

    Members
    -------
    ready : In(count)
        Requesters that can go this cycle.
    valid : Out(1)
        Some requester is ready.
    grant : Out(range(count))
        The chosen requester (meaningful when ``valid``; 0 otherwise).
    advance : In(1)
        The grant was used: the priority moves past it.
    stall : In(1)
        Only with ``hold``: the grant was offered and not taken; it stays the grant next cycle.

    Latency: combinational choice; the priority (and held grant) registers update at the clock edge.
    Resources: a ``count``-way priority scan per starting point, one ``range(count)`` register
    (two with ``hold``).

    Raises
    ------
    TypeError
        ``count`` or ``last`` is not an integer, ``hold`` not a bool.
    ValueError
        ``count`` < 1, or ``last`` outside 0..count-1.
    """

    def __init__(self, count, *, last=0, hold=False):
        for name, value in (("count", count), ("last", last)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"RoundRobin {name} must be an integer, not {value!r}")
        if count < 1:
            raise ValueError(f"RoundRobin count must be a positive integer, not {count!r}")
        if not 0 <= last < count:
            raise ValueError(f"RoundRobin last must be in 0..{count - 1}, not {last!r}")
        if not isinstance(hold, bool):
            raise TypeError(f"RoundRobin hold must be True or False, not {hold!r}")
        self._count, self._last, self._hold = count, last, hold
        ports = {
            "ready": In(count),
            "valid": Out(1),
            "grant": Out(range(count)),
            "advance": In(1),
        }
        if hold:
            ports["stall"] = In(1)
        super().__init__(ports)

    @property
    def count(self):
        return self._count

    def elaborate(self, platform):
        m = Module()
        n = self._count
        m.d.comb += self.valid.eq(self.ready.any())
        if n == 1:
            return m
        last = Signal(range(n), init=self._last)
        scan = Signal(range(n))
        # Scan the requesters from last+1 around to last; the first ready one wins.
        with m.Switch(last):
            for start in range(n):
                with m.Case(start):
                    for index in reversed([(start + 1 + k) % n for k in range(n)]):
                        with m.If(self.ready[index]):
                            m.d.comb += scan.eq(index)
        if self._hold:
            held = Signal()
            held_grant = Signal(range(n))
            m.d.comb += self.grant.eq(Mux(held, held_grant, scan))
            m.d.sync += [held.eq(self.stall), held_grant.eq(self.grant)]
        else:
            m.d.comb += self.grant.eq(scan)
        with m.If(self.advance & self.valid):
            m.d.sync += last.eq(self.grant)
        return m
