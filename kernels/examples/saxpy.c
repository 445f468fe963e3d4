/* saxpy(n, a, x, y): y[i] = a * x[i] + y[i] (int32, wrapping) on a grid of blocks.
 *
 * Arguments: n, a, address of x, address of y. main picks blocks of two warps' worth of threads
 * (one warp on a one-warp core), grid = ceil(n / block). The tail guard i < n differs between the
 * lanes of the last block, so it is an SL_IF (split/join), not a plain if.
 * Proves: block-mode launch with 1-D blocks spanning several warps, divergent tail guard.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    int32_t a;
    const int32_t *x;
    int32_t *y;
} saxpy_args_t;

static void saxpy_body(void *p) {
    const saxpy_args_t *arg = p;
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    SL_IF(i < arg->n) {
        arg->y[i] = (int32_t)((uint32_t)arg->a * (uint32_t)arg->x[i] + (uint32_t)arg->y[i]);
    } SL_ENDIF;
}

int main(void) {
    const saxpy_args_t *arg = sl_arg();
    uint32_t block = (uint32_t)vx_num_threads() * (vx_num_warps() >= 2 ? 2u : 1u);
    uint32_t grid = (arg->n + block - 1) / block;
    return vx_spawn_threads(1, &grid, &block, saxpy_body, arg);
}
