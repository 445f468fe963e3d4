"""The SIMTLAB tinygrad device: tinygrad kernels on a simulated simtlab core (RTL or emulator).

Device names: ``SIMTLAB`` takes the backend from ``SIMTLAB_BACKEND`` (``rtl``, ``emu`` or ``fast``, default
``rtl``) and the shape from ``SIMTLAB_CONFIG`` (a preset of simtlab/config.py or ``WARPSxTHREADS``,
default ``4x4``); options after colons override them, in any order: ``SIMTLAB:emu``,
``SIMTLAB:rtl:4x16``. Each distinct name is its own simulated device.

Memory: one arena of ``SIMTLAB_ARENA_MB`` MiB (default 64) from ``Device.alloc``, managed by
:class:`simtlab.tinygrad.heap.Arena` behind tinygrad's LRUAllocator.

A launch that runs longer than ``SIMTLAB_MAX_CYCLES`` (default: the driver's watchdog limit) stops
with :class:`simtlab.errors.WatchdogTimeout`.

Timing: a kernel launch returns the simulated time, ``cycles / SIMTLAB_CLOCK_MHZ`` (default 100 MHz,
a nominal clock), so tinygrad's ``DEBUG=2`` lines show simulated time; ``device.stats`` keeps the
cycles, instructions and wall time (compile, simulate) of every launch.
"""

import os
import struct
import time
from dataclasses import dataclass, field

from tinygrad.device import Compiled, LRUAllocator, Program
from tinygrad.helpers import DEBUG

from ..drivers.device import Device as SimDevice
from ..sim.backend import Buffer
from .heap import Arena
from .renderer import SimtlabRenderer, arg_layout, config_for

__all__ = [
    "SimtlabDevice",
    "SimtlabAllocator",
    "SimtlabProgram",
    "KernelStats",
    "DeviceStats",
    "parse_device",
    "BACKENDS",
]

BACKENDS = ("rtl", "emu", "fast")
DEFAULT_BACKEND, DEFAULT_SHAPE, DEFAULT_ARENA_MB, DEFAULT_CLOCK_MHZ = "rtl", "4x4", 64, 100.0


def _env_float(name, default):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {text!r}")
    return value


def parse_device(name):
    """``(backend, shape)`` for a device name such as ``SIMTLAB:emu:4x16`` (see the module doc)."""
    backend = os.environ.get("SIMTLAB_BACKEND", "").strip().lower() or DEFAULT_BACKEND
    shape = os.environ.get("SIMTLAB_CONFIG", "").strip().lower() or DEFAULT_SHAPE
    for option in name.split(":")[1:]:
        option = option.strip().lower()
        if option in BACKENDS:
            backend = option
        elif option and not option.isdigit():   # a bare index (SIMTLAB:1) selects nothing
            shape = option
    if backend not in BACKENDS:
        raise ValueError(f"SIMTLAB backend must be one of {', '.join(BACKENDS)}, not {backend!r} "
                         "(SIMTLAB_BACKEND or the device name)")
    config_for(shape)       # fails early with the list of shapes
    return backend, shape


@dataclass
class KernelStats:
    """One launch: kernel name, grid and block, simulated cycles and instructions, wall seconds
    simulating (loading the program, running, reading the counters)."""
    name: str
    grid: tuple
    block: tuple
    cycles: int
    instrs: int
    sim_seconds: float


@dataclass
class DeviceStats:
    """The launches of a SIMTLAB device since it opened (or since :meth:`reset`)."""
    kernels: list = field(default_factory=list)

    @property
    def cycles(self):
        return sum(k.cycles for k in self.kernels)

    @property
    def sim_seconds(self):
        return sum(k.sim_seconds for k in self.kernels)

    def reset(self):
        self.kernels.clear()


class SimtlabAllocator(LRUAllocator):
    """Buffers are ``(address, size)`` in the device arena."""

    def _alloc(self, size, options):
        return Buffer(self.dev.arena.alloc(size), size)

    def _free(self, opaque, options):
        self.dev.arena.free(opaque.addr)

    def _copyin(self, dest, src):
        self.dev.sim.write(dest.addr, bytes(src))

    def _copyout(self, dest, src):
        dest = dest.cast("B")
        dest[:] = self.dev.sim.read(src.addr, len(dest))

    def _offset(self, buf, size, offset):
        return Buffer(buf.addr + offset, size)


class SimtlabProgram(Program):
    """One compiled kernel: an ELF loaded on demand; a call writes the argument area, launches on
    the simulated core and waits (the simulation is synchronous)."""

    def __init__(self, dev, obj):
        from ..drivers.elf import load_elf
        self.dev, self.name = dev, obj.name
        self.program = load_elf(obj.lib, dev.sim.config)
        self.signature = obj.signature      # the buffers, then the variables

    def __call__(self, *bufs, global_size=(1, 1, 1), local_size=(1, 1, 1), vals=(), wait=False,
                 **kw):
        global_size = tuple(int(g) for g in global_size)
        local_size = (1, 1, 1) if local_size is None else tuple(int(x) for x in local_size)
        if any(g != int(g) for g in global_size):
            raise ValueError(f"{self.name}: fractional global size {global_size}")
        block = local_size[0] * local_size[1] * local_size[2]
        if block > self.dev.max_block:
            raise ValueError(f"{self.name}: block of {block} threads {local_size} exceeds "
                             f"warps x threads = {self.dev.max_block} on {self.dev.device}")
        var_sizes = [dt.itemsize for _, _, dt, _ in self.signature[len(bufs):]]
        if len(var_sizes) != len(vals):
            raise ValueError(f"{self.name}: {len(vals)} variable values for {len(var_sizes)} variables")
        offsets, size = arg_layout(var_sizes)
        words = [1 if block > 1 else 0, *global_size, *local_size, *(b.addr for b in bufs)]
        area = bytearray(4 * len(words) + size)
        area[:4 * len(words)] = b"".join(w.to_bytes(4, "little") for w in words)
        base = 4 * len(words)
        for value, off, width in zip(vals, offsets, var_sizes):
            area[base + off:base + off + width] = int(value).to_bytes(width, "little", signed=value < 0)
        counters = self.dev.run(self.program, area)
        self.dev.stats.kernels.append(KernelStats(self.name, global_size, local_size,
                                                  counters.cycles, counters.instrs,
                                                  self.dev.last_sim_seconds))
        if DEBUG >= 3:
            print(f"SIMTLAB {self.name}: grid {global_size} block {local_size} {counters}")
        return counters.cycles / self.dev.clock_hz if wait else None


class SimtlabDevice(Compiled):
    """A tinygrad device backed by one :class:`simtlab.Device`."""

    def __init__(self, device):
        self.backend, self.shape = parse_device(device)
        self.config = config_for(self.shape)
        self.max_block = self.config.warps * self.config.threads
        self.clock_hz = _env_float("SIMTLAB_CLOCK_MHZ", DEFAULT_CLOCK_MHZ) * 1e6
        arena_bytes = int(_env_float("SIMTLAB_ARENA_MB", DEFAULT_ARENA_MB) * (1 << 20))
        kwargs = {}
        if os.environ.get("SIMTLAB_MAX_CYCLES", "").strip():
            kwargs["max_cycles"] = int(_env_float("SIMTLAB_MAX_CYCLES", 0))
        self.sim = SimDevice(self.config, backend=self.backend, **kwargs)
        self.arena = Arena(self.sim.alloc(arena_bytes).addr, arena_bytes)
        self.stats = DeviceStats()
        self.last_sim_seconds = 0.0
        self._loaded = None
        super().__init__(device, SimtlabAllocator(self), [SimtlabRenderer], SimtlabProgram,
                         arch=self.shape)

    def run(self, program, area):
        """Load ``program`` (unless it is loaded) and run it with the argument area ``area``."""
        start = time.perf_counter()
        if self._loaded is not program:
            self.sim.load(program)
            self._loaded = program
        self.sim.launch(None, *struct.unpack(f"<{len(area) // 4}I", area))
        counters = self.sim.wait()
        self.last_sim_seconds = time.perf_counter() - start
        return counters

    def finalize(self):
        self.sim.close()

