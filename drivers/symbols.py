"""Source locations of program counters: function (from the symbol table), file and line (from the
DWARF line table), for fault reports and watchdog dumps.

:class:`SourceMap` is built from an ELF's bytes; ``locate(pc)`` returns a :class:`Location` or None
(a pc outside every function, or an ELF without symbols). Without debug information only the function
is known (``main+0x1c``).
"""

import bisect
import io
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError as _PyElfError
from elftools.elf.elffile import ELFFile

__all__ = ["Location", "SourceMap"]


@dataclass(frozen=True)
class Location:
    """Where a pc is: ``function`` and the offset into it, ``file`` (a path as the compiler recorded
    it) and ``line`` (None if unknown). ``str()`` shows the file's name only."""
    function: str
    offset: int
    file: "str | None" = None
    line: "int | None" = None

    def __str__(self):
        where = self.function + (f"+{self.offset:#x}" if self.offset else "")
        if self.file is not None:
            where += f" at {Path(self.file).name}:{self.line}"
        return where


class SourceMap:
    """pc -> :class:`Location` for one ELF (``data``: its bytes)."""

    def __init__(self, data):
        self._functions = []        # (start, end, name), sorted
        self._rows = []             # (address, file, line) of the line table, sorted
        self._ends = set()          # addresses where a line sequence ends
        try:
            elf = ELFFile(io.BytesIO(data))
            self._read_functions(elf)
            if elf.has_dwarf_info():
                self._read_lines(elf.get_dwarf_info())
        except (_PyElfError, ValueError, KeyError, IndexError, AttributeError):
            pass    # a location is a courtesy: an unreadable table only loses it
        self._functions.sort()
        self._rows.sort(key=lambda row: row[0])
        self._row_addrs = [row[0] for row in self._rows]
        self._starts = [f[0] for f in self._functions]

    def _read_functions(self, elf):
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return
        for sym in symtab.iter_symbols():
            if sym["st_info"]["type"] == "STT_FUNC" and sym.name and sym["st_size"]:
                start = sym["st_value"]
                self._functions.append((start, start + sym["st_size"], sym.name))

    def _read_lines(self, dwarf):
        for cu in dwarf.iter_CUs():
            program = dwarf.line_program_for_CU(cu)
            if program is None:
                continue
            header = program.header
            files = header["file_entry"]
            directories = header["include_directory"]
            base = 0 if header["version"] >= 5 else 1       # DWARF 5 numbers files from 0
            for entry in program.get_entries():
                state = entry.state
                if state is None:
                    continue
                if state.end_sequence:
                    self._ends.add(state.address)
                    continue
                index = state.file - base
                name = None
                if 0 <= index < len(files):
                    name = files[index].name.decode(errors="replace")
                    directory = files[index].dir_index - base
                    if not Path(name).is_absolute() and 0 <= directory < len(directories):
                        name = str(Path(directories[directory].decode(errors="replace")) / name)
                self._rows.append((state.address, name, state.line))

    def locate(self, pc):
        """The :class:`Location` of ``pc``, or None if no function contains it."""
        i = bisect.bisect_right(self._starts, pc) - 1
        if i < 0 or not self._functions[i][0] <= pc < self._functions[i][1]:
            return None
        start, _, name = self._functions[i]
        file = line = None
        j = bisect.bisect_right(self._row_addrs, pc) - 1
        if j >= 0 and self._rows[j][0] >= start and not any(
                self._rows[j][0] < end <= pc for end in self._ends):
            _, file, line = self._rows[j]
        return Location(name, pc - start, file, line)
