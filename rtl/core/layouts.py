"""The core's pipeline-stage layouts: what each stage register holds, as ``data.StructLayout``s.

Place in the pipeline: D (``issue_layout``) -> X (``execute_layout``) -> M (``memory_layout``) ->
W (``result_layout``); a load waits in its warp's collector (``load_layout``) between X and W.
Fields of one name mean the same thing in every stage, so :func:`same_fields` copies a stage into
the next in one statement.
"""

from amaranth.lib import data

from .decoder import DecodedLayout

__all__ = [
    "lanes_layout",
    "issue_layout",
    "execute_layout",
    "result_layout",
    "memory_layout",
    "load_layout",
    "same_fields",
]


def lanes_layout(derived):
    """One 32-bit value per lane."""
    return data.ArrayLayout(32, derived.threads)


def issue_layout(derived):
    """D: the instruction taken from a warp's fetch buffer."""
    return data.StructLayout({
        "valid": 1,
        "warp": range(derived.warps),
        "pc": 32,
        "insn": 32,
        "err": 1,           #: the fetch reported an access fault
    })


def execute_layout(derived):
    """X: D's fields, the decoded controls and the warp's thread mask at issue. (The operands are
    registers of their own: a stalled X re-captures them every cycle.)"""
    return data.StructLayout({
        **issue_layout(derived).members,
        "tmask": derived.threads,
        "dec": DecodedLayout,
    })


def result_layout(derived):
    """W (and the retire port): a finished instruction and its per-lane value."""
    return data.StructLayout({
        "valid": 1,
        "warp": range(derived.warps),
        "pc": 32,
        "insn": 32,
        "rd": 6,            #: register number, 32-63 for f registers
        "wb": 1,            #: writes rd
        "tmask": derived.threads,
        "data": lanes_layout(derived),
    })


def memory_layout(derived, pipelined=1):
    """M: W's fields, plus how the value is finished. ``pipelined`` is the number of pipelined
    execute units (``units.py``); their results exist only at the end of M."""
    return data.StructLayout({
        **result_layout(derived).members,
        "flagged": 1,       #: its unit raises FP flags: accrue them into the warp's fflags
        "pipe": max(1, pipelined),  #: one-hot: the pipelined unit whose stage 2 gives the value
        "flags": 5,         #: flags of an operation that finished in X
    })


def load_layout(derived):
    """A warp's load collector: the load's retire fields, the lanes still waiting for a response and
    where each lane's value sits in its block."""
    return data.StructLayout({
        "pc": 32,
        "insn": 32,
        "rd": 6,
        "wb": 1,
        "tmask": derived.threads,
        "data": lanes_layout(derived),
        "funct3": 3,
        "remaining": derived.threads,
        "offset": data.ArrayLayout(derived.block_offset_bits, derived.threads),
    })


def _layout(value):
    """The layout of a struct view, or of the elements of an ``Array`` of them indexed by a
    signal (an array proxy's ``elems``)."""
    elems = getattr(value, "elems", None)
    return data.Layout.cast((elems[0] if elems is not None else value).shape())


def same_fields(target, source):
    """Assignments of every field ``target`` and ``source`` (struct views, or elements of an
    ``Array`` of them) share by name."""
    shared = dict(_layout(source))
    return [getattr(target, name).eq(getattr(source, name)) for name, _ in _layout(target)
            if name in shared]
