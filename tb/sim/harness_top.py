"""A test-only stand-in for ``simtlab.rtl.soc.top`` that exercises the Verilator harness.

It has exactly the port contract of the real SIMT top for a given :class:`~simtlab.config.SimtConfig`
(W warps, T threads; see ``sim/harness/harness.cpp``): the DCR write port, ``start``/``busy``, the
block-wide ``imem`` and ``dmem`` memory ports, ``fault`` (8-bit cause), ``retire`` (with warp, tmask
and per-lane data), ``dbg`` (per-warp pc, tmask, active, waiting, barrier) and ``perf``. Instead
of a core it runs a small block copy engine, so the harness, the model builder and
:class:`simtlab.sim.model.VerilatorModel` can be tested before the core exists.

When started it reads a one-block descriptor through ``imem`` from the address in DCR
``STARTUP_ARG0``::

    word 0  src       source address of the copy (its low 6 bits are ignored by the memory)
    word 1  dst       destination address (block aligned)
    word 2  n         blocks to copy
    word 3  mode      how to end (see :class:`Mode`)
    word 4  arg       exit code (EXIT), tohost address (TOHOST) or faulting address (FAULT)
    word 5  be_lo     byte enables of the copy writes, bits 0..31 (be_lo = be_hi = 0: all bytes)
    word 6  be_hi     ... bits 32..63
    word 7  cause     fault cause raised in FAULT mode (8 bits)
    word 8  exit_be   byte enables of the IO_EXIT write (0: 0xF)

It copies ``n`` blocks from ``src`` to ``dst`` with up to :data:`DEPTH` reads in flight (writes have
priority over reads on the one request port) and retires each write as a store when its response
arrives (``insn = SW``). Copy block ``k`` retires as ``pc = CODE_BASE + 4k``, ``warp = k % W``,
``rd = k % 31 + 1``, ``tmask = k % (2**T - 1) + 1`` and lane ``l`` data ``(k << 8) | l`` (a made-up
record that lets tests check every field; see :func:`copy_record`). Then it writes ``"ok\\n"`` to
``IO_COUT`` (one block write per byte), one byte ``'X'`` to ``IO_COUT + 1`` (not the console), and the
measured memory latency (cycles from the accepting edge of the descriptor read to its response) at
``dst + 64 n``; these retire with ``rd = 0``, ``warp = 0``, ``tmask = 1`` and the next pcs. Then it
ends as ``mode`` says; the EXIT and TOHOST stores write two blocks each and retire once, after both
responses (like a SIMT store whose lanes hit two blocks).

``dbg``: warp ``w`` shows ``pc + 0x100 w`` (``pc`` is the next retire pc, :data:`SPIN_PC` when
spinning), tmask/active/waiting/barrier from :func:`warp_dbg` (active only while busy).
``perf__stall`` cycles through 0..6 on the busy cycles, starting at 0; ``perf__lmem_reads`` is 1 and
``perf__lmem_writes`` 2 on the busy cycles. ``pipe__*`` stay 0 (no pipeline records).

A response whose tag is not the expected one (responses must come back in order with their request's
tag) raises the fault port with cause :data:`CAUSE_BAD_TAG`.
"""

import enum

from amaranth import *
from amaranth.back import verilog
from amaranth.lib import fifo, wiring
from amaranth.lib.wiring import In, Out

from simtlab.config import SimtConfig
from simtlab.spec.csr import DCR
from simtlab.spec.memory import MemoryMap

__all__ = [
    "Mode",
    "HarnessTestTop",
    "generate_verilog",
    "copy_record",
    "warp_dbg",
    "DEPTH",
    "SW",
    "CAUSE_BAD_TAG",
    "SPIN_PC",
    "TAIL_STORES",
]

#: Block reads in flight plus blocks buffered between read responses and writes.
DEPTH = 4
#: ``insn`` of every retire pulse: ``sw x0, 0(x0)`` (the harness counts retired stores).
SW = 0x0000_2023
#: Fault cause raised when a response carries an unexpected tag.
CAUSE_BAD_TAG = 0xEE
#: ``dbg__pc`` of warp 0 while spinning in ``Mode.SPIN``.
SPIN_PC = 0x8000_0F00
#: Stores retired after the copy and before the end action ("ok\n", 'X', the latency word).
TAIL_STORES = 5
BLOCK = 64


class Mode(enum.IntEnum):
    """How the copy engine ends after its tail stores."""
    DONE = 0     #: drop ``busy``
    EXIT = 1     #: one store of two blocks: ``arg`` to ``dst + 64 (n + 1)``, then ``arg`` to IO_EXIT
    TOHOST = 2   #: one store of two blocks: ``(n << 1) | 1`` to ``arg``, then to ``dst + 64 (n + 1)``
    FAULT = 3    #: store to ``arg``; on its error response raise the fault port with ``cause``
    SPIN = 4     #: never finish (watchdog)


def copy_record(k, config):
    """``(warp, rd, tmask, [lane data])`` of the retire of copy block ``k``."""
    t = config.threads
    return k % config.warps, k % 31 + 1, k % ((1 << t) - 1) + 1, [((k << 8) | lane) & 0xFFFF_FFFF
                                                                 for lane in range(t)]


def warp_dbg(w, config):
    """``(tmask, active, waiting, barrier)`` that the ``dbg`` ports show for warp ``w`` while busy."""
    mask = (1 << config.threads) - 1
    tmask = ((w * 0x2F + 0x15) & mask) or 1
    return tmask, w % 3 != 1, w % 3 == 1, (w * 7 + 1) & 0xFF


def _mem_signature():
    return wiring.Signature({
        "req": Out(wiring.Signature({
            "valid": Out(1),
            "ready": In(1),
            "addr":  Out(32),
            "we":    Out(1),
            "data":  Out(8 * BLOCK),
            "be":    Out(BLOCK),
            "op":    Out(4),        # AmoOp; the copy engine issues plain requests (0) only
            "tag":   Out(16),
        })),
        "rsp": In(wiring.Signature({
            "valid": Out(1),
            "data":  Out(8 * BLOCK),
            "tag":   Out(16),
            "err":   Out(1),
        })),
    })


class HarnessTestTop(wiring.Component):
    """Block copy engine with the port contract of ``simtlab_top`` (see the module docstring)."""

    def __init__(self, config=None):
        config = SimtConfig() if config is None else config
        if not isinstance(config, SimtConfig):
            raise TypeError(f"config must be a SimtConfig, not {config!r}")
        self.config = config
        W, T = config.warps, config.threads
        super().__init__({
            "dcr": In(wiring.Signature({"valid": Out(1), "addr": Out(12), "data": Out(32)})),
            "start": In(1),
            "busy": Out(1),
            "imem": Out(_mem_signature()),
            "dmem": Out(_mem_signature()),
            "fault": Out(wiring.Signature({"valid": Out(1), "cause": Out(8), "pc": Out(32),
                                           "addr": Out(32)})),
            "retire": Out(wiring.Signature({"valid": Out(1), "pc": Out(32), "insn": Out(32),
                                            "warp": Out(5), "rd": Out(5), "tmask": Out(T),
                                            "data": Out(32 * T)})),
            "dbg": Out(wiring.Signature({"pc": Out(32 * W), "tmask": Out(T * W), "active": Out(W),
                                         "waiting": Out(W), "barrier": Out(8 * W)})),
            "perf": Out(wiring.Signature({"stall": Out(3), "lmem_reads": Out(6),
                                          "lmem_writes": Out(6)})),
            "pipe": Out(wiring.Signature({"d_new": Out(1), "x_new": Out(1), "x_advance": Out(1),
                                          "x_warp": Out(5)})),
        })

    def elaborate(self, platform):
        m = Module()
        W, T = self.config.warps, self.config.threads
        m.submodules.buf = buf = fifo.SyncFIFOBuffered(width=8 * BLOCK, depth=DEPTH)

        arg0 = Signal(32)
        with m.If(self.dcr.valid & (self.dcr.addr == DCR.STARTUP_ARG0)):
            m.d.sync += arg0.eq(self.dcr.data)

        src, dst, n_blocks, mode, arg = (Signal(32, name=n) for n in ("src", "dst", "n", "mode", "arg"))
        copy_be = Signal(64)
        cause = Signal(8)
        exit_be = Signal(4)

        rd_issued = Signal(32)
        rd_got = Signal(32)
        wr_issued = Signal(32)
        wr_done = Signal(32)
        inflight = Signal(range(DEPTH + 1))

        lat_count = Signal(16)
        lat_counting = Signal()
        latency = Signal(16)

        tail_step = Signal(3)       # 0..2: "ok\n", 3: 'X' at IO_COUT + 1, 4: latency word
        pending = Signal(8)         # responses still due for the tail writes
        fin_step = Signal(2)
        fin_got = Signal(2)
        fin_err = Signal()
        pc = Signal(32)
        stall = Signal(3)

        # -- dbg and perf ---------------------------------------------------------------------------
        for w in range(W):
            tmask, active, waiting, barrier = warp_dbg(w, self.config)
            m.d.comb += [
                self.dbg.pc[32 * w:32 * (w + 1)].eq(pc + 0x100 * w),
                self.dbg.tmask[T * w:T * (w + 1)].eq(tmask),
                self.dbg.active[w].eq(self.busy & active),
                self.dbg.waiting[w].eq(self.busy & waiting),
                self.dbg.barrier[8 * w:8 * (w + 1)].eq(barrier),
            ]
        m.d.comb += [self.perf.stall.eq(stall), self.perf.lmem_reads.eq(self.busy),
                     self.perf.lmem_writes.eq(Mux(self.busy, 2, 0))]
        with m.If(self.busy):
            m.d.sync += stall.eq(Mux(stall == 6, 0, stall + 1))

        req = self.dmem.req
        rsp = self.dmem.rsp
        accepted = req.valid & req.ready

        def issue(addr, *, we=0, data=0, be=(1 << BLOCK) - 1, tag=0, port=self.dmem):
            m.d.comb += [
                port.req.valid.eq(1),
                port.req.addr.eq(addr),
                port.req.we.eq(we),
                port.req.data.eq(data),
                port.req.be.eq(be),
                port.req.tag.eq(tag),
            ]

        def raise_fault(code, addr):
            with m.If(~self.fault.valid):
                m.d.sync += [
                    self.fault.valid.eq(1),
                    self.fault.cause.eq(code),
                    self.fault.pc.eq(pc),
                    self.fault.addr.eq(addr),
                ]

        def retire_store(warp=0, rd=0, tmask=1, data=0):
            m.d.comb += [
                self.retire.valid.eq(1),
                self.retire.pc.eq(pc),
                self.retire.insn.eq(SW),
                self.retire.warp.eq(warp),
                self.retire.rd.eq(rd),
                self.retire.tmask.eq(tmask),
                self.retire.data.eq(data),
            ]
            m.d.sync += pc.eq(pc + 4)

        def replicate(word):
            return Cat(*([word] * (BLOCK // 4)))

        # Latency probe on the descriptor read (which goes through imem).
        with m.If(lat_counting):
            m.d.sync += lat_count.eq(lat_count + 1)
            with m.If(self.imem.rsp.valid):
                m.d.sync += [lat_counting.eq(0), latency.eq(lat_count)]

        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.sync += [
                        self.busy.eq(1), stall.eq(0),
                        rd_issued.eq(0), rd_got.eq(0), wr_issued.eq(0), wr_done.eq(0),
                        inflight.eq(0), tail_step.eq(0), pending.eq(0),
                        fin_step.eq(0), fin_got.eq(0), fin_err.eq(0),
                        pc.eq(MemoryMap.CODE_BASE),
                    ]
                    m.next = "Header"

            with m.State("Header"):
                issue(arg0, tag=0x4000, port=self.imem)
                with m.If(self.imem.req.ready):
                    m.d.sync += [lat_counting.eq(1), lat_count.eq(1)]
                    m.next = "HeaderWait"

            with m.State("HeaderWait"):
                irsp = self.imem.rsp
                with m.If(irsp.valid):
                    with m.If(irsp.tag != 0x4000):
                        raise_fault(CAUSE_BAD_TAG, irsp.tag)
                    word = [irsp.data[32 * i:32 * (i + 1)] for i in range(9)]
                    m.d.sync += [
                        src.eq(word[0]), dst.eq(word[1]), n_blocks.eq(word[2]), mode.eq(word[3]),
                        arg.eq(word[4]),
                        copy_be.eq(Mux((word[5] | word[6]) == 0, (1 << 64) - 1, Cat(word[5], word[6]))),
                        cause.eq(word[7]),
                        exit_be.eq(Mux(word[8][:4] == 0, 0xF, word[8][:4])),
                    ]
                    m.next = "Copy"

            with m.State("Copy"):
                issue_write = Signal()
                issue_read = Signal()
                m.d.comb += [
                    issue_write.eq(buf.r_rdy & (wr_issued < n_blocks)),
                    issue_read.eq(~issue_write & (rd_issued < n_blocks) &
                                  (inflight + buf.r_level < DEPTH)),
                ]
                with m.If(issue_write):
                    issue(dst + (wr_issued << 6), we=1, data=buf.r_data, be=copy_be,
                          tag=0x8000 | wr_issued[:15])
                    with m.If(accepted):
                        m.d.comb += buf.r_en.eq(1)
                        m.d.sync += wr_issued.eq(wr_issued + 1)
                with m.Elif(issue_read):
                    issue(src + (rd_issued << 6), tag=rd_issued[:14])
                    with m.If(accepted):
                        m.d.sync += rd_issued.eq(rd_issued + 1)
                read_rsp = rsp.valid & ~rsp.tag[15]
                with m.If(read_rsp):
                    m.d.comb += [buf.w_en.eq(1), buf.w_data.eq(rsp.data)]
                    m.d.sync += rd_got.eq(rd_got + 1)
                    with m.If(rsp.tag != rd_got[:14]):
                        raise_fault(CAUSE_BAD_TAG, rsp.tag)
                m.d.sync += inflight.eq(inflight + (issue_read & accepted) - read_rsp)
                with m.If(rsp.valid & rsp.tag[15]):
                    with m.If(rsp.tag != (0x8000 | wr_done[:15])):
                        raise_fault(CAUSE_BAD_TAG, rsp.tag)
                    k = wr_done
                    retire_store(
                        warp=k % W,
                        rd=k % 31 + 1,
                        tmask=k % ((1 << T) - 1) + 1,
                        data=Cat(*(Cat(Const(lane, 8), k[:24]) for lane in range(T))),
                    )
                    m.d.sync += wr_done.eq(wr_done + 1)
                with m.If(wr_done == n_blocks):
                    m.next = "Tail"

            with m.State("Tail"):
                text = Array(Const(c, 8) for c in b"ok\n")
                with m.If(tail_step < 3):
                    issue(MemoryMap.IO_COUT, we=1, data=text[tail_step], be=0b0001, tag=0xC000)
                with m.Elif(tail_step == 3):
                    issue(MemoryMap.IO_COUT, we=1, data=Const(ord("X") << 8, 16), be=0b0010,
                          tag=0xC000)
                with m.Elif(tail_step == 4):
                    issue(dst + (n_blocks << 6), we=1, data=latency, be=0xF, tag=0xC000)
                with m.If(accepted):
                    m.d.sync += tail_step.eq(tail_step + 1)
                m.d.sync += pending.eq(pending + accepted - rsp.valid)
                with m.If(rsp.valid & ~rsp.err):
                    retire_store()
                with m.If((tail_step == 5) & (pending == 0)):
                    m.next = "Finish"

            with m.State("Finish"):
                scratch = dst + ((n_blocks + 1) << 6)
                word_be = Const(0xF, 64) << arg[2:6] * 4
                with m.Switch(mode):
                    with m.Case(Mode.DONE):
                        m.d.sync += self.busy.eq(0)
                        m.next = "Idle"
                    with m.Case(Mode.EXIT):
                        with m.If(fin_step == 0):
                            issue(scratch, we=1, data=arg, be=0xF, tag=0xC100)
                        with m.Else():
                            issue(MemoryMap.IO_EXIT, we=1, data=arg, be=exit_be, tag=0xC101)
                    with m.Case(Mode.TOHOST):
                        value = (n_blocks << 1) | 1
                        with m.If(fin_step == 0):
                            issue(arg, we=1, data=replicate(value[:32]), be=word_be, tag=0xC200)
                        with m.Else():
                            issue(scratch, we=1, data=value, be=0xF, tag=0xC201)
                    with m.Case(Mode.FAULT):
                        issue(arg, we=1, data=replicate(Const(0xDEAD, 32)), be=word_be, tag=0xC300)
                    with m.Default():
                        m.d.sync += pc.eq(SPIN_PC)
                        m.next = "Halt"
                with m.If(accepted):
                    m.d.sync += fin_step.eq(fin_step + 1)
                    with m.If((fin_step == 1) | (mode == Mode.FAULT)):
                        m.next = "FinishWait"
                # responses of the first write may arrive while the second is issued
                with m.If(rsp.valid):
                    m.d.sync += [fin_got.eq(fin_got + 1), fin_err.eq(fin_err | rsp.err)]

            with m.State("FinishWait"):
                with m.If(rsp.valid):
                    m.d.sync += fin_got.eq(fin_got + 1)
                    with m.If(mode == Mode.FAULT):
                        with m.If(rsp.err):
                            raise_fault(cause, arg)
                        m.next = "Halt"
                    with m.Elif(fin_got == 1):
                        with m.If(~(fin_err | rsp.err)):
                            retire_store()
                        m.next = "Halt"
                    with m.Else():
                        m.d.sync += fin_err.eq(fin_err | rsp.err)

            with m.State("Halt"):
                pass

        return m


def generate_verilog(config=None):
    """Verilog text of :class:`HarnessTestTop` for ``config`` with the top module named
    ``simtlab_top``."""
    top = HarnessTestTop(config)
    return verilog.convert(top, name="simtlab_top", emit_src=False)
