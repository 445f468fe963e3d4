/* Vortex tmc (custom-0, funct3 0): a non-zero mask keeps the warp running
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

RVTEST_BEGIN

    /* tmc with mask 1 (the only thread) continues with the next instruction */
    TEST_CASE(1, x14, 5, li x14, 4; li x1, 1; .insn r 0x0b, 0, 0, x0, x1, x0; addi x14, x14, 1)
    TEST_CASE(2, x14, 1, csrr x14, 0xCC4)
    /* a mask with bits above the thread count keeps thread 0 on */
    TEST_CASE(3, x14, 6, li x14, 6; li x1, -1; .insn r 0x0b, 0, 0, x0, x1, x0; nop)
    TEST_CASE(4, x14, 1, csrr x14, 0xCC4)
    TEST_CASE(5, x14, 1, csrr x14, 0xCC3)
    /* tmc writes no register */
    TEST_CASE(6, x1, 1, li x1, 1; .insn r 0x0b, 0, 0, x0, x1, x0)

RVTEST_PASS

RVTEST_DATA_BEGIN
RVTEST_DATA_END
