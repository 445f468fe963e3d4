"""One SIMT core: warps of lanes sharing an in-order pipeline, assembled from its parts.

Stages and the files that make them::

    F  fetch: one request per cycle, round-robin over the warps, into per-warp buffers (fetch.py)
    D  issue: the scheduler picks a warp whose next instruction is buffered and which may go
       (scheduler.py); decode (decoder.py); register file read for all lanes (regfile.py)
    X  execute, per lane: the execute units of the table in units.py (ALU, multiplier, divider,
       FPU stage 1); the warp's CSR access (csr.py), SIMT instruction (simt.py) and memory
       requests (lsu.py), local-memory rounds in the core's banks (local_mem.py)
    M  memory: pipelined units finish (FPU stage 2); a load waits in its warp's collector (lsu.py)
    W  writeback: register write of the active lanes, retire (trace port)

Stage registers are the structs of layouts.py; forwarding and interlocks are hazards.py. Branches
and jumps resolve in X per lane; warp control (simt.py) regroups the lanes by the min-PC rule
(docs/simt.md, "Divergence") and a taken branch, a change of thread mask and every SIMT instruction
redirect that warp only, so no younger instruction of the warp runs with a stale thread mask.
Faults are precise: the faulting instruction waits in X until everything older has retired.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import RoundingMode
from ...spec.isa import Unit
from ...spec.status import STALL_SLOTS, FaultCause, StallCause
from ..common.checks import check_config
from ..mem.bus import MemSignature
from .alu import branch_taken
from .crosslane import CrossLane
from .csr import CsrFile
from .decoder import Decoder, source_registers
from .fetch import Fetch
from .hazards import Hazards
from .layouts import (execute_layout, issue_layout, lanes_layout, memory_layout, result_layout,
                      same_fields)
from .lsu import Lsu
from .regfile import RegFile
from .scheduler import WarpScheduler
from .simt import GlobalBarrierSignature, SimtOp, WarpControl
from .units import LaneOperands, exec_units

__all__ = [
    "PipeSignature",
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
#: Per cycle: the stall class, and the lanes a local-memory load or store round served (0..32).
PerfSignature = wiring.Signature({
    "stall": Out((STALL_SLOTS - 1).bit_length()),
    "lmem_reads": Out(6),
    "lmem_writes": Out(6),
})


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


#: Pipeline events of the cycle, for pipeline views (drivers/konata.py): ``d_new`` D holds an
#: instruction that entered it this cycle; ``x_new`` the same for X; ``x_advance`` X's instruction
#: leaves X this cycle (it will retire: a replayed or faulting instruction never advances);
#: ``x_warp`` X's warp.
PipeSignature = wiring.Signature({
    "d_new": Out(1),
    "x_new": Out(1),
    "x_advance": Out(1),
    "x_warp": Out(5),
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
    custom-0 instructions; without M or F when ``config.muldiv`` / ``config.fpu`` is off).

    Parameters
    ----------
    config : SimtConfig
    core_id : int
        This core's number in the cluster (CSR core id, mhartid).

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
        The stall class of each cycle (``StallCause``; ``LMEM_CONFLICT`` for a bank-conflict
        round) and the lanes the local memory served.
    gbar : Out(GlobalBarrierSignature(cores, barriers))
        The cluster's global barrier (simt.py).
    pipe : Out(PipeSignature)
        Stage events of the cycle (D and X entries, X's advance), for pipeline views.
    acquire : Out(1)
        An acquire point in the data stream, for an L1 D$ to forget its lines: an atomic with
        ``aq`` sends a request (in that cycle, lsu.py), or a ``fence`` leaves X.

    Latency: 5 stages; a taken branch costs its warp 2 cycles plus the memory latency (other warps
    issue meanwhile); a load occupies its warp's collector for the memory latency (one request per
    block its lanes touch); an iterative unit holds X for its latency (units.py: division 33
    cycles, fdiv/fsqrt 28); a pipelined unit's dependent instruction of the same warp waits one
    cycle (docs/fpu.md). Throughput: one warp instruction per cycle, one operation per lane and
    unit per cycle.

    Raises
    ------
    TypeError
        ``config`` is not a SimtConfig.
    ValueError
        The execute-unit table does not fit the decode table (``units.exec_units``).
    """

    def __init__(self, config, core_id=0):
        self._config = check_config("Core", config)
        self._core_id = core_id
        self._units = exec_units(config)
        W, T = config.warps, config.threads
        derived = config.derive()
        bus = MemSignature(data_width=8 * config.block_bytes, tag_width=derived.mem_tag_width)
        super().__init__({
            "start": In(1),
            "start_pc": In(32),
            "start_arg": In(32),
            "busy": Out(1),
            "imem": Out(bus),
            "dmem": Out(bus),
            "fault": Out(FaultSignature),
            "retire": Out(retire_signature(T)),
            "dbg": Out(debug_signature(W, T)),
            "perf": Out(PerfSignature),
            "gbar": Out(GlobalBarrierSignature(config.cores, derived.barriers)),
            "acquire": Out(1),
            "pipe": Out(PipeSignature),
        })

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        derived = cfg.derive()
        W, T = derived.warps, derived.threads
        lanes = lanes_layout(derived)
        rows = self._units
        pipelined = [row for row in rows if row.pipelined]

        m.submodules.fetch = fetch = Fetch(cfg)
        m.submodules.scheduler = scheduler = WarpScheduler(W)
        m.submodules.decoder = decoder = Decoder(muldiv=cfg.muldiv, fpu=cfg.fpu)
        m.submodules.regfile = regfile = RegFile(warps=W, threads=T, fpu=cfg.fpu)
        m.submodules.csr = csr = CsrFile(cfg, self._core_id)
        m.submodules.warpctl = warpctl = WarpControl(warps=W, threads=T,
                                                     ipdom_depth=derived.ipdom_depth,
                                                     barriers=derived.barriers, cores=cfg.cores)
        wiring.connect(m, wiring.flipped(self.gbar), warpctl.gbar)
        m.submodules.lsu = lsu = Lsu(cfg)
        m.submodules.crosslane = crosslane = CrossLane(T)
        m.submodules.hazards = hazards = Hazards(derived, pipelined=len(pipelined), fpu=cfg.fpu)
        units = {}          # row name -> that unit's instance in every lane
        for row in rows:
            units[row.name] = [row.build(cfg) for _ in range(T)]
            for lane, unit in enumerate(units[row.name]):
                m.submodules[f"{row.name}_{lane}"] = unit
        alus = units[rows[0].name]     # the ALU row (exec_units checks it is first)
        wiring.connect(m, wiring.flipped(self.imem), fetch.bus)
        wiring.connect(m, wiring.flipped(self.dmem), lsu.dmem)

        running = Signal()
        alive = Signal()
        m.d.comb += [alive.eq(running & ~self.fault.valid), self.busy.eq(running)]

        # Stage registers (layouts.py). X's operands are kept apart: a stalled X re-captures them.
        d = Signal(issue_layout(derived))
        x = Signal(execute_layout(derived))
        x_ops = Signal(data.ArrayLayout(lanes, 3))
        ms = Signal(memory_layout(derived, len(pipelined)))
        w = Signal(result_layout(derived))
        m.d.comb += [hazards.d.eq(d), hazards.d_dec.eq(decoder.out), hazards.x.eq(x),
                     hazards.x_ops.eq(x_ops), hazards.m.eq(ms), hazards.w.eq(w),
                     hazards.pending_load.eq(lsu.pending)]
        ops = hazards.ops

        # ---- W: write back and retire ---------------------------------------------------------
        m.d.comb += [
            regfile.we.eq(Mux(w.valid & w.wb, w.tmask, 0)),
            regfile.wwarp.eq(w.warp),
            regfile.waddr.eq(w.rd),
            regfile.wdata.eq(w.data),
            self.retire.valid.eq(w.valid),
            self.retire.pc.eq(w.pc),
            self.retire.insn.eq(w.insn),
            self.retire.warp.eq(w.warp),
            self.retire.rd.eq(Mux(w.wb, w.rd, 0)),
            self.retire.tmask.eq(w.tmask),
            csr.retire.eq(w.valid),
        ]
        for lane in range(T):
            m.d.comb += self.retire.data[lane].eq(Mux(w.wb & w.tmask[lane], w.data[lane], 0))
        m.d.sync += w.valid.eq(0)

        # ---- M: pass results on (W is taken by a completing load first) --------------------------
        m_advance = ms.valid & ~lsu.done & alive
        m_ready = ~ms.valid | m_advance
        # A pipelined unit's value and flags come from its stage 2 (p_result, p_flags).
        m_value = Signal(lanes)
        m_fflags = Signal(5)
        for lane in range(T):
            value = ms.data[lane]
            for k, row in enumerate(pipelined):
                value = Mux(ms.pipe[k], units[row.name][lane].p_result, value)
            m.d.comb += m_value[lane].eq(value)
        flags = ms.flags
        for k, row in enumerate(pipelined):
            if row.flags:
                lane_flags = 0
                for lane in range(T):
                    lane_flags |= Mux(ms.tmask[lane], units[row.name][lane].p_flags, 0)
                flags = Mux(ms.pipe[k], lane_flags, flags)
        m.d.comb += [
            m_fflags.eq(flags),
            csr.fp_accrue.eq(m_advance & ms.flagged),
            csr.fp_warp.eq(ms.warp),
            csr.fp_flags.eq(m_fflags),
        ]
        with m.If(lsu.done):
            m.d.sync += w.eq(lsu.result)
        with m.Elif(m_advance):
            m.d.sync += [same_fields(w, ms), w.data.eq(m_value)]

        # ---- X: execute -----------------------------------------------------------------------
        unit = x.dec.unit
        # The last active lane supplies the warp-wide operands: CSR writes, SIMT operands (docs/simt.md).
        last = Signal(range(T))
        for lane in range(T):
            with m.If(x.tmask[lane]):
                m.d.comb += last.eq(lane)
        a_last, b_last = Signal(32), Signal(32)
        m.d.comb += [a_last.eq(ops[0][last]), b_last.eq(ops[1][last])]

        # The rounding mode (rm field, or the warp's frm when it is 7); a reserved one is illegal.
        rm = Signal(3)
        m.d.comb += rm.eq(Mux(x.dec.funct3 == RoundingMode.DYN, csr.frm, x.dec.funct3))
        bad_rm = x.dec.uses_rm & (rm > RoundingMode.RMM)

        # The execute units of every lane (units.py).
        for row in rows:
            for lane, instance in enumerate(units[row.name]):
                m.d.comb += row.inputs(instance, LaneOperands(
                    dec=x.dec, pc=x.pc, a=ops[0][lane], b=ops[1][lane], c=ops[2][lane], rm=rm))
        x_fflags = Signal(5)    # of the flagged operations that finish in X (fdiv, fsqrt)
        flags = 0
        for row in rows:
            if row.flags and row.result_in_x:
                for lane in range(T):
                    flags |= Mux(x.tmask[lane], units[row.name][lane].flags, 0)
        m.d.comb += x_fflags.eq(flags)
        # An iterative unit holds X until lane 0's unit (all lanes run in step) is done.
        unit_wait = {row.name: x.dec.iterative & row.selected(unit) & ~units[row.name][0].done
                     for row in rows if row.iterative}
        hazard_wait = hazards.fp_wait | hazards.csr_wait

        # Control flow, per lane: each lane's next PC; warp control regroups the lanes (min-PC).
        taken = Signal(T)
        lane_next = Signal(data.ArrayLayout(32, T))
        jump_target = Signal(32)
        m.d.comb += jump_target.eq(x.pc + x.dec.imm)
        misaligned = Signal(T)
        for lane in range(T):
            target = Mux(unit == Unit.JALR, Cat(C(0, 1), alus[lane].result[1:32]), jump_target)
            m.d.comb += [
                taken[lane].eq(x.tmask[lane] & (
                    ((unit == Unit.BRANCH) & branch_taken(x.dec.funct3, ops[0][lane], ops[1][lane])) |
                    (unit == Unit.JAL) | (unit == Unit.JALR))),
                lane_next[lane].eq(Mux(taken[lane], target, x.pc + 4)),
                misaligned[lane].eq(taken[lane] & target[1]),
            ]
        # A misaligned target faults; the lowest such lane's target is reported.
        bad_target = Signal(32)
        for lane in reversed(range(T)):
            with m.If(misaligned[lane]):
                m.d.comb += bad_target.eq(lane_next[lane])

        # CSRs.
        rs1_field = x.insn[15:20]
        m.d.comb += [
            csr.start.eq(self.start),
            csr.start_arg.eq(self.start_arg),
            csr.running.eq(running),
            csr.inflight.eq(ms.valid + w.valid),
            csr.warp.eq(x.warp),
            csr.warp_tmask.eq(x.tmask),
            csr.active_warps.eq(warpctl.active),
            csr.addr.eq(x.insn[20:32]),
            csr.funct3.eq(x.dec.funct3),
            csr.src.eq(Mux(x.dec.funct3[2], rs1_field, a_last)),
            csr.src_zero.eq(rs1_field == 0),
        ]

        # SIMT instructions.
        is_simt = unit == Unit.SIMT
        simt_op = x.dec.funct3
        m.d.comb += [
            warpctl.start.eq(self.start),
            warpctl.valid.eq(x.valid),
            warpctl.simt.eq(is_simt),
            warpctl.lane_next.eq(lane_next),
            warpctl.op.eq(simt_op),
            warpctl.warp.eq(x.warp),
            warpctl.pc.eq(x.pc),
            warpctl.negate.eq(Mux(simt_op == SimtOp.SPLIT, x.insn[20:25] != 0, x.insn[7:12] != 0)),
            warpctl.cond.eq(Cat(ops[0][lane][0] for lane in range(T))),
            warpctl.a.eq(a_last),
            warpctl.b.eq(b_last),
        ]

        # Vote and shuffle.
        m.d.comb += [crosslane.funct3.eq(x.dec.funct3), crosslane.tmask.eq(x.tmask)]
        for lane in range(T):
            m.d.comb += [crosslane.a[lane].eq(ops[0][lane]), crosslane.b[lane].eq(ops[1][lane])]

        # Memory access: the lanes' ALUs compute the addresses.
        mem_op = (unit == Unit.LOAD) | (unit == Unit.STORE) | (unit == Unit.AMO)
        is_load = (unit == Unit.LOAD) | (unit == Unit.AMO)    # an AMO's old value: the collector
        m.d.comb += [
            lsu.start.eq(self.start),
            lsu.alive.eq(alive),
            lsu.load.eq(is_load),
            lsu.x.eq(x),
            lsu.m_ready.eq(m_ready),
            lsu.m_valid.eq(ms.valid),
            lsu.m_warp.eq(ms.warp),
            self.perf.lmem_reads.eq(lsu.lmem_reads),
            self.perf.lmem_writes.eq(lsu.lmem_writes),
        ]
        for lane in range(T):
            m.d.comb += [lsu.addr[lane].eq(alus[lane].result), lsu.wdata[lane].eq(ops[1][lane])]

        # Exceptions, in priority order.
        x_cause = Signal(8)
        x_addr = Signal(32)
        x_exc = Signal()
        with m.If(x.err):
            m.d.comb += [x_exc.eq(1), x_cause.eq(FaultCause.INSN_ACCESS), x_addr.eq(x.pc)]
        with m.Elif(~x.dec.legal | ((unit == Unit.CSR) & csr.illegal) | bad_rm):
            m.d.comb += [x_exc.eq(1), x_cause.eq(FaultCause.ILLEGAL_INSN), x_addr.eq(x.insn)]
        with m.Elif(mem_op & lsu.misaligned):
            m.d.comb += [x_exc.eq(1), x_addr.eq(lsu.fault_addr),
                         x_cause.eq(Mux(unit == Unit.LOAD, FaultCause.LOAD_MISALIGNED,
                                        FaultCause.STORE_MISALIGNED))]
        with m.Elif(mem_op & lsu.unmapped):
            m.d.comb += [x_exc.eq(1), x_addr.eq(lsu.fault_addr),
                         x_cause.eq(Mux(unit == Unit.LOAD, FaultCause.LOAD_ACCESS,
                                        FaultCause.STORE_ACCESS))]
        with m.Elif(mem_op & lsu.no_atomic):
            m.d.comb += [x_exc.eq(1), x_addr.eq(lsu.fault_addr), x_cause.eq(FaultCause.AMO_REGION)]
        with m.Elif(misaligned.any()):
            m.d.comb += [x_exc.eq(1), x_addr.eq(bad_target), x_cause.eq(FaultCause.INSN_MISALIGNED)]
        with m.Elif(is_simt & warpctl.fault):
            m.d.comb += [x_exc.eq(1), x_addr.eq(warpctl.fault_addr),
                         x_cause.eq(warpctl.fault_cause)]
        # Precise: raise only once everything older has retired.
        x_raise = x.valid & x_exc & alive & ~ms.valid & ~w.valid

        x_wait = hazard_wait
        for wait in unit_wait.values():
            x_wait = x_wait | wait
        # A wspawn that must wait for the other warps to finish leaves X unexecuted and its warp is
        # parked; it is fetched again and replayed once the warp is alone (docs/simt.md).
        replay = x.valid & alive & ~x_exc & is_simt & warpctl.spawn_wait
        # A SIMT instruction that waits for the warp's deferred lanes leaves X unexecuted too; its
        # lanes are parked and the warp goes on where warp control says.
        hold = x.valid & alive & ~x_exc & warpctl.hold
        x_ready = x.valid & alive & ~x_exc & ~x_wait & ~replay & ~hold
        m.d.comb += lsu.valid.eq(x_ready & mem_op)
        x_advance = Mux(mem_op, lsu.advance, x_ready & m_ready)
        m.d.comb += self.acquire.eq(lsu.acquire | (x_advance & (unit == Unit.FENCE)))
        m.d.comb += [
            csr.commit.eq(x_advance & (unit == Unit.CSR)),
            warpctl.commit.eq(x_advance | hold),
            warpctl.park.eq(replay),
        ]
        # Iterative units start only with their operands final (not waiting for an FP result);
        # pipelined units capture the operation as it leaves X.
        for row in rows:
            selected = row.selected(unit)
            for instance in units[row.name]:
                if row.iterative:
                    start = x.valid & alive & ~x_exc & ~hazards.fp_wait & selected & \
                        x.dec.iterative
                    m.d.comb += [instance.start.eq(start & ~instance.busy & ~instance.done),
                                 instance.ack.eq(x_advance)]
                if row.pipelined:
                    m.d.comb += instance.advance.eq(x_advance & selected & x.dec.pipelined)

        result = Signal(lanes)
        for lane in range(T):
            with m.Switch(unit):
                with m.Case(Unit.JAL, Unit.JALR):
                    m.d.comb += result[lane].eq(x.pc + 4)
                with m.Case(Unit.CSR):
                    m.d.comb += result[lane].eq(csr.rdata[lane])
                with m.Case(Unit.SIMT):
                    m.d.comb += result[lane].eq(warpctl.result)
                with m.Case(Unit.LANES):
                    m.d.comb += result[lane].eq(crosslane.result[lane])
                for row in rows[1:]:
                    if row.result_in_x:
                        with m.Case(*row.units):
                            m.d.comb += result[lane].eq(units[row.name][lane].result)
                with m.Default():
                    m.d.comb += result[lane].eq(alus[lane].result)

        with m.If(x_advance & ~is_load):
            m.d.sync += [
                same_fields(ms, x), ms.rd.eq(x.dec.rd), ms.wb.eq(x.dec.wb), ms.data.eq(result),
                ms.flagged.eq(Cat(row.selected(unit) for row in rows if row.flags).any()),
                ms.pipe.eq(Cat(row.selected(unit) & x.dec.pipelined for row in pipelined)),
                ms.flags.eq(x_fflags),
            ]
        with m.Elif(m_advance):
            m.d.sync += ms.valid.eq(0)

        # A taken branch, a regrouping or any SIMT instruction sends its warp to a new PC: its
        # younger instructions (in D and in its fetch buffer) are on a wrong path.
        redirect = (x_advance & warpctl.redirect) | replay | hold
        m.d.comb += [
            fetch.start.eq(self.start),
            fetch.spawn.eq(warpctl.spawn),
            fetch.spawn_pc.eq(Mux(self.start, self.start_pc, warpctl.spawn_pc)),
            fetch.redirect.eq(redirect | x_raise | lsu.fault),
            fetch.redirect_warp.eq(x.warp),
            fetch.redirect_pc.eq(Mux(replay, x.pc, warpctl.next_pc)),
            fetch.redirect_stop.eq((x_advance & warpctl.stop) | x_raise | lsu.fault),
        ]

        # ---- D: pick a warp, decode, read registers; hand over to X ----------------------------
        x_take = alive & (~x.valid | x_advance | replay | hold)
        d_take = alive & (~d.valid | x_take)
        kill_d = redirect & (d.warp == x.warp)
        grant = scheduler.grant
        redirected = Mux(redirect, C(1, W) << x.warp, 0)
        m.d.comb += [
            scheduler.buffered.eq(fetch.head_valid),
            scheduler.active.eq(warpctl.active),
            scheduler.waiting.eq(warpctl.waiting),
            scheduler.parked.eq(warpctl.parked),
            scheduler.blocked.eq(hazards.behind_load | redirected),
            scheduler.advance.eq(d_take),
            fetch.pop.eq(d_take & scheduler.valid),
            fetch.pop_warp.eq(grant),
            decoder.insn.eq(d.insn),
            regfile.rwarp.eq(Mux(d_take, grant, d.warp)),
        ]
        head = fetch.head[grant]
        # The register file is read in the cycle before D, from the fetch buffer's head: its float
        # operands (numbers 32-63) are told from the opcode alone (``source_registers``).
        head_rs = source_registers(head.insn, cfg.fpu)
        m.d.comb += [
            regfile.raddr1.eq(Mux(d_take, head_rs[0], decoder.out.rs1)),
            regfile.raddr2.eq(Mux(d_take, head_rs[1], decoder.out.rs2)),
            hazards.rdata[0].eq(regfile.rdata1),
            hazards.rdata[1].eq(regfile.rdata2),
        ]
        if cfg.fpu:
            m.d.comb += [regfile.raddr3.eq(Mux(d_take, head_rs[2], decoder.out.rs3)),
                         hazards.rdata[2].eq(regfile.rdata3)]
        with m.If(x_take):
            m.d.sync += [
                same_fields(x, d), x.valid.eq(d.valid & ~kill_d), x.dec.eq(decoder.out),
                x.tmask.eq(warpctl.tmask[d.warp]), x_ops.eq(hazards.d_ops),
            ]
        with m.Elif(x.valid):
            # Stalled: keep the forwarded values, their producers are about to leave M and W.
            m.d.sync += x_ops.eq(ops)
        # Pipeline events: an entry shows in the cycle after the stage took its instruction.
        d_new, x_new = Signal(), Signal()
        m.d.sync += [d_new.eq(d_take & scheduler.valid), x_new.eq(x_take)]
        m.d.comb += [self.pipe.d_new.eq(d.valid & d_new), self.pipe.x_new.eq(x.valid & x_new),
                     self.pipe.x_advance.eq(x.valid & x_advance), self.pipe.x_warp.eq(x.warp)]
        with m.If(d_take):
            m.d.sync += [d.valid.eq(scheduler.valid), d.warp.eq(grant), same_fields(d, head)]
        with m.Elif(kill_d):
            m.d.sync += d.valid.eq(0)

        # ---- Control: start, end, fault ----------------------------------------------------------
        idle = ~d.valid & ~x.valid & ~ms.valid & ~w.valid & (lsu.pending == 0)
        with m.If(running & ~warpctl.active.any() & idle):
            m.d.sync += running.eq(0)
        with m.If(lsu.fault):
            m.d.sync += [self.fault.valid.eq(1), self.fault.cause.eq(FaultCause.LOAD_ACCESS),
                         self.fault.pc.eq(lsu.fault_pc),
                         self.fault.addr.eq(0), running.eq(0)]
        with m.Elif(x_raise):
            m.d.sync += [self.fault.valid.eq(1), self.fault.cause.eq(x_cause),
                         self.fault.pc.eq(x.pc), self.fault.addr.eq(x_addr), running.eq(0)]
        with m.If(self.start):
            m.d.sync += [running.eq(1), self.fault.valid.eq(0),
                         d.valid.eq(0), x.valid.eq(0), ms.valid.eq(0), w.valid.eq(0)]

        # ---- Observation: warp dump and stall classes -----------------------------------------
        for warp in range(W):
            m.d.comb += [
                self.dbg.pc[warp].eq(Mux(x.valid & (x.warp == warp), x.pc,
                                         Mux(d.valid & (d.warp == warp), d.pc,
                                             Mux(fetch.head_valid[warp], fetch.head[warp].pc,
                                                 fetch.next_pc[warp])))),
                self.dbg.tmask[warp].eq(warpctl.tmask[warp]),
                self.dbg.barrier[warp].eq(warpctl.barrier_id[warp]),
            ]
        m.d.comb += [self.dbg.active.eq(warpctl.active), self.dbg.waiting.eq(warpctl.waiting)]
        with m.If(x_advance):
            m.d.comb += self.perf.stall.eq(StallCause.ISSUE)
        with m.Elif(lsu.lmem_conflict):
            m.d.comb += self.perf.stall.eq(StallCause.LMEM_CONFLICT)
        with m.Elif(x.valid & (mem_op | ~m_ready)):
            m.d.comb += self.perf.stall.eq(StallCause.MEMORY)
        for row in rows:
            if row.iterative:
                with m.Elif(x.valid & unit_wait[row.name]):
                    m.d.comb += self.perf.stall.eq(row.stall)
        with m.Elif(x.valid & hazard_wait):     # an FP result or fflags not ready yet
            m.d.comb += self.perf.stall.eq(StallCause.HAZARD)
        with m.Elif(~x.valid & ((warpctl.waiting | warpctl.parked) & warpctl.active).any()):
            m.d.comb += self.perf.stall.eq(StallCause.BARRIER)
        with m.Elif(~x.valid & (lsu.pending != 0)):       # warps wait for their loads
            m.d.comb += self.perf.stall.eq(StallCause.MEMORY)
        with m.Elif(~x.valid & ~(fetch.head_valid & warpctl.active).any()):
            m.d.comb += self.perf.stall.eq(StallCause.FETCH)
        with m.Else():
            m.d.comb += self.perf.stall.eq(StallCause.IDLE)
        return m
