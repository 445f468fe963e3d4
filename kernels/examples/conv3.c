/* conv3: Vortex-style 3x3 convolution of an int32 image, zero outside the borders
 * (vx_intrinsics.h, vx_spawn.h, kernel_arg_t from mscratch).
 *
 * Arguments (kernel_arg_t): width, height, I_addr (height x width int32), W_addr (3 x 3 int32),
 * O_addr (height x width int32). One task per output pixel on a (width, height) grid:
 *   O[y][x] = sum over ky, kx in 0..2 of W[ky][kx] * I[y + ky - 1][x + kx - 1]   (wrapping int32)
 * where taps outside the image are skipped (lanes on a border take the other side of the branch).
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t I_addr;
    uint32_t W_addr;
    uint32_t O_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const int32_t *I = (const int32_t *)arg->I_addr;
    const int32_t *W = (const int32_t *)arg->W_addr;
    int32_t *O = (int32_t *)arg->O_addr;
    const int32_t w = (int32_t)arg->width, h = (int32_t)arg->height;
    const int32_t x = (int32_t)blockIdx.x, y = (int32_t)blockIdx.y;
    uint32_t acc = 0;
    for (int32_t ky = 0; ky < 3; ky++) {
        int32_t yy = y + ky - 1;
        if (yy < 0 || yy >= h)
            continue;
        for (int32_t kx = 0; kx < 3; kx++) {
            int32_t xx = x + kx - 1;
            if (xx >= 0 && xx < w)
                acc += (uint32_t)W[ky * 3 + kx] * (uint32_t)I[yy * w + xx];
        }
    }
    O[y * w + x] = (int32_t)acc;
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    uint32_t grid[2] = {arg->width, arg->height};
    return vx_spawn_threads(2, grid, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
