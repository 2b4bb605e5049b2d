"""``tally parse`` readings as records and as a table for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from casualty_cli.phrases import PhraseReport
from casualty_cli.render.safe import terminal_text


def phrase_record(report: PhraseReport) -> dict[str, Any]:
    return {
        "input": report.text,
        "readings": [{"as": str(r.grammar), **r.record} for r in report.readings],
        "refused": [
            {"as": str(grammar), "code": error.code, "message": error.message, "hint": error.hint}
            for grammar, error in report.refusals
        ]
        if not report.readings
        else [],
    }


def _interval(record: dict[str, Any]) -> str:
    if "start" in record:
        end = record["end"] or "(published)"
        return record["start"] if record["start"] == end else f"{record['start']} to {end}"
    if "q" in record:
        return f"q = {record['q']:g}"
    low, high = record["low"], record["high"]
    if high is None:
        return f"{low:,} or more"
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def _kernel(record: dict[str, Any]) -> str:
    parts = []
    for low, high, weight in record.get("kernel", []):
        band = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        parts.append(f"{band} ({weight:.0%})")
    return " · ".join(parts)


def _kind(grammar: str, record: dict[str, Any]) -> str:
    if grammar == "quantity":
        word = record.get("word") or str(record["kind"]).replace("_", " ")
        return f"count: {word}"
    if grammar == "grade":
        return "grade"
    return f"{grammar}: {record['kind']}"


def phrases_table(reports: Sequence[PhraseReport], console: Console) -> None:
    table = Table(highlight=False)
    table.add_column("input", overflow="fold")
    table.add_column("read as", no_wrap=True)
    table.add_column("interval", overflow="fold")
    table.add_column("kernel (weight)", overflow="fold")
    table.add_column("notes", overflow="fold")
    for report in reports:
        shown = Text(terminal_text(report.text))
        if not report.readings:
            reasons = "; ".join(
                f"{grammar}: {error.message}" + (f" ({error.hint})" if error.hint else "")
                for grammar, error in report.refusals
            )
            table.add_row(shown, Text("refused", style="red"), "", "", Text(terminal_text(reasons)))
            continue
        for reading in report.readings:
            record = reading.record
            kind = _kind(reading.grammar, record)
            notes = list(record.get("notes", []))
            if "conservative" in record:
                notes.append(f"conservative figure {record['conservative']:,}")
            table.add_row(
                shown,
                Text(kind),
                Text(_interval(record)),
                Text(_kernel(record)),
                Text(terminal_text("; ".join(notes))),
            )
    console.print(table)
