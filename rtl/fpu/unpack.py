"""Unpacking a binary32 pattern into an :class:`~.layouts.UnpackedFloat` (the FPU's first step)."""

from amaranth import *

from .layouts import UnpackedFloat
from .round import normalize as _normalize

__all__ = [
    "unpack",
]


def unpack(m, bits, *, name, normalize=True):
    """Unpack the binary32 pattern ``bits`` into a new :class:`UnpackedFloat` signal and return
    it. ``name`` prefixes the signals' names. Subnormals are normalised with a 5-step shifter;
    with ``normalize=False`` they are not (``sig[23]`` clear, exponent -126: for users to whom
    every subnormal is just "tiny", such as the float-to-integer conversion)."""
    u = Signal(UnpackedFloat, name=name)
    exp_field = bits[23:31]
    frac = bits[0:23]
    if normalize:
        sig, shift = _normalize(m, Cat(frac, exp_field != 0), name=f"{name}_norm")
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
