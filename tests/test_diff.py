"""``tally diff``: verdicts, framings, exit statuses, and real data (contract sections 3 and 5)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from casualty_cli.cli import main
from casualty_cli.diff import DIFF_FIELDS, relative_text

DATA = Path(__file__).resolve().parent / "data"

SIDES = """\
sources:
  SOHR: {grade: B}
  SNHR: {grade: B}
reports:
  - {source: SOHR, count: "1,311", place: Syria/Coast, published: 2025-03-10}
  - {source: SNHR, count: "803", place: Syria/Coast, published: 2025-03-10}
  - {source: SOHR, count: "100", place: Syria/Coast/Baniyas, published: 2025-03-10}
  - {source: SNHR, count: "about 100", place: Syria/Coast/Jableh, published: 2025-03-10}
  - {source: SOHR, count: "50", place: Syria/Hama, published: 2025-03-10}
  - {source: SNHR, count: "50", place: Syria/Hama, published: 2025-03-10}
  - {source: SOHR, count: "60", place: Syria/Homs, published: 2025-03-10}
  - {source: SNHR, count: "about 62", place: Syria/Homs, published: 2025-03-10}
"""

EXPECTED_CSV = """\
outcome,category,place,period_start,period_end,a_count,a_low,a_high,b_count,b_low,b_high,\
difference,verdict,a_best,b_best,b_vs_a,a_vs_b,a_date,b_date
killed,all,Syria/Coast,,2025-03-10,"1,311",1133,1516,803,694,929,-508,conflict,1311,803,\
B is 39% lower than A,A is 63% higher than B,2025-03-10,2025-03-10
killed,all,Syria/Coast/Baniyas,,2025-03-10,100,86,116,,,,,only_a,100,,,,2025-03-10,
killed,all,Syria/Coast/Jableh,,2025-03-10,,,,about 100,92,108,,only_b,,100,,,,2025-03-10
killed,all,Syria/Hama,,2025-03-10,50,43,58,50,43,58,0,same,50,50,B equals A,A equals B,\
2025-03-10,2025-03-10
killed,all,Syria/Homs,,2025-03-10,60,52,70,about 62,58,67,2,agree,60,62,\
B is 3% higher than A,A is 3% lower than B,2025-03-10,2025-03-10
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["diff", *args])
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def sides(tmp_path: Path) -> Path:
    path = tmp_path / "sides.yaml"
    path.write_text(SIDES, encoding="utf-8")
    return path


def test_every_verdict_with_both_framings_in_the_contract_header(sides: Path) -> None:
    status, out, err = run(str(sides), "--a", "SOHR", "--b", "SNHR", "--format", "csv")
    assert (status, err) == (1, "")
    assert out == EXPECTED_CSV
    assert out.splitlines()[0].split(",")[:13] == [
        "outcome", "category", "place", "period_start", "period_end", "a_count", "a_low",
        "a_high", "b_count", "b_low", "b_high", "difference", "verdict",
    ]  # fmt: skip
    assert tuple(out.splitlines()[0].split(",")) == DIFF_FIELDS


@pytest.mark.parametrize(
    ("b_lines", "options", "status"),
    [
        pytest.param(['  - {source: B, count: "50", published: 2025-03-10}'], [], 0, id="same"),
        pytest.param(
            ['  - {source: B, count: "about 52", published: 2025-03-10}'], [], 0, id="agree"
        ),
        pytest.param(
            ['  - {source: B, count: "about 52", published: 2025-03-10}'],
            ["--fail-on", "any"],
            1,
            id="agree-fails-on-any",
        ),
        pytest.param(
            ['  - {source: B, count: "500", published: 2025-03-10}'], [], 1, id="conflict"
        ),
        pytest.param(
            [
                '  - {source: B, count: "50", published: 2025-03-10}',
                '  - {source: B, count: "7", place: Elsewhere, published: 2025-03-10}',
            ],
            [],
            1,
            id="only-b",
        ),
        pytest.param(
            ['  - {source: B, count: "7", place: Elsewhere, published: 2025-03-10}'],
            [],
            1,
            id="only-a-and-only-b",
        ),
        pytest.param([], [], 1, id="only-a"),
    ],
)
def test_exit_statuses(tmp_path: Path, b_lines: list[str], options: list[str], status: int) -> None:
    a = tmp_path / "a.yaml"
    a.write_text('reports:\n  - {source: A, count: "50", published: 2025-03-10}\n', "utf-8")
    b = tmp_path / "b.yaml"
    b.write_text("reports:\n" + "\n".join(b_lines) + "\n", encoding="utf-8")
    assert run(str(a), str(b), "--format", "csv", *options)[0] == status


def test_trouble_exits_2(sides: Path, tmp_path: Path) -> None:
    status, out, err = run(str(sides), "--a", "SOHR", "--b", "Nobody")
    assert (status, out) == (2, "")
    assert err == (
        "Error: --b: no report from 'Nobody' (the sources in the input are: SNHR, SOHR)\n"
    )
    status, _, err = run(str(sides), str(tmp_path / "missing.csv"), "--format", "csv")
    assert status == 2 and err.startswith("Error: ")
    status, _, err = run(str(sides))
    assert status == 2 and "give two files" in err


def test_nearest_compares_with_the_latest_figure_at_or_before(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("source,published,count\nMoH,2025-03-10,100\nMoH,2025-03-12,130\n", "utf-8")
    b = tmp_path / "b.csv"
    b.write_text("source,published,count\nUN,2025-03-09,98\nUN,2025-03-11,125\n", "utf-8")
    status, out, _ = run(str(a), str(b), "--nearest", "--format", "json")
    rows = json.loads(out)["differences"]
    assert [(r["a_date"], r["b_date"], r["verdict"]) for r in rows] == [
        ("2025-03-10", "2025-03-09", "agree"),
        ("2025-03-12", "2025-03-11", "agree"),
    ]
    assert status == 0
    status, out, _ = run(str(a), str(b), "--format", "csv")
    assert status == 1
    assert [row["verdict"] for row in csv.DictReader(io.StringIO(out))] == [
        "only_b", "only_a", "only_b", "only_a",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("this", "other", "expected"),
    [
        (803, 1311, "B is 39% lower than A"),
        (1311, 803, "B is 63% higher than A"),
        (50, 50, "B equals A"),
        (7, 0, "B is 7, A is 0"),
    ],
)
def test_relative_framings(this: int, other: int, expected: str) -> None:
    assert relative_text("B", this, "A", other) == expected


@pytest.mark.parametrize("fmt", ["tsv", "json", "ndjson", "markdown", "table"])
def test_every_output_format(sides: Path, fmt: str) -> None:
    status, out, _ = run(str(sides), "--a", "SOHR", "--b", "SNHR", "--format", fmt)
    assert status == 1
    assert "Syria/Coast" in out
    if fmt == "table":
        # Conflicts first, in words.
        body = [line for line in out.splitlines() if "Syria" in line]
        assert body[0].split()[0] == "conflict"
        assert out.startswith("5 scopes: 1 same, 1 agree, 1 conflict; 1 only in A, 1 only in B")


# --- real data ----------------------------------------------------------------------------------

UKRAINE_DISAGREEMENTS = {
    "2022-02-27",
    "2023-01-12",
    "2024-10-07",
    "2024-11-03",
    "2025-10-27",
    "2025-10-28",
    "2025-11-05",
}


def test_two_transcriptions_of_one_claim_differ_on_exactly_seven_dates() -> None:
    """lod-db (A) and PetroIvaniuk (B) transcribe the same daily General Staff figure.

    Of their 1,435 common dates they disagree on 7 (SOURCES.md lists them: a typo, values carried
    over from the day before); every other common date is ``same``, and a date only one of them
    holds is ``only_a`` (14, lod-db) or ``only_b`` (191, PetroIvaniuk starts earlier and has no
    gaps).
    """
    status, out, err = run(
        str(DATA / "ukraine-personnel-lod-db.csv"),
        str(DATA / "ukraine-personnel-petroivaniuk.csv"),
        "--format",
        "csv",
    )
    assert (status, err) == (1, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    differing = {r["period_end"] for r in rows if r["verdict"] in ("agree", "conflict")}
    assert differing == UKRAINE_DISAGREEMENTS
    verdicts = [r["verdict"] for r in rows]
    assert (verdicts.count("same"), verdicts.count("only_a"), verdicts.count("only_b")) == (
        1428,
        14,
        191,
    )
    typo = next(r for r in rows if r["period_end"] == "2023-01-12")
    assert (typo["a_count"], typo["b_count"], typo["difference"]) == ("113990", "113390", "-600")


def test_revisions_of_the_gaza_dataset_late_2023() -> None:
    """The dataset's February 2024 revision of October-December 2023, report by report."""
    status, out, _ = run(
        str(DATA / "gaza-tfp-killed-cum@08615af.csv"),
        str(DATA / "gaza-tfp-killed-cum@9ea6456.csv"),
        "--revisions",
        "--format",
        "csv",
    )
    assert status == 1
    rows = {r["period_end"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (rows["2023-10-10"]["old_count"], rows["2023-10-10"]["new_count"]) == ("765", "900")
    assert rows["2023-10-10"]["change"] == "revised_up"
    assert (rows["2023-12-01"]["old_count"], rows["2023-12-01"]["new_count"]) == ("15110", "14800")
    assert rows["2023-12-01"]["change"] == "revised_down"
    assert rows["2023-12-01"]["difference"] == "-310"
    late_2023 = [day for day in rows if day.startswith(("2023-10", "2023-11", "2023-12"))]
    assert len(late_2023) == len(rows) == 24


def test_identical_versions_have_no_revisions(tmp_path: Path) -> None:
    path = DATA / "gaza-tfp-killed-cum@9ea6456.csv"
    status, out, _ = run(str(path), str(path), "--revisions", "--format", "csv")
    assert status == 0
    assert out.splitlines() == [
        "report,source,outcome,category,place,period_start,period_end,old_count,new_count,"
        "difference,change"
    ]


def test_revisions_match_by_source_and_scope_when_ids_carry_the_version() -> None:
    """The bundled examples stamp each id with its commit: source and scope line them up."""
    examples = DATA.parent.parent / "examples"
    status, out, _ = run(
        str(examples / "gaza-oct-2023@08615af.csv"),
        str(examples / "gaza-oct-2023.csv"),
        "--revisions",
        "--format",
        "csv",
    )
    assert status == 1
    rows = list(csv.DictReader(io.StringIO(out)))
    changes = {(r["source"], r["period_end"], r["category"]): r["change"] for r in rows}
    assert changes[("Gaza Ministry of Health", "2023-10-10", "all")] == "revised_up"
    assert "removed" not in changes.values()


@pytest.mark.parametrize(
    "path",
    [
        DATA / "gaza-tfp-oct-dec-2023.csv",
        DATA.parent.parent / "examples" / "syrian-coast-2025.yaml",
        DATA / "ukraine-personnel-lod-db.csv",
    ],
    ids=["gaza", "syria", "ukraine"],
)
def test_a_file_against_itself_is_all_same(path: Path) -> None:
    status, out, _ = run(str(path), str(path), "--format", "csv")
    verdicts = {row["verdict"] for row in csv.DictReader(io.StringIO(out))}
    assert (status, verdicts) == (0, {"same"})


def test_the_csv_columns_are_the_records_field_by_field() -> None:
    """``Comparison.columns`` (the CSV path) is ``records`` (the JSON path) transposed."""
    from casualty_cli.diff import compare
    from casualty_cli.load import load_reports
    from casualty_cli.reconciliation import reconcile

    a = reconcile(load_reports([DATA / "ukraine-personnel-lod-db.csv"]))
    b = reconcile(load_reports([DATA / "ukraine-personnel-petroivaniuk.csv"]))
    comparison = compare(a, b)
    records = comparison.records()
    assert {row["verdict"] for row in records} >= {"same", "agree", "only_a", "only_b"}
    assert comparison.columns() == {name: [r[name] for r in records] for name in DIFF_FIELDS}
