/* conv3_f: Vortex-style 3x3 convolution of a float32 image, zero outside the borders
 * (vx_intrinsics.h, vx_spawn.h, kernel_arg_t from mscratch).
 *
 * Arguments (kernel_arg_t): width, height, I_addr (height x width float32), W_addr (3 x 3 float32),
 * O_addr (height x width float32). One task per output pixel on a (width, height) grid:
 * acc = +0, then acc = fma(W[ky][kx], I[y + ky - 1][x + kx - 1], acc) for ky = 0..2, kx = 0..2 in
 * that order, taps outside the image skipped (border lanes branch differently); O[y][x] = acc.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>
#include "sl_float.h"

typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t I_addr;
    uint32_t W_addr;
    uint32_t O_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const float *I = (const float *)arg->I_addr;
    const float *W = (const float *)arg->W_addr;
    float *O = (float *)arg->O_addr;
    const int32_t w = (int32_t)arg->width, h = (int32_t)arg->height;
    const int32_t x = (int32_t)blockIdx.x, y = (int32_t)blockIdx.y;
    float acc = 0.0f;
    for (int32_t ky = 0; ky < 3; ky++) {
        int32_t yy = y + ky - 1;
        if (yy < 0 || yy >= h)
            continue;
        for (int32_t kx = 0; kx < 3; kx++) {
            int32_t xx = x + kx - 1;
            if (xx >= 0 && xx < w)
                acc = sl_fmaf(W[ky * 3 + kx], I[yy * w + xx], acc);
        }
    }
    O[y * w + x] = acc;
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    uint32_t grid[2] = {arg->width, arg->height};
    return vx_spawn_threads(2, grid, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
