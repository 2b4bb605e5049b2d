"""Shared fixtures: a CLI runner with a fixed, colourless environment and the data folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

TESTS = Path(__file__).parent
DATA = TESTS / "data"
EXAMPLES = TESTS.parent / "examples"

# rich and click read these: fix them so output never depends on the machine running the tests.
STABLE_ENV = {
    "NO_COLOR": "1",
    "TERM": "dumb",
    "COLUMNS": "120",
    "FORCE_COLOR": None,
    "TTY_COMPATIBLE": None,
    "TTY_INTERACTIVE": None,
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=STABLE_ENV)


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
