"""Ctrl-C: SIGINT stops a run of either backend promptly with KeyboardInterrupt, the device stays
usable, and the CLI exits 130 with one line. Each test sends a real signal to a subprocess."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOOP = '#include "simtlab.h"\nint main(void) { for (;;) sl_cycles(); }\n'
STOP_WITHIN = 0.5       # seconds from SIGINT to KeyboardInterrupt


def _child(tmp_path, backend):
    """A script that launches an endless kernel, reports when it waits, catches the interrupt and
    then runs vecadd on the same device."""
    (tmp_path / "loop.c").write_text(LOOP)
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        import numpy as np
        from simtlab import Device
        dev = Device("default", backend={backend!r}, max_cycles=10**15)
        dev.launch({str(tmp_path / "loop.c")!r})
        print("waiting", flush=True)
        try:
            dev.wait()
        except KeyboardInterrupt:
            print("interrupted", time.monotonic(), flush=True)
        else:
            sys.exit("the endless kernel ended")
        a = np.arange(16, dtype=np.int32)
        b = np.arange(16, dtype=np.int32) * 3
        bufs = [dev.upload(a), dev.upload(b), dev.alloc(64, np.int32)]
        dev.run({str(ROOT / "kernels/examples/vecadd.c")!r}, 16, *bufs)
        assert (dev.download(bufs[2]) == a + b).all(), dev.download(bufs[2])
        print("usable", flush=True)
    """))
    return script


@pytest.mark.parametrize("backend", ["rtl", "emu"])
def test_sigint_stops_a_run_and_the_device_stays_usable(tmp_path, backend):
    if backend == "rtl":
        from simtlab.config import PRESETS
        from simtlab.sim.build import build_model
        build_model(PRESETS["default"])     # so the child does not spend its time building
    proc = subprocess.Popen([sys.executable, str(_child(tmp_path, backend))], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "waiting", proc.stderr.read()
        time.sleep(1.0)                     # well inside the run
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    lines = out.split("\n")
    assert lines[0].startswith("interrupted "), err
    delay = float(lines[0].split()[1]) - sent
    assert delay < STOP_WITHIN, f"stopped {delay:.2f} s after SIGINT"
    assert lines[1] == "usable" and proc.returncode == 0, err


def test_cli_interrupt_exits_130_with_one_line(tmp_path):
    from simtlab.config import PRESETS
    from simtlab.kernels.compile import compile_kernel
    from simtlab.sim.build import build_model
    build_model(PRESETS["default"])
    (tmp_path / "loop.c").write_text(LOOP)
    compile_kernel(tmp_path / "loop.c", PRESETS["default"])
    proc = subprocess.Popen([sys.executable, "-m", "simtlab.drivers.cli", "run", "--max-cycles",
                             str(10**15), str(tmp_path / "loop.c")], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "100"})
    try:
        # The run's progress bar appears on stderr once the run has taken a second.
        seen = ""
        deadline = time.monotonic() + 120
        while "cycle" not in seen and time.monotonic() < deadline and proc.poll() is None:
            seen += os.read(proc.stderr.fileno(), 4096).decode(errors="replace")
        assert "cycle" in seen, f"no progress bar: {seen!r}"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    lines = [line for line in err.replace("\r", "\n").splitlines()
             if line.strip() and "cycle" not in line]
    assert lines == ["interrupted"], err
    assert "Traceback" not in err + out
