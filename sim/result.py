"""What a run of a backend (Verilator model or emulator) returns."""

from dataclasses import dataclass, field

import numpy as np

from ..config import FaultCause, RunStatus

__all__ = ["RunResult", "TRACE_DTYPE"]


@dataclass
class RunResult:
    """The outcome of ``Backend.run``.

    ``code`` is the exit code for ``RunStatus.EXIT``, ``n`` of a ``tohost`` write ``(n << 1) | 1``
    for ``RunStatus.TOHOST`` (0 means pass), else 0. ``fault_*`` are valid for ``RunStatus.FAULT``.
    ``pcs`` holds the PC of every warp when the run stopped (one entry per warp).
    """
    status: int
    cycles: int
    instret: int
    code: int = 0
    fault_cause: int = 0
    fault_pc: int = 0
    fault_addr: int = 0
    pcs: list = field(default_factory=list)

    @property
    def status_name(self):
        return RunStatus.NAMES.get(self.status, f"status {self.status}")

    @property
    def ipc(self):
        return self.instret / self.cycles if self.cycles else 0.0

    def describe_fault(self):
        name = FaultCause.NAMES.get(self.fault_cause, f"cause {self.fault_cause}")
        return f"{name} at pc=0x{self.fault_pc:08x} (address/value 0x{self.fault_addr:08x})"


#: One retired instruction, as both backends record it for the lock-step check. ``rd`` is 0 when the
#: instruction wrote no register (writes to x0 are not writes). 16 bytes, packed as the harness writes it.
TRACE_DTYPE = np.dtype([("pc", "<u4"), ("insn", "<u4"), ("data", "<u4"), ("rd", "u1"), ("_pad", "u1", (3,))])
