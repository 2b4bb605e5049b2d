"""The Python API: exported names stay functions, whatever was imported before."""

from __future__ import annotations

import importlib
import subprocess
import sys

import casualty_cli


def test_every_name_in_all_is_exported() -> None:
    for name in casualty_cli.__all__:
        assert getattr(casualty_cli, name) is not None


def test_exported_functions_are_not_shadowed_by_submodules() -> None:
    """Importing every submodule first must leave ``casualty_cli.reconcile`` a function."""
    code = (
        "import casualty_cli.cli, casualty_cli.engine.fast, casualty_cli.reconciliation, "
        "casualty_cli.validation\n"
        "from casualty_cli import reconcile, validate, load_reports\n"
        "print(callable(reconcile), type(reconcile).__name__, type(validate).__name__)\n"
    )
    done = subprocess.run(  # noqa: S603  (this interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["True", "function", "function"]


def test_modules_import_cleanly() -> None:
    for name in ("casualty_cli.reconciliation", "casualty_cli.validation"):
        assert importlib.import_module(name).__name__ == name
