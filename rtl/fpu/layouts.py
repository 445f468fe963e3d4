"""The FPU's datapath layouts: unpacked operands and the rounder's request. The operation, rounding
mode and flag enums are pure Python, in :mod:`simtlab.spec.fpu`."""

from amaranth import *
from amaranth.lib import data

__all__ = [
    "EXP_SHAPE",
    "UnpackedFloat",
    "RoundRequest",
]


#: Unbiased exponents inside the FPU: enough for a product of two subnormals (-298) minus the
#: normalisation shift of a cancelling sum, and for the largest product (+255) plus a carry.
EXP_SHAPE = signed(11)


class UnpackedFloat(data.Struct):
    """A binary32 operand split for arithmetic.

    A finite nonzero value is ``(-1)**sign * sig * 2**(exp - 23)`` with ``sig[23]`` set: subnormal
    inputs are normalised here, so no arithmetic block sees a subnormal. ``sig`` and ``exp`` are
    meaningless for zeros, infinities and NaNs, which the class bits describe.
    """
    sign: 1
    exp: EXP_SHAPE
    sig: 24
    zero: 1
    inf: 1
    nan: 1
    snan: 1


class RoundRequest(data.Struct):
    """What an arithmetic block hands the rounder (:class:`~.round.Rounder`), 43 bits.

    Unless ``special`` is set, the exact result is ``(-1)**sign * (sig + f) * 2**(exp - 24)`` for
    some ``0 <= f < 1`` with ``f > 0`` exactly when ``sticky`` is set; ``sig[24]`` must be set
    (``sig[0]`` is the guard bit below the 24 bits of a normal significand). With ``special`` set
    the result is exact: the canonical NaN if ``nan``, else infinity (``inf``) or zero with sign
    ``sign``; ``invalid`` and ``div_zero`` raise NV and DZ.
    """
    sign: 1
    exp: EXP_SHAPE
    sig: 25
    sticky: 1
    special: 1
    nan: 1
    inf: 1
    invalid: 1
    div_zero: 1
