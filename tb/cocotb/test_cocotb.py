"""pytest entry points of the cocotb testbenches: one Verilator build per DUT (cached, shared by
pytest-xdist workers), one simulator run per testbench module."""

import pytest

from simtlab.config import SimtConfig
from simtlab.rtl.soc.top import SimtTop

from .duts import DECODE_ALU_TOP, DecodeAluTop
from .runner import build, run


@pytest.fixture(scope="module")
def decode_alu_model():
    return build(DecodeAluTop(), top=DECODE_ALU_TOP)


@pytest.fixture(scope="module")
def top_model():
    return build(SimtTop(SimtConfig()), top="simtlab_top")


def test_decode_alu(decode_alu_model, tmp_path):
    names = run(decode_alu_model, "tb.cocotb.tb_decode_alu", test_dir=tmp_path)
    assert len(names) >= 5


def test_core_top(top_model, tmp_path):
    names = run(top_model, "tb.cocotb.tb_core", test_dir=tmp_path)
    assert len(names) >= 4
