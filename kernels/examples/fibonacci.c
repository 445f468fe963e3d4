/* fibonacci(n, out): out[i] = F(i) mod 2^32 for i < n (F(0) = 0, F(1) = 1), uint32.
 *
 * Arguments: n, address of out. Terms are computed iteratively; for i < 16 each one is also computed
 * recursively (calls, stack) and a mismatch ends the run with exit code 0x100 + i.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    uint32_t *out;
} fibonacci_args_t;

static __attribute__((noinline)) uint32_t fib_recursive(uint32_t i) {
    return i < 2 ? i : fib_recursive(i - 1) + fib_recursive(i - 2);
}

int main(void) {
    const fibonacci_args_t *arg = sl_arg();
    uint32_t a = 0, b = 1;          /* F(i), F(i + 1) */
    for (uint32_t i = 0; i < arg->n; i++) {
        if (i < 16 && fib_recursive(i) != a)
            return 0x100 + (int)i;
        arg->out[i] = a;
        uint32_t next = a + b;
        a = b;
        b = next;
    }
    return 0;
}
