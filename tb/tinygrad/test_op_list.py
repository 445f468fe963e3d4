"""A broad list of tinygrad operations (after the op list of tinygrad's own test_ops, whose test
suite is not in tinygrad's wheel) on the SIMTLAB device against numpy. Long: SIMTLAB_LONG=1.

Each entry: name, the tinygrad function, the numpy reference, input shapes, tolerance (atol, rtol).
Inputs are standard normal float32 from the seeded generator (positive where the op needs it). On
the emulator every op's kernels must also take no divergent branch (the golden model's log).
"""

import numpy as np
import pytest

pytest.importorskip("tinygrad", reason="tinygrad is not installed: pip install 'simtlab[tinygrad]'")

import simtlab.tinygrad  # noqa: E402,F401
from tinygrad import Device, Tensor, dtypes  # noqa: E402

from .conftest import EMU, long_only  # noqa: E402

EXACT, ULP, APPROX = (0, 0), (1e-6, 1e-6), (1e-5, 3e-5)


def _softplus(x):
    return np.log1p(np.exp(x))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    from math import erf
    return np.vectorize(erf)(x)


OPS = [
    # unary
    ("neg", lambda a: -a, lambda a: -a, [(4, 9)], EXACT),
    ("abs", lambda a: a.abs(), np.abs, [(4, 9)], EXACT),
    ("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), [(4, 9)], EXACT),
    ("leaky_relu", lambda a: a.leaky_relu(0.1), lambda a: np.where(a > 0, a, 0.1 * a), [(4, 9)], ULP),
    ("sqrt", lambda a: a.abs().sqrt(), lambda a: np.sqrt(np.abs(a)), [(4, 9)], EXACT),
    ("rsqrt", lambda a: (a.abs() + 0.1).rsqrt(), lambda a: 1 / np.sqrt(np.abs(a) + 0.1), [(4, 9)], ULP),
    ("reciprocal", lambda a: (a.abs() + 0.5).reciprocal(), lambda a: 1 / (np.abs(a) + 0.5), [(4, 9)], ULP),
    ("exp", lambda a: a.exp(), np.exp, [(4, 9)], APPROX),
    ("exp2", lambda a: a.exp2(), np.exp2, [(4, 9)], APPROX),
    ("log", lambda a: a.abs().log(), lambda a: np.log(np.abs(a)), [(4, 9)], APPROX),
    ("log2", lambda a: a.abs().log2(), lambda a: np.log2(np.abs(a)), [(4, 9)], APPROX),
    ("sin", lambda a: a.sin(), np.sin, [(4, 9)], APPROX),
    ("cos", lambda a: a.cos(), np.cos, [(4, 9)], APPROX),
    ("tan", lambda a: a.tan(), np.tan, [(4, 9)], (1e-4, 1e-4)),
    ("sigmoid", lambda a: a.sigmoid(), _sigmoid, [(4, 9)], APPROX),
    ("tanh", lambda a: a.tanh(), np.tanh, [(4, 9)], APPROX),
    ("gelu", lambda a: a.gelu(), lambda a: 0.5 * a * (1 + np.tanh(0.7978845608 * (a + 0.044715 * a ** 3))),
     [(4, 9)], APPROX),
    ("softplus", lambda a: a.softplus(), _softplus, [(4, 9)], APPROX),
    ("erf", lambda a: a.erf(), _erf, [(4, 9)], (1e-5, 1e-4)),
    ("floor", lambda a: (a * 3).floor(), lambda a: np.floor(a * 3), [(4, 9)], EXACT),
    ("ceil", lambda a: (a * 3).ceil(), lambda a: np.ceil(a * 3), [(4, 9)], EXACT),
    ("round", lambda a: (a * 3).round(), lambda a: np.round(a * 3), [(4, 9)], EXACT),
    ("sign", lambda a: a.sign(), np.sign, [(4, 9)], EXACT),
    # binary
    ("add", lambda a, b: a + b, np.add, [(4, 9), (4, 9)], EXACT),
    ("sub", lambda a, b: a - b, np.subtract, [(4, 9), (4, 9)], EXACT),
    ("mul", lambda a, b: a * b, np.multiply, [(4, 9), (4, 9)], EXACT),
    ("div", lambda a, b: a / b, np.divide, [(4, 9), (4, 9)], ULP),
    ("pow", lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b, [(4, 9), (4, 9)], (1e-5, 1e-4)),
    ("maximum", lambda a, b: a.maximum(b), np.maximum, [(4, 9), (4, 9)], EXACT),
    ("minimum", lambda a, b: a.minimum(b), np.minimum, [(4, 9), (4, 9)], EXACT),
    ("cmplt", lambda a, b: (a < b), np.less, [(4, 9), (4, 9)], EXACT),
    ("broadcast", lambda a, b: a + b, np.add, [(4, 9), (1, 9)], EXACT),
    ("where", lambda a, b: (a > 0).where(a, b), lambda a, b: np.where(a > 0, a, b), [(4, 9), (4, 9)], EXACT),
    # reductions
    ("sum", lambda a: a.sum(), lambda a: a.sum(dtype=np.float64), [(7, 13)], APPROX),
    ("sum_axis", lambda a: a.sum(axis=0), lambda a: a.sum(0, dtype=np.float64), [(7, 13)], APPROX),
    ("mean", lambda a: a.mean(axis=1), lambda a: a.mean(1, dtype=np.float64), [(7, 13)], APPROX),
    ("var", lambda a: a.var(axis=1), lambda a: a.astype(np.float64).var(1, ddof=1), [(7, 13)], APPROX),
    ("max", lambda a: a.max(axis=1), lambda a: a.max(1), [(7, 13)], EXACT),
    ("min", lambda a: a.min(axis=0), lambda a: a.min(0), [(7, 13)], EXACT),
    ("argmax", lambda a: a.argmax(axis=1), lambda a: a.argmax(1), [(7, 13)], EXACT),
    ("argmin", lambda a: a.argmin(axis=0), lambda a: a.argmin(0), [(7, 13)], EXACT),
    ("cumsum", lambda a: a.cumsum(axis=1), lambda a: np.cumsum(a, 1, dtype=np.float64), [(5, 11)], APPROX),
    ("softmax", lambda a: a.softmax(axis=1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True),
     [(5, 11)], APPROX),
    ("log_softmax", lambda a: a.log_softmax(axis=1),
     lambda a: a - np.log(np.exp(a.astype(np.float64)).sum(1, keepdims=True)), [(5, 11)], APPROX),
    # movement
    ("reshape", lambda a: a.reshape(9, 4), lambda a: a.reshape(9, 4), [(4, 9)], EXACT),
    ("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), [(2, 3, 5)], EXACT),
    ("expand", lambda a: a.expand(4, 6, 5), lambda a: np.broadcast_to(a, (4, 6, 5)), [(1, 6, 5)], EXACT),
    ("flip", lambda a: a.flip(1), lambda a: a[:, ::-1], [(4, 9)], EXACT),
    ("shrink", lambda a: a[1:3, 2:7:2], lambda a: a[1:3, 2:7:2], [(4, 9)], EXACT),
    ("pad", lambda a: a.pad(((1, 0), (2, 3))), lambda a: np.pad(a, ((1, 0), (2, 3))), [(4, 9)], EXACT),
    ("cat", lambda a, b: a.cat(b, dim=1), lambda a, b: np.concatenate([a, b], 1), [(3, 4), (3, 5)], EXACT),
    ("stack", lambda a, b: Tensor.stack(a, b, dim=0), lambda a, b: np.stack([a, b]), [(3, 4), (3, 4)], EXACT),
    ("gather", lambda a: a.gather(1, Tensor([[0, 2], [1, 1], [3, 0]], device=a.device)),
     lambda a: np.take_along_axis(a, np.array([[0, 2], [1, 1], [3, 0]]), 1), [(3, 4)], EXACT),
    # nn
    ("matmul", lambda a, b: a @ b, lambda a, b: a.astype(np.float64) @ b, [(6, 10), (10, 7)], APPROX),
    ("batched_matmul", lambda a, b: a @ b, lambda a, b: a.astype(np.float64) @ b, [(2, 3, 5), (2, 5, 4)], APPROX),
    ("conv2d", lambda a, b: a.conv2d(b), None, [(1, 2, 7, 7), (3, 2, 3, 3)], APPROX),
    ("conv2d_stride_pad", lambda a, b: a.conv2d(b, stride=2, padding=1), None,
     [(1, 2, 7, 7), (3, 2, 3, 3)], APPROX),
    ("max_pool2d", lambda a: a.max_pool2d(2), lambda a: a.reshape(1, 2, 3, 2, 3, 2).max((3, 5)),
     [(1, 2, 6, 6)], EXACT),
    ("avg_pool2d", lambda a: a.avg_pool2d(2), lambda a: a.reshape(1, 2, 3, 2, 3, 2).mean((3, 5)),
     [(1, 2, 6, 6)], ULP),
    ("layernorm", lambda a: a.layernorm(axis=1),
     lambda a: (a - a.mean(1, keepdims=True)) / np.sqrt(a.var(1, keepdims=True) + 1e-5), [(5, 11)], APPROX),
    # types
    ("cast_int", lambda a: (a * 10).cast(dtypes.int32), lambda a: (a * 10).astype(np.int32), [(4, 9)], EXACT),
    ("cast_uint8", lambda a: (a.abs() * 10).cast(dtypes.uint8), lambda a: (np.abs(a) * 10).astype(np.uint8),
     [(4, 9)], EXACT),
    ("int_div_mod", lambda a: ((a * 100).cast(dtypes.int32) // 7) * 10 + (a * 100).cast(dtypes.int32) % 7,
     lambda a: ((a * 100).astype(np.int32) // 7) * 10 + (a * 100).astype(np.int32) % 7, [(4, 9)], EXACT),
    ("bool_ops", lambda a, b: ((a > 0) & (b > 0)) | ((a < -1) ^ (b < -1)),
     lambda a, b: ((a > 0) & (b > 0)) | ((a < -1) ^ (b < -1)), [(4, 9), (4, 9)], EXACT),
]


def _conv_ref(x, w, stride=1, padding=0):
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k = w.shape[2]
    oh = (x.shape[2] - k) // stride + 1
    ow = (x.shape[3] - k) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(k):
        for j in range(k):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


REFS = {"conv2d": lambda a, b: _conv_ref(a, b),
        "conv2d_stride_pad": lambda a, b: _conv_ref(a, b, stride=2, padding=1)}


@long_only
@pytest.mark.parametrize("name,fn,ref,shapes,tol", OPS, ids=[op[0] for op in OPS])
def test_op(device, rng, name, fn, ref, shapes, tol):
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    tensors = [Tensor(x, device=device).realize() for x in inputs]
    if device == EMU:       # the golden model also checks that no kernel branches per lane
        sim = Device[device].sim.backend
        sim.log_divergence(True)
        try:
            result = fn(*tensors).realize()
            divergent = sim.divergences()
        finally:
            sim.log_divergence(False)
        assert not divergent, f"{name}: {len(divergent)} divergent branches, first {divergent[:2]}"
    else:
        result = fn(*tensors)
    got = result.numpy()
    want = (ref or REFS[name])(*inputs)
    atol, rtol = tol
    np.testing.assert_allclose(got, np.asarray(want), atol=atol, rtol=rtol, err_msg=f"{name} on {device}")
