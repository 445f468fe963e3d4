# amaranth: UnusedElaboratable=no
"""The convolution core (rtl/tile/conv.py: CDMA -> CBUF -> CSC -> CMAC -> CACC -> output buffer)
on Amaranth's simulator against sim/tile_ref.py conv2d + cacc_truncate, with a stalling
memory model and a stalling consumer. Small versions of NVDLA's trace-test names."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.config import TileConfig
from simtlab.rtl.tile.conv import Conv, conv_config
from simtlab.sim.tile_layout import pack_feature, pack_weights
from simtlab.sim.tile_ref import cacc_truncate, conv2d
from simtlab.spec.tile_limits import ConvShape, conv_fits

from .test_cdma import MemoryModel, place

SMALL = TileConfig(cbuf_banks=4, cbuf_bank_bytes=1024)      # 4 x 128 entries: fast to simulate


def expected_atoms(y, atom_k):
    """(K, Ho, Wo) int32 -> output atoms in stream order (group -> row -> column)."""
    k, ho, wo = y.shape
    groups = -(-k // atom_k)
    padded = np.zeros((groups * atom_k, ho, wo), dtype=np.int64)
    padded[:k] = y
    return padded.reshape(groups, atom_k, ho * wo).transpose(0, 2, 1).reshape(-1, atom_k)


def run_layer(rng, shape, *, tile=SMALL, pad_value=0, clip=0, mem_stall=0.3, out_stall=0.3,
              latency=(2, 8), feature_addr=0x108, line_pad=0):
    """Runs one layer; returns (got atoms, expected atoms, perf dict, saturations expected)."""
    s = shape
    a = tile.atom_c
    x = rng.integers(-128, 128, size=(s.channels, s.height, s.width))
    w = rng.integers(-128, 128, size=(s.kernels, s.channels, s.kernel_h, s.kernel_w))
    line = s.width * a + line_pad
    surf = s.height * line
    feat = pack_feature(x, atom_c=a, line_stride=line, surf_stride=surf)
    blob = pack_weights(w, atom_c=a, atom_k=tile.atom_k)
    weight_addr = (feature_addr + feat.size + 0x1FF) & ~0xFF
    image = np.zeros(weight_addr + blob.size + 64, dtype=np.uint8)
    place(image, feature_addr, feat)
    place(image, weight_addr, blob)
    config = conv_config(s, tile, feature_addr=feature_addr, weight_addr=weight_addr,
                         line_stride=line, surf_stride=surf, pad_value=pad_value,
                         clip_truncate=clip)
    acc = conv2d(x, w, stride=s.stride, padding=s.padding, pad_value=pad_value,
                 dilation=s.dilation)
    y, sats = cacc_truncate(acc, clip)
    want = expected_atoms(y, tile.atom_k)

    dut = Conv(tile=tile)
    mem = MemoryModel(dut.dma, image, rng, stall=mem_stall, latency=latency)
    got, perf = [], {}
    limit = 20 * (len(want) * s.kernel_h * s.kernel_w * (-(-s.channels // a)) + image.size) + 2000

    async def bench(ctx):
        ctx.set(dut.cfg, config)
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        cycles = 1
        while not ctx.get(dut.done):
            await ctx.tick()
            cycles += 1
            assert cycles < limit, f"no done after {cycles} cycles ({len(got)} atoms out)"
        await ctx.tick()
        for name in ("perf_cycles", "perf_load_cycles", "perf_mac_cycles", "perf_stall_cycles",
                     "perf_dma_stall_cycles", "perf_dma_bytes", "sat_count"):
            perf[name] = ctx.get(getattr(dut, name))
        perf["bench_cycles"] = cycles

    async def consumer(ctx):
        while True:
            ready = rng.random() >= out_stall
            ctx.set(dut.o.ready, ready)
            valid, payload = ctx.get(dut.o.valid), ctx.get(dut.o.p)
            await ctx.tick()
            if ready and valid:
                got.append([int(v) for v in payload])

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.add_testbench(mem.run, background=True)
    sim.add_testbench(consumer, background=True)
    sim.run()
    return np.array(got, dtype=np.int64).reshape(-1, tile.atom_k), want, perf, sats


def check(got, want, perf, sats):
    assert got.shape == want.shape, f"{got.shape[0]} atoms out, {want.shape[0]} expected"
    bad = np.nonzero((got != want).any(axis=1))[0]
    assert not bad.size, (f"{bad.size} atoms differ, first at {bad[0]}: got {got[bad[0]]}, "
                          f"want {want[bad[0]]}")
    assert perf["sat_count"] == sats


LAYERS = {
    # NVDLA names: dims W x H x C, kernels S x R x C x K (reduced where the original is big).
    "dc_1x1x8_1x1x8x1": (ConvShape(8, 1, 1, 1, 1, 1), 0, 0),
    "dc_8x8x32_1x1x32x32_reduced_4x4": (ConvShape(32, 4, 4, 32, 1, 1), 0, 0),
    "dc_7x6x11_3x3x11x5_s2_pad1": (ConvShape(11, 6, 7, 5, 3, 3, stride=(2, 2),
                                             padding=(1, 1, 1, 1)), -3, 0),
    "dc_5x4x13_2x3x13x13_pad_clip4": (ConvShape(13, 4, 5, 13, 3, 2, stride=(1, 2),
                                                padding=(2, 1, 0, 1)), 5, 4),
    "dc_6x6x8_3x3x8x8_dilation2": (ConvShape(8, 6, 6, 8, 3, 3, dilation=(2, 2),
                                             padding=(1, 1, 1, 1)), 0, 2),
}


@pytest.mark.parametrize("name", LAYERS)
def test_conv_layer(rng, name):
    shape, pad_value, clip = LAYERS[name]
    got, want, perf, sats = run_layer(rng, shape, pad_value=pad_value, clip=clip)
    print(f"{name}: {perf}")
    check(got, want, perf, sats)



def test_conv_backpressure_never_drops(rng):
    """A 1x1 layer (one pass per stripe: results as fast as atoms) into a consumer that takes an
    atom one cycle in five: the array waits for credits, every atom arrives once, in order."""
    shape = ConvShape(8, 6, 8, 16, 1, 1)
    got, want, perf, sats = run_layer(rng, shape, out_stall=0.8, clip=3)
    check(got, want, perf, sats)
    assert perf["perf_stall_cycles"] > 2 * TileConfig().atom_k      # it did wait for credits


def test_conv_utilization(rng):
    """nv_small geometry, an aligned 3x3 layer (C = 16, K = 16, 48 output pixels = 3 full
    stripes): the MAC array is busy every cycle but the first weight load and the wait for the
    first lines, as the load overlaps the computation (before the overlap: 2134 layer cycles,
    81.0%)."""
    tile = TileConfig()
    shape = ConvShape(16, 6, 8, 16, 3, 3, padding=(1, 1, 1, 1))
    got, want, perf, sats = run_layer(rng, shape, tile=tile, mem_stall=0, out_stall=0)
    check(got, want, perf, sats)
    cg, groups, pixels = 2, 2, 48
    macs = groups * cg * 9 * pixels
    assert perf["perf_mac_cycles"] == macs
    print(f"\nutilization: {macs} MAC cycles / {perf['perf_cycles']} layer cycles (load "
          f"{perf['perf_load_cycles']}, CSC stalls {perf['perf_stall_cycles']}) = "
          f"{macs / perf['perf_cycles']:.3f}")
    assert perf["perf_load_cycles"] < perf["perf_cycles"] - macs // 2     # overlapped
    assert macs / perf["perf_cycles"] > 0.95


def test_conv_waits_for_slow_load(rng):
    """CSC runs while CDMA loads: with memory taking a request one cycle in ten, CSC must wait
    for feature lines (three surfaces, padding, stride, dilation) and weights, and the results
    stay exact; the layer ends after CDMA has finished."""
    shape = ConvShape(20, 7, 6, 11, 3, 2, stride=(2, 1), padding=(1, 2, 1, 0),
                      dilation=(1, 2))
    got, want, perf, sats = run_layer(rng, shape, pad_value=-5, clip=1, mem_stall=0.9,
                                      latency=(5, 20))
    check(got, want, perf, sats)
    assert perf["perf_stall_cycles"] > perf["perf_load_cycles"] // 2     # it did wait
    assert perf["perf_load_cycles"] < perf["perf_cycles"]


def test_conv_other_atoms_and_stripe(rng):
    """AtomC 16 (4 atoms per memory block), AtomK 4, stripes of 5 (< AtomK + 1 + ...)."""
    tile = TileConfig(atom_c=16, atom_k=4, cbuf_banks=4, cbuf_bank_bytes=1024, stripe=5)
    shape = ConvShape(20, 4, 5, 6, 2, 3, stride=(1, 2), padding=(1, 0, 1, 1))
    got, want, perf, sats = run_layer(rng, shape, tile=tile, pad_value=4, clip=2,
                                      feature_addr=0x130)
    check(got, want, perf, sats)


def test_conv_fits_rules():
    tile = TileConfig()                                             # 32 banks x 512 entries
    assert conv_fits(ConvShape(8, 1, 1, 1, 1, 1), tile) == (1, 1)
    # 64 x 64 x 32: 4 surfaces x 4096 atoms = 32 banks of features alone
    with pytest.raises(ValueError, match=r"needs 32 data \+ 1 weight CBUF banks, more than the 32"):
        conv_fits(ConvShape(32, 64, 64, 8, 1, 1), tile)
    with pytest.raises(ValueError, match=r"the weights need 4608 CBUF entries \(9 banks of 512\); "
                                         r"2 weight banks given"):
        conv_fits(ConvShape(64, 8, 8, 64, 3, 3), tile, weight_banks=2)
    with pytest.raises(ValueError, match=r"stride x 9 is outside 1-8"):
        conv_fits(ConvShape(8, 8, 8, 8, 1, 1, stride=(1, 9)), tile)
    with pytest.raises(ValueError, match=r"left padding 32 is outside 0-31"):
        conv_fits(ConvShape(8, 8, 8, 8, 1, 1, padding=(0, 0, 32, 0)), tile)
    with pytest.raises(ValueError, match=r"the kernel does not fit the padded input"):
        conv_fits(ConvShape(8, 2, 2, 8, 3, 3), tile)
    with pytest.raises(ValueError, match=r"exceeds 2\*\*19"):
        conv_fits(ConvShape(8192, 32, 32, 1, 32, 32), tile)


def test_conv_converts_to_rtlil():
    from amaranth.back import rtlil
    dut = Conv(tile=SMALL)
    assert "module" in rtlil.convert(dut)
