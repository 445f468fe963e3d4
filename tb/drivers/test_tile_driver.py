"""The tile's layer driver (drivers/tile.py) against the functional tile model.

``TileBench`` (simtlab.sim.tile_model) has the device interface the driver needs (``tile_write``/
``tile_read``/``tile_run``, ``alloc``/``write``/``read``): registers from the one table with NVDLA's
ping-pong groups (producer and consumer pointers, dropped writes to enabled groups, hardware-cleared
``D_OP_ENABLE``), GLB interrupts, and layers computed with ``tile_ref``. It is strict: a layer whose
register groups disagree (sizes, strides, alignment, CBUF fit, enable order) raises
TileProgramError, so the driver's register sequences are checked here without the RTL. Shapes carry
NVDLA's trace-test names (docs/tile.md).
"""

import re

import numpy as np
import pytest

from simtlab.config import TileConfig
from simtlab.drivers import regs
from simtlab.drivers.tile import TileDriver, read_trace
from simtlab.sim import tile_layout as lay
from simtlab.sim import tile_ref as ref
from simtlab.sim.tile_model import TileBench


def int8(rng, shape):
    return rng.integers(-128, 128, size=shape).astype(np.int8)


def ref_conv(x, w, bias=None, *, stride=1, padding=0, pad_value=0, dilation=1, relu=False,
             out_scale=1, out_shift=0, clip_truncate=0, pool=None):
    acc = ref.conv2d(x, w, stride=stride, padding=padding, pad_value=pad_value, dilation=dilation)
    y32, _ = ref.cacc_truncate(acc, clip_truncate)
    params = {}
    if bias is not None:
        # The bias as int16 << shift (exact), the smallest shift.
        alu, shift = np.asarray(bias, dtype=np.int64), 0
        while np.any((alu >> shift) < -(1 << 15)) or np.any((alu >> shift) >= 1 << 15):
            shift += 1
        assert np.array_equal((alu >> shift) << shift, alu)
        params = dict(alu=alu >> shift, alu_shift=shift)
    y, _ = ref.sdp_x1(y32, relu=relu, cvt_scale=out_scale, cvt_shift=out_shift, **params)
    if pool is not None:
        y, _ = ref.pool2d(y, pool.get("mode", "max"), kernel=pool["kernel"],
                          stride=pool.get("stride"), padding=pool.get("padding", 0),
                          pad_value=pool.get("pad_value", 0))
    return y


# NVDLA trace names: W x H x C, kernels S(width) x R(height) x C x K; stride/padding ours.
DC = {
    "dc_1x1x8_1x1x8x1": ((1, 8, 1, 1), (1, 8, 1, 1), {}),
    "dc_8x8x32_1x1x32x32": ((1, 32, 8, 8), (32, 32, 1, 1), dict(out_shift=6)),
    "dc_13x15x64_5x3x64x16": ((1, 64, 15, 13), (16, 64, 3, 5), dict(out_shift=10, relu=True)),
    "dc_24x33x55_5x5x55x25": ((1, 55, 33, 24), (25, 55, 5, 5),
                              dict(stride=(3, 4), padding=(1, 2, 2, 1), pad_value=-7,
                                   clip_truncate=4, out_shift=6)),
}


@pytest.fixture
def dev():
    return TileBench()


@pytest.mark.parametrize("name", DC)
def test_conv_nvdla_shapes(rng, dev, name):
    xs, ws, kw = DC[name]
    x, w = int8(rng, xs), int8(rng, ws)
    drv = TileDriver(dev)
    y, counters = drv.conv2d(x, w, **kw)
    want = ref_conv(x, w, **kw)
    assert y.dtype == np.int8 and y.shape == want.shape
    np.testing.assert_array_equal(y, want)
    k, c, r, s = ws
    assert counters["macs"] == k * c * r * s * y.shape[2] * y.shape[3]
    assert counters["mac_utilization"] == pytest.approx(
        counters["macs"] / (64 * counters["layer_cycles"]))
    assert counters["cycles"] == counters["layer_cycles"]
    assert dev.dropped == 0
    assert dev.layers_run == [("conv", dev.layers_run[0][1])]


def test_conv_bias_relu_pool_fused(rng, dev):
    x, w = int8(rng, (1, 11, 9, 10)), int8(rng, (13, 11, 3, 3))
    bias = rng.integers(-30000, 30000, size=13) * 4
    pool = dict(kernel=2, stride=2, mode="max")
    drv = TileDriver(dev)
    y, counters = drv.conv2d(x, w, bias, padding=1, relu=True, out_shift=7, pool=pool)
    np.testing.assert_array_equal(y, ref_conv(x, w, bias, padding=1, relu=True, out_shift=7,
                                                 pool=pool))
    assert y.min() >= 0
    # Per-channel bias: int16 operands << 2 from SDP_RDMA; PDP on the fly (no SDP output).
    sdp = dev.fields("SDP", 0)
    assert sdp["BS_ALU_SRC"] == 1 and sdp["BS_ALU_SHIFT_VALUE"] == 2 and sdp["OUTPUT_DST"] == 1
    assert "pdp_cycles" in counters


def test_conv_scalar_bias_and_avg_pool(rng, dev):
    x, w = int8(rng, (1, 8, 8, 8)), int8(rng, (8, 8, 1, 1))
    pool = dict(kernel=(3, 2), stride=(2, 1), padding=1, mode="avg", pad_value=-4)
    drv = TileDriver(dev)
    y, _ = drv.conv2d(x, w, 70000, out_shift=8, pool=pool)
    np.testing.assert_array_equal(y, ref_conv(x, w, 70000, out_shift=8, pool=pool))
    assert dev.fields("SDP", 0)["BS_ALU_SRC"] == 0


@pytest.mark.parametrize("name, shape, kernel, stride, padding, mode, pad_value", [
    ("pdp_28x28x8_2x2_max", (1, 8, 28, 28), 2, 2, 0, "max", 0),
    ("pdp_12x9x19_8x3_ave", (1, 19, 9, 12), (3, 8), (3, 4), 0, "avg", 0),
    ("pdp_13x11x9_3x3_ave_padded", (1, 9, 11, 13), 3, 2, 1, "avg", -20),
    ("pdp_8x8x64_2x2_min", (1, 64, 8, 8), 2, 2, 0, "min", 0),
])
def test_pool_nvdla_shapes(rng, dev, name, shape, kernel, stride, padding, mode, pad_value):
    x = int8(rng, shape)
    drv = TileDriver(dev)
    y, counters = drv.pool2d(x, kernel, stride, padding, mode, pad_value=pad_value)
    want, _ = ref.pool2d(x, mode, kernel=kernel, stride=stride, padding=padding,
                         pad_value=pad_value)
    np.testing.assert_array_equal(y, want)
    assert counters["layer_cycles"] == x.size


def test_sdp_3x3x33_bs(rng, dev):
    x = int8(rng, (1, 33, 3, 3))
    params = dict(bias=-1234, bias_shift=3, scale=-517, scale_shift=12, out_offset=17,
                  out_scale=3, out_shift=1)
    drv = TileDriver(dev)
    y, counters = drv.sdp(x, **params)
    want, stats = ref.sdp_x1(x, alu=-1234, alu_shift=3, mul=-517, mul_shift=12, cvt_offset=17,
                             cvt_scale=3, cvt_shift=1)
    np.testing.assert_array_equal(y, want)
    assert counters["saturations"] == stats["out_sat"] > 0


# -- layouts and register sequences -------------------------------------------------------------

def writes(dev):
    return [(name, value) for kind, name, value in dev.log if kind == "write"]


def test_layouts_in_memory(rng, dev):
    x, w = int8(rng, (1, 11, 5, 6)), int8(rng, (9, 11, 3, 2))
    TileDriver(dev).conv2d(x, w)
    cdma = dev.fields("CDMA", 0)
    feat = lay.pack_feature(x[0])
    blob = lay.pack_weights(w)
    assert dev.read(cdma["DAIN_ADDR_LOW_0"], feat.size) == feat.tobytes()
    assert dev.read(cdma["WEIGHT_ADDR_LOW"], blob.size) == blob.tobytes()
    assert cdma["WEIGHT_ADDR_LOW"] % 256 == 0 and cdma["DAIN_ADDR_LOW_0"] % 8 == 0
    assert (cdma["LINE_STRIDE"], cdma["SURF_STRIDE"]) == lay.feature_strides(11, 5, 6)


def test_conv_register_sequence(rng, dev):
    x, w = int8(rng, (1, 16, 7, 5)), int8(rng, (24, 16, 3, 3))
    TileDriver(dev).conv2d(x, w, stride=(2, 1), padding=(1, 0, 2, 1), dilation=(1, 2))
    seq = writes(dev)
    enables = [name.split(".")[0] for name, _ in seq if name.endswith(".D_OP_ENABLE")]
    assert enables == ["SDP", "CACC", "CMAC_A", "CMAC_B", "CSC", "CDMA"]
    last_config = max(i for i, (n, _) in enumerate(seq)
                      if n.split(".")[1].startswith("D_") and not n.endswith("D_OP_ENABLE"))
    first_enable = min(i for i, (n, _) in enumerate(seq) if n.endswith("D_OP_ENABLE"))
    assert last_config < first_enable
    # Each unit: S_POINTER (group 0) before its D_ registers.
    for unit in ("SDP", "CACC", "CMAC_A", "CMAC_B", "CSC", "CDMA"):
        names = [n for n, _ in seq if n.startswith(unit + ".")]
        assert names[0] == f"{unit}.S_POINTER"
    value = dict(seq)
    # Sizes as N-1.
    assert regs.unpack("CDMA.D_DATAIN_SIZE_0", value["CDMA.D_DATAIN_SIZE_0"]) == \
        {"DATAIN_WIDTH": 4, "DATAIN_HEIGHT": 6}
    assert regs.unpack("CDMA.D_DATAIN_SIZE_1", value["CDMA.D_DATAIN_SIZE_1"]) == \
        {"DATAIN_CHANNEL": 15}
    assert regs.unpack("CSC.D_WEIGHT_SIZE_EXT_1", value["CSC.D_WEIGHT_SIZE_EXT_1"]) == \
        {"WEIGHT_CHANNEL_EXT": 15, "WEIGHT_KERNEL": 23}
    ho, wo = ref.conv_output_size(7, 3, 2, 1, 0), ref.conv_output_size(5, 3, 1, 2, 1, 2)
    assert regs.unpack("CACC.D_DATAOUT_SIZE_0", value["CACC.D_DATAOUT_SIZE_0"]) == \
        {"DATAOUT_WIDTH": wo - 1, "DATAOUT_HEIGHT": ho - 1}
    assert regs.unpack("CSC.D_ATOMICS", value["CSC.D_ATOMICS"])["ATOMICS"] == wo * ho - 1
    assert regs.unpack("CDMA.D_CONV_STRIDE", value["CDMA.D_CONV_STRIDE"]) == \
        {"CONV_X_STRIDE": 0, "CONV_Y_STRIDE": 1}
    assert regs.unpack("CSC.D_DILATION_EXT", value["CSC.D_DILATION_EXT"]) == \
        {"X_DILATION_EXT": 1, "Y_DILATION_EXT": 0}
    assert regs.unpack("CDMA.D_ZERO_PADDING", value["CDMA.D_ZERO_PADDING"]) == \
        {"PAD_LEFT": 2, "PAD_RIGHT": 1, "PAD_TOP": 1, "PAD_BOTTOM": 0}
    # Interrupts: only the layer ends are unmasked; the layer's done bits are cleared at the end.
    # While waiting, the only unmasked source is the layer's end: SDP group 0.
    everything = sum(f.mask for f in regs.register("GLB.INTR_MASK").fields)
    assert value["GLB.INTR_MASK"] == everything & ~1
    assert seq[-1][0] == "GLB.INTR_STATUS" and seq[-1][1] == (1 << 0) | (0x15 << 16)
    assert dev.intr_status == 0


def test_pool_register_sequence(rng, dev):
    x = int8(rng, (1, 9, 6, 7))
    TileDriver(dev).pool2d(x, 3, 2, 1, "avg", pad_value=-5)
    seq = writes(dev)
    enables = [n for n, _ in seq if n.endswith("D_OP_ENABLE")]
    assert enables == ["PDP.D_OP_ENABLE", "PDP_RDMA.D_OP_ENABLE"]
    value = dict(seq)
    assert regs.unpack("PDP.D_POOLING_KERNEL_CFG", value["PDP.D_POOLING_KERNEL_CFG"]) == dict(
        KERNEL_WIDTH=2, KERNEL_HEIGHT=2, KERNEL_STRIDE_WIDTH=1, KERNEL_STRIDE_HEIGHT=1)
    assert regs.unpack("PDP.D_POOLING_PADDING_VALUE_3_CFG",
                       value["PDP.D_POOLING_PADDING_VALUE_3_CFG"])["PAD_VALUE_3X"] == -15
    assert regs.unpack("PDP.D_RECIP_KERNEL_WIDTH", value["PDP.D_RECIP_KERNEL_WIDTH"]) == \
        {"RECIP_KERNEL_WIDTH": ref.pool_recip(3)}


def test_run_sequence_pingpong(rng, dev):
    layers, want = [], []
    for n in range(3):
        x, w = int8(rng, (1, 8 + 3 * n, 5, 4)), int8(rng, (5 + n, 8 + 3 * n, 3, 3))
        layers.append(dict(op="conv2d", x=x, w=w, padding=1, relu=n % 2 == 1, out_shift=5))
        want.append(ref_conv(x, w, padding=1, relu=n % 2 == 1, out_shift=5))
    xp = int8(rng, (1, 16, 6, 6))
    layers.insert(1, dict(op="pool2d", x=xp, kernel=2, stride=2, mode="max"))
    want.insert(1, ref.pool2d(xp, "max", kernel=2)[0])
    trace = []
    drv = TileDriver(dev, trace=trace)
    results = drv.run_sequence(layers)
    for (y, _), expect in zip(results, want):
        np.testing.assert_array_equal(y, expect)
    # Ping-pong: conv layers alternate CDMA groups 0, 1, 0; PDP's one layer uses group 0.
    groups = [v for n, v in writes(dev) if n == "CDMA.S_POINTER"]
    assert groups == [0, 1, 0]
    assert [v for n, v in writes(dev) if n == "PDP.S_POINTER"] == [0]
    # Look-ahead: layer 1 is programmed and enabled before the driver first waits.
    first_wait = trace.index("wait irq")
    assert trace.index("write PDP_RDMA.D_OP_ENABLE 0x00000001") < first_wait
    assert trace.count("wait irq") == 4
    assert dev.dropped == 0
    assert [kind for kind, _ in dev.layers_run] == ["conv", "pdp", "conv", "conv"]


def test_groups_follow_the_hardware_consumer(rng, dev):
    """A driver created after earlier layers continues with the consumer group."""
    x, w = int8(rng, (1, 8, 3, 3)), int8(rng, (8, 8, 1, 1))
    TileDriver(dev).conv2d(x, w)
    drv = TileDriver(dev)
    mark = len(dev.log)
    y, _ = drv.conv2d(x, w)
    later = [v for kind, n, v in dev.log[mark:] if kind == "write" and n == "CDMA.S_POINTER"]
    assert later == [1]
    np.testing.assert_array_equal(y, ref_conv(x, w))


# -- trace ---------------------------------------------------------------------------------------

LINE = re.compile(r"(write (?P<name>[A-Z0-9_]+\.[A-Z0-9_]+) 0x(?P<value>[0-9a-f]{8})"
                  r"|wait irq|#.*)\Z")


def test_trace_file_and_replay(rng, dev, tmp_path):
    x, w = int8(rng, (1, 12, 6, 5)), int8(rng, (10, 12, 3, 3))
    path = tmp_path / "conv.trace"
    with TileDriver(dev, trace=path) as drv:
        y, _ = drv.conv2d(x, w, padding=1, relu=True, out_shift=6, pool=dict(kernel=2))
    lines = path.read_text().splitlines()
    for line in lines:
        m = LINE.match(line)
        assert m, f"bad trace line {line!r}"
        if m["name"]:
            regs.offset(m["name"])                  # a real register
    assert sum(1 for line in lines if line.startswith("write")) == \
        sum(1 for kind, *_ in dev.log if kind == "write")
    # Replay on a fresh device holding the same memory: the same output bytes.
    out = [line.split() for line in lines if line.startswith("# output")][0]
    addr, nbytes = int(out[2], 16), int(out[3])
    fresh = TileBench()
    fresh.mem[:] = dev.mem
    fresh.write(addr, bytes(nbytes))
    for line in lines:
        if line.startswith("write"):
            _, name, value = line.split()
            fresh.tile_write(regs.offset(name), int(value, 16))
        elif line == "wait irq":
            fresh.tile_run(10**6)
    assert fresh.read(addr, nbytes) == dev.read(addr, nbytes)
    assert fresh.intr_status == 0


def test_read_trace(rng, dev, tmp_path):
    path = tmp_path / "pool.trace"
    with TileDriver(dev, trace=path) as drv:
        drv.pool2d(int8(rng, (1, 8, 4, 4)), 2)
    steps = read_trace(path)
    assert steps == read_trace(str(path)) == read_trace(path.read_text().splitlines())
    kinds = [s[0] for s in steps]
    assert kinds.count("wait") == 1 and kinds.count("upload") == 1 and kinds.count("output") == 1
    writes = [s for s in steps if s[0] == "write"]
    assert [(n, v) for _, n, _, v in writes] == [(n, v) for n, v in globals()["writes"](dev)]
    assert all(off == regs.offset(n) for _, n, off, _ in writes)
    with pytest.raises(ValueError, match="line 2"):
        read_trace(["wait irq", "write CDMA.NOPE 0x1"])
    with pytest.raises(ValueError, match="line 1"):
        read_trace(["launch"])


def test_trace_list_and_type(dev):
    with pytest.raises(TypeError, match="trace"):
        TileDriver(dev, trace=42)


# -- errors ----------------------------------------------------------------------------------------

X = np.zeros((1, 8, 4, 4), np.int8)
W = np.zeros((8, 8, 3, 3), np.int8)


@pytest.mark.parametrize("call, kwargs, error, match", [
    ("conv2d", dict(x=X.astype(np.float32), w=W), TypeError, "integer"),
    ("conv2d", dict(x=X.tolist(), w=W), TypeError, "numpy array"),
    ("conv2d", dict(x=X.astype(np.int16) + 200, w=W), ValueError, "int8"),
    ("conv2d", dict(x=np.zeros((2, 8, 4, 4), np.int8), w=W), ValueError, "batch"),
    ("conv2d", dict(x=X[0], w=W), ValueError, "NCHW"),
    ("conv2d", dict(x=X, w=np.zeros((8, 7, 3, 3), np.int8)), ValueError, "channels"),
    ("conv2d", dict(x=X, w=W, stride=9), ValueError, "stride"),
    ("conv2d", dict(x=X, w=W, stride=0), ValueError, "stride"),
    ("conv2d", dict(x=X, w=W, stride=1.0), TypeError, "stride"),
    ("conv2d", dict(x=X, w=W, dilation=40), ValueError, "dilation"),
    ("conv2d", dict(x=X, w=W, padding=(40, 0, 0, 0)), ValueError, "padding"),
    ("conv2d", dict(x=X, w=W, padding=-1), ValueError, "padding"),
    ("conv2d", dict(x=X, w=W, padding=(1, 2, 3)), ValueError, "padding"),
    ("conv2d", dict(x=np.zeros((1, 8, 2, 2), np.int8), w=W), ValueError, "does not fit"),
    ("conv2d", dict(x=X, w=W, pad_value=128), ValueError, "pad_value"),
    ("conv2d", dict(x=X, w=W, relu=1), TypeError, "relu"),
    ("conv2d", dict(x=X, w=W, out_scale=1 << 15), ValueError, "out_scale"),
    ("conv2d", dict(x=X, w=W, out_shift=64), ValueError, "out_shift"),
    ("conv2d", dict(x=X, w=W, clip_truncate=17), ValueError, "clip_truncate"),
    ("conv2d", dict(x=X, w=W, bias=np.ones(7, np.int32)), ValueError, "bias"),
    ("conv2d", dict(x=X, w=W, bias=np.full(8, 0.5)), TypeError, "bias"),
    ("conv2d", dict(x=X, w=W, bias=(1 << 15) + 1), ValueError, "int16"),
    ("conv2d", dict(x=X, w=W, pool=dict(kernel=9)), ValueError, "pooling kernel"),
    ("conv2d", dict(x=X, w=W, pool=dict(size=2)), ValueError, "kernel"),
    ("conv2d", dict(x=X, w=W, pool=2), TypeError, "pool"),
    ("conv2d", dict(x=np.zeros((1, 8, 128, 128), np.int8), w=np.zeros((8, 8, 1, 1), np.int8)),
     ValueError, "CBUF|banks"),
    ("conv2d", dict(x=np.zeros((1, 256, 3, 3), np.int8), w=np.zeros((256, 256, 3, 3), np.int8)),
     ValueError, "banks|CBUF|weights"),
    ("pool2d", dict(x=X, kernel=2, mode="mean"), ValueError, "mode"),
    ("pool2d", dict(x=X, kernel=2, padding=8), ValueError, "padding"),
    ("pool2d", dict(x=X, kernel=(2, 9)), ValueError, "kernel"),
    ("pool2d", dict(x=X, kernel=2, stride=9), ValueError, "stride"),
    ("pool2d", dict(x=X, kernel=3, padding=(3, 0, 0, 0)), ValueError, "padding"),
    ("pool2d", dict(x=np.zeros((1, 8, 2, 600), np.int8), kernel=2), ValueError, "line buffer"),
    ("pool2d", dict(x=X, kernel=5), ValueError, "does not fit"),
    ("pool2d", dict(x=X, kernel=2, pad_value=-129), ValueError, "pad_value"),
    ("sdp", dict(x=X, bias=1 << 15), ValueError, "bias"),
    ("sdp", dict(x=X, scale_shift=64), ValueError, "scale_shift"),
    ("sdp", dict(x=X, out_offset=1 << 31), ValueError, "out_offset"),
    ("sdp", dict(x=X, prelu="yes"), TypeError, "prelu"),
])
def test_bad_input_rejected_before_the_device(dev, call, kwargs, error, match):
    drv = TileDriver(dev)
    mark = len(dev.log)
    mem = dev.mem.copy()
    with pytest.raises(error, match=match):
        getattr(drv, call)(**kwargs)
    assert dev.log[mark:] == [], "the device was touched"
    assert np.array_equal(dev.mem, mem)


def test_run_sequence_checks_every_layer_first(rng, dev):
    drv = TileDriver(dev)
    mark = len(dev.log)
    good = dict(op="pool2d", x=X, kernel=2)
    with pytest.raises(ValueError, match="layer 1 .*stride"):
        drv.run_sequence([good, dict(op="conv2d", x=X, w=W, stride=9)])
    with pytest.raises(ValueError, match="op"):
        drv.run_sequence([dict(op="lrn", x=X)])
    with pytest.raises(TypeError, match="layer 0"):
        drv.run_sequence([dict(op="pool2d", x=X, kernel=2, colour=1)])
    with pytest.raises(TypeError):
        drv.run_sequence([X])
    assert dev.log[mark:] == []


def test_device_checks():
    with pytest.raises(TypeError, match="tile_run"):
        TileDriver(object())
    with pytest.raises(TypeError, match="TileConfig"):
        TileDriver(TileBench(), config="nv_small")
    busy = TileBench()
    busy.groups["PDP"][0]["D_OP_ENABLE"] = 1
    with pytest.raises(RuntimeError, match="busy"):
        TileDriver(busy)
    with pytest.raises(RuntimeError, match="AtomC"):
        TileDriver(TileBench(TileConfig(atom_c=16, atom_k=16)))


def test_other_atoms(rng):
    cfg = TileConfig(atom_c=16, atom_k=16)
    dev = TileBench(cfg)
    x, w = int8(rng, (1, 20, 5, 5)), int8(rng, (18, 20, 3, 3))
    y, counters = TileDriver(dev, cfg).conv2d(x, w, padding=1, out_shift=7)
    np.testing.assert_array_equal(y, ref_conv(x, w, padding=1, out_shift=7))
    assert counters["mac_utilization"] == pytest.approx(
        counters["macs"] / (256 * counters["layer_cycles"]))


def test_timeout(rng):
    dev = TileBench(hang=True)
    drv = TileDriver(dev, max_cycles=1000)
    with pytest.raises(TimeoutError, match="not done after 1000 cycles"):
        drv.pool2d(int8(rng, (1, 8, 4, 4)), 2)
