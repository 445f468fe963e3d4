"""The tile driver's validation: numpy inputs and layer parameters in, checked layers out.

Place in the layer driver (:mod:`simtlab.drivers.tile`): **validate** -> plan
(:mod:`~simtlab.drivers.tile_plan`) -> run (:mod:`~simtlab.drivers.tile_run`). Every limit of a
layer is checked here, before the device is touched: ``TypeError`` for a wrong kind (not a numpy
integer array, a float where an integer belongs), ``ValueError`` naming the limit (shape, int8
range, stride/dilation/padding/kernel field ranges, CBUF fit via ``conv_fits``, PDP line buffer,
SDP operand ranges). The checked layers (:class:`ConvLayer`, :class:`PoolLayer`,
:class:`SdpLayer`) hold the inputs as int8 arrays and every parameter in canonical form.
"""

import operator
from dataclasses import dataclass

import numpy as np

from ..sim import tile_ref
from ..spec.tile_limits import PDP_MAX_KERNEL, PDP_MAX_WIDTH, SDP_MAX_CHANNELS, ConvShape, conv_fits

__all__ = [
    "integer",
    "PoolParams",
    "pool_params",
    "ConvLayer",
    "PoolLayer",
    "SdpLayer",
    "conv2d_layer",
    "pool2d_layer",
    "sdp_layer",
    "sequence_layers",
]


def integer(value, name):
    """``value`` as an ``int``; ``TypeError`` naming ``name`` for bools, floats and non-integers."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {value!r}") from None


def _pair(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} takes an int or a (y, x) pair, not {value!r}")
        return tuple(integer(v, name) for v in value)
    v = integer(value, name)
    return (v, v)


def _padding(value, name="padding"):
    if isinstance(value, (tuple, list)):
        vals = tuple(integer(v, name) for v in value)
        if len(vals) == 2:
            vals = (vals[0], vals[0], vals[1], vals[1])
        elif len(vals) != 4:
            raise ValueError(f"{name} takes an int, (y, x) or (top, bottom, left, right), "
                             f"not {value!r}")
    else:
        vals = (integer(value, name),) * 4
    if min(vals) < 0:
        raise ValueError(f"{name} must not be negative, not {value!r}")
    return vals


def _in_range(value, lo, hi, name):
    value = integer(value, name)
    if not lo <= value <= hi:
        raise ValueError(f"{name} {value} is outside {lo}..{hi}")
    return value


def _bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, not {value!r}")
    return bool(value)


def _cube(x, name, ndim=4):
    """An int8-range integer numpy array of NCHW (N = 1) or KCRS -> the same as int8."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, not {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"{name} must be an integer (int8) array, not {x.dtype}")
    if x.ndim != ndim:
        raise ValueError(f"{name} must be {'NCHW' if ndim == 4 else 'KCRS'} ({ndim} dimensions), "
                         f"not shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} is empty: shape {x.shape}")
    if x.min() < -128 or x.max() > 127:
        raise ValueError(f"{name} must hold int8 values (-128..127); it holds "
                         f"{int(x.min())}..{int(x.max())}")
    if ndim == 4 and name == "x" and x.shape[0] != 1:
        raise ValueError(f"x must have batch N = 1 (NCHW), not N = {x.shape[0]}")
    return x.astype(np.int8)


def _cube_sizes(x):
    """(C, H, W) of an NCHW input, each within the 13-bit cube fields."""
    _, c, h, w = x.shape
    for name, v in (("channels", c), ("height", h), ("width", w)):
        _in_range(v, 1, 8192, f"input {name} (13-bit cube field)")
    return c, h, w


def _operand16(values, name, channels):
    """An integer or ``channels`` integers -> (int16 values, shift) with values << shift exact."""
    arr = np.asarray(values)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an integer or integer array, not {arr.dtype}")
    if arr.ndim not in (0, 1) or arr.ndim == 1 and arr.shape != (channels,):
        raise ValueError(f"{name} takes one integer or one per output channel ({channels},), "
                         f"not shape {arr.shape}")
    wide = arr.astype(object)
    shift = 0
    while True:
        q = [int(v) >> shift for v in np.ravel(wide)]
        if all(-(1 << 15) <= v < (1 << 15) for v in q):
            break
        shift += 1
    if any(int(v) != (qv << shift) for v, qv in zip(np.ravel(wide), q)):
        raise ValueError(f"{name} values must fit int16 << shift exactly (SDP's ALU operand): "
                         f"{int(np.max(np.abs(wide)))} needs shift {shift} but the low "
                         f"{shift} bits are not all 0")
    if shift > 63:
        raise ValueError(f"{name} needs an operand shift of {shift}, more than 63")
    q = np.array(q, dtype=np.int64)
    return (q if arr.ndim else int(q[0])), shift


@dataclass(frozen=True)
class PoolParams:
    """Checked pooling parameters: ``kernel`` and ``stride`` (y, x), ``padding`` (top, bottom,
    left, right), ``mode`` ("max", "min", "avg"), ``pad_value`` (int8) and the output ``out``
    (C, Ho, Wo)."""
    kernel: tuple
    stride: tuple
    padding: tuple
    mode: str
    pad_value: int
    out: tuple


@dataclass(frozen=True)
class ConvLayer:
    """A checked ``conv2d``: ``x`` (1, C, H, W) and ``w`` (K, C, R, S) int8; ``shape`` the
    :class:`ConvShape` (stride, padding, dilation) that fits CBUF; ``bias`` None, an int or K
    int16 values (numpy) with ``bias_shift``; ``pool`` the fused pooling or None."""
    x: np.ndarray
    w: np.ndarray
    shape: ConvShape
    pad_value: int
    relu: bool
    out_scale: int
    out_shift: int
    clip_truncate: int
    bias: object
    bias_shift: int
    pool: object


@dataclass(frozen=True)
class PoolLayer:
    """A checked ``pool2d`` (PDP memory to memory): ``x`` (1, C, H, W) int8."""
    x: np.ndarray
    pool: PoolParams


@dataclass(frozen=True)
class SdpLayer:
    """A checked ``sdp`` (SDP memory to memory): ``x`` (1, C, H, W) int8; ``bias``/``scale``
    None or an int16 per-layer operand."""
    x: np.ndarray
    bias: object
    bias_shift: int
    scale: object
    scale_shift: int
    prelu: bool
    relu: bool
    out_offset: int
    out_scale: int
    out_shift: int


def pool_params(pool, c, h, w):
    """Checked pooling parameters (:class:`PoolParams`) of ``pool`` (a dict with ``kernel`` and
    optional ``stride``, ``padding``, ``mode``, ``pad_value``) for a (c, h, w) input."""
    if isinstance(pool, dict):
        unknown = set(pool) - {"kernel", "stride", "padding", "mode", "pad_value"}
        if unknown or "kernel" not in pool:
            raise ValueError(f"pool takes a dict with 'kernel' and optional 'stride', "
                             f"'padding', 'mode', 'pad_value'; got keys {sorted(pool)}")
        kernel, stride = pool["kernel"], pool.get("stride")
        padding, mode = pool.get("padding", 0), pool.get("mode", "max")
        pad_value = pool.get("pad_value", 0)
    else:
        raise TypeError(f"pool must be None or a dict, not {pool!r}")
    kh, kw = _pair(kernel, "pooling kernel")
    sy, sx = _pair(kernel if stride is None else stride, "pooling stride")
    for name, v in (("pooling kernel height", kh), ("pooling kernel width", kw),
                    ("pooling stride y", sy), ("pooling stride x", sx)):
        _in_range(v, 1, PDP_MAX_KERNEL, name)
    pads = _padding(padding, "pooling padding")
    for side, v in zip(("top", "bottom", "left", "right"), pads):
        _in_range(v, 0, 7, f"pooling padding {side} (D_POOLING_PADDING_CFG)")
    if mode not in ("max", "min", "avg"):
        raise ValueError(f"pooling mode is 'max', 'min' or 'avg', not {mode!r}")
    pad_value = _in_range(pad_value, -128, 127, "pooling pad_value (int8)")
    if h + pads[0] + pads[1] < kh or w + pads[2] + pads[3] < kw:
        raise ValueError(f"the pooling kernel {kh}x{kw} does not fit the padded input "
                         f"{h + pads[0] + pads[1]}x{w + pads[2] + pads[3]}")
    ho = (h + pads[0] + pads[1] - kh) // sy + 1
    wo = (w + pads[2] + pads[3] - kw) // sx + 1
    if wo > PDP_MAX_WIDTH:
        raise ValueError(f"pooled output width {wo} exceeds the PDP line buffer "
                         f"({PDP_MAX_WIDTH}); width splitting (SPLIT_NUM) is not implemented")
    # Windows made only of padding (rejected by the reference, undefined in hardware).
    try:
        tile_ref.pool2d(np.zeros((1, h, w), np.int64), mode, kernel=(kh, kw), stride=(sy, sx),
                        padding=pads, pad_value=pad_value)
    except ValueError as error:
        raise ValueError(f"pooling: {error}") from None
    return PoolParams(kernel=(kh, kw), stride=(sy, sx), padding=pads, mode=mode,
                      pad_value=pad_value, out=(c, ho, wo))


def conv2d_layer(config, x, w, bias=None, *, stride=1, padding=0, pad_value=0, dilation=1,
                 relu=False, out_scale=1, out_shift=0, clip_truncate=0, pool=None):
    """A checked :class:`ConvLayer` for ``TileDriver.conv2d``'s arguments on a tile of
    ``config`` (``TileConfig``)."""
    x = _cube(x, "x")
    w = _cube(w, "w")
    _, c, h, wd = x.shape
    k, wc, r, s = w.shape
    if wc != c:
        raise ValueError(f"w has {wc} input channels, x has {c}")
    sy, sx = _pair(stride, "stride")
    dy, dx = _pair(dilation, "dilation")
    pads = _padding(padding)
    pad_value = _in_range(pad_value, -128, 127, "pad_value (int8)")
    relu = _bool(relu, "relu")
    out_scale = _in_range(out_scale, -(1 << 15), (1 << 15) - 1,
                          "out_scale (D_CVT_SCALE, int16)")
    out_shift = _in_range(out_shift, 0, 63, "out_shift (D_CVT_SHIFT)")
    clip_truncate = _in_range(clip_truncate, 0, 16, "clip_truncate (D_CLIP_CFG)")
    for name, v in (("stride y", sy), ("stride x", sx), ("dilation y", dy),
                    ("dilation x", dx)):
        if v < 1:
            raise ValueError(f"{name} must be >= 1, not {v}")
    shape = ConvShape(c, h, wd, k, r, s, stride=(sy, sx), padding=pads, dilation=(dy, dx))
    conv_fits(shape, config)                            # ValueError names the limit
    ho, wo = shape.out_height, shape.out_width
    if bias is None:
        bias_op, bias_shift = None, 0
    else:
        bias_op, bias_shift = _operand16(bias, "bias", k)
        if isinstance(bias_op, np.ndarray) and k > SDP_MAX_CHANNELS:
            raise ValueError(f"per-channel bias for {k} channels exceeds SDP's operand table "
                             f"({SDP_MAX_CHANNELS})")
    pool_p = None if pool is None else pool_params(pool, k, ho, wo)
    if wo > 8192 or ho > 8192 or k > 8192:
        raise ValueError(f"output {k}x{ho}x{wo} exceeds the 13-bit SDP cube fields")
    return ConvLayer(x=x, w=w, shape=shape, pad_value=pad_value, relu=relu, out_scale=out_scale,
                     out_shift=out_shift, clip_truncate=clip_truncate, bias=bias_op,
                     bias_shift=bias_shift, pool=pool_p)


def pool2d_layer(x, kernel, stride=None, padding=0, mode="max", *, pad_value=0):
    """A checked :class:`PoolLayer` for ``TileDriver.pool2d``'s arguments."""
    x = _cube(x, "x")
    c, h, w = _cube_sizes(x)
    return PoolLayer(x=x, pool=pool_params(dict(kernel=kernel, stride=stride, padding=padding,
                                                 mode=mode, pad_value=pad_value), c, h, w))


def sdp_layer(x, *, bias=None, bias_shift=0, scale=None, scale_shift=0, prelu=False,
              relu=False, out_offset=0, out_scale=1, out_shift=0):
    """A checked :class:`SdpLayer` for ``TileDriver.sdp``'s arguments."""
    x = _cube(x, "x")
    _cube_sizes(x)
    alu = None if bias is None else _in_range(bias, -(1 << 15), (1 << 15) - 1,
                                              "bias (D_DP_BS_ALU_SRC_VALUE, int16)")
    mul = None if scale is None else _in_range(scale, -(1 << 15), (1 << 15) - 1,
                                               "scale (D_DP_BS_MUL_SRC_VALUE, int16)")
    bias_shift = _in_range(bias_shift, 0, 63, "bias_shift (BS_ALU_SHIFT_VALUE)")
    scale_shift = _in_range(scale_shift, 0, 63, "scale_shift (BS_MUL_SHIFT_VALUE)")
    out_offset = _in_range(out_offset, -(1 << 31), (1 << 31) - 1, "out_offset (D_CVT_OFFSET)")
    out_scale = _in_range(out_scale, -(1 << 15), (1 << 15) - 1, "out_scale (D_CVT_SCALE)")
    out_shift = _in_range(out_shift, 0, 63, "out_shift (D_CVT_SHIFT)")
    prelu, relu = _bool(prelu, "prelu"), _bool(relu, "relu")
    return SdpLayer(x=x, bias=alu, bias_shift=bias_shift, scale=mul, scale_shift=scale_shift,
                    prelu=prelu, relu=relu, out_offset=out_offset, out_scale=out_scale,
                    out_shift=out_shift)


_OPS = {
    "conv2d": conv2d_layer,
    "pool2d": lambda config, *args, **kw: pool2d_layer(*args, **kw),
    "sdp": lambda config, *args, **kw: sdp_layer(*args, **kw),
}


def sequence_layers(config, layers):
    """Checked layers of ``TileDriver.run_sequence`` on a tile of ``config``: ``layers`` is a
    list of dicts ``{"op": "conv2d" | "pool2d" | "sdp", <the method's arguments>}``; errors name
    the layer."""
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"run_sequence takes a list of layer dicts, not {layers!r}")
    checked = []
    for n, spec in enumerate(layers):
        if not isinstance(spec, dict) or "op" not in spec:
            raise TypeError(f"layer {n}: a dict with 'op' ('conv2d', 'pool2d', 'sdp'), "
                            f"not {spec!r}")
        args = dict(spec)
        op = args.pop("op")
        check = _OPS.get(op)
        if check is None:
            raise ValueError(f"layer {n}: op must be 'conv2d', 'pool2d' or 'sdp', not {op!r}")
        try:
            checked.append(check(config, **args))
        except TypeError as error:
            raise TypeError(f"layer {n} ({op}): {error}") from None
        except ValueError as error:
            raise ValueError(f"layer {n} ({op}): {error}") from None
    return checked
