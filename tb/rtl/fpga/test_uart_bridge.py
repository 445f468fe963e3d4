"""The host bridge's protocol (rtl/fpga/uart_bridge.py, simtlab/spec/bridge.py) in Amaranth's
simulator: the bridge and the on-chip memory, driven by the host driver's own code
(drivers/fpga.py) through a simulated serial link; the run state comes from a small model of the
device shell's status port."""

import struct

import numpy as np
import pytest
from amaranth import *
from amaranth.lib import wiring

from simtlab.config import SimtConfig
from simtlab.drivers.fpga import BridgeClient, BridgeError, FpgaBackend
from simtlab.rtl.fpga.onchip_ram import OnChipMemory
from simtlab.rtl.fpga.uart_bridge import UartBridge
from simtlab.spec.bridge import Command
from simtlab.spec.csr import DCR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import RunStatus

from .sim_link import SimLink

SEED = 20261206
WINDOW = 4096


class _Bench(Elaboratable):
    def __init__(self):
        self.bridge = UartBridge()
        self.ram = OnChipMemory(window_bytes=WINDOW, tag_width=16)

    def elaborate(self, platform):
        m = Module()
        m.submodules.bridge, m.submodules.ram = self.bridge, self.ram
        wiring.connect(m, bridge=self.bridge.mem, ram=self.ram.bus)
        wiring.connect(m, ram=self.ram.console, bridge=self.bridge.console)
        m.d.comb += [self.ram.tohost.eq(self.bridge.tohost), self.ram.clear.eq(self.bridge.reset)]
        return m


class _Device:
    """Stands for the SoC: records DCR writes, resets and starts; a started "kernel" runs
    ``length`` cycles and ends DONE, unless the memory reports an ending store first."""

    def __init__(self, bench, length=300):
        self.bench, self.length = bench, length
        self.dcrs, self.resets, self.starts = [], 0, 0
        self.left = None
        self.cycles = 0

    def __call__(self, ctx):
        bridge, ram, s = self.bench.bridge, self.bench.ram, self.bench.bridge.status
        if ctx.get(bridge.dcr.valid):
            self.dcrs.append((ctx.get(bridge.dcr.addr), ctx.get(bridge.dcr.data)))
        if ctx.get(bridge.reset):
            self.resets += 1
        if ctx.get(bridge.start):
            self.starts += 1
            self.left, self.cycles = self.length, 0
            ctx.set(s.launched, 1)
            ctx.set(s.status, RunStatus.RUNNING)
        elif self.left is not None:
            self.cycles += 1
            ctx.set(s.cycles, self.cycles)
            ctx.set(s.instret, self.cycles // 2)
            ctx.set(s.thread_instrs, self.cycles)
            self.left -= 1
            if ctx.get(ram.end.valid):
                ctx.set(s.status, RunStatus.TOHOST if ctx.get(ram.end.tohost) else RunStatus.EXIT)
                ctx.set(s.code, ctx.get(ram.end.code))
                self.left = None
            elif self.left == 0:
                ctx.set(s.status, RunStatus.DONE)
                self.left = None


@pytest.fixture
def setup():
    bench = _Bench()
    device = _Device(bench)
    link = SimLink(bench, bench.bridge.i, bench.bridge.o, on_cycle=device)
    return link, device


def test_memory_words_round_trip(setup):
    link, _ = setup
    client = BridgeClient(link)
    rng = np.random.default_rng(SEED)
    for base in (MemoryMap.HEAP_BASE, MemoryMap.CODE_BASE + 0x100, MemoryMap.STACK_TOP - 64):
        words = rng.integers(0, 2**32, size=13, dtype=np.uint64).astype(np.uint32)
        addr = base + 4 * int(rng.integers(0, 3))
        addr = min(addr, base)      # the stack window ends at STACK_TOP
        client.write_words(addr, words.tobytes())
        back = np.frombuffer(client.read_words(addr, len(words)), np.uint32)
        assert np.array_equal(back, words), f"seed {SEED}, base {base:#x}"
    # Zero words: only the status byte.
    assert client.command(Command.READ, struct.pack("<IH", MemoryMap.HEAP_BASE, 0)) == b""


def test_errors_are_reported(setup):
    link, _ = setup
    client = BridgeClient(link)
    unmapped = MemoryMap.HEAP_BASE + WINDOW     # ram, but outside the on-chip window
    with pytest.raises(BridgeError, match="READ: a memory access answered err"):
        client.read_words(unmapped, 1)
    with pytest.raises(BridgeError, match="WRITE: a memory access answered err"):
        client.write_words(unmapped, b"\1\2\3\4")
    link.write(b"\x7e")
    assert link.read(1) == b"\xff"          # unknown command: the UNKNOWN byte alone
    # The bridge still works afterwards.
    client.write_words(MemoryMap.HEAP_BASE, b"\xaa\xbb\xcc\xdd")
    assert client.read_words(MemoryMap.HEAP_BASE, 1) == b"\xaa\xbb\xcc\xdd"


def test_backend_memory_dcrs_launch_and_counters(setup):
    link, device = setup
    config = SimtConfig(fpu=False, clock_gating=False)
    backend = FpgaBackend(config, link, window_bytes=WINDOW, poll_seconds=0)
    # Unaligned accesses merge partial words.
    backend.write_mem(MemoryMap.CODE_BASE, bytes(range(16)))
    backend.write_mem(MemoryMap.CODE_BASE + 3, b"\xf0\xf1\xf2\xf3\xf4\xf5")
    expect = bytearray(range(16))
    expect[3:9] = b"\xf0\xf1\xf2\xf3\xf4\xf5"
    assert backend.read_mem(MemoryMap.CODE_BASE, 16) == bytes(expect)
    assert backend.read_mem(MemoryMap.CODE_BASE + 5, 3) == bytes(expect[5:8])
    with pytest.raises(ValueError, match="outside the FPGA build's on-chip memory"):
        backend.write_mem(MemoryMap.HEAP_BASE + WINDOW, b"\0")
    with pytest.raises(ValueError, match="not in ram"):
        backend.read_mem(MemoryMap.IO_BASE, 4)
    with pytest.raises(RuntimeError):
        backend.run(10)

    backend.dcr_write(DCR.STARTUP_ADDR0, MemoryMap.CODE_BASE + 0x40)
    backend.dcr_write(DCR.STARTUP_ARG0, 0x1234)
    backend.start()
    assert device.resets == 2 and device.starts == 1     # RESET holds reset for two cycles
    assert device.dcrs == [(DCR.STARTUP_ADDR0, MemoryMap.CODE_BASE + 0x40), (DCR.STARTUP_ARG0, 0x1234)]
    # A budget below the kernel's length: a watchdog stop, then the rest of the run.
    first = backend.run(50)
    assert first.status == RunStatus.WATCHDOG and 50 <= first.cycles < device.length
    result = backend.run(10_000)
    assert result.status == RunStatus.DONE and result.cycles == device.length
    assert result.instret == device.length // 2 and result.thread_instrs == device.length
    assert backend.run(1) is result         # the end is sticky until the next start


def test_io_console_exit_and_tohost(setup):
    link, device = setup
    config = SimtConfig(fpu=False, clock_gating=False)
    backend = FpgaBackend(config, link, window_bytes=WINDOW, poll_seconds=0)
    client = BridgeClient(link)
    device.length = 100_000
    backend.start()
    for ch in b"hi\n":      # the kernel's console: a byte stored to IO_COUT
        client.write_words(MemoryMap.IO_COUT, bytes([ch, 0, 0, 0]))
    assert backend.console() == b"hi\n" and backend.console() == b""
    client.write_words(MemoryMap.IO_EXIT, struct.pack("<I", 7))
    result = backend.run(100_000)
    assert (result.status, result.code) == (RunStatus.EXIT, 7)

    tohost = MemoryMap.CODE_BASE + 0x200
    backend.set_tohost(tohost)
    backend.start()
    assert backend.run(20).status == RunStatus.WATCHDOG
    backend.write_mem(tohost, struct.pack("<I", 4))         # even: not an end
    assert backend.run(20).status == RunStatus.WATCHDOG
    backend.write_mem(tohost, struct.pack("<I", (5 << 1) | 1))
    result = backend.run(100_000)
    assert (result.status, result.code) == (RunStatus.TOHOST, 5)
    backend.close()
