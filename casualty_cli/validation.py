"""``tally validate``: every problem in the input, listed at once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

from casualty_cli.errors import Finding
from casualty_cli.load import LoadOptions, check_reports


@dataclass(frozen=True)
class Validation:
    """The verdict on some input files: how many reports were read and every finding."""

    files: tuple[str, ...]
    reports: int
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def valid(self) -> bool:
        return not self.errors


def validate(
    paths: Sequence[str | os.PathLike[str]], *, options: LoadOptions | None = None
) -> Validation:
    """Check ``paths`` strictly: a phrase that names no number is an error here, not a skip."""
    options = replace(options or LoadOptions(), strict=True)
    loaded = check_reports(paths, options=options)
    reports = len(loaded.table) if loaded.table is not None else 0
    return Validation(loaded.files, reports, loaded.findings)
