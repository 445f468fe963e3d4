"""The FPGA build's device (rtl/fpga/device_shell.py: the SoC, its on-chip memory, the launch and
run state) behind the host bridge, in Amaranth's simulator, driven by the host driver
(``FpgaBackend``) through a simulated serial link; results and counters against the golden model."""

import struct
from pathlib import Path

import numpy as np
import pytest
from amaranth import *
from amaranth.lib import wiring

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.drivers.fpga import FpgaBackend
from simtlab.rtl.fpga.device_shell import DeviceShell
from simtlab.rtl.fpga.uart_bridge import UartBridge
from simtlab.sim.emulator import Emulator
from simtlab.spec.csr import DCR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause, RunStatus

from .. import asm
from .sim_link import SimLink

WINDOW = 16384
KERNELS = Path(__file__).resolve().parents[3] / "kernels"
CONFIG = SimtConfig(name="fpga1x1", fpu=False, clock_gating=False, mem_latency=1)
DATA = MemoryMap.HEAP_BASE


class _Bench(Elaboratable):
    def __init__(self):
        self.bridge = UartBridge()
        self.shell = DeviceShell(CONFIG, window_bytes=WINDOW)

    def elaborate(self, platform):
        m = Module()
        m.submodules.bridge, m.submodules.shell = bridge, shell = self.bridge, self.shell
        wiring.connect(m, bridge=bridge.mem, shell=shell.host)
        wiring.connect(m, bridge=bridge.dcr, shell=shell.dcr)
        wiring.connect(m, shell=shell.status, bridge=bridge.status)
        wiring.connect(m, shell=shell.console, bridge=bridge.console)
        m.d.comb += [shell.reset.eq(bridge.reset), shell.start.eq(bridge.start),
                     shell.tohost.eq(bridge.tohost)]
        return m


@pytest.fixture(scope="module")
def link():
    bench = _Bench()
    return SimLink(bench, bench.bridge.i, bench.bridge.o)


@pytest.fixture(scope="module")
def fpga(link):
    return FpgaBackend(CONFIG, link, window_bytes=WINDOW, poll_seconds=0)


def _words(words):
    return b"".join(struct.pack("<I", w) for w in words)


def _launch(backend, program, entry=MemoryMap.CODE_BASE):
    backend.write_mem(entry, _words(program))
    backend.dcr_write(DCR.STARTUP_ADDR0, entry)
    backend.start()
    return backend.run(20_000)


def test_kernel_result_and_counters_match_the_golden_model(fpga):
    # x1 = 10; x2 = 0; loop: x2 += x1; x1 -= 1; bnez x1, loop; sw x2, 4(x3); putchar 'k'; tmc x0
    program = [
        asm.i("addi", 1, 0, 10), asm.i("addi", 2, 0, 0), asm.u("lui", 3, DATA >> 12),
        asm.r("add", 2, 2, 1), asm.i("addi", 1, 1, -1), asm.b("bne", 1, 0, -8),
        asm.s("sw", 2, 3, 4),
        asm.i("addi", 4, 0, ord("k")), asm.s("sb", 4, 0, MemoryMap.IO_COUT),
        asm.TMC_X0,
    ]
    fpga.write_mem(DATA, bytes(8))
    result = _launch(fpga, program)
    golden = Emulator(CONFIG)
    golden.write_mem(DATA, bytes(8))
    expect = _launch(golden, program)
    assert result.status == expect.status == RunStatus.DONE
    assert fpga.read_mem(DATA + 4, 4) == golden.read_mem(DATA + 4, 4) == struct.pack("<I", 55)
    assert result.instret == expect.instret == 3 + 30 + 4
    assert result.thread_instrs == expect.thread_instrs
    assert result.cycles > result.instret
    assert fpga.console() == golden.console() == b"k"


def test_exit_code_and_fault(fpga):
    exit_program = [asm.i("addi", 1, 0, 42), asm.s("sw", 1, 0, MemoryMap.IO_EXIT), asm.TMC_X0]
    result = _launch(fpga, exit_program)
    assert (result.status, result.code) == (RunStatus.EXIT, 42)
    # A launch resets the SoC: the next kernel runs from its own entry point.
    result = _launch(fpga, [asm.i("addi", 1, 0, 1), 0xFFFF_FFFF], entry=MemoryMap.CODE_BASE + 0x100)
    assert result.status == RunStatus.FAULT
    assert (result.fault_cause, result.fault_pc, result.fault_addr) == \
        (FaultCause.ILLEGAL_INSN, MemoryMap.CODE_BASE + 0x104, 0xFFFF_FFFF)
    # A load outside the on-chip windows is an access fault, not a hang.
    result = _launch(fpga, [asm.u("lui", 3, (DATA + WINDOW) >> 12), asm.i("lw", 1, 3, 0), asm.TMC_X0])
    assert result.status == RunStatus.FAULT and result.fault_cause == FaultCause.LOAD_ACCESS


def test_a_c_kernel_through_the_device_api(link):
    """``Device(backend="fpga")``: a compiled kernel with the runtime, its arguments and buffers;
    the result against numpy, the instruction count against the golden model's."""
    def vecadd(dev):
        a = dev.upload(np.arange(8, dtype=np.int32))
        b = dev.upload(np.full(8, 100, np.int32))
        c = dev.alloc(8 * 4, np.int32)
        counters = dev.run(KERNELS / "examples" / "vecadd.c", 8, a, b, c, max_cycles=100_000)
        return dev.download(c), counters

    dev = Device(CONFIG, backend="fpga", port=link)
    got, counters = vecadd(dev)
    assert np.array_equal(got, np.arange(8) + 100)
    with Device(CONFIG, backend="emu") as golden:
        _, expect = vecadd(golden)
    assert counters.status == expect.status and counters.instrs == expect.instrs
