"""The Verilator backend: a ctypes wrapper around the harness library built by :mod:`.build`.

:class:`VerilatorModel` implements the backend protocol (:class:`simtlab.sim.backend.Backend`) the
golden-model emulator also implements, so the driver can use either. The clock loop runs in C++;
``run`` calls it in slices of about :data:`SLICE_SECONDS` of wall time, so Ctrl-C (KeyboardInterrupt)
stops a run promptly and the model stays usable (the next ``start`` begins a new run).
"""

import ctypes
import os
import pathlib
import tempfile
import time

import numpy as np

from ..config import CACHE_KNOBS, SimtConfig
from ..spec.status import HarnessError, RunStatus
from .backend import check_bool, check_bytes, check_dcr, check_int, check_tile_offset
from .result import (CACHE_COUNTERS, CACHE_STATE, PIPE_DTYPE, STALL_CAUSES, RunResult, WarpDump,
                     trace_dtype)

__all__ = ["VerilatorModel", "SLICE_SECONDS"]

#: Wall time of one ``sim_run`` call: a run returns to Python this often, so Ctrl-C stops it within
#: about this long. Short enough to feel instant, long enough that the calls cost nothing.
SLICE_SECONDS = 0.05

_ERRORS = {
    HarnessError.EHANDLE: "bad simulator handle",
    HarnessError.EARG: "bad argument",
    HarnessError.EUNMAPPED: "address range not in a ram region",
    HarnessError.ENOTSUP: "this model library was built without waveform support (build with trace=True)",
    HarnessError.EIO: "could not open the waveform file",
    HarnessError.ENOMEM: "out of memory",
    HarnessError.ESTATE: "run() before start()",
}
_U32 = ctypes.c_uint32
_U64 = ctypes.c_uint64
_I64 = ctypes.c_int64
_VP = ctypes.c_void_p
_SIGNATURES = {
    "sim_create": (_VP, [ctypes.c_uint]),
    "sim_free": (None, [_VP]),
    "sim_has_waves": (ctypes.c_int, []),
    "sim_add_region": (ctypes.c_int, [_VP, _U32, _U64, ctypes.c_int]),
    "sim_set_latency": (ctypes.c_int, [_VP, ctypes.c_uint]),
    "sim_set_dram": (ctypes.c_int, [_VP] + [_U32] * 11),
    "sim_dram_channels": (_U32, [_VP]),
    "sim_dram_counter_count": (_U32, []),
    "sim_dram_counter_name": (ctypes.c_char_p, [_U32]),
    "sim_dram_counters": (ctypes.c_int, [_VP, _U32, ctypes.c_void_p]),
    "sim_dram_replay": (ctypes.c_int, [_VP, _U64] + [ctypes.c_void_p] * 5),
    "sim_cache_counters": (ctypes.c_int, [_VP, _U32, _U32, ctypes.c_void_p]),
    "sim_cache_state": (ctypes.c_int, [_VP, _U32, _U32, ctypes.c_void_p]),
    "sim_write_mem": (ctypes.c_int, [_VP, _U32, ctypes.c_char_p, _U64]),
    "sim_read_mem": (ctypes.c_int, [_VP, _U32, ctypes.c_void_p, _U64]),
    "sim_set_tohost": (ctypes.c_int, [_VP, _U32, ctypes.c_int]),
    "sim_dcr_write": (ctypes.c_int, [_VP, _U32, _U32]),
    "sim_start": (ctypes.c_int, [_VP]),
    "sim_run": (ctypes.c_int, [_VP, _U64]),
    "sim_cycles": (_U64, [_VP]),
    "sim_instret": (_U64, [_VP]),
    "sim_code": (_U32, [_VP]),
    "sim_fault_cause": (_U32, [_VP]),
    "sim_fault_pc": (_U32, [_VP]),
    "sim_fault_addr": (_U32, [_VP]),
    "sim_thread_instrs": (_U64, [_VP]),
    "sim_mem_requests": (_U64, [_VP]),
    "sim_mem_bytes": (_U64, [_VP]),
    "sim_mem_writes": (_U64, [_VP]),
    "sim_imem_requests": (_U64, [_VP]),
    "sim_lmem_reads": (_U64, [_VP]),
    "sim_lmem_writes": (_U64, [_VP]),
    "sim_stall_cycles": (_U64, [_VP, _U32]),
    "sim_warp_state": (ctypes.c_int, [_VP, _U32, ctypes.c_void_p]),
    "sim_warp_counters": (ctypes.c_int, [_VP, _U32, ctypes.c_void_p]),
    "sim_warps": (_U32, []),
    "sim_cores": (_U32, []),
    "sim_threads": (_U32, []),
    "sim_block_bytes": (_U32, []),
    "sim_trace_record_bytes": (_U32, []),
    "sim_console_size": (_U64, [_VP]),
    "sim_console_read": (_I64, [_VP, ctypes.c_void_p, _U64]),
    "sim_trace_enable": (ctypes.c_int, [_VP, ctypes.c_int]),
    "sim_trace_count": (_U64, [_VP]),
    "sim_trace_read": (_I64, [_VP, ctypes.c_void_p, _U64]),
    "sim_pipe_count": (_U64, [_VP]),
    "sim_pipe_read": (_I64, [_VP, ctypes.c_void_p, _U64]),
    "sim_set_waves": (ctypes.c_int, [_VP, ctypes.c_char_p, _U64, _U64]),
    "sim_has_tile": (ctypes.c_int, []),
    "sim_tile_access": (ctypes.c_int, [_VP, _U32, ctypes.c_int, ctypes.POINTER(_U32)]),
    "sim_tile_wait": (_I64, [_VP, _U64]),
    "sim_tile_fault": (ctypes.c_int, [_VP, ctypes.c_void_p]),
}


def _load(path):
    lib = ctypes.CDLL(str(path))
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise OSError(f"{path} is not a simtlab harness library (no {name})") from None
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class VerilatorModel:
    """The Verilated simtlab top driven by the C++ harness.

    Parameters
    ----------
    config:
        The device configuration: memory regions and latency come from it; the library is built for it
        with :func:`simtlab.sim.build.build_model` unless ``library`` is given.
    library:
        Path of a prebuilt harness library (for example from ``build_library``) to use instead; it
        must have been built for the same warps, threads and block bytes as ``config`` (ValueError
        otherwise).
    trace_waves:
        ``(from, to)``: dump a waveform of cycles ``from <= cycle < to`` of every run (cycles count
        from the start pulse; cycle-true time: cycle n of the first run at n ns). Needs a library
        built with ``trace=True`` (``trace="fst"`` for a ``.fst`` path; done automatically when
        ``library`` is not given).
    vcd_path:
        Where the waveform goes: FST when the name ends in ``.fst`` (Verilator's FST writer: zlib and
        lz4 needed to build), else VCD; default ``<tempdir>/simtlab-<pid>-<id>.vcd`` (see
        :attr:`vcd_path`).
    progress:
        Show the stages of a model build that takes over a second (stderr).
    """

    def __init__(self, config, *, library=None, trace_waves=None, vcd_path=None, progress=False):
        if not isinstance(config, SimtConfig):
            raise TypeError(f"config must be a SimtConfig, not {type(config).__name__}")
        if trace_waves is not None:
            if not isinstance(trace_waves, tuple) or len(trace_waves) != 2:
                raise TypeError(f"trace_waves must be a (from, to) tuple of cycles, not {trace_waves!r}")
            start = check_int("trace_waves[0]", trace_waves[0], 0, 2**64 - 1)
            stop = check_int("trace_waves[1]", trace_waves[1], 0, 2**64 - 1)
            if stop < start:
                raise ValueError(f"trace_waves must have from <= to, not {trace_waves!r}")
            trace_waves = (start, stop)
        if vcd_path is not None and not isinstance(vcd_path, (str, os.PathLike)):
            raise TypeError(f"vcd_path must be a path, not {vcd_path!r}")
        wave_format = "fst" if vcd_path is not None and \
            pathlib.Path(vcd_path).suffix.lower() == ".fst" else "vcd"
        if library is None:
            from .build import build_model
            library = build_model(config, trace=wave_format if trace_waves is not None else False,
                                  progress=progress)
        elif not isinstance(library, (str, os.PathLike)):
            raise TypeError(f"library must be a path, not {library!r}")
        self.config = config
        self._handle = None
        self._lib = _load(pathlib.Path(library))
        shape = (self._lib.sim_cores(), self._lib.sim_warps(), self._lib.sim_threads(),
                 self._lib.sim_block_bytes())
        if shape != (config.cores, config.warps, config.threads, config.block_bytes):
            raise ValueError(f"{library} was built for {shape[0]} cores x {shape[1]} warps x "
                             f"{shape[2]} threads ({shape[3]}-byte blocks), but the config has "
                             f"{config.cores} x {config.warps} x {config.threads} "
                             f"({config.block_bytes}-byte blocks)")
        self._trace_dtype = trace_dtype(config.threads)
        if self._lib.sim_trace_record_bytes() != self._trace_dtype.itemsize:
            raise ValueError(f"{library} writes {self._lib.sim_trace_record_bytes()}-byte trace records, "
                             f"trace_dtype({config.threads}) has {self._trace_dtype.itemsize}")
        self._trace_on = False
        self._slice_cycles = 4096       # first slice; _run_sliced adapts it to the model's speed
        self._console = bytearray()     # console bytes a start() kept (the harness clears its own)
        self.vcd_path = None
        handle = self._lib.sim_create(config.mem_latency)
        if not handle:
            raise RuntimeError(f"sim_create failed (latency {config.mem_latency})")
        self._handle = ctypes.c_void_p(handle)
        self._dram_names = [self._lib.sim_dram_counter_name(i).decode()
                            for i in range(self._lib.sim_dram_counter_count())]
        if not config.dram.ideal:
            dram, t = config.dram, config.dram.core_timings()
            self._check(self._lib.sim_set_dram(
                self._handle, dram.channels, dram.banks, dram.row_blocks, dram.queue_depth,
                t["t_rcd"], t["t_cl"], t["t_rp"], t["t_burst"], t["t_refi"], t["t_rfc"],
                dram.controller_latency), f"DRAM model {dram.preset!r}")
        for region in config.regions:
            self._check(self._lib.sim_add_region(self._handle, region.base, region.size,
                                                 region.kind.code), f"region {region.name}")
        if trace_waves is not None:
            has = {0: None, 1: "vcd", 2: "fst"}.get(self._lib.sim_has_waves())
            if has != wave_format:
                self.close()
                raise ValueError(f"{library} was built without {wave_format.upper()} waveform "
                                 f"support; build it with trace={wave_format!r} to use trace_waves"
                                 + (f" (it writes {has.upper()})" if has else ""))
            if vcd_path is None:
                vcd_path = pathlib.Path(tempfile.gettempdir()) / f"simtlab-{os.getpid()}-{id(self):x}.vcd"
            self.vcd_path = pathlib.Path(vcd_path)
            self._check(self._lib.sim_set_waves(self._handle, os.fsencode(self.vcd_path), *trace_waves),
                        f"waveform file {self.vcd_path}")

    # -- plumbing -----------------------------------------------------------------------------------
    def _h(self):
        if self._handle is None:
            raise RuntimeError("the VerilatorModel is closed")
        return self._handle

    @staticmethod
    def _check(rc, what):
        if rc < 0:
            raise RuntimeError(f"{what}: {_ERRORS.get(rc, f'harness error {rc}')}")
        return rc

    def _ram_error(self, addr, size):
        """The ValueError for an access outside ram, naming the first bad address."""
        a = addr
        end = addr + size
        while a < end:
            region = self.config.region_of(a)
            if region is None or region.kind != "ram":
                break
            a = region.end
        where = "unmapped" if self.config.region_of(min(a, 2**32 - 1)) is None else \
            f"in {self.config.region_of(a).kind} region {self.config.region_of(a).name!r}"
        return ValueError(f"memory access of {size} bytes at {addr:#010x}: address {min(a, 2**32 - 1):#010x} "
                          f"is {where}, not in a ram region")

    # -- backend interface --------------------------------------------------------------------------
    def write_mem(self, addr, data):
        """Copy the bytes-like ``data`` into device memory at ``addr`` (must lie in ram regions)."""
        addr = check_int("addr", addr, 0, 2**32 - 1)
        data = check_bytes(data)
        rc = self._lib.sim_write_mem(self._h(), addr, data, len(data))
        if rc == HarnessError.EUNMAPPED:
            raise self._ram_error(addr, len(data))
        self._check(rc, "write_mem")

    def read_mem(self, addr, size):
        """``size`` bytes of device memory at ``addr`` (must lie in ram regions)."""
        addr = check_int("addr", addr, 0, 2**32 - 1)
        size = check_int("size", size, 0, 2**32)
        buf = ctypes.create_string_buffer(size)
        rc = self._lib.sim_read_mem(self._h(), addr, buf, size)
        if rc == HarnessError.EUNMAPPED:
            raise self._ram_error(addr, size)
        self._check(rc, "read_mem")
        return buf.raw[:size]

    def dcr_write(self, addr, value):
        """Store a device configuration register write; :meth:`start` applies all of them. Unknown
        DCR addresses are a ValueError (as on the emulator)."""
        addr, value = check_dcr(addr, value)
        self._check(self._lib.sim_dcr_write(self._h(), addr, value), "dcr_write")

    def set_tohost(self, addr):
        """Watch ``addr`` for ``tohost`` writes (an odd value ends the run), or stop watching (None)."""
        if addr is None:
            self._check(self._lib.sim_set_tohost(self._h(), 0, 0), "set_tohost")
            return
        addr = check_int("tohost address", addr, 0, 2**32 - 1)
        self._check(self._lib.sim_set_tohost(self._h(), addr, 1), "set_tohost")

    def start(self):
        """Reset the device, apply the DCR writes and pulse ``start``.

        Clears the counters and the retire trace; memory, the register file (a RAM that reset does
        not clear) and console output not yet read are kept.
        """
        h = self._h()
        self._console += self._drain_console(h)
        self._check(self._lib.sim_start(h), "start")

    def run(self, max_cycles):
        """Run for at most ``max_cycles`` more cycles and say why it stopped.

        ``RunStatus.WATCHDOG`` means the budget ran out; calling ``run`` again continues. Any other
        status ends the run until the next :meth:`start`. ``cycles``/``instret``/``thread_instrs``
        and ``perf`` count from ``start``; ``warps``/``pcs`` are the state of every warp now.
        ``perf`` has the busy cycles per ``STALL_CAUSES`` name, ``mem_requests``, ``mem_writes`` and
        ``mem_bytes`` (accepted dmem requests, the writes among them, and the popcount of their
        byte enables), ``imem_requests``, the caches' sums (``dcache_hits``, ...), and
        ``lmem_reads``/``lmem_writes`` (lanes the local memory served; its bank-conflict cycles are
        the ``lmem_conflict`` stall class). ``warp_instrs``/``warp_thread_instrs``/
        ``warp_active_cycles`` are every device warp's retired instructions, lane-instructions and
        active cycles.
        """
        max_cycles = check_int("max_cycles", max_cycles, 0, 2**63 - 1)
        lib, h = self._lib, self._h()
        status = self._run_sliced(lib, h, max_cycles)
        warps = self.warps()
        perf = {name: lib.sim_stall_cycles(h, i) for i, name in enumerate(STALL_CAUSES)}
        perf["mem_requests"] = lib.sim_mem_requests(h)
        perf["mem_bytes"] = lib.sim_mem_bytes(h)
        perf["mem_writes"] = lib.sim_mem_writes(h)
        perf["imem_requests"] = lib.sim_imem_requests(h)
        perf["lmem_reads"] = lib.sim_lmem_reads(h)
        perf["lmem_writes"] = lib.sim_lmem_writes(h)
        dram = self.dram_counters()
        for name in self._dram_names:
            if dram:
                perf[f"dram_{name}"] = sum(channel[name] for channel in dram)
        caches = self.cache_counters()
        for kind, counters in caches.items():
            for name in CACHE_COUNTERS:
                perf[f"{kind}_{name}"] = sum(cache[name] for cache in counters)
        counts = (_U64 * 3)()
        per_warp = []
        for w in range(len(warps)):
            self._check(lib.sim_warp_counters(h, w, counts), "warp counters")
            per_warp.append(tuple(counts))
        instrs, lanes, active = (list(column) for column in zip(*per_warp))
        result = RunResult(status=status, cycles=lib.sim_cycles(h), instret=lib.sim_instret(h),
                           pcs=[w.pc for w in warps], warps=warps,
                           thread_instrs=lib.sim_thread_instrs(h), perf=perf, dram=dram,
                           caches=caches, warp_instrs=instrs, warp_thread_instrs=lanes,
                           warp_active_cycles=active)
        if status == RunStatus.WATCHDOG:
            result.cache_state = self.cache_state()
        if status in (RunStatus.EXIT, RunStatus.TOHOST):
            result.code = lib.sim_code(h)
        if status == RunStatus.FAULT:
            result.fault_cause = lib.sim_fault_cause(h)
            result.fault_pc = lib.sim_fault_pc(h)
            result.fault_addr = lib.sim_fault_addr(h)
        return result

    def _run_sliced(self, lib, h, max_cycles):
        """``sim_run`` in slices of about :data:`SLICE_SECONDS` of wall time each (the harness
        resumes a run after a watchdog stop), so Python's signal handlers -- Ctrl-C's
        KeyboardInterrupt -- run between slices instead of after the whole run."""
        left = max_cycles
        while True:
            chunk = min(left, self._slice_cycles)
            began = time.perf_counter()
            status = self._check(lib.sim_run(h, chunk), "run")
            spent = time.perf_counter() - began
            left -= chunk
            if status != RunStatus.WATCHDOG or left <= 0:
                return status
            # Aim the next slice at SLICE_SECONDS, growing or shrinking by at most 4x at a time.
            rate = chunk / max(spent, 1e-6)
            self._slice_cycles = int(min(max(rate * SLICE_SECONDS, self._slice_cycles / 4, 64),
                                         self._slice_cycles * 4))

    def cache_counters(self):
        """The caches' counters since :meth:`start`, per kind present in the config
        (``"dcache"``, ``"icache"``: a dict per core; ``"l2"``: one dict), each with ``hits``,
        ``misses`` and ``mshr_stalls`` (32-bit counters in the RTL)."""
        return self._caches(self._lib.sim_cache_counters, CACHE_COUNTERS)

    def cache_state(self):
        """What each cache holds now, as :meth:`cache_counters` lays them out: ``outstanding``
        (reads sent below, not yet consumed) and ``queued`` (requests accepted, not yet
        answered). A deadlock in the memory system shows in the watchdog's dump of these."""
        return self._caches(self._lib.sim_cache_state, CACHE_STATE)

    def _caches(self, read, names):
        h = self._h()
        out = {}
        values = (_U32 * len(names))()
        for kind_code, kind in enumerate(CACHE_KNOBS):
            if getattr(self.config, kind) is None:
                continue
            count = 1 if kind == "l2" else self.config.cores
            out[kind] = []
            for index in range(count):
                self._check(read(h, kind_code, index, values), f"{kind} {index}")
                out[kind].append(dict(zip(names, values)))
        return out

    # -- the DRAM model (SimtConfig.dram, docs/memory.md) -------------------------------------------
    def dram_counters(self):
        """Per channel, the DRAM model's counters since :meth:`start` (``reads``, ``writes``,
        ``row_hits``, ``row_misses``, ``row_conflicts``, ``bytes_read``, ``bytes_written``,
        ``busy_cycles``, ``refreshes``, ``queue_stalls``); ``[]`` for the ideal memory."""
        h = self._h()
        out = []
        values = (_U64 * len(self._dram_names))()
        for channel in range(self._lib.sim_dram_channels(h)):
            self._check(self._lib.sim_dram_counters(h, channel, values), "dram_counters")
            out.append(dict(zip(self._dram_names, values)))
        return out

    def dram_replay(self, arrive, addr, write):
        """Reset the harness's DRAM model and run a request stream through it alone (the RTL and
        memory are untouched; the next :meth:`start` resets the model again): request ``i`` to byte address ``addr[i]`` (a write if ``write[i]``) is
        offered at cycle ``max(arrive[i], accepted[i-1])``. Returns ``(accepted, done)``, uint64
        arrays: the cycle each request was accepted and the cycle its response is due;
        :meth:`dram_counters` then describe the stream. ValueError for the ideal memory, for arrays
        of different lengths and for decreasing arrivals."""
        if self.config.dram.ideal:
            raise ValueError("dram_replay needs a DRAM model (SimtConfig.dram is 'ideal')")
        arrive = np.ascontiguousarray(arrive, dtype=np.uint64)
        addr = np.ascontiguousarray(addr, dtype=np.uint32)
        write = np.ascontiguousarray(write, dtype=np.uint8)
        if not arrive.ndim == addr.ndim == write.ndim == 1 or not len(arrive) == len(addr) == len(write):
            raise ValueError(f"arrive, addr and write must be 1-D and of one length, not "
                             f"{arrive.shape}, {addr.shape}, {write.shape}")
        if np.any(np.diff(arrive.astype(np.int64)) < 0):
            raise ValueError("arrive must not decrease")
        accepted = np.zeros(len(arrive), dtype=np.uint64)
        done = np.zeros(len(arrive), dtype=np.uint64)
        self._check(self._lib.sim_dram_replay(self._h(), len(arrive), arrive.ctypes.data,
                                              addr.ctypes.data, write.ctypes.data,
                                              accepted.ctypes.data, done.ctypes.data), "dram_replay")
        return accepted, done

    # -- the tile (SimtConfig.tile) ---------------------------------------------------------------
    @property
    def has_tile(self):
        """Whether the model has the deep-learning tile (``config.tile``)."""
        return self.config.tile is not None

    def _tile_check(self, offset):
        offset = check_tile_offset(self.config, offset)
        if not self._lib.sim_has_tile():
            raise ValueError("this model library was built without the tile")
        return offset

    def tile_write(self, offset, value):
        """Write the tile register at byte ``offset`` of the MMIO window (the host's port)."""
        offset = self._tile_check(offset)
        word = _U32(check_int("tile register value", value, -2**31, 2**32 - 1) & 0xFFFF_FFFF)
        self._check(self._lib.sim_tile_access(self._h(), offset, 1, ctypes.byref(word)), "tile_write")

    def tile_read(self, offset):
        """The tile register at byte ``offset`` of the MMIO window."""
        offset = self._tile_check(offset)
        word = _U32(0)
        self._check(self._lib.sim_tile_access(self._h(), offset, 0, ctypes.byref(word)), "tile_read")
        return word.value

    def tile_wait(self, max_cycles):
        """Run the clock (serving the tile's memory traffic) until the tile raises its interrupt;
        returns the cycles that took, or None if ``max_cycles`` passed first."""
        self._tile_check(0)
        max_cycles = check_int("max_cycles", max_cycles, 0, 2**63 - 1)
        cycles = self._lib.sim_tile_wait(self._h(), max_cycles)
        if cycles < -1:
            self._check(cycles, "tile_wait")
        return None if cycles == -1 else cycles

    def tile_fault(self):
        """``(unit page, address)`` of the tile's fault report (DMA error or watchdog), or None."""
        self._tile_check(0)
        state = (ctypes.c_uint32 * 3)()
        self._check(self._lib.sim_tile_fault(self._h(), state), "tile_fault")
        return (state[1], state[2]) if state[0] else None

    def warps(self):
        """The state of every warp of every core now (from the ``dbg`` ports), as
        :class:`WarpDump` objects numbered device-wide (core ``c``'s warp ``w`` is
        ``c * warps + w``)."""
        h = self._h()
        state = (ctypes.c_uint32 * 5)()
        out = []
        for w in range(self.config.cores * self.config.warps):
            self._check(self._lib.sim_warp_state(h, w, state), "warps")
            pc, tmask, active, waiting, barrier = state
            out.append(WarpDump(warp=w, pc=pc, tmask=tmask, active=bool(active),
                                barrier=barrier if waiting else None))
        return out

    def _drain_console(self, h):
        size = self._lib.sim_console_size(h)
        buf = ctypes.create_string_buffer(max(size, 1))
        n = self._check(self._lib.sim_console_read(h, buf, size), "console")
        return buf.raw[:n]

    def console(self):
        """The console bytes written since the last call (drains the buffer)."""
        out = bytes(self._console) + self._drain_console(self._h())
        self._console.clear()
        return out

    def enable_trace(self, on):
        """Record retired instructions (``on=True``) for :meth:`trace`, or stop recording."""
        on = check_bool("on", on)
        self._check(self._lib.sim_trace_enable(self._h(), int(on)), "enable_trace")
        self._trace_on = on

    def trace(self):
        """Retired instructions recorded since the last call, as a ``trace_dtype(config.threads)`` array
        (drains). ``data`` lanes outside ``tmask`` (all lanes when ``rd`` is 0) are 0."""
        h = self._h()
        count = self._lib.sim_trace_count(h)
        out = np.zeros(count, dtype=self._trace_dtype)
        if count:
            n = self._check(self._lib.sim_trace_read(h, out.ctypes.data, count), "trace")
            out = out[:n]
        return out

    def pipeline_trace(self):
        """Pipeline records since the last call (drains), recorded while the trace is on: one per
        instruction that left X -- each retires, in its warp's order, so they match :meth:`trace`
        warp by warp -- as a :data:`PIPE_DTYPE` array (device warp, the cycles it entered D and X,
        the cycle it left X)."""
        h = self._h()
        count = self._lib.sim_pipe_count(h)
        out = np.zeros(count, dtype=PIPE_DTYPE)
        if count:
            out = out[:self._check(self._lib.sim_pipe_read(h, out.ctypes.data, count), "pipe")]
        return out

    def close(self):
        """Free the simulator (and close the VCD file). Safe to call twice."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            self._lib.sim_free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
