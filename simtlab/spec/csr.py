"""CSR and DCR numbers (Vortex's, see docs/isa.md and ../shared/reference/vortex-isa.md)."""

import enum

__all__ = [
    "CSR",
    "DCR",
]


class CSR(enum.IntEnum):
    """CSR numbers the core implements."""
    FFLAGS = 0x001
    FRM = 0x002
    FCSR = 0x003
    MSCRATCH = 0x340
    MCYCLE = 0xB00
    MINSTRET = 0xB02
    MCYCLEH = 0xB80
    MINSTRETH = 0xB82
    CYCLE = 0xC00
    INSTRET = 0xC02
    CYCLEH = 0xC80
    INSTRETH = 0xC82
    THREAD_ID = 0xCC0
    WARP_ID = 0xCC1
    CORE_ID = 0xCC2
    ACTIVE_WARPS = 0xCC3
    ACTIVE_THREADS = 0xCC4
    NUM_THREADS = 0xFC0
    NUM_WARPS = 0xFC1
    NUM_CORES = 0xFC2
    LMEM_BASE = 0xFC3
    MVENDORID = 0xF11
    MARCHID = 0xF12
    MIMPID = 0xF13
    MHARTID = 0xF14

    @property
    def doc(self):
        """What the CSR holds (docs/isa.md's CSR table)."""
        return _CSR_DOC[self]

    @property
    def counts_cycles(self):
        """The cycle counters: the emulator counts one cycle per instruction, so a lock-step run
        reads different values from the two backends and masks them."""
        return self in (CSR.MCYCLE, CSR.MCYCLEH, CSR.CYCLE, CSR.CYCLEH)


_CSR_DOC = {
    CSR.FFLAGS: "per warp: accrued FP exception flags ([RV32F](#rv32f))",
    CSR.FRM: "per warp: rounding mode",
    CSR.FCSR: "per warp: `frm << 5 \\| fflags`",
    CSR.MSCRATCH: "the kernel argument pointer at launch (DCR STARTUP_ARG0)",
    CSR.MCYCLE: "cycles since start, low word (writes ignored)",
    CSR.MINSTRET: "warp instructions of the core retired before the reading one, low word (writes "
                  "ignored)",
    CSR.MCYCLEH: "cycles since start, high word",
    CSR.MINSTRETH: "retired warp instructions, high word",
    CSR.CYCLE: "read-only alias of mcycle",
    CSR.INSTRET: "read-only alias of minstret",
    CSR.CYCLEH: "read-only alias of mcycleh",
    CSR.INSTRETH: "read-only alias of minstreth",
    CSR.THREAD_ID: "lane in the warp",
    CSR.WARP_ID: "warp in the core",
    CSR.CORE_ID: "core in the device (0)",
    CSR.ACTIVE_WARPS: "the core's active warps mask",
    CSR.ACTIVE_THREADS: "the warp's thread mask",
    CSR.NUM_THREADS: "threads per warp (the configuration)",
    CSR.NUM_WARPS: "warps per core (the configuration)",
    CSR.NUM_CORES: "cores (the configuration)",
    CSR.LMEM_BASE: "local memory base address (`MemoryMap.LMEM_BASE`)",
    CSR.MVENDORID: "0",
    CSR.MARCHID: "0",
    CSR.MIMPID: "0",
    CSR.MHARTID: "global hardware thread id, `(core * warps + warp) * threads + lane`",
}


class DCR(enum.IntEnum):
    """Device configuration registers written by the host before start (Vortex's numbers)."""
    STARTUP_ADDR0 = 0x001
    STARTUP_ADDR1 = 0x002
    STARTUP_ARG0 = 0x003
    STARTUP_ARG1 = 0x004
    MPM_CLASS = 0x005

    @property
    def doc(self):
        """What the DCR sets (docs/isa.md's DCR table)."""
        return _DCR_DOC[self]


_DCR_DOC = {
    DCR.STARTUP_ADDR0: "start PC, low word",
    DCR.STARTUP_ADDR1: "start PC, high word (must be 0)",
    DCR.STARTUP_ARG0: "argument pointer, loaded into mscratch",
    DCR.STARTUP_ARG1: "argument pointer, high word (stored)",
    DCR.MPM_CLASS: "performance counter class (stored)",
}
