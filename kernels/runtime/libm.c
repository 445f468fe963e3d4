/* simtlab's libm subset (math.h): single-precision functions written for simtlab.
 *
 * Methods (all standard numerical analysis; the coefficients are Taylor coefficients, accurate enough
 * on the reduced ranges used here, except the two fitted polynomials of tan and erf):
 *   exp/exp2/expm1   x = n*ln2 + r (Cody-Waite, ln2 in two parts), |r| <= ln2/2, Taylor in r, scale 2^n
 *   log/log2         x = m*2^k, m in [sqrt(1/2), sqrt(2)), s = f/(2+f) with f = m-1, the atanh series
 *   sin/cos/tan      exact argument reduction mod pi/2 in integer arithmetic (x times 2/pi, 288 bits of
 *                    2/pi) for every |x| > pi/4, then on [-pi/4, pi/4] Taylor polynomials (sin, cos) and
 *                    a least-squares fitted polynomial (tan; -1/tan in odd quadrants)
 *   atan/atan2       atan(1/x) and atan(x) = pi/6 + atan((x*sqrt3 - 1)/(x + sqrt3)) fold to |t| <= tan(pi/12)
 *   tanh             expm1(2|x|) / (expm1(2|x|) + 2)
 *   erf              Taylor series below 1, above 1 - e^(-x^2) g(x) with g fitted to erfc(x) e^(x^2)
 *   pow              log and exp in double precision (software double arithmetic): the error of
 *                    y*log(x) would otherwise be multiplied by up to 88
 *   fmod, floor, ceil, trunc, round, fabs   exact, by integer operations on the encoding
 *   sqrtf            the FPU's fsqrt.s (correctly rounded); without an FPU an exact integer square root
 * The measured maximum errors (ulp) are in docs/runtime.md and asserted by tb/kernels/test_libm.py.
 */
#include <stdint.h>
#include "math.h"

/* No fused multiply-adds: the error analysis (and the host check in tb/kernels/test_libm.py) assume
 * every operation rounds. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

typedef union { float f; uint32_t u; } sl_fbits;
typedef union { double d; uint64_t u; } sl_dbits;

static inline uint32_t f2u(float f) { sl_fbits b; b.f = f; return b.u; }
static inline float u2f(uint32_t u) { sl_fbits b; b.u = u; return b.f; }

/* 2^n for -126 <= n <= 127. */
static inline float pow2i(int n) { return u2f((uint32_t)(n + 127) << 23); }

/* x * 2^n for any int n (two steps so that subnormal results round once, at the last step). */
static float scale2(float x, int n) {
    if (n > 127) {
        x *= pow2i(127);
        n -= 127;
        if (n > 127) n = 127;
    } else if (n < -126) {
        x *= pow2i(-126 + 24);      /* keep it normal: the final multiply rounds once */
        n += 126 - 24;
        if (n < -126) n = -126;
    }
    return x * pow2i(n);
}

float fabsf(float x) { return u2f(f2u(x) & 0x7FFFFFFFu); }

float copysignf(float x, float y) {
    return u2f((f2u(x) & 0x7FFFFFFFu) | (f2u(y) & 0x80000000u));
}

float sqrtf(float x) {
#if defined(__riscv_flen) && __riscv_flen >= 32
    float r;
    __asm__ ("fsqrt.s %0, %1" : "=f"(r) : "f"(x));
    return r;
#else
    uint32_t u = f2u(x);
    if ((u & 0x7FFFFFFFu) == 0 || u == 0x7F800000u || (u & 0x7FFFFFFFu) > 0x7F800000u)
        return x + x;                                 /* +-0, +inf, nan */
    if (u >> 31)
        return (x - x) / (x - x);                     /* negative: nan */
    int e = (int)(u >> 23);
    uint32_t m = u & 0x7FFFFFu;
    if (e == 0) {                                     /* subnormal: normalise */
        while (!(m & 0x800000u)) { m <<= 1; e--; }
        e++;
    } else {
        m |= 0x800000u;
    }
    e -= 127;
    if (e & 1) { m <<= 1; e--; }                      /* even exponent: sqrt(m * 2^e) = sqrt(m) 2^(e/2) */
    /* Integer square root of m << 25 (a 50-bit number) gives 25 bits: 24 + a rounding bit. */
    uint64_t v = (uint64_t)m << 25, root = 0, bit = (uint64_t)1 << 50;
    while (bit > v) bit >>= 2;
    while (bit) {
        if (v >= root + bit) { v -= root + bit; root = (root >> 1) + bit; }
        else root >>= 1;
        bit >>= 2;
    }
    /* root has 25 significant bits; round to nearest (ties cannot occur for a square root). */
    uint32_t r = (uint32_t)((root + 1) >> 1);
    int re = e / 2;
    if (r >> 24) { r >>= 1; re++; }
    return u2f(((uint32_t)(re + 127) << 23) | (r & 0x7FFFFFu));
#endif
}

float truncf(float x) {
    uint32_t u = f2u(x);
    int e = (int)((u >> 23) & 0xFF) - 127;
    if (e >= 23) return x;                            /* integral, inf or nan */
    if (e < 0) return u2f(u & 0x80000000u);           /* |x| < 1 */
    return u2f(u & ~(0x7FFFFFu >> e));
}

float floorf(float x) {
    float t = truncf(x);
    return (t > x) ? t - 1.0f : t;
}

float ceilf(float x) {
    float t = truncf(x);
    return (t < x) ? t + 1.0f : t;
}

float roundf(float x) {
    uint32_t u = f2u(x);
    int e = (int)((u >> 23) & 0xFF) - 127;
    if (e >= 23) return x;
    if (e < -1) return u2f(u & 0x80000000u);          /* |x| < 0.5 */
    if (e == -1) return copysignf(1.0f, x);            /* 0.5 <= |x| < 1: half away from zero */
    uint32_t half = 0x400000u >> e;                   /* 0.5 in this exponent */
    u += half;                                        /* may carry into the exponent: still exact */
    return u2f(u & ~(0x7FFFFFu >> e));
}

float fmodf(float x, float y) {
    uint32_t ux = f2u(x), uy = f2u(y);
    uint32_t sx = ux & 0x80000000u;
    ux &= 0x7FFFFFFFu;
    uy &= 0x7FFFFFFFu;
    if (uy == 0 || ux >= 0x7F800000u || uy > 0x7F800000u)
        return (x * y) / (x * y);                     /* y = 0, x inf, either nan: nan */
    if (ux < uy)
        return x;                                     /* |x| < |y| (or y = inf) */
    int ex = (int)(ux >> 23), ey = (int)(uy >> 23);
    uint32_t mx = ux & 0x7FFFFFu, my = uy & 0x7FFFFFu;
    if (ex == 0) { ex = 1; while (!(mx & 0x800000u)) { mx <<= 1; ex--; } } else mx |= 0x800000u;
    if (ey == 0) { ey = 1; while (!(my & 0x800000u)) { my <<= 1; ey--; } } else my |= 0x800000u;
    /* Long division of the mantissas, one bit per exponent step: the remainder is exact. */
    for (; ex > ey; ex--) {
        if (mx >= my) mx -= my;
        mx <<= 1;
    }
    if (mx >= my) mx -= my;
    if (mx == 0) return u2f(sx);
    while (!(mx & 0x800000u)) { mx <<= 1; ex--; }
    if (ex <= 0) {                                    /* subnormal result (exact: it is a remainder) */
        mx >>= 1 - ex;
        ex = 0;
        return u2f(sx | mx);
    }
    return u2f(sx | ((uint32_t)ex << 23) | (mx & 0x7FFFFFu));
}

/* ---- exponentials --------------------------------------------------------------------------- */

static const float LN2_HI = 6.93145751953125e-1f;      /* 0x3F317200: 16 bits, so n*LN2_HI is exact */
static const float LN2_LO = 1.42860682030941723212e-6f;
static const float LOG2E = 1.44269504088896340736f;

/* e^r - 1 for |r| <= 0.35, Taylor to r^9. */
static float expm1_poly(float r) {
    float p = 1.0f / 362880.0f;
    p = p * r + 1.0f / 40320.0f;
    p = p * r + 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    return r + r * r * p;
}

/* x = n ln2 + r with |r| <= ~ln2/2; returns n. */
static int reduce_ln2(float x, float *r) {
    float k = x * LOG2E;
    int n = (int)(k + (k < 0 ? -0.5f : 0.5f));
    float fn = (float)n;
    *r = (x - fn * LN2_HI) - fn * LN2_LO;
    return n;
}

float expf(float x) {
    if (x != x) return x + x;
    if (x > 88.72283935546875f) return u2f(0x7F800000u);
    if (x < -103.97208404541015625f) return 0.0f;
    float r;
    int n = reduce_ln2(x, &r);
    return scale2(1.0f + expm1_poly(r), n);
}

float expm1f(float x) {
    if (x != x) return x + x;
    if (x > 88.72283935546875f) return u2f(0x7F800000u);
    if (x < -17.4f) return -1.0f;                      /* e^x < 2^-25: rounds to -1 */
    float ax = fabsf(x);
    if (ax < 0.35f)
        return expm1_poly(x);
    float r;
    int n = reduce_ln2(x, &r);
    float e = expm1_poly(r);
    if (n > 126) return scale2(1.0f + e, n);          /* the -1 is lost anyway */
    float t = pow2i(n);
    return (t - 1.0f) + t * e;                        /* 2^n (1 + e) - 1, largest term last */
}

float exp2f(float x) {
    if (x != x) return x + x;
    if (x >= 128.0f) return u2f(0x7F800000u);
    if (x < -150.0f) return 0.0f;
    float k = x;
    int n = (int)(k + (k < 0 ? -0.5f : 0.5f));
    float f = x - (float)n;                           /* exact, |f| <= 0.5 */
    /* 2^f = e^(f ln2), with f*ln2 as a two-part product for the last bits. */
    float r = f * LN2_HI + f * 1.42860682030941723212e-6f;
    return scale2(1.0f + expm1_poly(r), n);
}

/* ---- logarithms ----------------------------------------------------------------------------- */

/* x > 0 finite: x = (1 + f) 2^k with 1 + f in [sqrt(1/2), sqrt(2)); returns log(1 + f) and sets *k_out = k. */
static float log_core(float x, int *k_out) {
    uint32_t u = f2u(x);
    int k = 0;
    if (u < 0x800000u) {                              /* subnormal */
        x *= 16777216.0f;                             /* 2^24 */
        u = f2u(x);
        k = -24;
    }
    k += (int)(u >> 23) - 127;
    u = (u & 0x7FFFFFu) | 0x3F800000u;                /* m in [1, 2) */
    if (u > 0x3FB504F3u) {                            /* m > sqrt(2): use m/2 */
        u -= 0x800000u;
        k++;
    }
    float f = u2f(u) - 1.0f;                          /* exact */
    float s = f / (2.0f + f);
    float z = s * s;
    float R = z * (2.0f / 3.0f + z * (2.0f / 5.0f + z * (2.0f / 7.0f + z * (2.0f / 9.0f + z * (2.0f / 11.0f)))));
    float hfsq = 0.5f * f * f;
    *k_out = k;
    /* log(1+f) = 2s + s*R = f - hfsq + s*(hfsq + R), because 2s = f - s*f and s*f = hfsq*(1 - s) */
    return f - (hfsq - s * (hfsq + R));
}

/* log of +-0, negative x, inf and nan (sets *done); otherwise *done = 0. */
static float log_special(float x, int *done) {
    uint32_t u = f2u(x), a = u & 0x7FFFFFFFu;
    *done = 1;
    if (a == 0) return -u2f(0x7F800000u);             /* +-0: -inf */
    if (a > 0x7F800000u) return x + x;                /* nan */
    if (u >> 31) return (x - x) / (x - x);            /* negative: nan */
    if (u == 0x7F800000u) return x;                   /* +inf */
    *done = 0;
    return 0.0f;
}

float logf(float x) {
    int done, k;
    float s = log_special(x, &done);
    if (done) return s;
    float l = log_core(x, &k);
    float fk = (float)k;
    return fk * LN2_HI + (l + fk * LN2_LO);
}

float log2f(float x) {
    int done, k;
    float s = log_special(x, &done);
    if (done) return s;
    float l = log_core(x, &k);
    /* l * log2(e) with log2(e) = 1.4426950... as hi + lo (hi has 12 bits) */
    const float hi = 1.4423828125f, lo = 3.1222838896e-4f;
    return (float)k + (l * hi + l * lo);
}

float log10f(float x) {
    int done, k;
    float s = log_special(x, &done);
    if (done) return s;
    float l = log_core(x, &k);
    const float log10_2hi = 3.01025390625e-1f, log10_2lo = 4.6050389811952137e-6f;
    const float ivln10 = 4.3429448190e-1f;
    float fk = (float)k;
    return fk * log10_2hi + (l * ivln10 + fk * log10_2lo);
}

/* ---- power, in double precision ------------------------------------------------------------- */

static double dlog(double x) {                        /* x > 0 normal double */
    sl_dbits b;
    b.d = x;
    int k = (int)(b.u >> 52) - 1023;
    b.u = (b.u & 0xFFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
    if (b.u > 0x3FF6A09E667F3BCDull) {                /* m > sqrt(2) */
        b.u -= 0x10000000000000ull;
        k++;
    }
    double f = b.d - 1.0, s = f / (2.0 + f), z = s * s;
    double R = 0.0;
    for (int i = 23; i >= 3; i -= 2)                  /* 2/3 z + 2/5 z^2 + ... + 2/23 z^11 */
        R = z * (2.0 / i + R);
    double hfsq = 0.5 * f * f;
    return k * 6.93147180369123816490e-01 + ((f - (hfsq - s * (hfsq + R))) + k * 1.90821492927058770002e-10);
}

/* e^t as a float, for any double t (overflow to inf, underflow to 0 with one rounding). */
static float dexp_to_float(double t) {
    if (t > 89.0) return u2f(0x7F800000u);
    if (t < -104.0) return 0.0f;
    double k = t * 1.44269504088896338700;
    int n = (int)(k + (k < 0 ? -0.5 : 0.5));
    double r = (t - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    double p = 0.0;
    for (int i = 13; i >= 1; i--)                     /* Taylor to r^13, |r| <= 0.35 */
        p = (p + 1.0) * r / i;
    sl_dbits b;
    b.u = (uint64_t)(n + 1023) << 52;                 /* 2^n, normal for |n| <= 151 */
    return (float)((1.0 + p) * b.d);
}

/* 1 if y is an odd integer, 2 if an even integer, 0 if not an integer. */
static int integer_kind(float y) {
    uint32_t u = f2u(y) & 0x7FFFFFFFu;
    int e = (int)(u >> 23) - 127;
    if (e >= 24) return 2;
    if (e < 0) return 0;
    uint32_t m = (u & 0x7FFFFFu) | 0x800000u;
    if (m & (0x7FFFFFu >> e)) return 0;
    return ((m >> (23 - e)) & 1) ? 1 : 2;
}

float powf(float x, float y) {
    uint32_t ux = f2u(x), uy = f2u(y);
    uint32_t ax = ux & 0x7FFFFFFFu, ay = uy & 0x7FFFFFFFu;
    if (ay == 0 || ux == 0x3F800000u) return 1.0f;    /* x^0 = 1^y = 1, even for nan */
    if (ax > 0x7F800000u || ay > 0x7F800000u) return x + y;
    int yint = integer_kind(y);
    int neg = (ux >> 31) && yint == 1;                /* negative result */
    if (ay == 0x7F800000u) {                          /* y = +-inf */
        if (ax == 0x3F800000u) return 1.0f;           /* (-1)^inf */
        return ((ax > 0x3F800000u) == !(uy >> 31)) ? u2f(0x7F800000u) : 0.0f;
    }
    if (ax == 0 || ax == 0x7F800000u) {               /* x = +-0 or +-inf */
        int big = (ax == 0) == (int)(uy >> 31);       /* 0^neg, inf^pos: inf */
        float r = big ? u2f(0x7F800000u) : 0.0f;
        return neg ? -r : r;
    }
    if ((ux >> 31) && !yint) return (x - x) / (x - x); /* negative x, non-integer y: nan */
    double t = (double)y * dlog((double)fabsf(x));
    float r = dexp_to_float(t);
    return neg ? -r : r;
}

/* ---- trigonometry --------------------------------------------------------------------------- */

/* 2/pi in binary: bit 1 (2^-1) is the most significant bit of the first word. */
static const uint32_t TWO_OVER_PI[9] = {
    0xA2F9836Eu, 0x4E441529u, 0xFC2757D1u, 0xF534DDC0u, 0xDB629599u,
    0x3C439041u, 0xFE5163ABu, 0xDEBBC561u, 0xB7246E3Au,
};

/* 32 bits of 2/pi starting at bit index b (bit b in the MSB; bits with index < 1 are 0). */
static uint32_t two_over_pi_bits(int b) {
    if (b < 1) {
        int z = 1 - b;
        return z >= 32 ? 0 : two_over_pi_bits(1) >> z;
    }
    int p = b - 1, k = p >> 5, s = p & 31;
    uint32_t w = TWO_OVER_PI[k] << s;
    if (s) w |= TWO_OVER_PI[k + 1] >> (32 - s);
    return w;
}

/* High 64 bits of a * b. */
static uint64_t mulhi64(uint64_t a, uint64_t b) {
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* |x| = (n + r / (pi/2)) * pi/2 with |r| <= pi/4: returns n mod 4 and r (correctly rounded), for
 * finite x. Exact: |x| * 2/pi is computed mod 4 with 94 fraction bits (error < 2^-70). */
static int reduce_pio2(float x, float *r_out) {
    uint32_t u = f2u(x) & 0x7FFFFFFFu;
    if (u <= 0x3F490FDAu) {                           /* |x| <= pi/4 */
        *r_out = fabsf(x);
        return 0;
    }
    int E = (int)(u >> 23) - 150;                     /* |x| = M * 2^E */
    uint32_t M = (u & 0x7FFFFFu) | 0x800000u;
    uint32_t w2 = two_over_pi_bits(E - 1), w1 = two_over_pi_bits(E + 31), w0 = two_over_pi_bits(E + 63);
    uint64_t p0 = (uint64_t)M * w0, p1 = (uint64_t)M * w1, p2 = (uint64_t)M * w2;
    uint64_t t = (p0 >> 32) + (uint32_t)p1;
    uint32_t r1 = (uint32_t)t, r0 = (uint32_t)p0;
    uint32_t r2 = (uint32_t)((t >> 32) + (p1 >> 32) + p2);
    /* value mod 4 = r2:r1:r0 / 2^94: two integer bits, then the fraction (64 bits kept). */
    int n = (int)(r2 >> 30);
    uint64_t frac = ((uint64_t)(r2 << 2 | r1 >> 30) << 32) | (uint32_t)(r1 << 2 | r0 >> 30);
    int64_t f = (int64_t)frac;                        /* fraction in [-1/2, 1/2) of a quadrant */
    if (f < 0) n++;
    uint64_t af = f < 0 ? (uint64_t)(-f) : (uint64_t)f;
    /* r = f * pi/2: pi/2 in Q2.62, the product's high half in units of 2^-62. */
    uint64_t h = mulhi64(af, 0x6487ED5110B4611Aull);
    float r = 0.0f;
    if (h) {
        int s = 0;
        while (!(h >> 63)) { h <<= 1; s++; }
        uint32_t top = (uint32_t)(h >> 32) | ((uint32_t)h != 0);   /* sticky bit: one rounding */
        r = (float)top * pow2i(-30 - s);              /* top * 2^(32 - s - 62) */
    }
    *r_out = f < 0 ? -r : r;
    return n & 3;
}

/* sin r and cos r for |r| <= pi/4 (Taylor to r^11 / r^12). */
static float sin_poly(float r) {
    float z = r * r;
    float p = -1.0f / 39916800.0f;
    p = p * z + 1.0f / 362880.0f;
    p = p * z - 1.0f / 5040.0f;
    p = p * z + 1.0f / 120.0f;
    p = p * z - 1.0f / 6.0f;
    return r + r * z * p;
}

static float cos_poly(float r) {
    float z = r * r;
    float p = 1.0f / 479001600.0f;
    p = p * z - 1.0f / 3628800.0f;
    p = p * z + 1.0f / 40320.0f;
    p = p * z - 1.0f / 720.0f;
    p = p * z + 1.0f / 24.0f;
    float hz = 0.5f * z;
    float w = 1.0f - hz;
    return w + (((1.0f - w) - hz) + z * z * p);      /* (1 - w) - hz recovers the rounding of w */
}

float sinf(float x) {
    if ((f2u(x) & 0x7FFFFFFFu) >= 0x7F800000u) return x - x;
    if ((f2u(x) & 0x7FFFFFFFu) < 0x39800000u) return x;   /* |x| < 2^-12: sin x rounds to x */
    float r;
    int n = reduce_pio2(x, &r);
    float v = (n & 1) ? cos_poly(r) : sin_poly(r);
    if (n & 2) v = -v;
    return (f2u(x) >> 31) ? -v : v;
}

float cosf(float x) {
    if ((f2u(x) & 0x7FFFFFFFu) >= 0x7F800000u) return x - x;
    float r;
    int n = reduce_pio2(x, &r);
    float v = (n & 1) ? sin_poly(r) : cos_poly(r);
    return ((n + 1) & 2) ? -v : v;
}

/* tan r for |r| <= pi/4: r + r^3 Q(r^2), Q of degree 8 least-squares fitted (relative error) for
 * simtlab; 1.2 ulp on the reduced range. */
static const float TAN_Q[9] = {
    9.372141794e-04f, -5.344535457e-04f, 2.346118214e-03f, 3.187009133e-03f, 8.973871358e-03f,
    2.185156941e-02f, 5.396987125e-02f, 1.333332658e-01f, 3.333333433e-01f,
};

float tanf(float x) {
    if ((f2u(x) & 0x7FFFFFFFu) >= 0x7F800000u) return x - x;
    if ((f2u(x) & 0x7FFFFFFFu) < 0x39800000u) return x;
    float r;
    int n = reduce_pio2(x, &r);
    float z = r * r, q = 0.0f;
    for (int i = 0; i < 9; i++)
        q = q * z + TAN_Q[i];
    float t = r + r * (z * q);
    float v = (n & 1) ? -1.0f / t : t;
    return (f2u(x) >> 31) ? -v : v;
}

static const float PIO2_HI = 1.5707962513e+00f;       /* 0x3FC90FDA */
static const float PIO2_LO = 7.5497899488e-08f;       /* pi/2 - PIO2_HI */
static const float PIO6_HI = 5.2359879017e-01f;       /* 0x3F060A92 */
static const float PIO6_LO = -1.4570463391e-08f;      /* pi/6 - PIO6_HI */

/* atan t for |t| <= tan(pi/12) (Taylor to t^15). */
static float atan_poly(float t) {
    float z = t * t;
    float p = -1.0f / 15.0f;
    p = p * z + 1.0f / 13.0f;
    p = p * z - 1.0f / 11.0f;
    p = p * z + 1.0f / 9.0f;
    p = p * z - 1.0f / 7.0f;
    p = p * z + 1.0f / 5.0f;
    p = p * z - 1.0f / 3.0f;
    return t + t * z * p;
}

/* atan a for a >= 0 (a may be +inf). */
static float atan_pos(float a) {
    int inv = a > 1.0f;
    if (inv) a = 1.0f / a;
    float v;
    if (a > 0.26794919243f) {                         /* tan(pi/12) */
        const float sqrt3 = 1.7320508076f;
        float t = (a * sqrt3 - 1.0f) / (a + sqrt3);
        v = PIO6_HI + (atan_poly(t) + PIO6_LO);
    } else {
        v = atan_poly(a);
    }
    return inv ? PIO2_HI - (v - PIO2_LO) : v;
}

float atanf(float x) {
    if (x != x) return x + x;
    if ((f2u(x) & 0x7FFFFFFFu) < 0x39800000u) return x;
    float v = atan_pos(fabsf(x));
    return (f2u(x) >> 31) ? -v : v;
}

float atan2f(float y, float x) {
    if (x != x || y != y) return x + y;
    uint32_t sy = f2u(y) >> 31, sx = f2u(x) >> 31;
    float ay = fabsf(y), ax = fabsf(x);
    const float PI_HI = 3.1415925026e+00f, PI_LO = 1.5099578832e-07f;
    float v;
    if (ay == 0.0f) {
        v = sx ? PI_HI + PI_LO : 0.0f;                /* atan2(+-0, -x) = +-pi, (+-0, +x) = +-0 */
    } else if (ax == 0.0f) {
        v = PIO2_HI + PIO2_LO;
    } else if (ax == u2f(0x7F800000u)) {
        if (ay == ax) v = sx ? 3.0f * (PIO2_HI + PIO2_LO) * 0.5f : (PIO2_HI + PIO2_LO) * 0.5f;
        else v = sx ? PI_HI + PI_LO : 0.0f;
    } else if (ay == u2f(0x7F800000u)) {
        v = PIO2_HI + PIO2_LO;
    } else {
        float a = atan_pos(ay / ax);
        v = sx ? PI_HI - (a - PI_LO) : a;
    }
    return sy ? -v : v;
}

float tanhf(float x) {
    if (x != x) return x + x;
    float ax = fabsf(x);
    float v;
    if (ax < 2.44140625e-4f) return x;                /* |x| < 2^-12 */
    if (ax > 9.1f) {
        v = 1.0f;
    } else {
        float t = expm1f(2.0f * ax);
        v = t / (t + 2.0f);
    }
    return (f2u(x) >> 31) ? -v : v;
}

/* erf x: |x| < 1, the Taylor series to x^23; 1 <= |x| < 3.92, 1 - e^(-x^2) g(x) with g(x) =
 * erfc(x) e^(x^2) (smooth, 0.43 .. 0.14) a degree-12 polynomial in u = (x - 2.5) / 1.5 (a Chebyshev
 * fit to float64 erfc made for simtlab); beyond, erf rounds to +-1. */
static const float ERF_SERIES[11] = {      /* x^22 .. x^2 terms over x */
    -1.229055530e-09f, 1.480719282e-08f, -1.636584469e-07f, 1.646211437e-06f, -1.492565036e-05f,
    1.205533298e-04f, -8.548327023e-04f, 5.223977625e-03f, -2.686617065e-02f, 1.128379167e-01f,
    -3.761263890e-01f,
};
static const float ERFC_G[13] = {
    1.381908894e-05f, -3.692872353e-05f, 5.494724840e-05f, -1.439485980e-04f, 4.145080976e-04f,
    -1.017117774e-03f, 2.401701696e-03f, -5.567332910e-03f, 1.248970367e-02f, -2.700572529e-02f,
    5.611047258e-02f, -1.115210047e-01f, 2.108063643e-01f,
};

float erff(float x) {
    if (x != x) return x + x;
    float ax = fabsf(x), v;
    if (ax < 1.0f) {
        float z = x * x, q = 0.0f;
        for (int i = 0; i < 11; i++)
            q = q * z + ERF_SERIES[i];
        /* x * (2/sqrt(pi) + z q) as x + x * (2/sqrt(pi) - 1 + z q): the leading term exact */
        return x + x * (1.283791671e-01f + z * q);
    }
    if (ax >= 3.92f) {
        v = 1.0f;
    } else {
        float u = (ax - 2.5f) * (2.0f / 3.0f), g = 0.0f;
        for (int i = 0; i < 13; i++)
            g = g * u + ERFC_G[i];
        v = 1.0f - expf(-(ax * ax)) * g;
    }
    return (f2u(x) >> 31) ? -v : v;
}
