"""The one configuration of a simtlab device.

A frozen :class:`SimtConfig` elaborates the RTL, configures the Verilator harness and the golden model,
drives :class:`simtlab.Device` and generates the C header that kernels include
(``simtlab_config.h``). Its :meth:`SimtConfig.key` keys the model-build cache. No address, CSR number or
size used by more than one of those parts is written down anywhere else.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

__all__ = [
    "Region",
    "TileConfig",
    "SimtConfig",
    "MemoryMap",
    "CSR",
    "DCR",
    "FaultCause",
    "RunStatus",
    "PRESETS",
]


@dataclass(frozen=True)
class Region:
    """One mapped address range. ``kind`` is "ram" (sparse, zero-initialised), "io" (console and exit
    registers) or "mmio" (reserved for the deep-learning tile; faults until the tile exists)."""
    name: str
    base: int
    size: int
    kind: str

    @property
    def end(self):
        return self.base + self.size

    def contains(self, addr, nbytes=1):
        return self.base <= addr and addr + nbytes <= self.end


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
    #: Reserved for the deep-learning tile's registers (NVDLA nv_small needs 56 KiB).
    MMIO_BASE = 0xF000_0000
    MMIO_SIZE = 0x0001_0000
    #: Stacks grow down from ``STACK_TOP``, ``2**stack_log_size`` bytes per hardware thread.
    STACK_TOP = 0xFFFF_0000
    STACK_REGION_BASE = 0xF100_0000
    #: Per-core local (shared) memory.
    LMEM_BASE = 0xFFFF_0000


class CSR:
    """CSR numbers (Vortex's, see docs/isa.md)."""
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


class DCR:
    """Device configuration registers written by the host before start (Vortex's numbers)."""
    STARTUP_ADDR0 = 0x001
    STARTUP_ADDR1 = 0x002
    STARTUP_ARG0 = 0x003
    STARTUP_ARG1 = 0x004
    MPM_CLASS = 0x005


class FaultCause:
    """mcause values the core reports on its fault port (RISC-V privileged spec numbering)."""
    INSN_MISALIGNED = 0
    INSN_ACCESS = 1
    ILLEGAL_INSN = 2
    LOAD_MISALIGNED = 4
    LOAD_ACCESS = 5
    STORE_MISALIGNED = 6
    STORE_ACCESS = 7

    #: SIMT faults (custom mcause range, see docs/simt.md)
    IPDOM_OVERFLOW = 24
    JOIN_WITHOUT_SPLIT = 25
    BARRIER_RANGE = 26
    WSPAWN_RANGE = 27

    NAMES = {
        0: "instruction address misaligned",
        1: "instruction access fault",
        2: "illegal instruction",
        4: "load address misaligned",
        5: "load access fault",
        6: "store address misaligned",
        7: "store access fault",
        24: "IPDOM stack overflow",
        25: "join without split",
        26: "barrier id or count out of range",
        27: "wspawn count out of range",
    }


class RunStatus:
    """Why a run stopped (shared by the harness, the emulator and the driver)."""
    DONE = 1        #: the device fell idle (every warp retired)
    TOHOST = 2      #: a kernel wrote an odd value to its ``tohost`` symbol
    EXIT = 3        #: a kernel wrote to ``MemoryMap.IO_EXIT``
    FAULT = 4       #: illegal instruction, misaligned or unmapped access
    WATCHDOG = 5    #: the cycle (or instruction) limit ran out

    NAMES = {1: "done", 2: "tohost", 3: "exit", 4: "fault", 5: "watchdog"}


@dataclass(frozen=True, kw_only=True)
class TileConfig:
    """Shape of the NVDLA nv_small-style deep-learning tile (docs/tile.md).

    Parameters
    ----------
    atom_c, atom_k:
        The MAC array: AtomC int8 channels per feature atom x AtomK kernels (MAC cells); nv_small is
        8 x 8 = 64 MACs. Powers of two, 4..32.
    cbuf_banks, cbuf_bank_bytes:
        The convolution buffer: banks shared between data and weights by software (D_BANK);
        nv_small: 32 banks of 4 KiB (512 entries of 8 bytes) = 128 KiB.
    stripe:
        Output pixels per stripe (feature atoms streamed while one weight set stays): 16-32 in NVDLA.
    """
    atom_c: int = 8
    atom_k: int = 8
    cbuf_banks: int = 32
    cbuf_bank_bytes: int = 4096
    stripe: int = 16

    def __post_init__(self):
        for knob in ("atom_c", "atom_k", "cbuf_banks", "cbuf_bank_bytes", "stripe"):
            value = getattr(self, knob)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"TileConfig.{knob} must be an integer, not {value!r}")
        for knob in ("atom_c", "atom_k"):
            value = getattr(self, knob)
            if value not in (4, 8, 16, 32):
                raise ValueError(f"{knob} must be 4, 8, 16 or 32, not {value!r}")
        if not 2 <= self.cbuf_banks <= 32:
            raise ValueError(f"cbuf_banks must be 2..32, not {self.cbuf_banks!r}")
        if self.cbuf_bank_bytes not in (1024, 2048, 4096, 8192):
            raise ValueError(f"cbuf_bank_bytes must be 1, 2, 4 or 8 KiB, not {self.cbuf_bank_bytes!r}")
        if not 1 <= self.stripe <= 64:
            raise ValueError(f"stripe must be 1..64, not {self.stripe!r}")

    @property
    def macs(self):
        return self.atom_c * self.atom_k

    @property
    def cbuf_bytes(self):
        return self.cbuf_banks * self.cbuf_bank_bytes


@dataclass(frozen=True, kw_only=True)
class SimtConfig:
    """Parameters of one simtlab device.

    Parameters
    ----------
    cores, warps, threads:
        Cores (1 for now), warps per core (1..32), threads (lanes) per warp (1..32).
    mem_latency:
        Cycles from a memory request to its response at the device's ports in the harness's memory
        model (>= 1). The top registers responses, so the core sees them one cycle later.
    block_bytes:
        Bytes of one memory request (Vortex's 64-byte block); lanes of a warp that fall into one
        block share a request.
    startup_addr:
        Reset PC (DCR STARTUP_ADDR0/1 overrides it at launch).
    stack_log_size:
        log2 of the stack bytes per hardware thread (Vortex: 13, 8 KiB).
    lmem_log_size:
        log2 of the local memory bytes per core (Vortex: 14, 16 KiB).
    muldiv:
        Include the M extension; without it mul/div/rem are illegal instructions.
    fpu:
        Include the F extension (one FPU per lane, docs/fpu.md); without it every F instruction
        (flw/fsw included) is illegal and kernels are compiled for RV32IM (ilp32).
    tile:
        A :class:`TileConfig` to include the deep-learning tile (docs/tile.md): its registers appear
        in the MMIO window (word accesses only) and its DMA shares the data port with the core.
        ``None`` (the default): no tile, and the window faults.
    """
    cores: int = 1
    warps: int = 1
    threads: int = 1
    mem_latency: int = 2
    block_bytes: int = 64
    startup_addr: int = MemoryMap.CODE_BASE
    stack_log_size: int = 13
    lmem_log_size: int = 14
    muldiv: bool = True
    fpu: bool = True
    tile: "TileConfig | None" = None
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        for knob in ("cores", "warps", "threads", "mem_latency", "stack_log_size", "lmem_log_size",
                     "startup_addr", "block_bytes"):
            value = getattr(self, knob)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"SimtConfig.{knob} must be an integer, not {value!r}")
        for knob in ("muldiv", "fpu"):
            if not isinstance(getattr(self, knob), bool):
                raise TypeError(f"SimtConfig.{knob} must be True or False, not {getattr(self, knob)!r}")
        if self.tile is not None and not isinstance(self.tile, TileConfig):
            raise TypeError(f"SimtConfig.tile must be a TileConfig or None, not {self.tile!r}")
        if self.cores != 1:
            raise ValueError(f"cores must be 1 for now (multi-core comes later), not {self.cores!r}")
        for knob in ("warps", "threads"):
            value = getattr(self, knob)
            if not 1 <= value <= 32:
                raise ValueError(f"{knob} must be between 1 and 32, not {value!r}")
        if self.block_bytes not in (64,):
            raise ValueError(f"block_bytes must be 64, not {self.block_bytes!r}")
        if not 1 <= self.mem_latency <= 64:
            raise ValueError(f"mem_latency must be between 1 and 64 cycles, not {self.mem_latency!r}")
        if self.startup_addr % 4 or not MemoryMap.CODE_BASE <= self.startup_addr < \
                MemoryMap.CODE_BASE + MemoryMap.CODE_SIZE:
            raise ValueError(f"startup_addr must be word aligned inside the code region, "
                             f"not {self.startup_addr:#x}")
        if not 10 <= self.stack_log_size <= 20:
            raise ValueError(f"stack_log_size must be 10..20, not {self.stack_log_size!r}")
        if not 10 <= self.lmem_log_size <= 16:
            raise ValueError(f"lmem_log_size must be 10..16, not {self.lmem_log_size!r}")

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    # -- derived values ---------------------------------------------------------------------------
    @property
    def hw_threads(self):
        return self.cores * self.warps * self.threads

    @property
    def num_barriers(self):
        return max(2, self.warps)

    @property
    def ipdom_depth(self):
        """IPDOM stack entries per warp."""
        return 2 * max(1, self.threads - 1)

    @property
    def lmem_size(self):
        return 1 << self.lmem_log_size

    @property
    def stack_size(self):
        return 1 << self.stack_log_size

    @property
    def regions(self):
        """Mapped address ranges, in address order. Anything else faults."""
        mm = MemoryMap
        return (
            Region("io", mm.IO_BASE, mm.IO_SIZE, "io"),
            Region("heap", mm.HEAP_BASE, mm.HEAP_SIZE, "ram"),
            Region("code", mm.CODE_BASE, mm.CODE_SIZE, "ram"),
            Region("mmio", mm.MMIO_BASE, mm.MMIO_SIZE, "mmio"),
            Region("stack", mm.STACK_REGION_BASE, mm.STACK_TOP - mm.STACK_REGION_BASE, "ram"),
            Region("lmem", mm.LMEM_BASE, self.lmem_size, "ram"),
        )

    def region_of(self, addr, nbytes=1):
        for region in self.regions:
            if region.contains(addr, nbytes):
                return region
        return None

    def stack_pointer(self, hart_id):
        """Initial stack pointer of global hardware thread ``hart_id``."""
        return MemoryMap.STACK_TOP - hart_id * self.stack_size

    def as_dict(self):
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.compare}
        if self.tile is not None:
            values["tile"] = dataclasses.asdict(self.tile)
        return values

    def key(self):
        """A short stable hash of everything that changes the generated hardware."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def c_header(self):
        """The C header kernels include (``simtlab_config.h``), generated from this config."""
        lines = [
            "/* Generated by simtlab.config.SimtConfig.c_header() -- do not edit. */",
            "#ifndef SIMTLAB_CONFIG_H",
            "#define SIMTLAB_CONFIG_H",
            "",
        ]
        def define(name, value, comment=None):
            text = f"#define {name:<24} {value}"
            lines.append(text + (f"  /* {comment} */" if comment else ""))
        define("NUM_CORES", self.cores)
        define("NUM_WARPS", self.warps)
        define("NUM_THREADS", self.threads)
        define("STACK_LOG2_SIZE", self.stack_log_size)
        define("STACK_SIZE", f"{self.stack_size}u")
        define("LMEM_LOG_SIZE", self.lmem_log_size)
        define("NUM_BARRIERS", self.num_barriers)
        define("MEM_BLOCK_SIZE", self.block_bytes)
        define("EXT_M_ENABLED", int(self.muldiv))
        define("EXT_F_ENABLED", int(self.fpu))
        lines.append("")
        for name in ("IO_COUT", "IO_EXIT", "HEAP_BASE", "CODE_BASE", "MMIO_BASE", "STACK_TOP",
                     "LMEM_BASE"):
            define(f"{name}_ADDR" if not name.endswith("BASE") else name,
                   f"0x{getattr(MemoryMap, name):08X}u")
        lines.append("")
        for name, value in vars(CSR).items():
            if name.isupper():
                define(f"VX_CSR_{name}", f"0x{value:03X}")
        lines.append("")
        for name, value in vars(DCR).items():
            if name.isupper():
                define(f"VX_DCR_BASE_{name}", f"0x{value:03X}")
        lines += ["", "#endif /* SIMTLAB_CONFIG_H */", ""]
        return "\n".join(lines)


#: Named presets (``simtlab run --config NAME``).
PRESETS = {
    "default": SimtConfig(name="default"),
    "test": SimtConfig(name="test", mem_latency=1),
    "4x4": SimtConfig(name="4x4", warps=4, threads=4),
    "4x16": SimtConfig(name="4x16", warps=4, threads=16),
    "slowmem": SimtConfig(name="slowmem", mem_latency=8),
    "tile": SimtConfig(name="tile", warps=4, threads=4, tile=TileConfig()),
}
