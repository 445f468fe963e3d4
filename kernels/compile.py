"""Compile simtlab kernels (C, C++ or assembly) into RV32IMF ELF files, with a content-addressed cache.

The default compiler is the ``ziglang`` wheel from PyPI (``python -m ziglang cc``), so nothing needs a
download step. Set ``SIMTLAB_CC`` to use another one, for example::

    SIMTLAB_CC="riscv64-unknown-elf-gcc -march=rv32imf -misa-spec=2.2 -mabi=ilp32f"
    SIMTLAB_CC="clang --target=riscv32 -march=rv32imf -mabi=ilp32f -fuse-ld=lld"

``SIMTLAB_CC`` is split like a shell command line and must already select the ISA (RV32IMF with the
ilp32f ABI; RV32IM with ilp32 for a configuration without an FPU, ``SimtConfig(fpu=False)``); the
common flags (``-nostdlib -ffreestanding ... -T link.ld``) are appended. The library supplying 64-bit
division helpers is ``-lcompiler_rt`` for zig and ``-lgcc`` for a GCC; ``SIMTLAB_CC_LIBS`` overrides it
(an empty value links none).

Compiled ELFs are cached (:mod:`simtlab.cache`) as ``kernels/<key>/kernel.elf``, keyed by the sources,
the runtime files, the headers next to the sources, the generated ``simtlab_config.h``, the flags and
the compiler's version. The cache records each ELF's hash, so a damaged ELF is rebuilt, and parallel
pytest workers may compile the same kernel.

The runtime (``start.S``, ``simtlab.c``, ``vx_spawn.c``) is prebuilt: compiled once per configuration,
compiler and flags into objects (``kernels/<key>/*.o``, :func:`runtime_objects`), which each kernel
links. A new kernel then costs one compile of its own source and a link (about 0.15 s with zig instead
of 0.5 s).
"""

import functools
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from ..cache import KeyHasher, cached_entry
from ..errors import CompileError, ToolError

__all__ = [
    "compile_kernel",
    "compiler_command",
    "compiler_version",
    "RUNTIME_DIR",
    "EXAMPLES_DIR",
    "ISA_DIR",
    "runtime_objects",
]

KERNELS_DIR = Path(__file__).resolve().parent
RUNTIME_DIR = KERNELS_DIR / "runtime"
EXAMPLES_DIR = KERNELS_DIR / "examples"
ISA_DIR = KERNELS_DIR / "isa"

#: Files of the runtime linked into every kernel (unless ``runtime=False``).
RUNTIME_SOURCES = ("start.S", "simtlab.c", "vx_spawn.c", "vx_print.c", "libc.c", "libm.c")
LINK_SCRIPT = RUNTIME_DIR / "link.ld"
_ELF = "kernel.elf"

ZIG_TARGET = ["-target", "riscv32-freestanding-none"]
ZIG_CPU = {False: "-mcpu=generic_rv32+m+a", True: "-mcpu=generic_rv32+m+f+a"}   # by config.fpu
COMMON_FLAGS = [
    "-nostdlib", "-ffreestanding", "-fno-builtin", "-fomit-frame-pointer",
    "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
    "-ffunction-sections", "-fdata-sections",
    "-static", "-Wl,--gc-sections",
    "-Wall", "-g",
]
# C++ sources: no exceptions, RTTI or thread-safe statics (they need a C++ runtime library).
CXX_FLAGS = ["-fno-exceptions", "-fno-rtti", "-fno-threadsafe-statics"]
CXX_SUFFIXES = {".cc", ".cpp", ".cxx"}
#: Link-only flags, left out when the runtime is compiled to objects (zig's ``cc -c`` with
#: ``-Wl,--gc-sections`` writes an empty object).
LINK_ONLY_FLAGS = ("-static", "-Wl,--gc-sections")
# zig turns on UBSan traps in unoptimised builds; they would need a runtime we do not have. It also
# defines NDEBUG whenever it optimises, which would turn every assert() off: a kernel asks with -DNDEBUG.
ZIG_ONLY_FLAGS = ["-fno-sanitize=all", "-fno-stack-protector", "-UNDEBUG"]

SOURCE_SUFFIXES = {".c", ".cc", ".cpp", ".cxx", ".s", ".S"}
COMPILE_TIMEOUT = 600      # the first zig run builds compiler_rt (several seconds on a cold cache)
STDERR_LIMIT = 6000


def _is_default_compiler():
    return not os.environ.get("SIMTLAB_CC", "").strip()


def compiler_command(config=None):
    """The compiler's command line up to (not including) the common flags and the files.

    The default compiler targets RV32IMF (ilp32f ABI), or RV32IM (ilp32) when ``config.fpu`` is off.
    """
    env = os.environ.get("SIMTLAB_CC", "").strip()
    if env:
        return shlex.split(env)
    fpu = True if config is None else config.fpu
    return [sys.executable, "-m", "ziglang", "cc", *ZIG_TARGET, ZIG_CPU[fpu]]


def _libraries(command):
    env = os.environ.get("SIMTLAB_CC_LIBS")
    if env is not None:
        return shlex.split(env)
    if _is_default_compiler():
        return ["-lcompiler_rt"]
    if "gcc" in Path(command[0]).name:
        return ["-lgcc"]
    return []


def _check_tool(command):
    if _is_default_compiler():
        import importlib.util
        if importlib.util.find_spec("ziglang") is None:
            raise ToolError(
                "the default kernel compiler needs the 'ziglang' Python package "
                f"(pip install 'ziglang>=0.13,<0.18' into {sys.executable}), "
                "or set SIMTLAB_CC to a RISC-V C compiler")
        return
    exe = command[0]
    if shutil.which(exe) is None:
        raise ToolError(
            f"kernel compiler {exe!r} (from SIMTLAB_CC={os.environ.get('SIMTLAB_CC')!r}) was not found "
            "on PATH: install it, fix SIMTLAB_CC, or unset SIMTLAB_CC to use the bundled zig")


@functools.lru_cache(maxsize=None)
def _version_of(command):
    command = list(command)
    if _is_default_compiler():
        args = [sys.executable, "-m", "ziglang", "version"]
    else:
        args = [*command, "--version"]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    except FileNotFoundError as exc:
        raise ToolError(f"kernel compiler {args[0]!r} not found: {exc}") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"'{' '.join(args)}' did not answer within 120 s") from None
    if proc.returncode != 0:
        raise ToolError(f"'{' '.join(args)}' failed (exit {proc.returncode}): "
                        f"{(proc.stderr or proc.stdout).strip()[:500]}")
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    version = lines[0].strip() if lines else "unknown"
    return f"zig {version}" if _is_default_compiler() else version


def compiler_version():
    """The first line of the compiler's version text (``zig 0.17.1`` for the default compiler)."""
    command = compiler_command()
    _check_tool(command)
    return _version_of(tuple(command))


def _normalise_sources(source):
    """Return a list of (path or None, text-or-bytes, name) for every source."""
    items = []
    if isinstance(source, (list, tuple)):
        for entry in source:
            items.extend(_normalise_sources(entry))
        return items
    if isinstance(source, str) and ("\n" in source or Path(source).suffix not in SOURCE_SUFFIXES):
        # Inline C source text.
        items.append((None, source.encode(), "kernel.c"))
        return items
    path = Path(source).expanduser().resolve()
    if not path.is_file():
        raise CompileError(f"kernel source {path} does not exist")
    if path.suffix not in SOURCE_SUFFIXES:
        raise CompileError(f"kernel source {path} has an unknown suffix "
                           f"(expected one of {', '.join(sorted(SOURCE_SUFFIXES))})")
    items.append((path, path.read_bytes(), path.name))
    return items


def _headers_next_to(paths):
    """Headers in the sources' directories (they are on the include path, so they key the cache)."""
    found = {}
    for directory in sorted({p.parent for p in paths}):
        for header in sorted(directory.glob("*.h")):
            found[str(header)] = header.read_bytes()
    return found


def _trim(text):
    text = text.strip()
    if len(text) > STDERR_LIMIT:
        text = text[:STDERR_LIMIT // 2] + "\n[... trimmed ...]\n" + text[-STDERR_LIMIT // 2:]
    return text


def _run(argv, cwd):
    """Run the compiler; raise CompileError with its messages (and the command) on failure."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=COMPILE_TIMEOUT,
                              cwd=cwd, env=dict(os.environ))
    except FileNotFoundError as exc:
        raise ToolError(f"kernel compiler {argv[0]!r} not found: {exc}") from None
    except subprocess.TimeoutExpired:
        raise CompileError(f"the kernel compiler did not finish within {COMPILE_TIMEOUT} s:\n"
                           f"  {shlex.join(argv)}") from None
    return proc


def _object_name(name):
    return Path(name).name.replace(".", "_") + ".o"


def runtime_objects(config, *, opt="-O2", extra_flags=()):
    """The runtime compiled to objects for ``config`` (cached); returns their paths, in link order.

    Keyed like a kernel: compiler and version, the compile flags (``opt`` and ``extra_flags``
    included, so a kernel links a runtime built exactly as the single-command build would), the
    generated ``simtlab_config.h`` and the runtime files.
    """
    command = compiler_command(config)
    _check_tool(command)
    version = _version_of(tuple(command))
    header = config.c_header()
    flags = [f for f in _flags(opt, extra_flags) if f not in LINK_ONLY_FLAGS]
    digest = KeyHasher()
    digest.add("what", "runtime-objects")
    digest.add("compiler", "\0".join(command))
    digest.add("version", version)
    digest.add("flags", "\0".join(flags))
    digest.add("config", header)
    for path in sorted(p for p in RUNTIME_DIR.iterdir() if p.is_file()):
        digest.add("runtime-file", path.name)
        digest.add("runtime-data", path.read_bytes())
    outputs = tuple(_object_name(name) for name in RUNTIME_SOURCES)

    def build(entry):
        (entry / "simtlab_config.h").write_text(header)
        for name, output in zip(RUNTIME_SOURCES, outputs):
            argv = [*command, *flags, f"-I{entry}", f"-I{RUNTIME_DIR}", "-c",
                    str(RUNTIME_DIR / name), "-o", str(entry / output)]
            proc = _run(argv, entry)
            if proc.returncode != 0 or not (entry / output).is_file():
                raise CompileError(f"compiling the runtime's {name} failed (exit {proc.returncode}):\n"
                                   f"{_trim(proc.stderr or proc.stdout or '')}\n"
                                   f"command: {shlex.join(argv)}")
        return {"sources": list(RUNTIME_SOURCES)}

    entry = cached_entry("kernels", digest.hexdigest(), build, outputs=outputs,
                         lock_timeout=COMPILE_TIMEOUT * 2)
    return [entry / output for output in outputs]


def _flags(opt, extra_flags):
    return [*COMMON_FLAGS, *(ZIG_ONLY_FLAGS if _is_default_compiler() else []), opt, *extra_flags]


def compile_kernel(source, config, *, opt="-O2", extra_flags=(), runtime=True, force=False):
    """Compile a kernel and return the path of its (cached) ELF.

    Parameters
    ----------
    source:
        A path (``str`` or :class:`~pathlib.Path`) to a ``.c``/``.cpp``/``.S`` file, a list of such
        paths, or C source text (a ``str`` that contains a newline or has no source suffix).
    config:
        The :class:`~simtlab.config.SimtConfig`; its ``c_header()`` becomes ``simtlab_config.h``.
    opt:
        Optimisation flag (``-O0``, ``-O2``, ``-Os``, ...).
    extra_flags:
        More compiler flags (``-DN=64``, ...).
    runtime:
        Link ``start.S``, ``simtlab.c`` and ``vx_spawn.c`` (the default; prebuilt objects, see
        :func:`runtime_objects`). ``False`` links the given sources alone: they must define
        ``_start`` (the ISA self-tests do).
    force:
        Rebuild even if the cache holds the ELF.

    Raises :class:`~simtlab.errors.ToolError` if the compiler is missing and
    :class:`~simtlab.errors.CompileError` (with the compiler's messages) if the build fails.
    """
    command = compiler_command(config)
    _check_tool(command)
    version = _version_of(tuple(command))
    sources = _normalise_sources(source)
    if not sources:
        raise CompileError("compile_kernel: no source given")

    runtime_files = sorted(p for p in RUNTIME_DIR.iterdir() if p.is_file())
    header = config.c_header()
    flags = _flags(opt, extra_flags)
    if any(Path(name).suffix in CXX_SUFFIXES for _, _, name in sources):
        flags += CXX_FLAGS
    libs = _libraries(command)

    digest = KeyHasher()
    feed = digest.add
    feed("compiler", "\0".join(command))
    feed("version", version)
    feed("flags", "\0".join(flags))
    feed("libs", "\0".join(libs))
    feed("runtime", "objects" if runtime else "0")    # linked from runtime_objects()
    feed("config", header)
    for path, data, name in sources:
        feed("source-name", name)
        feed("source", data)
    for path in runtime_files:
        feed("runtime-file", path.name)
        feed("runtime-data", path.read_bytes())
    for name, data in _headers_next_to([p for p, _, _ in sources if p is not None]).items():
        feed("header-name", Path(name).name)
        feed("header", data)
    key = digest.hexdigest()

    def build(entry):
        (entry / "simtlab_config.h").write_text(header)
        files = []
        for path, data, name in sources:
            if path is None:
                inline = entry / name
                inline.write_bytes(data)
                files.append(str(inline))
            else:
                files.append(str(path))
        if runtime:
            files = [str(p) for p in runtime_objects(config, opt=opt, extra_flags=extra_flags)] + files
        includes = [f"-I{entry}", f"-I{RUNTIME_DIR}"]
        for directory in dict.fromkeys(str(p.parent) for p, _, _ in sources if p is not None):
            includes.append(f"-I{directory}")
        output = entry / _ELF
        argv = [*command, *flags, *includes, f"-T{LINK_SCRIPT}", *files, "-o", str(output), *libs]
        proc = _run(argv, entry)
        if proc.returncode != 0 or not output.is_file():
            names = ", ".join(name for _, _, name in sources)
            message = _trim((proc.stderr or "") + ("\n" + proc.stdout if proc.stdout else ""))
            raise CompileError(f"compiling {names} failed (exit {proc.returncode}):\n{message}\n"
                               f"command: {shlex.join(argv)}")
        return {"sources": [name for _, _, name in sources]}

    entry = cached_entry("kernels", key, build, outputs=(_ELF,), rebuild=force,
                         lock_timeout=COMPILE_TIMEOUT * 2)
    return entry / _ELF
