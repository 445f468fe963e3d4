"""The golden model's own unit tests (tb/sim/test_emulator*.py: instructions, faults, SIMT control
flow, vote/shuffle, atomics, CSRs, RV32F) run again on the fast backend: each test module's
``Emulator`` is replaced by :class:`simtlab.sim.fast.FastEmulator`, so every program and every
expected value of those suites checks the compiled model too. So does the backend conformance suite
(tb/sim/test_backend.py), without its tile tests (the fast backend has no tile)."""

import pytest

from simtlab.config import PRESETS
from simtlab.sim.fast import FastEmulator

from . import test_backend, test_emulator, test_emulator_fp, test_emulator_simt
from .test_emulator import *        # noqa: F401,F403 -- the tests, collected again here
from .test_emulator_fp import *     # noqa: F401,F403
from .test_emulator_simt import *   # noqa: F401,F403

MODULES = (test_emulator, test_emulator_fp, test_emulator_simt)


@pytest.fixture(autouse=True)
def _fast_backend(monkeypatch):
    for module in MODULES:
        monkeypatch.setattr(module, "Emulator", FastEmulator)


# the conformance suite: its protocol tests with a fast ``backend`` fixture
for _name in dir(test_backend):
    _test = getattr(test_backend, _name)
    if _name.startswith("test_") and callable(_test) and "tiled" not in _test.__code__.co_varnames \
            and "kind" not in _test.__code__.co_varnames:
        globals()[f"{_name}_conformance"] = _test


@pytest.fixture
def backend():
    with FastEmulator(PRESETS["default"]) as fast:
        yield fast
