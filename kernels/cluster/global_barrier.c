/* global_barrier(rounds, a, b, ids): Vortex's global barrier across the cores of the cluster.
 *
 * One task per hardware thread of the device (task mode: task g runs on hart g, H = cores x warps x
 * threads of them). In round r every thread writes a[r*H + g], crosses the global barrier
 * (vx_barrier with bit 31 of the id, count = the number of cores), then copies what its mirror
 * thread H-1-g -- on another core whenever there are several -- wrote in the same round into
 * b[r*H + g]. Without the barrier some mirrors' values would not be written yet (b would hold 0).
 * ids[g] = core id << 16 | warp id << 8 | lane, ids[H + g] = mhartid, read from the CSRs.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t rounds;
    uint32_t *a;
    uint32_t *b;
    uint32_t *ids;
} args_t;

static void body(void *p) {
    const args_t *arg = p;
    const uint32_t H = (uint32_t)(vx_num_cores() * vx_num_warps() * vx_num_threads());
    const uint32_t g = blockIdx.x;
    arg->ids[g] = (uint32_t)vx_core_id() << 16 | (uint32_t)vx_warp_id() << 8 | (uint32_t)vx_thread_id();
    arg->ids[H + g] = (uint32_t)csr_read(VX_CSR_MHARTID);
    for (uint32_t r = 0; r < arg->rounds; r++) {
        arg->a[r * H + g] = (r + 1) * 0x10001u ^ g;
        vx_barrier((int)(0x80000000u | 1u), vx_num_cores());
        arg->b[r * H + g] = arg->a[r * H + (H - 1 - g)];
    }
}

int main(void) {
    const args_t *arg = sl_arg();
    uint32_t harts = (uint32_t)(vx_num_cores() * vx_num_warps() * vx_num_threads());
    return vx_spawn_threads(1, &harts, NULL, body, arg);
}
