# amaranth: UnusedElaboratable=no
"""Write DMA (rtl/tile/wdma.py), feature reader (rtl/tile/rdma.py) and PDP memory to memory,
on Amaranth's simulator with a Python memory model that checks every byte."""

import numpy as np
import pytest
from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import connect
from amaranth.sim import Simulator

from simtlab.rtl.tile.pdp import PDP
from simtlab.rtl.tile.rdma import FeatureReader
from simtlab.rtl.tile.wdma import WDMA
from simtlab.sim.tile_layout import feature_offset, pack_feature, unpack_feature
from simtlab.sim.tile_ref import pool2d

from .test_pdp import pdp_config
from .test_sdp import run_simulation, send_atoms, to_atoms

MEM_BYTES = 1 << 14
BLOCK = 64


class MemoryModel:
    """A byte array served on MemSignature ports: random ``ready``, in-order responses after
    ``latency`` cycles, writes applied with their byte enables, every request logged."""

    def __init__(self, rng, init, *, latency=3, stall=0.0):
        self.mem = bytearray(init)
        self.rng, self.latency, self.stall = rng, latency, stall
        self.log = []

    def serve(self, bus):
        async def process(ctx):
            pending = []                                   # (due cycle, data)
            cycle = 0
            while True:
                ready = self.rng.random() >= self.stall
                ctx.set(bus.req.ready, ready)
                if pending and pending[0][0] <= cycle:
                    _, rdata, tag = pending.pop(0)
                    ctx.set(bus.rsp.valid, 1)
                    ctx.set(bus.rsp.data, rdata)
                    ctx.set(bus.rsp.tag, tag)
                else:
                    ctx.set(bus.rsp.valid, 0)
                *_, valid, addr, we, wdata, be, tag = await ctx.tick().sample(
                    bus.req.valid, bus.req.addr, bus.req.we, bus.req.data, bus.req.be, bus.req.tag)
                cycle += 1
                if not (valid and ready):
                    continue
                assert addr % BLOCK == 0 and addr + BLOCK <= len(self.mem), hex(addr)
                self.log.append((addr, we, be))
                if we:
                    for n in range(BLOCK):
                        if be >> n & 1:
                            self.mem[addr + n] = wdata >> (8 * n) & 0xFF
                    rdata = 0
                else:
                    rdata = int.from_bytes(self.mem[addr:addr + BLOCK], "little")
                pending.append((cycle + self.latency - 1, rdata, tag))
        return process


def _geometry(shape, atom, base, line_pad, surf_pad):
    c, h, w = shape
    line = w * atom + line_pad
    surf = h * line + surf_pad
    return dict(base=base, line=line, surf=surf)


def _expected_memory(before, cube, atom, geo):
    """``before`` with the cube's atoms (and nothing else) written in feature format."""
    c, h, w = cube.shape
    want = bytearray(before)
    packed = pack_feature(cube, atom_c=atom, line_stride=geo["line"], surf_stride=geo["surf"])
    for s in range(-(-c // atom)):
        for y in range(h):
            start = feature_offset(s * atom, y, 0, atom_c=atom, line_stride=geo["line"],
                                   surf_stride=geo["surf"])
            want[geo["base"] + start:geo["base"] + start + w * atom] = \
                packed[start:start + w * atom].tobytes()
    return want


def _cube(shape, geo):
    """The ``FeatureCube`` (``cfg``) of a (C, H, W) cube at ``geo``."""
    c, h, w = shape
    return dict(width=w - 1, height=h - 1, channel=c - 1, base=geo["base"],
                line_stride=geo["line"], surface_stride=geo["surf"])


def run_wdma(rng, cube, *, atom=8, base, line_pad, surf_pad, gap=0.0, stall=0.0, latency=3):
    dut = WDMA(atom=atom)
    geo = _geometry(cube.shape, atom, base, line_pad, surf_pad)
    before = rng.integers(0, 256, size=MEM_BYTES, dtype=np.uint8).tobytes()
    memory = MemoryModel(rng, before, latency=latency, stall=stall)
    atoms = to_atoms(cube, atom)
    log = {"in": [], "done": []}

    async def producer(ctx):
        ctx.set(dut.cfg, _cube(cube.shape, geo))
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        cycle = 1
        cycle = await send_atoms(ctx, dut.i, atoms, rand=rng.random, gap=gap, log=log["in"],
                                 cycle=cycle)
        while not log["done"]:
            *_, done = await ctx.tick().sample(dut.done)
            cycle += 1
            if done:
                log["done"].append(cycle)
        await ctx.tick().repeat(latency + 2)
        log["bytes"] = ctx.get(dut.bytes_written)
        log["busy"] = ctx.get(dut.busy)
        log["error"] = ctx.get(dut.error)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(producer)
    sim.add_testbench(memory.serve(dut.bus), background=True)
    run_simulation(sim)
    want = _expected_memory(before, cube, atom, geo)
    assert memory.mem == want, "memory differs from the feature-format image"
    c, h, w = cube.shape
    written = sum(bin(be).count("1") for _, we, be in memory.log)
    assert log["bytes"] == written == -(-c // atom) * h * w * atom
    assert all(we for _, we, _ in memory.log)
    assert log["busy"] == 0 and log["error"] == 0 and len(log["done"]) == 1
    return memory, log


def test_wdma_padded_strides_backpressure(rng):
    """Unaligned base, lines sharing blocks (56-byte stride), surface padding, a partial surface;
    random valid gaps upstream and random ready downstream."""
    cube = rng.integers(-128, 128, size=(19, 3, 5))
    run_wdma(rng, cube, base=0x1008, line_pad=16, surf_pad=24, gap=0.3, stall=0.4)


def test_wdma_packed_one_atom_per_cycle(rng):
    """Packed 16-wide lines: two full blocks per line, one atom accepted per cycle."""
    cube = rng.integers(-128, 128, size=(16, 4, 16))
    memory, log = run_wdma(rng, cube, base=0x400, line_pad=0, surf_pad=0)
    assert log["in"] == list(range(2, 2 + 2 * 4 * 16))
    assert len(memory.log) == 2 * 4 * 2 and all(be == (1 << 64) - 1 for _, _, be in memory.log)


@pytest.mark.parametrize("atom", [4, 16])
def test_wdma_other_atoms(rng, atom):
    cube = rng.integers(-128, 128, size=(atom + 3, 2, 7))
    run_wdma(rng, cube, atom=atom, base=0x2000 - 3 * atom, line_pad=atom, surf_pad=5 * atom,
             stall=0.3, gap=0.2)


def run_reader(rng, cube, *, atom=8, base, line_pad, surf_pad, stall=0.0, ready=1.0, latency=4):
    dut = FeatureReader(atom=atom, depth=4)
    geo = _geometry(cube.shape, atom, base, line_pad, surf_pad)
    image = bytearray(rng.integers(0, 256, size=MEM_BYTES, dtype=np.uint8).tobytes())
    want = _expected_memory(image, cube, atom, geo)
    memory = MemoryModel(rng, want, latency=latency, stall=stall)
    atoms = to_atoms(cube, atom)
    out, log = [], {"done": 0}

    async def consumer(ctx):
        ctx.set(dut.cfg, _cube(cube.shape, geo))
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        while len(out) < len(atoms):
            take = rng.random() < ready
            ctx.set(dut.o.ready, take)
            *_, valid, payload, done = await ctx.tick().sample(dut.o.valid, dut.o.p, dut.done)
            log["done"] += done
            if valid and take:
                out.append([int(v) for v in payload])
        ctx.set(dut.o.ready, 1)
        await ctx.tick().repeat(latency + 4)
        assert not ctx.get(dut.o.valid) and not ctx.get(dut.busy) and not ctx.get(dut.error)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(consumer)
    sim.add_testbench(memory.serve(dut.bus), background=True)
    run_simulation(sim)
    assert out == atoms
    assert log["done"] == 1
    assert memory.mem == want and not any(we for _, we, _ in memory.log)


def test_reader_padded_strides_backpressure(rng):
    cube = rng.integers(-128, 128, size=(19, 3, 5))
    run_reader(rng, cube, base=0x1008, line_pad=16, surf_pad=24, stall=0.3, ready=0.6)


def test_reader_packed_wide_lines(rng):
    cube = rng.integers(-128, 128, size=(8, 3, 20))
    run_reader(rng, cube, base=0x18, line_pad=8, surf_pad=0, atom=8, latency=6)


class _MemToMemPool(wiring.Component):
    """PDP_RDMA -> PDP -> WDMA, the memory-to-memory pooling path (two bus ports)."""

    def __init__(self, atom):
        self.reader = FeatureReader(atom=atom)
        self.pdp = PDP(atom=atom, max_width=16)
        self.wdma = WDMA(atom=atom)
        super().__init__({})

    def elaborate(self, platform):
        m = Module()
        m.submodules.reader = self.reader
        m.submodules.pdp = self.pdp
        m.submodules.wdma = self.wdma
        connect(m, reader=self.reader.o, pdp=self.pdp.i)
        connect(m, pdp=self.pdp.o, wdma=self.wdma.i)
        return m


def test_pdp_memory_to_memory(rng):
    """Average pooling with padding from memory to memory through the reader and the WDMA."""
    atom = 8
    cube = rng.integers(-128, 128, size=(12, 7, 9))
    kernel, stride, padding, pad_value = (3, 2), (2, 2), (1, 1, 0, 1), 9
    # The lanes past C (0 in memory) are pooled too (the padding value counts), as in NVDLA.
    full = np.zeros((16,) + cube.shape[1:], np.int64)
    full[:12] = cube
    pooled, _ = pool2d(full, "avg", kernel=kernel, stride=stride, padding=padding,
                       pad_value=pad_value)
    want = pooled[:12]
    src = _geometry(cube.shape, atom, 0x100, 8, 0)
    dst = _geometry(want.shape, atom, 0x2010, 0, 64)
    image = bytes(MEM_BYTES)
    memory = MemoryModel(rng, _expected_memory(image, cube, atom, src), stall=0.2)
    dut = _MemToMemPool(atom)
    cfg, _ = pdp_config(cube.shape, "avg", kernel=kernel, stride=stride, padding=padding,
                        pad_value=pad_value)

    async def control(ctx):
        rd, wr = dut.reader, dut.wdma
        ctx.set(dut.pdp.cfg, cfg)
        ctx.set(rd.cfg, _cube(cube.shape, src))
        ctx.set(wr.cfg, _cube(want.shape, dst))
        for unit in (wr, dut.pdp, rd):            # downstream first, as NVDLA enables layers
            ctx.set(unit.start, 1)
        await ctx.tick()
        for unit in (wr, dut.pdp, rd):
            ctx.set(unit.start, 0)
        await ctx.tick().until(wr.done)
        await ctx.tick().repeat(8)

    # Both ports share one memory model (two processes on one bytearray).
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(control)
    sim.add_testbench(memory.serve(dut.reader.bus), background=True)
    sim.add_testbench(memory.serve(dut.wdma.bus), background=True)
    run_simulation(sim)
    got = unpack_feature(memory.mem[dst["base"]:], *want.shape, atom_c=atom,
                         line_stride=dst["line"], surf_stride=dst["surf"])
    np.testing.assert_array_equal(got, want)
    expected = _expected_memory(_expected_memory(image, cube, atom, src), pooled, atom, dst)
    assert memory.mem == expected


def test_dma_parameter_errors():
    with pytest.raises(ValueError, match=r"atom must be a power of two from 2 to block_bytes \(64\)"
                                         r", not 128"):
        WDMA(atom=128)
    with pytest.raises(ValueError, match="block_bytes must be a power of two from 8 to 256, not 48"):
        FeatureReader(block_bytes=48)
    with pytest.raises(ValueError, match="depth must be from 2 to 64, not 1"):
        FeatureReader(depth=1)
    with pytest.raises(TypeError, match="depth must be an integer, not None"):
        FeatureReader(depth=None)
