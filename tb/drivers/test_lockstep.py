"""Lock-step: the RTL's retired instructions equal the golden model's, record for record."""

from pathlib import Path

import numpy as np
import pytest

from simtlab.config import SimtConfig
from simtlab.drivers.lockstep import mask_timing_reads, run_lockstep
from simtlab.kernels.catalog import EXAMPLES, FLOAT_EXAMPLES, Buf
from simtlab.sim.lockstep import make_trace

ROOT = Path(__file__).resolve().parents[2]
ISA_TESTS = sorted((ROOT / "kernels" / "isa").glob("*.S"))


@pytest.mark.parametrize("test", ISA_TESTS, ids=[p.stem for p in ISA_TESTS])
def test_isa_lockstep(test):
    report = run_lockstep(SimtConfig(), test)
    assert report.ok, report.summary()
    assert report.records > 10


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n != "spin"])
def test_kernel_lockstep(name):
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(7), min(example.default_size, 40))

    def setup(device):
        buffers = {k: device.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]

    report = run_lockstep(SimtConfig(mem_latency=3), example.source, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 50


def test_cycle_counter_reads_are_masked():
    csrr_mcycle = (0xB00 << 20) | (2 << 12) | (10 << 7) | 0x73
    trace = make_trace([(0x8000_0000, csrr_mcycle, 10, 1234), (0x8000_0004, 0x13, 0, 0)])
    masked = mask_timing_reads(trace)
    assert masked["data"][0] == 0 and trace["data"][0] == 1234


@pytest.mark.parametrize("shape", [(4, 4), (2, 8)], ids=["4x4", "2x8"])
@pytest.mark.parametrize("name", ["vortex_vecadd", "reduce_tree", "bitonic_sort", "divergence",
                                  "diverge", "matmul_tiled", "dotproduct", "dropout", "mstress",
                                  "rank_sort"])
def test_simt_kernel_lockstep_per_warp(name, shape):
    """Every warp's retired instructions, lane by lane, equal the golden model's."""
    example = EXAMPLES[name]
    case = example.make_case(np.random.default_rng(3), example.sizes[-1])

    def setup(device):
        buffers = {k: device.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]

    warps, threads = shape
    report = run_lockstep(SimtConfig(warps=warps, threads=threads), example.source, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 100


@pytest.mark.parametrize("shape", [(1, 1), (4, 4)], ids=["1x1", "4x4"])
@pytest.mark.parametrize("name", list(FLOAT_EXAMPLES))
def test_float_kernel_lockstep(name, shape):
    """The float kernels: every F result and every lane's value equal the golden model's (SoftFloat)."""
    example = FLOAT_EXAMPLES[name]
    case = example.make_case(np.random.default_rng(5), example.sizes[1])

    def setup(device):
        buffers = {k: device.upload(v) for k, v in case.inputs.items()}
        return [buffers[a.name].addr + a.offset if isinstance(a, Buf) else a for a in case.args]

    warps, threads = shape
    report = run_lockstep(SimtConfig(warps=warps, threads=threads), example.source, setup=setup)
    assert report.ok, report.summary()
    assert report.records > 100


FAULTING_KERNEL = r"""
#include <stdint.h>
#include "simtlab.h"

typedef struct { uint32_t n; int32_t *out; } args_t;

static void body(void *p) {
    const args_t *arg = p;
    const uint32_t i = blockIdx.x;
    int32_t sum = 0;
    for (uint32_t k = 0; k < 50 + (i & 7) * 9; k++)
        sum += (int32_t)(k * i);
    if (i == 37)
        sum += *(volatile int32_t *)0x10;       /* unmapped: a load access fault */
    arg->out[i] = sum;
}

int main(void) {
    const args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, body, arg);
}
"""


def test_identical_faults_of_a_multi_warp_kernel_agree(tmp_path):
    """Both models fault at the same instruction; the other warps stop wherever each model had got
    them, which is not a divergence (their streams agree as far as both go)."""
    source = tmp_path / "faulting.c"
    source.write_text(FAULTING_KERNEL)

    def setup(device):
        return [64, device.alloc(4 * 64)]

    report = run_lockstep(SimtConfig(warps=4, threads=4), source, setup=setup)
    assert report.rtl.status_name == report.emu.status_name == "fault"
    assert report.rtl.fault_addr == 0x10
    assert report.ok, report.summary()
