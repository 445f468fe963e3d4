"""The fast backend (sim/fast, ``backend="fast"``) against the golden model: every kernel of
kernels/examples and kernels/isa at 1x1 and 4x4 gives the same results, counters, console and retire
trace (record for record, ``cycle`` included); faults, the watchdog, bad ELFs and Ctrl-C behave as
the emulator's. (tb/sim/test_fast_suites.py reruns the emulator's unit suites on it;
tb/sim/test_fast_fp.py compares its RV32F arithmetic with SoftFloat.)"""

import signal
import time

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import PRESETS, SimtConfig
from simtlab.drivers.demo import run_case
from simtlab.drivers.elf import load_elf, write_program
from simtlab.errors import ElfError
from simtlab.kernels.catalog import EXAMPLES, EXAMPLES_DIR, FLOAT_EXAMPLES, Example, vote_shuffle_case
from simtlab.kernels.compile import ISA_DIR, compile_kernel
from simtlab.sim.emulator import Emulator
from simtlab.sim.fast import FastEmulator
from simtlab.spec.status import FaultCause, RunStatus

from .test_backend import launch
from .test_emulator import HALT, jal, li, store

SHAPES = {"1x1": PRESETS["default"], "4x4": PRESETS["4x4"]}
SEED = 15


def _examples():
    yield from EXAMPLES.values()
    yield from FLOAT_EXAMPLES.values()


def _vote_shuffle(threads):
    return Example("vote_shuffle", EXAMPLES_DIR / "vote_shuffle.c", "vote and shuffle",
                   lambda rng, n: vote_shuffle_case(rng, n, threads), 64)


def _run_traced(config, backend, example, size, seed):
    with Device(config, backend=backend) as device:
        device.enable_trace(True)
        case = example.make_case(np.random.default_rng(seed), size)
        counters = run_case(device, example, case)
        return counters, device.trace(), device.last_result


def _same_run(config, example, size):
    """Run ``example`` on emu and fast; both match numpy (run_case) and each other exactly."""
    seed = [SEED, size]
    emu = _run_traced(config, "emu", example, size, seed)
    fast = _run_traced(config, "fast", example, size, seed)
    what = f"{example.name} n={size} on {config.warps}x{config.threads} (seed {seed})"
    (ce, te, re), (cf, tf, rf) = emu, fast
    assert (cf.cycles, cf.instrs, cf.thread_instrs) == (ce.cycles, ce.instrs, ce.thread_instrs), what
    assert len(tf) == len(te), what
    diff = np.flatnonzero(tf != te)
    assert diff.size == 0, f"{what}: trace records differ from #{diff[:1]}: {te[diff[:1]]} vs {tf[diff[:1]]}"
    assert rf.warps == re.warps, what


def _example_cases():
    for shape in SHAPES:
        for example in _examples():
            size = min(example.default_size, 2000 if example.name == "spin" else 256)
            yield pytest.param(shape, example.name, size, id=f"{example.name}-{shape}")
        yield pytest.param(shape, "vote_shuffle", 64, id=f"vote_shuffle-{shape}")


@pytest.mark.parametrize("shape,name,size", list(_example_cases()))
def test_example_kernel_matches_the_emulator(shape, name, size):
    config = SHAPES[shape]
    example = (_vote_shuffle(config.threads) if name == "vote_shuffle"
               else EXAMPLES.get(name) or FLOAT_EXAMPLES[name])
    _same_run(config, example, size)


ISA_TESTS = sorted(ISA_DIR.glob("*.S"))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("path", ISA_TESTS, ids=[p.stem for p in ISA_TESTS])
def test_isa_test_matches_the_emulator(path, shape):
    config = SHAPES[shape]
    program = load_elf(compile_kernel(path, config, runtime=False), config)
    runs = []
    for make in (Emulator, FastEmulator):
        with make(config) as backend:
            write_program(backend, program)
            backend.enable_trace(True)
            backend.start()
            runs.append((backend.run(200_000), backend.trace()))
    (re, te), (rf, tf) = runs
    assert rf.status == re.status == RunStatus.TOHOST and rf.code == re.code
    if not (path.stem == "csr" and shape != "1x1"):     # csr.S checks the 1x1 shape's id CSRs
        assert rf.code == 0, f"{path.name}: check {rf.code} failed"
    assert (rf.cycles, rf.instret, rf.thread_instrs, rf.pcs) == (re.cycles, re.instret,
                                                                 re.thread_instrs, re.pcs)
    assert np.array_equal(tf, te)


# -- faults, watchdog, bad input ------------------------------------------------------------------

FAULTING = {
    "store to an unmapped address": ("*(volatile int *)0x20 = 1;", FaultCause.STORE_ACCESS, 0x20),
    "misaligned load": ("return *(volatile int *)(0x10002);", FaultCause.LOAD_MISALIGNED, 0x10002),
    "jump to a misaligned target": ("((void (*)(void))0x80000002)();", FaultCause.INSN_MISALIGNED,
                                    0x80000002),
    "fetch from an unmapped address": ("((void (*)(void))0x100)();", FaultCause.INSN_ACCESS, 0x100),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("what", FAULTING)
def test_faults_match_the_emulator(tmp_path, what, shape):
    body, cause, addr = FAULTING[what]
    source = tmp_path / "fault.c"
    source.write_text(f'#include "simtlab.h"\nint main(void) {{ {body} return 0; }}\n')
    faults = []
    for backend in ("emu", "fast"):
        with Device(SHAPES[shape], backend=backend) as device:
            with pytest.raises(Exception) as info:
                device.run(source)
            faults.append(info.value)
    emu, fast = faults
    assert type(fast) is type(emu) and str(fast) == str(emu)
    assert (fast.cause, fast.addr) == (cause, addr)
    assert (fast.pc, fast.result.instret, fast.result.warps) == (emu.pc, emu.result.instret,
                                                                   emu.result.warps)


def test_watchdog_lists_every_warp_like_the_emulator():
    errors = []
    for backend in ("emu", "fast"):
        with Device("4x4", backend=backend) as device:
            out = device.alloc(12, np.uint32)
            with pytest.raises(Exception) as info:
                device.run(EXAMPLES["spin"].source, 10**9, 1, out, max_cycles=30_000)
            errors.append(info.value)
    emu, fast = errors
    assert type(fast).__name__ == "WatchdogTimeout" and str(fast) == str(emu)
    assert fast.result.instret == emu.result.instret and fast.result.warps == emu.result.warps
    assert "warp 3: pc=" in str(fast)


def test_a_resumed_run_equals_one_run():
    """Stopping at the instruction budget and continuing changes nothing (slices, Ctrl-C)."""
    program = load_elf(compile_kernel(ISA_DIR / "branches.S", SHAPES["4x4"], runtime=False),
                       SHAPES["4x4"])
    traces = []
    for budget in (10**6, 13):
        with FastEmulator(SHAPES["4x4"]) as fast:
            write_program(fast, program)
            fast.enable_trace(True)
            fast.start()
            chunks = []
            while (result := fast.run(budget)).status == RunStatus.WATCHDOG:
                chunks.append(fast.trace())
            chunks.append(fast.trace())
            traces.append((result.status, result.cycles, np.concatenate(chunks)))
    assert traces[0][:2] == traces[1][:2] and np.array_equal(traces[0][2], traces[1][2])


def test_ctrl_c_stops_a_run_within_half_a_second():
    fast = FastEmulator(SimtConfig())
    launch(fast, jal(0, 0), trace=False)                # spins forever
    previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        began = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            fast.run(2**62)
        assert time.monotonic() - began < 0.2 + 0.5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    launch(fast, li(10, 7), store("sw", 10, 0, 0x80), HALT)     # still usable: exit code 7
    result = fast.run(100)
    assert (result.status, result.code) == (RunStatus.EXIT, 7)
    fast.close()


def test_bad_elf_is_the_same_error(tmp_path):
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"MZ" + bytes(100))
    messages = []
    for backend in ("emu", "fast"):
        with Device(backend=backend) as device, pytest.raises(ElfError) as info:
            device.load(bad)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "not an ELF" in messages[1]


def test_bad_configs_and_arguments():
    with pytest.raises(ValueError, match="tile"):
        FastEmulator(PRESETS["tile"])
    with pytest.raises(TypeError, match="SimtConfig"):
        FastEmulator("4x4")
    with pytest.raises(ValueError, match="backend must be"):
        Device(backend="faster")
    with FastEmulator(SimtConfig()) as fast, pytest.raises(RuntimeError, match="before start"):
        fast.run(10)


# -- lock-step against the RTL ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["diverge", "vote_shuffle", "saxpy_f", "histogram"])
def test_lockstep_with_the_rtl(name):
    """fast vs RTL with the lock-step checker (sim/lockstep.py), as the emulator is checked."""
    from simtlab.drivers.lockstep import mask_timing_reads
    from simtlab.sim.lockstep import compare_traces
    config = SHAPES["4x4"]
    example = (_vote_shuffle(config.threads) if name == "vote_shuffle"
               else EXAMPLES.get(name) or FLOAT_EXAMPLES[name])
    size = min(example.default_size, 128)
    runs = {backend: _run_traced(config, backend, example, size, [SEED, size])
            for backend in ("fast", "rtl")}
    (cf, tf, _), (cr, tr, _) = runs["fast"], runs["rtl"]
    assert cf.instrs == cr.instrs
    divergence = compare_traces(mask_timing_reads(tf), mask_timing_reads(tr), names=("fast", "rtl"))
    assert divergence is None, str(divergence)


def test_lockstep_command_compares_any_two_backends(capsys):
    from simtlab.drivers.cli import main
    from simtlab.drivers.lockstep import run_lockstep
    source = str(ISA_DIR / "branches.S")
    assert main(["lockstep", "--backends", "fast,emu", "--warps", "4", "--threads", "4", source]) == 0
    assert "fast: " in capsys.readouterr().out
    report = run_lockstep(SHAPES["1x1"], source, backends=("rtl", "fast"))
    assert report.ok and report.records > 100 and report.names == ("rtl", "fast")
    with pytest.raises(ValueError, match="backends"):
        run_lockstep(SHAPES["1x1"], source, backends=("emu", "emu"))


def test_run_command_takes_the_fast_backend(capsys):
    from simtlab.drivers.cli import main
    assert main(["run", "--backend", "fast", "-q", str(ISA_DIR / "mul.S")]) == 0


def test_bench_entry_measures_the_spin_kernel(capsys):
    from simtlab.drivers.bench import fast_speed
    figures = fast_speed(quick=True, repeats=1, shapes=("1x1",))   # checks the kernel's result
    instrs, wall, cpu, load = figures["1x1"]
    assert instrs >= 10 * 500_000 and wall > 0 and cpu > 0 and load >= 0
    assert "fast backend 1x1" in capsys.readouterr().out


def test_sigint_to_a_process_stops_the_run_and_the_device_stays_usable(tmp_path):
    """tb/drivers/test_interrupt.py's real-signal check (0.5 s, then vecadd) on the fast backend."""
    from ..drivers.test_interrupt import test_sigint_stops_a_run_and_the_device_stays_usable as check
    check(tmp_path, "fast")


@pytest.mark.parametrize("warps,threads", [(2, 32), (32, 2)])
@pytest.mark.parametrize("name", ["diverge", "vote_shuffle", "bitonic_sort"])
def test_widest_shapes_match_the_emulator(name, warps, threads):
    config = SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads)
    example = _vote_shuffle(threads) if name == "vote_shuffle" else EXAMPLES[name]
    _same_run(config, example, min(example.default_size, 256))


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 16)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_contended_atomics(shape):
    """tb/atomics' contended kernels (every AMO, amoswap and lr/sc locks from every lane of every
    warp) on the fast backend: exact results, and the same trace as the emulator."""
    from simtlab.drivers.lockstep import run_lockstep

    from ..atomics import test_atomics as atomics
    atomics.test_contended_kernels("fast", shape)
    warps, threads = shape
    n = 2 * warps * threads + 3
    report = run_lockstep(SimtConfig(warps=warps, threads=threads),
                          atomics.KERNELS / "histogram_atomic.c", backends=("fast", "emu"),
                          setup=lambda device: atomics._histogram(device, np.random.default_rng(SEED),
                                                                   n, 5)[2])
    assert report.ok and report.records > 100, report.summary()


def test_missing_compiler_is_a_tool_error(monkeypatch):
    from simtlab.errors import ToolError
    from simtlab.sim.fast import build
    build._compiler.cache_clear()
    monkeypatch.setattr(build.shutil, "which", lambda *args, **kwargs: None)
    try:
        with pytest.raises(ToolError, match="'g\\+\\+' is not on PATH"):
            build.build_fast_library()
    finally:
        build._compiler.cache_clear()


# -- the runtime's feature kernels (their own tests, on the fast backend) -------------------------------

@pytest.mark.parametrize("shape", [(1, 1), (4, 4)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_runtime_feature_kernels(shape):
    """printf from every warp, thread-local storage (C and C++), vx_spawn2 vecadd and the
    local-memory sgemm: the checks of tb/kernels' tests, with backend "fast"."""
    from ..kernels import test_printf_warps, test_tls, test_vx_spawn2
    if shape in ((4, 4), (2, 2)):
        test_printf_warps.test_printf_from_every_warp(shape, "fast")
    for kernel, buckets in (("tls_counter.c", 1), ("tls_counter_cpp.cpp", 4)):
        test_tls.test_tls_counters(kernel, buckets, shape, "fast")
    test_vx_spawn2.test_vecadd(shape, "fast")
    test_vx_spawn2.test_sgemm_local_memory(shape, "fast")
