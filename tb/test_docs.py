"""docs/isa.md states the numbers of simtlab/config.py; this keeps them from drifting apart."""

from pathlib import Path

from simtlab.config import SimtConfig
from simtlab.spec.csr import CSR, DCR
from simtlab.spec.memory import MemoryMap

DOC = (Path(__file__).resolve().parents[1] / "docs" / "isa.md").read_text()


def _numbers(cls):
    return {name: value for name, value in vars(cls).items() if name.isupper()}


def test_every_csr_number_is_documented():
    for name, number in _numbers(CSR).items():
        assert f"0x{number:03X}" in DOC, f"CSR {name} (0x{number:03X}) missing from docs/isa.md"


def test_every_dcr_is_documented():
    for name, number in _numbers(DCR).items():
        assert f"0x{number:03X}" in DOC, f"DCR {name} missing from docs/isa.md"


def test_memory_map_is_documented():
    for name in ("IO_COUT", "IO_EXIT"):
        assert f"0x{getattr(MemoryMap, name):X}" in DOC
    for region in SimtConfig().regions:
        base = f"0x{region.base >> 16:04X}_{region.base & 0xFFFF:04X}"
        assert base in DOC, f"region {region.name} at {base} missing from docs/isa.md"


def test_generated_header_matches_config():
    header = SimtConfig().c_header()
    assert "#define VX_CSR_MSCRATCH          0x340" in header
    assert f"0x{MemoryMap.STACK_TOP:08X}u" in header


def test_readme_python_example_runs():
    """The README's ten-line example runs as written (from the repository root)."""
    import os
    import re
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        namespace = {}
        exec(compile(code, "README.md", "exec"), namespace)     # asserts its own result
    finally:
        os.chdir(cwd)
    assert namespace["counters"].instrs > 0
