"""Dates and periods as reporters print them, read without guessing.

dateutil's ``parse`` fills whatever is missing from today's date, reads ``2025-03-07`` as 3 July
under ``dayfirst`` and turns a count into a year in fuzzy mode (conventions.md 4.5 and 6.3).  This
grammar reads a closed list of forms instead: ISO 8601 first and always, English month names,
and numeric dates whose day/month order is either forced by the numbers or declared by the user.
Anything else is refused with a reason and a fix; no result depends on the day the program runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import lru_cache

from casualty_cli.errors import GrammarError
from casualty_cli.grammar.digits import fold_digits, reject_format_characters
from casualty_cli.model import DatePrecision, DateValue, PeriodValue


class DateOrder(StrEnum):
    """How a numeric date such as ``03/07/2025`` orders its day and month (``--date-order``)."""

    DMY = "dmy"
    MDY = "mdy"
    YMD = "ymd"


MIN_YEAR = 1000
MAX_YEAR = 2999

# The loader parses each distinct string once; a million rows of date-times can all be distinct.
_CACHE_SIZE = 1 << 20
# Hostile input: a 1 MiB cell must not cost a regex scan per "/" it contains.
_MAX_DATE_LENGTH = 64
_MAX_PERIOD_LENGTH = 2 * _MAX_DATE_LENGTH + 8

ISO_HINT = "give an ISO date such as 2025-03-07"
PERIOD_HINT = (
    "give a date (2025-03-07), a month (2025-03), a year (2025) "
    "or a window START/END such as 2025-03-06/2025-03-08"
)

# Our own English names: calendar.month_name follows the process locale.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_MONTH_WORDS: dict[str, int] = {
    **{name.lower(): number for number, name in enumerate(MONTH_NAMES, 1)},
    **{name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, 1)},
    "sept": 9,
}
_WEEKDAY_WORDS: dict[str, int] = {
    **{name.lower(): number for number, name in enumerate(WEEKDAY_NAMES)},
    **{name[:3].lower(): number for number, name in enumerate(WEEKDAY_NAMES)},
    "tues": 1,
    "wed": 2,
    "thur": 3,
    "thurs": 3,
}
# Words that only mean something relative to the day they were written.
_RELATIVE_WORDS = frozenset(
    "yesterday today tomorrow tonight now last next this ago night morning evening afternoon "
    "noon midnight weekend recently earlier".split()
)

_ORDER_NAMES = {
    DateOrder.DMY: "day-month-year",
    DateOrder.MDY: "month-day-year",
    DateOrder.YMD: "year-month-day",
}

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:[Tt ](?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:[.,](?P<f>[0-9]{1,9}))?)?"
    r"(?P<z>[Zz]|[+-](?P<zh>[0-9]{2})(?::?(?P<zm>[0-9]{2}))?)?)?)?)?"
)
_NUMERIC = re.compile(r"(?P<a>[0-9]+)(?P<sep>[/.-])(?P<b>[0-9]+)(?:(?P=sep)(?P<c>[0-9]+))?")
_BARE_NUMBER = re.compile(r"[0-9]+")
_TIME_OF_DAY = re.compile(
    r"[0-9]{1,2}(?:[:.h][0-9]{2}){1,2} ?(?:[ap]\.?m\.?)?|[0-9]{1,2} ?[ap]\.?m\.?"
)
_TOKEN = re.compile(
    r"(?P<num>[0-9]+)(?P<ord>st|nd|rd|th)?(?![a-z])|(?P<word>[a-z]+)|(?P<sep>[ ,./-]+)"
)
_DANGLING = ("/", "-", ",", "..")
_ISO_WINDOW = re.compile(
    r"(?P<start>[0-9]{4}(?:-[0-9]{2}){0,2}) ?(?:/|\.\.) ?(?P<end>[0-9]{4}(?:-[0-9]{2}){0,2})?"
)


@dataclass(frozen=True, slots=True)
class _Span:
    """What a reader found, before the text and the digit-script notes are attached."""

    start: date
    end: date
    precision: DatePrecision
    instant: datetime | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "month", "weekday", or "skip" for filler words
    value: int
    digits: int = 0
    ordinal: bool = False

    @property
    def year_like(self) -> bool:
        return self.kind == "num" and self.digits >= 3 and not self.ordinal


# --- public API ---------------------------------------------------------------------------------


def parse_date(text: str, *, order: DateOrder | None = None) -> DateValue:
    """Read one date, month, year or ISO date-time; raise GrammarError with a fix otherwise.

    ``order`` resolves numeric dates such as ``03/07/2025`` whose numbers allow two readings;
    it never applies to ISO dates.
    """
    return _parse_date(text, order)


def parse_period(text: str, *, order: DateOrder | None = None) -> PeriodValue:
    """Read a ``period`` field: ``START/END``, ``START..END``, ``START/`` or one date alone."""
    return _parse_period(text, order)


def clear_caches() -> None:
    """Forget every cached parse (tests and long-lived processes)."""
    _parse_date.cache_clear()
    _parse_period.cache_clear()


# --- dates --------------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_date(text: str, order: DateOrder | None) -> DateValue:
    stripped = text.strip()
    if not stripped:
        raise GrammarError("the date is empty", code="date-empty", value=text, hint=ISO_HINT)
    fast = _iso_day_fast(stripped)
    if fast is not None:
        return fast
    if len(stripped) > _MAX_DATE_LENGTH:
        raise _unparsed(stripped, f"{len(stripped)} characters is too long for a date")
    if stripped.isascii():
        # No ASCII character is a format character or a non-ASCII digit: skip both scans.
        notes: tuple[str, ...] = ()
        normal = " ".join(stripped.split())
    else:
        reject_format_characters(stripped)
        folded = fold_digits(stripped)
        normal, notes = " ".join(folded.text.split()), _script_notes(folded.scripts)
    span = _read(normal, stripped, order)
    return DateValue(
        stripped, span.start, span.end, span.precision, span.instant, notes + span.notes
    )


def _iso_day_fast(text: str) -> DateValue | None:
    # Most dates in bulk input are plain YYYY-MM-DD: skip digit folding and the other readers.
    if len(text) != 10 or not _ISO_DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None  # the full reader says what is impossible about it
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    return DateValue(text, day, day, DatePrecision.DAY)


def _read(normal: str, text: str, order: DateOrder | None) -> _Span:
    for reader in (_read_iso, _read_numeric, _read_bare, _read_time, _read_named):
        span = reader(normal, text, order)
        if span is not None:
            return span
    raise _unparsed(text, "not a date tally can read")


def _read_iso(normal: str, text: str, order: DateOrder | None) -> _Span | None:
    match = _ISO.fullmatch(normal)
    if match is None:
        return None
    year = int(match["y"])
    _check_year(year, text)
    if match["m"] is None:
        return _year_span(year)
    month = int(match["m"])
    if match["d"] is None:
        _check_month(month, text)
        return _month_span(year, month)
    if match["H"] is not None and not match["f"]:
        # The regex has vetted the shape; the C parser is several times faster than ours.
        with suppress(ValueError):
            instant = datetime.fromisoformat(normal)
            return _Span(instant.date(), instant.date(), DatePrecision.INSTANT, instant)
    day = _make_date(year, month, int(match["d"]), text)
    if match["H"] is None:
        return _Span(day, day, DatePrecision.DAY)
    return _Span(day, day, DatePrecision.INSTANT, _make_instant(day, match, text))


def _make_instant(day: date, match: re.Match[str], text: str) -> datetime:
    hour, minute = int(match["H"]), int(match["M"])
    second = int(match["S"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0")[:6])
    if hour > 23 or minute > 59 or second > 59:
        raise _impossible(text, f"{match['H']}:{match['M']} is not a time of day (00:00-23:59)")
    return datetime(
        day.year, day.month, day.day, hour, minute, second, micro, tzinfo=_zone(match, text)
    )


def _zone(match: re.Match[str], text: str) -> tzinfo | None:
    if match["z"] is None:
        return None
    if match["z"] in "Zz":
        return UTC
    zone = _offset_zone(match["z"][0], int(match["zh"]), int(match["zm"] or 0))
    if zone is None:
        raise _impossible(text, f"{match['z']} is not a UTC offset")
    return zone


@lru_cache(maxsize=4096)
def _offset_zone(sign: str, hours: int, minutes: int) -> timezone | None:
    # A file of date-times uses a handful of offsets: build each timezone once.
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if sign == "-" else offset)


def _read_numeric(normal: str, text: str, order: DateOrder | None) -> _Span | None:
    match = _NUMERIC.fullmatch(normal)
    if match is None:
        return None
    if match["c"] is None:
        return _numeric_month(match["a"], match["b"], text)
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) in (3, 4) and len(b) <= 2 and len(c) <= 2:
        _check_year(int(a), text)
        day = _make_date(int(a), int(b), int(c), text)
        return _Span(day, day, DatePrecision.DAY)
    if len(c) in (3, 4) and len(a) <= 2 and len(b) <= 2:
        _check_year(int(c), text)
        return _day_month(int(a), int(b), int(c), text, order)
    if max(len(a), len(b), len(c)) <= 2:
        raise _two_digit_year(text)
    return None


def _numeric_month(a: str, b: str, text: str) -> _Span | None:
    """``2025/3``, ``03.2025``: a month when one side is a year; no year is a missing year."""
    if len(a) <= 2 and len(b) <= 2:
        raise _year_missing(text)
    year_text, month_text = (a, b) if len(a) > len(b) else (b, a)
    if len(year_text) not in (3, 4) or len(month_text) > 2:
        return None
    year = int(year_text)
    _check_year(year, text)
    _check_month(int(month_text), text)
    return _month_span(year, int(month_text))


def _day_month(a: int, b: int, year: int, text: str, order: DateOrder | None) -> _Span:
    """Resolve ``a/b/year`` as day-month or month-day, refusing to guess between two dates."""
    readings = {DateOrder.DMY: (b, a), DateOrder.MDY: (a, b)}
    valid = {o: _try_date(year, m, d) for o, (m, d) in readings.items()}
    found = {o: d for o, d in valid.items() if d is not None}
    if not found:
        chosen = order if order in readings else _plausible_reading(a, b)
        month, day = readings[chosen]
        raise _impossible(text, _date_problem(year, month, day) or "no reading is a date")
    if len(set(found.values())) == 1:
        only_order, only_date = next(iter(found.items()))
        notes = () if len(found) == 2 else (_forced_note(only_order, a, b, order),)
        return _Span(only_date, only_date, DatePrecision.DAY, notes=notes)
    if order in found:
        chosen_date = found[order]
        note = f"read as {_ORDER_NAMES[order]} (--date-order {order})"
        return _Span(chosen_date, chosen_date, DatePrecision.DAY, notes=(note,))
    raise _ambiguous(text, found[DateOrder.DMY], found[DateOrder.MDY], order)


def _plausible_reading(a: int, b: int) -> DateOrder:
    # With no valid reading, explain the one whose month at least exists.
    return DateOrder.MDY if 1 <= a <= 12 and not 1 <= b <= 12 else DateOrder.DMY


def _forced_note(chosen: DateOrder, a: int, b: int, order: DateOrder | None) -> str:
    not_month = a if chosen is DateOrder.DMY else b
    note = f"read as {_ORDER_NAMES[chosen]}: {not_month} cannot be a month"
    if order in (DateOrder.DMY, DateOrder.MDY) and order != chosen:
        note += f", although --date-order {order} was given"
    return note


def _read_bare(normal: str, text: str, order: DateOrder | None) -> _Span | None:
    if not _BARE_NUMBER.fullmatch(normal):
        return None
    if len(normal) in (3, 4):
        _check_year(int(normal), text)
        return _year_span(int(normal))
    raise _unparsed(text, "a number alone is not a date")


def _read_time(normal: str, text: str, order: DateOrder | None) -> _Span | None:
    if not _TIME_OF_DAY.fullmatch(normal.lower()):
        return None
    raise GrammarError(
        f"{_quote(text)} is a time of day with no date",
        code="date-relative",
        value=text,
        hint=f"{ISO_HINT}, or a date-time such as 2025-03-07T14:00",
    )


def _read_named(normal: str, text: str, order: DateOrder | None) -> _Span | None:
    """``7 March 2025``, ``March 7, 2025``, ``Mar. 2025``, optionally after a weekday name."""
    if not normal.isascii():
        return None  # str.lower() maps some non-ASCII letters (U+212A KELVIN) to ASCII
    if not normal[0].isalnum() or normal.endswith(_DANGLING):
        return None  # "7 March 2025/" is an open period, not a date
    tokens = _tokens(normal.lower(), text)
    if tokens is None:
        return None
    weekday = None
    if tokens and tokens[0].kind == "weekday":
        weekday, tokens = tokens[0].value, tokens[1:]
    if weekday is not None and not any(t.kind == "month" for t in tokens):
        raise _relative(text, WEEKDAY_NAMES[weekday])
    span = _named_span(tokens, text)
    if span is not None and weekday is not None:
        _check_weekday(span, weekday, text)
    return span


def _tokens(lowered: str, text: str) -> list[_Token] | None:
    tokens: list[_Token] = []
    for match in _token_matches(lowered):
        if match is None:
            return None
        if match["num"]:
            digits = match["num"]
            tokens.append(_Token("num", int(digits), len(digits), bool(match["ord"])))
        elif match["word"]:
            token = _word_token(match["word"], text)
            if token is None:
                return None
            if token.kind != "skip":
                tokens.append(token)
    return tokens


def _token_matches(lowered: str) -> Iterator[re.Match[str] | None]:
    position = 0
    while position < len(lowered):
        match = _TOKEN.match(lowered, position)
        yield match
        if match is None:
            return
        position = match.end()


def _word_token(word: str, text: str) -> _Token | None:
    if word in _MONTH_WORDS:
        return _Token("month", _MONTH_WORDS[word])
    if word in _WEEKDAY_WORDS:
        return _Token("weekday", _WEEKDAY_WORDS[word])
    if word in _RELATIVE_WORDS:
        raise _relative(text, word)
    if word == "of":  # "7th of March 2025"
        return _Token("skip", 0)
    return None


def _named_span(tokens: list[_Token], text: str) -> _Span | None:
    kinds = tuple(t.kind for t in tokens)
    if kinds.count("month") != 1 or "weekday" in kinds or len(tokens) > 3:
        return None
    month = next(t.value for t in tokens if t.kind == "month")
    numbers = [t for t in tokens if t.kind == "num"]
    if not numbers:
        raise _year_missing(text)
    if len(numbers) == 1:
        return _named_month(numbers[0], month, text)
    day, year = _day_and_year(kinds, numbers)
    if day is None or year is None or day.digits > 2:
        return None
    if year.digits <= 2 and not year.ordinal:
        raise _two_digit_year(text)
    if not year.year_like or year.digits > 4:
        return None
    _check_year(year.value, text)
    found = _make_date(year.value, month, day.value, text)
    return _Span(found, found, DatePrecision.DAY)


def _named_month(number: _Token, month: int, text: str) -> _Span | None:
    if not number.year_like:
        raise _year_missing(text)
    if number.digits > 4:
        return None
    _check_year(number.value, text)
    return _month_span(number.value, month)


def _day_and_year(
    kinds: tuple[str, ...], numbers: list[_Token]
) -> tuple[_Token | None, _Token | None]:
    first, second = numbers
    if kinds == ("num", "month", "num"):
        # "7 March 2025", or ISO-like "2025 March 7"
        return (second, first) if first.year_like and not second.year_like else (first, second)
    if kinds == ("month", "num", "num"):
        return first, second
    return None, None


def _check_weekday(span: _Span, weekday: int, text: str) -> None:
    if span.precision is not DatePrecision.DAY:
        raise _unparsed(text, "a weekday goes with a day, not a month")
    actual = span.start.weekday()
    if actual != weekday:
        raise _impossible(
            text,
            f"{_human(span.start)} was a {WEEKDAY_NAMES[actual]}, not a {WEEKDAY_NAMES[weekday]}",
        )


# --- calendar checks ----------------------------------------------------------------------------


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise GrammarError(
            f"{_quote(text)}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}",
            code="date-year-range",
            value=text,
            hint=f"is this a count in a date field? {ISO_HINT}",
        )


def _check_month(month: int, text: str) -> None:
    if not 1 <= month <= 12:
        raise _impossible(text, f"there is no month {month}")


def _days_in_month(year: int, month: int) -> int:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - timedelta(days=1)).day


def _try_date(year: int, month: int, day: int) -> date | None:
    if 1 <= month <= 12 and 1 <= day <= _days_in_month(year, month):
        return date(year, month, day)
    return None


def _make_date(year: int, month: int, day: int, text: str) -> date:
    problem = _date_problem(year, month, day)
    if problem is not None:
        raise _impossible(text, problem)
    return date(year, month, day)


def _date_problem(year: int, month: int, day: int) -> str | None:
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if day == 0:
        return "there is no day 0"
    last = _days_in_month(year, month)
    if day > last:
        return f"{MONTH_NAMES[month - 1]} {year} has {last} days"
    return None


def _year_span(year: int) -> _Span:
    return _Span(date(year, 1, 1), date(year, 12, 31), DatePrecision.YEAR)


def _month_span(year: int, month: int) -> _Span:
    last = _days_in_month(year, month)
    return _Span(date(year, month, 1), date(year, month, last), DatePrecision.MONTH)


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cut:
    """One way to split a period's text at a ``/`` or ``..``, and what came of it."""

    period: PeriodValue | None = None
    error: GrammarError | None = None
    score: tuple[int, int] = (0, 0)

    def unwrap(self) -> PeriodValue:
        if self.period is not None:
            return self.period
        raise self.error or GrammarError("not a period", code="date-unparsed")


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_period(text: str, order: DateOrder | None) -> PeriodValue:
    stripped = text.strip()
    if not stripped:
        raise GrammarError("the period is empty", code="period-empty", value=text, hint=PERIOD_HINT)
    if len(stripped) > _MAX_PERIOD_LENGTH:
        raise _unparsed(stripped, f"{len(stripped)} characters is too long for a period")
    if not stripped.isascii():
        reject_format_characters(stripped)
    iso = _ISO_WINDOW.fullmatch(stripped)
    if iso is not None:
        # The common ISO window: no need to try the whole text as one date first.
        return _window(stripped, iso["start"], iso["end"] or "", order).unwrap()
    try:
        whole = parse_date(stripped, order=order)
    except GrammarError as error:
        return _split_period(stripped, order, error)
    return PeriodValue(stripped, whole, whole)


def _split_period(text: str, order: DateOrder | None, whole_error: GrammarError) -> PeriodValue:
    cuts = [_window(text, left, right, order) for left, right in _cut_points(text)]
    windows = {_bounds(c.period): c.period for c in cuts if c.period is not None}
    if len(windows) == 1:
        return next(iter(windows.values()))
    if len(windows) > 1:
        raise GrammarError(
            f"{_quote(text)} can be split into a window in more than one way",
            code="period-ambiguous",
            value=text,
            hint="write both ends as ISO dates, e.g. 2025-03-06/2025-03-08",
        )
    if _near_miss(whole_error):
        # "03/07/2025" failing as one date is a better report than "03/07" failing as a start.
        raise whole_error
    best = max((c for c in cuts if c.error is not None), key=lambda c: c.score, default=None)
    if best is None or best.error is None or best.score == (0, 0):
        raise GrammarError(
            f"{_quote(text)} is not a date or a period tally can read",
            code="date-unparsed",
            value=text,
            hint=PERIOD_HINT,
        )
    raise best.error


def _cut_points(text: str) -> Iterator[tuple[str, str]]:
    for index, char in enumerate(text):
        if char == "/":
            yield text[:index], text[index + 1 :]
        elif text.startswith("..", index):
            yield text[:index], text[index + 2 :]


def _window(text: str, left: str, right: str, order: DateOrder | None) -> _Cut:
    left, right = left.strip(), right.strip()
    if left in ("", ".."):
        error = GrammarError(
            f"{_quote(text)} has an end but no start",
            code="period-no-start",
            value=text,
            hint="give the first day (2025-03-01/2025-03-07), or leave the period empty "
            "for a count since the start of the incident",
        )
        return _Cut(error=error, score=(3, 3))
    start, start_error = _side(left, "start", text, order)
    if right in ("", ".."):
        if start is None:
            return _Cut(error=start_error, score=(_side_score(start_error), 2))
        return _Cut(PeriodValue(text, start, None))
    end, end_error = _side(right, "end", text, order)
    if start is None or end is None:
        scores = (_side_score(start_error), _side_score(end_error))
        return _Cut(error=start_error or end_error, score=(min(scores), sum(scores)))
    if _reversed(start, end):
        return _Cut(error=_reversed_error(text, start, end), score=(3, 4))
    return _Cut(PeriodValue(text, start, end))


def _side(
    side: str, which: str, text: str, order: DateOrder | None
) -> tuple[DateValue | None, GrammarError | None]:
    try:
        return parse_date(side, order=order), None
    except GrammarError as error:
        wrapped = GrammarError(
            f"{which} of the period: {error.message}", code=error.code, hint=error.hint, value=text
        )
        return None, wrapped


def _side_score(error: GrammarError | None) -> int:
    if error is None:
        return 2
    return 1 if _near_miss(error) else 0


def _near_miss(error: GrammarError) -> bool:
    # A specific complaint (ambiguous, impossible, no year...) means the text was meant as a date.
    return error.code not in ("date-unparsed", "date-empty")


def _reversed(start: DateValue, end: DateValue) -> bool:
    if start.instant is not None and end.instant is not None:
        # Aware and naive date-times cannot be compared; fall back to their days.
        if (start.instant.tzinfo is None) == (end.instant.tzinfo is None):
            return end.instant < start.instant
    return end.end < start.start


def _bounds(period: PeriodValue) -> tuple[date, date | None]:
    return period.start.start, period.end.end if period.end is not None else None


def _reversed_error(text: str, start: DateValue, end: DateValue) -> GrammarError:
    return GrammarError(
        f"{_quote(text)} ends ({end.text}) before it starts ({start.text})",
        code="period-reversed",
        value=text,
        hint="write the earlier date first: START/END",
    )


# --- errors and notes ---------------------------------------------------------------------------


def _quote(text: str) -> str:
    shown = text if len(text) <= 40 else text[:39] + "…"
    return f'"{shown}"'


def _human(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _script_notes(scripts: tuple[str, ...]) -> tuple[str, ...]:
    if not scripts or scripts == ("Ascii",):
        return ()
    names = [s.replace("Ascii", "ASCII") for s in scripts]
    if len(names) == 1:
        return (f"digits in {names[0]} script",)
    return (f"digits in mixed scripts: {', '.join(names)}",)


def _unparsed(text: str, why: str) -> GrammarError:
    return GrammarError(
        f"{_quote(text)}: {why}",
        code="date-unparsed",
        value=text,
        hint=f"{ISO_HINT}, a month such as 2025-03 or 7 March 2025",
    )


def _impossible(text: str, why: str) -> GrammarError:
    return GrammarError(
        f"{_quote(text)} is not a date: {why}", code="date-impossible", value=text, hint=ISO_HINT
    )


def _relative(text: str, word: str) -> GrammarError:
    return GrammarError(
        f"{_quote(text)} is relative ({word!r}): its date depends on when it was written",
        code="date-relative",
        value=text,
        hint=ISO_HINT,
    )


def _year_missing(text: str) -> GrammarError:
    return GrammarError(
        f"{_quote(text)} has no year",
        code="date-year-missing",
        value=text,
        hint=f"add the year in full, or {ISO_HINT}",
    )


def _two_digit_year(text: str) -> GrammarError:
    return GrammarError(
        f"{_quote(text)} has a two-digit year",
        code="date-two-digit-year",
        value=text,
        hint=f"write the year in full (2025, not 25), or {ISO_HINT}",
    )


def _ambiguous(text: str, dmy: date, mdy: date, order: DateOrder | None) -> GrammarError:
    hint = (
        f"give --date-order dmy|mdy: dmy reads {dmy.isoformat()}, mdy reads {mdy.isoformat()}; "
        "or write the date as ISO YYYY-MM-DD"
    )
    if order == DateOrder.YMD:
        hint = f"--date-order ymd does not apply to a year written last; {hint}"
    return GrammarError(
        f"{_quote(text)} is ambiguous: {_human(dmy)} (day-month-year) "
        f"or {_human(mdy)} (month-day-year)",
        code="date-ambiguous",
        value=text,
        hint=hint,
    )
