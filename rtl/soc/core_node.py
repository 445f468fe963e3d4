"""One core of the cluster with what sits between it and the cluster's memory ports: its L1
caches (if configured) and the skid buffers and response registers that keep every core signal free
of combinational paths from the memory."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..core.core import (Core, FaultSignature, PerfSignature, PipeSignature, debug_signature,
                         retire_signature)
from ..core.simt import GlobalBarrierSignature
from ..mem.bus import MemSignature
from ..mem.dcache import CachePerfSignature, CacheStateSignature, DCache
from ..mem.skid import RequestSkid

__all__ = [
    "CoreNode",
]


class CoreNode(wiring.Component):
    """Core ``core_id`` of the cluster and its memory path.

    Parameters
    ----------
    config : SimtConfig
    core_id : int
    register_responses : bool
        Answers on an uncached port pass one register before the core (the default); off when the
        master outside already registers them (the SoC's MMIO bridge with a tile).

    Members
    -------
    start, start_pc, start_arg, busy, fault, retire, dbg, perf, gbar, pipe
        The core's (:class:`~simtlab.rtl.core.core.Core`).
    imem, dmem : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Toward memory: requests leave a skid buffer (registered); answers go into the cache, or
        one register (``register_responses``), then the core.
    dmem_idle : Out(1)
        No data request waits in the node's skid buffer: every store the core retired has reached
        the port (the cluster releases a global barrier only then).
    dcache_perf, icache_perf : Out(CachePerfSignature)
    dcache_state, icache_state : Out(CacheStateSignature)
        With that L1 cache: its counters and what it holds now.

    Latency: a skid buffer on requests (0 cycles while the port accepts), 1 cycle on uncached
    answers; an L1 hit answers 3 cycles after its request. Throughput: one request per port and
    cycle.
    """

    def __init__(self, config, core_id=0, *, register_responses=True):
        self._config, self._core_id = config, core_id
        self._register = register_responses
        derived = config.derive()
        bus = MemSignature(data_width=8 * config.block_bytes, tag_width=16)
        ports = {
            "start": In(1),
            "start_pc": In(32),
            "start_arg": In(32),
            "busy": Out(1),
            "imem": Out(bus),
            "dmem": Out(bus),
            "fault": Out(FaultSignature),
            "retire": Out(retire_signature(config.threads)),
            "dbg": Out(debug_signature(config.warps, config.threads)),
            "perf": Out(PerfSignature),
            "pipe": Out(PipeSignature),
            "gbar": Out(GlobalBarrierSignature(config.cores, derived.barriers)),
            "dmem_idle": Out(1),
        }
        for name in ("dcache", "icache"):
            if getattr(config, name) is not None:
                ports[f"{name}_perf"] = Out(CachePerfSignature)
                ports[f"{name}_state"] = Out(CacheStateSignature)
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        m.submodules.core = core = Core(cfg, self._core_id)
        for name in ("start", "start_pc", "start_arg"):
            m.d.comb += getattr(core, name).eq(getattr(self, name))
        m.d.comb += self.busy.eq(core.busy)
        for name in ("fault", "retire", "dbg", "perf", "gbar", "pipe"):
            wiring.connect(m, wiring.flipped(getattr(self, name)), getattr(core, name))
        for name in ("imem", "dmem"):
            if getattr(cfg, f"{name[0]}cache") is not None:
                self._cached(m, core, name)
            else:
                self._uncached(m, core, name)
        return m

    def _uncached(self, m, core, name):
        """core -> skid -> port; answers through one register (or straight, see
        ``register_responses``)."""
        width = 8 * self._config.block_bytes
        port, inner = getattr(self, name), getattr(core, name)
        m.submodules[f"{name}_skid"] = skid = RequestSkid(data_width=width, tag_width=16)
        if name == "dmem":
            m.d.comb += self.dmem_idle.eq(~skid.o.valid)
        wiring.connect(m, core=inner.req, skid=skid.i)
        wiring.connect(m, skid=skid.o, port=wiring.flipped(port.req))
        answer = [inner.rsp.valid.eq(port.rsp.valid), inner.rsp.data.eq(port.rsp.data),
                  inner.rsp.tag.eq(port.rsp.tag), inner.rsp.err.eq(port.rsp.err)]
        if self._register:
            m.d.sync += answer
        else:
            m.d.comb += answer

    def _cached(self, m, core, name):
        """core -> cache -> skid -> port.

        The skid goes below the cache, so the cache refuses a request exactly when the core sees it
        refused: a store leaves the node in the cycle the core's LSU issues it (the harness counts
        ending stores by that), and the cache's ``ready`` never depends on an input. The cache's
        answers pass one register, as the memory's do without a cache (a hit reaches the core 3
        cycles after its request, like the ideal memory's 2 + 1); the memory's answers go straight
        into the cache.
        """
        cfg = self._config
        width = 8 * cfg.block_bytes
        kind = f"{name[0]}cache"
        port, inner = getattr(self, name), getattr(core, name)
        cache = DCache(getattr(cfg, kind), regions=cfg.regions, block_bytes=cfg.block_bytes,
                       tag_width=16)
        skid = RequestSkid(data_width=width, tag_width=16)
        m.submodules[kind] = cache
        m.submodules[f"{name}_skid"] = skid
        if name == "dmem":
            m.d.comb += self.dmem_idle.eq(~skid.o.valid & ~skid.i.valid)
        wiring.connect(m, core=inner.req, cache=cache.bus.req)
        wiring.connect(m, cache=cache.mem.req, skid=skid.i)
        wiring.connect(m, skid=skid.o, port=wiring.flipped(port.req))
        wiring.connect(m, port=wiring.flipped(port.rsp), cache=cache.mem.rsp)
        wiring.connect(m, cache=cache.perf, node=wiring.flipped(getattr(self, f"{kind}_perf")))
        wiring.connect(m, cache=cache.state, node=wiring.flipped(getattr(self, f"{kind}_state")))
        # A launch forgets every line; so does the D$ at an acquire point: a global barrier's
        # release, an aq atomic's request, a fence. The other cores' stores released before it
        # are in memory (or the L2) by then (write-through), so the loads after it read them
        # (docs/architecture.md, "L2 cache", coherence rule).
        forget = self.start
        if name == "dmem":
            forget |= self.gbar.release.any() | core.acquire
        m.d.comb += cache.invalidate.eq(forget)
        answer = cache.bus.rsp
        m.d.sync += [inner.rsp.valid.eq(answer.valid), inner.rsp.data.eq(answer.data),
                     inner.rsp.tag.eq(answer.tag), inner.rsp.err.eq(answer.err)]
