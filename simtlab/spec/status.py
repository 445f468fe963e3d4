"""Codes shared by the harness, the emulator and the driver: why a run stopped, fault causes, stall
classes and the harness's error returns. The harness reads them from its generated header."""

import enum

__all__ = [
    "RunStatus",
    "FaultCause",
    "StallCause",
    "STALL_SLOTS",
    "DEFAULT_MAX_CYCLES",
    "HarnessError",
]


class RunStatus(enum.IntEnum):
    """Why a run stopped."""
    RUNNING = 0     #: not stopped (harness-internal)
    DONE = 1        #: the device fell idle (every warp retired)
    TOHOST = 2      #: a kernel wrote an odd value to its ``tohost`` symbol
    EXIT = 3        #: a kernel wrote to ``MemoryMap.IO_EXIT``
    FAULT = 4       #: illegal instruction, misaligned or unmapped access
    WATCHDOG = 5    #: the cycle (or instruction) limit ran out

    @classmethod
    def describe(cls, code):
        """A lower-case name for ``code`` ("done", "fault", ...), also for unknown codes."""
        try:
            return cls(code).name.lower()
        except ValueError:
            return f"status {code}"


class FaultCause(enum.IntEnum):
    """mcause values the core reports on its fault port (RISC-V privileged spec numbering; the
    SIMT faults use a custom range, docs/simt.md)."""
    INSN_MISALIGNED = 0     #: instruction address misaligned
    INSN_ACCESS = 1         #: instruction access fault
    ILLEGAL_INSN = 2        #: illegal instruction
    LOAD_MISALIGNED = 4     #: load address misaligned
    LOAD_ACCESS = 5         #: load access fault
    STORE_MISALIGNED = 6    #: store address misaligned
    STORE_ACCESS = 7        #: store access fault
    IPDOM_OVERFLOW = 24     #: IPDOM stack overflow
    JOIN_WITHOUT_SPLIT = 25 #: join without split
    BARRIER_RANGE = 26      #: barrier id or count out of range
    WSPAWN_RANGE = 27       #: wspawn count out of range
    AMO_REGION = 28         #: atomic outside global memory

    @property
    def text(self):
        return _FAULT_TEXT[self][0]

    @property
    def when(self):
        """When the core raises it (docs/isa.md's fault table)."""
        return _FAULT_TEXT[self][1]

    @property
    def reported(self):
        """What the fault report's address field holds."""
        return _FAULT_TEXT[self][2]

    @classmethod
    def describe(cls, code):
        """The fault's description ("illegal instruction", ...), also for unknown codes."""
        try:
            return cls(code).text
        except ValueError:
            return f"cause {code}"


_LANE = "the lowest faulting lane's address"
_SIMT = "see [simt.md](simt.md)"
#: (description, when, what the address field reports)
_FAULT_TEXT = {
    FaultCause.INSN_MISALIGNED: ("instruction address misaligned",
                                 "a taken branch or jump to an address not a multiple of 4",
                                 "the target"),
    FaultCause.INSN_ACCESS: ("instruction access fault", "fetch from an unmapped address", "the PC"),
    FaultCause.ILLEGAL_INSN: ("illegal instruction",
                              "unknown encoding, unknown CSR, write to a read-only CSR",
                              "the instruction word"),
    FaultCause.LOAD_MISALIGNED: ("load address misaligned",
                                 "halfword not 2-aligned, word not 4-aligned, in any active lane",
                                 _LANE),
    FaultCause.LOAD_ACCESS: ("load access fault",
                             "address outside every mapped region (the tile's window without a "
                             "tile), in any active lane", _LANE),
    FaultCause.STORE_MISALIGNED: ("store address misaligned", "as for loads", _LANE),
    FaultCause.STORE_ACCESS: ("store access fault", "as for loads", _LANE),
    FaultCause.IPDOM_OVERFLOW: ("IPDOM stack overflow", "split with a full IPDOM stack", _SIMT),
    FaultCause.JOIN_WITHOUT_SPLIT: ("join without split", "join with a token above the stack depth", _SIMT),
    FaultCause.BARRIER_RANGE: ("barrier id or count out of range",
                               "bar with id >= num_barriers or count > warps", _SIMT),
    FaultCause.WSPAWN_RANGE: ("wspawn count out of range", "wspawn with count 0 or count > warps",
                              _SIMT),
    FaultCause.AMO_REGION: ("atomic outside global memory",
                            "an RV32A instruction (lr, sc, amo*) on local memory, io or the mmio "
                            "window, in any active lane (misaligned and unmapped atomics are store "
                            "faults 6 and 7)", _LANE),
}


class StallCause(enum.IntEnum):
    """What the issue stage did in a cycle, as the core reports it on its ``perf__stall`` port;
    the harness counts cycles per class (docs/performance.md)."""
    ISSUE = 0       #: an instruction left execute
    IDLE = 1        #: nothing in execute for another reason (register hazards, pipeline refill)
    HAZARD = 2      #: execute waited on a multi-cycle unit (divider, FPU iteration or result)
    MEMORY = 3      #: X or M waited on the load/store unit, or X is empty while loads are in flight
    BARRIER = 4     #: execute empty while active warps wait at a barrier or are parked
    FETCH = 5       #: execute empty and no active warp has a fetched instruction
    LMEM_CONFLICT = 6   #: execute served a local-memory round and lanes wait on a bank conflict


#: The host's default watchdog: cycles a kernel may run before ``Device.wait`` (and ``simtlab run``)
#: stop it and report every warp's PC.
DEFAULT_MAX_CYCLES = 50_000_000

#: Counter slots of the ``perf__stall`` port (its width is ``(STALL_SLOTS - 1).bit_length()``).
STALL_SLOTS = 8


class HarnessError(enum.IntEnum):
    """Return codes of the harness's ``sim_*`` functions (0 = success)."""
    OK = 0
    EHANDLE = -1    #: NULL or unknown handle
    EARG = -2       #: bad argument (NULL buffer, size, kind, window, warp)
    EUNMAPPED = -3  #: memory range not inside one "ram" region
    ENOTSUP = -4    #: waveforms requested from a build without tracing
    EIO = -5        #: could not open the VCD file
    ENOMEM = -6     #: allocation failed
    ESTATE = -7     #: sim_run before sim_start
