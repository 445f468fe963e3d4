"""Cross-lane operations: Vortex's warp vote and shuffle (custom-0, funct7 = 1).

``vote.all/any/uni/ballot rd, rs1`` combine bit 0 of ``rs1`` over the lanes of the thread mask;
``shfl.up/down/bfly/idx rd, rs1, rs2`` give each lane the ``rs1`` of another lane chosen by its
``rs2 = mask << 12 | clamp << 6 | b`` (docs/simt.md, "Vote and shuffle"; the emulator's
``emu_simt.shuffle_source`` is the same rule in Python).
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ..common.checks import check_int

__all__ = ["CrossLane"]


class CrossLane(wiring.Component):
    """The vote and shuffle results of one warp instruction, for every lane.

    Parameters
    ----------
    threads : int
        1..32.

    Members
    -------
    funct3 : In(3)
        0..3 vote all/any/uni/ballot, 4..7 shuffle up/down/bfly/idx.
    tmask : In(threads)
        The lanes the instruction runs on; a shuffle from a lane outside it reads the reader's own
        value.
    a, b : In(ArrayLayout(32, threads))
        ``rs1`` and ``rs2`` of every lane.
    result : Out(ArrayLayout(32, threads))

    Latency: combinational (the result is ready in X, like the ALU's). Throughput: one warp
    instruction per cycle. Cost: a ``threads``-way 32-bit multiplexer per lane for the shuffles.
    """

    def __init__(self, threads):
        self._threads = check_int("CrossLane", "threads", threads, 1, 32)
        super().__init__({
            "funct3": In(3),
            "tmask": In(threads),
            "a": In(data.ArrayLayout(32, threads)),
            "b": In(data.ArrayLayout(32, threads)),
            "result": Out(data.ArrayLayout(32, threads)),
        })

    def elaborate(self, platform):
        m = Module()
        T = self._threads
        ballot = Signal(T)
        m.d.comb += ballot.eq(Cat(self.a[t][0] for t in range(T)) & self.tmask)
        vote = Signal(32)
        with m.Switch(self.funct3):
            with m.Case(0):
                m.d.comb += vote.eq(ballot == self.tmask)
            with m.Case(1):
                m.d.comb += vote.eq(ballot.any())
            with m.Case(2):
                m.d.comb += vote.eq((ballot == 0) | (ballot == self.tmask))
            with m.Case(3):
                m.d.comb += vote.eq(ballot)

        values = Array(self.a[t] for t in range(T))
        active = Array(self.tmask[t] for t in range(T))
        for t in range(T):
            bc = self.b[t]
            b, clamp, mask = bc[0:6], bc[6:12], bc[12:18]
            low = Signal(6, name=f"low_{t}")
            high = Signal(6, name=f"high_{t}")
            m.d.comb += [low.eq(C(t, 6) & mask), high.eq(low | (clamp & ~mask))]
            src = Signal(7, name=f"src_{t}")
            ok = Signal(name=f"ok_{t}")
            with m.Switch(self.funct3):
                with m.Case(4):
                    m.d.comb += [src.eq(C(t, 7) - b), ok.eq((b <= t) & (src[:6] >= low))]
                with m.Case(5):
                    m.d.comb += [src.eq(C(t, 7) + b), ok.eq(src <= high)]
                with m.Case(6):
                    m.d.comb += [src.eq(C(t, 6) ^ b), ok.eq(src <= high)]
                with m.Case(7):
                    m.d.comb += [src.eq(low | (b & ~mask)), ok.eq(src <= high)]
            taken = Signal(name=f"from_other_{t}")
            m.d.comb += taken.eq(ok & (src < T))
            lane_src = src[:max(1, (T - 1).bit_length())]
            shuffled = Mux(taken & active[lane_src], values[lane_src], self.a[t])
            m.d.comb += self.result[t].eq(Mux(self.funct3[2], shuffled, vote))
        return m
