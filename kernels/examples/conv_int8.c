/* conv_int8: the tile's convolution layer computed by the SIMT core alone, bit for bit the same
 * arithmetic (docs/tile.md "Arithmetic"): int8 NCHW input x int8 KCRS weights, zero padding, stride;
 * CACC truncation (round half away from zero by clip bits, saturate to int32), SDP X1 per-channel bias,
 * optional ReLU, output converter y = sat8(round((x * scale) >> shift)).
 *
 * Arguments: C, H, W, K, R, S, stride, pad, clip, relu, scale, shift, x, w, bias (int32[K]), out
 * (int8, K x Ho x Wo). One task per output element; the c/r/s loops have the same trip count in every
 * lane and padding is a multiply by 0/1, so no lane ever branches on its own.
 * Reference: catalog.conv_int8_reference (simtlab.drivers.tile_ref).
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t c, h, w, k, r, s, stride, pad, clip, relu;
    int32_t scale;
    uint32_t shift;
    const int8_t *x;
    const int8_t *wt;
    const int32_t *bias;
    int8_t *out;
    uint32_t outputs;   /* K * Ho * Wo */
    uint32_t ho, wo;
} conv_args_t;

/* Every helper below is branch-free on values: choices go through sl_select (a mask the compiler
 * cannot turn back into a branch), and no 64-bit value is compared (on RV32 that is a branch on the
 * high words). A branch on a lane's own value would be decided by the last active lane. */

/* x / 2**shift rounded to nearest, halves away from zero (shift is the same in every lane). */
static inline int64_t round_shift(int64_t x, uint32_t shift) {
    int64_t sign = x >> 63;                       /* 0 or -1 */
    int64_t mag = (x ^ sign) - sign;
    int64_t half = shift ? ((int64_t)1 << (shift - 1)) : 0;
    mag = (mag + half) >> shift;
    return (mag ^ sign) - sign;
}

/* a + b saturated to int32. */
static inline int32_t add_sat32(int32_t a, int32_t b) {
    uint32_t sum = (uint32_t)a + (uint32_t)b;
    uint32_t overflow = (((uint32_t)a ^ sum) & ((uint32_t)b ^ sum)) >> 31;
    uint32_t limit = ((uint32_t)a >> 31) + 0x7FFFFFFFu;   /* INT32_MAX, or INT32_MIN if a < 0 */
    return (int32_t)sl_select(overflow, limit, sum);
}

/* x saturated to int8. */
static inline int32_t sat8(int64_t x) {
    uint64_t biased = (uint64_t)x + 128u;
    uint32_t out = (uint32_t)(biased >> 32) | ((uint32_t)biased >> 8);     /* non-zero: out of range */
    uint32_t limit = 127u ^ (uint32_t)(x >> 63);              /* 127, or -128 if x < 0 */
    return (int32_t)sl_select(out, limit, (uint32_t)x);
}

static void conv_body(void *p) {
    const conv_args_t *a = p;
    uint32_t index = blockIdx.x;
    uint32_t ox = index % a->wo, oy = (index / a->wo) % a->ho, k = index / (a->wo * a->ho);
    int32_t acc = 0;
    for (uint32_t c = 0; c < a->c; c++) {
        for (uint32_t r = 0; r < a->r; r++) {
            int32_t iy = (int32_t)(oy * a->stride + r) - (int32_t)a->pad;
            uint32_t row_ok = (uint32_t)iy < a->h;
            int32_t cy = (int32_t)sl_select(row_ok, (uint32_t)iy, 0);
            for (uint32_t s = 0; s < a->s; s++) {
                int32_t ix = (int32_t)(ox * a->stride + s) - (int32_t)a->pad;
                uint32_t ok = row_ok & ((uint32_t)ix < a->w);
                int32_t cx = (int32_t)sl_select((uint32_t)ix < a->w, (uint32_t)ix, 0);
                int32_t value = a->x[(c * a->h + cy) * a->w + cx] * (int32_t)ok;
                acc += value * a->wt[((k * a->c + c) * a->r + r) * a->s + s];
            }
        }
    }
    /* CACC: an int32 sum shifted by clip bits always fits int32 (its saturation cannot trigger). */
    int32_t v = (int32_t)round_shift(acc, a->clip);
    v = add_sat32(v, a->bias[k]);                                             /* SDP bias */
    v = (int32_t)sl_select((a->relu == 0) | (v > 0), (uint32_t)v, 0);        /* ReLU */
    a->out[index] = (int8_t)sat8(round_shift((int64_t)v * a->scale, a->shift));   /* converter */
}

int main(void) {
    const conv_args_t *a = sl_arg();
    return vx_spawn_threads(1, &a->outputs, NULL, conv_body, (void *)a);
}
