"""The tile's GLB unit (NVDLA's global block): hardware version and the done interrupts.

Place in the tile: ``TileRegisters`` (regbus.py) decodes GLB's 4 KiB to this block; the units' done
pulses, tagged with their ping-pong group, come in on ``done``; ``irq`` is the tile's interrupt
line.
The registers are ``UnitRegisters`` built from the table's GLB unit; this file adds the wiring
between INTR_SET, INTR_STATUS, INTR_MASK and the done inputs.
"""

import re

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out, connect, flipped

from ...spec import tile_regs
from .regblock import UNIT_ADDR_WIDTH, RegBusSignature, UnitRegisters

__all__ = [
    "interrupt_sources",
    "Glb",
]

_STATUS_FIELD = re.compile(r"(?P<source>[A-Z0-9_]+)_DONE_STATUS(?P<group>[01])\Z")


def _sources(unit):
    """``[(source, group, status field, mask field, set field), ...]`` from the GLB table.

    Each ``INTR_STATUS`` field ``<SOURCE>_DONE_STATUS<g>`` pairs with the ``INTR_MASK`` and
    ``INTR_SET`` fields at the same bit.
    """
    try:
        status, mask, set_ = (unit.register(name) for name in
                              ("INTR_STATUS", "INTR_MASK", "INTR_SET"))
    except KeyError as error:
        raise ValueError(f"GLB unit {unit.name}: {error.args[0]}") from None
    by_bit = {name: {f.lsb: f for f in reg.fields} for name, reg in
              (("mask", mask), ("set", set_))}
    out = []
    for f in sorted(status.fields, key=lambda f: f.lsb):
        match = _STATUS_FIELD.match(f.name)
        if not match or f.width != 1 or f.access != "w1c":
            raise ValueError(f"{unit.name}.INTR_STATUS.{f.name}: expected a 1-bit w1c field named "
                             f"<SOURCE>_DONE_STATUS<0|1>")
        pair = {}
        for kind, access in (("mask", "rw"), ("set", "w1s")):
            other = by_bit[kind].get(f.lsb)
            if other is None or other.width != 1 or other.access != access:
                raise ValueError(f"{unit.name}.INTR_STATUS.{f.name}: INTR_{kind.upper()} needs a "
                                 f"1-bit {access} field at bit {f.lsb}")
            pair[kind] = other
        out.append((match["source"].lower(), int(match["group"]), f, pair["mask"], pair["set"]))
    return out


def interrupt_sources(unit=None):
    """GLB's interrupt sources in table order (``["sdp", "pdp", "cdma_dat", "cdma_wt", "cacc"]``):
    the members of ``Glb.done``."""
    if unit is None:
        unit = tile_regs.unit("GLB")
    if not isinstance(unit, tile_regs.Unit):
        raise TypeError(f"unit must be a tile_regs.Unit, not {unit!r}")
    return list(dict.fromkeys(source for source, *_ in _sources(unit)))


class Glb(wiring.Component):
    """GLB: ``HW_VERSION`` (ro), ``INTR_MASK`` (rw), ``INTR_SET`` (w1s), ``INTR_STATUS`` (w1c).

    Each ``INTR_STATUS`` bit is set by its unit's done pulse for that group (``done``) or by
    writing 1 to the same bit of ``INTR_SET`` (for tests), and cleared by writing 1 to it; a set in
    the same cycle as a clear wins. ``irq`` is high while ``INTR_STATUS & ~INTR_MASK`` is non-zero.

    The sources come from the table (``INTR_STATUS`` fields ``<SOURCE>_DONE_STATUS<g>``): in
    simtlab's table ``sdp`` (bits 0/1), ``pdp`` (4/5), ``cdma_dat`` (16/17), ``cdma_wt`` (18/19),
    ``cacc`` (20/21). NVDLA's CDP bits 2/3 are absent because nv_small has no CDP and the table
    leaves them out.

    Parameters
    ----------
    unit : tile_regs.Unit
        The GLB table (default ``tile_regs.unit("GLB")``).

    Members
    -------
    bus : In(RegBusSignature(10))
        As ``UnitRegisters.bus``: read latency 1, ``ready`` always 1.
    done : In(StructLayout({source: 2}))
        Done pulses, bit ``g`` for group ``g``, one cycle each.
    irq : Out(1)
        The interrupt line, from flops (no combinational path from any input).

    Latency: ``done`` or an ``INTR_SET`` write at cycle t shows in ``INTR_STATUS`` and ``irq`` at
    t+1; an ``INTR_STATUS`` or ``INTR_MASK`` write at t drops ``irq`` at t+1.

    Raises
    ------
    TypeError
        ``unit`` is not a ``tile_regs.Unit``.
    ValueError
        The table's GLB lacks ``INTR_STATUS``/``INTR_MASK``/``INTR_SET``, or their fields do not
        pair up bit for bit.
    """

    read_latency = RegBusSignature.read_latency

    def __init__(self, unit=None):
        if unit is None:
            unit = tile_regs.unit("GLB")
        names = interrupt_sources(unit)
        self._unit = unit
        self._sources = _sources(unit)
        super().__init__({
            "bus": In(RegBusSignature(UNIT_ADDR_WIDTH)),
            "done": In(data.StructLayout({name: 2 for name in names})),
            "irq": Out(1),
        })

    @property
    def unit(self):
        return self._unit

    def elaborate(self, platform):
        m = Module()
        m.submodules.regs = regs = UnitRegisters(self._unit)
        connect(m, glb=flipped(self.bus), regs=regs.bus)
        pending = []
        for source, group, status, mask, set_ in self._sources:
            m.d.comb += regs.set[status.name.lower()].eq(
                self.done[source][group] | regs.pulse[set_.name.lower()])
            pending.append(regs.status[status.name.lower()] & ~regs.cfg[mask.name.lower()])
        m.d.comb += self.irq.eq(Cat(*pending).any())
        return m
