# amaranth: UnusedElaboratable=no
"""The convolution DMA (rtl/tile/cdma.py) with CBUF on Amaranth's simulator, against
sim/tile_layout.py, with a Python memory model that stalls and answers after a few cycles.

``MemoryModel`` is shared with test_conv.py.
"""

from collections import deque

import numpy as np
import pytest
from amaranth import *
from amaranth.lib import wiring
from amaranth.sim import Simulator

from simtlab.config import TileConfig
from simtlab.rtl.tile.cbuf import CBUF
from simtlab.rtl.tile.cdma import CDMA
from simtlab.sim.tile_layout import pack_feature, pack_weights, weight_entries


class MemoryModel:
    """Answers ``MemSignature(data_width=512)`` reads from a byte array: ``req.ready`` low with
    probability ``stall``, responses in order ``latency`` (lo, hi) cycles after the request."""

    def __init__(self, bus, image, rng, *, stall=0.3, latency=(2, 8)):
        self.bus, self.image, self.rng = bus, image, rng
        self.stall, self.latency = stall, latency
        self.requests = []
        self.stalls = 0

    async def run(self, ctx):
        pending = deque()
        cycle, last_due = 0, 0
        bus = self.bus
        while True:
            ready = self.rng.random() >= self.stall
            ctx.set(bus.req.ready, ready)
            if pending and pending[0][0] <= cycle:
                _, word, tag = pending.popleft()
                ctx.set(bus.rsp.valid, 1)
                ctx.set(bus.rsp.data, word)
                ctx.set(bus.rsp.tag, tag)
            else:
                ctx.set(bus.rsp.valid, 0)
            if not ready and ctx.get(bus.req.valid):
                self.stalls += 1
            if ready and ctx.get(bus.req.valid):
                addr = ctx.get(bus.req.addr)
                assert addr % 64 == 0 and not ctx.get(bus.req.we)
                self.requests.append(addr)
                block = bytes(self.image[addr:addr + 64]).ljust(64, b"\0")
                due = max(last_due + 1, cycle + int(self.rng.integers(*self.latency, endpoint=True)))
                last_due = due
                pending.append((due, int.from_bytes(block, "little"), ctx.get(bus.req.tag)))
            await ctx.tick()
            cycle += 1


def place(image, offset, blob):
    image[offset:offset + blob.size] = blob


class _Harness(wiring.Component):
    def __init__(self, tile):
        self.cdma = CDMA(tile=tile, outstanding=4)
        self.cbuf = CBUF(atom_c=tile.atom_c, banks=tile.cbuf_banks, bank_bytes=tile.cbuf_bank_bytes)
        super().__init__({})

    def elaborate(self, platform):
        m = Module()
        m.submodules.cdma = self.cdma
        m.submodules.cbuf = self.cbuf
        wiring.connect(m, cdma=self.cdma.cbuf, cbuf=self.cbuf.w)
        return m


async def read_cbuf(ctx, port, addrs):
    """Atoms at ``addrs`` through a CBUF read port (latency 1)."""
    out = []
    for a in addrs:
        ctx.set(port.en, 1)
        ctx.set(port.addr, a)
        await ctx.tick()
        out.append([int(v) for v in ctx.get(port.data)])
    ctx.set(port.en, 0)
    return np.array(out, dtype=np.int64)


@pytest.mark.parametrize("c, h, w, k, r, s, line_pad, base", [
    (8, 3, 5, 8, 1, 1, 0, 0),          # one surface, packed
    (11, 4, 3, 5, 3, 3, 16, 24),       # two surfaces, padded lines, base mid-block
    (20, 2, 9, 13, 2, 1, 8, 8),        # three surfaces; lines straddle blocks
])
def test_cdma_loads_features_and_weights(rng, c, h, w, k, r, s, line_pad, base):
    tile = TileConfig(cbuf_banks=4, cbuf_bank_bytes=1024)
    a = tile.atom_c
    x = rng.integers(-128, 128, size=(c, h, w))
    wt = rng.integers(-128, 128, size=(k, c, r, s))
    line = w * a + line_pad
    surf = h * line + 8
    feat = pack_feature(x, atom_c=a, line_stride=line, surf_stride=surf)
    blob = pack_weights(wt, atom_c=a, atom_k=tile.atom_k)
    image = np.zeros(1 << 16, dtype=np.uint8)
    place(image, base, feat)
    wbase = 0x8000
    place(image, wbase, blob)
    dut = _Harness(tile)
    cdma = dut.cdma
    mem = MemoryModel(cdma.dma, image, rng)
    data_bank = 1
    state = {}
    entries = weight_entries(k, c, r, s, atom_c=a)

    async def bench(ctx):
        cg = -(-c // a)
        ctx.set(dut.cbuf.dat.en, 0)                 # read enables reset to 1
        ctx.set(dut.cbuf.wt.en, 0)
        ctx.set(cdma.cfg, dict(datain_width=w - 1, datain_height=h - 1, datain_channel=c - 1,
                               dain_addr_low_0=base, line_stride=line, surf_stride=surf,
                               weight_addr_low=wbase, weight_bytes=blob.size,
                               weight_kernel=k - 1, data_bank=data_bank))
        ctx.set(cdma.kernel_size, r * s - 1)
        ctx.set(cdma.start, 1)
        await ctx.tick()
        ctx.set(cdma.start, 0)
        cycles = 1
        while not ctx.get(cdma.done):
            await ctx.tick()
            cycles += 1
            assert cycles < 5000, "CDMA did not finish"
        await ctx.tick()
        state["cycles"] = cycles
        state["bytes"] = ctx.get(cdma.bytes_read)
        state["stall"] = ctx.get(cdma.stall_cycles)
        state["progress"] = (ctx.get(cdma.dat_lines), ctx.get(cdma.dat_surfaces),
                             ctx.get(cdma.wt_entries))
        state["feat"] = await read_cbuf(ctx, dut.cbuf.dat, range(cg * h * w))
        depth = tile.cbuf_bank_bytes // a
        state["wt"] = await read_cbuf(ctx, dut.cbuf.wt,
                                      range((data_bank + 1) * depth,
                                            (data_bank + 1) * depth + entries))

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.add_testbench(mem.run, background=True)
    sim.run()
    cg = -(-c // a)
    xp = np.zeros((cg * a, h, w), dtype=np.int64)
    xp[:c] = x
    expect = xp.reshape(cg, a, h, w).transpose(0, 2, 3, 1).reshape(-1, a)
    np.testing.assert_array_equal(state["feat"], expect)
    # CBUF holds the pieces expanded to whole atoms: the padded-channel layout.
    wp = np.zeros((k, cg * a, r, s), dtype=np.int64)
    wp[:, :c] = wt
    np.testing.assert_array_equal(state["wt"], pack_weights(wp, atom_c=a, atom_k=tile.atom_k)
                                  .view(np.int8)[:entries * a].reshape(-1, a))
    assert state["bytes"] == 64 * len(mem.requests)
    assert state["stall"] == mem.stalls
    depth = tile.cbuf_bank_bytes // a
    assert state["progress"] == (h, 0, (data_bank + 1) * depth + entries)   # all written
    print(f"CDMA {c}x{h}x{w} + {blob.size} B weights: {state['cycles']} cycles, "
          f"{len(mem.requests)} requests, {state['stall']} stalled cycles")
