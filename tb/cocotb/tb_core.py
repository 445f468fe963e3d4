"""cocotb tests of the whole device (``simtlab_top``, ``SimtConfig()``) with a Python memory model.

Run by ``tb/cocotb/test_cocotb.py::test_core_top``. Each test resets the design (every cocotb test of
one run shares the simulator), writes the startup DCRs, pulses ``start`` and waits for ``busy`` to
fall, serving ``imem`` and ``dmem`` from :class:`MemoryModel`.
"""

import os
import random
from collections import deque
from dataclasses import dataclass, field

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

from simtlab.config import DCR, FaultCause, MemoryMap, SimtConfig

from ..rtl import asm

CONFIG = SimtConfig()
BASE = MemoryMap.CODE_BASE
DATA = MemoryMap.HEAP_BASE
PERIOD_NS = 10
SEED = int(os.environ.get("SIMTLAB_SEED", "20261122"))


class MemoryModel:
    """Word-addressed sparse memory serving one or more ``MemSignature`` ports of the DUT.

    Protocol (rtl/mem/bus.py): ``req__ready`` is held at 1 (or, with ``stall`` > 0, dropped at random
    in that fraction of cycles, from ``random.Random(seed)``), and a request is accepted on every rising
    edge where ``req__valid`` and ``req__ready`` are high. Requests are sampled at the falling edge before that rising edge
    (the DUT's outputs have settled by then; values read right at a rising edge differ between
    simulators) and take effect at the edge: writes merge ``req__data`` under ``req__be``. The response
    (read data, 0 for writes; the request's tag; ``err`` for unmapped addresses) is driven for exactly
    one cycle, ``latency`` cycles after the request's cycle (latency 1: the cycle right after the
    accepting edge), in request order.
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

    def start(self, *ports):
        for port in ports:
            self.requests[port] = []
            self._tasks.append(cocotb.start_soon(self._serve(port)))

    def stop(self):
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    def _write(self, addr, data, be):
        mask = sum(0xFF << (8 * k) for k in range(4) if be >> k & 1)
        old = self[addr]
        self.words[addr & ~3] = (old & ~mask) | (data & mask)

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
                err = CONFIG.region_of(addr & ~3, 4) is None
                if we and not err:
                    self._write(addr, data, be)
                rdata = 0 if (we or err) else self[addr]
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


@dataclass
class Outcome:
    mem: MemoryModel
    retired: list = field(default_factory=list)   #: (pc, insn, rd, data) per retired instruction
    fault: "tuple | None" = None                   #: (cause, pc, addr) if fault__valid
    cycles: int = 0

    @property
    def pcs(self):
        return [pc for pc, *_ in self.retired]


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
    outcome = Outcome(mem)
    try:
        for cycle in range(max_cycles):
            await FallingEdge(dut.clk)
            if int(dut.retire__valid.value):
                outcome.retired.append(tuple(int(getattr(dut, f"retire__{f}").value)
                                             for f in ("pc", "insn", "rd", "data")))
            if not int(dut.busy.value):
                outcome.cycles = cycle + 1
                break
        else:
            raise AssertionError(f"busy still high after {max_cycles} cycles; dbg__pc = "
                                 f"{int(dut.dbg__pc.value):#010x}, retired {len(outcome.retired)}")
        if int(dut.fault__valid.value):
            outcome.fault = (int(dut.fault__cause.value), int(dut.fault__pc.value),
                             int(dut.fault__addr.value))
    finally:
        mem.stop()
    return outcome


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
    assert out.retired[0][2:] == (1, arg), f"csrrs retired {out.retired[0]}"


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
    for (pc, insn, rd, data), (off, want_rd, want_data) in zip(out.retired, expect):
        assert pc == BASE + off, f"retired pc {pc:#010x}, want {BASE + off:#010x}"
        assert insn == program[off // 4], f"pc {pc:#010x}: insn {insn:#010x}"
        assert rd == want_rd, f"pc {pc:#010x}: rd {rd}, want {want_rd}"
        if want_data is not None:
            assert data == want_data, f"pc {pc:#010x}: data {data:#x}, want {want_data:#x}"
    assert out.mem[DATA + 8] == 12 and out.mem[DATA + 12] == 24
    assert out.mem[DATA + 16] == 0xAABB_05DD, f"sb merged to {out.mem[DATA + 16]:#010x}"
    assert out.mem[DATA + 20] == 0x000C_3344, f"sh merged to {out.mem[DATA + 20]:#010x}"
    stores = [r for r in out.mem.requests["dmem"] if r[2]]
    assert [(a, be) for _, a, _, _, be, _ in stores] == \
        [(DATA + 8, 0xF), (DATA + 12, 0xF), (DATA + 17, 0x2), (DATA + 22, 0xC)], stores


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
