"""The functional golden model: an instruction-by-instruction RV32IMF + Zicsr SIMT emulator.

:class:`Emulator` runs a kernel on the same memory map as the RTL model (``SimtConfig.regions``) with
``config.warps`` warps of ``config.threads`` lanes, implements the SIMT execution model of
docs/simt.md (the contract), and offers the same backend interface as the Verilator model, so the
driver can use either and the lock-step checker (:mod:`simtlab.sim.lockstep`) can compare their
retirement traces warp by warp.

Timing model: one *step* per cycle. Each step picks the next runnable warp (active and not waiting at a
barrier) in round-robin order -- the first one after the warp that was scheduled last -- and executes one
instruction for all lanes of its thread mask. A step in which ``wspawn`` has to wait (another warp is
still active) retires nothing but still costs a cycle; when every active warp waits at a barrier, the
remaining cycles of the budget pass idle and the run ends in ``WATCHDOG`` (a barrier deadlock). With one
warp, ``cycles == instret``.

Architectural choices that the RTL must match (they are what the lock-step check compares):

* Decoding is strict. Any encoding RV32IMF + Zicsr does not define is an illegal instruction, including
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
  arithmetic of every op is :func:`simtlab.sim.fp.execute` (SoftFloat, RISC-V flavour). f-registers
  (32 per lane) and every warp's fcsr are 0 at launch.
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
  ``rd = 32 + n`` (f0 included); integer writes keep ``rd`` 1..31.
"""

import struct

import numpy as np

from ..config import SimtConfig
from ..spec.csr import CSR, DCR
from ..spec.fpu import FpuOp
from ..spec.memory import MemoryMap
from ..spec.status import FaultCause, RunStatus
from .fp import execute as fp_execute
from .result import RunResult, WarpDump, trace_dtype

__all__ = ["Emulator", "SparseMemory", "WarpState"]

MASK32 = 0xFFFF_FFFF
PAGE_BITS = 16
PAGE_SIZE = 1 << PAGE_BITS
PAGE_MASK = PAGE_SIZE - 1

#: Register-list slot of f0: f-register n lives in slot ``F + n``, which is also the ``rd`` its writes
#: are traced with (``32 + n``).
F = 32
#: Register-list slot that receives writes to x0, so that instructions never need an ``rd != 0`` test.
SINK = 64
#: Register-list slot holding the lane index (read by per-lane CSRs and by split/pred).
LANE = 65

_U32 = struct.Struct("<I")


def _signed(value):
    """Interpret a 32-bit unsigned value as two's complement."""
    return value - 0x1_0000_0000 if value & 0x8000_0000 else value


def _sext(value, bits):
    """Sign-extend the low ``bits`` bits of ``value`` (returns a Python int, possibly negative)."""
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


# -- internal control-flow exceptions -----------------------------------------------------------------

class _Fault(Exception):
    """Raised by an instruction (or a fetch) that faults; the instruction does not retire."""

    def __init__(self, cause, addr):
        super().__init__(cause, addr)
        self.cause = cause
        self.addr = addr


class _Stop(Exception):
    """Raised by an instruction that ends the run after it retires (tohost, IO_EXIT)."""

    def __init__(self, status, code=0):
        super().__init__(status, code)
        self.status = status
        self.code = code


class _Retry(Exception):
    """Raised by ``wspawn`` while other warps are active: nothing retires, the warp retries later."""


# -- memory ---------------------------------------------------------------------------------------------

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
        return self.kind_of(page_number << PAGE_BITS, PAGE_SIZE) == "ram"

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


# -- architectural state --------------------------------------------------------------------------------

class WarpState:
    """One warp: PC, thread mask, IPDOM stack, barrier wait, fcsr and one register list per lane.

    A lane's register list has 66 slots: x0..x31, f0..f31 (slots :data:`F` + n), the :data:`SINK` for
    writes to x0 and the lane index (:data:`LANE`). ``xs`` lists the register lists of the lanes in
    ``tmask``, lowest lane first (so ``xs[-1]`` is the last active lane). ``ipdom`` entries are
    ``(mask, pc, is_else)``; ``barrier`` is the id of the barrier the warp waits at, or None; ``fcsr``
    is the warp's ``frm << 5 | fflags``.
    """

    def __init__(self, wid, threads, pc, tmask=0):
        self.wid = wid
        self.pc = pc
        self.lanes = [[0] * LANE + [lane] for lane in range(threads)]
        self.ipdom = []
        self.barrier = None
        self.fcsr = 0
        self.set_tmask(tmask)

    def set_tmask(self, tmask):
        self.tmask = tmask
        lanes = self.lanes
        self.xs = [lanes[lane] for lane in range(len(lanes)) if tmask >> lane & 1]

    @property
    def active(self):
        return self.tmask != 0

    def dump(self):
        return WarpDump(warp=self.wid, pc=self.pc & MASK32, tmask=self.tmask, active=self.active,
                        barrier=self.barrier)


# -- ALU operations on unsigned 32-bit operands ----------------------------------------------------------

def _div(a, b):
    if b == 0:
        return MASK32
    sa, sb = _signed(a), _signed(b)
    if sa == -0x8000_0000 and sb == -1:
        return a
    q = abs(sa) // abs(sb)
    return (-q if (sa < 0) != (sb < 0) else q) & MASK32


def _rem(a, b):
    if b == 0:
        return a
    sa, sb = _signed(a), _signed(b)
    if sa == -0x8000_0000 and sb == -1:
        return 0
    r = abs(sa) % abs(sb)
    return (-r if sa < 0 else r) & MASK32


#: (funct7, funct3) -> f(a, b) for the OP opcode.
ALU_OPS = {
    (0x00, 0): lambda a, b: (a + b) & MASK32,                          # add
    (0x20, 0): lambda a, b: (a - b) & MASK32,                          # sub
    (0x00, 1): lambda a, b: (a << (b & 31)) & MASK32,                  # sll
    (0x00, 2): lambda a, b: int(_signed(a) < _signed(b)),              # slt
    (0x00, 3): lambda a, b: int(a < b),                                # sltu
    (0x00, 4): lambda a, b: a ^ b,                                     # xor
    (0x00, 5): lambda a, b: a >> (b & 31),                             # srl
    (0x20, 5): lambda a, b: (_signed(a) >> (b & 31)) & MASK32,         # sra
    (0x00, 6): lambda a, b: a | b,                                     # or
    (0x00, 7): lambda a, b: a & b,                                     # and
}

#: funct3 -> f(a, b) for the M extension (funct7 = 1).
MULDIV_OPS = {
    0: lambda a, b: (a * b) & MASK32,                                  # mul
    1: lambda a, b: ((_signed(a) * _signed(b)) >> 32) & MASK32,        # mulh
    2: lambda a, b: ((_signed(a) * b) >> 32) & MASK32,                 # mulhsu
    3: lambda a, b: (a * b) >> 32,                                     # mulhu
    4: _div,                                                           # div
    5: lambda a, b: MASK32 if b == 0 else a // b,                      # divu
    6: _rem,                                                           # rem
    7: lambda a, b: a if b == 0 else a % b,                            # remu
}

#: funct3 -> condition(a, b) for BRANCH.
BRANCH_CONDS = {
    0: lambda a, b: a == b,                                            # beq
    1: lambda a, b: a != b,                                            # bne
    4: lambda a, b: _signed(a) < _signed(b),                           # blt
    5: lambda a, b: _signed(a) >= _signed(b),                          # bge
    6: lambda a, b: a < b,                                             # bltu
    7: lambda a, b: a >= b,                                            # bgeu
}

#: funct3 -> (size in bytes, sign-extend) for LOAD.
LOAD_KINDS = {0: (1, True), 1: (2, True), 2: (4, False), 4: (1, False), 5: (2, False)}

#: funct3 -> size in bytes for STORE.
STORE_SIZES = {0: 1, 1: 2, 2: 4}

#: CSRs that read the cycle counter / the retired-instruction counter: number -> bit shift.
CYCLE_CSRS = {CSR.MCYCLE: 0, CSR.CYCLE: 0, CSR.MCYCLEH: 32, CSR.CYCLEH: 32}
INSTRET_CSRS = {CSR.MINSTRET: 0, CSR.INSTRET: 0, CSR.MINSTRETH: 32, CSR.INSTRETH: 32}

#: CSRs whose value depends on the lane or the warp (see :meth:`Emulator._csr_read`).
LANE_CSRS = (CSR.THREAD_ID, CSR.WARP_ID, CSR.ACTIVE_WARPS, CSR.ACTIVE_THREADS, CSR.MHARTID)

OPCODE_LOAD, OPCODE_CUSTOM0, OPCODE_MISC_MEM, OPCODE_OP_IMM, OPCODE_AUIPC = 0x03, 0x0B, 0x0F, 0x13, 0x17
OPCODE_STORE, OPCODE_OP, OPCODE_LUI, OPCODE_BRANCH = 0x23, 0x33, 0x37, 0x63
OPCODE_JALR, OPCODE_JAL, OPCODE_SYSTEM = 0x67, 0x6F, 0x73
OPCODE_LOAD_FP, OPCODE_STORE_FP, OPCODE_OP_FP = 0x07, 0x27, 0x53
OPCODE_MADD, OPCODE_MSUB, OPCODE_NMSUB, OPCODE_NMADD = 0x43, 0x47, 0x4B, 0x4F

#: Fused multiply-add opcodes -> operation (rs3 = insn[31:27], fmt = insn[26:25] must be 0).
FUSED_OPS = {OPCODE_MADD: FpuOp.MADD, OPCODE_MSUB: FpuOp.MSUB, OPCODE_NMSUB: FpuOp.NMSUB,
             OPCODE_NMADD: FpuOp.NMADD}

#: OP-FP funct7 -> operation, for the two-operand arithmetic that rounds (rm = funct3).
FP_ARITH_OPS = {0x00: FpuOp.ADD, 0x04: FpuOp.SUB, 0x08: FpuOp.MUL, 0x0C: FpuOp.DIV}

#: OP-FP (funct7, funct3) -> operation, for the two-operand ops without a rounding mode.
FP_SELECT_OPS = {
    (0x10, 0): FpuOp.SGNJ, (0x10, 1): FpuOp.SGNJN, (0x10, 2): FpuOp.SGNJX,
    (0x14, 0): FpuOp.MIN, (0x14, 1): FpuOp.MAX,
    (0x50, 2): FpuOp.EQ, (0x50, 1): FpuOp.LT, (0x50, 0): FpuOp.LE,
}

#: Operations of FP_SELECT_OPS whose result goes to an integer register.
FP_INT_RESULT = {FpuOp.EQ, FpuOp.LT, FpuOp.LE}

#: Operations that only move or re-sign bits and never raise a flag: the emulator runs them inline
#: (the same definitions as :func:`simtlab.sim.fp.execute`, which the unit tests compare them with).
FP_BIT_OPS = {
    FpuOp.MV_X_W: lambda a, b: a,
    FpuOp.MV_W_X: lambda a, b: a,
    FpuOp.SGNJ: lambda a, b: (a & 0x7FFF_FFFF) | (b & 0x8000_0000),
    FpuOp.SGNJN: lambda a, b: (a & 0x7FFF_FFFF) | (~b & 0x8000_0000),
    FpuOp.SGNJX: lambda a, b: a ^ (b & 0x8000_0000),
}

#: Rounding-mode fields that are reserved (an illegal instruction wherever they appear) and dynamic.
RM_RESERVED, RM_DYN = (5, 6), 7

#: custom-0 funct3 values (docs/simt.md).
SIMT_TMC, SIMT_WSPAWN, SIMT_SPLIT, SIMT_JOIN, SIMT_BAR, SIMT_PRED = range(6)


class Emulator:
    """RV32IMF + Zicsr SIMT golden model implementing the simtlab backend interface (module docstring).

    Typical use::

        emu = Emulator(config)
        emu.write_mem(addr, image)
        emu.start()
        result = emu.run(max_cycles=1_000_000)
    """

    def __init__(self, config: SimtConfig):
        self.config = config
        self._full_mask = (1 << config.threads) - 1
        self._mem = SparseMemory(config.regions)
        self._dcr = {}
        self._tohost = None
        self._console = bytearray()
        self._tracing = False
        self._trace = []
        self._decoded = {}                  # instruction word -> (execute(xs, pc) -> next pc, rd)
        self._csr_constants = self._id_csrs(config)
        self._started = False
        self._final = None                  # RunResult of the end event, once the run has ended
        self._reset_state()

    # -- backend interface ------------------------------------------------------------------------------

    def write_mem(self, addr: int, data: bytes) -> None:
        """Copy ``data`` into device memory at ``addr`` (every byte must lie in a "ram" region)."""
        self._check_ram(addr, len(data))
        self._mem.write(addr, data)

    def read_mem(self, addr: int, size: int) -> bytes:
        """Return ``size`` bytes of device memory at ``addr`` (every byte must lie in a "ram" region)."""
        self._check_ram(addr, size)
        return self._mem.read(addr, size)

    def dcr_write(self, addr: int, value: int) -> None:
        """Write a device configuration register; it takes effect at the next :meth:`start`."""
        known = (DCR.STARTUP_ADDR0, DCR.STARTUP_ADDR1, DCR.STARTUP_ARG0, DCR.STARTUP_ARG1, DCR.MPM_CLASS)
        if addr not in known:
            raise ValueError(f"unknown DCR address {addr:#x}")
        self._dcr[addr] = value & MASK32

    def set_tohost(self, addr: int | None) -> None:
        """Watch word stores to ``addr`` (the ELF symbol ``tohost``); None disables the check."""
        self._tohost = addr

    def start(self) -> None:
        """Reset the architectural state (not memory, not the console) and get ready to run."""
        self._reset_state()
        self._started = True

    def run(self, max_cycles: int) -> RunResult:
        """Execute up to ``max_cycles`` steps; stop early on an end event or a fault.

        ``cycles`` and ``instret`` in the result count from :meth:`start`. After ``WATCHDOG`` another
        call continues; after any other status the run is over and the same result is returned again.
        """
        if not self._started:
            raise RuntimeError("Emulator.run() called before start()")
        if self._final is not None:
            return self._final
        status, code = self._execute(self._cycles() + max(0, int(max_cycles)))
        if status == RunStatus.WATCHDOG:
            return self._result(RunStatus.WATCHDOG)
        self._final = self._result(status, code=code)
        return self._final

    def console(self) -> bytes:
        """Bytes written to ``IO_COUT`` since the previous call."""
        out = bytes(self._console)
        self._console.clear()
        return out

    def enable_trace(self, on: bool) -> None:
        """Record (or stop recording) every retired instruction."""
        self._tracing = bool(on)

    def trace(self) -> np.ndarray:
        """Every record traced since :meth:`start`, as ``trace_dtype(config.threads)`` records.

        The trace is not drained: each call returns all records from the start of the run (``start``
        clears it). ``cycle`` is the step number at which the instruction retired (from 0).
        """
        threads = self.config.threads
        records = np.zeros(len(self._trace), dtype=trace_dtype(threads))
        if not self._trace:
            return records
        cycle, pc, insn, warp, rd, tmask, values = zip(*self._trace)
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
        self._mem.clear()
        self._trace = []
        self._decoded.clear()
        self._started = False

    # -- state ------------------------------------------------------------------------------------------

    def _reset_state(self):
        config = self.config
        pc = self._dcr.get(DCR.STARTUP_ADDR0, config.startup_addr)
        self._warps = [WarpState(w, config.threads, pc, tmask=1 if w == 0 else 0)
                       for w in range(config.warps)]
        self._warp = self._warps[0]         # the warp executing the current step
        self._last_wid = -1                 # the warp scheduled last (round robin starts after it)
        self._dirty = True                  # the set of runnable warps may have changed
        self._instret = 0
        self._stalls = 0                    # steps that retired nothing (wspawn waits, deadlock)
        self._thread_instrs = 0
        self._bar_counts = [0] * config.num_barriers
        self._mscratch = self._dcr.get(DCR.STARTUP_ARG0, 0)
        self._trace = []
        self._final = None
        self._fault = None

    def _cycles(self):
        return self._instret + self._stalls

    def _result(self, status, code=0):
        fault = self._fault or (0, 0, 0)
        return RunResult(status=status, cycles=self._cycles(), instret=self._instret, code=code,
                         fault_cause=fault[0], fault_pc=fault[1], fault_addr=fault[2],
                         pcs=[warp.pc & MASK32 for warp in self._warps],
                         warps=[warp.dump() for warp in self._warps],
                         thread_instrs=self._thread_instrs)

    def _check_ram(self, addr, size):
        if size < 0 or addr < 0:
            raise ValueError(f"bad memory range: address {addr:#x}, size {size}")
        end = addr + size
        while addr < end:
            region = self.config.region_of(addr)
            if region is None or region.kind != "ram":
                raise ValueError(f"address {addr:#010x} is not in a ram region of the memory map")
            addr = region.end

    # -- the execution loop -----------------------------------------------------------------------------

    def _execute(self, stop_at):
        """Run steps until the cycle counter reaches ``stop_at`` or the run ends; ``(status, code)``.

        ``self._instret`` (and ``self._stalls``) are kept current so CSR reads can see them.
        """
        fast_pages = self._mem.fast
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
                        self._last_wid = warp.wid
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
                        if w.wid > last:
                            break
                    else:
                        k = 0
                    k -= 1                                      # the step below advances to it
                    limit = stop_at - self._stalls
                if count == 1:
                    # one runnable warp: run it until something changes the set of runnable warps
                    warp = runnable[0]
                    self._warp = warp
                    pc = warp.pc
                    try:
                        while self._instret < limit:
                            page = fast_pages.get(pc >> PAGE_BITS)
                            insn = (self._fetch_slow(pc) if page is None or pc & 3
                                    else unpack(page, pc & PAGE_MASK)[0])
                            entry = decoded.get(insn)
                            if entry is None:
                                entry = decoded[insn] = self._decode(insn)
                            execute, rd = entry
                            xs = warp.xs
                            tmask = warp.tmask
                            next_pc = execute(xs, pc)
                            if trace is not None:
                                trace.append((self._instret + self._stalls, pc, insn, warp.wid, rd, tmask,
                                              [x[rd] for x in xs] if rd else None))
                            self._instret += 1
                            thread_instrs += len(xs)
                            pc = next_pc
                            if self._dirty:
                                break
                        else:
                            return RunStatus.WATCHDOG, 0
                    except _Retry:
                        self._stalls += 1
                        limit -= 1
                    finally:
                        warp.pc = pc
                    continue
                # several runnable warps: one instruction of the next one in round-robin order
                k += 1
                if k >= count:
                    k = 0
                if self._instret >= limit:
                    return RunStatus.WATCHDOG, 0
                warp = runnable[k]
                self._warp = warp
                pc = warp.pc
                page = fast_pages.get(pc >> PAGE_BITS)
                insn = self._fetch_slow(pc) if page is None or pc & 3 else unpack(page, pc & PAGE_MASK)[0]
                entry = decoded.get(insn)
                if entry is None:
                    entry = decoded[insn] = self._decode(insn)
                execute, rd = entry
                xs = warp.xs
                tmask = warp.tmask
                try:
                    next_pc = execute(xs, pc)
                except _Retry:
                    self._stalls += 1
                    limit -= 1
                    continue
                if trace is not None:
                    trace.append((self._instret + self._stalls, pc, insn, warp.wid, rd, tmask,
                                  [x[rd] for x in xs] if rd else None))
                self._instret += 1
                thread_instrs += len(xs)
                warp.pc = next_pc
        except _Fault as fault:
            self._fault = (fault.cause, pc & MASK32, fault.addr & MASK32)
            return RunStatus.FAULT, 0
        except _Stop as stop:
            if trace is not None:
                trace.append((self._instret + self._stalls, pc, insn, warp.wid, 0, tmask, None))
            self._instret += 1
            thread_instrs += len(xs)
            warp.pc = (pc + 4) & MASK32
            return stop.status, stop.code
        finally:
            self._thread_instrs += thread_instrs
            if warp is not None:
                self._last_wid = warp.wid
            self._dirty = True

    def _fetch_slow(self, pc):
        """Fetch outside the fast pages: untouched ram reads 0 (illegal), anything else faults."""
        if pc & 3:
            raise _Fault(FaultCause.INSN_MISALIGNED, pc)
        if pc > MASK32 or self._mem.kind_of(pc, 4) != "ram":
            raise _Fault(FaultCause.INSN_ACCESS, pc)
        return _U32.unpack(self._mem.read(pc, 4))[0]

    # -- data memory ------------------------------------------------------------------------------------

    def _load(self, addr, size):
        """Unsigned value of the ``size``-byte load at ``addr`` (faults on misalignment / no region)."""
        if addr & (size - 1):
            raise _Fault(FaultCause.LOAD_MISALIGNED, addr)
        page = self._mem.fast.get(addr >> PAGE_BITS)
        if page is not None:
            offset = addr & PAGE_MASK
            return int.from_bytes(page[offset:offset + size], "little")
        kind = self._mem.kind_of(addr, size)
        if kind == "ram":
            return int.from_bytes(self._mem.read(addr, size), "little")
        if kind == "io":
            return 0
        raise _Fault(FaultCause.LOAD_ACCESS, addr)

    def _check_store(self, addr, size):
        """Raise the fault a ``size``-byte store at ``addr`` would raise, if any."""
        if addr & (size - 1):
            raise _Fault(FaultCause.STORE_MISALIGNED, addr)
        if addr >> PAGE_BITS not in self._mem.fast and self._mem.kind_of(addr, size) not in ("ram", "io"):
            raise _Fault(FaultCause.STORE_ACCESS, addr)

    def _store(self, addr, size, value):
        """Store the low ``size`` bytes of ``value`` at ``addr``; handles I/O and ``tohost``.

        Returns a :class:`_Stop` (not raised) when the store ends the run, else None.
        """
        if addr & (size - 1):
            raise _Fault(FaultCause.STORE_MISALIGNED, addr)
        value &= (1 << (8 * size)) - 1
        page = self._mem.fast.get(addr >> PAGE_BITS)
        if page is not None:
            offset = addr & PAGE_MASK
            page[offset:offset + size] = value.to_bytes(size, "little")
        else:
            kind = self._mem.kind_of(addr, size)
            if kind == "io":
                return self._store_io(addr, value)
            if kind != "ram":
                raise _Fault(FaultCause.STORE_ACCESS, addr)
            self._mem.write(addr, value.to_bytes(size, "little"))
        if addr == self._tohost and size == 4 and value & 1:
            return _Stop(RunStatus.TOHOST, value >> 1)
        return None

    def _store_io(self, addr, value):
        if addr == MemoryMap.IO_COUT:
            self._console.append(value & 0xFF)
        elif addr == MemoryMap.IO_EXIT:
            return _Stop(RunStatus.EXIT, value)
        return None

    # -- CSRs -------------------------------------------------------------------------------------------

    @staticmethod
    def _id_csrs(config):
        """Read-only CSRs whose value is the same for every lane of every warp."""
        return {
            CSR.CORE_ID: 0,
            CSR.NUM_THREADS: config.threads, CSR.NUM_WARPS: config.warps, CSR.NUM_CORES: config.cores,
            CSR.LMEM_BASE: MemoryMap.LMEM_BASE,
            CSR.MVENDORID: 0, CSR.MARCHID: 0, CSR.MIMPID: 0,
        }

    def _csr_exists(self, number):
        return (number in CYCLE_CSRS or number in INSTRET_CSRS or number in self._csr_constants
                or number in LANE_CSRS or number in (CSR.MSCRATCH, CSR.FFLAGS, CSR.FRM, CSR.FCSR))

    def _csr_read(self, number, lane):
        """The value lane ``lane`` of the executing warp reads from CSR ``number``."""
        if number in INSTRET_CSRS:
            return (self._instret >> INSTRET_CSRS[number]) & MASK32
        if number in CYCLE_CSRS:
            return (self._cycles() >> CYCLE_CSRS[number]) & MASK32
        if number == CSR.MSCRATCH:
            return self._mscratch
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
            return sum(1 << w.wid for w in self._warps if w.tmask)
        if number == CSR.ACTIVE_THREADS:
            return self._warp.tmask
        if number == CSR.MHARTID:
            core = 0
            return (core * self.config.warps + self._warp.wid) * self.config.threads + lane
        return self._csr_constants[number]

    def _csr_write(self, number, value):
        if number == CSR.MSCRATCH:
            self._mscratch = value
        elif number == CSR.FFLAGS:                          # the float CSRs are per warp
            warp = self._warp
            warp.fcsr = (warp.fcsr & 0xE0) | (value & 0x1F)
        elif number == CSR.FRM:
            warp = self._warp
            warp.fcsr = (warp.fcsr & 0x1F) | ((value & 0x7) << 5)
        elif number == CSR.FCSR:
            self._warp.fcsr = value & 0xFF
        # writes to mcycle/minstret (and their high halves) are ignored

    # -- decoding ---------------------------------------------------------------------------------------

    def _decode(self, insn):
        """Turn an instruction word into ``(execute, rd)``: ``execute(xs, pc)`` performs it for the lane
        register lists ``xs`` (the executing warp's active lanes, lowest first) and returns the next PC;
        ``rd`` is the register it writes (0 for none). Unknown encodings decode to an ``execute`` that
        raises an illegal-instruction fault."""
        handler = self._DECODERS.get(insn & 0x7F)
        entry = handler(self, insn) if handler is not None else None
        if entry is None:
            return self._illegal(insn), 0
        return entry

    @staticmethod
    def _illegal(insn):
        def execute(xs, pc):
            raise _Fault(FaultCause.ILLEGAL_INSN, insn)
        return execute

    @staticmethod
    def _fields(insn):
        """(rd, funct3, rs1, rs2, funct7) with rd = x0 redirected to the :data:`SINK` slot."""
        rd = (insn >> 7) & 31
        return rd or SINK, (insn >> 12) & 7, (insn >> 15) & 31, (insn >> 20) & 31, insn >> 25

    @staticmethod
    def _arch_rd(rd):
        return 0 if rd == SINK else rd

    def _decode_lui(self, insn):
        rd, value = self._fields(insn)[0], insn & 0xFFFF_F000

        def execute(xs, pc):
            for x in xs:
                x[rd] = value
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_auipc(self, insn):
        rd, offset = self._fields(insn)[0], insn & 0xFFFF_F000

        def execute(xs, pc):
            value = (pc + offset) & MASK32
            for x in xs:
                x[rd] = value
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_jal(self, insn):
        rd = self._fields(insn)[0]
        offset = _sext(((insn >> 31) << 20) | (((insn >> 12) & 0xFF) << 12)
                       | (((insn >> 20) & 1) << 11) | (((insn >> 21) & 0x3FF) << 1), 21)

        def execute(xs, pc):
            target = (pc + offset) & MASK32
            if target & 3:
                raise _Fault(FaultCause.INSN_MISALIGNED, target)
            link = (pc + 4) & MASK32
            for x in xs:
                x[rd] = link
            return target
        return execute, self._arch_rd(rd)

    def _decode_jalr(self, insn):
        rd, funct3, rs1, _, _ = self._fields(insn)
        if funct3 != 0:
            return None
        offset = _sext(insn >> 20, 12)

        def execute(xs, pc):
            target = ((xs[-1][rs1] + offset) & MASK32) & ~1          # the last active lane decides
            if target & 3:
                raise _Fault(FaultCause.INSN_MISALIGNED, target)
            link = (pc + 4) & MASK32
            for x in xs:
                x[rd] = link
            return target
        return execute, self._arch_rd(rd)

    def _decode_branch(self, insn):
        _, funct3, rs1, rs2, _ = self._fields(insn)
        cond = BRANCH_CONDS.get(funct3)
        if cond is None:
            return None
        offset = _sext(((insn >> 31) << 12) | (((insn >> 7) & 1) << 11)
                       | (((insn >> 25) & 0x3F) << 5) | (((insn >> 8) & 0xF) << 1), 13)

        def execute(xs, pc):
            x = xs[-1]                                              # the last active lane decides
            if cond(x[rs1], x[rs2]):
                target = (pc + offset) & MASK32
                if target & 3:
                    raise _Fault(FaultCause.INSN_MISALIGNED, target)
                return target
            return pc + 4
        return execute, 0

    def _decode_load(self, insn):
        rd, funct3, rs1, _, _ = self._fields(insn)
        kind = LOAD_KINDS.get(funct3)
        if kind is None:
            return None
        size, signed = kind
        offset = _sext(insn >> 20, 12)
        load = self._load
        sign_bit = 1 << (8 * size - 1)
        extend = (sign_bit << 1) if signed else 0

        def execute(xs, pc):
            if len(xs) == 1:
                x = xs[0]
                value = load((x[rs1] + offset) & MASK32, size)
                x[rd] = (value - extend) & MASK32 if value & sign_bit and signed else value
                return pc + 4
            # every lane's access is checked (lowest lane first) before any register is written
            values = [load((x[rs1] + offset) & MASK32, size) for x in xs]
            for x, value in zip(xs, values):
                x[rd] = (value - extend) & MASK32 if value & sign_bit and signed else value
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_store(self, insn):
        _, funct3, rs1, rs2, _ = self._fields(insn)
        size = STORE_SIZES.get(funct3)
        if size is None:
            return None
        offset = _sext(((insn >> 25) << 5) | ((insn >> 7) & 0x1F), 12)
        store, check = self._store, self._check_store

        def execute(xs, pc):
            if len(xs) == 1:
                x = xs[0]
                stop = store((x[rs1] + offset) & MASK32, size, x[rs2])
            else:
                for x in xs:                                        # no lane stores if any faults
                    check((x[rs1] + offset) & MASK32, size)
                stop = None
                for x in xs:
                    event = store((x[rs1] + offset) & MASK32, size, x[rs2])
                    if stop is None:
                        stop = event
            if stop is not None:
                raise stop
            return pc + 4
        return execute, 0

    def _decode_op_imm(self, insn):
        rd, funct3, rs1, _, funct7 = self._fields(insn)
        imm = _sext(insn >> 20, 12) & MASK32
        if funct3 == 0:                                     # addi: the most common instruction
            def execute(xs, pc):
                for x in xs:
                    x[rd] = (x[rs1] + imm) & MASK32
                return pc + 4
            return execute, self._arch_rd(rd)
        if funct3 in (1, 5):                                # shifts: funct7 selects srl/sra
            op = ALU_OPS.get((funct7, funct3))
            imm &= 31
        else:
            op = ALU_OPS[(0, funct3)]
        if op is None:
            return None

        def execute(xs, pc):
            for x in xs:
                x[rd] = op(x[rs1], imm)
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_op(self, insn):
        rd, funct3, rs1, rs2, funct7 = self._fields(insn)
        if funct7 == 1:
            op = MULDIV_OPS[funct3] if self.config.muldiv else None
        else:
            op = ALU_OPS.get((funct7, funct3))
        if op is None:
            return None

        def execute(xs, pc):
            for x in xs:
                x[rd] = op(x[rs1], x[rs2])
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_misc_mem(self, insn):
        if (insn >> 12) & 7 not in (0, 1):                  # fence, fence.i
            return None

        def execute(xs, pc):
            return pc + 4
        return execute, 0

    def _decode_system(self, insn):
        rd, funct3, rs1, _, _ = self._fields(insn)
        number = insn >> 20
        if funct3 in (0, 4) or not self._csr_exists(number):
            return None
        immediate = funct3 >= 5                             # csrrwi/csrrsi/csrrci: rs1 is uimm
        op = funct3 & 3                                     # 1 write, 2 set, 3 clear
        writes = op == 1 or rs1 != 0
        if writes and number >> 10 == 3:                    # 0xCxx and 0xFxx are read-only
            return None
        read, write = self._csr_read, self._csr_write
        per_lane = number in LANE_CSRS

        def execute(xs, pc):
            last = xs[-1]
            old = read(number, last[LANE])                  # writable CSRs are per core
            if writes:
                operand = rs1 if immediate else last[rs1]   # the last active lane's operand
                write(number, operand if op == 1 else (old | operand if op == 2 else old & ~operand))
            if per_lane:
                for x in xs:
                    x[rd] = read(number, x[LANE])
            else:
                for x in xs:
                    x[rd] = old
            return pc + 4
        return execute, self._arch_rd(rd)

    # -- F extension (RV32F) ------------------------------------------------------------------------------

    def _fp_rm(self, insn):
        """The rounding-mode field of ``insn``: 0-4 or :data:`RM_DYN`; None if reserved (illegal)."""
        rm = (insn >> 12) & 7
        return None if rm in RM_RESERVED else rm

    def _fp(self, insn, op, rm, rd, a, b=0, c=0):
        """``execute`` of one F operation: ``rd``, ``a``, ``b``, ``c`` are register-list slots (f-registers
        at :data:`F` + n, integers at n, x0's slot reads 0 and stands in for unused operands). Every
        active lane computes with :func:`simtlab.sim.fp.execute` (moves and sign injection, which raise
        no flags, inline: :data:`FP_BIT_OPS`); the OR of their flags accrues into the warp's fflags.
        ``rm`` :data:`RM_DYN` reads the warp's frm, which must be 0-4."""
        bit_op = FP_BIT_OPS.get(op)
        if bit_op is not None:
            if op is FpuOp.MV_X_W or op is FpuOp.MV_W_X:
                def execute(xs, pc):
                    for x in xs:
                        x[rd] = x[a]
                    return pc + 4
                return execute

            def execute(xs, pc):
                for x in xs:
                    x[rd] = bit_op(x[a], x[b])
                return pc + 4
            return execute
        if rm == RM_DYN:
            def execute(xs, pc):
                warp = self._warp
                mode = warp.fcsr >> 5
                if mode > 4:
                    raise _Fault(FaultCause.ILLEGAL_INSN, insn)
                flags = 0
                for x in xs:
                    x[rd], raised = fp_execute(op, mode, x[a], x[b], x[c])
                    flags |= raised
                warp.fcsr |= flags
                return pc + 4
            return execute

        def execute(xs, pc):
            flags = 0
            for x in xs:
                x[rd], raised = fp_execute(op, rm, x[a], x[b], x[c])
                flags |= raised
            if flags:
                self._warp.fcsr |= flags
            return pc + 4
        return execute

    def _decode_load_fp(self, insn):
        rd, funct3, rs1, _, _ = self._fields(insn)
        if not self.config.fpu or funct3 != 2:              # flw only
            return None
        rd = F + ((insn >> 7) & 31)                         # f0 is a register
        offset = _sext(insn >> 20, 12)
        load = self._load

        def execute(xs, pc):
            # every lane's access is checked (lowest lane first) before any register is written
            values = [load((x[rs1] + offset) & MASK32, 4) for x in xs]
            for x, value in zip(xs, values):
                x[rd] = value
            return pc + 4
        return execute, rd

    def _decode_store_fp(self, insn):
        _, funct3, rs1, rs2, _ = self._fields(insn)
        if not self.config.fpu or funct3 != 2:              # fsw only
            return None
        rs2 += F
        offset = _sext(((insn >> 25) << 5) | ((insn >> 7) & 0x1F), 12)
        store, check = self._store, self._check_store

        def execute(xs, pc):
            for x in xs:                                    # no lane stores if any faults
                check((x[rs1] + offset) & MASK32, 4)
            stop = None
            for x in xs:
                event = store((x[rs1] + offset) & MASK32, 4, x[rs2])
                if stop is None:
                    stop = event
            if stop is not None:
                raise stop
            return pc + 4
        return execute, 0

    def _decode_fused(self, insn):
        if not self.config.fpu or (insn >> 25) & 3:         # fmt must be 00 (single precision)
            return None
        rm = self._fp_rm(insn)
        if rm is None:
            return None
        rd, rs1, rs2, rs3 = (insn >> 7) & 31, (insn >> 15) & 31, (insn >> 20) & 31, insn >> 27
        op = FUSED_OPS[insn & 0x7F]
        return self._fp(insn, op, rm, F + rd, F + rs1, F + rs2, F + rs3), F + rd

    def _decode_op_fp(self, insn):
        if not self.config.fpu:
            return None
        xd, funct3, rs1, rs2, funct7 = self._fields(insn)
        fd = F + ((insn >> 7) & 31)
        fs1, fs2 = F + rs1, F + rs2
        op = FP_ARITH_OPS.get(funct7)
        if op is not None or funct7 == 0x2C:                # add sub mul div, sqrt: f <- f (op f)
            if op is None:
                if rs2:
                    return None
                op, fs2 = FpuOp.SQRT, 0
            rm = self._fp_rm(insn)
            return (self._fp(insn, op, rm, fd, fs1, fs2), fd) if rm is not None else None
        op = FP_SELECT_OPS.get((funct7, funct3))
        if op is not None:                                  # sgnj*, min/max: f; compares: x
            if op in FP_INT_RESULT:
                return self._fp(insn, op, 0, xd, fs1, fs2), self._arch_rd(xd)
            return self._fp(insn, op, 0, fd, fs1, fs2), fd
        if funct7 in (0x60, 0x68):                          # fcvt.w[u].s: x <- f; fcvt.s.w[u]: f <- x
            rm = self._fp_rm(insn)
            if rs2 > 1 or rm is None:
                return None
            if funct7 == 0x60:
                op = FpuOp.CVT_WU_S if rs2 else FpuOp.CVT_W_S
                return self._fp(insn, op, rm, xd, fs1), self._arch_rd(xd)
            op = FpuOp.CVT_S_WU if rs2 else FpuOp.CVT_S_W
            return self._fp(insn, op, rm, fd, rs1), fd
        if rs2:
            return None
        if funct7 == 0x70 and funct3 in (0, 1):             # fmv.x.w, fclass.s: x <- f
            op = FpuOp.CLASS if funct3 else FpuOp.MV_X_W
            return self._fp(insn, op, 0, xd, fs1), self._arch_rd(xd)
        if funct7 == 0x78 and funct3 == 0:                  # fmv.w.x: f <- x
            return self._fp(insn, FpuOp.MV_W_X, 0, fd, rs1), fd
        return None

    # -- SIMT instructions (custom-0, docs/simt.md) ----------------------------------------------------

    def _decode_custom0(self, insn):
        rd, funct3, rs1, rs2, funct7 = self._fields(insn)
        if funct7 != 0 or funct3 > SIMT_PRED:
            return None
        if funct3 == SIMT_TMC:
            set_tmask = self._set_tmask

            def execute(xs, pc):
                set_tmask(self._warp, xs[-1][rs1] & self._full_mask)
                return pc + 4
            return execute, 0
        if funct3 == SIMT_WSPAWN:
            return self._wspawn(rs1, rs2), 0
        if funct3 == SIMT_SPLIT:
            return self._split(rs1, 1 if rs2 else 0, rd), self._arch_rd(rd)
        if funct3 == SIMT_JOIN:
            return self._join(rs1), 0
        if funct3 == SIMT_BAR:
            return self._bar(rs1, rs2), 0
        return self._pred(rs1, rs2, 0 if rd == SINK else 1), 0

    def _set_tmask(self, warp, tmask):
        """Set a warp's thread mask; an empty mask makes it inactive (the scheduler notices)."""
        warp.set_tmask(tmask)
        if not tmask:
            self._dirty = True

    def _lane_bits(self, xs, rs1, negate):
        """The lanes of ``xs`` whose ``rs1[0] ^ negate`` is set, as a mask."""
        bits = 0
        for x in xs:
            if (x[rs1] ^ negate) & 1:
                bits |= 1 << x[LANE]
        return bits

    # Decoded instructions are cached across launches: their closures must read self._warps at
    # execution time, since every start() builds new warp objects.
    def _wspawn(self, rs1, rs2):
        count_max = self.config.warps

        def execute(xs, pc):
            warps = self._warps
            count, target = xs[-1][rs1], xs[-1][rs2]
            if count == 0 or count > count_max:
                raise _Fault(FaultCause.WSPAWN_RANGE, count)
            issuer = self._warp
            if any(w.tmask for w in warps if w is not issuer):
                raise _Retry()
            for w in warps[1:count]:
                if w is not issuer:
                    w.pc = target
                    w.set_tmask(1)
                    w.ipdom.clear()
                    w.barrier = None
            self._dirty = True
            return pc + 4
        return execute

    def _split(self, rs1, negate, rd):
        depth = self.config.ipdom_depth
        lane_bits = self._lane_bits

        def execute(xs, pc):
            warp = self._warp
            stack = warp.ipdom
            sp = len(stack)
            tmask = warp.tmask
            taken = lane_bits(xs, rs1, negate)
            then, other = tmask & taken, tmask & ~taken
            if then and other:
                if sp + 2 > depth:
                    raise _Fault(FaultCause.IPDOM_OVERFLOW, sp)
                if bin(then).count("1") > bin(other).count("1"):
                    then, other = other, then               # the smaller side runs first
                stack.append((tmask, 0, False))
                stack.append((other, (pc + 4) & MASK32, True))
                warp.set_tmask(then)
            for x in xs:
                x[rd] = sp
            return pc + 4
        return execute

    def _join(self, rs1):
        def execute(xs, pc):
            warp = self._warp
            stack = warp.ipdom
            token = xs[-1][rs1]
            sp = len(stack)
            if token == sp:
                return pc + 4
            if token > sp:
                raise _Fault(FaultCause.JOIN_WITHOUT_SPLIT, token)
            mask, target, is_else = stack.pop()
            warp.set_tmask(mask)
            return target if is_else else pc + 4
        return execute

    def _bar(self, rs1, rs2):
        num_barriers = self.config.num_barriers
        warp_count = self.config.warps

        def execute(xs, pc):
            warps = self._warps
            bid, n = xs[-1][rs1] & 0x7FFF_FFFF, xs[-1][rs2]
            if bid >= num_barriers or n > warp_count:
                raise _Fault(FaultCause.BARRIER_RANGE, bid)
            if n > 1:
                bar_counts = self._bar_counts
                bar_counts[bid] += 1
                if bar_counts[bid] >= n:
                    bar_counts[bid] = 0
                    for w in warps:
                        if w.barrier == bid:
                            w.barrier = None
                else:
                    self._warp.barrier = bid
                self._dirty = True
            return pc + 4
        return execute

    def _pred(self, rs1, rs2, negate):
        lane_bits = self._lane_bits
        set_tmask = self._set_tmask

        def execute(xs, pc):
            warp = self._warp
            new = warp.tmask & lane_bits(xs, rs1, negate)
            if not new:
                new = xs[-1][rs2] & self._full_mask
            set_tmask(warp, new)
            return pc + 4
        return execute

    _DECODERS = {
        OPCODE_LUI: _decode_lui,
        OPCODE_AUIPC: _decode_auipc,
        OPCODE_JAL: _decode_jal,
        OPCODE_JALR: _decode_jalr,
        OPCODE_BRANCH: _decode_branch,
        OPCODE_LOAD: _decode_load,
        OPCODE_STORE: _decode_store,
        OPCODE_OP_IMM: _decode_op_imm,
        OPCODE_OP: _decode_op,
        OPCODE_MISC_MEM: _decode_misc_mem,
        OPCODE_CUSTOM0: _decode_custom0,
        OPCODE_SYSTEM: _decode_system,
        OPCODE_LOAD_FP: _decode_load_fp,
        OPCODE_STORE_FP: _decode_store_fp,
        OPCODE_OP_FP: _decode_op_fp,
        OPCODE_MADD: _decode_fused,
        OPCODE_MSUB: _decode_fused,
        OPCODE_NMSUB: _decode_fused,
        OPCODE_NMADD: _decode_fused,
    }
