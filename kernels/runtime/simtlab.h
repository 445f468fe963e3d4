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
 * Implementation in simtlab.c, linked into every kernel.
 */
#ifndef SIMTLAB_H
#define SIMTLAB_H

#include <stdint.h>
#include <stddef.h>
#include "simtlab_config.h"
#include "vx_intrinsics.h"

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

#ifdef __cplusplus
}
#endif

#endif /* SIMTLAB_H */
