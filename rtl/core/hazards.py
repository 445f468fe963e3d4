"""Hazard detection: operand forwarding into X and into the D-to-X capture, and the conditions
that hold an instruction in X or a warp out of issue.

Place in the pipeline: beside the stage registers of ``core.py``; reads D, X, M and W, drives X's
operands and wait terms and the scheduler's ``blocked`` mask. Purely combinational.
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.csr import CSR
from ...spec.isa import Unit
from ..common.checks import check_bool, check_derived, check_int
from .decoder import DecodedLayout
from .layouts import execute_layout, issue_layout, lanes_layout, memory_layout, result_layout

__all__ = [
    "Hazards",
]


class Hazards(wiring.Component):
    """Forwarding and interlocks of the in-order pipeline.

    * **Forwarding into X**, per lane and per warp: an operand X reads is taken from M's value if M
      holds an older instruction of the same warp writing that register in that lane, else from W,
      else the captured register-file value (``x_ops``).
    * **Forwarding into D's capture**: the register file was read a cycle before D, so the value D
      hands to X is W's when W writes that register of that warp (``d_ops``).
    * **FP results** (``fp_wait``): a pipelined operation's value exists only at the end of M; an
      instruction of the same warp in X that reads its rd waits one cycle and takes it from W.
    * **fflags** (``csr_wait``): flags accrue as an FP instruction leaves M; a CSR access to fflags
      or fcsr of that warp waits for it.
    * **Load-use** (``behind_load``): a warp with a load in D, in X or in its collector issues
      nothing until the load retired, which also keeps its retire order.

    Parameters
    ----------
    derived : Derived
        ``SimtConfig.derive()``: warps, threads.
    pipelined : int
        Pipelined execute units (the width of M's ``pipe`` field).
    fpu : bool
        Forward the third operand (rs3) too.

    Members
    -------
    d : In(issue_layout)
    d_dec : In(DecodedLayout)
        D's instruction and its decode.
    rdata : In(ArrayLayout(lanes, 3))
        The register file's read data for D (rs1, rs2, rs3).
    d_ops : Out(ArrayLayout(lanes, 3))
        ... forwarded from W: what X captures.
    x : In(execute_layout)
    x_ops : In(ArrayLayout(lanes, 3))
        X's captured operands ...
    ops : Out(ArrayLayout(lanes, 3))
        ... forwarded from M and W: what X's units use.
    m : In(memory_layout)
    w : In(result_layout)
    pending_load : In(warps)
        Warps with a load in their collector (``Lsu.pending``).
    fp_wait, csr_wait : Out(1)
        X must wait this cycle.
    behind_load : Out(warps)

    Latency: combinational.

    Raises
    ------
    TypeError
        ``derived`` is not a Derived, ``fpu`` not a bool, ``pipelined`` not an integer.
    ValueError
        ``pipelined`` is negative.
    """

    def __init__(self, derived, *, pipelined=1, fpu=True):
        check_int("Hazards", "pipelined", pipelined, 0)
        self._fpu = check_bool("Hazards", "fpu", fpu)
        self._derived = check_derived("Hazards", derived)
        ops = data.ArrayLayout(lanes_layout(derived), 3)
        super().__init__({
            "d": In(issue_layout(derived)),
            "d_dec": In(DecodedLayout),
            "rdata": In(ops),
            "d_ops": Out(ops),
            "x": In(execute_layout(derived)),
            "x_ops": In(ops),
            "ops": Out(ops),
            "m": In(memory_layout(derived, pipelined)),
            "w": In(result_layout(derived)),
            "pending_load": In(derived.warps),
            "fp_wait": Out(1),
            "csr_wait": Out(1),
            "behind_load": Out(derived.warps),
        })

    def elaborate(self, platform):
        m = Module()
        W, T = self._derived.warps, self._derived.threads
        x, d, ms, w = self.x, self.d, self.m, self.w
        operands = 3 if self._fpu else 2

        def w_forward(warp, rs, lane, value):
            hit = w.valid & w.wb & (w.warp == warp) & (w.rd == rs) & w.tmask[lane]
            return Mux(hit, w.data[lane], value)

        x_rs = (x.dec.rs1, x.dec.rs2, x.dec.rs3)
        d_rs = (self.d_dec.rs1, self.d_dec.rs2, self.d_dec.rs3)
        for lane in range(T):
            for k in range(operands):
                hit = ms.valid & ms.wb & (ms.warp == x.warp) & (ms.rd == x_rs[k]) & ms.tmask[lane]
                from_w = w_forward(x.warp, x_rs[k], lane, self.x_ops[k][lane])
                m.d.comb += [
                    self.ops[k][lane].eq(Mux(hit, ms.data[lane], from_w)),
                    self.d_ops[k][lane].eq(w_forward(d.warp, d_rs[k], lane, self.rdata[k][lane])),
                ]

        m_late = ms.valid & ms.wb & ms.pipe.any() & (ms.warp == x.warp)
        fflags_csr = (x.insn[20:32] == CSR.FFLAGS) | (x.insn[20:32] == CSR.FCSR)
        m.d.comb += [
            self.fp_wait.eq(m_late & (((ms.rd == x.dec.rs1) & x.dec.use_rs1) |
                                      ((ms.rd == x.dec.rs2) & x.dec.use_rs2) |
                                      ((ms.rd == x.dec.rs3) & x.dec.use_rs3))),
            self.csr_wait.eq((x.dec.unit == Unit.CSR) & fflags_csr & ms.valid & ms.flagged &
                             (ms.warp == x.warp)),
        ]

        # An AMO waits in the collector like a load.
        d_load = d.valid & ((self.d_dec.unit == Unit.LOAD) | (self.d_dec.unit == Unit.AMO))
        x_load = x.valid & ((x.dec.unit == Unit.LOAD) | (x.dec.unit == Unit.AMO))
        for warp in range(W):
            m.d.comb += self.behind_load[warp].eq(self.pending_load[warp] |
                                                  (d_load & (d.warp == warp)) |
                                                  (x_load & (x.warp == warp)))
        return m
