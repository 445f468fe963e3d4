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

static inline void vx_fence(void) {
    __asm__ __volatile__ ("fence iorw, iorw" ::: "memory");
}

#ifdef __cplusplus
}
#endif

#endif /* VX_INTRINSICS_H */
