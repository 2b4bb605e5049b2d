"""CSV and TSV report files: fast, column-wise, and exact about lines.

A report file can hold a million rows, so rows are never kept: the csv module reads them in chunks,
``zip`` turns each chunk into columns, and each cell is replaced by a code into the column's
distinct texts (stripped once per distinct text, not once per cell).  Only a chunk that needs it
(a blank or ragged row, a quoted newline) is walked row by row.

Lines are physical lines, as the csv module counts them: a row whose quoted field holds a newline
spans several, and the rows after it keep their true line numbers.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import compress, islice
from typing import TYPE_CHECKING

from casualty_cli.errors import Finding, InputError, Location, Severity
from casualty_cli.model import REPORT_FIELDS, REQUIRED_FIELDS
from casualty_cli.readers.decode import Decoded
from casualty_cli.readers.raw import FactorColumns, InputFormat, RawDocument, RawFactor
from casualty_cli.readers.shape import FIELDS, did_you_mean, field_key, paused_gc

SNIFF_CHARS = 65_536
CANDIDATES = (",", ";", "\t", "|")
EXTENSION_DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".ssv": ";"}

_CHUNK_ROWS = 1024
_SNIFF_LINES = 20
# On Windows a C long is 32 bits: csv.field_size_limit(sys.maxsize) raises OverflowError there.
_FIELD_LIMIT_CEILING = 2**31 - 1
_SEP_LINE = re.compile(r"sep=(.)[ \t]*(?:\r\n|\r|\n|\Z)", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"')
# tally's own CSV output puts a ' before these so that spreadsheets do not run them as formulas.
_FORMULA_STARTS = frozenset("=+-@")

if TYPE_CHECKING:
    from _csv import Reader

Rows = list[list[str]]


def extension_delimiter(name: str) -> str | None:
    return EXTENSION_DELIMITERS.get(os.path.splitext(name)[1].lower())


def sniff_delimiter(sample: str) -> str | None:
    """The delimiter of the first lines of ``sample`` among ``, ; tab |``, or None.

    Bounded and linear (csv.Sniffer is quadratic on an unterminated quote): the candidate whose
    count in the header is non-zero and repeated on the most of the following lines wins.
    """
    lines = sample[:SNIFF_CHARS].splitlines()
    if len(sample) > SNIFF_CHARS and len(lines) > 1:
        lines.pop()  # cut short by the sample
    lines = [_QUOTED.sub("", line) for line in lines[:_SNIFF_LINES] if line.strip()]
    if not lines:
        return None
    best: tuple[int, int, int] | None = None
    chosen = None
    for rank, candidate in enumerate(CANDIDATES):
        width = lines[0].count(candidate)
        if not width:
            continue
        agree = sum(line.count(candidate) == width for line in lines[1:])
        score = (agree, width, -rank)
        if best is None or score > best:
            best, chosen = score, candidate
    return chosen


def read_delimited(
    source: Decoded | str,
    name: str,
    *,
    delimiter: str | None = None,
    preferred: str | None = None,
    max_field_size: int = 1_048_576,
) -> RawDocument:
    """The reports of a CSV/TSV text.

    The delimiter is ``delimiter`` if given, else a first line ``sep=X`` (Excel's), else the
    extension of ``name``, else ``preferred``, else the sniffed one, else a comma.
    """
    if isinstance(source, str):
        source = Decoded.of(source)
    text = source.text
    sep_line = _SEP_LINE.match(text)
    chosen = (
        delimiter
        or (sep_line.group(1) if sep_line else None)
        or _expected_delimiter(text, extension_delimiter(name) or preferred)
        or sniff_delimiter(text[: SNIFF_CHARS + 1])
        or ","
    )
    _check_delimiter(chosen, name)
    limit = max(1, min(max_field_size, _FIELD_LIMIT_CEILING))
    with _field_size_limit(limit), paused_gc():
        table = _Table(name, chosen, skip_first=sep_line is not None)
        try:
            table.read(_fast_chunks(_reader(source.stream(), chosen)))
        except csv.Error:
            # Malformed quoting somewhere: read again row by row to place every problem.
            table = _Table(name, chosen, skip_first=sep_line is not None)
            table.read(_CarefulChunks(text, name, chosen, limit, table.findings))
    return table.document()


def _expected_delimiter(text: str, expected: str | None) -> str | None:
    """``expected`` (from the extension), unless the header lacks it and the sniffer finds another.

    Spreadsheets in many locales save ``;``-separated files as ``.csv``: read with a comma, their
    header would be a single column, never a valid report table.
    """
    if expected is None:
        return None
    sample = text[: SNIFF_CHARS + 1]
    header = next((line for line in sample.splitlines() if line.strip()), "")
    if expected in header:
        return expected
    return sniff_delimiter(sample) or expected


def _reader(lines: Iterable[str], delimiter: str, *, strict: bool = True) -> Reader:
    # strict: an unterminated quote raises at the end instead of swallowing the rest silently.
    return csv.reader(lines, delimiter=delimiter, strict=strict, skipinitialspace=True)


@contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _check_delimiter(delimiter: str, name: str) -> None:
    if len(delimiter) != 1 or delimiter in '"\r\n' or delimiter.isalnum():
        raise InputError(
            f"cannot use {delimiter!r} as the delimiter",
            location=Location(name),
            hint="use one character such as ',', ';', '|' or a tab",
            code="bad-delimiter",
        )


# --- reading rows in chunks ----------------------------------------------------------------------


def _fast_chunks(reader: Reader) -> Iterator[tuple[Rows, Sequence[int]]]:
    """Chunks of rows and the line each row starts on, at C speed."""
    while True:
        before = reader.line_num
        rows = list(islice(reader, _CHUNK_ROWS))
        if not rows:
            return
        after = reader.line_num
        # Every row takes at least one line, so equal counts mean one line per row.
        if after - before == len(rows):
            yield rows, range(before + 1, after + 1)
        else:
            yield rows, _spanned_lines(rows, before + 1)


def _spanned_lines(rows: Rows, first: int) -> list[int]:
    """Start lines of rows whose quoted fields may hold line breaks."""
    lines = []
    line = first
    # NUL cannot occur (decode rejects it), so it keeps "\r" and "\n" of two fields apart.
    for joined in map("\x00".join, rows):
        lines.append(line)
        line += 1 + joined.count("\n") + joined.count("\r") - joined.count("\r\n")
    return lines


class _CarefulChunks:
    """Rows one at a time with their lines, for a file whose quoting is broken somewhere."""

    def __init__(
        self, text: str, name: str, delimiter: str, limit: int, findings: list[Finding]
    ) -> None:
        self.name = name
        self.delimiter = delimiter
        self.limit = limit
        self.findings = findings
        self.lines = io.StringIO(text, newline="")
        self.consumed: list[str] = []

    def __iter__(self) -> Iterator[tuple[Rows, Sequence[int]]]:
        reader = _reader(self._feed(), self.delimiter)
        rows: Rows = []
        lines: list[int] = []
        while True:
            start = reader.line_num + 1
            self.consumed = []
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                row = self._recover(error, start)
            rows.append(row)
            lines.append(start)
            if len(rows) == _CHUNK_ROWS:
                yield rows, lines
                rows, lines = [], []
        if rows:
            yield rows, lines

    def _feed(self) -> Iterator[str]:
        for line in self.lines:
            self.consumed.append(line)
            yield line

    def _recover(self, error: csv.Error, start: int) -> list[str]:
        message = str(error)
        if "field larger than field limit" in message:
            raise InputError(
                f"a field of the row at line {start} is longer than {self.limit:,} characters",
                location=Location(self.name, start),
                hint="look for a quote that is never closed; otherwise raise the field size limit",
                code="field-too-large",
            )
        if "unexpected end of data" in message:
            raise InputError(
                f"unterminated quoted field starting at line {start}",
                location=Location(self.name, start),
                hint='close the quote, and double every quote inside a quoted field ("")',
                code="unterminated-quote",
            )
        # Text after a closing quote ("a" b): read the row as the csv module's lenient mode does.
        self.findings.append(
            Finding(
                "text-after-quote",
                "text after the closing quote of a field",
                Location(self.name, start),
                hint='put the whole field inside the quotes, e.g. "Khan Younis, south"',
                severity=Severity.WARNING,
            )
        )
        return next(_reader(self.consumed, self.delimiter, strict=False), [])


# --- building the columns ------------------------------------------------------------------------


class _Coder(dict[str, int]):
    """Codes the cells of one column: each distinct cell is cleaned once, then looked up in C."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[str] = []
        self.index: dict[str, int] = {}

    def __missing__(self, raw: str) -> int:
        text = _clean(raw)
        code = self.index.get(text)
        if code is None:
            code = self.index[text] = len(self.levels)
            self.levels.append(text)
        self[raw] = code
        return code


def _clean(cell: str) -> str:
    text = cell.strip()
    # Undo tally's own formula guard ('=...) so that its CSV output reads back unchanged.
    if text[:1] == "'" and text[1:2] in _FORMULA_STARTS:
        return text[1:]
    return text


def _blank(row: list[str]) -> bool:
    return all(not cell or cell.isspace() for cell in row)


class _Table:
    """Chunks of rows in, columns of codes out: the header, then every data row."""

    def __init__(self, name: str, delimiter: str, *, skip_first: bool) -> None:
        self.name = name
        self.delimiter = delimiter
        self.skip_first = skip_first
        self.findings: list[Finding] = []
        self.header: list[str] | None = None
        self.header_line = 0
        self.hxl_pending = True
        self.width = 0
        self.fields: list[tuple[int, str]] = []  # (column index, contract field)
        self.unnamed: list[int] = []
        self.coders: dict[int, _Coder] = {}
        self.codes: dict[int, list[int]] = {}
        self.lines: list[int] = []

    def read(self, chunks: Iterable[tuple[Rows, Sequence[int]]]) -> None:
        for rows, lines in chunks:
            if self.skip_first or self.header is None or self.hxl_pending:
                rows, lines = self.start(rows, lines)
            self.add(rows, lines)

    def add(self, rows: Rows, lines: Sequence[int]) -> None:
        if not rows:
            return
        try:
            # strict: a row of another length (blank or ragged) stops zip, at no cost otherwise.
            columns = list(zip(*rows, strict=True))
        except ValueError:
            columns = []
        if len(columns) != self.width:
            rows, lines = self.keep_full_rows(rows, lines)
            if not rows:
                return
            columns = list(zip(*rows, strict=True))
        for index, coder in self.coders.items():
            self.codes[index].extend(map(coder.__getitem__, columns[index]))
        self.lines.extend(lines)

    def start(self, rows: Rows, lines: Sequence[int]) -> tuple[Rows, Sequence[int]]:
        """Skip the ``sep=`` line, find the header, and skip an HXL hashtag row under it."""
        at = 0
        if self.skip_first and rows:
            self.skip_first = False
            at = 1
        while self.header is None and at < len(rows):
            if not _blank(rows[at]):
                self.set_header(rows[at], lines[at])
            at += 1
        while self.header is not None and self.hxl_pending and at < len(rows):
            if not _blank(rows[at]):
                self.hxl_pending = False
                if _is_hxl(rows[at]):
                    self.warn("hxl-row-skipped", "HXL hashtag row skipped", lines[at])
                    at += 1
                break
            at += 1
        return rows[at:], lines[at:]

    def set_header(self, row: list[str], line: int) -> None:
        self.header, self.header_line, self.width = row, line, len(row)
        found: dict[str, int] = {}
        for index, raw in enumerate(row):
            label = raw.strip()
            key = field_key(label)
            if not label:
                self.unnamed.append(index)
            elif key not in FIELDS:
                self.warn(
                    "unknown-column",
                    f"unknown column {label!r} is ignored",
                    line,
                    label,
                    hint=did_you_mean(label, REPORT_FIELDS),
                )
            elif key in found:
                raise self.duplicate(key, found[key], index)
            else:
                found[key] = index
        missing = [name for name in REQUIRED_FIELDS if name not in found]
        if missing:
            raise self.missing(missing)
        self.fields = sorted(((index, key) for key, index in found.items()))
        for index in [*(index for index, _ in self.fields), *self.unnamed]:
            self.coders[index] = _Coder()
            self.codes[index] = []

    def keep_full_rows(self, rows: Rows, lines: Sequence[int]) -> tuple[Rows, list[int]]:
        kept: Rows = []
        kept_lines: list[int] = []
        for row, line in zip(rows, lines, strict=True):
            if len(row) == self.width:
                kept.append(row)
                kept_lines.append(line)
            elif not _blank(row):
                self.ragged(len(row), line)
        return kept, kept_lines

    def ragged(self, count: int, line: int) -> None:
        if count > self.width:
            hint = f"quote fields that contain {_shown(self.delimiter)}"
        else:
            hint = f"give every row {self.width} fields (empty ones are fine)"
        self.findings.append(
            Finding(
                "ragged-row",
                f"row has {count} fields, the header has {self.width}",
                Location(self.name, line),
                hint=hint,
            )
        )

    # --- the result ----------------------------------------------------------------------------

    def document(self) -> RawDocument:
        if self.header is None:
            raise InputError(
                "empty input: no header row",
                location=Location(self.name),
                hint="the first row names the columns: source, count, ...",
                code="empty-input",
            )
        self.drop_empty_rows()
        self.check_unnamed()
        factors = {
            name: RawFactor(tuple(self.coders[index].levels), self.codes[index])
            for index, name in self.fields
        }
        return RawDocument(
            file=self.name,
            format=InputFormat.TSV if self.delimiter == "\t" else InputFormat.CSV,
            columns=FactorColumns(factors),
            lines=tuple(self.lines),
            findings=tuple(self.findings),
            factors=factors,
            delimiter=self.delimiter,
        )

    def drop_empty_rows(self) -> None:
        """Drop rows whose every field is empty (",,,"), as spreadsheets write at the end."""
        empty: dict[int, int] = {}
        for index, _ in self.fields:
            code = self.coders[index].index.get("")
            if code is None:
                return  # some field is never empty, so no row is all empty
            empty[index] = code
        if not self.lines:
            return
        # Candidates come from the column with the fewest empty cells; list.count runs in C.
        narrow = min(empty, key=lambda index: self.codes[index].count(empty[index]))
        candidates = _positions(self.codes[narrow], empty[narrow])
        drop = [i for i in candidates if all(self.codes[j][i] == empty[j] for j in empty)]
        if not drop:
            return
        keep = bytearray(b"\x01") * len(self.lines)
        for row in drop:
            keep[row] = 0
        self.lines = list(compress(self.lines, keep))
        for index in self.codes:
            self.codes[index] = list(compress(self.codes[index], keep))

    def check_unnamed(self) -> None:
        for index in self.unnamed:
            if any(self.coders[index].levels):
                self.warn(
                    "unknown-column",
                    f"column {index + 1} has no name; its values are ignored",
                    self.header_line,
                    hint="name the column in the header row, or delete it",
                )

    # --- problems ------------------------------------------------------------------------------

    def warn(
        self, code: str, message: str, line: int, name: str | None = None, hint: str | None = None
    ) -> None:
        where = Location(self.name, line, name)
        self.findings.append(Finding(code, message, where, hint=hint, severity=Severity.WARNING))

    def duplicate(self, key: str, first: int, second: int) -> InputError:
        header = self.header or []
        return InputError(
            f"columns {first + 1} ({header[first].strip()!r}) and {second + 1} "
            f"({header[second].strip()!r}) both name the field {key!r}",
            location=Location(self.name, self.header_line, key),
            hint="rename or delete one of them: tally will not guess which one is meant",
            code="duplicate-column",
        )

    def missing(self, names: list[str]) -> InputError:
        wanted = " or ".join(repr(name) for name in names)
        found = ", ".join(cell.strip() for cell in self.header or [] if cell.strip())
        return InputError(
            f"no {wanted} column",
            location=Location(self.name, self.header_line),
            hint=f"the header row has: {found or 'nothing'}; every report needs a source and a"
            " count",
            code="missing-column",
        )


def _is_hxl(row: list[str]) -> bool:
    cells = [cell.strip() for cell in row if cell.strip()]
    return bool(cells) and all(cell.startswith("#") for cell in cells)


def _positions(codes: list[int], code: int) -> list[int]:
    found = []
    at = -1
    try:
        while True:
            at = codes.index(code, at + 1)
            found.append(at)
    except ValueError:
        return found


def _shown(delimiter: str) -> str:
    return "a tab" if delimiter == "\t" else repr(delimiter)
