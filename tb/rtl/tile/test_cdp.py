"""CDP (local response normalization with NVDLA's LE/LO tables): a trace of our own in NVDLA's
trace format (tb/drivers/nvdla_traces/cdp_8x6x20_lrn5_lut/), with its LUTs programmed through
``S_LUT_ACCESS_CFG``/``S_LUT_ACCESS_DATA`` and its CRC from the bit-exact reference
(simtlab.sim.cdp_ref), replayed on the golden model and on the RTL; the LUT access registers.

``python -m simtlab.tb.rtl.tile.test_cdp`` rewrites the trace files (``test_trace_is_current``
keeps them equal to :func:`build_trace`).
"""

import zlib
from pathlib import Path

import numpy as np
import pytest
from amaranth import Module
from amaranth.lib import wiring
from amaranth.sim import Simulator

from simtlab import Device
from simtlab.drivers import regs
from simtlab.drivers.nvdla_trace import format_dat, nvdla_name, parse_dat, parse_trace, replay
from simtlab.errors import TileFault
from simtlab.rtl.tile.cdp import CDP, CdpLut
from simtlab.sim import cdp_ref
from simtlab.sim import tile_layout as lay

from ...sim.test_cdp_ref import _random_params
from .test_sdp import run_simulation
from .test_wdma import MemoryModel

TRACES = Path(__file__).parents[2] / "drivers" / "nvdla_traces"
NAME = "cdp_8x6x20_lrn5_lut"
SEED = 20261206
SRC, DST = 0x8000_0000, 0x8010_0000
C, H, W = 20, 6, 8
ATOM = 8


def _lrn(s):
    """The normalization the tables sample: 4096 / (1 + s / 2048) ** 0.75 (LRN, k 1, beta 0.75)."""
    return int(round(4096 / (1 + s / 2048) ** 0.75))


# LO: linear, 256 spans of 64 from 0 (the dense table, used where it hits: HYBRID_PRIORITY LO).
# LE: exponent, entry i at 2 ** (4 + i) (the wide table, for the large square sums).
LO_SELECT, LE_OFFSET = 6, 4
LO_TABLE = [_lrn(i << LO_SELECT) for i in range(cdp_ref.LO_ENTRIES)]
LE_TABLE = [_lrn(1 << (LE_OFFSET + i)) if LE_OFFSET + i < 40 else 0
            for i in range(cdp_ref.LE_ENTRIES)]
LO_END = (cdp_ref.LO_ENTRIES - 1) << LO_SELECT
LE_END = (1 << 37) - 1

#: The layer's registers besides the tables and the enables: (name, fields or raw value).
REGS = [
    ("CDP.S_LUT_CFG", dict(LUT_LE_FUNCTION=0, LUT_UFLOW_PRIORITY=1, LUT_OFLOW_PRIORITY=0,
                           LUT_HYBRID_PRIORITY=1)),
    ("CDP.S_LUT_INFO", dict(LUT_LE_INDEX_OFFSET=LE_OFFSET, LUT_LE_INDEX_SELECT=0,
                            LUT_LO_INDEX_SELECT=LO_SELECT)),
    ("CDP.S_LUT_LE_START_LOW", 0), ("CDP.S_LUT_LE_START_HIGH", 0),
    ("CDP.S_LUT_LE_END_LOW", LE_END & 0xFFFF_FFFF), ("CDP.S_LUT_LE_END_HIGH", LE_END >> 32),
    ("CDP.S_LUT_LO_START_LOW", 0), ("CDP.S_LUT_LO_START_HIGH", 0),
    ("CDP.S_LUT_LO_END_LOW", LO_END), ("CDP.S_LUT_LO_END_HIGH", 0),
    ("CDP.S_LUT_LE_SLOPE_SCALE", dict(LUT_LE_SLOPE_UFLOW_SCALE=0, LUT_LE_SLOPE_OFLOW_SCALE=0)),
    ("CDP.S_LUT_LE_SLOPE_SHIFT", dict(LUT_LE_SLOPE_UFLOW_SHIFT=0, LUT_LE_SLOPE_OFLOW_SHIFT=0)),
    ("CDP.S_LUT_LO_SLOPE_SCALE", dict(LUT_LO_SLOPE_UFLOW_SCALE=-3, LUT_LO_SLOPE_OFLOW_SCALE=-1)),
    ("CDP.S_LUT_LO_SLOPE_SHIFT", dict(LUT_LO_SLOPE_UFLOW_SHIFT=2, LUT_LO_SLOPE_OFLOW_SHIFT=7)),
    ("CDP.D_FUNC_BYPASS", dict(SQSUM_BYPASS=0, MUL_BYPASS=0)),
    ("CDP.D_DST_BASE_ADDR_LOW", DST), ("CDP.D_DST_BASE_ADDR_HIGH", 0),
    ("CDP.D_DST_LINE_STRIDE", W * ATOM), ("CDP.D_DST_SURFACE_STRIDE", H * W * ATOM),
    ("CDP.D_DST_DMA_CFG", dict(DST_RAM_TYPE=1)),
    ("CDP.D_DATA_FORMAT", dict(INPUT_DATA_TYPE=0)),
    ("CDP.D_LRN_CFG", dict(NORMALZ_LEN=1)),                          # LEN5
    ("CDP.D_DATIN_OFFSET", dict(DATIN_OFFSET=-3)),
    ("CDP.D_DATIN_SCALE", dict(DATIN_SCALE=3)),
    ("CDP.D_DATIN_SHIFTER", dict(DATIN_SHIFTER=2)),
    ("CDP.D_DATOUT_OFFSET", dict(DATOUT_OFFSET=-700)),
    ("CDP.D_DATOUT_SCALE", dict(DATOUT_SCALE=5)),
    ("CDP.D_DATOUT_SHIFTER", dict(DATOUT_SHIFTER=12)),
    ("CDP.D_PERF_ENABLE", dict(DMA_EN=1, LUT_EN=1)),
    ("CDP_RDMA.D_DATA_CUBE_WIDTH", dict(WIDTH=W - 1)),
    ("CDP_RDMA.D_DATA_CUBE_HEIGHT", dict(HEIGHT=H - 1)),
    ("CDP_RDMA.D_DATA_CUBE_CHANNEL", dict(CHANNEL=C - 1)),
    ("CDP_RDMA.D_SRC_BASE_ADDR_LOW", SRC), ("CDP_RDMA.D_SRC_BASE_ADDR_HIGH", 0),
    ("CDP_RDMA.D_SRC_LINE_STRIDE", W * ATOM), ("CDP_RDMA.D_SRC_SURFACE_STRIDE", H * W * ATOM),
    ("CDP_RDMA.D_SRC_DMA_CFG", dict(SRC_RAM_TYPE=1)),
    ("CDP_RDMA.D_DATA_FORMAT", dict(INPUT_DATA=0)),
    ("CDP_RDMA.D_PERF_ENABLE", dict(DMA_EN=1)),
]


def _inputs():
    rng = np.random.default_rng(SEED)
    return rng.integers(-128, 128, (C, H, W)).astype(np.int8)


def params():
    """The trace's arithmetic as cdp_ref parameters (what the registers above say)."""
    def table(entries, **kw):
        return cdp_ref.LutTable(entries=entries, **kw)
    return cdp_ref.CdpParams(
        le=table(LE_TABLE, start=0, end=LE_END, exponent=True, index_offset=LE_OFFSET),
        lo=table(LO_TABLE, start=0, end=LO_END, index_select=LO_SELECT, uflow_scale=-3,
                 uflow_shift=2, oflow_scale=-1, oflow_shift=7),
        normalz_len=5, datin_offset=-3, datin_scale=3, datin_shifter=2, datout_offset=-700,
        datout_scale=5, datout_shifter=12, uflow_priority=1, oflow_priority=0, hybrid_priority=1)


def expected(x):
    """The output region (whole atoms, NVDLA's feature layout) and the counters, from cdp_ref.
    The input's padding lanes (channels 20-23) are the zeros of the .dat's region."""
    xp = np.zeros((-(-C // ATOM) * ATOM, H, W), np.int8)
    xp[:C] = x
    y, stats = cdp_ref.cdp(xp, params(), C)
    return lay.pack_feature(y, line_stride=W * ATOM, surf_stride=H * W * ATOM).tobytes(), stats


def _value(name, value):
    return regs.pack(name, **value) if isinstance(value, dict) else value


def build_trace():
    """The trace's files: ``{file name: text}``."""
    x = _inputs()
    blob = lay.pack_feature(x, line_stride=W * ATOM, surf_stride=H * W * ATOM)
    golden, stats = expected(x)
    lines = [f"// {NAME}: CDP (LRN over 5 channels, LE exponent + LO linear tables) "
             f"{W}x{H}x{C} (simtlab, NVDLA trace format)",
             f"mem_init(pri_mem, 0x{SRC:08x}, 0x{blob.size:x}, ALL_ZERO);",
             f'mem_load(pri_mem, 0x{SRC:08x}, "{NAME}_features.dat");',
             f"mem_init(pri_mem, 0x{DST:08x}, 0x{len(golden):x}, ALL_ZERO);",
             f"reg_write({nvdla_name('CDP.S_POINTER')}, 0x0);",
             f"reg_write({nvdla_name('CDP_RDMA.S_POINTER')}, 0x0);"]
    access = "CDP.S_LUT_ACCESS_CFG"
    for table_id, table in ((1, LO_TABLE), (0, LE_TABLE)):      # NVDLA's traces: LO first
        cfg = regs.pack(access, LUT_ADDR=0, LUT_TABLE_ID=table_id, LUT_ACCESS_TYPE=1)
        lines.append(f"reg_write({nvdla_name(access)}, 0x{cfg:x});")
        lines += [f"reg_write({nvdla_name('CDP.S_LUT_ACCESS_DATA')}, 0x{e & 0xFFFF:x});"
                  for e in table]
    # Read two entries back (the address moves on after each access).
    cfg = regs.pack(access, LUT_ADDR=7, LUT_TABLE_ID=1, LUT_ACCESS_TYPE=0)
    lines.append(f"reg_write({nvdla_name(access)}, 0x{cfg:x});")
    lines += [f"reg_read_expected({nvdla_name('CDP.S_LUT_ACCESS_DATA')}, 0x{LO_TABLE[i]:x});"
              for i in (7, 8)]
    lines += [f"reg_write({nvdla_name(name)}, 0x{_value(name, value):x});" for name, value in REGS]
    lines += [f"reg_write({nvdla_name('CDP_RDMA.D_OP_ENABLE')}, 0x1);",
              f"reg_write({nvdla_name('CDP.D_OP_ENABLE')}, 0x1);",
              f"intr_notify(CDP_0, {NAME}_CDP_0);",
              f"check_crc({NAME}_CDP_0, pri_mem, 0x{DST:08x}, 0x{len(golden):x}, "
              f"0x{zlib.crc32(golden):08x});",
              f'check_file({NAME}_CDP_0, pri_mem, 0x{DST:08x}, 0x{len(golden):x}, '
              f'"{NAME}_golden.dat");']
    for counter, key in (("D_PERF_LUT_LE_HIT", "le_hit"), ("D_PERF_LUT_LO_HIT", "lo_hit"),
                         ("D_PERF_LUT_UFLOW", "uflow"), ("D_PERF_LUT_OFLOW", "oflow"),
                         ("D_PERF_LUT_HYBRID", "hybrid"), ("D_OUT_SATURATION", "out_sat")):
        lines.append(f"reg_read_expected({nvdla_name('CDP.' + counter)}, 0x{stats[key]:x});")
    return {f"{NAME}.cfg": "\n".join(lines) + "\n",
            f"{NAME}_features.dat": format_dat(blob.tobytes()),
            f"{NAME}_golden.dat": format_dat(golden, zeros=True)}


def test_trace_is_current():
    for fname, text in build_trace().items():
        assert (TRACES / NAME / fname).read_text() == text, \
            f"{fname} is stale: run python -m simtlab.tb.rtl.tile.test_cdp"


def test_trace_crc_is_the_reference():
    """The committed CRC and counters equal cdp_ref on the input read back from the .dat file,
    and the trace exercises both tables' hits and the square sum."""
    trace = parse_trace(TRACES / NAME / f"{NAME}.cfg", strict=True)
    data = bytearray(-(-C // ATOM) * H * W * ATOM)
    for offset, chunk in parse_dat(TRACES / NAME / f"{NAME}_features.dat"):
        data[offset:offset + len(chunk)] = chunk
    x = lay.unpack_feature(np.frombuffer(bytes(data), np.uint8), C, H, W)
    np.testing.assert_array_equal(x, _inputs())
    golden, stats = expected(x)
    (crc,) = [s for s in trace.steps if s.op == "check_crc"]
    assert crc.args[4] == zlib.crc32(golden)
    assert stats["le_hit"] > 0 and stats["lo_hit"] > 0 and stats["out_sat"] < C * H * W // 4


def _replay(backend):
    with Device("tile", backend=backend) as dev:
        return replay(TRACES / NAME / f"{NAME}.cfg", dev)


def test_replay_golden_model():
    result = _replay("emu")
    assert result.passed, result.report()
    assert [c.op for c in result.checks].count("reg_read_expected") == 8
    assert not result.skipped and result.interrupts[0][2] > 0


def test_replay_rtl():
    """The same trace on the Verilator model of the SoC's tile: bit exact, counters and the LUT
    read-back as on the golden model."""
    result = _replay("rtl")
    assert result.passed, result.report()
    crc, file = [c for c in result.checks if c.op in ("check_crc", "check_file")]
    assert crc.got == crc.expected and file.got == file.expected > 0
    assert not result.skipped and result.interrupts[0][2] > 0


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_int16_is_not_supported(tmp_path, backend):
    """int16 CDP (D_DATA_FORMAT) stops at its start with a TileFault naming the register."""
    path = _edited_trace(tmp_path, "reg_write(NVDLA_CDP.D_DATA_FORMAT_0, 0x0);",
                         "reg_write(NVDLA_CDP.D_DATA_FORMAT_0, 0x1);")
    with Device("tile", backend=backend) as dev:
        with pytest.raises(TileFault, match=r"CDP.D_DATA_FORMAT"):
            replay(path, dev)


# --- the RTL unit (rtl/tile/cdp.py) against cdp_ref, on Amaranth's simulator ------------------

class _CdpWithLut(wiring.Component):
    """CDP and its tables, the tables written through the access port as the registers do."""

    def __init__(self):
        self.cdp = CDP()
        self.lut = CdpLut()
        super().__init__({})

    def elaborate(self, platform):
        m = Module()
        m.submodules.cdp, m.submodules.lut = self.cdp, self.lut
        m.d.comb += [self.lut.table.eq(self.cdp.table), self.lut.addr.eq(self.cdp.addr),
                     self.cdp.e0.eq(self.lut.e0), self.cdp.e1.eq(self.lut.e1)]
        return m


def _lut_fields(p):
    out = dict(lut_le_function=0 if p.le.exponent else 1, lut_uflow_priority=p.uflow_priority,
               lut_oflow_priority=p.oflow_priority, lut_hybrid_priority=p.hybrid_priority,
               lut_le_index_offset=p.le.index_offset, lut_le_index_select=p.le.index_select,
               lut_lo_index_select=p.lo.index_select)
    for name, t in (("le", p.le), ("lo", p.lo)):
        for edge in ("start", "end"):
            value = getattr(t, edge) & ((1 << 38) - 1)
            out[f"lut_{name}_{edge}_low"] = value & 0xFFFF_FFFF
            out[f"lut_{name}_{edge}_high"] = value >> 32
        for flow in ("uflow", "oflow"):
            out[f"lut_{name}_slope_{flow}_scale"] = getattr(t, f"{flow}_scale")
            out[f"lut_{name}_slope_{flow}_shift"] = getattr(t, f"{flow}_shift")
    return out


def run_cdp(rng, x, p, channels, *, stall=0.0):
    """The unit on cube ``x`` (whole atoms) in a memory model: (output cube, counters)."""
    c_all, h, w = x.shape
    src = dict(base=0x100, line=w * ATOM + 16, surf=h * (w * ATOM + 16) + 24)
    dst = dict(base=0x2000, line=w * ATOM, surf=h * w * ATOM + 64)
    image = bytearray(1 << 14)
    blob = lay.pack_feature(x, line_stride=src["line"], surf_stride=src["surf"])
    image[src["base"]:src["base"] + blob.size] = blob.tobytes()
    memory = MemoryModel(rng, image, stall=stall)
    dut = _CdpWithLut()
    unit, lut = dut.cdp, dut.lut
    result = {}

    async def control(ctx):
        for table_id, table in ((0, p.le), (1, p.lo)):
            ctx.set(lut.cfg, dict(lut_addr=0, lut_table_id=table_id, lut_access_type=1))
            ctx.set(lut.cfg_written, 1)
            await ctx.tick()
            ctx.set(lut.cfg_written, 0)
            for entry in table.entries:
                ctx.set(lut.port, dict(read=0, write=1, wdata=entry & 0xFFFF))
                await ctx.tick()
            ctx.set(lut.port, dict(read=0, write=0, wdata=0))
        ctx.set(unit.lut, _lut_fields(p))
        ctx.set(unit.cfg, dict(
            sqsum_bypass=p.sqsum_bypass, mul_bypass=p.mul_bypass, dst_base_addr_low=dst["base"],
            dst_line_stride=dst["line"], dst_surface_stride=dst["surf"],
            normalz_len=cdp_ref.NORMALZ_LENS.index(p.normalz_len),
            datin_offset=p.datin_offset, datin_scale=p.datin_scale,
            datin_shifter=p.datin_shifter, datout_offset=p.datout_offset,
            datout_scale=p.datout_scale, datout_shifter=p.datout_shifter))
        ctx.set(unit.src, dict(width=w - 1, height=h - 1, channel=channels - 1,
                               base=src["base"], line_stride=src["line"],
                               surface_stride=src["surf"]))
        ctx.set(unit.start, 1)
        await ctx.tick()
        ctx.set(unit.start, 0)
        await ctx.tick().until(unit.done)
        result["counters"] = {name: ctx.get(unit.counters[name]) for name in
                              ("out_saturation", "lut_uflow", "lut_oflow", "lut_hybrid",
                               "lut_le_hit", "lut_lo_hit")}

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(control)
    sim.add_testbench(memory.serve(unit.rd_bus), background=True)
    sim.add_testbench(memory.serve(unit.wr_bus), background=True)
    run_simulation(sim)
    got = lay.unpack_feature(np.frombuffer(bytes(memory.mem[dst["base"]:]), np.uint8), c_all, h,
                             w, line_stride=dst["line"], surf_stride=dst["surf"])
    return got, result["counters"]


@pytest.mark.parametrize("seed", range(4))
def test_unit_matches_the_reference(seed):
    """Random cubes, tables and registers (the reference test's generator, fixed seeds)."""
    rng = np.random.default_rng([SEED, seed])
    channels = int(rng.integers(1, 20))
    x = np.zeros((-(-channels // ATOM) * ATOM, 2, 3), np.int8)
    x[:channels] = rng.integers(-128, 128, (channels, 2, 3))
    x[channels:] = rng.integers(-128, 128, (len(x) - channels, 2, 3))   # padding lanes too
    p = _random_params(rng)
    want, stats = cdp_ref.cdp(x, p, channels)
    got, counters = run_cdp(rng, x, p, channels, stall=0.3 if seed % 2 else 0.0)
    np.testing.assert_array_equal(got, want, err_msg=f"seed {seed}")
    assert counters == {"out_saturation": stats["out_sat"], "lut_uflow": stats["uflow"],
                        "lut_oflow": stats["oflow"], "lut_hybrid": stats["hybrid"],
                        "lut_le_hit": stats["le_hit"], "lut_lo_hit": stats["lo_hit"]}, seed


def _banded(le, lo, **kw):
    """Parameters with smooth tables whose ranges cut the square sums into bands."""
    def entries(n, phase):
        return [int(1500 * np.sin(i / 9 + phase)) for i in range(n)]
    return cdp_ref.CdpParams(
        le=cdp_ref.LutTable(entries=entries(cdp_ref.LE_ENTRIES, 0.3), **le),
        lo=cdp_ref.LutTable(entries=entries(cdp_ref.LO_ENTRIES, 1.1), **lo),
        normalz_len=5, datout_shifter=12, datout_offset=-3000, datout_scale=3, **kw)


#: Every lookup case on the unit: (name, parameters).
BANDS = {
    # s < 5000 both under; LE hits to 21384, LO from 15000 to 47768 (both hit: HYBRID LO);
    # above both over (OFLOW_PRIORITY LO).
    "overlap": _banded(dict(start=5000, end=5000 + 64 * 256, index_select=8, uflow_scale=-5,
                            uflow_shift=6, oflow_scale=7, oflow_shift=9),
                       dict(start=15000, end=15000 + 256 * 128, index_select=7, uflow_scale=3,
                            uflow_shift=4, oflow_scale=-9, oflow_shift=8),
                       hybrid_priority=1, oflow_priority=1),
    # LO covers 0..16384, the exponent LE starts at 30000: between them one under, one over.
    "hybrid": _banded(dict(start=30000, end=30000 + (1 << 20), exponent=True, index_offset=3,
                           uflow_scale=2, uflow_shift=5, oflow_scale=-1, oflow_shift=3),
                      dict(start=0, end=256 * 64, index_select=6, uflow_scale=1,
                           oflow_scale=-3, oflow_shift=7),
                      uflow_priority=1, datin_scale=3, datin_shifter=2, datin_offset=5),
}


@pytest.mark.parametrize("name", BANDS)
def test_unit_every_lookup_case(name):
    rng = np.random.default_rng([SEED, len(name)])
    x = rng.integers(-128, 128, (16, 3, 3)).astype(np.int8)
    p = BANDS[name]
    want, stats = cdp_ref.cdp(x, p, 13)
    expected_cases = {"overlap": ("uflow", "oflow", "le_hit", "lo_hit"),
                      "hybrid": ("hybrid", "lo_hit", "le_hit")}[name]
    assert all(stats[k] > 0 for k in expected_cases), stats
    assert stats["out_sat"] < want.size // 4, stats
    got, counters = run_cdp(rng, x, p, 13, stall=0.2)
    np.testing.assert_array_equal(got, want)
    assert [counters[f"lut_{k}"] for k in ("uflow", "oflow", "hybrid", "le_hit", "lo_hit")] == \
        [stats[k] for k in ("uflow", "oflow", "hybrid", "le_hit", "lo_hit")]


def test_unit_runs_the_trace_layer():
    """The trace's layer (LRN with real tables) on the unit alone."""
    rng = np.random.default_rng(SEED)
    xp = np.zeros((24, H, W), np.int8)
    xp[:C] = _inputs()
    want, stats = cdp_ref.cdp(xp, params(), C)
    got, counters = run_cdp(rng, xp, params(), C)
    np.testing.assert_array_equal(got, want)
    assert counters["lut_le_hit"] == stats["le_hit"] and counters["lut_lo_hit"] == stats["lo_hit"]


def _edited_trace(tmp_path, old, new):
    """The trace with one statement changed, in ``tmp_path`` with its .dat files."""
    text = (TRACES / NAME / f"{NAME}.cfg").read_text()
    assert old in text
    for fname in (f"{NAME}_features.dat", f"{NAME}_golden.dat"):
        (tmp_path / fname).write_text((TRACES / NAME / fname).read_text())
    (tmp_path / f"{NAME}.cfg").write_text(text.replace(old, new))
    return tmp_path / f"{NAME}.cfg"


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_a_read_outside_memory_is_a_cdp_rdma_fault(tmp_path, backend):
    path = _edited_trace(tmp_path, "NVDLA_CDP_RDMA.D_SRC_BASE_ADDR_LOW_0, 0x80000000",
                         "NVDLA_CDP_RDMA.D_SRC_BASE_ADDR_LOW_0, 0xc0000000")
    with Device("tile", backend=backend) as dev:
        with pytest.raises(TileFault, match="CDP_RDMA accessed 0xc0000000"):
            replay(path, dev)


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_two_groups_back_to_back(tmp_path, backend):
    """Group 0 and group 1 programmed before either runs (the second output 2 MiB up): both
    layers run, in turn, each with its own done bit, both bit exact."""
    text = (TRACES / NAME / f"{NAME}.cfg").read_text().splitlines()
    group = [line for line in text if line.startswith("reg_write(NVDLA_CDP")
             and "S_LUT" not in line and "S_POINTER" not in line and "D_OP_ENABLE" not in line]
    second = [line.replace("0x80100000", "0x80200000") for line in group]
    enables = [line for line in text if "D_OP_ENABLE" in line]
    out = [line for line in text if line.startswith("mem_init(pri_mem, 0x80100000")]
    checks = [line for line in text if line.startswith("check_crc")]
    at = text.index(enables[0])
    lines = (text[:at] + enables +
             [out[0].replace("0x80100000", "0x80200000"),
              "reg_write(NVDLA_CDP.S_POINTER_0, 0x1);", "reg_write(NVDLA_CDP_RDMA.S_POINTER_0, 0x1);"]
             + second + enables + [f"intr_notify(CDP_0, {NAME}_CDP_0);", checks[0],
                                   f"intr_notify(CDP_1, {NAME}_CDP_1);",
                                   checks[0].replace(f"{NAME}_CDP_0", f"{NAME}_CDP_1")
                                   .replace("0x80100000", "0x80200000")])
    (tmp_path / f"{NAME}_features.dat").write_text(
        (TRACES / NAME / f"{NAME}_features.dat").read_text())
    (tmp_path / f"{NAME}.cfg").write_text("\n".join(lines) + "\n")
    with Device("tile", backend=backend) as dev:
        result = replay(tmp_path / f"{NAME}.cfg", dev)
    assert result.passed, result.report()
    assert [c.op for c in result.checks][-2:] == ["check_crc", "check_crc"]
    assert [i[0] for i in result.interrupts] == [f"{NAME}_CDP_0", f"{NAME}_CDP_1"]


def _write_all():
    (TRACES / NAME).mkdir(parents=True, exist_ok=True)
    for fname, text in build_trace().items():
        (TRACES / NAME / fname).write_text(text)


if __name__ == "__main__":
    _write_all()
