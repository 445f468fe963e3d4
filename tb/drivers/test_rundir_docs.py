"""docs/guide.md's run-directory example with --konata and --plots runs and lists what it says."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_guide_konata_plots_example_runs(tmp_path):
    pytest.importorskip("matplotlib")
    guide = (ROOT / "docs/guide.md").read_text()
    block = next(b for b in re.findall(r"```sh\n(.*?)```", guide, re.S) if "--out run1" in b)
    listed = re.search(r"ls run1\s+#\s*(.*)", block)[1].split()
    script = (block.replace(".venv/bin/simtlab", f"{sys.executable} -m simtlab.drivers.cli")
              .replace("kernels/", f"{ROOT}/kernels/"))
    proc = subprocess.run(["bash", "-euc", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-len(listed):] == listed
    assert sorted(p.name for p in (tmp_path / "run1").iterdir()) == sorted(listed)
