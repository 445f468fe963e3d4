/* simtlab kernel-side helpers: arguments, console, exit, counters.
 *
 *   sl_arg()          the argument struct the host wrote (address from mscratch, CSR 0x340)
 *   sl_putchar(c)     one byte to the host console (IO_COUT)
 *   sl_puts(s)        a string and a newline (like puts)
 *   sl_print(s)       a string, no newline
 *   sl_printf(f, ...) %d %i %u %x %X %p %s %c %%, with optional '-', '0' and width (e.g. %08x)
 *   sl_exit(code)     end the run with `code` (word store to IO_EXIT); does not return
 *   sl_cycles(), sl_instret()      low 32 bits of mcycle / minstret
 *   sl_cycles64(), sl_instret64()  full 64-bit counters
 *
 * Structured divergence (docs/simt.md, docs/runtime.md). Plain if/for/while are correct for any
 * condition (branches are per lane, with min-PC reconvergence); these helpers bracket a divergent
 * region explicitly with Vortex's split/join/pred, as Vortex kernels do:
 *
 *   SL_IF(cond) { ... } SL_ENDIF;                      split on cond, then join
 *   SL_IF(cond) { ... } SL_ELSE { ... } SL_ENDIF;      each side runs with only its lanes on
 *   SL_WHILE(cond, body...);                           lane-dependent trip count: split on the first
 *                                                      test, then vx_pred switches each lane off when
 *                                                      its cond turns false; the mask returns at the end
 *   sl_select(c, a, b)                                 c ? a : b without a branch (uint32)
 *
 * Rules: no break, continue, return or goto out of (or into) an SL_ region; cond is evaluated once per
 * lane (SL_IF) or once per iteration (SL_WHILE). Nesting is allowed up to NUM_THREADS - 1 divergent
 * levels (the IPDOM stack depth); uniform splits push nothing. On a one-lane configuration
 * (NUM_THREADS == 1) the helpers are plain if/else/while and emit no SIMT instruction.
 *
 * Implementation in simtlab.c, linked into every kernel.
 */
#ifndef SIMTLAB_H
#define SIMTLAB_H

#include <stdint.h>
#include <stddef.h>
#include "simtlab_config.h"
#include "vx_intrinsics.h"
#include "vx_spawn.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline void *sl_arg(void) {
    return (void *)(uintptr_t)csr_read(VX_CSR_MSCRATCH);
}

static inline void sl_putchar(int c) {
    *(volatile uint8_t *)(uintptr_t)IO_COUT_ADDR = (uint8_t)c;
}

void sl_print(const char *s);
void sl_puts(const char *s);
int sl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void sl_exit(int code);

static inline uint32_t sl_cycles(void)  { return csr_read(VX_CSR_MCYCLE); }
static inline uint32_t sl_instret(void) { return csr_read(VX_CSR_MINSTRET); }

static inline uint64_t sl_cycles64(void) {
    uint32_t hi, lo;
    do {
        hi = csr_read(VX_CSR_MCYCLEH);
        lo = csr_read(VX_CSR_MCYCLE);
    } while (hi != csr_read(VX_CSR_MCYCLEH));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t sl_instret64(void) {
    uint32_t hi, lo;
    do {
        hi = csr_read(VX_CSR_MINSTRETH);
        lo = csr_read(VX_CSR_MINSTRET);
    } while (hi != csr_read(VX_CSR_MINSTRETH));
    return ((uint64_t)hi << 32) | lo;
}

/* ---- structured divergence --------------------------------------------------------------------- */

/* v, hidden from the optimiser: it cannot know which values v may take, so it can neither thread a
 * branch through a split (duplicating the split on each side of a lane-dependent branch) nor turn
 * the computation of v into branches. */
static inline int sl_opaque(int v) {
    __asm__ ("" : "+r"(v));
    return v;
}

#if NUM_THREADS > 1
#define SL_IF(cond)                                                         \
    do {                                                                    \
        int __sl_if_c = sl_opaque((cond) != 0);                             \
        int __sl_if_token = vx_split(__sl_if_c);                            \
        if (__sl_if_c) {
#define SL_ELSE                                                             \
        } else {
#define SL_ENDIF                                                            \
        }                                                                   \
        vx_join(__sl_if_token);                                             \
    } while (0)

#define SL_WHILE(cond, ...)                                                 \
    do {                                                                    \
        int __sl_wh_c = sl_opaque((cond) != 0);                             \
        int __sl_wh_token = vx_split(__sl_wh_c);                            \
        if (__sl_wh_c) {                                                    \
            int __sl_wh_mask = vx_active_threads();                         \
            do {                                                            \
                __VA_ARGS__                                                 \
                __sl_wh_c = sl_opaque((cond) != 0);                         \
                vx_pred(__sl_wh_c, __sl_wh_mask);                           \
            } while (__sl_wh_c);                                            \
        }                                                                   \
        vx_join(__sl_wh_token);                                             \
    } while (0)
#else
#define SL_IF(cond)  do { if (cond) {
#define SL_ELSE      } else {
#define SL_ENDIF     } } while (0)
#define SL_WHILE(cond, ...) do { while (cond) { __VA_ARGS__ } } while (0)
#endif

/* c ? a : b computed with arithmetic (a compiler may turn a ?: into a branch). */
static inline uint32_t sl_select(uint32_t c, uint32_t a, uint32_t b) {
    uint32_t m = 0u - (uint32_t)(c != 0);
    __asm__ ("" : "+r"(m));     /* keep the compiler from turning this back into a select */
    return (a & m) | (b & ~m);
}

#ifdef __cplusplus
}
#endif

#endif /* SIMTLAB_H */
