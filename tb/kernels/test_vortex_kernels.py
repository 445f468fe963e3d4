"""The Vortex-style regression kernels (dotproduct, dropout, relu, conv3, stencil3d, mstress, rank_sort
and the float variants dotproduct_f, relu_f, conv3_f, stencil3d_f), beyond the shape loops of
test_simt_kernels.py / test_float_kernels.py that check them against their catalog references: the
host side done as Vortex's host programs do it (the dot product's final sum), the float variants on
the wide RTL shapes the float loop leaves out, that the kernels really diverge per lane with plain C,
that they use only Vortex's API, and the references against scalar loops."""

import re

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.drivers.divergence import find_divergence
from simtlab.kernels.catalog import (DOT_CHUNK, EXAMPLES, FLOAT_EXAMPLES, MASK32, Buf,
                                     conv3_f_reference, conv3_reference, dropout_hash,
                                     dropout_reference, fma_f32,
                                     stencil3d_f_reference, stencil3d_reference)

SEED = 20261204
INT_KERNELS = ("dotproduct", "dropout", "relu", "conv3", "stencil3d", "mstress", "rank_sort")
FLOAT_KERNELS = ("dotproduct_f", "relu_f", "conv3_f", "stencil3d_f")

_DEVICES = {}


def _device(shape, backend):
    key = (shape, backend)
    if key not in _DEVICES:
        warps, threads = shape
        _DEVICES[key] = Device(SimtConfig(name=f"{warps}x{threads}", warps=warps, threads=threads),
                               backend=backend)
    return _DEVICES[key]


def _example(name):
    return EXAMPLES.get(name) or FLOAT_EXAMPLES[name]


def _run(device, example, case):
    """Run ``case``; returns {buffer name: downloaded array} for every input buffer."""
    device.free_all()
    buffers = {name: device.upload(array) for name, array in case.inputs.items()}
    args = [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]
    device.run(example.source, *args, max_cycles=case.max_cycles)
    out = {name: device.download(buf).view(case.inputs[name].dtype).reshape(case.inputs[name].shape)
           for name, buf in buffers.items()}
    device.free_all()
    return out


# -- the host side, as Vortex's host programs do it ----------------------------------------------

@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (8, 8)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_dotproduct_host_sum(shape, backend):
    """The host adds the per-block partials; int32 wraps, so the total is a . b mod 2^32 exactly."""
    seed = SEED + shape[0] * 100 + shape[1]
    example = EXAMPLES["dotproduct"]
    case = example.make_case(np.random.default_rng(seed), 777)
    partial = _run(_device(shape, backend), example, case)["partial"]
    assert len(partial) == -(-777 // DOT_CHUNK)
    a, b = case.inputs["a"].astype(np.int64), case.inputs["b"].astype(np.int64)
    want = int((a * b).sum()) & MASK32
    assert int(partial.astype(np.int64).sum()) & MASK32 == want, f"seed={seed}"


@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (8, 8)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_dotproduct_f_host_sum(shape, backend):
    """The float partials, added on the host in float64, give a . b within 1e-6 of sum |a_i b_i|
    (each float32 partial is an fma chain of 4 and a 16-way tree: well inside that bound)."""
    seed = SEED + shape[0] * 100 + shape[1]
    example = FLOAT_EXAMPLES["dotproduct_f"]
    case = example.make_case(np.random.default_rng(seed), 1000)
    partial = _run(_device(shape, backend), example, case)["partial"]
    a, b = case.inputs["a"].astype(np.float64), case.inputs["b"].astype(np.float64)
    total = partial.astype(np.float64).sum()
    assert abs(total - a @ b) <= 1e-6 * np.abs(a * b).sum(), f"seed={seed}: {total} vs {a @ b}"


# -- float variants on the wide RTL shapes (test_float_kernels.py runs the RTL at 1x1 and 4x4) ---

@pytest.mark.parametrize("backend", ["emu", "rtl"])
@pytest.mark.parametrize("shape", [(8, 8), (4, 16)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", FLOAT_KERNELS)
def test_float_variant_on_wide_shapes(name, shape, backend):
    example = FLOAT_EXAMPLES[name]
    seed = SEED + sum(map(ord, name))
    case = example.make_case(np.random.default_rng(seed), example.default_size)
    got = _run(_device(shape, backend), example, case)
    for buf, want in case.expected.items():
        gb, wb = got[buf].view(np.uint32).reshape(-1), want.view(np.uint32).reshape(-1)
        bad = np.flatnonzero(gb != wb)
        assert not bad.size, (f"{name} {shape} {backend} seed={seed}: {buf!r} differs at {bad.size} "
                              f"elements, first {bad[0]}: got {gb[bad[0]]:#x}, want {wb[bad[0]]:#x}")


# -- plain C, Vortex's API, real divergence ----------------------------------------------------------

@pytest.mark.parametrize("name", INT_KERNELS + FLOAT_KERNELS)
def test_kernel_uses_only_vortex_api(name):
    text = _example(name).source.read_text()
    includes = {line.split()[1] for line in text.splitlines() if line.startswith("#include")}
    allowed = {"<stdint.h>", "<vx_intrinsics.h>", "<vx_spawn.h>"}
    assert includes - allowed <= ({'"sl_float.h"'} if name in FLOAT_KERNELS else set()), includes
    assert "csr_read(VX_CSR_MSCRATCH)" in text and "kernel_arg_t" in text
    # per-lane branches are plain C: no split/join/pred and none of simtlab's divergence helpers
    assert not re.search(r"\b(vx_split|vx_join|vx_pred|SL_IF|SL_WHILE|sl_select)\b", text)


@pytest.mark.parametrize("name", ["dotproduct", "dropout", "conv3", "stencil3d", "mstress",
                                  "rank_sort", "dotproduct_f", "conv3_f", "stencil3d_f"])
def test_kernel_diverges(name):
    """Lanes of a warp take different sides of the kernel's branches (so the shape loops test
    per-lane control flow). relu and relu_f compile to branch-free code and are not listed."""
    example = _example(name)
    case = example.make_case(np.random.default_rng(SEED), example.sizes[-1])
    args = [case.inputs[a.name] if isinstance(a, Buf) else a for a in case.args]
    branches = find_divergence(SimtConfig(warps=4, threads=4), example.source, *args)
    assert any(b.where.startswith("kernel_body") for b in branches), [str(b) for b in branches]


# -- the references against scalar loops ---------------------------------------------------------

def test_dropout_reference():
    rng = np.random.default_rng(SEED)
    seed, threshold, scale = 0x1234_5678, 0x6000, -3
    src = rng.integers(-1000, 1000, 4000).astype(np.int32)
    dst, mask = dropout_reference(src, seed, threshold, scale)

    def mix(x):
        x ^= x >> 16
        x = x * 0x85EBCA6B & MASK32
        x ^= x >> 13
        x = x * 0xC2B2AE35 & MASK32
        return x ^ x >> 16
    for i in range(0, 4000, 37):
        h = mix((i * 0x9E3779B9 + seed) & MASK32)
        assert dropout_hash([i], seed)[0] == h
        keep = (h & 0xFFFF) >= threshold
        assert (mask[i], dst[i]) == ((1, src[i] * scale) if keep else (0, 0))
    assert abs(mask.mean() - (1 - threshold / 65536)) < 0.03        # the hash is well spread


def test_conv3_references():
    rng = np.random.default_rng(SEED)
    h, w = 4, 6
    image = rng.integers(-(1 << 31), 1 << 31, (h, w), dtype=np.int64)
    weights = rng.integers(-100, 100, (3, 3))
    fimage = rng.standard_normal((h, w)).astype(np.float32)
    fweights = rng.standard_normal((3, 3)).astype(np.float32)
    got, fgot = conv3_reference(image.astype(np.int32), weights), conv3_f_reference(fimage, fweights)
    for y in range(h):
        for x in range(w):
            acc, facc = 0, np.float32(0)
            for ky in range(3):
                for kx in range(3):
                    yy, xx = y + ky - 1, x + kx - 1
                    if 0 <= yy < h and 0 <= xx < w:
                        acc += int(weights[ky, kx]) * int(image[yy, xx])
                        facc = fma_f32(fweights[ky, kx], fimage[yy, xx], facc)
            acc &= MASK32
            assert int(got[y, x]) & MASK32 == acc
            assert fgot[y, x].view(np.uint32) == np.float32(facc).view(np.uint32)


def test_stencil3d_references():
    rng = np.random.default_rng(SEED)
    nz, ny, nx = 3, 4, 5
    grid = rng.integers(-(1 << 31), 1 << 31, (nz, ny, nx), dtype=np.int64)
    fgrid = rng.standard_normal((nz, ny, nx)).astype(np.float32)
    got, fgot = stencil3d_reference(grid.astype(np.int32)), stencil3d_f_reference(fgrid)
    seventh = np.float32(1) / np.float32(7)
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                pts = [(z, y, max(x - 1, 0)), (z, y, min(x + 1, nx - 1)), (z, max(y - 1, 0), x),
                       (z, min(y + 1, ny - 1), x), (max(z - 1, 0), y, x), (min(z + 1, nz - 1), y, x)]
                want = (6 * int(grid[z, y, x]) - sum(int(grid[p]) for p in pts)) & MASK32
                assert int(got[z, y, x]) & MASK32 == want
                s = fgrid[z, y, x]
                for p in pts:
                    s = np.float32(s + fgrid[p])
                assert fgot[z, y, x].view(np.uint32) == np.float32(s * seventh).view(np.uint32)


def test_mstress_case_is_a_real_stress():
    """The walks are long enough and scattered: every lane's stores land in a permutation of dst,
    and hop counts differ between neighbouring lanes."""
    case = EXAMPLES["mstress"].make_case(np.random.default_rng(SEED), 300)
    start, perm = case.inputs["start"], case.inputs["perm"]
    assert sorted(perm.tolist()) == list(range(300))
    hops = 1 + (start & 15)
    assert len(set(hops[:16].tolist())) > 4 and hops.mean() > 6
