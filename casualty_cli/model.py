"""Immutable types for what tally reads: quantities, dates, grades, sources and reports.

Every parsed value keeps the text it came from, so that the audit trail can quote the input as
printed.  Reports are held column-wise (:class:`ReportTable`) because a casualty dataset can hold
millions of them; :class:`Report` is a view of one row for the places where people read reports
one at a time (``validate``, ``explain``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from enum import StrEnum
from operator import itemgetter
from typing import Generic, TypeVar, cast, overload

from casualty_cli.errors import Finding, Location
from casualty_cli.names import path_key, place_key


class QuantityKind(StrEnum):
    """How a count was stated; each kind has its own kernel (statistics.md section 2)."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    UP_TO = "up_to"
    FEWER_THAN = "fewer_than"
    NEARLY = "nearly"
    ABOUT = "about"
    RANGE = "range"
    VAGUE = "vague"


@dataclass(frozen=True, slots=True)
class Component:
    """One band of a claim kernel: the count lies in ``[low, high]`` with probability ``weight``.

    An atom has ``low == high``.
    """

    low: int
    high: int
    weight: float


@dataclass(frozen=True, slots=True)
class Quantity:
    """A count as a reporter printed it, and what tally reads it to mean.

    ``value`` is the number stated (``745`` in "at least 745"), ``low``/``high`` the interval the
    words themselves allow (``high`` is None when open-ended), ``kernel`` the claim kernel of
    statistics.md section 2, and ``conservative`` the ACLED-style point figure.
    """

    text: str
    kind: QuantityKind
    value: int | None
    low: int
    high: int | None
    kernel: tuple[Component, ...]
    conservative: int
    most_likely: int | None = None
    word: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def support(self) -> tuple[int, int]:
        """The smallest interval holding every band of the kernel."""
        return min(c.low for c in self.kernel), max(c.high for c in self.kernel)


class DatePrecision(StrEnum):
    INSTANT = "instant"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date as printed and the days it covers.

    A day covers itself; "March 2025" covers 2025-03-01 to 2025-03-31.  ``instant`` holds the
    date-time when a time of day was given (aware if a zone was given).
    """

    text: str
    start: date
    end: date
    precision: DatePrecision
    instant: datetime | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PeriodValue:
    """A ``period`` field as printed: a window with an optional open end.

    ``end`` is None for ``START/`` (the window runs to the report's publication date).
    """

    text: str
    start: DateValue
    end: DateValue | None


@dataclass(frozen=True, slots=True)
class Window:
    """The inclusive days a count covers, resolved against the report and the incident.

    ``start`` is None for a cumulative count with no known beginning; ``end`` is None only when a
    cumulative report has no publication date.  ``cumulative`` marks "as of" counts.
    """

    start: date | None
    end: date | None
    cumulative: bool = False


@dataclass(frozen=True, slots=True)
class Grade:
    """A reliability grade as printed and the probability ``q`` that a claim so graded is valid."""

    text: str
    q: float
    letter: str | None = None
    credibility: int | None = None


class Outcome(StrEnum):
    KILLED = "killed"
    INJURED = "injured"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Source:
    """A source declared in a ``sources:`` mapping (or a ``--sources`` file)."""

    id: str
    name: str | None = None
    grade: Grade | None = None
    aliases: tuple[str, ...] = ()
    location: Location = field(default_factory=Location)


@dataclass(frozen=True, slots=True)
class CategoryNode:
    """A parent category and its disjoint parts; ``complete`` when the parts add up to it."""

    name: str
    parts: tuple[str, ...]
    complete: bool = False
    location: Location = field(default_factory=Location)


@dataclass(frozen=True, slots=True)
class Incident:
    title: str | None = None
    start: date | None = None


# The contract's report fields, in the contract's order (contract.md section 1).
REPORT_FIELDS: tuple[str, ...] = (
    "source",
    "via",
    "published",
    "period",
    "place",
    "category",
    "outcome",
    "count",
    "grade",
    "url",
    "quote",
    "notes",
    "id",
)
REQUIRED_FIELDS: tuple[str, ...] = ("source", "count")
ROOT_CATEGORY = "all"
DEFAULT_GRADE_TEXT = "F"


def category_path(category: tuple[str, ...]) -> str:
    """A category as written in output: its path, or ``all`` for the root."""
    return "/".join(category) if category else ROOT_CATEGORY


@dataclass(frozen=True, slots=True)
class Report:
    """One claim, by one source, about one count of people: a row of a :class:`ReportTable`."""

    location: Location
    id: str
    source: str
    via: str | None
    published: DateValue | None
    period: PeriodValue | None
    window: Window
    place: tuple[str, ...]
    category: tuple[str, ...]
    outcome: Outcome
    count: Quantity
    grade: Grade
    url: str | None = None
    quote: str | None = None
    notes: str | None = None

    @property
    def category_path(self) -> str:
        return category_path(self.category)

    @property
    def place_path(self) -> str:
        return "/".join(self.place)


T = TypeVar("T")


@dataclass(frozen=True, slots=True, eq=False)
class Factor(Generic[T]):
    """A column stored as distinct values and one code per row (parse each distinct text once)."""

    levels: tuple[T, ...]
    codes: Sequence[int]

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, row: int) -> T:
        return self.levels[self.codes[row]]


# The columns with many levels whose every level the engine reads (kernels, windows, dates):
# compacting the others would cost more than it saves.
_PER_LEVEL_WORK = frozenset({"count", "window", "published", "place", "category"})


# The columns the engine never reads: only a report's own account (``report``, for explain).
_UNREAD = frozenset({"ids", "period", "url", "quote", "notes"})


class _Picked(Sequence[int]):
    """Codes of some rows of a column, read from the whole column when asked for."""

    def __init__(self, codes: Sequence[int], rows: Sequence[int]) -> None:
        self._codes = codes
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def take(self, pick: Callable[[Sequence[int]], list[int]]) -> _Picked:
        """The codes of the rows ``pick`` takes of these, still read only when asked for."""
        return _Picked(self._codes, pick(self._rows))

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self._codes[row] for row in self._rows[index]]
        return self._codes[self._rows[index]]


def _declared_over(
    places: Mapping[str, CategoryNode], paths: Sequence[tuple[str, ...]]
) -> dict[str, CategoryNode]:
    """The declared breakdowns of places at or above ``paths``: the only ones reports there
    can meet (a breakdown with no report at or below its place adds no scope and no sum)."""
    above = {path_key(path[:n]) for path in paths for n in range(len(path) + 1)}
    return {name: node for name, node in places.items() if place_key(name) in above}


def _picker(rows: Sequence[int]) -> Callable[[Sequence[int]], list[int]]:
    """A function taking ``rows`` of a column: one ``itemgetter`` for every column, which reads
    a part of a million-row table twice as fast as ``map``."""
    if len(rows) < 2:  # itemgetter of one item returns the item, not a tuple
        return lambda column: [column[row] for row in rows]
    getter = itemgetter(*rows)
    return lambda column: list(getter(column))


def _compacted(levels: tuple[T, ...], codes: list[int]) -> Factor[T]:
    used = sorted(set(codes))
    if len(used) == len(levels):
        return Factor(levels, codes)
    renumber = {old: new for new, old in enumerate(used)}
    return Factor(tuple(levels[old] for old in used), list(map(renumber.__getitem__, codes)))


@dataclass(frozen=True, eq=False)
class ReportTable:
    """Every usable report of one load, column by column.

    Text columns hold one string per report (``""`` when absent); parsed columns are factorised.
    ``findings`` lists the warnings met while loading (errors stop the load instead).
    """

    files: tuple[str, ...]
    file_codes: Sequence[int]
    lines: Sequence[int]
    ids: Factor[str]
    source: Factor[str]
    via: Factor[str]
    place: Factor[tuple[str, ...]]
    category: Factor[tuple[str, ...]]
    outcome: Factor[Outcome]
    count: Factor[Quantity]
    grade: Factor[Grade]
    published: Factor[DateValue | None]
    period: Factor[PeriodValue | None]
    window: Factor[Window]
    url: Factor[str]
    quote: Factor[str]
    notes: Factor[str]
    sources: Mapping[str, Source] = field(default_factory=dict)
    categories: Mapping[str, CategoryNode] = field(default_factory=dict)
    # Places declared with their parts, by the parent's path ("Syria/Coast").
    places: Mapping[str, CategoryNode] = field(default_factory=dict)
    incident: Incident = Incident()
    findings: tuple[Finding, ...] = ()

    def __len__(self) -> int:
        return len(self.lines)

    def take(self, rows: Sequence[int], *, compact: bool = False) -> ReportTable:
        """The reports ``rows`` as a table of their own, keeping levels, files and declarations.

        Keeping ``files`` and each row's file code and line keeps every ``location`` the same;
        keeping the levels keeps every parsed value (and kernel) shared, and the codes too.
        ``compact`` keeps only the levels ``rows`` use, in their order, in the columns whose
        every level the engine reads, and only the place breakdowns those rows can meet: that
        work then grows with the rows taken, not with the table.  It also leaves the columns
        the engine never reads to be picked a row at a time, if ever read.
        """
        changes: dict[str, object] = {}
        pick = _picker(rows)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Factor):
                if isinstance(value.codes, _Picked):  # left unread by an earlier take
                    changes[f.name] = Factor(value.levels, value.codes.take(pick))
                    continue
                if compact and f.name in _UNREAD:
                    changes[f.name] = Factor(value.levels, _Picked(value.codes, rows))
                    continue
                codes = pick(value.codes)
                if compact and f.name in _PER_LEVEL_WORK:
                    changes[f.name] = _compacted(value.levels, codes)
                else:
                    changes[f.name] = Factor(value.levels, codes)
        changes["file_codes"] = pick(self.file_codes)
        changes["lines"] = pick(self.lines)
        if compact and self.places:
            # The places the rows name: the levels of their compacted place column.
            taken = cast(Factor[tuple[str, ...]], changes["place"])
            changes["places"] = _declared_over(self.places, taken.levels)
        return replace(self, **changes)  # type: ignore[arg-type]

    def location(self, row: int) -> Location:
        return Location(self.files[self.file_codes[row]], self.lines[row])

    def report(self, row: int) -> Report:
        return Report(
            location=self.location(row),
            id=self.ids[row],
            source=self.source[row],
            via=self.via[row] or None,
            published=self.published[row],
            period=self.period[row],
            window=self.window[row],
            place=self.place[row],
            category=self.category[row],
            outcome=self.outcome[row],
            count=self.count[row],
            grade=self.grade[row],
            url=self.url[row] or None,
            quote=self.quote[row] or None,
            notes=self.notes[row] or None,
        )

    def __iter__(self) -> Iterator[Report]:
        return (self.report(row) for row in range(len(self)))
