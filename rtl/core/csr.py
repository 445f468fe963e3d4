"""Control and status registers of one core: counters, mscratch, FP control, Vortex's id CSRs."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...config import CSR, MemoryMap

__all__ = [
    "CsrFile",
]


class CsrFile(wiring.Component):
    """Reads and writes CSRs for the execute stage; counts cycles and retired instructions.

    Parameters
    ----------
    config : SimtConfig
        Supplies the values of the count and id CSRs (0xFC0-0xFC3).

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
    addr : In(12)
    funct3 : In(3)
        csrrw/s/c (1-3) and their immediate forms (5-7).
    src : In(32)
        rs1's value, or the zero-extended immediate.
    src_zero : In(1)
        The rs1 field is x0 / the immediate is 0: csrrs/csrrc then do not write.
    commit : In(1)
        The instruction in execute leaves it this cycle: perform the write.
    rdata : Out(32)
        The CSR's value before the write (combinational).
    illegal : Out(1)
        Unknown CSR, or a write to a read-only one (number 0xC00-0xFFF).

    Latency: combinational read, write at the clock edge. mcycle and minstret ignore writes.
    """

    start: In(1)
    start_arg: In(32)
    running: In(1)
    retire: In(1)
    inflight: In(2)
    addr: In(12)
    funct3: In(3)
    src: In(32)
    src_zero: In(1)
    commit: In(1)
    rdata: Out(32)
    illegal: Out(1)

    def __init__(self, config):
        self._config = config
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        cfg = self._config

        mcycle = Signal(64)
        minstret = Signal(64)
        mscratch = Signal(32)
        fflags = Signal(5)
        frm = Signal(3)
        instret_now = Signal(64)
        m.d.comb += instret_now.eq(minstret + self.inflight)

        with m.If(self.start):
            m.d.sync += [mcycle.eq(0), minstret.eq(0), mscratch.eq(self.start_arg)]
        with m.Else():
            with m.If(self.running):
                m.d.sync += mcycle.eq(mcycle + 1)
            with m.If(self.retire):
                m.d.sync += minstret.eq(minstret + 1)

        # Read-only values: (number, value).
        constants = {
            CSR.THREAD_ID: 0, CSR.WARP_ID: 0, CSR.CORE_ID: 0,
            CSR.ACTIVE_WARPS: 1, CSR.ACTIVE_THREADS: 1,
            CSR.NUM_THREADS: cfg.threads, CSR.NUM_WARPS: cfg.warps, CSR.NUM_CORES: cfg.cores,
            CSR.LMEM_BASE: MemoryMap.LMEM_BASE, CSR.MHARTID: 0,
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
        new = Signal(32)
        with m.Switch(self.funct3[0:2]):
            with m.Case(1):
                m.d.comb += new.eq(self.src)
            with m.Case(2):
                m.d.comb += new.eq(self.rdata | self.src)
            with m.Case(3):
                m.d.comb += new.eq(self.rdata & ~self.src)

        read_only = self.addr[10:12] == 0b11
        with m.Switch(self.addr):
            for number, value in constants.items():
                with m.Case(number):
                    m.d.comb += self.rdata.eq(value)
            for number, value in counters.items():
                with m.Case(number):
                    m.d.comb += self.rdata.eq(value)
            for number, reg in writable.items():
                with m.Case(number):
                    m.d.comb += self.rdata.eq(reg)
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
