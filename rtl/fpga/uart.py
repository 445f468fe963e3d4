"""8N1 UART receiver and transmitter (the board's FTDI link, docs/fpga.md)."""

from amaranth import *
from amaranth.lib import stream, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

__all__ = [
    "UartRx",
    "UartTx",
    "uart_divisor",
]


def uart_divisor(clk_hz, baud):
    """Clock cycles per bit (rounded); ValueError when the baud rate's error passes 2 %."""
    if baud <= 0 or clk_hz < 4 * baud:
        raise ValueError(f"a UART at {baud} baud needs a clock of at least 4x that, not {clk_hz} Hz")
    divisor = round(clk_hz / baud)
    if abs(clk_hz / divisor - baud) / baud > 0.02:
        raise ValueError(f"{clk_hz} Hz cannot make {baud} baud within 2 %")
    return divisor


def _check_divisor(divisor):
    if not isinstance(divisor, int) or divisor < 4:
        raise ValueError(f"divisor must be an integer >= 4 clock cycles per bit, not {divisor!r}")


class UartRx(wiring.Component):
    """Receives 8N1 frames on ``rx``.

    Parameters
    ----------
    divisor : int
        Clock cycles per bit (>= 4, :func:`uart_divisor`).

    Members
    -------
    rx : In(1)
        The line (idle high); synchronised inside.
    o : Out(stream.Signature(8))
        Received bytes; a byte not taken before the next one's stop bit is overwritten.
    error : Out(1)
        One-cycle pulse: a frame whose stop bit was low (the byte is dropped).

    Latency: a byte is offered in the cycle after its stop bit is sampled (mid-bit), 2 cycles of
    synchroniser later than the line. Throughput: one byte per frame (10 bits).
    """

    rx: In(1)
    o: Out(stream.Signature(8))
    error: Out(1)

    def __init__(self, *, divisor):
        _check_divisor(divisor)
        self._divisor = divisor
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        line = Signal(init=1)
        m.submodules.sync = FFSynchronizer(self.rx, line, init=1)
        timer = Signal(range(self._divisor * 3 // 2 + 1))
        bits = Signal(8)
        count = Signal(range(9))
        with m.If(self.o.ready):
            m.d.sync += self.o.valid.eq(0)
        m.d.sync += self.error.eq(0)
        with m.FSM():
            with m.State("Idle"):
                # Sample mid-bit: wait 1.5 bits from the start bit's falling edge to bit 0.
                with m.If(~line):
                    m.d.sync += [timer.eq(self._divisor * 3 // 2 - 1), count.eq(0)]
                    m.next = "Data"
            with m.State("Data"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    m.d.sync += [bits.eq(Cat(bits[1:], line)), count.eq(count + 1),
                                 timer.eq(self._divisor - 1)]
                    with m.If(count == 7):
                        m.next = "Stop"
            with m.State("Stop"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    with m.If(line):
                        m.d.sync += [self.o.payload.eq(bits), self.o.valid.eq(1)]
                    with m.Else():
                        m.d.sync += self.error.eq(1)
                    m.next = "Idle"
        return m


class UartTx(wiring.Component):
    """Sends 8N1 frames on ``tx``.

    Parameters
    ----------
    divisor : int
        Clock cycles per bit (>= 4).

    Members
    -------
    i : In(stream.Signature(8))
        Bytes to send; taken when the line is idle.
    tx : Out(1)
        The line (idle high).

    Latency: the start bit begins in the cycle after a byte is taken. Throughput: one byte per
    10 bits.
    """

    i: In(stream.Signature(8))
    tx: Out(1, init=1)

    def __init__(self, *, divisor):
        _check_divisor(divisor)
        self._divisor = divisor
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        timer = Signal(range(self._divisor))
        frame = Signal(10)      # stop, data (LSB first), start: shifted out from bit 0
        left = Signal(range(11))
        m.d.comb += self.i.ready.eq((left == 0) & (timer == 0))
        with m.If(self.i.valid & self.i.ready):
            m.d.sync += [frame.eq(Cat(C(0, 1), self.i.payload, C(1, 1))), left.eq(10), timer.eq(0)]
        with m.Elif(left != 0):
            with m.If(timer == 0):
                m.d.sync += [self.tx.eq(frame[0]), frame.eq(frame >> 1), left.eq(left - 1),
                             timer.eq(self._divisor - 1)]
            with m.Else():
                m.d.sync += timer.eq(timer - 1)
        with m.Elif(timer != 0):
            # The stop bit's last cycles.
            m.d.sync += timer.eq(timer - 1)
        return m
