"""Fetch unit: keeps the instruction bus busy and queues fetched words for decode.

Fetch predicts fall-through: it requests pc, pc+4, ... one word per cycle as long as the instruction
buffer has room for every response in flight. A redirect (taken branch or jump, resolved in execute)
empties the buffer and starts a new *epoch*; the request tag carries the epoch, so responses to the
wrong path, still on their way, are recognised and dropped.
"""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ..mem.bus import MemSignature

__all__ = [
    "FetchedLayout",
    "Fetch",
]


#: One fetched instruction.
FetchedLayout = data.StructLayout({
    "pc": 32,
    "insn": 32,
    "err": 1,       #: the bus reported an access fault for this word
})


class Fetch(wiring.Component):
    """Sequential instruction fetch into a flushable buffer.

    Parameters
    ----------
    depth : int
        Instruction buffer entries (a power of two). For one instruction per cycle it must exceed
        the memory latency by at least one.

    Members
    -------
    start : In(1)
        Flush and begin fetching at ``target`` (launch).
    redirect : In(1)
        Flush and continue at ``target`` (taken branch or jump).
    stop : In(1)
        Flush and stop fetching until the next ``start`` (the warp retired or faulted).
    target : In(32)
    bus : Out(MemSignature())
        Read requests; tag = epoch.
    o : Out(stream.Signature(FetchedLayout))
        Fetched instructions in program order.
    pc : Out(32)
        The next address to request (debug).

    Latency: memory latency + 1 cycle from request to ``o.valid``. Throughput: one instruction per
    cycle while fall-through. Resources: ``depth`` x 65 bits of registers.
    """

    def __init__(self, *, depth=4):
        if not isinstance(depth, int) or depth < 2 or depth & (depth - 1):
            raise ValueError(f"Fetch depth must be a power of two >= 2, not {depth!r}")
        self._depth = depth
        super().__init__({
            "start": In(1),
            "redirect": In(1),
            "stop": In(1),
            "target": In(32),
            "bus": Out(MemSignature()),
            "o": Out(stream.Signature(FetchedLayout)),
            "pc": Out(32),
        })

    @property
    def depth(self):
        return self._depth

    def elaborate(self, platform):
        m = Module()
        depth = self._depth

        buffer = Array(Signal(FetchedLayout, name=f"ibuf_{i}") for i in range(depth))
        rd_ptr = Signal(range(depth))
        wr_ptr = Signal(range(depth))
        count = Signal(range(depth + 1))
        in_flight = Signal(range(depth + 1))
        epoch = Signal(8)
        active = Signal()
        pc = Signal(32)
        rsp_pc = Signal(32)     # address of the next current-epoch response

        flush = Signal()
        m.d.comb += [flush.eq(self.start | self.redirect | self.stop), self.pc.eq(pc)]

        # Requests: one per cycle while every response in flight has a buffer entry waiting.
        bus = self.bus
        m.d.comb += [
            bus.req.valid.eq(active & ~flush & (in_flight + count < depth)),
            bus.req.addr.eq(pc),
            bus.req.tag.eq(epoch),
        ]
        issued = bus.req.valid & bus.req.ready

        # Responses: keep the current epoch's, drop the rest.
        keep = bus.rsp.valid & (bus.rsp.tag == epoch) & ~flush
        pop = self.o.valid & self.o.ready
        m.d.comb += [
            self.o.valid.eq(count != 0),
            self.o.payload.eq(buffer[rd_ptr]),
        ]

        m.d.sync += in_flight.eq(in_flight + issued - bus.rsp.valid)
        with m.If(flush):
            m.d.sync += [
                rd_ptr.eq(0), wr_ptr.eq(0), count.eq(0),
                epoch.eq(epoch + 1),
                pc.eq(self.target), rsp_pc.eq(self.target),
                active.eq(~self.stop),
            ]
        with m.Else():
            with m.If(issued):
                m.d.sync += pc.eq(pc + 4)
            with m.If(keep):
                m.d.sync += [
                    buffer[wr_ptr].pc.eq(rsp_pc),
                    buffer[wr_ptr].insn.eq(bus.rsp.data),
                    buffer[wr_ptr].err.eq(bus.rsp.err),
                    wr_ptr.eq(wr_ptr + 1),
                    rsp_pc.eq(rsp_pc + 4),
                ]
            with m.If(pop):
                m.d.sync += rd_ptr.eq(rd_ptr + 1)
            m.d.sync += count.eq(count + keep - pop)
        return m
