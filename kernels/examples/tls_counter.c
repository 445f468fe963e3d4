/* tls_counter(n, rounds, out): thread-local storage. Each task runs on one hardware thread and bumps
 * that thread's own __thread counters; tasks that later run on the same hardware thread (task mode:
 * task i runs on hart i mod (warps x threads)) see the values it left.
 *
 *   counter (.tdata, starts at 1000): += rounds + i % 5 in a loop, one step at a time
 *   steps   (.tbss, starts at 0):     += 1 per task
 *   tag     (.tdata, a byte 0x5A):    read only
 * out[4 i .. 4 i + 3] = counter after task i, steps, tag, the address of counter on this thread.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    uint32_t rounds;
    uint32_t *out;
} tls_args_t;

__thread uint32_t counter = 1000;
__thread uint32_t steps;
__thread uint8_t tag = 0x5A;

static void task(void *p) {
    const tls_args_t *arg = p;
    uint32_t i = blockIdx.x;
    uint32_t k = arg->rounds + i % 5;          /* per-lane trip count */
    for (uint32_t j = 0; j < k; j++)
        counter = counter + 1;
    steps++;
    uint32_t *o = arg->out + 4 * i;
    o[0] = counter;
    o[1] = steps;
    o[2] = tag;
    o[3] = (uint32_t)(uintptr_t)&counter;
}

int main(void) {
    const tls_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, task, arg);
}
