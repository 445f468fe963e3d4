"""The emulator's decoder (part of the golden model, :mod:`simtlab.sim.emulator`): instruction word ->
``(execute, rd)``, driven by the one decode table :data:`simtlab.spec.isa.INSTRUCTIONS`.

A word is matched against the table's rows (their fixed bits: opcode, funct3, funct7, the rs2 field,
the fmt bits); a word that matches no row, or a row of an extension the config leaves out (M without
``config.muldiv``, F without ``config.fpu``), is an illegal instruction. The row then says what to build:
its ``unit`` (ALU, branch, load, ...), its ALU operation, its FPU operation and operand kinds
(``rd_fp``/``rs1_fp``/``rs2_fp``/``rs3``, ``uses_rm``), its name for the few that need one (loads,
stores, branches, M, SIMT). The semantics are the emulator module's docstring.

``execute(xs, pc)`` performs the instruction for the lane register lists ``xs`` (the executing warp's
active lanes, lowest first) and returns the next PC; ``rd`` is the register it is traced as writing
(0 for none, 32 + n for f-register n).
"""

from ..spec.csr import CSR
from ..spec.fpu import FpuOp
from ..spec.isa import INSTRUCTIONS, AluOp, AmoOp, Opcode, OperandA, OperandB, Unit
from ..spec.status import FaultCause
from .emu_simt import BUILDERS as SIMT_BUILDERS
from .emu_simt import diverge
from .emu_state import F, LANE, MASK32, SINK, Fault, Retry, signed, sext
from .fp import execute as fp_execute

__all__ = ["Decoder", "ALU_OPS", "MULDIV_OPS", "BRANCH_CONDS", "LOAD_KINDS", "STORE_SIZES",
           "AMO_OPS", "FP_BIT_OPS", "CYCLE_CSRS", "INSTRET_CSRS", "LANE_CSRS"]


# -- operations on unsigned 32-bit operands ------------------------------------------------------------

def _div(a, b):
    if b == 0:
        return MASK32
    sa, sb = signed(a), signed(b)
    if sa == -0x8000_0000 and sb == -1:
        return a
    q = abs(sa) // abs(sb)
    return (-q if (sa < 0) != (sb < 0) else q) & MASK32


def _rem(a, b):
    if b == 0:
        return a
    sa, sb = signed(a), signed(b)
    if sa == -0x8000_0000 and sb == -1:
        return 0
    r = abs(sa) % abs(sb)
    return (-r if sa < 0 else r) & MASK32


#: AluOp -> f(a, b).
ALU_OPS = {
    AluOp.ADD: lambda a, b: (a + b) & MASK32,
    AluOp.SUB: lambda a, b: (a - b) & MASK32,
    AluOp.SLL: lambda a, b: (a << (b & 31)) & MASK32,
    AluOp.SLT: lambda a, b: int(signed(a) < signed(b)),
    AluOp.SLTU: lambda a, b: int(a < b),
    AluOp.XOR: lambda a, b: a ^ b,
    AluOp.SRL: lambda a, b: a >> (b & 31),
    AluOp.SRA: lambda a, b: (signed(a) >> (b & 31)) & MASK32,
    AluOp.OR: lambda a, b: a | b,
    AluOp.AND: lambda a, b: a & b,
}

#: M-extension instruction name -> f(a, b).
MULDIV_OPS = {
    "mul": lambda a, b: (a * b) & MASK32,
    "mulh": lambda a, b: ((signed(a) * signed(b)) >> 32) & MASK32,
    "mulhsu": lambda a, b: ((signed(a) * b) >> 32) & MASK32,
    "mulhu": lambda a, b: (a * b) >> 32,
    "div": _div,
    "divu": lambda a, b: MASK32 if b == 0 else a // b,
    "rem": _rem,
    "remu": lambda a, b: a if b == 0 else a % b,
}

#: Branch name -> condition(a, b).
BRANCH_CONDS = {
    "beq": lambda a, b: a == b,
    "bne": lambda a, b: a != b,
    "blt": lambda a, b: signed(a) < signed(b),
    "bge": lambda a, b: signed(a) >= signed(b),
    "bltu": lambda a, b: a < b,
    "bgeu": lambda a, b: a >= b,
}

#: Load name -> (size in bytes, sign-extend).
LOAD_KINDS = {"lb": (1, True), "lh": (2, True), "lw": (4, False), "lbu": (1, False),
              "lhu": (2, False), "flw": (4, False)}

#: Store name -> size in bytes.
STORE_SIZES = {"sb": 1, "sh": 2, "sw": 4, "fsw": 4}
#: RV32A read-modify-write operations: (old word, rs2) -> new word (lr and sc: DeviceMemory.amo).
AMO_OPS = {
    AmoOp.SWAP: lambda old, src: src,
    AmoOp.ADD: lambda old, src: (old + src) & MASK32,
    AmoOp.XOR: lambda old, src: old ^ src,
    AmoOp.AND: lambda old, src: old & src,
    AmoOp.OR: lambda old, src: old | src,
    AmoOp.MIN: lambda old, src: old if signed(old) <= signed(src) else src,
    AmoOp.MAX: lambda old, src: old if signed(old) >= signed(src) else src,
    AmoOp.MINU: lambda old, src: min(old, src),
    AmoOp.MAXU: lambda old, src: max(old, src),
}

#: Operations that only move or re-sign bits and never raise a flag: the emulator runs them inline
#: (the same definitions as :func:`simtlab.sim.fp.execute`, which the unit tests compare them with).
FP_BIT_OPS = {
    FpuOp.MV_X_W: lambda a, b: a,
    FpuOp.MV_W_X: lambda a, b: a,
    FpuOp.SGNJ: lambda a, b: (a & 0x7FFF_FFFF) | (b & 0x8000_0000),
    FpuOp.SGNJN: lambda a, b: (a & 0x7FFF_FFFF) | (~b & 0x8000_0000),
    FpuOp.SGNJX: lambda a, b: a ^ (b & 0x8000_0000),
}

#: Rounding-mode fields that are reserved (an illegal instruction wherever they appear) and dynamic.
RM_RESERVED, RM_DYN = (5, 6), 7

_FP_OPCODES = {Opcode.LOAD_FP, Opcode.STORE_FP, Opcode.MADD, Opcode.MSUB, Opcode.NMSUB, Opcode.NMADD,
               Opcode.OP_FP}

#: CSRs that read the cycle counter / the retired-instruction counter: number -> bit shift.
CYCLE_CSRS = {c: 32 if c.name.endswith("H") else 0 for c in CSR if c.counts_cycles}
INSTRET_CSRS = {CSR.MINSTRET: 0, CSR.INSTRET: 0, CSR.MINSTRETH: 32, CSR.INSTRETH: 32}
#: CSRs whose value depends on the lane or the warp.
LANE_CSRS = (CSR.THREAD_ID, CSR.WARP_ID, CSR.ACTIVE_WARPS, CSR.ACTIVE_THREADS, CSR.MHARTID)


def _match_table():
    """Opcode -> [(mask, value, InstrDesc)]: each row's fixed bits (from ``InstrDesc.pattern``)."""
    table = {}
    for desc in INSTRUCTIONS:
        pattern = desc.pattern()
        mask = value = 0
        for bit, ch in enumerate(reversed(pattern)):
            if ch != "-":
                mask |= 1 << bit
                value |= int(ch) << bit
        table.setdefault(int(desc.opcode), []).append((mask, value, desc))
    return table


_TABLE = _match_table()


def match(insn):
    """The :class:`~simtlab.spec.isa.InstrDesc` row that ``insn`` matches, or None."""
    for mask, value, desc in _TABLE.get(insn & 0x7F, ()):
        if insn & mask == value:
            return desc
    return None


def _imm(insn, desc):
    """The immediate of ``insn`` in the row's format (a Python int, sign-extended)."""
    op = desc.opcode
    if op in (Opcode.LUI, Opcode.AUIPC):
        return insn & 0xFFFF_F000
    if op == Opcode.JAL:
        return sext(((insn >> 31) << 20) | (((insn >> 12) & 0xFF) << 12)
                    | (((insn >> 20) & 1) << 11) | (((insn >> 21) & 0x3FF) << 1), 21)
    if op == Opcode.BRANCH:
        return sext(((insn >> 31) << 12) | (((insn >> 7) & 1) << 11)
                    | (((insn >> 25) & 0x3F) << 5) | (((insn >> 8) & 0xF) << 1), 13)
    if op in (Opcode.STORE, Opcode.STORE_FP):
        return sext(((insn >> 25) << 5) | ((insn >> 7) & 0x1F), 12)
    return sext(insn >> 20, 12)


class Decoder:
    """Builds ``(execute, rd)`` for instruction words on the emulator ``emu`` (its config, memory,
    CSRs and warps; see the module docstring)."""

    def __init__(self, emu):
        self.emu = emu
        self.config = emu.config

    def decode(self, insn):
        """``(execute, rd)`` of ``insn``; an illegal encoding decodes to an ``execute`` that faults."""
        desc = match(insn)
        entry = None
        if desc is not None and self._enabled(desc):
            entry = self._build(insn, desc)
        if entry is None:
            return self._illegal(insn), 0
        return entry

    def _enabled(self, desc):
        if desc.opcode in _FP_OPCODES:
            return self.config.fpu
        if desc.unit in (Unit.MUL, Unit.DIV):
            return self.config.muldiv
        return True

    @staticmethod
    def _illegal(insn):
        def execute(xs, pc):
            raise Fault(FaultCause.ILLEGAL_INSN, insn)
        return execute

    def _build(self, insn, desc):
        rd = (insn >> 7) & 31
        fields = (rd or SINK, (insn >> 15) & 31, (insn >> 20) & 31)
        unit = desc.unit
        if unit is Unit.ALU:
            return self._alu(insn, desc, *fields)
        if unit in (Unit.MUL, Unit.DIV):
            return self._reg_op(MULDIV_OPS[desc.name], *fields)
        if unit is Unit.BRANCH:
            return self._branch(insn, desc, *fields)
        if unit is Unit.JAL:
            return self._jal(_imm(insn, desc), fields[0])
        if unit is Unit.JALR:
            return self._jalr(_imm(insn, desc), fields[0], fields[1])
        if unit is Unit.LOAD:
            return self._load(insn, desc, *fields)
        if unit is Unit.STORE:
            return self._store(insn, desc, *fields)
        if unit is Unit.AMO:
            return self._amo(desc, *fields)
        if unit is Unit.FENCE:
            return (lambda xs, pc: pc + 4), 0
        if unit is Unit.CSR:
            return self._csr(insn, desc, *fields)
        if unit in (Unit.SIMT, Unit.LANES):
            slot = fields[0]
            execute = SIMT_BUILDERS[desc.name](self.emu, *fields)
            return execute, (_arch(slot) if desc.writes_rd else 0)
        if unit is Unit.FPU:
            return self._fpu(insn, desc, *fields)
        return None

    # -- integer --------------------------------------------------------------------------------------
    def _alu(self, insn, desc, rd, rs1, rs2):
        if desc.a is OperandA.ZERO:                         # lui
            value = _imm(insn, desc)

            def execute(xs, pc):
                for x in xs:
                    x[rd] = value
                return pc + 4
            return execute, _arch(rd)
        if desc.a is OperandA.PC:                           # auipc
            offset = _imm(insn, desc)

            def execute(xs, pc):
                value = (pc + offset) & MASK32
                for x in xs:
                    x[rd] = value
                return pc + 4
            return execute, _arch(rd)
        op = ALU_OPS[desc.alu]
        if desc.b is OperandB.RS2:
            return self._reg_op(op, rd, rs1, rs2)
        imm = _imm(insn, desc) & MASK32
        if desc.alu is AluOp.ADD:                           # addi: the most common instruction
            def execute(xs, pc):
                for x in xs:
                    x[rd] = (x[rs1] + imm) & MASK32
                return pc + 4
            return execute, _arch(rd)
        if desc.alu in (AluOp.SLL, AluOp.SRL, AluOp.SRA):
            imm &= 31

        def execute(xs, pc):
            for x in xs:
                x[rd] = op(x[rs1], imm)
            return pc + 4
        return execute, _arch(rd)

    @staticmethod
    def _reg_op(op, rd, rs1, rs2):
        def execute(xs, pc):
            for x in xs:
                x[rd] = op(x[rs1], x[rs2])
            return pc + 4
        return execute, _arch(rd)

    def _branch(self, insn, desc, rd, rs1, rs2):
        cond = BRANCH_CONDS[desc.name]
        offset = _imm(insn, desc)
        emu = self.emu

        def execute(xs, pc):
            x = xs[-1]
            taken = cond(x[rs1], x[rs2])
            for y in xs:
                if cond(y[rs1], y[rs2]) != taken:                   # the lanes disagree
                    break
            else:
                if taken:
                    target = (pc + offset) & MASK32
                    if target & 3:
                        raise Fault(FaultCause.INSN_MISALIGNED, target)
                    return target
                return pc + 4
            target = (pc + offset) & MASK32
            if target & 3:
                raise Fault(FaultCause.INSN_MISALIGNED, target)
            fall = (pc + 4) & MASK32
            return diverge(emu, {y[LANE]: target if cond(y[rs1], y[rs2]) else fall for y in xs}, pc)
        return execute, 0

    @staticmethod
    def _jal(offset, rd):
        def execute(xs, pc):
            target = (pc + offset) & MASK32
            if target & 3:
                raise Fault(FaultCause.INSN_MISALIGNED, target)
            link = (pc + 4) & MASK32
            for x in xs:
                x[rd] = link
            return target
        return execute, _arch(rd)

    def _jalr(self, offset, rd, rs1):
        emu = self.emu

        def execute(xs, pc):
            target = ((xs[-1][rs1] + offset) & MASK32) & ~1
            targets = None
            for x in xs:
                if ((x[rs1] + offset) & MASK32) & ~1 != target:     # per-lane targets differ
                    targets = {y[LANE]: ((y[rs1] + offset) & MASK32) & ~1 for y in xs}
                    break
            for lane_target in (targets.values() if targets else (target,)):
                if lane_target & 3:                                 # the lowest such lane's
                    raise Fault(FaultCause.INSN_MISALIGNED, lane_target)
            link = (pc + 4) & MASK32
            for x in xs:
                x[rd] = link
            return diverge(emu, targets, pc) if targets else target
        return execute, _arch(rd)

    # -- memory ---------------------------------------------------------------------------------------
    def _load(self, insn, desc, rd, rs1, rs2):
        size, is_signed = LOAD_KINDS[desc.name]
        if desc.rd_fp:
            rd = F + ((insn >> 7) & 31)                     # f0 is a register
        traced = rd if desc.rd_fp else _arch(rd)
        offset = _imm(insn, desc)
        load = self.emu._memory.load
        sign_bit = 1 << (8 * size - 1)
        extend = (sign_bit << 1) if is_signed else 0

        if not is_signed:
            def execute(xs, pc):
                if len(xs) == 1:
                    x = xs[0]
                    x[rd] = load((x[rs1] + offset) & MASK32, size)
                    return pc + 4
                # every lane's access is checked (lowest lane first) before any register is written
                values = [load((x[rs1] + offset) & MASK32, size) for x in xs]
                for x, value in zip(xs, values):
                    x[rd] = value
                return pc + 4
            return execute, traced

        def execute(xs, pc):
            if len(xs) == 1:
                x = xs[0]
                value = load((x[rs1] + offset) & MASK32, size)
                x[rd] = (value - extend) & MASK32 if value & sign_bit else value
                return pc + 4
            values = [load((x[rs1] + offset) & MASK32, size) for x in xs]
            for x, value in zip(xs, values):
                x[rd] = (value - extend) & MASK32 if value & sign_bit else value
            return pc + 4
        return execute, traced

    def _store(self, insn, desc, rd, rs1, rs2):
        size = STORE_SIZES[desc.name]
        if desc.rs2_fp:
            rs2 += F
        offset = _imm(insn, desc)
        memory = self.emu._memory
        store, check = memory.store, memory.check_store

        def execute(xs, pc):
            if len(xs) == 1:
                x = xs[0]
                stop = store((x[rs1] + offset) & MASK32, size, x[rs2])
            else:
                for x in xs:                                        # no lane stores if any faults
                    check((x[rs1] + offset) & MASK32, size)
                stop = None
                for x in xs:
                    event = store((x[rs1] + offset) & MASK32, size, x[rs2])
                    if stop is None:
                        stop = event
            if stop is not None:
                raise stop
            return pc + 4
        return execute, 0

    def _amo(self, desc, rd, rs1, rs2):
        """RV32A: every active lane's atomic, lowest lane first, after every lane's address is
        checked. In lock-step (``emu.amo_order`` from the other backend's trace) a warp performs
        its atomic only when it is the next one that backend performed, else it retries later, so
        both see the same order of atomics at the memory."""
        emu = self.emu
        memory = emu._memory
        op, update = desc.amo, AMO_OPS.get(desc.amo)
        threads = self.config.threads

        def execute(xs, pc):
            memory.check_amo([x[rs1] for x in xs])
            order = emu.amo_order
            if order is not None and emu.amo_next < len(order):
                if order[emu.amo_next] != emu._warp.gid:
                    raise Retry()
                emu.amo_next += 1
            base = emu._warp.gid * threads
            for x in xs:
                x[rd] = memory.amo(x[rs1], op, x[rs2], base + x[LANE], update)
            return pc + 4
        return execute, _arch(rd)

    # -- CSRs -----------------------------------------------------------------------------------------
    def _csr(self, insn, desc, rd, rs1, rs2):
        emu = self.emu
        number = insn >> 20
        funct3 = desc.funct3
        if not emu._csr_exists(number):
            return None
        immediate = funct3 >= 5                             # csrrwi/csrrsi/csrrci: rs1 is uimm
        op = funct3 & 3                                     # 1 write, 2 set, 3 clear
        writes = op == 1 or rs1 != 0
        if writes and number >> 10 == 3:                    # 0xCxx and 0xFxx are read-only
            return None
        read, write = emu._csr_read, emu._csr_write
        per_lane = number in LANE_CSRS

        def execute(xs, pc):
            last = xs[-1]
            old = read(number, last[LANE])                  # writable CSRs are per core / warp
            if writes:
                operand = rs1 if immediate else last[rs1]   # the last active lane's operand
                write(number, operand if op == 1 else (old | operand if op == 2 else old & ~operand))
            if per_lane:
                for x in xs:
                    x[rd] = read(number, x[LANE])
            else:
                for x in xs:
                    x[rd] = old
            return pc + 4
        return execute, _arch(rd)

    # -- F extension (RV32F) --------------------------------------------------------------------------
    def _fpu(self, insn, desc, rd, rs1, rs2):
        if desc.uses_rm:
            rm = (insn >> 12) & 7
            if rm in RM_RESERVED:
                return None
        else:
            rm = 0
        fd = F + ((insn >> 7) & 31) if desc.rd_fp else rd
        a = F + rs1 if desc.rs1_fp else rs1
        b = F + rs2 if desc.rs2_fp else 0                   # x0's slot reads 0: an unused operand
        c = F + (insn >> 27) if desc.rs3 else 0
        traced = fd if desc.rd_fp else _arch(rd)
        return self._fp(insn, desc.fpu, rm, fd, a, b, c), traced

    def _fp(self, insn, op, rm, rd, a, b=0, c=0):
        """``execute`` of one F operation: ``rd``, ``a``, ``b``, ``c`` are register-list slots (f-registers
        at :data:`F` + n, integers at n, x0's slot reads 0 and stands in for unused operands). Every
        active lane computes with :func:`simtlab.sim.fp.execute` (moves and sign injection, which raise
        no flags, inline: :data:`FP_BIT_OPS`); the OR of their flags accrues into the warp's fflags.
        ``rm`` :data:`RM_DYN` reads the warp's frm, which must be 0-4."""
        emu = self.emu
        bit_op = FP_BIT_OPS.get(op)
        if bit_op is not None:
            if op is FpuOp.MV_X_W or op is FpuOp.MV_W_X:
                def execute(xs, pc):
                    for x in xs:
                        x[rd] = x[a]
                    return pc + 4
                return execute

            def execute(xs, pc):
                for x in xs:
                    x[rd] = bit_op(x[a], x[b])
                return pc + 4
            return execute
        if rm == RM_DYN:
            def execute(xs, pc):
                warp = emu._warp
                mode = warp.fcsr >> 5
                if mode > 4:
                    raise Fault(FaultCause.ILLEGAL_INSN, insn)
                flags = 0
                for x in xs:
                    x[rd], raised = fp_execute(op, mode, x[a], x[b], x[c])
                    flags |= raised
                warp.fcsr |= flags
                return pc + 4
            return execute

        def execute(xs, pc):
            flags = 0
            for x in xs:
                x[rd], raised = fp_execute(op, rm, x[a], x[b], x[c])
                flags |= raised
            if flags:
                emu._warp.fcsr |= flags
            return pc + 4
        return execute


def _arch(slot):
    """The traced ``rd`` of an integer destination slot (0 for x0's sink)."""
    return 0 if slot == SINK else slot
