"""``tally diff`` for people (a table, verdicts as coloured words) and for machines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from casualty_cli.diff import (
    DIFF_FIELDS,
    REVISION_FIELDS,
    Change,
    Comparison,
    Revision,
    Verdict,
    relative_text,
    revision_counts,
)
from casualty_cli.render.estimates import period_text, range_text
from casualty_cli.render.records import (
    DELIMITERS,
    write_delimited_columns,
    write_json,
    write_markdown,
    write_ndjson,
)
from casualty_cli.render.safe import terminal_text

VERDICT_STYLES: dict[Verdict, str] = {
    Verdict.CONFLICT: "bold red",
    Verdict.ONLY_A: "yellow",
    Verdict.ONLY_B: "yellow",
    Verdict.AGREE: "cyan",
    Verdict.SAME: "green",
}
VERDICT_WORDS: dict[Verdict, str] = {
    Verdict.CONFLICT: "conflict",
    Verdict.ONLY_A: "only in A",
    Verdict.ONLY_B: "only in B",
    Verdict.AGREE: "agree",
    Verdict.SAME: "same",
}
CHANGE_STYLES: dict[Change, str] = {
    Change.REVISED_DOWN: "bold red",
    Change.REVISED_UP: "bold yellow",
    Change.REWORDED: "cyan",
    Change.REMOVED: "red",
    Change.NEW: "green",
}


def _safe(text: str, style: str = "") -> Text:
    return Text(terminal_text(text), style=style)


def write_records(
    records: Sequence[dict[str, Any]],
    header: Sequence[str],
    fmt: str,
    stream: IO[str],
    *,
    excel_safe: bool,
    version: str,
    key: str,
) -> None:
    """Any list of flat records in a data format (``key`` names the JSON list)."""
    if fmt in ("csv", "tsv"):
        columns = {name: [record.get(name) for record in records] for name in header}
        _write_delimited(columns, header, fmt, stream, excel_safe=excel_safe)
    elif fmt == "json":
        write_json({"tally_version": version, key: list(records)}, stream)
    elif fmt == "ndjson":
        write_ndjson(records, stream)
    elif fmt == "markdown":
        write_markdown(records, header, stream)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def _write_delimited(
    columns: Mapping[str, Sequence[Any]],
    header: Sequence[str],
    fmt: str,
    stream: IO[str],
    *,
    excel_safe: bool,
) -> None:
    """CSV or TSV column by column: each distinct value made text once (write_delimited's bytes)."""
    write_delimited_columns(
        columns, header, stream, delimiter=DELIMITERS[fmt], excel_safe=excel_safe
    )


# --- a comparison -------------------------------------------------------------------------------


def summary_text(comparison: Comparison) -> str:
    """``1,435 scopes: 1,428 same, 7 agree, 0 conflict; 14 only in A, 0 only in B``."""
    counts = comparison.counts()
    total = sum(counts.values())
    return (
        f"{total:,} scopes: {counts[Verdict.SAME]:,} same, {counts[Verdict.AGREE]:,} agree, "
        f"{counts[Verdict.CONFLICT]:,} conflict; {counts[Verdict.ONLY_A]:,} only in A, "
        f"{counts[Verdict.ONLY_B]:,} only in B"
    )


def diff_table(comparison: Comparison, console: Console) -> None:
    """Verdicts as coloured words, conflicts first, then one-sided rows, then the rest."""
    table = Table(box=box.SIMPLE_HEAD, highlight=False, pad_edge=False)
    for name, justify in (
        ("verdict", "left"),
        ("what", "left"),
        ("where", "left"),
        ("when", "left"),
        ("A said", "left"),
        ("A 80% range", "right"),
        ("B said", "left"),
        ("B 80% range", "right"),
        ("B − A", "right"),
        ("", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in sorted(comparison.rows, key=lambda r: r.verdict.rank):
        a, b = row.a, row.b
        table.add_row(
            Text(VERDICT_WORDS[row.verdict], style=VERDICT_STYLES[row.verdict]),
            _safe(row.scope.category),
            _safe(row.scope.place or "everywhere"),
            Text(period_text(row.scope)),
            _safe(row.a_count),
            Text(range_text(a.low, a.high) if a else ""),
            _safe(row.b_count),
            Text(range_text(b.low, b.high) if b else ""),
            Text(f"{row.difference:+,}" if row.difference is not None else ""),
            Text(relative_text("B", b.best, "A", a.best) if a and b else ""),
        )
    console.print(Text(summary_text(comparison), style="bold"))
    console.print(table)


def write_comparison(
    comparison: Comparison, fmt: str, stream: IO[str], *, excel_safe: bool, version: str
) -> None:
    if fmt in ("csv", "tsv"):
        # Straight from the columns, without a mapping per row.
        _write_delimited(comparison.columns(), DIFF_FIELDS, fmt, stream, excel_safe=excel_safe)
        return
    write_records(
        comparison.records(),
        DIFF_FIELDS,
        fmt,
        stream,
        excel_safe=excel_safe,
        version=version,
        key="differences",
    )


# --- revisions ----------------------------------------------------------------------------------


def revisions_summary(found: Sequence[Revision]) -> str:
    counts = revision_counts(found)
    parts = [f"{counts[change]:,} {change.value.replace('_', ' ')}" for change in Change]
    return f"{len(found):,} reports changed: " + ", ".join(parts)


def revisions_table(found: Sequence[Revision], console: Console) -> None:
    table = Table(box=box.SIMPLE_HEAD, highlight=False, pad_edge=False)
    for name in ("change", "report", "what", "where", "when", "old", "new", "new − old"):
        table.add_column(name, overflow="fold")
    for revision in found:
        record = revision.record()
        difference = record["difference"]
        table.add_row(
            Text(revision.change.value.replace("_", " "), style=CHANGE_STYLES[revision.change]),
            _safe(revision.report),
            _safe(revision.scope.category_path),
            _safe(revision.scope.place_path or "everywhere"),
            Text(period_text(revision.scope)),
            _safe(revision.old_count or ""),
            _safe(revision.new_count or ""),
            Text(f"{difference:+,}" if difference is not None else ""),
        )
    console.print(Text(revisions_summary(found), style="bold"))
    console.print(table)


def write_revisions(
    found: Sequence[Revision], fmt: str, stream: IO[str], *, excel_safe: bool, version: str
) -> None:
    write_records(
        [revision.record() for revision in found],
        REVISION_FIELDS,
        fmt,
        stream,
        excel_safe=excel_safe,
        version=version,
        key="revisions",
    )
