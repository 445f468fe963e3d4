"""``simtlab bench`` (``make bench``): build time, load time, simulation speed, cycles and IPC.

Every number is measured on this machine when the command runs; every kernel result is still checked
against numpy, so a fast wrong answer cannot pass as a benchmark.
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..config import PRESETS, SimtConfig
from ..kernels.catalog import (EXAMPLES, FLOAT_EXAMPLES, SIMT_EXAMPLES, Buf, sgemm_f_case,
                               spin_reference)

__all__ = [
    "bench",
    "cores_bench",
    "l2_bench",
    "cache_sweep_bench",
    "vortex_like_bench",
    "dram_bench",
    "float_sgemm",
    "sim_speed_bench",
    "straight_line_program",
    "tinygrad_models",
]


def _check(ok, message):
    """Every benchmark checks its result: a wrong one stops the bench (``message`` may be a
    callable, evaluated only on failure)."""
    if not ok:
        raise RuntimeError(message() if callable(message) else message)


def straight_line_program(count=20_000, seed=1):
    """A bare-metal assembly program of ``count`` straight-line integer instructions (a dependent mix
    of add/sub/xor/or/and/shift/slt and their immediate forms), then a store of the result and tmc."""
    ops_rr = ["add", "sub", "xor", "or", "and", "sll", "srl", "sra", "slt", "sltu"]
    ops_ri = ["addi", "xori", "ori", "andi", "slli", "srli", "srai", "slti"]
    rand = random.Random(seed)
    lines = [
        ".section .text.init", ".globl _start", "_start:",
        "  li x5, 0x12345678", "  li x6, 0x0badf00d", "  li x7, 77",
    ]
    regs = ["x5", "x6", "x7", "x28", "x29", "x30", "x31"]
    for _ in range(count):
        rd, rs1, rs2 = rand.choice(regs), rand.choice(regs), rand.choice(regs)
        if rand.random() < 0.5:
            lines.append(f"  {rand.choice(ops_rr)} {rd}, {rs1}, {rs2}")
        else:
            op = rand.choice(ops_ri)
            imm = rand.randrange(32) if op in ("slli", "srli", "srai") else rand.randrange(-2048, 2048)
            lines.append(f"  {op} {rd}, {rs1}, {imm}")
    lines += ["  li x10, 0x10000", "  sw x5, 0(x10)", "  .insn r 0x0b, 0, 0, x0, x0, x0", "1: j 1b", ""]
    return "\n".join(lines)


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _cold_build(config):
    """Seconds to build ``config``'s model into an empty cache."""
    from ..sim.build import build_model
    with tempfile.TemporaryDirectory() as empty:
        saved = os.environ.get("SIMTLAB_CACHE")
        os.environ["SIMTLAB_CACHE"] = empty
        try:
            _, seconds = _timed(lambda: build_model(config))
        finally:
            if saved is None:
                os.environ.pop("SIMTLAB_CACHE")
            else:
                os.environ["SIMTLAB_CACHE"] = saved
    return seconds


def _spin_speed(device, iterations):
    """Run the spin kernel; returns (counters, simulated cycles per second)."""
    out = device.alloc(12, np.uint32)
    device.load(EXAMPLES["spin"].source)
    counters, seconds = _timed(lambda: device.run(None, iterations, 12345, out,
                                                  max_cycles=400 * iterations))
    _check(np.array_equal(device.download(out), spin_reference(iterations, 12345)),
           "spin kernel result differs from the Python reference")
    device.free_all()
    return counters, counters.cycles / seconds


def fast_speed(quick=False, repeats=5, shapes=("1x1", "4x4")):
    """The fast backend's speed on the spin kernel: for each shape, the median over ``repeats`` runs
    of the warp instructions per second of wall time (and of the simulating thread's CPU time, which
    other processes' load does not change), with the 1-minute load average before the runs.
    Returns ``{shape: (instructions, wall M/s, cpu M/s, load)}`` and prints one line per shape."""
    from .device import Device
    iterations = 500_000 if quick else 5_000_000
    figures = {}
    for shape in shapes:
        config = PRESETS["default" if shape == "1x1" else shape]
        load = os.getloadavg()[0]
        walls, cpus = [], []
        with Device(config, backend="fast") as device:
            out = device.alloc(12, np.uint32)
            device.load(EXAMPLES["spin"].source)
            for _ in range(repeats):
                began, cpu = time.perf_counter(), time.thread_time()
                counters = device.run(None, iterations, 12345, out, max_cycles=400 * iterations)
                cpu, wall = time.thread_time() - cpu, time.perf_counter() - began
                walls.append(counters.instrs / wall)
                cpus.append(counters.instrs / cpu)
                _check(np.array_equal(device.download(out), spin_reference(iterations, 12345)),
                       "spin kernel result on the fast backend differs from the Python reference")
        wall, cpu = float(np.median(walls)) / 1e6, float(np.median(cpus)) / 1e6
        figures[shape] = (counters.instrs, wall, cpu, load)
        print(f"  fast backend {shape:<5} {counters.instrs:>10} warp instrs  {wall:6.1f} M/s wall "
              f"({cpu:.1f} M/s of thread CPU time), median of {repeats}, load {load:.2f} on "
              f"{os.cpu_count()} cores")
    return figures


#: Vortex's published RTL-simulation figures (vortex-isa.md): (cycles, IPC) per workload and shape.
VORTEX = {
    ("vecadd", "4x4"): (292_046, 0.337),
    ("vecadd", "4x16"): (75_335, 0.326),
    ("sgemm", "4x4"): (5_957_013, 0.419),
    ("sgemm", "4x16"): (1_821_882, 0.342),
}


#: Vortex's own rtlsim with its default memory system (upstream 31e4765, 1 core, 16 KiB 4-way I$ and
#: write-through D$, local memory on, no L2, 2-channel HBM2 through ramulator, kernels from GCC),
#: measured on this machine for issue 10: (workload, shape) -> cycles.
VORTEX_MEMORY = {
    ("vecadd", "4x4"): 554_549,
    ("sgemm_f", "4x4"): 9_877_970,
    ("vecadd", "4x16"): 220_062,
    ("sgemm_f", "4x16"): 2_572_481,
}


def float_sgemm(n=128, shapes=("4x4", "4x16"), backend="rtl", seed=7):
    """Run kernels/examples/sgemm_fast_f.c on an n x n x n float32 product at each shape and check C
    bit for bit (uint32 patterns) against catalog.sgemm_f_reference. Yields (shape, counters,
    seconds); raises AssertionError on any differing element."""
    from .device import Device
    example = FLOAT_EXAMPLES["sgemm_fast_f"]
    case = sgemm_f_case(np.random.default_rng(seed), n, n, n, max_cycles=8 * n ** 3 + 2_000_000)
    want = case.expected["c"].view(np.uint32)
    for shape in shapes:
        warps, threads = map(int, shape.split("x"))
        with Device(SimtConfig(name=shape, warps=warps, threads=threads), backend=backend) as device:
            buffers = {name: device.upload(array) for name, array in case.inputs.items()}
            args = [buffers[a.name].addr if isinstance(a, Buf) else a for a in case.args]
            device.load(example.source)             # compile outside the timed run
            counters, seconds = _timed(lambda: device.run(None, *args, max_cycles=case.max_cycles))
            got = device.download(buffers["c"]).view(np.uint32).reshape(want.shape)
            bad = np.flatnonzero(got != want)
            _check(not bad.size, lambda: f"sgemm_fast_f {n}^3 at {shape} ({backend}): {bad.size} "
                                         f"elements differ from the reference, first at {bad[0]}")
        yield shape, counters, seconds


#: NVDLA nv_small trace-test shapes run on the tile: x (N, C, H, W), w (K, C, R, S), layer options.
TILE_CONV_LAYERS = {
    "dc_1x1x8_1x1x8x1": ((1, 8, 1, 1), (1, 8, 1, 1), {}),
    "dc_8x8x32_1x1x32x32": ((1, 32, 8, 8), (32, 32, 1, 1), dict(out_shift=6)),
    "dc_8x16x128_3x3x128x32": ((1, 128, 16, 8), (32, 128, 3, 3), dict(out_shift=9)),
    "dc_13x15x64_5x3x64x16": ((1, 64, 15, 13), (16, 64, 3, 5), dict(out_shift=10, relu=True)),
    "dc_24x33x55_5x5x55x25": ((1, 55, 33, 24), (25, 55, 5, 5),
                              dict(stride=(3, 4), padding=(1, 2, 2, 1), pad_value=-7,
                                   clip_truncate=4, out_shift=6)),
}


def tile_layers(seed=3):
    """Run every TILE_CONV_LAYERS layer on the tile (RTL, the "tile" preset), check it bit for bit
    against tile_ref, and yield (name, counters, bound): bound is the analytical utilization limit
    of its channel alignment, (C / ceil_A(C)) * (K / ceil_A(K))."""
    from ..sim import tile_ref
    from .device import Device
    from .tile import TileDriver
    config = PRESETS["tile"]
    atom_c, atom_k = config.tile.atom_c, config.tile.atom_k
    rng = np.random.default_rng(seed)
    with Device(config) as device:
        for name, (xs, ws, options) in TILE_CONV_LAYERS.items():
            x = rng.integers(-128, 128, size=xs).astype(np.int8)
            w = rng.integers(-128, 128, size=ws).astype(np.int8)
            y, counters = TileDriver(device).conv2d(x, w, **options)
            acc = tile_ref.conv2d(x, w, **{k: v for k, v in options.items()
                                           if k in ("stride", "padding", "pad_value")})
            acc, _ = tile_ref.cacc_truncate(acc, options.get("clip_truncate", 0))
            want, _ = tile_ref.sdp_x1(acc, relu=options.get("relu", False),
                                      cvt_shift=options.get("out_shift", 0))
            _check(np.array_equal(y, want), f"{name}: the tile's output differs from tile_ref")
            k, c = ws[0], ws[1]
            bound = (c / (-(-c // atom_c) * atom_c)) * (k / (-(-k // atom_k) * atom_k))
            yield name, counters, bound


def _vecadd_sgemm_cases(quick, seed):
    """The memory benches' two workloads, checked by run_case: ``(name, example, case, size)`` of
    vecadd (vortex_vecadd.c, n = 16384; quick 4096) and float sgemm (sgemm_fast_f.c, 128^3; quick
    32^3)."""
    vec_n = 4096 if quick else 16384
    gemm_n = 32 if quick else 128
    vecadd = EXAMPLES["vortex_vecadd"]
    sgemm = FLOAT_EXAMPLES["sgemm_fast_f"]
    return (("vecadd", vecadd, vecadd.make_case(np.random.default_rng(seed), vec_n), f"n={vec_n}"),
            ("sgemm_f", sgemm, sgemm_f_case(np.random.default_rng(seed), gemm_n, gemm_n, gemm_n,
                                            max_cycles=40 * gemm_n ** 3 + 2_000_000),
             f"{gemm_n}^3"))


def dram_bench(quick=False, shapes=("4x4", "4x16"), models=("ideal", "hbm2", "ddr4"), seed=7):
    """vecadd (vortex_vecadd.c) and float sgemm (sgemm_fast_f.c) cycles on each DRAM model
    (docs/memory.md) at each shape, every result checked (numpy; sgemm bit for bit). Prints a table
    and returns ``{(workload, shape, model): Counters}``."""
    from .demo import run_case
    from .device import Device
    cases = _vecadd_sgemm_cases(quick, seed)
    print("\n== DRAM models (docs/memory.md): cycles, and against the ideal memory")
    print(f"  {'workload':<16} {'shape':<5} {'model':<6} {'cycles':>10} {'x ideal':>7} "
          f"{'row hit':>7} {'bus util':>8} {'queue stalls':>12}")
    results = {}
    for shape in shapes:
        warps, threads = map(int, shape.split("x"))
        for workload, example, case, size in cases:
            for model in models:
                config = SimtConfig(name=shape, warps=warps, threads=threads, dram=model)
                with Device(config) as device:
                    counters = run_case(device, example, case)
                results[(workload, shape, model)] = counters
                ideal = results.get((workload, shape, "ideal"))
                ratio = f"{counters.cycles / ideal.cycles:>6.2f}x" if ideal else f"{'':>7}"
                perf = counters.perf
                accesses = perf.get("dram_reads", 0) + perf.get("dram_writes", 0)
                hits = f"{perf['dram_row_hits'] / accesses:>7.1%}" if accesses else f"{'-':>7}"
                util = (f"{sum(counters.dram_utilization) / len(counters.dram):>8.1%}"
                        if counters.dram else f"{'-':>8}")
                print(f"  {workload + ' ' + size:<16} {shape:<5} {model:<6} {counters.cycles:>10} "
                      f"{ratio} {hits} {util} {perf.get('dram_queue_stalls', 0):>12}")
    return results


def cores_bench(quick=False, core_counts=(1, 2, 4, 8), shape=(4, 4), seed=7):
    """Float sgemm (sgemm_fast_f.c, checked bit for bit) and int vecadd on a cluster of 1, 2, 4
    and 8 cores (docs/cluster.md) of ``shape`` warps x threads, without and with 16 KiB L1 caches,
    on the ideal memory: cycles and the speed-up over one core. Prints a table and returns
    ``{(workload, caches, cores): Counters}``."""
    from ..config import CacheConfig
    from .demo import run_case
    from .device import Device
    cases = reversed(_vecadd_sgemm_cases(quick, seed))      # sgemm_f first
    warps, threads = shape
    print(f"\n== cores (docs/cluster.md): {warps}x{threads} per core, ideal memory")
    print(f"  {'workload':<16} {'L1':<4} {'cores':>5} {'cycles':>10} {'speed-up':>8} {'ipc':>6}")
    results = {}
    for workload, example, case, size in cases:
        for caches in (False, True):
            l1 = dict(dcache=CacheConfig(), icache=CacheConfig()) if caches else {}
            for cores in core_counts:
                config = SimtConfig(name=f"{cores}c{warps}x{threads}", cores=cores, warps=warps,
                                    threads=threads, **l1)
                with Device(config) as device:
                    counters = run_case(device, example, case)
                results[(workload, caches, cores)] = counters
                one = results[(workload, caches, core_counts[0])]
                print(f"  {workload + ' ' + size:<16} {'yes' if caches else 'no':<4} {cores:>5} "
                      f"{counters.cycles:>10} {one.cycles / counters.cycles:>7.2f}x "
                      f"{counters.ipc:>6.3f}", flush=True)
    return results


def l2_bench(quick=False, seed=7):
    """vecadd and float sgemm (checked) on the ``4c-l2`` preset -- four 4x4 cores with 16 KiB L1
    D$ and I$, HBM2 -- with and without its shared 64 KiB L2 (docs/architecture.md, "L2 cache"):
    cycles, the L2's hit rate and the requests that reach memory. Prints a table and returns
    ``{(workload, l2): Counters}``."""
    from .demo import run_case
    from .device import Device
    cases = _vecadd_sgemm_cases(quick, seed)
    print("\n== the shared L2 (preset 4c-l2: 4 cores x 4x4, 16 KiB L1s, HBM2), without and with it")
    print(f"  {'workload':<16} {'L2':<4} {'cycles':>10} {'ipc':>6} {'L1 D$ hit':>9} "
          f"{'L2 hit':>7} {'mem req':>8}")
    results = {}
    for l2 in (False, True):
        config = PRESETS["4c-l2"]
        config = config if l2 else config.replace(name="4c-l1", l2=None)
        with Device(config) as device:
            for workload, example, case, size in cases:
                counters = run_case(device, example, case)
                results[(workload, l2)] = counters
                l2_hit = f"{counters.hit_rate('l2'):>7.1%}" if l2 else f"{'-':>7}"
                print(f"  {workload + ' ' + size:<16} {'yes' if l2 else 'no':<4} "
                      f"{counters.cycles:>10} {counters.ipc:>6.3f} "
                      f"{counters.hit_rate('dcache'):>9.1%} {l2_hit} "
                      f"{counters.perf['mem_requests']:>8}", flush=True)
    return results


def vortex_like_bench(quick=False, shapes=("4x4", "4x16"), seed=7):
    """vecadd n=16384 (vortex_vecadd.c) and float sgemm 128^3 (sgemm_fast_f.c, bit for bit) on the
    ``vortex`` preset -- Vortex's default 1-core memory system: 16 KiB 4-way L1 D$ and I$, HBM2
    (docs/memory.md) -- beside Vortex's own cycles (:data:`VORTEX_MEMORY`). Prints a table and
    returns ``{(workload, shape): Counters}``."""
    from .demo import run_case
    from .device import Device
    cases = _vecadd_sgemm_cases(quick, seed)
    print("\n== the Vortex-like preset (16 KiB L1 D$ and I$, HBM2), beside Vortex's own rtlsim")
    print(f"  {'workload':<16} {'shape':<5} {'cycles':>10} {'ipc':>6} {'memory':>9}"
          f" | {'Vortex':>10} {'ratio':>6}")
    results = {}
    for shape in shapes:
        warps, threads = map(int, shape.split("x"))
        config = PRESETS["vortex"].replace(name=f"vortex-{shape}", warps=warps, threads=threads)
        with Device(config) as device:
            for workload, example, case, size in cases:
                counters = run_case(device, example, case)
                results[(workload, shape)] = counters
                memory = counters.perf.get("memory", 0)      # stall cycles waiting on loads
                vortex = VORTEX_MEMORY.get((workload, shape)) if not quick else None
                beside = (f" | {vortex:>10} {counters.cycles / vortex:>6.2f}" if vortex
                          else f" | {'-':>10} {'-':>6}")
                print(f"  {workload + ' ' + size:<16} {shape:<5} {counters.cycles:>10} "
                      f"{counters.ipc:>6.3f} {memory:>9}" + beside, flush=True)
    return results


def cache_sweep_bench(quick=False, sizes=(4096, 16384, 65536), ways=(1, 4),
                      drams=("ideal", "hbm2"), workers=2, seed=7):
    """Issue 10's sweep table, run by :mod:`simtlab.drivers.sweep` on ``workers`` processes: the
    ``vortex`` preset (4x4, 16 KiB 4-way L1 I$) with its L1 D$ at each of ``sizes`` x ``ways`` on
    each DRAM model of ``drams``, vecadd and float sgemm (:func:`_vecadd_sgemm_cases`, checked
    against numpy; sgemm bit for bit). Prints one line per D$ shape and DRAM model and returns the
    sweep's rows."""
    from . import sweep
    configs = sweep.grid("vortex", [("dcache.size", sizes), ("dcache.ways", ways), ("dram", drams)])
    work = [sweep.Workload(*case) for case in _vecadd_sgemm_cases(quick, seed)]
    load = os.getloadavg()[0]
    rows, seconds = _timed(lambda: sweep.sweep(configs, work, workers=workers, progress=False))
    failed = [f"{row['config']} {row['kernel']}: {row['error']}" for row in rows
              if row["status"] != "ok"]
    _check(not failed, lambda: "cache sweep: " + "; ".join(failed))
    print(f"\n== L1 D$ size x ways x DRAM model (simtlab sweep, vortex preset 4x4, 16 KiB 4-way "
          f"I$): cycles; {len(rows)} runs on {workers} workers in {seconds:.0f} s, load {load:.2f}")
    print(f"  {'D$':>6} {'ways':>4} {'dram':<6}" + "".join(
        f" | {w.name + ' ' + w.size:>16} {'ipc':>6} {'mem req':>8}" for w in work))
    by_point = {(row["config"], row["kernel"]): row for row in rows}
    for config in configs:
        cells = [by_point[(config.name, w.name)] for w in work]
        print(f"  {config.dcache.size // 1024:>4}Ki {config.dcache.ways:>4} "
              f"{config.dram.preset:<6}" + "".join(
                  f" | {row['cycles']:>16} {row['ipc']:>6.3f} {row['mem_requests']:>8}"
                  for row in cells), flush=True)
    return rows


def sim_speed_bench(quick=False):
    """Simulated cycles per second of the RTL model on the spin kernel (result checked): 1x1 and
    4x4, each also without the F extension, and the ``vortex`` preset (4x4 with L1s and HBM2):
    the median of 5 runs (1 with ``quick``), the load average printed beside each line."""
    from .device import Device
    scalar, simt = SimtConfig(name="1x1"), SimtConfig(name="4x4", warps=4, threads=4)
    repeats = 1 if quick else 5
    print(f"\n== simulation speed (spin kernel, integer code; median of {repeats}; without F: the "
          f"FPU's cost; vortex: the Vortex-like preset's L1s and HBM2); load average "
          f"{os.getloadavg()[0]:.2f}")
    for name, config, iterations, variants in (
            ("1x1", scalar, 100_000 if quick else 1_000_000, ("without F",)),
            ("4x4", simt, 50_000 if quick else 300_000, ("without F", "vortex"))):
        speeds, counters = [], None
        for variant in (config,) + variants:
            variant = {"without F": config.replace(fpu=False),
                       "vortex": PRESETS["vortex"]}.get(variant, variant)
            with Device(variant) as device:
                runs = [_spin_speed(device, iterations) for _ in range(repeats)]
            speeds.append(statistics.median(speed for _, speed in runs))
            counters = counters or runs[0][0]          # the shape's own config's counts
        others = "  ".join(f"{label} {speed / 1e6:5.2f}" for label, speed in zip(variants, speeds[1:]))
        print(f"  {name:<5} {counters.cycles:>10} cycles  {speeds[0] / 1e6:6.2f} M cycles/s  "
              f"({others})  ipc {counters.ipc:.3f}  load {os.getloadavg()[0]:.2f}")


def bench(quick=False):
    from ..sim.build import build_model
    from .demo import run_case
    from .device import Device

    scalar = SimtConfig(name="1x1")
    simt = {"4x4": SimtConfig(name="4x4", warps=4, threads=4),
            "4x16": SimtConfig(name="4x16", warps=4, threads=16)}
    print("simtlab bench (every kernel result is checked against numpy)")

    print("\n== model build (the FPU's cost: the same shape without the F extension)")
    for name, config in (("1x1", scalar), ("4x4", simt["4x4"])):
        print(f"  cold build {name:<5}          {_cold_build(config):8.1f} s   "
              f"without F {_cold_build(config.replace(fpu=False)):6.1f} s")
    build_model(scalar)
    # A new process: what `Device()` costs once the model is cached (imports not counted).
    probe = ("import time, simtlab; t = time.perf_counter(); simtlab.Device(); "
             "print(time.perf_counter() - t)")
    warm = float(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                                text=True).stdout)
    print(f"  warm load 1x1               {warm:8.2f} s (Device() in a new process, model cached)")

    sim_speed_bench(quick)

    print("\n== the fast functional backend (backend='fast', spin kernel): warp instructions/s")
    fast_speed(quick)

    with Device(scalar) as device:
        from ..kernels.compile import compile_kernel
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "straight.S"
            source.write_text(straight_line_program(5_000 if quick else 20_000))
            elf = compile_kernel(source, scalar, runtime=False)
            counters = device.run(elf)
        print(f"\n== straight-line integer code (1x1): {counters.instrs} instrs in {counters.cycles} "
              f"cycles, ipc {counters.ipc:.3f}")

        print("\n== example kernels (1x1)")
        print(f"  {'kernel':<12} {'n':>6} {'cycles':>10} {'instrs':>10} {'ipc':>6}")
        rng = np.random.default_rng(2026)
        for name, example in EXAMPLES.items():
            if name == "spin" or name in SIMT_EXAMPLES:
                continue
            counters = run_case(device, example, example.make_case(rng, example.default_size))
            print(f"  {name:<12} {example.default_size:>6} {counters.cycles:>10} "
                  f"{counters.instrs:>10} {counters.ipc:>6.3f}")

    print("\n== SIMT, side by side with Vortex (1 core; Vortex RTL figures from its CI)")
    print(f"  {'workload':<22} {'shape':<5} {'cycles':>10} {'ipc':>6} {'lanes':>6} {'Mc/s':>6}"
          f" | {'Vortex cycles':>13} {'ipc':>6} {'speed-up':>8}")
    vec_n = 4096 if quick else 16384
    gemm_n = 32 if quick else 128
    for shape, config in simt.items():
        with Device(config) as device:
            rng = np.random.default_rng(7)
            for workload, example, case in (
                    ("vecadd", EXAMPLES["vortex_vecadd"],
                     EXAMPLES["vortex_vecadd"].make_case(rng, vec_n)),
                    ("sgemm", EXAMPLES["sgemm"], EXAMPLES["sgemm"].make_case(rng, gemm_n))):
                counters, seconds = _timed(lambda: run_case(device, example, case))
                size = vec_n if workload == "vecadd" else f"{gemm_n}^3"
                label = f"{workload} n={size}" + (" (int)" if workload == "sgemm" else "")
                vortex = ""
                if not quick:
                    v_cycles, v_ipc = VORTEX[(workload, shape)]
                    vortex = f" | {v_cycles:>13} {v_ipc:>6.3f} {v_cycles / counters.cycles:>7.2f}x"
                print(f"  {label:<22} {shape:<5} {counters.cycles:>10} {counters.ipc:>6.3f} "
                      f"{counters.lane_efficiency:>6.2f} {counters.cycles / seconds / 1e6:>6.2f}"
                      + vortex)

    gemm_n = 32 if quick else 128
    print(f"\n== float sgemm {gemm_n}^3 (sgemm_fast_f.c, checked bit for bit), side by side with "
          "Vortex's sgemm")
    print(f"  {'shape':<5} {'cycles':>10} {'ipc':>6} {'FLOP/cyc':>8} {'Mc/s':>6}"
          f" | {'Vortex cycles':>13} {'FLOP/cyc':>8} {'speed-up':>8}")
    for shape, counters, seconds in float_sgemm(gemm_n):
        flops = 2 * gemm_n ** 3 / counters.cycles
        vortex = ""
        if not quick:
            v_cycles, _ = VORTEX[("sgemm", shape)]
            vortex = (f" | {v_cycles:>13} {2 * gemm_n ** 3 / v_cycles:>8.2f} "
                      f"{v_cycles / counters.cycles:>7.2f}x")
        print(f"  {shape:<5} {counters.cycles:>10} {counters.ipc:>6.3f} {flops:>8.2f} "
              f"{counters.cycles / seconds / 1e6:>6.2f}" + vortex)

    print("\n== the deep-learning tile (8 x 8 int8 MACs): NVDLA-named conv layers, checked bit for bit")
    print(f"  {'layer':<24} {'cycles':>8} {'MACs':>9} {'MAC util':>8} {'bound':>6} {'DMA bytes':>9}")
    for name, counters, bound in tile_layers():
        print(f"  {name:<24} {counters['layer_cycles']:>8} {counters['macs']:>9} "
              f"{counters['mac_utilization']:>8.1%} {bound:>6.1%} {counters['dma_bytes']:>9}")
    from .codesign import codesign
    print("  co-design: a kernel drives the tile through MMIO, then adds a residual on the warps;")
    print("  the same layer on the SIMT core alone (3x3 conv, padding 1, ReLU; bit-exact)")
    print(f"  {'layer':<22} {'tile (kernel)':>13} {'residual':>9} {'SIMT only':>10} {'speed-up':>8}")
    for (c, h, w), k in (((8, 6, 6), 8), ((32, 8, 8), 32)):
        with Device(PRESETS["tile"]) as device:
            n = codesign(device, np.random.default_rng(1), (c, h, w), k)
        print(f"  {f'{w}x{h}x{c}, 3x3x{c}x{k}':<22} {n['tile_layer_cycles']:>13} "
              f"{n['residual_cycles']:>9} {n['simt_conv_cycles']:>10} "
              f"{n['simt_conv_cycles'] / n['tile_layer_cycles']:>7.0f}x")
    with Device(PRESETS["tile"]) as device:
        counters, speed = _spin_speed(device, 20_000 if quick else 100_000)
    print(f"  simulation speed with the tile in the SoC (4x4 + tile, spin kernel): "
          f"{speed / 1e6:.2f} M cycles/s")

    print("\n== configurations: vecadd n=4096 and sgemm 32^3 (int) on every tested shape")
    print(f"  {'shape':<6} {'workload':<10} {'cycles':>9} {'instrs':>8} {'ipc':>6} {'lanes':>6} "
          f"{'memory':>7} {'hazard':>7} {'idle':>6} {'mem req':>8}")
    for shape in ((1, 1), (2, 2), (4, 4), (8, 8), (4, 16), (16, 4)):
        config = SimtConfig(name=f"{shape[0]}x{shape[1]}", warps=shape[0], threads=shape[1])
        with Device(config) as device:
            rng = np.random.default_rng(5)
            for workload, size in (("vortex_vecadd", 1024 if quick else 4096),
                                   ("sgemm", 16 if quick else 32)):
                example = EXAMPLES[workload]
                counters = run_case(device, example, example.make_case(rng, size))
                perf = counters.perf
                print(f"  {config.name:<6} {workload.replace('vortex_', ''):<10} "
                      f"{counters.cycles:>9} {counters.instrs:>8} {counters.ipc:>6.3f} "
                      f"{counters.lane_efficiency:>6.2f} {perf.get('memory', 0):>7} "
                      f"{perf.get('hazard', 0):>7} {perf.get('idle', 0):>6} "
                      f"{perf.get('mem_requests', 0):>8}")

    print("\n== SIMT kernels at 4x4: stall cycles by cause")
    causes = ("issue", "idle", "hazard", "memory", "barrier", "fetch")
    print(f"  {'kernel':<14} {'cycles':>9} {'ipc':>6} {'lanes':>6} " +
          " ".join(f"{c:>8}" for c in causes) + f" {'mem req':>8} {'bytes':>9}")
    with Device(simt["4x4"]) as device:
        rng = np.random.default_rng(11)
        for name in SIMT_EXAMPLES:
            example = EXAMPLES[name]
            counters = run_case(device, example, example.make_case(rng, example.default_size))
            perf = counters.perf
            print(f"  {name:<14} {counters.cycles:>9} {counters.ipc:>6.3f} "
                  f"{counters.lane_efficiency:>6.2f} " +
                  " ".join(f"{perf.get(c, 0):>8}" for c in causes) +
                  f" {perf.get('mem_requests', 0):>8} {perf.get('mem_bytes', 0):>9}")

    dram_bench(quick)
    vortex_like_bench(quick)
    cores_bench(quick)
    l2_bench(quick)
    cache_sweep_bench(quick)
    _print_tinygrad_models(quick)
    return 0


def tinygrad_models(shape="4x16", quick=False, seed=4):
    """tinygrad models (simtlab.tinygrad.models) on the RTL at ``shape``, batch 1, jitted: an MLP
    784-128-10 and the MNIST conv net (a small conv net when ``quick``). Each is called three times;
    every output is checked against the model's numpy reference. Yields (name, cold, warm) with
    cold/warm dicts: kernels, cycles, sim_time (s at the device's nominal clock), wall, compile (s),
    simulate (s)."""
    import importlib.util
    if importlib.util.find_spec("tinygrad") is None:
        return
    os.environ.update(DEV="SIMTLAB", SIMTLAB_BACKEND="rtl", SIMTLAB_CONFIG=shape)
    os.environ.setdefault("PARALLEL", "0")      # compile in this process, so its time is counted
    from ..tinygrad.models import ConvNet, Mlp
    from tinygrad import Device, Tensor, TinyJit
    device = Device["SIMTLAB"]
    rng = np.random.default_rng(seed)
    models = (("mlp 784-128-10", Mlp(device="SIMTLAB", seed=seed), (1, 784)),
              ("conv net (small)" if quick else "mnist conv net",
               (ConvNet.small if quick else ConvNet.mnist)(device="SIMTLAB", seed=seed),
               (1, 1, 28, 28)))
    for name, model, shape_in in models:
        jitted = TinyJit(lambda x, model=model: model(x).realize())
        runs = []
        for call in range(3):
            x = rng.standard_normal(shape_in).astype(np.float32)
            device.stats.reset()
            compiled = device.compiler.seconds
            got, wall = _timed(lambda: jitted(Tensor(x, device="SIMTLAB")).numpy())
            err = float(np.max(np.abs(got - model.reference(x))))
            _check(err <= 1e-4, lambda: f"tinygrad {name} call {call}: max |error| {err:.2e}")
            runs.append(dict(kernels=len(device.stats.kernels), cycles=device.stats.cycles,
                             sim_time=device.stats.cycles / device.clock_hz, wall=wall,
                             compile=device.compiler.seconds - compiled,
                             simulate=device.stats.sim_seconds))
        yield name, runs[0], runs[-1]


def _print_tinygrad_models(quick):
    shape = "4x16"
    rows = list(tinygrad_models(shape, quick))
    if not rows:
        print("\n== tinygrad: skipped (pip install 'simtlab[tinygrad]')")
        return
    print(f"\n== tinygrad models on the RTL ({shape}, batch 1, TinyJit; checked against numpy); "
          "sim time at the nominal clock (SIMTLAB_CLOCK_MHZ)")
    print(f"  {'model':<16} {'kernels':>7} {'cycles':>10} {'sim time':>9} | {'cold wall':>9} "
          f"{'compile':>8} | {'warm wall':>9} {'simulate':>8} {'other':>6}")
    for name, cold, warm in rows:
        print(f"  {name:<16} {warm['kernels']:>7} {warm['cycles']:>10} "
              f"{warm['sim_time'] * 1e3:>7.2f}ms | {cold['wall']:>8.2f}s {cold['compile']:>7.2f}s | "
              f"{warm['wall']:>8.2f}s {warm['simulate']:>7.2f}s "
              f"{warm['wall'] - warm['simulate'] - warm['compile']:>5.2f}s")
