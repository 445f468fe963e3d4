"""Vortex's warp vote and shuffle (kernels/examples/vote_shuffle.c) on both backends at several
warps x threads shapes, against the numpy/Python reference (catalog.vote_shuffle_reference)."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.drivers.demo import run_case
from simtlab.kernels.catalog import EXAMPLES_DIR, Example, vote_shuffle_case

SEED = 20261204
SHAPES = ((1, 1), (4, 4), (2, 8), (4, 16))


@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("size", [1, 37, 128])
def test_vote_shuffle_matches_reference(size, shape, backend):
    warps, threads = shape
    example = Example("vote_shuffle", EXAMPLES_DIR / "vote_shuffle.c", "vote and shuffle",
                      lambda rng, n: vote_shuffle_case(rng, n, threads), size)
    case = example.make_case(np.random.default_rng(SEED), size)
    with Device(SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads),
                backend=backend) as device:
        counters = run_case(device, example, case)
    assert counters.instrs > 0
