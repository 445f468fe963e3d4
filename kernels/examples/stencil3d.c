/* stencil3d: Vortex-style 7-point 3-D stencil on int32 (vx_intrinsics.h, vx_spawn.h, kernel_arg_t).
 *
 * Arguments (kernel_arg_t): nx, ny, nz, src_addr, dst_addr (nz x ny x nx int32, x fastest).
 * One task per point on an (nx, ny, nz) grid:
 *   dst[z][y][x] = 6 * c - (x- + x+ + y- + y+ + z- + z+)   (wrapping int32)
 * where c = src[z][y][x] and a neighbour outside the grid is clamped to the border point (so a
 * border lane takes the other side of each `?:`).
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t nx;
    uint32_t ny;
    uint32_t nz;
    uint32_t src_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const int32_t *src = (const int32_t *)arg->src_addr;
    int32_t *dst = (int32_t *)arg->dst_addr;
    const uint32_t nx = arg->nx, ny = arg->ny, nz = arg->nz;
    const uint32_t x = blockIdx.x, y = blockIdx.y, z = blockIdx.z;
    const uint32_t xm = x > 0 ? x - 1 : x, xp = x + 1 < nx ? x + 1 : x;
    const uint32_t ym = y > 0 ? y - 1 : y, yp = y + 1 < ny ? y + 1 : y;
    const uint32_t zm = z > 0 ? z - 1 : z, zp = z + 1 < nz ? z + 1 : z;
#define AT(zz, yy, xx) ((uint32_t)src[((zz) * ny + (yy)) * nx + (xx)])
    uint32_t sum = AT(z, y, xm) + AT(z, y, xp) + AT(z, ym, x) + AT(z, yp, x) + AT(zm, y, x)
                   + AT(zp, y, x);
    dst[(z * ny + y) * nx + x] = (int32_t)(6u * AT(z, y, x) - sum);
#undef AT
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    uint32_t grid[3] = {arg->nx, arg->ny, arg->nz};
    return vx_spawn_threads(3, grid, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
