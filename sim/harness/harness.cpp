// simtlab Verilator harness (v2, SIMT core): drives the Verilated `simtlab_top` from C++ and exposes
// an extern "C" API that simtlab.sim.model.VerilatorModel loads with ctypes.
//
// The harness owns the clock, reset, the DCR write port, the start pulse, and the memory behind the
// two block-wide memory ports (imem, dmem). Python is called once per `sim_run`, never per cycle.
//
// One translation unit in four files: ports.h (the top's ports, their widths checked against the
// generated `simtlab_harness_config.h`: warps W, threads T, block bytes), memory.h (sparse memory and
// regions), dram.h (the DRAM timing model) and this file (response queues, the cycle, run control and
// the extern "C" API). Codes and addresses shared with Python come from the generated `simtlab_spec.h`.
//
// One cycle (function `cycle`):
//   1. drive inputs: responses due in this cycle (rsp__valid for exactly one cycle);
//   2. clk=0, eval; sample outputs: accept requests (dmem, then imem), apply their side effects and
//      queue their responses; record retire, perf__stall and fault;
//   3. clk=1, eval (the rising edge at which the sampled requests are accepted).
// Ideal memory (the default): a request accepted at the edge ending cycle n gets its response driven
// in cycle n + latency. With the DRAM model (sim_set_dram, dram.h) a ram request's response is due
// when the model says, and a request whose channel queue is full is refused: the port's req__ready
// is driven low for that edge (decided after the clk=0 eval, from the request's address) and the top
// offers it again. io requests, errors and every request of the ideal memory take `latency`.
// Responses on a port are driven in request order, at most one per cycle (a response due earlier
// than the one before it waits: the core expects in-order responses).
//
// Memory requests move whole blocks: the address is block aligned (low bits ignored), a read returns
// the whole block (byte i at bits 8i..8i+7 of rsp__data), a write writes the bytes whose `be` bit is
// set (memory.h). A request whose block does not lie in one ram or io region gets err=1 and has no
// side effect. A data request with op != AMO_NONE is an RV32A atomic on the word its be selects,
// performed when accepted (amo): the response carries the old word there (sc: 0 or 1); one outside
// ram is an error (the core faults such atomics before they leave). io reads return zeros; an io write whose `be` covers IO_COUT appends that byte to the
// console; one that covers any byte of IO_EXIT (4 bytes) ends the run with the little-endian value
// of the enabled bytes.
//
// Ending stores: a write to IO_EXIT, or (when enabled) a write touching the tohost word that leaves an
// odd value there, has its side effect when the request is accepted, but the run stops only when the
// store instruction that issued it retires, so the retire trace ends with it (as the golden model's
// does). A SIMT store may issue several write requests (one per block), so the harness cannot number
// stores by their requests; it assumes the store that issued the ending write is the next store to
// retire (the store opcodes of simtlab_spec.h), counting from the stores retired before the cycle in
// which the ending write was accepted (a store retiring in that very cycle counts). That holds for a
// load/store unit that works on one memory instruction at a time and retires a store no earlier than
// the cycle its last request is accepted. The run ends DRAIN_LIMIT cycles after the ending write at
// the latest.
//
// Build flags: define SIMTLAB_TRACE (and pass --trace to Verilator) for VCD support; add
// SIMTLAB_TRACE_FST (and --trace-fst instead) for FST.
//
// Every entry point checks its handle (NULL or not created by sim_create) and arguments and returns a
// negative SIM_E* code instead of crashing the host process.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "Vsimtlab_top.h"
#include "dram.h"
#include "memory.h"
#include "ports.h"
#include "simtlab_spec.h"
#include "verilated.h"
#ifdef SIMTLAB_TRACE_FST
#include "verilated_fst_c.h"
using WaveWriter = VerilatedFstC;  // FST (Verilator --trace-fst)
constexpr int WAVE_FORMAT = 2;
#elif defined(SIMTLAB_TRACE)
#include "verilated_vcd_c.h"
using WaveWriter = VerilatedVcdC;
constexpr int WAVE_FORMAT = 1;
#endif

namespace {

// ---- constants ----------------------------------------------------------------------------------
// Status, error, region-kind codes, IO addresses and stall slots come from simtlab_spec.h, generated
// from simtlab.spec (python -m simtlab.spec.generate).
constexpr uint64_t MAGIC = 0x73696d746c616232ull;  // "simtlab2"
constexpr int RESET_CYCLES = 4;
constexpr uint64_t DRAIN_LIMIT = 256;
constexpr unsigned TRACE_WORDS = 5 + T;  // trace_dtype(T) in sim/result.py: 20 + 4T bytes

struct Response {
    uint64_t due;
    uint32_t data[BLOCK_WORDS];
    uint32_t tag;
    uint8_t err;
    uint8_t has_data;
};

// A FIFO of responses in a ring buffer that grows by doubling (no allocation in steady state).
struct RspQueue {
    std::vector<Response> buf;
    size_t head = 0, count = 0;
    bool data_dirty = false;  // rsp__data was last driven non-zero

    bool init() {
        try {
            buf.resize(64);
        } catch (...) {
            return false;
        }
        return true;
    }
    void clear() { head = count = 0; }
    bool empty() const { return count == 0; }
    Response& front() { return buf[head]; }
    void pop() {
        head = (head + 1) & (buf.size() - 1);
        count--;
    }
    // Slot for a new response, or NULL when out of memory.
    Response* push() {
        if (count == buf.size()) {
            std::vector<Response> bigger;
            try {
                bigger.resize(buf.size() * 2);
            } catch (...) {
                return nullptr;
            }
            for (size_t i = 0; i < count; i++) bigger[i] = buf[(head + i) & (buf.size() - 1)];
            buf.swap(bigger);
            head = 0;
        }
        Response* r = &buf[(head + count) & (buf.size() - 1)];
        count++;
        return r;
    }
};

struct Sim {
    uint64_t magic = MAGIC;
    VerilatedContext* ctx = nullptr;
    Vsimtlab_top* top = nullptr;
    Memory mem;
    Reservations reservations;  // lr.w/sc.w, cleared at every start
    unsigned latency = 1;
    Dram dram;  // off (ideal memory) until sim_set_dram

    bool tohost_enabled = false;
    uint32_t tohost_addr = 0;
    std::vector<std::pair<uint32_t, uint32_t>> dcrs;  // replayed at sim_start, in write order

    RspQueue rsp_dmem, rsp_imem;
    bool started = false;
    bool tile_ready = false;  // out of reset for host access to the tile (sim_tile_*)
    int status = ST_RUNNING;          // sticky once the run ended for a reason other than the watchdog
    int pending_status = ST_RUNNING;  // EXIT/TOHOST waiting for its store to retire
    uint64_t pending_target = 0;      // ... the store count at which it has retired
    uint64_t pending_deadline = 0;    // ... and the cycle at which the run ends anyway
    uint64_t stores_retired = 0;      // store instructions retired since start
    uint64_t now = 0;                 // cycles since the start pulse (the start cycle is cycle 0)
    uint64_t instret = 0;
    uint64_t thread_instrs = 0;
    uint64_t stall[STALL_SLOTS] = {};
    uint64_t mem_requests = 0, mem_bytes = 0, mem_writes = 0, imem_requests = 0;
    uint64_t lmem_reads = 0, lmem_writes = 0;   // lanes the core's local memory served
    // Per device warp: instructions and lane-instructions retired, cycles with dbg.active high
    // (kept as the cycle it rose while active: only changes of dbg.active cost anything).
    uint64_t warp_instret[WARPS] = {}, warp_thread_instrs[WARPS] = {}, warp_active[WARPS] = {};
    uint64_t warp_since[WARPS] = {};
    uint32_t active_words[(WARPS + 31) / 32] = {};  // dbg.active as last sampled
    uint32_t code = 0;
    uint32_t fault_cause = 0, fault_pc = 0, fault_addr = 0;
    uint64_t wave_base = 0;  // cycles of the runs before this one (VCD time keeps increasing)

    std::string console;
    bool trace_on = false;
    std::vector<uint32_t> trace;  // TRACE_WORDS words per record
    // Pipeline records (while trace_on), PIPE_WORDS words each: device warp, the cycles the
    // instruction entered D and X, the cycle it left X (record_pipe).
    std::vector<uint32_t> pipe;
    uint32_t d_entry[N] = {}, x_entry[N] = {}, x_from_d[N] = {};

#ifdef SIMTLAB_TRACE
    WaveWriter* vcd = nullptr;  // the waveform writer (VCD or FST)
    bool vcd_attached = false;
#endif
    std::string vcd_path;
    uint64_t wave_from = 0, wave_to = 0;
    bool waves = false;
};

Sim* get(void* handle) {
    Sim* sim = static_cast<Sim*>(handle);
    if (!sim || sim->magic != MAGIC) return nullptr;
    return sim;
}

void end_run(Sim* sim, int status) {
    if (sim->status == ST_RUNNING) sim->status = status;
}

// An accepted ending write (EXIT/TOHOST): stop when its store retires. The first one wins.
bool end_when_retired(Sim* sim, int status) {
    if (sim->status != ST_RUNNING || sim->pending_status != ST_RUNNING) return false;
    sim->pending_status = status;
    sim->pending_target = sim->stores_retired + 1;  // retires of this cycle are counted after accepts
    sim->pending_deadline = sim->now + DRAIN_LIMIT;
    return true;
}

// The bytes of block-relative range [off, off+n) that `be` enables, as a mask of n bits.
inline uint32_t be_bits(uint64_t be, unsigned off, unsigned n) {
    return uint32_t(be >> off) & ((1u << n) - 1u);
}

// Perform the atomic `rq` (ram, block aligned `block`) and fill its response; false when out of
// host memory. The hart is tag bits 1..10 (rtl/core/lsu.py) of the core
// the tag's bits 16 and up name.
template <typename Req>
bool amo(Sim* sim, const Req& rq, uint32_t block, Response* rsp) {
    if (!rq.be) return true;
    unsigned off = unsigned(__builtin_ctzll(rq.be)) & ~3u;  // the word the lane's 4 enables select
    uint32_t word = block + off;
    unsigned hart = (rq.tag >> 16) * (W * T) + ((rq.tag >> 1) & 1023u);
    uint8_t* page = sim->mem.page_for_write(block);
    if (!page || hart >= Reservations::HARTS) return false;
    uint8_t* p = page + (block & (PAGE_SIZE - 1));
    memcpy(rsp->data, p, BLOCK);
    rsp->has_data = 1;
    uint32_t old, result;
    memcpy(&old, p + off, 4);
    uint32_t data[BLOCK_WORDS];
    rq.read_data(data);
    uint32_t src = data[off / 4], value = 0;
    bool write = true;
    if (rq.op == AMO_LR) {
        sim->reservations.reserve(hart, word);
        result = old;
        write = false;
    } else if (rq.op == AMO_SC) {
        write = sim->reservations.take(hart, word);
        result = write ? 0 : 1;
        value = src;
    } else {
        value = amo_apply(rq.op, old, src);
        result = old;
    }
    if (write) {
        sim->reservations.written(block, uint64_t(0xF) << off);
        memcpy(p + off, &value, 4);
    }
    memcpy(reinterpret_cast<uint8_t*>(rsp->data) + off, &result, 4);
    return true;
}

// Accept one request: apply side effects, queue the response.
template <typename Req>
void accept(Sim* sim, RspQueue& queue, Req& rq, bool dmem) {
    uint32_t block = rq.addr & ~(BLOCK - 1);
    bool we = rq.we;
    uint64_t be = rq.be;
    if (dmem) {
        sim->mem_requests++;
        sim->mem_bytes += uint64_t(__builtin_popcountll(be));
        if (we) sim->mem_writes++;
    } else {
        sim->imem_requests++;
    }
    Response* rsp = queue.push();
    if (!rsp) {  // out of host memory: nothing sensible to answer; stop the run
        end_run(sim, ST_FAULT);
        return;
    }
    const Region* region = sim->mem.block_region(block);
    bool err = !region || (region->kind != KIND_RAM && region->kind != KIND_IO);
    rsp->due = sim->dram.enabled() && !err && region->kind == KIND_RAM
                   ? sim->dram.access(sim->now, block, we)
                   : sim->now + sim->latency;
    rsp->tag = rq.tag;
    rsp->has_data = 0;
    if (dmem && rq.op != AMO_NONE) {
        if (!err && region->kind == KIND_RAM) err = !amo(sim, rq, block, rsp);
        else err = true;
    } else if (!err) {
        if (region->kind == KIND_RAM) {
            uint32_t off = block & (PAGE_SIZE - 1);
            if (we) {
                if (be) {
                    uint8_t* page = sim->mem.page_for_write(block);
                    if (!page) {
                        err = true;  // out of host memory
                    } else {
                        uint32_t data[BLOCK_WORDS];
                        rq.read_data(data);
                        uint8_t* p = page + off;
                        sim->reservations.written(block, be);
                        if (be == ~0ull) {
                            memcpy(p, data, BLOCK);
                        } else {
                            const uint8_t* src = reinterpret_cast<const uint8_t*>(data);
                            for (uint64_t m = be; m; m &= m - 1) {
                                unsigned i = unsigned(__builtin_ctzll(m));
                                p[i] = src[i];
                            }
                        }
                        if (sim->tohost_enabled) {
                            uint32_t word = sim->tohost_addr & ~3u;
                            if ((word & ~(BLOCK - 1)) == block && be_bits(be, word & (BLOCK - 1), 4)) {
                                uint32_t value = sim->mem.read_word(word);
                                if ((value & 1u) && end_when_retired(sim, ST_TOHOST)) sim->code = value >> 1;
                            }
                        }
                    }
                }
            } else {
                const uint8_t* page = sim->mem.page(block);
                if (page) {
                    memcpy(rsp->data, page + off, BLOCK);
                    rsp->has_data = 1;
                }
            }
        } else if (we && be) {  // io: writes have effects, reads return zeros
            uint32_t data[BLOCK_WORDS];
            bool have = false;
            if (block == (IO_COUT & ~(BLOCK - 1)) && be_bits(be, IO_COUT & (BLOCK - 1), 1)) {
                rq.read_data(data);
                have = true;
                unsigned i = IO_COUT & (BLOCK - 1);
                sim->console.push_back(char(data[i / 4] >> (8 * (i % 4))));
            }
            uint32_t exit_be = (block == (IO_EXIT & ~(BLOCK - 1))) ? be_bits(be, IO_EXIT & (BLOCK - 1), 4) : 0;
            if (exit_be) {
                if (!have) rq.read_data(data);
                uint32_t mask = 0;
                for (int i = 0; i < 4; i++)
                    if (exit_be & (1u << i)) mask |= 0xFFu << (8 * i);
                uint32_t value = data[(IO_EXIT & (BLOCK - 1)) / 4];  // IO_EXIT is word aligned
                if (end_when_retired(sim, ST_EXIT)) sim->code = value & mask;
            }
        }
    }
    rsp->err = uint8_t(err);
}

// Whether the DRAM model takes a request for `addr` this cycle (always, for the ideal memory and
// for requests that do not go to ram).
bool admit(Sim* sim, uint32_t addr) {
    if (!sim->dram.enabled()) return true;
    uint32_t block = addr & ~(BLOCK - 1);
    const Region* region = sim->mem.block_region(block);
    if (!region || region->kind != KIND_RAM) return true;
    return sim->dram.can_accept(sim->now, block);
}

// A request port's fields, read straight from the model (wide data only when needed).
#define REQ_VIEW(name, port)                                                          \
    struct name {                                                                     \
        Vsimtlab_top* t;                                                              \
        uint32_t addr;                                                                \
        bool we;                                                                      \
        uint64_t be;                                                                  \
        unsigned op;                                                                  \
        uint32_t tag;                                                                 \
        explicit name(Vsimtlab_top* top)                                              \
            : t(top),                                                                 \
              addr(top->REQ(port, addr)),                                             \
              we(top->REQ(port, we) != 0),                                            \
              be(uint64_t(word_of(top->REQ(port, be), 0)) |                          \
                 uint64_t(word_of(top->REQ(port, be), 1)) << 32),                     \
              op(unsigned(top->REQ(port, op))),                                       \
              tag(uint32_t(top->REQ(port, tag))) {}                                   \
        void read_data(uint32_t* out) const {                                         \
            for (unsigned i = 0; i < BLOCK_WORDS; i++) out[i] = word_of(t->REQ(port, data), i); \
        }                                                                             \
    };
REQ_VIEW(DmemReq, dmem)
REQ_VIEW(ImemReq, imem)
#undef REQ_VIEW

// VCD time is cycle-true: the file's unit is 100 ps and cycle n of a run starts at n ns (clk low),
// its rising edge at n.5 ns; a later run continues after the earlier ones. Reset and DCR cycles
// (before the start pulse) are not dumped.
#ifdef SIMTLAB_TRACE
void dump(Sim* sim, int clk) {
    if (sim->vcd && sim->vcd_attached && sim->now >= sim->wave_from && sim->now < sim->wave_to)
        sim->vcd->dump(10 * (sim->wave_base + sim->now) + 5 * uint64_t(clk));
}
#else
inline void dump(Sim*, int) {}
#endif

// Half a cycle outside a run (reset, DCR writes): not dumped.
void quiet_half(Sim* sim, int clk) {
    sim->top->clk = clk;
    sim->top->eval();
}

// Half a cycle of a run (dumped to the waveform).
void half(Sim* sim, int clk) {
    quiet_half(sim, clk);
    dump(sim, clk);
}

static const uint32_t ZERO_BLOCK[BLOCK_WORDS] = {};

void drive_rsp(Sim* sim) {
    Vsimtlab_top* t = sim->top;
#define DRIVE(port, queue)                                                   \
    if (!queue.empty() && queue.front().due <= sim->now) {                   \
        const Response& r = queue.front();                                   \
        t->RSP(port, valid) = 1;                                             \
        if (r.has_data) {                                                    \
            set_words(t->RSP(port, data), r.data, BLOCK_WORDS);              \
            queue.data_dirty = true;                                         \
        } else if (queue.data_dirty) {                                       \
            set_words(t->RSP(port, data), ZERO_BLOCK, BLOCK_WORDS);          \
            queue.data_dirty = false;                                        \
        }                                                                    \
        t->RSP(port, tag) = r.tag;                                           \
        t->RSP(port, err) = r.err;                                           \
        queue.pop();                                                         \
    } else if (t->RSP(port, valid)) {                                        \
        t->RSP(port, valid) = 0;                                             \
        t->RSP(port, tag) = 0;                                               \
        t->RSP(port, err) = 0;                                               \
        if (queue.data_dirty) {                                              \
            set_words(t->RSP(port, data), ZERO_BLOCK, BLOCK_WORDS);          \
            queue.data_dirty = false;                                        \
        }                                                                    \
    }
    DRIVE(dmem, sim->rsp_dmem)
    DRIVE(imem, sim->rsp_imem)
#undef DRIVE
}

// Accept the requests offered this cycle (dmem, then imem when `imem`); a request the DRAM model
// refuses sees req__ready low at this edge (only the DRAM model ever lowers it).
void serve(Sim* sim, bool imem) {
    Vsimtlab_top* t = sim->top;
    bool dram = sim->dram.enabled();  // the ideal memory never touches ready
#define SERVE(port, View, queue, is_dmem)                            \
    if (t->REQ(port, valid)) {                                       \
        View rq(t);                                                  \
        bool take = admit(sim, rq.addr);                             \
        if (dram) t->REQ(port, ready) = take;                        \
        if (take) accept(sim, queue, rq, is_dmem);                   \
    } else if (dram) {                                               \
        t->REQ(port, ready) = 1;                                     \
    }
    SERVE(dmem, DmemReq, sim->rsp_dmem, true)
    if (imem) {
        SERVE(imem, ImemReq, sim->rsp_imem, false)
    }
#undef SERVE
}

// Core `c`'s retired instruction.
void record_retire(Sim* sim, unsigned c) {
    Vsimtlab_top* t = sim->top;
    uint32_t insn = word_of(t->PORT(retire, insn), c);
    uint32_t tmask = bits_of(t->PORT(retire, tmask), T * c, T);
    unsigned warp = c * W + bits_of(t->PORT(retire, warp), 5 * c, 5);  // device warp
    unsigned lanes = unsigned(__builtin_popcount(tmask));
    sim->instret++;
    sim->thread_instrs += lanes;
    sim->warp_instret[warp]++;
    sim->warp_thread_instrs[warp] += lanes;
    if (is_store_opcode(insn & 0x7Fu)) sim->stores_retired++;
    if (!sim->trace_on) return;
    uint32_t rd = bits_of(t->PORT(retire, rd), 6 * c, 6);  // 32-63: f registers
    size_t at = sim->trace.size();
    sim->trace.resize(at + TRACE_WORDS);
    uint32_t* rec = sim->trace.data() + at;
    rec[0] = uint32_t(sim->now);
    rec[1] = word_of(t->PORT(retire, pc), c);
    rec[2] = insn;
    rec[3] = warp | (rd << 8);
    rec[4] = tmask;
    // Lanes outside tmask, and every lane when no register was written, read 0 (docs/simt.md).
    for (unsigned l = 0; l < T; l++)
        rec[5 + l] = (rd && (tmask >> l & 1u)) ? word_of(t->PORT(retire, data), T * c + l) : 0u;
}

// Follow dbg.active: a warp's active cycles are added up when its bit falls (sim_warp_counters adds
// the running stretch).
void track_active(Sim* sim) {
    Vsimtlab_top* t = sim->top;
    for (unsigned i = 0; i < (WARPS + 31) / 32; i++) {
        uint32_t now = word_of(t->PORT(dbg, active), i);
        uint32_t changed = now ^ sim->active_words[i];
        if (!changed) continue;
        sim->active_words[i] = now;
        for (; changed; changed &= changed - 1) {
            unsigned b = unsigned(__builtin_ctz(changed)), w = 32 * i + b;
            if (now >> b & 1u) sim->warp_since[w] = sim->now;
            else sim->warp_active[w] += sim->now - sim->warp_since[w];
        }
    }
}

constexpr unsigned PIPE_WORDS = 4;

// The top's pipe port of this cycle: an instruction that leaves X will retire (in its warp's
// order), so one record per X exit matches the retire trace warp by warp.
void record_pipe(Sim* sim) {
    Vsimtlab_top* t = sim->top;
    uint32_t now = uint32_t(sim->now);
    for (unsigned c = 0; c < N; c++) {
        if (bits_of(t->PORT(pipe, x_new), c, 1)) {  // X took D's instruction of the last cycle
            sim->x_entry[c] = now;
            sim->x_from_d[c] = sim->d_entry[c];
        }
        if (bits_of(t->PORT(pipe, d_new), c, 1)) sim->d_entry[c] = now;
        if (bits_of(t->PORT(pipe, x_advance), c, 1)) {
            uint32_t warp = c * W + bits_of(t->PORT(pipe, x_warp), 5 * c, 5);
            sim->pipe.insert(sim->pipe.end(), {warp, sim->x_from_d[c], sim->x_entry[c], now});
        }
    }
}

// One full cycle of a started design. `check_busy` is false for the start-pulse cycle.
void cycle(Sim* sim, bool check_busy) {
    Vsimtlab_top* t = sim->top;
    drive_rsp(sim);
    half(sim, 0);
    serve(sim, true);
    if (t->PORT(retire, valid))
        for (unsigned c = 0; c < N; c++)
            if (bits_of(t->PORT(retire, valid), c, 1)) record_retire(sim, c);
    if (sim->trace_on) record_pipe(sim);
    if (t->busy)  // a core-cycle per core: the histogram sums to cores x busy cycles
        for (unsigned c = 0; c < N; c++)
            sim->stall[bits_of(t->PORT(perf, stall), STALL_BITS * c, STALL_BITS) & (STALL_SLOTS - 1)]++;
    track_active(sim);
    for (unsigned c = 0; c < N; c++) {
        sim->lmem_reads += bits_of(t->PORT(perf, lmem_reads), 6 * c, 6);
        sim->lmem_writes += bits_of(t->PORT(perf, lmem_writes), 6 * c, 6);
    }
    if (sim->pending_status != ST_RUNNING &&
        (sim->stores_retired >= sim->pending_target || sim->now >= sim->pending_deadline))
        end_run(sim, sim->pending_status);
    if (t->PORT(fault, valid) && sim->status == ST_RUNNING) {
        sim->fault_cause = t->PORT(fault, cause);
        sim->fault_pc = t->PORT(fault, pc);
        sim->fault_addr = t->PORT(fault, addr);
        end_run(sim, ST_FAULT);
    }
    if (check_busy && !t->busy) end_run(sim, ST_DONE);
    half(sim, 1);
    sim->now++;
}

// A cycle outside a run (reset, DCR writes): no memory traffic is served.
void idle_cycle(Sim* sim) {
    Vsimtlab_top* t = sim->top;
#define QUIET(port, queue)                                          \
    t->RSP(port, valid) = 0;                                        \
    t->RSP(port, tag) = 0;                                          \
    t->RSP(port, err) = 0;                                          \
    if (queue.data_dirty) {                                         \
        set_words(t->RSP(port, data), ZERO_BLOCK, BLOCK_WORDS);     \
        queue.data_dirty = false;                                   \
    }
    QUIET(dmem, sim->rsp_dmem)
    QUIET(imem, sim->rsp_imem)
#undef QUIET
    quiet_half(sim, 0);
    quiet_half(sim, 1);
}

#ifdef SIMTLAB_TILE
// ---- the tile, driven by the host ------------------------------------------------------------------
// The host reaches the tile's registers through the top's `host` port (registered inside the top:
// a read's data appears two cycles after it is offered). Between accesses the host can let the
// clock run while the tile works: `tile_cycle` serves memory (the tile's DMA) but never ends a run.
void tile_cycle(Sim* sim) {
    Vsimtlab_top* t = sim->top;
    drive_rsp(sim);
    half(sim, 0);
    serve(sim, false);
    half(sim, 1);
    sim->now++;
}

// Bring the design out of reset without starting the core (the first host access does this).
void tile_ready(Sim* sim) {
    if (sim->tile_ready) return;
    Vsimtlab_top* t = sim->top;
    sim->rsp_dmem.clear();
    sim->rsp_imem.clear();
    t->start = 0;
    t->rst = 1;
    for (int i = 0; i < RESET_CYCLES; i++) idle_cycle(sim);
    t->rst = 0;
    idle_cycle(sim);
    sim->tile_ready = true;
}
#endif

void destroy(Sim* sim) {
    if (sim->top) {
        sim->top->final();
        delete sim->top;
    }
    delete sim->ctx;
    sim->magic = 0;
    delete sim;
}

}  // namespace

extern "C" {

// The shape this library was built for (no handle needed).
uint32_t sim_cores(void) { return N; }
uint32_t sim_warps(void) { return W; }
uint32_t sim_threads(void) { return T; }
uint32_t sim_block_bytes(void) { return BLOCK; }

// Create a simulator with memory latency `latency` (1..4096 cycles). Returns NULL on failure.
void* sim_create(unsigned latency) {
    if (latency < 1 || latency > 4096) return nullptr;
    Sim* sim = new (std::nothrow) Sim();
    if (!sim) return nullptr;
    sim->latency = latency;
    sim->ctx = new (std::nothrow) VerilatedContext();
    if (!sim->mem.init() || !sim->ctx || !sim->rsp_dmem.init() || !sim->rsp_imem.init()) {
        destroy(sim);
        return nullptr;
    }
    sim->ctx->randReset(0);
#ifdef SIMTLAB_TRACE
    sim->ctx->traceEverOn(true);
#endif
    sim->top = new (std::nothrow) Vsimtlab_top(sim->ctx, "simtlab_top");
    if (!sim->top) {
        destroy(sim);
        return nullptr;
    }
    Vsimtlab_top* t = sim->top;
    t->REQ(dmem, ready) = 1;
    t->REQ(imem, ready) = 1;
    t->rst = 1;
    t->clk = 0;
    t->eval();
    return sim;
}

// Free a simulator (closes any VCD file). NULL or an unknown handle is ignored.
void sim_free(void* handle) {
    Sim* sim = get(handle);
    if (!sim) return;
#ifdef SIMTLAB_TRACE
    if (sim->vcd) {
        sim->vcd->close();
        delete sim->vcd;
        sim->vcd = nullptr;
    }
#endif
    destroy(sim);
}

// 1 when this library was built with VCD support, 2 with FST support, else 0.
int sim_has_waves(void) {
#ifdef SIMTLAB_TRACE
    return WAVE_FORMAT;
#else
    return 0;
#endif
}

// Map [base, base+size) as kind 1 (ram), 2 (io) or 3 (mmio).
int sim_add_region(void* handle, uint32_t base, uint64_t size, int kind) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    return sim->mem.add_region(base, size, kind);
}

// Set the memory latency (1..4096 cycles) for requests accepted from now on.
int sim_set_latency(void* handle, unsigned latency) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (latency < 1 || latency > 4096) return SIM_EARG;
    sim->latency = latency;
    return SIM_OK;
}

// Use the DRAM timing model (dram.h; `channels` 0: the ideal memory, sim_set_latency's). Times in
// core cycles, limits as simtlab.config.DramConfig's; resets the model's state and counters.
int sim_set_dram(void* handle, uint32_t channels, uint32_t banks, uint32_t row_blocks,
                 uint32_t queue_depth, uint32_t t_rcd, uint32_t t_cl, uint32_t t_rp, uint32_t t_burst,
                 uint32_t t_refi, uint32_t t_rfc, uint32_t controller_latency) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    DramParams p;
    p.channels = channels;
    p.banks = banks;
    p.row_blocks = row_blocks;
    p.queue_depth = queue_depth;
    p.t_rcd = t_rcd;
    p.t_cl = t_cl;
    p.t_rp = t_rp;
    p.t_burst = t_burst;
    p.t_refi = t_refi;
    p.t_rfc = t_rfc;
    p.controller = controller_latency;
    if (!sim->dram.configure(p)) return SIM_EARG;
    sim->top->REQ(dmem, ready) = 1;  // no refusal outlives the model that made it
    sim->top->REQ(imem, ready) = 1;
    return SIM_OK;
}

// DRAM channels of the model (0: ideal memory) and its per-channel counters.
uint32_t sim_dram_channels(void* handle) {
    Sim* s = get(handle);
    return s ? s->dram.channels() : 0;
}
uint32_t sim_dram_counter_count(void) { return DC_COUNT; }
const char* sim_dram_counter_name(uint32_t i) { return i < DC_COUNT ? DRAM_COUNTER_NAMES[i] : nullptr; }

// Copy channel `channel`'s sim_dram_counter_count() counters (since sim_start) into `out`.
int sim_dram_counters(void* handle, uint32_t channel, uint64_t* out) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (!out || channel >= sim->dram.channels()) return SIM_EARG;
    memcpy(out, sim->dram.counters(channel), sizeof(uint64_t) * DC_COUNT);
    return SIM_OK;
}

// Reset the DRAM model and run a request stream through it alone (no RTL, memory untouched; the
// next sim_start resets the model again):
// request i (byte address addr[i], low 6 bits ignored; a write if write[i]) is offered at cycle max(arrive[i], the
// previous one's acceptance) and accepted at the first cycle its channel has room; accepted[i] and
// done[i] get its acceptance cycle and the cycle its response is due. The counters then describe
// the stream (until the next sim_start). Arrivals must not decrease.
int sim_dram_replay(void* handle, uint64_t n, const uint64_t* arrive, const uint32_t* addr,
                    const uint8_t* write, uint64_t* accepted, uint64_t* done) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (!sim->dram.enabled()) return SIM_ESTATE;
    if (n && (!arrive || !addr || !write || !accepted || !done)) return SIM_EARG;
    for (uint64_t i = 1; i < n; i++)
        if (arrive[i] < arrive[i - 1]) return SIM_EARG;
    sim->dram.reset();
    uint64_t at = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t block = addr[i] & ~(BLOCK - 1);
        at = sim->dram.first_room(arrive[i] > at ? arrive[i] : at, block);
        accepted[i] = at;
        done[i] = sim->dram.access(at, block, write[i] != 0);
    }
    return SIM_OK;
}

// Copy `len` bytes into memory at `addr`; the range must lie in "ram" regions.
int sim_write_mem(void* handle, uint32_t addr, const uint8_t* data, uint64_t len) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (len == 0) return SIM_OK;
    if (!data) return SIM_EARG;
    return sim->mem.write(addr, data, len);
}

// Copy `len` bytes of memory at `addr` into `out`; the range must lie in "ram" regions.
int sim_read_mem(void* handle, uint32_t addr, uint8_t* out, uint64_t len) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (len == 0) return SIM_OK;
    if (!out) return SIM_EARG;
    return sim->mem.read(addr, out, len);
}

// Watch `addr` for tohost writes (enabled != 0) or stop watching (enabled == 0).
int sim_set_tohost(void* handle, uint32_t addr, int enabled) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    sim->tohost_enabled = enabled != 0;
    sim->tohost_addr = addr;
    return SIM_OK;
}

// Store a DCR write (12-bit address); all stored writes are replayed by sim_start. A later write to
// the same address replaces the value.
int sim_dcr_write(void* handle, uint32_t addr, uint32_t value) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (addr > 0xFFF) return SIM_EARG;
    for (auto& d : sim->dcrs)
        if (d.first == addr) {
            d.second = value;
            return SIM_OK;
        }
    try {
        sim->dcrs.emplace_back(addr, value);
    } catch (...) {
        return SIM_ENOMEM;
    }
    return SIM_OK;
}

// Reset the design (rst high for a few cycles), replay the DCR writes, then pulse `start` for one
// cycle. Clears pending responses, counters, the end status, the console and the retire trace;
// memory is kept. After it, cycles == 1 (the start cycle).
int sim_start(void* handle) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    Vsimtlab_top* t = sim->top;
    sim->rsp_dmem.clear();
    sim->rsp_imem.clear();
    sim->dram.reset();
    sim->reservations.clear();
    t->REQ(dmem, ready) = 1;
    t->REQ(imem, ready) = 1;
    sim->wave_base += sim->now;
    sim->now = 0;
    sim->instret = sim->thread_instrs = 0;
    for (uint64_t& s : sim->stall) s = 0;
    sim->mem_requests = sim->mem_bytes = sim->mem_writes = sim->imem_requests = 0;
    sim->lmem_reads = sim->lmem_writes = 0;
    for (unsigned w = 0; w < WARPS; w++)
        sim->warp_instret[w] = sim->warp_thread_instrs[w] = sim->warp_active[w] = sim->warp_since[w] = 0;
    for (uint32_t& a : sim->active_words) a = 0;
    sim->code = 0;
    sim->fault_cause = sim->fault_pc = sim->fault_addr = 0;
    sim->status = ST_RUNNING;
    sim->pending_status = ST_RUNNING;
    sim->pending_target = sim->pending_deadline = 0;
    sim->stores_retired = 0;
    sim->console.clear();
    sim->trace.clear();
    sim->pipe.clear();
    t->start = 0;
    t->PORT(dcr, valid) = 0;
    t->rst = 1;
    for (int i = 0; i < RESET_CYCLES; i++) idle_cycle(sim);
    t->rst = 0;
    for (const auto& d : sim->dcrs) {
        t->PORT(dcr, valid) = 1;
        t->PORT(dcr, addr) = uint16_t(d.first);
        t->PORT(dcr, data) = d.second;
        idle_cycle(sim);
    }
    t->PORT(dcr, valid) = 0;
    t->PORT(dcr, addr) = 0;
    t->PORT(dcr, data) = 0;
    t->start = 1;
    cycle(sim, false);
    t->start = 0;
    sim->started = true;
    sim->tile_ready = true;
    return SIM_OK;
}

// Run up to `max_cycles` cycles. Returns the RunStatus (1 done, 2 tohost, 3 exit, 4 fault,
// 5 watchdog) or a negative error. Done/tohost/exit/fault are sticky until the next sim_start (a
// further sim_run returns them at once); after a watchdog stop a further sim_run continues.
int sim_run(void* handle, uint64_t max_cycles) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (!sim->started) return SIM_ESTATE;
    for (uint64_t i = 0; i < max_cycles && sim->status == ST_RUNNING; i++) cycle(sim, true);
#ifdef SIMTLAB_TRACE
    if (sim->vcd) sim->vcd->flush();
#endif
    return sim->status == ST_RUNNING ? ST_WATCHDOG : sim->status;
}

// Counters and end state of the current run (0 for a bad handle).
uint64_t sim_cycles(void* handle) { Sim* s = get(handle); return s ? s->now : 0; }
uint64_t sim_instret(void* handle) { Sim* s = get(handle); return s ? s->instret : 0; }
uint64_t sim_thread_instrs(void* handle) { Sim* s = get(handle); return s ? s->thread_instrs : 0; }
uint64_t sim_mem_requests(void* handle) { Sim* s = get(handle); return s ? s->mem_requests : 0; }
uint64_t sim_mem_bytes(void* handle) { Sim* s = get(handle); return s ? s->mem_bytes : 0; }
uint64_t sim_mem_writes(void* handle) { Sim* s = get(handle); return s ? s->mem_writes : 0; }
uint64_t sim_imem_requests(void* handle) { Sim* s = get(handle); return s ? s->imem_requests : 0; }
uint64_t sim_lmem_reads(void* handle) { Sim* s = get(handle); return s ? s->lmem_reads : 0; }
uint64_t sim_lmem_writes(void* handle) { Sim* s = get(handle); return s ? s->lmem_writes : 0; }
uint32_t sim_code(void* handle) { Sim* s = get(handle); return s ? s->code : 0; }
uint32_t sim_fault_cause(void* handle) { Sim* s = get(handle); return s ? s->fault_cause : 0; }
uint32_t sim_fault_pc(void* handle) { Sim* s = get(handle); return s ? s->fault_pc : 0; }
uint32_t sim_fault_addr(void* handle) { Sim* s = get(handle); return s ? s->fault_addr : 0; }

// The counters of cache `kind` (0: L1 D$, 1: L1 I$, 2: the shared L2; SimtConfig's CACHE_KNOBS order)
// number `index` (the core for an L1, 0 for the L2): out[0] hits, out[1] misses, out[2]
// mshr_stalls. 32-bit counters from the design's reset (sim_start resets it). SIM_EARG for a cache
// the model does not have.
int sim_cache_counters(void* handle, uint32_t kind, uint32_t index, uint32_t* out) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (!out) return SIM_EARG;
    Vsimtlab_top* t = sim->top;
#define CACHE_COUNTERS(port, count)                                    \
    if (index >= (count)) return SIM_EARG;                             \
    out[0] = word_of(t->PORT(port, hits), index);                      \
    out[1] = word_of(t->PORT(port, misses), index);                    \
    out[2] = word_of(t->PORT(port, mshr_stalls), index);               \
    return SIM_OK;
    switch (kind) {
#ifdef SIMTLAB_DCACHE
    case 0: { CACHE_COUNTERS(dcache_perf, N) }
#endif
#ifdef SIMTLAB_ICACHE
    case 1: { CACHE_COUNTERS(icache_perf, N) }
#endif
#ifdef SIMTLAB_L2
    case 2: { CACHE_COUNTERS(l2_perf, 1) }
#endif
    default: (void)t; (void)index; return SIM_EARG;
    }
#undef CACHE_COUNTERS
}

// What cache `kind` number `index` (as for sim_cache_counters) holds now: out[0] reads outstanding
// below it, out[1] accepted requests not yet answered. For watchdog dumps.
int sim_cache_state(void* handle, uint32_t kind, uint32_t index, uint32_t* out) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (!out) return SIM_EARG;
    Vsimtlab_top* t = sim->top;
#define CACHE_STATE(port, count)                                       \
    if (index >= (count)) return SIM_EARG;                             \
    out[0] = bits_of(t->PORT(port, outstanding), 6 * index, 6);        \
    out[1] = bits_of(t->PORT(port, queued), 7 * index, 7);             \
    return SIM_OK;
    switch (kind) {
#ifdef SIMTLAB_DCACHE
    case 0: { CACHE_STATE(dcache_state, N) }
#endif
#ifdef SIMTLAB_ICACHE
    case 1: { CACHE_STATE(icache_state, N) }
#endif
#ifdef SIMTLAB_L2
    case 2: { CACHE_STATE(l2_state, 1) }
#endif
    default: (void)t; (void)index; return SIM_EARG;
    }
#undef CACHE_STATE
}

// Busy cycles whose perf__stall code was `cause` (0..7; STALL_CAUSES names 0..6).
uint64_t sim_stall_cycles(void* handle, uint32_t cause) {
    Sim* s = get(handle);
    return s && cause < STALL_SLOTS ? s->stall[cause] : 0;
}

// Device warp `warp`'s counters since sim_start: out[0] instructions retired, out[1] lane-instructions
// (retired instructions times their active lanes), out[2] cycles its dbg.active bit was high.
int sim_warp_counters(void* handle, uint32_t warp, uint64_t* out) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (!out || warp >= WARPS) return SIM_EARG;
    out[0] = sim->warp_instret[warp];
    out[1] = sim->warp_thread_instrs[warp];
    out[2] = sim->warp_active[warp];
    if (sim->active_words[warp / 32] >> (warp % 32) & 1u) out[2] += sim->now - sim->warp_since[warp];
    return SIM_OK;
}

// The state of device warp `warp` (core warp / W, its warp warp % W) from the dbg ports: out[0] pc, out[1] tmask, out[2] active,
// out[3] waiting (at a barrier), out[4] barrier id.
int sim_warp_state(void* handle, uint32_t warp, uint32_t* out) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (!out || warp >= WARPS) return SIM_EARG;
    Vsimtlab_top* t = sim->top;
    out[0] = word_of(t->PORT(dbg, pc), warp);
    out[1] = bits_of(t->PORT(dbg, tmask), T * warp, T);
    out[2] = bits_of(t->PORT(dbg, active), warp, 1);
    out[3] = bits_of(t->PORT(dbg, waiting), warp, 1);
    out[4] = bits_of(t->PORT(dbg, barrier), 8 * warp, 8);
    return SIM_OK;
}

// Bytes waiting in the console buffer.
uint64_t sim_console_size(void* handle) {
    Sim* sim = get(handle);
    return sim ? sim->console.size() : 0;
}

// Move up to `cap` console bytes into `out`; returns the number moved (or a negative error).
int64_t sim_console_read(void* handle, char* out, uint64_t cap) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (cap && !out) return SIM_EARG;
    uint64_t n = sim->console.size() < cap ? sim->console.size() : cap;
    if (n) memcpy(out, sim->console.data(), n);
    sim->console.erase(0, n);
    return int64_t(n);
}

// Record retired instructions into the trace buffer (on != 0) or stop recording.
int sim_trace_enable(void* handle, int on) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    sim->trace_on = on != 0;
    return SIM_OK;
}

// Bytes of one trace record: 20 + 4 * threads (trace_dtype(threads) in sim/result.py).
uint32_t sim_trace_record_bytes(void) { return 4 * TRACE_WORDS; }

// Records waiting in the trace buffer.
uint64_t sim_trace_count(void* handle) {
    Sim* sim = get(handle);
    return sim ? sim->trace.size() / TRACE_WORDS : 0;
}

// Move up to `max_records` trace records (sim_trace_record_bytes each) into `out`, oldest first;
// returns the number moved (or a negative error).
int64_t sim_trace_read(void* handle, void* out, uint64_t max_records) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (max_records && !out) return SIM_EARG;
    uint64_t have = sim->trace.size() / TRACE_WORDS;
    uint64_t n = have < max_records ? have : max_records;
    if (n) {
        memcpy(out, sim->trace.data(), n * TRACE_WORDS * 4);
        sim->trace.erase(sim->trace.begin(), sim->trace.begin() + ptrdiff_t(n * TRACE_WORDS));
    }
    return int64_t(n);
}

// Pipeline records waiting (sim_pipe_read), and the move of up to `max_records` of them
// (PIPE_WORDS 32-bit words each: device warp, D entry, X entry, X exit cycle) into `out`, oldest
// first; returns the number moved (or a negative error).
uint64_t sim_pipe_count(void* handle) {
    Sim* sim = get(handle);
    return sim ? sim->pipe.size() / PIPE_WORDS : 0;
}

int64_t sim_pipe_read(void* handle, uint32_t* out, uint64_t max_records) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (max_records && !out) return SIM_EARG;
    uint64_t have = sim->pipe.size() / PIPE_WORDS;
    uint64_t n = have < max_records ? have : max_records;
    if (n) {
        memcpy(out, sim->pipe.data(), n * PIPE_WORDS * 4);
        sim->pipe.erase(sim->pipe.begin(), sim->pipe.begin() + ptrdiff_t(n * PIPE_WORDS));
    }
    return int64_t(n);
}

// Dump a VCD of cycles [from, to) (cycle numbers as sim_cycles counts them, per start) into `path`,
// cycle n of the first run at n ns (dump()).
// The file is opened now (replacing an earlier one). SIM_ENOTSUP if built without tracing.
int sim_set_waves(void* handle, const char* path, uint64_t from, uint64_t to) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
#ifdef SIMTLAB_TRACE
    if (!path || !*path || to < from) return SIM_EARG;
    if (!sim->vcd) {
        sim->vcd = new (std::nothrow) WaveWriter();
        if (!sim->vcd) return SIM_ENOMEM;
        sim->top->trace(sim->vcd, 99);
        sim->vcd_attached = true;
    }
    if (sim->vcd->isOpen()) sim->vcd->close();
    sim->vcd->set_time_resolution("100ps");  // 10 units a cycle: see dump()
    sim->vcd->open(path);
    if (!sim->vcd->isOpen()) return SIM_EIO;
    sim->vcd_path = path;
    sim->wave_from = from;
    sim->wave_to = to;
    sim->waves = true;
    return SIM_OK;
#else
    (void)path;
    (void)from;
    (void)to;
    return SIM_ENOTSUP;
#endif
}

// 1 if this library's design has the tile (SimtConfig.tile).
int sim_has_tile(void) {
#ifdef SIMTLAB_TILE
    return 1;
#else
    return 0;
#endif
}

// Write (`write` = 1) or read a tile register at byte `offset` of the MMIO window; a read's value
// goes to *value. Takes two cycles (memory is served meanwhile). Not during a kernel run.
int sim_tile_access(void* handle, uint32_t offset, int write, uint32_t* value) {
    Sim* sim = get(handle);
    if (!sim || !value) return SIM_EHANDLE;
#ifdef SIMTLAB_TILE
    if (offset >= 0x10000u || (offset & 3u)) return SIM_EARG;
    tile_ready(sim);
    Vsimtlab_top* t = sim->top;
    t->PORT(host, valid) = 1;
    t->PORT(host, write) = write ? 1 : 0;
    t->PORT(host, addr) = offset >> 2;
    t->PORT(host, wdata) = write ? *value : 0u;
    tile_cycle(sim);
    t->PORT(host, valid) = 0;
    t->PORT(host, write) = 0;
    t->PORT(host, wdata) = 0;
    tile_cycle(sim);    // the register block answers at this edge: rdata shows for one cycle
    if (!write) *value = t->PORT(host, rdata);
    return SIM_OK;
#else
    (void)offset; (void)write;
    return SIM_ESTATE;
#endif
}

// Let the clock run (serving the tile's DMA) until the tile's interrupt line rises or `max_cycles`
// pass. Returns the cycles it ran, or -1 if the line did not rise.
int64_t sim_tile_wait(void* handle, uint64_t max_cycles) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
#ifdef SIMTLAB_TILE
    tile_ready(sim);
    for (uint64_t i = 0; i < max_cycles; i++) {
        if (sim->top->tile_irq) return int64_t(i);
        tile_cycle(sim);
    }
    return sim->top->tile_irq ? int64_t(max_cycles) : -1;
#else
    (void)max_cycles;
    return SIM_ESTATE;
#endif
}

// The tile's fault report: out[0] valid, out[1] unit (its 4 KiB page; 15 watchdog), out[2] address.
int sim_tile_fault(void* handle, uint32_t* out) {
    Sim* sim = get(handle);
    if (!sim || !out) return SIM_EHANDLE;
#ifdef SIMTLAB_TILE
    Vsimtlab_top* t = sim->top;
    out[0] = t->PORT(tile_fault, valid);
    out[1] = t->PORT(tile_fault, unit);
    out[2] = t->PORT(tile_fault, addr);
    return SIM_OK;
#else
    return SIM_ESTATE;
#endif
}

}  // extern "C"
