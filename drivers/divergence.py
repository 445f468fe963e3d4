"""Where a kernel's lanes diverge: the golden model logs every branch and ``jalr`` whose lanes go to
different PCs (docs/simt.md, "Control flow"), and this module names them by symbol.

Divergence is correct on simtlab (min-PC reconvergence) but costs time: the lanes of each side run
one after the other. Kernel authors use this report to find the branches worth restructuring::

    from simtlab.drivers.divergence import find_divergence
    for branch in find_divergence(config, "kernel.c", n, x, y):    # numpy arrays become buffers
        print(branch)
"""

import bisect
from dataclasses import dataclass, field

import numpy as np

from .device import Device

__all__ = ["DivergentBranch", "find_divergence", "symbolize"]


@dataclass
class DivergentBranch:
    """One divergent branch or jump: how often it diverged and the lane masks of its first
    divergence (next PC -> mask of the lanes that went there)."""
    pc: int
    where: str                      #: ``function+offset``
    count: int = 0
    warps: set = field(default_factory=set)
    first: dict = field(default_factory=dict)

    def __str__(self):
        sides = ", ".join(f"{mask:#x} -> {pc:#010x}" for pc, mask in sorted(self.first.items()))
        warps = ",".join(str(w) for w in sorted(self.warps))
        return f"{self.pc:#010x} {self.where}: diverged {self.count}x in warps {warps} (first: {sides})"


def symbolize(symbols, pc):
    """``function+offset`` of ``pc`` from a name -> address table (local labels ignored)."""
    named = sorted((addr, name) for name, addr in symbols.items() if not name.startswith("."))
    k = bisect.bisect_right([addr for addr, _ in named], pc) - 1
    if k < 0:
        return "?"
    addr, name = named[k]
    return name if addr == pc else f"{name}+{pc - addr:#x}"


def find_divergence(config, program, *args, max_cycles=None):
    """Run ``program`` (anything :meth:`Device.load` takes) with ``args`` on the golden model of
    ``config`` and return its divergent branches, most frequent first. numpy arrays in ``args`` are
    uploaded and passed as buffers."""
    with Device(config, backend="emu") as device:
        prog = device.load(program)
        launch_args = [device.upload(a) if isinstance(a, np.ndarray) else a for a in args]
        device.backend.log_divergence(True)
        device.launch(None, *launch_args)
        device.wait(max_cycles)
        found = {}
        for _cycle, warp, pc, groups in device.backend.divergences():
            branch = found.get(pc)
            if branch is None:
                branch = found[pc] = DivergentBranch(pc, symbolize(prog.symbols, pc), first=groups)
            branch.count += 1
            branch.warps.add(warp)
    return sorted(found.values(), key=lambda b: (-b.count, b.pc))
