"""tinygrad operations on the SIMTLAB device against numpy, on the emulator and the RTL (4x4).

Inputs mix signs and magnitudes inside every warp, so a lane-dependent branch that the core ran the
wrong way (a divergence bug) changes results. Tolerances: exact for single correctly rounded float32
operations (max, sqrt, div, where, pad) and integer ops; a multiply-add may be fused by the C
compiler (fmadd.s, one rounding instead of two), so those allow 1e-6 relative; tinygrad's own
polynomial approximations of exp2/log2/sin are within a few ulp (stated per test).
"""

import numpy as np
import pytest

pytest.importorskip("tinygrad", reason="tinygrad is not installed: pip install 'simtlab[tinygrad]'")

import simtlab.tinygrad  # noqa: E402,F401  (registers SIMTLAB)
from tinygrad import Device, Tensor, dtypes  # noqa: E402

from .conftest import EMU, long_only  # noqa: E402


def _check(got, want, atol, rtol, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=what)


def _data(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_elementwise(device, rng):
    a, b = _data(rng, 6, 10), _data(rng, 6, 10)
    ta, tb = Tensor(a, device=device), Tensor(b, device=device)
    _check((ta * tb + ta - 1.5).numpy(), a * b + a - np.float32(1.5), 1e-6, 1e-6, "a*b+a-1.5")
    _check(ta.maximum(tb).numpy(), np.maximum(a, b), 0, 0, "maximum")
    _check((ta > tb).where(ta, tb * 3).numpy(), np.where(a > b, a, b * np.float32(3)), 0, 0, "where")
    _check(ta.abs().sqrt().numpy(), np.sqrt(np.abs(a)), 0, 0, "sqrt")
    _check((ta / (tb.abs() + 1)).numpy(), a / (np.abs(b) + 1), 0, 0, "div")


def test_reductions(device, rng):
    a = _data(rng, 16, 24)
    t = Tensor(a, device=device)
    _check(t.sum(axis=1).numpy(), a.sum(axis=1, dtype=np.float64), 1e-5, 1e-5, "sum rows")
    _check(t.sum(axis=0).numpy(), a.sum(axis=0, dtype=np.float64), 1e-5, 1e-5, "sum columns")
    _check(t.max(axis=1).numpy(), a.max(axis=1), 0, 0, "max")
    _check(t.argmax(axis=1).numpy(), a.argmax(axis=1), 0, 0, "argmax")
    # a reduction over a group of threads goes through local memory and barriers
    blocks = [k.block for k in Device[device].stats.kernels]
    assert any(b[0] * b[1] * b[2] > 1 for b in blocks), f"no kernel ran in block mode: {blocks}"


@pytest.mark.parametrize("m,k,n", [(16, 16, 16), (5, 7, 3)])
def test_matmul(device, rng, m, k, n):
    a, b = _data(rng, m, k), _data(rng, k, n)
    got = (Tensor(a, device=device) @ Tensor(b, device=device)).numpy()
    _check(got, a.astype(np.float64) @ b, 1e-5, 1e-5, f"matmul {m}x{k}x{n}")


def test_gated_loads_and_stores(device, rng):
    """pad (gated loads), a strided shrink and cumsum (gated accumulation), with odd sizes so the
    gates differ between the lanes of a warp."""
    a = _data(rng, 5, 7)
    t = Tensor(a, device=device)
    _check(t.pad(((1, 2), (3, 0))).numpy(), np.pad(a, ((1, 2), (3, 0))), 0, 0, "pad")
    _check(t[1:4, ::2].numpy(), a[1:4, ::2], 0, 0, "shrink")
    _check(t.cumsum(axis=1).numpy(), np.cumsum(a, axis=1, dtype=np.float64), 1e-5, 1e-5, "cumsum")


def test_softmax_and_transcendentals(device, rng):
    a = _data(rng, 4, 12) * 3
    t = Tensor(a, device=device)
    x = a.astype(np.float64)
    _check(t.softmax(axis=1).numpy(), np.exp(x) / np.exp(x).sum(1, keepdims=True), 1e-7, 1e-5, "softmax")
    _check(t.exp().numpy(), np.exp(x), 0, 3e-6, "exp")            # tinygrad's exp2: a few ulp
    _check(t.abs().log().numpy(), np.log(np.abs(x)), 1e-6, 3e-6, "log")
    _check(t.sin().numpy(), np.sin(x), 1e-6, 3e-6, "sin")


def test_integers(device, rng):
    a = rng.integers(-1000, 1000, size=(4, 9), dtype=np.int32)
    b = rng.integers(1, 50, size=(4, 9), dtype=np.int32)
    ta, tb = Tensor(a, device=device), Tensor(b, device=device)
    _check((ta * tb - 7).numpy(), a * b - 7, 0, 0, "int mul")
    _check((ta // tb).numpy(), a // b, 0, 0, "floor division")
    _check((ta % tb).numpy(), a % b, 0, 0, "mod")
    _check((ta << 3 ^ tb).numpy(), (a << 3) ^ b, 0, 0, "shift xor")
    _check((ta.cast(dtypes.int64) * 3_000_000_007 + (1 << 40)).numpy(),
           a.astype(np.int64) * 3_000_000_007 + (1 << 40), 0, 0, "int64 mul add")
    big = rng.integers(-2 ** 62, 2 ** 62, 32)
    amount = rng.integers(0, 64, 32)
    tbig, tamount = Tensor(big, device=device), Tensor(amount, device=device)
    _check((tbig << tamount).numpy(), big << amount, 0, 0, "int64 << variable")
    _check((tbig >> tamount).numpy(), big >> amount, 0, 0, "int64 >> variable (arithmetic)")
    ubig = rng.integers(0, 2 ** 63, 32, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    _check((Tensor(ubig, device=device) >> Tensor(amount.astype(np.uint64), device=device)).numpy(),
           ubig >> amount.astype(np.uint64), 0, 0, "uint64 >> variable (logical)")


def test_random_numbers_match_one_lane(device):
    """Tensor.rand (tinygrad's threefry on the device: 64-bit integer work) gives the same numbers
    on a 4x4 core as on a one-lane core, where no lane can diverge."""
    draws = []
    for name in (device, "SIMTLAB:emu:default"):
        Tensor.manual_seed(7)
        draws.append(Tensor.rand(70, device=name).numpy())
    _check(draws[0], draws[1], 0, 0, "rand on 4x4 vs 1x1")
    assert 0 <= draws[0].min() and draws[0].max() < 1 and draws[0].std() > 0.2


def test_int64_division(device, rng):
    """64-bit // and % by variables of both signs (compiler-rt's __divdi3 branches per lane; the
    renderer's restoring division does not), and by constants."""
    a = np.concatenate([rng.integers(-2 ** 62, 2 ** 62, 24),
                        [7, -7, 7, -7, 2 ** 63 - 1, -2 ** 63 + 1, 0, 5]]).astype(np.int64)
    b = np.concatenate([rng.integers(1, 2 ** 40, 12) * rng.choice([-1, 1], 12), rng.integers(1, 100, 12),
                        [2, 2, -2, -2, 3, 3, 9, -5]]).astype(np.int64)
    ta, tb = Tensor(a, device=device), Tensor(b, device=device)
    _check((ta // tb).numpy(), a // b, 0, 0, "int64 // variable")
    _check((ta % tb).numpy(), a % b, 0, 0, "int64 % variable")
    _check((ta // 7).numpy(), a // 7, 0, 0, "int64 // 7")
    ua = rng.integers(0, 2 ** 63, 32, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    ub = rng.integers(1, 2 ** 33, 32, dtype=np.uint64)
    _check((Tensor(ua, device=device) // Tensor(ub, device=device)).numpy(), ua // ub, 0, 0,
           "uint64 // variable")
    _check((Tensor(ua, device=device) % Tensor(ub, device=device)).numpy(), ua % ub, 0, 0,
           "uint64 % variable")


def test_half(device, rng):
    a = _data(rng, 6, 10) * 100
    h = a.astype(np.float16)
    t = Tensor(a, device=device).cast(dtypes.half).realize()     # realized: a half buffer
    _check(t.numpy(), h, 0, 0, "float -> half (round to nearest even)")
    _check((t * 2 + 1).numpy(), (h.astype(np.float32) * 2 + 1).astype(np.float16), 0, 0, "half ops")
    _check(t.cast(dtypes.float32).numpy(), h.astype(np.float32), 0, 0, "half -> float")
    tiny = np.array([1e-7, -3e-6, 6.1e-5, 65519.0, 65520.0, 1e9, -np.inf, 0.0], np.float32)
    with np.errstate(over="ignore"):        # 1e9 -> inf is the point
        want = tiny.astype(np.float16)
    _check(Tensor(tiny, device=device).cast(dtypes.half).numpy(), want, 0, 0,
           "half subnormals and overflow")


def test_int64_conversions(device, rng):
    """float <-> int64 with mixed signs and magnitudes in every warp (compiler-rt's helpers branch
    on the value; the renderer's are branch-free), with the rounding ties of int64 -> float."""
    a = np.concatenate([_data(rng, 24) * 1000, _data(rng, 8) * 3e12,
                        [2.0 ** 31, -2.0 ** 31, 2.0 ** 31 - 128, -0.7, 0.7, 1e18, -1e18, 2.0 ** 62]])
    a = a.astype(np.float32)
    _check(Tensor(a, device=device).cast(dtypes.int64).numpy(), a.astype(np.int64), 0, 0,
           "float -> int64")
    pos = np.abs(a)
    _check(Tensor(pos, device=device).cast(dtypes.uint64).numpy(), pos.astype(np.uint64), 0, 0,
           "float -> uint64")
    b = np.concatenate([rng.integers(-2 ** 40, 2 ** 40, 16),
                        [0, 1, -1, 2 ** 24 + 1, 2 ** 24 + 3, -(2 ** 53 + 1), 2 ** 63 - 1, -2 ** 63,
                         2 ** 32 - 1, 2 ** 32, 2 ** 62 + 2 ** 38, 2 ** 62 + 2 ** 38 + 1]]).astype(np.int64)
    _check(Tensor(b, device=device).cast(dtypes.float32).numpy(), b.astype(np.float32), 0, 0,
           "int64 -> float (round to nearest even)")
    u = rng.integers(0, 2 ** 63, 32, dtype=np.uint64) * np.uint64(2)
    _check(Tensor(u, device=device).cast(dtypes.float32).numpy(), u.astype(np.float32), 0, 0,
           "uint64 -> float")


@long_only
def test_conv2d(device, rng):
    x, w = _data(rng, 1, 2, 9, 9), _data(rng, 3, 2, 3, 3)
    got = Tensor(x, device=device).conv2d(Tensor(w, device=device), padding=1).numpy()
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.zeros((1, 3, 9, 9))
    for i in range(3):
        for j in range(3):
            want += np.einsum("nchw,oc->nohw", xp[:, :, i:i + 9, j:j + 9], w[:, :, i, j])
    _check(got, want, 1e-5, 1e-5, "conv2d padding 1")


def test_rendered_kernels_never_diverge(rng):
    """The golden model logs every branch whose lanes disagree: the kernels of mixed-sign data with
    gates, selects, int64 and half work, transcendentals (sin's range reduction converts float to
    uint64) and reductions take none (a divergent branch is correct on the core, but runs its
    sides one after the other)."""
    sim = Device[EMU].sim.backend
    a = Tensor(_data(rng, 5, 7) * 100, device=EMU)
    b = Tensor(rng.integers(-2 ** 40, 2 ** 40, (5, 7)), device=EMU)
    c = Tensor(rng.integers(1, 2 ** 20, (5, 7)) * rng.choice([-1, 1], (5, 7)), device=EMU)
    sim.log_divergence(True)
    try:
        for out in ((a > 0).where(a, a * 3), a.pad(((1, 2), (3, 0))), a.cumsum(axis=1),
                    a.softmax(axis=1), a.argmax(axis=1), (a / 50).sin(), (a / 50).exp(),
                    a.cast(dtypes.half) * 2, a.cast(dtypes.int64), b.cast(dtypes.float32),
                    b // c, b % c, b << (c.abs() % 64), b >> (c.abs() % 64), (a * 0.37).trunc()):
            out.realize()
        divergent = sim.divergences()
    finally:
        sim.log_divergence(False)
    assert not divergent, f"{len(divergent)} divergent branches, first: {divergent[:3]}"
