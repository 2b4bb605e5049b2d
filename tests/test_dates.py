"""The date grammar: every accepted and refused form, then properties over generated input."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casualty_cli.errors import GrammarError
from casualty_cli.grammar import dates
from casualty_cli.grammar.dates import (
    MONTH_NAMES,
    DateOrder,
    clear_caches,
    parse_date,
    parse_period,
)
from casualty_cli.model import DatePrecision, DateValue

DAY = DatePrecision.DAY
MONTH = DatePrecision.MONTH
YEAR = DatePrecision.YEAR
INSTANT = DatePrecision.INSTANT
DMY, MDY, YMD = DateOrder.DMY, DateOrder.MDY, DateOrder.YMD


def _d(iso: str) -> date:
    return date.fromisoformat(iso)


# --- accepted dates: (text, order, start, end, precision) ---------------------------------------

ACCEPTED = [
    # ISO, unaffected by the order
    pytest.param("2025-03-07", None, "2025-03-07", "2025-03-07", DAY, id="iso-day"),
    pytest.param("2025-03-07", DMY, "2025-03-07", "2025-03-07", DAY, id="iso-day-dmy-ignored"),
    pytest.param("2025-03-07", MDY, "2025-03-07", "2025-03-07", DAY, id="iso-day-mdy-ignored"),
    pytest.param("  2025-03-07 ", None, "2025-03-07", "2025-03-07", DAY, id="iso-day-padded"),
    pytest.param("2025-03", None, "2025-03-01", "2025-03-31", MONTH, id="iso-month"),
    pytest.param("2024-02", None, "2024-02-01", "2024-02-29", MONTH, id="iso-month-leap-feb"),
    pytest.param("2025-02", None, "2025-02-01", "2025-02-28", MONTH, id="iso-month-feb"),
    pytest.param("2025", None, "2025-01-01", "2025-12-31", YEAR, id="iso-year"),
    pytest.param("2025-03-07T14:00", None, "2025-03-07", "2025-03-07", INSTANT, id="iso-time"),
    pytest.param("2025-03-07 14:00", None, "2025-03-07", "2025-03-07", INSTANT, id="iso-space"),
    pytest.param("2025-03-07T23:30Z", None, "2025-03-07", "2025-03-07", INSTANT, id="iso-utc"),
    pytest.param(
        "2025-03-07T01:00:00+02:00", None, "2025-03-07", "2025-03-07", INSTANT, id="iso-offset"
    ),
    # English month names
    pytest.param("March 2025", None, "2025-03-01", "2025-03-31", MONTH, id="month-year"),
    pytest.param("Feb 2024", None, "2024-02-01", "2024-02-29", MONTH, id="abbr-month-leap"),
    pytest.param("Sept 2025", None, "2025-09-01", "2025-09-30", MONTH, id="sept"),
    pytest.param("sep. 2025", None, "2025-09-01", "2025-09-30", MONTH, id="sep-dot-lower"),
    pytest.param("MARCH, 2025", None, "2025-03-01", "2025-03-31", MONTH, id="month-comma"),
    pytest.param("7 March 2025", None, "2025-03-07", "2025-03-07", DAY, id="d-month-y"),
    pytest.param("March 7, 2025", None, "2025-03-07", "2025-03-07", DAY, id="month-d-comma-y"),
    pytest.param("7 Mar. 2025", None, "2025-03-07", "2025-03-07", DAY, id="d-abbr-dot-y"),
    pytest.param("Mar 7 2025", None, "2025-03-07", "2025-03-07", DAY, id="abbr-d-y"),
    pytest.param("May 17,2019", None, "2019-05-17", "2019-05-17", DAY, id="no-space-after-comma"),
    pytest.param("7th of March 2025", None, "2025-03-07", "2025-03-07", DAY, id="ordinal-of"),
    pytest.param("March 1st, 2025", None, "2025-03-01", "2025-03-01", DAY, id="ordinal"),
    pytest.param("07-Mar-2025", None, "2025-03-07", "2025-03-07", DAY, id="d-mon-y-dashes"),
    pytest.param("2025 March 7", None, "2025-03-07", "2025-03-07", DAY, id="y-month-d"),
    pytest.param("29 February 2024", None, "2024-02-29", "2024-02-29", DAY, id="leap-day"),
    pytest.param("Saturday, 8 March 2025", None, "2025-03-08", "2025-03-08", DAY, id="weekday"),
    pytest.param("Sat 8 Mar 2025", None, "2025-03-08", "2025-03-08", DAY, id="weekday-abbr"),
    # numeric dates: forced readings, then declared orders
    pytest.param("25/03/2025", None, "2025-03-25", "2025-03-25", DAY, id="dmy-forced"),
    pytest.param("03/25/2025", None, "2025-03-25", "2025-03-25", DAY, id="mdy-forced"),
    pytest.param("03/03/2025", None, "2025-03-03", "2025-03-03", DAY, id="same-both-ways"),
    pytest.param("03/07/2025", DMY, "2025-07-03", "2025-07-03", DAY, id="slash-dmy"),
    pytest.param("03/07/2025", MDY, "2025-03-07", "2025-03-07", DAY, id="slash-mdy"),
    pytest.param("04.03.2020", DMY, "2020-03-04", "2020-03-04", DAY, id="german-dots-dmy"),
    pytest.param("03-07-2025", MDY, "2025-03-07", "2025-03-07", DAY, id="dashes-mdy"),
    pytest.param("3/7/2025", DMY, "2025-07-03", "2025-07-03", DAY, id="single-digits"),
    pytest.param("2025/03/07", None, "2025-03-07", "2025-03-07", DAY, id="ymd-slashes"),
    pytest.param("2025/03/07", YMD, "2025-03-07", "2025-03-07", DAY, id="ymd-declared"),
    pytest.param("2025/03/07", DMY, "2025-03-07", "2025-03-07", DAY, id="ymd-beats-dmy"),
    pytest.param("2025.3.7", None, "2025-03-07", "2025-03-07", DAY, id="ymd-dots"),
    pytest.param("03/2025", None, "2025-03-01", "2025-03-31", MONTH, id="numeric-month-year"),
    pytest.param("2025/3", None, "2025-03-01", "2025-03-31", MONTH, id="numeric-year-month"),
    # digits of other scripts
    pytest.param("١٢/٠٣/٢٠٢٥", DMY, "2025-03-12", "2025-03-12", DAY, id="arabic-indic-dmy"),
    pytest.param("١٢/٠٣/٢٠٢٥", MDY, "2025-12-03", "2025-12-03", DAY, id="arabic-indic-mdy"),
    pytest.param("۲۰۲۵-۰۳-۰۷", None, "2025-03-07", "2025-03-07", DAY, id="persian-iso"),
    pytest.param("２０２５-０３", None, "2025-03-01", "2025-03-31", MONTH, id="fullwidth-month"),
    # the edges of the accepted years
    pytest.param("1000-01-01", None, "1000-01-01", "1000-01-01", DAY, id="year-1000"),
    pytest.param("2999-12-31", None, "2999-12-31", "2999-12-31", DAY, id="year-2999"),
]


@pytest.mark.parametrize(("text", "order", "start", "end", "precision"), ACCEPTED)
def test_accepted_date(
    text: str, order: DateOrder | None, start: str, end: str, precision: DatePrecision
) -> None:
    value = parse_date(text, order=order)
    assert (value.start, value.end, value.precision) == (_d(start), _d(end), precision)
    assert value.text == text.strip()
    assert (value.instant is not None) == (precision is INSTANT)


# --- refused dates: (text, order, code) ---------------------------------------------------------

REFUSED = [
    pytest.param("", None, "date-empty", id="empty"),
    pytest.param("   ", None, "date-empty", id="blank"),
    # ambiguity and two-digit years
    pytest.param("03/07/2025", None, "date-ambiguous", id="ambiguous-slash"),
    pytest.param("03.07.2025", None, "date-ambiguous", id="ambiguous-dots"),
    pytest.param("03-07-2025", None, "date-ambiguous", id="ambiguous-dashes"),
    pytest.param("١٢/٠٣/٢٠٢٥", None, "date-ambiguous", id="ambiguous-arabic-indic"),
    pytest.param("03/07/2025", YMD, "date-ambiguous", id="ymd-does-not-resolve-dmy"),
    pytest.param("03/07/25", None, "date-two-digit-year", id="two-digit-year"),
    pytest.param("03/07/25", DMY, "date-two-digit-year", id="two-digit-year-with-order"),
    pytest.param("25/03/07", YMD, "date-two-digit-year", id="two-digit-year-ymd"),
    pytest.param("7 Mar 25", None, "date-two-digit-year", id="two-digit-year-named"),
    # missing years: never a default year
    pytest.param("Oct 7", None, "date-year-missing", id="month-day"),
    pytest.param("7 October", None, "date-year-missing", id="day-month"),
    pytest.param("March", None, "date-year-missing", id="month-alone"),
    pytest.param("27.08", None, "date-year-missing", id="numeric-day-month"),
    pytest.param("03/07", DMY, "date-year-missing", id="numeric-day-month-ordered"),
    # relative and partial input
    pytest.param("yesterday", None, "date-relative", id="yesterday"),
    pytest.param("Today", None, "date-relative", id="today"),
    pytest.param("Saturday", None, "date-relative", id="weekday-alone"),
    pytest.param("last night", None, "date-relative", id="last-night"),
    pytest.param("12:30", None, "date-relative", id="time-alone"),
    pytest.param("7 pm", None, "date-relative", id="time-pm"),
    pytest.param("7", None, "date-unparsed", id="lone-number"),
    pytest.param("20250307", None, "date-unparsed", id="basic-iso-digits"),
    pytest.param("at least 745 killed on 12", None, "date-unparsed", id="phrase-fuzzy-trap"),
    pytest.param("2025-W10", None, "date-unparsed", id="iso-week"),
    pytest.param("7March2025", None, "date-unparsed", id="no-separators"),
    pytest.param("Saturday March 2025", None, "date-unparsed", id="weekday-with-month"),
    pytest.param("2025-03-07T14", None, "date-unparsed", id="hour-only"),
    pytest.param("x" * 200, None, "date-unparsed", id="too-long"),
    pytest.param("7 Mars 2025", None, "date-unparsed", id="french-month"),
    pytest.param("²⁰²⁵", None, "date-unparsed", id="superscript-digits"),
    # impossible dates
    pytest.param("2025-02-30", None, "date-impossible", id="feb-30"),
    pytest.param("2025-02-29", None, "date-impossible", id="feb-29-not-leap"),
    pytest.param("2025-13-01", None, "date-impossible", id="month-13"),
    pytest.param("2025-00-10", None, "date-impossible", id="month-0"),
    pytest.param("2025-03-00", None, "date-impossible", id="day-0"),
    pytest.param("2025-13", None, "date-impossible", id="iso-month-13"),
    pytest.param("31 April 2025", None, "date-impossible", id="april-31-named"),
    pytest.param("31/04/2025", None, "date-impossible", id="april-31-numeric"),
    pytest.param("13/13/2025", DMY, "date-impossible", id="no-reading"),
    pytest.param("2025-03-07T25:00", None, "date-impossible", id="hour-25"),
    pytest.param("2025-03-07T14:00+25:00", None, "date-impossible", id="offset-25h"),
    pytest.param("Friday 8 March 2025", None, "date-impossible", id="wrong-weekday"),
    # years out of range
    pytest.param("745", None, "date-year-range", id="count-as-year"),
    pytest.param("0745-12-01", None, "date-year-range", id="year-745-iso"),
    pytest.param("3000-01-01", None, "date-year-range", id="year-3000"),
    pytest.param("0999", None, "date-year-range", id="year-999"),
    pytest.param("March 0745", None, "date-year-range", id="year-745-named"),
    pytest.param("03/07/0745", DMY, "date-year-range", id="year-745-numeric"),
    # invisible characters
    pytest.param("\u202e2025-03-07", None, "invisible-character", id="rlo"),
    pytest.param("2025-03-\u200b07", None, "invisible-character", id="zero-width-space"),
]


@pytest.mark.parametrize(("text", "order", "code"), REFUSED)
def test_refused_date(text: str, order: DateOrder | None, code: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_date(text, order=order)
    assert caught.value.code == code
    assert caught.value.message
    assert caught.value.hint


# --- the messages say what is wrong -------------------------------------------------------------

MESSAGES = [
    pytest.param("2025-02-30", "February 2025 has 28 days", id="feb-30"),
    pytest.param("2024-02-30", "February 2024 has 29 days", id="feb-30-leap"),
    pytest.param("2025-13-01", "no month 13", id="month-13"),
    pytest.param("2025-00-10", "no month 0", id="month-0"),
    pytest.param("31/04/2025", "April 2025 has 30 days", id="april-31"),
    pytest.param("745", "year 745", id="year-745"),
    pytest.param("Friday 8 March 2025", "was a Saturday", id="weekday"),
]


@pytest.mark.parametrize(("text", "expected"), MESSAGES)
def test_message_names_the_problem(text: str, expected: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_date(text)
    assert expected in caught.value.message


def test_ambiguous_hint_names_both_readings_and_the_option() -> None:
    with pytest.raises(GrammarError) as caught:
        parse_date("03/07/2025")
    hint = caught.value.hint or ""
    assert "2025-07-03" in hint
    assert "2025-03-07" in hint
    assert "--date-order dmy|mdy" in hint


@pytest.mark.parametrize("text", ["yesterday", "12:30", "7", "last night"])
def test_relative_hint_gives_an_iso_example(text: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_date(text)
    assert "2025-03-07" in (caught.value.hint or "")


def test_two_digit_year_hint_says_write_it_in_full() -> None:
    with pytest.raises(GrammarError) as caught:
        parse_date("03/07/25", order=DMY)
    assert "in full" in (caught.value.hint or "")


def test_error_carries_the_value() -> None:
    with pytest.raises(GrammarError) as caught:
        parse_date("2025-02-30")
    assert caught.value.value == "2025-02-30"


# --- instants and notes -------------------------------------------------------------------------

INSTANTS = [
    pytest.param("2025-03-07T14:00", datetime(2025, 3, 7, 14, 0), id="naive"),
    pytest.param("2025-03-07 14:00:30", datetime(2025, 3, 7, 14, 0, 30), id="seconds"),
    pytest.param("2025-03-07T14:00:00.5", datetime(2025, 3, 7, 14, 0, 0, 500000), id="fraction"),
    pytest.param("2025-03-07T14:00Z", datetime(2025, 3, 7, 14, tzinfo=UTC), id="zulu"),
    pytest.param(
        "2025-03-07T14:00:00+02:00",
        datetime(2025, 3, 7, 14, tzinfo=timezone(timedelta(hours=2))),
        id="plus-two",
    ),
    pytest.param(
        "2025-03-07T14:00-0330",
        datetime(2025, 3, 7, 14, tzinfo=timezone(-timedelta(hours=3, minutes=30))),
        id="minus-compact",
    ),
]


@pytest.mark.parametrize(("text", "expected"), INSTANTS)
def test_instant(text: str, expected: datetime) -> None:
    value = parse_date(text)
    assert value.instant == expected
    assert value.instant is not None
    assert value.instant.utcoffset() == expected.utcoffset()
    assert value.start == value.end == expected.date()


def test_instant_keeps_the_date_as_written_not_utc() -> None:
    value = parse_date("2025-03-07T01:00+05:00")
    assert value.start == date(2025, 3, 7)  # 2025-03-06 in UTC


NOTES = [
    pytest.param("03/07/2025", DMY, "read as day-month-year (--date-order dmy)", id="dmy"),
    pytest.param("03/07/2025", MDY, "read as month-day-year (--date-order mdy)", id="mdy"),
    pytest.param("25/03/2025", None, "read as day-month-year: 25 cannot be a month", id="forced"),
    pytest.param("25/03/2025", MDY, "although --date-order mdy was given", id="forced-against"),
    pytest.param("١٢/٠٣/٢٠٢٥", DMY, "digits in Arabic-Indic script", id="arabic-indic"),
    pytest.param("٢٠٢٥-03-07", None, "digits in mixed scripts", id="mixed-scripts"),
]


@pytest.mark.parametrize(("text", "order", "expected"), NOTES)
def test_notes_record_interpretations(text: str, order: DateOrder | None, expected: str) -> None:
    notes = " / ".join(parse_date(text, order=order).notes)
    assert expected in notes


@pytest.mark.parametrize("text", ["2025-03-07", "7 March 2025", "2025-03", "03/03/2025"])
def test_plain_dates_have_no_notes(text: str) -> None:
    assert parse_date(text).notes == ()


# --- periods ------------------------------------------------------------------------------------

PERIODS = [
    pytest.param("2025-03-06/2025-03-08", None, "2025-03-06", "2025-03-08", id="iso-window"),
    pytest.param("2025-03-06 / 2025-03-08", None, "2025-03-06", "2025-03-08", id="spaced"),
    pytest.param("2025-03-06..2025-03-08", None, "2025-03-06", "2025-03-08", id="dots"),
    pytest.param("2025-03/2025-04", None, "2025-03-01", "2025-04-30", id="months"),
    pytest.param("2025-02-10/2025-02", None, "2025-02-10", "2025-02-28", id="month-on-right"),
    pytest.param("2025-02/2025-02-10", None, "2025-02-01", "2025-02-10", id="month-on-left"),
    pytest.param("2024/2025", None, "2024-01-01", "2025-12-31", id="years"),
    pytest.param("2025-03-07/2025-03-07", None, "2025-03-07", "2025-03-07", id="one-day"),
    pytest.param("March 2025/April 2025", None, "2025-03-01", "2025-04-30", id="named-months"),
    pytest.param("6 March 2025/8 March 2025", None, "2025-03-06", "2025-03-08", id="named-days"),
    pytest.param("03/07/2025/05/07/2025", DMY, "2025-07-03", "2025-07-05", id="numeric-dmy"),
    pytest.param("03/07/2025/05/07/2025", MDY, "2025-03-07", "2025-05-07", id="numeric-mdy"),
    pytest.param("3/2025/4/2025", None, "2025-03-01", "2025-04-30", id="numeric-months"),
    pytest.param(
        "2025-03-07T10:00/2025-03-07T18:00", None, "2025-03-07", "2025-03-07", id="instants"
    ),
    # one date alone: the window it covers, start and end the same value
    pytest.param("2025-03-07", None, "2025-03-07", "2025-03-07", id="single-day"),
    pytest.param("2025-03", None, "2025-03-01", "2025-03-31", id="single-month"),
    pytest.param("2025", None, "2025-01-01", "2025-12-31", id="single-year"),
    pytest.param("03/07/2025", DMY, "2025-07-03", "2025-07-03", id="slashed-date-not-window"),
    pytest.param("2025/03/07", None, "2025-03-07", "2025-03-07", id="ymd-slashes-not-window"),
    pytest.param("25/03/2025", None, "2025-03-25", "2025-03-25", id="forced-dmy-not-window"),
    pytest.param("March 2025", None, "2025-03-01", "2025-03-31", id="single-named-month"),
]


@pytest.mark.parametrize(("text", "order", "start", "end"), PERIODS)
def test_period(text: str, order: DateOrder | None, start: str, end: str) -> None:
    period = parse_period(text, order=order)
    assert period.end is not None
    assert (period.start.start, period.end.end) == (_d(start), _d(end))
    assert period.text == text.strip()


@pytest.mark.parametrize("text", ["2025-03-07", "2025-03", "03/03/2025"])
def test_single_date_period_has_the_same_value_at_both_ends(text: str) -> None:
    period = parse_period(text)
    assert period.start is period.end


OPEN_PERIODS = [
    pytest.param("2025-03-07/", "2025-03-07", id="slash"),
    pytest.param("2025-03-07/..", "2025-03-07", id="slash-dots"),
    pytest.param("2025-03-07..", "2025-03-07", id="dots"),
    pytest.param("2025-03/", "2025-03-01", id="month"),
    pytest.param("7 March 2025/", "2025-03-07", id="named"),
]


@pytest.mark.parametrize(("text", "start"), OPEN_PERIODS)
def test_open_period_ends_at_publication(text: str, start: str) -> None:
    period = parse_period(text)
    assert period.start.start == _d(start)
    assert period.end is None


REFUSED_PERIODS = [
    pytest.param("", None, "period-empty", id="empty"),
    pytest.param("/2025-03-07", None, "period-no-start", id="no-start"),
    pytest.param("../2025-03-07", None, "period-no-start", id="no-start-dots"),
    pytest.param("2025-03-10/2025-03-01", None, "period-reversed", id="reversed"),
    pytest.param("2025-04/2025-03", None, "period-reversed", id="reversed-months"),
    pytest.param(
        "2025-03-07T18:00/2025-03-07T10:00", None, "period-reversed", id="reversed-instants"
    ),
    pytest.param("2025/03/2025", None, "period-ambiguous", id="two-ways-to-split"),
    pytest.param("03/07/2025", None, "date-ambiguous", id="ambiguous-single-date"),
    pytest.param("03/07/2025/05/07/2025", None, "date-ambiguous", id="ambiguous-window"),
    pytest.param("2025-02-30/2025-03-05", None, "date-impossible", id="impossible-start"),
    pytest.param("2025-03-01/2025-02-30", None, "date-impossible", id="impossible-end"),
    pytest.param("2025-03-01/yesterday", None, "date-relative", id="relative-end"),
    pytest.param("2025-03-01/foo", None, "date-unparsed", id="unparsed-end"),
    pytest.param("foo/bar", None, "date-unparsed", id="unparsed-both"),
    pytest.param("2025-03-01 to 2025-03-05", None, "date-unparsed", id="words"),
    pytest.param("Oct 7", None, "date-year-missing", id="year-missing"),
    pytest.param("\u202e2025/2026", None, "invisible-character", id="rlo"),
    pytest.param("/".join(["2025"] * 40), None, "date-unparsed", id="too-long"),
]


@pytest.mark.parametrize(("text", "order", "code"), REFUSED_PERIODS)
def test_refused_period(text: str, order: DateOrder | None, code: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_period(text, order=order)
    assert caught.value.code == code
    assert caught.value.message
    assert caught.value.hint


def test_reversed_period_names_both_dates() -> None:
    with pytest.raises(GrammarError) as caught:
        parse_period("2025-03-10/2025-03-01")
    assert "2025-03-10" in caught.value.message
    assert "2025-03-01" in caught.value.message


def test_period_error_says_which_end() -> None:
    with pytest.raises(GrammarError) as caught:
        parse_period("2025-03-01/2025-02-30")
    assert caught.value.message.startswith("end of the period")
    assert "February 2025 has 28 days" in caught.value.message


# --- caching and determinism --------------------------------------------------------------------


def test_results_are_cached_per_text_and_order() -> None:
    clear_caches()
    first = parse_date("7 March 2025")
    assert parse_date("7 March 2025") is first
    assert parse_period("2025-03-06/2025-03-08") is parse_period("2025-03-06/2025-03-08")
    assert parse_date("03/07/2025", order=DMY) != parse_date("03/07/2025", order=MDY)


def test_never_reads_the_clock() -> None:
    source = inspect.getsource(dates)
    for call in (".today(", ".now(", "time.time(", "dateutil.parser.parse"):
        assert call not in source


# --- properties ---------------------------------------------------------------------------------

VALID_DATES = st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31))
ORDERS = st.sampled_from([None, *DateOrder])
# Text built from date-like pieces reaches deeper into the grammar than arbitrary text.
_WORDS = "2025 03 7 31 12 0745 00 2999 / - . .. , : T Z +02:00 March Sept Oct Saturday th of now"
DATE_PIECES = [*_WORDS.split(), " ", "٢", "\u202e"]
DATEISH = st.lists(st.sampled_from(DATE_PIECES), max_size=12).map("".join)


@given(st.text(max_size=80), ORDERS)
def test_parse_date_refuses_only_with_grammar_errors(text: str, order: DateOrder | None) -> None:
    try:
        value = parse_date(text, order=order)
    except GrammarError as error:
        assert error.code
        assert error.message
    else:
        assert isinstance(value, DateValue)
        assert value.start <= value.end


@given(DATEISH, ORDERS)
def test_dateish_text_refuses_only_with_grammar_errors(text: str, order: DateOrder | None) -> None:
    for parse in (parse_date, parse_period):
        try:
            parse(text, order=order)
        except GrammarError as error:
            assert error.code
            assert error.message


@given(st.text(max_size=80), ORDERS)
def test_parse_period_refuses_only_with_grammar_errors(text: str, order: DateOrder | None) -> None:
    try:
        period = parse_period(text, order=order)
    except GrammarError as error:
        assert error.code
        assert error.message
    else:
        assert period.end is None or period.start.start <= period.end.end


@given(VALID_DATES, ORDERS)
def test_iso_date_round_trips(day: date, order: DateOrder | None) -> None:
    value = parse_date(day.isoformat(), order=order)
    assert (value.start, value.end, value.precision) == (day, day, DAY)


@given(VALID_DATES, st.sampled_from([DMY, MDY]))
def test_numeric_date_round_trips_with_an_order(day: date, order: DateOrder) -> None:
    first, second = (day.day, day.month) if order is DMY else (day.month, day.day)
    value = parse_date(f"{first:02d}/{second:02d}/{day.year}", order=order)
    assert value.start == day


@given(VALID_DATES)
def test_named_date_round_trips(day: date) -> None:
    month = MONTH_NAMES[day.month - 1]
    assert parse_date(f"{day.day} {month} {day.year}").start == day
    assert parse_date(f"{month[:3]}. {day.day}, {day.year}").start == day


@given(VALID_DATES, VALID_DATES)
def test_period_round_trips(a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    period = parse_period(f"{start}/{end}")
    assert period.end is not None
    assert (period.start.start, period.end.end) == (start, end)


@given(VALID_DATES, VALID_DATES)
def test_reversed_period_is_refused(a: date, b: date) -> None:
    if a == b:
        return
    start, end = max(a, b), min(a, b)
    with pytest.raises(GrammarError) as caught:
        parse_period(f"{start}/{end}")
    assert caught.value.code == "period-reversed"


OFFSETS = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)),
    st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59),
)
ZONES: st.SearchStrategy[tzinfo | None] = st.one_of(st.none(), st.just(UTC), OFFSETS)


@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(2999, 12, 31, 23, 59)),
    ZONES,
)
def test_iso_datetime_round_trips(moment: datetime, zone: tzinfo | None) -> None:
    moment = moment.replace(tzinfo=zone)
    value = parse_date(moment.isoformat())
    assert value.instant == moment
    assert value.instant is not None
    assert value.instant.utcoffset() == moment.utcoffset()
    assert value.start == moment.date()
