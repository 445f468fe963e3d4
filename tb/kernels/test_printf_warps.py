"""vx_printf from every lane of every warp at once (docs/runtime.md, "Printing"): lanes of a warp are
serialised and a console lock is taken per lane across warps, so every line is whole and the console
holds exactly the expected multiset of lines."""

from collections import Counter

import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.kernels.catalog import EXAMPLES_DIR


def _expected(n, reps, warps, threads):
    lines = []
    for i in range(n):
        warp, lane = (i // threads) % warps, i % threads       # task mode: task i on hart i mod W*T
        for r in range(reps):
            lines.append(f"task {i} warp {warp} lane {lane} rep {r}: {(i * i) & 0xFFFFFFFF:08x} "
                         f"{-i:6d} end")
        if i & 1:
            lines.append(f"odd task {i} says hello")
    return lines


@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", [(4, 4), (2, 2)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_printf_from_every_warp(shape, backend):
    warps, threads = shape
    config = SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads)
    n, reps = 2 * warps * threads, 2
    with Device(config, backend=backend) as device:
        device.console()
        device.run(EXAMPLES_DIR / "printf_warps.c", n, reps, max_cycles=20_000_000)
        text = device.console()
    assert text.endswith("\n"), text[-200:]
    lines = text[:-1].split("\n")
    want = _expected(n, reps, warps, threads)
    wanted = set(want)
    broken = [line for line in lines if line not in wanted]
    assert not broken, f"{len(broken)} lines not whole, first: {broken[:3]}"
    assert Counter(lines) == Counter(want)
    # The lanes of a warp that make one call together print in lane order: the first call of the
    # first round (later, lanes of a warp can be in different calls: the odd tasks' divergent line).
    for i0 in range(0, warps * threads, threads):
        seen = [lines.index(want_line) for want_line in
                (f"task {i} warp {i // threads} lane {i % threads} rep 0: {i * i:08x} {-i:6d} end"
                 for i in range(i0, i0 + threads))]
        assert seen == sorted(seen), f"lanes out of order in warp {i0 // threads}"


def test_printf_lockstep():
    """The console lock's atomics: the two models retire the same instructions (4x4)."""
    from simtlab.drivers.lockstep import run_lockstep
    config = SimtConfig(name="4x4", warps=4, threads=4)
    report = run_lockstep(config, EXAMPLES_DIR / "printf_warps.c", 16, 1, max_cycles=20_000_000)
    assert report.ok, report.summary()
    assert report.records > 1000
