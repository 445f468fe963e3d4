"""The tile's DMA arbiter: its DMA masters (CDMA, read DMAs, write DMAs) on one memory port.

Place in the tile: CDMA / SDP_RDMA / PDP_RDMA / SDP and PDP write DMAs -> **DmaArbiter** -> the
tile's ``dma`` port -> the SoC's memory. Requests are granted round robin; responses, which the
memory returns in request order for reads and writes alike, are routed back to the client that
issued the request through a FIFO of client ids (one entry per request in flight).
"""

from amaranth import *
from amaranth.lib import data, fifo, wiring
from amaranth.lib.wiring import In, Out

from ..common.round_robin import RoundRobin
from ..mem.bus import MemSignature

__all__ = [
    "DmaFaultLayout",
    "DmaArbiter",
]


def DmaFaultLayout(clients):
    """``valid``, ``client`` (index of the master) and ``addr`` of a failed DMA request."""
    return data.StructLayout({
        "valid": 1,
        "client": range(max(clients, 2)),
        "addr": 32,
    })


class DmaArbiter(wiring.Component):
    """Round-robin arbiter of ``clients`` memory masters onto one ``MemSignature`` port.

    Each cycle the first client with ``req.valid``, searching from the one after the last
    granted client, is connected to the memory's request channel (valid, address, data, byte
    enables, tag pass through unchanged); its ``req.ready`` is the memory's, gated by room in the
    id FIFO. A request offered and not taken keeps the grant, so the memory never sees a request
    change under ``valid``. Every accepted request (read or write: the memory answers both, in
    request order, as ``rtl/mem/bus.py`` and the harness do) pushes the client's index and the
    request address into a FIFO; every response pops it and is shown to that client only
    (``rsp.valid``, ``data``, ``tag``, ``err``). A client that does not care about write
    responses may ignore them.

    A response with ``err`` (the request touched no memory) raises ``fault.valid`` for that cycle
    with the client and the request's address.

    Parameters
    ----------
    clients : int
        Number of masters, 1-16.
    outstanding : int
        Requests in flight across all clients (id FIFO depth), 1-64. A client's own limit (CDMA's
        ``outstanding``) applies too; this one must not be the bottleneck, so make it at least the
        sum of the clients' limits for full throughput.
    data_width, tag_width, addr_width : int
        Of the ``MemSignature`` (the tile uses 512/16/32).

    Members
    -------
    clients : In(MemSignature(...)).array(clients)
        The masters' ports (``wiring.connect(m, arbiter.clients[i], cdma.dma)`` style, flipped).
    bus : Out(MemSignature(...))
        The memory port.
    fault : Out(DmaFaultLayout(clients))
        A response with ``err``: ``valid`` for one cycle, the ``client`` and the request ``addr``.
    idle : Out(1)
        No request in flight (every accepted request has had its response).

    Latency: none added; the grant is combinational (``req`` of the granted client straight to
    ``bus.req``), responses pass combinationally to the client. Throughput: one request per cycle.
    Resources: one ``(log2(clients) + 32)``-bit x ``outstanding`` FIFO, a ``clients``-way mux.
    """

    def __init__(self, clients, *, outstanding=16, data_width=512, tag_width=16, addr_width=32):
        for name, value in (("clients", clients), ("outstanding", outstanding),
                            ("data_width", data_width), ("tag_width", tag_width),
                            ("addr_width", addr_width)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if not 1 <= clients <= 16:
            raise ValueError(f"clients must be 1-16, not {clients!r}")
        if not 1 <= outstanding <= 64:
            raise ValueError(f"outstanding must be 1-64, not {outstanding!r}")
        self._clients, self._outstanding = clients, outstanding
        sig = MemSignature(addr_width=addr_width, data_width=data_width, tag_width=tag_width)
        super().__init__({
            "clients": In(sig).array(clients),
            "bus": Out(sig),
            "fault": Out(DmaFaultLayout(clients)),
            "idle": Out(1),
        })

    @property
    def outstanding(self):
        return self._outstanding

    def elaborate(self, platform):
        m = Module()
        n = self._clients
        id_bits = max((n - 1).bit_length(), 1)
        m.submodules.ids = ids = fifo.SyncFIFO(width=id_bits + 32, depth=self._outstanding)

        # Round robin, requester 0 first after reset; a request offered and not taken keeps its grant.
        m.submodules.picker = picker = RoundRobin(n, last=n - 1, hold=True)
        grant = Signal(range(max(n, 2)))
        m.d.comb += [picker.ready.eq(Cat(*[c.req.valid for c in self.clients])),
                     grant.eq(picker.grant)]

        req = self.bus.req
        with m.Switch(grant):
            for idx, c in enumerate(self.clients):
                with m.Case(idx):
                    m.d.comb += [
                        req.valid.eq(c.req.valid & ids.w_rdy),
                        req.addr.eq(c.req.addr),
                        req.we.eq(c.req.we),
                        req.data.eq(c.req.data),
                        req.be.eq(c.req.be),
                        req.tag.eq(c.req.tag),
                        c.req.ready.eq(req.ready & ids.w_rdy),
                    ]
        accepted = req.valid & req.ready
        m.d.comb += [
            ids.w_en.eq(accepted),
            ids.w_data.eq(Cat(grant[:id_bits], req.addr[:32])),
        ]
        m.d.comb += [picker.advance.eq(accepted), picker.stall.eq(req.valid & ~req.ready)]

        # Responses, in request order: to the client at the head of the id FIFO.
        rsp = self.bus.rsp
        head = ids.r_data[:id_bits]
        m.d.comb += ids.r_en.eq(rsp.valid)
        for idx, c in enumerate(self.clients):
            m.d.comb += [
                c.rsp.valid.eq(rsp.valid & (head == idx)),
                c.rsp.data.eq(rsp.data),
                c.rsp.tag.eq(rsp.tag),
                c.rsp.err.eq(rsp.err),
            ]
        m.d.comb += [
            self.fault.valid.eq(rsp.valid & rsp.err),
            self.fault.client.eq(head),
            self.fault.addr.eq(ids.r_data[id_bits:]),
            self.idle.eq(~ids.r_rdy),
        ]
        return m
