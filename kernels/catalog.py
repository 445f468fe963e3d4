"""The example kernels (kernels/examples/*.c) with inputs and numpy reference results.

Every :class:`Example` makes :class:`Case` objects: the kernel's arguments in call order (integers,
floats and :class:`Buf` references to named device buffers), the initial contents of every buffer, and
the expected contents of the buffers the kernel writes. A test runs an example like this::

    for example in EXAMPLES.values():
        case = example.make_case(np.random.default_rng(1), example.default_size)
        addrs = {name: device.alloc(arr.nbytes) for name, arr in case.inputs.items()}
        for name, arr in case.inputs.items():
            device.upload(addrs[name], arr)
        device.launch(compile_kernel(example.source, config), case.pack_args(addrs))
        for name, want in case.expected.items():
            got = device.download(addrs[name], want.nbytes).view(want.dtype)
            np.testing.assert_array_equal(got, want)

The argument struct is consecutive little-endian 32-bit words in call order: a buffer's device address
(plus :attr:`Buf.offset`), an integer as int32/uint32, a float as IEEE binary32 bits
(:func:`pack_args`). Without a device, :meth:`Case.place` lays buffers and the struct out from a base
address so that they can be written straight into a backend.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..config import MemoryMap

__all__ = ["Buf", "Case", "Example", "EXAMPLES", "SIMT_EXAMPLES", "pack_args", "spin_reference",
           "stencil_reference", "divergence_reference"]

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
MASK32 = 0xFFFF_FFFF


@dataclass(frozen=True)
class Buf:
    """An argument that is the device address of buffer ``name`` plus ``offset`` bytes."""
    name: str
    offset: int = 0


def pack_args(args, addresses):
    """Pack ``args`` (ints, floats, :class:`Buf`) into the kernel argument struct (bytes).

    ``addresses`` maps buffer names to device addresses.
    """
    from ..drivers.device import pack_args as pack
    return pack([(addresses[a.name] + a.offset) & MASK32 if isinstance(a, Buf) else a
                 for a in args])


@dataclass
class Case:
    """One run of an example: arguments, initial buffers and expected results."""
    args: list
    inputs: dict                      # buffer name -> np.ndarray (initial contents, outputs included)
    expected: dict                    # buffer name -> np.ndarray (contents after the run)
    exit_code: int = 0                # what main returns (0: the warp retires, the device falls idle)
    console: bytes | None = None      # expected console output, if the example prints
    max_cycles: int = 10_000_000      # a generous budget for the first (1 warp x 1 thread) core

    def pack_args(self, addresses):
        return pack_args(self.args, addresses)

    def place(self, base=MemoryMap.HEAP_BASE, align=64):
        """Lay out every buffer and then the argument struct from ``base``.

        Returns ``(addresses, args_addr, writes)`` with ``writes`` a list of ``(addr, bytes)`` covering
        the buffers and the argument struct.
        """
        addresses, writes = {}, []
        addr = base
        for name, array in self.inputs.items():
            addresses[name] = addr
            data = np.ascontiguousarray(array).tobytes()
            if data:
                writes.append((addr, data))
            addr += -(-max(len(data), 1) // align) * align
        writes.append((addr, self.pack_args(addresses)))
        return addresses, addr, writes


@dataclass(frozen=True)
class Example:
    name: str
    source: Path
    description: str
    make_case: Callable        # (rng: np.random.Generator, size: int) -> Case
    default_size: int
    sizes: tuple = ()          # further interesting sizes (edge cases) for tests


def _i32(rng, n, lo=-(1 << 31), hi=(1 << 31)):
    return rng.integers(lo, hi, size=n, dtype=np.int64).astype(np.int32)


def _vecadd(rng, size):
    a, b = _i32(rng, size), _i32(rng, size)
    c = (a.astype(np.int64) + b.astype(np.int64)).astype(np.uint64).astype(np.uint32).view(np.int32)
    return Case(args=[size, Buf("a"), Buf("b"), Buf("c")],
                inputs={"a": a, "b": b, "c": np.zeros(size, np.int32)},
                expected={"c": c},
                max_cycles=200 * size + 10_000)


def _memcpy(rng, size):
    # Odd offsets on odd sizes exercise the byte path; even sizes copy aligned words.
    src_off, dst_off = (1, 3) if size % 2 else (0, 0)
    src = rng.integers(0, 256, size=size + 8, dtype=np.uint8)
    dst = rng.integers(0, 256, size=size + 8, dtype=np.uint8)
    want = dst.copy()
    want[dst_off:dst_off + size] = src[src_off:src_off + size]
    return Case(args=[size, Buf("src", src_off), Buf("dst", dst_off)],
                inputs={"src": src, "dst": dst},
                expected={"dst": want, "src": src.copy()},
                max_cycles=100 * size + 10_000)


def _fibonacci(rng, size):
    values, a, b = [], 0, 1
    for _ in range(size):
        values.append(a)
        a, b = b, (a + b) & MASK32
    return Case(args=[size, Buf("out")],
                inputs={"out": np.full(size, 0xDEADBEEF, np.uint32)},
                expected={"out": np.array(values, np.uint32)},
                max_cycles=2_000_000 + 200 * size)


def _matmul(rng, size):
    m, k, n = size, size + 1, max(1, size - 1)
    a = rng.integers(-1000, 1000, size=(m, k)).astype(np.int32)
    b = rng.integers(-1000, 1000, size=(k, n)).astype(np.int32)
    c = (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int32)
    return Case(args=[m, n, k, Buf("a"), Buf("b"), Buf("c")],
                inputs={"a": a, "b": b, "c": np.zeros((m, n), np.int32)},
                expected={"c": c},
                max_cycles=200 * m * n * k + 100_000)


def _reduce(rng, size):
    x = _i32(rng, size)
    total = int(x.astype(np.int64).sum()) & MASK32
    out = np.array([total - (1 << 32) if total >> 31 else total,
                    int(x.min()) if size else 0x7FFF_FFFF,
                    int(x.max()) if size else -(1 << 31),
                    int((x < 0).sum())], np.int64).astype(np.int32)
    return Case(args=[size, Buf("in"), Buf("out")],
                inputs={"in": x, "out": np.zeros(4, np.int32)},
                expected={"out": out},
                max_cycles=100 * size + 10_000)


def _sort(rng, size):
    # A narrow range makes duplicates; the extremes check signed compares.
    x = _i32(rng, size, -50, 50) if size % 2 else _i32(rng, size)
    if size >= 2:
        x[0], x[-1] = np.int32(-(1 << 31)), np.int32((1 << 31) - 1)
    return Case(args=[size, Buf("data")],
                inputs={"data": x},
                expected={"data": np.sort(x)},
                max_cycles=400 * size * max(1, int(math.log2(size + 1))) + 20 * size * 16 + 10_000)


def spin_reference(iterations, seed):
    """What kernels/examples/spin.c writes: (xorshift state, accumulator, iterations)."""
    x = seed & MASK32 or 1
    acc = 0
    for i in range(iterations):
        x ^= (x << 13) & MASK32
        x ^= x >> 17
        x ^= (x << 5) & MASK32
        acc = (acc * 33 + (x ^ i)) & MASK32
    return np.array([x, acc, iterations], np.uint32)


def _spin(rng, size):
    seed = int(rng.integers(1, 1 << 32))
    return Case(args=[size, seed, Buf("out")],
                inputs={"out": np.zeros(3, np.uint32)},
                expected={"out": spin_reference(size, seed)},
                max_cycles=40 * size + 10_000)


def _hello(rng, size):
    value = int(rng.integers(-(1 << 31), 1 << 31))
    text = b"simt" * max(1, size // 4)
    u = value & MASK32
    console = (
        "hello from simtlab\n"
        f"d={value} u={u} x={u:x} X={u:X}\n"
        f"s={text.decode()} c=Z pct=% pad=[   42] [-7  ] [0000beef] [ ab]\n"
        "shape=ok cores=1 hart=0\n"
        "min=-2147483648 zero=0\n"
    ).encode()
    return Case(args=[value, Buf("text")],
                inputs={"text": np.frombuffer(text + b"\0", np.uint8).copy()},
                expected={},
                console=console,
                max_cycles=100_000)


# -- SIMT examples (vx_spawn_threads; every one runs on every warps x threads shape) -------------------
# max_cycles: about 100 x a generous estimate of the warp instructions on a 1 warp x 1 thread core, so
# that the slower RTL fits too; wider cores need fewer instructions per element, and SIMT_BASE covers
# the fixed cost of starting and spawning up to 32 x 32 hardware threads.
SIMT_BASE = 100 * 20_000

def _wrap32(values):
    return (np.asarray(values, np.int64) & MASK32).astype(np.uint32).view(np.int32)


def _vecadd_simt(rng, size):
    a, b = _i32(rng, size), _i32(rng, size)
    return Case(args=[size, Buf("a"), Buf("b"), Buf("c")],
                inputs={"a": a, "b": b, "c": np.zeros(size, np.int32)},
                expected={"c": _wrap32(a.astype(np.int64) + b)},
                max_cycles=SIMT_BASE + 100 * (40 * size + 500))


def _vortex_vecadd(rng, size):
    return _vecadd_simt(rng, size)


def _saxpy(rng, size):
    a = int(rng.integers(-1000, 1000))
    x, y = _i32(rng, size), _i32(rng, size)
    return Case(args=[size, a, Buf("x"), Buf("y")],
                inputs={"x": x, "y": y},
                expected={"y": _wrap32(a * x.astype(np.int64) + y), "x": x.copy()},
                max_cycles=SIMT_BASE + 100 * (60 * size + 500))


def _reduce_tree(rng, size):
    x = _i32(rng, size)
    return Case(args=[size, Buf("in"), Buf("scratch"), Buf("out")],
                inputs={"in": x, "scratch": np.zeros(size + 8, np.int32),
                        "out": np.full(1, 0x5A5A5A5A, np.int32)},
                expected={"out": _wrap32([int(x.astype(np.int64).sum())]), "in": x.copy()},
                max_cycles=SIMT_BASE + 100 * (60 * size + 2000))


def _scan(rng, size):
    x = _i32(rng, size)
    return Case(args=[size, Buf("in"), Buf("out")],
                inputs={"in": x, "out": np.zeros(size, np.int32)},
                expected={"out": _wrap32(np.cumsum(x.astype(np.int64))), "in": x.copy()},
                max_cycles=SIMT_BASE + 100 * (150 * size + 2000))


HIST_CHUNK = 256        # elements per block in kernels/examples/histogram.c


def _histogram(rng, size, nbins=20):
    data = rng.integers(0, nbins, size=size).astype(np.uint32)
    if size >= 4:
        data[:2] = nbins + 1                          # out of range: not counted
        data[2:4] = 0xFFFFFFFF
    blocks = -(-size // HIST_CHUNK)
    want = np.bincount(data[data < nbins], minlength=nbins).astype(np.uint32)
    return Case(args=[size, Buf("data"), nbins, Buf("partial"), Buf("out")],
                inputs={"data": data, "partial": np.zeros(max(1, blocks * nbins), np.uint32),
                        "out": np.full(nbins, 0xDEADBEEF, np.uint32)},
                expected={"out": want},
                max_cycles=SIMT_BASE + 100 * (8 * size * nbins + 30 * size
                                              + 50 * nbins * (blocks + 1) + 2000))


def _bitonic_sort(rng, size):
    x = _i32(rng, size, -50, 50) if size % 3 == 1 else _i32(rng, size)
    if size >= 2:
        x[0], x[-1] = np.int32(-(1 << 31)), np.int32((1 << 31) - 1)
    log = max(1, int(math.log2(max(size, 2))))
    return Case(args=[size, Buf("data")],
                inputs={"data": x},
                expected={"data": np.sort(x)},
                max_cycles=SIMT_BASE + 100 * (40 * size * log * (log + 1) // 2 + 60 * size + 2000))


def _matmul_tiled(rng, size):
    m, k, n = size, size + 3, max(1, size - 2)
    a = rng.integers(-1000, 1000, size=(m, k)).astype(np.int32)
    b = rng.integers(-1000, 1000, size=(k, n)).astype(np.int32)
    return Case(args=[m, n, k, Buf("a"), Buf("b"), Buf("c")],
                inputs={"a": a, "b": b, "c": np.full((m, n), 0x11111111, np.int32)},
                expected={"c": _wrap32(a.astype(np.int64) @ b.astype(np.int64))},
                max_cycles=SIMT_BASE + 100 * (30 * m * n * (k + 16) + 2000))


def _sgemm(rng, size):
    a = rng.integers(-1000, 1000, size=(size, size)).astype(np.int32)
    b = rng.integers(-1000, 1000, size=(size, size)).astype(np.int32)
    return Case(args=[size, Buf("a"), Buf("b"), Buf("c")],
                inputs={"a": a, "b": b, "c": np.full((size, size), 0x11111111, np.int32)},
                expected={"c": _wrap32(a.astype(np.int64) @ b.astype(np.int64))},
                max_cycles=SIMT_BASE + 100 * (12 * size ** 3 + 40 * size * size + 2000))


def stencil_reference(grid):
    """What kernels/examples/stencil.c computes for a 2-D int32 array."""
    g = grid.astype(np.int64)
    out = g.copy()
    if g.shape[0] >= 3 and g.shape[1] >= 3:
        out[1:-1, 1:-1] = (4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1]
                           - g[1:-1, :-2] - g[1:-1, 2:])
    return _wrap32(out)


def _stencil(rng, size):
    h, w = size, size + 5
    grid = _i32(rng, h * w).reshape(h, w)
    return Case(args=[w, h, Buf("in"), Buf("out")],
                inputs={"in": grid, "out": np.zeros((h, w), np.int32)},
                expected={"out": stencil_reference(grid)},
                max_cycles=SIMT_BASE + 100 * (80 * h * w + 2000))


def divergence_reference(values):
    """What kernels/examples/divergence.c writes for int32 inputs: an (n, 4) int32 array."""
    out = np.zeros((len(values), 4), np.int64)
    for i, v in enumerate(int(x) for x in values):
        u = v & MASK32
        if v & 1:
            r0 = 3 * v if v & 2 else v + 7
        elif (v & 12) == 4:
            r0 = v ^ 0x55
        else:
            r0 = -v if v & 16 else v >> 1
        x, steps = (u & 255) + 1, 0
        while x != 1 and steps < 200:
            x = 3 * x + 1 if x & 1 else x >> 1
            steps += 1
        r2 = -1 if v < 0 else sum(range(u % 13 + 1))
        out[i] = (r0, steps, r2, bin(u & 0xFFFF).count("1"))
    return _wrap32(out)


def _divergence(rng, size):
    values = _i32(rng, size)
    return Case(args=[size, Buf("in"), Buf("out")],
                inputs={"in": values, "out": np.zeros((size, 4), np.int32)},
                expected={"out": divergence_reference(values)},
                max_cycles=SIMT_BASE + 100 * (2500 * size + 2000))


EXAMPLES = {
    ex.name: ex for ex in (
        Example("vecadd", EXAMPLES_DIR / "vecadd.c", "c[i] = a[i] + b[i] (int32)", _vecadd, 256,
                (0, 1, 7)),
        Example("memcpy", EXAMPLES_DIR / "memcpy.c", "byte copy, word path when aligned", _memcpy, 255,
                (0, 1, 64)),
        Example("fibonacci", EXAMPLES_DIR / "fibonacci.c", "F(i) mod 2^32, recursive check for i < 16",
                _fibonacci, 60, (0, 1, 2)),
        Example("matmul", EXAMPLES_DIR / "matmul.c", "C = A x B (int32, m x k by k x n)", _matmul, 8,
                (1, 2)),
        Example("reduce", EXAMPLES_DIR / "reduce.c", "sum, min, max, negatives of int32", _reduce, 300,
                (0, 1)),
        Example("sort", EXAMPLES_DIR / "sort.c", "quicksort + insertion sort of int32", _sort, 200,
                (0, 1, 2, 15, 17)),
        Example("spin", EXAMPLES_DIR / "spin.c",
                "xorshift/multiply-accumulate loop; 1 M iterations for a >= 10 M cycle benchmark",
                _spin, 1000, (0, 1)),
        Example("hello", EXAMPLES_DIR / "hello.c", "sl_puts/sl_printf console output", _hello, 8, (1,)),
        # SIMT kernels (vx_spawn_threads)
        Example("vecadd_simt", EXAMPLES_DIR / "vecadd_simt.c",
                "c = a + b (int32), one task per element", _vecadd_simt, 1000, (0, 1, 33)),
        Example("vortex_vecadd", EXAMPLES_DIR / "vortex_vecadd.c",
                "vecadd written only against Vortex's vx_intrinsics.h/vx_spawn.h", _vortex_vecadd,
                500, (1, 17)),
        Example("saxpy", EXAMPLES_DIR / "saxpy.c", "y = a * x + y (int32), blocks of two warps",
                _saxpy, 1000, (0, 1, 31)),
        Example("reduce_tree", EXAMPLES_DIR / "reduce_tree.c",
                "sum by tree reduction in local memory, several passes", _reduce_tree, 1000,
                (0, 1, 2, 65)),
        Example("scan", EXAMPLES_DIR / "scan.c", "inclusive prefix sum, one block looping over chunks",
                _scan, 500, (0, 1, 37)),
        Example("histogram", EXAMPLES_DIR / "histogram.c",
                "20-bin histogram: per-block counts from local memory, merged by a second launch",
                _histogram, 700, (0, 1, 256)),
        Example("bitonic_sort", EXAMPLES_DIR / "bitonic_sort.c",
                "bitonic sort of 2^k int32 in local memory with barriers", _bitonic_sort, 256,
                (1, 2, 16, 1024)),
        Example("matmul_tiled", EXAMPLES_DIR / "matmul_tiled.c",
                "C = A x B (int32) with tiles in local memory", _matmul_tiled, 13, (1, 4)),
        Example("sgemm", EXAMPLES_DIR / "sgemm.c",
                "C = A x B (int32), one task per element, Vortex's sgemm shape", _sgemm, 12,
                (1, 5)),
        Example("stencil", EXAMPLES_DIR / "stencil.c", "2-D 5-point stencil (int32), 2-D grid",
                _stencil, 20, (1, 2, 3)),
        Example("divergence", EXAMPLES_DIR / "divergence.c",
                "nested if/else, per-lane loops, early exit with split/join and pred", _divergence,
                200, (1, 7)),
    )
}

#: The examples that launch through vx_spawn_threads (tb/kernels/test_simt_kernels.py runs them on
#: many warps x threads shapes).
SIMT_EXAMPLES = ("vecadd_simt", "vortex_vecadd", "saxpy", "reduce_tree", "scan", "histogram",
                 "bitonic_sort", "matmul_tiled", "sgemm", "stencil", "divergence")
