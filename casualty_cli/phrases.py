"""``tally parse``: how tally reads a phrase, a date, a period or a grade, as plain records."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from casualty_cli.errors import GrammarError
from casualty_cli.grammar.dates import DateOrder, parse_date, parse_period
from casualty_cli.grammar.grades import parse_grade
from casualty_cli.grammar.quantity import parse_quantity
from casualty_cli.model import DateValue, Grade, PeriodValue, Quantity


class Grammar(StrEnum):
    QUANTITY = "quantity"
    DATE = "date"
    PERIOD = "period"
    GRADE = "grade"


@dataclass(frozen=True)
class Reading:
    """One grammar's reading of a phrase: a flat record, ready for any output format."""

    grammar: Grammar
    record: dict[str, Any]


@dataclass(frozen=True)
class PhraseReport:
    """Every reading of one phrase, and why the other grammars refused it."""

    text: str
    readings: tuple[Reading, ...]
    refusals: tuple[tuple[Grammar, GrammarError], ...]

    @property
    def understood(self) -> bool:
        return bool(self.readings)


# Dates look like dates: an ISO-ish year first, a month name, or d/m/y digits.
_DATE_LIKE = re.compile(
    r"^\s*(\d{4}-\d|\d{1,2}[./-]\d{1,2}[./-]\d|\d{4}\s*$)|"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s",
    re.IGNORECASE,
)
_ISO_LIKE = re.compile(r"^\s*\d{4}-\d")
_DATES = frozenset({Grammar.DATE, Grammar.PERIOD})
_GRADE_LIKE = re.compile(r"^\s*([A-Fa-f][1-6]?|0?\.\d+)\s*$")


def read_phrase(
    text: str, *, order: DateOrder | None = None, only: Grammar | None = None
) -> PhraseReport:
    """Try every grammar that could apply (or just ``only``) and report each reading."""
    parsers: dict[Grammar, Callable[[str], Reading]] = {
        Grammar.QUANTITY: _quantity,
        Grammar.DATE: partial(_date, order=order),
        Grammar.PERIOD: partial(_period, order=order),
        Grammar.GRADE: _grade,
    }
    grammars = [only] if only else _candidates(text)
    readings: list[Reading] = []
    refusals: list[tuple[Grammar, GrammarError]] = []
    for grammar in grammars:
        try:
            readings.append(parsers[grammar](text))
        except GrammarError as error:
            refusals.append((grammar, error))
    if not only and len(readings) > 1:
        readings = _without_redundant_period(readings)
        if _ISO_LIKE.match(text):
            # "2025-03" is a month; reading it as the reversed range 3-2025 would be noise.
            readings = [r for r in readings if r.grammar is not Grammar.QUANTITY]
    return PhraseReport(
        text, tuple(readings), _distinct(refusals, date_like=bool(grammars[0] in _DATES))
    )


def _distinct(
    refusals: list[tuple[Grammar, GrammarError]], *, date_like: bool
) -> tuple[tuple[Grammar, GrammarError], ...]:
    """One refusal per reason; for a date-like text, the date grammar's reasons only."""
    if date_like and any(grammar in _DATES for grammar, _ in refusals):
        refusals = [(grammar, error) for grammar, error in refusals if grammar in _DATES]
    seen: set[str] = set()
    kept = []
    for grammar, error in refusals:
        if error.message not in seen:
            seen.add(error.message)
            kept.append((grammar, error))
    return tuple(kept)


def _candidates(text: str) -> list[Grammar]:
    if _GRADE_LIKE.match(text):
        return [Grammar.GRADE, Grammar.QUANTITY]
    if _DATE_LIKE.search(text):
        return [Grammar.DATE, Grammar.PERIOD, Grammar.QUANTITY]
    if "/" in text or ".." in text:
        return [Grammar.PERIOD, Grammar.QUANTITY]
    return [Grammar.QUANTITY]


def _without_redundant_period(readings: list[Reading]) -> list[Reading]:
    """A single date is also a one-day period: show it once, as a date."""
    if any(r.grammar is Grammar.DATE for r in readings):
        return [r for r in readings if r.grammar is not Grammar.PERIOD]
    return readings


def _quantity(text: str) -> Reading:
    return Reading(Grammar.QUANTITY, quantity_record(parse_quantity(text)))


def quantity_record(quantity: Quantity) -> dict[str, Any]:
    low, high = quantity.support
    return {
        "kind": str(quantity.kind),
        "word": quantity.word,
        "value": quantity.value,
        "low": quantity.low,
        "high": quantity.high,
        "kernel": [[c.low, c.high, c.weight] for c in quantity.kernel],
        "support": [low, high],
        "conservative": quantity.conservative,
        "most_likely": quantity.most_likely,
        "notes": list(quantity.notes),
    }


def _date(text: str, *, order: DateOrder | None) -> Reading:
    return Reading(Grammar.DATE, date_record(parse_date(text, order=order)))


def date_record(value: DateValue) -> dict[str, Any]:
    return {
        "kind": str(value.precision),
        "start": value.start.isoformat(),
        "end": value.end.isoformat(),
        "instant": value.instant.isoformat() if value.instant else None,
        "notes": list(value.notes),
    }


def _period(text: str, *, order: DateOrder | None) -> Reading:
    return Reading(Grammar.PERIOD, period_record(parse_period(text, order=order)))


def period_record(value: PeriodValue) -> dict[str, Any]:
    end = value.end.end.isoformat() if value.end else None
    notes = list(value.start.notes) + (list(value.end.notes) if value.end else [])
    if value.end is None:
        notes.append("open end: the window runs to the report's published date")
    return {
        "kind": "window",
        "start": value.start.start.isoformat(),
        "end": end,
        "notes": notes,
    }


def _grade(text: str) -> Reading:
    return Reading(Grammar.GRADE, grade_record(parse_grade(text)))


def grade_record(grade: Grade) -> dict[str, Any]:
    return {
        "kind": "admiralty" if grade.letter else "number",
        "letter": grade.letter,
        "credibility": grade.credibility,
        "q": grade.q,
        "notes": [],
    }
