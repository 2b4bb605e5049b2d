"""What every reader returns: the reports of one file as text, before any grammar runs.

Readers only decode, split and position; they never interpret a count, a date or a grade.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from casualty_cli.errors import Finding


class InputFormat(StrEnum):
    YAML = "yaml"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    NDJSON = "ndjson"


@dataclass(frozen=True, slots=True)
class RawSource:
    """One entry of a ``sources:`` mapping, as text."""

    id: str
    line: int
    grade: str = ""
    name: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RawCategory:
    """One entry of a ``categories:`` mapping, as text."""

    parent: str
    parts: tuple[str, ...]
    line: int
    complete: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class RawFactor:
    """A column as its distinct texts, in order of first appearance, and one code per report.

    The delimited reader builds columns this way as it reads (a million rows hold few distinct
    sources, dates or counts), so that each distinct text can be parsed once without another pass.
    Its free-text columns (``url``, ``quote``, ``notes``), nearly all distinct and never parsed,
    are the exception: their levels are the cells themselves, repeats included, and their codes
    ``range(len(levels))``.  ``codes`` is any sequence of ints.
    """

    levels: tuple[str, ...]
    codes: Sequence[int]

    @classmethod
    def of(cls, column: Sequence[str]) -> RawFactor:
        levels = tuple(dict.fromkeys(column))
        index = {level: code for code, level in enumerate(levels)}
        return cls(levels, list(map(index.__getitem__, column)))

    @classmethod
    def combine(cls, parts: Sequence[RawFactor]) -> RawFactor:
        """The factors of several documents' columns, one after the other, as one factor."""
        if len(parts) == 1:
            return parts[0]
        index: dict[str, int] = {}
        codes: list[int] = []
        for part in parts:
            # Remap per distinct text (few), then per row in C.
            remap = [index.setdefault(level, len(index)) for level in part.levels]
            codes.extend(map(remap.__getitem__, part.codes))
        return cls(tuple(index), codes)

    def values(self) -> tuple[str, ...]:
        return tuple(map(self.levels.__getitem__, self.codes))


class FactorColumns(Mapping[str, tuple[str, ...]]):
    """``RawDocument.columns`` backed by factors: a column is expanded only when it is asked for."""

    def __init__(self, factors: Mapping[str, RawFactor]) -> None:
        self._factors = factors
        self._expanded: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, name: str) -> tuple[str, ...]:
        column = self._expanded.get(name)
        if column is None:
            column = self._expanded[name] = self._factors[name].values()
        return column

    def __iter__(self) -> Iterator[str]:
        return iter(self._factors)

    def __len__(self) -> int:
        return len(self._factors)


@dataclass(frozen=True, eq=False)
class RawDocument:
    """The reports of one input, column by column, every value still the text that was printed.

    ``columns`` maps each contract field present in the input to one string per report (``""``
    where the report leaves it out).  ``lines`` is the 1-based line each report starts on;
    ``field_lines``, where the format knows it (YAML, JSON), the line of each field's value.
    ``findings`` holds the problems the reader met but could step over (a ragged row, an unknown
    column): the reader reports them all instead of stopping at the first.  ``factors`` holds
    the same columns factorised, where the reader built them so (CSV/TSV); use :meth:`factor`.
    ``delimiter`` is the delimiter a CSV/TSV input was read with (a ``;`` file is usually written
    with decimal commas and dot grouping).
    """

    file: str
    format: InputFormat
    columns: Mapping[str, tuple[str, ...]]
    lines: tuple[int, ...]
    field_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    sources: tuple[RawSource, ...] = ()
    categories: tuple[RawCategory, ...] = ()
    places: tuple[RawCategory, ...] = ()  # parent place paths and their parts, as categories
    incident_title: str = ""
    incident_start: str = ""
    incident_line: int = 0
    findings: tuple[Finding, ...] = ()
    factors: Mapping[str, RawFactor] = field(default_factory=dict)
    delimiter: str = ""

    def __len__(self) -> int:
        return len(self.lines)

    def line_of(self, row: int, name: str) -> int:
        lines = self.field_lines.get(name)
        return lines[row] if lines else self.lines[row]

    def factor(self, name: str) -> RawFactor:
        """The column ``name`` as distinct texts and codes (built now if the reader did not).

        Cheaper than ``columns[name]`` for a large CSV: the reader built it while reading.  A
        field the document does not have is all ``""``.
        """
        found = self.factors.get(name)
        if found is not None:
            return found
        column = self.columns.get(name)
        if column is None:
            return RawFactor(("",), [0] * len(self))
        return RawFactor.of(column)
