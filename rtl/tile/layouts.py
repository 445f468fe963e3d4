"""The tile's configuration layouts: each unit's ``D_`` register fields as one struct.

Place in the tile: ``UnitRegisters.cfg`` (regblock.py, the consumer group's copy of a unit's
``D_`` registers, layout ``unit_config(unit)``) -> the unit's engines, whose ``cfg`` port has
``unit_config(unit, reads=...)``: the same members, restricted to the fields the engine reads,
so the tile top connects them in one statement (``sdp.cfg.eq(narrow(registers.sdp.cfg,
SDP.CONFIG))``) and copies (with clock gating) only what an engine uses. Every field name, width
and signedness comes from ``simtlab.spec.tile_regs``: a field added to the table reaches the
register block with no other edit, and an engine when it names the field in its ``reads``. The
feature DMAs (``WDMA``, ``FeatureReader``) walk a cube described by :class:`FeatureCube`
whichever unit's registers describe it.
"""

from functools import cache

from amaranth import *
from amaranth.lib import data

from ...spec import tile_regs

__all__ = [
    "field_shape",
    "config_fields",
    "unit_config",
    "unit_shared",
    "narrow",
    "FeatureCube",
    "feature_cube",
]


def field_shape(f):
    """The shape of a register field as the RTL holds it: ``signed(width)`` for signed fields,
    else ``unsigned(width)``."""
    if not isinstance(f, tile_regs.Field):
        raise TypeError(f"f must be a tile_regs.Field, not {f!r}")
    return signed(f.width) if f.signed else unsigned(f.width)


def _as_unit(unit):
    if isinstance(unit, str):
        return tile_regs.unit(unit)
    if not isinstance(unit, tile_regs.Unit):
        raise TypeError(f"unit must be a tile_regs.Unit or a unit name, not {unit!r}")
    return unit


def config_fields(unit):
    """``[(Register, Field), ...]``: the fields of a ping-pong unit's configuration, in table order:
    every ``rw`` field of its ``D_`` (group) registers. ``D_OP_ENABLE`` (``rwhc``) and the counters
    (``ro``) are not configuration. ``unit`` is a ``tile_regs.Unit`` or a unit name."""
    unit = _as_unit(unit)
    if not unit.pingpong:
        raise ValueError(f"unit {unit.name} has no D_ register groups (it is not a ping-pong unit)")
    return [(r, f) for r in unit.registers if r.group for f in r.fields if f.access == "rw"]


@cache
def _unit_config(unit, reads):
    fields = {}
    for r, f in config_fields(unit):
        name = f.name.lower()
        if name in fields:
            raise ValueError(f"unit {unit.name}: field {f.name} is in two registers; configuration "
                             f"members are named after fields, so field names must be unique "
                             f"within a unit")
        fields[name] = field_shape(f)
    if reads is not None:
        unknown = [name for name in reads if name not in fields]
        if unknown:
            raise ValueError(f"reads: {', '.join(map(repr, unknown))} not a configuration field "
                             f"of unit {unit.name}; those are {', '.join(fields)}")
        fields = {name: shape for name, shape in fields.items() if name in reads}
    return data.StructLayout(fields)


def unit_config(unit, reads=None):
    """The configuration layout of a ping-pong unit (``tile_regs.Unit`` or name): one member per
    :func:`config_fields` field, named after it in lower case (``D_DATAIN_SIZE_0.DATAIN_WIDTH`` ->
    ``datain_width``), with :func:`field_shape`, in table order. N-1 fields hold N-1, as in the
    register. This is the register block's ``cfg``.

    ``reads``: an engine's own layout, the same members restricted to the names it reads (an
    engine gets just what it uses; a field the table gains reaches no engine until one reads it).

    Raises ``TypeError`` for a unit of the wrong kind, ``ValueError`` for a unit without groups, a
    field name used twice in the unit or a ``reads`` name that is not one of its fields,
    ``KeyError`` for an unknown unit name."""
    if reads is not None:
        if isinstance(reads, str) or not all(isinstance(name, str) for name in reads):
            raise TypeError(f"reads must be a collection of field names, not {reads!r}")
        reads = frozenset(reads)
    return _unit_config(_as_unit(unit), reads)


def unit_shared(unit):
    """The layout of a ping-pong unit's rw fields outside its groups (CDP's ``S_LUT_*``: one copy
    for both groups), named after the fields in lower case, in table order: the register block's
    ``shared`` port."""
    unit = _as_unit(unit)
    if not unit.pingpong:
        raise ValueError(f"unit {unit.name} is not a ping-pong unit")
    return data.StructLayout({f.name.lower(): field_shape(f) for r in unit.registers
                              if not r.group and r.name != "S_POINTER"
                              for f in r.fields if f.access == "rw"})


def narrow(cfg, layout):
    """The members of ``layout`` (an engine's :func:`unit_config` with ``reads``) picked out of
    ``cfg`` (a view of the whole unit's layout, e.g. ``UnitRegisters.cfg``) by name, as a view
    of ``layout``: ``engine.cfg.eq(narrow(registers.sdp.cfg, SDP.CONFIG))``. ``ValueError`` if a
    member is missing from ``cfg`` or has another shape there."""
    source = cfg.shape()
    parts = []
    for name, member in data.Layout.cast(layout):
        if name not in source.members or source.members[name] != member.shape:
            raise ValueError(f"cfg has no member {name!r} of shape {member.shape!r}")
        parts.append(Value.cast(cfg[name]).as_unsigned())
    return data.View(layout, Cat(*parts))


class FeatureCube(data.Struct):
    """A W x H x C int8 cube in NVDLA's feature format, as a feature DMA walks it.

    Atom (surface s, line h, pixel w) is at ``base + s * surface_stride + h * line_stride + w *
    atom`` (``tile_layout.feature_offset``). Sizes are stored as N - 1 (``D_DATA_CUBE_*``);
    addresses and strides are bytes, multiples of the atom.
    """
    width: 13
    height: 13
    channel: 13
    base: 32
    line_stride: 32
    surface_stride: 32


def feature_cube(*, width, height, channel, base, line_stride, surface_stride):
    """A :class:`FeatureCube` view of six values (register fields of the unit that describes the
    cube); each must have its member's width exactly (``ValueError`` otherwise)."""
    parts = dict(width=width, height=height, channel=channel, base=base, line_stride=line_stride,
                 surface_stride=surface_stride)
    layout = data.Layout.cast(FeatureCube)
    values = []
    for name, member in layout:
        value = Value.cast(parts[name])
        if len(value) != member.width:
            raise ValueError(f"{name} must be {member.width} bits wide, not {len(value)}")
        values.append(value.as_unsigned())
    return FeatureCube(Cat(*values))
