/* simtlab's version of the launch API of newer Vortex (vx_spawn2.h names), written for simtlab from
 * that API's documented names and semantics. Kernels written in that style build unchanged:
 *
 *   __kernel void kernel_main(kernel_arg_t *arg)   the entry of the per-thread code (C linkage in
 *                                                   C++, kept by the linker)
 *   int main() { ... vx_spawn_threads(dims, arg->grid_dim, arg->block_dim,
 *                                     (vx_kernel_func_cb)kernel_main, arg); }
 *   blockIdx.x/y/z, threadIdx.x/y/z                 this thread's block and thread coordinates
 *   blockDim.x/y/z, gridDim.x/y/z                   the launch's block and grid extents
 *   __local_group_id, __warps_per_group             the block's slot (= barrier id), its warp count
 *   __local_mem()                                   this block's share of local memory: the local
 *                                                   memory divided evenly between the co-resident
 *                                                   blocks (16-byte multiples); __local_mem(size)
 *                                                   as in vx_spawn.h: `size` bytes at slot * size
 *   __local_mem_size()                              the size of that share, in bytes
 *   __syncthreads()                                 barrier over the warps of the calling block
 *
 * Everything else is vx_spawn.h's (this header includes it), so a kernel may mix both. simtlab has no
 * hardware kernel-launch unit: the grid comes from the kernel's own main() through vx_spawn_threads
 * (block mode or task mode, docs/runtime.md), and the coordinates are the runtime's per-hart records,
 * not CSRs. See docs/runtime.md, "vx_spawn2.h".
 */
#ifndef VX_SPAWN2_H
#define VX_SPAWN2_H

#include "vx_spawn.h"

#ifdef __cplusplus
#define __kernel extern "C" __attribute__((used))
#else
#define __kernel __attribute__((used))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of local memory per block slot in the current launch (vx_spawn.c). */
extern uint32_t __sl_lmem_share;

#ifdef __cplusplus
}
#endif

#define __local_mem_size() (__sl_lmem_share)

/* __local_mem() and __local_mem(size): picked by the number of arguments. */
#undef __local_mem
#define __sl_local_mem_share() __sl_local_mem_sized(__sl_lmem_share)
#define __sl_local_mem_sized(size) \
    ((void *)((uint8_t *)vx_local_mem() + (size_t)__sl_warp_slot[vx_warp_id()] * (size_t)(size)))
#define __sl_local_mem_pick(_0, _1, name, ...) name
#define __local_mem(...) \
    __sl_local_mem_pick(_0, ##__VA_ARGS__, __sl_local_mem_sized, __sl_local_mem_share)(__VA_ARGS__)

#endif /* VX_SPAWN2_H */
