"""Golden files: every output format of the Syrian coast example, byte for byte.

Regenerate after an intended change with ``TALLY_REGENERATE_GOLDEN=1 python -m pytest
tests/test_golden.py`` and review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from casualty_cli.cli import main

from .conftest import STABLE_ENV

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
EXAMPLE = "examples/syrian-coast-2025.yaml"

CASES = [
    ("reconcile.csv", ["reconcile", "--format", "csv", EXAMPLE]),
    ("reconcile.tsv", ["reconcile", "--format", "tsv", EXAMPLE]),
    ("reconcile.json", ["reconcile", "--format", "json", EXAMPLE]),
    ("reconcile.ndjson", ["reconcile", "--format", "ndjson", EXAMPLE]),
    ("reconcile.md", ["reconcile", "--format", "markdown", EXAMPLE]),
    ("reconcile.txt", ["reconcile", "--format", "table", EXAMPLE]),
    ("explain.json", ["explain", "--format", "json", EXAMPLE]),
    ("explain.txt", ["explain", "--format", "text", EXAMPLE]),
    ("reconcile-csv-input.csv", ["reconcile", "--format", "csv", "examples/syrian-coast-2025.csv"]),
]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[c[0] for c in CASES])
def test_output_matches_golden_file(
    name: str, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner(env={**STABLE_ENV, "COLUMNS": "120"}).invoke(main, args)
    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / name
    if os.environ.get("TALLY_REGENERATE_GOLDEN"):
        golden.write_bytes(result.stdout_bytes)
    assert result.stdout_bytes == golden.read_bytes()


def test_csv_with_its_context_file_equals_the_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    context = "examples/syrian-coast-2025.context.yaml"
    args = ["reconcile", "-f", "csv", "examples/syrian-coast-2025.csv", context]
    result = CliRunner(env=STABLE_ENV).invoke(main, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == (GOLDEN / "reconcile.csv").read_bytes()
