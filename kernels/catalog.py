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

__all__ = ["Buf", "Case", "Example", "EXAMPLES", "pack_args", "spin_reference"]

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
        "threads=1 warps=1 cores=1 hart=0\n"
        "min=-2147483648 zero=0\n"
    ).encode()
    return Case(args=[value, Buf("text")],
                inputs={"text": np.frombuffer(text + b"\0", np.uint8).copy()},
                expected={},
                console=console,
                max_cycles=100_000)


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
    )
}
