"""Choosing estimates by category, place and period (``tally explain --category ...``)."""

from __future__ import annotations

from datetime import date

from casualty_cli.errors import GrammarError, TallyError
from casualty_cli.estimates import Estimate, Reconciliation
from casualty_cli.grammar.dates import parse_period
from casualty_cli.model import ROOT_CATEGORY
from casualty_cli.names import name_key, split_path


def _path_key(text: str, *, what: str) -> tuple[str, ...]:
    parts = split_path(text, what=what)
    if what == "category" and parts and name_key(parts[0]) == ROOT_CATEGORY:
        parts = parts[1:]
    return tuple(map(name_key, parts))


def select(
    result: Reconciliation,
    *,
    category: str | None = None,
    place: str | None = None,
    period: str | None = None,
) -> Reconciliation:
    """The estimates of ``result`` that match every criterion given (all of them if none)."""
    if category is None and place is None and period is None:
        return result
    chosen = list(result.estimates)
    if category is not None:
        wanted = _path_key(category, what="category")
        chosen = [e for e in chosen if tuple(map(name_key, e.scope.category)) == wanted]
    if place is not None:
        wanted = _path_key(place, what="place")
        chosen = [e for e in chosen if tuple(map(name_key, e.scope.place)) == wanted]
    if period is not None:
        chosen = _in_period(chosen, period)
    if not chosen:
        raise TallyError(
            "no estimate matches " + _criteria(category, place, period),
            hint="run tally reconcile to see the categories, places and periods there are",
            code="no-match",
        )
    return result.with_estimates(chosen)


def target_window(text: str) -> tuple[date, date]:
    """The first and last day of ``--period START/END`` (a day or a month alone is a window)."""
    try:
        window = parse_period(text)
    except GrammarError as error:
        raise TallyError(f"--period: {error.message}", hint=error.hint, code=error.code) from None
    if window.end is None:
        raise TallyError(
            f"--period {text!r} has no end",
            hint="give both ends, e.g. --period 2025-03-06/2025-03-08",
            code="period-open",
        )
    return window.start.start, window.end.end


def _in_period(estimates: list[Estimate], text: str) -> list[Estimate]:
    try:
        window = parse_period(text)
    except GrammarError as error:
        raise TallyError(f"--period: {error.message}", hint=error.hint, code=error.code) from None
    start = window.start.start
    end = window.end.end if window.end else None
    return [
        e
        for e in estimates
        if e.scope.end is not None
        and start <= e.scope.end
        and (end is None or e.scope.end <= end)
        and (e.scope.cumulative or e.scope.start is None or e.scope.start >= start)
    ]


def _criteria(category: str | None, place: str | None, period: str | None) -> str:
    parts = []
    if category is not None:
        parts.append(f"category {category!r}")
    if place is not None:
        parts.append(f"place {place!r}")
    if period is not None:
        parts.append(f"period {period!r}")
    return " and ".join(parts)
