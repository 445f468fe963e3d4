"""Generator of the RV32F ISA self-tests ``kernels/isa/f*.S``.

Every case of the tables below becomes one macro line of test_macros.h (``TEST_FP_RR(7, fadd.s, rtz,
<expected bits>, <expected fflags>, a, b)``); the expected bits and flags come from the SoftFloat-based
reference :func:`simtlab.sim.fp.execute`, so the files hold no hand-computed numbers. The generated
files are committed; ``tb/kernels/test_fp_isa_gen.py`` checks that regenerating reproduces them byte for
byte. After editing a table run::

    python -m simtlab.kernels.fp_isa_gen            # rewrite kernels/isa/f*.S
    python -m simtlab.kernels.fp_isa_gen --check    # exit status 1 if a file differs
"""

import argparse
import random
import struct
import sys
from pathlib import Path

from ..sim.fp import execute
from ..spec.fpu import FpuOp

__all__ = ["FILES", "generate", "render", "write", "main"]

ISA_DIR = Path(__file__).resolve().parent / "isa"
MASK32 = 0xFFFF_FFFF

RM = {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rmm": 4}
ALL_RM = tuple(RM)

OPS = {
    "fadd.s": FpuOp.ADD, "fsub.s": FpuOp.SUB, "fmul.s": FpuOp.MUL, "fdiv.s": FpuOp.DIV,
    "fsqrt.s": FpuOp.SQRT,
    "fmadd.s": FpuOp.MADD, "fmsub.s": FpuOp.MSUB, "fnmsub.s": FpuOp.NMSUB, "fnmadd.s": FpuOp.NMADD,
    "fsgnj.s": FpuOp.SGNJ, "fsgnjn.s": FpuOp.SGNJN, "fsgnjx.s": FpuOp.SGNJX,
    "fmin.s": FpuOp.MIN, "fmax.s": FpuOp.MAX,
    "feq.s": FpuOp.EQ, "flt.s": FpuOp.LT, "fle.s": FpuOp.LE,
    "fclass.s": FpuOp.CLASS,
    "fcvt.w.s": FpuOp.CVT_W_S, "fcvt.wu.s": FpuOp.CVT_WU_S,
    "fcvt.s.w": FpuOp.CVT_S_W, "fcvt.s.wu": FpuOp.CVT_S_WU,
}


def f(value):
    """The binary32 bit pattern of a Python float (rounded to nearest)."""
    return struct.unpack("<I", struct.pack("<f", value))[0]


# -- notable bit patterns -----------------------------------------------------------------------------
P0, N0 = 0x0000_0000, 0x8000_0000
PINF, NINF = 0x7F80_0000, 0xFF80_0000
QNAN, NQNAN, QNAN_PAYLOAD = 0x7FC0_0000, 0xFFC0_0000, 0x7FC1_2345
SNAN, NSNAN, SNAN_PAYLOAD = 0x7F80_0001, 0xFF80_0001, 0x7FA0_0000
ONE, NONE, TWO, THREE, HALF = f(1.0), f(-1.0), f(2.0), f(3.0), f(0.5)
MAXF, NMAXF = 0x7F7F_FFFF, 0xFF7F_FFFF            # largest finite
MINN, NMINN = 0x0080_0000, 0x8080_0000            # smallest normal
MAXS, NMAXS = 0x007F_FFFF, 0x807F_FFFF            # largest subnormal
MINS, NMINS = 0x0000_0001, 0x8000_0001            # smallest subnormal
ONE_ULP = 0x3F80_0001                             # 1 + 2^-23
EPS_HALF = 0x3380_0000                            # 2^-24: half an ulp of 1.0
EPS_3Q = 0x3340_0000                              # 2^-24 * 0.75
ONE_3ULP = 0x3F80_0003                            # 1 + 3 * 2^-23


def _random_values(seed, count):
    """Deterministic operands: random normal-range floats plus some raw random bit patterns."""
    rng = random.Random(seed)
    values = []
    for index in range(count):
        if index % 3 == 2:
            values.append(rng.getrandbits(32))
        else:
            sign = rng.getrandbits(1) << 31
            exponent = rng.randrange(100, 155) << 23
            values.append(sign | exponent | rng.getrandbits(23))
    return values


# -- case tables ----------------------------------------------------------------------------------------
# A file is a list of items. A str is a comment ("\n" starts a new line of it). A tuple is a case
# (macro, instruction, rm, *operands) where rm is a mode name, "dyn" (the frm the generator tracks) or
# None for macros without one. A dict is a raw item: {"code": ..., "expect": ...} for a hand-written
# TEST_CASE line (CSR behaviour), {"accrue": [(inst, a, b), ...], "preset": flags} for flag accrual
# over several instructions, or {"frm": k} to set frm (``csrwi frm, k``) for the "dyn" cases after it.

def _arith_file():
    items = ["fadd.s / fsub.s / fmul.s: exact and inexact results, ties, signed zeros, infinities,\n"
             "NaNs, subnormals, overflow and underflow, in every static rounding mode"]
    every_rm = [                                   # cases whose result depends on the rounding mode
        (ONE, EPS_HALF), (ONE, EPS_3Q), (ONE_ULP, EPS_HALF), (NONE, EPS_3Q | N0), (f(-1.5), EPS_HALF | N0),
        (MAXF, MAXF), (NMAXF, NMAXF), (f(1e38), f(1e38)), (f(0.1), f(0.2)), (ONE, NONE), (f(3.5), f(-3.5)),
        (MINN, MINS | N0), (THREE, f(1.0 / 3.0)),
    ]
    rne_only = [
        (ONE, TWO), (P0, P0), (N0, N0), (P0, N0), (N0, P0), (PINF, ONE), (PINF, PINF), (PINF, NINF),
        (NINF, NINF), (QNAN, ONE), (ONE, SNAN), (QNAN_PAYLOAD, SNAN_PAYLOAD), (MINS, MINS), (MAXS, MINS),
        (MINN, NMINS), (MAXS, MAXS), (P0, MINS), (ONE, P0), (f(1e-30), f(-1e-30)),
    ]
    mul_every_rm = [
        (ONE_ULP, ONE_ULP), (THREE, f(1.0 / 3.0)), (MAXF, TWO), (NMAXF, TWO), (MINN, HALF | 0),
        (0x0080_0001, HALF), (0x0080_0003, HALF), (0x00FF_FFFF, HALF), (MINN, f(0.999999)),
        (MINS, HALF), (f(1.1), f(1.1)), (f(-1.1), f(1.1)), (0x3F80_0001, 0xBF80_0001),
    ]
    mul_rne = [
        (TWO, THREE), (P0, PINF), (N0, PINF), (PINF, NINF), (NONE, P0), (N0, N0), (SNAN, ONE), (QNAN, P0),
        (MAXS, TWO), (MINS, f(2.0 ** 23)), (f(2.0 ** 64), f(2.0 ** 64)), (f(2.0 ** -64), f(2.0 ** -64)),
        (f(2.0 ** -63), f(2.0 ** -63)), (f(2.0 ** 127), HALF),
    ]
    for inst in ("fadd.s", "fsub.s"):
        items.append(f"{inst}")
        items += [("TEST_FP_RR", inst, rm, a, b) for a, b in every_rm for rm in ALL_RM]
        items += [("TEST_FP_RR", inst, "rne", a, b) for a, b in rne_only]
    items.append("fmul.s")
    items += [("TEST_FP_RR", "fmul.s", rm, a, b) for a, b in mul_every_rm for rm in ALL_RM]
    items += [("TEST_FP_RR", "fmul.s", "rne", a, b) for a, b in mul_rne]
    items.append("random operands")
    values = _random_values(1, 36)
    for k, inst in enumerate(("fadd.s", "fsub.s", "fmul.s")):
        for j in range(0, 12, 2):
            a, b = values[12 * k + j:12 * k + j + 2]
            items.append(("TEST_FP_RR", inst, ALL_RM[j // 2 % 5], a, b))
    items.append("register variants: rd = rs1, rd = rs2, rd = rs1 = rs2, rd = f0, result used at once")
    items += [
        ("TEST_FP_RR_SRC1_EQ_DEST", "fadd.s", "rne", ONE, TWO),
        ("TEST_FP_RR_SRC2_EQ_DEST", "fsub.s", "rtz", ONE, EPS_3Q),
        ("TEST_FP_RR_SRC12_EQ_DEST", "fmul.s", "rup", f(1.1)),
        ("TEST_FP_RR_F0", "fadd.s", "rmm", ONE, EPS_HALF),
        ("TEST_FP_RR_DEP", "fmul.s", "rdn", f(-1.1), f(1.1)),
        ("TEST_FSW_RESULT", "fadd.s", "rne", THREE, HALF, 0, "fdata"),
    ]
    return items


def _div_file():
    items = ["fdiv.s / fsqrt.s: exact and inexact quotients and roots in every rounding mode, division by\n"
             "zero, invalid operations, signed zeros, infinities, NaNs and subnormals"]
    div_every_rm = [
        (ONE, THREE), (NONE, THREE), (TWO, THREE), (f(10.0), f(3.0)), (ONE, f(7.0)), (MAXF, HALF),
        (MINN, f(3.0)), (MINS, TWO), (0x0000_0003, TWO), (MAXF, f(0.9)), (f(1e-38), f(1e10)),
        (ONE, ONE_ULP),
    ]
    div_rne = [
        (f(6.0), THREE), (ONE, P0), (NONE, P0), (ONE, N0), (P0, P0), (PINF, PINF), (NINF, TWO), (TWO, PINF),
        (N0, ONE), (P0, NONE), (PINF, P0), (QNAN, ONE), (ONE, SNAN), (SNAN, P0), (P0, QNAN), (MINS, MAXF),
        (MAXS, MAXS), (MINS, MINS), (MAXF, MINS),
    ]
    sqrt_every_rm = [TWO, THREE, f(10.0), f(0.5), MAXF, MINS, MAXS, ONE_ULP, f(1e-40), f(123456.7)]
    sqrt_rne = [P0, N0, ONE, f(4.0), f(0.25), PINF, NINF, NONE, f(-1e-40), QNAN, SNAN, NQNAN, MINN,
                f(2.0 ** -148), f(2.0 ** 126)]
    items.append("fdiv.s")
    items += [("TEST_FP_RR", "fdiv.s", rm, a, b) for a, b in div_every_rm for rm in ALL_RM]
    items += [("TEST_FP_RR", "fdiv.s", "rne", a, b) for a, b in div_rne]
    values = _random_values(2, 12)
    items += [("TEST_FP_RR", "fdiv.s", ALL_RM[j // 2 % 5], values[j], values[j + 1])
              for j in range(0, 12, 2)]
    items.append("fsqrt.s")
    items += [("TEST_FP_R", "fsqrt.s", rm, a) for a in sqrt_every_rm for rm in ALL_RM]
    items += [("TEST_FP_R", "fsqrt.s", "rne", a) for a in sqrt_rne]
    items += [("TEST_FP_R", "fsqrt.s", ALL_RM[j % 5], value & 0x7FFF_FFFF)
              for j, value in enumerate(_random_values(3, 6))]
    items.append("register variants")
    items += [
        ("TEST_FP_RR_SRC1_EQ_DEST", "fdiv.s", "rne", ONE, THREE),
        ("TEST_FP_RR_SRC2_EQ_DEST", "fdiv.s", "rup", TWO, THREE),
        ("TEST_FP_RR_SRC12_EQ_DEST", "fdiv.s", "rne", f(7.0)),
        ("TEST_FP_RR_F0", "fdiv.s", "rdn", NONE, THREE),
        ("TEST_FP_RR_DEP", "fdiv.s", "rtz", ONE, P0),
    ]
    return items


def _fused_file():
    items = ["fmadd.s / fmsub.s / fnmsub.s / fnmadd.s: one rounding, signs of exact zeros, inf * 0,\n"
             "NaN propagation, overflow and underflow, in every static rounding mode"]
    every_rm = [
        (ONE_ULP, ONE_ULP, NONE),             # the product's low bits survive only with a single rounding
        (THREE, f(1.0 / 3.0), NONE),
        (ONE, ONE, EPS_HALF),
        (TWO, THREE, f(1e-8)),
        (ONE, ONE, NONE),                     # exact zero: +0, or -0 rounding down
        (f(1.1), f(1.1), f(-1.21)),
        (MAXF, TWO, NMAXF),
        (MAXF, MAXF, P0),
        (MINN, HALF, MINS),
        (0x0080_0001, HALF, P0),
        (f(0.1), f(10.0), NONE),
        (f(-1.5), f(2.5), f(0.7)),
    ]
    rne_only = [
        (P0, PINF, ONE), (PINF, P0, QNAN), (PINF, ONE, NINF), (ONE, ONE, PINF), (QNAN, ONE, ONE),
        (ONE, SNAN, ONE), (ONE, ONE, SNAN), (P0, P0, N0), (N0, P0, N0), (P0, P0, P0), (N0, ONE, P0),
        (MINS, MINS, P0), (MINS, MINS, N0), (TWO, THREE, f(4.0)), (QNAN, P0, PINF),
    ]
    for inst in ("fmadd.s", "fmsub.s", "fnmsub.s", "fnmadd.s"):
        items.append(inst)
        items += [("TEST_FP_R4", inst, rm, a, b, c) for a, b, c in every_rm for rm in ALL_RM]
        items += [("TEST_FP_R4", inst, "rne", a, b, c) for a, b, c in rne_only]
    items.append("random operands")
    values = _random_values(4, 24)
    for k, inst in enumerate(("fmadd.s", "fmsub.s", "fnmsub.s", "fnmadd.s")):
        for j in range(2):
            base = 6 * k + 3 * j
            items.append(("TEST_FP_R4", inst, ALL_RM[(k + j) % 5], *values[base:base + 3]))
    items.append("register variants: rd = rs3")
    items += [("TEST_FP_R4_SRC3_EQ_DEST", "fmadd.s", "rne", TWO, THREE, ONE),
              ("TEST_FP_R4_SRC3_EQ_DEST", "fnmadd.s", "rtz", THREE, f(1.0 / 3.0), EPS_HALF)]
    return items


def _minmax_file():
    items = ["fmin.s / fmax.s: ordering, -0 < +0, one or two NaN operands (canonical NaN), sNaN flags"]
    pairs = [
        (ONE, TWO), (TWO, ONE), (NONE, ONE), (NINF, PINF), (PINF, MAXF), (NINF, NMAXF), (P0, N0), (N0, P0),
        (P0, P0), (N0, N0), (MINS, P0), (NMINS, N0), (MINS, NMINS), (QNAN, ONE), (ONE, QNAN), (NQNAN, NONE),
        (SNAN, ONE), (ONE, SNAN), (QNAN, QNAN), (SNAN, QNAN), (QNAN_PAYLOAD, SNAN_PAYLOAD), (NSNAN, NINF),
        (f(2.5), f(2.5)), (ONE_ULP, ONE),
    ]
    for inst in ("fmin.s", "fmax.s"):
        items.append(inst)
        items += [("TEST_FP_RR_N", inst, None, a, b) for a, b in pairs]
        values = _random_values(5 if inst == "fmin.s" else 6, 8)
        items += [("TEST_FP_RR_N", inst, None, values[j], values[j + 1]) for j in range(0, 8, 2)]
    return items


def _cmp_file():
    items = ["feq.s / flt.s / fle.s: ordered and unordered operands; feq is quiet (NV only for a\n"
             "signaling NaN), flt/fle signal NV for any NaN; +0 == -0"]
    pairs = [
        (ONE, ONE), (ONE, TWO), (TWO, ONE), (NONE, ONE), (P0, N0), (N0, P0), (N0, N0), (NINF, PINF),
        (PINF, PINF), (NINF, NMAXF), (MINS, P0), (NMINS, MINS), (MAXS, MINN), (ONE_ULP, ONE),
        (QNAN, ONE), (ONE, QNAN), (QNAN, QNAN), (SNAN, ONE), (ONE, SNAN), (NQNAN, NINF), (SNAN, SNAN),
    ]
    for inst in ("feq.s", "flt.s", "fle.s"):
        items.append(inst)
        items += [("TEST_FP_CMP", inst, None, a, b) for a, b in pairs]
    items.append("rd = x0: no register write, the flags still accrue")
    items += [("TEST_FP_CMP_ZERODEST", "flt.s", None, QNAN, ONE),
              ("TEST_FP_CMP_ZERODEST", "feq.s", None, SNAN, ONE),
              ("TEST_FP_CMP_ZERODEST", "fle.s", None, ONE, TWO)]
    return items


def _cvt_file():
    items = ["fcvt.s.w / fcvt.s.wu: exact conversions, rounding of values above 2^24 (ties) in every\n"
             "static rounding mode, the extremes"]
    every_rm = [16_777_217, 16_777_219, 0x7FFF_FFFF, 0x8000_0001, 0xFFFF_FF7F, 0x7FFF_FFC0, 0x7FFF_FF40,
                123_456_789, -(16_777_217) & MASK32, 0x0100_0003, 0xFFFF_FFFF]
    exact = [0, 1, 2, 0xFFFF_FFFF, 0x8000_0000, 16_777_216, 0xFF00_0000, 12345, 0x7FFF_FF80, 0x4000_0000]
    for inst in ("fcvt.s.w", "fcvt.s.wu"):
        items.append(inst)
        items += [("TEST_FP_FROM_INT", inst, rm, a) for a in every_rm for rm in ALL_RM]
        items += [("TEST_FP_FROM_INT", inst, "rne", a) for a in exact]
        items.append(("TEST_FP_FROM_INT_X0", inst, "rne"))
    return items


def _cvt_w_file():
    items = ["fcvt.w.s / fcvt.wu.s: rounding of fractions and ties in every static rounding mode,\n"
             "saturation (NV) for out-of-range values, infinities and NaNs; -1 < x < 0 to unsigned"]
    every_rm = [f(0.5), f(1.5), f(2.5), f(-0.5), f(-1.5), f(-2.5), f(0.9), f(-0.9), f(1.1), f(-1.1),
                MINS, NMINS, f(123456.5), f(-7.75), f(1e-10)]
    rne_only = [P0, N0, ONE, NONE, f(2.0 ** 31), f(-(2.0 ** 31)), f(2.0 ** 31 - 128), f(-(2.0 ** 31) - 256),
                f(2.0 ** 32), f(2.0 ** 32 - 256), f(4e9), f(-4e9), PINF, NINF, QNAN, NQNAN, SNAN, MAXF,
                NMAXF, f(16_777_217.0)]
    for inst in ("fcvt.w.s", "fcvt.wu.s"):
        items.append(inst)
        items += [("TEST_FP_TO_INT", inst, rm, a) for a in every_rm for rm in ALL_RM]
        items += [("TEST_FP_TO_INT", inst, "rne", a) for a in rne_only]
        items.append(("TEST_FP_TO_INT_ZERODEST", inst, "rne", QNAN))
    return items


def _class_file():
    items = ["fclass.s: every one of the ten classes (the mask has exactly one bit set), no flags"]
    values = [NINF, NONE, NMAXF, NMINN, NMAXS, NMINS, N0, P0, MINS, MAXS, MINN, ONE, MAXF, PINF,
              SNAN, NSNAN, SNAN_PAYLOAD, QNAN, NQNAN, QNAN_PAYLOAD, 0x7FFF_FFFF, 0xFFFF_FFFF]
    items += [("TEST_FP_CLASS", "fclass.s", None, a) for a in values]
    return items


def _move_file():
    items = ["fsgnj.s / fsgnjn.s / fsgnjx.s (fmv.s, fneg.s, fabs.s) and fmv.w.x / fmv.x.w: bits move\n"
             "unchanged (NaN payloads and signaling NaNs included), no flags"]
    pairs = [(ONE, TWO), (ONE, NONE), (NONE, ONE), (NONE, NONE), (P0, N0), (N0, P0), (PINF, NINF),
             (QNAN, NONE), (SNAN, NONE), (NSNAN, ONE), (QNAN_PAYLOAD, NQNAN), (MINS, N0), (NMAXF, NMAXF)]
    for inst in ("fsgnj.s", "fsgnjn.s", "fsgnjx.s"):
        items.append(inst)
        items += [("TEST_FP_RR_N", inst, None, a, b) for a, b in pairs]
    items.append("fmv.w.x / fmv.x.w")
    items += [("TEST_FP_MV", None, None, a)
              for a in (P0, N0, ONE, SNAN, NSNAN, QNAN_PAYLOAD, 0xFFFF_FFFF, 0x1234_5678, MINS)]
    return items


LDST_DATA = [ONE, N0, SNAN, QNAN_PAYLOAD, 0xDEAD_BEEF, MINS, NINF, f(1.5)]


def _ldst_file():
    items = ["flw / fsw: words move unchanged (no NaN canonicalisation), positive and negative offsets,\n"
             "f0 as destination, load-use, store-to-load, an F result stored at once"]
    items.append("flw")
    for k, word in enumerate(LDST_DATA):
        items.append(("TEST_FLW", None, None, word, 4 * k, "fdata"))
    items += [("TEST_FLW", None, None, LDST_DATA[-1], -4, "fdata_end"),
              ("TEST_FLW", None, None, LDST_DATA[0], -4 * len(LDST_DATA), "fdata_end"),
              ("TEST_FLW_F0", None, None, LDST_DATA[2], 8, "fdata"),
              ("TEST_FLW_USE", None, None, LDST_DATA[7], 28, "fdata"),
              ("TEST_FLW_USE", None, None, LDST_DATA[2], 8, "fdata")]
    items.append("fsw")
    for k, word in enumerate((0x3F80_0000, SNAN, NQNAN, 0x0BAD_F00D, N0, 0xFFFF_FFFF)):
        items.append(("TEST_FSW", None, None, word, 4 * k, "fbuf"))
    items += [("TEST_FSW", None, None, 0x1357_9BDF, -4, "fbuf_end"),
              ("TEST_FSW_FLW", None, None, SNAN_PAYLOAD, 8, "fbuf"),
              ("TEST_FSW_FLW", None, None, 0x89AB_CDEF, -8, "fbuf_end"),
              ("TEST_FSW_RESULT", "fmul.s", "rtz", THREE, f(1.0 / 3.0), 12, "fbuf")]
    return items


def _fcsr_file():
    items = ["fflags / frm / fcsr CSRs (fcsr = frm << 5 | fflags, frm 3 bits, fcsr bits above 7\n"
             "dropped), sticky flag accrual, dynamic rounding (rm = dyn reads frm) against static rm"]
    raw = [
        ("csrr x14, fcsr", 0),                                  # fcsr is 0 at launch
        ("csrwi frm, 3; csrr x14, frm", 3),
        ("csrr x14, fcsr", 0x60),
        ("csrr x14, fflags", 0),
        ("csrwi fflags, 0x1f; csrr x14, fcsr", 0x7F),
        ("li x1, 0xfff; csrw fcsr, x1; csrr x14, fcsr", 0xFF),
        ("csrr x14, frm", 7),
        ("csrr x14, fflags", 0x1F),
        ("li x1, 0x1d; csrw frm, x1; csrr x14, frm", 5),
        ("li x1, 0x3c; csrw fflags, x1; csrr x14, fcsr", 0xBC),
        ("csrrci x14, fflags, 4", 0x1C),
        ("csrrsi x14, fflags, 1; csrr x14, fflags", 0x19),
        ("csrr x14, frm", 5),
        ("csrrw x14, fcsr, x0", 0xB9),
        ("csrr x14, fcsr", 0),
        ("li x1, 0x5a; csrrw x14, fcsr, x1; csrr x14, fcsr", 0x5A),
        ("csrrs x14, fflags, x0; csrr x14, fcsr", 0x5A),        # reading does not clear
        ("csrrwi x14, frm, 1; csrr x14, fflags", 0x1A),         # writing frm leaves fflags alone
        ("csrrwi x14, fflags, 0; csrr x14, frm", 1),            # and writing fflags leaves frm alone
        ("fsrmi x0, 0; csrr x14, fcsr", 0),
    ]
    items += [{"code": code, "expect": expect} for code, expect in raw]
    items.append("flags are sticky: they accrue over several instructions and survive reads")
    items += [
        {"accrue": [("fdiv.s", ONE, THREE), ("fdiv.s", ONE, P0)]},
        {"accrue": [("fmul.s", MAXF, TWO), ("fadd.s", ONE, TWO), ("fsqrt.s", NONE, 0)]},
        {"accrue": [("fmul.s", 0x0080_0001, HALF), ("flt.s", QNAN, ONE)]},
        {"accrue": [("fadd.s", ONE, TWO), ("fsgnjx.s", SNAN, ONE)]},
        {"preset": 0x10, "accrue": [("fadd.s", ONE, EPS_HALF)]},
    ]
    items.append("dynamic rounding: the result follows frm; a static rm ignores frm; frm is unchanged")
    for mode in range(5):
        items.append({"frm": mode})
        items += [("TEST_FP_RR", "fadd.s", "dyn", ONE, EPS_3Q),
                  ("TEST_FP_RR", "fsub.s", "dyn", NONE, EPS_HALF),
                  ("TEST_FP_RR", "fdiv.s", "dyn", NONE, THREE),
                  ("TEST_FP_R", "fsqrt.s", "dyn", TWO),
                  ("TEST_FP_R4", "fmadd.s", "dyn", ONE_ULP, ONE_ULP, NONE),
                  ("TEST_FP_TO_INT", "fcvt.w.s", "dyn", f(-2.5)),
                  ("TEST_FP_TO_INT", "fcvt.wu.s", "dyn", f(2.5)),
                  ("TEST_FP_FROM_INT", "fcvt.s.w", "dyn", 16_777_219),
                  ("TEST_FP_RR", "fmul.s", "rtz", THREE, f(1.0 / 3.0)),
                  ("TEST_FP_RR", "fadd.s", "rup", ONE, EPS_3Q),
                  {"code": "csrr x14, frm", "expect": mode}]
    items.append("frm 4 (rmm) then back to 0: dynamic rounding is to nearest, ties to even again")
    items += [{"frm": 0}, ("TEST_FP_RR", "fadd.s", "dyn", ONE, EPS_HALF)]
    return items


#: File stem -> (one-line title, case table builder). Every file is kernels/isa/<stem>.S.
FILES = {
    "fadd": ("RV32F fadd.s fsub.s fmul.s", _arith_file),
    "fdiv": ("RV32F fdiv.s fsqrt.s", _div_file),
    "fmadd": ("RV32F fmadd.s fmsub.s fnmsub.s fnmadd.s", _fused_file),
    "fmin": ("RV32F fmin.s fmax.s", _minmax_file),
    "fcmp": ("RV32F feq.s flt.s fle.s", _cmp_file),
    "fcvt": ("RV32F fcvt.s.w fcvt.s.wu", _cvt_file),
    "fcvt_w": ("RV32F fcvt.w.s fcvt.wu.s", _cvt_w_file),
    "fclass": ("RV32F fclass.s", _class_file),
    "fmove": ("RV32F fsgnj.s fsgnjn.s fsgnjx.s fmv.w.x fmv.x.w", _move_file),
    "fldst": ("RV32F flw fsw", _ldst_file),
    "fcsr": ("RV32F fflags frm fcsr and dynamic rounding", _fcsr_file),
}


# -- rendering ------------------------------------------------------------------------------------------

def _hex(value):
    return f"0x{value & MASK32:08x}"


def _evaluate(inst, rm, operands):
    bits, flags = execute(OPS[inst], rm, *operands)
    return bits & MASK32, flags


class _Renderer:
    def __init__(self):
        self.number = 0
        self.frm = 0
        self.lines = []

    def next(self):
        self.number += 1
        return self.number

    def mode(self, rm):
        return self.frm if rm == "dyn" else RM[rm]

    def case(self, macro, inst, rm, args):
        n = self.next()
        if macro in ("TEST_FLW", "TEST_FLW_F0"):
            word, off, base = args
            self.lines.append(f"{macro}({n}, {_hex(word)}, {off}, {base})")
            return
        if macro == "TEST_FLW_USE":
            word, off, base = args
            bits, flags = _evaluate("fadd.s", 0, (word, word))
            self.lines.append(f"{macro}({n}, {_hex(bits)}, 0x{flags:02x}, {off}, {base})")
            return
        if macro in ("TEST_FSW", "TEST_FSW_FLW"):
            word, off, base = args
            self.lines.append(f"{macro}({n}, {_hex(word)}, {_hex(word)}, {off}, {base})")
            return
        if macro == "TEST_FSW_RESULT":
            a, b, off, base = args
            bits, flags = _evaluate(inst, self.mode(rm), (a, b))
            self.lines.append(f"{macro}({n}, {inst}, {rm}, {_hex(bits)}, 0x{flags:02x}, {_hex(a)}, "
                              f"{_hex(b)}, {off}, {base})")
            return
        if macro == "TEST_FP_MV":
            (word,) = args
            self.lines.append(f"{macro}({n}, {_hex(word)}, {_hex(word)})")
            return
        if macro == "TEST_FP_CLASS":
            (word,) = args
            bits, flags = _evaluate(inst, 0, (word,))
            if flags:
                raise ValueError(f"fclass of {word:#x} raised flags {flags:#x} in the reference")
            self.lines.append(f"{macro}({n}, {_hex(bits)}, {_hex(word)})")
            return
        if macro == "TEST_FP_FROM_INT_X0":
            bits, flags = _evaluate(inst, self.mode(rm), (0,))
            self.lines.append(f"{macro}({n}, {inst}, {rm}, {_hex(bits)}, 0x{flags:02x})")
            return
        operands = (args[0], args[0]) if macro == "TEST_FP_RR_SRC12_EQ_DEST" else args
        bits, flags = _evaluate(inst, 0 if rm is None else self.mode(rm), operands)
        if macro.endswith("_ZERODEST"):
            bits = None
        fields = [str(n), inst] + ([] if rm is None else [rm])
        fields += ([] if bits is None else [_hex(bits)]) + [f"0x{flags:02x}"] + [_hex(a) for a in args]
        self.lines.append(f"{macro}({', '.join(fields)})")

    def raw(self, item):
        if "frm" in item:
            self.frm = item["frm"]
            self.lines.append(f"csrwi frm, {self.frm}")
            return
        n = self.next()
        if "code" in item:
            self.lines.append(f"TEST_CASE({n}, x14, {_hex(item['expect'])}, {item['code']})")
            return
        # flag accrual: preset fflags, run the operations without clearing, read fflags (x14), then
        # FP_CHECK reads it again while clearing it (x15): both hold the OR of every flag raised
        preset = item.get("preset", 0)
        code = [f"csrwi fflags, {preset:#x}"] if preset else []
        flags = preset
        for inst, a, b in item["accrue"]:
            _, raised = _evaluate(inst, 0, (a, b))
            flags |= raised
            code.append(f"FP_LOAD2({_hex(a)}, {_hex(b)})")
            if inst in ("flt.s", "fle.s", "feq.s"):
                code.append(f"{inst} x14, f1, f2")
            elif inst == "fsqrt.s":
                code.append(f"{inst} f14, f1, rne")
            elif inst.startswith("fsgnj"):
                code.append(f"{inst} f14, f1, f2")
            else:
                code.append(f"{inst} f14, f1, f2, rne")
        code.append("csrr x14, fflags")
        self.lines.append(f"TEST_FP_CASE({n}, 0x{flags:02x}, 0x{flags:02x}, {'; '.join(code)})")


def render(stem):
    """The text of kernels/isa/<stem>.S."""
    title, build = FILES[stem]
    out = _Renderer()
    for item in build():
        if isinstance(item, str):                   # a comment; "\n" continues it on the next line
            out.lines.append("/* " + item.replace("\n", "\n     * ") + " */")
        elif isinstance(item, dict):
            out.raw(item)
        else:
            macro, inst, rm, *args = item
            out.case(macro, inst, rm, args)
    body = "\n".join(f"    {line}" if not line.startswith("/*") else f"\n    {line}" for line in out.lines)
    data = _data(stem)
    return (f"/* {title}\n"
            f" *\n"
            f" * simtlab ISA self-test: see test_macros.h for the conventions.\n"
            f" * GENERATED by kernels/fp_isa_gen.py from its case tables (expected values: sim/fp.py,\n"
            f" * SoftFloat): edit the tables and regenerate, do not edit this file. */\n"
            f"#include \"test_macros.h\"\n"
            f"\n"
            f"RVTEST_BEGIN\n"
            f"{body}\n"
            f"\n"
            f"RVTEST_PASS\n"
            f"\n"
            f"RVTEST_DATA_BEGIN\n"
            f"{data}"
            f"RVTEST_DATA_END\n")


def _data(stem):
    if stem == "fldst":
        words = "\n".join(f"    .word {_hex(w)}" for w in LDST_DATA)
        return (f"fdata:\n{words}\nfdata_end:\n"
                f"fbuf:\n    .fill 8, 4, 0\nfbuf_end:\n")
    if stem == "fadd":
        return "fdata:\n    .fill 4, 4, 0\n"
    return ""


def generate():
    """``{stem: text}`` for every generated file."""
    return {stem: render(stem) for stem in FILES}


def write(directory=ISA_DIR):
    """Write every file into ``directory``; returns the stems whose file changed."""
    changed = []
    for stem, text in generate().items():
        path = Path(directory) / f"{stem}.S"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(stem)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ (exit 1)")
    parser.add_argument("--dir", type=Path, default=ISA_DIR, help="output directory (kernels/isa)")
    args = parser.parse_args(argv)
    if args.check:
        stale = [stem for stem, text in generate().items()
                 if not (args.dir / f"{stem}.S").exists() or (args.dir / f"{stem}.S").read_text() != text]
        for stem in stale:
            print(f"{args.dir / stem}.S is out of date")
        return 1 if stale else 0
    for stem in write(args.dir):
        print(f"wrote {args.dir / stem}.S")
    return 0


if __name__ == "__main__":
    sys.exit(main())
