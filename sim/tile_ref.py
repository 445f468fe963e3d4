"""Bit-exact numpy reference models of the deep-learning tile's arithmetic.

The tile's RTL units (CMAC, CACC, SDP, PDP), the functional tile model (:mod:`simtlab.sim.tile_model`,
which computes layers with these functions), the layer driver (which uses them to predict results and
to check them) and the tests all share this one model, which is why it lives in the package
(``simtlab.sim``, below the drivers) rather than under tb/: a driver must not import test code.

Arrays are numpy; features are NCHW (or CHW), weights KCRS (R = kernel height, S = kernel width).
Every function takes integers and returns integers; none uses floating point.

Rounding and saturation rules (the same everywhere in the tile)
---------------------------------------------------------------
* **Right shift with rounding** (:func:`round_shift`): ``x >> n`` rounds to the nearest integer and
  halves away from zero: ``round_shift(5, 1) == 3``, ``round_shift(-5, 1) == -3``,
  ``round_shift(-6, 2) == -2`` (-1.5 -> -2), ``round_shift(x, 0) == x``. NVDLA documents half away
  from zero for its converters and truncation; Gemmini rounds half to even, simtlab does not.
* **Saturation** (:func:`saturate`) clamps to the two's complement range of the target width and
  counts the clamped elements; the counts feed the saturation counters (CACC
  ``D_OUT_SATURATION``, SDP ``D_PERF_OUT_SATURATION``).
* **Accumulation** is exact: int8 x int8 products summed in int64 (NVDLA's CACC is 34 bits wide;
  the layer shapes the tile accepts keep sums well inside that).
* **CACC truncation** (:func:`cacc_truncate`): ``int32_sat(round_shift(acc, CLIP_TRUNCATE))``.
* **SDP X1 and X2** (:func:`sdp_x1`), per element, in this order:

  1. ALU (bias): ``a = int32_sat(op(x, operand << ALU_SHIFT))`` with op = sum, max or min;
  2. MUL (scale): ``m = int32_sat(round_shift(a * operand, MUL_SHIFT))``; in PReLU mode only negative
     ``a`` are scaled and non-negative ``a`` pass unchanged; with the multiplier bypassed the
     shift still applies, ``m = int32_sat(round_shift(a, MUL_SHIFT))``, as in NVDLA;
  3. ReLU: ``max(m, 0)``;
  4. X2 (batch norm): steps 1-3 again with X2's own operands and switches;
  5. output converter: ``y = int8_sat(round_shift((r - CVT_OFFSET) * CVT_SCALE, CVT_SHIFT))``.

  Operands are per layer (a scalar), per channel (an array of C values) or per element (a cube
  of the input's shape); each step can be bypassed (``None``). Saturations of steps 1-2 and of step 4 are counted separately; the register
  counter ``D_PERF_OUT_SATURATION`` counts step 4.
* **PDP** (:func:`pool2d`): max and min look at the real elements of a window only (padded positions
  never win; a window made only of padding is rejected). Average sums the window with each padded
  position counted as ``pad_value`` (NVDLA adds ``PAD_VALUE_nX`` = n x pad value), then divides by
  the full kernel area with NVDLA's fixed-point reciprocals ``recip(k) = round(2**16 / k)``
  (``D_RECIP_KERNEL_WIDTH/HEIGHT``, 17 bits; see :func:`pool_recip`) in NVDLA's two steps, each
  rounding to an integer: the width step ``m = round_shift(sum * recip(kw), 16)``, then the height
  step ``y = int8_sat(round_shift(m * recip(kh), 16))``. The result is within one of the exact
  mean (the double rounding can move a power-of-two kernel's mean by one, as in NVDLA).
"""

import numpy as np

__all__ = [
    "round_shift",
    "saturate",
    "conv2d",
    "conv_output_size",
    "cacc_truncate",
    "sdp_x1",
    "pool_recip",
    "pool2d",
]

INT8 = (-128, 127)
INT32 = (-(1 << 31), (1 << 31) - 1)


def _pair(value, name):
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{name} takes an int or a (y, x) pair, not {value!r}")
    return value


def _padding(value):
    """Padding as (top, bottom, left, right) from an int, a (y, x) pair or a 4-tuple."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * 4
    value = tuple(int(v) for v in value)
    if len(value) == 2:
        return (value[0], value[0], value[1], value[1])
    if len(value) != 4:
        raise ValueError(f"padding takes an int, (y, x) or (top, bottom, left, right), not {value!r}")
    if min(value) < 0:
        raise ValueError(f"padding must not be negative, not {value!r}")
    return value


def _int_array(x, name):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"{name} must be an integer array, not {x.dtype}")
    return x.astype(np.int64)


def round_shift(x, shift):
    """``x / 2**shift`` rounded to nearest, halves away from zero (int64 in, int64 out)."""
    x = _int_array(x, "x")
    shift = int(shift)
    if shift < 0:
        raise ValueError(f"shift must be >= 0, not {shift}")
    if shift == 0:
        return x
    half = np.int64(1) << np.int64(shift - 1)
    magnitude = (np.abs(x) + half) >> np.int64(shift)
    return np.where(x < 0, -magnitude, magnitude)


def saturate(x, bits):
    """``(x clamped to the signed ``bits``-bit range, number of clamped elements)``."""
    x = _int_array(x, "x")
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    count = int(np.count_nonzero((x < lo) | (x > hi)))
    return np.clip(x, lo, hi), count


def conv_output_size(size, kernel, stride, pad_before, pad_after, dilation=1):
    """Output length of one dimension: ``(size + pads - dilation*(kernel-1) - 1) // stride + 1``."""
    span = dilation * (kernel - 1) + 1
    total = size + pad_before + pad_after
    if total < span:
        raise ValueError(f"the kernel (span {span}) does not fit the padded input ({total})")
    return (total - span) // stride + 1


def conv2d(x, w, *, stride=1, padding=0, pad_value=0, dilation=1):
    """Direct convolution, int8 features x int8 weights -> exact int64 accumulators.

    Parameters
    ----------
    x : (N, C, H, W) or (C, H, W) integer array (int8 range)
    w : (K, C, R, S) integer array (int8 range); R is the kernel height, S its width
    stride, dilation : int or (y, x)
    padding : int, (y, x) or (top, bottom, left, right); padded elements hold ``pad_value``
        (NVDLA's ``D_ZERO_PADDING_VALUE``).

    Returns (N, K, H_out, W_out) (or (K, H_out, W_out)) int64 sums, cross-correlation as in
    NVDLA and every DL framework (the kernel is not flipped).
    """
    x = _int_array(x, "x")
    w = _int_array(w, "w")
    squeeze = x.ndim == 3
    if squeeze:
        x = x[None]
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"conv2d takes NCHW (or CHW) features and KCRS weights, not {x.shape} and "
                         f"{w.shape}")
    n, c, h, wd = x.shape
    k, wc, r, s = w.shape
    if wc != c:
        raise ValueError(f"weights have {wc} channels, features {c}")
    sy, sx = _pair(stride, "stride")
    dy, dx = _pair(dilation, "dilation")
    if min(sy, sx, dy, dx) < 1:
        raise ValueError("stride and dilation must be >= 1")
    top, bottom, left, right = _padding(padding)
    ho = conv_output_size(h, r, sy, top, bottom, dy)
    wo = conv_output_size(wd, s, sx, left, right, dx)
    xp = np.full((n, c, h + top + bottom, wd + left + right), int(pad_value), dtype=np.int64)
    xp[:, :, top:top + h, left:left + wd] = x
    out = np.zeros((n, k, ho, wo), dtype=np.int64)
    # One matrix product per kernel position: out[n,k,y,x] += sum_c w[k,c,i,j] * xp[n,c,...].
    for i in range(r):
        for j in range(s):
            window = xp[:, :, i * dy: i * dy + sy * (ho - 1) + 1: sy,
                        j * dx: j * dx + sx * (wo - 1) + 1: sx]          # (n, c, ho, wo)
            out += np.einsum("nchw,kc->nkhw", window, w[:, :, i, j], optimize=False)
    return out[0] if squeeze else out


def cacc_truncate(acc, clip_truncate):
    """CACC: ``int32_sat(round_shift(acc, clip_truncate))``; returns ``(int32 values, saturations)``.

    ``clip_truncate`` is ``D_CLIP_CFG.CLIP_TRUNCATE`` (0-16 in NVDLA; any 0-31 accepted here).
    """
    if not 0 <= int(clip_truncate) <= 31:
        raise ValueError(f"clip_truncate must be 0-31, not {clip_truncate}")
    y, count = saturate(round_shift(acc, clip_truncate), 32)
    return y.astype(np.int32), count


def _per_channel(operand, shape, name):
    """A scalar, or C values broadcast along axis -3 (the channel axis of CHW/NCHW)."""
    op = np.asarray(operand)
    if not np.issubdtype(op.dtype, np.integer):
        raise TypeError(f"{name} must be an integer or an integer array, not {op.dtype}")
    if op.ndim == 0:
        return op.astype(np.int64)
    if op.shape == tuple(shape[-op.ndim:]) and op.ndim >= 3:
        return op.astype(np.int64)                      # per element
    channels = shape[-3]
    if op.shape != (channels,):
        raise ValueError(f"{name} per channel needs shape ({channels},) (or the cube's shape per "
                         f"element), not {op.shape}")
    return op.astype(np.int64).reshape(channels, 1, 1)


def _check16(op, name):
    if np.any(op < -(1 << 15)) or np.any(op >= (1 << 15)):
        raise ValueError(f"{name} operands are int16")


def _bs_stage(x, stats, *, alu=None, alu_algo="sum", alu_shift=0, mul=None, mul_shift=0,
              prelu=False, relu=False):
    """One X1/X2 stage (ALU, MUL/PReLU, ReLU) on the int64 cube ``x``; counts into ``stats``."""
    if alu is not None:
        op = _per_channel(alu, x.shape, "alu")
        _check16(op, "alu")
        if not 0 <= alu_shift <= 63:
            raise ValueError(f"alu_shift must be 0-63, not {alu_shift}")
        op = op << np.int64(alu_shift)
        if alu_algo == "sum":
            x = x + op
        elif alu_algo == "max":
            x = np.maximum(x, op)
        elif alu_algo == "min":
            x = np.minimum(x, op)
        else:
            raise ValueError(f"alu_algo is 'sum', 'max' or 'min', not {alu_algo!r}")
        x, n = saturate(x, 32)
        stats["alu_sat"] += n
    if not 0 <= mul_shift <= 63:
        raise ValueError(f"mul_shift must be 0-63, not {mul_shift}")
    if mul is not None:
        op = _per_channel(mul, x.shape, "mul")
        _check16(op, "mul")
        scaled = round_shift(x * op, mul_shift)
        if prelu:
            scaled = np.where(x < 0, scaled, x)
        x, n = saturate(scaled, 32)
        stats["mul_sat"] += n
    elif mul_shift:
        # NVDLA's shifter follows the multiplier even when the multiplier is bypassed.
        x, n = saturate(round_shift(x, mul_shift), 32)
        stats["mul_sat"] += n
    if relu:
        x = np.maximum(x, 0)
    return x


def sdp_x1(x, *, alu=None, alu_algo="sum", alu_shift=0, mul=None, mul_shift=0, prelu=False,
           relu=False, bn=None, cvt_offset=0, cvt_scale=1, cvt_shift=0):
    """SDP's X1 stage, its X2 stage (``bn``) and the output converter on an int32 cube (CHW or
    NCHW).

    Parameters
    ----------
    alu : None (bypass), an int16, C int16 values (per channel) or a cube of x's shape (per
        element)
        ``D_DP_BS_ALU_SRC_VALUE`` or the BRDMA operands; ``alu_algo`` "sum" (bias), "max", "min";
        ``alu_shift`` = ``BS_ALU_SHIFT_VALUE`` (operand shifted left).
    mul : None (bypass), an int16, C int16 values or a cube; ``mul_shift`` =
        ``BS_MUL_SHIFT_VALUE`` (product shifted right with rounding; applied to x when the
        multiplier is bypassed, as in NVDLA); ``prelu`` = ``BS_MUL_PRELU``.
    relu : ReLU on (``BS_RELU_BYPASS`` = 0).
    bn : None (X2 bypassed) or a dict of the same keys (``alu``, ``alu_algo``, ``alu_shift``,
        ``mul``, ``mul_shift``, ``prelu``, ``relu``) for X2 (``D_DP_BN_*``, NRDMA operands).
    cvt_offset, cvt_scale, cvt_shift : the output converter (``D_CVT_*``).

    Returns ``(int8 cube, {"alu_sat": n, "mul_sat": n, "out_sat": n})``; the rules are in the module
    docstring (X2 repeats X1's steps on X1's result; its saturations add to the same counts).
    """
    x = _int_array(x, "x")
    if x.ndim < 3:
        raise ValueError(f"sdp_x1 takes a CHW or NCHW cube, not shape {x.shape}")
    stats = {"alu_sat": 0, "mul_sat": 0, "out_sat": 0}
    x = _bs_stage(x, stats, alu=alu, alu_algo=alu_algo, alu_shift=alu_shift, mul=mul,
                  mul_shift=mul_shift, prelu=prelu, relu=relu)
    if bn is not None:
        unknown = set(bn) - {"alu", "alu_algo", "alu_shift", "mul", "mul_shift", "prelu", "relu"}
        if unknown:
            raise ValueError(f"bn takes X2's alu/alu_algo/alu_shift/mul/mul_shift/prelu/relu, "
                             f"not {sorted(unknown)}")
        x = _bs_stage(x, stats, **bn)
    if not -(1 << 31) <= cvt_offset < (1 << 31) or not -(1 << 15) <= cvt_scale < (1 << 15):
        raise ValueError("cvt_offset is an int32 and cvt_scale an int16")
    if not 0 <= cvt_shift <= 63:
        raise ValueError(f"cvt_shift must be 0-63, not {cvt_shift}")
    y, stats["out_sat"] = saturate(round_shift((x - cvt_offset) * cvt_scale, cvt_shift), 8)
    return y.astype(np.int8), stats


def pool_recip(k):
    """NVDLA's reciprocal of a kernel size: ``round(2**16 / k)``, halves up (17 bits for k = 1)."""
    k = int(k)
    if not 1 <= k <= 16:
        raise ValueError(f"pooling kernel sizes are 1-16, not {k}")
    return ((1 << 17) // k + 1) // 2


def pool2d(x, method, *, kernel, stride=None, padding=0, pad_value=0):
    """PDP pooling of an int8 cube (CHW or NCHW) -> ``(int8 cube, saturations)``.

    ``method`` is "max", "min" or "avg"; ``kernel`` and ``stride`` are ints or (y, x) pairs
    (``stride`` defaults to ``kernel``); ``padding`` as in :func:`conv2d` (NVDLA allows 0-7);
    ``pad_value`` counts in average pooling only. Rules in the module docstring.
    """
    x = _int_array(x, "x")
    squeeze = x.ndim == 3
    if squeeze:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"pool2d takes a CHW or NCHW cube, not shape {x.shape}")
    kh, kw = _pair(kernel, "kernel")
    sy, sx = _pair(kernel if stride is None else stride, "stride")
    top, bottom, left, right = _padding(padding)
    if method not in ("max", "min", "avg"):
        raise ValueError(f"method is 'max', 'min' or 'avg', not {method!r}")
    n, c, h, w = x.shape
    ho = conv_output_size(h, kh, sy, top, bottom)
    wo = conv_output_size(w, kw, sx, left, right)
    hp, wp = h + top + bottom, w + left + right
    fill = {"max": -(1 << 40), "min": 1 << 40, "avg": int(pad_value)}[method]
    xp = np.full((n, c, hp, wp), fill, dtype=np.int64)
    xp[:, :, top:top + h, left:left + w] = x
    real = np.zeros((hp, wp), dtype=bool)
    real[top:top + h, left:left + w] = True
    windows = np.stack([xp[:, :, i: i + sy * (ho - 1) + 1: sy, j: j + sx * (wo - 1) + 1: sx]
                        for i in range(kh) for j in range(kw)])            # (kh*kw, n, c, ho, wo)
    covered = np.stack([real[i: i + sy * (ho - 1) + 1: sy, j: j + sx * (wo - 1) + 1: sx]
                        for i in range(kh) for j in range(kw)]).any(axis=0)
    if not covered.all():
        raise ValueError("a pooling window covers only padding; reduce the padding")
    if method == "max":
        y = windows.max(axis=0)
    elif method == "min":
        y = windows.min(axis=0)
    else:
        total = windows.sum(axis=0)
        y = round_shift(round_shift(total * pool_recip(kw), 16) * pool_recip(kh), 16)
    y, count = saturate(y, 8)
    y = y.astype(np.int8)
    return (y[0] if squeeze else y), count
