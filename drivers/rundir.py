"""A run directory (``simtlab run --out DIR``), in the spirit of gem5's ``m5out``.

:func:`write_run_dir` writes, for one launch:

    config.json   the configuration (``SimtConfig.as_dict()``), backend, program, arguments, budget
    stats.json    every counter of the run: status, code, cycles, instrs, ipc, thread_instrs,
                  lane_efficiency, stall cycles per cause, memory requests and bytes, per warp
                  ``warpW.instrs``/``thread_instrs``/``lane_efficiency``/``active_cycles``, and the fault
                  (cause, pc, address, source location) or every warp's pc when it did not finish
    stats.csv     the same counters as ``name,value`` rows (nested values flattened with dots)
    console.txt   what the kernel printed
    NAME.npy      each buffer argument after the run, named after the kernel's struct field
                  (``c.npy``) or ``argN.npy`` when the kernel has no known signature
    konata.log    with ``--konata``: the pipeline view (:mod:`.konata`)
    *.png         with ``--plots``: stall breakdown, IPC over time, lane efficiency (:mod:`.plots`)
"""

import csv
import json
from pathlib import Path

import numpy as np

from ..sim.result import STALL_CAUSES
from ..spec.status import RunStatus
from .konata import write_konata
from .plots import write_plots

__all__ = ["write_run_dir", "run_stats", "warp_stats"]


def run_stats(result, config, program=None):
    """Every counter of ``result`` (a RunResult) as a flat-ish dict."""
    stats = {"status": result.status_name, "code": result.code, "cycles": result.cycles,
             "instrs": result.instret, "ipc": result.ipc, "thread_instrs": result.thread_instrs,
             "lane_efficiency": (result.thread_instrs / (result.instret * config.threads)
                                 if result.instret else 0.0)}
    stats.update({f"stall.{name}" if name in STALL_CAUSES else name: value
                  for name, value in result.perf.items()})
    stats.update(warp_stats(result, config))
    if result.status == RunStatus.FAULT:
        location = program.locate(result.fault_pc) if program is not None else None
        stats["fault"] = {"cause": result.fault_cause, "pc": result.fault_pc,
                          "addr": result.fault_addr, "where": str(location) if location else None}
    elif result.status == RunStatus.WATCHDOG:
        stats["warps"] = {f"{w.warp}": {"pc": w.pc, "tmask": w.tmask, "active": w.active}
                          for w in result.warps}
    return stats


def warp_stats(result, config):
    """Per device warp ``w``: ``warpW.instrs``, ``warpW.thread_instrs``, ``warpW.lane_efficiency``
    and (RTL only) ``warpW.active_cycles``, for the counters the backend measured. Stall cycles are
    per core, not per warp: the core's ``perf`` port names one stall class per cycle."""
    stats = {}
    for w, instrs in enumerate(result.warp_instrs):
        lanes = result.warp_thread_instrs[w]
        stats[f"warp{w}.instrs"] = instrs
        stats[f"warp{w}.thread_instrs"] = lanes
        stats[f"warp{w}.lane_efficiency"] = lanes / (instrs * config.threads) if instrs else 0.0
        if result.warp_active_cycles:
            stats[f"warp{w}.active_cycles"] = result.warp_active_cycles[w]
    return stats


def _flatten(prefix, value, rows):
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, inner, rows)
    else:
        rows.append((prefix, value))


def write_run_dir(out, *, device, program, args, result, names, console, trace=None,
                  konata=False, plots=False):
    """Write the run directory ``out`` (created if needed) for the last launch of ``device``.

    ``program`` is what was launched (a path), ``args`` the launch's arguments, ``names`` one file
    stem per argument (only buffers are saved), ``console`` the text the kernel printed. With
    ``trace``, the launch's retire trace (``device.trace()``), ``konata`` adds ``konata.log`` and
    ``plots`` the PNGs of :mod:`.plots`. Returns the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config = device.config
    described = [f"buffer {a.dtype}{list(a.shape)}" if hasattr(a, "dtype") else a for a in args]
    files = {"config.json": json.dumps({"config": config.as_dict(), "backend": device.backend_name,
                                        "program": str(program), "args": described,
                                        "max_cycles": device.max_cycles}, indent=1, default=str),
             "console.txt": console}
    stats = run_stats(result, config, device.program)
    files["stats.json"] = json.dumps(stats, indent=1)
    written = []
    for name, text in files.items():
        (out / name).write_text(text if name == "console.txt" else text + "\n")
        written.append(out / name)
    rows = []
    _flatten("", stats, rows)
    with open(out / "stats.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "value"])
        writer.writerows(rows)
    written.append(out / "stats.csv")
    for arg, name in zip(args, names):
        if hasattr(arg, "dtype") and hasattr(arg, "addr"):
            np.save(out / f"{name}.npy", device.download(arg))
            written.append(out / f"{name}.npy")
    if (konata or plots) and trace is None:
        raise ValueError("konata and plots need the run's retire trace")
    if konata:
        written.append(write_konata(out / "konata.log", trace, device.program,
                                    device.pipeline_trace()))
    if plots:
        written += write_plots(out, stats, trace, title=Path(str(program)).name)
    return written

