"""``tally diff``: two sides, reconciled each on its own, compared scope by scope.

The two sides are two sets of reports (two files, or two groups of sources of one file).  A row
per scope that either side reports: what each side said (the phrases as printed), its range,
the difference of the best estimates in both framings ("B is 41% lower than A"; "A is 70%
higher than B"), and a verdict a fact-checker can cite (contract section 3):

- ``same``: the two estimates are identical (same figures, same ranges);
- ``agree``: their 80% ranges overlap;
- ``conflict``: their 80% ranges are disjoint;
- ``only_a`` / ``only_b``: one side says nothing about the scope.

``revisions`` compares two versions of one dataset report by report instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from casualty_cli.engine.families import scope_key
from casualty_cli.errors import TallyError
from casualty_cli.estimates import Reconciliation, Scope
from casualty_cli.model import QuantityKind, ReportTable
from casualty_cli.names import name_key

# The contract's columns (section 3), then tally's additions.
DIFF_FIELDS: tuple[str, ...] = (
    "outcome",
    "category",
    "place",
    "period_start",
    "period_end",
    "a_count",
    "a_low",
    "a_high",
    "b_count",
    "b_low",
    "b_high",
    "difference",
    "verdict",
    "a_best",
    "b_best",
    "b_vs_a",
    "a_vs_b",
    "a_date",
    "b_date",
)


class Verdict(StrEnum):
    CONFLICT = "conflict"
    ONLY_A = "only_a"
    ONLY_B = "only_b"
    AGREE = "agree"
    SAME = "same"

    @property
    def rank(self) -> int:
        """Most serious first: the order of the table."""
        return list(Verdict).index(self)


@dataclass(frozen=True, slots=True)
class Figure:
    """What one side says of one scope: the scope as printed, its estimate, and the phrases
    its reports printed.  Plain values only, so that a side crosses between processes fast."""

    outcome: str
    category: str
    place: str
    start: date | None
    end: date | None
    cumulative: bool
    best: int
    low: int
    high: int
    low95: int
    high95: int
    phrases: str

    @property
    def key(self) -> FigureKey:
        return (
            self.outcome,
            name_key(self.category),
            name_key(self.place),
            self.start,
            self.end,
            self.cumulative,
        )


FigureKey = tuple[str, str, str, date | None, date | None, bool]
Side = dict[FigureKey, Figure]
"""One side's figures, by scope: all a comparison needs."""


def packed(figures: Side) -> list[tuple[Any, ...]]:
    """A side as plain tuples (dates as ordinals): several times faster to pickle."""
    return [
        (
            f.outcome, f.category, f.place,
            f.start.toordinal() if f.start else 0, f.end.toordinal() if f.end else 0,
            f.cumulative, f.best, f.low, f.high, f.low95, f.high95, f.phrases,
        )
        for f in figures.values()
    ]  # fmt: skip


def unpacked(rows: list[tuple[Any, ...]]) -> Side:
    figures: Side = {}
    for outcome, category, place, start, end, *rest in rows:
        figure = Figure(
            outcome,
            category,
            place,
            date.fromordinal(start) if start else None,
            date.fromordinal(end) if end else None,
            *rest,
        )
        figures[figure.key] = figure
    return figures


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One scope, as each side sees it."""

    scope: Figure  # the side whose figure names the row (A's when both have one)
    a: Figure | None
    b: Figure | None
    verdict: Verdict

    @property
    def a_count(self) -> str:
        return self.a.phrases if self.a else ""

    @property
    def b_count(self) -> str:
        return self.b.phrases if self.b else ""

    @property
    def difference(self) -> int | None:
        """B's best estimate less A's."""
        if self.a is None or self.b is None:
            return None
        return self.b.best - self.a.best


@dataclass(frozen=True)
class Comparison:
    """Every row, in scope order."""

    rows: tuple[DiffRow, ...]

    def records(self) -> list[dict[str, Any]]:
        """One mapping per row, keyed by :data:`DIFF_FIELDS` in that order."""
        columns = self.columns()
        return [
            dict(zip(DIFF_FIELDS, row, strict=True))
            for row in zip(*(columns[name] for name in DIFF_FIELDS), strict=True)
        ]

    def columns(self) -> dict[str, list[Any]]:
        """Every field of :data:`DIFF_FIELDS` as a column, in row order, made a column at a time."""
        rows = self.rows
        scopes = [row.scope for row in rows]
        a_side = [row.a for row in rows]
        b_side = [row.b for row in rows]
        both = [(a, b) for a, b in zip(a_side, b_side, strict=True)]
        iso = _IsoDays()
        return {
            "outcome": [scope.outcome for scope in scopes],
            "category": [scope.category for scope in scopes],
            "place": [scope.place for scope in scopes],
            "period_start": [iso[scope.start] for scope in scopes],
            "period_end": [iso[scope.end] for scope in scopes],
            "a_count": [(a.phrases if a else "") or None for a in a_side],
            "a_low": [a.low if a else None for a in a_side],
            "a_high": [a.high if a else None for a in a_side],
            "b_count": [(b.phrases if b else "") or None for b in b_side],
            "b_low": [b.low if b else None for b in b_side],
            "b_high": [b.high if b else None for b in b_side],
            "difference": [b.best - a.best if a and b else None for a, b in both],
            "verdict": [str(row.verdict) for row in rows],
            "a_best": [a.best if a else None for a in a_side],
            "b_best": [b.best if b else None for b in b_side],
            "b_vs_a": [
                relative_text("B", b.best, "A", a.best) if a and b else None for a, b in both
            ],
            "a_vs_b": [
                relative_text("A", a.best, "B", b.best) if a and b else None for a, b in both
            ],
            "a_date": [iso[a.end] if a else None for a in a_side],
            "b_date": [iso[b.end] if b else None for b in b_side],
        }

    def counts(self) -> dict[Verdict, int]:
        found = {verdict: 0 for verdict in Verdict}
        for row in self.rows:
            found[row.verdict] += 1
        return found

    def differs(self, *, fail_on_any: bool = False) -> bool:
        """Whether a script should fail: a conflict or a one-sided row (or any agree)."""
        failing = {Verdict.CONFLICT, Verdict.ONLY_A, Verdict.ONLY_B}
        if fail_on_any:
            failing.add(Verdict.AGREE)
        return any(row.verdict in failing for row in self.rows)


def relative_text(this: str, value: int, other: str, base: int) -> str:
    """``B is 41% lower than A``: ``value`` against ``base``, as a share of ``base``."""
    if value == base:
        return f"{this} equals {other}"
    if base == 0:
        return f"{this} is {value:,}, {other} is 0"
    share = abs(value - base) / base
    direction = "higher" if value > base else "lower"
    return f"{this} is {share:.0%} {direction} than {other}"


def side(result: Reconciliation) -> Side:
    """A reconciliation's figures for the scopes some report names directly (not derived)."""
    columns = result.columns()
    phrases = result.reported_phrases()
    days: dict[str | None, date | None] = {None: None}

    def day(text: str | None) -> date | None:
        if text not in days:
            days[text] = date.fromisoformat(text) if text else None
        return days[text]

    figures: Side = {}
    for row in zip(
        phrases,
        columns["outcome"],
        columns["category"],
        columns["place"],
        columns["period_start"],
        columns["period_end"],
        columns["cumulative"],
        columns["best"],
        columns["low"],
        columns["high"],
        columns["low95"],
        columns["high95"],
        strict=True,
    ):
        said, outcome, category, place, start, end, cumulative, *numbers = row
        if said is None:
            continue
        best, low, high, low95, high95 = numbers
        figure = Figure(
            outcome, category, place, day(start), day(end), cumulative,
            best, low, high, low95, high95, said,
        )  # fmt: skip
        figures[figure.key] = figure
    return figures


def compare(a: Reconciliation, b: Reconciliation, *, nearest: bool = False) -> Comparison:
    """The two sides scope by scope (scopes some report names on either side).

    With ``nearest``, a cumulative figure of A that B lacks at that date is compared with B's
    latest figure at or before it, and the row names both dates.
    """
    return compare_sides(side(a), side(b), nearest=nearest)


def compare_sides(left: Side, right: Side, *, nearest: bool = False) -> Comparison:
    """:func:`compare` of two sides' figures."""
    rows: list[DiffRow] = []
    used: set[FigureKey] = set()
    for key, figure in left.items():
        other = right.get(key)
        if other is not None:
            used.add(key)
        elif nearest:
            other = _latest_before(key, right, used)
            if other is not None:
                used.add(other.key)
        rows.append(DiffRow(figure, figure, other, _verdict(figure, other)))
    for key, figure in right.items():
        if key not in used and key not in left:
            rows.append(DiffRow(figure, None, figure, _verdict(None, figure)))
    rows.sort(key=lambda row: _order(row.scope))
    return Comparison(tuple(rows))


def _latest_before(key: FigureKey, side: Side, used: set[FigureKey]) -> Figure | None:
    outcome, category, place, start, end, cumulative = key
    if not cumulative or end is None:
        return None
    candidates = [
        (figure.end, figure)
        for other, figure in side.items()
        if figure.cumulative
        and figure.end is not None
        and figure.end <= end
        and other[:4] == (outcome, category, place, start)
        and other not in used
    ]
    return max(candidates, key=lambda pair: pair[0])[1] if candidates else None


def _verdict(a: Figure | None, b: Figure | None) -> Verdict:
    if b is None:
        return Verdict.ONLY_A
    if a is None:
        return Verdict.ONLY_B
    if (a.best, a.low, a.high, a.low95, a.high95) == (b.best, b.low, b.high, b.low95, b.high95):
        return Verdict.SAME
    if a.high < b.low or b.high < a.low:
        return Verdict.CONFLICT
    return Verdict.AGREE


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class _IsoDays(dict[date | None, str | None]):
    """Days as ISO text, each written once (a diff of 1M reports names about a hundred days,
    a million times)."""

    def __missing__(self, day: date | None) -> str | None:
        text = self[day] = _iso(day)
        return text


def _order(figure: Figure) -> tuple[object, ...]:
    return (
        figure.outcome,
        figure.category,
        figure.place,
        figure.start.toordinal() if figure.start else 0,
        figure.end.toordinal() if figure.end else 0,
        figure.cumulative,
    )


# --- two sides of one file ----------------------------------------------------------------------


def split_sources(
    table: ReportTable, a_sources: Sequence[str], b_sources: Sequence[str]
) -> tuple[ReportTable, ReportTable]:
    """The reports of the sources named for each side (``--a``/``--b``), as two tables."""
    known = {name_key(name): name for name in table.source.levels}
    sides = []
    for option, wanted in (("--a", a_sources), ("--b", b_sources)):
        keys = {name_key(name) for name in wanted}
        missing = sorted(name for name in wanted if name_key(name) not in known)
        if missing:
            listed = ", ".join(sorted(set(table.source.levels))) or "none"
            raise TallyError(
                f"{option}: no report from {', '.join(repr(m) for m in missing)}",
                hint=f"the sources in the input are: {listed}",
                code="unknown-source",
            )
        rows = [row for row in range(len(table)) if name_key(table.source[row]) in keys]
        sides.append(table.take(rows))
    return sides[0], sides[1]


# --- revisions ----------------------------------------------------------------------------------

REVISION_FIELDS: tuple[str, ...] = (
    "report",
    "source",
    "outcome",
    "category",
    "place",
    "period_start",
    "period_end",
    "old_count",
    "new_count",
    "difference",
    "change",
)


class Change(StrEnum):
    REVISED_DOWN = "revised_down"
    REVISED_UP = "revised_up"
    REWORDED = "reworded"
    REMOVED = "removed"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class Revision:
    """One report as two versions of a dataset hold it."""

    report: str
    source: str
    scope: Scope
    old_count: str | None
    new_count: str | None
    old_value: int | None
    new_value: int | None
    change: Change

    def record(self) -> dict[str, Any]:
        scope = self.scope
        difference = None
        if self.old_value is not None and self.new_value is not None:
            difference = self.new_value - self.old_value
        return {
            "report": self.report,
            "source": self.source,
            "outcome": str(scope.outcome),
            "category": scope.category_path,
            "place": scope.place_path,
            "period_start": scope.start.isoformat() if scope.start else None,
            "period_end": scope.end.isoformat() if scope.end else None,
            "old_count": self.old_count,
            "new_count": self.new_count,
            "difference": difference,
            "change": str(self.change),
        }


def revisions(old: ReportTable, new: ReportTable) -> list[Revision]:
    """What changed between two versions, report by report: new, removed, revised, reworded.

    Reports are matched by ``id`` when both versions give every report one and share some, else
    by source and scope (the latest publication of each).  Unchanged reports are not listed.
    """
    # Ids match versions only when the versions share them (an export that stamps its own
    # version into each id does not): otherwise source and scope do.
    by_id = (
        _all_have_ids(old)
        and _all_have_ids(new)
        and not set(old.ids.levels).isdisjoint(new.ids.levels)
    )
    before, after = _keyed(old, by_id=by_id), _keyed(new, by_id=by_id)
    found: list[Revision] = []
    for key in sorted(before.keys() | after.keys(), key=str):
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and was.text == now.text:
            continue
        found.append(_revision(key, was, now))
    return found


@dataclass(frozen=True, slots=True)
class _Version:
    text: str
    value: int
    source: str
    scope: Scope


def _all_have_ids(table: ReportTable) -> bool:
    return len(table) > 0 and all(table.ids.levels[code] for code in set(table.ids.codes))


def _keyed(table: ReportTable, *, by_id: bool) -> dict[object, _Version]:
    latest: dict[object, tuple[tuple[object, ...], _Version]] = {}
    for report in table:
        scope = Scope(
            report.outcome,
            report.category,
            report.place,
            report.window.start,
            report.window.end,
            report.window.cumulative,
        )
        key: object = report.id if by_id else (name_key(report.source), scope_key(scope))
        quantity = report.count
        value = quantity.value if quantity.value is not None else quantity.low
        if quantity.kind is QuantityKind.RANGE and quantity.high is not None:
            value = (quantity.low + quantity.high) // 2
        when = (report.published.end.toordinal() if report.published else 0, report.location.line)
        version = _Version(quantity.text, value, report.source, scope)
        if key not in latest or when >= latest[key][0]:
            latest[key] = (when, version)
    return {key: version for key, (_, version) in latest.items()}


def _revision(key: object, was: _Version | None, now: _Version | None) -> Revision:
    shown = now or was
    assert shown is not None  # noqa: S101  (a key comes from one side at least)
    label = key if isinstance(key, str) else f"{shown.source}: {shown.scope.describe()}"
    if was is None:
        change = Change.NEW
    elif now is None:
        change = Change.REMOVED
    elif now.value > was.value:
        change = Change.REVISED_UP
    elif now.value < was.value:
        change = Change.REVISED_DOWN
    else:
        change = Change.REWORDED
    return Revision(
        report=label,
        source=shown.source,
        scope=shown.scope,
        old_count=was.text if was else None,
        new_count=now.text if now else None,
        old_value=was.value if was else None,
        new_value=now.value if now else None,
        change=change,
    )


def revision_counts(found: Iterable[Revision]) -> dict[Change, int]:
    counts: dict[Change, int] = defaultdict(int)
    for revision in found:
        counts[revision.change] += 1
    return {change: counts[change] for change in Change}
