"""The tile's register table (rtl/tile/tile_regs.py), its Python model (drivers/regs.py) and the
generated C header and docs page (simtlab/spec/generate.py)."""

import dataclasses
import subprocess

import pytest

from simtlab.drivers import regs
from simtlab.spec import generate, tile_regs
from simtlab.spec.memory import MemoryMap
from simtlab.spec.tile_regs import Field, Register, Unit, check


# --- the table ---------------------------------------------------------------------------------

def test_table_checks():
    assert check()


def test_nv_small_unit_bases():
    bases = {u.name: u.base for u in tile_regs.UNITS}
    assert bases == {"CFGROM": 0x0000, "GLB": 0x1000, "CDMA": 0x3000, "CSC": 0x4000,
                     "CMAC_A": 0x5000, "CMAC_B": 0x6000, "CACC": 0x7000, "SDP_RDMA": 0x8000,
                     "SDP": 0x9000, "PDP_RDMA": 0xA000, "PDP": 0xB000,
                     "CDP_RDMA": 0xC000, "CDP": 0xD000}
    assert max(bases.values()) + 0x1000 <= MemoryMap.MMIO_SIZE


@pytest.mark.parametrize("name, offset", [
    # Offsets quoted in docs/ reference nvdla-small.md, unit-relative.
    ("GLB.INTR_STATUS", 0x00C), ("CDMA.D_OP_ENABLE", 0x010), ("CDMA.D_MISC_CFG", 0x014),
    ("CDMA.D_DATAIN_SIZE_0", 0x01C), ("CDMA.D_DATAIN_SIZE_1", 0x020),
    ("CDMA.D_DAIN_ADDR_LOW_0", 0x034), ("CDMA.D_LINE_STRIDE", 0x040),
    ("CDMA.D_SURF_STRIDE", 0x048), ("CDMA.D_WEIGHT_SIZE_0", 0x06C), ("CDMA.D_WEIGHT_SIZE_1", 0x070),
    ("CDMA.D_WEIGHT_ADDR_LOW", 0x07C), ("CDMA.D_WEIGHT_BYTES", 0x080),
    ("CDMA.D_CONV_STRIDE", 0x0B0), ("CDMA.D_ZERO_PADDING", 0x0B4),
    ("CDMA.D_ZERO_PADDING_VALUE", 0x0B8), ("CDMA.D_BANK", 0x0BC),
    ("CDMA.S_CBUF_FLUSH_STATUS", 0x00C), ("CSC.D_OP_ENABLE", 0x008), ("CSC.D_DATAOUT_SIZE_0", 0x03C),
    ("CSC.D_DATAOUT_SIZE_1", 0x040), ("CSC.D_ATOMICS", 0x044), ("CSC.D_RELEASE", 0x048),
    ("CSC.D_ZERO_PADDING", 0x054), ("CSC.D_BANK", 0x05C), ("CMAC_A.D_MISC_CFG", 0x00C),
    ("CMAC_B.D_OP_ENABLE", 0x008), ("CACC.D_DATAOUT_ADDR", 0x018), ("CACC.D_CLIP_CFG", 0x02C),
    ("CACC.D_OUT_SATURATION", 0x030), ("SDP.D_OP_ENABLE", 0x038), ("SDP.D_DATA_CUBE_CHANNEL", 0x044),
    ("SDP.D_DST_BASE_ADDR_LOW", 0x048), ("SDP.D_DST_SURFACE_STRIDE", 0x054),
    ("SDP.D_DP_BS_CFG", 0x058), ("SDP.D_DP_BS_MUL_SRC_VALUE", 0x068), ("SDP.D_DP_BN_CFG", 0x06C),
    ("SDP.D_DP_BN_MUL_SRC_VALUE", 0x07C), ("SDP.D_FEATURE_MODE_CFG", 0x0B0),
    ("SDP.D_DATA_FORMAT", 0x0BC), ("SDP.D_CVT_OFFSET", 0x0C0), ("SDP.D_CVT_SHIFT", 0x0C8),
    ("PDP.D_OP_ENABLE", 0x008), ("PDP.D_DATA_CUBE_OUT_CHANNEL", 0x020),
    ("PDP.D_OPERATION_MODE_CFG", 0x024), ("PDP.D_POOLING_KERNEL_CFG", 0x034),
    ("PDP.D_RECIP_KERNEL_WIDTH", 0x038), ("PDP.D_RECIP_KERNEL_HEIGHT", 0x03C),
    ("PDP.D_POOLING_PADDING_CFG", 0x040), ("PDP.D_SRC_BASE_ADDR_LOW", 0x060),
    ("PDP.D_DST_SURFACE_STRIDE", 0x07C),
])
def test_nvdla_offsets(name, offset):
    u, r = tile_regs.lookup(name)
    assert r.offset == offset
    assert regs.offset(name) == u.base + offset
    assert regs.address(name) == MemoryMap.MMIO_BASE + u.base + offset


def test_pingpong_structure():
    for u in tile_regs.UNITS:
        if u.name in ("CFGROM", "GLB"):
            assert not u.pingpong
            continue
        status, pointer = u.register("S_STATUS"), u.register("S_POINTER")
        assert (status.field("STATUS_0").bits, status.field("STATUS_1").bits) == ("[1:0]", "[17:16]")
        assert pointer.field("PRODUCER").access == "rw" and pointer.field("PRODUCER").lsb == 0
        assert pointer.field("CONSUMER").access == "ro" and pointer.field("CONSUMER").lsb == 16
        assert u.register("D_OP_ENABLE").field("OP_EN").access == "rwhc"
        for r in u.registers:
            assert r.group == r.name.startswith("D_")


def test_fields_quoted_in_the_reference():
    cfg = regs.register("SDP.D_DP_BS_CFG")
    assert [(f.name, f.bits) for f in cfg.fields] == [
        ("BS_BYPASS", "[0]"), ("BS_ALU_BYPASS", "[1]"), ("BS_ALU_ALGO", "[3:2]"),
        ("BS_MUL_BYPASS", "[4]"), ("BS_MUL_PRELU", "[5]"), ("BS_RELU_BYPASS", "[6]")]
    misc = regs.register("CDMA.D_MISC_CFG")
    assert misc.field("IN_PRECISION").bits == "[9:8]"
    assert misc.field("PROC_PRECISION").bits == "[13:12]"
    bank = regs.register("CDMA.D_BANK")
    assert (bank.field("DATA_BANK").bits, bank.field("WEIGHT_BANK").bits) == ("[4:0]", "[20:16]")
    size = regs.register("CDMA.D_DATAIN_SIZE_0")
    assert size.field("DATAIN_WIDTH").minus_one and size.field("DATAIN_HEIGHT").bits == "[28:16]"
    mode = regs.register("SDP.D_FEATURE_MODE_CFG")
    assert (mode.field("FLYING_MODE").bits, mode.field("OUTPUT_DST").bits) == ("[0]", "[1]")
    glb = regs.register("GLB.INTR_STATUS")
    bits = {f.name: f.lsb for f in glb.fields}
    assert bits["SDP_DONE_STATUS0"] == 0 and bits["PDP_DONE_STATUS1"] == 5
    assert bits["CDMA_DAT_DONE_STATUS0"] == 16 and bits["CDMA_WT_DONE_STATUS1"] == 19
    assert bits["CACC_DONE_STATUS0"] == 20 and glb.access == "w1c"


def test_simtlab_additions_are_marked():
    marked = {f"{u.name}.{r.name}" for u in tile_regs.UNITS for r in u.registers if r.simtlab}
    assert {"CDMA.D_PERF_LAYER_CYCLES", "CMAC_A.D_PERF_MAC_CYCLES",
            "PDP.D_PERF_LAYER_CYCLES"} <= marked
    assert not any(m.startswith("CFGROM") for m in marked)        # NVDLA's layout now
    rows = [line for line in generate.registers_markdown().splitlines() if line.startswith("| `0x")]
    flagged = [row for row in rows if "*simtlab addition*" in row]
    assert len(flagged) == len([m for m in marked if not m.startswith("CFGROM")])


def _with(unit_name, mutate):
    """A copy of the table with one unit changed by ``mutate(unit) -> unit``."""
    return tuple(mutate(u) if u.name == unit_name else u for u in tile_regs.UNITS)


def _replace_reg(u, reg_name, /, **changes):
    return dataclasses.replace(u, registers=tuple(
        dataclasses.replace(r, **changes) if r.name == reg_name else r for r in u.registers))


@pytest.mark.parametrize("units, message", [
    (lambda: _with("CDMA", lambda u: dataclasses.replace(u, base=0x3004)), r"CDMA base 0x3004"),
    (lambda: _with("CSC", lambda u: dataclasses.replace(u, base=0x3000)),
     r"units CDMA and CSC overlap"),
    (lambda: _with("CDMA", lambda u: _replace_reg(u, "D_LINE_STRIDE", offset=0x42)),
     r"CDMA.D_LINE_STRIDE offset 0x42 is not word aligned"),
    (lambda: _with("CDMA", lambda u: _replace_reg(u, "D_LINE_STRIDE", offset=0x48)),
     r"CDMA.D_SURF_STRIDE.*overlap at offset 0x48|CDMA.D_LINE_STRIDE.*overlap"),
    (lambda: _with("CACC", lambda u: _replace_reg(u, "D_CLIP_CFG", fields=(Field("A", 32, 0),))),
     r"CACC.D_CLIP_CFG.A bits \[32:0\] do not fit"),
    (lambda: _with("CACC", lambda u: _replace_reg(u, "D_CLIP_CFG", fields=(
        Field("A", 4, 0), Field("B", 7, 4)))), r"CACC.D_CLIP_CFG.B \[7:4\] overlaps"),
    (lambda: _with("CACC", lambda u: _replace_reg(u, "D_CLIP_CFG", fields=(
        Field("A", 4, 0, access="rx"),))), r"access 'rx' is not one of"),
    (lambda: _with("CACC", lambda u: _replace_reg(u, "D_CLIP_CFG", fields=(
        Field("A", 4, 0, reset=32),))), r"reset 0x20 does not fit 5 bits"),
    (lambda: _with("CACC", lambda u: _replace_reg(u, "D_CLIP_CFG", group=False)),
     r"only D_ registers of ping-pong units are group registers"),
    (lambda: _with("CACC", lambda u: _replace_reg(u, "D_CLIP_CFG", name="d_clip")),
     r"'CACC.d_clip' is not an upper-case identifier"),
    (lambda: _with("CACC", lambda u: dataclasses.replace(u, registers=tuple(
        r for r in u.registers if r.name != "D_OP_ENABLE"))), r"CACC lacks D_OP_ENABLE"),
    (lambda: tile_regs.UNITS + (tile_regs.UNITS[-1],), r"unit CDP is defined twice"),
])
def test_check_rejects(units, message):
    with pytest.raises(ValueError, match=message):
        check(units())


# --- the Python model ------------------------------------------------------------------------

def test_pack_unpack_roundtrip():
    word = regs.pack("CDMA.D_ZERO_PADDING", PAD_LEFT=2, PAD_RIGHT=3, PAD_TOP=1, PAD_BOTTOM=33)
    assert word == 2 | 3 << 8 | 1 << 16 | 33 << 24
    assert regs.unpack("CDMA.D_ZERO_PADDING", word) == {
        "PAD_LEFT": 2, "PAD_RIGHT": 3, "PAD_TOP": 1, "PAD_BOTTOM": 33}
    assert regs.pack("SDP.D_CVT_OFFSET", CVT_OFFSET=-1) == 0xFFFF_FFFF
    assert regs.unpack("SDP.D_CVT_OFFSET", 0x8000_0000) == {"CVT_OFFSET": -(1 << 31)}
    assert regs.pack("PDP.D_OPERATION_MODE_CFG", POOLING_METHOD="MIN") == 2
    assert regs.update("SDP.D_DP_BS_CFG", regs.reset_value("SDP.D_DP_BS_CFG"),
                       BS_BYPASS=0, BS_ALU_BYPASS=0, BS_ALU_ALGO="SUM") == 0x58
    assert regs.field_range("CDMA.D_ZERO_PADDING_VALUE", "PAD_VALUE") == (-32768, 32767)


def test_every_register_roundtrips_its_reset():
    for name in regs.names():
        reset = regs.reset_value(name)
        assert regs.pack(name, **regs.unpack(name, reset)) == reset, name


@pytest.mark.parametrize("call, error, message", [
    (lambda: regs.offset("CDMA"), KeyError, r"the form 'UNIT.REG'"),
    (lambda: regs.offset("CDNA.D_OP_ENABLE"), KeyError, r"no tile unit 'CDNA'; the units are CFGROM"),
    (lambda: regs.offset("CDMA.D_FOO"), KeyError, r"unit CDMA has no register 'D_FOO'"),
    (lambda: regs.pack("CDMA.D_BANK", DATA_BANKS=1), KeyError, r"D_BANK has no field 'DATA_BANKS'"),
    (lambda: regs.pack("CDMA.D_BANK", DATA_BANK=32), ValueError,
     r"CDMA.D_BANK.DATA_BANK \[4:0\] holds 0..31, not 32"),
    (lambda: regs.pack("CDMA.D_BANK", DATA_BANK=-1), ValueError, r"holds 0..31, not -1"),
    (lambda: regs.pack("SDP.D_CVT_SCALE", CVT_SCALE=1 << 15), ValueError,
     r"SDP.D_CVT_SCALE.CVT_SCALE \[15:0\] holds -32768..32767, not 32768"),
    (lambda: regs.pack("CDMA.D_BANK", DATA_BANK=1.0), TypeError, r"takes an integer, not 1.0"),
    (lambda: regs.pack("CDMA.D_BANK", DATA_BANK=True), TypeError, r"takes an integer, not True"),
    (lambda: regs.pack("PDP.D_OPERATION_MODE_CFG", POOLING_METHOD="MEAN"), ValueError,
     r"no value named 'MEAN'; it has AVERAGE, MAX, MIN"),
    (lambda: regs.unpack("CDMA.D_BANK", 1 << 32), ValueError, r"not a 32-bit word"),
])
def test_model_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- generated outputs ---------------------------------------------------------------------

def test_header_names_follow_nvdla():
    header = generate.tile_header()
    for line in ("#define NVDLA_CDMA_D_DATAIN_SIZE_0_0 ", "#define NVDLA_CDMA_D_DATAIN_SIZE_0_0_OFFSET",
                 "#define NVDLA_CDMA_D_DATAIN_SIZE_0_0_DATAIN_HEIGHT_SHIFT",
                 "#define NVDLA_SDP_D_DP_BS_CFG_0_BS_ALU_ALGO_SUM"):
        assert line in header
    for name in regs.names():
        unit, reg = name.split(".")
        assert f"0x{regs.offset(name):04X}u" in header
        assert f"#define NVDLA_{unit}_{reg}_0 " in header


def test_header_compiles(tmp_path):
    """The header compiles for the kernels' target, and its macros agree with the model."""
    from simtlab.kernels.compile import compiler_command
    src = tmp_path / "t.c"
    src.write_text(
        '#include "nvdla_regs.h"\n'
        '_Static_assert(NVDLA_CDMA_D_ZERO_PADDING_0 == 0x30B4u, "offset");\n'
        '_Static_assert(NVDLA_FIELD(NVDLA_CDMA_D_ZERO_PADDING_0_PAD_RIGHT, 3) == 0x300u, "field");\n'
        '_Static_assert(NVDLA_GET(NVDLA_SDP_D_DP_BS_CFG_0_BS_ALU_ALGO, 0x8u) == 2u, "get");\n'
        'void start(void) { nvdla_write(NVDLA_CDMA_D_OP_ENABLE_0, 1u); }\n'
        'unsigned status(void) { return nvdla_read(NVDLA_CDMA_S_STATUS_0); }\n')
    command = compiler_command() + ["-c", "-Wall", "-Werror", f"-I{generate.ROOT / 'kernels' / 'runtime'}",
                                    "-o", str(tmp_path / "t.o"), str(src)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
