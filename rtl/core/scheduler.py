"""Warp scheduler: which warp's buffered instruction issues into decode this cycle.

Place in the pipeline: fetch buffers (``fetch.py``) -> **WarpScheduler** -> D. The policy is the
shared round-robin picker (``rtl/common/round_robin.py``), the same one fetch uses.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..common.checks import check_int
from ..common.round_robin import RoundRobin

__all__ = [
    "WarpScheduler",
]


class WarpScheduler(wiring.Component):
    """Loose round-robin issue among the warps that can go.

    A warp can go when its next instruction is buffered, it is active, not waiting at a barrier,
    not parked (a wspawn waiting for the other warps) and not ``blocked`` (a load of it in flight,
    or it is being redirected this cycle). Every ready warp issues within ``warps`` grants.

    Parameters
    ----------
    warps : int
        1..32.

    Members
    -------
    buffered, active, waiting, parked, blocked : In(warps)
        Per-warp state (``Fetch.head_valid``; ``WarpControl``; the core's hazard and redirect terms).
    valid : Out(1)
        Some warp can go ...
    grant : Out(range(warps))
        ... and this one is chosen.
    advance : In(1)
        D takes the grant: the priority moves past it.

    Latency: combinational choice, priority updated at the clock edge.

    Raises
    ------
    TypeError, ValueError
        ``warps`` is not an integer in 1..32.
    """

    def __init__(self, warps):
        self._warps = check_int("WarpScheduler", "warps", warps, 1, 32)
        super().__init__({
            "buffered": In(warps),
            "active": In(warps),
            "waiting": In(warps),
            "parked": In(warps),
            "blocked": In(warps),
            "valid": Out(1),
            "grant": Out(range(warps)),
            "advance": In(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.picker = picker = RoundRobin(self._warps)
        m.d.comb += [
            picker.ready.eq(self.buffered & self.active & ~self.waiting & ~self.parked &
                            ~self.blocked),
            picker.advance.eq(self.advance),
            self.valid.eq(picker.valid),
            self.grant.eq(picker.grant),
        ]
        return m
