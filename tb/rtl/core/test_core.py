"""The core on Amaranth's simulator with a Python memory model: small hand-assembled programs."""

import pytest
from amaranth.sim import Simulator

from simtlab.config import SimtConfig, FaultCause
from simtlab.rtl.soc.top import SimtTop
from tb.rtl import asm

BASE = 0x8000_0000
DATA = 0x0001_0000


def run_program(words, *, latency=1, max_cycles=3000, memory=None):
    """Run ``words`` at BASE; returns (memory dict of words, retired list, fault tuple or None)."""
    cfg = SimtConfig(mem_latency=latency)
    dut = SimtTop(cfg)
    mem = dict(memory or {})
    for n, word in enumerate(words):
        mem[BASE + 4 * n] = word
    retired = []
    outcome = {}

    async def bench(ctx):
        pending = {"imem": [], "dmem": []}
        ctx.set(dut.imem.req.ready, 1)
        ctx.set(dut.dmem.req.ready, 1)
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        for cycle in range(max_cycles):
            for name in ("imem", "dmem"):
                port = getattr(dut, name)
                due = [p for p in pending[name] if p[0] <= cycle]
                if due:
                    _, data, tag = due[0]
                    pending[name].remove(due[0])
                    ctx.set(port.rsp.valid, 1)
                    ctx.set(port.rsp.data, data)
                    ctx.set(port.rsp.tag, tag)
                else:
                    ctx.set(port.rsp.valid, 0)
            for name in ("dmem", "imem"):
                port = getattr(dut, name)
                if ctx.get(port.req.valid):
                    addr = ctx.get(port.req.addr) & ~3
                    if ctx.get(port.req.we):
                        old, new, be = mem.get(addr, 0), ctx.get(port.req.data), ctx.get(port.req.be)
                        mask = sum(0xFF << (8 * k) for k in range(4) if be >> k & 1)
                        mem[addr] = (old & ~mask) | (new & mask)
                    pending[name].append((cycle + latency, mem.get(addr, 0), ctx.get(port.req.tag)))
            if ctx.get(dut.retire.valid):
                retired.append((ctx.get(dut.retire.pc), ctx.get(dut.retire.rd),
                                ctx.get(dut.retire.data)))
            if ctx.get(dut.fault.valid):
                outcome["fault"] = (ctx.get(dut.fault.cause), ctx.get(dut.fault.pc),
                                    ctx.get(dut.fault.addr))
                return
            if not ctx.get(dut.busy):
                outcome["cycles"] = cycle
                return
            await ctx.tick()
        outcome["timeout"] = True

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert not outcome.get("timeout"), "program did not finish"
    return mem, retired, outcome


def sum_loop():
    # x1 = 10; x2 = 0; loop: x2 += x1; x1 -= 1; bnez x1, loop; sw x2, 0(x3); tmc x0
    return [
        asm.i("addi", 1, 0, 10),
        asm.i("addi", 2, 0, 0),
        asm.u("lui", 3, DATA >> 12),
        asm.r("add", 2, 2, 1),
        asm.i("addi", 1, 1, -1),
        asm.b("bne", 1, 0, -8),
        asm.s("sw", 2, 3, 4),
        asm.TMC_X0,
    ]


@pytest.mark.parametrize("latency", [1, 2, 5])
def test_sum_loop(latency):
    mem, retired, outcome = run_program(sum_loop(), latency=latency)
    assert mem[DATA + 4] == 55
    assert "fault" not in outcome
    # 3 setup + 10 iterations x 3 + sw + tmc
    assert len(retired) == 3 + 30 + 2


def test_load_use_mul_div_forwarding():
    words = [
        asm.u("lui", 3, DATA >> 12),
        asm.i("lw", 1, 3, 0),          # x1 = 7
        asm.r("mul", 2, 1, 1),         # load-use: 49
        asm.i("addi", 4, 0, -3),
        asm.r("div", 5, 2, 4),         # 49 / -3 = -16
        asm.r("rem", 6, 2, 4),         # 1
        asm.r("add", 7, 5, 6),         # -15
        asm.s("sw", 7, 3, 8),
        asm.i("lb", 8, 3, 12),         # 0xF0 sign extended
        asm.s("sh", 8, 3, 16),
        asm.TMC_X0,
    ]
    mem, retired, outcome = run_program(words, latency=2, memory={DATA: 7, DATA + 12: 0xF0})
    assert mem[DATA + 8] == (-15) & 0xFFFF_FFFF
    assert mem[DATA + 16] == 0xFFF0


def test_illegal_instruction_is_precise():
    words = [asm.i("addi", 1, 0, 1), 0xFFFF_FFFF, asm.i("addi", 2, 0, 2)]
    _, retired, outcome = run_program(words)
    assert outcome["fault"] == (FaultCause.ILLEGAL_INSN, BASE + 4, 0xFFFF_FFFF)
    assert [pc for pc, *_ in retired] == [BASE]


def test_misaligned_and_unmapped():
    words = [asm.u("lui", 3, DATA >> 12), asm.i("lw", 1, 3, 2)]
    _, _, outcome = run_program(words)
    assert outcome["fault"] == (FaultCause.LOAD_MISALIGNED, BASE + 4, DATA + 2)
    words = [asm.s("sw", 0, 0, 0)]
    _, _, outcome = run_program(words)
    assert outcome["fault"] == (FaultCause.STORE_ACCESS, BASE, 0)
