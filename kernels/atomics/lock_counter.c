/* lock_counter(n, lock, shared, mode, order): n tasks (every lane of every warp at once) each take a
 * spin lock, update shared data with plain loads and stores, and release it:
 *   shared[0] += 1, shared[1] += i, order[shared[0] - 1] = i (the order the tasks got the lock).
 * Without the lock, lanes and warps would lose updates; with it, shared[0] == n, shared[1] ==
 * n (n - 1) / 2 and order is a permutation of 0..n-1.
 * mode 0: the lock is taken with amoswap.w (atomic_exchange); mode 1: with lr.w/sc.w. Both release
 * with amoswap.w (atomic_exchange of 0, release order).
 *
 * The retry loop is warp-uniform (vx_vote_any) and the lock holders' critical section is the
 * "then" side of a split (SL_IF), so the lanes that won run it and release the lock before the
 * losers try again: under the min-PC rule alone (docs/simt.md) a plain C retry loop, which the
 * compiler lays out with the losers' back edge below the critical section, would keep the losers
 * spinning ahead of the holder forever.
 */
#include <stdatomic.h>
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    _Atomic uint32_t *lock;
    volatile uint32_t *shared;
    uint32_t mode;
    uint32_t *order;
} lock_args_t;

/* One attempt with lr.w/sc.w: acquired iff the lock was free and the sc succeeded (an sc over a
 * held lock writes the 1 that is already there, so no branch is needed). */
static inline int try_lrsc(_Atomic uint32_t *lock) {
    uint32_t old, fail;
    __asm__ volatile("lr.w.aq %0, (%2)\n\tsc.w %1, %3, (%2)"
                     : "=&r"(old), "=&r"(fail) : "r"(lock), "r"(1u) : "memory");
    return (old | fail) == 0;
}

static void task(void *p) {
    const lock_args_t *arg = p;
    uint32_t i = blockIdx.x;
    int done = 0;
    while (vx_vote_any(!done)) {
        SL_IF(!done) {
            int got = arg->mode ? try_lrsc(arg->lock)
                                : atomic_exchange_explicit(arg->lock, 1, memory_order_acquire) == 0;
            SL_IF(got) {
                uint32_t k = arg->shared[0];
                arg->shared[0] = k + 1;
                arg->shared[1] = arg->shared[1] + i;
                arg->order[k] = i;
                atomic_exchange_explicit(arg->lock, 0, memory_order_release);
                done = 1;
            } SL_ENDIF;
        } SL_ENDIF;
    }
}

int main(void) {
    const lock_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, task, arg);
}
