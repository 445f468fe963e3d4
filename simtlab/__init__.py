"""simtlab: an open RTL simulation and co-design lab for a RISC-V GPGPU.

Subpackages map onto the repository's folders: ``simtlab.rtl`` (Amaranth hardware), ``simtlab.sim``
(Verilator model builder, harness, golden-model emulator), ``simtlab.kernels`` (device runtime,
compiler wrapper, example kernels), ``simtlab.drivers`` (the host driver and the ``simtlab``
command), ``simtlab.tb`` (tests).
"""

from .config import PRESETS, SimtConfig
from .drivers.device import Buffer, Counters, Device
from .errors import (CompileError, ElfError, KernelFailed, KernelFault, SimtlabError, ToolError,
                     WatchdogTimeout)

__all__ = [
    "Device",
    "Buffer",
    "Counters",
    "SimtConfig",
    "PRESETS",
    "SimtlabError",
    "ToolError",
    "ElfError",
    "CompileError",
    "KernelFault",
    "WatchdogTimeout",
    "KernelFailed",
]
