/* relu_f: Vortex-style ReLU on float32 (vx_intrinsics.h, vx_spawn.h, kernel_arg_t from mscratch).
 *
 * Arguments (kernel_arg_t): num_points, src_addr, dst_addr (float32 arrays).
 * dst[i] = src[i] > 0 ? src[i] : +0.0 (so -0.0, negatives, -inf and NaN give +0.0); one task per
 * element, the compare a per-lane branch.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>
#include "sl_float.h"

typedef struct {
    uint32_t num_points;
    uint32_t src_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const float *src = (const float *)arg->src_addr;
    float *dst = (float *)arg->dst_addr;
    const uint32_t i = blockIdx.x;
    const float v = src[i];
    dst[i] = v > 0.0f ? v : 0.0f;
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, &arg->num_points, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
