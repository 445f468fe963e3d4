"""One core: fetch, decode, execute, memory and writeback stages joined into an in-order pipeline.

Stages and what they hold::

    F  fetch unit + instruction buffer      (fetch.py)
    D  decode; register file read           (decoder.py, regfile.py)
    X  execute: ALU, branch, mul/div, CSR, address check and bus request (alu.py, muldiv.py,
       csr.py, lsu.py)
    M  memory: wait for a load's response, align it (lsu.py)
    W  writeback: register write, retire (trace port)

Hazards: results are forwarded from M and W into X, and from W into D (the register file reads one
cycle ahead). A load's value exists only after M, so an instruction in X that needs it waits one cycle
(load-use). Branches and jumps resolve in X and redirect fetch (two wrong-path slots flushed). The
divider holds X until it is done. Faults are precise: a faulting instruction waits in X (or M for a
load's bus error) until everything older has retired, then stops the core with cause, PC and address.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...config import FaultCause
from ..mem.bus import MemSignature
from .alu import Alu, branch_taken
from .csr import CsrFile
from .decoder import Decoder, DecodedLayout
from .fetch import Fetch
from .isa import OperandA, OperandB, Unit
from .lsu import AddressCheck, LoadAlign, StoreFormat
from .muldiv import Divider, Multiplier
from .regfile import RegFile

__all__ = [
    "FaultSignature",
    "RetireSignature",
    "Core",
]

#: Fault report: sticky from the fault until the next start.
FaultSignature = wiring.Signature({
    "valid": Out(1),
    "cause": Out(4),     #: a FaultCause value (mcause numbering)
    "pc": Out(32),
    "addr": Out(32),     #: faulting address, jump target, or the illegal instruction word
})

#: One retired instruction per cycle at most; the lock-step check compares these with the emulator.
RetireSignature = wiring.Signature({
    "valid": Out(1),
    "pc": Out(32),
    "insn": Out(32),
    "rd": Out(5),        #: 0 when no register is written
    "data": Out(32),
})

_LOAD_TAG = 0x80   # dmem tag bit 7 marks a load; store responses are not waited for


class Core(wiring.Component):
    """A scalar RV32IM + Zicsr core (one warp of one thread) with Vortex's ``tmc``.

    Parameters
    ----------
    config : SimtConfig

    Members
    -------
    start : In(1)
        Reset the pipeline and run from ``start_pc`` with mscratch = ``start_arg``.
    start_pc, start_arg : In(32)
    busy : Out(1)
        High from ``start`` until the warp retires (``tmc`` with mask 0) or faults.
    imem, dmem : Out(MemSignature())
        Instruction and data ports.
    fault : Out(FaultSignature)
    retire : Out(RetireSignature)
    pc : Out(32)
        The oldest unretired instruction's PC, else the fetch PC (watchdog dumps).

    Latency: 5 stages; a taken branch costs 2 cycles plus the memory latency; a load-use pair one
    bubble plus the memory latency beyond 1; a division 33 cycles.
    Throughput: one instruction per cycle on straight-line code.
    """

    start: In(1)
    start_pc: In(32)
    start_arg: In(32)
    busy: Out(1)
    imem: Out(MemSignature())
    dmem: Out(MemSignature())
    fault: Out(FaultSignature)
    retire: Out(RetireSignature)
    pc: Out(32)

    def __init__(self, config):
        self._config = config
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        depth = 4
        while depth < cfg.mem_latency + 2:
            depth *= 2

        m.submodules.fetch = fetch = Fetch(depth=depth)
        m.submodules.decoder = decoder = Decoder(muldiv=cfg.muldiv)
        m.submodules.regfile = regfile = RegFile()
        m.submodules.alu = alu = Alu()
        m.submodules.multiplier = multiplier = Multiplier()
        m.submodules.divider = divider = Divider()
        m.submodules.csr = csr = CsrFile(cfg)
        m.submodules.address_check = address_check = AddressCheck(cfg)
        m.submodules.store_format = store_format = StoreFormat()
        m.submodules.load_align = load_align = LoadAlign()
        wiring.connect(m, wiring.flipped(self.imem), fetch.bus)

        running = Signal()
        halting = Signal()
        alive = Signal()
        m.d.comb += [alive.eq(running & ~self.fault.valid), self.busy.eq(running)]

        # Pipeline registers.
        d_valid, d_pc, d_insn, d_err = Signal(), Signal(32), Signal(32), Signal()
        x_valid, x_pc, x_insn, x_err = Signal(), Signal(32), Signal(32), Signal()
        x_dec = Signal(DecodedLayout)
        x_op1, x_op2 = Signal(32), Signal(32)
        m_valid, m_pc, m_insn, m_rd, m_wb = Signal(), Signal(32), Signal(32), Signal(5), Signal()
        m_result, m_load, m_funct3, m_addr = Signal(32), Signal(), Signal(3), Signal(32)
        w_valid, w_pc, w_insn, w_rd, w_wb, w_data = (Signal(), Signal(32), Signal(32), Signal(5),
                                                     Signal(), Signal(32))

        # ---- W: write back and retire ---------------------------------------------------------
        m.d.comb += [
            regfile.we.eq(w_valid & w_wb),
            regfile.waddr.eq(w_rd),
            regfile.wdata.eq(w_data),
            self.retire.valid.eq(w_valid),
            self.retire.pc.eq(w_pc),
            self.retire.insn.eq(w_insn),
            self.retire.rd.eq(Mux(w_wb, w_rd, 0)),
            self.retire.data.eq(w_data),
            csr.retire.eq(w_valid),
        ]
        m.d.sync += w_valid.eq(0)

        def w_forward(rs, value):
            return Mux(w_valid & w_wb & (w_rd == rs), w_data, value)

        # ---- M: wait for a load's response ----------------------------------------------------
        load_rsp = self.dmem.rsp.valid & (self.dmem.rsp.tag & _LOAD_TAG).any()
        m_done = ~m_load | load_rsp
        m_fault = m_valid & m_load & load_rsp & self.dmem.rsp.err
        m_advance = m_valid & m_done & ~m_fault & alive
        m_ready = ~m_valid | m_advance
        m.d.comb += [
            load_align.word.eq(self.dmem.rsp.data),
            load_align.addr_low.eq(m_addr[0:2]),
            load_align.funct3.eq(m_funct3),
        ]
        with m.If(m_advance):
            m.d.sync += [
                w_valid.eq(1), w_pc.eq(m_pc), w_insn.eq(m_insn), w_rd.eq(m_rd), w_wb.eq(m_wb),
                w_data.eq(Mux(m_load, load_align.value, m_result)),
            ]

        # ---- X: execute -----------------------------------------------------------------------
        def forward(rs, value):
            return Mux(m_valid & m_wb & (m_rd == rs), m_result, w_forward(rs, value))

        op1, op2 = Signal(32), Signal(32)
        m.d.comb += [op1.eq(forward(x_dec.rs1, x_op1)), op2.eq(forward(x_dec.rs2, x_op2))]
        load_use = (m_valid & m_load & m_wb &
                    ((x_dec.use_rs1 & (m_rd == x_dec.rs1)) | (x_dec.use_rs2 & (m_rd == x_dec.rs2))))
        unit = x_dec.unit

        m.d.comb += [
            alu.op.eq(x_dec.alu_op),
            alu.a.eq(Mux(x_dec.a_sel == OperandA.RS1, op1,
                         Mux(x_dec.a_sel == OperandA.PC, x_pc, 0))),
            alu.b.eq(Mux(x_dec.b_sel == OperandB.IMM, x_dec.imm, op2)),
            multiplier.funct3.eq(x_dec.funct3[0:2]),
            multiplier.a.eq(op1),
            multiplier.b.eq(op2),
            divider.funct3.eq(x_dec.funct3),
            divider.a.eq(op1),
            divider.b.eq(op2),
        ]

        # Control flow.
        taken = Signal()
        target = Signal(32)
        m.d.comb += [
            taken.eq(((unit == Unit.BRANCH) & branch_taken(x_dec.funct3, op1, op2)) |
                     (unit == Unit.JAL) | (unit == Unit.JALR)),
            target.eq(Mux(unit == Unit.JALR, Cat(C(0, 1), alu.result[1:32]), x_pc + x_dec.imm)),
        ]
        halt = (unit == Unit.TMC) & ~op1[0]     # one thread: a mask without bit 0 retires the warp

        # CSRs.
        rs1_field = x_insn[15:20]
        m.d.comb += [
            csr.start.eq(self.start),
            csr.start_arg.eq(self.start_arg),
            csr.running.eq(running),
            csr.inflight.eq(m_valid + w_valid),
            csr.addr.eq(x_insn[20:32]),
            csr.funct3.eq(x_dec.funct3),
            csr.src.eq(Mux(x_dec.funct3[2], rs1_field, op1)),
            csr.src_zero.eq(rs1_field == 0),
        ]

        # Memory access.
        mem_op = (unit == Unit.LOAD) | (unit == Unit.STORE)
        m.d.comb += [
            address_check.addr.eq(alu.result),
            address_check.funct3.eq(x_dec.funct3),
            store_format.addr_low.eq(alu.result[0:2]),
            store_format.funct3.eq(x_dec.funct3),
            store_format.value.eq(op2),
        ]

        # Exceptions, in priority order.
        x_cause = Signal(4)
        x_addr = Signal(32)
        x_exc = Signal()
        with m.If(x_err):
            m.d.comb += [x_exc.eq(1), x_cause.eq(FaultCause.INSN_ACCESS), x_addr.eq(x_pc)]
        with m.Elif(~x_dec.legal | ((unit == Unit.CSR) & csr.illegal)):
            m.d.comb += [x_exc.eq(1), x_cause.eq(FaultCause.ILLEGAL_INSN), x_addr.eq(x_insn)]
        with m.Elif(mem_op & address_check.misaligned):
            m.d.comb += [x_exc.eq(1), x_addr.eq(alu.result),
                         x_cause.eq(Mux(unit == Unit.LOAD, FaultCause.LOAD_MISALIGNED,
                                        FaultCause.STORE_MISALIGNED))]
        with m.Elif(mem_op & address_check.unmapped):
            m.d.comb += [x_exc.eq(1), x_addr.eq(alu.result),
                         x_cause.eq(Mux(unit == Unit.LOAD, FaultCause.LOAD_ACCESS,
                                        FaultCause.STORE_ACCESS))]
        with m.Elif(taken & target[1]):
            m.d.comb += [x_exc.eq(1), x_addr.eq(target), x_cause.eq(FaultCause.INSN_MISALIGNED)]
        # Precise: raise only once everything older has retired.
        x_raise = x_valid & x_exc & alive & ~m_valid & ~w_valid

        div_wait = (unit == Unit.DIV) & ~divider.done
        x_go = x_valid & alive & ~x_exc & ~load_use & ~div_wait & m_ready
        x_advance = x_go & (~mem_op | self.dmem.req.ready)
        m.d.comb += [
            divider.start.eq(x_valid & alive & (unit == Unit.DIV) & ~load_use &
                             ~divider.busy & ~divider.done),
            divider.ack.eq(x_advance),
            csr.commit.eq(x_advance & (unit == Unit.CSR)),
            self.dmem.req.valid.eq(x_go & mem_op),
            self.dmem.req.addr.eq(alu.result),
            self.dmem.req.we.eq(unit == Unit.STORE),
            self.dmem.req.data.eq(store_format.data),
            self.dmem.req.be.eq(store_format.be),
            self.dmem.req.tag.eq(Mux(unit == Unit.LOAD, _LOAD_TAG, 0)),
        ]

        result = Signal(32)
        with m.Switch(unit):
            with m.Case(Unit.JAL, Unit.JALR):
                m.d.comb += result.eq(x_pc + 4)
            with m.Case(Unit.MUL):
                m.d.comb += result.eq(multiplier.result)
            with m.Case(Unit.DIV):
                m.d.comb += result.eq(divider.result)
            with m.Case(Unit.CSR):
                m.d.comb += result.eq(csr.rdata)
            with m.Default():
                m.d.comb += result.eq(alu.result)

        with m.If(x_advance):
            m.d.sync += [
                m_valid.eq(1), m_pc.eq(x_pc), m_insn.eq(x_insn), m_rd.eq(x_dec.rd),
                m_wb.eq(x_dec.wb), m_result.eq(result), m_load.eq(unit == Unit.LOAD),
                m_funct3.eq(x_dec.funct3), m_addr.eq(alu.result),
            ]
        with m.Elif(m_advance):
            m.d.sync += m_valid.eq(0)

        redirect = x_advance & taken
        stop = x_advance & halt
        flush = redirect | stop                 # the instructions in D and F are on a wrong path
        with m.If(stop):
            m.d.sync += halting.eq(1)

        # ---- D: decode and read registers; hand over to X ----------------------------------------
        x_take = alive & (~x_valid | x_advance)
        d_take = alive & (~d_valid | x_take)
        m.d.comb += [
            decoder.insn.eq(d_insn),
            fetch.o.ready.eq(d_take & ~flush),
            regfile.raddr1.eq(Mux(d_take, fetch.o.payload.insn[15:20], d_insn[15:20])),
            regfile.raddr2.eq(Mux(d_take, fetch.o.payload.insn[20:25], d_insn[20:25])),
        ]
        with m.If(flush):
            m.d.sync += [d_valid.eq(0), x_valid.eq(0)]
        with m.Else():
            with m.If(x_take):
                m.d.sync += [
                    x_valid.eq(d_valid), x_pc.eq(d_pc), x_insn.eq(d_insn), x_err.eq(d_err),
                    x_dec.eq(decoder.out),
                    x_op1.eq(w_forward(decoder.out.rs1, regfile.rdata1)),
                    x_op2.eq(w_forward(decoder.out.rs2, regfile.rdata2)),
                ]
            with m.Elif(x_valid):
                # Stalled: keep the forwarded values, their producers are about to leave M and W.
                m.d.sync += [x_op1.eq(op1), x_op2.eq(op2)]
            with m.If(d_take):
                m.d.sync += [
                    d_valid.eq(fetch.o.valid), d_pc.eq(fetch.o.payload.pc),
                    d_insn.eq(fetch.o.payload.insn), d_err.eq(fetch.o.payload.err),
                ]

        # ---- Control: start, halt, fault --------------------------------------------------------
        m.d.comb += [
            fetch.start.eq(self.start),
            fetch.redirect.eq(redirect),
            fetch.stop.eq(stop | m_fault | x_raise),
            fetch.target.eq(Mux(self.start, self.start_pc, target)),
            self.pc.eq(Mux(x_valid, x_pc, Mux(d_valid, d_pc, fetch.pc))),
        ]
        with m.If(halting & ~x_valid & ~m_valid & ~w_valid):
            m.d.sync += [running.eq(0), halting.eq(0)]
        with m.If(m_fault):
            m.d.sync += [self.fault.valid.eq(1), self.fault.cause.eq(FaultCause.LOAD_ACCESS),
                         self.fault.pc.eq(m_pc), self.fault.addr.eq(m_addr), running.eq(0)]
        with m.Elif(x_raise):
            m.d.sync += [self.fault.valid.eq(1), self.fault.cause.eq(x_cause),
                         self.fault.pc.eq(x_pc), self.fault.addr.eq(x_addr), running.eq(0)]

        # Start wins over everything above.
        with m.If(self.start):
            m.d.sync += [
                running.eq(1), halting.eq(0), self.fault.valid.eq(0),
                d_valid.eq(0), x_valid.eq(0), m_valid.eq(0), w_valid.eq(0),
            ]
        return m
