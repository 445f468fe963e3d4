"""The tile's register model for Python: addresses and field pack/unpack, built from the one table.

Every number here comes from :mod:`simtlab.spec.tile_regs` when this module is imported; nothing is
written down twice. Registers are named ``"UNIT.REG"`` (``"CDMA.D_DATAIN_SIZE_0"``), fields by their
NVDLA names (``DATAIN_WIDTH``). Field values are raw register values: a size field marked N-1 takes
N-1 (the layer driver does that conversion, not this model).

    >>> offset("CDMA.D_DATAIN_SIZE_0")
    12316
    >>> hex(pack("CDMA.D_DATAIN_SIZE_0", DATAIN_WIDTH=31, DATAIN_HEIGHT=15))
    '0xf001f'
    >>> unpack("CDMA.D_DATAIN_SIZE_0", 0xF001F)
    {'DATAIN_WIDTH': 31, 'DATAIN_HEIGHT': 15}

Errors: an unknown unit, register or field raises ``KeyError`` listing the valid names; a value that
does not fit its field raises ``ValueError`` naming the register, field, bits and legal range.
"""

import operator

from ..spec.memory import MemoryMap
from ..spec.tile_regs import UNITS, lookup

__all__ = [
    "offset",
    "address",
    "register",
    "reset_value",
    "field_range",
    "pack",
    "unpack",
    "update",
    "names",
]


def register(name):
    """The :class:`~simtlab.spec.tile_regs.Register` called ``"UNIT.REG"``."""
    return lookup(name)[1]


def offset(name):
    """Byte offset of ``"UNIT.REG"`` inside the tile's window (unit base + register offset)."""
    u, r = lookup(name)
    return u.base + r.offset


def address(name, mmio_base=MemoryMap.MMIO_BASE):
    """Device address of ``"UNIT.REG"``: the tile's MMIO window base plus :func:`offset`."""
    return mmio_base + offset(name)


def reset_value(name):
    """The register's value after reset."""
    return register(name).reset


def field_range(name, field):
    """``(lowest, highest)`` legal value of a field (two's complement range if signed)."""
    f = register(name).field(field)
    if f.signed:
        return -(1 << (f.width - 1)), (1 << (f.width - 1)) - 1
    return 0, (1 << f.width) - 1


def _encode(name, f, value):
    if isinstance(value, bool):
        raise TypeError(f"{name}.{f.name} takes an integer, not {value!r}")
    try:
        value = operator.index(value)         # int and numpy integers; not float, not str
    except TypeError:
        raise TypeError(f"{name}.{f.name} takes an integer, not {value!r}") from None
    lo, hi = field_range(name, f.name)
    if not lo <= value <= hi:
        raise ValueError(f"{name}.{f.name} {f.bits} holds {lo}..{hi}, not {value}")
    return (value & ((1 << f.width) - 1)) << f.lsb


def pack(name, **fields):
    """The 32-bit word with the given fields set and every other field at 0.

    Enum fields also take their value's name as a string (``BS_ALU_ALGO="SUM"``).
    """
    reg = register(name)
    word = 0
    for fname, value in fields.items():
        f = reg.field(fname)
        if isinstance(value, str):
            enum = dict(f.enum)
            if value not in enum:
                raise ValueError(f"{name}.{fname} has no value named {value!r}; it has "
                                 f"{', '.join(enum) or 'no named values'}")
            value = enum[value]
        word |= _encode(name, f, value)
    return word


def unpack(name, word):
    """Field name -> value of a 32-bit register word (signed fields sign-extended)."""
    if not isinstance(word, int) or not 0 <= word < (1 << 32):
        raise ValueError(f"{name} is a 32-bit register; {word!r} is not a 32-bit word")
    return register(name).unpack(word)


def update(name, word, **fields):
    """``word`` with the given fields replaced and the other bits kept."""
    reg = register(name)
    for fname in fields:
        word &= ~reg.field(fname).mask
    return word | pack(name, **fields)


def names():
    """Every register name, ``"UNIT.REG"``, in address order."""
    return [f"{u.name}.{r.name}" for u in UNITS for r in u.registers]
