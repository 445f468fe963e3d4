/* histogram_atomic(n, data, nbins, bins, tickets): bins[b] = number of i with data[i] % nbins == b,
 * counted with C11 atomic_fetch_add from every lane of every warp at once (amoadd.w; clang inlines
 * it with the `a` extension). tickets[i] = the old value element i's increment returned: for each
 * bin the tickets of its elements are 0, 1, ..., bins[b] - 1 in some order, whatever the
 * interleaving. Task i = blockIdx.x (task mode, one task per element).
 * Also folds every element into six shared words with the other read-modify-write atomics:
 * acc[0] += d (fetch_add), acc[1] ^= d, acc[2] |= d, acc[3] &= ~d' (fetch_and), acc[4] = max signed,
 * acc[5] = min unsigned, acc[6] = min signed, acc[7] = max unsigned (acc initialised by the host).
 */
#include <stdatomic.h>
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const uint32_t *data;
    uint32_t nbins;
    _Atomic uint32_t *bins;
    uint32_t *tickets;
    _Atomic uint32_t *acc;
} hist_args_t;

static void count(void *p) {
    const hist_args_t *arg = p;
    uint32_t i = blockIdx.x, d = arg->data[i];
    arg->tickets[i] = atomic_fetch_add_explicit(&arg->bins[d % arg->nbins], 1, memory_order_relaxed);
    _Atomic uint32_t *acc = arg->acc;
    atomic_fetch_add(&acc[0], d);
    atomic_fetch_xor(&acc[1], d);
    atomic_fetch_or(&acc[2], d & 0x0F0F0F0Fu);
    atomic_fetch_and(&acc[3], ~(1u << (d & 31)));
    /* C11 has no fetch_max: the builtins are clang's (amomax.w and friends) */
    __atomic_fetch_max((int32_t *)&acc[4], (int32_t)d, __ATOMIC_RELAXED);
    __atomic_fetch_min((uint32_t *)&acc[5], d, __ATOMIC_RELAXED);
    __atomic_fetch_min((int32_t *)&acc[6], (int32_t)d, __ATOMIC_RELAXED);
    __atomic_fetch_max((uint32_t *)&acc[7], d, __ATOMIC_RELAXED);
}

int main(void) {
    const hist_args_t *arg = sl_arg();
    if (arg->nbins == 0)
        return 2;
    return vx_spawn_threads(1, &arg->n, NULL, count, arg);
}
