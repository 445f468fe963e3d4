"""Tests of the Verilator harness, the model-build cache and VerilatorModel, on the test-only copy
engine in harness_top.py (the real core is not needed)."""

import ctypes
import json
import os
import struct
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from simtlab.config import DCR, FaultCause, MemoryMap, RunStatus, SimtConfig
from simtlab.sim import build
from simtlab.sim.model import VerilatorModel
from simtlab.sim.result import TRACE_DTYPE
from simtlab.tb.sim import harness_top
from simtlab.tb.sim.harness_top import Mode

DESC = MemoryMap.HEAP_BASE            # descriptor {src, dst, n, mode, arg}
SRC = MemoryMap.HEAP_BASE + 0x1_0000
DST = MemoryMap.HEAP_BASE + 0x40_0000
TOHOST = MemoryMap.CODE_BASE + 0x1000
UNMAPPED = 0x0000_2000               # between the io region and the heap


@pytest.fixture(scope="module")
def verilog():
    return harness_top.generate_verilog()


@pytest.fixture(scope="module")
def library(verilog):
    return build.build_library(verilog)


def make(library, *, latency=2, n=16, mode=Mode.DONE, arg=0, data=None, trace=True):
    """A started model whose copy engine copies ``n`` words and ends as ``mode`` says."""
    model = VerilatorModel(SimtConfig(mem_latency=latency), library=library)
    words = data if data is not None else np.arange(n, dtype="<u4") * 0x01010101 + 0x11223344
    model.write_mem(DESC, struct.pack("<5I", SRC, DST, n, mode, arg))
    model.write_mem(SRC, words.astype("<u4").tobytes())
    model.dcr_write(DCR.STARTUP_ARG0, DESC)
    model.enable_trace(trace)
    model.start()
    return model, words


# -- memory protocol ---------------------------------------------------------------------------------
@pytest.mark.parametrize("latency", [1, 5])
def test_copy(library, latency):
    n = 37
    model, words = make(library, latency=latency, n=n)
    with model:
        result = model.run(100_000)
        assert result.status == RunStatus.DONE, result
        copied = np.frombuffer(model.read_mem(DST, 4 * n), dtype="<u4")
        np.testing.assert_array_equal(copied, words)
        # the engine measured the response latency of its first request and stored it after the copy
        assert struct.unpack("<I", model.read_mem(DST + 4 * n, 4))[0] == latency
        assert model.console() == b"ok\n"
        assert model.console() == b""          # drained
        assert result.instret == n + 4         # the copy, "ok\n" and the latency word
        assert 0 < result.cycles < 100_000
        trace = model.trace()
        assert trace.dtype == TRACE_DTYPE and len(trace) == n + 4
        k = np.arange(n)
        np.testing.assert_array_equal(trace["pc"], MemoryMap.CODE_BASE + 4 * np.arange(n + 4))
        np.testing.assert_array_equal(trace["insn"], harness_top.SW)
        np.testing.assert_array_equal(trace["rd"][:n], k % 31 + 1)
        np.testing.assert_array_equal(trace["data"][:n], k)
        assert not trace["rd"][n:].any() and not trace["data"][n:].any()
        assert not trace["_pad"].any()
        assert len(model.trace()) == 0         # drained


def test_latency_costs_cycles(library):
    cycles = {}
    for latency in (1, 5):
        model, _ = make(library, latency=latency, n=64)
        with model:
            cycles[latency] = model.run(100_000).cycles
    # with 8 requests in flight the copy hides most of the latency, but the descriptor reads do not
    assert cycles[5] > cycles[1]


def test_copy_zero_words(library):
    model, _ = make(library, n=0)
    with model:
        assert model.run(1000).status == RunStatus.DONE
        assert model.console() == b"ok\n"
        assert model.trace().shape == (4,)


def test_trace_off(library):
    model, _ = make(library, n=8, trace=False)
    with model:
        result = model.run(10_000)
        assert result.instret == 8 + 4
        assert len(model.trace()) == 0


# -- end statuses ------------------------------------------------------------------------------------
@pytest.mark.parametrize("latency", [1, 5])
def test_exit(library, latency):
    n = 16
    model, _ = make(library, mode=Mode.EXIT, arg=0xC0DE, n=n, latency=latency)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.EXIT and result.status_name == "exit"
        assert result.code == 0xC0DE
        assert model.console() == b"ok\n"
        # the run stops when the exit store retires (its response comes `latency` cycles after it was
        # accepted), so the store is the last traced instruction
        assert result.instret == n + 5
        assert model.trace()[-1]["pc"] == MemoryMap.CODE_BASE + 4 * (n + 4)
        # sticky until the next start: no further cycles run
        again = model.run(10_000)
        assert again.status == RunStatus.EXIT and again.cycles == result.cycles


def test_tohost(library):
    model, _ = make(library, n=21, mode=Mode.TOHOST, arg=TOHOST)
    with model:
        model.set_tohost(TOHOST)
        result = model.run(10_000)
        assert result.status == RunStatus.TOHOST
        assert result.code == 21
        assert result.instret == 21 + 5 and len(model.trace()) == 21 + 5
        assert model.read_mem(TOHOST, 4) == struct.pack("<I", (21 << 1) | 1)


def test_tohost_disabled(library):
    model, _ = make(library, n=3, mode=Mode.TOHOST, arg=TOHOST)
    with model:
        model.set_tohost(TOHOST)
        model.set_tohost(None)
        result = model.run(2_000)
        assert result.status == RunStatus.WATCHDOG     # the engine halts but keeps busy high
        assert model.read_mem(TOHOST, 4) == struct.pack("<I", 7)


def test_fault(library):
    model, _ = make(library, mode=Mode.FAULT, arg=UNMAPPED)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.FAULT
        assert result.fault_cause == FaultCause.STORE_ACCESS
        assert result.fault_addr == UNMAPPED
        assert result.fault_pc == MemoryMap.CODE_BASE + 4 * (16 + 4)   # the faulting store did not retire
        assert result.instret == 16 + 4
        assert "store access fault" in result.describe_fault()


@pytest.mark.parametrize("addr", [MemoryMap.MMIO_BASE + 8, MemoryMap.IO_BASE + MemoryMap.IO_SIZE,
                                  MemoryMap.LMEM_BASE + SimtConfig().lmem_size])
def test_fault_regions(library, addr):
    """mmio and addresses just past a region give err=1."""
    model, _ = make(library, n=1, mode=Mode.FAULT, arg=addr)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.FAULT and result.fault_addr == addr


def test_watchdog_resumable(library):
    model, _ = make(library, mode=Mode.SPIN, n=4)
    with model:
        first = model.run(500)
        assert first.status == RunStatus.WATCHDOG
        assert first.pcs == [harness_top.SPIN_PC]
        second = model.run(300)
        assert second.status == RunStatus.WATCHDOG
        assert second.cycles == first.cycles + 300


def test_resume_mid_copy(library):
    """Stopping every few cycles keeps responses in flight intact."""
    n = 300
    model, words = make(library, latency=5, n=n)
    with model:
        runs = 0
        while (result := model.run(7)).status == RunStatus.WATCHDOG:
            runs += 1
            assert runs < 10_000
        assert result.status == RunStatus.DONE and runs > 20
        np.testing.assert_array_equal(np.frombuffer(model.read_mem(DST, 4 * n), "<u4"), words)
        assert result.instret == n + 4 and len(model.trace()) == n + 4


def test_restart(library):
    """start() resets counters, console and trace; memory stays."""
    model, words = make(library, n=5)
    with model:
        first = model.run(10_000)
        model.write_mem(DST, bytes(20))
        model.start()
        second = model.run(10_000)
        assert second.status == RunStatus.DONE
        assert (second.cycles, second.instret) == (first.cycles, first.instret)
        assert model.console() == b"ok\n"
        assert len(model.trace()) == 5 + 4
        np.testing.assert_array_equal(np.frombuffer(model.read_mem(DST, 20), "<u4"), words)


def test_two_models_independent(library):
    a, words_a = make(library, n=10, mode=Mode.EXIT, arg=1)
    b, words_b = make(library, n=10, mode=Mode.EXIT, arg=2, data=np.arange(10, dtype="<u4"))
    with a, b:
        assert a.run(10_000).code == 1
        assert b.run(10_000).code == 2
        assert a.read_mem(DST, 40) == words_a.tobytes()
        assert b.read_mem(DST, 40) == words_b.tobytes()


# -- host-side memory access and argument checking ---------------------------------------------------
def test_mem_access(library):
    with VerilatorModel(SimtConfig(), library=library) as model:
        assert model.read_mem(MemoryMap.HEAP_BASE + 0x1234, 8) == bytes(8)   # unwritten reads 0
        # a write crossing a 64 KiB page boundary, from a numpy array
        data = np.arange(100, dtype=np.uint8)
        model.write_mem(MemoryMap.HEAP_BASE + 0xFFD0, data)
        assert model.read_mem(MemoryMap.HEAP_BASE + 0xFFD0, 100) == data.tobytes()
        model.write_mem(MemoryMap.STACK_TOP - 4, b"\x01\x02\x03\x04")
        assert model.read_mem(MemoryMap.STACK_TOP - 4, 4) == b"\x01\x02\x03\x04"
        # stack and lmem regions are adjacent: one access may span both
        model.write_mem(MemoryMap.STACK_TOP - 2, b"abcd")
        assert model.read_mem(MemoryMap.STACK_TOP - 2, 4) == b"abcd"
        assert model.read_mem(0x1_0000, 0) == b""


@pytest.mark.parametrize("addr, size, bad", [
    (UNMAPPED, 4, UNMAPPED),
    (MemoryMap.IO_COUT, 1, MemoryMap.IO_COUT),                    # io is not ram
    (MemoryMap.MMIO_BASE, 4, MemoryMap.MMIO_BASE),                # nor is mmio
    (MemoryMap.HEAP_BASE - 2, 4, MemoryMap.HEAP_BASE - 2),
    (MemoryMap.HEAP_BASE + MemoryMap.HEAP_SIZE - 2, 4, MemoryMap.HEAP_BASE + MemoryMap.HEAP_SIZE),
    (0xFFFF_FFFE, 4, 0xFFFF_FFFE),
])
def test_unmapped(library, addr, size, bad):
    with VerilatorModel(SimtConfig(), library=library) as model:
        with pytest.raises(ValueError, match=f"{bad:#010x}"):
            model.write_mem(addr, bytes(size))
        with pytest.raises(ValueError, match=f"{bad:#010x}"):
            model.read_mem(addr, size)


def test_argument_types(library):
    with VerilatorModel(SimtConfig(), library=library) as model:
        for bad in ("0x10000", 1.0, True, None):
            with pytest.raises(TypeError):
                model.write_mem(bad, b"x")
            with pytest.raises(TypeError):
                model.dcr_write(bad, 0)
        with pytest.raises(TypeError):
            model.write_mem(0x10000, "text")
        with pytest.raises(TypeError):
            model.write_mem(0x10000, 5)
        with pytest.raises(ValueError):
            model.write_mem(-4, b"x")
        with pytest.raises(ValueError):
            model.read_mem(2**32, 1)
        with pytest.raises(ValueError):
            model.dcr_write(0x1000, 0)
        with pytest.raises(TypeError):
            model.run(10.0)
        with pytest.raises(TypeError):
            model.set_tohost("x")
        model.dcr_write(np.int64(DCR.STARTUP_ARG0), np.uint32(5))   # numpy integers are integers
        model.dcr_write(DCR.STARTUP_ARG1, -1)                        # signed 32-bit values wrap
    with pytest.raises(TypeError):
        VerilatorModel("default", library=library)
    with pytest.raises(TypeError):
        VerilatorModel(SimtConfig(), library=library, trace_waves=[0, 10])


def test_misuse_is_safe(library):
    model = VerilatorModel(SimtConfig(), library=library)
    with pytest.raises(RuntimeError, match="before start"):
        model.run(10)
    model.close()
    model.close()                               # double close
    with pytest.raises(RuntimeError, match="closed"):
        model.run(10)
    with pytest.raises(RuntimeError, match="closed"):
        model.read_mem(DESC, 4)
    # the raw C API rejects NULL and unknown handles and bad arguments
    lib = ctypes.CDLL(str(library))
    lib.sim_create.restype = ctypes.c_void_p
    lib.sim_run.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.sim_write_mem.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint64]
    lib.sim_free.argtypes = [ctypes.c_void_p]
    bogus = ctypes.create_string_buffer(256)
    assert lib.sim_run(None, 10) == -1
    assert lib.sim_run(ctypes.addressof(bogus), 10) == -1
    assert lib.sim_write_mem(None, 0, None, 4) == -1
    lib.sim_free(None)
    lib.sim_free(ctypes.addressof(bogus))
    assert lib.sim_create(0) is None            # latency 0 is refused
    handle = lib.sim_create(1)
    assert lib.sim_write_mem(handle, 0x10000, None, 4) == -2
    assert lib.sim_write_mem(handle, 0x10000, b"abcd", 4) == -3   # no regions added yet
    assert lib.sim_set_waves(ctypes.c_void_p(handle), b"x.vcd", 0, 10) == -4  # not a traced build
    lib.sim_free(handle)


# -- waveforms -----------------------------------------------------------------------------------------
def test_waves(verilog, tmp_path):
    traced = build.build_library(verilog, trace=True)
    vcd = tmp_path / "copy.vcd"
    model = VerilatorModel(SimtConfig(), library=traced, trace_waves=(10, 20), vcd_path=vcd)
    model.write_mem(DESC, struct.pack("<5I", SRC, DST, 8, Mode.DONE, 0))
    model.dcr_write(DCR.STARTUP_ARG0, DESC)
    model.start()
    assert model.run(10_000).status == RunStatus.DONE
    model.close()
    text = vcd.read_text()
    assert "dmem__req__valid" in text or "dmem___05Freq___05Fvalid" in text
    times = [int(line[1:]) for line in text.splitlines() if line.startswith("#")]
    assert len(times) == 2 * 10                 # two half-cycles for each of cycles 10..19
    with pytest.raises(ValueError, match="waveform"):
        VerilatorModel(SimtConfig(), library=build.build_library(verilog), trace_waves=(0, 1))


# -- the build cache -----------------------------------------------------------------------------------
_BUILD_SCRIPT = textwrap.dedent("""
    import logging, sys
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    from simtlab.sim.build import build_library
    from simtlab.tb.sim.harness_top import generate_verilog
    print("LIB", build_library(generate_verilog(), key_extra="cache-test"))
""")


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory):
    """A new cache directory filled by two processes building the same library at the same time."""
    root = tmp_path_factory.mktemp("cache")
    env = dict(os.environ, SIMTLAB_CACHE=str(root))
    start = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-c", _BUILD_SCRIPT], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    cold = time.monotonic() - start
    assert all(p.returncode == 0 for p in procs), outputs
    print(f"\ncold build (2 racing processes): {cold:.1f} s")
    return root, outputs


def test_parallel_build(fresh_cache):
    root, outputs = fresh_cache
    libs = {line.split(" ", 1)[1] for out in outputs for line in out.splitlines()
            if line.startswith("LIB ")}
    assert len(libs) == 1                       # both got the same entry
    assert sum(out.count("built model library") for out in outputs) == 1   # one of them built it


def test_cache_hit(fresh_cache, verilog, monkeypatch):
    root, _ = fresh_cache
    monkeypatch.setenv("SIMTLAB_CACHE", str(root))
    entry_libs = list((root / "models").glob("*/libsimtlab.so"))
    assert len(entry_libs) == 1
    mtime = entry_libs[0].stat().st_mtime_ns
    start = time.monotonic()
    lib = build.build_library(verilog, key_extra="cache-test")
    warm = time.monotonic() - start
    print(f"\nwarm build (cache hit): {warm * 1000:.0f} ms")
    assert lib == entry_libs[0] and lib.stat().st_mtime_ns == mtime
    assert warm < 2.0
    stamp = json.loads((lib.parent / "stamp.json").read_text())
    assert stamp["key_extra"] == "cache-test" and stamp["trace"] is False
    # a different key is a different entry (not built here: only its path differs)
    assert build._entry_key(verilog, "other", False, build.tool_versions()) != stamp["key"]
    assert build._entry_key(verilog, "cache-test", True, build.tool_versions()) != stamp["key"]


def test_corrupt_entry_rebuilt(fresh_cache, verilog, monkeypatch):
    root, _ = fresh_cache
    monkeypatch.setenv("SIMTLAB_CACHE", str(root))
    lib = build.build_library(verilog, key_extra="cache-test")
    # Replace the file (new inode): this process has the old one mapped, and truncating a mapped
    # library in place would crash it. The entry check hashes the file, so the stale mapping that
    # dlopen would hand back for the same path does not hide the corruption.
    lib.unlink()
    lib.write_bytes(b"not an ELF file")
    assert not build._entry_ok(lib.parent)
    rebuilt = build.build_library(verilog, key_extra="cache-test")
    assert rebuilt == lib and build._loadable(rebuilt)
    (lib.parent / "libsimtlab.so").unlink()          # stamp present, library missing
    assert build._loadable(build.build_library(verilog, key_extra="cache-test"))
    with VerilatorModel(SimtConfig(), library=lib) as model:
        model.write_mem(DESC, b"\x01\x02")


def test_build_errors(verilog):
    with pytest.raises(ValueError, match="simtlab_top"):
        build.build_library(verilog.replace("simtlab_top", "other_top"))
    with pytest.raises(TypeError):
        build.build_library(b"module simtlab_top; endmodule")
    assert build._check_version("rev vUNKNOWN-built20260516-4e853d8")
    assert build._check_version("Verilator 5.036 2025-04-27 rev v5.036")
    assert not build._check_version("Verilator 5.006 2023-01-22 rev (Debian 5.006-3)")
    versions = build.tool_versions()
    assert {"verilator", "g++", "make", "perl"} <= set(versions)


def test_build_failure_reports_output(tmp_path, monkeypatch):
    from simtlab.errors import ToolError
    monkeypatch.setenv("SIMTLAB_CACHE", str(tmp_path))
    broken = "module simtlab_top(input clk); wire x = ; endmodule\n"
    with pytest.raises(ToolError, match="Verilator build failed") as info:
        build.build_library(broken)
    assert "syntax error" in str(info.value)
    # nothing half-built counts as an entry
    assert not list((tmp_path / "models").glob("*/stamp.json"))


# -- speed (printed, not asserted) ---------------------------------------------------------------------
def test_throughput(library):
    n = 200_000
    model, words = make(library, latency=2, n=n, trace=False)
    with model:
        start = time.perf_counter()
        result = model.run(10_000_000)
        seconds = time.perf_counter() - start
        assert result.status == RunStatus.DONE
        assert model.read_mem(DST + 4 * (n - 1), 4) == words[-1:].tobytes()
    print(f"\ncopy engine, {n} words: {result.cycles} cycles in {seconds:.3f} s = "
          f"{result.cycles / seconds / 1e6:.2f} M cycles/s")
    model, _ = make(library, n=1, mode=Mode.SPIN, trace=False)
    with model:
        start = time.perf_counter()
        result = model.run(5_000_000)
        seconds = time.perf_counter() - start
        assert result.status == RunStatus.WATCHDOG
    print(f"idle spin: {result.cycles} cycles in {seconds:.3f} s = "
          f"{result.cycles / seconds / 1e6:.2f} M cycles/s")
