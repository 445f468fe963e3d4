"""Every example kernel on both backends (RTL model and golden model), checked against numpy."""

import pytest

from simtlab import Device
from simtlab.drivers.demo import run_case
from simtlab.kernels.catalog import EXAMPLES

BACKENDS = ("rtl", "emu")


@pytest.fixture(scope="module", params=BACKENDS)
def device(request):
    with Device("default", backend=request.param) as dev:
        yield dev


def _cases():
    for name, example in EXAMPLES.items():
        size = example.default_size if name != "spin" else 2000
        yield pytest.param(name, size, id=f"{name}-{size}")
        for size in example.sizes:
            yield pytest.param(name, size, id=f"{name}-{size}")


@pytest.mark.parametrize("name,size", list(_cases()))
def test_example_matches_numpy(device, rng, name, size):
    example = EXAMPLES[name]
    case = example.make_case(rng, size)
    counters = run_case(device, example, case)
    assert counters.instrs > 0 and counters.cycles >= counters.instrs
