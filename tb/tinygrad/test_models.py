"""Models in eval mode on the SIMTLAB device, checked against numpy: an MLP and a small conv net,
both through TinyJit (the second call replays the captured kernels with new inputs)."""

import numpy as np
import pytest

pytest.importorskip("tinygrad", reason="tinygrad is not installed: pip install 'simtlab[tinygrad]'")

import simtlab.tinygrad  # noqa: E402,F401
from simtlab.tinygrad.models import ConvNet, Mlp  # noqa: E402
from tinygrad import Device, Tensor, TinyJit  # noqa: E402

from .conftest import EMU, RTL, long_only  # noqa: E402

#: float32 sums in a different order (and fused multiply-adds) than numpy's float64 reference.
ATOL, RTOL = 1e-5, 1e-4


def _run_jitted(model, device, inputs):
    jitted = TinyJit(lambda x: model(x).realize())
    outs = []
    for x in inputs:
        outs.append(jitted(Tensor(x, device=device)).numpy())
    return outs, jitted


def _check_model(model, device, inputs):
    outs, jitted = _run_jitted(model, device, inputs)
    for n, (x, got) in enumerate(zip(inputs, outs)):
        np.testing.assert_allclose(got, model.reference(x), atol=ATOL, rtol=RTOL,
                                   err_msg=f"call {n} of the jitted model")
    assert jitted.captured is not None, "TinyJit captured nothing"
    assert len(Device[device].stats.kernels) > 0


@pytest.mark.parametrize("device", [RTL, pytest.param(EMU, marks=long_only)], ids=["rtl", "emu"])
def test_mlp(device, rng):
    model = Mlp(784, 128, 10, device=device, seed=int(rng.integers(1 << 31)))
    inputs = [rng.standard_normal((1, 784)).astype(np.float32) for _ in range(3)]
    _check_model(model, device, inputs)


@pytest.mark.parametrize("device", [RTL, pytest.param(EMU, marks=long_only)], ids=["rtl", "emu"])
def test_conv_net(device, rng):
    model = ConvNet(device=device, seed=int(rng.integers(1 << 31)))
    inputs = [rng.standard_normal((1, 1, 28, 28)).astype(np.float32) for _ in range(3)]
    _check_model(model, device, inputs)
