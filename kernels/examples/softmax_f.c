/* softmax_f(rows, cols, in, out): out[r][j] = exp(in[r][j] - max_r) / sum_j exp(in[r][j] - max_r) on a
 * rows x cols float32 matrix, with exp computed in the kernel (no libm) and every operation in a fixed
 * order, so that the result is reproducible bit for bit (kernels/catalog.py mirrors it).
 *
 * Arguments: rows, cols, address of in, address of out (rows x cols).
 * One block per row, B threads (B = the largest power of two <= min(P, warps * threads), P = 32
 * "virtual lanes"); thread t does virtual lanes t, t + B, ...; virtual lane v owns the columns
 * v, v + P, v + 2P, ... Per row:
 *   1. max: m_v = fmax over its columns (positions past cols count as -inf), then a pairwise fmax tree
 *      over the P values in local memory (partial[v] = fmax(partial[v], partial[v + s]), s = P/2..1);
 *   2. e[j] = exp_approx(in[r][j] - m), stored in out; sum_v = (((+0 + e[v]) + e[v + P]) + ...) with
 *      +0.0 past cols, then the pairwise (+) tree over the P partial sums;
 *   3. out[r][j] = e[j] / sum (fdiv.s, correctly rounded).
 * exp_approx(d), d <= 0: d = fmax(d, -80); n = round(d * log2(e)) by the 1.5 * 2^23 trick
 *   (t = fma(d, LOG2E, 0x1.8p23), n = t - 0x1.8p23, exact); r = fma(n, -LN2_HI, d), r = fma(n, -LN2_LO, r)
 *   (Cody-Waite); p = Horner fma chain of the degree-7 Taylor polynomial 1 + r + r^2/2! + ... + r^7/7!;
 *   result bits = bits(p) + (n << 23) (scaling by 2^n with an integer add: n >= -116, no subnormals).
 *   Accuracy against the true exp: within 1 float32 ulp on [-80, 0] (Taylor remainder < 1e-8
 *   relative on |r| <= ln2 / 2, plus the roundings of the fma chain; tested); the reference
 *   (catalog.exp_approx_f32) reproduces it bit for bit, so softmax_f is checked bit-exactly.
 * Loads of a row are coalesced (consecutive columns on consecutive lanes); tails use clamped addresses
 * and bit masks, stores past cols are skipped under SL_IF.
 */
#include <stdint.h>
#include "simtlab.h"
#include "sl_float.h"

#define P 32u

#define MAGIC     0x1.8p23f             /* 12582912: adding it rounds to an integer */
#define LOG2E     0x1.715476p+0f        /* 1.44269502 */
#define LN2_HI    0x1.62e400p-1f        /* 0.693145752 (16 significant bits) */
#define LN2_LO    0x1.7f7d1cp-20f       /* ln 2 - LN2_HI */
#define NEG_INF_BITS 0xFF800000u

typedef struct {
    uint32_t rows, cols;
    const float *in;
    float *out;
} softmax_args_t;

static inline float exp_approx(float d) {
    d = sl_fmaxf(d, -80.0f);
    const float t = sl_fmaf(d, LOG2E, MAGIC);
    const float n = t - MAGIC;
    const uint32_t ni = sl_f2u(t) - sl_f2u(MAGIC);          /* n as a two's-complement integer */
    float r = sl_fmaf(n, -LN2_HI, d);
    r = sl_fmaf(n, -LN2_LO, r);
    float p = 1.0f / 5040.0f;
    p = sl_fmaf(p, r, 1.0f / 720.0f);
    p = sl_fmaf(p, r, 1.0f / 120.0f);
    p = sl_fmaf(p, r, 1.0f / 24.0f);
    p = sl_fmaf(p, r, 1.0f / 6.0f);
    p = sl_fmaf(p, r, 0.5f);
    p = sl_fmaf(p, r, 1.0f);
    p = sl_fmaf(p, r, 1.0f);
    return sl_u2f(sl_f2u(p) + (ni << 23));
}

/* Pairwise tree over s[0..P): s[v] = op(s[v], s[v + stride]); returns s[0] on every thread. */
#define TREE(op)                                                            \
    for (uint32_t stride = P / 2; stride > 0; stride /= 2) {                \
        for (uint32_t v0 = 0; v0 < stride; v0 += B) {      /* uniform */    \
            const uint32_t v = v0 + t;                                      \
            SL_IF(v < stride) {                                             \
                s[v] = op(s[v], s[v + stride]);                             \
            } SL_ENDIF;                                                     \
        }                                                                   \
        __syncthreads();                                                    \
    }

static inline float add_f(float a, float b) { return a + b; }

static void softmax_body(void *p) {
    const softmax_args_t *arg = p;
    const uint32_t B = blockDim.x, t = threadIdx.x, cols = arg->cols;
    const float *in = arg->in + blockIdx.x * cols;
    float *out = arg->out + blockIdx.x * cols;
    float *s = __local_mem(P * sizeof(float));

    /* 1. max */
    for (uint32_t v = t; v < P; v += B) {          /* P / B iterations on every lane */
        float m = sl_u2f(NEG_INF_BITS);
        for (uint32_t j0 = 0; j0 < cols; j0 += P) {
            const uint32_t j = j0 + v, inside = j < cols;
            const uint32_t bits = sl_select(inside, sl_f2u(in[sl_select(inside, j, cols - 1)]),
                                            NEG_INF_BITS);
            m = sl_fmaxf(m, sl_u2f(bits));
        }
        s[v] = m;
    }
    __syncthreads();
    TREE(sl_fmaxf)
    const float max = s[0];
    __syncthreads();                                /* everyone has read s[0] before it changes */

    /* 2. exponentials and their sum */
    for (uint32_t v = t; v < P; v += B) {
        float acc = 0.0f;
        for (uint32_t j0 = 0; j0 < cols; j0 += P) {
            const uint32_t j = j0 + v, inside = j < cols;
            const float e = exp_approx(in[sl_select(inside, j, cols - 1)] - max);
            SL_IF(inside) {
                out[j] = e;
            } SL_ENDIF;
            acc = acc + sl_u2f(sl_select(inside, sl_f2u(e), 0u));
        }
        s[v] = acc;
    }
    __syncthreads();
    TREE(add_f)
    const float sum = s[0];
    __syncthreads();                                /* before the next row's block reuses s */

    /* 3. normalise (each thread reads back only the values it wrote) */
    for (uint32_t v = t; v < P; v += B) {
        for (uint32_t j0 = 0; j0 < cols; j0 += P) {
            const uint32_t j = j0 + v;
            SL_IF(j < cols) {
                out[j] = out[j] / sum;
            } SL_ENDIF;
        }
    }
}

int main(void) {
    const softmax_args_t *arg = sl_arg();
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t block = 1;
    while (block * 2 <= limit && block * 2 <= P)
        block *= 2;
    uint32_t grid = arg->cols ? arg->rows : 0;
    return vx_spawn_threads(1, &grid, &block, softmax_body, arg);
}
