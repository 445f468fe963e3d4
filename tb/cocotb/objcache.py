"""Compiler wrapper (Verilator's ``OBJCACHE`` hook) that shares the run-time library objects between
cocotb builds.

Every Verilator model links ``verilated.o``, ``verilated_vpi.o``, ``verilated_dpi.o`` and
``verilated_threads.o``, compiled from ``$VERILATOR_ROOT/include`` with flags that do not depend on
the design; they cost about a minute of CPU per build, more than a small design itself. ``runner.py``
sets ``OBJCACHE="<python> objcache.py"``, so make runs ``<python> objcache.py c++ <flags> -c -o X.o
X.cpp`` for every object. This script compiles a run-time library source once per distinct command
line (and source text) into ``$SIMTLAB_OBJCACHE_DIR`` behind a file lock, and afterwards copies the
object (and its ``.d`` file) from there. Every other command runs unchanged (through
``$SIMTLAB_OBJCACHE_NEXT``, e.g. ccache, when set). ``$SIMTLAB_OBJCACHE_DIR`` is chosen by
``runner.py`` per Verilator and compiler version.
"""

import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys


def _run(cmd):
    nxt = os.environ.get("SIMTLAB_OBJCACHE_NEXT", "").split()
    return subprocess.call([*nxt, *cmd])


def _library_source(cmd):
    """The run-time library source this compile command builds, or None."""
    root = os.environ.get("VERILATOR_ROOT")
    if not root or "-c" not in cmd or "-o" not in cmd:
        return None
    sources = [a for a in cmd if a.endswith(".cpp")]
    if len(sources) != 1:
        return None
    source = pathlib.Path(sources[0]).resolve()
    include = (pathlib.Path(root) / "include").resolve()
    return source if source.parent == include else None


def main(cmd):
    cache = os.environ.get("SIMTLAB_OBJCACHE_DIR")
    source = _library_source(cmd) if cache else None
    if source is None:
        return _run(cmd)
    out = pathlib.Path(cmd[cmd.index("-o") + 1])
    dep = out.with_suffix(".d")
    key = hashlib.sha256(json.dumps(cmd).encode() + b"\0" + source.read_bytes()).hexdigest()[:32]
    cache = pathlib.Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    cached_obj, cached_dep = cache / f"{key}.o", cache / f"{key}.d"

    from filelock import FileLock
    with FileLock(str(cache / f"{key}.lock")):
        if not cached_obj.is_file():
            status = _run(cmd)
            if status:
                return status
            for src, dst in ((out, cached_obj), (dep, cached_dep)):
                if src.is_file():
                    tmp = dst.with_suffix(dst.suffix + f".{os.getpid()}.tmp")
                    shutil.copyfile(src, tmp)
                    os.replace(tmp, dst)
            return 0
    shutil.copyfile(cached_obj, out)
    if cached_dep.is_file():
        shutil.copyfile(cached_dep, dep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
