/* printf_warps(n, reps): every task (one per lane of every warp at once) prints `reps` lines with
 * vx_printf, of several conversions, long enough that unserialised output of two warps would mix:
 *   "task <i> warp <w> lane <l> rep <r>: <i*i in hex, 8 digits> <i as a signed 6-wide number> end\n"
 * Odd tasks also print a second kind of line from a divergent branch:
 *   "odd task <i> says hello\n"
 * The host checks that every line is whole and that the multiset of lines is exactly the expected. */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_print.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t n;
    uint32_t reps;
} kernel_arg_t;

static void task(void *p) {
    const kernel_arg_t *arg = p;
    uint32_t i = blockIdx.x;
    for (uint32_t r = 0; r < arg->reps; r++)
        vx_printf("task %u warp %d lane %d rep %u: %08x %6d end\n", i, vx_warp_id(), vx_thread_id(),
                  r, i * i, -(int)i);
    if (i & 1)
        vx_printf("odd task %u says hello\n", i);
}

int main(void) {
    const kernel_arg_t *arg = (const kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, &arg->n, NULL, task, arg);
}
