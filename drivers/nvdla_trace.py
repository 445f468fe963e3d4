"""NVDLA's trace tests on the tile: parse NVDLA's trace format (``.cfg`` + ``.dat``) and replay it.

NVDLA's nv_small trace tests (nvdla/hw ``verif/tests/trace_tests/nv_small``) are one ``.cfg`` file of
statements, one per line, ``name(arg, ...);`` with ``//`` comments, plus ``.dat`` memory images.
:func:`parse_trace` reads them into :class:`Step` s; :func:`replay` runs them on a
:class:`~simtlab.Device` with a tile (``Device("tile")``, RTL, or ``backend="emu"``, the golden model)
and returns a :class:`Replay`: pass/fail per check and the cycles of each awaited interrupt.

Statements (NVDLA's names and argument order):

* ``reg_write(NVDLA_UNIT.REG_0, value);`` -- ``NVDLA_CDMA.D_DAIN_ADDR_LOW_0_0`` is the table's
  ``CDMA.D_DAIN_ADDR_LOW_0`` (:mod:`simtlab.spec.tile_regs`; NVDLA's names end in one more ``_0``).
  GLB's ``S_NVDLA_HW_VERSION`` and ``S_INTR_*`` are the table's ``HW_VERSION`` and ``INTR_*``.
  Registers the tile does not implement (the SDP LUT path, ...) are skipped and listed in
  :attr:`Replay.skipped` (``strict=True``: an error instead).
* ``reg_read_expected(NVDLA_UNIT.REG_0, value);`` -- a check; ``reg_read(NVDLA_UNIT.REG_0, var);``
  reads and ignores.
* ``poll_reg_equal(NVDLA_UNIT.REG_0, value);`` -- lets the tile run until the register reads value.
* ``intr_notify(UNIT_G, sync_id);`` -- waits for the done interrupt of ``UNIT`` (SDP, CDP, PDP,
  CDMA_DAT, CDMA_WT, CACC) in group ``G`` (``GLB.INTR_STATUS`` bit ``UNIT_DONE_STATUSG``), clears
  it, and signals ``sync_id``; the cycles it took are the layer's.
* ``mem_init(ram, addr, size, ALL_ZERO | ALL_ONE);``, ``mem_load(ram, addr, "file.dat");``.
* ``check_crc(sync_id, ram, addr, size, crc);`` -- CRC-32 (zlib's) of ``size`` bytes at ``addr``;
  ``check_file(sync_id, ram, addr, [size,] "file.dat");`` -- the bytes equal the file's records;
  ``check_nothing(sync_id);``. A check needs its ``sync_id`` signalled by an earlier
  ``intr_notify``.
* ``sync_notify``/``sync_wait`` (between NVDLA's testbench threads) are accepted and do nothing: the
  replay is one thread, in file order.

``ram`` is ``pri_mem``, ``sec_mem`` or a number; nv_small has one memory, so all name the device's.
A ``.dat`` file is ``{`` then one record per line, ``{offset:0x40, size:4, payload:0x01 0x02 0x03
0x04},`` (offset relative to the load address), then ``}``.

Addresses: NVDLA's traces use their own (``0x8000_0000`` ...). Every memory range a trace names
(``mem_init``, ``mem_load``, ``check_*``) gets device memory (ranges closer than 4 KiB merged, the
offset inside 4 KiB kept so alignments hold), and ``reg_write`` values of address registers
(``*ADDR*`` but not ``*ADDR_HIGH*``) inside a range are moved with it; others are written as they
are. Malformed input raises :class:`TraceError` naming the file, the line and what was expected.
"""

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WatchdogTimeout
from . import regs

__all__ = [
    "TraceError",
    "Step",
    "Trace",
    "Check",
    "Replay",
    "parse_trace",
    "parse_dat",
    "format_dat",
    "resolve_register",
    "nvdla_name",
    "replay",
]

#: Each ``intr_notify`` unit's GLB status field prefix (NVDLA's interrupt names).
INTR_SOURCES = ("SDP", "CDP", "PDP", "CDMA_DAT", "CDMA_WT", "CACC")

#: NVDLA's names of the GLB registers, which the table names without the ``S_`` prefix.
_NVDLA_NAMES = {"GLB.S_NVDLA_HW_VERSION": "GLB.HW_VERSION", "GLB.S_INTR_MASK": "GLB.INTR_MASK",
                "GLB.S_INTR_SET": "GLB.INTR_SET", "GLB.S_INTR_STATUS": "GLB.INTR_STATUS"}
_TABLE_NAMES = {table: nvdla for nvdla, table in _NVDLA_NAMES.items()}
_PATTERNS = {"ALL_ZERO": 0x00, "ALL_ONE": 0xFF}
_MERGE_GAP = 0x1000
_POLL_STEP = 256
_STATEMENT = re.compile(r"([a-z_]+)\s*\((.*)\)\s*;?\Z")
_RECORD = re.compile(r"\{\s*offset\s*:\s*(\S+?)\s*,\s*size\s*:\s*(\S+?)\s*,\s*payload\s*:"
                     r"([^}]*)\}\s*,?\Z")


class TraceError(ValueError):
    """A malformed trace or ``.dat`` file, or a trace the tile cannot replay as written."""


@dataclass(frozen=True)
class Step:
    """One statement: ``op`` (NVDLA's name), ``args`` (parsed: ints, strings, register names as
    ``"UNIT.REG"``), ``line`` (1-based) and ``text`` (the source line)."""
    op: str
    args: tuple
    line: int
    text: str


@dataclass
class Trace:
    """A parsed ``.cfg``: its ``path``, ``steps`` and the ``.dat`` files it loads, ``{name: [(offset,
    bytes), ...]}``; ``skipped`` lists ``(line, NVDLA name)`` of registers absent from the tile."""
    path: Path
    steps: list
    files: dict
    skipped: list = field(default_factory=list)


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``op`` (``check_crc``, ``check_file``, ``reg_read_expected``),
    ``line``, ``sync_id``, ``passed``, ``expected`` and ``got`` (CRCs, byte
    counts or register values) and a ``detail`` line."""
    op: str
    line: int
    sync_id: str
    passed: bool
    expected: int
    got: int
    detail: str


@dataclass
class Replay:
    """A replay's outcome: ``checks``, ``interrupts`` ``[(sync_id, UNIT_G, cycles)]`` in order,
    ``cycles`` (their sum plus polling), ``skipped`` registers (``(line, name)``) and ``mapping``
    ``[(nvdla_base, size, device_base)]``."""
    path: Path
    checks: list
    interrupts: list
    cycles: int
    skipped: list
    mapping: list

    @property
    def passed(self):
        """True when there is at least one check and every check passed."""
        return bool(self.checks) and all(c.passed for c in self.checks)

    def report(self):
        """The outcome as text: a line per interrupt and per check, then PASS or FAIL."""
        out = [f"trace {self.path}"]
        for nvdla, size, dev in self.mapping:
            out.append(f"  memory 0x{nvdla:08x} +0x{size:x} at device 0x{dev:08x}")
        if self.skipped:
            names = sorted({name for _, name in self.skipped})
            out.append(f"  skipped {len(self.skipped)} writes to registers the tile does not "
                       f"implement: {', '.join(names)}")
        for sync_id, source, cycles in self.interrupts:
            out.append(f"  intr {source} ({sync_id}): {cycles} cycles")
        for c in self.checks:
            out.append(f"  {'PASS' if c.passed else 'FAIL'} line {c.line} {c.op} ({c.sync_id}): "
                       f"{c.detail}")
        out.append(f"{'PASS' if self.passed else 'FAIL'}: "
                   f"{sum(c.passed for c in self.checks)}/{len(self.checks)} checks, "
                   f"{self.cycles} cycles")
        return "\n".join(out)


# -- parsing --------------------------------------------------------------------------------------

def _split_args(text, where):
    args, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            args.append(current.strip())
            current = ""
        else:
            current += ch
    if quoted:
        raise TraceError(f"{where}: unterminated string")
    if current.strip() or args:
        args.append(current.strip())
    return args


def _int(text, where, what):
    try:
        return int(text.rstrip("uUlL"), 0)
    except ValueError:
        raise TraceError(f"{where}: expected {what} (a number), got {text!r}") from None


def _string(text, where, what):
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise TraceError(f'{where}: expected {what} in double quotes, got {text!r}')
    return text[1:-1]


def _ram(text, where):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|\d+", text) is None:
        raise TraceError(f"{where}: expected a memory (pri_mem, sec_mem or a number), got {text!r}")
    return text


def _sync(text, where):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) is None:
        raise TraceError(f"{where}: expected a sync id (an identifier), got {text!r}")
    return text


def resolve_register(nvdla_name):
    """NVDLA's ``NVDLA_UNIT.REG_0`` -> the table's ``"UNIT.REG"``, or None if the tile lacks it.
    Raises ``KeyError`` if the name does not have NVDLA's form."""
    m = re.fullmatch(r"NVDLA_([A-Z0-9_]+)\.([A-Z0-9_]+)_0", nvdla_name)
    if m is None:
        raise KeyError(f"expected a register name NVDLA_UNIT.REG_0 (e.g. "
                       f"NVDLA_CDMA.D_DATAIN_SIZE_0_0), got {nvdla_name!r}")
    name = f"{m.group(1)}.{m.group(2)}"
    name = _NVDLA_NAMES.get(name, name)
    try:
        regs.register(name)
    except KeyError:
        return None
    return name


def nvdla_name(name):
    """The table's ``"UNIT.REG"`` -> NVDLA's trace name ``NVDLA_UNIT.REG_0``."""
    regs.register(name)
    return f"NVDLA_{_TABLE_NAMES.get(name, name)}_0"


def parse_dat(source, name="<dat>"):
    """A ``.dat`` memory image (a path or its text) -> ``[(offset, bytes), ...]``. Raises
    :class:`TraceError` naming the line on a malformed record or a size that differs from the
    payload."""
    text = Path(source).read_text() if isinstance(source, Path) else source
    records = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//")[0].strip()
        if line in ("", "{", "}", "},", "};"):
            continue
        where = f"{name} line {number}"
        m = _RECORD.match(line)
        if m is None:
            raise TraceError(f"{where}: expected a record {{offset:0x.., size:N, payload:0x.. ...}}"
                             f", got {raw.strip()!r}")
        offset = _int(m.group(1), where, "the offset")
        size = _int(m.group(2), where, "the size")
        payload = [_int(b, where, "a payload byte") for b in m.group(3).split()]
        if len(payload) != size:
            raise TraceError(f"{where}: size is {size} but the payload has {len(payload)} bytes")
        if any(not 0 <= b <= 0xFF for b in payload) or offset < 0:
            raise TraceError(f"{where}: payload bytes must be 0x00-0xff and the offset >= 0")
        records.append((offset, bytes(payload)))
    return records


def format_dat(data, record=32, *, zeros=False):
    """Bytes -> ``.dat`` text (NVDLA's format), ``record`` bytes a line. All-zero records are left
    out unless ``zeros`` (an input after ``mem_init(..., ALL_ZERO)`` needs none; a ``check_file``
    golden image needs every byte)."""
    data = bytes(data)
    lines = ["{"]
    for start in range(0, len(data), record):
        chunk = data[start:start + record]
        if zeros or any(chunk):
            payload = " ".join(f"0x{b:02x}" for b in chunk)
            lines.append(f"{{offset:0x{start:x}, size:{len(chunk)}, payload:{payload}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _parse_step(op, args, where, step_text, number, base, files, skipped, strict):
    def need(n, form):
        if len(args) not in (n if isinstance(n, tuple) else (n,)):
            raise TraceError(f"{where}: {op} takes {form}, got {len(args)} arguments")

    def register(text):
        try:
            name = resolve_register(text)
        except KeyError as error:
            raise TraceError(f"{where}: {error.args[0]}") from None
        if name is None:
            if strict:
                raise TraceError(f"{where}: register {text} is not in the tile's register table "
                                 f"(simtlab/spec/tile_regs.py)")
            skipped.append((number, text))
        return name

    if op == "reg_write":
        need(2, "(NVDLA_UNIT.REG_0, value)")
        parsed = (register(args[0]), _int(args[1], where, "the value"), args[0])
    elif op in ("reg_read_expected", "poll_reg_equal"):
        need(2, "(NVDLA_UNIT.REG_0, value)")
        name = register(args[0])
        if name is None:
            raise TraceError(f"{where}: {op} of {args[0]}, a register the tile does not have")
        parsed = (name, _int(args[1], where, "the value"), args[0])
    elif op == "reg_read":
        need(2, "(NVDLA_UNIT.REG_0, variable)")
        parsed = (register(args[0]), args[0])
    elif op == "intr_notify":
        need(2, "(UNIT_G, sync_id)")
        m = re.fullmatch(r"([A-Z_]+)_([01])", args[0])
        if m is None or m.group(1) not in INTR_SOURCES:
            raise TraceError(f"{where}: expected an interrupt UNIT_G with UNIT one of "
                             f"{', '.join(INTR_SOURCES)} and G 0 or 1, got {args[0]!r}")
        parsed = (m.group(1), int(m.group(2)), _sync(args[1], where))
    elif op == "mem_init":
        need(4, "(ram, addr, size, pattern)")
        if args[3] not in _PATTERNS:
            raise TraceError(f"{where}: expected a pattern {' or '.join(_PATTERNS)}, got {args[3]!r}")
        parsed = (_ram(args[0], where), _int(args[1], where, "the address"),
                  _int(args[2], where, "the size"), args[3])
    elif op == "mem_load":
        need(3, '(ram, addr, "file.dat")')
        fname = _string(args[2], where, "the file name")
        if fname not in files:
            path = base / fname
            if not path.is_file():
                raise TraceError(f"{where}: mem_load file {fname!r} not found next to the trace "
                                 f"({path})")
            files[fname] = parse_dat(path, fname)
        parsed = (_ram(args[0], where), _int(args[1], where, "the address"), fname)
    elif op == "check_crc":
        need(5, "(sync_id, ram, addr, size, crc)")
        parsed = (_sync(args[0], where), _ram(args[1], where), _int(args[2], where, "the address"),
                  _int(args[3], where, "the size"), _int(args[4], where, "the CRC"))
    elif op == "check_file":
        need((4, 5), '(sync_id, ram, addr, [size,] "file.dat")')
        fname = _string(args[-1], where, "the file name")
        if fname not in files:
            path = base / fname
            if not path.is_file():
                raise TraceError(f"{where}: check_file file {fname!r} not found ({path})")
            files[fname] = parse_dat(path, fname)
        size = _int(args[3], where, "the size") if len(args) == 5 else None
        parsed = (_sync(args[0], where), _ram(args[1], where), _int(args[2], where, "the address"),
                  size, fname)
    elif op == "check_nothing":
        need(1, "(sync_id)")
        parsed = (_sync(args[0], where),)
    elif op in ("sync_notify", "sync_wait"):
        parsed = tuple(args)
    else:
        raise TraceError(f"{where}: unknown statement {op!r}; expected one of reg_write, "
                         f"reg_read, reg_read_expected, poll_reg_equal, intr_notify, mem_init, "
                         f"mem_load, check_crc, check_file, check_nothing, sync_notify, sync_wait")
    return Step(op, parsed, number, step_text)


def parse_trace(path, *, strict=False):
    """Parse an NVDLA trace ``.cfg`` (and the ``.dat`` files it names, next to it) -> :class:`Trace`.
    ``strict``: a register the tile does not implement is an error instead of a skipped write."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"no trace file {path}")
    steps, files, skipped = [], {}, []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        text = raw.split("//")[0].strip()
        if not text:
            continue
        where = f"{path.name} line {number}"
        m = _STATEMENT.match(text)
        if m is None:
            raise TraceError(f"{where}: expected a statement name(arg, ...); got {raw.strip()!r}")
        args = _split_args(m.group(2), where)
        steps.append(_parse_step(m.group(1), args, where, raw.strip(), number, path.parent, files,
                                 skipped, strict))
    if not steps:
        raise TraceError(f"{path.name}: no statements")
    return Trace(path, steps, files, skipped)


# -- replay ---------------------------------------------------------------------------------------

def _ranges(trace):
    """Memory ranges ``[(start, end)]`` the trace names, merged."""
    spans = []
    for s in trace.steps:
        if s.op == "mem_init":
            spans.append((s.args[1], s.args[1] + s.args[2]))
        elif s.op == "mem_load":
            records = trace.files[s.args[2]]
            end = max((off + len(b) for off, b in records), default=0)
            spans.append((s.args[1], s.args[1] + max(end, 1)))
        elif s.op == "check_crc":
            spans.append((s.args[2], s.args[2] + s.args[3]))
        elif s.op == "check_file":
            records = trace.files[s.args[4]]
            end = s.args[3] or max((off + len(b) for off, b in records), default=1)
            spans.append((s.args[2], s.args[2] + end))
    merged = []
    for start, end in sorted(spans):
        if start < 0 or end > 1 << 32:
            raise TraceError(f"{trace.path.name}: memory range 0x{start:x}-0x{end:x} is outside "
                             f"NVDLA's 32-bit addresses")
        if merged and start <= merged[-1][1] + _MERGE_GAP:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


class _Memory:
    """NVDLA addresses -> device addresses, one device buffer per merged range."""

    def __init__(self, device, ranges):
        self.map = []
        for start, end in ranges:
            base = start - start % _MERGE_GAP       # keep the offset inside 4 KiB (alignments)
            size = end - base
            addr = int(device.alloc(size + _MERGE_GAP))
            addr += (base - addr) % _MERGE_GAP
            self.map.append((base, size, addr))

    def find(self, addr, nbytes=1):
        for base, size, dev in self.map:
            if base <= addr and addr + nbytes <= base + size:
                return dev + addr - base
        return None

    def to_device(self, addr, nbytes, where):
        dev = self.find(addr, nbytes)
        if dev is None:
            raise TraceError(f"{where}: 0x{addr:08x} +{nbytes} is outside the trace's memory")
        return dev


def _is_address(name):
    reg = name.split(".")[1]
    return "ADDR" in reg and "ADDR_HIGH" not in reg


def replay(trace, device, *, max_cycles=None, strict=False):
    """Run a trace (a :class:`Trace` or a ``.cfg`` path) on ``device`` (a :class:`~simtlab.Device`
    with a tile: ``Device("tile")`` or ``Device("tile", backend="emu")``) -> :class:`Replay`.

    ``max_cycles`` bounds each interrupt wait and each poll (default: the device's). A wait that
    times out raises :class:`~simtlab.errors.WatchdogTimeout` naming the line; a DMA fault raises
    :class:`~simtlab.errors.TileFault`."""
    if not isinstance(trace, Trace):
        trace = parse_trace(trace, strict=strict)
    limit = device.max_cycles if max_cycles is None else int(max_cycles)
    mem = _Memory(device, _ranges(trace))
    status = regs.register("GLB.INTR_STATUS")
    all_sources = sum(f.mask for f in status.fields)
    trace_mask = regs.reset_value("GLB.INTR_MASK")
    checks, interrupts, signalled = [], [], set()
    total = 0
    for s in trace.steps:
        where = f"{trace.path.name} line {s.line}"
        a = s.args
        if s.op == "reg_write":
            name, value, _ = a
            if name is None:
                continue
            value &= 0xFFFF_FFFF
            if _is_address(name) and mem.find(value) is not None:
                value = mem.find(value)
            if name == "GLB.INTR_MASK":
                trace_mask = value
            device.tile_write(regs.offset(name), value)
        elif s.op == "reg_read":
            if a[0] is not None:
                device.tile_read(regs.offset(a[0]))
        elif s.op == "reg_read_expected":
            got = int(device.tile_read(regs.offset(a[0]))) & 0xFFFF_FFFF
            checks.append(Check(s.op, s.line, "-", got == a[1], a[1], got,
                                f"{a[2]} reads 0x{got:08x}, expected 0x{a[1]:08x}"))
        elif s.op == "poll_reg_equal":
            waited = 0
            # Every interrupt masked while polling, so each step runs its full cycles.
            device.tile_write(regs.offset("GLB.INTR_MASK"), all_sources)
            while True:
                got = int(device.tile_read(regs.offset(a[0]))) & 0xFFFF_FFFF
                if got == a[1] or waited >= limit:
                    break
                try:
                    device.tile_run(_POLL_STEP)
                except WatchdogTimeout:
                    pass
                waited += _POLL_STEP
            device.tile_write(regs.offset("GLB.INTR_MASK"), trace_mask)
            total += waited
            if got != a[1]:
                raise WatchdogTimeout(f"{where}: {a[2]} still reads 0x{got:08x}, not "
                                      f"0x{a[1]:08x}, after {waited} cycles")
        elif s.op == "intr_notify":
            unit, group, sync_id = a
            bit = status.field(f"{unit}_DONE_STATUS{group}").mask
            # Only the awaited bit may raise the line while waiting; the trace's mask after.
            device.tile_write(regs.offset("GLB.INTR_MASK"), all_sources & ~bit)
            try:
                cycles = int(device.tile_run(limit))
            except WatchdogTimeout:
                raise WatchdogTimeout(f"{where}: no {unit}_{group} interrupt within {limit} "
                                      f"cycles") from None
            device.tile_write(regs.offset("GLB.INTR_STATUS"), bit)
            device.tile_write(regs.offset("GLB.INTR_MASK"), trace_mask)
            total += cycles
            interrupts.append((sync_id, f"{unit}_{group}", cycles))
            signalled.add(sync_id)
        elif s.op == "mem_init":
            _, addr, size, pattern = a
            device.write(mem.to_device(addr, size, where), bytes([_PATTERNS[pattern]]) * size)
        elif s.op == "mem_load":
            _, addr, fname = a
            for offset, data in trace.files[fname]:
                device.write(mem.to_device(addr + offset, len(data), where), data)
        elif s.op in ("check_crc", "check_file", "check_nothing"):
            sync_id = a[0]
            if sync_id not in signalled:
                raise TraceError(f"{where}: {s.op} waits for {sync_id}, which no intr_notify "
                                 f"before it signals")
            if s.op == "check_crc":
                _, _, addr, size, want = a
                got = zlib.crc32(bytes(device.read(mem.to_device(addr, size, where), size)))
                checks.append(Check(s.op, s.line, sync_id, got == want, want, got,
                                    f"CRC-32 of 0x{addr:08x} +0x{size:x} is 0x{got:08x}, "
                                    f"expected 0x{want:08x}"))
            elif s.op == "check_file":
                _, _, addr, size, fname = a
                bad, nbytes = 0, 0
                for offset, data in trace.files[fname]:
                    if size is not None and offset + len(data) > size:
                        raise TraceError(f"{where}: {fname} has a record beyond size 0x{size:x}")
                    got = bytes(device.read(mem.to_device(addr + offset, len(data), where),
                                            len(data)))
                    bad += sum(x != y for x, y in zip(got, data))
                    nbytes += len(data)
                checks.append(Check(s.op, s.line, sync_id, bad == 0, nbytes, nbytes - bad,
                                    f"{nbytes - bad}/{nbytes} bytes of {fname} match"))
    return Replay(trace.path, checks, interrupts, total, trace.skipped, mem.map)

