"""Shared names of the FPU: operations, rounding modes and exception flags (RISC-V numbering)."""

import enum as py_enum

from amaranth import *
from amaranth.lib import data, enum

__all__ = [
    "FpuOp",
    "RoundingMode",
    "Flags",
    "Latency",
    "LATENCY",
    "CANONICAL_NAN",
    "EXP_SHAPE",
    "UnpackedFloat",
    "RoundRequest",
    "unpack",
]


class FpuOp(enum.Enum, shape=5):
    """One RV32F operation. ``a``/``b``/``c`` are rs1/rs2/rs3 (``a`` is the integer rs1 of
    ``CVT_S_W``/``CVT_S_WU``/``MV_W_X``)."""
    ADD = 0         #: a + b
    SUB = 1         #: a - b
    MUL = 2         #: a * b
    MADD = 3        #: a * b + c, one rounding
    MSUB = 4        #: a * b - c
    NMSUB = 5       #: -(a * b) + c
    NMADD = 6       #: -(a * b) - c
    DIV = 7         #: a / b
    SQRT = 8        #: sqrt(a)
    SGNJ = 9        #: |a| with b's sign
    SGNJN = 10      #: |a| with b's sign inverted
    SGNJX = 11      #: a with its sign xor b's
    MIN = 12        #: IEEE 754-2019 minimumNumber, -0 < +0
    MAX = 13        #: maximumNumber
    EQ = 14         #: quiet compare, integer 0/1
    LT = 15         #: signaling compare
    LE = 16         #: signaling compare
    CLASS = 17      #: 10-bit class mask
    CVT_W_S = 18    #: float -> int32, saturating
    CVT_WU_S = 19   #: float -> uint32, saturating
    CVT_S_W = 20    #: int32 -> float
    CVT_S_WU = 21   #: uint32 -> float
    MV_X_W = 22     #: bits of a float register to an integer register
    MV_W_X = 23     #: bits of an integer register to a float register


class RoundingMode(enum.Enum, shape=3):
    """The ``rm`` field / ``frm`` CSR. 5 and 6 are reserved (illegal); 7 selects ``frm``."""
    RNE = 0     #: to nearest, ties to even
    RTZ = 1     #: towards zero
    RDN = 2     #: down (towards -inf)
    RUP = 3     #: up (towards +inf)
    RMM = 4     #: to nearest, ties away from zero
    DYN = 7     #: use the frm CSR


class Flags(py_enum.IntFlag):
    """fflags bits, accrued per warp."""
    NX = 1      #: inexact
    UF = 2      #: underflow (tiny after rounding, and inexact)
    OF = 4      #: overflow
    DZ = 8      #: divide by zero
    NV = 16     #: invalid operation


class Latency(py_enum.Enum):
    """When an operation's result exists, counted in the core's pipeline (docs/fpu.md)."""
    PIPELINED = "pipelined"     #: two stages, X and M; one result per cycle per lane
    ITERATIVE = "iterative"     #: holds X until done (start/busy/done/ack like the integer divider)


_ITERATIVE = {FpuOp.DIV, FpuOp.SQRT}

#: The latency class of every operation: the core's hazard logic and the docs read this table.
#: Compares, moves and conversions are two-stage like the arithmetic (rather than finishing in X)
#: so that every FPU block runs from registers written only by FP instructions: Verilator then
#: evaluates none of it while integer code runs (docs/fpu.md, "Simulation cost").
LATENCY = {op: Latency.ITERATIVE if op in _ITERATIVE else Latency.PIPELINED for op in FpuOp}


#: The NaN every arithmetic operation returns (RISC-V: positive, quiet, zero payload).
CANONICAL_NAN = 0x7FC0_0000

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


def unpack(m, bits, *, name, normalize=True):
    """Unpack the binary32 pattern ``bits`` into a new :class:`UnpackedFloat` signal and return
    it. ``name`` prefixes the signals' names. Subnormals are normalised with a 5-step shifter;
    with ``normalize=False`` they are not (``sig[23]`` clear, exponent -126: for users to whom
    every subnormal is just "tiny", such as the float-to-integer conversion)."""
    from .round import normalize as normalizer     # round.py imports this module
    u = Signal(UnpackedFloat, name=name)
    exp_field = bits[23:31]
    frac = bits[0:23]
    if normalize:
        sig, shift = normalizer(m, Cat(frac, exp_field != 0), name=f"{name}_norm")
    else:
        sig, shift = Cat(frac, exp_field != 0), 0
    m.d.comb += [
        u.sign.eq(bits[31]),
        # A subnormal's exponent field means 1, and each normalising shift step lowers it by one.
        u.exp.eq(Mux(exp_field == 0, 1, exp_field) - 127 - shift),
        u.sig.eq(sig),
        u.zero.eq((exp_field == 0) & (frac == 0)),
        u.inf.eq((exp_field == 0xFF) & (frac == 0)),
        u.nan.eq((exp_field == 0xFF) & (frac != 0)),
        u.snan.eq((exp_field == 0xFF) & (frac != 0) & ~frac[22]),
    ]
    return u
