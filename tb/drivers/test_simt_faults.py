"""SIMT misuse on both backends: each ends in a clear KernelFault or a watchdog dump, never a hang."""

import pytest

from simtlab import Device, KernelFault, WatchdogTimeout
from simtlab.config import SimtConfig
from simtlab.spec.status import FaultCause

CONFIG = SimtConfig(name="2x4", warps=2, threads=4)


@pytest.fixture(scope="module", params=("rtl", "emu"))
def device(request):
    with Device(CONFIG, backend=request.param) as dev:
        yield dev


def kernel(tmp_path, name, body):
    path = tmp_path / f"{name}.c"
    path.write_text("#include <stdint.h>\n#include \"simtlab.h\"\n#include <vx_intrinsics.h>\n" + body)
    return path


@pytest.mark.parametrize("name,body,cause,addr", [
    ("join_without_split", "int main(void) { vx_join(5); return 0; }",
     FaultCause.JOIN_WITHOUT_SPLIT, 5),
    ("barrier_too_many_warps", "int main(void) { vx_barrier(0, 3); return 0; }",
     FaultCause.BARRIER_RANGE, 0),
    ("barrier_bad_id", "int main(void) { vx_barrier(7, 2); return 0; }",
     FaultCause.BARRIER_RANGE, 7),
    ("wspawn_too_many", "static void f(void) {} int main(void) { vx_wspawn(3, f); return 0; }",
     FaultCause.WSPAWN_RANGE, 3),
])
def test_simt_fault(device, tmp_path, name, body, cause, addr):
    with pytest.raises(KernelFault) as info:
        device.run(kernel(tmp_path, name, body), max_cycles=200_000)
    assert (info.value.cause, info.value.addr) == (cause, addr)
    assert 0x8000_0000 <= info.value.pc < 0x9000_0000


def test_ipdom_overflow(device, tmp_path):
    # Misuse: divergent splits that never join, with tmc re-enabling every lane in between, fill
    # the 6-entry stack (each divergent split pushes two entries); the fourth overflows.
    # (The mask constant is loaded inside the asm: registers are per lane, and a constant the
    # compiler loaded while fewer lanes were active is missing from the others.)
    body = """
    #define ALL_LANES() __asm__ volatile ("li t0, 15\\n .insn r 0x0b, 0, 0, x0, t0, x0" ::: "t0")
    #define SPLIT_ODD() __asm__ volatile ("csrr t1, 0xCC0\\n andi t1, t1, 1\\n" \\
                                          ".insn r 0x0b, 2, 0, t2, t1, x0" ::: "t1", "t2")
    int main(void) {
        ALL_LANES();
        SPLIT_ODD(); ALL_LANES();
        SPLIT_ODD(); ALL_LANES();
        SPLIT_ODD(); ALL_LANES();
        SPLIT_ODD(); ALL_LANES();
        return 0;
    }"""
    with pytest.raises(KernelFault) as info:
        device.run(kernel(tmp_path, "overflow", body), max_cycles=200_000)
    assert info.value.cause == FaultCause.IPDOM_OVERFLOW
    assert info.value.addr == CONFIG.ipdom_depth


def test_barrier_deadlock_dumps_every_warp(device, tmp_path):
    # Warp 0 waits at barrier 1 for two warps; warp 1 never comes.
    body = "int main(void) { vx_barrier(1, 2); return 0; }"
    with pytest.raises(WatchdogTimeout, match=r"warp 0: pc=0x8[0-9a-f]+ tmask=0x1 active, "
                                              r"waiting at barrier 1") as info:
        device.run(kernel(tmp_path, "deadlock", body), max_cycles=20_000)
    dumps = info.value.result.warps
    assert len(dumps) == CONFIG.warps
    assert dumps[0].barrier == 1 and dumps[1].active is False
