"""Progress output: a model build's stages with the elapsed time, nothing for short steps or -q."""

import sys

from simtlab.config import PRESETS
from simtlab.progress import bar
from simtlab.sim import build


def test_build_stage_shows_jobs_and_elapsed_time(tmp_path, capfd):
    # A stand-in for `verilator --build`: two compiler jobs over two seconds.
    script = "import time; print('g++ -c a.cpp', flush=True); time.sleep(1.2); " \
             "print('g++ -c b.cpp', flush=True); time.sleep(1.2)"
    with bar(desc="building the 1x1 model", bar_format="{desc} [{elapsed}]{postfix}") as stages:
        build._run([sys.executable, "-c", script], tmp_path, None, tmp_path / "build.log",
                   "Verilator build", stages)
    err = capfd.readouterr().err.replace("\r", "\n")
    assert "building the 1x1 model [00:01], Verilator build: 1 C++ jobs" in err, err
    assert "Verilator build: 2 C++ jobs" in err, err
    assert "g++ -c b.cpp" in (tmp_path / "build.log").read_text()


def test_quiet_and_short_steps_print_nothing(tmp_path, capfd):
    with bar(desc="quiet", enabled=False) as stages:
        build._run([sys.executable, "-c", "import time; time.sleep(1.5)"], tmp_path, None,
                   tmp_path / "build.log", "Verilator build", stages)
    build.build_model(PRESETS["default"], progress=True)      # a cache hit: no bar
    assert capfd.readouterr().err == ""
