"""What every reader returns: the reports of one file as text, before any grammar runs.

Readers only decode, split and position; they never interpret a count, a date or a grade.
"""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass(frozen=True, eq=False)
class RawDocument:
    """The reports of one input, column by column, every value still the text that was printed.

    ``columns`` maps each contract field present in the input to one string per report (``""``
    where the report leaves it out).  ``lines`` is the 1-based line each report starts on;
    ``field_lines``, where the format knows it (YAML, JSON), the line of each field's value.
    ``findings`` holds the problems the reader met but could step over (a ragged row, an unknown
    column): the reader reports them all instead of stopping at the first.
    """

    file: str
    format: InputFormat
    columns: Mapping[str, tuple[str, ...]]
    lines: tuple[int, ...]
    field_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    sources: tuple[RawSource, ...] = ()
    categories: tuple[RawCategory, ...] = ()
    incident_title: str = ""
    incident_start: str = ""
    incident_line: int = 0
    findings: tuple[Finding, ...] = ()

    def __len__(self) -> int:
        return len(self.lines)

    def line_of(self, row: int, name: str) -> int:
        lines = self.field_lines.get(name)
        return lines[row] if lines else self.lines[row]
