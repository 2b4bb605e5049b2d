"""Fuzzing: whatever the input, tally answers with a value or with one of its own errors.

Hypothesis feeds the phrase grammar, the date grammar and every reader with arbitrary text and
bytes, and with structured near-misses built from the hostile fragments of conventions.md
sections 4 and 6: digits of many scripts, grouping spaces, qualifiers, ranges, signs, exponents,
control and bidi characters; dates in every order; CSV, TSV, ``;``-CSV, JSON, NDJSON and YAML
files with broken quoting, BOMs, bad bytes and hostile options.  The property is the same
everywhere: the call returns a value that keeps its invariants, or raises a :class:`TallyError`.
A ``RecursionError``, ``UnicodeDecodeError``, ``LookupError`` or a hang is a bug.

These runs are CI-sized.  The long run (a million inputs, fast generators of its own) is
``benchmarks/fuzz.py``; docs/fuzzing.md records its command and result.  The last section holds
each crash the fuzzers found, as an explicit example.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import itertools
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casualty_cli.errors import GrammarError, InputError, TallyError
from casualty_cli.grammar.dates import MAX_YEAR, MIN_YEAR, DateOrder, parse_date, parse_period
from casualty_cli.grammar.grades import Q_MAX, Q_MIN, parse_grade
from casualty_cli.grammar.quantity import parse_quantity
from casualty_cli.load import Loaded, LoadOptions, check_reports
from casualty_cli.model import REPORT_FIELDS, DateValue, PeriodValue, Quantity
from casualty_cli.phrases import read_phrase
from casualty_cli.readers import ReadOptions, read_document

ROOT = Path(__file__).resolve().parent.parent

# CI-sized: the whole file runs in well under 20 s.
GRAMMAR_RUN = settings(max_examples=400, deadline=None)
READER_RUN = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- hostile fragments ---------------------------------------------------------------------------

# The zero of a few decimal-digit scripts: ASCII, Arabic-Indic, Persian, Devanagari, Bengali,
# Thai, fullwidth, and an astral one (mathematical bold).
DIGIT_ZEROS = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10, 0x1D7CE]
GROUPING = [",", " ", "\u00a0", "\u202f", "\u2009", "'", "’", "\u066c", ".", "_", "\u066b"]
# Mostly none, so that most numbers are read and their values checked.
SIGNS = [*[""] * 12, "-", "−", "+", "minus "]
EXPONENTS = [*[""] * 12, "e3", "E+05", "^2"]
DECIMALS = [*[""] * 12, ".5", ",5", "\u066b5", ".000"]
INVISIBLE = ["\u202e", "\u202c", "\u200b", "\u200e", "\u2066", "\ufeff", "\u00ad", "\u061c"]
CONTROL = ["\x00", "\x07", "\x1b[2J", "\x1c", "\x7f", "\x85", "\r", "\n", "\t", "\u2028"]
SPACES = [" ", "", "  ", "\t", "\u00a0", "\u202f", "\u3000"]
QUALIFIERS = [
    "at least", "no fewer than", "a minimum of", "more than", "over", "upwards of", "up to",
    "as many as", "at most", "fewer than", "less than", "under", "nearly", "almost",
    "just under", "about", "around", "approx.", "some", "~", "≈", "c.", "circa", "an estimated",
    "AT LEAST", "More Than", "most likely", "between", "from",
]  # fmt: skip
SUFFIXES = [
    "", "", "or more", "+", "people", "killed", "were killed", "civilians", "casualties", "*",
    "†", "[1]", "(provisional)", "(most likely 30)", ", most likely 30", "injured", "%",
]  # fmt: skip
VAGUE = [
    "a few", "several", "tens", "dozens", "scores", "hundreds", "thousands", "tens of thousands",
    "hundreds of thousands", "a dozen", "many",
]  # fmt: skip
RANGE_FORMS = [
    "{a}-{b}", "{a}–{b}", "{a} — {b}", "{a}−{b}", "{a} to {b}", "between {a} and {b}",
    "from {a} to {b}", "{a}-{b}, most likely {c}", "{a} to {b} (most likely {c})", "{a}--{b}",
    "{a}-{b}-{c}", "-{a}-{b}",
]  # fmt: skip
SPECIAL = [
    "nan", "inf", "Infinity", "∞", "1e3", "-5", "−5", "minus 5", "-", "—", "N/A", "unknown",
    "?", "None", "1_000", "²", "½", "Ⅻ", "三", "#", "1" * 5000,
]  # fmt: skip

ORDERS = st.sampled_from([None, *DateOrder])
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
HOSTILE_PIECES = [*INVISIBLE, *CONTROL, *GROUPING, "#", "(", ")", "[", "-", "/"]
HOSTILE_CHARS = st.sampled_from([piece for piece in HOSTILE_PIECES if len(piece) == 1])
ANY_TEXT = st.text(alphabet=st.one_of(st.characters(), HOSTILE_CHARS, SURROGATES), max_size=40)


def in_scripts(text: str, zeros: Sequence[int]) -> str:
    """``text`` with its ASCII digits written in ``zeros``' scripts, in turn (mixed if several)."""
    out = []
    turn = 0
    for char in text:
        if "0" <= char <= "9":
            out.append(chr(zeros[turn % len(zeros)] + ord(char) - 48))
            turn += 1
        else:
            out.append(char)
    return "".join(out)


@st.composite
def numbers(draw: st.DrawFn) -> str:
    """A number as printed: grouped right or wrong, in any script, signed, with an exponent."""
    digits = draw(
        st.one_of(
            st.integers(0, 10**6).map(str),
            st.integers(0, 10**16).map(str),
            st.sampled_from(["0", "007", "1000000000", "1000000001", "999999999999999"]),
        )
    )
    if len(digits) > 1 and draw(st.booleans()):
        cuts = draw(st.sets(st.integers(1, len(digits) - 1), max_size=3))
        if draw(st.booleans()):
            cuts = set(range(len(digits) % 3 or 3, len(digits), 3))  # groups of three
        bounds = [0, *sorted(cuts), len(digits)]
        separator = draw(st.sampled_from(GROUPING))
        digits = separator.join(digits[i:j] for i, j in itertools.pairwise(bounds))
    zeros = draw(st.lists(st.sampled_from(DIGIT_ZEROS), min_size=1, max_size=3))
    text = in_scripts(digits, zeros)
    sign, exponent, decimal = (draw(st.sampled_from(s)) for s in (SIGNS, EXPONENTS, DECIMALS))
    return sign + text + decimal + exponent


def noisy(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``strategy``'s text with a control, bidi or grouping character slipped in somewhere."""

    def insert(text: str, char: str, at: int) -> str:
        at %= len(text) + 1
        return text[:at] + char + text[at:]

    return st.builds(insert, strategy, st.sampled_from(HOSTILE_PIECES), st.integers(0, 100))


QUALIFIED = st.builds(
    lambda q, space, n, tail: f"{q}{space}{n} {tail}".rstrip(" "),
    st.sampled_from(QUALIFIERS),
    st.sampled_from(SPACES),
    numbers(),
    st.sampled_from(SUFFIXES),
)
RANGES = st.builds(
    lambda form, a, b, c: form.format(a=a, b=b, c=c),
    st.sampled_from(RANGE_FORMS),
    numbers(),
    numbers(),
    numbers(),
)
VAGUE_PHRASES = st.builds(
    lambda q, word, tail: f"{q} {word} {tail}".strip(),
    st.sampled_from(["", "", *QUALIFIERS]),
    st.sampled_from(VAGUE),
    st.sampled_from(SUFFIXES),
)
PIECES = st.lists(
    st.one_of(numbers(), st.sampled_from([*QUALIFIERS, *SUFFIXES, *VAGUE, *SPECIAL, " "])),
    max_size=6,
).map("".join)
STRUCTURED_PHRASES = st.one_of(
    numbers(), QUALIFIED, RANGES, VAGUE_PHRASES, st.sampled_from(SPECIAL), PIECES
)
PHRASES = st.one_of(ANY_TEXT, STRUCTURED_PHRASES, noisy(STRUCTURED_PHRASES))
GRADES = st.one_of(
    st.sampled_from(
        ["A", "b", "C3", "C7", "G", "0.8", ".5", "0,7", "٠٫٨", "1", "0", "-0.2", "80%"]
    ),
    noisy(st.sampled_from(["B", "0.85", "D2"])),
    ANY_TEXT,
)

MONTHS = ["January", "March", "Sept", "Sept.", "Mar.", "DECEMBER", "feb", "Mär", "Marchh"]
WEEKDAYS = ["Monday", "Sat", "thurs", "Sunday"]
ZONES = ["", "", "Z", "+03:00", "-0530", "+02", "+24:00", "-23:59"]
DATE_FORMS = [
    "{y}-{m:02d}-{d:02d}", "{y}-{m}-{d}", "{y}-{m:02d}", "{y}", "{d}/{m}/{y}", "{m}/{d}/{y}",
    "{d:02d}.{m:02d}.{y}", "{y}/{m}/{d}", "{d}-{m}-{y}", "{d}/{m}", "{m}/{y}", "{d}.{m}",
    "{d} {month} {y}", "{month} {d}, {y}", "{month} {d},{y}", "{month} {y}", "{d}th of {month} {y}",
    "{weekday}, {d} {month} {y}", "{weekday} {month} {y}", "{month} {d}", "{y} {month} {d}",
    "{y}-{m:02d}-{d:02d}T{H:02d}:{M:02d}{zone}", "{y}-{m:02d}-{d:02d} {H:02d}:{M:02d}:{S:02d}.{f}",
    "{H}:{M:02d}", "{H} pm", "yesterday", "last night", "{d} days ago",
]  # fmt: skip


@st.composite
def dateish(draw: st.DrawFn) -> str:
    """A date as printed, in any order: real days, impossible ones, and years out of range."""
    if draw(st.booleans()):
        day = draw(st.dates())  # years 1 to 9999: most outside tally's 1000-2999
        y, m, d = day.year, day.month, day.day
    else:
        y, m, d = draw(st.integers(0, 99_999)), draw(st.integers(0, 13)), draw(st.integers(0, 32))
    text = draw(st.sampled_from(DATE_FORMS)).format(
        y=y,
        m=m,
        d=d,
        H=draw(st.integers(0, 25)),
        M=draw(st.integers(0, 61)),
        S=draw(st.integers(0, 61)),
        f=draw(st.integers(0, 10**10)),
        zone=draw(st.sampled_from(ZONES)),
        month=draw(st.sampled_from(MONTHS)),
        weekday=draw(st.sampled_from(WEEKDAYS)),
    )
    zeros = draw(st.lists(st.sampled_from(DIGIT_ZEROS), min_size=1, max_size=2))
    return in_scripts(text, zeros)


DATES = st.one_of(ANY_TEXT, dateish(), noisy(dateish()), st.builds(lambda t: t * 9, dateish()))
PERIODS = st.one_of(
    DATES,
    st.builds(
        lambda a, join, b: a + join + b,
        st.one_of(dateish(), st.just("")),
        st.sampled_from(["/", "..", " / ", "//", "...", " to "]),
        st.one_of(dateish(), st.just("")),
    ),
)


# --- invariants ----------------------------------------------------------------------------------


def is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def assert_count(quantity: Quantity, text: str | None = None) -> None:
    """A count tally read: non-negative bounds in order, and a kernel that is a distribution."""
    assert text is None or quantity.text == text
    assert is_count(quantity.low)
    assert quantity.high is None or (is_count(quantity.high) and quantity.low <= quantity.high)
    assert quantity.value is None or is_count(quantity.value)
    assert is_count(quantity.conservative)
    assert quantity.kernel
    assert all(is_count(c.low) and c.low <= c.high and 0 < c.weight <= 1 for c in quantity.kernel)
    assert math.isclose(sum(c.weight for c in quantity.kernel), 1.0)
    if quantity.most_likely is not None:
        assert quantity.high is not None
        assert quantity.low <= quantity.most_likely <= quantity.high


def assert_date(value: DateValue) -> None:
    """A date tally read: a window of whole days, in order, within the years it accepts."""
    assert value.start <= value.end
    assert MIN_YEAR <= value.start.year <= value.end.year <= MAX_YEAR
    if value.instant is not None:
        assert value.instant.date() == value.start == value.end


def assert_period(value: PeriodValue) -> None:
    assert_date(value.start)
    if value.end is not None:
        assert_date(value.end)
        assert value.start.start <= value.end.end


def assert_loaded(loaded: Loaded) -> None:
    """A load's findings have codes; its table holds values that keep their invariants."""
    for finding in loaded.findings:
        assert finding.code and finding.message
        assert str(finding)
    if loaded.table is None:
        assert loaded.errors
        return
    assert len(loaded.table.count.codes) == len(loaded.table)
    for quantity in loaded.table.count.levels:
        assert_count(quantity)
    for published in loaded.table.published.levels:
        if published is not None:
            assert_date(published)
    for period in loaded.table.period.levels:
        if period is not None:
            assert_period(period)
    assert all(Q_MIN <= grade.q <= Q_MAX for grade in loaded.table.grade.levels)


# --- the phrase grammar ------------------------------------------------------------------------


@GRAMMAR_RUN
@given(PHRASES, st.booleans())
def test_a_count_phrase_is_read_or_refused_with_a_grammar_error(
    text: str, dot_grouping: bool
) -> None:
    try:
        quantity = parse_quantity(text, dot_grouping=dot_grouping)
    except GrammarError as error:
        assert error.code and error.message
        return
    assert_count(quantity, text)


@GRAMMAR_RUN
@given(st.one_of(PHRASES, GRADES, DATES), ORDERS)
def test_tally_parse_reads_or_refuses_any_text(text: str, order: DateOrder | None) -> None:
    report = read_phrase(text, order=order)
    assert report.readings or report.refusals
    assert all(error.code for _, error in report.refusals)


@GRAMMAR_RUN
@given(GRADES)
def test_a_grade_is_a_probability_or_a_grammar_error(text: str) -> None:
    try:
        grade = parse_grade(text)
    except GrammarError as error:
        assert error.code and error.message
        return
    assert Q_MIN <= grade.q <= Q_MAX


# --- the date grammar --------------------------------------------------------------------------


@GRAMMAR_RUN
@given(DATES, ORDERS)
def test_a_date_is_read_or_refused_with_a_grammar_error(text: str, order: DateOrder | None) -> None:
    try:
        value = parse_date(text, order=order)
    except GrammarError as error:
        assert error.code and error.message
        return
    assert_date(value)


@GRAMMAR_RUN
@given(PERIODS, ORDERS)
def test_a_period_is_read_or_refused_with_a_grammar_error(
    text: str, order: DateOrder | None
) -> None:
    try:
        value = parse_period(text, order=order)
    except GrammarError as error:
        assert error.code and error.message
        return
    assert_period(value)


# --- the readers, through the loader the CLI uses ----------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Module-scoped: hypothesis reruns a test body many times within one function-scoped fixture.
    return tmp_path_factory.mktemp("fuzz")


def load(directory: Path, name: str, data: bytes, options: LoadOptions | None = None) -> Loaded:
    """``data`` as the file ``name``, loaded as ``tally validate`` and ``reconcile`` load it."""
    path = directory / name
    path.write_bytes(data)
    return check_reports([path], options=options)


def cell(field: str) -> st.SearchStrategy[str]:
    """A value for ``field``: mostly of its kind, hostile, sometimes anything."""
    kinds: dict[str, st.SearchStrategy[str]] = {
        "count": PHRASES,
        "published": DATES,
        "period": PERIODS,
        "grade": GRADES,
        "place": st.sampled_from(["Gaza/Khan Younis", "Gaza//Rafah", "/", "غزة", "a/b/c"]),
        "category": st.sampled_from(["all", "civilians", "civilians/children", "a/b", "b/a"]),
        "outcome": st.sampled_from(["killed", "Injured", "missing", "kidnapped", ""]),
        "id": st.sampled_from(["1", "2", "1 ", ""]),
    }
    names = st.sampled_from(["MoH", "وزارة الصحة", "Kha\u0304n", "=1+1", "[bold]x[/]", "None"])
    return st.one_of(kinds.get(field, names), ANY_TEXT)


KEYS = st.sampled_from([*REPORT_FIELDS, "source", "count", "COUNT", " Source ", "extra", ""])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header of field names (source and count usually among them) and rows of cells."""
    keys = draw(st.lists(KEYS, max_size=5))
    keys = [*(k for k in ("source", "count") if draw(st.integers(0, 9))), *keys]
    rows = draw(st.lists(st.tuples(*(cell(key.strip().lower()) for key in keys)), max_size=4))
    return keys, [list(row) for row in rows]


def to_delimited(
    table: tuple[list[str], list[list[str]]], delimiter: str, newline: str, quote_all: bool
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows([table[0], *table[1]])
    return buffer.getvalue()


def json_object(pairs: Sequence[tuple[str, str]]) -> str:
    # By hand, so that duplicate keys survive.
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"


def to_json(table: tuple[list[str], list[list[str]]], wrapped: bool) -> str:
    reports = (
        "["
        + ", ".join(json_object(list(zip(table[0], row, strict=True))) for row in table[1])
        + "]"
    )
    return f'{{"reports": {reports}}}' if wrapped else reports


def to_ndjson(table: tuple[list[str], list[list[str]]], newline: str) -> str:
    return "".join(json_object(list(zip(table[0], row, strict=True))) + newline for row in table[1])


def yaml_scalar(text: str, style: str) -> str:
    if style == "plain":
        return text  # YAML may read it as anything, or not at all
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text)


def to_yaml(table: tuple[list[str], list[list[str]]], style: str) -> str:
    lines = ["reports:"]
    for row in table[1]:
        for position, (key, value) in enumerate(zip(table[0], row, strict=True)):
            lead = "  - " if position == 0 else "    "
            lines.append(f"{lead}{json.dumps(key)}: {yaml_scalar(value, style)}")
    return "\n".join(lines) + "\n"


YAML_HAZARDS = [
    'a: &a ["lol","lol"]\nb: &b [*a,*a]\nreports: *b\n',
    "x: !!python/object/apply:os.system ['id']\n",
    "reports:\n  - {source: A, count: 0745, published: 2025-03-07, grade: NO}\n",
    "reports: []\n---\nreports: []\n",
    "[" * 5000,
    "reports:\n- source: A\n  count: 1\n  count: 2\n",
    "categories:\n  a: [b]\n  b: [a]\nreports:\n  - {source: A, count: 1, category: a}\n",
]
ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16"])
BAD_BYTES = st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b'"', b"\r", b"{", b"["])


@st.composite
def damaged(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> bytes:
    """``texts`` encoded (surrogates kept), then perhaps a bad byte or two slipped in."""
    data = draw(texts).encode(draw(ENCODINGS), "surrogatepass")
    for at, bad in draw(st.lists(st.tuples(st.integers(0, 10**6), BAD_BYTES), max_size=2)):
        at %= len(data) + 1
        data = data[:at] + bad + data[at:]
    return data


OPTIONS = st.builds(
    LoadOptions,
    read=st.builds(
        ReadOptions,
        encoding=st.sampled_from([None, None, None, "cp1252", "utf-16", "idna", "rot13", "x"]),
        delimiter=st.sampled_from([None, None, None, ";", "\t", " ", '"', "a"]),
        max_field_size=st.sampled_from([1_048_576, 1_048_576, 2, 10]),
        max_yaml_depth=st.sampled_from([64, 64, 1]),
    ),
    date_order=ORDERS,
    dot_grouping=st.booleans(),
    strict=st.booleans(),
)
EXTENSIONS = [".csv", ".tsv", ".ssv", ".json", ".ndjson", ".yaml", ""]

DELIMITED = st.builds(
    to_delimited,
    tables(),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)


@READER_RUN
@given(st.binary(max_size=400), st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_load_or_fail_with_tally_errors(
    scratch: Path, data: bytes, extension: str
) -> None:
    assert_loaded(load(scratch, "bytes" + extension, data))


# Each reader's near-valid files (then damaged), and the names they may come under.
READERS = {
    "delimited": (damaged(st.one_of(DELIMITED, noisy(DELIMITED))), [".csv", ".tsv", ".ssv", ""]),
    "json": (damaged(st.builds(to_json, tables(), st.booleans())), [".json", ""]),
    "ndjson": (
        damaged(st.builds(to_ndjson, tables(), st.sampled_from(["\n", "\r\n"]))),
        [".ndjson", ".jsonl", ""],
    ),
    "yaml": (
        damaged(
            st.one_of(
                st.builds(to_yaml, tables(), st.sampled_from(["plain", "single", "double"])),
                st.sampled_from(YAML_HAZARDS),
            )
        ),
        [".yaml", ".yml", ""],
    ),
}


@pytest.mark.parametrize("reader", READERS)
@READER_RUN
@given(data=st.data(), options=OPTIONS)
def test_files_load_or_fail_with_tally_errors(
    scratch: Path, reader: str, data: st.DataObject, options: LoadOptions
) -> None:
    files, extensions = READERS[reader]
    text = data.draw(files, label="file")
    extension = data.draw(st.sampled_from(extensions), label="extension")
    assert_loaded(load(scratch, "reports" + extension, text, options))


@READER_RUN
@given(
    damaged(
        st.one_of(
            st.builds(to_yaml, tables(), st.just("double")).map(
                lambda t: t.replace("reports", "s")
            ),
            st.builds(json_object, st.lists(st.tuples(ANY_TEXT, GRADES), max_size=3)),
            st.sampled_from(["- a\n- b", "sources: [a]", "sources:\n  A: {grade: [1]}"]),
        )
    ),
    st.sampled_from(["sources.yaml", "sources.json", "sources"]),
)
def test_a_sources_file_loads_or_fails_with_tally_errors(
    scratch: Path, data: bytes, name: str
) -> None:
    (scratch / name).write_bytes(data)
    options = LoadOptions(sources_file=str(scratch / name))
    assert_loaded(load(scratch, "reports.csv", b"source,count\nMoH,1\n", options))


# --- the long run's generators, briefly ----------------------------------------------------------


@functools.cache
def fuzz_script() -> ModuleType:
    """benchmarks/fuzz.py, which is a script rather than a package module."""
    path = ROOT / "benchmarks" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("tally_fuzz_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_long_runs_generators_find_nothing_in_a_short_run() -> None:
    fuzz = fuzz_script()
    tallies = fuzz.run(list(fuzz.TARGETS), 1200, seed=20250307, timeout=30.0)
    assert {name: tally.inputs for name, tally in tallies.items()} == fuzz.plan(
        list(fuzz.TARGETS), 1200
    )
    failures = [failure for tally in tallies.values() for failure in tally.failures]
    assert not failures, failures[0].trace


def test_the_long_run_replays_an_input_from_its_seed_and_index() -> None:
    fuzz = fuzz_script()
    assert fuzz.case_of("csv", 7, 123) == fuzz.case_of("csv", 7, 123)
    assert fuzz.case_of("csv", 7, 123) != fuzz.case_of("csv", 8, 123)


# --- crashes the fuzzers found -----------------------------------------------------------------


@contextmanager
def finishes_within(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: some of these inputs used to loop forever (the long run's timer)."""
    fuzz = fuzz_script()
    try:
        with fuzz.deadline(seconds):
            yield
    except fuzz.Hang as hang:
        raise AssertionError(f"still running after {seconds} s") from hang


def refusal(call: Callable[[], object]) -> TallyError:
    with pytest.raises(TallyError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri"])
def test_a_codec_that_is_not_a_text_encoding_is_an_unknown_encoding(encoding: str) -> None:
    # Was: LookupError "'rot-13' is not a text encoding" (a traceback for --encoding rot13).
    data = b"source,count\nMoH,1\n"
    error = refusal(lambda: read_document(data, "r.csv", ReadOptions(encoding=encoding)))
    assert isinstance(error, InputError)
    assert error.code == "unknown-encoding"
    assert "not a text encoding" in error.message


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"source,count\nM\xffH,1\n", "idna"),  # no "replace" handler to count the lines with
        (b"source,count\nMoH,1\n", "undefined"),  # fails without saying where
    ],
)
def test_a_text_codec_that_fails_without_a_position_is_a_bad_encoding(
    data: bytes, encoding: str
) -> None:
    # Was: UnicodeError "decoding with 'idna' codec failed (... Unsupported error handling ...)".
    error = refusal(lambda: read_document(data, "r.csv", ReadOptions(encoding=encoding)))
    assert isinstance(error, InputError)
    assert error.code == "bad-encoding"


def test_text_after_a_quote_that_also_overflows_the_field_limit_is_field_too_large() -> None:
    # Was: csv.Error "field larger than field limit" from the lenient re-read of the row: '"s"'
    # fits 2 characters, but read leniently the field is "source".
    data = b'"s"ource,count\nMoH,1\n'
    error = refusal(lambda: read_document(data, "r.csv", ReadOptions(max_field_size=2)))
    assert error.code == "field-too-large"
    assert error.location.line == 1


@pytest.mark.parametrize(
    "categories", ["  a: [b]\n  b: [a]\n", "  a: [a]\n", "  a: [b]\n  b: [c]\n  c: [a]\n"]
)
def test_a_category_cycle_is_a_finding_not_a_hang(scratch: Path, categories: str) -> None:
    # Was: an endless loop (and ever more memory) resolving a report's category in the cycle.
    text = f"categories:\n{categories}reports:\n  - {{source: A, count: 1, category: a}}\n"
    with finishes_within(10.0):
        loaded = load(scratch, "cycle.yaml", text.encode())
    assert "category-cycle" in [finding.code for finding in loaded.errors]
