"""tally: reconcile competing casualty reports into best estimates with ranges.

The library behind the ``tally`` command.  Everything the CLI does is available here:

>>> from casualty_cli import parse_quantity
>>> parse_quantity("more than 1,000").kind
<QuantityKind.MORE_THAN: 'more_than'>
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Imported on first use, so that ``tally --help`` and small files pay only for what they use.
_EXPORTS = {
    "load_reports": "casualty_cli.load",
    "check_reports": "casualty_cli.load",
    "LoadOptions": "casualty_cli.load",
    "validate": "casualty_cli.validation",
    "reconcile": "casualty_cli.reconciliation",
    "reconcile_files": "casualty_cli.reconciliation",
    "Reconciliation": "casualty_cli.estimates",
    "Estimate": "casualty_cli.estimates",
    "Scope": "casualty_cli.estimates",
    "Evidence": "casualty_cli.estimates",
    "Derivation": "casualty_cli.estimates",
    "Status": "casualty_cli.estimates",
    "Validation": "casualty_cli.validation",
    "parse_quantity": "casualty_cli.grammar.quantity",
    "parse_date": "casualty_cli.grammar.dates",
    "parse_period": "casualty_cli.grammar.dates",
    "DateOrder": "casualty_cli.grammar.dates",
    "parse_grade": "casualty_cli.grammar.grades",
    "read_phrase": "casualty_cli.phrases",
    "ReadOptions": "casualty_cli.readers",
    "Report": "casualty_cli.model",
    "ReportTable": "casualty_cli.model",
    "Quantity": "casualty_cli.model",
    "QuantityKind": "casualty_cli.model",
    "Component": "casualty_cli.model",
    "DateValue": "casualty_cli.model",
    "PeriodValue": "casualty_cli.model",
    "Window": "casualty_cli.model",
    "Grade": "casualty_cli.model",
    "Source": "casualty_cli.model",
    "Finding": "casualty_cli.errors",
    "Location": "casualty_cli.errors",
    "TallyError": "casualty_cli.errors",
    "InputError": "casualty_cli.errors",
    "GrammarError": "casualty_cli.errors",
    "InvalidInput": "casualty_cli.errors",
}

__all__ = [
    "Component",
    "DateOrder",
    "DateValue",
    "Derivation",
    "Estimate",
    "Evidence",
    "Finding",
    "Grade",
    "GrammarError",
    "InputError",
    "InvalidInput",
    "LoadOptions",
    "Location",
    "PeriodValue",
    "Quantity",
    "QuantityKind",
    "ReadOptions",
    "Reconciliation",
    "Report",
    "ReportTable",
    "Scope",
    "Source",
    "Status",
    "TallyError",
    "Validation",
    "Window",
    "__version__",
    "check_reports",
    "load_reports",
    "parse_date",
    "parse_grade",
    "parse_period",
    "parse_quantity",
    "read_phrase",
    "reconcile",
    "reconcile_files",
    "validate",
]

if TYPE_CHECKING:
    from casualty_cli.errors import (
        Finding,
        GrammarError,
        InputError,
        InvalidInput,
        Location,
        TallyError,
    )
    from casualty_cli.estimates import (
        Derivation,
        Estimate,
        Evidence,
        Reconciliation,
        Scope,
        Status,
    )
    from casualty_cli.grammar.dates import DateOrder, parse_date, parse_period
    from casualty_cli.grammar.grades import parse_grade
    from casualty_cli.grammar.quantity import parse_quantity
    from casualty_cli.load import LoadOptions, check_reports, load_reports
    from casualty_cli.model import (
        Component,
        DateValue,
        Grade,
        PeriodValue,
        Quantity,
        QuantityKind,
        Report,
        ReportTable,
        Source,
        Window,
    )
    from casualty_cli.phrases import read_phrase
    from casualty_cli.readers import ReadOptions
    from casualty_cli.reconciliation import reconcile, reconcile_files
    from casualty_cli.validation import Validation, validate


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'casualty_cli' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
