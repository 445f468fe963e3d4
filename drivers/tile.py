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
    ``int()`` is its address, 64-byte aligned: :class:`simtlab.Buffer`),
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

The driver is three steps, one module each: :mod:`~simtlab.drivers.tile_validate` checks the
numpy inputs and every limit (all errors before the device is touched),
:mod:`~simtlab.drivers.tile_plan` turns a checked layer into a memory layout and register values,
and :mod:`~simtlab.drivers.tile_run` programs them on the device, waits and records the trace.
"""

from ..config import TileConfig
from .tile_plan import plan
from .tile_run import TileSession, read_trace
from .tile_validate import conv2d_layer, integer, pool2d_layer, sdp_layer, sequence_layers

__all__ = [
    "TileDriver",
    "read_trace",
]


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
        self._cfg = config
        self._session = TileSession(device, config, trace=trace,
                                    max_cycles=integer(max_cycles, "max_cycles"))

    @property
    def config(self):
        return self._cfg

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def conv2d(self, x, w, bias=None, *, stride=1, padding=0, pad_value=0, dilation=1, relu=False,
               out_scale=1, out_shift=0, clip_truncate=0, pool=None):
        layer = conv2d_layer(self._cfg, x, w, bias, stride=stride, padding=padding,
                             pad_value=pad_value, dilation=dilation, relu=relu,
                             out_scale=out_scale, out_shift=out_shift,
                             clip_truncate=clip_truncate, pool=pool)
        return self._run([layer])[0]

    def pool2d(self, x, kernel, stride=None, padding=0, mode="max", *, pad_value=0):
        return self._run([pool2d_layer(x, kernel, stride, padding, mode, pad_value=pad_value)])[0]

    def sdp(self, x, *, bias=None, bias_shift=0, scale=None, scale_shift=0, prelu=False,
            relu=False, out_offset=0, out_scale=1, out_shift=0):
        layer = sdp_layer(x, bias=bias, bias_shift=bias_shift, scale=scale,
                          scale_shift=scale_shift, prelu=prelu, relu=relu,
                          out_offset=out_offset, out_scale=out_scale, out_shift=out_shift)
        return self._run([layer])[0]

    def run_sequence(self, layers):
        return self._run(sequence_layers(self._cfg, layers))

    def _run(self, layers):
        """Plan every checked layer (still without the device), then run them."""
        return self._session.run([plan(layer, self._cfg) for layer in layers])
