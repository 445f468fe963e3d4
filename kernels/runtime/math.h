/* simtlab's libm subset: single-precision functions (implementation in libm.c, linked into every
 * kernel; the maximum errors in ulp are listed in docs/runtime.md). Double-precision names are not
 * provided: RV32IMF has no double-precision FPU.
 *
 *   exact:         fabsf copysignf floorf ceilf truncf roundf fmodf sqrtf (the FPU's fsqrt.s)
 *   exponentials:  expf exp2f expm1f logf log2f log10f powf
 *   trigonometry:  sinf cosf tanf atanf atan2f tanhf
 *   special:       erff
 */
#ifndef SIMTLAB_MATH_H
#define SIMTLAB_MATH_H

#ifdef __cplusplus
extern "C" {
#endif

#define INFINITY  (__builtin_inff())
#define NAN       (__builtin_nanf(""))
#define HUGE_VALF INFINITY
#define isnan(x)    __builtin_isnan(x)
#define isinf(x)    __builtin_isinf(x)
#define isfinite(x) __builtin_isfinite(x)
#define signbit(x)  __builtin_signbit(x)

#define M_E        2.71828182845904523536
#define M_LOG2E    1.44269504088896340736
#define M_LN2      0.69314718055994530942
#define M_LN10     2.30258509299404568402
#define M_PI       3.14159265358979323846
#define M_PI_2     1.57079632679489661923
#define M_PI_4     0.78539816339744830962
#define M_1_PI     0.31830988618379067154
#define M_2_PI     0.63661977236758134308
#define M_SQRT2    1.41421356237309504880
#define M_SQRT1_2  0.70710678118654752440

float fabsf(float x);
float copysignf(float x, float y);
float sqrtf(float x);
float floorf(float x);
float ceilf(float x);
float truncf(float x);
float roundf(float x);
float fmodf(float x, float y);

float expf(float x);
float exp2f(float x);
float expm1f(float x);
float logf(float x);
float log2f(float x);
float log10f(float x);
float powf(float x, float y);

float sinf(float x);
float cosf(float x);
float tanf(float x);
float atanf(float x);
float atan2f(float y, float x);
float tanhf(float x);
float erff(float x);

#ifdef __cplusplus
}
#endif

#endif /* SIMTLAB_MATH_H */
