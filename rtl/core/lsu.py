"""Load/store unit: address checks, request formatting, coalescing and load data alignment.

A warp's load or store leaves execute as one bus request per 64-byte block its active lanes touch
(the coalescer picks the lowest pending lane's block and serves every lane in that block); a load's
responses are aligned and extended per lane. Misaligned and unmapped addresses are caught before the
first request, so the fault is precise: the faulting instruction and everything after it have no effect.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "AddressCheck",
    "StoreFormat",
    "LoadAlign",
    "Coalescer",
]


class AddressCheck(wiring.Component):
    """Is an access of size ``funct3[0:2]`` (byte, half, word) at ``addr`` aligned and mapped?

    Parameters
    ----------
    config : SimtConfig
        Its ``regions`` of kind "ram" and "io" are accessible, and the "mmio" window when the
        configuration has a tile, for word accesses only (the tile's registers are 32-bit);
        anything else is an access fault.

    Members
    -------
    addr : In(32)
    funct3 : In(3)
    misaligned : Out(1)
    unmapped : Out(1)

    Latency: combinational (two comparators per region).
    """

    addr: In(32)
    funct3: In(3)
    misaligned: Out(1)
    unmapped: Out(1)

    def __init__(self, config):
        self._regions = [r for r in config.regions if r.kind in ("ram", "io")]
        self._mmio = [r for r in config.regions if r.kind == "mmio" and config.tile is not None]
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        size = self.funct3[0:2]
        m.d.comb += self.misaligned.eq(((size == 1) & self.addr[0]) |
                                       ((size == 2) & (self.addr[0:2] != 0)))
        # Regions are word aligned, so an aligned access lies wholly inside or wholly outside.
        inside = [(self.addr >= r.base) & (self.addr < r.end) for r in self._regions]
        inside += [(self.addr >= r.base) & (self.addr < r.end) & (size == 2) for r in self._mmio]
        m.d.comb += self.unmapped.eq(~Cat(*inside).any())
        return m


class StoreFormat(wiring.Component):
    """Shifts store data onto its byte lanes and makes the byte enables.

    Members
    -------
    addr_low : In(2)
    funct3 : In(3)
    value : In(32)
        rs2's value.
    data : Out(32)
    be : Out(4)

    Latency: combinational.
    """

    addr_low: In(2)
    funct3: In(3)
    value: In(32)
    data: Out(32)
    be: Out(4)

    def elaborate(self, platform):
        m = Module()
        with m.Switch(self.funct3[0:2]):
            with m.Case(0):
                m.d.comb += [self.data.eq(self.value[0:8].replicate(4)),
                             self.be.eq(C(0b0001, 4) << self.addr_low)]
            with m.Case(1):
                m.d.comb += [self.data.eq(self.value[0:16].replicate(2)),
                             self.be.eq(C(0b0011, 4) << self.addr_low)]
            with m.Default():
                m.d.comb += [self.data.eq(self.value), self.be.eq(0b1111)]
        return m


class LoadAlign(wiring.Component):
    """Selects and extends the loaded byte, halfword or word from the response word.

    Members
    -------
    word : In(32)
    addr_low : In(2)
    funct3 : In(3)
        lb, lh, lw, lbu, lhu.
    value : Out(32)

    Latency: combinational.
    """

    word: In(32)
    addr_low: In(2)
    funct3: In(3)
    value: Out(32)

    def elaborate(self, platform):
        m = Module()
        shifted = Signal(32)
        m.d.comb += shifted.eq(self.word >> Cat(C(0, 3), self.addr_low))
        unsigned = self.funct3[2]
        with m.Switch(self.funct3[0:2]):
            with m.Case(0):
                m.d.comb += self.value.eq(Mux(unsigned, shifted[0:8], shifted[0:8].as_signed()))
            with m.Case(1):
                m.d.comb += self.value.eq(Mux(unsigned, shifted[0:16], shifted[0:16].as_signed()))
            with m.Default():
                m.d.comb += self.value.eq(shifted)
        return m


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
    addr : In(ArrayLayout(32, threads))
        Each lane's byte address.
    wdata : In(ArrayLayout(32, threads))
        Each lane's store word, already on its byte lanes (``StoreFormat.data``).
    wbe : In(ArrayLayout(4, threads))
        Each lane's byte enables within its word (``StoreFormat.be``).
    lanes : Out(threads)
        Lanes this request serves: every pending lane in the lowest pending lane's block.
    block : Out(32)
        The block address.
    data : Out(8 * block_bytes)
    be : Out(block_bytes)
        The merged store data and byte enables (for a load: the bytes the lanes read). When lanes
        store to the same byte, the highest lane wins, as in the golden model's lane order.

    Latency: combinational.
    """

    def __init__(self, *, threads=1, block_bytes=64):
        self._threads, self._block_bytes = threads, block_bytes
        super().__init__({
            "pending": In(threads),
            "addr": In(data.ArrayLayout(32, threads)),
            "wdata": In(data.ArrayLayout(32, threads)),
            "wbe": In(data.ArrayLayout(4, threads)),
            "lanes": Out(threads),
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
                m.d.comb += first.eq(self.addr[lane])
        m.d.comb += self.block.eq(Cat(C(0, offset_bits), first[offset_bits:]))

        # Merge byte by byte: a byte of the block comes from the highest lane that writes it
        # (small 8-bit multiplexers: cheap in gates and for the simulator, unlike block-wide shifts).
        hits, words = [], []
        for lane in range(T):
            addr = self.addr[lane]
            hit = Signal(name=f"hit_{lane}")
            m.d.comb += [hit.eq(self.pending[lane] & (addr[offset_bits:] == first[offset_bits:])),
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
