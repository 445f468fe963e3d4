# amaranth: UnusedElaboratable=no
"""LocalMem on Amaranth's simulator against sim/lmem_ref.py and a flat word memory: random warp
access streams (fixed seeds) with broadcasts and bank conflicts; the lanes of every round, the
loaded words and the number of rounds (bank-conflict cycles) are exact."""

import random

import pytest
from amaranth.sim import Simulator

from simtlab.config import SimtConfig
from simtlab.rtl.core.local_mem import LocalMem
from simtlab.sim.lmem_ref import lmem_bank, lmem_rounds
from simtlab.spec.memory import MemoryMap

BASE = MemoryMap.LMEM_BASE


def random_access(rand, config, words):
    """One warp access: active lanes -> (address, store word, byte enables); write or not."""
    T = config.threads
    lanes = [lane for lane in range(T) if rand.random() < 0.8] or [0]
    pool = rand.sample(words, k=min(len(words), rand.choice([1, 2, T, 2 * T])))
    access = {}
    for lane in lanes:
        word = rand.choice(pool)
        be = rand.choice([0b1111, 0b0001 << rand.randrange(4), 0b0011 << 2 * rand.randrange(2)])
        access[lane] = (BASE + 4 * word, rand.getrandbits(32), be)
    return access, rand.random() < 0.4


def simulate(config, seed, accesses=120):
    rand = random.Random(seed)
    words = rand.sample(range(config.lmem_size // 4), 6 * config.threads)
    stream = [random_access(rand, config, words) for _ in range(accesses)]
    dut = LocalMem(config)
    memory = {}                   # word index -> value (untouched words read 0)
    log = {"rounds": 0, "conflicts": 0}

    async def bench(ctx):
        T = config.threads
        for number, (access, write) in enumerate(stream):
            where = f"seed {seed}, access {number} ({'store' if write else 'load'} {access})"
            expected = lmem_rounds(config, {lane: a for lane, (a, _, _) in access.items()}, write)
            log["rounds"] += len(expected)
            log["conflicts"] += len(expected) - 1
            pending = set(access)
            for served_expected in expected:
                ctx.set(dut.valid, 1)
                ctx.set(dut.write, write)
                ctx.set(dut.pending, sum(1 << lane for lane in pending))
                for lane in range(T):
                    addr, value, be = access.get(lane, (BASE, 0, 0))
                    ctx.set(dut.addr[lane], addr)
                    ctx.set(dut.wdata[lane], value)
                    ctx.set(dut.wbe[lane], be)
                served = ctx.get(dut.lanes)
                assert served == sum(1 << lane for lane in served_expected), where
                await ctx.tick()
                ctx.set(dut.valid, 0)
                if write:           # lanes in lane order: the highest lane wins a shared byte
                    for lane in sorted(served_expected):
                        addr, value, be = access[lane]
                        word = (addr - BASE) >> 2
                        old = memory.get(word, 0)
                        for byte in range(4):
                            if be >> byte & 1:
                                mask = 0xFF << 8 * byte
                                old = (old & ~mask) | (value & mask)
                        memory[word] = old
                else:
                    for lane in served_expected:
                        word = (access[lane][0] - BASE) >> 2
                        assert ctx.get(dut.rdata[lane]) == memory.get(word, 0), f"{where}, lane {lane}"
                pending -= served_expected
            assert not pending, where

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return log


@pytest.mark.parametrize("config, seed", [
    (SimtConfig(threads=4, lmem_log_size=10), 1),
    (SimtConfig(threads=8, lmem_log_size=10, lmem_banks=4), 2),
    (SimtConfig(threads=16, lmem_log_size=12), 3),
    (SimtConfig(threads=4, lmem_log_size=10, lmem_banks=1), 4),
])
def test_random_streams_match_model(config, seed):
    log = simulate(config, seed)
    assert log["conflicts"] > 0 and log["rounds"] > log["conflicts"], f"seed {seed}: {log}"


def test_model_counts_designed_patterns():
    config = SimtConfig(threads=16)              # 16 banks
    banks = config.derive().lmem_banks
    stride = {lane: BASE + 4 * banks * lane for lane in range(16)}     # every lane in bank 0
    assert len(lmem_rounds(config, stride)) == 16
    assert all(lmem_bank(config, a) == 0 for a in stride.values())
    unit = {lane: BASE + 4 * lane for lane in range(16)}                # one lane per bank
    assert len(lmem_rounds(config, unit)) == 1
    same = {lane: BASE + 8 for lane in range(16)}                       # broadcast
    assert lmem_rounds(config, same) == [set(range(16))]
    assert lmem_rounds(config, same, write=True) == [{lane} for lane in range(16)]
    assert len(lmem_rounds(config, unit, write=True)) == 1
    pairs = {lane: BASE + 4 * banks * (lane % 2) for lane in range(16)}  # two words in bank 0
    assert lmem_rounds(config, pairs) == [set(range(0, 16, 2)), set(range(1, 16, 2))]


def test_bad_config():
    with pytest.raises(TypeError, match="LocalMem config"):
        LocalMem("4x4")
    with pytest.raises(ValueError, match="lmem_banks"):
        SimtConfig(lmem_banks=6)
