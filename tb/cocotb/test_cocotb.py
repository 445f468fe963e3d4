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


def test_tile_trace_replay(tmp_path):
    """A conv -> SDP layer's register trace, recorded by the driver on the functional tile model (TileBench),
    replayed in cocotb on the tile's RTL; the output bytes must equal the fake's (= tile_ref)."""
    import numpy as np
    from simtlab.drivers.tile import TileDriver, read_trace
    from simtlab.rtl.tile.tile import Tile
    from simtlab.sim.tile_model import TileBench
    rng = np.random.default_rng(7)
    fake = TileBench()
    x = rng.integers(-128, 128, size=(1, 8, 4, 4)).astype(np.int8)
    w = rng.integers(-128, 128, size=(8, 8, 3, 3)).astype(np.int8)
    trace = []
    TileDriver(fake, trace=trace).conv2d(x, w, padding=1, relu=True, out_shift=6)
    output_addr, nbytes = [s[1:] for s in read_trace(trace) if s[0] == "output"][-1]
    expected = np.frombuffer(fake.read(output_addr, nbytes), np.uint8)
    memory = fake.mem.copy()
    memory[output_addr - fake.base:output_addr - fake.base + nbytes] = 0    # the RTL must write it
    case = tmp_path / "case.npz"
    np.savez(case, base=fake.base, memory=memory, trace=np.array(trace), output_addr=output_addr,
             output=expected)
    names = run(build(Tile(clock_gating=False), top="simtlab_tile"), "tb.cocotb.tb_tile",
                test_dir=tmp_path, extra_env={"TILE_CASE": str(case)})
    assert len(names) == 1


def test_decode_alu(tmp_path):
    names = run(model("decode_alu"), "tb.cocotb.tb_decode_alu", test_dir=tmp_path)
    assert len(names) >= 5
