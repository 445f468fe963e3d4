"""The tile driver's planning: a checked layer -> memory layout, register values, enable order.

Place in the layer driver (:mod:`simtlab.drivers.tile`): validate
(:mod:`~simtlab.drivers.tile_validate`) -> **plan** -> run (:mod:`~simtlab.drivers.tile_run`).
A :class:`Plan` says what to upload (packed in NVDLA's layouts, :mod:`simtlab.sim.tile_layout`),
how big the output is and where its atoms go, which units the layer uses (in NVDLA's enable order,
downstream first), which unit's done ends it, and, given the buffers' addresses, every register
value by table name (:mod:`simtlab.drivers.regs`): N-1 sizes, strides, the CBUF bank split
(``conv_fits``), SDP operands and converter, PDP reciprocals. Pure: nothing here touches a device.
"""

from dataclasses import dataclass, field

import numpy as np

from ..sim import tile_layout as lay
from ..sim import tile_ref
from ..spec.tile_limits import conv_fits
from .tile_validate import ConvLayer, PoolLayer, SdpLayer

__all__ = [
    "WEIGHT_ALIGN",
    "Plan",
    "plan",
]

#: Byte alignment of a weight blob (``CDMA.D_WEIGHT_ADDR_LOW``).
WEIGHT_ALIGN = 256


def _ceil_div(a, b):
    return -(-a // b)


@dataclass(frozen=True)
class Plan:
    """One planned layer.

    ``op`` ("conv2d", "pool2d", "sdp"); ``units`` in enable order (downstream first); ``end`` the
    unit whose done ends the layer (SDP or PDP); ``uploads`` ``[(what, uint8 array, align)]``, in
    upload order; ``out_bytes``, ``out_shape`` (C, H, W) and ``out_strides`` (line, surface) of
    the result; ``program(addrs)`` the register writes ``[(UNIT.REG, fields dict or int)]`` for
    the buffers' addresses ``addrs`` (``{what: addr, ..., "output": addr}``); ``counters`` known
    before running (``macs``, ``dma_bytes``); ``describe`` a line for the trace and errors.
    """
    op: str
    units: tuple
    end: str
    uploads: list
    out_bytes: int
    out_shape: tuple
    out_strides: tuple
    program: object
    counters: dict = field(default_factory=dict)
    describe: str = ""


def plan(layer, config):
    """The :class:`Plan` of a checked layer (:mod:`~simtlab.drivers.tile_validate`) on a tile of
    ``config`` (``TileConfig``)."""
    for kind, planner in ((ConvLayer, _plan_conv), (PoolLayer, _plan_pool),
                          (SdpLayer, _plan_sdp)):
        if isinstance(layer, kind):
            return planner(layer, config)
    raise TypeError(f"layer must be a checked ConvLayer, PoolLayer or SdpLayer, not {layer!r}")


def _plan_conv(layer, cfg):
    a = cfg.atom_c
    shape, pool_p = layer.shape, layer.pool
    c, h, wd, k, r, s = (shape.channels, shape.height, shape.width, shape.kernels,
                         shape.kernel_h, shape.kernel_w)
    sy, sx = shape.stride
    dy, dx = shape.dilation
    pads = shape.padding
    pad_value, relu = layer.pad_value, layer.relu
    out_scale, out_shift, clip_truncate = layer.out_scale, layer.out_shift, layer.clip_truncate
    bias_op, bias_shift = layer.bias, layer.bias_shift
    data_banks, weight_banks = conv_fits(shape, cfg)        # the CBUF bank split
    ho, wo = shape.out_height, shape.out_width

    feat = lay.pack_feature(layer.x[0], atom_c=a)
    blob = lay.pack_weights(layer.w, atom_c=a, atom_k=cfg.atom_k)
    uploads = [("features", feat, a), ("weights", blob, WEIGHT_ALIGN)]
    if isinstance(bias_op, np.ndarray):
        # Whole atoms of operands (SDP_RDMA reads the channels past K too): zeros there.
        padded = np.zeros(_ceil_div(k, cfg.atom_k) * cfg.atom_k, "<i2")
        padded[:k] = bias_op
        uploads.append(("bias", padded.view(np.uint8), a))
    out_c, out_h, out_w = (k, ho, wo) if pool_p is None else pool_p.out
    line, surf = lay.feature_strides(out_c, out_h, out_w, atom_c=a)
    out_bytes = lay.feature_bytes(out_c, out_h, out_w, atom_c=a)
    in_line, in_surf = lay.feature_strides(c, h, wd, atom_c=a)
    conv_line, conv_surf = lay.feature_strides(k, ho, wo, atom_c=a)
    macs = k * c * r * s * ho * wo
    dma = feat.size + blob.size + out_bytes + (2 * k if isinstance(bias_op, np.ndarray) else 0)

    def program(addrs):
        fa, wa, oa = addrs["features"], addrs["weights"], addrs["output"]
        out = []
        misc = dict(CONV_MODE=0, IN_PRECISION=0, PROC_PRECISION=0)
        pad_fields = dict(PAD_LEFT=pads[2], PAD_RIGHT=pads[3], PAD_TOP=pads[0],
                          PAD_BOTTOM=pads[1])
        per_channel = isinstance(bias_op, np.ndarray)
        if pool_p is not None:
            out.extend(_pdp_regs(pool_p, (k, ho, wo), oa, line, surf, flying=True))
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
            ("CDMA.D_WEIGHT_SIZE_0", dict(BYTE_PER_KERNEL=r * s * c - 1)),
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
            f"dilation {(dy, dx)}" + (f" pool {pool_p.mode} {pool_p.kernel}"
                                      if pool_p else ""))
    return Plan("conv2d", units, "PDP" if pool_p else "SDP", uploads, out_bytes,
                (out_c, out_h, out_w), (line, surf), program,
                counters=dict(macs=macs, dma_bytes=int(dma)), describe=desc)


def _plan_pool(layer, cfg):
    a = cfg.atom_c
    p = layer.pool
    _, c, h, w = layer.x.shape
    feat = lay.pack_feature(layer.x[0], atom_c=a)
    in_line, in_surf = lay.feature_strides(c, h, w, atom_c=a)
    _, ho, wo = p.out
    line, surf = lay.feature_strides(c, ho, wo, atom_c=a)
    out_bytes = lay.feature_bytes(c, ho, wo, atom_c=a)

    def program(addrs):
        return _pdp_regs(p, (c, h, w), addrs["output"], line, surf, flying=False,
                         src=addrs["features"], src_strides=(in_line, in_surf))

    return Plan("pool2d", ("PDP", "PDP_RDMA"), "PDP", [("features", feat, a)], out_bytes,
                (c, ho, wo), (line, surf), program,
                counters=dict(dma_bytes=int(feat.size + out_bytes)),
                describe=f"pool2d {p.mode} x {c}x{h}x{w} kernel {p.kernel} "
                         f"stride {p.stride} padding {p.padding}")


def _plan_sdp(layer, cfg):
    a = cfg.atom_c
    _, c, h, w = layer.x.shape
    alu, mul = layer.bias, layer.scale
    bias_shift, scale_shift = layer.bias_shift, layer.scale_shift
    prelu, relu = layer.prelu, layer.relu
    out_offset, out_scale, out_shift = layer.out_offset, layer.out_scale, layer.out_shift
    feat = lay.pack_feature(layer.x[0], atom_c=a)
    line, surf = lay.feature_strides(c, h, w, atom_c=a)
    out_bytes = feat.size

    def program(addrs):
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

    return Plan("sdp", ("SDP", "SDP_RDMA"), "SDP", [("features", feat, a)], out_bytes,
                (c, h, w), (line, surf), program,
                counters=dict(dma_bytes=int(2 * feat.size)),
                describe=f"sdp x {c}x{h}x{w}")


def _pdp_regs(p, in_chw, dst, line, surf, *, flying, src=None, src_strides=(0, 0)):
    """PDP (and for memory mode PDP_RDMA) register writes of a pooling layer."""
    c, h, w = in_chw
    _, ho, wo = p.out
    kh, kw = p.kernel
    sy, sx = p.stride
    top, bottom, left, right = p.padding
    pv = p.pad_value
    method = {"avg": "AVERAGE", "max": "MAX", "min": "MIN"}[p.mode]
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
