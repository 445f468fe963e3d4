"""CFGROM in NVDLA's layout: the trace tb/drivers/nvdla_traces/cfgrom_nv_small/ reads every entry
(``reg_read_expected`` with nv_small's values, written once from NVDLA's ROM and committed) on the
golden model and the RTL; the descriptors' order and offsets."""

from pathlib import Path

import pytest

from simtlab import Device
from simtlab.drivers.nvdla_trace import parse_trace, replay
from simtlab.spec import tile_regs

TRACE = Path(__file__).parent / "nvdla_traces" / "cfgrom_nv_small" / "cfgrom_nv_small.cfg"


@pytest.mark.parametrize("backend", ["emu", "rtl"])
def test_cfgrom_trace(backend):
    with Device("tile", backend=backend) as dev:
        result = replay(TRACE, dev)
    assert result.passed, result.report()
    assert len(result.checks) == 105 and not result.skipped


def test_the_trace_names_every_entry():
    trace = parse_trace(TRACE, strict=True)
    read = [s.args[0] for s in trace.steps if s.op == "reg_read_expected"]
    assert len(read) == len(tile_regs.unit("CFGROM").registers) + 1


def test_descriptors():
    """The unit descriptors (id in bits 15:0) in NVDLA's order, at NVDLA's offsets (CDP_DESC
    0x188, END_OF_LIST 0x19C); the shape entries follow the tile's config."""
    u = tile_regs.unit("CFGROM")
    ids = [r.reset & 0xFFFF for r in u.registers if r.name.endswith("_DESC")]
    assert ids == [1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13]
    assert u.register("CFGROM_CDP_DESC").offset == 0x188
    assert u.registers[-1].name == "CFGROM_END_OF_LIST" and u.registers[-1].offset == 0x19C
    values = tile_regs.cfgrom_values(atom_c=16, atom_k=32, cbuf_banks=16, cbuf_bank_bytes=8192)
    assert values["CMAC_A_BASE_ATOMIC_K"] == 32 and values["CBUF_BASE_CBUF_BANK_DEPTH"] == 512
