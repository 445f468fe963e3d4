"""The one configuration of a simtlab device.

A frozen :class:`SimtConfig` elaborates the RTL, configures the Verilator harness and the golden model,
drives :class:`simtlab.Device` and generates the C header that kernels include
(``simtlab_config.h``). Its :meth:`SimtConfig.key` keys the model-build cache. Addresses, CSR numbers
and codes come from :mod:`simtlab.spec`; no size used by more than one of those parts is written down
anywhere else.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from .spec.memory import BLOCK_BYTES, MemoryMap, RegionKind, regions

__all__ = [
    "DramConfig",
    "DRAM_PRESETS",
    "CacheConfig",
    "TileConfig",
    "SimtConfig",
    "Derived",
    "PRESETS",
    "MAX_CORES",
]


#: The largest cluster (SimtConfig.cores); the retire trace numbers warps device-wide in 8 bits.
MAX_CORES = 8


# -- the DRAM timing model of the harness (docs/memory.md) -----------------------------------------
def _is_pow2(value):
    return value > 0 and value & (value - 1) == 0


@dataclass(frozen=True, kw_only=True)
class DramConfig:
    """The harness's memory timing model behind the ``imem``/``dmem`` ports (docs/memory.md).

    ``ideal=True`` (preset ``"ideal"``, the default) answers every request ``SimtConfig.mem_latency``
    cycles after it was accepted, and ignores every other field. Otherwise each ram request goes to a
    channel's in-order (FCFS) controller with an open-row policy; timings are in DRAM clocks and are
    converted to core cycles with ``core_mhz / dram_mhz`` (rounded up; ``t_refi`` rounded down).

    Parameters
    ----------
    preset:
        The name of the preset this came from (``DRAM_PRESETS``) or ``"custom"``.
    ideal:
        Fixed latency instead of the DRAM model.
    channels, banks:
        Independent channels (each with its own data bus and queue) and banks per channel; powers of
        two, 1..16 and 1..64.
    row_bytes:
        Bytes of one bank's row (the row buffer); a power of two, 128..16384 (at least two blocks).
    queue_depth:
        Requests a channel holds, from acceptance until its data burst ends (1..256); a request to a
        full channel is not accepted (the port's ``ready`` falls).
    t_rcd, t_cl, t_rp:
        Activate-to-column, column-to-data (CAS latency) and precharge times, DRAM clocks (>= 1).
    t_burst:
        DRAM clocks the channel's data bus is busy moving one 64-byte block (>= 1).
    t_refi, t_rfc:
        Refresh interval and refresh time, DRAM clocks; 0 and 0: no refresh (else ``t_rfc < t_refi``).
    dram_mhz, core_mhz:
        The two clocks (integers, MHz, 1..10000).
    controller_latency:
        Core cycles added to every DRAM access for the controller and the interconnect (0..1024).
    """
    preset: str = "custom"
    ideal: bool = False
    channels: int = 1
    banks: int = 16
    row_bytes: int = 2048
    queue_depth: int = 32
    t_rcd: int = 14
    t_cl: int = 14
    t_rp: int = 14
    t_burst: int = 4
    t_refi: int = 0
    t_rfc: int = 0
    dram_mhz: int = 1000
    core_mhz: int = 1000
    controller_latency: int = 0

    _INTS = ("channels", "banks", "row_bytes", "queue_depth", "t_rcd", "t_cl", "t_rp", "t_burst",
             "t_refi", "t_rfc", "dram_mhz", "core_mhz", "controller_latency")

    def __post_init__(self):
        if not isinstance(self.preset, str):
            raise TypeError(f"DramConfig.preset must be a str, not {self.preset!r}")
        if not isinstance(self.ideal, bool):
            raise TypeError(f"DramConfig.ideal must be True or False, not {self.ideal!r}")
        for knob in self._INTS:
            value = getattr(self, knob)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"DramConfig.{knob} must be an integer, not {value!r}")
        if not (_is_pow2(self.channels) and self.channels <= 16):
            raise ValueError(f"DramConfig.channels must be a power of two, 1..16, not {self.channels!r}")
        if not (_is_pow2(self.banks) and self.banks <= 64):
            raise ValueError(f"DramConfig.banks must be a power of two, 1..64, not {self.banks!r}")
        if not (_is_pow2(self.row_bytes) and 2 * BLOCK_BYTES <= self.row_bytes <= 16384):
            raise ValueError(f"DramConfig.row_bytes must be a power of two, {2 * BLOCK_BYTES}..16384, "
                             f"not {self.row_bytes!r}")
        if not 1 <= self.queue_depth <= 256:
            raise ValueError(f"DramConfig.queue_depth must be 1..256, not {self.queue_depth!r}")
        for knob in ("t_rcd", "t_cl", "t_rp", "t_burst"):
            if not 1 <= getattr(self, knob) <= 1000:
                raise ValueError(f"DramConfig.{knob} must be 1..1000 DRAM clocks, not {getattr(self, knob)!r}")
        if (self.t_refi == 0) != (self.t_rfc == 0) or self.t_refi < 0 or self.t_rfc < 0 or \
                (self.t_refi and self.t_rfc >= self.t_refi) or self.t_refi > 1_000_000:
            raise ValueError(f"DramConfig.t_refi/t_rfc must both be 0 (no refresh) or satisfy "
                             f"0 < t_rfc < t_refi <= 1000000, not {self.t_refi!r}/{self.t_rfc!r}")
        for knob in ("dram_mhz", "core_mhz"):
            if not 1 <= getattr(self, knob) <= 10000:
                raise ValueError(f"DramConfig.{knob} must be 1..10000 MHz, not {getattr(self, knob)!r}")
        if not 0 <= self.controller_latency <= 1024:
            raise ValueError(f"DramConfig.controller_latency must be 0..1024 cycles, "
                             f"not {self.controller_latency!r}")
        timings = self.core_timings()
        if max(timings.values()) > 100_000_000:   # the harness takes 32-bit core-cycle timings
            slow = max(timings, key=timings.get)
            raise ValueError(f"DramConfig.{slow} is {timings[slow]} core cycles at core_mhz "
                             f"{self.core_mhz} / dram_mhz {self.dram_mhz}; at most 100000000")
        if self.t_refi and timings["t_rfc"] >= timings["t_refi"]:
            raise ValueError(f"DramConfig.t_rfc must stay below t_refi in core cycles "
                             f"(core_mhz {self.core_mhz}, dram_mhz {self.dram_mhz})")

    @classmethod
    def named(cls, name):
        """The preset ``name`` of :data:`DRAM_PRESETS` (ValueError naming the choices)."""
        if not isinstance(name, str):
            raise TypeError(f"a DRAM preset name must be a str, not {name!r}")
        try:
            return DRAM_PRESETS[name]
        except KeyError:
            raise ValueError(f"unknown DRAM preset {name!r}; choose one of "
                             f"{', '.join(DRAM_PRESETS)}") from None

    def core_timings(self):
        """The timings the harness uses, in core cycles: ``t_rcd``, ``t_cl``, ``t_rp``, ``t_burst``,
        ``t_rfc`` (DRAM clocks x core_mhz / dram_mhz, rounded up) and ``t_refi`` (rounded down)."""
        def up(clocks):
            return -(-clocks * self.core_mhz // self.dram_mhz)
        return {"t_rcd": up(self.t_rcd), "t_cl": up(self.t_cl), "t_rp": up(self.t_rp),
                "t_burst": up(self.t_burst), "t_rfc": up(self.t_rfc),
                "t_refi": self.t_refi * self.core_mhz // self.dram_mhz}

    @property
    def row_blocks(self):
        """64-byte blocks in one row."""
        return self.row_bytes // BLOCK_BYTES


#: Named DRAM models (``SimtConfig(dram="hbm2")``); docs/memory.md gives the sources of the figures.
DRAM_PRESETS = {
    # Today's fixed latency (SimtConfig.mem_latency): every cycle count in the repository uses it.
    "ideal": DramConfig(preset="ideal", ideal=True),
    # Vortex's default rtlsim memory: ramulator2 HBM2, org HBM2_8Gb (16 banks, 2 KiB rows per
    # pseudo channel), timing HBM2_2Gbps (tCK 1 ns: nCL = nRCD = nRP = 7, nBL 4, nRFC 160,
    # nREFI 3900), 2 channels (MEMORY_BANKS 2) at MEM_CLOCK_RATIO 1 (DRAM clock = core clock).
    "hbm2": DramConfig(preset="hbm2", channels=2, banks=16, row_bytes=2048, queue_depth=32,
                       t_rcd=7, t_cl=7, t_rp=7, t_burst=4, t_refi=3900, t_rfc=160,
                       dram_mhz=1000, core_mhz=1000, controller_latency=4),
    # One DDR4-2400R channel (JEDEC 17-17-17, 1200 MHz clock, 64-bit bus: BL8 moves 64 bytes in 4
    # clocks), 16 banks (4 groups x 4), 8 KiB rows (x8 devices), tREFI 7.8 us, tRFC 350 ns (8 Gb),
    # with the core at 300 MHz (a Vortex FPGA build's clock): 1 core cycle = 4 DRAM clocks.
    "ddr4": DramConfig(preset="ddr4", channels=1, banks=16, row_bytes=8192, queue_depth=32,
                       t_rcd=17, t_cl=17, t_rp=17, t_burst=4, t_refi=9360, t_rfc=420,
                       dram_mhz=1200, core_mhz=300, controller_latency=4),
}


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


# ---- Caches ---------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CacheConfig:
    """Shape of an L1 cache (rtl/mem/dcache.py; docs/memory.md, "L1 data cache").

    Parameters
    ----------
    size:
        Data bytes (a power of two, at least one line per way).
    ways:
        Associativity (a power of two, 1..16, at most the number of lines).
    line_bytes:
        Bytes of a line: the bus block (``SimtConfig.block_bytes``); a larger line is refused.
    mshrs:
        Reads outstanding below the cache (line fills and uncached reads), 1..32; a miss that finds
        them all busy waits (the ``mshr_stalls`` counter).

    The policy is write-through without write allocate (Vortex's default D$): every store goes to
    memory, and a store hit also updates the line. Replacement: an invalid way first, else a per-set
    round-robin pointer. Only ``RegionKind.RAM`` addresses are cached (:meth:`cacheable`).
    """
    size: int = 16384
    ways: int = 4
    line_bytes: int = BLOCK_BYTES
    mshrs: int = 8

    def __post_init__(self):
        for knob in ("size", "ways", "line_bytes", "mshrs"):
            value = getattr(self, knob)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"CacheConfig.{knob} must be an integer, not {value!r}")
        for knob in ("size", "ways", "line_bytes"):
            value = getattr(self, knob)
            if value < 1 or value & (value - 1):
                raise ValueError(f"CacheConfig.{knob} must be a power of two, not {value!r}")
        if self.line_bytes < 4:
            raise ValueError(f"CacheConfig.line_bytes must be at least 4, not {self.line_bytes!r}")
        if self.size < self.line_bytes:
            raise ValueError(f"CacheConfig.size ({self.size}) must hold at least one line of "
                             f"{self.line_bytes} bytes")
        if self.ways > 16:
            raise ValueError(f"CacheConfig.ways must be at most 16, not {self.ways!r}")
        if self.ways > self.lines:
            raise ValueError(f"CacheConfig.ways ({self.ways}) must not exceed the lines "
                             f"({self.lines}: size {self.size} / line_bytes {self.line_bytes})")
        if not 1 <= self.mshrs <= 32:
            raise ValueError(f"CacheConfig.mshrs must be between 1 and 32, not {self.mshrs!r}")

    @property
    def lines(self):
        return self.size // self.line_bytes

    @property
    def sets(self):
        return self.lines // self.ways

    @property
    def offset_bits(self):
        return (self.line_bytes - 1).bit_length()

    @property
    def set_bits(self):
        return (self.sets - 1).bit_length()

    @property
    def queue_depth(self):
        """Requests accepted and not yet answered (responses leave in request order): room for every
        outstanding read and as many hits behind them."""
        return 2 * self.mshrs

    @staticmethod
    def cacheable(region):
        """Whether the cache keeps lines of ``region`` (a :class:`simtlab.spec.memory.Region`): RAM
        only; the io and mmio windows and unmapped addresses pass through uncached."""
        return region.kind == RegionKind.RAM


@dataclass(frozen=True, kw_only=True)
class Derived:
    """Sizes computed once from a :class:`SimtConfig` (:meth:`SimtConfig.derive`); the RTL reads
    these instead of recomputing them.

    Parameters
    ----------
    warps, threads:
        Copied from the configuration.
    mem_tag_width:
        Tag bits of the core's ``imem``/``dmem`` ports.
    load_tag:
        The dmem tag of a load (bit 15); store responses carry tag 0 and are not waited for.
    fetch_warp_bits, fetch_epoch_bits:
        The fetch tag: warp number in the low bits (room for 32 warps), epoch above it (a redirect
        starts a new epoch, so 16 redirects of a warp may be in flight before an epoch repeats).
    fetch_depth:
        Instruction buffer entries per warp: the smallest power of two >= 4 and >= mem_latency + 3
        (the top registers responses: one warp then fetches one instruction per cycle).
    block_offset_bits, block_word_bits:
        Bits of a byte offset and of a word index inside one memory block.
    load_fifo_depth:
        Load requests in flight (the LSU's routing FIFO): 2 * max(threads, warps).
    ipdom_depth:
        IPDOM stack entries per warp (two per divergent split).
    barriers:
        Barrier table entries.
    lmem_banks, lmem_bank_words:
        Banks of the local memory (``SimtConfig.lmem_banks`` resolved) and words per bank.
    """
    warps: int
    threads: int
    mem_tag_width: int
    load_tag: int
    fetch_warp_bits: int
    fetch_epoch_bits: int
    fetch_depth: int
    block_offset_bits: int
    block_word_bits: int
    load_fifo_depth: int
    ipdom_depth: int
    barriers: int
    lmem_banks: int
    lmem_bank_words: int


@dataclass(frozen=True, kw_only=True)
class SimtConfig:
    """Parameters of one simtlab device.

    Parameters
    ----------
    cores, warps, threads:
        Cores of the cluster (1..MAX_CORES, docs/memory.md "Cores"), warps per core (1..32), threads
        (lanes) per warp (1..32).
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
    lmem_banks:
        Banks of the local memory (a power of two, 1..32; ``None``, the default: one per thread,
        rounded up to a power of two, ``derive().lmem_banks``). Words are interleaved: word
        ``(addr - LMEM_BASE) / 4`` is in bank ``word % lmem_banks``; lanes of a warp that reach one
        bank at different words take a cycle each (docs/memory.md, "Local memory").
    muldiv:
        Include the M extension; without it mul/div/rem are illegal instructions.
    fpu:
        Include the F extension (one FPU per lane, docs/fpu.md); without it every F instruction
        (flw/fsw included) is illegal and kernels are compiled for RV32IM (ilp32).
    tile:
        A :class:`TileConfig` to include the deep-learning tile (docs/tile.md): its registers appear
        in the MMIO window (word accesses only) and its DMA shares the data port with the core.
        ``None`` (the default): no tile, and the window faults.
    dram:
        The harness's memory timing model: a :class:`DramConfig` or a :data:`DRAM_PRESETS` name
        (``"ideal"``, the default: ``mem_latency`` for every request; ``"hbm2"``, ``"ddr4"``). A
        run-time setting of the harness: it is not part of :meth:`key` (one model library serves
        every DRAM model).
    dcache:
        A :class:`CacheConfig` to put an L1 data cache between the core's data port and memory;
        ``None`` (the default): none, every load and store goes to memory. Not with a tile (its DMA
        would not see the cache's lines).
    icache:
        A :class:`CacheConfig` for an L1 instruction cache (the same cache, read only) between the
        core's fetch port and memory; ``None`` (the default): none. Code is not expected to change
        during a launch (a launch forgets every line).
    l2:
        A :class:`CacheConfig` for a shared L2 cache on the data path: every core's data requests
        (after their L1s) meet in one arbiter, then the L2, then memory (docs/memory.md, "L2
        cache"). The same write-through cache as the L1s, so memory and the L2 always agree and
        atomics still happen in memory. ``None`` (the default): none. Not with a tile.
    clock_gating:
        Build the FPU and the tile with gated clocks (the default: an idle unit costs a simulator
        nothing); ``False`` gives their clock-enable variants, the same logic on one clock (FPGA
        builds, docs/fpga.md). Cycle behaviour is the same either way.
    """
    cores: int = 1
    warps: int = 1
    threads: int = 1
    mem_latency: int = 2
    block_bytes: int = BLOCK_BYTES
    startup_addr: int = MemoryMap.CODE_BASE
    stack_log_size: int = 13
    lmem_log_size: int = 14
    lmem_banks: "int | None" = None
    muldiv: bool = True
    fpu: bool = True
    tile: "TileConfig | None" = None
    dram: "DramConfig | str" = "ideal"
    dcache: "CacheConfig | None" = None
    icache: "CacheConfig | None" = None
    l2: "CacheConfig | None" = None
    clock_gating: bool = True
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        if isinstance(self.dram, str):
            object.__setattr__(self, "dram", DramConfig.named(self.dram))
        elif not isinstance(self.dram, DramConfig):
            raise TypeError(f"SimtConfig.dram must be a DramConfig or a preset name, not {self.dram!r}")
        optional = () if self.lmem_banks is None else ("lmem_banks",)
        for knob in ("cores", "warps", "threads", "mem_latency", "stack_log_size", "lmem_log_size",
                     "startup_addr", "block_bytes") + optional:
            value = getattr(self, knob)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"SimtConfig.{knob} must be an integer, not {value!r}")
        for knob in ("muldiv", "fpu", "clock_gating"):
            if not isinstance(getattr(self, knob), bool):
                raise TypeError(f"SimtConfig.{knob} must be True or False, not {getattr(self, knob)!r}")
        if self.tile is not None and not isinstance(self.tile, TileConfig):
            raise TypeError(f"SimtConfig.tile must be a TileConfig or None, not {self.tile!r}")
        for knob in CACHE_KNOBS:
            value = getattr(self, knob)
            if value is not None and not isinstance(value, CacheConfig):
                raise TypeError(f"SimtConfig.{knob} must be a CacheConfig or None, not {value!r}")
        if not 1 <= self.cores <= MAX_CORES:
            raise ValueError(f"cores must be between 1 and {MAX_CORES}, not {self.cores!r}")
        for knob in ("warps", "threads"):
            value = getattr(self, knob)
            if not 1 <= value <= 32:
                raise ValueError(f"{knob} must be between 1 and 32, not {value!r}")
        if self.block_bytes != BLOCK_BYTES:
            raise ValueError(f"block_bytes must be {BLOCK_BYTES}, not {self.block_bytes!r}")
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
        if self.lmem_banks is not None and (not 1 <= self.lmem_banks <= 32 or
                                            self.lmem_banks & (self.lmem_banks - 1)):
            raise ValueError(f"lmem_banks must be a power of two in 1..32, not {self.lmem_banks!r}")
        stacks = MemoryMap.STACK_TOP - MemoryMap.STACK_REGION_BASE
        if self.hw_threads << self.stack_log_size > stacks:
            raise ValueError(f"{self.hw_threads} hardware threads x 2^{self.stack_log_size}-byte stacks "
                             f"do not fit the {stacks >> 20} MiB stack region: lower stack_log_size")
        for knob in CACHE_KNOBS:
            cache = getattr(self, knob)
            if cache is None:
                continue
            if cache.line_bytes > self.block_bytes:
                raise ValueError(f"{knob}.line_bytes ({cache.line_bytes}) is larger than the bus "
                                 f"block (block_bytes {self.block_bytes})")
            if cache.line_bytes != self.block_bytes:
                raise ValueError(f"{knob}.line_bytes must be the bus block ({self.block_bytes}), "
                                 f"not {cache.line_bytes!r}")
        if self.tile is not None and self.cores > 1:
            raise ValueError("a tile needs cores=1: the tile's registers have one master port")
        if self.dcache is not None and self.tile is not None:
            raise ValueError("dcache and tile cannot be combined: the tile's DMA is not coherent "
                             "with the L1 data cache")
        if self.l2 is not None and self.tile is not None:
            raise ValueError("l2 and tile cannot be combined: the tile's DMA has a memory port of "
                             "its own beside the cores' data path")

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
        """Mapped address ranges, in address order (:func:`simtlab.spec.memory.regions`). Anything
        else faults."""
        return regions(self.lmem_size)

    def region_of(self, addr, nbytes=1):
        for region in self.regions:
            if region.contains(addr, nbytes):
                return region
        return None

    def derive(self):
        """The :class:`Derived` sizes of this configuration (every width and depth the RTL uses)."""
        fetch_depth = 4
        while fetch_depth < self.mem_latency + 3:
            fetch_depth *= 2
        banks = self.lmem_banks or 1 << (self.threads - 1).bit_length()
        return Derived(
            warps=self.warps,
            threads=self.threads,
            mem_tag_width=16,
            load_tag=1 << 15,
            fetch_warp_bits=5,
            fetch_epoch_bits=4,
            fetch_depth=fetch_depth,
            block_offset_bits=(self.block_bytes - 1).bit_length(),
            block_word_bits=(self.block_bytes // 4 - 1).bit_length(),
            load_fifo_depth=2 * max(self.threads, self.warps),
            ipdom_depth=self.ipdom_depth,
            barriers=self.num_barriers,
            lmem_banks=banks,
            lmem_bank_words=self.lmem_size // 4 // banks,
        )

    def stack_pointer(self, hart_id):
        """Initial stack pointer of global hardware thread ``hart_id``."""
        return MemoryMap.STACK_TOP - hart_id * self.stack_size

    def as_dict(self):
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.compare}
        if self.tile is not None:
            values["tile"] = dataclasses.asdict(self.tile)
        values["dram"] = dataclasses.asdict(self.dram)
        # Left out at their defaults (off, default banks, gated clocks), so every configuration
        # without them keeps its key (and its cached model build).
        if self.clock_gating:
            del values["clock_gating"]
        for knob in CACHE_KNOBS + ("lmem_banks",):
            if values[knob] is None:
                del values[knob]
            elif knob != "lmem_banks":
                values[knob] = dataclasses.asdict(values[knob])
        return values

    def key(self):
        """A short stable hash of everything that changes the generated hardware."""
        values = self.as_dict()
        del values["dram"]  # the harness takes the DRAM model at run time
        text = json.dumps(values, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def c_header(self):
        """The C header kernels include (``simtlab_config.h``), generated from this config
        (:func:`simtlab.spec.generate.config_header`)."""
        from .spec.generate import config_header
        return config_header(self)


#: The SimtConfig fields that hold a CacheConfig (or None), in the order the harness reports them.
CACHE_KNOBS = ("dcache", "icache", "l2")

#: Named presets (``simtlab run --config NAME``).
PRESETS = {
    "default": SimtConfig(name="default"),
    "test": SimtConfig(name="test", mem_latency=1),
    "4x4": SimtConfig(name="4x4", warps=4, threads=4),
    "4x16": SimtConfig(name="4x16", warps=4, threads=16),
    "slowmem": SimtConfig(name="slowmem", mem_latency=8),
    "tile": SimtConfig(name="tile", warps=4, threads=4, tile=TileConfig()),
    "l1": SimtConfig(name="l1", warps=4, threads=4, dcache=CacheConfig(), icache=CacheConfig()),
    "2c4x4": SimtConfig(name="2c4x4", cores=2, warps=4, threads=4),
    # Four cores of the vortex preset's shape sharing a 64 KiB L2 on the data path, HBM2 behind it.
    "4c-l2": SimtConfig(name="4c-l2", cores=4, warps=4, threads=4, dcache=CacheConfig(),
                        icache=CacheConfig(), l2=CacheConfig(size=65536, ways=8, mshrs=16),
                        dram="hbm2"),
    # Vortex's default 1-core memory system (16 KiB 4-way L1s, HBM2): the side-by-side of make bench.
    "vortex": SimtConfig(name="vortex", warps=4, threads=4, dcache=CacheConfig(),
                         icache=CacheConfig(), dram="hbm2"),
}
