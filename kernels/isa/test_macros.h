/* simtlab ISA self-test macros.
 *
 * Every test program:
 *   - starts at _start (section .text.init, linked first at the startup address), needs no stack;
 *   - keeps the number of the running check in TESTNUM (x31), numbered from 1;
 *   - on the first failing check stores (TESTNUM << 1) | 1 to the word `tohost` and loops;
 *   - when every check passed stores 1 to `tohost` and loops.
 * The run ends on the tohost store (the backend watches the `tohost` symbol).
 *
 * Register use: x1, x2 operands, x3 scratch, x14 result, x15 dependent result, x7 expected value.
 * Checks branch to `fail` through a `j`, so a file may be longer than a B-type branch reaches.
 * Macro-internal labels are the numeric labels 1 to 5; test code between them must not use those.
 */
#ifndef SIMTLAB_TEST_MACROS_H
#define SIMTLAB_TEST_MACROS_H

#define TESTNUM x31

/* ---- program frame -------------------------------------------------------------------------- */
#define RVTEST_BEGIN                                                    \
    .section .text.init, "ax", @progbits;                               \
    .globl _start;                                                      \
_start:                                                                 \
    li TESTNUM, 0;

#define RVTEST_PASS                                                     \
    li x7, 1;                                                           \
    la x3, tohost;                                                      \
    sw x7, 0(x3);                                                       \
1:  j 1b;                                                               \
fail:                                                                   \
    slli x7, TESTNUM, 1;                                                \
    ori x7, x7, 1;                                                      \
    la x3, tohost;                                                      \
    sw x7, 0(x3);                                                       \
2:  j 2b;

#define RVTEST_DATA_BEGIN                                               \
    .section .tohost, "aw", @progbits;                                  \
    .balign 4;                                                          \
    .globl tohost;                                                      \
tohost: .word 0;                                                        \
    .section .data, "aw", @progbits;                                    \
    .balign 16;

#define RVTEST_DATA_END

/* ---- checks ----------------------------------------------------------------------------------- */
/* Fail unless reg == value (x7 is clobbered). */
#define CHECK(reg, value)                                               \
    li x7, value;                                                       \
    beq reg, x7, 1f;                                                    \
    j fail;                                                             \
1:

/* Run `code` as check number n, then compare reg with expect. */
#define TEST_CASE(n, reg, expect, ...)                                  \
    li TESTNUM, n;                                                      \
    __VA_ARGS__;                                                        \
    CHECK(reg, expect)

/* ---- register-register ALU / M ops -------------------------------------------------------- */
#define TEST_RR(n, op, expect, a, b)                                    \
    TEST_CASE(n, x14, expect, li x1, a; li x2, b; op x14, x1, x2)

#define TEST_RR_SRC1_EQ_DEST(n, op, expect, a, b)                       \
    TEST_CASE(n, x1, expect, li x1, a; li x2, b; op x1, x1, x2)

#define TEST_RR_SRC2_EQ_DEST(n, op, expect, a, b)                       \
    TEST_CASE(n, x2, expect, li x1, a; li x2, b; op x2, x1, x2)

#define TEST_RR_SRC12_EQ_DEST(n, op, expect, a)                         \
    TEST_CASE(n, x1, expect, li x1, a; op x1, x1, x1)

#define TEST_RR_ZEROSRC1(n, op, expect, b)                              \
    TEST_CASE(n, x14, expect, li x2, b; op x14, x0, x2)

#define TEST_RR_ZEROSRC2(n, op, expect, a)                              \
    TEST_CASE(n, x14, expect, li x1, a; op x14, x1, x0)

#define TEST_RR_ZERODEST(n, op, a, b)                                   \
    TEST_CASE(n, x0, 0, li x1, a; li x2, b; op x0, x1, x2)

/* Operands produced by the instruction just before, result consumed by the one just after. */
#define TEST_RR_DEP0(n, op, expect, a, b)                               \
    TEST_CASE(n, x15, expect, li x2, b; li x1, a; op x14, x1, x2; addi x15, x14, 0)

/* One and two independent instructions between producer and consumer. */
#define TEST_RR_DEP1(n, op, expect, a, b)                               \
    TEST_CASE(n, x15, expect, li x1, a; li x2, b; nop; op x14, x1, x2; nop; addi x15, x14, 0)

#define TEST_RR_DEP2(n, op, expect, a, b)                               \
    TEST_CASE(n, x15, expect, li x1, a; li x2, b; nop; nop; op x14, x1, x2; nop; nop; add x15, x0, x14)

/* ---- register-immediate ops ---------------------------------------------------------------- */
#define TEST_IMM(n, op, expect, a, imm)                                 \
    TEST_CASE(n, x14, expect, li x1, a; op x14, x1, imm)

#define TEST_IMM_SRC_EQ_DEST(n, op, expect, a, imm)                     \
    TEST_CASE(n, x1, expect, li x1, a; op x1, x1, imm)

#define TEST_IMM_ZEROSRC(n, op, expect, imm)                            \
    TEST_CASE(n, x14, expect, op x14, x0, imm)

#define TEST_IMM_ZERODEST(n, op, a, imm)                                \
    TEST_CASE(n, x0, 0, li x1, a; op x0, x1, imm)

#define TEST_IMM_DEP0(n, op, expect, a, imm)                            \
    TEST_CASE(n, x15, expect, li x1, a; op x14, x1, imm; addi x15, x14, 0)

#define TEST_IMM_DEP1(n, op, expect, a, imm)                            \
    TEST_CASE(n, x15, expect, li x1, a; nop; op x14, x1, imm; nop; addi x15, x14, 0)

/* ---- loads and stores ---------------------------------------------------------------------- */
#define TEST_LD(n, ld, expect, off, base)                               \
    TEST_CASE(n, x14, expect, la x1, base; ld x14, off(x1))

#define TEST_LD_DEST_EQ_BASE(n, ld, expect, off, base)                  \
    TEST_CASE(n, x1, expect, la x1, base; ld x1, off(x1))

/* Load-use: the loaded value feeds the very next instruction. */
#define TEST_LD_USE(n, ld, expect, off, base)                           \
    TEST_CASE(n, x15, expect, la x1, base; ld x14, off(x1); addi x15, x14, 0)

#define TEST_LD_USE1(n, ld, expect, off, base)                          \
    TEST_CASE(n, x15, expect, la x1, base; ld x14, off(x1); nop; add x15, x14, x0)

#define TEST_LD_ZERODEST(n, ld, off, base)                              \
    TEST_CASE(n, x0, 0, la x1, base; ld x0, off(x1))

/* Store `value`, load it back (ld decides the extension: `expect`). */
#define TEST_ST(n, ld, st, expect, value, off, base)                    \
    TEST_CASE(n, x14, expect, la x1, base; li x2, value; st x2, off(x1); ld x14, off(x1))

/* Fill the word at woff(base) with init, store value at off(base), read the whole word back. */
#define TEST_ST_LANE(n, st, expect, init, value, woff, off, base)        \
    TEST_CASE(n, x14, expect, la x1, base; li x3, init; sw x3, woff(x1); li x2, value; \
              st x2, off(x1); lw x14, woff(x1))

/* Store then load the same address back to back (store-to-load ordering). */
#define TEST_ST_LD_NEXT(n, ld, st, expect, value, off, base)            \
    TEST_CASE(n, x15, expect, la x1, base; li x2, value; st x2, off(x1); ld x14, off(x1); \
              addi x15, x14, 0)

/* ---- branches -------------------------------------------------------------------------------- */
/* Forward branch that must be taken. */
#define TEST_BR_TAKEN(n, br, a, b)                                      \
    li TESTNUM, n;                                                      \
    li x1, a;                                                           \
    li x2, b;                                                           \
    br x1, x2, 2f;                                                      \
    j fail;                                                             \
2:

/* Backward branch that must be taken. */
#define TEST_BR_TAKEN_BACK(n, br, a, b)                                 \
    li TESTNUM, n;                                                      \
    li x1, a;                                                           \
    li x2, b;                                                           \
    j 3f;                                                               \
2:  j 4f;                                                               \
3:  br x1, x2, 2b;                                                      \
    j fail;                                                             \
4:

/* Branch that must fall through (forward and backward targets). */
#define TEST_BR_NOTTAKEN(n, br, a, b)                                   \
    li TESTNUM, n;                                                      \
    li x1, a;                                                           \
    li x2, b;                                                           \
    j 3f;                                                               \
2:  j fail;                                                             \
3:  br x1, x2, 2b;                                                      \
    br x1, x2, 4f;                                                      \
    j 5f;                                                               \
4:  j fail;                                                             \
5:

/* ---- F extension (RV32F) --------------------------------------------------------------------
 * Operands are bit patterns: x1, x2, x3 are moved into f1, f2, f3 with fmv.w.x. A float result (f14,
 * or the register named by the macro) is moved to x14 with fmv.x.w and compared bit for bit; then
 * fflags is read and cleared (csrrw x15, fflags, x0) and compared with the expected accrued flags, so
 * every case starts with fflags = 0. The rounding mode is an assembler operand: rne rtz rdn rup rmm dyn.
 * The F test files (f*.S) are generated by kernels/fp_isa_gen.py. */
#define FP_LOAD1(a)         li x1, a; fmv.w.x f1, x1
#define FP_LOAD2(a, b)      FP_LOAD1(a); li x2, b; fmv.w.x f2, x2
#define FP_LOAD3(a, b, c)   FP_LOAD2(a, b); li x3, c; fmv.w.x f3, x3

/* x14 == expect, then fflags (read and cleared into x15) == flags. */
#define FP_CHECK(expect, flags)                                         \
    csrrw x15, fflags, x0;                                              \
    CHECK(x14, expect)                                                  \
    CHECK(x15, flags)

#define TEST_FP_CASE(n, expect, flags, ...)                             \
    li TESTNUM, n;                                                      \
    __VA_ARGS__;                                                        \
    FP_CHECK(expect, flags)

/* f14 = inst(f1[, f2[, f3]]) with rounding mode rm */
#define TEST_FP_R(n, inst, rm, expect, flags, a)                        \
    TEST_FP_CASE(n, expect, flags, FP_LOAD1(a); inst f14, f1, rm; fmv.x.w x14, f14)
#define TEST_FP_RR(n, inst, rm, expect, flags, a, b)                    \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); inst f14, f1, f2, rm; fmv.x.w x14, f14)
#define TEST_FP_R4(n, inst, rm, expect, flags, a, b, c)                 \
    TEST_FP_CASE(n, expect, flags, FP_LOAD3(a, b, c); inst f14, f1, f2, f3, rm; fmv.x.w x14, f14)
/* the same without a rounding-mode operand (sgnj*, min/max) */
#define TEST_FP_RR_N(n, inst, expect, flags, a, b)                      \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); inst f14, f1, f2; fmv.x.w x14, f14)

/* register variants: destination = a source, f0 as destination, result used by the next F op */
#define TEST_FP_RR_SRC1_EQ_DEST(n, inst, rm, expect, flags, a, b)       \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); inst f1, f1, f2, rm; fmv.x.w x14, f1)
#define TEST_FP_RR_SRC2_EQ_DEST(n, inst, rm, expect, flags, a, b)       \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); inst f2, f1, f2, rm; fmv.x.w x14, f2)
#define TEST_FP_RR_SRC12_EQ_DEST(n, inst, rm, expect, flags, a)         \
    TEST_FP_CASE(n, expect, flags, FP_LOAD1(a); inst f1, f1, f1, rm; fmv.x.w x14, f1)
#define TEST_FP_RR_F0(n, inst, rm, expect, flags, a, b)                 \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); inst f0, f1, f2, rm; fmv.x.w x14, f0)
#define TEST_FP_RR_DEP(n, inst, rm, expect, flags, a, b)                \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); inst f14, f1, f2, rm; fsgnj.s f15, f14, f14; \
                 fmv.x.w x14, f15)
#define TEST_FP_R4_SRC3_EQ_DEST(n, inst, rm, expect, flags, a, b, c)    \
    TEST_FP_CASE(n, expect, flags, FP_LOAD3(a, b, c); inst f3, f1, f2, f3, rm; fmv.x.w x14, f3)

/* integer results: compares (x14 = inst f1, f2), conversions to integer, fclass */
#define TEST_FP_CMP(n, inst, expect, flags, a, b)                       \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); inst x14, f1, f2)
#define TEST_FP_CMP_ZERODEST(n, inst, flags, a, b)                      \
    TEST_FP_CASE(n, 0, flags, FP_LOAD2(a, b); inst x0, f1, f2; addi x14, x0, 0)
#define TEST_FP_TO_INT(n, inst, rm, expect, flags, a)                   \
    TEST_FP_CASE(n, expect, flags, FP_LOAD1(a); inst x14, f1, rm)
#define TEST_FP_TO_INT_ZERODEST(n, inst, rm, flags, a)                  \
    TEST_FP_CASE(n, 0, flags, FP_LOAD1(a); inst x0, f1, rm; addi x14, x0, 0)
#define TEST_FP_CLASS(n, expect, a)                                     \
    TEST_FP_CASE(n, expect, 0, FP_LOAD1(a); fclass.s x14, f1)

/* conversions from integer: f14 = inst(x1) */
#define TEST_FP_FROM_INT(n, inst, rm, expect, flags, a)                 \
    TEST_FP_CASE(n, expect, flags, li x1, a; inst f14, x1, rm; fmv.x.w x14, f14)
#define TEST_FP_FROM_INT_X0(n, inst, rm, expect, flags)                 \
    TEST_FP_CASE(n, expect, flags, inst f14, x0, rm; fmv.x.w x14, f14)

/* moves: the bits go through unchanged (no NaN canonicalisation) */
#define TEST_FP_MV(n, expect, a)                                        \
    TEST_FP_CASE(n, expect, 0, li x1, a; fmv.w.x f14, x1; fmv.x.w x14, f14)

/* flw / fsw */
#define TEST_FLW(n, expect, off, base)                                  \
    TEST_FP_CASE(n, expect, 0, la x1, base; flw f14, off(x1); fmv.x.w x14, f14)
#define TEST_FLW_F0(n, expect, off, base)                               \
    TEST_FP_CASE(n, expect, 0, la x1, base; flw f0, off(x1); fmv.x.w x14, f0)
/* the loaded value feeds the very next instruction: f15 = f14 + f14 (rne) */
#define TEST_FLW_USE(n, expect, flags, off, base)                       \
    TEST_FP_CASE(n, expect, flags, la x1, base; flw f14, off(x1); fadd.s f15, f14, f14, rne; \
                 fmv.x.w x14, f15)
/* fsw the bits `value` at off(base), read the word back with lw */
#define TEST_FSW(n, expect, value, off, base)                           \
    TEST_FP_CASE(n, expect, 0, la x1, base; li x2, value; fmv.w.x f2, x2; fsw f2, off(x1); \
                 lw x14, off(x1))
/* fsw then flw the same address back to back */
#define TEST_FSW_FLW(n, expect, value, off, base)                       \
    TEST_FP_CASE(n, expect, 0, la x1, base; li x2, value; fmv.w.x f2, x2; fsw f2, off(x1); \
                 flw f14, off(x1); fmv.x.w x14, f14)
/* an F result stored right away */
#define TEST_FSW_RESULT(n, inst, rm, expect, flags, a, b, off, base)    \
    TEST_FP_CASE(n, expect, flags, FP_LOAD2(a, b); la x3, base; inst f14, f1, f2, rm; \
                 fsw f14, off(x3); lw x14, off(x3))

#endif /* SIMTLAB_TEST_MACROS_H */
