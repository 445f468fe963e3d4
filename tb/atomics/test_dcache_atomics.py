# amaranth: UnusedElaboratable=no
"""The L1 D$ and atomics (rtl/mem/dcache.py): an atomic goes below uncached with its op and the
master's tag bits, its answer comes from below, and the line it touched is invalidated, so the next
read of that block misses and fetches the memory's new contents."""

import random

from amaranth.sim import Simulator

from simtlab.config import CacheConfig, SimtConfig
from simtlab.rtl.mem.dcache import DCache
from simtlab.spec.isa import AmoOp
from simtlab.spec.memory import BLOCK_BYTES, MemoryMap

HEAP = MemoryMap.HEAP_BASE
SEED = 20261204


def test_atomic_bypasses_and_invalidates_its_line():
    rand = random.Random(SEED)
    memory = {}             # block -> int (the memory below, its atomics performed on accept)
    block_a, block_b = HEAP, HEAP + 4 * BLOCK_BYTES
    word = 3                # the atomic's word in block a
    for block in (block_a, block_b):
        memory[block] = rand.getrandbits(8 * BLOCK_BYTES)
    hart = 0x155            # tag bits 1..10 carry it below
    # (addr, op, data, be, tag): read a, read a (hit), read b, amoadd on a's word 3, read a, read b
    amo_src = 0x1234_5678
    requests = [
        (block_a, AmoOp.NONE, 0, 0, 2), (block_a, AmoOp.NONE, 0, 0, 4), (block_b, AmoOp.NONE, 0, 0, 6),
        (block_a + 4 * word, AmoOp.ADD, amo_src << (32 * word), 0xF << (4 * word), hart << 1 | 1 << 15),
        (block_a, AmoOp.NONE, 0, 0, 8), (block_b, AmoOp.NONE, 0, 0, 10),
    ]
    dut = DCache(CacheConfig(size=1024, ways=2, mshrs=2), regions=SimtConfig().regions)
    below, answers = [], []

    async def bench(ctx):
        pending, index = [], 0          # answers due from below: (cycle, tag, data)
        for now in range(200):
            if pending and pending[0][0] <= now:
                _, tag, data = pending.pop(0)
                ctx.set(dut.mem.rsp.valid, 1)
                ctx.set(dut.mem.rsp.tag, tag)
                ctx.set(dut.mem.rsp.data, data)
            else:
                ctx.set(dut.mem.rsp.valid, 0)
            ctx.set(dut.mem.req.ready, 1)
            offering = index < len(requests)
            ctx.set(dut.bus.req.valid, offering)
            if offering:
                addr, op, data, be, tag = requests[index]
                for name, value in (("addr", addr), ("we", 0), ("op", op), ("data", data),
                                    ("be", be), ("tag", tag)):
                    ctx.set(getattr(dut.bus.req, name), value)
            if ctx.get(dut.mem.req.valid):
                addr, op = ctx.get(dut.mem.req.addr), ctx.get(dut.mem.req.op)
                block = addr & ~(BLOCK_BYTES - 1)
                below.append((block, op, ctx.get(dut.mem.req.tag)))
                answer = memory[block]
                if op == AmoOp.ADD:
                    old = answer >> (32 * word) & 0xFFFF_FFFF
                    new = (old + amo_src) & 0xFFFF_FFFF
                    memory[block] = answer & ~(0xFFFF_FFFF << (32 * word)) | new << (32 * word)
                at = max([now + 3] + [p[0] + 1 for p in pending])
                pending.append((at, ctx.get(dut.mem.req.tag), answer))
            if offering and ctx.get(dut.bus.req.ready):
                index += 1
            if ctx.get(dut.bus.rsp.valid):
                answers.append((ctx.get(dut.bus.rsp.tag), ctx.get(dut.bus.rsp.data)))
            await ctx.tick()
        for name in ("hits", "misses"):
            counters[name] = ctx.get(getattr(dut.perf, name))

    counters = {}
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    initial_a = memory[block_a]
    sim.run()
    # below: fill a, fill b, the atomic (op, the master's tag bits above bit 0, bit 0 marking a
    # read), refill a
    assert [(b, op) for b, op, _ in below] == [(block_a, 0), (block_b, 0), (block_a, AmoOp.ADD),
                                               (block_a, 0)], f"seed {SEED}"
    assert below[2][2] == (1 << 15 | hart << 1 | 1), f"seed {SEED}"
    tags = [tag for tag, _ in answers]
    assert tags == [r[4] for r in requests]
    data = [d for _, d in answers]
    assert data[:4] == [initial_a, initial_a, memory[block_b], initial_a], f"seed {SEED}"
    assert data[4] == memory[block_a] != initial_a, f"seed {SEED}: the read after the atomic is stale"
    assert data[5] == memory[block_b]
    # the atomic is neither a hit nor a miss; b stayed cached
    assert counters == {"hits": 2, "misses": 3}, counters
