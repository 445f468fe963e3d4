/* matmul_tiled(m, n, k, A, B, C): C = A x B (int32, wrapping; A is m x k, B is k x n, row-major).
 *
 * Arguments: m, n, k, address of A, address of B, address of C.
 * Blocks of TS x TS threads (TS = the largest power of two <= 16 with TS * TS <= warps * threads),
 * grid (ceil(n / TS), ceil(m / TS)), 2-D blockIdx/threadIdx. For every tile step the block loads a
 * TS x TS tile of A and of B into its local memory (zeros outside the matrices, under SL_IF),
 * __syncthreads(), multiplies the tiles, __syncthreads() again. Threads outside C store nothing.
 * Proves: 2-D grids and blocks, tiles in per-block local memory shared across warps, barriers.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t m, n, k;
    const int32_t *a;
    const int32_t *b;
    int32_t *c;
} matmul_args_t;

static void matmul_body(void *p) {
    const matmul_args_t *arg = p;
    const uint32_t TS = blockDim.x;
    const uint32_t tx = threadIdx.x, ty = threadIdx.y;
    const uint32_t row = blockIdx.y * TS + ty, col = blockIdx.x * TS + tx;
    const uint32_t m = arg->m, n = arg->n, k = arg->k;
    uint32_t *as = __local_mem(2 * TS * TS * sizeof(uint32_t));
    uint32_t *bs = as + TS * TS;
    uint32_t acc = 0;
    for (uint32_t t0 = 0; t0 < k; t0 += TS) {
        uint32_t av = 0, bv = 0;
        SL_IF((row < m) & (t0 + tx < k)) {
            av = (uint32_t)arg->a[row * k + t0 + tx];
        } SL_ENDIF;
        SL_IF((t0 + ty < k) & (col < n)) {
            bv = (uint32_t)arg->b[(t0 + ty) * n + col];
        } SL_ENDIF;
        as[ty * TS + tx] = av;
        bs[ty * TS + tx] = bv;
        __syncthreads();
        for (uint32_t q = 0; q < TS; q++)
            acc += as[ty * TS + q] * bs[q * TS + tx];
        __syncthreads();
    }
    SL_IF((row < m) & (col < n)) {
        arg->c[row * n + col] = (int32_t)acc;
    } SL_ENDIF;
}

int main(void) {
    const matmul_args_t *arg = sl_arg();
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t ts = 1;
    while (ts * 2 <= 16 && (ts * 2) * (ts * 2) <= limit)
        ts *= 2;
    uint32_t block[2] = { ts, ts };
    uint32_t grid[2] = { (arg->n + ts - 1) / ts, (arg->m + ts - 1) / ts };
    return vx_spawn_threads(2, grid, block, matmul_body, arg);
}
