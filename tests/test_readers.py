"""Readers: bytes in, text columns with lines out, and every hostile file refused by name.

The numbered cases are those of conventions.md sections 6.1 (files, encodings, dialects) and 6.4
(YAML) that concern reading.  Each hostile case asserts the error or finding code, the line and a
fragment of the message.
"""

from __future__ import annotations

import gc
import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casualty_cli.collector import paused_gc
from casualty_cli.errors import InputError, Severity, TallyError
from casualty_cli.readers import (
    InputFormat,
    RawDocument,
    RawFactor,
    ReadOptions,
    delimited,
    read_document,
    read_path,
    read_sources,
    read_sources_document,
)
from casualty_cli.readers.decode import decode
from casualty_cli.readers.delimited import read_delimited, sniff_delimiter
from casualty_cli.readers.detect import detect_format

BOM = b"\xef\xbb\xbf"


def read(data: bytes | str, name: str = "reports.csv", **options: Any) -> RawDocument:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return read_document(raw, name, ReadOptions(**options))


def refuse(data: bytes | str, name: str = "reports.csv", **options: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        read(data, name, **options)
    return caught.value


def codes(document: RawDocument) -> list[str]:
    return [finding.code for finding in document.findings]


# --- hostile inputs that stop the read -----------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """A file tally must refuse: the error code, its line and a fragment of its message."""

    data: bytes
    code: str
    line: int | None
    message: str
    name: str = "reports.csv"
    options: dict[str, object] = field(default_factory=dict)
    hint: str | None = None


def refused(case_id: str, *args: Any, **kwargs: Any) -> pytest.ParameterSet:
    return pytest.param(Refused(*args, **kwargs), id=case_id)


LATE_BAD_BYTE = b"source,count\n" + b"MoH,1\n" * 49_998 + b"Khan Y\xfbnis,2\n"
BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8)
    )
).encode()
REPORT = "reports:\n  - source: MoH\n    count: 745\n"

REFUSED = [
    refused(
        "03-cp1252",
        "source,place,count\nMoH,Khan Y\xfbnis,10\n".encode("cp1252"),
        "bad-encoding",
        2,
        "not valid UTF-8 at line 2, byte 29",
        hint="--encoding cp1252",
    ),
    refused(
        "04-cp1256",
        "source,place,count\nMoH,خان يونس,10\n".encode("cp1256"),
        "bad-encoding",
        2,
        "not valid UTF-8 at line 2",
        hint="cp1256",
    ),
    refused("05-bad-byte-late", LATE_BAD_BYTE, "bad-encoding", 50_000, "at line 50000"),
    refused("08-single-column", b"source\nMoH\n", "missing-column", 1, "no 'count' column"),
    refused("08-no-source", b"count\n745\n", "missing-column", 1, "no 'source' column"),
    refused(
        "12-duplicate-header",
        b"source,count,COUNT\nMoH,1,2\n",
        "duplicate-column",
        1,
        "columns 2 ('count') and 3 ('COUNT') both name the field 'count'",
    ),
    refused("13-empty", b"", "empty-input", None, "empty input"),
    refused("13-whitespace-only", b" \r\n\t\n", "empty-input", None, "empty input"),
    refused("13-bom-only", BOM, "empty-input", None, "empty input"),
    refused(
        "14-field-over-limit",
        b"source,count,notes\nMoH,1,ok\nUN,2," + b"x" * 200_000 + b"\n",
        "field-too-large",
        3,
        "longer than 100,000 characters",
        options={"max_field_size": 100_000},
    ),
    refused("15-nul-byte", b"source,count\nMoH,7\x0045\n", "nul-byte", 2, "NUL byte at line 2"),
    refused(
        "18-unterminated-quote",
        b'source,count,place\nMoH,1,x\nUN,2,"Gaza\nSOHR,3,y\n',
        "unterminated-quote",
        3,
        "unterminated quoted field starting at line 3",
    ),
    refused(
        "46-billion-laughs",
        BILLION_LAUGHS,
        "yaml-alias",
        1,
        "YAML aliases are not allowed",
        name="reports.yaml",
    ),
    refused(
        "46-alias-in-report",
        b"reports:\n  - &r {source: MoH, count: 1}\n  - *r\n",
        "yaml-alias",
        2,
        "YAML aliases are not allowed",
        name="reports.yaml",
    ),
    refused(
        "47-python-tag",
        b"reports:\n  - source: x\n    count: !!python/object/apply:os.system ['id']\n",
        "yaml-tag",
        3,
        "explicit tags are not allowed",
        name="reports.yaml",
    ),
    refused(
        "47-int-tag",
        b"reports:\n  - source: x\n    count: !!int 5\n",
        "yaml-tag",
        3,
        "explicit tags are not allowed",
        name="reports.yaml",
    ),
    refused(
        "50-deep-flow",
        b"[" * 5000,
        "yaml-too-deep",
        1,
        "YAML nesting too deep",
        name="reports.yaml",
    ),
    refused(
        "50-deep-block",
        "".join(f"{'  ' * i}k{i}:\n" for i in range(100)).encode(),
        "yaml-too-deep",
        65,
        "more than 64 levels",
        name="reports.yaml",
    ),
    refused(
        "51-two-documents",
        (REPORT + "---\n" + REPORT).encode(),
        "yaml-multiple-documents",
        4,
        "more than one document",
        name="reports.yaml",
    ),
    refused(
        "yaml-too-large",
        (REPORT * 20).encode(),
        "too-large",
        None,
        "more than the limit of 100",
        name="reports.yaml",
        options={"max_yaml_bytes": 100},
    ),
    refused(
        "yaml-syntax",
        b"reports:\n  - source: MoH\n    count: [1,\n  - source: UN\n",
        "yaml-syntax",
        4,
        "YAML syntax error",
        name="reports.yaml",
    ),
    refused(
        "yaml-no-reports",
        b"title: Gaza\nnotes: none\n",
        "no-reports",
        1,
        "no 'reports' list",
        name="reports.yaml",
    ),
    refused(
        "yaml-reports-not-a-list",
        b"reports:\n  source: MoH\n",
        "not-a-list",
        2,
        "'reports' must be a list",
        name="reports.yaml",
    ),
    refused(
        "json-syntax",
        b'{"reports": [\n  {"source": "MoH",}\n]}',
        "json-syntax",
        2,
        "JSON syntax error: expected a quoted key",
        name="reports.json",
    ),
    refused(
        "json-nan",
        b'[\n {"source": "MoH", "count": NaN}\n]',
        "json-syntax",
        2,
        "NaN is not a JSON number",
        name="reports.json",
    ),
    refused(
        "json-extra-data",
        b'{"source": "a", "count": 1}\n{"source": "b", "count": 2}\n',
        "json-syntax",
        2,
        "extra data",
        name="reports.json",
        hint="NDJSON",
    ),
    refused(
        "json-too-deep",
        b"[" * 100 + b"]" * 100,
        "json-too-deep",
        1,
        "JSON nesting too deep",
        name="reports.json",
    ),
    refused(
        "unknown-encoding",
        b"source,count\n",
        "unknown-encoding",
        None,
        "unknown encoding",
        options={"encoding": "klingon"},
    ),
    refused(
        "bad-delimiter",
        b"source,count\n",
        "bad-delimiter",
        None,
        "as the delimiter",
        options={"delimiter": '"'},
    ),
]


@pytest.mark.parametrize("case", REFUSED)
def test_refused(case: Refused) -> None:
    error = refuse(case.data, case.name, **case.options)
    assert error.code == case.code
    assert error.location.line == case.line
    assert error.location.file == case.name
    assert case.message in error.message
    if case.hint:
        assert error.hint is not None and case.hint in error.hint


# --- hostile inputs that are read, with findings -------------------------------------------------


@dataclass(frozen=True)
class Noted:
    """A file that is read, with one finding per (code, line) listed, in order."""

    data: bytes
    found: list[tuple[str, int, str]]
    name: str = "reports.csv"
    reports: int | None = None


def noted(case_id: str, *args: Any, **kwargs: Any) -> pytest.ParameterSet:
    return pytest.param(Noted(*args, **kwargs), id=case_id)


NOTED = [
    noted(
        "11-ragged-rows",
        b"source,count,place,grade\nMoH,1,a,B\nUN,2,b,C,extra\nSOHR,3\nAP,4,c,D\n",
        [
            ("ragged-row", 3, "row has 5 fields, the header has 4"),
            ("ragged-row", 4, "row has 2 fields, the header has 4"),
        ],
        reports=2,
    ),
    noted(
        "16-hxl-row",
        b"source,published,count\n#org,#date,#affected+killed\nMoH,2025-03-08,745\n",
        [("hxl-row-skipped", 2, "HXL hashtag row skipped")],
        reports=1,
    ),
    noted(
        "unknown-column",
        b"source,count,casualties\nMoH,1,2\n",
        [("unknown-column", 1, "unknown column 'casualties' is ignored")],
        reports=1,
    ),
    noted(
        "unnamed-column-with-data",
        b"source,count,\nMoH,1,oops\n",
        [("unknown-column", 1, "column 3 has no name")],
        reports=1,
    ),
    noted(
        "text-after-quote",
        b'source,count\n"MoH" x,1\nUN,2\n',
        [("text-after-quote", 2, "text after the closing quote")],
        reports=2,
    ),
    noted(
        "49-duplicate-key",
        b"reports:\n  - source: MoH\n    count: 10\n    count: 12\n",
        [("yaml-duplicate-key", 4, "duplicate key 'count'")],
        name="reports.yaml",
        reports=1,
    ),
    noted(
        "yaml-duplicate-top-level-key",
        b"reports: []\nreports: []\n",
        [("yaml-duplicate-key", 2, "duplicate key 'reports'")],
        name="reports.yaml",
        reports=0,
    ),
    noted(
        "yaml-nested-value",
        b"reports:\n  - source: MoH\n    count:\n      - 1\n      - 2\n  - 7\n",
        [
            ("not-a-scalar", 4, "'count' is a list, not a single value"),
            ("not-a-mapping", 6, "report 2 is a single value"),
        ],
        name="reports.yaml",
        reports=1,
    ),
    noted(
        "yaml-unknown-keys",
        b"reports:\n  - source: MoH\n    count: 1\n    cuont: 2\nextra: 1\n",
        [
            ("unknown-field", 5, "unknown top-level key 'extra'"),
            ("unknown-field", 4, "unknown field 'cuont' is ignored"),
        ],
        name="reports.yaml",
        reports=1,
    ),
    noted(
        "json-duplicate-key",
        b'[\n {"source": "MoH",\n  "count": 1,\n  "count": 2}\n]',
        [("json-duplicate-key", 4, "duplicate key 'count'")],
        name="reports.json",
        reports=1,
    ),
    noted(
        "ndjson-broken-lines",
        b'{"source": "MoH", "count": 1}\n{"source": "UN", "count": \n\n[1]\n'
        b'{"source": "A", "count": 2, "count": 3}\n{"source": "B", "count": {"n": 1}}\n',
        [
            ("json-syntax", 2, "JSON syntax error"),
            ("not-a-mapping", 4, "the line holds a list"),
            ("json-duplicate-key", 5, "duplicate key 'count'"),
            ("not-a-scalar", 6, "'count' is not a single value"),
        ],
        name="reports.ndjson",
        reports=3,
    ),
]


@pytest.mark.parametrize("case", NOTED)
def test_noted(case: Noted) -> None:
    document = read(case.data, case.name)
    found = [(f.code, f.location.line, f.message) for f in document.findings]
    assert len(found) == len(case.found), found
    for (code, line, message), (want_code, want_line, fragment) in zip(
        found, case.found, strict=True
    ):
        assert (code, line) == (want_code, want_line)
        assert fragment in message
    if case.reports is not None:
        assert len(document) == case.reports


def test_warnings_and_errors_are_graded() -> None:
    document = read(b"source,count,casualties\nMoH,1,2\nUN\n")
    severities = {f.code: f.severity for f in document.findings}
    assert severities == {"unknown-column": Severity.WARNING, "ragged-row": Severity.ERROR}


# --- 6.1 files, encodings, dialects that read cleanly --------------------------------------------


def test_01_utf8_bom_is_stripped() -> None:
    document = read(BOM + b"source,count\nMoH,745\n")
    assert document.columns["source"] == ("MoH",)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_02_utf16_with_bom_is_tab_separated_text(codec: str) -> None:
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    data = bom + "source\tplace\tcount\nMoH\tخان يونس\t745\n".encode(codec)
    document = read(data, "reports.txt")
    assert document.format is InputFormat.TSV
    assert document.columns["place"] == ("خان يونس",)
    assert document.lines == (2,)


def test_03_cp1252_reads_with_the_encoding_option() -> None:
    data = "source,place,count\nMoH,Khan Y\xfbnis,10\n".encode("cp1252")
    assert read(data, encoding="cp1252").columns["place"] == ("Khan Yûnis",)


def test_04_cp1256_reads_with_the_encoding_option() -> None:
    data = "source,place,count\nMoH,خان يونس,10\n".encode("cp1256")
    assert read(data, encoding="cp1256").columns["place"] == ("خان يونس",)


@pytest.mark.parametrize("name", ["reports.csv", "reports.txt", "<stdin>"])
def test_06_semicolon_file_is_detected(name: str) -> None:
    document = read(b"source;count\nMoH;1.234\nUN;2,5\n", name)
    assert document.delimiter == ";"
    assert document.columns["count"] == ("1.234", "2,5")


def test_07_sep_line_is_honoured_and_skipped() -> None:
    document = read(b"sep=;\r\nsource;count\r\nMoH;1,5\r\n")
    assert document.delimiter == ";"
    assert document.columns == {"source": ("MoH",), "count": ("1,5",)}
    assert document.lines == (3,)


def test_08_single_column_sniff_falls_back() -> None:
    assert sniff_delimiter("source\nMoH\nUN\n") is None


def test_09_embedded_newline_keeps_later_lines_physical() -> None:
    document = read(
        b'source,place,count\nMoH,"Khan Younis,\nsouth",745\nUN,Gaza,10\nSOHR,x\n'
        b'AP,"a\r\nb\rc",1\nAFP,y,2\n'
    )
    assert document.columns["place"] == ("Khan Younis,\nsouth", "Gaza", "a\r\nb\rc", "y")
    assert document.lines == (2, 4, 6, 9)
    assert [(f.code, f.location.line) for f in document.findings] == [("ragged-row", 5)]


def test_10_mixed_line_endings() -> None:
    document = read(b"source,count\r\nMoH,1\rUN,2\nSOHR,3")
    assert document.columns["source"] == ("MoH", "UN", "SOHR")
    assert document.lines == (2, 3, 4)


def test_13_header_only_file_has_no_reports() -> None:
    document = read(b"source,count\n")
    assert len(document) == 0
    assert document.columns == {"source": (), "count": ()}
    assert document.findings == ()


def test_14_long_field_within_the_default_limit() -> None:
    document = read(b"source,count,notes\nMoH,1," + b"x" * 200_000 + b"\n")
    assert len(document.columns["notes"][0]) == 200_000


@pytest.mark.parametrize(
    "header",
    ["source, Count ", "SOURCE,COUNT", "Source,count", "\ufeffsource,count", "source,ｃｏｕｎｔ"],
)
def test_17_headers_match_loosely(header: str) -> None:
    document = read(f"{header}\nMoH,745\n")
    assert document.columns == {"source": ("MoH",), "count": ("745",)}


def test_17_unknown_header_suggests_the_field() -> None:
    document = read(b"source,count,publshed\nMoH,1,2025-03-08\n")
    (finding,) = document.findings
    assert finding.location.field == "publshed"
    assert finding.hint == "did you mean 'published'?"


def test_18_unterminated_quote_in_a_long_file_is_fast() -> None:
    data = b'source,count\nMoH,"1\n' + b"UN,2\n" * 20_000
    started = time.perf_counter()
    error = refuse(data)
    assert time.perf_counter() - started < 2.0
    assert (error.code, error.location.line) == ("unterminated-quote", 2)


# --- the layout of a normal CSV ------------------------------------------------------------------

NORMAL_CSV = (
    b"source,published,count,grade,place,category\n"
    b"Gaza Ministry of Health,2025-03-08,at least 745,B2,Gaza/Khan Younis,civilians\n"
    b"\n"
    b'SOHR , 2025-03-09 ,"1,000",C, Syria/Latakia ,\n'
    b",,,,,\n"
    b"UN,2025-03-10,12,,Gaza,civilians/children\n"
)


def test_normal_csv_columns_and_lines() -> None:
    document = read(NORMAL_CSV)
    assert document.format is InputFormat.CSV
    assert document.file == "reports.csv"
    assert list(document.columns) == ["source", "published", "count", "grade", "place", "category"]
    assert document.columns["source"] == ("Gaza Ministry of Health", "SOHR", "UN")
    assert document.columns["published"] == ("2025-03-08", "2025-03-09", "2025-03-10")
    assert document.columns["count"] == ("at least 745", "1,000", "12")
    assert document.columns["place"] == ("Gaza/Khan Younis", "Syria/Latakia", "Gaza")
    assert document.columns["category"] == ("civilians", "", "civilians/children")
    assert document.lines == (2, 4, 6)
    assert document.line_of(1, "count") == 4
    assert document.findings == ()


def test_factors_match_the_columns() -> None:
    document = read(NORMAL_CSV)
    factor = document.factor("category")
    assert factor.levels == ("civilians", "", "civilians/children")
    assert list(factor.codes) == [0, 1, 2]
    assert document.factor("via").values() == ("", "", "")
    both = RawFactor.combine([document.factor("source"), RawFactor.of(("UN", "AP"))])
    assert both.values() == ("Gaza Ministry of Health", "SOHR", "UN", "UN", "AP")


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("'=SUM(A1:A9)", "=SUM(A1:A9)"),
        ("'+1", "+1"),
        ("'-12", "-12"),
        ("'@cmd", "@cmd"),
        ("''=x", "''=x"),
        ("'quoted'", "'quoted'"),
        ("Ma'arrat", "Ma'arrat"),
    ],
)
def test_formula_guard_round_trips(cell: str, text: str) -> None:
    assert read(f"source,count\n{cell},1\n").columns["source"] == (text,)


def test_delimiter_option_and_tsv_extension() -> None:
    assert read(b"source|count\nMoH|1\n", delimiter="|").columns["count"] == ("1",)
    document = read(b"source\tcount\nMoH, AP\t1\n", "reports.tsv")
    assert (document.format, document.columns["source"]) == (InputFormat.TSV, ("MoH, AP",))


def test_many_rows_cross_chunks_with_exact_lines() -> None:
    rows = [f"S{i % 7},{i}" for i in range(5000)]
    rows[3000] = 'S1,"12\nthirteen"'
    rows.insert(4000, "")
    document = read("source,count\n" + "\n".join(rows) + "\n")
    assert len(document) == 5000
    assert document.lines[2999] == 3001
    assert document.lines[3000] == 3002
    assert document.lines[3001] == 3004
    assert document.lines[-1] == 5003
    assert document.columns["count"][3000] == "12\nthirteen"


def test_free_text_columns_are_cleaned_and_ids_keep_distinct_levels() -> None:
    document = read(
        "source,count,url,notes,id\n"
        "MoH,1, http://a ,'=1+1,r1\n"
        "UN,2,,  ,r2\n"
        "AP,3,http://a,'quoted',r1\n"
        "AFP,4,'@x,the ministry's figure , r3\n"
    )
    assert document.columns["url"] == ("http://a", "", "http://a", "@x")
    assert document.columns["notes"] == ("=1+1", "", "'quoted'", "the ministry's figure")
    ids = document.factor("id")
    assert (ids.levels, list(ids.codes)) == (("r1", "r2", "r3"), [0, 1, 0, 2])


# --- large inputs read by two processes ----------------------------------------------------------

can_fork = pytest.mark.skipif(
    not delimited._can_fork(), reason="two processes need os.fork (not on Windows or macOS)"
)


def read_text(text: str, *, split: bool, name: str = "reports.csv", **options: Any) -> RawDocument:
    """``text`` read by two processes (``split``, forced however short it is) or by one."""
    decoded = decode(text.encode("utf-8"), name)
    split_from = 0 if split else len(text) + 1
    return read_delimited(decoded, name, split_from=split_from, **options)


def layout(document: RawDocument) -> tuple[object, ...]:
    factors = {name: (f.levels, list(f.codes)) for name, f in document.factors.items()}
    columns = dict(document.columns)
    return document.format, document.delimiter, document.lines, document.findings, columns, factors


@pytest.fixture
def joins(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The parts of a child's rows joined by this process (each as its line offset)."""
    calls: list[int] = []
    join = delimited._Table.join

    def counted(table: Any, part: object, before: int) -> None:
        calls.append(before)
        join(table, part, before)

    monkeypatch.setattr(delimited._Table, "join", counted)
    return calls


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The child processes started (each as its pid)."""
    calls: list[int] = []
    enter = delimited._Child.__enter__

    def counted(child: Any) -> Any:
        started = enter(child)
        calls.append(child.pid)
        return started

    monkeypatch.setattr(delimited._Child, "__enter__", counted)
    return calls


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks and parts, so that a small input crosses many of them."""
    monkeypatch.setattr(delimited, "_CHUNK_ROWS", 7)
    monkeypatch.setattr(delimited, "_PART_CHUNKS", 2)


def awkward_csv(rows: int = 300, newline: str = "\n") -> str:
    """Every kind of row, spread over the whole file so that any cut meets each of them."""
    lines = ["source,count,place,url,notes,id,casualties", "#org,#affected+killed,#loc,,,,#x"]
    for i in range(rows):
        if i % 9 == 4:  # quoted fields holding line breaks of every kind
            lines.append(f'S{i % 7},{i},"Khan Younis,{newline}south {i}","u\r\nv","a\rb",r{i},')
        elif i % 31 == 5:
            lines.append(f"S{i},{i}")  # ragged: too few fields
        elif i % 29 == 6:
            lines.append(f"S{i},{i},p,u,n,r{i},x,extra")  # ragged: too many
        elif i % 37 == 7:
            lines.append("")
        elif i % 41 == 8:
            lines.append(",,,,,,")
        elif i % 43 == 9:
            lines.append(f"'=S{i},'+{i},  خان يونس ,  ,'@n, r{i % 5} ,")
        else:
            lines.append(f"S{i % 7},{i},P{i % 13},http://x/{i % 90},,r{i},")
    lines.append(",,,,,,")  # as spreadsheets end a file
    return newline.join(lines) + newline


@can_fork
@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("share", [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_two_processes_read_the_same_document(
    monkeypatch: pytest.MonkeyPatch, joins: list[int], share: float, newline: str
) -> None:
    monkeypatch.setattr(delimited, "_HEAD_SHARE", share)
    text = awkward_csv(newline=newline)
    one = read_text(text, split=False)
    assert joins == []
    two = read_text(text, split=True)
    assert joins  # the child's rows were read by the child, not read again here
    assert layout(two) == layout(one)
    assert [f.code for f in one.findings].count("ragged-row") == 19
    assert one.findings[1].code == "hxl-row-skipped"


def test_cut_skips_line_feeds_inside_quoted_fields() -> None:
    data = b'source,count,place\nA,1,"x\ny\nz"\nB,2,w\nC,3,v\n'
    inside = data.index(b"x\n") + 1
    assert delimited._find_cut(data, 0, inside) == data.index(b"B,2")
    assert delimited._find_cut(data, 0, data.index(b"B,2")) == data.index(b"C,3")
    assert delimited._find_cut(data, 0, len(data) - 1) is None  # nothing after the cut


@can_fork
@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("share", [0.3, 0.5, 0.7])
def test_a_quote_inside_an_unquoted_field_does_not_mislead_the_cut(
    monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    # The quote of 5" counts for the parity: the cut may land inside a quoted field, which the
    # first part's end then reveals, and the input is read again by one process.
    monkeypatch.setattr(delimited, "_HEAD_SHARE", share)
    text = 'source,count,place\nA,1,5" tall\n' + "".join(
        f'S{i},{i},"a\nb"\n' if i % 3 else f"S{i},{i},c\n" for i in range(60)
    )
    assert layout(read_text(text, split=True)) == layout(read_text(text, split=False))


@can_fork
@pytest.mark.parametrize(
    ("problem", "options"),
    [
        ('UN,2,"Gaza\nSOHR,3,y\n', {}),
        ('UN,2,"Gaza" x,\nSOHR,3,y\n', {}),
        ("UN,2," + "x" * 5_000 + "\n", {"max_field_size": 1_000}),
    ],
    ids=["unterminated-quote", "text-after-quote", "field-too-large"],
)
def test_two_processes_report_quoting_problems_as_one(
    monkeypatch: pytest.MonkeyPatch, problem: str, options: dict[str, Any], forks: list[int]
) -> None:
    # The problem is in the child's part: the child fails, and this process reads it all.
    monkeypatch.setattr(delimited, "_HEAD_SHARE", 0.2)
    text = "source,count,place\n" + "MoH,1,x\n" * 600 + problem + "AP,4,z\n" * 100

    def outcome(*, split: bool) -> object:
        try:
            return layout(read_text(text, split=split, **options))
        except InputError as error:
            return error.code, error.location, error.message

    assert outcome(split=True) == outcome(split=False)
    assert len(forks) == 1


@can_fork
def test_a_failed_child_leaves_the_read_to_this_process(
    monkeypatch: pytest.MonkeyPatch, forks: list[int], joins: list[int]
) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("lost")

    monkeypatch.setattr(delimited, "_send_tail", fail)
    text = awkward_csv()
    assert layout(read_text(text, split=True)) == layout(read_text(text, split=False))
    assert (len(forks), joins) == (1, [])


@can_fork
@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize(
    ("data", "options"),
    [
        (BOM + b"sep=;\r\n" + awkward_csv().replace(",", ";").encode(), {}),
        (awkward_csv().encode("cp1252", errors="replace"), {"encoding": "cp1252"}),
        (b"\xff\xfe" + awkward_csv().replace(",", "\t").encode("utf-16-le"), {}),
    ],
    ids=["bom-sep-line", "cp1252", "utf-16"],
)
def test_two_processes_read_any_encoding(
    data: bytes, options: dict[str, str], joins: list[int]
) -> None:
    def read_as(split_from: int) -> RawDocument:
        decoded = decode(data, "reports.txt", options.get("encoding"))
        return read_delimited(decoded, "reports.txt", split_from=split_from)

    one = read_as(len(data) + 1)
    two = read_as(0)
    assert joins
    assert layout(two) == layout(one)
    assert len(one) > 200


def test_small_inputs_are_read_by_one_process(joins: list[int]) -> None:
    assert len(read(awkward_csv())) > 200
    assert joins == []


@pytest.mark.skipif(not gc.isenabled(), reason="the garbage collector is off")
def test_paused_gc_leaves_what_was_built_old_and_a_freeze_alone() -> None:
    with paused_gc():
        assert not gc.isenabled()
        built = [[i] for i in range(1_000)]
    assert gc.isenabled()
    assert any(found is built for found in gc.get_objects(generation=2))
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            more = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == frozen  # not released by paused_gc
        assert not any(found is more for found in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()


# --- 6.4 YAML ------------------------------------------------------------------------------------

YAML_DOCUMENT = b"""\
incident:
  title: Jableh, March 2025
  start: 2025-03-06
sources:
  SOHR: B
  MoH:
    grade: C3
    name: Syrian Ministry of Health
    aliases: [Ministry of Health, MoH Syria]
  Nobody: ~
categories:
  all: [civilians, security forces]
  civilians:
    parts: [children, adults]
    complete: true
reports:
  - source: SOHR
    published: 2025-03-08
    count: at least 745
  - source: MoH
    via: AP
    count: 0745
    published: 2025-03-07T06:30:00+03:00
    notes: NO
    place: 12:30
    category: 1_000
    outcome: .nan
    url: ~
    quote: 'null'
    grade:
"""


def test_yaml_reports_are_text_with_lines() -> None:
    document = read(YAML_DOCUMENT, "reports.yaml")
    assert document.format is InputFormat.YAML
    assert document.lines == (17, 20)
    assert document.columns["source"] == ("SOHR", "MoH")
    assert document.columns["count"] == ("at least 745", "0745")
    assert document.columns["published"] == ("2025-03-08", "2025-03-07T06:30:00+03:00")
    assert document.field_lines["count"] == (19, 22)
    assert document.field_lines["via"] == (17, 21)  # absent: the report's own line
    assert document.line_of(1, "published") == 23
    assert document.findings == ()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("count", "0745"),
        ("notes", "NO"),
        ("place", "12:30"),
        ("category", "1_000"),
        ("outcome", ".nan"),
        ("url", ""),
        ("quote", "null"),
        ("grade", ""),
    ],
    ids=lambda value: str(value),
)
def test_48_yaml_scalars_stay_text(name: str, text: str) -> None:
    assert read(YAML_DOCUMENT, "reports.yaml").columns[name][1] == text


def test_52_unquoted_date_stays_text() -> None:
    document = read(b"- source: MoH\n  count: 3\n  published: 2025-03-07\n", "reports.yml")
    assert document.columns["published"] == ("2025-03-07",)
    assert document.lines == (1,)


def test_yaml_sources_categories_incident() -> None:
    document = read(YAML_DOCUMENT, "reports.yaml")
    assert [(s.id, s.line, s.grade, s.name, s.aliases) for s in document.sources] == [
        ("SOHR", 5, "B", "", ()),
        ("MoH", 6, "C3", "Syrian Ministry of Health", ("Ministry of Health", "MoH Syria")),
        ("Nobody", 10, "", "", ()),
    ]
    assert [(c.parent, c.parts, c.line, c.complete) for c in document.categories] == [
        ("all", ("civilians", "security forces"), 12, ""),
        ("civilians", ("children", "adults"), 13, "true"),
    ]
    assert (document.incident_title, document.incident_start) == (
        "Jableh, March 2025",
        "2025-03-06",
    )
    assert document.incident_line == 1


def test_yaml_empty_reports_list() -> None:
    assert len(read(b"reports:\n", "reports.yaml")) == 0
    assert len(read(b"reports: []\n", "reports.yaml")) == 0


def test_yaml_with_only_comments_is_empty() -> None:
    error = refuse(b"# nothing yet\n", "reports.yaml")
    assert error.code == "empty-input"


# --- JSON and NDJSON -----------------------------------------------------------------------------

JSON_DOCUMENT = b"""{
  "sources": {"SOHR": "B", "MoH": {"grade": 0.8, "aliases": ["Ministry"]}},
  "categories": {"civilians": {"parts": ["children", "adults"], "complete": true}},
  "incident": {"title": "Jableh", "start": "2025-03-06"},
  "reports": [
    {"source": "SOHR", "count": 745, "published": "2025-03-08"},
    {
      "source": "MoH",
      "count": "at least 1,000",
      "grade": 1e-1,
      "via": null,
      "notes": false
    }
  ]
}"""


def test_json_shape_and_lines() -> None:
    document = read(JSON_DOCUMENT, "reports.json")
    assert document.format is InputFormat.JSON
    assert document.columns["count"] == ("745", "at least 1,000")
    assert document.columns["grade"] == ("", "1e-1")
    assert document.columns["via"] == ("", "")
    assert document.columns["notes"] == ("", "false")
    assert document.lines == (6, 7)
    assert document.field_lines["count"] == (6, 9)
    assert [(s.id, s.grade, s.aliases, s.line) for s in document.sources] == [
        ("SOHR", "B", (), 2),
        ("MoH", "0.8", ("Ministry",), 2),
    ]
    assert document.categories[0].complete == "true"
    assert document.incident_title == "Jableh"


def test_json_bare_list() -> None:
    document = read(b'[{"source": "a", "count": 1},\n {"source": "b", "count": 2}]', "r.json")
    assert document.lines == (1, 2)


def test_ndjson_reports_and_lines() -> None:
    data = b'{"source": "MoH", "count": 745}\r\n\n{"source": "UN", "count": "3", "x": 1}\n'
    document = read(data, "reports.jsonl")
    assert document.format is InputFormat.NDJSON
    assert document.columns == {"source": ("MoH", "UN"), "count": ("745", "3")}
    assert document.lines == (1, 3)
    assert codes(document) == ["unknown-field"]


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("r.yaml", "source,count\n", InputFormat.YAML),
        ("R.YML", "", InputFormat.YAML),
        ("r.tsv", "", InputFormat.TSV),
        ("r.tab", "", InputFormat.TSV),
        ("r.ssv", "", InputFormat.CSV),
        ("r.json", "", InputFormat.JSON),
        ("r.ndjson", "", InputFormat.NDJSON),
        ("r.jsonl", "", InputFormat.NDJSON),
        ("<stdin>", "reports:\n  - source: x\n", InputFormat.YAML),
        ("<stdin>", "# comment\n\nsources:\n", InputFormat.YAML),
        ("<stdin>", "- source: MoH\n  count: 1\n", InputFormat.YAML),
        ("<stdin>", "---\nreports: []\n", InputFormat.YAML),
        ("<stdin>", '[{"source": "x"}]', InputFormat.JSON),
        ("<stdin>", '{\n  "reports": []\n}', InputFormat.JSON),
        ("<stdin>", '{"reports": []}', InputFormat.JSON),
        ("<stdin>", '{"source": "a"}\n{"source": "b"}\n', InputFormat.NDJSON),
        ("<stdin>", '{"source": "a"}', InputFormat.NDJSON),
        ("<stdin>", "source,count\nMoH,1\n", InputFormat.CSV),
        ("<stdin>", "source\tcount\nMoH\t1\n", InputFormat.TSV),
        ("reports.txt", "source|count\nMoH|1\n", InputFormat.CSV),
    ],
)
def test_detect_format(name: str, text: str, expected: InputFormat) -> None:
    assert detect_format(name, text) is expected


def test_input_format_overrides_the_extension() -> None:
    document = read(b"reports:\n  - {source: a, count: 1}\n", "reports.txt", input_format="yaml")
    assert document.columns["source"] == ("a",)
    document = read(b"source\tcount\nMoH, AP\t1\n", "reports.csv", input_format=InputFormat.TSV)
    assert document.columns["source"] == ("MoH, AP",)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ('"x,y";b\n1;2\n', ";"),
        ("single\n1\n", None),
    ],
)
def test_sniff_delimiter(sample: str, expected: str | None) -> None:
    assert sniff_delimiter(sample) == expected


# --- paths, stdin and --sources ------------------------------------------------------------------


def test_read_path_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_bytes(b"source,count\nMoH,1\n")
    document = read_path(str(path))
    assert (document.file, document.columns["count"]) == (str(path), ("1",))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: tmp / "missing.csv", "no such file"),
        (lambda tmp: tmp, "it is a directory"),
    ],
    ids=["missing", "directory"],
)
def test_read_path_explains_what_cannot_be_read(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    path = str(make(tmp_path))
    with pytest.raises(InputError) as caught:
        read_path(path)
    assert caught.value.code == "cannot-read"
    assert caught.value.message == f"cannot read {path}: {reason}"
    assert caught.value.hint


def test_read_path_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"source\tcount\nMoH\t1\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    document = read_path("-")
    assert (document.file, document.format) == ("<stdin>", InputFormat.TSV)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("sources.yaml", b"sources:\n  MoH: B\n  UN: {grade: C3, aliases: OCHA}\n"),
        ("sources.yaml", b"MoH: B\nUN:\n  grade: C3\n  aliases: [OCHA]\n"),
        ("sources.json", b'{"sources": {"MoH": "B", "UN": {"grade": "C3", "aliases": ["OCHA"]}}}'),
        ("<stdin>", b'{"MoH": "B", "UN": {"grade": "C3", "aliases": "OCHA"}}'),
    ],
    ids=["yaml-key", "yaml-bare", "json-key", "json-bare"],
)
def test_read_sources(name: str, data: bytes) -> None:
    sources = read_sources(data, name, ReadOptions(input_format=InputFormat.CSV))
    assert [(s.id, s.grade, s.aliases) for s in sources] == [
        ("MoH", "B", ()),
        ("UN", "C3", ("OCHA",)),
    ]


def test_read_sources_errors_carry_every_finding() -> None:
    data = b"sources:\n  MoH: [B]\n  UN: {grade: [C]}\n  AP: {grade: A, weight: 2}\n"
    with pytest.raises(InputError) as caught:
        read_sources(data, "sources.yaml")
    assert [(f.code, f.location.line) for f in caught.value.findings] == [
        ("not-a-mapping", 2),
        ("not-a-scalar", 3),
    ]
    warnings = read_sources_document(b"MoH: {grade: A, weight: 2}\n", "s.yaml").findings
    assert [(f.code, f.severity) for f in warnings] == [("unknown-field", Severity.WARNING)]


# --- nothing but TallyError, whatever the bytes --------------------------------------------------

FORMATS = [None, *InputFormat]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from("ab,;\t|\"'\n\r #:-[]{}&*!~=\x00é"), max_size=200).map(
            str.encode
        ),
    ),
    input_format=st.sampled_from(FORMATS),
    name=st.sampled_from(["r.csv", "r.yaml", "r.json", "<stdin>"]),
)
def test_arbitrary_bytes_raise_only_tally_errors(
    data: bytes, input_format: InputFormat | None, name: str
) -> None:
    try:
        document = read_document(data, name, ReadOptions(input_format=input_format))
    except TallyError:
        return
    assert all(len(column) == len(document) for column in document.columns.values())
