"""Instruction decoder: one 32-bit instruction word in, its control signals out (combinational).

Place in the pipeline: fetch buffer head -> ``source_registers`` (register file read) -> D:
**Decoder** -> X. Generated from ``INSTRUCTIONS`` in ``simtlab/spec/isa.py``: each row becomes one
case pattern, and the early operand-class function is derived from the same rows.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import FpuOp, Latency
from ...spec.isa import INSTRUCTIONS, AluOp, AmoOp, Format, OperandA, OperandB, Unit

__all__ = [
    "DecodedLayout",
    "Decoder",
    "source_registers",
]


#: Control signals of one decoded instruction.
DecodedLayout = data.StructLayout({
    "legal": 1,          #: the word is an instruction this core executes
    "unit": Unit,
    "alu_op": AluOp,
    "a_sel": OperandA,
    "b_sel": OperandB,
    "rd": 6,             #: register numbers: 0-31 x0-x31, 32-63 f0-f31
    "rs1": 6,
    "rs2": 6,
    "rs3": 6,
    "wb": 1,             #: writes rd (never set for rd = x0)
    "use_rs1": 1,
    "use_rs2": 1,
    "use_rs3": 1,
    "funct3": 3,
    "imm": 32,
    "fpu_op": FpuOp,
    "amo_op": AmoOp,     #: RV32A: the memory operation (AmoOp.NONE for every other instruction)
    "pipelined": 1,      #: a two-stage operation (Latency.PIPELINED): its result exists in M, not X
    "iterative": 1,      #: an iterative operation (div, fdiv, fsqrt): holds X until it is done
    "uses_rm": 1,        #: funct3 is a rounding mode
})


def _rows(muldiv, fpu):
    """The table rows a core with these extensions decodes."""
    return [d for d in INSTRUCTIONS
            if (muldiv or d.unit not in (Unit.MUL, Unit.DIV))
            and (fpu or not (d.fpu is not None or d.rd_fp or d.rs2_fp))]


def _float_keys(rows, reads, is_fp):
    """For one source operand: {opcode: (fp funct7s, integer funct7s)} over the rows that read it,
    a funct7 of ``None`` standing for "any". Raises ValueError when two rows that the early read
    cannot tell apart (same opcode and funct7) disagree on the operand's register class."""
    keys = {}
    for d in rows:
        if reads(d):
            keys.setdefault((d.opcode, d.funct7), set()).add(bool(is_fp(d)))
    classes = {}
    for (opcode, funct7), kinds in keys.items():
        if len(kinds) > 1:
            raise ValueError(f"rows with opcode {opcode.name} and funct7 {funct7!r} read both an x "
                             f"and an f register in the same operand")
        fp, integer = classes.setdefault(opcode, (set(), set()))
        (fp if kinds.pop() else integer).add(funct7)
    for opcode, (fp, integer) in classes.items():
        if None in fp | integer and fp and integer:
            raise ValueError(f"opcode {opcode.name} mixes any-funct7 rows with rows of the other "
                             f"register class")
    return classes


def source_registers(insn, fpu=True):
    """The source register numbers (rs1, rs2, rs3; 32-63 for f registers) of ``insn``, from its
    opcode and funct7 alone: cheaper than a full decode, so the register file can be read before
    the decoder runs. Derived from the decode table's rows (``rs1_fp``/``rs2_fp``/``rs3``); agrees
    with :class:`Decoder` on every legal instruction that reads the register (checked by
    tb/rtl/core/test_decoder.py)."""
    opcode, funct7 = insn[0:7], insn[25:32]
    rows = _rows(True, fpu)

    def is_float(classes):
        # Per opcode, the shorter list of funct7 values; legal words outside the rows don't care.
        terms = []
        for op, (fp, integer) in classes.items():
            if not fp:
                continue
            if None in fp or not integer:
                terms.append(opcode == op)
            elif len(integer) < len(fp):
                terms.append((opcode == op) & ~Cat(funct7 == f for f in sorted(integer)).any())
            else:
                terms.append((opcode == op) & Cat(funct7 == f for f in sorted(fp)).any())
        return Cat(*terms).any() if terms else C(0, 1)

    rs1_fp = is_float(_float_keys(rows, lambda d: d.reads_rs1, lambda d: d.rs1_fp))
    rs2_fp = is_float(_float_keys(rows, lambda d: d.reads_rs2, lambda d: d.rs2_fp))
    rs3_fp = is_float(_float_keys(rows, lambda d: d.rs3, lambda d: d.rs3))
    return Cat(insn[15:20], rs1_fp), Cat(insn[20:25], rs2_fp), Cat(insn[27:32], rs3_fp)


class Decoder(wiring.Component):
    """Combinational RV32IMF + Zicsr + Vortex custom-0 decoder.

    Members
    -------
    insn : In(32)
        The instruction word.
    out : Out(DecodedLayout)
        Its control signals; ``out.legal`` is 0 for any word not in the decode table.

    Parameters
    ----------
    muldiv : bool
        Decode the M extension (else its encodings are illegal).
    fpu : bool
        Decode the F extension (else its encodings, flw/fsw included, are illegal).

    Latency: combinational. Resources: one pattern match per table row.

    Raises
    ------
    TypeError
        ``muldiv`` or ``fpu`` is not a bool.
    """

    insn: In(32)
    out: Out(DecodedLayout)

    def __init__(self, *, muldiv=True, fpu=True):
        for name, value in (("muldiv", muldiv), ("fpu", fpu)):
            if not isinstance(value, bool):
                raise TypeError(f"Decoder {name} must be True or False, not {value!r}")
        self._rows = _rows(muldiv, fpu)
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        insn, out = self.insn, self.out

        imm = {
            Format.R: C(0, 32),
            Format.I: insn[20:32].as_signed(),
            Format.S: Cat(insn[7:12], insn[25:32]).as_signed(),
            Format.B: Cat(C(0, 1), insn[8:12], insn[25:31], insn[7], insn[31]).as_signed(),
            Format.U: Cat(C(0, 12), insn[12:32]),
            Format.J: Cat(C(0, 1), insn[21:31], insn[20], insn[12:20], insn[31]).as_signed(),
        }
        rd = insn[7:12]

        m.d.comb += [
            out.rd.eq(rd),
            out.rs1.eq(insn[15:20]),
            out.rs2.eq(insn[20:25]),
            out.rs3.eq(insn[27:32]),
            out.funct3.eq(insn[12:15]),
        ]
        with m.Switch(insn):
            for desc in self._rows:
                with m.Case(desc.pattern()):
                    m.d.comb += [
                        out.legal.eq(1),
                        out.unit.eq(desc.unit),
                        out.alu_op.eq(desc.alu),
                        out.a_sel.eq(desc.a),
                        out.b_sel.eq(desc.b),
                        out.imm.eq(imm[desc.fmt]),
                        out.wb.eq((1 if desc.rd_fp else rd != 0) if desc.writes_rd else 0),
                        out.use_rs1.eq(desc.reads_rs1),
                        out.use_rs2.eq(desc.reads_rs2),
                        out.use_rs3.eq(desc.rs3),
                        out.uses_rm.eq(desc.uses_rm),
                        out.pipelined.eq(desc.latency is Latency.PIPELINED),
                        out.iterative.eq(desc.latency is Latency.ITERATIVE),
                    ]
                    # Float register operands are numbered 32-63.
                    for field, is_fp in ((out.rd, desc.rd_fp), (out.rs1, desc.rs1_fp),
                                         (out.rs2, desc.rs2_fp), (out.rs3, desc.rs3)):
                        if is_fp:
                            m.d.comb += field[5].eq(1)
                    if desc.fpu is not None:
                        m.d.comb += out.fpu_op.eq(desc.fpu)
                    if desc.amo is not None:
                        m.d.comb += out.amo_op.eq(desc.amo)
        return m
