"""The decoder against its table (simtlab/spec/isa.py), on Amaranth's simulator: every row decodes to
its unit and operand classes, near-miss encodings are illegal, and the cheap operand-class function
the register file reads with agrees with the full decode."""

import random

import pytest
from amaranth import Elaboratable, Module, Signal
from amaranth.sim import Simulator

from simtlab.rtl.core.decoder import Decoder, source_registers
from simtlab.spec.fpu import FpuOp, Latency
from simtlab.spec.isa import INSTRUCTIONS, Unit

SEED = 4


def encode(desc, rng):
    """A random instruction word matching ``desc``'s pattern."""
    word = 0
    for i, bit in enumerate(reversed(desc.pattern())):
        value = rng.getrandbits(1) if bit == "-" else int(bit)
        word |= value << i
    return word


class _Bench(Elaboratable):
    def __init__(self, fpu):
        self.decoder = Decoder(fpu=fpu)
        self.fpu = fpu
        self.insn = Signal(32)
        self.rs = [Signal(6, name=f"rs{n}") for n in (1, 2, 3)]

    def elaborate(self, platform):
        m = Module()
        m.submodules.decoder = self.decoder
        m.d.comb += self.decoder.insn.eq(self.insn)
        for sig, value in zip(self.rs, source_registers(self.insn, self.fpu)):
            m.d.comb += sig.eq(value)
        return m


def decode_all(words, fpu=True):
    """Decoded fields and source_registers of each word."""
    dut = _Bench(fpu)
    results = []

    async def bench(ctx):
        for word in words:
            ctx.set(dut.insn, word)
            out = dut.decoder.out
            results.append({
                "legal": ctx.get(out.legal), "unit": ctx.get(out.unit), "fpu_op": ctx.get(out.fpu_op),
                "rd": ctx.get(out.rd), "rs1": ctx.get(out.rs1), "rs2": ctx.get(out.rs2),
                "rs3": ctx.get(out.rs3), "wb": ctx.get(out.wb), "use_rs3": ctx.get(out.use_rs3),
                "uses_rm": ctx.get(out.uses_rm), "pipelined": ctx.get(out.pipelined),
                "iterative": ctx.get(out.iterative),
                "src": [ctx.get(sig) for sig in dut.rs],
            })

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    return results


def test_every_row_decodes_to_its_classes():
    rng = random.Random(SEED)
    cases = [(desc, encode(desc, rng)) for desc in INSTRUCTIONS for _ in range(8)]
    for (desc, word), got in zip(cases, decode_all([w for _, w in cases])):
        where = f"{desc.name} {word:#010x} (seed {SEED})"
        assert got["legal"] == 1, where
        assert Unit(got["unit"]) is desc.unit, where
        rd, rs1, rs2, rs3 = ((word >> 7) & 31, (word >> 15) & 31, (word >> 20) & 31, word >> 27)
        assert got["rd"] == rd + 32 * desc.rd_fp, where
        assert got["rs1"] == rs1 + 32 * desc.rs1_fp, where
        assert got["rs2"] == rs2 + 32 * desc.rs2_fp, where
        assert got["wb"] == (int(desc.rd_fp or rd != 0) if desc.writes_rd else 0), where
        assert got["use_rs3"] == desc.rs3 and got["uses_rm"] == desc.uses_rm, where
        if desc.fpu is not None:
            assert FpuOp(got["fpu_op"]) is desc.fpu, where
        assert got["pipelined"] == (desc.latency is Latency.PIPELINED), where
        assert got["iterative"] == (desc.latency is Latency.ITERATIVE), where
        # The register file's early read uses the same register numbers as the decoder.
        if desc.reads_rs1:
            assert got["src"][0] == got["rs1"], where
        if desc.reads_rs2:
            assert got["src"][1] == got["rs2"], where
        if desc.rs3:
            assert got["src"][2] == got["rs3"], where


@pytest.mark.parametrize("word, why", [
    (0x0000_3007, "flw with funct3 = 3"),
    (0x0000_1027, "fsw with funct3 = 1"),
    (0x0200_0043, "fmadd with fmt = 01 (double)"),
    (0x0600_004F, "fnmadd with fmt = 11"),
    (0x5810_0053, "fsqrt with rs2 = 1"),
    (0x2000_3053, "fsgnj with funct3 = 3"),
    (0x2800_2053, "fmin/fmax with funct3 = 2"),
    (0xA000_3053, "feq/flt/fle with funct3 = 3"),
    (0xC020_0053, "fcvt.w.s with rs2 = 2"),
    (0xE000_2053, "fmv.x.w/fclass with funct3 = 2"),
    (0xE010_0053, "fmv.x.w with rs2 = 1"),
    (0xF000_1053, "fmv.w.x with funct3 = 1"),
    (0x0200_0053, "fadd.d (fmt = 01)"),
    (0x3000_0053, "funct7 0x18 is not an F operation"),
])
def test_near_misses_are_illegal(word, why):
    assert decode_all([word])[0]["legal"] == 0, why


def test_without_fpu_every_f_instruction_is_illegal():
    rng = random.Random(SEED)
    rows = [d for d in INSTRUCTIONS if d.fpu is not None or d.rd_fp or d.rs2_fp]
    assert len(rows) == 26
    words = [encode(d, rng) for d in rows]
    for desc, got in zip(rows, decode_all(words, fpu=False)):
        assert got["legal"] == 0, desc.name
        assert got["src"][0] < 32 and got["src"][1] < 32, desc.name
