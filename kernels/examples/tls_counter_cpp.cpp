// tls_counter_cpp(n, rounds, out): the C++ spelling of tls_counter.c (thread_local, a struct with a
// default member initialiser in .tdata, a zero-initialised array in .tbss). Task i, on hardware thread
// i mod (warps x threads):
//   state.count (starts at 1000) += rounds + i % 5, one step at a time; state.tag (0x5A) read only
//   hits[i % 4] += 1  (.tbss)
//   owner.hart: 0x100 + the hart id, set by a constructor on the thread's first use of it
// out[4 i .. 4 i + 3] = state.count after task i, hits[i % 4], state.tag + (owner.hart << 8),
// &state.count.
#include <stdint.h>
#include <vx_spawn.h>

struct Tls {
    uint32_t count = 1000;
    uint32_t tag = 0x5A;
};

typedef struct {
    uint32_t n;
    uint32_t rounds;
    uint32_t *out;
} tls_args_t;

static thread_local Tls state;
static thread_local uint32_t hits[4];

// Dynamic initialisation (run lazily, once per hardware thread, on its first use) and a destructor
// (registered with __cxa_thread_atexit, never run).
static uint32_t first_hart() { return 0x100 + static_cast<uint32_t>(vx_hart_id()); }
struct Owner {
    uint32_t hart;
    Owner() : hart(first_hart()) {}
    ~Owner() { hart = 0; }
};
static thread_local Owner owner;

static void task(void *p) {
    const tls_args_t *arg = static_cast<const tls_args_t *>(p);
    uint32_t i = blockIdx.x;
    uint32_t k = arg->rounds + i % 5;
    for (uint32_t j = 0; j < k; j++)
        state.count = state.count + 1;
    uint32_t h = ++hits[i % 4];
    uint32_t *o = arg->out + 4 * i;
    o[0] = state.count;
    o[1] = h;
    o[2] = state.tag + (owner.hart << 8);
    o[3] = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(&state.count));
}

int main() {
    const tls_args_t *arg = reinterpret_cast<const tls_args_t *>(csr_read(VX_CSR_MSCRATCH));
    return vx_spawn_threads(1, &arg->n, nullptr, task, arg);
}
