"""The device arena's allocator (simtlab/tinygrad/heap.py) against a byte-map reference."""

import numpy as np
import pytest

pytest.importorskip("tinygrad", reason="tinygrad is not installed: pip install 'simtlab[tinygrad]'")

from simtlab.spec.memory import BLOCK_BYTES  # noqa: E402
from simtlab.tinygrad.heap import Arena  # noqa: E402

BASE, SIZE = 0x10000, 64 * BLOCK_BYTES


def test_random_alloc_free_never_overlaps(rng):
    arena = Arena(BASE, SIZE)
    owner = np.full(SIZE // BLOCK_BYTES, -1)       # reference: which allocation owns each block
    live = {}
    for step in range(2000):
        if live and (rng.random() < 0.45 or len(live) > 20):
            addr = list(live)[rng.integers(len(live))]
            arena.free(addr)
            first = (addr - BASE) // BLOCK_BYTES
            owner[first:first + live.pop(addr)] = -1
            continue
        nbytes = int(rng.integers(1, 5 * BLOCK_BYTES))
        blocks = -(-nbytes // BLOCK_BYTES)
        try:
            addr = arena.alloc(nbytes)
        except MemoryError:
            # first fit fails only if no run of free blocks is long enough
            free = np.concatenate(([0], (owner == -1).astype(int), [0]))
            edges = np.flatnonzero(np.diff(free))
            longest = max((b - a for a, b in zip(edges[::2], edges[1::2])), default=0)
            assert longest < blocks, f"step {step}: {blocks} free blocks existed"
            continue
        assert addr % BLOCK_BYTES == 0 and BASE <= addr and addr + nbytes <= BASE + SIZE
        first = (addr - BASE) // BLOCK_BYTES
        assert (owner[first:first + blocks] == -1).all(), f"step {step}: overlap at {addr:#x}"
        owner[first:first + blocks] = step
        live[addr] = blocks
        assert arena.used == BLOCK_BYTES * sum(live.values())
    for addr in list(live):
        arena.free(addr)
    assert arena.alloc(SIZE) == BASE       # everything coalesced back into one gap


def test_exhaustion_and_bad_free_are_clear_errors():
    arena = Arena(BASE, 4 * BLOCK_BYTES)
    a = arena.alloc(3 * BLOCK_BYTES)
    with pytest.raises(MemoryError, match="arena exhausted"):
        arena.alloc(2 * BLOCK_BYTES)
    with pytest.raises(ValueError, match="not an allocated block"):
        arena.free(a + BLOCK_BYTES)
    arena.free(a)
    with pytest.raises(ValueError, match="not an allocated block"):
        arena.free(a)
    with pytest.raises(ValueError, match="positive byte count"):
        arena.alloc(0)
    with pytest.raises(ValueError, match="aligned"):
        Arena(BASE + 1, SIZE)
