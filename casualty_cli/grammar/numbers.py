"""The bare-count grammar: one whole number of people as printed, in digits of any script.

Reporters group thousands with ``,``, spaces of three widths, apostrophes and the Arabic thousands
separator; some locales group with ``.`` and write decimals with ``,``.  Python's ``int()`` and
``float()`` disagree with readers on almost all of these (conventions.md section 4.4), so a count
is taken apart here by hand and every refusal gets its own code.
"""

from __future__ import annotations

import re
import unicodedata

from casualty_cli.errors import GrammarError
from casualty_cli.grammar.digits import fold_digits

MAX_DIGITS = 15
MAX_COUNT = 10**9

DOT = "."
COMMA = ","
ARABIC_DECIMAL = "\u066b"
UNDERSCORE = "_"
# Characters that may sit between two runs of digits inside one printed number.  Only some of
# them group thousands; the others are caught so the refusal can name them.
_SEPARATORS = ",.'’ \u00a0\u202f\u2009\u066c\u066b_"
_SEPARATOR_CLASS = f"[{re.escape(_SEPARATORS)}]"
# \d is every decimal digit (category Nd), exactly the set fold_digits folds.
NUMBER_PATTERN = rf"\d+(?:{_SEPARATOR_CLASS}\d+)*"
_SEPARATOR = re.compile(_SEPARATOR_CLASS)
# Every code point of category Cc; tab and line breaks are plain whitespace to a spreadsheet.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_GROUPING_HINT = "write 1,000 or 1000: after the first 1-3 digits, group by exactly three"
_DECIMAL_HINT = "a count of people is a whole number; give the figure as the source printed it"


def _quote(text: str, limit: int = 40) -> str:
    # Values can be thousands of characters long; a message should stay one line.
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def _refuse(message: str, code: str, hint: str, source: str) -> GrammarError:
    return GrammarError(message, code=code, hint=hint, value=source)


def reject_control_characters(text: str) -> None:
    """Refuse NUL and other control characters: they mean a corrupt or binary cell."""
    match = _CONTROL.search(text)
    if match is None:
        return
    raise _refuse(
        f"contains the control character U+{ord(match.group()):04X}",
        "control-character",
        "delete it: the file may be corrupt, or not a text file",
        text,
    )


def reject_non_decimal_digits(text: str) -> None:
    """Refuse numeric characters that are not decimal digits (``²``, ``½``, ``Ⅻ``, ``三``).

    ``str.isdigit`` accepts ``²``, and ``int`` then fails on it; a count is written in digits.
    """
    for char in text:
        if char.isnumeric() and not char.isdecimal():
            name = unicodedata.name(char, "unnamed")
            raise _refuse(
                f"{char!r} (U+{ord(char):04X} {name}) is not a decimal digit",
                "count-not-a-digit",
                "write the count with ordinary digits; drop a superscript footnote marker",
                text,
            )


def _well_grouped(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])


def _check_separators(
    token: str, groups: list[str], seps: list[str], *, dot_grouping: bool, source: str
) -> None:
    kinds = set(seps)
    if UNDERSCORE in kinds:
        raise _refuse(
            f"{_quote(token)} groups digits with '_', which is programming notation",
            "count-underscore",
            "write 1000 or 1,000",
            source,
        )
    # Whichever of '.' and ',' does not group thousands is a decimal mark in this reading.
    decimal_mark = COMMA if dot_grouping else DOT
    # Nobody groups thousands after a leading zero: "0,745" can only be a fraction.
    fraction = int(groups[0]) == 0 and kinds <= {COMMA, DOT}
    if decimal_mark in kinds or ARABIC_DECIMAL in kinds or fraction:
        if kinds == {DOT} and not dot_grouping and not fraction and _well_grouped(groups):
            raise _refuse(
                f"{_quote(token)} is ambiguous: '.' may be a decimal point or group thousands",
                "count-ambiguous-dot",
                "a count is a whole number; if '.' groups thousands here, pass --thousands .",
                source,
            )
        raise _refuse(f"{_quote(token)} has a decimal part", "count-decimal", _DECIMAL_HINT, source)
    if len(kinds) > 1:
        shown = ", ".join(repr(sep) for sep in sorted(kinds))
        raise _refuse(
            f"{_quote(token)} mixes the separators {shown}",
            "count-bad-grouping",
            "use one thousands separator throughout a number",
            source,
        )
    if kinds == {COMMA} and len(groups) == 2 and len(groups[1]) == 1:
        # "2,5" is a decimal comma; "1,00" is only a mistake.
        raise _refuse(f"{_quote(token)} has a decimal part", "count-decimal", _DECIMAL_HINT, source)
    if not _well_grouped(groups):
        raise _refuse(
            f"{_quote(token)} groups its digits wrongly",
            "count-bad-grouping",
            _GROUPING_HINT,
            source,
        )


def parse_number(token: str, *, dot_grouping: bool = False, source: str | None = None) -> int:
    """The value of one printed number matching :data:`NUMBER_PATTERN`.

    ``dot_grouping`` reads ``.`` as a thousands separator (and then ``,`` as a decimal mark).
    Errors quote ``source``, the whole phrase the number came from, as their value.
    """
    where = token if source is None else source
    groups = _SEPARATOR.split(fold_digits(token).text)
    digits = "".join(groups)
    if len(digits) > MAX_DIGITS:
        raise _refuse(
            f"{_quote(token)} has {len(digits)} digits; a count has at most {MAX_DIGITS}",
            "count-too-long",
            "check the value: no count of people is that long",
            where,
        )
    if len(groups) > 1:
        seps = _SEPARATOR.findall(token)
        _check_separators(token, groups, seps, dot_grouping=dot_grouping, source=where)
    value = int(digits)
    if value > MAX_COUNT:
        raise _refuse(
            f"{value:,} is above the largest count tally reads ({MAX_COUNT:,})",
            "count-too-large",
            "check the value for a typo or two numbers run together",
            where,
        )
    return value
