"""Load 32-bit RISC-V ELF executables into simtlab's memory map.

:func:`load_elf` checks the file against the configuration (every loadable segment inside a "ram"
region, the entry point inside the loaded code) and returns a :class:`Program`: the entry point, the
bytes to write (``.bss`` included as zeros) and the symbol table. :func:`write_program` copies a
program into a backend through ``backend.write_mem(addr, data)``.
"""

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError as _PyElfError
from elftools.elf.elffile import ELFFile

from ..errors import ElfError

__all__ = ["Program", "load_elf", "write_program"]

EM_RISCV = 243
PT_LOAD = 1
ET_EXEC = 2
# Flags of executable segments (p_flags & PF_X).
PF_X = 1


@dataclass
class Program:
    """A loadable program.

    ``segments`` are ``(address, bytes)`` pairs in address order; a segment's bytes already include
    the zeros of its ``.bss`` part (memsz beyond filesz). ``symbols`` maps every named symbol with a
    non-zero address (functions, objects, ``_start``, ``tohost``, ...) to its address.
    """
    entry: int
    segments: list = field(default_factory=list)
    symbols: dict = field(default_factory=dict)
    path: Path | None = None
    data: bytes = field(default=b"", repr=False)     #: the ELF file's bytes (debug information)

    @functools.cached_property
    def signature(self):
        """The kernel's argument struct (:class:`simtlab.drivers.signature.Signature`) from the
        ELF's DWARF, or None; assign a Signature (or None) to override it."""
        from .signature import read_signature
        return read_signature(self.data) if self.data else None

    @functools.cached_property
    def source_map(self):
        """pc -> function, file and line (:class:`simtlab.drivers.symbols.SourceMap`)."""
        from .symbols import SourceMap
        return SourceMap(self.data)

    def locate(self, pc):
        """Where ``pc`` is (:class:`simtlab.drivers.symbols.Location`: function, file, line), or None."""
        return self.source_map.locate(pc)

    @property
    def tohost(self):
        """Address of the ``tohost`` word of a self-checking program, or ``None``."""
        return self.symbols.get("tohost")

    @property
    def size(self):
        """Bytes loaded (all segments)."""
        return sum(len(data) for _, data in self.segments)

    def symbol(self, name):
        """Address of symbol ``name``; :class:`ElfError` if the program has no such symbol."""
        try:
            return self.symbols[name]
        except KeyError:
            raise ElfError(f"{self._where()}: no symbol {name!r}") from None

    def _where(self):
        return str(self.path) if self.path else "<ELF bytes>"

    def __repr__(self):
        segs = ", ".join(f"0x{a:08x}+{len(d)}" for a, d in self.segments)
        return f"Program({self._where()}, entry=0x{self.entry:08x}, segments=[{segs}])"


def _describe_regions(config):
    return ", ".join(f"{r.name} 0x{r.base:08x}-0x{r.end - 1:08x}"
                     for r in config.regions if r.kind == "ram")


def load_elf(path_or_bytes, config):
    """Read and check an ELF executable; return a :class:`Program`.

    ``path_or_bytes`` is a path (``str`` or :class:`~pathlib.Path`) or the file's bytes. Raises
    :class:`~simtlab.errors.ElfError` saying what is wrong: missing file, not an ELF, not 32-bit, not
    little-endian, not RISC-V, not an executable, truncated or malformed, a segment outside the
    configuration's RAM regions, no loadable segment, or an entry point outside the loaded code.
    """
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
        path = None
        where = "<ELF bytes>"
    else:
        path = Path(path_or_bytes)
        where = str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ElfError(f"{where}: no such file") from None
        except IsADirectoryError:
            raise ElfError(f"{where}: is a directory, not an ELF file") from None
        except OSError as exc:
            raise ElfError(f"{where}: cannot read: {exc.strerror or exc}") from None

    # Check the identification bytes ourselves: the messages are clearer than pyelftools'.
    if len(data) < 16 or data[:4] != b"\x7fELF":
        raise ElfError(f"{where}: not an ELF file (bad magic {data[:4]!r}, expected b'\\x7fELF')")
    if data[4] != 1:
        kind = {2: "64-bit"}.get(data[4], f"EI_CLASS={data[4]}")
        raise ElfError(f"{where}: not a 32-bit ELF ({kind}); simtlab runs RV32 programs")
    if data[5] != 1:
        kind = {2: "big-endian"}.get(data[5], f"EI_DATA={data[5]}")
        raise ElfError(f"{where}: not a little-endian ELF ({kind})")
    if len(data) < 52:
        raise ElfError(f"{where}: truncated ELF file ({len(data)} bytes, the header alone needs 52)")

    try:
        elf = ELFFile(io.BytesIO(data))
        machine = elf.header["e_machine"]
        etype = elf.header["e_type"]
        entry = elf.header["e_entry"]
        if machine not in ("EM_RISCV", EM_RISCV):
            raise ElfError(f"{where}: not a RISC-V ELF (e_machine {machine}, expected EM_RISCV = 243)")
        if etype not in ("ET_EXEC", ET_EXEC):
            raise ElfError(f"{where}: not an executable (e_type {etype}, expected ET_EXEC); "
                           "link it (object files and shared libraries cannot be loaded)")
        loads = []
        for index, seg in enumerate(elf.iter_segments()):
            if seg["p_type"] not in ("PT_LOAD", PT_LOAD):
                continue
            filesz, memsz = seg["p_filesz"], seg["p_memsz"]
            if memsz == 0:
                continue
            if filesz > memsz:
                raise ElfError(f"{where}: malformed segment {index}: filesz {filesz} > memsz {memsz}")
            offset = seg["p_offset"]
            if offset + filesz > len(data):
                raise ElfError(f"{where}: truncated ELF file: segment {index} needs bytes "
                               f"{offset}..{offset + filesz} but the file has {len(data)}")
            body = data[offset:offset + filesz] + bytes(memsz - filesz)
            loads.append((seg["p_vaddr"], body, seg["p_flags"], index))
        symbols = {}
        symtab = elf.get_section_by_name(".symtab")
        if symtab is not None:
            for sym in symtab.iter_symbols():
                if sym.name and sym["st_info"]["type"] not in ("STT_FILE", "STT_SECTION") \
                        and sym["st_shndx"] != "SHN_UNDEF":
                    symbols.setdefault(sym.name, sym["st_value"])
    except ElfError:
        raise
    except (_PyElfError, ValueError, KeyError, IndexError, OSError, AssertionError) as exc:
        raise ElfError(f"{where}: truncated or malformed ELF file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:   # construct.core errors and the like from deep inside pyelftools
        raise ElfError(f"{where}: truncated or malformed ELF file ({type(exc).__name__}: {exc})") from None

    if not loads:
        raise ElfError(f"{where}: no loadable (PT_LOAD) segment with contents")

    for addr, body, _, index in loads:
        end = addr + len(body)
        region = config.region_of(addr, len(body))
        if region is None or region.kind != "ram":
            inside = f" (it falls in the {region.kind} region {region.name!r})" if region else ""
            raise ElfError(
                f"{where}: segment {index} at 0x{addr:08x}-0x{end - 1:08x} ({len(body)} bytes) is not "
                f"inside one RAM region{inside}; RAM regions: {_describe_regions(config)}")

    loads.sort(key=lambda item: item[0])
    for (a0, b0, _, i0), (a1, _, _, i1) in zip(loads, loads[1:]):
        if a0 + len(b0) > a1:
            raise ElfError(f"{where}: segments {i0} and {i1} overlap at 0x{a1:08x}")

    code = [(a, b) for a, b, flags, _ in loads if flags & PF_X] or [(a, b) for a, b, _, _ in loads]
    if not any(a <= entry < a + len(b) for a, b in code):
        ranges = ", ".join(f"0x{a:08x}-0x{a + len(b) - 1:08x}" for a, b in code)
        raise ElfError(f"{where}: entry point 0x{entry:08x} is outside the loaded code ({ranges})")
    if entry % 4:
        raise ElfError(f"{where}: entry point 0x{entry:08x} is not word aligned")

    return Program(entry=entry, segments=[(a, b) for a, b, _, _ in loads], symbols=symbols, path=path,
                   data=data)


def write_program(backend, program):
    """Write every segment of ``program`` into ``backend`` (``backend.write_mem(addr, data)``).

    If the backend has ``set_tohost`` and the program a ``tohost`` symbol, the backend is told where
    it is. Returns the program's entry point.
    """
    for addr, data in program.segments:
        backend.write_mem(addr, data)
    if program.tohost is not None and hasattr(backend, "set_tohost"):
        backend.set_tohost(program.tohost)
    return program.entry
