# amaranth: UnusedElaboratable=no
"""The tile's configuration layouts (rtl/tile/layouts.py): derived from the register table, the
same on a unit's register block and on its engines, so one statement connects them."""

import pytest
from amaranth import *
from amaranth.lib import data
from amaranth.sim import Simulator

from simtlab.config import TileConfig
from simtlab.rtl.tile.brdma import OperandLoader
from simtlab.rtl.tile.cacc import CACC
from simtlab.rtl.tile.cdma import CDMA
from simtlab.rtl.tile.conv import CONV_CONFIG
from simtlab.rtl.tile.csc import CSC
from simtlab.rtl.tile.layouts import (FeatureCube, config_fields, feature_cube, field_shape,
                                      narrow, unit_config)
from simtlab.rtl.tile.pdp import PDP
from simtlab.rtl.tile.rdma import FeatureReader
from simtlab.rtl.tile.regblock import unit_signature
from simtlab.rtl.tile.sdp import SDP
from simtlab.rtl.tile.wdma import WDMA
from simtlab.spec import tile_regs


def test_unit_config_is_the_tables_d_fields():
    sdp = tile_regs.unit("SDP")
    layout = unit_config("SDP")
    want = [f.name.lower() for r in sdp.registers if r.group for f in r.fields
            if f.access == "rw"]
    assert list(layout.members) == want
    assert "op_en" not in want and "out_saturation" not in want     # rwhc and counters
    assert layout.members["cvt_offset"] == signed(32)
    assert layout.members["width"] == unsigned(13)
    assert unit_config(sdp) is unit_config("SDP")                     # built once per unit
    assert field_shape(sdp.register("D_CVT_SCALE").field("CVT_SCALE")) == signed(16)


def test_every_engine_reads_its_units_register_fields():
    """An engine's cfg is its unit's register layout restricted to the fields it reads: same
    names and shapes, table order; the tile narrows the register block's cfg to it."""
    tile = TileConfig(cbuf_banks=4, cbuf_bank_bytes=1024)
    engines = {"CDMA": CDMA(tile=tile), "CSC": CSC(tile=tile), "CACC": CACC(),
               "SDP": SDP(), "PDP": PDP(), "SDP_RDMA": OperandLoader(max_channels=64)}
    for name, engine in engines.items():
        full = unit_signature(tile_regs.unit(name)).members["cfg"].shape
        assert full == unit_config(name), name
        layout = engine.signature.members["cfg"].shape
        assert layout is type(engine).CONFIG
        assert list(layout.members) == [n for n in full.members if n in layout.members], name
        assert all(full.members[n] == shape for n, shape in layout.members.items()), name
    assert list(CDMA.CONFIG.members)[:3] == ["datain_width", "datain_height", "datain_channel"]
    assert list(CACC.CONFIG.members) == ["clip_truncate"]
    # Conv's cfg: one member per block it joins (Conv.__init__ declares In(CONV_CONFIG)).
    assert dict(CONV_CONFIG.members) == {"cdma": CDMA.CONFIG, "csc": CSC.CONFIG,
                                         "cacc": CACC.CONFIG}
    for dma in (WDMA(), FeatureReader()):
        assert dma.signature.members["cfg"].shape is FeatureCube


def test_narrow_picks_fields_by_name():
    full = Signal(unit_config("SDP"))
    view = narrow(full, SDP.CONFIG)
    assert view.shape() is SDP.CONFIG
    sim = Simulator(Module())
    got = {}

    async def bench(ctx):
        ctx.set(full, {"width": 7, "cvt_offset": -9, "dst_base_addr_low": 0x1234, "cvt_shift": 3})
        got.update(width=ctx.get(view.width), cvt_offset=ctx.get(view.cvt_offset),
                   cvt_shift=ctx.get(view.cvt_shift))

    sim.add_testbench(bench)
    sim.run()
    assert got == dict(width=7, cvt_offset=-9, cvt_shift=3)
    with pytest.raises(ValueError, match="cfg has no member 'width'"):
        narrow(Signal(unit_config("CACC")), SDP.CONFIG)


def test_a_new_field_reaches_the_layout():
    """A field added to a unit's table is in its layout (and so on the register block's cfg and
    the engine's port) with no other edit."""
    cacc = tile_regs.unit("CACC")
    extra = tile_regs.Register("D_EXTRA", 0x100, (tile_regs.Field("KNOB", 6, 2, signed=True),),
                               "test", group=True)
    unit = tile_regs.Unit("CACC", cacc.base, cacc.doc, cacc.registers + (extra,))
    layout = unit_config(unit)
    assert layout.members["knob"] == signed(5)
    assert unit_signature(unit).members["cfg"].shape == layout


def test_layout_errors():
    with pytest.raises(ValueError, match=r"reads: 'colour' not a configuration field of unit "
                                         r"CACC; those are .*clip_truncate"):
        unit_config("CACC", reads=("clip_truncate", "colour"))
    with pytest.raises(TypeError, match="reads must be a collection of field names, not 'clip"):
        unit_config("CACC", reads="clip_truncate")
    with pytest.raises(ValueError, match="unit GLB has no D_ register groups"):
        unit_config("GLB")
    with pytest.raises(TypeError, match="unit must be a tile_regs.Unit or a unit name, not 3"):
        config_fields(3)
    with pytest.raises(KeyError, match="no tile unit 'NOPE'"):
        unit_config("NOPE")
    with pytest.raises(TypeError, match="f must be a tile_regs.Field, not 'X'"):
        field_shape("X")
    twice = tile_regs.Unit("TEST", 0, "", (
        tile_regs.Register("D_A", 0, (tile_regs.Field("X", 0, 0),), "", group=True),
        tile_regs.Register("D_B", 4, (tile_regs.Field("X", 0, 0),), "", group=True)))
    with pytest.raises(ValueError, match="unit TEST: field X is in two registers"):
        unit_config(twice)


def test_feature_cube():
    pc = Signal(unit_config("PDP"))
    cube = feature_cube(width=pc.cube_out_width, height=pc.cube_out_height,
                        channel=pc.cube_in_channel, base=pc.dst_base_addr_low,
                        line_stride=pc.dst_line_stride, surface_stride=pc.dst_surface_stride)
    assert isinstance(cube, data.View) and cube.shape() is FeatureCube
    assert len(Value.cast(cube)) == data.Layout.cast(FeatureCube).size == 3 * 13 + 3 * 32
    with pytest.raises(ValueError, match="line_stride must be 32 bits wide, not 13"):
        feature_cube(width=pc.cube_out_width, height=pc.cube_out_height,
                     channel=pc.cube_in_channel, base=pc.dst_base_addr_low,
                     line_stride=pc.cube_in_width, surface_stride=pc.dst_surface_stride)
