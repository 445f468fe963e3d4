/* Vortex's console API (vx_print.h): per-lane serialised printing. Written for simtlab.
 *
 * vx_serial runs the callback once per active lane, lane 0 first, with that lane alone in the thread
 * mask: a uniform loop over the lane numbers, each step an explicit split on "this is my turn" (the
 * IPDOM stack holds the other lanes back until the lane's callback has returned; docs/simt.md). The
 * formatting itself is libc.c's printf engine.
 *
 * Across warps (and cores) a spin lock makes each lane's text whole: the lane whose turn it is takes
 * the console lock (amoswap), prints and releases it. It is taken inside the one-lane split, never by
 * several lanes of a warp at once: an intra-warp spin-wait would livelock under min-PC (docs/simt.md). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include "simtlab.h"
#include "vx_print.h"

int __sl_vprintf_lane(const char *fmt, va_list ap);    /* libc.c: print on the calling lane */

/* The console is shared by every warp and core: with more than one, printing takes a lock. */
#define SL_PRINT_SHARED (NUM_CORES * NUM_WARPS > 1)

#if SL_PRINT_SHARED
static _Atomic uint32_t sl_print_lock;                  /* .bss: 0 = free */
#endif

/* callback(arg) on the calling lane, under the console lock if `locked`. */
static inline void sl_lane_call(vx_serial_cb callback, const void *arg, int locked) {
#if SL_PRINT_SHARED
    if (locked)
        while (atomic_exchange_explicit(&sl_print_lock, 1, memory_order_acquire) != 0)
            ;
#endif
    callback(arg);
#if SL_PRINT_SHARED
    if (locked)
        atomic_exchange_explicit(&sl_print_lock, 0, memory_order_release);
#endif
    (void)locked;
}

/* vx_serial's loop; the printing functions pass locked = 1. vx_serial itself takes no lock, so a
 * callback of the kernel's may print. */
static inline void sl_serial(vx_serial_cb callback, const void *arg, int locked) {
#if NUM_THREADS > 1
    int me = vx_thread_id();
    for (int lane = 0; lane < NUM_THREADS; lane++) {
        SL_IF(me == lane) {
            sl_lane_call(callback, arg, locked);
        } SL_ENDIF;
    }
#else
    sl_lane_call(callback, arg, locked);
#endif
}

void vx_serial(vx_serial_cb callback, const void *arg) {
    sl_serial(callback, arg, 0);
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
    sl_serial(printf_cb, &a, 1);
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
    sl_serial(putint_cb, &a, 1);
}

void vx_putfloat(float value, int precision) {
    vx_printf("%.*f", precision, (double)value);
}
