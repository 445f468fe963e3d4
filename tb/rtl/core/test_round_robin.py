"""The shared round-robin picker (rtl/common/round_robin.py) on Amaranth's simulator against a
Python model, with and without ``hold``, for several counts and start priorities."""

import random

import pytest
from amaranth.sim import Simulator

from simtlab.rtl.common.round_robin import RoundRobin

SEED = 11


class Model:
    def __init__(self, count, last, hold):
        self.count, self.last, self.hold = count, last, hold
        self.held = None

    def grant(self, ready):
        if self.held is not None:
            return self.held
        for k in range(1, self.count + 1):
            index = (self.last + k) % self.count
            if ready >> index & 1:
                return index
        return 0

    def step(self, ready, advance, stall):
        grant = self.grant(ready)
        if advance and ready:
            self.last = grant
        if self.hold:
            self.held = grant if stall else None


@pytest.mark.parametrize("count, last, hold", [(1, 0, False), (4, 0, False), (5, 0, False),
                                               (3, 2, True), (4, 3, True), (6, 0, True)])
def test_round_robin_matches_model(count, last, hold):
    dut = RoundRobin(count, last=last, hold=hold)
    model = Model(count, last, hold)
    rng = random.Random(SEED + count)

    async def bench(ctx):
        for cycle in range(400):
            ready = rng.getrandbits(count)
            grant = model.grant(ready)
            # a held grant is a request still offered: keep its ready bit
            if model.held is not None:
                ready |= 1 << model.held
            stall = hold and ready != 0 and rng.random() < 0.4
            advance = ready != 0 and not stall and rng.random() < 0.8
            ctx.set(dut.ready, ready)
            ctx.set(dut.advance, advance)
            if hold:
                ctx.set(dut.stall, stall)
            where = f"cycle {cycle}, ready {ready:#x} (seed {SEED + count})"
            assert ctx.get(dut.valid) == (ready != 0), where
            if ready:
                assert ctx.get(dut.grant) == grant, where
            model.step(ready, advance, stall)
            if count > 1:
                await ctx.tick()
            else:
                await ctx.delay(1e-6)       # count 1 has no register (and no clock domain)

    sim = Simulator(dut)
    sim.add_clock(1e-6, if_exists=True)
    sim.add_testbench(bench)
    sim.run()
