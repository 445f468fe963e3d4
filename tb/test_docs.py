"""The docs state what the code does: docs/isa.md's generated tables, the README's example."""

from pathlib import Path

from simtlab.config import SimtConfig
from simtlab.spec.csr import CSR, DCR
from simtlab.spec.memory import MemoryMap

DOC = (Path(__file__).resolve().parents[1] / "docs" / "isa.md").read_text()


def test_isa_page_tables_are_generated():
    """The numbers of this page are generated (tb/test_generated.py checks they are current)."""
    for block in ("instruction-groups", "encodings", "faults", "csrs", "dcrs", "memory-map"):
        assert f"<!-- generated:{block} (make generate) -->" in DOC
    assert f"| mscratch | 0x{CSR.MSCRATCH:03X} |" in DOC
    assert f"| STARTUP_ARG0 | 0x{DCR.STARTUP_ARG0:03X} |" in DOC
    for region in SimtConfig().regions:
        base = f"0x{region.base >> 16:04X}_{region.base & 0xFFFF:04X}"
        assert f"| {region.name} | {base}" in DOC, f"region {region.name} missing from docs/isa.md"


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
