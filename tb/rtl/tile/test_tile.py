# amaranth: UnusedElaboratable=no
"""The tile top (rtl/tile/tile.py) on Amaranth's simulator: register sequences written by the layer
driver (drivers/tile.py, recorded as a trace against the functional tile model, TileBench) replayed on the RTL
through its register bus, with a Python memory model answering its one DMA port. Results are
checked bit for bit against tile_ref (and the fake's memory). Tiny shapes: the simulator is slow;
NVDLA's full-size layers run on Verilator through the SoC."""

from collections import deque

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.config import TileConfig
from simtlab.drivers import regs
from simtlab.drivers import tile_validate as driver_mod
from simtlab.drivers.tile import TileDriver, read_trace
from simtlab.rtl.tile import tile as tile_mod
from simtlab.rtl.tile.tile import Tile
from simtlab.sim import tile_ref as ref
from simtlab.sim.tile_model import TileBench
from simtlab.spec.tile_limits import FAULT_WATCHDOG

from ...drivers.test_tile_driver import int8, ref_conv

SMALL = TileConfig(cbuf_banks=4, cbuf_bank_bytes=1024)      # 4 x 128 CBUF entries: fast


class Memory:
    """Answers the tile's ``dma`` port from ``image`` (byte ``base`` at index 0): reads and writes
    (with byte enables), responses in order 2-6 cycles later, ``err`` outside the image."""

    def __init__(self, bus, image, base, rng, *, stall=0.2):
        self.bus, self.image, self.base, self.rng, self.stall = bus, image, base, rng, stall
        self.reads = self.writes = self.errors = 0

    async def run(self, ctx):
        bus, pending, cycle, last_due = self.bus, deque(), 0, 0
        while True:
            ready = self.rng.random() >= self.stall
            ctx.set(bus.req.ready, ready)
            if pending and pending[0][0] <= cycle:
                _, word, tag, err = pending.popleft()
                ctx.set(bus.rsp.valid, 1)
                ctx.set(bus.rsp.data, word)
                ctx.set(bus.rsp.tag, tag)
                ctx.set(bus.rsp.err, err)
            else:
                ctx.set(bus.rsp.valid, 0)
            if ready and ctx.get(bus.req.valid):
                addr = ctx.get(bus.req.addr)
                assert addr % 64 == 0
                off = addr - self.base
                err = not 0 <= off <= self.image.size - 64
                word = 0
                if err:
                    self.errors += 1
                elif ctx.get(bus.req.we):
                    self.writes += 1
                    data = ctx.get(bus.req.data).to_bytes(64, "little")
                    be = ctx.get(bus.req.be)
                    for i in range(64):
                        if be >> i & 1:
                            self.image[off + i] = data[i]
                else:
                    self.reads += 1
                    word = int.from_bytes(self.image[off:off + 64].tobytes(), "little")
                due = max(last_due + 1, cycle + int(self.rng.integers(2, 7)))
                last_due = due
                pending.append((due, word, ctx.get(bus.req.tag), int(err)))
            await ctx.tick()
            cycle += 1


async def reg_write(ctx, bus, offset, value):
    ctx.set(bus.valid, 1)
    ctx.set(bus.write, 1)
    ctx.set(bus.addr, offset >> 2)
    ctx.set(bus.wdata, value)
    await ctx.tick()
    ctx.set(bus.valid, 0)
    ctx.set(bus.write, 0)


async def reg_read(ctx, bus, offset):
    ctx.set(bus.valid, 1)
    ctx.set(bus.write, 0)
    ctx.set(bus.addr, offset >> 2)
    await ctx.tick()
    ctx.set(bus.valid, 0)
    return ctx.get(bus.rdata)


def record(layers, config=SMALL, **fake_kw):
    """Runs ``layers`` (run_sequence dicts) through the driver on the tile model (TileBench); returns the
    trace, the fake (memory image with inputs and expected outputs) and the results."""
    fake = TileBench(config, mem_bytes=1 << 16, **fake_kw)
    trace = []
    results = TileDriver(fake, config, trace=trace).run_sequence(layers)
    return trace, fake, results


def replay(trace, fake, rng, *, config=SMALL, limit=20000, watchdog=1 << 12, poison=None,
           on_irq=None, clock_gating=True):
    """Replays a driver trace on the RTL: memory starts as the fake's inputs (outputs poisoned
    again; registers named in ``poison`` written with the given values instead); returns
    (memory image, log)."""
    poison = poison or {}
    image = fake.mem.copy()
    for line in trace:
        if line.startswith("# output"):
            _, _, addr, n = line.split()
            off = int(addr, 16) - fake.base
            image[off:off + int(n)] = 0xA5
    dut = Tile(config, watchdog=watchdog, clock_gating=clock_gating)
    mem = Memory(dut.dma, image, fake.base, rng)
    log = {"irq_status": [], "cycles": [], "counters": {}, "fault": None}

    async def bench(ctx):
        for step in read_trace(trace):
            if step[0] == "write":
                _, name, offset, value = step
                await reg_write(ctx, dut.regs, offset, poison.get(name, value))
            elif step[0] == "wait":
                cycles = 0
                while not ctx.get(dut.irq):
                    await ctx.tick()
                    cycles += 1
                    assert cycles < limit, "no interrupt"
                log["cycles"].append(cycles)
                log["irq_status"].append(
                    await reg_read(ctx, dut.regs, regs.offset("GLB.INTR_STATUS")))
                if on_irq is not None:
                    await on_irq(ctx, dut, log)
        for name in ("CDMA.D_PERF_LAYER_CYCLES", "CMAC_A.D_PERF_MAC_CYCLES",
                     "CACC.D_OUT_SATURATION", "SDP.D_PERF_OUT_SATURATION",
                     "PDP.D_PERF_LAYER_CYCLES"):
            log["counters"][name] = await reg_read(ctx, dut.regs, regs.offset(name))
        log["states"] = [await reg_read(ctx, dut.regs, regs.offset(f"{u}.S_STATUS"))
                         for u in ("CDMA", "CSC", "CMAC_A", "CMAC_B", "CACC", "SDP", "SDP_RDMA",
                                   "PDP", "PDP_RDMA")]
        log["irq_after"] = ctx.get(dut.irq)
        log["fault"] = (ctx.get(dut.fault.valid), ctx.get(dut.fault.unit), ctx.get(dut.fault.addr))

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.add_testbench(mem.run, background=True)
    sim.run()
    log["mem"] = mem
    return image, log


def outputs(trace, image, fake):
    """(RTL bytes, fake bytes) of every output buffer in the trace."""
    out = []
    for line in trace:
        if line.startswith("# output"):
            _, _, addr, n = line.split()
            off = int(addr, 16) - fake.base
            out.append((image[off:off + int(n)].tobytes(), fake.mem[off:off + int(n)].tobytes()))
    return out


def status_bits(*fields):
    return sum(regs.register("GLB.INTR_STATUS").field(f).mask for f in fields)


def test_limits_match_the_driver():
    assert driver_mod.PDP_MAX_WIDTH == tile_mod.PDP_MAX_WIDTH
    assert driver_mod.SDP_MAX_CHANNELS == tile_mod.SDP_MAX_CHANNELS


def test_tile_ports():
    assert Tile(SMALL).clock_gating and not Tile(SMALL, clock_gating=False).clock_gating
    sig = Tile(SMALL).signature.members
    assert set(sig) == {"regs", "regs_error", "dma", "irq", "fault"}
    with pytest.raises(ValueError, match="atom_c == atom_k"):
        Tile(TileConfig(atom_c=8, atom_k=16))


@pytest.mark.parametrize("config", [SMALL, TileConfig()], ids=["small_cbuf", "nv_small"])
def test_conv_relu_bias_to_memory(rng, config):
    """dc_4x4x8_3x3x8x8, pad 1, per-channel bias (SDP_RDMA operands), ReLU and the converter:
    conv -> SDP -> memory, bit exact; interrupts and counters."""
    x, w = int8(rng, (1, 8, 4, 4)), int8(rng, (8, 8, 3, 3))
    bias = rng.integers(-2000, 2000, size=8)
    layer = dict(op="conv2d", x=x, w=w, bias=bias, padding=1, relu=True, out_shift=5)
    trace, fake, results = record([layer], config)
    want = ref_conv(x, w, bias, padding=1, relu=True, out_shift=5)
    np.testing.assert_array_equal(results[0][0], want)
    image, log = replay(trace, fake, rng, config=config)
    (got, expect), = outputs(trace, image, fake)
    assert got == expect
    status = log["irq_status"][0]
    assert status & status_bits("SDP_DONE_STATUS0", "CACC_DONE_STATUS0", "CDMA_DAT_DONE_STATUS0",
                                "CDMA_WT_DONE_STATUS0") == \
        status_bits("SDP_DONE_STATUS0", "CACC_DONE_STATUS0", "CDMA_DAT_DONE_STATUS0",
                    "CDMA_WT_DONE_STATUS0")
    assert not log["irq_after"]                  # the driver's clear dropped the line
    assert log["states"] == [0] * 9              # every group idle again
    assert log["counters"]["CMAC_A.D_PERF_MAC_CYCLES"] == 9 * 16      # 1 K group x 9 x 16 px
    assert log["counters"]["CDMA.D_PERF_LAYER_CYCLES"] > 9 * 16
    assert log["fault"][0] == 0


def test_pdp_memory_to_memory(rng):
    x = int8(rng, (1, 11, 6, 7))
    layer = dict(op="pool2d", x=x, kernel=3, stride=2, padding=1, mode="avg", pad_value=-3)
    trace, fake, results = record([layer])
    image, log = replay(trace, fake, rng)
    (got, expect), = outputs(trace, image, fake)
    assert got == expect
    assert log["irq_status"][0] & status_bits("PDP_DONE_STATUS0")
    assert log["counters"]["PDP.D_PERF_LAYER_CYCLES"] > 0
    assert log["states"] == [0] * 9


def test_fused_pool_and_pingpong(rng):
    """Two layers queued in the two register groups: conv -> SDP -> PDP (max 2x2) fused, then a
    plain conv; the second starts by itself when the first ends."""
    x1, w1 = int8(rng, (1, 8, 4, 4)), int8(rng, (5, 8, 1, 1))
    x2, w2 = int8(rng, (1, 3, 3, 4)), int8(rng, (8, 3, 2, 2))
    layers = [dict(op="conv2d", x=x1, w=w1, relu=True, out_shift=4, pool=dict(kernel=2)),
              dict(op="conv2d", x=x2, w=w2, stride=(1, 2), clip_truncate=2, out_scale=-3,
                   out_shift=3)]
    trace, fake, results = record(layers)
    image, log = replay(trace, fake, rng)
    for got, expect in outputs(trace, image, fake):
        assert got == expect
    assert log["irq_status"][0] & status_bits("PDP_DONE_STATUS0")
    assert log["irq_status"][1] & status_bits("SDP_DONE_STATUS1")
    assert log["states"] == [0] * 9


def test_dma_fault_is_reported_and_the_layer_ends(rng):
    """A feature address outside memory: err responses, fault (unit CDMA, the address), and the
    layer still ends with its interrupt."""
    x, w = int8(rng, (1, 8, 2, 2)), int8(rng, (8, 8, 1, 1))
    trace, fake, _ = record([dict(op="conv2d", x=x, w=w)])
    bad = 0x00F0_0000
    image, log = replay(trace, fake, rng, poison={"CDMA.D_DAIN_ADDR_LOW_0": bad})
    assert log["fault"] == (1, 0x3, bad)
    assert log["irq_status"][0] & status_bits("SDP_DONE_STATUS0")


def test_watchdog_ends_an_inconsistent_layer(rng):
    """SDP told to expect a larger cube than the convolution makes: SDP would wait for ever; the
    watchdog aborts the layer, raises the interrupt and reports fault unit 15."""
    x, w = int8(rng, (1, 8, 2, 2)), int8(rng, (8, 8, 1, 1))
    trace, fake, _ = record([dict(op="conv2d", x=x, w=w)])
    image, log = replay(trace, fake, rng, watchdog=64,
                        poison={"SDP.D_DATA_CUBE_HEIGHT": regs.pack("SDP.D_DATA_CUBE_HEIGHT",
                                                                    HEIGHT=5)})
    assert log["fault"][:2] == (1, FAULT_WATCHDOG)
    assert log["irq_status"][0] & status_bits("SDP_DONE_STATUS0")
    assert log["states"] == [0] * 9


def test_sdp_memory_to_memory(rng):
    """sdp_3x3x11_bs: SDP_RDMA reads an int8 cube, per-layer bias and scale, converter."""
    x = int8(rng, (1, 11, 3, 3))
    layer = dict(op="sdp", x=x, bias=-1234, bias_shift=3, scale=-517, scale_shift=12,
                 out_offset=17, out_scale=3, out_shift=1)
    trace, fake, results = record([layer])
    want, stats = ref.sdp_x1(x, alu=-1234, alu_shift=3, mul=-517, mul_shift=12, cvt_offset=17,
                             cvt_scale=3, cvt_shift=1)
    np.testing.assert_array_equal(results[0][0], want)
    image, log = replay(trace, fake, rng)
    (got, expect), = outputs(trace, image, fake)
    assert got == expect
    assert log["irq_status"][0] & status_bits("SDP_DONE_STATUS0")
    assert log["counters"]["SDP.D_PERF_OUT_SATURATION"] == stats["out_sat"] > 0
    assert log["states"] == [0] * 9


def test_dma_arbiter_copy_with_strides(rng):
    """DmaArbiter with two clients busy at once (the tile's FeatureReader feeding its WDMA): a
    19 x 5 x 7 cube with padded lines and surfaces, bases inside a block, copied to a differently
    strided place; memory stalls; responses routed to the right client."""
    from amaranth import Module
    from amaranth.lib import wiring
    from simtlab.sim import tile_layout as lay
    from simtlab.rtl.tile.dma_arbiter import DmaArbiter
    from simtlab.rtl.tile.rdma import FeatureReader
    from simtlab.rtl.tile.wdma import WDMA

    c, h, w = 19, 5, 7
    src, src_line, src_surf = 0x48, 9 * 8, 6 * 9 * 8 + 16
    dst, dst_line, dst_surf = 0x1000 + 0x18, 7 * 8, 5 * 7 * 8
    x = int8(rng, (c, h, w))
    image = np.zeros(0x2000, np.uint8)
    blob = lay.pack_feature(x, line_stride=src_line, surf_stride=src_surf)
    image[src:src + blob.size] = blob

    class Copy(wiring.Component):
        def __init__(self):
            self.reader, self.writer = FeatureReader(atom=8, depth=4), WDMA(atom=8)
            self.arbiter = DmaArbiter(2, outstanding=4)
            super().__init__({"dma": wiring.Out(self.arbiter.bus.signature)})

        def elaborate(self, platform):
            m = Module()
            m.submodules.reader, m.submodules.writer = self.reader, self.writer
            m.submodules.arbiter = self.arbiter
            wiring.connect(m, self.reader.o, self.writer.i)
            wiring.connect(m, self.reader.bus, self.arbiter.clients[0])
            wiring.connect(m, self.writer.bus, self.arbiter.clients[1])
            wiring.connect(m, self.arbiter.bus, wiring.flipped(self.dma))
            return m

    dut = Copy()
    mem = Memory(dut.dma, image, 0, rng, stall=0.3)

    async def bench(ctx):
        size = dict(width=w - 1, height=h - 1, channel=c - 1)
        ctx.set(dut.reader.cfg, dict(size, base=src, line_stride=src_line,
                                     surface_stride=src_surf))
        ctx.set(dut.writer.cfg, dict(size, base=dst, line_stride=dst_line,
                                     surface_stride=dst_surf))
        ctx.set(dut.reader.start, 1)
        ctx.set(dut.writer.start, 1)
        await ctx.tick()
        ctx.set(dut.reader.start, 0)
        ctx.set(dut.writer.start, 0)
        for _ in range(3000):
            if ctx.get(dut.writer.done):
                break
            await ctx.tick()
        else:
            raise AssertionError("no done")
        for _ in range(20):                 # the last write responses
            await ctx.tick()
        assert ctx.get(dut.arbiter.idle)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.add_testbench(mem.run, background=True)
    sim.run()
    got = lay.unpack_feature(image[dst:], c, h, w, line_stride=dst_line, surf_stride=dst_surf)
    np.testing.assert_array_equal(got, x)
    assert not image[:src].any() and not image[src + blob.size:dst].any()
    surfaces = -(-c // 8)
    assert mem.reads <= surfaces * h * 2            # one or two blocks per 56-byte line
    assert mem.writes <= surfaces * h * 2


def test_independent_layers_overlap(rng):
    """conv, PDP memory to memory, conv: the pooling layer runs on its own engines while the
    first convolution runs (it may end first: its interrupt stays masked until the driver waits
    for it); the second convolution takes the other register group."""
    x1, w1 = int8(rng, (1, 8, 5, 4)), int8(rng, (6, 8, 3, 3))
    xp = int8(rng, (1, 8, 4, 6))
    x2, w2 = int8(rng, (1, 5, 3, 3)), int8(rng, (3, 5, 1, 1))
    layers = [dict(op="conv2d", x=x1, w=w1, padding=1, out_shift=7),
              dict(op="pool2d", x=xp, kernel=2, mode="min"),
              dict(op="conv2d", x=x2, w=w2, relu=True, out_shift=2)]
    trace, fake, _ = record(layers)
    image, log = replay(trace, fake, rng)
    for got, expect in outputs(trace, image, fake):
        assert got == expect
    assert log["irq_status"][0] & status_bits("SDP_DONE_STATUS0")
    assert log["irq_status"][1] & status_bits("PDP_DONE_STATUS0")
    assert log["irq_status"][2] & status_bits("SDP_DONE_STATUS1")
    assert log["states"] == [0] * 9 and not log["irq_after"]


def test_dma_arbiter_round_robin_and_fault(rng):
    """Three clients always requesting: grants rotate 0, 1, 2, ...; a request not taken keeps its
    grant; responses go back to their issuer; an err response reports client and address."""
    from simtlab.rtl.tile.dma_arbiter import DmaArbiter

    dut = DmaArbiter(3, outstanding=4)
    seen, got = [], {0: [], 1: [], 2: []}
    faults = []

    async def bench(ctx):
        for n in range(3):
            ctx.set(dut.clients[n].req.valid, 1)
            ctx.set(dut.clients[n].req.addr, 0x1000 * (n + 1))
        pending = deque()
        for cycle in range(40):
            ready = cycle % 3 != 2                      # memory stalls every third cycle
            ctx.set(dut.bus.req.ready, ready)
            if pending and cycle % 2:
                addr = pending.popleft()
                ctx.set(dut.bus.rsp.valid, 1)
                ctx.set(dut.bus.rsp.data, addr)
                ctx.set(dut.bus.rsp.err, addr == 0x3000)
            else:
                ctx.set(dut.bus.rsp.valid, 0)
            if ctx.get(dut.bus.req.valid):
                seen.append((ctx.get(dut.bus.req.addr), ready))
                if ready:
                    pending.append(ctx.get(dut.bus.req.addr))
            for n in range(3):
                if ctx.get(dut.clients[n].rsp.valid):
                    got[n].append(ctx.get(dut.clients[n].rsp.data))
            if ctx.get(dut.fault.valid):
                faults.append((ctx.get(dut.fault.client), ctx.get(dut.fault.addr)))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    taken = [addr for addr, ready in seen if ready]
    assert taken[:6] == [0x1000, 0x2000, 0x3000, 0x1000, 0x2000, 0x3000]
    for (addr, ready), (nxt, _) in zip(seen, seen[1:]):
        if not ready:
            assert nxt == addr                          # the grant held under a stall
    for n in range(3):
        assert got[n] and set(got[n]) == {0x1000 * (n + 1)}
    assert faults and set(faults) == {(2, 0x3000)}


@pytest.mark.parametrize("clock_gating", [True, False], ids=["gated", "enabled"])
def test_fused_pool_ends_after_conv_and_sdp(rng, clock_gating):
    """conv -> SDP (per-channel operands) -> PDP max 2x2 / 2 over an odd height: the last input
    line only feeds no window, so PDP writes its last output before SDP (and the convolution)
    have pushed that line. The layer's end (PDP's done) must still come after the conv and SDP
    dones: at the interrupt every unit is idle and the GLB status has all of the layer's bits."""
    x, w = int8(rng, (1, 8, 5, 4)), int8(rng, (8, 8, 3, 3))
    bias = rng.integers(-30000, 30000, size=8) * 4
    layer = dict(op="conv2d", x=x, w=w, bias=bias, padding=1, relu=True, out_shift=7,
                 pool=dict(kernel=2, stride=2, mode="max"))
    trace, fake, _ = record([layer])
    seen = {}

    async def on_irq(ctx, dut, log):
        seen["states"] = [await reg_read(ctx, dut.regs, regs.offset(f"{u}.S_STATUS"))
                          for u in ("CDMA", "SDP", "SDP_RDMA", "PDP")]

    image, log = replay(trace, fake, rng, on_irq=on_irq, clock_gating=clock_gating)
    (got, expect), = outputs(trace, image, fake)
    assert got == expect
    assert seen["states"] == [0] * 4
    assert log["irq_status"][0] & status_bits("PDP_DONE_STATUS0", "SDP_DONE_STATUS0",
                                              "CDMA_DAT_DONE_STATUS0") == \
        status_bits("PDP_DONE_STATUS0", "SDP_DONE_STATUS0", "CDMA_DAT_DONE_STATUS0")
    assert log["states"] == [0] * 9


@pytest.mark.parametrize("layers", ["fused", "independent"])
def test_without_clock_gating(rng, layers):
    """The FPGA variant (one clock, ``clock_gating=False``) runs the same layers bit exact."""
    if layers == "fused":
        x1, w1 = int8(rng, (1, 8, 4, 4)), int8(rng, (5, 8, 1, 1))
        x2, w2 = int8(rng, (1, 3, 3, 4)), int8(rng, (8, 3, 2, 2))
        seq = [dict(op="conv2d", x=x1, w=w1, relu=True, out_shift=4, pool=dict(kernel=2)),
               dict(op="conv2d", x=x2, w=w2, stride=(1, 2), out_shift=3)]
    else:
        seq = [dict(op="pool2d", x=int8(rng, (1, 11, 6, 7)), kernel=3, stride=2, padding=1,
                    mode="avg", pad_value=-3)]
    trace, fake, _ = record(seq)
    image, log = replay(trace, fake, rng, clock_gating=False)
    for got, expect in outputs(trace, image, fake):
        assert got == expect
    assert log["states"] == [0] * 9
