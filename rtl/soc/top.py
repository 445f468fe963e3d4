"""The simulated device's top level: DCRs, the host's start/busy handshake, one SIMT core, its ports.

Its Verilog ports (module ``simtlab_top``) are what the Verilator harness and cocotb testbenches
drive; docs/architecture.md lists them.
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..core.core import Core, FaultSignature, PerfSignature, debug_signature, retire_signature
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
    imem, dmem : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        Instruction and data memory ports moving 64-byte blocks (``imem__req__valid``,
        ``dmem__rsp__data``, ...).
    fault : Out(FaultSignature)
        ``fault__valid`` (sticky), ``fault__cause`` (mcause numbering), ``fault__pc``,
        ``fault__addr``.
    retire : Out(retire_signature(threads))
        One retired warp instruction per cycle: ``retire__valid/pc/insn/warp/rd/tmask/data``.
    dbg : Out(debug_signature(warps, threads))
        Every warp's ``pc``, ``tmask``, ``active``, ``waiting`` and ``barrier``, for watchdog dumps.
    perf : Out(PerfSignature)
        ``perf__stall``: the stall class of each cycle (``sim.result.STALL_CAUSES``).
    """

    def __init__(self, config):
        self._config = config
        bus = MemSignature(data_width=8 * config.block_bytes, tag_width=16)
        super().__init__({
            "dcr": In(DcrWriteSignature),
            "start": In(1),
            "busy": Out(1),
            "imem": Out(bus),
            "dmem": Out(bus),
            "fault": Out(FaultSignature),
            "retire": Out(retire_signature(config.threads)),
            "dbg": Out(debug_signature(config.warps, config.threads)),
            "perf": Out(PerfSignature),
        })

    @property
    def config(self):
        return self._config

    def elaborate(self, platform):
        m = Module()
        m.submodules.dcrs = dcrs = DcrFile(self._config)
        m.submodules.core = core = Core(self._config)
        wiring.connect(m, dcr=wiring.flipped(self.dcr), dcrs=dcrs.write)
        # Requests go straight out; responses pass one register, so that no logic of the core
        # depends combinationally on the memory (the simulator then evaluates it once per cycle).
        for name in ("imem", "dmem"):
            port, inner = getattr(self, name), getattr(core, name)
            m.d.comb += [
                port.req.valid.eq(inner.req.valid), port.req.addr.eq(inner.req.addr),
                port.req.we.eq(inner.req.we), port.req.data.eq(inner.req.data),
                port.req.be.eq(inner.req.be), port.req.tag.eq(inner.req.tag),
                inner.req.ready.eq(port.req.ready),
            ]
            m.d.sync += [
                inner.rsp.valid.eq(port.rsp.valid), inner.rsp.data.eq(port.rsp.data),
                inner.rsp.tag.eq(port.rsp.tag), inner.rsp.err.eq(port.rsp.err),
            ]
        wiring.connect(m, fault=wiring.flipped(self.fault), core=core.fault)
        wiring.connect(m, retire=wiring.flipped(self.retire), core=core.retire)
        wiring.connect(m, dbg=wiring.flipped(self.dbg), core=core.dbg)
        wiring.connect(m, perf=wiring.flipped(self.perf), core=core.perf)
        m.d.comb += [
            core.start.eq(self.start),
            core.start_pc.eq(dcrs.startup_addr),
            core.start_arg.eq(dcrs.startup_arg),
            self.busy.eq(core.busy),
        ]
        return m
