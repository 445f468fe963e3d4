"""The emulator's decoder is driven by the one table (simtlab.spec.isa.INSTRUCTIONS): every row's
encodings match that row, words outside every row are illegal, and extensions a config leaves out
decode to illegal instructions."""

import random

import pytest

from simtlab.config import SimtConfig
from simtlab.sim.emu_decode import Decoder, match
from simtlab.sim.emu_state import Fault
from simtlab.sim.emulator import Emulator
from simtlab.spec.isa import INSTRUCTIONS, Opcode, Unit
from simtlab.spec.status import FaultCause


def word_of(desc, rng):
    """A random word with ``desc``'s fixed bits (``pattern``) and random don't-care bits."""
    word = 0
    for bit, ch in enumerate(reversed(desc.pattern())):
        value = rng.getrandbits(1) if ch == "-" else int(ch)
        word |= value << bit
    if desc.uses_rm and (word >> 12) & 7 in (5, 6):         # reserved rounding modes are illegal
        word &= ~(7 << 12)
    return word


@pytest.mark.parametrize("desc", INSTRUCTIONS, ids=[d.name for d in INSTRUCTIONS])
def test_every_row_matches_itself(desc):
    rng = random.Random(20261203)
    for _ in range(50):
        assert match(word_of(desc, rng)) is desc


def _faults_illegal(execute):
    try:
        execute([[0] * 66], 0)
    except Fault as fault:
        return fault.cause == FaultCause.ILLEGAL_INSN
    return False


def test_unmatched_words_are_illegal():
    decoder = Decoder(Emulator(SimtConfig()))
    rng = random.Random(7)
    seen = 0
    while seen < 200:
        word = rng.getrandbits(32)
        if match(word) is None:
            seen += 1
            execute, rd = decoder.decode(word)
            assert rd == 0 and _faults_illegal(execute), f"{word:#010x}"


@pytest.mark.parametrize("knob, units", [("muldiv", {Unit.MUL, Unit.DIV}), ("fpu", None)])
def test_left_out_extensions_are_illegal(knob, units):
    decoder = Decoder(Emulator(SimtConfig(**{knob: False})))
    fp_opcodes = {Opcode.LOAD_FP, Opcode.STORE_FP, Opcode.MADD, Opcode.MSUB, Opcode.NMSUB,
                  Opcode.NMADD, Opcode.OP_FP}
    rng = random.Random(11)
    for desc in INSTRUCTIONS:
        gone = desc.unit in units if units else desc.opcode in fp_opcodes
        if gone:
            execute, rd = decoder.decode(word_of(desc, rng))
            assert rd == 0 and _faults_illegal(execute), desc.name
