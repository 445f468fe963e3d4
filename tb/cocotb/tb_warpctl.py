"""cocotb tests of the warp control unit (``rtl/core/simt.py``, ``WarpControl``): thread masks, active
warps, IPDOM stacks, barriers and the custom-0 instructions, against docs/simt.md.

Run by ``tb/cocotb/test_cocotb.py::test_warpctl`` on ``WarpControl(warps=4, threads=4,
ipdom_depth=6, barriers=4)``; the shape is read back from the port widths. Every test resets, pulses
``start`` and then plays the execute stage: :func:`execute` drives one instruction at a falling
edge, samples the combinational outputs (``result``, ``spawn_wait``, ``fault*``, ``next_pc``, ``stop``,
``spawn*``) once they settle, and with ``commit`` lets the state change at the next rising edge.
:func:`state` reads the per-warp state (``tmask``, ``active``, ``waiting``, ``barrier_id``) at the
next falling edge. ``tmask`` and ``barrier_id`` are flat vectors in Verilog: warp ``w`` owns bits
``[threads*w, threads*(w+1))`` and ``[8*w, 8*w+8)``.

The stack pointer is not a port; a split's ``result`` (the depth before the split) and the masks and
PCs that joins restore make it observable. :func:`flow` plays a non-SIMT instruction (a branch or
jump with a next PC per lane) for the min-PC regrouping.
"""

from dataclasses import dataclass

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from simtlab.rtl.core.simt import SimtOp
from simtlab.spec.status import FaultCause

PERIOD_NS = 10
PC = 0x8000_0100
DEPTH = 6        # ipdom_depth of the built DUT (not visible on a port)
BARRIERS = 4     # barriers of the built DUT
CORES = 2        # cores of the cluster the built DUT believes it is in (global barrier counts)


@dataclass
class Out:
    result: int
    spawn_wait: int
    fault: int
    cause: int
    addr: int
    next_pc: int
    stop: int
    spawn: int
    spawn_pc: int
    arrive: int     # gbar__arrive: the core arrives at global barrier gbar__id


@dataclass
class State:
    tmask: list
    active: int
    waiting: int
    barrier_id: list


def shape(dut):
    warps = len(dut.active)
    return warps, len(dut.tmask) // warps


def _idle(dut):
    for name in ("valid", "simt", "commit", "lane_next", "op", "warp", "pc", "negate", "cond", "a",
                 "b"):
        getattr(dut, name).value = 0


async def setup(dut, *, launch=True):
    """Clock, reset (inputs idle) and, with ``launch``, one ``start`` pulse."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    _idle(dut)
    dut.start.value = 0
    dut.rst.value = 1
    for _ in range(2):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    if launch:
        await pulse_start(dut)


async def pulse_start(dut):
    await FallingEdge(dut.clk)
    dut.start.value = 1
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.start.value = 0


async def execute(dut, op, warp=0, *, a=0, b=0, cond=0, negate=0, pc=PC, commit=True):
    """Hold one custom-0 instruction in execute for a cycle; returns the outputs it produced."""
    await FallingEdge(dut.clk)
    dut.valid.value = 1
    dut.simt.value = 1
    dut.commit.value = int(commit)
    dut.op.value = int(op.value if isinstance(op, SimtOp) else op)
    dut.warp.value = warp
    dut.pc.value = pc
    dut.negate.value = negate
    dut.cond.value = cond
    dut.a.value = a & 0xFFFF_FFFF
    dut.b.value = b & 0xFFFF_FFFF
    await ReadOnly()
    out = Out(*(int(getattr(dut, name).value) for name in
                ("result", "spawn_wait", "fault", "fault_cause", "fault_addr", "next_pc", "stop", "spawn",
                 "spawn_pc", "gbar__arrive")))
    await RisingEdge(dut.clk)
    _idle(dut)
    return out


async def flow(dut, next_pcs, warp=0, *, pc=PC):
    """Commit one non-SIMT instruction at ``pc`` whose lanes go on at ``next_pcs`` (one per lane);
    returns ``(hold, next_pc, redirect)`` as warp control computed them."""
    _, threads = shape(dut)
    await FallingEdge(dut.clk)
    dut.valid.value = 1
    dut.commit.value = 1
    dut.warp.value = warp
    dut.pc.value = pc
    dut.lane_next.value = sum(p << (32 * lane) for lane, p in enumerate(next_pcs))
    await ReadOnly()
    out = int(dut.hold.value), int(dut.next_pc.value), int(dut.redirect.value)
    await RisingEdge(dut.clk)
    _idle(dut)
    return out


async def state(dut):
    warps, threads = shape(dut)
    await FallingEdge(dut.clk)
    await ReadOnly()
    tmask, bar = int(dut.tmask.value), int(dut.barrier_id.value)
    return State([(tmask >> (threads * w)) & ((1 << threads) - 1) for w in range(warps)],
                 int(dut.active.value), int(dut.waiting.value),
                 [(bar >> (8 * w)) & 0xFF for w in range(warps)])


async def spawn_all(dut, pc=PC + 0x100):
    """warp 0 (alone) spawns every warp; returns the wspawn's outputs."""
    warps, _ = shape(dut)
    return await execute(dut, SimtOp.WSPAWN, 0, a=warps, b=pc)


def assert_no_fault(out, what):
    assert not out.fault, f"{what}: unexpected fault, cause {out.cause} addr {out.addr:#x}"


@cocotb.test()
async def start_state(dut):
    """Reset alone leaves nothing active; ``start`` activates warp 0 with tmask 1; a second ``start``
    after activity restores exactly that state (masks, stacks, barriers)."""
    warps, threads = shape(dut)
    assert (warps, threads) == (4, 4), f"built for 4x4, got {warps}x{threads}"
    await setup(dut, launch=False)
    s = await state(dut)
    assert s.active == 0 and s.waiting == 0, s
    await pulse_start(dut)
    s = await state(dut)
    assert s.active == 0b0001 and s.waiting == 0, s
    assert s.tmask == [1, 0, 0, 0], s
    # make a mess: all warps, full masks, a pushed split, a waiting warp
    await spawn_all(dut)
    await execute(dut, SimtOp.TMC, 0, a=0xF)
    assert (await execute(dut, SimtOp.SPLIT, 0, cond=0b0001)).result == 0
    await execute(dut, SimtOp.BAR, 1, a=1, b=3)
    s = await state(dut)
    assert s.active == 0b1111 and s.waiting == 0b0010 and s.tmask == [0b0001, 1, 1, 1], s
    await pulse_start(dut)
    s = await state(dut)
    assert (s.active, s.waiting, s.tmask) == (0b0001, 0, [1, 0, 0, 0]), s
    assert s.barrier_id == [0] * warps, s
    out = await execute(dut, SimtOp.SPLIT, 0, cond=1, commit=False)
    assert out.result == 0, f"start must empty the IPDOM stack: sp {out.result}"
    # the barrier count was cleared too: one arrival of n=2 waits instead of releasing
    await spawn_all(dut)
    await execute(dut, SimtOp.BAR, 2, a=1, b=2)
    assert (await state(dut)).waiting == 0b0100


@cocotb.test()
async def tmc_masks_and_retire(dut):
    """tmc sets the warp's mask to rs1 & full; a zero mask raises ``stop`` and clears the active bit."""
    await setup(dut)
    out = await execute(dut, SimtOp.TMC, 0, a=0b1011)
    assert_no_fault(out, "tmc")
    assert out.stop == 0 and out.next_pc == PC + 4, out
    s = await state(dut)
    assert s.tmask[0] == 0b1011 and s.active == 1, s
    out = await execute(dut, SimtOp.TMC, 0, a=0xFFFF_FFF6)          # upper bits dropped
    assert out.stop == 0
    assert (await state(dut)).tmask[0] == 0b0110
    # a mask with only bits above the lanes is empty
    out = await execute(dut, SimtOp.TMC, 0, a=0x30, commit=False)
    assert out.stop == 1, "tmc 0x30 on 4 lanes is an empty mask: stop"
    assert (await state(dut)).active == 1, "without commit nothing changes"
    # spawn, then retire warps one by one
    await execute(dut, SimtOp.TMC, 0, a=1)
    await spawn_all(dut)
    for w, left in ((2, 0b1011), (0, 0b1010), (3, 0b0010), (1, 0)):
        out = await execute(dut, SimtOp.TMC, w, a=0)
        assert out.stop == 1, f"tmc x0 of warp {w}: stop {out.stop}"
        s = await state(dut)
        assert s.active == left and s.tmask[w] == 0, f"after warp {w} retired: {s}"


@cocotb.test()
async def wspawn(dut):
    """wspawn waits while other warps are active, starts warps 1..n-1 (not the issuer) at rs2 with
    tmask 1, and faults (cause 27, address = count) for 0 and counts above ``warps``."""
    warps, _ = shape(dut)
    await setup(dut)
    target = 0x8000_0400
    out = await execute(dut, SimtOp.WSPAWN, 0, a=warps, b=target, commit=False)
    assert (out.spawn_wait, out.fault, out.spawn) == (0, 0, 0), f"no commit: {out}"
    out = await execute(dut, SimtOp.WSPAWN, 0, a=warps, b=target)
    assert_no_fault(out, "wspawn 4")
    assert out.spawn_wait == 0 and out.spawn == 0b1110 and out.spawn_pc == target, out
    assert out.next_pc == PC + 4
    s = await state(dut)
    assert s.active == 0b1111 and s.tmask == [1, 1, 1, 1], s
    # now the others are active: a wspawn must wait (only while valid)
    out = await execute(dut, SimtOp.WSPAWN, 0, a=2, b=target, commit=False)
    assert out.spawn_wait == 1, "wspawn with other warps active must wait"
    await FallingEdge(dut.clk)
    dut.op.value = SimtOp.WSPAWN.value
    dut.warp.value = 0
    dut.a.value = 2
    dut.valid.value = 0
    await ReadOnly()
    assert int(dut.spawn_wait.value) == 0, "wait without valid"
    await RisingEdge(dut.clk)
    _idle(dut)
    # counts out of range fault, wherever they come from
    for count in (0, warps + 1, 32, 0x8000_0000):
        out = await execute(dut, SimtOp.WSPAWN, 0, a=count, b=target, commit=False)
        assert out.fault == 1 and out.cause == FaultCause.WSPAWN_RANGE and out.addr == count, \
            f"wspawn {count}: {out}"
    out = await execute(dut, SimtOp.WSPAWN, 0, a=warps, commit=False)
    assert out.fault == 0
    # warp 2 alone: wspawn 3 starts warp 1 only (warp 0 is never spawned, nor the issuer)
    for w in (0, 1, 3):
        await execute(dut, SimtOp.TMC, w, a=0)
    await execute(dut, SimtOp.TMC, 2, a=0b0110)
    assert (await state(dut)).active == 0b0100
    out = await execute(dut, SimtOp.WSPAWN, 2, a=3, b=target + 8)
    assert out.spawn_wait == 0 and out.spawn == 0b0010 and out.spawn_pc == target + 8, out
    s = await state(dut)
    assert s.active == 0b0110 and s.tmask[1] == 1 and s.tmask[2] == 0b0110, s
    # wspawn 1 spawns nothing
    await execute(dut, SimtOp.TMC, 1, a=0)
    out = await execute(dut, SimtOp.WSPAWN, 2, a=1, b=target)
    assert_no_fault(out, "wspawn 1")
    assert out.spawn == 0 and (await state(dut)).active == 0b0100


@cocotb.test()
async def split_and_join(dut):
    """Divergent split: rd = old sp, tmask = the smaller side (then on a tie), two entries pushed;
    join pops the else entry (jump to split pc + 4, other side) then the restore entry (full mask,
    fall through); join at sp is a no-op; a token above sp faults (cause 25)."""
    await setup(dut)
    split_pc, join_pc = PC + 0x10, PC + 0x40
    await execute(dut, SimtOp.TMC, 0, a=0xF)
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0b0001, pc=split_pc)
    assert_no_fault(out, "split")
    assert out.result == 0 and out.next_pc == split_pc + 4 and out.stop == 0, out
    assert (await state(dut)).tmask[0] == 0b0001, "then side (1 lane) runs first"
    # nested: the result shows the depth 2, and this split of one lane is uniform
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0b0001, pc=split_pc + 8, commit=False)
    assert out.result == 2, f"sp after one divergent split: {out.result}, want 2"
    # join with the token: else entry first
    out = await execute(dut, SimtOp.JOIN, 0, a=0, pc=join_pc)
    assert_no_fault(out, "join 1")
    assert out.next_pc == split_pc + 4, f"else entry: next_pc {out.next_pc:#x}, want split pc + 4"
    assert (await state(dut)).tmask[0] == 0b1110
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0, commit=False)
    assert out.result == 1, f"sp after the first join: {out.result}, want 1"
    # then the restore entry
    out = await execute(dut, SimtOp.JOIN, 0, a=0, pc=join_pc + 0x20)
    assert_no_fault(out, "join 2")
    assert out.next_pc == join_pc + 0x24, f"restore entry falls through: {out.next_pc:#x}"
    assert (await state(dut)).tmask[0] == 0b1111
    # token == sp: nothing
    out = await execute(dut, SimtOp.JOIN, 0, a=0, pc=join_pc)
    assert_no_fault(out, "join at sp")
    assert out.next_pc == join_pc + 4 and (await state(dut)).tmask[0] == 0b1111
    # token > sp: fault 25 with the token as address
    for token in (1, 7, 0xFFFF_FFFF):
        out = await execute(dut, SimtOp.JOIN, 0, a=token, commit=False)
        assert out.fault == 1 and out.cause == FaultCause.JOIN_WITHOUT_SPLIT and out.addr == token, \
            f"join {token} at sp 0: {out}"
    # the else side is the smaller one: tmask 0b1110 then... cond 0b0111 -> else {3} first
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0b0111, pc=split_pc)
    assert out.result == 0
    assert (await state(dut)).tmask[0] == 0b1000, "else side (1 lane) runs first"
    out = await execute(dut, SimtOp.JOIN, 0, a=0, pc=join_pc)
    assert out.next_pc == split_pc + 4 and (await state(dut)).tmask[0] == 0b0111
    await execute(dut, SimtOp.JOIN, 0, a=0, pc=join_pc)
    assert (await state(dut)).tmask[0] == 0b1111
    # lanes outside tmask do not count: tmask 0111, cond 1001 -> then {0}, else {1, 2}
    await execute(dut, SimtOp.TMC, 0, a=0b0111)
    await execute(dut, SimtOp.SPLIT, 0, cond=0b1001, pc=split_pc)
    assert (await state(dut)).tmask[0] == 0b0001
    await execute(dut, SimtOp.JOIN, 0, a=0)
    assert (await state(dut)).tmask[0] == 0b0110
    await execute(dut, SimtOp.JOIN, 0, a=0)
    assert (await state(dut)).tmask[0] == 0b0111


@cocotb.test()
async def uniform_split_and_negate(dut):
    """Uniform splits (all lanes agree) push nothing; split.n (negate) flips the condition."""
    await setup(dut)
    await execute(dut, SimtOp.TMC, 0, a=0xF)
    for cond in (0b1111, 0b0000):
        for negate in (0, 1):
            out = await execute(dut, SimtOp.SPLIT, 0, cond=cond, negate=negate)
            assert_no_fault(out, "uniform split")
            assert out.result == 0 and out.next_pc == PC + 4, out
            assert (await state(dut)).tmask[0] == 0b1111
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0, commit=False)
    assert out.result == 0, f"uniform splits pushed: sp {out.result}"
    # a tie: split runs the then side first ...
    await execute(dut, SimtOp.SPLIT, 0, cond=0b0011)
    assert (await state(dut)).tmask[0] == 0b0011
    await execute(dut, SimtOp.JOIN, 0, a=0)
    assert (await state(dut)).tmask[0] == 0b1100
    await execute(dut, SimtOp.JOIN, 0, a=0)
    # ... and split.n, whose then side is the lanes with bit 0 clear
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0b0011, negate=1)
    assert out.result == 0
    assert (await state(dut)).tmask[0] == 0b1100, "split.n: then side = lanes with cond 0"
    await execute(dut, SimtOp.JOIN, 0, a=0)
    assert (await state(dut)).tmask[0] == 0b0011
    await execute(dut, SimtOp.JOIN, 0, a=0)
    assert (await state(dut)).tmask[0] == 0b1111
    # split.n with 1 lane of 4 true: then = 3 lanes, else = lane 0 runs first
    await execute(dut, SimtOp.SPLIT, 0, cond=0b0001, negate=1)
    assert (await state(dut)).tmask[0] == 0b0001


@cocotb.test()
async def ipdom_overflow(dut):
    """Depth 6 holds three nested divergent splits; the fourth faults (cause 24, address = sp);
    a uniform split on a full stack does not fault. Stacks are per warp."""
    await setup(dut)
    for level in range(DEPTH // 2):
        await execute(dut, SimtOp.TMC, 0, a=0xF)
        out = await execute(dut, SimtOp.SPLIT, 0, cond=0b0001, pc=PC + 16 * level)
        assert_no_fault(out, f"split {level}")
        assert out.result == 2 * level, f"nested split {level}: rd {out.result}"
    await execute(dut, SimtOp.TMC, 0, a=0xF)
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0b0001, commit=False)
    assert out.fault == 1 and out.cause == FaultCause.IPDOM_OVERFLOW and out.addr == DEPTH, \
        f"split on a full stack: {out}"
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0b1111, commit=False)
    assert out.fault == 0 and out.result == DEPTH, f"uniform split on a full stack: {out}"
    # another warp's stack is empty
    await execute(dut, SimtOp.TMC, 0, a=1)
    # (warp 0 must be alone to spawn; it is, the others never started)
    await spawn_all(dut)
    await execute(dut, SimtOp.TMC, 1, a=0xF)
    out = await execute(dut, SimtOp.SPLIT, 1, cond=0b0001, commit=False)
    assert out.fault == 0 and out.result == 0, f"warp 1's stack: {out}"
    # unwind warp 0: the innermost else entry comes back first
    out = await execute(dut, SimtOp.JOIN, 0, a=4, pc=PC + 0x200)
    assert out.next_pc == PC + 32 + 4 and (await state(dut)).tmask[0] == 0b1110, out
    out = await execute(dut, SimtOp.JOIN, 0, a=4, pc=PC + 0x200)
    assert out.next_pc == PC + 0x204 and (await state(dut)).tmask[0] == 0b1111, out
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0, commit=False)
    assert out.result == 4


@cocotb.test()
async def pred(dut):
    """pred: tmask &= lanes with cond; pred.n the lanes without; an empty result takes rs2 & full."""
    await setup(dut)
    await execute(dut, SimtOp.TMC, 0, a=0xF)
    out = await execute(dut, SimtOp.PRED, 0, cond=0b0101, b=0xF)
    assert_no_fault(out, "pred")
    assert out.next_pc == PC + 4 and out.stop == 0
    assert (await state(dut)).tmask[0] == 0b0101
    await execute(dut, SimtOp.TMC, 0, a=0xF)
    await execute(dut, SimtOp.PRED, 0, cond=0b0101, negate=1, b=0xF)
    assert (await state(dut)).tmask[0] == 0b1010, "pred.n"
    # all false among the active lanes (cond only where tmask is 0): mask := rs2
    await execute(dut, SimtOp.PRED, 0, cond=0b0101, b=0b0110)
    assert (await state(dut)).tmask[0] == 0b0110, "pred with no true lane takes rs2"
    await execute(dut, SimtOp.PRED, 0, cond=0b0110, negate=1, b=0xFFFF_FFF3)
    assert (await state(dut)).tmask[0] == 0b0011, "pred.n with no true lane takes rs2 & full"
    # pred never touches the stack or the active bits
    s = await state(dut)
    assert s.active == 1
    out = await execute(dut, SimtOp.SPLIT, 0, cond=0, commit=False)
    assert out.result == 0


@cocotb.test()
async def barriers(dut):
    """bar with n <= 1 does nothing; arrivals wait (waiting bit, barrier_id) until the n-th arrival,
    which continues and releases the barrier's waiters only; the count restarts; id >= barriers or
    n > warps faults (cause 26, address = id)."""
    warps, _ = shape(dut)
    await setup(dut)
    for n in (0, 1):
        out = await execute(dut, SimtOp.BAR, 0, a=1, b=n)
        assert_no_fault(out, f"bar n={n}")
        s = await state(dut)
        assert s.waiting == 0 and s.active == 1, f"bar n={n}: {s}"
    await spawn_all(dut)
    out = await execute(dut, SimtOp.BAR, 0, a=2, b=3)
    assert_no_fault(out, "bar 0")
    s = await state(dut)
    assert s.waiting == 0b0001 and s.barrier_id[0] == 2, s
    await execute(dut, SimtOp.BAR, 1, a=2, b=3)
    s = await state(dut)
    assert s.waiting == 0b0011 and s.barrier_id[1] == 2, s
    await execute(dut, SimtOp.BAR, 3, a=1, b=2)      # another barrier
    s = await state(dut)
    assert s.waiting == 0b1011 and s.barrier_id[3] == 1, s
    out = await execute(dut, SimtOp.BAR, 2, a=2, b=3)   # last of three: release
    assert_no_fault(out, "bar release")
    assert out.next_pc == PC + 4
    s = await state(dut)
    assert s.waiting == 0b1000, f"warps 0 and 1 released, warp 3 (barrier 1) still waiting: {s}"
    assert s.active == 0b1111
    # the count of barrier 2 restarted: a new arrival waits
    await execute(dut, SimtOp.BAR, 0, a=2, b=3)
    assert (await state(dut)).waiting == 0b1001
    # id 1 again: the second arrival releases warp 3
    out = await execute(dut, SimtOp.BAR, 1, a=1, b=2)
    assert_no_fault(out, "bar 1")
    assert (await state(dut)).waiting == 0b0001
    # faults: id out of range, count above warps (above cores for a global barrier)
    for a, b in ((BARRIERS, 2), (0x8000_0000 | BARRIERS, 2), (0xFF, 2), (1, warps + 1), (0, 32),
                 (0x8000_0000, 0), (0x8000_0001, CORES + 1)):
        out = await execute(dut, SimtOp.BAR, 2, a=a, b=b, commit=False)
        assert out.fault == 1 and out.cause == FaultCause.BARRIER_RANGE and \
            out.addr == a & 0x7FFF_FFFF, f"bar id {a:#x} n {b}: {out}"
    out = await execute(dut, SimtOp.BAR, 2, a=BARRIERS - 1, b=warps, commit=False)
    assert out.fault == 0, f"bar id {BARRIERS - 1} n {warps} is legal: {out}"
    # no other op faults or waits with harmless operands
    for op in (SimtOp.TMC, SimtOp.PRED):
        out = await execute(dut, op, 2, a=0xF, b=0xF, cond=0xF, commit=False)
        assert out.fault == 0 and out.spawn_wait == 0, f"{op}: {out}"


@cocotb.test()
async def min_pc_regrouping(dut):
    """Lanes whose next PCs differ are deferred; the lowest PC runs first; lanes meet again when a
    group reaches a deferred lane's PC; a SIMT instruction waits (``hold``) while lanes are deferred
    and runs once with all of them (docs/simt.md, "Divergence")."""
    await setup(dut)
    await execute(dut, SimtOp.TMC, 0, a=0xF)
    # a branch: lanes 0 and 2 go to PC + 0x40, lanes 1 and 3 fall through
    hold, next_pc, redirect = await flow(dut, [PC + 0x40, PC + 4, PC + 0x40, PC + 4])
    assert (hold, next_pc, redirect) == (0, PC + 4, 1)
    assert (await state(dut)).tmask[0] == 0b1010
    # an instruction of the running lanes that is not the deferred PC: nothing changes
    assert await flow(dut, [0, PC + 8, 0, PC + 8], pc=PC + 4) == (0, PC + 8, 0)
    # a SIMT instruction with lanes still deferred waits; the deferred lanes run next
    out_hold = await flow_simt_hold(dut, pc=PC + 8)
    assert out_hold == (1, PC + 0x40)
    assert (await state(dut)).tmask[0] == 0b0101
    # lanes 0, 2 jump back to the parked SIMT instruction: they run it ... after the parked lanes
    # join them there (hold again, then one execution with all four lanes)
    assert await flow(dut, [PC + 8, 0, PC + 8, 0], pc=PC + 0x40) == (0, PC + 8, 1)
    assert (await state(dut)).tmask[0] == 0b0101
    assert await flow_simt_hold(dut, pc=PC + 8) == (1, PC + 8)
    assert (await state(dut)).tmask[0] == 0b1111
    out = await execute(dut, SimtOp.TMC, 0, a=0b0001, pc=PC + 8)
    assert (out.next_pc, out.stop) == (PC + 12, 0)
    assert (await state(dut)).tmask[0] == 0b0001


async def flow_simt_hold(dut, *, pc):
    """Present a tmc at ``pc`` and let it leave execute (committed as warp control decides); returns
    ``(hold, next_pc)``."""
    await FallingEdge(dut.clk)
    dut.valid.value = 1
    dut.simt.value = 1
    dut.op.value = int(SimtOp.TMC.value)
    dut.a.value = 0xF
    dut.warp.value = 0
    dut.pc.value = pc
    await ReadOnly()
    hold, next_pc = int(dut.hold.value), int(dut.next_pc.value)
    await FallingEdge(dut.clk)
    dut.commit.value = 1
    await RisingEdge(dut.clk)
    _idle(dut)
    return hold, next_pc


@cocotb.test()
async def global_barrier(dut):
    """bar with bit 31 of the id (docs/cluster.md): every arrival waits; the core arrives
    (gbar__arrive, with the id and count) when its last active warp does; the cluster's release bit
    frees exactly the warps waiting at that global barrier, never ones at a local barrier of the
    same id, and a local release never frees a global waiter."""
    await setup(dut)
    warps, _ = shape(dut)
    dut.gbar__release.value = 0
    await spawn_all(dut)
    for w in range(warps):
        out = await execute(dut, SimtOp.BAR, w, a=0x8000_0001, b=CORES)
        assert_no_fault(out, f"global bar, warp {w}")
        assert out.arrive == (w == warps - 1), f"warp {w}: {out}"
    assert int(dut.gbar__id.value) == 1 and int(dut.gbar__count.value) == CORES
    assert (await state(dut)).waiting == (1 << warps) - 1
    await FallingEdge(dut.clk)
    dut.gbar__release.value = 0b0100        # another global barrier: nobody goes on
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.gbar__release.value = 0
    assert (await state(dut)).waiting == (1 << warps) - 1
    await FallingEdge(dut.clk)
    dut.gbar__release.value = 0b0010        # global barrier 1: everyone goes on
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.gbar__release.value = 0
    assert (await state(dut)).waiting == 0
    # warp 0 waits at global 1; warps 1-3 meet at local barrier 1 (n = 3): its release leaves warp 0
    out = await execute(dut, SimtOp.BAR, 0, a=0x8000_0001, b=CORES)
    assert out.arrive == 0, "warps 1-3 are active and not at the barrier"
    for w in (1, 2, 3):
        await execute(dut, SimtOp.BAR, w, a=1, b=3)
    assert (await state(dut)).waiting == 0b0001
    # and a global release does not free local waiters
    await execute(dut, SimtOp.BAR, 1, a=1, b=3)
    await FallingEdge(dut.clk)
    dut.gbar__release.value = 0b0010
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.gbar__release.value = 0
    assert (await state(dut)).waiting == 0b0010
