"""CSV and TSV report files: fast, column-wise, and exact about lines.

A report file can hold a million rows, so rows are never kept: the csv module reads them in chunks,
``zip`` turns each chunk into columns, and each cell is replaced by a code into the column's
distinct texts (stripped once per distinct text, not once per cell).  Free-text columns (``url``,
``quote``, ``notes``, ``id``), whose cells are nearly all distinct, are kept as cells instead:
coding them would only cost.  Only a chunk that needs it (a blank or ragged row, a quoted newline)
is walked row by row.

A large input is read by two processes where the platform can fork: the text is cut at a row
boundary near its middle, a child reads the second part while this process reads the first, and
the child's columns, lines and findings are appended to this process's.  Anything unexpected
(malformed quoting, a failed child) falls back to reading the whole input here, so that every
message is the one a single read gives.

Lines are physical lines, as the csv module counts them: a row whose quoted field holds a newline
spans several, and the rows after it keep their true line numbers.
"""

from __future__ import annotations

import csv
import io
import os
import pickle
import re
import signal
import sys
import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from itertools import compress, filterfalse, islice
from typing import TYPE_CHECKING, BinaryIO, TextIO

from casualty_cli.collector import paused_gc
from casualty_cli.errors import Finding, InputError, Location, Severity
from casualty_cli.model import REPORT_FIELDS, REQUIRED_FIELDS
from casualty_cli.readers.decode import Decoded
from casualty_cli.readers.raw import FactorColumns, InputFormat, RawDocument, RawFactor
from casualty_cli.readers.shape import FIELDS, did_you_mean, field_key

SNIFF_CHARS = 65_536
CANDIDATES = (",", ";", "\t", "|")
EXTENSION_DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".ssv": ";"}

# Measured on 1M rows: chunks of 1024 rows fall out of the CPU cache and cost ~0.3 s more.
_CHUNK_ROWS = 256
# A careful read lists a chunk's quoting findings before the table's (ragged rows, HXL): its
# chunks keep the size they always had, so that findings keep their order.
_CAREFUL_ROWS = 1024
# Columns of free text, nearly every cell distinct: kept as cells, never coded.  An id column's
# factor must still have distinct levels (the loader counts them to check ids for duplicates).
_FREE_TEXT = frozenset({"url", "quote", "notes", "id"})
_DISTINCT_LEVELS = frozenset({"id"})
# Inputs of fewer characters are read by one process: a second costs more than it saves.
SPLIT_FROM = 8 * 1_048_576
# The share of a split input this process reads: a little under half, as it also joins the
# child's rows to its own (measured best on 1M rows, 2 CPUs).
_HEAD_SHARE = 0.42
# Chunks a child reads between the parts it sends.
_PART_CHUNKS = 64
# Line feeds looked at for a row boundary to cut at, before giving up on a split.
_CUT_TRIES = 1000
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
    split_from: int | None = None,
) -> RawDocument:
    """The reports of a CSV/TSV text.

    The delimiter is ``delimiter`` if given, else a first line ``sep=X`` (Excel's), else the
    extension of ``name``, else ``preferred``, else the sniffed one, else a comma.

    An input of at least ``split_from`` characters is read by two processes where the platform
    can fork (by default from :data:`SPLIT_FROM`, given two CPUs); the document is the same.
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
    if split_from is None and _cpus() > 1:
        split_from = SPLIT_FROM
    with _field_size_limit(limit), paused_gc():
        try:
            table = None
            if split_from is not None:
                table = _read_halves(source, name, chosen, sep_line is not None, split_from)
            if table is None:
                table = _Table(name, chosen, skip_first=sep_line is not None)
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
            if len(rows) == _CAREFUL_ROWS:
                yield rows, lines
                rows, lines = [], []
        if rows:
            yield rows, lines

    def _feed(self) -> Iterator[str]:
        for line in self.lines:
            self.consumed.append(line)
            yield line

    def _recover(self, error: csv.Error, start: int) -> list[str]:
        self._refuse(error, start)
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
        try:
            return next(_reader(self.consumed, self.delimiter, strict=False), [])
        except csv.Error as lenient:
            # Read leniently, the row can still hold a field over the limit.
            self._refuse(lenient, start)
            raise InputError(
                f"cannot read the row at line {start}: {lenient}",
                location=Location(self.name, start),
                hint='check the quotes of this row: double every quote inside a quoted field ("")',
                code="unterminated-quote",
            ) from None

    def _refuse(self, error: csv.Error, start: int) -> None:
        """Raise the InputError for the csv errors no row can be read past."""
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


# --- reading a large input in two processes ------------------------------------------------------


def _cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _can_fork() -> bool:
    # A lock held by another thread stays locked in a forked child, and macOS's system libraries
    # are not fork-safe (multiprocessing does not fork there by default either).
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def _read_halves(
    source: Decoded, name: str, delimiter: str, skip_first: bool, split_from: int
) -> _Table | None:
    """The table of ``source``, its second part read by a forked child, or None to read it here.

    None when the input is shorter than ``split_from`` characters, cannot be cut, or anything
    goes wrong (a csv error in either part, a failed child): the caller then reads the whole
    input in this process, with the messages of a single read.
    """
    if len(source.text) < split_from or not _can_fork():
        return None
    encoded = source.utf8()
    if encoded is None:
        return None
    data, start = encoded
    cut = _find_cut(data, start, start + int((len(data) - start) * _HEAD_SHARE))
    if cut is None:
        return None
    table = _Table(name, delimiter, skip_first=skip_first)
    # A copy: the csv module must see the end of the first part.
    reader = _reader(_utf8_lines(io.BytesIO(data[start:cut])), delimiter)
    chunks = _fast_chunks(reader)
    try:
        # The child needs the header: read up to the first row of data before forking.
        if not table.start_from(chunks):
            return None  # no data in the first part
        with _Child(lambda pipe: _send_tail(table, data, cut, pipe)) as child:
            table.read(chunks)
            table.settle()
            # The child's levels come after all of ours, so its parts are joined only now; and
            # its lines count from its first, so they move down by the lines of the first part.
            while (part := child.receive()) is not None:
                table.join(part, reader.line_num)
    except (csv.Error, OSError, _ChildFailed, InputError):
        # A csv error may be the cut's (inside a quoted field after all) or the input's: reading
        # the whole input again tells which, and places it.  An InputError (a bad header) may
        # hide one that a single read meets first, such as an unterminated quote.
        return None
    return table


def _find_cut(data: bytes, start: int, near: int) -> int | None:
    """An offset just after a line feed at or after ``near`` that is likely a row boundary.

    A line feed with an odd number of quotes before it is inside a quoted field, so it is
    skipped.  The parity can mislead (a quote inside an unquoted field counts too), but then the
    first part ends inside a quoted field and the csv module (strict) raises at its end: a wrong
    cut is never read as rows.  UTF-8 never uses the bytes of '"' or a line feed inside another
    character, so counting bytes counts characters.
    """
    quotes = data.count(b'"', start, near)
    at = near
    for _ in range(_CUT_TRIES):
        feed = data.find(b"\n", at)
        if feed < 0:
            return None
        quotes += data.count(b'"', at, feed)
        at = feed + 1
        if quotes % 2 == 0:
            return at if at < len(data) else None
    return None


def _utf8_lines(data: io.BytesIO) -> TextIO:
    """UTF-8 ``data`` from its position on, untranslated: as ``Decoded.stream`` reads text."""
    return io.TextIOWrapper(data, encoding="utf-8", newline="")


def _send_tail(head: _Table, data: bytes, cut: int, pipe: _Sender) -> None:
    """In the child: read the rows of ``data`` after ``cut`` and send them in parts.

    Parts of :data:`_PART_CHUNKS` chunks let the parent join the first ones while this process
    reads on, so that only the last is joined after both have read.  Lines count from the cut:
    the first line after it is line 1.
    """
    if data.find(b"\x00", cut) >= 0:
        raise ValueError("NUL in the input")  # it separates the levels of a part
    table = head.successor()
    tail = io.BytesIO(data)  # shares the bytes of ``data``: no copy
    tail.seek(cut)
    chunks = _fast_chunks(_reader(_utf8_lines(tail), table.delimiter))
    for count, chunk in enumerate(chunks, 1):
        table.read((chunk,))
        if count % _PART_CHUNKS == 0:
            pipe.send(table.take_part())
        pipe.push()
    pipe.send(table.take_part())
    pipe.send(None)


class _ChildFailed(Exception):
    """The child process ended before sending all it had to."""


class _Sender:
    """The child's end of the pipe: sends values without ever stalling the child's reading.

    The parent drains the pipe only once it has read its own part; until then the pipe is full
    and pickled values wait here while the child reads on.
    """

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.waiting: deque[memoryview] = deque()

    def send(self, value: object) -> None:
        self.waiting.append(memoryview(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
        self.push()

    def push(self) -> None:
        """Write as much as the pipe takes now."""
        with suppress(BlockingIOError):
            while self.waiting:
                self._write_some()

    def flush(self) -> None:
        """Write everything, waiting for the parent to read."""
        os.set_blocking(self.fd, True)
        while self.waiting:
            self._write_some()

    def _write_some(self) -> None:
        view = self.waiting[0]
        written = os.write(self.fd, view)
        if written == len(view):
            self.waiting.popleft()
        else:
            self.waiting[0] = view[written:]


class _Child:
    """A forked process running ``work``, which sends picklable values through a pipe.

    Leaving the ``with`` block before the child has sent the None that ends its values kills it;
    either way it is reaped.
    """

    def __init__(self, work: Callable[[_Sender], None]) -> None:
        self.work = work
        self.pid = 0
        self.pipe: BinaryIO | None = None
        self.done = False

    def __enter__(self) -> _Child:
        read_end, write_end = os.pipe()
        if sys.platform == "linux":
            import fcntl

            # A part fits a pipe of 1 MiB (Linux's limit without privileges), so one write
            # sends it; through the default 64 KiB the parent would wait on the child's writes.
            with suppress(OSError):
                fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:
            status = 1
            try:
                os.close(read_end)
                sender = _Sender(write_end)
                self.work(sender)
                sender.flush()
                status = 0
            finally:
                # Never return into the caller's code, run its exit handlers or flush its
                # buffers: the parent does all that.  A failure just stops sending.
                os._exit(status)
        os.close(write_end)
        self.pid, self.pipe = pid, open(read_end, "rb")  # closed by __exit__
        return self

    def receive(self) -> object:
        """The next value the child sends; None after the last."""
        if self.pipe is None:
            raise _ChildFailed("no child started")
        try:
            # Written by our own child, of our own types.
            value = pickle.load(self.pipe)  # noqa: S301
        except (EOFError, pickle.UnpicklingError) as error:
            raise _ChildFailed from error
        self.done = value is None
        return value

    def __exit__(self, *exc_info: object) -> None:
        if self.pipe is not None:
            self.pipe.close()
        if not self.done:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        with suppress(ChildProcessError):  # already reaped, as under SIGCHLD = SIG_IGN
            os.waitpid(self.pid, 0)


@dataclass(frozen=True, slots=True)
class _Packed:
    """A column's new rows on their way from the child: a few large objects, quick to pickle.

    ``text`` holds the ``count`` levels new since the last part (for a free-text column, its
    cells) joined by NUL, which no input holds (decoding refuses it); ``codes`` is an
    ``array(typecode)`` of the rows' codes, empty for free text: one byte each while a column
    has at most 256 levels, else four (measured: building an ``array("H")`` costs three times
    as much as an ``array("I")``).
    """

    count: int
    text: str
    typecode: str
    codes: bytes

    @classmethod
    def of(cls, levels: list[str], codes: list[int] | None = None, total: int = 0) -> _Packed:
        """``levels``, and ``codes`` into the ``total`` levels sent so far."""
        text = "\x00".join(levels)
        if codes is None:
            return cls(len(levels), text, "", b"")
        if total <= 256:
            return cls(len(levels), text, "B", bytes(codes))
        packed = array("I")
        packed.fromlist(codes)
        return cls(len(levels), text, "I", packed.tobytes())

    def levels(self) -> list[str]:
        return self.text.split("\x00") if self.count else []

    def unpacked(self) -> array[int]:
        codes = array(self.typecode)
        codes.frombytes(self.codes)
        return codes


@dataclass(frozen=True, slots=True)
class _Part:
    """The rows a child read since its last part: its columns, their lines, its findings."""

    columns: dict[int, _Packed]
    lines: range | bytes  # usually one line per row; else array("q")
    findings: list[Finding]


# --- building the columns ------------------------------------------------------------------------


class _Coder(dict[str, int]):
    """Codes the cells of one column: each distinct cell is cleaned once, then looked up in C.

    The keys are raw cells and also the cleaned texts (a cleaned text cleans to itself), so a
    clean cell that is not a key is a new level without a second lookup.
    """

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[str] = []

    def __missing__(self, raw: str) -> int:
        text = _clean(raw)
        code = None if text == raw else self.get(text)
        if code is None:
            code = self[text] = len(self.levels)
            self.levels.append(text)
        if text != raw:
            self[raw] = code
        return code

    def add_new(self, raws: list[str]) -> None:
        """Code ``raws``: distinct cells, none of them a key yet; in C when all are clean."""
        if _clean_cells(raws) is not raws:
            for raw in raws:
                self.__missing__(raw)
            return
        start = len(self.levels)
        self.update(zip(raws, range(start, start + len(raws)), strict=True))
        self.levels.extend(raws)


def _clean(cell: str) -> str:
    text = cell.strip()
    # Undo tally's own formula guard ('=...) so that its CSV output reads back unchanged.
    if text[:1] == "'" and text[1:2] in _FORMULA_STARTS:
        return text[1:]
    return text


def _clean_cells(cells: list[str]) -> list[str]:
    """``_clean`` of every cell; ``cells`` itself when every cell is clean (the usual case).

    Checked in C, and each cell cleaned in Python only if it starts with a quote (a possible
    formula guard): an apostrophe inside free text costs nothing.
    """
    cleaned = list(map(str.strip, cells))  # a cell itself when there is nothing to strip
    joined = "\x00".join(cleaned)  # NUL keeps cells apart (a NUL in a cell only costs time)
    if joined.startswith("'") or "\x00'" in joined:
        cleaned = [_clean(cell) if cell[:1] == "'" else cell for cell in cleaned]
    return cells if cleaned == cells else cleaned  # compared by identity first, in C


class _Column:
    """One column being read: codes into its cleaned distinct texts, or free text as cells.

    A ``distinct`` free-text column (ids) is coded at the end, in bulk, rather than cell by cell.
    """

    def __init__(self, *, free_text: bool, distinct: bool = False) -> None:
        self.coder = _Coder()
        self.codes: list[int] = []
        self.cells: list[str] | None = [] if free_text else None
        self.clean = True  # whether ``cells`` are cleaned already
        self.distinct = distinct
        # Split reads: the levels a child has sent so far, and its codes to the parent's.
        self.sent = 0
        self.remap: list[int] = []

    def like(self) -> _Column:
        """A new, empty column of the same kind."""
        return _Column(free_text=self.cells is not None, distinct=self.distinct)

    def add(self, cells: Sequence[str]) -> None:
        if self.cells is None:
            self.codes.extend(map(self.coder.__getitem__, cells))
        else:
            self.cells.extend(cells)
            self.clean = False

    def settle(self) -> None:
        """Clean the cells of a free-text column (once, in bulk)."""
        if self.cells is not None and not self.clean:
            self.cells = _clean_cells(self.cells)
            self.clean = True

    def finish(self) -> None:
        """Settle, and code a ``distinct`` column: in C, as its cells are mostly distinct."""
        self.settle()
        if self.distinct and self.cells is not None:
            self.coder.add_new(list(dict.fromkeys(self.cells)))
            self.codes = list(map(self.coder.__getitem__, self.cells))
            self.cells = None

    def levels(self) -> list[str]:
        """The distinct texts, or the cleaned cells of a free-text column."""
        if self.cells is None:
            return self.coder.levels
        self.settle()
        return self.cells

    def take(self) -> _Packed:
        """In a child: the levels new since the last call and the rows read since (forgotten)."""
        if self.cells is not None:
            cells, self.cells = _clean_cells(self.cells), []
            return _Packed.of(cells)
        levels = self.coder.levels
        new, self.sent = levels[self.sent :], len(levels)
        codes, self.codes = self.codes, []
        return _Packed.of(new, codes, len(levels))

    def join(self, packed: _Packed) -> None:
        """Append the rows of a child's part."""
        levels = packed.levels()
        if self.cells is not None:
            self.settle()
            self.cells.extend(levels)
            return
        # Remap per distinct text, then per row in C.  The child's levels are clean and
        # distinct, so those new here are added in bulk.
        coder = self.coder
        coder.add_new(list(filterfalse(coder.__contains__, levels)))
        self.remap.extend(map(coder.__getitem__, levels))
        if packed.typecode == "B" and len(coder.levels) <= 256:
            # Codes of one byte remap with bytes.translate, and small ints are cached.
            self.codes.extend(packed.codes.translate(bytes(self.remap).ljust(256, b"\x00")))
        else:
            self.codes.extend(map(self.remap.__getitem__, packed.unpacked()))

    def has_empty(self) -> bool:
        if self.cells is None:
            return "" in self.coder
        return "" in self.levels()

    def empty_rows(self) -> list[int]:
        """The rows whose cell is empty, in a coded column."""
        code = self.coder.get("")
        return [] if code is None else _positions(self.codes, code)

    def is_empty(self, row: int) -> bool:
        if self.cells is None:
            return self.coder.levels[self.codes[row]] == ""
        return self.cells[row] == ""

    def keep(self, rows: bytearray) -> None:
        """Keep only the rows flagged in ``rows``."""
        if self.cells is None:
            self.codes = list(compress(self.codes, rows))
        else:
            self.cells = list(compress(self.levels(), rows))

    def factor(self) -> RawFactor:
        """The column as a factor; free text with its cells as levels (cheap, and never parsed)."""
        if self.cells is None:
            return RawFactor(tuple(self.coder.levels), self.codes)
        cells = self.levels()
        return RawFactor(tuple(cells), range(len(cells)))


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
        self.columns: dict[int, _Column] = {}
        self.lines: list[int] = []

    @property
    def started(self) -> bool:
        """Whether the header (and the HXL row a header may have under it) is behind."""
        return not self.skip_first and self.header is not None and not self.hxl_pending

    def read(self, chunks: Iterable[tuple[Rows, Sequence[int]]]) -> None:
        for rows, lines in chunks:
            if not self.started:
                rows, lines = self.start(rows, lines)
            self.add(rows, lines)

    def start_from(self, chunks: Iterator[tuple[Rows, Sequence[int]]]) -> bool:
        """Read ``chunks`` until the table has started; False if they ran out first."""
        for chunk in chunks:
            self.read((chunk,))
            if self.started:
                return True
        return False

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
        for index, column in self.columns.items():
            column.add(columns[index])
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
        for index, key in self.fields:
            self.columns[index] = _Column(
                free_text=key in _FREE_TEXT, distinct=key in _DISTINCT_LEVELS
            )
        for index in self.unnamed:
            self.columns[index] = _Column(free_text=False)

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

    # --- two processes -------------------------------------------------------------------------

    def successor(self) -> _Table:
        """An empty table for the rows after this one's: the same header, nothing read yet."""
        table = _Table(self.name, self.delimiter, skip_first=False)
        table.header, table.header_line, table.width = self.header, self.header_line, self.width
        table.hxl_pending = False
        table.fields, table.unnamed = self.fields, self.unnamed
        table.columns = {index: column.like() for index, column in self.columns.items()}
        return table

    def settle(self) -> None:
        for column in self.columns.values():
            column.settle()

    def take_part(self) -> _Part:
        """The rows read since the last part, for :meth:`join` in another process (forgotten)."""
        columns = {index: column.take() for index, column in self.columns.items()}
        first, last = (self.lines[0], self.lines[-1]) if self.lines else (1, 0)
        lines: range | bytes = range(first, last + 1)
        if len(lines) != len(self.lines):  # lines only increase: a row spans several
            lines = array("q", self.lines).tobytes()
        part = _Part(columns, lines, self.findings)
        self.lines, self.findings = [], []
        return part

    def join(self, part: object, before: int) -> None:
        """Append the rows of ``part``, read by :meth:`successor` in another process.

        Its lines count from the first line after this table's ``before`` lines.
        """
        if not isinstance(part, _Part):
            raise _ChildFailed(f"unexpected {type(part).__name__}")
        for index, column in self.columns.items():
            column.join(part.columns[index])
        if isinstance(part.lines, range):
            self.lines.extend(range(part.lines.start + before, part.lines.stop + before))
        else:
            lines = array("q")
            lines.frombytes(part.lines)
            self.lines.extend(map(before.__add__, lines))
        for finding in part.findings:
            line = finding.location.line
            if line is not None:
                finding = finding.at(replace(finding.location, line=line + before))
            self.findings.append(finding)

    # --- the result ----------------------------------------------------------------------------

    def document(self) -> RawDocument:
        if self.header is None:
            raise InputError(
                "empty input: no header row",
                location=Location(self.name),
                hint="the first row names the columns: source, count, ...",
                code="empty-input",
            )
        for column in self.columns.values():
            column.finish()
        self.drop_empty_rows()
        self.check_unnamed()
        factors = {name: self.columns[index].factor() for index, name in self.fields}
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
        fields = [self.columns[index] for index, _ in self.fields]
        if not self.lines or not all(column.has_empty() for column in fields):
            return  # some field is never empty, so no row is all empty
        # Candidates come from the coded column (source and count are) with the fewest empty
        # cells; list.count runs in C.
        coded = [column for column in fields if column.cells is None]
        narrow = min(coded, key=lambda column: column.codes.count(column.coder[""]))
        drop = [row for row in narrow.empty_rows() if all(c.is_empty(row) for c in fields)]
        if not drop:
            return
        keep = bytearray(b"\x01") * len(self.lines)
        for row in drop:
            keep[row] = 0
        self.lines = list(compress(self.lines, keep))
        for column in self.columns.values():
            column.keep(keep)

    def check_unnamed(self) -> None:
        for index in self.unnamed:
            if any(self.columns[index].levels()):
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
