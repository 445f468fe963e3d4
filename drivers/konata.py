"""A pipeline view of a run for Konata (the Kanata log format, version 0004).

:func:`write_konata` turns a retire trace (``Device.trace()``, one record per retired warp
instruction, :func:`simtlab.sim.result.trace_dtype`) into a Kanata log: one instruction per warp
instruction, its thread id the device warp, its label the pc, the encoding, the thread mask and
(from the ELF's line table) the function and source line.

The RTL exposes one pipeline event per instruction, its retirement (the ``retire`` port); fetch,
issue and execute happen inside the core and leave no trace on the top's ports. So each instruction
shows two stages derived from the retire stream alone:

``Wt``
    from the cycle after its warp's previous retirement to the cycle before its own: the cycles the
    warp took to bring this instruction through fetch, issue, execute and memory (long when the
    warp waited for memory, a barrier or the other warps). A warp's first instruction has none.
``Rt``
    its retire cycle (one cycle).

Cycles are the trace's: cycle-true on the RTL; on the golden model (``backend="emu"``) each step
is one "cycle" (docs/simt.md).
"""

from pathlib import Path

import numpy as np

__all__ = ["konata_lines", "write_konata", "WAIT_STAGE", "RETIRE_STAGE"]

WAIT_STAGE = "Wt"
RETIRE_STAGE = "Rt"


def _label(record, program, where):
    pc = int(record["pc"])
    text = f"{pc:08x}: {int(record['insn']):08x} w{int(record['warp'])} tmask={int(record['tmask']):x}"
    if program is not None:
        if pc not in where:
            location = program.locate(pc)
            where[pc] = f" {location}" if location is not None else ""
        text += where[pc]
    return text


def konata_lines(trace, program=None):
    """The Kanata log of ``trace`` (a retire-trace array, in retire order) as a list of lines.

    ``program`` (a loaded :class:`simtlab.drivers.elf.Program`) adds function and source line to
    each label. An empty trace gives only the header."""
    if trace.dtype.names is None or not {"cycle", "pc", "insn", "warp", "tmask"} <= set(trace.dtype.names):
        raise TypeError("konata_lines needs a retire trace (Device.trace(): trace_dtype records)")
    lines = ["Kanata\t0004"]
    if not len(trace):
        return lines
    retire = trace["cycle"].astype(np.int64)
    if np.any(np.diff(retire) < 0):
        raise ValueError("the trace's cycles decrease: not a retire trace in retire order")
    # A warp's instruction starts the cycle after that warp's previous retirement.
    start = retire.copy()
    last = {}
    for i, warp in enumerate(trace["warp"].tolist()):
        if warp in last:
            start[i] = min(last[warp] + 1, retire[i])
        last[warp] = int(retire[i])
    # File ids in order of first appearance (the format's rule): by start cycle, then retire order.
    order = np.lexsort((np.arange(len(trace)), start))
    file_id = np.empty(len(trace), dtype=np.int64)
    file_id[order] = np.arange(len(trace))
    events = []         # (cycle, file id, step, text); steps order one instruction's same-cycle events
    where = {}
    for i in range(len(trace)):
        n, s, r = int(file_id[i]), int(start[i]), int(retire[i])
        warp = int(trace["warp"][i])
        events.append((s, n, 0, f"I\t{n}\t{i}\t{warp}"))
        events.append((s, n, 1, f"L\t{n}\t0\t{_label(trace[i], program, where)}"))
        if s < r:
            events.append((s, n, 2, f"S\t{n}\t0\t{WAIT_STAGE}"))
            events.append((r, n, 3, f"E\t{n}\t0\t{WAIT_STAGE}"))
        events.append((r, n, 4, f"S\t{n}\t0\t{RETIRE_STAGE}"))
        events.append((r + 1, n, 5, f"E\t{n}\t0\t{RETIRE_STAGE}"))
        events.append((r + 1, n, 6, f"R\t{n}\t{i}\t0"))
    events.sort()
    now = events[0][0]
    lines.append(f"C=\t{now}")
    for cycle, _, _, text in events:
        if cycle != now:
            lines.append(f"C\t{cycle - now}")
            now = cycle
        lines.append(text)
    return lines


def write_konata(path, trace, program=None):
    """Write the Kanata log of ``trace`` (see :func:`konata_lines`) to ``path``; returns the path.
    Open it in Konata (File > Open)."""
    path = Path(path)
    path.write_text("\n".join(konata_lines(trace, program)) + "\n")
    return path
