/* RV32I conditional branches: beq bne blt bge bltu bgeu (taken / not taken, forward / back)
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

RVTEST_BEGIN

    /* beq */
    TEST_BR_TAKEN(1, beq, 0x00000000, 0x00000000)
    TEST_BR_TAKEN_BACK(2, beq, 0x00000000, 0x00000000)
    TEST_BR_TAKEN(3, beq, 0x00000001, 0x00000001)
    TEST_BR_TAKEN_BACK(4, beq, 0x00000001, 0x00000001)
    TEST_BR_TAKEN(5, beq, 0xffffffff, 0xffffffff)
    TEST_BR_TAKEN_BACK(6, beq, 0xffffffff, 0xffffffff)
    TEST_BR_NOTTAKEN(7, beq, 0x00000000, 0x00000001)
    TEST_BR_NOTTAKEN(8, beq, 0x00000001, 0x00000000)
    TEST_BR_NOTTAKEN(9, beq, 0xffffffff, 0x00000001)
    TEST_BR_NOTTAKEN(10, beq, 0x00000001, 0xffffffff)
    TEST_BR_NOTTAKEN(11, beq, 0xfffffffe, 0xffffffff)
    TEST_BR_NOTTAKEN(12, beq, 0xffffffff, 0xfffffffe)
    TEST_BR_NOTTAKEN(13, beq, 0x7fffffff, 0x80000000)
    TEST_BR_NOTTAKEN(14, beq, 0x80000000, 0x7fffffff)
    TEST_BR_TAKEN(15, beq, 0x80000000, 0x80000000)
    TEST_BR_TAKEN_BACK(16, beq, 0x80000000, 0x80000000)
    TEST_BR_NOTTAKEN(17, beq, 0x00000000, 0xffffffff)
    TEST_BR_NOTTAKEN(18, beq, 0x12345678, 0x12345679)

    /* bne */
    TEST_BR_NOTTAKEN(19, bne, 0x00000000, 0x00000000)
    TEST_BR_NOTTAKEN(20, bne, 0x00000001, 0x00000001)
    TEST_BR_NOTTAKEN(21, bne, 0xffffffff, 0xffffffff)
    TEST_BR_TAKEN(22, bne, 0x00000000, 0x00000001)
    TEST_BR_TAKEN_BACK(23, bne, 0x00000000, 0x00000001)
    TEST_BR_TAKEN(24, bne, 0x00000001, 0x00000000)
    TEST_BR_TAKEN_BACK(25, bne, 0x00000001, 0x00000000)
    TEST_BR_TAKEN(26, bne, 0xffffffff, 0x00000001)
    TEST_BR_TAKEN_BACK(27, bne, 0xffffffff, 0x00000001)
    TEST_BR_TAKEN(28, bne, 0x00000001, 0xffffffff)
    TEST_BR_TAKEN_BACK(29, bne, 0x00000001, 0xffffffff)
    TEST_BR_TAKEN(30, bne, 0xfffffffe, 0xffffffff)
    TEST_BR_TAKEN_BACK(31, bne, 0xfffffffe, 0xffffffff)
    TEST_BR_TAKEN(32, bne, 0xffffffff, 0xfffffffe)
    TEST_BR_TAKEN_BACK(33, bne, 0xffffffff, 0xfffffffe)
    TEST_BR_TAKEN(34, bne, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN_BACK(35, bne, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN(36, bne, 0x80000000, 0x7fffffff)
    TEST_BR_TAKEN_BACK(37, bne, 0x80000000, 0x7fffffff)
    TEST_BR_NOTTAKEN(38, bne, 0x80000000, 0x80000000)
    TEST_BR_TAKEN(39, bne, 0x00000000, 0xffffffff)
    TEST_BR_TAKEN_BACK(40, bne, 0x00000000, 0xffffffff)
    TEST_BR_TAKEN(41, bne, 0x12345678, 0x12345679)
    TEST_BR_TAKEN_BACK(42, bne, 0x12345678, 0x12345679)

    /* blt */
    TEST_BR_NOTTAKEN(43, blt, 0x00000000, 0x00000000)
    TEST_BR_NOTTAKEN(44, blt, 0x00000001, 0x00000001)
    TEST_BR_NOTTAKEN(45, blt, 0xffffffff, 0xffffffff)
    TEST_BR_TAKEN(46, blt, 0x00000000, 0x00000001)
    TEST_BR_TAKEN_BACK(47, blt, 0x00000000, 0x00000001)
    TEST_BR_NOTTAKEN(48, blt, 0x00000001, 0x00000000)
    TEST_BR_TAKEN(49, blt, 0xffffffff, 0x00000001)
    TEST_BR_TAKEN_BACK(50, blt, 0xffffffff, 0x00000001)
    TEST_BR_NOTTAKEN(51, blt, 0x00000001, 0xffffffff)
    TEST_BR_TAKEN(52, blt, 0xfffffffe, 0xffffffff)
    TEST_BR_TAKEN_BACK(53, blt, 0xfffffffe, 0xffffffff)
    TEST_BR_NOTTAKEN(54, blt, 0xffffffff, 0xfffffffe)
    TEST_BR_NOTTAKEN(55, blt, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN(56, blt, 0x80000000, 0x7fffffff)
    TEST_BR_TAKEN_BACK(57, blt, 0x80000000, 0x7fffffff)
    TEST_BR_NOTTAKEN(58, blt, 0x80000000, 0x80000000)
    TEST_BR_NOTTAKEN(59, blt, 0x00000000, 0xffffffff)
    TEST_BR_TAKEN(60, blt, 0x12345678, 0x12345679)
    TEST_BR_TAKEN_BACK(61, blt, 0x12345678, 0x12345679)

    /* bge */
    TEST_BR_TAKEN(62, bge, 0x00000000, 0x00000000)
    TEST_BR_TAKEN_BACK(63, bge, 0x00000000, 0x00000000)
    TEST_BR_TAKEN(64, bge, 0x00000001, 0x00000001)
    TEST_BR_TAKEN_BACK(65, bge, 0x00000001, 0x00000001)
    TEST_BR_TAKEN(66, bge, 0xffffffff, 0xffffffff)
    TEST_BR_TAKEN_BACK(67, bge, 0xffffffff, 0xffffffff)
    TEST_BR_NOTTAKEN(68, bge, 0x00000000, 0x00000001)
    TEST_BR_TAKEN(69, bge, 0x00000001, 0x00000000)
    TEST_BR_TAKEN_BACK(70, bge, 0x00000001, 0x00000000)
    TEST_BR_NOTTAKEN(71, bge, 0xffffffff, 0x00000001)
    TEST_BR_TAKEN(72, bge, 0x00000001, 0xffffffff)
    TEST_BR_TAKEN_BACK(73, bge, 0x00000001, 0xffffffff)
    TEST_BR_NOTTAKEN(74, bge, 0xfffffffe, 0xffffffff)
    TEST_BR_TAKEN(75, bge, 0xffffffff, 0xfffffffe)
    TEST_BR_TAKEN_BACK(76, bge, 0xffffffff, 0xfffffffe)
    TEST_BR_TAKEN(77, bge, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN_BACK(78, bge, 0x7fffffff, 0x80000000)
    TEST_BR_NOTTAKEN(79, bge, 0x80000000, 0x7fffffff)
    TEST_BR_TAKEN(80, bge, 0x80000000, 0x80000000)
    TEST_BR_TAKEN_BACK(81, bge, 0x80000000, 0x80000000)
    TEST_BR_TAKEN(82, bge, 0x00000000, 0xffffffff)
    TEST_BR_TAKEN_BACK(83, bge, 0x00000000, 0xffffffff)
    TEST_BR_NOTTAKEN(84, bge, 0x12345678, 0x12345679)

    /* bltu */
    TEST_BR_NOTTAKEN(85, bltu, 0x00000000, 0x00000000)
    TEST_BR_NOTTAKEN(86, bltu, 0x00000001, 0x00000001)
    TEST_BR_NOTTAKEN(87, bltu, 0xffffffff, 0xffffffff)
    TEST_BR_TAKEN(88, bltu, 0x00000000, 0x00000001)
    TEST_BR_TAKEN_BACK(89, bltu, 0x00000000, 0x00000001)
    TEST_BR_NOTTAKEN(90, bltu, 0x00000001, 0x00000000)
    TEST_BR_NOTTAKEN(91, bltu, 0xffffffff, 0x00000001)
    TEST_BR_TAKEN(92, bltu, 0x00000001, 0xffffffff)
    TEST_BR_TAKEN_BACK(93, bltu, 0x00000001, 0xffffffff)
    TEST_BR_TAKEN(94, bltu, 0xfffffffe, 0xffffffff)
    TEST_BR_TAKEN_BACK(95, bltu, 0xfffffffe, 0xffffffff)
    TEST_BR_NOTTAKEN(96, bltu, 0xffffffff, 0xfffffffe)
    TEST_BR_TAKEN(97, bltu, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN_BACK(98, bltu, 0x7fffffff, 0x80000000)
    TEST_BR_NOTTAKEN(99, bltu, 0x80000000, 0x7fffffff)
    TEST_BR_NOTTAKEN(100, bltu, 0x80000000, 0x80000000)
    TEST_BR_TAKEN(101, bltu, 0x00000000, 0xffffffff)
    TEST_BR_TAKEN_BACK(102, bltu, 0x00000000, 0xffffffff)
    TEST_BR_TAKEN(103, bltu, 0x12345678, 0x12345679)
    TEST_BR_TAKEN_BACK(104, bltu, 0x12345678, 0x12345679)

    /* bgeu */
    TEST_BR_TAKEN(105, bgeu, 0x00000000, 0x00000000)
    TEST_BR_TAKEN_BACK(106, bgeu, 0x00000000, 0x00000000)
    TEST_BR_TAKEN(107, bgeu, 0x00000001, 0x00000001)
    TEST_BR_TAKEN_BACK(108, bgeu, 0x00000001, 0x00000001)
    TEST_BR_TAKEN(109, bgeu, 0xffffffff, 0xffffffff)
    TEST_BR_TAKEN_BACK(110, bgeu, 0xffffffff, 0xffffffff)
    TEST_BR_NOTTAKEN(111, bgeu, 0x00000000, 0x00000001)
    TEST_BR_TAKEN(112, bgeu, 0x00000001, 0x00000000)
    TEST_BR_TAKEN_BACK(113, bgeu, 0x00000001, 0x00000000)
    TEST_BR_TAKEN(114, bgeu, 0xffffffff, 0x00000001)
    TEST_BR_TAKEN_BACK(115, bgeu, 0xffffffff, 0x00000001)
    TEST_BR_NOTTAKEN(116, bgeu, 0x00000001, 0xffffffff)
    TEST_BR_NOTTAKEN(117, bgeu, 0xfffffffe, 0xffffffff)
    TEST_BR_TAKEN(118, bgeu, 0xffffffff, 0xfffffffe)
    TEST_BR_TAKEN_BACK(119, bgeu, 0xffffffff, 0xfffffffe)
    TEST_BR_NOTTAKEN(120, bgeu, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN(121, bgeu, 0x80000000, 0x7fffffff)
    TEST_BR_TAKEN_BACK(122, bgeu, 0x80000000, 0x7fffffff)
    TEST_BR_TAKEN(123, bgeu, 0x80000000, 0x80000000)
    TEST_BR_TAKEN_BACK(124, bgeu, 0x80000000, 0x80000000)
    TEST_BR_NOTTAKEN(125, bgeu, 0x00000000, 0xffffffff)
    TEST_BR_NOTTAKEN(126, bgeu, 0x12345678, 0x12345679)

    /* x0 as an operand */
    li TESTNUM, 127; beq x0, x0, 6f; j fail; 6: j 7f; 7:
    li TESTNUM, 128; bne x0, x0, 6f; j 7f; 6: j fail; 7:
    li TESTNUM, 129; bge x0, x0, 6f; j fail; 6: j 7f; 7:
    li TESTNUM, 130; blt x0, x0, 6f; j 7f; 6: j fail; 7:
    li TESTNUM, 131; bltu x0, x0, 6f; j 7f; 6: j fail; 7:
    li TESTNUM, 132; bgeu x0, x0, 6f; j fail; 6: j 7f; 7:
    /* a taken branch does not execute the instruction after it (no delay slot) */
    TEST_CASE(133, x14, 3, li x14, 3; beq x0, x0, 6f; addi x14, x14, 1; 6: nop)
    /* a branch writes no register: x1/x2 are unchanged */
    TEST_CASE(134, x1, 0x55, li x1, 0x55; li x2, 0x55; beq x1, x2, 6f; 6: nop)
    /* a counted loop: 10 backward taken branches */
    TEST_CASE(135, x14, 55, li x14, 0; li x1, 10; 6: add x14, x14, x1; addi x1, x1, -1; bnez x1, 6b)

RVTEST_PASS

RVTEST_DATA_BEGIN
RVTEST_DATA_END
