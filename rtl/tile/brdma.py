"""The tile's per-channel operand loader (SDP_RDMA's BRDMA): X1 operands from memory into SDP.

Place in the pipeline: memory (MemSignature) -> **OperandLoader** -> SDP's operand tables
(``SDP.param``), before an SDP layer whose ``BS_ALU_SRC``/``BS_MUL_SRC`` is memory; the tile top
starts it with the layer and starts SDP when it is ``done``.
"""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ...spec import tile_regs
from ..mem.bus import MemSignature
from .layouts import unit_config
from .sdp import SDPOperand

__all__ = [
    "OperandLoader",
]

#: ``D_BRDMA_CFG.BRDMA_DATA_USE`` and ``BRDMA_DATA_SIZE`` values, by name, from the table.
_CFG = tile_regs.unit("SDP_RDMA").register("D_BRDMA_CFG")
_DATA_USE = dict(_CFG.field("BRDMA_DATA_USE").enum)
_DATA_SIZE = dict(_CFG.field("BRDMA_DATA_SIZE").enum)


class OperandLoader(wiring.Component):
    """SDP_RDMA's BRDMA: per-channel X1 operands from memory into SDP's tables (``param``).

    Channel ``c``'s operand (``c`` = 0 .. ``channel``) is the 1- or 2-byte signed value at
    ``cfg.bs_base_addr_low + c * size`` (``cfg.brdma_data_size``). One block is read at a time,
    then its operands are written to ``param`` one per cycle. ``cfg.brdma_data_use`` MUL fills
    the MUL table, ALU the ALU table; BOTH (NVDLA's interleaved pairs) is not implemented and
    fills the ALU table.

    Parameters
    ----------
    max_channels : int
        Entries of SDP's operand tables (``SDP.max_channels``), 1-8192.
    block_bytes : int
        Bytes per memory request (the SoC block, 64), a power of two from 8 to 256.
    x2 : bool
        Fill X2's tables (``SDPOperand.BN_ALU``/``BN_MUL``: the NRDMA loader, ``cfg`` then holds
        the ``D_BN_BASE_ADDR_LOW`` and ``D_NRDMA_CFG`` values) instead of X1's (BRDMA).

    Members
    -------
    cfg : In(CONFIG)
        The SDP_RDMA ``D_`` register fields this block reads (:attr:`CONFIG`): ``bs_base_addr_low``,
        ``brdma_data_size``, ``brdma_data_use``. Hold them stable from ``start`` to ``done``.
    channel : In(13)
        Channels - 1 of the layer (SDP's ``D_DATA_CUBE_CHANNEL``: SDP's tables are indexed by
        SDP's channels).
    start : In(1)
        Begin loading (ignored while loading).
    done : Out(1)
        High in the cycle the last operand is written on ``param``.
    busy : Out(1)
        From the cycle after ``start`` to ``done``.
    dma : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Block-aligned reads, one at a time (the tag is 0).
    param : Out(stream.Signature(StructLayout(operand, channel, value), always_ready=True))
        To ``SDP.param``: table ``operand`` (:class:`SDPOperand`) entry ``channel`` takes
        ``value``.
    stall_cycles : Out(32)
        Cycles since ``start`` with a read waiting for ``dma.req.ready``
        (``SDP_RDMA.D_PERF_BRDMA_READ_STALL``).

    Latency: a block's operands follow its response; the first one ``memory latency + 2``
    cycles after ``start``. Throughput: one operand per cycle within a block, plus one memory
    round trip per block (``block_bytes`` one-byte or ``block_bytes / 2`` two-byte operands).
    Resources: one ``block_bytes`` buffer and a shifter over it.

    Raises
    ------
    TypeError, ValueError
        On a parameter of the wrong kind or value.
    """

    #: ``cfg``'s layout: the SDP_RDMA register fields this block reads, named and sized by the
    #: register table (``layouts.unit_config``).
    CONFIG = unit_config("SDP_RDMA", reads=("bs_base_addr_low", "brdma_data_size",
                                            "brdma_data_use"))

    def __init__(self, *, max_channels, block_bytes=64, x2=False):
        for name, value in (("max_channels", max_channels), ("block_bytes", block_bytes)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if not 1 <= max_channels <= 8192:
            raise ValueError(f"max_channels must be from 1 to 8192, not {max_channels!r}")
        if not 8 <= block_bytes <= 256 or block_bytes & (block_bytes - 1):
            raise ValueError(f"block_bytes must be a power of two from 8 to 256, "
                             f"not {block_bytes!r}")
        if not isinstance(x2, bool):
            raise TypeError(f"x2 must be a bool, not {x2!r}")
        self._max_channels, self._block_bytes, self._x2 = max_channels, block_bytes, x2
        super().__init__({
            "cfg": In(self.CONFIG),
            "channel": In(13),
            "start": In(1),
            "done": Out(1),
            "busy": Out(1),
            "dma": Out(MemSignature(data_width=8 * block_bytes, tag_width=16)),
            "param": Out(stream.Signature(data.StructLayout({
                "operand": SDPOperand, "channel": range(max_channels), "value": signed(16)}),
                always_ready=True)),
            "stall_cycles": Out(32),
        })

    @property
    def max_channels(self):
        return self._max_channels

    @property
    def block_bytes(self):
        return self._block_bytes

    def elaborate(self, platform):
        m = Module()
        cfg, req = self.cfg, self.dma.req
        offset_bits = (self._block_bytes - 1).bit_length()
        two_byte = cfg.brdma_data_size == _DATA_SIZE["TWO_BYTE"]
        index = Signal(13)
        addr = Signal(32)
        block = Signal(8 * self._block_bytes)
        m.d.comb += [addr.eq(cfg.bs_base_addr_low + Mux(two_byte, index << 1, index)),
                     req.addr.eq(Cat(C(0, offset_bits), addr[offset_bits:])), req.we.eq(0)]
        shifted = Signal(8 * self._block_bytes)
        m.d.comb += shifted.eq(block >> Cat(C(0, 3), addr[:offset_bits]))
        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.sync += [index.eq(0), self.stall_cycles.eq(0)]
                    m.next = "Fetch"
            with m.State("Fetch"):
                m.d.comb += [self.busy.eq(1), req.valid.eq(1)]
                with m.If(req.ready):
                    m.next = "Wait"
                with m.Else():
                    m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
            with m.State("Wait"):
                m.d.comb += self.busy.eq(1)
                with m.If(self.dma.rsp.valid):
                    m.d.sync += block.eq(self.dma.rsp.data)
                    m.next = "Write"
            with m.State("Write"):
                use_mul = cfg.brdma_data_use == _DATA_USE["MUL"]
                m.d.comb += [
                    self.busy.eq(1),
                    self.param.valid.eq(1),
                    self.param.p.operand.eq(
                        Mux(use_mul, SDPOperand.BN_MUL, SDPOperand.BN_ALU) if self._x2 else
                        Mux(use_mul, SDPOperand.MUL, SDPOperand.ALU)),
                    self.param.p.channel.eq(index),
                    self.param.p.value.eq(Mux(two_byte, shifted[:16].as_signed(),
                                              shifted[:8].as_signed())),
                ]
                m.d.sync += index.eq(index + 1)
                next_addr = addr + Mux(two_byte, 2, 1)
                with m.If(index == self.channel):
                    m.d.comb += self.done.eq(1)
                    m.next = "Idle"
                with m.Elif(next_addr[:offset_bits] == 0):
                    m.next = "Fetch"
        return m
