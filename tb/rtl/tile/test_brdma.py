# amaranth: UnusedElaboratable=no
"""SDP_RDMA's operand loader (rtl/tile/brdma.py) on Amaranth's simulator: per-channel operands
read from a stalling memory model arrive on ``param`` in channel order, 1- and 2-byte, MUL and
ALU tables."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.rtl.tile.brdma import OperandLoader
from simtlab.rtl.tile.sdp import SDPOperand

from .test_cdma import MemoryModel, place


@pytest.mark.parametrize("channels, two_byte, use, base, x2", [
    (1, 0, "ALU", 0x40, False),
    (70, 0, "MUL", 0x13, False),           # two blocks and a bit, base mid-block
    (45, 1, "ALU", 0x102, False),          # 2-byte operands across two blocks
    (9, 1, "BOTH", 0x7E, False),           # BOTH fills the ALU table; the first block has one operand
    (40, 1, "MUL", 0x40, True),            # NRDMA: X2's tables
    (17, 1, "ALU", 0x22, True),
])
def test_operand_loader(rng, channels, two_byte, use, base, x2):
    dtype = np.dtype("<i2") if two_byte else np.dtype("i1")
    values = rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max + 1, size=channels)
    image = np.zeros(0x400, dtype=np.uint8)
    place(image, base, values.astype(dtype).view(np.uint8))
    dut = OperandLoader(max_channels=128, x2=x2)
    mem = MemoryModel(dut.dma, image, rng, stall=0.3)
    got = []

    async def bench(ctx):
        ctx.set(dut.cfg, dict(bs_base_addr_low=base, brdma_data_size=two_byte,
                              brdma_data_use={"MUL": 0, "ALU": 1, "BOTH": 2}[use]))
        ctx.set(dut.channel, channels - 1)
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        for _ in range(2000):
            valid, p, done = ctx.get(dut.param.valid), ctx.get(dut.param.p), ctx.get(dut.done)
            if valid:
                got.append((p.operand, int(p.channel), int(p.value)))
            await ctx.tick()
            if done:
                break
        assert done, "the loader did not finish"
        assert not ctx.get(dut.busy)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.add_testbench(mem.run, background=True)
    sim.run()
    if x2:
        table = SDPOperand.BN_MUL if use == "MUL" else SDPOperand.BN_ALU
    else:
        table = SDPOperand.MUL if use == "MUL" else SDPOperand.ALU
    assert got == [(table, c, int(v)) for c, v in enumerate(values)]
    size = 2 if two_byte else 1
    blocks = {(base + c * size) // 64 for c in range(channels)}
    assert len(mem.requests) == len(blocks)


def test_operand_loader_parameters():
    with pytest.raises(ValueError, match="max_channels must be from 1 to 8192, not 0"):
        OperandLoader(max_channels=0)
    with pytest.raises(TypeError, match="max_channels must be an integer, not None"):
        OperandLoader(max_channels=None)
    with pytest.raises(ValueError, match="block_bytes must be a power of two from 8 to 256"):
        OperandLoader(max_channels=8, block_bytes=48)
    with pytest.raises(TypeError, match="x2 must be a bool, not 1"):
        OperandLoader(max_channels=8, x2=1)
