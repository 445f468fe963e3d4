"""The FPU's shared names: operations, rounding modes, exception flags and latency classes (RISC-V
numbering). Pure Python: the decode table, the RTL FPU, the emulator and the docs read them."""

import enum

__all__ = [
    "FpuOp",
    "RoundingMode",
    "Flags",
    "Latency",
    "LATENCY",
    "CANONICAL_NAN",
]


class FpuOp(enum.IntEnum):
    """One RV32F operation. ``a``/``b``/``c`` are rs1/rs2/rs3 (``a`` is the integer rs1 of
    ``CVT_S_W``/``CVT_S_WU``/``MV_W_X``)."""
    ADD = 0         #: a + b
    SUB = 1         #: a - b
    MUL = 2         #: a * b
    MADD = 3        #: a * b + c, one rounding
    MSUB = 4        #: a * b - c
    NMSUB = 5       #: -(a * b) + c
    NMADD = 6       #: -(a * b) - c
    DIV = 7         #: a / b
    SQRT = 8        #: sqrt(a)
    SGNJ = 9        #: |a| with b's sign
    SGNJN = 10      #: |a| with b's sign inverted
    SGNJX = 11      #: a with its sign xor b's
    MIN = 12        #: IEEE 754-2019 minimumNumber, -0 < +0
    MAX = 13        #: maximumNumber
    EQ = 14         #: quiet compare, integer 0/1
    LT = 15         #: signaling compare
    LE = 16         #: signaling compare
    CLASS = 17      #: 10-bit class mask
    CVT_W_S = 18    #: float -> int32, saturating
    CVT_WU_S = 19   #: float -> uint32, saturating
    CVT_S_W = 20    #: int32 -> float
    CVT_S_WU = 21   #: uint32 -> float
    MV_X_W = 22     #: bits of a float register to an integer register
    MV_W_X = 23     #: bits of an integer register to a float register


class RoundingMode(enum.IntEnum):
    """The ``rm`` field / ``frm`` CSR. 5 and 6 are reserved (illegal); 7 selects ``frm``."""
    RNE = 0     #: to nearest, ties to even
    RTZ = 1     #: towards zero
    RDN = 2     #: down (towards -inf)
    RUP = 3     #: up (towards +inf)
    RMM = 4     #: to nearest, ties away from zero
    DYN = 7     #: use the frm CSR


class Flags(enum.IntFlag):
    """fflags bits, accrued per warp."""
    NX = 1      #: inexact
    UF = 2      #: underflow (tiny after rounding, and inexact)
    OF = 4      #: overflow
    DZ = 8      #: divide by zero
    NV = 16     #: invalid operation


class Latency(enum.Enum):
    """When an operation's result exists, counted in the core's pipeline (docs/fpu.md)."""
    PIPELINED = "pipelined"     #: two stages, X and M; one result per cycle per lane
    ITERATIVE = "iterative"     #: holds X until done (start/busy/done/ack like the integer divider)


_ITERATIVE = {FpuOp.DIV, FpuOp.SQRT}

#: The latency class of every operation: the core's hazard logic and the docs read this table.
#: Compares, moves and conversions are two-stage like the arithmetic (rather than finishing in X)
#: so that every FPU block runs from registers written only by FP instructions: Verilator then
#: evaluates none of it while integer code runs (docs/fpu.md, "Simulation cost").
LATENCY = {op: Latency.ITERATIVE if op in _ITERATIVE else Latency.PIPELINED for op in FpuOp}


#: The NaN every arithmetic operation returns (RISC-V: positive, quiet, zero payload).
CANONICAL_NAN = 0x7FC0_0000
