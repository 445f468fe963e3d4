"""Warp control: thread masks, deferred lanes, active warps, IPDOM divergence stacks and the barrier
table.

Executes Vortex's custom-0 instructions (tmc, wspawn, split/split.n, join, bar, pred/pred.n) for the
execute stage exactly as docs/simt.md specifies, holds the per-warp state they change, and regroups
a warp's lanes by the min-PC rule after every instruction (docs/simt.md, "Divergence"): lanes whose
next PCs differ are *deferred* with their own PC, the lanes at the lowest PC run, and lanes meet
again when their PCs do.
"""

from amaranth import *
from amaranth.lib import data, enum, wiring
from amaranth.lib.wiring import In, Out

from ...spec.isa import INSTRUCTIONS, Unit
from ...spec.status import FaultCause
from ..common.checks import check_int

__all__ = [
    "SimtOp",
    "WarpControl",
    "GlobalBarrierSignature",
]


def GlobalBarrierSignature(cores, barriers):
    """A core's side of the cluster's global barrier (:class:`~simtlab.rtl.soc.global_barrier.
    GlobalBarrier`): ``arrive`` (a one-cycle pulse: every active warp of the core waits at global
    barrier ``id``, which ``count`` cores must reach) out; ``release`` in (one bit per barrier id,
    a one-cycle pulse: the warps waiting at those global barriers go on)."""
    return wiring.Signature({
        "arrive": Out(1),
        "id": Out(range(barriers)),
        "count": Out(range(cores + 1)),
        "release": In(barriers),
    })


def _simt_op():
    """The shaped enum of the custom-0 instructions' funct3, one member per SIMT row of the decode
    table (TMC, WSPAWN, SPLIT, JOIN, BAR, PRED), so no encoding is written down twice."""
    namespace = enum.EnumType.__prepare__("SimtOp", (enum.Enum,))
    namespace["__module__"] = __name__
    namespace["__qualname__"] = "SimtOp"
    namespace["__doc__"] = "funct3 of the custom-0 instructions (rows of ``INSTRUCTIONS``)."
    for desc in INSTRUCTIONS:
        if desc.unit is Unit.SIMT:
            namespace[desc.name.upper()] = desc.funct3
    return enum.EnumType("SimtOp", (enum.Enum,), namespace, shape=3)


SimtOp = _simt_op()


class WarpControl(wiring.Component):
    """Per-warp SIMT state and the custom-0 instructions.

    Parameters
    ----------
    warps, threads : int
    ipdom_depth : int
        IPDOM stack entries per warp (two per divergent split).
    barriers : int
        Barrier table entries.
    cores : int
        Cores of the cluster: a global barrier (id bit 31) names 1..cores of them.

    Members
    -------
    start : In(1)
        Launch: only warp 0 active, with thread mask 1; stacks, deferred lanes and barriers cleared.
    valid : In(1)
        Execute holds an instruction of warp ``warp``: the outputs below describe it.
    simt : In(1)
        It is a SIMT instruction (``op`` and the operands below apply).
    commit : In(1)
        It leaves execute this cycle, executed or (``hold``) parked: apply its effect and regroup.
    lane_next : In(ArrayLayout(32, threads))
        A non-SIMT instruction's next PC in every lane of the thread mask (branches and ``jalr``
        per lane).
    op : In(SimtOp)
    warp : In(range(warps))
    pc : In(32)
    negate : In(1)
        split.n / pred.n.
    cond : In(threads)
        Bit 0 of rs1 in every lane (split and pred conditions).
    a, b : In(32)
        rs1 and rs2 of the warp's last active lane.
    tmask : Out(ArrayLayout(threads, warps))
    active : Out(warps)
    waiting : Out(warps)
        Waits at a barrier.
    barrier_id : Out(ArrayLayout(8, warps))
    result : Out(32)
        split's rd: the stack depth before the split.
    spawn_wait : Out(1)
        wspawn must wait: other warps are still active.
    park : In(1)
        The waiting wspawn of warp ``warp`` leaves execute to be replayed: the warp is *parked*
        (not issued) until it is the only active warp, so it does not block the others.
    parked : Out(warps)
    fault : Out(1)
    fault_cause : Out(8)
    fault_addr : Out(32)
    hold : Out(1)
        The SIMT instruction must wait for deferred lanes: it leaves execute unexecuted (not
        retired), its lanes are parked at it and the warp goes on at ``next_pc``.
    next_pc : Out(32)
        Where the warp continues after the instruction: the lowest PC of its lanes (min-PC rule).
    redirect : Out(1)
        The warp must be sent to ``next_pc`` (a SIMT instruction, ``hold``, a taken branch or jump,
        or a change of thread mask); otherwise it just goes on at pc + 4.
    stop : Out(1)
        The warp retires: no lane is left (tmc, or pred with an empty fallback mask).
    spawn : Out(warps)
        Warps started by a committing wspawn, at ``spawn_pc``.
    spawn_pc : Out(32)
    gbar : Out(GlobalBarrierSignature(cores, barriers))
        Global barriers (Vortex's): a warp executing ``bar`` with bit 31 of the id waits; when every
        active warp of the core waits at that global id, the core arrives (``gbar.arrive``); the
        cluster releases them (``gbar.release``) once ``count`` cores have.

    Latency: combinational outputs, state updated at the clock edge of ``commit``. Cost of the
    regrouping: per warp and lane a 30-bit PC register; per instruction a minimum over the lanes'
    next PCs (a tree of ``threads - 1`` comparators).

    Raises
    ------
    TypeError
        A parameter is not an integer.
    ValueError
        ``warps`` or ``threads`` outside 1..32, ``ipdom_depth`` not an even number >= 2,
        ``barriers`` outside 1..256.
    """

    def __init__(self, *, warps=1, threads=1, ipdom_depth=2, barriers=2, cores=1):
        check_int("WarpControl", "warps", warps, 1, 32)
        check_int("WarpControl", "threads", threads, 1, 32)
        check_int("WarpControl", "ipdom_depth", ipdom_depth, 2)
        if ipdom_depth % 2:
            raise ValueError(f"WarpControl ipdom_depth must be even (two entries per split), "
                             f"not {ipdom_depth!r}")
        check_int("WarpControl", "barriers", barriers, 1, 256)
        check_int("WarpControl", "cores", cores, 1, 255)
        self._warps, self._threads, self._cores = warps, threads, cores
        self._depth, self._barriers = ipdom_depth, barriers
        super().__init__({
            "start": In(1),
            "valid": In(1),
            "simt": In(1),
            "commit": In(1),
            "lane_next": In(data.ArrayLayout(32, threads)),
            "op": In(SimtOp),
            "warp": In(range(warps)),
            "pc": In(32),
            "negate": In(1),
            "cond": In(threads),
            "a": In(32),
            "b": In(32),
            "tmask": Out(data.ArrayLayout(threads, warps)),
            "active": Out(warps),
            "waiting": Out(warps),
            "barrier_id": Out(data.ArrayLayout(8, warps)),
            "result": Out(32),
            "spawn_wait": Out(1),
            "park": In(1),
            "parked": Out(warps),
            "fault": Out(1),
            "fault_cause": Out(8),
            "fault_addr": Out(32),
            "hold": Out(1),
            "next_pc": Out(32),
            "redirect": Out(1),
            "stop": Out(1),
            "spawn": Out(warps),
            "spawn_pc": Out(32),
            "gbar": Out(GlobalBarrierSignature(cores, barriers)),
        })

    def elaborate(self, platform):
        m = Module()
        W, T, depth, B = self._warps, self._threads, self._depth, self._barriers
        full = (1 << T) - 1
        entry_layout = data.StructLayout({"mask": T, "pc": 32, "is_else": 1})
        # A lane's place in the min-PC order (the emulator's keys, emu_state.py): running lanes
        # before parked ones, lanes parked at tmc after the others; then by PC (word address: PCs
        # are 4-byte aligned), highest first for tmc (``order`` holds ~pc there).
        key_layout = data.StructLayout({"order": 30, "tmc": 1, "parked": 1})

        tmasks = Array(Signal(T, name=f"tmask_{w}") for w in range(W))
        deferred = Array(Signal(T, name=f"deferred_{w}") for w in range(W))
        parked_lanes = Array(Signal(T, name=f"parked_lanes_{w}") for w in range(W))
        tmc_lanes = Array(Signal(T, name=f"tmc_lanes_{w}") for w in range(W))   # parked at tmc
        lane_pcs = [Array(Signal(30, name=f"lane_pc_{w}_{t}") for t in range(T)) for w in range(W)]
        sps = Array(Signal(range(depth + 1), name=f"sp_{w}") for w in range(W))
        stacks = [Array(Signal(entry_layout, name=f"ipdom_{w}_{i}") for i in range(depth))
                  for w in range(W)]
        bar_ids = Array(Signal(8, name=f"bar_id_{w}") for w in range(W))
        bar_global = Signal(W)      # the warp waits at a global barrier
        bar_counts = Array(Signal(range(W + 1), name=f"bar_count_{b}") for b in range(B))
        active = Signal(W)
        waiting = Signal(W)

        parked = Signal(W)
        for w in range(W):
            m.d.comb += [self.tmask[w].eq(tmasks[w]), self.barrier_id[w].eq(bar_ids[w])]
            with m.If((active & ~(1 << w)) == 0):
                m.d.sync += parked[w].eq(0)
        with m.If(self.park):
            m.d.sync += parked.eq(parked | (C(1, W) << self.warp))
        m.d.comb += [self.active.eq(active), self.waiting.eq(waiting), self.parked.eq(parked)]

        warp, op, a, b = self.warp, self.op, self.a, self.b
        cur_tmask = Signal(T)
        cur_deferred = Signal(T)
        cur_parked = Signal(T)
        cur_at_tmc = Signal(T)
        cur_sp = Signal(range(depth + 1))
        cur_pcs = Signal(data.ArrayLayout(30, T))
        m.d.comb += [cur_tmask.eq(tmasks[warp]), cur_sp.eq(sps[warp]),
                     cur_deferred.eq(deferred[warp]), cur_parked.eq(parked_lanes[warp]),
                     cur_at_tmc.eq(tmc_lanes[warp])]
        with m.Switch(warp):
            for w in range(W):
                with m.Case(w):
                    m.d.comb += [cur_pcs[t].eq(lane_pcs[w][t]) for t in range(T)]

        # A SIMT instruction acts on the whole warp: it waits while a deferred lane's key is not
        # above the key its lanes would park with (the emulator's ``_converge``).
        is_tmc = op == SimtOp.TMC
        park_key = Signal(key_layout)
        m.d.comb += [park_key.order.eq(Mux(is_tmc, ~self.pc[2:], self.pc[2:])),
                     park_key.tmc.eq(is_tmc), park_key.parked.eq(1)]
        held_keys = Signal(data.ArrayLayout(key_layout, T))
        for t in range(T):
            m.d.comb += [held_keys[t].order.eq(cur_pcs[t]), held_keys[t].tmc.eq(cur_at_tmc[t]),
                         held_keys[t].parked.eq(cur_parked[t])]
        ahead = Cat(cur_deferred[t] & (held_keys[t].as_value() <= park_key.as_value())
                    for t in range(T))
        hold = Signal()
        m.d.comb += [hold.eq(self.valid & self.simt & ahead.any()), self.hold.eq(hold)]

        taken = Signal(T)
        m.d.comb += taken.eq(cur_tmask & (self.cond ^ self.negate.replicate(T)))
        other = Signal(T)
        m.d.comb += other.eq(cur_tmask & ~taken)
        divergent = taken.any() & other.any()
        def popcount(x):
            return sum(x[i] for i in range(T))
        first = Signal(T)
        second = Signal(T)
        then_first = popcount(taken) <= popcount(other)
        m.d.comb += [first.eq(Mux(then_first, taken, other)),
                     second.eq(Mux(then_first, other, taken))]

        top = Signal(entry_layout)
        top_index = Signal(range(depth))
        m.d.comb += top_index.eq(cur_sp - 1)
        with m.Switch(warp):
            for w in range(W):
                with m.Case(w):
                    m.d.comb += top.eq(stacks[w][top_index])
        pops = (op == SimtOp.JOIN) & (a < cur_sp)

        bar_id = a[:31]
        is_global = a[31]
        spawn_count = a
        others_active = (active & ~(C(1, W) << warp)).any()
        mask_of = lambda n: (C(1, 33) << n) - 1

        new_mask = Signal(T)    # tmc's and pred's new thread mask
        m.d.comb += new_mask.eq(Mux(op == SimtOp.TMC, a & full, Mux(taken.any(), taken, b & full)))
        # The thread mask a SIMT instruction leaves and where those lanes go on.
        simt_mask = Signal(T)
        simt_next = Signal(32)
        m.d.comb += simt_next.eq(Mux(pops & top.is_else, top.pc, self.pc + 4))
        with m.Switch(op):
            with m.Case(SimtOp.TMC, SimtOp.PRED):
                m.d.comb += simt_mask.eq(new_mask)
            with m.Case(SimtOp.SPLIT):
                m.d.comb += simt_mask.eq(Mux(divergent, first, cur_tmask))
            with m.Case(SimtOp.JOIN):
                m.d.comb += simt_mask.eq(Mux(pops, top.mask, cur_tmask))
            with m.Default():
                m.d.comb += simt_mask.eq(cur_tmask)

        # ---- Regrouping (min-PC) ----------------------------------------------------------------
        # Every lane's key after the instruction: the thread mask's lanes at their next PC (or
        # parked here, for ``hold``), deferred lanes where they wait.
        goes_on = Signal(T)
        m.d.comb += goes_on.eq(Mux(self.simt & ~hold, simt_mask & ~cur_deferred, cur_tmask))
        keys = Signal(data.ArrayLayout(key_layout, T))
        for t in range(T):
            with m.If(goes_on[t]):
                with m.If(hold):
                    m.d.comb += keys[t].eq(park_key)
                with m.Elif(self.simt):
                    m.d.comb += keys[t].order.eq(simt_next[2:])
                with m.Else():
                    m.d.comb += keys[t].order.eq(self.lane_next[t][2:])
            with m.Else():
                m.d.comb += keys[t].eq(held_keys[t])
        lanes = goes_on | cur_deferred
        low, _ = _min_key(m, [(keys[t].as_value(), lanes[t]) for t in range(T)])
        low_key = Signal(key_layout)
        m.d.comb += low_key.eq(low)
        next_tmask = Signal(T)
        next_deferred = Signal(T)
        m.d.comb += [
            next_tmask.eq(Cat(lanes[t] & (keys[t].as_value() == low_key.as_value())
                              for t in range(T))),
            next_deferred.eq(lanes & ~next_tmask),
            self.next_pc.eq(Cat(C(0, 2), Mux(low_key.tmc, ~low_key.order, low_key.order))),
            self.redirect.eq(self.simt | hold | (self.next_pc != self.pc + 4) |
                             (next_tmask != cur_tmask)),
        ]

        m.d.comb += [
            self.result.eq(cur_sp),
            self.spawn_wait.eq(self.valid & self.simt & ~hold & (op == SimtOp.WSPAWN) &
                               others_active),
            self.stop.eq(self.simt & ~hold & (next_tmask == 0)),
            self.spawn_pc.eq(b),
        ]
        with m.If(self.simt & ~hold):
            with m.Switch(op):
                with m.Case(SimtOp.SPLIT):
                    m.d.comb += [self.fault.eq(divergent & (cur_sp + 2 > depth)),
                                 self.fault_cause.eq(FaultCause.IPDOM_OVERFLOW),
                                 self.fault_addr.eq(cur_sp)]
                with m.Case(SimtOp.JOIN):
                    m.d.comb += [self.fault.eq(a > cur_sp),
                                 self.fault_cause.eq(FaultCause.JOIN_WITHOUT_SPLIT),
                                 self.fault_addr.eq(a)]
                with m.Case(SimtOp.BAR):
                    m.d.comb += [self.fault.eq((bar_id >= B) | Mux(is_global,
                                                                   (b == 0) | (b > self._cores),
                                                                   b > W)),
                                 self.fault_cause.eq(FaultCause.BARRIER_RANGE),
                                 self.fault_addr.eq(bar_id)]
                with m.Case(SimtOp.WSPAWN):
                    m.d.comb += [self.fault.eq((spawn_count == 0) | (spawn_count > W)),
                                 self.fault_cause.eq(FaultCause.WSPAWN_RANGE),
                                 self.fault_addr.eq(spawn_count)]

        spawn = Signal(W)
        m.d.comb += spawn.eq(mask_of(spawn_count[:6]) & ~1 & ~(C(1, W) << warp))
        commit = self.commit & ~self.start
        execute = commit & self.simt & ~hold
        m.d.comb += self.spawn.eq(Mux(execute & (op == SimtOp.WSPAWN), spawn, 0))

        # A global barrier: the core arrives with the last of its active warps.
        core_arrives = Signal()
        at_it = Cat(waiting[w] & bar_global[w] & (bar_ids[w] == bar_id) for w in range(W))
        m.d.comb += [core_arrives.eq((active & ~(C(1, W) << warp) & ~at_it) == 0),
                     self.gbar.id.eq(bar_id), self.gbar.count.eq(b)]

        release = Signal()
        bar_count = bar_counts[bar_id[:max(1, (B - 1).bit_length())]]
        m.d.comb += release.eq(bar_count + 1 >= b)

        with m.If(commit):
            m.d.sync += [tmasks[warp].eq(next_tmask), deferred[warp].eq(next_deferred),
                         parked_lanes[warp].eq(Cat(next_deferred[t] & keys[t].parked
                                                   for t in range(T))),
                         tmc_lanes[warp].eq(Cat(next_deferred[t] & keys[t].tmc for t in range(T)))]
            for w in range(W):
                with m.If(warp == w):
                    m.d.sync += [lane_pcs[w][t].eq(keys[t].order) for t in range(T)]
        with m.If(execute):
            with m.If(next_tmask == 0):
                m.d.sync += active.eq(active & ~(C(1, W) << warp))
            with m.Switch(op):
                with m.Case(SimtOp.WSPAWN):
                    m.d.sync += active.eq(active | spawn)
                    for w in range(W):
                        with m.If(spawn[w]):
                            m.d.sync += [tmasks[w].eq(1), sps[w].eq(0), deferred[w].eq(0),
                                         parked_lanes[w].eq(0), tmc_lanes[w].eq(0)]
                with m.Case(SimtOp.SPLIT):
                    with m.If(divergent):
                        m.d.sync += sps[warp].eq(cur_sp + 2)
                        for w in range(W):
                            with m.If(warp == w):
                                m.d.sync += [
                                    stacks[w][cur_sp].mask.eq(cur_tmask),
                                    stacks[w][cur_sp].is_else.eq(0),
                                    stacks[w][cur_sp + 1].mask.eq(second),
                                    stacks[w][cur_sp + 1].pc.eq(self.pc + 4),
                                    stacks[w][cur_sp + 1].is_else.eq(1),
                                ]
                with m.Case(SimtOp.JOIN):
                    with m.If(pops):
                        m.d.sync += sps[warp].eq(cur_sp - 1)
                with m.Case(SimtOp.BAR):
                    with m.If(is_global):
                        m.d.sync += [waiting.eq(waiting | (C(1, W) << warp)),
                                     bar_ids[warp].eq(bar_id), bar_global.bit_select(warp, 1).eq(1)]
                        m.d.comb += self.gbar.arrive.eq(core_arrives)
                    with m.Elif(b > 1):
                        with m.If(release):
                            m.d.sync += bar_count.eq(0)
                            for w in range(W):
                                with m.If(waiting[w] & ~bar_global[w] & (bar_ids[w] == bar_id)):
                                    m.d.sync += waiting[w].eq(0)
                        with m.Else():
                            m.d.sync += [bar_count.eq(bar_count + 1), waiting.eq(waiting | (C(1, W) << warp)),
                                         bar_ids[warp].eq(bar_id), bar_global.bit_select(warp, 1).eq(0)]
        for w in range(W):
            with m.If(waiting[w] & bar_global[w] & self.gbar.release.bit_select(bar_ids[w], 1)):
                m.d.sync += waiting[w].eq(0)

        with m.If(self.start):
            m.d.sync += [active.eq(1), waiting.eq(0), parked.eq(0)]
            for w in range(W):
                m.d.sync += [tmasks[w].eq(1 if w == 0 else 0), sps[w].eq(0), bar_ids[w].eq(0),
                             deferred[w].eq(0), parked_lanes[w].eq(0), tmc_lanes[w].eq(0)]
            for b_ in range(B):
                m.d.sync += bar_counts[b_].eq(0)
        return m


def _min_key(m, items):
    """The smallest value among the valid ``(value, valid)`` items, by a balanced tree of
    comparators; returns ``(value, any valid)``."""
    while len(items) > 1:
        paired = []
        for (a, va), (b, vb) in zip(items[0::2], items[1::2]):
            pick_a = va & (~vb | (a <= b))
            paired.append((Mux(pick_a, a, b), va | vb))
        if len(items) % 2:
            paired.append(items[-1])
        items = paired
    return items[0]
