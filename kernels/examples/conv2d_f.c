/* conv2d_f(channels, h, w, in, weights, bias, out): 3x3 convolution (cross-correlation, as in deep
 * learning) of a channels x h x w float32 image with zero padding ("same" size), one output channel:
 *   out[y][x] = bias + sum over c, ky, kx of weights[c][ky][kx] * in[c][y + ky - 1][x + kx - 1]
 * where pixels outside the image are +0.0.
 *
 * Arguments: channels, h, w, address of in, address of weights (channels * 9 floats), bias (float),
 * address of out (h x w).
 * Task mode on a 2-D grid (w, h): one task per output pixel, consecutive x on consecutive lanes (a warp
 * may span two rows, so y differs between lanes too). The border needs no divergence: each lane loads
 * from a clamped address and masks the value to +0.0 with integer bit operations when the tap lies
 * outside the image. Weights are the same word on every lane (broadcast loads).
 * Order (checked bit-exactly): acc = bias; for c, for ky = 0..2, for kx = 0..2:
 *   acc = fma(weights[c][ky][kx], pixel, acc)       (a padded pixel is +0.0 and still goes through fma)
 */
#include <stdint.h>
#include "simtlab.h"
#include "sl_float.h"

typedef struct {
    uint32_t channels, h, w;
    const float *in;
    const float *weights;
    float bias;
    float *out;
} conv_args_t;

static void conv2d_body(void *p) {
    const conv_args_t *arg = p;
    const uint32_t x = blockIdx.x, y = blockIdx.y;
    const uint32_t h = arg->h, w = arg->w;
    /* neighbour rows/columns, clamped into the image, and whether they are inside */
    uint32_t row[3], colx[3], yin[3], xin[3], mask[3][3];
    for (int d = 0; d < 3; d++) {
        const uint32_t yy = y + (uint32_t)d - 1u, xx = x + (uint32_t)d - 1u;   /* -1 wraps: outside */
        yin[d] = yy < h;
        xin[d] = xx < w;
        row[d] = sl_select(yin[d], yy, y) * w;
        colx[d] = sl_select(xin[d], xx, x);
    }
    /* all ones for a tap inside the image; sl_select keeps the compiler from turning the masking
     * below back into a (lane-dependent, hence wrong) branch */
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++)
            mask[ky][kx] = sl_select(yin[ky] & xin[kx], 0xFFFFFFFFu, 0u);
    float acc = arg->bias;
    const float *plane = arg->in;
    const float *wt = arg->weights;
    for (uint32_t c = 0; c < arg->channels; c++) {         /* uniform */
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                const uint32_t bits = sl_f2u(plane[row[ky] + colx[kx]]) & mask[ky][kx];
                acc = sl_fmaf(wt[ky * 3 + kx], sl_u2f(bits), acc);
            }
        }
        plane += h * w;
        wt += 9;
    }
    arg->out[y * w + x] = acc;
}

int main(void) {
    const conv_args_t *arg = sl_arg();
    uint32_t grid[2] = { arg->w, arg->h };
    return vx_spawn_threads(2, grid, NULL, conv2d_body, arg);
}
