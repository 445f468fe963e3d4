"""The fast backend's RV32F arithmetic (host FPU in double, rounded to odd, then rounded to single in
software: sim/fast/fastemu.cpp) against Berkeley SoftFloat (sim/fp.py), bit for bit, flags included,
on the FPU test vectors of tb/rtl/fpu/test_fpu.py: the corner grid (every combination of the special
values in all five rounding modes, RMM included) and the structured random vectors (fixed seed)."""

import numpy as np
import pytest

from simtlab.sim.fast import fp_batch
from simtlab.sim.fp import execute
from simtlab.spec.fpu import FpuOp

from ..conftest import SEED
from ..rtl.fpu.test_fpu import VECTORS, _corners, _random


def _check(op, rm, a, b, c, what, seed=None):
    got, got_flags = fp_batch(op, rm, a, b, c)
    failures = []
    for k in range(len(a)):
        want, want_flags = execute(op, int(rm[k]), int(a[k]), int(b[k]), int(c[k]))
        if (int(got[k]), int(got_flags[k])) != (want, want_flags):
            failures.append(f"rm={int(rm[k])} a={int(a[k]):#010x} b={int(b[k]):#010x} "
                            f"c={int(c[k]):#010x}: fast {int(got[k]):#010x}/{int(got_flags[k]):#04x}, "
                            f"softfloat {want:#010x}/{want_flags:#04x}")
            if len(failures) >= 10:
                break
    seed_text = f" (seed {seed})" if seed is not None else ""
    assert not failures, f"{op.name} {what} vectors differ{seed_text}:\n" + "\n".join(failures)


@pytest.mark.parametrize("op", list(FpuOp), ids=lambda op: op.name)
def test_corners(op):
    rm, a, b, c = _corners(op)
    _check(op, rm, a, b, c, "corner")


@pytest.mark.parametrize("op", list(FpuOp), ids=lambda op: op.name)
def test_random(op):
    seed = [SEED, op.value]
    rng = np.random.default_rng(seed)
    a, b, c = _random(op, rng, VECTORS)
    rm = rng.integers(0, 5, VECTORS).astype(np.uint8)
    _check(op, rm, a, b, c, "random", seed)


def test_bad_rounding_mode_is_refused():
    with pytest.raises(ValueError, match="rounding modes"):
        fp_batch(FpuOp.ADD, [7], [0], [0], [0])
