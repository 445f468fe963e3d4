# amaranth: UnusedElaboratable=no
"""PDP (rtl/tile/pdp.py) on Amaranth's simulator against sim/tile_ref.py ``pool2d``."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.rtl.tile.pdp import PDP, PoolingMethod
from simtlab.sim.tile_ref import conv_output_size, pool2d, pool_recip

from .test_sdp import from_atoms, run_simulation, send_atoms, to_atoms

_METHOD = {"avg": PoolingMethod.AVERAGE, "max": PoolingMethod.MAX, "min": PoolingMethod.MIN}


def pdp_config(shape, method, *, kernel, stride, padding=(0, 0, 0, 0), pad_value=0):
    """``cfg`` fields for a (C, H, W) input; ``kernel``/``stride`` (y, x), padding (t, b, l, r)."""
    c, h, w = shape
    (kh, kw), (sy, sx) = kernel, stride
    top, bottom, left, right = padding
    ho = conv_output_size(h, kh, sy, top, bottom)
    wo = conv_output_size(w, kw, sx, left, right)
    return dict(cube_in_width=w - 1, cube_in_height=h - 1, cube_in_channel=c - 1,
                cube_out_width=wo - 1, cube_out_height=ho - 1, pooling_method=_METHOD[method],
                kernel_width=kw - 1, kernel_height=kh - 1, kernel_stride_width=sx - 1,
                kernel_stride_height=sy - 1, recip_kernel_width=pool_recip(kw),
                recip_kernel_height=pool_recip(kh), pad_left=left, pad_top=top, pad_right=right,
                pad_bottom=bottom, pad_value_1x=pad_value), (ho, wo)


def run_stream_unit(dut, atoms_in, n_out, cfg, *, rng=None, gap=0.0, stall=0.0, layers=1):
    """Configure, start, stream ``atoms_in`` in and ``n_out`` atoms out (``layers`` times)."""
    rand = (lambda: rng.random()) if rng is not None else (lambda: 1.0)
    outs, log = [], {"in": [], "out": [], "done": [], "stall": [], "cycles": []}

    async def producer(ctx):
        cycle = 0
        ctx.set(dut.cfg, cfg)
        for layer in range(layers):
            ctx.set(dut.start, 1)
            await ctx.tick()
            cycle += 1
            ctx.set(dut.start, 0)
            cycle = await send_atoms(ctx, dut.i, atoms_in, rand=rand, gap=gap, log=log["in"],
                                     cycle=cycle)
            while len(log["done"]) <= layer:
                await ctx.tick()
                cycle += 1

    async def consumer(ctx):
        cycle = 0
        for _ in range(layers):
            out = []
            outs.append(out)
            while len(out) < n_out:
                ready = rand() >= stall
                ctx.set(dut.o.ready, ready)
                *_, valid, payload, done = await ctx.tick().sample(dut.o.valid, dut.o.p, dut.done)
                cycle += 1
                if done:
                    log["done"].append(cycle)
                if valid and ready:
                    out.append([int(v) for v in payload])
                    log["out"].append(cycle)
            ctx.set(dut.o.ready, 1)
            for _ in range(3):
                *_, done = await ctx.tick().sample(dut.done)
                cycle += 1
                if done:
                    log["done"].append(cycle)
            log["stall"].append(ctx.get(dut.stall_cycles))
            log["cycles"].append(ctx.get(dut.layer_cycles))
        assert not ctx.get(dut.busy) and not ctx.get(dut.i.ready)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(producer, background=True)
    sim.add_testbench(consumer)
    run_simulation(sim)
    return outs, log


def run_pool(rng, cube, method, *, kernel, stride, padding=(0, 0, 0, 0), pad_value=0, gap=0.0,
             stall=0.0, atom=8, max_width=32, layers=1):
    dut = PDP(atom=atom, max_width=max_width)
    c, h, w = cube.shape
    cfg, (ho, wo) = pdp_config(cube.shape, method, kernel=kernel, stride=stride, padding=padding,
                               pad_value=pad_value)
    surfaces = -(-c // atom)
    outs, log = run_stream_unit(dut, to_atoms(cube, atom), surfaces * ho * wo, cfg, rng=rng,
                                gap=gap, stall=stall, layers=layers)
    # The lanes past C (0 inputs) are pooled like the others, as in NVDLA.
    full = np.zeros((surfaces * atom, h, w), dtype=np.int64)
    full[:c] = cube
    want, _ = pool2d(full, method, kernel=kernel, stride=stride, padding=padding,
                     pad_value=pad_value)
    for out in outs:
        got, pad = from_atoms(out, c, ho, wo, atom)
        np.testing.assert_array_equal(got, want[:c])
        np.testing.assert_array_equal(pad, want[c:], err_msg="lanes past C of the last surface")
    assert len(log["done"]) == layers and log["done"][-1] == log["out"][-1]
    assert all(cycles > 0 for cycles in log["cycles"])
    if not stall:
        assert log["stall"] == [0] * layers
    return log


def _cube(rng, c, h, w):
    return rng.integers(-128, 128, size=(c, h, w))


def test_pdp_28x28x8_2x2_max(rng):
    """NVDLA's pdp_28x28x8_2x2_max (stride 2); no backpressure: one atom per cycle in."""
    log = run_pool(rng, _cube(rng, 8, 28, 28), "max", kernel=(2, 2), stride=(2, 2))
    assert log["in"] == list(range(2, 2 + 28 * 28))
    # The atom that completes the last window leaves PDP.latency cycles later.
    assert log["out"][-1] == log["in"][-1] + PDP.latency


def test_pdp_12x9x19_8x3_ave(rng):
    """NVDLA's pdp_12x9x19_8x3_ave: kernel 8 wide x 3 high; simtlab picks stride (2, 4)."""
    run_pool(rng, _cube(rng, 19, 9, 12), "avg", kernel=(3, 8), stride=(2, 4), gap=0.2, stall=0.2)


def test_pdp_8x8x16_2x2_min_backpressure(rng):
    """Min pooling (pdp_8x8x64_2x2_min reduced), stride 1, random gaps and ready toggling."""
    run_pool(rng, _cube(rng, 16, 8, 8), "min", kernel=(2, 2), stride=(1, 1), gap=0.3, stall=0.5)


@pytest.mark.parametrize("method", ["avg", "max", "min"])
def test_pdp_padding(rng, method):
    """Padding on all sides, overlapping windows, a pad value that differs from zero."""
    run_pool(rng, _cube(rng, 11, 7, 9), method, kernel=(3, 4), stride=(2, 1),
             padding=(2, 1, 3, 2), pad_value=-37, gap=0.1, stall=0.2)


def test_pdp_big_kernel_edges(rng):
    """Kernel 8x8 with padding 7 at the far sides (windows mostly padding), stride 3 and 1."""
    run_pool(rng, _cube(rng, 5, 9, 10), "avg", kernel=(8, 8), stride=(3, 1), padding=(1, 7, 0, 7),
             pad_value=100, atom=4, stall=0.1)


def test_pdp_avg_saturation_and_odd_strides(rng):
    """A large pad value saturates averages; stride larger than the kernel skips input."""
    run_pool(rng, _cube(rng, 6, 11, 13), "avg", kernel=(2, 3), stride=(5, 4), padding=(1, 1, 2, 2),
             pad_value=(1 << 18) - 1, atom=4)


def test_pdp_width_one_and_back_to_back_layers(rng):
    """W = 1, H = 1 corner and two layers in a row (the second start after the first done)."""
    run_pool(rng, _cube(rng, 3, 1, 1), "max", kernel=(1, 1), stride=(1, 1), layers=2)
    run_pool(rng, _cube(rng, 4, 6, 1), "avg", kernel=(3, 1), stride=(1, 1), padding=(2, 2, 0, 0),
             pad_value=5, layers=2, stall=0.3, atom=4)


def test_pdp_parameter_errors():
    with pytest.raises(TypeError, match="atom must be an integer, not 8.0"):
        PDP(atom=8.0)
    with pytest.raises(ValueError, match="atom must be a power of two from 2 to 64, not 12"):
        PDP(atom=12)
    with pytest.raises(ValueError, match="max_width must be from 1 to 4096, not 0"):
        PDP(max_width=0)
