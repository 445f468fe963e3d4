"""A tiny RV32IM assembler for hand-written RTL unit tests (one function per instruction format)."""

__all__ = ["r", "i", "s", "b", "u", "j", "OPS"]


def _reg(x):
    assert 0 <= x < 32
    return x


def r(op, rd, rs1, rs2):
    f7, f3, opcode = OPS[op]
    return (f7 << 25) | (_reg(rs2) << 20) | (_reg(rs1) << 15) | (f3 << 12) | (_reg(rd) << 7) | opcode


def i(op, rd, rs1, imm):
    _, f3, opcode = OPS[op]
    if op in ("slli", "srli", "srai"):
        imm = (imm & 0x1F) | (0x400 if op == "srai" else 0)
    return ((imm & 0xFFF) << 20) | (_reg(rs1) << 15) | (f3 << 12) | (_reg(rd) << 7) | opcode


def s(op, rs2, rs1, imm):
    _, f3, opcode = OPS[op]
    return (((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | \
        ((imm & 0x1F) << 7) | opcode


def b(op, rs1, rs2, offset):
    _, f3, opcode = OPS[op]
    o = offset & 0x1FFF
    return (((o >> 12) & 1) << 31) | (((o >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) | \
        (f3 << 12) | (((o >> 1) & 0xF) << 8) | (((o >> 11) & 1) << 7) | opcode


def u(op, rd, imm20):
    return ((imm20 & 0xFFFFF) << 12) | (rd << 7) | OPS[op][2]


def j(rd, offset):
    o = offset & 0x1FFFFF
    return (((o >> 20) & 1) << 31) | (((o >> 1) & 0x3FF) << 21) | (((o >> 11) & 1) << 20) | \
        (((o >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F


OPS = {
    "add": (0, 0, 0x33), "sub": (0x20, 0, 0x33), "sll": (0, 1, 0x33), "slt": (0, 2, 0x33),
    "sltu": (0, 3, 0x33), "xor": (0, 4, 0x33), "srl": (0, 5, 0x33), "sra": (0x20, 5, 0x33),
    "or": (0, 6, 0x33), "and": (0, 7, 0x33),
    "mul": (1, 0, 0x33), "mulh": (1, 1, 0x33), "mulhsu": (1, 2, 0x33), "mulhu": (1, 3, 0x33),
    "div": (1, 4, 0x33), "divu": (1, 5, 0x33), "rem": (1, 6, 0x33), "remu": (1, 7, 0x33),
    "addi": (0, 0, 0x13), "slti": (0, 2, 0x13), "sltiu": (0, 3, 0x13), "xori": (0, 4, 0x13),
    "ori": (0, 6, 0x13), "andi": (0, 7, 0x13), "slli": (0, 1, 0x13), "srli": (0, 5, 0x13),
    "srai": (0, 5, 0x13),
    "lb": (0, 0, 0x03), "lh": (0, 1, 0x03), "lw": (0, 2, 0x03), "lbu": (0, 4, 0x03),
    "lhu": (0, 5, 0x03),
    "sb": (0, 0, 0x23), "sh": (0, 1, 0x23), "sw": (0, 2, 0x23),
    "beq": (0, 0, 0x63), "bne": (0, 1, 0x63), "blt": (0, 4, 0x63), "bge": (0, 5, 0x63),
    "bltu": (0, 6, 0x63), "bgeu": (0, 7, 0x63),
    "jalr": (0, 0, 0x67), "lui": (0, 0, 0x37), "auipc": (0, 0, 0x17),
    "csrrw": (0, 1, 0x73), "csrrs": (0, 2, 0x73), "csrrc": (0, 3, 0x73),
}

TMC_X0 = 0x0000000B     # tmc x0: retire the warp
