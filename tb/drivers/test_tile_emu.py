"""The tile on the golden-model backend: ``Device("tile", backend="emu")`` runs the same layer tests as
the Verilator model (tb/drivers/test_tile_rtl.py's, collected here with an emulator device), the
co-design kernel bit exactly, and the lock-step check of the co-design kernel (RTL vs emulator)."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.drivers import regs
from simtlab.drivers.codesign import codesign
from simtlab.drivers.lockstep import run_lockstep
from simtlab.drivers.tile import TileDriver, read_trace
from simtlab.errors import TileFault
from simtlab.spec.memory import MemoryMap

from .test_tile_driver import int8
from .test_tile_rtl import (SEED, test_codesign_kernel_drives_the_tile, test_conv_bias_relu_pool_fused,  # noqa: F401
                            test_conv_layers, test_conv_relu_pool_fused, test_pingpong_sequence,
                            test_pool_layers, test_sdp_3x3x33_bs)


@pytest.fixture
def device():
    with Device("tile", backend="emu") as dev:
        yield dev


@pytest.fixture
def rng():
    return np.random.default_rng(SEED)


def _recorded_pool(device, rng):
    x = int8(rng, (1, 8, 4, 4))
    trace = []
    TileDriver(device, trace=trace).pool2d(x, 2, 2, 0, "max")
    steps = read_trace(trace)
    return steps[:steps.index(("wait",))]


def test_dma_outside_memory_is_reported_with_its_unit(device, rng):
    bad = MemoryMap.HEAP_BASE + MemoryMap.HEAP_SIZE + 0x1000
    steps = _recorded_pool(device, rng)
    with Device("tile", backend="emu") as fresh:
        for step in steps:
            if step[0] == "write":
                _, name, offset, value = step
                fresh.tile_write(offset, bad if name == "PDP_RDMA.D_SRC_BASE_ADDR_LOW" else value)
        with pytest.raises(TileFault, match="PDP_RDMA") as caught:
            fresh.tile_run(200_000)
    assert caught.value.unit == "PDP_RDMA" and caught.value.addr == bad


def test_inconsistent_layer_is_the_watchdog_fault(device, rng):
    """A layer the RTL would not finish (here: PDP_RDMA and PDP disagree on the cube) is reported
    like the RTL's watchdog, with the model's reason in the message."""
    steps = _recorded_pool(device, rng)
    with Device("tile", backend="emu") as fresh:
        for step in steps:
            if step[0] == "write":
                _, name, offset, value = step
                if name == "PDP_RDMA.D_DATA_CUBE_IN_WIDTH":
                    value += 1
                fresh.tile_write(offset, value)
        with pytest.raises(TileFault, match="watchdog.*PDP_RDMA and PDP input sizes") as caught:
            fresh.tile_run(200_000)
    assert caught.value.unit == "watchdog"


def test_tile_run_without_a_layer_times_out(device):
    from simtlab.errors import WatchdogTimeout
    with pytest.raises(WatchdogTimeout, match="no interrupt within 1000 cycles"):
        device.tile_run(1000)


def test_kernel_sees_the_layer_end_after_its_duration(device, rng):
    """The co-design kernel polls INTR_STATUS: on the emulator the layer ends after the model's
    duration, so the tile phase takes at least that many cycles."""
    numbers = codesign(device, rng)
    assert numbers["tile_layer_cycles"] >= numbers["host_layer_cycles"]
    assert numbers["kernel_cycles"] > numbers["tile_layer_cycles"] + numbers["residual_cycles"]


def test_codesign_lockstep():
    """The co-design kernel retires the same instructions on the RTL and on the emulator (whose MMIO
    loads and cycle reads replay the RTL's: drivers/lockstep.py)."""
    report = run_lockstep("tile", "codesign")
    assert report.ok, report.summary()
    assert report.records > 1000


def test_tile_layers_match_between_backends(rng):
    """The same conv layer through the host driver: identical output bytes and register readback."""
    x, w = int8(rng, (1, 11, 5, 6)), int8(rng, (9, 11, 3, 3))
    outputs, status = {}, {}
    for backend in ("rtl", "emu"):
        with Device("tile", backend=backend) as dev:
            y, _ = TileDriver(dev).conv2d(x, w, padding=1, relu=True, out_shift=6)
            outputs[backend] = y
            status[backend] = [dev.tile_read(regs.offset(f"{u}.S_POINTER"))
                               for u in ("CDMA", "CSC", "CMAC_A", "CACC", "SDP", "PDP")]
    np.testing.assert_array_equal(outputs["rtl"], outputs["emu"])
    assert status["rtl"] == status["emu"]
