"""The package's layering: the spec layer is pure Python, sim/ and drivers/ never import the RTL,
and every module's ``__all__`` names what it defines."""

import importlib
import pkgutil
import subprocess
import sys

import pytest

import simtlab
from simtlab import errors


def _modules():
    """Every library module (the subpackages live in other folders, so walk each one)."""
    yield "simtlab.config"
    yield "simtlab.errors"
    for sub in ("spec", "sim", "drivers", "kernels", "rtl"):
        package = importlib.import_module(f"simtlab.{sub}")
        yield package.__name__
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            yield info.name


def _imported_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_spec_imports_no_amaranth():
    base = _imported_after("import simtlab")      # the package root imports the driver
    assert "amaranth" not in base
    spec = [m for m in _modules() if m.startswith("simtlab.spec")]
    added = _imported_after("; ".join(f"import {m}" for m in spec)) - base
    assert "amaranth" not in added
    assert not {m for m in added if m.startswith(("simtlab.rtl", "simtlab.sim", "simtlab.drivers"))}


@pytest.mark.parametrize("package", ["simtlab.sim", "simtlab.drivers", "simtlab.kernels"])
def test_layer_does_not_import_the_rtl(package):
    modules = [m for m in _modules() if m.startswith(package + ".")]
    loaded = _imported_after("; ".join(f"import {m}" for m in modules))
    rtl = sorted(m for m in loaded if m.startswith("simtlab.rtl"))
    assert not rtl, f"importing {package} loads {rtl}"


@pytest.mark.parametrize("name", sorted(_modules()))
def test_all_names_exist(name):
    module = importlib.import_module(name)
    for exported in getattr(module, "__all__", ()):
        assert hasattr(module, exported), f"{name}.__all__ names {exported!r}, which it lacks"


def test_package_exports_every_error():
    missing = set(errors.__all__) - set(simtlab.__all__)
    assert not missing, f"simtlab does not export {sorted(missing)}"
