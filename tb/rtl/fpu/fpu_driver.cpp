// C++ driver of the Verilated simtlab FPU (top module `simtlab_fpu`, rtl/fpu/fpu.py `Fpu`), loaded
// by tb/rtl/fpu/test_fpu.py with ctypes. All per-cycle looping happens here.
//
// One cycle: drive the inputs and lower clk, eval (the falling edge), sample the outputs, then raise
// clk and eval (the rising edge): two evals per cycle. The falling edge must be evaluated together
// with the new inputs: Fpu(clock_gating=True) samples `advance` and `start` there.
//
// fpu_run streams n operations through the unit in order, each by its latency class:
//   0 execute:   one cycle; `result`/`flags` sampled in that cycle.
//   1 pipelined: one cycle with `advance` high; the result is sampled on `p_result`/`p_flags` in the
//                next cycle (while the next operation is already being driven), so consecutive
//                pipelined operations issue back to back, one per cycle.
//   2 iterative: `start` for one cycle, wait for `done`, sample `result`/`flags`, pulse `ack` in
//                that cycle; the start-to-done cycle count goes to latency[i].
// With `overlap` set, the pipelined operations that follow a DIV/SQRT issue while it runs (the FPU
// allows it; the core, which holds the DIV/SQRT in execute, never does it); latency[i] then counts
// until `done` is seen in a cycle that shows the DIV/SQRT.
// After a pipelined result is sampled, every later cycle without `advance` checks that
// `p_result`/`p_flags` stay unchanged; violations are counted in *unstable.
// Returns the number of cycles simulated, or a negative code: -1 bad handle or argument, -2 an
// iterative operation never finished (index in *unstable).

#include <cstdint>
#include <vector>

#include "Vsimtlab_fpu.h"
#include "verilated.h"

namespace {

constexpr int kExecute = 0;
constexpr int kPipelined = 1;
constexpr int kIterative = 2;
constexpr int kIterativeLimit = 1000;
constexpr uint32_t kMagic = 0x46505531u;   // "FPU1"

struct Unit {
    uint32_t magic = kMagic;
    VerilatedContext context;
    Vsimtlab_fpu* top = nullptr;
    uint64_t cycles = 0;
};

void edge(Unit* u) {
    u->top->clk = 1;
    u->top->eval();
    u->top->clk = 0;
    ++u->cycles;
}

Unit* unit(void* handle) {
    Unit* u = static_cast<Unit*>(handle);
    return (u && u->magic == kMagic) ? u : nullptr;
}

}  // namespace

extern "C" {

void* fpu_create() {
    Unit* u = new Unit;
    u->top = new Vsimtlab_fpu{&u->context};
    u->top->clk = 0;
    u->top->rst = 1;
    u->top->eval();
    for (int i = 0; i < 2; ++i) edge(u);
    // Leave the falling edge (and the end of reset) to the first eval of fpu_run, which also drives
    // that cycle's inputs: the clock-gated FPU samples `advance` and `start` at the falling edge.
    u->top->rst = 0;
    return u;
}

void fpu_free(void* handle) {
    Unit* u = unit(handle);
    if (!u) return;
    u->top->final();
    delete u->top;
    u->magic = 0;
    delete u;
}

int64_t fpu_run(void* handle, int64_t n, const uint8_t* op, const uint8_t* rm, const uint32_t* a,
                const uint32_t* b, const uint32_t* c, const uint8_t* klass, uint32_t* result,
                uint8_t* flags, uint16_t* latency, int64_t* unstable, int overlap) {
    Unit* u = unit(handle);
    if (!u || n < 0 || !op || !rm || !a || !b || !c || !klass || !result || !flags || !latency ||
        !unstable)
        return -1;
    Vsimtlab_fpu* t = u->top;
    const uint64_t first = u->cycles;
    int64_t pending = -1;       // pipelined op captured at the last edge
    bool held = false;          // a pipelined result is on p_result and must stay there
    uint32_t held_result = 0;
    uint8_t held_flags = 0;
    std::vector<bool> issued(static_cast<size_t>(n), false);
    *unstable = 0;

    auto drive = [&](int64_t i, bool advance, bool start) {
        t->op = op[i];
        t->rm = rm[i];
        t->a = a[i];
        t->b = b[i];
        t->c = c[i];
        t->advance = advance;
        t->start = start;
        t->ack = 0;
    };
    auto sample_pipeline = [&]() {
        if (pending >= 0) {
            result[pending] = t->p_result;
            flags[pending] = t->p_flags;
            held_result = t->p_result;
            held_flags = t->p_flags;
            held = true;
            pending = -1;
        } else if (held && (t->p_result != held_result || t->p_flags != held_flags)) {
            ++*unstable;
        }
    };

    int64_t next = 0;           // with overlap: the next op that may issue during a DIV/SQRT
    for (int64_t i = 0; i < n; ++i) {
        if (issued[i]) continue;
        issued[i] = true;
        drive(i, klass[i] == kPipelined, klass[i] == kIterative);
        t->eval();
        sample_pipeline();
        latency[i] = 0;
        if (klass[i] == kExecute) {
            result[i] = t->result;
            flags[i] = t->flags;
        }
        edge(u);
        if (klass[i] == kPipelined) {
            pending = i;
        } else if (klass[i] == kIterative) {
            // Wait for done. With `overlap`, the pipelined ops that follow issue meanwhile (one
            // per cycle, `op` showing theirs); `result` is read in a cycle that shows DIV/SQRT.
            if (next <= i) next = i + 1;
            int waited = 1;
            for (;;) {
                bool issue = overlap && next < n && klass[next] == kPipelined;
                if (issue) {
                    drive(next, true, false);
                } else {
                    drive(i, false, false);
                }
                t->eval();
                sample_pipeline();
                if (!issue && t->done) break;
                if (++waited > kIterativeLimit) {
                    *unstable = i;
                    return -2;
                }
                edge(u);
                if (issue) {
                    pending = next;
                    issued[next] = true;
                    ++next;
                }
            }
            latency[i] = static_cast<uint16_t>(waited);
            result[i] = t->result;
            flags[i] = t->flags;
            t->ack = 1;
            t->eval();
            edge(u);
            t->ack = 0;
        }
    }
    if (pending >= 0) {         // drain the last pipelined result
        t->advance = 0;
        t->start = 0;
        t->eval();
        sample_pipeline();
        edge(u);
    }
    return static_cast<int64_t>(u->cycles - first);
}

// Speed measurement: `cycles` cycles with operands changing every cycle (an LCG). mode 0: nothing
// issued (advance, start low; op cycles over all values), as in an integer-only kernel; mode 1: a
// pipelined fmadd every cycle. Returns a checksum of the outputs. Built against the bench top
// (fpu_unit.py `BenchTop`: the same ports, inputs registered as the core's pipeline registers would
// be) only the clock edge's eval does work.
uint64_t fpu_bench(void* handle, int64_t cycles, int mode) {
    Unit* u = unit(handle);
    if (!u || cycles < 0) return 0;
    Vsimtlab_fpu* t = u->top;
    uint64_t x = 0x9E3779B97F4A7C15ull, sum = 0;
    for (int64_t i = 0; i < cycles; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        t->a = static_cast<uint32_t>(x >> 32);
        t->b = static_cast<uint32_t>(x);
        t->c = static_cast<uint32_t>(x >> 16);
        t->rm = 0;
        t->op = mode == 1 ? 3 : static_cast<uint8_t>(i % 24);
        t->advance = mode == 1;
        t->start = 0;
        t->ack = 0;
        t->eval();
        sum += t->result + t->p_result;
        edge(u);
    }
    return sum;
}

}  // extern "C"
