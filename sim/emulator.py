"""The functional golden model: an instruction-by-instruction RV32IM + Zicsr emulator.

:class:`Emulator` runs a kernel on the same memory map as the RTL model (``SimtConfig.regions``) and
implements the same backend interface as the Verilator model, so the driver can use either and the
lock-step checker (:mod:`simtlab.sim.lockstep`) can compare their retirement traces.

Timing model: one instruction per cycle, so ``cycles == instret``.

Architectural choices that the RTL must match (they are what the lock-step check compares):

* Decoding is strict. Any encoding RV32IM + Zicsr does not define is an illegal instruction, including
  non-zero ``funct7`` bits on R-type and shift-immediate forms, ``ecall``/``ebreak``/``mret``/``wfi``
  (the whole SYSTEM ``funct3 = 0`` space), compressed encodings, and every custom-0 instruction but
  ``tmc``. ``fence`` and ``fence.i`` are no-ops whatever their other fields hold. With
  ``config.muldiv`` off the M instructions are illegal too.
* ``tmc rs1``: thread mask := ``rs1[NT-1:0]`` (``NT = config.threads``); an empty mask retires the warp.
* The instruction that ends a run (``tmc`` with an empty mask, the ``tohost`` store, the ``IO_EXIT``
  store) retires: it is counted and traced. A faulting instruction does not retire.
* A store of any width whose address is ``IO_COUT`` sends its low byte to the console; a store of any
  width to ``IO_EXIT`` ends the run with the stored value as the exit code. Other I/O addresses read 0
  and ignore writes.
* ``tohost`` is checked on word stores to exactly the ``tohost`` address; the value is stored to memory
  as well.
* Trace records carry ``rd = 0`` and ``data = 0`` for instructions that write no register.

The code is organised for a later extension to warps x threads: :class:`WarpState` holds a PC, a thread
mask and one register list per lane; only warp 0, lane 0 executes today.
"""

import struct

import numpy as np

from ..config import CSR, DCR, FaultCause, MemoryMap, RunStatus, SimtConfig
from .result import TRACE_DTYPE, RunResult

__all__ = ["Emulator", "SparseMemory", "WarpState"]

MASK32 = 0xFFFF_FFFF
PAGE_BITS = 16
PAGE_SIZE = 1 << PAGE_BITS
PAGE_MASK = PAGE_SIZE - 1

#: Register-list slot that receives writes to x0, so that instructions never need an ``rd != 0`` test.
SINK = 32

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
    """Raised by an instruction that ends the run after it retires (tmc 0, tohost, IO_EXIT)."""

    def __init__(self, status, code=0):
        super().__init__(status, code)
        self.status = status
        self.code = code


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
    """One warp: its PC, thread mask and one register list per lane (33 slots, see :data:`SINK`)."""

    def __init__(self, threads, pc):
        self.pc = pc
        self.tmask = 1                      # at reset only thread 0 runs
        self.lanes = [[0] * 33 for _ in range(threads)]

    @property
    def active(self):
        return self.tmask != 0


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

#: CSRs that read the retired-instruction counter (== cycle counter here): number -> bit shift.
COUNTER_CSRS = {
    CSR.MCYCLE: 0, CSR.MINSTRET: 0, CSR.CYCLE: 0, CSR.INSTRET: 0,
    CSR.MCYCLEH: 32, CSR.MINSTRETH: 32, CSR.CYCLEH: 32, CSR.INSTRETH: 32,
}

OPCODE_LOAD, OPCODE_CUSTOM0, OPCODE_MISC_MEM, OPCODE_OP_IMM, OPCODE_AUIPC = 0x03, 0x0B, 0x0F, 0x13, 0x17
OPCODE_STORE, OPCODE_OP, OPCODE_LUI, OPCODE_BRANCH = 0x23, 0x33, 0x37, 0x63
OPCODE_JALR, OPCODE_JAL, OPCODE_SYSTEM = 0x67, 0x6F, 0x73


class Emulator:
    """RV32IM + Zicsr golden model implementing the simtlab backend interface (see module docstring).

    Typical use::

        emu = Emulator(config)
        emu.write_mem(addr, image)
        emu.start()
        result = emu.run(max_cycles=1_000_000)
    """

    def __init__(self, config: SimtConfig):
        self.config = config
        self._mem = SparseMemory(config.regions)
        self._dcr = {}
        self._tohost = None
        self._console = bytearray()
        self._tracing = False
        self._trace = []
        self._decoded = {}                  # instruction word -> (execute(x, pc) -> next pc, rd)
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
        """Execute up to ``max_cycles`` instructions; stop early on an end event or a fault.

        ``cycles`` and ``instret`` in the result count from :meth:`start`. After ``WATCHDOG`` another
        call continues; after any other status the run is over and the same result is returned again.
        """
        if not self._started:
            raise RuntimeError("Emulator.run() called before start()")
        if self._final is not None:
            return self._final
        warp = self._warps[0]
        status, code = self._execute(warp, warp.lanes[0], max(0, int(max_cycles)))
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
        """The recorded retirement trace since :meth:`start`, as ``TRACE_DTYPE`` records."""
        records = np.zeros(len(self._trace), dtype=TRACE_DTYPE)
        if self._trace:
            columns = np.array(self._trace, dtype=np.uint64).reshape(-1, 4)
            for index, name in enumerate(("pc", "insn", "data", "rd")):
                records[name] = columns[:, index]
        return records

    def registers(self, warp: int = 0, lane: int = 0) -> list:
        """x0..x31 of one lane (an emulator-only debugging aid, not part of the backend interface)."""
        return list(self._warps[warp].lanes[lane][:32])

    def close(self) -> None:
        """Release device memory and recorded state."""
        self._mem.clear()
        self._trace = []
        self._decoded.clear()
        self._started = False

    # -- state ------------------------------------------------------------------------------------------

    def _reset_state(self):
        pc = self._dcr.get(DCR.STARTUP_ADDR0, self.config.startup_addr)
        self._warps = [WarpState(self.config.threads, pc)]
        self._current_warp = self._warps[0]
        self._instret = 0
        self._mscratch = self._dcr.get(DCR.STARTUP_ARG0, 0)
        self._fcsr = 0
        self._trace = []
        self._final = None
        self._fault = None

    def _result(self, status, code=0):
        fault = self._fault or (0, 0, 0)
        return RunResult(status=status, cycles=self._instret, instret=self._instret, code=code,
                         fault_cause=fault[0], fault_pc=fault[1], fault_addr=fault[2],
                         pcs=[warp.pc for warp in self._warps])

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

    def _execute(self, warp, x, budget):
        """Run warp ``warp`` (lane register list ``x``) for up to ``budget`` instructions.

        Returns ``(status, code)``. ``self._instret`` is kept current so CSR reads can see it.
        """
        if not warp.active:
            return RunStatus.DONE, 0
        fast_pages = self._mem.fast
        decoded = self._decoded
        unpack = _U32.unpack_from
        trace = self._trace if self._tracing else None
        self._current_warp = warp
        pc = warp.pc
        stop_at = self._instret + budget
        try:
            if pc & 3:
                raise _Fault(FaultCause.INSN_MISALIGNED, pc)
            while self._instret < stop_at:
                page = fast_pages.get(pc >> PAGE_BITS)
                insn = unpack(page, pc & PAGE_MASK)[0] if page is not None else self._fetch_slow(pc)
                entry = decoded.get(insn)
                if entry is None:
                    entry = decoded[insn] = self._decode(insn)
                execute, rd = entry
                next_pc = execute(x, pc)
                self._instret += 1
                if trace is not None:
                    trace.append((pc, insn, x[rd] if rd else 0, rd))
                pc = next_pc
            return RunStatus.WATCHDOG, 0
        except _Fault as fault:
            pc &= MASK32
            self._fault = (fault.cause, pc, fault.addr & MASK32)
            return RunStatus.FAULT, 0
        except _Stop as stop:
            self._instret += 1
            if trace is not None:
                trace.append((pc, insn, 0, 0))
            pc = (pc + 4) & MASK32
            return stop.status, stop.code
        finally:
            warp.pc = pc & MASK32

    def _fetch_slow(self, pc):
        """Fetch outside the fast pages: untouched ram reads 0 (illegal), anything else faults."""
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

    def _store(self, addr, size, value):
        """Store the low ``size`` bytes of ``value`` at ``addr``; handles I/O and ``tohost``."""
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
            raise _Stop(RunStatus.TOHOST, value >> 1)

    def _store_io(self, addr, value):
        if addr == MemoryMap.IO_COUT:
            self._console.append(value & 0xFF)
        elif addr == MemoryMap.IO_EXIT:
            raise _Stop(RunStatus.EXIT, value)

    # -- CSRs -------------------------------------------------------------------------------------------

    @staticmethod
    def _id_csrs(config):
        """Read-only CSRs whose value is fixed for a 1 warp x 1 thread core."""
        return {
            CSR.THREAD_ID: 0, CSR.WARP_ID: 0, CSR.CORE_ID: 0,
            CSR.ACTIVE_WARPS: 1, CSR.ACTIVE_THREADS: 1,
            CSR.NUM_THREADS: config.threads, CSR.NUM_WARPS: config.warps, CSR.NUM_CORES: config.cores,
            CSR.LMEM_BASE: MemoryMap.LMEM_BASE,
            CSR.MHARTID: 0, CSR.MVENDORID: 0, CSR.MARCHID: 0, CSR.MIMPID: 0,
        }

    def _csr_exists(self, number):
        return (number in COUNTER_CSRS or number in self._csr_constants
                or number in (CSR.MSCRATCH, CSR.FFLAGS, CSR.FRM, CSR.FCSR))

    def _csr_read(self, number):
        if number in COUNTER_CSRS:
            return (self._instret >> COUNTER_CSRS[number]) & MASK32
        if number == CSR.MSCRATCH:
            return self._mscratch
        if number == CSR.FFLAGS:
            return self._fcsr & 0x1F
        if number == CSR.FRM:
            return self._fcsr >> 5
        if number == CSR.FCSR:
            return self._fcsr
        return self._csr_constants[number]

    def _csr_write(self, number, value):
        if number == CSR.MSCRATCH:
            self._mscratch = value
        elif number == CSR.FFLAGS:
            self._fcsr = (self._fcsr & 0xE0) | (value & 0x1F)
        elif number == CSR.FRM:
            self._fcsr = (self._fcsr & 0x1F) | ((value & 0x7) << 5)
        elif number == CSR.FCSR:
            self._fcsr = value & 0xFF
        # writes to mcycle/minstret (and their high halves) are ignored

    # -- decoding ---------------------------------------------------------------------------------------

    def _decode(self, insn):
        """Turn an instruction word into ``(execute, rd)``: ``execute(x, pc)`` performs it and returns
        the next PC; ``rd`` is the register it writes (0 for none). Unknown encodings decode to an
        ``execute`` that raises an illegal-instruction fault."""
        handler = self._DECODERS.get(insn & 0x7F)
        entry = handler(self, insn) if handler is not None else None
        if entry is None:
            return self._illegal(insn), 0
        return entry

    @staticmethod
    def _illegal(insn):
        def execute(x, pc):
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

        def execute(x, pc):
            x[rd] = value
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_auipc(self, insn):
        rd, offset = self._fields(insn)[0], insn & 0xFFFF_F000

        def execute(x, pc):
            x[rd] = (pc + offset) & MASK32
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_jal(self, insn):
        rd = self._fields(insn)[0]
        offset = _sext(((insn >> 31) << 20) | (((insn >> 12) & 0xFF) << 12)
                       | (((insn >> 20) & 1) << 11) | (((insn >> 21) & 0x3FF) << 1), 21)

        def execute(x, pc):
            target = (pc + offset) & MASK32
            if target & 3:
                raise _Fault(FaultCause.INSN_MISALIGNED, target)
            x[rd] = (pc + 4) & MASK32
            return target
        return execute, self._arch_rd(rd)

    def _decode_jalr(self, insn):
        rd, funct3, rs1, _, _ = self._fields(insn)
        if funct3 != 0:
            return None
        offset = _sext(insn >> 20, 12)

        def execute(x, pc):
            target = ((x[rs1] + offset) & MASK32) & ~1
            if target & 3:
                raise _Fault(FaultCause.INSN_MISALIGNED, target)
            x[rd] = (pc + 4) & MASK32
            return target
        return execute, self._arch_rd(rd)

    def _decode_branch(self, insn):
        _, funct3, rs1, rs2, _ = self._fields(insn)
        cond = BRANCH_CONDS.get(funct3)
        if cond is None:
            return None
        offset = _sext(((insn >> 31) << 12) | (((insn >> 7) & 1) << 11)
                       | (((insn >> 25) & 0x3F) << 5) | (((insn >> 8) & 0xF) << 1), 13)

        def execute(x, pc):
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

        def execute(x, pc):
            value = load((x[rs1] + offset) & MASK32, size)
            if signed and value & sign_bit:
                value = (value - (sign_bit << 1)) & MASK32
            x[rd] = value
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_store(self, insn):
        _, funct3, rs1, rs2, _ = self._fields(insn)
        size = STORE_SIZES.get(funct3)
        if size is None:
            return None
        offset = _sext(((insn >> 25) << 5) | ((insn >> 7) & 0x1F), 12)
        store = self._store

        def execute(x, pc):
            store((x[rs1] + offset) & MASK32, size, x[rs2])
            return pc + 4
        return execute, 0

    def _decode_op_imm(self, insn):
        rd, funct3, rs1, _, funct7 = self._fields(insn)
        imm = _sext(insn >> 20, 12) & MASK32
        if funct3 == 0:                                     # addi: the most common instruction
            def execute(x, pc):
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

        def execute(x, pc):
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

        def execute(x, pc):
            x[rd] = op(x[rs1], x[rs2])
            return pc + 4
        return execute, self._arch_rd(rd)

    def _decode_misc_mem(self, insn):
        if (insn >> 12) & 7 not in (0, 1):                  # fence, fence.i
            return None

        def execute(x, pc):
            return pc + 4
        return execute, 0

    def _decode_custom0(self, insn):
        _, funct3, rs1, _, funct7 = self._fields(insn)
        if funct3 != 0 or funct7 != 0:                      # only tmc for now
            return None
        set_thread_mask = self._set_thread_mask

        def execute(x, pc):
            set_thread_mask(x[rs1])
            return pc + 4
        return execute, 0

    def _set_thread_mask(self, value):
        """tmc: the executing warp's mask := value[NT-1:0]; an empty mask retires the warp."""
        warp = self._current_warp
        warp.tmask = value & ((1 << self.config.threads) - 1)
        if not warp.tmask:
            raise _Stop(RunStatus.DONE)

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

        def execute(x, pc):
            old = read(number)
            operand = rs1 if immediate else x[rs1]
            if writes:
                write(number, operand if op == 1 else (old | operand if op == 2 else old & ~operand))
            x[rd] = old
            return pc + 4
        return execute, self._arch_rd(rd)

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
    }
