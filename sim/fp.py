"""RV32F arithmetic on Berkeley SoftFloat (``softfloatpy``): the reference for the FPU and the
golden model.

SoftFloat as packaged on PyPI is built with the RISC-V specialisation: NaN results are the canonical
NaN 0x7FC00000, float -> integer conversions saturate the RISC-V way (NaN -> largest value), and
tininess is detected after rounding. What SoftFloat does not provide (fmin/fmax, fclass, sign
injection, moves) follows the RISC-V unprivileged specification (chapter "F").

:func:`execute` takes and returns raw 32-bit patterns: ``execute(FpuOp.MADD, 0, a, b, c)`` returns
``(result_bits, fflags)``.
"""

import struct

import softfloatpy as sf

from ..spec.fpu import FpuOp

__all__ = ["execute", "fclass", "CANONICAL_NAN"]

CANONICAL_NAN = 0x7FC0_0000
_SIGN = 0x8000_0000
_MODES = {mode.value: mode for mode in sf.RoundingMode}
_pack = struct.Struct(">I")


def _f(bits):
    return sf.Float32.from_bytes(_pack.pack(bits & 0xFFFF_FFFF))


def _bits(value):
    return _pack.unpack(value.to_bytes())[0]


def _is_nan(bits):
    return (bits & 0x7F80_0000) == 0x7F80_0000 and (bits & 0x007F_FFFF) != 0


def _is_snan(bits):
    return _is_nan(bits) and not bits & 0x0040_0000


def fclass(bits):
    """The fclass.s mask: bit 0 -inf, 1 -normal, 2 -subnormal, 3 -0, 4 +0, 5 +subnormal,
    6 +normal, 7 +inf, 8 signaling NaN, 9 quiet NaN."""
    sign = bits >> 31
    exp = (bits >> 23) & 0xFF
    frac = bits & 0x7F_FFFF
    if exp == 0xFF:
        if frac:
            return 1 << 9 if frac & 0x40_0000 else 1 << 8
        return 1 << 0 if sign else 1 << 7
    if exp == 0:
        if frac == 0:
            return 1 << 3 if sign else 1 << 4
        return 1 << 2 if sign else 1 << 5
    return 1 << 1 if sign else 1 << 6


def _min_max(a, b, want_max):
    flags = 16 if _is_snan(a) or _is_snan(b) else 0
    if _is_nan(a) and _is_nan(b):
        return CANONICAL_NAN, flags
    if _is_nan(a):
        return b, flags
    if _is_nan(b):
        return a, flags
    if (a | b) & 0x7FFF_FFFF == 0:          # both zeros: -0 < +0
        pick_a = (a >> 31) != want_max     # max picks the positive one, min the negative one
        return (a if pick_a else b), flags
    a_less = sf.f32_lt_quiet(_f(a), _f(b))
    return (b if a_less == want_max else a), flags


def _signed32(value):
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & _SIGN else value


def execute(op, rm, a, b=0, c=0):
    """Result bits and fflags of one RV32F operation.

    ``op`` is an :class:`FpuOp`, ``rm`` a resolved rounding mode 0-4 (RNE, RTZ, RDN, RUP, RMM);
    ``a``, ``b``, ``c`` are the rs1/rs2/rs3 bit patterns (``a`` is the integer register for
    CVT_S_W/CVT_S_WU/MV_W_X). Integer results (compares, fclass, conversions to integer, fmv.x.w) are
    returned as unsigned 32-bit patterns.
    """
    if not isinstance(op, FpuOp):
        op = FpuOp(op)      # (Amaranth's enum call is slow: skip it for FpuOp members)
    a &= 0xFFFF_FFFF
    b &= 0xFFFF_FFFF
    c &= 0xFFFF_FFFF
    if op is FpuOp.SGNJ:
        return (a & ~_SIGN) | (b & _SIGN), 0
    if op is FpuOp.SGNJN:
        return (a & ~_SIGN) | (~b & _SIGN), 0
    if op is FpuOp.SGNJX:
        return a ^ (b & _SIGN), 0
    if op is FpuOp.MV_X_W or op is FpuOp.MV_W_X:
        return a, 0
    if op is FpuOp.CLASS:
        return fclass(a), 0
    if op is FpuOp.MIN or op is FpuOp.MAX:
        return _min_max(a, b, op is FpuOp.MAX)

    mode = _MODES[rm]
    sf.set_rounding_mode(mode)
    sf.set_exception_flags(0)
    if op is FpuOp.ADD:
        result = _bits(sf.f32_add(_f(a), _f(b)))
    elif op is FpuOp.SUB:
        result = _bits(sf.f32_sub(_f(a), _f(b)))
    elif op is FpuOp.MUL:
        result = _bits(sf.f32_mul(_f(a), _f(b)))
    elif op is FpuOp.MADD:
        result = _bits(sf.f32_mul_add(_f(a), _f(b), _f(c)))
    elif op is FpuOp.MSUB:
        result = _bits(sf.f32_mul_add(_f(a), _f(b), _f(c ^ _SIGN)))
    elif op is FpuOp.NMSUB:
        result = _bits(sf.f32_mul_add(_f(a ^ _SIGN), _f(b), _f(c)))
    elif op is FpuOp.NMADD:
        result = _bits(sf.f32_mul_add(_f(a ^ _SIGN), _f(b), _f(c ^ _SIGN)))
    elif op is FpuOp.DIV:
        result = _bits(sf.f32_div(_f(a), _f(b)))
    elif op is FpuOp.SQRT:
        result = _bits(sf.f32_sqrt(_f(a)))
    elif op is FpuOp.EQ:
        result = int(bool(sf.f32_eq(_f(a), _f(b))))
    elif op is FpuOp.LT:
        result = int(bool(sf.f32_lt(_f(a), _f(b))))
    elif op is FpuOp.LE:
        result = int(bool(sf.f32_le(_f(a), _f(b))))
    elif op is FpuOp.CVT_W_S:
        result = sf.f32_to_i32(_f(a), mode, True).to_int() & 0xFFFF_FFFF
    elif op is FpuOp.CVT_WU_S:
        result = sf.f32_to_ui32(_f(a), mode, True).to_int() & 0xFFFF_FFFF
    elif op is FpuOp.CVT_S_W:
        result = _bits(sf.i32_to_f32(sf.Int32.from_int(_signed32(a))))
    elif op is FpuOp.CVT_S_WU:
        result = _bits(sf.ui32_to_f32(sf.UInt32.from_int(a)))
    else:   # pragma: no cover - every FpuOp is handled above
        raise ValueError(f"unknown FPU operation {op!r}")
    return result, int(sf.get_exception_flags())
