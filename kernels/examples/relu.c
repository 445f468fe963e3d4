/* relu: Vortex-style ReLU on int32 with negative inputs (vx_intrinsics.h, vx_spawn.h, kernel_arg_t).
 *
 * Arguments (kernel_arg_t): num_points, src_addr, dst_addr (int32 arrays).
 * dst[i] = src[i] < 0 ? 0 : src[i]; one task per element.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t num_points;
    uint32_t src_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const int32_t *src = (const int32_t *)arg->src_addr;
    int32_t *dst = (int32_t *)arg->dst_addr;
    const uint32_t i = blockIdx.x;
    const int32_t v = src[i];
    dst[i] = v < 0 ? 0 : v;
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, &arg->num_points, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
