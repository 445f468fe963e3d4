"""cocotb replay of a tile register trace (the text ``simtlab.drivers.tile.TileDriver(trace=...)``
writes) on the tile's RTL (``rtl/tile/tile.py``, one clock, ``Tile(clock_gating=False)``).

Run by ``tb/cocotb/test_cocotb.py::test_tile_trace_replay``, which records a layer's trace with the
functional tile model (simtlab.sim.tile_model.TileBench) and passes, through ``TILE_CASE``, an ``.npz``
holding the device memory the trace expects (``base``, ``memory``), the trace lines (``trace``) and
the layer's expected output bytes (``output_addr``, ``output``). The testbench plays the register
bus (``regs__*``), answers the DMA port (``dma__*``) from a Python memory model with responses in
order a few cycles later, waits for ``irq`` at each ``wait irq`` line and finally compares the output
bytes.
"""

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

from simtlab.drivers.tile import read_trace

PERIOD_NS = 10
LATENCY = 3
BLOCK = 64


async def serve_memory(dut, mem, base):
    """The DMA port's memory: every accepted request is answered LATENCY cycles later, in order."""
    pending = []
    cycle = 0
    dut.dma__req__ready.value = 1
    while True:
        await FallingEdge(dut.clk)
        cycle += 1
        due = pending and pending[0][0] <= cycle
        if due:
            _, data, tag = pending.pop(0)
            dut.dma__rsp__valid.value = 1
            dut.dma__rsp__data.value = data
            dut.dma__rsp__tag.value = tag
            dut.dma__rsp__err.value = 0
        else:
            dut.dma__rsp__valid.value = 0
        await RisingEdge(dut.clk)
        if int(dut.dma__req__valid.value) and int(dut.dma__req__ready.value):
            addr = int(dut.dma__req__addr.value) & ~(BLOCK - 1)
            off = addr - base
            assert 0 <= off and off + BLOCK <= mem.size, f"DMA outside the test memory: {addr:#x}"
            if int(dut.dma__req__we.value):
                data = int(dut.dma__req__data.value).to_bytes(BLOCK, "little")
                be = int(dut.dma__req__be.value)
                for i in range(BLOCK):
                    if be >> i & 1:
                        mem[off + i] = data[i]
                words = 0
            else:
                words = int.from_bytes(mem[off:off + BLOCK].tobytes(), "little")
            pending.append((cycle + LATENCY, words, int(dut.dma__req__tag.value)))


async def write_register(dut, offset, value):
    await FallingEdge(dut.clk)
    dut.regs__valid.value = 1
    dut.regs__write.value = 1
    dut.regs__addr.value = offset >> 2
    dut.regs__wdata.value = value
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.regs__valid.value = 0
    dut.regs__write.value = 0


@cocotb.test()
async def replay_layer_trace(dut):
    case = np.load(os.environ["TILE_CASE"])
    base = int(case["base"])
    mem = case["memory"].copy()
    cocotb.start_soon(Clock(dut.clk, PERIOD_NS, unit="ns").start())
    dut.regs__valid.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    cocotb.start_soon(serve_memory(dut, mem, base))
    steps = read_trace([str(line) for line in case["trace"]])
    waits = 0
    for step in steps:
        if step[0] == "write":
            await write_register(dut, step[2], step[3])
        elif step[0] == "wait":
            for _ in range(200_000):
                await RisingEdge(dut.clk)
                if int(dut.irq.value):
                    break
            else:
                raise AssertionError("the tile raised no interrupt within 200,000 cycles")
            waits += 1
            break       # one layer: what follows reads counters and clears status
    assert waits == 1
    addr, want = int(case["output_addr"]), case["output"]
    got = mem[addr - base:addr - base + want.size]
    assert np.array_equal(got, want), f"{np.count_nonzero(got != want)} output bytes differ"
    assert int(dut.fault__valid.value) == 0
