"""Reliability grades: an Admiralty code (``B``, ``c3``) or a probability (``0.8``) → ``q``.

``q`` is the probability that a claim so graded is valid (statistics.md section 2,
"Reliability").  It is clipped to [.01, .99]: at q = 1 every conflict between two sources would
become a contradiction instead of evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from casualty_cli.errors import GrammarError
from casualty_cli.grammar.digits import fold_digits, reject_format_characters
from casualty_cli.model import DEFAULT_GRADE_TEXT, Grade

LETTER_Q: Final[Mapping[str, float]] = MappingProxyType(
    {"A": 0.95, "B": 0.85, "C": 0.70, "D": 0.40, "E": 0.20, "F": 0.50}
)
Q_MIN: Final = 0.01
Q_MAX: Final = 0.99

VALID_FORMS = (
    "an Admiralty letter A-F with an optional credibility digit 1-6 (B, C3), "
    "or a number between 0 and 1 (0.8)"
)

# A grade is a letter and a digit, or a short decimal: anything longer is not one.
_MAX_LENGTH = 32
_ADMIRALTY = re.compile(r"(?P<letter>[A-Fa-f])(?P<credibility>[1-6])?")
# "," and U+066B ARABIC DECIMAL SEPARATOR are decimal marks too: a grade has no thousands.
_NUMBER = re.compile(r"(?P<sign>[+\-\u2212])?(?P<whole>[0-9]*)(?:[.,\u066b](?P<fraction>[0-9]*))?")


def parse_grade(text: str, *, credibility_factors: Mapping[int, float] | None = None) -> Grade:
    """Read a grade; ``credibility_factors`` optionally scales q by the credibility digit 1-6."""
    grade = _parse_grade(text)
    credibility = grade.credibility
    if not credibility_factors or credibility is None or credibility not in credibility_factors:
        return grade
    q = _clip(grade.q * credibility_factors[credibility])
    return Grade(grade.text, q, grade.letter, grade.credibility)


@lru_cache(maxsize=4096)
def _parse_grade(text: str) -> Grade:
    stripped = text.strip()
    if not stripped:
        raise GrammarError(
            "the grade is empty", code="grade-empty", value=text, hint=f"give {VALID_FORMS}"
        )
    if len(stripped) > _MAX_LENGTH:
        raise _unknown(stripped)
    reject_format_characters(stripped)
    folded = fold_digits(stripped).text
    admiralty = _ADMIRALTY.fullmatch(folded)
    if admiralty is not None:
        letter = admiralty["letter"].upper()
        credibility = int(admiralty["credibility"]) if admiralty["credibility"] else None
        return Grade(stripped, LETTER_Q[letter], letter, credibility)
    number = _NUMBER.fullmatch(folded)
    if number is None or not (number["whole"] or number["fraction"]):
        raise _unknown(stripped)
    return Grade(stripped, _probability(number, stripped))


def _probability(number: re.Match[str], text: str) -> float:
    value = float(f"{number['whole'] or '0'}.{number['fraction'] or '0'}")
    if number["sign"] in ("-", "\u2212"):
        value = -value
    if not 0.0 < value < 1.0:
        raise GrammarError(
            f'grade "{text}" is not strictly between 0 and 1',
            code="grade-out-of-range",
            value=text,
            hint=f"give {VALID_FORMS}",
        )
    return _clip(value)


def _clip(q: float) -> float:
    return min(Q_MAX, max(Q_MIN, q))


def _unknown(text: str) -> GrammarError:
    shown = text if len(text) <= 40 else text[:39] + "…"
    hint = f"give {VALID_FORMS}"
    if shown.endswith("%"):
        hint += "; write 80% as 0.8"
    return GrammarError(f'"{shown}" is not a grade', code="grade-unknown", value=text, hint=hint)


DEFAULT_GRADE: Final = parse_grade(DEFAULT_GRADE_TEXT)
