/* reduce(n, in, out): integer reductions of in[0..n) (int32).
 *
 * Arguments: n, address of in, address of out. Writes out[0] = sum (wrapping), out[1] = minimum,
 * out[2] = maximum, out[3] = number of negative elements. For n == 0: 0, INT32_MAX, INT32_MIN, 0.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const int32_t *in;
    int32_t *out;
} reduce_args_t;

int main(void) {
    const reduce_args_t *arg = sl_arg();
    uint32_t sum = 0, negatives = 0;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (uint32_t i = 0; i < arg->n; i++) {
        int32_t v = arg->in[i];
        sum += (uint32_t)v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        negatives += v < 0;
    }
    arg->out[0] = (int32_t)sum;
    arg->out[1] = lo;
    arg->out[2] = hi;
    arg->out[3] = (int32_t)negatives;
    return 0;
}
