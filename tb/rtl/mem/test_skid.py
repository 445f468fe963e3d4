"""RequestSkid: requests pass straight through while the memory is ready, a refused one is held and
re-offered, none is lost or reordered, and the master's ready never depends on the memory's."""

import random

from amaranth.sim import Simulator

from simtlab.rtl.mem.skid import RequestSkid


def test_random_backpressure_keeps_every_request_in_order():
    seed = 7
    rand = random.Random(seed)
    dut = RequestSkid(data_width=32, tag_width=8)
    sent, received = [], []

    async def bench(ctx):
        next_tag = 0
        for _ in range(400):
            offer = rand.random() < 0.7 and next_tag < 200
            ready = rand.random() < 0.6
            ctx.set(dut.i.valid, offer)
            ctx.set(dut.i.tag, next_tag)
            ctx.set(dut.i.addr, next_tag * 4)
            ctx.set(dut.o.ready, ready)
            accepted_by_skid = offer and ctx.get(dut.i.ready)
            if ctx.get(dut.o.valid) and ready:
                received.append((ctx.get(dut.o.tag), ctx.get(dut.o.addr)))
            await ctx.tick()
            if accepted_by_skid:
                sent.append((next_tag, next_tag * 4))
                next_tag += 1
        ctx.set(dut.i.valid, 0)
        ctx.set(dut.o.ready, 1)
        for _ in range(3):
            if ctx.get(dut.o.valid):
                received.append((ctx.get(dut.o.tag), ctx.get(dut.o.addr)))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert len(sent) > 100, f"seed {seed}: too few requests to mean anything"
    assert received == sent, f"seed {seed}: requests lost or reordered"


def test_ready_is_a_register():
    """The master's ready does not follow the memory's ready within a cycle."""
    dut = RequestSkid(data_width=32, tag_width=8)
    seen = []

    async def bench(ctx):
        ctx.set(dut.i.valid, 1)
        ctx.set(dut.o.ready, 0)
        seen.append(ctx.get(dut.i.ready))      # empty buffer: ready although the memory is not
        await ctx.tick()
        seen.append(ctx.get(dut.i.ready))      # holding the refused request
        ctx.set(dut.o.ready, 1)
        seen.append(ctx.get(dut.i.ready))      # still holding within this cycle
        await ctx.tick()
        seen.append(ctx.get(dut.i.ready))

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [1, 0, 0, 1]
