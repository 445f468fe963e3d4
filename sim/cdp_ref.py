"""Bit-exact reference of the tile's CDP (NVDLA's channel data processor: local response
normalization), int8, as the golden model (:mod:`simtlab.sim.tile_model`) and the RTL
(``rtl/tile/cdp.py``) compute it. Pure numpy and Python integers; docs/tile.md ("CDP") states the
same steps.

Per element (c, h, w) of a C x H x W int8 cube:

1. **Input converter**: ``v = sat9(round_shift((x - DATIN_OFFSET) * DATIN_SCALE, DATIN_SHIFTER))``
   (9-bit signed, NVDLA's int8 width after the converter).
2. **Square sum** over the ``n`` = 3/5/7/9 channels centred on c (``NORMALZ_LEN``), channels outside
   ``[0, C)`` counting 0: ``s = sum(v[j]**2)``, at most 21 bits. ``SQSUM_BYPASS``: ``s = v[c]``.
3. **LUTs**: the LE table (65 entries; exponent or linear index) and the LO table (257 entries,
   linear) each look ``s`` up (:func:`lut_lookup`): underflow, hit (interpolated) or overflow; the
   priorities pick one table's value ``t`` (:func:`lut_select`).
4. **Multiplier**: ``r = v[c] * t``; ``MUL_BYPASS``: ``r = t``.
5. **Output converter**: ``y = sat8(round_shift((r - DATOUT_OFFSET) * DATOUT_SCALE, DATOUT_SHIFTER))``.

A table lookup of ``s`` with range ``[start, end]`` (38-bit signed registers):

- ``s <= start``: underflow, ``t = T[0] + round_shift((s - start) * UFLOW_SCALE, UFLOW_SHIFT)``.
- else ``d = s - start``. Linear index: ``i = d >> sel`` (``sel`` the table's INDEX_SELECT; a
  negative ``sel`` shifts left), fraction ``f`` = the 16 bits below the index
  (``(d << 16 >> sel) & 0xFFFF``). Exponent index (LE only): ``k = floor(log2 d)``,
  ``i = k - LE_INDEX_OFFSET`` (``k < offset``: underflow), ``f = ((d - 2**k) << 16) >> k``.
- ``i >= entries - 1``: overflow, ``t = T[-1] + round_shift((s - end) * OFLOW_SCALE, OFLOW_SHIFT)``.
- hit: ``t = T[i] + round_shift((T[i+1] - T[i]) * f, 16)``.
- ``t`` saturates to int32 (the tile's LUT output width).

Selection: one table hits and the other misses: the hit; both hit or one under- and the other
overflows (hybrid): ``HYBRID_PRIORITY``; both underflow: ``UFLOW_PRIORITY``; both overflow:
``OFLOW_PRIORITY`` (0 LE, 1 LO). Counters: ``uflow``/``oflow`` (both), ``hybrid`` (one each way),
``le_hit``/``lo_hit`` (the value came from that table's hit) and ``out_sat``.

Rounding is half away from zero everywhere (``tile_ref.round_shift``), as the rest of the tile;
where NVDLA's documentation leaves a rounding or a priority open, the choice is simtlab's
(docs/tile.md lists them).
"""

from dataclasses import dataclass

import numpy as np

from .tile_ref import round_shift, saturate

__all__ = ["LE_ENTRIES", "LO_ENTRIES", "NORMALZ_LENS", "LutTable", "CdpParams", "lut_lookup",
           "lut_select", "cdp", "signed38"]

#: Entries of NVDLA's LE (linear/exponent) and LO (linear only) tables.
LE_ENTRIES, LO_ENTRIES = 65, 257
#: ``D_LRN_CFG.NORMALZ_LEN`` value -> channels in the square-sum window.
NORMALZ_LENS = (3, 5, 7, 9)
#: Fraction bits of the interpolation.
FRAC_BITS = 16
UNDERFLOW, HIT, OVERFLOW = 0, 1, 2


def signed38(low, high):
    """The signed 38-bit value of a ``S_LUT_*_LOW``/``_HIGH`` register pair."""
    value = (int(high) & 0x3F) << 32 | (int(low) & 0xFFFF_FFFF)
    return value - (1 << 38) if value >> 37 else value


@dataclass
class LutTable:
    """One of CDP's lookup tables: entries (int16), range, index mode and out-of-range slopes."""
    entries: list
    start: int = 0
    end: int = 0
    exponent: bool = False      # LE only: log2 index
    index_select: int = 0       # linear: log2 of an entry's span
    index_offset: int = 0       # exponent: log2 of the first entry's span
    uflow_scale: int = 0
    uflow_shift: int = 0
    oflow_scale: int = 0
    oflow_shift: int = 0


@dataclass
class CdpParams:
    """A CDP layer's arithmetic registers (field values as the table names them)."""
    le: LutTable
    lo: LutTable
    normalz_len: int = 3
    sqsum_bypass: bool = False
    mul_bypass: bool = False
    datin_offset: int = 0
    datin_scale: int = 1
    datin_shifter: int = 0
    datout_offset: int = 0
    datout_scale: int = 1
    datout_shifter: int = 0
    uflow_priority: int = 0
    oflow_priority: int = 0
    hybrid_priority: int = 0


def lut_lookup(s, table):
    """``(kind, value)`` of looking ``s`` up in ``table``: kind UNDERFLOW, HIT or OVERFLOW; the
    value saturated to int32."""
    kind, value = _lookup(s, table)
    return kind, min(max(value, -(1 << 31)), (1 << 31) - 1)


def _lookup(s, table):
    t = [int(e) for e in table.entries]
    s = int(s)
    if s <= table.start:
        return UNDERFLOW, t[0] + int(round_shift(
            np.int64((s - table.start) * table.uflow_scale), table.uflow_shift))
    d = s - table.start
    if table.exponent:
        k = d.bit_length() - 1
        index = k - table.index_offset
        if index < 0:
            return UNDERFLOW, t[0] + int(round_shift(
                np.int64((s - table.start) * table.uflow_scale), table.uflow_shift))
        frac = ((d - (1 << k)) << FRAC_BITS) >> k
    else:
        sel = table.index_select
        if sel >= 0:
            index, frac = d >> sel, ((d << FRAC_BITS) >> sel) & ((1 << FRAC_BITS) - 1)
        else:
            index, frac = d << -sel, 0
    if index >= len(t) - 1:
        return OVERFLOW, t[-1] + int(round_shift(
            np.int64((s - table.end) * table.oflow_scale), table.oflow_shift))
    return HIT, t[index] + int(round_shift(np.int64((t[index + 1] - t[index]) * frac), FRAC_BITS))


def lut_select(le, lo, p):
    """``(value, counter name)`` from the LE and LO lookups ``(kind, value)`` by the priorities."""
    (lk, lv), (ok, ov) = le, lo
    if lk == HIT and ok != HIT:
        return lv, "le_hit"
    if ok == HIT and lk != HIT:
        return ov, "lo_hit"
    if lk == ok == HIT:
        return (ov, "lo_hit") if p.hybrid_priority else (lv, "le_hit")
    if lk == ok == UNDERFLOW:
        return (ov if p.uflow_priority else lv), "uflow"
    if lk == ok == OVERFLOW:
        return (ov if p.oflow_priority else lv), "oflow"
    return (ov if p.hybrid_priority else lv), "hybrid"


def _check(p):
    if not isinstance(p, CdpParams):
        raise TypeError(f"params must be a CdpParams, not {type(p).__name__}")
    if p.normalz_len not in NORMALZ_LENS:
        raise ValueError(f"normalz_len must be one of {NORMALZ_LENS}, not {p.normalz_len!r}")
    for name, table, n in (("le", p.le, LE_ENTRIES), ("lo", p.lo, LO_ENTRIES)):
        if len(table.entries) != n:
            raise ValueError(f"the {name.upper()} table has {n} entries, not {len(table.entries)}")
        if any(not -(1 << 15) <= int(e) < (1 << 15) for e in table.entries):
            raise ValueError(f"{name.upper()} table entries must be int16")
    if p.lo.exponent:
        raise ValueError("the LO table is linear only (NVDLA)")


def cdp(x, p, channels=None):
    """CDP on the int8 cube ``x`` (C x H x W; the first ``channels`` are real, the default all):
    ``(int8 output, stats)``; stats counts ``uflow``, ``oflow``, ``hybrid``, ``le_hit``,
    ``lo_hit`` and ``out_sat`` over the real channels. Lanes past ``channels`` (the rest of the
    last atom) are computed too, with their own input and a window of the real channels only, as
    the tile's datapath does."""
    _check(p)
    x = np.asarray(x)
    if x.ndim != 3 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"x must be an integer C x H x W cube, not {x.dtype} {x.shape}")
    c_all = x.shape[0]
    c_real = c_all if channels is None else int(channels)
    if not 1 <= c_real <= c_all:
        raise ValueError(f"channels must be 1..{c_all}, not {channels!r}")
    v, _ = saturate(round_shift((x.astype(np.int64) - p.datin_offset) * p.datin_scale,
                                p.datin_shifter), 9)
    half = p.normalz_len // 2
    if p.sqsum_bypass:
        s = v
    else:
        sq = np.zeros((c_all + 2 * half,) + x.shape[1:], np.int64)
        sq[half:half + c_real] = v[:c_real] ** 2
        s = sum(sq[j:j + c_all] for j in range(2 * half + 1))
    t = np.zeros_like(v)
    kinds = np.empty(v.shape, object)
    for idx in np.ndindex(v.shape):
        t[idx], kinds[idx] = lut_select(lut_lookup(s[idx], p.le), lut_lookup(s[idx], p.lo), p)
    r = t if p.mul_bypass else v * t
    y, _ = saturate(round_shift((r - p.datout_offset) * p.datout_scale, p.datout_shifter), 8)
    _, sat = saturate(round_shift((r[:c_real] - p.datout_offset) * p.datout_scale,
                                  p.datout_shifter), 8)
    real = kinds[:c_real]
    stats = {name: int(np.count_nonzero(real == name))
             for name in ("uflow", "oflow", "hybrid", "le_hit", "lo_hit")}
    stats["out_sat"] = sat
    return y.astype(np.int8), stats
