"""Limits of the deep-learning tile that both the RTL and the driver obey (docs/tile.md).

Fit rule of the convolution core (:func:`conv_fits`): with
``depth = cbuf_bank_bytes / AtomC`` entries per bank,

* features: ``ceil(C/AtomC) * H * W <= data_banks * depth`` (the whole input cube, unpadded),
* weights: ``weight_entries(K, C, R, S) = K * R * S * ceil(C/AtomC) <= weight_banks * depth``
  (CDMA expands NVDLA's unpadded last channel block to whole atoms in CBUF),
* ``data_banks + weight_banks <= cbuf_banks``;
* register ranges: C, H, W, K <= 8192, R, S <= 32, stride 1-8, dilation 1-32, left/top padding
  <= 31, right/bottom <= 63, an output of at least 1 x 1 and at most 2**21 pixels;
* accumulator: ``ceil(C/AtomC) * AtomC * R * S <= 2**19`` (exact 34-bit sums in CACC).

Pure Python: the tile RTL sizes its buffers from these numbers, the driver and the tile model reject
layers beyond them.
"""

from dataclasses import dataclass

__all__ = [
    "PDP_MAX_WIDTH",
    "PDP_MAX_KERNEL",
    "SDP_MAX_CHANNELS",
    "WATCHDOG_CYCLES",
    "FAULT_WATCHDOG",
    "FAULT_UNSUPPORTED",
    "ConvShape",
    "weight_bytes",
    "weight_entries",
    "conv_fits",
]

#: PDP line-buffer entries: the widest pooled output.
PDP_MAX_WIDTH = 128
#: Largest pooling kernel side and stride (PDP's row window and line-buffer banks).
PDP_MAX_KERNEL = 8
#: Entries of SDP's per-channel operand tables.
SDP_MAX_CHANNELS = 512
#: Cycles a started layer may go without any progress before the tile aborts it.
WATCHDOG_CYCLES = 1 << 20
#: The tile's fault ``unit`` of a layer aborted by the watchdog (DMA faults carry the unit's
#: 4 KiB register page: CDMA 3, SDP_RDMA 8, SDP 9, PDP_RDMA 10, PDP 11).
FAULT_WATCHDOG = 0xF
#: The fault ``unit`` of a layer the tile does not implement (NVDLA does): it is stopped at its
#: start, no interrupt; the fault ``addr`` is the window offset of the register whose field asks
#: for it (CDMA.D_DATAIN_FORMAT pixel input; SDP_RDMA.D_BRDMA_CFG/D_NRDMA_CFG per-element
#: operands, which only the golden model computes).
FAULT_UNSUPPORTED = 0xE


def _ceil_div(a, b):
    return -(-a // b)


@dataclass(frozen=True)
class ConvShape:
    """A direct convolution layer: input C x H x W, K kernels of R (height) x S (width).

    ``stride`` and ``dilation`` are (y, x); ``padding`` is (top, bottom, left, right).
    """
    channels: int
    height: int
    width: int
    kernels: int
    kernel_h: int
    kernel_w: int
    stride: tuple = (1, 1)
    padding: tuple = (0, 0, 0, 0)
    dilation: tuple = (1, 1)

    @property
    def out_height(self):
        span = self.dilation[0] * (self.kernel_h - 1) + 1
        return (self.height + self.padding[0] + self.padding[1] - span) // self.stride[0] + 1

    @property
    def out_width(self):
        span = self.dilation[1] * (self.kernel_w - 1) + 1
        return (self.width + self.padding[2] + self.padding[3] - span) // self.stride[1] + 1


def weight_bytes(shape, tile):
    """Bytes of the weight blob in memory (``D_WEIGHT_BYTES``): K x R x S x C (NVDLA's layout, the
    last channel block unpadded), rounded up to 128."""
    return _ceil_div(shape.kernels * shape.kernel_h * shape.kernel_w * shape.channels, 128) * 128


def weight_entries(shape, tile):
    """CBUF atoms of the weights: K x R x S x ceil(C / AtomC) (the last block expanded)."""
    return shape.kernels * shape.kernel_h * shape.kernel_w * _ceil_div(shape.channels, tile.atom_c)


def conv_fits(shape, tile=None, *, data_banks=None, weight_banks=None):
    """Check that the core can run ``shape``; returns the bank split ``(data_banks,
    weight_banks)`` (the smallest, or the given ones checked) or raises ``ValueError`` naming
    the limit that is exceeded. ``tile`` is a :class:`~simtlab.config.TileConfig` (default:
    nv_small's). The rules are in the module docstring."""
    from ..config import TileConfig     # the configuration imports this package
    if tile is None:
        tile = TileConfig()
    if not isinstance(shape, ConvShape):
        raise TypeError(f"shape must be a ConvShape, not {shape!r}")
    if not isinstance(tile, TileConfig):
        raise TypeError(f"tile must be a TileConfig, not {tile!r}")
    s = shape
    for name, value, hi in (("channels", s.channels, 8192), ("height", s.height, 8192),
                            ("width", s.width, 8192), ("kernels", s.kernels, 8192),
                            ("kernel_h", s.kernel_h, 32), ("kernel_w", s.kernel_w, 32),
                            ("stride y", s.stride[0], 8), ("stride x", s.stride[1], 8),
                            ("dilation y", s.dilation[0], 32), ("dilation x", s.dilation[1], 32)):
        if not 1 <= value <= hi:
            raise ValueError(f"{name} {value} is outside 1-{hi} (register field range)")
    for name, value, hi in zip(("top", "bottom", "left", "right"), s.padding, (31, 63, 31, 63)):
        if not 0 <= value <= hi:
            raise ValueError(f"{name} padding {value} is outside 0-{hi} (register field range)")
    if s.out_height < 1 or s.out_width < 1:
        raise ValueError(f"the kernel does not fit the padded input: output "
                         f"{s.out_height} x {s.out_width}")
    if s.out_width > 8192 or s.out_height > 8192 or s.out_width * s.out_height > 1 << 21:
        raise ValueError(f"output {s.out_height} x {s.out_width} exceeds D_ATOMICS (2**21 pixels)")
    cg = _ceil_div(s.channels, tile.atom_c)
    if cg * tile.atom_c * s.kernel_h * s.kernel_w > 1 << 19:
        raise ValueError(f"C x R x S = {cg * tile.atom_c * s.kernel_h * s.kernel_w} exceeds 2**19: "
                         f"CACC's 34-bit sums could overflow")
    if s.kernel_h * s.kernel_w * cg * tile.atom_c > 1 << 18:
        raise ValueError("bytes per kernel exceed D_WEIGHT_SIZE_0 (2**18)")
    depth = tile.cbuf_bank_bytes // tile.atom_c
    feat = cg * s.height * s.width
    wts = weight_entries(s, tile)
    need_d, need_w = _ceil_div(feat, depth), _ceil_div(wts, depth)
    data_banks = need_d if data_banks is None else data_banks
    weight_banks = need_w if weight_banks is None else weight_banks
    if data_banks < need_d:
        raise ValueError(f"the input cube needs {feat} CBUF entries ({need_d} banks of {depth}); "
                         f"{data_banks} data banks given")
    if weight_banks < need_w:
        raise ValueError(f"the weights need {wts} CBUF entries ({need_w} banks of {depth}); "
                         f"{weight_banks} weight banks given")
    if data_banks + weight_banks > tile.cbuf_banks:
        raise ValueError(f"the layer needs {data_banks} data + {weight_banks} weight CBUF banks, "
                         f"more than the {tile.cbuf_banks} banks of CBUF (features {feat} entries, "
                         f"weights {wts} entries, {depth} entries per bank)")
    return data_banks, weight_banks
