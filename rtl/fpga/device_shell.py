"""What the FPGA board wraps around the SoC: its memory (on-chip RAM), the launch sequence and the
run's end state and counters, as one host port (the UART bridge's, docs/fpga.md)."""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ...spec.memory import BLOCK_BYTES
from ...spec.status import RunStatus
from ..mem.arbiter import MemArbiter
from ..mem.bus import MemSignature
from ..soc.dcr import DcrWriteSignature
from ..soc.top import SimtTop
from .onchip_ram import OnChipMemory

__all__ = [
    "HOST_TAG_WIDTH",
    "StatusSignature",
    "DeviceShell",
]

#: Tag bits of the host's memory port.
HOST_TAG_WIDTH = 16

#: The run as the host polls it. ``status`` is a :class:`~simtlab.spec.status.RunStatus` value:
#: RUNNING (0) from a launch until the run ends (also before the first launch: ``launched`` 0),
#: then DONE, TOHOST, EXIT or FAULT, held until the next launch. ``code``: the exit code or tohost
#: value >> 1; ``fault_*``: the first fault's. Counters count from the start pulse to the end.
StatusSignature = wiring.Signature({
    "launched": Out(1),
    "status": Out(3),
    "code": Out(32),
    "fault_cause": Out(8),
    "fault_pc": Out(32),
    "fault_addr": Out(32),
    "cycles": Out(48),
    "instret": Out(48),
    "thread_instrs": Out(48),
})


class DeviceShell(wiring.Component):
    """The SoC (:class:`~simtlab.rtl.soc.top.SimtTop`), its on-chip memory and its run control.

    Parameters
    ----------
    config : SimtConfig
        Without a tile (the tile's host register port is not bridged yet).
    window_bytes : int
        Of :class:`~.onchip_ram.OnChipMemory`.

    Members
    -------
    host : In(MemSignature(data_width=512, tag_width=16))
        The host's accesses to device memory; a round-robin arbiter shares the RAM between it and
        the SoC's instruction and data ports.
    dcr : In(DcrWriteSignature)
        Straight to the SoC's DCRs; the launch resets them, so write them after ``launch``'s reset
        (:attr:`reset` low again) and before ``start``.
    reset : In(1)
        Hold the SoC in reset (and clear the memory's end event and console) while high.
    start : In(1)
        One-cycle pulse: the SoC starts, the counters restart, ``status`` becomes RUNNING.
    tohost : In(data.StructLayout({"on": 1, "addr": 32}))
        The tohost watch (:class:`~.onchip_ram.OnChipMemory`).
    status : Out(StatusSignature)
    console : Out(stream.Signature(8))
        Bytes the kernel stored to IO_COUT.
    busy : Out(1)
        The SoC's busy output (for a LED).

    Latency: ``status`` follows the SoC by one cycle; a run ends in the cycle after its fault, its
    ending store's acceptance at the memory or its busy falling.
    """

    def __init__(self, config, *, window_bytes=16384):
        if config.tile is not None:
            raise ValueError("the FPGA shell does not bridge the tile's registers yet: "
                             "use a configuration without a tile")
        self._config, self._window_bytes = config, window_bytes
        super().__init__({
            "host": In(MemSignature(data_width=8 * BLOCK_BYTES, tag_width=HOST_TAG_WIDTH)),
            "dcr": In(DcrWriteSignature),
            "reset": In(1),
            "start": In(1),
            "tohost": In(data.StructLayout({"on": 1, "addr": 32})),
            "status": Out(StatusSignature),
            "console": Out(stream.Signature(8)),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        m.submodules.soc = soc = ResetInserter(self.reset)(SimtTop(cfg))
        masters = (soc.imem, soc.dmem, self.host)
        tag_width = max(len(port.req.tag) for port in masters)
        m.submodules.arbiter = arbiter = MemArbiter(count=len(masters), data_width=8 * BLOCK_BYTES,
                                                    tag_width=tag_width)
        for port, master in zip(masters, arbiter.masters):
            self._attach(m, port, master)
        m.submodules.ram = ram = OnChipMemory(window_bytes=self._window_bytes,
                                              tag_width=len(arbiter.bus.req.tag))
        wiring.connect(m, arbiter=arbiter.bus, ram=ram.bus)
        wiring.connect(m, ram=ram.console, out=wiring.flipped(self.console))
        m.d.comb += [ram.tohost.eq(self.tohost), ram.clear.eq(self.reset), self.busy.eq(soc.busy)]
        wiring.connect(m, host=wiring.flipped(self.dcr), soc=soc.dcr)
        m.d.comb += soc.start.eq(self.start)

        status = self.status
        running = Signal()
        with m.If(self.start):
            m.d.sync += [running.eq(1), status.launched.eq(1), status.status.eq(RunStatus.RUNNING),
                         status.cycles.eq(0), status.instret.eq(0), status.thread_instrs.eq(0),
                         status.code.eq(0)]
        with m.Elif(running):
            retired = soc.retire.valid
            tmask = soc.retire.tmask
            m.d.sync += [
                status.cycles.eq(status.cycles + 1),
                status.instret.eq(status.instret + sum(retired[c] for c in range(cfg.cores))),
                status.thread_instrs.eq(status.thread_instrs + sum(
                    Mux(retired[c], sum(tmask[c][i] for i in range(cfg.threads)), 0)
                    for c in range(cfg.cores))),
            ]
            # Precedence: a fault, then an ending store, then the device falling idle.
            with m.If(soc.fault.valid):
                m.d.sync += [running.eq(0), status.status.eq(RunStatus.FAULT),
                             status.fault_cause.eq(soc.fault.cause), status.fault_pc.eq(soc.fault.pc),
                             status.fault_addr.eq(soc.fault.addr)]
            with m.Elif(ram.end.valid):
                m.d.sync += [running.eq(0), status.code.eq(ram.end.code),
                             status.status.eq(Mux(ram.end.tohost, RunStatus.TOHOST, RunStatus.EXIT))]
            with m.Elif(~soc.busy):
                m.d.sync += [running.eq(0), status.status.eq(RunStatus.DONE)]
        return m

    @staticmethod
    def _attach(m, port, master):
        """``port`` (a master's MemSignature) onto an arbiter input whose tag may be wider."""
        req, rsp = port.req, port.rsp
        m.d.comb += [
            master.req.valid.eq(req.valid), master.req.addr.eq(req.addr), master.req.we.eq(req.we),
            master.req.data.eq(req.data), master.req.be.eq(req.be), master.req.op.eq(req.op),
            master.req.tag.eq(req.tag), req.ready.eq(master.req.ready),
            rsp.valid.eq(master.rsp.valid), rsp.data.eq(master.rsp.data),
            rsp.tag.eq(master.rsp.tag), rsp.err.eq(master.rsp.err),
        ]
