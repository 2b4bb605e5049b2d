"""What ``tally reconcile`` returns: one estimate per scope, and the audit trail behind each.

An estimate never travels without its range, its number of independent origins and its
evidence: every report that was read for its scope, what became of it, and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from casualty_cli.errors import Finding
from casualty_cli.model import Component, Outcome, ReportTable, category_path

# The contract's estimate columns, in the contract's order (contract.md section 2).
ESTIMATE_FIELDS: tuple[str, ...] = (
    "rank",
    "outcome",
    "category",
    "place",
    "period_start",
    "period_end",
    "best",
    "low",
    "high",
    "low95",
    "high95",
    "claimed_min",
    "claimed_max",
    "conservative",
    "reports",
    "origins",
    "flags",
)


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """What one estimate counts: an outcome, a category, a place and a window of days.

    ``start`` is None for a cumulative count with no known beginning; ``cumulative`` marks
    counts "as of" ``end`` since the start of the incident.
    """

    outcome: Outcome
    category: tuple[str, ...]
    place: tuple[str, ...]
    start: date | None
    end: date | None
    cumulative: bool = False

    @property
    def category_path(self) -> str:
        return category_path(self.category)

    @property
    def place_path(self) -> str:
        return "/".join(self.place)

    def describe(self) -> str:
        """The scope in words: "killed, civilians, Syria/Coast, 2025-03-06 to 2025-03-08"."""
        parts = [str(self.outcome), self.category_path, self.place_path or "everywhere"]
        parts.append(self.window_text())
        return ", ".join(parts)

    def window_text(self) -> str:
        end = self.end.isoformat() if self.end else "an unknown date"
        if self.cumulative:
            since = f" since {self.start.isoformat()}" if self.start else ""
            return f"as of {end}{since}"
        if self.start == self.end:
            return f"on {end}"
        start = self.start.isoformat() if self.start else "the start"
        return f"{start} to {end}"


class Status(StrEnum):
    """What became of a report (or a derived claim) in one scope."""

    USED = "used"
    SUPERSEDED = "superseded"
    DUPLICATE_ORIGIN = "duplicate_origin"
    SUBSUMED = "subsumed"
    INCONSISTENT = "same_origin_inconsistent"
    DISCOUNTED = "discounted"
    CONTESTED = "contested"

    @property
    def counts(self) -> bool:
        """Whether the claim entered the fusion (discounted and contested ones did, weakly)."""
        return self in (Status.USED, Status.DISCOUNTED, Status.CONTESTED)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One report's part in one estimate.

    ``support`` is the posterior probability that the count lies in the report's band, for
    claims that entered the fusion.  ``reason`` says in words what happened and why.
    """

    row: int
    origin: str
    status: Status
    q: float
    support: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class Derivation:
    """A claim tally made by exact arithmetic on one origin's own reports.

    ``kind`` is ``derived_sum`` (parts of a complete breakdown), ``derived_difference``
    (consecutive cumulative figures) or ``revision_cap`` (a later, lower figure caps an earlier
    one).  ``arithmetic`` is the sum written out: "745 + 125 + 148 = 1,018".
    """

    kind: str
    origin: str
    rows: tuple[int, ...]
    kernel: tuple[Component, ...]
    value: int
    arithmetic: str
    status: Status
    q: float
    support: float | None


@dataclass(frozen=True, slots=True)
class Received:
    """A message a scope took from one of its families (statistics.md 5.3).

    ``kind`` is ``sum`` (its parts' sum, from an exhaustive family), ``floor`` (at least: its
    parts, or its whole less the other parts' highest), ``cap`` (at most: its whole less the
    other parts' lowest) or ``residual`` (its whole less the other parts, for the one part no
    source counted).  ``family`` lists the family's parent first, then its parts.
    """

    kind: str
    dimension: str
    family: tuple[Scope, ...]
    value: int
    low: int
    high: int
    q: float
    support: float | None
    arithmetic: str


@dataclass(frozen=True, slots=True)
class Estimate:
    """The reconciled count of one scope (contract section 2) and its audit trail."""

    rank: int
    scope: Scope
    best: int
    low: int
    high: int
    low95: int
    high95: int
    claimed_min: int | None
    claimed_max: int | None
    conservative: int | None
    reports: int
    origins: int
    flags: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    derivations: tuple[Derivation, ...] = ()
    origin_names: tuple[str, ...] = ()
    received: tuple[Received, ...] = ()

    def record(self) -> dict[str, Any]:
        """The contract's row: plain values in the contract's order (flags as a list)."""
        scope = self.scope
        return {
            "rank": self.rank,
            "outcome": str(scope.outcome),
            "category": scope.category_path,
            "place": scope.place_path,
            "period_start": scope.start.isoformat() if scope.start else None,
            "period_end": scope.end.isoformat() if scope.end else None,
            "best": self.best,
            "low": self.low,
            "high": self.high,
            "low95": self.low95,
            "high95": self.high95,
            "claimed_min": self.claimed_min,
            "claimed_max": self.claimed_max,
            "conservative": self.conservative,
            "reports": self.reports,
            "origins": self.origins,
            "flags": list(self.flags),
        }


def used_phrases(estimate: Estimate, table: ReportTable) -> str | None:
    """The phrases of the reports an estimate used, as printed, in reading order."""
    return evidence_phrases(estimate.evidence, table)


def evidence_phrases(evidence: Sequence[Evidence], table: ReportTable) -> str | None:
    """``used_phrases`` of the estimate with this evidence."""
    if not evidence:
        return None
    used = [ev for ev in evidence if ev.status.counts] or list(evidence)
    return "; ".join(dict.fromkeys(table.count[ev.row].text for ev in used))


EstimateColumns = dict[str, Sequence[Any]]
"""The contract's estimate columns by name (:data:`ESTIMATE_FIELDS`), each a list in rank order;
``flags`` holds one tuple of flag names per row."""

RowText = Callable[[EstimateColumns], list[str]]
"""Each row of some estimate columns as a line of text, without its rank
(``render.records.DelimitedRows``): made where the estimates are, for a writer to merge."""


class Reconciliation:
    """Every estimate, ranked, with the reports they came from and notes for the reader.

    A large reconciliation keeps its estimates as columns and makes the :class:`Estimate`
    objects, with their audit trail, only when something asks for them (the table, ``explain``):
    writing a million rows of CSV needs none of them.  Built from estimates, it is plain.
    """

    __slots__ = (
        "_build", "_columns", "_estimates", "_lines", "_phrases", "findings", "notes", "table"
    )  # fmt: skip

    def __init__(
        self,
        estimates: Sequence[Estimate] | Callable[[], Sequence[Estimate]],
        table: ReportTable,
        notes: tuple[str, ...] = (),
        findings: tuple[Finding, ...] = (),
        *,
        columns: EstimateColumns | Callable[[], EstimateColumns] | None = None,
        phrases: Callable[[], list[str | None]] | None = None,
        lines: tuple[RowText, Sequence[str]] | None = None,
    ) -> None:
        self.table = table
        self.notes = notes
        self.findings = findings
        self._columns = columns
        self._phrases = phrases
        self._lines = lines
        self._estimates: tuple[Estimate, ...] | None = None
        if callable(estimates):
            if columns is None:
                raise ValueError("a lazy Reconciliation needs its columns")
            self._build = estimates
        else:
            self._estimates = tuple(estimates)
            self._build = tuple

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        if self._estimates is None:
            self._estimates = tuple(self._build())
        return self._estimates

    def __len__(self) -> int:
        if self._estimates is not None:
            return len(self._estimates)
        if self._lines is not None:
            return len(self._lines[1])
        return len(self.columns()["rank"])

    def lines(self, maker: RowText) -> Sequence[str] | None:
        """Each row's text after its rank as ``maker`` makes it, if it was made with the
        estimates (an equal maker given to ``reconcile``); else None."""
        if self._lines is not None and self._lines[0] == maker:
            return self._lines[1]
        return None

    def with_estimates(self, estimates: Sequence[Estimate]) -> Reconciliation:
        """The same reconciliation holding only ``estimates`` (a selection, a test's variant)."""
        return Reconciliation(tuple(estimates), self.table, self.notes, self.findings)

    def columns(self) -> EstimateColumns:
        """The contract's columns in rank order, without making an Estimate per row.

        Beside the contract's fields, ``cumulative`` says which windows are "as of" counts.
        """
        if callable(self._columns):
            self._columns = self._columns()
        if self._columns is None:
            records = [estimate.record() for estimate in self.estimates]
            self._columns = {
                name: [r[name] if name != "flags" else tuple(r[name]) for r in records]
                for name in ESTIMATE_FIELDS
            }
            self._columns["cumulative"] = [e.scope.cumulative for e in self.estimates]
        return self._columns

    def reported_phrases(self) -> list[str | None]:
        """Per estimate in rank order, the phrases its reports printed ("745; at least 700"),
        those the estimate used; None for a scope no report names (a sum, a difference)."""
        if self._phrases is not None:
            return self._phrases()
        return [used_phrases(estimate, self.table) for estimate in self.estimates]

    def records(self) -> list[dict[str, Any]]:
        """The contract's rows as mappings (flags as a list), in rank order."""
        columns = self.columns()
        flags_at = ESTIMATE_FIELDS.index("flags")
        records = []
        for row in zip(*(columns[name] for name in ESTIMATE_FIELDS), strict=True):
            record = dict(zip(ESTIMATE_FIELDS, row, strict=True))
            record["flags"] = list(row[flags_at])
            records.append(record)
        return records
