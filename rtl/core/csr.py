"""Control and status registers of one core: counters, mscratch, per-warp FP control (fcsr),
Vortex's id CSRs."""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.csr import CSR
from ...spec.memory import MemoryMap
from ..common.checks import check_config, check_int

__all__ = [
    "CsrFile",
]


class CsrFile(wiring.Component):
    """Reads and writes CSRs for the execute stage; counts cycles and retired instructions.

    Parameters
    ----------
    config : SimtConfig
        Supplies the values of the count and id CSRs (0xFC0-0xFC3) and the lane count.

    Members
    -------
    start : In(1)
        Launch: clears the counters and loads ``mscratch`` from ``start_arg``.
    start_arg : In(32)
    running : In(1)
        mcycle counts the cycles while it is high.
    retire : In(1)
        One instruction retires this cycle (minstret).
    inflight : In(2)
        Instructions older than the one in execute that have not retired yet: a read of minstret
        adds them, so it equals the count of every older instruction, as on the golden model.
    warp : In(range(warps))
        Warp of the instruction in execute (warp id, mhartid).
    warp_tmask : In(threads)
        Its thread mask (active threads CSR).
    active_warps : In(warps)
    addr : In(12)
    funct3 : In(3)
        csrrw/s/c (1-3) and their immediate forms (5-7).
    src : In(32)
        rs1's value in the warp's last active lane, or the zero-extended immediate.
    src_zero : In(1)
        The rs1 field is x0 / the immediate is 0: csrrs/csrrc then do not write.
    commit : In(1)
        The instruction in execute leaves it this cycle: perform the write.
    frm : Out(3)
        The rounding mode of ``warp`` (for dynamic-rounding FP instructions in execute).
    fp_accrue : In(1)
        OR ``fp_flags`` into the fflags of ``fp_warp`` at the clock edge (an FP instruction leaves
        the memory stage). The core keeps a CSR write of the same warp's fflags from coinciding.
    fp_warp : In(range(warps))
    fp_flags : In(5)
    rdata : Out(ArrayLayout(32, threads))
        The CSR's value before the write, per lane (combinational).
    illegal : Out(1)
        Unknown CSR, or a write to a read-only one (number 0xC00-0xFFF).

    fflags, frm and fcsr are per warp, as in Vortex: each warp's copy is 0 at launch.

    Latency: combinational read, write at the clock edge. mcycle and minstret ignore writes.

    Raises
    ------
    TypeError
        ``config`` is not a SimtConfig.
    """

    def __init__(self, config, core_id=0):
        self._config = check_config("CsrFile", config)
        check_int("CsrFile", "core_id", core_id, 0, config.cores - 1)
        self._core_id = core_id
        super().__init__({
            "start": In(1),
            "start_arg": In(32),
            "running": In(1),
            "retire": In(1),
            "inflight": In(2),
            "warp": In(range(config.warps)),
            "warp_tmask": In(config.threads),
            "active_warps": In(config.warps),
            "addr": In(12),
            "funct3": In(3),
            "src": In(32),
            "src_zero": In(1),
            "commit": In(1),
            "frm": Out(3),
            "fp_accrue": In(1),
            "fp_warp": In(range(config.warps)),
            "fp_flags": In(5),
            "rdata": Out(data.ArrayLayout(32, config.threads)),
            "illegal": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        cfg = self._config

        mcycle = Signal(64)
        minstret = Signal(64)
        mscratch = Signal(32)
        fflags_of = Array(Signal(5, name=f"fflags_{w}") for w in range(cfg.warps))
        frm_of = Array(Signal(3, name=f"frm_{w}") for w in range(cfg.warps))
        fflags, frm = fflags_of[self.warp], frm_of[self.warp]
        m.d.comb += self.frm.eq(frm)
        with m.If(self.fp_accrue):
            m.d.sync += fflags_of[self.fp_warp].eq(fflags_of[self.fp_warp] | self.fp_flags)
        instret_now = Signal(64)
        m.d.comb += instret_now.eq(minstret + self.inflight)

        with m.If(self.start):
            m.d.sync += [mcycle.eq(0), minstret.eq(0), mscratch.eq(self.start_arg)]
            m.d.sync += [reg.eq(0) for reg in (*fflags_of, *frm_of)]
        with m.Else():
            with m.If(self.running):
                m.d.sync += mcycle.eq(mcycle + 1)
            with m.If(self.retire):
                m.d.sync += minstret.eq(minstret + 1)

        # Values the same in every lane: (number, value).
        constants = {
            CSR.WARP_ID: self.warp, CSR.CORE_ID: self._core_id,
            CSR.ACTIVE_WARPS: self.active_warps, CSR.ACTIVE_THREADS: self.warp_tmask,
            CSR.NUM_THREADS: cfg.threads, CSR.NUM_WARPS: cfg.warps, CSR.NUM_CORES: cfg.cores,
            CSR.LMEM_BASE: MemoryMap.LMEM_BASE,
            CSR.MVENDORID: 0, CSR.MARCHID: 0, CSR.MIMPID: 0,
        }
        counters = {
            CSR.MCYCLE: mcycle[0:32], CSR.MCYCLEH: mcycle[32:64],
            CSR.CYCLE: mcycle[0:32], CSR.CYCLEH: mcycle[32:64],
            CSR.MINSTRET: instret_now[0:32], CSR.MINSTRETH: instret_now[32:64],
            CSR.INSTRET: instret_now[0:32], CSR.INSTRETH: instret_now[32:64],
        }
        writable = {
            CSR.MSCRATCH: mscratch,
            CSR.FFLAGS: fflags,
            CSR.FRM: frm,
            CSR.FCSR: Cat(fflags, frm),
        }

        writes = Signal()
        m.d.comb += writes.eq((self.funct3[0:2] == 1) | ~self.src_zero)
        uniform = Signal(32)    # the value in every lane, except for the per-lane CSRs below
        new = Signal(32)
        with m.Switch(self.funct3[0:2]):
            with m.Case(1):
                m.d.comb += new.eq(self.src)
            with m.Case(2):
                m.d.comb += new.eq(uniform | self.src)
            with m.Case(3):
                m.d.comb += new.eq(uniform & ~self.src)
        per_lane = self.addr == CSR.THREAD_ID
        per_hart = self.addr == CSR.MHARTID
        for lane in range(cfg.threads):
            hart = (self._core_id * cfg.warps + self.warp) * cfg.threads + lane
            m.d.comb += self.rdata[lane].eq(Mux(per_lane, lane, Mux(per_hart, hart, uniform)))

        read_only = self.addr[10:12] == 0b11
        with m.Switch(self.addr):
            with m.Case(CSR.THREAD_ID, CSR.MHARTID):
                pass
            for number, value in constants.items():
                with m.Case(number):
                    m.d.comb += uniform.eq(value)
            for number, value in counters.items():
                with m.Case(number):
                    m.d.comb += uniform.eq(value)
            for number, reg in writable.items():
                with m.Case(number):
                    m.d.comb += uniform.eq(reg)
                    with m.If(self.commit & writes & ~self.start):
                        if number == CSR.FCSR:
                            m.d.sync += [fflags.eq(new[0:5]), frm.eq(new[5:8])]
                        else:
                            m.d.sync += reg.eq(new[0:len(reg)])
            with m.Default():
                m.d.comb += self.illegal.eq(1)
        with m.If(read_only & writes):
            m.d.comb += self.illegal.eq(1)
        return m
