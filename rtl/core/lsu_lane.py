"""The load/store unit's per-lane blocks: address checks, store formatting, load alignment.

Place in the pipeline: X's lane address (the ALU) -> **AddressCheck**, **StoreFormat** ->
``coalescer.py`` -> the data port; the port's response word -> **LoadAlign** -> the load collector
(all instantiated per lane by ``lsu.py``).
"""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.isa import atomic_region
from ..common.checks import check_config

__all__ = [
    "AddressCheck",
    "StoreFormat",
    "LoadAlign",
]


class AddressCheck(wiring.Component):
    """Is an access of size ``funct3[0:2]`` (byte, half, word) at ``addr`` aligned and mapped?

    Parameters
    ----------
    config : SimtConfig
        Its ``regions`` of kind "ram" and "io" are accessible, and the "mmio" window when the
        configuration has a tile, for word accesses only (the tile's registers are 32-bit);
        anything else is an access fault.

    Members
    -------
    addr : In(32)
    funct3 : In(3)
    misaligned : Out(1)
    unmapped : Out(1)
    no_atomic : Out(1)
        The address is mapped but outside global memory (io, mmio, local memory): an atomic there
        faults (``simtlab.spec.isa.atomic_region``).

    Latency: combinational (two comparators per region).

    Raises
    ------
    TypeError
        ``config`` is not a SimtConfig.
    """

    addr: In(32)
    funct3: In(3)
    misaligned: Out(1)
    unmapped: Out(1)
    no_atomic: Out(1)

    def __init__(self, config):
        check_config("AddressCheck", config)
        self._regions = [r for r in config.regions if r.kind in ("ram", "io")]
        self._mmio = [r for r in config.regions if r.kind == "mmio" and config.tile is not None]
        self._atomic = [r for r in config.regions if atomic_region(r)]
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        size = self.funct3[0:2]
        m.d.comb += self.misaligned.eq(((size == 1) & self.addr[0]) |
                                       ((size == 2) & (self.addr[0:2] != 0)))
        # Regions are word aligned, so an aligned access lies wholly inside or wholly outside.
        inside = [(self.addr >= r.base) & (self.addr < r.end) for r in self._regions]
        inside += [(self.addr >= r.base) & (self.addr < r.end) & (size == 2) for r in self._mmio]
        m.d.comb += self.unmapped.eq(~Cat(*inside).any())
        atomic = [(self.addr >= r.base) & (self.addr < r.end) for r in self._atomic]
        m.d.comb += self.no_atomic.eq(~Cat(*atomic).any())
        return m


class StoreFormat(wiring.Component):
    """Shifts store data onto its byte lanes and makes the byte enables.

    Members
    -------
    addr_low : In(2)
    funct3 : In(3)
    value : In(32)
        rs2's value.
    data : Out(32)
    be : Out(4)

    Latency: combinational.
    """

    addr_low: In(2)
    funct3: In(3)
    value: In(32)
    data: Out(32)
    be: Out(4)

    def elaborate(self, platform):
        m = Module()
        with m.Switch(self.funct3[0:2]):
            with m.Case(0):
                m.d.comb += [self.data.eq(self.value[0:8].replicate(4)),
                             self.be.eq(C(0b0001, 4) << self.addr_low)]
            with m.Case(1):
                m.d.comb += [self.data.eq(self.value[0:16].replicate(2)),
                             self.be.eq(C(0b0011, 4) << self.addr_low)]
            with m.Default():
                m.d.comb += [self.data.eq(self.value), self.be.eq(0b1111)]
        return m


class LoadAlign(wiring.Component):
    """Selects and extends the loaded byte, halfword or word from the response word.

    Members
    -------
    word : In(32)
    addr_low : In(2)
    funct3 : In(3)
        lb, lh, lw, lbu, lhu.
    value : Out(32)

    Latency: combinational.
    """

    word: In(32)
    addr_low: In(2)
    funct3: In(3)
    value: Out(32)

    def elaborate(self, platform):
        m = Module()
        shifted = Signal(32)
        m.d.comb += shifted.eq(self.word >> Cat(C(0, 3), self.addr_low))
        unsigned = self.funct3[2]
        with m.Switch(self.funct3[0:2]):
            with m.Case(0):
                m.d.comb += self.value.eq(Mux(unsigned, shifted[0:8], shifted[0:8].as_signed()))
            with m.Case(1):
                m.d.comb += self.value.eq(Mux(unsigned, shifted[0:16], shifted[0:16].as_signed()))
            with m.Default():
                m.d.comb += self.value.eq(shifted)
        return m
