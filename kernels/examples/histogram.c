/* histogram(n, data, nbins, partial, out): out[b] = number of i with data[i] == b, b < nbins.
 *
 * Arguments: n, address of data (uint32, values < nbins; other values are not counted), nbins
 * (1..256), address of partial (ceil(n / 256) * nbins words, scratch), address of out (nbins words).
 * Atomics-free, in two launches:
 *   1. one block per chunk of CHUNK = 256 elements: the block stages its chunk in local memory
 *      (coalesced loads, then a barrier); thread t then owns bins t, t + B, ... and counts them over
 *      the staged chunk (no two threads write the same bin), writing the block's histogram to
 *      partial[block * nbins + bin];
 *   2. one task per bin sums the partial histograms of all blocks.
 * The numpy reference is np.bincount (the partial histograms are not checked).
 * Proves: local-memory staging with barriers, grid of blocks + a second task-mode launch, divergent
 * bin ownership when B does not divide nbins.
 */
#include <stdint.h>
#include "simtlab.h"

#define CHUNK 256u

typedef struct {
    uint32_t n;
    const uint32_t *data;
    uint32_t nbins;
    uint32_t *partial;
    uint32_t *out;
} hist_args_t;

static void block_hist(void *p) {
    const hist_args_t *arg = p;
    const uint32_t B = blockDim.x, t = threadIdx.x, blk = blockIdx.x, nbins = arg->nbins;
    uint32_t *chunk = __local_mem(CHUNK * sizeof(uint32_t));
    const uint32_t base = blk * CHUNK;
    const uint32_t count = arg->n - base < CHUNK ? arg->n - base : CHUNK;     /* block-uniform */
    for (uint32_t j = 0; j < CHUNK; j += B) {
        uint32_t idx = j + t;
        uint32_t v = 0xFFFFFFFFu;       /* never a bin */
        SL_IF(idx < count) {
            v = arg->data[base + idx];
        } SL_ENDIF;
        chunk[idx] = v;
    }
    __syncthreads();
    for (uint32_t j = 0; j < nbins; j += B) {
        uint32_t bin = j + t;
        SL_IF(bin < nbins) {
            uint32_t c = 0;
            for (uint32_t k = 0; k < count; k++)
                c += chunk[k] == bin;
            arg->partial[blk * nbins + bin] = c;
        } SL_ENDIF;
    }
    __syncthreads();    /* the next block of this slot overwrites the staged chunk */
}

static void merge_bins(void *p) {
    const hist_args_t *arg = p;
    const uint32_t bin = blockIdx.x, nbins = arg->nbins;
    const uint32_t blocks = (arg->n + CHUNK - 1) / CHUNK;
    uint32_t sum = 0;
    for (uint32_t b = 0; b < blocks; b++)
        sum += arg->partial[b * nbins + bin];
    arg->out[bin] = sum;
}

int main(void) {
    const hist_args_t *arg = sl_arg();
    if (arg->nbins == 0 || arg->nbins > 256)
        return 2;
    uint32_t limit = (uint32_t)(vx_num_warps() * vx_num_threads());
    uint32_t B = 1;
    while (B * 2 <= limit && B * 2 <= CHUNK)
        B *= 2;
    uint32_t blocks = (arg->n + CHUNK - 1) / CHUNK;
    int err = vx_spawn_threads(1, &blocks, &B, block_hist, arg);
    if (err)
        return err;
    return vx_spawn_threads(1, &arg->nbins, NULL, merge_bins, arg);
}
