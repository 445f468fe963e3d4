"""The execute-unit table drives the core: swapping the multiplier's row for an iterative one (and
its decode rows' latency class) is all it takes for the core to start, wait for and retire it, with
the same results and the extra cycles the new latency costs."""

import dataclasses

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

import simtlab.rtl.core.decoder as decoder_module
import simtlab.rtl.core.units as units_module
from simtlab.rtl.core.muldiv import Multiplier
from simtlab.rtl.core.units import EXEC_UNITS, ExecUnit, Protocol
from simtlab.spec.fpu import Latency
from simtlab.spec.isa import INSTRUCTIONS, Unit
from tb.rtl import asm
from tb.rtl.core.test_core import DATA, run_program


class SlowMultiplier(wiring.Component):
    """The multiplier behind the iterative protocol: ``done`` ``latency`` cycles after ``start``."""

    latency = 5

    funct3: In(2)
    a: In(32)
    b: In(32)
    start: In(1)
    busy: Out(1)
    done: Out(1)
    ack: In(1)
    result: Out(32)

    def elaborate(self, platform):
        m = Module()
        m.submodules.multiplier = multiplier = Multiplier()
        m.d.comb += [multiplier.funct3.eq(self.funct3), multiplier.a.eq(self.a),
                     multiplier.b.eq(self.b)]
        count = Signal(range(self.latency))
        product = Signal(32)
        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.sync += [product.eq(multiplier.result), count.eq(self.latency - 1)]
                    m.next = "Busy"
            with m.State("Busy"):
                m.d.comb += self.busy.eq(1)
                m.d.sync += count.eq(count - 1)
                with m.If(count == 1):
                    m.next = "Done"
            with m.State("Done"):
                m.d.comb += [self.done.eq(1), self.result.eq(product)]
                with m.If(self.ack):
                    m.next = "Idle"
        return m


def _program():
    return [
        asm.u("lui", 3, DATA >> 12),
        asm.i("lw", 1, 3, 0),           # x1 = 7
        asm.r("mul", 2, 1, 1),          # load-use into the multiplier: 49
        asm.r("mul", 9, 2, 1),          # back to back, dependent: 343
        asm.i("addi", 4, 0, -3),
        asm.r("div", 5, 9, 4),          # the other iterative unit: 343 / -3 = -114
        asm.r("mulh", 6, 5, 9),         # high word of -114 * 343: -1
        asm.r("add", 7, 5, 6),          # -115
        asm.s("sw", 7, 3, 8),
        asm.s("sw", 9, 3, 12),
        asm.TMC_X0,
    ]


def test_an_iterative_multiplier_is_one_table_row(monkeypatch):
    mem, retired, outcome = run_program(_program(), latency=2, memory={DATA: 7})
    assert "fault" not in outcome
    assert mem[DATA + 8] == (-115) & 0xFFFF_FFFF and mem[DATA + 12] == 343

    rows = tuple(dataclasses.replace(d, timing=Latency.ITERATIVE) if d.unit is Unit.MUL else d
                 for d in INSTRUCTIONS)
    slow = ExecUnit("multiplier", (Unit.MUL,), lambda config: SlowMultiplier(),
                    units_module._multiplier_inputs, {Protocol.ITERATIVE: SlowMultiplier.latency},
                    enabled=lambda config: config.muldiv)
    table = tuple(slow if row.name == "multiplier" else row for row in EXEC_UNITS)
    monkeypatch.setattr(decoder_module, "INSTRUCTIONS", rows)
    monkeypatch.setattr(units_module, "INSTRUCTIONS", rows)
    monkeypatch.setattr(units_module, "EXEC_UNITS", table)

    slow_mem, slow_retired, slow_outcome = run_program(_program(), latency=2, memory={DATA: 7})
    assert "fault" not in slow_outcome
    assert slow_mem == mem and slow_retired == retired
    # three multiplications, each now holding X for its latency instead of finishing in X
    assert slow_outcome["cycles"] == outcome["cycles"] + 3 * SlowMultiplier.latency
