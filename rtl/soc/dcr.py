"""Device configuration registers (DCRs): what the host writes before it starts the device."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.csr import DCR

__all__ = [
    "DcrWriteSignature",
    "DcrFile",
]

#: One DCR write per cycle from the host (Vortex's 12-bit DCR address space).
DcrWriteSignature = wiring.Signature({
    "valid": Out(1),
    "addr": Out(12),
    "data": Out(32),
})


class DcrFile(wiring.Component):
    """Holds Vortex's startup DCRs.

    Members
    -------
    write : In(DcrWriteSignature)
    startup_addr : Out(32)
        STARTUP_ADDR0 (reset value ``config.startup_addr``); STARTUP_ADDR1 must stay 0 on this 32-bit
        device and is ignored.
    startup_arg : Out(32)
        STARTUP_ARG0, the kernel argument pointer loaded into mscratch.
    mpm_class : Out(32)
        MPM_CLASS, which performance counters a perf dump reports.

    Latency: a write is visible in the next cycle. Unknown addresses are ignored.
    """

    write: In(DcrWriteSignature)
    startup_addr: Out(32)
    startup_arg: Out(32)
    mpm_class: Out(32)

    def __init__(self, config):
        self._config = config
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        registers = {
            DCR.STARTUP_ADDR0: Signal(32, init=self._config.startup_addr, name="startup_addr"),
            DCR.STARTUP_ARG0: Signal(32, name="startup_arg"),
            DCR.MPM_CLASS: Signal(32, name="mpm_class"),
        }
        with m.If(self.write.valid):
            with m.Switch(self.write.addr):
                for addr, reg in registers.items():
                    with m.Case(addr):
                        m.d.sync += reg.eq(self.write.data)
        m.d.comb += [
            self.startup_addr.eq(registers[DCR.STARTUP_ADDR0]),
            self.startup_arg.eq(registers[DCR.STARTUP_ARG0]),
            self.mpm_class.eq(registers[DCR.MPM_CLASS]),
        ]
        return m
