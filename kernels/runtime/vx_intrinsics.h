/* simtlab's Vortex-compatible intrinsics (names follow Vortex's vx_intrinsics.h so that kernels written
 * against Vortex compile unchanged). CSR numbers come from the generated simtlab_config.h.
 *
 * SIMT instructions are R-type on custom-0 (opcode 0x0B):
 *   funct3 0 tmc, 1 wspawn, 2 split (rs2 = x1: split.n), 3 join, 4 bar, 5 pred (rd = x1: pred.n).
 * Semantics: docs/simt.md (operands of tmc/wspawn/bar/pred come from the warp's last active lane).
 * The launch API (vx_spawn_threads, blockIdx, __syncthreads, ...) is in vx_spawn.h; simtlab's
 * structured divergence helpers (SL_IF / SL_ELSE / SL_ENDIF, SL_WHILE) are in simtlab.h.
 */
#ifndef VX_INTRINSICS_H
#define VX_INTRINSICS_H

#include <stdint.h>
#include "simtlab_config.h"

#ifdef __cplusplus
extern "C" {
/* start.S calls main: in C++ kernels it gets C linkage (`int main()`, as Vortex's kernels write it). */
int main();
#endif


/* CSR access; `csr` must be a compile-time constant. */
#define csr_read(csr) ({                                                   \
    uint32_t __csr_v;                                                       \
    __asm__ __volatile__ ("csrr %0, %1" : "=r"(__csr_v) : "i"(csr));       \
    __csr_v; })

#define csr_write(csr, val) ({                                             \
    uint32_t __csr_w = (uint32_t)(val);                                     \
    __asm__ __volatile__ ("csrw %0, %1" :: "i"(csr), "r"(__csr_w) : "memory"); })

#define csr_set(csr, val) ({                                               \
    uint32_t __csr_w = (uint32_t)(val);                                     \
    __asm__ __volatile__ ("csrs %0, %1" :: "i"(csr), "r"(__csr_w) : "memory"); })

#define csr_clear(csr, val) ({                                             \
    uint32_t __csr_w = (uint32_t)(val);                                     \
    __asm__ __volatile__ ("csrc %0, %1" :: "i"(csr), "r"(__csr_w) : "memory"); })

/* ---- identity and machine shape ------------------------------------------------------------- */
static inline int vx_thread_id(void)      { return (int)csr_read(VX_CSR_THREAD_ID); }
static inline int vx_warp_id(void)        { return (int)csr_read(VX_CSR_WARP_ID); }
static inline int vx_core_id(void)        { return (int)csr_read(VX_CSR_CORE_ID); }
static inline int vx_hart_id(void)        { return (int)csr_read(VX_CSR_MHARTID); }
static inline int vx_num_threads(void)    { return (int)csr_read(VX_CSR_NUM_THREADS); }
static inline int vx_num_warps(void)      { return (int)csr_read(VX_CSR_NUM_WARPS); }
static inline int vx_num_cores(void)      { return (int)csr_read(VX_CSR_NUM_CORES); }
static inline int vx_active_warps(void)   { return (int)csr_read(VX_CSR_ACTIVE_WARPS); }
static inline int vx_active_threads(void) { return (int)csr_read(VX_CSR_ACTIVE_THREADS); }
static inline int vx_thread_mask(void)    { return (int)csr_read(VX_CSR_ACTIVE_THREADS); }
/* Base address of this core's local (shared) memory. */
static inline void *vx_local_mem(void)    { return (void *)(uintptr_t)csr_read(VX_CSR_LMEM_BASE); }

/* ---- SIMT control ---------------------------------------------------------------------------- */
/* Set the thread mask; 0 retires the warp. */
static inline void vx_tmc(int thread_mask) {
    __asm__ __volatile__ (".insn r 0x0b, 0, 0, x0, %0, x0" :: "r"(thread_mask) : "memory");
}
static inline void vx_tmc_zero(void) {
    __asm__ __volatile__ (".insn r 0x0b, 0, 0, x0, x0, x0" ::: "memory");
}
static inline void vx_tmc_one(void) {
    __asm__ __volatile__ ("li t0, 1\n\t.insn r 0x0b, 0, 0, x0, t0, x0" ::: "t0", "memory");
}

/* Activate warps 1..num_warps-1 at func_ptr (thread 0 on). */
static inline void vx_wspawn(int num_warps, void (*func_ptr)(void)) {
    __asm__ __volatile__ (".insn r 0x0b, 1, 0, x0, %0, %1" :: "r"(num_warps), "r"(func_ptr) : "memory");
}

/* Divergent branch: lanes whose predicate is true (split) / false (split_n) run first.
 * Returns the token to pass to vx_join. */
static inline int vx_split(int predicate) {
    int token;
    __asm__ __volatile__ (".insn r 0x0b, 2, 0, %0, %1, x0" : "=r"(token) : "r"(predicate) : "memory");
    return token;
}
static inline int vx_split_n(int predicate) {
    int token;
    __asm__ __volatile__ (".insn r 0x0b, 2, 0, %0, %1, x1" : "=r"(token) : "r"(predicate) : "memory");
    return token;
}
static inline void vx_join(int token) {
    __asm__ __volatile__ (".insn r 0x0b, 3, 0, x0, %0, x0" :: "r"(token) : "memory");
}

/* Thread mask := lanes whose condition is true (pred) / false (pred_n); thread_mask if none. */
static inline void vx_pred(int condition, int thread_mask) {
    __asm__ __volatile__ (".insn r 0x0b, 5, 0, x0, %0, %1" :: "r"(condition), "r"(thread_mask) : "memory");
}
static inline void vx_pred_n(int condition, int thread_mask) {
    __asm__ __volatile__ (".insn r 0x0b, 5, 0, x1, %0, %1" :: "r"(condition), "r"(thread_mask) : "memory");
}

/* Wait until num_warps warps reached barrier barrier_id (bit 31 set: across cores). */
static inline void vx_barrier(int barrier_id, int num_warps) {
    __asm__ __volatile__ (".insn r 0x0b, 4, 0, x0, %0, %1" :: "r"(barrier_id), "r"(num_warps) : "memory");
}

/* Warp vote over the lanes of the thread mask (bit 0 of the predicate): 1 if all / any of them
 * hold it, 1 if it is the same on all of them, or the mask of the lanes that hold it. */
static inline int vx_vote_all(int predicate) {
    int r;
    __asm__ __volatile__ (".insn r 0x0b, 0, 1, %0, %1, x0" : "=r"(r) : "r"(predicate));
    return r;
}
static inline int vx_vote_any(int predicate) {
    int r;
    __asm__ __volatile__ (".insn r 0x0b, 1, 1, %0, %1, x0" : "=r"(r) : "r"(predicate));
    return r;
}
static inline int vx_vote_uni(int predicate) {
    int r;
    __asm__ __volatile__ (".insn r 0x0b, 2, 1, %0, %1, x0" : "=r"(r) : "r"(predicate));
    return r;
}
static inline int vx_vote_ballot(int predicate) {
    int r;
    __asm__ __volatile__ (".insn r 0x0b, 3, 1, %0, %1, x0" : "=r"(r) : "r"(predicate));
    return r;
}

/* Warp shuffle: every lane reads `value` of another lane of its segment (lanes that agree on the
 * `mask` bits of the lane index, up to the segment's `clamp`): lane - b (up), lane + b (down),
 * lane ^ b (bfly) or segment base + b (idx); out of range, or an inactive source: its own value.
 * Vortex's operand order and packing (mask << 12 | clamp << 6 | b). */
#define VX_SHFL_(funct3, value, b, c, mask) ({                                              \
    int __shfl_r, __shfl_bc = ((int)(mask) << 12) | ((int)(c) << 6) | (int)(b);             \
    __asm__ __volatile__ (".insn r 0x0b, " #funct3 ", 1, %0, %1, %2"                       \
                          : "=r"(__shfl_r) : "r"((int)(value)), "r"(__shfl_bc));            \
    __shfl_r; })
static inline int vx_shfl_up(int value, int b, int c, int mask)   { return VX_SHFL_(4, value, b, c, mask); }
static inline int vx_shfl_down(int value, int b, int c, int mask) { return VX_SHFL_(5, value, b, c, mask); }
static inline int vx_shfl_bfly(int value, int b, int c, int mask) { return VX_SHFL_(6, value, b, c, mask); }
static inline int vx_shfl_idx(int value, int b, int c, int mask)  { return VX_SHFL_(7, value, b, c, mask); }

static inline void vx_fence(void) {
    __asm__ __volatile__ ("fence iorw, iorw" ::: "memory");
}

#ifdef __cplusplus
}
#endif

#endif /* VX_INTRINSICS_H */
