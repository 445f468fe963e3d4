/* RV32I stores: sb sh sw (lanes, neighbours untouched, negative offsets, x0 source)
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

RVTEST_BEGIN

    /* sb: lanes of one word */
    TEST_ST_LANE(1, sb, 0xa1b2c399, 0xa1b2c3d4, 0x66778899, 8, 8, sdata)
    TEST_ST_LANE(2, sb, 0xa1b299d4, 0xa1b2c3d4, 0x66778899, 8, 9, sdata)
    TEST_ST_LANE(3, sb, 0xa199c3d4, 0xa1b2c3d4, 0x66778899, 8, 10, sdata)
    TEST_ST_LANE(4, sb, 0x99b2c3d4, 0xa1b2c3d4, 0x66778899, 8, 11, sdata)
    /* sb: negative offsets */
    TEST_ST_LANE(5, sb, 0xa1b2c380, 0xa1b2c3d4, 0xffffff80, -12, -12, sdata_end)
    TEST_ST_LANE(6, sb, 0xa1b280d4, 0xa1b2c3d4, 0xffffff80, -12, -11, sdata_end)
    TEST_ST_LANE(7, sb, 0xa180c3d4, 0xa1b2c3d4, 0xffffff80, -12, -10, sdata_end)
    TEST_ST_LANE(8, sb, 0x80b2c3d4, 0xa1b2c3d4, 0xffffff80, -12, -9, sdata_end)
    /* sb: store then load back (sign and zero extension) */
    TEST_ST(9, lb, sb, 0x0000007f, 0x0000007f, 3, sdata)
    TEST_ST(10, lbu, sb, 0x0000007f, 0x0000007f, 5, sdata)
    TEST_ST(11, lb, sb, 0xffffff80, 0x00000080, 3, sdata)
    TEST_ST(12, lbu, sb, 0x00000080, 0x00000080, 5, sdata)
    TEST_ST(13, lb, sb, 0xffffffff, 0x000000ff, 3, sdata)
    TEST_ST(14, lbu, sb, 0x000000ff, 0x000000ff, 5, sdata)
    TEST_ST(15, lb, sb, 0x00000023, 0x00000123, 3, sdata)
    TEST_ST(16, lbu, sb, 0x00000023, 0x00000123, 5, sdata)
    TEST_ST_LD_NEXT(17, lbu, sb, 0x000000ab, 0x000000ab, 6, sdata)
    /* sb: x0 as the source stores zero */
    TEST_CASE(18, x14, 0xa1b2c300, la x1, sdata; li x3, 0xa1b2c3d4; sw x3, 16(x1); sb x0, 16(x1); lw x14, 16(x1))

    /* sh: lanes of one word */
    TEST_ST_LANE(19, sh, 0xa1b28899, 0xa1b2c3d4, 0x66778899, 8, 8, sdata)
    TEST_ST_LANE(20, sh, 0x8899c3d4, 0xa1b2c3d4, 0x66778899, 8, 10, sdata)
    /* sh: negative offsets */
    TEST_ST_LANE(21, sh, 0xa1b28001, 0xa1b2c3d4, 0xffff8001, -12, -12, sdata_end)
    TEST_ST_LANE(22, sh, 0x8001c3d4, 0xa1b2c3d4, 0xffff8001, -12, -10, sdata_end)
    /* sh: store then load back (sign and zero extension) */
    TEST_ST(23, lh, sh, 0x00007fff, 0x00007fff, 2, sdata)
    TEST_ST(24, lhu, sh, 0x00007fff, 0x00007fff, 6, sdata)
    TEST_ST(25, lh, sh, 0xffff8000, 0x00008000, 2, sdata)
    TEST_ST(26, lhu, sh, 0x00008000, 0x00008000, 6, sdata)
    TEST_ST(27, lh, sh, 0xffffffff, 0x0000ffff, 2, sdata)
    TEST_ST(28, lhu, sh, 0x0000ffff, 0x0000ffff, 6, sdata)
    TEST_ST(29, lh, sh, 0x00002345, 0x00012345, 2, sdata)
    TEST_ST(30, lhu, sh, 0x00002345, 0x00012345, 6, sdata)
    TEST_ST_LD_NEXT(31, lhu, sh, 0x0000beef, 0x0000beef, 10, sdata)
    /* sh: x0 as the source stores zero */
    TEST_CASE(32, x14, 0xa1b20000, la x1, sdata; li x3, 0xa1b2c3d4; sw x3, 16(x1); sh x0, 16(x1); lw x14, 16(x1))

    /* sw: lanes of one word */
    TEST_ST_LANE(33, sw, 0x66778899, 0xa1b2c3d4, 0x66778899, 8, 8, sdata)
    /* sw: negative offsets */
    TEST_ST_LANE(34, sw, 0xffff8001, 0xa1b2c3d4, 0xffff8001, -12, -12, sdata_end)
    /* sw: store then load back (sign and zero extension) */
    TEST_ST(35, lw, sw, 0x00000000, 0x00000000, 4, sdata)
    TEST_ST(36, lw, sw, 0xffffffff, 0xffffffff, 4, sdata)
    TEST_ST(37, lw, sw, 0x80000000, 0x80000000, 4, sdata)
    TEST_ST(38, lw, sw, 0x12345678, 0x12345678, 4, sdata)
    TEST_ST_LD_NEXT(39, lw, sw, 0xfeedface, 0xfeedface, 12, sdata)
    /* sw: x0 as the source stores zero */
    TEST_CASE(40, x14, 0x00000000, la x1, sdata; li x3, 0xa1b2c3d4; sw x3, 16(x1); sw x0, 16(x1); lw x14, 16(x1))

    /* neighbouring words are untouched by sb/sh/sw */
    TEST_CASE(41, x14, 0x11111111, la x1, sdata; li x3, 0x11111111; sw x3, 20(x1); sw x3, 28(x1); li x2, -1; sw x2, 24(x1); sb x2, 24(x1); sh x2, 26(x1); lw x14, 20(x1))
    TEST_CASE(42, x14, 0x11111111, lw x14, 28(x1))
    /* stored value produced by the previous instruction; base produced by the previous instruction */
    TEST_CASE(43, x14, 0x0000abcd, la x1, sdata; li x2, 0xABCD; sw x2, 0(x1); lw x14, 0(x1))
    TEST_CASE(44, x14, 0x00001234, li x2, 0x1234; la x1, sdata; sw x2, 4(x1); lw x14, 4(x1))
    /* fence between a store and a load (fence is an ordering no-op on this core) */
    TEST_CASE(45, x14, 0x600df00d, la x1, sdata; li x2, 0x600DF00D; sw x2, 8(x1); fence; lw x14, 8(x1))
    TEST_CASE(46, x14, 0x600df00d, la x1, sdata; li x2, 0x600DF00D; sw x2, 8(x1); fence rw, rw; lw x14, 8(x1))
    TEST_CASE(47, x14, 0x600df00d, la x1, sdata; li x2, 0x600DF00D; sw x2, 8(x1); fence iorw, iorw; lw x14, 8(x1))
    TEST_CASE(48, x14, 0x600df00d, la x1, sdata; li x2, 0x600DF00D; sw x2, 8(x1); fence w, r; lw x14, 8(x1))
    /* several stores then loads (write buffer ordering) */
    TEST_CASE(49, x14, 0x04030201, la x1, sdata; li x2, 1; sb x2, 0(x1); li x2, 2; sb x2, 1(x1); li x2, 3; sb x2, 2(x1); li x2, 4; sb x2, 3(x1); lw x14, 0(x1))

RVTEST_PASS

RVTEST_DATA_BEGIN
    .balign 16
sdata:
    .fill 8, 4, 0xcafef00d
sdata_end:
RVTEST_DATA_END
