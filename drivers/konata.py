"""A pipeline view of a run for Konata (the Kanata log format, version 0004).

:func:`write_konata` turns a retire trace (``Device.trace()``, one record per retired warp
instruction, :func:`simtlab.sim.result.trace_dtype`) into a Kanata log: one instruction per warp
instruction, its thread id the device warp, its label the pc, the encoding, the thread mask and
(from the ELF's line table) the function and source line.

With the RTL's pipeline records (``Device.pipeline_trace()``: the top's ``pipe`` port, recorded
while the trace is on) each instruction shows the core's stages:

``Ds``
    in D (issue: picked by the scheduler, decoded, registers read), until X takes it;
``Ex``
    in X (execute units, CSR/SIMT work, the LSU sending its memory requests), until it advances;
``Mw``
    after X until retirement: M, a load waiting in its warp's collector, W (shown when it lasts);
``Rt``
    its retire cycle (one cycle).

Fetch happens in per-warp buffers ahead of D and is not shown. Without pipeline records (the golden
model, or a trace without them) each instruction shows two stages from the retire stream alone:

``Wt``
    from the cycle after its warp's previous retirement to the cycle before its own (a warp's
    first instruction has none);
``Rt``
    its retire cycle.

Cycles are the trace's: cycle-true on the RTL; on the golden model (``backend="emu"``) each step
is one "cycle" (docs/simt.md).
"""

from pathlib import Path

import numpy as np

__all__ = ["konata_lines", "write_konata", "WAIT_STAGE", "RETIRE_STAGE", "PIPE_STAGES"]

WAIT_STAGE = "Wt"
RETIRE_STAGE = "Rt"
#: The stages shown with pipeline records, in order.
PIPE_STAGES = ("Ds", "Ex", "Mw", RETIRE_STAGE)


def _label(record, program, where):
    pc = int(record["pc"])
    text = f"{pc:08x}: {int(record['insn']):08x} w{int(record['warp'])} tmask={int(record['tmask']):x}"
    if program is not None:
        if pc not in where:
            location = program.locate(pc)
            where[pc] = f" {location}" if location is not None else ""
        text += where[pc]
    return text


def konata_lines(trace, program=None, pipe=None):
    """The Kanata log of ``trace`` (a retire-trace array, in retire order), line by line (an
    iterator: a long run's log is written without holding it in memory).

    ``program`` (a loaded :class:`simtlab.drivers.elf.Program`) adds function and source line to
    each label. ``pipe`` (``Device.pipeline_trace()`` of the same run) gives the core's stages; its
    records must match the trace warp by warp (one per retired instruction, in order), else
    ValueError. An empty trace gives only the header."""
    if trace.dtype.names is None or not {"cycle", "pc", "insn", "warp", "tmask"} <= set(trace.dtype.names):
        raise TypeError("konata_lines needs a retire trace (Device.trace(): trace_dtype records)")
    retire = trace["cycle"].astype(np.int64)
    if np.any(np.diff(retire) < 0):
        raise ValueError("the trace's cycles decrease: not a retire trace in retire order")
    warps = trace["warp"].astype(np.int64)
    if pipe is not None and len(pipe):
        names, bounds = PIPE_STAGES, _pipe_stages(warps, retire, pipe)
    else:
        # A warp's instruction starts the cycle after that warp's previous retirement.
        start = retire.copy()
        for warp in np.unique(warps):
            mine = np.flatnonzero(warps == warp)
            start[mine[1:]] = np.minimum(retire[mine[:-1]] + 1, retire[mine[1:]])
        names, bounds = (WAIT_STAGE, RETIRE_STAGE), np.stack([start, retire, retire + 1], axis=1)
    return _lines(trace, warps, names, bounds, program)


def _pipe_stages(warps, retire, pipe):
    """Stage boundaries (count, 5): D entry, X entry, X exit + 1, retire, retire + 1 per retired
    instruction, from the pipeline records matched to the retirements warp by warp."""
    count = len(warps)
    bounds = np.empty((count, 5), dtype=np.int64)
    pipe_warps = pipe["warp"].astype(np.int64)
    for warp in np.unique(np.concatenate([warps, pipe_warps])):
        mine, theirs = np.flatnonzero(warps == warp), np.flatnonzero(pipe_warps == warp)
        # More records than retirements: instructions still in M or a collector when the run
        # stopped (a watchdog or a fault); fewer: not the same run.
        if len(theirs) < len(mine):
            raise ValueError(f"warp {warp}: {len(theirs)} pipeline records for {len(mine)} retired "
                             f"instructions (not the same run?)")
        records = pipe[theirs[:len(mine)]]
        bounds[mine, 0] = records["d_cycle"]
        bounds[mine, 1] = records["x_cycle"]
        bounds[mine, 2] = records["x_done"].astype(np.int64) + 1
    bounds[:, 3], bounds[:, 4] = retire, retire + 1
    if np.any(np.diff(bounds, axis=1) < 0):
        raise ValueError("pipeline records out of order with the retirements (not the same run?)")
    return bounds


def _lines(trace, warps, names, bounds, program):
    """Events of every instruction: I and L at its first cycle, S and E of each stage that lasts
    (stage k spans bounds[k] .. bounds[k + 1]), R after its last; sorted by cycle, then file id,
    then that order (a stage's end before the next one's start)."""
    yield "Kanata\t0004"
    count = len(trace)
    if not count:
        return
    stages = len(names)
    first = bounds[:, 0]
    # File ids in order of first appearance (the format's rule): by start cycle, then retire order.
    order = np.lexsort((np.arange(count), first))
    file_id = np.empty(count, dtype=np.int64)
    file_id[order] = np.arange(count)
    # Steps: 0 I, 1 L, 2 + 2k S of stage k, 3 + 2k E of stage k, 2 + 2 * stages R.
    steps = 3 + 2 * stages
    cycle = np.empty((count, steps), dtype=np.int64)
    cycle[:, 0] = cycle[:, 1] = first
    cycle[:, 2:2 + 2 * stages:2] = bounds[:, :-1]
    cycle[:, 3:3 + 2 * stages:2] = bounds[:, 1:]
    cycle[:, -1] = bounds[:, -1]
    keep = np.ones((count, steps), dtype=bool)
    lasts = bounds[:, 1:] > bounds[:, :-1]
    keep[:, 2:2 + 2 * stages:2] = keep[:, 3:3 + 2 * stages:2] = lasts
    step = np.broadcast_to(np.arange(steps), (count, steps))[keep]
    insn = np.broadcast_to(np.arange(count)[:, None], (count, steps))[keep]
    cycle = cycle[keep]
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
        elif kind < steps - 1:
            yield f"{'SE'[kind % 2]}\t{n}\t0\t{names[(kind - 2) // 2]}"
        else:
            yield f"R\t{n}\t{i}\t0"


def write_konata(path, trace, program=None, pipe=None):
    """Write the Kanata log of ``trace`` (see :func:`konata_lines`) to ``path``; returns the path.
    Open it in Konata (File > Open)."""
    path = Path(path)
    lines = konata_lines(trace, program, pipe)
    with open(path, "w") as f:
        for line in lines:
            f.write(line + "\n")
    return path
