"""The tile's write DMA: an int8 atom stream in feature order -> 64-byte block writes to memory.

Place in the pipeline: SDP or PDP -> **WDMA** -> the tile's memory arbiter (MemSignature). Shared by
SDP (``D_DST_*`` registers) and PDP (its own ``D_DST_*``); the tile top muxes which unit feeds it.
"""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ..mem.bus import MemSignature
from .layouts import FeatureCube

__all__ = [
    "WDMA",
]


class WDMA(wiring.Component):
    """Writes a W x H x C cube of int8 atoms to memory in NVDLA's feature format.

    Atom (surface s, line h, pixel w) goes to ``cfg.base + s * cfg.surface_stride +
    h * cfg.line_stride + w * atom`` (``tile_layout.feature_offset``). Consecutive atoms of one line
    are packed into one write per ``block_bytes`` block, with byte enables for the atoms present;
    a block is written when the line leaves it (it is full, or the line ends). Lines or surfaces
    that share a block (small strides) are written separately, each with its own byte enables, so
    the padding bytes between them are never touched. Whole atoms are written (the zero channels
    of a partial last surface included), as ``tile_layout.pack_feature`` does.

    Parameters
    ----------
    atom : int
        Bytes (int8 channels) per atom, the memory atom AtomC (8 in nv_small); a power of two from
        2 to ``block_bytes``.
    block_bytes : int
        Bytes per memory request (the SoC block, 64), a power of two from 8 to 256.

    Members
    -------
    i : In(stream.Signature(ArrayLayout(signed(8), atom)))
        Atoms in feature order (surface -> line -> pixel), with backpressure.
    bus : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Block-aligned writes (``we`` = 1), byte enables for the atoms written; the tag counts
        requests. Responses are only checked for ``err``.
    start : In(1)
        Begin a cube (ignored while one is being written); hold the configuration until ``done``.
    done : Out(1)
        High in the cycle the cube's last write request is accepted by the memory.
    busy : Out(1)
        From ``start`` to ``done``.
    cfg : In(FeatureCube)
        The cube to write (``layouts.FeatureCube``: sizes N - 1; ``base``, ``line_stride``,
        ``surface_stride`` from the unit's ``D_DST_*`` registers, bytes, multiples of ``atom``: the
        driver checks, low address bits are ignored).
    error : Out(1)
        A write response reported ``err`` since ``start``.
    bytes_written : Out(32)
        Bytes written (byte enables set in accepted requests) since ``start``.
    stall_cycles : Out(32)
        Cycles since ``start`` with a request waiting for ``bus.req.ready``
        (``D_PERF_WDMA_WRITE_STALL`` / ``D_PERF_WRITE_STALL``).

    Latency: a block's request is offered the cycle after the atom that completes it is accepted.
    Throughput: one atom per cycle; ``i.ready`` falls only when a block must leave while the
    previous request still waits for the memory (``i.ready`` then follows ``bus.req.ready``
    combinationally). Requests per line: the blocks the line touches.

    Resources: two ``block_bytes`` buffers (the block being filled and the request), address
    registers and counters.

    Raises
    ------
    TypeError, ValueError
        On a parameter of the wrong kind or value.
    """

    def __init__(self, *, atom=8, block_bytes=64):
        for name, value in (("atom", atom), ("block_bytes", block_bytes)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if not 8 <= block_bytes <= 256 or block_bytes & (block_bytes - 1):
            raise ValueError(f"block_bytes must be a power of two from 8 to 256, not {block_bytes!r}")
        if not 2 <= atom <= block_bytes or atom & (atom - 1):
            raise ValueError(f"atom must be a power of two from 2 to block_bytes ({block_bytes}), "
                             f"not {atom!r}")
        self._atom, self._block_bytes = atom, block_bytes
        super().__init__({
            "i": In(stream.Signature(data.ArrayLayout(signed(8), atom))),
            "bus": Out(MemSignature(data_width=8 * block_bytes, tag_width=16)),
            "start": In(1),
            "done": Out(1),
            "busy": Out(1),
            "cfg": In(FeatureCube),
            "error": Out(1),
            "bytes_written": Out(32),
            "stall_cycles": Out(32),
        })

    @property
    def atom(self):
        return self._atom

    @property
    def block_bytes(self):
        return self._block_bytes

    def elaborate(self, platform):
        m = Module()
        A, B = self._atom, self._block_bytes
        atom_bits = (A - 1).bit_length()
        block_bits = (B - 1).bit_length()
        slots = B // A
        req = self.bus.req

        # Position and address of the next atom.
        active = Signal()
        col, row = Signal(13), Signal(13)
        surface = Signal(range(8192 // A + 1))
        surf_addr, line_addr, addr = Signal(32), Signal(32), Signal(32)
        last_col = col == self.cfg.width
        last_row = row == self.cfg.height
        last_atom = last_col & last_row & (surface == (self.cfg.channel >> atom_bits))
        slot = addr[atom_bits:block_bits] if slots > 1 else Const(0, 1)
        block_end = (slot == slots - 1) | last_col          # this atom completes a request

        # The block being filled and the request register.
        fill_data = Signal(8 * B)
        fill_be = Signal(B)
        final = Signal()                                    # the request holds the last atom
        m.d.comb += self.i.ready.eq(active & (~block_end | ~req.valid | req.ready))
        accept = self.i.valid & self.i.ready
        new_data = Signal(8 * B)
        new_be = Signal(B)
        m.d.comb += [
            new_data.eq(fill_data | (self.i.p.as_value() << (slot * (8 * A)))),
            new_be.eq(fill_be | (Const((1 << A) - 1, B) << (slot * A))),
        ]

        m.d.comb += self.done.eq(req.valid & req.ready & final)
        with m.If(req.valid & req.ready):
            m.d.sync += [req.valid.eq(0), req.tag.eq(req.tag + 1), final.eq(0)]

        with m.If(self.start & ~self.busy):
            m.d.sync += [
                active.eq(1), self.busy.eq(1), col.eq(0), row.eq(0), surface.eq(0),
                surf_addr.eq(self.cfg.base), line_addr.eq(self.cfg.base),
                addr.eq(self.cfg.base), fill_data.eq(0), fill_be.eq(0),
            ]
        with m.Elif(accept):
            with m.If(block_end):
                m.d.sync += [
                    req.valid.eq(1), req.addr.eq(addr & ~(B - 1)), req.data.eq(new_data),
                    req.be.eq(new_be), final.eq(last_atom), fill_data.eq(0), fill_be.eq(0),
                ]
            with m.Else():
                m.d.sync += [fill_data.eq(new_data), fill_be.eq(new_be)]
            with m.If(~last_col):
                m.d.sync += [col.eq(col + 1), addr.eq(addr + A)]
            with m.Elif(~last_row):
                m.d.sync += [col.eq(0), row.eq(row + 1),
                             line_addr.eq(line_addr + self.cfg.line_stride),
                             addr.eq(line_addr + self.cfg.line_stride)]
            with m.Else():
                next_surface = surf_addr + self.cfg.surface_stride
                m.d.sync += [col.eq(0), row.eq(0), surface.eq(surface + 1),
                             surf_addr.eq(next_surface), line_addr.eq(next_surface),
                             addr.eq(next_surface)]
                with m.If(last_atom):
                    m.d.sync += active.eq(0)
        m.d.comb += req.we.eq(1)
        with m.If(self.done):
            m.d.sync += self.busy.eq(0)

        # Counters.
        with m.If(self.start & ~self.busy):
            m.d.sync += [self.bytes_written.eq(0), self.stall_cycles.eq(0), self.error.eq(0)]
        with m.Else():
            with m.If(req.valid & req.ready):
                m.d.sync += self.bytes_written.eq(self.bytes_written +
                                                  sum(req.be[n] for n in range(B)))
            with m.If(req.valid & ~req.ready):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
            with m.If(self.bus.rsp.valid & self.bus.rsp.err):
                m.d.sync += self.error.eq(1)
        return m
