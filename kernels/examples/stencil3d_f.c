/* stencil3d_f: Vortex-style 7-point 3-D averaging stencil on float32 (vx_intrinsics.h, vx_spawn.h,
 * kernel_arg_t from mscratch).
 *
 * Arguments (kernel_arg_t): nx, ny, nz, src_addr, dst_addr (nz x ny x nx float32, x fastest).
 * One task per point on an (nx, ny, nz) grid:
 *   dst[z][y][x] = ((((((c + x-) + x+) + y-) + y+) + z-) + z+) * (1.0f / 7.0f)
 * added in that order (no contraction), with neighbours outside the grid clamped to the border point.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>
#include "sl_float.h"

typedef struct {
    uint32_t nx;
    uint32_t ny;
    uint32_t nz;
    uint32_t src_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const float *src = (const float *)arg->src_addr;
    float *dst = (float *)arg->dst_addr;
    const uint32_t nx = arg->nx, ny = arg->ny, nz = arg->nz;
    const uint32_t x = blockIdx.x, y = blockIdx.y, z = blockIdx.z;
    const uint32_t xm = x > 0 ? x - 1 : x, xp = x + 1 < nx ? x + 1 : x;
    const uint32_t ym = y > 0 ? y - 1 : y, yp = y + 1 < ny ? y + 1 : y;
    const uint32_t zm = z > 0 ? z - 1 : z, zp = z + 1 < nz ? z + 1 : z;
#define AT(zz, yy, xx) (src[((zz) * ny + (yy)) * nx + (xx)])
    float sum = AT(z, y, x);
    sum += AT(z, y, xm);
    sum += AT(z, y, xp);
    sum += AT(z, ym, x);
    sum += AT(z, yp, x);
    sum += AT(zm, y, x);
    sum += AT(zp, y, x);
    dst[(z * ny + y) * nx + x] = sum * (1.0f / 7.0f);
#undef AT
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    uint32_t grid[3] = {arg->nx, arg->ny, arg->nz};
    return vx_spawn_threads(3, grid, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
