"""The SIMT example kernels (vx_spawn_threads, __syncthreads, local memory, split/join/pred) on the
RTL model and the golden model at several warps x threads shapes, each checked against numpy; plus the
launch geometry (blockIdx/threadIdx/gridDim/blockDim) and the error path of a block that does not fit
the core."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.drivers.demo import run_case
from simtlab.errors import KernelFailed
from simtlab.kernels.catalog import EXAMPLES, SIMT_EXAMPLES

SHAPES = ((1, 1), (2, 2), (4, 4), (8, 8), (4, 16), (16, 4))
SEED = 20261122


def _config(shape):
    warps, threads = shape
    return SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads)


def _device(shape):
    # A fresh device per launch: every case starts from reset state.
    return Device(_config(shape), backend="emu")


_SHARED = {}


def _shared_device(shape, backend):
    """One device per shape and backend for the whole session (launches reset the core)."""
    key = (shape, backend)
    if key not in _SHARED:
        _SHARED[key] = Device(_config(shape), backend=backend)
    return _SHARED[key]


def _cases():
    for backend in ("emu", "rtl"):
        for name in SIMT_EXAMPLES:
            example = EXAMPLES[name]
            for size in (example.default_size, *example.sizes):
                for shape in SHAPES:
                    yield pytest.param(name, size, shape, backend,
                                       id=f"{backend}-{name}-{size}-{shape[0]}x{shape[1]}")


@pytest.mark.parametrize("name,size,shape,backend", list(_cases()))
def test_simt_example_matches_numpy(name, size, shape, backend):
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(SEED), size)
    device = _shared_device(shape, backend)
    device.free_all()
    counters = run_case(device, example, case)
    assert 0 < counters.instrs <= counters.cycles <= case.max_cycles


@pytest.mark.parametrize("shape", [(2, 2), (4, 16)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", [n for n in EXAMPLES if n not in SIMT_EXAMPLES])
def test_single_thread_example_runs_on_wide_cores(name, shape):
    """The older examples run on warp 0, lane 0 of any core (the startup parks the other lanes)."""
    example = EXAMPLES[name]
    size = example.default_size if name != "spin" else 2000
    case = example.make_case(np.random.default_rng(SEED), size)
    with _device(shape) as device:
        run_case(device, example, case)


def test_simt_examples_are_in_the_catalog():
    for name in SIMT_EXAMPLES:
        assert EXAMPLES[name].source.is_file(), name


def test_vortex_kernel_uses_only_vortex_headers():
    text = EXAMPLES["vortex_vecadd"].source.read_text()
    includes = [line.split()[1] for line in text.splitlines() if line.startswith("#include")]
    assert set(includes) == {"<stdint.h>", "<vx_intrinsics.h>", "<vx_spawn.h>"}
    assert "sl_" not in text and "simtlab.h" not in text


def test_more_lanes_means_fewer_instructions():
    example = EXAMPLES["vecadd_simt"]
    counts = {}
    for shape in ((1, 1), (4, 4), (4, 16)):
        case = example.make_case(np.random.default_rng(SEED), 4096)
        with _device(shape) as device:
            counts[shape] = run_case(device, example, case).instrs
    assert counts[(1, 1)] > 4 * counts[(4, 4)] / 1.5 > 0
    assert counts[(4, 4)] > 2 * counts[(4, 16)]


# -- launch geometry and errors ------------------------------------------------------------------

GEOMETRY_KERNEL = r"""
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t dims;
    uint32_t grid[3];
    uint32_t block[3];      /* block[0] == 0: task mode (block_dim NULL) */
    uint32_t *out;          /* 12 words per thread, indexed by the global thread number */
} geometry_args_t;

static void body(void *p) {
    const geometry_args_t *arg = p;
    uint32_t block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    uint32_t thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    uint32_t *o = arg->out + 12 * (block * (blockDim.x * blockDim.y * blockDim.z) + thread);
    o[0] = blockIdx.x;  o[1] = blockIdx.y;  o[2] = blockIdx.z;
    o[3] = threadIdx.x; o[4] = threadIdx.y; o[5] = threadIdx.z;
    o[6] = gridDim.x;   o[7] = gridDim.y;   o[8] = gridDim.z;
    o[9] = blockDim.x;  o[10] = blockDim.y; o[11] = blockDim.z;
}

int main(void) {
    const geometry_args_t *arg = sl_arg();
    return vx_spawn_threads(arg->dims, arg->grid, arg->block[0] ? arg->block : NULL, body, arg);
}
"""


def _geometry_expected(dims, grid, block):
    grid = list(grid[:dims]) + [1] * (3 - dims)
    block = list(block[:dims]) + [1] * (3 - dims) if block else [1, 1, 1]
    rows = []
    for bz in range(grid[2]):
        for by in range(grid[1]):
            for bx in range(grid[0]):
                for tz in range(block[2]):
                    for ty in range(block[1]):
                        for tx in range(block[0]):
                            rows.append([bx, by, bz, tx, ty, tz, *grid, *block])
    return np.array(rows, np.uint32).reshape(-1)


def _run_geometry(tmp_path, shape, dims, grid, block, max_cycles=5_000_000):
    source = tmp_path / "geometry.c"
    source.write_text(GEOMETRY_KERNEL)
    want = _geometry_expected(dims, grid, block)
    device = _device(shape)
    out = device.upload(np.full(want.size, 0xDEADBEEF, np.uint32))
    grid3 = list(grid) + [0] * (3 - len(grid))
    block3 = (list(block) + [0] * (3 - len(block))) if block else [0, 0, 0]
    try:
        counters = device.run(source, dims, grid3, block3, out, max_cycles=max_cycles)
        return device.download(out), want, counters, device.console()
    finally:
        device.close()


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (4, 4), (3, 5), (4, 16), (16, 4)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("dims,grid,block", [
    (1, (37,), None),
    (2, (5, 3), None),
    (3, (3, 2, 4), None),
    (1, (6,), "all"),             # a block of warps x threads threads: exactly fills the core
    (2, (3, 2), (2, 1)),
    (3, (2, 3, 2), (1, 2, 1)),
], ids=["task1d", "task2d", "task3d", "fullblock", "block2d", "block3d"])
def test_launch_geometry(tmp_path, shape, dims, grid, block):
    if block == "all":
        block = (shape[0] * shape[1],)
    if block is not None and int(np.prod(block)) > shape[0] * shape[1]:
        pytest.skip("block larger than this core")
    got, want, _, _ = _run_geometry(tmp_path, shape, dims, grid, block)
    np.testing.assert_array_equal(got.reshape(-1, 12), want.reshape(-1, 12))


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (4, 4), (4, 16), (16, 4)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_block_larger_than_core_fails_clearly(tmp_path, shape):
    """vx_spawn_threads returns -1 (main returns it: exit code 0xFFFFFFFF) and says why, and no
    thread of the launch runs."""
    warps, threads = shape
    source = tmp_path / "geometry.c"
    source.write_text(GEOMETRY_KERNEL)
    block = warps * threads + 1
    device = _device(shape)
    try:
        out = device.upload(np.zeros(12 * 2 * block, np.uint32))
        with pytest.raises(KernelFailed) as info:
            device.run(source, 1, (2, 0, 0), (block, 0, 0), out, max_cycles=1_000_000)
        text = device.console()
        untouched = not device.download(out).any()
    finally:
        device.close()
    assert info.value.code & 0xFFFF_FFFF == 0xFFFF_FFFF
    assert (f"vx_spawn_threads: a block of {block} threads does not fit this core "
            f"({warps} warps x {threads} threads = {warps * threads})") in text
    assert untouched
