/* scan(n, in, out): inclusive prefix sum out[i] = in[0] + ... + in[i] (int32, wrapping).
 *
 * Arguments: n, address of in, address of out.
 * One block of B threads (B = the largest power of two <= min(warps * threads, 256)) walks the input
 * in chunks of B: each chunk is scanned in local memory (Hillis-Steele: log2 B steps, each a read,
 * a barrier, a write and a barrier), the running total of earlier chunks (kept in local memory) is
 * added, and the last thread updates that total for the next chunk.
 * Proves: many barriers in a row across all the warps of one block, lane-dependent reads from local
 * memory under SL_IF, a block that loops over the data.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const int32_t *in;
    int32_t *out;
} scan_args_t;

static void scan_body(void *p) {
    const scan_args_t *arg = p;
    const uint32_t B = blockDim.x, t = threadIdx.x, n = arg->n;
    uint32_t *s = __local_mem((B + 1) * sizeof(uint32_t));
    uint32_t *carry = &s[B];
    SL_IF(t == 0) {
        *carry = 0;
    } SL_ENDIF;
    __syncthreads();
    for (uint32_t base = 0; base < n; base += B) {
        const uint32_t i = base + t;
        uint32_t v = 0;
        SL_IF(i < n) {
            v = (uint32_t)arg->in[i];
        } SL_ENDIF;
        s[t] = v;
        __syncthreads();
        for (uint32_t off = 1; off < B; off *= 2) {
            uint32_t u = 0;
            SL_IF(t >= off) {
                u = s[t - off];
            } SL_ENDIF;
            __syncthreads();
            s[t] += u;
            __syncthreads();
        }
        const uint32_t r = s[t] + *carry;
        SL_IF(i < n) {
            arg->out[i] = (int32_t)r;
        } SL_ENDIF;
        __syncthreads();
        SL_IF(t == B - 1) {
            *carry = r;
        } SL_ENDIF;
        __syncthreads();
    }
}

int main(void) {
    const scan_args_t *arg = sl_arg();
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t B = 1;
    while (B * 2 <= limit && B * 2 <= 256)
        B *= 2;
    uint32_t grid = 1;
    return vx_spawn_threads(1, &grid, &B, scan_body, arg);
}
