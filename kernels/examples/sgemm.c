/* sgemm(n, A, B, C): C = A x B for n x n int32 matrices (wrapping), in the shape of Vortex's sgemm
 * test: one task per element of C on a 2-D grid (task mode, no blocks), each a plain k loop.
 *
 * Arguments (kernel_arg_t, read from CSR mscratch): size, address of A, address of B, address of C.
 * Written only against vx_intrinsics.h / vx_spawn.h. Lanes of a warp take consecutive columns, so
 * their loads of B fall in one memory block and their load of A is the same word.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t size;
    const int32_t *a;
    const int32_t *b;
    int32_t *c;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const uint32_t size = arg->size;
    const uint32_t col = blockIdx.x, row = blockIdx.y;
    const int32_t *a = arg->a + row * size;
    const int32_t *b = arg->b + col;
    uint32_t sum = 0;
    for (uint32_t e = 0; e < size; ++e)
        sum += (uint32_t)a[e] * (uint32_t)b[e * size];
    arg->c[row * size + col] = (int32_t)sum;
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    uint32_t grid[2] = { arg->size, arg->size };
    return vx_spawn_threads(2, grid, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
