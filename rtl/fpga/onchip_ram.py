"""The FPGA build's memory: a small block-RAM preset behind the SoC's 512-bit memory bus, with the
harness's io region (console, exit) and tohost watch (docs/fpga.md)."""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...spec.isa import AmoOp
from ...spec.memory import BLOCK_BYTES, MemoryMap
from ..mem.bus import MemSignature

__all__ = [
    "EndSignature",
    "OnChipMemory",
    "memory_windows",
]

#: How a run ended at the memory: ``valid`` (sticky until ``clear``), ``tohost`` (1: a tohost
#: write, ``code`` is its value >> 1; 0: an IO_EXIT write, ``code`` its value).
EndSignature = wiring.Signature({
    "valid": Out(1),
    "tohost": Out(1),
    "code": Out(32),
})


def memory_windows(window_bytes):
    """``(name, base)`` of the windows the on-chip RAM backs, ``window_bytes`` each: the start of
    the heap, of the code region, and the top of the stack region (the first hardware threads'
    stacks)."""
    return (("heap", MemoryMap.HEAP_BASE), ("code", MemoryMap.CODE_BASE),
            ("stack", MemoryMap.STACK_TOP - window_bytes))


class OnChipMemory(wiring.Component):
    """Block RAM answering the SoC's memory bus.

    Parameters
    ----------
    window_bytes : int
        Bytes of each window of :func:`memory_windows` (a power of two, 4..64 KiB); the RAM holds
        three windows (3 x 16 KiB in 29 DP16KD by default). Other ram addresses answer ``err``.
    tag_width : int
        Of the bus.
    console_depth : int
        Console bytes held until the host drains them; bytes stored to a full FIFO are dropped.

    Members
    -------
    bus : In(MemSignature(data_width=512, tag_width))
        Always ready. Reads answer the whole block; writes write the bytes ``be`` enables and answer
        with undefined data. io reads answer zeros; an io write covering IO_COUT queues that byte on
        ``console``; one covering IO_EXIT ends the run (``end``). Atomics (``op`` not NONE) and
        addresses outside the windows and the io region answer ``err`` and change nothing.
    tohost : In(data.StructLayout({"on": 1, "addr": 32}))
        Watch word writes to ``addr``: one leaving an odd value (the written word, not merged with
        the old bytes) ends the run.
    clear : In(1)
        Forget the end event and the console (a launch).
    end : Out(EndSignature)
    console : Out(stream.Signature(8))

    Latency: 1 cycle (the response is valid in the cycle after the accepting edge). Throughput:
    one request per cycle.
    """

    def __init__(self, *, window_bytes=16384, tag_width=17, console_depth=64):
        if not isinstance(window_bytes, int) or window_bytes & (window_bytes - 1) or \
                not 4096 <= window_bytes <= 65536:
            raise ValueError(f"window_bytes must be a power of two, 4096..65536, not {window_bytes!r}")
        if not isinstance(tag_width, int) or not 1 <= tag_width <= 32:
            raise ValueError(f"tag_width must be an integer 1..32, not {tag_width!r}")
        self._window_bytes, self._tag_width, self._console_depth = window_bytes, tag_width, console_depth
        super().__init__({
            "bus": In(MemSignature(data_width=8 * BLOCK_BYTES, tag_width=tag_width)),
            "tohost": In(data.StructLayout({"on": 1, "addr": 32})),
            "clear": In(1),
            "end": Out(EndSignature),
            "console": Out(stream.Signature(8)),
        })

    @property
    def window_bytes(self):
        return self._window_bytes

    def elaborate(self, platform):
        m = Module()
        req, rsp = self.bus.req, self.bus.rsp
        off_bits = (BLOCK_BYTES - 1).bit_length()
        win_bits = (self._window_bytes - 1).bit_length()
        windows = memory_windows(self._window_bytes)
        rows = self._window_bytes // BLOCK_BYTES

        m.submodules.ram = ram = Memory(shape=8 * BLOCK_BYTES, depth=len(windows) * rows, init=[])
        wr = ram.write_port(granularity=8)
        rd = ram.read_port()
        m.submodules.console = fifo = SyncFIFOBuffered(width=8, depth=self._console_depth)

        # Decode: the window the block falls in (its row: window number above the block index).
        hit = Signal()
        row = Signal(range(len(windows) * rows))
        for index, (_, base) in enumerate(windows):
            with m.If(req.addr[win_bits:] == base >> win_bits):
                m.d.comb += [hit.eq(1), row.eq(index * rows + req.addr[off_bits:win_bits])]
        block = req.addr[off_bits:]
        io = (block >= MemoryMap.IO_BASE >> off_bits) & \
            (block < (MemoryMap.IO_BASE + MemoryMap.IO_SIZE) >> off_bits)
        plain = req.op == AmoOp.NONE
        accept = req.valid & plain
        m.d.comb += [
            req.ready.eq(1),
            rd.addr.eq(row), rd.en.eq(1),
            wr.addr.eq(row), wr.data.eq(req.data),
            wr.en.eq(Mux(accept & req.we & hit, req.be, 0)),
        ]
        m.d.sync += [rsp.valid.eq(req.valid), rsp.tag.eq(req.tag),
                     rsp.err.eq(req.valid & ~(plain & (hit | io)))]
        # io reads answer zeros: the RAM's word is masked in the answer's cycle.
        io_read = Signal()
        m.d.sync += io_read.eq(io)
        m.d.comb += rsp.data.eq(Mux(io_read, 0, rd.data))

        def word(addr):
            lane = (addr % BLOCK_BYTES) // 4
            return req.data.word_select(lane, 32), req.be.word_select(lane, 4)

        io_write = accept & req.we & io
        cout_data, cout_be = word(MemoryMap.IO_COUT)
        cout_byte = MemoryMap.IO_COUT % 4
        m.d.comb += [
            fifo.w_data.eq(cout_data.word_select(cout_byte, 8)),
            fifo.w_en.eq(io_write & (block == MemoryMap.IO_COUT >> off_bits) & cout_be[cout_byte]),
        ]

        exit_data, exit_be = word(MemoryMap.IO_EXIT)
        exit_mask = Cat(exit_be[i].replicate(8) for i in range(4))
        lane = self.tohost.addr[2:off_bits]
        host_data = req.data.word_select(lane, 32)
        host_hit = self.tohost.on & accept & req.we & hit & \
            (block == self.tohost.addr[off_bits:]) & req.be.word_select(lane, 4).any()
        with m.If(self.clear):
            m.d.sync += self.end.valid.eq(0)
        with m.Elif(~self.end.valid):
            with m.If(io_write & (block == MemoryMap.IO_EXIT >> off_bits) & exit_be.any()):
                m.d.sync += [self.end.valid.eq(1), self.end.tohost.eq(0),
                             self.end.code.eq(exit_data & exit_mask)]
            with m.Elif(host_hit & host_data[0]):
                m.d.sync += [self.end.valid.eq(1), self.end.tohost.eq(1),
                             self.end.code.eq(host_data >> 1)]
        # A launch drops what the previous run left in the console.
        m.d.comb += [self.console.valid.eq(fifo.r_rdy), self.console.payload.eq(fifo.r_data),
                     fifo.r_en.eq(self.console.ready | self.clear)]
        return m
