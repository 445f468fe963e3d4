"""tinygrad Compiler for simtlab: rendered C -> an RV32IMF ELF with the kernel runtime.

Compiles with :func:`simtlab.kernels.compile.compile_kernel` (zig from PyPI, or ``SIMTLAB_CC``),
whose content-addressed cache makes a repeated kernel free; tinygrad's own disk cache is not used.
"""

import time

from tinygrad.device import Compiler, CompileError

from ..errors import CompileError as SimtlabCompileError

__all__ = ["SimtlabCompiler", "KERNEL_FLAGS"]

#: sqrtf must be the fsqrt.s instruction, not a libm call (there is no libm).
KERNEL_FLAGS = ("-fno-math-errno", "-Wno-unused-function", "-Wno-unused-variable")


class SimtlabCompiler(Compiler):
    """``compile(src)`` returns the ELF's bytes; ``seconds`` and ``count`` add up the compiles done
    in this process (tinygrad compiles in worker processes when PARALLEL > 0)."""

    def __init__(self, config):
        self.config = config
        self.seconds, self.count = 0.0, 0
        super().__init__(None)

    def compile(self, src):
        from ..kernels.compile import compile_kernel
        start = time.perf_counter()
        try:
            path = compile_kernel(src, self.config, opt="-O2", extra_flags=KERNEL_FLAGS)
        except SimtlabCompileError as exc:
            raise CompileError(f"simtlab kernel compile failed:\n{exc}") from exc
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1
        return path.read_bytes()
