"""Lock-step comparison of two retirement traces (``TRACE_DTYPE`` arrays).

The golden model (:class:`simtlab.sim.emulator.Emulator`) and the RTL model both record one record per
retired instruction: ``pc``, ``insn``, ``rd`` (0 when no register was written) and ``data`` (the value
written). :func:`compare_traces` finds the first record where they disagree and explains it.

``data`` only means something when a register was written, so it is not compared when both records
have ``rd == 0``. ``_pad`` is never compared.
"""

from dataclasses import dataclass

import numpy as np

from .result import TRACE_DTYPE

__all__ = ["Divergence", "compare_traces", "format_record", "make_trace"]

#: Compared fields, in the order a difference is reported.
FIELDS = ("pc", "insn", "rd", "data")


def format_record(rec) -> str:
    """One trace record as text, e.g. ``pc=0x80000010 insn=0x00a50533 x10=0x00000007``."""
    if rec is None:
        return "(no record: trace ended)"
    pc, insn, rd, data = (int(rec[name]) for name in FIELDS)
    write = f"x{rd}=0x{data:08x}" if rd else "(no register write)"
    return f"pc=0x{pc:08x} insn=0x{insn:08x} {write}"


@dataclass
class Divergence:
    """The first difference between two traces.

    ``index`` is the record number; ``expected``/``actual`` are the two records there (None for a trace
    that ended); ``fields`` names the differing fields (``("length",)`` when one trace ended);
    ``previous`` is the last record both traces agree on (None at index 0); ``names`` labels the two
    traces in messages.
    """
    index: int
    expected: object
    actual: object
    fields: tuple
    previous: object = None
    names: tuple = ("emu", "rtl")

    def explanation(self) -> str:
        """Why the records differ, in words (no disassembly)."""
        first, second = self.names
        if "length" in self.fields:
            ended, other = (first, second) if self.expected is None else (second, first)
            count = f"{self.index} record{'' if self.index == 1 else 's'}"
            return f"the {ended} trace ends after {count} while the {other} trace goes on"
        if "pc" in self.fields:
            where = (f"after pc=0x{int(self.previous['pc']):08x}" if self.previous is not None
                     else "at the first instruction")
            return (f"control flow diverged {where}: the two models retired instructions at different "
                    f"pcs (a branch/jump target, a trap or a skipped/duplicated retirement)")
        if "insn" in self.fields:
            return ("same pc but a different instruction word: instruction memory or fetch differs "
                    "(self-modifying code, a load/store to code, or a fetch bug)")
        if "rd" in self.fields:
            return ("same instruction but a different destination register: one model wrote a register "
                    "the other did not (decode of rd or of the 'writes rd' condition differs)")
        rd = int(self.expected["rd"])
        return (f"same instruction wrote different values to x{rd}: "
                f"{first}=0x{int(self.expected['data']):08x}, {second}=0x{int(self.actual['data']):08x}")

    def __str__(self) -> str:
        first, second = self.names
        width = max(len(first), len(second), len("last match"))
        lines = [f"traces diverge at record {self.index} ({', '.join(self.fields)} differ{'s' if len(self.fields) == 1 else ''})"]
        if self.previous is not None:
            lines.append(f"  {'last match':>{width}}: {format_record(self.previous)}")
        lines.append(f"  {first:>{width}}: {format_record(self.expected)}")
        lines.append(f"  {second:>{width}}: {format_record(self.actual)}")
        lines.append(f"  {self.explanation()}")
        return "\n".join(lines)


def _as_trace(records, label):
    records = np.asarray(records)
    if records.dtype.names is None or any(name not in records.dtype.names for name in FIELDS):
        raise TypeError(f"{label} trace must be an array of TRACE_DTYPE records, not dtype {records.dtype}")
    return records.reshape(-1)


def _mismatches(expected, actual):
    """Boolean mask of the records (of the common prefix) that differ in a compared field."""
    differs = np.zeros(len(expected), dtype=bool)
    for name in ("pc", "insn", "rd"):
        differs |= expected[name] != actual[name]
    writes = (expected["rd"] != 0) | (actual["rd"] != 0)
    differs |= writes & (expected["data"] != actual["data"])
    return differs


def _differing_fields(expected, actual):
    fields = [name for name in ("pc", "insn", "rd") if expected[name] != actual[name]]
    if (expected["rd"] or actual["rd"]) and expected["data"] != actual["data"]:
        fields.append("data")
    return tuple(fields)


def compare_traces(expected, actual, *, names=("emu", "rtl")) -> "Divergence | None":
    """Return the first :class:`Divergence` between two ``TRACE_DTYPE`` arrays, or None if they match.

    Records are compared field by field (pc, insn, rd, data; data only where a register was written).
    If one trace is a strict prefix of the other, the divergence is at the end of the shorter one.
    """
    expected = _as_trace(expected, names[0])
    actual = _as_trace(actual, names[1])
    common = min(len(expected), len(actual))
    bad = np.flatnonzero(_mismatches(expected[:common], actual[:common]))
    if bad.size:
        index = int(bad[0])
        fields = _differing_fields(expected[index], actual[index])
    elif len(expected) != len(actual):
        index, fields = common, ("length",)
    else:
        return None
    return Divergence(
        index=index,
        expected=expected[index] if index < len(expected) else None,
        actual=actual[index] if index < len(actual) else None,
        fields=fields,
        previous=expected[index - 1] if index else None,
        names=tuple(names),
    )


def make_trace(rows) -> np.ndarray:
    """Build a ``TRACE_DTYPE`` array from ``(pc, insn, rd, data)`` tuples (handy in tests and tools)."""
    trace = np.zeros(len(rows), dtype=TRACE_DTYPE)
    for index, (pc, insn, rd, data) in enumerate(rows):
        trace[index] = (pc, insn, data, rd, (0, 0, 0))
    return trace
