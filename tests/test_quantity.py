"""The quantity grammar, written as its specification.

Kernels are statistics.md section 2, checked by hand from the formulas; the refusals are
conventions.md sections 4.4 and 6.2.  A kernel is compared as ``(low, high, weight)`` triples.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casualty_cli.errors import GrammarError
from casualty_cli.grammar import quantity as quantity_module
from casualty_cli.grammar.quantity import parse_quantity
from casualty_cli.model import Quantity, QuantityKind

Triples = tuple[tuple[int, int, float], ...]
K = QuantityKind


def triples(quantity: Quantity) -> Triples:
    return tuple((c.low, c.high, c.weight) for c in quantity.kernel)


def refusal(text: str, *, dot_grouping: bool = False) -> GrammarError:
    with pytest.raises(GrammarError) as caught:
        parse_quantity(text, dot_grouping=dot_grouping)
    return caught.value


# --- statistics.md section 2, one row at a time ---------------------------------------------------

KERNELS = [
    # exact y: {(y,y,.5), (min(y-1, ⌈4y/5⌉), max(y+1, ⌊5y/4⌋), .5)}; y = 0 is one atom.
    pytest.param("745", ((745, 745, 0.5), (596, 931, 0.5)), id="exact-745"),
    pytest.param("0", ((0, 0, 1.0),), id="exact-0"),
    pytest.param("1", ((1, 1, 0.5), (0, 2, 0.5)), id="exact-1-band-is-wider-than-atom"),
    pytest.param("1,000", ((1000, 1000, 0.5), (800, 1250, 0.5)), id="exact-1000"),
    # at least X / X or more: FK(X, precise(X)); 745 is precise, 20 is a round threshold.
    pytest.param(
        "at least 745", ((745, 745, 0.4), (745, 1118, 0.45), (745, 1490, 0.15)), id="at-least-745"
    ),
    pytest.param("at least 20", ((20, 22, 0.4), (20, 30, 0.45), (20, 40, 0.15)), id="at-least-20"),
    pytest.param("at least 7", ((7, 7, 0.4), (7, 11, 0.45), (7, 14, 0.15)), id="at-least-7"),
    pytest.param("20 or more", ((20, 22, 0.4), (20, 30, 0.45), (20, 40, 0.15)), id="20-or-more"),
    # more than X: FK(X+1, false).
    pytest.param(
        "more than 1,000",
        ((1001, 1102, 0.4), (1001, 1502, 0.45), (1001, 2002, 0.15)),
        id="more-than-1000",
    ),
    pytest.param(
        "over 745", ((746, 821, 0.4), (746, 1119, 0.45), (746, 1492, 0.15)), id="over-745"
    ),
    # up to X: CK(X); fewer than X: CK(X-1).
    pytest.param("up to 30", ((28, 30, 0.4), (20, 30, 0.45), (15, 30, 0.15)), id="up-to-30"),
    pytest.param(
        "fewer than 30", ((27, 29, 0.4), (20, 29, 0.45), (15, 29, 0.15)), id="fewer-than-30"
    ),
    # nearly X: {(⌈4X/5⌉ capped at, 1)}.
    pytest.param("nearly 50", ((40, 49, 1.0),), id="nearly-50"),
    pytest.param("nearly 1", ((0, 0, 1.0),), id="nearly-1"),
    # about X: {(max(0, min(X-1, ⌈10X/11⌉)), max(X+1, ⌊11X/10⌋), 1)}.
    pytest.param("about 1,000", ((910, 1100, 1.0),), id="about-1000"),
    pytest.param("about 5", ((4, 6, 1.0),), id="about-5"),
    pytest.param("about 0", ((0, 1, 1.0),), id="about-0"),
    # ranges: {(min, max, 1)}; with most likely C: {(C, C, .5), (A, B, .5)}.
    pytest.param("between 10 and 20", ((10, 20, 1.0),), id="between"),
    pytest.param("10–20", ((10, 20, 1.0),), id="en-dash-range"),
    pytest.param("5-5", ((5, 5, 1.0),), id="range-of-one"),
    pytest.param(
        "between 700 and 800, most likely 745",
        ((745, 745, 0.5), (700, 800, 0.5)),
        id="range-most-likely",
    ),
    # vague words: one band.
    pytest.param("a few", ((2, 5, 1.0),), id="a-few"),
    pytest.param("several", ((3, 9, 1.0),), id="several"),
    pytest.param("tens", ((20, 99, 1.0),), id="tens"),
    pytest.param("dozens", ((24, 99, 1.0),), id="dozens"),
    pytest.param("scores", ((40, 99, 1.0),), id="scores"),
    pytest.param("hundreds", ((200, 999, 1.0),), id="hundreds"),
    pytest.param("thousands", ((2000, 9999, 1.0),), id="thousands"),
    pytest.param("tens of thousands", ((20_000, 99_999, 1.0),), id="tens-of-thousands"),
    pytest.param("hundreds of thousands", ((200_000, 999_999, 1.0),), id="hundreds-of-thousands"),
    # "a dozen" = about 12; "more than a dozen" = more than 12.
    pytest.param("a dozen", ((11, 13, 1.0),), id="a-dozen"),
    pytest.param(
        "more than a dozen", ((13, 15, 0.4), (13, 20, 0.45), (13, 26, 0.15)), id="more-than-a-dozen"
    ),
]


@pytest.mark.parametrize(("text", "kernel"), KERNELS)
def test_kernel_of_each_phrase(text: str, kernel: Triples) -> None:
    assert triples(parse_quantity(text)) == kernel


READINGS = [
    # text, kind, value, (low, high), conservative, word
    pytest.param("745", K.EXACT, 745, (745, 745), 745, None, id="exact"),
    pytest.param("at least 745", K.AT_LEAST, 745, (745, None), 745, "at least", id="at-least"),
    pytest.param("more than 1,000", K.MORE_THAN, 1000, (1001, None), 1001, "more than", id="more"),
    pytest.param("up to 30", K.UP_TO, 30, (0, 30), 15, "up to", id="up-to"),
    pytest.param("fewer than 30", K.FEWER_THAN, 30, (0, 29), 15, "fewer than", id="fewer-than"),
    pytest.param("nearly 50", K.NEARLY, 50, (40, 49), 40, "nearly", id="nearly"),
    pytest.param("about 1,000", K.ABOUT, 1000, (910, 1100), 1000, "about", id="about"),
    pytest.param("10-20", K.RANGE, 10, (10, 20), 10, None, id="range"),
    pytest.param("a dozen", K.ABOUT, 12, (11, 13), 12, "a dozen", id="a-dozen"),
    pytest.param("nearly a dozen", K.NEARLY, 12, (10, 11), 10, "nearly", id="nearly-a-dozen"),
    pytest.param("dozens", K.VAGUE, None, (24, 99), 12, "dozens", id="vague"),
]


@pytest.mark.parametrize(("text", "kind", "value", "bounds", "conservative", "word"), READINGS)
def test_reading_of_each_kind(
    text: str,
    kind: QuantityKind,
    value: int | None,
    bounds: tuple[int, int | None],
    conservative: int,
    word: str | None,
) -> None:
    quantity = parse_quantity(text)
    assert quantity.text == text
    assert quantity.kind is kind
    assert quantity.value == value
    assert (quantity.low, quantity.high) == bounds
    assert quantity.conservative == conservative
    assert quantity.word == word


@pytest.mark.parametrize(
    ("text", "conservative"),
    [
        ("a few", 2),
        ("several", 3),
        ("tens", 10),
        ("dozens", 12),
        ("scores", 20),
        ("hundreds", 100),
        ("thousands", 1000),
        ("tens of thousands", 10_000),
        ("hundreds of thousands", 100_000),
        ("a dozen", 12),
        ("more than a dozen", 13),
    ],
)
def test_conservative_figure_of_vague_words_is_acleds(text: str, conservative: int) -> None:
    assert parse_quantity(text).conservative == conservative


def test_most_likely_is_kept() -> None:
    quantity = parse_quantity("700-800 (most likely 745)")
    assert (quantity.kind, quantity.most_likely) == (K.RANGE, 745)
    assert triples(quantity) == ((745, 745, 0.5), (700, 800, 0.5))


def test_range_written_high_to_low_is_read_low_to_high_with_a_note() -> None:
    quantity = parse_quantity("20-10")
    assert (quantity.low, quantity.high, quantity.value) == (10, 20, 10)
    assert quantity.notes == ("range written high to low; read as 10-20",)


# --- accepted spellings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("745", id="ascii"),
        pytest.param("٧٤٥", id="arabic-indic"),
        pytest.param("۷۴۵", id="persian"),
        pytest.param("７４５", id="fullwidth"),
        pytest.param("७४५", id="devanagari"),
        pytest.param("৭৪৫", id="bengali"),
        pytest.param("๗๔๕", id="thai"),
        pytest.param("0745", id="leading-zero"),
    ],
)
def test_digits_of_every_script(text: str) -> None:
    quantity = parse_quantity(text)
    assert (quantity.kind, quantity.value, quantity.notes) == (K.EXACT, 745, ())


def test_mixed_digit_scripts_are_read_with_a_note() -> None:
    quantity = parse_quantity("٧45")
    assert quantity.value == 745
    assert quantity.notes == ("digits in mixed scripts: Arabic-Indic, Ascii",)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("1,000", 1000, id="comma"),
        pytest.param("1 000", 1000, id="space"),
        pytest.param("1\u00a0000", 1000, id="nbsp"),
        pytest.param("1\u202f000", 1000, id="narrow-nbsp"),
        pytest.param("1\u2009000", 1000, id="thin-space"),
        pytest.param("1'000", 1000, id="apostrophe"),
        pytest.param("1’000", 1000, id="right-single-quote"),
        pytest.param("١٬٠٠٠", 1000, id="arabic-thousands-separator"),
        pytest.param("12,345,678", 12_345_678, id="several-groups"),
        pytest.param("1 000 000", 1_000_000, id="several-space-groups"),
        pytest.param("1,000,000,000", 10**9, id="largest-count"),
    ],
)
def test_grouping_separators(text: str, value: int) -> None:
    assert parse_quantity(text).value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("1.234", 1234, id="one-dot"),
        pytest.param("1.234.567", 1_234_567, id="two-dots"),
        pytest.param("at least 12.000", 12_000, id="in-a-phrase"),
    ],
)
def test_dot_groups_thousands_only_when_asked(text: str, value: int) -> None:
    quantity = parse_quantity(text, dot_grouping=True)
    assert quantity.value == value
    assert any("thousands separator" in note for note in quantity.notes)
    assert refusal(text).code == "count-ambiguous-dot"


QUALIFIERS = [
    ("at least", K.AT_LEAST, "at least"),
    ("no fewer than", K.AT_LEAST, "at least"),
    ("no less than", K.AT_LEAST, "at least"),
    ("a minimum of", K.AT_LEAST, "at least"),
    ("more than", K.MORE_THAN, "more than"),
    ("over", K.MORE_THAN, "more than"),
    ("upwards of", K.MORE_THAN, "more than"),
    ("in excess of", K.MORE_THAN, "more than"),
    ("up to", K.UP_TO, "up to"),
    ("as many as", K.UP_TO, "up to"),
    ("at most", K.UP_TO, "up to"),
    ("no more than", K.UP_TO, "up to"),
    ("a maximum of", K.UP_TO, "up to"),
    ("fewer than", K.FEWER_THAN, "fewer than"),
    ("less than", K.FEWER_THAN, "fewer than"),
    ("under", K.FEWER_THAN, "fewer than"),
    ("nearly", K.NEARLY, "nearly"),
    ("almost", K.NEARLY, "nearly"),
    ("close to", K.NEARLY, "nearly"),
    ("just under", K.NEARLY, "nearly"),
    ("about", K.ABOUT, "about"),
    ("around", K.ABOUT, "about"),
    ("approximately", K.ABOUT, "about"),
    ("approx.", K.ABOUT, "about"),
    ("some", K.ABOUT, "about"),
    ("roughly", K.ABOUT, "about"),
    ("~", K.ABOUT, "about"),
    ("c.", K.ABOUT, "about"),
    ("ca.", K.ABOUT, "about"),
    ("circa", K.ABOUT, "about"),
    ("an estimated", K.ABOUT, "about"),
]


@pytest.mark.parametrize(("qualifier", "kind", "word"), QUALIFIERS, ids=[q[0] for q in QUALIFIERS])
def test_qualifier_synonyms(qualifier: str, kind: QuantityKind, word: str) -> None:
    quantity = parse_quantity(f"{qualifier} 745")
    assert (quantity.kind, quantity.value, quantity.word) == (kind, 745, word)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("745+", K.AT_LEAST, id="plus"),
        pytest.param("745 or more", K.AT_LEAST, id="or-more"),
        pytest.param("~745", K.ABOUT, id="tilde-glued"),
        pytest.param("c.745", K.ABOUT, id="circa-glued"),
        pytest.param("Approx. 745", K.ABOUT, id="capitalised"),
    ],
)
def test_glued_and_trailing_qualifiers(text: str, kind: QuantityKind) -> None:
    quantity = parse_quantity(text)
    assert (quantity.kind, quantity.value) == (kind, 745)


@pytest.mark.parametrize(
    "text",
    [
        "10-20",
        "10–20",
        "10—20",
        "10 - 20",
        "10 – 20",
        "10 to 20",
        "between 10 and 20",
        "from 10 to 20",
        "Between 10 And 20",
    ],
)
def test_range_spellings(text: str) -> None:
    quantity = parse_quantity(text)
    assert (quantity.kind, quantity.low, quantity.high) == (K.RANGE, 10, 20)


def test_grouped_range() -> None:
    assert triples(parse_quantity("1,000–2,000")) == ((1000, 2000, 1.0),)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("  at   least 745 ", id="spaces"),
        pytest.param("AT LEAST 745", id="upper-case"),
        pytest.param("at\u00a0least\u00a0745", id="nbsp-between-words"),
        pytest.param("\tat least\n745\r\n", id="tabs-and-line-breaks"),
    ],
)
def test_case_and_whitespace(text: str) -> None:
    quantity = parse_quantity(text)
    assert (quantity.kind, quantity.value, quantity.text) == (K.AT_LEAST, 745, text)


@pytest.mark.parametrize(
    "noun",
    [
        "people",
        "persons",
        "killed",
        "dead",
        "deaths",
        "fatalities",
        "victims",
        "bodies",
        "were killed",
        "have been killed",
        "people killed",
        "People",
    ],
)
def test_trailing_nouns_are_dropped(noun: str) -> None:
    quantity = parse_quantity(f"745 {noun}")
    assert (quantity.kind, quantity.value, quantity.notes) == (K.EXACT, 745, ())


@pytest.mark.parametrize(
    ("text", "note"),
    [
        pytest.param("745*", "footnote marker '*' ignored", id="star"),
        pytest.param("745 †", "footnote marker '†' ignored", id="dagger"),
        pytest.param("745 [1]", "footnote marker '[1]' ignored", id="bracket"),
        pytest.param("745 (provisional)", "'(provisional)' kept as a note", id="parenthesis"),
        pytest.param("745 dead (Provisional)", "'(Provisional)' kept as a note", id="after-noun"),
    ],
)
def test_footnotes_are_notes(text: str, note: str) -> None:
    quantity = parse_quantity(text)
    assert (quantity.kind, quantity.value, quantity.notes) == (K.EXACT, 745, (note,))


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("at least a dozen", K.AT_LEAST, 12),
        ("a dozen or more", K.AT_LEAST, 12),
        ("about a dozen", K.ABOUT, 12),
        ("fewer than a dozen", K.FEWER_THAN, 12),
        ("a dozen people", K.ABOUT, 12),
    ],
)
def test_a_dozen_is_twelve(text: str, kind: QuantityKind, value: int) -> None:
    quantity = parse_quantity(text)
    assert (quantity.kind, quantity.value) == (kind, value)
    assert "'a dozen' read as 12" in quantity.notes


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("at least dozens", "dozens"),
        ("more than hundreds", "hundreds"),
        ("up to thousands", "thousands"),
        ("dozens or more", "dozens"),
    ],
)
def test_a_qualifier_before_a_vague_word_reads_as_the_vague_band(text: str, word: str) -> None:
    quantity = parse_quantity(text)
    assert (quantity.kind, quantity.word) == (K.VAGUE, word)
    assert triples(quantity) == triples(parse_quantity(word))
    assert len(quantity.notes) == 1


def test_results_are_cached_by_string() -> None:
    assert parse_quantity("at least 745") is parse_quantity("at least 745")
    assert parse_quantity("1.234", dot_grouping=True).value == 1234


# --- refusals -------------------------------------------------------------------------------------

REFUSALS = [
    # phrases that name no number
    pytest.param("", "unparsed-quantity", id="empty"),
    pytest.param("   ", "unparsed-quantity", id="blank"),
    pytest.param("many", "unparsed-quantity", id="many"),
    pytest.param("lots", "unparsed-quantity", id="lots"),
    pytest.param("a massacre", "unparsed-quantity", id="massacre"),
    pytest.param("unknown", "unparsed-quantity", id="unknown"),
    pytest.param("?", "unparsed-quantity", id="question-mark"),
    pytest.param("N/A", "unparsed-quantity", id="n-a"),
    pytest.param("745 or so", "unparsed-quantity", id="unknown-qualifier"),
    pytest.param("+745", "unparsed-quantity", id="plus-sign"),
    pytest.param("#745", "unparsed-quantity", id="hash"),
    pytest.param("745 civilians", "unparsed-quantity", id="category-is-not-a-noun"),
    pytest.param("*", "unparsed-quantity", id="lone-star"),
    pytest.param("about 3-5", "unparsed-quantity", id="qualified-range"),
    # casualties may include the injured
    pytest.param("745 casualties", "casualties-ambiguous", id="casualties"),
    pytest.param("Casualties: 745", "casualties-ambiguous", id="casualties-first"),
    pytest.param("one casualty", "casualties-ambiguous", id="casualty"),
    # grouping
    pytest.param("1,00", "count-bad-grouping", id="group-of-two"),
    pytest.param("10,00", "count-bad-grouping", id="two-groups-of-two"),
    pytest.param("1,0000", "count-bad-grouping", id="group-of-four"),
    pytest.param("1000,000", "count-bad-grouping", id="first-group-of-four"),
    pytest.param("12,34,567", "count-bad-grouping", id="lakh-grouping"),
    pytest.param("1,000 000", "count-bad-grouping", id="mixed-separators"),
    pytest.param("1 000’000", "count-bad-grouping", id="mixed-space-and-quote"),
    # dots and decimals
    pytest.param("1.234", "count-ambiguous-dot", id="dot"),
    pytest.param("2,5", "count-decimal", id="decimal-comma"),
    pytest.param("1,5", "count-decimal", id="decimal-comma-1"),
    pytest.param("١٫٥", "count-decimal", id="arabic-decimal-separator"),
    pytest.param("7.5", "count-decimal", id="decimal-point"),
    pytest.param("1,000.5", "count-decimal", id="grouped-decimal"),
    pytest.param("0,745", "count-decimal", id="leading-zero-fraction"),
    pytest.param("about 7.5", "count-decimal", id="decimal-in-phrase"),
    # not human numbers
    pytest.param("1e3", "count-exponent", id="exponent"),
    pytest.param("1E+3", "count-exponent", id="exponent-signed"),
    pytest.param("2.5e3", "count-exponent", id="exponent-decimal"),
    pytest.param("10^3", "count-exponent", id="caret"),
    pytest.param("nan", "count-not-finite", id="nan"),
    pytest.param("NaN", "count-not-finite", id="nan-case"),
    pytest.param("inf", "count-not-finite", id="inf"),
    pytest.param("Infinity", "count-not-finite", id="infinity"),
    pytest.param("-inf", "count-not-finite", id="minus-inf"),
    pytest.param("-5", "count-negative", id="hyphen-minus"),
    pytest.param("−5", "count-negative", id="minus-sign"),
    pytest.param("minus 5", "count-negative", id="minus-word"),
    pytest.param("- 5", "count-negative", id="spaced-minus"),
    pytest.param("at least -5", "count-negative", id="negative-in-phrase"),
    pytest.param("1_000", "count-underscore", id="underscore"),
    pytest.param("²", "count-not-a-digit", id="superscript"),
    pytest.param("745²", "count-not-a-digit", id="superscript-after"),
    pytest.param("½", "count-not-a-digit", id="fraction"),
    pytest.param("Ⅻ", "count-not-a-digit", id="roman-numeral"),
    # sizes
    pytest.param("9" * 16, "count-too-long", id="sixteen-digits"),
    pytest.param("9" * 5000, "count-too-long", id="five-thousand-digits"),
    pytest.param("1,000,000,000,000,000", "count-too-long", id="grouped-too-long"),
    pytest.param("1000000001", "count-too-large", id="above-a-billion"),
    pytest.param("more than 2,000,000,000", "count-too-large", id="too-large-in-phrase"),
    # hostile characters
    pytest.param("\u202e547\u202c", "invisible-character", id="rlo-override"),
    pytest.param("7\u200b45", "invisible-character", id="zero-width-space"),
    pytest.param("\x00", "control-character", id="nul"),
    pytest.param("745\x00", "control-character", id="trailing-nul"),
    pytest.param("\x1b[31m745", "control-character", id="escape-sequence"),
    # bounds that allow nothing
    pytest.param("fewer than 0", "count-impossible-bound", id="fewer-than-0"),
    pytest.param("nearly 0", "count-impossible-bound", id="nearly-0"),
    pytest.param("3-5 (most likely 7)", "most-likely-outside-range", id="likely-above"),
    pytest.param("between 3 and 5, most likely 2", "most-likely-outside-range", id="likely-below"),
]


@pytest.mark.parametrize(("text", "code"), REFUSALS)
def test_refusals_have_a_code_a_message_and_a_hint(text: str, code: str) -> None:
    error = refusal(text)
    assert error.code == code
    assert error.message
    assert error.hint
    assert error.value == text


@pytest.mark.parametrize("text", ["-", "—", "–", " - "])
def test_a_lone_dash_means_no_data_not_zero(text: str) -> None:
    error = refusal(text)
    assert error.code == "unparsed-quantity"
    assert error.hint == "a dash means no figure was given; leave the report out or give the number"


def test_unparsed_hint_suggests_phrases() -> None:
    assert refusal("many").hint == 'write a number or a phrase such as "at least 20" or "dozens"'


def test_ambiguous_dot_hint_names_the_option() -> None:
    assert "--thousands ." in (refusal("1.234").hint or "")


@pytest.mark.parametrize(
    ("text", "code"),
    [("1,5", "count-decimal"), ("1,234", "count-decimal"), ("7.5", "count-bad-grouping")],
)
def test_with_dot_grouping_the_comma_is_a_decimal_mark(text: str, code: str) -> None:
    assert refusal(text, dot_grouping=True).code == code


# --- properties -----------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**9)


@given(counts, st.booleans())
def test_any_count_round_trips_as_exact(n: int, grouped: bool) -> None:
    quantity = parse_quantity(f"{n:,}" if grouped else str(n))
    assert (quantity.kind, quantity.value, quantity.conservative) == (K.EXACT, n, n)
    assert quantity.kernel[0].low == quantity.kernel[0].high == n


@given(counts)
def test_fast_path_agrees_with_the_full_grammar(n: int) -> None:
    assert parse_quantity(str(n)).kernel == parse_quantity(f" {n} ").kernel


phrases = st.one_of(
    counts.map(str),
    st.tuples(st.sampled_from([q[0] for q in QUALIFIERS]), counts).map(lambda p: f"{p[0]} {p[1]}"),
    st.tuples(counts, counts).map(lambda p: f"{p[0]}-{p[1]}"),
    st.sampled_from(["a few", "several", "tens", "dozens", "scores", "hundreds", "thousands"]),
)


@given(phrases)
def test_every_kernel_is_a_probability_over_counts(text: str) -> None:
    try:
        quantity = parse_quantity(text)
    except GrammarError as error:
        # Only "fewer than 0" and "nearly 0" state no possible count.
        assert error.code == "count-impossible-bound"
        return
    assert math.isclose(sum(c.weight for c in quantity.kernel), 1.0)
    assert all(0 <= c.low <= c.high for c in quantity.kernel)
    assert quantity.high is None or quantity.low <= quantity.high


# Pieces of phrases and the characters that trip number parsers, shuffled into near-misses.
HOSTILE_PIECES = [
    *"0123456789٠٧۴७,.'’ _-–—−+~*()[]e#²\u00a0\u202f\u066b\u066c\u202e\x00",
    *("at least ", "more than ", "a dozen", "dozens", "most likely ", "between ", " and "),
]
hostile = st.lists(st.sampled_from(HOSTILE_PIECES), max_size=12).map("".join)


@given(st.one_of(st.text(), hostile))
def test_arbitrary_text_is_read_or_refused_with_a_grammar_error(text: str) -> None:
    try:
        quantity = parse_quantity(text)
    except GrammarError as error:
        assert error.code and error.message and error.hint
        return
    assert quantity.text == text
    assert math.isclose(sum(c.weight for c in quantity.kernel), 1.0)


_QUALIFIERS = ["", "at least ", "more than ", "over ", "about ", "up to ", "nearly ", "some "]


@given(
    qualifier=st.sampled_from(_QUALIFIERS),
    x=st.integers(min_value=0, max_value=2 * 10**9),
    y=st.none() | st.integers(min_value=0, max_value=10**6),
    grouped=st.booleans(),
)
def test_tidy_fast_path_reads_as_the_full_grammar(
    qualifier: str, x: int, y: int | None, grouped: bool
) -> None:
    number = f"{x:,}" if grouped else str(x)
    text = qualifier + number + (f"-{y}" if y is not None and not qualifier else "")

    def outcome(parse: Callable[[], Quantity | None]) -> Quantity | str | None:
        try:
            return parse()
        except GrammarError as error:
            return error.code

    fast = outcome(lambda: quantity_module._parse_tidy(text))
    if fast is not None:
        assert fast == outcome(lambda: quantity_module._parse_phrase(text, False))
