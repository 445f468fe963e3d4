/* stencil(w, h, in, out): 2-D 5-point integer stencil on a w x h row-major grid (int32, wrapping):
 *   out[y][x] = 4 * in[y][x] - in[y-1][x] - in[y+1][x] - in[y][x-1] - in[y][x+1]  inside,
 *   out[y][x] = in[y][x]                                                          on the border.
 *
 * Arguments: w, h, address of in, address of out.
 * 2-D blocks of BX x BY threads (BX = the largest power of two <= min(threads, 16), BY such that the
 * block fits the core, at most 4), grid (ceil(w / BX), ceil(h / BY)). Nested divergence: "inside the
 * grid" (the tail blocks) around "interior or border".
 * Proves: 2-D launch, nested SL_IF / SL_ELSE, neighbour loads across lanes and rows.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t w, h;
    const int32_t *in;
    int32_t *out;
} stencil_args_t;

static void stencil_body(void *p) {
    const stencil_args_t *arg = p;
    const uint32_t x = blockIdx.x * blockDim.x + threadIdx.x;
    const uint32_t y = blockIdx.y * blockDim.y + threadIdx.y;
    const uint32_t w = arg->w, h = arg->h;
    SL_IF((x < w) & (y < h)) {
        const uint32_t i = y * w + x;
        const uint32_t *in = (const uint32_t *)arg->in;
        uint32_t r;
        SL_IF((x - 1 < w - 2) & (y - 1 < h - 2)) {    /* 1 <= x <= w-2 and 1 <= y <= h-2 */
            r = 4 * in[i] - in[i - w] - in[i + w] - in[i - 1] - in[i + 1];
        } SL_ELSE {
            r = in[i];
        } SL_ENDIF;
        arg->out[i] = (int32_t)r;
    } SL_ENDIF;
}

int main(void) {
    const stencil_args_t *arg = sl_arg();
    const uint32_t threads = (uint32_t)vx_num_threads(), warps = (uint32_t)vx_num_warps();
    uint32_t bx = 1;
    while (bx * 2 <= threads && bx * 2 <= 16)
        bx *= 2;
    uint32_t by = 1;
    while (by * 2 <= 4 && bx * by * 2 <= warps * threads)
        by *= 2;
    uint32_t block[2] = { bx, by };
    uint32_t grid[2] = { (arg->w + bx - 1) / bx, (arg->h + by - 1) / by };
    return vx_spawn_threads(2, grid, block, stencil_body, arg);
}
