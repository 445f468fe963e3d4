"""The tile's register blocks: one RTL block per unit of the register table (tile_regs.py).

Place in the tile: SoC MMIO bridge -> ``TileRegisters`` (regbus.py, address decode) -> one
``UnitRegisters`` per unit (this file; GLB's is wrapped by ``Glb``, glb.py) -> the unit's datapath,
which sees only its ``cfg`` fields, ``op_en`` and ``done``. Every address, bit position, access type
and reset value comes from ``tile_regs.UNITS``; nothing is written down here a second time.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec import tile_regs
from .layouts import field_shape, unit_config

__all__ = [
    "UNIT_ADDR_WIDTH",
    "DROPPED_WIDTH",
    "RegBusSignature",
    "unit_signature",
    "UnitRegisters",
]


class RegBusSignature(wiring.Signature):
    """The tile's register bus (NVDLA's CSB, simplified): 32-bit words, one access at a time.

    Seen from the initiator (the SoC bridge); register blocks take ``In(RegBusSignature(...))``.

    Parameters
    ----------
    addr_width : int
        Word-address bits: 10 for one unit's 4 KiB (``UnitRegisters``), 14 for the tile's 64 KiB
        window (``TileRegisters``). Byte offset = ``addr * 4``.

    Members
    -------
    valid : Out(1)
        An access is offered this cycle; it is accepted when ``ready`` is also high.
    write : Out(1)
        1 write, 0 read; valid with ``valid``.
    addr : Out(addr_width)
        Word offset; valid with ``valid``.
    wdata : Out(32)
        Write data, whole words only (no byte enables); valid with ``valid & write``.
    rdata : In(32)
        Read data, valid in the cycle after an accepted read (``read_latency`` = 1); it is 0 in
        every other cycle, so the responses of several blocks can simply be ORed together.
    ready : In(1)
        The block accepts the access. simtlab's blocks accept every cycle (``ready`` is constant 1),
        yet initiators should honour it.

    A write takes effect at the end of its cycle: a read in the next cycle returns the new value.
    """

    #: Cycles from an accepted read to its ``rdata``.
    read_latency = 1

    def __init__(self, addr_width):
        if not isinstance(addr_width, int) or isinstance(addr_width, bool):
            raise TypeError(f"addr_width must be an integer, not {addr_width!r}")
        if not 1 <= addr_width <= 30:
            raise ValueError(f"addr_width must be 1 to 30, not {addr_width!r}")
        self._addr_width = addr_width
        super().__init__({
            "valid": Out(1),
            "write": Out(1),
            "addr": Out(addr_width),
            "wdata": Out(32),
            "rdata": In(32),
            "ready": In(1),
        })

    @property
    def addr_width(self):
        return self._addr_width

    def __eq__(self, other):
        return type(other) is type(self) and other.addr_width == self.addr_width

    def __hash__(self):
        return hash((type(self), self._addr_width))

    def __repr__(self):
        return f"RegBusSignature({self._addr_width})"


#: Word-address bits of one unit's 4 KiB register space.
UNIT_ADDR_WIDTH = (tile_regs.UNIT_SPACE // 4 - 1).bit_length()

#: Bits of the saturating dropped-write counter (``UnitRegisters.dropped``).
DROPPED_WIDTH = 16


def _init(f, raw):
    """A raw field value as the field's shape holds it (two's complement for signed fields)."""
    if f.signed and raw >> (f.width - 1):
        return raw - (1 << f.width)
    return raw


class _Plan:
    """Sorts a unit's fields into the kinds of storage ``UnitRegisters`` builds.

    kinds: ``group`` (rw D_ field, two copies), ``shared`` (rw, one copy), ``counter`` (ro D_ field,
    from the ``counters`` input), ``const`` (other ro fields), ``status`` (w1c), ``pulse`` (w1s),
    and the ping-pong control fields ``state`` (S_STATUS), ``producer``, ``consumer``, ``op_en``.
    """

    def __init__(self, unit, constants):
        self.unit = unit
        self.kind = {}                         # (register name, field name) -> kind
        self.const = {}                        # field name -> value
        names = {}
        for r in unit.registers:
            for f in r.fields:
                if f.name in names:
                    raise ValueError(f"unit {unit.name}: field {f.name} is in both {names[f.name]} "
                                     f"and {r.name}; UnitRegisters names ports after fields, so "
                                     f"field names must be unique within a unit")
                names[f.name] = r.name
                self.kind[r.name, f.name] = self._classify(unit, r, f)
        if unit.pingpong:
            for rname, fname in (("S_STATUS", "STATUS_0"), ("S_STATUS", "STATUS_1"),
                                 ("S_POINTER", "PRODUCER"), ("S_POINTER", "CONSUMER"),
                                 ("D_OP_ENABLE", "OP_EN")):
                if (rname, fname) not in self.kind:
                    raise ValueError(f"ping-pong unit {unit.name} lacks {rname}.{fname}")
        for fname, value in constants.items():
            rname = names.get(fname)
            if rname is None or self.kind[rname, fname] != "const":
                legal = ", ".join(fn for (_, fn), k in self.kind.items() if k == "const")
                raise ValueError(f"constants: {fname!r} is not a read-only constant field of unit "
                                 f"{unit.name}; those are: {legal or 'none'}")
            f = unit.register(rname).field(fname)
            if not isinstance(value, int) or isinstance(value, bool) or \
                    not 0 <= value < (1 << f.width):
                raise ValueError(f"constants: {unit.name}.{rname}.{fname} {f.bits} holds 0.."
                                 f"{(1 << f.width) - 1}, not {value!r}")
        for r in unit.registers:
            for f in r.fields:
                if self.kind[r.name, f.name] == "const":
                    self.const[f.name] = constants.get(f.name, f.reset)

    @staticmethod
    def _classify(unit, r, f):
        where = f"{unit.name}.{r.name}.{f.name}"
        if unit.pingpong and r.name == "S_STATUS" and f.name in ("STATUS_0", "STATUS_1"):
            return "state"
        if unit.pingpong and r.name == "S_POINTER" and f.name in ("PRODUCER", "CONSUMER"):
            return f.name.lower()
        if f.access == "rwhc":
            if unit.pingpong and (r.name, f.name) == ("D_OP_ENABLE", "OP_EN"):
                return "op_en"
            raise ValueError(f"field {where}: access rwhc is only supported for D_OP_ENABLE.OP_EN "
                             f"of a ping-pong unit")
        if f.access == "rwp":
            if r.group:
                raise ValueError(f"field {where}: access rwp is not supported in a ping-pong "
                                 f"group register")
            return "port"
        if r.group:
            if f.access in ("rw", "ro"):
                return {"rw": "group", "ro": "counter"}[f.access]
            raise ValueError(f"field {where}: access {f.access} is not supported in a ping-pong "
                             f"group register (rw and ro are)")
        return {"rw": "shared", "ro": "const", "w1c": "status", "w1s": "pulse"}[f.access]

    def written(self):
        """Registers outside the groups of a ping-pong unit that hold shared or port fields: the
        ``written`` pulses (CDP's ``S_LUT_*``)."""
        if not self.unit.pingpong:
            return []
        return [r for r in self.unit.registers if not r.group and any(
            self.kind[r.name, f.name] in ("shared", "port") for f in r.fields)]

    def fields(self, *kinds):
        return [(r, f) for r in self.unit.registers for f in r.fields
                if self.kind[r.name, f.name] in kinds]

    def layout(self, *kinds):
        return data.StructLayout({f.name.lower(): field_shape(f) for _, f in self.fields(*kinds)})


def unit_signature(unit):
    """The datapath-facing members of ``UnitRegisters(unit)``, seen from the register block.

    A datapath unit takes ``In(unit_signature(unit))`` (so ``cfg`` comes in and ``done`` goes out);
    ``TileRegisters`` exposes ``Out(unit_signature(unit))`` per ping-pong unit. Members that would
    be empty are left out (CFGROM has none). See ``UnitRegisters`` for each member.
    """
    if not isinstance(unit, tile_regs.Unit):
        raise TypeError(f"unit must be a tile_regs.Unit, not {unit!r}")
    return wiring.Signature(_port_members(_Plan(unit, {})))


def _port_members(plan):
    members = {}
    if plan.fields("group"):
        members["cfg"] = Out(unit_config(plan.unit))
        if plan.fields("shared"):
            members["shared"] = Out(plan.layout("shared"))
    elif plan.fields("shared"):
        members["cfg"] = Out(plan.layout("shared"))
    if plan.written():
        members["written"] = Out(data.StructLayout({r.name.lower(): 1 for r in plan.written()}))
    ports = plan.fields("port")
    if len(ports) > 1:
        raise ValueError(f"unit {plan.unit.name}: more than one rwp field "
                         f"({', '.join(f.name for _, f in ports)}); a register block has one port")
    if ports:
        width = ports[0][1].width
        members["port"] = Out(data.StructLayout({"read": 1, "write": 1, "wdata": width}))
        members["port_rdata"] = In(width)
    if plan.unit.pingpong:
        members["op_en"] = Out(1)
        members["done"] = In(1)
        members["consumer"] = Out(1)
        members["dropped"] = Out(DROPPED_WIDTH)
    if plan.fields("counter"):
        members["counters"] = In(plan.layout("counter"))
    if plan.fields("status"):
        members["status"] = Out(plan.layout("status"))
        members["set"] = In(plan.layout("status"))
    if plan.fields("pulse"):
        members["pulse"] = Out(plan.layout("pulse"))
    return members


class UnitRegisters(wiring.Component):
    """The registers of one unit of the tile, generated from its ``tile_regs.Unit``.

    Every register of the table answers at its offset; other offsets of the unit's 4 KiB read 0 and
    ignore writes (NVDLA registers simtlab leaves out). Per field access type:

    - ``rw``: a flop with the table's reset value; in a ping-pong unit's ``D_`` registers, two
      flops, one per group.
    - ``ro``: in ``D_`` registers (the per-layer counters) the ``counters`` input, the same for both
      groups; elsewhere a constant: the table's reset value or ``constants[field]`` (CFGROM's shape
      readout, GLB's version, CDMA's ``S_CBUF_FLUSH_STATUS``).
    - ``w1c``: a flop; writing 1 clears it, the ``set`` input sets it (set wins over a clear in the
      same cycle, so no event is lost).
    - ``w1s``: reads 0; a write drives the written bits on ``pulse`` for that cycle.
    - ``rwhc``: ``D_OP_ENABLE.OP_EN`` only (below).
    - ``rwp``: a port to the datapath (CDP's ``S_LUT_ACCESS_DATA``: the LUT entry): a write drives
      ``port.write`` and ``port.wdata`` for its cycle, a read drives ``port.read`` and returns
      ``port_rdata`` as it is in that cycle. One such field per unit.

    Ping-pong units (NVDLA's programming model). ``S_POINTER.PRODUCER`` (rw) selects the group
    that reads and writes of ``D_`` registers reach; ``S_POINTER.CONSUMER`` (ro) is the group the
    datapath uses. Software sets a group's ``D_OP_ENABLE``; while it is set, every write to that
    group's ``D_`` registers (``D_OP_ENABLE`` included) is dropped and counted on ``dropped``, so
    ``cfg`` cannot change under a running layer. ``op_en`` is the consumer group's ``OP_EN``. A
    ``done`` pulse while ``op_en`` is high clears the consumer group's ``OP_EN`` and flips
    ``CONSUMER``; if the other group is already enabled, ``op_en`` stays high and the next layer
    starts (NVDLA's back-to-back layers). ``done`` while ``op_en`` is low is ignored.
    ``S_STATUS`` shows each group as 0 idle (``OP_EN`` clear), 1 running (set, and the consumer) or
    2 pending (set, waiting for the other group). As in NVDLA, ``CONSUMER`` moves only on
    ``done``: software uses the groups in turn, starting with group 0 after reset; a group enabled
    while the consumer group is idle stays pending.

    Parameters
    ----------
    unit : tile_regs.Unit
        One unit of ``tile_regs.UNITS`` (or a table built the same way).
    constants : dict of str to int, optional
        Values of read-only constant fields by field name (``{"ATOMIC_C": 16}``), instead of the
        table's reset values.

    Members
    -------
    bus : In(RegBusSignature(10))
        Word offsets inside the unit's 4 KiB; read latency 1, ``ready`` always 1.
    cfg : Out(StructLayout)
        Every rw field the datapath uses, named after its table field in lower case
        (``D_DATAIN_SIZE_0.DATAIN_WIDTH`` -> ``cfg.datain_width``; field names are unique within a
        unit, which the constructor checks). In a ping-pong unit: the consumer group's copy of
        its ``D_`` fields, with layout ``layouts.unit_config(unit)``, the layout of the unit's
        engine's ``cfg`` port. Signed fields are signed; N-1 fields hold N-1, as in the register.
        Present if the unit has rw fields besides ``S_POINTER`` (GLB: ``INTR_MASK``).
    shared : Out(StructLayout)
        Ping-pong units with rw fields outside the groups (CDP's ``S_LUT_*``): their one copy,
        named after their fields, for both groups.
    written : Out(StructLayout)
        Ping-pong units: one bit per register outside the groups holding shared or port fields,
        named after the register in lower case (``written.s_lut_access_cfg``), high in the cycle
        of a write to it.
    port, port_rdata : Out(StructLayout(read, write, wdata)), In(width)
        The ``rwp`` field's access (above), if the unit has one.
    op_en : Out(1)
        Ping-pong units: the consumer group is enabled; the datapath runs the layer in ``cfg``.
    done : In(1)
        Ping-pong units: one-cycle pulse, the datapath finished the consumer group's layer. Seen in
        the next cycle on ``op_en``, ``cfg``, ``consumer`` and the registers. A datapath that
        returns to its idle state after ``done`` and starts on ``op_en`` from there runs
        back-to-back layers.
    consumer : Out(1)
        Ping-pong units: ``S_POINTER.CONSUMER``, to tag ``done`` with its group (GLB interrupts).
    dropped : Out(16)
        Ping-pong units: writes dropped because their group was enabled, since reset; saturates at
        0xFFFF. The table has no register for it, so it is a port only.
    counters : In(StructLayout)
        The ro fields of ``D_`` registers (``D_PERF_*``, ``D_OUT_SATURATION``), named after their
        fields (``counters.dat_rd_stall``); sampled into ``rdata`` by a read of either group, so
        the datapath decides what a counter shows between layers (e.g. hold it from ``done`` to
        the next start).
    status : Out(StructLayout)
        w1c fields (GLB's ``INTR_STATUS``), current values.
    set : In(StructLayout)
        w1c fields: 1 sets the bit at the end of the cycle.
    pulse : Out(StructLayout)
        w1s fields (GLB's ``INTR_SET``): the bits of a write to the register, for its cycle only.

    Latency: a read's data comes one cycle after it (``rdata`` is a register, 0 after non-reads);
    a write, ``done`` or ``set`` is visible in the next cycle. Throughput: one access per cycle.
    Resources: one flop per rw bit (two in ``D_`` registers), a 10-bit address compare per
    register, a 32-bit read register, a 2:1 mux per group field for ``cfg`` and one for reads.

    Rationale: ports are named after fields (not ``<reg>_<field>``) because the datapath thinks in
    fields and NVDLA's field names are already unique per unit; ``CONSUMER`` follows NVDLA (moves
    on ``done`` only) so NVDLA's traces and driver behave as on NVDLA; dropped writes are counted
    because a dropped write is otherwise a silent driver bug.

    Raises
    ------
    TypeError
        ``unit`` is not a ``tile_regs.Unit``; ``constants`` is not a dict.
    ValueError
        A field name is used twice in the unit; an access type in a place this block does not
        support (w1c/w1s in a ``D_`` register, rwhc other than ``D_OP_ENABLE.OP_EN``, rwp in a ``D_``
        register, more than one rwp field); a ping-pong
        unit lacks ``S_STATUS``/``S_POINTER``/``D_OP_ENABLE`` fields; a ``constants`` key that is
        not a read-only constant field or a value that does not fit it.
    """

    read_latency = RegBusSignature.read_latency

    def __init__(self, unit, *, constants=None):
        if not isinstance(unit, tile_regs.Unit):
            raise TypeError(f"unit must be a tile_regs.Unit, not {unit!r}")
        if constants is None:
            constants = {}
        if not isinstance(constants, dict):
            raise TypeError(f"constants must be a dict of field name to value, not {constants!r}")
        self._unit = unit
        self._plan = _Plan(unit, constants)
        super().__init__({"bus": In(RegBusSignature(UNIT_ADDR_WIDTH)), **_port_members(self._plan)})

    @property
    def unit(self):
        return self._unit

    def elaborate(self, platform):
        m = Module()
        plan, unit, bus = self._plan, self._unit, self.bus
        m.d.comb += bus.ready.eq(1)

        # Storage: one flop signal per field and copy (few wide signals with many partial
        # assignments would make the netlist and Verilator's model larger).
        def flops(kind, prefix=""):
            return {f.name.lower(): Signal(field_shape(f), init=_init(f, f.reset),
                                           name=f"{prefix}{f.name.lower()}")
                    for _, f in plan.fields(kind)}

        shared, status = flops("shared"), flops("status")
        if unit.pingpong:
            groups = [flops("group", f"g{g}_") for g in (0, 1)]
            op_en = [Signal(name=f"g{g}_op_en") for g in (0, 1)]
            producer = Signal(init=plan.fields("producer")[0][1].reset)
            consumer = Signal(init=plan.fields("consumer")[0][1].reset)
            producer_enabled = Mux(producer, op_en[1], op_en[0])
            consumer_enabled = Mux(consumer, op_en[1], op_en[0])
            state = [Mux(op_en[g], Mux(consumer == g, 1, 2), 0) for g in (0, 1)]

        # The value each field reads as: D_ fields from the producer group.
        def source(kind, f):
            name = f.name.lower()
            if kind == "group":
                return Mux(producer, groups[1][name], groups[0][name])
            if kind == "op_en":
                return producer_enabled
            if kind == "state":
                return state[int(f.name.removeprefix("STATUS_"))]
            if kind in ("const", "pulse"):
                return Const(plan.const.get(f.name, 0), f.width)
            return {"shared": lambda: shared[name], "status": lambda: status[name],
                    "port": lambda: self.port_rdata,
                    "counter": lambda: self.counters[name], "producer": lambda: producer,
                    "consumer": lambda: consumer}[kind]()

        def word(r):
            parts, pos = [], 0
            for f in sorted(r.fields, key=lambda f: f.lsb):
                if f.lsb > pos:
                    parts.append(Const(0, f.lsb - pos))
                parts.append(Value.cast(source(plan.kind[r.name, f.name], f))[:f.width])
                pos = f.msb + 1
            return Cat(*parts)

        # Bus: one case per register; a read loads rdata (0 after anything else), a write acts per
        # field kind. Writes to D_ registers go to the producer group unless it is enabled.
        group_write = Signal()
        clear = {name: Signal.like(flop, name=f"clear_{name}") for name, flop in status.items()}
        m.d.sync += bus.rdata.eq(0)
        with m.If(bus.valid):
            with m.Switch(bus.addr):
                for r in unit.registers:
                    with m.Case(r.offset // 4):
                        with m.If(bus.write):
                            if r.group:
                                m.d.comb += group_write.eq(1)
                                with m.If(~producer_enabled):
                                    with m.If(producer):
                                        self._write_group(m, r, groups[1], op_en[1])
                                    with m.Else():
                                        self._write_group(m, r, groups[0], op_en[0])
                            else:
                                self._write_other(m, r, shared, clear,
                                                  producer if unit.pingpong else None)
                        with m.Else():
                            m.d.sync += bus.rdata.eq(word(r))
                            if any(plan.kind[r.name, f.name] == "port" for f in r.fields):
                                m.d.comb += self.port.read.eq(1)

        for name, flop in status.items():
            m.d.sync += flop.eq(flop & ~clear[name] | self.set[name])
            m.d.comb += self.status[name].eq(flop)
        for name, flop in shared.items():
            m.d.comb += (self.shared if unit.pingpong else self.cfg)[name].eq(flop)

        if unit.pingpong:
            for _, f in plan.fields("group"):
                name = f.name.lower()
                m.d.comb += self.cfg[name].eq(Mux(consumer, groups[1][name], groups[0][name]))
            # Dropped writes: saturating count.
            dropped = Signal(DROPPED_WIDTH)
            with m.If(group_write & producer_enabled & ~dropped.all()):
                m.d.sync += dropped.eq(dropped + 1)
            # Layer done: the consumer group is finished; the other group (if enabled) starts.
            with m.If(self.done & consumer_enabled):
                m.d.sync += consumer.eq(~consumer)
                with m.If(consumer):
                    m.d.sync += op_en[1].eq(0)
                with m.Else():
                    m.d.sync += op_en[0].eq(0)
            m.d.comb += [
                self.op_en.eq(consumer_enabled),
                self.consumer.eq(consumer),
                self.dropped.eq(dropped),
            ]
        return m

    def _write_group(self, m, r, group, op_en):
        """A write of ``bus.wdata`` to ``D_`` register ``r`` of one (not enabled) group."""
        for f in r.fields:
            kind, bits = self._plan.kind[r.name, f.name], self.bus.wdata[f.lsb:f.msb + 1]
            if kind == "group":
                m.d.sync += group[f.name.lower()].eq(bits)
            elif kind == "op_en":
                m.d.sync += op_en.eq(bits)
            # counter: read-only, ignored.

    def _write_other(self, m, r, shared, clear, producer):
        """A write of ``bus.wdata`` to a register outside the groups."""
        if r in self._plan.written():
            m.d.comb += self.written[r.name.lower()].eq(1)
        for f in r.fields:
            kind, bits = self._plan.kind[r.name, f.name], self.bus.wdata[f.lsb:f.msb + 1]
            if kind == "port":
                m.d.comb += [self.port.write.eq(1), self.port.wdata.eq(bits)]
            elif kind == "shared":
                m.d.sync += shared[f.name.lower()].eq(bits)
            elif kind == "producer":
                m.d.sync += producer.eq(bits)
            elif kind == "status":
                m.d.comb += clear[f.name.lower()].eq(bits)
            elif kind == "pulse":
                m.d.comb += self.pulse[f.name.lower()].eq(bits)
            # state, consumer, const: read-only, ignored.
