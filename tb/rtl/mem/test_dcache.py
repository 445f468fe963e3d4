# amaranth: UnusedElaboratable=no
"""DCache on Amaranth's simulator: random request streams (fixed seeds) against a flat memory model
for data and against sim/cache_ref.py for hits, misses and memory traffic; hit and miss latency,
throughput, hits under a miss, the MSHR limit, invalidation and bad
parameters."""

import random
from collections import deque

import pytest
from amaranth.sim import Simulator

from simtlab.config import CacheConfig, SimtConfig, TileConfig
from simtlab.rtl.mem.dcache import DCache
from simtlab.sim.cache_ref import CacheRef, Outcome
from simtlab.spec.memory import BLOCK_BYTES, MemoryMap

REGIONS = SimtConfig().regions
HEAP = MemoryMap.HEAP_BASE
IO_BLOCKS = [MemoryMap.IO_COUT & ~(BLOCK_BYTES - 1), MemoryMap.IO_EXIT & ~(BLOCK_BYTES - 1)]


def initial_block(block):
    """Memory's initial contents: distinct bytes per block, so a wrong line shows."""
    return bytearray(random.Random(block).randbytes(BLOCK_BYTES))


class Memory:
    """The harness's memory behaviour below the cache: answers in request order, ``latency`` cycles
    after the accepting cycle, at most one answer per cycle; writes take effect when accepted."""

    def __init__(self, latency):
        self.latency = latency
        self.blocks = {}
        self.queue = deque()      # (due cycle, tag, data bytes)
        self.reads = self.writes = 0
        self.outstanding_reads = self.max_outstanding_reads = 0

    def block(self, addr):
        return self.blocks.setdefault(addr, initial_block(addr))

    def accept(self, now, addr, we, data, be, tag):
        addr &= ~(BLOCK_BYTES - 1)
        if we:
            self.writes += 1
            line = self.block(addr)
            for i in range(BLOCK_BYTES):
                if be >> i & 1:
                    line[i] = data >> (8 * i) & 0xFF
            answer = 0
        else:
            self.reads += 1
            self.outstanding_reads += 1
            self.max_outstanding_reads = max(self.max_outstanding_reads, self.outstanding_reads)
            answer = int.from_bytes(self.block(addr), "little")
        due = max(now + self.latency, self.queue[-1][0] + 1 if self.queue else 0)
        self.queue.append((due, tag, answer, we))

    async def drive(self, ctx, dut, now):
        """Drive this cycle's answer, if one is due."""
        if self.queue and self.queue[0][0] <= now:
            _, tag, answer, we = self.queue.popleft()
            if not we:
                self.outstanding_reads -= 1
            ctx.set(dut.mem.rsp.valid, 1)
            ctx.set(dut.mem.rsp.tag, tag)
            ctx.set(dut.mem.rsp.data, answer)
        else:
            ctx.set(dut.mem.rsp.valid, 0)


PAUSE, INVALIDATE = "pause", "invalidate"


def run(dut, mem, requests, *, offer=1.0, ready=1.0, seed=0, max_cycles=20000):
    """Offer ``requests`` in order: dicts (addr, we, data, be), or PAUSE (offer nothing for a
    cycle) or INVALIDATE (pulse ``invalidate`` for a cycle). Returns (accepted, answers, counters,
    accept cycles, answer cycles, refused cycles); accepted holds the requests in acceptance order
    with their tags, and INVALIDATE where it happened."""
    rand = random.Random(seed)
    accepted, answers, accept_at, answer_at, refused = [], [], [], [], []
    counters = {}

    async def bench(ctx):
        index, now = 0, 0
        waiting = lambda: sum(1 for r in accepted if r is not INVALIDATE) - len(answers)
        while (index < len(requests) or waiting()) and now < max_cycles:
            await mem.drive(ctx, dut, now)
            below_ready = rand.random() < ready
            ctx.set(dut.mem.req.ready, below_ready)
            step = requests[index] if index < len(requests) else PAUSE
            ctx.set(dut.invalidate, step is INVALIDATE)
            offering = isinstance(step, dict) and rand.random() < offer
            ctx.set(dut.bus.req.valid, offering)
            if offering:
                for name in ("addr", "we", "data", "be"):
                    ctx.set(getattr(dut.bus.req, name), step[name])
                ctx.set(dut.bus.req.tag, index & 0xFFFF)
            taken = offering and ctx.get(dut.bus.req.ready)
            if offering and not taken:
                refused.append(now)
            if ctx.get(dut.mem.req.valid) and below_ready:
                mem.accept(now, ctx.get(dut.mem.req.addr), ctx.get(dut.mem.req.we),
                           ctx.get(dut.mem.req.data), ctx.get(dut.mem.req.be),
                           ctx.get(dut.mem.req.tag))
            if ctx.get(dut.bus.rsp.valid):
                answers.append((ctx.get(dut.bus.rsp.tag), ctx.get(dut.bus.rsp.data),
                                ctx.get(dut.bus.rsp.err)))
                answer_at.append(now)
            if taken:
                accepted.append(dict(step, tag=index & 0xFFFF))
                accept_at.append(now)
            if step is INVALIDATE:
                accepted.append(INVALIDATE)
            if taken or not isinstance(step, dict):
                index += 1
            await ctx.tick()
            now += 1
        for name in ("hits", "misses", "mshr_stalls"):
            counters[name] = ctx.get(getattr(dut.perf, name))
        counters["cycles"] = now

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return accepted, answers, counters, accept_at, answer_at, refused


def replay(cache, accepted):
    """The reference model over an accepted stream: (model, outcome of each request)."""
    ref = CacheRef(cache, REGIONS)
    outcomes = []
    for r in accepted:
        if r is INVALIDATE:
            ref.invalidate()
        else:
            outcomes.append(ref.access(r["addr"], r["we"]))
    return ref, outcomes


def expected_answers(accepted):
    """Each request's answer from a flat memory updated in request order (write-through)."""
    flat, out = {}, []
    for r in accepted:
        if r is INVALIDATE:
            continue
        block = r["addr"] & ~(BLOCK_BYTES - 1)
        line = flat.setdefault(block, initial_block(block))
        if r["we"]:
            for i in range(BLOCK_BYTES):
                if r["be"] >> i & 1:
                    line[i] = r["data"] >> (8 * i) & 0xFF
            out.append((r["tag"], 0, 0))
        else:
            out.append((r["tag"], int.from_bytes(line, "little"), 0))
    return out


def random_requests(rand, count, lines, uncached=0.1):
    pool = [HEAP + BLOCK_BYTES * n for n in rand.sample(range(4 * lines), 3 * lines)]
    requests = []
    for _ in range(count):
        addr = rand.choice(IO_BLOCKS) if rand.random() < uncached else rand.choice(pool)
        we = rand.random() < 0.4
        be = 0
        if we:
            be = (1 << BLOCK_BYTES) - 1 if rand.random() < 0.2 else \
                sum(1 << i for i in range(BLOCK_BYTES) if rand.random() < 0.25)
        requests.append(dict(addr=addr + (rand.randrange(16) * 4 if not we else 0), we=int(we),
                             data=rand.getrandbits(8 * BLOCK_BYTES) if we else 0, be=be))
    return requests


CASES = [
    # seed, cache, memory latency, offer and ready probabilities
    (1, CacheConfig(size=1024, ways=2, mshrs=2), 2, 0.8, 1.0),
    (2, CacheConfig(size=512, ways=1, mshrs=1), 5, 0.9, 0.7),
    (3, CacheConfig(size=1024, ways=16, mshrs=4), 7, 1.0, 1.0),     # one set: fully associative
    (4, CacheConfig(size=2048, ways=4, mshrs=8), 12, 1.0, 0.9),
    (5, CacheConfig(), 3, 0.7, 1.0),                                 # the "l1" preset's cache
]


@pytest.mark.parametrize("seed, cache, latency, offer, ready", CASES)
def test_random_stream_data_and_counts(seed, cache, latency, offer, ready):
    rand = random.Random(seed)
    requests = random_requests(rand, 500, min(cache.lines, 32))
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(latency)
    accepted, answers, counters, *_ = run(dut, mem, requests, offer=offer, ready=ready, seed=seed)
    assert len(accepted) == len(requests), f"seed {seed}: only {len(accepted)} requests accepted"
    assert answers == expected_answers(accepted), f"seed {seed}: wrong answer data or order"

    ref, outcomes = replay(cache, accepted)
    assert (counters["hits"], counters["misses"]) == (ref.hits, ref.misses), f"seed {seed}"
    assert (mem.reads, mem.writes) == (ref.mem_reads, ref.mem_writes), f"seed {seed}"
    assert mem.max_outstanding_reads <= cache.mshrs, f"seed {seed}"
    # The stream exercises every path.
    assert {Outcome.HIT, Outcome.MISS, Outcome.UNCACHED} <= set(outcomes), f"seed {seed}"
    assert ref.hits > 50 and ref.misses > 50, f"seed {seed}: {ref.hits} hits, {ref.misses} misses"


def test_hit_and_miss_latency_and_hit_throughput():
    latency, count = 6, 12
    cache = CacheConfig(size=1024, ways=2, mshrs=2)
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(latency)
    hits = [dict(addr=HEAP + 4 * (i % 16), we=0, data=0, be=0) for i in range(count)]
    requests = [dict(addr=HEAP, we=0, data=0, be=0)] + [PAUSE] * (latency + 3) + hits

    accepted, answers, counters, accept_at, answer_at, _ = run(dut, mem, requests)
    assert answers == expected_answers(accepted)
    assert answer_at[0] - accept_at[0] == DCache.miss_latency(latency)
    # Back-to-back hits: one accepted and one answered per cycle, each hit_latency after it.
    assert accept_at[1:] == list(range(accept_at[1], accept_at[1] + count))
    assert [t - a for a, t in zip(accept_at[1:], answer_at[1:])] == [DCache.hit_latency] * count
    assert (counters["hits"], counters["misses"]) == (count, 1)


def test_hits_under_a_miss():
    """Requests keep being accepted behind an outstanding miss until the answer queue is full;
    they are answered in order right after the miss."""
    latency, cache = 20, CacheConfig(size=1024, ways=2, mshrs=2)
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(latency)
    # Warm line B, then miss on A with hits on B behind it.
    a, b = HEAP, HEAP + 64
    requests = [dict(addr=b, we=0, data=0, be=0)] + [PAUSE] * (latency + 3) + \
        [dict(addr=a, we=0, data=0, be=0)] + [dict(addr=b + 4, we=0, data=0, be=0)] * 6
    accepted, answers, counters, accept_at, answer_at, _ = run(dut, mem, requests)
    assert answers == expected_answers(accepted)
    under = cache.queue_depth - 1           # hits that fit behind the miss in the queue
    assert accept_at[2:2 + under] == list(range(accept_at[1] + 1, accept_at[1] + 1 + under))
    assert accept_at[1 + under + 1] > answer_at[1] - DCache.hit_latency     # the rest waited
    assert answer_at[2:] == list(range(answer_at[1] + 1, answer_at[1] + 7))
    assert (counters["hits"], counters["misses"]) == (6, 2)


def test_hit_latency_without_a_miss_ahead():
    cache = CacheConfig(size=1024, ways=2, mshrs=2)
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(3)
    requests = [dict(addr=HEAP, we=0, data=0, be=0)] + [PAUSE] * 10 + \
        [dict(addr=HEAP + 8, we=0, data=0, be=0)]
    accepted, answers, counters, accept_at, answer_at, _ = run(dut, mem, requests)
    assert answers == expected_answers(accepted)
    assert answer_at[0] - accept_at[0] == DCache.miss_latency(3)
    assert answer_at[1] - accept_at[1] == DCache.hit_latency
    assert (counters["hits"], counters["misses"]) == (1, 1)


def test_mshr_limit_stalls_and_counts():
    cache = CacheConfig(size=2048, ways=2, mshrs=2)
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(10)
    misses = [dict(addr=HEAP + BLOCK_BYTES * n, we=0, data=0, be=0) for n in range(6)]
    accepted, answers, counters, accept_at, _, refused = run(dut, mem, misses)
    assert answers == expected_answers(accepted)
    assert mem.max_outstanding_reads == cache.mshrs
    assert counters["misses"] == len(misses)
    # Only misses: the queue never fills first, so every refused cycle is an MSHR stall.
    assert refused and counters["mshr_stalls"] == len(refused)
    # Two fills overlap: the first two misses go out in consecutive cycles.
    assert accept_at[1] == accept_at[0] + 1


def test_uncached_io_passes_through_every_time():
    cache = CacheConfig(size=1024, ways=2, mshrs=2)
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(2)
    cout = MemoryMap.IO_COUT
    requests = [dict(addr=cout, we=0, data=0, be=0),
                dict(addr=cout, we=1, data=0x41 << (8 * (cout % BLOCK_BYTES)),
                     be=1 << (cout % BLOCK_BYTES)),
                dict(addr=cout, we=0, data=0, be=0)]
    accepted, answers, counters, *_ = run(dut, mem, requests)
    assert answers == expected_answers(accepted)
    assert (mem.reads, mem.writes) == (2, 1)
    assert (counters["hits"], counters["misses"]) == (0, 0)


def test_write_hit_updates_line_and_write_miss_does_not_allocate():
    cache = CacheConfig(size=1024, ways=2, mshrs=2)
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(4)
    a, b = HEAP, HEAP + 64 * 40
    requests = [dict(addr=a, we=0, data=0, be=0),                     # miss: fill a
                dict(addr=a, we=1, data=0xDEADBEEF << 32, be=0xF0),   # write hit (fill pending)
                dict(addr=a, we=0, data=0, be=0),                     # hit: sees the write
                dict(addr=b, we=1, data=0x1234, be=0x3),              # write miss
                dict(addr=b, we=0, data=0, be=0)]                     # still a miss
    accepted, answers, counters, *_ = run(dut, mem, requests)
    assert answers == expected_answers(accepted)
    assert (counters["hits"], counters["misses"]) == (2, 3)
    assert (mem.reads, mem.writes) == (2, 2)


def test_invalidate_forgets_lines():
    seed = 11
    cache = CacheConfig(size=1024, ways=2, mshrs=2)
    dut = DCache(cache, regions=REGIONS)
    mem = Memory(2)
    requests = random_requests(random.Random(seed), 80, 8, uncached=0)
    # The same stream twice, with the cache invalidated between: the second pass misses again.
    accepted, answers, counters, *_ = run(dut, mem, requests + [INVALIDATE] + requests)
    assert answers == expected_answers(accepted)
    ref, outcomes = replay(cache, accepted)
    assert (counters["hits"], counters["misses"]) == (ref.hits, ref.misses), f"seed {seed}"
    first, second = outcomes[:len(requests)], outcomes[len(requests):]
    assert first.count(Outcome.MISS) == second.count(Outcome.MISS), f"seed {seed}"


@pytest.mark.parametrize("kwargs, match", [
    (dict(size=1000), "size must be a power of two"),
    (dict(ways=3), "ways must be a power of two"),
    (dict(size=256, ways=8), "ways .* must not exceed the lines"),
    (dict(mshrs=0), "mshrs must be between 1 and 32"),
    (dict(line_bytes=48), "line_bytes must be a power of two"),
    (dict(size=32), "size .* must hold at least one line"),
])
def test_bad_cache_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CacheConfig(**kwargs)


def test_bad_cache_types_and_combinations():
    with pytest.raises(TypeError, match="CacheConfig.size must be an integer"):
        CacheConfig(size=1024.0)
    with pytest.raises(ValueError, match="larger than the bus block"):
        SimtConfig(dcache=CacheConfig(line_bytes=128))
    with pytest.raises(ValueError, match="line_bytes must be the bus block"):
        SimtConfig(dcache=CacheConfig(line_bytes=32))
    with pytest.raises(ValueError, match="not coherent"):
        SimtConfig(dcache=CacheConfig(), tile=TileConfig())
    with pytest.raises(TypeError, match="SimtConfig.dcache must be a CacheConfig"):
        SimtConfig(dcache=dict(size=1024))
    with pytest.raises(ValueError, match="larger than the bus block"):
        DCache(CacheConfig(line_bytes=128), regions=REGIONS)
    with pytest.raises(TypeError, match="DCache cache must be a CacheConfig"):
        DCache(None, regions=REGIONS)


def test_no_cache_keeps_every_existing_key():
    """A configuration without a cache hashes as before the field existed (no model rebuilds)."""
    config = SimtConfig(warps=4, threads=4)
    assert "dcache" not in config.as_dict()
    assert config.replace(dcache=CacheConfig()).key() != config.key()
