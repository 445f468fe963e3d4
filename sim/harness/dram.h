// simtlab harness, part of harness.cpp's one translation unit: the DRAM timing model (docs/memory.md).
//
// Timing only: data moves when the harness accepts a request (memory.h); this model says when its
// response is due. The parameters are core cycles, computed in Python (simtlab.config.DramConfig,
// core_timings) and passed in by sim_set_dram; sim/dram_ref.py is the reference model of this file.
//
// Address mapping of a block address (bits from the least significant, after the 6 block-offset bits):
//   channel (log2 channels) | column (log2 row_blocks) | bank (log2 banks) | row (the rest)
// so consecutive blocks alternate channels and a channel's row holds row_blocks consecutive blocks
// of that channel.
//
// Each channel is an in-order (FCFS) controller with an open-row policy: requests start their first
// command in acceptance order (a request starts no earlier than the one before it on its channel),
// banks work in parallel, the channel's data bus moves one block per t_burst cycles:
//   start = max(accept, previous start on the channel, the bank's ready time), after refresh
//   row hit:      column at start
//   row closed:   activate at start, column at start + t_rcd                     (a row miss)
//   other row:    precharge at start, activate + t_rp, column + t_rp + t_rcd     (a row conflict)
//   data on the bus from max(column + t_cl, bus free) for t_burst cycles; the bank's next column
//   command no earlier than column + t_burst; the response is due at the end of the burst plus
//   controller_latency.
// Refresh (t_refi > 0): every t_refi cycles since the start; a request whose start reaches a refresh
// time closes every row and waits until that refresh time + t_rfc (applied lazily, so an idle channel
// refreshes without cost). A channel holds queue_depth requests from acceptance until their burst
// ends; a request to a full channel is refused (the port's ready is low) until one leaves.
#ifndef SIMTLAB_HARNESS_DRAM_H
#define SIMTLAB_HARNESS_DRAM_H

#include <cstdint>
#include <vector>

namespace {

// Per-channel counters, in the order sim_dram_counter_name reports them.
enum DramCounter : unsigned {
    DC_READS,
    DC_WRITES,
    DC_ROW_HITS,
    DC_ROW_MISSES,     // the bank had no open row
    DC_ROW_CONFLICTS,  // another row was open (precharge first)
    DC_BYTES_READ,
    DC_BYTES_WRITTEN,
    DC_BUSY_CYCLES,    // data-bus cycles (t_burst per access)
    DC_REFRESHES,
    DC_QUEUE_STALLS,   // cycles a request waited for room in a full channel queue
    DC_COUNT
};
const char* const DRAM_COUNTER_NAMES[DC_COUNT] = {
    "reads", "writes", "row_hits", "row_misses", "row_conflicts", "bytes_read", "bytes_written",
    "busy_cycles", "refreshes", "queue_stalls",
};

struct DramParams {
    uint32_t channels = 0;  // 0: the model is off (ideal memory)
    uint32_t banks = 1, row_blocks = 2, queue_depth = 1;
    uint32_t t_rcd = 1, t_cl = 1, t_rp = 1, t_burst = 1, t_refi = 0, t_rfc = 0, controller = 0;
};

inline bool pow2(uint32_t v) { return v && !(v & (v - 1)); }
inline unsigned log2u(uint32_t v) { return unsigned(__builtin_ctz(v)); }

class Dram {
public:
    // Take new parameters (the same limits as DramConfig); false leaves the model unchanged.
    bool configure(const DramParams& p) {
        if (p.channels == 0) {
            params_ = p;
            channels_.clear();
            return true;
        }
        if (!pow2(p.channels) || p.channels > 16 || !pow2(p.banks) || p.banks > 64 ||
            !pow2(p.row_blocks) || p.row_blocks < 2 || p.row_blocks > 256 || p.queue_depth < 1 ||
            p.queue_depth > 256 || !p.t_rcd || !p.t_cl || !p.t_rp || !p.t_burst ||
            (p.t_refi == 0) != (p.t_rfc == 0) || (p.t_refi && p.t_rfc >= p.t_refi) || p.controller > 1024)
            return false;
        try {
            std::vector<Channel> fresh(p.channels);
            for (Channel& c : fresh) {
                c.banks.resize(p.banks);
                c.queue.resize(p.queue_depth);
            }
            channels_.swap(fresh);
        } catch (...) {
            return false;
        }
        params_ = p;
        ch_bits_ = log2u(p.channels);
        col_bits_ = log2u(p.row_blocks);
        bank_bits_ = log2u(p.banks);
        reset();
        return true;
    }

    bool enabled() const { return params_.channels != 0; }
    uint32_t channels() const { return params_.channels; }

    // Forget every open row, queued request and counter; time restarts at 0.
    void reset() {
        for (Channel& c : channels_) {
            for (Bank& b : c.banks) b = Bank();
            c.head = c.count = 0;
            c.last_start = c.bus_free = 0;
            c.next_refresh = params_.t_refi;
            for (uint64_t& v : c.counters) v = 0;
        }
    }

    // Whether the channel of block address `block` has room at cycle `now`; counts a refusal.
    bool can_accept(uint64_t now, uint32_t block) {
        Channel& c = channels_[channel_of(block)];
        retire(c, now);
        if (c.count < params_.queue_depth) return true;
        c.counters[DC_QUEUE_STALLS]++;
        return false;
    }

    // The first cycle >= now at which the channel of `block` has room (for replayed streams).
    uint64_t first_room(uint64_t now, uint32_t block) {
        Channel& c = channels_[channel_of(block)];
        retire(c, now);
        if (c.count < params_.queue_depth) return now;
        uint64_t at = c.queue[c.head];
        c.counters[DC_QUEUE_STALLS] += at - now;
        retire(c, at);
        return at;
    }

    // Accept an access to block address `block` at cycle `now` (the channel has room); returns the
    // cycle its response is due.
    uint64_t access(uint64_t now, uint32_t block, bool write) {
        const DramParams& p = params_;
        uint32_t index = block >> 6;
        Channel& c = channels_[index & (p.channels - 1)];
        index >>= ch_bits_ + col_bits_;
        Bank& bank = c.banks[index & (p.banks - 1)];
        uint64_t row = index >> bank_bits_;

        uint64_t start = now > c.last_start ? now : c.last_start;
        if (bank.ready > start) start = bank.ready;
        if (p.t_refi && start >= c.next_refresh) {
            uint64_t n = (start - c.next_refresh) / p.t_refi;  // refreshes before the last one due
            uint64_t last = c.next_refresh + n * p.t_refi;
            uint64_t end = last + p.t_rfc;
            c.counters[DC_REFRESHES] += n + 1;
            for (Bank& b : c.banks) {
                b.open = false;
                if (b.ready < end) b.ready = end;
            }
            c.next_refresh = last + p.t_refi;
            if (start < end) start = end;
        }
        c.last_start = start;

        uint64_t column;
        if (bank.open && bank.row == row) {
            column = start;
            c.counters[DC_ROW_HITS]++;
        } else if (!bank.open) {
            column = start + p.t_rcd;
            c.counters[DC_ROW_MISSES]++;
        } else {
            column = start + p.t_rp + p.t_rcd;
            c.counters[DC_ROW_CONFLICTS]++;
        }
        bank.open = true;
        bank.row = row;
        bank.ready = column + p.t_burst;

        uint64_t data = column + p.t_cl;
        if (data < c.bus_free) data = c.bus_free;
        uint64_t end = data + p.t_burst;
        c.bus_free = end;
        c.counters[DC_BUSY_CYCLES] += p.t_burst;
        c.counters[write ? DC_WRITES : DC_READS]++;
        c.counters[write ? DC_BYTES_WRITTEN : DC_BYTES_READ] += 64;

        // Bursts on a channel end in acceptance order, so its queue is a FIFO of end cycles.
        c.queue[(c.head + c.count) % p.queue_depth] = end;
        c.count++;
        return end + p.controller;
    }

    const uint64_t* counters(uint32_t channel) const { return channels_[channel].counters; }

private:
    struct Bank {
        bool open = false;
        uint64_t row = 0;
        uint64_t ready = 0;  // earliest cycle of this bank's next command
    };
    struct Channel {
        std::vector<Bank> banks;
        std::vector<uint64_t> queue;  // end cycles of the requests held, a ring
        uint32_t head = 0, count = 0;
        uint64_t last_start = 0, bus_free = 0, next_refresh = 0;
        uint64_t counters[DC_COUNT] = {};
    };

    uint32_t channel_of(uint32_t block) const { return (block >> 6) & (params_.channels - 1); }

    // Free the entries whose burst has ended by `now`.
    void retire(Channel& c, uint64_t now) {
        while (c.count && c.queue[c.head] <= now) {
            c.head = (c.head + 1) % params_.queue_depth;
            c.count--;
        }
    }

    DramParams params_;
    std::vector<Channel> channels_;
    unsigned ch_bits_ = 0, col_bits_ = 0, bank_bits_ = 0;
};

}  // namespace

#endif  // SIMTLAB_HARNESS_DRAM_H
