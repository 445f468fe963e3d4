"""One SIMT core: warps of lanes sharing an in-order pipeline.

Stages and what they hold::

    F  fetch: one request per cycle, round-robin over the warps, into per-warp buffers (fetch.py)
    D  issue: a round-robin pick among the warps whose next instruction is buffered and which are not
       waiting at a barrier; decode; register file read for all lanes (decoder.py, regfile.py,
       scheduler.py)
    X  execute, per lane: ALU, branch, mul/div, CSR, address checks and coalesced bus requests,
       FPU stage 1; SIMT instructions in the warp control unit (alu.py, muldiv.py, csr.py, lsu.py,
       simt.py, ../fpu/fpu.py)
    M  memory: collect a load's responses, align them per lane (lsu.py); FPU stage 2 (every FP
       operation but fdiv/fsqrt finishes here)
    W  writeback: register write of the active lanes, retire (trace port)

Hazards: results are forwarded per lane (and per warp) from M and W into X, and from W into D (the
register file reads one cycle ahead). A load's value exists only after M, so an instruction of the
same warp in X that needs it waits (load-use); so does one that needs the result of an FP
operation other than fdiv/fsqrt while that is in M: it is forwarded from W. Branches and jumps resolve in X with the warp's last
active lane deciding (docs/simt.md) and redirect that warp only. SIMT instructions always redirect
their warp to the next PC, so no younger instruction of the warp runs with a stale thread mask.
Faults are precise: the faulting instruction waits in X until everything older has retired.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.csr import CSR
from ...spec.fpu import RoundingMode
from ...spec.isa import OperandA, OperandB, Unit
from ...spec.status import STALL_SLOTS, FaultCause, StallCause
from ..fpu.fpu import Fpu
from ..mem.bus import MemSignature
from .alu import Alu, branch_taken
from .csr import CsrFile
from .decoder import Decoder, DecodedLayout, source_registers
from .fetch import Fetch
from .lsu import AddressCheck, Coalescer, LoadAlign, StoreFormat
from .muldiv import Divider, Multiplier
from .regfile import RegFile
from .scheduler import RoundRobin
from .simt import SimtOp, WarpControl

__all__ = [
    "FaultSignature",
    "retire_signature",
    "debug_signature",
    "PerfSignature",
    "Core",
]

#: Fault report: sticky from the fault until the next start.
FaultSignature = wiring.Signature({
    "valid": Out(1),
    "cause": Out(8),     #: a FaultCause value (mcause numbering, SIMT faults 24-27)
    "pc": Out(32),
    "addr": Out(32),     #: faulting address, jump target, illegal instruction word, SIMT operand
})

#: Per-cycle stall class while busy: a :class:`~simtlab.spec.status.StallCause`.
PerfSignature = wiring.Signature({"stall": Out((STALL_SLOTS - 1).bit_length())})
_LOAD_TAG = 1 << 15     # dmem tag bit 15 marks a load; store responses are not waited for


def retire_signature(threads):
    """One retired warp instruction per cycle at most; the lock-step check compares these."""
    return wiring.Signature({
        "valid": Out(1),
        "pc": Out(32),
        "insn": Out(32),
        "warp": Out(5),
        "rd": Out(6),           #: 0 when no register is written; f registers are 32-63
        "tmask": Out(threads),                          #: the lanes it executed on
        "data": Out(data.ArrayLayout(32, threads)),     #: per lane; 0 outside tmask or without rd
    })


def debug_signature(warps, threads):
    """Every warp's state, for watchdog dumps."""
    return wiring.Signature({
        "pc": Out(data.ArrayLayout(32, warps)),
        "tmask": Out(data.ArrayLayout(threads, warps)),
        "active": Out(warps),
        "waiting": Out(warps),
        "barrier": Out(data.ArrayLayout(8, warps)),
    })


class Core(wiring.Component):
    """A SIMT core of ``config.warps`` warps x ``config.threads`` lanes (RV32IMF + Zicsr + Vortex's
    custom-0 instructions; without F when ``config.fpu`` is off).

    Parameters
    ----------
    config : SimtConfig

    Members
    -------
    start : In(1)
        Reset the pipeline and run warp 0, lane 0 from ``start_pc`` with mscratch = ``start_arg``.
    start_pc, start_arg : In(32)
    busy : Out(1)
        High from ``start`` until no warp is active (or a fault stopped the core).
    imem, dmem : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Instruction and data ports; every request moves one block.
    fault : Out(FaultSignature)
    retire : Out(retire_signature(threads))
    dbg : Out(debug_signature(warps, threads))
    perf : Out(PerfSignature)

    Latency: 5 stages; a taken branch costs its warp 2 cycles plus the memory latency (other warps
    issue meanwhile); a load occupies M for the memory latency (one request per block its lanes
    touch); a division 33 cycles. FP (docs/fpu.md): every operation but fdiv/fsqrt takes X and M
    (a dependent instruction of the same warp waits one cycle); fdiv/fsqrt hold X for 28 cycles. Throughput: one warp instruction per cycle, one FP operation per lane per cycle.
    """

    def __init__(self, config):
        self._config = config
        W, T, B = config.warps, config.threads, config.block_bytes
        super().__init__({
            "start": In(1),
            "start_pc": In(32),
            "start_arg": In(32),
            "busy": Out(1),
            "imem": Out(MemSignature(data_width=8 * B, tag_width=16)),
            "dmem": Out(MemSignature(data_width=8 * B, tag_width=16)),
            "fault": Out(FaultSignature),
            "retire": Out(retire_signature(T)),
            "dbg": Out(debug_signature(W, T)),
            "perf": Out(PerfSignature),
        })

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        W, T, B = cfg.warps, cfg.threads, cfg.block_bytes
        offset_bits = (B - 1).bit_length()
        lanes = data.ArrayLayout(32, T)
        depth = 4
        while depth < cfg.mem_latency + 3:     # + 1: the top registers responses
            depth *= 2

        m.submodules.fetch = fetch = Fetch(warps=W, depth=depth, block_bytes=B)
        m.submodules.issue = issue = RoundRobin(W)
        m.submodules.decoder = decoder = Decoder(muldiv=cfg.muldiv, fpu=cfg.fpu)
        m.submodules.regfile = regfile = RegFile(warps=W, threads=T, fpu=cfg.fpu)
        m.submodules.csr = csr = CsrFile(cfg)
        m.submodules.warpctl = warpctl = WarpControl(warps=W, threads=T,
                                                     ipdom_depth=cfg.ipdom_depth,
                                                     barriers=cfg.num_barriers)
        m.submodules.coalescer = coalescer = Coalescer(threads=T, block_bytes=B)
        alus, multipliers, dividers, checks, store_formats, load_aligns = [], [], [], [], [], []
        fpus = []
        for lane in range(T):
            if cfg.fpu:
                fpus.append(Fpu())
                m.submodules[f"fpu_{lane}"] = fpus[-1]
            alus.append(Alu())
            multipliers.append(Multiplier())
            dividers.append(Divider())
            checks.append(AddressCheck(cfg))
            store_formats.append(StoreFormat())
            load_aligns.append(LoadAlign())
            m.submodules[f"alu_{lane}"] = alus[-1]
            m.submodules[f"multiplier_{lane}"] = multipliers[-1]
            m.submodules[f"divider_{lane}"] = dividers[-1]
            m.submodules[f"address_check_{lane}"] = checks[-1]
            m.submodules[f"store_format_{lane}"] = store_formats[-1]
            m.submodules[f"load_align_{lane}"] = load_aligns[-1]
        wiring.connect(m, wiring.flipped(self.imem), fetch.bus)

        running = Signal()
        alive = Signal()
        m.d.comb += [alive.eq(running & ~self.fault.valid), self.busy.eq(running)]

        # Pipeline registers.
        d_valid, d_warp, d_pc, d_insn, d_err = (Signal(), Signal(range(W)), Signal(32), Signal(32),
                                                Signal())
        x_valid, x_warp, x_pc, x_insn, x_err = (Signal(), Signal(range(W)), Signal(32), Signal(32),
                                                Signal())
        x_dec = Signal(DecodedLayout)
        x_tmask = Signal(T)
        x_op1, x_op2, x_op3 = Signal(lanes), Signal(lanes), Signal(lanes)
        m_valid, m_warp, m_pc, m_insn, m_rd, m_wb = (Signal(), Signal(range(W)), Signal(32),
                                                     Signal(32), Signal(6), Signal())
        m_tmask, m_result = Signal(T), Signal(lanes)
        m_fpu = Signal()        # an FP instruction: accrue m_flags into its warp's fflags
        m_pipe = Signal()       # a pipelined FP operation: the result is the FPU's stage 2
        m_flags = Signal(5)     # flags of an FP operation finished in X
        w_valid, w_warp, w_pc, w_insn, w_rd, w_wb = (Signal(), Signal(range(W)), Signal(32),
                                                     Signal(32), Signal(6), Signal())
        w_tmask, w_data = Signal(T), Signal(lanes)

        # ---- W: write back and retire ---------------------------------------------------------
        m.d.comb += [
            regfile.we.eq(Mux(w_valid & w_wb, w_tmask, 0)),
            regfile.wwarp.eq(w_warp),
            regfile.waddr.eq(w_rd),
            regfile.wdata.eq(w_data),
            self.retire.valid.eq(w_valid),
            self.retire.pc.eq(w_pc),
            self.retire.insn.eq(w_insn),
            self.retire.warp.eq(w_warp),
            self.retire.rd.eq(Mux(w_wb, w_rd, 0)),
            self.retire.tmask.eq(w_tmask),
            csr.retire.eq(w_valid),
        ]
        for lane in range(T):
            m.d.comb += self.retire.data[lane].eq(Mux(w_wb & w_tmask[lane], w_data[lane], 0))
        m.d.sync += w_valid.eq(0)

        def w_forward(warp, rs, lane, value):
            hit = w_valid & w_wb & (w_warp == warp) & (w_rd == rs) & w_tmask[lane]
            return Mux(hit, w_data[lane], value)

        # ---- Loads: one collector per warp -----------------------------------------------------
        # A load leaves X once its requests are out and waits in its warp's collector, not in M, so
        # the other warps go on issuing; its warp issues nothing until the load retires, which keeps
        # each warp's retire order. Responses return in request order: a FIFO of (warp, lanes) per
        # request routes each one. A completed load takes W ahead of M (at most one completes per
        # cycle, as at most one response arrives).
        fifo_depth = 2 * max(T, W)
        req_warp = Array(Signal(range(W), name=f"load_req_warp_{i}") for i in range(fifo_depth))
        req_lanes = Array(Signal(T, name=f"load_req_lanes_{i}") for i in range(fifo_depth))
        req_rd, req_wr = Signal(range(fifo_depth)), Signal(range(fifo_depth))
        req_count = Signal(range(fifo_depth + 1))

        entry = data.StructLayout({"pc": 32, "insn": 32, "rd": 6, "wb": 1, "tmask": T, "funct3": 3,
                                   "remaining": T, "offset": data.ArrayLayout(offset_bits, T),
                                   "data": lanes})
        collectors = Array(Signal(entry, name=f"load_{w}") for w in range(W))
        pending_load = Signal(W)        # warp w has a load in flight

        load_rsp = self.dmem.rsp.valid & (self.dmem.rsp.tag & _LOAD_TAG).any()
        rsp_warp = Signal(range(W))
        rsp_lanes = Signal(T)
        m.d.comb += [rsp_warp.eq(req_warp[req_rd]),
                     rsp_lanes.eq(Mux(load_rsp, req_lanes[req_rd], 0))]
        col = collectors[rsp_warp]
        col_next = Signal(lanes)
        for lane in range(T):
            align = load_aligns[lane]
            offset = col.offset[lane]
            m.d.comb += [
                align.word.eq(self.dmem.rsp.data.word_select(offset[2:], 32) if offset_bits > 2
                              else self.dmem.rsp.data[:32]),
                align.addr_low.eq(offset[:2]),
                align.funct3.eq(col.funct3),
                col_next[lane].eq(Mux(rsp_lanes[lane], align.value, col.data[lane])),
            ]
        remaining_next = Signal(T)
        m.d.comb += remaining_next.eq(col.remaining & ~rsp_lanes)
        with m.If(load_rsp):
            m.d.sync += [col.data.eq(col_next), col.remaining.eq(remaining_next),
                         req_rd.eq(Mux(req_rd == fifo_depth - 1, 0, req_rd + 1))]
        load_done = load_rsp & (remaining_next == 0) & ~self.dmem.rsp.err
        m_fault = load_rsp & self.dmem.rsp.err & alive

        # ---- M: pass results on (W is taken by a completing load first) --------------------------
        m_advance = m_valid & ~load_done & alive
        m_ready = ~m_valid | m_advance
        # A pipelined FP operation finishes here: its value and flags come from the FPU's stage 2.
        m_value = Signal(lanes)
        m_fflags = Signal(5)
        if cfg.fpu:
            pipe_flags = 0
            for lane in range(T):
                m.d.comb += m_value[lane].eq(Mux(m_pipe, fpus[lane].p_result, m_result[lane]))
                pipe_flags |= Mux(m_tmask[lane], fpus[lane].p_flags, 0)
            m.d.comb += m_fflags.eq(Mux(m_pipe, pipe_flags, m_flags))
        else:
            m.d.comb += m_value.eq(m_result)
        m.d.comb += [
            csr.fp_accrue.eq(m_advance & m_fpu),
            csr.fp_warp.eq(m_warp),
            csr.fp_flags.eq(m_fflags),
        ]
        with m.If(load_done):
            m.d.sync += [
                w_valid.eq(1), w_warp.eq(rsp_warp), w_pc.eq(col.pc), w_insn.eq(col.insn),
                w_rd.eq(col.rd), w_wb.eq(col.wb), w_tmask.eq(col.tmask), w_data.eq(col_next),
            ]
        with m.Elif(m_advance):
            m.d.sync += [
                w_valid.eq(1), w_warp.eq(m_warp), w_pc.eq(m_pc), w_insn.eq(m_insn),
                w_rd.eq(m_rd), w_wb.eq(m_wb), w_tmask.eq(m_tmask), w_data.eq(m_value),
            ]

        # ---- X: execute -----------------------------------------------------------------------
        unit = x_dec.unit
        op1, op2, op3 = Signal(lanes), Signal(lanes), Signal(lanes)
        sources = [(op1, x_op1, x_dec.rs1), (op2, x_op2, x_dec.rs2)]
        if cfg.fpu:
            sources.append((op3, x_op3, x_dec.rs3))
        for lane in range(T):
            for op, value, rs in sources:
                hit = m_valid & m_wb & (m_warp == x_warp) & (m_rd == rs) & m_tmask[lane]
                m.d.comb += op[lane].eq(Mux(hit, m_result[lane],
                                            w_forward(x_warp, rs, lane, value[lane])))
        # A pipelined FP result is not ready while its instruction is in M: a dependent instruction
        # of the same warp waits a cycle and takes it from W.
        m_late = m_valid & m_wb & m_pipe & (m_warp == x_warp)
        fp_hazard = m_late & (((m_rd == x_dec.rs1) & x_dec.use_rs1) |
                              ((m_rd == x_dec.rs2) & x_dec.use_rs2) |
                              ((m_rd == x_dec.rs3) & x_dec.use_rs3))

        # The last active lane steers the warp (docs/simt.md).
        last = Signal(range(T))
        for lane in range(T):
            with m.If(x_tmask[lane]):
                m.d.comb += last.eq(lane)
        a_last, b_last = Signal(32), Signal(32)
        m.d.comb += [a_last.eq(op1[last]), b_last.eq(op2[last])]

        for lane in range(T):
            alu = alus[lane]
            m.d.comb += [
                alu.op.eq(x_dec.alu_op),
                alu.a.eq(Mux(x_dec.a_sel == OperandA.RS1, op1[lane],
                             Mux(x_dec.a_sel == OperandA.PC, x_pc, 0))),
                alu.b.eq(Mux(x_dec.b_sel == OperandB.IMM, x_dec.imm, op2[lane])),
                multipliers[lane].funct3.eq(x_dec.funct3[0:2]),
                multipliers[lane].a.eq(op1[lane]),
                multipliers[lane].b.eq(op2[lane]),
                dividers[lane].funct3.eq(x_dec.funct3),
                dividers[lane].a.eq(op1[lane]),
                dividers[lane].b.eq(op2[lane]),
            ]
        alu_results = Array(alu.result for alu in alus)

        # Control flow.
        taken = Signal()
        target = Signal(32)
        m.d.comb += [
            taken.eq(((unit == Unit.BRANCH) & branch_taken(x_dec.funct3, a_last, b_last)) |
                     (unit == Unit.JAL) | (unit == Unit.JALR)),
            target.eq(Mux(unit == Unit.JALR, Cat(C(0, 1), alu_results[last][1:32]),
                          x_pc + x_dec.imm)),
        ]

        # CSRs.
        rs1_field = x_insn[15:20]
        m.d.comb += [
            csr.start.eq(self.start),
            csr.start_arg.eq(self.start_arg),
            csr.running.eq(running),
            csr.inflight.eq(m_valid + w_valid),
            csr.warp.eq(x_warp),
            csr.warp_tmask.eq(x_tmask),
            csr.active_warps.eq(warpctl.active),
            csr.addr.eq(x_insn[20:32]),
            csr.funct3.eq(x_dec.funct3),
            csr.src.eq(Mux(x_dec.funct3[2], rs1_field, a_last)),
            csr.src_zero.eq(rs1_field == 0),
        ]
        # fflags accrue as an FP instruction leaves M: a CSR access to them waits for that.
        fflags_csr = (x_insn[20:32] == CSR.FFLAGS) | (x_insn[20:32] == CSR.FCSR)
        csr_hazard = (unit == Unit.CSR) & fflags_csr & m_valid & m_fpu & (m_warp == x_warp)

        # FP: the rounding mode (rm field, or the warp's frm when it is 7), then the lanes' FPUs.
        is_fpu = unit == Unit.FPU
        rm = Signal(3)
        m.d.comb += rm.eq(Mux(x_dec.funct3 == RoundingMode.DYN, csr.frm, x_dec.funct3))
        bad_rm = x_dec.uses_rm & (rm > RoundingMode.RMM)
        x_fflags = Signal(5)    # of fdiv/fsqrt, the FP operations that finish in X
        fpu_wait = Signal()
        if cfg.fpu:
            lane_flags = 0
            for lane in range(T):
                fpu = fpus[lane]
                m.d.comb += [
                    fpu.op.eq(x_dec.fpu_op), fpu.rm.eq(rm),
                    fpu.a.eq(op1[lane]), fpu.b.eq(op2[lane]), fpu.c.eq(op3[lane]),
                ]
                lane_flags |= Mux(x_tmask[lane], fpu.flags, 0)
            m.d.comb += [x_fflags.eq(lane_flags),
                         fpu_wait.eq(is_fpu & x_dec.fpu_iter & ~fpus[0].done)]

        # SIMT instructions.
        is_simt = unit == Unit.SIMT
        simt_op = x_dec.funct3
        m.d.comb += [
            warpctl.start.eq(self.start),
            warpctl.valid.eq(x_valid & is_simt),
            warpctl.op.eq(simt_op),
            warpctl.warp.eq(x_warp),
            warpctl.pc.eq(x_pc),
            warpctl.negate.eq(Mux(simt_op == SimtOp.SPLIT, x_insn[20:25] != 0, x_insn[7:12] != 0)),
            warpctl.cond.eq(Cat(op1[lane][0] for lane in range(T))),
            warpctl.a.eq(a_last),
            warpctl.b.eq(b_last),
        ]

        # Memory access: per-lane checks, then one request per block.
        mem_op = (unit == Unit.LOAD) | (unit == Unit.STORE)
        is_load = unit == Unit.LOAD
        misaligned = Signal(T)
        unmapped = Signal(T)
        for lane in range(T):
            m.d.comb += [
                checks[lane].addr.eq(alus[lane].result),
                checks[lane].funct3.eq(x_dec.funct3),
                misaligned[lane].eq(x_tmask[lane] & checks[lane].misaligned),
                unmapped[lane].eq(x_tmask[lane] & checks[lane].unmapped),
                store_formats[lane].addr_low.eq(alus[lane].result[0:2]),
                store_formats[lane].funct3.eq(x_dec.funct3),
                store_formats[lane].value.eq(op2[lane]),
                coalescer.addr[lane].eq(alus[lane].result),
                coalescer.wdata[lane].eq(store_formats[lane].data),
                coalescer.wbe[lane].eq(store_formats[lane].be),
            ]
        def lowest(mask):
            address = Signal(32)
            for lane in reversed(range(T)):
                with m.If(mask[lane]):
                    m.d.comb += address.eq(alus[lane].result)
            return address

        lsu_started = Signal()
        lsu_pending = Signal(T)
        pending = Signal(T)
        m.d.comb += [pending.eq(Mux(lsu_started, lsu_pending, x_tmask)),
                     coalescer.pending.eq(pending)]
        last_request = coalescer.lanes == pending

        # Exceptions, in priority order.
        x_cause = Signal(8)
        x_addr = Signal(32)
        x_exc = Signal()
        with m.If(x_err):
            m.d.comb += [x_exc.eq(1), x_cause.eq(FaultCause.INSN_ACCESS), x_addr.eq(x_pc)]
        with m.Elif(~x_dec.legal | ((unit == Unit.CSR) & csr.illegal) | bad_rm):
            m.d.comb += [x_exc.eq(1), x_cause.eq(FaultCause.ILLEGAL_INSN), x_addr.eq(x_insn)]
        with m.Elif(mem_op & misaligned.any()):
            m.d.comb += [x_exc.eq(1), x_addr.eq(lowest(misaligned)),
                         x_cause.eq(Mux(is_load, FaultCause.LOAD_MISALIGNED,
                                        FaultCause.STORE_MISALIGNED))]
        with m.Elif(mem_op & unmapped.any()):
            m.d.comb += [x_exc.eq(1), x_addr.eq(lowest(unmapped)),
                         x_cause.eq(Mux(is_load, FaultCause.LOAD_ACCESS, FaultCause.STORE_ACCESS))]
        with m.Elif(taken & target[1]):
            m.d.comb += [x_exc.eq(1), x_addr.eq(target), x_cause.eq(FaultCause.INSN_MISALIGNED)]
        with m.Elif(is_simt & warpctl.fault):
            m.d.comb += [x_exc.eq(1), x_addr.eq(warpctl.fault_addr),
                         x_cause.eq(warpctl.fault_cause)]
        # Precise: raise only once everything older has retired.
        x_raise = x_valid & x_exc & alive & ~m_valid & ~w_valid

        div_wait = ((unit == Unit.DIV) & ~dividers[0].done) | fpu_wait | fp_hazard | csr_hazard
        # A wspawn that must wait for the other warps to finish leaves X unexecuted and its warp is
        # parked; it is fetched again and replayed once the warp is alone (docs/simt.md).
        replay = x_valid & alive & ~x_exc & is_simt & warpctl.spawn_wait
        x_ready = x_valid & alive & ~x_exc & ~div_wait & ~replay
        # Every load request needs a FIFO entry; the request that finishes a store needs room in M
        # (a load goes to its collector instead).
        mem_request = x_ready & mem_op & (~is_load | (req_count < fifo_depth)) & \
            (is_load | ~last_request | m_ready)
        mem_issued = mem_request & self.dmem.req.ready
        x_advance = Mux(mem_op, mem_issued & last_request, x_ready & m_ready)

        m.d.comb += [
            self.dmem.req.valid.eq(mem_request),
            self.dmem.req.addr.eq(coalescer.block),
            self.dmem.req.we.eq(~is_load),
            self.dmem.req.data.eq(coalescer.data),
            self.dmem.req.be.eq(coalescer.be),
            self.dmem.req.tag.eq(Mux(is_load, _LOAD_TAG, 0)),
            csr.commit.eq(x_advance & (unit == Unit.CSR)),
            warpctl.commit.eq(x_advance & is_simt),
            warpctl.park.eq(replay),
        ]
        for lane in range(T):
            # Iterative units start only with their operands final (not waiting for an FP result).
            m.d.comb += [
                dividers[lane].start.eq(x_valid & alive & ~fp_hazard & (unit == Unit.DIV) &
                                        ~dividers[lane].busy & ~dividers[lane].done),
                dividers[lane].ack.eq(x_advance),
            ]
            if cfg.fpu:
                fpu = fpus[lane]
                iterate = x_valid & alive & ~x_exc & ~fp_hazard & is_fpu & x_dec.fpu_iter
                m.d.comb += [
                    fpu.start.eq(iterate & ~fpu.busy & ~fpu.done),
                    fpu.ack.eq(x_advance),
                    fpu.advance.eq(x_advance & is_fpu & x_dec.fpu_pipe),
                ]
        with m.If(mem_issued):
            m.d.sync += [lsu_started.eq(~last_request), lsu_pending.eq(pending & ~coalescer.lanes)]
            with m.If(is_load):
                m.d.sync += [req_warp[req_wr].eq(x_warp), req_lanes[req_wr].eq(coalescer.lanes),
                             req_wr.eq(Mux(req_wr == fifo_depth - 1, 0, req_wr + 1))]
                with m.If(~lsu_started):
                    target_col = collectors[x_warp]
                    m.d.sync += [
                        target_col.pc.eq(x_pc), target_col.insn.eq(x_insn),
                        target_col.rd.eq(x_dec.rd), target_col.wb.eq(x_dec.wb),
                        target_col.tmask.eq(x_tmask), target_col.funct3.eq(x_dec.funct3),
                        target_col.remaining.eq(x_tmask),
                    ]
                    for lane in range(T):
                        m.d.sync += target_col.offset[lane].eq(alus[lane].result[:offset_bits])
        m.d.sync += req_count.eq(req_count + (mem_issued & is_load) - load_rsp)
        load_starts = mem_issued & is_load & ~lsu_started
        m.d.sync += pending_load.eq(
            (pending_load & ~Mux(load_done, C(1, W) << rsp_warp, 0)) |
            Mux(load_starts, C(1, W) << x_warp, 0))

        result = Signal(lanes)
        for lane in range(T):
            with m.Switch(unit):
                with m.Case(Unit.JAL, Unit.JALR):
                    m.d.comb += result[lane].eq(x_pc + 4)
                with m.Case(Unit.MUL):
                    m.d.comb += result[lane].eq(multipliers[lane].result)
                with m.Case(Unit.DIV):
                    m.d.comb += result[lane].eq(dividers[lane].result)
                with m.Case(Unit.CSR):
                    m.d.comb += result[lane].eq(csr.rdata[lane])
                with m.Case(Unit.SIMT):
                    m.d.comb += result[lane].eq(warpctl.result)
                if cfg.fpu:
                    with m.Case(Unit.FPU):
                        m.d.comb += result[lane].eq(fpus[lane].result)
                with m.Default():
                    m.d.comb += result[lane].eq(alus[lane].result)

        with m.If(x_advance & ~is_load):
            m.d.sync += [
                m_valid.eq(1), m_warp.eq(x_warp), m_pc.eq(x_pc), m_insn.eq(x_insn),
                m_rd.eq(x_dec.rd), m_wb.eq(x_dec.wb), m_tmask.eq(x_tmask), m_result.eq(result),
                m_fpu.eq(is_fpu), m_pipe.eq(is_fpu & x_dec.fpu_pipe), m_flags.eq(x_fflags),
            ]
        with m.Elif(m_advance):
            m.d.sync += m_valid.eq(0)

        # A taken branch, or any SIMT instruction, sends its warp to a new PC: its younger
        # instructions (in D and in its fetch buffer) are on a wrong path.
        redirect = (x_advance & (taken | is_simt)) | replay
        m.d.comb += [
            fetch.start.eq(self.start),
            fetch.spawn.eq(warpctl.spawn),
            fetch.spawn_pc.eq(Mux(self.start, self.start_pc, warpctl.spawn_pc)),
            fetch.redirect.eq(redirect | x_raise | m_fault),
            fetch.redirect_warp.eq(x_warp),
            fetch.redirect_pc.eq(Mux(replay, x_pc, Mux(is_simt, warpctl.next_pc, target))),
            fetch.redirect_stop.eq((is_simt & warpctl.stop) | x_raise | m_fault),
        ]

        # ---- D: pick a warp, decode, read registers; hand over to X ----------------------------
        x_take = alive & (~x_valid | x_advance | replay)
        d_take = alive & (~d_valid | x_take)
        kill_d = redirect & (d_warp == x_warp)
        grant = issue.grant
        d_load = d_valid & (decoder.out.unit == Unit.LOAD)
        x_load = x_valid & is_load
        for w in range(W):
            behind_load = (pending_load[w] | (d_load & (d_warp == w)) | (x_load & (x_warp == w)))
            m.d.comb += issue.ready[w].eq(fetch.head_valid[w] & warpctl.active[w] &
                                          ~warpctl.waiting[w] & ~warpctl.parked[w] &
                                          ~behind_load & ~(redirect & (x_warp == w)))
        head = fetch.head[grant]
        m.d.comb += [
            issue.advance.eq(d_take),
            fetch.pop.eq(d_take & issue.valid),
            fetch.pop_warp.eq(grant),
            decoder.insn.eq(d_insn),
            regfile.rwarp.eq(Mux(d_take, grant, d_warp)),
        ]
        # The register file is read in the cycle before D, from the fetch buffer's head: its float
        # operands (numbers 32-63) are told from the opcode alone (``source_registers``).
        head_rs = source_registers(head.insn, cfg.fpu)
        m.d.comb += [
            regfile.raddr1.eq(Mux(d_take, head_rs[0], decoder.out.rs1)),
            regfile.raddr2.eq(Mux(d_take, head_rs[1], decoder.out.rs2)),
        ]
        if cfg.fpu:
            m.d.comb += regfile.raddr3.eq(Mux(d_take, head_rs[2], decoder.out.rs3))
        with m.If(x_take):
            m.d.sync += [
                x_valid.eq(d_valid & ~kill_d), x_warp.eq(d_warp), x_pc.eq(d_pc),
                x_insn.eq(d_insn), x_err.eq(d_err), x_dec.eq(decoder.out),
                x_tmask.eq(warpctl.tmask[d_warp]),
            ]
            for lane in range(T):
                m.d.sync += [
                    x_op1[lane].eq(w_forward(d_warp, decoder.out.rs1, lane, regfile.rdata1[lane])),
                    x_op2[lane].eq(w_forward(d_warp, decoder.out.rs2, lane, regfile.rdata2[lane])),
                ]
                if cfg.fpu:
                    m.d.sync += x_op3[lane].eq(w_forward(d_warp, decoder.out.rs3, lane,
                                                         regfile.rdata3[lane]))
        with m.Elif(x_valid):
            # Stalled: keep the forwarded values, their producers are about to leave M and W.
            m.d.sync += [x_op1.eq(op1), x_op2.eq(op2), x_op3.eq(op3)]
        with m.If(d_take):
            m.d.sync += [
                d_valid.eq(issue.valid), d_warp.eq(grant), d_pc.eq(head.pc),
                d_insn.eq(head.insn), d_err.eq(head.err),
            ]
        with m.Elif(kill_d):
            m.d.sync += d_valid.eq(0)

        # ---- Control: start, end, fault ----------------------------------------------------------
        idle = ~d_valid & ~x_valid & ~m_valid & ~w_valid & (pending_load == 0)
        with m.If(running & ~warpctl.active.any() & idle):
            m.d.sync += running.eq(0)
        with m.If(m_fault):
            m.d.sync += [self.fault.valid.eq(1), self.fault.cause.eq(FaultCause.LOAD_ACCESS),
                         self.fault.pc.eq(col.pc),
                         self.fault.addr.eq(0), running.eq(0)]
        with m.Elif(x_raise):
            m.d.sync += [self.fault.valid.eq(1), self.fault.cause.eq(x_cause),
                         self.fault.pc.eq(x_pc), self.fault.addr.eq(x_addr), running.eq(0)]
        with m.If(self.start):
            m.d.sync += [
                running.eq(1), self.fault.valid.eq(0),
                d_valid.eq(0), x_valid.eq(0), m_valid.eq(0), w_valid.eq(0),
                lsu_started.eq(0), pending_load.eq(0), req_rd.eq(0), req_wr.eq(0),
                req_count.eq(0),
            ]

        # ---- Observation: warp dump and stall classes ---------------------------------------------
        for w in range(W):
            m.d.comb += [
                self.dbg.pc[w].eq(Mux(x_valid & (x_warp == w), x_pc,
                                      Mux(d_valid & (d_warp == w), d_pc,
                                          Mux(fetch.head_valid[w], fetch.head[w].pc,
                                              fetch.next_pc[w])))),
                self.dbg.tmask[w].eq(warpctl.tmask[w]),
                self.dbg.barrier[w].eq(warpctl.barrier_id[w]),
            ]
        m.d.comb += [self.dbg.active.eq(warpctl.active), self.dbg.waiting.eq(warpctl.waiting)]
        with m.If(x_advance):
            m.d.comb += self.perf.stall.eq(StallCause.ISSUE)
        with m.Elif(x_valid & (mem_op | ~m_ready)):
            m.d.comb += self.perf.stall.eq(StallCause.MEMORY)
        with m.Elif(x_valid & div_wait):    # divide, FP iteration or an FP result not ready yet
            m.d.comb += self.perf.stall.eq(StallCause.HAZARD)
        with m.Elif(~x_valid & ((warpctl.waiting | warpctl.parked) & warpctl.active).any()):
            m.d.comb += self.perf.stall.eq(StallCause.BARRIER)
        with m.Elif(~x_valid & ~(fetch.head_valid & warpctl.active).any()):
            m.d.comb += self.perf.stall.eq(StallCause.FETCH)
        with m.Else():
            m.d.comb += self.perf.stall.eq(StallCause.IDLE)
        return m
