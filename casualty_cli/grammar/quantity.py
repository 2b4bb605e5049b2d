"""The quantity grammar: a count phrase as printed ("at least 745", "dozens", "10–20") → a kernel.

A phrase is reduced to a *template* — its words, lower-cased, with each number replaced by ``#``
("more than 1,000 people" → ``more than #``) — and the template is looked up in a table.  So a
new synonym is one table entry, and nothing is guessed: a template that is not in the table is
refused.  The kernels are those of statistics.md section 2, computed in exact integer arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from casualty_cli.errors import GrammarError
from casualty_cli.grammar.digits import fold_digits, reject_format_characters
from casualty_cli.grammar.numbers import (
    DOT,
    MAX_COUNT,
    MAX_DIGITS,
    NUMBER_PATTERN,
    parse_number,
    reject_control_characters,
    reject_non_decimal_digits,
)
from casualty_cli.model import Component, Quantity, QuantityKind

__all__ = [
    "about_kernel",
    "cap_kernel",
    "exact_kernel",
    "floor_kernel",
    "parse_quantity",
]

Kernel = tuple[Component, ...]
K = QuantityKind

# Qualifiers before the number, by kind; the first spelling is the normalised ``word``.
_PREFIXES: dict[QuantityKind, tuple[str, ...]] = {
    K.AT_LEAST: ("at least", "no fewer than", "no less than", "a minimum of"),
    K.MORE_THAN: ("more than", "over", "upwards of", "in excess of"),
    K.UP_TO: ("up to", "as many as", "at most", "no more than", "a maximum of"),
    K.FEWER_THAN: ("fewer than", "less than", "under"),
    K.NEARLY: ("nearly", "almost", "close to", "just under"),
    K.ABOUT: (
        "about",
        "around",
        "approximately",
        "approx.",
        "approx",
        "some",
        "roughly",
        "~",
        "≈",
        "c.",
        "ca.",
        "circa",
        "an estimated",
    ),
}
_SUFFIXES: dict[QuantityKind, tuple[str, ...]] = {K.AT_LEAST: ("or more", "+")}
_RANGES = ("#-#", "# to #", "between # and #", "from # to #")

# Vague words: the band they allow and the ACLED-style conservative figure (statistics.md §2).
_VAGUE: dict[str, tuple[int, int, int]] = {
    "a few": (2, 5, 2),
    "several": (3, 9, 3),
    "tens": (20, 99, 10),
    "dozens": (24, 99, 12),
    "scores": (40, 99, 20),
    "hundreds": (200, 999, 100),
    "thousands": (2000, 9999, 1000),
    "tens of thousands": (20_000, 99_999, 10_000),
    "hundreds of thousands": (200_000, 999_999, 100_000),
}
DOZEN = "a dozen"

# Trailing words that restate what a count is of; "civilians" is a category, so it is not here.
_NOUN = re.compile(
    r"\s(?:people|persons|killed|dead|deaths|fatalities|victims|bodies|were killed"
    r"|have been killed)$",
    re.IGNORECASE,
)
_STAR = re.compile(r"(?<=\S)\s*([*†‡]+)$")
_BRACKET = re.compile(r"(?<=\S)\s*(\[[^\[\]]*\])$")
_PAREN = re.compile(r"(?<=\S)\s*(\([^()]*\))$")
_TRAILERS = (
    (_STAR, "footnote marker {} ignored"),
    (_BRACKET, "footnote marker {} ignored"),
    (_PAREN, "{} kept as a note"),
)
_CASUALTIES = re.compile(r"\bcasualt(?:y|ies)\b", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
# NBSP, NNBSP and thin space group digits ("1 000"), so a lone one must survive until the
# number is read; any other run of whitespace is one plain space.
_DIGIT_SPACES = frozenset("\u00a0\u202f\u2009")
_NUMBER = re.compile(NUMBER_PATTERN)
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
_SPACED_DASH = re.compile(r"#\s*-\s*#")
_MOST_LIKELY = re.compile(r"^(?P<range>.*?)\s*(?:,\s*most likely #|\(\s*most likely #\s*\))$")
_NOT_FINITE = re.compile(r"\b(?:nan|inf|infinity)\b|∞")
_EXPONENT = re.compile(r"#e[+-]?#|#\^#")
_NEGATIVE = re.compile(r"(?:^|[\s(])-\s?#|\bminus #")
_LONE_DASH = re.compile(r"-+")

_UNPARSED_HINT = 'write a number or a phrase such as "at least 20" or "dozens"'
_NO_DATA_HINT = "a dash means no figure was given; leave the report out or give the number"

# The weights of the three bands of FK and CK, narrowest band first.
STEP_WEIGHTS = (0.40, 0.45, 0.15)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What one qualifier makes of one number, before it becomes a :class:`Quantity`."""

    low: int
    high: int | None
    kernel: Kernel
    conservative: int


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


# --- kernels (statistics.md section 2) ----------------------------------------------------------


def exact_kernel(y: int) -> Kernel:
    """A stated count: an atom on it (reported-value inflation) plus a ±25% log band."""
    if y == 0:
        return (Component(0, 0, 1.0),)
    low = min(y - 1, _ceil_div(4 * y, 5))
    high = max(y + 1, 5 * y // 4)
    return (Component(y, y, 0.5), Component(low, high, 0.5))


def floor_kernel(l0: int, precise: bool) -> Kernel:
    """FK: "at least L0" as a step-decreasing density up to 2·L0."""
    first = l0 if precise else _ceil_div(11 * l0, 10)
    narrow, middle, wide = STEP_WEIGHTS
    return (
        Component(l0, first, narrow),
        Component(l0, _ceil_div(3 * l0, 2), middle),
        Component(l0, 2 * l0, wide),
    )


def cap_kernel(u0: int) -> Kernel:
    """CK: "up to U0" as a step-increasing density down to U0/2."""
    lows = (_ceil_div(10 * u0, 11), _ceil_div(2 * u0, 3), _ceil_div(u0, 2))
    return tuple(Component(low, u0, w) for low, w in zip(lows, STEP_WEIGHTS, strict=True))


def about_kernel(x: int) -> Kernel:
    """About X: one band, log-symmetric ±10%, always strictly wider than the atom X."""
    low = max(0, min(x - 1, _ceil_div(10 * x, 11)))
    high = max(x + 1, 11 * x // 10)
    return (Component(low, high, 1.0),)


def _precise(x: int) -> bool:
    # Heaping: a round number after "at least" is a threshold, not a count.
    return x < 10 or x % 10 != 0


# --- readings of a number under each qualifier ----------------------------------------------------


def _read_exact(y: int) -> _Reading:
    return _Reading(y, y, exact_kernel(y), y)


def _read_at_least(x: int) -> _Reading:
    return _Reading(x, None, floor_kernel(x, _precise(x)), x)


def _read_more_than(x: int) -> _Reading:
    return _Reading(x + 1, None, floor_kernel(x + 1, False), x + 1)


def _read_cap(u0: int) -> _Reading:
    kernel = cap_kernel(u0)
    return _Reading(0, u0, kernel, min(c.low for c in kernel))


def _read_nearly(x: int) -> _Reading:
    low = min(_ceil_div(4 * x, 5), x - 1)
    return _Reading(low, x - 1, (Component(low, x - 1, 1.0),), low)


def _read_about(x: int) -> _Reading:
    kernel = about_kernel(x)
    return _Reading(kernel[0].low, kernel[0].high, kernel, x)


_READERS: dict[QuantityKind, Callable[[int], _Reading]] = {
    K.EXACT: _read_exact,
    K.AT_LEAST: _read_at_least,
    K.MORE_THAN: _read_more_than,
    K.UP_TO: _read_cap,
    K.FEWER_THAN: lambda x: _read_cap(x - 1),
    K.NEARLY: _read_nearly,
    K.ABOUT: _read_about,
}
# "fewer than 0" and "nearly 0" allow no count at all.
_NEEDS_POSITIVE = frozenset({K.FEWER_THAN, K.NEARLY})


# --- the template tables --------------------------------------------------------------------------


def _spellings(qualifier: str, slot: str, *, before: bool) -> tuple[str, ...]:
    # "~745" and "745+" are printed without a space; words never are.
    joined = f"{qualifier} {slot}" if before else f"{slot} {qualifier}"
    glued = qualifier[-1] if before else qualifier[0]
    if glued.isalpha():
        return (joined,)
    return (joined, f"{qualifier}{slot}" if before else f"{slot}{qualifier}")


def _qualified(slot: str) -> dict[str, tuple[QuantityKind, str]]:
    """Every qualified spelling of ``slot`` → (kind, the qualifier as written)."""
    table: dict[str, tuple[QuantityKind, str]] = {}
    for before, qualifiers in ((True, _PREFIXES), (False, _SUFFIXES)):
        for kind, words in qualifiers.items():
            for word in words:
                for template in _spellings(word, slot, before=before):
                    table[template] = (kind, word)
    return table


_FORMS: dict[str, QuantityKind] = {
    "#": K.EXACT,
    **{template: kind for template, (kind, _) in _qualified("#").items()},
    **dict.fromkeys(_RANGES, K.RANGE),
}
_WORDS: dict[QuantityKind, str] = {kind: words[0] for kind, words in _PREFIXES.items()}
# "a dozen" alone is about 12 (statistics.md section 2); qualified, it is the number 12.
_DOZEN_FORMS: dict[str, tuple[QuantityKind, str]] = {
    DOZEN: (K.ABOUT, DOZEN),
    **{template: (kind, _WORDS[kind]) for template, (kind, _) in _qualified(DOZEN).items()},
}
_QUALIFIED_VAGUE: dict[str, tuple[str, str]] = {
    template: (vague, word) for vague in _VAGUE for template, (_, word) in _qualified(vague).items()
}


# --- refusals -------------------------------------------------------------------------------------


def _quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def _unparsed(text: str, message: str | None = None) -> GrammarError:
    return GrammarError(
        message or f"cannot read {_quote(text)} as a count",
        code="unparsed-quantity",
        hint=_UNPARSED_HINT,
        value=text,
    )


def _refuse_special(template: str, text: str) -> None:
    """Refuse the phrases that look like numbers but are not counts, each with its own code."""
    if _LONE_DASH.fullmatch(template):
        raise GrammarError(
            f"{_quote(text)} gives no figure",
            code="unparsed-quantity",
            hint=_NO_DATA_HINT,
            value=text,
        )
    if _NOT_FINITE.search(template):
        raise GrammarError(
            f"{_quote(text)} is not a finite number",
            code="count-not-finite",
            hint="give the number of people, or leave the report out if no figure was given",
            value=text,
        )
    if _EXPONENT.search(template):
        raise GrammarError(
            f"{_quote(text)} is written with an exponent",
            code="count-exponent",
            hint="write the number in full, e.g. 1000 for 1e3",
            value=text,
        )
    if _NEGATIVE.search(template):
        raise GrammarError(
            f"{_quote(text)} is negative; a count of people cannot be",
            code="count-negative",
            hint="give the count as a whole number of 0 or more (a lone '-' means no data)",
            value=text,
        )


def _refuse_casualties(work: str, text: str) -> None:
    if _CASUALTIES.search(work):
        raise GrammarError(
            f"{_quote(text)} counts casualties, which may include the injured",
            code="casualties-ambiguous",
            hint="give the killed count, or set outcome for this report",
            value=text,
        )


# --- normalisation --------------------------------------------------------------------------------


def _collapse(text: str) -> str:
    def one_space(match: re.Match[str]) -> str:
        run = match.group()
        return run if run in _DIGIT_SPACES else " "

    return _WHITESPACE.sub(one_space, text).strip()


def _is_most_likely(trailer: str) -> bool:
    # "(most likely 30)" is part of a range phrase, not a note.
    return trailer.startswith("(") and trailer[1:].lstrip().lower().startswith("most likely")


def _strip_trailer(work: str, notes: list[str]) -> str:
    """Drop one footnote marker, parenthetical note or restating noun from the end of ``work``."""
    for pattern, note in _TRAILERS:
        match = pattern.search(work)
        if match is None or _is_most_likely(match.group(1)):
            continue
        notes.append(note.format(repr(match.group(1))))
        return work[: match.start()].rstrip()
    match = _NOUN.search(work)
    return work if match is None else work[: match.start()].rstrip()


def _strip_trailers(work: str, notes: list[str]) -> str:
    while True:
        stripped = _strip_trailer(work, notes)
        if stripped == work:
            return work
        work = stripped


def _normalise(text: str, notes: list[str]) -> str:
    """Check the characters of ``text``, collapse its spaces, strip what a count does not need."""
    reject_control_characters(text)
    if not text.isascii():
        # ASCII holds no format characters, no digit but 0-9 and so one digit script.
        reject_format_characters(text)
        reject_non_decimal_digits(text)
        folded = fold_digits(text)
        if folded.mixed:
            notes.append(f"digits in mixed scripts: {', '.join(folded.scripts)}")
    work = _collapse(text)
    if not work:
        raise _unparsed(text, "the count is empty")
    _refuse_casualties(work, text)
    return _strip_trailers(work, notes)


def _templatise(work: str, text: str) -> tuple[str, list[str]]:
    """``work`` lower-cased with each number replaced by ``#``, and the numbers taken out."""
    if "#" in work:
        raise _unparsed(text)
    tokens: list[str] = []

    def hole(match: re.Match[str]) -> str:
        tokens.append(match.group())
        return "#"

    template = _NUMBER.sub(hole, work.lower())
    template = _WHITESPACE.sub(" ", template).translate(_DASHES).strip()
    return _SPACED_DASH.sub("#-#", template), tokens


def _read_tokens(tokens: list[str], text: str, dot_grouping: bool, notes: list[str]) -> list[int]:
    numbers: list[int] = []
    for token in tokens:
        numbers.append(parse_number(token, dot_grouping=dot_grouping, source=text))
        if dot_grouping and DOT in token:
            notes.append(f"'.' in {token!r} read as a thousands separator")
    return numbers


# --- interpretation -------------------------------------------------------------------------------


def _quantity(
    text: str,
    kind: QuantityKind,
    value: int | None,
    reading: _Reading,
    notes: list[str],
    *,
    word: str | None = None,
    most_likely: int | None = None,
) -> Quantity:
    return Quantity(
        text=text,
        kind=kind,
        value=value,
        low=reading.low,
        high=reading.high,
        kernel=reading.kernel,
        conservative=reading.conservative,
        most_likely=most_likely,
        word=word,
        notes=tuple(notes),
    )


def _range(text: str, ends: list[int], likely: int | None, notes: list[str]) -> Quantity:
    low, high = min(ends), max(ends)
    if ends[0] > ends[1]:
        notes.append(f"range written high to low; read as {low}-{high}")
    kernel: Kernel = (Component(low, high, 1.0),)
    if likely is not None:
        if not low <= likely <= high:
            raise GrammarError(
                f"most likely {likely} lies outside the range {low}-{high}",
                code="most-likely-outside-range",
                hint="give a most likely figure between the two ends of the range",
                value=text,
            )
        kernel = (Component(likely, likely, 0.5), Component(low, high, 0.5))
    reading = _Reading(low, high, kernel, low)
    return _quantity(text, K.RANGE, low, reading, notes, most_likely=likely)


def _vague(text: str, template: str, notes: list[str]) -> Quantity | None:
    if template in _QUALIFIED_VAGUE:
        word, qualifier = _QUALIFIED_VAGUE[template]
        notes.append(f"{qualifier!r} before {word!r} adds nothing; read as {word!r}")
    elif template in _VAGUE:
        word = template
    else:
        return None
    low, high, conservative = _VAGUE[word]
    reading = _Reading(low, high, (Component(low, high, 1.0),), conservative)
    return _quantity(text, K.VAGUE, None, reading, notes, word=word)


def _qualified_number(
    text: str, kind: QuantityKind, x: int, word: str | None, notes: list[str]
) -> Quantity:
    if kind in _NEEDS_POSITIVE and x == 0:
        raise GrammarError(
            f"{_quote(text)} allows no count of people",
            code="count-impossible-bound",
            hint="check the phrase; write 0 if nobody was killed",
            value=text,
        )
    reading = _READERS[kind](x)
    return _quantity(text, kind, x, reading, notes, word=word)


def _interpret(text: str, template: str, numbers: list[int], notes: list[str]) -> Quantity:
    likely_match = _MOST_LIKELY.fullmatch(template)
    if likely_match and _FORMS.get(likely_match["range"]) is K.RANGE:
        return _range(text, numbers[:2], numbers[2], notes)
    kind = _FORMS.get(template)
    if kind is K.RANGE:
        return _range(text, numbers, None, notes)
    if kind is not None:
        return _qualified_number(text, kind, numbers[0], _WORDS.get(kind), notes)
    if template in _DOZEN_FORMS:
        kind, word = _DOZEN_FORMS[template]
        notes.append("'a dozen' read as 12")
        return _qualified_number(text, kind, 12, word, notes)
    vague = _vague(text, template, notes)
    if vague is None:
        message = None if numbers else f"{_quote(text)} names no number"
        raise _unparsed(text, message)
    return vague


def _parse_phrase(text: str, dot_grouping: bool) -> Quantity:
    notes: list[str] = []
    work = _normalise(text, notes)
    template, tokens = _templatise(work, text)
    _refuse_special(template, text)
    numbers = _read_tokens(tokens, text, dot_grouping, notes)
    return _interpret(text, template, numbers, notes)


# The common shapes of bulk data ("2,883", "at least 745", "10-20") in their tidy ASCII form.
_TIDY_NUMBER = r"(?:[1-9][0-9]{0,2}(?:,[0-9]{3}){1,2}|[0-9]{1,9})"
_TIDY = re.compile(
    rf"(?P<words>(?:[a-z]+ )+)?(?P<x>{_TIDY_NUMBER})(?:-(?P<y>{_TIDY_NUMBER}))?", re.ASCII
)


def _parse_tidy(text: str) -> Quantity | None:
    """The same reading as the full grammar for tidy phrases, without its normalisation passes."""
    match = _TIDY.fullmatch(text)
    if match is None:
        return None
    words, x, y = match.group("words", "x", "y")
    kind = _FORMS.get((words or "") + ("#-#" if y else "#"))
    if kind is None:
        return None
    first = int(x.replace(",", ""))
    if y:
        if kind is not K.RANGE:
            return None
        numbers = [first, int(y.replace(",", ""))]
        if max(numbers) > MAX_COUNT:
            return None
        return _range(text, numbers, None, [])  # the one form with two numbers
    if first > MAX_COUNT or (first == 0 and kind in _NEEDS_POSITIVE):
        return None  # the full grammar says why
    # _qualified_number's reading, without the template's second look-ups (a million rows
    # have about 90,000 distinct phrases, nearly all of this shape).
    reading = _READERS[kind](first)
    return Quantity(
        text, kind, first, reading.low, reading.high, reading.kernel, reading.conservative,
        None, _WORDS.get(kind), (),
    )  # fmt: skip


@lru_cache(maxsize=1 << 20)
def _parse(text: str, dot_grouping: bool) -> Quantity:
    # Most counts are plain ASCII integers: skip the normalisation and the template lookup.
    if text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS:
        y = int(text)
        if y <= MAX_COUNT:
            return Quantity(text, K.EXACT, y, y, y, exact_kernel(y), y)
    if not dot_grouping:
        tidy = _parse_tidy(text)
        if tidy is not None:
            return tidy
    return _parse_phrase(text, dot_grouping)


def parse_quantity(text: str, *, dot_grouping: bool = False) -> Quantity:
    """Read a count phrase as printed ("745", "at least 1,000", "dozens", "10–20").

    ``dot_grouping`` reads ``.`` as a thousands separator ("1.234" = 1234), as in files written
    with ``--thousands .``.  Raises :class:`GrammarError` with a stable ``code`` for every phrase
    refused.  Results are cached by string: a large file repeats its distinct counts many times.
    """
    return _parse(text, dot_grouping)
