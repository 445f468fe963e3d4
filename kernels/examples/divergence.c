/* divergence(n, in, out): per-thread control flow that differs between the lanes of a warp.
 *
 * Arguments: n, address of in (int32), address of out (4 * n int32). Task i (task mode, one per
 * element) reads v = in[i] and writes four results (catalog.py has the same rules in Python):
 *   out[4i+0]  nested if/else, three levels:
 *                v odd:  (v & 2) ? 3 * v : v + 7
 *                v even: (v & 12) == 4 ? v ^ 0x55 : ((v & 16) ? -v : v >> 1 (arithmetic))
 *   out[4i+1]  data-dependent loop: Collatz steps from x = (v & 255) + 1 to 1 (at most 200), with a
 *              divergent if/else inside the loop
 *   out[4i+2]  early exit: v < 0 -> -1; otherwise the sum of 0..(v % 13) computed by a loop
 *   out[4i+3]  popcount of v & 0xFFFF by a loop that runs until no bit is left
 * Every divergent if is bracketed with split/join (SL_IF), every lane-dependent loop with a split
 * and vx_pred (SL_WHILE), so the results are right only if the IPDOM stack and pred work.
 * Proves: nesting up to three divergent levels, loops with per-lane trip counts, early exit.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const int32_t *in;
    int32_t *out;
} divergence_args_t;

static void divergence_body(void *p) {
    const divergence_args_t *arg = p;
    const uint32_t i = blockIdx.x;
    const int32_t v = arg->in[i];
    int32_t *out = arg->out + 4 * i;

    /* 1: nested if/else */
    int32_t r0;
    SL_IF(v & 1) {
        SL_IF(v & 2) {
            r0 = (int32_t)(3u * (uint32_t)v);
        } SL_ELSE {
            r0 = (int32_t)((uint32_t)v + 7u);
        } SL_ENDIF;
    } SL_ELSE {
        SL_IF((v & 12) == 4) {
            r0 = v ^ 0x55;
        } SL_ELSE {
            SL_IF(v & 16) {
                r0 = (int32_t)(0u - (uint32_t)v);
            } SL_ELSE {
                r0 = v >> 1;
            } SL_ENDIF;
        } SL_ENDIF;
    } SL_ENDIF;
    out[0] = r0;

    /* 2: data-dependent loop with a divergent body */
    uint32_t x = ((uint32_t)v & 255u) + 1u, steps = 0;
    SL_WHILE((x != 1) & (steps < 200), {
        SL_IF(x & 1) {
            x = 3 * x + 1;
        } SL_ELSE {
            x >>= 1;
        } SL_ENDIF;
        steps++;
    });
    out[1] = (int32_t)steps;

    /* 3: early exit */
    int32_t r2;
    SL_IF(v < 0) {
        r2 = -1;
    } SL_ELSE {
        uint32_t limit = (uint32_t)v % 13u, j = 0, sum = 0;
        SL_WHILE(j <= limit, {
            sum += j;
            j++;
        });
        r2 = (int32_t)sum;
    } SL_ENDIF;
    out[2] = r2;

    /* 4: loop until no bit is left */
    uint32_t bits = (uint32_t)v & 0xFFFFu, count = 0;
    SL_WHILE(bits != 0, {
        count += bits & 1u;
        bits >>= 1;
    });
    out[3] = (int32_t)count;
}

int main(void) {
    const divergence_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, divergence_body, arg);
}
