/* vote_shuffle(n, in, out): Vortex's warp vote and shuffle intrinsics (vx_vote_*, vx_shfl_*).
 *
 * Arguments: n, address of in (int32), address of out (10 * n int32). Task i (task mode: tasks
 * i = 0..n-1 run as warps of NUM_THREADS consecutive tasks, the last one partial) reads v = in[i]
 * and writes (catalog.py computes the same from n and NUM_THREADS):
 *   out[10i+0..3]  vote all (v > 0), any (v > 1000), uni (v & 1), ballot (v & 1) over its warp
 *   out[10i+4..7]  shuffle over the whole warp: up by 1, down by 2, butterfly with 1, index 0
 *   out[10i+8]     butterfly with 1 inside segments of 4 lanes (mask 0x3C, clamp 3)
 *   out[10i+9]     ballot (1) inside `if (v & 2)`: the lanes of the warp that took the branch
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const int32_t *in;
    int32_t *out;
} vote_shuffle_args_t;

static void vote_shuffle_body(void *p) {
    const vote_shuffle_args_t *arg = p;
    const uint32_t i = blockIdx.x;
    const int32_t v = arg->in[i];
    int32_t *out = arg->out + 10 * i;
    const int top = NUM_THREADS - 1;

    out[0] = vx_vote_all(v > 0);
    out[1] = vx_vote_any(v > 1000);
    out[2] = vx_vote_uni(v & 1);
    out[3] = vx_vote_ballot(v & 1);
    out[4] = vx_shfl_up(v, 1, top, 0);
    out[5] = vx_shfl_down(v, 2, top, 0);
    out[6] = vx_shfl_bfly(v, 1, top, 0);
    out[7] = vx_shfl_idx(v, 0, top, 0);
    out[8] = vx_shfl_bfly(v, 1, 3, 0x3C);
    if (v & 2)
        out[9] = vx_vote_ballot(1);
}

int main(void) {
    const vote_shuffle_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, vote_shuffle_body, arg);
}
