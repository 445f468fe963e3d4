/* vecadd(n, a, b, c): c[i] = a[i] + b[i] for i < n, int32 (wrapping).
 *
 * Arguments (sl_arg(), consecutive 32-bit words): n, address of a, address of b, address of c.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const int32_t *a;
    const int32_t *b;
    int32_t *c;
} vecadd_args_t;

int main(void) {
    const vecadd_args_t *arg = sl_arg();
    const int32_t *a = arg->a, *b = arg->b;
    int32_t *c = arg->c;
    for (uint32_t i = 0; i < arg->n; i++)
        c[i] = (int32_t)((uint32_t)a[i] + (uint32_t)b[i]);
    return 0;
}
