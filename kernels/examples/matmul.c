/* matmul(m, n, k, a, b, c): C = A x B for int32 matrices (wrapping), row-major.
 *
 * Arguments: m, n, k, address of a (m x k), address of b (k x n), address of c (m x n).
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t m, n, k;
    const int32_t *a;
    const int32_t *b;
    int32_t *c;
} matmul_args_t;

int main(void) {
    const matmul_args_t *arg = sl_arg();
    const uint32_t m = arg->m, n = arg->n, k = arg->k;
    const int32_t *a = arg->a, *b = arg->b;
    int32_t *c = arg->c;
    for (uint32_t i = 0; i < m; i++) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t sum = 0;
            for (uint32_t p = 0; p < k; p++)
                sum += (uint32_t)(a[i * k + p] * b[p * n + j]);
            c[i * n + j] = (int32_t)sum;
        }
    }
    return 0;
}
