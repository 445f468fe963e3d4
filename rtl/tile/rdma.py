"""The tile's feature read DMA (PDP_RDMA): an int8 cube in memory -> an atom stream in feature order.

Place in the pipeline: memory (MemSignature) -> **FeatureReader** -> PDP, when PDP runs from memory
(``D_OPERATION_MODE_CFG.FLYING_MODE`` = 1); the tile top selects between it and SDP's output.
"""

from amaranth import *
from amaranth.lib import data, fifo, stream, wiring
from amaranth.lib.wiring import In, Out

from ..mem.bus import MemSignature
from .layouts import FeatureCube

__all__ = [
    "FeatureReader",
]


class FeatureReader(wiring.Component):
    """Reads a W x H x C int8 cube in NVDLA's feature format and streams its atoms in order.

    Atom (surface s, line h, pixel w) is read from ``cfg.base + s * cfg.surface_stride +
    h * cfg.line_stride + w * atom`` (``tile_layout.feature_offset``). Each line is fetched with one
    block-aligned read per block it touches (a block shared by two lines is read twice); the atoms
    are picked out of the returned blocks in order. At most ``depth`` reads are outstanding, and the
    response buffer has room for all of them, so responses (which cannot be stalled) are never lost.

    Parameters
    ----------
    atom : int
        Bytes (int8 channels) per atom, the memory atom AtomC (8 in nv_small); a power of two from
        2 to ``block_bytes``.
    block_bytes : int
        Bytes per memory request (the SoC block, 64), a power of two from 8 to 256.
    depth : int
        Outstanding reads and response buffer entries (2-64); it should exceed the memory latency
        divided by the atoms per block for full speed.

    Members
    -------
    o : Out(stream.Signature(ArrayLayout(signed(8), atom)))
        Atoms in feature order, with backpressure.
    bus : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Block-aligned reads; the tag counts requests.
    start : In(1)
        Begin a cube (ignored while one is being read); hold the configuration until ``done``.
    done : Out(1)
        High in the cycle the cube's last atom is accepted on ``o``.
    busy : Out(1)
        From ``start`` to ``done``.
    cfg : In(FeatureCube)
        The cube to read (``layouts.FeatureCube``: sizes N - 1, as ``D_DATA_CUBE_*``; ``base``,
        ``line_stride``, ``surface_stride`` from the unit's ``D_SRC_*`` registers, bytes,
        multiples of ``atom``).
    error : Out(1)
        A read response reported ``err`` since ``start`` (its data is streamed as returned).
    stall_cycles : Out(32)
        Cycles since ``start`` with a read waiting for ``bus.req.ready``
        (``PDP_RDMA.D_PERF_READ_STALL``).

    Latency: memory latency + 2 cycles from a read request to its first atom on ``o``.
    Throughput: one atom per cycle while reads keep up (one read per ``block_bytes / atom`` atoms
    for packed lines). Resources: two ``depth``-entry FIFOs (block data, per-read slot range).

    Raises
    ------
    TypeError, ValueError
        On a parameter of the wrong kind or value.
    """

    def __init__(self, *, atom=8, block_bytes=64, depth=8):
        for name, value in (("atom", atom), ("block_bytes", block_bytes), ("depth", depth)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if not 8 <= block_bytes <= 256 or block_bytes & (block_bytes - 1):
            raise ValueError(f"block_bytes must be a power of two from 8 to 256, not {block_bytes!r}")
        if not 2 <= atom <= block_bytes or atom & (atom - 1):
            raise ValueError(f"atom must be a power of two from 2 to block_bytes ({block_bytes}), "
                             f"not {atom!r}")
        if not 2 <= depth <= 64:
            raise ValueError(f"depth must be from 2 to 64, not {depth!r}")
        self._atom, self._block_bytes, self._depth = atom, block_bytes, depth
        super().__init__({
            "o": Out(stream.Signature(data.ArrayLayout(signed(8), atom))),
            "bus": Out(MemSignature(data_width=8 * block_bytes, tag_width=16)),
            "start": In(1),
            "done": Out(1),
            "busy": Out(1),
            "cfg": In(FeatureCube),
            "error": Out(1),
            "stall_cycles": Out(32),
        })

    @property
    def atom(self):
        return self._atom

    @property
    def block_bytes(self):
        return self._block_bytes

    @property
    def depth(self):
        return self._depth

    def elaborate(self, platform):
        m = Module()
        A, B = self._atom, self._block_bytes
        atom_bits = (A - 1).bit_length()
        block_bits = (B - 1).bit_length()
        slots = B // A
        slot_bits = max(1, block_bits - atom_bits)
        req, rsp = self.bus.req, self.bus.rsp
        meta_layout = data.StructLayout({"first": slot_bits, "last": slot_bits, "final": 1})

        m.submodules.blocks = blocks = fifo.SyncFIFOBuffered(width=8 * B, depth=self._depth)
        m.submodules.meta = meta = fifo.SyncFIFOBuffered(width=meta_layout.size, depth=self._depth)

        # --- Requests: one per block of each line, at most `depth` outstanding. ---
        issuing = Signal()
        row = Signal(13)
        surface = Signal(range(8192 // A + 1))
        surf_addr, line_addr, block = Signal(32), Signal(32), Signal(32)
        line_started = Signal()
        in_flight = Signal(range(self._depth + 1))
        end_addr = Signal(32)
        m.d.comb += end_addr.eq(line_addr + ((self.cfg.width + 1) << atom_bits) - 1)
        first_block = line_addr & ~(B - 1)
        last_block = end_addr & ~(B - 1)
        block_now = Mux(line_started, block, first_block)
        last_line = (row == self.cfg.height) & (surface == (self.cfg.channel >> atom_bits))
        ends_line = block_now == last_block

        def slot_of(address):
            return address[atom_bits:block_bits] if slots > 1 else Const(0, 1)

        request_meta = Signal(meta_layout)
        m.d.comb += [
            req.valid.eq(issuing & (in_flight < self._depth)),
            req.addr.eq(block_now),
            req.we.eq(0),
            request_meta.first.eq(Mux(line_started, 0, slot_of(line_addr))),
            request_meta.last.eq(Mux(ends_line, slot_of(end_addr), slots - 1)),
            request_meta.final.eq(ends_line & last_line),
            meta.w_data.eq(request_meta),
            meta.w_en.eq(req.valid & req.ready),
        ]
        sent = req.valid & req.ready
        with m.If(sent):
            m.d.sync += req.tag.eq(req.tag + 1)
            with m.If(~ends_line):
                m.d.sync += [block.eq(block_now + B), line_started.eq(1)]
            with m.Else():
                m.d.sync += line_started.eq(0)
                with m.If(row != self.cfg.height):
                    m.d.sync += [row.eq(row + 1), line_addr.eq(line_addr + self.cfg.line_stride)]
                with m.Elif(~last_line):
                    next_surface = surf_addr + self.cfg.surface_stride
                    m.d.sync += [row.eq(0), surface.eq(surface + 1), surf_addr.eq(next_surface),
                                 line_addr.eq(next_surface)]
                with m.Else():
                    m.d.sync += issuing.eq(0)

        # --- Responses into the block buffer; atoms out of it. ---
        m.d.comb += [blocks.w_data.eq(rsp.data), blocks.w_en.eq(rsp.valid)]
        current = data.View(meta_layout, meta.r_data)
        slot = Signal(slot_bits)
        started = Signal()
        slot_now = Mux(started, slot, current.first)
        block_done = slot_now == current.last
        m.d.comb += [
            self.o.valid.eq(blocks.r_rdy & meta.r_rdy),
            self.o.p.eq(blocks.r_data.word_select(slot_now, 8 * A) if slots > 1 else blocks.r_data),
        ]
        taken = self.o.valid & self.o.ready
        m.d.comb += [
            blocks.r_en.eq(taken & block_done),
            meta.r_en.eq(taken & block_done),
            self.done.eq(taken & block_done & current.final),
        ]
        with m.If(taken):
            m.d.sync += [slot.eq(slot_now + 1), started.eq(~block_done)]
        m.d.sync += in_flight.eq(in_flight + sent - (taken & block_done))

        # --- Control and counters. ---
        with m.If(self.start & ~self.busy):
            m.d.sync += [
                issuing.eq(1), self.busy.eq(1), row.eq(0), surface.eq(0), line_started.eq(0),
                surf_addr.eq(self.cfg.base), line_addr.eq(self.cfg.base),
                self.error.eq(0), self.stall_cycles.eq(0),
            ]
        with m.Else():
            with m.If(self.done):
                m.d.sync += self.busy.eq(0)
            with m.If(req.valid & ~req.ready):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
            with m.If(rsp.valid & rsp.err):
                m.d.sync += self.error.eq(1)
        return m
