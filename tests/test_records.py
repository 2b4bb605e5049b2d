"""Machine formats: the column-wise CSV writer writes what the record-wise one writes."""

from __future__ import annotations

import itertools
from io import StringIO
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casualty_cli.render.records import (
    DelimitedRows,
    write_delimited,
    write_delimited_columns,
    write_ranked_lines,
)

HEADER = ("a", "b", "c")
cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**12),
    st.text(alphabet="=+-@\t\n\r,;\"' a1é\u2028", max_size=6),
    st.lists(st.sampled_from(["disputed", "=x", "a\tb"]), max_size=3).map(tuple),
)


def by_records(records: list[dict[str, Any]], **options: Any) -> str:
    out = StringIO()
    write_delimited(records, HEADER, out, **options)
    return out.getvalue()


def by_columns(records: list[dict[str, Any]], **options: Any) -> str:
    out = StringIO()
    columns = {name: [record[name] for record in records] for name in HEADER}
    write_delimited_columns(columns, HEADER, out, **options)
    return out.getvalue()


@pytest.mark.parametrize("delimiter", [",", "\t"])
@pytest.mark.parametrize("excel_safe", [True, False])
@given(rows=st.lists(st.tuples(cells, cells, cells), max_size=12))
def test_columns_write_the_bytes_records_write(
    rows: list[tuple[Any, Any, Any]], delimiter: str, excel_safe: bool
) -> None:
    records = [dict(zip(HEADER, row, strict=True)) for row in rows]
    options = {"delimiter": delimiter, "excel_safe": excel_safe}
    assert by_columns(records, **options) == by_records(records, **options)


def test_true_and_one_stay_apart() -> None:
    records: list[dict[str, Any]] = [{"a": True, "b": 1, "c": None}, {"a": 1, "b": True, "c": 0}]
    assert by_columns(records) == "a,b,c\ntrue,1,\n1,true,0\n"


@pytest.mark.parametrize("delimiter", [",", "\t"])
@pytest.mark.parametrize("excel_safe", [True, False])
@given(
    rows=st.lists(st.tuples(cells, cells, cells), max_size=12),
    cuts=st.lists(st.integers(0, 12), max_size=3),
)
def test_lines_made_in_parts_write_the_bytes_records_write(
    rows: list[tuple[Any, Any, Any]], cuts: list[int], delimiter: str, excel_safe: bool
) -> None:
    """Each part makes its rows' lines from its own columns (a part's column may hold only
    integers where the whole holds text too); the lines, ranked, are the records' bytes."""
    records = [dict(zip(HEADER, row, strict=True)) for row in rows]
    maker = DelimitedRows(HEADER, delimiter, excel_safe)
    lines: list[str] = []
    bounds = sorted({0, len(records), *(min(cut, len(records)) for cut in cuts)})
    for start, end in itertools.pairwise(bounds):
        part = records[start:end]
        lines += maker({name: [record[name] for record in part] for name in HEADER})
    out = StringIO()
    write_ranked_lines(lines, ("rank", *HEADER), out, delimiter=delimiter)
    ranked = [{"rank": i, **record} for i, record in enumerate(records, 1)]
    expected = StringIO()
    write_delimited(ranked, ("rank", *HEADER), expected, delimiter=delimiter, excel_safe=excel_safe)
    assert out.getvalue() == expected.getvalue()
