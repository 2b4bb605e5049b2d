"""Reliability grades: every accepted and refused form, then properties over generated input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casualty_cli.errors import GrammarError
from casualty_cli.grammar.grades import DEFAULT_GRADE, LETTER_Q, parse_grade
from casualty_cli.model import DEFAULT_GRADE_TEXT, Grade

# --- accepted: (text, q, letter, credibility) ---------------------------------------------------

ACCEPTED = [
    pytest.param("A", 0.95, "A", None, id="A"),
    pytest.param("B", 0.85, "B", None, id="B"),
    pytest.param("C", 0.70, "C", None, id="C"),
    pytest.param("D", 0.40, "D", None, id="D"),
    pytest.param("E", 0.20, "E", None, id="E"),
    pytest.param("F", 0.50, "F", None, id="F-cannot-be-judged"),
    pytest.param("b", 0.85, "B", None, id="lower-case"),
    pytest.param(" C ", 0.70, "C", None, id="padded"),
    pytest.param("B2", 0.85, "B", 2, id="letter-digit"),
    pytest.param("c3", 0.70, "C", 3, id="lower-letter-digit"),
    pytest.param("A1", 0.95, "A", 1, id="A1"),
    pytest.param("F6", 0.50, "F", 6, id="F6"),
    pytest.param("B٢", 0.85, "B", 2, id="arabic-indic-credibility"),
    pytest.param("0.8", 0.8, None, None, id="decimal"),
    pytest.param(".75", 0.75, None, None, id="leading-dot"),
    pytest.param("+0.5", 0.5, None, None, id="plus-sign"),
    pytest.param("0,8", 0.8, None, None, id="decimal-comma"),
    pytest.param("٠٫٨", 0.8, None, None, id="arabic-indic-decimal"),
    pytest.param("٠.٧٥", 0.75, None, None, id="arabic-indic-dot"),
    pytest.param("０.６", 0.6, None, None, id="fullwidth"),
    pytest.param("0.001", 0.01, None, None, id="clipped-low"),
    pytest.param("0.999", 0.99, None, None, id="clipped-high"),
    pytest.param("0.01", 0.01, None, None, id="lower-clip-edge"),
    pytest.param("0.99", 0.99, None, None, id="upper-clip-edge"),
]


@pytest.mark.parametrize(("text", "q", "letter", "credibility"), ACCEPTED)
def test_accepted_grade(text: str, q: float, letter: str | None, credibility: int | None) -> None:
    grade = parse_grade(text)
    assert grade.q == pytest.approx(q)
    assert (grade.letter, grade.credibility) == (letter, credibility)
    assert grade.text == text.strip()


# --- refused: (text, code) ----------------------------------------------------------------------

REFUSED = [
    pytest.param("", "grade-empty", id="empty"),
    pytest.param("   ", "grade-empty", id="blank"),
    pytest.param("G", "grade-unknown", id="letter-G"),
    pytest.param("B7", "grade-unknown", id="credibility-7"),
    pytest.param("B0", "grade-unknown", id="credibility-0"),
    pytest.param("AA", "grade-unknown", id="two-letters"),
    pytest.param("2B", "grade-unknown", id="digit-first"),
    pytest.param("B 2", "grade-unknown", id="inner-space"),
    pytest.param("B-2", "grade-unknown", id="inner-dash"),
    pytest.param("high", "grade-unknown", id="word"),
    pytest.param("80%", "grade-unknown", id="percent"),
    pytest.param("1e-1", "grade-unknown", id="exponent"),
    pytest.param("nan", "grade-unknown", id="nan"),
    pytest.param("inf", "grade-unknown", id="inf"),
    pytest.param(".", "grade-unknown", id="lone-dot"),
    pytest.param("-", "grade-unknown", id="lone-minus"),
    pytest.param("0.8.1", "grade-unknown", id="two-dots"),
    pytest.param("²", "grade-unknown", id="superscript"),
    pytest.param("0." + "9" * 60, "grade-unknown", id="too-long"),
    pytest.param("0", "grade-out-of-range", id="zero"),
    pytest.param("0.0", "grade-out-of-range", id="zero-decimal"),
    pytest.param("1", "grade-out-of-range", id="one"),
    pytest.param("1.0", "grade-out-of-range", id="one-decimal"),
    pytest.param("1.5", "grade-out-of-range", id="above-one"),
    pytest.param("7", "grade-out-of-range", id="integer"),
    pytest.param("-0.2", "grade-out-of-range", id="negative"),
    pytest.param("\u22120.2", "grade-out-of-range", id="unicode-minus"),
    pytest.param("\u202eB", "invisible-character", id="rlo"),
]


@pytest.mark.parametrize(("text", "code"), REFUSED)
def test_refused_grade(text: str, code: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_grade(text)
    assert caught.value.code == code
    assert caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("text", ["G", "B7", "0", "1.5", ""])
def test_hint_names_the_valid_forms(text: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_grade(text)
    hint = caught.value.hint or ""
    assert "A-F" in hint
    assert "1-6" in hint
    assert "between 0 and 1" in hint


def test_percent_hint_suggests_a_fraction() -> None:
    with pytest.raises(GrammarError) as caught:
        parse_grade("80%")
    assert "0.8" in (caught.value.hint or "")


# --- constants and credibility factors ----------------------------------------------------------


def test_letter_q_matches_statistics_section_2() -> None:
    assert LETTER_Q == {"A": 0.95, "B": 0.85, "C": 0.70, "D": 0.40, "E": 0.20, "F": 0.50}


def test_default_grade_is_F() -> None:
    assert DEFAULT_GRADE == Grade(DEFAULT_GRADE_TEXT, 0.5, "F", None)


def test_credibility_digit_does_not_change_q_by_default() -> None:
    assert parse_grade("B1").q == parse_grade("B6").q == parse_grade("B").q


FACTORS = {1: 1.1, 2: 1.0, 3: 0.9, 4: 0.8, 5: 0.6, 6: 1.0}

WITH_FACTORS = [
    pytest.param("C3", 0.70 * 0.9, id="scaled-down"),
    pytest.param("D1", 0.40 * 1.1, id="scaled-up"),
    pytest.param("A1", 0.99, id="clipped-at-99"),
    pytest.param("C", 0.70, id="no-digit-unchanged"),
    pytest.param("0.6", 0.6, id="number-unchanged"),
]


@pytest.mark.parametrize(("text", "q"), WITH_FACTORS)
def test_credibility_factors_multiply_q(text: str, q: float) -> None:
    assert parse_grade(text, credibility_factors=FACTORS).q == pytest.approx(q)


def test_factor_for_a_missing_digit_leaves_q() -> None:
    assert parse_grade("E5", credibility_factors={1: 2.0}).q == 0.20


def test_tiny_factor_clips_at_one_percent() -> None:
    grade = parse_grade("E2", credibility_factors={2: 0.0})
    assert grade.q == 0.01
    assert (grade.letter, grade.credibility) == ("E", 2)


# --- properties ---------------------------------------------------------------------------------


@given(st.text(max_size=40))
def test_parse_grade_refuses_only_with_grammar_errors(text: str) -> None:
    try:
        grade = parse_grade(text)
    except GrammarError as error:
        assert error.code
        assert error.message
    else:
        assert 0.01 <= grade.q <= 0.99


@given(st.integers(min_value=1, max_value=999))
def test_fraction_is_q_clipped(thousandths: int) -> None:
    grade = parse_grade(f"0.{thousandths:03d}")
    assert grade.q == pytest.approx(min(0.99, max(0.01, thousandths / 1000)))
    assert grade.letter is None


@given(
    st.sampled_from("ABCDEFabcdef"),
    st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
    st.dictionaries(
        st.integers(min_value=1, max_value=6), st.floats(min_value=0, max_value=10), max_size=6
    ),
)
def test_letter_grades_stay_in_range(
    letter: str, credibility: int | None, factors: dict[int, float]
) -> None:
    text = letter + ("" if credibility is None else str(credibility))
    grade = parse_grade(text, credibility_factors=factors)
    assert grade.letter == letter.upper()
    assert grade.credibility == credibility
    assert 0.01 <= grade.q <= 0.99
