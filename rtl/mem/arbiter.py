"""Several memory masters on one memory port: round-robin requests, responses routed by tag."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

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
        last = Signal(range(n))         # master served last
        held = Signal()                 # a request was offered and not taken: keep the grant
        held_grant = Signal(range(n))
        grant = Signal(range(n))
        # The first requesting master after `last`, in circular order.
        for offset in reversed(range(1, n + 1)):
            for candidate in range(n):
                with m.If((last == (candidate - offset) % n) & self.masters[candidate].req.valid):
                    m.d.comb += grant.eq(candidate)
        choice = Signal(range(n))
        m.d.comb += choice.eq(Mux(held, held_grant, grant))

        chosen = Array(port.req for port in self.masters)[choice]
        m.d.comb += [
            bus.req.valid.eq(chosen.valid),
            bus.req.addr.eq(chosen.addr),
            bus.req.we.eq(chosen.we),
            bus.req.data.eq(chosen.data),
            bus.req.be.eq(chosen.be),
            bus.req.tag.eq(Cat(chosen.tag, choice)),
        ]
        for index, port in enumerate(self.masters):
            m.d.comb += port.req.ready.eq(bus.req.ready & (choice == index))
        with m.If(bus.req.valid & bus.req.ready):
            m.d.sync += [last.eq(choice), held.eq(0)]
        with m.Elif(bus.req.valid):
            m.d.sync += [held.eq(1), held_grant.eq(choice)]

        source = bus.rsp.tag[self._tag_width:]
        for index, port in enumerate(self.masters):
            m.d.comb += [
                port.rsp.valid.eq(bus.rsp.valid & (source == index)),
                port.rsp.data.eq(bus.rsp.data),
                port.rsp.tag.eq(bus.rsp.tag[:self._tag_width]),
                port.rsp.err.eq(bus.rsp.err),
            ]
        return m
