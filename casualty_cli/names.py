"""Names of sources, places and categories: how they are displayed and how they are compared.

People type the same source as "Ministry of Health", "ministry of  health" and with decomposed
accents ("Kha\u0304n").  tally displays the first spelling it met (NFC, spaces collapsed) and
compares a key that ignores case, width and composition (NFKC + casefold).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from casualty_cli.errors import GrammarError

# Levels of single-spaced words joined by single slashes, nothing to trim or collapse.
_WORD = r"[^\s/]+(?: [^\s/]+)*"
_TIDY_PATH = re.compile(rf"{_WORD}(?:/{_WORD})*")


@lru_cache(maxsize=65536)
def display_name(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def path_key(path: Iterable[str]) -> tuple[str, ...]:
    """A path's identity: each of its names by :func:`name_key`."""
    return tuple(map(name_key, path))


def place_key(name: str) -> tuple[str, ...]:
    """The key of a place as ``places:`` declares it ("Syria/Coast"; "" is the root)."""
    return path_key(name.split("/")) if name else ()


def split_path(text: str, *, what: str) -> tuple[str, ...]:
    """Split a ``/``-path ("Syria/Latakia/Jableh") into display names, refusing empty levels."""
    if text.isascii() and _TIDY_PATH.fullmatch(text):
        # Tidy ASCII paths (most of a large file) are already in display form.
        return tuple(text.split("/"))
    stripped = text.strip().strip("/")
    if not stripped:
        return ()
    parts = tuple(display_name(part) for part in stripped.split("/"))
    if any(not part for part in parts):
        raise GrammarError(
            f"{what} path {text!r} has an empty level",
            code=f"{what}-empty-level",
            value=text,
            hint="separate levels with a single '/', most general first, e.g. Syria/Latakia/Jableh",
        )
    return parts
