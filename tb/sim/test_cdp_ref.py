"""CDP's bit-exact reference (sim/cdp_ref.py) against an independent per-element formulation in
Python Fractions (floor/round by hand, the window summed by a loop), on random cubes, tables and
registers (fixed seeds, reported on failure)."""

from fractions import Fraction
from math import floor

import numpy as np
import pytest

from simtlab.sim.cdp_ref import (LE_ENTRIES, LO_ENTRIES, CdpParams, LutTable, cdp, lut_lookup,
                                 signed38)

SEEDS = range(12)


def _round(q):
    """Nearest integer to a Fraction, halves away from zero."""
    q = Fraction(q)
    whole = floor(abs(q))
    if abs(q) - whole >= Fraction(1, 2):
        whole += 1
    return -whole if q < 0 else whole


def _slope(x, scale, shift):
    return _round(Fraction(x * scale, 2 ** shift))


def _lookup(s, t):
    """One table lookup, written from the definition: (kind, value saturated to int32)."""
    kind, value = _lookup_wide(s, t)
    return kind, max(-2 ** 31, min(2 ** 31 - 1, value))


def _lookup_wide(s, t):
    e = list(t.entries)
    if s <= t.start:
        return "u", e[0] + _slope(s - t.start, t.uflow_scale, t.uflow_shift)
    d = s - t.start
    if t.exponent:
        k = 0
        while 2 ** (k + 1) <= d:
            k += 1
        pos = Fraction(d, 2 ** k) - 1 + k - t.index_offset      # index + fraction in [0, 1)
        if k < t.index_offset:
            return "u", e[0] + _slope(s - t.start, t.uflow_scale, t.uflow_shift)
    else:
        pos = Fraction(d) / Fraction(2) ** t.index_select
    index = floor(pos)
    frac = floor((pos - index) * 2 ** 16)
    if index >= len(e) - 1:
        return "o", e[-1] + _slope(s - t.end, t.oflow_scale, t.oflow_shift)
    return "h", e[index] + _round(Fraction((e[index + 1] - e[index]) * frac, 2 ** 16))


def _expected(x, p, channels):
    c_all, h, w = x.shape
    y = np.zeros(x.shape, np.int64)
    counts = dict.fromkeys(("uflow", "oflow", "hybrid", "le_hit", "lo_hit", "out_sat"), 0)

    def conv_in(value):
        return max(-256, min(255, _round(Fraction((int(value) - p.datin_offset) * p.datin_scale,
                                                  2 ** p.datin_shifter))))
    for c in range(c_all):
        for i in range(h):
            for j in range(w):
                v = conv_in(x[c, i, j])
                if p.sqsum_bypass:
                    s = v
                else:
                    s = sum(conv_in(x[k, i, j]) ** 2 for k in range(c - p.normalz_len // 2,
                                                                     c + p.normalz_len // 2 + 1)
                            if 0 <= k < channels)
                (lk, lv), (ok, ov) = _lookup(s, p.le), _lookup(s, p.lo)
                if lk == "h" and ok != "h":
                    t, what = lv, "le_hit"
                elif ok == "h" and lk != "h":
                    t, what = ov, "lo_hit"
                elif lk == ok:
                    prio = {"h": p.hybrid_priority, "u": p.uflow_priority,
                            "o": p.oflow_priority}[lk]
                    t = ov if prio else lv
                    what = {"h": "lo_hit" if prio else "le_hit", "u": "uflow", "o": "oflow"}[lk]
                else:
                    t, what = (ov if p.hybrid_priority else lv), "hybrid"
                r = t if p.mul_bypass else v * t
                out = _round(Fraction((r - p.datout_offset) * p.datout_scale,
                                      2 ** p.datout_shifter))
                y[c, i, j] = max(-128, min(127, out))
                if c < channels:
                    counts[what] += 1
                    counts["out_sat"] += out != y[c, i, j]
    return y, counts


def _random_params(rng):
    sqsum_bypass = bool(rng.integers(4) == 0)

    def table(n, exponent):
        # Starts near the looked-up values (so that every case occurs across the seeds).
        start = int(rng.integers(-200, 50) if sqsum_bypass else rng.integers(-300, 30000))
        sel = int(rng.integers(-2, 12))
        offset = int(rng.integers(-3, 12))
        span = 2 ** (offset + n - 1) if exponent else (n - 1) * 2.0 ** sel
        return LutTable(
            entries=[int(e) for e in rng.integers(-4000, 4000, n)],
            start=start, end=start + int(span), exponent=exponent, index_select=sel,
            index_offset=offset,
            uflow_scale=int(rng.integers(-300, 300)), uflow_shift=int(rng.integers(0, 12)),
            oflow_scale=int(rng.integers(-300, 300)), oflow_shift=int(rng.integers(0, 12)))
    mul_bypass = bool(rng.integers(2))
    # Output shifts that keep most outputs inside int8 (saturation is counted, not the point).
    shifter = int(rng.integers(5, 8) if mul_bypass else rng.integers(11, 14))
    return CdpParams(
        le=table(LE_ENTRIES, bool(rng.integers(2))), lo=table(LO_ENTRIES, False),
        normalz_len=int(rng.choice([3, 5, 7, 9])), sqsum_bypass=sqsum_bypass,
        mul_bypass=mul_bypass, datin_offset=int(rng.integers(-100, 100)),
        datin_scale=int(rng.integers(-8, 9)), datin_shifter=int(rng.integers(0, 4)),
        datout_offset=int(rng.integers(-500, 500)), datout_scale=int(rng.integers(-30, 30)),
        datout_shifter=shifter, uflow_priority=int(rng.integers(2)),
        oflow_priority=int(rng.integers(2)), hybrid_priority=int(rng.integers(2)))


@pytest.mark.parametrize("seed", SEEDS)
def test_cdp_matches_the_definition(seed):
    rng = np.random.default_rng(seed)
    channels = int(rng.integers(1, 20))
    c_all = -(-channels // 8) * 8
    x = rng.integers(-128, 128, (c_all, 3, 2)).astype(np.int8)
    p = _random_params(rng)
    y, stats = cdp(x, p, channels)
    want, counts = _expected(x, p, channels)
    np.testing.assert_array_equal(y, want, err_msg=f"seed {seed}")
    assert stats == counts, f"seed {seed}"


def test_lookup_edges():
    t = LutTable(entries=list(range(0, 65 * 10, 10)), start=100, end=100 + 64 * 4,
                 index_select=2, uflow_scale=3, uflow_shift=1, oflow_scale=-1, oflow_shift=0)
    assert lut_lookup(100, t) == (0, 0)                 # s == start: underflow (NVDLA's <=)
    assert lut_lookup(90, t) == (0, -15)                # 0 + round(-10 * 3 / 2)
    assert lut_lookup(101, t) == (1, 3)                 # 0 + round(10 * 0.25) (2.5 -> 3)
    assert lut_lookup(100 + 63 * 4 + 2, t) == (1, 635)
    assert lut_lookup(100 + 64 * 4, t) == (2, 640)      # index 64: overflow
    assert lut_lookup(100 + 64 * 4 + 7, t) == (2, 633)
    e = LutTable(entries=list(range(65)), start=0, end=1 << 40, exponent=True, index_offset=2)
    assert lut_lookup(3, e) == (0, 0)                   # log2 3 = 1 < offset 2: underflow
    assert lut_lookup(6, e)[0] == 1 and lut_lookup(6, e)[1] == 1    # k 2 -> index 0, f 0.5
    wide = LutTable(entries=[0] * 65, start=-(1 << 37), end=0, oflow_scale=32767,
                    uflow_scale=-32768)
    assert lut_lookup(1 << 20, wide) == (2, (1 << 31) - 1)             # int32 saturation
    assert lut_lookup(-(1 << 37), wide) == (0, 0)


def test_signed38():
    assert signed38(0x10, 0) == 16
    assert signed38(0xFFFF_FFFF, 0x3F) == -1
    assert signed38(0, 0x20) == -(1 << 37)


@pytest.mark.parametrize("change, message", [
    (dict(normalz_len=4), "normalz_len must be one of"),
    (dict(le=LutTable(entries=[0] * 64)), "LE table has 65 entries"),
    (dict(lo=LutTable(entries=[1 << 15] * 257)), "LO table entries must be int16"),
    (dict(lo=LutTable(entries=[0] * 257, exponent=True)), "linear only"),
])
def test_bad_params(change, message):
    args = dict(le=LutTable(entries=[0] * 65), lo=LutTable(entries=[0] * 257))
    args.update(change)
    with pytest.raises(ValueError, match=message):
        cdp(np.zeros((8, 1, 1), np.int8), CdpParams(**args))
