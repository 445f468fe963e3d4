"""Reference model of the L1 data cache's decisions (rtl/mem/dcache.py): hit or miss per request
and the traffic it sends to memory, in request order, without timing or data.

The RTL's decisions depend only on the order of requests (a request to a line whose fill is still
outstanding counts as a hit), so this model replays an accepted request stream and must give the
same counts as the hardware.
"""

import enum
from dataclasses import dataclass

from ..config import CacheConfig

__all__ = [
    "CacheRef",
    "Outcome",
]


class Outcome(str, enum.Enum):
    """What one request did (:meth:`CacheRef.access`)."""
    HIT = "hit"             #: found its line (or the line's fill was outstanding)
    MISS = "miss"           #: did not; a read allocated the line and fetched it
    UNCACHED = "uncached"   #: outside the cacheable regions: passed through


@dataclass
class _Set:
    tags: list
    valid: list
    pointer: int = 0


class CacheRef:
    """Tags, valid bits and round-robin pointers of a :class:`CacheConfig` cache.

    Parameters
    ----------
    cache : CacheConfig
    regions : tuple of Region
        The memory map (``SimtConfig.regions``); :meth:`CacheConfig.cacheable` picks the cached ones.

    Counters (attributes): ``hits``, ``misses`` (cacheable reads and writes), ``mem_reads`` (line
    fills and uncached reads), ``mem_writes`` (every write: write-through).
    """

    def __init__(self, cache, regions):
        if not isinstance(cache, CacheConfig):
            raise TypeError(f"CacheRef cache must be a CacheConfig, not {cache!r}")
        self._cache = cache
        self._ranges = [(r.base, r.end) for r in regions if CacheConfig.cacheable(r)]
        self.invalidate()
        self.hits = self.misses = self.mem_reads = self.mem_writes = 0

    def invalidate(self):
        ways = self._cache.ways
        self._sets = [_Set([0] * ways, [False] * ways) for _ in range(self._cache.sets)]

    def cacheable(self, addr):
        return any(base <= addr < end for base, end in self._ranges)

    def access(self, addr, write):
        """One request to the block at byte address ``addr`` (a write if ``write``): returns an
        :class:`Outcome` and updates the counters."""
        c = self._cache
        if write:
            self.mem_writes += 1
        if not self.cacheable(addr):
            if not write:
                self.mem_reads += 1
            return Outcome.UNCACHED
        line = addr >> c.offset_bits
        entry = self._sets[line % c.sets]
        tag = line // c.sets
        if any(v and t == tag for t, v in zip(entry.tags, entry.valid)):
            self.hits += 1
            return Outcome.HIT
        self.misses += 1
        if not write:   # no write allocate
            self.mem_reads += 1
            victim = entry.valid.index(False) if False in entry.valid else entry.pointer
            entry.tags[victim], entry.valid[victim] = tag, True
            entry.pointer = (victim + 1) % c.ways
        return Outcome.MISS
