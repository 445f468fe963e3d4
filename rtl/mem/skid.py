"""A one-entry skid buffer on a memory request channel."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .bus import MemRequestSignature

__all__ = [
    "RequestSkid",
]

_PAYLOAD = ("addr", "we", "data", "be", "op", "tag")


class RequestSkid(wiring.Component):
    """Cuts the combinational path from a memory's ``ready`` back into its master.

    The master sees ``ready`` whenever the buffer is empty (a register), so its request logic never
    waits on the memory within a cycle. A request the memory refuses is held and offered again until
    taken; meanwhile the master sees ``ready`` low. Requests keep their order.

    Parameters
    ----------
    data_width, tag_width : int

    Members
    -------
    i : In(MemRequestSignature(...))
        From the master.
    o : Out(MemRequestSignature(...))
        To the memory.

    Latency: none while the memory is ready (a combinational pass-through). Throughput: one
    request per cycle while the memory is ready; after a refusal, the held request goes first.
    Resources: one request's worth of registers.
    """

    def __init__(self, *, data_width=32, tag_width=8):
        signature = MemRequestSignature(data_width=data_width, tag_width=tag_width)
        super().__init__({"i": In(signature), "o": Out(signature)})

    def elaborate(self, platform):
        m = Module()
        full = Signal()
        held = {name: Signal.like(getattr(self.i, name), name=f"held_{name}") for name in _PAYLOAD}
        m.d.comb += [self.i.ready.eq(~full), self.o.valid.eq(full | self.i.valid)]
        for name in _PAYLOAD:
            m.d.comb += getattr(self.o, name).eq(Mux(full, held[name], getattr(self.i, name)))
        with m.If(~full & self.i.valid & ~self.o.ready):
            m.d.sync += full.eq(1)
            m.d.sync += [held[name].eq(getattr(self.i, name)) for name in _PAYLOAD]
        with m.If(full & self.o.ready):
            m.d.sync += full.eq(0)
        return m
