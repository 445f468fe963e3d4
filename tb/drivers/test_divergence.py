"""The divergence report (drivers/divergence.py): the golden model names the branches whose lanes
went different ways, with their lane masks."""

import numpy as np

from simtlab.config import SimtConfig
from simtlab.drivers.divergence import find_divergence, symbolize
from simtlab.kernels.catalog import EXAMPLES, Buf

CONFIG = SimtConfig(warps=2, threads=4)


def _args(name, size, seed=1):
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(seed), size)
    return example.source, [case.inputs[a.name] if isinstance(a, Buf) else a for a in case.args]


def test_divergent_kernel_reports_its_branches():
    source, args = _args("diverge", 16)
    branches = find_divergence(CONFIG, source, *args)
    where = {b.where.split("+")[0] for b in branches}
    assert {"collatz", "switched", "diverge_body"} <= where, where
    for branch in branches:
        masks = list(branch.first.values())
        assert len(masks) >= 2 and branch.count >= 1
        union = 0
        for mask in masks:
            assert mask and not union & mask, f"{branch}: lane masks overlap"
            union |= mask
        assert union < 1 << CONFIG.threads
    switch = [b for b in branches if b.where.startswith("switched")]
    assert switch and max(len(b.first) for b in switch) >= 3     # a jump table: several targets


def test_uniform_kernel_reports_nothing():
    source, args = _args("vortex_vecadd", 64)
    assert find_divergence(CONFIG, source, *args) == []


def test_symbolize_names_function_and_offset():
    symbols = {"main": 0x100, "f": 0x200, ".L0 ": 0x204}
    assert symbolize(symbols, 0x100) == "main"
    assert symbolize(symbols, 0x208) == "f+0x8"
    assert symbolize(symbols, 0x50) == "?"
