/* Vortex's console API (vx_print.h names), simtlab's implementation in vx_print.c.
 *
 *   vx_printf(fmt, ...), vx_vprintf(fmt, va)   printf (conversions: stdio.h); returns the characters
 *                                              printed by the calling lane
 *   vx_putchar(c)                              one character
 *   vx_putint(value, base)                     a signed integer in base 2..16
 *   vx_putfloat(value, precision)              a float with `precision` fraction digits (%.*f)
 *   vx_print_str(s), vx_print_hex(v)           a string; an unsigned in hex (older Vortex names)
 *   vx_serial(callback, arg)                   runs callback(arg) on each active lane of the warp in
 *                                              turn, lane 0 first (Vortex's helper behind all of these)
 *
 * Every call is serialised over the active lanes of the calling warp (lane 0 first), and each lane's
 * text is printed under a console lock shared by all warps and cores: every lane's output of one call
 * comes out whole. The lanes of one warp print in increasing order; between warps the order is the
 * order they take the lock, so the texts of different warps may alternate lane by lane.
 * vx_serial itself takes no lock (its callback may print).
 */
#ifndef VX_PRINT_H
#define VX_PRINT_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
/* start.S calls main: C linkage in C++ kernels (freestanding C++ would mangle it), as in
 * vx_intrinsics.h. */
int main();
#endif

typedef void (*vx_serial_cb)(const void *arg);
void vx_serial(vx_serial_cb callback, const void *arg);

int vx_vprintf(const char *format, va_list va);
int vx_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void vx_putchar(int c);
void vx_putint(int value, int base);
void vx_putfloat(float value, int precision);
void vx_print_str(const char *s);
void vx_print_hex(unsigned value);

#ifdef __cplusplus
}
#endif

#endif /* VX_PRINT_H */
