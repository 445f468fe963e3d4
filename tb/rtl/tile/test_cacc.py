# amaranth: UnusedElaboratable=no
"""The accumulator (rtl/tile/cacc.py) on Amaranth's simulator against sim/tile_ref.py."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.rtl.tile.cacc import CACC
from simtlab.sim.tile_ref import cacc_truncate


def _run(dut, inputs, clip, gaps=None):
    """Feed ``inputs`` ((slot, first, last, psum vector), ...); returns outputs and sat_count."""
    outputs, timing, sent = [], [], []
    state = {}

    async def producer(ctx):
        ctx.set(dut.cfg.clip_truncate, clip)
        ctx.set(dut.sat_clear, 1)
        await ctx.tick()
        ctx.set(dut.sat_clear, 0)
        cycle = 1
        for n, (slot, first, last, psum) in enumerate(inputs):
            gap = gaps[n] if gaps else 0
            if gap:
                ctx.set(dut.i.valid, 0)
                await ctx.tick().repeat(gap)
                cycle += gap
            ctx.set(dut.i.valid, 1)
            ctx.set(dut.i.p.slot, slot)
            ctx.set(dut.i.p.first, first)
            ctx.set(dut.i.p.last, last)
            ctx.set(dut.i.p.psum, [int(v) for v in psum])
            if last:
                sent.append(cycle)
            await ctx.tick()
            cycle += 1
        ctx.set(dut.i.valid, 0)
        await ctx.tick().repeat(4)
        state["sat"] = ctx.get(dut.sat_count)

    async def consumer(ctx):
        cycle = 0
        async for _, _, valid, slot, payload in ctx.tick().sample(dut.o.valid, dut.o.p.slot,
                                                                  dut.o.p.data):
            if valid:
                outputs.append((slot, [int(v) for v in payload]))
                timing.append(cycle)
            cycle += 1

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(producer)
    sim.add_testbench(consumer, background=True)
    sim.run()
    assert [t - s for t, s in zip(timing, sent)] == [CACC.latency] * len(sent)
    return outputs, state["sat"]


def _stripes(rng, dut, *, slots, contributions, low, high):
    """Inputs of one channel op: ``contributions`` passes over ``slots`` slots (a stripe each)."""
    psums = rng.integers(low, high, size=(contributions, slots, dut.atom_k))
    inputs = [(s, int(n == 0), int(n == contributions - 1), psums[n, s])
              for n in range(contributions) for s in range(slots)]
    return inputs, psums.sum(axis=0)


@pytest.mark.parametrize("atom_c, atom_k, clip", [(8, 8, 0), (8, 8, 4), (16, 16, 7), (4, 2, 16)])
def test_cacc_matches_reference(rng, atom_c, atom_k, clip):
    dut = CACC(atom_c=atom_c, atom_k=atom_k, depth=16)
    lim = 1 << (dut.psum_width - 1)
    inputs, totals = _stripes(rng, dut, slots=16, contributions=9, low=-lim, high=lim)
    gaps = [int(g) for g in rng.integers(0, 3, size=len(inputs)) * (rng.random(len(inputs)) < .2)]
    outputs, sat = _run(dut, inputs, clip, gaps)
    want, want_sat = cacc_truncate(totals, clip)
    assert [slot for slot, _ in outputs] == list(range(16))
    np.testing.assert_array_equal([v for _, v in outputs], want)
    assert sat == want_sat == 0


def test_cacc_back_to_back_same_slot(rng):
    """Consecutive contributions to one slot (a 1-pixel stripe) accumulate without hazards."""
    dut = CACC(atom_c=8, atom_k=8, depth=4)
    inputs, totals = _stripes(rng, dut, slots=1, contributions=20, low=-(1 << 18), high=1 << 18)
    outputs, _ = _run(dut, inputs, clip=3)
    np.testing.assert_array_equal(outputs[0][1], cacc_truncate(totals, 3)[0][0])


def test_cacc_rounding_halves_away_from_zero():
    dut = CACC(atom_c=8, atom_k=8, depth=1)
    psum = [8, -8, 24, -24, 7, -7, 9, -9]               # / 16: .5, -.5, 1.5, -1.5, ...
    outputs, _ = _run(dut, [(0, 1, 1, psum)], clip=4)
    assert outputs[0][1] == [1, -1, 2, -2, 0, 0, 1, -1]


def test_cacc_saturates_and_counts():
    """Sums beyond int32 (clip 0) saturate, and each saturated lane is counted."""
    dut = CACC(atom_c=64, atom_k=2, depth=1)
    top = (1 << (dut.psum_width - 1)) - 1
    n = 1100                                            # 1100 * (2**21 - 1) > 2**31
    inputs = [(0, int(i == 0), int(i == n - 1), [top, -top - 1]) for i in range(n)]
    outputs, sat = _run(dut, inputs, clip=0)
    assert outputs[0][1] == [(1 << 31) - 1, -(1 << 31)]
    totals = np.array([[top * n, (-top - 1) * n]])
    assert sat == cacc_truncate(totals, 0)[1] == 2


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(depth=0), ValueError, r"depth must be an integer from 1 to 256, not 0"),
    (dict(acc_width=32), ValueError, r"acc_width must be an integer from 33 to 64, not 32"),
    (dict(atom_k=12), ValueError, r"atom_k must be a power of two from 2 to 64, not 12"),
    (dict(depth="8"), TypeError, r"depth must be an integer, not '8'"),
])
def test_cacc_parameter_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        CACC(**kwargs)


def test_cacc_converts_to_rtlil():
    """Elaborates for synthesis (explicit ports: always-ready streams have constant ``ready``)."""
    from amaranth import Signal
    from amaranth.back import rtlil
    dut = CACC()
    ports = [v for _, _, v in dut.signature.flatten(dut) if isinstance(v, Signal)]
    assert "module" in rtlil.convert(dut, ports=ports)
