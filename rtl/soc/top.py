"""The simulated device's top level: DCRs, the host's start/busy handshake, one core, its ports.

Its Verilog ports (module ``simtlab_top``) are what the Verilator harness and cocotb testbenches
drive; docs/architecture.md lists them.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..core.core import Core, FaultSignature, RetireSignature
from ..mem.bus import MemSignature
from .dcr import DcrFile, DcrWriteSignature

__all__ = [
    "SimtTop",
]


class SimtTop(wiring.Component):
    """The whole device as the host sees it.

    Parameters
    ----------
    config : SimtConfig

    Members
    -------
    dcr : In(DcrWriteSignature)
        DCR writes (``dcr__valid``, ``dcr__addr``, ``dcr__data``).
    start : In(1)
        One-cycle pulse: run from STARTUP_ADDR with mscratch = STARTUP_ARG.
    busy : Out(1)
        High until every warp has retired or a fault stopped the device.
    imem, dmem : Out(MemSignature())
        Instruction and data memory ports (``imem__req__valid``, ``dmem__rsp__data``, ...).
    fault : Out(FaultSignature)
        ``fault__valid`` (sticky), ``fault__cause`` (mcause numbering), ``fault__pc``,
        ``fault__addr``.
    retire : Out(RetireSignature)
        One retired instruction per cycle: ``retire__valid/pc/insn/rd/data``.
    dbg : Out(Signature{pc: 32})
        ``dbg__pc``: the PC of the warp, for watchdog dumps.
    """

    def __init__(self, config):
        self._config = config
        super().__init__({
            "dcr": In(DcrWriteSignature),
            "start": In(1),
            "busy": Out(1),
            "imem": Out(MemSignature()),
            "dmem": Out(MemSignature()),
            "fault": Out(FaultSignature),
            "retire": Out(RetireSignature),
            "dbg": Out(wiring.Signature({"pc": Out(32)})),
        })

    @property
    def config(self):
        return self._config

    def elaborate(self, platform):
        m = Module()
        m.submodules.dcrs = dcrs = DcrFile(self._config)
        m.submodules.core = core = Core(self._config)
        wiring.connect(m, dcr=wiring.flipped(self.dcr), dcrs=dcrs.write)
        wiring.connect(m, imem=wiring.flipped(self.imem), core=core.imem)
        wiring.connect(m, dmem=wiring.flipped(self.dmem), core=core.dmem)
        wiring.connect(m, fault=wiring.flipped(self.fault), core=core.fault)
        wiring.connect(m, retire=wiring.flipped(self.retire), core=core.retire)
        m.d.comb += [
            core.start.eq(self.start),
            core.start_pc.eq(dcrs.startup_addr),
            core.start_arg.eq(dcrs.startup_arg),
            self.busy.eq(core.busy),
            self.dbg.pc.eq(core.pc),
        ]
        return m
