"""Findings (``tally validate``) as records and as a table for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from casualty_cli.errors import Finding, Severity
from casualty_cli.render.safe import terminal_text

FINDING_FIELDS = ("file", "line", "field", "severity", "code", "value", "message", "hint")


def finding_record(finding: Finding) -> dict[str, Any]:
    where = finding.location
    return {
        "file": where.file,
        "line": where.line,
        "field": where.field,
        "severity": str(finding.severity),
        "code": finding.code,
        "value": finding.value,
        "message": finding.message,
        "hint": finding.hint,
    }


def findings_table(findings: Sequence[Finding], console: Console) -> None:
    table = Table(show_lines=False, highlight=False, expand=False)
    table.add_column("where", overflow="fold")
    table.add_column("", no_wrap=True)
    table.add_column("problem", overflow="fold", ratio=3)
    table.add_column("how to fix it", overflow="fold", ratio=2)
    for finding in findings:
        where = finding.location
        place = where.file + (f":{where.line}" if where.line else "")
        if where.field:
            place += f" {where.field}"
        style = "red" if finding.severity is Severity.ERROR else "yellow"
        problem = finding.message
        if finding.value is not None and finding.value not in problem:
            problem += f": {finding.value!r}"
        table.add_row(
            Text(terminal_text(place)),
            Text(str(finding.severity), style=style),
            Text(terminal_text(problem)),
            Text(terminal_text(finding.hint or "")),
        )
    console.print(table)
