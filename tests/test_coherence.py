"""Coherent best estimates (statistics.md 4.5, 5.4): parts never exceed the whole, cumulative
counts never fall.  Unit tests of H10b, and properties over random trees of reports."""

from __future__ import annotations

import csv
import io
import itertools
import runpy
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import cast
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from casualty_cli.engine import coherence
from casualty_cli.engine.coherence import (
    cohere,
    pava,
    project_family,
    project_group,
    project_large_group,
    time_chains,
    variance,
)
from casualty_cli.engine.families import Families, Family
from casualty_cli.engine.fuse import Fusion
from casualty_cli.estimates import Estimate
from casualty_cli.load import LoadOptions, build_table
from casualty_cli.model import ReportTable
from casualty_cli.readers import read_document
from casualty_cli.reconciliation import reconcile, reconcile_by_objects
from tests.coherence_reference import cohere_by_constraints

ROOT = Path(__file__).resolve().parent.parent


def test_h10b_projection_of_one_family() -> None:
    parent, children = project_family(100, 25, [80, 50], [16, 9])
    assert parent == pytest.approx(115)
    assert children == pytest.approx([70.4, 44.6])


def test_a_coherent_family_does_not_move() -> None:
    assert project_family(120, 25, [80, 40], [16, 9]) == (120, [80, 40])


def test_h10b_pava_pools_a_falling_chain_by_precision() -> None:
    assert pava([800, 700], [1 / 400, 1 / 100]) == pytest.approx([720, 720])


def _closest_by_enumeration(
    x: dict[int, float], v: dict[int, float], rows: list[tuple[int, tuple[int, ...]]]
) -> dict[int, float]:
    """The projection by brute force: every set of constraints held as equalities, solved with
    Lagrange multipliers; the nearest of the points that meet every constraint."""
    import itertools

    import numpy as np

    scopes = sorted(x)
    a = np.zeros((len(rows), len(scopes)))
    for r, (parent, children) in enumerate(rows):
        a[r, scopes.index(parent)] += 1
        for child in children:
            a[r, scopes.index(child)] -= 1
    b = np.array([x[s] for s in scopes])
    w = np.array([v[s] for s in scopes])
    best: tuple[float, list[float]] | None = None
    for k in range(len(rows) + 1):
        for active in itertools.combinations(range(len(rows)), k):
            point = b.copy()
            if active:
                sub = a[list(active)]
                lam = np.linalg.lstsq((sub * w) @ sub.T, -sub @ b, rcond=None)[0]
                point = b + w * (sub.T @ lam)
            # Feasible up to rounding: a variance of 1e6 next to one of 1 costs digits.
            if (a @ point >= -1e-6 * max(1.0, float(abs(b).max()))).all():
                distance = float(((point - b) ** 2 / w).sum())
                if best is None or distance < best[0] * (1 - 1e-9):
                    best = (distance, point.tolist())
    assert best is not None
    return dict(zip(scopes, best[1], strict=True))


Projector = Callable[[dict[int, float], dict[int, float], Sequence[Family | Sequence[int]]], None]


@pytest.mark.parametrize("project", [project_group, project_large_group], ids=["dense", "sparse"])
@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 2000), min_size=5, max_size=5),
    st.lists(st.sampled_from([1.0, 9.0, 400.0, 1e6]), min_size=5, max_size=5),
)
def test_tangled_families_are_projected_to_the_nearest_coherent_point(
    project: Projector, best: list[int], weights: list[float]
) -> None:
    # 0 ⊇ {1, 2}, 2 ⊇ {3, 4}, and the chain 1 → 0 (cumulative): three constraints sharing scopes,
    # with variances six orders of magnitude apart, as on real series.  The sparse solver, which
    # takes the large groups, must find the same point as the dense one.
    x = {s: float(value) for s, value in enumerate(best)}
    v = dict(enumerate(weights))
    group: list[Family | Sequence[int]] = [
        Family(0, (1, 2), "category", False),
        Family(2, (3, 4), "category", False),
        [1, 0],
    ]
    expected = _closest_by_enumeration(dict(x), v, [(0, (1, 2)), (2, (3, 4)), (0, (1,))])
    project(x, v, group)
    slack = 1e-6 * max(1.0, max(best))  # what variances six orders apart leave of precision
    assert x == pytest.approx(expected, abs=slack)
    assert x[0] >= x[1] + x[2] - slack and x[2] >= x[3] + x[4] - slack


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], [1, 2, 3]),
        ([3, 2, 1], [2, 2, 2]),
        ([1, 3, 2, 4], [1, 2.5, 2.5, 4]),
    ],
)
def test_pava_with_equal_weights(values: list[float], expected: list[float]) -> None:
    assert pava(values, [1.0] * len(values)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("low", "high", "expected"), [(92, 108, (16 / 2.5631) ** 2), (10, 11, 1.0)]
)
def test_variance_from_the_80_percent_range(low: int, high: int, expected: float) -> None:
    assert variance(low, high) == pytest.approx(expected)


# --- properties over random trees ---------------------------------------------------------------

HEADER = "categories:\n  all: {parts: [civilians, combatants], complete: true}\nreports:\n"
SOURCES = ("SOHR", "SNHR", "MoH", "UN", "Witness")
CATEGORIES = ("", "civilians", "combatants")
PLACES = ("Syria", "Syria/Latakia", "Syria/Tartus")
DAYS = ("2025-03-08", "2025-03-09", "2025-03-10")

reports = st.lists(
    st.tuples(
        st.sampled_from(SOURCES),
        st.sampled_from(CATEGORIES),
        st.sampled_from(PLACES),
        st.sampled_from(DAYS),
        st.integers(min_value=0, max_value=3000),
        st.sampled_from(["", "at least ", "about "]),
        st.sampled_from("ABCDF"),
    ),
    min_size=1,
    max_size=14,
)


def estimates_of(rows: list[tuple[str, str, str, str, int, str, str]]) -> tuple[Estimate, ...]:
    lines = [HEADER]
    for source, category, place, day, count, hedge, grade in rows:
        if hedge == "about " and count == 0:
            hedge = ""
        lines.append(
            f"  - {{source: {source}, category: '{category}', place: {place}, published: {day},"
            f" count: '{hedge}{count}', grade: {grade}}}\n"
        )
    document = read_document("".join(lines).encode(), "reports.yaml")
    table, findings = build_table([document], (), LoadOptions())
    assert not [f for f in findings if f.is_error]
    result = reconcile(table)
    assert result.records() == reconcile_by_objects(table).records()
    return result.estimates


@settings(max_examples=60, deadline=None)
@given(reports)
def test_parts_never_exceed_the_whole(rows: list[tuple[str, str, str, str, int, str, str]]) -> None:
    by_key = {
        (e.scope.category, e.scope.place, e.scope.end, e.scope.cumulative): e
        for e in estimates_of(rows)
    }
    for (category, place, end, cumulative), estimate in by_key.items():
        if category == () and ("civilians",) in {k[0] for k in by_key}:
            parts = [
                by_key.get((part, place, end, cumulative))
                for part in (("civilians",), ("combatants",))
            ]
            present = [p.best for p in parts if p is not None]
            assert estimate.best >= sum(present)
        if len(place) == 1:
            parts = [
                by_key.get((category, child, end, cumulative))
                for child in (("Syria", "Latakia"), ("Syria", "Tartus"))
            ]
            assert estimate.best >= sum(p.best for p in parts if p is not None)


@settings(max_examples=60, deadline=None)
@given(reports)
def test_cumulative_counts_never_fall(rows: list[tuple[str, str, str, str, int, str, str]]) -> None:
    series: dict[tuple[object, ...], list[Estimate]] = defaultdict(list)
    for e in estimates_of(rows):
        if e.scope.cumulative:
            series[(e.scope.outcome, e.scope.category, e.scope.place, e.scope.start)].append(e)
    for chain in series.values():
        chain.sort(key=lambda e: e.scope.end or 0)
        bests = [e.best for e in chain]
        assert bests == sorted(bests)


def test_tree_reports_as_csv_reach_the_same_estimates() -> None:
    """The YAML strategy above is no accident of the reader: a CSV says the same."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "category", "place", "published", "count"])
    writer.writerow(["SOHR", "civilians", "Syria", "2025-03-08", "80"])
    writer.writerow(["UN", "", "Syria", "2025-03-08", "about 100"])
    document = read_document(buffer.getvalue().encode(), "reports.csv")
    table, _ = build_table([document], (), LoadOptions())
    assert len(reconcile(table).estimates) == 2


days = st.lists(st.integers(min_value=0, max_value=400), min_size=2, max_size=5)


@settings(max_examples=40, deadline=None)
@given(days, st.sampled_from("ABC"))
def test_a_window_restating_its_days_is_not_counted_twice(counts: list[int], grade: str) -> None:
    """Daily reports and one report of their whole window: the window is not their double."""
    first = date(2025, 3, 1)
    last = first + timedelta(days=len(counts) - 1)
    lines = ["reports:\n"]
    for offset, count in enumerate(counts):
        day = (first + timedelta(days=offset)).isoformat()
        lines.append(f"  - {{source: MoH, period: {day}, count: '{count}', grade: {grade}}}\n")
    daily_only = "".join(lines)
    total = sum(counts)
    restated = daily_only + (
        f"  - {{source: UN, period: {first}/{last}, count: '{total}', grade: {grade}}}\n"
    )

    def window(text: str) -> Estimate:
        document = read_document(text.encode(), "reports.yaml")
        table, _ = build_table([document], (), LoadOptions())
        estimates = reconcile(table, targets=[(first, last)]).estimates
        return next(e for e in estimates if (e.scope.start, e.scope.end) == (first, last))

    before, after = window(daily_only), window(restated)
    assert after.best <= max(before.high95, total) + 1


# --- the column-wise step equals the constraint-by-constraint one --------------------------------


@dataclass(frozen=True)
class _Ranges:
    """The five ranges of a fusion, all that the coherence step reads or writes."""

    best: NDArray[np.int64]
    low: NDArray[np.int64]
    high: NDArray[np.int64]
    low95: NDArray[np.int64]
    high95: NDArray[np.int64]


@st.composite
def tangles(draw: st.DrawFn) -> tuple[_Ranges, Families, list[int]]:
    """Scopes with random ranges (some with no estimate), families of every kind over them and
    disjoint time chains, every whole numbered before its parts (no constraint is circular),
    and a random order of what the scopes are."""
    n = draw(st.integers(2, 14))
    rows = []
    for _ in range(n):
        values = sorted(draw(st.lists(st.integers(0, 500), min_size=5, max_size=5)))
        rows.append([-1] * 5 if draw(st.booleans()) and draw(st.booleans()) else values)
    columns = (np.array(column, np.int64) for column in zip(*rows, strict=True))
    low95, low, best, high, high95 = columns
    families: list[Family] = []
    for parent in range(n - 1):
        if draw(st.booleans()):
            kids = draw(st.sets(st.integers(parent + 1, n - 1), min_size=1, max_size=4))
            kind = draw(st.sampled_from(["sum", "exhaustive", "union"]))
            families.append(
                Family(
                    parent,
                    tuple(sorted(kids)),
                    draw(st.sampled_from(["category", "place", "time"])),
                    kind == "exhaustive",
                    union=kind == "union",
                )
            )
    unchained = draw(st.permutations(range(n)))
    for length in draw(st.lists(st.integers(2, 4), max_size=3)):
        # Earliest count first, each a part of the later ones: ids fall along a chain.
        chain, unchained = sorted(unchained[:length], reverse=True), unchained[length:]
        families += [
            Family(after, (before,), "time", False, chain=True)
            for before, after in itertools.pairwise(chain)
        ]
    order = draw(st.permutations(range(n)))
    ranges = _Ranges(best, low, high, low95, high95)
    return ranges, Families(tuple(families), (), {}), order


@settings(max_examples=300, deadline=None)
@given(tangles())
def test_cohere_equals_the_constraint_by_constraint_reference(
    tangle: tuple[_Ranges, Families, list[int]],
) -> None:
    ranges, families, order = tangle
    fusion = cast(Fusion, ranges)
    coherent, flags = cohere(fusion, families, lambda s: (order[s],))
    expected, expected_flags = cohere_by_constraints(fusion, families, lambda s: (order[s],))
    for name in ("best", "low", "high", "low95", "high95"):
        assert getattr(coherent, name).tolist() == getattr(expected, name).tolist(), name
    assert {s: f for s, f in flags.items() if f} == {s: f for s, f in expected_flags.items() if f}


@settings(max_examples=200, deadline=None)
@given(tangles())
def test_the_sparse_projection_meets_the_dense_one(
    tangle: tuple[_Ranges, Families, list[int]],
) -> None:
    ranges, families, _ = tangle
    x = {s: float(b) for s, b in enumerate(ranges.best.tolist())}
    v = {
        s: variance(lo, hi) for s, (lo, hi) in enumerate(zip(ranges.low, ranges.high, strict=True))
    }
    group: list[Family | Sequence[int]] = [f for f in families.families if not f.chain]
    group += time_chains(families)
    assume(group)
    dense, generated = dict(x), dict(x)
    project_group(dense, v, group)
    project_large_group(generated, v, group)
    assert generated == pytest.approx(dense, abs=1e-6 * max(1.0, *map(abs, x.values())))


def _block_by_search(problem: coherence._SparseProblem, j: int) -> list[int]:
    """The passive constraints joined to ``j`` by shared scopes, searched from scratch."""
    at, start = problem.at, problem.row_start
    seen, todo = {j}, [j]
    while todo:
        k = todo.pop()
        for s in at.scope[start[k] : start[k + 1]].tolist():
            lo, hi = problem.scope_start[s], problem.scope_start[s + 1]
            for other in problem.rows_of_scope[lo:hi].tolist():
                if problem.passive[other] and other not in seen:
                    seen.add(other)
                    todo.append(other)
    return sorted(seen)


@settings(max_examples=200, deadline=None)
@given(tangles())
def test_the_sparse_solver_keeps_its_blocks_as_a_search_would_find_them(
    tangle: tuple[_Ranges, Families, list[int]],
) -> None:
    """The groups of passive constraints are kept as constraints turn passive and rebuilt when
    a step back turns some back: every block must be what a search over the passive set finds."""
    ranges, families, _ = tangle
    group: list[Family | Sequence[int]] = [f for f in families.families if not f.chain]
    group += time_chains(families)
    assume(group)
    checked: list[int] = []

    class Checked(coherence._SparseProblem):
        def block_of(self, j: int) -> NDArray[np.int64]:
            block = super().block_of(j)
            assert block.tolist() == _block_by_search(self, j)
            checked.append(block.size)
            return block

    x = {s: float(b) for s, b in enumerate(ranges.best.tolist())}
    v = {
        s: variance(lo, hi) for s, (lo, hi) in enumerate(zip(ranges.low, ranges.high, strict=True))
    }
    with patch.object(coherence, "_SparseProblem", Checked):
        project_large_group(x, v, group)


# --- regional and national totals: large groups ---------------------------------------------------


@pytest.fixture(scope="module")
def totals_table() -> ReportTable:
    """20,000 generated reports with regional and national daily totals (``--totals``)."""
    generate = runpy.run_path(str(ROOT / "benchmarks" / "generate.py"), run_name="generate")
    text = io.StringIO()
    generate["write_csv"](generate["generate_rows"](20_000, 1, totals=True), text)
    document = read_document(text.getvalue().encode(), "reports.csv")
    table, findings = build_table([document], (), LoadOptions())
    assert not [f for f in findings if f.is_error]
    return table


def test_large_groups_stay_coherent_and_near_the_dense_projection(
    totals_table: ReportTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every group above a few constraints taken the sparse way, as a country's totals are:
    places still hold their parts, and the estimates are the dense projection's, give or take
    the rounding of a figure the two solvers leave a hair either side of one half."""
    dense = {e.scope: e.best for e in reconcile(totals_table).estimates}
    calls: list[int] = []
    original = coherence.project_large_group

    def counted(x: dict[int, float], v: dict[int, float], group: list[Family]) -> None:
        calls.append(len(group))
        original(x, v, group)

    monkeypatch.setattr(coherence, "DENSE_ROWS", 8)
    monkeypatch.setattr(coherence, "NORMAL_EQUATIONS_FROM", 4)
    monkeypatch.setattr(coherence, "project_large_group", counted)
    sparse = {e.scope: e.best for e in reconcile(totals_table).estimates}
    assert len(calls) > 10 and max(calls) > 40
    assert sparse.keys() == dense.keys()
    moved = [scope for scope in sparse if sparse[scope] != dense[scope]]
    assert all(abs(sparse[scope] - dense[scope]) <= 1 for scope in moved)
    assert len(moved) < len(sparse) / 1000
    for scope, best in sparse.items():
        parts = [
            sparse[other]
            for other in sparse
            if other.place[:-1] == scope.place
            and len(other.place) == len(scope.place) + 1
            and (other.outcome, other.category, other.start, other.end, other.cumulative)
            == (scope.outcome, scope.category, scope.start, scope.end, scope.cumulative)
        ]
        assert best >= sum(parts), scope
