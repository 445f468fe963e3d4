"""NVDLA-format trace tests (simtlab.drivers.nvdla_trace): traces of our own in NVDLA's trace format
(tb/drivers/nvdla_traces/NAME/NAME.cfg + .dat), replayed on the golden model and on the RTL, their
CRCs recomputed here from the bit-exact reference (simtlab.sim.tile_ref); parser errors.

The traces are written by :func:`build_trace` (register values from the tile driver's planner,
inputs from a fixed seed); ``test_traces_are_current`` keeps the committed files equal to it
(``python -m simtlab.tb.drivers.test_nvdla_trace`` rewrites them).
"""

import re
import zlib
from pathlib import Path

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import TileConfig
from simtlab.drivers import regs
from simtlab.drivers.cli import main
from simtlab.drivers.nvdla_trace import (TraceError, format_dat, nvdla_name, parse_dat,
                                         parse_trace, replay, resolve_register)
from simtlab.drivers.tile_plan import plan
from simtlab.drivers.tile_validate import conv2d_layer, pool2d_layer, sdp_layer
from simtlab.errors import TileFault, WatchdogTimeout
from simtlab.sim import tile_layout as lay
from simtlab.sim import tile_ref as ref

TRACES = Path(__file__).parent / "nvdla_traces"
SEED = 20261204
NVDLA_BASE = 0x8000_0000
#: NVDLA-style buffer spacing: each input and the output 1 MiB apart, as NVDLA's traces place them.
SPACING = 0x10_0000

# name: layer (dims W x H x C, kernels S x R x C x K, NVDLA's naming)
LAYERS = {
    "dc_6x6x16_3x3x16x16_bias_relu": dict(
        op="conv", x=(1, 16, 6, 6), w=(16, 16, 3, 3),
        kw=dict(padding=1, relu=True, out_shift=6, clip_truncate=1)),
    "pdp_12x9x16_3x2_ave": dict(
        op="pool", x=(1, 16, 9, 12), kw=dict(kernel=(2, 3), stride=(1, 2), mode="avg")),
    # Issue 13 items 2 and 3: C not a multiple of AtomC (NVDLA's unpadded last weight block),
    # K not a multiple of AtomK (the lanes past K carry the converter of ReLU(0 + bias)).
    "dc_7x5x12_3x3x12x13_bias_relu_cvt": dict(
        op="conv", x=(1, 12, 5, 7), w=(13, 12, 3, 3), bias=1500,
        kw=dict(padding=1, relu=True, out_scale=3, out_shift=7, clip_truncate=2),
        regs={"SDP.D_CVT_OFFSET": dict(CVT_OFFSET=-200)}),
    "dc_6x4x20_1x1x20x10_bias_mem": dict(
        op="conv", x=(1, 20, 4, 6), w=(10, 20, 1, 1),
        kw=dict(out_scale=5, out_shift=9),
        regs={"SDP.D_CVT_OFFSET": dict(CVT_OFFSET=-1000)}),
    "sdp_3x3x32_bs_reg_relu": dict(
        op="sdp", x=(1, 32, 3, 3),
        kw=dict(bias=-37, scale=300, scale_shift=7, relu=True, out_offset=3, out_scale=5,
                out_shift=2)),
    # Issue 13 item 4: X2 (batch norm) with its operands from memory through NRDMA
    # (D_BN_BASE_ADDR_*), X1's MUL_SHIFT with its multiplier bypassed, 33 channels (lanes past C).
    "sdp_3x3x33_bs_bn_mem": dict(
        op="sdp", x=(1, 33, 3, 3), kw=dict(bias=-37, out_offset=-3, out_scale=5, out_shift=4),
        x1_mul_shift=3, bn_range=60,
        x2=dict(alu="mem", mul=-90, mul_shift=6, relu=True)),
    # Per-element X2 operands (NRDMA_DATA_MODE PER_ELEMENT): the golden model only.
    "sdp_3x3x33_bn_elem_mem": dict(
        op="sdp", x=(1, 33, 3, 3), kw=dict(out_scale=3, out_shift=2),
        x2=dict(alu="mem", alu_algo="max", mul=7, mul_shift=1, relu=False), per_element=True),
}
#: Traces the RTL refuses (per-element operands): replayed on the golden model only.
EMU_ONLY = {name for name, spec in LAYERS.items() if spec.get("per_element")}
ATOM = 8


def _bn_operand(spec, rng):
    """X2's operands from memory (int16): per channel of the whole atoms, or a cube."""
    _, c, h, w = spec["x"]
    cp = -(-c // ATOM) * ATOM
    shape = (cp, h, w) if spec.get("per_element") else (cp,)
    span = spec.get("bn_range", 2000)
    return rng.integers(-span, span, shape)


def _bn_bytes(spec, op):
    """The operand blob in memory: int16 per channel, or NVDLA's feature format for 2-byte
    elements (8-byte atoms of 4 channels; D_BN_LINE_STRIDE = W * 8, D_BN_SURFACE_STRIDE =
    H * line)."""
    if op.ndim == 1:
        return op.astype("<i2").view(np.uint8)
    cp, h, w = op.shape
    n = ATOM // 2
    atoms = op.reshape(cp // n, n, h, w).transpose(0, 2, 3, 1)           # (C/n, H, W, n)
    return np.ascontiguousarray(atoms).astype("<i2").ravel().view(np.uint8)


def _x2_regs(spec, bn_addr):
    """The SDP/SDP_RDMA register fields of a trace's X2 stage (and X1's MUL_SHIFT)."""
    out = {}
    if "x1_mul_shift" in spec:
        out["SDP.D_DP_BS_MUL_CFG"] = dict(BS_MUL_SRC=0, BS_MUL_SHIFT_VALUE=spec["x1_mul_shift"])
    x2 = spec.get("x2")
    if x2 is None:
        return out
    mem_alu, mem_mul = x2.get("alu") == "mem", x2.get("mul") == "mem"
    out.update({
        "SDP.D_DP_BN_CFG": dict(BN_BYPASS=0, BN_ALU_BYPASS=int("alu" not in x2),
                                BN_ALU_ALGO=x2.get("alu_algo", "sum").upper(),
                                BN_MUL_BYPASS=int("mul" not in x2),
                                BN_MUL_PRELU=int(x2.get("prelu", False)),
                                BN_RELU_BYPASS=int(not x2.get("relu", False))),
        "SDP.D_DP_BN_ALU_CFG": dict(BN_ALU_SRC=int(mem_alu), BN_ALU_SHIFT_VALUE=x2.get("alu_shift", 0)),
        "SDP.D_DP_BN_ALU_SRC_VALUE": dict(BN_ALU_OPERAND=0 if mem_alu else x2.get("alu", 0)),
        "SDP.D_DP_BN_MUL_CFG": dict(BN_MUL_SRC=int(mem_mul), BN_MUL_SHIFT_VALUE=x2.get("mul_shift", 0)),
        "SDP.D_DP_BN_MUL_SRC_VALUE": dict(BN_MUL_OPERAND=0 if mem_mul else x2.get("mul", 1)),
    })
    if mem_alu or mem_mul:
        _, c, h, w = spec["x"]
        line = w * ATOM
        out.update({
            "SDP_RDMA.D_NRDMA_CFG": dict(NRDMA_DISABLE=0, NRDMA_DATA_USE="ALU" if mem_alu else "MUL",
                                         NRDMA_DATA_SIZE="TWO_BYTE",
                                         NRDMA_DATA_MODE=int(spec.get("per_element", False)),
                                         NRDMA_RAM_TYPE="MCIF"),
            "SDP_RDMA.D_BN_BASE_ADDR_LOW": bn_addr,
            "SDP_RDMA.D_BN_BASE_ADDR_HIGH": 0,
            "SDP_RDMA.D_BN_LINE_STRIDE": line,
            "SDP_RDMA.D_BN_SURFACE_STRIDE": h * line,
        })
    return out


def _inputs(name):
    spec = LAYERS[name]
    rng = np.random.default_rng([SEED, zlib.crc32(name.encode())])     # stable per trace
    x = rng.integers(-128, 128, spec["x"], dtype=np.int8)
    if spec["op"] != "conv":
        # X2's operands from memory ride in the bias slot of an SDP trace.
        mem = any(v == "mem" for v in spec.get("x2", {}).values())
        return x, None, _bn_operand(spec, rng) if mem else None
    w = rng.integers(-128, 128, spec["w"], dtype=np.int8)
    bias = spec.get("bias", rng.integers(-3000, 3000, spec["w"][0]))
    return x, w, bias


def _layer(name, x, w, bias):
    spec, cfg = LAYERS[name], TileConfig()
    if spec["op"] == "conv":
        return conv2d_layer(cfg, x, w, bias, **spec["kw"])
    if spec["op"] == "sdp":
        return sdp_layer(x, **spec["kw"])
    return pool2d_layer(x, **spec["kw"])


def build_trace(name):
    """The files of trace ``name``: ``{file name: text}`` (the .cfg, one .dat per input)."""
    x, w, bias = _inputs(name)
    p = plan(_layer(name, x, w, bias), TileConfig())
    addrs, files, lines = {}, {}, [f"// {name}: {p.describe} (simtlab, NVDLA trace format)"]
    uploads = list(p.uploads)
    if LAYERS[name]["op"] == "sdp" and bias is not None:
        uploads.append(("bn", _bn_bytes(LAYERS[name], bias), ATOM))
    for n, (what, blob, _) in enumerate(uploads):
        addrs[what] = NVDLA_BASE + n * SPACING
        fname = f"{name}_{what}.dat"
        files[fname] = format_dat(blob.tobytes())
        lines.append(f"mem_init(pri_mem, 0x{addrs[what]:08x}, 0x{blob.size:x}, ALL_ZERO);")
        lines.append(f'mem_load(pri_mem, 0x{addrs[what]:08x}, "{fname}");')
    out = addrs["output"] = NVDLA_BASE + len(uploads) * SPACING
    lines.append(f"mem_init(pri_mem, 0x{out:08x}, 0x{p.out_bytes:x}, ALL_ZERO);")
    by_unit = {}
    overrides = dict(LAYERS[name].get("regs", {}))
    overrides.update(_x2_regs(LAYERS[name], addrs.get("bn", 0)))
    program = p.program(addrs)
    program += [(reg, {}) for reg in overrides if reg not in dict(program)]
    for reg, value in program:
        if reg in overrides:
            extra = overrides[reg]
            value = dict(value, **extra) if isinstance(extra, dict) else extra
        value = regs.pack(reg, **value) if isinstance(value, dict) else value
        by_unit.setdefault(reg.split(".")[0], []).append((reg, value))
    for unit in p.units:
        for reg, value in by_unit.get(unit, []):
            lines.append(f"reg_write({nvdla_name(reg)}, 0x{value:x});")
    for unit in p.units:                                # downstream first, NVDLA's order
        lines.append(f"reg_write({nvdla_name(unit + '.D_OP_ENABLE')}, 0x1);")
    lines.append(f"intr_notify({p.end}_0, {name}_{p.end}_0);")
    golden = expected_output(name, x, w, bias, p)
    lines.append(f"check_crc({name}_{p.end}_0, pri_mem, 0x{out:08x}, 0x{p.out_bytes:x}, "
                 f"0x{zlib.crc32(golden):08x});")
    files[f"{name}_golden.dat"] = format_dat(golden, zeros=True)
    lines.append(f'check_file({name}_{p.end}_0, pri_mem, 0x{out:08x}, 0x{p.out_bytes:x}, '
                 f'"{name}_golden.dat");')
    files[f"{name}.cfg"] = "\n".join(lines) + "\n"
    return files


def expected_output(name, x, w, bias, p):
    """The output region's bytes from the bit-exact reference (tile_ref), in NVDLA's layout."""
    spec = LAYERS[name]
    if spec["op"] == "conv":
        y = _ref_conv_atoms(x[0], w, bias, spec)
    elif spec["op"] == "sdp":
        kw = spec["kw"]
        _, c, hh, ww = x.shape
        xp = np.zeros((-(-c // ATOM) * ATOM, hh, ww), np.int64)      # whole atoms (0 past C)
        xp[:c] = x[0]
        bn = None
        if "x2" in spec:
            bn = {key: (bias if v == "mem" else v) for key, v in spec["x2"].items()}
        y, _ = ref.sdp_x1(xp, alu=kw.get("bias"), mul=kw.get("scale"),
                          mul_shift=kw.get("scale_shift", spec.get("x1_mul_shift", 0)),
                          relu=kw.get("relu", False), bn=bn, cvt_offset=kw.get("out_offset", 0),
                          cvt_scale=kw.get("out_scale", 1), cvt_shift=kw.get("out_shift", 0))
    else:
        kw = spec["kw"]
        y, _ = ref.pool2d(x[0], kw["mode"], kernel=kw["kernel"], stride=kw["stride"])
    _, h, wd = y.shape
    line, surf = p.out_strides
    packed = lay.pack_feature(y, line_stride=line, surf_stride=surf)
    region = np.zeros(p.out_bytes, np.uint8)
    region[:packed.size] = packed
    assert (h, wd) == p.out_shape[1:] and len(y) == -(-p.out_shape[0] // 8) * 8
    return region.tobytes()


def _ref_conv_atoms(x, w, bias, spec):
    """tile_ref's conv -> CACC -> SDP for every lane of the last atom: the kernels past K are 0
    (CACC gives 0 there), their per-channel bias is the 0 the driver pads with, and the
    converter (with the trace's CVT_OFFSET) applies to them as in NVDLA's datapath."""
    kw, atom = spec["kw"], 8
    k = w.shape[0]
    kp = -(-k // atom) * atom
    wp = np.zeros((kp,) + w.shape[1:], np.int64)
    wp[:k] = w
    acc = ref.conv2d(x, wp, padding=kw.get("padding", 0))
    y32, _ = ref.cacc_truncate(acc, kw.get("clip_truncate", 0))
    if np.ndim(bias):
        alu = np.zeros(kp, np.int64)
        alu[:k] = bias
    else:
        alu = bias
    offset = spec.get("regs", {}).get("SDP.D_CVT_OFFSET", {}).get("CVT_OFFSET", 0)
    y, _ = ref.sdp_x1(y32, alu=alu, relu=kw.get("relu", False), cvt_offset=offset,
                      cvt_scale=kw.get("out_scale", 1), cvt_shift=kw.get("out_shift", 0))
    return y


def _dat_bytes(path, size):
    data = bytearray(size)
    for offset, chunk in parse_dat(path):
        data[offset:offset + len(chunk)] = chunk
    return bytes(data)


@pytest.mark.parametrize("name", LAYERS)
def test_traces_are_current(name):
    for fname, text in build_trace(name).items():
        assert (TRACES / name / fname).read_text() == text, f"{fname} is stale: run python -m " \
            f"simtlab.tb.drivers.test_nvdla_trace"


@pytest.mark.parametrize("name", LAYERS)
def test_trace_crc_is_the_reference(name):
    """The committed CRC equals tile_ref's output for the inputs read back from the .dat files."""
    trace = parse_trace(TRACES / name / f"{name}.cfg", strict=True)
    x0, w0, bias = _inputs(name)
    loads = [s for s in trace.steps if s.op == "mem_load"]
    sizes = {s.args[1]: s.args[2] for s in trace.steps if s.op == "mem_init"}
    blobs = [np.frombuffer(_dat_bytes(TRACES / name / s.args[2], sizes[s.args[1]]), np.uint8)
             for s in loads]
    _, c, h, wd = x0.shape
    x = lay.unpack_feature(blobs[0], c, h, wd)[None]
    np.testing.assert_array_equal(x, x0)
    w = None
    if w0 is not None:
        k, _, r, s = w0.shape
        w = lay.unpack_weights(blobs[1], k, c, r, s)
        np.testing.assert_array_equal(w, w0)
    if LAYERS[name]["op"] == "sdp" and bias is not None:     # X2's operands, as loaded
        np.testing.assert_array_equal(blobs[-1], _bn_bytes(LAYERS[name], bias))
    p = plan(_layer(name, x, w, bias), TileConfig())
    golden = expected_output(name, x, w, bias, p)
    (check,) = [s for s in trace.steps if s.op == "check_crc"]
    assert check.args[4] == zlib.crc32(golden)
    (check,) = [s for s in trace.steps if s.op == "check_file"]
    assert _dat_bytes(TRACES / name / check.args[4], check.args[3]) == golden


@pytest.mark.parametrize("name", LAYERS)
def test_replay_golden_model(name):
    with Device("tile", backend="emu") as dev:
        result = replay(TRACES / name / f"{name}.cfg", dev)
    assert result.passed, result.report()
    assert [c.op for c in result.checks] == ["check_crc", "check_file"]
    assert result.interrupts[0][2] > 0 and not result.skipped


@pytest.mark.parametrize("name", sorted(set(LAYERS) - EMU_ONLY))
def test_replay_rtl(name):
    with Device("tile") as dev:
        result = replay(TRACES / name / f"{name}.cfg", dev)
    assert result.passed, result.report()
    crc, file = result.checks
    assert crc.got == crc.expected and file.got == file.expected > 0
    assert result.cycles == result.interrupts[0][2] > 0


@pytest.mark.parametrize("name", sorted(EMU_ONLY))
def test_rtl_refuses_per_element_operands(name):
    """The RTL has no per-element operand path: the layer stops at its start with a TileFault
    naming the register, never a per-channel result."""
    with Device("tile") as dev:
        with pytest.raises(TileFault, match=r"the tile does not implement the layer "
                                            r"SDP_RDMA.D_NRDMA_CFG asks for"):
            replay(TRACES / name / f"{name}.cfg", dev)


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_pixel_input_is_not_supported(tmp_path, backend):
    """Issue 13 item 8: CDMA's pixel (image) input mode stops the layer with a clear TileFault on
    both models (no interrupt, no output)."""
    name = "dc_6x6x16_3x3x16x16_bias_relu"
    for fname, text in build_trace(name).items():
        (tmp_path / fname).write_text(text.replace("D_DATAIN_FORMAT_0, 0x0", "D_DATAIN_FORMAT_0, 0x1"))
    with Device("tile", backend=backend) as dev:
        with pytest.raises(TileFault, match=r"does not implement the layer CDMA.D_DATAIN_FORMAT "
                                            r"asks for"):
            replay(tmp_path / f"{name}.cfg", dev)


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_register_checks(tmp_path, backend):
    """NVDLA's reset values (GLB.S_NVDLA_HW_VERSION, precision fields int16) and its flush poll."""
    (tmp_path / "r.cfg").write_text(
        "poll_reg_equal(NVDLA_CDMA.S_CBUF_FLUSH_STATUS_0, 0x1);\n"
        "reg_read_expected(NVDLA_GLB.S_NVDLA_HW_VERSION_0, 0x303031);\n"
        "reg_read_expected(NVDLA_CDMA.D_MISC_CFG_0, 0x1100);\n"
        "reg_read_expected(NVDLA_CACC.D_MISC_CFG_0, 0x1000);\n"
        "reg_read_expected(NVDLA_SDP_RDMA.D_FEATURE_MODE_CFG_0, 0x14);\n"
        "reg_write(NVDLA_GLB.S_INTR_MASK_0, 0x3);\n"
        "reg_read_expected(NVDLA_GLB.S_INTR_MASK_0, 0x2);      // fails: reads 0x3\n")
    with Device("tile", backend=backend) as dev:
        result = replay(tmp_path / "r.cfg", dev)
    assert [c.passed for c in result.checks] == [True] * 4 + [False]
    assert (result.checks[-1].expected, result.checks[-1].got) == (2, 3)


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_cacc_strides_are_24_bits(tmp_path, backend):
    """Issue 13 item 7: CACC's D_LINE_STRIDE and D_SURF_STRIDE keep 24 bits, as NVDLA's."""
    (tmp_path / "c.cfg").write_text(
        "reg_write(NVDLA_CACC.D_LINE_STRIDE_0, 0xfedcba98);\n"
        "reg_write(NVDLA_CACC.D_SURF_STRIDE_0, 0x12345678);\n"
        "reg_read_expected(NVDLA_CACC.D_LINE_STRIDE_0, 0xdcba98);\n"
        "reg_read_expected(NVDLA_CACC.D_SURF_STRIDE_0, 0x345678);\n")
    with Device("tile", backend=backend) as dev:
        result = replay(tmp_path / "c.cfg", dev)
    assert result.passed and len(result.checks) == 2, result.report()


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_statements_without_a_layer(tmp_path, backend):
    """ALL_ONE memory, an interrupt raised through GLB.S_INTR_SET, check_crc/check_file/
    check_nothing on it, reg_read and the sync statements (no-ops)."""
    (tmp_path / "ones.dat").write_text(format_dat(b"\xff" * 0x40, zeros=True))
    (tmp_path / "s.cfg").write_text(
        "mem_init(pri_mem, 0x90000000, 0x40, ALL_ONE);\n"
        "reg_read(NVDLA_GLB.S_INTR_STATUS_0, status);\n"
        "reg_write(NVDLA_GLB.S_INTR_SET_0, 0x10);          // PDP group 0 done\n"
        "sync_notify(NVDLA_PDP, s1);\n"
        "intr_notify(PDP_0, s0);\n"
        "sync_wait(NVDLA_PDP, s1);\n"
        f"check_crc(s0, 1, 0x90000000, 0x40, 0x{zlib.crc32(bytes([0xFF] * 0x40)):08x});\n"
        'check_file(s0, pri_mem, 0x90000000, "ones.dat");\n'
        "check_nothing(s0);\n"
        "reg_read_expected(NVDLA_GLB.S_INTR_STATUS_0, 0x0);   // intr_notify cleared it\n")
    with Device("tile", backend=backend) as dev:
        result = replay(tmp_path / "s.cfg", dev)
    assert result.passed, result.report()
    assert [c.op for c in result.checks] == ["check_crc", "check_file", "reg_read_expected"]
    assert result.interrupts[0][:2] == ("s0", "PDP_0")


def test_an_address_outside_the_trace_memory_is_a_tile_fault(tmp_path, capsys):
    """An address register value in no range the trace names is written as it is; a DMA there is
    the device's TileFault (CLI: exit 2 naming the unit)."""
    name = "pdp_12x9x16_3x2_ave"
    for fname, text in build_trace(name).items():
        (tmp_path / fname).write_text(text.replace("D_SRC_BASE_ADDR_LOW_0, 0x80000000",
                                                   "D_SRC_BASE_ADDR_LOW_0, 0xc0000000"))
    with Device("tile", backend="emu") as dev:
        with pytest.raises(TileFault, match="PDP_RDMA accessed 0xc0000000"):
            replay(tmp_path / f"{name}.cfg", dev)
    assert main(["nvdla-trace", str(tmp_path / f"{name}.cfg"), "--backend", "emu"]) == 2
    assert "error: tile DMA fault: PDP_RDMA" in capsys.readouterr().err


def test_poll_times_out(tmp_path):
    """A poll that never succeeds ends with WatchdogTimeout naming the line, interrupts or not."""
    (tmp_path / "p.cfg").write_text("reg_write(NVDLA_GLB.S_INTR_SET_0, 0x1);\n"
                                    "poll_reg_equal(NVDLA_CDMA.S_CBUF_FLUSH_STATUS_0, 0x0);\n")
    with Device("tile", backend="emu") as dev:
        with pytest.raises(WatchdogTimeout, match="p.cfg line 2: NVDLA_CDMA.S_CBUF_FLUSH_STATUS_0 "
                                                  "still reads 0x00000001, not 0x00000000"):
            replay(tmp_path / "p.cfg", dev, max_cycles=2000)


def test_a_wrong_crc_fails(tmp_path):
    name = "pdp_12x9x16_3x2_ave"
    for fname, text in build_trace(name).items():
        if fname.endswith(".cfg"):
            crc = re.search(r"check_crc\(.*(0x[0-9a-f]{8})\);", text).group(1)
            text = text.replace(crc + ");", f"0x{int(crc, 16) ^ 1:08x});")
        (tmp_path / fname).write_text(text)
    with Device("tile", backend="emu") as dev:
        result = replay(tmp_path / f"{name}.cfg", dev)
    assert not result.passed and [c.passed for c in result.checks] == [False, True]
    assert result.checks[0].got == result.checks[0].expected ^ 1
    assert "FAIL line" in result.report()


def test_cli_replays_a_trace(capsys):
    name = "pdp_12x9x16_3x2_ave"
    assert main(["nvdla-trace", str(TRACES / name / f"{name}.cfg"), "--backend", "emu"]) == 0
    out = capsys.readouterr().out
    assert "PASS: 2/2 checks" in out and "intr PDP_0" in out


def test_cli_exit_codes(tmp_path, capsys):
    """A failing check exits 1 (a corrupted input byte), a malformed trace 2 naming the file and
    line."""
    name = "pdp_12x9x16_3x2_ave"
    for fname, text in build_trace(name).items():
        (tmp_path / fname).write_text(text)
    dat = tmp_path / f"{name}_features.dat"
    text = dat.read_text()
    first = re.search(r"payload:(0x[0-9a-f]{2})", text).group(1)
    dat.write_text(text.replace("payload:" + first, f"payload:0x{int(first, 16) ^ 0x40:02x}", 1))
    assert main(["nvdla-trace", str(tmp_path / f"{name}.cfg"), "--backend", "emu"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: 0/2 checks" in out and re.search(r"FAIL line \d+ check_file .*: \d+/\d+ bytes", out)
    (tmp_path / "bad.cfg").write_text("reg_write(NVDLA_PDP.D_OP_ENABLE_0, 1)\nintr_notify(PDP_0);\n")
    assert main(["nvdla-trace", str(tmp_path / "bad.cfg"), "--backend", "emu"]) == 2
    err = capsys.readouterr().err
    assert "error: bad.cfg line 2: intr_notify takes (UNIT_G, sync_id), got 1 arguments" in err


def test_register_names():
    assert resolve_register("NVDLA_CDMA.D_DAIN_ADDR_LOW_0_0") == "CDMA.D_DAIN_ADDR_LOW_0"
    assert resolve_register("NVDLA_SDP.D_PERF_LUT_HYBRID_0") is None      # not in the tile
    assert nvdla_name("PDP.D_OP_ENABLE") == "NVDLA_PDP.D_OP_ENABLE_0"
    assert resolve_register("NVDLA_GLB.S_INTR_MASK_0") == "GLB.INTR_MASK"
    assert nvdla_name("GLB.HW_VERSION") == "NVDLA_GLB.S_NVDLA_HW_VERSION_0"
    with pytest.raises(KeyError, match="NVDLA_UNIT.REG_0"):
        resolve_register("CDMA.D_OP_ENABLE")


def test_dat_round_trip():
    data = bytes(range(40)) + bytes(24) + bytes([0xFF] * 5)
    text = format_dat(data, record=8)
    assert "offset:0x28" not in text             # all-zero records left out
    assert "offset:0x28" in format_dat(data, record=8, zeros=True)
    got = bytearray(len(data))
    for offset, chunk in parse_dat(text):
        got[offset:offset + len(chunk)] = chunk
    assert bytes(got) == data


@pytest.mark.parametrize("line, message", [
    ("reg_write(NVDLA_CDMA.D_OP_ENABLE_0);", r"line 2: reg_write takes \(NVDLA_UNIT.REG_0, value\)"),
    ("reg_write(CDMA.D_OP_ENABLE, 1);", "line 2: expected a register name NVDLA_UNIT.REG_0"),
    ("reg_write(NVDLA_CDMA.D_OP_ENABLE_0, one);", "line 2: expected the value"),
    ("poll_reg_equal(NVDLA_SDP.D_PERF_LUT_HYBRID_0, 1);",
     "line 2: poll_reg_equal of NVDLA_SDP.D_PERF_LUT_HYBRID_0"),
    ("intr_notify(RUBIK_0, s0);", "line 2: expected an interrupt UNIT_G"),
    ("mem_init(pri_mem, 0x1000, 0x10, RANDOM);", "line 2: expected a pattern ALL_ZERO or ALL_ONE"),
    ('mem_load(pri_mem, 0x1000, "missing.dat");', "line 2: mem_load file 'missing.dat' not found"),
    ("mem_load(pri_mem, 0x1000, in.dat);", "line 2: expected the file name in double quotes"),
    ("check_crc(s0, pri_mem, 0x1000, 0x10);", r"line 2: check_crc takes \(sync_id, ram"),
    ("launch_rockets(1);", "line 2: unknown statement 'launch_rockets'"),
    ("reg_write NVDLA_CDMA.D_OP_ENABLE_0 1", r"line 2: expected a statement name\(arg, ...\)"),
])
def test_parse_errors(tmp_path, line, message):
    path = tmp_path / "t.cfg"
    path.write_text(f"// header\n{line}\n")
    with pytest.raises(TraceError, match=message):
        parse_trace(path)


@pytest.mark.parametrize("record, message", [
    ("{offset:0x0, size:2, payload:0x01}", "line 2: size is 2 but the payload has 1 bytes"),
    ("{offset:0x0, size:1, payload:0x100}", "line 2: payload bytes must be 0x00-0xff"),
    ("{offset:zz, size:1, payload:0x01}", "line 2: expected the offset"),
    ("offset:0x0 size:1", r"line 2: expected a record \{offset"),
])
def test_dat_errors(record, message):
    with pytest.raises(TraceError, match=message):
        parse_dat("{\n" + record + "\n}\n", "x.dat")


def test_replay_errors(tmp_path):
    (tmp_path / "a.cfg").write_text("mem_init(pri_mem, 0x80000000, 0x40, ALL_ZERO);\n"
                                    "check_crc(s0, pri_mem, 0x80000000, 0x40, 0x0);\n")
    (tmp_path / "b.cfg").write_text("reg_write(NVDLA_SDP.D_PERF_LUT_HYBRID_0, 0);\n")
    with Device("tile", backend="emu") as dev:
        with pytest.raises(TraceError, match="a.cfg line 2: check_crc waits for s0, which no "
                                             "intr_notify before it signals"):
            replay(tmp_path / "a.cfg", dev)
        skipped = replay(tmp_path / "b.cfg", dev)
    assert skipped.skipped == [(1, "NVDLA_SDP.D_PERF_LUT_HYBRID_0")] and not skipped.passed
    with pytest.raises(TraceError, match="b.cfg line 1: register NVDLA_SDP.D_PERF_LUT_HYBRID_0 "
                                         "is not in the tile's register table"):
        parse_trace(tmp_path / "b.cfg", strict=True)


def _write_all():
    for name in LAYERS:
        (TRACES / name).mkdir(parents=True, exist_ok=True)
        for fname, text in build_trace(name).items():
            (TRACES / name / fname).write_text(text)


if __name__ == "__main__":
    _write_all()
