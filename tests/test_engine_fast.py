"""``reconcile_fast`` returns exactly what ``reconcile`` returns: estimates, evidence, derivations.

The Python ``reconcile`` is the reference (it reproduces the design oracles); the fast path must
equal it on the examples, on the design snippets with relays, sums and cumulative series, on random
report sets that exercise every routing rule, and on a generated file large enough that most
scopes take the column-wise path.
"""

from __future__ import annotations

import csv
import io
import runpy
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casualty_cli.engine import fast
from casualty_cli.engine.claims import scope_rows
from casualty_cli.engine.fast import reconcile_fast
from casualty_cli.estimates import Scope
from casualty_cli.load import LoadOptions, build_table, load_reports
from casualty_cli.model import ReportTable
from casualty_cli.readers import read_document
from casualty_cli.reconciliation import reconcile_by_objects as reconcile

from .test_reconcile import H8, H9, H11

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def assert_equal(table: ReportTable) -> None:
    expected = reconcile(table)
    actual = reconcile_fast(table)
    # Compare estimate by estimate first, so that a failure names the scope that differs.
    assert len(actual.estimates) == len(expected.estimates)
    for mine, theirs in zip(actual.estimates, expected.estimates, strict=True):
        assert mine == theirs
    assert actual.estimates == expected.estimates
    # What diff reads without making the estimates: the phrases used and the columns.
    assert actual.reported_phrases() == expected.reported_phrases()
    assert actual.columns() == expected.columns()
    assert actual.notes == expected.notes
    assert actual.findings == expected.findings
    assert actual.table is table


def table_of(text: str, name: str) -> ReportTable:
    document = read_document(text.encode(), name)
    table, findings = build_table([document], (), LoadOptions())
    assert not [f for f in findings if f.is_error]
    assert table is not None
    return table


# --- examples -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(["syrian-coast-2025.yaml"], id="syrian-yaml"),
        pytest.param(["gaza-oct-2023.csv"], id="gaza-csv"),
        pytest.param(
            ["syrian-coast-2025.csv", "syrian-coast-2025.context.yaml"], id="syrian-csv-context"
        ),
    ],
)
def test_examples(paths: list[str]) -> None:
    assert_equal(load_reports([EXAMPLES / p for p in paths]))


# --- the design snippets of tests/test_reconcile.py -----------------------------------------------


@pytest.mark.parametrize("text", [H8, H9, H11], ids=["H8", "H9", "H11"])
def test_design_snippets(text: str) -> None:
    table = table_of(text, "reports.yaml")
    assert_equal(table)
    # The snippets do reach the Python path: relays, a derived sum, caps and differences.
    assert reconcile_fast(table).estimates


def test_h9_derivations_survive_the_merge() -> None:
    estimates = reconcile_fast(table_of(H9, "h9.yaml")).estimates
    total = next(
        e for e in estimates if e.scope.category == () and e.scope.place == ("Syria", "Coast")
    )
    assert [d.arithmetic for d in total.derivations] == ["745 + 273 = 1,018"]


def test_an_empty_table_gives_no_estimates() -> None:
    table = table_of("reports: []\n", "empty.yaml")
    assert reconcile_fast(table).estimates == reconcile(table).estimates == ()


# --- random report sets ---------------------------------------------------------------------------

FIELDS = ("source", "via", "published", "period", "place", "category", "count", "grade", "outcome")


@dataclass(frozen=True)
class Row:
    source: str
    via: str
    published: str
    period: str
    place: str
    category: str
    count: str
    grade: str
    outcome: str = ""  # killed


numbers = st.integers(min_value=0, max_value=20_000)
phrases = st.one_of(
    numbers.map(str),
    numbers.map(str),  # exact figures twice as often: they drive sums, caps and differences
    numbers.map(lambda n: f"at least {n}"),
    numbers.map(lambda n: f"more than {n}"),
    st.integers(min_value=1, max_value=20_000).map(lambda n: f"about {n}"),
    st.integers(min_value=1, max_value=20_000).map(lambda n: f"up to {n}"),
    st.tuples(numbers, numbers).map(lambda ab: f"{min(ab)}-{max(ab)}"),
    st.sampled_from(["dozens", "hundreds", "a few", "several", "scores"]),
)
rows = st.builds(
    Row,
    # "sohr" and "SOHR" are distinct origins that one name key would merge: keep both.
    source=st.sampled_from(["SOHR", "SNHR", "MoH", "UN", "Witness", "sohr"]),
    via=st.sampled_from(["", "", "AP", "Reuters"]),
    published=st.sampled_from(["2025-03-08", "2025-03-09", "2025-03-10", "2025-03-10T18:00"]),
    # Empty periods are cumulative "as of" counts (series); days and spans are daily windows
    # that day differences can land on.
    period=st.sampled_from(["", "", "", "2025-03-09", "2025-03-10", "2025-03-09/2025-03-10"]),
    place=st.sampled_from(["", "Syria", "Syria/Latakia", "syria/latakia"]),
    category=st.sampled_from(
        ["", "all", "civilians", "Civilians", "combatants", "combatants/militants", "militants"]
    ),
    count=phrases,
    grade=st.sampled_from(["A", "B", "C", "D", "E", "F", "0.3", "B2"]),
)
report_sets = st.lists(rows, min_size=1, max_size=14)

HEADER = """\
incident: {start: 2025-03-06}
sources:
  SOHR: {grade: B}
  UN: {grade: A}
categories:
  all: {parts: [civilians, combatants], complete: true}
  combatants: {parts: [security forces, militants], complete: true}
reports:
"""


def csv_table(reports: list[Row]) -> ReportTable:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows([getattr(row, name) for name in FIELDS] for row in reports)
    return table_of(buffer.getvalue(), "reports.csv")


def yaml_table(reports: list[Row]) -> ReportTable:
    """The same reports with declared sources, an incident start and a complete category tree."""
    return table_of(yaml_table_text(reports), "reports.yaml")


def yaml_table_text(reports: list[Row]) -> str:
    lines = [HEADER]
    for row in reports:
        cells = {name: getattr(row, name) for name in FIELDS if getattr(row, name)}
        inner = ", ".join(f"{name}: '{value}'" for name, value in cells.items())
        lines.append(f"  - {{{inner}}}\n")
    return "".join(lines)


@settings(max_examples=150, deadline=None)
@given(report_sets)
def test_random_csv_reports(reports: list[Row]) -> None:
    assert_equal(csv_table(reports))


@settings(max_examples=150, deadline=None)
@given(report_sets)
def test_random_yaml_reports_with_categories_and_sources(reports: list[Row]) -> None:
    assert_equal(yaml_table(reports))


PLACES = """\
places:
  Syria: {parts: [Latakia, Tartus], complete: true}
  Syria/Latakia: {parts: [Jableh], complete: true}
  Lebanon: {parts: [Tyre], complete: false}
"""


def yaml_table_with_places(reports: list[Row]) -> ReportTable:
    """The YAML reports with place breakdowns too, one of them of a single part."""
    text = yaml_table_text(reports)
    return table_of(text.replace("reports:\n", PLACES + "reports:\n", 1), "reports.yaml")


places_rows = st.builds(
    Row,
    source=st.sampled_from(["SOHR", "SNHR", "UN"]),
    via=st.sampled_from(["", "AP"]),
    published=st.sampled_from(["2025-03-08", "2025-03-09", "2025-03-10"]),
    period=st.sampled_from(["", "2025-03-09", "2025-03-10"]),
    place=st.sampled_from(
        ["Syria", "Syria/Latakia", "Syria/Latakia/Jableh", "Syria/Tartus", "Lebanon/Tyre"]
    ),
    category=st.sampled_from(["", "civilians", "combatants/militants"]),
    count=phrases,
    grade=st.sampled_from(["A", "B", "C"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(places_rows, min_size=1, max_size=10))
def test_random_reports_with_place_breakdowns(reports: list[Row]) -> None:
    assert_equal(yaml_table_with_places(reports))


def test_a_sum_a_complete_place_receives_joins_its_places_series() -> None:
    """Found by hypothesis: Syria on the 8th exists only to take its parts' sum, and Syria's
    own figure of the 9th caps it; the column-wise path had not looked at Syria's series."""
    day = {"published": "2025-03-08", "via": "", "category": "", "grade": "A", "period": ""}
    reports = [
        Row(source="SOHR", place="Syria/Latakia", count="0", **day),
        Row(source="SOHR", place="Syria/Latakia", count="4", **day),
        Row(source="SOHR", place="Syria/Tartus", count="0", **day),
        Row(**{**day, "published": "2025-03-09"}, source="SOHR", place="Syria", count="0"),
    ]
    assert_equal(yaml_table_with_places(reports))


def test_a_lone_part_of_a_complete_place_gives_its_whole_a_sum() -> None:
    """Jableh is all of Latakia: alone in the file, with no exact figure to sum, it still
    makes Latakia a scope, which receives its sum."""
    table = yaml_table_with_places(
        [Row("SOHR", "", "2025-03-09", "2025-03-09", "Syria/Latakia/Jableh", "", "about 12", "B")]
    )
    assert_equal(table)
    places = reconcile_fast(table).columns()["place"]
    assert places == ["Syria/Latakia", "Syria/Latakia/Jableh"]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["SOHR", "UN", "MoH"]),
    st.lists(st.tuples(st.integers(min_value=5, max_value=12), numbers), min_size=2, max_size=8),
    st.sampled_from(["", "civilians", "militants"]),
)
def test_cumulative_series(origin: str, series: list[tuple[int, int]], category: str) -> None:
    """One origin's "as of" figures on several days, with daily reports the differences hit."""
    reports = [
        Row(origin, "", f"2025-03-{day:02d}", "", "Syria", category, str(value), "B")
        for day, value in series
    ]
    reports += [
        Row("Witness", "", f"2025-03-{day:02d}", f"2025-03-{day:02d}", "Syria", category, "40", "C")
        for day, _ in series
    ]
    assert_equal(yaml_table(reports))
    assert_equal(csv_table(reports))


# --- a generated file -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ReportTable:
    path = tmp_path_factory.mktemp("generated") / "reports-20000.csv"
    # Run the generator by path (benchmarks/ is no package) and write the file in-process.
    generate = runpy.run_path(str(ROOT / "benchmarks" / "generate.py"), run_name="generate")
    generate["write"](20_000, path, seed=1)
    return load_reports([path])


def test_generated_20000_reports(generated: ReportTable) -> None:
    assert len(generated) == 20_000
    assert_equal(generated)


def test_generated_reports_take_both_paths(generated: ReportTable) -> None:
    """Equality above is no tautology: most scopes go column-wise, some through claims.py."""
    routed = fast.routed_scopes(generated)
    assert 0 < int(routed.sum()) < routed.size // 4


# --- one origin's cumulative series ---------------------------------------------------------------


def series(origin: str, figures: list[tuple[int, int]], grade: str = "A") -> list[Row]:
    """``origin``'s "as of" figures on days of March 2025 in Syria."""
    return [
        Row(origin, "", f"2025-03-{day:02d}", "", "Syria", "", str(n), grade) for day, n in figures
    ]


def test_a_rising_series_derives_its_day_differences_column_wise() -> None:
    table = csv_table(series("UN", [(8, 10), (9, 15), (11, 30)]) + series("SOHR", [(9, 12)]))
    assert not fast.routed_scopes(table).any()
    assert_equal(table)
    derived = [d for e in reconcile_fast(table).estimates for d in e.derivations]
    assert [d.arithmetic for d in derived] == [
        "30 (as of 2025-03-11) − 15 (as of 2025-03-09) = 15",
        "15 (as of 2025-03-09) − 10 (as of 2025-03-08) = 5",
    ]


def test_two_origins_landing_on_one_window_share_its_scope() -> None:
    table = csv_table(series("UN", [(8, 10), (9, 15)]) + series("SOHR", [(8, 20), (9, 26)]))
    assert not fast.routed_scopes(table).any()
    assert_equal(table)
    (day,) = [e for e in reconcile_fast(table).estimates if not e.scope.cumulative]
    assert sorted(d.value for d in day.derivations) == [5, 6]


@pytest.mark.parametrize(
    "extra",
    [
        # A later figure below an earlier one: a revision cap, made by claims.py.
        series("UN", [(10, 12)]),
        # The difference meets UN's own report of that day: claims.py merges the two.
        [Row("UN", "", "2025-03-09", "2025-03-09", "Syria", "", "4", "A")],
        # SOHR's series falls later, and lands on the same day as UN's: both go.
        series("SOHR", [(8, 20), (9, 26), (10, 24)]),
        # A scope of UN's series is routed (SOHR's, which falls, takes it): UN's goes whole.
        series("SOHR", [(9, 20), (10, 18)]),
    ],
    ids=["falls", "meets-own-report", "shares-a-window", "shares-a-scope"],
)
def test_series_that_need_claims_py_go_there_whole(extra: list[Row]) -> None:
    table = csv_table(series("UN", [(8, 10), (9, 15)]) + extra)
    routed = fast.routed_scopes(table)
    un_scopes = {index for index, scope in enumerate(fast_scopes(table)) if scope.cumulative}
    assert all(routed[index] for index in un_scopes)
    assert_equal(table)


def test_a_window_with_reports_of_its_own_takes_the_difference_through_claims_py() -> None:
    witness = Row("Witness", "", "2025-03-09", "2025-03-09", "Syria", "", "7", "C")
    table = csv_table([*series("UN", [(8, 10), (9, 15)]), witness])
    routed = fast.routed_scopes(table)
    assert routed.tolist() == [False, False, True]  # the day alone: the series stays
    assert_equal(table)


def fast_scopes(table: ReportTable) -> list[Scope]:
    return scope_rows(table)[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(phrases, min_size=1, max_size=40))
def test_kernel_ids_number_kernels_as_numpy_unique_does(texts: list[str]) -> None:
    """Levels with equal kernels share an id, numbered in the order of np.unique's rows."""
    import numpy as np

    from casualty_cli.grammar.quantity import parse_quantity

    quantities = fast._Quantities([parse_quantity(text) for text in [*texts, "1,234", "1234"]])
    width = int(quantities.size.max())
    rows = []
    for level, size in enumerate(quantities.size.tolist()):
        at = int(quantities.offset[level])
        pad = [-1] * (width - size)
        weights = quantities.weight[at : at + size].view(np.int64).tolist()
        rows.append(
            [size, *quantities.low[at : at + size].tolist(), *pad,
             *quantities.high[at : at + size].tolist(), *pad, *weights, *pad]
        )  # fmt: skip
    _, expected = np.unique(np.array(rows, np.int64), axis=0, return_inverse=True)
    ids = fast._kernel_ids(quantities)
    assert ids.tolist() == expected.reshape(-1).tolist()
    assert ids[-1] == ids[-2]  # "1,234" and "1234": one kernel
