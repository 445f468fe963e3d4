"""``simtlab.Device``: the host driver, in the shape of Vortex's runtime (vx_mem_alloc, vx_copy_to_dev,
vx_upload_kernel_file, vx_start, vx_ready_wait, vx_dump_perf).

A device wraps one backend: the Verilator model of the RTL (``backend="rtl"``) or the golden-model
emulator (``backend="emu"``) or its compiled twin (``backend="fast"``, no tile). All implement the backend protocol (:class:`simtlab.sim.backend.Backend`:
memory, DCRs, start, run, console, trace, warps, the tile), with the same launch semantics, so every
program and kernel -- tile-driving ones included -- runs on either unchanged.
"""

import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import PRESETS, SimtConfig
from ..errors import KernelFailed, KernelFault, WatchdogTimeout
from ..sim.backend import Buffer
from ..sim.result import PIPE_DTYPE
from ..spec.csr import DCR
from ..spec.memory import MemoryMap
from ..spec.status import DEFAULT_MAX_CYCLES, RunStatus
from .elf import Program, load_elf, write_program
from .signature import declared_struct, pack_declared

__all__ = [
    "Buffer",
    "Counters",
    "Device",
    "DeviceBuffer",
    "make_config",
    "pack_args",
    "DEFAULT_MAX_CYCLES",
]

#: Watchdog: a launch that runs longer than this many cycles stops with WatchdogTimeout.
_ALIGN = 64     # Vortex's memory block size: buffers start on a block boundary
_SLICE_SECONDS = 0.25   # a wait's progress bar updates this often


@dataclass(frozen=True)
class DeviceBuffer(Buffer):
    """A :class:`Buffer` from :meth:`Device.alloc`: the device checks it is still allocated
    (``serial``) and whether its dtype is meant (``typed``) whenever it is used."""
    owner: int = 0
    serial: int = 0
    typed: bool = True


class _Heap:
    """First-fit allocator of 64-byte-aligned blocks in [base, base + size)."""

    def __init__(self, base, size):
        self.end = base + size
        self.top = base             # everything from top up is free
        self.holes = []             # freed (addr, size) blocks below top, in address order

    def take(self, nbytes):
        size = (nbytes + _ALIGN - 1) // _ALIGN * _ALIGN
        for i, (addr, hole) in enumerate(self.holes):
            if hole >= size:
                self.holes[i:i + 1] = [(addr + size, hole - size)] if hole > size else []
                return addr
        if self.top + size > self.end:
            free = self.end - self.top + sum(hole for _, hole in self.holes)
            raise MemoryError(f"device heap exhausted: {nbytes} bytes requested, {free} free "
                              f"({len(self.holes)} holes)")
        addr, self.top = self.top, self.top + size
        return addr

    def give(self, addr, nbytes):
        size = (nbytes + _ALIGN - 1) // _ALIGN * _ALIGN
        self.holes.append((addr, size))
        self.holes.sort()
        merged = []
        for a, n in self.holes:     # coalesce neighbours
            if merged and merged[-1][0] + merged[-1][1] == a:
                merged[-1] = (merged[-1][0], merged[-1][1] + n)
            else:
                merged.append((a, n))
        if merged and merged[-1][0] + merged[-1][1] == self.top:
            self.top = merged.pop()[0]
        self.holes = merged


def _shape_dtype(shape, dtype):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise TypeError(f"shape must be ints >= 0, not {shape!r}")
    return tuple(int(n) for n in shape), np.dtype(dtype)


def make_config(config=None, **overrides):
    """A :class:`SimtConfig` from a config, a preset name or None (default), with keyword overrides."""
    if config is None:
        config = PRESETS["default"]
    elif isinstance(config, str):
        try:
            config = PRESETS[config]
        except KeyError:
            raise ValueError(f"unknown configuration preset {config!r}; "
                             f"choose from {', '.join(PRESETS)}") from None
    elif not isinstance(config, SimtConfig):
        raise TypeError(f"config must be a SimtConfig, a preset name or None, not {config!r}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return config.replace(**overrides) if overrides else config


@dataclass(frozen=True)
class Counters:
    """Performance counters of one launch (``Device.wait``'s result).

    ``instrs`` counts warp instructions, ``thread_instrs`` the lanes they ran on; ``perf`` holds the
    backend's further counters: stall cycles by cause (``issue``, ``idle``, ``hazard``, ``memory``,
    ``barrier``, ``fetch``, ``lmem_conflict``; RTL only), ``mem_requests`` and ``mem_bytes`` (and
    ``dram_*`` totals), ``lmem_reads``/``lmem_writes`` (local-memory lanes served; RTL only);
    ``dram`` the DRAM model's counters per channel (RTL with a DRAM model only, docs/memory.md);
    ``caches`` each cache's ``hits``/``misses``/``mshr_stalls`` by kind, ``{"dcache": [per core],
    "icache": [per core], "l2": [one]}`` for the caches the config has (RTL only; sums in
    ``perf`` as ``dcache_hits``, ...).
    """
    cycles: int
    instrs: int
    status: str
    code: int = 0
    threads: int = 1
    thread_instrs: int = 0
    perf: dict = field(default_factory=dict)
    dram: list = field(default_factory=list)
    caches: dict = field(default_factory=dict)

    def hit_rate(self, kind):
        """Hits / (hits + misses) of cache ``kind`` (``"dcache"``, ``"icache"``, ``"l2"``) over
        all its instances; KeyError if the config has no such cache."""
        hits = sum(cache["hits"] for cache in self.caches[kind])
        total = hits + sum(cache["misses"] for cache in self.caches[kind])
        return hits / total if total else 0.0

    @property
    def dram_utilization(self):
        """Per DRAM channel, the fraction of cycles its data bus was busy."""
        return [ch["busy_cycles"] / self.cycles if self.cycles else 0.0 for ch in self.dram]

    @property
    def ipc(self):
        """Warp instructions per cycle."""
        return self.instrs / self.cycles if self.cycles else 0.0

    @property
    def lane_efficiency(self):
        """Fraction of lanes active in the average retired warp instruction."""
        return self.thread_instrs / (self.instrs * self.threads) if self.instrs else 0.0

    def __str__(self):
        return (f"cycles={self.cycles} instrs={self.instrs} ipc={self.ipc:.3f} "
                f"lanes={self.lane_efficiency:.2f}")

    def report(self):
        """Every counter, one per line."""
        lines = [str(self), f"thread_instrs={self.thread_instrs}"]
        lines += [f"{name}={value}" for name, value in self.perf.items()]
        lines += [f"dram{n}_{name}={value}" for n, channel in enumerate(self.dram)
                  for name, value in channel.items()]
        return "\n".join(lines)


def pack_args(args):
    """The kernel argument struct for ``args``: consecutive little-endian 32-bit words, a Buffer as
    its device address, an int as int32/uint32, a float as binary32 bits."""
    words = []
    for n, arg in enumerate(args):
        if isinstance(arg, Buffer):
            words.append(struct.pack("<I", arg.addr))
        elif isinstance(arg, (bool, np.bool_)):
            raise TypeError(f"kernel argument {n}: bool is ambiguous, pass an int")
        elif isinstance(arg, (int, np.integer)):
            value = int(arg)
            if not -(1 << 31) <= value < (1 << 32):
                raise ValueError(f"kernel argument {n}: {value} does not fit 32 bits")
            words.append(struct.pack("<I", value & 0xFFFF_FFFF))
        elif isinstance(arg, (float, np.floating)):
            try:
                words.append(struct.pack("<f", float(arg)))
            except OverflowError:
                raise ValueError(f"kernel argument {n}: {float(arg)!r} is out of range for "
                                 "binary32") from None
        else:
            raise TypeError(f"kernel argument {n}: expected a Buffer, int or float, "
                            f"not {type(arg).__name__} ({arg!r})")
    return b"".join(words)


class Device:
    """One simulated simtlab device.

    Parameters
    ----------
    config : SimtConfig | str | None
        The configuration, or a preset name ("default", "test", ...).
    backend : "rtl" | "emu" | "fast" | "fpga"
        The Verilator model of the RTL (built on first use, then cached), the golden model, the
        golden model compiled to C++ (docs/fast.md: the same results and traces, no tile), or a
        board running the FPGA build (docs/fpga.md; needs ``port``).
    port : str | serial-like | None
        ``backend="fpga"`` only: the board's serial port (or an open link object).
    max_cycles : int
        Default watchdog limit of :meth:`wait`.
    waves : (int, int) | None
        RTL only: dump a VCD of cycles [from, to) of each run (a separately cached traced build).
    vcd_path : str | Path | None
        Where the VCD goes (default: a file in the temporary directory, see ``device.vcd_path``).
    progress : bool
        Show progress on stderr for steps longer than a second: the model build's stages with the
        elapsed time, a run's cycles and cycles/s.
    **overrides
        SimtConfig fields to change (``mem_latency=4``, ...).

    Example
    -------
    >>> dev = Device()
    >>> a, b = dev.upload(np.arange(8, dtype=np.int32)), dev.upload(np.ones(8, np.int32))
    >>> c = dev.alloc(8 * 4, np.int32)
    >>> dev.run("kernels/examples/vecadd.c", 8, a, b, c)
    >>> dev.download(c)
    """

    def __init__(self, config=None, backend="rtl", *, max_cycles=DEFAULT_MAX_CYCLES, waves=None,
                 vcd_path=None, progress=False, port=None, **overrides):
        self.config = make_config(config, **overrides)
        if port is not None and backend != "fpga":
            raise ValueError("port is for backend='fpga'")
        if backend == "rtl":
            from ..sim.model import VerilatorModel
            self._backend = VerilatorModel(self.config, trace_waves=waves, vcd_path=vcd_path,
                                           progress=progress)
        elif waves is not None:
            raise ValueError("waves (VCD dumps) need backend='rtl'")
        elif backend == "emu":
            from ..sim.emulator import Emulator
            self._backend = Emulator(self.config)
        elif backend == "fast":
            from ..sim.fast import FastEmulator
            self._backend = FastEmulator(self.config)
        elif backend == "fpga":
            if port is None:
                raise ValueError("backend='fpga' needs port= (the board's serial port)")
            from .fpga import FpgaBackend
            self._backend = FpgaBackend(self.config, port)
        else:
            raise ValueError(f"backend must be 'rtl' or 'emu' (or 'fast', 'fpga'), not {backend!r}")
        self.backend_name = backend
        self.progress = bool(progress)
        self.max_cycles = max_cycles
        self._serial = 0
        self.free_all()         # the heap, the live buffers, the argument area
        self._program = None
        self._launched = False
        self._console = bytearray()
        self.last_result = None

    # -- memory ---------------------------------------------------------------------------------
    def alloc(self, nbytes, dtype=None, shape=None):
        """Reserve ``nbytes`` of device memory (64-byte aligned); returns a :class:`DeviceBuffer`.

        Without ``dtype`` the buffer is untyped (bytes; kernels' pointer fields of any type take it);
        with one, a launch checks it against the kernel's pointee type. Freed space is reused
        (first fit). An empty buffer still gets a distinct address."""
        if not isinstance(nbytes, (int, np.integer)) or isinstance(nbytes, bool) or nbytes < 0:
            raise TypeError(f"alloc needs a byte count >= 0, not {nbytes!r}")
        typed = dtype is not None
        dtype = np.dtype(np.uint8 if dtype is None else dtype)
        if dtype.hasobject:
            raise TypeError(f"alloc: dtype {dtype} holds Python objects, which have no device layout")
        addr = self._heap.take(max(int(nbytes), 1))
        if shape is None:
            shape = (int(nbytes) // dtype.itemsize,)
        self._serial += 1
        buffer = DeviceBuffer(addr, int(nbytes), dtype, tuple(shape), owner=id(self),
                              serial=self._serial, typed=typed)
        self._live[buffer.serial] = buffer
        return buffer

    def empty(self, shape, dtype=np.float32):
        """A typed buffer of ``shape`` and ``dtype`` (contents undefined)."""
        shape, dtype = _shape_dtype(shape, dtype)
        return self.alloc(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize, dtype, shape)

    def zeros(self, shape, dtype=np.float32):
        """A typed buffer of ``shape`` and ``dtype`` filled with zeros."""
        return self.full(shape, 0, dtype)

    def full(self, shape, value, dtype=np.float32):
        """A typed buffer of ``shape`` and ``dtype`` filled with ``value``."""
        shape, dtype = _shape_dtype(shape, dtype)
        return self.upload(np.full(shape, value, dtype))

    def free(self, buffer):
        """Release one allocation; using the buffer afterwards raises ValueError."""
        self._check_live(buffer, "free")
        del self._live[buffer.serial]
        self._heap.give(buffer.addr, max(buffer.nbytes, 1))

    def free_all(self):
        """Release every allocation (the heap starts again at its base); earlier buffers go stale."""
        self._live = {}         # serial -> DeviceBuffer of every allocation not freed
        self._heap = _Heap(MemoryMap.HEAP_BASE, MemoryMap.HEAP_SIZE)
        self._args = None

    def _check_live(self, buffer, what):
        """TypeError for a non-Buffer, ValueError for a buffer that was freed or is another
        device's. Plain :class:`Buffer` objects (made by hand, or by a TileBench) pass unchecked."""
        if not isinstance(buffer, Buffer):
            raise TypeError(f"{what} takes a Buffer from Device.alloc, not {buffer!r}")
        if not isinstance(buffer, DeviceBuffer):
            return
        if buffer.owner != id(self):
            raise ValueError(f"{what}: the buffer at {buffer.addr:#010x} belongs to another Device")
        if self._live.get(buffer.serial) is not buffer:
            raise ValueError(f"{what}: stale buffer at {buffer.addr:#010x} ({buffer.nbytes} bytes): it "
                             "was released by free() or free_all(); allocate a new one")

    def upload(self, array, buffer=None):
        """Copy a numpy array to the device (into ``buffer``, or a new allocation); returns the buffer."""
        if not isinstance(array, np.ndarray):
            raise TypeError(f"upload takes a numpy array, not {type(array).__name__}")
        if array.dtype.hasobject:
            raise TypeError(f"upload: a {array.dtype} array holds Python objects, not numbers; "
                            "convert it with astype (e.g. np.int32)")
        data = np.ascontiguousarray(array)
        if buffer is None:
            buffer = self.alloc(data.nbytes, data.dtype, data.shape)
        else:
            self._check_live(buffer, "upload")
            if data.nbytes > buffer.nbytes:
                raise ValueError(f"array of {data.nbytes} bytes does not fit a {buffer.nbytes}-byte buffer")
        if data.nbytes:
            self._backend.write_mem(buffer.addr,
                                    data.astype(data.dtype.newbyteorder("<")).tobytes())
        return buffer

    def download(self, buffer, dtype=None, shape=None):
        """Copy a buffer back as a numpy array (of the buffer's dtype and shape unless given)."""
        self._check_live(buffer, "download")
        dtype = np.dtype(dtype or buffer.dtype)
        data = self._backend.read_mem(buffer.addr, buffer.nbytes) if buffer.nbytes else b""
        array = np.frombuffer(data, dtype=dtype.newbyteorder("<")).astype(dtype)
        return array.reshape(shape if shape is not None else
                             (buffer.shape if dtype == buffer.dtype else (-1,)))

    def write(self, addr, data):
        """Write raw bytes at a device address."""
        self._backend.write_mem(addr, bytes(data))

    def read(self, addr, nbytes):
        """Read raw bytes from a device address."""
        return self._backend.read_mem(addr, nbytes)

    # -- the deep-learning tile (config.tile) ----------------------------------------------------------
    @property
    def backend(self):
        """The backend object (:class:`simtlab.sim.backend.Backend`: VerilatorModel or Emulator)."""
        return self._backend

    def _tile_backend(self):
        if self.config.tile is None or not self._backend.has_tile:
            raise ValueError("this device has no tile: use a config with tile=TileConfig() "
                             "(for example the 'tile' preset)")
        return self._backend

    def tile_write(self, offset, value):
        """Write the tile register at byte ``offset`` of the MMIO window (e.g.
        ``simtlab.drivers.regs.offset("CDMA.D_OP_ENABLE")``) from the host."""
        self._tile_backend().tile_write(offset, value)

    def tile_read(self, offset):
        """Read the tile register at byte ``offset`` of the MMIO window from the host."""
        return self._tile_backend().tile_read(offset)

    def tile_run(self, max_cycles=None):
        """Let the tile work until it raises its interrupt (GLB INTR_STATUS & ~INTR_MASK); returns
        the cycles it took. Raises :class:`~simtlab.errors.TileFault` (naming the unit) if a DMA
        access of the layer fell outside memory or the tile's watchdog stopped it, and
        :class:`~simtlab.errors.WatchdogTimeout` after ``max_cycles`` (default: the device's
        ``max_cycles``)."""
        from ..errors import TileFault, WatchdogTimeout
        limit = self.max_cycles if max_cycles is None else max_cycles
        backend = self._tile_backend()
        cycles = backend.tile_wait(limit)
        fault = backend.tile_fault()
        if fault is not None:
            unit, addr = fault
            from ..spec.tile_regs import UNIT_SPACE, UNITS
            from ..spec.tile_limits import FAULT_UNSUPPORTED, FAULT_WATCHDOG
            names = {u.base // UNIT_SPACE: u.name for u in UNITS}     # the fault names a unit's page
            if unit == FAULT_UNSUPPORTED:
                u = next(u for u in UNITS if u.base // UNIT_SPACE == addr // UNIT_SPACE)
                reg = next(r.name for r in u.registers if r.offset == addr % UNIT_SPACE)
                raise TileFault(f"the tile does not implement the layer {u.name}.{reg} asks for "
                                f"(NVDLA does; docs/tile.md, compatibility): stopped at its start",
                                unit=u.name, addr=addr)
            if unit == FAULT_WATCHDOG:
                reason = getattr(getattr(backend, "tile", None), "fault_reason", None)
                raise TileFault("the tile's watchdog stopped a layer that made no progress "
                                f"({reason or 'an inconsistent register group?'})",
                                unit="watchdog", addr=0)
            name = names.get(unit, f"unit {unit}")
            raise TileFault(f"tile DMA fault: {name} accessed {addr:#010x}, outside device memory",
                            unit=name, addr=addr)
        if cycles is None:
            raise WatchdogTimeout(f"the tile raised no interrupt within {limit} cycles")
        return cycles

    # -- programs ---------------------------------------------------------------------------------
    @property
    def program(self):
        """The :class:`~simtlab.drivers.elf.Program` loaded last (None before the first load)."""
        return self._program

    def load(self, program, *, opt="-O2"):
        """Load a program: a C source (compiled with the kernel runtime for this config), a bare-metal
        assembly source (``.S``: its own ``_start``, no runtime), an ELF path or a Program."""
        if isinstance(program, Program):
            prog = program
        elif isinstance(program, (str, Path)):
            path = Path(program)
            if path.suffix in (".c", ".S", ".s", ".cpp"):
                from ..kernels.compile import compile_kernel
                path = compile_kernel(path, self.config, opt=opt,
                                      runtime=path.suffix not in (".S", ".s"))
            prog = load_elf(path, self.config)
        else:
            raise TypeError(f"load takes a .c/.S source, an ELF path or a Program, not {program!r}")
        write_program(self._backend, prog)
        self._program = prog
        return prog

    def launch(self, program=None, *args):
        """Start a kernel: pack ``args`` (Buffers as addresses, ints, floats) into an argument
        struct in device memory, pass its address through mscratch (DCR STARTUP_ARG) and start at
        the program's entry point. ``program`` may be anything :meth:`load` takes, or None for the
        program loaded last.

        If the program's argument struct is known (``program.signature``: read from its DWARF, see
        :mod:`simtlab.drivers.signature`), the arguments are checked against it -- count, int or
        float, width, a buffer's dtype against the pointee type -- and laid out at its offsets;
        TypeError/ValueError name the field. Otherwise they are packed as 32-bit words
        (:func:`pack_args`). One ctypes.Structure or numpy structured value instead is a struct
        laid out by the caller (Vortex's ``kernel_arg_t`` with ``uint64_t`` addresses): its bytes are
        passed as they are, checked against the kernel's struct when known (size, and the offset
        and width of every member named alike). Stale buffers (freed) are a ValueError. The
        argument struct lives in one area of the heap that every launch reuses."""
        if program is not None:
            self.load(program)
        if self._program is None:
            raise RuntimeError("launch: no program loaded")
        for arg in args:
            if isinstance(arg, Buffer):
                self._check_live(arg, "launch")
        signature = self._program.signature
        if len(args) == 1 and declared_struct(args[0]):
            packed = pack_declared(args[0], signature)
        elif signature is not None:
            packed = signature.pack(args, typed=lambda b: getattr(b, "typed", False))
        else:
            packed = pack_args(args)
        arg_addr = 0
        if packed:
            # One argument area per device, grown when needed: launches do not use up the heap.
            if self._args is None or self._args.nbytes < len(packed):
                if self._args is not None:
                    self.free(self._args)
                self._args = self.alloc(max(len(packed), _ALIGN))
            arg_addr = self._args.addr
            self._backend.write_mem(arg_addr, packed)
        self._backend.dcr_write(DCR.STARTUP_ADDR0, self._program.entry)
        self._backend.dcr_write(DCR.STARTUP_ADDR1, 0)
        self._backend.dcr_write(DCR.STARTUP_ARG0, arg_addr)
        self._backend.dcr_write(DCR.STARTUP_ARG1, 0)
        self._backend.set_tohost(self._program.tohost)
        self._backend.start()
        self._launched = True

    def wait(self, max_cycles=None):
        """Run the launched kernel to its end; return its :class:`Counters`.

        Raises KernelFault (illegal instruction, misaligned or unmapped access: cause, PC, address),
        WatchdogTimeout (more than ``max_cycles``; the message lists every warp's PC) or KernelFailed
        (a tohost failure code or a non-zero exit code).
        """
        if not self._launched:
            raise RuntimeError("wait: nothing launched")
        self._launched = False
        limit = self.max_cycles if max_cycles is None else max_cycles
        if not isinstance(limit, (int, np.integer)) or isinstance(limit, bool) or limit < 0:
            raise TypeError(f"max_cycles must be an int >= 0, not {limit!r}")
        result = self._run_sliced(int(limit))
        self.last_result = result
        self._console += self._backend.console()
        counters = Counters(result.cycles, result.instret, result.status_name, result.code,
                            threads=self.config.threads,
                            thread_instrs=result.thread_instrs,
                            perf=dict(result.perf), dram=list(result.dram),
                            caches={kind: list(counters) for kind, counters in result.caches.items()})
        if result.status == RunStatus.FAULT:
            raise KernelFault(f"kernel fault: {result.describe_fault()}{self._where(result.fault_pc)} "
                              f"after {result.cycles} cycles",
                              cause=result.fault_cause, pc=result.fault_pc, addr=result.fault_addr,
                              result=result)
        if result.status == RunStatus.WATCHDOG:
            if result.warps:
                dump = "\n  ".join(f"{warp}{self._where(warp.pc)}" for warp in result.warps)
            else:
                dump = ", ".join(f"warp {w}: pc=0x{pc:08x}{self._where(pc)}"
                                 for w, pc in enumerate(result.pcs))
            caches = "".join(
                f"\n  {kind}{f' {index}' if kind != 'l2' else ''}: {state['outstanding']} reads "
                f"outstanding below, {state['queued']} requests waiting for an answer"
                for kind, states in result.cache_state.items()
                for index, state in enumerate(states))
            raise WatchdogTimeout(f"watchdog: kernel still running after {limit} cycles "
                                  f"({result.instret} instructions); warps:\n  {dump}"
                                  + (f"\ncaches (L1s per core):{caches}" if caches else ""),
                                  result=result)
        if result.code != 0:
            how = "tohost failure code" if result.status == RunStatus.TOHOST else "exit code"
            raise KernelFailed(f"kernel reported {how} {result.code}", code=result.code,
                               result=result)
        return counters

    def _where(self, pc):
        """`` in main at vecadd.c:18`` for a pc of the loaded program (function, file, line), or ""."""
        location = self._program.locate(pc) if self._program is not None else None
        return f" in {location}" if location is not None else ""

    def _run_sliced(self, limit):
        """``backend.run`` in slices of about :data:`_SLICE_SECONDS` (both backends resume after a
        watchdog stop), updating the progress bar (cycles, cycles/s) between them."""
        from ..progress import bar
        slice_cycles, done = 1 << 14, 0
        with bar(total=limit, desc="run", unit="cycle", unit_scale=True,
                 enabled=self.progress) as progress:
            while True:
                chunk = min(slice_cycles, limit - done)
                began = time.perf_counter()
                result = self._backend.run(chunk)
                spent = time.perf_counter() - began
                done += chunk       # a WATCHDOG result means the whole chunk ran
                progress.update(chunk)
                if result.status != RunStatus.WATCHDOG or done >= limit:
                    return result
                slice_cycles = int(min(max(slice_cycles / max(spent, 1e-6) * _SLICE_SECONDS, 64),
                                       slice_cycles * 4))

    def run(self, program, *args, max_cycles=None):
        """:meth:`launch` then :meth:`wait`."""
        self.launch(program, *args)
        return self.wait(max_cycles)

    def console(self):
        """Text the kernels printed since the last call."""
        text = self._console.decode("utf-8", errors="replace")
        self._console.clear()
        return text

    @property
    def vcd_path(self):
        """The VCD file of a device made with ``waves=``, else None."""
        return getattr(self._backend, "vcd_path", None)

    # -- tracing ------------------------------------------------------------------------------------
    def enable_trace(self, on=True):
        """Record every retired instruction (for the lock-step check)."""
        self._backend.enable_trace(on)

    def trace(self):
        return self._backend.trace()

    def pipeline_trace(self):
        """The RTL's pipeline records since the last call (drains; recorded while the trace is on):
        one per retired instruction, matching :meth:`trace` warp by warp, with the cycles it
        entered D and X and left X (:data:`simtlab.sim.result.PIPE_DTYPE`); an empty array on
        backends without a pipeline (emu, fast). For :func:`simtlab.drivers.konata.write_konata`."""
        read = getattr(self._backend, "pipeline_trace", None)
        return read() if read is not None else np.zeros(0, dtype=PIPE_DTYPE)

    # -- lifetime -------------------------------------------------------------------------------------
    def close(self):
        self._backend.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
