// vortex2_sgemm: a tiled sgemm in the style of newer Vortex's kernels (vx_spawn2.h): a __kernel entry,
// a 2-D grid of tile_size x tile_size blocks, both operand tiles staged in the block's local memory
// (__local_mem()) between __syncthreads() barriers.
//
// C = A B for size x size float32 matrices (size a multiple of tile_size); each product term is one
// fused multiply-add, k in increasing order: C[r][c] = fma(A[r][k], B[k][c], ...) from 0.
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn2.h>

typedef struct {
    uint32_t grid_dim[2];
    uint32_t block_dim[2];
    uint32_t size;
    uint32_t tile_size;
    uint64_t A_addr;
    uint64_t B_addr;
    uint64_t C_addr;
} kernel_arg_t;

__kernel void kernel_main(kernel_arg_t* __UNIFORM__ arg) {
    auto A = reinterpret_cast<const float*>(arg->A_addr);
    auto B = reinterpret_cast<const float*>(arg->B_addr);
    auto C = reinterpret_cast<float*>(arg->C_addr);
    const uint32_t size = arg->size, tile = arg->tile_size;
    auto local_a = reinterpret_cast<float*>(__local_mem());
    auto local_b = local_a + tile * tile;

    const uint32_t tx = threadIdx.x, ty = threadIdx.y;
    const uint32_t col = blockIdx.x * tile + tx, row = blockIdx.y * tile + ty;
    float sum = 0.0f;
    for (uint32_t k0 = 0; k0 < size; k0 += tile) {
        local_a[ty * tile + tx] = A[row * size + k0 + tx];
        local_b[ty * tile + tx] = B[(k0 + ty) * size + col];
        __syncthreads();
        for (uint32_t k = 0; k < tile; ++k)
            sum = __builtin_fmaf(local_a[ty * tile + k], local_b[k * tile + tx], sum);
        __syncthreads();
    }
    C[row * size + col] = sum;
}

int main() {
    auto arg = reinterpret_cast<kernel_arg_t*>(csr_read(VX_CSR_MSCRATCH));
    return vx_spawn_threads(2, arg->grid_dim, arg->block_dim, (vx_kernel_func_cb)kernel_main, arg);
}
