/* spin(iterations, seed, out): a long-running integer benchmark (about 10 instructions per iteration).
 *
 * Arguments: iterations, seed, address of out. Runs an xorshift32 generator mixed into a
 * multiply-accumulate `iterations` times and writes out[0] = final xorshift state,
 * out[1] = accumulator, out[2] = iterations done. kernels.catalog.spin_reference computes the same
 * in Python. 1 M iterations take about 10 M cycles or more on the first core.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t iterations;
    uint32_t seed;
    uint32_t *out;
} spin_args_t;

int main(void) {
    const spin_args_t *arg = sl_arg();
    uint32_t x = arg->seed ? arg->seed : 1u;
    uint32_t acc = 0;
    uint32_t i;
    for (i = 0; i < arg->iterations; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        acc = acc * 33u + (x ^ i);
    }
    arg->out[0] = x;
    arg->out[1] = acc;
    arg->out[2] = i;
    return 0;
}
