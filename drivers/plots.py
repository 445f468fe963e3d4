"""Plots of a run (``simtlab run --out DIR --plots``): matplotlib PNGs of the run directory's numbers.

:func:`plot_data` computes what is drawn from ``stats.json``'s counters (:func:`.rundir.run_stats`)
and the retire trace; :func:`write_plots` draws it into

    stalls.png            busy core-cycles per stall class (``stall.*``)
    ipc.png               warp instructions per cycle over time: retirements binned by cycle
    lane_efficiency.png   per warp, active lanes per retired instruction over the lanes of a warp

matplotlib is an optional dependency: ``pip install 'simtlab[plots]'``.
"""

from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..sim.result import STALL_CAUSES

__all__ = ["plot_data", "write_plots", "pyplot", "PLOT_FILES", "IPC_BINS"]

PLOT_FILES = ("stalls.png", "ipc.png", "lane_efficiency.png")
#: About this many bins for the IPC series (fewer for runs shorter than that many cycles).
IPC_BINS = 200


def plot_data(stats, trace, bins=IPC_BINS):
    """What the plots show, from ``stats`` (a run's counters) and ``trace`` (its retire trace):

    ``stalls``
        ``{stall class: busy core-cycles}`` (every class of STALL_CAUSES);
    ``ipc``
        ``(start, width, ipc)``, arrays: bin ``k`` covers cycles ``start[k] <= c < start[k] +
        width[k]`` (all bins alike but the last) and ``ipc[k]`` is the instructions retired in it
        over ``width[k]`` (so ``sum(ipc * width)`` is the run's instruction count);
    ``lane_efficiency``
        ``{warp: lane efficiency}`` for the warps that retired something.
    """
    stalls = {cause: stats.get(f"stall.{cause}", 0) for cause in STALL_CAUSES}
    cycles = max(int(stats["cycles"]), 1)
    width = max(1, -(-cycles // bins))
    start = np.arange(0, cycles, width)
    counts = np.bincount(trace["cycle"].astype(np.int64) // width, minlength=len(start))
    if len(counts) > len(start):        # retirements in the cycle a run ended in
        counts[len(start) - 1] += counts[len(start):].sum()
        counts = counts[:len(start)]
    widths = np.minimum(width, cycles - start)      # the last bin may be shorter
    efficiency = {}
    w = 0
    while f"warp{w}.instrs" in stats:
        if stats[f"warp{w}.instrs"]:
            efficiency[w] = stats[f"warp{w}.lane_efficiency"]
        w += 1
    return {"stalls": stalls, "ipc": (start, widths, counts / widths), "lane_efficiency": efficiency}


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only); ToolError when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        raise ToolError("plots need matplotlib: pip install 'simtlab[plots]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def write_plots(out, stats, trace, title=""):
    """Draw :func:`plot_data` of the run into ``out`` (a folder) as :data:`PLOT_FILES`; returns the
    paths written. ``title`` heads each plot (the program, say)."""
    plt = pyplot()
    data = plot_data(stats, trace)
    out = Path(out)
    written = []

    def save(fig, ax, name, heading):
        ax.set_title(f"{title}: {heading}" if title else heading)
        fig.tight_layout()
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        written.append(out / name)

    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(data["stalls"])
    ax.barh(names, [data["stalls"][n] for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("busy core-cycles")
    save(fig, ax, "stalls.png", "stall breakdown")

    fig, ax = plt.subplots(figsize=(7, 4))
    start, width, ipc = data["ipc"]
    ax.stairs(ipc, np.append(start, start[-1] + width[-1]))
    ax.set_xlabel(f"cycle ({width[0]}-cycle bins)")
    ax.set_ylabel("warp instructions / cycle")
    ax.set_ylim(bottom=0)
    save(fig, ax, "ipc.png", f"IPC over time (mean {stats.get('ipc', 0):.3f})")

    fig, ax = plt.subplots(figsize=(7, 4))
    warps = list(data["lane_efficiency"])
    ax.bar([str(w) for w in warps], [data["lane_efficiency"][w] for w in warps])
    ax.set_xlabel("warp")
    ax.set_ylabel("active lanes / lanes")
    ax.set_ylim(0, 1.05)
    save(fig, ax, "lane_efficiency.png",
         f"lane efficiency per warp (all warps {stats.get('lane_efficiency', 0):.3f})")
    return written
