"""The cluster's global barrier: Vortex's barrier across cores (``bar`` with bit 31 of the id)."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ..common.checks import check_int
from ..core.simt import GlobalBarrierSignature

__all__ = [
    "GlobalBarrier",
]


class GlobalBarrier(wiring.Component):
    """Counts the cores that have arrived at each global barrier and releases them together.

    Parameters
    ----------
    cores : int
        Cores of the cluster (1..255).
    barriers : int
        Barrier ids (each core's barrier table size).

    Members
    -------
    cores : In(GlobalBarrierSignature(cores, barriers)).array(cores)
        Core ``c``'s arrivals (a pulse when every active warp of the core waits at global barrier
        ``id``, which ``count`` cores must reach) and releases.
    drained : In(1)
        No core has a store on its way to memory (:attr:`CoreNode.dmem_idle` of every core).

    The arrival that brings a barrier's count of cores to the arriving core's ``count`` makes it
    pending and starts its count again from 0; a pending barrier releases (every core gets its
    ``release`` bit for one cycle) in the first cycle after it in which ``drained`` is high, so
    every store before the barrier is at the memory before any load after it. Several cores may
    arrive in one cycle, at one barrier or several. Latency: 1 cycle from the last arrival to the
    release with nothing to drain. State: one bit per core and barrier, one pending bit per
    barrier.
    """

    def __init__(self, *, cores, barriers):
        check_int("GlobalBarrier", "cores", cores, 1, 255)
        check_int("GlobalBarrier", "barriers", barriers, 1, 256)
        self._count, self._barriers = cores, barriers
        super().__init__({
            "cores": In(GlobalBarrierSignature(cores, barriers)).array(cores),
            "drained": In(1),
        })

    def elaborate(self, platform):
        m = Module()
        C, B = self._count, self._barriers
        release = Signal(B)
        pending = Signal(B)
        for port in self.cores:
            m.d.comb += port.release.eq(release)
        m.d.comb += release.eq(Mux(self.drained, pending, 0))
        m.d.sync += pending.eq(pending & ~release)
        for b in range(B):
            arrived = Signal(C, name=f"arrived_{b}")
            now = Signal(C, name=f"arrived_now_{b}")
            hits = [port.arrive & (port.id == b) for port in self.cores]
            m.d.comb += now.eq(arrived | Cat(hits))
            # The arriving core's count (the lowest-numbered one's, if several arrive at once).
            count = Signal(range(C + 1), name=f"count_{b}")
            for port, hit in reversed(list(zip(self.cores, hits))):
                with m.If(hit):
                    m.d.comb += count.eq(port.count)
            ones = Signal(range(C + 1), name=f"ones_{b}")
            m.d.comb += ones.eq(sum(now[c] for c in range(C)))
            with m.If(Cat(hits).any()):
                with m.If(ones >= count):
                    m.d.sync += [arrived.eq(0), pending[b].eq(1)]
                with m.Else():
                    m.d.sync += arrived.eq(now)
        return m
