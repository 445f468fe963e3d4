# amaranth: UnusedElaboratable=no
"""The convolution buffer (rtl/tile/cbuf.py) on Amaranth's simulator against a Python array."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.rtl.tile.cbuf import CBUF


@pytest.mark.parametrize("atom_c, banks, bank_bytes", [(8, 4, 1024), (16, 3, 1024), (8, 32, 4096)])
def test_cbuf_reads_and_writes(rng, atom_c, banks, bank_bytes):
    """Writes anywhere; the feature port reads the data banks, the weight port the others, both
    in the same cycle, one cycle of latency; a read after a write sees it."""
    dut = CBUF(atom_c=atom_c, banks=banks, bank_bytes=bank_bytes)
    depth = bank_bytes // atom_c
    assert dut.depth == depth and dut.entries == banks * depth
    split = max(1, banks // 2) * depth                     # data banks | weight banks
    model = np.zeros((banks * depth, atom_c), dtype=np.int64)
    writes = rng.choice(banks * depth, size=min(200, banks * depth), replace=False)
    values = rng.integers(-128, 128, size=(len(writes), atom_c))
    reads = []

    async def bench(ctx):
        ctx.set(dut.dat.en, 0)
        ctx.set(dut.wt.en, 0)
        for addr, value in zip(writes, values):
            ctx.set(dut.w.en, 1)
            ctx.set(dut.w.addr, int(addr))
            ctx.set(dut.w.data, [int(v) for v in value])
            model[addr] = value
            await ctx.tick()
        ctx.set(dut.w.en, 0)
        for n in range(150):
            da = int(rng.integers(0, split))
            wa = int(rng.integers(split, banks * depth))
            ctx.set(dut.dat.en, 1)
            ctx.set(dut.dat.addr, da)
            ctx.set(dut.wt.en, 1)
            ctx.set(dut.wt.addr, wa)
            await ctx.tick()
            ctx.set(dut.dat.en, 0)
            ctx.set(dut.wt.en, 0)
            ctx.set(dut.dat.addr, 0)                   # held data: en low keeps the output
            reads.append((da, wa, [int(v) for v in ctx.get(dut.dat.data)],
                          [int(v) for v in ctx.get(dut.wt.data)]))
        # write then read the same entry next cycle
        ctx.set(dut.w.en, 1)
        ctx.set(dut.w.addr, 5)
        ctx.set(dut.w.data, [7] * atom_c)
        await ctx.tick()
        ctx.set(dut.w.en, 0)
        ctx.set(dut.dat.en, 1)
        ctx.set(dut.dat.addr, 5)
        await ctx.tick()
        assert [int(v) for v in ctx.get(dut.dat.data)] == [7] * atom_c

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    for da, wa, dd, wd in reads:
        assert dd == list(model[da]), f"feature read of entry {da}"
        assert wd == list(model[wa]), f"weight read of entry {wa}"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(atom_c=6), ValueError, r"atom_c must be 4, 8, 16 or 32, not 6"),
    (dict(banks=33), ValueError, r"banks must be 2..32, not 33"),
    (dict(bank_bytes=1000), ValueError, r"bank_bytes must be a power of two"),
    (dict(banks=4.0), TypeError, r"banks must be an integer, not 4.0"),
])
def test_cbuf_parameter_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        CBUF(**kwargs)
