"""The fast functional backend: :class:`FastEmulator`, the golden model's semantics in compiled C++.

It implements the backend protocol (:class:`simtlab.sim.backend.Backend`) with the Python emulator's
semantics (:class:`simtlab.sim.emulator.Emulator`, docs/simt.md): the same memory map and faults,
the same round-robin step order, so cycles (steps), instruction counts and retire traces equal the
emulator's record for record; only faster (docs/fast.md). ``run`` works in slices of about
:data:`SLICE_SECONDS` of wall time, so Ctrl-C stops it promptly and a later ``run`` continues.

Not modelled: the tile (a config with ``tile`` is a ValueError), several cores (likewise) and the
emulator's lock-step replay aids (``replay_mmio``, ``amo_order``); no timing.
"""

import ctypes
import time

import numpy as np

from ...config import SimtConfig
from ...spec.csr import DCR
from ...spec.isa import atomic_region
from ...spec.memory import MemoryMap
from ...spec.status import RunStatus
from ..backend import check_bool, check_bytes, check_dcr, check_int, check_tile_offset
from ..result import RunResult, WarpDump, trace_dtype
from .build import build_fast_library

__all__ = ["FastEmulator", "SLICE_SECONDS", "fp_batch"]

#: Wall time of one call into the library (Ctrl-C is seen between calls).
SLICE_SECONDS = 0.05

_VP, _U32, _U64, _I64 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64
_SIGNATURES = {
    "fe_create": (_VP, [ctypes.c_int] * 7 + [_U32, ctypes.c_int] + [_VP] * 4),
    "fe_destroy": (None, [_VP]),
    "fe_write_mem": (None, [_VP, _U64, ctypes.c_char_p, _U64]),
    "fe_read_mem": (None, [_VP, _U64, _VP, _U64]),
    "fe_set_tohost": (None, [_VP, ctypes.c_int, _U32]),
    "fe_start": (None, [_VP, _U32, _U32]),
    "fe_enable_trace": (None, [_VP, ctypes.c_int]),
    "fe_run": (ctypes.c_int, [_VP, _U64, _VP]),
    "fe_warp": (None, [_VP, ctypes.c_int, _VP, _VP]),
    "fe_console": (_U64, [_VP, _VP, _U64]),
    "fe_trace": (_U64, [_VP, _VP, _U64]),
    "fe_registers": (None, [_VP, ctypes.c_int, ctypes.c_int, _VP]),
    "fe_fcsr": (_U32, [_VP, ctypes.c_int]),
    "fe_fp_batch": (None, [ctypes.c_int, _U64] + [_VP] * 6),
}
_LIB = None


def _library():
    global _LIB
    if _LIB is None:
        lib = ctypes.CDLL(str(build_fast_library()))
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes
        _LIB = lib
    return _LIB


def fp_batch(op, rm, a, b, c):
    """``(result bits, fflags)`` arrays (uint32) of the RV32F operation ``op`` (an
    :class:`~simtlab.spec.fpu.FpuOp`) on the operand arrays ``a``, ``b``, ``c`` in the rounding modes
    ``rm`` (0-4, one per element) in the fast backend's arithmetic: the counterpart of
    :func:`simtlab.sim.fp.execute`, for comparing the two."""
    rm = np.ascontiguousarray(rm, dtype=np.uint8)
    a, b, c = (np.ascontiguousarray(np.asarray(x, dtype=np.uint64) & 0xFFFF_FFFF) for x in (a, b, c))
    if not (len(rm) == len(a) == len(b) == len(c)):
        raise ValueError("rm, a, b and c must have the same length")
    if rm.size and rm.max() > 4:
        raise ValueError("rounding modes must be resolved (0-4)")
    out, flags = np.zeros(len(a), np.uint32), np.zeros(len(a), np.uint32)
    _library().fe_fp_batch(int(op), len(a), *(x.ctypes.data for x in (rm, a, b, c, out, flags)))
    return out, flags


class FastEmulator:
    """The fast backend (module docstring); use it like :class:`~simtlab.sim.emulator.Emulator`::

        fast = FastEmulator(config)
        fast.write_mem(addr, image)
        fast.start()
        result = fast.run(max_cycles=10**9)
    """

    def __init__(self, config: SimtConfig):
        if not isinstance(config, SimtConfig):
            raise TypeError(f"config must be a SimtConfig, not {type(config).__name__}")
        if config.tile is not None:
            raise ValueError("backend 'fast' has no model of the tile: use backend='emu' or 'rtl' "
                             "for a SimtConfig with tile=...")
        if config.cores > 1:
            raise ValueError(f"backend 'fast' models one core, not cores={config.cores}: use "
                             f"backend='emu' or 'rtl' for a cluster")
        self.config = config
        self._lib = _library()
        self._handle = None
        self._dcr = {}
        self._started = False
        self._final = None
        self._out = (_U64 * 8)()
        self._slice = 1 << 16
        self._h()

    def _h(self):
        """The simulator handle; after :meth:`close` a fresh device (empty memory), as the
        emulator's ``close`` leaves it."""
        if self._handle is None:
            config, regions = self.config, self.config.regions
            n = len(regions)
            args = [(_U64 * n)(*[r.base for r in regions]), (_U64 * n)(*[r.size for r in regions]),
                    (ctypes.c_int * n)(*[r.kind.code for r in regions]),
                    (ctypes.c_int * n)(*[int(atomic_region(r)) for r in regions])]
            self._handle = self._lib.fe_create(config.warps, config.threads, config.ipdom_depth,
                                               config.num_barriers, config.cores, int(config.fpu),
                                               int(config.muldiv), MemoryMap.LMEM_BASE, n, *args)
            if not self._handle:
                raise ValueError(f"the fast backend cannot simulate {config.warps} warps x "
                                 f"{config.threads} threads")
        return self._handle

    # -- backend interface ------------------------------------------------------------------------

    def _check_ram(self, addr, size):
        end = addr + size
        while addr < end:
            region = self.config.region_of(addr)
            if region is None or region.kind != "ram":
                raise ValueError(f"address {addr:#010x} is not in a ram region of the memory map")
            addr = region.end

    def write_mem(self, addr, data):
        """Copy ``data`` into device memory at ``addr`` (every byte must lie in a "ram" region)."""
        addr = check_int("addr", addr, 0, 2**32 - 1)
        data = check_bytes(data)
        self._check_ram(addr, len(data))
        self._lib.fe_write_mem(self._h(), addr, data, len(data))

    def read_mem(self, addr, size):
        """``size`` bytes of device memory at ``addr`` (every byte must lie in a "ram" region)."""
        addr = check_int("addr", addr, 0, 2**32 - 1)
        size = check_int("size", size, 0, 2**32)
        self._check_ram(addr, size)
        buf = ctypes.create_string_buffer(max(size, 1))
        self._lib.fe_read_mem(self._h(), addr, buf, size)
        return buf.raw[:size]

    def dcr_write(self, addr, value):
        """Write a device configuration register; it takes effect at the next :meth:`start`."""
        addr, value = check_dcr(addr, value)
        self._dcr[addr] = value

    def set_tohost(self, addr):
        """Watch word stores to ``addr`` (the ELF symbol ``tohost``); None disables the check."""
        if addr is None:
            self._lib.fe_set_tohost(self._h(), 0, 0)
        else:
            self._lib.fe_set_tohost(self._h(), 1, check_int("tohost address", addr, 0, 2**32 - 1))

    def start(self):
        """Reset the device (not memory, not the register files) and get ready to run."""
        pc = self._dcr.get(DCR.STARTUP_ADDR0, self.config.startup_addr)
        self._lib.fe_start(self._h(), pc, self._dcr.get(DCR.STARTUP_ARG0, 0))
        self._final = None
        self._started = True

    def run(self, max_cycles):
        """Execute up to ``max_cycles`` steps (the emulator's cycles); stop early on an end event or a
        fault. After ``WATCHDOG`` another call continues; after any other status the same result is
        returned again until the next :meth:`start`."""
        max_cycles = check_int("max_cycles", max_cycles, 0, 2**63 - 1)
        if not self._started:
            raise RuntimeError("run() before start()")
        if self._final is not None:
            return self._final
        h, out, left = self._h(), self._out, max_cycles
        while True:
            chunk = min(self._slice, left)
            began = time.perf_counter()
            status = self._lib.fe_run(h, chunk, out)
            spent = time.perf_counter() - began
            left -= chunk       # a WATCHDOG stop used the whole chunk
            if status != RunStatus.WATCHDOG or left <= 0:
                break
            if spent < SLICE_SECONDS / 2:
                self._slice = min(self._slice * 2, 1 << 40)
            elif spent > SLICE_SECONDS * 2:
                self._slice = max(self._slice // 2, 1 << 10)
        result = self._result(status)
        if status != RunStatus.WATCHDOG:
            self._final = result
        return result

    def _result(self, status):
        out = self._out
        code = int(out[1]) if status in (RunStatus.EXIT, RunStatus.TOHOST) else 0
        fault = (int(out[5]), int(out[6]), int(out[7])) if status == RunStatus.FAULT else (0, 0, 0)
        warps = self.warps()
        return RunResult(status=status, cycles=int(out[2]), instret=int(out[3]), code=code,
                         fault_cause=fault[0], fault_pc=fault[1], fault_addr=fault[2],
                         pcs=[w.pc for w in warps], warps=warps, thread_instrs=int(out[4]))

    def warps(self):
        """The state of every warp now, as :class:`WarpDump` objects."""
        threads = self.config.threads
        state, deferred = (_I64 * 4)(), (_U32 * threads)()
        dumps = []
        for w in range(self.config.warps):
            self._lib.fe_warp(self._h(), w, state, deferred)
            pc, tmask, barrier, dmask = (int(v) for v in state)
            dumps.append(WarpDump(warp=w, pc=pc, tmask=tmask, active=tmask != 0,
                                  barrier=None if barrier < 0 else barrier,
                                  deferred={lane: int(deferred[lane]) for lane in range(threads)
                                            if dmask >> lane & 1}))
        return dumps

    def console(self):
        """Bytes written to ``IO_COUT`` since the previous call."""
        h = self._h()
        size = self._lib.fe_console(h, None, 0)
        buf = ctypes.create_string_buffer(max(size, 1))
        n = self._lib.fe_console(h, buf, size)
        return buf.raw[:n]

    def enable_trace(self, on):
        """Record (or stop recording) every retired instruction."""
        self._lib.fe_enable_trace(self._h(), int(check_bool("on", on)))

    def trace(self):
        """The records retired since the previous call (or :meth:`start`), as ``trace_dtype(threads)``
        records; drains them. ``cycle`` is the step number, as in the emulator."""
        h = self._h()
        size = self._lib.fe_trace(h, None, 0)
        records = np.zeros(size // trace_dtype(self.config.threads).itemsize,
                           dtype=trace_dtype(self.config.threads))
        if size:
            self._lib.fe_trace(h, records.ctypes.data, size)
        return records

    def registers(self, warp=0, lane=0):
        """x0..x31 of one lane (a debugging aid, as :meth:`Emulator.registers`)."""
        return self._regs(warp, lane)[:32]

    def fregisters(self, warp=0, lane=0):
        """f0..f31 of one lane as bit patterns."""
        return self._regs(warp, lane)[32:]

    def _regs(self, warp, lane):
        warp = check_int("warp", warp, 0, self.config.warps - 1)
        lane = check_int("lane", lane, 0, self.config.threads - 1)
        out = (_U32 * 64)()
        self._lib.fe_registers(self._h(), warp, lane, out)
        return list(out)

    def fcsr(self, warp=0):
        """One warp's fcsr (``frm << 5 | fflags``)."""
        return int(self._lib.fe_fcsr(self._h(), check_int("warp", warp, 0, self.config.warps - 1)))

    # -- no tile ------------------------------------------------------------------------------------

    @property
    def has_tile(self):
        return False

    def tile_write(self, offset, value):
        check_tile_offset(self.config, offset)

    def tile_read(self, offset):
        check_tile_offset(self.config, offset)

    def tile_wait(self, max_cycles):
        check_tile_offset(self.config, 0)

    def tile_fault(self):
        check_tile_offset(self.config, 0)

    def close(self):
        """Free the simulator's memory and state (safe to call twice; a later call starts from a
        fresh device, as with the emulator)."""
        handle, self._handle = getattr(self, "_handle", None), None
        self._started = False
        if handle is not None:
            self._lib.fe_destroy(handle)

    def __del__(self):
        try:
            self.close()
        except Exception:       # interpreter shutdown: ctypes may already be gone
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
