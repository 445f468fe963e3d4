"""Vortex's 32-bit memory map as simtlab implements it (docs/isa.md): every address constant.

Pure Python: the RTL, the harness (through its generated header), the emulator, the driver, the
linker script and the kernels' C header all take their addresses from here.
"""

import enum
from dataclasses import dataclass

__all__ = [
    "MemoryMap",
    "RegionKind",
    "Region",
    "regions",
]


class MemoryMap:
    """Vortex's 32-bit memory map (see docs/isa.md). Every address constant lives here."""
    #: I/O area: a byte written to ``IO_COUT`` goes to the host console; a word written to ``IO_EXIT``
    #: ends the run with that exit code.
    IO_BASE = 0x0000_0040
    IO_SIZE = 0x0000_00C0
    IO_COUT = 0x0000_0040
    IO_EXIT = 0x0000_0080
    #: Device heap: ``Device.alloc`` hands out addresses from here.
    HEAP_BASE = 0x0001_0000
    HEAP_SIZE = 0x3FFF_0000
    #: Kernel code and data; the default startup address.
    CODE_BASE = 0x8000_0000
    CODE_SIZE = 0x1000_0000
    #: The deep-learning tile's registers (NVDLA nv_small needs 56 KiB of its 64 KiB).
    MMIO_BASE = 0xF000_0000
    MMIO_SIZE = 0x0001_0000
    #: Stacks grow down from ``STACK_TOP``, ``2**stack_log_size`` bytes per hardware thread.
    STACK_TOP = 0xFFFF_0000
    STACK_REGION_BASE = 0xF100_0000
    #: Per-core local (shared) memory.
    LMEM_BASE = 0xFFFF_0000


class RegionKind(str, enum.Enum):
    """What backs a mapped address range. Members compare equal to their names ("ram", ...);
    :attr:`code` is the number the harness uses (its generated ``KIND_*`` constants)."""
    RAM = "ram"     #: sparse, zero-initialised memory
    IO = "io"       #: console and exit registers
    MMIO = "mmio"   #: the deep-learning tile's registers (word accesses only); faults without a tile

    @property
    def code(self):
        return _KIND_CODES[self]

    def __str__(self):          # "ram" in messages, as the plain strings were
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)


_KIND_CODES = {RegionKind.RAM: 1, RegionKind.IO: 2, RegionKind.MMIO: 3}


@dataclass(frozen=True)
class Region:
    """One mapped address range."""
    name: str
    base: int
    size: int
    kind: RegionKind
    doc: str = ""

    @property
    def end(self):
        return self.base + self.size

    def contains(self, addr, nbytes=1):
        return self.base <= addr and addr + nbytes <= self.end


def regions(lmem_size):
    """Mapped address ranges, in address order, for a core with ``lmem_size`` bytes of local
    memory. Anything else faults."""
    mm = MemoryMap
    return (
        Region("io", mm.IO_BASE, mm.IO_SIZE, RegionKind.IO,
               f"a byte stored to 0x{mm.IO_COUT:X} (IO_COUT) goes to the host console; a word stored "
               f"to 0x{mm.IO_EXIT:X} (IO_EXIT) ends the run with that exit code"),
        Region("heap", mm.HEAP_BASE, mm.HEAP_SIZE, RegionKind.RAM,
               "device buffers (`Device.alloc`, 64-byte aligned)"),
        Region("code", mm.CODE_BASE, mm.CODE_SIZE, RegionKind.RAM,
               f"kernel code and data (link.ld); default startup address 0x{mm.CODE_BASE:08X}"),
        Region("mmio", mm.MMIO_BASE, mm.MMIO_SIZE, RegionKind.MMIO,
               "the deep-learning tile's registers, word accesses only (faults without a tile)"),
        Region("stack", mm.STACK_REGION_BASE, mm.STACK_TOP - mm.STACK_REGION_BASE, RegionKind.RAM,
               f"stacks grow down from 0x{mm.STACK_TOP:08X}, 2^stack_log_size bytes per hardware "
               f"thread"),
        Region("lmem", mm.LMEM_BASE, lmem_size, RegionKind.RAM,
               "per-core local (shared) memory, 2^lmem_log_size bytes"),
    )
