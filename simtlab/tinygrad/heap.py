"""A first-fit allocator inside one device arena (the tinygrad device's buffers).

:class:`simtlab.Device` hands out memory with a bump pointer (``Device.alloc``); tinygrad allocates
and frees buffers all the time, so the tinygrad device takes one large arena from ``Device.alloc``
and runs this allocator inside it. Blocks are aligned to the memory block size
(``simtlab.spec.memory.BLOCK_BYTES``), so two buffers never share a coalesced request.
"""

import bisect

from ..spec.memory import BLOCK_BYTES

__all__ = ["Arena"]


class Arena:
    """First-fit allocation of ``[base, base + size)`` in ``BLOCK_BYTES`` granules; free coalesces
    neighbours. ``alloc`` raises MemoryError when no gap fits; ``free`` of an address it did not
    hand out raises ValueError."""

    def __init__(self, base, size, align=BLOCK_BYTES):
        for name, value in (("base", base), ("size", size), ("align", align)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise TypeError(f"Arena {name} must be a non-negative int, not {value!r}")
        if align == 0 or align & (align - 1):
            raise ValueError(f"Arena align must be a power of two, not {align}")
        if base % align:
            raise ValueError(f"Arena base {base:#x} is not {align}-byte aligned")
        self.base, self.size, self.align = base, size - size % align, align
        self._free = [(base, self.size)] if self.size else []    # sorted (addr, size) gaps
        self._used = {}                                           # addr -> size
        self.peak = 0

    @property
    def used(self):
        """Bytes handed out (rounded up to the alignment)."""
        return sum(self._used.values())

    def alloc(self, nbytes):
        if not isinstance(nbytes, int) or isinstance(nbytes, bool) or nbytes <= 0:
            raise ValueError(f"Arena.alloc needs a positive byte count, not {nbytes!r}")
        need = -(-nbytes // self.align) * self.align
        for i, (addr, gap) in enumerate(self._free):
            if gap >= need:
                if gap == need:
                    del self._free[i]
                else:
                    self._free[i] = (addr + need, gap - need)
                self._used[addr] = need
                self.peak = max(self.peak, self.used)
                return addr
        raise MemoryError(f"device arena exhausted: {nbytes} bytes requested, {self.size - self.used} "
                          f"of {self.size} free (largest gap "
                          f"{max((g for _, g in self._free), default=0)}); set SIMTLAB_ARENA_MB higher")

    def free(self, addr):
        size = self._used.pop(addr, None)
        if size is None:
            raise ValueError(f"Arena.free: {addr:#x} is not an allocated block")
        i = bisect.bisect(self._free, (addr, 0))
        if i < len(self._free) and addr + size == self._free[i][0]:     # merge with the next gap
            size += self._free.pop(i)[1]
        if i > 0 and self._free[i - 1][0] + self._free[i - 1][1] == addr:  # and with the previous
            prev, psize = self._free[i - 1]
            self._free[i - 1] = (prev, psize + size)
        else:
            self._free.insert(i, (addr, size))
