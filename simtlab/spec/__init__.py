"""The spec layer: every fact of the device that more than one part needs, in pure Python.

No Amaranth here: ``rtl/``, ``sim/``, ``drivers/`` and ``kernels/`` import it downward, and the
generators (:mod:`simtlab.spec.generate`) write the C headers, the linker script's memory map and the
docs tables from it.

=================  ==================================================================================
module             what
=================  ==================================================================================
``memory``         the memory map (:class:`MemoryMap`), regions and their kinds
``csr``            CSR and DCR numbers
``status``         run status, fault causes, stall classes, harness error codes
``isa``            the instruction table the decoder, emulator and docs are generated from
``fpu``            FPU operations, rounding modes, flags, latency classes
``tile_regs``      the deep-learning tile's NVDLA nv_small register table
``tile_limits``    the tile's layer limits (CBUF fit, PDP/SDP sizes, watchdog)
=================  ==================================================================================
"""

from .csr import CSR, DCR
from .memory import MemoryMap, Region, RegionKind
from .status import STALL_SLOTS, FaultCause, HarnessError, RunStatus, StallCause

__all__ = [
    "CSR",
    "DCR",
    "MemoryMap",
    "Region",
    "RegionKind",
    "RunStatus",
    "FaultCause",
    "StallCause",
    "STALL_SLOTS",
    "HarnessError",
]
