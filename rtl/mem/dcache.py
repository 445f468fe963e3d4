"""L1 data cache: set associative, write-through without write allocate, non-blocking, between a
master's memory port and memory (both :class:`~.bus.MemSignature`).

Place in the SoC: core ``dmem`` -> **DCache** -> request skid -> the top's ``dmem`` port
(rtl/soc/top.py, when ``SimtConfig.dcache`` is set); the same block, reads only, is the L1
instruction cache on ``imem`` (``SimtConfig.icache``).
"""

from amaranth import *
from amaranth.lib import fifo, memory, wiring
from amaranth.lib.wiring import In, Out

from ...config import CacheConfig
from ...spec.isa import AmoOp
from ...spec.memory import BLOCK_BYTES
from ..common.checks import check_int
from .bus import MemSignature
from .cache_layouts import Pending, pending_layout

__all__ = [
    "CachePerfSignature",
    "CacheStateSignature",
    "DCache",
]


#: A cache's event counters (32 bits each, from reset), seen from the cache.
#:
#: hits, misses : Out(32)
#:     Cacheable requests (reads and writes) that found / did not find their line.
#: mshr_stalls : Out(32)
#:     Cycles a request waited because every MSHR (outstanding read) was busy.
CachePerfSignature = wiring.Signature({
    "hits": Out(32),
    "misses": Out(32),
    "mshr_stalls": Out(32),
})


#: What a cache holds now, for watchdog dumps (a deadlock in the memory system shows where):
#:
#: outstanding : Out(6)
#:     Reads sent below and not yet consumed (line fills and uncached reads; at most ``mshrs``).
#: queued : Out(7)
#:     Accepted requests not yet answered (at most ``queue_depth``).
CacheStateSignature = wiring.Signature({
    "outstanding": Out(6),
    "queued": Out(7),
})


class DCache(wiring.Component):
    """An L1 data cache with in-order answers and several reads outstanding below it.

    The cache keeps lines of the cacheable regions (:meth:`CacheConfig.cacheable`, RAM); other
    addresses pass through uncached. A read that hits is answered from the data RAM; a read miss
    allocates a way at once (an invalid way, else the set's round-robin pointer) and sends a line
    fill below; every write goes below (write-through), and a write that hits also updates the line
    (no write allocate). A request to a line whose fill is still outstanding counts as a hit: it is
    answered after that fill, because answers leave in request order. So the hit/miss decisions
    depend only on the order of requests, never on timing (sim/cache_ref.py models them).

    Atomics (``op`` not ``AmoOp.NONE``) bypass the cache: each goes below as an uncached read (the
    memory performs it and answers the old word), is not counted as a hit or miss, and invalidates
    the line of its block if the cache holds it, so later reads fetch the new value from memory.

    Hits under misses: requests keep being accepted while fills are outstanding; up to
    ``mshrs`` reads (fills and uncached reads) may be outstanding below, and a request that needs
    one more waits (``mshr_stalls`` counts those cycles). Writes are posted: answered in turn
    without waiting for memory, whose write answers are dropped.

    Parameters
    ----------
    cache : CacheConfig
    regions : tuple of Region
        The memory map (``SimtConfig.regions``): which addresses are cacheable.
    block_bytes : int
        The bus block; must equal ``cache.line_bytes``.
    tag_width : int
        Tag bits of the master's port (returned unchanged); the port below has the same width, uses
        bit 0 to mark reads and passes the master's other bits on (the harness reads an atomic's
        hart there).

    Members
    -------
    bus : In(MemSignature(data_width=8 * block_bytes, tag_width=tag_width))
        From the master. ``ready`` depends combinationally on ``mem.req.ready`` (a request that goes
        below is accepted in the same cycle as it leaves), so put a skid buffer in front when the
        master needs a registered ``ready``.
    mem : Out(MemSignature(data_width=8 * block_bytes, tag_width=tag_width))
        To memory, which answers in request order (the bus's rule).
    invalidate : In(1)
        Forget every line (launch). Outstanding requests still complete.
    perf : Out(CachePerfSignature)
        ``hits``, ``misses``, ``mshr_stalls``.
    state : Out(CacheStateSignature)
        ``outstanding`` reads below, ``queued`` requests waiting for their answer.

    Latency: a hit is answered :attr:`hit_latency` (2) cycles after the cycle it was accepted in, a
    read miss :meth:`miss_latency` (memory latency + 1) cycles after, when nothing older is waiting.
    Throughput: one request accepted and one answer per cycle.
    Resources: ``size`` bytes of data RAM, one tag RAM per way, a valid bit per line, a queue of
    ``cache.queue_depth`` accepted requests (with write data) and ``mshrs`` fill buffers.

    Raises
    ------
    TypeError
        ``cache`` is not a CacheConfig.
    ValueError
        ``cache.line_bytes`` differs from ``block_bytes``, or a cacheable region is not line
        aligned.
    """

    #: Cycles from the accepting cycle to the answer of a hit.
    hit_latency = 2

    @staticmethod
    def miss_latency(mem_latency):
        """Cycles from the accepting cycle to the answer of a read miss behind a memory that answers
        ``mem_latency`` cycles after it accepted the fill (the answer is registered)."""
        return mem_latency + 1

    def __init__(self, cache, *, regions, block_bytes=BLOCK_BYTES, tag_width=16):
        if not isinstance(cache, CacheConfig):
            raise TypeError(f"DCache cache must be a CacheConfig, not {cache!r}")
        check_int("DCache", "block_bytes", block_bytes, 4)
        check_int("DCache", "tag_width", tag_width, 1, 32)
        if cache.line_bytes > block_bytes:
            raise ValueError(f"DCache line_bytes ({cache.line_bytes}) is larger than the bus block "
                             f"({block_bytes})")
        if cache.line_bytes != block_bytes:
            raise ValueError(f"DCache line_bytes must be the bus block ({block_bytes}), "
                             f"not {cache.line_bytes!r}")
        self._ranges = []
        for region in regions:
            if not CacheConfig.cacheable(region):
                continue
            if region.base % block_bytes or region.end % block_bytes:
                raise ValueError(f"DCache region {region.name!r} [{region.base:#x}, {region.end:#x}) "
                                 f"is not aligned to {block_bytes}-byte lines")
            self._ranges.append((region.base, region.end))
        self._cache, self._block_bytes, self._tag_width = cache, block_bytes, tag_width
        port = MemSignature(data_width=8 * block_bytes, tag_width=tag_width)
        super().__init__({
            "bus": In(port),
            "mem": Out(port),
            "invalidate": In(1),
            "perf": Out(CachePerfSignature),
            "state": Out(CacheStateSignature),
        })

    @property
    def cache(self):
        return self._cache

    def _cacheable(self, addr):
        terms = [(addr >= base) & (addr < end) if end < 1 << 32 else addr >= base
                 for base, end in self._ranges]
        return Cat(terms).any() if terms else C(0)

    def elaborate(self, platform):
        m = Module()
        c = self._cache
        ways, sets, mshrs = c.ways, c.sets, c.mshrs
        width = 8 * self._block_bytes
        way_bits, set_bits, offset_bits = (ways - 1).bit_length(), c.set_bits, c.offset_bits
        tag_bits = 32 - offset_bits - set_bits
        req, rsp, below = self.bus.req, self.bus.rsp, self.mem

        # Two stages joined by a FIFO of accepted requests. Lookup (combinational, in the accepting
        # cycle): tags, hit/miss, allocation, the request below. Answer (one per cycle, in order):
        # the data RAM is read, filled or written only here, so a fill always lands before any
        # later request to its line is answered, and an evicted line is never read after its
        # replacement's fill.
        layout = pending_layout(line_bits=max(1, way_bits + set_bits), data_width=width,
                                tag_width=self._tag_width)
        m.submodules.queue = queue = fifo.SyncFIFO(width=layout.size, depth=c.queue_depth)
        m.submodules.fills = fills = fifo.SyncFIFO(width=width + 1, depth=mshrs)
        m.submodules.data = data_ram = memory.Memory(shape=unsigned(width), depth=c.lines, init=[])
        data_write = data_ram.write_port(granularity=8)
        data_read = data_ram.read_port()

        # ---- Lookup -------------------------------------------------------------------------------
        set_index = Signal(range(sets))
        req_tag = Signal(tag_bits)
        m.d.comb += [set_index.eq(req.addr[offset_bits:offset_bits + set_bits]),
                     req_tag.eq(req.addr[offset_bits + set_bits:])]

        valid = [Signal(sets, name=f"valid_{w}") for w in range(ways)]
        tag_writes, hit_ways, invalid_ways = [], Signal(ways), Signal(ways)
        for w in range(ways):
            tag_ram = memory.Memory(shape=unsigned(tag_bits), depth=sets, init=[])
            m.submodules[f"tags_{w}"] = tag_ram
            tag_read = tag_ram.read_port(domain="comb")
            tag_writes.append(tag_ram.write_port())
            line_valid = valid[w].bit_select(set_index, 1)
            m.d.comb += [tag_read.addr.eq(set_index), tag_writes[w].addr.eq(set_index),
                         tag_writes[w].data.eq(req_tag),
                         hit_ways[w].eq(line_valid & (tag_read.data == req_tag)),
                         invalid_ways[w].eq(~line_valid)]

        def first(mask):
            index = Signal(range(ways), name="first_way")
            for w in reversed(range(ways)):
                with m.If(mask[w]):
                    m.d.comb += index.eq(w)
            return index

        pointers = Signal(sets * way_bits) if way_bits else None
        pointer = pointers.word_select(set_index, way_bits) if way_bits else C(0, 1)
        hit_way = first(hit_ways)
        victim = Signal(range(ways))
        m.d.comb += victim.eq(Mux(invalid_ways.any(), first(invalid_ways), pointer))

        # An atomic (op != NONE) is performed at the memory: it goes below as an uncached read,
        # and a line holding its block is invalidated, so later loads fetch the result.
        atomic = req.op != AmoOp.NONE
        in_cacheable, cacheable = Signal(), Signal()
        m.d.comb += [in_cacheable.eq(self._cacheable(req.addr)),
                     cacheable.eq(in_cacheable & ~atomic)]
        hit = cacheable & hit_ways.any()
        read = ~req.we
        fill = cacheable & read & ~hit
        needs_slot = read & ~hit                # a fill or an uncached read
        needs_below = req.we | needs_slot
        outstanding = Signal(range(mshrs + 1))  # reads below whose fill is not consumed yet
        slot_free = outstanding < mshrs
        can = queue.w_rdy & (~needs_slot | slot_free)
        accept = Signal()
        m.d.comb += [
            below.req.valid.eq(req.valid & needs_below & can),
            below.req.addr.eq(req.addr),
            below.req.we.eq(req.we),
            below.req.data.eq(req.data),
            below.req.be.eq(req.be),
            below.req.op.eq(req.op),
            below.req.tag.eq(Cat(read, req.tag[1:])),    # the master's upper bits: an AMO's hart
            req.ready.eq(can & (~needs_below | below.req.ready)),
            accept.eq(req.valid & req.ready),
        ]

        entry = Signal(layout)
        m.d.comb += [
            entry.kind.eq(Mux(req.we, Pending.WRITE,
                              Mux(hit, Pending.HIT, Mux(cacheable, Pending.FILL, Pending.UNCACHED)))),
            entry.update.eq(hit),
            entry.line.eq(Cat(Mux(hit, hit_way, victim)[:way_bits], set_index)),
            entry.tag.eq(req.tag),
            entry.be.eq(req.be),
            entry.data.eq(req.data),
            queue.w_data.eq(entry),
            queue.w_en.eq(accept),
        ]
        with m.If(accept & fill):
            for w in range(ways):
                with m.If(victim == w):
                    m.d.comb += tag_writes[w].en.eq(1)
                    m.d.sync += valid[w].bit_select(set_index, 1).eq(1)
            if way_bits:
                m.d.sync += pointer.eq(victim + 1)      # wraps: ways is a power of two
        with m.If(accept & atomic & in_cacheable):
            for w in range(ways):
                with m.If(hit_ways[w]):
                    m.d.sync += valid[w].bit_select(set_index, 1).eq(0)
        with m.If(self.invalidate):
            m.d.sync += [v.eq(0) for v in valid]

        hits, misses, stalls = Signal(32), Signal(32), Signal(32)
        with m.If(accept & cacheable):
            m.d.sync += [hits.eq(hits + hit), misses.eq(misses + ~hit)]
        with m.If(req.valid & queue.w_rdy & needs_slot & ~slot_free):
            m.d.sync += stalls.eq(stalls + 1)
        m.d.comb += [self.perf.hits.eq(hits), self.perf.misses.eq(misses),
                     self.perf.mshr_stalls.eq(stalls),
                     self.state.outstanding.eq(outstanding), self.state.queued.eq(queue.level)]

        # ---- Answers ------------------------------------------------------------------------------
        # Every read answer from below is kept (room for all outstanding reads), unless it is used
        # in the cycle it arrives (nothing older buffered, the head waiting for it); write answers
        # are dropped: writes were answered when posted.
        arriving = below.rsp.valid & below.rsp.tag[0]
        fill_ready = fills.r_rdy | arriving
        fill_data = Mux(fills.r_rdy, fills.r_data[:width], below.rsp.data)
        fill_err = Mux(fills.r_rdy, fills.r_data[width], below.rsp.err)

        head = Signal(layout)
        m.d.comb += head.eq(queue.r_data)
        waits_fill = (head.kind == Pending.FILL) | (head.kind == Pending.UNCACHED)
        answer = Signal()
        m.d.comb += [
            answer.eq(queue.r_rdy & (~waits_fill | fill_ready)),
            queue.r_en.eq(answer),
            fills.r_en.eq(answer & waits_fill & fills.r_rdy),
            fills.w_data.eq(Cat(below.rsp.data, below.rsp.err)),
            fills.w_en.eq(arriving & ~(answer & waits_fill & ~fills.r_rdy)),
            data_read.addr.eq(head.line),
            data_read.en.eq(answer & (head.kind == Pending.HIT)),
            data_write.addr.eq(head.line),
            data_write.data.eq(Mux(head.kind == Pending.FILL, fill_data, head.data)),
        ]
        with m.If(answer & (head.kind == Pending.FILL)):
            m.d.comb += data_write.en.eq(-1)
        with m.If(answer & (head.kind == Pending.WRITE) & head.update):
            m.d.comb += data_write.en.eq(head.be)
        m.d.sync += outstanding.eq(outstanding + (accept & needs_slot) - (answer & waits_fill))

        rsp_valid, rsp_from_ram, rsp_err = Signal(), Signal(), Signal()
        rsp_tag, rsp_data = Signal(self._tag_width), Signal(width)
        m.d.sync += [
            rsp_valid.eq(answer),
            rsp_from_ram.eq(head.kind == Pending.HIT),
            rsp_tag.eq(head.tag),
            rsp_data.eq(Mux(waits_fill, fill_data, 0)),
            rsp_err.eq(waits_fill & fill_err),
        ]
        m.d.comb += [
            rsp.valid.eq(rsp_valid),
            rsp.data.eq(Mux(rsp_from_ram, data_read.data, rsp_data)),
            rsp.tag.eq(rsp_tag),
            rsp.err.eq(rsp_err),
        ]
        return m
