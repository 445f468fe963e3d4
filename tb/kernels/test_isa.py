"""Self-checking bare-metal tests (kernels/isa/*.S, tohost convention) on both backends."""

from pathlib import Path

import pytest

from simtlab import Device
from simtlab.config import RunStatus

ISA_DIR = Path(__file__).resolve().parents[2] / "kernels" / "isa"
TESTS = sorted(ISA_DIR.glob("*.S"))


def test_isa_tests_exist():
    names = {path.stem for path in TESTS}
    assert {"alu_reg", "alu_imm", "branches", "jumps", "loads", "stores", "mul", "div",
            "csr"} <= names


@pytest.fixture(scope="module", params=("rtl", "emu"))
def device(request):
    with Device("default", backend=request.param) as dev:
        yield dev


@pytest.mark.parametrize("test", TESTS, ids=[p.stem for p in TESTS])
def test_isa(device, test):
    device.load(test)
    counters = device.run(None, max_cycles=200_000)   # raises KernelFailed with the test number
    assert device.last_result.status == RunStatus.TOHOST
    assert device.last_result.code == 0
    assert counters.instrs > 10
