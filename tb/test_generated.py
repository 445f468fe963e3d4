"""Every committed file generated from the spec layer (simtlab/spec/generate.py) is up to date."""

import pytest

from simtlab.spec import generate


@pytest.mark.parametrize("path", sorted(generate.outputs()))
def test_generated_file_is_current(path):
    text = generate.outputs()[path]
    committed = (generate.ROOT / path).read_text()
    assert committed == text, f"{path} is stale: run `make generate` (python -m simtlab.spec.generate)"


def test_check_command_reports_stale_files(tmp_path, monkeypatch, capsys):
    real = generate.outputs()
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    for path, text in real.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    assert generate.main(["--check"]) == 0
    (tmp_path / "sim/harness/simtlab_spec.h").write_text("stale")
    (tmp_path / "docs/isa.md").write_text(real["docs/isa.md"].replace("| mscratch | 0x340", "| x | 0"))
    assert generate.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "stale: sim/harness/simtlab_spec.h" in out and "stale: docs/isa.md" in out
    assert sorted(generate.write_all()) == ["docs/isa.md", "sim/harness/simtlab_spec.h"]
    assert (tmp_path / "docs/isa.md").read_text() == real["docs/isa.md"]
    assert generate.main(["--bogus"]) == 2


def test_missing_marker_is_a_clear_error():
    with pytest.raises(ValueError, match="docs/isa.md has no generated block 'instruction-groups'"):
        generate.isa_markdown("# no markers here\n")
