"""pytest entry points of the cocotb testbenches: one Verilator build per DUT (cached, shared by
pytest-xdist workers), one simulator run per testbench module and DUT.

The tests are listed longest build first, so that ``pytest -n 2`` starts the two big tops first.
"""

import pytest

from .duts import DUTS
from .runner import build, run


def model(name):
    top, factory = DUTS[name]
    return build(factory(), top=top)


def test_core_top_4x4(tmp_path):
    # Only the tests that adapt to the machine's shape; the others assume 1 warp x 1 thread.
    names = run(model("top_4x4"), "tb.cocotb.tb_core", test_dir=tmp_path,
                testcase="every_hart_stores_mhartid,simt_divergence")
    assert len(names) == 2


def test_core_top(tmp_path):
    names = run(model("top"), "tb.cocotb.tb_core", test_dir=tmp_path)
    assert len(names) >= 6


def test_warpctl(tmp_path):
    names = run(model("warpctl"), "tb.cocotb.tb_warpctl", test_dir=tmp_path)
    assert len(names) >= 8


@pytest.mark.parametrize("count", [4, 5])
def test_scheduler(count, tmp_path):
    names = run(model(f"rr{count}"), "tb.cocotb.tb_scheduler", test_dir=tmp_path)
    assert len(names) >= 4


def test_decode_alu(tmp_path):
    names = run(model("decode_alu"), "tb.cocotb.tb_decode_alu", test_dir=tmp_path)
    assert len(names) >= 5
