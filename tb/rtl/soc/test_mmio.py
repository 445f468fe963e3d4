"""The MMIO bridge (rtl/soc/mmio.py) in front of the tile's register window and a memory model, and
the memory arbiter (rtl/mem/arbiter.py), on Amaranth's simulator."""

import random

from amaranth import Elaboratable, Module
from amaranth.lib import wiring
from amaranth.sim import Simulator

from simtlab.drivers import regs as regmodel
from simtlab.rtl.mem.arbiter import MemArbiter
from simtlab.rtl.soc.mmio import MmioBridge
from simtlab.rtl.tile.regbus import TileRegisters
from simtlab.spec.memory import MemoryMap

SEED = 11
LOAD = 1 << 15


class _Bench(Elaboratable):
    def __init__(self):
        self.bridge = MmioBridge()
        self.regs = TileRegisters()

    def elaborate(self, platform):
        m = Module()
        m.submodules.bridge, m.submodules.regs = self.bridge, self.regs
        wiring.connect(m, bridge=self.bridge.regs, regs=self.regs.bus)
        m.d.comb += self.bridge.error.eq(self.regs.error)
        return m


def _word_request(addr, value=None):
    """(addr, we, data, be) of a word access as the core's coalescer makes it."""
    offset = addr & 63
    if value is None:
        return addr & ~63, 0, 0, 0xF << offset
    return addr & ~63, 1, value << (8 * offset), 0xF << offset


def run_bridge(script, latency=3):
    """Drive ``script`` (a list of ("cpu", addr, value_or_None, tag) / ("host", offset, value_or_None))
    through the bridge; memory answers after ``latency`` cycles with a block whose every word is its
    address. Returns the core's responses [(tag, data, err)] and the host's read values."""
    dut = _Bench()
    responses, host_reads = [], []

    bridge = dut.bridge
    pending = []            # (due cycle, data, tag) of memory requests
    cycle = 0

    async def serve(ctx):
        """One cycle of the memory model (accept, answer when due) and of response recording."""
        nonlocal cycle
        if ctx.get(bridge.mem.req.valid):
            words = sum((ctx.get(bridge.mem.req.addr) + 4 * i) << (32 * i) for i in range(16))
            pending.append((cycle + latency, words, ctx.get(bridge.mem.req.tag)))
        due = [p for p in pending if p[0] <= cycle]
        if due:
            pending.remove(due[0])
            ctx.set(bridge.mem.rsp.data, due[0][1])
            ctx.set(bridge.mem.rsp.tag, due[0][2])
        ctx.set(bridge.mem.rsp.valid, bool(due))
        if ctx.get(bridge.cpu.rsp.valid):
            responses.append((ctx.get(bridge.cpu.rsp.tag), ctx.get(bridge.cpu.rsp.data),
                              ctx.get(bridge.cpu.rsp.err)))
        await ctx.tick()
        cycle += 1

    async def bench(ctx):
        nonlocal cycle
        ctx.set(bridge.mem.req.ready, 1)
        for step in script:
            if step[0] == "wait":
                for _ in range(step[1]):
                    await ctx.tick()
                    cycle += 1
                continue
            if step[0] == "host":
                _, offset, value = step
                ctx.set(bridge.host.valid, 1)
                ctx.set(bridge.host.write, value is not None)
                ctx.set(bridge.host.addr, offset // 4)
                ctx.set(bridge.host.wdata, value or 0)
                await ctx.tick()
                ctx.set(bridge.host.valid, 0)
                if value is None:
                    host_reads.append(ctx.get(bridge.host.rdata))
                cycle += 1
                continue
            _, addr, value, tag = step
            block, we, data, be = _word_request(addr, value)
            ctx.set(bridge.cpu.req.valid, 1)
            ctx.set(bridge.cpu.req.addr, block)
            ctx.set(bridge.cpu.req.we, we)
            ctx.set(bridge.cpu.req.data, data)
            ctx.set(bridge.cpu.req.be, be)
            ctx.set(bridge.cpu.req.tag, tag)
            while True:
                accepted = ctx.get(bridge.cpu.req.ready)
                await serve(ctx)
                if accepted:
                    break
            ctx.set(bridge.cpu.req.valid, 0)
        for _ in range(latency + 12):         # drain
            await serve(ctx)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return responses, host_reads


def _word(data, addr):
    return (data >> (32 * ((addr & 63) // 4))) & 0xFFFF_FFFF


def test_register_write_then_read_in_order_with_memory():
    mmio = regmodel.address("CDMA.D_DAIN_ADDR_LOW_0")
    script = [
        ("cpu", 0x1_0040, None, LOAD | 1),          # memory load, still in flight ...
        ("cpu", mmio, 0x1234_5640, 2),              # ... when the register write arrives
        ("cpu", mmio, None, LOAD | 3),              # register read
        ("cpu", 0x1_0080, None, LOAD | 4),          # memory again
    ]
    responses, _ = run_bridge(script)
    tags = [tag for tag, _, _ in responses]
    assert tags == [LOAD | 1, 2, LOAD | 3, LOAD | 4], "responses must stay in request order"
    assert _word(responses[0][1], 0x1_0040) == 0x1_0040
    assert _word(responses[2][1], mmio) == 0x1234_5640
    assert not any(err for _, _, err in responses)


def test_host_and_core_share_the_registers():
    offset = regmodel.offset("CACC.D_CLIP_CFG")
    mmio = MemoryMap.MMIO_BASE + offset
    responses, host_reads = run_bridge([
        ("host", offset, 7),
        ("cpu", mmio, None, LOAD | 5),
        ("cpu", mmio, 3, 6),
        ("wait", 8),                  # the host's accesses go first: let the core's write finish
        ("host", offset, None),
    ])
    assert _word(responses[0][1], mmio) == 7
    assert host_reads == [3]


def test_unmapped_register_offset_is_an_error():
    mmio = MemoryMap.MMIO_BASE + 0xE000          # no unit there (nv_small ends with CDP at 0xD000)
    responses, _ = run_bridge([("cpu", mmio, None, LOAD | 9)])
    assert responses == [(LOAD | 9, 0, 1)]


def test_arbiter_round_robin_and_response_routing():
    """Two masters always requesting: grants alternate; responses go back by tag."""
    dut = MemArbiter(count=2, data_width=32, tag_width=4)
    rng = random.Random(SEED)
    grants = []

    async def bench(ctx):
        for port in dut.masters:
            ctx.set(port.req.valid, 1)
        for index, port in enumerate(dut.masters):
            ctx.set(port.req.addr, 0x100 * (index + 1))
            ctx.set(port.req.tag, index + 5)
        for _ in range(12):
            ready = rng.random() < 0.7
            ctx.set(dut.bus.req.ready, ready)
            addr = ctx.get(dut.bus.req.addr)
            if ready:
                grants.append(addr)
            await ctx.tick()
        # Responses: source bit 4 selects the master; its tag comes back without it.
        ctx.set(dut.bus.rsp.valid, 1)
        ctx.set(dut.bus.rsp.tag, (1 << 4) | 6)
        assert (ctx.get(dut.masters[0].rsp.valid), ctx.get(dut.masters[1].rsp.valid)) == (0, 1)
        assert ctx.get(dut.masters[1].rsp.tag) == 6

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert len(grants) >= 4, f"seed {SEED}"
    assert all(a != b for a, b in zip(grants, grants[1:])), f"grants must alternate (seed {SEED})"
