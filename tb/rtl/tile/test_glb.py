# amaranth: UnusedElaboratable=no
"""GLB (rtl/tile/glb.py) on Amaranth's simulator: version, interrupt set/mask/clear and irq."""

import pytest
from amaranth.sim import Simulator

from simtlab.drivers import regs
from simtlab.rtl.tile.glb import Glb, interrupt_sources
from simtlab.spec import tile_regs

from .test_regblock import bus_read, bus_write, word

SOURCES = ["sdp", "cdp", "pdp", "cdma_dat", "cdma_wt", "cacc"]
VERSION, MASK, SET, STATUS = (word(f"GLB.{name}") for name in
                              ("HW_VERSION", "INTR_MASK", "INTR_SET", "INTR_STATUS"))


def bit(source, group):
    """INTR_STATUS with one source's group bit set, packed by the Python model."""
    return regs.pack("GLB.INTR_STATUS", **{f"{source.upper()}_DONE_STATUS{group}": 1})


def simulate(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def idle_done(dut):
    return {source: 0 for source in SOURCES}


def test_members_and_sources():
    assert interrupt_sources() == SOURCES
    dut = Glb()
    assert list(dut.signature.members) == ["bus", "done", "irq"]
    assert list(dut.signature.members["done"].shape.members) == SOURCES
    assert dut.unit is tile_regs.unit("GLB")
    # The bit positions of nvdla-small.md (SDP 0/1, CDP 2/3, PDP 4/5, CDMA 16-19, CACC 20/21).
    assert [bit(s, g).bit_length() - 1 for s in SOURCES for g in (0, 1)] == \
        [0, 1, 2, 3, 4, 5, 16, 17, 18, 19, 20, 21]


def test_errors():
    with pytest.raises(TypeError, match=r"unit must be a tile_regs.Unit, not 'GLB'"):
        Glb("GLB")
    with pytest.raises(TypeError, match=r"unit must be a tile_regs.Unit, not 'GLB'"):
        interrupt_sources("GLB")
    glb = tile_regs.unit("GLB")
    no_set = tile_regs.Unit("GLB", 0x1000, "", tuple(r for r in glb.registers if r.name != "INTR_SET"),
                         pingpong=False)
    with pytest.raises(ValueError, match=r"GLB unit GLB: unit GLB has no register 'INTR_SET'"):
        Glb(no_set)
    f = tile_regs.Field
    odd = tile_regs.Unit("GLB", 0x1000, "", (
        tile_regs.Register("INTR_MASK", 0x4, (f("A_DONE_MASK0", 0, 0),), ""),
        tile_regs.Register("INTR_SET", 0x8, (f("A_DONE_SET0", 1, 1, access="w1s"),), ""),
        tile_regs.Register("INTR_STATUS", 0xC, (f("A_DONE_STATUS0", 0, 0, access="w1c"),), ""),
    ), pingpong=False)
    with pytest.raises(ValueError, match=r"GLB.INTR_STATUS.A_DONE_STATUS0: INTR_SET needs a 1-bit "
                                         r"w1s field at bit 0"):
        Glb(odd)
    badname = tile_regs.Unit("GLB", 0x1000, "", (
        tile_regs.Register("INTR_MASK", 0x4, (f("A_DONE_MASK0", 0, 0),), ""),
        tile_regs.Register("INTR_SET", 0x8, (f("A_DONE_SET0", 0, 0, access="w1s"),), ""),
        tile_regs.Register("INTR_STATUS", 0xC, (f("A_PENDING", 0, 0, access="w1c"),), ""),
    ), pingpong=False)
    with pytest.raises(ValueError, match=r"GLB.INTR_STATUS.A_PENDING: expected a 1-bit w1c field "
                                         r"named <SOURCE>_DONE_STATUS<0\|1>"):
        Glb(badname)


def test_reset_and_access_types():
    dut = Glb()

    async def bench(ctx):
        for name, offset in (("HW_VERSION", VERSION), ("INTR_MASK", MASK), ("INTR_SET", SET),
                             ("INTR_STATUS", STATUS)):
            assert await bus_read(ctx, dut.bus, offset) == regs.reset_value(f"GLB.{name}")
        assert regs.unpack("GLB.HW_VERSION", await bus_read(ctx, dut.bus, VERSION)) == \
            {"MAJOR": 0x31, "MINOR": 0x3030}          # NVDLA: ASCII "1", "00"
        # HW_VERSION is read-only.
        await bus_write(ctx, dut.bus, VERSION, 0)
        assert await bus_read(ctx, dut.bus, VERSION) == regs.reset_value("GLB.HW_VERSION")
        # INTR_MASK: rw, only the defined bits.
        all_bits = sum(bit(s, g) for s in SOURCES for g in (0, 1))
        await bus_write(ctx, dut.bus, MASK, 0xFFFF_FFFF)
        assert await bus_read(ctx, dut.bus, MASK) == all_bits
        await bus_write(ctx, dut.bus, MASK, 0)
        # INTR_SET sets INTR_STATUS bits and reads 0; writing INTR_STATUS itself sets nothing.
        await bus_write(ctx, dut.bus, STATUS, 0xFFFF_FFFF)
        assert await bus_read(ctx, dut.bus, STATUS) == 0
        await bus_write(ctx, dut.bus, SET, 0xFFFF_FFFF)
        assert await bus_read(ctx, dut.bus, SET) == 0
        assert await bus_read(ctx, dut.bus, STATUS) == all_bits
        # INTR_STATUS: write 1 clears just those bits.
        await bus_write(ctx, dut.bus, STATUS, bit("pdp", 1) | bit("cacc", 0))
        assert await bus_read(ctx, dut.bus, STATUS) == all_bits & ~(bit("pdp", 1) | bit("cacc", 0))
        await bus_write(ctx, dut.bus, STATUS, all_bits)
        assert await bus_read(ctx, dut.bus, STATUS) == 0

    simulate(dut, bench)


def test_done_sets_each_bit():
    dut = Glb()

    async def bench(ctx):
        for source in SOURCES:
            for group in (0, 1):
                ctx.set(dut.done[source], 1 << group)
                assert ctx.get(dut.irq) == 0                  # no combinational path
                await ctx.tick()
                ctx.set(dut.done, idle_done(dut))
                assert ctx.get(dut.irq) == 1
                assert await bus_read(ctx, dut.bus, STATUS) == bit(source, group)
                await bus_write(ctx, dut.bus, STATUS, bit(source, group))
                assert ctx.get(dut.irq) == 0
        # Both groups of all sources in one cycle.
        ctx.set(dut.done, {source: 0b11 for source in SOURCES})
        await ctx.tick()
        ctx.set(dut.done, idle_done(dut))
        assert await bus_read(ctx, dut.bus, STATUS) == sum(bit(s, g) for s in SOURCES
                                                           for g in (0, 1))

    simulate(dut, bench)


def test_mask_and_irq():
    dut = Glb()

    async def bench(ctx):
        assert ctx.get(dut.irq) == 0
        await bus_write(ctx, dut.bus, MASK, bit("sdp", 0) | bit("cacc", 1))
        await bus_write(ctx, dut.bus, SET, bit("sdp", 0))
        assert ctx.get(dut.irq) == 0                          # masked, still pending
        assert await bus_read(ctx, dut.bus, STATUS) == bit("sdp", 0)
        await bus_write(ctx, dut.bus, SET, bit("cdma_wt", 1))
        assert ctx.get(dut.irq) == 1
        await bus_write(ctx, dut.bus, MASK, bit("sdp", 0) | bit("cdma_wt", 1))
        assert ctx.get(dut.irq) == 0                          # masking drops the line
        await bus_write(ctx, dut.bus, MASK, 0)
        assert ctx.get(dut.irq) == 1                          # unmasking raises it again
        await bus_write(ctx, dut.bus, STATUS, bit("cdma_wt", 1))
        assert ctx.get(dut.irq) == 1                          # sdp 0 still pending
        await bus_write(ctx, dut.bus, STATUS, bit("sdp", 0))
        assert ctx.get(dut.irq) == 0

    simulate(dut, bench)


def test_set_wins_over_clear():
    """A done in the cycle software clears the same bit is not lost."""
    dut = Glb()

    async def bench(ctx):
        await bus_write(ctx, dut.bus, SET, bit("pdp", 0))
        ctx.set(dut.done.pdp, 0b01)
        await bus_write(ctx, dut.bus, STATUS, bit("pdp", 0))
        ctx.set(dut.done, idle_done(dut))
        assert ctx.get(dut.irq) == 1
        assert await bus_read(ctx, dut.bus, STATUS) == bit("pdp", 0)
        # INTR_SET and INTR_STATUS cannot be written in the same cycle; done + clear of another
        # bit: the clear applies, the done sets.
        ctx.set(dut.done.sdp, 0b10)
        await bus_write(ctx, dut.bus, STATUS, bit("pdp", 0))
        ctx.set(dut.done, idle_done(dut))
        assert await bus_read(ctx, dut.bus, STATUS) == bit("sdp", 1)

    simulate(dut, bench)
