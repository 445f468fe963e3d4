"""Load/store unit: per-lane address checks, the core's banked local memory, coalesced requests on
the data port, and the load collectors that gather a load's (or an atomic's) words while the other
warps go on issuing.

Place in the pipeline: X (addresses from the lanes' ALUs, store data from rs2) -> **Lsu** ->
the local memory's banks (``local_mem.py``) or ``dmem``; the banks' words and the port's responses
-> a warp's collector -> W (ahead of M, unless M holds an instruction of the load's warp). The
per-lane blocks are in ``lsu_lane.py``, the block merging in ``coalescer.py``.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..common.checks import check_config
from ...spec.isa import AmoOp
from ..mem.bus import MemSignature
from ...spec.memory import MemoryMap
from .coalescer import Coalescer
from .local_mem import LocalMem
from .layouts import execute_layout, lanes_layout, load_layout, result_layout, same_fields
from .lsu_lane import AddressCheck, LoadAlign, StoreFormat

__all__ = [
    "Lsu",
]


class Lsu(wiring.Component):
    """A warp's load or store leaves X after one local-memory *round* per cycle for its lanes inside
    the local-memory window (``LocalMem``: every bank serves one word, more rounds on bank
    conflicts), then one bus request per memory block its other active lanes touch (the coalescer
    picks the lowest pending lane's block and serves every lane in it). Misaligned and unmapped
    addresses are reported before the first request, so the core can raise a precise fault
    instead.

    An RV32A atomic (``x.dec.amo_op`` not ``AmoOp.NONE``, with ``load`` set) sends one request per
    active lane, lowest lane first, carrying the operation (``op``), rs2 in the lane's word and the
    hart in its tag; the memory performs it and answers the old word, which the collector gathers
    as for ``lw``.

    A load leaves X once its requests are out and waits in its warp's *collector* (one per warp),
    not in M, so other warps keep issuing; its warp issues nothing until the load retired (the
    core's hazard logic reads ``pending``). Responses return in request order: a FIFO of (warp,
    lanes) per request routes each one; a load round's words arrive the next cycle. A completed
    load goes to W (``done``) unless M holds an instruction of its warp (older: M goes first) or
    another load takes W; it then waits in its collector, and waiting loads go first (lowest warp
    first), then one the port completes, then one the banks complete: each warp retires in program
    order.

    Parameters
    ----------
    config : SimtConfig
        Warps, threads, block size, mapped regions; sizes from ``config.derive()``.

    Members
    -------
    start : In(1)
        Launch: forget every request and collector.
    alive : In(1)
        The core runs and has not faulted (a response error is reported only then).
    valid : In(1)
        X holds a load or store that may send requests this cycle (no fault, no wait).
    load : In(1)
        It is a load or an atomic (its value goes to the collector), else a store.
    x : In(execute_layout)
        X's instruction: warp, pc, insn, rd, wb, tmask and funct3 (size) are used.
    addr : In(ArrayLayout(32, threads))
        Each lane's byte address.
    wdata : In(ArrayLayout(32, threads))
        Each lane's store value (rs2).
    m_ready : In(1)
        M can take an instruction this cycle: the request that finishes a store needs it.
    m_valid, m_warp : In(1), In(range(warps))
        M holds an instruction, of that warp (no load of that warp goes to W this cycle).
    misaligned, unmapped : Out(1)
        Some active lane's access is misaligned / outside every mapped region ...
    no_atomic : Out(1)
        ... / is an atomic to a mapped region outside global memory ...
    fault_addr : Out(32)
        ... and the lowest such lane's address (misaligned first, then unmapped).
    advance : Out(1)
        The last request of X's instruction goes out: X is free next cycle.
    acquire : Out(1)
        A request of an atomic with acquire order (``aq``, bit 26: C11's acquire and seq_cst
        atomics, lr.w.aq) goes out this cycle: the core's L1 D$ forgets its lines in the same
        cycle, so every later load reads what other cores released (docs/architecture.md, "L2
        cache", coherence rule).
    dmem : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Loads carry tag ``derived.load_tag``, stores tag 0 (their responses are ignored); an atomic
        also carries its hart ``warp * threads + lane`` in tag bits 1..10.
    pending : Out(warps)
        Warps with a load in their collector.
    done : Out(1)
        A load's last response arrived without error: ``result`` is it, for W.
    result : Out(result_layout)
    fault : Out(1)
        A load response with ``err`` (while ``alive``) ...
    fault_pc : Out(32)
        ... and the load's pc.
    lmem_conflict : Out(1)
        A local-memory round goes out and lanes of the same access wait for another (a
        bank-conflict cycle).
    lmem_reads, lmem_writes : Out(range(threads + 1))
        Lanes this cycle's load / store round serves.

    Latency: a request or round in the cycle X holds the instruction (combinational from
    ``valid``); a load's value ``done`` in the cycle its last response (or the cycle after its last
    round) arrives, when W is free for it. Throughput: one request or round per cycle;
    ``derived.load_fifo_depth`` load requests in flight on the port.

    Raises
    ------
    TypeError
        ``config`` is not a SimtConfig.
    """

    def __init__(self, config):
        self._config = check_config("Lsu", config)
        self._derived = derived = config.derive()
        lanes = lanes_layout(derived)
        T = derived.threads
        super().__init__({
            "start": In(1),
            "alive": In(1),
            "valid": In(1),
            "load": In(1),
            "x": In(execute_layout(derived)),
            "addr": In(lanes),
            "wdata": In(lanes),
            "m_ready": In(1),
            "m_valid": In(1),
            "m_warp": In(range(derived.warps)),
            "misaligned": Out(1),
            "unmapped": Out(1),
            "no_atomic": Out(1),
            "fault_addr": Out(32),
            "acquire": Out(1),
            "advance": Out(1),
            "dmem": Out(MemSignature(data_width=8 * config.block_bytes,
                                     tag_width=derived.mem_tag_width)),
            "pending": Out(derived.warps),
            "done": Out(1),
            "result": Out(result_layout(derived)),
            "fault": Out(1),
            "fault_pc": Out(32),
            "lmem_conflict": Out(1),
            "lmem_reads": Out(range(T + 1)),
            "lmem_writes": Out(range(T + 1)),
        })

    def elaborate(self, platform):
        m = Module()
        cfg, derived = self._config, self._derived
        W, T = derived.warps, derived.threads
        offset_bits = derived.block_offset_bits
        fifo_depth = derived.load_fifo_depth
        x, dmem = self.x, self.dmem

        m.submodules.coalescer = coalescer = Coalescer(threads=T, block_bytes=cfg.block_bytes)
        m.submodules.local_mem = lmem = LocalMem(cfg)
        checks, store_formats, load_aligns, lm_aligns = [], [], [], []
        for lane in range(T):
            checks.append(AddressCheck(cfg))
            store_formats.append(StoreFormat())
            load_aligns.append(LoadAlign())
            lm_aligns.append(LoadAlign())
            m.submodules[f"lmem_align_{lane}"] = lm_aligns[-1]
            m.submodules[f"address_check_{lane}"] = checks[-1]
            m.submodules[f"store_format_{lane}"] = store_formats[-1]
            m.submodules[f"load_align_{lane}"] = load_aligns[-1]

        # ---- Checks and requests ----------------------------------------------------------------
        atomic = x.dec.amo_op != AmoOp.NONE
        misaligned, unmapped, no_atomic = Signal(T), Signal(T), Signal(T)
        for lane in range(T):
            m.d.comb += [
                checks[lane].addr.eq(self.addr[lane]),
                checks[lane].funct3.eq(x.dec.funct3),
                misaligned[lane].eq(x.tmask[lane] & checks[lane].misaligned),
                unmapped[lane].eq(x.tmask[lane] & checks[lane].unmapped),
                no_atomic[lane].eq(x.tmask[lane] & atomic & checks[lane].no_atomic),
                store_formats[lane].addr_low.eq(self.addr[lane][0:2]),
                store_formats[lane].funct3.eq(x.dec.funct3),
                store_formats[lane].value.eq(self.wdata[lane]),
                coalescer.addr[lane].eq(self.addr[lane]),
                coalescer.wdata[lane].eq(store_formats[lane].data),
                coalescer.wbe[lane].eq(store_formats[lane].be),
                lmem.addr[lane].eq(self.addr[lane]),
                lmem.wdata[lane].eq(store_formats[lane].data),
                lmem.wbe[lane].eq(store_formats[lane].be),
            ]

        def lowest(mask):
            address = Signal(32)
            for lane in reversed(range(T)):
                with m.If(mask[lane]):
                    m.d.comb += address.eq(self.addr[lane])
            return address

        m.d.comb += [
            self.misaligned.eq(misaligned.any()),
            self.unmapped.eq(unmapped.any()),
            self.no_atomic.eq(no_atomic.any()),
            self.fault_addr.eq(Mux(misaligned.any(), lowest(misaligned),
                                   Mux(unmapped.any(), lowest(unmapped), lowest(no_atomic)))),
        ]

        # Lanes inside the local-memory window go to the banks (rounds), the others to the port
        # (blocks); a warp's local lanes are served first, then its global blocks.
        lmem_hi = cfg.lmem_log_size
        in_lmem = Signal(T)
        for lane in range(T):
            m.d.comb += in_lmem[lane].eq(self.addr[lane][lmem_hi:] == MemoryMap.LMEM_BASE >> lmem_hi)

        started = Signal()              # some requests of X's instruction are out
        started_pending = Signal(T)     # ... and these lanes are still to be served
        pending = Signal(T)
        local = Signal()                # this cycle's request is a local-memory round
        served = Signal(T)
        m.d.comb += [pending.eq(Mux(started, started_pending, x.tmask)),
                     local.eq((pending & in_lmem).any()),
                     lmem.pending.eq(pending & in_lmem),
                     coalescer.pending.eq(pending & ~in_lmem), coalescer.single.eq(atomic),
                     served.eq(Mux(local, lmem.lanes, coalescer.lanes))]
        last_request = served == pending

        req_warp = Array(Signal(range(W), name=f"load_req_warp_{i}") for i in range(fifo_depth))
        req_lanes = Array(Signal(T, name=f"load_req_lanes_{i}") for i in range(fifo_depth))
        req_rd, req_wr = Signal(range(fifo_depth)), Signal(range(fifo_depth))
        req_count = Signal(range(fifo_depth + 1))

        # Every load request to the port needs a FIFO entry; the request that finishes a store
        # needs room in M (a load goes to its collector instead).
        request = self.valid & (~self.load | local | (req_count < fifo_depth)) & \
            (self.load | ~last_request | self.m_ready)
        issued = request & (local | dmem.req.ready)
        global_load = issued & self.load & ~local
        count = sum(lmem.lanes[lane] for lane in range(T))
        m.d.comb += [
            self.advance.eq(issued & last_request),
            self.acquire.eq(issued & atomic & x.insn[26]),
            lmem.valid.eq(request & local),
            lmem.write.eq(~self.load),
            self.lmem_conflict.eq(request & local & (lmem.lanes != lmem.pending)),
            self.lmem_reads.eq(Mux(request & local & self.load, count, 0)),
            self.lmem_writes.eq(Mux(request & local & ~self.load, count, 0)),
            dmem.req.valid.eq(request & ~local),
            dmem.req.addr.eq(coalescer.block),
            dmem.req.we.eq(~self.load),
            dmem.req.data.eq(coalescer.data),
            dmem.req.be.eq(coalescer.be),
            dmem.req.op.eq(x.dec.amo_op),
            dmem.req.tag.eq(Mux(self.load, derived.load_tag, 0) |
                            Mux(atomic, (x.warp * T + coalescer.lane) << 1, 0)),
        ]

        # ---- Collectors -------------------------------------------------------------------------
        collectors = Array(Signal(load_layout(derived), name=f"load_{w}") for w in range(W))
        pending_load = Signal(W)

        # The port's answers, in request order: the FIFO names each one's warp and lanes.
        load_rsp = dmem.rsp.valid & (dmem.rsp.tag & derived.load_tag).any()
        rsp_warp = Signal(range(W))
        rsp_lanes = Signal(T)
        m.d.comb += [rsp_warp.eq(req_warp[req_rd]),
                     rsp_lanes.eq(Mux(load_rsp, req_lanes[req_rd], 0))]
        col = collectors[rsp_warp]
        col_next = Signal(lanes_layout(derived))
        for lane in range(T):
            align = load_aligns[lane]
            offset = col.offset[lane]
            m.d.comb += [
                align.word.eq(dmem.rsp.data.word_select(offset[2:], 32) if offset_bits > 2
                              else dmem.rsp.data[:32]),
                align.addr_low.eq(offset[:2]),
                align.funct3.eq(col.funct3),
                col_next[lane].eq(Mux(rsp_lanes[lane], align.value, col.data[lane])),
            ]
        remaining_next = Signal(T)
        m.d.comb += remaining_next.eq(col.remaining & ~rsp_lanes)
        with m.If(load_rsp):
            m.d.sync += [col.data.eq(col_next), col.remaining.eq(remaining_next),
                         req_rd.eq(Mux(req_rd == fifo_depth - 1, 0, req_rd + 1))]

        # The banks' words, the cycle after a load round. A warp's rounds precede its blocks and a
        # port answer comes 2 or more cycles after its request, so the two never meet in a collector.
        lm_rsp, lm_warp, lm_lanes = Signal(), Signal(range(W)), Signal(T)
        m.d.sync += [lm_rsp.eq(issued & self.load & local), lm_warp.eq(x.warp),
                     lm_lanes.eq(lmem.lanes)]
        lcol = collectors[lm_warp]
        lcol_next = Signal(lanes_layout(derived))
        for lane in range(T):
            align = lm_aligns[lane]
            m.d.comb += [
                align.word.eq(lmem.rdata[lane]),
                align.addr_low.eq(lcol.offset[lane][:2]),
                align.funct3.eq(lcol.funct3),
                lcol_next[lane].eq(Mux(lm_lanes[lane], align.value, lcol.data[lane])),
            ]
        lremaining_next = Signal(T)
        m.d.comb += lremaining_next.eq(lcol.remaining & ~lm_lanes)
        with m.If(lm_rsp):
            m.d.sync += [lcol.data.eq(lcol_next), lcol.remaining.eq(lremaining_next)]

        # To W: a collector completed earlier (``full``, lowest warp first), else one the port
        # completes now, else one the banks complete now; never while M holds an instruction of
        # the load's warp (it is older: the warp issued nothing after the load), so each warp
        # retires in program order. A completed load not taken waits in its collector.
        g_done = load_rsp & (remaining_next == 0) & ~dmem.rsp.err
        l_done = lm_rsp & (lremaining_next == 0)
        full = Signal(W)
        blocked = Signal(W)
        m.d.comb += blocked.eq(Mux(self.m_valid, C(1, W) << self.m_warp, 0))
        ready = full & ~blocked
        d_warp = Signal(range(W))
        for warp in reversed(range(W)):
            with m.If(ready[warp]):
                m.d.comb += d_warp.eq(warp)
        take_d = ready.any()
        take_g = ~take_d & g_done & ~blocked.bit_select(rsp_warp, 1)
        take_l = ~take_d & ~take_g & l_done & ~blocked.bit_select(lm_warp, 1)
        done = take_d | take_g | take_l
        out_warp = Signal(range(W))
        m.d.comb += out_warp.eq(Mux(take_d, d_warp, Mux(take_g, rsp_warp, lm_warp)))
        out = collectors[out_warp]
        m.d.comb += [
            self.done.eq(done),
            same_fields(self.result, out),
            self.result.valid.eq(done),
            self.result.warp.eq(out_warp),
            self.result.data.eq(Mux(take_g, col_next, Mux(take_l, lcol_next, out.data))),
            self.fault.eq(load_rsp & dmem.rsp.err & self.alive),
            self.fault_pc.eq(col.pc),
            self.pending.eq(pending_load),
        ]
        delivered = Mux(done, C(1, W) << out_warp, 0)
        m.d.sync += full.eq((full & ~delivered) |
                            Mux(g_done & ~take_g, C(1, W) << rsp_warp, 0) |
                            Mux(l_done & ~take_l, C(1, W) << lm_warp, 0))

        with m.If(issued):
            m.d.sync += [started.eq(~last_request), started_pending.eq(pending & ~served)]
            with m.If(global_load):
                m.d.sync += [req_warp[req_wr].eq(x.warp), req_lanes[req_wr].eq(coalescer.lanes),
                             req_wr.eq(Mux(req_wr == fifo_depth - 1, 0, req_wr + 1))]
            with m.If(self.load & ~started):
                target = collectors[x.warp]
                m.d.sync += [
                    same_fields(target, x),
                    target.rd.eq(x.dec.rd), target.wb.eq(x.dec.wb),
                    target.funct3.eq(x.dec.funct3), target.remaining.eq(x.tmask),
                ]
                for lane in range(T):
                    m.d.sync += target.offset[lane].eq(self.addr[lane][:offset_bits])
        m.d.sync += req_count.eq(req_count + global_load - load_rsp)
        load_starts = issued & self.load & ~started
        m.d.sync += pending_load.eq((pending_load & ~delivered) |
                                    Mux(load_starts, C(1, W) << x.warp, 0))

        with m.If(self.start):
            m.d.sync += [started.eq(0), pending_load.eq(0), req_rd.eq(0), req_wr.eq(0),
                         req_count.eq(0), full.eq(0), lm_rsp.eq(0)]
        return m
