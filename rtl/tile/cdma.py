"""The tile's convolution DMA (NVDLA's CDMA): copies a layer's features and weights into CBUF.

Place in the pipeline: memory -> **CDMA** -> CBUF -> CSC. CDMA reads the whole input cube and the
whole weight blob (``simtlab.drivers.tile_layout`` formats) before CSC starts; padding and stride
are applied later, when CSC reads CBUF.
"""

from amaranth import *
from amaranth.lib import data, fifo, memory, wiring
from amaranth.lib.wiring import In, Out

from ...config import TileConfig
from ..mem.bus import MemSignature

__all__ = [
    "CDMA",
]

_BLOCK = 64         # bytes per memory request (MemSignature data_width=512)


class CDMA(wiring.Component):
    """Feature and weight loader: memory blocks in, one CBUF atom written per cycle.

    CBUF layout written (CSC reads the same):

    * feature atom (surface ``cg``, line ``h``, column ``w``) at entry ``(cg * H + h) * W + w``
      (``H``, ``W`` the input height and width): the cube packed, whatever the memory strides;
    * weight atom ``i`` of the blob (``D_WEIGHT_BYTES / AtomC`` atoms, in memory order) at entry
      ``(DATA_BANK + 1) * depth + i``, ``depth`` = entries per bank.

    Requests are 64-byte aligned reads; a request covers the atoms of one feature line (or of the
    weight blob) that fall in its block, so a line starting mid-block costs no extra bytes. At most
    ``outstanding`` requests are in flight: each has a reserved slot in the response buffer, as
    responses cannot be stalled. Feature lines are fetched first, then the weights.

    Parameters
    ----------
    tile : TileConfig
        AtomC and the CBUF geometry.
    outstanding : int
        Requests in flight (response buffer depth), 1-64.

    Members
    -------
    datain_width, datain_height, datain_channel : In(13)
        ``D_DATAIN_SIZE_0/1``: input width, height and channels, each N-1.
    dain_addr_low : In(32)
        ``D_DAIN_ADDR_LOW_0``: feature base (atom aligned).
    line_stride, surf_stride : In(32)
        ``D_LINE_STRIDE``, ``D_SURF_STRIDE``: bytes (atom aligned).
    weight_addr_low : In(32)
        ``D_WEIGHT_ADDR_LOW``: weight base (256 B aligned; 64 B suffice here).
    weight_bytes : In(32)
        ``D_WEIGHT_BYTES``: bytes of the blob, a multiple of 128 (copied whole, padding included).
    data_bank : In(5)
        ``D_BANK.DATA_BANK``: feature banks - 1 (weights start in the next bank).
    start : In(1)
        Begins the load (the configuration is held stable until ``done``).
    done : Out(1)
        Pulses once every atom is in CBUF.
    dma : Out(MemSignature(data_width=512, tag_width=16))
        Read requests (the tag counts requests); responses in order.
    cbuf : In(memory.WritePort.Signature(addr_width, ArrayLayout(signed(8), atom_c)))
        CBUF's write port.
    stall_cycles : Out(32)
        Cycles a request was offered and not taken (``D_PERF_DAT/WT_READ_STALL`` summed);
        cleared by ``start``.
    bytes_read : Out(32)
        Bytes of responses received; cleared by ``start``.
    error : Out(1)
        A response had ``err`` set in this layer (sticky until ``start``).

    Throughput: one CBUF atom per cycle (AtomC bytes/cycle: nv_small's 64-bit path), while memory
    keeps ``outstanding`` blocks in flight. Load cycles are about
    ``C/AtomC * H * W + weight_bytes / AtomC`` plus the memory latency.
    """

    def __init__(self, *, tile=TileConfig(), outstanding=8):
        if not isinstance(tile, TileConfig):
            raise TypeError(f"tile must be a TileConfig, not {tile!r}")
        if not isinstance(outstanding, int) or not 1 <= outstanding <= 64:
            raise ValueError(f"outstanding must be an integer 1-64, not {outstanding!r}")
        self._tile, self._outstanding = tile, outstanding
        self._depth = tile.cbuf_bank_bytes // tile.atom_c
        addr_width = (tile.cbuf_banks * self._depth - 1).bit_length()
        super().__init__({
            "datain_width": In(13),
            "datain_height": In(13),
            "datain_channel": In(13),
            "dain_addr_low": In(32),
            "line_stride": In(32),
            "surf_stride": In(32),
            "weight_addr_low": In(32),
            "weight_bytes": In(32),
            "data_bank": In(5),
            "start": In(1),
            "done": Out(1),
            "dma": Out(MemSignature(data_width=8 * _BLOCK, tag_width=16)),
            "cbuf": In(memory.WritePort.Signature(
                addr_width=addr_width, shape=data.ArrayLayout(signed(8), tile.atom_c))),
            "stall_cycles": Out(32),
            "bytes_read": Out(32),
            "error": Out(1),
        })

    @property
    def tile(self):
        return self._tile

    @property
    def outstanding(self):
        return self._outstanding

    def elaborate(self, platform):
        m = Module()
        a = self._tile.atom_c
        a_bits = (a - 1).bit_length()
        per_block = _BLOCK // a
        row_bits = (self._depth - 1).bit_length()

        # Design: the request side walks runs of atoms (a feature line, or the weight blob) and
        # records, per request, which atoms of the block are wanted; responses (in order) go to a
        # buffer with a slot reserved per request; the writer drains the buffer one atom a cycle
        # into two running CBUF cursors (features, weights). The writer never needs the geometry.
        meta_layout = data.StructLayout({
            "first": range(per_block),
            "count": range(per_block + 1),
            "weight": 1,
        })
        m.submodules.meta = meta_q = fifo.SyncFIFOBuffered(
            width=meta_layout.size, depth=self._outstanding)
        m.submodules.resp = resp_q = fifo.SyncFIFOBuffered(
            width=8 * _BLOCK, depth=self._outstanding)

        in_flight = Signal(range(self._outstanding + 1))
        issue = Signal()
        retire = Signal()
        m.d.sync += in_flight.eq(in_flight + issue - retire)

        # --- request side -----------------------------------------------------------------
        addr = Signal(32)
        remain = Signal(32)          # atoms left in the current run
        line_addr = Signal(32)
        surf_addr = Signal(32)
        line = Signal(13)
        surf = Signal(13)
        weight_phase = Signal()

        first = Signal(range(per_block))
        count = Signal(range(per_block + 1))
        room = Signal(range(per_block + 1))
        m.d.comb += [
            first.eq(addr[a_bits:6]),
            room.eq(per_block - first),
            count.eq(Mux(remain < room, remain, room)),
        ]
        meta_in = Signal(meta_layout)
        m.d.comb += [
            meta_in.first.eq(first),
            meta_in.count.eq(count),
            meta_in.weight.eq(weight_phase),
            meta_q.w_data.eq(meta_in),
            meta_q.w_en.eq(issue),
            self.dma.req.addr.eq(Cat(C(0, 6), addr[6:])),
            self.dma.req.we.eq(0),
            issue.eq(self.dma.req.valid & self.dma.req.ready),
        ]
        tag = Signal(16)
        m.d.comb += self.dma.req.tag.eq(tag)

        def start_weights():
            m.d.sync += [
                weight_phase.eq(1),
                addr.eq(self.weight_addr_low),
                remain.eq(self.weight_bytes >> a_bits),
            ]

        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.sync += [
                        addr.eq(self.dain_addr_low),
                        line_addr.eq(self.dain_addr_low),
                        surf_addr.eq(self.dain_addr_low),
                        remain.eq(self.datain_width + 1),
                        line.eq(0),
                        surf.eq(0),
                        weight_phase.eq(0),
                    ]
                    m.next = "Fetch"
            with m.State("Fetch"):
                m.d.comb += self.dma.req.valid.eq(in_flight < self._outstanding)
                with m.If(issue):
                    m.d.sync += [
                        tag.eq(tag + 1),
                        addr.eq(addr + (count << a_bits)),
                        remain.eq(remain - count),
                    ]
                    with m.If(remain == count):                  # the run ends with this block
                        with m.If(weight_phase):
                            m.next = "Drain"
                        with m.Elif(line != self.datain_height):  # next line
                            m.d.sync += [
                                line.eq(line + 1),
                                line_addr.eq(line_addr + self.line_stride),
                                addr.eq(line_addr + self.line_stride),
                                remain.eq(self.datain_width + 1),
                            ]
                        with m.Elif(surf != self.datain_channel >> a_bits):  # next surface
                            m.d.sync += [
                                line.eq(0),
                                surf.eq(surf + 1),
                                surf_addr.eq(surf_addr + self.surf_stride),
                                line_addr.eq(surf_addr + self.surf_stride),
                                addr.eq(surf_addr + self.surf_stride),
                                remain.eq(self.datain_width + 1),
                            ]
                        with m.Else():
                            start_weights()
            with m.State("Drain"):
                with m.If(in_flight == 0):
                    m.d.comb += self.done.eq(1)
                    m.next = "Idle"

        # --- response side ----------------------------------------------------------------
        m.d.comb += [
            resp_q.w_data.eq(self.dma.rsp.data),
            resp_q.w_en.eq(self.dma.rsp.valid),
        ]

        # --- writer: one atom per cycle into CBUF -----------------------------------------
        meta_out = Signal(meta_layout)
        m.d.comb += meta_out.eq(meta_q.r_data)
        index = Signal(range(per_block))          # atoms of the current block written so far
        dat_cursor = Signal(len(self.cbuf.addr))
        wt_cursor = Signal(len(self.cbuf.addr))
        atom_index = Signal(range(per_block))
        m.d.comb += atom_index.eq(meta_out.first + index)
        writing = Signal()
        m.d.comb += [
            writing.eq(meta_q.r_rdy & resp_q.r_rdy),
            self.cbuf.en.eq(writing),
            self.cbuf.addr.eq(Mux(meta_out.weight, wt_cursor, dat_cursor)),
            self.cbuf.data.eq(resp_q.r_data.word_select(atom_index, 8 * a)),
            retire.eq(writing & (index == meta_out.count - 1)),
            meta_q.r_en.eq(retire),
            resp_q.r_en.eq(retire),
        ]
        with m.If(writing):
            m.d.sync += index.eq(Mux(retire, 0, index + 1))
            with m.If(meta_out.weight):
                m.d.sync += wt_cursor.eq(wt_cursor + 1)
            with m.Else():
                m.d.sync += dat_cursor.eq(dat_cursor + 1)

        # --- counters ---------------------------------------------------------------------
        with m.If(self.start):
            m.d.sync += [
                dat_cursor.eq(0),
                wt_cursor.eq((self.data_bank + 1) << row_bits),
                self.stall_cycles.eq(0),
                self.bytes_read.eq(0),
                self.error.eq(0),
            ]
        with m.Else():
            with m.If(self.dma.req.valid & ~self.dma.req.ready):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
            with m.If(self.dma.rsp.valid):
                m.d.sync += self.bytes_read.eq(self.bytes_read + _BLOCK)
                with m.If(self.dma.rsp.err):
                    m.d.sync += self.error.eq(1)
        return m
