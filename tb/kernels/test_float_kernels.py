"""The float32 example kernels (kernels/catalog.py FLOAT_EXAMPLES: saxpy_f, sgemm_f, sgemm_tiled_f,
sgemm_fast_f, conv2d_f, softmax_f, reduce_f) on the golden model at several warps x threads shapes and
on the RTL model at 1x1 and 4x4, every output compared BIT FOR BIT (uint32 patterns, so -0/+0 and NaN
are told apart) with a numpy reference that reproduces the kernel's operation order; plus the
reference's fused multiply-add against Berkeley SoftFloat (sim/fp.py) and the sgemm kernel's
instruction mix."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.drivers.bench import float_sgemm
from simtlab.kernels.catalog import (FLOAT_EXAMPLES, Buf, exp_approx_f32, fma_f32, fmax_f32,
                                     sgemm_f_case, softmax_f_reference)
from simtlab.sim.fp import execute
from simtlab.spec.fpu import FpuOp

SEED = 20261122
EMU_SHAPES = ((1, 1), (4, 4), (2, 8), (4, 16))
RTL_SHAPES = ((1, 1), (4, 4))


def _config(shape):
    warps, threads = shape
    return SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads)


_DEVICES = {}


def _device(shape, backend):
    """One device per shape and backend for the module (every launch resets the core)."""
    key = (shape, backend)
    if key not in _DEVICES:
        _DEVICES[key] = Device(_config(shape), backend=backend)
    return _DEVICES[key]


def _seed(name, size):
    return SEED + 1000 * size + sum(map(ord, name))


def run_bitexact(device, example, case, context):
    """Run ``case`` and compare every expected buffer by bit pattern. Returns the Counters."""
    device.free_all()
    buffers = {name: device.upload(array) for name, array in case.inputs.items()}
    args = [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    counters = device.run(example.source, *args, max_cycles=case.max_cycles)
    for name, want in case.expected.items():
        got = device.download(buffers[name]).view(want.dtype).reshape(want.shape)
        gb = np.ascontiguousarray(got).view(np.uint32).reshape(-1)
        wb = np.ascontiguousarray(want).view(np.uint32).reshape(-1)
        bad = np.flatnonzero(gb != wb)
        if bad.size:
            i = bad[0]
            raise AssertionError(
                f"{context}: buffer {name!r} differs at {bad.size} of {wb.size} elements; first at "
                f"flat index {i}: got {gb[i]:#010x} ({gb[i:i + 1].view(np.float32)[0]!r}), want "
                f"{wb[i]:#010x} ({wb[i:i + 1].view(np.float32)[0]!r})")
    device.free_all()
    return counters


def _check(name, size, shape, backend):
    example = FLOAT_EXAMPLES[name]
    seed = _seed(name, size)
    case = example.make_case(np.random.default_rng(seed), size)
    context = f"{name} size={size} shape={shape[0]}x{shape[1]} backend={backend} seed={seed}"
    counters = run_bitexact(_device(shape, backend), example, case, context)
    assert 0 < counters.instrs <= counters.cycles <= case.max_cycles, (context, counters)
    return counters


def _emu_cases():
    for name, example in FLOAT_EXAMPLES.items():
        for size in (example.default_size, *example.sizes):
            for shape in EMU_SHAPES:
                if name == "sgemm_fast_f" and size == 70 and shape not in ((4, 4), (4, 16)):
                    continue        # 0.7 M warp instructions at 1x1: covered at 4x4 / 4x16
                yield pytest.param(name, size, shape, id=f"{name}-{size}-{shape[0]}x{shape[1]}")


@pytest.mark.parametrize("name,size,shape", list(_emu_cases()))
def test_float_example_on_emulator(name, size, shape):
    _check(name, size, shape, "emu")


def _rtl_cases():
    for name, example in FLOAT_EXAMPLES.items():
        for size in (example.default_size, *example.sizes):
            if name == "sgemm_fast_f" and size == 70:
                continue        # the 128^3 benchmark below covers the large tiles on the RTL
            for shape in RTL_SHAPES:
                yield pytest.param(name, size, shape, id=f"{name}-{size}-{shape[0]}x{shape[1]}")


@pytest.mark.parametrize("name,size,shape", list(_rtl_cases()))
def test_float_example_on_rtl(name, size, shape):
    _check(name, size, shape, "rtl")


# -- the references themselves -------------------------------------------------------------------

def _softfloat_fma(a, b, c):
    return np.array([execute(FpuOp.MADD, 0, int(x), int(y), int(z))[0]
                     for x, y, z in zip(a.view(np.uint32), b.view(np.uint32), c.view(np.uint32))],
                    np.uint32)


def test_fma_reference_matches_softfloat():
    rng = np.random.default_rng(SEED)
    n = 6000
    bits = rng.integers(0, 1 << 32, size=(3, n), dtype=np.uint64).astype(np.uint32)
    a, b, c = (np.where(np.isfinite(v.view(np.float32)), v.view(np.float32), np.float32(1.5))
               for v in bits)
    a[:2000] = rng.uniform(-2, 2, 2000)           # ordinary magnitudes
    b[:2000] = rng.uniform(-2, 2, 2000)
    c[:2000] = rng.uniform(-2, 2, 2000)
    with np.errstate(over="ignore"):
        c[2000:4000] = (-(a[2000:4000].astype(np.float64) * b[2000:4000])).astype(np.float32)
    # p + c lands exactly on a float32 rounding midpoint in float64 (double rounding would be wrong)
    u = 2.0 ** -15
    special = []
    for sign in (1, -1):
        for cc in (1 + 2 ** -23, 1 + 3 * 2 ** -23, 1.0, 2 - 2 ** -23):
            for x, y in ((1 + u, 1 - u), (1 + u, 1 + u), (1 - u, 1 - u)):
                special += [(sign * x * 2 ** -24, y, cc), (-sign * x * 2 ** -24, y, -cc)]
    sa, sb, sc = (np.array(v, np.float32) for v in zip(*special))
    a, b, c = np.concatenate([a, sa]), np.concatenate([b, sb]), np.concatenate([c, sc])
    got = fma_f32(a, b, c).view(np.uint32)
    want = _softfloat_fma(a, b, c)
    bad = np.flatnonzero(got != want)
    assert not bad.size, [(hex(a.view(np.uint32)[i]), hex(b.view(np.uint32)[i]),
                           hex(c.view(np.uint32)[i]), hex(got[i]), hex(want[i])) for i in bad[:5]]
    # and the midpoint cases do need the care: one rounding through float64 gets some wrong
    naive = (sa.astype(np.float64) * sb + sc).astype(np.float32).view(np.uint32)
    assert (naive != _softfloat_fma(sa, sb, sc)).any()


def test_fmax_reference_matches_softfloat():
    vals = np.array([0.0, -0.0, 1.5, -1.5, np.inf, -np.inf, 3e-45, -3e-45], np.float32)
    a, b = np.meshgrid(vals, vals)
    a, b = a.reshape(-1), b.reshape(-1)
    want = [execute(FpuOp.MAX, 0, int(x), int(y))[0] for x, y in zip(a.view(np.uint32),
                                                                     b.view(np.uint32))]
    assert fmax_f32(a, b).view(np.uint32).tolist() == want


def test_exp_approximation_is_accurate():
    """The kernel's exp (mirrored bit for bit by exp_approx_f32) is within 1 ulp of the true exp on
    [-80, 0] (the domain softmax uses: x - max <= 0), and the softmax within 2e-6 relative."""
    d = -np.linspace(0, 80, 200_001).astype(np.float32)
    got = exp_approx_f32(d).astype(np.float64)
    true = np.exp(d.astype(np.float64))
    ulp = np.spacing(true.astype(np.float32)).astype(np.float64)
    assert np.all(np.abs(got - true) <= ulp)
    assert exp_approx_f32(np.float32([0.0]))[0] == 1.0
    x = (np.random.default_rng(SEED).standard_normal((6, 77)) * 4).astype(np.float32)
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax_f_reference(x), e / e.sum(axis=1, keepdims=True), rtol=2e-6)


def test_sgemm_reference_is_a_matrix_product():
    rng = np.random.default_rng(SEED)
    case = sgemm_f_case(rng, 9, 11, 13)
    a, b = case.inputs["a"].astype(np.float64), case.inputs["b"].astype(np.float64)
    np.testing.assert_allclose(case.expected["c"], a @ b, rtol=0, atol=1e-5)


# -- code quality of the benchmark kernel ----------------------------------------------------------

def test_sgemm_fast_instruction_mix():
    """Most retired warp instructions of sgemm_fast_f are fmadd.s (4 x 4 register blocking, unrolled
    k loop, no spills): at 4x16 on a 64^3 product (launch and per-tile overhead included), >= 50%
    fmadd and <= 0.55 loads per fmadd."""
    example = FLOAT_EXAMPLES["sgemm_fast_f"]
    case = sgemm_f_case(np.random.default_rng(SEED), 64, 64, 64)
    device = _device((4, 16), "emu")
    device.enable_trace(True)
    try:
        run_bitexact(device, example, case, "sgemm_fast_f 64^3 4x16")
        opcodes = device.trace()["insn"] & 0x7F
    finally:
        device.enable_trace(False)
    fmadd = int((opcodes == 0x43).sum())
    loads = int(((opcodes == 0x07) | (opcodes == 0x03)).sum())
    stores = int(((opcodes == 0x27) | (opcodes == 0x23)).sum())
    assert fmadd == 64 ** 3 // 16               # every lane busy: one warp fmadd per 16 products
    assert fmadd >= 0.5 * len(opcodes), (fmadd, len(opcodes))
    assert loads <= 0.55 * fmadd, (loads, fmadd)
    assert stores <= len(opcodes) // 20, stores


def test_float_examples_document_their_arguments():
    for example in FLOAT_EXAMPLES.values():
        text = example.source.read_text()
        assert text.lstrip().startswith("/*"), example.name
        assert '#include "sl_float.h"' in text, example.name


# -- the benchmark's float sgemm section (drivers/bench.py) ----------------------------------------

def test_bench_float_sgemm_on_emulator():
    rows = list(float_sgemm(n=24, shapes=("1x1", "4x4"), backend="emu"))
    assert [shape for shape, _, _ in rows] == ["1x1", "4x4"]
    assert all(counters.instrs > 0 for _, counters, _ in rows)


def test_bench_float_sgemm_on_rtl():
    """The benchmark's own run (128^3 at 4x4 and 4x16, checked bit for bit inside float_sgemm), with
    the performance targets: >= 2.0 FLOP/cycle at 4x4 and >= 6.0 at 4x16 (Vortex: 0.70 and 2.30)."""
    targets = {"4x4": 2.0, "4x16": 6.0}
    for shape, counters, _ in float_sgemm(n=128, shapes=tuple(targets), backend="rtl"):
        assert 2 * 128 ** 3 / counters.cycles >= targets[shape], (shape, counters)
