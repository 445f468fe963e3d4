// simtlab harness, part of harness.cpp's one translation unit: the Verilated top's ports.
//
// The shape (cores N, warps W per core, threads T, block bytes) comes from the generated
// simtlab_harness_config.h;
// every config-dependent port's width is checked against it at compile time, and the overloads
// below read and write ports of any width as little-endian 32-bit words.
#ifndef SIMTLAB_HARNESS_PORTS_H
#define SIMTLAB_HARNESS_PORTS_H

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "Vsimtlab_top.h"
#include "simtlab_harness_config.h"
#include "simtlab_spec.h"
#include "verilated.h"

#if !defined(SIMTLAB_CORES) || !defined(SIMTLAB_WARPS) || !defined(SIMTLAB_THREADS) || \
    !defined(SIMTLAB_BLOCK_BYTES)
#error "simtlab_harness_config.h must define SIMTLAB_CORES, SIMTLAB_WARPS, SIMTLAB_THREADS and SIMTLAB_BLOCK_BYTES"
#endif

// Verilator encodes "__" in port names as "___05F".
#define REQ(port, field) port##___05Freq___05F##field
#define RSP(port, field) port##___05Frsp___05F##field
#define PORT(group, field) group##___05F##field

namespace {

constexpr unsigned N = SIMTLAB_CORES;
constexpr unsigned W = SIMTLAB_WARPS;
constexpr unsigned WARPS = N * W;      // the device's warps: core c's warp w is c * W + w
constexpr unsigned T = SIMTLAB_THREADS;
constexpr unsigned BLOCK = SIMTLAB_BLOCK_BYTES;
constexpr unsigned BLOCK_WORDS = BLOCK / 4;
// Bits that name a port's master above its 16 tag bits (rtl/mem/arbiter.py): the cores, and on the
// data port the tile's DMA after them.
constexpr unsigned master_bits(unsigned masters) {
    return masters <= 1 ? 0 : 1 + master_bits((masters + 1) / 2);
}
#ifdef SIMTLAB_TILE
constexpr unsigned DMEM_TAG_BITS = 16 + master_bits(N + 1);
#else
constexpr unsigned DMEM_TAG_BITS = 16 + master_bits(N);
#endif
constexpr unsigned IMEM_TAG_BITS = 16 + master_bits(N);
static_assert(N >= 1 && N <= 8, "SIMTLAB_CORES must be 1..8");
static_assert(W >= 1 && W <= 32, "SIMTLAB_WARPS must be 1..32");
static_assert(T >= 1 && T <= 32, "SIMTLAB_THREADS must be 1..32");
static_assert(BLOCK == 64, "the harness supports 64-byte blocks (64-bit byte enables) only");

// ---- signal access ------------------------------------------------------------------------------
// Verilator stores a port of n bits as CData (1..8), SData (9..16), IData (17..32), QData (33..64) or
// VlWide<ceil(n/32)> (65+). These overloads read and write any of them as little-endian 32-bit words.
inline uint32_t word_of(CData v, unsigned i) { return i == 0 ? v : 0u; }
inline uint32_t word_of(SData v, unsigned i) { return i == 0 ? v : 0u; }
inline uint32_t word_of(IData v, unsigned i) { return i == 0 ? v : 0u; }
inline uint32_t word_of(QData v, unsigned i) {
    return i == 0 ? uint32_t(v) : i == 1 ? uint32_t(v >> 32) : 0u;
}
template <std::size_t N>
inline uint32_t word_of(const VlWide<N>& v, unsigned i) {
    return i < N ? v.m_storage[i] : 0u;
}

// Bits [lsb, lsb + width) of a signal (width 1..32).
template <typename S>
inline uint32_t bits_of(const S& sig, unsigned lsb, unsigned width) {
    unsigned w = lsb / 32, sh = lsb % 32;
    uint64_t v = word_of(sig, w);
    if (sh + width > 32) v |= uint64_t(word_of(sig, w + 1)) << 32;
    v >>= sh;
    return width >= 32 ? uint32_t(v) : uint32_t(v) & ((1u << width) - 1u);
}

// Write `n` words (missing ones as 0) to a signal.
inline void set_words(CData& s, const uint32_t* w, unsigned n) { s = CData(n ? w[0] : 0); }
inline void set_words(SData& s, const uint32_t* w, unsigned n) { s = SData(n ? w[0] : 0); }
inline void set_words(IData& s, const uint32_t* w, unsigned n) { s = n ? w[0] : 0; }
inline void set_words(QData& s, const uint32_t* w, unsigned n) {
    s = (n > 0 ? QData(w[0]) : 0) | (n > 1 ? QData(w[1]) << 32 : 0);
}
template <std::size_t N>
inline void set_words(VlWide<N>& s, const uint32_t* w, unsigned n) {
    for (std::size_t i = 0; i < N; i++) s.m_storage[i] = i < n ? w[i] : 0u;
}

// The storage Verilator uses for a port of `bits` bits: used to check the ports against the config.
constexpr std::size_t storage_bytes(unsigned bits) {
    return bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : bits <= 64 ? 8 : 4 * ((bits + 31) / 32);
}
#define CHECK_WIDTH(member, bits)                                                                    \
    static_assert(sizeof(std::remove_reference<decltype(std::declval<Vsimtlab_top&>().member)>::type) \
                      == storage_bytes(bits),                                                        \
                  "port " #member " does not have the width simtlab_harness_config.h implies")
CHECK_WIDTH(REQ(dmem, data), 8 * BLOCK);
CHECK_WIDTH(REQ(dmem, be), BLOCK);
CHECK_WIDTH(REQ(dmem, tag), DMEM_TAG_BITS);
CHECK_WIDTH(RSP(dmem, data), 8 * BLOCK);
CHECK_WIDTH(RSP(dmem, tag), DMEM_TAG_BITS);
CHECK_WIDTH(REQ(imem, data), 8 * BLOCK);
CHECK_WIDTH(REQ(imem, be), BLOCK);
CHECK_WIDTH(REQ(imem, tag), IMEM_TAG_BITS);
CHECK_WIDTH(RSP(imem, data), 8 * BLOCK);
CHECK_WIDTH(RSP(imem, tag), IMEM_TAG_BITS);
CHECK_WIDTH(PORT(fault, cause), 8);
CHECK_WIDTH(PORT(retire, valid), N);
CHECK_WIDTH(PORT(retire, pc), 32 * N);
CHECK_WIDTH(PORT(retire, warp), 5 * N);
CHECK_WIDTH(PORT(retire, rd), 6 * N);
CHECK_WIDTH(PORT(retire, tmask), T * N);
CHECK_WIDTH(PORT(retire, data), 32 * T * N);
CHECK_WIDTH(PORT(dbg, pc), 32 * WARPS);
CHECK_WIDTH(PORT(dbg, tmask), T * WARPS);
CHECK_WIDTH(PORT(dbg, active), WARPS);
CHECK_WIDTH(PORT(dbg, waiting), WARPS);
CHECK_WIDTH(PORT(dbg, barrier), 8 * WARPS);
CHECK_WIDTH(PORT(perf, stall), STALL_BITS * N);
CHECK_WIDTH(PORT(perf, lmem_reads), 6 * N);
CHECK_WIDTH(PORT(perf, lmem_writes), 6 * N);
CHECK_WIDTH(PORT(pipe, x_warp), 5 * N);
#ifdef SIMTLAB_DCACHE
CHECK_WIDTH(PORT(dcache_perf, hits), 32 * N);
CHECK_WIDTH(PORT(dcache_state, queued), 7 * N);
#endif
#ifdef SIMTLAB_ICACHE
CHECK_WIDTH(PORT(icache_perf, hits), 32 * N);
CHECK_WIDTH(PORT(icache_state, queued), 7 * N);
#endif
#ifdef SIMTLAB_L2
CHECK_WIDTH(PORT(l2_perf, hits), 32);
CHECK_WIDTH(PORT(l2_state, queued), 7);
#endif
#undef CHECK_WIDTH


}  // namespace

#endif  // SIMTLAB_HARNESS_PORTS_H
