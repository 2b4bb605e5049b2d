"""Column helpers: factorise a column of text so that each distinct string is parsed once."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from casualty_cli.errors import GrammarError
from casualty_cli.model import Factor
from casualty_cli.readers.raw import RawFactor

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Codes(Generic[K]):
    """Distinct values of a column in order of first appearance, and one code per row."""

    levels: tuple[K, ...]
    codes: list[int]


def factorise(column: Iterable[K]) -> Codes[K]:
    values = column if isinstance(column, Sequence) else tuple(column)
    # dict.fromkeys and map(dict.__getitem__) run in C: no Python-level loop per row.
    levels = tuple(dict.fromkeys(values))
    index = {level: code for code, level in enumerate(levels)}
    return Codes(levels, list(map(index.__getitem__, values)))


@dataclass(frozen=True, slots=True)
class Parsed(Generic[V]):
    """A factorised column after parsing: per level a value, or the error that refused it."""

    values: tuple[V | None, ...]
    errors: dict[int, GrammarError]
    codes: list[int]

    @classmethod
    def concatenate(cls, parts: Sequence[Parsed[V]]) -> Parsed[V]:
        """Several documents' parsed columns, one after the other."""
        if len(parts) == 1:
            return parts[0]
        values: list[V | None] = []
        errors: dict[int, GrammarError] = {}
        codes: list[int] = []
        for part in parts:
            offset = len(values)
            values.extend(part.values)
            errors.update({code + offset: error for code, error in part.errors.items()})
            codes.extend(code + offset for code in part.codes)
        return cls(tuple(values), errors, codes)

    def factor(self, fallback: V) -> Factor[V]:
        return Factor(tuple(fallback if v is None else v for v in self.values), self.codes)

    def optional_factor(self) -> Factor[V | None]:
        """The column with ``None`` for empty (and refused) cells."""
        return Factor(self.values, self.codes)

    def bad_rows(self) -> list[tuple[int, GrammarError]]:
        """Rows whose text was refused, in row order (only walked when something failed)."""
        if not self.errors:
            return []
        errors = self.errors
        return [(row, errors[code]) for row, code in enumerate(self.codes) if code in errors]


def parse_column(
    column: Codes[str] | RawFactor,
    parse: Callable[[str], V],
    *,
    empty: V | None = None,
) -> Parsed[V]:
    """Parse each distinct text once; empty cells become ``empty`` without calling ``parse``."""
    codes = column
    values: list[V | None] = []
    errors: dict[int, GrammarError] = {}
    for code, text in enumerate(codes.levels):
        if not text:
            values.append(empty)
            continue
        try:
            values.append(parse(text))
        except GrammarError as error:
            values.append(None)
            errors[code] = error
    return Parsed(tuple(values), errors, list(codes.codes))
