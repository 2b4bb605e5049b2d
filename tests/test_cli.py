"""The command line as a user meets it: exact standard output, standard error and exit status."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from casualty_cli import __version__, validate
from casualty_cli.cli import main, one_blas_thread
from casualty_cli.render.findings import finding_record

from .conftest import DATA, EXAMPLES

EXAMPLE_FILES = sorted(
    p for p in EXAMPLES.iterdir() if p.suffix in {".yaml", ".yml", ".csv", ".json", ".ndjson"}
)


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"tally, version {__version__}\n"


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("reconcile", "explain", "validate", "parse"):
        assert f"  {command} " in result.stdout


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "casualty_cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout == f"tally, version {__version__}\n"


def test_the_command_exits_with_the_status_of_its_work() -> None:
    """``run`` (the console script) freezes the objects on the way out, status unchanged."""
    result = subprocess.run(  # noqa: S603  (this interpreter, a file of the tests)
        [sys.executable, "-m", "casualty_cli", "validate", str(DATA / "five-problems.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == "6 reports in 1 file: 5 errors, 0 warnings\n"
    assert len(result.stdout.splitlines()) == 1 + 5


def test_unknown_option_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "--no-such-option", "x.csv"])
    assert result.exit_code == 2
    assert "No such option" in result.stderr


# --- validate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_validates(path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == "file,line,field,severity,code,value,message,hint\n"
    assert result.stderr.endswith(": no problems\n")


def test_validate_lists_all_five_problems_with_their_lines(runner: CliRunner) -> None:
    path = DATA / "five-problems.csv"
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "file,line,field,severity,code,value,message,hint"
    found = [tuple(line.split(",")[1:5]) for line in lines[1:]]
    assert found == [
        ("3", "published", "error", "date-impossible"),
        ("4", "count", "error", "count-negative"),
        ("5", "grade", "error", "grade-unknown"),
        ("6", "source", "error", "missing-source"),
        ("7", "count", "error", "unparsed-quantity"),
    ]
    assert result.stderr == "6 reports in 1 file: 5 errors, 0 warnings\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_json_equals_the_library_result(runner: CliRunner) -> None:
    path = DATA / "five-problems.csv"
    result = runner.invoke(main, ["validate", "--format", "json", str(path)])
    document = json.loads(result.stdout)
    expected = validate([str(path)])
    assert document == {
        "tally_version": __version__,
        "valid": False,
        "files": [str(path)],
        "reports": expected.reports,
        "findings": [finding_record(f) for f in expected.findings],
    }


def test_validate_reads_a_pipe(runner: CliRunner) -> None:
    text = "source,count\nSOHR,at least 745\nAP,-3\n"
    result = runner.invoke(main, ["validate", "-"], input=text)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].startswith("<stdin>,3,count,error,count-negative,-3,")


def test_validate_without_files_reads_a_pipe(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate"], input="source,count\nSOHR,745\n")
    assert result.exit_code == 0
    assert result.stderr == "1 report in 1 file: no problems\n"


def test_validate_markdown_escapes_user_text(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "r.csv"
    path.write_text("source,count\nSOHR,<b>|x</b>\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", "--format", "markdown", str(path)])
    assert result.exit_code == 1
    row = result.stdout.splitlines()[2]
    assert "<b>" not in row
    assert "&#60;b&#62;&#124;x&#60;/b&#62;" in row


def test_validate_output_file_is_written_and_never_over_an_input(
    tmp_path: Path, runner: CliRunner
) -> None:
    source = tmp_path / "r.csv"
    source.write_text("source,count\nSOHR,745\n", encoding="utf-8")
    out = tmp_path / "findings.json"
    result = runner.invoke(main, ["validate", str(source), "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["valid"] is True

    refused = runner.invoke(main, ["validate", str(source), "-o", str(source)])
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: {source}: refusing to write over the input")
    assert source.read_text(encoding="utf-8") == "source,count\nSOHR,745\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_missing_file_is_a_data_error_not_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "no-such-file.csv"])
    assert result.exit_code == 1
    assert "no-such-file.csv" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# --- parse ------------------------------------------------------------------------------------

# statistics.md section 2, one row per phrase form: the kernel `tally parse` must print.
KERNELS = [
    ("0", [[0, 0, 1.0]]),
    ("745", [[745, 745, 0.5], [596, 931, 0.5]]),
    ("at least 745", [[745, 745, 0.4], [745, 1118, 0.45], [745, 1490, 0.15]]),
    ("1,000 or more", [[1000, 1100, 0.4], [1000, 1500, 0.45], [1000, 2000, 0.15]]),
    ("more than 1,000", [[1001, 1102, 0.4], [1001, 1502, 0.45], [1001, 2002, 0.15]]),
    ("over 20", [[21, 24, 0.4], [21, 32, 0.45], [21, 42, 0.15]]),
    ("upwards of 100", [[101, 112, 0.4], [101, 152, 0.45], [101, 202, 0.15]]),
    ("up to 30", [[28, 30, 0.4], [20, 30, 0.45], [15, 30, 0.15]]),
    ("as many as 30", [[28, 30, 0.4], [20, 30, 0.45], [15, 30, 0.15]]),
    ("at most 30", [[28, 30, 0.4], [20, 30, 0.45], [15, 30, 0.15]]),
    ("nearly 50", [[40, 49, 1.0]]),
    ("almost 50", [[40, 49, 1.0]]),
    ("close to 50", [[40, 49, 1.0]]),
    ("about 1,000", [[910, 1100, 1.0]]),
    ("around 1,000", [[910, 1100, 1.0]]),
    ("some 1,000", [[910, 1100, 1.0]]),
    ("approx. 1,000", [[910, 1100, 1.0]]),
    ("between 10 and 20", [[10, 20, 1.0]]),
    ("10–20", [[10, 20, 1.0]]),
    ("between 10 and 20, most likely 15", [[15, 15, 0.5], [10, 20, 0.5]]),
    ("a few", [[2, 5, 1.0]]),
    ("several", [[3, 9, 1.0]]),
    ("tens", [[20, 99, 1.0]]),
    ("dozens", [[24, 99, 1.0]]),
    ("scores", [[40, 99, 1.0]]),
    ("hundreds", [[200, 999, 1.0]]),
    ("thousands", [[2000, 9999, 1.0]]),
    ("tens of thousands", [[20000, 99999, 1.0]]),
    ("hundreds of thousands", [[200000, 999999, 1.0]]),
    ("a dozen", [[11, 13, 1.0]]),
    ("more than a dozen", [[13, 15, 0.4], [13, 20, 0.45], [13, 26, 0.15]]),
]


@pytest.mark.parametrize(("phrase", "kernel"), KERNELS, ids=[k[0] for k in KERNELS])
def test_parse_prints_the_kernel_of_statistics_section_2(
    phrase: str, kernel: list[list[float]], runner: CliRunner
) -> None:
    result = runner.invoke(main, ["parse", "--as", "quantity", "--format", "json", phrase])
    assert result.exit_code == 0, result.stderr
    reading = json.loads(result.stdout)["phrases"][0]["readings"][0]
    assert reading["kernel"] == kernel


def test_parse_json_shows_every_reading(runner: CliRunner) -> None:
    result = runner.invoke(main, ["parse", "--format", "json", "more than 1,000"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "tally_version": __version__,
        "phrases": [
            {
                "input": "more than 1,000",
                "readings": [
                    {
                        "as": "quantity",
                        "kind": "more_than",
                        "word": "more than",
                        "value": 1000,
                        "low": 1001,
                        "high": None,
                        "kernel": [[1001, 1102, 0.4], [1001, 1502, 0.45], [1001, 2002, 0.15]],
                        "support": [1001, 2002],
                        "conservative": 1001,
                        "most_likely": None,
                        "notes": [],
                    }
                ],
                "refused": [],
            }
        ],
    }


def test_parse_reads_dates_as_windows(runner: CliRunner) -> None:
    result = runner.invoke(main, ["parse", "--format", "json", "March 2025"])
    reading = json.loads(result.stdout)["phrases"][0]["readings"][0]
    assert (reading["as"], reading["start"], reading["end"]) == ("date", "2025-03-01", "2025-03-31")


def test_parse_refuses_with_the_reason_and_exit_1(runner: CliRunner) -> None:
    result = runner.invoke(main, ["parse", "--format", "json", "745", "lots"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 'lots': 'lots' names no number "
        '(write a number or a phrase such as "at least 20" or "dozens")\n'
    )
    refused = json.loads(result.stdout)["phrases"][1]["refused"]
    assert [r["code"] for r in refused] == ["unparsed-quantity"]


def test_parse_table_shows_phrase_and_kernel(runner: CliRunner) -> None:
    result = runner.invoke(main, ["parse", "--format", "table", "at least 745"])
    assert result.exit_code == 0
    assert "count: at least" in result.stdout
    assert "745 or more" in result.stdout
    assert "\x1b" not in result.stdout


# --- reconcile and explain --------------------------------------------------------------------


def test_reconcile_reads_a_csv_pipe_and_writes_the_contract_csv(runner: CliRunner) -> None:
    text = (EXAMPLES / "syrian-coast-2025.csv").read_text(encoding="utf-8")
    result = runner.invoke(main, ["reconcile", "-", "--format", "csv"], input=text)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "rank,outcome,category,place,period_start,period_end,best,low,high,low95,high95,"
        "claimed_min,claimed_max,conservative,reports,origins,flags"
    )
    assert lines[1:] == [
        "1,killed,all,Syria/Coast,,2025-03-08,1127,1021,1560,1006,1881,1000,1000,1001,1,1,"
        "single_source",
        "2,killed,civilians,Syria/Coast,,2025-03-08,839,745,1161,745,1400,745,745,745,1,1,"
        "single_source",
        "3,killed,combatants/militants,Syria/Coast,,2025-03-08,148,128,172,121,182,148,148,148,"
        "1,1,single_source",
        "4,killed,combatants/security forces,Syria/Coast,,2025-03-08,125,108,145,101,153,125,125,"
        "125,1,1,single_source",
        "5,killed,all,Syria/Coast/Tartus/Baniyas,,2025-03-08,25,20,36,20,39,20,20,20,1,1,"
        "single_source",
    ]


def test_explain_names_the_reports_behind_every_row(runner: CliRunner) -> None:
    path = EXAMPLES / "syrian-coast-2025.yaml"
    reconciled = json.loads(runner.invoke(main, ["reconcile", "-f", "json", str(path)]).stdout)
    result = runner.invoke(main, ["explain", "--format", "json", str(path)])
    assert result.exit_code == 0, result.stderr
    explanations = json.loads(result.stdout)["explanations"]
    assert len(explanations) == len(reconciled["estimates"])
    for explanation in explanations:
        lines = {e["line"] for e in explanation["evidence"]}
        lines |= {r for d in explanation["derivations"] for r in d["reports"]}
        assert lines, explanation["scope"]
    combatants = next(e for e in explanations if e["category"] == "combatants")
    assert [d["arithmetic"] for d in combatants["derivations"]] == ["125 + 148 = 273"]


def test_explain_filters_by_category_and_refuses_unknown_ones(runner: CliRunner) -> None:
    path = str(EXAMPLES / "syrian-coast-2025.yaml")
    result = runner.invoke(main, ["explain", path, "--category", "civilians", "-f", "json"])
    assert [e["category"] for e in json.loads(result.stdout)["explanations"]] == ["civilians"]
    missing = runner.invoke(main, ["explain", path, "--category", "children"])
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: no estimate matches category 'children'")


def test_reconcile_refuses_malformed_input_before_writing_anything(
    tmp_path: Path, runner: CliRunner
) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(main, ["reconcile", str(DATA / "five-problems.csv"), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert not out.exists()
    assert result.stderr.splitlines()[-1] == "Error: 4 problems in the input; nothing was written."


def test_sources_file_grades_csv_reports_and_resolves_aliases(
    tmp_path: Path, runner: CliRunner
) -> None:
    reports = tmp_path / "reports.csv"
    reports.write_text(
        "source,via,published,count\n"
        "Syrian Observatory,Reuters,2025-03-08,745\n"
        "SOHR,AFP,2025-03-08,745\n",
        encoding="utf-8",
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  SOHR: {grade: B, aliases: [Syrian Observatory]}\n", encoding="utf-8"
    )
    graded = runner.invoke(
        main, ["reconcile", str(reports), "--sources", str(sources), "-f", "json"]
    )
    assert graded.exit_code == 0, graded.stderr
    (estimate,) = json.loads(graded.stdout)["estimates"]
    # One origin (the alias resolves to SOHR), graded B: oracle H1/H8.
    figures = [estimate[k] for k in ("best", "low", "high", "low95", "high95")]
    assert figures == [745, 644, 862, 607, 914]
    assert (estimate["reports"], estimate["origins"]) == (2, 1)

    ungraded = runner.invoke(main, ["reconcile", str(reports), "-f", "json"])
    (estimate,) = json.loads(ungraded.stdout)["estimates"]
    assert estimate["origins"] == 2  # without the alias, two origins


@pytest.mark.parametrize(
    ("phrase", "readings"),
    [
        ("2025-03", [("date", "month")]),
        ("2025", [("date", "year"), ("quantity", "exact")]),
        ("2025-03-06/2025-03-08", [("period", "window")]),
        ("10-20", [("quantity", "range")]),
    ],
)
def test_parse_offers_every_sensible_reading(
    phrase: str, readings: list[tuple[str, str]], runner: CliRunner
) -> None:
    result = runner.invoke(main, ["parse", "-f", "json", phrase])
    found = json.loads(result.stdout)["phrases"][0]["readings"]
    assert [(r["as"], r["kind"]) for r in found] == readings


def test_parse_gives_one_reason_for_an_ambiguous_date(runner: CliRunner) -> None:
    result = runner.invoke(main, ["parse", "-f", "json", "03/07/2025"])
    assert result.exit_code == 1
    refused = json.loads(result.stdout)["phrases"][0]["refused"]
    assert [r["code"] for r in refused] == ["date-ambiguous"]


def test_a_bug_is_one_line_without_debug_and_a_traceback_with_it(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import casualty_cli.phrases as phrases

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(phrases, "read_phrase", broken)
    quiet = runner.invoke(main, ["parse", "745"])
    assert quiet.exit_code == 1
    assert quiet.stderr.startswith("Error: internal error (RuntimeError: boom)")
    assert "Traceback" not in quiet.stderr
    loud = runner.invoke(main, ["--debug", "parse", "745"])
    assert isinstance(loud.exception, RuntimeError)


def test_all_examples_validate_together(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", *map(str, EXAMPLE_FILES)])
    assert result.exit_code == 0, result.stdout
    assert result.stderr.endswith(": no problems\n")


def test_a_source_declared_differently_in_two_files_is_an_error(
    tmp_path: Path, runner: CliRunner
) -> None:
    (tmp_path / "a.yaml").write_text("sources:\n  SOHR: {grade: B}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "sources:\n  SOHR: {grade: C}\nreports:\n  - {source: SOHR, count: '5'}\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        main, ["validate", "-f", "json", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    )
    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)["findings"]
    assert (error["code"], error["file"], error["line"]) == (
        "source-duplicate",
        str(tmp_path / "b.yaml"),
        2,
    )


def test_validate_checks_the_places_declarations(tmp_path: Path) -> None:
    path = tmp_path / "reports.yaml"
    path.write_text(
        "places:\n"
        "  Syria/Coast: {parts: [Latakia, Tartus], complete: maybe}\n"
        "reports:\n"
        "  - {source: X, count: 5}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", "--format", "csv", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        f"{path},2,places,error,place-complete-invalid,maybe,"
        "\"'complete' of 'Syria/Coast' must be true or false, not 'maybe'\","
        "write complete: true when the parts add up to the whole"
    ]


def test_a_context_file_may_declare_places(tmp_path: Path) -> None:
    context = tmp_path / "context.yaml"
    context.write_text("places:\n  Coast: {parts: [A, B], complete: true}\n", encoding="utf-8")
    reports = tmp_path / "reports.csv"
    reports.write_text(
        "source,place,count,published\nX,Coast/A,10,2025-03-08\nX,Coast/B,5,2025-03-08\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["reconcile", "--format", "csv", str(reports), str(context)])
    assert result.exit_code == 0, result.stderr
    coast = [line for line in result.stdout.splitlines() if ",Coast," in line]
    assert len(coast) == 1 and ",15," in coast[0]


def test_the_bar_says_reading_until_the_input_is_read_then_counts_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from casualty_cli import cli

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    bar = cli._Progress(cli.READING_NOTICE_BYTES)
    try:
        tasks = bar._started().tasks
        assert [t.description for t in tasks] == ["reading 8 MB"]
        bar.read()
        assert bar._started().tasks == []
        bar.parts(1, 4)
        (task,) = bar._started().tasks
        assert (task.description, task.completed, task.total) == ("reconciling, in parts", 1, 4)
    finally:
        bar.stop()
    small = cli._Progress(cli.READING_NOTICE_BYTES - 1)
    assert small._bar is None  # nothing to say, nothing drawn, rich not even started


def test_numpy_gets_one_blas_thread_unless_the_user_sets_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two engine processes already fill both CPUs: BLAS threads on top would fight them."""
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "4"
