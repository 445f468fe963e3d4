"""Tests of the golden model's SIMT execution (docs/simt.md) on hand-encoded programs.

Programs are assembled by a tiny two-pass assembler (labels, branches and address loads) on top of the
RV32IM encoder of test_emulator.py; the custom-0 words are built as
``funct7<<25 | rs2<<20 | rs1<<15 | funct3<<12 | rd<<7 | 0x0B``.
"""

import struct

import numpy as np
import pytest

from simtlab.config import SimtConfig
from simtlab.sim.emulator import Emulator
from simtlab.sim.lockstep import compare_traces, format_record, make_trace
from simtlab.sim.result import WarpDump, trace_dtype
from simtlab.spec.csr import CSR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause, RunStatus

from .test_emulator import BRANCHES, enc_b, enc_j, i, jalr, li, load, r, store

BASE = MemoryMap.CODE_BASE
HEAP = MemoryMap.HEAP_BASE
T0, T1, A0, A1, A2, A3, A4, A5 = 5, 6, 10, 11, 12, 13, 14, 15

CONFIGS = {
    "2x2": SimtConfig(warps=2, threads=2),
    "4x4": SimtConfig(warps=4, threads=4),
    "4x16": SimtConfig(warps=4, threads=16),
    "16x4": SimtConfig(warps=16, threads=4),
    "8x8": SimtConfig(warps=8, threads=8),
}


# -- SIMT encoder -----------------------------------------------------------------------------------------

def custom0(funct3, rd=0, rs1=0, rs2=0, funct7=0):
    return (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x0B


def tmc(rs1): return custom0(0, rs1=rs1)
def wspawn(rs1, rs2): return custom0(1, rs1=rs1, rs2=rs2)
def split(rd, rs1, negate=False): return custom0(2, rd=rd, rs1=rs1, rs2=1 if negate else 0)
def join(rs1): return custom0(3, rs1=rs1)
def bar(rs1, rs2): return custom0(4, rs1=rs1, rs2=rs2)
def pred(rs1, rs2, negate=False): return custom0(5, rd=1 if negate else 0, rs1=rs1, rs2=rs2)


def csrr(rd, number):
    return ((number & 0xFFF) << 20) | (2 << 12) | (rd << 7) | 0x73


HALT = tmc(0)
NOP_ = i("addi", 0, 0, 0)


# -- a two-pass assembler with labels ---------------------------------------------------------------------

class _Ref:
    def __init__(self, size, build):
        self.size, self.build = size, build


def B(name, rs1, rs2, label):
    """Conditional branch to ``label``."""
    return _Ref(1, lambda pc, labels: enc_b(BRANCHES[name], rs1, rs2, labels[label] - pc))


def J(label, rd=0):
    return _Ref(1, lambda pc, labels: enc_j(rd, labels[label] - pc))


def LA(rd, label):
    """Load the address of ``label`` (two words)."""
    return _Ref(2, lambda pc, labels: li(rd, labels[label]))


def assemble(*items, at=BASE):
    """Items: words, lists of words, ``"label:"`` strings and :class:`_Ref` objects. Returns (words, labels)."""
    flat = []

    def add(item):
        if isinstance(item, list):
            for sub in item:
                add(sub)
        else:
            flat.append(item)
    add(list(items))
    labels, pc = {}, at
    for item in flat:
        if isinstance(item, str):
            labels[item.rstrip(":")] = pc
        else:
            pc += 4 * (item.size if isinstance(item, _Ref) else 1)
    words, pc = [], at
    for item in flat:
        if isinstance(item, str):
            continue
        if isinstance(item, _Ref):
            built = item.build(pc, labels)
            built = built if isinstance(built, list) else [built]
            assert len(built) == item.size
            words.extend(built)
        else:
            words.append(item)
        pc += 4 * (item.size if isinstance(item, _Ref) else 1)
    return words, labels


def run(config, *items, max_cycles=100_000, trace=True, setup=None):
    """Assemble, load at CODE_BASE, start and run; returns (emulator, result, labels)."""
    words, labels = assemble(*items)
    emu = Emulator(config)
    emu.write_mem(BASE, struct.pack(f"<{len(words)}I", *words))
    if setup:
        setup(emu)
    emu.enable_trace(trace)
    emu.start()
    return emu, emu.run(max_cycles), labels


def words_at(emu, addr, count):
    return list(struct.unpack(f"<{count}I", emu.read_mem(addr, 4 * count)))


def all_lanes(config):
    """Switch every lane of the warp on (two words)."""
    return [i("addi", T0, 0, -1), tmc(T0)]


def spawn_all(config, entry="entry"):
    """Warp 0 starts every other warp at ``entry`` and falls through to it."""
    return [li(A0, config.warps), LA(A1, entry), wspawn(A0, A1)]


def expect_fault(result, cause, pc, addr):
    assert result.status == RunStatus.FAULT
    assert (result.fault_cause, result.fault_pc, result.fault_addr) == (cause, pc, addr), \
        result.describe_fault()


def records_at(trace, pc):
    return trace[trace["pc"] == pc]


# -- encodings ----------------------------------------------------------------------------------------------

def test_encoder_matches_the_reference_examples():
    assert tmc(A0) == 0x0005000B
    assert wspawn(A0, A1) == 0x00B5100B
    assert split(A0, A0) == 0x0005250B
    assert join(A0) == 0x0005300B
    assert bar(A0, A1) == 0x00B5400B
    assert pred(A0, A1) == 0x00B5500B


# -- tmc ------------------------------------------------------------------------------------------------------

def test_reset_state_only_warp0_lane0():
    config = CONFIGS["4x4"]
    emu, result, _ = run(config, csrr(A0, CSR.ACTIVE_THREADS), csrr(A1, CSR.ACTIVE_WARPS), HALT)
    assert result.status == RunStatus.DONE
    assert emu.registers(0, 0)[A0] == 1 and emu.registers(0, 0)[A1] == 1
    assert emu.registers(0, 1)[A0] == 0                          # lane 1 never ran
    assert len(result.warps) == 4 and all(isinstance(w, WarpDump) for w in result.warps)
    assert [w.active for w in result.warps] == [False] * 4
    assert result.pcs == [BASE + 12, BASE, BASE, BASE]
    assert result.thread_instrs == result.instret == 3


def test_tmc_changes_the_mask_and_zero_retires_the_warp():
    config = CONFIGS["2x2"]
    program = [i("addi", T0, 0, 0xFF), tmc(T0),                  # only the 2 existing lanes count
               csrr(A0, CSR.THREAD_ID), csrr(A1, CSR.ACTIVE_THREADS),
               i("addi", T1, 0, 2), tmc(T1),                      # lane 1 only
               i("addi", A2, 0, 7), HALT, i("addi", A3, 0, 1)]
    emu, result, _ = run(config, *program)
    assert result.status == RunStatus.DONE
    assert [emu.registers(0, lane)[A0] for lane in (0, 1)] == [0, 1]
    assert [emu.registers(0, lane)[A1] for lane in (0, 1)] == [3, 3]
    assert [emu.registers(0, lane)[A2] for lane in (0, 1)] == [0, 7]     # lane 0 was off
    assert emu.registers(0, 1)[A3] == 0                                  # nothing after tmc 0
    trace = emu.trace()
    assert list(trace["tmask"]) == [1, 1, 3, 3, 3, 3, 2, 2]
    assert result.instret == 8
    assert result.thread_instrs == 1 + 1 + 4 * 2 + 1 + 1
    assert result.warps[0] == WarpDump(warp=0, pc=BASE + 32, tmask=0, active=False)


def test_tmc_operand_comes_from_the_last_active_lane():
    config = CONFIGS["4x4"]
    # lanes 0..3 hold t1 = 1 << lane; tmc t1 takes lane 3's value 0b1000
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("addi", T1, 0, 1), r("sll", T1, T1, A0),
               tmc(T1), csrr(A1, CSR.ACTIVE_THREADS), HALT]
    emu, result, _ = run(config, *program)
    assert result.status == RunStatus.DONE
    assert emu.registers(0, 3)[A1] == 0b1000
    assert emu.registers(0, 2)[A1] == 0


# -- wspawn --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["2x2", "4x4", "16x4"])
def test_wspawn_starts_warps_at_a_pc_with_lane0(name):
    config = CONFIGS[name]
    program = [li(A0, config.warps), LA(A1, "entry"), wspawn(A0, A1), HALT,
               "entry:", csrr(A2, CSR.WARP_ID), csrr(A3, CSR.ACTIVE_THREADS), i("slli", A4, A2, 3),
               li(A5, HEAP), r("add", A4, A4, A5), store("sw", A2, A4, 0), store("sw", A3, A4, 4), HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    data = words_at(emu, HEAP, 2 * config.warps)
    assert data[0:2] == [0, 0]                                   # warp 0 did not run the entry code
    for w in range(1, config.warps):
        assert data[2 * w:2 * w + 2] == [w, 1]                   # warp id, tmask = lane 0 only
    trace = emu.trace()
    spawned = trace[trace["warp"] > 0]
    assert set(spawned["warp"]) == set(range(1, config.warps))
    assert (spawned["tmask"] == 1).all()
    first = {int(w): int(spawned[spawned["warp"] == w]["pc"][0]) for w in range(1, config.warps)}
    assert set(first.values()) == {labels["entry"]}
    assert result.instret == len(trace)


def test_wspawn_count_one_spawns_nothing():
    config = CONFIGS["4x4"]
    emu, result, _ = run(config, i("addi", A0, 0, 1), LA(A1, "x"), wspawn(A0, A1), "x:", HALT)
    assert result.status == RunStatus.DONE
    assert set(emu.trace()["warp"]) == {0}
    assert result.cycles == result.instret == 5


def test_wspawn_waits_until_the_issuer_is_the_only_active_warp():
    config = CONFIGS["2x2"]
    program = [li(A0, 2), LA(A1, "worker"), wspawn(A0, A1),
               i("addi", A0, 0, 1), "again:", wspawn(A0, A1),     # count 1: waits for warp 1 to finish
               li(A5, HEAP), load("lw", A2, A5, 0), HALT,
               "worker:", i("addi", T0, 0, 20), "loop:", i("addi", T0, T0, -1), B("bne", T0, 0, "loop"),
               li(A5, HEAP), i("addi", T1, 0, 55), store("sw", T1, A5, 0), HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    assert emu.registers(0, 0)[A2] == 55                          # warp 1's store happened before
    trace = emu.trace()
    waits = records_at(trace, labels["again"])
    assert len(waits) == 1                                       # retired once, after warp 1 ended
    assert int(waits["cycle"][0]) > int(trace[trace["warp"] == 1]["cycle"].max())
    assert result.cycles > result.instret                        # the retries cost cycles


@pytest.mark.parametrize("count", [0, 3, 0xFFFF_FFFF])
def test_wspawn_count_out_of_range_faults(count):
    config = CONFIGS["2x2"]
    emu, result, _ = run(config, li(A0, count), LA(A1, "x"), wspawn(A0, A1), "x:", HALT)
    expect_fault(result, FaultCause.WSPAWN_RANGE, BASE + 16, count)
    assert result.instret == 4


# -- per-lane CSRs, loads and stores ----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CONFIGS))
def test_csr_ids_per_lane(name):
    config = CONFIGS[name]
    # every lane of every warp stores (mhartid, thread id, warp id, tmask) at HEAP + 16 * mhartid
    program = [spawn_all(config), "entry:", all_lanes(config),
               csrr(A0, CSR.MHARTID), csrr(A1, CSR.THREAD_ID), csrr(A2, CSR.WARP_ID),
               csrr(A3, CSR.ACTIVE_THREADS), csrr(A4, CSR.NUM_THREADS), csrr(T1, CSR.NUM_WARPS),
               i("slli", T0, A0, 4), li(A5, HEAP), r("add", T0, T0, A5),
               store("sw", A0, T0, 0), store("sw", A1, T0, 4), store("sw", A2, T0, 8), store("sw", A3, T0, 12),
               HALT]
    emu, result, _ = run(config, *program)
    assert result.status == RunStatus.DONE
    harts = config.warps * config.threads
    data = np.array(words_at(emu, HEAP, 4 * harts)).reshape(harts, 4)
    full = (1 << config.threads) - 1
    for w in range(config.warps):
        for lane in range(config.threads):
            hart = w * config.threads + lane
            assert list(data[hart]) == [hart, lane, w, full], (w, lane)
            assert emu.registers(w, lane)[A4] == config.threads
            assert emu.registers(w, lane)[T1] == config.warps
    assert result.thread_instrs == int(sum(bin(int(m)).count("1") for m in emu.trace()["tmask"]))


def test_active_warps_csr():
    config = CONFIGS["4x4"]
    program = [i("addi", A0, 0, 3), LA(A1, "w"), wspawn(A0, A1), "w:", csrr(A2, CSR.ACTIVE_WARPS), HALT]
    emu, result, _ = run(config, *program)
    assert result.status == RunStatus.DONE
    assert [emu.registers(w, 0)[A2] for w in range(3)] == [0b111] * 3


def test_per_lane_loads():
    config = CONFIGS["4x4"]
    values = [0x1111, 0x2222, 0x3333, 0x4444]
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("slli", A0, A0, 2), li(A5, HEAP),
               r("add", A0, A0, A5), load("lw", A2, A0, 0), HALT]
    emu, result, _ = run(config, *program,
                         setup=lambda emu: emu.write_mem(HEAP, struct.pack("<4I", *values)))
    assert result.status == RunStatus.DONE
    assert [emu.registers(0, lane)[A2] for lane in range(4)] == values
    record = emu.trace()[-2]
    assert list(record["data"]) == values and record["rd"] == A2


def test_memory_fault_reports_the_lowest_faulting_lane_and_nothing_is_stored():
    config = CONFIGS["4x4"]
    # lanes 0, 1 address the heap; lanes 2, 3 address 0x5000_0008 and up (unmapped)
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("slli", A1, A0, 2), li(A5, HEAP),
               i("sltiu", T1, A0, 2), i("addi", T1, T1, -1),           # lanes 0,1: 0; lanes 2,3: -1
               li(T0, 0x5000_0000 - HEAP), r("and", T1, T1, T0), r("add", A5, A5, T1),
               r("add", A1, A1, A5), i("addi", A2, 0, 9), "st:", store("sw", A2, A1, 0), HALT]
    emu, result, labels = run(config, *program)
    expect_fault(result, FaultCause.STORE_ACCESS, labels["st"], 0x5000_0000 + 8)
    assert words_at(emu, HEAP, 2) == [0, 0]                        # no lane stored
    assert result.pcs[0] == labels["st"]


def test_misaligned_lane_is_reported_even_if_a_lower_lane_is_unmapped_later():
    config = CONFIGS["2x2"]
    # lane 0: HEAP + 2 (misaligned), lane 1: 0x10 (unmapped): the lowest lane's fault wins
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), li(A1, HEAP + 2), li(T0, 0x10 - HEAP - 2),
               r("mul", T0, T0, A0), r("add", A1, A1, T0), "ld:", load("lw", A2, A1, 0), HALT]
    emu, result, labels = run(config, *program)
    expect_fault(result, FaultCause.LOAD_MISALIGNED, labels["ld"], HEAP + 2)


def test_branch_and_jalr_go_per_lane():
    config = CONFIGS["4x4"]
    # lanes 0..2 have a0 < 3 and take bltu a0, 3; lane 3 falls through; jalr sends lane l to "t<l>"
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("addi", T1, 0, 3),
               B("bltu", A0, T1, "skip"), i("addi", A2, 0, 1), "skip:",
               LA(A3, "t0"), i("slli", T0, A0, 3), r("add", A3, A3, T0), jalr(1, A3, 0),
               "t0:", i("addi", A4, 0, 10), J("end"), "t1:", i("addi", A4, 0, 11), J("end"),
               "t2:", i("addi", A4, 0, 12), J("end"), "t3:", i("addi", A4, 0, 13), J("end"),
               "end:", HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    assert [emu.registers(0, lane)[A2] for lane in range(4)] == [0, 0, 0, 1]
    assert [emu.registers(0, lane)[A4] for lane in range(4)] == [10, 11, 12, 13]
    trace = emu.trace()
    # min-PC: lane 3 alone runs the fall-through first (lower PC), the lanes rejoin at "skip";
    # after jalr each lane runs its target in PC order and all four reconverge at "end"
    masks = {label: [int(rec["tmask"]) for rec in trace if rec["pc"] == labels[label]]
             for label in ("skip", "t0", "t1", "t2", "t3", "end")}
    assert masks == {"skip": [0xF], "t0": [1], "t1": [2], "t2": [4], "t3": [8], "end": [0xF]}
    assert [int(rec["tmask"]) for rec in trace if rec["pc"] == labels["skip"] - 4] == [8]


def test_simt_instruction_waits_for_deferred_lanes():
    config = CONFIGS["4x4"]
    # lanes 0, 1 branch back to "sync" (a lower PC) while lanes 2, 3 still loop: their tmc must
    # wait (park) until every lane arrives, then run once with all four lanes (Vortex's pattern of
    # leaving a spawn with "tmc 1" after divergent work)
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("addi", T1, 0, 2), J("start"),
               "sync:", i("addi", T0, 0, 1), "tmc:", tmc(T0), i("addi", A4, 0, 7), HALT,
               "start:", B("bltu", A0, T1, "sync"), i("addi", A3, 0, 5),
               "loop:", i("addi", A2, A2, 1), i("addi", A3, A3, -1), B("bne", A3, 0, "loop"),
               J("sync")]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    assert [emu.registers(0, lane)[A2] for lane in range(4)] == [0, 0, 5, 5]
    assert [emu.registers(0, lane)[A4] for lane in range(4)] == [7, 0, 0, 0]
    tmcs = [int(rec["tmask"]) for rec in emu.trace() if rec["pc"] == labels["tmc"]]
    assert tmcs == [0xF]


def test_divergent_jalr_misaligned_target_reports_the_lowest_lane():
    config = CONFIGS["4x4"]
    # lane l jumps to "t" + 4 * l + (l >= 2) * 2: lanes 2 and 3 are misaligned, lane 2 is reported
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), LA(A3, "t"), i("slli", T0, A0, 2),
               r("add", A3, A3, T0), i("sltiu", T1, A0, 2), i("xori", T1, T1, 1),
               i("slli", T1, T1, 1), r("add", A3, A3, T1), "jr:", jalr(0, A3, 0),
               "t:", HALT, HALT, HALT, HALT]
    emu, result, labels = run(config, *program)
    expect_fault(result, FaultCause.INSN_MISALIGNED, labels["jr"], labels["t"] + 10)


# -- split / join ---------------------------------------------------------------------------------------------

def _if_else(cond_lanes_below):
    """a3 := 100 on lanes < cond_lanes_below, 200 elsewhere, through split/branch/join; store per lane."""
    return [all_lanes(CONFIGS["4x4"]), csrr(A0, CSR.THREAD_ID), i("sltiu", A1, A0, cond_lanes_below),
            "split:", split(A2, A1), B("beq", A1, 0, "else"),
            "then:", i("addi", A3, 0, 100), J("join"),
            "else:", i("addi", A3, 0, 200),
            "join:", join(A2), "after:", csrr(A4, CSR.ACTIVE_THREADS),
            i("slli", T0, A0, 2), li(A5, HEAP), r("add", T0, T0, A5), store("sw", A3, T0, 0), HALT]


@pytest.mark.parametrize("below,first", [(2, "then"), (1, "then"), (3, "else")])
def test_split_join_runs_both_sides_with_their_masks(below, first):
    config = CONFIGS["4x4"]
    emu, result, labels = run(config, *_if_else(below))
    assert result.status == RunStatus.DONE
    assert words_at(emu, HEAP, 4) == [100 if lane < below else 200 for lane in range(4)]
    then_mask, else_mask = (1 << below) - 1, 0b1111 & ~((1 << below) - 1)
    trace = emu.trace()
    assert list(records_at(trace, labels["then"])["tmask"]) == [then_mask]
    assert list(records_at(trace, labels["else"])["tmask"]) == [else_mask]
    # the side with fewer lanes (then on a tie) runs first
    then_cycle = int(records_at(trace, labels["then"])["cycle"][0])
    else_cycle = int(records_at(trace, labels["else"])["cycle"][0])
    assert (then_cycle < else_cycle) == (first == "then")
    # split wrote the token 0 to every lane; join ran twice (else entry, then restore entry)
    split_rec = records_at(trace, labels["split"])
    assert split_rec["rd"][0] == A2 and list(split_rec["data"][0]) == [0, 0, 0, 0]
    joins = records_at(trace, labels["join"])
    assert len(joins) == 2
    assert list(joins["tmask"]) == ([then_mask, else_mask] if first == "then" else [else_mask, then_mask])
    assert list(records_at(trace, labels["after"])["tmask"]) == [0b1111]     # full mask restored
    assert [emu.registers(0, lane)[A4] for lane in range(4)] == [0b1111] * 4


def test_nested_split_join():
    config = CONFIGS["4x4"]
    # a3 = 10 * bit0(lane) + bit1(lane), computed in nested divergent regions
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("andi", A1, A0, 1), i("srli", T1, A0, 1),
               i("addi", A3, 0, 0),
               "outer:", split(A2, A1), B("beq", A1, 0, "o_else"),
               i("addi", A3, A3, 10),
               "inner:", split(A4, T1), B("beq", T1, 0, "i_else"),
               i("addi", A3, A3, 1), J("i_join"),
               "i_else:", NOP_,
               "i_join:", join(A4), J("o_join"),
               "o_else:", "inner2:", split(A4, T1), B("beq", T1, 0, "i2_join"),
               i("addi", A3, A3, 1),
               "i2_join:", join(A4),
               "o_join:", join(A2), "after:", csrr(A5, CSR.ACTIVE_THREADS), HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    assert [emu.registers(0, lane)[A3] for lane in range(4)] == [0, 10, 1, 11]
    assert [emu.registers(0, lane)[A2] for lane in range(4)] == [0] * 4       # outer token
    # inner tokens: the then side (lanes 1, 3; runs first) splits at depth 2; the else side runs after the
    # outer else entry was popped, so it splits at depth 1
    assert [emu.registers(0, lane)[A4] for lane in range(4)] == [1, 2, 1, 2]
    trace = emu.trace()
    assert list(records_at(trace, labels["after"])["tmask"]) == [0b1111]
    inner = records_at(trace, labels["inner"])
    assert list(inner["tmask"]) == [0b1010]
    assert [emu.registers(0, lane)[A5] for lane in range(4)] == [0b1111] * 4


def test_uniform_split_pushes_nothing():
    config = CONFIGS["4x4"]
    program = [all_lanes(config), i("addi", A1, 0, 1),
               "s1:", split(A2, A1),                     # uniformly true
               "s2:", split(A3, 0),                      # uniformly false
               "s3:", split(A4, A1, negate=True),        # split.n: uniformly false
               join(A2), join(A3), "after:", csrr(A5, CSR.ACTIVE_THREADS), HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    for lane in range(4):
        regs = emu.registers(0, lane)
        assert (regs[A2], regs[A3], regs[A4], regs[A5]) == (0, 0, 0, 0b1111)
    assert all(emu.trace()["tmask"][2:] == 0b1111)             # no split changed the mask


def test_split_n_negates_the_predicate():
    config = CONFIGS["4x4"]
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("sltiu", A1, A0, 1),
               split(A2, A1, negate=True), "first:", csrr(A3, CSR.ACTIVE_THREADS), join(A2),
               csrr(A4, CSR.ACTIVE_THREADS), join(A2), HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    # taken = !(lane < 1) = lanes 1..3 (3 lanes), else = lane 0 (1 lane): lane 0 runs first
    assert list(records_at(emu.trace(), labels["first"])["tmask"]) == [0b0001, 0b1110]
    assert emu.registers(0, 0)[A3] == 0b0001 and emu.registers(0, 3)[A3] == 0b1110


def test_ipdom_overflow_faults():
    config = CONFIGS["2x2"]                                    # depth 2: one divergent region
    assert config.ipdom_depth == 2
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), split(A2, A0), i("addi", T0, 0, 3), tmc(T0),
               "second:", split(A3, A0), HALT]
    emu, result, labels = run(config, *program)
    expect_fault(result, FaultCause.IPDOM_OVERFLOW, labels["second"], 2)
    assert result.warps[0].tmask == 0b11                        # the faulting split changed nothing


def test_join_without_split_faults():
    config = CONFIGS["4x4"]
    program = [i("addi", A0, 0, 0), join(A0), i("addi", A0, 0, 1), "bad:", join(A0), HALT]
    emu, result, labels = run(config, *program)
    expect_fault(result, FaultCause.JOIN_WITHOUT_SPLIT, labels["bad"], 1)
    assert result.instret == 3                                  # join with token == sp is a no-op


# -- pred ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("negate,below,expected", [
    (False, 2, 0b0011), (True, 2, 0b1100), (False, 0, 0b0101), (True, 4, 0b0101),
])
def test_pred(negate, below, expected):
    config = CONFIGS["4x4"]
    # rs2 (the fallback mask 0b0101) applies when no lane's condition holds
    program = [all_lanes(config), csrr(A0, CSR.THREAD_ID), i("sltiu", A1, A0, below), i("addi", A2, 0, 0b0101),
               pred(A1, A2, negate=negate), "after:", csrr(A3, CSR.ACTIVE_THREADS), HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    assert list(records_at(emu.trace(), labels["after"])["tmask"]) == [expected]
    assert [emu.registers(0, lane)[A3] for lane in range(4)] == \
        [expected if expected >> lane & 1 else 0 for lane in range(4)]


def test_pred_only_narrows_the_current_mask():
    config = CONFIGS["4x4"]
    program = [i("addi", T0, 0, 0b0110), tmc(T0), i("addi", A1, 0, 1), pred(A1, 0), "after:", HALT]
    emu, result, labels = run(config, *program)
    assert list(records_at(emu.trace(), labels["after"])["tmask"]) == [0b0110]


# -- barriers -------------------------------------------------------------------------------------------------

def test_barrier_makes_two_warps_meet():
    config = CONFIGS["2x2"]
    program = [li(A0, 2), LA(A1, "entry"), wspawn(A0, A1), "entry:", csrr(A2, CSR.WARP_ID), li(A5, HEAP),
               B("beq", A2, 0, "wait"),
               # warp 1: a long loop, then publish 77
               i("addi", T0, 0, 30), "loop:", i("addi", T0, T0, -1), B("bne", T0, 0, "loop"),
               i("addi", T1, 0, 77), store("sw", T1, A5, 0),
               "wait:", i("addi", A3, 0, 0), i("addi", A4, 0, 2), "bar:", bar(A3, A4),
               "after:", load("lw", A0, A5, 0), HALT]
    emu, result, labels = run(config, *program)
    assert result.status == RunStatus.DONE
    assert emu.registers(0, 0)[A0] == 77 and emu.registers(1, 0)[A0] == 77
    trace = emu.trace()
    bars = records_at(trace, labels["bar"])
    assert sorted(bars["warp"]) == [0, 1]
    last_arrival = int(bars["cycle"].max())
    assert (records_at(trace, labels["after"])["cycle"] > last_arrival).all()
    assert result.cycles == result.instret                     # waiting warps do not cost steps


def test_barrier_with_n_one_or_zero_is_a_no_op():
    config = CONFIGS["4x4"]
    program = [i("addi", A3, 0, 1), i("addi", A4, 0, 1), bar(A3, A4), bar(A3, 0), i("addi", A2, 0, 5), HALT]
    emu, result, _ = run(config, *program)
    assert result.status == RunStatus.DONE
    assert emu.registers()[A2] == 5


def test_barrier_global_bit_is_treated_as_local():
    config = CONFIGS["2x2"]
    program = [li(A3, 0x8000_0001), i("addi", A4, 0, 1), bar(A3, A4), HALT]
    assert run(config, *program)[1].status == RunStatus.DONE


@pytest.mark.parametrize("bid,n,addr", [(2, 2, 2), (0, 3, 0), (0x8000_0005, 1, 5)])
def test_barrier_out_of_range_faults(bid, n, addr):
    config = CONFIGS["2x2"]                                     # num_barriers = 2, warps = 2
    program = [li(A3, bid), li(A4, n), "bar:", bar(A3, A4), HALT]
    emu, result, labels = run(config, *program)
    expect_fault(result, FaultCause.BARRIER_RANGE, labels["bar"], addr)


def test_barrier_deadlock_ends_in_the_watchdog_with_a_dump():
    config = CONFIGS["4x4"]
    # warps 0..2 each wait at barrier (warp id) for 2 warps: nobody ever joins them
    program = [i("addi", A0, 0, 3), LA(A1, "entry"), wspawn(A0, A1), "entry:", csrr(A3, CSR.WARP_ID),
               i("addi", A4, 0, 2), "bar:", bar(A3, A4), HALT]
    emu, result, labels = run(config, *program, max_cycles=500)
    assert result.status == RunStatus.WATCHDOG
    assert result.cycles == 500
    assert result.instret == 4 + 3 * 3                          # wspawn prologue + 3 warps x 3
    dumps = result.warps
    assert [d.barrier for d in dumps] == [0, 1, 2, None]
    assert [d.active for d in dumps] == [True, True, True, False]
    assert all(d.pc == labels["bar"] + 4 for d in dumps[:3])
    assert "waiting at barrier 1" in str(dumps[1])
    again = emu.run(100)                                        # still stuck, resumable
    assert again.status == RunStatus.WATCHDOG and again.cycles == 600


# -- trace -----------------------------------------------------------------------------------------------------

def test_trace_records_tmask_and_per_lane_data():
    config = CONFIGS["4x4"]
    program = [i("addi", T0, 0, 0b1011), tmc(T0), csrr(A0, CSR.THREAD_ID), store("sw", A0, 0, 0x48), HALT]
    emu, result, _ = run(config, *program)
    trace = emu.trace()
    assert trace.dtype == trace_dtype(4)
    assert list(trace["cycle"]) == [0, 1, 2, 3, 4]
    assert list(trace["tmask"]) == [1, 1, 0b1011, 0b1011, 0b1011]
    assert list(trace["data"][0]) == [0b1011, 0, 0, 0]
    assert list(trace["data"][2]) == [0, 1, 0, 3]               # lane 2 is off: 0
    assert trace["rd"][2] == A0
    assert not trace["data"][3].any() and trace["rd"][3] == 0   # a store writes no register
    assert len(emu.trace()) == 0                                # trace() drains
    assert "tmask=0xb x10=[0:0x00000000 1:0x00000001 3:0x00000003]" in format_record(trace[2])


def test_round_robin_interleaves_warps():
    config = CONFIGS["4x4"]
    program = [i("addi", A0, 0, 4), LA(A1, "entry"), wspawn(A0, A1), "entry:", NOP_, NOP_, NOP_, HALT]
    emu, result, _ = run(config, *program)
    trace = emu.trace()
    assert list(trace["warp"][:4]) == [0] * 4                   # addi, la (2 words), wspawn
    # after warp 0 issued the wspawn, the next warp is warp 1, then 2, 3, 0, ...
    assert list(trace["warp"][4:12]) == [1, 2, 3, 0, 1, 2, 3, 0]
    assert list(trace["cycle"]) == list(range(len(trace)))


# -- lock-step per warp ---------------------------------------------------------------------------------------

def _simt_trace():
    config = CONFIGS["4x4"]
    program = [spawn_all(config), "entry:", all_lanes(config), csrr(A0, CSR.MHARTID),
               i("addi", A1, A0, 100), r("mul", A2, A1, A0), HALT]
    emu, result, _ = run(config, *program)
    assert result.status == RunStatus.DONE
    return emu.trace()


def test_lockstep_identical_traces_match():
    assert compare_traces(_simt_trace(), _simt_trace()) is None


def test_lockstep_changed_lane_value_names_warp_and_lane():
    expected, actual = _simt_trace(), _simt_trace()
    rows = np.flatnonzero((actual["warp"] == 2) & (actual["rd"] == A1))
    actual["data"][rows[0], 3] += 1
    div = compare_traces(expected, actual)
    assert (div.warp, div.lane, div.fields) == (2, 3, ("data",))
    assert div.cycle == int(expected[rows[0]]["cycle"])
    text = str(div)
    assert "warp 2" in text and "lane 3" in text and "x11" in text


def test_lockstep_ignores_warp_interleaving_and_unused_lanes():
    expected = _simt_trace()
    reordered = expected[np.argsort(expected["warp"], kind="stable")].copy()
    reordered["cycle"] = np.arange(len(reordered)) * 3           # a different clock
    reordered["data"][reordered["rd"] == 0] = 0xDEAD              # data of records without rd
    assert compare_traces(expected, reordered) is None
    masked = expected.copy()
    lane_off = np.flatnonzero(masked["tmask"] == 1)
    masked["data"][lane_off, 2] = 0xBEEF                          # lanes outside tmask
    assert compare_traces(expected, masked) is None


def test_lockstep_reports_the_earliest_divergence_among_warps():
    expected = _simt_trace()
    actual = expected.copy()
    late = np.flatnonzero(actual["warp"] == 1)[-1]
    early = np.flatnonzero(actual["warp"] == 3)[0]
    assert expected["cycle"][early] < expected["cycle"][late]
    actual["pc"][late] += 4
    actual["tmask"][early] = 0b0111
    div = compare_traces(expected, actual)
    assert (div.warp, div.fields) == (3, ("tmask",))
    assert "thread masks" in div.explanation()


def test_lockstep_missing_warp_stream():
    expected = _simt_trace()
    actual = expected[expected["warp"] != 2]
    div = compare_traces(expected, actual, names=("emu", "rtl"))
    assert div.warp == 2 and div.fields == ("length",) and div.index == 0
    assert "the rtl trace ends after 0 records of warp 2" in str(div)


def test_make_trace_keyword_rows():
    trace = make_trace([dict(pc=BASE, insn=0x13, rd=10, data=[1, 2, 3, 4], warp=1, tmask=0b0101),
                        dict(pc=BASE + 4, insn=0x13, rd=11, data=7, tmask=0b0011),
                        dict(pc=BASE + 8, insn=0x13, cycle=40)], threads=4)
    assert trace.dtype == trace_dtype(4)
    assert list(trace["warp"]) == [1, 0, 0] and list(trace["cycle"]) == [0, 1, 40]
    assert list(trace["data"][0]) == [1, 2, 3, 4]
    assert list(trace["data"][1]) == [7, 7, 0, 0]
    assert trace["tmask"][2] == 0b1111
    with pytest.raises(ValueError):
        make_trace([dict(pc=0, insn=0, data=[1, 2])], threads=4)
