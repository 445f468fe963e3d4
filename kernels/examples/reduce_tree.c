/* reduce_tree(n, in, scratch, out): out[0] = sum of in[0..n) (int32, wrapping), by tree reduction.
 *
 * Arguments: n, address of in, address of scratch (n + 8 words, contents undefined afterwards),
 * address of out (1 word).
 * Each block of B threads (B = the largest power of two <= min(warps * threads, 256)) reduces a chunk
 * of B * PER_THREAD elements: every thread first adds PER_THREAD elements (stride B, coalesced), then
 * the block halves the partials in local memory with a barrier (__syncthreads) after every step, and
 * thread 0 writes the block's partial. main launches passes (in -> scratch, then between the two
 * halves of scratch) until one value is left.
 * Proves: barriers across the warps of a block, per-block local memory slices, several launches.
 */
#include <stdint.h>
#include "simtlab.h"

#define PER_THREAD 4

typedef struct {
    uint32_t n;
    const int32_t *in;
    int32_t *scratch;
    int32_t *out;
} reduce_args_t;

typedef struct {
    const int32_t *src;
    int32_t *dst;
    uint32_t count;
} pass_t;

static void reduce_body(void *p) {
    const pass_t *pass = p;
    const uint32_t B = blockDim.x, t = threadIdx.x, b = blockIdx.x;
    uint32_t *s = __local_mem(B * sizeof(uint32_t));
    const uint32_t base = b * B * PER_THREAD;
    uint32_t acc = 0;
    for (uint32_t k = 0; k < PER_THREAD; k++) {
        uint32_t idx = base + k * B + t;
        SL_IF(idx < pass->count) {
            acc += (uint32_t)pass->src[idx];
        } SL_ENDIF;
    }
    s[t] = acc;
    __syncthreads();
    for (uint32_t stride = B / 2; stride > 0; stride /= 2) {
        SL_IF(t < stride) {
            s[t] += s[t + stride];
        } SL_ENDIF;
        __syncthreads();
    }
    SL_IF(t == 0) {
        pass->dst[b] = (int32_t)s[0];
    } SL_ENDIF;
}

int main(void) {
    const reduce_args_t *arg = sl_arg();
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t B = 1;
    while (B * 2 <= limit && B * 2 <= 256)
        B *= 2;
    const uint32_t chunk = B * PER_THREAD;
    uint32_t half = (arg->n + chunk - 1) / chunk;
    pass_t pass = { arg->in, arg->scratch, arg->n };
    int side = 0;
    while (pass.count > 1) {
        uint32_t blocks = (pass.count + chunk - 1) / chunk;
        int err = vx_spawn_threads(1, &blocks, &B, reduce_body, &pass);
        if (err)
            return err;
        pass.src = pass.dst;
        pass.count = blocks;
        side ^= 1;
        pass.dst = arg->scratch + (side ? half : 0);
    }
    arg->out[0] = pass.count ? pass.src[0] : 0;
    return 0;
}
