/* RV32A: amoswap amoadd amoxor amoand amoor amomin amomax amominu amomaxu lr.w sc.w (word, aq/rl
 * accepted; the old value in rd, the new one in memory; lr/sc reservations: docs/isa.md "Atomics")
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

/* Store `old` at adata + 4, run `op x14, src, (x1)`: x14 must be old, the word `new`. */
#define TEST_AMO(n, op, old, src, new)                                  \
    TEST_CASE(n, x14, old, la x1, adata + 4; li x3, old; sw x3, 0(x1); li x2, src; op x14, x2, (x1)); \
    lw x15, 0(x1);                                                      \
    CHECK(x15, new)

RVTEST_BEGIN

    /* amoswap */
    TEST_AMO(1, amoswap.w, 0x00000005, 0x00000003, 0x00000003)
    TEST_AMO(2, amoswap.w, 0x7fffffff, 0x00000001, 0x00000001)
    TEST_AMO(3, amoswap.w, 0x80000000, 0xffffffff, 0xffffffff)
    TEST_AMO(4, amoswap.w, 0xfffffffe, 0x00000002, 0x00000002)
    TEST_AMO(5, amoswap.w, 0x12345678, 0x87654321, 0x87654321)
    /* amoadd */
    TEST_AMO(6, amoadd.w, 0x00000005, 0x00000003, 0x00000008)
    TEST_AMO(7, amoadd.w, 0x7fffffff, 0x00000001, 0x80000000)
    TEST_AMO(8, amoadd.w, 0x80000000, 0xffffffff, 0x7fffffff)
    TEST_AMO(9, amoadd.w, 0xfffffffe, 0x00000002, 0x00000000)
    TEST_AMO(10, amoadd.w, 0x12345678, 0x87654321, 0x99999999)
    /* amoxor */
    TEST_AMO(11, amoxor.w, 0x00000005, 0x00000003, 0x00000006)
    TEST_AMO(12, amoxor.w, 0x7fffffff, 0x00000001, 0x7ffffffe)
    TEST_AMO(13, amoxor.w, 0x80000000, 0xffffffff, 0x7fffffff)
    TEST_AMO(14, amoxor.w, 0xfffffffe, 0x00000002, 0xfffffffc)
    TEST_AMO(15, amoxor.w, 0x12345678, 0x87654321, 0x95511559)
    /* amoand */
    TEST_AMO(16, amoand.w, 0x00000005, 0x00000003, 0x00000001)
    TEST_AMO(17, amoand.w, 0x7fffffff, 0x00000001, 0x00000001)
    TEST_AMO(18, amoand.w, 0x80000000, 0xffffffff, 0x80000000)
    TEST_AMO(19, amoand.w, 0xfffffffe, 0x00000002, 0x00000002)
    TEST_AMO(20, amoand.w, 0x12345678, 0x87654321, 0x02244220)
    /* amoor */
    TEST_AMO(21, amoor.w, 0x00000005, 0x00000003, 0x00000007)
    TEST_AMO(22, amoor.w, 0x7fffffff, 0x00000001, 0x7fffffff)
    TEST_AMO(23, amoor.w, 0x80000000, 0xffffffff, 0xffffffff)
    TEST_AMO(24, amoor.w, 0xfffffffe, 0x00000002, 0xfffffffe)
    TEST_AMO(25, amoor.w, 0x12345678, 0x87654321, 0x97755779)
    /* amomin */
    TEST_AMO(26, amomin.w, 0x00000005, 0x00000003, 0x00000003)
    TEST_AMO(27, amomin.w, 0x7fffffff, 0x00000001, 0x00000001)
    TEST_AMO(28, amomin.w, 0x80000000, 0xffffffff, 0x80000000)
    TEST_AMO(29, amomin.w, 0xfffffffe, 0x00000002, 0xfffffffe)
    TEST_AMO(30, amomin.w, 0x12345678, 0x87654321, 0x87654321)
    /* amomax */
    TEST_AMO(31, amomax.w, 0x00000005, 0x00000003, 0x00000005)
    TEST_AMO(32, amomax.w, 0x7fffffff, 0x00000001, 0x7fffffff)
    TEST_AMO(33, amomax.w, 0x80000000, 0xffffffff, 0xffffffff)
    TEST_AMO(34, amomax.w, 0xfffffffe, 0x00000002, 0x00000002)
    TEST_AMO(35, amomax.w, 0x12345678, 0x87654321, 0x12345678)
    /* amominu */
    TEST_AMO(36, amominu.w, 0x00000005, 0x00000003, 0x00000003)
    TEST_AMO(37, amominu.w, 0x7fffffff, 0x00000001, 0x00000001)
    TEST_AMO(38, amominu.w, 0x80000000, 0xffffffff, 0x80000000)
    TEST_AMO(39, amominu.w, 0xfffffffe, 0x00000002, 0x00000002)
    TEST_AMO(40, amominu.w, 0x12345678, 0x87654321, 0x12345678)
    /* amomaxu */
    TEST_AMO(41, amomaxu.w, 0x00000005, 0x00000003, 0x00000005)
    TEST_AMO(42, amomaxu.w, 0x7fffffff, 0x00000001, 0x7fffffff)
    TEST_AMO(43, amomaxu.w, 0x80000000, 0xffffffff, 0xffffffff)
    TEST_AMO(44, amomaxu.w, 0xfffffffe, 0x00000002, 0xfffffffe)
    TEST_AMO(45, amomaxu.w, 0x12345678, 0x87654321, 0x87654321)
    /* rd = x0 discards the old value; aq/rl bits are accepted */
    TEST_CASE(46, x15, 0x0000000c, la x1, adata + 4; li x3, 5; sw x3, 0(x1); li x2, 7; amoadd.w x0, x2, (x1); lw x15, 0(x1))
    TEST_CASE(47, x14, 0x0000000c, la x1, adata + 4; li x2, 1; amoadd.w.aqrl x14, x2, (x1))
    /* rd = rs2: the old value replaces the source after the operation */
    TEST_CASE(48, x2, 0x0000000d, la x1, adata + 4; li x2, 9; amoswap.w x2, x2, (x1))
    lw x15, 0(x1)
    CHECK(x15, 0x00000009)
    /* the neighbouring words are untouched */
    TEST_CASE(49, x15, 0x11111111, la x1, adata; lw x15, 0(x1))
    TEST_CASE(50, x15, 0x22222222, la x1, adata; lw x15, 8(x1))

    /* lr.w / sc.w: a reserved word is written (sc returns 0) */
    TEST_CASE(51, x14, 0x00000009, la x1, adata + 4; lr.w x14, (x1))
    TEST_CASE(52, x15, 0x00000000, li x2, 0x55; sc.w x15, x2, (x1))
    TEST_CASE(53, x15, 0x00000055, lw x15, 0(x1))
    /* sc without a reservation (the last sc consumed it) fails and writes nothing */
    TEST_CASE(54, x15, 0x00000001, li x2, 0x66; sc.w x15, x2, (x1))
    TEST_CASE(55, x15, 0x00000055, lw x15, 0(x1))
    /* a store to the reserved word clears the reservation */
    TEST_CASE(56, x15, 0x00000001, lr.w.aq x14, (x1); li x3, 0x77; sw x3, 0(x1); li x2, 0x66; sc.w.rl x15, x2, (x1))
    TEST_CASE(57, x15, 0x00000077, lw x15, 0(x1))
    /* a store to another word does not */
    TEST_CASE(58, x15, 0x00000000, lr.w x14, (x1); sw x3, 4(x1); li x2, 0x88; sc.w x15, x2, (x1))
    TEST_CASE(59, x15, 0x00000088, lw x15, 0(x1))
    /* sc to a word other than the reserved one fails, and the reservation is gone */
    TEST_CASE(60, x15, 0x00000001, lr.w x14, (x1); addi x3, x1, 4; sc.w x15, x2, (x3))
    TEST_CASE(61, x15, 0x00000001, sc.w x15, x2, (x1))
    /* an AMO to the reserved word clears it too */
    TEST_CASE(62, x15, 0x00000001, lr.w x14, (x1); amoadd.w x0, x2, (x1); sc.w x15, x2, (x1))

    RVTEST_PASS

RVTEST_DATA_BEGIN
adata: .word 0x11111111, 0, 0x22222222, 0
RVTEST_DATA_END
