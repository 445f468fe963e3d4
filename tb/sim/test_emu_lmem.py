"""The golden model's local memory (sim/emu_memory.py): per core, apart from the host's view of
memory, zeroed when made and by clear(), exact window bounds."""

import pytest

from simtlab.config import SimtConfig
from simtlab.sim.emu_memory import DeviceMemory
from simtlab.sim.emu_state import Fault
from simtlab.spec.memory import MemoryMap
from simtlab.spec.status import FaultCause

BASE = MemoryMap.LMEM_BASE


@pytest.mark.parametrize("log_size", [10, 14, 16])
def test_local_memory_is_per_core_and_hidden_from_the_host(log_size):
    config = SimtConfig(lmem_log_size=log_size)
    memory = DeviceMemory(config.regions)
    memory.write(BASE, b"\xAA" * 8)                       # the host's bytes behind the window
    assert memory.load(BASE, 4) == 0                      # the core does not see them
    memory.store(BASE + 4, 4, 0x1234_5678)
    memory.store(BASE + 9, 1, 0x9A)
    assert memory.load(BASE + 4, 4) == 0x1234_5678 and memory.load(BASE + 8, 4) == 0x9A00
    assert memory.read(BASE, 12) == b"\xAA" * 8 + bytes(4)  # nor the host the core's
    end = BASE + config.lmem_size
    memory.store(end - 4, 4, 7)
    assert memory.local[0][-4:] == bytes([7, 0, 0, 0])
    if end < 2**32:                                       # 64 KiB ends at the top of memory
        with pytest.raises(Fault) as fault:
            memory.store(end, 4, 1)
        assert fault.value.cause == FaultCause.STORE_ACCESS and fault.value.addr == end

    memory.local.append(bytearray(config.lmem_size))      # a second core
    memory.core = 1
    assert memory.load(BASE + 4, 4) == 0
    memory.store(BASE + 4, 4, 5)
    memory.core = 0
    assert memory.load(BASE + 4, 4) == 0x1234_5678
    memory.clear()
    assert memory.load(BASE + 4, 4) == 0 and not any(memory.local[1])
