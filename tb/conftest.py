"""Shared fixtures: a seeded random generator, one RTL model per configuration per session."""

import os

import numpy as np
import pytest

SEED = int(os.environ.get("SIMTLAB_SEED", "20261122"))


@pytest.fixture
def rng(request):
    """A numpy Generator seeded from SIMTLAB_SEED; the seed is printed with every failure."""
    request.node.user_properties.append(("seed", SEED))
    return np.random.default_rng(SEED)


def pytest_runtest_makereport(item, call):
    if call.excinfo is not None and "rng" in getattr(item, "fixturenames", ()):
        item.add_report_section(call.when, "seed", f"SIMTLAB_SEED={SEED}")


def pytest_report_header(config):
    return f"simtlab: SIMTLAB_SEED={SEED}"
