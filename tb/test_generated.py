"""Every committed file generated from the spec layer (simtlab/spec/generate.py) is up to date."""

import pytest

from simtlab.spec import generate


@pytest.mark.parametrize("path", sorted(generate.outputs()))
def test_generated_file_is_current(path):
    text = generate.outputs()[path]
    committed = (generate.ROOT / path).read_text()
    assert committed == text, f"{path} is stale: run `make generate` (python -m simtlab.spec.generate)"


def test_check_command_reports_stale_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    assert generate.main(["--check"]) == 1
    assert "stale: sim/harness/simtlab_spec.h" in capsys.readouterr().out
    for path in generate.outputs():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    assert sorted(generate.write_all()) == sorted(generate.outputs())
    assert generate.main(["--check"]) == 0
    assert generate.main(["--bogus"]) == 2
