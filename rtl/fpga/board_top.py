"""The FPGA board's top level: clock, reset, the device shell and its host link (docs/fpga.md)."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.cdc import ResetSynchronizer

from .device_shell import DeviceShell
from .pll import Ecp5Pll
from .uart import UartRx, UartTx, uart_divisor
from .uart_bridge import UartBridge

__all__ = [
    "BoardTop",
]


class BoardTop(Elaboratable):
    """The SoC on an ECP5 board with a 25 MHz oscillator (ULX3S): the clock from an EHXPLLL, the
    reset from the power button and the PLL's lock through a reset synchroniser, the device shell
    (:class:`~.device_shell.DeviceShell`), and its host link: the UART bridge
    (:class:`~.uart_bridge.UartBridge`) on the board's FTDI serial port.

    Parameters
    ----------
    config : SimtConfig
        With ``clock_gating=False`` (no gated clocks on the FPGA: ValueError otherwise).
    mhz : float
        The SoC's clock.
    window_bytes : int
        Of the on-chip memory's windows.
    baud : int
        Of the UART (8N1).

    The board's resources: ``clk25``, ``button_pwr`` (reset), ``uart`` 0 (the bridge), ``led``
    0..3 (busy, launched, the run ended, the PLL is locked).
    """

    def __init__(self, config, *, mhz=25.0, window_bytes=16384, baud=115200):
        if config.clock_gating:
            raise ValueError("an FPGA build needs clock_gating=False (gated clocks are LUT-made "
                             "clocks on an FPGA): config.replace(clock_gating=False)")
        self._config, self._mhz, self._window_bytes = config, mhz, window_bytes
        self._baud = baud

    def elaborate(self, platform):
        m = Module()
        clk25 = platform.request("clk25", 0)
        m.submodules.pll = pll = Ecp5Pll(in_hz=25e6, out_hz=self._mhz * 1e6)
        m.domains.sync = ClockDomain("sync")
        m.d.comb += [pll.clk_in.eq(clk25.i), ClockSignal("sync").eq(pll.clk_out)]
        platform.add_clock_constraint(pll.clk_out, pll.settings.out_hz)
        button = platform.request("button_pwr", 0)
        m.submodules.reset_sync = ResetSynchronizer(~pll.locked | button.i, domain="sync")

        m.submodules.shell = shell = DeviceShell(self._config, window_bytes=self._window_bytes)

        divisor = uart_divisor(pll.settings.out_hz, self._baud)
        uart = platform.request("uart", 0)
        m.submodules.uart_rx = rx = UartRx(divisor=divisor)
        m.submodules.uart_tx = tx = UartTx(divisor=divisor)
        m.d.comb += [rx.rx.eq(uart.rx.i), uart.tx.o.eq(tx.tx)]
        m.submodules.bridge = bridge = UartBridge()
        wiring.connect(m, rx=rx.o, bridge=bridge.i)
        wiring.connect(m, bridge=bridge.o, tx=tx.i)
        wiring.connect(m, bridge=bridge.mem, shell=shell.host)
        wiring.connect(m, bridge=bridge.dcr, shell=shell.dcr)
        wiring.connect(m, shell=shell.status, bridge=bridge.status)
        wiring.connect(m, shell=shell.console, bridge=bridge.console)
        m.d.comb += [shell.reset.eq(bridge.reset), shell.start.eq(bridge.start),
                     shell.tohost.eq(bridge.tohost)]

        leds = [platform.request("led", i) for i in range(4)]
        m.d.comb += [leds[0].o.eq(shell.busy), leds[1].o.eq(shell.status.launched),
                     leds[2].o.eq(shell.status.status != 0), leds[3].o.eq(pll.locked)]
        return m
