"""The host bridge: the byte protocol of :mod:`simtlab.spec.bridge` (docs/fpga.md, "Host bridge")
from the UART's byte streams to the device shell's host port, DCRs, launch and status."""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ...spec.bridge import COMMANDS, COUNTER_BYTES, STATUS_BYTES, Command, Reply
from ...spec.memory import BLOCK_BYTES
from ..mem.bus import MemSignature
from ..soc.dcr import DcrWriteSignature
from .device_shell import HOST_TAG_WIDTH, StatusSignature

__all__ = [
    "UartBridge",
]

_REPLY_BYTES = max(STATUS_BYTES, COUNTER_BYTES, 4) + 1


class UartBridge(wiring.Component):
    """Serves the bridge protocol, one command at a time.

    Members
    -------
    i : In(stream.Signature(8))
        Bytes from the host (the UART receiver).
    o : Out(stream.Signature(8))
        Bytes to the host (the UART transmitter).
    mem : Out(MemSignature(data_width=512, tag_width=16))
        Word accesses to device memory (READ/WRITE): one request at a time, the next after the
        previous one's response.
    dcr : Out(DcrWriteSignature)
    reset, start : Out(1)
        RESET holds ``reset`` for two cycles; START pulses ``start`` for one.
    tohost : Out(data.StructLayout({"on": 1, "addr": 32}))
        Set by TOHOST.
    status : In(StatusSignature)
        What STATUS and COUNTERS report.
    console : In(stream.Signature(8))
        CONSOLE takes one byte from it, if one is there.

    Latency: a reply starts in the cycle after the command's last argument byte (READ and WRITE:
    after each word's memory response); then one byte per cycle the transmitter takes.
    """

    i: In(stream.Signature(8))
    o: Out(stream.Signature(8))
    mem: Out(MemSignature(data_width=8 * BLOCK_BYTES, tag_width=HOST_TAG_WIDTH))
    dcr: Out(DcrWriteSignature)
    reset: Out(1)
    start: Out(1)
    tohost: Out(data.StructLayout({"on": 1, "addr": 32}))
    status: In(StatusSignature)
    console: In(stream.Signature(8))

    def elaborate(self, platform):
        m = Module()
        req, rsp = self.mem.req, self.mem.rsp
        command = Signal(8)
        args = Signal(48)
        index = Signal(range(8))
        addr = args[0:32]
        count = args[32:48]
        word = Signal(32)
        error = Signal()
        # The reply: bytes shifted out from the low end; `after_read` picks the state after it.
        reply = Signal(8 * _REPLY_BYTES)
        left = Signal(range(_REPLY_BYTES + 1))
        after_read = Signal()
        reset_hold = Signal(2)

        def send(*fields):
            """Queue these values' bytes (a Value's width must be a multiple of 8)."""
            value = Cat(*fields)
            m.d.sync += [reply.eq(value), left.eq(len(value) // 8)]
            m.next = "Reply"

        def status_byte(err=0):
            return Mux(err, C(Reply.MEM_ERROR, 8), C(Reply.OK, 8))

        m.d.comb += [self.dcr.valid.eq(0), self.start.eq(0), self.reset.eq(reset_hold != 0)]
        with m.If(reset_hold != 0):
            m.d.sync += reset_hold.eq(reset_hold - 1)
        lane = addr[2:(BLOCK_BYTES - 1).bit_length()]
        m.d.comb += [
            req.addr.eq(Cat(C(0, 2), addr[2:])),
            req.data.eq(word.replicate(BLOCK_BYTES // 4)),
            req.be.eq(C(0xF, 4) << (lane * 4)),
            req.tag.eq(0),
        ]
        rsp_word = rsp.data.word_select(lane, 32)

        with m.FSM():
            with m.State("Command"):
                m.d.comb += self.i.ready.eq(1)
                with m.If(self.i.valid):
                    m.d.sync += [command.eq(self.i.payload), index.eq(0), error.eq(0)]
                    with m.Switch(self.i.payload):
                        for cmd, spec in COMMANDS.items():
                            with m.Case(cmd):
                                m.next = "Args" if spec.args else "Execute"
                        with m.Default():
                            send(C(Reply.UNKNOWN, 8))
            with m.State("Args"):
                m.d.comb += self.i.ready.eq(1)
                with m.If(self.i.valid):
                    m.d.sync += [args.word_select(index, 8).eq(self.i.payload), index.eq(index + 1)]
                    with m.Switch(command):
                        for cmd, spec in COMMANDS.items():
                            if spec.args:
                                with m.Case(cmd):
                                    with m.If(index == spec.args - 1):
                                        m.next = "Execute"
            with m.State("Execute"):
                with m.Switch(command):
                    with m.Case(Command.WRITE):
                        m.d.sync += index.eq(0)
                        with m.If(count == 0):
                            send(status_byte())
                        with m.Else():
                            m.next = "WriteData"
                    with m.Case(Command.READ):
                        with m.If(count == 0):
                            send(status_byte())
                        with m.Else():
                            m.next = "ReadRequest"
                    with m.Case(Command.DCR):
                        m.d.comb += [self.dcr.valid.eq(1), self.dcr.addr.eq(args[0:12]),
                                     self.dcr.data.eq(args[16:48])]
                        send(status_byte())
                    with m.Case(Command.RESET):
                        m.d.sync += reset_hold.eq(2)
                        send(status_byte())
                    with m.Case(Command.START):
                        m.d.comb += self.start.eq(1)
                        send(status_byte())
                    with m.Case(Command.STATUS):
                        s = self.status
                        send(s.status, C(0, 4), s.launched, s.code, s.fault_cause, s.fault_pc,
                             s.fault_addr, status_byte())
                    with m.Case(Command.COUNTERS):
                        s = self.status
                        send(s.cycles, C(0, 16), s.instret, C(0, 16), s.thread_instrs, C(0, 16),
                             status_byte())
                    with m.Case(Command.TOHOST):
                        m.d.sync += [self.tohost.on.eq(args[0]), self.tohost.addr.eq(args[8:40])]
                        send(status_byte())
                    with m.Case(Command.CONSOLE):
                        m.d.comb += self.console.ready.eq(1)
                        send(self.console.valid, C(0, 7),
                             Mux(self.console.valid, self.console.payload, 0), status_byte())
            with m.State("WriteData"):
                m.d.comb += self.i.ready.eq(1)
                with m.If(self.i.valid):
                    m.d.sync += [word.word_select(index[:2], 8).eq(self.i.payload),
                                 index.eq(index + 1)]
                    with m.If(index[:2] == 3):
                        m.next = "WriteRequest"
            with m.State("WriteRequest"):
                m.d.comb += [req.valid.eq(1), req.we.eq(1)]
                with m.If(req.ready):
                    m.next = "WriteResponse"
            with m.State("WriteResponse"):
                with m.If(rsp.valid):
                    m.d.sync += [error.eq(error | rsp.err), addr.eq(addr + 4), count.eq(count - 1)]
                    with m.If(count == 1):
                        send(status_byte(error | rsp.err))
                    with m.Else():
                        m.next = "WriteData"
            with m.State("ReadRequest"):
                m.d.comb += req.valid.eq(1)
                with m.If(req.ready):
                    m.next = "ReadResponse"
            with m.State("ReadResponse"):
                with m.If(rsp.valid):
                    m.d.sync += [error.eq(error | rsp.err), addr.eq(addr + 4), count.eq(count - 1),
                                 after_read.eq(count != 1)]
                    with m.If(count == 1):
                        send(rsp_word, status_byte(error | rsp.err))
                    with m.Else():
                        send(rsp_word)
            with m.State("Reply"):
                m.d.comb += [self.o.valid.eq(1), self.o.payload.eq(reply[:8])]
                with m.If(self.o.ready):
                    m.d.sync += [reply.eq(reply >> 8), left.eq(left - 1)]
                    with m.If(left == 1):
                        m.d.sync += after_read.eq(0)
                        m.next = "Command"
                        with m.If(after_read):
                            m.next = "ReadRequest"
        return m
