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

#endif /* SIMTLAB_TEST_MACROS_H */
