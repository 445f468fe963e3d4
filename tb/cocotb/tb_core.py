"""cocotb tests of the whole device (``simtlab_top``) with a Python memory model of 64-byte blocks.

Run by ``tb/cocotb/test_cocotb.py::test_core_top`` on ``SimtConfig()`` (1 warp x 1 thread) and by
``test_core_top_4x4`` on ``SimtConfig(warps=4, threads=4)`` (only the tests that read the machine's
shape, see :func:`dut_shape`). Each test resets the design (every cocotb test of one run shares the
simulator), writes the startup DCRs, pulses ``start`` and waits for ``busy`` to fall, serving
``imem`` and ``dmem`` from :class:`MemoryModel`.
"""

import os
import random
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

from simtlab.config import SimtConfig
from simtlab.spec.csr import DCR
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause

from ..rtl import asm

CONFIG = SimtConfig()
BLOCK = CONFIG.block_bytes
WORDS = BLOCK // 4
BASE = MemoryMap.CODE_BASE
DATA = MemoryMap.HEAP_BASE
PERIOD_NS = 10
SEED = int(os.environ.get("SIMTLAB_SEED", "20261122"))


class MemoryModel:
    """Word-addressed sparse memory serving one or more block-wide ``MemSignature`` ports of the DUT.

    Protocol (rtl/mem/bus.py): ``req__ready`` is held at 1 (or, with ``stall`` > 0, dropped at random
    in that fraction of cycles, from ``random.Random(seed)``), and a request is accepted on every rising
    edge where ``req__valid`` and ``req__ready`` are high. Requests are sampled at the falling edge
    before that rising edge (the DUT's outputs have settled by then; values read right at a rising edge
    differ between simulators) and take effect at the edge. Every request moves one 64-byte block:
    ``addr & ~63`` selects it, a write merges the bytes of ``req__data`` (512 bits, byte ``i`` in bits
    ``8i..8i+7``) whose ``req__be`` bit ``i`` is set. The response (the whole block for a read, 0 for a
    write; the request's tag; ``err`` when the block is not inside one mapped region) is driven for
    exactly one cycle, ``latency`` cycles after the request's cycle (latency 1: the cycle right after
    the accepting edge), in request order.
    """

    def __init__(self, dut, latency=CONFIG.mem_latency, words=None, *, stall=0.0, seed=SEED):
        if latency < 1:
            raise ValueError("latency must be >= 1")
        self.dut = dut
        self.latency = latency
        self.stall = stall
        self.rng = random.Random(seed)
        self.words = dict(words or {})
        self.requests = {}    #: port -> list of (cycle, addr, we, data, be, tag)
        self._tasks = []

    def load(self, addr, program):
        for n, word in enumerate(program):
            self.words[addr + 4 * n] = word & 0xFFFF_FFFF

    def __getitem__(self, addr):
        return self.words.get(addr & ~3, 0)

    def read_block(self, addr):
        """The block holding ``addr`` as one integer (word ``k`` in bits ``32k..32k+31``)."""
        base = addr & ~(BLOCK - 1)
        return sum(self[base + 4 * k] << (32 * k) for k in range(WORDS))

    def write_block(self, addr, data, be):
        """Merge the enabled bytes of ``data`` into the block holding ``addr``."""
        base = addr & ~(BLOCK - 1)
        for k in range(WORDS):
            lanes = (be >> (4 * k)) & 0xF
            if not lanes:
                continue
            mask = sum(0xFF << (8 * b) for b in range(4) if lanes >> b & 1)
            value = (data >> (32 * k)) & 0xFFFF_FFFF
            self.words[base + 4 * k] = (self[base + 4 * k] & ~mask) | (value & mask)

    def start(self, *ports):
        for port in ports:
            self.requests[port] = []
            self._tasks.append(cocotb.start_soon(self._serve(port)))

    def stop(self):
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    async def _serve(self, port):
        dut = self.dut
        sig = lambda name: getattr(dut, f"{port}__{name}")
        ready = 1
        sig("req__ready").value = ready
        sig("rsp__valid").value = 0
        pending = deque()
        cycle = 0
        while True:
            await FallingEdge(dut.clk)
            request = None
            if ready and int(sig("req__valid").value):
                request = tuple(int(sig(f"req__{f}").value) for f in ("addr", "we", "data", "be", "tag"))
            await RisingEdge(dut.clk)
            cycle += 1
            if request is not None:
                addr, we, data, be, tag = request
                self.requests[port].append((cycle, *request))
                err = CONFIG.region_of(addr & ~(BLOCK - 1), BLOCK) is None
                if we and not err:
                    self.write_block(addr, data, be)
                rdata = 0 if (we or err) else self.read_block(addr)
                pending.append((cycle - 1 + self.latency, rdata, tag, int(err)))
            if pending and pending[0][0] <= cycle:
                _, rdata, tag, err = pending.popleft()
                sig("rsp__valid").value = 1
                sig("rsp__data").value = rdata
                sig("rsp__tag").value = tag
                sig("rsp__err").value = err
            else:
                sig("rsp__valid").value = 0
            if self.stall:
                ready = int(self.rng.random() >= self.stall)
                sig("req__ready").value = ready


class Retired(NamedTuple):
    """One ``retire__*`` record; ``data`` holds the value of every lane (0 outside tmask or rd 0)."""
    pc: int
    insn: int
    warp: int
    rd: int
    tmask: int
    data: tuple

    @property
    def value(self):
        """Lane 0's value (the only lane of a 1-thread machine)."""
        return self.data[0]


def dut_shape(dut):
    """``(warps, threads)`` of the built top, read from the widths of its ports."""
    return len(dut.dbg__active), len(dut.retire__tmask)


def _lanes(value, n, width=32):
    return tuple((value >> (width * k)) & ((1 << width) - 1) for k in range(n))


@dataclass
class Outcome:
    mem: MemoryModel
    retired: list = field(default_factory=list)   #: a Retired per retired warp instruction
    fault: "tuple | None" = None                   #: (cause, pc, addr) if fault__valid
    cycles: int = 0

    @property
    def pcs(self):
        return [r.pc for r in self.retired]


async def reset(dut, cycles=3):
    """Drive every input idle and hold ``rst`` for ``cycles`` rising edges."""
    for name in ("start", "dcr__valid", "dcr__addr", "dcr__data"):
        getattr(dut, name).value = 0
    for port in ("imem", "dmem"):
        for name in ("req__ready", "rsp__valid", "rsp__data", "rsp__tag", "rsp__err"):
            getattr(dut, f"{port}__{name}").value = 0
    dut.rst.value = 1
    for _ in range(cycles):
        await RisingEdge(dut.clk)
    dut.rst.value = 0


async def dcr_write(dut, addr, data):
    dut.dcr__valid.value = 1
    dut.dcr__addr.value = addr
    dut.dcr__data.value = data & 0xFFFF_FFFF
    await RisingEdge(dut.clk)
    dut.dcr__valid.value = 0


async def run_program(dut, program, *, start_addr=BASE, arg=0, latency=CONFIG.mem_latency,
                      memory=None, stall=0.0, max_cycles=5000):
    """Reset, load ``program`` at ``start_addr``, write the DCRs, start, and wait for busy to fall."""
    await reset(dut)
    mem = MemoryModel(dut, latency, memory, stall=stall)
    mem.load(start_addr, program)
    mem.start("imem", "dmem")
    await dcr_write(dut, DCR.STARTUP_ADDR0, start_addr)
    await dcr_write(dut, DCR.STARTUP_ARG0, arg)
    dut.start.value = 1
    await RisingEdge(dut.clk)
    dut.start.value = 0
    warps, threads = dut_shape(dut)
    outcome = Outcome(mem)
    try:
        for cycle in range(max_cycles):
            await FallingEdge(dut.clk)
            if int(dut.retire__valid.value):
                outcome.retired.append(Retired(
                    *(int(getattr(dut, f"retire__{f}").value)
                      for f in ("pc", "insn", "warp", "rd", "tmask")),
                    _lanes(int(dut.retire__data.value), threads)))
            if not int(dut.busy.value):
                outcome.cycles = cycle + 1
                break
        else:
            raise AssertionError(f"busy still high after {max_cycles} cycles; {debug_dump(dut)}, "
                                 f"retired {len(outcome.retired)}")
        if int(dut.fault__valid.value):
            outcome.fault = (int(dut.fault__cause.value), int(dut.fault__pc.value),
                             int(dut.fault__addr.value))
    finally:
        mem.stop()
    return outcome


def debug_dump(dut):
    """The ``dbg__*`` ports, warp by warp, for timeout messages."""
    warps, threads = dut_shape(dut)
    pcs = _lanes(int(dut.dbg__pc.value), warps)
    masks = _lanes(int(dut.dbg__tmask.value), warps, threads)
    bars = _lanes(int(dut.dbg__barrier.value), warps, 8)
    active, waiting = int(dut.dbg__active.value), int(dut.dbg__waiting.value)
    return "; ".join(f"warp {w}: pc {pcs[w]:#010x} tmask {masks[w]:0{threads}b}"
                     f"{' active' if active >> w & 1 else ''}"
                     f"{f' waiting on {bars[w]}' if waiting >> w & 1 else ''}" for w in range(warps))


def sum_loop():
    """x2 = 10 + 9 + ... + 1, stored to DATA + 4; retires 3 + 10 * 3 + 2 = 35 instructions."""
    return [
        asm.i("addi", 1, 0, 10),
        asm.i("addi", 2, 0, 0),
        asm.u("lui", 3, DATA >> 12),
        asm.r("add", 2, 2, 1),          # loop:
        asm.i("addi", 1, 1, -1),
        asm.b("bne", 1, 0, -8),
        asm.s("sw", 2, 3, 4),
        asm.TMC_X0,
    ]


@cocotb.test()
async def sum_1_to_10(dut):
    """The loop's sum reaches memory, at the default and at a longer memory latency."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    for latency in (CONFIG.mem_latency, 1, 4):
        out = await run_program(dut, sum_loop(), latency=latency)
        assert out.fault is None, f"latency {latency}: unexpected fault {out.fault}"
        assert out.mem[DATA + 4] == 55, f"latency {latency}: mem[DATA+4] = {out.mem[DATA + 4]}"
        assert len(out.retired) == 35, f"latency {latency}: retired {len(out.retired)}, want 35"
        dut._log.info("sum loop, latency %d: %d cycles", latency, out.cycles)


@cocotb.test()
async def mscratch_is_startup_arg(dut):
    """csrrs x1, mscratch, x0 reads STARTUP_ARG0; STARTUP_ADDR0 sets the first PC."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    start, arg = BASE + 0x200, 0xC0FF_EE42
    program = [
        asm.i("csrrs", 1, 0, 0x340),
        asm.u("lui", 3, DATA >> 12),
        asm.s("sw", 1, 3, 0),
        asm.TMC_X0,
    ]
    out = await run_program(dut, program, start_addr=start, arg=arg)
    assert out.fault is None, f"unexpected fault {out.fault}"
    assert out.mem[DATA] == arg, f"mem[DATA] = {out.mem[DATA]:#010x}, want {arg:#010x}"
    assert out.pcs == [start + 4 * n for n in range(4)], [hex(pc) for pc in out.pcs]
    assert (out.retired[0].rd, out.retired[0].value) == (1, arg), f"csrrs retired {out.retired[0]}"


@cocotb.test()
async def illegal_instruction_faults(dut):
    """An illegal word stops the core with cause 2 at its PC; older instructions retire, younger don't."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    program = [asm.i("addi", 1, 0, 1), asm.i("addi", 2, 0, 2), 0xFFFF_FFFF, asm.i("addi", 3, 0, 3),
               asm.TMC_X0]
    out = await run_program(dut, program)
    assert out.fault is not None, "fault__valid did not rise"
    cause, pc, addr = out.fault
    assert cause == FaultCause.ILLEGAL_INSN, f"cause {cause}, want {FaultCause.ILLEGAL_INSN}"
    assert pc == BASE + 8, f"fault pc {pc:#010x}, want {BASE + 8:#010x}"
    assert addr == 0xFFFF_FFFF, f"fault addr {addr:#010x}, want the instruction word"
    assert out.pcs == [BASE, BASE + 4], [hex(p) for p in out.pcs]
    # The fault is sticky until the next start.
    for _ in range(5):
        await RisingEdge(dut.clk)
    assert int(dut.fault__valid.value) == 1 and int(dut.busy.value) == 0


@cocotb.test()
async def retire_count_and_order(dut):
    """retire__valid pulses exactly once per executed instruction, in program order, with rd/data;
    skipped (jumped-over) instructions never retire. Also checks sb/sh byte-enable merging."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    program = [
        asm.u("lui", 3, DATA >> 12),     # 0x00
        asm.i("addi", 1, 0, 5),          # 0x04 x1 = 5
        asm.i("addi", 2, 1, 7),          # 0x08 x2 = 12
        asm.s("sw", 2, 3, 8),            # 0x0c
        asm.i("lw", 4, 3, 8),            # 0x10 x4 = 12
        asm.r("add", 5, 4, 4),           # 0x14 load-use: x5 = 24
        asm.j(0, 12),                    # 0x18 -> 0x24
        asm.i("addi", 5, 0, -1),         # 0x1c skipped
        asm.i("addi", 5, 0, -1),         # 0x20 skipped
        asm.s("sw", 5, 3, 12),           # 0x24
        asm.s("sb", 1, 3, 17),           # 0x28 byte lane 1 of DATA+16
        asm.s("sh", 2, 3, 22),           # 0x2c upper half of DATA+20
        asm.b("beq", 0, 0, 8),           # 0x30 -> 0x38
        asm.i("addi", 5, 0, -1),         # 0x34 skipped
        asm.TMC_X0,                      # 0x38
    ]
    expect = [(0x00, 3, DATA), (0x04, 1, 5), (0x08, 2, 12), (0x0c, 0, None), (0x10, 4, 12),
              (0x14, 5, 24), (0x18, 0, None), (0x24, 0, None), (0x28, 0, None), (0x2c, 0, None),
              (0x30, 0, None), (0x38, 0, None)]
    memory = {DATA + 16: 0xAABB_CCDD, DATA + 20: 0x1122_3344}
    out = await run_program(dut, program, latency=2, memory=memory)
    assert out.fault is None, f"unexpected fault {out.fault}"
    assert len(out.retired) == len(expect), \
        f"retired {len(out.retired)} instructions, want {len(expect)}: {[hex(p) for p in out.pcs]}"
    for (pc, insn, _, rd, _, (data, *_)), (off, want_rd, want_data) in zip(out.retired, expect):
        assert pc == BASE + off, f"retired pc {pc:#010x}, want {BASE + off:#010x}"
        assert insn == program[off // 4], f"pc {pc:#010x}: insn {insn:#010x}"
        assert rd == want_rd, f"pc {pc:#010x}: rd {rd}, want {want_rd}"
        if want_data is not None:
            assert data == want_data, f"pc {pc:#010x}: data {data:#x}, want {want_data:#x}"
    assert out.mem[DATA + 8] == 12 and out.mem[DATA + 12] == 24
    assert out.mem[DATA + 16] == 0xAABB_05DD, f"sb merged to {out.mem[DATA + 16]:#010x}"
    assert out.mem[DATA + 20] == 0x000C_3344, f"sh merged to {out.mem[DATA + 20]:#010x}"
    # one block-wide request per store: the block's address, the bytes' enables in the block
    stores = [r for r in out.mem.requests["dmem"] if r[2]]
    assert [(a, be) for _, a, _, _, be, _ in stores] == \
        [(DATA, 0xF << 8), (DATA, 0xF << 12), (DATA, 1 << 17), (DATA, 0x3 << 22)], \
        [(hex(a), hex(be)) for _, a, _, _, be, _ in stores]
    loads = [r for r in out.mem.requests["dmem"] if not r[2]]
    assert [(a, tag >> 15) for _, a, _, _, _, tag in loads] == [(DATA, 1)], \
        "lw: one block read of DATA, tag bit 15 set"


@cocotb.test()
async def backpressure(dut):
    """Random req__ready stalls on both ports (fixed seed) change timing, never results."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    for latency, stall in ((1, 0.3), (3, 0.5)):
        out = await run_program(dut, sum_loop(), latency=latency, stall=stall, max_cycles=20000)
        note = f"SIMTLAB_SEED={SEED} latency {latency} stall {stall}"
        assert out.fault is None, f"{note}: unexpected fault {out.fault}"
        assert out.mem[DATA + 4] == 55, f"{note}: mem[DATA+4] = {out.mem[DATA + 4]}"
        assert len(out.retired) == 35, f"{note}: retired {len(out.retired)}, want 35"
        dut._log.info("sum loop, %s: %d cycles", note, out.cycles)


# ---- SIMT programs: these adapt to the DUT's shape and also run on the 4 warps x 4 threads build ----

def custom(funct3, rd=0, rs1=0, rs2=0, funct7=0):
    """A custom-0 (opcode 0x0B) R-type word: tmc 0, wspawn 1, split 2, join 3, bar 4, pred 5."""
    return (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x0B


def csrr(rd, csr):
    """csrrs rd, csr, x0."""
    return asm.i("csrrs", rd, 0, csr)


def spawn_all_then(body, warps):
    """Warp 0 wspawns every warp at ``work``; every warp turns all its lanes on (tmc -1) and runs
    ``body``; every lane then stores x14 to DATA + 4 * mhartid, and the warp retires (tmc x0)."""
    prologue = [
        asm.i("addi", 5, 0, warps),
        asm.u("auipc", 6, 0),
        asm.i("addi", 6, 6, 12),        # work = pc of the auipc + 12
        custom(1, rs1=5, rs2=6),        # wspawn x5, x6
        asm.i("addi", 7, 0, -1),        # work: all lanes on
        custom(0, rs1=7),               # tmc x7
    ]
    epilogue = [
        csrr(10, 0xF14),                # mhartid
        asm.i("slli", 11, 10, 2),
        asm.u("lui", 12, DATA >> 12),
        asm.r("add", 12, 12, 11),
        asm.s("sw", 14, 12, 0),
        custom(0),                      # tmc x0
    ]
    return prologue + body + epilogue


def check_per_warp_streams(out, program, warps, threads):
    """Every warp ran the part after the prologue with all lanes on, in program order."""
    full = (1 << threads) - 1
    for w in range(warps):
        stream = [r for r in out.retired if r.warp == w]
        assert stream, f"warp {w} retired nothing"
        assert stream[-1].insn == custom(0), f"warp {w} did not end with tmc x0"
        work = [r for r in stream if r.pc >= BASE + 4 * 5]     # from `tmc x7` on
        assert [r.pc for r in work] == [BASE + 4 * n for n in range(5, len(program))], \
            f"warp {w}: pcs {[hex(r.pc) for r in work]}"
        assert work[0].tmask == 1, f"warp {w}: tmc -1 executed under {work[0].tmask:b}, want 1"
        assert all(r.tmask == full for r in work[1:]), \
            f"warp {w}: tmasks {[bin(r.tmask) for r in work]}"
    spawned = [r for r in out.retired if r.warp != 0 and r.pc < BASE + 4 * 4]
    assert not spawned, f"spawned warps ran the prologue: {spawned}"


@cocotb.test()
async def every_hart_stores_mhartid(dut):
    """wspawn all warps, tmc all lanes on, every lane stores its mhartid (CSR 0xF14) to
    DATA + 4 * hart, tmc x0: all warps * threads words arrive, the csrr retires every lane's id, and
    each warp's store goes out as one coalesced block write."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    warps, threads = dut_shape(dut)
    harts = warps * threads
    program = spawn_all_then([csrr(14, 0xF14)], warps)      # x14 = mhartid
    canary = {DATA + 4 * harts: 0x5A5A_5A5A}
    for latency, stall in ((2, 0.0), (1, 0.3)):
        note = f"{warps}x{threads} latency {latency} stall {stall} SIMTLAB_SEED={SEED}"
        out = await run_program(dut, program, latency=latency, stall=stall, memory=canary,
                                max_cycles=20000)
        assert out.fault is None, f"{note}: unexpected fault {out.fault}"
        got = [out.mem[DATA + 4 * h] for h in range(harts)]
        assert got == list(range(harts)), f"{note}: memory {got}"
        assert out.mem[DATA + 4 * harts] == 0x5A5A_5A5A, f"{note}: store beyond the last hart"
        check_per_warp_streams(out, program, warps, threads)
        for w in range(warps):
            reads = [r for r in out.retired if r.warp == w and r.insn == csrr(10, 0xF14)]
            assert len(reads) == 1 and reads[0].rd == 10, f"{note}: warp {w} csrr: {reads}"
            assert reads[0].data == tuple(w * threads + l for l in range(threads)), \
                f"{note}: warp {w} mhartid per lane {reads[0].data}"
        stores = [(w_addr, be) for _, w_addr, we, _, be, _ in out.mem.requests["dmem"] if we]
        want = sorted((DATA, ((1 << (4 * threads)) - 1) << (4 * threads * w)) for w in range(warps))
        assert sorted(stores) == want, \
            f"{note}: store requests {[(hex(a), hex(b)) for a, b in stores]}, want one per warp"
        assert int(dut.dbg__active.value) == 0
        dut._log.info("%s: %d cycles, %d warp instructions", note, out.cycles, len(out.retired))


@cocotb.test()
async def simt_divergence(dut):
    """split/join around an if/else on the lane's parity: odd lanes store 100, even lanes 200, and
    the full mask comes back after the join (on one lane: the split is uniform)."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    warps, threads = dut_shape(dut)
    body = [
        csrr(10, 0xCC0),                # thread id
        asm.i("andi", 11, 10, 1),       # odd lanes
        custom(2, rd=13, rs1=11),       # split x13, x11
        asm.b("beq", 11, 0, 12),        # even lanes -> else
        asm.i("addi", 14, 0, 100),
        asm.j(0, 8),
        asm.i("addi", 14, 0, 200),      # else
        custom(3, rs1=13),              # join x13
    ]
    program = spawn_all_then(body, warps)
    out = await run_program(dut, program, latency=2, max_cycles=20000)
    assert out.fault is None, f"unexpected fault {out.fault}"
    got = [out.mem[DATA + 4 * h] for h in range(warps * threads)]
    assert got == [100 if h % 2 else 200 for h in range(warps * threads)], got
    full = (1 << threads) - 1
    for w in range(warps):
        stream = [r for r in out.retired if r.warp == w]
        splits = [r for r in stream if r.insn == custom(2, rd=13, rs1=11)]
        assert len(splits) == 1 and splits[0].data[threads - 1] == 0, \
            f"warp {w}: split retired {splits} (rd = sp 0)"
        joins = [r.tmask for r in stream if r.insn == custom(3, rs1=13)]
        odd = sum(1 << l for l in range(1, threads, 2))
        # the odd lanes (then, never more than the even ones) run first; the first join jumps back
        # for the even lanes, the second restores the full mask; one lane: a uniform split
        want = [odd, full & ~odd] if threads > 1 else [1]
        assert joins == want, f"warp {w}: joins under {[bin(j) for j in joins]}, want {want}"
        assert stream[-1].tmask == full
