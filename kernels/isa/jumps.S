/* RV32I jal and jalr: targets, link values, rd = x0, rd = rs1, offsets, bit 0 cleared
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

RVTEST_BEGIN

    /* jal forward: link = address of the next instruction */
    TEST_CASE(1, x14, 0, jal x1, 6f; 7: j fail; 6: la x2, 7b; sub x14, x1, x2)
    /* jal does not execute the next instruction */
    TEST_CASE(2, x14, 1, li x14, 1; jal x0, 6f; addi x14, x14, 1; 6: nop)
    /* jal backward */
    TEST_CASE(3, x14, 2, li x14, 0; j 7f; 6: addi x14, x14, 1; j 8f; 7: addi x14, x14, 1; jal x0, 6b; j fail; 8: nop)
    /* jal with rd = x0 writes nothing */
    TEST_CASE(4, x0, 0, jal x0, 6f; 6: nop)
    /* jal link register used right away */
    TEST_CASE(5, x14, 4, jal x5, 6f; 6: auipc x6, 0; sub x14, x6, x5; addi x14, x14, 4)
    /* jalr: target in register, link */
    TEST_CASE(6, x14, 0, la x1, 6f; jalr x2, 0(x1); 7: j fail; 6: la x3, 7b; sub x14, x2, x3)
    /* jalr positive and negative offsets */
    TEST_CASE(7, x14, 0, la x1, 6f; addi x1, x1, -16; jalr x2, 16(x1); j fail; 6: li x14, 0)
    TEST_CASE(8, x14, 0, la x1, 6f; addi x1, x1, 20; jalr x2, -20(x1); j fail; 6: li x14, 0)
    /* jalr clears bit 0 of the target */
    TEST_CASE(9, x14, 0, la x1, 6f; jalr x2, 1(x1); j fail; 6: li x14, 0)
    TEST_CASE(10, x14, 0, la x1, 6f; addi x1, x1, 1; jalr x0, 0(x1); j fail; 6: li x14, 0)
    /* jalr with rd = rs1 uses the old rs1 */
    TEST_CASE(11, x14, 0, la x1, 6f; jalr x1, 0(x1); 7: j fail; 6: la x3, 7b; sub x14, x1, x3)
    /* jalr with rd = x0 (ret) writes nothing */
    TEST_CASE(12, x0, 0, la x1, 6f; jalr x0, 0(x1); j fail; 6: nop)
    /* call and return through a small subroutine */
    TEST_CASE(13, x14, 42, li x10, 40; jal x1, 9f; addi x14, x10, 0; j 8f; 9: addi x10, x10, 2; jalr x0, 0(x1); 8: nop)
    /* jalr target produced by the previous instruction */
    TEST_CASE(14, x14, 7, la x1, 6f; li x14, 7; addi x1, x1, 0; jalr x0, x1; li x14, 8; 6: nop)

RVTEST_PASS

RVTEST_DATA_BEGIN
RVTEST_DATA_END
