# amaranth: UnusedElaboratable=no
"""The convolution sequencer (rtl/tile/csc.py) on Amaranth's simulator, alone: a Python CBUF
answers its reads, and its CMAC/CACC outputs (weights, swaps, atoms, tags) are replayed on a
Python model of the shadow-register MAC array and the accumulator, then checked against
sim/tile_ref.py conv2d. Also checks the credit protocol and the issue rate."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.config import TileConfig
from simtlab.rtl.tile.conv import conv_config
from simtlab.rtl.tile.csc import CSC
from simtlab.sim.tile_layout import pack_weights
from simtlab.sim.tile_ref import conv2d
from simtlab.spec.tile_limits import ConvShape

TILE = TileConfig(cbuf_banks=4, cbuf_bank_bytes=1024)


def run_csc(rng, shape, *, pad_value=0, credit_delay=0, hold_credits=0, tile=TILE):
    s, a, ak = shape, tile.atom_c, tile.atom_k
    x = rng.integers(-128, 128, size=(s.channels, s.height, s.width))
    w = rng.integers(-128, 128, size=(s.kernels, s.channels, s.kernel_h, s.kernel_w))
    config = conv_config(s, tile, feature_addr=0, weight_addr=0, pad_value=pad_value)
    csc_config = config["csc"]
    depth = tile.cbuf_bank_bytes // a
    cbuf = np.zeros((tile.cbuf_banks * depth, a), dtype=np.int64)
    cg = -(-s.channels // a)
    xp = np.zeros((cg * a, s.height, s.width), dtype=np.int64)
    xp[:s.channels] = x
    feat = xp.reshape(cg, a, s.height, s.width).transpose(0, 2, 3, 1).reshape(-1, a)
    cbuf[:len(feat)] = feat
    # CBUF holds the weights with whole atoms (CDMA expands NVDLA's unpadded last block).
    wp = np.zeros((s.kernels, cg * a, s.kernel_h, s.kernel_w), dtype=np.int64)
    wp[:, :s.channels] = w
    blob = pack_weights(wp, atom_c=a, atom_k=ak).view(np.int8).reshape(-1, a)
    wbase = (csc_config["data_bank"] + 1) * depth
    cbuf[wbase:wbase + len(blob)] = blob

    dut = CSC(tile=tile)
    active = np.zeros((ak, a), dtype=np.int64)
    shadow = np.zeros((ak, a), dtype=np.int64)
    acc = np.zeros((tile.stripe, ak), dtype=np.int64)
    out, log = [], {"atoms": 0, "max_owed": 0}

    async def bench(ctx):
        nonlocal active
        ctx.set(dut.cfg, csc_config)
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        returns = []                  # cycles at which a credit comes back
        cycle, owed = 0, 0
        while True:
            if ctx.get(dut.done):
                break
            # CMAC/CACC model, in the RTL's order within one cycle.
            if ctx.get(dut.feature.valid):
                f = np.array([int(v) for v in ctx.get(dut.feature.p)])
                psum = active @ f
                tag = ctx.get(dut.tag.p)
                slot = int(tag.slot)
                acc[slot] = psum if tag.first else acc[slot] + psum
                log["atoms"] += 1
                if tag.last:
                    out.append(acc[slot].copy())
                    owed += 1
                    log["max_owed"] = max(log["max_owed"], owed)
                    returns.append(max(cycle, hold_credits) + credit_delay)
            if ctx.get(dut.swap):
                active = shadow.copy()
            if ctx.get(dut.weight.valid):
                assert ctx.get(dut.weight.p.shadow)
                shadow[int(ctx.get(dut.weight.p.cell))] = [int(v) for v in ctx.get(dut.weight.p.data)]
            credit = bool(returns) and returns[0] <= cycle
            if credit:
                returns.pop(0)
                owed -= 1
            ctx.set(dut.credit, credit)
            dat = (ctx.get(dut.dat.en), ctx.get(dut.dat.addr))
            wt = (ctx.get(dut.wt.en), ctx.get(dut.wt.addr))
            await ctx.tick()
            cycle += 1
            assert cycle < 100_000
            if dat[0]:
                ctx.set(dut.dat.data, [int(v) for v in cbuf[dat[1]]])
            if wt[0]:
                assert wt[1] >= wbase, "weight read outside the weight banks"
                ctx.set(dut.wt.data, [int(v) for v in cbuf[wt[1]]])
        log["busy"] = ctx.get(dut.busy_cycles)
        log["stall"] = ctx.get(dut.stall_cycles)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    acc_ref = conv2d(x, w, stride=s.stride, padding=s.padding, pad_value=pad_value,
                     dilation=s.dilation)
    k, ho, wo = acc_ref.shape
    groups = -(-k // ak)
    ref = np.zeros((groups * ak, ho, wo), dtype=np.int64)
    ref[:k] = acc_ref
    ref = ref.reshape(groups, ak, ho * wo).transpose(0, 2, 1).reshape(-1, ak)
    return np.array(out).reshape(-1, ak), ref, log, dut


@pytest.mark.parametrize("shape, pad_value", [
    (ConvShape(8, 3, 4, 8, 1, 1), 0),
    (ConvShape(11, 5, 5, 13, 3, 3, stride=(2, 1), padding=(1, 1, 2, 0)), -7),
    (ConvShape(16, 6, 6, 5, 3, 2, dilation=(2, 3), padding=(2, 2, 3, 3)), 9),
])
def test_csc_sequence_matches_conv2d(rng, shape, pad_value):
    got, want, log, _ = run_csc(rng, shape, pad_value=pad_value)
    np.testing.assert_array_equal(got, want)


def test_csc_full_rate_and_hidden_reloads(rng):
    """Full stripes (>= AtomK + 1 pixels): one atom per cycle after the first weight load."""
    shape = ConvShape(16, 4, 8, 8, 3, 1, padding=(1, 1, 0, 0))       # 32 pixels = 2 stripes
    got, want, log, dut = run_csc(rng, shape)
    np.testing.assert_array_equal(got, want)
    passes = 2 * 3                                                   # CG x R x S per stripe
    assert log["atoms"] == 2 * passes * 16
    assert log["stall"] == TILE.atom_k + 1                           # the first load only


def test_csc_balances_a_short_last_stripe(rng):
    """36 pixels: 16 + 16 + 4 would make the last stripe's passes wait for their weight loads;
    CSC runs 16 + 10 + 10 instead, at one atom per cycle after the first load."""
    shape = ConvShape(8, 6, 9, 8, 3, 3, padding=(0, 0, 1, 1))       # 4 x 9 = 36 pixels
    got, want, log, dut = run_csc(rng, shape)
    np.testing.assert_array_equal(got, want)
    assert log["atoms"] == 9 * 36
    assert log["stall"] == TILE.atom_k + 1


def test_csc_waits_for_credits(rng):
    """With credits held back, a stripe's last pass waits: never more results than credits."""
    shape = ConvShape(8, 8, 8, 8, 1, 1)                              # 64 pixels, 1 pass/stripe
    got, want, log, dut = run_csc(rng, shape, hold_credits=300, credit_delay=3)
    np.testing.assert_array_equal(got, want)
    assert log["max_owed"] == dut.credits
