"""A functional model of the deep-learning tile (docs/tile.md): the register file of the one table
(:mod:`simtlab.spec.tile_regs`) with NVDLA's ping-pong groups, GLB interrupts and CFGROM, and the
layers (conv -> SDP -> PDP, SDP, PDP and CDP memory to memory) computed bit exactly with
:mod:`simtlab.sim.tile_ref` and :mod:`simtlab.sim.cdp_ref` on NVDLA's memory layouts
(:mod:`simtlab.sim.tile_layout`).

:class:`TileModel` is what the golden-model emulator puts behind the MMIO window (kernels' word loads
and stores) and behind ``tile_write``/``tile_read``/``tile_wait`` when the config has a tile.
:class:`TileBench` is the same model with a flat memory and an allocator of its own: the device
interface :class:`simtlab.drivers.tile.TileDriver` needs, without a SIMT core (driver tests, trace
recording for the RTL unit tests).

Registers (as the RTL's register blocks): ``S_POINTER.PRODUCER`` selects the group that register
writes reach and reads show; ``S_POINTER.CONSUMER`` is the group the datapath works on (it flips when
a unit ends a layer); ``S_STATUS`` shows each group idle (0), running (1, the consumer) or pending (2);
``D_OP_ENABLE`` is set by software and cleared when the unit ends its layer; writes to a group whose
``D_OP_ENABLE`` is set are dropped (and counted in ``dropped``); ``ro`` fields read the unit's
counters of the last layer; GLB has ``INTR_MASK`` (rw), ``INTR_SET`` (write 1 sets), ``INTR_STATUS``
(write 1 clears) and the interrupt line ``INTR_STATUS & ~INTR_MASK``. CDP's ``S_LUT_*`` registers
are one copy for both groups; ``S_LUT_ACCESS_CFG`` sets the table and entry that
``S_LUT_ACCESS_DATA`` reaches, and every access of that register (a write with ``LUT_ACCESS_TYPE``
WRITE stores the entry, a read returns it) moves the entry on by one. Offsets of a unit that hold no
register read 0 and ignore writes; offsets outside every unit raise :class:`TileAddressError` (a
kernel's access there faults, as on the RTL).

Timing: the model has a clock of its own that only moves when it is told (:meth:`TileModel.advance`:
the emulator passes its cycles at every MMIO access and in ``tile_wait``; :meth:`TileModel.run` for
the host). A layer starts when its units are enabled (the earliest enable first: conv when CDMA's
group is enabled, SDP, PDP or CDP from memory when their RDMA's is), reads its inputs and computes
at once, and ends ``duration`` cycles later: then it writes its output, sets its counters, clears
the units' ``D_OP_ENABLE``, flips their consumers and sets their done bits. Durations are a simple
model (conv: ``ceil(C/AtomC)*H*W + weight_bytes/AtomC + MACs + 20``; SDP, PDP and CDP: one cycle
per input element), not the RTL's cycle counts.

Errors: a DMA access outside memory ends the layer with a fault ``(unit page, address)`` (CDMA 3,
SDP_RDMA 8, SDP 9, PDP_RDMA 10, PDP 11, CDP_RDMA 12, CDP 13) and no interrupt, as the RTL's fault report. A layer whose
register groups disagree (sizes, strides, alignment, CBUF fit, enable order) is something the RTL
does not check: it computes garbage or hangs until its watchdog stops it. The model reports it as the
watchdog fault (``FAULT_WATCHDOG``) with the reason in :attr:`TileModel.fault_reason`, or, with
``strict=True`` (the driver tests), raises :class:`TileProgramError` naming the inconsistency.
"""

import numpy as np

from ..config import TileConfig
from ..spec import tile_regs
from ..spec.memory import MemoryMap
from ..spec.tile_limits import (FAULT_UNSUPPORTED, FAULT_WATCHDOG, PDP_MAX_WIDTH, ConvShape,
                                conv_fits)
from . import cdp_ref
from . import tile_layout as lay
from . import tile_ref as ref
from .backend import Buffer

__all__ = ["TileModel", "TileBench", "TileProgramError", "TileAddressError"]

CONV_UNITS = ("CDMA", "CSC", "CMAC_A", "CMAC_B", "CACC")
#: GLB interrupt sources of each unit that ends a layer.
GLB_SOURCES = {"SDP": ("SDP",), "CDP": ("CDP",), "PDP": ("PDP",), "CDMA": ("CDMA_DAT", "CDMA_WT"),
               "CACC": ("CACC",)}
#: CDP's tables: ``S_LUT_ACCESS_CFG.LUT_TABLE_ID`` -> entries.
LUT_SIZES = (cdp_ref.LE_ENTRIES, cdp_ref.LO_ENTRIES)
#: The fault report's unit: the unit's 4 KiB register page.
_PAGE = {u.name: u.base // tile_regs.UNIT_SPACE for u in tile_regs.UNITS}


class TileProgramError(ValueError):
    """A layer's register groups are inconsistent (raised by a ``strict`` :class:`TileModel`)."""


class TileAddressError(ValueError):
    """A register access at an offset outside every unit of the tile's window."""


class _DmaFault(Exception):
    def __init__(self, unit, addr):
        super().__init__(unit, addr)
        self.unit = unit
        self.addr = addr


def _field_mask(reg, accesses):
    return sum(f.mask for f in reg.fields if f.access in accesses)


def _decode_table():
    """Word offset in the window -> (Unit, Register); unit page -> Unit."""
    regs, pages = {}, {}
    for u in tile_regs.UNITS:
        pages[u.base // tile_regs.UNIT_SPACE] = u
        for r in u.registers:
            regs[u.base + r.offset] = (u, r)
    return regs, pages


_REGS, _PAGES = _decode_table()
_GLB_STATUS = tile_regs.lookup("GLB.INTR_STATUS")[1]
_INTR_ALL = _field_mask(_GLB_STATUS, ("w1c",))
#: SDP's input source (NVDLA's polarity: 1 on the fly from CACC), from the table's enum.
_SDP_MODES = dict(tile_regs.lookup("SDP.D_FEATURE_MODE_CFG")[1].field("FLYING_MODE").enum)
_SDP_ON_THE_FLY, _SDP_FROM_MEMORY = _SDP_MODES["ON_FLYING"], _SDP_MODES["OFF_FLYING"]


class TileModel:
    """The tile's registers and layers over a memory (see the module docstring).

    Parameters
    ----------
    config : TileConfig
        The tile's shape (AtomC, AtomK, CBUF); CFGROM reads it back.
    memory
        What the tile's DMA reaches: ``read(addr, nbytes) -> bytes`` and ``write(addr, data)``,
        raising ValueError for addresses outside memory (the emulator's ``read_mem``/``write_mem``).
    strict : bool
        Raise :class:`TileProgramError` for an inconsistent layer instead of reporting the watchdog
        fault, and also check registers the RTL ignores but NVDLA's sequence programs alike (PDP's
        source address next to PDP_RDMA's) and accesses to offsets that hold no register.
    hang : bool
        Never start a layer (tests of the driver's timeout).
    """

    def __init__(self, config, memory, *, strict=False, hang=False):
        if not isinstance(config, TileConfig):
            raise TypeError(f"config must be a TileConfig, not {type(config).__name__}")
        for method in ("read", "write"):
            if not callable(getattr(memory, method, None)):
                raise TypeError(f"memory must have read(addr, nbytes) and write(addr, data), "
                                f"not {type(memory).__name__}")
        self.config = config
        self.memory = memory
        self.strict = bool(strict)
        self.hang = bool(hang)
        self.units = {u.name: u for u in tile_regs.UNITS}
        self.reset()

    def reset(self):
        """The tile's reset state: every group at its reset values, no layer, no fault."""
        self.groups = {u.name: [{}, {}] for u in tile_regs.UNITS if u.pingpong}
        self.producer = {u: 0 for u in self.groups}
        self.consumer = {u: 0 for u in self.groups}
        self.counters = {u: {} for u in self.groups}
        self.shared = {}            # (unit, register) -> value of rw registers outside the groups
        self.luts = [[0] * n for n in LUT_SIZES]     # CDP's LE and LO tables (int16)
        self.lut_addr = 0           # the entry S_LUT_ACCESS_DATA reaches next
        self.intr_status = 0
        self.intr_mask = 0
        self.dropped = 0
        self.enable_seq = {}        # (unit, group) -> sequence number of its enable
        self.seq = 0
        self.layers_run = []        # (kind, shape) of every layer started
        self.now = 0                # the model's clock
        self.fault = None           # (unit page, address) of the last fault, or None
        self.fault_reason = None
        self._layer = None          # the layer in flight: (end time, finish callable)

    # -- registers -----------------------------------------------------------------------------
    def decode(self, offset):
        """``(Unit, Register or None)`` at byte ``offset`` of the window; TileAddressError outside
        every unit; ValueError for a misaligned or out-of-window offset."""
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise TypeError(f"tile register offset must be an integer, not {offset!r}")
        if not 0 <= offset < tile_regs.TILE_WINDOW or offset % 4:
            raise ValueError(f"tile register offset {offset:#x} is not a word offset in the "
                             f"{tile_regs.TILE_WINDOW:#x}-byte window")
        found = _REGS.get(offset)
        if found is not None:
            return found
        unit = _PAGES.get(offset // tile_regs.UNIT_SPACE)
        if unit is None:
            raise TileAddressError(f"tile register offset {offset:#06x} is outside every unit")
        return unit, None

    def op_en(self, unit, group):
        return self.groups[unit][group].get("D_OP_ENABLE", 0) & 1

    def reg_write(self, offset, value):
        """A 32-bit register write at byte ``offset`` of the window."""
        u, r = self.decode(offset)
        value &= 0xFFFF_FFFF
        if r is None:
            if self.strict:
                raise TileProgramError(f"write to {offset:#06x} in {u.name}, which holds no register")
            return
        if u.name == "GLB":
            if r.name == "INTR_MASK":
                self.intr_mask = value & _field_mask(r, ("rw",))
            elif r.name == "INTR_SET":
                self.intr_status |= value & _INTR_ALL
            elif r.name == "INTR_STATUS":
                self.intr_status &= ~value
            return
        if not u.pingpong:
            return
        if r.name == "S_POINTER":
            self.producer[u.name] = value & 1
            return
        if not r.group:
            if r.name == "S_LUT_ACCESS_DATA":
                cfg = self._lut_cfg()
                if cfg["LUT_ACCESS_TYPE"] and self.lut_addr < len(self.luts[cfg["LUT_TABLE_ID"]]):
                    self.luts[cfg["LUT_TABLE_ID"]][self.lut_addr] = r.unpack(value)["LUT_DATA"]
                self.lut_addr += 1
            elif _field_mask(r, ("rw",)):
                self.shared[u.name, r.name] = value & _field_mask(r, ("rw",))
                if r.name == "S_LUT_ACCESS_CFG":
                    self.lut_addr = r.unpack(value)["LUT_ADDR"]
            return
        g = self.producer[u.name]
        if self.op_en(u.name, g):
            self.dropped += 1
            return
        self.groups[u.name][g][r.name] = value & _field_mask(r, ("rw", "rwhc"))
        if r.name == "D_OP_ENABLE" and value & 1:
            self.seq += 1
            self.enable_seq[u.name, g] = self.seq

    def reg_read(self, offset):
        """The 32-bit register at byte ``offset`` of the window."""
        u, r = self.decode(offset)
        if r is None:
            if self.strict:
                raise TileProgramError(f"read of {offset:#06x} in {u.name}, which holds no register")
            return 0
        if u.name == "GLB":
            return {"INTR_MASK": self.intr_mask, "INTR_STATUS": self.intr_status,
                    "INTR_SET": 0}.get(r.name, r.reset)
        if u.name == "CFGROM":
            c = self.config
            values = tile_regs.cfgrom_values(atom_c=c.atom_c, atom_k=c.atom_k,
                                             cbuf_banks=c.cbuf_banks,
                                             cbuf_bank_bytes=c.cbuf_bank_bytes)
            (f,) = r.fields
            return values.get(f.name, r.reset)
        if r.name == "S_STATUS":
            states = [0 if not self.op_en(u.name, g) else 1 if self.consumer[u.name] == g else 2
                      for g in (0, 1)]
            return states[0] | states[1] << 16
        if r.name == "S_POINTER":
            return self.producer[u.name] | self.consumer[u.name] << 16
        if r.name == "S_LUT_ACCESS_DATA":
            table = self.luts[self._lut_cfg()["LUT_TABLE_ID"]]
            entry = table[self.lut_addr] if self.lut_addr < len(table) else 0
            self.lut_addr += 1
            return entry & 0xFFFF
        if not r.group:
            return self.shared.get((u.name, r.name), r.reset)
        value = self.groups[u.name][self.producer[u.name]].get(r.name, r.reset)
        for f in r.fields:
            if f.access == "ro":
                value |= (self.counters[u.name].get(f.name, 0) << f.lsb) & f.mask
        return value

    def fields(self, unit, group=None):
        """Every group field of a unit's group (default: its consumer): field name -> value."""
        g = self.consumer[unit] if group is None else group
        out = {}
        for r in self.units[unit].registers:
            if r.group:
                out.update(r.unpack(self.groups[unit][g].get(r.name, r.reset)))
        return out

    def _lut_cfg(self):
        reg = self.units["CDP"].register("S_LUT_ACCESS_CFG")
        return reg.unpack(self.shared.get(("CDP", reg.name), reg.reset))

    def shared_fields(self, unit):
        """Every field of a unit's registers outside the groups (CDP's ``S_LUT_*``)."""
        out = {}
        for r in self.units[unit].registers:
            if not r.group and r.name not in ("S_STATUS", "S_POINTER"):
                out.update(r.unpack(self.shared.get((unit, r.name), r.reset)))
        return out

    def irq(self):
        """The interrupt line: ``INTR_STATUS & ~INTR_MASK`` non-zero."""
        return bool(self.intr_status & ~self.intr_mask)

    # -- time ----------------------------------------------------------------------------------
    def busy(self):
        """Whether a layer is in flight or ready to start."""
        return self._layer is not None or (not self.hang and self._runnable() is not None)

    def time_to_next_event(self):
        """Cycles until the layer in flight ends (0 if one can start now), or None when idle."""
        if self._layer is not None:
            return max(0, self._layer[0] - self.now)
        return 0 if self.busy() else None

    def advance(self, cycles):
        """Let ``cycles`` cycles pass: start runnable layers, end the ones whose time has come."""
        self._step(self.now + cycles, stop_at_irq=False)

    def run(self, max_cycles):
        """Let time pass until the interrupt line is high; the cycles that took, or None if it is
        not high after ``max_cycles`` (also when no layer is left to end)."""
        start = self.now
        if self._step(start + max_cycles, stop_at_irq=True):
            return self.now - start
        return None

    def _step(self, until, stop_at_irq):
        while True:
            if stop_at_irq and self.irq():
                return True
            if self._layer is None:
                kind = None if self.hang else self._runnable()
                if kind is None:
                    break
                self._start(kind)
                continue
            end, finish = self._layer
            if end > until:
                break
            self.now = max(self.now, end)
            self._layer = None
            finish()
        if stop_at_irq and self.irq():
            return True
        self.now = max(self.now, until)
        return False

    def _enabled(self, unit):
        return self.op_en(unit, self.consumer[unit])

    def _runnable(self):
        found = []
        if self._enabled("CDMA"):
            found.append((self.enable_seq["CDMA", self.consumer["CDMA"]], "conv"))
        if (self._enabled("SDP") and self._enabled("SDP_RDMA")
                and self.fields("SDP")["FLYING_MODE"] == _SDP_FROM_MEMORY):
            found.append((self.enable_seq["SDP_RDMA", self.consumer["SDP_RDMA"]], "sdp"))
        if (self._enabled("PDP") and self._enabled("PDP_RDMA")
                and self.fields("PDP")["FLYING_MODE"] == 1):
            found.append((self.enable_seq["PDP_RDMA", self.consumer["PDP_RDMA"]], "pdp"))
        if self._enabled("CDP") and self._enabled("CDP_RDMA"):
            found.append((self.enable_seq["CDP_RDMA", self.consumer["CDP_RDMA"]], "cdp"))
        return min(found)[1] if found else None

    def _start(self, kind):
        """Start a layer: check its registers, read its inputs, compute; it ends later."""
        what = self._unsupported(kind)
        if what is not None:
            # A hardware limit, not a programming error: the fault report whatever ``strict``.
            u, r = tile_regs.lookup(what)
            self._abort(kind, (FAULT_UNSUPPORTED, u.base + r.offset),
                        f"{what}: not implemented in the tile")
            return
        try:
            duration, finish = {"conv": self._conv, "sdp": self._sdp_mem, "pdp": self._pdp_mem,
                                "cdp": self._cdp}[kind]()
        except _DmaFault as fault:
            self._abort(kind, (_PAGE[fault.unit], fault.addr & 0xFFFF_FFFF), None)
            return
        except TileProgramError as error:
            if self.strict:
                raise
            self._abort(kind, (FAULT_WATCHDOG, 0), str(error))
            return
        self._layer = (self.now + duration, finish)

    def _unsupported(self, kind):
        """The register (``UNIT.REG``) whose field asks for something the tile does not
        implement in this layer, or None (the RTL's check: ``FAULT_UNSUPPORTED``)."""
        if kind == "conv" and self.fields("CDMA")["DATAIN_FORMAT"] != 0:
            return "CDMA.D_DATAIN_FORMAT"
        if kind == "cdp":
            if self.fields("CDP_RDMA")["INPUT_DATA"] != 0:
                return "CDP_RDMA.D_DATA_FORMAT"
            if self.fields("CDP")["INPUT_DATA_TYPE"] != 0:
                return "CDP.D_DATA_FORMAT"
        return None

    def _abort(self, kind, fault, reason):
        """End a faulting layer: its units stop (enables cleared), no interrupt, the fault kept."""
        self.fault, self.fault_reason = fault, reason
        units = {"conv": CONV_UNITS + ("SDP", "SDP_RDMA"), "sdp": ("SDP", "SDP_RDMA"),
                 "pdp": ("PDP", "PDP_RDMA"), "cdp": ("CDP", "CDP_RDMA")}[kind]
        if kind == "conv" and self.fields("PDP")["FLYING_MODE"] == 0:
            units += ("PDP",)
        for unit in units:
            self.groups[unit][self.consumer[unit]]["D_OP_ENABLE"] = 0

    def _finish(self, units):
        for unit in units:
            g = self.consumer[unit]
            self.groups[unit][g]["D_OP_ENABLE"] = 0
            self.consumer[unit] ^= 1
            for src in GLB_SOURCES.get(unit, ()):
                self.intr_status |= _GLB_STATUS.field(f"{src}_DONE_STATUS{g}").mask

    # -- the layers ----------------------------------------------------------------------------
    def _require(self, condition, message):
        if not condition:
            raise TileProgramError(message)

    def _read_mem(self, unit, addr, nbytes):
        try:
            return self.memory.read(addr, nbytes)
        except ValueError:
            raise _DmaFault(unit, addr) from None

    def _feature(self, unit, addr, c, h, w, line, surf):
        a = self.config.atom_c
        self._require(addr % a == 0 and line % a == 0 and surf % a == 0,
                      f"{unit}: feature address/strides not {a}-byte (atom) aligned")
        n = lay.feature_bytes(c, h, w, atom_c=a, line_stride=line, surf_stride=surf)
        data = np.frombuffer(self._read_mem(unit, addr, n), np.uint8)
        return lay.unpack_feature(data, c, h, w, atom_c=a, line_stride=line, surf_stride=surf)

    def _store(self, unit, addr, y, line, surf):
        """A write of the feature cube ``y`` (checked now, performed when the layer ends)."""
        a = self.config.atom_c
        self._require(addr % a == 0, f"{unit}: output address not {a}-byte (atom) aligned")
        data = lay.pack_feature(y, atom_c=a, line_stride=line, surf_stride=surf).tobytes()
        try:
            self.memory.read(addr, len(data))       # the range check of the write DMA
        except ValueError:
            raise _DmaFault(unit, addr) from None
        return lambda: self.memory.write(addr, data)

    def _padded(self, channels):
        """Channels rounded up to whole atoms: the tile's datapath computes every lane of an
        atom, and NVDLA writes the lanes past C with what it computes there."""
        return -(-channels // self.config.atom_k) * self.config.atom_k

    def _sdp_operands(self, stage, kind, shape):
        """The memory operands of an SDP stage's ALU or MUL (``stage`` "BS" = X1 through BRDMA,
        "BN" = X2 through NRDMA): ``shape[0]`` values per channel, or a cube of ``shape`` per
        element (``DATA_MODE`` PER_ELEMENT) in NVDLA's feature format for ``size``-byte elements:
        memory atoms of AtomC bytes hold ``AtomC / size`` channels, element (c, h, w) at
        ``base + (c // n) * surface_stride + h * line_stride + w * AtomC + (c % n) * size``,
        ``n = AtomC / size``."""
        dma = {"BS": "BRDMA", "BN": "NRDMA"}[stage]
        self._require(self._enabled("SDP_RDMA"),
                      f"SDP: {stage} operands from memory without SDP_RDMA enabled")
        rd = self.fields("SDP_RDMA")
        self._require(rd[f"{dma}_DISABLE"] == 0, f"SDP_RDMA: {dma}_DISABLE is set but the {stage} "
                                                 f"{kind} reads its operands from memory")
        use = {"ALU": 1, "MUL": 0}[kind]
        self._require(rd[f"{dma}_DATA_USE"] == use,
                      f"SDP_RDMA: {dma}_DATA_USE does not feed the {stage} {kind} (BOTH is not "
                      f"implemented)")
        size = 2 if rd[f"{dma}_DATA_SIZE"] else 1
        dtype = "<i2" if size == 2 else "i1"
        base = rd[f"{stage}_BASE_ADDR_LOW"]
        if not rd[f"{dma}_DATA_MODE"]:                      # per channel
            data = self._read_mem("SDP_RDMA", base, size * shape[0])
            return np.frombuffer(data, dtype).astype(np.int64)
        a = self.config.atom_c
        n = a // size                                       # channels per memory atom
        c, h, w = shape
        line, surf = rd[f"{stage}_LINE_STRIDE"], rd[f"{stage}_SURFACE_STRIDE"]
        self._require(base % a == 0 and line % a == 0 and surf % a == 0
                      and line >= w * a and (h == 1 or surf >= h * line),
                      f"SDP_RDMA: {stage} per-element operand address/strides")
        need = (c // n - 1) * surf + (h - 1) * line + w * a
        raw = np.frombuffer(self._read_mem("SDP_RDMA", base, need), np.uint8)
        out = np.zeros(shape, np.int64)
        for g in range(c // n):
            for y in range(h):
                row = raw[g * surf + y * line:g * surf + y * line + w * a]
                out[g * n:(g + 1) * n, y] = row.view(dtype).reshape(w, n).T
        return out

    def _sdp(self, y32, sdp, channels):
        """SDP X1, X2 and the converter from the SDP registers (and SDP_RDMA for operands from
        memory) on the cube ``y32`` of whole atoms (``channels`` real ones: the saturation
        count)."""
        def stage(prefix):
            if sdp[f"{prefix}_BYPASS"]:
                return {}
            params = {}

            def operand(kind):
                if not sdp[f"{prefix}_{kind}_SRC"]:
                    return sdp[f"{prefix}_{kind}_OPERAND"]
                return self._sdp_operands(prefix, kind, y32.shape)

            if not sdp[f"{prefix}_ALU_BYPASS"]:
                params.update(alu=operand("ALU"), alu_shift=sdp[f"{prefix}_ALU_SHIFT_VALUE"],
                              alu_algo={0: "max", 1: "min"}.get(sdp[f"{prefix}_ALU_ALGO"], "sum"))
            # The shift applies with the multiplier bypassed too (NVDLA's datapath).
            params["mul_shift"] = sdp[f"{prefix}_MUL_SHIFT_VALUE"]
            if not sdp[f"{prefix}_MUL_BYPASS"]:
                params.update(mul=operand("MUL"), prelu=bool(sdp[f"{prefix}_MUL_PRELU"]))
            params["relu"] = not sdp[f"{prefix}_RELU_BYPASS"]
            return params

        x1, x2 = stage("BS"), stage("BN")
        cvt = dict(cvt_offset=sdp["CVT_OFFSET"], cvt_scale=sdp["CVT_SCALE"],
                   cvt_shift=sdp["CVT_SHIFT"])
        y, _ = ref.sdp_x1(y32, bn=x2 or None, **cvt, **x1)

        # Saturations of the real channels only (the tile's counters mask the others).
        def real(params):
            return {key: (v[:channels] if isinstance(v, np.ndarray) else v)
                    for key, v in params.items()}
        _, stats = ref.sdp_x1(y32[:channels], bn=real(x2) or None, **cvt, **real(x1))
        return y, stats["out_sat"]

    def _pool(self, x, pdp):
        """PDP on the cube ``x`` of whole atoms: (output, the output write to do at the end)."""
        _, h, w = x.shape
        c = pdp["CUBE_IN_CHANNEL"] + 1
        self._require(x.shape[0] == self._padded(c)
                      and (pdp["CUBE_IN_CHANNEL"] + 1, pdp["CUBE_IN_HEIGHT"] + 1,
                       pdp["CUBE_IN_WIDTH"] + 1) == (c, h, w), "PDP: input cube size")
        kw, kh = pdp["KERNEL_WIDTH"] + 1, pdp["KERNEL_HEIGHT"] + 1
        sx, sy = pdp["KERNEL_STRIDE_WIDTH"] + 1, pdp["KERNEL_STRIDE_HEIGHT"] + 1
        pads = (pdp["PAD_TOP"], pdp["PAD_BOTTOM"], pdp["PAD_LEFT"], pdp["PAD_RIGHT"])
        pv = pdp["PAD_VALUE_1X"]
        for n in range(2, 8):
            self._require(pdp[f"PAD_VALUE_{n}X"] == n * pv, "PDP: PAD_VALUE_nX must be n x PAD_VALUE_1X")
        self._require(pdp["RECIP_KERNEL_WIDTH"] == ref.pool_recip(kw)
                      and pdp["RECIP_KERNEL_HEIGHT"] == ref.pool_recip(kh),
                      "PDP: RECIP_KERNEL_WIDTH/HEIGHT are not the kernel's reciprocals")
        method = {0: "avg", 1: "max", 2: "min"}.get(pdp["POOLING_METHOD"])
        self._require(method is not None, f"PDP: POOLING_METHOD {pdp['POOLING_METHOD']}")
        try:
            y, _ = ref.pool2d(x, method, kernel=(kh, kw), stride=(sy, sx), padding=pads,
                              pad_value=pv)
        except ValueError as error:
            raise TileProgramError(f"PDP: {error}") from None
        self._require((pdp["CUBE_OUT_CHANNEL"] + 1, pdp["CUBE_OUT_HEIGHT"] + 1,
                       pdp["CUBE_OUT_WIDTH"] + 1) == (c,) + y.shape[1:], "PDP: output cube size")
        self._require(y.shape[2] <= PDP_MAX_WIDTH, f"PDP: output wider than {PDP_MAX_WIDTH}")
        write = self._store("PDP", pdp["DST_BASE_ADDR_LOW"], y, pdp["DST_LINE_STRIDE"],
                            pdp["DST_SURFACE_STRIDE"])
        return y, write

    def _conv(self):
        cfg, a = self.config, self.config.atom_c
        for unit in CONV_UNITS + ("SDP",):
            self._require(self._enabled(unit), f"CDMA enabled before {unit}: NVDLA's order is "
                                               f"SDP -> CACC -> CMAC -> CSC -> CDMA")
        cdma, csc, cacc = self.fields("CDMA"), self.fields("CSC"), self.fields("CACC")
        sdp = self.fields("SDP")
        for unit in ("CMAC_A", "CMAC_B"):
            f = self.fields(unit)
            self._require((f["CONV_MODE"], f["PROC_PRECISION"]) == (0, 0),
                          f"{unit}: direct int8 convolution only")
        c, h, w = cdma["DATAIN_CHANNEL"] + 1, cdma["DATAIN_HEIGHT"] + 1, cdma["DATAIN_WIDTH"] + 1
        self._require((csc["DATAIN_CHANNEL_EXT"] + 1, csc["DATAIN_HEIGHT_EXT"] + 1,
                       csc["DATAIN_WIDTH_EXT"] + 1) == (c, h, w), "CSC and CDMA input sizes differ")
        k = csc["WEIGHT_KERNEL"] + 1
        r, s = csc["WEIGHT_HEIGHT_EXT"] + 1, csc["WEIGHT_WIDTH_EXT"] + 1
        self._require(csc["WEIGHT_CHANNEL_EXT"] + 1 == c and cdma["WEIGHT_KERNEL"] + 1 == k,
                      "CSC/CDMA kernel channels or kernel counts differ")
        sy, sx = csc["CONV_Y_STRIDE_EXT"] + 1, csc["CONV_X_STRIDE_EXT"] + 1
        self._require((cdma["CONV_Y_STRIDE"] + 1, cdma["CONV_X_STRIDE"] + 1) == (sy, sx),
                      "CSC and CDMA strides differ")
        dy, dx = csc["Y_DILATION_EXT"] + 1, csc["X_DILATION_EXT"] + 1
        pads = (cdma["PAD_TOP"], cdma["PAD_BOTTOM"], cdma["PAD_LEFT"], cdma["PAD_RIGHT"])
        self._require((csc["PAD_TOP"], csc["PAD_LEFT"]) == (pads[0], pads[2])
                      and csc["PAD_VALUE"] == cdma["PAD_VALUE"], "CSC and CDMA padding differ")
        try:
            shape = ConvShape(c, h, w, k, r, s, stride=(sy, sx), padding=pads, dilation=(dy, dx))
            ho, wo = shape.out_height, shape.out_width
        except ValueError as error:
            raise TileProgramError(f"conv: {error}") from None
        self._require((csc["DATAOUT_WIDTH"] + 1, csc["DATAOUT_HEIGHT"] + 1,
                       csc["DATAOUT_CHANNEL"] + 1) == (wo, ho, k), "CSC output size")
        self._require(csc["ATOMICS"] + 1 == wo * ho, "CSC: ATOMICS is not W_out * H_out - 1")
        self._require((cacc["DATAOUT_WIDTH"] + 1, cacc["DATAOUT_HEIGHT"] + 1,
                       cacc["DATAOUT_CHANNEL"] + 1) == (wo, ho, k), "CACC output size")
        self._require((sdp["WIDTH"] + 1, sdp["HEIGHT"] + 1, sdp["CHANNEL"] + 1) == (wo, ho, k),
                      "SDP cube size")
        self._require(sdp["FLYING_MODE"] == _SDP_ON_THE_FLY,
                      f"SDP: conv feeds SDP on the fly (FLYING_MODE {_SDP_ON_THE_FLY})")
        wbytes = lay.weight_bytes(k, c, r, s, atom_c=a)
        self._require(cdma["WEIGHT_BYTES"] == csc["WEIGHT_BYTES"] == wbytes, "WEIGHT_BYTES")
        self._require(cdma["BYTE_PER_KERNEL"] + 1 == r * s * c, "BYTE_PER_KERNEL is not R*S*C - 1")
        self._require(cdma["WEIGHT_ADDR_LOW"] % 256 == 0, "CDMA: weights not 256 B aligned")
        banks = (cdma["DATA_BANK"] + 1, cdma["WEIGHT_BANK"] + 1)
        self._require((csc["DATA_BANK"], csc["WEIGHT_BANK"]) == (cdma["DATA_BANK"], cdma["WEIGHT_BANK"]),
                      "CSC and CDMA bank splits differ")
        try:
            conv_fits(shape, cfg, data_banks=banks[0], weight_banks=banks[1])
        except ValueError as error:
            raise TileProgramError(f"conv: {error}") from None
        x = self._feature("CDMA", cdma["DAIN_ADDR_LOW_0"], c, h, w, cdma["LINE_STRIDE"],
                          cdma["SURF_STRIDE"])
        blob = np.frombuffer(self._read_mem("CDMA", cdma["WEIGHT_ADDR_LOW"], wbytes), np.uint8)
        wt = lay.unpack_weights(blob, k, c, r, s, atom_c=a, atom_k=cfg.atom_k)
        # Kernels past K in the last atom give 0 (CACC's empty lanes), then SDP computes on them.
        wp = np.zeros((self._padded(k),) + wt.shape[1:], dtype=wt.dtype)
        wp[:k] = wt
        acc = ref.conv2d(x, wp, stride=(sy, sx), padding=pads, pad_value=cdma["PAD_VALUE"],
                         dilation=(dy, dx))
        y32, csat = ref.cacc_truncate(acc, cacc["CLIP_TRUNCATE"])
        y, osat = self._sdp(y32, sdp, k)
        units = list(CONV_UNITS) + ["SDP"]
        # SDP_RDMA takes part (and completes) when X1 or X2 reads operands from memory.
        reads = any(not sdp[f"{p}_BYPASS"] and not sdp[f"{p}_{k}_BYPASS"] and sdp[f"{p}_{k}_SRC"]
                    for p in ("BS", "BN") for k in ("ALU", "MUL"))
        if self._enabled("SDP_RDMA") and reads:
            units.append("SDP_RDMA")
        if sdp["OUTPUT_DST"] == 1:
            self._require(self._enabled("PDP") and self.fields("PDP")["FLYING_MODE"] == 0,
                          "SDP output to PDP without PDP enabled on the fly")
            pdp_in = y
            y, write = self._pool(y, self.fields("PDP"))
            units.append("PDP")
        else:
            pdp_in = None
            write = self._store("SDP", sdp["DST_BASE_ADDR_LOW"], y, sdp["DST_LINE_STRIDE"],
                                sdp["DST_SURFACE_STRIDE"])
        macs = -(-c // a) * r * s * ho * wo * -(-k // cfg.atom_k)
        cycles = -(-c // a) * h * w + wbytes // a + macs + 20
        self.layers_run.append(("conv", shape))

        def finish():
            write()
            self.counters["CDMA"]["LAYER_CYCLES"] = cycles
            self.counters["CMAC_A"]["MAC_CYCLES"] = macs
            self.counters["CACC"]["SAT_COUNT"] = csat
            self.counters["SDP"]["OUT_SATURATION"] = osat
            if pdp_in is not None:
                self.counters["PDP"]["LAYER_CYCLES"] = pdp_in[:k].size
            self._finish(units)
        return cycles, finish

    def _pdp_mem(self):
        pdp, rd = self.fields("PDP"), self.fields("PDP_RDMA")
        size = (pdp["CUBE_IN_CHANNEL"] + 1, pdp["CUBE_IN_HEIGHT"] + 1, pdp["CUBE_IN_WIDTH"] + 1)
        self._require((rd["CUBE_IN_CHANNEL"] + 1, rd["CUBE_IN_HEIGHT"] + 1,
                       rd["CUBE_IN_WIDTH"] + 1) == size, "PDP_RDMA and PDP input sizes differ")
        # PDP_RDMA reads the cube and the RTL ignores PDP's own SRC_BASE_ADDR; a strict model still
        # wants the two to agree (NVDLA's programming sequence writes both).
        self._require(not self.strict or rd["SRC_BASE_ADDR_LOW"] == pdp["SRC_BASE_ADDR_LOW"],
                      "PDP_RDMA and PDP source addresses differ")
        self._require(rd["KERNEL_WIDTH"] == pdp["KERNEL_WIDTH"], "PDP_RDMA and PDP kernel widths differ")
        # Whole atoms: the bytes of the channels past C go through PDP too.
        x = self._feature("PDP_RDMA", rd["SRC_BASE_ADDR_LOW"], self._padded(size[0]), *size[1:],
                          rd["SRC_LINE_STRIDE"], rd["SRC_SURFACE_STRIDE"])
        _, write = self._pool(x, pdp)
        self.layers_run.append(("pdp", size))

        def finish():
            write()
            self.counters["PDP"]["LAYER_CYCLES"] = elements
            self._finish(["PDP", "PDP_RDMA"])
        elements = int(np.prod(size))
        return elements, finish

    def _sdp_mem(self):
        sdp, rd = self.fields("SDP"), self.fields("SDP_RDMA")
        size = (sdp["CHANNEL"] + 1, sdp["HEIGHT"] + 1, sdp["WIDTH"] + 1)
        self._require((rd["CHANNEL"] + 1, rd["HEIGHT"] + 1, rd["WIDTH"] + 1) == size,
                      "SDP_RDMA and SDP cube sizes differ")
        x = self._feature("SDP_RDMA", rd["SRC_BASE_ADDR_LOW"], self._padded(size[0]), *size[1:],
                          rd["SRC_LINE_STRIDE"], rd["SRC_SURFACE_STRIDE"])
        y, osat = self._sdp(x.astype(np.int64), sdp, size[0])
        write = self._store("SDP", sdp["DST_BASE_ADDR_LOW"], y, sdp["DST_LINE_STRIDE"],
                            sdp["DST_SURFACE_STRIDE"])
        self.layers_run.append(("sdp", size))

        def finish():
            write()
            self.counters["SDP"]["OUT_SATURATION"] = osat
            self._finish(["SDP", "SDP_RDMA"])
        return int(np.prod(size)), finish


    def cdp_params(self):
        """CDP's arithmetic (:class:`~simtlab.sim.cdp_ref.CdpParams`) from its consumer group and
        its ``S_LUT_*`` registers and tables."""
        f, lut = self.fields("CDP"), self.shared_fields("CDP")

        def table(name, entries):
            def edge(which):
                return cdp_ref.signed38(lut[f"LUT_{name}_{which}_LOW"],
                                        lut[f"LUT_{name}_{which}_HIGH"])
            return cdp_ref.LutTable(
                entries=list(entries), start=edge("START"), end=edge("END"),
                exponent=name == "LE" and lut["LUT_LE_FUNCTION"] == 0,
                index_select=lut[f"LUT_{name}_INDEX_SELECT"],
                index_offset=lut["LUT_LE_INDEX_OFFSET"] if name == "LE" else 0,
                uflow_scale=lut[f"LUT_{name}_SLOPE_UFLOW_SCALE"],
                uflow_shift=lut[f"LUT_{name}_SLOPE_UFLOW_SHIFT"],
                oflow_scale=lut[f"LUT_{name}_SLOPE_OFLOW_SCALE"],
                oflow_shift=lut[f"LUT_{name}_SLOPE_OFLOW_SHIFT"])
        return cdp_ref.CdpParams(
            le=table("LE", self.luts[0]), lo=table("LO", self.luts[1]),
            normalz_len=cdp_ref.NORMALZ_LENS[f["NORMALZ_LEN"]],
            sqsum_bypass=bool(f["SQSUM_BYPASS"]), mul_bypass=bool(f["MUL_BYPASS"]),
            datin_offset=f["DATIN_OFFSET"], datin_scale=f["DATIN_SCALE"],
            datin_shifter=f["DATIN_SHIFTER"], datout_offset=f["DATOUT_OFFSET"],
            datout_scale=f["DATOUT_SCALE"], datout_shifter=f["DATOUT_SHIFTER"],
            uflow_priority=lut["LUT_UFLOW_PRIORITY"], oflow_priority=lut["LUT_OFLOW_PRIORITY"],
            hybrid_priority=lut["LUT_HYBRID_PRIORITY"])

    def _cdp(self):
        rd, cdp = self.fields("CDP_RDMA"), self.fields("CDP")
        size = (rd["CHANNEL"] + 1, rd["HEIGHT"] + 1, rd["WIDTH"] + 1)
        # Whole atoms: the lanes past C go through CDP too (their window holds real channels).
        x = self._feature("CDP_RDMA", rd["SRC_BASE_ADDR_LOW"], self._padded(size[0]), *size[1:],
                          rd["SRC_LINE_STRIDE"], rd["SRC_SURFACE_STRIDE"])
        y, stats = cdp_ref.cdp(x, self.cdp_params(), size[0])
        write = self._store("CDP", cdp["DST_BASE_ADDR_LOW"], y, cdp["DST_LINE_STRIDE"],
                            cdp["DST_SURFACE_STRIDE"])
        self.layers_run.append(("cdp", size))

        def finish():
            write()
            self.counters["CDP"].update(
                OUT_SATURATION=stats["out_sat"], LUT_UFLOW=stats["uflow"],
                LUT_OFLOW=stats["oflow"], LUT_HYBRID=stats["hybrid"],
                LUT_LE_HIT=stats["le_hit"], LUT_LO_HIT=stats["lo_hit"])
            self._finish(["CDP", "CDP_RDMA"])
        return int(np.prod(size)), finish


class _FlatMemory:
    """A numpy byte array at ``base``; ValueError outside it."""

    def __init__(self, base, nbytes):
        self.base = base
        self.mem = np.zeros(nbytes, dtype=np.uint8)

    def _range(self, addr, nbytes):
        off = addr - self.base
        if off < 0 or off + nbytes > self.mem.size:
            raise ValueError(f"access of {nbytes} bytes at {addr:#010x} is outside the tile bench's "
                             f"memory [{self.base:#x}, {self.base + self.mem.size:#x})")
        return off

    def read(self, addr, nbytes):
        off = self._range(addr, nbytes)
        return self.mem[off:off + nbytes].tobytes()

    def write(self, addr, data):
        data = np.frombuffer(bytes(data), dtype=np.uint8)
        off = self._range(addr, data.size)
        self.mem[off:off + data.size] = data


class TileBench(TileModel):
    """The tile model with a flat memory at ``MemoryMap.HEAP_BASE`` and a bump allocator: the device
    interface of :class:`simtlab.drivers.tile.TileDriver` (``alloc``, ``write``, ``read``,
    ``tile_write``, ``tile_read``, ``tile_run``) without a SIMT core. ``strict`` by default.
    ``log`` records every register access and wait: ``(kind, "UNIT.REG", value)``."""

    def __init__(self, config=None, mem_bytes=1 << 22, *, strict=True, hang=False):
        if config is None:
            config = TileConfig()
        self._flat = _FlatMemory(MemoryMap.HEAP_BASE, int(mem_bytes))
        self.base = self._flat.base
        self.mem = self._flat.mem
        self.heap = self.base
        self.log = []
        super().__init__(config, self._flat, strict=strict, hang=hang)

    def alloc(self, nbytes, dtype=np.uint8, shape=None):
        """A 64-byte aligned :class:`~simtlab.sim.backend.Buffer` of ``nbytes``."""
        addr = self.heap
        end = (addr + max(int(nbytes), 1) + 63) // 64 * 64
        if end - self.base > self.mem.size:
            raise MemoryError(f"tile bench memory exhausted: {nbytes} bytes requested")
        self.heap = end
        return Buffer(addr, int(nbytes), np.dtype(dtype), tuple(shape or (int(nbytes),)))

    def write(self, addr, data):
        """Write bytes to the bench's memory."""
        self._flat.write(addr, data)

    def read(self, addr, nbytes):
        """Bytes of the bench's memory."""
        return self._flat.read(addr, nbytes)

    def _name(self, offset):
        u, r = self.decode(offset)
        return f"{u.name}.{r.name if r is not None else hex(offset)}"

    def tile_write(self, offset, value):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 32:
            raise ValueError(f"tile register value must be a 32-bit unsigned int, not {value!r}")
        self.log.append(("write", self._name(offset), value))
        self.reg_write(offset, value)

    def tile_read(self, offset):
        value = self.reg_read(offset)
        self.log.append(("read", self._name(offset), value))
        return value

    def tile_run(self, max_cycles):
        """Run until the interrupt line is high; the cycles it took, or ``max_cycles`` if it is not
        (the driver then reports the timeout)."""
        self.log.append(("run", "", max_cycles))
        cycles = self.run(max_cycles)
        return max_cycles if cycles is None else cycles
