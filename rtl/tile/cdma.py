"""The tile's convolution DMA (NVDLA's CDMA): copies a layer's features and weights into CBUF.

Place in the pipeline: memory -> **CDMA** -> CBUF -> CSC. CDMA reads the whole input cube and the
whole weight blob (``simtlab.sim.tile_layout`` formats) into CBUF and publishes its progress
(feature lines and weight entries written), so CSC computes while the layer loads, reading only
what is already there; padding and stride are applied when CSC reads CBUF.
"""

from amaranth import *
from amaranth.lib import data, fifo, memory, wiring
from amaranth.lib.wiring import In, Out

from ...config import TileConfig
from ...spec.memory import BLOCK_BYTES
from ..mem.bus import MemSignature
from .layouts import unit_config

__all__ = [
    "CDMA",
]



class CDMA(wiring.Component):
    """Feature and weight loader: memory blocks in, one CBUF atom written per cycle.

    CBUF layout written (CSC reads the same):

    * feature atom (surface ``cg``, line ``h``, column ``w``) at entry ``(cg * H + h) * W + w``
      (``H``, ``W`` the input height and width): the cube packed, whatever the memory strides;
    * weight piece ``i`` of the blob (in memory order) as atom ``(DATA_BANK + 1) * depth + i``,
      ``depth`` = entries per bank. NVDLA's blob packs the last channel block of each kernel
      group unpadded (pieces of ``C mod AtomC`` bytes); CDMA expands each piece to a whole atom
      (zero channels), so CBUF holds ``K * R * S * ceil(C / AtomC)`` weight atoms
      (``tile_limits.weight_entries``) and the blob's tail padding is read and dropped.

    Requests are 64-byte aligned reads; a request covers the atoms of one feature line (or of the
    weight blob) that fall in its block, so a line starting mid-block costs no extra bytes. At most
    ``outstanding`` requests are in flight: each has a reserved slot in the response buffer, as
    responses cannot be stalled. Two walkers take turns, one request each, while both have
    requests left: features line-major (line 0 of every surface, then line 1, ...: the order in
    which CSC's stripes need them) and the weight blob in memory order (CSC's pass order).

    Parameters
    ----------
    tile : TileConfig
        AtomC and the CBUF geometry.
    outstanding : int
        Requests in flight (response buffer depth), 1-64.
    lookahead : int
        Weight atoms fetched ahead of ``wt_need`` before features get the requests (default: 4
        blocks; more starves the first stripes' feature lines, less lets CSC wait for weights).

    Members
    -------
    cfg : In(CONFIG)
        The CDMA ``D_`` register fields this block reads (:attr:`CONFIG`): ``datain_width``,
        ``datain_height``, ``datain_channel`` (``D_DATAIN_SIZE_0/1``, each N-1);
        ``dain_addr_low_0`` (feature base, atom aligned); ``line_stride``, ``surf_stride`` (bytes,
        atom aligned); ``weight_addr_low`` (256 B aligned; 64 B suffice here); ``weight_bytes``
        (bytes of the blob, a multiple of 128, all read); ``weight_kernel`` (K - 1);
        ``data_bank`` (``D_BANK.DATA_BANK``: feature banks - 1, the weights start in the next
        bank).
    kernel_size : In(10)
        R * S - 1 (kernel positions, from CSC's ``D_WEIGHT_SIZE_EXT_0``): the pieces per channel
        block and kernel.
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
    dat_lines, dat_surfaces : Out(14), Out(13)
        Feature progress: lines ``0 .. dat_lines - 1`` of every surface, and line ``dat_lines``
        of surfaces ``0 .. dat_surfaces - 1``, are in CBUF (readable from the next cycle).
        Cleared by ``start``.
    wt_entries : Out(addr_width + 1)
        Weight progress: CBUF entries below this one (from ``(DATA_BANK + 1) * depth`` up) hold
        their weights. Set by ``start``.
    wt_need : In(addr_width + 1)
        The weight entry CSC reads next: weight requests have priority while they are less than
        ``lookahead`` atoms ahead of it; features have it otherwise (0, unconnected: features
        first, then weights).

    Throughput: one CBUF atom per cycle (AtomC bytes/cycle: nv_small's 64-bit path; a weight
    piece that straddles two memory blocks costs one more cycle), while memory
    keeps ``outstanding`` blocks in flight. Load cycles are about
    ``C/AtomC * H * W + weight_entries`` (atoms) plus the memory latency; features and weights
    share that rate about half and half until one of them is complete.
    """

    #: ``cfg``'s layout: the CDMA register fields this block reads, named and sized by the
    #: register table (``layouts.unit_config``).
    CONFIG = unit_config("CDMA",
                         reads=("datain_width", "datain_height", "datain_channel",
                                "dain_addr_low_0", "line_stride", "surf_stride",
                                "weight_addr_low", "weight_bytes", "weight_kernel",
                                "data_bank"))

    def __init__(self, *, tile=TileConfig(), outstanding=8, lookahead=None):
        if not isinstance(tile, TileConfig):
            raise TypeError(f"tile must be a TileConfig, not {tile!r}")
        if not isinstance(outstanding, int) or not 1 <= outstanding <= 64:
            raise ValueError(f"outstanding must be an integer 1-64, not {outstanding!r}")
        lookahead = 4 * (BLOCK_BYTES // tile.atom_c) if lookahead is None else lookahead
        if not isinstance(lookahead, int) or not 0 <= lookahead <= 4096:
            raise ValueError(f"lookahead must be an integer 0-4096, not {lookahead!r}")
        self._tile, self._outstanding, self._lookahead = tile, outstanding, lookahead
        self._depth = tile.cbuf_bank_bytes // tile.atom_c
        addr_width = (tile.cbuf_banks * self._depth - 1).bit_length()
        super().__init__({
            "cfg": In(self.CONFIG),
            "kernel_size": In(10),
            "start": In(1),
            "done": Out(1),
            "dma": Out(MemSignature(data_width=8 * BLOCK_BYTES, tag_width=16)),
            "cbuf": In(memory.WritePort.Signature(
                addr_width=addr_width, shape=data.ArrayLayout(signed(8), tile.atom_c))),
            "stall_cycles": Out(32),
            "bytes_read": Out(32),
            "error": Out(1),
            "dat_lines": Out(14),
            "dat_surfaces": Out(13),
            "wt_entries": Out(addr_width + 1),
            "wt_need": In(addr_width + 1),
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
        per_block = BLOCK_BYTES // a
        row_bits = (self._depth - 1).bit_length()

        # Design: two request walkers, features (line by line, every surface of line 0, then of
        # line 1, ...) and weights (the blob in order). Weights go first while they are less than
        # ``lookahead`` atoms ahead of what CSC reads (``wt_need``), features otherwise, so
        # both arrive in about the order CSC consumes them. Each request records which atoms of
        # the block are wanted; responses (in order) go to a buffer with a slot reserved per
        # request; the writer drains the buffer one atom a cycle into two CBUF cursors
        # (features, weights) and publishes its progress.
        meta_layout = data.StructLayout({
            "first": range(per_block),
            "count": range(per_block + 1),
            "weight": 1,
            "eol": 1,               # the last block of a feature line
        })
        m.submodules.meta = meta_q = fifo.SyncFIFOBuffered(
            width=meta_layout.size, depth=self._outstanding)
        m.submodules.resp = resp_q = fifo.SyncFIFOBuffered(
            width=8 * BLOCK_BYTES, depth=self._outstanding)

        in_flight = Signal(range(self._outstanding + 1))
        issue = Signal()
        retire = Signal()
        m.d.sync += in_flight.eq(in_flight + issue - retire)

        # --- request side -----------------------------------------------------------------
        f_addr = Signal(32)          # feature walker: next block address, atoms left in line
        f_remain = Signal(14)
        f_pending = Signal()
        line_addr = Signal(32)       # base + line * line_stride
        sl_addr = Signal(32)         # line_addr + surf * surf_stride: the current line's start
        line = Signal(13)
        surf = Signal(13)
        w_addr = Signal(32)          # weight walker
        w_remain = Signal(32)
        w_pending = Signal()
        w_entry = Signal(len(self.wt_need))     # CBUF entry of the next weight atom requested
        w_wanted = Signal()
        m.d.comb += w_wanted.eq(w_entry < self.wt_need + self._lookahead)
        cgroups_m1 = Signal(13)
        m.d.comb += cgroups_m1.eq(self.cfg.datain_channel >> a_bits)

        sel_w = Signal()
        m.d.comb += sel_w.eq(w_pending & (w_wanted | ~f_pending))
        addr = Signal(32)
        remain = Signal(32)
        m.d.comb += [
            addr.eq(Mux(sel_w, w_addr, f_addr)),
            remain.eq(Mux(sel_w, w_remain, f_remain)),
        ]

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
            meta_in.weight.eq(sel_w),
            meta_in.eol.eq(remain == count),
            meta_q.w_data.eq(meta_in),
            meta_q.w_en.eq(issue),
            self.dma.req.addr.eq(Cat(C(0, 6), addr[6:])),
            self.dma.req.we.eq(0),
            self.dma.req.valid.eq((f_pending | w_pending) & (in_flight < self._outstanding)),
            issue.eq(self.dma.req.valid & self.dma.req.ready),
        ]
        tag = Signal(16)
        m.d.comb += self.dma.req.tag.eq(tag)

        with m.If(self.start):
            m.d.sync += [
                f_addr.eq(self.cfg.dain_addr_low_0),
                line_addr.eq(self.cfg.dain_addr_low_0),
                sl_addr.eq(self.cfg.dain_addr_low_0),
                f_remain.eq(self.cfg.datain_width + 1),
                f_pending.eq(1),
                line.eq(0),
                surf.eq(0),
                w_addr.eq(self.cfg.weight_addr_low),
                w_remain.eq(self.cfg.weight_bytes >> a_bits),
                w_pending.eq(self.cfg.weight_bytes >> a_bits != 0),
                w_entry.eq((self.cfg.data_bank + 1) << row_bits),
            ]
        with m.Elif(issue):
            m.d.sync += tag.eq(tag + 1)
            with m.If(sel_w):
                m.d.sync += [w_addr.eq(w_addr + (count << a_bits)), w_remain.eq(w_remain - count),
                             w_entry.eq(w_entry + count)]
                with m.If(w_remain == count):
                    m.d.sync += w_pending.eq(0)
            with m.Else():
                m.d.sync += [f_addr.eq(f_addr + (count << a_bits)), f_remain.eq(f_remain - count)]
                with m.If(f_remain == count):                    # the line ends with this block
                    m.d.sync += f_remain.eq(self.cfg.datain_width + 1)
                    with m.If(surf != cgroups_m1):              # same line, next surface
                        m.d.sync += [
                            surf.eq(surf + 1),
                            sl_addr.eq(sl_addr + self.cfg.surf_stride),
                            f_addr.eq(sl_addr + self.cfg.surf_stride),
                        ]
                    with m.Elif(line != self.cfg.datain_height):    # next line, surface 0
                        m.d.sync += [
                            surf.eq(0),
                            line.eq(line + 1),
                            line_addr.eq(line_addr + self.cfg.line_stride),
                            sl_addr.eq(line_addr + self.cfg.line_stride),
                            f_addr.eq(line_addr + self.cfg.line_stride),
                        ]
                    with m.Else():
                        m.d.sync += f_pending.eq(0)

        loading = Signal()
        with m.If(self.start):
            m.d.sync += loading.eq(1)
        with m.Elif(loading & ~f_pending & ~w_pending & (in_flight == 0)):
            m.d.comb += self.done.eq(1)
            m.d.sync += loading.eq(0)

        # --- response side ----------------------------------------------------------------
        m.d.comb += [
            resp_q.w_data.eq(self.dma.rsp.data),
            resp_q.w_en.eq(self.dma.rsp.valid),
        ]

        # --- writer: one atom per cycle into CBUF -----------------------------------------
        # Feature lines arrive line-major (h, then surface cg) and go to entry (cg*H + h)*W + w:
        # the writer keeps h*W, cg*H*W and the column.
        meta_out = Signal(meta_layout)
        m.d.comb += meta_out.eq(meta_q.r_data)
        index = Signal(range(per_block))          # atoms of the current block written so far
        hw = Signal(len(self.cbuf.addr) + 1)      # H * W entries per surface
        wr_hbase = Signal(len(self.cbuf.addr) + 1)
        wr_cgbase = Signal(len(self.cbuf.addr) + 1)
        wr_col = Signal(14)
        wr_cg = Signal(13)
        wt_cursor = Signal(len(self.cbuf.addr) + 1)    # one bit more: it may reach the end
        lines_done = Signal(14)
        atom_index = Signal(range(per_block))
        m.d.comb += atom_index.eq(meta_out.first + index)
        writing = Signal()
        m.d.comb += writing.eq(meta_q.r_rdy & resp_q.r_rdy)

        # Weights: a byte cursor over the blob's blocks (they are whole blocks: base 64 B aligned,
        # size a multiple of 128), one piece a cycle expanded to an atom. A piece that runs past
        # its block leaves its first bytes in ``carry`` and takes the rest from the next weight
        # block (features may come between). Pieces are ``AtomC`` bytes, those of a group's last
        # channel block ``C mod AtomC``; after the last piece the blob's padding is dropped.
        ak = self._tile.atom_k
        nb_m1 = Signal(13)               # channel blocks - 1
        last_c = Signal(range(a + 1))    # channels in the last block
        kg_last = Signal(range(ak + 1))  # kernels in the last group
        m.d.comb += [
            nb_m1.eq(cgroups_m1),
            last_c.eq(self.cfg.datain_channel[:a_bits] + 1),
            kg_last.eq(self.cfg.weight_kernel[:(ak - 1).bit_length()] + 1),
        ]
        w_off = Signal(range(BLOCK_BYTES + 1))       # bytes of the head block already used
        carry = Signal(8 * a)
        carry_n = Signal(range(a))
        piece = Signal(range(a + 1))                 # bytes of the current piece
        blk_left = Signal(len(self.kernel_size) + (ak - 1).bit_length() + 1)  # pieces left in the block
        cblock = Signal(13)
        group = Signal(13)
        w_done = Signal()                            # every piece written
        head = resp_q.r_data
        pieces = Signal(data.ArrayLayout(8, a))
        for j in range(a):
            src = Signal(range(BLOCK_BYTES + a), name=f"wt_src_{j}")
            m.d.comb += [
                src.eq(w_off + j - carry_n),
                pieces[j].eq(Mux(j < carry_n, carry.word_select(j, 8),
                                 Mux(j < piece, head.word_select(src[:6], 8), 0))),
            ]
        avail = Signal(range(BLOCK_BYTES + a + 1))
        m.d.comb += avail.eq(carry_n + BLOCK_BYTES - w_off)
        w_head = Signal()
        w_write = Signal()
        w_retire = Signal()
        new_off = Signal(range(BLOCK_BYTES + a + 1))
        m.d.comb += [
            w_head.eq(writing & meta_out.weight),
            w_write.eq(w_head & ~w_done & (avail >= piece)),
            new_off.eq(w_off + piece - carry_n),
            w_retire.eq(w_head & (w_done | (avail < piece) | (new_off == BLOCK_BYTES))),
        ]
        last_group = Signal()
        m.d.comb += last_group.eq(group == (self.cfg.weight_kernel >> (ak - 1).bit_length()))

        def block_pieces(kernels):
            return (self.kernel_size + 1) * kernels

        def piece_of(block):
            return Mux(block == nb_m1, last_c, a)

        with m.If(self.start):
            m.d.sync += [
                w_off.eq(0), carry_n.eq(0), cblock.eq(0), group.eq(0), w_done.eq(0),
                piece.eq(piece_of(0)),
                blk_left.eq(block_pieces(Mux(self.cfg.weight_kernel >= ak, ak, kg_last))),
            ]
        with m.Elif(w_write):
            m.d.sync += [carry_n.eq(0), w_off.eq(Mux(new_off == BLOCK_BYTES, 0, new_off)),
                         blk_left.eq(blk_left - 1)]
            with m.If(blk_left == 1):                            # the block's last piece
                with m.If(cblock != nb_m1):
                    m.d.sync += [cblock.eq(cblock + 1), piece.eq(piece_of(cblock + 1)),
                                 blk_left.eq(block_pieces(Mux(last_group, kg_last, ak)))]
                with m.Elif(~last_group):
                    next_last = (group + 1) == (self.cfg.weight_kernel >> (ak - 1).bit_length())
                    m.d.sync += [group.eq(group + 1), cblock.eq(0), piece.eq(piece_of(0)),
                                 blk_left.eq(block_pieces(Mux(next_last, kg_last, ak)))]
                with m.Else():
                    m.d.sync += w_done.eq(1)
        with m.Elif(w_retire):
            # The piece straddles the block end (or the padding is dropped): keep the rest.
            m.d.sync += [w_off.eq(0), carry_n.eq(Mux(w_done, 0, BLOCK_BYTES - w_off))]
            for j in range(a):
                m.d.sync += carry.word_select(j, 8).eq(head.word_select((w_off + j)[:6], 8))

        f_retire = Signal()
        m.d.comb += [
            f_retire.eq(writing & ~meta_out.weight & (index == meta_out.count - 1)),
            self.cbuf.en.eq(Mux(meta_out.weight, w_write, writing)),
            self.cbuf.addr.eq(Mux(meta_out.weight, wt_cursor, wr_hbase + wr_cgbase + wr_col)),
            self.cbuf.data.eq(Mux(meta_out.weight, pieces,
                                  resp_q.r_data.word_select(atom_index, 8 * a))),
            retire.eq(f_retire | w_retire),
            meta_q.r_en.eq(retire),
            resp_q.r_en.eq(retire),
            self.dat_lines.eq(lines_done),
            self.dat_surfaces.eq(wr_cg),
            self.wt_entries.eq(wt_cursor),
        ]
        with m.If(writing & ~meta_out.weight):
            m.d.sync += index.eq(Mux(f_retire, 0, index + 1))
            with m.If(f_retire & meta_out.eol):                 # a feature line is complete
                m.d.sync += [wr_col.eq(0), wr_cg.eq(wr_cg + 1), wr_cgbase.eq(wr_cgbase + hw)]
                with m.If(wr_cg == cgroups_m1):
                    m.d.sync += [wr_cg.eq(0), wr_cgbase.eq(0), lines_done.eq(lines_done + 1),
                                 wr_hbase.eq(wr_hbase + self.cfg.datain_width + 1)]
            with m.Else():
                m.d.sync += wr_col.eq(wr_col + 1)
        with m.If(w_write):
            m.d.sync += wt_cursor.eq(wt_cursor + 1)

        # --- counters ---------------------------------------------------------------------
        with m.If(self.start):
            m.d.sync += [
                hw.eq((self.cfg.datain_height + 1) * (self.cfg.datain_width + 1)),
                wr_hbase.eq(0),
                wr_cgbase.eq(0),
                wr_col.eq(0),
                wr_cg.eq(0),
                lines_done.eq(0),
                wt_cursor.eq((self.cfg.data_bank + 1) << row_bits),
                self.stall_cycles.eq(0),
                self.bytes_read.eq(0),
                self.error.eq(0),
            ]
        with m.Else():
            with m.If(self.dma.req.valid & ~self.dma.req.ready):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
            with m.If(self.dma.rsp.valid):
                m.d.sync += self.bytes_read.eq(self.bytes_read + BLOCK_BYTES)
                with m.If(self.dma.rsp.err):
                    m.d.sync += self.error.eq(1)
        return m
