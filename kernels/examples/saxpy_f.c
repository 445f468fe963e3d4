/* saxpy_f(n, a, x, y): y[i] = fma(a, x[i], y[i]) on float32 (one rounding: fmadd.s).
 *
 * Arguments: n, a (float, IEEE binary32 bits), address of x, address of y.
 * Task mode, one task per element on a 1-D grid: consecutive elements on consecutive lanes, so every
 * load and store of a warp falls in one or two 64-byte blocks; lanes past n are switched off by the
 * launch (tmc), so the body needs no tail guard.
 * Checked bit-exactly: catalog.fma_f32 (a vectorised, SoftFloat-verified fused multiply-add).
 */
#include <stdint.h>
#include "simtlab.h"
#include "sl_float.h"

typedef struct {
    uint32_t n;
    float a;
    const float *x;
    float *y;
} saxpy_args_t;

static void saxpy_body(void *p) {
    const saxpy_args_t *arg = p;
    const uint32_t i = blockIdx.x;
    arg->y[i] = sl_fmaf(arg->a, arg->x[i], arg->y[i]);
}

int main(void) {
    const saxpy_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, saxpy_body, arg);
}
