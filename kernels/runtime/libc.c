/* simtlab's freestanding libc subset: the printf formatter, snprintf, the string and stdlib functions
 * and assert (headers stdio.h, string.h, stdlib.h, assert.h, ctype.h in this directory). Written for
 * simtlab; docs/runtime.md lists what exists. printf/puts/putchar go through vx_print.c (per-lane
 * serialisation). */
#include <stdarg.h>
#include <stdint.h>
#include "simtlab.h"
#include "stdio.h"
#include "stdlib.h"
#include "string.h"
#include "vx_print.h"

/* ---- the formatter -------------------------------------------------------------------------- */

typedef struct {
    void (*put)(void *ctx, char c);
    void *ctx;
    int count;
} sl_out;

static void out_char(sl_out *o, char c) {
    o->put(o->ctx, c);
    o->count++;
}

static void out_repeat(sl_out *o, char c, int n) {
    for (; n > 0; n--)
        out_char(o, c);
}

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16, F_UPPER = 32 };

/* prefix (sign, 0x), then zeros to the precision, then body; padded to width. */
static void out_field(sl_out *o, const char *prefix, int zeros, const char *body, int len,
                      int width, int flags) {
    int plen = 0;
    while (prefix[plen]) plen++;
    int total = plen + zeros + len;
    int pad = width > total ? width - total : 0;
    if (!(flags & F_LEFT) && !(flags & F_ZERO))
        out_repeat(o, ' ', pad);
    for (int i = 0; i < plen; i++)
        out_char(o, prefix[i]);
    if (!(flags & F_LEFT) && (flags & F_ZERO))
        out_repeat(o, '0', pad);
    out_repeat(o, '0', zeros);
    for (int i = 0; i < len; i++)
        out_char(o, body[i]);
    if (flags & F_LEFT)
        out_repeat(o, ' ', pad);
}

static void format_int(sl_out *o, uint64_t v, int neg, unsigned base, int flags, int width,
                       int prec) {
    char buf[24];
    int len = 0;
    const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
    if (base == 10 && (v >> 32) == 0) {               /* 32-bit fast path: no 64-bit division */
        uint32_t w = (uint32_t)v;
        while (w) { buf[sizeof buf - 1 - len++] = (char)('0' + w % 10); w /= 10; }
    } else {
        while (v) { buf[sizeof buf - 1 - len++] = digits[v % base]; v /= base; }
    }
    int alt0 = 0;
    char prefix[3] = {0, 0, 0};
    if (neg) prefix[0] = '-';
    else if (flags & F_PLUS) prefix[0] = '+';
    else if (flags & F_SPACE) prefix[0] = ' ';
    if ((flags & F_ALT) && base == 16 && len) {
        prefix[0] = '0';
        prefix[1] = (flags & F_UPPER) ? 'X' : 'x';
    }
    if ((flags & F_ALT) && base == 8)
        alt0 = 1;
    if (prec < 0) {
        prec = 1;
    } else {
        flags &= ~F_ZERO;                             /* a precision turns the 0 flag off */
    }
    int zeros = prec > len ? prec - len : 0;
    if (alt0 && zeros == 0 && (len == 0 || buf[sizeof buf - len] != '0'))
        zeros = 1;
    out_field(o, prefix, zeros, buf + sizeof buf - len, len, width, flags);
}

/* ---- floating point: decimal digits of |a| ---------------------------------------------------- */

#define SL_DIGITS 88

typedef struct {
    char d[SL_DIGITS];      /* significant digits, d[0] != '0' unless the value is 0 */
    int n;                  /* digits in d */
    int point;              /* the value is 0.d[0]d[1]... * 10^point */
    int sticky;             /* non-zero digits were dropped after d[n-1] */
} sl_decimal;

/* Divides the 128-bit number w (w[0] most significant) by 10; returns the remainder. */
static uint32_t divmod10(uint32_t w[4]) {
    uint64_t r = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t cur = (r << 32) | w[i];
        w[i] = (uint32_t)(cur / 10);
        r = cur % 10;
    }
    return (uint32_t)r;
}

/* Exact for |a| < 2^128 with at most 64 fraction bits (every float >= 2^-40); outside that the value
 * is scaled by powers of 10 first (an approximation, ~1e-16 relative). */
static void to_decimal(double a, sl_decimal *r) {
    int shift = 0;
    r->n = 0;
    r->sticky = 0;
    if (a == 0.0) {
        r->d[0] = '0';
        r->n = 1;
        r->point = 1;
        return;
    }
    while (a >= 3.402823669209384634633746e38) { a *= 1e-19; shift += 19; }     /* 2^128 */
    while (a < 1e-15) { a *= 1e19; shift -= 19; }
    /* integer part: exact, as a 128-bit number (hi * 2^64 + lo) */
    uint64_t hi = (uint64_t)(a * 5.421010862427522170037264e-20);               /* a / 2^64 */
    uint64_t lo = (uint64_t)(a - (double)hi * 18446744073709551616.0);
    double f = a - (double)hi * 18446744073709551616.0 - (double)lo;            /* exact */
    uint32_t w[4] = { (uint32_t)(hi >> 32), (uint32_t)hi, (uint32_t)(lo >> 32), (uint32_t)lo };
    char tmp[40];
    int ni = 0;
    while (w[0] | w[1] | w[2] | w[3])
        tmp[ni++] = (char)('0' + divmod10(w));
    for (int i = ni - 1; i >= 0; i--)
        r->d[r->n++] = tmp[i];
    r->point = ni;
    /* fraction as a 0.64 fixed-point number (exact when a's lowest bit is >= 2^-64) */
    uint64_t fx = (uint64_t)(f * 18446744073709551616.0);
    if ((double)fx != f * 18446744073709551616.0) r->sticky = 1;
    while (fx && r->n < SL_DIGITS) {
        uint64_t lo10 = (uint32_t)fx * (uint64_t)10, hi10 = (fx >> 32) * (uint64_t)10 + (lo10 >> 32);
        int digit = (int)(hi10 >> 32);
        fx = (hi10 << 32) | (uint32_t)lo10;
        if (r->n == 0 && digit == 0) {
            r->point--;                               /* leading zero of a value below 1 */
            continue;
        }
        r->d[r->n++] = (char)('0' + digit);
    }
    if (fx) r->sticky = 1;
    r->point += shift;
}

/* Round to `keep` significant digits (half to even on an exact tie); keep may be <= 0. */
static void round_decimal(sl_decimal *r, int keep) {
    if (keep >= r->n)
        return;
    int up;
    if (keep < 0) {
        up = 0;
    } else {
        char c = r->d[keep];
        int rest = r->sticky;
        for (int i = keep + 1; i < r->n && !rest; i++) rest = r->d[i] != '0';
        int odd = keep > 0 && ((r->d[keep - 1] - '0') & 1);
        up = c > '5' || (c == '5' && (rest || odd));
    }
    r->n = keep > 0 ? keep : 0;
    r->sticky = 0;
    if (up) {
        int i = r->n - 1;
        for (; i >= 0 && r->d[i] == '9'; i--) r->d[i] = '0';
        if (i >= 0) {
            r->d[i]++;
        } else {                                      /* carry out: 99.9 -> 100 */
            for (int j = r->n; j > 0; j--) r->d[j] = r->d[j - 1];
            r->d[0] = '1';
            if (r->n < SL_DIGITS) r->n++;
            r->point++;
        }
    }
    if (r->n == 0) {                                  /* rounded to zero */
        r->d[0] = '0';
        r->n = 1;
    }
}

static char digit_at(const sl_decimal *r, int i) {
    return (i >= 0 && i < r->n) ? r->d[i] : '0';
}

#define SL_FBUF 128
#define SL_MAX_PREC 60

/* Body of %f: digits of r with prec fraction digits. Returns the length. */
static int body_fixed(const sl_decimal *r, int prec, int alt, char *b) {
    int len = 0;
    if (r->point <= 0) b[len++] = '0';
    for (int i = 0; i < r->point; i++) b[len++] = digit_at(r, i);
    if (prec || alt) b[len++] = '.';
    for (int i = 0; i < prec; i++) b[len++] = digit_at(r, r->point + i);
    return len;
}

static int body_exp(const sl_decimal *r, int prec, int alt, int upper, int is_zero, char *b) {
    int len = 0;
    b[len++] = digit_at(r, 0);
    if (prec || alt) b[len++] = '.';
    for (int i = 1; i <= prec; i++) b[len++] = digit_at(r, i);
    int e = is_zero ? 0 : r->point - 1;
    b[len++] = upper ? 'E' : 'e';
    b[len++] = e < 0 ? '-' : '+';
    if (e < 0) e = -e;
    char t[4];
    int nt = 0;
    do { t[nt++] = (char)('0' + e % 10); e /= 10; } while (e);
    if (nt < 2) t[nt++] = '0';
    while (nt) b[len++] = t[--nt];
    return len;
}

static void format_float(sl_out *o, double v, char conv, int flags, int width, int prec) {
    char b[SL_FBUF];
    int len = 0;
    int upper = conv == 'F' || conv == 'E' || conv == 'G';
    union { double d; uint64_t u; } bits = { v };
    int neg = (int)(bits.u >> 63);
    char prefix[2] = {0, 0};
    if (neg) prefix[0] = '-';
    else if (flags & F_PLUS) prefix[0] = '+';
    else if (flags & F_SPACE) prefix[0] = ' ';
    double a = neg ? -v : v;
    if (a != a || a > 1.7976931348623157e308) {       /* nan, inf: no zero padding */
        const char *s = (a != a) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        out_field(o, prefix, 0, s, 3, width, flags & ~F_ZERO);
        return;
    }
    if (prec < 0) prec = 6;
    if (prec > SL_MAX_PREC) prec = SL_MAX_PREC;
    int alt = flags & F_ALT;
    sl_decimal r;
    to_decimal(a, &r);
    int is_zero = a == 0.0;
    if (conv == 'f' || conv == 'F') {
        if (r.point > 40) {                           /* too wide for the buffer: as %e */
            conv = upper ? 'E' : 'e';
        } else {
            round_decimal(&r, r.point + prec);
            len = body_fixed(&r, prec, alt, b);
        }
    }
    if (conv == 'e' || conv == 'E') {
        round_decimal(&r, prec + 1);
        len = body_exp(&r, prec, alt, upper, is_zero, b);
    } else if (conv == 'g' || conv == 'G') {
        int p = prec ? prec : 1;
        round_decimal(&r, p);
        int x = is_zero ? 0 : r.point - 1;
        if (x >= -4 && x < p && x < 40)
            len = body_fixed(&r, p - 1 - x, alt, b);
        else
            len = body_exp(&r, p - 1, alt, upper, is_zero, b);
        if (!alt) {                                   /* strip trailing zeros of the fraction */
            int dot = -1, ex = len;
            for (int i = 0; i < len; i++) {
                if (b[i] == '.') dot = i;
                if (b[i] == 'e' || b[i] == 'E') { ex = i; break; }
            }
            if (dot >= 0) {
                int end = ex;
                while (end > dot + 1 && b[end - 1] == '0') end--;
                if (end == dot + 1) end = dot;
                for (int i = ex; i < len; i++) b[end + i - ex] = b[i];
                len = end + (len - ex);
            }
        }
    }
    out_field(o, prefix, 0, b, len, width, flags);
}

/* The printf engine: returns the number of characters produced. */
static int sl_vformat(sl_out *o, const char *fmt, va_list ap) {
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            out_char(o, *p);
            continue;
        }
        p++;
        int flags = 0;
        for (;; p++) {
            if (*p == '-') flags |= F_LEFT;
            else if (*p == '+') flags |= F_PLUS;
            else if (*p == ' ') flags |= F_SPACE;
            else if (*p == '#') flags |= F_ALT;
            else if (*p == '0') flags |= F_ZERO;
            else break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) { flags |= F_LEFT; width = -width; }
            p++;
        } else {
            for (; *p >= '0' && *p <= '9'; p++) width = width * 10 + (*p - '0');
        }
        int prec = -1;
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                if (prec < 0) prec = -1;
                p++;
            } else {
                for (; *p >= '0' && *p <= '9'; p++) prec = prec * 10 + (*p - '0');
            }
        }
        int longlong = 0, half = 0;
        for (;; p++) {
            if (*p == 'l') longlong += 1;             /* l: 32 bits (ilp32), ll: 64 */
            else if (*p == 'j') longlong = 2;
            else if (*p == 'h') half++;               /* h: short, hh: char */
            else if (*p == 'z' || *p == 't' || *p == 'L') continue;
            else break;
        }
        int wide = longlong >= 2;
        char conv = *p;
        if (conv == '\0')
            break;
        if (flags & F_LEFT) flags &= ~F_ZERO;
        switch (conv) {
        case 'd': case 'i': {
            int64_t v = wide ? va_arg(ap, long long) : (int64_t)va_arg(ap, int);
            if (half) v = half > 1 ? (int64_t)(signed char)v : (int64_t)(short)v;
            uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            format_int(o, m, v < 0, 10, flags, width, prec);
            break;
        }
        case 'u': case 'x': case 'X': case 'o': {
            uint64_t v = wide ? va_arg(ap, unsigned long long) : (uint64_t)va_arg(ap, unsigned);
            if (half) v = half > 1 ? (uint64_t)(unsigned char)v : (uint64_t)(unsigned short)v;
            if (conv == 'X') flags |= F_UPPER;
            format_int(o, v, 0, conv == 'u' ? 10 : conv == 'o' ? 8 : 16,
                       flags & ~(F_PLUS | F_SPACE), width, prec);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            format_int(o, v, 0, 16, (flags | F_ALT) & ~(F_PLUS | F_SPACE), width, prec);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            out_field(o, "", 0, &c, 1, width, flags & ~F_ZERO);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int len = 0;
            while (s[len] && (prec < 0 || len < prec)) len++;
            out_field(o, "", 0, s, len, width, flags & ~F_ZERO);
            break;
        }
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
            format_float(o, va_arg(ap, double), conv, flags, width, prec);
            break;
        case '%':
            out_char(o, '%');
            break;
        default:                                      /* unknown conversion: print it as written */
            out_char(o, '%');
            out_char(o, conv);
            break;
        }
    }
    return o->count;
}

/* ---- stdio ---------------------------------------------------------------------------------- */

static void put_console(void *ctx, char c) {
    (void)ctx;
    sl_putchar(c);
}

/* Prints on the calling lane only (vx_print.c serialises the lanes around it). */
int __sl_vprintf_lane(const char *fmt, va_list ap) {
    sl_out o = { put_console, 0, 0 };
    return sl_vformat(&o, fmt, ap);
}

typedef struct { char *buf; size_t size, pos; } sl_strbuf;

static void put_string(void *ctx, char c) {
    sl_strbuf *s = ctx;
    if (s->pos + 1 < s->size)
        s->buf[s->pos] = c;
    s->pos++;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap) {
    sl_strbuf s = { buf, size, 0 };
    sl_out o = { put_string, &s, 0 };
    int n = sl_vformat(&o, fmt, ap);
    if (size)
        buf[s.pos < size ? s.pos : size - 1] = '\0';
    return n;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap) {
    return vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsprintf(buf, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char *restrict fmt, va_list ap) {
    return vx_vprintf(fmt, ap);
}

int printf(const char *restrict fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vx_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s) {
    return vx_printf("%s\n", s);
}

int putchar(int c) {
    vx_printf("%c", c);
    return (unsigned char)c;
}

/* ---- string.h ------------------------------------------------------------------------------- */

void *memchr(const void *s, int c, size_t n) {
    const unsigned char *p = s;
    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t strnlen(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b) {
    for (; *a && *a == *b; a++, b++) {}
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
    for (; n && *a && *a == *b; n--, a++, b++) {}
    return n ? (unsigned char)*a - (unsigned char)*b : 0;
}

char *strcpy(char *restrict dst, const char *restrict src) {
    char *d = dst;
    while ((*d++ = *src++)) {}
    return dst;
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n) {
    size_t i = 0;
    for (; i < n && src[i]; i++) dst[i] = src[i];
    for (; i < n; i++) dst[i] = '\0';
    return dst;
}

char *strcat(char *restrict dst, const char *restrict src) {
    strcpy(dst + strlen(dst), src);
    return dst;
}

char *strncat(char *restrict dst, const char *restrict src, size_t n) {
    char *d = dst + strlen(dst);
    for (; n && *src; n--) *d++ = *src++;
    *d = '\0';
    return dst;
}

char *strchr(const char *s, int c) {
    for (;; s++) {
        if (*s == (char)c) return (char *)s;
        if (!*s) return 0;
    }
}

char *strrchr(const char *s, int c) {
    const char *last = 0;
    for (;; s++) {
        if (*s == (char)c) last = s;
        if (!*s) return (char *)last;
    }
}

char *strstr(const char *h, const char *needle) {
    size_t n = strlen(needle);
    for (; *h; h++)
        if (strncmp(h, needle, n) == 0)
            return (char *)h;
    return n ? 0 : (char *)h;
}

/* ---- stdlib.h ------------------------------------------------------------------------------- */

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }
long long llabs(long long v) { return v < 0 ? -v : v; }

div_t div(int num, int den) {
    div_t r = { num / den, num % den };
    return r;
}

static int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

/* Shared by strtol/strtoul: the magnitude (ULONG_MAX and *overflow set if it does not fit) and the
 * sign. base 0: "0x.." hexadecimal, "0.." octal, else decimal. */
static unsigned long parse_ul(const char *s, char **end, int base, int *neg, int *overflow) {
    const unsigned long limit = ~0ul;
    const char *p = s;
    *neg = 0;
    *overflow = 0;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
    if (*p == '+' || *p == '-') *neg = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')
        && digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    unsigned long v = 0;
    const char *first = p;
    if (base >= 2 && base <= 36) {
        for (; digit_value(*p) < base; p++) {
            unsigned d = (unsigned)digit_value(*p);
            if (v > (limit - d) / (unsigned)base) *overflow = 1;
            else v = v * (unsigned)base + d;
        }
    }
    if (end) *end = (char *)(p == first ? s : p);
    return *overflow ? limit : v;
}

/* Out of range: LONG_MAX / LONG_MIN (no errno). */
long strtol(const char *restrict s, char **restrict end, int base) {
    int neg, overflow;
    unsigned long v = parse_ul(s, end, base, &neg, &overflow);
    const unsigned long max = ~0ul >> 1;
    if (neg) return v > max + 1 ? (long)(max + 1) : (long)(0ul - v);
    return v > max ? (long)max : (long)v;
}

/* Out of range: ULONG_MAX; a '-' negates the value, as C says. */
unsigned long strtoul(const char *restrict s, char **restrict end, int base) {
    int neg, overflow;
    unsigned long v = parse_ul(s, end, base, &neg, &overflow);
    return (neg && !overflow) ? 0ul - v : v;
}

long atol(const char *s) { return strtol(s, 0, 10); }
int atoi(const char *s) { return (int)strtol(s, 0, 10); }

/* One xorshift32 state per hardware thread (0 means "not seeded yet": seed 1). */
#define SL_HARTS (NUM_CORES * NUM_WARPS * NUM_THREADS)
static uint32_t sl_rand_state[SL_HARTS];

void srand(unsigned seed) {
    sl_rand_state[vx_hart_id() % SL_HARTS] = seed ? seed : 0x9E3779B9u;
}

int rand(void) {
    uint32_t *st = &sl_rand_state[vx_hart_id() % SL_HARTS];
    uint32_t x = *st ? *st : 1u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *st = x;
    return (int)(x >> 1);
}

static void swap_bytes(char *a, char *b, size_t n) {
    for (; n; n--, a++, b++) {
        char t = *a;
        *a = *b;
        *b = t;
    }
}

/* Heapsort: in place, O(n log n) worst case, no recursion (small per-lane stacks). Not stable. */
static void sift_down(char *base, size_t root, size_t n, size_t size,
                      int (*cmp)(const void *, const void *)) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0) child++;
        if (cmp(base + root * size, base + child * size) >= 0) return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    char *b = base;
    if (n < 2 || size == 0) return;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(b, i, n, size, cmp);
    for (size_t end = n - 1; end > 0; end--) {
        swap_bytes(b, b + end * size, size);
        sift_down(b, 0, end, size, cmp);
    }
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *)) {
    const char *b = base;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp(key, b + mid * size);
        if (c == 0) return (void *)(b + mid * size);
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return 0;
}

__attribute__((noreturn)) void exit(int code) {
    sl_exit(code);
}

__attribute__((noreturn)) void abort(void) {
    vx_printf("abort\n");
    sl_exit(134);
}

/* ---- assert.h ------------------------------------------------------------------------------- */

__attribute__((noreturn)) void __sl_assert_fail(const char *expr, const char *file, int line,
                                                const char *func) {
    for (const char *p = file; *p; p++)               /* the file's name, without its directory */
        if (*p == '/') file = p + 1;
    vx_printf("[warp %d lane %d] assertion failed: %s (%s:%d, %s)\n", vx_warp_id(), vx_thread_id(),
              expr, file, line, func);
    sl_exit(134);
}
