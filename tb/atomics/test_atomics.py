"""RV32A atomics (docs/isa.md, "Atomics"): decode, the golden model's semantics per instruction and
in lane order, faults, and kernels under contention from every lane of every warp on both backends
(exact results), lock-step included."""

import re
from pathlib import Path

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import PRESETS, SimtConfig
from simtlab.drivers.lockstep import run_lockstep
from simtlab.sim.emu_decode import match
from simtlab.spec.isa import INSTRUCTIONS, AmoOp, Unit
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause, RunStatus
from tb.sim.test_emulator import A0, A1, A2, A3, HALT, csrrs, i, li, load, run, tmc
from simtlab.spec.csr import CSR

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels" / "atomics"
SEED = 20261204
MASK = 0xFFFF_FFFF
HEAP = MemoryMap.HEAP_BASE
FUNCT5 = {"lr.w": 0b00010, "sc.w": 0b00011, "amoswap.w": 0b00001, "amoadd.w": 0b00000,
          "amoxor.w": 0b00100, "amoand.w": 0b01100, "amoor.w": 0b01000, "amomin.w": 0b10000,
          "amomax.w": 0b10100, "amominu.w": 0b11000, "amomaxu.w": 0b11100}


def _signed(v):
    return v - (1 << 32) if v & 0x8000_0000 else v


#: Reference semantics, written independently of sim/emu_decode.py: (old, rs2) -> new word.
REFERENCE = {
    "amoswap.w": lambda o, s: s,
    "amoadd.w": lambda o, s: (o + s) & MASK,
    "amoxor.w": lambda o, s: o ^ s,
    "amoand.w": lambda o, s: o & s,
    "amoor.w": lambda o, s: o | s,
    "amomin.w": lambda o, s: o if _signed(o) < _signed(s) else s,
    "amomax.w": lambda o, s: o if _signed(o) > _signed(s) else s,
    "amominu.w": lambda o, s: o if o < s else s,
    "amomaxu.w": lambda o, s: o if o > s else s,
}


def amo(name, rd, rs1, rs2, aq=0, rl=0):
    return ((FUNCT5[name] << 27) | (aq << 26) | (rl << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12)
            | (rd << 7) | 0x2F)


# -- decode ---------------------------------------------------------------------------------------------

def test_table_has_every_rv32a_instruction():
    rows = {d.name: d for d in INSTRUCTIONS if d.unit is Unit.AMO}
    assert set(rows) == set(FUNCT5)
    assert {rows[n].amo for n in rows} == set(AmoOp) - {AmoOp.NONE}


@pytest.mark.parametrize("name", sorted(FUNCT5))
def test_amo_words_decode_with_any_aq_rl(name):
    rng = np.random.default_rng(SEED)
    for _ in range(20):
        rd, rs1, rs2 = (int(v) for v in rng.integers(0, 32, 3))
        if name == "lr.w":
            rs2 = 0
        word = amo(name, rd, rs1, rs2, *(int(v) for v in rng.integers(0, 2, 2)))
        assert match(word).name == name, f"seed {SEED}: {word:#010x}"
    # funct3 other than 2 (no RV64 .d forms) and lr with rs2 != 0 are illegal
    assert match(amo(name, 1, 2, 3) & ~(7 << 12) | (3 << 12)) is None
    assert match(amo("lr.w", 1, 2, 5)) is None


def test_isa_test_covers_every_atomic():
    text = (ROOT / "kernels" / "isa" / "amo.S").read_text()
    missing = [n for n in FUNCT5 if not re.search(rf"[\s;]{re.escape(n)}[\s,.]", text)]
    assert not missing


# -- golden model, one lane ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_emulator_amo_matches_reference(name):
    rng = np.random.default_rng(SEED)
    specials = [0, 1, 0x7FFF_FFFF, 0x8000_0000, MASK]
    cases = [(a, b) for a in specials for b in specials]
    cases += [(int(a), int(b)) for a, b in rng.integers(0, 1 << 32, (10, 2))]
    for k, (old, src) in enumerate(cases):
        program = [li(A0, HEAP + 8), li(A1, src), amo(name, A2, A0, A1), load("lw", A3, A0, 0), HALT]

        def setup(emu):
            emu.write_mem(HEAP + 8, old.to_bytes(4, "little"))
        emu, result = run(*program, setup=setup)
        assert result.status == RunStatus.DONE, result.describe_fault()
        regs = emu.registers()
        assert (regs[A2], regs[A3]) == (old, REFERENCE[name](old, src)), \
            f"seed {SEED} case {k}: {name} old={old:#x} src={src:#x}"


def _lanes_program(*body, lanes=4):
    """Turn on ``lanes`` lanes, A1 = lane id + 1, A0 = HEAP, run ``body``, end."""
    return [li(A0, (1 << lanes) - 1), tmc(A0), csrrs(A1, CSR.THREAD_ID, 0), i("addi", A1, A1, 1),
            li(A0, HEAP), *body, HALT]


def test_emulator_lanes_run_in_lane_order():
    """amoadd from 4 lanes on one word: lane k sees the sum of lanes 0..k-1 (lowest lane first)."""
    emu, result = run(*_lanes_program(amo("amoadd.w", A2, A0, A1), load("lw", A3, A0, 0)),
                      config=SimtConfig(warps=1, threads=4))
    assert result.status == RunStatus.DONE, result.describe_fault()
    olds = [emu.registers(lane=lane)[A2] for lane in range(4)]
    assert olds == [0, 1, 3, 6]
    assert emu.registers(lane=3)[A3] == 10


def test_emulator_sc_succeeds_for_the_lowest_lane_only():
    """Every lane reserves the word; the lanes' sc run in lane order and lane 0's write clears the
    others' reservations."""
    emu, result = run(*_lanes_program(amo("lr.w", A3, A0, 0), amo("sc.w", A2, A0, A1),
                                      load("lw", A3, A0, 0)),
                      config=SimtConfig(warps=1, threads=4))
    assert result.status == RunStatus.DONE, result.describe_fault()
    assert [emu.registers(lane=lane)[A2] for lane in range(4)] == [0, 1, 1, 1]
    assert emu.registers(lane=0)[A3] == 1


def test_launch_clears_reservations():
    config = SimtConfig()
    emu, result = run(li(A0, HEAP), amo("lr.w", A3, A0, 0), HALT, config=config)
    assert result.status == RunStatus.DONE and emu._memory.reservations
    emu.start()
    assert not emu._memory.reservations


# -- faults, both backends -------------------------------------------------------------------------------

FAULTS = [
    ("lmem", MemoryMap.LMEM_BASE + 16, FaultCause.AMO_REGION),
    ("io", MemoryMap.IO_COUT, FaultCause.AMO_REGION),
    ("mmio", MemoryMap.MMIO_BASE, FaultCause.STORE_ACCESS),     # no tile: the window is unmapped
    ("misaligned", HEAP + 2, FaultCause.STORE_MISALIGNED),
    ("unmapped", 0x0000_1000, FaultCause.STORE_ACCESS),
]


@pytest.fixture(scope="module", params=["emu", "rtl"])
def device(request):
    with Device("default", backend=request.param) as dev:
        yield dev


@pytest.mark.parametrize("op", ["amoadd.w", "lr.w", "sc.w"])
@pytest.mark.parametrize("where,addr,cause", FAULTS, ids=[f[0] for f in FAULTS])
def test_atomic_faults(device, tmp_path, where, addr, cause, op):
    operands = "x2, (x1)" if op == "lr.w" else "x2, x3, (x1)"
    source = tmp_path / f"amo_{where}.S"
    source.write_text(f""".section .text.init, "ax", @progbits
.globl _start
_start:
    lui x1, %hi({addr:#x})
    addi x1, x1, %lo({addr:#x})
    li x3, 5
fault_here:
    {op} {operands}
1:  j 1b
""")
    device.load(source)
    with pytest.raises(Exception):
        device.run(None, max_cycles=10_000)
    result = device.last_result
    assert result.status == RunStatus.FAULT
    assert (result.fault_cause, result.fault_addr) == (cause, addr), result.describe_fault()
    assert result.fault_pc == MemoryMap.CODE_BASE + 12
    assert FaultCause(cause).text in result.describe_fault()


# -- kernels under contention -----------------------------------------------------------------------------

SHAPES = [(1, 1), (4, 4), (4, 16)]


def _histogram(device, rng, n, nbins):
    data = rng.integers(0, 1 << 32, n, dtype=np.uint32)
    acc0 = np.array([0, 0, 0, MASK, 0x8000_0000, MASK, 0x7FFF_FFFF, 0], np.uint32)
    bufs = dict(data=device.upload(data), bins=device.upload(np.zeros(nbins, np.uint32)),
                tickets=device.upload(np.zeros(n, np.uint32)), acc=device.upload(acc0))
    args = [n, bufs["data"], nbins, bufs["bins"], bufs["tickets"], bufs["acc"]]
    return data, bufs, args


def _check_histogram(device, data, bufs, nbins, seed):
    bins, tickets, acc = (device.download(bufs[k]) for k in ("bins", "tickets", "acc"))
    d = data.astype(np.int64)
    keys = data % nbins
    np.testing.assert_array_equal(bins, np.bincount(keys, minlength=nbins), err_msg=f"seed {seed}")
    for b in range(nbins):      # each bin handed out the tickets 0..count-1, in some order
        assert sorted(tickets[keys == b]) == list(range(int(bins[b]))), f"seed {seed} bin {b}"
    s = data.view(np.int32)
    expected = [int(d.sum()) & MASK, int(np.bitwise_xor.reduce(data)),
                int(np.bitwise_or.reduce(data & 0x0F0F0F0F)),
                MASK & ~int(np.bitwise_or.reduce(np.uint32(1) << (data & 31))),
                int(max(int(s.max()), -(1 << 31))) & MASK, int(data.min()),
                int(min(int(s.min()), (1 << 31) - 1)) & MASK, int(data.max())]
    assert [int(v) for v in acc] == expected, f"seed {seed}"


def _lock(device, n, mode):
    bufs = dict(lock=device.upload(np.zeros(1, np.uint32)), shared=device.upload(np.zeros(2, np.uint32)),
                order=device.upload(np.zeros(n, np.uint32)))
    return bufs, [n, bufs["lock"], bufs["shared"], mode, bufs["order"]]


def _check_lock(device, bufs, n, mode):
    shared, order = device.download(bufs["shared"]), device.download(bufs["order"])
    assert [int(v) for v in shared] == [n, n * (n - 1) // 2], f"mode {mode}"
    assert sorted(int(v) for v in order) == list(range(n)), f"mode {mode}"
    assert int(device.download(bufs["lock"])[0]) == 0


@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_contended_kernels(backend, shape):
    """A histogram with atomic_fetch_add (and the other AMOs) and a counter behind an amoswap lock
    and an lr/sc lock, from every lane of every warp: exact results."""
    warps, threads = shape
    n = 3 * warps * threads + 5
    rng = np.random.default_rng(SEED)
    with Device(SimtConfig(warps=warps, threads=threads), backend=backend) as device:
        for nbins in (1, 5):
            data, bufs, args = _histogram(device, rng, n, nbins)
            device.run(KERNELS / "histogram_atomic.c", *args)
            _check_histogram(device, data, bufs, nbins, SEED)
        for mode in (0, 1):
            bufs, args = _lock(device, n, mode)
            device.run(KERNELS / "lock_counter.c", *args)
            _check_lock(device, bufs, n, mode)


def test_contended_kernels_through_the_l1_cache():
    """With the L1 D$ (preset l1): atomics bypass it and invalidate its line, so the plain loads of
    the lock-protected counter and the histogram's results read what the atomics wrote."""
    rng = np.random.default_rng(SEED)
    with Device(PRESETS["l1"], backend="rtl") as device:
        n = 77
        data, bufs, args = _histogram(device, rng, n, 5)
        device.download(bufs["bins"])
        device.run(KERNELS / "histogram_atomic.c", *args)
        _check_histogram(device, data, bufs, 5, SEED)
        for mode in (0, 1):
            bufs, args = _lock(device, n, mode)
            device.run(KERNELS / "lock_counter.c", *args)
            _check_lock(device, bufs, n, mode)


@pytest.mark.parametrize("shape", [(4, 4), (4, 16)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kernel", ["histogram_atomic", "lock_counter_swap", "lock_counter_lrsc"])
def test_contended_kernels_lockstep(kernel, shape):
    warps, threads = shape
    n = 2 * warps * threads + 3
    config = SimtConfig(warps=warps, threads=threads)

    def setup(device):
        if kernel == "histogram_atomic":
            return _histogram(device, np.random.default_rng(SEED), n, 5)[2]
        return _lock(device, n, 0 if kernel.endswith("swap") else 1)[1]
    source = KERNELS / ("histogram_atomic.c" if kernel == "histogram_atomic" else "lock_counter.c")
    report = run_lockstep(config, source, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 100
