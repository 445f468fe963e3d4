/* bitonic_sort(n, data): sorts data[0..n) ascending in place (int32); n must be a power of two
 * with 4 * n <= local memory size / 2 (n <= 2048 with the default 16 KiB).
 *
 * Arguments: n, address of data.
 * One block of B threads (B = the largest power of two <= min(warps * threads, 256, n / 2)) loads
 * the array into local memory and runs the bitonic network: for every stage (k, j) each thread
 * compare-exchanges pairs p = t, t + B, ... (i = the pair's lower index, partner i + j, ascending
 * iff (i & k) == 0), with a barrier between stages. The exchange is divergent (SL_IF); the
 * direction is picked with sl_select, since a ?: on a lane-dependent value may become a branch.
 * Proves: long sequences of barriers, data-dependent divergent stores, a block that fits one warp
 * or spans all of them. Returns 2 if n is not a power of two or too large.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    int32_t *data;
} sort_args_t;

static void bitonic_body(void *p) {
    const sort_args_t *arg = p;
    const uint32_t B = blockDim.x, t = threadIdx.x, n = arg->n, pairs = n / 2;
    int32_t *s = __local_mem(n * sizeof(int32_t));
    for (uint32_t j = 0; j < n; j += B) {
        uint32_t idx = j + t;
        SL_IF(idx < n) {
            s[idx] = arg->data[idx];
        } SL_ENDIF;
    }
    __syncthreads();
    for (uint32_t k = 2; k <= n; k *= 2) {
        for (uint32_t j = k / 2; j > 0; j /= 2) {
            for (uint32_t q = 0; q < pairs; q += B) {
                uint32_t pair = q + t;
                SL_IF(pair < pairs) {
                    uint32_t i = ((pair & ~(j - 1)) << 1) | (pair & (j - 1));
                    uint32_t l = i + j;
                    int32_t a = s[i], b = s[l];
                    /* descending ? a < b : a > b, without a (lane-dependent) branch */
                    uint32_t swap = sl_select(i & k, a < b, a > b);
                    SL_IF(swap) {
                        s[i] = b;
                        s[l] = a;
                    } SL_ENDIF;
                } SL_ENDIF;
            }
            __syncthreads();
        }
    }
    for (uint32_t j = 0; j < n; j += B) {
        uint32_t idx = j + t;
        SL_IF(idx < n) {
            arg->data[idx] = s[idx];
        } SL_ENDIF;
    }
}

int main(void) {
    const sort_args_t *arg = sl_arg();
    const uint32_t n = arg->n;
    if (n & (n - 1))
        return 2;
    if (n * sizeof(int32_t) > (1u << LMEM_LOG_SIZE) / 2)
        return 2;
    if (n < 2)
        return 0;
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t B = 1;
    while (B * 2 <= limit && B * 2 <= 256 && B * 2 <= n / 2)
        B *= 2;
    uint32_t grid = 1;
    return vx_spawn_threads(1, &grid, &B, bitonic_body, arg);
}
