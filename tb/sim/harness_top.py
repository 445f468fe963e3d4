"""A test-only stand-in for ``simtlab.rtl.soc.top`` that exercises the Verilator harness.

It has exactly the port contract of the real top (DCR write port, ``start``/``busy``, the ``imem`` and
``dmem`` memory ports, ``fault``, ``retire`` and ``dbg``) but instead of a RISC-V core it runs a small
copy engine, so the harness, the model builder and :class:`simtlab.sim.model.VerilatorModel` can be
tested before the core exists.

When started it reads a descriptor through ``imem`` from the address in DCR ``STARTUP_ARG0``::

    word 0  src       source address of the copy
    word 1  dst       destination address
    word 2  n_words   words to copy
    word 3  mode      how to end (see :class:`Mode`)
    word 4  arg       exit code (EXIT), tohost address (TOHOST) or faulting address (FAULT)

It copies ``n_words`` words from ``src`` to ``dst`` with up to :data:`DEPTH` reads in flight (writes
have priority over reads on the one request port) and retires every write it issues as a store when its
response arrives (``insn = SW``): copy word ``k`` as ``pc = CODE_BASE + 4*k``, ``rd = k % 31 + 1``,
``data = k`` (a made-up record that lets tests check every field), the later writes with ``rd = 0``,
``data = 0`` and the next pc (a write answered with ``err`` does not retire). It stores the measured
memory latency (cycles from the accepting edge of the first descriptor read to its response) at
``dst + 4*n_words``, writes ``"ok\\n"`` to ``IO_COUT`` and then ends as ``mode`` says.

A read response whose tag is not the expected one (responses must come back in order with their
request's tag) raises the fault port with cause :data:`CAUSE_BAD_TAG`.
"""

import enum

from amaranth import *
from amaranth.back import verilog
from amaranth.lib import fifo, wiring
from amaranth.lib.wiring import In, Out

from simtlab.config import DCR, FaultCause, MemoryMap

__all__ = [
    "Mode",
    "HarnessTestTop",
    "generate_verilog",
    "DEPTH",
    "SW",
    "CAUSE_BAD_TAG",
    "SPIN_PC",
]

#: Reads in flight plus words buffered between read responses and writes.
DEPTH = 8
#: ``insn`` of every retire pulse: ``sw x0, 0(x0)`` (the harness counts retired stores).
SW = 0x0000_2023
#: Fault cause raised when a response carries an unexpected tag.
CAUSE_BAD_TAG = 0xE
#: ``dbg__pc`` while spinning in ``Mode.SPIN``.
SPIN_PC = 0x8000_0F00


class Mode(enum.IntEnum):
    """How the copy engine ends after printing "ok\\n"."""
    DONE = 0     #: drop ``busy``
    EXIT = 1     #: write ``arg`` to ``IO_EXIT``
    TOHOST = 2   #: write ``(n_words << 1) | 1`` to address ``arg``
    FAULT = 3    #: store to ``arg`` (unmapped): raise the fault port with STORE_ACCESS
    SPIN = 4     #: never finish (watchdog)


def _mem_signature():
    return wiring.Signature({
        "req": Out(wiring.Signature({
            "valid": Out(1),
            "ready": In(1),
            "addr":  Out(32),
            "we":    Out(1),
            "data":  Out(32),
            "be":    Out(4),
            "tag":   Out(8),
        })),
        "rsp": In(wiring.Signature({
            "valid": Out(1),
            "data":  Out(32),
            "tag":   Out(8),
            "err":   Out(1),
        })),
    })


class HarnessTestTop(wiring.Component):
    """Copy engine with the port contract of ``simtlab_top`` (see the module docstring)."""

    dcr: In(wiring.Signature({"valid": Out(1), "addr": Out(12), "data": Out(32)}))
    start: In(1)
    busy: Out(1)
    imem: Out(_mem_signature())
    dmem: Out(_mem_signature())
    fault: Out(wiring.Signature({"valid": Out(1), "cause": Out(4), "pc": Out(32), "addr": Out(32)}))
    retire: Out(wiring.Signature({"valid": Out(1), "pc": Out(32), "insn": Out(32), "rd": Out(5),
                                  "data": Out(32)}))
    dbg: Out(wiring.Signature({"pc": Out(32)}))

    def elaborate(self, platform):
        m = Module()
        # Read data waits in a FIFO for its write; reads are issued only while the reads in flight plus
        # the buffered words leave room, so a response always finds space.
        m.submodules.buf = buf = fifo.SyncFIFOBuffered(width=32, depth=DEPTH)

        arg0 = Signal(32)
        with m.If(self.dcr.valid & (self.dcr.addr == DCR.STARTUP_ARG0)):
            m.d.sync += arg0.eq(self.dcr.data)

        hdr = Array(Signal(32, name=f"hdr_{i}") for i in range(5))
        src, dst, n_words, mode, arg = hdr
        hdr_issued = Signal(3)
        hdr_got = Signal(3)

        rd_issued = Signal(32)
        rd_got = Signal(32)
        wr_issued = Signal(32)
        wr_done = Signal(32)
        inflight = Signal(range(DEPTH + 1))

        lat_count = Signal(16)
        lat_counting = Signal()
        latency = Signal(16)
        lat_done = Signal()

        tail_step = Signal(3)       # 0..2: "ok\n", 3: latency word, 4: final action
        pending = Signal(8)         # responses still due for the tail writes
        pc = Signal(32)
        m.d.comb += self.dbg.pc.eq(pc)

        req = self.dmem.req
        rsp = self.dmem.rsp
        accepted = req.valid & req.ready

        def issue(addr, *, we=0, data=0, be=0xF, tag=0, port=self.dmem):
            m.d.comb += [
                port.req.valid.eq(1),
                port.req.addr.eq(addr),
                port.req.we.eq(we),
                port.req.data.eq(data),
                port.req.be.eq(be),
                port.req.tag.eq(tag),
            ]

        def raise_fault(cause, addr):
            with m.If(~self.fault.valid):
                m.d.sync += [
                    self.fault.valid.eq(1),
                    self.fault.cause.eq(cause),
                    self.fault.pc.eq(pc),
                    self.fault.addr.eq(addr),
                ]

        def retire_store():
            m.d.comb += [
                self.retire.valid.eq(1),
                self.retire.pc.eq(pc),
                self.retire.insn.eq(SW),
            ]
            m.d.sync += pc.eq(pc + 4)

        # Latency probe on the first descriptor read (which goes through imem).
        with m.If(lat_counting):
            m.d.sync += lat_count.eq(lat_count + 1)
            with m.If(self.imem.rsp.valid):
                m.d.sync += [lat_counting.eq(0), lat_done.eq(1), latency.eq(lat_count)]

        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.sync += [
                        self.busy.eq(1),
                        hdr_issued.eq(0), hdr_got.eq(0),
                        rd_issued.eq(0), rd_got.eq(0), wr_issued.eq(0), wr_done.eq(0),
                        inflight.eq(0), tail_step.eq(0), pending.eq(0),
                        lat_done.eq(0), pc.eq(MemoryMap.CODE_BASE),
                    ]
                    m.next = "Header"

            with m.State("Header"):
                # The descriptor comes through the instruction port, so both ports are exercised.
                with m.If(hdr_issued < 5):
                    issue(arg0 + (hdr_issued << 2), tag=0x40 | hdr_issued, port=self.imem)
                    with m.If(self.imem.req.valid & self.imem.req.ready):
                        m.d.sync += hdr_issued.eq(hdr_issued + 1)
                        with m.If((hdr_issued == 0) & ~lat_done):
                            m.d.sync += [lat_counting.eq(1), lat_count.eq(1)]
                irsp = self.imem.rsp
                with m.If(irsp.valid):
                    with m.If(irsp.tag != (0x40 | hdr_got)):
                        raise_fault(CAUSE_BAD_TAG, irsp.tag)
                    m.d.sync += [hdr[hdr_got].eq(irsp.data), hdr_got.eq(hdr_got + 1)]
                    with m.If(hdr_got == 4):
                        m.next = "Copy"

            with m.State("Copy"):
                issue_write = Signal()
                issue_read = Signal()
                m.d.comb += [
                    issue_write.eq(buf.r_rdy & (wr_issued < n_words)),
                    issue_read.eq(~issue_write & (rd_issued < n_words) &
                                  (inflight + buf.r_level < DEPTH)),
                ]
                with m.If(issue_write):
                    issue(dst + (wr_issued << 2), we=1, data=buf.r_data, tag=0x80 | wr_issued[:7])
                    with m.If(accepted):
                        m.d.comb += buf.r_en.eq(1)
                        m.d.sync += wr_issued.eq(wr_issued + 1)
                with m.Elif(issue_read):
                    issue(src + (rd_issued << 2), tag=rd_issued[:6])
                    with m.If(accepted):
                        m.d.sync += rd_issued.eq(rd_issued + 1)
                read_rsp = rsp.valid & ~rsp.tag[7]
                with m.If(read_rsp):
                    m.d.comb += [buf.w_en.eq(1), buf.w_data.eq(rsp.data)]
                    m.d.sync += rd_got.eq(rd_got + 1)
                    with m.If(rsp.tag != rd_got[:6]):
                        raise_fault(CAUSE_BAD_TAG, rsp.tag)
                m.d.sync += inflight.eq(inflight + (issue_read & accepted) - read_rsp)
                with m.If(rsp.valid & rsp.tag[7]):
                    with m.If(rsp.tag != (0x80 | wr_done[:7])):
                        raise_fault(CAUSE_BAD_TAG, rsp.tag)
                    m.d.comb += [
                        self.retire.valid.eq(1),
                        self.retire.pc.eq(MemoryMap.CODE_BASE + (wr_done << 2)),
                        self.retire.insn.eq(SW),
                        self.retire.rd.eq(wr_done % 31 + 1),
                        self.retire.data.eq(wr_done),
                    ]
                    m.d.sync += [wr_done.eq(wr_done + 1), pc.eq(pc + 4)]
                with m.If(wr_done == n_words):
                    m.next = "Tail"

            with m.State("Tail"):
                text = Array(Const(c, 8) for c in b"ok\n")
                with m.If(tail_step < 3):
                    issue(MemoryMap.IO_COUT, we=1, data=text[tail_step], be=0b0001, tag=0xC0)
                with m.Elif(tail_step == 3):
                    issue(dst + (n_words << 2), we=1, data=latency, tag=0xC0)
                with m.If(accepted):
                    m.d.sync += tail_step.eq(tail_step + 1)
                m.d.sync += pending.eq(pending + accepted - rsp.valid)
                with m.If(rsp.valid & ~rsp.err):
                    retire_store()
                with m.If((tail_step == 4) & (pending == 0)):
                    m.next = "Finish"

            with m.State("Finish"):
                with m.Switch(mode):
                    with m.Case(Mode.DONE):
                        m.d.sync += self.busy.eq(0)
                        m.next = "Idle"
                    with m.Case(Mode.EXIT):
                        issue(MemoryMap.IO_EXIT, we=1, data=arg, tag=0xC1)
                        with m.If(accepted):
                            m.next = "Halt"
                    with m.Case(Mode.TOHOST):
                        issue(arg, we=1, data=(n_words << 1) | 1, tag=0xC2)
                        with m.If(accepted):
                            m.next = "Halt"
                    with m.Case(Mode.FAULT):
                        issue(arg, we=1, data=0xDEAD, tag=0xC3)
                        with m.If(accepted):
                            m.next = "WaitFault"
                    with m.Default():
                        m.d.sync += pc.eq(SPIN_PC)
                        m.next = "Halt"

            with m.State("WaitFault"):
                with m.If(rsp.valid & rsp.err):
                    raise_fault(FaultCause.STORE_ACCESS, arg)
                    m.next = "Halt"

            with m.State("Halt"):
                with m.If(rsp.valid & ~rsp.err):   # the EXIT/TOHOST write
                    retire_store()

        return m


def generate_verilog():
    """Verilog text of :class:`HarnessTestTop` with the top module named ``simtlab_top``."""
    top = HarnessTestTop()
    return verilog.convert(top, name="simtlab_top", emit_src=False)
