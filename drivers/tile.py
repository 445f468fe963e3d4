"""The deep-learning tile's layer driver: numpy in, register writes, numpy out.

``TileDriver`` runs convolution, pooling and SDP layers on the tile (NVDLA nv_small style,
docs/tile.md) through a device object, checking every limit before it touches the device,
packing tensors in NVDLA's layouts (:mod:`simtlab.sim.tile_layout`), programming registers
by their table names (:mod:`simtlab.drivers.regs`) in NVDLA's enable order, waiting for the
interrupt and unpacking the result. The arithmetic is :mod:`simtlab.sim.tile_ref`'s, bit
for bit.

API
---
``TileDriver(device, config=None, *, trace=None, max_cycles=10_000_000)``
    ``device`` needs ``tile_write(offset, value)``, ``tile_read(offset) -> int`` (32-bit register
    access at a byte offset in the tile's window), ``tile_run(max_cycles) -> cycles`` (clock until
    the tile's interrupt line is high or the limit passes), ``alloc(nbytes)`` (a buffer whose
    ``int()`` is its address, 64-byte aligned: :class:`simtlab.drivers.device.Buffer`),
    ``write(addr, bytes)`` and ``read(addr, nbytes)`` -- the methods of :class:`simtlab.Device`.
    ``config`` defaults to ``device.config.tile`` if the device has one, else ``TileConfig()``.
    ``trace``: a list (lines are appended) or a path (the file is written) recording the register
    sequence for replay, see *Trace* below. The constructor reads CFGROM (the tile must match
    ``config``) and every unit's ``S_STATUS``/``S_POINTER`` (the tile must be idle), and masks
    every interrupt; waiting for a layer unmasks just the done bit that ends it (SDP's, or PDP's
    when pooling, in the layer's group), so the interrupt line means "this layer is done" even
    with a second layer queued or a fused layer's SDP finishing first.

``conv2d(x, w, bias=None, *, stride=1, padding=0, pad_value=0, dilation=1, relu=False,
out_scale=1, out_shift=0, clip_truncate=0, pool=None) -> (y, counters)``
    ``x`` int8 NCHW with N = 1, ``w`` int8 KCRS; ``bias`` None, an integer or K integers added
    to the int32 accumulators (SDP X1 ALU, per layer from a register or per channel through
    SDP_RDMA; stored as int16 << shift, so values must be exact multiples of a power of two that
    brings them into int16); ``stride``/``dilation`` int or (y, x), ``padding`` int, (y, x) or
    (top, bottom, left, right); ``clip_truncate`` CACC's right shift; ``out_scale``/``out_shift``
    SDP's output converter (``int8_sat(round_shift(r * out_scale, out_shift))``). ``pool`` fuses
    pooling after SDP (conv -> SDP -> PDP -> memory): a dict with ``kernel``, optional
    ``stride`` (default the kernel), ``padding``, ``mode`` ("max", "min", "avg", default "max")
    and ``pad_value``. Returns int8 NCHW and the counters below. The result equals
    ``sdp_x1(cacc_truncate(conv2d(...)))`` (then ``pool2d``) of :mod:`tile_ref`.
``pool2d(x, kernel, stride=None, padding=0, mode="max", *, pad_value=0)``
    PDP memory to memory (PDP_RDMA reads the cube). Same returns.
``sdp(x, *, bias=None, bias_shift=0, scale=None, scale_shift=0, prelu=False, relu=False,
out_offset=0, out_scale=1, out_shift=0)``
    SDP memory to memory on an int8 cube (SDP_RDMA reads it), per-layer operands.
``run_sequence(layers) -> [(y, counters), ...]``
    Several independent layers, each a dict ``{"op": "conv2d" | "pool2d" | "sdp", <the
    method's arguments>}``. Every layer is checked first; then layer 0 is programmed and
    enabled, and while layer n runs the driver programs layer n + 1 into the other register
    group of its units (NVDLA's ping-pong groups) so it starts as soon as layer n ends. A layer
    may not read another's output (the hardware does not order them): chain layers with
    separate calls.

Counters (dict): ``cycles`` (clock cycles waited for the layer), ``layer_cycles`` (the units' own
count, ``CDMA``/``PDP.D_PERF_LAYER_CYCLES``), ``macs`` (useful multiply-accumulates, K*C*R*S*Ho*Wo),
``mac_cycles`` (``CMAC_A.D_PERF_MAC_CYCLES``), ``mac_utilization`` (``macs / (AtomC * AtomK *
layer_cycles)``), ``dma_bytes`` (bytes the layer reads and writes, from the layouts),
``read_stall``, ``write_stall``, ``cacc_saturations`` (``CACC.D_OUT_SATURATION``), ``saturations``
(``SDP.D_PERF_OUT_SATURATION``). Only the counters of the units a layer uses are present. In
``run_sequence`` a layer's unit counters are read after its interrupt; if the next layer already
started they may have been reset by it (``cycles`` is always right).

Errors, all raised before the device is touched: ``TypeError`` for a wrong kind (not a numpy
integer array, a float where an integer belongs), ``ValueError`` naming the limit (shape, int8
range, stride/dilation/padding/kernel field ranges, CBUF fit via ``conv_fits``, PDP line buffer,
SDP operand ranges, 32-bit addresses). A layer that does not end within ``max_cycles`` raises
``TimeoutError`` (``simtlab.Device.tile_run`` may raise its own ``WatchdogTimeout`` first).

Trace: one line per step, ``write UNIT.REG 0x<value>`` (a register write, by table name) and
``wait irq`` (run until the interrupt line is high); lines starting with ``#`` are information a
replayer may skip: ``# upload 0x<addr> <nbytes> <what>`` (memory the layer reads; the bytes are
not in the trace), ``# output 0x<addr> <nbytes>``, ``# read UNIT.REG 0x<value>`` and ``# layer
<n> <op> ...``. :func:`read_trace` parses a trace into steps with byte offsets, for replayers
(cocotb, ``tb/rtl/tile/test_tile.py``).
"""

import operator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import TileConfig
from ..spec import tile_regs
from ..spec.tile_limits import PDP_MAX_KERNEL, PDP_MAX_WIDTH, SDP_MAX_CHANNELS, ConvShape, conv_fits
from . import regs
from ..sim import tile_layout as lay
from ..sim import tile_ref

__all__ = [
    "TileDriver",
    "read_trace",
]

_ADDR_LIMIT = 1 << 32
_WEIGHT_ALIGN = 256
_CONV_UNITS = ("CDMA", "CSC", "CMAC_A", "CMAC_B", "CACC")


def _ceil_div(a, b):
    return -(-a // b)


def _int(value, name):
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
        return tuple(_int(v, name) for v in value)
    v = _int(value, name)
    return (v, v)


def _padding(value, name="padding"):
    if isinstance(value, (tuple, list)):
        vals = tuple(_int(v, name) for v in value)
        if len(vals) == 2:
            vals = (vals[0], vals[0], vals[1], vals[1])
        elif len(vals) != 4:
            raise ValueError(f"{name} takes an int, (y, x) or (top, bottom, left, right), "
                             f"not {value!r}")
    else:
        vals = (_int(value, name),) * 4
    if min(vals) < 0:
        raise ValueError(f"{name} must not be negative, not {value!r}")
    return vals


def _in_range(value, lo, hi, name):
    value = _int(value, name)
    if not lo <= value <= hi:
        raise ValueError(f"{name} {value} is outside {lo}..{hi}")
    return value


def _cube(x, name, ndim=4):
    """An int8-range integer numpy array of NCHW (N = 1) -> CHW int8."""
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


@dataclass
class _Layer:
    """One validated layer: what to upload, which registers to write, what to read back."""
    op: str
    units: tuple                 # units in enable order (downstream first)
    end: str                     # the unit whose done ends the layer (SDP or PDP)
    uploads: list                # [(what, uint8 array, align)]
    out_bytes: int
    out_shape: tuple             # (C, H, W) of the result
    out_strides: tuple           # (line, surf)
    program: object              # fn(addrs) -> [(reg name, fields dict or int)]
    counters: dict = field(default_factory=dict)   # precomputed: macs, dma_bytes
    describe: str = ""
    # filled when submitted:
    groups: dict = field(default_factory=dict)
    out_addr: int = 0


class TileDriver:
    """Layer driver for the tile; see the module docstring for the API."""

    def __init__(self, device, config=None, *, trace=None, max_cycles=10_000_000):
        if config is None:          # a simtlab.Device knows its tile's shape
            config = getattr(getattr(device, "config", None), "tile", None) or TileConfig()
        if not isinstance(config, TileConfig):
            raise TypeError(f"config must be a TileConfig, not {config!r}")
        for method in ("tile_write", "tile_read", "tile_run", "alloc", "write", "read"):
            if not callable(getattr(device, method, None)):
                raise TypeError(f"device lacks {method}(); TileDriver needs tile_write, tile_read, "
                                f"tile_run, alloc, write and read")
        if config.atom_c != config.atom_k:
            raise ValueError(f"the layer driver needs atom_c == atom_k (the output feature atom is "
                             f"AtomK wide), not {config.atom_c} and {config.atom_k}")
        self._dev = device
        self._cfg = config
        self._max_cycles = _int(max_cycles, "max_cycles")
        self._trace_file = None
        self._trace_list = None
        if trace is None:
            pass
        elif isinstance(trace, list):
            self._trace_list = trace
        elif isinstance(trace, (str, Path)):
            self._trace_file = open(trace, "w")
        else:
            raise TypeError(f"trace must be a list, a path or None, not {trace!r}")
        self._layer_count = 0
        self._check_tile()

    # -- properties -------------------------------------------------------------------------------
    @property
    def config(self):
        return self._cfg

    def close(self):
        if self._trace_file is not None:
            self._trace_file.close()
            self._trace_file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- register access --------------------------------------------------------------------------
    def _log(self, line):
        if self._trace_list is not None:
            self._trace_list.append(line)
        if self._trace_file is not None:
            self._trace_file.write(line + "\n")
            self._trace_file.flush()

    def _write(self, name, value):
        if isinstance(value, dict):
            value = regs.pack(name, **value)
        self._log(f"write {name} 0x{value:08x}")
        self._dev.tile_write(regs.offset(name), value)

    def _read(self, name):
        value = int(self._dev.tile_read(regs.offset(name))) & 0xFFFF_FFFF
        self._log(f"# read {name} 0x{value:08x}")
        return value

    def _check_tile(self):
        hw, expected = self._read("CFGROM.HW_ID"), regs.reset_value("CFGROM.HW_ID")
        if hw != expected:
            raise RuntimeError(f"no simtlab tile at the register window: CFGROM.HW_ID reads "
                               f"0x{hw:08x}, not 0x{expected:08x}")
        atoms = regs.unpack("CFGROM.MAC_ATOMS", self._read("CFGROM.MAC_ATOMS"))
        if (atoms["ATOMIC_C"], atoms["ATOMIC_K"]) != (self._cfg.atom_c, self._cfg.atom_k):
            raise RuntimeError(f"the tile has AtomC x AtomK = {atoms['ATOMIC_C']} x "
                               f"{atoms['ATOMIC_K']}, the driver's config "
                               f"{self._cfg.atom_c} x {self._cfg.atom_k}")
        self._next = {}
        for u in tile_regs.UNITS:
            if not u.pingpong:
                continue
            status = regs.unpack(f"{u.name}.S_STATUS", self._read(f"{u.name}.S_STATUS"))
            if status["STATUS_0"] or status["STATUS_1"]:
                raise RuntimeError(f"the tile is busy: {u.name}.S_STATUS shows {status}")
            pointer = regs.unpack(f"{u.name}.S_POINTER", self._read(f"{u.name}.S_POINTER"))
            self._next[u.name] = pointer["CONSUMER"]
        # Every interrupt masked until a layer is waited for (see _wait).
        self._all_sources = 0
        for f in regs.register("GLB.INTR_MASK").fields:
            self._all_sources |= f.mask
        self._mask = self._all_sources
        self._write("GLB.INTR_MASK", self._mask)

    # -- public layers ----------------------------------------------------------------------------
    def conv2d(self, x, w, bias=None, *, stride=1, padding=0, pad_value=0, dilation=1, relu=False,
               out_scale=1, out_shift=0, clip_truncate=0, pool=None):
        layer = self._plan_conv(x, w, bias, stride=stride, padding=padding, pad_value=pad_value,
                                dilation=dilation, relu=relu, out_scale=out_scale,
                                out_shift=out_shift, clip_truncate=clip_truncate, pool=pool)
        return self._run([layer])[0]

    def pool2d(self, x, kernel, stride=None, padding=0, mode="max", *, pad_value=0):
        layer = self._plan_pool(x, kernel, stride, padding, mode, pad_value)
        return self._run([layer])[0]

    def sdp(self, x, *, bias=None, bias_shift=0, scale=None, scale_shift=0, prelu=False,
            relu=False, out_offset=0, out_scale=1, out_shift=0):
        layer = self._plan_sdp(x, bias=bias, bias_shift=bias_shift, scale=scale,
                               scale_shift=scale_shift, prelu=prelu, relu=relu,
                               out_offset=out_offset, out_scale=out_scale, out_shift=out_shift)
        return self._run([layer])[0]

    def run_sequence(self, layers):
        if not isinstance(layers, (list, tuple)):
            raise TypeError(f"run_sequence takes a list of layer dicts, not {layers!r}")
        plans = []
        for n, spec in enumerate(layers):
            if not isinstance(spec, dict) or "op" not in spec:
                raise TypeError(f"layer {n}: a dict with 'op' ('conv2d', 'pool2d', 'sdp'), "
                                f"not {spec!r}")
            args = dict(spec)
            op = args.pop("op")
            planner = {"conv2d": self._conv_args, "pool2d": self._pool_args,
                       "sdp": self._sdp_args}.get(op)
            if planner is None:
                raise ValueError(f"layer {n}: op must be 'conv2d', 'pool2d' or 'sdp', not {op!r}")
            try:
                plans.append(planner(**args))
            except TypeError as error:
                raise TypeError(f"layer {n} ({op}): {error}") from None
            except ValueError as error:
                raise ValueError(f"layer {n} ({op}): {error}") from None
        return self._run(plans)

    def _conv_args(self, x, w, bias=None, **kw):
        return self._plan_conv(x, w, bias, **kw)

    def _pool_args(self, x, kernel, stride=None, padding=0, mode="max", pad_value=0):
        return self._plan_pool(x, kernel, stride, padding, mode, pad_value)

    def _sdp_args(self, x, **kw):
        return self._plan_sdp(x, **kw)

    # -- planning (validation; nothing touches the device) ----------------------------------------
    def _pool_params(self, pool, c, h, w):
        """Validated pooling parameters for a (c, h, w) input."""
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
        return dict(kernel=(kh, kw), stride=(sy, sx), padding=pads, mode=mode,
                    pad_value=pad_value, out=(c, ho, wo))

    def _plan_conv(self, x, w, bias, *, stride=1, padding=0, pad_value=0, dilation=1, relu=False,
                   out_scale=1, out_shift=0, clip_truncate=0, pool=None):
        cfg = self._cfg
        a = cfg.atom_c
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
        if not isinstance(relu, (bool, np.bool_)):
            raise TypeError(f"relu must be a bool, not {relu!r}")
        out_scale = _in_range(out_scale, -(1 << 15), (1 << 15) - 1,
                              "out_scale (D_CVT_SCALE, int16)")
        out_shift = _in_range(out_shift, 0, 63, "out_shift (D_CVT_SHIFT)")
        clip_truncate = _in_range(clip_truncate, 0, 16, "clip_truncate (D_CLIP_CFG)")
        for name, v in (("stride y", sy), ("stride x", sx), ("dilation y", dy),
                        ("dilation x", dx)):
            if v < 1:
                raise ValueError(f"{name} must be >= 1, not {v}")
        shape = ConvShape(c, h, wd, k, r, s, stride=(sy, sx), padding=pads, dilation=(dy, dx))
        data_banks, weight_banks = conv_fits(shape, cfg)       # ValueError names the limit
        ho, wo = shape.out_height, shape.out_width
        if bias is None:
            bias_op, bias_shift = None, 0
        else:
            bias_op, bias_shift = _operand16(bias, "bias", k)
            if isinstance(bias_op, np.ndarray) and k > SDP_MAX_CHANNELS:
                raise ValueError(f"per-channel bias for {k} channels exceeds SDP's operand table "
                                 f"({SDP_MAX_CHANNELS})")
        pool_p = None if pool is None else self._pool_params(pool, k, ho, wo)
        if wo > 8192 or ho > 8192 or k > 8192:
            raise ValueError(f"output {k}x{ho}x{wo} exceeds the 13-bit SDP cube fields")

        feat = lay.pack_feature(x[0], atom_c=a)
        blob = lay.pack_weights(w, atom_c=a, atom_k=cfg.atom_k)
        uploads = [("features", feat, a), ("weights", blob, _WEIGHT_ALIGN)]
        if isinstance(bias_op, np.ndarray):
            uploads.append(("bias", bias_op.astype("<i2").view(np.uint8), a))
        out_c, out_h, out_w = (k, ho, wo) if pool_p is None else pool_p["out"]
        line, surf = lay.feature_strides(out_c, out_h, out_w, atom_c=a)
        out_bytes = lay.feature_bytes(out_c, out_h, out_w, atom_c=a)
        in_line, in_surf = lay.feature_strides(c, h, wd, atom_c=a)
        conv_line, conv_surf = lay.feature_strides(k, ho, wo, atom_c=a)
        macs = k * c * r * s * ho * wo
        dma = feat.size + blob.size + out_bytes + (2 * k if isinstance(bias_op, np.ndarray) else 0)

        def program(addrs, g):
            fa, wa, oa = addrs["features"], addrs["weights"], addrs["output"]
            out = []
            misc = dict(CONV_MODE=0, IN_PRECISION=0, PROC_PRECISION=0)
            pad_fields = dict(PAD_LEFT=pads[2], PAD_RIGHT=pads[3], PAD_TOP=pads[0],
                              PAD_BOTTOM=pads[1])
            per_channel = isinstance(bias_op, np.ndarray)
            if pool_p is not None:
                out.extend(self._pdp_regs(pool_p, (k, ho, wo), oa, line, surf, flying=True))
            # SDP (fed on the fly by CACC).
            alu_on = bias_op is not None
            out += [
                ("SDP.D_DATA_CUBE_WIDTH", dict(WIDTH=wo - 1)),
                ("SDP.D_DATA_CUBE_HEIGHT", dict(HEIGHT=ho - 1)),
                ("SDP.D_DATA_CUBE_CHANNEL", dict(CHANNEL=k - 1)),
                ("SDP.D_DST_BASE_ADDR_LOW", oa if pool_p is None else 0),
                ("SDP.D_DST_BASE_ADDR_HIGH", 0),
                ("SDP.D_DST_LINE_STRIDE", conv_line if pool_p is None else 0),
                ("SDP.D_DST_SURFACE_STRIDE", conv_surf if pool_p is None else 0),
                ("SDP.D_DP_BS_CFG", dict(BS_BYPASS=0, BS_ALU_BYPASS=int(not alu_on),
                                         BS_ALU_ALGO="SUM", BS_MUL_BYPASS=1, BS_MUL_PRELU=0,
                                         BS_RELU_BYPASS=int(not relu))),
                ("SDP.D_DP_BS_ALU_CFG", dict(BS_ALU_SRC=int(per_channel),
                                             BS_ALU_SHIFT_VALUE=bias_shift)),
                ("SDP.D_DP_BS_ALU_SRC_VALUE",
                 dict(BS_ALU_OPERAND=bias_op if alu_on and not per_channel else 0)),
                ("SDP.D_DP_BS_MUL_CFG", dict(BS_MUL_SRC=0, BS_MUL_SHIFT_VALUE=0)),
                ("SDP.D_DP_BS_MUL_SRC_VALUE", dict(BS_MUL_OPERAND=1)),
                ("SDP.D_DP_BN_CFG", dict(BN_BYPASS=1, BN_ALU_BYPASS=1, BN_MUL_BYPASS=1,
                                         BN_RELU_BYPASS=1)),
                ("SDP.D_FEATURE_MODE_CFG", dict(FLYING_MODE="ON_FLYING",
                                                OUTPUT_DST="MEM" if pool_p is None else "PDP")),
                ("SDP.D_DST_DMA_CFG", dict(DST_RAM_TYPE="MCIF")),
                ("SDP.D_DATA_FORMAT", dict(PROC_PRECISION="INT8", OUT_PRECISION="INT8")),
                ("SDP.D_CVT_OFFSET", dict(CVT_OFFSET=0)),
                ("SDP.D_CVT_SCALE", dict(CVT_SCALE=out_scale)),
                ("SDP.D_CVT_SHIFT", dict(CVT_SHIFT=out_shift)),
                ("SDP.D_PERF_ENABLE", dict(PERF_DMA_EN=1, PERF_SAT_EN=1)),
            ]
            if per_channel:
                out += [
                    ("SDP_RDMA.D_DATA_CUBE_WIDTH", dict(WIDTH=wo - 1)),
                    ("SDP_RDMA.D_DATA_CUBE_HEIGHT", dict(HEIGHT=ho - 1)),
                    ("SDP_RDMA.D_DATA_CUBE_CHANNEL", dict(CHANNEL=k - 1)),
                    ("SDP_RDMA.D_BRDMA_CFG", dict(BRDMA_DISABLE=0, BRDMA_DATA_USE="ALU",
                                                  BRDMA_DATA_SIZE="TWO_BYTE",
                                                  BRDMA_DATA_MODE="PER_KERNEL",
                                                  BRDMA_RAM_TYPE="MCIF")),
                    ("SDP_RDMA.D_BS_BASE_ADDR_LOW", addrs["bias"]),
                    ("SDP_RDMA.D_BS_BASE_ADDR_HIGH", 0),
                    ("SDP_RDMA.D_BS_LINE_STRIDE", 0),
                    ("SDP_RDMA.D_BS_SURFACE_STRIDE", 0),
                    ("SDP_RDMA.D_NRDMA_CFG", dict(NRDMA_DISABLE=1)),
                    ("SDP_RDMA.D_FEATURE_MODE_CFG", dict(FLYING_MODE="ON_FLYING")),
                ]
            # CACC.
            out += [
                ("CACC.D_MISC_CFG", dict(CONV_MODE=0, PROC_PRECISION=0)),
                ("CACC.D_DATAOUT_SIZE_0", dict(DATAOUT_WIDTH=wo - 1, DATAOUT_HEIGHT=ho - 1)),
                ("CACC.D_DATAOUT_SIZE_1", dict(DATAOUT_CHANNEL=k - 1)),
                ("CACC.D_DATAOUT_ADDR", 0),
                ("CACC.D_LINE_STRIDE", conv_line),
                ("CACC.D_SURF_STRIDE", conv_surf),
                ("CACC.D_DATAOUT_MAP", dict(LINE_PACKED=1, SURF_PACKED=1)),
                ("CACC.D_CLIP_CFG", dict(CLIP_TRUNCATE=clip_truncate)),
            ]
            for unit in ("CMAC_A", "CMAC_B"):
                out.append((f"{unit}.D_MISC_CFG", dict(CONV_MODE=0, PROC_PRECISION=0)))
            bank = dict(DATA_BANK=data_banks - 1, WEIGHT_BANK=weight_banks - 1)
            slice_entries = wd * _ceil_div(c, a)
            out += [
                ("CSC.D_MISC_CFG", misc),
                ("CSC.D_DATAIN_FORMAT", dict(DATAIN_FORMAT="FEATURE")),
                ("CSC.D_DATAIN_SIZE_EXT_0", dict(DATAIN_WIDTH_EXT=wd - 1,
                                                 DATAIN_HEIGHT_EXT=h - 1)),
                ("CSC.D_DATAIN_SIZE_EXT_1", dict(DATAIN_CHANNEL_EXT=c - 1)),
                ("CSC.D_ENTRY_PER_SLICE", dict(ENTRIES=slice_entries - 1)),
                ("CSC.D_WEIGHT_FORMAT", dict(WEIGHT_FORMAT="UNCOMPRESSED")),
                ("CSC.D_WEIGHT_SIZE_EXT_0", dict(WEIGHT_WIDTH_EXT=s - 1, WEIGHT_HEIGHT_EXT=r - 1)),
                ("CSC.D_WEIGHT_SIZE_EXT_1", dict(WEIGHT_CHANNEL_EXT=c - 1, WEIGHT_KERNEL=k - 1)),
                ("CSC.D_WEIGHT_BYTES", blob.size),
                ("CSC.D_DATAOUT_SIZE_0", dict(DATAOUT_WIDTH=wo - 1, DATAOUT_HEIGHT=ho - 1)),
                ("CSC.D_DATAOUT_SIZE_1", dict(DATAOUT_CHANNEL=k - 1)),
                ("CSC.D_ATOMICS", dict(ATOMICS=wo * ho - 1)),
                ("CSC.D_RELEASE", dict(RLS_SLICES=h - 1)),
                ("CSC.D_CONV_STRIDE_EXT", dict(CONV_X_STRIDE_EXT=sx - 1, CONV_Y_STRIDE_EXT=sy - 1)),
                ("CSC.D_DILATION_EXT", dict(X_DILATION_EXT=dx - 1, Y_DILATION_EXT=dy - 1)),
                ("CSC.D_ZERO_PADDING", dict(PAD_LEFT=pads[2], PAD_TOP=pads[0])),
                ("CSC.D_ZERO_PADDING_VALUE", dict(PAD_VALUE=pad_value)),
                ("CSC.D_BANK", bank),
                ("CDMA.D_MISC_CFG", misc),
                ("CDMA.D_DATAIN_FORMAT", dict(DATAIN_FORMAT="FEATURE")),
                ("CDMA.D_DATAIN_SIZE_0", dict(DATAIN_WIDTH=wd - 1, DATAIN_HEIGHT=h - 1)),
                ("CDMA.D_DATAIN_SIZE_1", dict(DATAIN_CHANNEL=c - 1)),
                ("CDMA.D_DAIN_RAM_TYPE", dict(DATAIN_RAM_TYPE="MCIF")),
                ("CDMA.D_DAIN_ADDR_HIGH_0", 0),
                ("CDMA.D_DAIN_ADDR_LOW_0", fa),
                ("CDMA.D_LINE_STRIDE", in_line),
                ("CDMA.D_SURF_STRIDE", in_surf),
                ("CDMA.D_DAIN_MAP", dict(LINE_PACKED=1, SURF_PACKED=1)),
                ("CDMA.D_ENTRY_PER_SLICE", dict(ENTRIES=slice_entries - 1)),
                ("CDMA.D_FETCH_GRAIN", dict(GRAINS=0)),
                ("CDMA.D_WEIGHT_FORMAT", dict(WEIGHT_FORMAT="UNCOMPRESSED")),
                ("CDMA.D_WEIGHT_SIZE_0", dict(BYTE_PER_KERNEL=r * s * _ceil_div(c, a) * a - 1)),
                ("CDMA.D_WEIGHT_SIZE_1", dict(WEIGHT_KERNEL=k - 1)),
                ("CDMA.D_WEIGHT_RAM_TYPE", dict(WEIGHT_RAM_TYPE="MCIF")),
                ("CDMA.D_WEIGHT_ADDR_HIGH", 0),
                ("CDMA.D_WEIGHT_ADDR_LOW", wa),
                ("CDMA.D_WEIGHT_BYTES", blob.size),
                ("CDMA.D_CONV_STRIDE", dict(CONV_X_STRIDE=sx - 1, CONV_Y_STRIDE=sy - 1)),
                ("CDMA.D_ZERO_PADDING", pad_fields),
                ("CDMA.D_ZERO_PADDING_VALUE", dict(PAD_VALUE=pad_value)),
                ("CDMA.D_BANK", bank),
                ("CDMA.D_PERF_ENABLE", dict(DMA_EN=1)),
            ]
            return out

        units = (("PDP",) if pool_p else ()) + ("SDP",) + \
            (("SDP_RDMA",) if isinstance(bias_op, np.ndarray) else ()) + \
            ("CACC", "CMAC_A", "CMAC_B", "CSC", "CDMA")
        desc = (f"conv2d x {c}x{h}x{wd} w {k}x{c}x{r}x{s} stride {(sy, sx)} padding {pads} "
                f"dilation {(dy, dx)}" + (f" pool {pool_p['mode']} {pool_p['kernel']}"
                                          if pool_p else ""))
        return _Layer("conv2d", units, "PDP" if pool_p else "SDP", uploads, out_bytes,
                      (out_c, out_h, out_w), (line, surf), program,
                      counters=dict(macs=macs, dma_bytes=int(dma)), describe=desc)

    def _pdp_regs(self, p, in_chw, dst, line, surf, *, flying, src=None, src_strides=(0, 0)):
        """PDP (and for memory mode PDP_RDMA) register writes of a pooling layer."""
        c, h, w = in_chw
        _, ho, wo = p["out"]
        kh, kw = p["kernel"]
        sy, sx = p["stride"]
        top, bottom, left, right = p["pads"] if "pads" in p else p["padding"]
        pv = p["pad_value"]
        method = {"avg": "AVERAGE", "max": "MAX", "min": "MIN"}[p["mode"]]
        mode = "ON_FLYING" if flying else "OFF_FLYING"
        out = [
            ("PDP.D_DATA_CUBE_IN_WIDTH", dict(CUBE_IN_WIDTH=w - 1)),
            ("PDP.D_DATA_CUBE_IN_HEIGHT", dict(CUBE_IN_HEIGHT=h - 1)),
            ("PDP.D_DATA_CUBE_IN_CHANNEL", dict(CUBE_IN_CHANNEL=c - 1)),
            ("PDP.D_DATA_CUBE_OUT_WIDTH", dict(CUBE_OUT_WIDTH=wo - 1)),
            ("PDP.D_DATA_CUBE_OUT_HEIGHT", dict(CUBE_OUT_HEIGHT=ho - 1)),
            ("PDP.D_DATA_CUBE_OUT_CHANNEL", dict(CUBE_OUT_CHANNEL=c - 1)),
            ("PDP.D_OPERATION_MODE_CFG", dict(POOLING_METHOD=method, FLYING_MODE=mode,
                                              SPLIT_NUM=0)),
            ("PDP.D_POOLING_KERNEL_CFG", dict(KERNEL_WIDTH=kw - 1, KERNEL_HEIGHT=kh - 1,
                                              KERNEL_STRIDE_WIDTH=sx - 1,
                                              KERNEL_STRIDE_HEIGHT=sy - 1)),
            ("PDP.D_RECIP_KERNEL_WIDTH", dict(RECIP_KERNEL_WIDTH=tile_ref.pool_recip(kw))),
            ("PDP.D_RECIP_KERNEL_HEIGHT", dict(RECIP_KERNEL_HEIGHT=tile_ref.pool_recip(kh))),
            ("PDP.D_POOLING_PADDING_CFG", dict(PAD_LEFT=left, PAD_TOP=top, PAD_RIGHT=right,
                                               PAD_BOTTOM=bottom)),
        ]
        for n in range(1, 8):
            out.append((f"PDP.D_POOLING_PADDING_VALUE_{n}_CFG", {f"PAD_VALUE_{n}X": n * pv}))
        out += [
            ("PDP.D_SRC_BASE_ADDR_LOW", 0 if src is None else src),
            ("PDP.D_SRC_BASE_ADDR_HIGH", 0),
            ("PDP.D_SRC_LINE_STRIDE", src_strides[0]),
            ("PDP.D_SRC_SURFACE_STRIDE", src_strides[1]),
            ("PDP.D_DST_BASE_ADDR_LOW", dst),
            ("PDP.D_DST_BASE_ADDR_HIGH", 0),
            ("PDP.D_DST_LINE_STRIDE", line),
            ("PDP.D_DST_SURFACE_STRIDE", surf),
            ("PDP.D_DST_RAM_CFG", dict(DST_RAM_TYPE="MCIF")),
            ("PDP.D_DATA_FORMAT", dict(INPUT_DATA="INT8")),
            ("PDP.D_PERF_ENABLE", dict(DMA_EN=1)),
        ]
        if not flying:
            out += [
                ("PDP_RDMA.D_DATA_CUBE_IN_WIDTH", dict(CUBE_IN_WIDTH=w - 1)),
                ("PDP_RDMA.D_DATA_CUBE_IN_HEIGHT", dict(CUBE_IN_HEIGHT=h - 1)),
                ("PDP_RDMA.D_DATA_CUBE_IN_CHANNEL", dict(CUBE_IN_CHANNEL=c - 1)),
                ("PDP_RDMA.D_FLYING_MODE", dict(FLYING_MODE="OFF_FLYING")),
                ("PDP_RDMA.D_SRC_BASE_ADDR_LOW", src),
                ("PDP_RDMA.D_SRC_BASE_ADDR_HIGH", 0),
                ("PDP_RDMA.D_SRC_LINE_STRIDE", src_strides[0]),
                ("PDP_RDMA.D_SRC_SURFACE_STRIDE", src_strides[1]),
                ("PDP_RDMA.D_SRC_RAM_CFG", dict(SRC_RAM_TYPE="MCIF")),
                ("PDP_RDMA.D_DATA_FORMAT", dict(INPUT_DATA="INT8")),
                ("PDP_RDMA.D_OPERATION_MODE_CFG", dict(SPLIT_NUM=0)),
                ("PDP_RDMA.D_POOLING_KERNEL_CFG", dict(KERNEL_WIDTH=kw - 1,
                                                       KERNEL_STRIDE_WIDTH=sx - 1)),
                ("PDP_RDMA.D_POOLING_PADDING_CFG", dict(PAD_WIDTH=left)),
                ("PDP_RDMA.D_PERF_ENABLE", dict(DMA_EN=1)),
            ]
        return out

    def _plan_pool(self, x, kernel, stride, padding, mode, pad_value):
        a = self._cfg.atom_c
        x = _cube(x, "x")
        _, c, h, w = x.shape
        for name, v in (("channels", c), ("height", h), ("width", w)):
            _in_range(v, 1, 8192, f"input {name} (13-bit cube field)")
        p = self._pool_params(dict(kernel=kernel, stride=stride, padding=padding, mode=mode,
                                   pad_value=pad_value), c, h, w)
        feat = lay.pack_feature(x[0], atom_c=a)
        in_line, in_surf = lay.feature_strides(c, h, w, atom_c=a)
        _, ho, wo = p["out"]
        line, surf = lay.feature_strides(c, ho, wo, atom_c=a)
        out_bytes = lay.feature_bytes(c, ho, wo, atom_c=a)

        def program(addrs, g):
            return self._pdp_regs(p, (c, h, w), addrs["output"], line, surf, flying=False,
                                  src=addrs["features"], src_strides=(in_line, in_surf))

        return _Layer("pool2d", ("PDP", "PDP_RDMA"), "PDP", [("features", feat, a)], out_bytes,
                      (c, ho, wo), (line, surf), program,
                      counters=dict(dma_bytes=int(feat.size + out_bytes)),
                      describe=f"pool2d {mode} x {c}x{h}x{w} kernel {p['kernel']} "
                               f"stride {p['stride']} padding {p['padding']}")

    def _plan_sdp(self, x, *, bias=None, bias_shift=0, scale=None, scale_shift=0, prelu=False,
                  relu=False, out_offset=0, out_scale=1, out_shift=0):
        a = self._cfg.atom_c
        x = _cube(x, "x")
        _, c, h, w = x.shape
        for name, v in (("channels", c), ("height", h), ("width", w)):
            _in_range(v, 1, 8192, f"input {name} (13-bit cube field)")
        alu = None if bias is None else _in_range(bias, -(1 << 15), (1 << 15) - 1,
                                                  "bias (D_DP_BS_ALU_SRC_VALUE, int16)")
        mul = None if scale is None else _in_range(scale, -(1 << 15), (1 << 15) - 1,
                                                   "scale (D_DP_BS_MUL_SRC_VALUE, int16)")
        bias_shift = _in_range(bias_shift, 0, 63, "bias_shift (BS_ALU_SHIFT_VALUE)")
        scale_shift = _in_range(scale_shift, 0, 63, "scale_shift (BS_MUL_SHIFT_VALUE)")
        out_offset = _in_range(out_offset, -(1 << 31), (1 << 31) - 1, "out_offset (D_CVT_OFFSET)")
        out_scale = _in_range(out_scale, -(1 << 15), (1 << 15) - 1, "out_scale (D_CVT_SCALE)")
        out_shift = _in_range(out_shift, 0, 63, "out_shift (D_CVT_SHIFT)")
        for name, v in (("prelu", prelu), ("relu", relu)):
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool, not {v!r}")
        feat = lay.pack_feature(x[0], atom_c=a)
        line, surf = lay.feature_strides(c, h, w, atom_c=a)
        out_bytes = feat.size

        def program(addrs, g):
            return [
                ("SDP.D_DATA_CUBE_WIDTH", dict(WIDTH=w - 1)),
                ("SDP.D_DATA_CUBE_HEIGHT", dict(HEIGHT=h - 1)),
                ("SDP.D_DATA_CUBE_CHANNEL", dict(CHANNEL=c - 1)),
                ("SDP.D_DST_BASE_ADDR_LOW", addrs["output"]),
                ("SDP.D_DST_BASE_ADDR_HIGH", 0),
                ("SDP.D_DST_LINE_STRIDE", line),
                ("SDP.D_DST_SURFACE_STRIDE", surf),
                ("SDP.D_DP_BS_CFG", dict(BS_BYPASS=0, BS_ALU_BYPASS=int(alu is None),
                                         BS_ALU_ALGO="SUM", BS_MUL_BYPASS=int(mul is None),
                                         BS_MUL_PRELU=int(bool(prelu)),
                                         BS_RELU_BYPASS=int(not relu))),
                ("SDP.D_DP_BS_ALU_CFG", dict(BS_ALU_SRC=0, BS_ALU_SHIFT_VALUE=bias_shift)),
                ("SDP.D_DP_BS_ALU_SRC_VALUE", dict(BS_ALU_OPERAND=alu or 0)),
                ("SDP.D_DP_BS_MUL_CFG", dict(BS_MUL_SRC=0, BS_MUL_SHIFT_VALUE=scale_shift)),
                ("SDP.D_DP_BS_MUL_SRC_VALUE", dict(BS_MUL_OPERAND=1 if mul is None else mul)),
                ("SDP.D_DP_BN_CFG", dict(BN_BYPASS=1, BN_ALU_BYPASS=1, BN_MUL_BYPASS=1,
                                         BN_RELU_BYPASS=1)),
                ("SDP.D_FEATURE_MODE_CFG", dict(FLYING_MODE="OFF_FLYING", OUTPUT_DST="MEM")),
                ("SDP.D_DST_DMA_CFG", dict(DST_RAM_TYPE="MCIF")),
                ("SDP.D_DATA_FORMAT", dict(PROC_PRECISION="INT8", OUT_PRECISION="INT8")),
                ("SDP.D_CVT_OFFSET", dict(CVT_OFFSET=out_offset)),
                ("SDP.D_CVT_SCALE", dict(CVT_SCALE=out_scale)),
                ("SDP.D_CVT_SHIFT", dict(CVT_SHIFT=out_shift)),
                ("SDP.D_PERF_ENABLE", dict(PERF_DMA_EN=1, PERF_SAT_EN=1)),
                ("SDP_RDMA.D_DATA_CUBE_WIDTH", dict(WIDTH=w - 1)),
                ("SDP_RDMA.D_DATA_CUBE_HEIGHT", dict(HEIGHT=h - 1)),
                ("SDP_RDMA.D_DATA_CUBE_CHANNEL", dict(CHANNEL=c - 1)),
                ("SDP_RDMA.D_SRC_BASE_ADDR_LOW", addrs["features"]),
                ("SDP_RDMA.D_SRC_BASE_ADDR_HIGH", 0),
                ("SDP_RDMA.D_SRC_LINE_STRIDE", line),
                ("SDP_RDMA.D_SRC_SURFACE_STRIDE", surf),
                ("SDP_RDMA.D_BRDMA_CFG", dict(BRDMA_DISABLE=1)),
                ("SDP_RDMA.D_NRDMA_CFG", dict(NRDMA_DISABLE=1)),
                ("SDP_RDMA.D_FEATURE_MODE_CFG", dict(FLYING_MODE="OFF_FLYING",
                                                     IN_PRECISION="INT8", PROC_PRECISION="INT8",
                                                     OUT_PRECISION="INT8")),
                ("SDP_RDMA.D_SRC_DMA_CFG", dict(SRC_RAM_TYPE="MCIF")),
                ("SDP_RDMA.D_PERF_ENABLE", dict(PERF_DMA_EN=1)),
            ]

        return _Layer("sdp", ("SDP", "SDP_RDMA"), "SDP", [("features", feat, a)], out_bytes,
                      (c, h, w), (line, surf), program,
                      counters=dict(dma_bytes=int(2 * feat.size)),
                      describe=f"sdp x {c}x{h}x{w}")

    # -- running ----------------------------------------------------------------------------------
    def _alloc(self, nbytes, align):
        buf = self._dev.alloc(int(nbytes) + align)
        addr = int(buf)
        addr = -(-addr // align) * align
        if addr + nbytes > _ADDR_LIMIT:
            raise ValueError(f"buffer at 0x{addr:x} exceeds the tile's 32-bit addresses")
        return addr

    def _prepare(self, layer):
        """Upload a layer's inputs and allocate its output; returns the address dict."""
        addrs = {}
        for what, blob, align in layer.uploads:
            addr = self._alloc(blob.size, align)
            self._dev.write(addr, blob.tobytes())
            self._log(f"# upload 0x{addr:08x} {blob.size} {what}")
            addrs[what] = addr
        addrs["output"] = self._alloc(layer.out_bytes, self._cfg.atom_c)
        # Poison the output so stale memory can never pass for a result.
        self._dev.write(addrs["output"], bytes([0xA5]) * layer.out_bytes)
        self._log(f"# output 0x{addrs['output']:08x} {layer.out_bytes}")
        layer.out_addr = addrs["output"]
        return addrs

    def _submit(self, layer, addrs):
        """Program the layer into the next group of each of its units and enable it."""
        self._log(f"# layer {self._layer_count} {layer.describe}")
        self._layer_count += 1
        layer.groups = {u: self._next[u] for u in layer.units}
        writes = layer.program(addrs, layer.groups)
        by_unit = {}
        for name, value in writes:
            by_unit.setdefault(name.split(".")[0], []).append((name, value))
        for unit in layer.units:
            self._write(f"{unit}.S_POINTER", dict(PRODUCER=layer.groups[unit]))
            for name, value in by_unit.pop(unit, []):
                self._write(name, value)
        assert not by_unit, f"registers of units outside the layer: {sorted(by_unit)}"
        for unit in layer.units:             # downstream first: NVDLA's enable order
            self._write(f"{unit}.D_OP_ENABLE", dict(OP_EN=1))
            self._next[unit] ^= 1

    def _intr_bits(self, layer):
        """GLB status bits a layer sets: every done source of its units, in their groups."""
        bits = 0
        status = regs.register("GLB.INTR_STATUS")
        sources = {"SDP": ["SDP"], "PDP": ["PDP"], "CDMA": ["CDMA_DAT", "CDMA_WT"],
                   "CACC": ["CACC"]}
        for unit, g in layer.groups.items():
            for src in sources.get(unit, []):
                bits |= status.field(f"{src}_DONE_STATUS{g}").mask
        end = status.field(f"{layer.end}_DONE_STATUS{layer.groups[layer.end]}").mask
        return bits, end

    def _wait(self, layer):
        """Unmask only this layer's end (its other done bits, like SDP's in a fused layer, and
        the bits of a layer queued behind it stay masked), wait, clear the layer's bits."""
        bits, end = self._intr_bits(layer)
        mask = self._all_sources & ~end
        if mask != self._mask:
            self._write("GLB.INTR_MASK", mask)
            self._mask = mask
        self._log("wait irq")
        cycles = int(self._dev.tile_run(self._max_cycles))
        status = self._read("GLB.INTR_STATUS")
        if not status & end:
            raise TimeoutError(f"layer ({layer.describe}) not done after {cycles} cycles; "
                               f"GLB.INTR_STATUS 0x{status:08x}, {self._unit_states()}")
        self._write("GLB.INTR_STATUS", bits)
        return cycles

    def _unit_states(self):
        states = []
        for u in tile_regs.UNITS:
            if u.pingpong:
                value = int(self._dev.tile_read(regs.offset(f"{u.name}.S_STATUS")))
                states.append(f"{u.name} {value & 3}/{(value >> 16) & 3}")
        return "unit states (group 0/1): " + ", ".join(states)

    def _counters(self, layer, cycles):
        out = dict(cycles=cycles, **layer.counters)

        def rd(name):
            return self._read(name)

        if "CDMA" in layer.units:
            out["layer_cycles"] = rd("CDMA.D_PERF_LAYER_CYCLES")
            out["mac_cycles"] = rd("CMAC_A.D_PERF_MAC_CYCLES")
            out["read_stall"] = rd("CDMA.D_PERF_DAT_READ_STALL") + rd("CDMA.D_PERF_WT_READ_STALL")
            out["cacc_saturations"] = rd("CACC.D_OUT_SATURATION")
        if "SDP" in layer.units:
            out["saturations"] = rd("SDP.D_PERF_OUT_SATURATION")
            out["write_stall"] = rd("SDP.D_PERF_WDMA_WRITE_STALL")
        if "PDP" in layer.units:
            out["pdp_cycles"] = rd("PDP.D_PERF_LAYER_CYCLES")
            out["write_stall"] = out.get("write_stall", 0) + rd("PDP.D_PERF_WRITE_STALL")
            if "CDMA" not in layer.units:
                out["layer_cycles"] = out["pdp_cycles"]
        if "SDP_RDMA" in layer.units and "CDMA" not in layer.units:
            out["read_stall"] = rd("SDP_RDMA.D_PERF_MRDMA_READ_STALL")
        if "PDP_RDMA" in layer.units:
            out["read_stall"] = rd("PDP_RDMA.D_PERF_READ_STALL")
        if "macs" in out:
            basis = out.get("layer_cycles") or cycles
            out["mac_utilization"] = (out["macs"] / (self._cfg.atom_c * self._cfg.atom_k * basis)
                                      if basis else 0.0)
        return out

    def _result(self, layer):
        c, h, w = layer.out_shape
        data = self._dev.read(layer.out_addr, layer.out_bytes)
        y = lay.unpack_feature(np.frombuffer(bytes(data), dtype=np.uint8), c, h, w,
                               atom_c=self._cfg.atom_c, line_stride=layer.out_strides[0],
                               surf_stride=layer.out_strides[1])
        return y[None]

    def _run(self, layers):
        """Submit with one layer of look-ahead (ping-pong), wait in order, collect results."""
        addrs = [self._prepare(layer) for layer in layers]
        results = []
        if layers:
            self._submit(layers[0], addrs[0])
        for n, layer in enumerate(layers):
            if n + 1 < len(layers):
                self._submit(layers[n + 1], addrs[n + 1])
            cycles = self._wait(layer)
            counters = self._counters(layer, cycles)
            results.append((self._result(layer), counters))
        return results


def read_trace(source):
    """Steps of a trace (a path, a string or a list of lines), comments dropped except uploads
    and outputs: ``("write", "UNIT.REG", offset, value)``, ``("wait",)``,
    ``("upload", addr, nbytes, what)``, ``("output", addr, nbytes)``. ``offset`` is the byte
    offset in the tile's window (``regs.offset``). Raises ``ValueError`` on a malformed line."""
    if isinstance(source, Path) or isinstance(source, str) and "\n" not in source \
            and Path(source).exists():
        lines = Path(source).read_text().splitlines()
    elif isinstance(source, str):
        lines = source.splitlines()
    else:
        lines = list(source)
    steps = []
    for number, line in enumerate(lines, 1):
        words = line.split()
        try:
            if not words:
                continue
            if words[0] == "write" and len(words) == 3:
                steps.append(("write", words[1], regs.offset(words[1]), int(words[2], 16)))
            elif words == ["wait", "irq"]:
                steps.append(("wait",))
            elif words[:2] == ["#", "upload"]:
                steps.append(("upload", int(words[2], 16), int(words[3]), " ".join(words[4:])))
            elif words[:2] == ["#", "output"]:
                steps.append(("output", int(words[2], 16), int(words[3])))
            elif words[0] != "#":
                raise ValueError("not a trace step")
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"trace line {number}: {line!r}: {error}") from None
    return steps
