"""The driver's promises: clear errors on bad input, faults reported with PC and address, a watchdog,
console output, exit codes; on both backends."""

import numpy as np
import pytest

from simtlab import Device, ElfError, KernelFailed, KernelFault, WatchdogTimeout
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause

BACKENDS = ("rtl", "emu")


@pytest.fixture(scope="module", params=BACKENDS)
def device(request):
    with Device("default", backend=request.param) as dev:
        yield dev


def kernel(tmp_path, name, body):
    path = tmp_path / f"{name}.c"
    path.write_text('#include <stdint.h>\n#include "simtlab.h"\n' + body)
    return path


def test_console_and_counters(device, tmp_path):
    src = kernel(tmp_path, "hello", """
        int main(void) { const uint32_t *arg = sl_arg();
                         sl_printf("hello %d %x %s\\n", (int)arg[0], arg[1], "gpu"); return 0; }""")
    counters = device.run(src, -7, 0xBEEF)
    assert device.console() == "hello -7 beef gpu\n"
    assert counters.instrs > 0 and counters.cycles >= counters.instrs
    assert 0 < counters.ipc <= 1


def test_exit_code_is_reported(device, tmp_path):
    src = kernel(tmp_path, "exit3", "int main(void) { return 3; }")
    with pytest.raises(KernelFailed, match="exit code 3") as info:
        device.run(src)
    assert info.value.code == 3


def test_illegal_instruction(device, tmp_path):
    src = kernel(tmp_path, "illegal", """
        int main(void) { __asm__ volatile (".word 0xffffffff"); return 0; }""")
    with pytest.raises(KernelFault, match="illegal instruction at pc=0x8") as info:
        device.run(src)
    assert info.value.cause == FaultCause.ILLEGAL_INSN
    assert info.value.addr == 0xFFFF_FFFF
    assert MemoryMap.CODE_BASE <= info.value.pc < MemoryMap.CODE_BASE + 0x10000


def test_misaligned_load(device, tmp_path):
    src = kernel(tmp_path, "misaligned", """
        int main(void) { volatile uint32_t *p = (uint32_t *)(0x10002); return (int)*p; }""")
    with pytest.raises(KernelFault, match="load address misaligned") as info:
        device.run(src)
    assert info.value.addr == 0x10002


def test_store_outside_memory(device, tmp_path):
    src = kernel(tmp_path, "unmapped", """
        int main(void) { *(volatile uint32_t *)0x50000000u = 1; return 0; }""")
    with pytest.raises(KernelFault, match="store access fault") as info:
        device.run(src)
    assert info.value.addr == 0x5000_0000


def test_watchdog_reports_pc(device, tmp_path):
    src = kernel(tmp_path, "hang", "int main(void) { for (;;) __asm__ volatile (\"\"); }")
    with pytest.raises(WatchdogTimeout, match=r"warp 0: pc=0x8") as info:
        device.run(src, max_cycles=20_000)
    assert info.value.result.cycles >= 20_000 or info.value.result.instret >= 20_000


def test_wrong_argument_types(device, tmp_path):
    src = kernel(tmp_path, "nop", "int main(void) { return 0; }")
    device.load(src)
    with pytest.raises(TypeError, match="kernel argument 1: expected a Buffer, int or float"):
        device.launch(None, 1, "two")
    with pytest.raises(TypeError, match="bool is ambiguous"):
        device.launch(None, True)
    with pytest.raises(ValueError, match="does not fit 32 bits"):
        device.launch(None, 1 << 40)
    with pytest.raises(TypeError, match="numpy array"):
        device.upload([1, 2, 3])


def test_upload_download_roundtrip(device, rng):
    data = rng.integers(-1000, 1000, size=(5, 7)).astype(np.int16)
    buf = device.upload(data)
    assert np.array_equal(device.download(buf), data)
    assert buf.addr % 64 == 0 and buf.addr >= MemoryMap.HEAP_BASE
    device.free_all()


def test_malformed_elf(device, tmp_path):
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"\x7fELF" + b"\x00" * 10)
    with pytest.raises(ElfError):
        device.load(bad)
    with pytest.raises(ElfError, match="not an ELF"):
        device.load(_write(tmp_path / "text.elf", b"hello"))


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_muldiv_mul_is_illegal(tmp_path, backend):
    src = kernel(tmp_path, "mul", """
        int main(void) { int r; __asm__ volatile ("mul %0, %0, %0" : "=r"(r) : "0"(3)); return r; }""")
    with Device("default", backend=backend, muldiv=False) as dev:
        with pytest.raises(KernelFault, match="illegal instruction") as info:
            dev.run(src)
    assert info.value.addr & 0xFE00707F == 0x02000033     # the mul encoding


def test_config_validation():
    with pytest.raises(ValueError, match="mem_latency must be between 1 and 64"):
        Device("default", backend="emu", mem_latency=0)
    with pytest.raises(ValueError, match="unknown configuration preset 'huge'"):
        Device("huge", backend="emu")
    with pytest.raises(ValueError, match="backend must be 'rtl' or 'emu'"):
        Device("default", backend="fpga")
