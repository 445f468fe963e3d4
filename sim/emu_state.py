"""The emulator's architectural state and the control-flow signals of its instructions (part of the
golden model, :mod:`simtlab.sim.emulator`).

A lane's registers are one Python list (slots: x0..x31, f0..f31 at :data:`F` + n, the :data:`SINK`
that receives writes to x0, the lane index at :data:`LANE`), so that an instruction's ``execute``
reads and writes plain list items.
"""

from .result import WarpDump

__all__ = ["CoreState", "MASK32", "F", "SINK", "LANE", "PARKED", "NO_PC", "park_key", "key_pc", "Fault", "Stop",
           "Retry", "WarpState", "signed", "sext"]

MASK32 = 0xFFFF_FFFF
#: Keys of the min-PC order (docs/simt.md, "Control flow"): a running lane's key is its PC; a lane
#: *parked* at a SIMT instruction (waiting for the other lanes) has ``PARKED + pc``, and at a ``tmc``
#: ``TMC_PARKED + ~pc`` -- parked lanes sort after every running one, ``tmc`` after every other SIMT
#: instruction and the highest ``tmc`` first.
PARKED = 2 << 32
TMC_PARKED = 3 << 32
#: Above every key: ``WarpState.dmin`` when no lane is deferred, so ``next_pc >= dmin`` is the one
#: test the execution loop needs (it never fires for parked lanes: they rejoin at their SIMT
#: instruction).
NO_PC = 4 << 32


def park_key(pc, is_tmc):
    """The key of a lane parked at the SIMT instruction at ``pc``."""
    return TMC_PARKED + (MASK32 - pc) if is_tmc else PARKED + pc


def key_pc(key):
    """The PC a key stands for."""
    return MASK32 - (key - TMC_PARKED) if key >= TMC_PARKED else key & MASK32

#: Register-list slot of f0: f-register n lives in slot ``F + n``, which is also the ``rd`` its writes
#: are traced with (``32 + n``).
F = 32
#: Register-list slot that receives writes to x0, so that instructions never need an ``rd != 0`` test.
SINK = 64
#: Register-list slot holding the lane index (read by per-lane CSRs and by split/pred).
LANE = 65


def signed(value):
    """Interpret a 32-bit unsigned value as two's complement."""
    return value - 0x1_0000_0000 if value & 0x8000_0000 else value


def sext(value, bits):
    """Sign-extend the low ``bits`` bits of ``value`` (returns a Python int, possibly negative)."""
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


# -- control-flow exceptions of the execution loop ------------------------------------------------------

class Fault(Exception):
    """Raised by an instruction (or a fetch) that faults; the instruction does not retire."""

    def __init__(self, cause, addr):
        super().__init__(cause, addr)
        self.cause = cause
        self.addr = addr


class Stop(Exception):
    """Raised by an instruction that ends the run after it retires (tohost, IO_EXIT)."""

    def __init__(self, status, code=0):
        super().__init__(status, code)
        self.status = status
        self.code = code


class Retry(Exception):
    """Nothing retires, the warp retries later: ``wspawn`` while other warps are active, or a SIMT
    instruction that waits for the warp's deferred lanes (then ``pc`` is where the warp goes on)."""

    def __init__(self, pc=None):
        super().__init__(pc)
        self.pc = pc


class CoreState:
    """What the warps of one core share: the core's number ``index``, its ``warps`` (filled in by the
    emulator, ``warp_count`` of them), its barrier counters (``bar_counts``: id -> warps arrived) and
    ``mscratch``. (Its local memory is ``DeviceMemory.local[index]``.)"""

    def __init__(self, index, warp_count, barriers=1, mscratch=0):
        self.index = index
        self.warp_count = warp_count
        self.warps = []
        self.bar_counts = [0] * barriers
        self.mscratch = mscratch


class WarpState:
    """One warp: PC, thread mask, deferred lanes, IPDOM stack, barrier wait, fcsr and one register list
    per lane.

    A lane's register list has 66 slots: x0..x31, f0..f31 (slots :data:`F` + n), the :data:`SINK` for
    writes to x0 and the lane index (:data:`LANE`). ``xs`` lists the register lists of the lanes in
    ``tmask``, lowest lane first (so ``xs[-1]`` is the last active lane). ``ipdom`` entries are
    ``(mask, pc, is_else)``; ``barrier`` is the id of the barrier the warp waits at, or None; ``fcsr``
    is the warp's ``frm << 5 | fflags``. ``lanes`` (optional) are register lists to keep: a launch
    resets a warp's control state but not its registers (docs/simt.md, "Launch").

    ``deferred`` maps each lane that divergence left behind to its key: its own PC (above ``pc``), or
    :func:`park_key` for a lane parked at a SIMT instruction; ``dmin`` is the lowest key
    (:data:`NO_PC` when there are none) and ``dmask`` their mask. :meth:`regroup` applies the min-PC
    rule of docs/simt.md ("Divergence").
    """

    def __init__(self, wid, threads, pc, tmask=0, lanes=None, core=None):
        self.wid = wid
        self.core = core if core is not None else CoreState(0, 1)
        self.gid = self.core.index * self.core.warp_count + wid   # device-wide warp number
        self.pc = pc
        self.lanes = lanes if lanes is not None else [[0] * LANE + [lane] for lane in range(threads)]
        self.ipdom = []
        self.barrier = None
        self.fcsr = 0
        self.retired = 0            # instructions retired since the launch
        self.lanes_retired = 0      # ... times their active lanes
        self.clear_deferred()
        self.set_tmask(tmask)

    def clear_deferred(self):
        self.deferred = {}
        self.dmask = 0
        self.dmin = NO_PC

    def set_tmask(self, tmask):
        self.tmask = tmask
        lanes = self.lanes
        self.xs = [lanes[lane] for lane in range(len(lanes)) if tmask >> lane & 1]

    def regroup(self, pcs):
        """Min-PC reconvergence: ``pcs`` maps each lane of the thread mask to its key after the
        instruction just executed (its next PC, or ``PARKED + pc``); the deferred lanes join them. The
        lanes with the lowest key become the thread mask, the others are deferred. Returns the
        warp's new PC (``pc`` if no lane is left: the warp retires)."""
        pcs.update(self.deferred)
        if not pcs:
            self.set_tmask(0)
            return self.pc
        low = min(pcs.values())
        tmask = 0
        deferred = {}
        for lane, pc in pcs.items():
            if pc == low:
                tmask |= 1 << lane
            else:
                deferred[lane] = pc
        self.deferred = deferred
        self.dmask = sum(1 << lane for lane in deferred)
        self.dmin = min(deferred.values(), default=NO_PC)
        self.set_tmask(tmask)
        return key_pc(low)

    @property
    def active(self):
        return self.tmask != 0

    def dump(self):
        return WarpDump(warp=self.gid, pc=self.pc & MASK32, tmask=self.tmask, active=self.active,
                        barrier=self.barrier,
                        deferred={lane: key_pc(key) for lane, key in sorted(self.deferred.items())})
