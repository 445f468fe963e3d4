"""Self-checking bare-metal tests (kernels/isa/*.S, tohost convention) on both backends."""

from pathlib import Path

import pytest

from simtlab import Device
from simtlab.spec.status import RunStatus

ISA_DIR = Path(__file__).resolve().parents[2] / "kernels" / "isa"
TESTS = sorted(ISA_DIR.glob("*.S"))
BACKENDS = ("rtl", "emu")



def test_isa_tests_exist():
    names = {path.stem for path in TESTS}
    assert {"alu_reg", "alu_imm", "branches", "jumps", "loads", "stores", "mul", "div",
            "csr", "fadd", "fclass", "fcmp", "fcsr", "fcvt", "fcvt_w", "fdiv", "fldst", "fmadd",
            "fmin", "fmove"} <= names


@pytest.fixture(scope="module")
def device(request):
    with Device("default", backend=request.param) as dev:
        yield dev


# One device per backend for the whole module (module-scoped, parametrised indirectly).
CASES = [pytest.param(backend, test, id=f"{backend}-{test.stem}")
         for backend in BACKENDS for test in TESTS]


@pytest.mark.parametrize("device,test", CASES, indirect=["device"])
def test_isa(device, test):
    device.load(test)
    counters = device.run(None, max_cycles=200_000)   # raises KernelFailed with the test number
    assert device.last_result.status == RunStatus.TOHOST
    assert device.last_result.code == 0
    assert counters.instrs > 10
