"""The emulator's memory (part of the golden model, :mod:`simtlab.sim.emulator`): a sparse byte
store and the device's view of it -- the memory map's regions, I/O (console, exit), ``tohost`` and the
tile's MMIO window -- as the loads, stores and fetches of instructions see them.
"""

import struct

from ..spec.isa import AmoOp, atomic_region
from ..spec.memory import MemoryMap
from ..spec.status import FaultCause, RunStatus
from .emu_state import MASK32, Fault, Stop

__all__ = ["PAGE_BITS", "PAGE_SIZE", "PAGE_MASK", "SparseMemory", "DeviceMemory"]

PAGE_BITS = 16
PAGE_SIZE = 1 << PAGE_BITS
PAGE_MASK = PAGE_SIZE - 1

_U32 = struct.Struct("<I")


class SparseMemory:
    """Byte-addressed sparse memory: 64 KiB pages allocated on first write, untouched bytes read 0.

    ``pages`` holds every allocated page by page number; ``fast`` holds the allocated pages that lie
    wholly inside one "ram" region, which the emulator may access without any further region check.
    Region checks are the caller's job (see :meth:`kind_of`).
    """

    def __init__(self, regions):
        self.regions = tuple(regions)
        self.pages = {}
        self.fast = {}

    def kind_of(self, addr, nbytes=1):
        """The kind ("ram", "io", "mmio") of the region holding ``[addr, addr + nbytes)``, or None."""
        for region in self.regions:
            if region.contains(addr, nbytes):
                return region.kind
        return None

    def _page_is_ram(self, page_number):
        base = page_number << PAGE_BITS
        return self.kind_of(base, PAGE_SIZE) == "ram" and not any(
            r.name == "lmem" and r.base < base + PAGE_SIZE and base < r.end for r in self.regions)

    def _page(self, page_number):
        page = self.pages.get(page_number)
        if page is None:
            page = self.pages[page_number] = bytearray(PAGE_SIZE)
            if self._page_is_ram(page_number):
                self.fast[page_number] = page
        return page

    def read(self, addr, size):
        """Bytes at ``[addr, addr + size)``; no region check."""
        out = bytearray()
        while size > 0:
            offset = addr & PAGE_MASK
            chunk = min(size, PAGE_SIZE - offset)
            page = self.pages.get(addr >> PAGE_BITS)
            out += page[offset:offset + chunk] if page is not None else bytes(chunk)
            addr, size = addr + chunk, size - chunk
        return bytes(out)

    def write(self, addr, data):
        """Store ``data`` at ``addr``; no region check."""
        data = memoryview(bytes(data))
        while data:
            offset = addr & PAGE_MASK
            chunk = min(len(data), PAGE_SIZE - offset)
            self._page(addr >> PAGE_BITS)[offset:offset + chunk] = data[:chunk]
            addr, data = addr + chunk, data[chunk:]

    def clear(self):
        self.pages.clear()
        self.fast.clear()


class DeviceMemory(SparseMemory):
    """The memory map as instructions see it: :meth:`load`, :meth:`check_store`, :meth:`store` and
    :meth:`fetch_slow` raise :class:`~.emu_state.Fault` (misaligned, unmapped) and report the run's
    end events (:class:`~.emu_state.Stop`: ``IO_EXIT``, ``tohost``).

    ``console`` collects the bytes stored to ``IO_COUT``; ``tohost`` is the watched address or None.
    ``reservations`` maps each hart (``device-wide warp * threads + lane``) holding an lr.w reservation to its
    word address; every store clears the reservations on the words it writes (docs/isa.md,
    "Atomics").
    ``mmio_load(addr) -> int`` and ``mmio_store(addr, value)`` serve word accesses to the "mmio"
    region when set (the tile); any other access there, or any access without them, faults.

    The "lmem" window is each core's own local memory, as in the RTL (a banked SRAM in the core):
    ``local[core]`` (zeroed when made, kept across launches) serves the loads and stores of core
    ``core`` (the one executing: set it before a core's instructions run). The host's
    :meth:`read`/:meth:`write` never see it (they reach the unused global bytes behind the window,
    as the harness's memory does).
    """

    def __init__(self, regions):
        super().__init__(regions)
        self.console = bytearray()
        self.tohost = None
        self.mmio_load = None
        self.mmio_store = None
        self.reservations = {}
        self._atomic = [r for r in self.regions if atomic_region(r)]
        lmem = next(r for r in self.regions if r.name == "lmem")
        self._lmem_base, self._lmem_end = lmem.base, lmem.end
        self.local = [bytearray(lmem.size)]
        self.core = 0

    def load(self, addr, size):
        """Unsigned value of the ``size``-byte load at ``addr`` (faults on misalignment / no region)."""
        if addr & (size - 1):
            raise Fault(FaultCause.LOAD_MISALIGNED, addr)
        page = self.fast.get(addr >> PAGE_BITS)
        if page is not None:
            offset = addr & PAGE_MASK
            return int.from_bytes(page[offset:offset + size], "little")
        if self._lmem_base <= addr < self._lmem_end:        # aligned: wholly inside
            offset = addr - self._lmem_base
            return int.from_bytes(self.local[self.core][offset:offset + size], "little")
        kind = self.kind_of(addr, size)
        if kind == "ram":
            return int.from_bytes(self.read(addr, size), "little")
        if kind == "io":
            return 0
        if kind == "mmio" and size == 4 and self.mmio_load is not None:
            return self.mmio_load(addr)
        raise Fault(FaultCause.LOAD_ACCESS, addr)

    def check_store(self, addr, size):
        """Raise the fault a ``size``-byte store at ``addr`` would raise, if any."""
        if addr & (size - 1):
            raise Fault(FaultCause.STORE_MISALIGNED, addr)
        if addr >> PAGE_BITS not in self.fast:
            kind = self.kind_of(addr, size)
            if kind not in ("ram", "io") and not (kind == "mmio" and size == 4
                                                  and self.mmio_store is not None):
                raise Fault(FaultCause.STORE_ACCESS, addr)

    def store(self, addr, size, value):
        """Store the low ``size`` bytes of ``value`` at ``addr``; handles I/O, MMIO and ``tohost``.

        Returns a :class:`~.emu_state.Stop` (not raised) when the store ends the run, else None.
        """
        if addr & (size - 1):
            raise Fault(FaultCause.STORE_MISALIGNED, addr)
        if self.reservations:
            self._unreserve(addr & ~3)
        value &= (1 << (8 * size)) - 1
        page = self.fast.get(addr >> PAGE_BITS)
        if page is not None:
            offset = addr & PAGE_MASK
            page[offset:offset + size] = value.to_bytes(size, "little")
        elif self._lmem_base <= addr < self._lmem_end:
            offset = addr - self._lmem_base
            self.local[self.core][offset:offset + size] = value.to_bytes(size, "little")
            return None
        else:
            kind = self.kind_of(addr, size)
            if kind == "io":
                return self._store_io(addr, value)
            if kind == "mmio" and size == 4 and self.mmio_store is not None:
                self.mmio_store(addr, value)
                return None
            if kind != "ram":
                raise Fault(FaultCause.STORE_ACCESS, addr)
            self.write(addr, value.to_bytes(size, "little"))
        if addr == self.tohost and size == 4 and value & 1:
            return Stop(RunStatus.TOHOST, value >> 1)
        return None

    def clear(self):
        super().clear()
        for local in self.local:
            local[:] = bytes(len(local))

    def _unreserve(self, word):
        for hart in [h for h, a in self.reservations.items() if a == word]:
            del self.reservations[hart]

    def check_amo(self, addrs):
        """Raise the fault an atomic of lanes at ``addrs`` (lowest lane first) raises, if any, in
        the RTL's priority: a misaligned lane, then an unmapped one (store faults, as RISC-V
        reports AMOs), then one outside global memory (``FaultCause.AMO_REGION``)."""
        for addr in addrs:
            if addr & 3:
                raise Fault(FaultCause.STORE_MISALIGNED, addr)
        for addr in addrs:
            kind = self.kind_of(addr, 4)
            if kind is None or (kind == "mmio" and self.mmio_store is None):   # no tile: unmapped
                raise Fault(FaultCause.STORE_ACCESS, addr)
        for addr in addrs:
            if not any(r.contains(addr, 4) for r in self._atomic):
                raise Fault(FaultCause.AMO_REGION, addr)

    def amo(self, addr, op, src, hart, update):
        """Perform atomic ``op`` (an :class:`~simtlab.spec.isa.AmoOp`) of ``hart`` on the word at
        ``addr`` (checked by :meth:`check_amo`): ``update(old, src)`` is the new word of the
        read-modify-write operations. Returns the old word (sc: 0 on success, 1 on failure). An
        atomic never ends a run (its write is not watched for ``tohost``)."""
        old = int.from_bytes(self.read(addr, 4), "little")
        if op == AmoOp.LR:
            self.reservations[hart] = addr
            return old
        if op == AmoOp.SC:
            held = self.reservations.pop(hart, None) == addr
            if not held:
                return 1
            new, result = src, 0
        else:
            new, result = update(old, src), old
        self._unreserve(addr)
        self.write(addr, (new & MASK32).to_bytes(4, "little"))
        return result

    def _store_io(self, addr, value):
        if addr == MemoryMap.IO_COUT:
            self.console.append(value & 0xFF)
        elif addr == MemoryMap.IO_EXIT:
            return Stop(RunStatus.EXIT, value)
        return None

    def fetch_slow(self, pc):
        """Fetch outside the fast pages: untouched ram reads 0 (illegal), anything else faults."""
        if pc & 3:
            raise Fault(FaultCause.INSN_MISALIGNED, pc)
        if pc > MASK32 or self.kind_of(pc, 4) != "ram":
            raise Fault(FaultCause.INSN_ACCESS, pc)
        return _U32.unpack(self.read(pc, 4))[0]
