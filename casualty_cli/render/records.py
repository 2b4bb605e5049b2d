"""Machine formats for any list of flat records: CSV, TSV, JSON, NDJSON and Markdown.

Data never goes through rich: it is written as plain UTF-8 text with LF line ends, integers
without separators, keys in a fixed order, and no NaN.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from typing import IO, Any

from casualty_cli.render.safe import markdown_cell, spreadsheet_cell

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
        cells = [cell_text(record.get(name)) for name in header]
        if excel_safe:
            cells = [spreadsheet_cell(c) for c in cells]
        if delimiter == "\t":
            cells = [c.replace("\t", " ") for c in cells]
        writer.writerow(cells)


def write_json(document: Mapping[str, Any], stream: IO[str]) -> None:
    json.dump(document, stream, ensure_ascii=False, allow_nan=False, indent=2)
    stream.write("\n")


def write_ndjson(records: Sequence[Record], stream: IO[str]) -> None:
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False, allow_nan=False))
        stream.write("\n")


def write_markdown(records: Sequence[Record], header: Sequence[str], stream: IO[str]) -> None:
    stream.write("| " + " | ".join(header) + " |\n")
    stream.write("|" + "|".join(" --- " for _ in header) + "|\n")
    for record in records:
        cells = (markdown_cell(cell_text(record.get(name))) for name in header)
        stream.write("| " + " | ".join(cells) + " |\n")
