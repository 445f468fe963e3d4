"""tinygrad Compiler for simtlab: rendered C -> an RV32IMF ELF with the kernel runtime.

Compiles with :func:`simtlab.kernels.compile.compile_kernel` (zig from PyPI, or ``SIMTLAB_CC``),
whose content-addressed cache makes a repeated kernel free; tinygrad's own disk cache is not used.
"""

from tinygrad.device import Compiler, CompileError

from ..errors import CompileError as SimtlabCompileError

__all__ = ["SimtlabCompiler", "KERNEL_FLAGS"]

#: sqrtf must be the fsqrt.s instruction, not a libm call (there is no libm).
KERNEL_FLAGS = ("-fno-math-errno", "-Wno-unused-function", "-Wno-unused-variable")


class SimtlabCompiler(Compiler):
    def __init__(self, config):
        self.config = config
        super().__init__(None)

    def compile(self, src):
        from ..kernels.compile import compile_kernel
        try:
            path = compile_kernel(src, self.config, opt="-O2", extra_flags=KERNEL_FLAGS)
        except SimtlabCompileError as exc:
            raise CompileError(f"simtlab kernel compile failed:\n{exc}") from exc
        return path.read_bytes()
