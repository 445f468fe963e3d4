"""Tests of the lock-step trace comparator (simtlab.sim.lockstep)."""

import struct

import numpy as np
import pytest

from simtlab.config import SimtConfig
from simtlab.sim.emulator import Emulator
from simtlab.sim.lockstep import Divergence, compare_traces, format_record, make_trace
from simtlab.sim.result import trace_dtype
from simtlab.spec.memory import MemoryMap

BASE = MemoryMap.CODE_BASE

ROWS = [  # (pc, insn, rd, data)
    (BASE + 0, 0x00500513, 10, 5),           # addi a0, x0, 5
    (BASE + 4, 0x00A50593, 11, 15),          # addi a1, a0, 10
    (BASE + 8, 0x00B52023, 0, 0),            # sw a1, 0(a0)
    (BASE + 12, 0x0000000B, 0, 0),           # tmc x0
]


def modified(index, **changes):
    rows = [list(row) for row in ROWS]
    for name, value in changes.items():
        rows[index][("pc", "insn", "rd", "data").index(name)] = value
    return make_trace([tuple(row) for row in rows])


def test_make_trace_builds_trace_records():
    trace = make_trace(ROWS)
    assert trace.dtype == trace_dtype(1)
    assert (int(trace[1]["pc"]), int(trace[1]["rd"]), int(trace[1]["data"][0])) == (BASE + 4, 11, 15)
    assert list(trace["cycle"]) == [0, 1, 2, 3]
    assert list(trace["warp"]) == [0] * 4 and list(trace["tmask"]) == [1] * 4


def test_identical_traces_match():
    assert compare_traces(make_trace(ROWS), make_trace(ROWS)) is None
    assert compare_traces(make_trace([]), make_trace([])) is None


@pytest.mark.parametrize("index,field,value", [
    (0, "pc", BASE + 0x40), (1, "insn", 0x00A50613), (1, "rd", 12), (1, "data", 16), (3, "rd", 5),
])
def test_first_difference_is_found(index, field, value):
    div = compare_traces(make_trace(ROWS), modified(index, **{field: value}))
    assert isinstance(div, Divergence)
    assert div.index == index
    assert div.fields == (field,)
    assert (div.warp, div.cycle) == (0, index)
    assert div.lane == (0 if field == "data" else None)
    scalar = (lambda rec: int(rec["data"][0])) if field == "data" else (lambda rec: int(rec[field]))
    assert scalar(div.actual) == value
    assert scalar(div.expected) == ROWS[index][("pc", "insn", "rd", "data").index(field)]


def test_only_the_first_of_several_differences_is_reported():
    actual = modified(1, data=99)
    actual[3]["pc"] = 0
    div = compare_traces(make_trace(ROWS), actual)
    assert div.index == 1


def test_several_fields_of_one_record():
    div = compare_traces(make_trace(ROWS), modified(1, pc=BASE + 0x100, data=3))
    assert div.fields == ("pc", "data")


def test_data_is_ignored_when_no_register_is_written():
    assert compare_traces(make_trace(ROWS), modified(2, data=0x1234)) is None


def test_data_is_compared_when_either_side_writes_a_register():
    div = compare_traces(make_trace(ROWS), modified(2, rd=3, data=7))
    assert div.fields == ("rd", "data")


def test_pad_bytes_are_ignored():
    actual = make_trace(ROWS)
    actual["_pad"] = 0xAB
    assert compare_traces(make_trace(ROWS), actual) is None


@pytest.mark.parametrize("short_side", ["expected", "actual"])
def test_shorter_trace_diverges_at_its_end(short_side):
    full, short = make_trace(ROWS), make_trace(ROWS[:2])
    expected, actual = (short, full) if short_side == "expected" else (full, short)
    div = compare_traces(expected, actual)
    assert div.index == 2
    assert div.fields == ("length",)
    assert (div.expected is None) == (short_side == "expected")
    assert (div.actual is None) == (short_side == "actual")
    ended = "emu" if short_side == "expected" else "rtl"
    assert f"the {ended} trace ends after 2 records" in str(div)


def test_str_shows_hex_values_names_and_context():
    div = compare_traces(make_trace(ROWS), modified(1, data=16), names=("golden", "verilator"))
    text = str(div)
    assert "record 1" in text
    assert "golden" in text and "verilator" in text
    assert f"pc=0x{BASE + 4:08x}" in text
    assert "x11=0x0000000f" in text and "x11=0x00000010" in text
    assert f"last match: pc=0x{BASE:08x}" in text
    assert "different values to x11" in text


@pytest.mark.parametrize("field,words", [
    ("pc", "control flow diverged"), ("insn", "different instruction word"),
    ("rd", "different destination register"),
])
def test_explanations(field, words):
    value = {"pc": BASE + 0x80, "insn": 0x12345678, "rd": 7}[field]
    assert words in compare_traces(make_trace(ROWS), modified(2, **{field: value})).explanation()


def test_divergence_at_first_record_has_no_previous():
    div = compare_traces(make_trace(ROWS), modified(0, pc=BASE + 4))
    assert div.previous is None
    assert "at the first instruction" in str(div)


def test_format_record():
    trace = make_trace(ROWS)
    assert format_record(trace[0]) == f"pc=0x{BASE:08x} insn=0x00500513 x10=0x00000005"
    assert format_record(trace[2]).endswith("(no register write)")
    assert "trace ended" in format_record(None)


def test_rejects_non_trace_arrays():
    with pytest.raises(TypeError, match="trace_dtype"):
        compare_traces(np.zeros(4, dtype=np.uint32), make_trace(ROWS))


def _emulator_trace(words):
    emu = Emulator(SimtConfig())
    emu.write_mem(BASE, struct.pack(f"<{len(words)}I", *words))
    emu.enable_trace(True)
    emu.start()
    emu.run(1000)
    return emu.trace()


def test_emulator_traces_compare_equal_and_a_changed_program_diverges():
    # addi a0, x0, 3 ; loop: addi a0, a0, -1 ; bne a0, x0, loop ; tmc x0
    words = [0x00300513, 0xFFF50513, 0xFE051EE3, 0x0000000B]
    reference = _emulator_trace(words)
    assert len(reference) == 1 + 2 * 3 + 1
    assert compare_traces(reference, _emulator_trace(words)) is None
    changed = _emulator_trace([0x00200513] + words[1:])          # start the count at 2
    div = compare_traces(reference, changed)
    assert div.index == 0 and div.fields == ("insn", "data")


# -- f-register writes (rd = 32 + n) ---------------------------------------------------------------------

FADD = 0x00208153                            # fadd.s f2, f1, f2, rne


def test_format_record_names_f_registers():
    one = make_trace([(BASE, FADD, 34, 0x3F80_0000), (BASE + 4, FADD, 32, 1), (BASE + 8, FADD, 63, 2),
                      (BASE + 12, FADD, 31, 3)])
    assert format_record(one[0]) == f"pc=0x{BASE:08x} insn=0x{FADD:08x} f2=0x3f800000"
    assert format_record(one[1]).endswith(" f0=0x00000001")
    assert format_record(one[2]).endswith(" f31=0x00000002")
    assert format_record(one[3]).endswith(" x31=0x00000003")
    many = make_trace([dict(pc=BASE, insn=FADD, rd=37, tmask=0b101, data={0: 7, 2: 9})], threads=4)
    assert format_record(many[0]) == (f"pc=0x{BASE:08x} insn=0x{FADD:08x} tmask=0x5 "
                                      f"f5=[0:0x00000007 2:0x00000009]")


def test_divergence_in_an_f_register_names_it():
    expected = make_trace([(BASE, FADD, 34, 0x3F80_0000)])
    actual = make_trace([(BASE, FADD, 34, 0x3F80_0001)])
    div = compare_traces(expected, actual)
    assert div.fields == ("data",)
    assert "wrote different values to f2" in div.explanation()
    assert "f2=0x3f800001" in str(div)
    assert compare_traces(expected, make_trace([(BASE, FADD, 2, 0x3F80_0000)])).fields == ("rd",)
