"""The deep-learning tile's register map: NVDLA nv_small units, registers and fields, as one table.

This table is the one source of every register address and bit position of the tile. From it come
(a) the Python register model (``simtlab.drivers.regs``), (b) the kernels' C header
(``kernels/runtime/nvdla_regs.h``, written by ``simtlab.spec.generate``), (c) the register page
``docs/registers.md`` (same generator) and (d) the RTL register blocks and decoder
(``rtl/tile/regblock.py``). Tests regenerate (b) and (c) and compare them with the committed files.

Unit bases, register offsets and field names/bit ranges follow NVDLA's nv_small map (NVDLA's register
description ``spec/manual/NVDLA_*.rdl`` in nvdla/hw): offsets inside a unit are NVDLA's, so NVDLA's
register traces address the same registers. simtlab implements a subset, the registers a complete
conv -> SDP -> PDP layer needs, plus a few simtlab additions, each marked ``simtlab=True`` (and
"simtlab addition" in the generated outputs): per-layer cycle counters. NVDLA's
registers for Winograd, image input, compression, batching and the SDP element-wise (X3)
path are left out (reads return 0, writes are ignored), except the few switches software must be
able to set (an unimplemented mode they select stops the layer with ``FAULT_UNSUPPORTED``).

Conventions (NVDLA's): sizes are stored as N-1 (``Field.minus_one``); addresses and strides are in
bytes and atom aligned; every unit but GLB and CFGROM has ``S_STATUS``, ``S_POINTER`` and two
ping-pong copies (groups) of its ``D_`` registers; ``S_POINTER.PRODUCER`` picks which group register
writes reach; ``D_OP_ENABLE`` is set by software and cleared by hardware at the end of the layer
(access ``rwhc``), and writes to a group whose ``D_OP_ENABLE`` is set are dropped.

:func:`check` validates the whole table (names, alignment, overlaps, widths, resets); it runs at import.
"""

import re
from dataclasses import dataclass

from .memory import MemoryMap

__all__ = [
    "ACCESS",
    "TILE_WINDOW",
    "Field",
    "Register",
    "Unit",
    "UNITS",
    "unit",
    "lookup",
    "check",
    "cfgrom_values",
]

#: Access types. Field-level; a register's access is the set of its fields' accesses.
ACCESS = {
    "rw": "read/write",
    "ro": "read-only, written by hardware",
    "rwhc": "read/write, cleared by hardware when the layer is done",
    "w1c": "read; writing 1 clears the bit",
    "w1s": "write 1 sets the matching status bit; reads 0",
    "rwp": "read/write through to the unit's datapath (a LUT entry)",
}

#: Bytes of the tile's MMIO window; every unit lies inside it.
TILE_WINDOW = MemoryMap.MMIO_SIZE

#: Bytes of register space per unit (NVDLA's CSB: 4 KiB per unit).
UNIT_SPACE = 0x1000

_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")


@dataclass(frozen=True)
class Field:
    """One bit field of a register: bits ``[msb:lsb]``.

    ``reset`` is the raw field value after reset; ``signed`` fields hold two's complement values;
    ``minus_one`` fields store N-1 (NVDLA's size convention); ``enum`` names the legal values.
    """
    name: str
    msb: int
    lsb: int
    access: str = "rw"
    reset: int = 0
    doc: str = ""
    signed: bool = False
    minus_one: bool = False
    enum: tuple = ()            # ((NAME, value), ...)

    @property
    def width(self):
        return self.msb - self.lsb + 1

    @property
    def mask(self):
        """The field's bits in place."""
        return ((1 << self.width) - 1) << self.lsb

    @property
    def bits(self):
        return f"[{self.msb}]" if self.msb == self.lsb else f"[{self.msb}:{self.lsb}]"


@dataclass(frozen=True)
class Register:
    """One 32-bit register at ``offset`` inside its unit.

    ``group`` registers (NVDLA's ``D_`` registers of units with ``S_POINTER``) exist twice, one copy
    per ping-pong group. ``simtlab`` marks registers that NVDLA does not have.
    """
    name: str
    offset: int
    fields: tuple
    doc: str
    group: bool = False
    simtlab: bool = False

    @property
    def reset(self):
        value = 0
        for f in self.fields:
            value |= (f.reset << f.lsb) & f.mask
        return value

    @property
    def access(self):
        """The register's access: one type, or ``/``-joined types of its fields in bit order."""
        kinds = []
        for f in sorted(self.fields, key=lambda f: f.lsb):
            if f.access not in kinds:
                kinds.append(f.access)
        return "/".join(kinds)

    def field(self, name):
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"register {self.name} has no field {name!r}; its fields are "
                       f"{', '.join(f.name for f in self.fields)}")

    def word(self, **fields):
        """The 32-bit word with the given raw field values (masked to their widths) and every
        other field at 0; no range checks (``simtlab.drivers.regs.pack`` checks)."""
        word = 0
        for name, value in fields.items():
            f = self.field(name)
            word |= (value << f.lsb) & f.mask
        return word

    def unpack(self, word):
        """Field name -> raw value of ``word`` (signed fields sign-extended)."""
        out = {}
        for f in self.fields:
            value = (word & f.mask) >> f.lsb
            if f.signed and value >> (f.width - 1):
                value -= 1 << f.width
            out[f.name] = value
        return out


@dataclass(frozen=True)
class Unit:
    """One NVDLA unit: ``base`` is its byte offset inside the tile's window."""
    name: str
    base: int
    doc: str
    registers: tuple
    pingpong: bool = True
    simtlab: bool = False

    def register(self, name):
        for r in self.registers:
            if r.name == name:
                return r
        raise KeyError(f"unit {self.name} has no register {name!r}; its registers are "
                       f"{', '.join(r.name for r in self.registers)}")


# --- table-building helpers -------------------------------------------------------------------

def _f(name, msb, lsb=None, doc="", **kw):
    return Field(name, msb, msb if lsb is None else lsb, doc=doc, **kw)


def _word(name, doc, **kw):
    """A field filling the whole register."""
    return Field(name, 31, 0, doc=doc, **kw)


def _reg(name, offset, doc, *fields, simtlab=False):
    return (name, offset, doc, fields, simtlab)


def _unit(name, base, doc, *regs, pingpong=True, simtlab=False):
    registers = []
    if pingpong:
        registers += [
            Register("S_STATUS", 0x0, (
                _f("STATUS_0", 1, 0, "state of group 0", access="ro", enum=_STATUS),
                _f("STATUS_1", 17, 16, "state of group 1", access="ro", enum=_STATUS),
            ), "Status of the two register groups."),
            Register("S_POINTER", 0x4, (
                _f("PRODUCER", 0, doc="group that register writes reach", enum=_GROUPS),
                _f("CONSUMER", 16, doc="group the datapath uses", access="ro", enum=_GROUPS),
            ), "Ping-pong group pointers."),
        ]
    for rname, offset, rdoc, fields, simtlab_reg in regs:
        group = pingpong and rname.startswith("D_")
        registers.append(Register(rname, offset, tuple(fields), rdoc, group=group,
                                  simtlab=simtlab_reg))
    return Unit(name, base, doc, tuple(sorted(registers, key=lambda r: r.offset)),
                pingpong=pingpong, simtlab=simtlab)


_STATUS = (("IDLE", 0), ("RUNNING", 1), ("PENDING", 2))
_GROUPS = (("GROUP_0", 0), ("GROUP_1", 1))
_PRECISION = (("INT8", 0), ("INT16", 1), ("FP16", 2))
_RAM_TYPE = (("CVIF", 0), ("MCIF", 1))


def _op_enable(offset):
    return _reg("D_OP_ENABLE", offset, "Start the layer programmed in this group.",
                _f("OP_EN", 0, doc="set to start; cleared by hardware when the layer is done",
                   access="rwhc", enum=(("DISABLE", 0), ("ENABLE", 1))))


def _size(name, offset, doc, field_prefix, wide=False):
    """NVDLA's cube size pair: width-1 [12:0], height-1 [28:16]."""
    return _reg(name, offset, doc,
                _f(f"{field_prefix}WIDTH{'_EXT' if wide else ''}", 12, 0, "width - 1", minus_one=True),
                _f(f"{field_prefix}HEIGHT{'_EXT' if wide else ''}", 28, 16, "height - 1",
                   minus_one=True))


def _one(name, offset, doc, fname, msb, lsb=0, fdoc="", **kw):
    return _reg(name, offset, doc, _f(fname, msb, lsb, fdoc or doc, **kw))


def _addr(name, offset, doc):
    return _reg(name, offset, doc, _word(name.removeprefix("D_"), doc))


def _counter(name, offset, doc, fname=None, simtlab=False):
    return _reg(name, offset, doc, _word(fname or name.removeprefix("D_"), doc, access="ro"),
                simtlab=simtlab)


def _misc_cfg(offset, full):
    fields = [_f("CONV_MODE", 0, doc="0 direct (the only mode simtlab implements)",
                 enum=(("DIRECT", 0), ("WINOGRAD", 1)))]
    if full:
        fields.append(_f("IN_PRECISION", 9, 8, "input precision (simtlab: int8 only; NVDLA's "
                         "reset: int16)", enum=_PRECISION, reset=1))
    fields.append(_f("PROC_PRECISION", 13, 12, "processing precision (simtlab: int8 only; NVDLA's "
                     "reset: int16)", enum=_PRECISION, reset=1))
    if full:
        fields += [
            _f("DATA_REUSE", 16, doc="reuse the features already in CBUF"),
            _f("WEIGHT_REUSE", 20, doc="reuse the weights already in CBUF"),
            _f("SKIP_DATA_RLS", 24, doc="keep the features in CBUF after the layer"),
            _f("SKIP_WEIGHT_RLS", 28, doc="keep the weights in CBUF after the layer"),
        ]
    return _reg("D_MISC_CFG", offset, "Convolution mode and precision.", *fields)


def _bank(offset):
    return _reg("D_BANK", offset, "CBUF banks given to features and weights (N-1 each).",
                _f("DATA_BANK", 4, 0, "feature banks - 1", minus_one=True),
                _f("WEIGHT_BANK", 20, 16, "weight banks - 1", minus_one=True))


def _intr_fields(suffix, access, doc):
    bits = (("SDP", 0), ("CDP", 2), ("PDP", 4), ("CDMA_DAT", 16), ("CDMA_WT", 18), ("CACC", 20))
    return [_f(f"{unit}_DONE_{suffix}{g}", bit + g, doc=f"{unit} group {g} done: {doc}", access=access)
            for unit, bit in bits for g in (0, 1)]


def _bs_cfg(prefix, offset, what):
    return _reg(f"D_DP_{prefix}_CFG", offset, f"{what}: bypass switches and ALU algorithm.",
                _f(f"{prefix}_BYPASS", 0, doc=f"bypass the whole {what} stage", reset=1),
                _f(f"{prefix}_ALU_BYPASS", 1, doc="bypass the ALU (bias)", reset=1),
                _f(f"{prefix}_ALU_ALGO", 3, 2, "ALU operation",
                   enum=(("MAX", 0), ("MIN", 1), ("SUM", 2))),
                _f(f"{prefix}_MUL_BYPASS", 4, doc="bypass the multiplier (scale)", reset=1),
                _f(f"{prefix}_MUL_PRELU", 5, doc="multiplier acts as PReLU (negative inputs only)"),
                _f(f"{prefix}_RELU_BYPASS", 6, doc="bypass the ReLU", reset=1))


def _bs_ops(prefix, base, what):
    return (
        _reg(f"D_DP_{prefix}_ALU_CFG", base, f"{what} ALU operand source and shift.",
             _f(f"{prefix}_ALU_SRC", 0, doc="0 register (per layer), 1 memory (per channel, SDP_RDMA)",
                enum=(("REG", 0), ("MEM", 1))),
             _f(f"{prefix}_ALU_SHIFT_VALUE", 13, 8, "operand is shifted left by this")),
        _reg(f"D_DP_{prefix}_ALU_SRC_VALUE", base + 0x4, f"{what} per-layer ALU operand (bias).",
             _f(f"{prefix}_ALU_OPERAND", 15, 0, "signed operand", signed=True)),
        _reg(f"D_DP_{prefix}_MUL_CFG", base + 0x8, f"{what} multiplier operand source and shift.",
             _f(f"{prefix}_MUL_SRC", 0, doc="0 register (per layer), 1 memory (per channel, SDP_RDMA)",
                enum=(("REG", 0), ("MEM", 1))),
             _f(f"{prefix}_MUL_SHIFT_VALUE", 15, 8,
                "product is shifted right by this, rounding half away from zero")),
        _reg(f"D_DP_{prefix}_MUL_SRC_VALUE", base + 0xC, f"{what} per-layer multiplier operand (scale).",
             _f(f"{prefix}_MUL_OPERAND", 15, 0, "signed operand", signed=True)),
    )


def _dma_cfg(prefix, offset, what, disable_reset=1):
    return _reg(f"D_{prefix}_CFG", offset, f"{what} operand read DMA.",
                _f(f"{prefix}_DISABLE", 0, doc="1: no operand read", reset=disable_reset),
                _f(f"{prefix}_DATA_USE", 2, 1, "which stage uses the operands",
                   enum=(("MUL", 0), ("ALU", 1), ("BOTH", 2))),
                _f(f"{prefix}_DATA_SIZE", 3, doc="operand size",
                   enum=(("ONE_BYTE", 0), ("TWO_BYTE", 1))),
                _f(f"{prefix}_DATA_MODE", 4, doc="per channel (kernel) or per element (golden "
                   "model only: the RTL stops the layer with a FAULT_UNSUPPORTED fault)",
                   enum=(("PER_KERNEL", 0), ("PER_ELEMENT", 1))),
                _f(f"{prefix}_RAM_TYPE", 5, doc="memory interface", enum=_RAM_TYPE))


#: NVDLA's CFGROM for nv_small: (entry, value, doc), one word each from offset 0, in order.
_CFGROM = (
    ("HW_VERSION", 0x10001, "CFGROM layout version"),
    ("GLB_DESC", 0x1, "GLB: id 1, no entries"),
    ("CIF_DESC", 0x180002, "memory interface: id 2, 24 bytes"),
    ("CIF_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CIF_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("CIF_BASE_WIDTH", 0x8, "memory atom bytes"),
    ("CIF_BASE_LATENCY", 0x32, "memory latency"),
    ("CIF_BASE_BURST_LENGTH_MAX", 0x80, "longest burst (bits 31:5)"),
    ("CIF_BASE_MEM_ADDR_WIDTH", 0x400, "address bits (bits 31:5)"),
    ("CDMA_DESC", 0x340003, "CDMA: id 3, 52 bytes"),
    ("CDMA_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CDMA_CAP_COMPAT", 0x10, "compatible capabilities"),
    ("CDMA_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("CDMA_BASE_WEIGHT_TYPES", 0x10, "weight data types (int8)"),
    ("CDMA_BASE_ATOMIC_C", 0x8, "AtomC"),
    ("CDMA_BASE_ATOMIC_K", 0x8, "AtomK"),
    ("CDMA_BASE_ATOMIC_M", 0x8, "memory atom bytes"),
    ("CDMA_BASE_CBUF_BANK_NUM", 0x20, "CBUF banks"),
    ("CDMA_BASE_CBUF_BANK_WIDTH", 0x8, "bytes per CBUF entry"),
    ("CDMA_BASE_CBUF_BANK_DEPTH", 0x200, "entries per CBUF bank"),
    ("CDMA_MULTI_BATCH_MAX", 0x0, "batches"),
    ("CDMA_IMAGE_IN_FORMATS_PACKED", 0xCFFF001, "packed pixel formats"),
    ("CDMA_IMAGE_IN_FORMATS_SEMI", 0x3, "semi-planar pixel formats"),
    ("CBUF_DESC", 0x180004, "CBUF: id 4, 24 bytes"),
    ("CBUF_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CBUF_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("CBUF_BASE_CBUF_BANK_NUM", 0x20, "CBUF banks"),
    ("CBUF_BASE_CBUF_BANK_WIDTH", 0x8, "bytes per CBUF entry"),
    ("CBUF_BASE_CBUF_BANK_DEPTH", 0x200, "entries per CBUF bank"),
    ("CBUF_BASE_CDMA_ID", 0x3, "the CDMA it serves"),
    ("CSC_DESC", 0x300005, "CSC: id 5, 48 bytes"),
    ("CSC_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CSC_CAP_COMPAT", 0x10, "compatible capabilities"),
    ("CSC_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("CSC_BASE_WEIGHT_TYPES", 0x10, "weight data types (int8)"),
    ("CSC_BASE_ATOMIC_C", 0x8, "AtomC"),
    ("CSC_BASE_ATOMIC_K", 0x8, "AtomK"),
    ("CSC_BASE_ATOMIC_M", 0x8, "memory atom bytes"),
    ("CSC_BASE_CBUF_BANK_NUM", 0x20, "CBUF banks"),
    ("CSC_BASE_CBUF_BANK_WIDTH", 0x8, "bytes per CBUF entry"),
    ("CSC_BASE_CBUF_BANK_DEPTH", 0x200, "entries per CBUF bank"),
    ("CSC_BASE_CDMA_ID", 0x3, "the CDMA it follows"),
    ("CSC_MULTI_BATCH_MAX", 0x0, "batches"),
    ("CMAC_A_DESC", 0x1C0006, "CMAC_A: id 6, 28 bytes"),
    ("CMAC_A_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CMAC_A_CAP_COMPAT", 0x10, "compatible capabilities"),
    ("CMAC_A_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("CMAC_A_BASE_WEIGHT_TYPES", 0x10, "weight data types (int8)"),
    ("CMAC_A_BASE_ATOMIC_C", 0x8, "AtomC"),
    ("CMAC_A_BASE_ATOMIC_K", 0x8, "AtomK"),
    ("CMAC_A_BASE_CDMA_ID", 0x3, "the CDMA it follows"),
    ("CMAC_B_DESC", 0x1C0006, "CMAC_B: id 6, 28 bytes"),
    ("CMAC_B_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CMAC_B_CAP_COMPAT", 0x10, "compatible capabilities"),
    ("CMAC_B_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("CMAC_B_BASE_WEIGHT_TYPES", 0x10, "weight data types (int8)"),
    ("CMAC_B_BASE_ATOMIC_C", 0x8, "AtomC"),
    ("CMAC_B_BASE_ATOMIC_K", 0x8, "AtomK"),
    ("CMAC_B_BASE_CDMA_ID", 0x3, "the CDMA it follows"),
    ("CACC_DESC", 0x200007, "CACC: id 7, 32 bytes"),
    ("CACC_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CACC_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("CACC_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("CACC_BASE_WEIGHT_TYPES", 0x10, "weight data types (int8)"),
    ("CACC_BASE_ATOMIC_C", 0x8, "AtomC"),
    ("CACC_BASE_ATOMIC_K", 0x8, "AtomK"),
    ("CACC_BASE_CDMA_ID", 0x3, "the CDMA it follows"),
    ("CACC_MULTI_BATCH_MAX", 0x0, "batches"),
    ("SDP_RDMA_DESC", 0xE0008, "SDP_RDMA: id 8, 14 bytes"),
    ("SDP_RDMA_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("SDP_RDMA_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("SDP_RDMA_BASE_ATOMIC_M", 0x8, "memory atom bytes"),
    ("SDP_RDMA_BASE_SDP_ID", 0x9, "the SDP it feeds"),
    ("SDP_DESC", 0x200009, "SDP: id 9, 32 bytes"),
    ("SDP_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("SDP_CAP_COMPAT", 0x18, "compatible capabilities"),
    ("SDP_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("SDP_BASE_WEIGHT_TYPES", 0x10, "operand data types (int8)"),
    ("SDP_BASE_CDMA_ID", 0x3, "the CDMA it follows"),
    ("SDP_MULTI_BATCH_MAX", 0x0, "batches"),
    ("SDP_BS_THROUGHPUT", 0x1, "X1 elements per cycle"),
    ("SDP_BN_THROUGHPUT", 0x1, "X2 elements per cycle"),
    ("SDP_EW_THROUGHPUT", 0x0, "X3 (absent)"),
    ("PDP_RDMA_DESC", 0xE000A, "PDP_RDMA: id 10, 14 bytes"),
    ("PDP_RDMA_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("PDP_RDMA_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("PDP_RDMA_BASE_ATOMIC_M", 0x8, "memory atom bytes"),
    ("PDP_RDMA_BASE_PDP_ID", 0xB, "the PDP it feeds"),
    ("PDP_DESC", 0x10000B, "PDP: id 11, 16 bytes"),
    ("PDP_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("PDP_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("PDP_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("PDP_BASE_THROUGHPUT", 0x1, "elements per cycle"),
    ("CDP_RDMA_DESC", 0xE000C, "CDP_RDMA: id 12, 14 bytes"),
    ("CDP_RDMA_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CDP_RDMA_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("CDP_RDMA_BASE_ATOMIC_M", 0x8, "memory atom bytes"),
    ("CDP_RDMA_BASE_CDP_ID", 0xD, "the CDP it feeds"),
    ("CDP_DESC", 0x10000D, "CDP: id 13, 16 bytes"),
    ("CDP_CAP_INCOMPAT", 0x0, "incompatible capabilities"),
    ("CDP_CAP_COMPAT", 0x0, "compatible capabilities"),
    ("CDP_BASE_FEATURE_TYPES", 0x10, "feature data types (int8)"),
    ("CDP_BASE_THROUGHPUT", 0x1, "elements per cycle"),
    ("END_OF_LIST", 0x0, "end of the descriptor list"),
)


def cfgrom_values(*, atom_c, atom_k, cbuf_banks, cbuf_bank_bytes):
    """CFGROM's shape entries for a tile (field name -> value): AtomC, AtomK, the memory atom
    (AtomC bytes) and the CBUF banks (an entry holds one feature atom, so ``atom_c`` bytes, and a
    bank ``cbuf_bank_bytes / atom_c`` entries). nv_small's shape gives the table's values."""
    suffix = {"ATOMIC_C": atom_c, "ATOMIC_K": atom_k, "ATOMIC_M": atom_c,
              "CBUF_BANK_NUM": cbuf_banks, "CBUF_BANK_WIDTH": atom_c,
              "CBUF_BANK_DEPTH": cbuf_bank_bytes // atom_c}
    return {name: value for name, _, _ in _CFGROM for end, value in suffix.items()
            if name.endswith("_BASE_" + end)}


# --- the table --------------------------------------------------------------------------------

UNITS = (
    _unit("CFGROM", 0x0000,
          "Configuration ROM in NVDLA's layout: a list of unit descriptors (DESC: bytes of the "
          "unit's entries in bits 31:16, the unit's id in 15:0) with their capabilities, nv_small's "
          "values; the shape entries (atoms, CBUF banks) follow the tile's TileConfig.",
          *[_reg(f"CFGROM_{name}", 4 * n, doc, _word(name, doc, access="ro", reset=value))
            for n, (name, value, doc) in enumerate(_CFGROM)],
          pingpong=False),

    _unit("GLB", 0x1000, "Global: hardware version and interrupts (two status bits per unit, one "
          "per group). The interrupt line is high while INTR_STATUS & ~INTR_MASK is non-zero.",
          _reg("HW_VERSION", 0x000, "Hardware version.",
               _f("MAJOR", 7, 0, "major version", access="ro", reset=0x31),
               _f("MINOR", 23, 8, "minor version (NVDLA: \"00\")", access="ro", reset=0x3030)),
          _reg("INTR_MASK", 0x004, "1 masks the matching interrupt status bit.",
               *_intr_fields("MASK", "rw", "masked")),
          _reg("INTR_SET", 0x008, "Writing 1 sets the matching status bit (for tests).",
               *_intr_fields("SET", "w1s", "set")),
          _reg("INTR_STATUS", 0x00C, "Done interrupts; write 1 to clear.",
               *_intr_fields("STATUS", "w1c", "pending")),
          pingpong=False),

    _unit("CDMA", 0x3000, "Convolution DMA: reads features and weights from memory into CBUF; "
          "applies the zero padding.",
          _one("S_CBUF_FLUSH_STATUS", 0x00C, "CBUF flushed after reset.", "FLUSH_DONE", 0,
               access="ro", reset=1),
          _op_enable(0x010),
          _misc_cfg(0x014, full=True),
          _one("D_DATAIN_FORMAT", 0x018, "Input format.", "DATAIN_FORMAT", 0,
               fdoc="0 feature (the only format simtlab implements), 1 pixel (not implemented: "
                    "the layer stops with a FAULT_UNSUPPORTED fault)",
               enum=(("FEATURE", 0), ("PIXEL", 1))),
          _size("D_DATAIN_SIZE_0", 0x01C, "Input cube width and height (N-1).", "DATAIN_"),
          _one("D_DATAIN_SIZE_1", 0x020, "Input cube channels (N-1).", "DATAIN_CHANNEL", 12,
               fdoc="channels - 1", minus_one=True),
          _one("D_DAIN_RAM_TYPE", 0x02C, "Feature memory interface.", "DATAIN_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _addr("D_DAIN_ADDR_HIGH_0", 0x030, "Feature base address, bits 63:32 (must be 0)."),
          _addr("D_DAIN_ADDR_LOW_0", 0x034, "Feature base address (atom aligned)."),
          _addr("D_LINE_STRIDE", 0x040, "Feature line stride in bytes (atom aligned)."),
          _addr("D_SURF_STRIDE", 0x048, "Feature surface stride in bytes (atom aligned)."),
          _reg("D_DAIN_MAP", 0x04C, "Feature packing hints.",
               _f("LINE_PACKED", 0, doc="line stride == width * atom"),
               _f("SURF_PACKED", 16, doc="surface stride == height * line stride")),
          _one("D_ENTRY_PER_SLICE", 0x060, "CBUF entries per input line slice (N-1).", "ENTRIES",
               13, minus_one=True),
          _one("D_FETCH_GRAIN", 0x064, "Lines fetched per CBUF write grain (N-1).", "GRAINS", 11,
               minus_one=True),
          _one("D_WEIGHT_FORMAT", 0x068, "Weight format.", "WEIGHT_FORMAT", 0,
               fdoc="0 uncompressed (the only format simtlab implements)",
               enum=(("UNCOMPRESSED", 0), ("COMPRESSED", 1))),
          _one("D_WEIGHT_SIZE_0", 0x06C, "Bytes per kernel (N-1).", "BYTE_PER_KERNEL", 17,
               minus_one=True),
          _one("D_WEIGHT_SIZE_1", 0x070, "Kernels (N-1).", "WEIGHT_KERNEL", 12, minus_one=True),
          _one("D_WEIGHT_RAM_TYPE", 0x074, "Weight memory interface.", "WEIGHT_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _addr("D_WEIGHT_ADDR_HIGH", 0x078, "Weight base address, bits 63:32 (must be 0)."),
          _addr("D_WEIGHT_ADDR_LOW", 0x07C, "Weight base address (256 B aligned)."),
          _addr("D_WEIGHT_BYTES", 0x080, "Total weight bytes (a multiple of 128)."),
          _reg("D_CONV_STRIDE", 0x0B0, "Convolution stride (N-1).",
               _f("CONV_X_STRIDE", 2, 0, "x stride - 1", minus_one=True),
               _f("CONV_Y_STRIDE", 18, 16, "y stride - 1", minus_one=True)),
          _reg("D_ZERO_PADDING", 0x0B4, "Padding in elements on each side.",
               _f("PAD_LEFT", 4, 0, "left padding"),
               _f("PAD_RIGHT", 13, 8, "right padding"),
               _f("PAD_TOP", 20, 16, "top padding"),
               _f("PAD_BOTTOM", 29, 24, "bottom padding")),
          _one("D_ZERO_PADDING_VALUE", 0x0B8, "Value of padded elements.", "PAD_VALUE", 15,
               fdoc="padding value (int8 range in simtlab)", signed=True),
          _bank(0x0BC),
          _one("D_PERF_ENABLE", 0x0D4, "Enable the CDMA performance counters.", "DMA_EN", 0),
          _counter("D_PERF_DAT_READ_STALL", 0x0D8, "Cycles the feature read stalled.",
                   "DAT_RD_STALL"),
          _counter("D_PERF_WT_READ_STALL", 0x0DC, "Cycles the weight read stalled.", "WT_RD_STALL"),
          _counter("D_PERF_DAT_READ_LATENCY", 0x0E0, "Summed feature read latency in cycles.",
                   "DAT_RD_LATENCY"),
          _counter("D_PERF_WT_READ_LATENCY", 0x0E4, "Summed weight read latency in cycles.",
                   "WT_RD_LATENCY"),
          _counter("D_PERF_LAYER_CYCLES", 0x0F0, "Cycles from D_OP_ENABLE to the layer's last "
                   "CACC write (simtlab addition).", "LAYER_CYCLES", simtlab=True),
          ),

    _unit("CSC", 0x4000, "Convolution sequencer: walks atomic ops, stripes, blocks and channel "
          "ops over the data and weights in CBUF.",
          _op_enable(0x008),
          _misc_cfg(0x00C, full=True),
          _one("D_DATAIN_FORMAT", 0x010, "Input format.", "DATAIN_FORMAT", 0,
               fdoc="0 feature", enum=(("FEATURE", 0), ("PIXEL", 1))),
          _size("D_DATAIN_SIZE_EXT_0", 0x014, "Input cube width and height after extension (N-1).",
                "DATAIN_", wide=True),
          _one("D_DATAIN_SIZE_EXT_1", 0x018, "Input channels (N-1).", "DATAIN_CHANNEL_EXT", 12,
               fdoc="channels - 1", minus_one=True),
          _one("D_ENTRY_PER_SLICE", 0x024, "CBUF entries per input line slice (N-1).", "ENTRIES",
               13, minus_one=True),
          _one("D_WEIGHT_FORMAT", 0x028, "Weight format.", "WEIGHT_FORMAT", 0,
               fdoc="0 uncompressed", enum=(("UNCOMPRESSED", 0), ("COMPRESSED", 1))),
          _reg("D_WEIGHT_SIZE_EXT_0", 0x02C, "Kernel width and height (N-1).",
               _f("WEIGHT_WIDTH_EXT", 4, 0, "kernel width - 1", minus_one=True),
               _f("WEIGHT_HEIGHT_EXT", 20, 16, "kernel height - 1", minus_one=True)),
          _reg("D_WEIGHT_SIZE_EXT_1", 0x030, "Kernel channels and kernels (N-1).",
               _f("WEIGHT_CHANNEL_EXT", 12, 0, "kernel channels - 1", minus_one=True),
               _f("WEIGHT_KERNEL", 28, 16, "kernels - 1", minus_one=True)),
          _addr("D_WEIGHT_BYTES", 0x034, "Total weight bytes."),
          _size("D_DATAOUT_SIZE_0", 0x03C, "Output cube width and height (N-1).", "DATAOUT_"),
          _one("D_DATAOUT_SIZE_1", 0x040, "Output channels (N-1).", "DATAOUT_CHANNEL", 12,
               fdoc="channels - 1", minus_one=True),
          _one("D_ATOMICS", 0x044, "Atomic ops per channel op: W_out * H_out - 1.", "ATOMICS", 20,
               minus_one=True),
          _one("D_RELEASE", 0x048, "Input slices released from CBUF after the layer (N-1).",
               "RLS_SLICES", 11, minus_one=True),
          _reg("D_CONV_STRIDE_EXT", 0x04C, "Convolution stride (N-1).",
               _f("CONV_X_STRIDE_EXT", 2, 0, "x stride - 1", minus_one=True),
               _f("CONV_Y_STRIDE_EXT", 18, 16, "y stride - 1", minus_one=True)),
          _reg("D_DILATION_EXT", 0x050, "Kernel dilation (N-1).",
               _f("X_DILATION_EXT", 4, 0, "x dilation - 1", minus_one=True),
               _f("Y_DILATION_EXT", 20, 16, "y dilation - 1", minus_one=True)),
          _reg("D_ZERO_PADDING", 0x054, "Left and top padding.",
               _f("PAD_LEFT", 4, 0, "left padding"),
               _f("PAD_TOP", 20, 16, "top padding")),
          _one("D_ZERO_PADDING_VALUE", 0x058, "Value of padded elements.", "PAD_VALUE", 15,
               signed=True),
          _bank(0x05C),
          ),

    _unit("CMAC_A", 0x5000, "MAC array, first half of the AtomK cells (NVDLA splits the array "
          "in two units programmed alike).",
          _op_enable(0x008),
          _misc_cfg(0x00C, full=False),
          _counter("D_PERF_MAC_CYCLES", 0x010, "Cycles with an atomic op in the array "
                   "(simtlab addition; utilization = MAC_CYCLES / CDMA LAYER_CYCLES).",
                   "MAC_CYCLES", simtlab=True),
          ),

    _unit("CMAC_B", 0x6000, "MAC array, second half of the AtomK cells.",
          _op_enable(0x008),
          _misc_cfg(0x00C, full=False),
          ),

    _unit("CACC", 0x7000, "Convolution accumulator: sums partial sums over the kernel positions "
          "and channel blocks, truncates to int32 and sends the cube to SDP.",
          _op_enable(0x008),
          _misc_cfg(0x00C, full=False),
          _size("D_DATAOUT_SIZE_0", 0x010, "Output cube width and height (N-1).", "DATAOUT_"),
          _one("D_DATAOUT_SIZE_1", 0x014, "Output channels (N-1).", "DATAOUT_CHANNEL", 12,
               fdoc="channels - 1", minus_one=True),
          _addr("D_DATAOUT_ADDR", 0x018, "Output address (when not on the fly to SDP)."),
          _one("D_LINE_STRIDE", 0x020, "Output line stride in bytes.", "LINE_STRIDE", 23,
               fdoc="24 bits, as NVDLA's"),
          _one("D_SURF_STRIDE", 0x024, "Output surface stride in bytes.", "SURF_STRIDE", 23,
               fdoc="24 bits, as NVDLA's"),
          _reg("D_DATAOUT_MAP", 0x028, "Output packing hints.",
               _f("LINE_PACKED", 0, doc="line stride == width * atom"),
               _f("SURF_PACKED", 16, doc="surface stride == height * line stride")),
          _one("D_CLIP_CFG", 0x02C, "Truncation before SDP.", "CLIP_TRUNCATE", 4,
               fdoc="accumulator shifted right by this (0-16), rounding half away from zero, "
                    "then saturated to int32"),
          _counter("D_OUT_SATURATION", 0x030, "Outputs saturated by the truncation in this layer.",
                   "SAT_COUNT"),
          ),

    _unit("SDP_RDMA", 0x8000, "SDP read DMA: the input cube when SDP runs from memory, and the "
          "per-channel operands of X1 (BRDMA) and X2 (NRDMA).",
          _op_enable(0x008),
          _one("D_DATA_CUBE_WIDTH", 0x00C, "Cube width (N-1).", "WIDTH", 12, minus_one=True),
          _one("D_DATA_CUBE_HEIGHT", 0x010, "Cube height (N-1).", "HEIGHT", 12, minus_one=True),
          _one("D_DATA_CUBE_CHANNEL", 0x014, "Cube channels (N-1).", "CHANNEL", 12, minus_one=True),
          _addr("D_SRC_BASE_ADDR_LOW", 0x018, "Input cube address (memory-to-memory mode)."),
          _addr("D_SRC_BASE_ADDR_HIGH", 0x01C, "Input cube address, bits 63:32 (must be 0)."),
          _addr("D_SRC_LINE_STRIDE", 0x020, "Input line stride in bytes."),
          _addr("D_SRC_SURFACE_STRIDE", 0x024, "Input surface stride in bytes."),
          _dma_cfg("BRDMA", 0x028, "X1 (bias/scale)"),
          _addr("D_BS_BASE_ADDR_LOW", 0x02C, "X1 operand address."),
          _addr("D_BS_BASE_ADDR_HIGH", 0x030, "X1 operand address, bits 63:32 (must be 0)."),
          _addr("D_BS_LINE_STRIDE", 0x034, "X1 operand line stride in bytes."),
          _addr("D_BS_SURFACE_STRIDE", 0x038, "X1 operand surface stride in bytes."),
          _dma_cfg("NRDMA", 0x040, "X2 (batch norm)"),
          _addr("D_BN_BASE_ADDR_LOW", 0x044, "X2 operand address."),
          _addr("D_BN_BASE_ADDR_HIGH", 0x048, "X2 operand address, bits 63:32 (must be 0)."),
          _addr("D_BN_LINE_STRIDE", 0x04C, "X2 operand line stride in bytes."),
          _addr("D_BN_SURFACE_STRIDE", 0x050, "X2 operand surface stride in bytes."),
          _reg("D_FEATURE_MODE_CFG", 0x070, "Input source and precisions.",
               _f("FLYING_MODE", 0, doc="1 input on the fly from CACC, 0 from memory (NVDLA's "
                  "polarity, unlike PDP's)", enum=(("OFF_FLYING", 0), ("ON_FLYING", 1))),
               _f("WINOGRAD", 1, doc="0 (simtlab: no Winograd)"),
               _f("IN_PRECISION", 3, 2, "input precision (NVDLA's reset: int16)",
                  enum=_PRECISION, reset=1),
               _f("PROC_PRECISION", 5, 4, "processing precision (NVDLA's reset: int16)",
                  enum=_PRECISION, reset=1),
               _f("OUT_PRECISION", 7, 6, "output precision", enum=_PRECISION),
               _f("BATCH_NUMBER", 12, 8, "batches - 1 (simtlab: 0)", minus_one=True)),
          _one("D_SRC_DMA_CFG", 0x074, "Input memory interface.", "SRC_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _reg("D_PERF_ENABLE", 0x080, "Enable the SDP_RDMA performance counters.",
               _f("PERF_DMA_EN", 0, doc="count read stalls"),
               _f("PERF_NAN_INF_COUNT_EN", 1, doc="(float only; unused)")),
          _counter("D_PERF_MRDMA_READ_STALL", 0x084, "Cycles the input read stalled.",
                   "MRDMA_STALL"),
          _counter("D_PERF_BRDMA_READ_STALL", 0x088, "Cycles the X1 operand read stalled.",
                   "BRDMA_STALL"),
          _counter("D_PERF_NRDMA_READ_STALL", 0x08C, "Cycles the X2 operand read stalled.",
                   "NRDMA_STALL"),
          ),

    _unit("SDP", 0x9000, "Single-point data processor: bias, scale, ReLU/PReLU and the int8 "
          "output converter on each element; writes the result to memory or on to PDP.",
          _op_enable(0x038),
          _one("D_DATA_CUBE_WIDTH", 0x03C, "Cube width (N-1).", "WIDTH", 12, minus_one=True),
          _one("D_DATA_CUBE_HEIGHT", 0x040, "Cube height (N-1).", "HEIGHT", 12, minus_one=True),
          _one("D_DATA_CUBE_CHANNEL", 0x044, "Cube channels (N-1).", "CHANNEL", 12, minus_one=True),
          _addr("D_DST_BASE_ADDR_LOW", 0x048, "Output cube address."),
          _addr("D_DST_BASE_ADDR_HIGH", 0x04C, "Output cube address, bits 63:32 (must be 0)."),
          _addr("D_DST_LINE_STRIDE", 0x050, "Output line stride in bytes."),
          _addr("D_DST_SURFACE_STRIDE", 0x054, "Output surface stride in bytes."),
          _bs_cfg("BS", 0x058, "X1"),
          *_bs_ops("BS", 0x05C, "X1"),
          _bs_cfg("BN", 0x06C, "X2 (batch norm)"),
          *_bs_ops("BN", 0x070, "X2"),
          _reg("D_FEATURE_MODE_CFG", 0x0B0, "Input source and output destination.",
               _f("FLYING_MODE", 0, doc="1 input on the fly from CACC, 0 from memory (SDP_RDMA; "
                  "NVDLA's polarity, unlike PDP's)", enum=(("OFF_FLYING", 0), ("ON_FLYING", 1))),
               _f("OUTPUT_DST", 1, doc="0 memory, 1 on to PDP", enum=(("MEM", 0), ("PDP", 1))),
               _f("WINOGRAD", 2, doc="0 (simtlab: no Winograd)"),
               _f("NAN_TO_ZERO", 3, doc="(float only; unused)"),
               _f("BATCH_NUMBER", 12, 8, "batches - 1 (simtlab: 0)", minus_one=True)),
          _one("D_DST_DMA_CFG", 0x0B4, "Output memory interface.", "DST_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _reg("D_DATA_FORMAT", 0x0BC, "Processing and output precision.",
               _f("PROC_PRECISION", 1, 0, "processing precision", enum=_PRECISION),
               _f("OUT_PRECISION", 3, 2, "output precision (simtlab: int8)", enum=_PRECISION)),
          _one("D_CVT_OFFSET", 0x0C0, "Output converter offset.", "CVT_OFFSET", 31,
               fdoc="subtracted before scaling", signed=True),
          _one("D_CVT_SCALE", 0x0C4, "Output converter scale.", "CVT_SCALE", 15,
               fdoc="signed multiplier", signed=True),
          _one("D_CVT_SHIFT", 0x0C8, "Output converter shift.", "CVT_SHIFT", 5,
               fdoc="right shift, rounding half away from zero"),
          _reg("D_PERF_ENABLE", 0x0DC, "Enable the SDP performance counters.",
               _f("PERF_DMA_EN", 0, doc="count write stalls"),
               _f("PERF_LUT_EN", 1, doc="(LUT absent in nv_small; unused)"),
               _f("PERF_SAT_EN", 2, doc="count output saturations"),
               _f("PERF_NAN_INF_COUNT_EN", 3, doc="(float only; unused)")),
          _counter("D_PERF_WDMA_WRITE_STALL", 0x0E0, "Cycles the output write stalled.",
                   "WDMA_STALL"),
          _counter("D_PERF_OUT_SATURATION", 0x0EC, "Outputs saturated by the converter.",
                   "OUT_SATURATION"),
          ),

    _unit("PDP_RDMA", 0xA000, "PDP read DMA: the input cube when PDP runs from memory.",
          _op_enable(0x008),
          _one("D_DATA_CUBE_IN_WIDTH", 0x00C, "Input width (N-1).", "CUBE_IN_WIDTH", 12,
               minus_one=True),
          _one("D_DATA_CUBE_IN_HEIGHT", 0x010, "Input height (N-1).", "CUBE_IN_HEIGHT", 12,
               minus_one=True),
          _one("D_DATA_CUBE_IN_CHANNEL", 0x014, "Input channels (N-1).", "CUBE_IN_CHANNEL", 12,
               minus_one=True),
          _one("D_FLYING_MODE", 0x018, "Input source.", "FLYING_MODE", 0,
               fdoc="0 on the fly from SDP, 1 from memory",
               enum=(("ON_FLYING", 0), ("OFF_FLYING", 1))),
          _addr("D_SRC_BASE_ADDR_LOW", 0x01C, "Input cube address."),
          _addr("D_SRC_BASE_ADDR_HIGH", 0x020, "Input cube address, bits 63:32 (must be 0)."),
          _addr("D_SRC_LINE_STRIDE", 0x024, "Input line stride in bytes."),
          _addr("D_SRC_SURFACE_STRIDE", 0x028, "Input surface stride in bytes."),
          _one("D_SRC_RAM_CFG", 0x02C, "Input memory interface.", "SRC_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _one("D_DATA_FORMAT", 0x030, "Input precision.", "INPUT_DATA", 1, enum=_PRECISION),
          _one("D_OPERATION_MODE_CFG", 0x034, "Width split count (N-1; simtlab: 0).", "SPLIT_NUM",
               7, minus_one=True),
          _reg("D_POOLING_KERNEL_CFG", 0x038, "Kernel width and x stride as read by the DMA (N-1).",
               _f("KERNEL_WIDTH", 3, 0, "kernel width - 1", minus_one=True),
               _f("KERNEL_STRIDE_WIDTH", 7, 4, "x stride - 1", minus_one=True)),
          _one("D_POOLING_PADDING_CFG", 0x03C, "Left padding as seen by the DMA.", "PAD_WIDTH", 3),
          _one("D_PERF_ENABLE", 0x044, "Enable the PDP_RDMA performance counters.", "DMA_EN", 0),
          _counter("D_PERF_READ_STALL", 0x048, "Cycles the input read stalled.", "PERF_READ_STALL"),
          ),

    _unit("PDP", 0xB000, "Planar data processor: max, min and average pooling; writes the "
          "result to memory.",
          _op_enable(0x008),
          _one("D_DATA_CUBE_IN_WIDTH", 0x00C, "Input width (N-1).", "CUBE_IN_WIDTH", 12,
               minus_one=True),
          _one("D_DATA_CUBE_IN_HEIGHT", 0x010, "Input height (N-1).", "CUBE_IN_HEIGHT", 12,
               minus_one=True),
          _one("D_DATA_CUBE_IN_CHANNEL", 0x014, "Input channels (N-1).", "CUBE_IN_CHANNEL", 12,
               minus_one=True),
          _one("D_DATA_CUBE_OUT_WIDTH", 0x018, "Output width (N-1).", "CUBE_OUT_WIDTH", 12,
               minus_one=True),
          _one("D_DATA_CUBE_OUT_HEIGHT", 0x01C, "Output height (N-1).", "CUBE_OUT_HEIGHT", 12,
               minus_one=True),
          _one("D_DATA_CUBE_OUT_CHANNEL", 0x020, "Output channels (N-1).", "CUBE_OUT_CHANNEL", 12,
               minus_one=True),
          _reg("D_OPERATION_MODE_CFG", 0x024, "Pooling method and input source.",
               _f("POOLING_METHOD", 1, 0, "pooling method",
                  enum=(("AVERAGE", 0), ("MAX", 1), ("MIN", 2))),
               _f("FLYING_MODE", 4, doc="0 on the fly from SDP, 1 from memory (PDP_RDMA)",
                  enum=(("ON_FLYING", 0), ("OFF_FLYING", 1))),
               _f("SPLIT_NUM", 15, 8, "width splits - 1 (simtlab: 0)", minus_one=True)),
          _reg("D_POOLING_KERNEL_CFG", 0x034, "Kernel size and stride (N-1).",
               _f("KERNEL_WIDTH", 3, 0, "kernel width - 1", minus_one=True),
               _f("KERNEL_HEIGHT", 11, 8, "kernel height - 1", minus_one=True),
               _f("KERNEL_STRIDE_WIDTH", 19, 16, "x stride - 1", minus_one=True),
               _f("KERNEL_STRIDE_HEIGHT", 23, 20, "y stride - 1", minus_one=True)),
          _one("D_RECIP_KERNEL_WIDTH", 0x038, "round(2^16 / kernel width), for average pooling.",
               "RECIP_KERNEL_WIDTH", 16),
          _one("D_RECIP_KERNEL_HEIGHT", 0x03C, "round(2^16 / kernel height), for average pooling.",
               "RECIP_KERNEL_HEIGHT", 16),
          _reg("D_POOLING_PADDING_CFG", 0x040, "Padding in elements on each side (0-7).",
               _f("PAD_LEFT", 2, 0, "left padding"),
               _f("PAD_TOP", 6, 4, "top padding"),
               _f("PAD_RIGHT", 10, 8, "right padding"),
               _f("PAD_BOTTOM", 14, 12, "bottom padding")),
          *[_one(f"D_POOLING_PADDING_VALUE_{n}_CFG", 0x040 + 4 * n,
                 f"{n} x the padding value (added once per {n} padded elements of an average "
                 f"window).", f"PAD_VALUE_{n}X", 18, signed=True)
            for n in range(1, 8)],
          _addr("D_SRC_BASE_ADDR_LOW", 0x060, "Input cube address (memory mode)."),
          _addr("D_SRC_BASE_ADDR_HIGH", 0x064, "Input cube address, bits 63:32 (must be 0)."),
          _addr("D_SRC_LINE_STRIDE", 0x068, "Input line stride in bytes."),
          _addr("D_SRC_SURFACE_STRIDE", 0x06C, "Input surface stride in bytes."),
          _addr("D_DST_BASE_ADDR_LOW", 0x070, "Output cube address."),
          _addr("D_DST_BASE_ADDR_HIGH", 0x074, "Output cube address, bits 63:32 (must be 0)."),
          _addr("D_DST_LINE_STRIDE", 0x078, "Output line stride in bytes."),
          _addr("D_DST_SURFACE_STRIDE", 0x07C, "Output surface stride in bytes."),
          _one("D_DST_RAM_CFG", 0x080, "Output memory interface.", "DST_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _one("D_DATA_FORMAT", 0x084, "Data precision.", "INPUT_DATA", 1, enum=_PRECISION),
          _one("D_PERF_ENABLE", 0x094, "Enable the PDP performance counters.", "DMA_EN", 0),
          _counter("D_PERF_WRITE_STALL", 0x098, "Cycles the output write stalled.",
                   "PERF_WRITE_STALL"),
          _counter("D_PERF_LAYER_CYCLES", 0x0A0, "Cycles from D_OP_ENABLE to the last output "
                   "write (simtlab addition).", "LAYER_CYCLES", simtlab=True),
          ),
    _unit("CDP_RDMA", 0xC000, "CDP read DMA: the input cube of a local response normalization "
          "(always from memory).",
          _op_enable(0x008),
          _one("D_DATA_CUBE_WIDTH", 0x00C, "Cube width (N-1).", "WIDTH", 12, minus_one=True),
          _one("D_DATA_CUBE_HEIGHT", 0x010, "Cube height (N-1).", "HEIGHT", 12, minus_one=True),
          _one("D_DATA_CUBE_CHANNEL", 0x014, "Cube channels (N-1).", "CHANNEL", 12, minus_one=True),
          _addr("D_SRC_BASE_ADDR_LOW", 0x018, "Input cube address."),
          _addr("D_SRC_BASE_ADDR_HIGH", 0x01C, "Input cube address, bits 63:32 (must be 0)."),
          _addr("D_SRC_LINE_STRIDE", 0x020, "Input line stride in bytes."),
          _addr("D_SRC_SURFACE_STRIDE", 0x024, "Input surface stride in bytes."),
          _one("D_SRC_DMA_CFG", 0x028, "Input memory interface.", "SRC_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _one("D_DATA_FORMAT", 0x034, "Input precision (simtlab: int8; int16 stops the layer "
               "with a FAULT_UNSUPPORTED fault).", "INPUT_DATA", 1, enum=_PRECISION),
          _one("D_PERF_ENABLE", 0x038, "Enable the CDP_RDMA performance counters.", "DMA_EN", 0),
          _counter("D_PERF_READ_STALL", 0x03C, "Cycles the input read stalled.", "PERF_READ_STALL"),
          _one("D_CYA", 0x040, "Spare bits (no effect).", "CYA", 31),
          ),

    _unit("CDP", 0xD000, "Channel data processor: local response normalization across channels "
          "(input converter, square sum over NORMALZ_LEN channels, the LE and LO lookup tables "
          "with interpolation, multiplier, output converter); writes the result to memory. The "
          "S_LUT_ registers are shared by both groups.",
          _reg("S_LUT_ACCESS_CFG", 0x008, "LUT access: the table and entry S_LUT_ACCESS_DATA "
               "reaches (the address moves on by one after each data access).",
               _f("LUT_ADDR", 9, 0, "entry (LE 0-64, LO 0-256)"),
               _f("LUT_TABLE_ID", 16, doc="table", enum=(("LE", 0), ("LO", 1))),
               _f("LUT_ACCESS_TYPE", 17, doc="what a data access does",
                  enum=(("READ", 0), ("WRITE", 1)))),
          _reg("S_LUT_ACCESS_DATA", 0x00C, "LUT entry at LUT_ADDR: a write stores it (ACCESS_TYPE "
               "WRITE), a read returns it; either moves LUT_ADDR on by one.",
               _f("LUT_DATA", 15, 0, "signed entry", signed=True, access="rwp")),
          _reg("S_LUT_CFG", 0x010, "LE table function and the priorities between the tables.",
               _f("LUT_LE_FUNCTION", 0, doc="LE index: exponent (log2) or linear",
                  enum=(("EXPONENT", 0), ("LINEAR", 1))),
               _f("LUT_UFLOW_PRIORITY", 4, doc="table used when both underflow",
                  enum=(("LE", 0), ("LO", 1))),
               _f("LUT_OFLOW_PRIORITY", 5, doc="table used when both overflow",
                  enum=(("LE", 0), ("LO", 1))),
               _f("LUT_HYBRID_PRIORITY", 6, doc="table used when both hit, or one underflows "
                  "and the other overflows", enum=(("LE", 0), ("LO", 1)))),
          _reg("S_LUT_INFO", 0x014, "LUT index offset and selects.",
               _f("LUT_LE_INDEX_OFFSET", 7, 0, "exponent LE: log2 of the first entry's span",
                  signed=True),
               _f("LUT_LE_INDEX_SELECT", 15, 8, "linear LE: log2 of an entry's span",
                  signed=True),
               _f("LUT_LO_INDEX_SELECT", 23, 16, "LO: log2 of an entry's span", signed=True)),
          *[reg for table in ("LE", "LO") for edge, at in (("START", 0), ("END", 8))
            for reg in (
                _one(f"S_LUT_{table}_{edge}_LOW", (0x018 if table == "LE" else 0x028) + at,
                     f"{table} table range {edge.lower()}, bits 31:0.",
                     f"LUT_{table}_{edge}_LOW", 31),
                _one(f"S_LUT_{table}_{edge}_HIGH", (0x01C if table == "LE" else 0x02C) + at,
                     f"{table} table range {edge.lower()}, bits 37:32 (signed 38-bit value).",
                     f"LUT_{table}_{edge}_HIGH", 5))],
          *[reg for table, at in (("LE", 0x038), ("LO", 0x040)) for reg in (
              _reg(f"S_LUT_{table}_SLOPE_SCALE", at, f"{table} slope scales below the start "
                   "(underflow) and above the end (overflow).",
                   _f(f"LUT_{table}_SLOPE_UFLOW_SCALE", 15, 0, "underflow slope", signed=True),
                   _f(f"LUT_{table}_SLOPE_OFLOW_SCALE", 31, 16, "overflow slope", signed=True)),
              _reg(f"S_LUT_{table}_SLOPE_SHIFT", at + 4, f"{table} slope shifts (right, "
                   "rounding half away from zero).",
                   _f(f"LUT_{table}_SLOPE_UFLOW_SHIFT", 4, 0, "underflow shift"),
                   _f(f"LUT_{table}_SLOPE_OFLOW_SHIFT", 9, 5, "overflow shift")))],
          _op_enable(0x048),
          _reg("D_FUNC_BYPASS", 0x04C, "Bypass of the square sum and of the multiplier.",
               _f("SQSUM_BYPASS", 0, doc="1: the LUT looks up the converted input itself",
                  enum=(("DISABLE", 0), ("ENABLE", 1))),
               _f("MUL_BYPASS", 1, doc="1: the output is the LUT value (not input x LUT value)",
                  enum=(("DISABLE", 0), ("ENABLE", 1)))),
          _addr("D_DST_BASE_ADDR_LOW", 0x050, "Output cube address."),
          _addr("D_DST_BASE_ADDR_HIGH", 0x054, "Output cube address, bits 63:32 (must be 0)."),
          _addr("D_DST_LINE_STRIDE", 0x058, "Output line stride in bytes."),
          _addr("D_DST_SURFACE_STRIDE", 0x05C, "Output surface stride in bytes."),
          _one("D_DST_DMA_CFG", 0x060, "Output memory interface.", "DST_RAM_TYPE", 0,
               enum=_RAM_TYPE),
          _one("D_DATA_FORMAT", 0x068, "Data precision (simtlab: int8).", "INPUT_DATA_TYPE", 1,
               enum=_PRECISION),
          _one("D_NAN_FLUSH_TO_ZERO", 0x06C, "(float only; unused)", "NAN_TO_ZERO", 0),
          _one("D_LRN_CFG", 0x070, "Channels of the square-sum window.", "NORMALZ_LEN", 1,
               enum=(("LEN3", 0), ("LEN5", 1), ("LEN7", 2), ("LEN9", 3))),
          _one("D_DATIN_OFFSET", 0x074, "Input converter offset.", "DATIN_OFFSET", 15,
               fdoc="subtracted before scaling", signed=True),
          _one("D_DATIN_SCALE", 0x078, "Input converter scale.", "DATIN_SCALE", 15,
               fdoc="signed multiplier", signed=True),
          _one("D_DATIN_SHIFTER", 0x07C, "Input converter shift.", "DATIN_SHIFTER", 4,
               fdoc="right shift, rounding half away from zero"),
          _one("D_DATOUT_OFFSET", 0x080, "Output converter offset.", "DATOUT_OFFSET", 31,
               fdoc="subtracted before scaling", signed=True),
          _one("D_DATOUT_SCALE", 0x084, "Output converter scale.", "DATOUT_SCALE", 15,
               fdoc="signed multiplier", signed=True),
          _one("D_DATOUT_SHIFTER", 0x088, "Output converter shift.", "DATOUT_SHIFTER", 5,
               fdoc="right shift, rounding half away from zero"),
          _counter("D_OUT_SATURATION", 0x098, "Outputs saturated by the output converter.",
                   "OUT_SATURATION"),
          _reg("D_PERF_ENABLE", 0x09C, "Enable the CDP performance counters.",
               _f("DMA_EN", 0, doc="count write stalls"),
               _f("LUT_EN", 1, doc="count LUT hits and misses")),
          _counter("D_PERF_WRITE_STALL", 0x0A0, "Cycles the output write stalled.",
                   "PERF_WRITE_STALL"),
          _counter("D_PERF_LUT_UFLOW", 0x0A4, "Elements below both tables.", "LUT_UFLOW"),
          _counter("D_PERF_LUT_OFLOW", 0x0A8, "Elements above both tables.", "LUT_OFLOW"),
          _counter("D_PERF_LUT_HYBRID", 0x0AC, "Elements below one table and above the other.",
                   "LUT_HYBRID"),
          _counter("D_PERF_LUT_LE_HIT", 0x0B0, "Elements whose value came from an LE hit.",
                   "LUT_LE_HIT"),
          _counter("D_PERF_LUT_LO_HIT", 0x0B4, "Elements whose value came from an LO hit.",
                   "LUT_LO_HIT"),
          _one("D_CYA", 0x0B8, "Spare bits (no effect).", "CYA", 31),
          ),
)


def unit(name):
    """The :class:`Unit` called ``name``."""
    for u in UNITS:
        if u.name == name:
            return u
    raise KeyError(f"no tile unit {name!r}; the units are {', '.join(u.name for u in UNITS)}")


def lookup(name):
    """``"UNIT.REG"`` -> ``(Unit, Register)``."""
    if not isinstance(name, str) or name.count(".") != 1:
        raise KeyError(f"register names have the form 'UNIT.REG' (e.g. 'CDMA.D_DATAIN_SIZE_0'), "
                       f"not {name!r}")
    unit_name, reg_name = name.split(".")
    u = unit(unit_name)
    return u, u.register(reg_name)


def check(units=UNITS):
    """Validate a register table; raises ``ValueError`` naming the first problem found.

    Checks: names are upper-case identifiers and unique (units, registers per unit, fields per
    register); unit bases are 4 KiB aligned, distinct and inside the tile's window; register offsets
    are word aligned and inside the unit's 4 KiB; fields lie in bits 31..0 with msb >= lsb and do not
    overlap; access types are known; resets and enum values fit their fields; ``D_`` registers of
    ping-pong units are group registers and nothing else is; every ping-pong unit has
    S_STATUS, S_POINTER and exactly one D_OP_ENABLE.
    """
    seen_units, seen_bases = set(), {}
    for u in units:
        if not _NAME.match(u.name):
            raise ValueError(f"unit name {u.name!r} is not an upper-case identifier")
        if u.name in seen_units:
            raise ValueError(f"unit {u.name} is defined twice")
        seen_units.add(u.name)
        if u.base % UNIT_SPACE or not 0 <= u.base < TILE_WINDOW:
            raise ValueError(f"unit {u.name} base 0x{u.base:X} is not a 4 KiB aligned offset inside "
                             f"the 0x{TILE_WINDOW:X}-byte tile window")
        if u.base in seen_bases:
            raise ValueError(f"units {seen_bases[u.base]} and {u.name} overlap at 0x{u.base:X}")
        seen_bases[u.base] = u.name
        names, offsets = set(), {}
        for r in u.registers:
            where = f"{u.name}.{r.name}"
            if not _NAME.match(r.name):
                raise ValueError(f"register name {where!r} is not an upper-case identifier")
            if r.name in names:
                raise ValueError(f"register {where} is defined twice")
            names.add(r.name)
            if r.offset % 4 or not 0 <= r.offset < UNIT_SPACE:
                raise ValueError(f"register {where} offset 0x{r.offset:X} is not word aligned "
                                 f"inside the unit's 4 KiB")
            if r.offset in offsets:
                raise ValueError(f"registers {u.name}.{offsets[r.offset]} and {where} overlap at "
                                 f"offset 0x{r.offset:X}")
            offsets[r.offset] = r.name
            if r.group != (u.pingpong and r.name.startswith("D_")):
                raise ValueError(f"register {where}: only D_ registers of ping-pong units are "
                                 f"group registers")
            if not r.fields:
                raise ValueError(f"register {where} has no fields")
            used, fnames = 0, set()
            for f in r.fields:
                fwhere = f"{where}.{f.name}"
                if not _NAME.match(f.name):
                    raise ValueError(f"field name {fwhere!r} is not an upper-case identifier")
                if f.name in fnames:
                    raise ValueError(f"field {fwhere} is defined twice")
                fnames.add(f.name)
                if not 0 <= f.lsb <= f.msb <= 31:
                    raise ValueError(f"field {fwhere} bits [{f.msb}:{f.lsb}] do not fit a 32-bit "
                                     f"register")
                if used & f.mask:
                    raise ValueError(f"field {fwhere} {f.bits} overlaps another field of {where}")
                used |= f.mask
                if f.access not in ACCESS:
                    raise ValueError(f"field {fwhere} access {f.access!r} is not one of "
                                     f"{', '.join(ACCESS)}")
                if not 0 <= f.reset < (1 << f.width):
                    raise ValueError(f"field {fwhere} reset {f.reset:#x} does not fit {f.width} bits")
                for ename, evalue in f.enum:
                    if not _NAME.match(ename) or not 0 <= evalue < (1 << f.width):
                        raise ValueError(f"field {fwhere} enum {ename}={evalue} is not a valid "
                                         f"{f.width}-bit value name")
        if u.pingpong:
            for required in ("S_STATUS", "S_POINTER", "D_OP_ENABLE"):
                if required not in names:
                    raise ValueError(f"ping-pong unit {u.name} lacks {required}")
    return True


check()
