"""Hostile inputs of conventions.md section 6, through the installed command line.

Each case names its number in that section.  Every one asserts the exit status, the finding code
and a fragment of the message that names the problem, and that no traceback is ever shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from casualty_cli.cli import main

HEADER = "source,published,count\n"


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, bytes, extra options, and what tally must answer."""

    name: str
    data: bytes
    status: int
    code: str | None = None
    message: str | None = None
    args: tuple[str, ...] = ()
    line: int | None = None


def csv_case(
    number: int,
    label: str,
    body: str,
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    args: tuple[str, ...] = (),
    line: int | None = None,
) -> pytest.ParameterSet:
    data = (HEADER + body).encode("utf-8")
    case = Case("reports.csv", data, status, code, message, args, line)
    return pytest.param(case, id=f"{number:02d}-{label}")


def raw_case(
    number: int,
    label: str,
    name: str,
    data: bytes,
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    args: tuple[str, ...] = (),
    line: int | None = None,
) -> pytest.ParameterSet:
    return pytest.param(
        Case(name, data, status, code, message, args, line), id=f"{number:02d}-{label}"
    )


BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8)
    )
).encode()

CASES = [
    # 6.1 files, encodings, dialects
    raw_case(
        1, "utf8-bom", "r.csv", b"\xef\xbb\xbf" + HEADER.encode() + b"SOHR,2025-03-08,745\n", 0
    ),
    raw_case(
        2,
        "utf16-tab",
        "r.txt",
        "source\tpublished\tcount\nSOHR\t2025-03-08\t745\n".encode("utf-16"),
        0,
    ),
    raw_case(
        3,
        "cp1252",
        "r.csv",
        HEADER.encode() + "Khan Yûnis MoH,2025-03-08,745\n".encode("cp1252"),
        1,
        None,
        "--encoding",
        line=2,
    ),
    raw_case(
        4,
        "cp1256-with-encoding",
        "r.csv",
        HEADER.encode() + "وزارة الصحة,2025-03-08,745\n".encode("cp1256"),
        0,
        args=("--encoding", "cp1256"),
    ),
    raw_case(
        5,
        "bad-byte-late",
        "r.csv",
        HEADER.encode() + b"SOHR,2025-03-08,745\n" * 400 + b"SOHR,2025-03-08,7\xff5\n",
        1,
        None,
        "UTF-8",
        line=402,
    ),
    raw_case(6, "semicolon-dot-groups", "r.csv", b"source;count\nMoH;1.234\n", 0),
    raw_case(
        6,
        "semicolon-dot-told-comma",
        "r.csv",
        b"source;count\nMoH;1.234\n",
        1,
        "count-ambiguous-dot",
        args=("--thousands", ","),
    ),
    raw_case(6, "comma-file-dot", "r.csv", b"source,count\nMoH,1.234\n", 1, "count-ambiguous-dot"),
    raw_case(
        6,
        "comma-file-thousands-dot",
        "r.csv",
        b"source,count\nMoH,1.234\n",
        0,
        args=("--thousands", "."),
    ),
    raw_case(6, "decimal-comma", "r.csv", b'source;count\nUN;"2,5"\n', 1, "count-decimal"),
    raw_case(7, "sep-line", "r.txt", b"sep=;\nsource;count\nSOHR;745\n", 0),
    raw_case(8, "single-column", "r.csv", b"count\n745\n", 1, None, "source"),
    csv_case(
        9,
        "embedded-newline",
        '"Khan Younis,\nsouth",2025-03-08,745\nSOHR,2025-03-08,-4\n',
        1,
        "count-negative",
        line=4,
    ),
    raw_case(10, "mixed-line-ends", "r.csv", b"source,count\r\nA,1\nB,2\rC,3\r\n", 0),
    csv_case(11, "ragged-row", "SOHR,2025-03-08,745,extra\n", 1, "ragged-row", line=2),
    raw_case(12, "duplicate-header", "r.csv", b"source,count,Count\nA,1,2\n", 1, None, "count"),
    raw_case(13, "empty-file", "r.csv", b"", 1, None, "empty"),
    raw_case(13, "header-only", "r.csv", HEADER.encode(), 0),
    csv_case(
        14,
        "huge-field",
        "SOHR," + "x" * 2000 + ",745\n",
        1,
        None,
        "field",
        args=("--max-field-size", "1000"),
    ),
    raw_case(
        15, "nul-byte", "r.csv", HEADER.encode() + b"SO\x00HR,2025-03-08,745\n", 1, None, "NUL"
    ),
    raw_case(16, "hxl-row", "r.csv", b"source,count\n#org,#affected+killed\nSOHR,745\n", 0),
    raw_case(17, "header-case-space", "r.csv", b" Source , COUNT \nSOHR,745\n", 0),
    raw_case(
        18, "unterminated-quote", "r.csv", b'source,count\n"SOHR,745\nAP,3\n', 1, None, "quote"
    ),
    # 6.2 counts and phrases
    csv_case(21, "at-least", "SOHR,2025-03-08,at least 745\n", 0),
    csv_case(22, "nbsp-grouping", "SOHR,2025-03-08,over 1\u00a0000\n", 0),
    csv_case(22, "nnbsp-grouping", "SOHR,2025-03-08,1\u202f000\n", 0),
    csv_case(
        23, "vague-words", "A,2025-03-08,dozens\nB,2025-03-08,scores\nC,2025-03-08,a dozen\n", 0
    ),
    csv_case(24, "en-dash-range", "SOHR,2025-03-08,3–5\nAP,2025-03-08,between 30 and 40\n", 0),
    csv_case(25, "bad-grouping", 'SOHR,2025-03-08,"1,00"\n', 1, "count-bad-grouping"),
    csv_case(
        26, "arabic-indic", "SOHR,2025-03-08,٧٤٥\nMoH,2025-03-08,۷۴۵\nUN,2025-03-08,７４５\n", 0
    ),
    csv_case(27, "arabic-thousands", "SOHR,2025-03-08,١٬٠٠٠\n", 0),
    csv_case(27, "arabic-decimal", "SOHR,2025-03-08,١٫٥\n", 1, "count-decimal"),
    csv_case(28, "underscore", "SOHR,2025-03-08,1_000\n", 1, "count-underscore"),
    csv_case(29, "exponent", "SOHR,2025-03-08,1e3\n", 1, "count-exponent"),
    csv_case(29, "nan", "SOHR,2025-03-08,nan\n", 1, "count-not-finite"),
    csv_case(30, "negative", "SOHR,2025-03-08,-5\n", 1, "count-negative", line=2),
    csv_case(30, "minus-sign", "SOHR,2025-03-08,−5\n", 1, "count-negative"),
    csv_case(30, "lone-dash", "SOHR,2025-03-08,-\n", 1, "unparsed-quantity"),
    csv_case(31, "empty-count", "SOHR,2025-03-08,\n", 1, "missing-count"),
    csv_case(
        32, "five-thousand-digits", "SOHR,2025-03-08," + "9" * 5000 + "\n", 1, "count-too-long"
    ),
    csv_case(33, "superscript", "SOHR,2025-03-08,²\n", 1, "count-not-a-digit"),
    csv_case(34, "rlo-override", "SOHR,2025-03-08,\u202e547\u202c\n", 1, "invisible-character"),
    csv_case(
        35, "footnote-star", "SOHR,2025-03-08,745*\nAP,2025-03-08,~745\nX,2025-03-08,745+\n", 0
    ),
    csv_case(35, "many", "SOHR,2025-03-08,many\n", 1, "unparsed-quantity"),
    # 6.3 dates and windows
    csv_case(36, "ambiguous-date", "SOHR,03/07/2025,745\n", 1, "date-ambiguous", line=2),
    csv_case(36, "date-order-given", "SOHR,03/07/2025,745\n", 0, args=("--date-order", "dmy")),
    csv_case(37, "iso-with-dmy", "SOHR,2025-03-07,745\n", 0, args=("--date-order", "dmy")),
    csv_case(38, "year-missing", "SOHR,27.08,745\n", 1, "date-year-missing"),
    csv_case(40, "month-published", "SOHR,March 2025,745\n", 0),
    csv_case(41, "count-as-date", "SOHR,at least 745 killed on 12,745\n", 1, None, "published"),
    csv_case(42, "yesterday", "SOHR,yesterday,745\n", 1, None, "published"),
    csv_case(45, "impossible-date", "SOHR,2025-02-30,745\n", 1, "date-impossible"),
    raw_case(
        45,
        "reversed-window",
        "r.csv",
        b"source,period,count\nSOHR,2025-03-10/2025-03-01,745\n",
        1,
        "period-reversed",
    ),
    # 6.4 YAML
    raw_case(46, "billion-laughs", "r.yaml", BILLION_LAUGHS, 1, "yaml-alias"),
    raw_case(
        47,
        "python-tag",
        "r.yaml",
        b"reports:\n  - source: !!python/object/apply:os.system ['id']\n    count: 1\n",
        1,
        "yaml-tag",
    ),
    raw_case(48, "octal-looking", "r.yaml", b"reports:\n  - source: SOHR\n    count: 0745\n", 0),
    raw_case(
        49,
        "duplicate-key",
        "r.yaml",
        b"reports:\n  - source: SOHR\n    count: 10\n    count: 12\n",
        1,
        "yaml-duplicate-key",
        line=4,
    ),
    raw_case(50, "deep-nesting", "r.yaml", b"[" * 5000 + b"]" * 5000, 1, None, "deep"),
    raw_case(
        51,
        "two-documents",
        "r.yaml",
        b"reports:\n  - {source: A, count: 1}\n---\nreports: []\n",
        1,
        "yaml-multiple-documents",
    ),
    raw_case(
        52,
        "unquoted-date",
        "r.yaml",
        b"reports:\n  - source: SOHR\n    published: 2025-03-07\n    count: 745\n",
        0,
    ),
    # grades (contract section 1)
    raw_case(
        0, "unknown-grade", "r.csv", b"source,count,grade\nSOHR,745,G\n", 1, "grade-unknown", line=2
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_hostile_input(case: Case, tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    result = runner.invoke(main, ["validate", "--format", "json", *case.args, str(path)])
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert result.exit_code == case.status, output
    document = json.loads(result.stdout)
    errors = [f for f in document["findings"] if f["severity"] == "error"]
    assert document["valid"] is (case.status == 0)
    if case.status == 0:
        assert errors == []
        return
    assert errors, output
    if case.code is not None:
        assert case.code in {f["code"] for f in errors}, errors
    if case.message is not None:
        text = " ".join(f"{f['message']} {f['hint'] or ''} {f['field'] or ''}" for f in errors)
        assert case.message.lower() in text.lower(), errors
    if case.line is not None:
        assert case.line in {f["line"] for f in errors}, errors
    for finding in errors:
        assert finding["file"] == str(path)
        assert finding["message"]


def test_stdin_that_is_empty_is_an_error_not_a_hang(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "--format", "json", "-"], input="")
    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "<stdin>" in result.stdout


def test_dash_named_file_after_double_dash(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "-reports.csv").write_text("source,count\nSOHR,745\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["validate", "--", "-reports.csv"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "1 report in 1 file: no problems\n"


@pytest.mark.parametrize(
    ("body", "args", "code"),
    [
        ("SOHR,2025-03-08,٧45\n", (), "mixed-digit-scripts"),
        ("SOHR,25/03/2025,745\n", ("--date-order", "mdy"), "date-order-overruled"),
    ],
    ids=["26-mixed-digit-scripts", "36-date-order-overruled"],
)
def test_judgements_are_warnings(
    body: str, args: tuple[str, ...], code: str, tmp_path: Path, runner: CliRunner
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    result = runner.invoke(main, ["validate", "--format", "json", *args, str(path)])
    assert result.exit_code == 0
    (warning,) = json.loads(result.stdout)["findings"]
    assert (warning["severity"], warning["code"], warning["line"]) == ("warning", code, 2)
    assert warning["hint"]
