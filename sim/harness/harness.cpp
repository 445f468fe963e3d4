// simtlab Verilator harness: drives the Verilated `simtlab_top` from C++ and exposes an extern "C" API
// that simtlab.sim.model.VerilatorModel loads with ctypes.
//
// The harness owns the clock, reset, the DCR write port, the start pulse, and the memory behind the
// two memory ports (imem, dmem). Python is called once per `sim_run`, never per cycle.
//
// One cycle (function `cycle`):
//   1. drive inputs: responses due in this cycle (rsp__valid for exactly one cycle);
//   2. clk=0, eval; sample outputs: accept requests (dmem, then imem), apply their side effects and
//      queue their responses `latency` cycles later; record retire and fault;
//   3. clk=1, eval (the rising edge at which the sampled requests are accepted).
// So a request accepted at the edge ending cycle n gets its response driven in cycle n + latency.
//
// Memory: a sparse byte array behind a table of 65536 pointers to lazily allocated 64 KiB pages
// (unwritten memory reads 0). Region kinds: 1 = ram, 2 = io, 3 = mmio; any access outside ram/io, or
// inside mmio, gets err=1 (and no side effect).
//
// Ending stores: a write to IO_EXIT or (when enabled) an odd word to tohost has its side effect when
// the request is accepted, but the run stops only when that store retires, so the retire trace ends
// with it (as the golden model's does). The harness numbers the dmem write requests it accepts and
// counts retired store instructions (opcodes STORE 0x23 and STORE-FP 0x27); the run ends in the cycle
// the store count reaches the ordinal of the ending write, or DRAIN_LIMIT cycles after it at the
// latest (for designs whose stores do not map one-to-one onto dmem writes).
//
// Build flags: define SIMTLAB_TRACE (and pass --trace to Verilator) for VCD support.
//
// Every entry point checks its handle (NULL or not created by sim_create) and arguments and returns a
// negative SIM_E* code instead of crashing the host process.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>
#include <string>
#include <vector>

#include "Vsimtlab_top.h"
#include "verilated.h"
#ifdef SIMTLAB_TRACE
#include "verilated_vcd_c.h"
#endif

// Verilator encodes "__" in port names as "___05F".
#define REQ(port, field) port##___05Freq___05F##field
#define RSP(port, field) port##___05Frsp___05F##field

namespace {

// Keep these in step with simtlab.config (RunStatus, MemoryMap) and sim/model.py.
enum : int {
    ST_RUNNING = 0,
    ST_DONE = 1,
    ST_TOHOST = 2,
    ST_EXIT = 3,
    ST_FAULT = 4,
    ST_WATCHDOG = 5,
};

enum : int {
    SIM_OK = 0,
    SIM_EHANDLE = -1,    // NULL or unknown handle
    SIM_EARG = -2,       // bad argument (NULL buffer, size, kind, window)
    SIM_EUNMAPPED = -3,  // memory range not inside one "ram" region
    SIM_ENOTSUP = -4,    // waveforms requested from a build without tracing
    SIM_EIO = -5,        // could not open the VCD file
    SIM_ENOMEM = -6,     // allocation failed
    SIM_ESTATE = -7,     // sim_run before sim_start
};

enum : int { KIND_RAM = 1, KIND_IO = 2, KIND_MMIO = 3 };

constexpr uint32_t IO_COUT = 0x00000040u;
constexpr uint32_t IO_EXIT = 0x00000080u;
constexpr uint64_t MAGIC = 0x73696d746c616231ull;  // "simtlab1"
constexpr int RESET_CYCLES = 4;
constexpr uint64_t DRAIN_LIMIT = 256;
constexpr uint32_t PAGE_BITS = 16;
constexpr uint32_t PAGE_SIZE = 1u << PAGE_BITS;
constexpr uint32_t NUM_PAGES = 1u << (32 - PAGE_BITS);

struct Region {
    uint64_t base;
    uint64_t size;
    int kind;
};

struct Response {
    uint64_t due;
    uint32_t data;
    uint8_t tag;
    uint8_t err;
};

#pragma pack(push, 1)
struct TraceRecord {  // TRACE_DTYPE in sim/result.py
    uint32_t pc;
    uint32_t insn;
    uint32_t data;
    uint8_t rd;
    uint8_t pad[3];
};
#pragma pack(pop)
static_assert(sizeof(TraceRecord) == 16, "TraceRecord must match TRACE_DTYPE");

struct Sim {
    uint64_t magic = MAGIC;
    VerilatedContext* ctx = nullptr;
    Vsimtlab_top* top = nullptr;
    uint8_t** pages = nullptr;  // NUM_PAGES entries
    std::vector<Region> regions;
    unsigned latency = 1;

    bool tohost_enabled = false;
    uint32_t tohost_addr = 0;
    std::vector<std::pair<uint32_t, uint32_t>> dcrs;  // replayed at sim_start, in write order

    std::deque<Response> rsp_dmem, rsp_imem;
    bool started = false;
    int status = ST_RUNNING;  // sticky once the run ended for a reason other than the watchdog
    int pending_status = ST_RUNNING;  // EXIT/TOHOST waiting for its store to retire
    uint64_t pending_target = 0;      // ... the ordinal of that store among dmem writes
    uint64_t pending_deadline = 0;    // ... and the cycle at which the run ends anyway
    uint64_t dmem_writes = 0;         // dmem write requests accepted since start
    uint64_t stores_retired = 0;      // store instructions retired since start
    uint64_t now = 0;         // cycles since the start pulse (the start cycle is cycle 0)
    uint64_t instret = 0;
    uint32_t code = 0;
    uint32_t fault_cause = 0, fault_pc = 0, fault_addr = 0;
    uint64_t ticks = 0;  // half-cycles since create (VCD time)

    std::string console;
    bool trace_on = false;
    std::vector<TraceRecord> trace;

#ifdef SIMTLAB_TRACE
    VerilatedVcdC* vcd = nullptr;
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

const Region* region_of(const Sim* sim, uint64_t addr, uint64_t size) {
    for (const Region& r : sim->regions)
        if (addr >= r.base && addr + size <= r.base + r.size) return &r;
    return nullptr;
}

// Whether [addr, addr+size) is covered by "ram" regions (possibly several adjacent ones).
bool ram_range(const Sim* sim, uint64_t addr, uint64_t size) {
    if (addr + size > (1ull << 32)) return false;
    while (size) {
        const Region* hit = nullptr;
        for (const Region& r : sim->regions)
            if (r.kind == KIND_RAM && addr >= r.base && addr < r.base + r.size) { hit = &r; break; }
        if (!hit) return false;
        uint64_t chunk = hit->base + hit->size - addr;
        if (chunk >= size) return true;
        addr += chunk;
        size -= chunk;
    }
    return true;
}

uint8_t* page_for_write(Sim* sim, uint32_t addr) {
    uint8_t*& page = sim->pages[addr >> PAGE_BITS];
    if (!page) page = static_cast<uint8_t*>(calloc(PAGE_SIZE, 1));
    return page;
}

uint32_t read_word(const Sim* sim, uint32_t word_addr) {
    const uint8_t* page = sim->pages[word_addr >> PAGE_BITS];
    if (!page) return 0;
    uint32_t v;
    memcpy(&v, page + (word_addr & (PAGE_SIZE - 1)), 4);
    return v;  // little-endian host (x86-64, aarch64)
}

bool write_word(Sim* sim, uint32_t word_addr, uint32_t data, uint32_t be) {
    uint8_t* page = page_for_write(sim, word_addr);
    if (!page) return false;
    uint8_t* p = page + (word_addr & (PAGE_SIZE - 1));
    for (int i = 0; i < 4; i++)
        if (be & (1u << i)) p[i] = uint8_t(data >> (8 * i));
    return true;
}

void end_run(Sim* sim, int status) {
    if (sim->status == ST_RUNNING) sim->status = status;
}

// An accepted ending store (EXIT/TOHOST): stop when it retires. The first one wins.
bool end_when_retired(Sim* sim, int status) {
    if (sim->status != ST_RUNNING || sim->pending_status != ST_RUNNING) return false;
    sim->pending_status = status;
    sim->pending_target = sim->dmem_writes;
    sim->pending_deadline = sim->now + DRAIN_LIMIT;
    return true;
}

// Accept one request: apply side effects, queue the response.
void accept(Sim* sim, std::deque<Response>& queue, uint32_t addr, bool we, uint32_t data, uint32_t be,
            uint8_t tag) {
    if (we && &queue == &sim->rsp_dmem) sim->dmem_writes++;
    uint32_t word = addr & ~3u;
    const Region* region = region_of(sim, word, 4);
    bool err = !region || (region->kind != KIND_RAM && region->kind != KIND_IO);
    uint32_t rdata = 0;
    if (!err) {
        if (region->kind == KIND_RAM) {
            if (we) {
                if (!write_word(sim, word, data, be)) err = true;  // out of host memory
                else if (sim->tohost_enabled && word == (sim->tohost_addr & ~3u)) {
                    uint32_t value = read_word(sim, word);
                    if ((value & 1u) && end_when_retired(sim, ST_TOHOST)) sim->code = value >> 1;
                }
            } else {
                rdata = read_word(sim, word);
            }
        } else if (we) {  // io: writes have effects, reads return 0
            if (word == (IO_COUT & ~3u) && (be & (1u << (IO_COUT & 3u))))
                sim->console.push_back(char(data >> (8 * (IO_COUT & 3u))));
            if (word == (IO_EXIT & ~3u) && be) {
                uint32_t mask = 0;
                for (int i = 0; i < 4; i++)
                    if (be & (1u << i)) mask |= 0xFFu << (8 * i);
                if (end_when_retired(sim, ST_EXIT)) sim->code = data & mask;
            }
        }
    }
    queue.push_back(Response{sim->now + sim->latency, rdata, tag, uint8_t(err)});
}

#ifdef SIMTLAB_TRACE
void dump(Sim* sim) {
    if (sim->vcd && sim->vcd_attached && sim->now >= sim->wave_from && sim->now < sim->wave_to)
        sim->vcd->dump(sim->ticks);
}
#else
inline void dump(Sim*) {}
#endif

void half(Sim* sim, int clk) {
    sim->top->clk = clk;
    sim->top->eval();
    dump(sim);
    sim->ticks++;
}

void drive_rsp(Sim* sim) {
    Vsimtlab_top* t = sim->top;
#define DRIVE(port, queue)                                            \
    if (!queue.empty() && queue.front().due <= sim->now) {            \
        const Response& r = queue.front();                            \
        t->RSP(port, valid) = 1;                                      \
        t->RSP(port, data) = r.data;                                  \
        t->RSP(port, tag) = r.tag;                                    \
        t->RSP(port, err) = r.err;                                    \
        queue.pop_front();                                            \
    } else {                                                          \
        t->RSP(port, valid) = 0;                                      \
        t->RSP(port, data) = 0;                                       \
        t->RSP(port, tag) = 0;                                        \
        t->RSP(port, err) = 0;                                        \
    }
    DRIVE(dmem, sim->rsp_dmem)
    DRIVE(imem, sim->rsp_imem)
#undef DRIVE
}

// One full cycle of a started design. `check_busy` is false for the start-pulse cycle.
void cycle(Sim* sim, bool check_busy) {
    Vsimtlab_top* t = sim->top;
    drive_rsp(sim);
    half(sim, 0);
    if (t->REQ(dmem, valid))
        accept(sim, sim->rsp_dmem, t->REQ(dmem, addr), t->REQ(dmem, we), t->REQ(dmem, data),
               t->REQ(dmem, be), t->REQ(dmem, tag));
    if (t->REQ(imem, valid))
        accept(sim, sim->rsp_imem, t->REQ(imem, addr), t->REQ(imem, we), t->REQ(imem, data),
               t->REQ(imem, be), t->REQ(imem, tag));
    if (t->retire___05Fvalid) {
        sim->instret++;
        uint32_t opcode = t->retire___05Finsn & 0x7Fu;
        if (opcode == 0x23u || opcode == 0x27u) sim->stores_retired++;
        if (sim->trace_on)
            sim->trace.push_back(TraceRecord{t->retire___05Fpc, t->retire___05Finsn, t->retire___05Fdata,
                                             uint8_t(t->retire___05Frd), {0, 0, 0}});
    }
    if (sim->pending_status != ST_RUNNING &&
        (sim->stores_retired >= sim->pending_target || sim->now >= sim->pending_deadline))
        end_run(sim, sim->pending_status);
    if (t->fault___05Fvalid && sim->status == ST_RUNNING) {
        sim->fault_cause = t->fault___05Fcause;
        sim->fault_pc = t->fault___05Fpc;
        sim->fault_addr = t->fault___05Faddr;
        end_run(sim, ST_FAULT);
    }
    if (check_busy && !t->busy) end_run(sim, ST_DONE);
    half(sim, 1);
    sim->now++;
}

// A cycle outside a run (reset, DCR writes): no memory traffic is served.
void idle_cycle(Sim* sim) {
    Vsimtlab_top* t = sim->top;
    t->RSP(dmem, valid) = 0;
    t->RSP(imem, valid) = 0;
    half(sim, 0);
    half(sim, 1);
}

}  // namespace

extern "C" {

// Create a simulator with memory latency `latency` (1..4096 cycles). Returns NULL on failure.
void* sim_create(unsigned latency) {
    if (latency < 1 || latency > 4096) return nullptr;
    Sim* sim = new (std::nothrow) Sim();
    if (!sim) return nullptr;
    sim->latency = latency;
    sim->pages = static_cast<uint8_t**>(calloc(NUM_PAGES, sizeof(uint8_t*)));
    sim->ctx = new (std::nothrow) VerilatedContext();
    if (!sim->pages || !sim->ctx) {
        free(sim->pages);
        delete sim->ctx;
        delete sim;
        return nullptr;
    }
    sim->ctx->randReset(0);
#ifdef SIMTLAB_TRACE
    sim->ctx->traceEverOn(true);
#endif
    sim->top = new (std::nothrow) Vsimtlab_top(sim->ctx, "simtlab_top");
    if (!sim->top) {
        free(sim->pages);
        delete sim->ctx;
        delete sim;
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
    }
#endif
    sim->top->final();
    delete sim->top;
    delete sim->ctx;
    for (uint32_t i = 0; i < NUM_PAGES; i++) free(sim->pages[i]);
    free(sim->pages);
    sim->magic = 0;
    delete sim;
}

// 1 when this library was built with VCD support, else 0.
int sim_has_waves(void) {
#ifdef SIMTLAB_TRACE
    return 1;
#else
    return 0;
#endif
}

// Map [base, base+size) as kind 1 (ram), 2 (io) or 3 (mmio).
int sim_add_region(void* handle, uint32_t base, uint64_t size, int kind) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (size == 0 || uint64_t(base) + size > (1ull << 32) || kind < KIND_RAM || kind > KIND_MMIO)
        return SIM_EARG;
    sim->regions.push_back(Region{base, size, kind});
    return SIM_OK;
}

// Set the memory latency (1..4096 cycles) for requests accepted from now on.
int sim_set_latency(void* handle, unsigned latency) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (latency < 1 || latency > 4096) return SIM_EARG;
    sim->latency = latency;
    return SIM_OK;
}

// Copy `len` bytes into memory at `addr`; the range must lie in "ram" regions.
int sim_write_mem(void* handle, uint32_t addr, const uint8_t* data, uint64_t len) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (len == 0) return SIM_OK;
    if (!data) return SIM_EARG;
    if (!ram_range(sim, addr, len)) return SIM_EUNMAPPED;
    uint64_t a = addr;
    while (len) {
        uint32_t off = uint32_t(a & (PAGE_SIZE - 1));
        uint64_t chunk = PAGE_SIZE - off;
        if (chunk > len) chunk = len;
        uint8_t* page = page_for_write(sim, uint32_t(a));
        if (!page) return SIM_ENOMEM;
        memcpy(page + off, data, chunk);
        data += chunk;
        a += chunk;
        len -= chunk;
    }
    return SIM_OK;
}

// Copy `len` bytes of memory at `addr` into `out`; the range must lie in "ram" regions.
int sim_read_mem(void* handle, uint32_t addr, uint8_t* out, uint64_t len) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (len == 0) return SIM_OK;
    if (!out) return SIM_EARG;
    if (!ram_range(sim, addr, len)) return SIM_EUNMAPPED;
    uint64_t a = addr;
    while (len) {
        uint32_t off = uint32_t(a & (PAGE_SIZE - 1));
        uint64_t chunk = PAGE_SIZE - off;
        if (chunk > len) chunk = len;
        const uint8_t* page = sim->pages[a >> PAGE_BITS];
        if (page) memcpy(out, page + off, chunk);
        else memset(out, 0, chunk);
        out += chunk;
        a += chunk;
        len -= chunk;
    }
    return SIM_OK;
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
    sim->dcrs.emplace_back(addr, value);
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
    sim->now = 0;
    sim->instret = 0;
    sim->code = 0;
    sim->fault_cause = sim->fault_pc = sim->fault_addr = 0;
    sim->status = ST_RUNNING;
    sim->pending_status = ST_RUNNING;
    sim->pending_target = sim->pending_deadline = 0;
    sim->dmem_writes = sim->stores_retired = 0;
    sim->console.clear();
    sim->trace.clear();
    t->start = 0;
    t->dcr___05Fvalid = 0;
    t->rst = 1;
    for (int i = 0; i < RESET_CYCLES; i++) idle_cycle(sim);
    t->rst = 0;
    for (const auto& d : sim->dcrs) {
        t->dcr___05Fvalid = 1;
        t->dcr___05Faddr = uint16_t(d.first);
        t->dcr___05Fdata = d.second;
        idle_cycle(sim);
    }
    t->dcr___05Fvalid = 0;
    t->dcr___05Faddr = 0;
    t->dcr___05Fdata = 0;
    t->start = 1;
    cycle(sim, false);
    t->start = 0;
    sim->started = true;
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
uint32_t sim_code(void* handle) { Sim* s = get(handle); return s ? s->code : 0; }
uint32_t sim_fault_cause(void* handle) { Sim* s = get(handle); return s ? s->fault_cause : 0; }
uint32_t sim_fault_pc(void* handle) { Sim* s = get(handle); return s ? s->fault_pc : 0; }
uint32_t sim_fault_addr(void* handle) { Sim* s = get(handle); return s ? s->fault_addr : 0; }
uint32_t sim_dbg_pc(void* handle) { Sim* s = get(handle); return s ? s->top->dbg___05Fpc : 0; }

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

// Records waiting in the trace buffer.
uint64_t sim_trace_count(void* handle) {
    Sim* sim = get(handle);
    return sim ? sim->trace.size() : 0;
}

// Move up to `max_records` 16-byte trace records (TRACE_DTYPE) into `out`, oldest first; returns the
// number moved (or a negative error).
int64_t sim_trace_read(void* handle, void* out, uint64_t max_records) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
    if (max_records && !out) return SIM_EARG;
    uint64_t n = sim->trace.size() < max_records ? sim->trace.size() : max_records;
    if (n) {
        memcpy(out, sim->trace.data(), n * sizeof(TraceRecord));
        sim->trace.erase(sim->trace.begin(), sim->trace.begin() + n);
    }
    return int64_t(n);
}

// Dump a VCD of cycles [from, to) (cycle numbers as sim_cycles counts them, per start) into `path`.
// The file is opened now (replacing an earlier one). SIM_ENOTSUP if built without tracing.
int sim_set_waves(void* handle, const char* path, uint64_t from, uint64_t to) {
    Sim* sim = get(handle);
    if (!sim) return SIM_EHANDLE;
#ifdef SIMTLAB_TRACE
    if (!path || !*path || to < from) return SIM_EARG;
    if (!sim->vcd) {
        sim->vcd = new (std::nothrow) VerilatedVcdC();
        if (!sim->vcd) return SIM_ENOMEM;
        sim->top->trace(sim->vcd, 99);
        sim->vcd_attached = true;
    }
    if (sim->vcd->isOpen()) sim->vcd->close();
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

}  // extern "C"
