/* dotproduct: Vortex-style dot product (vx_intrinsics.h, vx_spawn.h, kernel_arg_t from mscratch).
 *
 * Arguments (kernel_arg_t): num_points, src0_addr, src1_addr, dst_addr (int32 arrays).
 * Block b owns the CHUNK elements [b * CHUNK, b * CHUNK + CHUNK) and writes their wrapping int32 sum
 * of src0[i] * src1[i] to dst[b] (ceil(num_points / CHUNK) partials); the host adds the partials, as
 * Vortex's host program does. A block has B threads (the largest power of two <= min(warps *
 * threads, CHUNK)): each thread adds every B-th product of the chunk (the tail guard is a divergent
 * `if`), stores its sum in local memory, and the block halves the sums with __syncthreads after every
 * step. A fixed CHUNK makes the partials the same on every core shape.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

#define CHUNK 64

typedef struct {
    uint32_t num_points;
    uint32_t src0_addr;
    uint32_t src1_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const int32_t *src0 = (const int32_t *)arg->src0_addr;
    const int32_t *src1 = (const int32_t *)arg->src1_addr;
    int32_t *dst = (int32_t *)arg->dst_addr;
    const uint32_t B = blockDim.x, t = threadIdx.x, base = blockIdx.x * CHUNK;
    uint32_t *cache = (uint32_t *)__local_mem(B * sizeof(uint32_t));

    uint32_t sum = 0;
    for (uint32_t k = t; k < CHUNK; k += B) {
        uint32_t i = base + k;
        if (i < arg->num_points)
            sum += (uint32_t)src0[i] * (uint32_t)src1[i];
    }
    cache[t] = sum;
    __syncthreads();
    for (uint32_t s = B / 2; s > 0; s >>= 1) {
        if (t < s)
            cache[t] += cache[t + s];
        __syncthreads();
    }
    if (t == 0)
        dst[blockIdx.x] = (int32_t)cache[0];
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t block = 1;
    while (block * 2 <= limit && block * 2 <= CHUNK)
        block *= 2;
    uint32_t blocks = (arg->num_points + CHUNK - 1) / CHUNK;
    if (blocks == 0)
        return 0;
    return vx_spawn_threads(1, &blocks, &block, (vx_kernel_func_cb)kernel_body, arg);
}
