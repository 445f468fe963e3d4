"""The tile's register decoder: the 64 KiB MMIO window split into the units of the register table.

Place in the tile: SoC MMIO bridge -> **TileRegisters** -> one ``UnitRegisters`` per unit (GLB's
inside ``Glb``); the tile top connects each datapath unit to its port here and the interrupt line
to the SoC.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...config import TileConfig
from ...spec import tile_regs
from .glb import Glb, interrupt_sources
from .regblock import UNIT_ADDR_WIDTH, RegBusSignature, UnitRegisters, unit_signature

__all__ = [
    "TILE_ADDR_WIDTH",
    "cfgrom_constants",
    "TileRegisters",
]

#: Word-address bits of the tile's window (``tile_regs.TILE_WINDOW`` bytes).
TILE_ADDR_WIDTH = (tile_regs.TILE_WINDOW // 4 - 1).bit_length()


def cfgrom_constants(config):
    """CFGROM's shape entries for a ``TileConfig`` (``tile_regs.cfgrom_values``: AtomC, AtomK,
    the memory atom, the CBUF banks in NVDLA's layout). The default config (nv_small) gives the
    table's reset values.
    """
    if not isinstance(config, TileConfig):
        raise TypeError(f"config must be a TileConfig, not {config!r}")
    return tile_regs.cfgrom_values(atom_c=config.atom_c, atom_k=config.atom_k,
                                   cbuf_banks=config.cbuf_banks,
                                   cbuf_bank_bytes=config.cbuf_bank_bytes)


class TileRegisters(wiring.Component):
    """Every register of the tile behind one register bus, decoded by the table's unit bases.

    Address bits [13:10] of the word offset pick the unit (4 KiB each); bits [9:0] go to it. An
    access outside every unit (NVDLA's MCIF at 0x2000, the rest above 0xE000)
    reads 0, writes nothing and raises ``error`` for one cycle. Offsets inside a unit that hold no
    register read 0 and ignore writes without ``error`` (NVDLA registers simtlab leaves out, which
    NVDLA's traces still write).

    GLB's done interrupts: SDP, PDP and CACC raise theirs from their own port's ``done`` (when it
    ends a layer, i.e. with ``op_en`` high), tagged with the group ``consumer`` names; interrupt
    sources that are not a unit of their own (CDMA's separate data and weight done) come in on
    ``intr_done``.

    Parameters
    ----------
    config : TileConfig
        Sets CFGROM's readout (``cfgrom_constants``); default nv_small.

    Members
    -------
    bus : In(RegBusSignature(14))
        Word offsets in the 64 KiB window; read latency 1 (``rdata`` one cycle after the read, 0
        otherwise); ``ready`` always 1.
    error : Out(1)
        High in the cycle after an access (read or write) outside every unit, with its ``rdata``.
    irq : Out(1)
        GLB's interrupt line: ``INTR_STATUS & ~INTR_MASK`` non-zero.
    intr_done : In(StructLayout({source: 2}))
        Done pulses (bit g for group g) of GLB sources without a unit of the same name:
        ``cdma_dat``, ``cdma_wt``.
    <unit> : Out(unit_signature(unit))
        One per ping-pong unit, named in lower case (``cdma``, ``csc``, ``cmac_a``, ``cmac_b``,
        ``cacc``, ``sdp_rdma``, ``sdp``, ``pdp_rdma``, ``pdp``): ``cfg``, ``op_en``, ``done``,
        ``consumer``, ``dropped`` and, where the unit has counters, ``counters``, as on
        ``UnitRegisters``. A datapath unit takes ``In(unit_signature(unit))`` and is connected with
        ``connect(m, regs.cdma, cdma.regs)``.

    Latency: as ``UnitRegisters``: the decode is combinational in front of the units' registered
    read data, so the window as a whole has read latency 1. Resources: the units' registers plus a
    4-bit compare per unit and a 32-bit OR of the units' read data.

    Raises
    ------
    TypeError
        ``config`` is not a ``TileConfig``.
    """

    read_latency = RegBusSignature.read_latency

    def __init__(self, config=None):
        if config is None:
            config = TileConfig()
        self._constants = cfgrom_constants(config)
        self._config = config
        self._units = [u for u in tile_regs.UNITS if u.pingpong]
        glb_sources = interrupt_sources()
        unit_names = {u.name.lower() for u in self._units}
        self._routed = [s for s in glb_sources if s in unit_names]
        members = {
            "bus": In(RegBusSignature(TILE_ADDR_WIDTH)),
            "error": Out(1),
            "irq": Out(1),
            "intr_done": In(data.StructLayout({s: 2 for s in glb_sources if s not in unit_names})),
        }
        for u in self._units:
            members[u.name.lower()] = Out(unit_signature(u))
        super().__init__(members)

    @property
    def config(self):
        return self._config

    def elaborate(self, platform):
        m = Module()
        bus = self.bus
        m.d.comb += bus.ready.eq(1)
        hit = Signal()
        rdata = []
        for u in tile_regs.UNITS:
            name = u.name.lower()
            if u.name == "GLB":
                m.submodules.glb = block = glb = Glb(u)
            elif not u.pingpong:
                constants = self._constants if u.name == "CFGROM" else None
                m.submodules[name] = block = UnitRegisters(u, constants=constants)
            else:
                m.submodules[name] = block = UnitRegisters(u)
                port = getattr(self, name)
                for member, desc in port.signature.members.items():
                    if desc.flow == Out:
                        m.d.comb += getattr(port, member).eq(getattr(block, member))
                    else:
                        m.d.comb += getattr(block, member).eq(getattr(port, member))
            select = bus.addr[UNIT_ADDR_WIDTH:] == u.base // tile_regs.UNIT_SPACE
            m.d.comb += [
                block.bus.valid.eq(bus.valid & select),
                block.bus.write.eq(bus.write),
                block.bus.addr.eq(bus.addr[:UNIT_ADDR_WIDTH]),
                block.bus.wdata.eq(bus.wdata),
            ]
            with m.If(select):
                m.d.comb += hit.eq(1)
            rdata.append(block.bus.rdata)
        m.d.comb += bus.rdata.eq(_or(rdata))
        m.d.sync += self.error.eq(bus.valid & ~hit)

        # Interrupts: a unit's done that ends a layer, tagged with its group.
        for source in interrupt_sources(glb.unit):
            if source in self._routed:
                port = getattr(self, source)
                ended = port.done & port.op_en
                m.d.comb += glb.done[source].eq(Cat(ended & ~port.consumer, ended & port.consumer))
            else:
                m.d.comb += glb.done[source].eq(self.intr_done[source])
        m.d.comb += self.irq.eq(glb.irq)
        return m


def _or(values):
    result = values[0]
    for value in values[1:]:
        result = result | value
    return result
