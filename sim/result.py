"""What a run of a backend (Verilator model or emulator) returns."""

from dataclasses import dataclass, field

import numpy as np

from ..spec.status import FaultCause, RunStatus, StallCause

__all__ = ["CACHE_COUNTERS", "CACHE_STATE", "PIPE_DTYPE", "RunResult", "WarpDump", "trace_dtype",
           "STALL_CAUSES"]

#: Names of the cycle classes the core reports on its ``perf__stall`` port (index = the
#: :class:`~simtlab.spec.status.StallCause` code); the harness counts them.
STALL_CAUSES = tuple(cause.name.lower() for cause in StallCause)

#: A pipeline record (``pipeline_trace()``): the device warp of an instruction that left X, the
#: cycles it entered D and X, and the cycle it left X.
PIPE_DTYPE = np.dtype([("warp", "<u4"), ("d_cycle", "<u4"), ("x_cycle", "<u4"), ("x_done", "<u4")])

#: Each cache's counters (rtl/mem/dcache.py ``CachePerfSignature``), in the harness's order.
CACHE_COUNTERS = ("hits", "misses", "mshr_stalls")

#: What a cache holds when a run stops (rtl/mem/dcache.py ``CacheStateSignature``).
CACHE_STATE = ("outstanding", "queued")


@dataclass
class WarpDump:
    """One warp's state when a run stopped (watchdog dumps)."""
    warp: int
    pc: int
    tmask: int
    active: bool
    barrier: "int | None" = None    #: the barrier id the warp waits at, if any
    deferred: dict = field(default_factory=dict)    #: lane -> PC of its lanes left behind by divergence

    def __str__(self):
        state = "active" if self.active else "inactive"
        if self.barrier is not None:
            state += f", waiting at barrier {self.barrier}"
        text = f"warp {self.warp}: pc=0x{self.pc:08x} tmask=0x{self.tmask:x} {state}"
        if self.deferred:
            text += ", deferred " + " ".join(f"lane {lane} at 0x{pc:08x}"
                                             for lane, pc in self.deferred.items())
        return text


@dataclass
class RunResult:
    """The outcome of ``Backend.run``.

    ``code`` is the exit code for ``RunStatus.EXIT``, ``n`` of a ``tohost`` write ``(n << 1) | 1``
    for ``RunStatus.TOHOST`` (0 means pass), else 0. ``fault_*`` are valid for ``RunStatus.FAULT``.
    ``pcs`` holds the PC of every warp when the run stopped (one entry per warp); ``warps`` the
    full state of every warp. ``thread_instrs`` counts retired instructions times their active lanes;
    ``perf`` holds further counters (stall cycles by cause from STALL_CAUSES, ``mem_requests``,
    ``mem_bytes``; with a DRAM model ``dram_<counter>`` summed over channels) where the backend
    measures them. ``dram`` holds the DRAM model's counters per channel (docs/memory.md; empty for
    the ideal memory and the emulator). ``caches`` holds each cache's :data:`CACHE_COUNTERS` by
    kind: ``{"dcache": [core 0's, ...], "icache": [...], "l2": [the L2's]}`` for the caches the
    config has (RTL only; ``perf`` has their sums as ``dcache_hits``, ...). After a watchdog
    stop ``cache_state`` holds, laid out the same way, each cache's :data:`CACHE_STATE`.
    Per device warp (index = warp number, empty where the
    backend does not count them): ``warp_instrs`` instructions retired, ``warp_thread_instrs`` those
    times their active lanes (both backends), ``warp_active_cycles`` cycles the warp was active,
    from its start to its exit (RTL only: the emulator's time is not cycle-true).
    """
    status: int
    cycles: int
    instret: int
    code: int = 0
    fault_cause: int = 0
    fault_pc: int = 0
    fault_addr: int = 0
    pcs: list = field(default_factory=list)
    warps: list = field(default_factory=list)
    thread_instrs: int = 0
    perf: dict = field(default_factory=dict)
    dram: list = field(default_factory=list)
    caches: dict = field(default_factory=dict)
    cache_state: dict = field(default_factory=dict)
    warp_instrs: list = field(default_factory=list)
    warp_thread_instrs: list = field(default_factory=list)
    warp_active_cycles: list = field(default_factory=list)

    @property
    def status_name(self):
        return RunStatus.describe(self.status)

    @property
    def ipc(self):
        return self.instret / self.cycles if self.cycles else 0.0

    def describe_fault(self):
        name = FaultCause.describe(self.fault_cause)
        return f"{name} at pc=0x{self.fault_pc:08x} (address/value 0x{self.fault_addr:08x})"


def trace_dtype(threads):
    """One retired warp instruction, as both backends record it for the lock-step check (docs/simt.md).

    ``rd`` is 0 when the instruction wrote no register (writes to x0 are not writes) and 32 + n for
    f-register n; ``data[l]`` is lane l's result for lanes in ``tmask`` and 0 otherwise. 20 + 4 * threads
    bytes, packed as the harness writes it.
    """
    return np.dtype([("cycle", "<u4"), ("pc", "<u4"), ("insn", "<u4"), ("warp", "u1"), ("rd", "u1"),
                     ("_pad", "<u2"), ("tmask", "<u4"), ("data", "<u4", (threads,))])

