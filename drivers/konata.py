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
    """The Kanata log of ``trace`` (a retire-trace array, in retire order), line by line (an
    iterator: a long run's log is written without holding it in memory).

    ``program`` (a loaded :class:`simtlab.drivers.elf.Program`) adds function and source line to
    each label. An empty trace gives only the header."""
    if trace.dtype.names is None or not {"cycle", "pc", "insn", "warp", "tmask"} <= set(trace.dtype.names):
        raise TypeError("konata_lines needs a retire trace (Device.trace(): trace_dtype records)")
    retire = trace["cycle"].astype(np.int64)
    if np.any(np.diff(retire) < 0):
        raise ValueError("the trace's cycles decrease: not a retire trace in retire order")
    return _lines(trace, retire, program)


def _lines(trace, retire, program):
    yield "Kanata\t0004"
    count = len(trace)
    if not count:
        return
    # A warp's instruction starts the cycle after that warp's previous retirement.
    start = retire.copy()
    warps = trace["warp"].astype(np.int64)
    for warp in np.unique(warps):
        mine = np.flatnonzero(warps == warp)
        start[mine[1:]] = np.minimum(retire[mine[:-1]] + 1, retire[mine[1:]])
    # File ids in order of first appearance (the format's rule): by start cycle, then retire order.
    order = np.lexsort((np.arange(count), start))
    file_id = np.empty(count, dtype=np.int64)
    file_id[order] = np.arange(count)
    # Seven events per instruction: I, L and S Wt at its start; E Wt and S Rt at its retirement; E Rt
    # and R a cycle later (Wt only when it lasts). Sorted by cycle, then file id, then that order.
    cycle = np.stack([start, start, start, retire, retire, retire + 1, retire + 1], axis=1)
    step = np.broadcast_to(np.arange(7), (count, 7))
    keep = np.ones((count, 7), dtype=bool)
    keep[:, 2] = keep[:, 3] = start < retire
    insn = np.broadcast_to(np.arange(count)[:, None], (count, 7))[keep]
    cycle, step = cycle[keep], step[keep]
    events = np.lexsort((step, file_id[insn], cycle))
    where = {}
    now = int(cycle[events[0]])
    yield f"C=\t{now}"
    for e in events.tolist():
        at, i, kind = int(cycle[e]), int(insn[e]), int(step[e])
        if at != now:
            yield f"C\t{at - now}"
            now = at
        n = int(file_id[i])
        if kind == 0:
            yield f"I\t{n}\t{i}\t{int(warps[i])}"
        elif kind == 1:
            yield f"L\t{n}\t0\t{_label(trace[i], program, where)}"
        elif kind in (2, 3):
            yield f"{'SE'[kind - 2]}\t{n}\t0\t{WAIT_STAGE}"
        elif kind in (4, 5):
            yield f"{'SE'[kind - 4]}\t{n}\t0\t{RETIRE_STAGE}"
        else:
            yield f"R\t{n}\t{i}\t0"


def write_konata(path, trace, program=None):
    """Write the Kanata log of ``trace`` (see :func:`konata_lines`) to ``path``; returns the path.
    Open it in Konata (File > Open)."""
    path = Path(path)
    lines = konata_lines(trace, program)
    with open(path, "w") as f:
        for line in lines:
            f.write(line + "\n")
    return path
