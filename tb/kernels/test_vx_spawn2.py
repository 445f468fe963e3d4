"""Kernels in the style of newer Vortex (vx_spawn2.h: a __kernel entry kernel_main, launched by main()
through vx_spawn_threads with the kernel_arg_t's grid and block, uint64_t addresses) run unchanged
through Device at 1x1, 4x4 and 4x16 on both backends; the sgemm stages tiles in __local_mem() between
__syncthreads() barriers. Checked against numpy (the sgemm's fused multiply-adds exactly)."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.kernels.catalog import EXAMPLES_DIR, fma_f32
from simtlab.kernels.compile import compile_kernel
from simtlab.spec.memory import MemoryMap

SHAPES = [(1, 1), (4, 4), (4, 16)]
SEED = 20261204
_DEVICES = {}


def _device(shape, backend):
    key = (shape, backend)
    if key not in _DEVICES:
        warps, threads = shape
        _DEVICES[key] = Device(SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads),
                               backend=backend)
    return _DEVICES[key]


@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_vecadd(shape, backend):
    seed = SEED + 100 * shape[0] + shape[1]
    rng = np.random.default_rng(seed)
    device = _device(shape, backend)
    n = 3 * shape[0] * shape[1] + 5                 # a partial last block
    block = shape[1]
    a = rng.integers(-2**31, 2**31, n, dtype=np.int64).astype(np.int32)
    b = rng.integers(-2**31, 2**31, n, dtype=np.int64).astype(np.int32)
    device.free_all()
    src0, src1 = device.upload(a), device.upload(b)
    dst = device.zeros(n + 1, np.int32)               # one word past the end must stay 0
    device.run(EXAMPLES_DIR / "vortex2_vecadd.cpp", [-(-n // block)], [block], n, src0, src1, dst)
    got = device.download(dst)
    device.free_all()
    want = (a.astype(np.int64) + b).astype(np.int32)
    np.testing.assert_array_equal(got[:n], want, err_msg=f"seed={seed}")
    assert got[n] == 0, "a thread past num_points wrote"


def _sgemm_reference(a, b):
    c = np.zeros((a.shape[0], b.shape[1]), np.float32)
    for k in range(a.shape[1]):
        c = fma_f32(a[:, k:k + 1], b[k:k + 1, :], c).astype(np.float32)
    return c


@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sgemm_local_memory(shape, backend):
    seed = SEED + 100 * shape[0] + shape[1]
    rng = np.random.default_rng(seed)
    device = _device(shape, backend)
    harts = shape[0] * shape[1]
    tile = 1 << int(np.log2(harts) // 2)           # the largest tile x tile block that fits: 1, 4, 8
    size = 2 * tile if tile > 1 else 5
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    device.free_all()
    A, B = device.upload(a), device.upload(b)
    C = device.zeros((size, size), np.float32)
    grid = [size // tile] * 2
    device.run(EXAMPLES_DIR / "vortex2_sgemm.cpp", grid, [tile, tile], size, tile, A, B, C)
    got = device.download(C).reshape(size, size)
    device.free_all()
    np.testing.assert_array_equal(got, _sgemm_reference(a, b), err_msg=f"seed={seed} tile={tile}")


def test_local_mem_share():
    """__local_mem() is the block's even share of local memory: slot * (LMEM size / slots)."""
    config = SimtConfig(name="4x4", warps=4, threads=4)
    source = r"""
#include <stdint.h>
#include "vx_spawn2.h"
typedef struct { uint32_t grid[1]; uint32_t block[1]; uint32_t *out; } kernel_arg_t;
__kernel void kernel_main(kernel_arg_t *arg) {
    if (threadIdx.x == 0) {
        arg->out[2 * blockIdx.x] = (uint32_t)(uintptr_t)__local_mem();
        arg->out[2 * blockIdx.x + 1] = (uint32_t)(uintptr_t)__local_mem(64) + __local_mem_size();
    }
}
int main(void) {
    kernel_arg_t *arg = (kernel_arg_t *)csr_read(VX_CSR_MSCRATCH);
    return vx_spawn_threads(1, arg->grid, arg->block, (vx_kernel_func_cb)kernel_main, arg);
}
"""
    elf = compile_kernel(source, config)
    with Device(config, backend="emu") as device:
        out = device.zeros(2 * 8, np.uint32)
        device.run(elf, [8], [8], out)            # blocks of 2 warps: 2 slots
        got = device.download(out).reshape(8, 2).astype(np.int64)
    share = (1 << config.lmem_log_size) // 2
    slot = np.arange(8) % 2
    np.testing.assert_array_equal(got[:, 0], MemoryMap.LMEM_BASE + slot * share)
    np.testing.assert_array_equal(got[:, 1], MemoryMap.LMEM_BASE + slot * 64 + share)


def test_sgemm_lockstep():
    """Block mode with barriers and local memory: the two models retire the same instructions."""
    from simtlab.drivers.lockstep import run_lockstep
    config = SimtConfig(name="4x4", warps=4, threads=4)
    rng = np.random.default_rng(SEED)
    a, b = (rng.standard_normal((8, 8)).astype(np.float32) for _ in range(2))

    def setup(device):                  # called once per backend: the same inputs
        return [[2, 2], [4, 4], 8, 4, device.upload(a), device.upload(b), device.zeros((8, 8), np.float32)]
    report = run_lockstep(config, EXAMPLES_DIR / "vortex2_sgemm.cpp", setup=setup)
    assert report.ok, report.summary()
    assert report.records > 100
