/* memcpy(nbytes, src, dst): copy nbytes bytes from src to dst (any alignment, any length).
 *
 * Arguments: nbytes, address of src, address of dst. Uses word copies when both pointers are word
 * aligned, so it exercises both lw/sw and lbu/sb.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t nbytes;
    const uint8_t *src;
    uint8_t *dst;
} memcpy_args_t;

int main(void) {
    const memcpy_args_t *arg = sl_arg();
    const uint8_t *s = arg->src;
    uint8_t *d = arg->dst;
    uint32_t n = arg->nbytes;
    if ((((uintptr_t)s | (uintptr_t)d) & 3) == 0) {
        for (; n >= 4; n -= 4, s += 4, d += 4)
            *(uint32_t *)d = *(const uint32_t *)s;
    }
    for (; n; n--)
        *d++ = *s++;
    return 0;
}
