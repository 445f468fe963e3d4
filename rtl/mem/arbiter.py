"""Several memory masters on one memory port: round-robin requests, responses routed by tag."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..common.round_robin import RoundRobin
from .bus import MemSignature

__all__ = [
    "MemArbiter",
]


class MemArbiter(wiring.Component):
    """Joins ``count`` masters' ``MemSignature`` ports into one (the SoC's data port shared by the
    core and the tile's DMA).

    Parameters
    ----------
    count : int
        Masters, 2 or more.
    data_width, tag_width : int
        Of every master's port; the shared port's tags are ``tag_width + ceil(log2(count))`` bits:
        the master's tag with the master's number above it.

    Members
    -------
    masters : In(MemSignature(data_width, tag_width)).array(count)
    bus : Out(MemSignature(data_width, tag_width + source bits))

    Requests: a loose round-robin grant among the masters offering one (the search starts after
    the master served last); the grant holds while the shared port stalls, so a request never
    changes under ``valid``. Responses (in request order on the shared port) go to the master named
    by their tag's top bits, with the master's own tag. Latency: combinational in both directions.
    Throughput: one request per cycle.
    """

    def __init__(self, *, count=2, data_width=512, tag_width=16):
        if not isinstance(count, int) or count < 2:
            raise ValueError(f"count must be an integer >= 2, not {count!r}")
        self._count, self._tag_width = count, tag_width
        self._source_bits = (count - 1).bit_length()
        master = MemSignature(data_width=data_width, tag_width=tag_width)
        super().__init__({
            "masters": In(master).array(count),
            "bus": Out(MemSignature(data_width=data_width,
                                    tag_width=tag_width + self._source_bits)),
        })

    def elaborate(self, platform):
        m = Module()
        n, bus = self._count, self.bus
        m.submodules.picker = picker = RoundRobin(n, hold=True)
        choice = picker.grant
        m.d.comb += picker.ready.eq(Cat(port.req.valid for port in self.masters))

        chosen = Array(port.req for port in self.masters)[choice]
        m.d.comb += [
            bus.req.valid.eq(chosen.valid),
            bus.req.addr.eq(chosen.addr),
            bus.req.we.eq(chosen.we),
            bus.req.data.eq(chosen.data),
            bus.req.be.eq(chosen.be),
            bus.req.op.eq(chosen.op),
            bus.req.tag.eq(Cat(chosen.tag, choice)),
        ]
        for index, port in enumerate(self.masters):
            m.d.comb += port.req.ready.eq(bus.req.ready & (choice == index))
        m.d.comb += [picker.advance.eq(bus.req.valid & bus.req.ready),
                     picker.stall.eq(bus.req.valid & ~bus.req.ready)]

        source = bus.rsp.tag[self._tag_width:]
        for index, port in enumerate(self.masters):
            m.d.comb += [
                port.rsp.valid.eq(bus.rsp.valid & (source == index)),
                port.rsp.data.eq(bus.rsp.data),
                port.rsp.tag.eq(bus.rsp.tag[:self._tag_width]),
                port.rsp.err.eq(bus.rsp.err),
            ]
        return m
