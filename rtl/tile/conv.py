"""The tile's convolution core: CDMA -> CBUF -> CSC -> CMAC -> CACC -> output buffer, joined.

Place in the pipeline: memory -> **convolution core** -> SDP. The core loads a whole layer (input
cube and weights) into CBUF and, overlapped with the load, runs it at up to one atomic op per cycle
(CSC reads only what CDMA has already written, following CDMA's progress counters) and streams
the int32 output atoms (truncated by CACC) with backpressure, in feature-memory order.

The fit rule is :func:`simtlab.spec.tile_limits.conv_fits`, which the driver calls before programming
a layer.
"""

from amaranth import *
from amaranth.lib import data, fifo, stream, wiring
from amaranth.lib.wiring import In, Out

from ...config import TileConfig
from ...spec.tile_limits import conv_fits, weight_bytes
from ..mem.bus import MemSignature
from .cacc import CACC
from .cbuf import CBUF
from .cdma import CDMA
from .cmac import CMAC
from .csc import CSC

__all__ = [
    "CONV_CONFIG",
    "conv_config",
    "Conv",
]

#: :class:`Conv`'s ``cfg``: the fields each of its blocks reads (``CDMA.CONFIG``, ...) of its
#: unit's ``D_`` registers (CMAC's ``D_MISC_CFG`` has nothing the datapath reads).
CONV_CONFIG = data.StructLayout({"cdma": CDMA.CONFIG, "csc": CSC.CONFIG, "cacc": CACC.CONFIG})


def conv_config(shape, tile=TileConfig(), *, feature_addr, weight_addr, line_stride=None,
                surf_stride=None, pad_value=0, clip_truncate=0, data_banks=None,
                weight_banks=None):
    """The :class:`Conv` ``cfg`` value of a layer (``{"cdma": {field: value}, "csc": ...,
    "cacc": ...}``, fields named as in :data:`CONV_CONFIG`, the others 0), i.e. the register
    fields a driver writes that the datapath reads; checks the layer with :func:`conv_fits`."""
    data_banks, weight_banks = conv_fits(shape, tile, data_banks=data_banks,
                                         weight_banks=weight_banks)
    s, a = shape, tile.atom_c
    line = s.width * a if line_stride is None else line_stride
    surf = s.height * line if surf_stride is None else surf_stride
    common = {"data_bank": data_banks - 1}
    cdma = dict(common, datain_width=s.width - 1, datain_height=s.height - 1,
                datain_channel=s.channels - 1, dain_addr_low_0=feature_addr, line_stride=line,
                surf_stride=surf, weight_addr_low=weight_addr,
                weight_bytes=weight_bytes(s, tile), weight_kernel=s.kernels - 1)
    csc = dict(common, datain_width_ext=s.width - 1, datain_height_ext=s.height - 1,
               datain_channel_ext=s.channels - 1, weight_width_ext=s.kernel_w - 1,
               weight_height_ext=s.kernel_h - 1, weight_kernel=s.kernels - 1,
               dataout_width=s.out_width - 1, atomics=s.out_width * s.out_height - 1,
               conv_x_stride_ext=s.stride[1] - 1, conv_y_stride_ext=s.stride[0] - 1,
               x_dilation_ext=s.dilation[1] - 1, y_dilation_ext=s.dilation[0] - 1,
               pad_left=s.padding[2], pad_top=s.padding[0], pad_value=pad_value)
    return {"cdma": cdma, "csc": csc, "cacc": {"clip_truncate": clip_truncate}}


class Conv(wiring.Component):
    """The convolution core: one layer from memory to a stream of int32 output atoms.

    ``start`` runs CDMA (the whole layer into CBUF) and, at the same time, CSC/CMAC/CACC: CSC
    stalls a feature read until CDMA has written that line of that surface and a weight read
    until CDMA has written that weight entry. CDMA fetches the feature lines line-major (line 0 of
    every surface, then line 1, ...: the order the stripes need them) and the weights in pass
    order, giving the weights priority while they are less than ``lookahead`` atoms ahead of
    CSC's weight reads. Results go to an output buffer of ``credits`` atoms and leave on ``o``.
    CSC holds a stripe's last pass until the buffer has room for the stripe's results (credits
    return as atoms leave), so a stalled consumer stalls the MAC array and nothing is dropped.
    ``done`` pulses after the last output atom has been taken and CDMA has finished.

    Cycles: about max(load, compute + the wait for the first lines and weights) + 8 cycles of
    pipeline, where load is CDMA's (one CBUF atom per cycle: ``ceil(C/AtomC) * H * W +
    weight_entries`` plus memory latency) and compute CSC's (see :class:`CSC`: one atomic op
    per cycle, weight reloads hidden when stripes have >= AtomK + 1 pixels). The first stripe
    needs its input lines of every surface and (first group) all of the group's weights, so it
    runs at the load's pace; later stripes find their data in CBUF. Measured, nv_small, C = K =
    16, 3x3, pad 1, 8 x 6 output: 1728 MAC cycles in 1771 layer cycles (97.6%; 2134 and 81.0%
    when the load preceded the computation, the load is 389). On the "tile" preset (Verilator,
    ``drivers.bench.tile_layers``): dc_8x8x32_1x1x32x32 1,126 cycles (90.9%),
    dc_8x16x128_3x3x128x32 48,906 (98.9%), dc_13x15x64_5x3x64x16 28,378 (98.9%).

    Parameters
    ----------
    tile : TileConfig
    credits : int
        Output buffer atoms (default 2 x stripe: one stripe drains while the next completes).
    outstanding : int
        CDMA requests in flight.
    lookahead : int or None
        CDMA's weight lookahead in atoms (see :class:`CDMA`; default 4 memory blocks).

    Members
    -------
    cfg : In(CONV_CONFIG)
        ``cfg.cdma``, ``cfg.csc``, ``cfg.cacc``: the ``CONFIG`` of :class:`CDMA`, :class:`CSC`
        and :class:`CACC` (their units' ``D_`` register fields they read), passed on to them;
        hold them stable from ``start`` to ``done``.
    start : In(1)
    done : Out(1)
    dma : Out(MemSignature(data_width=512, tag_width=16))
        Read-only DMA port (feature lines and weights, interleaved).
    o : Out(stream.Signature(ArrayLayout(signed(32), atom_k)))
        Output atoms with backpressure, order: kernel group -> output row -> output column;
        lanes past K in the last group are 0.
    perf_cycles : Out(32)
        Cycles from ``start`` to ``done`` (``CDMA.D_PERF_LAYER_CYCLES``).
    perf_load_cycles : Out(32)
        Of which CDMA was loading CBUF (overlapped with the computation).
    perf_mac_cycles : Out(32)
        Cycles with an atomic op entering the array (``CMAC_A.D_PERF_MAC_CYCLES``).
    perf_stall_cycles : Out(32)
        CSC cycles from ``start`` to its last atomic op without one (waiting for CDMA's data,
        weight reloads not hidden, output buffer full).
    perf_dma_stall_cycles : Out(32)
        Cycles a DMA request waited for ``dma.req.ready``.
    perf_dma_bytes : Out(32)
        Bytes read by the DMA.
    sat_count : Out(32)
        ``CACC.D_OUT_SATURATION``: output lanes saturated in this layer.
    """

    def __init__(self, *, tile=TileConfig(), credits=None, outstanding=8, lookahead=None):
        if not isinstance(tile, TileConfig):
            raise TypeError(f"tile must be a TileConfig, not {tile!r}")
        credits = 2 * tile.stripe if credits is None else credits
        self._tile = tile
        self._cdma = CDMA(tile=tile, outstanding=outstanding, lookahead=lookahead)
        self._csc = CSC(tile=tile, credits=credits)
        super().__init__({
            "cfg": In(CONV_CONFIG),
            "start": In(1),
            "done": Out(1),
            "dma": Out(MemSignature(data_width=512, tag_width=16)),
            "o": Out(stream.Signature(data.ArrayLayout(signed(32), tile.atom_k))),
            "perf_cycles": Out(32),
            "perf_load_cycles": Out(32),
            "perf_mac_cycles": Out(32),
            "perf_stall_cycles": Out(32),
            "perf_dma_stall_cycles": Out(32),
            "perf_dma_bytes": Out(32),
            "sat_count": Out(32),
        })

    @property
    def tile(self):
        return self._tile

    @property
    def credits(self):
        return self._csc.credits

    def elaborate(self, platform):
        m = Module()
        tile = self._tile
        m.submodules.cdma = cdma = self._cdma
        m.submodules.cbuf = cbuf = CBUF(atom_c=tile.atom_c, banks=tile.cbuf_banks,
                                        bank_bytes=tile.cbuf_bank_bytes)
        m.submodules.csc = csc = self._csc
        m.submodules.cmac = cmac = CMAC(atom_c=tile.atom_c, atom_k=tile.atom_k)
        m.submodules.cacc = cacc = CACC(atom_c=tile.atom_c, atom_k=tile.atom_k, depth=tile.stripe)
        m.submodules.out = out = fifo.SyncFIFOBuffered(width=32 * tile.atom_k, depth=csc.credits)

        m.d.comb += [
            cdma.cfg.eq(self.cfg.cdma),
            cdma.kernel_size.eq((self.cfg.csc.weight_width_ext + 1)
                                * (self.cfg.csc.weight_height_ext + 1) - 1),
            csc.cfg.eq(self.cfg.csc),
            cacc.cfg.eq(self.cfg.cacc),
        ]

        wiring.connect(m, cdma=cdma.dma, dma=wiring.flipped(self.dma))
        wiring.connect(m, cdma=cdma.cbuf, cbuf=cbuf.w)
        wiring.connect(m, csc=csc.dat, cbuf=cbuf.dat)
        wiring.connect(m, csc=csc.wt, cbuf=cbuf.wt)
        wiring.connect(m, csc=csc.feature, cmac=cmac.i)
        wiring.connect(m, csc=csc.weight, cmac=cmac.wt)
        m.d.comb += cmac.swap.eq(csc.swap)

        # CSC tags atoms as they enter CMAC; the tags meet the partial sums CMAC.latency later.
        tag = csc.tag.p
        for n in range(CMAC.latency):
            delayed = Signal.like(tag, name=f"tag_{n}")
            m.d.sync += delayed.eq(tag)
            tag = delayed
        m.d.comb += [
            cacc.i.valid.eq(cmac.o.valid),
            cacc.i.p.slot.eq(tag.slot),
            cacc.i.p.first.eq(tag.first),
            cacc.i.p.last.eq(tag.last),
            cacc.i.p.psum.eq(cmac.o.p),
            cacc.sat_clear.eq(self.start),
            out.w_en.eq(cacc.o.valid),
            out.w_data.eq(cacc.o.p.data),
            self.o.valid.eq(out.r_rdy),
            self.o.p.eq(out.r_data),
            out.r_en.eq(self.o.ready),
            csc.credit.eq(self.o.valid & self.o.ready),
            self.sat_count.eq(cacc.sat_count),
            self.perf_dma_stall_cycles.eq(cdma.stall_cycles),
            self.perf_dma_bytes.eq(cdma.bytes_read),
            self.perf_stall_cycles.eq(csc.stall_cycles),
        ]

        # Layer sequencing: CDMA and CSC start together; CSC reads only what CDMA has written
        # (its progress counters). ``done`` waits for both: CSC's last result has left and CDMA
        # has finished (it may still be fetching data CSC never reads, e.g. the blob's padding).
        m.d.comb += [
            cdma.start.eq(self.start),
            csc.start.eq(self.start),
            csc.dat_lines.eq(cdma.dat_lines),
            csc.dat_surfaces.eq(cdma.dat_surfaces),
            csc.wt_entries.eq(cdma.wt_entries),
            cdma.wt_need.eq(csc.wt_need),
        ]
        loading = Signal()
        running = Signal()
        computed = Signal()
        with m.If(self.start):
            m.d.sync += [loading.eq(1), running.eq(1), computed.eq(0), self.perf_cycles.eq(0),
                         self.perf_load_cycles.eq(0), self.perf_mac_cycles.eq(0)]
        with m.Else():
            with m.If(running):
                m.d.sync += self.perf_cycles.eq(self.perf_cycles + 1)
            with m.If(loading):
                m.d.sync += self.perf_load_cycles.eq(self.perf_load_cycles + 1)
            with m.If(cmac.i.valid):
                m.d.sync += self.perf_mac_cycles.eq(self.perf_mac_cycles + 1)
            with m.If(cdma.done):
                m.d.sync += loading.eq(0)
            with m.If(csc.done):
                m.d.sync += computed.eq(1)
            with m.If(running & (csc.done | computed) & (cdma.done | ~loading)):
                m.d.comb += self.done.eq(1)
                m.d.sync += running.eq(0)
        return m
