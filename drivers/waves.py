"""Waveform files of a run (``simtlab run --vcd FILE``): checks of the path and a signal selection.

The harness writes VCD, or FST for a ``*.fst`` path, with cycle-true time (unit 100 ps: cycle ``n`` of a run starts at ``n`` ns,
its rising clock edge at ``n.5`` ns, docs/guide.md). :func:`select_signals` keeps only the signals
whose dotted hierarchical name matches a glob pattern (``--waves-scope``), which also drops the
synthesis tool's internal ``$`` nets.
"""

import fnmatch
import os
import re
from pathlib import Path

__all__ = ["check_wave_path", "select_signals"]

_VAR = re.compile(r"\$var\s+\S+\s+\d+\s+(\S+)\s+(\S+)")


def check_wave_path(path, scope=None):
    """ValueError unless ``path`` names a waveform simtlab writes: ``*.vcd``, or ``*.fst`` (a
    separately cached model built with Verilator's FST writer). ``scope`` (``--waves-scope``)
    works on VCD text only."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".vcd", ".fst"):
        raise ValueError(f"--vcd {path}: name the waveform *.vcd (VCD text) or *.fst (FST)")
    if suffix == ".fst" and scope is not None:
        raise ValueError(f"--waves-scope selects signals of a VCD file; {path} is FST: dump a .vcd "
                         f"to select signals")


def select_signals(path, pattern):
    """Rewrite the VCD file ``path`` keeping the signals whose dotted name (``scope.sub.signal``,
    e.g. ``simtlab_top.retire__pc``) matches the glob ``pattern`` (``fnmatch``, case-sensitive) and
    whose own name has no ``$``; scopes left empty are dropped. Returns the number of signals kept
    (ValueError when none matches, naming a few signals that exist)."""
    path = Path(path)
    kept_ids, names, kept = set(), [], 0
    header, scopes = [], []     # scopes: [line, written?] of the open $scope lines
    with open(path) as f:
        for line in f:
            word = line.split(None, 1)[0] if line.strip() else ""
            if word == "$scope":
                scopes.append([line, False])
                continue
            if word == "$upscope":
                line_written = scopes.pop()[1]
                if line_written:
                    header.append(line)
                continue
            if word == "$var":
                match = _VAR.match(line.strip())
                ident, name = match.groups()
                dotted = ".".join([s[0].split()[2] for s in scopes] + [name])
                names.append(dotted)
                if "$" in name or not fnmatch.fnmatchcase(dotted, pattern):
                    continue
                for scope in scopes:
                    if not scope[1]:
                        header.append(scope[0])
                        scope[1] = True
                kept_ids.add(ident)
                kept += 1
                header.append(line)
                continue
            header.append(line)
            if word == "$enddefinitions":
                break
        if not kept:
            sample = ", ".join(names[:5])
            raise ValueError(f"--waves-scope {pattern!r} matches no signal of {path} "
                             f"(signals are named like {sample})")
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w") as out:
            out.writelines(header)
            for line in f:
                head = line[:1]
                if head in "#$\n" or not head:
                    out.write(line)
                    continue
                ident = line.split()[-1] if head in "bBrR" else line[1:].strip()
                if ident in kept_ids:
                    out.write(line)
    os.replace(tmp, path)
    return kept
