/* simtlab's vx_spawn_threads (C half; the warp entry points are in start.S). See vx_spawn.h.
 *
 * Work distribution
 *   task mode (block_dim NULL): round r gives warp w the tasks r*NUM_WARPS*NUM_THREADS + w*NUM_THREADS
 *     + lane, i.e. consecutive tasks on the lanes of a warp (coalesced accesses). Lanes past the last
 *     task are switched off with tmc in the last round.
 *   block mode: warps_per_block = ceil(B / NUM_THREADS), slots = NUM_WARPS / warps_per_block (at most
 *     the number of blocks). Warp w belongs to slot w / warps_per_block and runs threads
 *     (w % warps_per_block) * NUM_THREADS + lane of blocks slot, slot + slots, ... Lanes past B are
 *     switched off with tmc once; every warp of a slot runs the same number of blocks, so barriers
 *     match.
 * With several cores (every core's main calls this with the same arguments), core c's warps are
 *   the device's warps c*NUM_WARPS.. in task mode (tasks are dealt over every core's warps) and core
 *   c's slots are the device's slots c*slots.. in block mode; the call returns on every core once
 *   every core has finished (a global barrier), so a second spawn sees all of the first one's
 *   results.
 * All control flow here is warp-uniform: lane-dependent values (thread indices) are computed without
 * branches, and lane masks come from tmc.
 */
#include <stdint.h>
#include "vx_spawn.h"
#include "simtlab.h"

dim3_t gridDim;
dim3_t blockDim;
/* Written by the worker before any kernel reads it, so never cleared. A hardware thread's column is
 * __sl_hart_idx[.][mhartid] (vx_spawn.h); link.ld puts the table at __global_pointer$ - 0x800 when
 * vx_spawn.h reads it from gp, and in .noinit otherwise (a .bss clear would be slow on wide cores). */
#if SL_HART_IDX_GP
__attribute__((section(".sdata.__sl_hart_idx")))
#else
__attribute__((section(".noinit.__sl_idx")))
#endif
uint32_t __sl_hart_idx[6][SL_HW_THREADS];
uint32_t __sl_warp_slot[NUM_CORES * NUM_WARPS];
uint32_t __sl_warps_per_block;
/* Local memory per block slot (vx_spawn2.h's __local_mem()): an even share, 16-byte multiples. */
uint32_t __sl_lmem_share;

/* Lane 0's stack pointer of each core's warp 0 while the worker runs (start.S). */
uint32_t __sl_spawn_sp[NUM_CORES];

void __sl_spawn_warp0(void);
void __sl_spawn_warp_entry(void);
void __sl_spawn_worker(void);

static struct {
    vx_kernel_func_cb fn;
    const void *arg;
    uint32_t dims;          /* dimensions of the grid */
    uint32_t total;         /* tasks (task mode) or blocks (block mode) */
    uint32_t block_size;    /* threads per block; 0 in task mode */
    uint32_t slots;         /* co-resident blocks (block mode) */
} sl_launch;

static inline uint32_t sl_lane_mask(uint32_t lanes) {
    return lanes >= 32 ? 0xFFFFFFFFu : (1u << lanes) - 1u;
}

/* Stores coordinates x, y, z into rows first .. first + 2 of this hardware thread's column. */
static inline void sl_set(uint32_t first, uint32_t x, uint32_t y, uint32_t z) {
    uint32_t *p = __sl_hart_column() + first * SL_HW_THREADS;
    p[0] = x;
    p[SL_HW_THREADS] = y;
    p[2 * SL_HW_THREADS] = z;
}

/* index -> (x, y, z) in a grid of extents (gx, gy, *) stored at rows first..; branch-free for
 * lane-dependent indices. */
static inline void sl_unflatten(uint32_t first, uint32_t index, uint32_t gx, uint32_t gy) {
    uint32_t q = index / gx;
    sl_set(first, index - q * gx, q % gy, q / gy);
}

void __sl_spawn_worker(void) {
    const uint32_t warp = (uint32_t)vx_warp_id();
#if NUM_CORES > 1
    const uint32_t core = (uint32_t)vx_core_id();
#else
    const uint32_t core = 0;
#endif
    const uint32_t lane = (uint32_t)vx_thread_id();
    const vx_kernel_func_cb fn = sl_launch.fn;
    void *const arg = (void *)sl_launch.arg;
    const uint32_t total = sl_launch.total;
    const uint32_t gx = gridDim.x, gy = gridDim.y;

    if (sl_launch.block_size == 0) {
        /* task mode */
        sl_set(3, 0, 0, 0);             /* threadIdx */
        sl_set(0, 0, 0, 0);             /* blockIdx */
        __sl_warp_slot[core * NUM_WARPS + warp] = warp;
        const uint32_t one_dim = sl_launch.dims == 1;
        for (uint32_t base = (core * NUM_WARPS + warp) * NUM_THREADS; base < total;
             base += NUM_CORES * NUM_WARPS * NUM_THREADS) {
            uint32_t left = total - base;
            if (left < NUM_THREADS)                 /* warp-uniform */
                vx_tmc((int)sl_lane_mask(left));
            uint32_t task = base + lane;
            if (one_dim)                            /* warp-uniform */
                __sl_hart_column()[0] = task;
            else
                sl_unflatten(0, task, gx, gy);
            fn(arg);
        }
        return;
    }

    /* block mode */
    const uint32_t wpb = __sl_warps_per_block;
    const uint32_t slot = warp / wpb;
    const uint32_t slots = sl_launch.slots;
    if (slot >= slots)
        return;
    __sl_warp_slot[core * NUM_WARPS + warp] = slot;
    const uint32_t first = (warp - slot * wpb) * NUM_THREADS;      /* first thread of this warp */
    sl_unflatten(3, first + lane, blockDim.x, blockDim.y);
    const uint32_t left = sl_launch.block_size - first;
    if (left < NUM_THREADS)
        vx_tmc((int)sl_lane_mask(left));
    for (uint32_t block = core * slots + slot; block < total; block += NUM_CORES * slots) {
        sl_unflatten(0, block, gx, gy);
        fn(arg);
    }
}

int vx_spawn_threads(uint32_t dimension, const uint32_t *grid_dim, const uint32_t *block_dim,
                     vx_kernel_func_cb kernel_func, const void *arg) {
    if (dimension < 1 || dimension > 3 || grid_dim == NULL || kernel_func == NULL) {
        sl_printf("vx_spawn_threads: invalid arguments (dimension %u)\n", (unsigned)dimension);
        return -1;
    }
    uint32_t g[3] = {1, 1, 1}, b[3] = {1, 1, 1};
    uint32_t total = 1, block_size = 1;
    for (uint32_t i = 0; i < dimension; i++) {
        g[i] = grid_dim[i];
        total *= g[i];
        if (block_dim) {
            b[i] = block_dim[i];
            block_size *= b[i];
        }
    }
    if (block_dim && block_size == 0) {
        sl_printf("vx_spawn_threads: empty block\n");
        return -1;
    }
    if (block_dim && block_size > NUM_WARPS * NUM_THREADS) {
        sl_printf("vx_spawn_threads: a block of %u threads does not fit this core "
                  "(%d warps x %d threads = %d)\n",
                  (unsigned)block_size, NUM_WARPS, NUM_THREADS, NUM_WARPS * NUM_THREADS);
        return -1;
    }
    gridDim.x = g[0]; gridDim.y = g[1]; gridDim.z = g[2];
    blockDim.x = b[0]; blockDim.y = b[1]; blockDim.z = b[2];
    if (total == 0)
        return 0;

    uint32_t warps;
    sl_launch.fn = kernel_func;
    sl_launch.arg = arg;
    sl_launch.dims = dimension;
    sl_launch.total = total;
    if (block_dim) {
        uint32_t wpb = (block_size + NUM_THREADS - 1) / NUM_THREADS;
        uint32_t slots = NUM_WARPS / wpb;
        if (slots > total)
            slots = total;
        sl_launch.block_size = block_size;
        sl_launch.slots = slots;
        __sl_warps_per_block = wpb;
        warps = slots * wpb;
    } else {
        uint32_t needed = (total + NUM_THREADS - 1) / NUM_THREADS;
        sl_launch.block_size = 0;
        sl_launch.slots = 0;
        __sl_warps_per_block = 1;
        warps = needed < NUM_WARPS ? needed : NUM_WARPS;
    }
    /* task mode: every warp is its own slot */
    __sl_lmem_share = ((1u << LMEM_LOG_SIZE) / (block_dim ? sl_launch.slots : NUM_WARPS)) & ~15u;
    vx_fence();
#if NUM_WARPS > 1
    if (warps > 1)
        vx_wspawn((int)warps, __sl_spawn_warp_entry);
#endif
    __sl_spawn_warp0();
#if NUM_WARPS > 1
    if (warps > 1)
        vx_wspawn(1, __sl_spawn_warp_entry);    /* spawns nothing: waits for warps 1.. to retire */
#endif
    (void)warps;
    vx_fence();
#if NUM_CORES > 1
    /* The grid is done when every core's share is: the next spawn may read any core's results. */
    vx_barrier((int)0x80000000u, NUM_CORES);
#endif
    return 0;
}
