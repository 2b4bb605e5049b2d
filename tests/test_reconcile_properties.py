"""Invariants of ``reconcile`` over random sets of reports (hypothesis).

- every range is ordered: low95 <= low <= best <= high <= high95;
- the order of the input never changes the output, nor what families told each scope;
- a relay of an origin already heard never narrows (nor moves) a range;
- a single exact claim's best estimate is its number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from casualty_cli.estimates import Reconciliation
from casualty_cli.load import LoadOptions, build_table
from casualty_cli.readers import read_document
from casualty_cli.reconciliation import reconcile

FIELDS = ("source", "via", "published", "place", "category", "count", "grade")


@dataclass(frozen=True)
class Row:
    source: str
    via: str
    published: str
    place: str
    category: str
    count: str
    grade: str

    def cells(self) -> list[str]:
        return [getattr(self, name) for name in FIELDS]


def reconcile_rows(rows: list[Row]) -> Reconciliation:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows(row.cells() for row in rows)
    document = read_document(buffer.getvalue().encode(), "reports.csv")
    table, findings = build_table([document], (), LoadOptions())
    assert not [f for f in findings if f.is_error]
    return reconcile(table)


numbers = st.integers(min_value=0, max_value=20_000)
phrases = st.one_of(
    numbers.map(str),
    numbers.map(lambda n: f"at least {n}"),
    numbers.map(lambda n: f"more than {n}"),
    st.integers(min_value=1, max_value=20_000).map(lambda n: f"about {n}"),
    st.integers(min_value=1, max_value=20_000).map(lambda n: f"up to {n}"),
    st.tuples(numbers, numbers).map(lambda ab: f"{min(ab)}-{max(ab)}"),
    st.sampled_from(["dozens", "hundreds", "a few", "several", "scores"]),
)
rows = st.builds(
    Row,
    source=st.sampled_from(["SOHR", "SNHR", "MoH", "UN", "Witness"]),
    via=st.sampled_from(["", "", "AP", "Reuters"]),
    published=st.sampled_from(["2025-03-08", "2025-03-09", "2025-03-10"]),
    place=st.sampled_from(["", "Syria", "Syria/Latakia"]),
    category=st.sampled_from(["", "civilians"]),
    count=phrases,
    grade=st.sampled_from(["A", "B", "C", "D", "E", "F", "0.3", "B2"]),
)
report_sets = st.lists(rows, min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(report_sets)
def test_ranges_are_ordered(reports: list[Row]) -> None:
    for e in reconcile_rows(reports).estimates:
        assert e.low95 <= e.low <= e.best <= e.high <= e.high95
        # A scope no report names exists only to take a sum or residual from its family.
        assert e.reports >= 1 or any(r.kind in ("sum", "residual") for r in e.received)
        # Origins count those whose claims reached the scope directly or through its family.
        assert len(e.origin_names) <= e.reports
        assert e.origins >= max(1, len(e.origin_names))


@settings(max_examples=40, deadline=None)
@given(report_sets, st.randoms(use_true_random=False))
def test_input_order_never_changes_the_output(reports: list[Row], random: Random) -> None:
    shuffled = list(reports)
    random.shuffle(shuffled)
    assert reconcile_rows(shuffled).records() == reconcile_rows(reports).records()


windowed_rows = st.builds(
    lambda row, period: (row, period),
    rows,
    # Empty periods are "as of" counts; the others are windows that tile, nest or overlap.
    st.sampled_from(["", "", "2025-03-08", "2025-03-09", "2025-03-10", "2025-03-08/2025-03-09"]),
)


def reconcile_windowed(rows: list[tuple[Row, str]]) -> Reconciliation:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((*FIELDS, "period"))
    writer.writerows([*row.cells(), period] for row, period in rows)
    document = read_document(buffer.getvalue().encode(), "reports.csv")
    table, findings = build_table([document], (), LoadOptions())
    assert not [f for f in findings if f.is_error]
    return reconcile(table)


def test_a_sum_of_days_adds_them_in_order_of_days_whatever_order_they_came_in() -> None:
    un_9th = (Row("UN", "", "2025-03-10", "Syria", "", "10", "A"), "2025-03-09")
    un_8th = (Row("UN", "", "2025-03-10", "Syria", "", "20", "A"), "2025-03-08")
    sohr_both = (Row("SOHR", "", "2025-03-10", "Syria", "", "25", "B"), "2025-03-08/2025-03-09")
    for reports in ([un_9th, un_8th, sohr_both], [sohr_both, un_8th, un_9th]):
        (both, *_) = reconcile_windowed(reports).estimates
        assert [(r.kind, r.arithmetic) for r in both.received] == [("sum", "20 + 10 = 30")]


@settings(max_examples=60, deadline=None)
@given(st.lists(windowed_rows, min_size=1, max_size=14), st.randoms(use_true_random=False))
def test_input_order_never_changes_what_families_told(
    reports: list[tuple[Row, str]], random: Random
) -> None:
    """The audit too: each message's family lists its parts, and its arithmetic adds them, in
    the order of their names and days, whatever order the reports came in."""
    shuffled = list(reports)
    random.shuffle(shuffled)

    def told(result: Reconciliation) -> list[object]:
        return [(e.scope, e.received) for e in result.estimates]

    assert told(reconcile_windowed(shuffled)) == told(reconcile_windowed(reports))


@settings(max_examples=40, deadline=None)
@given(report_sets, st.data())
def test_a_relay_of_a_known_origin_never_narrows_a_range(
    reports: list[Row], data: st.DataObject
) -> None:
    original = data.draw(st.sampled_from(reports))
    relay = Row(**{**original.__dict__, "via": "Relay Wire"})
    before = {e.scope: e for e in reconcile_rows(reports).estimates}
    after = {e.scope: e for e in reconcile_rows([*reports, relay]).estimates}
    assert before.keys() == after.keys()
    for scope, old in before.items():
        new = after[scope]
        assert (new.low, new.best, new.high, new.low95, new.high95) == (
            old.low,
            old.best,
            old.high,
            old.low95,
            old.high95,
        )


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from("ABCDEF"))
def test_a_single_exact_claim_is_its_own_best_estimate(count: int, grade: str) -> None:
    row = Row("SOHR", "", "2025-03-08", "", "", str(count), grade)
    (estimate,) = reconcile_rows([row]).estimates
    assert estimate.best == count
    assert estimate.claimed_min == estimate.claimed_max == count
