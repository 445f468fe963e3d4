"""Integer register file of one warp and lane: two synchronous read ports, one write port."""

from amaranth import *
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "RegFile",
]


class RegFile(wiring.Component):
    """32 x 32-bit registers on ``lib.memory`` so they map to block RAM.

    Members
    -------
    raddr1, raddr2 : In(5)
        Read addresses; the data appears on ``rdata1``/``rdata2`` in the next cycle.
    rdata1, rdata2 : Out(32)
    we : In(1)
    waddr : In(5)
    wdata : In(32)
        Written at the clock edge. A read of the same register in the same cycle returns the new
        value (the read ports are transparent for the write port). The core never writes x0, so
        x0 stays 0 from the zero initial contents.

    Latency: one cycle for reads and writes. Throughput: two reads and one write per cycle.
    """

    raddr1: In(5)
    raddr2: In(5)
    rdata1: Out(32)
    rdata2: Out(32)
    we: In(1)
    waddr: In(5)
    wdata: In(32)

    def elaborate(self, platform):
        m = Module()
        m.submodules.regs = regs = memory.Memory(shape=32, depth=32, init=[])
        write = regs.write_port()
        read1 = regs.read_port(transparent_for=(write,))
        read2 = regs.read_port(transparent_for=(write,))
        m.d.comb += [
            write.en.eq(self.we & (self.waddr != 0)),
            write.addr.eq(self.waddr),
            write.data.eq(self.wdata),
            read1.addr.eq(self.raddr1),
            read2.addr.eq(self.raddr2),
            self.rdata1.eq(read1.data),
            self.rdata2.eq(read2.data),
        ]
        return m
