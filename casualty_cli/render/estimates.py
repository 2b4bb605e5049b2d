"""Estimates (``tally reconcile``) as contract records, data formats, and a table for people.

The data formats (csv, tsv, json, ndjson) carry the contract's rows unchanged (contract.md
section 2).  The table and the Markdown are for people: numbers with thousands separators, ranges
beside every best estimate, dates in words and flags as short words (statistics.md section 9).
The wording helpers here are shared with ``explain``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, TYPE_CHECKING, Any, Protocol

from casualty_cli.estimates import ESTIMATE_FIELDS, Estimate, Reconciliation, Scope
from casualty_cli.model import ROOT_CATEGORY, Outcome
from casualty_cli.render.records import (
    DELIMITERS,
    DelimitedRows,
    write_delimited_columns,
    write_json,
    write_markdown,
    write_ndjson,
    write_ranked_lines,
)
from casualty_cli.render.safe import markdown_cell, terminal_text

if TYPE_CHECKING:
    # rich is imported by the table's functions only: data formats never need it.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

ESTIMATE_FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "ndjson", "markdown")


def estimate_lines(fmt: str, *, excel_safe: bool) -> DelimitedRows | None:
    """What makes each estimate's CSV or TSV line after its rank, for ``reconcile(lines=…)``
    (the parts of a large reconciliation then write their rows); None for other formats."""
    return _delimited_rows(fmt, excel_safe) if fmt in ("csv", "tsv") else None


def _delimited_rows(fmt: str, excel_safe: bool) -> DelimitedRows:
    return DelimitedRows(ESTIMATE_FIELDS[1:], DELIMITERS[fmt], excel_safe)


BAR_WIDTH = 30
"""Cells of the range bar on a wide terminal; narrower consoles get a shorter bar."""
MIN_BAR_WIDTH = 16
LOG_SCALE_RATIO = 20
"""Above this spread (largest high95 over smallest low95) a linear bar squashes the small rows."""

BAR_95, BAR_80, BAR_BEST = "─", "━", "●"
LEGEND = f"best estimate {BAR_BEST} · 80% range {BAR_80} · 95% range {BAR_95}"

# English month abbreviations, not the locale's: output must not depend on the machine.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The contract's flag words, shortened for a table cell; unknown flags fall back to their word.
FLAG_WORDS: dict[str, str] = {
    "single_source": "one source",
    "disputed": "disputed",
    "parts_exceed_whole": "parts > whole",
    "unattributed_remainder": "unattributed",
    "wide_range": "wide range",
    "downward_revision": "revised down",
    "same_origin_inconsistent": "inconsistent",
    "overlap_bounds_only": "bounds only",
    "residual_derived": "residual",
    "coherence_adjusted": "adjusted",
    "time_conflict": "time conflict",
    "stale_only": "stale",
    "open_bound_capped": "capped",
    "unparsed_quantity": "unparsed",
    "casualties_ambiguous": "ambiguous",
    "discounted": "discounted",
    "contested": "contested",
    "superseded": "superseded",
    "subsumed": "subsumed",
    "duplicate_origin": "duplicate",
}

# How many origin names a headline spells out before "and N more".
_NAMED_ORIGINS = 4


# ----------------------------------------------------------------------------------------------
# Words and numbers, shared with explain


class Dated(Protocol):
    """Anything with a window of days: a :class:`Scope` or a report's :class:`Window`."""

    @property
    def start(self) -> date | None: ...
    @property
    def end(self) -> date | None: ...
    @property
    def cumulative(self) -> bool: ...


def count_text(value: int) -> str:
    return f"{value:,}"


def range_text(low: int, high: int) -> str:
    """``880–1,178``: always both ends, so a range is never mistaken for a point."""
    return f"{low:,}–{high:,}"


def claimed_text(low: int | None, high: int | None) -> str:
    if low is None or high is None:
        return ""
    return count_text(low) if low == high else range_text(low, high)


def day_text(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _span_ends(start: date, end: date) -> tuple[str, str]:
    """The two ends of a span of days, without repeating a shared month or year."""
    if (start.year, start.month) == (end.year, end.month):
        return str(start.day), day_text(end)
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]}", day_text(end)
    return day_text(start), day_text(end)


def period_text(window: Dated) -> str:
    """A window in words for a table cell: ``6–8 Mar 2025``, ``as of 8 Mar 2025``."""
    if window.end is None:
        return "as of an unknown date" if window.cumulative else "unknown dates"
    if window.start is None:
        # A cumulative count with no known beginning: everything up to that day.
        return f"as of {day_text(window.end)}"
    if window.start == window.end:
        return day_text(window.end)
    first, last = _span_ends(window.start, window.end)
    # "28 Feb – 3 Mar" needs spaces around the dash to read as one span, "6–8 Mar" does not.
    dash = " – " if " " in first else "–"
    return f"{first}{dash}{last}"


def period_phrase(window: Dated) -> str:
    """A window as part of a sentence: ``as of 8 Mar 2025``, ``from 6 to 8 Mar 2025``."""
    if window.end is not None and window.start is not None:
        if window.start == window.end:
            return f"on {day_text(window.end)}"
        first, last = _span_ends(window.start, window.end)
        return f"from {first} to {last}"
    return period_text(window)


def what_text(estimate: Estimate) -> str:
    """Who was counted; the outcome only when it is not the usual ``killed``."""
    scope = estimate.scope
    if scope.outcome is Outcome.KILLED:
        return scope.category_path
    return f"{scope.category_path} ({scope.outcome})"


def _counted(scope: Scope) -> str:
    """``civilians killed``, or just ``killed`` for everyone."""
    if scope.category_path == ROOT_CATEGORY:
        return str(scope.outcome)
    return f"{scope.category_path} {scope.outcome}"


def scope_words(estimate: Estimate) -> str:
    """``civilians killed, Syria/Coast, as of 8 Mar 2025``."""
    scope = estimate.scope
    return f"{_counted(scope)}, {scope.place_path or 'everywhere'}, {period_text(scope)}"


def flag_words(flags: Sequence[str]) -> str:
    return ", ".join(FLAG_WORDS.get(flag, flag.replace("_", " ")) for flag in flags)


def _origin_names(estimate: Estimate) -> str:
    names = list(estimate.origin_names[:_NAMED_ORIGINS])
    hidden = len(estimate.origin_names) - len(names)
    if hidden:
        names.append(f"and {hidden} more")
    return ", ".join(names)


def _basis(estimate: Estimate) -> str:
    """The sentence on the evidence behind a figure; never omitted (statistics.md section 9)."""
    if estimate.origins == 0:
        return "No report covers this scope directly: the figure is derived from related ones"
    # single_source is spelled out: many outlets relaying one origin are not confirmation.
    single = "single_source" in estimate.flags
    noun = "source" if estimate.origins == 1 else "sources"
    text = f"Based on {'only ' if single else ''}{estimate.origins} independent {noun}"
    names = _origin_names(estimate)
    if names:
        text += f" ({names})"
    return text + (", not confirmed by any other" if single else "")


def headline(estimate: Estimate) -> str:
    """``Best estimate 1,018 killed as of 8 Mar 2025 (likely range 880–1,178; 80%). Based on…``"""
    scope = estimate.scope
    where = f" in {scope.place_path}" if scope.place_path else ""
    what = f"{_counted(scope)}{where} {period_phrase(scope)}"
    likely = range_text(estimate.low, estimate.high)
    text = (
        f"Best estimate {count_text(estimate.best)} {what} (likely range {likely}; 80%). "
        f"{_basis(estimate)}"
    )
    return text + ("; see flags." if estimate.flags else ".")


def top_estimate(result: Reconciliation) -> Estimate | None:
    return min(result.estimates, key=lambda e: e.rank, default=None)


# ----------------------------------------------------------------------------------------------
# Data formats


def estimate_records(result: Reconciliation) -> list[dict[str, Any]]:
    """The contract's rows, in rank order as the engine gave them."""
    return result.records()


def write_estimates(
    result: Reconciliation,
    fmt: str,
    stream: IO[str],
    *,
    excel_safe: bool = True,
    version: str,
) -> None:
    """Write the estimates in one of :data:`ESTIMATE_FORMATS` (contract.md section 2)."""
    if fmt in ("csv", "tsv"):
        maker = _delimited_rows(fmt, excel_safe)
        lines = result.lines(maker)
        if lines is not None:
            write_ranked_lines(lines, ESTIMATE_FIELDS, stream, delimiter=maker.delimiter)
            return
        write_delimited_columns(
            result.columns(), ESTIMATE_FIELDS, stream,
            delimiter=maker.delimiter, excel_safe=excel_safe,
        )  # fmt: skip
        return
    records = estimate_records(result)
    if fmt == "json":
        document = {"tally_version": version, "estimates": records, "notes": list(result.notes)}
        write_json(document, stream)
    elif fmt == "ndjson":
        write_ndjson(records, stream)
    elif fmt == "markdown":
        write_estimates_markdown(result, stream)
    else:
        raise ValueError(f"unknown estimates format {fmt!r}; expected one of {ESTIMATE_FORMATS}")


MARKDOWN_HEADER: tuple[str, ...] = (
    "rank",
    "scope",
    "best estimate",
    "80% range",
    "95% range",
    "claimed (min–max)",
    "origins",
    "flags",
)


def markdown_records(result: Reconciliation) -> list[dict[str, Any]]:
    """One row per estimate in words for a story, keyed by :data:`MARKDOWN_HEADER`."""
    return [
        {
            "rank": e.rank,
            "scope": scope_words(e),
            "best estimate": count_text(e.best),
            "80% range": range_text(e.low, e.high),
            "95% range": range_text(e.low95, e.high95),
            "claimed (min–max)": claimed_text(e.claimed_min, e.claimed_max),
            "origins": e.origins,
            "flags": flag_words(e.flags),
        }
        for e in result.estimates
    ]


def write_estimates_markdown(result: Reconciliation, stream: IO[str]) -> None:
    write_markdown(markdown_records(result), MARKDOWN_HEADER, stream)
    if result.notes:
        stream.write("\n")
        for note in result.notes:
            stream.write(f"- {markdown_cell(note)}\n")


# ----------------------------------------------------------------------------------------------
# The range bar: a forest plot in text


@dataclass(frozen=True, slots=True)
class BarScale:
    """The shared axis of every row's bar: ``low`` to ``high``, linear or on log(1 + n)."""

    low: int
    high: int
    log: bool

    def _at(self, value: int) -> float:
        return math.log1p(value) if self.log else float(value)

    def position(self, value: int, width: int) -> int:
        """The cell of ``value``: cell i holds the i-th of ``width`` equal slices of the axis."""
        span = self._at(self.high) - self._at(self.low)
        if span <= 0:
            # Every row is one and the same number: put it in the middle, not at an edge.
            return width // 2
        share = (self._at(value) - self._at(self.low)) / span
        return min(width - 1, max(0, math.floor(share * width)))

    def describe(self) -> str:
        axis = f"bars run from {count_text(self.low)} to {count_text(self.high)}"
        return axis + (" on a log scale" if self.log else "")


def bar_scale(estimates: Sequence[Estimate]) -> BarScale:
    """One axis for all rows; log1p when counts span more than :data:`LOG_SCALE_RATIO`×."""
    low = min((e.low95 for e in estimates), default=0)
    high = max((e.high95 for e in estimates), default=0)
    return BarScale(low, high, log=high / max(1, low) > LOG_SCALE_RATIO)


def range_bar(estimate: Estimate, scale: BarScale, width: int = BAR_WIDTH) -> str:
    """``   ───━━━●━━━────   ``: the 95% range, the 80% range over it, the best estimate on top."""
    cells = [" "] * width
    layers = (
        (estimate.low95, estimate.high95, BAR_95),
        (estimate.low, estimate.high, BAR_80),
        (estimate.best, estimate.best, BAR_BEST),
    )
    for low, high, mark in layers:
        for cell in range(scale.position(low, width), scale.position(high, width) + 1):
            cells[cell] = mark
    return "".join(cells)


# ----------------------------------------------------------------------------------------------
# The table for people


def _safe(text: str, style: str = "") -> Text:
    from rich.text import Text

    # Text() is never parsed as markup; terminal_text() stops control characters and bidi tricks.
    return Text(terminal_text(text), style=style)


def _estimates_grid(result: Reconciliation, scale: BarScale, width: int) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, highlight=False, pad_edge=False, show_edge=False)
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("what", overflow="fold")
    table.add_column("where", overflow="fold")
    table.add_column("when", overflow="fold")
    table.add_column("best", justify="right", no_wrap=True)
    table.add_column("80% range", justify="right", no_wrap=True)
    bar_header = "range"
    if scale.log:
        # The header never widens the fixed-width bar column, so it must fit inside it.
        bar_header = "range (log scale)" if width >= len("range (log scale)") else "log scale"
    table.add_column(bar_header, width=width, no_wrap=True, overflow="crop")
    table.add_column("origins", justify="right", no_wrap=True)
    table.add_column("flags", overflow="fold")
    for e in result.estimates:
        table.add_row(
            Text(str(e.rank)),
            _safe(what_text(e)),
            _safe(e.scope.place_path or "everywhere"),
            Text(period_text(e.scope)),
            Text(count_text(e.best), style="bold"),
            Text(range_text(e.low, e.high)),
            Text(range_bar(e, scale, width)),
            Text(str(e.origins)),
            _safe(flag_words(e.flags), style="yellow"),
        )
    return table


def _bar_width(result: Reconciliation, scale: BarScale, console: Console) -> int:
    """The widest bar, up to :data:`BAR_WIDTH`, that leaves the text columns their natural width.

    A cropped bar would mislead and folded place names are hard to read, so the bar gives way.
    """
    from rich.measure import Measurement

    narrow = _estimates_grid(result, scale, MIN_BAR_WIDTH)
    natural = Measurement.get(console, console.options, narrow).maximum
    return max(MIN_BAR_WIDTH, min(BAR_WIDTH, MIN_BAR_WIDTH + console.width - natural))


def estimates_table(result: Reconciliation, console: Console) -> None:
    """Headline, ranked table with range bars, legend and notes (contract.md section 2)."""
    from rich.text import Text

    top = top_estimate(result)
    if top is None:
        console.print(Text("No estimate: no report could be used."), highlight=False)
    else:
        console.print(_safe(headline(top), style="bold"), highlight=False)
        scale = bar_scale(result.estimates)
        width = _bar_width(result, scale, console)
        console.print(_estimates_grid(result, scale, width), highlight=False)
        console.print(Text(f"{LEGEND} · {scale.describe()}", style="dim"), highlight=False)
    for note in result.notes:
        console.print(_safe(note), highlight=False)
