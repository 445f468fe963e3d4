/* RV32I lui and auipc
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

RVTEST_BEGIN

    /* lui: imm << 12, low bits zero */
    TEST_CASE(1, x14, 0x00000000, lui x14, 0x0)
    TEST_CASE(2, x14, 0x00001000, lui x14, 0x1)
    TEST_CASE(3, x14, 0x7ffff000, lui x14, 0x7ffff)
    TEST_CASE(4, x14, 0x80000000, lui x14, 0x80000)
    TEST_CASE(5, x14, 0xfffff000, lui x14, 0xfffff)
    TEST_CASE(6, x14, 0x12345000, lui x14, 0x12345)
    TEST_CASE(7, x14, 0xabcde000, lui x14, 0xabcde)
    TEST_CASE(8, x14, 0xfffff800, lui x14, 0xfffff; srai x14, x14, 1)
    TEST_CASE(9, x0, 0, lui x0, 0x80000)
    TEST_CASE(10, x14, 0x12345678, lui x14, 0x12345; addi x14, x14, 0x678)
    TEST_CASE(11, x15, 0x80000001, lui x14, 0x80000; addi x15, x14, 1)
    /* auipc: pc + (imm << 12); jal x1 gives the auipc's own address */
    TEST_CASE(12, x14, 0x00000000, jal x1, 5f; 5: auipc x2, 0x0; sub x14, x2, x1)
    TEST_CASE(13, x14, 0x00001000, jal x1, 5f; 5: auipc x2, 0x1; sub x14, x2, x1)
    TEST_CASE(14, x14, 0x7ffff000, jal x1, 5f; 5: auipc x2, 0x7ffff; sub x14, x2, x1)
    TEST_CASE(15, x14, 0x80000000, jal x1, 5f; 5: auipc x2, 0x80000; sub x14, x2, x1)
    TEST_CASE(16, x14, 0xfffff000, jal x1, 5f; 5: auipc x2, 0xfffff; sub x14, x2, x1)
    TEST_CASE(17, x14, 0x12345000, jal x1, 5f; 5: auipc x2, 0x12345; sub x14, x2, x1)
    TEST_CASE(18, x14, 0x00000000, jal x1, 5f; 5: auipc x14, 0; sub x14, x14, x1)
    TEST_CASE(19, x14, 8, jal x1, 5f; 5: nop; auipc x14, 0; addi x14, x14, 4; sub x14, x14, x1)
    TEST_CASE(20, x0, 0, auipc x0, 0x12345)
    /* auipc result at the startup address region (0x8000_0000 upwards) */
    TEST_CASE(21, x14, 1, auipc x14, 0; srli x14, x14, 31)

RVTEST_PASS

RVTEST_DATA_BEGIN
RVTEST_DATA_END
