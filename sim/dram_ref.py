"""The reference model of the harness's DRAM timing model (``sim/harness/dram.h``, docs/memory.md).

Pure Python, written from the description in docs/memory.md, for tests that compare it with the C++
model on request streams (``VerilatorModel.dram_replay``). Times are core cycles; the parameters come
from :meth:`simtlab.config.DramConfig.core_timings`.
"""

from ..config import DramConfig
from ..spec.memory import BLOCK_BYTES

__all__ = ["COUNTERS", "DramRef"]

#: Per-channel counters, as the harness names them.
COUNTERS = ("reads", "writes", "row_hits", "row_misses", "row_conflicts", "bytes_read",
            "bytes_written", "busy_cycles", "refreshes", "queue_stalls")


class _Channel:
    def __init__(self, banks, first_refresh):
        self.open_row = [None] * banks      # the open row per bank (None: precharged)
        self.bank_ready = [0] * banks       # earliest cycle of the bank's next command
        self.ends = []                      # burst end cycles of the requests held (in order)
        self.last_start = 0
        self.bus_free = 0
        self.next_refresh = first_refresh
        self.counters = dict.fromkeys(COUNTERS, 0)


class DramRef:
    """In-order (FCFS) open-row DRAM channels with a bounded queue each.

    Parameters
    ----------
    config:
        A non-ideal :class:`~simtlab.config.DramConfig`.
    """

    def __init__(self, config):
        if not isinstance(config, DramConfig):
            raise TypeError(f"config must be a DramConfig, not {type(config).__name__}")
        if config.ideal:
            raise ValueError("the ideal memory has no DRAM model")
        self.config = config
        self.timing = config.core_timings()
        self.channels = [_Channel(config.banks, self.timing["t_refi"]) for _ in range(config.channels)]

    def map(self, addr):
        """``(channel, bank, row)`` of byte address ``addr``."""
        c = self.config
        index = addr // BLOCK_BYTES
        channel = index % c.channels
        index //= c.channels * c.row_blocks
        return channel, index % c.banks, index // c.banks

    def _retire(self, ch, now):
        while ch.ends and ch.ends[0] <= now:
            ch.ends.pop(0)

    def first_room(self, now, addr):
        """The first cycle >= ``now`` at which the channel of ``addr`` has a free queue entry."""
        ch = self.channels[self.map(addr)[0]]
        self._retire(ch, now)
        if len(ch.ends) < self.config.queue_depth:
            return now
        at = ch.ends[0]
        ch.counters["queue_stalls"] += at - now
        self._retire(ch, at)
        return at

    def access(self, now, addr, write):
        """Accept the access at cycle ``now`` (its channel has room); the cycle its response is due."""
        t = self.timing
        channel, bank, row = self.map(addr)
        ch = self.channels[channel]
        start = max(now, ch.last_start, ch.bank_ready[bank])
        if t["t_refi"] and start >= ch.next_refresh:
            n = (start - ch.next_refresh) // t["t_refi"] + 1
            last = ch.next_refresh + (n - 1) * t["t_refi"]
            end = last + t["t_rfc"]
            ch.counters["refreshes"] += n
            ch.open_row = [None] * self.config.banks
            ch.bank_ready = [max(ready, end) for ready in ch.bank_ready]
            ch.next_refresh = last + t["t_refi"]
            start = max(start, end)
        ch.last_start = start
        if ch.open_row[bank] == row:
            column = start
            ch.counters["row_hits"] += 1
        elif ch.open_row[bank] is None:
            column = start + t["t_rcd"]
            ch.counters["row_misses"] += 1
        else:
            column = start + t["t_rp"] + t["t_rcd"]
            ch.counters["row_conflicts"] += 1
        ch.open_row[bank] = row
        ch.bank_ready[bank] = column + t["t_burst"]
        data = max(column + t["t_cl"], ch.bus_free)
        end = data + t["t_burst"]
        ch.bus_free = end
        ch.ends.append(end)
        ch.counters["busy_cycles"] += t["t_burst"]
        ch.counters["writes" if write else "reads"] += 1
        ch.counters["bytes_written" if write else "bytes_read"] += BLOCK_BYTES
        return end + self.config.controller_latency

    def replay(self, arrive, addr, write):
        """The harness's ``sim_dram_replay`` on a fresh model: ``(accepted, done)`` lists."""
        accepted, done = [], []
        at = 0
        for when, where, is_write in zip(arrive, addr, write):
            at = self.first_room(max(int(when), at), int(where))
            accepted.append(at)
            done.append(self.access(at, int(where), bool(is_write)))
        return accepted, done

    def counters(self):
        """Per channel, the counters (``COUNTERS``) since the model was made."""
        return [dict(ch.counters) for ch in self.channels]
