"""The simulated device's top level: DCRs, the host's start/busy handshake, a cluster of SIMT cores
(``config.cores``) with their global barrier and memory arbiters, its ports.

Its Verilog ports (module ``simtlab_top``) are what the Verilator harness and cocotb testbenches
drive; docs/architecture.md lists them.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ..core.core import FaultSignature, PerfSignature, PipeSignature, debug_signature
from ..mem.arbiter import MemArbiter
from ..mem.bus import MemSignature
from ..mem.dcache import CachePerfSignature, CacheStateSignature, DCache
from ..mem.skid import RequestSkid
from ..tile.regblock import RegBusSignature
from .core_node import CoreNode
from .dcr import DcrFile, DcrWriteSignature
from .global_barrier import GlobalBarrier
from .mmio import MmioBridge

__all__ = [
    "SimtTop",
    "cluster_cache_signature",
    "cluster_retire_signature",
]


def cluster_retire_signature(cores, threads):
    """Every core's retire port (:func:`~simtlab.rtl.core.core.retire_signature`) side by side:
    field ``f`` of core ``c`` is element ``c`` of ``f`` (``retire__pc`` is ``32 * cores`` bits)."""
    return wiring.Signature({
        "valid": Out(cores),
        "pc": Out(data.ArrayLayout(32, cores)),
        "insn": Out(data.ArrayLayout(32, cores)),
        "warp": Out(data.ArrayLayout(5, cores)),
        "rd": Out(data.ArrayLayout(6, cores)),
        "tmask": Out(data.ArrayLayout(threads, cores)),
        "data": Out(data.ArrayLayout(data.ArrayLayout(32, threads), cores)),
    })


def cluster_cache_signature(signature, count):
    """``count`` caches' ``signature`` (:data:`~simtlab.rtl.mem.dcache.CachePerfSignature` or
    ``CacheStateSignature``) side by side: field ``f`` of cache ``c`` is element ``c`` of ``f``
    (``hits`` is ``32 * count`` bits)."""
    return wiring.Signature({name: Out(data.ArrayLayout(member.shape, count))
                             for name, member in signature.members.items()})


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
    imem, dmem : Out(MemSignature(data_width=8 * block_bytes, tag_width=16 + master bits))
        Instruction and data memory ports moving 64-byte blocks (``imem__req__valid``,
        ``dmem__rsp__data``, ...). With several cores a round-robin arbiter joins theirs: the
        tag's bits 16 and up name the core (``ceil(log2(cores))`` bits).
    fault : Out(FaultSignature)
        ``fault__valid`` (sticky), ``fault__cause`` (mcause numbering), ``fault__pc``,
        ``fault__addr``.
        With several cores: the lowest-numbered faulting core's.
    retire : Out(cluster_retire_signature(cores, threads))
        One retired warp instruction per core and cycle: ``retire__valid/pc/insn/warp/rd/tmask/
        data``, core ``c``'s as element ``c`` (``warp`` is the warp in its core).
    dbg : Out(debug_signature(cores * warps, threads))
        Every warp's ``pc``, ``tmask``, ``active``, ``waiting`` and ``barrier``, for watchdog dumps;
        core ``c``'s warp ``w`` is device warp ``c * warps + w``.
    perf : Out
        ``perf__stall``: each core's stall class of the cycle (a ``simtlab.spec.status.StallCause``,
        core ``c``'s as element ``c``); ``perf__lmem_reads``/``perf__lmem_writes``: the lanes each
        core's local memory served.
    pipe : Out
        Each core's pipeline events of the cycle (:data:`~simtlab.rtl.core.core.PipeSignature`,
        core ``c``'s as element ``c``): ``pipe__d_new``, ``__x_new``, ``__x_advance``,
        ``__x_warp``; the harness turns them into pipeline records for Konata.

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

    dcache_perf, icache_perf : Out(cluster_cache_signature(CachePerfSignature, cores))
        Each core's L1 counters (:data:`~simtlab.rtl.mem.dcache.CachePerfSignature`), core ``c``'s
        as element ``c``: ``dcache_perf__hits``, ``__misses``, ``__mshr_stalls``.
    dcache_state, icache_state : Out(cluster_cache_signature(CacheStateSignature, cores))
        What each core's L1 holds now (``__outstanding`` reads below, ``__queued`` requests), for
        the harness's watchdog dumps.

    and its port (``dmem``, ``imem``) then carries the cache's line fills, uncached reads and every
    write (write-through); its tag bit 0 marks reads.

    With a shared L2 (``config.l2``), also:

    l2_perf : Out(cluster_cache_signature(CachePerfSignature, 1))
    l2_state : Out(cluster_cache_signature(CacheStateSignature, 1))
        The L2's counters and what it holds now. Every core's data requests (after its L1) go through the data arbiter
        into the L2 (:class:`~simtlab.rtl.mem.dcache.DCache`, the same write-through cache as the
        L1s), and the L2's fills, uncached reads and writes leave on ``dmem``: its tag bit 0 then
        marks the L2's reads (an L1's own read mark is kept in the L2's queue and comes back with
        the answer).

    With a tile, ``dmem`` carries the tile's DMA too: its tags are 17 bits, the top bit naming the master
    (0 the core, 1 the tile). The core's accesses to the MMIO window go to the tile's registers
    through :class:`~.mmio.MmioBridge`, never to the memory port. A tile needs ``cores == 1``.

    Every core starts at the start pulse (its warp 0 at STARTUP_ADDR); ``bar`` with bit 31 of the
    id is Vortex's global barrier across cores (:class:`~.global_barrier.GlobalBarrier`).
    """

    def __init__(self, config):
        self._config = config
        derived = config.derive()
        n, T = config.cores, config.threads
        # Ports of the cluster's memory arbiters carry the master's number above its 16 tag bits.
        data_masters = n + (config.tile is not None)
        bus = MemSignature(data_width=8 * config.block_bytes, tag_width=16 + (n - 1).bit_length())
        data_bus = MemSignature(data_width=8 * config.block_bytes,
                                tag_width=16 + (data_masters - 1).bit_length())
        ports = {
            "dcr": In(DcrWriteSignature),
            "start": In(1),
            "busy": Out(1),
            "imem": Out(bus),
            "dmem": Out(data_bus),
            "fault": Out(FaultSignature),
            "retire": Out(cluster_retire_signature(n, T)),
            "dbg": Out(debug_signature(n * config.warps, T)),
            "perf": Out(wiring.Signature({name: Out(data.ArrayLayout(member.shape, n))
                                          for name, member in PerfSignature.members.items()})),
            "pipe": Out(wiring.Signature({name: Out(data.ArrayLayout(member.shape, n))
                                          for name, member in PipeSignature.members.items()})),
        }
        for name in ("dcache", "icache"):
            if getattr(config, name) is not None:
                ports[f"{name}_perf"] = Out(cluster_cache_signature(CachePerfSignature, n))
                ports[f"{name}_state"] = Out(cluster_cache_signature(CacheStateSignature, n))
        if config.l2 is not None:
            ports["l2_perf"] = Out(cluster_cache_signature(CachePerfSignature, 1))
            ports["l2_state"] = Out(cluster_cache_signature(CacheStateSignature, 1))
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
        cfg = self._config
        n, W = cfg.cores, cfg.warps
        # The cores run in domain "core": the same clock, but its reset is the `rst` input delayed
        # by one register. Like the registered memory responses and start pulse below, this keeps
        # every core signal free of combinational paths from the top's inputs, which lets Verilator
        # evaluate the cores once per cycle instead of once per input change.
        m.domains.core = core_domain = ClockDomain("core", local=True)
        core_reset = Signal(init=1)
        m.d.sync += core_reset.eq(0)
        m.d.comb += [core_domain.clk.eq(ClockSignal("sync")), core_domain.rst.eq(core_reset)]
        m.submodules.dcrs = dcrs = DcrFile(cfg)
        wiring.connect(m, dcr=wiring.flipped(self.dcr), dcrs=dcrs.write)
        nodes = []
        for c in range(n):
            node = CoreNode(cfg, c, register_responses=cfg.tile is None)
            m.submodules[f"core{c}" if n > 1 else "core"] = node = DomainRenamer("core")(node)
            nodes.append(node)
        # Registered like the memory responses: no core logic depends combinationally on an input.
        start = Signal()
        m.d.core += start.eq(self.start)
        for node in nodes:
            m.d.comb += [node.start.eq(start), node.start_pc.eq(dcrs.startup_addr),
                         node.start_arg.eq(dcrs.startup_arg)]
        m.d.comb += self.busy.eq(Cat(node.busy for node in nodes).any() | start)

        self._join(m, [node.imem for node in nodes], self.imem, "imem")
        if cfg.tile is not None:
            self._tile(m, nodes[0])
        elif cfg.l2 is not None:
            l2_idle = self._l2(m, [node.dmem for node in nodes])
        else:
            self._join(m, [node.dmem for node in nodes], self.dmem, "dmem")

        # Every core's retire, debug and stall outputs side by side (core c's warps are the
        # device's warps c * warps ...); the lowest-numbered faulting core's fault.
        retire = self.retire
        for c, node in enumerate(nodes):
            r = node.retire
            m.d.comb += [retire.valid[c].eq(r.valid), retire.pc[c].eq(r.pc),
                         retire.insn[c].eq(r.insn), retire.warp[c].eq(r.warp),
                         retire.rd[c].eq(r.rd), retire.tmask[c].eq(r.tmask),
                         retire.data[c].eq(r.data)]
            for name in PerfSignature.members:
                m.d.comb += getattr(self.perf, name)[c].eq(getattr(node.perf, name))
            for name in PipeSignature.members:
                m.d.comb += getattr(self.pipe, name)[c].eq(getattr(node.pipe, name))
            for w in range(W):
                g = c * W + w
                m.d.comb += [self.dbg.pc[g].eq(node.dbg.pc[w]),
                             self.dbg.tmask[g].eq(node.dbg.tmask[w]),
                             self.dbg.active[g].eq(node.dbg.active[w]),
                             self.dbg.waiting[g].eq(node.dbg.waiting[w]),
                             self.dbg.barrier[g].eq(node.dbg.barrier[w])]
        for node in reversed(nodes):
            with m.If(node.fault.valid):
                m.d.comb += [self.fault.valid.eq(1), self.fault.cause.eq(node.fault.cause),
                             self.fault.pc.eq(node.fault.pc), self.fault.addr.eq(node.fault.addr)]
        for kind in ("dcache", "icache"):
            if getattr(cfg, kind) is not None:
                for c, node in enumerate(nodes):
                    for group, signature in (("perf", CachePerfSignature),
                                             ("state", CacheStateSignature)):
                        for field in signature.members:
                            m.d.comb += getattr(getattr(self, f"{kind}_{group}"), field)[c].eq(
                                getattr(getattr(node, f"{kind}_{group}"), field))

        m.submodules.gbar = gbar = DomainRenamer("core")(
            GlobalBarrier(cores=n, barriers=cfg.derive().barriers))
        for node, port in zip(nodes, gbar.cores):
            wiring.connect(m, node=node.gbar, gbar=port)
        # Stores have left every node (and the L2's input buffer: the L2 keeps their order).
        idle = Cat(node.dmem_idle for node in nodes).all()
        m.d.comb += gbar.drained.eq(idle & l2_idle if cfg.l2 is not None else idle)
        return m

    def _join(self, m, ports, out, name):
        """The cores' ``ports`` onto the top's port ``out``: directly for one core, else through a
        round-robin arbiter (the core's number above its tag bits); answers reach the cores
        straight from the top's inputs (each node registers or caches them)."""
        if len(ports) == 1:
            wiring.connect(m, node=ports[0], port=wiring.flipped(out))
            return
        width = 8 * self._config.block_bytes
        m.submodules[f"{name}_arbiter"] = arbiter = DomainRenamer("core")(
            MemArbiter(count=len(ports), data_width=width, tag_width=16))
        for port, master in zip(ports, arbiter.masters):
            wiring.connect(m, node=port, arbiter=master)
        wiring.connect(m, arbiter=arbiter.bus, port=wiring.flipped(out))

    def _l2(self, m, ports):
        """The cores' data ports -> arbiter -> skid -> L2 -> skid -> ``dmem``. The skid in front
        keeps the arbiter's (and so every core's) ``ready`` off the L2's combinational path to the
        port's ``ready``; the one behind keeps the L2's requests registered at the port. Answers
        from the port go straight into the L2, whose answers go straight to the cores (each node
        registers them)."""
        cfg = self._config
        width = 8 * cfg.block_bytes
        tag_width = len(self.dmem.req.tag)
        if len(ports) == 1:
            master = ports[0]
        else:
            m.submodules.dmem_arbiter = arbiter = DomainRenamer("core")(
                MemArbiter(count=len(ports), data_width=width, tag_width=16))
            for port, arbiter_port in zip(ports, arbiter.masters):
                wiring.connect(m, node=port, arbiter=arbiter_port)
            master = arbiter.bus
        m.submodules.l2 = l2 = DomainRenamer("core")(
            DCache(cfg.l2, regions=cfg.regions, block_bytes=cfg.block_bytes, tag_width=tag_width))
        m.submodules.l2_in_skid = skid_in = DomainRenamer("core")(
            RequestSkid(data_width=width, tag_width=tag_width))
        m.submodules.l2_out_skid = skid_out = DomainRenamer("core")(
            RequestSkid(data_width=width, tag_width=tag_width))
        wiring.connect(m, master=master.req, skid=skid_in.i)
        wiring.connect(m, skid=skid_in.o, l2=l2.bus.req)
        wiring.connect(m, l2=l2.bus.rsp, master=master.rsp)
        wiring.connect(m, l2=l2.mem.req, skid=skid_out.i)
        wiring.connect(m, skid=skid_out.o, port=wiring.flipped(self.dmem.req))
        wiring.connect(m, port=wiring.flipped(self.dmem.rsp), l2=l2.mem.rsp)
        m.d.comb += l2.invalidate.eq(self.start)
        for group, signature in (("perf", CachePerfSignature), ("state", CacheStateSignature)):
            for field in signature.members:
                m.d.comb += getattr(getattr(self, f"l2_{group}"), field)[0].eq(
                    getattr(getattr(l2, group), field))
        return ~skid_in.o.valid

    def _tile(self, m, node):
        """The tile, its DMA and the core's data port on one memory port; the MMIO bridge."""
        from ..tile.tile import Tile
        cfg = self._config
        width = 8 * cfg.block_bytes
        m.submodules.tile = tile = DomainRenamer("core")(Tile(cfg.tile, clock_gating=cfg.clock_gating))
        m.submodules.mmio = bridge = DomainRenamer("core")(MmioBridge(block_bytes=cfg.block_bytes))
        m.submodules.arbiter = arbiter = DomainRenamer("core")(
            MemArbiter(count=2, data_width=width, tag_width=16))

        # The core's requests (out of the node's skid buffer) go to the bridge; its responses come
        # from the bridge.
        wiring.connect(m, node=node.dmem, bridge=bridge.cpu)
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
