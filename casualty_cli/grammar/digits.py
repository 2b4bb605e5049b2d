"""Digits of every script, and the invisible characters that must never reach a number.

Reporters print counts and dates in Arabic-Indic (٧٤٥), Persian (۷۴۵), fullwidth (７４５) and other
digits.  Python's ``int()`` accepts them, even mixed, and ``re``'s ``\\d`` matches them; tally
folds them to ASCII once, here, and says when one string mixes scripts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from casualty_cli.errors import GrammarError

# Bidi controls and other format characters (category Cf) change how a number *looks*
# ("\u202e547" displays as 745) without changing what it *is*.
_ZERO_WIDTH_ALLOWED: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AsciiText:
    """Text with every decimal digit folded to ASCII; ``scripts`` names the digit scripts seen."""

    text: str
    scripts: tuple[str, ...]

    @property
    def mixed(self) -> bool:
        return len(self.scripts) > 1


def _script_of(char: str) -> str:
    # "ARABIC-INDIC DIGIT SEVEN" -> "ARABIC-INDIC"; "DIGIT SEVEN" -> "ASCII".
    name = unicodedata.name(char, "")
    head = name.rsplit(" DIGIT ", 1)[0] if " DIGIT " in name else "ASCII"
    return head.title()


def reject_format_characters(text: str) -> None:
    """Refuse invisible format characters (U+202E and friends), naming the code point."""
    for char in text:
        if unicodedata.category(char) == "Cf" and char not in _ZERO_WIDTH_ALLOWED:
            raise GrammarError(
                f"contains the invisible format character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')})",
                code="invisible-character",
                value=text,
                hint="delete it: it can make one number display as another",
            )


@lru_cache(maxsize=65536)
def fold_digits(text: str) -> AsciiText:
    """Fold every decimal digit (Unicode category Nd) to ASCII.

    Superscripts and other digit-like characters that are not decimal digits are left alone,
    so that the grammars refuse them instead of reading ``²`` as 2.
    """
    if text.isascii():
        return AsciiText(text, ("Ascii",) if any(c.isdigit() for c in text) else ())
    out: list[str] = []
    scripts: dict[str, None] = {}
    for char in text:
        value = unicodedata.decimal(char, None)
        if value is None:
            out.append(char)
        else:
            script = "Ascii" if char.isascii() else _script_of(char)
            scripts[script] = None
            out.append(chr(48 + value))
    return AsciiText("".join(out), tuple(scripts))
