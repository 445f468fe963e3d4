"""Integer register file of a core: one bank per lane, each holding every warp's 32 registers."""

from amaranth import *
from amaranth.lib import data, memory, wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "RegFile",
]


class RegFile(wiring.Component):
    """``threads`` banks of ``warps`` x 32 words on ``lib.memory`` (block RAM on an FPGA).

    Parameters
    ----------
    warps, threads : int

    Members
    -------
    rwarp : In(range(warps))
        Warp of both reads.
    raddr1, raddr2 : In(5)
        Read registers; the lane vectors appear on ``rdata1``/``rdata2`` in the next cycle.
    rdata1, rdata2 : Out(ArrayLayout(32, threads))
    we : In(threads)
        Lanes to write.
    wwarp : In(range(warps))
    waddr : In(5)
    wdata : In(ArrayLayout(32, threads))
        Written at the clock edge; a read of the same register in the same cycle returns the new
        value (transparent read ports). x0 is never written, so it stays 0.

    Latency: one cycle. Throughput: two lane-vector reads and one write per cycle.
    """

    def __init__(self, *, warps=1, threads=1):
        self._warps, self._threads = warps, threads
        lanes = data.ArrayLayout(32, threads)
        super().__init__({
            "rwarp": In(range(warps)),
            "raddr1": In(5),
            "raddr2": In(5),
            "rdata1": Out(lanes),
            "rdata2": Out(lanes),
            "we": In(threads),
            "wwarp": In(range(warps)),
            "waddr": In(5),
            "wdata": In(lanes),
        })

    def elaborate(self, platform):
        m = Module()
        depth = 32 * self._warps
        def index(warp, reg):
            return Cat(reg, warp) if self._warps > 1 else reg
        for lane in range(self._threads):
            bank = memory.Memory(shape=32, depth=depth, init=[])
            m.submodules[f"bank_{lane}"] = bank
            write = bank.write_port()
            read1 = bank.read_port(transparent_for=(write,))
            read2 = bank.read_port(transparent_for=(write,))
            m.d.comb += [
                write.en.eq(self.we[lane] & (self.waddr != 0)),
                write.addr.eq(index(self.wwarp, self.waddr)),
                write.data.eq(self.wdata[lane]),
                read1.addr.eq(index(self.rwarp, self.raddr1)),
                read2.addr.eq(index(self.rwarp, self.raddr2)),
                self.rdata1[lane].eq(read1.data),
                self.rdata2[lane].eq(read2.data),
            ]
        return m
