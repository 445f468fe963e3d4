"""The functional golden model: an instruction-by-instruction RV32IMF + Zicsr SIMT emulator.

:class:`Emulator` runs a kernel on the same memory map as the RTL model (``SimtConfig.regions``) with
``config.warps`` warps of ``config.threads`` lanes, implements the SIMT execution model of
docs/simt.md (the contract), and offers the same backend interface as the Verilator model, so the
driver can use either and the lock-step checker (:mod:`simtlab.sim.lockstep`) can compare their
retirement traces warp by warp.

The emulator is split into :mod:`.emu_state` (warps, registers), :mod:`.emu_memory` (memory map, I/O,
MMIO), :mod:`.emu_decode` (the table-driven decoder) and :mod:`.emu_simt` (the SIMT instructions);
this module holds the backend interface, the scheduler loop and the CSRs.

Timing model: one *step* per cycle. Each step picks the next runnable warp (active and not waiting at a
barrier) in round-robin order -- the first one after the warp that was scheduled last -- and executes one
instruction for all lanes of its thread mask. A step in which ``wspawn`` has to wait (another warp is
still active) retires nothing but still costs a cycle; when every active warp waits at a barrier, the
remaining cycles of the budget pass idle and the run ends in ``WATCHDOG`` (a barrier deadlock). With one
warp, ``cycles == instret``.

Architectural choices that the RTL must match (they are what the lock-step check compares):

* Decoding follows the one decode table, :data:`simtlab.spec.isa.INSTRUCTIONS` (:mod:`.emu_decode`),
  and is strict. Any encoding RV32IMF + Zicsr does not define is an illegal instruction, including
  non-zero ``funct7`` bits on R-type and shift-immediate forms, ``ecall``/``ebreak``/``mret``/``wfi``
  (the whole SYSTEM ``funct3 = 0`` space) and compressed encodings. ``fence`` and ``fence.i`` are no-ops
  whatever their other fields hold. With ``config.muldiv`` off the M instructions are illegal too.
* F (RV32F, single precision only; with ``config.fpu`` off every F instruction, ``flw``/``fsw``
  included, is illegal): ``flw``/``fsw`` need ``funct3 = 2``; the fused ops (0x43/0x47/0x4B/0x4F) and
  OP-FP (0x53) need ``fmt`` (bits 26:25) = 00; OP-FP is decoded by funct7: add/sub/mul/div 0x00/0x04/
  0x08/0x0C, sqrt 0x2C (rs2 = 0), sgnj/sgnjn/sgnjx 0x10 (funct3 0/1/2), min/max 0x14 (funct3 0/1),
  fcvt.w.s/fcvt.wu.s 0x60 (rs2 0/1), fmv.x.w/fclass 0x70 (rs2 = 0, funct3 0/1), feq/flt/fle 0x50
  (funct3 2/1/0), fcvt.s.w/fcvt.s.wu 0x68 (rs2 0/1), fmv.w.x 0x78 (rs2 = 0, funct3 0); anything else
  is illegal. Where an instruction has a rounding mode (add, sub, mul, div, sqrt, the fused ops, the
  fcvts) rm 5 and 6 are illegal and rm 7 uses the warp's ``frm``; a dynamic rm with ``frm`` 5, 6 or 7
  is an illegal-instruction fault when it executes. The ops without rm use funct3 only to select. The
  arithmetic of every op is :func:`simtlab.sim.fp.execute` (SoftFloat, RISC-V flavour). Every warp's
  fcsr is 0 at launch.
* Launch (:meth:`Emulator.start`, the backend protocol of :mod:`.backend`): PCs, thread masks, IPDOM
  stacks, barriers, fcsr, CSRs, counters, console, trace and the tile reset; memory and the x/f
  register files of every lane are kept from the previous launch (0 when the emulator is created),
  as on the RTL.
  custom-0 (``0x0B``): funct7 = 0 and funct3 0..5 are the SIMT instructions of docs/simt.md, everything
  else is illegal. Fields a SIMT instruction does not use are ignored; the negate selector (``rs2`` of
  ``split``, ``rd`` of ``pred``) negates when the field is non-zero.
* Per-lane execution: ALU, M, F, CSR, load and store instructions run for every lane in the thread mask;
  other lanes' registers are untouched. The condition of a branch, the target of ``jalr`` and the
  operands of ``tmc``/``wspawn``/``bar``/``join``/``pred``'s ``rs2`` come from the last active lane.
* A faulting instruction does not retire and has no effect (memory addresses of all active lanes are
  checked before any lane loads or stores; the lowest faulting lane's address is reported).
* Stores of several lanes happen in lane order (the highest lane wins on a shared address). If stores
  end the run (``tohost``, ``IO_EXIT``) all lanes still store and the lowest such lane's event ends it.
* CSRs: id CSRs are per lane (docs/simt.md table). mscratch is per core and fflags/frm/fcsr are per warp
  (as in Vortex; ``fcsr = frm << 5 | fflags``, frm is 3 bits, fcsr bits above 7 are dropped; ``wspawn``
  leaves every warp's fcsr alone): every lane reads the value before the instruction and the write uses
  the last active lane's operand. An F instruction ORs the flags of all its active lanes into its
  warp's fflags.
  ``mcycle`` reads the cycle counter and ``minstret`` the warp instructions retired before this one.
* The instruction that ends a run (the ``tohost`` store, the ``IO_EXIT`` store, the ``tmc``/``pred`` that
  switches the last active warp off) retires: it is counted and traced.
* A store of any width whose address is ``IO_COUT`` sends its low byte to the console; a store of any
  width to ``IO_EXIT`` ends the run with the stored value as the exit code. Other I/O addresses read 0
  and ignore writes. ``tohost`` is checked on word stores to exactly the ``tohost`` address; the value
  is stored to memory as well.
* SIMT details docs/simt.md leaves open: ``wspawn`` checks its count (fault 27) before it waits; the
  barrier fault reports ``rs1 & 0x7FFFFFFF``; a barrier releases when its arrival count reaches *or
  passes* ``n`` of the arriving warp; ``pred`` whose fallback mask ``rs2`` is empty switches the warp off
  like ``tmc 0``; warps spawned by ``wspawn`` keep their registers.
* Trace records (``trace_dtype(threads)``) carry ``rd = 0`` and zero data for instructions that write no
  register, and zero data for lanes outside ``tmask``. A write of f-register n is traced as
  ``rd = 32 + n`` (f0 included); integer writes keep ``rd`` 1..31. :meth:`Emulator.trace` drains.
* The tile (``config.tile``): :class:`simtlab.sim.tile_model.TileModel` behind the MMIO window (word
  loads and stores; other sizes, and any access without a tile, fault) and behind ``tile_write``/
  ``tile_read``/``tile_wait``. Its clock follows the emulator's cycles at every MMIO access.
"""

import struct

import numpy as np

from ..config import SimtConfig
from ..spec.csr import CSR, DCR
from ..spec.isa import Opcode
from ..spec.memory import MemoryMap
from ..spec.status import FaultCause, RunStatus
from ..spec.tile_regs import lookup as _tile_lookup
from .backend import check_bool, check_bytes, check_dcr, check_int, check_tile_offset
from .emu_decode import CYCLE_CSRS, FP_BIT_OPS, INSTRET_CSRS, LANE_CSRS, Decoder
from .emu_memory import PAGE_BITS, PAGE_MASK, DeviceMemory, SparseMemory
from .emu_state import F, LANE, MASK32, CoreState, Fault, Retry, Stop, WarpState
from .result import RunResult, trace_dtype
from .tile_model import TileAddressError, TileModel

__all__ = ["Emulator", "SparseMemory", "WarpState", "FP_BIT_OPS"]

_U32 = struct.Struct("<I")
_GLB, _STATUS = _tile_lookup("GLB.INTR_STATUS")
_INTR_STATUS = _GLB.base + _STATUS.offset       #: GLB.INTR_STATUS's offset in the MMIO window


class Emulator:
    """RV32IMF + Zicsr SIMT golden model implementing the simtlab backend protocol
    (:class:`simtlab.sim.backend.Backend`; module docstring).

    Typical use::

        emu = Emulator(config)
        emu.write_mem(addr, image)
        emu.start()
        result = emu.run(max_cycles=1_000_000)
    """

    def __init__(self, config: SimtConfig):
        if not isinstance(config, SimtConfig):
            raise TypeError(f"config must be a SimtConfig, not {type(config).__name__}")
        self.config = config
        self._full_mask = (1 << config.threads) - 1
        self._memory = DeviceMemory(config.regions)
        self._dcr = {}
        self._tracing = False
        self._trace = []
        self._decoder = Decoder(self)
        self._decoded = {}                  # instruction word -> (execute(xs, pc) -> next pc, rd)
        self._divergences = None            # log_divergence(True): divergent branches and jumps
        self._csr_constants = self._id_csrs(config)
        self._started = False
        self._final = None                  # RunResult of the end event, once the run has ended
        self._warps = None
        self._tile = None
        self._replay = None                 # lock-step: the RTL's MMIO load values (replay_mmio)
        self.amo_order = None               # lock-step: warps in the RTL's order of atomics
        if config.tile is not None:
            self._tile = TileModel(config.tile, _TileMemory(self))
            self._memory.mmio_load = self._mmio_load
            self._memory.mmio_store = self._mmio_store
        self._reset_state()

    # -- backend interface ------------------------------------------------------------------------------

    def write_mem(self, addr: int, data: bytes) -> None:
        """Copy ``data`` into device memory at ``addr`` (every byte must lie in a "ram" region)."""
        addr = check_int("addr", addr, 0, 2**32 - 1)
        data = check_bytes(data)
        self._check_ram(addr, len(data))
        self._memory.write(addr, data)

    def read_mem(self, addr: int, size: int) -> bytes:
        """Return ``size`` bytes of device memory at ``addr`` (every byte must lie in a "ram" region)."""
        addr = check_int("addr", addr, 0, 2**32 - 1)
        size = check_int("size", size, 0, 2**32)
        self._check_ram(addr, size)
        return self._memory.read(addr, size)

    def dcr_write(self, addr: int, value: int) -> None:
        """Write a device configuration register; it takes effect at the next :meth:`start`."""
        addr, value = check_dcr(addr, value)
        self._dcr[addr] = value

    def set_tohost(self, addr: "int | None") -> None:
        """Watch word stores to ``addr`` (the ELF symbol ``tohost``); None disables the check."""
        self._memory.tohost = None if addr is None else check_int("tohost address", addr, 0, 2**32 - 1)

    def start(self) -> None:
        """Reset the device (not memory, not the register files) and get ready to run."""
        self._reset_state()
        self._started = True

    def run(self, max_cycles: int) -> RunResult:
        """Execute up to ``max_cycles`` steps; stop early on an end event or a fault.

        ``cycles`` and ``instret`` in the result count from :meth:`start`. After ``WATCHDOG`` another
        call continues; after any other status the run is over and the same result is returned again.
        """
        max_cycles = check_int("max_cycles", max_cycles, 0, 2**63 - 1)
        if not self._started:
            raise RuntimeError("run() before start()")
        if self._final is not None:
            return self._final
        status, code = self._execute(self._cycles() + max_cycles)
        if status == RunStatus.WATCHDOG:
            return self._result(RunStatus.WATCHDOG)
        self._final = self._result(status, code=code)
        return self._final

    def warps(self) -> list:
        """The state of every warp now, as :class:`WarpDump` objects."""
        return [warp.dump() for warp in self._warps]

    def console(self) -> bytes:
        """Bytes written to ``IO_COUT`` since the previous call."""
        out = bytes(self._memory.console)
        self._memory.console.clear()
        return out

    def log_divergence(self, on: bool) -> None:
        """Record (or stop recording) every divergent branch and ``jalr``: :meth:`divergences`."""
        self._divergences = [] if check_bool("on", on) else None

    def divergences(self) -> list:
        """The divergent branches and jumps since :meth:`log_divergence` (or the previous call), as
        ``(cycle, warp, pc, {next pc: lane mask})`` tuples; drains them."""
        records = self._divergences or []
        if self._divergences is not None:
            self._divergences = []
        return records

    def enable_trace(self, on: bool) -> None:
        """Record (or stop recording) every retired instruction."""
        self._tracing = check_bool("on", on)

    def trace(self) -> np.ndarray:
        """The records retired since the previous call (or :meth:`start`), as ``trace_dtype(threads)``
        records; drains them. ``cycle`` is the step number at which the instruction retired (from 0)."""
        records = self._records(self._trace)
        self._trace = []
        self._replay_scan = 0
        return records

    def _records(self, trace):
        threads = self.config.threads
        records = np.zeros(len(trace), dtype=trace_dtype(threads))
        if not trace:
            return records
        cycle, pc, insn, warp, rd, tmask, values = zip(*trace)
        records["cycle"] = cycle
        records["pc"] = pc
        records["insn"] = insn
        records["warp"] = warp
        records["rd"] = rd
        records["tmask"] = tmask
        if threads == 1:
            records["data"][:, 0] = [v[0] if v else 0 for v in values]
            return records
        data = records["data"]
        full = self._full_mask
        whole = [k for k, (mask, value) in enumerate(zip(tmask, values)) if value and mask == full]
        if whole:
            data[whole] = [values[k] for k in whole]
        lanes_of = {}
        for k, (mask, value) in enumerate(zip(tmask, values)):
            if value and mask != full:
                lanes = lanes_of.get(mask)
                if lanes is None:
                    lanes = lanes_of[mask] = [lane for lane in range(threads) if mask >> lane & 1]
                data[k, lanes] = value
        return records

    def registers(self, warp: int = 0, lane: int = 0) -> list:
        """x0..x31 of one lane (an emulator-only debugging aid, not part of the backend interface)."""
        return list(self._warps[warp].lanes[lane][:32])

    def fregisters(self, warp: int = 0, lane: int = 0) -> list:
        """f0..f31 of one lane as bit patterns (an emulator-only debugging aid, like :meth:`registers`)."""
        return list(self._warps[warp].lanes[lane][F:F + 32])

    def fcsr(self, warp: int = 0) -> int:
        """One warp's fcsr (``frm << 5 | fflags``; an emulator-only debugging aid)."""
        return self._warps[warp].fcsr

    def close(self) -> None:
        """Release device memory and recorded state."""
        self._memory.clear()
        self._trace = []
        self._decoded.clear()
        self._started = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- the tile -----------------------------------------------------------------------------------------

    @property
    def has_tile(self) -> bool:
        return self._tile is not None

    @property
    def tile(self):
        """The :class:`~simtlab.sim.tile_model.TileModel` (None without ``config.tile``)."""
        return self._tile

    def tile_write(self, offset, value):
        """Host write of the tile register at byte ``offset`` of the MMIO window."""
        offset = check_tile_offset(self.config, offset)
        value = check_int("tile register value", value, -2**31, 2**32 - 1) & MASK32
        self._tile.reg_write(offset, value)

    def tile_read(self, offset):
        """Host read of the tile register at byte ``offset`` of the MMIO window."""
        offset = check_tile_offset(self.config, offset)
        return self._tile.reg_read(offset)

    def tile_wait(self, max_cycles):
        """Let the tile work until its interrupt line is high; the cycles that took, or None."""
        check_tile_offset(self.config, 0)
        max_cycles = check_int("max_cycles", max_cycles, 0, 2**63 - 1)
        return self._tile.run(max_cycles)

    def tile_fault(self):
        """``(unit page, address)`` of the tile's fault report, or None."""
        check_tile_offset(self.config, 0)
        return self._tile.fault

    def _tile_sync(self):
        """Bring the tile's clock to the emulator's cycle count."""
        now = self._cycles()
        if now > self._tile_synced:
            self._tile.advance(now - self._tile_synced)
            self._tile_synced = now

    def _mmio_load(self, addr):
        self._tile_sync()
        offset = addr - MemoryMap.MMIO_BASE
        try:
            value = self._tile.reg_read(offset)
        except TileAddressError:
            raise Fault(FaultCause.LOAD_ACCESS, addr) from None
        if self._replay is not None:
            value = self._replayed(offset, value)
        return value

    def _mmio_store(self, addr, value):
        self._tile_sync()
        try:
            self._tile.reg_write(addr - MemoryMap.MMIO_BASE, value)
        except TileAddressError:
            raise Fault(FaultCause.STORE_ACCESS, addr) from None

    def replay_mmio(self, trace):
        """Lock-step aid (emulator only): the timing-dependent reads of the next launches -- MMIO
        loads and cycle-counter CSR reads -- return the values the other backend's retire ``trace``
        shows for the same instruction (the same record number) of the same warp, so that polling
        loops iterate as often as they did there and cycle arithmetic agrees (the way co-simulation
        takes device reads from the design under test). The tile model still runs every layer: a
        replayed ``GLB.INTR_STATUS`` first lets it end its layers in flight until it has those bits
        too. Atomics are performed in the order of the trace's atomics (a warp waits for its turn:
        ``amo_order``). None stops replaying. Needs tracing on."""
        if trace is None:
            self._replay = None
            self.amo_order = None
            return
        trace = np.asarray(trace)
        self.amo_order = [int(w) for w in trace["warp"][(trace["insn"] & 0x7F) == Opcode.AMO]]
        self._replay = {int(w): trace[trace["warp"] == w] for w in np.unique(trace["warp"])}
        self._replay_counts = [0] * len(self._warps)
        self._replay_scan = 0
        self._replay_last = None

    def _replayed(self, offset, value, per_lane=True):
        """The replayed value of the executing warp's current read (see :meth:`replay_mmio`):
        ``per_lane`` reads (MMIO loads) take the lanes of the record's ``tmask`` in call order."""
        counts = self._replay_counts
        for record in self._trace[self._replay_scan:]:
            counts[record[3]] += 1
        self._replay_scan = len(self._trace)
        warp = self._warp
        index = counts[warp.gid]
        call = 0
        if per_lane:
            key = (warp.gid, index)
            last = self._replay_last
            call = last[1] + 1 if last is not None and last[0] == key else 0
            self._replay_last = (key, call)
        stream = self._replay.get(warp.gid)
        if stream is None or index >= len(stream):
            return value
        record = stream[index]
        lanes = [lane for lane in range(self.config.threads) if int(record["tmask"]) >> lane & 1]
        if record["rd"] == 0 or call >= len(lanes):
            return value
        replayed = int(np.atleast_1d(record["data"])[lanes[call]])
        if offset == _INTR_STATUS:
            tile = self._tile
            while replayed & ~tile.intr_status and tile.busy():
                tile.advance(max(1, tile.time_to_next_event()))
        return replayed

    # -- state ------------------------------------------------------------------------------------------

    def _reset_state(self):
        config = self.config
        pc = self._dcr.get(DCR.STARTUP_ADDR0, config.startup_addr)
        old = self._warps
        arg = self._dcr.get(DCR.STARTUP_ARG0, 0)
        # Every core starts its warp 0 at the startup address; registers and local memory persist.
        local = self._memory.local
        local += [bytearray(len(local[0])) for _ in range(config.cores - len(local))]
        self._cores = []
        self._warps = []                    # every warp of the device, by device-wide number (gid)
        for c in range(config.cores):
            core = CoreState(c, config.warps, config.num_barriers, arg)
            core.warps = [WarpState(w, config.threads, pc, tmask=1 if w == 0 else 0, core=core,
                                    lanes=old[c * config.warps + w].lanes if old is not None else None)
                          for w in range(config.warps)]
            self._cores.append(core)
            self._warps += core.warps
        self._gbar = {}                     # global barrier id -> cores whose warps all arrived
        self._warp = self._warps[0]         # the warp executing the current step
        self._enter_core(self._cores[0])
        self._last_wid = -1                 # the warp scheduled last (round robin starts after it)
        self._dirty = True                  # the set of runnable warps may have changed
        self._instret = 0
        self._stalls = 0                    # steps that retired nothing (wspawn waits, deadlock)
        self._thread_instrs = 0
        self._trace = []
        self._final = None
        self._fault = None
        self._tile_synced = 0
        self._replay_counts = [0] * len(self._warps)
        self._replay_scan = 0
        self._replay_last = None
        self.amo_next = 0                   # atomics performed (an index into amo_order)
        self._memory.reservations.clear()
        if self._tile is not None:
            self._tile.reset()

    def _enter_core(self, core):
        """Local memory is per core: ``core``'s serves the loads and stores from now (it runs next)."""
        self._current_core = core
        self._memory.core = core.index

    def _cycles(self):
        return self._instret + self._stalls

    def _result(self, status, code=0):
        fault = self._fault or (0, 0, 0)
        return RunResult(status=status, cycles=self._cycles(), instret=self._instret, code=code,
                         fault_cause=fault[0], fault_pc=fault[1], fault_addr=fault[2],
                         pcs=[warp.pc & MASK32 for warp in self._warps],
                         warps=[warp.dump() for warp in self._warps],
                         thread_instrs=self._thread_instrs,
                         warp_instrs=[warp.retired for warp in self._warps],
                         warp_thread_instrs=[warp.lanes_retired for warp in self._warps])

    def _check_ram(self, addr, size):
        end = addr + size
        while addr < end:
            region = self.config.region_of(addr)
            if region is None or region.kind != "ram":
                raise ValueError(f"address {addr:#010x} is not in a ram region of the memory map")
            addr = region.end

    # -- the execution loop -----------------------------------------------------------------------------

    def _decode(self, insn):
        """``(execute, rd)`` of ``insn`` (:meth:`.emu_decode.Decoder.decode`)."""
        return self._decoder.decode(insn)

    def _execute(self, stop_at):
        """Run steps until the cycle counter reaches ``stop_at`` or the run ends; ``(status, code)``.

        ``self._instret`` (and ``self._stalls``) are kept current so CSR reads can see them.
        """
        fast_pages = self._memory.fast
        fetch_slow = self._memory.fetch_slow
        decoded = self._decoded
        unpack = _U32.unpack_from
        trace = self._trace if self._tracing else None
        warps = self._warps
        runnable = []
        k = 0
        warp = None
        pc = insn = 0
        thread_instrs = 0
        try:
            while True:
                if self._dirty:
                    self._dirty = False
                    if warp is not None:
                        self._last_wid = warp.gid
                    runnable = [w for w in warps if w.tmask and w.barrier is None]
                    count = len(runnable)
                    if not count:
                        if any(w.tmask for w in warps):         # every active warp waits: deadlock
                            self._stalls += max(0, stop_at - self._cycles())
                            self._dirty = True
                            return RunStatus.WATCHDOG, 0
                        return RunStatus.DONE, 0
                    last = self._last_wid
                    for k, w in enumerate(runnable):
                        if w.gid > last:
                            break
                    else:
                        k = 0
                    k -= 1                                      # the step below advances to it
                    limit = stop_at - self._stalls
                if count == 1:
                    # one runnable warp: run it until something changes the set of runnable warps
                    warp = runnable[0]
                    self._warp = warp
                    if warp.core is not self._current_core:
                        self._enter_core(warp.core)
                    pc = warp.pc
                    dmin = warp.dmin
                    retired, lanes = self._instret, thread_instrs
                    try:
                        while self._instret < limit:
                            page = fast_pages.get(pc >> PAGE_BITS)
                            insn = (fetch_slow(pc) if page is None or pc & 3
                                    else unpack(page, pc & PAGE_MASK)[0])
                            entry = decoded.get(insn)
                            if entry is None:
                                entry = decoded[insn] = self._decode(insn)
                            execute, rd = entry
                            xs = warp.xs
                            tmask = warp.tmask
                            next_pc = execute(xs, pc)
                            if trace is not None:
                                trace.append((self._instret + self._stalls, pc, insn, warp.gid, rd, tmask,
                                              [x[rd] for x in xs] if rd else None))
                            self._instret += 1
                            thread_instrs += len(xs)
                            if next_pc >= dmin:     # reaches a deferred lane's PC (min-PC rule)
                                next_pc = warp.regroup({x[LANE]: next_pc for x in warp.xs})
                                dmin = warp.dmin
                            pc = next_pc
                            if self._dirty:
                                break
                        else:
                            return RunStatus.WATCHDOG, 0
                    except Retry as retry:
                        self._stalls += 1
                        limit -= 1
                        if retry.pc is not None:
                            pc = retry.pc
                    finally:
                        warp.pc = pc
                        warp.retired += self._instret - retired
                        warp.lanes_retired += thread_instrs - lanes
                    continue
                # several runnable warps: one instruction of the next one in round-robin order
                k += 1
                if k >= count:
                    k = 0
                if self._instret >= limit:
                    return RunStatus.WATCHDOG, 0
                warp = runnable[k]
                self._warp = warp
                if warp.core is not self._current_core:
                    self._enter_core(warp.core)
                pc = warp.pc
                page = fast_pages.get(pc >> PAGE_BITS)
                insn = fetch_slow(pc) if page is None or pc & 3 else unpack(page, pc & PAGE_MASK)[0]
                entry = decoded.get(insn)
                if entry is None:
                    entry = decoded[insn] = self._decode(insn)
                execute, rd = entry
                xs = warp.xs
                tmask = warp.tmask
                try:
                    next_pc = execute(xs, pc)
                except Retry as retry:
                    self._stalls += 1
                    limit -= 1
                    if retry.pc is not None:
                        warp.pc = retry.pc
                    continue
                if trace is not None:
                    trace.append((self._instret + self._stalls, pc, insn, warp.gid, rd, tmask,
                                  [x[rd] for x in xs] if rd else None))
                self._instret += 1
                thread_instrs += len(xs)
                warp.retired += 1
                warp.lanes_retired += len(xs)
                if next_pc >= warp.dmin:
                    next_pc = warp.regroup({x[LANE]: next_pc for x in warp.xs})
                warp.pc = next_pc
        except Fault as fault:
            self._fault = (fault.cause, pc & MASK32, fault.addr & MASK32)
            return RunStatus.FAULT, 0
        except Stop as stop:
            if trace is not None:
                trace.append((self._instret + self._stalls, pc, insn, warp.gid, 0, tmask, None))
            self._instret += 1
            thread_instrs += len(xs)
            warp.retired += 1
            warp.lanes_retired += len(xs)
            warp.pc = (pc + 4) & MASK32
            return stop.status, stop.code
        finally:
            self._thread_instrs += thread_instrs
            if warp is not None:
                self._last_wid = warp.gid
            self._dirty = True

    # -- CSRs -------------------------------------------------------------------------------------------

    @staticmethod
    def _id_csrs(config):
        """Read-only CSRs whose value is the same for every lane of every warp."""
        return {
            CSR.NUM_THREADS: config.threads, CSR.NUM_WARPS: config.warps, CSR.NUM_CORES: config.cores,
            CSR.LMEM_BASE: MemoryMap.LMEM_BASE,
            CSR.MVENDORID: 0, CSR.MARCHID: 0, CSR.MIMPID: 0,
        }

    def _csr_exists(self, number):
        return (number in CYCLE_CSRS or number in INSTRET_CSRS or number in self._csr_constants
                or number in LANE_CSRS
                or number in (CSR.MSCRATCH, CSR.FFLAGS, CSR.FRM, CSR.FCSR, CSR.CORE_ID))

    def _csr_read(self, number, lane):
        """The value lane ``lane`` of the executing warp reads from CSR ``number``."""
        if number in INSTRET_CSRS:
            return (self._instret >> INSTRET_CSRS[number]) & MASK32
        if number in CYCLE_CSRS:
            value = (self._cycles() >> CYCLE_CSRS[number]) & MASK32
            if self._replay is not None:
                value = self._replayed(None, value, per_lane=False)
            return value
        if number == CSR.MSCRATCH:
            return self._warp.core.mscratch
        if number == CSR.CORE_ID:
            return self._warp.core.index
        if number == CSR.FFLAGS:
            return self._warp.fcsr & 0x1F
        if number == CSR.FRM:
            return self._warp.fcsr >> 5
        if number == CSR.FCSR:
            return self._warp.fcsr
        if number == CSR.THREAD_ID:
            return lane
        if number == CSR.WARP_ID:
            return self._warp.wid
        if number == CSR.ACTIVE_WARPS:
            return sum(1 << w.wid for w in self._warp.core.warps if w.tmask)
        if number == CSR.ACTIVE_THREADS:
            return self._warp.tmask
        if number == CSR.MHARTID:
            return self._warp.gid * self.config.threads + lane
        return self._csr_constants[number]

    def _csr_write(self, number, value):
        if number == CSR.MSCRATCH:
            self._warp.core.mscratch = value
        elif number == CSR.FFLAGS:                          # the float CSRs are per warp
            warp = self._warp
            warp.fcsr = (warp.fcsr & 0xE0) | (value & 0x1F)
        elif number == CSR.FRM:
            warp = self._warp
            warp.fcsr = (warp.fcsr & 0x1F) | ((value & 0x7) << 5)
        elif number == CSR.FCSR:
            self._warp.fcsr = value & 0xFF
        # writes to mcycle/minstret (and their high halves) are ignored



class _TileMemory:
    """What the tile's DMA reaches: the emulator's ram regions (ValueError outside them)."""

    def __init__(self, emu):
        self._emu = emu

    def read(self, addr, nbytes):
        return self._emu.read_mem(addr, nbytes)

    def write(self, addr, data):
        self._emu.write_mem(addr, data)
