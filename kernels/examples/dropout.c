/* dropout: Vortex-style dropout with a hash-based mask (vx_intrinsics.h, vx_spawn.h, kernel_arg_t).
 *
 * Arguments (kernel_arg_t): num_points, seed, threshold, scale, src_addr (int32), dst_addr (int32),
 * mask_addr (uint8). Task i hashes h = mix(i * 0x9E3779B9 + seed) (the 32-bit finaliser in mix()) and
 * keeps the element when (h & 0xFFFF) >= threshold: dst[i] = src[i] * scale (wrapping) and
 * mask[i] = 1; otherwise dst[i] = 0 and mask[i] = 0. The keep test is a per-lane branch (lanes of a
 * warp disagree), and mask is written one byte per lane.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t num_points;
    uint32_t seed;
    uint32_t threshold;
    int32_t scale;
    uint32_t src_addr;
    uint32_t dst_addr;
    uint32_t mask_addr;
} kernel_arg_t;

static uint32_t mix(uint32_t x) {
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    return x;
}

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const int32_t *src = (const int32_t *)arg->src_addr;
    int32_t *dst = (int32_t *)arg->dst_addr;
    uint8_t *mask = (uint8_t *)arg->mask_addr;
    const uint32_t i = blockIdx.x;
    const uint32_t h = mix(i * 0x9E3779B9u + arg->seed);
    if ((h & 0xFFFFu) >= arg->threshold) {
        dst[i] = (int32_t)((uint32_t)src[i] * (uint32_t)arg->scale);
        mask[i] = 1;
    } else {
        dst[i] = 0;
        mask[i] = 0;
    }
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, &arg->num_points, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
