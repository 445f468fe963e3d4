/* simtlab kernel startup and the assembly half of vx_spawn_threads (see docs/runtime.md).
 *
 * Startup (Vortex style). At reset only warp 0 / lane 0 runs, at _start:
 *   1. warp 0 activates every other warp at __sl_boot_warp (wspawn NUM_WARPS) and falls into the same
 *      code itself;
 *   2. every warp switches all of its lanes on (tmc all-ones), and every (warp, lane) sets
 *      gp, sp = STACK_TOP - mhartid * STACK_SIZE and tp = sp - STACK_SIZE (the bottom of its stack
 *      region), and initialises its thread-local storage block there (.tbss zeroed, .tdata copied);
 *   3. warps other than 0 retire (tmc 0); their registers persist while they are inactive;
 *   4. warp 0 returns to lane 0 (tmc 1), waits until it is the only active warp (a "wspawn 1" waits for
 *      exactly that and spawns nothing), clears .bss, runs the C++ global constructors (.init_array)
 *      and calls main(0, 0).
 * With several cores every core runs these steps (each core's warp 0 starts at _start), but only
 * core 0 clears .bss and runs the constructors; the others wait for it at global barrier 0 before
 * main (docs/runtime.md, "Several cores").
 * After main returns: a non-zero result is stored to IO_EXIT (the run ends with that code); then the
 * warp retires with "tmc x0" -- when no warp is left the device falls idle.
 *
 * On configurations with one warp (or one lane) the wspawn (tmc) steps are left out at compile time,
 * so a 1x1 core only ever executes tmc among the SIMT instructions.
 *
 * The stack top and the exit register come from the word table __sl_boot (simtlab.c), built from the
 * generated simtlab_config.h, so that no address is written down here (assemblers that do not accept
 * C integer suffixes such as "0xFFFF0000u" still assemble this file).
 */
#include "simtlab_config.h"

#define SL_TMC(rs)            .insn r 0x0b, 0, 0, x0, rs, x0
#define SL_WSPAWN(rn, rpc)    .insn r 0x0b, 1, 0, x0, rn, rpc
#define SL_BAR(rid, rn)       .insn r 0x0b, 4, 0, x0, rid, rn

/* gp := __global_pointer$ (must not be relaxed against gp itself). */
#define SL_SET_GP                       \
    .option push;                       \
    .option norelax;                    \
    la      gp, __global_pointer$;      \
    .option pop

/* rd := STACK_TOP - (mhartid << STACK_LOG2_SIZE), the top of this hardware thread's stack. */
#define SL_STACK_TOP(rd, tmp)           \
    la      rd, __sl_boot;              \
    lw      rd, 0(rd);                  \
    csrr    tmp, VX_CSR_MHARTID;        \
    slli    tmp, tmp, STACK_LOG2_SIZE;  \
    sub     rd, rd, tmp

/* tp := STACK_TOP - ((mhartid + 1) << STACK_LOG2_SIZE), the bottom of this hardware thread's stack
 * region, where its thread-local storage block lives (docs/runtime.md, "Thread-local storage"). */
#define SL_SET_TP(tmp)                  \
    la      tp, __sl_boot;              \
    lw      tp, 0(tp);                  \
    csrr    tmp, VX_CSR_MHARTID;        \
    addi    tmp, tmp, 1;                \
    slli    tmp, tmp, STACK_LOG2_SIZE;  \
    sub     tp, tp, tmp

/* The stack size, for link.ld's check that the TLS block fits. */
    .globl __sl_stack_size
    .set __sl_stack_size, (1 << STACK_LOG2_SIZE)

/* rd := &__sl_spawn_sp[core id] (one saved stack pointer per core). */
#if NUM_CORES > 1
#define SL_SPAWN_SP(rd, tmp)            \
    csrr    tmp, VX_CSR_CORE_ID;        \
    slli    tmp, tmp, 2;                \
    la      rd, __sl_spawn_sp;          \
    add     rd, rd, tmp
#else
#define SL_SPAWN_SP(rd, tmp)            \
    la      rd, __sl_spawn_sp
#endif

    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
#if NUM_WARPS > 1
    li      t0, NUM_WARPS
    la      t1, __sl_boot_warp
    SL_WSPAWN(t0, t1)           /* warps 1..NUM_WARPS-1 start at __sl_boot_warp with lane 0 on */
#endif
__sl_boot_warp:                 /* every warp, lane 0 on */
#if NUM_THREADS > 1
    li      t0, -1
    SL_TMC(t0)                  /* every lane on */
#endif
    SL_SET_GP
    SL_STACK_TOP(sp, t1)
    SL_SET_TP(t1)
    /* This hardware thread's TLS block: zero __tls_size bytes (whole words) at tp, then copy the
     * .tdata image over its start. Every lane has the same trip counts, so the loops stay uniform.
     * __tls_size is an absolute symbol: lui/addi, not la (pc-relative would be out of range). */
    lui     t0, %hi(__tls_size)
    addi    t0, t0, %lo(__tls_size)
    add     t0, t0, tp
    mv      t1, tp
    bgeu    t1, t0, 8f
7:  sw      zero, 0(t1)
    addi    t1, t1, 4
    bltu    t1, t0, 7b
8:  la      t0, __tdata_start
    la      t1, __tdata_end
    mv      t2, tp
    bgeu    t0, t1, 10f
9:  lbu     t3, 0(t0)
    sb      t3, 0(t2)
    addi    t0, t0, 1
    addi    t2, t2, 1
    bltu    t0, t1, 9b
10:
    csrr    t0, VX_CSR_WARP_ID
    bnez    t0, 3f              /* warp-uniform: warps other than 0 retire */
#if NUM_THREADS > 1
    li      t0, 1
    SL_TMC(t0)                  /* warp 0 continues on lane 0 */
#endif
#if NUM_WARPS > 1
    li      t0, 1
    la      t1, __sl_boot_warp
    SL_WSPAWN(t0, t1)           /* spawns nothing; waits until warp 0 is the only active warp */
#endif

#if NUM_CORES > 1
    csrr    t0, VX_CSR_CORE_ID
    bnez    t0, 11f             /* core-uniform: only core 0 initialises memory */
#endif
    /* Clear .bss (word aligned by link.ld). */
    la      t0, __bss_start
    la      t1, __bss_end
    bgeu    t0, t1, 2f
1:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 1b
2:
    /* C++ global constructors (.init_array), in order. */
    la      s0, __init_array_start
    la      s1, __init_array_end
    bgeu    s0, s1, 6f
5:  lw      t0, 0(s0)
    jalr    t0
    addi    s0, s0, 4
    bltu    s0, s1, 5b
6:
#if NUM_CORES > 1
11: li      t0, 1
    slli    t0, t0, 31          /* global barrier 0 */
    li      t1, NUM_CORES
    SL_BAR(t0, t1)              /* every core waits until core 0 has initialised memory */
#endif
    /* main(0, 0): kernels read their arguments with sl_arg() / csr_read(VX_CSR_MSCRATCH). */
    li      a0, 0
    li      a1, 0
    call    main

    beqz    a0, 3f
    la      t0, __sl_boot
    lw      t0, 4(t0)
    sw      a0, 0(t0)           /* IO_EXIT: the run ends with main's result */
3:
    SL_TMC(x0)                  /* retire this warp */
4:  j       4b                  /* safety net: never reached on a working core */
    .size _start, . - _start


/* ---- vx_spawn_threads, assembly half (vx_spawn.c is the C half) ----------------------------------
 *
 * A warp's lanes other than the one that called into C code hold stale registers (whatever they
 * computed when they were last switched off). So a spawn never lets a lane continue C code it did not
 * itself run: every lane (re)enters __sl_spawn_worker here with freshly set gp, tp and sp. Lanes that the
 * worker switches off mid-way (tail of a grid) are simply given a fresh stack pointer next time.
 */
    .section .text.__sl_spawn, "ax", @progbits

/* void __sl_spawn_warp0(void): called by warp 0, lane 0 (from vx_spawn_threads). Runs the worker on
 * every lane of warp 0 and returns on lane 0. Lane 0 keeps its own sp (main's frames are on it);
 * the other lanes start at the top of their stacks. */
    .globl __sl_spawn_warp0
    .type __sl_spawn_warp0, @function
__sl_spawn_warp0:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    SL_SPAWN_SP(t0, t1)
    sw      sp, 0(t0)           /* lane 0's stack pointer, for after the tmc */
#if NUM_THREADS > 1
    li      t0, -1
    SL_TMC(t0)
#endif
    SL_SET_GP
    SL_SET_TP(t1)
    SL_STACK_TOP(t1, t2)        /* t1 = this lane's stack top */
    SL_SPAWN_SP(t0, t2)
    lw      t0, 0(t0)           /* t0 = lane 0's saved sp */
    csrr    t2, VX_CSR_THREAD_ID
    seqz    t2, t2
    neg     t2, t2              /* all ones on lane 0, zero elsewhere (no branch: lanes differ) */
    xor     t0, t0, t1
    and     t0, t0, t2
    xor     sp, t1, t0          /* sp = lane 0 ? saved : stack top */
    call    __sl_spawn_worker
#if NUM_THREADS > 1
    li      t0, 1
    SL_TMC(t0)                  /* back to lane 0 (lane 0 runs every round, so its state is current) */
#endif
    lw      ra, 12(sp)
    addi    sp, sp, 16
    ret
    .size __sl_spawn_warp0, . - __sl_spawn_warp0

/* Warps 1.. start here (wspawn from vx_spawn_threads) with lane 0 on; they retire when done. */
    .globl __sl_spawn_warp_entry
    .type __sl_spawn_warp_entry, @function
__sl_spawn_warp_entry:
#if NUM_THREADS > 1
    li      t0, -1
    SL_TMC(t0)
#endif
    SL_SET_GP
    SL_SET_TP(t1)
    SL_STACK_TOP(sp, t1)
    call    __sl_spawn_worker
    SL_TMC(x0)                  /* retire */
1:  j       1b
    .size __sl_spawn_warp_entry, . - __sl_spawn_warp_entry
