"""cocotb tests of the round-robin picker (``rtl/common/round_robin.py``, ``RoundRobin``).

Run by ``tb/cocotb/test_cocotb.py::test_scheduler`` on ``RoundRobin(4)`` and ``RoundRobin(5)``; the
requester count is read from the width of the ``ready`` port. Inputs are driven at the falling edge,
the combinational outputs sampled in the same cycle after they settle (``ReadOnly``), and the priority
register updates at the following rising edge.

A Python model (:class:`Model`) predicts every grant: the search starts at the requester after the
last one granted (requester 0 counts as the last one granted after reset, so requester 1 comes
first), and the priority moves only on a cycle with ``advance`` and ``valid`` high.
"""

import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

PERIOD_NS = 10
SEED = int(os.environ.get("SIMTLAB_SEED", "20261122"))


class Model:
    """Reference round-robin: ``last`` is the requester granted last (0 after reset)."""

    def __init__(self, count):
        self.count = count
        self.last = 0

    def choose(self, ready):
        for k in range(1, self.count + 1):
            index = (self.last + k) % self.count
            if ready >> index & 1:
                return index
        return None

    def step(self, ready, advance):
        grant = self.choose(ready)
        if advance and grant is not None:
            self.last = grant
        return grant


async def setup(dut):
    """Start the clock, drive the inputs idle and reset; returns the requester count."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    dut.ready.value = 0
    dut.advance.value = 0
    dut.rst.value = 1
    for _ in range(2):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    return len(dut.ready)


async def cycle(dut, ready, advance):
    """Drive one cycle; returns ``(valid, grant)`` as the arbiter decided in it."""
    await FallingEdge(dut.clk)
    dut.ready.value = ready
    dut.advance.value = advance
    await ReadOnly()
    valid, grant = int(dut.valid.value), int(dut.grant.value)
    await RisingEdge(dut.clk)
    return valid, grant


@cocotb.test()
async def reset_order_and_rotation(dut):
    """After reset, with everyone ready and advance high, grants go 1, 2, ..., count-1, 0, 1, ..."""
    count = await setup(dut)
    full = (1 << count) - 1
    grants = []
    for _ in range(3 * count):
        valid, grant = await cycle(dut, full, 1)
        assert valid == 1
        grants.append(grant)
    want = [(1 + k) % count for k in range(3 * count)]
    assert grants == want, f"count {count}: grants {grants}, want {want}"
    valid, _ = await cycle(dut, 0, 1)
    assert valid == 0, "valid must be low with no requester ready"


@cocotb.test()
async def single_ready_granted_every_cycle(dut):
    """With one ready requester it is granted in every cycle, whatever the priority points at."""
    count = await setup(dut)
    for index in range(count):
        for n in range(2 * count):
            valid, grant = await cycle(dut, 1 << index, 1)
            assert (valid, grant) == (1, index), \
                f"count {count}: only {index} ready, cycle {n}: valid {valid} grant {grant}"
        # also without advance: the lone requester still wins
        for n in range(3):
            valid, grant = await cycle(dut, 1 << index, 0)
            assert (valid, grant) == (1, index)


@cocotb.test()
async def priority_moves_only_on_advance(dut):
    """Without ``advance`` the grant stays put for ever; one ``advance`` moves it by one; an
    ``advance`` while nobody is ready (``valid`` low) moves nothing."""
    count = await setup(dut)
    full = (1 << count) - 1
    model = Model(count)
    for step in range(2 * count):
        held = model.choose(full)
        for n in range(4):
            valid, grant = await cycle(dut, full, 0)
            assert (valid, grant) == (1, held), \
                f"count {count}: no advance, cycle {n}: grant {grant}, want {held} (held)"
        valid, grant = await cycle(dut, full, 1)
        assert grant == model.step(full, 1)
        assert model.choose(full) == (held + 1) % count
        # advance with nobody ready: no grant is used, the priority must not move
        valid, _ = await cycle(dut, 0, 1)
        assert valid == 0
        model.step(0, 1)
        valid, grant = await cycle(dut, full, 0)
        assert grant == model.choose(full), \
            f"count {count}: advance with valid low moved the priority to {grant}"


@cocotb.test()
async def random_ready_fair_and_exact(dut):
    """Random ready patterns and advance pulses (seeded): every grant matches the model, and a
    requester that stays ready is granted within ``count`` used grants (no starvation)."""
    count = await setup(dut)
    rng = random.Random(SEED + count)
    note = f"SIMTLAB_SEED={SEED} count {count}"
    model = Model(count)
    waited = [0] * count            # used grants to others while continuously ready
    granted = [0] * count
    for n in range(1500):
        mode = rng.random()
        if mode < 0.2:
            ready = (1 << count) - 1                      # everyone
        elif mode < 0.3:
            ready = 1 << rng.randrange(count)             # one
        else:
            ready = rng.getrandbits(count)
        advance = int(rng.random() < 0.8)
        want = model.step(ready, advance)
        valid, grant = await cycle(dut, ready, advance)
        assert valid == int(want is not None), f"{note} cycle {n}: ready {ready:b}: valid {valid}"
        if want is None:
            waited = [0] * count
            continue
        assert grant == want, f"{note} cycle {n}: ready {ready:0{count}b}: grant {grant}, want {want}"
        assert ready >> grant & 1, f"{note} cycle {n}: granted {grant}, which is not ready"
        for index in range(count):
            if not ready >> index & 1 or index == grant and advance:
                waited[index] = 0
            elif advance:
                waited[index] += 1
                assert waited[index] < count, \
                    f"{note} cycle {n}: requester {index} ready for {waited[index]} grants, not served"
        if advance:
            granted[grant] += 1
    assert all(granted), f"{note}: some requester never granted: {granted}"
    dut._log.info("%s: grants per requester %s", note, granted)
