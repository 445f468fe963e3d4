/* mstress: Vortex-style memory stress -- dependent pointer-chasing loads and scattered stores with a
 * checked result (vx_intrinsics.h, vx_spawn.h, kernel_arg_t from mscratch).
 *
 * Arguments (kernel_arg_t): num_points, table_size, next_addr (uint32[table_size], each < table_size),
 * val_addr (uint32[table_size]), start_addr (uint32[num_points]), perm_addr (uint32[num_points], a
 * permutation), dst_addr (uint32[num_points]). Task i walks j = start[i] for 1 + (start[i] & 15) hops
 * (per-lane trip counts), acc = acc * 31 + val[j] then j = next[j] (every load depends on the last),
 * starting from acc = i, and stores acc ^ j at dst[perm[i]] (a scattered store: lanes of a warp write
 * unrelated words). The host checks every word.
 */
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t num_points;
    uint32_t table_size;
    uint32_t next_addr;
    uint32_t val_addr;
    uint32_t start_addr;
    uint32_t perm_addr;
    uint32_t dst_addr;
} kernel_arg_t;

void kernel_body(kernel_arg_t *__UNIFORM__ arg) {
    const uint32_t *next = (const uint32_t *)arg->next_addr;
    const uint32_t *val = (const uint32_t *)arg->val_addr;
    const uint32_t *start = (const uint32_t *)arg->start_addr;
    const uint32_t *perm = (const uint32_t *)arg->perm_addr;
    uint32_t *dst = (uint32_t *)arg->dst_addr;
    const uint32_t i = blockIdx.x;
    uint32_t j = start[i], acc = i;
    const uint32_t hops = 1 + (j & 15u);
    for (uint32_t h = 0; h < hops; h++) {
        acc = acc * 31u + val[j];
        j = next[j];
    }
    dst[perm[i]] = acc ^ j;
}

int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, &arg->num_points, NULL, (vx_kernel_func_cb)kernel_body, arg);
}
