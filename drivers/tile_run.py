"""The tile driver's running: planned layers on a device, in NVDLA's order, with a register trace.

Place in the layer driver (:mod:`simtlab.drivers.tile`): validate
(:mod:`~simtlab.drivers.tile_validate`) -> plan (:mod:`~simtlab.drivers.tile_plan`) -> **run**.
:class:`TileSession` checks the tile (CFGROM, every unit idle) and masks its interrupts, uploads a
layer's inputs and poisons its output buffer, programs each unit's next ping-pong group
(``S_POINTER`` first, then its ``D_`` registers) and enables the units downstream first, keeps one
layer of look-ahead queued, waits for the interrupt of each layer's last unit (only that done bit
unmasked), clears its done bits, reads its counters and its result. Every register access is
recorded in the trace (format in :mod:`simtlab.drivers.tile`; :func:`read_trace` parses it).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..spec import tile_regs
from . import regs
from ..sim import tile_layout as lay

__all__ = [
    "TileSession",
    "read_trace",
]

_ADDR_LIMIT = 1 << 32

#: GLB done sources of each unit that has any.
_DONE_SOURCES = {"SDP": ["SDP"], "PDP": ["PDP"], "CDMA": ["CDMA_DAT", "CDMA_WT"], "CACC": ["CACC"]}


@dataclass
class _Submitted:
    """A planned layer on the device: its buffers' addresses and each unit's register group."""
    plan: object
    addrs: dict
    groups: dict


class TileSession:
    """Runs planned layers (:class:`~simtlab.drivers.tile_plan.Plan`) on one tile.

    ``device`` has the methods ``TileDriver`` documents; ``config`` is the tile's ``TileConfig``;
    ``trace`` a list, a path or None; ``max_cycles`` the wait limit per layer. The constructor
    reads CFGROM and every unit's ``S_STATUS``/``S_POINTER`` (``RuntimeError`` unless the tile
    matches ``config`` and is idle) and masks every interrupt.
    """

    def __init__(self, device, config, *, trace, max_cycles):
        self._dev = device
        self._cfg = config
        self._max_cycles = max_cycles
        self._trace_file = None
        self._trace_list = None
        if trace is None:
            pass
        elif isinstance(trace, list):
            self._trace_list = trace
        elif isinstance(trace, (str, Path)):
            self._trace_file = open(trace, "w")
        else:
            raise TypeError(f"trace must be a list, a path or None, not {trace!r}")
        self._layer_count = 0
        self._check_tile()

    def close(self):
        if self._trace_file is not None:
            self._trace_file.close()
            self._trace_file = None

    # -- register access --------------------------------------------------------------------------
    def _log(self, line):
        if self._trace_list is not None:
            self._trace_list.append(line)
        if self._trace_file is not None:
            self._trace_file.write(line + "\n")
            self._trace_file.flush()

    def _write(self, name, value):
        if isinstance(value, dict):
            value = regs.pack(name, **value)
        self._log(f"write {name} 0x{value:08x}")
        self._dev.tile_write(regs.offset(name), value)

    def _read(self, name):
        value = int(self._dev.tile_read(regs.offset(name))) & 0xFFFF_FFFF
        self._log(f"# read {name} 0x{value:08x}")
        return value

    def _check_tile(self):
        version = "CFGROM.CFGROM_HW_VERSION"
        hw, expected = self._read(version), regs.reset_value(version)
        if hw != expected:
            raise RuntimeError(f"no NVDLA tile at the register window: {version} reads "
                               f"0x{hw:08x}, not 0x{expected:08x}")
        atoms = {k: self._read(f"CFGROM.CFGROM_CDMA_BASE_ATOMIC_{k}") for k in ("C", "K")}
        if (atoms["C"], atoms["K"]) != (self._cfg.atom_c, self._cfg.atom_k):
            raise RuntimeError(f"the tile has AtomC x AtomK = {atoms['C']} x {atoms['K']}, the "
                               f"driver's config {self._cfg.atom_c} x {self._cfg.atom_k}")
        self._next = {}
        for u in tile_regs.UNITS:
            if not u.pingpong:
                continue
            status = regs.unpack(f"{u.name}.S_STATUS", self._read(f"{u.name}.S_STATUS"))
            if status["STATUS_0"] or status["STATUS_1"]:
                raise RuntimeError(f"the tile is busy: {u.name}.S_STATUS shows {status}")
            pointer = regs.unpack(f"{u.name}.S_POINTER", self._read(f"{u.name}.S_POINTER"))
            self._next[u.name] = pointer["CONSUMER"]
        # Every interrupt masked until a layer is waited for (see _wait).
        self._all_sources = 0
        for f in regs.register("GLB.INTR_MASK").fields:
            self._all_sources |= f.mask
        self._mask = self._all_sources
        self._write("GLB.INTR_MASK", self._mask)

    # -- running ----------------------------------------------------------------------------------
    def run(self, plans):
        """Upload every layer, then submit with one layer of look-ahead (ping-pong), wait in
        order; returns ``[(y, counters), ...]``."""
        addrs = [self._prepare(plan) for plan in plans]
        results, submitted = [], []
        if plans:
            submitted.append(self._submit(plans[0], addrs[0]))
        for n in range(len(plans)):
            if n + 1 < len(plans):
                submitted.append(self._submit(plans[n + 1], addrs[n + 1]))
            layer = submitted[n]
            cycles = self._wait(layer)
            counters = self._counters(layer.plan, cycles)
            results.append((self._result(layer), counters))
        return results

    def _alloc(self, nbytes, align):
        buf = self._dev.alloc(int(nbytes) + align)
        addr = int(buf)
        addr = -(-addr // align) * align
        if addr + nbytes > _ADDR_LIMIT:
            raise ValueError(f"buffer at 0x{addr:x} exceeds the tile's 32-bit addresses")
        return addr

    def _prepare(self, plan):
        """Upload a layer's inputs and allocate its output; returns the address dict."""
        addrs = {}
        for what, blob, align in plan.uploads:
            addr = self._alloc(blob.size, align)
            self._dev.write(addr, blob.tobytes())
            self._log(f"# upload 0x{addr:08x} {blob.size} {what}")
            addrs[what] = addr
        addrs["output"] = self._alloc(plan.out_bytes, self._cfg.atom_c)
        # Poison the output so stale memory can never pass for a result.
        self._dev.write(addrs["output"], bytes([0xA5]) * plan.out_bytes)
        self._log(f"# output 0x{addrs['output']:08x} {plan.out_bytes}")
        return addrs

    def _submit(self, plan, addrs):
        """Program the layer into the next group of each of its units and enable it."""
        self._log(f"# layer {self._layer_count} {plan.describe}")
        self._layer_count += 1
        groups = {u: self._next[u] for u in plan.units}
        by_unit = {}
        for name, value in plan.program(addrs):
            by_unit.setdefault(name.split(".")[0], []).append((name, value))
        outside = sorted(set(by_unit) - set(plan.units))
        if outside:
            raise RuntimeError(f"the plan of layer ({plan.describe}) writes registers of units "
                               f"outside the layer: {outside}")
        for unit in plan.units:
            self._write(f"{unit}.S_POINTER", dict(PRODUCER=groups[unit]))
            for name, value in by_unit.get(unit, []):
                self._write(name, value)
        for unit in plan.units:             # downstream first: NVDLA's enable order
            self._write(f"{unit}.D_OP_ENABLE", dict(OP_EN=1))
            self._next[unit] ^= 1
        return _Submitted(plan, addrs, groups)

    @staticmethod
    def _intr_bits(layer):
        """GLB status bits a layer sets: every done source of its units, in their groups; and
        the bit of its last unit."""
        bits = 0
        status = regs.register("GLB.INTR_STATUS")
        for unit, g in layer.groups.items():
            for src in _DONE_SOURCES.get(unit, []):
                bits |= status.field(f"{src}_DONE_STATUS{g}").mask
        end = layer.plan.end
        return bits, status.field(f"{end}_DONE_STATUS{layer.groups[end]}").mask

    def _wait(self, layer):
        """Unmask only this layer's end (its other done bits, like SDP's in a fused layer, and
        the bits of a layer queued behind it stay masked), wait, clear the layer's bits."""
        bits, end = self._intr_bits(layer)
        mask = self._all_sources & ~end
        if mask != self._mask:
            self._write("GLB.INTR_MASK", mask)
            self._mask = mask
        self._log("wait irq")
        cycles = int(self._dev.tile_run(self._max_cycles))
        status = self._read("GLB.INTR_STATUS")
        if not status & end:
            raise TimeoutError(f"layer ({layer.plan.describe}) not done after {cycles} cycles; "
                               f"GLB.INTR_STATUS 0x{status:08x}, {self._unit_states()}")
        self._write("GLB.INTR_STATUS", bits)
        return cycles

    def _unit_states(self):
        states = []
        for u in tile_regs.UNITS:
            if u.pingpong:
                value = int(self._dev.tile_read(regs.offset(f"{u.name}.S_STATUS")))
                states.append(f"{u.name} {value & 3}/{(value >> 16) & 3}")
        return "unit states (group 0/1): " + ", ".join(states)

    def _counters(self, plan, cycles):
        out = dict(cycles=cycles, **plan.counters)
        rd = self._read
        if "CDMA" in plan.units:
            out["layer_cycles"] = rd("CDMA.D_PERF_LAYER_CYCLES")
            out["mac_cycles"] = rd("CMAC_A.D_PERF_MAC_CYCLES")
            out["read_stall"] = rd("CDMA.D_PERF_DAT_READ_STALL") + rd("CDMA.D_PERF_WT_READ_STALL")
            out["cacc_saturations"] = rd("CACC.D_OUT_SATURATION")
        if "SDP" in plan.units:
            out["saturations"] = rd("SDP.D_PERF_OUT_SATURATION")
            out["write_stall"] = rd("SDP.D_PERF_WDMA_WRITE_STALL")
        if "PDP" in plan.units:
            out["pdp_cycles"] = rd("PDP.D_PERF_LAYER_CYCLES")
            out["write_stall"] = out.get("write_stall", 0) + rd("PDP.D_PERF_WRITE_STALL")
            if "CDMA" not in plan.units:
                out["layer_cycles"] = out["pdp_cycles"]
        if "SDP_RDMA" in plan.units and "CDMA" not in plan.units:
            out["read_stall"] = rd("SDP_RDMA.D_PERF_MRDMA_READ_STALL")
        if "PDP_RDMA" in plan.units:
            out["read_stall"] = rd("PDP_RDMA.D_PERF_READ_STALL")
        if "macs" in out:
            basis = out.get("layer_cycles") or cycles
            out["mac_utilization"] = (out["macs"] / (self._cfg.atom_c * self._cfg.atom_k * basis)
                                      if basis else 0.0)
        return out

    def _result(self, layer):
        plan = layer.plan
        c, h, w = plan.out_shape
        data = self._dev.read(layer.addrs["output"], plan.out_bytes)
        y = lay.unpack_feature(np.frombuffer(bytes(data), dtype=np.uint8), c, h, w,
                               atom_c=self._cfg.atom_c, line_stride=plan.out_strides[0],
                               surf_stride=plan.out_strides[1])
        return y[None]


def read_trace(source):
    """Steps of a trace (a path, a string or a list of lines), comments dropped except uploads
    and outputs: ``("write", "UNIT.REG", offset, value)``, ``("wait",)``,
    ``("upload", addr, nbytes, what)``, ``("output", addr, nbytes)``. ``offset`` is the byte
    offset in the tile's window (``regs.offset``). Raises ``ValueError`` on a malformed line."""
    if isinstance(source, Path) or isinstance(source, str) and "\n" not in source \
            and Path(source).exists():
        lines = Path(source).read_text().splitlines()
    elif isinstance(source, str):
        lines = source.splitlines()
    else:
        lines = list(source)
    steps = []
    for number, line in enumerate(lines, 1):
        words = line.split()
        try:
            if not words:
                continue
            if words[0] == "write" and len(words) == 3:
                steps.append(("write", words[1], regs.offset(words[1]), int(words[2], 16)))
            elif words == ["wait", "irq"]:
                steps.append(("wait",))
            elif words[:2] == ["#", "upload"]:
                steps.append(("upload", int(words[2], 16), int(words[3]), " ".join(words[4:])))
            elif words[:2] == ["#", "output"]:
                steps.append(("output", int(words[2], 16), int(words[3])))
            elif words[0] != "#":
                raise ValueError("not a trace step")
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"trace line {number}: {line!r}: {error}") from None
    return steps
