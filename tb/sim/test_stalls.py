"""Stall classes: the cycles a slower memory adds are counted as memory stalls, not idle ones."""

import numpy as np

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.drivers.demo import run_case
from simtlab.kernels.catalog import EXAMPLES


def _perf(mem_latency):
    example = EXAMPLES["vecadd"]
    case = example.make_case(np.random.default_rng(3), 64)
    with Device(SimtConfig(mem_latency=mem_latency), backend="rtl") as device:
        counters = run_case(device, example, case)
    return counters.cycles, counters.perf


def test_memory_latency_shows_as_memory_stalls():
    fast_cycles, fast = _perf(2)
    slow_cycles, slow = _perf(8)
    added = slow_cycles - fast_cycles
    assert added > 1000
    assert slow["memory"] - fast["memory"] >= 0.6 * added, (fast, slow)
    assert slow["idle"] - fast["idle"] <= 0.1 * added, (fast, slow)
