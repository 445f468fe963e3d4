"""Register file of a core: one bank per lane, each holding every warp's integer (and float)
registers."""

from amaranth import *
from amaranth.lib import data, memory, wiring
from amaranth.lib.wiring import In, Out

from ..common.checks import check_bool, check_int

__all__ = [
    "RegFile",
]


class RegFile(wiring.Component):
    """``threads`` banks of ``warps`` x 64 words (x0-x31, then f0-f31) on ``lib.memory`` (block RAM
    on an FPGA); without the FPU, ``warps`` x 32 words and no third read port.

    Parameters
    ----------
    warps, threads : int
    fpu : bool
        Hold the float registers (numbers 32-63) and read a third operand (fused multiply-add).

    Members
    -------
    rwarp : In(range(warps))
        Warp of the reads.
    raddr1, raddr2, raddr3 : In(6)
        Read registers; the lane vectors appear on ``rdata1``/``rdata2``/``rdata3`` in the next cycle.
        ``raddr3``/``rdata3`` exist only with ``fpu``.
    rdata1, rdata2, rdata3 : Out(ArrayLayout(32, threads))
    we : In(threads)
        Lanes to write.
    wwarp : In(range(warps))
    waddr : In(6)
    wdata : In(ArrayLayout(32, threads))
        Written at the clock edge; a read of the same register in the same cycle returns the new
        value (transparent read ports). x0 is never written, so it stays 0.

    Latency: one cycle. Throughput: two (three) lane-vector reads and one write per cycle.

    Raises
    ------
    TypeError, ValueError
        ``warps`` or ``threads`` is not an integer in 1..32, ``fpu`` not a bool.
    """

    def __init__(self, *, warps=1, threads=1, fpu=True):
        check_int("RegFile", "warps", warps, 1, 32)
        check_int("RegFile", "threads", threads, 1, 32)
        check_bool("RegFile", "fpu", fpu)
        self._warps, self._threads, self._fpu = warps, threads, fpu
        lanes = data.ArrayLayout(32, threads)
        ports = {
            "rwarp": In(range(warps)),
            "raddr1": In(6),
            "raddr2": In(6),
            "rdata1": Out(lanes),
            "rdata2": Out(lanes),
            "we": In(threads),
            "wwarp": In(range(warps)),
            "waddr": In(6),
            "wdata": In(lanes),
        }
        if fpu:
            ports.update({"raddr3": In(6), "rdata3": Out(lanes)})
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        reg_bits = 6 if self._fpu else 5
        depth = (1 << reg_bits) * self._warps
        def index(warp, reg):
            return Cat(reg[:reg_bits], warp) if self._warps > 1 else reg[:reg_bits]
        reads = [(self.raddr1, self.rdata1), (self.raddr2, self.rdata2)]
        if self._fpu:
            reads.append((self.raddr3, self.rdata3))
        for lane in range(self._threads):
            bank = memory.Memory(shape=32, depth=depth, init=[])
            m.submodules[f"bank_{lane}"] = bank
            write = bank.write_port()
            m.d.comb += [
                write.en.eq(self.we[lane] & (self.waddr != 0)),
                write.addr.eq(index(self.wwarp, self.waddr)),
                write.data.eq(self.wdata[lane]),
            ]
            for addr, rdata in reads:
                read = bank.read_port(transparent_for=(write,))
                m.d.comb += [read.addr.eq(index(self.rwarp, addr)), rdata[lane].eq(read.data)]
        return m
