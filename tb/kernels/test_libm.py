"""The runtime's libm subset (kernels/runtime/libm.c, math.h) against numpy float64 references: the
maximum error in ulp of every function over fixed-seed random inputs and special values, on the RTL
model (many inputs) and on the golden model (a subset, which must also match the RTL results bit for
bit), asserted against the bounds documented in docs/runtime.md (ULP_BOUNDS). If a host C compiler is
available, the same libm.c is also built for the host and checked over many more inputs."""

import ctypes
import math
import os
import shutil
import subprocess

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.kernels.compile import RUNTIME_DIR, compile_kernel

SEED = 20261204
CONFIG = SimtConfig(name="4x4", warps=4, threads=4)   # a shape other RTL tests build too

#: Documented maximum error (ulp, round to nearest) of each function: docs/runtime.md.
ULP_BOUNDS = {
    "fabsf": 0, "floorf": 0, "ceilf": 0, "truncf": 0, "roundf": 0, "fmodf": 0, "sqrtf": 0.5,
    "expf": 1.0, "exp2f": 1.5, "expm1f": 2.0, "logf": 1.0, "log2f": 2.5, "log10f": 2.5,
    "powf": 1.0, "sinf": 2.0, "cosf": 2.0, "tanf": 3.0, "atanf": 3.0, "atan2f": 3.0, "tanhf": 3.0,
    "erff": 2.0,
}

#: Function index in the kernel's switch, and the numpy float64 reference.
FUNCS = {
    "fabsf": (0, np.abs), "sqrtf": (1, np.sqrt), "floorf": (2, np.floor), "ceilf": (3, np.ceil),
    "truncf": (4, np.trunc),
    "roundf": (5, lambda x: np.copysign(np.floor(np.abs(x) + 0.5), x)),
    "expf": (6, np.exp), "exp2f": (7, np.exp2), "expm1f": (8, np.expm1), "logf": (9, np.log),
    "log2f": (10, np.log2), "log10f": (11, np.log10), "sinf": (12, np.sin), "cosf": (13, np.cos),
    "tanf": (14, np.tan), "atanf": (15, np.arctan), "tanhf": (16, np.tanh),
    "fmodf": (17, np.fmod), "powf": (18, np.power), "atan2f": (19, np.arctan2),
    "erff": (20, np.vectorize(math.erf, otypes=[np.float64])),
}
BINARY = {"fmodf", "powf", "atan2f"}

KERNEL = r"""
#include <stdint.h>
#include <math.h>
#include "simtlab.h"

typedef struct { uint32_t n; uint32_t func; const float *x; const float *y; float *out; } libm_args_t;

static float apply(uint32_t func, float x, float y) {
    switch (func) {
    case 0: return fabsf(x);    case 1: return sqrtf(x);   case 2: return floorf(x);
    case 3: return ceilf(x);    case 4: return truncf(x);  case 5: return roundf(x);
    case 6: return expf(x);     case 7: return exp2f(x);   case 8: return expm1f(x);
    case 9: return logf(x);     case 10: return log2f(x);  case 11: return log10f(x);
    case 12: return sinf(x);    case 13: return cosf(x);   case 14: return tanf(x);
    case 15: return atanf(x);   case 16: return tanhf(x);  case 17: return fmodf(x, y);
    case 18: return powf(x, y); case 19: return atan2f(x, y);  case 20: return erff(x);
    default: return 0.0f;
    }
}

static void body(void *p) {
    const libm_args_t *a = p;
    uint32_t i = blockIdx.x;
    a->out[i] = apply(a->func, a->x[i], a->y[i]);
}

int main(void) {
    const libm_args_t *a = sl_arg();
    uint32_t grid = a->n;
    return vx_spawn_threads(1, &grid, NULL, body, a);
}
"""

SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, 1.5, 2.5, -2.5,
                    1e-45, -1e-45, 1e-40, 1.1754944e-38, 3.4028235e38, -3.4028235e38, 1e-10,
                    np.pi / 2, np.pi, 3 * np.pi / 4, 100.0, 1e4, 1e6, 16777216.0, 1e20, 1e38,
                    88.7, -88.7, 89.0, -104.0, -150.0, 127.9, 128.0, 0.35, 0.7, 1.4142135, 9.0,
                    10.0],
                   dtype=np.float32)


def _bits_random(rng, n):
    return rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)


def inputs(name, rng, n):
    """(x, y) float32 inputs for `name`: special values, then ranges where the function is
    interesting, then random bit patterns (every exponent)."""
    u = lambda lo, hi, k: rng.uniform(lo, hi, k).astype(np.float32)
    k = n // 4
    ranges = {
        "expf": [u(-104, 89, 2 * k)], "exp2f": [u(-150, 128, 2 * k)],
        "expm1f": [u(-1, 1, k), u(-20, 89, k)],
        "logf": [u(0, 4, k), np.exp(u(-80, 80, k))], "log2f": [u(0.5, 2, k), np.exp(u(-80, 80, k))],
        "log10f": [u(0.5, 2, k), np.exp(u(-80, 80, k))],
        "sinf": [u(-10, 10, k), u(-1e4, 1e4, k)], "cosf": [u(-10, 10, k), u(-1e4, 1e4, k)],
        "tanf": [u(-10, 10, k), u(-1e4, 1e4, k)], "atanf": [u(-4, 4, 2 * k)],
        "tanhf": [u(-10, 10, k), u(-0.05, 0.05, k)], "atan2f": [u(-10, 10, 2 * k)],
        "fmodf": [u(-100, 100, 2 * k)], "powf": [u(0, 10, k), u(0.9, 1.1, k)],
        "erff": [u(-1.2, 1.2, k), u(-5, 5, k)],
    }.get(name, [u(-100, 100, 2 * k)])
    x = np.concatenate([SPECIAL, *ranges])
    x = np.concatenate([x, _bits_random(rng, n - len(x))]).astype(np.float32)
    if name == "powf":
        y = np.concatenate([np.resize(SPECIAL, len(SPECIAL)), u(-20, 20, k), u(-600, 600, k)])
        y = np.concatenate([y, u(-3, 3, n - len(y))])
        y[::7] = np.round(y[::7])                    # integer exponents (negative bases)
    elif name in BINARY:
        y = np.concatenate([SPECIAL[::-1], u(-10, 10, 2 * k)])
        y = np.concatenate([y, _bits_random(rng, n - len(y))])
    else:
        y = np.zeros(n, np.float32)
    return x.astype(np.float32), y.astype(np.float32)


def ulp_errors(name, x, y, got):
    """Error of each result in ulp of the float64 reference (ulp = spacing of float32 at the
    reference, 2^-149 below the normal range); inf where the result is wrong in kind (nan, inf)."""
    index, ref_fn = FUNCS[name]
    with np.errstate(all="ignore"):              # signalling nans raise "invalid" when widened
        x64, y64, got64 = x.astype(np.float64), y.astype(np.float64), got.astype(np.float64)
        ref = ref_fn(x64, y64) if name in BINARY else ref_fn(x64)
    a = np.abs(ref)
    with np.errstate(all="ignore"):
        e = np.floor(np.log2(np.where((a > 0) & np.isfinite(a), a, 1.0)))
    ulp = np.exp2(np.clip(e, -126, 127) - 23)
    fmax = float(np.finfo(np.float32).max)
    overflow = a >= fmax + 2.0**103                  # rounds to inf
    err = np.full(len(x), np.inf)
    both_nan = np.isnan(ref) & np.isnan(got64)
    same_inf = np.isinf(got64) & (np.isinf(ref) | overflow) & (np.sign(got64) == np.sign(ref))
    finite = np.isfinite(got64) & np.isfinite(ref) & ~overflow
    with np.errstate(all="ignore"):
        err[finite] = np.abs(got64[finite] - ref[finite]) / ulp[finite]
    err[both_nan | same_inf] = 0.0
    return err


def _worst(name, x, y, got, err):
    i = int(np.argmax(err))
    return (f"{name}: {err[i]:.3f} ulp > {ULP_BOUNDS[name]} at x={x[i]!r}"
            + (f", y={y[i]!r}" if name in BINARY else "") + f": got {got[i]!r} (seed {SEED})")


_RESULTS = {}        # RTL results, for the golden model's bit-exact comparison
_DEVICES = {}


def _run(backend, name, x, y):
    if backend not in _DEVICES:
        _DEVICES[backend] = Device(CONFIG, backend=backend)
        _DEVICES[backend].load(str(compile_kernel(KERNEL, CONFIG)))
    device = _DEVICES[backend]
    device.free_all()
    bx, by, bo = device.upload(x), device.upload(y), device.empty(len(x))
    device.run(None, len(x), FUNCS[name][0], bx, by, bo)
    return device.download(bo)


def _first_difference(a, b):
    """Index of the first result that differs in its bits (any two nans count as equal), or None."""
    differ = (a.view(np.uint32) != b.view(np.uint32)) & ~(np.isnan(a) & np.isnan(b))
    where = np.nonzero(differ)[0]
    return int(where[0]) if len(where) else None


def _sizes(name):
    # powf works in software double precision: ~60x the instructions of the others.
    return (384, 96) if name == "powf" else (3072, 256)


@pytest.mark.parametrize("name", list(FUNCS))
def test_libm_ulp_bound_rtl(name):
    n_rtl, _ = _sizes(name)
    x, y = inputs(name, np.random.default_rng([SEED, FUNCS[name][0]]), n_rtl)
    got = _run("rtl", name, x, y)
    _RESULTS[name] = (x, y, got)
    err = ulp_errors(name, x, y, got)
    assert err.max() <= ULP_BOUNDS[name], _worst(name, x, y, got, err)


@pytest.mark.parametrize("name", list(FUNCS))
def test_libm_golden_model_matches(name):
    """The golden model on a subset: within the bound, and bit for bit the RTL model's results."""
    n_rtl, n_emu = _sizes(name)
    x, y = inputs(name, np.random.default_rng([SEED, FUNCS[name][0]]), n_rtl)
    x, y = x[:n_emu], y[:n_emu]
    got = _run("emu", name, x, y)
    err = ulp_errors(name, x, y, got)
    assert err.max() <= ULP_BOUNDS[name], _worst(name, x, y, got, err)
    if name in _RESULTS:
        rtl = _RESULTS[name][2][:n_emu]
        i = _first_difference(got, rtl)
        assert i is None, f"{name}: golden model and RTL differ at x={x[i]!r}: {got[i]!r} vs {rtl[i]!r}"


def test_libm_special_cases():
    """C99 Annex F values that an ulp bound does not pin down: signed zeros, infinities, nan."""
    x = np.array([-0.0, -0.0, -0.0, np.inf, -1.0, 0.0, -0.0, 0.0, -np.inf, -8.0, -8.0, -2.0, 1.0],
                 np.float32)
    y = np.array([0.0, 0.0, 0.0, 0.0, np.inf, -1.0, -3.0, -2.0, 3.0, 1 / 3, 3.0, 0.5, np.nan],
                 np.float32)
    cases = [("sinf", 0, -0.0), ("tanf", 1, -0.0), ("roundf", 2, -0.0), ("sinf", 3, np.nan),
             ("powf", 4, 1.0), ("powf", 5, np.inf), ("powf", 6, -np.inf), ("powf", 7, np.inf),
             ("powf", 8, -np.inf), ("powf", 9, np.nan), ("powf", 10, -512.0),
             ("powf", 11, np.nan), ("powf", 12, 1.0)]
    for name, i, want in cases:
        got = _run("emu", name, x[i:i + 1], y[i:i + 1])[0]
        if np.isnan(want):
            assert np.isnan(got), (name, x[i], y[i], got)
        else:
            assert got == want and np.signbit(got) == np.signbit(want), (name, x[i], y[i], got)


HOST_EVAL = r"""
float fabsf(float);float sqrtf(float);float floorf(float);float ceilf(float);float truncf(float);
float roundf(float);float expf(float);float exp2f(float);float expm1f(float);float logf(float);
float log2f(float);float log10f(float);float sinf(float);float cosf(float);float tanf(float);
float atanf(float);float tanhf(float);float fmodf(float,float);float powf(float,float);
float atan2f(float,float);float erff(float);
typedef float (*f1)(float);
typedef float (*f2)(float, float);
static const f1 T1[] = {fabsf, sqrtf, floorf, ceilf, truncf, roundf, expf, exp2f, expm1f, logf, log2f,
                        log10f, sinf, cosf, tanf, atanf, tanhf};
static const f2 T2[] = {fmodf, powf, atan2f};
void sl_eval(int id, const float *x, const float *y, float *o, int n) {
    for (int i = 0; i < n; i++)
        o[i] = id < 17 ? T1[id](x[i]) : id < 20 ? T2[id - 17](x[i], y[i]) : erff(x[i]);
}
"""


@pytest.fixture(scope="module")
def host_libm(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no host C compiler")
    d = tmp_path_factory.mktemp("libm")
    (d / "eval.c").write_text(HOST_EVAL)
    lib = d / "libslm.so"
    # No contraction, no builtins: the same operations in the same order as on the device.
    subprocess.run([cc, "-O2", "-ffp-contract=off", "-fno-builtin", "-fPIC", "-shared",
                    "-Wl,-Bsymbolic", f"-I{RUNTIME_DIR}", str(d / "eval.c"),
                    str(RUNTIME_DIR / "libm.c"), "-o", str(lib)], check=True)
    handle = ctypes.CDLL(str(lib))

    def evaluate(name, x, y):
        out = np.empty_like(x)
        ptr = lambda a: a.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        handle.sl_eval(FUNCS[name][0], ptr(x), ptr(y), ptr(out), len(x))
        return out
    return evaluate


@pytest.mark.parametrize("name", list(FUNCS))
def test_libm_ulp_bound_host_build(name, host_libm):
    """libm.c built for the host: many more inputs (SIMTLAB_LIBM_SAMPLES, default 200000; the
    maxima in docs/runtime.md are from 20000000, printed with -s); on the RTL inputs it must agree
    bit for bit with the device (the host build's sqrtf is the integer square root, also correctly
    rounded)."""
    samples = int(os.environ.get("SIMTLAB_LIBM_SAMPLES", "200000"))
    x, y = inputs(name, np.random.default_rng([SEED, 1000 + FUNCS[name][0]]), samples)
    got = host_libm(name, x, y)
    err = ulp_errors(name, x, y, got)
    print(f"{name}: max {err.max():.3f} ulp over {samples} inputs")
    assert err.max() <= ULP_BOUNDS[name], _worst(name, x, y, got, err)
    if name in _RESULTS:
        rx, ry, rtl = _RESULTS[name]
        host = host_libm(name, rx, ry)
        i = _first_difference(host, rtl)
        assert i is None, f"{name}: host build and RTL differ at x={rx[i]!r}: {host[i]!r} vs {rtl[i]!r}"
