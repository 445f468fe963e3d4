"""The driver's promises: clear errors on bad input, faults reported with PC and address, a watchdog,
console output, exit codes; on both backends."""

from pathlib import Path

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
        Device("default", backend="nope")


# -- kernel signatures, buffers, source locations ---------------------------------------------------
SIG_KERNEL = """
    typedef struct { uint32_t n; int8_t bias; float scale; const int32_t *in; float *out; } sig_args_t;
    int main(void) {
        const sig_args_t *arg = sl_arg();
        for (uint32_t i = 0; i < arg->n; i++) arg->out[i] = (float)(arg->in[i] + arg->bias) * arg->scale;
        return 0;
    }"""


def test_arguments_checked_against_the_kernels_struct(device, tmp_path, rng):
    src = kernel(tmp_path, "sig", SIG_KERNEL)
    x = rng.integers(-100, 100, 16).astype(np.int32)
    inp, out = device.upload(x), device.empty(16, np.float32)
    device.run(src, 16, -3, 0.5, inp, out)       # int8_t at offset 4, float at 8: packed by offset
    np.testing.assert_array_equal(device.download(out), ((x - 3) * np.float32(0.5)).astype(np.float32))
    fields = [(f.name, f.offset, f.size, f.kind) for f in device._program.signature.fields]
    assert fields == [("n", 0, 4, "uint"), ("bias", 4, 1, "int"), ("scale", 8, 4, "float"),
                      ("in", 12, 4, "pointer"), ("out", 16, 4, "pointer")]
    with pytest.raises(TypeError, match=r"takes 5 arguments \(sig_args_t: n, bias, scale, in, out\), "
                                        r"got 4: missing out"):
        device.launch(None, 16, -3, 0.5, inp)
    with pytest.raises(TypeError, match="got 6: 1 too many"):
        device.launch(None, 16, -3, 0.5, inp, out, 0)
    with pytest.raises(TypeError, match=r"'n' \(uint32_t\): expected an int, not the float 16.0"):
        device.launch(None, 16.0, -3, 0.5, inp, out)
    with pytest.raises(ValueError, match=r"'bias' \(int8_t\): 300 does not fit 8 bits"):
        device.launch(None, 16, 300, 0.5, inp, out)
    with pytest.raises(ValueError, match=r"'scale' \(float\): 1e\+39 is out of range"):
        device.launch(None, 16, -3, 1e39, inp, out)
    with pytest.raises(TypeError, match=r"'in' \(const int32_t \*\): got a buffer of int8"):
        device.launch(None, 16, -3, 0.5, device.upload(x.astype(np.int8)), out)
    with pytest.raises(TypeError, match=r"'out' \(float \*\): got a buffer of int32"):
        device.launch(None, 16, -3, 0.5, inp, device.empty(16, np.int32))
    with pytest.raises(TypeError, match=r"'out' \(float \*\): expected a Buffer"):
        device.launch(None, 16, -3, 0.5, inp, 2.0)
    device.launch(None, 16, -3, 0.5, inp, device.alloc(64))     # an untyped buffer passes
    device.wait()
    device.free_all()


def test_object_arrays_are_refused(device):
    with pytest.raises(TypeError, match="holds Python objects"):
        device.upload(np.array([1, "a"], dtype=object))


def test_kernel_without_a_struct_is_packed_as_words(device, tmp_path):
    src = kernel(tmp_path, "words", """
        int main(void) { const int32_t *a = sl_arg(); return a[0] + a[1] == 7 ? 0 : 1; }""")
    device.run(src, 3, 4)
    assert device._program.signature is None
    with pytest.raises(ValueError, match="kernel argument 0: 1e\\+39 is out of range for binary32"):
        device.launch(None, 1e39)


def test_free_reuses_memory_and_stale_buffers_raise(device):
    device.free_all()
    a = device.zeros((4, 4), np.int32)
    b = device.full(3, 2.5)
    assert device.download(a).tolist() == [[0] * 4] * 4 and a.shape == (4, 4)
    assert device.download(b).tolist() == [2.5] * 3 and b.dtype == np.float32
    assert device.empty((2, 8), np.int16).nbytes == 32
    device.free(a)
    with pytest.raises(ValueError, match="stale buffer"):
        device.download(a)
    with pytest.raises(ValueError, match="stale buffer"):
        device.free(a)
    c = device.alloc(64)
    assert c.addr == a.addr                       # first fit reuses the freed block
    device.free_all()
    with pytest.raises(ValueError, match="stale buffer"):
        device.upload(np.zeros(1, np.int32), b)
    d = device.alloc(64)
    assert d.addr == a.addr                       # the same address, but c is still stale
    with pytest.raises(ValueError, match="stale buffer"):
        device.launch(None, c)
    with Device("default", backend="emu") as other:
        with pytest.raises(ValueError, match="belongs to another Device"):
            other.download(d)
    device.free_all()


def test_launches_do_not_leak_heap(device, tmp_path):
    src = kernel(tmp_path, "nop2", "int main(void) { return 0; }")
    device.free_all()
    device.run(src, 1, 2, 3)
    first = device.alloc(1).addr
    for _ in range(5):
        device.run(src, 1, 2, 3)
    assert device.alloc(1).addr == first + 64     # nothing allocated by the launches in between
    device.free_all()


def test_fault_and_watchdog_name_function_file_and_line(device, tmp_path):
    src = kernel(tmp_path, "where", """
        static __attribute__((noinline)) int poke(volatile int *p) {
            return *p;
        }
        int main(void) { return poke((volatile int *)0x50000000u); }""")
    with pytest.raises(KernelFault, match=r"load access fault at pc=0x[0-9a-f]{8} .* in poke\+?(0x[0-9a-f]+)? "
                                          r"at where\.c:5 "):
        device.run(src)
    loc = device._program.locate(device.last_result.fault_pc)
    assert (loc.function, Path(loc.file).name, loc.line) == ("poke", "where.c", 5)
    hang = kernel(tmp_path, "spinner", """
        int main(void) {
            for (;;) __asm__ volatile ("");
        }""")
    with pytest.raises(WatchdogTimeout, match=r"warp 0: pc=0x[0-9a-f]{8} .* in main\S* at spinner\.c:5"):
        device.run(hang, max_cycles=5_000)


def test_kernel_without_debug_information_is_launched_unchecked(device, tmp_path):
    from simtlab.kernels.compile import compile_kernel
    src = kernel(tmp_path, "nodebug", """
        typedef struct { uint32_t n; int32_t *out; } nd_args_t;
        int main(void) { const nd_args_t *arg = sl_arg(); arg->out[0] = (int32_t)arg->n;
                         return *(volatile int *)0x50000000u; }""")
    elf = compile_kernel(src, device.config, extra_flags=("-g0",))
    out = device.empty(1, np.int32)
    with pytest.raises(KernelFault, match=r"load access fault .* in main\+0x[0-9a-f]+ after") as info:
        device.run(elf, 41, out)                   # no file:line without a line table
    assert device.program.signature is None
    assert device.program.locate(info.value.pc).file is None
    assert device.download(out)[0] == 41
    device.free_all()
