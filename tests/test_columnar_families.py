"""The families found column-wise are the families ``families.find_families`` finds, in its order.

The order matters as much as the families: the messages keep the first of two equal offers and
coherence solves its constraints in family order, so a family out of place could change bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from casualty_cli.engine import fast
from casualty_cli.engine.columnar_families import LazyKeys, find_families_columnwise
from casualty_cli.engine.families import Families, Family, find_families, scope_key
from casualty_cli.engine.nesting import _sortable
from casualty_cli.model import ReportTable

from .test_engine_fast import assert_equal, table_of

FIELDS = ("source", "published", "period", "place", "category", "outcome", "count")


def day(n: int) -> str:
    """The ``n``th of March 2025."""
    return date(2025, 3, n).isoformat()


def table(rows: Sequence[Sequence[str]]) -> ReportTable:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows(rows)
    return table_of(buffer.getvalue(), "reports.csv")


def both(t: ReportTable, with_claims: list[bool] | None = None) -> tuple[Families, Families]:
    """The families found column-wise and by ``find_families``, of every scope of ``t``."""
    codes = fast._Codes(t)
    ids = fast._ScopeIds.build(t, codes)
    scopes = fast._ScopeList(t, ids)
    candidates, columns = fast._family_candidates(t, ids, scopes, False)
    every = scopes.all()
    has_claims = np.array(with_claims or [True] * len(every), np.bool_)[: len(every)]
    has_claims = np.r_[has_claims, np.ones(len(every) - has_claims.size, np.bool_)]
    found = find_families_columnwise(columns, has_claims, candidates, LazyKeys(every))
    assert found is not None
    expected = find_families(every, has_claims.tolist(), {}, (), {}, candidates.tolist())
    return found, expected


def windows(rows: list[tuple[int, int]]) -> ReportTable:
    """One source's daily counts over the windows ``(first day, last day)`` of March."""
    return table(
        [
            ("MoH", day(b), f"{day(a)}/{day(b)}" if a != b else day(a), "", "", "", "5")
            for a, b in rows
        ]
    )


def window_families(rows: list[tuple[int, int]]) -> list[tuple[str, list[str], bool, bool]]:
    """The families column-wise as (parent, children, exhaustive, union), windows as days."""
    t = windows(rows)
    found, expected = both(t)
    assert found.families == expected.families
    scopes = fast._ScopeList(t, fast._ScopeIds.build(t, fast._Codes(t)))

    def span(s: int) -> str:
        scope = scopes[s]
        assert scope.start is not None and scope.end is not None
        return f"{scope.start.day}-{scope.end.day}"

    return [
        (span(f.parent), [span(c) for c in f.children], f.exhaustive, f.union)
        for f in found.families
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [(1, 3), (1, 1), (2, 2), (3, 3)],
            [("1-3", ["1-1", "2-2", "3-3"], True, False)],
            id="days tile their window",
        ),
        pytest.param(
            [(1, 4), (1, 1), (2, 2), (3, 3), (4, 4), (1, 2), (3, 4)],
            [  # longer windows in order of their days
                ("1-2", ["1-1", "2-2"], True, False),
                ("1-4", ["1-2", "3-4"], True, False),
                ("3-4", ["3-3", "4-4"], True, False),
            ],
            id="the fewest windows tile it",
        ),
        pytest.param(
            [(1, 4), (4, 4), (1, 3), (1, 2), (3, 4)],
            [  # 1-3 and 4-4 tile it too
                ("1-3", ["1-2"], False, False),
                ("1-4", ["1-2", "3-4"], True, False),
                ("3-4", ["4-4"], False, False),
            ],
            id="of two tilings as short, the earlier starting",
        ),
        pytest.param(
            [(1, 4), (1, 2), (2, 4)],
            [("1-4", ["1-2", "2-4"], False, True)],
            id="overlapping windows only bound their union",
        ),
        pytest.param(
            [(1, 6), (1, 1), (3, 3), (2, 4), (6, 6)],
            [
                ("1-6", ["1-1", "3-3", "6-6"], False, False),
                ("1-6", ["2-4"], False, False),
                ("2-4", ["3-3"], False, False),
            ],
            id="disjoint windows give a floor, the largest left out one each",
        ),
        pytest.param(
            [(1, 6), (2, 2), (2, 5)],
            [("1-6", ["2-5"], False, False), ("2-5", ["2-2"], False, False)],
            id="a window inside another inside the whole says nothing alone",
        ),
    ],
)
def test_window_families(
    rows: list[tuple[int, int]], expected: list[tuple[str, list[str], bool, bool]]
) -> None:
    assert window_families(rows) == expected


def test_chains_and_the_days_between() -> None:
    rows = [
        ("MoH", day(2), "", "", "", "", "10"),
        ("MoH", day(4), "", "", "", "", "15"),
        ("MoH", day(7), "", "", "", "", "30"),
        ("UN", day(4), f"{day(3)}/{day(4)}", "", "", "", "5"),
    ]
    found, expected = both(table(rows))
    assert found.families == expected.families
    kinds = [(f.dimension, f.exhaustive, f.chain, len(f.children)) for f in found.families]
    assert kinds == [
        ("time", False, True, 1),
        ("time", True, False, 2),  # the days 3 and 4 lie between the first two counts
        ("time", False, True, 1),
    ]


def test_categories_and_places_keep_to_their_nearest_ancestor() -> None:
    rows = [
        ("MoH", day(1), day(1), "Syria", "", "", "90"),
        ("MoH", day(1), day(1), "Syria", "civilians", "", "60"),
        ("MoH", day(1), day(1), "Syria", "civilians/children", "", "20"),
        ("MoH", day(1), day(1), "Syria", "combatants/militants", "", "20"),
        ("MoH", day(1), day(1), "Syria/Latakia/Jableh", "", "", "30"),
        ("MoH", day(1), day(1), "syria/latakia", "", "", "40"),
    ]
    found, expected = both(table(rows))
    assert found.families == expected.families
    assert [(f.dimension, len(f.children)) for f in found.families] == [
        ("category", 2),  # civilians and militants (no combatants scope) under all
        ("category", 1),  # children under civilians
        ("place", 1),  # Latakia under Syria
        ("place", 1),  # Jableh under Latakia
    ]


def test_scopes_without_claims_take_no_part() -> None:
    t = windows([(1, 3), (1, 1), (2, 2), (3, 3)])
    found, expected = both(t, [True, False, True, True])
    assert found.families == expected.families
    # Days 2 and 3 give the window a floor; day 1, with no claims, would have tiled it.
    assert [(len(f.children), f.exhaustive) for f in found.families] == [(2, False)]


def test_a_declared_complete_category_is_left_to_the_finder() -> None:
    """Sums and residuals add scopes: only ``find_families`` adds them (here through nesting)."""
    text = (
        "categories:\n  all: {parts: [civilians, combatants], complete: true}\nreports:\n"
        "  - {source: MoH, published: 2025-03-02, period: 2025-03-02, count: 90}\n"
        "  - {source: MoH, published: 2025-03-02, period: 2025-03-02, category: civilians,"
        " count: 60}\n"
    )
    assert_equal(table_of(text, "reports.yaml"))


# --- random scopes --------------------------------------------------------------------------------

spans = st.tuples(st.integers(1, 6), st.integers(0, 3)).map(lambda s: (s[0], s[0] + s[1]))


def rows_of(
    places: list[str], categories: list[str], outcomes: list[str]
) -> SearchStrategy[tuple[str, ...]]:
    """Reports over the windows of nine days of March, a quarter of them cumulative counts."""
    return st.builds(
        lambda source, span, cumulative, place, category, outcome: (
            source,
            day(span[1]),
            "" if cumulative else "/".join(sorted({day(span[0]), day(span[1])})),
            place,
            category,
            outcome,
            "7",
        ),
        st.sampled_from(["MoH", "UN", "SOHR"]),
        spans,
        st.sampled_from([False, False, False, True]),
        st.sampled_from(places),
        st.sampled_from(categories),
        st.sampled_from(outcomes),
    )


# Windows that meet often: one outcome, two categories and two places.
window_rows = rows_of(["", "Syria"], ["", "civilians"], [""])
# Every kind of family: paths of every depth, spelled two ways, and three outcomes.
mixed_rows = rows_of(
    ["", "", "Syria", "Syria/Latakia", "syria/latakia/Jableh", "Lebanon"],
    ["", "all", "civilians", "civilians/children", "combatants/militants"],
    ["", "killed", "injured"],
)
report_rows = st.one_of(window_rows, mixed_rows)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.lists(window_rows, min_size=8, max_size=40), st.lists(mixed_rows, max_size=40)),
    st.lists(st.booleans(), max_size=60),
)
def test_random_scopes_give_the_same_families_in_the_same_order(
    rows: list[tuple[str, ...]], with_claims: list[bool]
) -> None:
    found, expected = both(table(rows), with_claims or None)
    assert found.families == expected.families
    assert expected.added == () and not expected.residual


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.lists(window_rows, min_size=8, max_size=25), st.lists(mixed_rows, max_size=25)))
def test_random_scopes_reconcile_as_the_objects_do(rows: list[tuple[str, ...]]) -> None:
    assert_equal(table(rows))


def test_a_family_is_what_find_families_makes() -> None:
    """The column-wise finder hands back the same types: a family compares by its fields."""
    found, _ = both(windows([(1, 2), (1, 1), (2, 2)]))
    assert found.families == (Family(0, (1, 2), "time", True),)


OPEN_BREAKDOWNS = """\
categories:
  all: {parts: [civilians, combatants]}
places:
  Syria: {parts: [Latakia, Tartus]}
reports:
"""


@settings(max_examples=100, deadline=None)
@given(st.lists(mixed_rows, min_size=2, max_size=25))
def test_breakdowns_declared_open_take_the_column_wise_path(rows: list[tuple[str, ...]]) -> None:
    """Parts declared but not complete add no scope: the families are found column-wise, and
    the estimates are those of the objects."""
    lines = [OPEN_BREAKDOWNS]
    for source, published, period, place, category, outcome, count in rows:
        cells = {"source": source, "published": published, "count": count}
        cells |= {k: v for k, v in (("period", period), ("place", place)) if v}
        cells |= {k: v for k, v in (("category", category), ("outcome", outcome)) if v}
        lines.append("  - {" + ", ".join(f"{k}: '{v}'" for k, v in cells.items()) + "}\n")
    t = table_of("".join(lines), "reports.yaml")
    assert t.categories and t.places
    assert_equal(t)


@settings(max_examples=200, deadline=None)
@given(st.lists(mixed_rows, min_size=1, max_size=40))
def test_the_scopes_order_is_the_order_of_their_keys(rows: list[tuple[str, ...]]) -> None:
    """Coherence orders its constraints by ``columns.order`` on this path: it must sort the
    scopes as their keys do, names keyed ("syria" is "Syria") and a missing day first."""
    t = table(rows)
    ids = fast._ScopeIds.build(t, fast._Codes(t))
    scopes = fast._ScopeList(t, ids)
    _, columns = fast._family_candidates(t, ids, scopes, False)
    every = scopes.all()
    by_key = sorted(range(len(every)), key=lambda s: _sortable(scope_key(every[s])))
    assert sorted(range(len(every)), key=columns.order.tolist().__getitem__) == by_key
    assert sorted(columns.order.tolist()) == list(range(len(every)))
