"""Backend conformance: the same checks against the Verilator model (rtl) and the golden-model emulator
(emu) -- the protocol of simtlab.sim.backend: trace semantics (drains, cleared by start, chunks of a
resumed run add up to the whole run), what a launch resets and keeps (registers and memory kept,
control state, fcsr, counters and the tile reset, unread console kept), the MMIO window (faults
without a tile, word accesses to the tile's registers with one), host tile register access, and the
same errors for bad input. One model build per preset (cached)."""

import struct

import numpy as np
import pytest

from simtlab.config import PRESETS
from simtlab.drivers import regs
from simtlab.sim.backend import Backend
from simtlab.sim.emulator import Emulator
from simtlab.spec.csr import CSR, DCR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause, RunStatus

from .test_emulator import A0, A1, A2, HALT, NOP, branch, csrrwi, i, jal, li, load, r, store
from .test_emulator_fp import fmv_w_x, fmv_x_w
from .test_emulator_simt import LA, assemble, csrr, wspawn

BASE = MemoryMap.CODE_BASE
HEAP = MemoryMap.HEAP_BASE
BACKENDS = ("rtl", "emu")
COMPARED = ("pc", "insn", "warp", "rd", "tmask", "data")


def make(kind, preset):
    config = PRESETS[preset]
    if kind == "rtl":
        from simtlab.sim.model import VerilatorModel
        return VerilatorModel(config)
    return Emulator(config)


@pytest.fixture(params=BACKENDS)
def backend(request):
    with make(request.param, "default") as b:
        yield b


@pytest.fixture(params=BACKENDS)
def tiled(request):
    with make(request.param, "tile") as b:
        yield b


def words_of(items):
    out = []
    for item in items:
        out.extend(words_of(item) if isinstance(item, list) else [item])
    return out


def launch(b, *items, at=BASE, trace=True):
    words = words_of(items)
    b.write_mem(at, struct.pack(f"<{len(words)}I", *words))
    b.dcr_write(DCR.STARTUP_ADDR0, at)
    b.dcr_write(DCR.STARTUP_ARG0, 0)
    b.enable_trace(trace)
    b.start()


def strip(trace):
    """The compared fields of a trace (``cycle`` is each backend's own)."""
    return [tuple(np.atleast_1d(r[name]).tolist() if name == "data" else int(r[name])
                  for name in COMPARED) for r in trace]


def counted_loop():
    """a0 = 20; a1 = 0; do { a1 += 3; a0 -= 1 } while (a0); tmc 0."""
    return [li(A0, 20), i("addi", A1, 0, 0), i("addi", A1, A1, 3), i("addi", A0, A0, -1),
            branch("bne", A0, 0, -8), HALT]


def test_both_implement_the_protocol(backend):
    assert isinstance(backend, Backend)
    assert backend.has_tile is False


# -- trace ------------------------------------------------------------------------------------------

def test_trace_drains_and_start_clears_it(backend):
    launch(backend, counted_loop())
    assert backend.run(100_000).status == RunStatus.DONE
    first = backend.trace()
    assert len(first) == 2 + 1 + 3 * 20 + 1
    assert len(backend.trace()) == 0                        # drained
    backend.start()
    assert len(backend.trace()) == 0                        # nothing retired yet
    backend.run(100_000)
    assert strip(backend.trace()) == strip(first)           # the same records again


def test_trace_chunks_of_a_resumed_run_add_up(backend):
    launch(backend, counted_loop())
    whole = backend.run(100_000)
    expected = strip(backend.trace())
    backend.start()
    chunks = []
    for _ in range(1000):
        result = backend.run(7)
        chunks += strip(backend.trace())
        if result.status != RunStatus.WATCHDOG:
            break
    assert result.status == whole.status == RunStatus.DONE
    assert chunks == expected
    assert result.instret == whole.instret


def test_trace_off_records_nothing(backend):
    launch(backend, counted_loop(), trace=False)
    assert backend.run(100_000).status == RunStatus.DONE
    assert len(backend.trace()) == 0


def test_trace_records_register_writes_only(backend):
    launch(backend, i("addi", A0, 0, 5), NOP, i("addi", 0, 0, 9), HALT)
    backend.run(1000)
    trace = backend.trace()
    assert [int(r) for r in trace["rd"]] == [A0, 0, 0, 0]
    assert int(trace["data"][0][0]) == 5 and not trace["data"][1:].any()


# -- launches ---------------------------------------------------------------------------------------

def test_registers_and_memory_are_kept_fcsr_and_counters_reset(backend):
    """Launch 1 leaves x12 = 0x1234, f3 = 0x3f800000 and frm = 3; launch 2 (another entry point)
    stores x12, f3 (via fmv.x.w) and fcsr: the registers are kept, fcsr is 0 again."""
    first = [li(A2, 0x1234), li(A1, 0x3F80_0000), fmv_w_x(3, A1), csrrwi(0, CSR.FRM, 3), HALT]
    launch(backend, first)
    one = backend.run(10_000)
    assert one.status == RunStatus.DONE
    second_at = BASE + 0x400
    second = [li(A0, HEAP), store("sw", A2, A0, 0), fmv_x_w(A1, 3), store("sw", A1, A0, 4),
              csrr(A1, CSR.FCSR), store("sw", A1, A0, 8), HALT]
    backend.write_mem(HEAP, bytes(12))
    launch(backend, second, at=second_at)
    two = backend.run(10_000)
    assert two.status == RunStatus.DONE
    assert struct.unpack("<3I", backend.read_mem(HEAP, 12)) == (0x1234, 0x3F80_0000, 0)
    assert two.instret == len(words_of(second))              # counters restart at each launch
    warps = backend.warps()
    assert [w.active for w in warps] == [False] * backend.config.warps


@pytest.mark.parametrize("kind", BACKENDS)
def test_every_warps_registers_are_kept(kind):
    """4 warps x 4 lanes: launch 1 leaves x6 = 100 + warp id in lane 0 of every warp; launch 2 spawns
    the warps again and each stores its x6 -- the spawned warps' registers survived the launch."""
    first, _ = assemble(li(A0, 4), LA(A1, "entry"), wspawn(A0, A1), "entry:",
                        csrr(6, CSR.WARP_ID), i("addi", 6, 6, 100), HALT)
    at = BASE + 0x400
    second, _ = assemble(li(A0, 4), LA(A1, "entry"), wspawn(A0, A1), "entry:",
                         csrr(A2, CSR.WARP_ID), i("slli", A2, A2, 2), li(A0, HEAP),
                         r("add", A0, A0, A2), store("sw", 6, A0, 0), HALT, at=at)
    with make(kind, "4x4") as b:
        launch(b, first)
        assert b.run(100_000).status == RunStatus.DONE
        b.write_mem(HEAP, bytes(16))
        launch(b, second, at=at)
        assert b.run(100_000).status == RunStatus.DONE
        assert struct.unpack("<4I", b.read_mem(HEAP, 16)) == (100, 101, 102, 103)


def test_run_before_start_and_after_the_end(backend):
    with pytest.raises(RuntimeError, match="before start"):
        backend.run(10)
    launch(backend, i("addi", A0, 0, 1), HALT)
    end = backend.run(1000)
    again = backend.run(1000)
    assert (again.status, again.instret) == (end.status, end.instret) == (RunStatus.DONE, 2)


def test_console_kept_until_read(backend):
    program = [i("addi", A1, 0, ord("x")), store("sb", A1, 0, MemoryMap.IO_COUT), HALT]
    launch(backend, program)
    backend.run(1000)
    backend.start()
    backend.run(1000)
    assert backend.console() == b"xx"
    assert backend.console() == b""


def test_exit_and_watchdog(backend):
    launch(backend, i("addi", A1, 0, 42), store("sw", A1, 0, MemoryMap.IO_EXIT), NOP)
    result = backend.run(1000)
    assert (result.status, result.code, result.instret) == (RunStatus.EXIT, 42, 2)
    launch(backend, jal(0, 0))
    result = backend.run(500)
    assert result.status == RunStatus.WATCHDOG
    assert [w.active for w in backend.warps()] == [True]


# -- the MMIO window --------------------------------------------------------------------------------

@pytest.mark.parametrize("access", ["lw", "sw"])
def test_mmio_faults_without_a_tile(backend, access):
    mmio = li(A0, MemoryMap.MMIO_BASE)
    insn = load("lw", A1, A0, 0) if access == "lw" else store("sw", A1, A0, 0)
    launch(backend, mmio, insn, HALT)
    result = backend.run(1000)
    cause = FaultCause.LOAD_ACCESS if access == "lw" else FaultCause.STORE_ACCESS
    assert (result.status, result.fault_cause, result.fault_pc, result.fault_addr) == \
        (RunStatus.FAULT, cause, BASE + 8, MemoryMap.MMIO_BASE)


def test_kernel_word_access_reaches_the_tile(tiled):
    hw_id = regs.offset("CFGROM.CFGROM_HW_VERSION")
    size0 = regs.offset("CDMA.D_DATAIN_SIZE_0")
    program = [li(A0, MemoryMap.MMIO_BASE), load("lw", A1, A0, hw_id),
               li(A0, MemoryMap.MMIO_BASE + size0),
               li(A2, 0x0005_0007), store("sw", A2, A0, 0), load("lw", A2, A0, 0), HALT]
    launch(tiled, program)
    result = tiled.run(10_000)
    assert result.status == RunStatus.DONE
    trace = tiled.trace()
    loads = trace[(trace["insn"] & 0x7F) == 0x03]
    assert [int(r["data"][0]) for r in loads] == [0x0001_0001, 0x0005_0007]     # NVDLA's version
    assert tiled.tile_read(size0) == 0x0005_0007            # the host sees the kernel's write


@pytest.mark.parametrize("insn, cause", [
    (load("lb", A1, A0, 0), FaultCause.LOAD_ACCESS),
    (store("sh", A1, A0, 0), FaultCause.STORE_ACCESS),
])
def test_tile_window_takes_word_accesses_only(tiled, insn, cause):
    launch(tiled, li(A0, MemoryMap.MMIO_BASE), insn, HALT)
    result = tiled.run(10_000)
    assert (result.status, result.fault_cause, result.fault_addr) == \
        (RunStatus.FAULT, cause, MemoryMap.MMIO_BASE)


def test_tile_window_outside_every_unit_faults(tiled):
    """0x2000 is NVDLA's MCIF page, which simtlab's tile has not: the access faults (the register
    bus's error), while an offset inside a unit that holds no register reads 0."""
    launch(tiled, li(A0, MemoryMap.MMIO_BASE + 0x3FF0), load("lw", A1, A0, 0), HALT)
    assert tiled.run(10_000).status == RunStatus.DONE
    assert int(tiled.trace()[-2]["data"][0]) == 0
    launch(tiled, li(A0, MemoryMap.MMIO_BASE + 0x2000), load("lw", A1, A0, 0), HALT)
    result = tiled.run(10_000)
    assert (result.status, result.fault_cause) == (RunStatus.FAULT, FaultCause.LOAD_ACCESS)
    if not isinstance(tiled, Emulator) and result.fault_addr == 0:
        pytest.xfail("known RTL gap: a load whose response carries err (the MMIO bridge's) faults "
                     "with fault_addr 0 instead of the access address (rtl/core's LSU)")
    assert result.fault_addr == MemoryMap.MMIO_BASE + 0x2000


def test_host_tile_registers(tiled):
    size0 = regs.offset("CDMA.D_DATAIN_SIZE_0")
    assert tiled.tile_read(regs.offset("CFGROM.CFGROM_HW_VERSION")) == 0x10001     # NVDLA's
    assert tiled.tile_read(regs.offset("CFGROM.CFGROM_CDMA_BASE_ATOMIC_C")) == 8
    assert tiled.tile_read(regs.offset("CFGROM.CFGROM_CACC_BASE_ATOMIC_K")) == 8
    tiled.tile_write(size0, 0xFFFF_FFFF)
    assert tiled.tile_read(size0) == regs.reset_value("CDMA.D_DATAIN_SIZE_0") | 0x1FFF_1FFF
    tiled.tile_write(regs.offset("CDMA.S_POINTER"), 1)          # group 1: its own copy
    assert tiled.tile_read(size0) == 0
    assert tiled.tile_read(regs.offset("CDMA.S_POINTER")) == 1
    tiled.tile_write(regs.offset("GLB.INTR_MASK"), 0xFFFF_FFFF)
    tiled.tile_write(regs.offset("GLB.INTR_SET"), 1 << 4)
    assert tiled.tile_read(regs.offset("GLB.INTR_STATUS")) == 1 << 4
    assert tiled.tile_wait(100) is None                          # masked: the line stays low
    tiled.tile_write(regs.offset("GLB.INTR_MASK"), 0)
    assert tiled.tile_wait(100) == 0
    tiled.tile_write(regs.offset("GLB.INTR_STATUS"), 1 << 4)    # write 1 to clear
    assert tiled.tile_read(regs.offset("GLB.INTR_STATUS")) == 0
    assert tiled.tile_fault() is None


def test_launch_resets_the_tile(tiled):
    size0 = regs.offset("CDMA.D_DATAIN_SIZE_0")
    tiled.tile_write(size0, 0x0003_0004)
    launch(tiled, HALT)
    tiled.run(1000)
    assert tiled.tile_read(size0) == regs.reset_value("CDMA.D_DATAIN_SIZE_0")


# -- errors -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, args, error", [
    ("write_mem", ("0x10000", b"x"), TypeError),
    ("write_mem", (1.0, b"x"), TypeError),
    ("write_mem", (True, b"x"), TypeError),
    ("write_mem", (HEAP, "text"), TypeError),
    ("write_mem", (HEAP, 5), TypeError),
    ("write_mem", (-4, b"x"), ValueError),
    ("write_mem", (0, b"x"), ValueError),                       # unmapped
    ("write_mem", (MemoryMap.MMIO_BASE, b"x"), ValueError),     # not ram
    ("read_mem", (2**32, 1), ValueError),
    ("read_mem", (MemoryMap.IO_COUT, 1), ValueError),
    ("read_mem", (HEAP, -1), ValueError),
    ("read_mem", (HEAP, 1.0), TypeError),
    ("dcr_write", (0x006, 1), ValueError),                      # unknown DCR
    ("dcr_write", (0x1000, 0), ValueError),
    ("dcr_write", (None, 0), TypeError),
    ("dcr_write", (DCR.STARTUP_ARG0, 2**32), ValueError),
    ("set_tohost", ("x",), TypeError),
    ("enable_trace", ("yes",), TypeError),
    ("run", (10.0,), TypeError),
    ("run", (-1,), ValueError),
    ("tile_write", (0, 0), ValueError),                         # no tile
    ("tile_read", (0,), ValueError),
    ("tile_wait", (10,), ValueError),
])
def test_bad_input(backend, call, args, error):
    if call == "run":
        launch(backend, HALT)
    with pytest.raises(error):
        getattr(backend, call)(*args)


def test_good_input_forms(backend):
    backend.dcr_write(np.int64(DCR.STARTUP_ARG0), np.uint32(5))     # numpy integers are integers
    backend.dcr_write(DCR.STARTUP_ARG1, -1)                          # signed 32-bit values wrap
    backend.write_mem(np.uint32(HEAP), bytearray(b"ab"))
    backend.write_mem(HEAP + 2, memoryview(b"cd"))
    assert backend.read_mem(HEAP, 4) == b"abcd"
    assert backend.read_mem(HEAP, 0) == b""
    backend.set_tohost(None)


@pytest.mark.parametrize("call, args", [
    ("tile_write", (0x2000, 0)),                # NVDLA's MCIF page: no unit here
    ("tile_write", (2, 0)),                     # not word aligned
    ("tile_read", (0x1_0000,)),                 # outside the window
    ("tile_read", (-4,)),
    ("tile_write", (0, 2**32)),
])
def test_bad_tile_input(tiled, call, args):
    with pytest.raises(ValueError):
        getattr(tiled, call)(*args)
    with pytest.raises(TypeError):
        tiled.tile_read(4.0)
