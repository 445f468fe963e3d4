"""The simulated device's top level: DCRs, the host's start/busy handshake, one SIMT core, its ports.

Its Verilog ports (module ``simtlab_top``) are what the Verilator harness and cocotb testbenches
drive; docs/architecture.md lists them.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..core.core import Core, FaultSignature, PerfSignature, debug_signature, retire_signature
from ..mem.arbiter import MemArbiter
from ..mem.bus import MemSignature
from ..mem.dcache import CachePerfSignature, DCache
from ..mem.skid import RequestSkid
from ..tile.regblock import RegBusSignature
from .dcr import DcrFile, DcrWriteSignature
from .mmio import MmioBridge

__all__ = [
    "SimtTop",
]


class SimtTop(wiring.Component):
    """The whole device as the host sees it.

    Parameters
    ----------
    config : SimtConfig

    Members
    -------
    dcr : In(DcrWriteSignature)
        DCR writes (``dcr__valid``, ``dcr__addr``, ``dcr__data``).
    start : In(1)
        One-cycle pulse: run from STARTUP_ADDR with mscratch = STARTUP_ARG.
    busy : Out(1)
        High until every warp has retired or a fault stopped the device.
    imem, dmem : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Instruction and data memory ports moving 64-byte blocks (``imem__req__valid``,
        ``dmem__rsp__data``, ...).
    fault : Out(FaultSignature)
        ``fault__valid`` (sticky), ``fault__cause`` (mcause numbering), ``fault__pc``,
        ``fault__addr``.
    retire : Out(retire_signature(threads))
        One retired warp instruction per cycle: ``retire__valid/pc/insn/warp/rd/tmask/data``.
    dbg : Out(debug_signature(warps, threads))
        Every warp's ``pc``, ``tmask``, ``active``, ``waiting`` and ``barrier``, for watchdog dumps.
    perf : Out(PerfSignature)
        ``perf__stall``: the stall class of each cycle (a ``simtlab.spec.status.StallCause``);
        ``perf__lmem_reads``/``perf__lmem_writes``: the lanes the local memory served.

    With a tile (``config.tile``), also:

    host : In(RegBusSignature(14))
        The host's accesses to the tile's registers (word offset in the MMIO window); requests are
        registered on the way in, so ``host__rdata`` comes two cycles after a read is offered.
    tile_irq : Out(1)
        GLB's interrupt line (a layer finished and its status bit is not masked).
    tile_fault : Out(TileFaultSignature)
        ``tile_fault__valid`` (sticky until the tile's next layer starts), ``__unit`` (the unit's
        4 KiB page: CDMA 3, SDP_RDMA 8, SDP 9, PDP_RDMA 10, PDP 11; 15: watchdog), ``__addr``.

    With an L1 data cache (``config.dcache``) or instruction cache (``config.icache``), also:

    dcache_perf, icache_perf : Out(CachePerfSignature)
        The cache's counters: ``dcache_perf__hits``, ``__misses``, ``__mshr_stalls``.

    and its port (``dmem``, ``imem``) then carries the cache's line fills, uncached reads and every
    write (write-through); its tag bit 0 marks reads.

    With a tile, ``dmem`` carries the tile's DMA too: its tags are 17 bits, the top bit naming the master
    (0 the core, 1 the tile). The core's accesses to the MMIO window go to the tile's registers
    through :class:`~.mmio.MmioBridge`, never to the memory port.
    """

    def __init__(self, config):
        self._config = config
        bus = MemSignature(data_width=8 * config.block_bytes, tag_width=16)
        data_bus = MemSignature(data_width=8 * config.block_bytes,
                                tag_width=16 if config.tile is None else 17)
        ports = {
            "dcr": In(DcrWriteSignature),
            "start": In(1),
            "busy": Out(1),
            "imem": Out(bus),
            "dmem": Out(data_bus),
            "fault": Out(FaultSignature),
            "retire": Out(retire_signature(config.threads)),
            "dbg": Out(debug_signature(config.warps, config.threads)),
            "perf": Out(PerfSignature),
        }
        for name in ("dcache", "icache"):
            if getattr(config, name) is not None:
                ports[f"{name}_perf"] = Out(CachePerfSignature)
        if config.tile is not None:
            from ..tile.tile import TileFaultSignature
            ports.update({"host": In(RegBusSignature(14)), "tile_irq": Out(1),
                          "tile_fault": Out(TileFaultSignature)})
        super().__init__(ports)

    @property
    def config(self):
        return self._config

    def elaborate(self, platform):
        m = Module()
        # The core runs in domain "core": the same clock, but its reset is the `rst` input delayed
        # by one register. Like the registered memory responses and start pulse below, this keeps
        # every core signal free of combinational paths from the top's inputs, which lets Verilator
        # evaluate the core once per cycle instead of once per input change.
        m.domains.core = core_domain = ClockDomain("core", local=True)
        core_reset = Signal(init=1)
        m.d.sync += core_reset.eq(0)
        m.d.comb += [core_domain.clk.eq(ClockSignal("sync")), core_domain.rst.eq(core_reset)]
        m.submodules.dcrs = dcrs = DcrFile(self._config)
        m.submodules.core = core = DomainRenamer("core")(Core(self._config))
        wiring.connect(m, dcr=wiring.flipped(self.dcr), dcrs=dcrs.write)
        # Requests go out through a skid buffer and responses pass one register, so that no logic
        # of the core depends combinationally on the memory (the simulator then evaluates the
        # core once per cycle).
        width = 8 * self._config.block_bytes
        caches, names = [], []      # ports with an L1 cache / straight to the top's port
        for name in ("imem", "dmem"):
            if getattr(self._config, f"{name[0]}cache") is not None:
                caches.append(self._cache(m, core, name))
            elif name == "imem" or self._config.tile is None:   # the tile shares dmem (_tile)
                names.append(name)
        for name in names:
            port, inner = getattr(self, name), getattr(core, name)
            skid = RequestSkid(data_width=width, tag_width=16)
            m.submodules[f"{name}_skid"] = DomainRenamer("core")(skid)
            wiring.connect(m, core=inner.req, skid=skid.i)
            wiring.connect(m, skid=skid.o, port=wiring.flipped(port.req))
            m.d.core += [
                inner.rsp.valid.eq(port.rsp.valid), inner.rsp.data.eq(port.rsp.data),
                inner.rsp.tag.eq(port.rsp.tag), inner.rsp.err.eq(port.rsp.err),
            ]
        if self._config.tile is not None:
            self._tile(m, core)
        wiring.connect(m, fault=wiring.flipped(self.fault), core=core.fault)
        wiring.connect(m, retire=wiring.flipped(self.retire), core=core.retire)
        wiring.connect(m, dbg=wiring.flipped(self.dbg), core=core.dbg)
        wiring.connect(m, perf=wiring.flipped(self.perf), core=core.perf)
        # Registered like the memory responses: no core logic depends combinationally on an input.
        start = Signal()
        m.d.core += start.eq(self.start)
        for cache in caches:
            m.d.comb += cache.invalidate.eq(start)      # a launch forgets every line
        m.d.comb += [
            core.start.eq(start),
            core.start_pc.eq(dcrs.startup_addr),
            core.start_arg.eq(dcrs.startup_arg),
            self.busy.eq(core.busy | start),     # busy from the cycle after the start pulse
        ]
        return m

    def _cache(self, m, core, name):
        """An L1 cache between the core's ``name`` port (imem, dmem) and the top's: core -> cache
        -> skid.

        The skid goes below the cache, so the cache refuses a request exactly when the core sees it
        refused: a store leaves the top in the cycle the core's LSU issues it (the harness counts
        ending stores by that), and the cache's ``ready`` never depends on a top input. The cache's
        answers pass one register, as the memory's do without a cache (a hit reaches the core 3
        cycles after its request, like the ideal memory's 2 + 1); the memory's answers go straight
        into the cache.
        """
        cfg = self._config
        width = 8 * cfg.block_bytes
        kind = f"{name[0]}cache"
        port, inner = getattr(self, name), getattr(core, name)
        cache = DomainRenamer("core")(DCache(getattr(cfg, kind), regions=cfg.regions,
                                             block_bytes=cfg.block_bytes, tag_width=16))
        skid = DomainRenamer("core")(RequestSkid(data_width=width, tag_width=16))
        m.submodules[kind] = cache
        m.submodules[f"{name}_skid"] = skid
        wiring.connect(m, core=inner.req, cache=cache.bus.req)
        wiring.connect(m, cache=cache.mem.req, skid=skid.i)
        wiring.connect(m, skid=skid.o, port=wiring.flipped(port.req))
        wiring.connect(m, port=wiring.flipped(port.rsp), cache=cache.mem.rsp)
        wiring.connect(m, cache=cache.perf, top=wiring.flipped(getattr(self, f"{kind}_perf")))
        answer = cache.bus.rsp
        m.d.core += [inner.rsp.valid.eq(answer.valid), inner.rsp.data.eq(answer.data),
                     inner.rsp.tag.eq(answer.tag), inner.rsp.err.eq(answer.err)]
        return cache

    def _tile(self, m, core):
        """The tile, its DMA and the core's data port on one memory port; the MMIO bridge."""
        from ..tile.tile import Tile
        cfg = self._config
        width = 8 * cfg.block_bytes
        m.submodules.tile = tile = DomainRenamer("core")(Tile(cfg.tile))
        m.submodules.mmio = bridge = DomainRenamer("core")(MmioBridge(block_bytes=cfg.block_bytes))
        m.submodules.arbiter = arbiter = DomainRenamer("core")(
            MemArbiter(count=2, data_width=width, tag_width=16))

        # The core's requests: skid buffer, then the bridge; its responses come from the bridge.
        skid = DomainRenamer("core")(RequestSkid(data_width=width, tag_width=16))
        m.submodules.dmem_skid = skid
        wiring.connect(m, core=core.dmem.req, skid=skid.i)
        wiring.connect(m, skid=skid.o, bridge=bridge.cpu.req)
        m.d.comb += [
            core.dmem.rsp.valid.eq(bridge.cpu.rsp.valid), core.dmem.rsp.data.eq(bridge.cpu.rsp.data),
            core.dmem.rsp.tag.eq(bridge.cpu.rsp.tag), core.dmem.rsp.err.eq(bridge.cpu.rsp.err),
        ]
        wiring.connect(m, bridge=bridge.mem, arbiter=arbiter.masters[0])
        # The tile's DMA: its own skid buffer (no tile logic depends on a top input).
        tile_skid = DomainRenamer("core")(RequestSkid(data_width=width, tag_width=16))
        m.submodules.tile_dma_skid = tile_skid
        wiring.connect(m, tile=tile.dma.req, skid=tile_skid.i)
        wiring.connect(m, skid=tile_skid.o, arbiter=arbiter.masters[1].req)
        wiring.connect(m, arbiter=arbiter.masters[1].rsp, tile=tile.dma.rsp)
        # The shared port: requests straight out, responses through one register.
        wiring.connect(m, arbiter=arbiter.bus.req, port=wiring.flipped(self.dmem.req))
        m.d.core += [
            arbiter.bus.rsp.valid.eq(self.dmem.rsp.valid), arbiter.bus.rsp.data.eq(self.dmem.rsp.data),
            arbiter.bus.rsp.tag.eq(self.dmem.rsp.tag), arbiter.bus.rsp.err.eq(self.dmem.rsp.err),
        ]
        # Registers: the bridge (core and host) drives the tile's register bus.
        wiring.connect(m, bridge=bridge.regs, tile=tile.regs)
        m.d.comb += bridge.error.eq(tile.regs_error)
        host = self.host
        m.d.core += [
            bridge.host.valid.eq(host.valid), bridge.host.write.eq(host.write),
            bridge.host.addr.eq(host.addr), bridge.host.wdata.eq(host.wdata),
        ]
        m.d.comb += [host.rdata.eq(bridge.host.rdata), host.ready.eq(bridge.host.ready),
                     self.tile_irq.eq(tile.irq)]
        wiring.connect(m, tile=tile.fault, top=wiring.flipped(self.tile_fault))
