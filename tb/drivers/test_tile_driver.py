"""The tile's layer driver (drivers/tile.py) against a pure-Python fake tile.

``FakeTile`` has the device interface the driver needs (``tile_write``/``tile_read``/``tile_run``,
``alloc``/``write``/``read``): registers from the one table with NVDLA's ping-pong groups (producer
and consumer pointers, dropped writes to enabled groups, hardware-cleared ``D_OP_ENABLE``), GLB
interrupts, and a functional model that runs an enabled layer with ``tile_ref`` when ``tile_run``
is called. It is strict: a layer whose register groups disagree (sizes, strides, alignment, CBUF
fit, enable order) fails an assertion, so the driver's register sequences are checked here before
the RTL exists. Shapes carry NVDLA's trace-test names (docs/tile.md).
"""

import re

import numpy as np
import pytest

from simtlab.config import TileConfig
from simtlab.drivers import regs
from simtlab.sim import tile_layout as lay
from simtlab.sim import tile_ref as ref
from simtlab.drivers.device import Buffer
from simtlab.drivers.tile import TileDriver, read_trace
from simtlab.spec import tile_regs
from simtlab.spec.memory import MemoryMap
from simtlab.spec.tile_limits import PDP_MAX_WIDTH
from simtlab.spec.tile_limits import ConvShape, conv_fits

CONV_UNITS = ("CDMA", "CSC", "CMAC_A", "CMAC_B", "CACC")
GLB_SOURCES = {"SDP": ("SDP",), "PDP": ("PDP",), "CDMA": ("CDMA_DAT", "CDMA_WT"), "CACC": ("CACC",)}


class FakeTile:
    """A functional model of the tile behind the driver's device interface (see module doc)."""

    def __init__(self, config=TileConfig(), mem_bytes=1 << 22, *, hang=False):
        self.config = config
        self.base = MemoryMap.HEAP_BASE
        self.mem = np.zeros(mem_bytes, dtype=np.uint8)
        self.heap = self.base
        self.hang = hang
        self.units = {u.name: u for u in tile_regs.UNITS}
        self.groups = {u.name: [{}, {}] for u in tile_regs.UNITS if u.pingpong}
        self.producer = {u: 0 for u in self.groups}
        self.consumer = {u: 0 for u in self.groups}
        self.counters = {u: {} for u in self.groups}
        self.intr_status = 0
        self.intr_mask = 0
        self.dropped = 0
        self.log = []               # (kind, name, value): every register access and run
        self.enable_seq = {}        # (unit, group) -> sequence number of its enable
        self.seq = 0
        self.layers_run = []

    # -- memory --------------------------------------------------------------------------------
    def alloc(self, nbytes, dtype=np.uint8, shape=None):
        addr = self.heap
        self.heap = (addr + max(int(nbytes), 1) + 63) // 64 * 64
        assert self.heap - self.base <= self.mem.size, "fake device memory exhausted"
        return Buffer(addr, int(nbytes), np.dtype(dtype), shape or (int(nbytes),))

    def write(self, addr, data):
        data = np.frombuffer(bytes(data), dtype=np.uint8)
        off = addr - self.base
        assert 0 <= off and off + data.size <= self.mem.size, f"write outside memory 0x{addr:x}"
        self.mem[off:off + data.size] = data

    def read(self, addr, nbytes):
        off = addr - self.base
        assert 0 <= off and off + nbytes <= self.mem.size, f"read outside memory 0x{addr:x}"
        return self.mem[off:off + nbytes].tobytes()

    # -- registers -----------------------------------------------------------------------------
    def _decode(self, offset):
        for u in tile_regs.UNITS:
            if u.base <= offset < u.base + tile_regs.UNIT_SPACE:
                for r in u.registers:
                    if u.base + r.offset == offset:
                        return u, r
        raise AssertionError(f"access to 0x{offset:04x}, which is no register of the table")

    def op_en(self, unit, group):
        return self.groups[unit][group].get("D_OP_ENABLE", 0) & 1

    def tile_write(self, offset, value):
        assert isinstance(value, int) and 0 <= value < 1 << 32, value
        u, r = self._decode(offset)
        name = f"{u.name}.{r.name}"
        self.log.append(("write", name, value))
        if u.name == "GLB":
            if r.name == "INTR_MASK":
                self.intr_mask = value
            elif r.name == "INTR_SET":
                self.intr_status |= value
            elif r.name == "INTR_STATUS":
                self.intr_status &= ~value
            return
        if not u.pingpong:
            return
        if r.name == "S_POINTER":
            self.producer[u.name] = value & 1
            return
        if not r.group:
            return
        g = self.producer[u.name]
        if self.op_en(u.name, g):
            self.dropped += 1
            return
        keep = sum(f.mask for f in r.fields if f.access in ("rw", "rwhc"))
        self.groups[u.name][g][r.name] = value & keep
        if r.name == "D_OP_ENABLE" and value & 1:
            self.seq += 1
            self.enable_seq[u.name, g] = self.seq

    def tile_read(self, offset):
        u, r = self._decode(offset)
        name = f"{u.name}.{r.name}"
        value = self._read(u, r)
        self.log.append(("read", name, value))
        return value

    def _read(self, u, r):
        if u.name == "GLB":
            return {"INTR_MASK": self.intr_mask, "INTR_STATUS": self.intr_status,
                    "INTR_SET": 0}.get(r.name, r.reset)
        if u.name == "CFGROM":
            c = self.config
            return {"HW_ID": r.reset,
                    "MAC_ATOMS": regs.pack("CFGROM.MAC_ATOMS", ATOMIC_C=c.atom_c,
                                           ATOMIC_K=c.atom_k),
                    "CBUF_SHAPE": regs.pack("CFGROM.CBUF_SHAPE", BANK_NUM=c.cbuf_banks,
                                            BANK_WIDTH=c.atom_c,
                                            BANK_DEPTH=c.cbuf_bank_bytes // c.atom_c)}[r.name]
        if r.name == "S_STATUS":
            states = []
            for g in (0, 1):
                states.append(0 if not self.op_en(u.name, g) else
                              1 if self.consumer[u.name] == g else 2)
            return states[0] | states[1] << 16
        if r.name == "S_POINTER":
            return self.producer[u.name] | self.consumer[u.name] << 16
        if not r.group:
            return r.reset
        value = self.groups[u.name][self.producer[u.name]].get(r.name, r.reset)
        for f in r.fields:
            if f.access == "ro":
                value |= (self.counters[u.name].get(f.name, 0) << f.lsb) & f.mask
        return value

    def fields(self, unit, group=None):
        """Every group field of a unit's (consumer) group: field name -> value."""
        g = self.consumer[unit] if group is None else group
        out = {}
        for r in self.units[unit].registers:
            if r.group:
                out.update(regs.unpack(f"{unit}.{r.name}",
                                       self.groups[unit][g].get(r.name, r.reset)))
        return out

    # -- running -------------------------------------------------------------------------------
    def irq(self):
        return bool(self.intr_status & ~self.intr_mask)

    def _enabled(self, unit):
        return self.op_en(unit, self.consumer[unit])

    def _runnable(self):
        found = []
        if self._enabled("CDMA"):
            found.append((self.enable_seq["CDMA", self.consumer["CDMA"]], "conv"))
        sdp = self.fields("SDP")
        if self._enabled("SDP") and sdp["FLYING_MODE"] == 1 and self._enabled("SDP_RDMA"):
            found.append((self.enable_seq["SDP_RDMA", self.consumer["SDP_RDMA"]], "sdp"))
        pdp = self.fields("PDP")
        if self._enabled("PDP") and pdp["FLYING_MODE"] == 1 and self._enabled("PDP_RDMA"):
            found.append((self.enable_seq["PDP_RDMA", self.consumer["PDP_RDMA"]], "pdp"))
        return min(found)[1] if found else None

    def tile_run(self, max_cycles):
        self.log.append(("run", "", max_cycles))
        cycles = 0
        while not self.irq():
            kind = None if self.hang else self._runnable()
            if kind is None:
                return max_cycles
            cycles += {"conv": self._conv, "sdp": self._sdp_mem, "pdp": self._pdp_mem}[kind]()
        return cycles

    def _finish(self, units):
        for unit in units:
            g = self.consumer[unit]
            assert self.op_en(unit, g), f"{unit} group {g} finishes a layer it was not enabled for"
            self.groups[unit][g]["D_OP_ENABLE"] = 0
            self.consumer[unit] ^= 1
            for src in GLB_SOURCES.get(unit, ()):
                self.intr_status |= regs.register("GLB.INTR_STATUS").field(
                    f"{src}_DONE_STATUS{g}").mask

    def _feature(self, addr, c, h, w, line, surf):
        a = self.config.atom_c
        assert addr % a == 0 and line % a == 0 and surf % a == 0, "feature not atom aligned"
        n = lay.feature_bytes(c, h, w, atom_c=a, line_stride=line, surf_stride=surf)
        return lay.unpack_feature(np.frombuffer(self.read(addr, n), np.uint8), c, h, w, atom_c=a,
                                  line_stride=line, surf_stride=surf)

    def _store(self, addr, y, line, surf):
        a = self.config.atom_c
        assert addr % a == 0, "output not atom aligned"
        self.write(addr, lay.pack_feature(y, atom_c=a, line_stride=line, surf_stride=surf))

    def _sdp(self, y32, sdp, channels):
        """SDP X1 + converter from the SDP registers (and SDP_RDMA for per-channel operands)."""
        bypass = sdp["BS_BYPASS"]
        params = {}

        def operand(kind):
            if not sdp[f"BS_{kind}_SRC"]:
                return sdp[f"BS_{kind}_OPERAND"]
            assert self._enabled("SDP_RDMA"), "per-channel operand without SDP_RDMA enabled"
            rd = self.fields("SDP_RDMA")
            assert rd["BRDMA_DISABLE"] == 0 and rd["BRDMA_DATA_SIZE"] == 1
            assert rd["BRDMA_DATA_USE"] == {"ALU": 1, "MUL": 0}[kind]
            addr = rd["BS_BASE_ADDR_LOW"]
            return np.frombuffer(self.read(addr, 2 * channels), "<i2").astype(np.int64)

        if not bypass and not sdp["BS_ALU_BYPASS"]:
            params.update(alu=operand("ALU"), alu_shift=sdp["BS_ALU_SHIFT_VALUE"],
                          alu_algo={0: "max", 1: "min"}.get(sdp["BS_ALU_ALGO"], "sum"))
        if not bypass and not sdp["BS_MUL_BYPASS"]:
            params.update(mul=operand("MUL"), mul_shift=sdp["BS_MUL_SHIFT_VALUE"],
                          prelu=bool(sdp["BS_MUL_PRELU"]))
        params["relu"] = not bypass and not sdp["BS_RELU_BYPASS"]
        assert sdp["BN_BYPASS"] == 1, "X2 must stay bypassed"
        y, stats = ref.sdp_x1(y32, cvt_offset=sdp["CVT_OFFSET"], cvt_scale=sdp["CVT_SCALE"],
                              cvt_shift=sdp["CVT_SHIFT"], **params)
        self.counters["SDP"]["OUT_SATURATION"] = stats["out_sat"]
        return y

    def _pool(self, x, pdp):
        c, h, w = x.shape
        assert (pdp["CUBE_IN_CHANNEL"] + 1, pdp["CUBE_IN_HEIGHT"] + 1,
                pdp["CUBE_IN_WIDTH"] + 1) == (c, h, w), "PDP input cube size"
        kw, kh = pdp["KERNEL_WIDTH"] + 1, pdp["KERNEL_HEIGHT"] + 1
        sx, sy = pdp["KERNEL_STRIDE_WIDTH"] + 1, pdp["KERNEL_STRIDE_HEIGHT"] + 1
        pads = (pdp["PAD_TOP"], pdp["PAD_BOTTOM"], pdp["PAD_LEFT"], pdp["PAD_RIGHT"])
        pv = pdp["PAD_VALUE_1X"]
        for n in range(2, 8):
            assert pdp[f"PAD_VALUE_{n}X"] == n * pv, "PAD_VALUE_nX must be n x PAD_VALUE_1X"
        assert pdp["RECIP_KERNEL_WIDTH"] == ref.pool_recip(kw)
        assert pdp["RECIP_KERNEL_HEIGHT"] == ref.pool_recip(kh)
        method = {0: "avg", 1: "max", 2: "min"}[pdp["POOLING_METHOD"]]
        y, _ = ref.pool2d(x, method, kernel=(kh, kw), stride=(sy, sx), padding=pads, pad_value=pv)
        assert (pdp["CUBE_OUT_CHANNEL"] + 1, pdp["CUBE_OUT_HEIGHT"] + 1,
                pdp["CUBE_OUT_WIDTH"] + 1) == y.shape, "PDP output cube size"
        assert y.shape[2] <= PDP_MAX_WIDTH
        self._store(pdp["DST_BASE_ADDR_LOW"], y, pdp["DST_LINE_STRIDE"], pdp["DST_SURFACE_STRIDE"])
        self.counters["PDP"]["LAYER_CYCLES"] = x.size
        return y

    def _conv(self):
        cfg, a = self.config, self.config.atom_c
        for unit in CONV_UNITS + ("SDP",):
            assert self._enabled(unit), f"CDMA enabled before {unit}: NVDLA's order is " \
                                        f"SDP -> CACC -> CMAC -> CSC -> CDMA"
        cdma, csc, cacc = self.fields("CDMA"), self.fields("CSC"), self.fields("CACC")
        sdp = self.fields("SDP")
        for unit in ("CMAC_A", "CMAC_B"):
            f = self.fields(unit)
            assert (f["CONV_MODE"], f["PROC_PRECISION"]) == (0, 0)
        c, h, w = (cdma["DATAIN_CHANNEL"] + 1, cdma["DATAIN_HEIGHT"] + 1,
                   cdma["DATAIN_WIDTH"] + 1)
        assert (csc["DATAIN_CHANNEL_EXT"] + 1, csc["DATAIN_HEIGHT_EXT"] + 1,
                csc["DATAIN_WIDTH_EXT"] + 1) == (c, h, w), "CSC and CDMA input sizes differ"
        k = csc["WEIGHT_KERNEL"] + 1
        r, s = csc["WEIGHT_HEIGHT_EXT"] + 1, csc["WEIGHT_WIDTH_EXT"] + 1
        assert csc["WEIGHT_CHANNEL_EXT"] + 1 == c and cdma["WEIGHT_KERNEL"] + 1 == k
        sy, sx = csc["CONV_Y_STRIDE_EXT"] + 1, csc["CONV_X_STRIDE_EXT"] + 1
        assert (cdma["CONV_Y_STRIDE"] + 1, cdma["CONV_X_STRIDE"] + 1) == (sy, sx)
        dy, dx = csc["Y_DILATION_EXT"] + 1, csc["X_DILATION_EXT"] + 1
        pads = (cdma["PAD_TOP"], cdma["PAD_BOTTOM"], cdma["PAD_LEFT"], cdma["PAD_RIGHT"])
        assert (csc["PAD_TOP"], csc["PAD_LEFT"]) == (pads[0], pads[2])
        assert csc["PAD_VALUE"] == cdma["PAD_VALUE"]
        shape = ConvShape(c, h, w, k, r, s, stride=(sy, sx), padding=pads, dilation=(dy, dx))
        ho, wo = shape.out_height, shape.out_width
        assert (csc["DATAOUT_WIDTH"] + 1, csc["DATAOUT_HEIGHT"] + 1,
                csc["DATAOUT_CHANNEL"] + 1) == (wo, ho, k), "CSC output size"
        assert csc["ATOMICS"] + 1 == wo * ho
        assert (cacc["DATAOUT_WIDTH"] + 1, cacc["DATAOUT_HEIGHT"] + 1,
                cacc["DATAOUT_CHANNEL"] + 1) == (wo, ho, k), "CACC output size"
        assert (sdp["WIDTH"] + 1, sdp["HEIGHT"] + 1, sdp["CHANNEL"] + 1) == (wo, ho, k), \
            "SDP cube size"
        assert sdp["FLYING_MODE"] == 0, "conv feeds SDP on the fly"
        wbytes = lay.weight_bytes(k, c, r, s, atom_c=a)
        assert cdma["WEIGHT_BYTES"] == csc["WEIGHT_BYTES"] == wbytes
        assert cdma["BYTE_PER_KERNEL"] + 1 == r * s * -(-c // a) * a
        assert cdma["WEIGHT_ADDR_LOW"] % 256 == 0, "weights 256 B aligned"
        banks = (cdma["DATA_BANK"] + 1, cdma["WEIGHT_BANK"] + 1)
        assert (csc["DATA_BANK"], csc["WEIGHT_BANK"]) == (cdma["DATA_BANK"], cdma["WEIGHT_BANK"])
        conv_fits(shape, cfg, data_banks=banks[0], weight_banks=banks[1])
        x = self._feature(cdma["DAIN_ADDR_LOW_0"], c, h, w, cdma["LINE_STRIDE"],
                          cdma["SURF_STRIDE"])
        wt = lay.unpack_weights(np.frombuffer(self.read(cdma["WEIGHT_ADDR_LOW"], wbytes), np.uint8),
                                k, c, r, s, atom_c=a, atom_k=cfg.atom_k)
        acc = ref.conv2d(x, wt, stride=(sy, sx), padding=pads, pad_value=cdma["PAD_VALUE"],
                         dilation=(dy, dx))
        y32, csat = ref.cacc_truncate(acc, cacc["CLIP_TRUNCATE"])
        y = self._sdp(y32, sdp, k)
        units = list(CONV_UNITS) + ["SDP"]
        if self._enabled("SDP_RDMA") and self.fields("SDP_RDMA")["BRDMA_DISABLE"] == 0:
            units.append("SDP_RDMA")
        if sdp["OUTPUT_DST"] == 1:
            assert self._enabled("PDP") and self.fields("PDP")["FLYING_MODE"] == 0
            self._pool(y, self.fields("PDP"))
            units.append("PDP")
        else:
            self._store(sdp["DST_BASE_ADDR_LOW"], y, sdp["DST_LINE_STRIDE"],
                        sdp["DST_SURFACE_STRIDE"])
        macs = -(-c // a) * r * s * ho * wo * -(-k // cfg.atom_k)
        cycles = -(-c // a) * h * w + wbytes // a + macs + 20
        self.counters["CDMA"]["LAYER_CYCLES"] = cycles
        self.counters["CMAC_A"]["MAC_CYCLES"] = macs
        self.counters["CACC"]["SAT_COUNT"] = csat
        self.layers_run.append(("conv", shape))
        self._finish(units)
        return cycles

    def _pdp_mem(self):
        pdp, rd = self.fields("PDP"), self.fields("PDP_RDMA")
        size = (pdp["CUBE_IN_CHANNEL"] + 1, pdp["CUBE_IN_HEIGHT"] + 1, pdp["CUBE_IN_WIDTH"] + 1)
        assert (rd["CUBE_IN_CHANNEL"] + 1, rd["CUBE_IN_HEIGHT"] + 1,
                rd["CUBE_IN_WIDTH"] + 1) == size, "PDP_RDMA and PDP input sizes differ"
        assert rd["SRC_BASE_ADDR_LOW"] == pdp["SRC_BASE_ADDR_LOW"]
        assert rd["KERNEL_WIDTH"] == pdp["KERNEL_WIDTH"]
        x = self._feature(rd["SRC_BASE_ADDR_LOW"], *size, rd["SRC_LINE_STRIDE"],
                          rd["SRC_SURFACE_STRIDE"])
        self._pool(x, pdp)
        self.layers_run.append(("pdp", size))
        self._finish(["PDP", "PDP_RDMA"])
        return x.size

    def _sdp_mem(self):
        sdp, rd = self.fields("SDP"), self.fields("SDP_RDMA")
        size = (sdp["CHANNEL"] + 1, sdp["HEIGHT"] + 1, sdp["WIDTH"] + 1)
        assert (rd["CHANNEL"] + 1, rd["HEIGHT"] + 1, rd["WIDTH"] + 1) == size
        x = self._feature(rd["SRC_BASE_ADDR_LOW"], *size, rd["SRC_LINE_STRIDE"],
                          rd["SRC_SURFACE_STRIDE"])
        y = self._sdp(x.astype(np.int64), sdp, size[0])
        self._store(sdp["DST_BASE_ADDR_LOW"], y, sdp["DST_LINE_STRIDE"], sdp["DST_SURFACE_STRIDE"])
        self.layers_run.append(("sdp", size))
        self._finish(["SDP", "SDP_RDMA"])
        return x.size


# ------------------------------------------------------------------------------------------------

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
    return FakeTile()


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
    fresh = FakeTile()
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
        TileDriver(FakeTile(), config="nv_small")
    busy = FakeTile()
    busy.groups["PDP"][0]["D_OP_ENABLE"] = 1
    with pytest.raises(RuntimeError, match="busy"):
        TileDriver(busy)
    with pytest.raises(RuntimeError, match="AtomC"):
        TileDriver(FakeTile(TileConfig(atom_c=16, atom_k=16)))


def test_other_atoms(rng):
    cfg = TileConfig(atom_c=16, atom_k=16)
    dev = FakeTile(cfg)
    x, w = int8(rng, (1, 20, 5, 5)), int8(rng, (18, 20, 3, 3))
    y, counters = TileDriver(dev, cfg).conv2d(x, w, padding=1, out_shift=7)
    np.testing.assert_array_equal(y, ref_conv(x, w, padding=1, out_shift=7))
    assert counters["mac_utilization"] == pytest.approx(
        counters["macs"] / (256 * counters["layer_cycles"]))


def test_timeout(rng):
    dev = FakeTile(hang=True)
    drv = TileDriver(dev, max_cycles=1000)
    with pytest.raises(TimeoutError, match="not done after 1000 cycles"):
        drv.pool2d(int8(rng, (1, 8, 4, 4)), 2)
