// vortex2_vecadd: a vector add in the style of newer Vortex's kernels (vx_spawn2.h): a __kernel entry
// kernel_main, a kernel_arg_t with uint64_t addresses and the launch geometry, main() launching it with
// vx_spawn_threads in block mode, CUDA-style indices.
//
// dst[i] = src0[i] + src1[i] (int32, wrapping) for i < num_points; the grid may have a partial block.
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn2.h>

typedef struct {
    uint32_t grid_dim[1];
    uint32_t block_dim[1];
    uint32_t num_points;
    uint64_t src0_addr;
    uint64_t src1_addr;
    uint64_t dst_addr;
} kernel_arg_t;

__kernel void kernel_main(kernel_arg_t* __UNIFORM__ arg) {
    auto src0 = reinterpret_cast<const int32_t*>(arg->src0_addr);
    auto src1 = reinterpret_cast<const int32_t*>(arg->src1_addr);
    auto dst = reinterpret_cast<int32_t*>(arg->dst_addr);
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < arg->num_points)
        dst[i] = static_cast<int32_t>(static_cast<uint32_t>(src0[i]) + static_cast<uint32_t>(src1[i]));
}

int main() {
    auto arg = reinterpret_cast<kernel_arg_t*>(csr_read(VX_CSR_MSCRATCH));
    return vx_spawn_threads(1, arg->grid_dim, arg->block_dim, (vx_kernel_func_cb)kernel_main, arg);
}
