"""Lock-step comparison of two retirement traces, warp by warp (docs/simt.md, "Retire trace").

The golden model (:class:`simtlab.sim.emulator.Emulator`) and the RTL model both record one record per
retired warp instruction (``sim.result.trace_dtype(threads)``): ``cycle``, ``pc``, ``insn``, ``warp``,
``rd`` (0 when no register was written, 32 + n for f-register n), ``tmask`` (the mask it executed
under) and ``data[threads]`` (the value each lane in ``tmask`` wrote). The two models interleave their
warps differently, so :func:`compare_traces` splits both traces by ``warp`` and compares each warp's
stream record by record: ``pc``, ``insn``, ``rd``, ``tmask`` and -- when either record writes a
register -- ``data`` of the lanes in ``tmask``. Of the warps' first divergences it reports the earliest
one by the expected (golden) trace's ``cycle``. ``cycle`` itself and ``_pad`` are never compared.
"""

from dataclasses import dataclass

import numpy as np

from .result import trace_dtype

__all__ = ["Divergence", "compare_traces", "format_record", "make_trace", "register_name"]

#: Compared fields, in the order a difference is reported.
FIELDS = ("pc", "insn", "rd", "tmask", "data")


def _lanes(rec):
    data = np.atleast_1d(rec["data"])
    return [int(v) for v in data]


def register_name(rd) -> str:
    """The name of a traced destination: ``x1``..``x31``, or ``f0``..``f31`` for ``rd`` 32..63."""
    rd = int(rd)
    return f"f{rd - 32}" if rd >= 32 else f"x{rd}"


def format_record(rec) -> str:
    """One trace record as text.

    A 1-thread record of warp 0 under ``tmask = 1`` reads ``pc=0x80000010 insn=0x00a50533 x10=0x00000007``;
    other records add the mask and list the value of every lane in it, e.g.
    ``pc=0x80000010 insn=0x00a50533 tmask=0x5 x10=[0:0x00000007 2:0x00000009]``. An f-register write
    (``rd`` 32..63) names the register ``f0``..``f31``: ``... f3=0x3f800000``.
    """
    if rec is None:
        return "(no record: trace ended)"
    pc, insn, rd, tmask = (int(rec[name]) for name in ("pc", "insn", "rd", "tmask"))
    data = _lanes(rec)
    head = f"pc=0x{pc:08x} insn=0x{insn:08x}"
    if len(data) == 1 and tmask == 1 and int(rec["warp"]) == 0:
        write = f"{register_name(rd)}=0x{data[0]:08x}" if rd else "(no register write)"
        return f"{head} {write}"
    if not rd:
        return f"{head} tmask=0x{tmask:x} (no register write)"
    values = " ".join(f"{lane}:0x{value:08x}" for lane, value in enumerate(data) if tmask >> lane & 1)
    return f"{head} tmask=0x{tmask:x} {register_name(rd)}=[{values}]"


@dataclass
class Divergence:
    """The first difference between two traces.

    ``warp`` is the warp whose streams differ and ``index`` the record number within that warp's stream;
    ``expected``/``actual`` are the two records there (None for a stream that ended); ``fields`` names the
    differing fields (``("length",)`` when one stream ended); ``previous`` is the last record of that warp
    both agree on (None at index 0); ``lane`` is the first lane whose ``data`` differs (None unless
    ``data`` differs); ``cycle`` is the expected record's ``cycle`` (for a stream that ended on the
    expected side: the cycle of its last record, or None); ``names`` labels the two traces in messages.
    """
    index: int
    expected: object
    actual: object
    fields: tuple
    previous: object = None
    names: tuple = ("emu", "rtl")
    warp: int = 0
    lane: "int | None" = None
    cycle: "int | None" = None

    @property
    def pc(self):
        """The pc of the expected record (else of the actual one) where the traces part."""
        rec = self.expected if self.expected is not None else self.actual
        return int(rec["pc"])

    def explanation(self) -> str:
        """Why the records differ, in words (no disassembly)."""
        first, second = self.names
        if "length" in self.fields:
            ended, other = (first, second) if self.expected is None else (second, first)
            count = f"{self.index} record{'' if self.index == 1 else 's'}"
            return (f"the {ended} trace ends after {count} of warp {self.warp} while the {other} trace "
                    f"goes on")
        if "pc" in self.fields:
            where = (f"after pc=0x{int(self.previous['pc']):08x}" if self.previous is not None
                     else "at the first instruction")
            return (f"control flow diverged {where}: the two models retired instructions at different "
                    f"pcs (a branch/jump target, a trap, a split/join or a skipped/duplicated retirement)")
        if "insn" in self.fields:
            return ("same pc but a different instruction word: instruction memory or fetch differs "
                    "(self-modifying code, a load/store to code, or a fetch bug)")
        if "rd" in self.fields:
            return ("same instruction but a different destination register: one model wrote a register "
                    "the other did not (decode of rd or of the 'writes rd' condition differs)")
        if "tmask" in self.fields:
            return (f"same instruction executed under different thread masks: "
                    f"{first}=0x{int(self.expected['tmask']):x}, {second}=0x{int(self.actual['tmask']):x} "
                    f"(tmc/split/join/pred/wspawn handling differs)")
        rd, lane = int(self.expected["rd"]), self.lane
        expected, actual = _lanes(self.expected)[lane], _lanes(self.actual)[lane]
        where = f" in lane {lane}" if len(_lanes(self.expected)) > 1 else ""
        return (f"same instruction wrote different values to {register_name(rd)}{where}: "
                f"{first}=0x{expected:08x}, {second}=0x{actual:08x}")

    def __str__(self) -> str:
        first, second = self.names
        width = max(len(first), len(second), len("last match"))
        plural = "s" if len(self.fields) == 1 else ""
        where = f"warp {self.warp}"
        if self.lane is not None:
            where += f", lane {self.lane}"
        if self.cycle is not None:
            where += f", {first} cycle {self.cycle}"
        lines = [f"traces diverge at record {self.index} of warp {self.warp} "
                 f"({', '.join(self.fields)} differ{plural}; {where}; pc=0x{self.pc:08x})"]
        if self.previous is not None:
            lines.append(f"  {'last match':>{width}}: {format_record(self.previous)}")
        lines.append(f"  {first:>{width}}: {format_record(self.expected)}")
        lines.append(f"  {second:>{width}}: {format_record(self.actual)}")
        lines.append(f"  {self.explanation()}")
        return "\n".join(lines)


def _as_trace(records, label):
    records = np.asarray(records)
    names = records.dtype.names
    if names is None or any(name not in names for name in FIELDS + ("cycle", "warp")):
        raise TypeError(f"{label} trace must be an array of trace_dtype records, "
                        f"not dtype {records.dtype}")
    records = records.reshape(-1)
    if records.dtype["data"].ndim == 0:                 # a scalar data field: one thread
        widened = np.zeros(len(records), dtype=trace_dtype(1))
        for name in ("cycle", "pc", "insn", "warp", "rd", "tmask"):
            widened[name] = records[name]
        widened["data"][:, 0] = records["data"]
        return widened
    return records


def _widen(records, threads):
    """``records`` with ``data`` padded with zero lanes to ``threads`` lanes."""
    if records.dtype["data"].shape[0] == threads:
        return records
    out = np.zeros(len(records), dtype=trace_dtype(threads))
    for name in ("cycle", "pc", "insn", "warp", "rd", "tmask"):
        out[name] = records[name]
    out["data"][:, :records.dtype["data"].shape[0]] = records["data"]
    return out


def _lane_mask(tmask, threads):
    """(n, threads) booleans: lane l of record i is in tmask[i]."""
    return ((tmask.astype(np.uint64)[:, None] >> np.arange(threads, dtype=np.uint64)) & 1).astype(bool)


def _data_differs(expected, actual, threads):
    """(n, threads) booleans: lanes whose data is compared and differs."""
    writes = (expected["rd"] != 0) | (actual["rd"] != 0)
    lanes = _lane_mask(expected["tmask"] | actual["tmask"], threads)
    return (expected["data"] != actual["data"]) & lanes & writes[:, None]


def _first_divergence(expected, actual, warp, names, threads, truncated=False):
    """The first :class:`Divergence` between one warp's two streams, or None (also when one is a
    prefix of the other and ``truncated``: the run was cut short)."""
    common = min(len(expected), len(actual))
    e, a = expected[:common], actual[:common]
    differs = np.zeros(common, dtype=bool)
    for name in ("pc", "insn", "rd", "tmask"):
        differs |= e[name] != a[name]
    data = _data_differs(e, a, threads)
    differs |= data.any(axis=1)
    bad = np.flatnonzero(differs)
    lane = None
    if bad.size:
        index = int(bad[0])
        fields = tuple(name for name in ("pc", "insn", "rd", "tmask") if e[index][name] != a[index][name])
        if data[index].any():
            fields += ("data",)
            lane = int(np.flatnonzero(data[index])[0])
    elif len(expected) != len(actual) and not truncated:
        index, fields = common, ("length",)
    else:
        return None
    exp = expected[index] if index < len(expected) else None
    if exp is not None:
        cycle = int(exp["cycle"])
    else:
        cycle = int(expected[index - 1]["cycle"]) if index else None
    return Divergence(index=index, expected=exp, actual=actual[index] if index < len(actual) else None,
                      fields=fields, previous=expected[index - 1] if index else None, names=tuple(names),
                      warp=warp, lane=lane, cycle=cycle)


def _order(div):
    """Sort key: the expected side's cycle; a stream that ended sorts after records of that cycle."""
    if div.expected is not None:
        return (div.cycle, 0, div.warp)
    return (-1 if div.cycle is None else div.cycle, 1, div.warp)


def compare_traces(expected, actual, *, names=("emu", "rtl"),
                   truncated=False) -> "Divergence | None":
    """Return the first :class:`Divergence` between two traces, or None if every warp's streams match.

    Each warp's records are compared in order (pc, insn, rd, tmask; data of the lanes in tmask where a
    register is written); how the warps interleave does not matter. If one stream is a strict prefix
    of the other, the divergence is at the end of the shorter one -- unless ``truncated``: the run
    ended with a fault or an exit event, which stops the other warps wherever each model had got
    them to. Among the warps' first divergences the one with the smallest expected ``cycle`` is
    returned.
    """
    expected = _as_trace(expected, names[0])
    actual = _as_trace(actual, names[1])
    threads = max(expected.dtype["data"].shape[0], actual.dtype["data"].shape[0])
    expected, actual = _widen(expected, threads), _widen(actual, threads)
    found = []
    for warp in np.union1d(np.unique(expected["warp"]), np.unique(actual["warp"])):
        div = _first_divergence(expected[expected["warp"] == warp], actual[actual["warp"] == warp],
                                int(warp), names, threads, truncated)
        if div is not None:
            found.append(div)
    return min(found, key=_order) if found else None


def make_trace(rows=(), *, threads=1) -> np.ndarray:
    """Build a ``trace_dtype(threads)`` array (handy in tests and tools).

    Each row is either a tuple ``(pc, insn, rd, data)`` -- one thread: warp 0, ``tmask = 1`` -- or a dict
    with keys ``pc``, ``insn`` and optionally ``rd`` (0), ``warp`` (0), ``tmask`` (all lanes),
    ``cycle`` (the row number) and ``data``: an int (every lane in ``tmask`` wrote it), a sequence of
    ``threads`` values, or a ``{lane: value}`` dict. Example::

        make_trace([dict(pc=0x80000000, insn=0x00500513, rd=10, data=[5, 5], warp=1)], threads=2)
    """
    full = (1 << threads) - 1
    trace = np.zeros(len(rows), dtype=trace_dtype(threads))
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            pc, insn, rd, data = row
            row = {"pc": pc, "insn": insn, "rd": rd, "data": data, "tmask": 1}
        tmask = row.get("tmask", full)
        data = row.get("data", 0)
        if isinstance(data, dict):
            lanes = [0] * threads
            for lane, value in data.items():
                lanes[lane] = value
        elif isinstance(data, (int, np.integer)):
            lanes = [int(data) if tmask >> lane & 1 else 0 for lane in range(threads)]
        else:
            lanes = list(data)
            if len(lanes) != threads:
                raise ValueError(f"row {index}: data has {len(lanes)} lanes, expected {threads}")
        for name, value in (("cycle", row.get("cycle", index)), ("pc", row["pc"]), ("insn", row["insn"]),
                            ("warp", row.get("warp", 0)), ("rd", row.get("rd", 0)), ("tmask", tmask)):
            trace[name][index] = value
        trace["data"][index] = [value & 0xFFFF_FFFF for value in lanes]
    return trace
