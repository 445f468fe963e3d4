/* sl_float.h: helpers for the float example kernels (saxpy_f, sgemm*_f, conv2d_f, softmax_f,
 * reduce_f) whose results kernels/catalog.py reproduces bit for bit.
 *
 * Floating-point contraction is switched off for every file that includes this header: a * b + c is
 * an fmul.s and an fadd.s (two roundings), exactly as written. A fused multiply-add (one rounding) is
 * written explicitly as sl_fmaf(a, b, c) = fmadd.s; the references use kernels.catalog.fma_f32 for it
 * and numpy float32 arithmetic (IEEE round-to-nearest-even) for plain + - * /.
 * (__builtin_fmaf is not used: with -fno-builtin clang emits a call to a libm fmaf we do not link.)
 */
#ifndef SL_FLOAT_H
#define SL_FLOAT_H

#include <stdint.h>

#pragma STDC FP_CONTRACT OFF

/* a * b + c, rounded once (fmadd.s, dynamic rounding mode: round to nearest even after reset). */
static inline float sl_fmaf(float a, float b, float c) {
    float r;
    __asm__ ("fmadd.s %0, %1, %2, %3" : "=f"(r) : "f"(a), "f"(b), "f"(c));
    return r;
}

/* max(a, b) (fmax.s) */
static inline float sl_fmaxf(float a, float b) {
    float r;
    __asm__ ("fmax.s %0, %1, %2" : "=f"(r) : "f"(a), "f"(b));
    return r;
}

/* The bit pattern of a float and back (fmv.x.w / fmv.w.x). */
static inline uint32_t sl_f2u(float f) {
    union { float f; uint32_t u; } v = { .f = f };
    return v.u;
}

static inline float sl_u2f(uint32_t u) {
    union { uint32_t u; float f; } v = { .u = u };
    return v.f;
}

#endif /* SL_FLOAT_H */
