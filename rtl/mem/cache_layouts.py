"""The L1 data cache's internal records: what a request accepted by the lookup stage still has to
do when its turn to answer comes (rtl/mem/dcache.py)."""

from amaranth import *
from amaranth.lib import data, enum

__all__ = [
    "Pending",
    "pending_layout",
]


class Pending(enum.Enum, shape=2):
    """How an accepted request is answered, in request order."""
    #: A read hit: the line is read from the data RAM.
    HIT = 0
    #: A read miss: the next fill below is its line; it is written into the data RAM and answered.
    FILL = 1
    #: An uncached read: the next fill below is the answer; nothing is kept.
    UNCACHED = 2
    #: A write (already sent below): a hit also writes its enabled bytes into the line.
    WRITE = 3


def pending_layout(*, line_bits, data_width, tag_width):
    """One accepted request waiting for its answer: ``kind``, ``update`` (a write that hit),
    ``line`` (data RAM index: way in the low bits, set above), the master's ``tag``, and a write's
    ``be`` and ``data``."""
    return data.StructLayout({
        "kind": Pending,
        "update": 1,
        "line": unsigned(line_bits),
        "tag": unsigned(tag_width),
        "be": unsigned(data_width // 8),
        "data": unsigned(data_width),
    })
