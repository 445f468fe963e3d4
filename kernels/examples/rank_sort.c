/* rank_sort: Vortex-style parallel sort by ranking (vx_intrinsics.h, vx_spawn.h, kernel_arg_t).
 *
 * Arguments (kernel_arg_t): num_points, src_addr (int32), dst_addr (int32), both num_points long.
 * Task i counts the elements that sort before src[i] -- smaller, or equal with a lower index (so
 * duplicates get distinct ranks) -- and stores src[i] at dst[rank]: dst is src sorted ascending
 * (signed). The `||` of the count is a per-lane branch; the stores scatter.
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
    const uint32_t n = arg->num_points, i = blockIdx.x;
    const int32_t v = src[i];
    uint32_t rank = 0;
    for (uint32_t j = 0; j < n; j++) {
        int32_t w = src[j];
        if (w < v || (w == v && j < i))
            rank++;
    }
    dst[rank] = v;
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, &arg->num_points, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
