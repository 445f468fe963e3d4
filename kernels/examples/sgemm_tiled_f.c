/* sgemm_tiled_f(m, n, k, A, B, C): C = A x B on float32 (A m x k, B k x n, row-major) with tiles of A
 * and B in local memory.
 *
 * Arguments: m, n, k, address of A, address of B, address of C.
 * Blocks of TS x TS threads (TS = the largest power of two <= 16 with TS * TS <= warps * threads),
 * grid (ceil(n / TS), ceil(m / TS)). For every tile step the block copies a TS x TS tile of A and of B
 * into its local memory (zeros outside the matrices, under SL_IF), __syncthreads(), runs the
 * tile's fused multiply-adds, __syncthreads() again. The inner loop stops at the last real column of
 * A (q < min(TS, k - t0), the same on every lane), so no padding ever enters a sum.
 * Order, as in sgemm_f (checked bit-exactly against the same reference):
 *   acc = +0.0f; for e = 0 .. k-1: acc = fma(A[row][e], B[e][col], acc).
 */
#include <stdint.h>
#include "simtlab.h"
#include "sl_float.h"

typedef struct {
    uint32_t m, n, k;
    const float *a;
    const float *b;
    float *c;
} sgemm_args_t;

static void sgemm_tiled_body(void *p) {
    const sgemm_args_t *arg = p;
    const uint32_t TS = blockDim.x;
    const uint32_t tx = threadIdx.x, ty = threadIdx.y;
    const uint32_t row = blockIdx.y * TS + ty, col = blockIdx.x * TS + tx;
    const uint32_t m = arg->m, n = arg->n, k = arg->k;
    float *as = __local_mem(2 * TS * TS * sizeof(float));
    float *bs = as + TS * TS;
    float acc = 0.0f;
    for (uint32_t t0 = 0; t0 < k; t0 += TS) {
        float av = 0.0f, bv = 0.0f;
        SL_IF((row < m) & (t0 + tx < k)) {
            av = arg->a[row * k + t0 + tx];
        } SL_ENDIF;
        SL_IF((t0 + ty < k) & (col < n)) {
            bv = arg->b[(t0 + ty) * n + col];
        } SL_ENDIF;
        as[ty * TS + tx] = av;
        bs[ty * TS + tx] = bv;
        __syncthreads();
        const uint32_t steps = k - t0 < TS ? k - t0 : TS;      /* uniform */
        for (uint32_t q = 0; q < steps; q++)
            acc = sl_fmaf(as[ty * TS + q], bs[q * TS + tx], acc);
        __syncthreads();
    }
    SL_IF((row < m) & (col < n)) {
        arg->c[row * n + col] = acc;
    } SL_ENDIF;
}

int main(void) {
    const sgemm_args_t *arg = sl_arg();
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t ts = 1;
    while (ts * 2 <= 16 && (ts * 2) * (ts * 2) <= limit)
        ts *= 2;
    uint32_t block[2] = { ts, ts };
    uint32_t grid[2] = { (arg->n + ts - 1) / ts, (arg->m + ts - 1) / ts };
    return vx_spawn_threads(2, grid, block, sgemm_tiled_body, arg);
}
