/* simtlab kernel runtime: console output, exit, and the boot table read by start.S. */
#include <stdarg.h>
#include <stdint.h>
#include "simtlab.h"

/* Read by start.S: [0] stack top of hardware thread 0, [1] the exit register.
 * Kept as data so that start.S needs no address constants (see start.S). */
__attribute__((used)) const uint32_t __sl_boot[2] = { STACK_TOP_ADDR, IO_EXIT_ADDR };

void sl_print(const char *s) {
    while (*s)
        sl_putchar(*s++);
}

void sl_puts(const char *s) {
    sl_print(s);
    sl_putchar('\n');
}

__attribute__((noreturn)) void sl_exit(int code) {
    *(volatile uint32_t *)(uintptr_t)IO_EXIT_ADDR = (uint32_t)code;
    for (;;)
        __asm__ __volatile__ ("");
}

static int sl_emit_padded(const char *s, int len, int width, int left, char pad) {
    int n = 0;
    if (!left)
        for (; width > len; width--, n++)
            sl_putchar(pad);
    for (int i = 0; i < len; i++, n++)
        sl_putchar(s[i]);
    if (left)
        for (; width > len; width--, n++)
            sl_putchar(' ');
    return n;
}

int sl_printf(const char *fmt, ...) {
    va_list ap;
    int count = 0;
    char buf[12];
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            sl_putchar(*p);
            count++;
            continue;
        }
        p++;
        int left = 0, width = 0;
        char pad = ' ';
        for (; *p == '-' || *p == '0'; p++) {
            if (*p == '-') left = 1;
            else pad = '0';
        }
        for (; *p >= '0' && *p <= '9'; p++)
            width = width * 10 + (*p - '0');
        while (*p == 'l' || *p == 'h' || *p == 'z')
            p++;
        if (left)
            pad = ' ';
        char conv = *p;
        if (conv == '\0')
            break;
        switch (conv) {
        case 'd': case 'i': case 'u': case 'x': case 'X': case 'p': {
            uint32_t v = va_arg(ap, uint32_t);
            int neg = 0;
            if ((conv == 'd' || conv == 'i') && (int32_t)v < 0) {
                neg = 1;
                v = 0u - v;
            }
            unsigned base = (conv == 'd' || conv == 'i' || conv == 'u') ? 10 : 16;
            const char *digits = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            int len = 0;
            do {
                buf[sizeof buf - 1 - len++] = digits[v % base];
                v /= base;
            } while (v);
            if (neg) {
                if (pad == '0') {
                    sl_putchar('-');
                    count++;
                    if (width) width--;
                } else {
                    buf[sizeof buf - 1 - len++] = '-';
                }
            }
            count += sl_emit_padded(buf + sizeof buf - len, len, width, left, pad);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int len = 0;
            while (s[len]) len++;
            count += sl_emit_padded(s, len, width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            count += sl_emit_padded(&c, 1, width, left, ' ');
            break;
        }
        case '%':
            sl_putchar('%');
            count++;
            break;
        default:    /* unknown conversion: print it as written */
            sl_putchar('%');
            sl_putchar(conv);
            count += 2;
            break;
        }
    }
    va_end(ap);
    return count;
}

/* The compiler may emit calls to these for struct copies and array initialisers even with
 * -fno-builtin, and there is no libc to supply them. */
#if defined(__GNUC__) && !defined(__clang__)
#define SL_NO_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define SL_NO_IDIOM
#endif

SL_NO_IDIOM void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

SL_NO_IDIOM void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4)
            *(uint32_t *)d = *(const uint32_t *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

SL_NO_IDIOM void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else if (d > s) {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

/* What C++ kernels need from a runtime without libc++abi: global objects register their destructors
 * with __cxa_atexit, thread_local objects with __cxa_thread_atexit (neither is ever run: a kernel
 * ends when its warps retire, and hardware threads never exit), and a call of a pure virtual
 * function ends the run with exit code -3. */
void *__dso_handle = 0;

int __cxa_atexit(void (*fn)(void *), void *arg, void *dso) {
    (void)fn;
    (void)arg;
    (void)dso;
    return 0;
}

int __cxa_thread_atexit(void (*fn)(void *), void *obj, void *dso) {
    (void)fn;
    (void)obj;
    (void)dso;
    return 0;
}

void __cxa_pure_virtual(void) {
    sl_puts("pure virtual function called");
    sl_exit(-3);
}
