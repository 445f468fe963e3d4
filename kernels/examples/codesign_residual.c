/* codesign_residual: a kernel drives the tile, then the warps post-process its output.
 *
 * Lane 0 of warp 0 (main) programs a convolution layer into the tile through MMIO: it replays a
 * list of register writes (offset, value) that the host's layer driver prepared (simtlab.drivers.tile
 * packs the tensors and computes the values; the kernel issues them, as a GPU driver's command buffer
 * would), then polls GLB's INTR_STATUS until the layer's interrupt bits are set and clears them.
 * Then every thread of the grid adds one element of a residual to the tile's int8 output, saturating
 * to int8: out[i] = sat8(conv[i] + residual[i]) over the output cube in its memory layout.
 *
 * Arguments: n_writes, writes (uint32 pairs), irq_bits, n (bytes of the output cube), conv (the
 * tile's output buffer), residual, out; cycles (uint32[2], written: cycles of the tile phase and of
 * the residual phase).
 */
#include <stdint.h>
#include "simtlab.h"
#include "nvdla_regs.h"

typedef struct {
    uint32_t n_writes;
    const uint32_t *writes;
    uint32_t irq_bits;
    uint32_t n;
    const int8_t *conv;
    const int8_t *residual;
    int8_t *out;
    uint32_t *cycles;
} codesign_args_t;

static void residual_body(void *p) {
    const codesign_args_t *a = p;
    uint32_t i = blockIdx.x;
    int32_t v = (int32_t)a->conv[i] + (int32_t)a->residual[i];
    v = (int32_t)sl_select(v > 127, 127, (uint32_t)v);
    v = (int32_t)sl_select(v < -128, (uint32_t)-128, (uint32_t)v);
    a->out[i] = (int8_t)v;
}

int main(void) {
    const codesign_args_t *a = sl_arg();
    uint32_t t0 = sl_cycles();
    for (uint32_t k = 0; k < a->n_writes; k++)
        nvdla_write(a->writes[2 * k], a->writes[2 * k + 1]);
    while ((nvdla_read(NVDLA_GLB_INTR_STATUS_0) & a->irq_bits) != a->irq_bits) {
    }
    nvdla_write(NVDLA_GLB_INTR_STATUS_0, a->irq_bits);      /* write 1 to clear */
    uint32_t t1 = sl_cycles();
    int rc = vx_spawn_threads(1, &a->n, NULL, residual_body, (void *)a);
    a->cycles[0] = t1 - t0;
    a->cycles[1] = sl_cycles() - t1;
    return rc;
}
