"""Tests of the Verilator harness, the model-build cache and VerilatorModel, on the test-only block
copy engine in harness_top.py (the real core is not needed), for a 1 warp x 1 thread and a
4 warps x 4 threads port shape."""

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

from simtlab.cache import is_intact
from simtlab.config import SimtConfig
from simtlab.sim import build
from simtlab.sim.model import VerilatorModel
from simtlab.sim.result import STALL_CAUSES, WarpDump, trace_dtype
from simtlab.spec.csr import DCR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause, RunStatus
from simtlab.tb.sim import harness_top
from simtlab.tb.sim.harness_top import TAIL_STORES, Mode, copy_record, warp_dbg

DESC = MemoryMap.HEAP_BASE            # descriptor block
SRC = MemoryMap.HEAP_BASE + 0x1_0000
DST = MemoryMap.HEAP_BASE + 0x100_0000
TOHOST = MemoryMap.CODE_BASE + 0x1008
UNMAPPED = 0x0000_2000               # between the io region and the heap
BLOCK = 64

SHAPES = {"1x1": SimtConfig(), "4x4": SimtConfig(warps=4, threads=4)}


@pytest.fixture(scope="module")
def verilogs():
    return {name: harness_top.generate_verilog(cfg) for name, cfg in SHAPES.items()}


@pytest.fixture(scope="module")
def libraries(verilogs):
    return {name: build.build_library(verilogs[name], config=SHAPES[name]) for name in SHAPES}


@pytest.fixture(scope="module")
def library(libraries):
    """The 1x1 library."""
    return libraries["1x1"]


def make(library, *, shape="1x1", latency=2, n=16, mode=Mode.DONE, arg=0, data=None, trace=True,
         be=0, cause=0, exit_be=0, src=SRC):
    """A started model whose copy engine copies ``n`` blocks and ends as ``mode`` says."""
    config = SHAPES[shape].replace(mem_latency=latency)
    model = VerilatorModel(config, library=library)
    if data is None:
        data = np.random.default_rng(n).integers(0, 256, size=n * BLOCK, dtype=np.uint8)
    model.write_mem(DESC, struct.pack("<9I", src, DST, n, mode, arg, be & 0xFFFF_FFFF, be >> 32,
                                      cause, exit_be))
    model.write_mem(SRC, data.tobytes())
    model.dcr_write(DCR.STARTUP_ARG0, DESC)
    model.enable_trace(trace)
    model.start()
    return model, data


def check_copy_trace(trace, n, config):
    """The retire records of the copy (``n`` blocks) and of the tail stores."""
    assert trace.dtype == trace_dtype(config.threads)
    assert trace.dtype.itemsize == 20 + 4 * config.threads
    assert len(trace) >= n + TAIL_STORES
    np.testing.assert_array_equal(trace["pc"], MemoryMap.CODE_BASE + 4 * np.arange(len(trace)))
    np.testing.assert_array_equal(trace["insn"], harness_top.SW)
    for k in range(n):
        warp, rd, tmask, lanes = copy_record(k, config)
        rec = trace[k]
        assert (rec["warp"], rec["rd"], rec["tmask"]) == (warp, rd, tmask), (k, rec)
        want = [v if tmask >> lane & 1 else 0 for lane, v in enumerate(lanes)]   # inactive lanes: 0
        assert list(rec["data"]) == want, (k, rec)
    tail = trace[n:]
    assert not tail["rd"].any() and not tail["data"].any() and not tail["warp"].any()
    assert (tail["tmask"] == 1).all()
    assert not trace["_pad"].any()
    assert (np.diff(trace["cycle"].astype(np.int64)) > 0).all()     # one retire per cycle here


# -- memory protocol ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("latency", [1, 5])
def test_copy(libraries, shape, latency):
    n = 37
    config = SHAPES[shape]
    model, data = make(libraries[shape], shape=shape, latency=latency, n=n)
    with model:
        result = model.run(100_000)
        assert result.status == RunStatus.DONE, result
        assert model.read_mem(DST, BLOCK * n) == data.tobytes()
        # the engine measured the response latency of its descriptor read and stored it after the copy
        assert struct.unpack("<I", model.read_mem(DST + BLOCK * n, 4))[0] == latency
        assert model.read_mem(DST + BLOCK * n + 4, BLOCK - 4) == bytes(BLOCK - 4)   # be = 0xF only
        assert model.console() == b"ok\n"      # the 'X' at IO_COUT + 1 is not console output
        assert model.console() == b""          # drained
        assert result.instret == n + TAIL_STORES
        assert 0 < result.cycles < 100_000
        trace = model.trace()
        assert len(trace) == n + TAIL_STORES
        check_copy_trace(trace, n, config)
        assert trace["cycle"][-1] < result.cycles
        tmasks = [copy_record(k, config)[2] for k in range(n)]
        assert result.thread_instrs == sum(bin(t).count("1") for t in tmasks) + TAIL_STORES
        assert len(model.trace()) == 0         # drained


@pytest.mark.parametrize("latency", [1, 5])
def test_byte_enables(libraries, latency):
    """Writes change only the enabled bytes; the low address bits of a request are ignored."""
    n = 9
    be = 0x8001_00FF_0F0F_F0F0
    model, data = make(libraries["4x4"], shape="4x4", latency=latency, n=n, be=be, src=SRC + 5)
    with model:
        model.write_mem(DST, b"\xAA" * (BLOCK * n))
        assert model.run(100_000).status == RunStatus.DONE
        got = model.read_mem(DST, BLOCK * n)
        for k in range(n):
            for i in range(BLOCK):
                want = data[k * BLOCK + i] if be >> i & 1 else 0xAA
                assert got[k * BLOCK + i] == want, (k, i)


def test_latency_costs_cycles(library):
    cycles = {}
    for latency in (1, 5):
        model, _ = make(library, latency=latency, n=64)
        with model:
            cycles[latency] = model.run(100_000).cycles
    # with 4 reads in flight the copy hides some of the latency, but not all
    assert cycles[5] > cycles[1]


def test_copy_zero_blocks(library):
    model, _ = make(library, n=0)
    with model:
        assert model.run(1000).status == RunStatus.DONE
        assert model.console() == b"ok\n"
        assert model.trace().shape == (TAIL_STORES,)


def test_trace_off(library):
    model, _ = make(library, n=8, trace=False)
    with model:
        result = model.run(10_000)
        assert result.instret == 8 + TAIL_STORES
        assert len(model.trace()) == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_perf_counters(libraries, shape):
    n = 23
    be = 0x0000_FFFF_0000_00FF
    model, _ = make(libraries[shape], shape=shape, n=n, be=be)
    with model:
        result = model.run(100_000)
        assert result.status == RunStatus.DONE
        perf = result.perf
        assert set(perf) == set(STALL_CAUSES) | {"mem_requests", "mem_bytes", "mem_writes",
                                                 "imem_requests", "lmem_reads", "lmem_writes"}
        # perf__stall cycles 0..6 over the busy cycles (all but the start and the final idle cycle)
        busy = sum(perf[c] for c in STALL_CAUSES)
        assert busy == result.cycles - 2
        for i, c in enumerate(STALL_CAUSES):
            assert perf[c] == busy // 7 + (i < busy % 7), (c, perf)
        assert perf["lmem_reads"] == busy and perf["lmem_writes"] == 2 * busy
        assert perf["imem_requests"] == 1
        assert perf["mem_requests"] == 2 * n + TAIL_STORES
        assert perf["mem_writes"] == n + TAIL_STORES
        # reads enable all 64 bytes; the tail writes 1 + 1 + 1 + 1 + 4 bytes
        assert perf["mem_bytes"] == n * BLOCK + n * bin(be).count("1") + 8
        # counters restart with the run
        model.start()
        again = model.run(100_000)
        assert again.perf == perf and again.thread_instrs == result.thread_instrs


# -- end statuses ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("latency", [1, 5])
def test_exit(libraries, shape, latency):
    n = 16
    model, _ = make(libraries[shape], shape=shape, mode=Mode.EXIT, arg=0xC0DE, n=n, latency=latency)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.EXIT and result.code == 0xC0DE
        assert model.console() == b"ok\n"
        # the exit store writes two blocks (a scratch block, then IO_EXIT) and retires once, after
        # both responses: the run stops when it retires, so it is the last traced instruction
        assert result.instret == n + TAIL_STORES + 1
        trace = model.trace()
        assert len(trace) == n + TAIL_STORES + 1
        assert trace[-1]["pc"] == MemoryMap.CODE_BASE + 4 * (n + TAIL_STORES)
        assert trace["cycle"][-1] == result.cycles - 1
        assert model.read_mem(DST + BLOCK * (n + 1), 4) == struct.pack("<I", 0xC0DE)
        # sticky until the next start: no further cycles run
        again = model.run(10_000)
        assert again.status == RunStatus.EXIT and again.cycles == result.cycles


@pytest.mark.parametrize("exit_be, code", [(0b0001, 0x44), (0b0011, 0x3344), (0b1010, 0x1100_0000 | 0x33 << 8),
                                           (0b1111, 0x1122_3344)])
def test_exit_byte_enables(library, exit_be, code):
    """The exit code is the little-endian value of the enabled bytes of IO_EXIT."""
    model, _ = make(library, mode=Mode.EXIT, arg=0x1122_3344, n=1, exit_be=exit_be)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.EXIT and result.code == code


@pytest.mark.parametrize("latency", [1, 5])
def test_tohost(library, latency):
    model, _ = make(library, n=21, mode=Mode.TOHOST, arg=TOHOST, latency=latency)
    with model:
        model.set_tohost(TOHOST)
        result = model.run(10_000)
        assert result.status == RunStatus.TOHOST
        assert result.code == 21
        # the tohost write is the first of the store's two blocks: the run still ends at its retire
        assert result.instret == 21 + TAIL_STORES + 1 and len(model.trace()) == 21 + TAIL_STORES + 1
        assert model.read_mem(TOHOST, 4) == struct.pack("<I", (21 << 1) | 1)
        assert model.read_mem(TOHOST - 4, 4) == bytes(4)     # be covered the tohost word only
        assert model.read_mem(DST + BLOCK * 22, 4) == struct.pack("<I", (21 << 1) | 1)


def test_tohost_disabled(library):
    model, _ = make(library, n=3, mode=Mode.TOHOST, arg=TOHOST)
    with model:
        model.set_tohost(TOHOST)
        model.set_tohost(None)
        result = model.run(2_000)
        assert result.status == RunStatus.WATCHDOG     # the engine halts but keeps busy high
        assert model.read_mem(TOHOST, 4) == struct.pack("<I", 7)


def test_tohost_other_word(library):
    """A write to the tohost block that does not enable the tohost word does not end the run."""
    model, _ = make(library, n=3, mode=Mode.TOHOST, arg=TOHOST + 4)
    with model:
        model.set_tohost(TOHOST)
        assert model.run(2_000).status == RunStatus.WATCHDOG


@pytest.mark.parametrize("cause", [FaultCause.STORE_ACCESS, FaultCause.WSPAWN_RANGE, 0xE7])
def test_fault(library, cause):
    model, _ = make(library, mode=Mode.FAULT, arg=UNMAPPED, cause=cause)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.FAULT
        assert result.fault_cause == cause             # all 8 bits
        assert result.fault_addr == UNMAPPED
        assert result.fault_pc == MemoryMap.CODE_BASE + 4 * (16 + TAIL_STORES)   # did not retire
        assert result.instret == 16 + TAIL_STORES
        if cause == FaultCause.STORE_ACCESS:
            assert "store access fault" in result.describe_fault()


@pytest.mark.parametrize("addr", [MemoryMap.MMIO_BASE + 8, MemoryMap.IO_BASE + MemoryMap.IO_SIZE,
                                  MemoryMap.LMEM_BASE + SimtConfig().lmem_size,
                                  MemoryMap.HEAP_BASE - 4, MemoryMap.STACK_REGION_BASE - 60])
def test_fault_regions(library, addr):
    """mmio and blocks just outside a region give err=1."""
    model, _ = make(library, n=1, mode=Mode.FAULT, arg=addr, cause=FaultCause.STORE_ACCESS)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.FAULT and result.fault_addr == addr


@pytest.mark.parametrize("shape", SHAPES)
def test_watchdog_dump(libraries, shape):
    config = SHAPES[shape]
    model, _ = make(libraries[shape], shape=shape, mode=Mode.SPIN, n=4)
    with model:
        first = model.run(500)
        assert first.status == RunStatus.WATCHDOG
        assert len(first.warps) == config.warps
        for w, dump in enumerate(first.warps):
            tmask, active, waiting, barrier = warp_dbg(w, config)
            assert dump == WarpDump(warp=w, pc=harness_top.SPIN_PC + 0x100 * w, tmask=tmask,
                                    active=active, barrier=barrier if waiting else None)
        assert first.pcs == [harness_top.SPIN_PC + 0x100 * w for w in range(config.warps)]
        assert model.warps() == first.warps
        second = model.run(300)
        assert second.status == RunStatus.WATCHDOG
        assert second.cycles == first.cycles + 300
        assert sum(second.perf[c] for c in STALL_CAUSES) == second.cycles - 1


def test_dump_after_done(libraries):
    model, _ = make(libraries["4x4"], shape="4x4", n=2)
    with model:
        result = model.run(10_000)
        assert result.status == RunStatus.DONE
        assert [w.active for w in result.warps] == [False] * 4      # busy low: nothing active
        assert all(w.barrier is None for w in result.warps)
        assert result.pcs[0] == MemoryMap.CODE_BASE + 4 * (2 + TAIL_STORES)


def test_resume_mid_copy(library):
    """Stopping every few cycles keeps responses in flight intact."""
    n = 300
    model, data = make(library, latency=5, n=n)
    with model:
        runs = 0
        while (result := model.run(7)).status == RunStatus.WATCHDOG:
            runs += 1
            assert runs < 10_000
        assert result.status == RunStatus.DONE and runs > 20
        assert model.read_mem(DST, BLOCK * n) == data.tobytes()
        assert result.instret == n + TAIL_STORES and len(model.trace()) == n + TAIL_STORES


def test_restart(library):
    """start() resets counters and trace; memory and unread console output stay (backend protocol)."""
    model, data = make(library, n=5)
    with model:
        first = model.run(10_000)
        model.write_mem(DST, bytes(BLOCK * 5))
        model.start()
        second = model.run(10_000)
        assert second.status == RunStatus.DONE
        assert (second.cycles, second.instret) == (first.cycles, first.instret)
        assert model.console() == b"ok\nok\n"
        assert model.console() == b""
        assert len(model.trace()) == 5 + TAIL_STORES
        assert model.read_mem(DST, BLOCK * 5) == data.tobytes()


def test_two_models_independent(library):
    a, data_a = make(library, n=10, mode=Mode.EXIT, arg=1)
    b, data_b = make(library, n=10, mode=Mode.EXIT, arg=2, data=np.arange(640, dtype=np.uint8))
    with a, b:
        assert a.run(10_000).code == 1
        assert b.run(10_000).code == 2
        assert a.read_mem(DST, 640) == data_a.tobytes()
        assert b.read_mem(DST, 640) == data_b.tobytes()


def test_shape_mismatch(libraries):
    with pytest.raises(ValueError, match="1 warps x 1 threads"):
        VerilatorModel(SHAPES["4x4"], library=libraries["1x1"])
    with pytest.raises(ValueError, match="4 warps x 4 threads"):
        VerilatorModel(SimtConfig(warps=4, threads=8), library=libraries["4x4"])


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


def test_misuse_is_safe(libraries):
    library = libraries["4x4"]
    model = VerilatorModel(SHAPES["4x4"], library=library)
    with pytest.raises(RuntimeError, match="before start"):
        model.run(10)
    model.close()
    model.close()                               # double close
    with pytest.raises(RuntimeError, match="closed"):
        model.run(10)
    with pytest.raises(RuntimeError, match="closed"):
        model.read_mem(DESC, 4)
    with pytest.raises(RuntimeError, match="closed"):
        model.warps()
    # the raw C API rejects NULL and unknown handles and bad arguments
    lib = ctypes.CDLL(str(library))
    lib.sim_create.restype = ctypes.c_void_p
    lib.sim_run.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.sim_write_mem.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint64]
    lib.sim_free.argtypes = [ctypes.c_void_p]
    lib.sim_warp_state.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p]
    lib.sim_stall_cycles.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.sim_stall_cycles.restype = ctypes.c_uint64
    lib.sim_trace_read.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64]
    bogus = ctypes.create_string_buffer(256)
    state = (ctypes.c_uint32 * 5)()
    assert lib.sim_run(None, 10) == -1
    assert lib.sim_run(ctypes.addressof(bogus), 10) == -1
    assert lib.sim_write_mem(None, 0, None, 4) == -1
    assert lib.sim_warp_state(None, 0, state) == -1
    assert lib.sim_stall_cycles(None, 0) == 0
    lib.sim_free(None)
    lib.sim_free(ctypes.addressof(bogus))
    assert lib.sim_create(0) is None            # latency 0 is refused
    assert (lib.sim_warps(), lib.sim_threads(), lib.sim_block_bytes()) == (4, 4, 64)
    assert lib.sim_trace_record_bytes() == 36
    handle = ctypes.c_void_p(lib.sim_create(1))
    assert lib.sim_write_mem(handle, 0x10000, None, 4) == -2
    assert lib.sim_write_mem(handle, 0x10000, b"abcd", 4) == -3   # no regions added yet
    assert lib.sim_set_waves(handle, b"x.vcd", 0, 10) == -4       # not a traced build
    assert lib.sim_warp_state(handle, 4, state) == -2             # warp out of range
    assert lib.sim_warp_state(handle, 0, None) == -2
    assert lib.sim_warp_state(handle, 3, state) == 0
    assert lib.sim_stall_cycles(handle, 99) == 0
    assert lib.sim_trace_read(handle, None, 5) == -2
    assert lib.sim_run(handle, 10) == -7                           # not started
    lib.sim_free(handle)


# -- waveforms -----------------------------------------------------------------------------------------
def test_waves(verilogs, tmp_path):
    traced = build.build_library(verilogs["1x1"], trace=True)
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
        VerilatorModel(SimtConfig(), library=build.build_library(verilogs["1x1"]), trace_waves=(0, 1))


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


def test_cache_hit(fresh_cache, verilogs, monkeypatch):
    root, _ = fresh_cache
    monkeypatch.setenv("SIMTLAB_CACHE", str(root))
    verilog = verilogs["1x1"]
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
    assert stamp["shape"] == {"warps": 1, "threads": 1, "block_bytes": 64}
    assert (lib.parent / build.HARNESS_CONFIG_H).read_text() == build.harness_config_header(SimtConfig())
    # a different key is a different entry (not built here: only its path differs)
    versions = build.tool_versions()
    header = build.harness_config_header(SimtConfig())
    assert build._entry_key(verilog, "cache-test", False, versions, header) == stamp["key"]
    assert build._entry_key(verilog, "other", False, versions, header) != stamp["key"]
    assert build._entry_key(verilog, "cache-test", True, versions, header) != stamp["key"]
    other = build.harness_config_header(SimtConfig(warps=2))
    assert build._entry_key(verilog, "cache-test", False, versions, other) != stamp["key"]


def test_corrupt_entry_rebuilt(fresh_cache, verilogs, monkeypatch):
    root, _ = fresh_cache
    monkeypatch.setenv("SIMTLAB_CACHE", str(root))
    verilog = verilogs["1x1"]
    lib = build.build_library(verilog, key_extra="cache-test")
    # Replace the file (new inode): this process has the old one mapped, and truncating a mapped
    # library in place would crash it. The entry check hashes the file, so the stale mapping that
    # dlopen would hand back for the same path does not hide the corruption.
    lib.unlink()
    lib.write_bytes(b"not an ELF file")
    assert not is_intact(lib.parent)
    rebuilt = build.build_library(verilog, key_extra="cache-test")
    assert rebuilt == lib and build._loadable(rebuilt)
    (lib.parent / "libsimtlab.so").unlink()          # stamp present, library missing
    assert build._loadable(build.build_library(verilog, key_extra="cache-test"))
    with VerilatorModel(SimtConfig(), library=lib) as model:
        model.write_mem(DESC, b"\x01\x02")


def test_only_sim_symbols_exported(library):
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip(f"nm unavailable: {out.stderr.strip()}")
    names = [line.split()[-1] for line in out.stdout.splitlines() if line.strip()]
    assert names and all(name.startswith("sim_") for name in names), names


def test_build_errors(verilogs):
    verilog = verilogs["1x1"]
    with pytest.raises(ValueError, match="simtlab_top"):
        build.build_library(verilog.replace("simtlab_top", "other_top"))
    with pytest.raises(TypeError):
        build.build_library(b"module simtlab_top; endmodule")
    with pytest.raises(TypeError):
        build.build_library(verilog, config="4x4")
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


def test_wrong_shape_fails_to_build(verilogs, tmp_path, monkeypatch):
    """Ports of a different shape than the config are a compile-time error in the harness."""
    from simtlab.errors import ToolError
    monkeypatch.setenv("SIMTLAB_CACHE", str(tmp_path))
    with pytest.raises(ToolError, match="does not have the width"):
        build.build_library(verilogs["4x4"], config=SimtConfig())


# -- speed (printed, not asserted) ---------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_throughput(libraries, shape):
    n = 100_000
    model, data = make(libraries[shape], shape=shape, latency=2, n=n, trace=False)
    with model:
        start = time.perf_counter()
        result = model.run(10_000_000)
        seconds = time.perf_counter() - start
        assert result.status == RunStatus.DONE
        assert model.read_mem(DST + BLOCK * (n - 1), BLOCK) == data[-BLOCK:].tobytes()
    print(f"\n{shape} copy engine, {n} blocks: {result.cycles} cycles in {seconds:.3f} s = "
          f"{result.cycles / seconds / 1e6:.2f} M cycles/s")
    model, _ = make(libraries[shape], shape=shape, n=n, trace=True)
    with model:
        start = time.perf_counter()
        result = model.run(10_000_000)
        seconds = time.perf_counter() - start
        assert len(model.trace()) == n + TAIL_STORES
    print(f"{shape} copy engine with trace: {result.cycles / seconds / 1e6:.2f} M cycles/s")
    model, _ = make(libraries[shape], shape=shape, n=1, mode=Mode.SPIN, trace=False)
    with model:
        start = time.perf_counter()
        result = model.run(5_000_000)
        seconds = time.perf_counter() - start
        assert result.status == RunStatus.WATCHDOG
    print(f"{shape} idle spin: {result.cycles} cycles in {seconds:.3f} s = "
          f"{result.cycles / seconds / 1e6:.2f} M cycles/s")
