/* simtlab's implementation of Vortex's kernel launch API (vx_spawn.h). Written for simtlab from the
 * documented behaviour of Vortex's API; kernels written against Vortex's names compile unchanged.
 *
 *   int vx_spawn_threads(dimension, grid_dim, block_dim, kernel_fn, arg)
 *       Runs kernel_fn(arg) once per thread of a grid of dimension (1..3) dimensions.
 *       block_dim == NULL: task mode, one task per hardware thread slot: gridDim = grid_dim,
 *         blockDim = {1,1,1}, threadIdx = {0,0,0}, blockIdx = the task's coordinates.
 *       block_dim != NULL: block mode, grid_dim blocks of block_dim threads; a block of B threads
 *         occupies ceil(B / NUM_THREADS) warps of one "slot"; as many slots as fit in NUM_WARPS run at
 *         once, and each slot loops over blocks slot, slot + slots, ...
 *       Returns 0 when every thread has run, -1 (after a message on the console) if the arguments are
 *       invalid (dimension not 1..3, or a block larger than NUM_WARPS * NUM_THREADS threads).
 *       Must be called by warp 0 on one lane (main does); returns on warp 0, lane 0, with every other
 *       warp inactive again.
 *   blockIdx, threadIdx, gridDim, blockDim  (dim3_t; use as blockIdx.x etc. inside kernels)
 *   __syncthreads()          barrier over the warps of the calling thread's block
 *   __local_mem(size)        this block's slice [slot * size, slot * size + size) of local memory
 *
 * Kernel code runs on many lanes of a warp at once; a branch whose direction depends on the lane
 * runs every lane on its own path (per-lane branches, min-PC reconvergence), so plain C is fine.
 * The divergence helpers of simtlab.h (SL_IF / SL_WHILE) and vx_split/vx_join/vx_pred remain as
 * explicit hints. See docs/simt.md and docs/runtime.md.
 */
#ifndef VX_SPAWN_H
#define VX_SPAWN_H

#include <stdint.h>
#include <stddef.h>
#include "vx_intrinsics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Vortex marks arguments that are the same on every lane; simtlab needs no annotation. */
#ifndef __UNIFORM__
#define __UNIFORM__
#endif

typedef struct {
    uint32_t x, y, z;
} dim3_t;

typedef void (*vx_kernel_func_cb)(void *arg);

int vx_spawn_threads(uint32_t dimension, const uint32_t *grid_dim, const uint32_t *block_dim,
                     vx_kernel_func_cb kernel_func, const void *arg);

/* Launch geometry, the same for every thread of a launch. */
extern dim3_t gridDim;
extern dim3_t blockDim;

/* Per hardware thread: the coordinates blockIdx.x/y/z and threadIdx.x/y/z, one row per coordinate
 * (__sl_hart_idx[c][mhartid]) so that the lanes of a warp read consecutive words: one memory block per
 * warp for blockIdx.x (a __thread variable would cost one block per lane: TLS blocks are a stack size
 * apart). tp is the TLS thread pointer, so a hardware thread finds its column from mhartid; link.ld
 * puts the table at __global_pointer$ - 0x800 (gp holds that in every lane, start.S), so that a
 * coordinate costs csrr, slli, add and one load with the row's offset. Per warp: the block slot, and
 * the block's warp count. */
#define SL_HW_THREADS (NUM_CORES * NUM_WARPS * NUM_THREADS)
extern uint32_t __sl_hart_idx[6][SL_HW_THREADS];
extern uint32_t __sl_warp_slot[NUM_CORES * NUM_WARPS]; /* block slot in its core (= barrier id) */
extern uint32_t __sl_warps_per_block;           /* warps of one block in the current launch */

/* Row 5's offset from gp fits a 12-bit load offset up to 204 hardware threads; wider devices index
 * the table from its address instead. */
#define SL_HART_IDX_GP (20 * SL_HW_THREADS <= 4095)

static inline uint32_t __sl_hart_id(void) {
    uint32_t hart;
    /* Not volatile: mhartid never changes, so the compiler may reuse one read. */
    __asm__ ("csrr %0, %1" : "=r"(hart) : "i"(VX_CSR_MHARTID));
    return hart;
}

/* This hardware thread's column: &__sl_hart_idx[0][mhartid] (vx_spawn.c writes through it). */
static inline uint32_t *__sl_hart_column(void) {
    return &__sl_hart_idx[0][__sl_hart_id()];
}

#if SL_HART_IDX_GP
/* Coordinate row `row` of this hardware thread: one load from gp + 4 * mhartid. Not volatile and no
 * memory operand (which would make the compiler build the table's address): the table is only
 * written by vx_spawn.c's worker before it calls the kernel function, never while one runs. */
#define __sl_hart_word(row) ({                                                          \
    uint32_t __sl_w;                                                                    \
    __asm__ ("lw %0, %1(%2)"                                                            \
             : "=r"(__sl_w)                                                             \
             : "i"((row) * 4 * SL_HW_THREADS - 0x800),                                  \
               "r"(({ uintptr_t __sl_c;                                                 \
                      __asm__ ("slli %0, %1, 2\n\tadd %0, %0, gp"                        \
                               : "=r"(__sl_c) : "r"(__sl_hart_id()));                   \
                      __sl_c; })));                                                     \
    __sl_w; })
#else
#define __sl_hart_word(row) (__sl_hart_column()[(row) * SL_HW_THREADS])
#endif

/* Coordinate rows `first` .. first + 2 of this hardware thread, as a dim3_t (only the fields used are
 * loaded once inlined). */
static inline dim3_t __sl_hart_dim3_0(void) {
    dim3_t d = { __sl_hart_word(0), __sl_hart_word(1), __sl_hart_word(2) };
    return d;
}

static inline dim3_t __sl_hart_dim3_3(void) {
    dim3_t d = { __sl_hart_word(3), __sl_hart_word(4), __sl_hart_word(5) };
    return d;
}

/* This warp's entry of per-warp tables: core * NUM_WARPS + warp (the warp alone on one core). */
#if NUM_CORES > 1
#define __sl_warp_index() ((uint32_t)vx_core_id() * NUM_WARPS + (uint32_t)vx_warp_id())
#else
#define __sl_warp_index() ((uint32_t)vx_warp_id())
#endif

#define blockIdx  (__sl_hart_dim3_0())
#define threadIdx (__sl_hart_dim3_3())

/* Vortex's names for a block's slot and warp count. */
#define __local_group_id  (__sl_warp_slot[__sl_warp_index()])
#define __warps_per_group (__sl_warps_per_block)

/* Barrier over the warps of this thread's block (barrier id = the block's slot). One-warp blocks need
 * no barrier instruction: their lanes run in lock-step. */
static inline void __syncthreads(void) {
#if NUM_WARPS > 1
    uint32_t n = __sl_warps_per_block;
    if (n > 1)
        vx_barrier((int)__sl_warp_slot[__sl_warp_index()], (int)n);
#endif
    __asm__ __volatile__ ("" ::: "memory");
}

/* This block's part of local memory: `size` bytes at LMEM base + slot * size. The caller makes sure
 * that (number of co-resident blocks) * size fits (2^LMEM_LOG_SIZE bytes); beyond it is unmapped and
 * an access faults. */
#define __local_mem(size) \
    ((void *)((uint8_t *)vx_local_mem() + (size_t)__sl_warp_slot[__sl_warp_index()] * (size_t)(size)))

#ifdef __cplusplus
}
#endif

#endif /* VX_SPAWN_H */
