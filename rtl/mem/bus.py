"""The memory bus every simtlab memory client speaks: a request channel and a response channel.

Requests carry a byte address, write enable, write data, byte enables, an operation (plain, or an
RV32A atomic performed at the memory) and a tag; responses return in
request order with the tag and an error bit. The harness's memory model serves it; the core's fetch and
load/store units and the tile's DMA issue it, so another master plugs into an arbiter of the same shape.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.isa import AmoOp

__all__ = [
    "MemRequestSignature",
    "MemResponseSignature",
    "MemSignature",
]


class MemRequestSignature(wiring.Signature):
    """Request channel, seen from the master.

    Members
    -------
    valid : Out(1)
        A request is offered; it is accepted on a rising edge where ``ready`` is high.
    ready : In(1)
        The memory can take a request this cycle.
    addr : Out(addr_width)
        Byte address. Word accesses are naturally aligned: ``addr & ~3`` selects the word.
    we : Out(1)
        1 for a write, 0 for a read of the whole word.
    data : Out(data_width)
        Write data, already shifted to its byte lanes.
    be : Out(data_width // 8)
        Byte enables of a write (bit i enables byte lane i).
    op : Out(AmoOp)
        ``AmoOp.NONE`` (0) for a plain read or write. Otherwise an atomic (``we`` 0): the memory
        reads the word the 4 byte enables select, writes ``op(old, data's word)`` there (sc: only
        while the hart's reservation holds; lr: none, it reserves), and answers with the old word
        in its place (sc: 0 success, 1 failure); docs/isa.md, "Atomics".
    tag : Out(tag_width)
        Returned unchanged with the response.
    """

    def __init__(self, *, addr_width=32, data_width=32, tag_width=8):
        if data_width % 8:
            raise ValueError(f"data_width must be a multiple of 8, not {data_width!r}")
        self._addr_width, self._data_width, self._tag_width = addr_width, data_width, tag_width
        super().__init__({
            "valid": Out(1),
            "ready": In(1),
            "addr": Out(addr_width),
            "we": Out(1),
            "data": Out(data_width),
            "be": Out(data_width // 8),
            "op": Out(AmoOp),
            "tag": Out(tag_width),
        })

    def __eq__(self, other):
        return (type(other) is type(self) and
                (self._addr_width, self._data_width, self._tag_width) ==
                (other._addr_width, other._data_width, other._tag_width))

    def __repr__(self):
        return (f"MemRequestSignature(addr_width={self._addr_width}, data_width={self._data_width}, "
                f"tag_width={self._tag_width})")


class MemResponseSignature(wiring.Signature):
    """Response channel, seen from the memory (the master sees it flipped).

    Members
    -------
    valid : Out(1)
        A response is present for exactly this cycle; the master cannot stall it.
    data : Out(data_width)
        The read word (0 for writes).
    tag : Out(tag_width)
        The tag of the request this answers. Responses come back in request order.
    err : Out(1)
        The request touched an unmapped address.
    """

    def __init__(self, *, data_width=32, tag_width=8):
        self._data_width, self._tag_width = data_width, tag_width
        super().__init__({
            "valid": Out(1),
            "data": Out(data_width),
            "tag": Out(tag_width),
            "err": Out(1),
        })

    def __eq__(self, other):
        return (type(other) is type(self) and
                (self._data_width, self._tag_width) == (other._data_width, other._tag_width))

    def __repr__(self):
        return f"MemResponseSignature(data_width={self._data_width}, tag_width={self._tag_width})"


class MemSignature(wiring.Signature):
    """A memory port, seen from the master: ``req`` goes out, ``rsp`` comes in.

    Latency is the memory's (the harness's is ``SimtConfig.mem_latency`` cycles from the accepting edge
    to the response); throughput is one request per cycle while ``ready`` is high.
    """

    def __init__(self, *, addr_width=32, data_width=32, tag_width=8):
        self._params = dict(addr_width=addr_width, data_width=data_width, tag_width=tag_width)
        super().__init__({
            "req": Out(MemRequestSignature(**self._params)),
            "rsp": In(MemResponseSignature(data_width=data_width, tag_width=tag_width)),
        })

    def __eq__(self, other):
        return type(other) is type(self) and self._params == other._params

    def __repr__(self):
        return "MemSignature({})".format(", ".join(f"{k}={v}" for k, v in self._params.items()))
