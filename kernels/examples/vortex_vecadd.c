/* vortex_vecadd: vector add written only against Vortex's kernel API (vx_intrinsics.h, vx_spawn.h),
 * in Vortex's usual style, to show that such kernels build and run on simtlab unchanged.
 *
 * Arguments (kernel_arg_t, read from CSR mscratch): num_points, src0_addr, src1_addr, dst_addr.
 * dst[i] = src0[i] + src1[i] (int32, wrapping); one task per point.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t num_points;
    uint32_t src0_addr;
    uint32_t src1_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const int32_t *src0_ptr = (const int32_t *)arg->src0_addr;
    const int32_t *src1_ptr = (const int32_t *)arg->src1_addr;
    int32_t *dst_ptr = (int32_t *)arg->dst_addr;
    uint32_t task_id = blockIdx.x;
    dst_ptr[task_id] = (int32_t)((uint32_t)src0_ptr[task_id] + (uint32_t)src1_ptr[task_id]);
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, &arg->num_points, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
