"""The per-lane RV32F floating-point unit: one per SIMT lane, beside the integer ALU and divider."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.fpu import FpuOp
from .compare import Compare
from .convert import FloatToInt
from .divsqrt import DivSqrt
from .fma import Fma
from .layouts import RoundRequest
from .round import Rounder
from .unpack import unpack

__all__ = [
    "Fpu",
]


class Fpu(wiring.Component):
    """Every RV32F operation for one lane, in two latency classes (``layouts.LATENCY``).

    * **Pipelined** (everything but DIV and SQRT), two stages: the op is captured at the clock
      edge ending the cycle in which ``advance`` is high, and ``p_result``/``p_flags`` give its
      result from the next cycle until the next ``advance``. :class:`~.fma.Fma` does the
      multiply-add (and normalises the integer of CVT_S_W/CVT_S_WU), :class:`~.round.Rounder` the
      rounding; :class:`~.compare.Compare` the compares, fmin/fmax, sign injection, fclass and
      moves, :class:`~.convert.FloatToInt` the conversions to integer.
    * **Iterative** (DIV, SQRT): :class:`~.divsqrt.DivSqrt` with the integer divider's
      start/busy/done/ack protocol; ``result``/``flags`` are valid while ``done``.

    Parameters
    ----------
    clock_gating : bool
        ``True`` (default, for simulation): the stage-1 registers hold the raw operands and are
        clocked by ``sync`` gated with ``advance``; unpacking, the multiply-add and the rounding
        all run from them in stage 2, and DIV/SQRT runs in a domain clocked only while it works,
        with its own rounder. Verilator evaluates logic behind a clock only when that clock ticks,
        so an idle FPU costs a simulation almost nothing. The gates
        sample ``advance`` and ``start | busy | done`` at the falling edge of ``sync`` (glitch free):
        ``advance`` and ``start`` must be settled by the falling edge of their cycle, as the
        outputs of a ``sync`` design are (a cycle-based harness sets them with, or before, the
        eval that lowers the clock). Only the divider's state register is reset.
        ``False`` (for FPGAs): one clock and clock enables; stage 1 (unpack, multiply, align, add,
        normalise) is registered at ``advance`` and stage 2 rounds; DIV/SQRT borrows that rounder
        in a cycle that does not follow an ``advance`` (a copy of ``p_result`` taken in the cycle
        before stands in meanwhile).
        Both give the same results and the same cycle behaviour at the ports.

    Members
    -------
    op : In(FpuOp)
    rm : In(3)
        Rounding mode, already resolved to 0-4 (RNE, RTZ, RDN, RUP, RMM).
    a, b, c : In(32)
        rs1, rs2, rs3 (``a`` is the integer source of CVT_S_W, CVT_S_WU, MV_W_X).
    result : Out(32)
    flags : Out(5)
        DIV/SQRT's result and flags (NX, UF, OF, DZ, NV: ``layouts.Flags``) while ``done``.
    advance : In(1)
        A pipelined op leaves the execute stage in this cycle: capture it.
    p_result : Out(32)
    p_flags : Out(5)
        The pipelined op captured at the most recent ``advance``; stable until the next one.
    start : In(1)
        Start DIV/SQRT (``op``) on ``a``, ``b``, ``rm``; sampled while ``busy`` and ``done`` are low.
    busy : Out(1)
    done : Out(1)
        DIV/SQRT result on ``result``/``flags``; held until ``ack``.
    ack : In(1)
        The DIV/SQRT result was taken; free in the next cycle.

    Latency: pipelined class ``pipeline_stages`` = 2 (result in the cycle after ``advance``); DIV/SQRT ``iterative_latency`` = 28 cycles from the
    ``start`` cycle to the first ``done`` cycle, for every operand (with ``clock_gating=False``
    the rounding waits for a cycle that does not follow an ``advance``: later if pipelined ops
    advance meanwhile, which a core that holds the DIV/SQRT in execute never does).
    Throughput: one pipelined op per cycle (``advance`` may be high every cycle); one DIV/SQRT at a
    time, independent of the pipeline.
    Resources: one 24x24 multiplier; one rounder (two with ``clock_gating``); input unpackers
    shared by the blocks of each stage.

    NaN results of arithmetic are the canonical NaN 0x7FC00000; subnormals are handled in and out
    (no flush to zero); tininess is detected after rounding (RISC-V). Details in docs/fpu.md.

    Raises
    ------
    TypeError
        ``clock_gating`` is not a bool.
    """

    pipeline_stages = 2
    iterative_latency = DivSqrt.latency

    op: In(FpuOp)
    rm: In(3)
    a: In(32)
    b: In(32)
    c: In(32)
    result: Out(32)
    flags: Out(5)
    advance: In(1)
    p_result: Out(32)
    p_flags: Out(5)
    start: In(1)
    busy: Out(1)
    done: Out(1)
    ack: In(1)

    def __init__(self, *, clock_gating=True):
        if not isinstance(clock_gating, bool):
            raise TypeError(f"clock_gating must be a bool, not {clock_gating!r}")
        self._clock_gating = clock_gating
        super().__init__()

    @property
    def clock_gating(self):
        return self._clock_gating

    def elaborate(self, platform):
        m = Module()
        m.submodules.rounder = rounder = Rounder()
        if self._clock_gating:
            self._gated_pipeline(m, rounder)
        else:
            self._enabled_pipeline(m, rounder)
        divsqrt = m.submodules.divsqrt
        m.d.comb += [
            divsqrt.op.eq(self.op), divsqrt.rm.eq(self.rm), divsqrt.a.eq(self.a),
            divsqrt.b.eq(self.b), divsqrt.start.eq(self.start), divsqrt.ack.eq(self.ack),
            self.busy.eq(divsqrt.busy), self.done.eq(divsqrt.done),
            self.result.eq(divsqrt.result), self.flags.eq(divsqrt.flags),
        ]
        return m

    @staticmethod
    def _other_ops(m, op, rm, a, b, ua):
        """Compares, sign injection, classes, moves and float -> integer conversions of ``a``/``b``
        (``ua``: ``a`` unpacked without normalising): (used, result, flags)."""
        m.submodules.f2i = f2i = FloatToInt()
        m.submodules.compare = compare = Compare()
        m.d.comb += [
            f2i.signed.eq(op == FpuOp.CVT_W_S), f2i.rm.eq(rm), f2i.a.eq(ua),
            compare.op.eq(op), compare.a.eq(a), compare.b.eq(b),
        ]
        used, result, flags = Signal(), Signal(32), Signal(5)
        with m.Switch(op):
            with m.Case(FpuOp.CVT_W_S, FpuOp.CVT_WU_S):
                m.d.comb += [used.eq(1), result.eq(f2i.result), flags.eq(f2i.flags)]
            with m.Case(FpuOp.SGNJ, FpuOp.SGNJN, FpuOp.SGNJX, FpuOp.MIN, FpuOp.MAX, FpuOp.EQ,
                        FpuOp.LT, FpuOp.LE, FpuOp.CLASS, FpuOp.MV_X_W, FpuOp.MV_W_X):
                m.d.comb += [used.eq(1), result.eq(compare.result), flags.eq(compare.flags)]
        return used, result, flags

    def _gated_pipeline(self, m, rounder):
        """Simulation-friendly: the operands are registered at ``advance`` in a gated clock domain
        and the whole multiply-add and rounding runs from those registers; DIV/SQRT runs in a domain
        clocked only while it works and has its own rounder. Verilator evaluates logic downstream of
        a clock only when that clock ticks, so an idle FPU costs almost nothing per cycle."""
        # Glitch-free gates: each enable is sampled at the falling edge, while the clock is low.
        m.domains.fpu_en = ClockDomain("fpu_en", clk_edge="neg", local=True, reset_less=True)
        m.domains.fpu_s1 = ClockDomain("fpu_s1", local=True, reset_less=True)
        m.domains.fpu_ds = ClockDomain("fpu_ds", local=True)
        s1_enable = Signal()
        ds_enable = Signal()
        m.d.comb += [
            ClockSignal("fpu_en").eq(ClockSignal("sync")),
            ClockSignal("fpu_s1").eq(ClockSignal("sync") & s1_enable),
            ClockSignal("fpu_ds").eq(ClockSignal("sync") & ds_enable),
            ResetSignal("fpu_ds").eq(ResetSignal("sync")),
        ]
        divsqrt = DomainRenamer("fpu_ds")(DivSqrt())
        m.submodules.divsqrt = divsqrt
        m.d.fpu_en += [
            s1_enable.eq(self.advance),
            ds_enable.eq(self.start | divsqrt.busy | divsqrt.done | ResetSignal("sync")),
        ]

        # Stage 1: the operands (3 x 32 + 8 bits).
        op = Signal(FpuOp)
        rm = Signal(3)
        a = Signal(32)
        b = Signal(32)
        c = Signal(32)
        m.d.fpu_s1 += [op.eq(self.op), rm.eq(self.rm), a.eq(self.a), b.eq(self.b), c.eq(self.c)]

        # Stage 2: unpack, multiply-add, round; or a compare, move or conversion to integer.
        m.submodules.fma = fma = Fma()
        other, other_result, other_flags = self._other_ops(
            m, op, rm, a, b, unpack(m, a, name="s1_ua", normalize=False))
        m.d.comb += [
            fma.op.eq(op), fma.rm.eq(rm), fma.i.eq(a),
            fma.a.eq(unpack(m, a, name="s1_a")),
            fma.b.eq(unpack(m, b, name="s1_b")),
            fma.c.eq(unpack(m, c, name="s1_c")),
            rounder.i.eq(fma.o),
            rounder.rm.eq(rm),
            self.p_result.eq(Mux(other, other_result, rounder.result)),
            self.p_flags.eq(Mux(other, other_flags, rounder.flags)),
        ]
        m.submodules.divsqrt_rounder = ds_rounder = Rounder()
        m.d.comb += [
            ds_rounder.i.eq(divsqrt.req),
            ds_rounder.rm.eq(divsqrt.req_rm),
            divsqrt.grant.eq(1),
            divsqrt.rounded.eq(ds_rounder.result),
            divsqrt.rounded_flags.eq(ds_rounder.flags),
        ]

    def _enabled_pipeline(self, m, rounder):
        """FPGA-friendly: one clock, clock enables. Stage 1 (unpack, multiply, align, add,
        normalise) is registered at ``advance``; stage 2 rounds; DIV/SQRT borrows the rounder.
        Compares, moves and conversions to integer finish in stage 1 and are registered too."""
        m.submodules.fma = fma = Fma()
        m.submodules.divsqrt = divsqrt = DivSqrt()
        ua = unpack(m, self.a, name="ua")
        m.d.comb += [
            fma.op.eq(self.op), fma.rm.eq(self.rm), fma.i.eq(self.a), fma.a.eq(ua),
            fma.b.eq(unpack(m, self.b, name="ub")), fma.c.eq(unpack(m, self.c, name="uc")),
        ]

        # Stage 1 -> registers (43 + 3 bits, or a finished compare/move/conversion), only in a
        # cycle that advances the pipeline.
        other, other_result, other_flags = self._other_ops(
            m, self.op, self.rm, self.a, self.b, unpack(m, self.a, name="ua_raw", normalize=False))
        stage = Signal(RoundRequest)
        stage_rm = Signal(3)
        done_other, done_result, done_flags = Signal(), Signal(32), Signal(5)
        with m.If(self.advance):
            m.d.sync += [stage.eq(fma.o), stage_rm.eq(self.rm), done_other.eq(other),
                         done_result.eq(other_result), done_flags.eq(other_flags)]

        # Stage 2: round. The rounder is shared with DIV/SQRT, which may borrow it only in a cycle
        # after one without `advance`: the stage registers did not change at the last edge, so the
        # copy of the rounder's output taken then is the current stage-2 result and stands in for it.
        advanced = Signal()
        grant = Signal()
        held_result = Signal(32)
        held_flags = Signal(5)
        m.d.sync += advanced.eq(self.advance)
        m.d.comb += [
            grant.eq(divsqrt.round & ~advanced),
            divsqrt.grant.eq(grant),
            divsqrt.rounded.eq(rounder.result),
            divsqrt.rounded_flags.eq(rounder.flags),
        ]
        with m.If(done_other):
            m.d.comb += [self.p_result.eq(done_result), self.p_flags.eq(done_flags)]
        with m.Elif(grant):
            m.d.comb += [self.p_result.eq(held_result), self.p_flags.eq(held_flags)]
        with m.Else():
            m.d.comb += [self.p_result.eq(rounder.result), self.p_flags.eq(rounder.flags)]
        with m.If(grant):
            m.d.comb += [rounder.i.eq(divsqrt.req), rounder.rm.eq(divsqrt.req_rm)]
        with m.Else():
            m.d.comb += [rounder.i.eq(stage), rounder.rm.eq(stage_rm)]
            m.d.sync += [held_result.eq(rounder.result), held_flags.eq(rounder.flags)]
