// simtlab harness, part of harness.cpp's one translation unit: the device memory.
//
// A sparse byte array behind a table of 65536 pointers to lazily allocated 64 KiB pages (unwritten
// memory reads 0), and the mapped regions (kinds KIND_RAM, KIND_IO, KIND_MMIO of simtlab_spec.h).
// Host accesses (write, read) must lie wholly in ram regions; the device's block requests look
// their region up with block_region. Reservations: the lr.w/sc.w reservation of every hart, and
// amo_apply, the read-modify-write of the RV32A operations (docs/isa.md, "Atomics").
#ifndef SIMTLAB_HARNESS_MEMORY_H
#define SIMTLAB_HARNESS_MEMORY_H

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ports.h"
#include "simtlab_spec.h"

namespace {

constexpr uint32_t PAGE_BITS = 16;
constexpr uint32_t PAGE_SIZE = 1u << PAGE_BITS;
constexpr uint32_t NUM_PAGES = 1u << (32 - PAGE_BITS);

static_assert(PAGE_SIZE % BLOCK == 0, "a block must not straddle pages");

struct Region {
    uint64_t base;
    uint64_t size;
    int kind;
};

class Memory {
public:
    Memory() = default;
    Memory(const Memory&) = delete;
    Memory& operator=(const Memory&) = delete;
    ~Memory() {
        if (!pages_) return;
        for (uint32_t i = 0; i < NUM_PAGES; i++) free(pages_[i]);
        free(pages_);
    }

    // Allocate the page table; false when out of memory.
    bool init() {
        pages_ = static_cast<uint8_t**>(calloc(NUM_PAGES, sizeof(uint8_t*)));
        return pages_ != nullptr;
    }

    // Map [base, base+size) as `kind`; a SIM_* code.
    int add_region(uint32_t base, uint64_t size, int kind) {
        if (size == 0 || uint64_t(base) + size > (1ull << 32) || kind < KIND_RAM || kind > KIND_MMIO)
            return SIM_EARG;
        try {
            regions_.push_back(Region{base, size, kind});
        } catch (...) {
            return SIM_ENOMEM;
        }
        last_ = nullptr;  // the vector may have moved
        return SIM_OK;
    }

    // The region holding the whole block at `block` (block aligned), or NULL.
    const Region* block_region(uint32_t block) {
        const Region* r = last_;
        if (r && block >= r->base && uint64_t(block) + BLOCK <= r->base + r->size) return r;
        for (const Region& reg : regions_)
            if (block >= reg.base && uint64_t(block) + BLOCK <= reg.base + reg.size) {
                last_ = &reg;
                return &reg;
            }
        return nullptr;
    }

    // Whether [addr, addr+size) is covered by ram regions (possibly several adjacent ones).
    bool ram_range(uint64_t addr, uint64_t size) const {
        if (addr + size > (1ull << 32)) return false;
        while (size) {
            const Region* hit = nullptr;
            for (const Region& r : regions_)
                if (r.kind == KIND_RAM && addr >= r.base && addr < r.base + r.size) {
                    hit = &r;
                    break;
                }
            if (!hit) return false;
            uint64_t chunk = hit->base + hit->size - addr;
            if (chunk >= size) return true;
            addr += chunk;
            size -= chunk;
        }
        return true;
    }

    // The page holding `addr`, allocated on first write; NULL when out of memory.
    uint8_t* page_for_write(uint32_t addr) {
        uint8_t*& p = pages_[addr >> PAGE_BITS];
        if (!p) p = static_cast<uint8_t*>(calloc(PAGE_SIZE, 1));
        return p;
    }

    // The page holding `addr`, or NULL if it was never written (it reads as zeros).
    const uint8_t* page(uint32_t addr) const { return pages_[addr >> PAGE_BITS]; }

    uint32_t read_word(uint32_t word_addr) const {
        const uint8_t* p = page(word_addr);
        if (!p) return 0;
        uint32_t v;
        memcpy(&v, p + (word_addr & (PAGE_SIZE - 1)), 4);
        return v;  // little-endian host (x86-64, aarch64)
    }

    // Host write of `len` bytes at `addr` (wholly in ram regions); a SIM_* code.
    int write(uint32_t addr, const uint8_t* data, uint64_t len) {
        if (!ram_range(addr, len)) return SIM_EUNMAPPED;
        for (uint64_t a = addr; len;) {
            uint32_t off = uint32_t(a & (PAGE_SIZE - 1));
            uint64_t chunk = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
            uint8_t* p = page_for_write(uint32_t(a));
            if (!p) return SIM_ENOMEM;
            memcpy(p + off, data, chunk);
            data += chunk;
            a += chunk;
            len -= chunk;
        }
        return SIM_OK;
    }

    // Host read of `len` bytes at `addr` (wholly in ram regions); a SIM_* code.
    int read(uint32_t addr, uint8_t* out, uint64_t len) const {
        if (!ram_range(addr, len)) return SIM_EUNMAPPED;
        for (uint64_t a = addr; len;) {
            uint32_t off = uint32_t(a & (PAGE_SIZE - 1));
            uint64_t chunk = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
            const uint8_t* p = page(uint32_t(a));
            if (p) memcpy(out, p + off, chunk);
            else memset(out, 0, chunk);
            out += chunk;
            a += chunk;
            len -= chunk;
        }
        return SIM_OK;
    }

private:
    uint8_t** pages_ = nullptr;  // NUM_PAGES entries
    std::vector<Region> regions_;
    const Region* last_ = nullptr;  // one-entry lookup cache
};

// The new word of a read-modify-write atomic (AMO_ADD .. AMO_MAXU; not LR/SC).
inline uint32_t amo_apply(unsigned op, uint32_t old, uint32_t src) {
    switch (op) {
        case AMO_SWAP: return src;
        case AMO_ADD: return old + src;
        case AMO_XOR: return old ^ src;
        case AMO_AND: return old & src;
        case AMO_OR: return old | src;
        case AMO_MIN: return int32_t(old) <= int32_t(src) ? old : src;
        case AMO_MAX: return int32_t(old) >= int32_t(src) ? old : src;
        case AMO_MINU: return old <= src ? old : src;
        case AMO_MAXU: return old >= src ? old : src;
        default: return old;
    }
}

// One lr.w reservation (a word address) per hart (device warp * T + lane). lr sets the hart's; sc takes it
// (succeeding iff it was on that word); any write to a word clears every reservation on it.
class Reservations {
public:
    static constexpr unsigned HARTS = WARPS * T;

    void clear() {
        for (unsigned h = 0; h < HARTS; h++) valid_[h] = false;
        count_ = 0;
    }
    void reserve(unsigned hart, uint32_t word) {
        if (!valid_[hart]) count_++;
        valid_[hart] = true;
        word_[hart] = word;
    }
    // Whether `hart` held a reservation on `word`; its reservation is gone either way.
    bool take(unsigned hart, uint32_t word) {
        if (!valid_[hart]) return false;
        valid_[hart] = false;
        count_--;
        return word_[hart] == word;
    }
    // A write of the bytes `be` enables in the block at `block` (block aligned).
    void written(uint32_t block, uint64_t be) {
        if (!count_) return;
        for (unsigned h = 0; h < HARTS; h++)
            if (valid_[h] && (word_[h] & ~(BLOCK - 1)) == block && ((be >> (word_[h] & (BLOCK - 1))) & 0xF)) {
                valid_[h] = false;
                count_--;
            }
    }

private:
    bool valid_[HARTS] = {};
    uint32_t word_[HARTS] = {};
    unsigned count_ = 0;
};

}  // namespace

#endif  // SIMTLAB_HARNESS_MEMORY_H
