"""The core on Amaranth's simulator with a Python memory model: small hand-assembled programs."""

import pytest
from amaranth.sim import Simulator

from simtlab.config import SimtConfig
from simtlab.rtl.soc.top import SimtTop
from simtlab.spec.status import FaultCause
from tb.rtl import asm

BASE = 0x8000_0000
DATA = 0x0001_0000


def run_program(words, *, latency=1, max_cycles=3000, memory=None, warps=1, threads=1):
    """Run ``words`` at BASE; returns (memory dict of words, retired list, outcome dict)."""
    cfg = SimtConfig(mem_latency=latency, warps=warps, threads=threads)
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
        await ctx.tick()                # the core leaves reset one cycle after the top
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
                    block = ctx.get(port.req.addr) & ~63
                    if ctx.get(port.req.we):
                        new, be = ctx.get(port.req.data), ctx.get(port.req.be)
                        for word in range(16):
                            mask = sum(0xFF << (8 * k) for k in range(4) if be >> (4 * word + k) & 1)
                            if mask:
                                addr = block + 4 * word
                                value = (new >> (32 * word)) & 0xFFFF_FFFF
                                mem[addr] = (mem.get(addr, 0) & ~mask) | (value & mask)
                    data = sum(mem.get(block + 4 * k, 0) << (32 * k) for k in range(16))
                    pending[name].append((cycle + latency, data, ctx.get(port.req.tag)))
            if ctx.get(dut.retire.valid):      # one core: element 0 of each retire field
                retired.append((ctx.get(dut.retire.pc[0]), ctx.get(dut.retire.rd[0]),
                                ctx.get(dut.retire.data[0].as_value())))
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


def custom(funct3, rd=0, rs1=0, rs2=0):
    return (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x0B


def csrr(rd, csr):
    return (csr << 20) | (2 << 12) | (rd << 7) | 0x73


def spawn_all_then(body, warps):
    """wspawn every warp at `work`, enable every lane, run `body`, store a4 at DATA + 4*mhartid."""
    prologue = [
        asm.i("addi", 5, 0, warps),
        asm.u("auipc", 6, 0),
        asm.i("addi", 6, 6, 12),        # work = pc of this auipc + 12
        custom(1, rs1=5, rs2=6),        # wspawn
        asm.i("addi", 7, 0, -1),        # work: all lanes on
        custom(0, rs1=7),               # tmc
    ]
    epilogue = [
        csrr(10, 0xF14),
        asm.i("slli", 11, 10, 2),
        asm.u("lui", 12, DATA >> 12),
        asm.r("add", 12, 12, 11),
        asm.s("sw", 14, 12, 0),
        custom(0),                      # tmc x0
    ]
    return prologue + body + epilogue


@pytest.mark.parametrize("warps,threads", [(2, 2), (4, 4)])
def test_every_hart_runs(warps, threads):
    body = [csrr(14, 0xF14), asm.r("mul", 14, 14, 14)]     # a4 = hart^2
    mem, retired, outcome = run_program(spawn_all_then(body, warps), warps=warps, threads=threads,
                                        latency=2)
    assert "fault" not in outcome
    harts = warps * threads
    assert [mem.get(DATA + 4 * h) for h in range(harts)] == [h * h for h in range(harts)]


@pytest.mark.parametrize("warps,threads", [(1, 4), (2, 4)])
def test_split_join_divergence(warps, threads):
    body = [
        csrr(10, 0xCC0),                # thread id
        asm.i("andi", 11, 10, 1),       # odd lanes
        custom(2, rd=13, rs1=11),       # split a3, a1
        asm.b("beq", 11, 0, 12),        # even lanes -> else
        asm.i("addi", 14, 0, 100),
        asm.j(0, 8),
        asm.i("addi", 14, 0, 200),      # else
        custom(3, rs1=13),              # join a3
    ]
    mem, retired, outcome = run_program(spawn_all_then(body, warps), warps=warps, threads=threads)
    assert "fault" not in outcome
    assert [mem.get(DATA + 4 * h) for h in range(warps * threads)] == \
        [100 if h % 2 else 200 for h in range(warps * threads)]
