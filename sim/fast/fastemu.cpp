// The fast functional backend: the golden model's semantics (sim/emulator.py, sim/emu_*.py,
// docs/simt.md) compiled.  One instruction per step, warps in the emulator's round-robin order, so
// that counters, cycles and retire traces equal the Python emulator's record for record.
//
// Interface: the fe_* functions at the end (ctypes, sim/fast/model.py).  Throughput: about 130 M
// warp instructions per second of CPU time on the spin kernel (docs/fast.md); no timing model.
//
// Constants come from the generated headers: fastemu_spec.h (decode table, CSRs, fault causes, FPU
// enums) and ../harness/simtlab_spec.h (run status, region kinds, I/O addresses, AMO ops).

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fastemu_spec.h"
#include "simtlab_spec.h"

namespace {

constexpr uint64_t MASK32 = 0xFFFFFFFFull;
// min-PC keys (sim/emu_state.py): running lanes' key is the PC; parked lanes sort after them.
constexpr uint64_t PARKED = 2ull << 32;
constexpr uint64_t TMC_PARKED = 3ull << 32;
constexpr uint64_t NO_PC = 4ull << 32;
constexpr int F = 32;           // slot of f0
constexpr int SINK = 64;        // slot that receives writes to x0
constexpr int NSLOTS = 65;
constexpr int PAGE_BITS = 16;
constexpr uint64_t PAGE_SIZE = 1ull << PAGE_BITS;
constexpr uint64_t NPAGES = 1ull << (32 - PAGE_BITS);
constexpr unsigned DCACHE = 1u << 16;
constexpr int ILLEGAL = -1;

inline uint64_t park_key(uint64_t pc, bool is_tmc) {
    return is_tmc ? TMC_PARKED + (MASK32 - pc) : PARKED + pc;
}
inline uint64_t key_pc(uint64_t key) {
    return key >= TMC_PARKED ? MASK32 - (key - TMC_PARKED) : key & MASK32;
}
inline int32_t sext(uint32_t v, int bits) {
    uint32_t sign = 1u << (bits - 1);
    return (int32_t)((v & (sign - 1)) - (v & sign));
}

struct Region { uint64_t base, size; int kind; bool atomic; };

struct Decoded {
    uint32_t insn;
    bool valid;
    int id;             // DECODE_TABLE row id, or ILLEGAL
    int unit;
    uint8_t rd, rs1, rs2, rs3;      // register-list slots
    uint8_t traced;     // rd in the trace (0: none)
    uint8_t rm;         // resolved static rm, 7 = dynamic
    int fop;
    int amo;
    uint32_t imm;       // immediate (two's complement) or CSR number
    uint8_t size;       // load/store bytes
    bool sign, flag;    // load sign-extends; CSR immediate / split/pred negate
    uint8_t csr_op;     // 1 write, 2 set, 3 clear
    bool csr_writes;
};

struct Ipdom { uint32_t mask; uint64_t pc; bool is_else; };

struct Warp {
    int wid;
    uint64_t pc;
    uint32_t tmask, dmask;
    uint64_t dmin;
    uint64_t dkey[32];
    std::vector<Ipdom> ipdom;
    int barrier;        // -1: none
    uint32_t fcsr;
    int n;              // lanes in tmask
    uint8_t lanes[32];  // lanes in tmask, lowest first
    uint32_t *regs;     // threads x NSLOTS

    void set_tmask(uint32_t m) {
        tmask = m;
        n = 0;
        while (m) { lanes[n++] = (uint8_t)__builtin_ctz(m); m &= m - 1; }
    }
    void clear_deferred() { dmask = 0; dmin = NO_PC; }
    uint32_t *x(int lane) { return regs + lane * NSLOTS; }
};

enum Outcome { OK, RETRY, FAULT, STOP };

struct Sim {
    int warps, threads, ipdom_depth, num_barriers, cores;
    bool fpu, muldiv;
    uint32_t lmem_base;
    uint32_t full_mask;
    std::vector<Region> regions;
    // memory: 64 KiB pages; page_ram[p]: the whole page lies in one ram region
    std::vector<uint8_t *> pages;
    std::vector<uint8_t> page_ram;
    std::vector<uint8_t *> fast;        // allocated pages with page_ram set: no further checks
    std::vector<uint8_t> console;
    bool has_tohost = false;
    uint32_t tohost = 0;
    std::vector<uint64_t> reservation;      // per hart: word address, or ~0
    int reservations = 0;
    // state
    std::vector<Warp> w;
    std::vector<uint32_t> regfile;
    std::vector<uint32_t> bar_counts;
    std::vector<Decoded> dcache;
    uint32_t mscratch = 0;
    uint64_t instret = 0, stalls = 0, thread_instrs = 0;
    int last_wid = -1;
    bool dirty = true;
    // end of a run
    uint32_t fault_cause = 0, fault_pc = 0, fault_addr = 0;
    int stop_status = 0;
    uint32_t stop_code = 0;
    uint64_t retry_pc = 0;
    bool retry_has_pc = false;
    // trace
    bool tracing = false;
    std::vector<uint8_t> trace;

    uint64_t cycles() const { return instret + stalls; }

    Outcome fault(uint32_t cause, uint64_t addr) {
        fault_cause = cause;
        fault_addr = (uint32_t)(addr & MASK32);
        return FAULT;
    }

    // -- memory ---------------------------------------------------------------------------------
    int kind_of(uint64_t addr, uint64_t n) const {
        for (const Region &r : regions)
            if (r.base <= addr && addr + n <= r.base + r.size) return r.kind;
        return 0;
    }
    uint8_t *page(uint64_t pn) {
        uint8_t *p = pages[pn];
        if (!p) {
            p = pages[pn] = (uint8_t *)calloc(PAGE_SIZE, 1);
            if (page_ram[pn]) fast[pn] = p;
        }
        return p;
    }
    void write_bytes(uint64_t addr, const uint8_t *data, uint64_t n) {
        while (n) {
            uint64_t off = addr & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off;
            if (chunk > n) chunk = n;
            memcpy(page(addr >> PAGE_BITS) + off, data, chunk);
            addr += chunk; data += chunk; n -= chunk;
        }
    }
    void read_bytes(uint64_t addr, uint8_t *out, uint64_t n) const {
        while (n) {
            uint64_t off = addr & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off;
            if (chunk > n) chunk = n;
            const uint8_t *p = pages[addr >> PAGE_BITS];
            if (p) memcpy(out, p + off, chunk); else memset(out, 0, chunk);
            addr += chunk; out += chunk; n -= chunk;
        }
    }
    uint32_t peek(uint64_t addr, int size) const {     // little-endian, inside one page
        const uint8_t *p = pages[addr >> PAGE_BITS];
        if (!p) return 0;
        uint32_t v = 0;
        memcpy(&v, p + (addr & (PAGE_SIZE - 1)), size);
        return v;
    }
    void poke(uint64_t addr, int size, uint32_t v) {
        memcpy(page(addr >> PAGE_BITS) + (addr & (PAGE_SIZE - 1)), &v, size);
    }
    Outcome load(uint64_t addr, int size, uint32_t &value) {
        if (addr & (size - 1)) return fault(CAUSE_LOAD_MISALIGNED, addr);
        if (const uint8_t *p = fast[addr >> PAGE_BITS]) {
            value = 0;
            memcpy(&value, p + (addr & (PAGE_SIZE - 1)), size);
            return OK;
        }
        if (page_ram[addr >> PAGE_BITS]) { value = 0; return OK; }     // untouched ram
        int kind = kind_of(addr, size);
        if (kind == KIND_RAM) { value = peek(addr, size); return OK; }
        if (kind == KIND_IO) { value = 0; return OK; }
        return fault(CAUSE_LOAD_ACCESS, addr);          // mmio: no tile in this backend
    }
    Outcome check_store(uint64_t addr, int size) {
        if (addr & (size - 1)) return fault(CAUSE_STORE_MISALIGNED, addr);
        if (!page_ram[addr >> PAGE_BITS]) {
            int kind = kind_of(addr, size);
            if (kind != KIND_RAM && kind != KIND_IO) return fault(CAUSE_STORE_ACCESS, addr);
        }
        return OK;
    }
    void unreserve(uint64_t word) {
        for (size_t h = 0; h < reservation.size(); h++)
            if (reservation[h] == word) { reservation[h] = ~0ull; reservations--; }
    }
    // a store; STOP (with stop_status) when it ends the run, after storing
    Outcome store(uint64_t addr, int size, uint32_t value) {
        if (addr & (size - 1)) return fault(CAUSE_STORE_MISALIGNED, addr);
        if (reservations) unreserve(addr & ~3ull);
        if (size < 4) value &= (1u << (8 * size)) - 1;
        if (!page_ram[addr >> PAGE_BITS]) {
            int kind = kind_of(addr, size);
            if (kind == KIND_IO) {
                if (addr == IO_COUT) console.push_back((uint8_t)value);
                else if (addr == IO_EXIT) { stop_status = ST_EXIT; stop_code = value; return STOP; }
                return OK;
            }
            if (kind != KIND_RAM) return fault(CAUSE_STORE_ACCESS, addr);
        }
        poke(addr, size, value);
        if (has_tohost && addr == tohost && size == 4 && (value & 1)) {
            stop_status = ST_TOHOST; stop_code = value >> 1;
            return STOP;
        }
        return OK;
    }
    Outcome check_amo(Warp &wp, int rs1) {
        for (int i = 0; i < wp.n; i++) {
            uint32_t a = wp.x(wp.lanes[i])[rs1];
            if (a & 3) return fault(CAUSE_STORE_MISALIGNED, a);
        }
        for (int i = 0; i < wp.n; i++) {
            uint32_t a = wp.x(wp.lanes[i])[rs1];
            int kind = kind_of(a, 4);
            if (kind == 0 || kind == KIND_MMIO) return fault(CAUSE_STORE_ACCESS, a);
        }
        for (int i = 0; i < wp.n; i++) {
            uint32_t a = wp.x(wp.lanes[i])[rs1];
            bool ok = false;
            for (const Region &r : regions)
                if (r.atomic && r.base <= a && a + 4ull <= r.base + r.size) ok = true;
            if (!ok) return fault(CAUSE_AMO_REGION, a);
        }
        return OK;
    }
    uint32_t amo(uint32_t addr, int op, uint32_t src, int hart) {
        uint32_t old = peek(addr, 4), nw, result;
        if (op == AMO_LR) {
            if (reservation[hart] == ~0ull) reservations++;
            reservation[hart] = addr;
            return old;
        }
        if (op == AMO_SC) {
            bool held = reservation[hart] == addr;
            if (reservation[hart] != ~0ull) { reservation[hart] = ~0ull; reservations--; }
            if (!held) return 1;
            nw = src; result = 0;
        } else {
            result = old;
            switch (op) {
            case AMO_SWAP: nw = src; break;
            case AMO_ADD: nw = old + src; break;
            case AMO_XOR: nw = old ^ src; break;
            case AMO_AND: nw = old & src; break;
            case AMO_OR: nw = old | src; break;
            case AMO_MIN: nw = (int32_t)old <= (int32_t)src ? old : src; break;
            case AMO_MAX: nw = (int32_t)old >= (int32_t)src ? old : src; break;
            case AMO_MINU: nw = old < src ? old : src; break;
            default: nw = old > src ? old : src; break;     // AMO_MAXU
            }
        }
        if (reservations) unreserve(addr);
        poke(addr, 4, nw);
        return result;
    }
    // the instruction word at pc, or a fault
    Outcome fetch(uint64_t pc, uint32_t &insn) {
        if (!(pc & 0xFFFFFFFF00000003ull)) {
            if (const uint8_t *p = fast[pc >> PAGE_BITS]) {
                memcpy(&insn, p + (pc & (PAGE_SIZE - 1)), 4);
                return OK;
            }
        }
        if (pc & 3) return fault(CAUSE_INSN_MISALIGNED, pc);
        if (pc > MASK32 || kind_of(pc, 4) != KIND_RAM) return fault(CAUSE_INSN_ACCESS, pc);
        insn = peek(pc, 4);
        return OK;
    }

    // -- decoding -------------------------------------------------------------------------------
    bool csr_exists(uint32_t n) const {
        switch (n) {
        case CSR_MINSTRET: case CSR_INSTRET: case CSR_MINSTRETH: case CSR_INSTRETH:
        case CSR_CORE_ID: case CSR_NUM_THREADS: case CSR_NUM_WARPS: case CSR_NUM_CORES:
        case CSR_LMEM_BASE: case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID:
        case CSR_THREAD_ID: case CSR_WARP_ID: case CSR_ACTIVE_WARPS: case CSR_ACTIVE_THREADS:
        case CSR_MHARTID: case CSR_MSCRATCH: case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
            return true;
        default:
            return csr_counts_cycles(n);
        }
    }
    static bool lane_csr(uint32_t n) {
        return n == CSR_THREAD_ID || n == CSR_WARP_ID || n == CSR_ACTIVE_WARPS
               || n == CSR_ACTIVE_THREADS || n == CSR_MHARTID;
    }
    static uint32_t imm_of(uint32_t insn, int unit, int id) {
        if (id == I_LUI || id == I_AUIPC) return insn & 0xFFFFF000u;
        if (unit == UNIT_JAL)
            return (uint32_t)sext(((insn >> 31) << 20) | (((insn >> 12) & 0xFF) << 12)
                                  | (((insn >> 20) & 1) << 11) | (((insn >> 21) & 0x3FF) << 1), 21);
        if (unit == UNIT_BRANCH)
            return (uint32_t)sext(((insn >> 31) << 12) | (((insn >> 7) & 1) << 11)
                                  | (((insn >> 25) & 0x3F) << 5) | (((insn >> 8) & 0xF) << 1), 13);
        if (unit == UNIT_STORE) return (uint32_t)sext(((insn >> 25) << 5) | ((insn >> 7) & 0x1F), 12);
        return (uint32_t)sext(insn >> 20, 12);
    }
    void decode(uint32_t insn, Decoded &d) {
        d = Decoded{};
        d.insn = insn;
        d.valid = true;
        d.id = ILLEGAL;
        const DecodeRow *row = nullptr;
        for (unsigned i = 0; i < DECODE_ROWS; i++)
            if ((insn & DECODE_TABLE[i].mask) == DECODE_TABLE[i].value) { row = &DECODE_TABLE[i]; break; }
        if (!row) return;
        bool fp_row = row->fpu >= 0 || row->id == I_FLW || row->id == I_FSW;
        if (fp_row && !fpu) return;
        if ((row->unit == UNIT_MUL || row->unit == UNIT_DIV) && !muldiv) return;
        uint32_t rdf = (insn >> 7) & 31, rs1f = (insn >> 15) & 31, rs2f = (insn >> 20) & 31;
        d.unit = row->unit;
        d.amo = row->amo;
        d.fop = row->fpu;
        d.rd = rdf ? rdf : SINK;
        d.rs1 = rs1f;
        d.rs2 = rs2f;
        d.traced = row->writes_rd ? rdf : 0;
        d.imm = imm_of(insn, row->unit, row->id);
        switch (row->unit) {
        case UNIT_ALU:
            if ((row->alu == ALU_SLL || row->alu == ALU_SRL || row->alu == ALU_SRA) && row->b == OPB_IMM)
                d.imm &= 31;
            break;
        case UNIT_BRANCH: case UNIT_STORE: case UNIT_FENCE:
            d.traced = 0;
            break;
        case UNIT_LOAD:
            d.size = (row->id == I_LB || row->id == I_LBU) ? 1 : (row->id == I_LH || row->id == I_LHU) ? 2 : 4;
            d.sign = row->id == I_LB || row->id == I_LH;
            if (row->rd_fp) { d.rd = F + rdf; d.traced = F + rdf; }
            break;
        case UNIT_CSR: {
            uint32_t number = insn >> 20;
            if (!csr_exists(number)) return;
            d.flag = row->funct3 >= 5;
            d.csr_op = row->funct3 & 3;
            d.csr_writes = d.csr_op == 1 || rs1f != 0;
            if (d.csr_writes && (number >> 10) == 3) return;
            d.imm = number;
            break;
        }
        case UNIT_SIMT:
            d.flag = row->id == I_SPLIT ? rs2f != 0 : rdf != 0;     // split.n / pred.n negate
            if (row->id == I_SPLIT && row->writes_rd) d.traced = rdf;
            break;
        case UNIT_FPU:
            if (row->uses_rm) {
                uint32_t rm = (insn >> 12) & 7;
                if (rm == 5 || rm == 6) return;
                d.rm = rm;
            } else {
                d.rm = 0;
            }
            d.rd = row->rd_fp ? F + rdf : (rdf ? rdf : SINK);
            d.traced = row->rd_fp ? F + rdf : rdf;
            d.rs1 = row->rs1_fp ? F + rs1f : rs1f;
            d.rs2 = row->rs2_fp ? F + rs2f : 0;
            d.rs3 = row->rs3 ? F + (insn >> 27) : 0;
            break;
        default:
            break;
        }
        if (row->unit == UNIT_STORE) {
            d.size = row->id == I_SB ? 1 : row->id == I_SH ? 2 : 4;
            if (row->rs2_fp) d.rs2 = F + rs2f;
        }
        d.id = row->id;
    }

    // -- SIMT ----------------------------------------------------------------------------------------
    // Min-PC regrouping (WarpState.regroup): keys[lane] for the lanes of `lanes` plus the deferred
    // lanes' keys; returns the warp's new PC.
    uint64_t regroup(Warp &wp, uint32_t lanes, const uint64_t *keys) {
        uint64_t k[32];
        uint32_t all = lanes | wp.dmask;
        if (!all) { wp.set_tmask(0); return wp.pc; }
        uint64_t low = ~0ull;
        for (uint32_t m = all; m; m &= m - 1) {
            int l = __builtin_ctz(m);
            k[l] = (lanes >> l & 1) ? keys[l] : wp.dkey[l];
            if (k[l] < low) low = k[l];
        }
        uint32_t tmask = 0, dmask = 0;
        uint64_t dmin = NO_PC;
        for (uint32_t m = all; m; m &= m - 1) {
            int l = __builtin_ctz(m);
            if (k[l] == low) { tmask |= 1u << l; }
            else { dmask |= 1u << l; wp.dkey[l] = k[l]; if (k[l] < dmin) dmin = k[l]; }
        }
        wp.dmask = dmask;
        wp.dmin = dmin;
        wp.set_tmask(tmask);
        return key_pc(low);
    }
    uint64_t regroup_all(Warp &wp, uint64_t key) {      // every lane of tmask goes to `key`
        uint64_t keys[32];
        for (int i = 0; i < wp.n; i++) keys[wp.lanes[i]] = key;
        return regroup(wp, wp.tmask, keys);
    }
    uint64_t diverge(Warp &wp, uint32_t lanes, const uint64_t *keys) {
        dirty = true;
        return regroup(wp, lanes, keys);
    }
    // a SIMT instruction waits for deferred lanes (emu_simt._converge): RETRY with the new PC
    bool converge(Warp &wp, uint64_t pc, bool is_tmc) {
        uint64_t here = park_key(pc, is_tmc);
        if (wp.dmin <= here) {
            uint64_t keys[32];
            for (int i = 0; i < wp.n; i++) keys[wp.lanes[i]] = here;
            dirty = true;
            retry_pc = regroup(wp, wp.tmask, keys);
            retry_has_pc = true;
            return true;
        }
        return false;
    }
    uint64_t go_on(Warp &wp, uint32_t tmask, uint64_t next_pc) {
        next_pc &= MASK32;
        if (wp.dmask) {
            tmask &= ~wp.dmask;
            uint64_t keys[32];
            for (uint32_t m = tmask; m; m &= m - 1) keys[__builtin_ctz(m)] = next_pc;
            dirty = true;
            return regroup(wp, tmask, keys);
        }
        wp.set_tmask(tmask);
        if (!tmask) dirty = true;
        return next_pc;
    }
    uint32_t lane_bits(Warp &wp, int rs1, bool negate) {
        uint32_t bits = 0;
        for (int i = 0; i < wp.n; i++)
            if ((wp.x(wp.lanes[i])[rs1] ^ (negate ? 1u : 0u)) & 1) bits |= 1u << wp.lanes[i];
        return bits;
    }

    // -- CSRs -----------------------------------------------------------------------------------
    uint32_t csr_read(Warp &wp, uint32_t n, int lane) {
        switch (n) {
        case CSR_MINSTRET: case CSR_INSTRET: return (uint32_t)instret;
        case CSR_MINSTRETH: case CSR_INSTRETH: return (uint32_t)(instret >> 32);
        case CSR_MSCRATCH: return mscratch;
        case CSR_FFLAGS: return wp.fcsr & 0x1F;
        case CSR_FRM: return wp.fcsr >> 5;
        case CSR_FCSR: return wp.fcsr;
        case CSR_THREAD_ID: return lane;
        case CSR_WARP_ID: return wp.wid;
        case CSR_ACTIVE_WARPS: {
            uint32_t m = 0;
            for (Warp &o : w) if (o.tmask) m |= 1u << o.wid;
            return m;
        }
        case CSR_ACTIVE_THREADS: return wp.tmask;
        case CSR_MHARTID: return (uint32_t)((0 * warps + wp.wid) * threads + lane);
        case CSR_CORE_ID: return 0;
        case CSR_NUM_THREADS: return threads;
        case CSR_NUM_WARPS: return warps;
        case CSR_NUM_CORES: return cores;
        case CSR_LMEM_BASE: return lmem_base;
        case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: return 0;
        default:    // the cycle counters: the high halves are the *H numbers
            return (n == CSR_MCYCLEH || n == CSR_CYCLEH) ? (uint32_t)(cycles() >> 32) : (uint32_t)cycles();
        }
    }
    void csr_write(Warp &wp, uint32_t n, uint32_t v) {
        if (n == CSR_MSCRATCH) mscratch = v;
        else if (n == CSR_FFLAGS) wp.fcsr = (wp.fcsr & 0xE0) | (v & 0x1F);
        else if (n == CSR_FRM) wp.fcsr = (wp.fcsr & 0x1F) | ((v & 7) << 5);
        else if (n == CSR_FCSR) wp.fcsr = v & 0xFF;
    }

    Outcome execute(Warp &wp, const Decoded &d, uint64_t pc, uint64_t &next);
    Outcome fp(Warp &wp, const Decoded &d);
    int run(uint64_t stop_at);
    void record(uint64_t pc, uint32_t insn, int wid, int rd, uint32_t tmask, int n, const uint8_t *lanes, Warp &wp);
    void reset(uint64_t pc, uint32_t arg);
};

// -- RV32F: SoftFloat's RISC-V results (sim/fp.py) --------------------------------------------------
// Add, sub, mul, div, sqrt and the fused ops are computed in double precision and rounded to odd
// (the truncated result with the inexact bit ORed into the last place: 53 >= 24 + 2 bits, so one
// more rounding to single is the correctly rounded result in every mode), then rounded to single in
// software in the requested mode (RMM included) with SoftFloat's flags: tininess after rounding,
// overflow, inexact.  The double operations run in the host's round-to-nearest mode; whether a
// result is exact, and on which side of it the true value lies, come from error-free transforms
// (the error of a sum, the remainder of a quotient or a square root, both exact), so no rounding
// mode or flag register is touched.  NaNs, signs of exact zeros, DZ and NV are decided in software.
// The library is built with -ffp-contract=off: the transforms need every product rounded as written.

inline bool is_nan(uint32_t b) { return (b & 0x7F800000u) == 0x7F800000u && (b & 0x007FFFFFu); }
inline bool is_snan(uint32_t b) { return is_nan(b) && !(b & 0x00400000u); }
inline bool is_inf(uint32_t b) { return (b & 0x7FFFFFFFu) == 0x7F800000u; }
inline bool is_zero(uint32_t b) { return !(b & 0x7FFFFFFFu); }
inline float as_f(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
inline uint64_t dbits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
inline double as_d(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }

inline uint32_t jam32(uint32_t a, int dist) {
    return dist < 31 ? (a >> dist) | (uint32_t)((a << (-dist & 31)) != 0) : (uint32_t)(a != 0);
}
inline uint64_t jam64(uint64_t a, int dist) {
    return dist < 63 ? (a >> dist) | (uint64_t)((a << (-dist & 63)) != 0) : (uint64_t)(a != 0);
}

// value = sig * 2^(exp - 156), sig in [2^30, 2^31) with sticky low bits
uint32_t round_pack(bool sign, int exp, uint32_t sig, int rm, uint32_t &fl) {
    bool near = rm == RM_RNE || rm == RM_RMM;
    uint32_t inc = near ? 0x40 : ((sign ? rm == RM_RDN : rm == RM_RUP) ? 0x7F : 0);
    uint32_t round_bits = sig & 0x7F;
    if ((unsigned)exp >= 0xFD) {
        if (exp < 0) {
            bool tiny = exp < -1 || sig + inc < 0x80000000u;
            sig = jam32(sig, -exp);
            exp = 0;
            round_bits = sig & 0x7F;
            if (tiny && round_bits) fl |= FL_UF;
        } else if (exp > 0xFD || sig + inc >= 0x80000000u) {
            fl |= FL_OF | FL_NX;
            return ((uint32_t)sign << 31 | 0x7F800000u) - (inc == 0);
        }
    }
    uint32_t s = (sig + inc) >> 7;
    if (round_bits) fl |= FL_NX;
    if (round_bits == 0x40 && rm == RM_RNE) s &= ~1u;
    if (!s) exp = 0;
    return ((uint32_t)sign << 31) + ((uint32_t)exp << 23) + s;
}

// a finite non-zero double (exact, or rounded to odd) to single
uint32_t round_double(double d, int rm, uint32_t &fl) {
    uint64_t b = dbits(d);
    bool sign = b >> 63;
    int e = (int)((b >> 52) & 0x7FF);
    uint64_t m = (b & ((1ull << 52) - 1)) | (1ull << 52);
    uint32_t sig = (uint32_t)(m >> 22) | (uint32_t)((m & ((1ull << 22) - 1)) != 0);
    return round_pack(sign, e - 897, sig, rm, fl);
}

// the true value x = hi + lo (hi its nearest double, finite and non-zero) rounded to odd
inline double to_odd(double hi, double lo) {
    if (lo == 0) return hi;
    uint64_t b = dbits(hi);
    if ((lo < 0) != (hi < 0)) b -= 1;       // x is nearer zero than hi: truncate
    return as_d(b | 1);
}

// a + b rounded to odd (a, b doubles whose sum does not overflow)
inline double odd_add(double a, double b) {
    double s = a + b;
    if (!std::isfinite(s) || s == 0) return s;
    double bb = s - a;
    return to_odd(s, (a - (s - bb)) + (b - bb));    // the sum's exact error (Knuth's TwoSum)
}

inline double odd_div(double a, double b) {
    double q = a / b;
    if (!std::isfinite(q) || q == 0) return q;
    double r = std::fma(-q, b, a);                  // the exact remainder a - q * b
    return to_odd(q, b < 0 ? -r : r);
}

inline double odd_sqrt(double a) {
    double s = std::sqrt(a);
    if (!(s > 0) || std::isinf(s)) return s;
    return to_odd(s, std::fma(-s, s, a));           // the exact a - s^2
}

// the single result of an arithmetic operation on non-NaN operands (exact zeros of sums: zero_sum)
uint32_t finish(double r, int rm, uint32_t &fl) {
    if (std::isnan(r)) { fl |= FL_NV; return CANONICAL_NAN; }
    if (std::isinf(r)) return std::signbit(r) ? 0xFF800000u : 0x7F800000u;
    if (r == 0) return std::signbit(r) ? 0x80000000u : 0;
    return round_double(r, rm, fl);
}

// the exact zero sum of x and y (signs sx, sy): IEEE's sign rule
inline uint32_t zero_sum(bool x_zero, bool sx, bool y_zero, bool sy, int rm) {
    if (x_zero && y_zero && sx == sy) return (uint32_t)sx << 31;
    return rm == RM_RDN ? 0x80000000u : 0;
}

uint32_t f_add(uint32_t a, uint32_t b, int rm, uint32_t &fl) {
    if (is_nan(a) || is_nan(b)) { if (is_snan(a) || is_snan(b)) fl |= FL_NV; return CANONICAL_NAN; }
    double r = odd_add(as_f(a), as_f(b));
    if (r == 0 && !std::isnan(r)) return zero_sum(is_zero(a), a >> 31, is_zero(b), b >> 31, rm);
    return finish(r, rm, fl);
}

uint32_t f_fma(uint32_t a, uint32_t b, uint32_t c, int rm, uint32_t &fl) {
    if (is_nan(a) || is_nan(b)) {
        if (is_snan(a) || is_snan(b) || is_snan(c)) fl |= FL_NV;
        return CANONICAL_NAN;
    }
    if ((is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b))) { fl |= FL_NV; return CANONICAL_NAN; }
    if (is_nan(c)) { if (is_snan(c)) fl |= FL_NV; return CANONICAL_NAN; }
    double r = odd_add((double)as_f(a) * as_f(b), as_f(c));     // the product is exact
    if (r == 0 && !std::isnan(r))
        return zero_sum(is_zero(a) || is_zero(b), (a ^ b) >> 31, is_zero(c), c >> 31, rm);
    return finish(r, rm, fl);
}

uint32_t f_mul(uint32_t a, uint32_t b, int rm, uint32_t &fl) {
    if (is_nan(a) || is_nan(b)) { if (is_snan(a) || is_snan(b)) fl |= FL_NV; return CANONICAL_NAN; }
    return finish((double)as_f(a) * as_f(b), rm, fl);          // exact
}

uint32_t f_div(uint32_t a, uint32_t b, int rm, uint32_t &fl) {
    if (is_nan(a) || is_nan(b)) { if (is_snan(a) || is_snan(b)) fl |= FL_NV; return CANONICAL_NAN; }
    if (is_zero(b) && !is_zero(a) && !is_inf(a)) {
        fl |= FL_DZ;
        return ((a ^ b) & 0x80000000u) | 0x7F800000u;
    }
    return finish(odd_div(as_f(a), as_f(b)), rm, fl);
}

uint32_t f_sqrt(uint32_t a, int rm, uint32_t &fl) {
    if (is_nan(a)) { if (is_snan(a)) fl |= FL_NV; return CANONICAL_NAN; }
    return finish(odd_sqrt(as_f(a)), rm, fl);
}

uint32_t f_class(uint32_t b) {
    uint32_t sign = b >> 31, exp = (b >> 23) & 0xFF, frac = b & 0x7FFFFF;
    if (exp == 0xFF) {
        if (frac) return frac & 0x400000 ? 1u << 9 : 1u << 8;
        return sign ? 1u << 0 : 1u << 7;
    }
    if (exp == 0) {
        if (!frac) return sign ? 1u << 3 : 1u << 4;
        return sign ? 1u << 2 : 1u << 5;
    }
    return sign ? 1u << 1 : 1u << 6;
}

uint32_t f_minmax(uint32_t a, uint32_t b, bool want_max, uint32_t &fl) {
    if (is_snan(a) || is_snan(b)) fl |= FL_NV;
    if (is_nan(a) && is_nan(b)) return CANONICAL_NAN;
    if (is_nan(a)) return b;
    if (is_nan(b)) return a;
    if (is_zero(a) && is_zero(b)) return ((a >> 31) != (uint32_t)want_max) ? a : b;
    bool a_less = as_f(a) < as_f(b);
    return a_less == want_max ? b : a;
}

// float -> int32/uint32 (SoftFloat's f32_to_i32 / f32_to_ui32 with exact = true, RISC-V saturation)
uint32_t f_to_int(uint32_t a, int rm, bool is_signed, uint32_t &fl) {
    bool sign = a >> 31;
    int exp = (a >> 23) & 0xFF;
    uint32_t frac = a & 0x7FFFFF;
    if (exp == 0xFF && frac) sign = false;      // NaN: the largest value
    if (exp) frac |= 0x800000;
    uint64_t sig = (uint64_t)frac << 32;
    int shift = 0xAA - exp;
    if (shift > 0) sig = jam64(sig, shift);
    uint32_t inc = 0x800;
    if (rm != RM_RMM && rm != RM_RNE) inc = (sign ? rm == RM_RDN : rm == RM_RUP) ? 0xFFF : 0;
    uint32_t round_bits = sig & 0xFFF;
    sig += inc;
    bool invalid = sig & 0xFFFFF00000000000ull;
    uint32_t z = 0;
    if (!invalid) {
        z = (uint32_t)(sig >> 12);
        if (round_bits == 0x800 && rm == RM_RNE) z &= ~1u;
        if (is_signed) {
            int64_t v = sign ? -(int64_t)z : (int64_t)z;
            int32_t v32 = (int32_t)(uint32_t)v;
            if (v32 && ((v32 < 0) != sign)) invalid = true;
            else z = (uint32_t)v32;
        } else if (sign && z) {
            invalid = true;
        }
    }
    if (invalid) {
        fl |= FL_NV;
        if (is_signed) return sign ? 0x80000000u : 0x7FFFFFFFu;
        return sign ? 0 : 0xFFFFFFFFu;
    }
    if (round_bits) fl |= FL_NX;
    return z;
}

uint32_t int_to_f(uint32_t a, bool is_signed, int rm, uint32_t &fl) {
    double d = is_signed ? (double)(int32_t)a : (double)a;      // exact
    if (d == 0) return 0;
    return round_double(d, rm, fl);
}

Outcome Sim::fp(Warp &wp, const Decoded &d) {
    int rm = d.rm;
    if (rm == RM_DYN) {
        rm = wp.fcsr >> 5;
        if (rm > 4) return fault(CAUSE_ILLEGAL_INSN, d.insn);
    }
    uint32_t flags = 0;
    for (int i = 0; i < wp.n; i++) {
        uint32_t *x = wp.x(wp.lanes[i]);
        uint32_t a = x[d.rs1], b = x[d.rs2], c = x[d.rs3], r;
        switch (d.fop) {
        case FOP_ADD: r = f_add(a, b, rm, flags); break;
        case FOP_SUB: r = f_add(a, b ^ 0x80000000u, rm, flags); break;
        case FOP_MUL: r = f_mul(a, b, rm, flags); break;
        case FOP_MADD: r = f_fma(a, b, c, rm, flags); break;
        case FOP_MSUB: r = f_fma(a, b, c ^ 0x80000000u, rm, flags); break;
        case FOP_NMSUB: r = f_fma(a ^ 0x80000000u, b, c, rm, flags); break;
        case FOP_NMADD: r = f_fma(a ^ 0x80000000u, b, c ^ 0x80000000u, rm, flags); break;
        case FOP_DIV: r = f_div(a, b, rm, flags); break;
        case FOP_SQRT: r = f_sqrt(a, rm, flags); break;
        case FOP_SGNJ: r = (a & 0x7FFFFFFFu) | (b & 0x80000000u); break;
        case FOP_SGNJN: r = (a & 0x7FFFFFFFu) | (~b & 0x80000000u); break;
        case FOP_SGNJX: r = a ^ (b & 0x80000000u); break;
        case FOP_MIN: r = f_minmax(a, b, false, flags); break;
        case FOP_MAX: r = f_minmax(a, b, true, flags); break;
        case FOP_EQ:
            if (is_nan(a) || is_nan(b)) { if (is_snan(a) || is_snan(b)) flags |= FL_NV; r = 0; }
            else r = as_f(a) == as_f(b);
            break;
        case FOP_LT:
            if (is_nan(a) || is_nan(b)) { flags |= FL_NV; r = 0; } else r = as_f(a) < as_f(b);
            break;
        case FOP_LE:
            if (is_nan(a) || is_nan(b)) { flags |= FL_NV; r = 0; } else r = as_f(a) <= as_f(b);
            break;
        case FOP_CLASS: r = f_class(a); break;
        case FOP_CVT_W_S: r = f_to_int(a, rm, true, flags); break;
        case FOP_CVT_WU_S: r = f_to_int(a, rm, false, flags); break;
        case FOP_CVT_S_W: r = int_to_f(a, true, rm, flags); break;
        case FOP_CVT_S_WU: r = int_to_f(a, false, rm, flags); break;
        default: r = a; break;      // FOP_MV_X_W, FOP_MV_W_X
        }
        x[d.rd] = r;
    }
    wp.fcsr |= flags;
    return OK;
}

inline uint32_t mul_div(int id, uint32_t a, uint32_t b) {
    int32_t sa = (int32_t)a, sb = (int32_t)b;
    switch (id) {
    case I_MUL: return a * b;
    case I_MULH: return (uint32_t)(((int64_t)sa * sb) >> 32);
    case I_MULHSU: return (uint32_t)(((int64_t)sa * (int64_t)(uint64_t)b) >> 32);
    case I_MULHU: return (uint32_t)(((uint64_t)a * b) >> 32);
    case I_DIV:
        if (!b) return 0xFFFFFFFFu;
        if (a == 0x80000000u && b == 0xFFFFFFFFu) return a;
        return (uint32_t)(sa / sb);
    case I_DIVU: return b ? a / b : 0xFFFFFFFFu;
    case I_REM:
        if (!b) return a;
        if (a == 0x80000000u && b == 0xFFFFFFFFu) return 0;
        return (uint32_t)(sa % sb);
    default: return b ? a % b : a;      // I_REMU
    }
}

inline bool branch(int id, uint32_t a, uint32_t b) {
    switch (id) {
    case I_BEQ: return a == b;
    case I_BNE: return a != b;
    case I_BLT: return (int32_t)a < (int32_t)b;
    case I_BGE: return (int32_t)a >= (int32_t)b;
    case I_BLTU: return a < b;
    default: return a >= b;     // I_BGEU
    }
}

inline uint32_t shuffle_source(int id, uint32_t lane, uint32_t bc) {
    uint32_t b = bc & 0x3F, clamp = (bc >> 6) & 0x3F, mask = (bc >> 12) & 0x3F;
    uint32_t low = lane & mask, high = low | (clamp & ~mask);
    if (id == I_SHFL_UP) {
        int64_t src = (int64_t)lane - b;
        return src >= (int64_t)low ? (uint32_t)src : lane;
    }
    uint32_t src = id == I_SHFL_DOWN ? lane + b : id == I_SHFL_BFLY ? lane ^ b : low | (b & ~mask);
    return src <= high ? src : lane;
}

Outcome Sim::execute(Warp &wp, const Decoded &d, uint64_t pc, uint64_t &next) {
    const int n = wp.n;
    const uint8_t *lanes = wp.lanes;
    const uint8_t rd = d.rd, rs1 = d.rs1, rs2 = d.rs2;
    next = pc + 4;
#define LANES for (int i_ = 0; i_ < n; i_++) { uint32_t *x = wp.x(lanes[i_]);
#define END }
#define RR(ID, EXPR) case ID: LANES uint32_t a = x[rs1], b = x[rs2]; x[rd] = (EXPR); END return OK;
#define RI(ID, EXPR) case ID: LANES uint32_t a = x[rs1], b = d.imm; x[rd] = (EXPR); END return OK;
    // the common integer instructions first, one jump on the row id (the hot path)
    switch (d.id) {
    RR(I_ADD, a + b) RR(I_SUB, a - b) RR(I_SLL, a << (b & 31)) RR(I_SLT, (int32_t)a < (int32_t)b)
    RR(I_SLTU, a < b) RR(I_XOR, a ^ b) RR(I_SRL, a >> (b & 31)) RR(I_SRA, (uint32_t)((int32_t)a >> (b & 31)))
    RR(I_OR, a | b) RR(I_AND, a & b)
    RI(I_ADDI, a + b) RI(I_SLTI, (int32_t)a < (int32_t)b) RI(I_SLTIU, a < b) RI(I_XORI, a ^ b)
    RI(I_ORI, a | b) RI(I_ANDI, a & b) RI(I_SLLI, a << b) RI(I_SRLI, a >> b)
    RI(I_SRAI, (uint32_t)((int32_t)a >> b))
    RR(I_MUL, a * b)
    case I_LUI: LANES x[rd] = d.imm; END return OK;
    case I_BEQ: case I_BNE: case I_BLT: case I_BGE: case I_BLTU: case I_BGEU:
        if (n == 1) {       // one lane: no divergence possible
            uint32_t *x = wp.x(lanes[0]);
            if (branch(d.id, x[rs1], x[rs2])) {
                uint64_t target = (pc + d.imm) & MASK32;
                if (target & 3) return fault(CAUSE_INSN_MISALIGNED, target);
                next = target;
            }
            return OK;
        }
        break;
    default:
        break;
    }
#undef RR
#undef RI
    switch (d.unit) {
    case UNIT_ALU: {        // auipc (the other ALU rows are in the switch above)
        uint32_t v = (uint32_t)(pc + d.imm);
        LANES x[rd] = v; END
        return OK;
    }
    case UNIT_MUL: case UNIT_DIV:
        LANES x[rd] = mul_div(d.id, x[rs1], x[rs2]); END
        return OK;
    case UNIT_BRANCH: {
        uint32_t *last = wp.x(lanes[n - 1]);
        bool taken = branch(d.id, last[rs1], last[rs2]);
        bool uniform = true;
        LANES if (branch(d.id, x[rs1], x[rs2]) != taken) { uniform = false; break; } END
        uint64_t target = (pc + d.imm) & MASK32;
        if (uniform) {
            if (taken) {
                if (target & 3) return fault(CAUSE_INSN_MISALIGNED, target);
                next = target;
            }
            return OK;
        }
        if (target & 3) return fault(CAUSE_INSN_MISALIGNED, target);
        uint64_t fall = (pc + 4) & MASK32, keys[32];
        LANES keys[lanes[i_]] = branch(d.id, x[rs1], x[rs2]) ? target : fall; END
        next = diverge(wp, wp.tmask, keys);
        return OK;
    }
    case UNIT_JAL: {
        uint64_t target = (pc + d.imm) & MASK32;
        if (target & 3) return fault(CAUSE_INSN_MISALIGNED, target);
        uint32_t link = (uint32_t)(pc + 4);
        LANES x[rd] = link; END
        next = target;
        return OK;
    }
    case UNIT_JALR: {
        uint32_t target = (wp.x(lanes[n - 1])[rs1] + d.imm) & ~1u;
        bool same = true;
        uint64_t keys[32];
        LANES keys[lanes[i_]] = (x[rs1] + d.imm) & ~1u; if (keys[lanes[i_]] != target) same = false; END
        if (same) {
            if (target & 3) return fault(CAUSE_INSN_MISALIGNED, target);
        } else {
            for (int i = 0; i < n; i++)
                if (keys[lanes[i]] & 3) return fault(CAUSE_INSN_MISALIGNED, keys[lanes[i]]);
        }
        uint32_t link = (uint32_t)(pc + 4);
        LANES x[rd] = link; END
        next = same ? target : diverge(wp, wp.tmask, keys);
        return OK;
    }
    case UNIT_LOAD: {
        uint32_t values[32];
        const int size = d.size;
        for (int i = 0; i < n; i++) {
            uint32_t *x = wp.x(lanes[i]);
            uint32_t addr = x[rs1] + d.imm, v;
            if (load(addr, size, v) != OK) return FAULT;
            if (d.sign) v = (uint32_t)sext(v, 8 * size);
            values[i] = v;
        }
        LANES x[rd] = values[i_]; END
        return OK;
    }
    case UNIT_STORE: {
        const int size = d.size;
        if (n == 1) {
            uint32_t *x = wp.x(lanes[0]);
            return store((uint32_t)(x[rs1] + d.imm), size, x[rs2]);
        }
        LANES if (check_store((uint32_t)(x[rs1] + d.imm), size) != OK) return FAULT; END
        bool stop = false;
        int status = 0;
        uint32_t code = 0;
        LANES
            if (store((uint32_t)(x[rs1] + d.imm), size, x[rs2]) == STOP && !stop) {
                stop = true; status = stop_status; code = stop_code;
            }
        END
        if (stop) { stop_status = status; stop_code = code; return STOP; }
        return OK;
    }
    case UNIT_AMO: {
        if (check_amo(wp, rs1) != OK) return FAULT;
        int base = wp.wid * threads;
        LANES x[rd] = amo(x[rs1], d.amo, x[rs2], base + lanes[i_]); END
        return OK;
    }
    case UNIT_FENCE:
        return OK;
    case UNIT_CSR: {
        uint32_t number = d.imm;
        uint32_t *last = wp.x(lanes[n - 1]);
        uint32_t old = csr_read(wp, number, lanes[n - 1]);
        if (d.csr_writes) {
            uint32_t operand = d.flag ? rs1 : last[rs1];
            csr_write(wp, number, d.csr_op == 1 ? operand : d.csr_op == 2 ? (old | operand) : (old & ~operand));
        }
        if (lane_csr(number)) { LANES x[rd] = csr_read(wp, number, lanes[i_]); END }
        else { LANES x[rd] = old; END }
        return OK;
    }
    case UNIT_FPU:
        return fp(wp, d);
    case UNIT_LANES: {
        if (d.id >= I_SHFL_UP) {
            uint32_t values[32];
            for (int i = 0; i < n; i++) {
                uint32_t *x = wp.x(lanes[i]);
                uint32_t src = shuffle_source(d.id, lanes[i], x[rs2]);
                values[i] = (src < (uint32_t)threads && (wp.tmask >> src & 1)) ? wp.x(src)[rs1] : x[rs1];
            }
            LANES x[rd] = values[i_]; END
            return OK;
        }
        uint32_t ballot = 0, value;
        LANES if (x[rs1] & 1) ballot |= 1u << lanes[i_]; END
        switch (d.id) {
        case I_VOTE_ALL: value = ballot == wp.tmask; break;
        case I_VOTE_ANY: value = ballot != 0; break;
        case I_VOTE_UNI: value = ballot == 0 || ballot == wp.tmask; break;
        default: value = ballot; break;
        }
        LANES x[rd] = value; END
        return OK;
    }
    case UNIT_SIMT:
        break;
    default:
        return fault(CAUSE_ILLEGAL_INSN, d.insn);
    }
    // the SIMT instructions (sim/emu_simt.py)
    uint32_t *last = wp.x(lanes[n - 1]);
    switch (d.id) {
    case I_TMC:
        if (converge(wp, pc, true)) return RETRY;
        next = go_on(wp, last[rs1] & full_mask, pc + 4);
        return OK;
    case I_WSPAWN: {
        if (converge(wp, pc, false)) return RETRY;
        uint32_t count = last[rs1], target = last[rs2];
        if (count == 0 || count > (uint32_t)warps) return fault(CAUSE_WSPAWN_RANGE, count);
        for (Warp &o : w)
            if (&o != &wp && o.tmask) { retry_has_pc = false; return RETRY; }
        for (uint32_t k = 1; k < count; k++) {
            Warp &o = w[k];
            if (&o == &wp) continue;
            o.pc = target;
            o.set_tmask(1);
            o.ipdom.clear();
            o.clear_deferred();
            o.barrier = -1;
        }
        dirty = true;
        return OK;
    }
    case I_SPLIT: {
        if (converge(wp, pc, false)) return RETRY;
        uint32_t sp = (uint32_t)wp.ipdom.size();
        uint32_t tmask = wp.tmask;
        uint32_t taken = lane_bits(wp, rs1, d.flag);
        uint32_t then = tmask & taken, other = tmask & ~taken;
        if (then && other) {
            if (sp + 2 > (uint32_t)ipdom_depth) return fault(CAUSE_IPDOM_OVERFLOW, sp);
            if (__builtin_popcount(then) > __builtin_popcount(other)) { uint32_t t = then; then = other; other = t; }
            wp.ipdom.push_back({tmask, 0, false});
            wp.ipdom.push_back({other, (pc + 4) & MASK32, true});
            tmask = then;
        }
        LANES x[rd] = sp; END
        next = go_on(wp, tmask, pc + 4);
        return OK;
    }
    case I_JOIN: {
        if (converge(wp, pc, false)) return RETRY;
        uint32_t token = last[rs1], sp = (uint32_t)wp.ipdom.size();
        if (token == sp) { next = go_on(wp, wp.tmask, pc + 4); return OK; }
        if (token > sp) return fault(CAUSE_JOIN_WITHOUT_SPLIT, token);
        Ipdom e = wp.ipdom.back();
        wp.ipdom.pop_back();
        next = go_on(wp, e.mask, e.is_else ? e.pc : pc + 4);
        return OK;
    }
    case I_BAR: {
        if (converge(wp, pc, false)) return RETRY;
        uint32_t bid = last[rs1] & 0x7FFFFFFFu, count = last[rs2];
        if (bid >= (uint32_t)num_barriers || count > (uint32_t)warps) return fault(CAUSE_BARRIER_RANGE, bid);
        if (count > 1) {
            if (++bar_counts[bid] >= count) {
                bar_counts[bid] = 0;
                for (Warp &o : w) if (o.barrier == (int)bid) o.barrier = -1;
            } else {
                wp.barrier = (int)bid;
            }
            dirty = true;
        }
        next = go_on(wp, wp.tmask, pc + 4);
        return OK;
    }
    default: {  // I_PRED
        if (converge(wp, pc, false)) return RETRY;
        uint32_t nw = wp.tmask & lane_bits(wp, rs1, d.flag);
        if (!nw) nw = last[rs2] & full_mask;
        next = go_on(wp, nw, pc + 4);
        return OK;
    }
    }
#undef LANES
#undef END
}

void Sim::record(uint64_t pc, uint32_t insn, int wid, int rd, uint32_t tmask, int n, const uint8_t *lanes,
                 Warp &wp) {
    size_t size = 20 + 4 * (size_t)threads, at = trace.size();
    trace.resize(at + size);
    uint8_t *r = trace.data() + at;
    uint32_t head[3] = {(uint32_t)cycles(), (uint32_t)pc, insn};
    memcpy(r, head, 12);
    r[12] = (uint8_t)wid;
    r[13] = (uint8_t)rd;
    memcpy(r + 16, &tmask, 4);
    if (rd) {
        uint32_t *data = (uint32_t *)(r + 20);
        for (int i = 0; i < n; i++) {
            uint32_t v = wp.x(lanes[i])[rd];
            memcpy(data + lanes[i], &v, 4);
        }
    }
}

void Sim::reset(uint64_t pc, uint32_t arg) {
    for (int k = 0; k < warps; k++) {
        Warp &o = w[k];
        o.wid = k;
        o.pc = pc;
        o.ipdom.clear();
        o.barrier = -1;
        o.fcsr = 0;
        o.clear_deferred();
        o.set_tmask(k == 0 ? 1 : 0);
        o.regs = regfile.data() + (size_t)k * threads * NSLOTS;
    }
    last_wid = -1;
    dirty = true;
    instret = stalls = thread_instrs = 0;
    std::fill(bar_counts.begin(), bar_counts.end(), 0);
    mscratch = arg;
    trace.clear();
    std::fill(reservation.begin(), reservation.end(), ~0ull);
    reservations = 0;
}

// The scheduler loop of Emulator._execute: returns the run status; counters are kept current.
int Sim::run(uint64_t stop_at) {
    std::vector<Warp *> runnable;
    runnable.reserve(warps);
    int count = 0, k = 0;
    uint64_t limit = 0;
    Warp *wp = nullptr;
    uint64_t pc = 0;
    uint32_t insn = 0, tmask = 0;
    int n = 0;
    uint8_t old_lanes[32];
    Outcome out = OK;
    const bool tr = tracing;
    int status = ST_RUNNING;
    uint64_t next;
    while (status == ST_RUNNING) {
        if (dirty) {
            dirty = false;
            if (wp) last_wid = wp->wid;
            runnable.clear();
            for (Warp &o : w) if (o.tmask && o.barrier < 0) runnable.push_back(&o);
            count = (int)runnable.size();
            if (!count) {
                bool any = false;
                for (Warp &o : w) any |= o.tmask != 0;
                if (any) {          // every active warp waits at a barrier: deadlock
                    if (stop_at > cycles()) stalls += stop_at - cycles();
                    status = ST_WATCHDOG;
                } else {
                    status = ST_DONE;
                }
                break;
            }
            for (k = 0; k < count; k++) if (runnable[k]->wid > last_wid) break;
            if (k == count) k = 0;
            k -= 1;
            limit = stop_at - stalls;
        }
        if (count == 1) {
            // one runnable warp: run it until the set of runnable warps may have changed
            wp = runnable[0];
                pc = wp->pc;
            uint64_t dmin = wp->dmin;
            bool exhausted = true;
            while (instret < limit) {
                if (fetch(pc, insn) != OK) { out = FAULT; break; }
                Decoded &d = dcache[(pc >> 2) & (DCACHE - 1)];
                if (!d.valid || d.insn != insn) decode(insn, d);
                tmask = wp->tmask;
                n = wp->n;
                if (tr) memcpy(old_lanes, wp->lanes, n);
                out = d.id == ILLEGAL ? fault(CAUSE_ILLEGAL_INSN, insn) : execute(*wp, d, pc, next);
                if (out != OK) break;
                if (tr) record(pc, insn, wp->wid, d.traced, tmask, n, old_lanes, *wp);
                instret++;
                thread_instrs += n;
                if (next >= dmin) {
                    next = regroup_all(*wp, next);
                    dmin = wp->dmin;
                }
                pc = next;
                if (dirty) { exhausted = false; break; }
            }
            if (out == OK && exhausted) { wp->pc = pc; status = ST_WATCHDOG; break; }
            if (out == RETRY) {
                stalls++;
                limit--;
                if (retry_has_pc) pc = retry_pc;
                retry_has_pc = false;
                out = OK;
            }
            wp->pc = pc;
            if (out != OK) break;
            continue;
        }
        // several runnable warps: one instruction of the next one in round-robin order
        if (++k >= count) k = 0;
        if (instret >= limit) { status = ST_WATCHDOG; break; }
        wp = runnable[k];
        pc = wp->pc;
        if (fetch(pc, insn) != OK) { out = FAULT; break; }
        Decoded &d = dcache[(pc >> 2) & (DCACHE - 1)];
        if (!d.valid || d.insn != insn) decode(insn, d);
        tmask = wp->tmask;
        n = wp->n;
        if (tr) memcpy(old_lanes, wp->lanes, n);
        out = d.id == ILLEGAL ? fault(CAUSE_ILLEGAL_INSN, insn) : execute(*wp, d, pc, next);
        if (out == RETRY) {
            stalls++;
            limit--;
            if (retry_has_pc) wp->pc = retry_pc;
            retry_has_pc = false;
            out = OK;
            continue;
        }
        if (out != OK) break;
        if (tr) record(pc, insn, wp->wid, d.traced, tmask, n, old_lanes, *wp);
        instret++;
        thread_instrs += n;
        if (next >= wp->dmin) next = regroup_all(*wp, next);
        wp->pc = next;
    }
    if (out == FAULT) {
        fault_pc = (uint32_t)pc;
        status = ST_FAULT;
    } else if (out == STOP) {
        if (tr) record(pc, insn, wp->wid, 0, tmask, n, old_lanes, *wp);
        instret++;
        thread_instrs += n;
        wp->pc = (pc + 4) & MASK32;
        status = stop_status;
    }
    if (wp) last_wid = wp->wid;
    dirty = true;
    return status;
}

}  // namespace

// -- the C interface (sim/fast/model.py) ----------------------------------------------------------------

extern "C" {

void *fe_create(int warps, int threads, int ipdom_depth, int num_barriers, int cores, int fpu, int muldiv,
                uint32_t lmem_base, int nregions, const uint64_t *bases, const uint64_t *sizes,
                const int *kinds, const int *atomic) {
    if (warps < 1 || warps > 32 || threads < 1 || threads > 32 || nregions < 0) return nullptr;
    Sim *s = new Sim();
    s->warps = warps;
    s->threads = threads;
    s->ipdom_depth = ipdom_depth;
    s->num_barriers = num_barriers;
    s->cores = cores;
    s->fpu = fpu;
    s->muldiv = muldiv;
    s->lmem_base = lmem_base;
    s->full_mask = threads == 32 ? 0xFFFFFFFFu : (1u << threads) - 1;
    for (int i = 0; i < nregions; i++) s->regions.push_back({bases[i], sizes[i], kinds[i], atomic[i] != 0});
    s->pages.assign(NPAGES, nullptr);
    s->page_ram.assign(NPAGES, 0);
    s->fast.assign(NPAGES, nullptr);
    for (uint64_t p = 0; p < NPAGES; p++) s->page_ram[p] = s->kind_of(p << PAGE_BITS, PAGE_SIZE) == KIND_RAM;
    s->reservation.assign((size_t)warps * threads, ~0ull);
    s->w.resize(warps);
    s->regfile.assign((size_t)warps * threads * NSLOTS, 0);
    s->bar_counts.assign(num_barriers, 0);
    s->dcache.assign(DCACHE, Decoded{});
    s->reset(0, 0);
    return s;
}

void fe_destroy(void *h) {
    Sim *s = (Sim *)h;
    if (!s) return;
    for (uint8_t *p : s->pages) free(p);
    delete s;
}

// Host access: the caller checked that [addr, addr + n) lies in ram regions.
void fe_write_mem(void *h, uint64_t addr, const uint8_t *data, uint64_t n) {
    Sim *s = (Sim *)h;
    s->write_bytes(addr, data, n);
    // the decode cache is keyed by instruction word, so rewritten code needs no flush
}

void fe_read_mem(void *h, uint64_t addr, uint8_t *out, uint64_t n) { ((Sim *)h)->read_bytes(addr, out, n); }

void fe_set_tohost(void *h, int enabled, uint32_t addr) {
    Sim *s = (Sim *)h;
    s->has_tohost = enabled != 0;
    s->tohost = addr;
}

void fe_start(void *h, uint32_t pc, uint32_t arg) { ((Sim *)h)->reset(pc, arg); }

void fe_enable_trace(void *h, int on) { ((Sim *)h)->tracing = on != 0; }

// Run until the cycle counter has advanced by max_cycles or the run ends. out: status, code, cycles,
// instret, thread_instrs, fault cause, fault pc, fault address.
int fe_run(void *h, uint64_t max_cycles, uint64_t *out) {
    Sim *s = (Sim *)h;
    int saved = fegetround();
    if (saved != FE_TONEAREST) fesetround(FE_TONEAREST);      // the FP helpers' assumption
    int status = s->run(s->cycles() + max_cycles);
    if (saved != FE_TONEAREST) fesetround(saved);
    out[0] = (uint64_t)status;
    out[1] = s->stop_code;
    out[2] = s->cycles();
    out[3] = s->instret;
    out[4] = s->thread_instrs;
    out[5] = s->fault_cause;
    out[6] = s->fault_pc;
    out[7] = s->fault_addr;
    return status;
}

// Warp w: out = pc, tmask, barrier (-1: none), deferred mask; deferred[lane] = the PC its key stands for.
void fe_warp(void *h, int w, int64_t *out, uint32_t *deferred) {
    Sim *s = (Sim *)h;
    Warp &o = s->w[w];
    out[0] = (int64_t)(o.pc & MASK32);
    out[1] = o.tmask;
    out[2] = o.barrier;
    out[3] = o.dmask;
    for (int l = 0; l < s->threads; l++) deferred[l] = (o.dmask >> l & 1) ? (uint32_t)key_pc(o.dkey[l]) : 0;
}

uint64_t fe_console(void *h, uint8_t *out, uint64_t cap) {     // out == NULL: the size; else drains
    Sim *s = (Sim *)h;
    if (!out) return s->console.size();
    uint64_t n = s->console.size() < cap ? s->console.size() : cap;
    memcpy(out, s->console.data(), n);
    s->console.erase(s->console.begin(), s->console.begin() + n);
    return n;
}

uint64_t fe_trace(void *h, uint8_t *out, uint64_t cap) {       // bytes; out == NULL: the size
    Sim *s = (Sim *)h;
    if (!out) return s->trace.size();
    uint64_t n = s->trace.size() < cap ? s->trace.size() : cap;
    memcpy(out, s->trace.data(), n);
    s->trace.erase(s->trace.begin(), s->trace.begin() + n);
    return n;
}

// x0..x31 then f0..f31 of one lane
void fe_registers(void *h, int w, int lane, uint32_t *out) {
    Sim *s = (Sim *)h;
    memcpy(out, s->regfile.data() + ((size_t)w * s->threads + lane) * NSLOTS, 64 * 4);
}

uint32_t fe_fcsr(void *h, int w) { return ((Sim *)h)->w[w].fcsr; }

// RV32F operations on their own (the FP vector tests): for each i, op on a[i], b[i], c[i] in mode
// rm[i] (0-4): result bits in out[i], fflags in flags[i].
void fe_fp_batch(int op, uint64_t n, const uint8_t *rm, const uint64_t *a, const uint64_t *b,
                 const uint64_t *c, uint32_t *out, uint32_t *flags) {
    int saved = fegetround();
    if (saved != FE_TONEAREST) fesetround(FE_TONEAREST);
    Sim s;
    s.threads = 1;
    uint32_t regs[NSLOTS] = {0};
    Warp wp{};
    wp.regs = regs;
    wp.set_tmask(1);
    Decoded d{};
    d.fop = op; d.rs1 = 1; d.rs2 = 2; d.rs3 = 3; d.rd = 4;
    for (uint64_t i = 0; i < n; i++) {
        regs[1] = (uint32_t)a[i]; regs[2] = (uint32_t)b[i]; regs[3] = (uint32_t)c[i];
        d.rm = rm[i];
        wp.fcsr = 0;
        s.fp(wp, d);
        out[i] = regs[4];
        flags[i] = wp.fcsr;
    }
    if (saved != FE_TONEAREST) fesetround(saved);
}

}  // extern "C"
