# amaranth: UnusedElaboratable=no
"""Constructor checks of the core's blocks (every error message), the derived sizes, and the
execute-unit table's consistency checks."""

import dataclasses

import pytest

from simtlab.config import Derived, SimtConfig
from simtlab.rtl.common.round_robin import RoundRobin
from simtlab.rtl.core.coalescer import Coalescer
from simtlab.rtl.core.core import Core
from simtlab.rtl.core.csr import CsrFile
from simtlab.rtl.core.decoder import Decoder, _float_keys
from simtlab.rtl.core.fetch import Fetch
from simtlab.rtl.core.hazards import Hazards
from simtlab.rtl.core.lsu import Lsu
from simtlab.rtl.core.lsu_lane import AddressCheck
from simtlab.rtl.core.regfile import RegFile
from simtlab.rtl.core.scheduler import WarpScheduler
from simtlab.rtl.core.simt import SimtOp, WarpControl
from simtlab.rtl.core.units import EXEC_UNITS, ExecUnit, Protocol, exec_units
from simtlab.spec.isa import INSTRUCTIONS, Unit
from simtlab.spec.status import StallCause

CONFIG = SimtConfig(warps=4, threads=4)


@pytest.mark.parametrize("make, error, message", [
    (lambda: RoundRobin(0), ValueError, r"RoundRobin count must be a positive integer, not 0"),
    (lambda: RoundRobin(2.0), TypeError, r"RoundRobin count must be an integer, not 2\.0"),
    (lambda: RoundRobin(True), TypeError, r"RoundRobin count must be an integer, not True"),
    (lambda: RoundRobin(4, last=4), ValueError, r"RoundRobin last must be in 0\.\.3, not 4"),
    (lambda: RoundRobin(4, hold=1), TypeError, r"RoundRobin hold must be True or False, not 1"),
    (lambda: WarpScheduler(33), ValueError, r"WarpScheduler warps must be between 1 and 32, not 33"),
    (lambda: WarpScheduler("4"), TypeError, r"WarpScheduler warps must be an integer, not '4'"),
    (lambda: WarpControl(warps=0), ValueError, r"WarpControl warps must be between 1 and 32, not 0"),
    (lambda: WarpControl(threads=64), ValueError,
     r"WarpControl threads must be between 1 and 32, not 64"),
    (lambda: WarpControl(ipdom_depth=0), ValueError, r"WarpControl ipdom_depth must be >= 2, not 0"),
    (lambda: WarpControl(ipdom_depth=3), ValueError,
     r"WarpControl ipdom_depth must be even \(two entries per split\), not 3"),
    (lambda: WarpControl(barriers=300), ValueError,
     r"WarpControl barriers must be between 1 and 256, not 300"),
    (lambda: WarpControl(barriers=None), TypeError, r"WarpControl barriers must be an integer, not None"),
    (lambda: RegFile(warps=0), ValueError, r"RegFile warps must be between 1 and 32, not 0"),
    (lambda: RegFile(threads=33), ValueError, r"RegFile threads must be between 1 and 32, not 33"),
    (lambda: RegFile(fpu="yes"), TypeError, r"RegFile fpu must be True or False, not 'yes'"),
    (lambda: Decoder(muldiv=1), TypeError, r"Decoder muldiv must be True or False, not 1"),
    (lambda: Decoder(fpu=None), TypeError, r"Decoder fpu must be True or False, not None"),
    (lambda: Coalescer(threads=0), ValueError, r"Coalescer threads must be between 1 and 32, not 0"),
    (lambda: Coalescer(block_bytes=48), ValueError,
     r"Coalescer block_bytes must be a power of two, not 48"),
    (lambda: Coalescer(block_bytes=2), ValueError,
     r"Coalescer block_bytes must be between 4 and 4096, not 2"),
    (lambda: Hazards(CONFIG), TypeError,
     r"Hazards derived must be the Derived of SimtConfig.derive\(\), not SimtConfig\("),
    (lambda: Hazards(CONFIG.derive(), pipelined=-1), ValueError,
     r"Hazards pipelined must be >= 0, not -1"),
    (lambda: Hazards(CONFIG.derive(), fpu=0), TypeError, r"Hazards fpu must be True or False, not 0"),
    (lambda: Core({"warps": 4}), TypeError, r"Core config must be a SimtConfig, not \{'warps': 4\}"),
    (lambda: Fetch("default"), TypeError, r"Fetch config must be a SimtConfig, not 'default'"),
    (lambda: Lsu(None), TypeError, r"Lsu config must be a SimtConfig, not None"),
    (lambda: CsrFile(4), TypeError, r"CsrFile config must be a SimtConfig, not 4"),
    (lambda: AddressCheck(CONFIG.derive()), TypeError, r"AddressCheck config must be a SimtConfig"),
])
def test_constructor_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_every_block_builds_from_a_valid_config():
    derived = CONFIG.derive()
    for block in (Core(CONFIG), Fetch(CONFIG), Lsu(CONFIG), CsrFile(CONFIG), AddressCheck(CONFIG),
                  Hazards(derived), WarpScheduler(4), RoundRobin(5, last=4, hold=True),
                  WarpControl(warps=4, threads=4, ipdom_depth=6, barriers=4),
                  RegFile(warps=4, threads=4), Coalescer(threads=4), Decoder(fpu=False)):
        assert block.signature.members


@pytest.mark.parametrize("config, want", [
    (SimtConfig(), dict(fetch_depth=8, load_fifo_depth=2, ipdom_depth=2, barriers=2,
                        block_offset_bits=6, block_word_bits=4)),
    (SimtConfig(warps=4, threads=16, mem_latency=1), dict(fetch_depth=4, load_fifo_depth=32,
                                                          ipdom_depth=30, barriers=4)),
    (SimtConfig(warps=8, threads=2, mem_latency=8, fpu=False),
     dict(fetch_depth=16, load_fifo_depth=16, ipdom_depth=2, barriers=8)),
])
def test_derive(config, want):
    derived = config.derive()
    assert isinstance(derived, Derived)
    assert {key: getattr(derived, key) for key in want} == want
    assert derived.load_tag == 1 << 15 and derived.mem_tag_width == 16
    assert (derived.fetch_warp_bits, derived.fetch_epoch_bits) == (5, 4)
    assert derived.ipdom_depth == config.ipdom_depth and derived.barriers == config.num_barriers
    with pytest.raises(dataclasses.FrozenInstanceError):
        derived.warps = 2


def test_simt_op_is_the_tables_funct3():
    rows = {d.name.upper(): d.funct3 for d in INSTRUCTIONS if d.unit is Unit.SIMT}
    assert {op.name: op.value for op in SimtOp} == rows
    assert set(rows) == {"TMC", "WSPAWN", "SPLIT", "JOIN", "BAR", "PRED"}


def test_float_keys_reject_ambiguous_rows():
    rows = [d for d in INSTRUCTIONS if d.name in ("fadd.s", "fsub.s")]
    clash = dataclasses.replace(rows[1], funct7=rows[0].funct7, rs1_fp=False)
    with pytest.raises(ValueError, match=r"opcode OP_FP and funct7 0 read both an x and an f "
                                         r"register in the same operand"):
        _float_keys([rows[0], clash], lambda d: d.reads_rs1, lambda d: d.rs1_fp)


def _row(**changes):
    return dataclasses.replace(EXEC_UNITS[1], **changes)


@pytest.mark.parametrize("changes, error, message", [
    (dict(name="two words"), ValueError, r"ExecUnit name must be an identifier, not 'two words'"),
    (dict(units=()), TypeError, r"ExecUnit multiplier units must be a non-empty tuple of Unit"),
    (dict(latency={"comb": 0}), TypeError, r"ExecUnit multiplier latency must map Protocol"),
    (dict(latency={Protocol.PIPELINED: 2}), ValueError,
     r"ExecUnit multiplier: a pipelined unit finishes in M, one cycle after X, not 2"),
    (dict(stall=2), TypeError, r"ExecUnit multiplier stall must be a StallCause, not 2"),
])
def test_exec_unit_row_errors(changes, error, message):
    with pytest.raises(error, match=message):
        _row(**changes)


def test_exec_units_table_checks():
    assert [row.name for row in exec_units(CONFIG)] == ["alu", "multiplier", "divider", "fpu"]
    assert [row.name for row in exec_units(CONFIG.replace(fpu=False, muldiv=False))] == ["alu"]
    with pytest.raises(ValueError, match=r"the first execute unit must be the ALU"):
        exec_units(CONFIG, EXEC_UNITS[1:])
    with pytest.raises(ValueError, match=r"Unit\.MUL is in execute units multiplier and mul2"):
        exec_units(CONFIG, EXEC_UNITS + (_row(name="mul2"),))
    # div is iterative in the decode table: a combinational-only divider row cannot execute it
    combinational_div = dataclasses.replace(EXEC_UNITS[2], latency={Protocol.COMBINATIONAL: 0})
    with pytest.raises(ValueError, match=r"div is iterative, which execute unit divider does not "
                                         r"support"):
        exec_units(CONFIG, (EXEC_UNITS[0], EXEC_UNITS[1], combinational_div, EXEC_UNITS[3]))
    assert all(isinstance(row.stall, StallCause) for row in EXEC_UNITS)
