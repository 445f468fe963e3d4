"""The MMIO bridge: the core's data accesses to the tile's register window become register-bus
accesses; everything else goes on to memory."""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.memory import MemoryMap
from ..mem.bus import MemSignature
from ..tile.regblock import RegBusSignature

__all__ = [
    "MmioBridge",
]

_WINDOW_BITS = 16       # MemoryMap.MMIO_SIZE = 64 KiB, aligned


class MmioBridge(wiring.Component):
    """Sits on the core's data port in front of memory; also lets the host reach the registers.

    Parameters
    ----------
    block_bytes : int
        Bytes per memory request (64).

    Members
    -------
    cpu : In(MemSignature(8 * block_bytes, 16))
        The core's data port.
    mem : Out(MemSignature(8 * block_bytes, 16))
        Every request outside the window, unchanged.
    regs : Out(RegBusSignature(14))
        The tile's register window, word addressed (offset from ``MemoryMap.MMIO_BASE`` / 4).
    error : In(1)
        The register block's "unmapped offset" flag, seen with a read's data (and one cycle after a
        write): the core's load gets ``err`` (a load access fault).
    host : In(RegBusSignature(14))
        The host's register accesses (the harness, for the driver); they take the register bus
        ahead of the core's, in the cycle they are offered.

    A request in the window waits until every earlier memory request has been answered (responses
    stay in request order), then the bridge performs one register access per word whose byte
    enables are set (the core only makes word accesses there, so each lane's word is one access),
    two cycles per read, one per write, and answers with one response carrying the read words.
    Meanwhile the core's further requests wait. Throughput outside the window: one request per
    cycle, combinational.
    """

    def __init__(self, *, block_bytes=64):
        self._words = block_bytes // 4
        bus = MemSignature(data_width=8 * block_bytes, tag_width=16)
        super().__init__({
            "cpu": In(bus),
            "mem": Out(bus),
            "regs": Out(RegBusSignature(_WINDOW_BITS - 2)),
            "error": In(1),
            "host": In(RegBusSignature(_WINDOW_BITS - 2)),
        })

    def elaborate(self, platform):
        m = Module()
        words = self._words
        word_bits = (words - 1).bit_length()
        cpu, mem, regs, host = self.cpu, self.mem, self.regs, self.host

        in_window = cpu.req.addr[_WINDOW_BITS:] == (MemoryMap.MMIO_BASE >> _WINDOW_BITS)
        outstanding = Signal(range(257))
        busy = Signal()

        # Outside the window: straight through (while no register access is under way).
        pass_through = ~busy & ~in_window
        m.d.comb += [
            mem.req.valid.eq(cpu.req.valid & pass_through),
            mem.req.addr.eq(cpu.req.addr),
            mem.req.we.eq(cpu.req.we),
            mem.req.data.eq(cpu.req.data),
            mem.req.be.eq(cpu.req.be),
            mem.req.op.eq(cpu.req.op),
            mem.req.tag.eq(cpu.req.tag),
        ]
        sent = mem.req.valid & mem.req.ready
        m.d.sync += outstanding.eq(outstanding + sent - mem.rsp.valid)

        # Inside: accept once memory has answered everything older.
        take = cpu.req.valid & in_window & ~busy & (outstanding == 0)
        m.d.comb += cpu.req.ready.eq(Mux(in_window, take, mem.req.ready & ~busy))

        we, tag, err = Signal(), Signal(16), Signal()
        block = Signal(_WINDOW_BITS - 2 - word_bits)     # word address of the block in the window
        todo = Signal(words)
        wdata = Signal(data.ArrayLayout(32, words))
        rdata = Signal(data.ArrayLayout(32, words))
        reading = Signal()              # a read was issued last cycle into word `read_word`
        read_word = Signal(word_bits)
        responding = Signal()
        with m.If(take):
            m.d.sync += [
                busy.eq(1), we.eq(cpu.req.we), tag.eq(cpu.req.tag), err.eq(0),
                block.eq(cpu.req.addr[2 + word_bits:_WINDOW_BITS]),
                todo.eq(Cat(cpu.req.be.word_select(i, 4).any() for i in range(words))),
                wdata.eq(cpu.req.data), rdata.eq(0),
            ]

        # One word per cycle, the lowest first; the host's accesses go ahead.
        word = Signal(word_bits)
        for i in reversed(range(words)):
            with m.If(todo[i]):
                m.d.comb += word.eq(i)
        ours = busy & todo.any() & ~host.valid
        m.d.comb += [
            regs.valid.eq(host.valid | ours),
            regs.write.eq(Mux(host.valid, host.write, we)),
            regs.addr.eq(Mux(host.valid, host.addr, Cat(word, block))),
            regs.wdata.eq(Mux(host.valid, host.wdata, wdata[word])),
            host.ready.eq(regs.ready),
        ]
        issued = ours & regs.ready
        with m.If(issued):
            m.d.sync += [todo.eq(todo & ~(1 << word)), reading.eq(~we), read_word.eq(word)]
        with m.Else():
            m.d.sync += reading.eq(0)
        with m.If(reading):
            m.d.sync += rdata[read_word].eq(regs.rdata)
        # The register block flags an unmapped offset one cycle after the access.
        host_last = Signal()
        m.d.sync += host_last.eq(host.valid & regs.ready)
        with m.If(busy & self.error & ~host_last):
            m.d.sync += err.eq(1)
        with m.If(busy & (todo == 0) & ~reading & ~issued & ~responding):
            m.d.sync += responding.eq(1)
        with m.If(responding):
            m.d.sync += [responding.eq(0), busy.eq(0)]

        # The host sees the register data of its own reads only.
        host_read = Signal()
        m.d.sync += host_read.eq(host.valid & ~host.write & regs.ready)
        m.d.comb += host.rdata.eq(Mux(host_read, regs.rdata, 0))

        # Responses: memory's, or the register access's (never in the same cycle: the bridge
        # accepts a window request only with nothing outstanding, and holds later requests).
        m.d.comb += [
            cpu.rsp.valid.eq(mem.rsp.valid | responding),
            cpu.rsp.data.eq(Mux(responding, rdata, mem.rsp.data)),
            cpu.rsp.tag.eq(Mux(responding, tag, mem.rsp.tag)),
            cpu.rsp.err.eq(Mux(responding, err, mem.rsp.err)),
        ]
        return m

