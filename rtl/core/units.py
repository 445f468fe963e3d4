"""The execute-unit table: one row per lane-parallel execute unit, from which ``core.py`` builds
each lane's instance, its operand wiring, the result multiplexer, the wait terms that hold X and the
stall class those waits count as.

Place in the pipeline: X (and, for a pipelined unit, M). The warp-level blocks of X (the CSR file,
warp control, the load/store unit) are not rows: each has its own control role in ``core.py``.

Protocols, by the ports a unit's component has:

* **combinational**: ``result`` is valid in the cycle the operands are; X takes it into M.
* **pipelined** (one stage after X): the operation is captured at the end of the cycle its
  ``advance`` is high; ``p_result`` (and ``p_flags``) hold it in the next cycle, while the
  instruction is in M. A dependent instruction of the same warp waits one cycle (hazards.py).
* **iterative**: ``start`` (sampled while ``busy`` and ``done`` are low), ``busy``, ``done``
  (``result`` valid, held until ``ack``), ``ack``; X waits while ``done`` is low.

Which protocol an instruction uses comes from its row in ``simtlab/spec/isa.py``
(``InstrDesc.latency``: ``None`` combinational, ``Latency.PIPELINED``, ``Latency.ITERATIVE``),
decoded into ``DecodedLayout.pipelined``/``iterative``; a unit lists the protocols it supports.
"""

import enum
from dataclasses import dataclass, field
from typing import Callable

from amaranth import *

from ...spec.fpu import Latency
from ...spec.isa import INSTRUCTIONS, OperandA, OperandB, Unit
from ...spec.status import StallCause
from ..fpu.fpu import Fpu
from .alu import Alu
from .muldiv import Divider, Multiplier

__all__ = [
    "Protocol",
    "LaneOperands",
    "ExecUnit",
    "EXEC_UNITS",
    "exec_units",
]


class Protocol(enum.Enum):
    """How a unit hands back its result (the module docstring gives the ports)."""
    COMBINATIONAL = "combinational"
    PIPELINED = "pipelined"
    ITERATIVE = "iterative"


#: The decode table's latency class of each protocol.
PROTOCOL_OF = {None: Protocol.COMBINATIONAL, Latency.PIPELINED: Protocol.PIPELINED,
               Latency.ITERATIVE: Protocol.ITERATIVE}


@dataclass(frozen=True)
class LaneOperands:
    """What X offers one lane's unit: the decoded controls, the pc, the lane's forwarded rs1, rs2,
    rs3 values and the resolved rounding mode (0-4)."""
    dec: object
    pc: Value
    a: Value
    b: Value
    c: Value
    rm: Value


@dataclass(frozen=True)
class ExecUnit:
    """One row of the execute-unit table.

    Parameters
    ----------
    name : str
        Submodule prefix (``{name}_{lane}``).
    units : tuple of Unit
        The decoded ``Unit`` values it executes (its result is X's for those instructions).
    build : callable(SimtConfig) -> Component
        One lane's instance.
    inputs : callable(component, LaneOperands) -> list of statements
        Its operand wiring.
    latency : dict of Protocol -> int
        The protocols it supports and their latency: cycles after X for ``PIPELINED`` (only 1 is
        supported: the result is finished in M), cycles from ``start`` to ``done`` for
        ``ITERATIVE``, 0 for ``COMBINATIONAL``.
    stall : StallCause
        The class of the cycles X waits for it (``perf__stall``).
    flags : bool
        It raises FP exception flags (``flags`` and, if pipelined, ``p_flags``): they accrue into
        the warp's fflags as its instruction leaves M.
    enabled : callable(SimtConfig) -> bool
        Whether a configuration has it (its instructions are then decoded).
    """
    name: str
    units: tuple
    build: Callable
    inputs: Callable
    latency: dict
    stall: StallCause = StallCause.HAZARD
    flags: bool = False
    enabled: Callable = field(default=lambda config: True)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"ExecUnit name must be an identifier, not {self.name!r}")
        if not self.units or not all(isinstance(u, Unit) for u in self.units):
            raise TypeError(f"ExecUnit {self.name} units must be a non-empty tuple of Unit, "
                            f"not {self.units!r}")
        if not self.latency or not all(isinstance(p, Protocol) for p in self.latency):
            raise TypeError(f"ExecUnit {self.name} latency must map Protocol to cycles, "
                            f"not {self.latency!r}")
        if self.latency.get(Protocol.PIPELINED, 1) != 1:
            raise ValueError(f"ExecUnit {self.name}: a pipelined unit finishes in M, one cycle "
                             f"after X, not {self.latency[Protocol.PIPELINED]!r}")
        if not isinstance(self.stall, StallCause):
            raise TypeError(f"ExecUnit {self.name} stall must be a StallCause, not {self.stall!r}")

    @property
    def pipelined(self):
        return Protocol.PIPELINED in self.latency

    @property
    def iterative(self):
        return Protocol.ITERATIVE in self.latency

    @property
    def result_in_x(self):
        """Some of its operations finish in X (combinational or iterative): it drives ``result``
        (and ``flags``)."""
        return Protocol.COMBINATIONAL in self.latency or self.iterative

    def selected(self, unit):
        """X's instruction goes to this unit (``unit`` is the decoded Unit)."""
        return Cat(unit == u for u in self.units).any()


def _alu_inputs(alu, x):
    return [
        alu.op.eq(x.dec.alu_op),
        alu.a.eq(Mux(x.dec.a_sel == OperandA.RS1, x.a, Mux(x.dec.a_sel == OperandA.PC, x.pc, 0))),
        alu.b.eq(Mux(x.dec.b_sel == OperandB.IMM, x.dec.imm, x.b)),
    ]


def _multiplier_inputs(mul, x):
    return [mul.funct3.eq(x.dec.funct3[0:2]), mul.a.eq(x.a), mul.b.eq(x.b)]


def _divider_inputs(div, x):
    return [div.funct3.eq(x.dec.funct3), div.a.eq(x.a), div.b.eq(x.b)]


def _fpu_inputs(fpu, x):
    return [fpu.op.eq(x.dec.fpu_op), fpu.rm.eq(x.rm), fpu.a.eq(x.a), fpu.b.eq(x.b),
            fpu.c.eq(x.c)]


#: The lane-parallel execute units. The ALU row comes first: its result is X's default (branches,
#: loads, stores and fences use it, or nothing), and the LSU and jalr take their addresses from it.
EXEC_UNITS = (
    ExecUnit("alu", (Unit.ALU,), lambda config: Alu(), _alu_inputs,
             {Protocol.COMBINATIONAL: 0}),
    ExecUnit("multiplier", (Unit.MUL,), lambda config: Multiplier(), _multiplier_inputs,
             {Protocol.COMBINATIONAL: Multiplier.latency},
             enabled=lambda config: config.muldiv),
    ExecUnit("divider", (Unit.DIV,), lambda config: Divider(), _divider_inputs,
             {Protocol.ITERATIVE: Divider.latency},
             enabled=lambda config: config.muldiv),
    ExecUnit("fpu", (Unit.FPU,), lambda config: Fpu(clock_gating=config.clock_gating), _fpu_inputs,
             {Protocol.PIPELINED: Fpu.pipeline_stages - 1,
              Protocol.ITERATIVE: Fpu.iterative_latency},
             flags=True, enabled=lambda config: config.fpu),
)


def exec_units(config, table=None):
    """The rows of ``table`` (default :data:`EXEC_UNITS`) that ``config`` has, checked against the
    decode table: every instruction of a row's units uses a protocol the row supports, and no Unit
    belongs to two rows.

    Raises
    ------
    ValueError
        The first row is not the ALU, a Unit is in two rows, or an instruction needs a protocol its
        unit does not have.
    """
    rows = [row for row in (EXEC_UNITS if table is None else table) if row.enabled(config)]
    if not rows or rows[0].units != (Unit.ALU,):
        raise ValueError("the first execute unit must be the ALU (X's default result)")
    owner = {}
    for row in rows:
        for unit in row.units:
            if unit in owner:
                raise ValueError(f"Unit.{unit.name} is in execute units {owner[unit]} and "
                                 f"{row.name}")
            owner[unit] = row.name
    for desc in INSTRUCTIONS:
        row = next((r for r in rows if desc.unit in r.units), None)
        if row is not None and PROTOCOL_OF[desc.latency] not in row.latency:
            raise ValueError(f"{desc.name} is {PROTOCOL_OF[desc.latency].value}, which execute "
                             f"unit {row.name} does not support")
    return rows
