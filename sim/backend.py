"""The backend protocol: what :class:`simtlab.Device` (drivers/device.py) needs of a simulator.

Two backends implement it: the Verilator model of the RTL (:class:`simtlab.sim.model.VerilatorModel`)
and the golden-model emulator (:class:`simtlab.sim.emulator.Emulator`). tb/sim/test_backend.py runs
the same conformance checks against both. The shared semantics (docs/architecture.md, "Launch"):

* **Memory** (``write_mem``/``read_mem``): host access to "ram" regions only (ValueError naming the
  first address outside ram); memory persists across launches.
* **DCRs** (``dcr_write``): Vortex's device configuration registers (:class:`simtlab.spec.csr.DCR`),
  stored and applied by the next ``start``; an unknown address is a ValueError.
* **Launch** (``start``): resets the device -- every warp's PC (``STARTUP_ADDR0``), thread mask (warp 0
  lane 0 only), IPDOM stack, barrier state and fcsr, the CSRs (mscratch = ``STARTUP_ARG0``), the
  counters, the console, the retire trace, the tile's registers and any pending end event. It does
  *not* clear memory nor the register files: x and f registers keep the values the previous launch
  left (0 after the backend is created), as on the RTL, whose register file is a RAM that reset does
  not clear (Vortex's too). Kernels must not read registers they have not written.
* **Run** (``run(max_cycles)``): run at most ``max_cycles`` more cycles; a :class:`RunResult`.
  ``WATCHDOG`` means the budget ran out and ``run`` may be called again to continue; any other status
  ends the run (further calls return the same status) until the next ``start``. ``run`` before the
  first ``start`` is a RuntimeError.
* **Trace** (``enable_trace``/``trace``): with tracing on, every retired warp instruction is recorded
  as one ``trace_dtype(threads)`` record; ``trace()`` returns the records retired since the previous
  ``trace()`` call (or since ``start``) and drains them, like ``console()``. ``cycle`` is the
  backend's own cycle count (the emulator's is a step count) and is never compared.
* **Warps** (``warps()``): every warp's :class:`WarpDump` now.
* **Tile** (``has_tile``, ``tile_write``/``tile_read``/``tile_wait``/``tile_fault``): with
  ``config.tile`` the host reaches the tile's registers (word offsets in the MMIO window; an offset
  outside every unit is a ValueError) and can let the tile work until its interrupt; without a tile
  these raise ValueError.
* Wrong argument types are TypeErrors, out-of-range values ValueErrors, with the same rules on both
  backends (:func:`check_int`).
"""

import operator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..config import SimtConfig
from ..spec import tile_regs
from ..spec.csr import DCR
from .result import RunResult, WarpDump

__all__ = ["Backend", "Buffer", "check_int", "check_bytes", "check_dcr", "check_tile_offset", "check_bool"]


@dataclass(frozen=True)
class Buffer:
    """A device memory allocation (``simtlab.Device.alloc``, ``TileBench.alloc``): ``int()`` is its
    address. Pass it to :meth:`simtlab.Device.launch` to pass that address."""
    addr: int
    nbytes: int
    dtype: np.dtype = np.dtype(np.uint8)
    shape: tuple = ()

    def __int__(self):
        return self.addr


#: Every DCR address a backend accepts.
KNOWN_DCRS = frozenset(int(d) for d in DCR)

_UNIT_PAGES = frozenset(u.base // tile_regs.UNIT_SPACE for u in tile_regs.UNITS)


@runtime_checkable
class Backend(Protocol):
    """A simulator behind :class:`simtlab.Device` (see the module docstring for the semantics)."""

    config: SimtConfig

    def write_mem(self, addr: int, data) -> None:
        """Copy bytes-like ``data`` to device memory at ``addr`` (ram regions only)."""

    def read_mem(self, addr: int, size: int) -> bytes:
        """``size`` bytes of device memory at ``addr`` (ram regions only)."""

    def dcr_write(self, addr: int, value: int) -> None:
        """Store a DCR write; the next :meth:`start` applies it."""

    def set_tohost(self, addr: "int | None") -> None:
        """Watch word stores to ``addr`` (an odd value ends the run), or stop watching (None)."""

    def start(self) -> None:
        """Reset the device (not memory, not the register files) and start warp 0."""

    def run(self, max_cycles: int) -> RunResult:
        """Run at most ``max_cycles`` more cycles; why it stopped and the counters."""

    def warps(self) -> "list[WarpDump]":
        """Every warp's state now."""

    def console(self) -> bytes:
        """Console bytes since the previous call (drains)."""

    def enable_trace(self, on: bool) -> None:
        """Record retired instructions (or stop)."""

    def trace(self) -> np.ndarray:
        """Records retired since the previous call or ``start`` (drains)."""

    @property
    def has_tile(self) -> bool:
        """Whether the device has the deep-learning tile (``config.tile``)."""

    def tile_write(self, offset: int, value: int) -> None:
        """Host write of the tile register at byte ``offset`` of the MMIO window."""

    def tile_read(self, offset: int) -> int:
        """Host read of the tile register at byte ``offset`` of the MMIO window."""

    def tile_wait(self, max_cycles: int) -> "int | None":
        """Let the tile work until its interrupt line is high: the cycles that took, or None."""

    def tile_fault(self) -> "tuple | None":
        """``(unit page, address)`` of the tile's fault report, or None."""

    def close(self) -> None:
        """Release the simulator (safe to call twice)."""


def check_int(name, value, lo, hi):
    """``value`` as a Python int in ``[lo, hi]``: TypeError for non-integers (bools included),
    ValueError outside the range."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__} {value!r}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo:#x}, {hi:#x}], not {value:#x}")
    return value


def check_bytes(data):
    """``data`` (bytes-like, not str) as bytes."""
    if isinstance(data, str):
        raise TypeError("data must be bytes-like, not str")
    try:
        return memoryview(data).tobytes()
    except TypeError:
        raise TypeError(f"data must be bytes-like, not {type(data).__name__}") from None


def check_bool(name, value):
    if not isinstance(value, (bool, int, np.bool_)):
        raise TypeError(f"{name} must be a bool, not {value!r}")
    return bool(value)


def check_dcr(addr, value):
    """``(addr, value & 0xFFFFFFFF)`` of a DCR write; ValueError for an unknown DCR."""
    addr = check_int("DCR address", addr, 0, 0xFFF)
    if addr not in KNOWN_DCRS:
        raise ValueError(f"unknown DCR address {addr:#x}; the DCRs are "
                         f"{', '.join(f'{d.name} {int(d):#x}' for d in DCR)}")
    value = check_int("DCR value", value, -2**31, 2**32 - 1) & 0xFFFF_FFFF
    return addr, value


def check_tile_offset(config, offset):
    """A host tile register offset: ValueError without a tile, for a misaligned offset or one
    outside every unit of the window."""
    if config.tile is None:
        raise ValueError("this device has no tile: use a SimtConfig with tile=TileConfig() "
                         "(for example the 'tile' preset)")
    offset = check_int("tile register offset", offset, 0, tile_regs.TILE_WINDOW - 1)
    if offset % 4:
        raise ValueError(f"tile register offset {offset:#x} is not word aligned")
    if offset // tile_regs.UNIT_SPACE not in _UNIT_PAGES:
        raise ValueError(f"tile register offset {offset:#06x} is outside every unit of the tile")
    return offset
