/* Zicsr: csrrw csrrs csrrc csrrwi csrrsi csrrci; simtlab/Vortex CSRs for the default 1x1x1 config
 *
 * simtlab ISA self-test: see test_macros.h for the conventions. */
#include "test_macros.h"

RVTEST_BEGIN

    /* machine shape (default config: 1 thread, 1 warp, 1 core) and identity */
    TEST_CASE(1, x14, 1, csrr x14, 0xFC0)
    TEST_CASE(2, x14, 1, csrr x14, 0xFC1)
    TEST_CASE(3, x14, 1, csrr x14, 0xFC2)
    TEST_CASE(4, x14, 0, csrr x14, 0xCC0)
    TEST_CASE(5, x14, 0, csrr x14, 0xCC1)
    TEST_CASE(6, x14, 0, csrr x14, 0xCC2)
    TEST_CASE(7, x14, 1, csrr x14, 0xCC3)
    TEST_CASE(8, x14, 1, csrr x14, 0xCC4)
    TEST_CASE(9, x14, 0, csrr x14, 0xF14)
    TEST_CASE(10, x14, 0xffff0000, csrr x14, 0xFC3)
    /* csrr with rd = x0 is a read that writes nothing */
    TEST_CASE(11, x0, 0, csrrs x0, 0xFC0, x0)
    /* mscratch: csrrw returns the old value and writes the new one */
    TEST_CASE(12, x14, 0x12345678, li x1, 0x12345678; csrw 0x340, x1; csrr x14, 0x340)
    TEST_CASE(13, x14, 0x12345678, li x1, 0xCAFEBABE; csrrw x14, 0x340, x1)
    TEST_CASE(14, x14, 0xcafebabe, csrr x14, 0x340)
    TEST_CASE(15, x14, 0, li x1, 0; csrrw x14, 0x340, x1; csrrw x14, 0x340, x14)
    TEST_CASE(16, x14, 0xcafebabe, csrr x14, 0x340)
    /* csrrs / csrrc: old value, set / clear bits; rs1 = x0 does not write */
    TEST_CASE(17, x14, 0x000000f0, li x1, 0xF0; csrw 0x340, x1; li x2, 0x0F; csrrs x14, 0x340, x2; )
    TEST_CASE(18, x14, 0x000000ff, csrr x14, 0x340)
    TEST_CASE(19, x14, 0x000000ff, li x2, 0x3C; csrrc x14, 0x340, x2)
    TEST_CASE(20, x14, 0x000000c3, csrr x14, 0x340)
    TEST_CASE(21, x14, 0x000000c3, csrrs x14, 0x340, x0; csrrc x14, 0x340, x0)
    TEST_CASE(22, x14, 0x000000c3, csrr x14, 0x340)
    /* immediate forms (5-bit zero-extended uimm) */
    TEST_CASE(23, x14, 0x000000c3, csrrwi x14, 0x340, 31)
    TEST_CASE(24, x14, 31, csrr x14, 0x340)
    TEST_CASE(25, x14, 31, csrrci x14, 0x340, 5)
    TEST_CASE(26, x14, 26, csrrsi x14, 0x340, 0)
    TEST_CASE(27, x14, 26, csrrsi x14, 0x340, 1)
    TEST_CASE(28, x14, 27, csrr x14, 0x340)
    TEST_CASE(29, x14, 27, csrrci x14, 0x340, 0)
    TEST_CASE(30, x14, 27, csrrwi x14, 0x340, 0)
    TEST_CASE(31, x14, 0, csrr x14, 0x340)
    /* csrrw with rd = x0 (csrw) and rd = rs1 */
    TEST_CASE(32, x1, 0x00000777, li x1, 0x777; csrw 0x340, x1; li x1, 0x888; csrrw x1, 0x340, x1)
    TEST_CASE(33, x14, 0x00000888, csrr x14, 0x340)
    /* CSR value feeds the next instruction; CSR written right after being read */
    TEST_CASE(34, x15, 0x00000889, csrr x14, 0x340; addi x15, x14, 1)
    TEST_CASE(35, x14, 0x00000999, li x1, 0x999; csrw 0x340, x1; csrr x14, 0x340)
    /* minstret counts retired instructions: 4 instructions between the reads (3 nops and the second csrr) */
    TEST_CASE(36, x14, 4, csrr x1, 0xB02; nop; nop; nop; csrr x2, 0xB02; sub x14, x2, x1)
    /* minstret advances over a loop of 100 iterations by at least 300 */
    TEST_CASE(37, x14, 1, csrr x1, 0xB02; li x3, 100; 6: addi x3, x3, -1; nop; bnez x3, 6b; csrr x2, 0xB02; sub x2, x2, x1; sltiu x14, x2, 300; xori x14, x14, 1)
    /* mcycle advances, at least one cycle per instruction */
    TEST_CASE(38, x14, 1, csrr x1, 0xB00; nop; nop; nop; nop; csrr x2, 0xB00; sub x2, x2, x1; sltiu x14, x2, 5; xori x14, x14, 1)
    /* high halves are readable and zero this early in a run */
    TEST_CASE(39, x14, 0, csrr x14, 0xB80)
    TEST_CASE(40, x14, 0, csrr x14, 0xB82)
    /* user-mode aliases cycle/instret track mcycle/minstret */
    TEST_CASE(41, x14, 1, csrr x1, 0xB02; csrr x2, 0xC02; sub x2, x2, x1; sltiu x14, x2, 2)
    TEST_CASE(42, x14, 1, csrr x1, 0xB00; csrr x2, 0xC00; sltu x14, x2, x1; xori x14, x14, 1)

RVTEST_PASS

RVTEST_DATA_BEGIN
RVTEST_DATA_END
