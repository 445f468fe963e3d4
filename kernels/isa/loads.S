/* RV32I loads: lb lh lw lbu lhu (sign/zero extension, byte/half lanes, negative offsets)
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

RVTEST_BEGIN

    /* lb */
    TEST_LD(1, lb, 0x00000001, 0, ldata)
    TEST_LD(2, lb, 0x0000007f, 1, ldata)
    TEST_LD(3, lb, 0xffffffff, 2, ldata)
    TEST_LD(4, lb, 0xffffff80, 3, ldata)
    TEST_LD(5, lb, 0x00000000, 4, ldata)
    TEST_LD(6, lb, 0xffffff80, 5, ldata)
    TEST_LD(7, lb, 0xffffffff, 6, ldata)
    TEST_LD(8, lb, 0x00000000, 7, ldata)
    TEST_LD(9, lb, 0x00000034, 8, ldata)
    TEST_LD(10, lb, 0x00000012, 9, ldata)
    TEST_LD(11, lb, 0xfffffffe, 10, ldata)
    TEST_LD(12, lb, 0x0000007f, 11, ldata)
    TEST_LD(13, lb, 0xffffffef, 12, ldata)
    TEST_LD(14, lb, 0xffffffbe, 13, ldata)
    TEST_LD(15, lb, 0xffffffad, 14, ldata)
    TEST_LD(16, lb, 0xffffffde, 15, ldata)
    TEST_LD(17, lb, 0x00000001, -16, ldata_end)
    TEST_LD(18, lb, 0xffffff80, -13, ldata_end)
    TEST_LD(19, lb, 0xffffffff, -10, ldata_end)
    TEST_LD(20, lb, 0x00000012, -7, ldata_end)
    TEST_LD(21, lb, 0xffffffef, -4, ldata_end)
    TEST_LD(22, lb, 0xffffffde, -1, ldata_end)
    TEST_LD_DEST_EQ_BASE(23, lb, 0x00000000, 4, ldata)
    TEST_LD_USE(24, lb, 0x00000034, 8, ldata)
    TEST_LD_USE1(25, lb, 0xffffffef, 12, ldata)
    TEST_LD_ZERODEST(26, lb, 0, ldata)

    /* lbu */
    TEST_LD(27, lbu, 0x00000001, 0, ldata)
    TEST_LD(28, lbu, 0x0000007f, 1, ldata)
    TEST_LD(29, lbu, 0x000000ff, 2, ldata)
    TEST_LD(30, lbu, 0x00000080, 3, ldata)
    TEST_LD(31, lbu, 0x00000000, 4, ldata)
    TEST_LD(32, lbu, 0x00000080, 5, ldata)
    TEST_LD(33, lbu, 0x000000ff, 6, ldata)
    TEST_LD(34, lbu, 0x00000000, 7, ldata)
    TEST_LD(35, lbu, 0x00000034, 8, ldata)
    TEST_LD(36, lbu, 0x00000012, 9, ldata)
    TEST_LD(37, lbu, 0x000000fe, 10, ldata)
    TEST_LD(38, lbu, 0x0000007f, 11, ldata)
    TEST_LD(39, lbu, 0x000000ef, 12, ldata)
    TEST_LD(40, lbu, 0x000000be, 13, ldata)
    TEST_LD(41, lbu, 0x000000ad, 14, ldata)
    TEST_LD(42, lbu, 0x000000de, 15, ldata)
    TEST_LD(43, lbu, 0x00000001, -16, ldata_end)
    TEST_LD(44, lbu, 0x00000080, -13, ldata_end)
    TEST_LD(45, lbu, 0x000000ff, -10, ldata_end)
    TEST_LD(46, lbu, 0x00000012, -7, ldata_end)
    TEST_LD(47, lbu, 0x000000ef, -4, ldata_end)
    TEST_LD(48, lbu, 0x000000de, -1, ldata_end)
    TEST_LD_DEST_EQ_BASE(49, lbu, 0x00000000, 4, ldata)
    TEST_LD_USE(50, lbu, 0x00000034, 8, ldata)
    TEST_LD_USE1(51, lbu, 0x000000ef, 12, ldata)
    TEST_LD_ZERODEST(52, lbu, 0, ldata)

    /* lh */
    TEST_LD(53, lh, 0x00007f01, 0, ldata)
    TEST_LD(54, lh, 0xffff80ff, 2, ldata)
    TEST_LD(55, lh, 0xffff8000, 4, ldata)
    TEST_LD(56, lh, 0x000000ff, 6, ldata)
    TEST_LD(57, lh, 0x00001234, 8, ldata)
    TEST_LD(58, lh, 0x00007ffe, 10, ldata)
    TEST_LD(59, lh, 0xffffbeef, 12, ldata)
    TEST_LD(60, lh, 0xffffdead, 14, ldata)
    TEST_LD(61, lh, 0x00007f01, -16, ldata_end)
    TEST_LD(62, lh, 0x000000ff, -10, ldata_end)
    TEST_LD(63, lh, 0xffffbeef, -4, ldata_end)
    TEST_LD_DEST_EQ_BASE(64, lh, 0xffff8000, 4, ldata)
    TEST_LD_USE(65, lh, 0x00001234, 8, ldata)
    TEST_LD_USE1(66, lh, 0xffffbeef, 12, ldata)
    TEST_LD_ZERODEST(67, lh, 0, ldata)

    /* lhu */
    TEST_LD(68, lhu, 0x00007f01, 0, ldata)
    TEST_LD(69, lhu, 0x000080ff, 2, ldata)
    TEST_LD(70, lhu, 0x00008000, 4, ldata)
    TEST_LD(71, lhu, 0x000000ff, 6, ldata)
    TEST_LD(72, lhu, 0x00001234, 8, ldata)
    TEST_LD(73, lhu, 0x00007ffe, 10, ldata)
    TEST_LD(74, lhu, 0x0000beef, 12, ldata)
    TEST_LD(75, lhu, 0x0000dead, 14, ldata)
    TEST_LD(76, lhu, 0x00007f01, -16, ldata_end)
    TEST_LD(77, lhu, 0x000000ff, -10, ldata_end)
    TEST_LD(78, lhu, 0x0000beef, -4, ldata_end)
    TEST_LD_DEST_EQ_BASE(79, lhu, 0x00008000, 4, ldata)
    TEST_LD_USE(80, lhu, 0x00001234, 8, ldata)
    TEST_LD_USE1(81, lhu, 0x0000beef, 12, ldata)
    TEST_LD_ZERODEST(82, lhu, 0, ldata)

    /* lw */
    TEST_LD(83, lw, 0x80ff7f01, 0, ldata)
    TEST_LD(84, lw, 0x00ff8000, 4, ldata)
    TEST_LD(85, lw, 0x7ffe1234, 8, ldata)
    TEST_LD(86, lw, 0xdeadbeef, 12, ldata)
    TEST_LD(87, lw, 0x80ff7f01, -16, ldata_end)
    TEST_LD(88, lw, 0xdeadbeef, -4, ldata_end)
    TEST_LD_DEST_EQ_BASE(89, lw, 0x00ff8000, 4, ldata)
    TEST_LD_USE(90, lw, 0x7ffe1234, 8, ldata)
    TEST_LD_USE1(91, lw, 0xdeadbeef, 12, ldata)
    TEST_LD_ZERODEST(92, lw, 0, ldata)

    /* address = base + offset with a base outside the buffer */
    TEST_CASE(93, x14, 0x7ffe1234, la x1, ldata; addi x1, x1, 2047; lw x14, -2039(x1))
    TEST_CASE(94, x14, 0x80ff7f01, la x1, ldata; addi x1, x1, 2044; addi x1, x1, 4; lw x14, -2048(x1))
    /* two loads back to back into the same register, then a dependent add */
    TEST_CASE(95, x15, 0x5fad3df0, la x1, ldata; lw x14, 0(x1); lw x13, 12(x1); add x15, x14, x13)
    /* loaded address used as the next load's base */
    TEST_CASE(96, x14, 0x00ff8000, la x1, lptr; lw x2, 0(x1); lw x14, 4(x2))

RVTEST_PASS

RVTEST_DATA_BEGIN
    .balign 16
ldata:
    .word 0x80ff7f01
    .word 0x00ff8000
    .word 0x7ffe1234
    .word 0xdeadbeef
ldata_end:
    .balign 4
lptr: .word ldata
RVTEST_DATA_END
