"""Amaranth wrappers that expose internal blocks as flat cocotb-friendly tops."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from simtlab.config import SimtConfig
from simtlab.rtl.common.round_robin import RoundRobin
from simtlab.rtl.core.alu import Alu
from simtlab.rtl.core.decoder import Decoder
from simtlab.rtl.core.simt import WarpControl
from simtlab.rtl.soc.top import SimtTop

__all__ = ["DecodeAluTop", "DECODE_ALU_TOP", "DUTS"]

#: Verilog module name of :class:`DecodeAluTop`.
DECODE_ALU_TOP = "simtlab_decode_alu"


class DecodeAluTop(wiring.Component):
    """The decoder and the ALU side by side, combinational, with every decoded field as its own port
    (a Struct port would be one flat vector in Verilog).

    Ports: ``insn`` in; ``dec_legal``, ``dec_unit``, ``dec_alu_op``, ``dec_a_sel``, ``dec_b_sel``,
    ``dec_rd``, ``dec_rs1``, ``dec_rs2``, ``dec_wb``, ``dec_use_rs1``, ``dec_use_rs2``,
    ``dec_funct3``, ``dec_imm`` out; ``alu_op``, ``alu_a``, ``alu_b`` in, ``alu_result`` out.
    """

    insn: In(32)
    dec_legal: Out(1)
    dec_unit: Out(4)
    dec_alu_op: Out(4)
    dec_a_sel: Out(2)
    dec_b_sel: Out(1)
    dec_rd: Out(6)      # 32-63: f registers
    dec_rs1: Out(6)
    dec_rs2: Out(6)
    dec_wb: Out(1)
    dec_use_rs1: Out(1)
    dec_use_rs2: Out(1)
    dec_funct3: Out(3)
    dec_imm: Out(32)
    alu_op: In(4)
    alu_a: In(32)
    alu_b: In(32)
    alu_result: Out(32)

    def elaborate(self, platform):
        m = Module()
        m.submodules.decoder = decoder = Decoder()
        m.submodules.alu = alu = Alu()
        out = decoder.out
        m.d.comb += [
            decoder.insn.eq(self.insn),
            self.dec_legal.eq(out.legal),
            self.dec_unit.eq(out.unit),
            self.dec_alu_op.eq(out.alu_op),
            self.dec_a_sel.eq(out.a_sel),
            self.dec_b_sel.eq(out.b_sel),
            self.dec_rd.eq(out.rd),
            self.dec_rs1.eq(out.rs1),
            self.dec_rs2.eq(out.rs2),
            self.dec_wb.eq(out.wb),
            self.dec_use_rs1.eq(out.use_rs1),
            self.dec_use_rs2.eq(out.use_rs2),
            self.dec_funct3.eq(out.funct3),
            self.dec_imm.eq(out.imm),
            alu.op.eq(self.alu_op),
            alu.a.eq(self.alu_a),
            alu.b.eq(self.alu_b),
            self.alu_result.eq(alu.result),
        ]
        return m


#: Every DUT of the cocotb suite: name -> (top module name, factory of the component). The Verilog
#: module names differ so that a waveform or a log says which build it came from.
DUTS = {
    "decode_alu": (DECODE_ALU_TOP, DecodeAluTop),
    "top": ("simtlab_top", lambda: SimtTop(SimtConfig())),
    "top_4x4": ("simtlab_top_4x4", lambda: SimtTop(SimtConfig(warps=4, threads=4))),
    "rr4": ("simtlab_round_robin_4", lambda: RoundRobin(4)),
    "rr5": ("simtlab_round_robin_5", lambda: RoundRobin(5)),
    "warpctl": ("simtlab_warp_control",
                lambda: WarpControl(warps=4, threads=4, ipdom_depth=6, barriers=4, cores=2)),
}
