"""A large table reconciled in parts that never meet gives exactly the columns of one run.

``engine/partition.py`` splits the reports by the highest place anyone reports on (or declares a
breakdown for) and merges the parts' columns by the ranking.  The whole run is the reference:
the split must change neither a figure nor a flag nor the order of the rows.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from casualty_cli import __version__
from casualty_cli.cli import main
from casualty_cli.engine import partition
from casualty_cli.engine.fast import reconcile_fast
from casualty_cli.engine.partition import independent_parts, reconcile_in_parts
from casualty_cli.errors import Location
from casualty_cli.estimates import EstimateColumns
from casualty_cli.load import load_reports
from casualty_cli.model import CategoryNode, ReportTable
from casualty_cli.parallel import side_by_side
from casualty_cli.render.estimates import estimate_lines, write_estimates

from .test_engine_fast import HEADER, Row, csv_table, phrases, table_of, yaml_table

ROOT = Path(__file__).resolve().parent.parent


def groups_of(table: ReportTable, n_parts: int) -> list[set[str]] | None:
    """The places of each part, as the reports spell them."""
    parts = independent_parts(table, n_parts)
    if parts is None:
        return None
    return [{"/".join(table.place[row]) for row in rows} for rows in parts]


def places_table(*places: str, declared: str = "") -> ReportTable:
    """A report about each place; ``Place@outcome`` gives the report an outcome (else killed)."""
    lines = [f"places:\n  {declared}\n" if declared else "", "reports:\n"]
    for i, text in enumerate(places):
        place, _, outcome = text.partition("@")
        lines.append(
            f"  - {{source: S{i}, published: 2025-03-09, place: '{place}', count: 10"
            + (f", outcome: {outcome}}}\n" if outcome else "}\n")
        )
    return table_of("".join(lines), "reports.yaml")


@pytest.mark.parametrize(
    ("places", "declared", "expected"),
    [
        pytest.param(["A/x", "B/y"], "", [{"A/x"}, {"B/y"}], id="two-countries"),
        pytest.param(["A/x", "A/y", "B/z"], "", [{"A/x"}, {"A/y"}, {"B/z"}], id="towns-alone"),
        pytest.param(
            ["A", "A/x", "A/y", "B/z"],
            "",
            [{"A", "A/x", "A/y"}, {"B/z"}],
            id="a-country-figure-joins-its-towns",
        ),
        pytest.param(
            ["A/r/x", "a/R/y", "A/r", "B/z"],
            "",
            [{"A/r/x", "a/R/y", "A/r"}, {"B/z"}],
            id="one-spelling-key",
        ),
        pytest.param(
            ["A/x", "A/y", "B/z"],
            "A: {parts: [x, y], complete: true}",
            [{"A/x", "A/y"}, {"B/z"}],
            id="a-declared-breakdown-joins-its-parts",
        ),
        pytest.param(["A/x", "", "B/z"], "", None, id="a-report-with-no-place-joins-all"),
        pytest.param(["A/x", "A/x"], "", None, id="one-place"),
        pytest.param(
            ["A", "A/x", "A/y@injured", "A@injured", "A@missing"],
            "",
            [{"A", "A/x"}, {"A/y", "A"}, {"A"}],
            id="outcomes-never-meet",
        ),
        pytest.param(
            ["A/x", "@injured", "B/z", "A/x@killed"],
            "",
            [{"A/x", "B/z"}, {""}],
            id="a-report-with-no-place-joins-all-of-its-outcome",
        ),
    ],
)
def test_groups_never_join_what_a_family_joins(
    places: list[str], declared: str, expected: list[set[str]] | None
) -> None:
    got = groups_of(places_table(*places, declared=declared), n_parts=10)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert sorted(map(sorted, got)) == sorted(map(sorted, expected))


def test_a_breakdown_of_the_root_joins_all() -> None:
    """No file can declare one (a place path is never empty), but a table built in Python can."""
    table = places_table("A", "B")
    node = CategoryNode("", ("A", "B"), True, Location("api", 0))
    assert groups_of(table, 2) is not None
    assert groups_of(replace(table, places={"": node}), 2) is None


def test_parts_are_balanced_largest_group_first() -> None:
    table = places_table(*(["A/x"] * 4 + ["B/y"] * 3 + ["C/z"] * 2 + ["D/w"] * 1))
    parts = independent_parts(table, 2)
    assert parts is not None
    assert sorted(len(rows) for rows in parts) == [5, 5]
    # Rows keep the table's order inside a part: scope ids are numbered by first appearance.
    assert all(rows == sorted(rows) for rows in parts)


# --- equality with one run ------------------------------------------------------------------------


def assert_same_columns(
    table: ReportTable, jobs: int, part_rows: int, *, phrases: bool = False
) -> bool:
    """The parts' columns equal the whole run's; False when the table does not split.

    With ``phrases`` the parts give their reported phrases too; without, they come from one
    whole run when asked for.
    """
    parted = reconcile_in_parts(table, jobs, part_rows=part_rows, phrases=phrases)
    whole = reconcile_fast(table)
    if parted is None:
        return False
    assert parted.reported_phrases() == whole.reported_phrases()
    assert parted.columns() == whole.columns()
    assert parted.records() == whole.records()
    assert parted.notes == whole.notes
    # Estimate objects and phrases, asked for anyway, come from one whole run.
    assert parted.estimates == whole.estimates
    assert parted.reported_phrases() == whole.reported_phrases()
    return True


places = st.sampled_from(
    ["Syria/Latakia", "syria/latakia", "Syria/Tartus", "Syria", "Lebanon/Tyre", "Lebanon",
     "Iraq/Mosul/Old City", "Iraq/Mosul", "Iraq/Basra", "Gaza", ""]
)  # fmt: skip
rows = st.builds(
    Row,
    source=st.sampled_from(["SOHR", "SNHR", "MoH", "UN", "Witness"]),
    via=st.sampled_from(["", "", "AP"]),
    published=st.sampled_from(["2025-03-08", "2025-03-09", "2025-03-10"]),
    period=st.sampled_from(["", "", "2025-03-09", "2025-03-10", "2025-03-09/2025-03-10"]),
    place=places,
    category=st.sampled_from(["", "civilians", "combatants", "combatants/militants"]),
    count=phrases,
    grade=st.sampled_from(["A", "B", "C", "F", "B2"]),
    outcome=st.sampled_from(["", "", "killed", "injured"]),
)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(rows, min_size=1, max_size=24),
    st.integers(1, 6),
    st.sampled_from([1, 2]),
    st.booleans(),
)
def test_random_reports_give_the_columns_of_one_run(
    reports: list[Row], part_rows: int, jobs: int, phrases: bool
) -> None:
    assert_same_columns(csv_table(reports), jobs, part_rows, phrases=phrases)
    assert_same_columns(yaml_table(reports), jobs, part_rows, phrases=phrases)


def test_the_random_tables_do_split() -> None:
    """The property above is no tautology: these reports make parts, and equal columns."""
    reports = [
        Row("SOHR", "", "2025-03-09", "", "Syria/Latakia", "civilians", "120", "B"),
        Row("SOHR", "", "2025-03-10", "", "Syria/Latakia", "civilians", "100", "B"),
        Row("UN", "AP", "2025-03-10", "", "Syria/Latakia", "", "at least 150", "A"),
        Row("MoH", "", "2025-03-10", "2025-03-09", "Lebanon/Tyre", "combatants", "dozens", "C"),
        Row("MoH", "", "2025-03-10", "", "Lebanon", "", "40", "C"),
        Row("Witness", "", "2025-03-10", "", "Gaza", "", "about 20", "F"),
    ]
    assert HEADER.startswith("incident")  # the YAML form declares complete categories
    for table in (csv_table(reports), yaml_table(reports)):
        assert len(independent_parts(table, 3) or []) == 3
        assert assert_same_columns(table, jobs=2, part_rows=1)


# --- a generated file, and the command line ---------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generated") / "reports-20000.csv"
    generate = runpy.run_path(str(ROOT / "benchmarks" / "generate.py"), run_name="generate")
    generate["write"](20_000, path, seed=1)
    return path


@pytest.mark.parametrize(("jobs", "phrases"), [(1, True), (2, False)])
def test_generated_20000_reports_in_parts(generated: Path, jobs: int, phrases: bool) -> None:
    table = load_reports([generated])
    assert len(independent_parts(table, 8) or []) == 8
    assert assert_same_columns(table, jobs, part_rows=2_500, phrases=phrases)


def test_a_diff_of_sides_in_parts_writes_the_bytes_of_whole_sides(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    """``tally diff`` reconciles a large side part after part, phrases and all."""
    changed = tmp_path / "changed.csv"
    text = generated.read_text(encoding="utf-8")
    changed.write_text(text.replace(",12,", ",13,").replace(",40,", ",about 41,"), "utf-8")
    args = ["diff", str(generated), str(changed), "-f", "csv"]
    whole = runner.invoke(main, args)
    monkeypatch.setattr(partition, "SPLIT_FROM_ROWS", 1_000)
    monkeypatch.setattr(partition, "PART_ROWS", 3_000)
    parted = runner.invoke(main, args)
    assert (whole.exit_code, parted.exit_code) == (1, 1)
    assert parted.stdout == whole.stdout
    assert whole.stdout.count(",agree,") + whole.stdout.count(",conflict,") > 10


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson"])
def test_the_command_writes_the_same_bytes_in_parts(
    generated: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    whole = io.StringIO()
    write_estimates(reconcile_fast(load_reports([generated])), fmt, whole, version=__version__)
    monkeypatch.setattr(partition, "SPLIT_FROM_ROWS", 1_000)
    monkeypatch.setattr(partition, "PART_ROWS", 3_000)
    calls: list[int] = []
    original = partition.independent_parts

    def counted(table: ReportTable, n_parts: int) -> list[list[int]] | None:
        calls.append(n_parts)
        return original(table, n_parts)

    monkeypatch.setattr(partition, "independent_parts", counted)
    merged: list[int] = []
    original_merged = partition.merged_columns

    def counted_merge(parts: list[EstimateColumns], order: list[int]) -> EstimateColumns:
        merged.append(len(parts))
        return original_merged(parts, order)

    monkeypatch.setattr(partition, "merged_columns", counted_merge)
    result = runner.invoke(main, ["reconcile", str(generated), "-f", fmt])
    assert result.exit_code == 0, result.output
    assert calls == [7]  # 20,000 reports, 3,000 a part
    assert result.stdout == whole.getvalue()
    # CSV and TSV rows are written by the parts, and only their lines merged.
    assert merged == ([] if fmt in ("csv", "tsv") else [7])


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
@pytest.mark.parametrize("excel_safe", [True, False])
def test_parts_write_their_rows_as_the_writer_would(
    generated: Path, fmt: str, excel_safe: bool
) -> None:
    table = load_reports([generated])
    maker = estimate_lines(fmt, excel_safe=excel_safe)
    assert maker is not None
    parted = reconcile_in_parts(table, 2, part_rows=3_000, lines=maker)
    whole = reconcile_fast(table)
    assert parted is not None
    lines = parted.lines(maker)
    assert lines is not None
    assert lines == maker(whole.columns())
    assert len(parted) == len(lines) == len(whole)
    # Another writer's rows were not made: it writes from the columns, of one whole run.
    assert parted.lines(estimate_lines(fmt, excel_safe=not excel_safe)) is None  # type: ignore[arg-type]
    assert parted.columns() == whole.columns()
    written = io.StringIO()
    write_estimates(parted, fmt, written, excel_safe=excel_safe, version=__version__)
    expected = io.StringIO()
    write_estimates(whole, fmt, expected, excel_safe=excel_safe, version=__version__)
    assert written.getvalue() == expected.getvalue()


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_is_told_every_part_in_order(generated: Path, jobs: int) -> None:
    table = load_reports([generated])
    told: list[tuple[int, int]] = []
    parted = reconcile_in_parts(
        table, jobs, part_rows=2_500, progress=lambda done, total: told.append((done, total))
    )
    assert parted is not None
    assert told[0] == (0, 8)
    assert told[-1] == (8, 8)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    assert {total for _, total in told} == {8}


def drawn_on_a_terminal(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, args: list[str], *, notice_bytes: int
) -> str:
    """Standard error of ``tally ARGS`` when it is a terminal (and inputs of ``notice_bytes``
    or more are large); standard output must be what it is when nothing is drawn."""
    monkeypatch.setattr(partition, "SPLIT_FROM_ROWS", 1_000)
    monkeypatch.setattr(partition, "PART_ROWS", 5_000)
    plain = runner.invoke(main, args)
    assert plain.exit_code in (0, 1)
    assert plain.stderr == ""
    monkeypatch.setattr("casualty_cli.cli._is_terminal", lambda stream: stream is sys.stderr)
    monkeypatch.setattr("casualty_cli.cli.READING_NOTICE_BYTES", notice_bytes)
    drawn = runner.invoke(main, args, env={"TERM": "xterm"})  # rich draws nothing when dumb
    assert drawn.exit_code == plain.exit_code
    assert drawn.stdout == plain.stdout
    return drawn.stderr


def test_the_command_draws_progress_only_on_a_terminal(
    generated: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    args = ["reconcile", str(generated), "-f", "csv"]
    # The transient bar counts the parts on standard error, never on stdout.
    drawn = drawn_on_a_terminal(runner, monkeypatch, args, notice_bytes=1 << 40)
    assert "reconciling, in parts" in drawn
    assert "4/4" in drawn
    assert "reading" not in drawn  # a small file is read before anyone could wait
    quiet = runner.invoke(main, [*args, "--quiet"], env={"TERM": "xterm"})
    assert quiet.stderr == ""


def test_a_large_input_is_said_to_be_read_first(
    generated: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    args = ["reconcile", str(generated), "-f", "csv"]
    drawn = drawn_on_a_terminal(runner, monkeypatch, args, notice_bytes=1)
    assert f"reading {generated.stat().st_size / 1e6:,.0f} MB" in drawn
    assert drawn.index("reading") < drawn.index("reconciling, in parts")


def test_diff_draws_the_progress_of_side_a_on_a_terminal(
    generated: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    args = ["diff", str(generated), str(generated), "-f", "csv"]
    drawn = drawn_on_a_terminal(runner, monkeypatch, args, notice_bytes=1)
    # Both files are read at once, then side A's parts are counted.
    assert f"reading {2 * generated.stat().st_size / 1e6:,.0f} MB" in drawn
    assert "4/4" in drawn


DECLARED = """\
places:
  A: {parts: [x, y], complete: true}
  B: {parts: [z, w], complete: true}
  C/v: {parts: [u], complete: true}
reports:
  - {source: S1, published: 2025-03-09, place: A/x, count: 10}
  - {source: S1, published: 2025-03-09, place: A/y, count: 15}
  - {source: S2, published: 2025-03-09, place: A, count: about 30}
  - {source: S3, published: 2025-03-09, place: B/z, count: 7}
  - {source: S3, published: 2025-03-09, place: B/w, count: 8}
  - {source: S4, published: 2025-03-09, place: B/w, count: at least 9}
"""


def test_a_part_keeps_only_the_breakdowns_its_places_meet() -> None:
    table = table_of(DECLARED, "reports.yaml")
    parts = independent_parts(table, 2)
    assert parts is not None
    declared = sorted(sorted(table.take(rows, compact=True).places) for rows in parts)
    assert declared == [["A"], ["B"]]  # C/v has no report at or below it: in neither
    assert assert_same_columns(table, jobs=2, part_rows=1, phrases=True)
    # The sums of the complete places came out, in parts as in one run.
    columns = reconcile_fast(table).columns()
    assert ("B", 15) in set(zip(columns["place"], columns["best"], strict=True))


def test_progress_without_fork_counts_every_part_here(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where there is no fork (Windows) both shares run here, and are counted as they go."""
    monkeypatch.delattr("os.fork")
    table = load_reports([generated])
    told: list[int] = []
    parted = reconcile_in_parts(table, 2, part_rows=5_000, progress=lambda d, _: told.append(d))
    assert parted is not None
    assert told == [0, 1, 2, 3, 4]


def test_a_compact_part_reads_its_unread_columns_only_when_asked() -> None:
    """Columns the engine never reads (ids, period, url, quote, notes) are picked row by row
    when read: a part, and a part of a part, tell every report as the whole table does."""
    table = table_of(
        "source,published,period,place,count,url,quote,notes\n"
        + "".join(
            f"S{i % 3},2025-03-0{1 + i % 5},2025-03-0{1 + i % 5},P{i % 4},{i},"
            f"https://example.org/{i},said {i},note {i}\n"
            for i in range(40)
        ),
        "reports.csv",
    )
    rows = list(range(3, 40, 3))
    part = table.take(rows, compact=True)
    again = part.take([4, 1, 0], compact=False)
    assert [part.report(i) for i in range(len(rows))] == [table.report(r) for r in rows]
    assert [again.report(i) for i in range(3)] == [table.report(rows[i]) for i in (4, 1, 0)]
    assert list(part.url.codes[2:5]) == [table.url.codes[r] for r in rows[2:5]]


texts_or_none = st.one_of(st.none(), st.sampled_from(["", "a", "b", "Syria", "Syria/Coast"]))
days_or_none = st.one_of(st.none(), st.sampled_from(["2025-03-06", "2025-03-07", "2025-12-31"]))
ranked_rows = st.tuples(
    days_or_none,  # period_end
    st.integers(0, 5),  # best
    st.integers(0, 8),  # high
    texts_or_none,  # outcome
    texts_or_none,  # category
    texts_or_none,  # place
    days_or_none,  # period_start
    st.booleans(),  # cumulative
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(ranked_rows, max_size=12), min_size=1, max_size=4))
def test_merged_order_ranks_as_the_rank_key_does(parts: list[list[tuple[Any, ...]]]) -> None:
    """Texts rank as strings with none below every text, the window end latest first, the
    largest best estimate and upper bound first, ties in the order the rows came."""
    names = (*partition.RANK_KEYS, "cumulative")
    columns: list[EstimateColumns] = [
        {name: [row[i] for row in rows] for i, name in enumerate(names)} for rows in parts
    ]
    merged = partition.merged_order([partition.RankKeys.of(c) for c in columns])
    every = [row for rows in parts for row in rows]

    def position(row: tuple[Any, ...], column: int) -> int:
        texts = sorted({other[column] for other in every if other[column] is not None})
        return -1 if row[column] is None else texts.index(row[column])

    def key(index: int) -> tuple[int, ...]:
        row = every[index]
        texts = [position(row, column) for column in (3, 4, 5, 6)]
        return (-position(row, 0), -row[1], -row[2], *texts, row[7], index)

    assert merged == sorted(range(len(every)), key=key)


# --- sharing the parts between two processes ----------------------------------------------------


def test_two_processes_take_every_part_once_from_the_queue() -> None:
    with partition._PartQueue(list(range(300))) as queue:
        theirs, mine = side_by_side(lambda: list(queue), lambda: list(queue))
    assert sorted(theirs + mine) == list(range(300))


def test_the_largest_parts_are_queued_first_for_whichever_process_is_free() -> None:
    parts = [[1, 2, 3], [4, 5, 6, 7, 8], [9], [10, 11, 12]]
    with partition._shares(parts) as (theirs, mine):
        assert theirs is mine
        assert list(mine) == [1, 0, 3, 2]  # by size, ties by number


def test_more_parts_than_a_pipe_surely_holds_are_shared_even_and_odd() -> None:
    parts = [[row] for row in range(partition._PartQueue.ROOM + 1)]
    with partition._shares(parts) as (theirs, mine):
        assert list(theirs) == list(range(1, len(parts), 2))
        assert list(mine) == list(range(0, len(parts), 2))


def test_the_merged_columns_do_not_depend_on_which_process_ran_which_part(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = load_reports([generated])
    expected = reconcile_in_parts(table, 2, part_rows=2_500, phrases=True)
    monkeypatch.setattr(partition, "_shares", lambda parts: _reversed_shares(len(parts)))
    swapped = reconcile_in_parts(table, 2, part_rows=2_500, phrases=True)
    assert expected is not None and swapped is not None
    assert swapped.columns() == expected.columns()
    assert swapped.reported_phrases() == expected.reported_phrases()


@contextlib.contextmanager
def _reversed_shares(n: int) -> Iterator[tuple[range, range]]:
    """The old halves, swapped between the processes and each run backwards."""
    yield range(n - 1 - (n - 1) % 2, -1, -2), range(n - 1 - n % 2, -1, -2)
