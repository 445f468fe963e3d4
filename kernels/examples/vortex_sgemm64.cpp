// vortex_sgemm64: Vortex's sgemm test kernel style, as C++ against Vortex's API only: a kernel_arg_t
// with uint64_t buffer addresses (8-byte aligned, as Vortex's host code writes it), __UNIFORM__,
// a grid of (size, size) tasks, and a class with a constructor run from .init_array.
//
// C[row][col] = sum_k A[row][k] * B[k][col] (int32, wrapping) for size x size matrices, plus
// C[row][col] += bias, where bias comes from a global object initialised by its constructor.
#include <stdint.h>
#include <vx_intrinsics.h>
#include <vx_spawn.h>

typedef struct {
    uint32_t grid_dim[2];
    uint32_t size;
    uint64_t A_addr;
    uint64_t B_addr;
    uint64_t C_addr;
} kernel_arg_t;

namespace {

class Bias {
public:
    Bias() : value_(7 * 6) {}           // a global constructor: runs before main
    int32_t value() const { return value_; }
private:
    int32_t value_;
};

Bias bias;

template <typename T>
T dot(const T* a, const T* b, uint32_t n, uint32_t stride) {
    T sum = 0;
    for (uint32_t k = 0; k < n; ++k)
        sum += a[k] * b[k * stride];
    return sum;
}

}  // namespace

void kernel_body(kernel_arg_t* __UNIFORM__ arg) {
    auto A = reinterpret_cast<const int32_t*>(arg->A_addr);
    auto B = reinterpret_cast<const int32_t*>(arg->B_addr);
    auto C = reinterpret_cast<int32_t*>(arg->C_addr);
    const uint32_t size = arg->size;
    const uint32_t col = blockIdx.x, row = blockIdx.y;
    C[row * size + col] = dot(A + row * size, B + col, size, size) + bias.value();
}

int main() {
    auto arg = reinterpret_cast<kernel_arg_t*>(csr_read(VX_CSR_MSCRATCH));
    return vx_spawn_threads(2, arg->grid_dim, nullptr, (vx_kernel_func_cb)kernel_body, arg);
}
