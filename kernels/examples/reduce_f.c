/* reduce_f(n, in, out): out[0] = the float32 sum of in[0..n), in a fixed order that does not depend on
 * the core's shape.
 *
 * Arguments: n, address of in, address of out (1 float).
 * Order (checked bit-exactly; P = 256 "virtual lanes"):
 *   1. partial[v] = (((+0 + in[v]) + in[v + P]) + in[v + 2P]) + ...   for v = 0 .. P-1, over
 *      ceil(n / P) terms each, where positions past n contribute +0.0;
 *   2. a pairwise tree in local memory: for s = P/2, P/4, ..., 1: partial[v] += partial[v + s] (v < s);
 *   3. out[0] = partial[0].
 * Launch: one block of B threads (B = the largest power of two <= min(P, warps * threads)); thread t
 * does the virtual lanes t, t + B, ... Step 1 reads in[i0 + v] on consecutive lanes (coalesced), with a
 * clamped address and the value masked to +0.0 past n (no divergence); step 2 has a __syncthreads()
 * after every level and SL_IF around the active half.
 */
#include <stdint.h>
#include "simtlab.h"
#include "sl_float.h"

#define P 256u

typedef struct {
    uint32_t n;
    const float *in;
    float *out;
} reduce_args_t;

static void reduce_f_body(void *p) {
    const reduce_args_t *arg = p;
    const uint32_t B = blockDim.x, t = threadIdx.x, n = arg->n;
    const float *in = arg->in;
    float *s = __local_mem(P * sizeof(float));
    for (uint32_t v = t; v < P; v += B) {           /* P / B iterations on every lane: uniform */
        float acc = 0.0f;
        for (uint32_t i0 = 0; i0 < n; i0 += P) {   /* uniform */
            const uint32_t i = i0 + v, inside = i < n;
            const uint32_t bits = sl_select(inside, sl_f2u(in[sl_select(inside, i, n - 1)]), 0u);
            acc = acc + sl_u2f(bits);
        }
        s[v] = acc;
    }
    __syncthreads();
    for (uint32_t stride = P / 2; stride > 0; stride /= 2) {
        for (uint32_t v0 = 0; v0 < stride; v0 += B) {          /* uniform */
            const uint32_t v = v0 + t;
            SL_IF(v < stride) {
                s[v] = s[v] + s[v + stride];
            } SL_ENDIF;
        }
        __syncthreads();
    }
    SL_IF(t == 0) {
        arg->out[0] = s[0];
    } SL_ENDIF;
}

int main(void) {
    const reduce_args_t *arg = sl_arg();
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t block = 1, grid = 1;
    while (block * 2 <= limit && block * 2 <= P)
        block *= 2;
    return vx_spawn_threads(1, &grid, &block, reduce_f_body, arg);
}
