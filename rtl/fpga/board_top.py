"""The FPGA board's top level: clock, reset, the device shell and its host link (docs/fpga.md)."""

from amaranth import *
from amaranth.lib.cdc import FFSynchronizer, ResetSynchronizer

from .device_shell import DeviceShell
from .pll import Ecp5Pll

__all__ = [
    "BoardTop",
]


class BoardTop(Elaboratable):
    """The SoC on an ECP5 board with a 25 MHz oscillator (ULX3S): the clock from an EHXPLLL, the
    reset from the power button and the PLL's lock through a reset synchroniser, the device shell
    (:class:`~.device_shell.DeviceShell`), and its host link.

    Parameters
    ----------
    config : SimtConfig
        With ``clock_gating=False`` (no gated clocks on the FPGA: ValueError otherwise).
    mhz : float
        The SoC's clock.
    window_bytes : int
        Of the on-chip memory's windows.

    The board's resources: ``clk25``, ``button_pwr`` (reset), ``led`` 0..3 (busy, launched, the
    run ended, the PLL is locked), ``button_fire`` 0 (a launch of what memory holds from the
    default startup address).
    """

    def __init__(self, config, *, mhz=25.0, window_bytes=16384):
        if config.clock_gating:
            raise ValueError("an FPGA build needs clock_gating=False (gated clocks are LUT-made "
                             "clocks on an FPGA): config.replace(clock_gating=False)")
        self._config, self._mhz, self._window_bytes = config, mhz, window_bytes

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

        fire = platform.request("button_fire", 0)
        pressed, last = Signal(), Signal()
        m.submodules.fire_sync = FFSynchronizer(fire.i, pressed)
        m.d.sync += last.eq(pressed)
        # The launch: two cycles of reset, then the start pulse.
        phase = Signal(2)
        with m.If(pressed & ~last):
            m.d.sync += phase.eq(3)
        with m.Elif(phase != 0):
            m.d.sync += phase.eq(phase - 1)
        m.d.comb += [shell.reset.eq(phase >= 2), shell.start.eq(phase == 1)]

        leds = [platform.request("led", i) for i in range(4)]
        m.d.comb += [leds[0].o.eq(shell.busy), leds[1].o.eq(shell.status.launched),
                     leds[2].o.eq(shell.status.status != 0), leds[3].o.eq(pll.locked),
                     shell.console.ready.eq(1)]
        return m
