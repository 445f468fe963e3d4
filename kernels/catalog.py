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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..spec.memory import MemoryMap

__all__ = ["Buf", "Case", "Example", "EXAMPLES", "SIMT_EXAMPLES", "pack_args", "spin_reference",
           "stencil_reference", "divergence_reference", "FLOAT_EXAMPLES", "FLOAT_SIMT_EXAMPLES",
           "fma_f32", "fmax_f32", "exp_approx_f32", "sgemm_f_reference", "sgemm_f_case",
           "conv2d_f_reference", "softmax_f_reference", "reduce_f_reference", "diverge_reference",
           "vote_shuffle_reference", "vote_shuffle_case", "dotproduct_reference", "dropout_hash",
           "dropout_reference", "conv3_reference", "stencil3d_reference", "mstress_reference",
           "dotproduct_f_reference", "conv3_f_reference", "stencil3d_f_reference"]

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


def diverge_reference(values):
    """What kernels/examples/diverge.c writes for int32 inputs: an (n, 8) int32 array."""
    out = np.zeros((len(values), 8), np.int64)
    out[:, :4] = divergence_reference(values)
    for i, v in enumerate(int(x) for x in values):
        u = v & MASK32
        low = v & 7
        out[i, 4] = (v + 11, v * 5, v ^ 0x1234, v >> 3, u << 2, v - 99, v | 0x100, v & 0xF0F)[low]
        out[i, 5] = (v + 1, -v, int(v / 2), (v & 0xFF) ** 2)[(v >> 3) & 3]
        c_mod = lambda a, b: int(math.fmod(a, b))            # C's % truncates towards zero
        out[i, 6] = c_mod(v, 9) if (v > 1000 or (v & 5) == 5) else -(v & 0xFF)
        out[i, 7] = 2 if c_mod(v, 5) == 0 else 1
    return _wrap32(out)


def _diverge(rng, size):
    values = _i32(rng, size)
    values[: size // 4] %= 2000                             # small values take other paths too
    return Case(args=[size, Buf("in"), Buf("out")],
                inputs={"in": values, "out": np.zeros((size, 8), np.int32)},
                expected={"out": diverge_reference(values)},
                max_cycles=SIMT_BASE + 100 * (3000 * size + 2000))


def vote_shuffle_reference(values, threads):
    """What kernels/examples/vote_shuffle.c writes for int32 inputs on ``threads``-lane warps: an
    (n, 10) int32 array (task mode: tasks g*threads .. run as one warp, the last one partial)."""
    from ..sim.emu_simt import shuffle_source
    n = len(values)
    v = [int(x) for x in values]
    out = np.zeros((n, 10), np.int64)
    top = threads - 1
    for base in range(0, n, threads):
        lanes = range(min(threads, n - base))
        vals = [v[base + t] for t in lanes]
        tmask = (1 << len(vals)) - 1

        def ballot(pred, mask=tmask):
            return sum(1 << t for t in lanes if mask >> t & 1 and pred(vals[t]))

        def shuffle(kind, b, c, mask):
            return [vals[s] if (s := shuffle_source(kind, t, mask << 12 | c << 6 | b)) < len(vals)
                    else vals[t] for t in lanes]
        odd = ballot(lambda x: x & 1)
        votes = (int(ballot(lambda x: x > 0) == tmask), int(ballot(lambda x: x > 1000) != 0),
                 int(odd in (0, tmask)), odd)
        columns = [shuffle("up", 1, top, 0), shuffle("down", 2, top, 0), shuffle("bfly", 1, top, 0),
                   shuffle("idx", 0, top, 0), shuffle("bfly", 1, 3, 0x3C)]
        taken = ballot(lambda x: x & 2)
        for t in lanes:
            out[base + t, :4] = votes
            out[base + t, 4:9] = [column[t] for column in columns]
            out[base + t, 9] = taken if vals[t] & 2 else 0
    return _wrap32(out)


def vote_shuffle_case(rng, size, threads):
    """A Case of kernels/examples/vote_shuffle.c for warps of ``threads`` lanes (its results depend
    on how tasks group into warps, so it is not in :data:`EXAMPLES`)."""
    values = _i32(rng, size, -2000, 3000)
    return Case(args=[size, Buf("in"), Buf("out")],
                inputs={"in": values, "out": np.zeros((size, 10), np.int32)},
                expected={"out": vote_shuffle_reference(values, threads)},
                max_cycles=SIMT_BASE + 100 * (200 * size + 2000))


def conv_int8_reference(x, w, bias, *, stride, pad, clip, relu, scale, shift):
    """The tile's conv -> CACC -> SDP X1 (bias, ReLU, converter) for CHW int8 x and KCRS int8 w, as
    kernels/examples/conv_int8.c computes it on the SIMT core (simtlab.sim.tile_ref)."""
    from ..sim import tile_ref
    acc = tile_ref.conv2d(x, w, stride=stride, padding=pad)
    acc, _ = tile_ref.cacc_truncate(acc, clip)
    out, _ = tile_ref.sdp_x1(acc, alu=bias.astype(np.int64), relu=bool(relu), cvt_scale=scale,
                             cvt_shift=shift)
    return out


def conv_int8_case(rng, c, h, w, k, r, s, *, stride=1, pad=0, clip=2, relu=1, scale=3, shift=4):
    """A conv_int8 case: random int8 tensors and int16 biases."""
    x = rng.integers(-128, 128, size=(c, h, w)).astype(np.int8)
    wt = rng.integers(-128, 128, size=(k, c, r, s)).astype(np.int8)
    bias = rng.integers(-3000, 3000, size=k).astype(np.int32)
    ho, wo = (h + 2 * pad - r) // stride + 1, (w + 2 * pad - s) // stride + 1
    expected = conv_int8_reference(x, wt, bias, stride=stride, pad=pad, clip=clip, relu=relu,
                                   scale=scale, shift=shift)
    outputs = k * ho * wo
    return Case(args=[c, h, w, k, r, s, stride, pad, clip, relu, scale, shift, Buf("x"), Buf("w"),
                      Buf("bias"), Buf("out"), outputs, ho, wo],
                inputs={"x": x, "w": wt, "bias": bias, "out": np.zeros((k, ho, wo), np.int8)},
                expected={"out": expected},
                max_cycles=SIMT_BASE + 100 * (outputs * (40 * c * r * s + 400) + 2000))


def _conv_int8(rng, size):
    return conv_int8_case(rng, 3, size, size + 1, 5, 3, 3, stride=1 + size % 2, pad=1)


# -- Vortex-style regression kernels (Vortex's API: vx_intrinsics.h, vx_spawn.h, kernel_arg_t read from
# mscratch; plain C with per-lane branches). Every kernel_arg_t member is 32 bits wide, so the cases
# pack as consecutive words like every other example.

DOT_CHUNK = 64          # CHUNK in kernels/examples/dotproduct.c and dotproduct_f.c
DOT_F_VLANES = 16       # VLANES in kernels/examples/dotproduct_f.c


def dotproduct_reference(a, b):
    """The per-block partials kernels/examples/dotproduct.c writes: the wrapping int32 sum of
    a[i] * b[i] over each chunk of DOT_CHUNK elements (the host adds them)."""
    blocks = -(-len(a) // DOT_CHUNK)
    prod = np.zeros(blocks * DOT_CHUNK, np.int64)
    prod[:len(a)] = (a.astype(np.int64) * b.astype(np.int64)) & MASK32
    return _wrap32(prod.reshape(blocks, DOT_CHUNK).sum(axis=1))


def _dotproduct(rng, size):
    a, b = _i32(rng, size), _i32(rng, size)
    blocks = -(-size // DOT_CHUNK)
    return Case(args=[size, Buf("a"), Buf("b"), Buf("partial")],
                inputs={"a": a, "b": b, "partial": np.full(blocks, 0x5A5A5A5A, np.int32)},
                expected={"partial": dotproduct_reference(a, b), "a": a.copy()},
                max_cycles=SIMT_BASE + 100 * (30 * size + 400 * blocks + 2000))


def dropout_hash(index, seed):
    """kernels/examples/dropout.c's mix(i * 0x9E3779B9 + seed) for uint32 indices (a numpy array)."""
    x = (np.asarray(index, np.uint64) * 0x9E3779B9 + seed) & MASK32
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & MASK32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & MASK32
    x ^= x >> 16
    return x.astype(np.uint32)


def dropout_reference(src, seed, threshold, scale):
    """(dst, mask) as kernels/examples/dropout.c writes them."""
    keep = (dropout_hash(np.arange(len(src)), seed) & 0xFFFF) >= threshold
    dst = np.where(keep, _wrap32(src.astype(np.int64) * scale), 0).astype(np.int32)
    return dst, keep.astype(np.uint8)


def _dropout(rng, size):
    src = _i32(rng, size, -100_000, 100_000)
    seed, threshold, scale = int(rng.integers(0, 1 << 32)), 0x6000, int(rng.integers(-9, 10))
    dst, mask = dropout_reference(src, seed, threshold, scale)
    return Case(args=[size, seed, threshold, scale, Buf("src"), Buf("dst"), Buf("mask")],
                inputs={"src": src, "dst": np.full(size, 0x77777777, np.int32),
                        "mask": np.full(size, 0xEE, np.uint8)},
                expected={"dst": dst, "mask": mask, "src": src.copy()},
                max_cycles=SIMT_BASE + 100 * (60 * size + 500))


def _relu(rng, size):
    src = _i32(rng, size)
    src[::3] = -np.abs(src[::3] // 2) - 1                   # a third surely negative
    special = np.array([-(1 << 31), -1, 0, 1, (1 << 31) - 1], np.int32)[:size]
    src[:len(special)] = special
    return Case(args=[size, Buf("src"), Buf("dst")],
                inputs={"src": src, "dst": np.full(size, 0x33333333, np.int32)},
                expected={"dst": np.maximum(src, 0), "src": src.copy()},
                max_cycles=SIMT_BASE + 100 * (30 * size + 500))


def conv3_reference(image, weights):
    """What kernels/examples/conv3.c computes: 3x3 int32 convolution, taps outside skipped."""
    h, w = image.shape
    padded = np.pad(image.astype(np.int64), 1)
    acc = np.zeros((h, w), np.int64)
    for ky in range(3):
        for kx in range(3):
            acc += int(weights[ky, kx]) * padded[ky:ky + h, kx:kx + w]
    return _wrap32(acc)


def _conv3(rng, size):
    h, w = size, size + 3
    image = _i32(rng, h * w).reshape(h, w)
    weights = rng.integers(-100, 100, size=(3, 3)).astype(np.int32)
    return Case(args=[w, h, Buf("image"), Buf("weights"), Buf("out")],
                inputs={"image": image, "weights": weights,
                        "out": np.full((h, w), 0x11111111, np.int32)},
                expected={"out": conv3_reference(image, weights), "image": image.copy()},
                max_cycles=SIMT_BASE + 100 * (150 * h * w + 2000))


def _stencil3d_dims(size):
    return size + 2, size + 1, size              # nx, ny, nz: every dimension different


def stencil3d_reference(grid):
    """What kernels/examples/stencil3d.c computes for a (nz, ny, nx) int32 array: 6 * centre minus
    the six neighbours, clamped at the borders."""
    g = np.pad(grid.astype(np.int64), 1, mode="edge")
    c = g[1:-1, 1:-1, 1:-1]
    sides = (g[1:-1, 1:-1, :-2] + g[1:-1, 1:-1, 2:] + g[1:-1, :-2, 1:-1] + g[1:-1, 2:, 1:-1]
             + g[:-2, 1:-1, 1:-1] + g[2:, 1:-1, 1:-1])
    return _wrap32(6 * c - sides)


def _stencil3d(rng, size):
    nx, ny, nz = _stencil3d_dims(size)
    grid = _i32(rng, nx * ny * nz).reshape(nz, ny, nx)
    return Case(args=[nx, ny, nz, Buf("src"), Buf("dst")],
                inputs={"src": grid, "dst": np.full((nz, ny, nx), 0x22222222, np.int32)},
                expected={"dst": stencil3d_reference(grid), "src": grid.copy()},
                max_cycles=SIMT_BASE + 100 * (100 * nx * ny * nz + 2000))


def mstress_reference(nxt, val, start, perm):
    """What kernels/examples/mstress.c writes to dst (uint32)."""
    out = np.zeros(len(start), np.uint32)
    for i, j in enumerate(int(s) for s in start):
        acc = i
        for _ in range(1 + (j & 15)):
            acc = (acc * 31 + int(val[j])) & MASK32
            j = int(nxt[j])
        out[int(perm[i])] = acc ^ j
    return out


def _mstress(rng, size):
    table = 4 * size + 16
    nxt = rng.integers(0, table, size=table).astype(np.uint32)
    val = rng.integers(0, 1 << 32, size=table, dtype=np.uint64).astype(np.uint32)
    start = rng.integers(0, table, size=size).astype(np.uint32)
    perm = rng.permutation(size).astype(np.uint32)
    return Case(args=[size, table, Buf("next"), Buf("val"), Buf("start"), Buf("perm"), Buf("dst")],
                inputs={"next": nxt, "val": val, "start": start, "perm": perm,
                        "dst": np.full(size, 0xDEADBEEF, np.uint32)},
                expected={"dst": mstress_reference(nxt, val, start, perm), "next": nxt.copy()},
                max_cycles=SIMT_BASE + 100 * (150 * size + 500))


def _rank_sort(rng, size):
    # duplicates (a narrow range) in half the sizes; the extremes check the signed compare
    x = _i32(rng, size, -20, 20) if size % 2 else _i32(rng, size)
    if size >= 2:
        x[0], x[-1] = np.int32((1 << 31) - 1), np.int32(-(1 << 31))
    return Case(args=[size, Buf("src"), Buf("dst")],
                inputs={"src": x, "dst": np.full(size, 0x44444444, np.int32)},
                expected={"dst": np.sort(x), "src": x.copy()},
                max_cycles=SIMT_BASE + 100 * (12 * size * size + 50 * size + 500))


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
        Example("diverge", EXAMPLES_DIR / "diverge.c",
                "divergent if/||/?:/loops/switch/function pointers/early return as plain C",
                _diverge, 200, (1, 7)),
        Example("conv_int8", EXAMPLES_DIR / "conv_int8.c",
                "the tile's int8 conv + CACC + SDP layer on the SIMT core (co-design baseline)",
                _conv_int8, 6, (1, 2, 4)),
        # Vortex-style regression kernels (Vortex's API only, plain C with per-lane branches)
        Example("dotproduct", EXAMPLES_DIR / "dotproduct.c",
                "int32 dot product: per-block partials in local memory (+ barriers), host adds them",
                _dotproduct, 1000, (1, 65)),
        Example("dropout", EXAMPLES_DIR / "dropout.c",
                "dropout with a hash-based keep mask (divergent), int32 scale, uint8 mask",
                _dropout, 500, (1, 33)),
        Example("relu", EXAMPLES_DIR / "relu.c", "ReLU of int32 with negative inputs", _relu, 500,
                (1, 7)),
        Example("conv3", EXAMPLES_DIR / "conv3.c",
                "3x3 int32 convolution, taps outside the borders skipped, 2-D grid", _conv3, 12,
                (1, 2)),
        Example("stencil3d", EXAMPLES_DIR / "stencil3d.c",
                "7-point 3-D stencil (int32), clamped borders, 3-D grid", _stencil3d, 6, (1, 2)),
        Example("mstress", EXAMPLES_DIR / "mstress.c",
                "memory stress: dependent pointer-chasing loads, scattered stores", _mstress, 300,
                (1, 37)),
        Example("rank_sort", EXAMPLES_DIR / "rank_sort.c",
                "parallel rank sort of int32 (Vortex's sort), duplicates and extremes", _rank_sort,
                100, (1, 2, 17)),
    )
}

#: The examples that launch through vx_spawn_threads (tb/kernels/test_simt_kernels.py runs them on
#: many warps x threads shapes).
SIMT_EXAMPLES = ("vecadd_simt", "vortex_vecadd", "saxpy", "reduce_tree", "scan", "histogram",
                 "bitonic_sort", "matmul_tiled", "sgemm", "stencil", "divergence", "diverge",
                 "conv_int8", "dotproduct", "dropout", "relu", "conv3", "stencil3d", "mstress",
                 "rank_sort")


# -- float32 examples (RV32F) -----------------------------------------------------------------------
# Every float example is a SIMT kernel (vx_spawn_threads) and every reference reproduces the kernel's
# exact operation sequence, so results are compared bit for bit: plain + - * / as numpy float32
# (IEEE binary32, round to nearest even, the same as the FPU), fused multiply-add (fmadd.s, written
# explicitly as sl_fmaf in kernels/examples/sl_float.h, which switches off implicit contraction) as
# fma_f32, fmax.s as fmax_f32. softmax_f's exponential is the kernel's own approximation
# (exp_approx_f32 mirrors it operation by operation), so softmax is bit-exact too; its accuracy against
# the true exp (<= 1 ulp on [-80, 0]) is a separate sanity test. Reductions use a fixed number of
# "virtual lanes" and a pairwise tree, so the order (and the bits) do not depend on warps x threads.
# They are kept out of EXAMPLES / SIMT_EXAMPLES: they need the F extension on the backend
# (SimtConfig(fpu=True)); tb/kernels/test_float_kernels.py runs them.

_F32_EXP = 0x7F80_0000


def fma_f32(a, b, c):
    """a * b + c rounded once to float32 (round to nearest even), elementwise, like fmadd.s.

    The product of two float32 is exact in float64; the sum p + c is computed in float64 with its exact
    error (TwoSum) and rounded to odd (a float64 with an odd last bit stands for "inexact"), which then
    rounds to float32 without double-rounding errors (53 >= 24 + 2 bits). Verified against Berkeley
    SoftFloat (sim/fp.execute) in tb/kernels/test_float_kernels.py.
    """
    a64 = np.asarray(a, np.float32).astype(np.float64)
    b64 = np.asarray(b, np.float32).astype(np.float64)
    c64 = np.asarray(c, np.float32).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        p = a64 * b64
        s = p + c64
        bv = s - p
        err = (p - (s - bv)) + (c64 - bv)
        fix = np.isfinite(s) & (err != 0) & ((s.view(np.uint64) & 1) == 0)
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
        return s.astype(np.float32)


def fmax_f32(a, b):
    """fmax.s for non-NaN float32 operands (of two zeros, +0 wins)."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    both = (a.view(np.uint32) & b.view(np.uint32)).view(np.float32)     # equal: +0 if either is +0
    return np.where(a > b, a, np.where(b > a, b, both)).astype(np.float32)


def _f32(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _saxpy_f(rng, size):
    a = np.float32(rng.standard_normal() * 2)
    x, y = _f32(rng, size), _f32(rng, size)
    return Case(args=[size, float(a), Buf("x"), Buf("y")],
                inputs={"x": x, "y": y},
                expected={"y": fma_f32(a, x, y), "x": x.copy()},
                max_cycles=SIMT_BASE + 100 * (40 * size + 500))


def sgemm_f_reference(a, b):
    """C = A x B as every sgemm*_f kernel computes it: acc = +0, then acc = fma(A[i][e], B[e][j], acc)
    for e = 0 .. k-1 in order."""
    m, k = a.shape
    acc = np.zeros((m, b.shape[1]), np.float32)
    for e in range(k):
        acc = fma_f32(a[:, e:e + 1], b[e:e + 1, :], acc)
    return acc


def sgemm_f_case(rng, m, n, k, max_cycles=None):
    a = rng.uniform(-1, 1, size=(m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, size=(k, n)).astype(np.float32)
    return Case(args=[m, n, k, Buf("a"), Buf("b"), Buf("c")],
                inputs={"a": a, "b": b, "c": np.full((m, n), np.nan, np.float32)},
                expected={"c": sgemm_f_reference(a, b), "a": a.copy(), "b": b.copy()},
                max_cycles=max_cycles or SIMT_BASE + 100 * (12 * m * n * k + 60 * m * n + 2000))


def _sgemm_f(rng, size):
    # odd shapes: tails in every dimension (rows of a tile, column groups, the unrolled k loop)
    return sgemm_f_case(rng, size, size + 3, size + 1)


def conv2d_f_reference(image, weights, bias):
    """What kernels/examples/conv2d_f.c computes: (channels, h, w) image, (channels, 3, 3) weights."""
    channels, h, w = image.shape
    padded = np.pad(image, ((0, 0), (1, 1), (1, 1)))          # +0.0 around the image
    acc = np.full((h, w), bias, np.float32)
    for c in range(channels):
        for ky in range(3):
            for kx in range(3):
                acc = fma_f32(weights[c, ky, kx], padded[c, ky:ky + h, kx:kx + w], acc)
    return acc


def _conv2d_f(rng, size):
    channels, h, w = 1 + size % 3, size, size + 2
    image = _f32(rng, (channels, h, w))
    weights = _f32(rng, (channels, 3, 3), 0.5)
    bias = np.float32(rng.standard_normal())
    return Case(args=[channels, h, w, Buf("image"), Buf("weights"), float(bias), Buf("out")],
                inputs={"image": image, "weights": weights,
                        "out": np.full((h, w), np.nan, np.float32)},
                expected={"out": conv2d_f_reference(image, weights, bias), "image": image.copy()},
                max_cycles=SIMT_BASE + 100 * (60 * channels * h * w * 9 + 100 * h * w + 2000))


REDUCE_F_LANES = 256      # P in kernels/examples/reduce_f.c
SOFTMAX_F_LANES = 32      # P in kernels/examples/softmax_f.c


def _pairwise(values, op):
    """The kernels' local-memory tree: for s = P/2 .. 1: v[:s] = op(v[:s], v[s:2s]); returns v[0]."""
    v = np.array(values, np.float32)
    stride = len(v) // 2
    while stride:
        v[:stride] = op(v[:stride], v[stride:2 * stride])
        stride //= 2
    return v[0]


def _lanes(row, lanes, pad):
    """row padded with ``pad`` to a multiple of ``lanes``, as (rounds, lanes): column v is virtual lane
    v's sequence."""
    rounds = -(-len(row) // lanes)
    out = np.full(rounds * lanes, pad, np.float32)
    out[:len(row)] = row
    return out.reshape(rounds, lanes)


def _sequential_sum(chunks):
    acc = np.zeros(chunks.shape[1], np.float32)
    for chunk in chunks:
        acc = acc + chunk
    return acc


def reduce_f_reference(x):
    """What kernels/examples/reduce_f.c computes (see its header for the order)."""
    return np.array([_pairwise(_sequential_sum(_lanes(x, REDUCE_F_LANES, 0.0)), np.add)], np.float32)


def _reduce_f(rng, size):
    x = _f32(rng, size, 10.0)
    return Case(args=[size, Buf("in"), Buf("out")],
                inputs={"in": x, "out": np.full(1, np.nan, np.float32)},
                expected={"out": reduce_f_reference(x), "in": x.copy()},
                max_cycles=SIMT_BASE + 100 * (20 * max(size, REDUCE_F_LANES) + 60 * REDUCE_F_LANES
                                              + 2000))


_MAGIC = np.float32(12582912.0)                       # 0x1.8p23
_LOG2E = np.float32(float.fromhex("0x1.715476p+0"))
_LN2_HI = np.float32(float.fromhex("0x1.62e400p-1"))
_LN2_LO = np.float32(float.fromhex("0x1.7f7d1cp-20"))
_EXP_POLY = [np.float32(1) / np.float32(f) for f in (5040, 720, 120, 24, 6)] + \
    [np.float32(0.5), np.float32(1), np.float32(1)]


def exp_approx_f32(d):
    """softmax_f.c's exp_approx, bit for bit (for d <= 0; see the kernel's header)."""
    d = fmax_f32(d, np.float32(-80.0))
    t = fma_f32(d, _LOG2E, _MAGIC)
    n = (t - _MAGIC).astype(np.float32)
    ni = t.view(np.uint32) - _MAGIC.view(np.uint32)                  # wraps like uint32_t
    r = fma_f32(n, -_LN2_HI, d)
    r = fma_f32(n, -_LN2_LO, r)
    p = np.full(np.shape(d), _EXP_POLY[0], np.float32)
    for coeff in _EXP_POLY[1:]:
        p = fma_f32(p, r, coeff)
    return (p.view(np.uint32) + (ni << np.uint32(23))).view(np.float32)


def softmax_f_reference(x):
    """What kernels/examples/softmax_f.c computes for a (rows, cols) float32 array."""
    out = np.zeros_like(x, dtype=np.float32)
    for r, row in enumerate(x):
        m_lanes = _lanes(row, SOFTMAX_F_LANES, -np.inf)
        lane_max = m_lanes[0]
        for chunk in m_lanes[1:]:
            lane_max = fmax_f32(lane_max, chunk)
        top = _pairwise(lane_max, fmax_f32)
        e = exp_approx_f32((row - top).astype(np.float32))
        total = _pairwise(_sequential_sum(_lanes(e, SOFTMAX_F_LANES, 0.0)), np.add)
        out[r] = e / total
    return out


def _softmax_f(rng, size):
    rows, cols = max(1, size // 8), size
    x = _f32(rng, (rows, cols), 4.0)
    if cols >= 4:
        x[0, 1] = x[0, 0] - np.float32(100.0)         # exp of less than -80: the clamp
    return Case(args=[rows, cols, Buf("in"), Buf("out")],
                inputs={"in": x, "out": np.full((rows, cols), np.nan, np.float32)},
                expected={"out": softmax_f_reference(x), "in": x.copy()},
                max_cycles=SIMT_BASE + 100 * (rows * (150 * cols + 50 * SOFTMAX_F_LANES) + 2000))


def dotproduct_f_reference(a, b):
    """The per-block partials kernels/examples/dotproduct_f.c writes (see its header for the order)."""
    n = len(a)
    blocks = -(-n // DOT_CHUNK)
    rounds = DOT_CHUNK // DOT_F_VLANES
    shape = (blocks, rounds, DOT_F_VLANES)          # element b * CHUNK + k * VLANES + v at [b, k, v]
    pa, pb = (np.zeros(blocks * DOT_CHUNK, np.float32) for _ in range(2))
    pa[:n], pb[:n] = a, b
    valid = (np.arange(blocks * DOT_CHUNK) < n).reshape(shape)
    pa, pb = pa.reshape(shape), pb.reshape(shape)
    acc = np.zeros((blocks, DOT_F_VLANES), np.float32)
    for k in range(rounds):
        acc = np.where(valid[:, k], fma_f32(pa[:, k], pb[:, k], acc), acc)
    stride = DOT_F_VLANES // 2
    while stride:
        acc[:, :stride] = acc[:, :stride] + acc[:, stride:2 * stride]
        stride //= 2
    return acc[:, 0].copy()


def _dotproduct_f(rng, size):
    a, b = _f32(rng, size), _f32(rng, size)
    blocks = -(-size // DOT_CHUNK)
    return Case(args=[size, Buf("a"), Buf("b"), Buf("partial")],
                inputs={"a": a, "b": b, "partial": np.full(blocks, np.nan, np.float32)},
                expected={"partial": dotproduct_f_reference(a, b), "a": a.copy()},
                max_cycles=SIMT_BASE + 100 * (30 * size + 600 * blocks + 2000))


def _relu_f(rng, size):
    src = _f32(rng, size, 3.0)
    special = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 3.4e38, -3.4e38],
                       np.float32)[:size]
    src[:len(special)] = special
    return Case(args=[size, Buf("src"), Buf("dst")],
                inputs={"src": src, "dst": np.full(size, np.nan, np.float32)},
                expected={"dst": np.where(src > 0, src, np.float32(0)).astype(np.float32)},
                max_cycles=SIMT_BASE + 100 * (30 * size + 500))


def conv3_f_reference(image, weights):
    """What kernels/examples/conv3_f.c computes: an fma chain over the 3x3 taps in row order, taps
    outside the image skipped (not added as zero: the bits of a -0 would differ)."""
    h, w = image.shape
    padded = np.pad(image, 1)
    inside = np.pad(np.ones((h, w), bool), 1)
    acc = np.zeros((h, w), np.float32)
    for ky in range(3):
        for kx in range(3):
            tap = fma_f32(weights[ky, kx], padded[ky:ky + h, kx:kx + w], acc)
            acc = np.where(inside[ky:ky + h, kx:kx + w], tap, acc)
    return acc


def _conv3_f(rng, size):
    h, w = size, size + 3
    image = _f32(rng, (h, w))
    weights = _f32(rng, (3, 3), 0.5)
    return Case(args=[w, h, Buf("image"), Buf("weights"), Buf("out")],
                inputs={"image": image, "weights": weights,
                        "out": np.full((h, w), np.nan, np.float32)},
                expected={"out": conv3_f_reference(image, weights), "image": image.copy()},
                max_cycles=SIMT_BASE + 100 * (150 * h * w + 2000))


def stencil3d_f_reference(grid):
    """What kernels/examples/stencil3d_f.c computes for a (nz, ny, nx) float32 array."""
    g = np.pad(grid, 1, mode="edge")
    s = g[1:-1, 1:-1, 1:-1].copy()
    for side in (g[1:-1, 1:-1, :-2], g[1:-1, 1:-1, 2:], g[1:-1, :-2, 1:-1], g[1:-1, 2:, 1:-1],
                 g[:-2, 1:-1, 1:-1], g[2:, 1:-1, 1:-1]):
        s = s + side
    return s * (np.float32(1) / np.float32(7))


def _stencil3d_f(rng, size):
    nx, ny, nz = _stencil3d_dims(size)
    grid = _f32(rng, (nz, ny, nx), 5.0)
    return Case(args=[nx, ny, nz, Buf("src"), Buf("dst")],
                inputs={"src": grid, "dst": np.full((nz, ny, nx), np.nan, np.float32)},
                expected={"dst": stencil3d_f_reference(grid), "src": grid.copy()},
                max_cycles=SIMT_BASE + 100 * (100 * nx * ny * nz + 2000))


FLOAT_EXAMPLES = {
    ex.name: ex for ex in (
        Example("saxpy_f", EXAMPLES_DIR / "saxpy_f.c", "y = fma(a, x, y) (float32), one task each",
                _saxpy_f, 1000, (1, 33)),
        Example("sgemm_f", EXAMPLES_DIR / "sgemm_f.c",
                "C = A x B (float32), one task per element, sequential fma chain", _sgemm_f, 12,
                (1, 5)),
        Example("sgemm_tiled_f", EXAMPLES_DIR / "sgemm_tiled_f.c",
                "C = A x B (float32), tiles in local memory", _sgemm_f, 13, (1, 4)),
        Example("sgemm_fast_f", EXAMPLES_DIR / "sgemm_fast_f.c",
                "C = A x B (float32), 4 x 4 register blocking per thread, unrolled k loop",
                _sgemm_f, 20, (1, 5, 70)),
        Example("conv2d_f", EXAMPLES_DIR / "conv2d_f.c",
                "3x3 convolution of 1-3 channels, zero padding (float32)", _conv2d_f, 12, (1, 5)),
        Example("softmax_f", EXAMPLES_DIR / "softmax_f.c",
                "row softmax with an in-kernel exp (float32), one block per row", _softmax_f, 40,
                (1, 33, 100)),
        Example("reduce_f", EXAMPLES_DIR / "reduce_f.c",
                "float32 sum: 256 strided partials, pairwise tree in local memory", _reduce_f, 1000,
                (0, 1, 300)),
        Example("dotproduct_f", EXAMPLES_DIR / "dotproduct_f.c",
                "float32 dot product: per-block partials, fixed virtual-lane order, host adds them",
                _dotproduct_f, 1000, (1, 65)),
        Example("relu_f", EXAMPLES_DIR / "relu_f.c", "ReLU of float32 with -0, inf, NaN, negatives",
                _relu_f, 500, (1, 33)),
        Example("conv3_f", EXAMPLES_DIR / "conv3_f.c",
                "3x3 float32 convolution (fma chain), taps outside the borders skipped", _conv3_f,
                12, (1, 5)),
        Example("stencil3d_f", EXAMPLES_DIR / "stencil3d_f.c",
                "7-point 3-D average (float32), clamped borders, 3-D grid", _stencil3d_f, 6, (1, 3)),
    )
}

#: The float examples (all launch through vx_spawn_threads; they need SimtConfig(fpu=True)).
FLOAT_SIMT_EXAMPLES = tuple(FLOAT_EXAMPLES)
