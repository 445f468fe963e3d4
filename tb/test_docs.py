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


def _readme_table():
    root = Path(__file__).resolve().parents[1]
    text = (root / "README.md").read_text()
    table = text[text.index("## Where things are"):]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return root, rows


def test_readme_folder_table_is_true():
    """Every folder of the repository is in README's table, and every file it names exists."""
    import re
    root, rows = _readme_table()
    folders = {re.match(r"\| `([^`]+)/`", row).group(1): row for row in rows}
    packages = {p.parent.name for p in root.glob("*/__init__.py")}
    assert packages | {"docs"} <= set(folders), f"folders missing from README: {packages - set(folders)}"
    for folder, row in folders.items():
        assert (root / folder).is_dir(), folder
        what = row.split("|")[2]
        for name in re.findall(r"`([\w./-]+)`", what):
            if name.endswith(("/", ".py", ".S", ".ld", ".h", ".c", ".cpp", ".md")):
                hits = list((root / folder).rglob(name.rstrip("/"))) or list(root.rglob(name.rstrip("/")))
                assert hits, f"README names `{name}` under {folder}/, which does not exist"
        for link in re.findall(r"\]\(([^)]+)\)", what):
            assert (root / link).is_file(), f"README links {link}, which does not exist"


def test_every_doc_page_is_linked_from_readme():
    root, rows = _readme_table()
    docs_row = next(row for row in rows if row.startswith("| `docs/`"))
    for page in sorted((root / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in docs_row, f"docs/{page.name} is not linked from README"


def test_imports_in_the_docs_resolve():
    """Every ``from simtlab... import ...`` line of the docs' examples imports."""
    import importlib
    import re
    root = Path(__file__).resolve().parents[1]
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        for module, names in re.findall(r"^from (simtlab[\w.]*) import ([\w, ]+)$", page.read_text(), re.M):
            imported = importlib.import_module(module)
            for name in names.split(","):
                name = name.strip()
                assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}"), \
                    f"{page.name}: 'from {module} import {name}' fails"
