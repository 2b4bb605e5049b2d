"""Make user text safe for the places tally writes it: terminals, spreadsheets and Markdown."""

from __future__ import annotations

import re

# C0 and C1 controls (but tab and newline), DEL, and the bidi controls that reorder what a
# terminal shows (U+202A-U+202E, U+2066-U+2069) or mark direction invisibly.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#<>&])")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """Replace control and bidi characters with visible escapes, so no input drives the terminal."""
    return _UNSAFE.sub(_visible, text)


def json_text(document: str) -> str:
    """Escape, as ``\\uXXXX``, the characters of a JSON text that a terminal would act on.

    ``json.dumps(ensure_ascii=False)`` escapes C0 controls but writes DEL, the C1 controls
    (U+009B is a CSI in some terminals) and the bidi controls raw.  They only ever stand inside
    strings, where the escape means the same character: the data round-trips unchanged.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def spreadsheet_cell(text: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (OWASP); leave numbers alone."""
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def markdown_cell(text: str) -> str:
    """Escape what would break a GitHub table cell or render as HTML or a link."""
    flat = " ".join(terminal_text(text).splitlines())
    return _MARKDOWN_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", flat)
