"""The tile in the SoC, on the Verilator model: NVDLA-named layers through the host driver,
ping-pong sequences, and the co-design flow (a SIMT kernel programs a layer through MMIO, waits for
its interrupt, then post-processes the output on the warps). Every result is compared bit for bit
with simtlab.sim.tile_ref. One model build (the "tile" preset: 4 warps x 4 threads + tile)."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.drivers.codesign import codesign
from simtlab.drivers.tile import TileDriver, read_trace
from simtlab.errors import TileFault
from simtlab.sim import tile_ref as ref
from simtlab.spec.memory import MemoryMap
from simtlab.tb.drivers.test_tile_driver import DC, int8, ref_conv

SEED = 20261122


@pytest.fixture
def device():
    """A fresh device per test (the model is built once and cached; a new one loads in ~0.2 s): each
    test starts from the tile's reset state (register groups, consumers), whatever ran before."""
    with Device("tile") as dev:
        yield dev


@pytest.fixture
def rng():
    return np.random.default_rng(SEED)


# NVDLA trace names (W x H x C, kernels S x R x C x K); the driver tests cover the same list on the
# functional tile model (TileBench), these run the RTL.
RTL_DC = dict(DC)
RTL_DC["dc_8x16x128_3x3x128x32"] = ((1, 128, 16, 8), (32, 128, 3, 3), dict(out_shift=9))


@pytest.mark.parametrize("name", RTL_DC)
def test_conv_layers(device, rng, name):
    xs, ws, kw = RTL_DC[name]
    x, w = int8(rng, xs), int8(rng, ws)
    y, counters = TileDriver(device).conv2d(x, w, **kw)
    np.testing.assert_array_equal(y, ref_conv(x, w, **kw), err_msg=f"{name} (seed {SEED})")
    k, c, r, s = ws
    assert counters["macs"] == k * c * r * s * y.shape[2] * y.shape[3]
    assert 0 < counters["mac_utilization"] <= 1


def test_conv_relu_pool_fused(device, rng):
    x, w = int8(rng, (1, 11, 9, 10)), int8(rng, (13, 11, 3, 3))
    pool = dict(kernel=2, stride=2, mode="max")
    drv = TileDriver(device)
    y, _ = drv.conv2d(x, w, padding=1, relu=True, out_shift=7, pool=pool)
    np.testing.assert_array_equal(y, ref_conv(x, w, padding=1, relu=True, out_shift=7, pool=pool))
    # Every unit ended its layer: a second layer can follow on the same tile.
    y, _ = drv.conv2d(x, w, padding=1, out_shift=7)
    np.testing.assert_array_equal(y, ref_conv(x, w, padding=1, out_shift=7))


def test_conv_bias_relu_pool_fused(device, rng):
    x, w = int8(rng, (1, 11, 9, 10)), int8(rng, (13, 11, 3, 3))
    bias = rng.integers(-30000, 30000, size=13) * 4
    pool = dict(kernel=2, stride=2, mode="max")
    drv = TileDriver(device)
    y, _ = drv.conv2d(x, w, bias, padding=1, relu=True, out_shift=7, pool=pool)
    np.testing.assert_array_equal(y, ref_conv(x, w, bias, padding=1, relu=True, out_shift=7,
                                              pool=pool))
    y, _ = drv.conv2d(x, w, padding=1, out_shift=7)
    np.testing.assert_array_equal(y, ref_conv(x, w, padding=1, out_shift=7))


@pytest.mark.parametrize("name, shape, kernel, stride, padding, mode", [
    ("pdp_28x28x8_2x2_max", (1, 8, 28, 28), 2, 2, 0, "max"),
    ("pdp_12x9x19_8x3_ave", (1, 19, 9, 12), (3, 8), (3, 4), 0, "avg"),
    ("pdp_8x8x64_2x2_min", (1, 64, 8, 8), 2, 2, 0, "min"),
])
def test_pool_layers(device, rng, name, shape, kernel, stride, padding, mode):
    x = int8(rng, shape)
    y, _ = TileDriver(device).pool2d(x, kernel, stride, padding, mode)
    want, _ = ref.pool2d(x, mode, kernel=kernel, stride=stride, padding=padding)
    np.testing.assert_array_equal(y, want, err_msg=f"{name} (seed {SEED})")


def test_sdp_3x3x33_bs(device, rng):
    x = int8(rng, (1, 33, 3, 3))
    y, counters = TileDriver(device).sdp(x, bias=-1234, bias_shift=3, scale=-517, scale_shift=12,
                                         out_offset=17, out_scale=3, out_shift=1)
    want, stats = ref.sdp_x1(x, alu=-1234, alu_shift=3, mul=-517, mul_shift=12, cvt_offset=17,
                             cvt_scale=3, cvt_shift=1)
    np.testing.assert_array_equal(y, want)
    assert counters["saturations"] == stats["out_sat"] > 0


def test_pingpong_sequence(device, rng):
    layers, want = [], []
    for n in range(3):
        x, w = int8(rng, (1, 8 + 3 * n, 5, 4)), int8(rng, (5 + n, 8 + 3 * n, 3, 3))
        layers.append(dict(op="conv2d", x=x, w=w, padding=1, relu=n % 2 == 1, out_shift=5))
        want.append(ref_conv(x, w, padding=1, relu=n % 2 == 1, out_shift=5))
    results = TileDriver(device).run_sequence(layers)
    for (y, _), expect in zip(results, want):
        np.testing.assert_array_equal(y, expect)


def test_codesign_kernel_drives_the_tile(device, rng):
    numbers = codesign(device, rng)
    assert numbers["kernel_cycles"] > numbers["tile_layer_cycles"] + numbers["residual_cycles"]
    assert numbers["tile_layer_cycles"] < numbers["simt_conv_cycles"]


def test_dma_outside_memory_is_reported_with_its_unit(device, rng):
    """A pooling layer whose source address is outside memory: the tile ends the layer and the
    host gets a TileFault naming PDP_RDMA and the address (nothing hangs)."""
    x = int8(rng, (1, 8, 4, 4))
    trace = []
    TileDriver(device, trace=trace).pool2d(x, 2, 2, 0, "max")
    steps = read_trace(trace)
    bad = MemoryMap.HEAP_BASE + MemoryMap.HEAP_SIZE + 0x1000     # past the heap: unmapped
    assert device.config.region_of(bad) is None
    with Device("tile") as fresh:           # the same register groups as the recorded layer
        for step in steps[:steps.index(("wait",))]:
            if step[0] == "write":
                _, name, offset, value = step
                fresh.tile_write(offset, bad if name == "PDP_RDMA.D_SRC_BASE_ADDR_LOW" else value)
        with pytest.raises(TileFault, match="PDP_RDMA") as caught:
            fresh.tile_run(200_000)
    assert caught.value.unit == "PDP_RDMA" and caught.value.addr >= bad
