"""``simtlab bench`` (``make bench``): build time, load time, simulation speed, cycles and IPC.

Every number is measured on this machine when the command runs; every kernel result is still checked
against numpy, so a fast wrong answer cannot pass as a benchmark.
"""

import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from ..config import SimtConfig
from ..kernels.catalog import EXAMPLES, spin_reference

__all__ = [
    "bench",
    "straight_line_program",
]


def straight_line_program(count=20_000, seed=1):
    """A bare-metal assembly program of ``count`` straight-line integer instructions (a dependent mix
    of add/sub/xor/or/and/shift/slt and their immediate forms), then a store of the result and tmc."""
    ops_rr = ["add", "sub", "xor", "or", "and", "sll", "srl", "sra", "slt", "sltu"]
    ops_ri = ["addi", "xori", "ori", "andi", "slli", "srli", "srai", "slti"]
    rand = random.Random(seed)
    lines = [
        ".section .text.init", ".globl _start", "_start:",
        "  li x5, 0x12345678", "  li x6, 0x0badf00d", "  li x7, 77",
    ]
    regs = ["x5", "x6", "x7", "x28", "x29", "x30", "x31"]
    for _ in range(count):
        rd, rs1, rs2 = rand.choice(regs), rand.choice(regs), rand.choice(regs)
        if rand.random() < 0.5:
            lines.append(f"  {rand.choice(ops_rr)} {rd}, {rs1}, {rs2}")
        else:
            op = rand.choice(ops_ri)
            imm = rand.randrange(32) if op in ("slli", "srli", "srai") else rand.randrange(-2048, 2048)
            lines.append(f"  {op} {rd}, {rs1}, {imm}")
    lines += ["  li x10, 0x10000", "  sw x5, 0(x10)", "  .insn r 0x0b, 0, 0, x0, x0, x0", "1: j 1b", ""]
    return "\n".join(lines)


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bench(quick=False, config=None):
    from ..sim.build import build_model
    from ..sim.model import VerilatorModel
    from .demo import run_case
    from .device import Device

    config = config or SimtConfig(name="default")
    print(f"simtlab bench: config {config.as_dict()}")

    # Cold build into an empty cache, then a warm load from the normal cache.
    with tempfile.TemporaryDirectory() as empty:
        saved = os.environ.get("SIMTLAB_CACHE")
        os.environ["SIMTLAB_CACHE"] = empty
        try:
            _, cold = _timed(lambda: build_model(config))
        finally:
            if saved is None:
                os.environ.pop("SIMTLAB_CACHE")
            else:
                os.environ["SIMTLAB_CACHE"] = saved
    build_model(config)
    from ..sim import build
    build._VERILOG_MEMO.clear()     # time what a new process pays: elaborate, hash, load
    model, warm = _timed(lambda: VerilatorModel(config))
    model.close()
    print(f"  cold model build      {cold:8.1f} s")
    print(f"  warm model load       {warm:8.3f} s (elaborate + hash + load from cache)")

    rows = []
    with Device(config) as device:
        # Simulation speed on a long run of the spin kernel.
        iterations = 100_000 if quick else 1_000_000
        out = device.alloc(12, np.uint32)
        device.load(EXAMPLES["spin"].source)
        counters, seconds = _timed(lambda: device.run(None, iterations, 12345, out,
                                                      max_cycles=400 * iterations))
        assert np.array_equal(device.download(out), spin_reference(iterations, 12345)), \
            "spin kernel result differs from the Python reference"
        print(f"  spin x{iterations:<9}     {counters.cycles:>10} cycles in {seconds:.2f} s = "
              f"{counters.cycles / seconds / 1e6:.2f} M cycles/s (ipc {counters.ipc:.3f})")
        device.free_all()

        # Straight-line integer code.
        from ..kernels.compile import compile_kernel
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "straight.S"
            source.write_text(straight_line_program(5_000 if quick else 20_000))
            elf = compile_kernel(source, config, runtime=False)
            counters = device.run(elf)
        print(f"  straight-line integer {counters.cycles:>10} cycles, {counters.instrs} instrs, "
              f"ipc {counters.ipc:.3f}")

        rng = np.random.default_rng(2026)
        for name, example in EXAMPLES.items():
            if name == "spin":
                continue
            case = example.make_case(rng, example.default_size)
            counters = run_case(device, example, case)
            rows.append((name, example.default_size, counters))
    print(f"  {'kernel':<10} {'n':>6} {'cycles':>10} {'instrs':>10} {'ipc':>6}")
    for name, size, counters in rows:
        print(f"  {name:<10} {size:>6} {counters.cycles:>10} {counters.instrs:>10} "
              f"{counters.ipc:>6.3f}")
    return 0
