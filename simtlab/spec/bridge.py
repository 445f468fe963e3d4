"""The FPGA host bridge's byte protocol (docs/fpga.md, "Host bridge"): one table that the bridge's
RTL (rtl/fpga/uart_bridge.py) and the host driver (drivers/fpga.py) both read.

The host sends a command byte and its arguments; the device answers with the command's reply
bytes and then one status byte (:attr:`Reply.OK`, or :attr:`Reply.MEM_ERROR` when a memory access
of the command answered ``err``). An unknown command byte is answered with :attr:`Reply.UNKNOWN`
alone. Every multi-byte field is little-endian.
"""

import enum
from dataclasses import dataclass

__all__ = [
    "Command",
    "Reply",
    "CommandSpec",
    "COMMANDS",
    "MAX_WORDS",
    "STATUS_BYTES",
    "COUNTER_BYTES",
]

#: Words one READ or WRITE moves at most (a 16-bit count).
MAX_WORDS = 0xFFFF

#: STATUS reply: state (launched << 7 | RunStatus), code (4), fault cause (1), fault pc (4),
#: fault address (4).
STATUS_BYTES = 14
#: COUNTERS reply: cycles, instret, thread_instrs, 8 bytes each.
COUNTER_BYTES = 24


class Command(enum.IntEnum):
    """Command bytes."""
    WRITE = 0x01        #: addr (4), count (2), count words: write device memory
    READ = 0x02         #: addr (4), count (2): reply count words of device memory
    DCR = 0x03          #: addr (2), value (4): a DCR write
    RESET = 0x04        #: hold the SoC in reset for two cycles (clears its DCRs, the end event, the console)
    START = 0x05        #: the start pulse: run from STARTUP_ADDR0
    STATUS = 0x06       #: reply STATUS_BYTES
    COUNTERS = 0x07     #: reply COUNTER_BYTES
    TOHOST = 0x08       #: on (1), addr (4): the tohost watch
    CONSOLE = 0x09      #: reply has (1), byte (1): one console byte, if any (has 0: none)


class Reply(enum.IntEnum):
    """The status byte ending every reply."""
    OK = 0x00
    MEM_ERROR = 0x01
    UNKNOWN = 0xFF


@dataclass(frozen=True)
class CommandSpec:
    """The argument bytes a command takes and the reply bytes before its status byte (READ's and
    WRITE's data words come on top: 4 bytes per word)."""
    args: int
    reply: int


COMMANDS = {
    Command.WRITE: CommandSpec(6, 0),
    Command.READ: CommandSpec(6, 0),
    Command.DCR: CommandSpec(6, 0),
    Command.RESET: CommandSpec(0, 0),
    Command.START: CommandSpec(0, 0),
    Command.STATUS: CommandSpec(0, STATUS_BYTES),
    Command.COUNTERS: CommandSpec(0, COUNTER_BYTES),
    Command.TOHOST: CommandSpec(5, 0),
    Command.CONSOLE: CommandSpec(0, 2),
}
