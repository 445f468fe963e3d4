/* simtlab's stdio.h subset (libc.c, vx_print.c). Console output only (no FILE streams).
 *
 * printf, vprintf, puts and putchar print per lane like vx_printf (vx_print.h): when several lanes of a
 * warp call them together, each lane's text comes out whole, lanes in increasing order.
 * snprintf/vsnprintf/sprintf/vsprintf format into memory (per lane, no serialisation).
 * Conversions: %d %i %u %x %X %o %c %s %p %% %f %F %e %E %g %G; flags - + space # 0; width and
 * precision (also *); length modifiers hh h l ll j z t L (ll, j: 64-bit). %f %e %g round correctly
 * (ties to even) for values below 2^128 whose lowest bit is >= 2^-64 (every float >= 2^-40); other
 * values are scaled by powers of ten first (~16 correct digits). %f of a value >= 1e40 prints as %e;
 * precisions above 60 are taken as 60. docs/runtime.md has the details.
 */
#ifndef SIMTLAB_STDIO_H
#define SIMTLAB_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
/* start.S calls main: C linkage in C++ kernels (freestanding C++ would mangle it), as in
 * vx_intrinsics.h. */
int main();
#endif

#define EOF (-1)

int printf(const char *__restrict fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *__restrict fmt, va_list ap);
int snprintf(char *__restrict buf, size_t size, const char *__restrict fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *__restrict buf, size_t size, const char *__restrict fmt, va_list ap);
int sprintf(char *__restrict buf, const char *__restrict fmt, ...) __attribute__((format(printf, 2, 3)));
int vsprintf(char *__restrict buf, const char *__restrict fmt, va_list ap);
int puts(const char *s);
int putchar(int c);

#ifdef __cplusplus
}
#endif

#endif /* SIMTLAB_STDIO_H */
