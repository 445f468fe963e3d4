"""simtlab as a tinygrad device (``pip install 'simtlab[tinygrad]'``; docs/tinygrad.md).

    import simtlab.tinygrad                   # registers the device SIMTLAB
    from tinygrad import Tensor
    x = Tensor([1.0, 2.0], device="SIMTLAB:emu") * 2

tinygrad 0.14 finds a device ``NAME`` by importing ``tinygrad.runtime.ops_name``, with no plugin
hook, so importing this package installs :mod:`simtlab.tinygrad.device` under that name. It also
keeps tinygrad's kernel optimiser within the core: a LOCAL/GROUP optimisation that would make a
block larger than warps x threads is refused (see :func:`_limit_blocks`).
"""

import sys
from math import prod

try:
    import tinygrad  # noqa: F401
except ImportError as exc:      # a clear message instead of a bare ModuleNotFoundError
    raise ImportError("simtlab.tinygrad needs tinygrad 0.14: pip install 'simtlab[tinygrad]'") from exc

from . import device
from .renderer import SimtlabRenderer

__all__ = ["install", "SimtlabRenderer", "device"]

_MODULE = "tinygrad.runtime.ops_simtlab"

#: A reduction is split over a block of threads (GROUP/GROUPTOP) only if the kernel has fewer than
#: this many outputs per hardware thread; with more, task mode keeps every lane busy without the
#: group's local-memory round trip (a 32-channel 5x5 conv on 8x8 outputs at 4x16: 3.78 M cycles
#: grouped, 0.44 M not; the MLP's first layer at 4x16: 74 K -> 49 K).
GROUP_ONLY_BELOW = 2


def _static_prod(values):
    """The product of ``values``, or None if one is symbolic (a tinygrad Variable)."""
    try:
        return prod(int(v) for v in values)
    except TypeError:
        return None


def _limit_blocks():
    """Wrap tinygrad's ``Scheduler.apply_opt`` for SIMTLAB kernels:

    * an optimisation that grows the block (LOCAL, GROUP, GROUPTOP) beyond ``warps x threads`` is
      refused: GROUP and GROUPTOP raise KernelOptError (the heuristic and BEAM try the next
      choice); LOCAL is skipped, because tinygrad's heuristic applies its LOCAL choices
      unconditionally;
    * GROUP and GROUPTOP are refused when the kernel has at least ``GROUP_ONLY_BELOW x warps x
      threads`` outputs (tinygrad groups below 2048 outputs, a GPU's scale);
    * a LOCAL in a kernel without a GROUP (a reduction shared by a block) is skipped: such a kernel
      then runs in task mode, one work item per lane with consecutive items on the lanes of a warp,
      whose loads coalesce or are the same address on every lane (GPU-style blocks made the
      weight loads of a convolution differ per lane: the MNIST net took 4.95 M cycles at 4x16,
      3.50 M in task mode).

    The local size is then always known, so tinygrad's local-size search by relaunching never
    runs."""
    from tinygrad.codegen.opt import KernelOptError, OptOps
    from tinygrad.codegen.opt.postrange import Scheduler
    from tinygrad.uop.ops import AxisType
    if getattr(Scheduler.apply_opt, "_simtlab", False):
        return
    original = Scheduler.apply_opt
    grows = {OptOps.LOCAL, OptOps.GROUP, OptOps.GROUPTOP}

    def apply_opt(self, opt, append_opt=True):
        if not isinstance(self.ren, SimtlabRenderer) or opt.op not in grows:
            return original(self, opt, append_opt)
        if opt.op is OptOps.LOCAL and AxisType.GROUP_REDUCE not in self.axis_types:
            return None     # no group: task mode packs the work items onto the lanes
        if opt.op is not OptOps.LOCAL:
            outputs = _static_prod(self.output_shape[i] for i in self.upcastable_dims)
            if outputs is not None and outputs >= GROUP_ONLY_BELOW * self.ren.max_block:
                raise KernelOptError(f"{outputs} outputs fill every lane: no group")
        block = _static_prod(size for size, kind in zip(self.full_shape, self.axis_types)
                             if kind in (AxisType.LOCAL, AxisType.WARP, AxisType.GROUP_REDUCE))
        try:
            axis = self.real_axis(opt.op, opt.axis)
            amount = int(opt.arg) if opt.arg else int(self.full_shape[axis])
        except (KernelOptError, TypeError):
            amount = 1
        if block is None or block * amount > self.ren.max_block:
            if opt.op is OptOps.LOCAL:
                return None
            raise KernelOptError(f"block of {block * amount} threads exceeds warps x threads "
                                 f"= {self.ren.max_block}")
        return original(self, opt, append_opt)

    apply_opt._simtlab = True
    Scheduler.apply_opt = apply_opt


def install():
    """Register the SIMTLAB device with tinygrad (idempotent; done on import). SIMTLAB also joins
    the devices tinygrad tries when DEV is unset (after its own), so tinygrad finds a default device
    on a machine without a GPU or a host C compiler."""
    from tinygrad.device import ALL_DEVICES
    sys.modules.setdefault(_MODULE, device)
    if "SIMTLAB" not in ALL_DEVICES:
        ALL_DEVICES.append("SIMTLAB")
    _limit_blocks()


install()
