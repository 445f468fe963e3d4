# amaranth: UnusedElaboratable=no
"""The register blocks (rtl/tile/regblock.py, regbus.py) on Amaranth's simulator.

Expected values come from the register table (``regmap``) and the Python model
(``drivers/regs.py``): reset values, field pack/unpack, offsets. ``bus_write``/``bus_read`` are
shared with test_glb.py.
"""

import pytest
from amaranth import Shape
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from amaranth.sim import Simulator

from simtlab.config import TileConfig
from simtlab.drivers import regs
from simtlab.rtl.tile.regblock import DROPPED_WIDTH, RegBusSignature, UnitRegisters, unit_signature
from simtlab.rtl.tile.regbus import TILE_ADDR_WIDTH, TileRegisters, cfgrom_constants
from simtlab.spec import tile_regs

PINGPONG = [u for u in tile_regs.UNITS if u.pingpong]


async def bus_write(ctx, bus, addr, value):
    """One write cycle at word offset ``addr``."""
    ctx.set(bus.valid, 1)
    ctx.set(bus.write, 1)
    ctx.set(bus.addr, addr)
    ctx.set(bus.wdata, value)
    assert ctx.get(bus.ready)
    await ctx.tick()
    ctx.set(bus.valid, 0)
    ctx.set(bus.write, 0)


async def bus_read(ctx, bus, addr):
    """One read cycle at word offset ``addr``; the data comes in the next cycle."""
    ctx.set(bus.valid, 1)
    ctx.set(bus.write, 0)
    ctx.set(bus.addr, addr)
    assert ctx.get(bus.ready)
    await ctx.tick()
    ctx.set(bus.valid, 0)
    return ctx.get(bus.rdata)


def simulate(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def word(name):
    """Word offset of ``"UNIT.REG"`` in its unit."""
    return regs.register(name).offset // 4


def tile_word(name):
    """Word offset of ``"UNIT.REG"`` in the tile's window."""
    return regs.offset(name) // 4


def status(group0, group1):
    return regs.pack("CACC.S_STATUS", STATUS_0=group0, STATUS_1=group1)


def pointer(producer, consumer):
    return regs.pack("CACC.S_POINTER", PRODUCER=producer, CONSUMER=consumer)


def rw_mask(reg):
    return sum(f.mask for f in reg.fields if f.access in ("rw", "rwhc"))


# --- signatures and parameters -----------------------------------------------------------------

def test_bus_signature():
    sig = RegBusSignature(10)
    assert {name: (m.flow, Shape.cast(m.shape).width) for name, m in sig.members.items()} == {
        "valid": (Out, 1), "write": (Out, 1), "addr": (Out, 10), "wdata": (Out, 32),
        "rdata": (In, 32), "ready": (In, 1)}
    assert sig == RegBusSignature(10) and sig != RegBusSignature(14)
    assert repr(sig) == "RegBusSignature(10)" and sig.addr_width == 10
    assert RegBusSignature.read_latency == 1
    assert UnitRegisters.read_latency == TileRegisters.read_latency == 1
    with pytest.raises(TypeError, match=r"addr_width must be an integer, not '10'"):
        RegBusSignature("10")
    with pytest.raises(ValueError, match=r"addr_width must be 1 to 30, not 0"):
        RegBusSignature(0)


def test_unit_members():
    cacc = UnitRegisters(tile_regs.unit("CACC"))
    assert list(cacc.signature.members) == ["bus", "cfg", "op_en", "done", "consumer", "dropped",
                                            "counters"]
    assert cacc.signature.members["bus"] == In(RegBusSignature(10))
    assert cacc.signature.members["dropped"] == Out(DROPPED_WIDTH)
    unit = tile_regs.unit("CACC")
    rw = [f.name.lower() for r in unit.registers if r.group for f in r.fields if f.access == "rw"]
    assert list(cacc.signature.members["cfg"].shape.members) == rw
    assert list(cacc.signature.members["counters"].shape.members) == ["sat_count"]
    # Signed fields are signed in cfg; every cfg member has its field's width.
    sdp = UnitRegisters(tile_regs.unit("SDP"))
    layout = sdp.signature.members["cfg"].shape
    assert layout.members["cvt_offset"].signed and layout.members["cvt_offset"].width == 32
    assert not layout.members["width"].signed
    # Non-ping-pong units: CFGROM has only the bus, GLB its interrupt plumbing.
    assert list(UnitRegisters(tile_regs.unit("CFGROM")).signature.members) == ["bus"]
    assert list(UnitRegisters(tile_regs.unit("GLB")).signature.members) == ["bus", "cfg", "status",
                                                                         "set", "pulse"]
    # The datapath port is the block's members minus the bus.
    for u in PINGPONG:
        members = dict(UnitRegisters(u).signature.members)
        del members["bus"]
        assert dict(unit_signature(u).members) == members


def test_tile_members():
    dut = TileRegisters()
    names = ["bus", "error", "irq", "intr_done"] + [u.name.lower() for u in PINGPONG]
    assert list(dut.signature.members) == names
    assert dut.signature.members["bus"] == In(RegBusSignature(TILE_ADDR_WIDTH))
    assert TILE_ADDR_WIDTH == 14
    assert list(dut.signature.members["intr_done"].shape.members) == ["cdma_dat", "cdma_wt"]
    assert dut.signature.members["pdp"] == Out(unit_signature(tile_regs.unit("PDP")))
    # A datapath unit's side of the port.
    sig = wiring.Signature({"regs": In(unit_signature(tile_regs.unit("CACC")))})
    assert sig.members["regs"].signature.members["done"].flow == Out
    assert sig.members["regs"].signature.members["cfg"].flow == In


def _unit(*registers, pingpong=False):
    return tile_regs.Unit("TEST", 0x0, "test unit", tuple(registers), pingpong=pingpong)


def test_errors():
    with pytest.raises(TypeError, match=r"unit must be a tile_regs.Unit, not 'CDMA'"):
        UnitRegisters("CDMA")
    with pytest.raises(TypeError, match=r"unit must be a tile_regs.Unit, not 'CDMA'"):
        unit_signature("CDMA")
    with pytest.raises(TypeError, match=r"constants must be a dict of field name to value, not 8"):
        UnitRegisters(tile_regs.unit("CFGROM"), constants=8)
    with pytest.raises(ValueError, match=r"constants: 'ATOMIC_X' is not a read-only constant field "
                                         r"of unit CFGROM; those are: HW_VERSION, GLB_DESC, "):
        UnitRegisters(tile_regs.unit("CFGROM"), constants={"ATOMIC_X": 1})
    with pytest.raises(ValueError, match=r"constants: CFGROM.CFGROM_CDMA_BASE_ATOMIC_C."
                                         r"CDMA_BASE_ATOMIC_C \[31:0\] holds 0..4294967295, not "
                                         r"4294967296"):
        UnitRegisters(tile_regs.unit("CFGROM"), constants={"CDMA_BASE_ATOMIC_C": 1 << 32})
    with pytest.raises(ValueError, match=r"constants: 'PRODUCER' is not a read-only constant"):
        UnitRegisters(tile_regs.unit("CACC"), constants={"PRODUCER": 1})
    f = tile_regs.Field
    twice = _unit(tile_regs.Register("A", 0, (f("X", 0, 0),), ""),
                  tile_regs.Register("B", 4, (f("X", 0, 0),), ""))
    with pytest.raises(ValueError, match=r"unit TEST: field X is in both A and B; UnitRegisters "
                                         r"names ports after fields"):
        UnitRegisters(twice)
    hc = _unit(tile_regs.Register("A", 0, (f("X", 0, 0, access="rwhc"),), ""))
    with pytest.raises(ValueError, match=r"field TEST.A.X: access rwhc is only supported for "
                                         r"D_OP_ENABLE.OP_EN of a ping-pong unit"):
        UnitRegisters(hc)
    cacc = tile_regs.unit("CACC")
    w1c = tile_regs.Unit("TEST", 0, "", cacc.registers + (
        tile_regs.Register("D_FLAGS", 0x100, (f("FLAG", 0, 0, access="w1c"),), "", group=True),))
    with pytest.raises(ValueError, match=r"field TEST.D_FLAGS.FLAG: access w1c is not supported in "
                                         r"a ping-pong group register \(rw and ro are\)"):
        UnitRegisters(w1c)
    lacking = tile_regs.Unit("TEST", 0, "", tuple(r for r in cacc.registers if r.name != "S_STATUS"))
    with pytest.raises(ValueError, match=r"ping-pong unit TEST lacks S_STATUS.STATUS_0"):
        UnitRegisters(lacking)


# --- behaviour of one unit -----------------------------------------------------------------------

def test_read_latency_and_idle_rdata():
    """rdata comes one cycle after the read and is 0 in every cycle not after a read."""
    dut = UnitRegisters(tile_regs.unit("CFGROM"))

    async def bench(ctx):
        hw_id = regs.reset_value("CFGROM.CFGROM_HW_VERSION")
        shape = regs.reset_value("CFGROM.CFGROM_CDMA_BASE_CBUF_BANK_DEPTH")
        assert ctx.get(dut.bus.rdata) == 0
        ctx.set(dut.bus.valid, 1)
        ctx.set(dut.bus.addr, word("CFGROM.CFGROM_HW_VERSION"))
        assert ctx.get(dut.bus.rdata) == 0                 # not combinational
        await ctx.tick()
        assert ctx.get(dut.bus.rdata) == hw_id
        ctx.set(dut.bus.addr, word("CFGROM.CFGROM_CDMA_BASE_CBUF_BANK_DEPTH"))   # back to back
        await ctx.tick()
        assert ctx.get(dut.bus.rdata) == shape
        ctx.set(dut.bus.write, 1)                          # a write returns no data
        await ctx.tick()
        assert ctx.get(dut.bus.rdata) == 0
        ctx.set(dut.bus.write, 0)
        ctx.set(dut.bus.valid, 0)
        await ctx.tick()
        assert ctx.get(dut.bus.rdata) == 0
        assert await bus_read(ctx, dut.bus, 0x3FF) == 0   # no register there
        assert await bus_read(ctx, dut.bus, word("CFGROM.CFGROM_HW_VERSION")) == hw_id

    simulate(dut, bench)


def test_access_types():
    """rw, ro constants, ro counters, S_ registers and holes in a ping-pong unit (CDMA)."""
    dut = UnitRegisters(tile_regs.unit("CDMA"))
    bus = dut.bus

    async def bench(ctx):
        size = regs.register("CDMA.D_DATAIN_SIZE_0")
        # rw: only the fields' bits are stored; other bits read 0.
        await bus_write(ctx, bus, word("CDMA.D_DATAIN_SIZE_0"), 0xFFFF_FFFF)
        assert await bus_read(ctx, bus, word("CDMA.D_DATAIN_SIZE_0")) == rw_mask(size)
        value = regs.pack("CDMA.D_DATAIN_SIZE_0", DATAIN_WIDTH=31, DATAIN_HEIGHT=15)
        await bus_write(ctx, bus, word("CDMA.D_DATAIN_SIZE_0"), value)
        assert await bus_read(ctx, bus, word("CDMA.D_DATAIN_SIZE_0")) == value
        assert ctx.get(dut.cfg.datain_width) == 31 and ctx.get(dut.cfg.datain_height) == 15
        # Signed fields reach cfg sign-extended (as regs.unpack does).
        pad = regs.pack("CDMA.D_ZERO_PADDING_VALUE", PAD_VALUE=-5)
        await bus_write(ctx, bus, word("CDMA.D_ZERO_PADDING_VALUE"), pad)
        assert ctx.get(dut.cfg.pad_value) == -5
        assert await bus_read(ctx, bus, word("CDMA.D_ZERO_PADDING_VALUE")) == pad
        # ro constant: S_CBUF_FLUSH_STATUS reads its reset value whatever is written.
        flush = word("CDMA.S_CBUF_FLUSH_STATUS")
        await bus_write(ctx, bus, flush, 0)
        assert await bus_read(ctx, bus, flush) == regs.reset_value("CDMA.S_CBUF_FLUSH_STATUS") == 1
        # ro counters: the input, in either group; writes ignored.
        ctx.set(dut.counters.dat_rd_stall, 0xDEAD_BEEF)
        ctx.set(dut.counters.layer_cycles, 12345)
        stall = word("CDMA.D_PERF_DAT_READ_STALL")
        await bus_write(ctx, bus, stall, 7)
        assert await bus_read(ctx, bus, stall) == 0xDEAD_BEEF
        await bus_write(ctx, bus, word("CDMA.S_POINTER"), pointer(1, 0))
        assert await bus_read(ctx, bus, stall) == 0xDEAD_BEEF
        assert await bus_read(ctx, bus, word("CDMA.D_PERF_LAYER_CYCLES")) == 12345
        # Group 1 is still at its reset values.
        assert await bus_read(ctx, bus, word("CDMA.D_DATAIN_SIZE_0")) == size.reset
        # S_STATUS and S_POINTER.CONSUMER are read-only.
        await bus_write(ctx, bus, word("CDMA.S_STATUS"), 0xFFFF_FFFF)
        assert await bus_read(ctx, bus, word("CDMA.S_STATUS")) == 0
        await bus_write(ctx, bus, word("CDMA.S_POINTER"), 0xFFFF_FFFF)
        assert await bus_read(ctx, bus, word("CDMA.S_POINTER")) == pointer(1, 0)
        assert ctx.get(dut.consumer) == 0
        # A hole (an NVDLA register simtlab leaves out) reads 0 and ignores writes.
        hole = 0x024 // 4
        assert all(r.offset != 0x024 for r in tile_regs.unit("CDMA").registers)
        await bus_write(ctx, bus, hole, 0xFFFF_FFFF)
        assert await bus_read(ctx, bus, hole) == 0
        assert ctx.get(dut.dropped) == 0

    simulate(dut, bench)


def test_pingpong():
    """NVDLA's two register groups on CACC: program one group while the other runs."""
    dut = UnitRegisters(tile_regs.unit("CACC"))
    bus = dut.bus
    clip = word("CACC.D_CLIP_CFG")
    op_enable = word("CACC.D_OP_ENABLE")

    async def check(ctx, s0, s1, producer, consumer, op_en, clip_cfg, dropped):
        assert await bus_read(ctx, bus, word("CACC.S_STATUS")) == status(s0, s1)
        assert await bus_read(ctx, bus, word("CACC.S_POINTER")) == pointer(producer, consumer)
        assert ctx.get(dut.op_en) == op_en
        assert ctx.get(dut.consumer) == consumer
        assert ctx.get(dut.cfg.clip_truncate) == clip_cfg
        assert ctx.get(dut.dropped) == dropped

    async def done(ctx):
        ctx.set(dut.done, 1)
        await ctx.tick()
        ctx.set(dut.done, 0)

    async def bench(ctx):
        await check(ctx, 0, 0, 0, 0, 0, 0, 0)
        # Program group 0 and start it.
        await bus_write(ctx, bus, clip, regs.pack("CACC.D_CLIP_CFG", CLIP_TRUNCATE=5))
        await check(ctx, 0, 0, 0, 0, 0, 5, 0)
        await bus_write(ctx, bus, op_enable, regs.pack("CACC.D_OP_ENABLE", OP_EN=1))
        await check(ctx, 1, 0, 0, 0, 1, 5, 0)
        assert await bus_read(ctx, bus, op_enable) == 1
        # Writes to the running group are dropped and counted, D_OP_ENABLE and counters included.
        await bus_write(ctx, bus, clip, 7)
        await bus_write(ctx, bus, op_enable, 0)
        await bus_write(ctx, bus, word("CACC.D_OUT_SATURATION"), 0)
        assert await bus_read(ctx, bus, clip) == 5
        await check(ctx, 1, 0, 0, 0, 1, 5, 3)
        # Program group 1 while group 0 runs; enabling it makes it pending.
        await bus_write(ctx, bus, word("CACC.S_POINTER"), pointer(1, 0))
        await check(ctx, 1, 0, 1, 0, 1, 5, 3)
        assert await bus_read(ctx, bus, clip) == 0          # group 1's copy
        await bus_write(ctx, bus, clip, 9)
        assert await bus_read(ctx, bus, clip) == 9
        await bus_write(ctx, bus, op_enable, 1)
        await check(ctx, 1, 2, 1, 0, 1, 5, 3)
        # Group 0 done: group 1 starts back to back, op_en stays high.
        ctx.set(dut.done, 1)
        assert ctx.get(dut.op_en) == 1
        await ctx.tick()
        ctx.set(dut.done, 0)
        assert ctx.get(dut.op_en) == 1 and ctx.get(dut.consumer) == 1
        assert ctx.get(dut.cfg.clip_truncate) == 9
        await check(ctx, 0, 1, 1, 1, 1, 9, 3)
        # Group 1 runs: its writes are dropped; group 0 is free again.
        await bus_write(ctx, bus, clip, 1)
        await check(ctx, 0, 1, 1, 1, 1, 9, 4)
        await bus_write(ctx, bus, word("CACC.S_POINTER"), pointer(0, 0))
        assert await bus_read(ctx, bus, op_enable) == 0
        assert await bus_read(ctx, bus, clip) == 5
        await bus_write(ctx, bus, clip, 11)
        await check(ctx, 0, 1, 0, 1, 1, 9, 4)
        # Group 1 done with group 0 not enabled: everything idle, CONSUMER back to group 0.
        await done(ctx)
        await check(ctx, 0, 0, 0, 0, 0, 11, 4)
        # done while nothing runs is ignored.
        await done(ctx)
        await check(ctx, 0, 0, 0, 0, 0, 11, 4)
        # As in NVDLA, enabling the group that is not the consumer leaves it pending.
        await bus_write(ctx, bus, word("CACC.S_POINTER"), pointer(1, 0))
        await bus_write(ctx, bus, op_enable, 1)
        await check(ctx, 0, 2, 1, 0, 0, 11, 4)
        await done(ctx)
        await check(ctx, 0, 2, 1, 0, 0, 11, 4)
        # ... until the consumer group runs and finishes.
        await bus_write(ctx, bus, word("CACC.S_POINTER"), pointer(0, 0))
        await bus_write(ctx, bus, op_enable, 1)
        await check(ctx, 1, 2, 0, 0, 1, 11, 4)
        await done(ctx)
        await check(ctx, 0, 1, 0, 1, 1, 9, 4)
        await done(ctx)
        await check(ctx, 0, 0, 0, 0, 0, 11, 4)

    simulate(dut, bench)


# --- the whole window -----------------------------------------------------------------------------

def _port(dut, unit):
    return getattr(dut, unit.name.lower())


def test_tile_reset_values():
    """Every register of the table reads its reset value; cfg shows the reset fields."""
    dut = TileRegisters()

    async def bench(ctx):
        cfgrom = tile_regs.unit("CFGROM")
        shape = cfgrom_constants(TileConfig())
        assert len(shape) == 24 and all(
            cfgrom.register(f"CFGROM_{name}").reset == value for name, value in shape.items())
        for name in regs.names():
            assert await bus_read(ctx, dut.bus, tile_word(name)) == regs.reset_value(name), name
            assert ctx.get(dut.error) == 0
        for u in PINGPONG:
            port = _port(dut, u)
            assert ctx.get(port.op_en) == 0 and ctx.get(port.consumer) == 0
            for r in u.registers:
                if r.group and r.name != "D_OP_ENABLE":
                    for fname, value in regs.unpack(f"{u.name}.{r.name}", r.reset).items():
                        if r.field(fname).access == "rw":
                            assert ctx.get(port.cfg[fname.lower()]) == value, (u.name, fname)
        assert ctx.get(dut.irq) == 0

    simulate(dut, bench)


def test_every_field_reachable(rng):
    """Every rw field of every unit, both groups, written and read back through TileRegisters and
    seen on cfg; counters read their inputs; units do not alias each other."""
    dut = TileRegisters()
    patterns = {(u.name, r.name, g): int(rng.integers(0, 1 << 32))
                for u in tile_regs.UNITS for r in u.registers for g in (0, 1)}
    counters = {(u.name, f.name): int(rng.integers(0, 1 << f.width))
                for u in PINGPONG for r in u.registers if r.group
                for f in r.fields if f.access == "ro"}

    def expected(u, r, g):
        """Read value of register r with group g selected, after the pattern writes."""
        if not u.pingpong and r.name != "INTR_MASK":
            return r.reset                              # CFGROM, GLB's version and interrupts
        if r.name == "S_POINTER":
            return pointer(g, 0)
        if not r.group or r.name == "D_OP_ENABLE":
            value = r.reset
            if r.name == "INTR_MASK" or (u.pingpong and not r.group and rw_mask(r)):
                # GLB's mask; CDP's S_LUT_* (one copy, the last pass's write; LUT_DATA (rwp)
                # reads the datapath's port, 0 here)
                value = patterns[u.name, r.name, g] & rw_mask(r) | r.reset & ~rw_mask(r)
            return value
        value = 0
        for f in r.fields:
            if f.access == "rw":
                value |= patterns[u.name, r.name, g] & f.mask
            else:
                value |= counters[u.name, f.name] << f.lsb
        return value

    async def bench(ctx):
        for (uname, fname), value in counters.items():
            ctx.set(getattr(dut, uname.lower()).counters[fname.lower()], value)
        for g in (0, 1):
            for u in tile_regs.UNITS:
                if u.pingpong:
                    await bus_write(ctx, dut.bus, tile_word(f"{u.name}.S_POINTER"), pointer(g, 0))
                for r in u.registers:
                    if r.name not in ("D_OP_ENABLE", "S_POINTER", "INTR_SET", "INTR_STATUS"):
                        await bus_write(ctx, dut.bus, tile_word(f"{u.name}.{r.name}"),
                                        patterns[u.name, r.name, g])
            for u in tile_regs.UNITS:
                for r in u.registers:
                    name = f"{u.name}.{r.name}"
                    got = await bus_read(ctx, dut.bus, tile_word(name))
                    assert got == expected(u, r, g), f"{name} group {g}: {got:#x}"
        assert ctx.get(dut.irq) == 0
        # cfg shows the consumer group: group 0 now; group 1 after one layer.
        for consumer in (0, 1):
            for u in PINGPONG:
                port = _port(dut, u)
                assert ctx.get(port.consumer) == consumer
                for r in u.registers:
                    if r.group and r.name != "D_OP_ENABLE":
                        word_value = patterns[u.name, r.name, consumer]
                        for fname, value in regs.unpack(f"{u.name}.{r.name}", word_value).items():
                            if r.field(fname).access == "rw":
                                assert ctx.get(port.cfg[fname.lower()]) == value, (u.name, fname)
            if consumer == 0:
                for u in PINGPONG:
                    await bus_write(ctx, dut.bus, tile_word(f"{u.name}.S_POINTER"), pointer(0, 0))
                    await bus_write(ctx, dut.bus, tile_word(f"{u.name}.D_OP_ENABLE"), 1)
                    assert ctx.get(_port(dut, u).op_en) == 1
                    ctx.set(_port(dut, u).done, 1)
                await ctx.tick()
                for u in PINGPONG:
                    ctx.set(_port(dut, u).done, 0)
                    assert ctx.get(_port(dut, u).op_en) == 0
                    assert ctx.get(_port(dut, u).dropped) == 0

    simulate(dut, bench)


def test_decode_unmapped():
    """Offsets outside every unit read 0, change nothing and raise error for one cycle."""
    dut = TileRegisters()
    bases = {u.base for u in tile_regs.UNITS}
    unmapped = [b for b in range(0, tile_regs.TILE_WINDOW, tile_regs.UNIT_SPACE) if b not in bases]
    assert 0x2000 in unmapped and 0xE000 in unmapped and 0xF000 in unmapped

    async def bench(ctx):
        for base in unmapped:
            for offset in (0x000, 0x004, 0x008, 0x010, 0xFFC):
                await bus_write(ctx, dut.bus, (base + offset) // 4, 0xFFFF_FFFF)
                assert ctx.get(dut.error) == 1
                assert await bus_read(ctx, dut.bus, (base + offset) // 4) == 0
                assert ctx.get(dut.error) == 1
        await ctx.tick()
        assert ctx.get(dut.error) == 0
        # Nothing changed anywhere (S_POINTER at 0x004, D_OP_ENABLE at 0x008 or 0x010 in every
        # unit would have).
        for name in regs.names():
            assert await bus_read(ctx, dut.bus, tile_word(name)) == regs.reset_value(name), name
            assert ctx.get(dut.error) == 0
        # A hole inside a unit is no error.
        assert await bus_read(ctx, dut.bus, (0x3000 + 0x024) // 4) == 0
        assert ctx.get(dut.error) == 0
        # The last word of the window.
        assert await bus_read(ctx, dut.bus, (1 << TILE_ADDR_WIDTH) - 1) == 0
        assert ctx.get(dut.error) == 1

    simulate(dut, bench)


def test_tile_interrupts():
    """SDP, PDP and CACC done raise their GLB bit for the group that ended; CDMA's come in on
    intr_done; a done with nothing running raises nothing."""
    dut = TileRegisters()
    intr_status = tile_word("GLB.INTR_STATUS")

    async def run_layer(ctx, unit, group):
        port = _port(dut, tile_regs.unit(unit))
        await bus_write(ctx, dut.bus, tile_word(f"{unit}.S_POINTER"), pointer(group, group))
        await bus_write(ctx, dut.bus, tile_word(f"{unit}.D_OP_ENABLE"), 1)
        ctx.set(port.done, 1)
        await ctx.tick()
        ctx.set(port.done, 0)

    async def bench(ctx):
        ctx.set(dut.sdp.done, 1)                             # nothing running
        await ctx.tick()
        ctx.set(dut.sdp.done, 0)
        assert await bus_read(ctx, dut.bus, intr_status) == 0
        expected = 0
        for unit, group in (("SDP", 0), ("SDP", 1), ("PDP", 0), ("CACC", 0), ("CACC", 1)):
            await run_layer(ctx, unit, group)
            assert ctx.get(dut.irq) == 1
            expected |= regs.pack("GLB.INTR_STATUS", **{f"{unit}_DONE_STATUS{group}": 1})
            assert await bus_read(ctx, dut.bus, intr_status) == expected
        # Layers of units without a GLB bit raise nothing.
        await run_layer(ctx, "CSC", 0)
        assert await bus_read(ctx, dut.bus, intr_status) == expected
        ctx.set(dut.intr_done.cdma_wt, 0b10)
        ctx.set(dut.intr_done.cdma_dat, 0b01)
        await ctx.tick()
        ctx.set(dut.intr_done, {"cdma_dat": 0, "cdma_wt": 0})
        expected |= regs.pack("GLB.INTR_STATUS", CDMA_WT_DONE_STATUS1=1, CDMA_DAT_DONE_STATUS0=1)
        assert await bus_read(ctx, dut.bus, intr_status) == expected
        await bus_write(ctx, dut.bus, intr_status, expected)
        assert ctx.get(dut.irq) == 0
        assert await bus_read(ctx, dut.bus, intr_status) == 0

    simulate(dut, bench)


def test_cfgrom_from_config():
    config = TileConfig(atom_c=16, atom_k=32, cbuf_banks=16, cbuf_bank_bytes=8192)
    dut = TileRegisters(config)
    assert dut.config is config

    async def bench(ctx):
        want = {"CDMA_BASE_ATOMIC_C": 16, "CSC_BASE_ATOMIC_K": 32, "CMAC_B_BASE_ATOMIC_K": 32,
                "CACC_BASE_ATOMIC_C": 16, "SDP_RDMA_BASE_ATOMIC_M": 16,
                "CDMA_BASE_CBUF_BANK_NUM": 16, "CBUF_BASE_CBUF_BANK_WIDTH": 16,
                "CSC_BASE_CBUF_BANK_DEPTH": 512, "CDP_DESC": 0x10000D, "HW_VERSION": 0x10001}
        for name, value in want.items():
            assert await bus_read(ctx, dut.bus, tile_word(f"CFGROM.CFGROM_{name}")) == value, name

    simulate(dut, bench)
    with pytest.raises(TypeError, match=r"config must be a TileConfig, not 8"):
        TileRegisters(8)
