"""The deep-learning tile as one component: registers, convolution core, SDP, PDP, CDP and their
DMAs.

Place in the SoC: MMIO bridge -> ``Tile.regs``; ``Tile.dma`` -> the SoC's memory port;
``Tile.irq`` -> the host / kernels. Inside: ``TileRegisters`` (regbus.py) -> per-unit ``cfg`` ->
``Conv`` (CDMA -> CBUF -> CSC -> CMAC -> CACC) -> ``SDP`` -> ``PDP`` -> write DMAs, plus the read
DMAs of SDP (its input cube, rdma.py, and X1/X2 per-channel operands, brdma.py) and PDP, and CDP
(cdp.py, memory to memory with its own reader and write DMA; its tables in ``CdpLut`` beside the
register blocks), all on one memory port through ``DmaArbiter`` (dma_arbiter.py). Every engine takes its configuration on one
``cfg`` port: the fields it reads (its ``CONFIG``, layouts.py) of its unit's register block
``cfg``, loaded in one statement per engine.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out, connect, flipped

from ...config import TileConfig
from ...spec.memory import BLOCK_BYTES
from ...spec import tile_regs
from ...spec.tile_limits import (FAULT_UNSUPPORTED, FAULT_WATCHDOG, PDP_MAX_WIDTH,
                                 SDP_MAX_CHANNELS, WATCHDOG_CYCLES)
from ..mem.bus import MemSignature
from ..mem.skid import RequestSkid
from .brdma import OperandLoader
from .cacc import CACC
from .cdma import CDMA
from .cdp import CDP, CdpLut
from .conv import Conv
from .csc import CSC
from .dma_arbiter import DmaArbiter
from .layouts import feature_cube, narrow
from .pdp import PDP
from .rdma import FeatureReader
from .regblock import RegBusSignature
from .regbus import TILE_ADDR_WIDTH, TileRegisters
from .sdp import SDP
from .wdma import WDMA

__all__ = [
    "TileFaultSignature",
    "Tile",
]

_DMA = MemSignature(data_width=8 * BLOCK_BYTES, tag_width=16)

#: ``fault`` port: ``valid`` (sticky until the next layer start), the ``unit`` (the register
#: page of the unit whose DMA failed: CDMA 3, SDP_RDMA 8, SDP 9, PDP_RDMA 10, PDP 11, CDP_RDMA 12,
#: CDP 13; 15 the
#: watchdog) and the failing request's byte ``addr``.
TileFaultSignature = wiring.Signature({"valid": Out(1), "unit": Out(4), "addr": Out(32)})


class Tile(wiring.Component):
    """The whole tile: NVDLA nv_small's programming model on one register bus and one DMA port.

    Layers run when their units are enabled (``D_OP_ENABLE`` of the consumer group):

    * **convolution**: CDMA, CSC, CMAC_A, CMAC_B, CACC and SDP (``FLYING_MODE`` on the fly) all
      enabled (NVDLA's order is SDP -> CACC -> CMAC -> CSC -> CDMA: the layer starts with the last
      of them), plus SDP_RDMA when SDP takes per-channel operands (``BS_*_SRC`` = memory: the
      operands are loaded into SDP's tables first) and PDP (on the fly) when SDP's
      ``OUTPUT_DST`` is PDP. Data flows conv -> SDP -> memory or conv -> SDP -> PDP -> memory
      with no memory round trip.
    * **SDP memory to memory**: SDP (``FLYING_MODE`` off) and SDP_RDMA enabled; SDP_RDMA reads
      the int8 cube at ``D_SRC_BASE_ADDR_LOW``.
    * **PDP memory to memory**: PDP (``FLYING_MODE`` off) and PDP_RDMA enabled.
    * **CDP** (local response normalization, always memory to memory): CDP and CDP_RDMA
      enabled; the tables are ``CDP.S_LUT_*`` (``S_LUT_ACCESS_CFG``/``DATA`` load them).

    A unit's ``done`` goes to its register block when its part of the layer is over (the
    convolution units when the last atom left CACC; SDP and PDP when their last output write is
    acknowledged; SDP_RDMA and PDP_RDMA with their SDP/PDP), which clears ``D_OP_ENABLE``,
    moves ``S_POINTER.CONSUMER`` (so a layer programmed in the other group starts next) and sets
    the unit's GLB status bit (CDMA's data and weight bits with the convolution units).
    Independent layers (a PDP memory-to-memory layer while a convolution writes through SDP) run
    concurrently: SDP and PDP have a write DMA each (``WDMA``), SDP_RDMA and PDP_RDMA a
    ``FeatureReader`` each, SDP_RDMA also an ``OperandLoader`` (its BRDMA); SDP's and PDP's layers
    end when their last write is acknowledged, so the data is in memory when the interrupt rises.

    Per-layer counters: ``CDMA.D_PERF_LAYER_CYCLES`` (start to the last CACC output),
    ``D_PERF_DAT_READ_STALL`` (DMA request stalls), ``CMAC_A.D_PERF_MAC_CYCLES``,
    ``CACC.D_OUT_SATURATION``, ``SDP.D_PERF_OUT_SATURATION`` and ``D_PERF_WDMA_WRITE_STALL``,
    ``PDP.D_PERF_LAYER_CYCLES`` (start to the last write acknowledged) and
    ``D_PERF_WRITE_STALL``, ``PDP_RDMA.D_PERF_READ_STALL``, ``SDP_RDMA`` read stalls, CDP's
    ``D_OUT_SATURATION``, ``D_PERF_LUT_*`` and ``D_PERF_WRITE_STALL``, ``CDP_RDMA``'s read
    stall. The latency counters read 0.

    Guard: the units trust their configuration (the driver rejects inconsistent layers), and a
    few inconsistent ones could stall a unit for ever (an SDP cube smaller or larger than the
    convolution output, a PDP output size that does not follow from its input). A watchdog
    aborts a started layer that makes no progress (no DMA request or response, no atom moving
    between units, no MAC cycle) for ``watchdog`` cycles: it holds the engines in reset until
    every DMA request in flight has been answered, then ends the layer's units as if done
    (interrupts included) and raises ``fault`` with unit ``FAULT_WATCHDOG``.

    Parameters
    ----------
    config : TileConfig
        AtomC must equal AtomK (SDP and PDP write AtomK-wide atoms as feature atoms).
    watchdog : int
        Cycles without progress before a started layer is aborted (default ``WATCHDOG_CYCLES``;
        tests use small values).
    clock_gating : bool
        ``True`` (default, for simulation): the register blocks and the engines (with the DMA
        arbiter, the watchdog and the engines' configuration copies) run on gated clocks, local
        domains clocked by ``sync`` AND an enable sampled at the falling edge of ``sync`` (as
        ``Fpu(clock_gating=True)``, docs/fpu.md): the registers tick in a cycle with a register
        access or the one after it, a unit's done, or a reset; the engines while a layer runs or
        starts, a DMA request is offered or in flight, the watchdog aborts, or a reset is under
        way. Verilator evaluates logic only downstream of a clock that ticked, so an idle tile
        costs a simulation almost nothing. Engines start one cycle after their layer (their
        configuration copies load in that cycle), the memory's ``ready`` reaches them through a
        skid buffer and responses through one register (one cycle). Requirement as for the FPU:
        inputs have their value for the cycle by the falling clock edge. ``False`` (FPGAs): one
        clock, the engines start in the layer's first cycle and see the memory directly.

    Members
    -------
    regs : In(RegBusSignature(14))
        The 64 KiB register window, word addressed; read latency 1 (``TileRegisters``).
    regs_error : Out(1)
        An access outside every unit, in the cycle after it (``TileRegisters.error``).
    dma : Out(MemSignature(data_width=512, tag_width=16))
        The tile's only memory master: 64-byte aligned reads (CDMA, SDP_RDMA, PDP_RDMA) and
        writes with byte enables (SDP, PDP). Responses, for reads and writes alike, must come in
        request order, as ``rtl/mem/bus.py`` specifies.
    irq : Out(1)
        GLB's interrupt line.
    fault : Out(TileFaultSignature)
        ``fault.valid`` rises when a DMA response has ``err`` (or the watchdog fires) and stays
        until the next layer starts; ``fault.unit``/``fault.addr`` name the first such event.
    """

    def __init__(self, config=None, *, watchdog=WATCHDOG_CYCLES, clock_gating=True):
        config = TileConfig() if config is None else config
        if not isinstance(config, TileConfig):
            raise TypeError(f"config must be a TileConfig, not {config!r}")
        if not isinstance(watchdog, int) or isinstance(watchdog, bool) or not \
                16 <= watchdog <= 1 << 30:
            raise ValueError(f"watchdog must be an integer from 16 to 2**30, not {watchdog!r}")
        self._watchdog = watchdog
        self._clock_gating = bool(clock_gating)
        if config.atom_c != config.atom_k:
            raise ValueError(f"the tile needs atom_c == atom_k (SDP and PDP write AtomK-wide "
                             f"feature atoms), not {config.atom_c} and {config.atom_k}")
        self._config = config
        super().__init__({
            "regs": In(RegBusSignature(TILE_ADDR_WIDTH)),
            "regs_error": Out(1),
            "dma": Out(_DMA),
            "irq": Out(1),
            "fault": Out(TileFaultSignature),
        })

    @property
    def config(self):
        return self._config

    @property
    def watchdog(self):
        return self._watchdog

    @property
    def clock_gating(self):
        return self._clock_gating

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        a = cfg.atom_c

        # With clock gating the register blocks run in ``tile_rg``, which ticks only in a cycle
        # with a register access or the one after it (rdata and error return to 0), a unit's
        # done, or a reset.
        gating = self._clock_gating
        rg_enable = Signal()
        registers = TileRegisters(cfg)
        if gating:
            m.domains.tile_rg = ClockDomain("tile_rg", local=True)
            m.d.comb += [
                ClockSignal("tile_rg").eq(ClockSignal("sync") & rg_enable),
                ResetSignal("tile_rg").eq(ResetSignal("sync")),
            ]
            m.submodules.registers = DomainRenamer("tile_rg")(registers)
        else:
            m.submodules.registers = registers
        connect(m, tile=flipped(self.regs), registers=registers.bus)
        # CDP's tables answer S_LUT_ACCESS_DATA in the register blocks' domain.
        lut = CdpLut()
        m.submodules.cdp_lut = DomainRenamer("tile_rg")(lut) if gating else lut
        rcdp = registers.cdp
        m.d.comb += [
            lut.cfg.lut_addr.eq(rcdp.shared.lut_addr),
            lut.cfg.lut_table_id.eq(rcdp.shared.lut_table_id),
            lut.cfg.lut_access_type.eq(rcdp.shared.lut_access_type),
            lut.cfg_written.eq(rcdp.written.s_lut_access_cfg),
            lut.port.eq(rcdp.port),
            rcdp.port_rdata.eq(lut.port_rdata),
        ]
        m.d.comb += [self.regs_error.eq(registers.error), self.irq.eq(registers.irq)]

        # Engines, each under the watchdog's reset. With clock gating they (and the DMA arbiter,
        # the watchdog, the engines' configuration and start pulses) run in the local domain
        # ``tile_dp``, whose clock ticks only while ``dp_enable``: a layer runs or starts, a DMA
        # request is offered or in flight, the watchdog aborts, or a reset is under way.
        # ``dp_enable`` is sampled at the falling edge of ``sync`` (glitch-free, as the FPU's
        # gates). Everything the engines read comes from ``tile_dp`` registers (configuration
        # copies, start pulses one cycle after the layer start, stream routing, the watchdog's
        # abort, the domain's reset ``dp_reset``), so Verilator evaluates none of their logic in
        # a cycle without a ``tile_dp`` tick.
        abort = Signal()
        dp_enable = Signal()
        dp_reset = Signal(init=1)
        if gating:
            m.domains.tile_en = ClockDomain("tile_en", clk_edge="neg", local=True,
                                            reset_less=True)
            m.domains.tile_dp = ClockDomain("tile_dp", local=True)
            m.domains.tile_dr = ClockDomain("tile_dr", local=True, reset_less=True)
            m.d.comb += [
                ClockSignal("tile_en").eq(ClockSignal("sync")),
                ClockSignal("tile_dp").eq(ClockSignal("sync") & dp_enable),
                ClockSignal("tile_dr").eq(ClockSignal("sync") & dp_enable),
                ResetSignal("tile_dp").eq(dp_reset),
            ]
            m.d.tile_dr += dp_reset.eq(ResetSignal("sync"))
            dp, cfg_d = "tile_dp", "tile_dp"
        else:
            m.d.comb += dp_reset.eq(0)
            dp, cfg_d = "sync", "comb"
        engines = {
            "conv": Conv(tile=cfg),
            "sdp_engine": SDP(atom_k=cfg.atom_k, max_channels=SDP_MAX_CHANNELS),
            "pdp_engine": PDP(atom=a, max_width=PDP_MAX_WIDTH),
            "brdma": OperandLoader(max_channels=SDP_MAX_CHANNELS, block_bytes=BLOCK_BYTES),
            "nrdma": OperandLoader(max_channels=SDP_MAX_CHANNELS, block_bytes=BLOCK_BYTES,
                                   x2=True),
            "mrdma": FeatureReader(atom=a, block_bytes=BLOCK_BYTES),
            "pdp_rdma_engine": FeatureReader(atom=a, block_bytes=BLOCK_BYTES),
            "sdp_wdma": WDMA(atom=a, block_bytes=BLOCK_BYTES),
            "pdp_wdma": WDMA(atom=a, block_bytes=BLOCK_BYTES),
            "cdp_engine": CDP(atom=a, block_bytes=BLOCK_BYTES),
        }
        for name, engine in engines.items():
            m.submodules[name] = DomainRenamer(dp)(ResetInserter(abort)(engine))
        conv, sdp, pdp = engines["conv"], engines["sdp_engine"], engines["pdp_engine"]
        brdma, mrdma, prdma = engines["brdma"], engines["mrdma"], engines["pdp_rdma_engine"]
        nrdma = engines["nrdma"]
        sdp_wdma, pdp_wdma = engines["sdp_wdma"], engines["pdp_wdma"]
        cdp = engines["cdp_engine"]
        m.d.comb += [lut.table.eq(cdp.table), lut.addr.eq(cdp.addr),
                     cdp.e0.eq(lut.e0), cdp.e1.eq(lut.e1)]

        # One memory port: (client, unit page for fault reports).
        clients = [(conv.dma, 0x3), (brdma.dma, 0x8), (mrdma.bus, 0x8), (prdma.bus, 0xA),
                   (sdp_wdma.bus, 0x9), (pdp_wdma.bus, 0xB), (nrdma.dma, 0x8),
                   (cdp.rd_bus, 0xC), (cdp.wr_bus, 0xD)]
        arbiter = DmaArbiter(len(clients), outstanding=16)
        m.submodules.arbiter = DomainRenamer(dp)(arbiter)
        for n, (port, _) in enumerate(clients):
            connect(m, **{f"client_{n}": port, f"arbiter_{n}": arbiter.clients[n]})
        if gating:
            # The memory's ready and responses reach the engines through tile_dp registers
            # only: a skid buffer (ready = not full) and a response register (one cycle).
            skid = RequestSkid(data_width=8 * BLOCK_BYTES, tag_width=16)
            m.submodules.dma_skid = DomainRenamer(dp)(skid)
            connect(m, arbiter=arbiter.bus.req, skid=skid.i)
            connect(m, skid=skid.o, tile=flipped(self.dma.req))
            rsp_in, rsp = self.dma.rsp, arbiter.bus.rsp
            m.d[dp] += [rsp.valid.eq(rsp_in.valid), rsp.data.eq(rsp_in.data),
                        rsp.tag.eq(rsp_in.tag), rsp.err.eq(rsp_in.err)]
            req_offered = skid.o.valid
        else:
            connect(m, arbiter=arbiter.bus, tile=flipped(self.dma))
            req_offered = arbiter.bus.req.valid

        # Configuration: each engine's cfg is the fields it reads (its CONFIG) of its unit's
        # register block cfg (the consumer group's copy of the unit's D_ fields); the feature DMAs
        # walk the cube their unit's registers describe (PDP writes its output cube with its
        # input's channels). With gating these are tile_dp copies, of the fields read only.
        sc, pc = registers.sdp.cfg, registers.pdp.cfg
        rc, prc = registers.sdp_rdma.cfg, registers.pdp_rdma.cfg
        crc = registers.cdp_rdma.cfg
        m.d[cfg_d] += [
            conv.cfg.cdma.eq(narrow(registers.cdma.cfg, CDMA.CONFIG)),
            conv.cfg.csc.eq(narrow(registers.csc.cfg, CSC.CONFIG)),
            conv.cfg.cacc.eq(narrow(registers.cacc.cfg, CACC.CONFIG)),
            sdp.cfg.eq(narrow(sc, SDP.CONFIG)),
            pdp.cfg.eq(narrow(pc, PDP.CONFIG)),
            brdma.cfg.eq(narrow(rc, OperandLoader.CONFIG)),
            # Whole atoms of operands: the lanes past C compute with theirs too (NVDLA reads
            # the operand cube by atoms).
            brdma.channel.eq(sc.channel | (cfg.atom_k - 1)),
            nrdma.cfg.bs_base_addr_low.eq(rc.bn_base_addr_low),
            nrdma.cfg.brdma_data_size.eq(rc.nrdma_data_size),
            nrdma.cfg.brdma_data_use.eq(rc.nrdma_data_use),
            nrdma.channel.eq(sc.channel | (cfg.atom_k - 1)),
            mrdma.cfg.eq(feature_cube(
                width=rc.width, height=rc.height, channel=rc.channel, base=rc.src_base_addr_low,
                line_stride=rc.src_line_stride, surface_stride=rc.src_surface_stride)),
            prdma.cfg.eq(feature_cube(
                width=prc.cube_in_width, height=prc.cube_in_height, channel=prc.cube_in_channel,
                base=prc.src_base_addr_low, line_stride=prc.src_line_stride,
                surface_stride=prc.src_surface_stride)),
            sdp_wdma.cfg.eq(feature_cube(
                width=sc.width, height=sc.height, channel=sc.channel, base=sc.dst_base_addr_low,
                line_stride=sc.dst_line_stride, surface_stride=sc.dst_surface_stride)),
            pdp_wdma.cfg.eq(feature_cube(
                width=pc.cube_out_width, height=pc.cube_out_height, channel=pc.cube_in_channel,
                base=pc.dst_base_addr_low, line_stride=pc.dst_line_stride,
                surface_stride=pc.dst_surface_stride)),
            cdp.cfg.eq(narrow(rcdp.cfg, CDP.CONFIG)),
            cdp.lut.eq(narrow(rcdp.shared, CDP.LUT_CONFIG)),
            cdp.src.eq(feature_cube(
                width=crc.width, height=crc.height, channel=crc.channel,
                base=crc.src_base_addr_low, line_stride=crc.src_line_stride,
                surface_stride=crc.src_surface_stride)),
        ]
        # The two loaders run one after the other (X1's first), so their writes never meet.
        with m.If(nrdma.param.valid):
            m.d.comb += [sdp.param.valid.eq(1), sdp.param.p.eq(nrdma.param.p)]
        with m.Else():
            m.d.comb += [sdp.param.valid.eq(brdma.param.valid), sdp.param.p.eq(brdma.param.p)]

        # Layer control. `*_active` marks a unit whose register group is in use by a started
        # layer; it clears with the unit's done, in the same edge as the register block moves on.
        conv_active, sdp_active, pdp_active = Signal(), Signal(), Signal()
        sdp_rdma_active, pdp_rdma_active = Signal(), Signal()
        cdp_active = Signal()
        sdp_from_mem, sdp_to_pdp, pdp_from_mem = Signal(), Signal(), Signal()
        sdp_waits_operands = Signal()
        needs_x1 = ~sc.bs_bypass & ((sc.bs_alu_src & ~sc.bs_alu_bypass) |
                                    (sc.bs_mul_src & ~sc.bs_mul_bypass))
        needs_x2 = ~sc.bn_bypass & ((sc.bn_alu_src & ~sc.bn_alu_bypass) |
                                    (sc.bn_mul_src & ~sc.bn_mul_bypass))
        needs_operands = needs_x1 | needs_x2
        pdp_joins = ~sc.output_dst | (registers.pdp.op_en & ~pc.flying_mode & ~pdp_active)
        sdp_ready = (registers.sdp.op_en & ~sdp_active & pdp_joins &
                     (~needs_operands | (registers.sdp_rdma.op_en & ~sdp_rdma_active)))
        conv_go = Signal()
        sdp_go = Signal()
        pdp_go = Signal()
        cdp_go = Signal()
        conv_enabled = (registers.cdma.op_en & registers.csc.op_en & registers.cmac_a.op_en &
                        registers.cmac_b.op_en & registers.cacc.op_en)
        m.d.comb += [
            conv_go.eq(conv_enabled & ~conv_active & sdp_ready & sc.flying_mode & ~abort &
                       ~dp_reset),
            sdp_go.eq(sdp_ready & ~sc.flying_mode & registers.sdp_rdma.op_en & ~sdp_rdma_active &
                      ~abort & ~dp_reset),
            pdp_go.eq(registers.pdp.op_en & pc.flying_mode & registers.pdp_rdma.op_en &
                      ~pdp_active & ~pdp_rdma_active & ~abort & ~dp_reset),
            cdp_go.eq(rcdp.op_en & registers.cdp_rdma.op_en & ~cdp_active & ~abort & ~dp_reset),
        ]
        # Start pulses: combinational without gating; with gating, registered in tile_dp (the
        # engines start one cycle after the layer, with their configuration copies loaded).
        starts = {name: Signal(name=f"{name}_start") for name in
                  ("mrdma", "brdma", "nrdma", "sdp", "pdp", "pdp_wdma", "sdp_wdma", "conv",
                   "prdma", "cdp")}
        for name, engine in (("mrdma", mrdma), ("brdma", brdma), ("nrdma", nrdma), ("sdp", sdp),
                             ("pdp", pdp),
                             ("pdp_wdma", pdp_wdma), ("sdp_wdma", sdp_wdma), ("conv", conv),
                             ("prdma", prdma), ("cdp", cdp)):
            m.d["tile_dp" if gating else "comb"] += engine.start.eq(starts[name])
        with m.If(conv_go | sdp_go):
            m.d.sync += sdp_active.eq(1)
            m.d[dp] += [sdp_from_mem.eq(sdp_go), sdp_to_pdp.eq(sc.output_dst)]
            m.d.comb += starts["mrdma"].eq(sdp_go)
            with m.If(needs_operands | sdp_go):
                m.d.sync += sdp_rdma_active.eq(1)
            with m.If(needs_operands):
                m.d.comb += [starts["brdma"].eq(needs_x1), starts["nrdma"].eq(~needs_x1)]
                m.d[dp] += sdp_waits_operands.eq(1)
            with m.Else():
                m.d.comb += starts["sdp"].eq(1)
            with m.If(sc.output_dst):
                m.d.sync += pdp_active.eq(1)
                m.d[dp] += pdp_from_mem.eq(0)
                m.d.comb += [starts["pdp"].eq(1), starts["pdp_wdma"].eq(1)]
            with m.Else():
                m.d.comb += starts["sdp_wdma"].eq(1)
        with m.If(conv_go):
            m.d.sync += conv_active.eq(1)
            m.d.comb += starts["conv"].eq(1)
        with m.If(brdma.done & sdp_waits_operands & needs_x2):
            m.d.comb += starts["nrdma"].eq(1)
        with m.Elif((brdma.done | nrdma.done) & sdp_waits_operands):
            m.d[dp] += sdp_waits_operands.eq(0)
            m.d.comb += starts["sdp"].eq(1)
        with m.If(pdp_go):
            m.d.sync += [pdp_active.eq(1), pdp_rdma_active.eq(1)]
            m.d[dp] += pdp_from_mem.eq(1)
            m.d.comb += [starts["prdma"].eq(1), starts["pdp"].eq(1), starts["pdp_wdma"].eq(1)]
        with m.If(cdp_go):
            m.d.sync += cdp_active.eq(1)
            m.d.comb += starts["cdp"].eq(1)

        # Layers the tile does not implement (NVDLA does) stop at their start with a fault naming
        # the register that asks for it (FAULT_UNSUPPORTED): pixel input, per-element operands.
        def offset(name):
            u, r = tile_regs.lookup(name)
            return u.base + r.offset
        unsupported = Signal()
        unsupported_reg = Signal(16)
        checks = ((conv_go & (registers.cdma.cfg.datain_format != 0), "CDMA.D_DATAIN_FORMAT"),
                  ((conv_go | sdp_go) & needs_x1 & ~rc.brdma_disable & rc.brdma_data_mode,
                   "SDP_RDMA.D_BRDMA_CFG"),
                  ((conv_go | sdp_go) & needs_x2 & ~rc.nrdma_disable & rc.nrdma_data_mode,
                   "SDP_RDMA.D_NRDMA_CFG"),
                  (cdp_go & (crc.input_data != 0), "CDP_RDMA.D_DATA_FORMAT"),
                  (cdp_go & (rcdp.cfg.input_data_type != 0), "CDP.D_DATA_FORMAT"))
        for n, (hit, name) in enumerate(checks):
            with m.If(hit & ~unsupported & ~Cat(*(h for h, _ in checks[:n])).any()):
                m.d[dp] += [unsupported.eq(1), unsupported_reg.eq(offset(name))]

        # Streams: conv or SDP_RDMA -> SDP -> write DMA or PDP; PDP_RDMA or SDP -> PDP -> write DMA.
        m.d.comb += [
            sdp.i.valid.eq(Mux(sdp_from_mem, mrdma.o.valid, conv.o.valid)),
            conv.o.ready.eq(sdp.i.ready & ~sdp_from_mem),
            mrdma.o.ready.eq(sdp.i.ready & sdp_from_mem),
        ]
        with m.If(sdp_from_mem):
            m.d.comb += [sdp.i.p[c].eq(mrdma.o.p[c]) for c in range(a)]
        with m.Else():
            m.d.comb += sdp.i.p.eq(conv.o.p)
        m.d.comb += [
            sdp_wdma.i.valid.eq(sdp.o.valid & ~sdp_to_pdp),
            sdp_wdma.i.p.eq(sdp.o.p),
            pdp.i.valid.eq(Mux(pdp_from_mem, prdma.o.valid, sdp.o.valid & sdp_to_pdp)),
            pdp.i.p.eq(Mux(pdp_from_mem, prdma.o.p.as_value(), sdp.o.p.as_value())),
            sdp.o.ready.eq(Mux(sdp_to_pdp, pdp.i.ready & ~pdp_from_mem, sdp_wdma.i.ready)),
            prdma.o.ready.eq(pdp.i.ready & pdp_from_mem),
        ]
        connect(m, pdp=pdp.o, wdma=pdp_wdma.i)

        # Layer ends: done pulses to the register blocks (and GLB through them). A write DMA's
        # cube is over when its last write is acknowledged (WDMA.done: the last one accepted).
        aborting = Signal()         # the watchdog ends every active unit
        conv_done, sdp_done, pdp_done, cdp_done = Signal(), Signal(), Signal(), Signal()
        unit_done = {"sdp": sdp_done, "pdp": pdp_done}
        written = {}
        for name, wdma in (("sdp", sdp_wdma), ("pdp", pdp_wdma)):
            unacked = Signal(16, name=f"{name}_unacked")
            sent = Signal(name=f"{name}_sent")
            written[name] = Signal(name=f"{name}_written")
            m.d.comb += written[name].eq(sent & (unacked == 0))
            with m.If(abort):
                m.d.sync += [unacked.eq(0), sent.eq(0)]
            with m.Else():
                m.d.sync += unacked.eq(unacked + (wdma.bus.req.valid & wdma.bus.req.ready)
                                       - wdma.bus.rsp.valid)
                with m.If(wdma.done):
                    m.d.sync += sent.eq(1)
                with m.Elif(unit_done[name]):
                    m.d.sync += sent.eq(0)
        m.d.comb += [
            conv_done.eq(conv_active & (conv.done | aborting)),
            sdp_done.eq(sdp_active & (Mux(sdp_to_pdp, sdp.done, written["sdp"]) | aborting)),
            # PDP's last output can be written before its last input lines (ending no window)
            # are taken: the layer (and SDP, conv before it) ends when the walker is through.
            pdp_done.eq(pdp_active & ((written["pdp"] & ~pdp.walking) | aborting)),
            cdp_done.eq(cdp_active & (cdp.done | aborting)),
        ]
        for unit in (registers.cdma, registers.csc, registers.cmac_a, registers.cmac_b,
                     registers.cacc):
            m.d.comb += unit.done.eq(conv_done)
        m.d.comb += [
            registers.sdp.done.eq(sdp_done),
            registers.sdp_rdma.done.eq(sdp_done & sdp_rdma_active),
            registers.pdp.done.eq(pdp_done),
            registers.pdp_rdma.done.eq(pdp_done & pdp_rdma_active),
            rcdp.done.eq(cdp_done),
            registers.cdp_rdma.done.eq(cdp_done),
        ]
        group = Cat(conv_done & ~registers.cdma.consumer, conv_done & registers.cdma.consumer)
        m.d.comb += [registers.intr_done.cdma_dat.eq(group), registers.intr_done.cdma_wt.eq(group)]
        with m.If(conv_done):
            m.d.sync += conv_active.eq(0)
        with m.If(sdp_done):
            m.d.sync += [sdp_active.eq(0), sdp_rdma_active.eq(0)]
            m.d[dp] += sdp_waits_operands.eq(0)
        with m.If(pdp_done):
            m.d.sync += [pdp_active.eq(0), pdp_rdma_active.eq(0)]
        with m.If(cdp_done):
            m.d.sync += cdp_active.eq(0)

        # Counters.
        pdp_cycles = Signal(32)
        with m.If(starts["pdp"]):
            m.d.sync += pdp_cycles.eq(0)
        with m.Elif(pdp_active):
            m.d.sync += pdp_cycles.eq(pdp_cycles + 1)
        m.d.comb += [
            registers.cdma.counters.layer_cycles.eq(conv.perf_cycles),
            registers.cdma.counters.dat_rd_stall.eq(conv.perf_dma_stall_cycles),
            registers.cmac_a.counters.mac_cycles.eq(conv.perf_mac_cycles),
            registers.cacc.counters.sat_count.eq(conv.sat_count),
            registers.sdp.counters.out_saturation.eq(sdp.out_saturation),
            registers.sdp.counters.wdma_stall.eq(sdp_wdma.stall_cycles),
            registers.sdp_rdma.counters.mrdma_stall.eq(mrdma.stall_cycles),
            registers.sdp_rdma.counters.brdma_stall.eq(brdma.stall_cycles),
            registers.sdp_rdma.counters.nrdma_stall.eq(nrdma.stall_cycles),
            registers.pdp.counters.layer_cycles.eq(pdp_cycles),
            registers.pdp.counters.perf_write_stall.eq(pdp_wdma.stall_cycles),
            registers.pdp_rdma.counters.perf_read_stall.eq(prdma.stall_cycles),
            rcdp.counters.out_saturation.eq(cdp.counters.out_saturation),
            rcdp.counters.perf_write_stall.eq(cdp.counters.write_stall),
            rcdp.counters.lut_uflow.eq(cdp.counters.lut_uflow),
            rcdp.counters.lut_oflow.eq(cdp.counters.lut_oflow),
            rcdp.counters.lut_hybrid.eq(cdp.counters.lut_hybrid),
            rcdp.counters.lut_le_hit.eq(cdp.counters.lut_le_hit),
            rcdp.counters.lut_lo_hit.eq(cdp.counters.lut_lo_hit),
            registers.cdp_rdma.counters.perf_read_stall.eq(cdp.counters.read_stall),
        ]

        # Watchdog: progress is any DMA handshake, any atom moving, any MAC cycle.
        mac_seen = Signal(32)
        m.d[dp] += mac_seen.eq(conv.perf_mac_cycles)
        moved = [s.valid & s.ready for s in (conv.o, sdp.i, sdp.o, pdp.i, pdp.o)]
        progress = Cat(*moved, self.dma.req.valid & self.dma.req.ready, self.dma.rsp.valid,
                       sdp.param.valid, mac_seen != conv.perf_mac_cycles, cdp.moved).any()
        idle_cycles = Signal(range(self._watchdog + 1))
        running = conv_active | sdp_active | pdp_active | cdp_active
        with m.FSM(name="watchdog", domain=dp):
            with m.State("Run"):
                with m.If(unsupported):
                    m.next = "Drain"
                with m.Elif(~running | progress):
                    m.d[dp] += idle_cycles.eq(0)
                with m.Elif(idle_cycles == self._watchdog - 1):
                    m.next = "Drain"
                with m.Else():
                    m.d[dp] += idle_cycles.eq(idle_cycles + 1)
            with m.State("Drain"):
                m.d.comb += abort.eq(1)
                with m.If(arbiter.idle):
                    m.next = "End"
            with m.State("End"):
                m.d.comb += [abort.eq(1), aborting.eq(1)]
                m.d[dp] += [idle_cycles.eq(0), unsupported.eq(0)]
                m.next = "Run"

        if gating:
            accessed = Signal(init=1)
            m.d.sync += accessed.eq(self.regs.valid)
            m.d.tile_en += rg_enable.eq(
                self.regs.valid | accessed | conv_done | sdp_done | pdp_done | cdp_done |
                registers.intr_done.as_value().any() | ResetSignal("sync"))
            m.d.tile_en += dp_enable.eq(
                running | conv_go | sdp_go | pdp_go | cdp_go | abort | ~arbiter.idle |
                req_offered | ResetSignal("sync") | dp_reset)

        # Fault: the first DMA error (or watchdog abort) since the last layer start.
        units = Array(Const(unit, 4) for _, unit in clients)
        with m.If(conv_go | sdp_go | pdp_go | cdp_go):
            m.d.sync += self.fault.valid.eq(0)
        with m.If(aborting & ~self.fault.valid):
            m.d.sync += [self.fault.valid.eq(1),
                         self.fault.unit.eq(Mux(unsupported, FAULT_UNSUPPORTED, FAULT_WATCHDOG)),
                         self.fault.addr.eq(Mux(unsupported, unsupported_reg, 0))]
        with m.Elif(arbiter.fault.valid & ~self.fault.valid):
            m.d.sync += [self.fault.valid.eq(1), self.fault.unit.eq(units[arbiter.fault.client]),
                         self.fault.addr.eq(arbiter.fault.addr)]
        return m
