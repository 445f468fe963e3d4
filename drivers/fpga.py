"""The FPGA backend (``Device(config, backend="fpga", port=...)``): the host side of the board's UART
bridge (docs/fpga.md, "Host bridge"; the protocol is :mod:`simtlab.spec.bridge`).

:class:`BridgeClient` speaks the protocol over any object with pyserial's ``write(bytes)`` and
``read(n)`` (a ``serial.Serial`` for a board; the simulated bridge in tb/rtl/fpga); :class:`FpgaBackend`
implements the backend protocol (:class:`simtlab.sim.backend.Backend`) on it.
"""

import struct
import time

import numpy as np

from ..errors import SimtlabError, ToolError
from ..sim.backend import check_bool, check_bytes, check_dcr, check_int, check_tile_offset
from ..sim.result import RunResult, trace_dtype
from ..spec.bridge import COMMANDS, COUNTER_BYTES, MAX_WORDS, STATUS_BYTES, Command, Reply
from ..spec.memory import RegionKind
from ..spec.status import RunStatus

__all__ = [
    "BridgeError",
    "BridgeClient",
    "FpgaBackend",
    "DEFAULT_BAUD",
]

#: The bridge's UART rate in the board build (8N1).
DEFAULT_BAUD = 115200

#: Words per READ/WRITE command the client sends (a short command keeps a lost byte's damage small).
_CHUNK_WORDS = 256


class BridgeError(SimtlabError):
    """The bridge answered an error, answered too little (timeout) or is not there."""


class BridgeClient:
    """The bridge protocol over ``link`` (``write(bytes)``, ``read(n)`` returning at most ``n``
    bytes, fewer on a timeout)."""

    def __init__(self, link):
        for method in ("write", "read"):
            if not callable(getattr(link, method, None)):
                raise TypeError(f"the bridge link needs a {method}() method (a serial port), not {link!r}")
        self.link = link

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.link.read(n - len(data))
            if not chunk:
                raise BridgeError(f"the FPGA bridge answered {len(data)} of {n} bytes (timeout: "
                                  f"is the bitstream loaded and the port right?)")
            data += chunk
        return data

    def command(self, cmd, args=b"", data=b"", reply=None):
        """Send ``cmd`` with its argument bytes (and WRITE's data); return the reply's bytes before
        the status byte (``reply`` of them; default: the command's :data:`COMMANDS` entry).
        BridgeError on an error status."""
        spec = COMMANDS[cmd]
        if len(args) != spec.args:
            raise ValueError(f"{cmd.name} takes {spec.args} argument bytes, not {len(args)}")
        self.link.write(bytes([cmd]) + bytes(args) + bytes(data))
        size = spec.reply if reply is None else reply
        answer = self._read(size + 1)
        if answer[-1] != Reply.OK:
            what = {Reply.MEM_ERROR: "a memory access answered err",
                    Reply.UNKNOWN: "unknown command"}.get(answer[-1], f"status byte {answer[-1]:#04x}")
            raise BridgeError(f"FPGA bridge: {cmd.name}: {what}")
        return answer[:-1]

    def write_words(self, addr, data):
        for start in range(0, len(data), 4 * _CHUNK_WORDS):
            chunk = data[start:start + 4 * _CHUNK_WORDS]
            self.command(Command.WRITE, struct.pack("<IH", addr + start, len(chunk) // 4), chunk)

    def read_words(self, addr, count):
        out = bytearray()
        for start in range(0, count, _CHUNK_WORDS):
            n = min(_CHUNK_WORDS, count - start)
            out += self.command(Command.READ, struct.pack("<IH", addr + 4 * start, n), reply=4 * n)
        return bytes(out)

    def status(self):
        """``(launched, status, code, fault_cause, fault_pc, fault_addr)``."""
        state, code, cause, pc, addr = struct.unpack("<BIBII", self.command(Command.STATUS))
        return bool(state >> 7), state & 0x7F, code, cause, pc, addr

    def counters(self):
        """``(cycles, instret, thread_instrs)`` of the current or last run."""
        return struct.unpack("<QQQ", self.command(Command.COUNTERS))

    def console_byte(self):
        """One console byte, or None."""
        has, byte = self.command(Command.CONSOLE)
        return byte if has & 1 else None


assert STATUS_BYTES == struct.calcsize("<BIBII") and COUNTER_BYTES == struct.calcsize("<QQQ")
assert MAX_WORDS >= _CHUNK_WORDS


class FpgaBackend:
    """The backend protocol on a board running the FPGA build of ``config`` (docs/fpga.md).

    Parameters
    ----------
    config : SimtConfig
        The configuration the bitstream was built for.
    port : str | serial-like
        A serial port name (opened with pyserial, the ``fpga`` extra) or an open link object.
    baud : int
        Of a port opened here.
    window_bytes : int
        The build's on-chip memory windows (``simtlab fpga build --window``).
    poll_seconds : float
        Pause between status polls while a kernel runs.

    Differences from the simulators: memory is the on-chip windows only (ValueError elsewhere);
    ``run``'s budget is checked when polling, so a watchdog stop comes a little after the budget
    and the device keeps running until the next ``start``; an ending store ends the run when the
    memory accepts it (a few cycles before its instruction retires); no retire trace, no warp dump
    (``warps()`` is empty), no stall counters.
    """

    has_tile = False

    def __init__(self, config, port, *, baud=DEFAULT_BAUD, window_bytes=16384, poll_seconds=0.001):
        from ..rtl.fpga.onchip_ram import memory_windows  # pure Python: names and bases
        if config.tile is not None:
            raise ValueError("the FPGA build has no tile bridge: use a configuration without a tile")
        self.config = config
        if isinstance(port, str):
            try:
                import serial
            except ImportError:
                raise ToolError("backend='fpga' with a port name needs pyserial: "
                                "pip install 'simtlab[fpga]'") from None
            link = serial.Serial(port, baudrate=baud, timeout=2.0)
        else:
            link = port
        self._link = link
        self._bridge = BridgeClient(link)
        self._windows = [(name, base, base + window_bytes) for name, base in memory_windows(window_bytes)]
        self._poll = poll_seconds
        self._dcrs = {}
        self._tohost = None
        self._console = bytearray()
        self._started = False
        self._budget = 0
        self._result = None

    # -- memory ------------------------------------------------------------------------------
    def _check_range(self, addr, size):
        if size == 0:
            return
        region = self.config.region_of(addr, size)
        if region is None or region.kind != RegionKind.RAM:
            raise ValueError(f"address range [{addr:#x}, {addr + size:#x}) is not in ram")
        if not any(lo <= addr and addr + size <= hi for _, lo, hi in self._windows):
            where = ", ".join(f"{name} [{lo:#x}, {hi:#x})" for name, lo, hi in self._windows)
            raise ValueError(f"address range [{addr:#x}, {addr + size:#x}) is outside the FPGA "
                             f"build's on-chip memory: {where}")

    def write_mem(self, addr, data):
        addr = check_int("addr", addr, 0, 2**32 - 1)
        data = check_bytes(data)
        self._check_range(addr, len(data))
        if not data:
            return
        lo, hi = addr & ~3, (addr + len(data) + 3) & ~3
        if (lo, hi) != (addr, addr + len(data)):     # partial words: merge with what is there
            buf = bytearray(self._bridge.read_words(lo, (hi - lo) // 4))
            buf[addr - lo:addr - lo + len(data)] = data
            data = bytes(buf)
        self._bridge.write_words(lo, data)

    def read_mem(self, addr, size):
        addr = check_int("addr", addr, 0, 2**32 - 1)
        size = check_int("size", size, 0, 2**32)
        self._check_range(addr, size)
        if size == 0:
            return b""
        lo, hi = addr & ~3, (addr + size + 3) & ~3
        return self._bridge.read_words(lo, (hi - lo) // 4)[addr - lo:addr - lo + size]

    # -- launch --------------------------------------------------------------------------------
    def dcr_write(self, addr, value):
        addr, value = check_dcr(addr, value)
        self._dcrs[addr] = value

    def set_tohost(self, addr):
        self._tohost = None if addr is None else check_int("tohost address", addr, 0, 2**32 - 1)

    def start(self):
        self._console += self.console()        # the reset clears the device's console FIFO
        self._bridge.command(Command.RESET)
        for addr, value in self._dcrs.items():
            self._bridge.command(Command.DCR, struct.pack("<HI", addr, value))
        on, where = (0, 0) if self._tohost is None else (1, self._tohost)
        self._bridge.command(Command.TOHOST, struct.pack("<BI", on, where))
        self._bridge.command(Command.START)
        self._started, self._budget, self._result = True, 0, None

    def run(self, max_cycles):
        if not self._started:
            raise RuntimeError("run before start")
        max_cycles = check_int("max_cycles", max_cycles, 0, 2**63)
        if self._result is not None:
            return self._result
        self._budget += max_cycles
        while True:
            _, status, code, cause, pc, addr = self._bridge.status()
            cycles, instret, thread_instrs = self._bridge.counters()
            if status != RunStatus.RUNNING:
                self._result = RunResult(status=status, cycles=cycles, instret=instret, code=code,
                                         fault_cause=cause, fault_pc=pc, fault_addr=addr,
                                         thread_instrs=thread_instrs)
                return self._result
            if cycles >= self._budget:
                return RunResult(status=RunStatus.WATCHDOG, cycles=cycles, instret=instret,
                                 thread_instrs=thread_instrs)
            if self._poll:
                time.sleep(self._poll)

    def warps(self):
        return []

    def console(self):
        while (byte := self._bridge.console_byte()) is not None:
            self._console.append(byte)
        out, self._console = bytes(self._console), bytearray()
        return out

    def enable_trace(self, on):
        if check_bool("on", on):
            raise SimtlabError("the FPGA backend has no retire trace: use backend='rtl'")

    def trace(self):
        return np.zeros(0, dtype=trace_dtype(self.config.threads))

    # -- no tile -------------------------------------------------------------------------------
    def tile_write(self, offset, value):
        check_tile_offset(self.config, offset)

    def tile_read(self, offset):
        check_tile_offset(self.config, offset)

    def tile_wait(self, max_cycles):
        check_tile_offset(self.config, 0)

    def tile_fault(self):
        check_tile_offset(self.config, 0)

    def close(self):
        close = getattr(self._link, "close", None)
        if close is not None:
            close()
            self._link = None
