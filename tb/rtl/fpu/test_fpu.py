# amaranth: UnusedElaboratable=no
"""The per-lane FPU (rtl/fpu) on Verilator against Berkeley SoftFloat (sim/fp.py), bit for bit,
flags included.

Every operation runs (1) a corner set: all combinations of a list of special values, in all five
rounding modes (fused multiply-adds take their addend from a shorter list), and (2) random vectors:
uniform bit patterns plus structured draws for each operation (nearby exponents for cancellation,
exponent sums near the subnormal and overflow ranges, addends close to ``-a*b``, integers near
powers of two, ...). ``SIMTLAB_FPU_VECTORS`` sets the random vectors per operation (default 3000;
the full suite uses 100000), ``SIMTLAB_SEED`` the seed (tb/conftest.py). The driver streams
pipelined operations back to back, one per cycle, so every run also checks the throughput; it checks
that ``p_result`` stays stable until the next ``advance``.

Both variants of the FPU run every test: ``Fpu(clock_gating=True)`` (the default, for simulation)
and ``Fpu(clock_gating=False)`` (clock enables only, for FPGAs). One Verilator build per variant
serves the whole module (and every pytest-xdist worker, through the cache).
"""

import os
import re

import numpy as np
import pytest

from simtlab.rtl.fpu.fpu import Fpu
from simtlab.sim.fp import execute
from simtlab.spec.fpu import LATENCY, FpuOp, Latency

from ...conftest import SEED
from .fpu_unit import FpuUnit, build_fpu, fpu_verilog

VECTORS = int(os.environ.get("SIMTLAB_FPU_VECTORS", "3000"))
MODES = range(5)
SIGN = 0x8000_0000

_POSITIVE = [
    0x0000_0000,                                # +0
    0x0000_0001, 0x0000_0002, 0x0000_0003,      # smallest subnormals
    0x0012_3457, 0x0040_0000, 0x007F_FFFF,      # subnormals, the largest one
    0x0080_0000, 0x0080_0001, 0x00FF_FFFF,      # smallest normals
    0x3F80_0000, 0x3F80_0001, 0x3F80_0003,      # 1.0 and its neighbours (halfway cases with 2^-24)
    0x3F7F_FFFF, 0x3FC0_0000, 0x3FFF_FFFF,      # just below 1, 1.5, just below 2
    0x3F00_0000, 0x4020_0000,                   # 0.5, 2.5
    0x3400_0000, 0x3380_0000, 0x3380_0001,      # 2^-23, 2^-24 (a tie against 1.0), above it
    0x1F80_0000, 0x2000_0001, 0x5F80_0000,      # 2^-64 (products land in subnormals), 2^64
    0x4B00_0000, 0x4B80_0001, 0x4EFF_FFFF,      # 2^23, 2^24 + 2, just below 2^31
    0x4F00_0000, 0x4F7F_FFFF, 0x4F80_0000,      # 2^31, just below 2^32, 2^32
    0x7F00_0000, 0x7F7F_FFFE, 0x7F7F_FFFF,      # 2^127, the largest finite numbers
    0x7F80_0000,                                # inf
    0x7FC0_0000, 0x7FC1_2345,                   # quiet NaNs (canonical, with payload)
    0x7F80_0001, 0x7FA0_0000,                   # signaling NaNs
]
#: The corner operands: every value above with both signs.
CORNERS = _POSITIVE + [v | SIGN for v in _POSITIVE]
#: Addends of the fused multiply-add corner set.
ADDENDS = [0x0000_0000, 0x8000_0000, 0x0000_0001, 0x807F_FFFF, 0x0080_0000, 0x3F80_0000,
           0xBF80_0000, 0x3380_0000, 0xB3FF_FFFF, 0x7F7F_FFFF, 0xFF80_0000, 0x7F80_0000,
           0x7FC1_2345, 0xFFA0_0000]
#: Integer corners of fcvt.s.w/fcvt.s.wu.
INTEGERS = [0, 1, 2, 3, 0x7F, 0x00FF_FFFF, 0x0100_0000, 0x0100_0001, 0x0100_0002, 0x0100_0003,
            0x0200_0005, 0x7FFF_FF7F, 0x7FFF_FF80, 0x7FFF_FFBF, 0x7FFF_FFC0, 0x7FFF_FFFF,
            0x8000_0000, 0x8000_0001, 0x8000_0080, 0xFFFF_FF80, 0xFFFF_FFFE, 0xFFFF_FFFF,
            0xFEFF_FFFF, 0x1234_5678, 0x8765_4321]
#: Extra float corners of fcvt.w.s/fcvt.wu.s: halfway values and the integer range limits.
TO_INT = [0x3EFF_FFFF, 0x3F00_0001, 0x3FC0_0000, 0x4020_0000, 0x4060_0000, 0x4EFF_FFFF,
          0x4F00_0000, 0x4F00_0001, 0x4F7F_FFFF, 0x4F80_0000]
TO_INT = TO_INT + [v | SIGN for v in TO_INT]

OPERANDS = {op: 1 for op in (FpuOp.SQRT, FpuOp.CLASS, FpuOp.CVT_W_S, FpuOp.CVT_WU_S,
                             FpuOp.CVT_S_W, FpuOp.CVT_S_WU, FpuOp.MV_X_W, FpuOp.MV_W_X)}
FUSED = {FpuOp.MADD, FpuOp.MSUB, FpuOp.NMSUB, FpuOp.NMADD}


@pytest.fixture(scope="module", params=[True, False], ids=["gated", "enabled"])
def fpu(request):
    """One Verilator build per FPU variant (``clock_gating``), shared by the module's tests."""
    unit = FpuUnit(build_fpu(clock_gating=request.param))
    yield unit
    unit.close()


def _check(fpu, op, rm, a, b, c, what, seed=None):
    """Run the vectors on the FPU and compare each with SoftFloat; fail with the first mismatches."""
    ops = np.full(len(a), op.value, dtype=np.uint8)
    result, flags, latency, cycles = fpu.run(ops, rm, a, b, c)
    failures = []
    for i in range(len(a)):
        want, want_flags = execute(op, int(rm[i]), int(a[i]), int(b[i]), int(c[i]))
        if want != result[i] or want_flags != flags[i]:
            failures.append(f"  {op.name} rm={int(rm[i])} a={int(a[i]):#010x} b={int(b[i]):#010x}"
                            f" c={int(c[i]):#010x}: expected {want:#010x} flags {want_flags:#04x},"
                            f" got {int(result[i]):#010x} flags {int(flags[i]):#04x}")
    if failures:
        seed_text = f" (SIMTLAB_SEED={SEED}, per-op seed {seed})" if seed is not None else ""
        pytest.fail(f"{len(failures)} of {len(a)} {what} vectors of {op.name} differ{seed_text}:\n"
                    + "\n".join(failures[:12]), pytrace=False)
    return latency, cycles


def _corners(op):
    """All combinations of the corner lists for ``op``, times the five rounding modes."""
    if op in (FpuOp.CVT_S_W, FpuOp.CVT_S_WU, FpuOp.MV_W_X):
        lists = [INTEGERS + CORNERS, [0], [0]]
    elif op in (FpuOp.CVT_W_S, FpuOp.CVT_WU_S):
        lists = [CORNERS + TO_INT, [0], [0]]
    elif OPERANDS.get(op) == 1:
        lists = [CORNERS, [0], [0]]
    elif op in FUSED:
        lists = [CORNERS, CORNERS, ADDENDS]
    else:
        lists = [CORNERS, CORNERS, [0]]
    grid = np.array(np.meshgrid(*lists, list(MODES), indexing="ij"), dtype=np.uint64)
    a, b, c, rm = (g.ravel() for g in grid)
    return rm.astype(np.uint8), a, b, c


# ---- random vectors -------------------------------------------------------------------------------

def _floats(rng, n, exp_lo=0, exp_hi=255, sign=None):
    """Floats with biased exponents in [exp_lo, exp_hi] and mantissas that are uniform, all ones,
    all zeros or sparse."""
    exp = rng.integers(exp_lo, exp_hi + 1, n, dtype=np.int64).clip(0, 255).astype(np.uint64)
    frac = rng.integers(0, 1 << 23, n, dtype=np.uint64)
    kind = rng.integers(0, 8, n)
    frac = np.where(kind == 0, np.uint64(0x7F_FFFF), frac)
    frac = np.where(kind == 1, np.uint64(0), frac)
    sparse = np.uint64(1) << rng.integers(0, 23, n, dtype=np.uint64)
    frac = np.where(kind == 2, sparse, frac)
    frac = np.where(kind == 3, (np.uint64(0x7F_FFFF) << rng.integers(0, 23, n, dtype=np.uint64))
                    & np.uint64(0x7F_FFFF), frac)
    signs = rng.integers(0, 2, n, dtype=np.uint64) if sign is None else np.full(n, sign, np.uint64)
    return (signs << np.uint64(31)) | (exp << np.uint64(23)) | frac


def _near(rng, x, spread):
    """``x`` moved by a few units in the last place (same sign), clipped to the finite range."""
    mag = (x & np.uint64(0x7FFF_FFFF)).astype(np.int64)
    mag = (mag + rng.integers(-spread, spread + 1, len(x))).clip(0, 0x7F7F_FFFF)
    return (x & np.uint64(SIGN)) | mag.astype(np.uint64)


def _product_bits(a, b):
    with np.errstate(all="ignore"):
        return (a.astype(np.uint32).view(np.float32) * b.astype(np.uint32).view(np.float32)) \
            .view(np.uint32).astype(np.uint64)


def _exp(x):
    return ((x >> np.uint64(23)) & np.uint64(0xFF)).astype(np.int64)


def _random(op, rng, n):
    """``n`` operand triples for ``op``: a quarter uniform bit patterns, the rest structured."""
    uniform = [rng.integers(0, 1 << 32, n, dtype=np.uint64) for _ in range(3)]
    a = _floats(rng, n)
    b = _floats(rng, n)
    c = _floats(rng, n)
    pick = rng.integers(0, 4, n)
    if op in (FpuOp.ADD, FpuOp.SUB) or op in (FpuOp.MIN, FpuOp.MAX, FpuOp.EQ, FpuOp.LT, FpuOp.LE):
        # b close to +-a: cancellation, ties, equal and neighbouring values.
        close = _near(rng, a, 3) ^ (rng.integers(0, 2, n, dtype=np.uint64) << np.uint64(31))
        shifted = _floats(rng, n, 0, 0) | (a & np.uint64(0x7F_FFFF))
        nearby = (_floats(rng, n) & np.uint64(0x807F_FFFF)) | (
            (_exp(a) + rng.integers(-26, 27, n)).clip(0, 254).astype(np.uint64) << np.uint64(23))
        b = np.where(pick == 1, close, np.where(pick == 2, nearby, np.where(pick == 3, b, shifted)))
    elif op in (FpuOp.MUL, FpuOp.DIV) or op in FUSED:
        # Exponent sums (differences for division) near the subnormal and overflow limits.
        target = np.where(rng.integers(0, 2, n) == 0, rng.integers(-30, 5, n), rng.integers(250, 260, n))
        eb = target - _exp(a) + 127 if op is not FpuOp.DIV else _exp(a) - target + 127
        limit = (_floats(rng, n) & np.uint64(0x807F_FFFF)) | (
            eb.clip(0, 254).astype(np.uint64) << np.uint64(23))
        b = np.where(pick >= 2, limit, b)
        if op in FUSED:
            # c within a few ulps of -(a*b): massive cancellation; or with a nearby exponent.
            product = _product_bits(a, b)
            cancel = _near(rng, product ^ np.uint64(SIGN), 2)
            if op in (FpuOp.MSUB, FpuOp.NMSUB):
                cancel ^= np.uint64(SIGN)
            nearby = (_floats(rng, n) & np.uint64(0x807F_FFFF)) | (
                (_exp(product) + rng.integers(-30, 31, n)).clip(0, 254).astype(np.uint64)
                << np.uint64(23))
            c = np.where(rng.integers(0, 3, n) == 0, cancel,
                         np.where(rng.integers(0, 2, n) == 0, nearby, c))
    elif op is FpuOp.SQRT:
        squares = _product_bits(a & np.uint64(0x7FFF_FFFF), a & np.uint64(0x7FFF_FFFF))
        a = np.where(pick == 1, squares, a & np.uint64(0x7FFF_FFFF))
    elif op in (FpuOp.CVT_W_S, FpuOp.CVT_WU_S):
        a = np.where(pick >= 1, _floats(rng, n, 120, 160), a)
        halves = ((rng.integers(0, 1 << 20, n, dtype=np.uint64) * 2 + 1)
                  .astype(np.float32) / np.float32(2)).view(np.uint32).astype(np.uint64)
        a = np.where(pick == 3, halves | (rng.integers(0, 2, n, dtype=np.uint64) << np.uint64(31)), a)
    elif op in (FpuOp.CVT_S_W, FpuOp.CVT_S_WU):
        width = rng.integers(0, 33, n, dtype=np.uint64)
        bits = uniform[0] & ((np.uint64(1) << width) - np.uint64(1))
        neg = (np.uint64(1 << 32) - bits) & np.uint64(0xFFFF_FFFF)
        a = np.where(pick == 1, bits, np.where(pick == 2, neg, uniform[1]))
    a = np.where(pick == 0, uniform[0], a)
    if op not in (FpuOp.ADD, FpuOp.SUB) and op not in FUSED:
        b = np.where(pick == 0, uniform[1], b)
    c = np.where(pick == 0, uniform[2], c)
    return a, b, c


# ---- tests ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", list(FpuOp), ids=lambda op: op.name)
def test_corners(fpu, op):
    rm, a, b, c = _corners(op)
    latency, cycles = _check(fpu, op, rm, a, b, c, "corner")
    if LATENCY[op] is Latency.ITERATIVE:
        assert set(latency.tolist()) == {Fpu.iterative_latency}
    elif LATENCY[op] is Latency.PIPELINED:
        assert cycles == len(a) + 1         # back to back: one op per cycle, one drain cycle
    else:
        assert cycles == len(a)


@pytest.mark.parametrize("op", list(FpuOp), ids=lambda op: op.name)
def test_random(fpu, op):
    seed = [SEED, op.value]
    rng = np.random.default_rng(seed)
    a, b, c = _random(op, rng, VECTORS)
    rm = rng.integers(0, 5, VECTORS).astype(np.uint8)
    _check(fpu, op, rm, a, b, c, "random", seed)


@pytest.mark.parametrize("clock_gating", [True, False], ids=["gated", "enabled"])
def test_first_operations_of_a_new_unit(clock_gating):
    """The very first pipelined and iterative operations after reset complete (the gated variant
    samples ``advance`` and ``start`` at the falling clock edge)."""
    a, b, c = 0x3FC0_0000, 0x4020_0001, 0xBF80_0000
    for op in (FpuOp.MADD, FpuOp.DIV, FpuOp.CVT_S_W):
        unit = FpuUnit(build_fpu(clock_gating=clock_gating))
        result, flags, _, _ = unit.run([op.value], [0], [a], [b], [c])
        unit.close()
        assert (int(result[0]), int(flags[0])) == execute(op, 0, a, b, c), op.name


def test_mixed_stream(fpu):
    """Random operations of every class interleaved: pipelined results must survive execute-class
    and iterative operations issued after them (the driver checks their stability every cycle)."""
    rng = np.random.default_rng([SEED, 99])
    n = max(VECTORS, 2000)
    ops = rng.integers(0, len(FpuOp), n).astype(np.uint8)
    rm = rng.integers(0, 5, n).astype(np.uint8)
    a, b, c = (rng.integers(0, 1 << 32, n, dtype=np.uint64) for _ in range(3))
    result, flags, _, _ = fpu.run(ops, rm, a, b, c)
    _check_stream(ops, rm, a, b, c, result, flags, "mixed stream")


def _check_stream(ops, rm, a, b, c, result, flags, what):
    for i in range(len(ops)):
        op = FpuOp(int(ops[i]))
        want = execute(op, int(rm[i]), int(a[i]), int(b[i]), int(c[i]))
        assert want == (result[i], flags[i]), (
            f"{what}: {op.name} rm={int(rm[i])} a={int(a[i]):#010x} b={int(b[i]):#010x} "
            f"c={int(c[i]):#010x} at {i}: expected {want[0]:#010x}/{want[1]:#04x}, got "
            f"{int(result[i]):#010x}/{int(flags[i]):#04x} (SIMTLAB_SEED={SEED})")


def test_pipeline_during_divide(fpu):
    """Pipelined operations issued while a DIV/SQRT runs (allowed by the FPU, not done by the
    core): both results are right, and with clock enables the divider waits for a cycle without
    ``advance`` to borrow the rounder, leaving ``p_result`` stable."""
    rng = np.random.default_rng([SEED, 98])
    n = max(VECTORS, 2000)
    pipelined = [op.value for op in FpuOp if LATENCY[op] is Latency.PIPELINED]
    iterative = [FpuOp.DIV.value, FpuOp.SQRT.value]
    # Runs of 20-40 pipelined ops after each DIV/SQRT, so some cover its rounding cycle.
    ops = []
    while len(ops) < n:
        ops.append(rng.choice(iterative))
        ops.extend(rng.choice(pipelined, int(rng.integers(20, 41))))
    ops = np.array(ops[:n], dtype=np.uint8)
    rm = rng.integers(0, 5, n).astype(np.uint8)
    a, b, c = (_floats(rng, n) for _ in range(3))
    result, flags, latency, _ = fpu.run(ops, rm, a, b, c, overlap=True)
    _check_stream(ops, rm, a, b, c, result, flags, "pipeline during divide")
    assert latency[ops == FpuOp.DIV.value].min() >= Fpu.iterative_latency


@pytest.mark.parametrize("clock_gating", [True, False])
def test_no_wide_signals(clock_gating):
    """Every signal of the generated Verilog fits a 64-bit word (Verilator's fast path)."""
    text = fpu_verilog(clock_gating=clock_gating)
    widths = [int(w) + 1 for w in re.findall(r"\[(\d+):0\]", text)]
    assert max(widths) <= 64, f"a {max(widths)}-bit signal in the FPU's Verilog"


def test_clock_gating_is_checked():
    with pytest.raises(TypeError, match=r"clock_gating must be a bool, not 1"):
        Fpu(clock_gating=1)
