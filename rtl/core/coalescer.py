"""Coalescer: a warp's lane addresses to one bus request per memory block.

Place in the pipeline: X's lane addresses and formatted store data -> **Coalescer** -> the LSU's
request to the data port (``lsu.py``), once per block the active lanes touch.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ..common.checks import check_int

__all__ = [
    "Coalescer",
]


class Coalescer(wiring.Component):
    """Forms the next memory request of a warp's load or store.

    Parameters
    ----------
    threads : int
    block_bytes : int

    Members
    -------
    pending : In(threads)
        Lanes not served yet.
    single : In(1)
        Serve only the lowest pending lane (an atomic: one request per lane, in lane order).
    addr : In(ArrayLayout(32, threads))
        Each lane's byte address.
    wdata : In(ArrayLayout(32, threads))
        Each lane's store word, already on its byte lanes (``StoreFormat.data``).
    wbe : In(ArrayLayout(4, threads))
        Each lane's byte enables within its word (``StoreFormat.be``).
    lanes : Out(threads)
        Lanes this request serves: every pending lane in the lowest pending lane's block (only that
        lane with ``single``).
    lane : Out(range(threads))
        The lowest pending lane.
    block : Out(32)
        The block address.
    data : Out(8 * block_bytes)
    be : Out(block_bytes)
        The merged store data and byte enables (for a load: the bytes the lanes read). When lanes
        store to the same byte, the highest lane wins, as in the golden model's lane order.

    Latency: combinational.

    Raises
    ------
    TypeError, ValueError
        ``threads`` is not an integer in 1..32, ``block_bytes`` not a power of two in 4..4096.
    """

    def __init__(self, *, threads=1, block_bytes=64):
        check_int("Coalescer", "threads", threads, 1, 32)
        check_int("Coalescer", "block_bytes", block_bytes, 4, 4096)
        if block_bytes & (block_bytes - 1):
            raise ValueError(f"Coalescer block_bytes must be a power of two, not {block_bytes!r}")
        self._threads, self._block_bytes = threads, block_bytes
        super().__init__({
            "pending": In(threads),
            "single": In(1),
            "addr": In(data.ArrayLayout(32, threads)),
            "wdata": In(data.ArrayLayout(32, threads)),
            "wbe": In(data.ArrayLayout(4, threads)),
            "lanes": Out(threads),
            "lane": Out(range(threads)),
            "block": Out(32),
            "data": Out(8 * block_bytes),
            "be": Out(block_bytes),
        })

    def elaborate(self, platform):
        m = Module()
        T, nbytes = self._threads, self._block_bytes
        offset_bits = (nbytes - 1).bit_length()
        first = Signal(32)
        for lane in reversed(range(T)):
            with m.If(self.pending[lane]):
                m.d.comb += [first.eq(self.addr[lane]), self.lane.eq(lane)]
        m.d.comb += self.block.eq(Cat(C(0, offset_bits), first[offset_bits:]))

        # Merge byte by byte: a byte of the block comes from the highest lane that writes it
        # (small 8-bit multiplexers: cheap in gates and for the simulator, unlike block-wide shifts).
        hits, words = [], []
        for lane in range(T):
            addr = self.addr[lane]
            hit = Signal(name=f"hit_{lane}")
            alone = ~self.single | (self.lane == lane)
            m.d.comb += [hit.eq(self.pending[lane] & (addr[offset_bits:] == first[offset_bits:]) &
                                alone),
                         self.lanes[lane].eq(hit)]
            hits.append(hit)
            words.append(addr[2:offset_bits])
        for k in range(nbytes // 4):
            selected = []
            for lane in range(T):
                sel = Signal(name=f"word_{k}_lane_{lane}")
                m.d.comb += sel.eq(hits[lane] & (words[lane] == k))
                selected.append(sel)
            for byte in range(4):
                value, enable = C(0, 8), C(0, 1)
                for lane in range(T):
                    lane_enable = selected[lane] & self.wbe[lane][byte]
                    value = Mux(lane_enable, self.wdata[lane][8 * byte:8 * byte + 8], value)
                    enable = enable | lane_enable
                m.d.comb += [self.data[32 * k + 8 * byte:32 * k + 8 * byte + 8].eq(value),
                             self.be[4 * k + byte].eq(enable)]
        return m
