/* dotproduct_f: Vortex-style float32 dot product (vx_intrinsics.h, vx_spawn.h, kernel_arg_t from
 * mscratch) whose partial sums are the same, bit for bit, on every core shape.
 *
 * Arguments (kernel_arg_t): num_points, src0_addr, src1_addr, dst_addr (float32 arrays).
 * Block b owns the CHUNK elements from b * CHUNK and writes one partial to dst[b]; the host adds the
 * ceil(num_points / CHUNK) partials, as Vortex's host program does. The order is fixed by VLANES
 * "virtual lanes", not by the hardware: virtual lane v computes acc = +0, then
 * acc = fma(src0[i], src1[i], acc) for i = b * CHUNK + v + VLANES * k, k = 0 .. CHUNK / VLANES - 1
 * (elements past num_points skipped), into local memory; then the block halves the VLANES values
 * pairwise (v[s] += v[s + stride] for stride = VLANES / 2 .. 1) with __syncthreads after every step.
 * A block has B threads (a power of two <= min(warps * threads, VLANES)); thread t runs virtual lanes
 * t, t + B, ...
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>
#include "sl_float.h"

#define CHUNK 64
#define VLANES 16

typedef struct {
    uint32_t num_points;
    uint32_t src0_addr;
    uint32_t src1_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const float *src0 = (const float *)arg->src0_addr;
    const float *src1 = (const float *)arg->src1_addr;
    float *dst = (float *)arg->dst_addr;
    const uint32_t B = blockDim.x, t = threadIdx.x, base = blockIdx.x * CHUNK;
    float *cache = (float *)__local_mem(VLANES * sizeof(float));

    for (uint32_t v = t; v < VLANES; v += B) {
        float acc = 0.0f;
        for (uint32_t i = base + v; i < base + CHUNK && i < arg->num_points; i += VLANES)
            acc = sl_fmaf(src0[i], src1[i], acc);
        cache[v] = acc;
    }
    __syncthreads();
    for (uint32_t stride = VLANES / 2; stride > 0; stride >>= 1) {
        for (uint32_t v = t; v < stride; v += B)
            cache[v] += cache[v + stride];
        __syncthreads();
    }
    if (t == 0)
        dst[blockIdx.x] = cache[0];
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t block = 1;
    while (block * 2 <= limit && block * 2 <= VLANES)
        block *= 2;
    uint32_t blocks = (arg->num_points + CHUNK - 1) / CHUNK;
    if (blocks == 0)
        return 0;
    return vx_spawn_threads(1, &blocks, &block, (vx_kernel_func_cb)kernel_body, arg);
}
