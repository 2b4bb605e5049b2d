"""Machine formats for any list of flat records: CSV, TSV, JSON, NDJSON and Markdown.

Data never goes through rich: it is written as plain UTF-8 text with LF line ends, integers
without separators, keys in a fixed order, and no NaN.  JSON escapes every control and bidi
character, so that even printed on a terminal it cannot drive it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from casualty_cli.render.safe import (
    FORMULA_TRIGGERS,
    json_text,
    markdown_cell,
    spreadsheet_cell,
)

Record = Mapping[str, Any]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(cell_text(v) for v in value)
    return str(value)


def write_delimited(
    records: Sequence[Record],
    header: Sequence[str],
    stream: IO[str],
    *,
    delimiter: str = ",",
    excel_safe: bool = True,
) -> None:
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        writer.writerow(
            [delimited_cell(record.get(name), delimiter, excel_safe) for name in header]
        )


def delimited_cell(value: Any, delimiter: str, excel_safe: bool) -> str:
    """A value as a CSV/TSV cell's text: formulas neutralised, no tab inside a TSV cell."""
    cell = cell_text(value)
    if excel_safe:
        cell = spreadsheet_cell(cell)
    if delimiter == "\t":
        cell = cell.replace("\t", " ")
    return cell


def write_delimited_columns(
    columns: Mapping[str, Sequence[Any]],
    header: Sequence[str],
    stream: IO[str],
    *,
    delimiter: str = ",",
    excel_safe: bool = True,
) -> None:
    """:func:`write_delimited` of records held as columns: the same bytes, one pass per column.

    Each distinct value of a column is made text, and quoted as the csv module would quote it,
    once (a million rows hold a few thousand distinct places and flag sets); rows are then
    joined in C.  The tests check the bytes against :func:`write_delimited`.
    """
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    # A block at a time, so that the text of a million rows never sits in memory at once.
    for lines in _line_blocks(columns, header, delimiter, excel_safe):
        stream.write("".join(lines))


def write_ranked_lines(
    lines: Sequence[str], header: Sequence[str], stream: IO[str], *, delimiter: str = ","
) -> None:
    """:func:`write_delimited_columns` of columns whose first, ``header[0]``, numbers the rows
    from 1 and whose others ``lines`` already holds (``DelimitedRows`` of ``header[1:]``)."""
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for start in range(0, len(lines), _ROWS_PER_WRITE):
        block = lines[start : start + _ROWS_PER_WRITE]
        stream.write(
            "".join([f"{rank}{delimiter}{line}" for rank, line in enumerate(block, start + 1)])
        )


def _line_blocks(
    columns: Mapping[str, Sequence[Any]], header: Sequence[str], delimiter: str, excel_safe: bool
) -> Iterator[list[str]]:
    """The rows' lines, each ending in a line feed, ``_ROWS_PER_WRITE`` rows at a time."""
    makers = [_cell_maker(columns[name], delimiter, excel_safe) for name in header]
    n_rows = len(columns[header[0]]) if header else 0
    for start in range(0, n_rows, _ROWS_PER_WRITE):
        block = slice(start, start + _ROWS_PER_WRITE)
        texts = [make(columns[name][block]) for make, name in zip(makers, header, strict=True)]
        yield [delimiter.join(row) + "\n" for row in zip(*texts, strict=True)]


_ROWS_PER_WRITE = 8_192

DELIMITERS: dict[str, str] = {"csv": ",", "tsv": "\t"}
"""The delimiter of each delimited output format."""


@dataclass(frozen=True)
class DelimitedRows:
    """Each row of some columns as the line :func:`write_delimited_columns` writes for it.

    Made where the columns are: the parts of a large reconciliation each write their own rows
    on their own CPU, and only the lines are merged (``Reconciliation.lines``).  Two equal
    makers make the same lines, which is how the writer knows it may use them.
    """

    header: tuple[str, ...]
    delimiter: str
    excel_safe: bool

    def __call__(self, columns: Mapping[str, Sequence[Any]]) -> list[str]:
        blocks = _line_blocks(columns, self.header, self.delimiter, self.excel_safe)
        return [line for lines in blocks for line in lines]


def _cell_maker(
    values: Sequence[Any], delimiter: str, excel_safe: bool
) -> Callable[[Sequence[Any]], list[str]]:
    """A function writing a run of the column's values as csv.writer would, among other fields."""
    kinds = set(map(type, values))
    if kinds <= {int, type(None)}:
        # Integers are never formulas (spreadsheet_cell leaves numbers alone), never quoted.
        return lambda run: ["" if value is None else str(value) for value in run]
    quoted = _quoter(delimiter)
    # A text that is no formula and holds nothing to quote or replace is its own cell.
    special = re.compile(f'[{re.escape(delimiter)}"\r\n\t]').search

    def text(value: Any) -> str:
        if value.__class__ is str and not value.startswith(FORMULA_TRIGGERS):
            if special(value) is None:
                return value
        return quoted(delimited_cell(value, delimiter, excel_safe))

    if bool in kinds:
        # True == 1: a memo keyed by value would mix them up.
        return lambda run: [text(value) for value in run]
    made: dict[Any, str] = {}
    return lambda run: [
        made[value] if value in made else made.setdefault(value, text(value)) for value in run
    ]


def _quoter(delimiter: str) -> Callable[[str], str]:
    """A cell as csv.writer writes it among other fields (an empty cell stays empty)."""
    buffer = io.StringIO()
    # The same line end as the real writer: csv quotes a cell holding a line end's characters.
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")

    def quoted(cell: str) -> str:
        if not cell:
            return cell
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell])
        return buffer.getvalue()[:-1]

    return quoted


def write_json(document: Mapping[str, Any], stream: IO[str]) -> None:
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, indent=2)
    stream.write(json_text(text))
    stream.write("\n")


def write_ndjson(records: Sequence[Record], stream: IO[str]) -> None:
    for record in records:
        stream.write(json_text(json.dumps(record, ensure_ascii=False, allow_nan=False)))
        stream.write("\n")


def write_markdown(records: Sequence[Record], header: Sequence[str], stream: IO[str]) -> None:
    stream.write("| " + " | ".join(header) + " |\n")
    stream.write("|" + "|".join(" --- " for _ in header) + "|\n")
    for record in records:
        cells = (markdown_cell(cell_text(record.get(name))) for name in header)
        stream.write("| " + " | ".join(cells) + " |\n")
