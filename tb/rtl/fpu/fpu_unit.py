"""The FPU as a Verilator shared library driven from C++ (fpu_driver.cpp), for the FPU tests and
the speed measurement (``python -m simtlab.tb.rtl.fpu.fpu_unit`` prints cycles/second)."""

import ctypes
import functools
import pathlib
import time

import numpy as np
from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from simtlab.sim.unit import build_unit
from simtlab.spec.fpu import LATENCY, FpuOp, Latency

__all__ = [
    "TOP",
    "CLASS_CODE",
    "BenchTop",
    "FpuUnit",
    "fpu_verilog",
    "build_fpu",
]

TOP = "simtlab_fpu"
_DRIVER = pathlib.Path(__file__).with_name("fpu_driver.cpp")
#: The driver's code for each latency class.
CLASS_CODE = {Latency.PIPELINED: 1, Latency.ITERATIVE: 2}
_OP_CLASS = np.array([CLASS_CODE[LATENCY[FpuOp(v)]] for v in range(len(FpuOp))], dtype=np.uint8)


class BenchTop(wiring.Component):
    """The FPU with every input registered, as in the core (whose pipeline registers feed it): for
    speed measurement only, the FPU's logic then runs once per clock edge. Same ports as ``Fpu``."""

    def __init__(self, *, clock_gating=True):
        from simtlab.rtl.fpu.fpu import Fpu
        self._fpu = Fpu(clock_gating=clock_gating)
        super().__init__(self._fpu.signature)

    def elaborate(self, platform):
        m = Module()
        m.submodules.fpu = fpu = self._fpu
        for name, member in self.signature.members.items():
            if member.flow == In:
                m.d.sync += getattr(fpu, name).eq(getattr(self, name))
            else:
                m.d.comb += getattr(self, name).eq(getattr(fpu, name))
        return m


@functools.lru_cache(maxsize=None)
def fpu_verilog(*, clock_gating=True, bench=False):
    """Verilog text of one :class:`~simtlab.rtl.fpu.fpu.Fpu` (or, with ``bench``, of
    :class:`BenchTop`) as module ``simtlab_fpu``."""
    from amaranth.back import verilog
    from simtlab.rtl.fpu.fpu import Fpu
    top = BenchTop(clock_gating=clock_gating) if bench else Fpu(clock_gating=clock_gating)
    return verilog.convert(top, name=TOP, emit_src=False)


def build_fpu(*, clock_gating=True, bench=False):
    """Path of the cached FPU library (built on first use); ``bench`` builds :class:`BenchTop`."""
    return build_unit(fpu_verilog(clock_gating=clock_gating, bench=bench), top=TOP,
                      sources=[_DRIVER])


class FpuUnit:
    """One simulated FPU. :meth:`run` streams operations through it; :meth:`bench` measures speed."""

    def __init__(self, lib_path):
        lib = ctypes.CDLL(str(lib_path))
        lib.fpu_create.restype = ctypes.c_void_p
        lib.fpu_free.argtypes = [ctypes.c_void_p]
        p = ctypes.c_void_p
        lib.fpu_run.argtypes = [ctypes.c_void_p, ctypes.c_int64] + [p] * 10 + [ctypes.c_int]
        lib.fpu_run.restype = ctypes.c_int64
        lib.fpu_bench.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int]
        lib.fpu_bench.restype = ctypes.c_uint64
        self._lib = lib
        self._handle = lib.fpu_create()

    def close(self):
        if self._handle:
            self._lib.fpu_free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def run(self, op, rm, a, b, c, *, overlap=False):
        """Run operations (equal-length sequences) in order; returns ``(result, flags, latency,
        cycles)`` numpy arrays (latency: start-to-done cycles of DIV/SQRT, else 0) and the cycle
        count. With ``overlap``, pipelined operations that follow a DIV/SQRT issue while it runs.
        Raises AssertionError if a pipelined result did not stay stable until the next
        ``advance``."""
        op = np.ascontiguousarray(op, dtype=np.uint8)
        n = len(op)
        rm = np.ascontiguousarray(rm, dtype=np.uint8)
        a = np.ascontiguousarray(np.asarray(a, dtype=np.uint64) & 0xFFFF_FFFF, dtype=np.uint32)
        b = np.ascontiguousarray(np.asarray(b, dtype=np.uint64) & 0xFFFF_FFFF, dtype=np.uint32)
        c = np.ascontiguousarray(np.asarray(c, dtype=np.uint64) & 0xFFFF_FFFF, dtype=np.uint32)
        if not (len(rm) == len(a) == len(b) == len(c) == n):
            raise ValueError("op, rm, a, b, c must have the same length")
        klass = np.ascontiguousarray(_OP_CLASS[op])
        result = np.zeros(n, dtype=np.uint32)
        flags = np.zeros(n, dtype=np.uint8)
        latency = np.zeros(n, dtype=np.uint16)
        unstable = ctypes.c_int64(0)
        ptr = lambda arr: arr.ctypes.data_as(ctypes.c_void_p)      # noqa: E731
        cycles = self._lib.fpu_run(self._handle, n, ptr(op), ptr(rm), ptr(a), ptr(b), ptr(c),
                                   ptr(klass), ptr(result), ptr(flags), ptr(latency),
                                   ctypes.byref(unstable), int(bool(overlap)))
        if cycles == -2:
            raise AssertionError(f"operation {unstable.value} ({FpuOp(int(op[unstable.value]))!r})"
                                 f" never finished")
        if cycles < 0:
            raise RuntimeError(f"fpu_run failed with code {cycles}")
        if unstable.value:
            raise AssertionError(f"p_result/p_flags changed without advance in {unstable.value} "
                                 f"cycles")
        return result, flags, latency, cycles

    def bench(self, cycles, *, busy=False):
        """Cycles per second over ``cycles`` cycles: idle (``busy=False``: nothing issued, operands
        changing every cycle) or an fmadd issued every cycle."""
        start = time.process_time()
        self._lib.fpu_bench(self._handle, cycles, int(busy))
        return cycles / (time.process_time() - start)


def _main():
    for gating in (True, False):
        print(f"Fpu(clock_gating={gating}): "
              f"{len(fpu_verilog(clock_gating=gating).splitlines())} lines of Verilog")
        for bench, what in ((False, "inputs straight from the driver"),
                            (True, "inputs registered (as in the core)")):
            unit = FpuUnit(build_fpu(clock_gating=gating, bench=bench))
            unit.bench(200_000)
            idle = max(unit.bench(2_000_000) for _ in range(5))
            busy = max(unit.bench(2_000_000, busy=True) for _ in range(5))
            print(f"  {what}: idle {idle / 1e6:.2f} M cycles/s, fmadd every cycle "
                  f"{busy / 1e6:.2f} M cycles/s (best of 5 x 2 M cycles, CPU time)")
            unit.close()


if __name__ == "__main__":
    _main()
