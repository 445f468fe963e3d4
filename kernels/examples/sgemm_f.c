/* sgemm_f(m, n, k, A, B, C): C = A x B on float32 (A m x k, B k x n, C m x n, row-major), naive.
 *
 * Arguments: m, n, k, address of A, address of B, address of C.
 * Task mode on a 2-D grid (n, m): one task per element of C (the shape of Vortex's sgemm test). Lanes
 * take consecutive columns, so their loads of B fall in one memory block and their load of A is one
 * word (broadcast).
 * Order (the same in every sgemm*_f kernel, so one reference checks them all bit-exactly):
 *   acc = +0.0f; for e = 0 .. k-1: acc = fma(A[row][e], B[e][col], acc); C[row][col] = acc.
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

static void sgemm_body(void *p) {
    const sgemm_args_t *arg = p;
    const uint32_t col = blockIdx.x, row = blockIdx.y;
    const uint32_t n = arg->n, k = arg->k;
    const float *a = arg->a + row * k;
    const float *b = arg->b + col;
    float acc = 0.0f;
    for (uint32_t e = 0; e < k; e++)            /* k is the same on every lane: a uniform loop */
        acc = sl_fmaf(a[e], b[e * n], acc);
    arg->c[row * n + col] = acc;
}

int main(void) {
    const sgemm_args_t *arg = sl_arg();
    uint32_t grid[2] = { arg->n, arg->m };
    return vx_spawn_threads(2, grid, NULL, sgemm_body, arg);
}
