"""Exceptions raised by simtlab. Every one carries a message that says what went wrong and where."""

__all__ = [
    "SimtlabError",
    "ToolError",
    "ElfError",
    "CompileError",
    "KernelFault",
    "WatchdogTimeout",
    "KernelFailed",
    "TileFault",
]


class SimtlabError(Exception):
    """Base class of simtlab's errors."""


class ToolError(SimtlabError):
    """A required tool (Verilator, zig, g++, ...) is missing, too old or failed."""


class ElfError(SimtlabError):
    """A program file is not a loadable 32-bit RISC-V ELF, or it does not fit the memory map."""


class CompileError(SimtlabError):
    """A kernel did not compile; the message holds the compiler's output."""


class KernelFault(SimtlabError):
    """The device stopped on a fault: illegal instruction, misaligned or unmapped access."""

    def __init__(self, message, *, cause, pc, addr, result=None):
        super().__init__(message)
        self.cause = cause
        self.pc = pc
        self.addr = addr
        self.result = result


class WatchdogTimeout(SimtlabError):
    """The device ran past its cycle limit; the message dumps every warp's PC."""

    def __init__(self, message, *, result=None):
        super().__init__(message)
        self.result = result


class KernelFailed(SimtlabError):
    """A self-checking program reported failure (tohost code or non-zero exit code)."""

    def __init__(self, message, *, code, result=None):
        super().__init__(message)
        self.code = code
        self.result = result


class TileFault(SimtlabError):
    """The deep-learning tile stopped a layer: a DMA access outside memory, or no progress (its
    watchdog). ``unit`` names the NVDLA unit, ``addr`` the faulting address (0 for the watchdog)."""

    def __init__(self, message, *, unit, addr):
        super().__init__(message)
        self.unit = unit
        self.addr = addr
