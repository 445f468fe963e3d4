"""Kernel argument signatures: the argument struct a kernel reads, checked and packed at launch.

A kernel reads its arguments through one pointer (``const vecadd_args_t *arg = sl_arg();`` or
Vortex's ``kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);``). :func:`read_signature`
finds that struct in the ELF's DWARF debug information (kernels are compiled with ``-g``): among the
local variables of ``main`` that point to a struct, the one whose struct or typedef name contains
``arg`` (or the only one). Its members become :class:`Field` objects (name, offset, size, kind,
C type, pointee); :meth:`Signature.pack` checks the launch's arguments against them and lays them
out at the members' offsets, so an ``int8_t`` or a ``double`` member gets its own width.

Checks (messages name the field): the argument count; an int for an integer field (in range of its
width), a number for a float field (finite values must fit binary32/binary64), a Buffer or an int
address for a pointer field, whose dtype must match the pointee (``int32_t *`` takes 4-byte integer
buffers, ``float *`` float32 ones; ``void *``, struct and untyped buffers from ``Device.alloc(n)``
pass). A struct with members of other kinds (arrays, nested structs, bit fields) gives no signature,
and a kernel without debug information is launched unchecked, as before.
"""

import ctypes
import functools
import io
import struct
from dataclasses import dataclass

import numpy as np
from elftools.common.exceptions import ELFError as _PyElfError
from elftools.elf.elffile import ELFFile

from ..sim.backend import Buffer

__all__ = ["declared_struct", "pack_declared", "Field", "Signature", "read_signature"]

_INT_ENCODINGS = {0x05: True, 0x06: True, 0x07: False, 0x08: False, 0x02: False}   # DW_ATE_ -> signed
_FLOAT_ENCODING = 0x04
_QUALIFIERS = ("DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type",
               "DW_TAG_atomic_type")


@dataclass(frozen=True)
class Field:
    """One member of the argument struct.

    ``kind`` is ``"int"``, ``"uint"``, ``"float"`` or ``"pointer"``; ``ctype`` the C type as
    written (``"const int32_t *"``); for pointers, ``pointee`` is ``(kind, size)`` of the pointed-to
    scalar type, or None (``void``, structs, pointers: any buffer).
    """
    name: str
    offset: int
    size: int
    kind: str
    ctype: str
    pointee: "tuple | None" = None
    count: "int | None" = None      #: an array member of ``count`` scalars (``size`` is one element's)

    def accepts_dtype(self, dtype):
        """Whether a buffer of ``dtype`` matches the pointee type."""
        if self.pointee is None:
            return True
        kind, size = self.pointee
        if dtype.itemsize != size:
            return False
        return dtype.kind == "f" if kind == "float" else dtype.kind in "iub"


@dataclass(frozen=True)
class Signature:
    """The argument struct ``name`` (``size`` bytes) with its ``fields`` in offset order."""
    name: str
    size: int
    fields: tuple

    def __str__(self):
        return f"{self.name} {{ " + "; ".join(
            f"{f.ctype} {f.name}" + (f"[{f.count}]" if f.count else "") for f in self.fields) + "; }"

    def pack(self, args, *, typed=lambda buffer: True):
        """The argument struct's bytes for ``args``. ``typed(buffer)`` says whether a Buffer's dtype
        is meant (untyped allocations skip the pointee check). TypeError/ValueError name the field."""
        if len(args) != len(self.fields):
            names = ", ".join(f.name for f in self.fields)
            if len(args) < len(self.fields):
                missing = ", ".join(f.name for f in self.fields[len(args):])
                detail = f"missing {missing}"
            else:
                detail = f"{len(args) - len(self.fields)} too many"
            raise TypeError(f"kernel takes {len(self.fields)} arguments ({self.name}: {names}), "
                            f"got {len(args)}: {detail}")
        out = bytearray(self.size)
        for f, arg in zip(self.fields, args):
            if f.count is None:
                out[f.offset:f.offset + f.size] = self._field_bytes(f, arg, typed)
                continue
            if isinstance(arg, (str, bytes)) or not hasattr(arg, "__len__") or len(arg) != f.count:
                raise TypeError(f"kernel argument {f.name!r} ({f.ctype}[{f.count}]): expected a "
                                f"sequence of {f.count} values, not {arg!r}")
            for k, item in enumerate(arg):
                at = f.offset + k * f.size
                out[at:at + f.size] = self._field_bytes(f, item, typed)
        return bytes(out)

    def _field_bytes(self, f, arg, typed):
        where = f"kernel argument {f.name!r} ({f.ctype})"
        if isinstance(arg, (bool, np.bool_)):
            raise TypeError(f"{where}: bool is ambiguous, pass an int")
        if f.kind == "pointer":
            if isinstance(arg, Buffer):
                if typed(arg) and not f.accepts_dtype(arg.dtype):
                    raise TypeError(f"{where}: got a buffer of {arg.dtype}, the kernel reads "
                                    f"{f.ctype.replace('*', '').replace('const', '').strip()}")
                return arg.addr.to_bytes(4, "little")
            if isinstance(arg, (int, np.integer)):     # a raw device address
                if not 0 <= int(arg) < 1 << 32:
                    raise ValueError(f"{where}: address {int(arg)} is outside 0..2**32-1")
                return int(arg).to_bytes(4, "little")
            raise TypeError(f"{where}: expected a Buffer (or an int address), "
                            f"not {type(arg).__name__} ({arg!r})")
        if f.kind == "float":
            if not isinstance(arg, (int, float, np.integer, np.floating)):
                raise TypeError(f"{where}: expected a number, not {type(arg).__name__} ({arg!r})")
            return _float_bytes(where, float(arg), f.size)
        if isinstance(arg, Buffer) and f.size in (4, 8):   # an address in an integer field (Vortex
            return arg.addr.to_bytes(f.size, "little")    # style: uint32_t or uint64_t *_addr)
        if isinstance(arg, (float, np.floating)):
            raise TypeError(f"{where}: expected an int, not the float {arg!r}")
        if not isinstance(arg, (int, np.integer)):
            raise TypeError(f"{where}: expected an int, not {type(arg).__name__} ({arg!r})")
        return _int_bytes(where, int(arg), f.size)


def _int_bytes(where, value, size):
    bits = 8 * size
    # Either reading of the bits is accepted (-1 for a uint32_t is 0xFFFFFFFF, as in C).
    if not -(1 << (bits - 1)) <= value < (1 << bits):
        raise ValueError(f"{where}: {value} does not fit {bits} bits")
    return (value & ((1 << bits) - 1)).to_bytes(size, "little")


def _float_bytes(where, value, size):
    fmt = {4: "<f", 8: "<d"}.get(size)
    if fmt is None:
        raise TypeError(f"{where}: {size}-byte floats are not supported")
    try:
        return struct.pack(fmt, value)
    except OverflowError:
        raise ValueError(f"{where}: {value!r} is out of range for a {8 * size}-bit float") from None


# -- reading DWARF ------------------------------------------------------------------------------------
def _strip(die):
    """``die``'s type DIE past qualifiers and typedefs, and the first typedef name seen."""
    name = None
    while die is not None and (die.tag in _QUALIFIERS or die.tag == "DW_TAG_typedef"):
        if die.tag == "DW_TAG_typedef" and name is None:
            name = _name(die)
        die = _type(die)
    return die, name


def _type(die):
    return die.get_DIE_from_attribute("DW_AT_type") if "DW_AT_type" in die.attributes else None


def _name(die):
    attr = die.attributes.get("DW_AT_name")
    return attr.value.decode(errors="replace") if attr is not None else None


def _ctype(die):
    """The C spelling of a type DIE (``const int32_t *``)."""
    if die is None:
        return "void"
    if die.tag == "DW_TAG_pointer_type":
        return f"{_ctype(_type(die))} *"
    if die.tag == "DW_TAG_const_type":
        return f"const {_ctype(_type(die))}"
    if die.tag in _QUALIFIERS:
        return _ctype(_type(die))
    if die.tag == "DW_TAG_structure_type":
        return f"struct {_name(die) or '<anonymous>'}"
    return _name(die) or "?"


def _scalar(die):
    """``(kind, size)`` of a base or enum type DIE, or None."""
    size = die.attributes.get("DW_AT_byte_size")
    if size is None:
        return None
    if die.tag == "DW_TAG_enumeration_type":
        return ("int", size.value)
    if die.tag != "DW_TAG_base_type":
        return None
    encoding = die.attributes["DW_AT_encoding"].value
    if encoding == _FLOAT_ENCODING:
        return ("float", size.value)
    if encoding in _INT_ENCODINGS:
        return ("int" if _INT_ENCODINGS[encoding] else "uint", size.value)
    return None


def _field(member):
    name = _name(member) or "?"
    location = member.attributes.get("DW_AT_data_member_location")
    if location is None or not isinstance(location.value, int) or "DW_AT_bit_size" in member.attributes:
        return None
    declared = _type(member)
    resolved, _ = _strip(declared)
    if resolved is None:
        return None
    if resolved.tag == "DW_TAG_array_type":         # uint32_t grid_dim[2]: a fixed array of scalars
        ranges = [c for c in resolved.iter_children() if c.tag == "DW_TAG_subrange_type"]
        element, _ = _strip(_type(resolved))
        scalar = _scalar(element) if element is not None else None
        if len(ranges) != 1 or scalar is None:
            return None
        count = ranges[0].attributes.get("DW_AT_count")
        upper = ranges[0].attributes.get("DW_AT_upper_bound")
        count = count.value if count is not None else (upper.value + 1 if upper is not None else None)
        if not isinstance(count, int) or count < 1:
            return None
        return Field(name, location.value, scalar[1], scalar[0], _ctype(_type(resolved)), count=count)
    if resolved.tag == "DW_TAG_pointer_type":
        target, _ = _strip(_type(resolved))
        pointee = _scalar(target) if target is not None else None
        return Field(name, location.value, 4, "pointer", _ctype(declared), pointee)
    scalar = _scalar(resolved)
    if scalar is None:
        return None
    return Field(name, location.value, scalar[1], scalar[0], _ctype(declared))


def _struct_signature(struct_die, typedef_name):
    fields = []
    for member in struct_die.iter_children():
        if member.tag != "DW_TAG_member":
            continue
        f = _field(member)
        if f is None:
            return None
        fields.append(f)
    size = struct_die.attributes.get("DW_AT_byte_size")
    if size is None or not fields:
        return None
    name = typedef_name or f"struct {_name(struct_die) or '<anonymous>'}"
    return Signature(name, size.value, tuple(sorted(fields, key=lambda f: f.offset)))


def _variables(die):
    for child in die.iter_children():
        if child.tag in ("DW_TAG_variable", "DW_TAG_formal_parameter"):
            yield child
        elif child.tag == "DW_TAG_lexical_block":
            yield from _variables(child)


@functools.lru_cache(maxsize=64)     # a kernel is loaded again for every run(source, ...)
def read_signature(data):
    """The argument :class:`Signature` of the kernel ELF ``data`` (bytes), or None (no DWARF, no
    ``main``, no pointer-to-struct local in it, or a struct that cannot be checked)."""
    try:
        elf = ELFFile(io.BytesIO(data))
        if not elf.has_dwarf_info():
            return None
        candidates = []
        for cu in elf.get_dwarf_info().iter_CUs():
            for die in cu.get_top_DIE().iter_children():
                if die.tag != "DW_TAG_subprogram" or _name(die) != "main":
                    continue
                for var in _variables(die):
                    pointer, _ = _strip(_type(var)) if "DW_AT_type" in var.attributes else (None, None)
                    if pointer is None or pointer.tag != "DW_TAG_pointer_type":
                        continue
                    target = _type(pointer)
                    resolved, typedef = _strip(target) if target is not None else (None, None)
                    if resolved is not None and resolved.tag == "DW_TAG_structure_type":
                        candidates.append((resolved, typedef))
    except (_PyElfError, ValueError, KeyError, IndexError, AttributeError):
        return None     # unreadable debug information: launch unchecked
    named = [c for c in candidates if "arg" in ((c[1] or "") + (_name(c[0]) or "")).lower()]
    chosen = named[:1] or (candidates if len(candidates) == 1 else [])
    return _struct_signature(*chosen[0]) if chosen else None


def declared_struct(value):
    """Whether ``value`` is an argument struct the caller laid out: a ctypes.Structure, or a numpy
    structured scalar or one-element array."""
    if isinstance(value, ctypes.Structure):
        return True
    return isinstance(value, (np.void, np.ndarray)) and value.dtype.names is not None


def pack_declared(value, signature=None):
    """The bytes of a declared argument struct (:func:`declared_struct`), checked against the
    kernel's ``signature`` when it is known: the same size, and every member the two name alike at
    the same offset with the same width. TypeError names what differs."""
    if isinstance(value, ctypes.Structure):
        data = bytes(value)
        members = {name: (getattr(type(value), name).offset, getattr(type(value), name).size)
                   for name, *_ in value._fields_}
        what = type(value).__name__
    else:
        array = np.asarray(value)
        if array.size != 1:
            raise TypeError(f"a structured argument array must hold one struct, not {array.size}")
        data = array.tobytes()
        members = {name: (array.dtype.fields[name][1], array.dtype.fields[name][0].itemsize)
                   for name in array.dtype.names}
        what = f"dtype {array.dtype}"
    if signature is None:
        return data
    if len(data) != signature.size:
        raise TypeError(f"the declared argument struct ({what}) is {len(data)} bytes, the kernel's "
                        f"{signature.name} is {signature.size}: {signature}")
    for f in signature.fields:
        if f.name not in members:
            continue
        offset, size = members[f.name]
        want = f.size * (f.count or 1)
        if (offset, size) != (f.offset, want):
            raise TypeError(f"declared argument {f.name!r} is {size} bytes at offset {offset}, the "
                            f"kernel's {f.ctype} {f.name} is {want} bytes at offset {f.offset}")
    return data
