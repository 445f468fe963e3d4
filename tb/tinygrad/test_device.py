"""The SIMTLAB device itself: names and options, errors, simulated time, pinned block sizes."""

import numpy as np
import pytest

pytest.importorskip("tinygrad", reason="tinygrad is not installed: pip install 'simtlab[tinygrad]'")

import simtlab.tinygrad  # noqa: E402,F401
from simtlab.tinygrad.device import parse_device  # noqa: E402
from tinygrad import Device, GlobalCounters, Tensor  # noqa: E402
from tinygrad.engine.realize import local_size_cache  # noqa: E402
from tinygrad.helpers import Context  # noqa: E402

from .conftest import EMU  # noqa: E402


def test_device_name_options(monkeypatch):
    monkeypatch.setenv("SIMTLAB_BACKEND", "rtl")
    monkeypatch.setenv("SIMTLAB_CONFIG", "4x16")
    assert parse_device("SIMTLAB") == ("rtl", "4x16")
    assert parse_device("SIMTLAB:emu") == ("emu", "4x16")
    assert parse_device("SIMTLAB:2x8:EMU") == ("emu", "2x8")
    monkeypatch.delenv("SIMTLAB_BACKEND")
    monkeypatch.delenv("SIMTLAB_CONFIG")
    assert parse_device("SIMTLAB") == ("rtl", "4x4")


@pytest.mark.parametrize("name,match", [("SIMTLAB:fpga", "unknown simtlab shape 'fpga'"),
                                        ("SIMTLAB:0x4", "warps")])
def test_bad_device_names_are_clear_errors(name, match):
    with pytest.raises(ValueError, match=match):
        parse_device(name)


def test_bad_backend_in_environment(monkeypatch):
    monkeypatch.setenv("SIMTLAB_BACKEND", "fpga")
    with pytest.raises(ValueError, match="SIMTLAB backend must be one of rtl, emu"):
        parse_device("SIMTLAB")


def test_blocks_stay_within_the_core(rng):
    """On a 2x2 core (4 hardware threads) tinygrad's optimiser is kept to blocks of at most 4
    threads, and tinygrad never searches a local size by relaunching."""
    name = "SIMTLAB:emu:2x2"
    a, b = rng.standard_normal((16, 12)).astype(np.float32), rng.standard_normal((12, 8)).astype(np.float32)
    ta, tb = Tensor(a, device=name), Tensor(b, device=name)
    np.testing.assert_allclose((ta @ tb).numpy(), a.astype(np.float64) @ b, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(ta.sum(axis=1).numpy(), a.sum(axis=1, dtype=np.float64), atol=1e-5, rtol=1e-5)
    kernels = Device[name].stats.kernels
    assert kernels and all(k.block[0] * k.block[1] * k.block[2] <= 4 for k in kernels), \
        [(k.name, k.block) for k in kernels]
    assert not local_size_cache, "tinygrad searched a local size by relaunching"


def test_debug_timing_is_simulated_time(rng):
    dev = Device[EMU]
    a = Tensor(rng.standard_normal(64).astype(np.float32), device=EMU).realize()
    dev.stats.reset()
    before = GlobalCounters.time_sum_s
    with Context(DEBUG=2):
        (a * 2 + 1).realize()
    cycles = sum(k.cycles for k in dev.stats.kernels)
    assert len(dev.stats.kernels) == 1 and cycles > 0
    assert GlobalCounters.time_sum_s - before == pytest.approx(cycles / dev.clock_hz)


def test_watchdog_and_arena_limits_are_clear_errors(monkeypatch, rng):
    from simtlab.errors import WatchdogTimeout
    monkeypatch.setenv("SIMTLAB_MAX_CYCLES", "200")
    monkeypatch.setenv("SIMTLAB_ARENA_MB", "0.01")          # 10 KiB
    name = "SIMTLAB:emu:1x2"                                # a device of its own for these limits
    small = Tensor(rng.standard_normal(256).astype(np.float32), device=name).realize()
    with pytest.raises(WatchdogTimeout, match="after 200 cycles"):
        (small.exp() * 3).realize()
    with pytest.raises(MemoryError, match="Allocation of 32.00 KB failed") as failure:
        Tensor(np.zeros(8192, np.float32), device=name).realize()
    assert "device arena exhausted" in str(failure.value.__cause__)     # the arena's reason
