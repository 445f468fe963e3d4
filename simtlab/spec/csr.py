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
    def counts_cycles(self):
        """The cycle counters: the emulator counts one cycle per instruction, so a lock-step run
        reads different values from the two backends and masks them."""
        return self in (CSR.MCYCLE, CSR.MCYCLEH, CSR.CYCLE, CSR.CYCLEH)


class DCR(enum.IntEnum):
    """Device configuration registers written by the host before start (Vortex's numbers)."""
    STARTUP_ADDR0 = 0x001
    STARTUP_ADDR1 = 0x002
    STARTUP_ARG0 = 0x003
    STARTUP_ARG1 = 0x004
    MPM_CLASS = 0x005
