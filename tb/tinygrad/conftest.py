"""Fixtures of the tinygrad device tests (tb/tinygrad).

tinygrad reads DEV when it is imported, and some of its operations (scalar constants) resolve the
default device, so the default device is set here, before any test module imports tinygrad:
``SIMTLAB`` on the emulator at 4x4. Tests that name the RTL use ``SIMTLAB:rtl:4x4``. Heavier tests (models on the emulator, the broad op list on both
backends) run only with ``SIMTLAB_LONG=1`` (``make test-long``).
"""

import os

import pytest

# Set, not defaulted: the tests name their devices and must not follow a developer's DEV.
os.environ.update(DEV="SIMTLAB", SIMTLAB_BACKEND="emu", SIMTLAB_CONFIG="4x4")
os.environ["PARALLEL"] = "0"        # compile in this process: no worker pool on 2 cores

LONG = os.environ.get("SIMTLAB_LONG", "") not in ("", "0")

#: The two devices every backend test runs on.
EMU, RTL = "SIMTLAB", "SIMTLAB:rtl:4x4"

long_only = pytest.mark.skipif(not LONG, reason="a long test: run with SIMTLAB_LONG=1 (make test-long)")


@pytest.fixture(params=[EMU, RTL], ids=["emu", "rtl"])
def device(request):
    """Each backend's tinygrad device name."""
    return request.param
