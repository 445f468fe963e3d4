"""simtlab: an open RTL simulation and co-design lab for a RISC-V GPGPU.

Subpackages map onto the repository's folders: ``simtlab.rtl`` (Amaranth hardware), ``simtlab.sim``
(Verilator model builder, harness, golden-model emulator), ``simtlab.kernels`` (device runtime,
compiler wrapper, example kernels), ``simtlab.drivers`` (the host driver and the ``simtlab``
command), ``simtlab.tb`` (tests); ``simtlab.spec`` holds the facts they share (memory map, codes,
the ISA table, the tile's registers and limits) in pure Python.
"""

from .config import PRESETS, CacheConfig, SimtConfig, TileConfig
from .drivers.device import Buffer, Counters, Device
from .errors import (CompileError, ElfError, KernelFailed, KernelFault, SimtlabError, TileFault,
                     ToolError, WatchdogTimeout)

__all__ = [
    "Device",
    "Buffer",
    "Counters",
    "SimtConfig",
    "TileConfig",
    "CacheConfig",
    "PRESETS",
    "SimtlabError",
    "ToolError",
    "ElfError",
    "CompileError",
    "KernelFault",
    "TileFault",
    "WatchdogTimeout",
    "KernelFailed",
]
