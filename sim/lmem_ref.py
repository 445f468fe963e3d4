"""Reference model of the core's banked local memory (``rtl/core/local_mem.py``): which lanes each
round serves, and so the rounds (cycles) and bank-conflict cycles of a warp's access."""

__all__ = ["lmem_bank", "lmem_row", "lmem_rounds"]


def lmem_bank(config, addr):
    """The bank of byte address ``addr`` in the local-memory window (word-interleaved banks)."""
    return (addr >> 2) % config.derive().lmem_banks


def lmem_row(config, addr):
    """The word of ``addr`` inside its bank."""
    return ((addr & (config.lmem_size - 1)) >> 2) // config.derive().lmem_banks


def lmem_rounds(config, addrs, write=False):
    """The rounds of one warp access: ``addrs`` maps each active lane to its byte address; returns
    a list of lane sets, one per round. In each round every bank serves its lowest pending lane
    and, for a load (not ``write``), every pending lane at that lane's word. Bank-conflict cycles
    are ``len(rounds) - 1``."""
    pending = dict(addrs)
    rounds = []
    while pending:
        chosen = {}
        for lane in sorted(pending):
            chosen.setdefault(lmem_bank(config, pending[lane]), lane)
        served = {lane for lane, a in pending.items()
                  if lane == chosen[lmem_bank(config, a)] or
                  (not write and lmem_row(config, pending[chosen[lmem_bank(config, a)]]) ==
                   lmem_row(config, a))}
        rounds.append(served)
        for lane in served:
            del pending[lane]
    return rounds
