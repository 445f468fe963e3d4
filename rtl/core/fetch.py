"""Fetch unit: one instruction request per cycle, shared round-robin by the warps, into per-warp
instruction buffers.

Each warp fetches ahead along fall-through (pc, pc+4, ...) while its buffer has a free entry for every
response in flight. A redirect of a warp (taken branch or jump, SIMT instruction, resolved in execute)
empties that warp's buffer and starts a new *epoch* for it; the request tag carries warp and epoch, so
responses to an abandoned path are recognised and dropped.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ..common.checks import check_config
from ..common.round_robin import RoundRobin
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
    """Per-warp sequential fetch into flushable buffers.

    Parameters
    ----------
    config : SimtConfig
        Its ``warps`` and ``block_bytes`` (the width of the memory bus: the instruction is picked
        out of the returned block), and from ``config.derive()`` the buffer depth ``fetch_depth``
        (one warp alone fetches one instruction per cycle when it exceeds the memory latency by at
        least one) and the tag fields ``fetch_warp_bits``, ``fetch_epoch_bits``.

    Members
    -------
    start : In(1)
        Launch: every warp flushes; warp 0 starts at ``spawn_pc``, the others stop.
    spawn : In(warps)
        Warps to (re)start at ``spawn_pc`` with an empty buffer (launch, wspawn).
    spawn_pc : In(32)
    redirect : In(1)
        Flush warp ``redirect_warp`` and continue at ``redirect_pc``; with ``redirect_stop`` the warp
        stops fetching instead (it retired, or faulted).
    redirect_warp : In(range(warps))
    redirect_pc : In(32)
    redirect_stop : In(1)
    bus : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Read requests; tag = warp | epoch << fetch_warp_bits.
    head : Out(ArrayLayout(FetchedLayout, warps))
        The oldest buffered instruction of each warp ...
    head_valid : Out(warps)
        ... when its bit is set.
    pop : In(1)
        Remove the head of warp ``pop_warp``.
    pop_warp : In(range(warps))
    next_pc : Out(ArrayLayout(32, warps))
        Address of each warp's next response (debug dumps).

    Latency: memory latency + 1 cycle from request to ``head_valid``. Throughput: one instruction per
    cycle for all warps together. Resources: ``warps * depth`` x 65 bits of registers.

    Raises
    ------
    TypeError
        ``config`` is not a SimtConfig (whose own checks keep the derived sizes consistent).
    """

    def __init__(self, config):
        check_config("Fetch", config)
        derived = config.derive()
        warps, depth, block_bytes = config.warps, derived.fetch_depth, config.block_bytes
        self._warps, self._depth, self._block_bytes = warps, depth, block_bytes
        self._warp_bits, self._epoch_bits = derived.fetch_warp_bits, derived.fetch_epoch_bits
        self._word_bits = derived.block_word_bits
        super().__init__({
            "start": In(1),
            "spawn": In(warps),
            "spawn_pc": In(32),
            "redirect": In(1),
            "redirect_warp": In(range(warps)),
            "redirect_pc": In(32),
            "redirect_stop": In(1),
            "bus": Out(MemSignature(data_width=8 * block_bytes,
                                    tag_width=derived.mem_tag_width)),
            "head": Out(data.ArrayLayout(FetchedLayout, warps)),
            "head_valid": Out(warps),
            "pop": In(1),
            "pop_warp": In(range(warps)),
            "next_pc": Out(data.ArrayLayout(32, warps)),
        })

    def elaborate(self, platform):
        m = Module()
        warps, depth = self._warps, self._depth
        warp_bits, epoch_bits, word_bits = self._warp_bits, self._epoch_bits, self._word_bits

        m.submodules.arbiter = arbiter = RoundRobin(warps)
        bus = self.bus

        pcs = Array(Signal(32, name=f"pc_{w}") for w in range(warps))
        rsp_pcs = Array(Signal(32, name=f"rsp_pc_{w}") for w in range(warps))
        epochs = Array(Signal(epoch_bits, name=f"epoch_{w}") for w in range(warps))

        grant = arbiter.grant
        grant_field = Signal(warp_bits)
        m.d.comb += [
            grant_field.eq(grant),
            bus.req.valid.eq(arbiter.valid),
            bus.req.addr.eq(pcs[grant] & ~(self._block_bytes - 1)),
            bus.req.tag.eq(Cat(grant_field, epochs[grant])),
            arbiter.advance.eq(bus.req.ready),
        ]
        issued = bus.req.valid & bus.req.ready

        rsp_warp = bus.rsp.tag[:warp_bits]
        rsp_epoch = bus.rsp.tag[warp_bits:warp_bits + epoch_bits]
        rsp_pc = Signal(32)
        m.d.comb += rsp_pc.eq(rsp_pcs[rsp_warp])
        word = bus.rsp.data.word_select(rsp_pc[2:2 + word_bits], 32) if word_bits else bus.rsp.data[:32]

        for w in range(warps):
            buffer = Array(Signal(FetchedLayout, name=f"ibuf_{w}_{i}") for i in range(depth))
            rd_ptr = Signal(range(depth), name=f"rd_ptr_{w}")
            wr_ptr = Signal(range(depth), name=f"wr_ptr_{w}")
            count = Signal(range(depth + 1), name=f"count_{w}")
            in_flight = Signal(range(depth + 1), name=f"in_flight_{w}")
            active = Signal(name=f"active_{w}")

            spawned = self.start | self.spawn[w]
            flush = spawned | (self.redirect & (self.redirect_warp == w))
            target = Mux(spawned, self.spawn_pc, self.redirect_pc)
            restarts = Mux(self.start, int(w == 0), self.spawn[w] | ~self.redirect_stop)
            issued_w = issued & (grant == w)
            rsp_w = bus.rsp.valid & (rsp_warp == w)
            keep = rsp_w & (rsp_epoch == epochs[w]) & ~flush
            pop = self.pop & (self.pop_warp == w) & (count != 0)

            m.d.comb += [
                arbiter.ready[w].eq(active & ~flush & (in_flight + count < depth)),
                self.head[w].eq(buffer[rd_ptr]),
                self.head_valid[w].eq(count != 0),
                self.next_pc[w].eq(rsp_pcs[w]),
            ]
            m.d.sync += in_flight.eq(in_flight + issued_w - rsp_w)
            with m.If(flush):
                m.d.sync += [
                    rd_ptr.eq(0), wr_ptr.eq(0), count.eq(0),
                    epochs[w].eq(epochs[w] + 1),
                    pcs[w].eq(target), rsp_pcs[w].eq(target),
                    active.eq(restarts),
                ]
            with m.Else():
                with m.If(issued_w):
                    m.d.sync += pcs[w].eq(pcs[w] + 4)
                with m.If(keep):
                    m.d.sync += [
                        buffer[wr_ptr].pc.eq(rsp_pcs[w]),
                        buffer[wr_ptr].insn.eq(word),
                        buffer[wr_ptr].err.eq(bus.rsp.err),
                        wr_ptr.eq(wr_ptr + 1),
                        rsp_pcs[w].eq(rsp_pcs[w] + 4),
                    ]
                with m.If(pop):
                    m.d.sync += rd_ptr.eq(rd_ptr + 1)
                m.d.sync += count.eq(count + keep - pop)
        return m
