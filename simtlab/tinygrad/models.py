"""Small tinygrad models with numpy references, for the tests, ``simtlab demo`` and ``simtlab bench``.

Each model draws its weights from a seeded numpy generator, keeps them as tinygrad Tensors on the
given device, and has ``reference(x)``: the same network in numpy float64. Eval mode only (batch
norm uses its running statistics).

* :class:`Mlp`: Linear -> ReLU -> Linear (784-128-10 by default).
* :class:`ConvNet`: a stack of conv / relu / batchnorm / maxpool / linear layers;
  ``ConvNet.small()`` (two 3x3 convolutions, for tests) and ``ConvNet.mnist()`` (the layers of
  tinygrad's MNIST example: 5x5 and 3x3 convolutions of 32 and 64 channels, 576 -> 10).
"""

import numpy as np
from tinygrad import Tensor

__all__ = ["Mlp", "ConvNet"]


def _conv_ref(x, w, b):
    n, c, h, wd = x.shape
    k = w.shape[2]
    out = np.zeros((n, w.shape[0], h - k + 1, wd - k + 1))
    for i in range(k):
        for j in range(k):
            out += np.einsum("nchw,oc->nohw", x[:, :, i:i + h - k + 1, j:j + wd - k + 1], w[:, :, i, j])
    return out + b[None, :, None, None]


def _pool_ref(x):
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


class _Model:
    def __init__(self, device, seed):
        self.device = device
        self._rng = np.random.default_rng(seed)
        self.params = []        # (name, numpy float32 array, Tensor)

    def _param(self, name, shape, scale):
        value = (self._rng.standard_normal(shape) * scale).astype(np.float32)
        tensor = Tensor(value, device=self.device)
        self.params.append((name, value, tensor))
        return value, tensor


class Mlp(_Model):
    """``Linear(n_in, n_hidden) -> ReLU -> Linear(n_hidden, n_out)``."""

    def __init__(self, n_in=784, n_hidden=128, n_out=10, *, device=None, seed=0):
        super().__init__(device, seed)
        self.w1, self.tw1 = self._param("w1", (n_in, n_hidden), n_in ** -0.5)
        self.b1, self.tb1 = self._param("b1", (n_hidden,), 0.1)
        self.w2, self.tw2 = self._param("w2", (n_hidden, n_out), n_hidden ** -0.5)
        self.b2, self.tb2 = self._param("b2", (n_out,), 0.1)

    def __call__(self, x):
        return ((x @ self.tw1 + self.tb1).relu()) @ self.tw2 + self.tb2

    def reference(self, x):
        h = np.maximum(x.astype(np.float64) @ self.w1 + self.b1, 0)
        return h @ self.w2 + self.b2


class ConvNet(_Model):
    """Layers: ``("conv", cin, cout, k)`` (valid padding), ``("relu",)``, ``("bn", c)``,
    ``("pool",)`` (2x2 max), ``("flatten",)``, ``("linear", n_in, n_out)``."""

    SMALL = (("conv", 1, 4, 3), ("relu",), ("pool",), ("conv", 4, 8, 3), ("relu",), ("bn", 8),
             ("pool",), ("flatten",), ("linear", 200, 10))
    MNIST = (("conv", 1, 32, 5), ("relu",), ("conv", 32, 32, 5), ("relu",), ("bn", 32), ("pool",),
             ("conv", 32, 64, 3), ("relu",), ("conv", 64, 64, 3), ("relu",), ("bn", 64), ("pool",),
             ("flatten",), ("linear", 576, 10))

    def __init__(self, layers=SMALL, *, device=None, seed=0):
        super().__init__(device, seed)
        self.layers = []
        for spec in layers:
            kind = spec[0]
            if kind == "conv":
                _, cin, cout, k = spec
                w = self._param("conv.w", (cout, cin, k, k), (cin * k * k) ** -0.5)
                b = self._param("conv.b", (cout,), 0.1)
                self.layers.append((kind, w, b))
            elif kind == "bn":
                c = spec[1]
                scale = self._param("bn.w", (c,), 0.2)
                shift = self._param("bn.b", (c,), 0.1)
                mean = self._param("bn.mean", (c,), 0.1)
                var = (np.abs(self._rng.standard_normal(c)) + 0.5).astype(np.float32)
                self.layers.append((kind, scale, shift, mean, (var, Tensor(var, device=device))))
            elif kind == "linear":
                _, n_in, n_out = spec
                w = self._param("linear.w", (n_in, n_out), n_in ** -0.5)
                b = self._param("linear.b", (n_out,), 0.1)
                self.layers.append((kind, w, b))
            elif kind in ("relu", "pool", "flatten"):
                self.layers.append((kind,))
            else:
                raise ValueError(f"unknown ConvNet layer {spec!r}")

    @classmethod
    def small(cls, **kw):
        return cls(cls.SMALL, **kw)

    @classmethod
    def mnist(cls, **kw):
        return cls(cls.MNIST, **kw)

    def __call__(self, x):
        for kind, *p in self.layers:
            if kind == "conv":
                x = x.conv2d(p[0][1], p[1][1])
            elif kind == "relu":
                x = x.relu()
            elif kind == "pool":
                x = x.max_pool2d(2)
            elif kind == "bn":
                (_, w), (_, b), (_, mean), (_, var) = p
                x = (x - mean.reshape(1, -1, 1, 1)) * (w / (var + 1e-5).sqrt()).reshape(1, -1, 1, 1) \
                    + b.reshape(1, -1, 1, 1)
            elif kind == "flatten":
                x = x.flatten(1)
            else:
                x = x @ p[0][1] + p[1][1]
        return x

    def reference(self, x):
        x = x.astype(np.float64)
        for kind, *p in self.layers:
            if kind == "conv":
                x = _conv_ref(x, p[0][0], p[1][0])
            elif kind == "relu":
                x = np.maximum(x, 0)
            elif kind == "pool":
                x = _pool_ref(x)
            elif kind == "bn":
                (w, _), (b, _), (mean, _), (var, _) = p
                x = (x - mean[None, :, None, None]) * (w / np.sqrt(var + 1e-5))[None, :, None, None] \
                    + b[None, :, None, None]
            elif kind == "flatten":
                x = x.reshape(x.shape[0], -1)
            else:
                x = x @ p[0][0] + p[1][0]
        return x
