/* bank_conflict(n, stride, out): a designed local-memory access pattern for the bank-conflict counter.
 *
 * Arguments (sl_arg()): n (tasks, = warps * threads: one per hardware thread), stride (words),
 * address of out (n words). Task i = blockIdx.x on lane l of warp w stores i to local word
 * (l + w * threads) * stride, reads it back and writes it to out[i] (so out[i] == i). Each warp does one local
 * store and one local load with every lane active: with stride = lmem_banks every lane reaches bank 0
 * (word-interleaved banks) at a different word: threads rounds each; with stride 1
 * (or an odd stride) every lane has its own bank. docs/memory.md, "Local memory".
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    uint32_t stride;
    uint32_t *out;
} conflict_args_t;

static void body(void *p) {
    const conflict_args_t *arg = p;
    volatile uint32_t *s = vx_local_mem();
    uint32_t word = ((uint32_t)vx_thread_id() + (uint32_t)vx_warp_id() * (uint32_t)vx_num_threads()) *
                    arg->stride;
    s[word] = blockIdx.x;
    arg->out[blockIdx.x] = s[word];
}

int main(void) {
    const conflict_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, body, arg);
}
