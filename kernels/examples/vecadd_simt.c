/* vecadd_simt(n, a, b, c): c[i] = a[i] + b[i] (int32, wrapping) as a grid of n tasks.
 *
 * Arguments (sl_arg(), consecutive 32-bit words): n, address of a, address of b, address of c.
 * main launches vx_spawn_threads in task mode (block_dim NULL): one task per element, task i =
 * blockIdx.x. Consecutive tasks run on consecutive lanes of a warp, so the loads and stores coalesce.
 * Proves: task-mode launch on every warps x threads shape, the tail of the grid switched off by tmc.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const int32_t *a;
    const int32_t *b;
    int32_t *c;
} vecadd_args_t;

static void vecadd_body(void *p) {
    const vecadd_args_t *arg = p;
    uint32_t i = blockIdx.x;
    arg->c[i] = (int32_t)((uint32_t)arg->a[i] + (uint32_t)arg->b[i]);
}

int main(void) {
    const vecadd_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, vecadd_body, arg);
}
