/* simtlab kernel startup: the first code at the startup address (section .text.init).
 *
 * Every hardware thread that runs from here gets its own stack: sp = STACK_TOP_ADDR - mhartid * STACK_SIZE.
 * The stack top and the exit register come from the word table __sl_boot (simtlab.c), built from the
 * generated simtlab_config.h, so that no address is written down here (and so that assemblers that do
 * not accept C integer suffixes such as "0xFFFF0000u" still assemble this file).
 *
 * After main returns: a non-zero result is stored to IO_EXIT (the run ends with that code); a zero
 * result retires the warp with "tmc x0" -- when no warp is left the device falls idle.
 */
#include "simtlab_config.h"

    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop

    /* sp = STACK_TOP_ADDR - (mhartid << STACK_LOG2_SIZE) */
    la      t0, __sl_boot
    lw      sp, 0(t0)
    csrr    t1, VX_CSR_MHARTID
    slli    t1, t1, STACK_LOG2_SIZE
    sub     sp, sp, t1

    /* Clear .bss (word aligned by link.ld). Every thread runs the same bounds, so the loop stays
     * warp-uniform; the values written are all zero. */
    la      t0, __bss_start
    la      t1, __bss_end
    bgeu    t0, t1, 2f
1:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 1b
2:
    /* main(0, 0): kernels read their arguments with sl_arg() (mscratch). */
    li      a0, 0
    li      a1, 0
    call    main

    beqz    a0, 3f
    la      t0, __sl_boot
    lw      t0, 4(t0)
    sw      a0, 0(t0)           /* IO_EXIT: the run ends with main's result */
3:
    .insn r 0x0b, 0, 0, x0, x0, x0     /* tmc x0: retire this warp */
4:  j       4b                  /* safety net: never reached on a working core */
    .size _start, . - _start
