"""``simtlab sweep``: a grid of configurations x kernels, run in parallel, as one table.

The grid is every combination of the base presets and the values of each swept field::

    configs = grid(["4x4"], ["dcache.size=4k,16k", "dram=ideal,hbm2"])     # 4 configurations
    work = [workload("vortex_vecadd", 4096), workload("sgemm_fast_f", 32)]
    rows = sweep(configs, work, workers=2)                                 # 8 rows
    write_csv(rows, "sweep.csv")

Each (configuration, workload) point runs in a worker process (:class:`ProcessPoolExecutor`, or a
Dask cluster's ``Client.map`` with ``scheduler="tcp://host:port"``) on a fresh :class:`Device`,
and its result is checked against numpy (:func:`simtlab.drivers.demo.run_case`): a wrong result,
a fault or a watchdog stop gives a row with ``status`` ``failed``, the error, and no counters.
Workers of one configuration share one model build: :func:`simtlab.sim.build.build_model` builds
under the cache entry's file lock, and every row records the build's stamp (``model_built``), so
:func:`model_builds` can show that each model was built once.
"""

import csv
import dataclasses
import itertools
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from ..config import PRESETS, CacheConfig, DramConfig, SimtConfig, TileConfig
from ..errors import SimtlabError
from ..kernels.catalog import EXAMPLES, FLOAT_EXAMPLES, Case, Example
from ..progress import bar

__all__ = [
    "SweepError",
    "Workload",
    "parse_set",
    "grid",
    "workload",
    "parse_kernel",
    "sweep",
    "model_builds",
    "OPTIONAL",
    "require",
    "config_columns",
    "columns",
    "write_csv",
    "write_parquet",
    "plot",
]


class SweepError(SimtlabError, ValueError):
    """A sweep that cannot run: an unknown field or kernel, a bad value, an empty grid, a missing
    optional package."""


#: Stall classes of the RTL (sim.model STALL_CAUSES); the emulators leave them empty.
STALLS = ("issue", "idle", "hazard", "memory", "barrier", "fetch", "lmem_conflict")

#: Sub-configurations a dotted field reaches into, and what an absent one (None) starts from.
_NESTED = {"dcache": CacheConfig, "icache": CacheConfig, "tile": TileConfig, "dram": DramConfig}

_OFF = ("none", "off", "no")
_ON = ("on", "yes", "default")


@dataclass(frozen=True)
class Workload:
    """One kernel run: the catalog ``example``, its ``case`` (arguments, inputs, expected buffers)
    and a ``size`` label for the table."""
    name: str
    example: Example
    case: Case
    size: str


def workload(name, size=None, seed=7):
    """A :class:`Workload` of catalog kernel ``name`` (``EXAMPLES`` or ``FLOAT_EXAMPLES``) at
    ``size`` (the example's ``make_case`` size; default its ``default_size``), inputs from
    ``seed``."""
    example = EXAMPLES.get(name) or FLOAT_EXAMPLES.get(name)
    if example is None:
        raise SweepError(f"unknown kernel {name!r}; choose from "
                         f"{', '.join(sorted({**EXAMPLES, **FLOAT_EXAMPLES}))}")
    size = example.default_size if size is None else size
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise SweepError(f"kernel {name}: size must be an integer >= 0, not {size!r}")
    try:
        case = example.make_case(np.random.default_rng(seed), size)
    except (ValueError, AssertionError, TypeError) as error:
        raise SweepError(f"kernel {name}: size {size} is not one it takes ({error})") from None
    return Workload(name, example, case, str(size))


def parse_kernel(text, seed=7):
    """``NAME`` or ``NAME:SIZE`` (the CLI's ``--kernel``) as a :class:`Workload`."""
    name, _, size = text.partition(":")
    if size:
        try:
            size = int(size, 0)
        except ValueError:
            raise SweepError(f"--kernel {text!r}: the size after ':' must be an integer") from None
    return workload(name.strip(), size if size != "" else None, seed)


# -- the grid -----------------------------------------------------------------------------------
def _top_fields():
    return {f.name: f for f in dataclasses.fields(SimtConfig) if f.compare}


def _check_field(name):
    """ValueError unless ``name`` is a SimtConfig field or ``sub.field`` of a nested one."""
    top = _top_fields()
    head, _, sub = name.partition(".")
    if head not in top:
        raise SweepError(f"unknown field {name!r}; SimtConfig fields: {', '.join(top)} "
                         f"(and {', '.join(f'{n}.FIELD' for n in _NESTED)})")
    if sub:
        if head not in _NESTED:
            raise SweepError(f"unknown field {name!r}: {head} has no sub-fields")
        subs = [f.name for f in dataclasses.fields(_NESTED[head]) if f.name != "preset"]
        if sub not in subs:
            raise SweepError(f"unknown field {name!r}; {head} fields: {', '.join(subs)}")


def _int(text):
    """An integer: decimal, 0x.., or with a k/KiB (x 1024) or M/MiB suffix."""
    match = re.fullmatch(r"\s*(0x[0-9a-f]+|\d+)\s*(k|kib|m|mib)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError
    value = int(match[1], 0)
    unit = (match[2] or "").lower()
    return value * (1024 if unit.startswith("k") else 1 << 20 if unit else 1)


def _bool(text):
    word = text.strip().lower()
    if word in ("true", "1", "on", "yes"):
        return True
    if word in ("false", "0", "off", "no"):
        return False
    raise ValueError("write true/false, on/off, yes/no or 1/0")


def _value(name, text):
    """The value ``text`` of ``--set NAME=...`` for field ``name`` (SweepError if it is none)."""
    head, _, sub = name.partition(".")
    word = text.strip().lower()
    try:
        if sub:
            kind = {f.name: f.type for f in dataclasses.fields(_NESTED[head])}[sub]
            return _bool(text) if kind in (bool, "bool") else _int(text)
        if head == "dram":
            DramConfig.named(text.strip())          # a preset name (ValueError naming them)
            return text.strip()
        if head in ("dcache", "icache", "tile"):
            if word in _OFF:
                return None
            if word in _ON:
                return _NESTED[head]()
            raise ValueError
        if head == "lmem_banks" and word in _OFF + ("default",):
            return None
        if head in ("muldiv", "fpu"):
            return _bool(text)
        return _int(text)
    except ValueError as error:
        detail = f": {error}" if str(error) else ""
        raise SweepError(f"--set {name}: bad value {text!r}{detail}") from None


def parse_set(text):
    """``FIELD=V1,V2,...`` as ``(field, [values])``. FIELD is a SimtConfig field (``warps``,
    ``mem_latency``, ``dram`` -- a DRAM preset name --, ``dcache``/``icache``/``tile`` -- ``on`` or
    ``off`` --, ...) or a sub-field (``dcache.size``, ``dcache.ways``, ``dram.channels``, ...).
    Integers may be written ``0x..`` or with ``k``/``KiB``/``M``/``MiB``."""
    name, eq, values = text.partition("=")
    name = name.strip()
    if not eq or not name:
        raise SweepError(f"--set {text!r}: write FIELD=VALUE[,VALUE...], e.g. warps=2,4")
    _check_field(name)
    words = [w for w in values.split(",") if w.strip()]
    if not words:
        raise SweepError(f"--set {text!r}: no values (an empty grid)")
    return name, [_value(name, w) for w in words]


def _apply(config, name, value):
    head, _, sub = name.partition(".")
    if not sub:
        return config.replace(**{head: value})
    inner = getattr(config, head)
    if inner is None:
        inner = _NESTED[head]()
    changes = {sub: value}
    if head == "dram":
        if inner.ideal and sub != "ideal":
            raise ValueError(f"dram.{sub} does nothing on the ideal memory: sweep dram=hbm2 or "
                             f"ddr4 before it (or set dram.ideal=false)")
        changes["preset"] = "custom"                # no longer the named preset's figures
    return config.replace(**{head: dataclasses.replace(inner, **changes)})


def _label(value):
    if value is None:
        return "off"
    if dataclasses.is_dataclass(value):
        return getattr(value, "preset", "on")
    return str(value)


def grid(presets=("default",), sets=()):
    """The configurations of a sweep: each of ``presets`` (names or SimtConfigs) with every
    combination of the ``sets`` (``"FIELD=V1,V2"`` strings or ``(field, [values])`` pairs, applied
    in order). Each configuration is named for its preset and values (``4x4 dcache.size=4096``).
    SweepError for an unknown preset or field, a bad value or an invalid configuration."""
    if isinstance(presets, (str, SimtConfig)):
        presets = [presets]
    bases = []
    for preset in presets:
        if isinstance(preset, SimtConfig):
            bases.append(preset)
        elif preset in PRESETS:
            bases.append(PRESETS[preset])
        else:
            raise SweepError(f"unknown configuration preset {preset!r}; choose from "
                             f"{', '.join(PRESETS)}")
    axes = []
    for item in sets:
        name, values = parse_set(item) if isinstance(item, str) else item
        _check_field(name)
        if any(name == other for other, _ in axes):
            raise SweepError(f"--set {name} is given twice")
        if "." not in name and any(other.startswith(name + ".") for other, _ in axes):
            raise SweepError(f"--set {name} must come before --set {name}.FIELD "
                             f"(it would replace what they set)")
        axes.append((name, list(values)))
    if not bases or any(not values for _, values in axes):
        raise SweepError("the grid is empty: give at least one preset and one value per field")
    configs = []
    for base in bases:
        for point in itertools.product(*(values for _, values in axes)):
            config = base
            label = [base.name]
            try:
                for (name, _), value in zip(axes, point):
                    label.append(f"{name}={_label(value)}")
                    config = _apply(config, name, value)
            except (ValueError, TypeError) as error:
                raise SweepError(f"configuration {' '.join(label)}: {error}") from None
            configs.append(config.replace(name=" ".join(label)))
    return configs


# -- one point, in a worker ---------------------------------------------------------------------
def config_columns(config):
    """The configuration's fields as flat columns (nested ones dotted; absent caches blank)."""
    row = {"config": config.name}
    for name in _top_fields():
        value = getattr(config, name)
        if name in ("dcache", "icache"):
            for f in dataclasses.fields(CacheConfig):
                row[f"{name}.{f.name}"] = getattr(value, f.name) if value is not None else ""
        elif name == "dram":
            row["dram"] = value.preset
            if value.preset == "custom":        # changed by dram.FIELD: every figure shown
                row.update({f"dram.{f.name}": getattr(value, f.name)
                            for f in dataclasses.fields(DramConfig) if f.name != "preset"})
        elif name == "tile":
            row["tile"] = "on" if value is not None else "off"
        else:
            row[name] = "" if value is None else value
    return row


def _run_point(config, backend, work):
    """Run one (configuration, workload) point; returns its row (never raises for the kernel's
    own failures: they make a ``failed`` row)."""
    from .demo import run_case
    from .device import Device
    row = {**config_columns(config), "kernel": work.name, "size": work.size, "backend": backend,
           "status": "", "error": "", "model_key": config.key() if backend == "rtl" else "",
           "model_built": ""}
    began = time.perf_counter()
    try:
        if backend == "rtl":
            from ..cache import read_stamp
            from ..sim.build import build_model
            stamp = read_stamp(build_model(config).parent) or {}
            row["model_built"] = stamp.get("built", "")
        with Device(config, backend=backend) as device:
            counters = run_case(device, work.example, work.case)
    except Exception as error:      # every point is reported, failed ones included
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        row.update(status="failed", error=f"{type(error).__name__}: {first}",
                   wall_s=round(time.perf_counter() - began, 3))
        return row
    perf = counters.perf
    row.update(status="ok", error="", cycles=counters.cycles, instrs=counters.instrs,
               ipc=round(counters.ipc, 4), thread_instrs=counters.thread_instrs,
               lane_efficiency=round(counters.lane_efficiency, 4))
    row.update({f"stall.{name}": perf.get(name, "") for name in STALLS})
    for name, value in perf.items():
        if name not in STALLS:
            row[name] = value
    for name in [n[:-len("_hits")] for n in perf if n.endswith("_hits")]:
        looked = perf[f"{name}_hits"] + perf.get(f"{name}_misses", 0)
        if f"{name}_misses" in perf:
            row[f"{name}_hit_rate"] = round(perf[f"{name}_hits"] / looked, 4) if looked else ""
    util = counters.dram_utilization
    row["dram_utilization"] = round(sum(util) / len(util), 4) if util else ""
    row["wall_s"] = round(time.perf_counter() - began, 3)
    return row


def _lost(config, work, backend, error):
    """The row of a point whose worker died before it answered."""
    return {**config_columns(config), "kernel": work.name, "size": work.size, "backend": backend,
            "status": "failed", "error": f"{type(error).__name__}: the worker was lost ({error})"}


# -- the sweep ----------------------------------------------------------------------------------
#: The optional packages: what needs them -> (module, the extra that installs it).
OPTIONAL = {"--scheduler": ("distributed", "dask"), "--parquet": ("pyarrow", "parquet"),
            "--plot": ("matplotlib", "plots")}


def require(option):
    """SweepError unless the package behind ``option`` (a key of :data:`OPTIONAL`) is installed."""
    import importlib.util
    module, extra = OPTIONAL[option]
    if importlib.util.find_spec(module) is None:
        raise SweepError(f"{option} needs {module}: pip install 'simtlab[{extra}]'")


def _dask_client(scheduler, timeout="10s"):
    require("--scheduler")
    from dask.distributed import Client
    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise SweepError(f"cannot reach the Dask scheduler {scheduler}: {error}") from None


def sweep(configs, workloads, *, backend="rtl", workers=None, scheduler=None, progress=True):
    """Run every ``workloads`` item on every configuration of ``configs``; returns the rows (dicts,
    grid order: configuration-major), one per point.

    ``workers`` processes on this machine (default: every core), or the Dask cluster at
    ``scheduler`` (``"tcp://host:port"``, or a ``dask.distributed.Client``), whose workers need
    simtlab installed. ``progress`` shows a tqdm bar of finished points on stderr. The pool starts
    its workers with multiprocessing's ``spawn``, so a script that calls this needs the usual
    ``if __name__ == "__main__":`` guard."""
    configs, workloads = list(configs), list(workloads)
    if backend not in ("rtl", "emu", "fast"):
        raise SweepError(f"backend must be 'rtl', 'emu' or 'fast', not {backend!r}")
    if not configs or not workloads:
        raise SweepError("the grid is empty: give at least one configuration and one kernel")
    if scheduler is None:
        workers = (os.cpu_count() or 1) if workers is None else workers
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise SweepError(f"workers must be a positive integer, not {workers!r}")
    points = [(config, work) for config in configs for work in workloads]
    rows = [None] * len(points)
    with bar(total=len(points), desc="sweep", unit="run", enabled=progress) as shown:
        if scheduler is not None:
            from dask.distributed import as_completed as dask_completed
            client = scheduler if not isinstance(scheduler, str) else _dask_client(scheduler)
            try:
                futures = client.map(_run_point, [c for c, _ in points], [backend] * len(points),
                                     [w for _, w in points], pure=False)
                index = {future.key: n for n, future in enumerate(futures)}
                for future in dask_completed(futures):
                    n = index[future.key]
                    try:
                        rows[n] = future.result()
                    except Exception as error:      # the worker was lost (KilledWorker, ...)
                        rows[n] = _lost(*points[n], backend, error)
                    shown.update(1)
            finally:
                if isinstance(scheduler, str):
                    client.close()
        else:
            # spawn: each worker starts clean (no copy of the parent's loaded libraries or threads)
            with ProcessPoolExecutor(max_workers=min(workers, len(points)),
                                     mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(_run_point, config, backend, work): n
                           for n, (config, work) in enumerate(points)}
                try:
                    for future in as_completed(futures):
                        n = futures[future]
                        try:
                            rows[n] = future.result()
                        except BrokenProcessPool as error:  # a worker died (a crash in a model)
                            rows[n] = _lost(*points[n], backend, error)
                        shown.update(1)
                except BaseException:           # Ctrl-C: run nothing more
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
    return rows


def model_builds(rows):
    """``{model_key: set of build stamps}`` of the RTL rows: one stamp per key means every worker of
    that configuration used one build."""
    builds = {}
    for row in rows:
        if row.get("model_key"):
            builds.setdefault(row["model_key"], set()).add(row["model_built"])
    return builds


# -- output -------------------------------------------------------------------------------------
_TAIL = ("wall_s", "model_key", "model_built")


def columns(rows):
    """Every column of ``rows`` in a stable order: the keys in first-seen order, then wall time and
    the model build."""
    names = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return [n for n in names if n not in _TAIL] + [n for n in _TAIL if n in names]


def write_csv(rows, path):
    """One CSV line per row (blank where a row lacks a column: failed rows have no counters)."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns(rows), restval="")
        writer.writeheader()
        writer.writerows(rows)


def write_parquet(rows, path):
    """The table as Parquet (needs pyarrow: ``pip install 'simtlab[parquet]'``)."""
    require("--parquet")
    import pyarrow as pa
    import pyarrow.parquet as pq
    names = columns(rows)
    table = {}
    for name in names:
        values = [row.get(name, "") for row in rows]
        values = [None if v == "" else v for v in values]
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) > 1:                  # e.g. int and float: keep the column numeric
            values = [None if v is None else float(v) if kinds <= {int, float} else str(v)
                      for v in values]
        table[name] = values
    pq.write_table(pa.table(table), path)


def plot(rows, metric, field, path):
    """A matplotlib figure of ``metric`` (a column: ``cycles``, ``ipc``, ...) against swept
    ``field`` (``dcache.size``, ``warps``, ...), one line per kernel and setting of the other
    config columns, saved to ``path`` (needs matplotlib: ``pip install 'simtlab[plots]'``)."""
    require("--plot")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ok = [row for row in rows if row.get("status") == "ok"]
    if not ok:
        raise SweepError("--plot: no successful rows to plot")
    for name in (metric, field):
        if name not in ok[0]:
            raise SweepError(f"--plot: no column {name!r}; columns: {', '.join(columns(ok))}")
    config_cols = list(config_columns(SimtConfig()))[1:]
    varied = [c for c in config_cols if c != field and len({str(r.get(c)) for r in ok}) > 1]
    lines = {}
    for row in ok:
        label = " ".join([row["kernel"]] + [f"{c}={row[c]}" for c in varied])
        lines.setdefault(label, []).append((row[field], row[metric]))
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, points in lines.items():
        points.sort(key=lambda p: (isinstance(p[0], str), p[0]))
        xs = [str(x) for x, _ in points]
        axes.plot(xs, [y for _, y in points], marker="o", label=label)
    axes.set_xlabel(field)
    axes.set_ylabel(metric)
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
