"""Hostile inputs of conventions.md section 6.1-6.4 (cases 1-52), through the command line.

Every test id starts with the case's number in that section (``19-dash-stdin-terminal``; ``00``
marks tally's own extra cases).  docs/hostile-inputs.md lists all 67 cases with what tally does;
cases 53-67 (output and terminal) are in test_hostile_outputs.py.

Each file of :data:`CASES` is checked twice:

* ``tally validate --format json`` exits with the case's status and names the problem: its
  finding code, file, line and field, a fragment of the message, and a hint on how to fix it;
* ``tally reconcile`` stops on the same problem with one line per finding on standard error,
  ``Error: FILE:LINE: FIELD: MESSAGE (HINT)``, then ``Error: N problems in the input; nothing
  was written.``, and writes nothing; or, when the case is fine, computes and exits 0.

Neither may ever show a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from casualty_cli.cli import main
from casualty_cli.render.safe import terminal_text

HEADER = "source,published,count\n"

Where = tuple[int | None, str | None]
"""The line and field of the finding that names the problem (None: the whole file or row)."""


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, bytes, extra options, and what tally must answer."""

    name: str
    data: bytes
    status: int
    code: str | None = None
    message: str | None = None
    args: tuple[str, ...] = ()
    where: Where | None = None
    warning: str | None = None
    reconcile: int | None = None
    """The exit status of ``tally reconcile`` when it differs from ``validate``'s."""

    @property
    def reconcile_status(self) -> int:
        return self.status if self.reconcile is None else self.reconcile


def csv_case(
    number: int,
    label: str,
    body: str,
    status: int,
    code: str | None = None,
    message: str | None = None,
    **expected: Any,
) -> pytest.ParameterSet:
    data = (HEADER + body).encode("utf-8")
    case = Case("reports.csv", data, status, code, message, **expected)
    return pytest.param(case, id=f"{number:02d}-{label}")


def raw_case(
    number: int,
    label: str,
    name: str,
    data: bytes,
    status: int,
    code: str | None = None,
    message: str | None = None,
    **expected: Any,
) -> pytest.ParameterSet:
    return pytest.param(
        Case(name, data, status, code, message, **expected), id=f"{number:02d}-{label}"
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
        "bad-encoding",
        "--encoding cp1252",
        where=(2, None),
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
        "bad-encoding",
        "not valid UTF-8 at line 402",
        where=(402, None),
    ),
    raw_case(
        6, "semicolon-dot-groups", "r.csv", b"source;count\nMoH;1.234\n", 0, warning="dot-grouping"
    ),
    raw_case(
        6,
        "semicolon-dot-told-comma",
        "r.csv",
        b"source;count\nMoH;1.234\n",
        1,
        "count-ambiguous-dot",
        "ambiguous",
        args=("--thousands", ","),
        where=(2, "count"),
    ),
    raw_case(
        6,
        "comma-file-dot",
        "r.csv",
        b"source,count\nMoH,1.234\n",
        1,
        "count-ambiguous-dot",
        "ambiguous",
        where=(2, "count"),
    ),
    raw_case(
        6,
        "comma-file-thousands-dot",
        "r.csv",
        b"source,count\nMoH,1.234\n",
        0,
        args=("--thousands", "."),
    ),
    raw_case(
        6,
        "decimal-comma",
        "r.csv",
        b'source;count\nUN;"2,5"\n',
        1,
        "count-decimal",
        "decimal part",
        where=(2, "count"),
    ),
    raw_case(7, "sep-line", "r.txt", b"sep=;\nsource;count\nSOHR;745\n", 0),
    raw_case(
        8,
        "single-column",
        "r.csv",
        b"count\n745\n",
        1,
        "missing-column",
        "no 'source' column",
        where=(1, None),
    ),
    csv_case(
        9,
        "embedded-newline",
        '"Khan Younis,\nsouth",2025-03-08,745\nSOHR,2025-03-08,-4\n',
        1,
        "count-negative",
        where=(4, "count"),
    ),
    raw_case(10, "mixed-line-ends", "r.csv", b"source,count\r\nA,1\nB,2\rC,3\r\n", 0),
    csv_case(
        11,
        "ragged-row",
        "SOHR,2025-03-08,745,extra\n",
        1,
        "ragged-row",
        "row has 4 fields, the header has 3",
        where=(2, None),
    ),
    raw_case(
        12,
        "duplicate-header",
        "r.csv",
        b"source,count,Count\nA,1,2\n",
        1,
        "duplicate-column",
        "both name the field 'count'",
        where=(1, "count"),
    ),
    raw_case(13, "empty-file", "r.csv", b"", 1, "empty-input", "empty input", where=(None, None)),
    raw_case(13, "header-only", "r.csv", HEADER.encode(), 0, warning="no-reports"),
    csv_case(
        14,
        "huge-field",
        "SOHR," + "x" * 2000 + ",745\n",
        1,
        "field-too-large",
        "longer than 1,000 characters",
        args=("--max-field-size", "1000"),
        where=(2, None),
    ),
    raw_case(
        15,
        "nul-byte",
        "r.csv",
        HEADER.encode() + b"SO\x00HR,2025-03-08,745\n",
        1,
        "nul-byte",
        "NUL",
        where=(2, None),
    ),
    raw_case(
        16,
        "hxl-row",
        "r.csv",
        b"source,count\n#org,#affected+killed\nSOHR,745\n",
        0,
        warning="hxl-row-skipped",
    ),
    raw_case(17, "header-case-space", "r.csv", b" Source , COUNT \nSOHR,745\n", 0),
    raw_case(
        18,
        "unterminated-quote",
        "r.csv",
        b'source,count\n"SOHR,745\nAP,3\n',
        1,
        "unterminated-quote",
        "unterminated quoted field starting at line 2",
        where=(2, None),
    ),
    # 6.2 counts and phrases
    csv_case(21, "at-least", "SOHR,2025-03-08,at least 745\n", 0),
    csv_case(22, "nbsp-grouping", "SOHR,2025-03-08,over 1\u00a0000\n", 0),
    csv_case(22, "nnbsp-grouping", "SOHR,2025-03-08,1\u202f000\n", 0),
    csv_case(
        23, "vague-words", "A,2025-03-08,dozens\nB,2025-03-08,scores\nC,2025-03-08,a dozen\n", 0
    ),
    csv_case(24, "en-dash-range", "SOHR,2025-03-08,3–5\nAP,2025-03-08,between 30 and 40\n", 0),
    csv_case(
        25,
        "bad-grouping",
        'SOHR,2025-03-08,"1,00"\n',
        1,
        "count-bad-grouping",
        "groups its digits wrongly",
        where=(2, "count"),
    ),
    csv_case(
        26, "arabic-indic", "SOHR,2025-03-08,٧٤٥\nMoH,2025-03-08,۷۴۵\nUN,2025-03-08,７４５\n", 0
    ),
    csv_case(27, "arabic-thousands", "SOHR,2025-03-08,١٬٠٠٠\n", 0),
    csv_case(
        27,
        "arabic-decimal",
        "SOHR,2025-03-08,١٫٥\n",
        1,
        "count-decimal",
        "decimal part",
        where=(2, "count"),
    ),
    csv_case(
        28,
        "underscore",
        "SOHR,2025-03-08,1_000\n",
        1,
        "count-underscore",
        "programming notation",
        where=(2, "count"),
    ),
    csv_case(
        29,
        "exponent",
        "SOHR,2025-03-08,1e3\n",
        1,
        "count-exponent",
        "exponent",
        where=(2, "count"),
    ),
    csv_case(
        29,
        "nan",
        "SOHR,2025-03-08,nan\n",
        1,
        "count-not-finite",
        "not a finite number",
        where=(2, "count"),
    ),
    csv_case(
        30,
        "negative",
        "SOHR,2025-03-08,-5\n",
        1,
        "count-negative",
        "negative",
        where=(2, "count"),
    ),
    csv_case(
        30,
        "minus-sign",
        "SOHR,2025-03-08,−5\n",
        1,
        "count-negative",
        "negative",
        where=(2, "count"),
    ),
    # A lone dash is "no data": validate refuses it; reconcile leaves the report out, saying so.
    csv_case(
        30,
        "lone-dash",
        "SOHR,2025-03-08,-\n",
        1,
        "unparsed-quantity",
        "gives no figure",
        where=(2, "count"),
        reconcile=0,
    ),
    csv_case(
        31,
        "empty-count",
        "SOHR,2025-03-08,\n",
        1,
        "missing-count",
        "count is missing",
        where=(2, "count"),
    ),
    raw_case(
        31,
        "unknown-count",
        "r.csv",
        b"source,published,place,count\nA,2025-03-08,Gaza,N/A\nB,2025-03-08,Gaza,unknown\n",
        1,
        "unparsed-quantity",
        "names no number",
        where=(2, "count"),
        reconcile=0,
    ),
    csv_case(
        32,
        "five-thousand-digits",
        "SOHR,2025-03-08," + "9" * 5000 + "\n",
        1,
        "count-too-long",
        "has 5000 digits",
        where=(2, "count"),
    ),
    csv_case(
        33,
        "superscript",
        "SOHR,2025-03-08,²\n",
        1,
        "count-not-a-digit",
        "U+00B2",
        where=(2, "count"),
    ),
    csv_case(
        34,
        "rlo-override",
        "SOHR,2025-03-08,\u202e547\u202c\n",
        1,
        "invisible-character",
        "invisible format character U+202E",
        where=(2, "count"),
    ),
    csv_case(
        35, "footnote-star", "SOHR,2025-03-08,745*\nAP,2025-03-08,~745\nX,2025-03-08,745+\n", 0
    ),
    csv_case(
        35,
        "many",
        "SOHR,2025-03-08,many\n",
        1,
        "unparsed-quantity",
        "names no number",
        where=(2, "count"),
        reconcile=0,
    ),
    # 6.3 dates and windows
    csv_case(
        36,
        "ambiguous-date",
        "SOHR,03/07/2025,745\n",
        1,
        "date-ambiguous",
        "--date-order",
        where=(2, "published"),
    ),
    csv_case(36, "date-order-given", "SOHR,03/07/2025,745\n", 0, args=("--date-order", "dmy")),
    csv_case(37, "iso-with-dmy", "SOHR,2025-03-07,745\n", 0, args=("--date-order", "dmy")),
    csv_case(
        38,
        "year-missing",
        "SOHR,27.08,745\n",
        1,
        "date-year-missing",
        "has no year",
        where=(2, "published"),
    ),
    csv_case(39, "comma-no-space", 'SOHR,"May 17,2019",745\n', 0),
    csv_case(
        39,
        "no-year",
        "SOHR,May 17,745\n",
        1,
        "date-year-missing",
        "has no year",
        where=(2, "published"),
    ),
    csv_case(40, "month-published", "SOHR,March 2025,745\n", 0),
    csv_case(
        41,
        "count-as-date",
        "SOHR,at least 745 killed on 12,745\n",
        1,
        "date-unparsed",
        "not a date",
        where=(2, "published"),
    ),
    csv_case(
        42,
        "yesterday",
        "SOHR,yesterday,745\n",
        1,
        "date-relative",
        "relative",
        where=(2, "published"),
    ),
    csv_case(
        42,
        "weekday",
        "SOHR,Saturday,745\n",
        1,
        "date-relative",
        "its date depends on when it was written",
        where=(2, "published"),
    ),
    csv_case(
        42,
        "time-only",
        "SOHR,12:30,745\n",
        1,
        "date-relative",
        "a time of day with no date",
        where=(2, "published"),
    ),
    csv_case(
        43,
        "arabic-indic-ambiguous",
        "SOHR,١٢/٠٣/٢٠٢٥,745\n",
        1,
        "date-ambiguous",
        "--date-order",
        where=(2, "published"),
    ),
    csv_case(43, "arabic-indic-dmy", "SOHR,١٢/٠٣/٢٠٢٥,745\n", 0, args=("--date-order", "dmy")),
    csv_case(
        44,
        "naive-and-utc",
        "SOHR,2023-10-07 06:30,745\nMoH,2023-10-07T03:30Z,700\n",
        0,
    ),
    raw_case(
        44,
        "naive-to-aware-period",
        "r.csv",
        b"source,period,count\nSOHR,2023-10-07 06:30/2023-10-08T03:30Z,745\n",
        0,
    ),
    csv_case(
        45,
        "impossible-date",
        "SOHR,2025-02-30,745\n",
        1,
        "date-impossible",
        "February 2025 has 28 days",
        where=(2, "published"),
    ),
    csv_case(
        45,
        "month-13",
        "SOHR,2025-13-01,745\n",
        1,
        "date-impossible",
        "there is no month 13",
        where=(2, "published"),
    ),
    raw_case(
        45,
        "reversed-window",
        "r.csv",
        b"source,period,count\nSOHR,2025-03-10/2025-03-01,745\n",
        1,
        "period-reversed",
        "before it starts",
        where=(2, "period"),
    ),
    # 6.4 YAML
    raw_case(
        46,
        "billion-laughs",
        "r.yaml",
        BILLION_LAUGHS,
        1,
        "yaml-alias",
        "YAML aliases are not allowed",
        where=(1, None),
    ),
    raw_case(
        47,
        "python-tag",
        "r.yaml",
        b"reports:\n  - source: !!python/object/apply:os.system ['id']\n    count: 1\n",
        1,
        "yaml-tag",
        "explicit tags are not allowed",
        where=(2, None),
    ),
    raw_case(48, "octal-looking", "r.yaml", b"reports:\n  - source: SOHR\n    count: 0745\n", 0),
    raw_case(
        49,
        "duplicate-key",
        "r.yaml",
        b"reports:\n  - source: SOHR\n    count: 10\n    count: 12\n",
        1,
        "yaml-duplicate-key",
        "duplicate key 'count'",
        where=(4, "count"),
    ),
    raw_case(
        50,
        "deep-nesting",
        "r.yaml",
        b"[" * 5000 + b"]" * 5000,
        1,
        "yaml-too-deep",
        "nesting too deep",
        where=(1, None),
    ),
    raw_case(
        51,
        "two-documents",
        "r.yaml",
        b"reports:\n  - {source: A, count: 1}\n---\nreports: []\n",
        1,
        "yaml-multiple-documents",
        "more than one document",
        where=(3, None),
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
        0,
        "unknown-grade",
        "r.csv",
        b"source,count,grade\nSOHR,745,G\n",
        1,
        "grade-unknown",
        "not a grade",
        where=(2, "grade"),
    ),
]


def no_traceback(result: Any) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), output


@pytest.mark.parametrize("case", CASES)
def test_validate_names_the_problem(case: Case, tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    result = runner.invoke(main, ["validate", "--format", "json", *case.args, str(path)])
    no_traceback(result)
    assert result.exit_code == case.status, result.stdout + result.stderr
    document = json.loads(result.stdout)
    errors = [f for f in document["findings"] if f["severity"] == "error"]
    warnings = [f["code"] for f in document["findings"] if f["severity"] == "warning"]
    assert document["valid"] is (case.status == 0)
    if case.warning is not None:
        assert case.warning in warnings
    if case.status == 0:
        assert errors == []
        return
    named = [f for f in errors if case.code in (None, f["code"])]
    assert named, errors
    if case.where is not None:
        assert case.where in {(f["line"], f["field"]) for f in named}, named
    if case.message is not None:
        text = " ".join(f"{f['message']} {f['hint']}" for f in named)
        assert case.message.lower() in text.lower(), named
    for finding in errors:
        assert finding["file"] == str(path)
        assert finding["message"]
        assert finding["hint"], f"no hint on how to fix: {finding}"


@pytest.mark.parametrize("case", CASES)
def test_reconcile_stops_with_one_line_per_problem(
    case: Case, tmp_path: Path, runner: CliRunner
) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    out = tmp_path / "estimates.csv"
    result = runner.invoke(main, ["reconcile", *case.args, str(path), "-o", str(out)])
    no_traceback(result)
    assert result.exit_code == case.reconcile_status, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    if case.reconcile_status == 0:
        assert out.read_text(encoding="utf-8").startswith("rank,outcome,category,place,")
        assert not [line for line in lines if line.startswith("Error")]
        if case.warning is not None or case.reconcile is not None:
            # What validate refused, or warned about, reconcile says it left out or assumed.
            assert any(line.startswith(f"Warning: {path}") for line in lines), lines
        return
    assert not out.exists()
    errors = lines[:-1]
    noun = "problem" if len(errors) == 1 else "problems"
    assert lines[-1] == f"Error: {len(errors)} {noun} in the input; nothing was written."
    where = str(path)
    line, field = case.where or (None, None)
    if line is not None:
        where += f":{line}"
    if field is not None:
        where += f": {field}"
    named = [e for e in errors if e.startswith(f"Error: {terminal_text(where)}: ")]
    assert named, errors
    assert all(e.endswith(")") for e in named)  # "(how to fix it)"
    if case.message is not None:
        assert any(case.message.lower() in e.lower() for e in named), named


# --- standard input (conventions.md 6.1 #13, #19, #20) ---------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["validate"],
            "Error: no input: give a FILE, or pipe reports in and use -",
            id="19-no-file-stdin-terminal",
        ),
        pytest.param(
            ["validate", "-"],
            "Error: reading from standard input, which is a terminal: pipe data in",
            id="19-dash-stdin-terminal",
        ),
        pytest.param(
            ["reconcile", "-"],
            "Error: reading from standard input, which is a terminal: pipe data in",
            id="19-reconcile-dash-stdin-terminal",
        ),
    ],
)
def test_a_terminal_is_never_read_as_standard_input(
    args: list[str], message: str, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import casualty_cli.cli as cli

    # Standard input is a terminal: tally must say so and stop (usage error), never wait.
    monkeypatch.setattr(cli, "_is_terminal", lambda stream: stream is sys.stdin)
    result = runner.invoke(main, args)
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == message


def test_20_a_file_argument_never_reads_standard_input(tmp_path: Path) -> None:
    """conventions.md 6.1 #20: run from cron, standard input is an open pipe nobody writes to.

    tally reads only the FILE: reading the pipe too would wait forever.
    """
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "SOHR,2025-03-08,745\n", encoding="utf-8")
    with subprocess.Popen(  # noqa: S603  (our own command, arguments we built)
        [sys.executable, "-m", "casualty_cli", "reconcile", str(path), "--format", "csv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        try:
            # Not communicate(), which would close standard input: the pipe must stay open.
            process.wait(timeout=60)
        finally:
            process.kill()
        stdout, stderr = process.stdout.read(), process.stderr.read()
    assert process.returncode == 0, stderr
    assert stderr == b""
    assert stdout.splitlines()[1].startswith(b"1,killed,all,,,2025-03-08,745,")


def test_13_empty_standard_input_is_an_error_not_a_hang(runner: CliRunner) -> None:
    """conventions.md 6.1 #13 (0 bytes), read from a pipe: exit 1 "empty input"."""
    result = runner.invoke(main, ["validate", "--format", "json", "-"], input="")
    no_traceback(result)
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["file"], finding["code"], finding["message"]) == (
        "<stdin>",
        "empty-input",
        "empty input",
    )


# --- what the accepted cases are read as ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "args", "windows"),
    [
        pytest.param(
            'SOHR,"May 17,2019",745\n', (), [(None, "2019-05-17")], id="39-comma-no-space"
        ),
        pytest.param("SOHR,March 2025,745\n", (), [(None, "2025-03-31")], id="40-month-published"),
        pytest.param(
            "SOHR,١٢/٠٣/٢٠٢٥,745\n",
            ("--date-order", "dmy"),
            [(None, "2025-03-12")],
            id="43-arabic-indic-dmy",
        ),
        pytest.param(
            "SOHR,١٢/٠٣/٢٠٢٥,745\n",
            ("--date-order", "mdy"),
            [(None, "2025-12-03")],
            id="43-arabic-indic-mdy",
        ),
        # One day at tally's resolution: the date-time names its day, in its own time zone.
        pytest.param(
            "SOHR,2023-10-07 06:30,745\nMoH,2023-10-07T03:30Z,700\n",
            (),
            [(None, "2023-10-07")],
            id="44-naive-and-utc",
        ),
    ],
)
def test_dates_are_read_as(
    body: str,
    args: tuple[str, ...],
    windows: list[tuple[str | None, str]],
    tmp_path: Path,
    runner: CliRunner,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    result = runner.invoke(main, ["reconcile", "--format", "json", *args, str(path)])
    assert result.exit_code == 0, result.stderr
    estimates = json.loads(result.stdout)["estimates"]
    assert [(e["period_start"], e["period_end"]) for e in estimates] == windows


def test_31_zero_is_a_count_and_none_is_a_place(tmp_path: Path, runner: CliRunner) -> None:
    """conventions.md 6.2 #31: zero is not missing, missing is not unknown, None is a name."""
    path = tmp_path / "r.csv"
    path.write_text(
        "source,published,place,count\nA,2025-03-08,None,0\nB,2025-03-08,Gaza,unknown\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["reconcile", "--format", "json", str(path)])
    assert result.exit_code == 0, result.stderr
    (estimate,) = json.loads(result.stdout)["estimates"]
    assert (estimate["place"], estimate["best"], estimate["high95"]) == ("None", 0, 0)
    assert result.stderr.startswith(f"Warning: {path}:3: count: report skipped: 'unknown'")


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
