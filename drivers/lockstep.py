"""Lock-step check: run one program on the RTL model and on the golden model, compare what retired.

The RTL runs first; the emulator then replays its timing-dependent reads (MMIO loads such as a
kernel polling the tile's interrupt status, and cycle-counter CSR reads: ``Emulator.replay_mmio``),
so kernels that drive the tile (config "tile", the co-design kernel) lock-step too: every other
record -- control flow, addresses, arithmetic, the tile's output as the warps read it back -- is the
emulator's own. Cycle-counter reads are also masked out of both traces (``mask_timing_reads``).
"""

from dataclasses import dataclass

import numpy as np

from ..sim.lockstep import compare_traces
from ..spec.csr import CSR
from ..spec.isa import INSTRUCTIONS, Unit
from ..spec.status import RunStatus
from .device import Device

__all__ = [
    "LockstepReport",
    "run_lockstep",
    "mask_timing_reads",
]

# Reads of these CSRs legitimately differ: the emulator counts one cycle per instruction.
_TIMING_CSRS = [csr.value for csr in CSR if csr.counts_cycles]
_CSR_OPCODES = sorted({row.opcode.value for row in INSTRUCTIONS if row.unit is Unit.CSR})


def mask_timing_reads(trace):
    """A copy of ``trace`` with the values of cycle-counter CSR reads set to 0."""
    trace = trace.copy()
    insn = trace["insn"]
    # A CSR instruction: its opcode, and a funct3 of the table (the csr field is bits 31:20).
    is_csr = np.isin(insn & 0x7F, _CSR_OPCODES) & (((insn >> 12) & 3) != 0)
    timing = np.isin(insn >> 20, _TIMING_CSRS) & is_csr
    trace["data"][timing] = 0
    return trace


@dataclass
class LockstepReport:
    """Both runs' outcomes and the first divergence (None if the traces agree). ``rtl`` is the
    outcome of the first backend of ``names`` (the one that runs first), ``emu`` of the second (the
    reference the first is compared with)."""
    rtl: object
    emu: object
    records: int
    divergence: object
    names: tuple = ("rtl", "emu")

    @property
    def ok(self):
        same_fault = (self.rtl.fault_cause, self.rtl.fault_pc, self.rtl.fault_addr) == \
            (self.emu.fault_cause, self.emu.fault_pc, self.emu.fault_addr)
        return (self.divergence is None and self.rtl.status == self.emu.status and
                self.rtl.code == self.emu.code and
                (self.rtl.status != RunStatus.FAULT or same_fault))

    def summary(self):
        first, second = self.names
        head = (f"{first}: {self.rtl.status_name} after {self.rtl.instret} instructions; "
                f"{second}: {self.emu.status_name} after {self.emu.instret} instructions")
        if self.divergence is not None:
            return f"{head}\nFIRST DIVERGENCE:\n{self.divergence}"
        if not self.ok:
            return f"{head}\nthe traces agree on {self.records} instructions but the outcomes differ"
        return f"{head}\nlock-step ok: {self.records} retired instructions identical"


def run_lockstep(config, program, *args, max_cycles=5_000_000, setup=None, backends=("rtl", "emu")):
    """Run ``program`` with ``args`` on both backends (``setup(device)`` may upload buffers -- or run
    host-side tile layers -- first and return the argument list) and compare their retire traces.
    ``program`` may also be ``"codesign"``: the co-design kernel with its tile layer
    (:func:`simtlab.drivers.codesign.codesign_setup`, config "tile"). ``backends``: the two
    backends, the checked one first (an "emu" second replays the first's timing-dependent reads),
    e.g. ``("fast", "emu")``."""
    if len(backends) != 2 or backends[0] == backends[1] or \
            not set(backends) <= {"rtl", "emu", "fast"}:
        raise ValueError(f"backends must be two different ones of rtl, emu, fast, not {backends!r}")
    if program == "codesign":
        from .codesign import codesign_setup
        program, setup = codesign_setup(np.random.default_rng(20261122))
    outcomes = {}
    traces = {}
    raw = None
    for backend in backends:
        with Device(config, backend=backend) as device:
            launch_args = setup(device) if setup is not None else args
            device.enable_trace(True)
            if backend == "emu" and backend == backends[1]:
                device.backend.replay_mmio(raw)
            device.launch(program, *launch_args)
            device.last_result = None
            try:
                device.wait(max_cycles)
            except Exception:
                pass    # faults, failures and timeouts are compared as outcomes
            outcomes[backend] = device.last_result
            raw = device.trace()
            traces[backend] = mask_timing_reads(raw)
    # A fault or an exit event stops every warp wherever that model had got it to: the other warps'
    # streams may then end at different points (the faulting warp's own stream is checked by the
    # outcome: the same cause, pc and address).
    first, second = backends
    rtl, emu = outcomes[first], outcomes[second]
    cut = rtl is not None and emu is not None and rtl.status == emu.status and \
        rtl.status not in (RunStatus.DONE,)
    divergence = compare_traces(traces[second], traces[first], names=(second, first), truncated=cut)
    return LockstepReport(rtl, emu, len(traces[second]), divergence, names=tuple(backends))
