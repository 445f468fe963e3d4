"""simtlab's build caches: one root folder, one way to build and check an entry.

Everything simtlab builds is cached under :func:`cache_dir` (``$SIMTLAB_CACHE``, or
``~/.cache/simtlab``), one folder per kind (:data:`KINDS`), one entry folder per content key::

    <cache>/<kind>/<key[:32]>/      outputs, build.log, stamp.json (written last)
    <cache>/<kind>/<key[:32]>.lock  the entry's file lock

:func:`cached_entry` is the one build protocol: look the entry up; if it is missing or does not
check out, take its file lock, look again (another process may have built it meanwhile), remove a
partial or corrupt entry, build into the folder, and publish by writing the stamp last. The stamp
records every output's size and SHA-256, so a truncated or altered file is found and rebuilt
instead of being loaded. Parallel pytest workers and concurrent commands share the cache safely.
"""

import hashlib
import json
import logging
import os
import pathlib
import shutil
import time

from filelock import FileLock

__all__ = [
    "KINDS",
    "cache_dir",
    "KeyHasher",
    "file_sha256",
    "cached_entry",
    "read_stamp",
    "is_intact",
    "clear_cache",
    "cache_usage",
]

log = logging.getLogger("simtlab.cache")

#: The kinds of cached things: Verilator model libraries of the SoC (sim/build.py), unit libraries
#: for C++ tests of single blocks (sim/unit.py), cocotb builds (tb/cocotb/runner.py) and compiled
#: kernels (kernels/compile.py).
KINDS = ("models", "units", "cocotb", "kernels")

_STAMP = "stamp.json"


def cache_dir():
    """The cache root: ``$SIMTLAB_CACHE`` if set, else ``~/.cache/simtlab`` (created on demand)."""
    env = os.environ.get("SIMTLAB_CACHE")
    root = pathlib.Path(env).expanduser() if env else pathlib.Path.home() / ".cache" / "simtlab"
    root.mkdir(parents=True, exist_ok=True)
    return root


class KeyHasher:
    """A content key built from labelled parts: ``add(label, data)`` for each, then ``hexdigest()``.

    Each part is framed by its label and length, so two different lists of parts never hash alike.
    """

    def __init__(self):
        self._h = hashlib.sha256()

    def add(self, label, data):
        data = data.encode() if isinstance(data, str) else bytes(data)
        self._h.update(f"{label}:{len(data)}:".encode())
        self._h.update(data)
        return self

    def hexdigest(self):
        return self._h.hexdigest()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_stamp(entry):
    """The stamp of a published entry (a dict), or None if there is none or it is unreadable."""
    try:
        stamp = json.loads((pathlib.Path(entry) / _STAMP).read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _outputs_intact(entry, stamp):
    try:
        for name, record in stamp["outputs"].items():
            path = entry / name
            if path.stat().st_size != record["size"] or file_sha256(path) != record["sha256"]:
                return False
    except (OSError, KeyError, TypeError, AttributeError):
        return False
    return True


def is_intact(entry):
    """Whether ``entry`` is published and every output still has the size and hash of its stamp."""
    stamp = read_stamp(entry)
    return stamp is not None and _outputs_intact(pathlib.Path(entry), stamp)


def _usable(entry, key, check):
    stamp = read_stamp(entry)
    return (stamp is not None and stamp.get("key") == key and _outputs_intact(entry, stamp)
            and (check is None or check(entry)))


def cached_entry(kind, key, build, *, outputs, check=None, rebuild=False, lock_timeout=-1):
    """The entry folder of ``key`` in cache ``kind``, built by ``build(entry)`` if needed.

    ``outputs`` names the files (relative to the entry) that ``build`` must produce; their sizes
    and hashes go into the stamp and are checked at every lookup. ``check(entry) -> bool`` is an
    optional further test of a published entry (e.g. that a library loads). ``build`` may return
    a dict of extra stamp fields. An exception from ``build`` propagates and leaves the folder
    unpublished (no stamp: its build log stays for inspection; the next lookup removes it).
    ``rebuild=True`` builds even if a usable entry exists.
    """
    if kind not in KINDS:
        raise ValueError(f"cache kind must be one of {', '.join(KINDS)}, not {kind!r}")
    root = cache_dir() / kind
    root.mkdir(parents=True, exist_ok=True)
    entry = root / key[:32]
    if not rebuild and _usable(entry, key, check):
        return entry
    with FileLock(str(root / f"{key[:32]}.lock"), timeout=lock_timeout):
        if not rebuild and _usable(entry, key, check):     # built by another process meanwhile
            return entry
        if entry.exists():
            if not rebuild:
                log.warning("deleting a partial or corrupt cache entry %s", entry)
            shutil.rmtree(entry, ignore_errors=True)
        entry.mkdir(parents=True)
        start = time.monotonic()
        extra = build(entry) or {}
        missing = [name for name in outputs if not (entry / name).is_file()]
        if missing:
            raise RuntimeError(f"building cache entry {entry} produced no {', '.join(missing)}")
        stamp = {"key": key, **extra,
                 "outputs": {name: {"size": (entry / name).stat().st_size,
                                    "sha256": file_sha256(entry / name)} for name in outputs},
                 "build_seconds": round(time.monotonic() - start, 2),
                 "built": time.strftime("%Y-%m-%dT%H:%M:%S")}
        tmp = entry / f"{_STAMP}.tmp"
        tmp.write_text(json.dumps(stamp, indent=1))
        os.replace(tmp, entry / _STAMP)
        if check is not None and not check(entry):
            raise RuntimeError(f"the freshly built cache entry {entry} does not check out")
    return entry


def clear_cache(kinds=KINDS):
    """Delete every cached entry of ``kinds`` (all by default); returns the number removed."""
    count = 0
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"cache kind must be one of {', '.join(KINDS)}, not {kind!r}")
        folder = cache_dir() / kind
        if folder.exists():
            count += sum(1 for p in folder.iterdir() if p.is_dir() and p.name != "index")
            shutil.rmtree(folder, ignore_errors=True)
    return count


def cache_usage():
    """``{kind: (entries, bytes)}`` for every kind of :data:`KINDS`: the entry folders, and the size
    of everything in the kind's folder (locks and the models' index included)."""
    usage = {}
    for kind in KINDS:
        folder = cache_dir() / kind
        if not folder.is_dir():
            usage[kind] = (0, 0)
            continue
        entries = [p for p in folder.iterdir() if p.is_dir() and p.name != "index"]
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        usage[kind] = (len(entries), size)
    return usage
