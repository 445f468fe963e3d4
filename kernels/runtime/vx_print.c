/* Vortex's console API (vx_print.h): per-lane serialised printing. Written for simtlab.
 *
 * vx_serial runs the callback once per active lane, lane 0 first, with that lane alone in the thread
 * mask: a uniform loop over the lane numbers, each step an explicit split on "this is my turn" (the
 * IPDOM stack holds the other lanes back until the lane's callback has returned; docs/simt.md). The
 * formatting itself is libc.c's printf engine. */
#include <stdarg.h>
#include "simtlab.h"
#include "vx_print.h"

int __sl_vprintf_lane(const char *fmt, va_list ap);    /* libc.c: print on the calling lane */

void vx_serial(vx_serial_cb callback, const void *arg) {
#if NUM_THREADS > 1
    int me = vx_thread_id();
    for (int lane = 0; lane < NUM_THREADS; lane++) {
        SL_IF(me == lane) {
            callback(arg);
        } SL_ENDIF;
    }
#else
    callback(arg);
#endif
}

typedef struct {
    const char *format;
    va_list *va;
    int ret;
} sl_printf_arg;

static void printf_cb(const void *p) {
    sl_printf_arg *a = (sl_printf_arg *)p;
    a->ret = __sl_vprintf_lane(a->format, *a->va);
}

int vx_vprintf(const char *format, va_list va) {
    sl_printf_arg a = { format, &va, 0 };
    vx_serial(printf_cb, &a);
    return a.ret;
}

int vx_printf(const char *format, ...) {
    va_list va;
    va_start(va, format);
    int n = vx_vprintf(format, va);
    va_end(va);
    return n;
}

void vx_putchar(int c) {
    vx_printf("%c", c);
}

void vx_print_str(const char *s) {
    vx_printf("%s", s);
}

void vx_print_hex(unsigned value) {
    vx_printf("%x", value);
}

typedef struct { int value, base; } sl_putint_arg;

static void putint_cb(const void *p) {
    const sl_putint_arg *a = p;
    unsigned v = a->value < 0 ? 0u - (unsigned)a->value : (unsigned)a->value;
    char buf[34];
    int n = 0;
    do { buf[n++] = "0123456789abcdef"[v % (unsigned)a->base]; v /= (unsigned)a->base; } while (v);
    if (a->value < 0) sl_putchar('-');
    while (n) sl_putchar(buf[--n]);
}

void vx_putint(int value, int base) {
    sl_putint_arg a = { value, (base < 2 || base > 16) ? 10 : base };
    vx_serial(putint_cb, &a);
}

void vx_putfloat(float value, int precision) {
    vx_printf("%.*f", precision, (double)value);
}
