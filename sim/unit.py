"""Verilator shared libraries of single units (an FPU, a divider, ...) with their own C++ driver.

:func:`simtlab.sim.build.build_library` builds the whole device with the fixed model harness;
unit tests need a small top of their own and a driver that streams test vectors through it in C++.
:func:`build_unit` does that with the same toolchain checks, Verilator flags and cache root
(:mod:`simtlab.cache`), under ``units/<key>/``, where the key hashes the Verilog, the top module
name, the driver sources, the tools, the CPU and the flags; parallel pytest workers build once and
share the result.
"""

import ctypes
import json
import os
import pathlib
import re
import shutil

from ..cache import KeyHasher, cached_entry
from ..errors import ToolError
from .build import VERILATOR_FLAGS, _cpu_identity, _run, _tool_env, tool_versions

__all__ = [
    "build_unit",
]

_RECIPE = 1
_LIB_NAME = "libunit.so"


def _key(verilog, top, sources, key_extra, versions):
    h = KeyHasher()
    h.add("recipe", str(_RECIPE)).add("top", top).add("extra", key_extra).add("verilog", verilog)
    for src in sources:
        h.add(f"source/{src.name}", src.read_bytes())
    h.add("verilator", versions["verilator"]).add("cxx", versions["g++"])
    h.add("cpu", _cpu_identity()).add("flags", json.dumps(VERILATOR_FLAGS))
    return h.hexdigest()


def _loads(entry):
    try:
        ctypes.CDLL(str(entry / _LIB_NAME))
    except OSError:
        return False
    return True


def _compile(entry, verilog, top, sources, env):
    obj = entry / "obj"
    if obj.exists():
        shutil.rmtree(obj)
    entry.mkdir(parents=True, exist_ok=True)
    log_file = entry / "build.log"
    log_file.write_text("")
    top_v = entry / f"{top}.v"
    top_v.write_text(verilog)
    cpp = [p for p in sources if p.suffix == ".cpp"]
    include = sorted({str(p.parent) for p in sources})
    cmd = ["verilator", "--cc", top_v, *cpp, "--top-module", top, "--Mdir", obj,
           "--prefix", f"V{top}", *VERILATOR_FLAGS,
           *[arg for d in include for arg in ("-CFLAGS", f"-I{d}")], "--build", "-j", "1"]
    _run(cmd, entry, env, log_file, "Verilator build")
    objects = [obj / f"{p.stem}.o" for p in cpp]
    missing = [str(o) for o in objects if not o.exists()]
    if missing:
        raise ToolError(f"Verilator build produced no {', '.join(missing)}; see {log_file}")
    tmp_lib = entry / f"{_LIB_NAME}.tmp"
    link = ["g++", "-shared", "-o", tmp_lib, "-Wl,--whole-archive", obj / f"V{top}__ALL.a",
            "-Wl,--no-whole-archive", *objects, obj / "libverilated.a", "-Wl,-Bsymbolic",
            "-pthread", "-latomic"]
    _run(link, entry, env, log_file, "linking the unit library")
    os.replace(tmp_lib, entry / _LIB_NAME)
    shutil.rmtree(obj, ignore_errors=True)


def build_unit(verilog, *, top, sources, key_extra=""):
    """Build (or fetch from the cache) a shared library of the Verilog module ``top`` linked with the
    C++ ``sources`` (paths; ``.cpp`` files are compiled, every source's folder is on the include
    path) and return its path.

    The driver includes ``V<top>.h``. Single-job build (``-j 1``): unit libraries are small and the
    machine is shared. Raises :class:`~simtlab.errors.ToolError` when a tool is missing or the
    build fails.
    """
    if not isinstance(verilog, str):
        raise TypeError(f"verilog must be a str, not {type(verilog).__name__}")
    if not isinstance(top, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        raise ValueError(f"top must be a Verilog identifier, not {top!r}")
    if not re.search(rf"\bmodule\s+\\?{top}\b", verilog):
        raise ValueError(f"the Verilog has no module named {top!r}")
    sources = sorted(pathlib.Path(p).resolve() for p in sources)
    if not any(p.suffix == ".cpp" for p in sources):
        raise ValueError(f"sources must include a .cpp driver, not {[str(p) for p in sources]!r}")
    versions = tool_versions()
    key = _key(verilog, top, sources, key_extra, versions)

    def compile_entry(entry):
        _compile(entry, verilog, top, sources, _tool_env())
        return {"top": top, "key_extra": key_extra, "versions": versions}

    return cached_entry("units", key, compile_entry, outputs=(_LIB_NAME,), check=_loads) / _LIB_NAME
