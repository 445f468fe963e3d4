"""Vortex's SIMT instructions (custom-0, docs/simt.md) for the emulator (part of the golden model,
:mod:`simtlab.sim.emulator`): each builder returns the ``execute(xs, pc) -> next pc`` of one decoded
instruction of the emulator ``emu``.

Decoded instructions are cached across launches: their closures read ``emu._warp`` (and through it
its core's warps) when they execute, since every launch builds new warp objects.
"""

from ..spec.status import FaultCause
from .emu_state import LANE, MASK32, SINK, Fault, Retry, park_key

__all__ = ["BUILDERS", "GLOBAL_BARRIER", "diverge", "shuffle_source"]

#: Bit 31 of a barrier id: a global barrier, across cores (a waiting warp's ``barrier`` keeps it).
GLOBAL_BARRIER = 1 << 31


def diverge(emu, pcs, branch_pc=None):
    """The current warp's lanes go on at different PCs (``pcs``: lane -> next PC): regroup it by
    min-PC (docs/simt.md, "Divergence") and return its new PC. The execution loop re-reads the warp.
    ``branch_pc``: the divergent branch or jump, for :meth:`Emulator.log_divergence`."""
    emu._dirty = True
    if branch_pc is not None and emu._divergences is not None:
        groups = {}
        for lane, pc in pcs.items():
            groups[pc] = groups.get(pc, 0) | 1 << lane
        emu._divergences.append((emu._cycles(), emu._warp.gid, branch_pc, groups))
    return emu._warp.regroup(pcs)


def _converge(emu, warp, pc, is_tmc=False):
    """A SIMT instruction acts on the whole warp, so it waits for the lanes divergence left behind:
    while some deferred lane's key is not above the key this instruction's lanes would park with
    (a lane still runs, lanes are parked here, or at an instruction that goes first), the thread
    mask is parked here (``Retry`` to the lanes the min-PC rule picks next; nothing retires).
    Otherwise it executes."""
    here = park_key(pc, is_tmc)
    if warp.dmin <= here:
        raise Retry(diverge(emu, {x[LANE]: here for x in warp.xs}))


def _go_on(emu, warp, tmask, next_pc):
    """After a SIMT instruction the lanes of ``tmask`` continue at ``next_pc``; deferred lanes stay
    deferred (they are not in any mask the instruction sets) and rejoin by min-PC. Returns the
    warp's next PC. An empty warp becomes inactive (the scheduler notices)."""
    next_pc &= MASK32
    if warp.dmask:
        tmask &= ~warp.dmask
        return diverge(emu, {lane: next_pc for lane in range(len(warp.lanes)) if tmask >> lane & 1})
    warp.set_tmask(tmask)
    if not tmask:
        emu._dirty = True
    return next_pc


def _lane_bits(xs, rs1, negate):
    """The lanes of ``xs`` whose ``rs1[0] ^ negate`` is set, as a mask."""
    bits = 0
    for x in xs:
        if (x[rs1] ^ negate) & 1:
            bits |= 1 << x[LANE]
    return bits


def tmc(emu, rd, rs1, rs2):
    def execute(xs, pc):
        _converge(emu, emu._warp, pc, is_tmc=True)
        return _go_on(emu, emu._warp, xs[-1][rs1] & emu._full_mask, pc + 4)
    return execute


def wspawn(emu, rd, rs1, rs2):
    count_max = emu.config.warps

    def execute(xs, pc):
        _converge(emu, emu._warp, pc)
        warps = emu._warp.core.warps                    # wspawn acts on the issuing core's warps
        count, target = xs[-1][rs1], xs[-1][rs2]
        if count == 0 or count > count_max:
            raise Fault(FaultCause.WSPAWN_RANGE, count)
        issuer = emu._warp
        if any(w.tmask for w in warps if w is not issuer):
            raise Retry()
        for w in warps[1:count]:
            if w is not issuer:
                w.pc = target
                w.set_tmask(1)
                w.ipdom.clear()
                w.clear_deferred()
                w.barrier = None
        emu._dirty = True
        return pc + 4
    return execute


def split(emu, rd, rs1, rs2):
    depth = emu.config.ipdom_depth
    negate = 1 if rs2 else 0

    def execute(xs, pc):
        warp = emu._warp
        _converge(emu, warp, pc)
        stack = warp.ipdom
        sp = len(stack)
        tmask = warp.tmask
        taken = _lane_bits(xs, rs1, negate)
        then, other = tmask & taken, tmask & ~taken
        if then and other:
            if sp + 2 > depth:
                raise Fault(FaultCause.IPDOM_OVERFLOW, sp)
            if bin(then).count("1") > bin(other).count("1"):
                then, other = other, then               # the smaller side runs first
            stack.append((tmask, 0, False))
            stack.append((other, (pc + 4) & MASK32, True))
            tmask = then
        for x in xs:
            x[rd] = sp
        return _go_on(emu, warp, tmask, pc + 4)
    return execute


def join(emu, rd, rs1, rs2):
    def execute(xs, pc):
        warp = emu._warp
        _converge(emu, warp, pc)
        stack = warp.ipdom
        token = xs[-1][rs1]
        sp = len(stack)
        if token == sp:
            return _go_on(emu, warp, warp.tmask, pc + 4)
        if token > sp:
            raise Fault(FaultCause.JOIN_WITHOUT_SPLIT, token)
        mask, target, is_else = stack.pop()
        return _go_on(emu, warp, mask, target if is_else else pc + 4)
    return execute


def bar(emu, rd, rs1, rs2):
    num_barriers = emu.config.num_barriers
    warp_count = emu.config.warps
    core_count = emu.config.cores

    def execute(xs, pc):
        warp = emu._warp
        _converge(emu, warp, pc)
        core = warp.core
        bid, n = xs[-1][rs1] & 0x7FFF_FFFF, xs[-1][rs2]
        if xs[-1][rs1] >> 31:                           # global: n cores
            if bid >= num_barriers or not 1 <= n <= core_count:
                raise Fault(FaultCause.BARRIER_RANGE, bid)
            _global_barrier(emu, warp, bid | GLOBAL_BARRIER, n)
        elif bid >= num_barriers or n > warp_count:
            raise Fault(FaultCause.BARRIER_RANGE, bid)
        elif n > 1:
            bar_counts = core.bar_counts
            bar_counts[bid] += 1
            if bar_counts[bid] >= n:
                bar_counts[bid] = 0
                for w in core.warps:
                    if w.barrier == bid:
                        w.barrier = None
            else:
                warp.barrier = bid
            emu._dirty = True
        return _go_on(emu, warp, warp.tmask, pc + 4)
    return execute


def _global_barrier(emu, warp, key, n):
    """Vortex's global barrier: a core arrives when every active warp of it waits at barrier ``key``
    (the arriving one included); when ``n`` cores have arrived, every warp waiting there goes on."""
    core = warp.core
    warp.barrier = key
    emu._dirty = True
    if any(w.barrier != key for w in core.warps if w.tmask):
        return
    arrived = emu._gbar.setdefault(key, set())
    arrived.add(core.index)
    if len(arrived) < n:
        return
    del emu._gbar[key]
    for w in emu._warps:
        if w.barrier == key:
            w.barrier = None


def pred(emu, rd, rs1, rs2):
    negate = 0 if rd == SINK else 1                     # rd = x0 (the sink slot): no negation

    def execute(xs, pc):
        warp = emu._warp
        _converge(emu, warp, pc)
        new = warp.tmask & _lane_bits(xs, rs1, negate)
        if not new:
            new = xs[-1][rs2] & emu._full_mask
        return _go_on(emu, warp, new, pc + 4)
    return execute


def _vote(kind):
    def build(emu, rd, rs1, rs2):
        def execute(xs, pc):
            ballot = 0
            for x in xs:
                if x[rs1] & 1:
                    ballot |= 1 << x[LANE]
            if kind == "ballot":
                value = ballot
            else:
                tmask = emu._warp.tmask
                value = int({"all": ballot == tmask, "any": ballot != 0,
                             "uni": ballot in (0, tmask)}[kind])
            for x in xs:
                x[rd] = value
            return pc + 4
        return execute
    return build


def shuffle_source(kind, lane, bc):
    """The lane whose ``rs1`` lane ``lane`` reads in ``shfl.<kind>`` with operand ``bc``
    (``mask << 12 | clamp << 6 | b``, Vortex's layout): within the segment of lanes that agree with
    ``lane`` on the ``mask`` bits, up to the segment's ``clamp`` bound; out of range: itself."""
    b, clamp, mask = bc & 0x3F, (bc >> 6) & 0x3F, (bc >> 12) & 0x3F
    low = lane & mask
    high = low | (clamp & ~mask)
    if kind == "up":
        src = lane - b
        return src if src >= low else lane
    src = {"down": lane + b, "bfly": lane ^ b, "idx": low | (b & ~mask)}[kind]
    return src if src <= high else lane


def _shuffle(kind):
    def build(emu, rd, rs1, rs2):
        def execute(xs, pc):
            lanes = emu._warp.lanes
            tmask = emu._warp.tmask
            values = []
            for x in xs:
                src = shuffle_source(kind, x[LANE], x[rs2])
                # an inactive (or missing) source lane yields the reader's own value
                values.append(lanes[src][rs1] if src < len(lanes) and tmask >> src & 1 else x[rs1])
            for x, value in zip(xs, values):
                x[rd] = value
            return pc + 4
        return execute
    return build


#: Instruction name (simtlab.spec.isa.INSTRUCTIONS) -> builder(emu, rd, rs1, rs2) of its execute; ``rd``
#: is the register-list slot (:data:`~.emu_state.SINK` for x0), ``rs1``/``rs2`` the register fields.
BUILDERS = {"tmc": tmc, "wspawn": wspawn, "split": split, "join": join, "bar": bar, "pred": pred,
            **{f"vote.{k}": _vote(k) for k in ("all", "any", "uni", "ballot")},
            **{f"shfl.{k}": _shuffle(k) for k in ("up", "down", "bfly", "idx")}}
