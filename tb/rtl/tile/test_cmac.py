# amaranth: UnusedElaboratable=no
"""The MAC array (rtl/tile/cmac.py) on Amaranth's simulator against numpy."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.rtl.tile.cmac import CMAC


def _run(dut, loads, atoms, *, gaps):
    """Load ``loads`` ((cell, atom) pairs), then stream ``atoms`` with ``gaps[n]`` idle cycles
    before atom n; returns the partial-sum vectors in output order with their output cycles."""
    results, sent = [], []

    async def producer(ctx):
        for cell, atom in loads:
            ctx.set(dut.wt.valid, 1)
            ctx.set(dut.wt.p.cell, cell)
            ctx.set(dut.wt.p.data, [int(v) for v in atom])
            await ctx.tick()
        ctx.set(dut.wt.valid, 0)
        cycle = 0
        for atom, gap in zip(atoms, gaps):
            ctx.set(dut.i.valid, 0)
            if gap:
                await ctx.tick().repeat(gap)
            cycle += gap
            ctx.set(dut.i.valid, 1)
            ctx.set(dut.i.p, [int(v) for v in atom])
            sent.append(cycle)
            await ctx.tick()
            cycle += 1
        ctx.set(dut.i.valid, 0)

    async def consumer(ctx):
        cycle = -len(loads)
        async for clk_edge, rst, valid, payload in ctx.tick().sample(dut.o.valid, dut.o.p):
            if valid:
                results.append((cycle, [int(v) for v in payload]))
            cycle += 1

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(producer)
    sim.add_testbench(consumer, background=True)
    sim.run_until(1e-6 * (len(loads) + sum(gaps) + len(atoms) + 10))
    return results, sent


@pytest.mark.parametrize("atom_c, atom_k", [(8, 8), (16, 16), (8, 16), (4, 2)])
def test_cmac_matches_numpy(rng, atom_c, atom_k):
    dut = CMAC(atom_c=atom_c, atom_k=atom_k)
    weights = rng.integers(-128, 128, size=(atom_k, atom_c))
    weights[0] = -128                                   # the extreme sums: -128 * -128 * AtomC
    atoms = rng.integers(-128, 128, size=(12, atom_c))
    atoms[0] = -128
    atoms[1] = 127
    gaps = [0, 0, 0, 2, 0, 1, 0, 0, 3, 0, 0, 0]
    results, sent = _run(dut, list(enumerate(weights)), atoms, gaps=gaps)
    assert len(results) == len(atoms)
    for (cycle, psums), atom, when in zip(results, atoms, sent):
        np.testing.assert_array_equal(psums, weights @ atom)
        assert cycle - when == CMAC.latency
    assert max(abs(v) for _, p in results for v in p) < 1 << (dut.psum_width - 1)


def test_cmac_weight_reload(rng):
    """A cell reloaded between atoms uses its new weights from the next atom on."""
    dut = CMAC(atom_c=8, atom_k=8)
    first = rng.integers(-128, 128, size=(8, 8))
    second = first.copy()
    second[3] = rng.integers(-128, 128, size=8)
    atoms = rng.integers(-128, 128, size=(2, 8))
    results, _ = _run(dut, list(enumerate(first)), atoms[:1], gaps=[0])
    np.testing.assert_array_equal(results[0][1], first @ atoms[0])
    dut = CMAC(atom_c=8, atom_k=8)
    results, _ = _run(dut, list(enumerate(first)) + [(3, second[3])], atoms, gaps=[0, 0])
    for (_, psums), atom in zip(results, atoms):
        np.testing.assert_array_equal(psums, second @ atom)


def test_cmac_signature_and_widths():
    dut = CMAC(atom_c=16, atom_k=16)
    assert dut.psum_width == 20 and dut.atom_c == 16 and dut.atom_k == 16
    assert len(dut.o.p) == 16 and len(dut.i.p) == 16
    assert CMAC(atom_c=8, atom_k=8).psum_width == 19


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(atom_c=6), ValueError, r"atom_c must be a power of two from 2 to 64, not 6"),
    (dict(atom_k=128), ValueError, r"atom_k must be a power of two from 2 to 64, not 128"),
    (dict(atom_c=8.0), TypeError, r"atom_c must be an integer, not 8.0"),
])
def test_cmac_parameter_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        CMAC(**kwargs)


def test_cmac_converts_to_rtlil():
    """Elaborates for synthesis (explicit ports: always-ready streams have constant ``ready``)."""
    from amaranth import Signal
    from amaranth.back import rtlil
    dut = CMAC(atom_c=16, atom_k=16)
    ports = [v for _, _, v in dut.signature.flatten(dut) if isinstance(v, Signal)]
    assert "module" in rtlil.convert(dut, ports=ports)


def test_cmac_shadow_swap(rng):
    """Shadow loads overlap atoms that use the active weights; ``swap`` switches from the next
    atom on, and a shadow load in the swap cycle lands after the copy."""
    dut = CMAC(atom_c=8, atom_k=4)
    sets = rng.integers(-128, 128, size=(3, 4, 8))
    atoms = rng.integers(-128, 128, size=(9, 8))
    # Per cycle: (atom index or None, swap, (set, cell, shadow) or None).
    script = [(None, 0, (0, k, 0)) for k in range(4)]
    script += [(n, 0, (1, n, 1)) for n in range(4)]
    script += [(4, 1, (2, 0, 1))]                       # a4 still uses set 0
    script += [(5 + k, 0, (2, 1 + k, 1)) for k in range(3)]
    script += [(None, 1, None), (8, 0, None)]
    expected = [sets[0] @ atoms[n] for n in range(5)] + [sets[1] @ atoms[n] for n in range(5, 8)]
    expected += [sets[2] @ atoms[8]]
    results = []

    async def producer(ctx):
        for atom, swap, load in script:
            ctx.set(dut.i.valid, atom is not None)
            if atom is not None:
                ctx.set(dut.i.p, [int(v) for v in atoms[atom]])
            ctx.set(dut.swap, swap)
            ctx.set(dut.wt.valid, load is not None)
            if load is not None:
                ctx.set(dut.wt.p.cell, load[1])
                ctx.set(dut.wt.p.shadow, load[2])
                ctx.set(dut.wt.p.data, [int(v) for v in sets[load[0]][load[1]]])
            await ctx.tick()
        ctx.set(dut.i.valid, 0)
        ctx.set(dut.wt.valid, 0)
        await ctx.tick().repeat(4)

    async def consumer(ctx):
        async for _, _, valid, payload in ctx.tick().sample(dut.o.valid, dut.o.p):
            if valid:
                results.append([int(v) for v in payload])

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(producer)
    sim.add_testbench(consumer, background=True)
    sim.run()
    assert len(results) == len(expected)
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)
