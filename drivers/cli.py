"""The ``simtlab`` command.

    simtlab run [config options] [--out DIR] PROGRAM [ARG ...]
                                                     run a program (.elf, .c or .S); ARG: a number,
                                                     FILE.npy or zeros:DTYPE:SHAPE
    simtlab lockstep [config options] [--backends A,B] PROGRAM [ARG ...]   run on the RTL and the
                                                     emulator (or backends A and B), compare
                                                     (PROGRAM "codesign" with --config tile: the
                                                     tile-driving co-design kernel and its layer)
    simtlab build [config options]                   build (or find cached) the Verilator model
    simtlab info                                     simtlab, tool and package versions; the cache
    simtlab cache [--clear]                          sizes per kind / delete every cached build
    simtlab --version
    simtlab demo                                     the example kernels on the RTL, checked with numpy
    simtlab bench                                    build times, simulation speed, cycles and IPC
    simtlab sweep [--config P,..] [--set FIELD=V,..] --kernel NAME[:SIZE] [-j N] [--out F.csv]
                                                     a grid of configurations x kernels in
                                                     parallel (or on a Dask cluster), one CSV row
                                                     each (exit 1 if a point failed)
    simtlab nvdla-trace [--backend rtl|emu] PATH.cfg replay an NVDLA trace test on the "tile"
                                                     preset; pass/fail per check, cycles (exit 1
                                                     if a check fails)
    simtlab fpga build --board ulx3s-85f [--config NAME] [--out DIR]
                                                     the FPGA flow to a .bit (docs/fpga.md)
    simtlab fpga report [DIR]                        an FPGA build's utilization and Fmax

Config options: --config NAME, --cores N, --warps N, --threads N, --mem-latency N, --backend rtl|emu|fast.
``run`` exits with the program's code: 0 when it passes (tohost 1, exit 0 or the device falling idle),
the failure code n of a tohost write of (n << 1) | 1, or the value written to the exit register.
Errors (faults, watchdog, bad input, missing tools) print ``error: ...`` and exit with 2. Program
codes above 255 exit with 255; the printed ``status=... code=...`` line is exact.
"""

import argparse
import os
import re
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from ..config import PRESETS
from ..errors import KernelFailed, SimtlabError
from ..spec.status import DEFAULT_MAX_CYCLES

__all__ = ["main"]

ERROR_EXIT = 2
INTERRUPT_EXIT = 130    # the shell's code for a process ended by SIGINT


def _add_quiet_option(parser):
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bars (builds, long runs)")


def _add_config_options(parser, *, backend=True):
    parser.add_argument("--config", default="default", choices=sorted(PRESETS),
                        help="configuration preset (default: %(default)s)")
    parser.add_argument("--cores", type=int)
    parser.add_argument("--warps", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--mem-latency", type=int, help="memory latency in cycles")
    if backend:
        parser.add_argument("--backend", choices=("rtl", "emu", "fast"), default="rtl")


def _config(args):
    from .device import make_config
    return make_config(args.config, cores=args.cores, warps=args.warps, threads=args.threads,
                       mem_latency=args.mem_latency)


def _int_arg(text):
    try:
        return int(text, 0)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"kernel argument {text!r} is not a number") from None


def _run_arg(text):
    """A ``run`` argument: an int or float, a ``.npy`` file (uploaded; the kernel gets its address)
    or ``zeros:DTYPE:SHAPE`` (a zeroed buffer, e.g. ``zeros:int32:1000``, ``zeros:float32:4x8``)."""
    if text.endswith(".npy"):
        return Path(text)
    if text.startswith("zeros:"):
        try:
            _, dtype, shape = text.split(":")
            shape = tuple(int(n) for n in shape.split("x"))
            return ("zeros", np.dtype(dtype), shape)
        except (ValueError, TypeError):
            raise argparse.ArgumentTypeError(
                f"kernel argument {text!r}: write zeros:DTYPE:SHAPE, e.g. zeros:int32:1000") from None
    return _int_arg(text)


def _host_value(arg):
    """A parsed ``run`` argument on the host: a .npy file's array, a zeroed array, or the number."""
    if isinstance(arg, Path):
        try:
            return np.load(arg, allow_pickle=False)
        except ValueError as exc:
            raise ValueError(f"{arg}: not a numeric .npy array ({exc})") from None
    if isinstance(arg, tuple):
        return np.zeros(arg[2], arg[1])
    return arg


def _materialise(dev, args):
    """The launch arguments: .npy files and zeros:... buffers uploaded."""
    values = [_host_value(arg) for arg in args]
    return [dev.upload(v) if isinstance(v, np.ndarray) else v for v in values]


def _check_writable(path, option):
    """A user error (ValueError) unless ``path`` can be written: checked before any build."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a directory")
    if not parent.is_dir():
        raise ValueError(f"{option} {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"{option} {path}: not writable")


def _check_out_dir(path):
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {path}: exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--out {path}: cannot create it ({exc.strerror})") from None
    if not os.access(path, os.W_OK):
        raise ValueError(f"--out {path}: not writable")


def cmd_run(args):
    from .device import Device
    waves = None
    if args.vcd:
        from .waves import check_wave_path
        check_wave_path(args.vcd, args.waves_scope)
        _check_writable(args.vcd, "--vcd")
        waves = _window(args.vcd_window)
    elif args.waves_scope:
        raise ValueError("--waves-scope selects signals of the waveform: give --vcd FILE")
    if args.out:
        _check_out_dir(args.out)
    elif args.konata or args.plots:
        raise ValueError(f"{'--konata' if args.konata else '--plots'} writes into the run "
                         f"directory: give --out DIR")
    if args.plots:
        from .plots import pyplot
        pyplot()        # matplotlib missing: say so before the run
    with Device(_config(args), backend=args.backend, max_cycles=args.max_cycles, waves=waves,
                vcd_path=args.vcd, progress=not args.quiet) as dev:
        launch_args = _materialise(dev, args.args)
        if args.konata or args.plots:
            dev.enable_trace(True)
        dev.launch(args.program, *launch_args)
        code = 0
        try:
            dev.wait()
        except KernelFailed as failed:
            code = failed.code
        finally:
            console = dev.console()
            sys.stdout.write(console)
            result = dev.last_result
            if result is not None:
                print(f"status={result.status_name} code={result.code} cycles={result.cycles} "
                      f"instrs={result.instret} ipc={result.ipc:.3f}")
                if args.out:
                    from .rundir import write_run_dir
                    signature = dev.program.signature
                    names = [f.name for f in signature.fields] if signature is not None else \
                        [f"arg{n}" for n in range(len(launch_args))]
                    write_run_dir(args.out, device=dev, program=args.program, args=launch_args,
                                  result=result, names=names, console=console,
                                  trace=dev.trace() if args.konata or args.plots else None,
                                  konata=args.konata, plots=args.plots)
                    print(f"run directory: {args.out}")
    if args.vcd:
        if args.waves_scope:
            from .waves import select_signals
            kept = select_signals(args.vcd, args.waves_scope)
            print(f"waveform: {args.vcd} ({kept} signals matching {args.waves_scope!r})")
        else:
            print(f"waveform: {args.vcd}")
    return min(code, 255) if code > 0 else (1 if code else 0)


def _window(text):
    try:
        first, last = (int(part, 0) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"--vcd-window must be FROM:TO cycles, not {text!r}") from None
    return first, last


def cmd_lockstep(args):
    from .lockstep import run_lockstep
    report = run_lockstep(_config(args), args.program, *args.args, max_cycles=args.max_cycles,
                          backends=tuple(args.backends.split(",")))
    print(report.summary())
    return 0 if report.ok else 1


def cmd_diverge(args):
    from .divergence import find_divergence
    launch_args = [_host_value(arg) for arg in args.args]     # find_divergence uploads arrays
    branches = find_divergence(_config(args), args.program, *launch_args,
                               max_cycles=args.max_cycles)
    for branch in branches[:args.top]:
        print(branch)
    print(f"{len(branches)} divergent branch{'es' if len(branches) != 1 else ''}"
          f"{f' ({args.top} shown)' if len(branches) > args.top else ''}")
    return 0


def cmd_build(args):
    from ..sim.build import build_model
    config = _config(args)
    start = time.perf_counter()
    path = build_model(config, progress=not args.quiet)
    print(f"model for {config.as_dict()} at {path} ({time.perf_counter() - start:.1f} s)")
    return 0


def _version():
    try:
        return metadata.version("simtlab")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _package_versions():
    """``{name: version}`` of every package simtlab's metadata requires (extras included)."""
    names = []
    for requirement in metadata.requires("simtlab") or ():
        name = re.match(r"[A-Za-z0-9_.-]+", requirement)[0]
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def cmd_info(args):
    from ..cache import cache_dir
    from ..kernels.compile import compiler_command, compiler_version
    from ..sim.build import tool_versions
    print(f"simtlab: {_version()}")
    for name, version in tool_versions().items():
        print(f"{name}: {version}")
    print(f"kernel compiler: {' '.join(compiler_command())} ({compiler_version()})")
    for name, version in _package_versions().items():
        print(f"package {name}: {version}")
    print(f"cache: {cache_dir()}")
    return 0


def cmd_cache(args):
    from ..cache import KINDS, cache_dir, cache_usage, clear_cache
    if args.clear:
        count = clear_cache()
        print(f"cleared {count} cached entries ({', '.join(KINDS)}) from {cache_dir()}")
        return 0
    print(f"cache: {cache_dir()}")
    for kind, (entries, size) in cache_usage().items():
        print(f"{kind:8s} {entries:5d} entries {size / 2**20:9.1f} MiB")
    return 0


def cmd_demo(args):
    from .demo import demo
    return demo()


def cmd_nvdla_trace(args):
    from .device import Device
    from .nvdla_trace import replay
    with Device("tile", backend=args.backend, max_cycles=args.max_cycles) as dev:
        result = replay(args.trace, dev, strict=args.strict)
    print(result.report())
    return 0 if result.passed else 1


def cmd_bench(args):
    from .bench import bench
    return bench(quick=args.quick)


def cmd_sweep(args):
    from . import sweep
    for path, option in ((args.out, "--out"), (args.parquet, "--parquet"), (args.plot, "--plot")):
        if path:
            _check_writable(path, option)
    configs = sweep.grid(args.config.split(","), args.set)
    if not args.kernel:
        raise sweep.SweepError("no kernels: give --kernel NAME[:SIZE] at least once")
    work = [sweep.parse_kernel(text, args.seed) for text in args.kernel]
    x = args.x or (args.set[0].partition("=")[0].strip() if args.set else "config")
    if args.plot and x not in sweep.config_columns(configs[0]):
        raise sweep.SweepError(f"--x {x}: not a configuration column; choose from "
                               f"{', '.join(sweep.config_columns(configs[0]))}")
    for option in sweep.OPTIONAL:       # the optional packages are checked before anything runs
        if getattr(args, option[2:]):
            sweep.require(option)
    rows = sweep.sweep(configs, work, backend=args.backend, workers=args.workers,
                       scheduler=args.scheduler, progress=not args.quiet)
    sweep.write_csv(rows, args.out)
    if args.parquet:
        sweep.write_parquet(rows, args.parquet)
    if args.plot:
        sweep.plot(rows, args.metric, x, args.plot)
    width = max(len(row["config"]) for row in rows)
    for row in rows:
        figures = (f"cycles={row['cycles']} ipc={row['ipc']}" if row["status"] == "ok"
                   else row["error"])
        print(f"{row['config']:<{width}}  {row['kernel'] + ':' + row['size']:<20} "
              f"{row['status']:<6} {figures}")
    for key, stamps in sweep.model_builds(rows).items():
        if len(stamps) > 1:     # the cache's lock should make this impossible
            print(f"warning: model {key} was built {len(stamps)} times", file=sys.stderr)
    failed = sum(row["status"] != "ok" for row in rows)
    tables = ", ".join(path for path in (args.out, args.parquet) if path)
    print(f"{len(rows)} points, {failed} failed; table: {tables}"
          + (f"; plot: {args.plot}" if args.plot else ""))
    return 1 if failed else 0


def cmd_fpga_build(args):
    from .fpga_build import build, fpga_config
    overrides = {} if args.fpu is None else {"fpu": args.fpu == "on"}
    config = fpga_config(args.config, **overrides)
    fpu = "" if args.fpu is None else f"-fpu-{args.fpu}"
    out = Path(args.out or f"build/fpga-{args.board}-{args.config}{fpu}")
    build(config, out, board=args.board, mhz=args.mhz, window_bytes=args.window,
          place=not args.synth_only, blocks=args.blocks, lut_mapper=args.lut_mapper)
    if not args.synth_only:
        from .fpga_report import format_report, read_report
        print(format_report(read_report(out)))
    return 0


def cmd_fpga_report(args):
    from .fpga_report import format_report, read_report
    print(format_report(read_report(args.dir), depth=args.depth))
    return 0


def _add_fpga_commands(sub):
    from .fpga_build import BOARDS, LUT_MAPPERS
    fpga = sub.add_parser("fpga", help="the FPGA flow: build a bitstream, report its area and timing")
    steps = fpga.add_subparsers(dest="fpga_command", required=True)
    p = steps.add_parser("build", help="synthesis, place and route, bitstream (yowasp tools)")
    p.add_argument("--board", choices=sorted(BOARDS), default="ulx3s-85f")
    p.add_argument("--config", default="default", choices=sorted(PRESETS),
                   help="configuration preset, built with clock_gating=False (default %(default)s)")
    p.add_argument("--fpu", choices=("on", "off"), help="override the preset's FPU")
    p.add_argument("--mhz", type=float, default=25.0, help="the SoC's clock (default %(default)s)")
    p.add_argument("--window", type=int, default=16384,
                   help="bytes of each on-chip memory window (default %(default)s)")
    p.add_argument("--out", metavar="DIR",
                   help="build folder (default build/fpga-BOARD-CONFIG, -fpu-on/off with --fpu)")
    p.add_argument("--synth-only", action="store_true", help="yosys only: no P&R, no bitstream")
    p.add_argument("--blocks", action="store_true",
                   help="also synthesise unflattened for the per-block report")
    p.add_argument("--lut-mapper", choices=LUT_MAPPERS, default="abc9",
                   help="abc9 (synth_ecp5's own) or classic abc where abc9 fails (default %(default)s)")
    p.set_defaults(func=cmd_fpga_build)
    p = steps.add_parser("report", help="utilization, Fmax and per-block area of a build")
    p.add_argument("dir", nargs="?", default="build/fpga-ulx3s-85f-default-fpu-off",
                   help="a build folder (default: make bitstream's, %(default)s)")
    p.add_argument("--depth", type=int, default=3, help="block levels shown (default %(default)s)")
    p.set_defaults(func=cmd_fpga_report)


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's contract for usage errors: one line ``error: ...``, exit 2."""

    def error(self, message):
        print(f"error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(ERROR_EXIT)


def main(argv=None):
    parser = _Parser(prog="simtlab", description="simtlab: a RISC-V GPGPU lab")
    parser.add_argument("--version", action="version", version=f"simtlab {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a bare-metal program or kernel")
    _add_config_options(p)
    _add_quiet_option(p)
    p.add_argument("--max-cycles", type=int, default=DEFAULT_MAX_CYCLES, help="watchdog limit")
    p.add_argument("--vcd", metavar="FILE", help="dump a waveform (RTL backend): VCD, or FST when "
                   "FILE ends in .fst; time is cycle-true: cycle n at n ns")
    p.add_argument("--vcd-window", default="0:10000", metavar="FROM:TO",
                   help="cycles to dump with --vcd (default %(default)s)")
    p.add_argument("--waves-scope", metavar="PATTERN", help="keep only the waveform's signals whose "
                   "dotted name matches the glob PATTERN (e.g. 'simtlab_top.retire__*')")
    p.add_argument("--out", metavar="DIR", help="write config.json, stats.json, stats.csv, "
                   "console.txt and every buffer argument as NAME.npy into DIR")
    p.add_argument("--konata", action="store_true",
                   help="also write DIR/konata.log, a pipeline view of every retired warp "
                   "instruction for the Konata viewer (needs --out)")
    p.add_argument("--plots", action="store_true",
                   help="also write DIR/stalls.png, ipc.png and lane_efficiency.png (needs --out and "
                   "matplotlib: pip install 'simtlab[plots]')")
    p.add_argument("program", help="an ELF, or a .c/.S source compiled with the kernel runtime")
    p.add_argument("args", nargs="*", type=_run_arg,
                   help="kernel arguments: integers, floats, FILE.npy (uploaded), zeros:DTYPE:SHAPE")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("lockstep", help="compare the RTL's retired instructions with the emulator")
    _add_config_options(p, backend=False)
    p.add_argument("--max-cycles", type=int, default=5_000_000)
    p.add_argument("--backends", default="rtl,emu", metavar="A,B",
                   help="the backends compared, the checked one first (default rtl,emu; e.g. fast,emu)")
    p.add_argument("program", help="an ELF or a .c/.S source; \"codesign\" (with --config tile): the "
                   "co-design kernel driving the tile")
    p.add_argument("args", nargs="*", type=_int_arg)
    p.set_defaults(func=cmd_lockstep)

    p = sub.add_parser("diverge", help="list a kernel's divergent branches (golden model)")
    _add_config_options(p, backend=False)
    p.add_argument("--max-cycles", type=int, default=DEFAULT_MAX_CYCLES, help="watchdog limit")
    p.add_argument("--top", type=int, default=20, help="show the N most frequent (default 20)")
    p.add_argument("program", help="an ELF or a .c source compiled with the kernel runtime")
    p.add_argument("args", nargs="*", type=_run_arg,
                   help="kernel arguments, as for run: integers, floats, FILE.npy, zeros:DTYPE:SHAPE")
    p.set_defaults(func=cmd_diverge)

    p = sub.add_parser("build", help="build or find the cached Verilator model")
    _add_config_options(p, backend=False)
    _add_quiet_option(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("info", help="simtlab, tool and package versions; the cache location")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("cache", help="list the caches' sizes per kind, or clear them")
    p.add_argument("--clear", action="store_true",
                   help="delete every cached model, unit library, cocotb build and kernel")
    p.set_defaults(func=cmd_cache)

    p = sub.add_parser("demo", help="run the example kernels on the RTL model")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("bench", help="measure build time, simulation speed, cycles and IPC")
    p.add_argument("--quick", action="store_true", help="shorter runs (for tests)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("sweep", help="run a grid of configurations x kernels in parallel")
    p.add_argument("--config", default="default", metavar="PRESET[,PRESET...]",
                   help=f"base presets (default %(default)s; from {', '.join(PRESETS)})")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=V1[,V2...]",
                   help="sweep a SimtConfig field (warps=2,4; dram=ideal,hbm2; dcache=off,on) or a "
                        "sub-field (dcache.size=4k,16k; dcache.ways=1,4; dram.channels=1,2); "
                        "repeat for a cartesian grid")
    p.add_argument("--kernel", action="append", default=[], metavar="NAME[:SIZE]",
                   help="a catalog kernel and its size (repeat for several)")
    p.add_argument("--backend", choices=("rtl", "emu", "fast"), default="rtl")
    p.add_argument("-j", "--workers", type=int, help="worker processes (default: every core)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask cluster instead (pip install 'simtlab[dask]')")
    p.add_argument("--seed", type=int, default=7, help="the kernels' input data (default 7)")
    p.add_argument("--out", default="sweep.csv", metavar="FILE.csv",
                   help="the table (default %(default)s)")
    p.add_argument("--parquet", metavar="FILE.parquet", help="the table as Parquet too (pyarrow)")
    p.add_argument("--plot", metavar="FILE.png", help="plot --metric against --x (matplotlib)")
    p.add_argument("--metric", default="cycles", help="the plotted column (default %(default)s)")
    p.add_argument("--x", metavar="FIELD", help="the plot's x axis (default: the first --set)")
    _add_quiet_option(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("nvdla-trace", help="replay an NVDLA trace test (.cfg) on the tile")
    p.add_argument("--backend", choices=("rtl", "emu"), default="rtl",
                   help="the RTL model or the golden model (default %(default)s)")
    p.add_argument("--max-cycles", type=int, default=DEFAULT_MAX_CYCLES,
                   help="limit of each interrupt wait or poll")
    p.add_argument("--strict", action="store_true",
                   help="a register the tile lacks is an error (default: skipped and listed)")
    p.add_argument("trace", help="the trace's .cfg (its .dat files next to it)")
    p.set_defaults(func=cmd_nvdla_trace)

    _add_fpga_commands(sub)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPT_EXIT
    except (SimtlabError, ValueError, TypeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return ERROR_EXIT


if __name__ == "__main__":
    sys.exit(main())
