"""The tile's numpy reference models (sim/tile_ref.py) against independent formulations.

Test names follow NVDLA's nv_small trace tests (dims W x H x C, kernels width x height x C x K);
the stride, padding and other parameters the trace names leave out are simtlab's choices, written
in each case. The independent formulations are float64 sliding-window products (exact for these
sizes) and per-element Python integer/Fraction arithmetic.
"""

from fractions import Fraction

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from simtlab.sim.tile_ref import (cacc_truncate, conv2d, pool2d, pool_recip, round_shift,
                                      saturate, sdp_x1)


def _round_half_away(q):
    """Nearest integer to a Fraction, halves away from zero (independent of round_shift)."""
    q = Fraction(q)
    n = abs(q)
    whole = n.numerator // n.denominator
    if n - whole >= Fraction(1, 2):
        whole += 1
    return -whole if q < 0 else whole


def _int8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int64).astype(np.int8)


def _conv_float(x, w, stride, padding, pad_value, dilation):
    """Direct float64 formulation: pad, take dilated sliding windows, contract C, R, S."""
    (sy, sx), (dy, dx) = stride, dilation
    top, bottom, left, right = padding
    k, c, r, s = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right)),
                constant_values=float(pad_value))
    span_y, span_x = dy * (r - 1) + 1, dx * (s - 1) + 1
    win = sliding_window_view(xp, (span_y, span_x), axis=(1, 2))[:, ::sy, ::sx, ::dy, ::dx]
    return np.einsum("chwrs,kcrs->khw", win, w.astype(np.float64))


# name: (W, H, C, kernel width S, kernel height R, K, stride (y, x), padding (t, b, l, r),
#        pad value, dilation (y, x))
DC_CASES = {
    "dc_1x1x8_1x1x8x1": (1, 1, 8, 1, 1, 1, (1, 1), (0, 0, 0, 0), 0, (1, 1)),
    "dc_8x8x32_1x1x32x32": (8, 8, 32, 1, 1, 32, (1, 1), (0, 0, 0, 0), 0, (1, 1)),
    "dc_8x16x128_3x3x128x32": (8, 16, 128, 3, 3, 32, (1, 1), (0, 0, 0, 0), 0, (1, 1)),
    "dc_13x15x64_5x3x64x16": (13, 15, 64, 5, 3, 16, (1, 1), (0, 0, 0, 0), 0, (1, 1)),
    "dc_24x33x55_5x5x55x25": (24, 33, 55, 5, 5, 25, (3, 4), (1, 2, 2, 1), -7, (1, 1)),
    "dc_4x1x8192_1x1x8192x1": (4, 1, 8192, 1, 1, 1, (1, 1), (0, 0, 0, 0), 0, (1, 1)),
    "dc_8192x1x1_2x3x1x41": (8192, 1, 1, 2, 3, 41, (1, 1), (1, 1, 0, 0), 5, (1, 1)),
    "dc_8x8x36_4x4x36x16_dilation": (8, 8, 36, 4, 4, 16, (1, 1), (0, 0, 0, 0), 0, (2, 2)),
    "dc_32x26x76_6x3x76x270": (32, 26, 76, 6, 3, 270, (1, 1), (1, 1, 2, 3), 0, (1, 1)),
}


@pytest.mark.parametrize("name", DC_CASES)
def test_ref_dc(name, rng):
    w_, h, c, s, r, k, stride, padding, pad_value, dilation = DC_CASES[name]
    x = _int8(rng, (c, h, w_))
    wt = _int8(rng, (k, c, r, s))
    got = conv2d(x, wt, stride=stride, padding=padding, pad_value=pad_value, dilation=dilation)
    want = _conv_float(x, wt, stride, padding, pad_value, dilation)
    assert got.dtype == np.int64 and got.shape == want.shape
    np.testing.assert_array_equal(got, want.astype(np.int64), err_msg=name)


def test_ref_dc_24x33x55_5x5x55x25_clip_truncate_4(rng):
    """The trace's CACC setting: truncate 4 bits, round half away, saturate to int32."""
    w_, h, c, s, r, k, stride, padding, pad_value, dilation = DC_CASES["dc_24x33x55_5x5x55x25"]
    acc = conv2d(_int8(rng, (c, h, w_)), _int8(rng, (k, c, r, s)), stride=stride,
                 padding=padding, pad_value=pad_value)
    got, sat = cacc_truncate(acc, 4)
    want = np.array([_round_half_away(Fraction(int(v), 16)) for v in acc.ravel()])
    np.testing.assert_array_equal(got.ravel(), want)
    assert got.dtype == np.int32 and sat == 0


def test_conv_batch_and_chw_agree(rng):
    x = _int8(rng, (2, 9, 5, 6))
    wt = _int8(rng, (3, 9, 2, 2))
    both = conv2d(x, wt, stride=(2, 1), padding=1)
    for n in range(2):
        np.testing.assert_array_equal(both[n], conv2d(x[n], wt, stride=(2, 1), padding=1))


@pytest.mark.parametrize("kwargs, message", [
    (dict(w=np.zeros((1, 3, 1, 1), np.int8)), "weights have 3 channels, features 8"),
    (dict(stride=0), "stride and dilation must be >= 1"),
    (dict(padding=(1, 2, 3)), "padding takes an int"),
    (dict(w=np.zeros((1, 8, 9, 1), np.int8)), r"the kernel \(span 9\) does not fit"),
])
def test_conv_errors(kwargs, message):
    args = dict(x=np.zeros((8, 4, 4), np.int8), w=np.zeros((1, 8, 1, 1), np.int8))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        conv2d(args.pop("x"), args.pop("w"), **args)


def test_round_shift_corners():
    x = np.array([5, -5, 6, -6, 7, -7, 1, -1, 2, -2, 0, (1 << 40) + (1 << 3), -(1 << 40) - (1 << 3)])
    np.testing.assert_array_equal(round_shift(x, 1), [3, -3, 3, -3, 4, -4, 1, -1, 1, -1, 0,
                                                      (1 << 39) + 4, -(1 << 39) - 4])
    np.testing.assert_array_equal(round_shift(np.array([-6, 6, -2, 2, -5, 5]), 2),
                                  [-2, 2, -1, 1, -1, 1])
    np.testing.assert_array_equal(round_shift(x, 0), x)
    with pytest.raises(ValueError, match="shift must be >= 0"):
        round_shift(x, -1)


def test_round_shift_random(rng):
    x = rng.integers(-(1 << 45), 1 << 45, size=2000)
    for shift in (1, 3, 16, 31):
        want = [_round_half_away(Fraction(int(v), 1 << shift)) for v in x]
        np.testing.assert_array_equal(round_shift(x, shift), want, err_msg=f"shift {shift}")


def test_cacc_truncate_saturates_and_counts():
    acc = np.array([(1 << 35), -(1 << 35), (1 << 31) - 1, -(1 << 31), (1 << 31), 33, -33])
    got, sat = cacc_truncate(acc, 0)
    np.testing.assert_array_equal(got, [2**31 - 1, -2**31, 2**31 - 1, -2**31, 2**31 - 1, 33, -33])
    assert sat == 3
    got, sat = cacc_truncate(acc, 4)
    np.testing.assert_array_equal(got[-2:], [2, -2])          # 33/16 = 2.06; -2.06 -> -2
    assert sat == 1                                           # 2**35 >> 4 = 2**31; -2**31 fits
    assert saturate(np.array([127, 128, -129]), 8)[1] == 2


def _sdp_scalar(v, ch, p):
    """Per-element Python formulation of SDP X1 + converter (see the reference's docstring)."""
    def sat(value, bits):
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return min(max(value, lo), hi)
    a = v
    if p.get("alu") is not None:
        op = np.asarray(p["alu"]).reshape(-1)
        op = int(op[ch] if op.size > 1 else op[0]) * 2 ** p.get("alu_shift", 0)
        a = sat(a + op, 32)
    if p.get("mul") is not None:
        op = np.asarray(p["mul"]).reshape(-1)
        op = int(op[ch] if op.size > 1 else op[0])
        scaled = _round_half_away(Fraction(a * op, 2 ** p.get("mul_shift", 0)))
        a = sat(a if p.get("prelu") and a >= 0 else scaled, 32)
    if p.get("relu"):
        a = max(a, 0)
    q = Fraction((a - p.get("cvt_offset", 0)) * p.get("cvt_scale", 1), 2 ** p.get("cvt_shift", 0))
    return sat(_round_half_away(q), 8)


def _sdp_check(x, params):
    got, stats = sdp_x1(x, **params)
    c = x.shape[-3]
    want = np.array([_sdp_scalar(int(v), idx[-3], params)
                     for idx, v in np.ndenumerate(x)]).reshape(x.shape)
    np.testing.assert_array_equal(got, want)
    return got, stats


def test_ref_sdp_1x1x1_pass_through():
    got, stats = _sdp_check(np.array([[[100]]], np.int32), {})
    assert got.dtype == np.int8 and got[0, 0, 0] == 100 and stats["out_sat"] == 0
    got, stats = _sdp_check(np.array([[[1000]]], np.int32), {})
    assert got[0, 0, 0] == 127 and stats["out_sat"] == 1


def test_ref_sdp_8192x1x1_pass_through(rng):
    x = rng.integers(-200, 200, size=(1, 1, 8192)).astype(np.int32)
    got, stats = _sdp_check(x, {})
    assert stats["out_sat"] == np.count_nonzero((x < -128) | (x > 127))


def test_ref_sdp_3x3x33_bs_reg(rng):
    """Per-layer bias and scale from registers, then the output converter."""
    x = rng.integers(-(1 << 20), 1 << 20, size=(33, 3, 3)).astype(np.int32)
    params = dict(alu=-1234, alu_shift=3, mul=-517, mul_shift=12, relu=False,
                  cvt_offset=17, cvt_scale=3, cvt_shift=5)
    _, stats = _sdp_check(x, params)
    assert stats["out_sat"] > 0                           # the random range overflows int8


def test_ref_sdp_3x3x33_bs_mem_relu(rng):
    """Per-channel bias and scale (BRDMA operands) with ReLU."""
    x = rng.integers(-(1 << 16), 1 << 16, size=(33, 3, 3)).astype(np.int32)
    params = dict(alu=rng.integers(-(1 << 15), 1 << 15, size=33),
                  mul=rng.integers(-(1 << 15), 1 << 15, size=33), mul_shift=20, relu=True,
                  cvt_scale=1, cvt_shift=2)
    got, _ = _sdp_check(x, params)
    assert got.min() >= 0


def test_ref_sdp_3x3x33_prelu(rng):
    x = rng.integers(-5000, 5000, size=(33, 3, 3)).astype(np.int32)
    params = dict(mul=rng.integers(1, 200, size=33), mul_shift=8, prelu=True, cvt_shift=5)
    _sdp_check(x, params)


def test_sdp_intermediate_saturation():
    x = np.full((1, 1, 2), (1 << 31) - 10, dtype=np.int64)
    _, stats = sdp_x1(x, alu=100)
    assert stats["alu_sat"] == 2
    _, stats = sdp_x1(x, mul=4)
    assert stats["mul_sat"] == 2


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(alu=np.arange(4)), ValueError, r"alu per channel needs shape \(3,\)"),
    (dict(mul=1 << 15), ValueError, "mul operands are int16"),
    (dict(alu=1, alu_algo="avg"), ValueError, "alu_algo is 'sum', 'max' or 'min'"),
    (dict(cvt_shift=64), ValueError, "cvt_shift must be 0-63"),
    (dict(alu=1.5), TypeError, "alu must be an integer"),
])
def test_sdp_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        sdp_x1(np.zeros((3, 2, 2), np.int32), **kwargs)


def test_pool_recip_matches_nvdla_table():
    # NVDLA's driver table of round(2^16 / k) for k = 1..8.
    assert [pool_recip(k) for k in range(1, 9)] == [
        0x10000, 0x8000, 0x5555, 0x4000, 0x3333, 0x2AAB, 0x2492, 0x2000]
    assert pool_recip(16) == 0x1000


def _pool_loops(x, method, kernel, stride, padding, pad_value):
    """Per-output Python formulation of the reference's pooling rules."""
    (kh, kw), (sy, sx), (top, bottom, left, right) = kernel, stride, padding
    c, h, w = x.shape
    ho, wo = (h + top + bottom - kh) // sy + 1, (w + left + right - kw) // sx + 1
    out = np.zeros((c, ho, wo), dtype=np.int64)
    for ch in range(c):
        for oy in range(ho):
            for ox in range(wo):
                vals, total = [], 0
                for i in range(kh):
                    for j in range(kw):
                        y, xx = oy * sy + i - top, ox * sx + j - left
                        if 0 <= y < h and 0 <= xx < w:
                            vals.append(int(x[ch, y, xx]))
                            total += int(x[ch, y, xx])
                        else:
                            total += pad_value
                if method == "max":
                    out[ch, oy, ox] = max(vals)
                elif method == "min":
                    out[ch, oy, ox] = min(vals)
                else:
                    width_step = _round_half_away(Fraction(total * pool_recip(kw), 1 << 16))
                    out[ch, oy, ox] = _round_half_away(
                        Fraction(width_step * pool_recip(kh), 1 << 16))
                    exact = Fraction(total, kh * kw)
                    assert abs(out[ch, oy, ox] - exact) <= 1
    return np.clip(out, -128, 127)


# name: (W, H, C, method, kernel (y, x), stride (y, x), padding (t, b, l, r), pad value)
PDP_CASES = {
    "pdp_28x28x8_2x2_max": (28, 28, 8, "max", (2, 2), (2, 2), (0, 0, 0, 0), 0),
    "pdp_8x8x64_2x2_min": (8, 8, 64, "min", (2, 2), (2, 2), (0, 0, 0, 0), 0),
    "pdp_12x9x19_8x3_ave": (12, 9, 19, "avg", (3, 8), (3, 4), (0, 0, 0, 0), 0),
    "pdp_16x6x16_4x2_split_max": (16, 6, 16, "max", (2, 4), (2, 4), (0, 0, 0, 0), 0),
    "pdp_13x11x9_3x3_ave_padded": (13, 11, 9, "avg", (3, 3), (2, 2), (1, 1, 1, 1), -20),
    "pdp_13x11x9_3x3_max_padded": (13, 11, 9, "max", (3, 3), (2, 2), (1, 2, 2, 1), 0),
    "pdp_10x10x8_6x7_ave_padded": (10, 10, 8, "avg", (7, 6), (1, 2), (3, 2, 1, 4), 3),
}


@pytest.mark.parametrize("name", PDP_CASES)
def test_ref_pdp(name, rng):
    w, h, c, method, kernel, stride, padding, pad_value = PDP_CASES[name]
    x = _int8(rng, (c, h, w))
    got, sat = pool2d(x, method, kernel=kernel, stride=stride, padding=padding,
                      pad_value=pad_value)
    want = _pool_loops(x, method, kernel, stride, padding, pad_value)
    assert got.dtype == np.int8 and sat == 0
    np.testing.assert_array_equal(got, want, err_msg=name)


def test_pool_average_rounds_after_each_step(rng):
    """Powers of two: the width step rounds sum / kw, the height step rounds that / kh (NVDLA's
    double rounding; 2x2 window summing to 5: round(2.5) = 3, round(1.5) = 2, not round(1.25))."""
    x = _int8(rng, (4, 8, 8))
    x[0, :2, :4] = [[1, 1, 1, 1], [1, 1, 0, 0]]        # one 2x4 window sums to 6: 6/4 -> 2 -> 1
    got, _ = pool2d(x, "avg", kernel=(2, 4))
    windows = x.astype(np.int64).reshape(4, 4, 2, 2, 4).sum(axis=(2, 4))
    want = [_round_half_away(Fraction(_round_half_away(Fraction(int(v), 4)), 2))
            for v in windows.ravel()]
    np.testing.assert_array_equal(got.ravel(), want)
    assert got[0, 0, 0] == 1 and pool2d(np.full((1, 2, 2), [[2, 2], [1, 0]], np.int8), "avg",
                                        kernel=2)[0][0, 0, 0] == 2


def test_pool_errors():
    x = np.zeros((1, 4, 4), np.int8)
    with pytest.raises(ValueError, match="method is 'max', 'min' or 'avg'"):
        pool2d(x, "mean", kernel=2)
    with pytest.raises(ValueError, match="a pooling window covers only padding"):
        pool2d(x, "max", kernel=2, stride=2, padding=(2, 0, 0, 0))
    with pytest.raises(ValueError, match="pooling kernel sizes are 1-16"):
        pool_recip(17)
