"""A column-wise ``reconcile`` for large inputs: the same Reconciliation, far fewer Python objects.

:func:`casualty_cli.reconciliation.reconcile_by_objects` spends about 60 µs of Python work per
scope.  Most scopes of a large dataset hear each origin once, or several times with one figure
(relays), and take part in no same-origin arithmetic: their claims are the reports' kernels.
:func:`reconcile_fast` finds those scopes with numpy and handles them column-wise; every other
scope (an origin heard with different figures, a part or parent of a complete breakdown, a
one-origin cumulative series that falls, and the windows such a series' differences land on)
goes through the Python code of claims.py on a sub-table holding only the reports of those
scopes.  A series that never falls stays column-wise, and its day differences are made here as
the derived claims claims.py would make (``_route_series``, ``_add_differences``); they join the
Python path's claims, in windows of their own or in windows routed there.  The two are merged
before one fusion of everything; families, messages and coherence (nesting.py) then run over the
scopes that may belong to a family.

Equality with ``reconcile_by_objects`` rests on these facts, and the tests check it:

- scope ids are numbered as ``claims.scope_rows`` numbers them (first appearance), and the claims
  enter :func:`fuse` in the order ``build_claims`` emits them (by scope, then origin), so the
  fusion sees the very same arrays;
- the routing below over-approximates every scope the Python rules could touch (a superset is
  harmless: the Python code is the reference), and a routed scope takes all its reports along, so
  the sub-table reproduces exactly the groups, chains and sums of the full table;
- for a scope left to the column-wise path, ``build_claims`` would emit one ``USED`` claim per
  origin (the first of its latest reports) and record the others as duplicates, which is what
  the column-wise estimates below assume;
- a family lists its parts by name and day, never by scope id, so the scopes added for the
  differences made here may be numbered in another order than claims.py numbers them.

Estimates are kept as columns; their objects, with the audit trail, are made only when asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from casualty_cli.collector import paused_gc
from casualty_cli.engine.arrays import (
    combine,
    distinct,
    distinct_ids,
    first_seen,
    run_starts,
    within,
)
from casualty_cli.engine.claims import (
    Claim,
    ClaimSet,
    PublishedKey,
    Record,
    build_claims,
    derived_claim,
    difference_arithmetic,
    published_key,
    scope_rows,
)
from casualty_cli.engine.columnar_families import PathColumns, ScopeColumns
from casualty_cli.engine.fuse import ClaimArrays, Fusion, fuse
from casualty_cli.engine.nesting import Nested, nest_scopes
from casualty_cli.estimates import (
    ESTIMATE_FIELDS,
    Estimate,
    EstimateColumns,
    Evidence,
    Received,
    Reconciliation,
    Scope,
    Status,
    evidence_phrases,
)
from casualty_cli.grammar.quantity import Kernel, exact_kernel
from casualty_cli.model import (
    ROOT_CATEGORY,
    Component,
    Factor,
    Quantity,
    QuantityKind,
    ReportTable,
    category_path,
)
from casualty_cli.names import name_key, path_key, place_key
from casualty_cli.reconciliation import (
    CONTESTED_BELOW,
    DISCOUNTED_BELOW,
    DISPUTE_MIN_Q,
    FLAG_ORDER,
    WIDE_RANGE_RATIO,
    EstimateFigures,
    NestingOfScope,
    Target,
    _audit,
    _estimate,
    _status,
    _used_reason,
    disputed_by_message,
    estimate_figures,
    nesting_of,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_NO_DATE = -1  # ordinal standing for a missing start or end (real ordinals are >= 1)


def reconcile_fast(table: ReportTable, *, targets: Sequence[Target] = ()) -> Reconciliation:
    """``reconcile_by_objects(table)``, the common case done column-wise (see module docstring)."""
    # Building a million small frozen objects triggers repeated full collections that scan the
    # whole table for cycles (about a third of the run time); none of these objects can form a
    # cycle, so collection is paused for the call.
    with paused_gc():
        return _reconcile_fast(table, targets)


def _reconcile_fast(table: ReportTable, targets: Sequence[Target]) -> Reconciliation:
    notes = tuple(str(finding) for finding in table.findings)
    n_rows = len(table)
    if n_rows == 0:
        return Reconciliation((), table, notes, table.findings)

    codes = _Codes(table)
    ids = _ScopeIds.build(table, codes)
    origin_names, origin_of_row = _origins(table, codes)
    origin_rank = _ranks(origin_names)
    quantities = _Quantities(table.count.levels)
    group = _groups(ids, origin_of_row)
    slow_scope, differences = _routed_scopes(table, codes, quantities, ids, origin_of_row, group)
    slow_row = slow_scope[ids.of_row]

    scopes = _ScopeList(table, ids)
    slow = _slow_claims(table, ids, np.flatnonzero(slow_row), scopes, origin_names)

    fast = _FastClaims(table, codes, ids, origin_names, origin_of_row, group, ~slow_row)
    derived = _Derived.of(table, differences, fast, scopes, origin_names)
    # A difference landing on a window of the Python path joins its claims there; the others
    # stay columns, their objects made only for an audit.
    with_claims_py = {record.scope for record in slow.records} | slow.revised | slow.inconsistent
    joining = np.array([s in with_claims_py for s in derived.scope.tolist()], np.bool_)
    joined = derived.claims(np.flatnonzero(joining))
    slow.claims += joined
    slow.records += _records(joined)
    alone = np.flatnonzero(~joining)

    # Claims in build_claims order: by scope id, then by origin name.
    n_levels, n_slow = len(table.count.levels), len(slow.claims)
    claim_scope = np.concatenate(
        [fast.scope, np.array([c.scope for c in slow.claims], np.int64), derived.scope[alone]]
    )
    slow_origin = np.array([slow.origin_id[c.origin] for c in slow.claims], np.int64)
    claim_origin = np.concatenate([fast.origin, slow_origin, derived.origin[alone]])
    claim_kernel = np.concatenate(
        [codes.count[fast.rows], n_levels + np.arange(n_slow + alone.size, dtype=np.int64)]
    )
    claim_q = np.concatenate(
        [fast.q, np.array([c.q for c in slow.claims], np.float64), derived.q[alone]]
    )
    order = np.lexsort((origin_rank[claim_origin], claim_scope))
    if order.size == 0:
        return Reconciliation((), table, notes, table.findings)
    kernels = [claim.kernel for claim in slow.claims]
    kernels += [derived.kernel(value) for value in derived.value[alone].tolist()]
    arrays = _claim_arrays(
        claim_scope[order], claim_kernel[order], claim_q[order], _kernel_table(quantities, kernels)
    )
    fusion = fuse(arrays, n_scopes=len(scopes), segments=False)
    support = np.empty(order.size, np.float64)
    support[order] = fusion.support
    candidates, scope_columns = _family_candidates(table, ids, scopes, bool(targets))
    nested = None
    if candidates.size:
        nested = nest_scopes(
            scopes, arrays, claim_origin[order], fusion, table.categories, targets,
            table.places, candidates, scope_columns,
        )  # fmt: skip
    if nested is not None:
        fusion = nested.fusion
        support[order] = nested.support
        scopes.extra.extend(nested.families.added)
    fast_support = support[: fast.rows.size]
    slow_support = {
        id(claim): float(s)
        for claim, s in zip(
            slow.claims, support[fast.rows.size : fast.rows.size + n_slow].tolist(), strict=True
        )
    }
    alone_support = support[fast.rows.size + n_slow :]

    slow_set = ClaimSet(scopes, slow.claims, slow.records, slow.revised, slow.inconsistent)  # type: ignore[arg-type]
    by_scope: dict[int, list[Record]] = {}
    for record in slow.records:
        by_scope.setdefault(record.scope, []).append(record)
    # Every scope with a claim has an estimate (build_claims records a USED claim per group),
    # and so has every scope added to receive a sum or a residual.
    shown = np.bincount(claim_scope, minlength=len(scopes)) > 0
    if nested is not None:
        for scope_id in nested.messages:
            if not shown[scope_id]:
                shown[scope_id] = True
                by_scope.setdefault(scope_id, [])
    ranked = _rank(table, ids, scopes, np.flatnonzero(shown), fusion)
    rank_of = np.zeros(len(scopes), np.int64)
    rank_of[ranked] = np.arange(1, ranked.size + 1)
    # Scope objects made once for every family member's name, not one by one.
    named: Sequence[Scope] = nested.scopes if nested is not None else scopes
    # The Python path's columns now; its Estimate objects, with their audit trail, on demand.
    # Windows that only day differences count, column-wise.
    differenced = _difference_figures(
        derived,
        alone,
        alone_support,
        fusion,
        {
            s: nesting_of(nested, s, named, origin_names, audit=False)
            for s in _touched(nested).intersection(derived.scope[alone].tolist())
        },
    )
    slow_figures = {
        scope_id: estimate_figures(
            slow_set, scope_id, records, fusion, slow_support,
            nesting_of(nested, scope_id, named, origin_names, audit=False),
        )
        for scope_id, records in by_scope.items()
    }  # fmt: skip
    slow_figures.update(differenced)

    @functools.cache
    def slow_estimates() -> dict[int, Estimate]:
        # The differences left as columns, as objects now: their audit tells their arithmetic.
        made = derived.claims(alone)
        supports = {
            **slow_support,
            **{id(c): float(s) for c, s in zip(made, alone_support.tolist(), strict=True)},
        }
        records = {scope_id: list(listed) for scope_id, listed in by_scope.items()}
        for record in _records(made):
            records.setdefault(record.scope, []).append(record)
        return {
            scope_id: _estimate(
                table, slow_set, scope_id, scope_records, fusion, supports,
                int(rank_of[scope_id]), nesting_of(nested, scope_id, named, origin_names),
                slow_figures[scope_id],
            )
            for scope_id, scope_records in records.items()
        }  # fmt: skip

    def received(scope_id: int) -> tuple[Received, ...]:
        return nesting_of(nested, scope_id, named, origin_names).received

    figures = _fast_figures(_ClaimFigures.of_reports(quantities, codes, fast), fast_support, fusion)
    patches = _patches(nested, figures, fast, fast_support, quantities, codes, origin_names)
    columns = _columns(table, ids, scopes, ranked, fusion, figures, slow_figures, patches)

    def build() -> tuple[Estimate, ...]:
        return _estimates(
            table, codes, scopes, ranked, rank_of, fusion, fast, fast_support, figures,
            origin_names, slow_estimates(), patches, received,
        )  # fmt: skip

    def phrases() -> list[str | None]:
        # The reports each slow estimate used, from its audit alone: no Estimate objects.
        evidence: dict[int, Sequence[Evidence]] = dict.fromkeys(derived.scope[alone].tolist(), ())
        evidence.update(
            (scope_id, _audit(table, records, slow_support)[0])
            for scope_id, records in by_scope.items()
        )
        return _phrases(table, fast, evidence, ranked, len(scopes))

    if nested is not None:
        notes += nested.notes
    return Reconciliation(build, table, notes, table.findings, columns=columns, phrases=phrases)


class _Codes:
    """The table's code columns as int64 arrays, each converted from its list once."""

    def __init__(self, table: ReportTable) -> None:
        self.outcome = _codes(table.outcome)
        self.category = _codes(table.category)
        self.place = _codes(table.place)
        self.window = _codes(table.window)
        self.source = _codes(table.source)
        self.count = _codes(table.count)
        self.grade = _codes(table.grade)
        self.published = _codes(table.published)


class _Quantities:
    """Per count level, every figure the column-wise path reads, taken from the objects once.

    Components are flattened level by level: ``offset[level]`` is where a level's ``size``
    components start in ``low``, ``high`` and ``weight``.
    """

    def __init__(self, levels: Sequence[Quantity]) -> None:
        n = len(levels)
        # Every attribute read once per level, then transposed: a level's figures side by side.
        read = attrgetter("kind", "value", "low", "high", "kernel", "conservative")
        kinds, values, lows, highs, kernels, conservative = (
            zip(*map(read, levels), strict=True) if n else ((),) * 6
        )
        self.size = np.fromiter(map(len, kernels), np.int64, n)
        self.offset = np.cumsum(self.size) - self.size
        flat = [component for kernel in kernels for component in kernel]
        low, high, weight = zip(*map(_BAND, flat), strict=True) if flat else ((), (), ())
        self.low = np.array(low, np.int64)
        self.high = np.array(high, np.int64)
        self.weight = np.array(weight, np.float64)
        starts = self.offset if len(flat) else np.zeros(0, np.int64)
        self.support_low = np.minimum.reduceat(self.low, starts) if len(flat) else starts
        self.support_high = np.maximum.reduceat(self.high, starts) if len(flat) else starts
        self.exact = np.array([kind is QuantityKind.EXACT for kind in kinds], np.bool_)
        self.value = np.array([value or 0 for value in values], np.int64)
        self.conservative = np.array(conservative, np.int64)
        self.stated_low, self.stated_high = _stated(
            np.array([kind is QuantityKind.RANGE for kind in kinds], np.bool_),
            np.array([value is not None for value in values], np.bool_),
            self.value,
            np.array(lows, np.int64),
            np.array([high is not None for high in highs], np.bool_),
            np.array([high or 0 for high in highs], np.int64),
        )
        # Levels with equal kernels share an id: repeats of one figure in two spellings
        # ("1,234" and "1234") are one claim.  Keyed on the flat numbers, not the objects.
        self.kernel_id = _kernel_ids(self)


_BAND = attrgetter("low", "high", "weight")


def _stated(
    is_range: BoolArray,
    has_value: BoolArray,
    value: IntArray,
    low: IntArray,
    has_high: BoolArray,
    high: IntArray,
) -> tuple[IntArray, IntArray]:
    """``claims._claim_of``'s stated interval of each quantity: the value (else the low end)
    up to the high end (else the value, else the low end); a range from its low end to its
    high end (else its low end).  ``value`` and ``high`` are 0 where missing."""
    upper = np.where(has_high, high, np.where(value != 0, value, low))
    lower = np.where(has_value, value, low)
    lower = np.where(is_range, low, lower)
    upper = np.where(is_range, np.where(high != 0, high, low), upper)
    return np.minimum(lower, upper), np.maximum(lower, upper)


def _kernel_ids(quantities: _Quantities) -> IntArray:
    n_levels = quantities.size.size
    if n_levels == 0:
        return np.zeros(0, np.int64)
    width = int(quantities.size.max())
    # One row per level: its components' (low, high, weight bits), padded; equal rows, one id.
    table = np.full((n_levels, 3 * width + 1), -1, np.int64)
    table[:, 0] = quantities.size
    level = np.repeat(np.arange(n_levels), quantities.size)
    slot = np.arange(level.size) - quantities.offset[level]
    table[level, 1 + slot] = quantities.low
    table[level, 1 + width + slot] = quantities.high
    table[level, 1 + 2 * width + slot] = quantities.weight.view(np.int64)
    # np.unique(table, axis=0)'s inverse, by a lexsort of the columns (a fifth of the time):
    # rows in lexicographic order, each numbered by the distinct rows before it.
    order = np.lexsort(table.T[::-1])
    ordered = table[order]
    new = np.ones(n_levels, np.bool_)
    np.any(ordered[1:] != ordered[:-1], axis=1, out=new[1:])
    ids = np.empty(n_levels, np.int64)
    ids[order] = np.cumsum(new) - 1
    return ids


class _ScopeList(Sequence[Scope]):
    """The scopes by id, made from their first report's levels only when asked for.

    Scopes that only derived claims cover (from the Python path) are appended at the end.
    """

    def __init__(self, table: ReportTable, ids: _ScopeIds) -> None:
        self._table = table
        self._levels = ids.levels
        self._n_row = ids.first_row.size
        self._made: dict[int, Scope] = {}
        self.extra: list[Scope] = []

    def __len__(self) -> int:
        return self._n_row + len(self.extra)

    def __getitem__(self, index: int) -> Scope:  # type: ignore[override]
        if index >= self._n_row:
            return self.extra[index - self._n_row]
        scope = self._made.get(index)
        if scope is None:
            scope = self._made[index] = self._make([index])[0]
        return scope

    def append(self, scope: Scope) -> None:
        self.extra.append(scope)

    def made(self, indices: Sequence[int]) -> list[Scope]:
        """The scopes of ``indices`` (scopes of reports, not added ones), made at once."""
        return self._make(indices)

    def all(self) -> list[Scope]:
        return [*self._make(range(self._n_row)), *self.extra]

    def __iter__(self) -> Iterator[Scope]:
        return iter(self.all())  # all at once, not one ``_make`` an index

    def _make(self, indices: Sequence[int]) -> list[Scope]:
        table, levels = self._table, self._levels
        picked = np.asarray(indices, np.int64)
        outcomes, categories = table.outcome.levels, table.category.levels
        places, windows = table.place.levels, table.window.levels
        return [
            Scope(outcomes[o], categories[c], places[p], w.start, w.end, w.cumulative)
            for o, c, p, w in zip(
                levels.outcome[picked].tolist(),
                levels.category[picked].tolist(),
                levels.place[picked].tolist(),
                [windows[code] for code in levels.window[picked].tolist()],
                strict=True,
            )
        ]


# --- scope ids ------------------------------------------------------------------------------------


def _codes(factor: Factor[Any]) -> IntArray:
    return np.asarray(factor.codes, dtype=np.int64).reshape(-1)


class _ScopeIds:
    """Scope ids numbered as ``claims.scope_rows`` numbers them, computed column-wise."""

    def __init__(
        self,
        of_row: IntArray,
        first_row: IntArray,
        outcome: IntArray,
        category: IntArray,
        place: IntArray,
        window: IntArray,
        levels: _ScopeLevels,
    ) -> None:
        self.levels = levels
        self.of_row = of_row
        self.first_row = first_row
        # Per scope: canonical outcome, category and place ids, and window level code.
        self.outcome = outcome
        self.category = category
        self.place = place
        self.window = window

    @property
    def count(self) -> int:
        return int(self.first_row.size)

    @classmethod
    def build(cls, table: ReportTable, codes: _Codes) -> _ScopeIds:
        # Two spellings ("" and "killed") parse to one outcome: the scope keys by the value.
        outcome_of_level, _ = distinct_ids(table.outcome.levels)
        # Two spellings of one path (case, spacing) are one id.
        category_of_level, _ = distinct_ids([path_key(c) for c in table.category.levels])
        place_of_level, _ = distinct_ids([path_key(p) for p in table.place.levels])
        # Window levels are usually distinct, but equal windows must share an id.
        window_of_level, n_windows = distinct_ids(table.window.levels)
        outcome = outcome_of_level[codes.outcome]
        category = category_of_level[codes.category]
        place = place_of_level[codes.place]
        window = window_of_level[codes.window]
        key = combine(
            (outcome, len(table.outcome.levels)),
            (category, int(category_of_level.max(initial=0)) + 1),
            (place, int(place_of_level.max(initial=0)) + 1),
            (window, n_windows),
        )
        # scope_rows numbers the scopes by first appearance.
        of_row, first_row = first_seen(key)
        # A Scope holds the levels of its first report, as in scope_rows.
        levels = _ScopeLevels(
            codes.outcome[first_row],
            codes.category[first_row],
            codes.place[first_row],
            codes.window[first_row],
        )
        return cls(
            of_row,
            first_row,
            outcome[first_row],
            category[first_row],
            place[first_row],
            levels.window,
            levels,
        )


class _ScopeLevels(NamedTuple):
    """Per scope, the level codes of its first report: outcome, category, place, window."""

    outcome: IntArray
    category: IntArray
    place: IntArray
    window: IntArray


def _ordinals(days: Sequence[date | None], missing: int) -> IntArray:
    """Day numbers (``date.toordinal``), ``missing`` where there is no date."""
    return np.array([day.toordinal() if day else missing for day in days], np.int64)


def _origins(table: ReportTable, codes: _Codes) -> tuple[list[str], IntArray]:
    """Canonical origin names, and each row's origin id (two source codes may name one string)."""
    seen: dict[str, int] = {}
    of_level = np.array([seen.setdefault(s, len(seen)) for s in table.source.levels], np.int64)
    return list(seen), of_level[codes.source]


def _groups(ids: _ScopeIds, origin_of_row: IntArray) -> IntArray:
    """Per report, the id of its (scope, origin) group: one origin's word on one scope."""
    n_origins = int(origin_of_row.max(initial=0)) + 1
    key = combine((ids.of_row, ids.count), (origin_of_row, n_origins))
    _, group = np.unique(key, return_inverse=True)
    return group.reshape(-1).astype(np.int64)


def _ranks(names: Sequence[str]) -> IntArray:
    """Position of each name in sorted order: build_claims sorts claims by the origin string."""
    order = sorted(range(len(names)), key=names.__getitem__)
    ranks = np.empty(len(names), np.int64)
    ranks[np.array(order, np.int64)] = np.arange(len(names))
    return ranks


# --- routing --------------------------------------------------------------------------------------


def routed_scopes(table: ReportTable) -> BoolArray:
    """Per scope (numbered as ``scope_rows`` does), whether it takes the Python path."""
    codes = _Codes(table)
    ids = _ScopeIds.build(table, codes)
    _, origin_of_row = _origins(table, codes)
    group = _groups(ids, origin_of_row)
    quantities = _Quantities(table.count.levels)
    return _routed_scopes(table, codes, quantities, ids, origin_of_row, group)[0]


def _routed_scopes(
    table: ReportTable,
    codes: _Codes,
    quantities: _Quantities,
    ids: _ScopeIds,
    origin_of_row: IntArray,
    group_of_row: IntArray,
) -> tuple[BoolArray, _Differences | None]:
    """Scopes the Python rules of claims.py might touch (a superset, for safety), and the day
    differences of the cumulative series left to the column-wise path (see ``_route_series``)."""
    n_scopes = ids.count
    slow = np.zeros(n_scopes, np.bool_)

    # An origin heard several times with different figures: supersession, subsumption or
    # inconsistency.  Repeats of one figure (relays, the commonest case) stay column-wise.
    kernel = quantities.kernel_id[codes.count]
    lowest = np.full(int(group_of_row.max(initial=0)) + 1, np.iinfo(np.int64).max)
    highest = np.full(lowest.size, -1)
    np.minimum.at(lowest, group_of_row, kernel)
    np.maximum.at(highest, group_of_row, kernel)
    mixed = lowest != highest
    slow[ids.of_row[mixed[group_of_row]]] = True

    # Sums of complete breakdowns: every scope naming a part or a parent of a complete node.
    names: set[str] = set()
    for node in table.categories.values():
        if node.complete and node.parts:
            names.add(name_key(node.name))
            names.update(map(name_key, node.parts))
    if names:
        involved = np.array(
            [
                any(name_key(part) in names for part in path)
                or (not path and ROOT_CATEGORY in names)
                for path in table.category.levels
            ],
            np.bool_,
        )
        slow[ids.of_row[involved[codes.category]]] = True

    # Sums of complete places: every scope at a part or at the parent of a complete place.
    complete_places: set[tuple[str, ...]] = set()
    for node in table.places.values():
        if node.complete and node.parts:
            parent = place_key(node.name)
            complete_places.add(parent)
            complete_places.update((*parent, name_key(part)) for part in node.parts)
    if complete_places:
        touched = np.array(
            [path_key(path) in complete_places for path in table.place.levels],
            np.bool_,
        )
        slow[ids.of_row[touched[codes.place]]] = True

    # Sums of complete breakdowns draw on the members of series too: then every series that
    # derives anything goes to the Python path, which adds the sums and the differences in order.
    columnwise = not names and not complete_places
    differences = _route_series(table, codes, quantities, ids, origin_of_row, slow, columnwise)
    return slow, differences


class _Differences(NamedTuple):
    """The day differences of the series left column-wise: one per consecutive pair of members.

    ``before`` and ``after`` are the members' scopes, ``origin`` the series' origin id, the
    figures and ends (day ordinals) those of the members, ``span`` a key equal for equal
    windows, and ``target`` the scope that already has that window (−1: a new scope).
    """

    before: IntArray
    after: IntArray
    origin: IntArray
    before_figure: IntArray
    after_figure: IntArray
    before_end: IntArray
    after_end: IntArray
    span: IntArray
    target: IntArray


def _route_series(
    table: ReportTable,
    codes: _Codes,
    quantities: _Quantities,
    ids: _ScopeIds,
    origin_of_row: IntArray,
    slow: BoolArray,
    columnwise: bool,
) -> _Differences | None:
    """Cumulative series of one origin that yield a cap or a day difference, and their targets.

    ``claims._derive_differences`` chains one origin's exact "as of" claims by (outcome,
    category, place, start), as the scope's first report spells them, and sorts them by end.  A
    chain derives a revision cap where a later figure is lower, and a day difference where a
    non-cumulative scope spans exactly the days between two consecutive members.

    A chain whose figures never fall derives only differences, and those are computed here,
    column-wise (``columnwise``), unless a member is routed for another reason or a
    difference would meet a report of the same origin, or a difference that the Python path
    derives, in its window.  Every other chain that derives anything goes to the Python path
    whole, with the windows its differences land on.  A window that already has reports goes
    to the Python path too, where the column-wise differences join its claims.
    """
    levels = table.window.levels
    start = _ordinals([w.start for w in levels], _NO_DATE)
    end = _ordinals([w.end for w in levels], _NO_DATE)
    cumulative = np.array([w.cumulative for w in levels], np.bool_)
    exact, value = quantities.exact, quantities.value
    window, count = codes.window, codes.count
    rows = np.flatnonzero(cumulative[window] & (end[window] != _NO_DATE) & exact[count])
    if rows.size == 0:
        return None
    scope = ids.of_row[rows]
    outcome_id, _ = distinct_ids(table.outcome.levels)
    category_id, n_categories = distinct_ids(table.category.levels)
    place_id, n_places = distinct_ids(table.place.levels)
    scope_window = ids.levels.window[scope]
    chain = combine(
        (origin_of_row[rows], int(origin_of_row.max()) + 1),
        (outcome_id[ids.levels.outcome[scope]], len(table.outcome.levels)),
        (category_id[ids.levels.category[scope]], n_categories),
        (place_id[ids.levels.place[scope]], n_places),
        (start[scope_window] + 1, int(start.max(initial=0)) + 2),
    )
    figure, member_end = value[count[rows]], end[scope_window]
    # One entry per chain member (a member's relays repeat its end and figure), sorted by end.
    order = np.lexsort((figure, member_end, chain))
    c, e, f, m = chain[order], member_end[order], figure[order], scope[order]
    first = np.r_[True, (c[1:] != c[:-1]) | (e[1:] != e[:-1])]
    c, e, f, m, o = c[first], e[first], f[first], m[first], origin_of_row[rows][order][first]
    pair = c[1:] == c[:-1]
    falls = pair & (f[1:] < f[:-1])
    # Differences: the non-cumulative scope of the days after one member, up to the next.
    # Scopes and spans are keyed in one call, so that equal tuples get equal keys.
    top = int(end.max(initial=0)) + 3
    after = m[1:]
    keys = combine(
        (np.r_[ids.outcome, ids.outcome[after]], int(ids.outcome.max(initial=0)) + 1),
        (np.r_[ids.category, ids.category[after]], int(ids.category.max(initial=0)) + 1),
        (np.r_[ids.place, ids.place[after]], int(ids.place.max(initial=0)) + 1),
        (np.r_[start[ids.window] + 1, e[:-1] + 2], top),
        (np.r_[end[ids.window] + 1, e[1:] + 1], top),
    )
    target_key, span = keys[: ids.count], keys[ids.count :]
    daily = ~cumulative[ids.window]
    # Every rising pair derives the count of the days between (a new scope if none has it).
    lands = pair & ~falls
    if not columnwise:
        busy = distinct(np.concatenate([c[1:][falls], c[1:][lands], chain[slow[scope]]]))
        member = np.isin(chain, busy)
        if member.any():
            slow[scope[member]] = True
            slow[daily & np.isin(target_key, span[lands])] = True
        return None
    link = _SeriesLinks.build(c, m, o, lands, falls)
    target = _existing(target_key, daily, span[lands])
    n_origins = int(origin_of_row.max(initial=0)) + 1
    routed = link.routed(slow, target, ids.of_row * n_origins + origin_of_row, n_origins)
    slow[m[routed[link.chain_of_member]]] = True
    slow[target[target >= 0]] = True  # windows with reports of their own: the Python path
    kept = ~routed[link.pair_chain]
    at = np.flatnonzero(lands)[kept]
    return _Differences(
        before=m[at],
        after=m[at + 1],
        origin=o[at],
        before_figure=f[at],
        after_figure=f[at + 1],
        before_end=e[at],
        after_end=e[at + 1],
        span=span[lands][kept],
        target=target[kept],
    )


def _existing(target_key: IntArray, daily: BoolArray, spans: IntArray) -> IntArray:
    """Per span, the non-cumulative scope with that window, or −1."""
    candidates = np.flatnonzero(daily)
    if candidates.size == 0:
        return np.full(spans.size, -1, np.int64)
    keys = target_key[candidates]
    order = np.argsort(keys, kind="stable")
    keys, candidates = keys[order], candidates[order]
    at = np.minimum(np.searchsorted(keys, spans), keys.size - 1)
    return np.where(keys[at] == spans, candidates[at], -1).astype(np.int64)


class _SeriesLinks(NamedTuple):
    """Chains and their members' scopes, and the chain of each rising pair.

    A chain goes to the Python path when it falls (a revision cap), when a member scope is
    routed (the sub-table must hold the whole chain), or when a difference of its would meet a
    report of the same origin in its window (claims.py merges the two).  Routing spreads: a
    routed chain routes its members' scopes, and so every chain through them.  Chains that land
    on one window run through the same two scopes (every "as of" window starts at the incident's
    start), so a window never joins chains that their scopes do not.
    """

    chain_of_member: IntArray
    member_scope: IntArray
    pair_chain: IntArray
    pair_origin: IntArray
    seeds: BoolArray  # chains routed from the start: those that fall

    @classmethod
    def build(
        cls, c: IntArray, m: IntArray, o: IntArray, lands: BoolArray, falls: BoolArray
    ) -> _SeriesLinks:
        """From the members sorted by chain (``c``), with their scopes and origins, and which
        consecutive pairs land (rise) or fall."""
        chain_of_member = np.cumsum(np.r_[False, c[1:] != c[:-1]]).astype(np.int64)
        seeds = np.zeros(int(chain_of_member[-1]) + 1, np.bool_)
        seeds[chain_of_member[1:][falls]] = True
        return cls(chain_of_member, m, chain_of_member[1:][lands], o[1:][lands], seeds)

    def routed(
        self, slow: BoolArray, target: IntArray, group_key: IntArray, n_origins: int
    ) -> BoolArray:
        """Per chain, whether it goes to the Python path, given the scopes already routed and
        each rising pair's existing window (``group_key``: scope·n + origin of every report)."""
        routed = self.seeds.copy()
        own = (target >= 0) & np.isin(target * n_origins + self.pair_origin, group_key)
        routed[self.pair_chain[own]] = True
        scope_routed = slow.copy()
        while True:
            scope_routed[self.member_scope[routed[self.chain_of_member]]] = True
            through = np.zeros(routed.size, np.bool_)
            np.logical_or.at(through, self.chain_of_member, scope_routed[self.member_scope])
            spread = routed | through
            if (spread == routed).all():
                return routed
            routed = spread


# --- families ---------------------------------------------------------------------------------

_DAY_STEP = 1 << 22  # above every date ordinal: keeps a running maximum inside its group


def _family_candidates(
    table: ReportTable, ids: _ScopeIds, scopes: _ScopeList, any_window: bool
) -> tuple[IntArray, ScopeColumns]:
    """Scopes that may belong to a family (a superset; engine/families.py decides), and the
    coordinates of every scope as ids, from which the families can be found column-wise.

    A family's members share every coordinate but one with another scope: the same outcome,
    place and window (categories), outcome, category and window (places), or outcome, category
    and place (time: a cumulative series, windows that overlap, the days between two bulletins).
    When a complete category may add a sum or a residual, every scope that shares its outcome
    and its window or its place with another is a candidate too.
    """
    levels = ids.levels
    extra = scopes.extra
    level_outcomes = [str(o) for o in table.outcome.levels]
    extra_outcomes = [str(x.outcome) for x in extra]
    outcome = _ids_with_extra(level_outcomes, levels.outcome, extra_outcomes)
    category_paths = _paths_with_extra(
        table.category.levels, levels.category, [x.category for x in extra]
    )
    place_paths = _paths_with_extra(table.place.levels, levels.place, [x.place for x in extra])
    category = (category_paths.own, category_paths.n_ids)
    place = (place_paths.own, place_paths.n_ids)
    windows = table.window.levels
    window = _ids_with_extra(
        [(w.start, w.end, w.cumulative) for w in windows],
        levels.window,
        [(x.start, x.end, x.cumulative) for x in extra],
    )
    s_start = np.concatenate(
        [
            _ordinals([w.start for w in windows], 0)[levels.window],
            _ordinals([x.start for x in extra], 0),
        ]
    )
    s_end = np.concatenate(
        [
            _ordinals([w.end for w in windows], 0)[levels.window],
            _ordinals([x.end for x in extra], 0),
        ]
    )
    cumulative = np.concatenate(
        [
            np.array([w.cumulative for w in windows], np.bool_)[levels.window],
            np.array([x.cumulative for x in extra], np.bool_),
        ]
    )
    n = cumulative.size
    # A category (or place) with an ancestor among the scopes of its outcome, place (or
    # category) and window, or the ancestor of one.
    wanted = _nested_in_group(_group_ids(combine(outcome, place, window)), category_paths)
    wanted |= _nested_in_group(_group_ids(combine(outcome, category, window)), place_paths)
    declared = [*table.categories.values(), *table.places.values()]
    if any(node.complete and node.parts for node in declared):
        # A sum or a residual added for a complete category (or a sum for a complete place) may
        # join any place of its window, and any window of its place (a series).
        wanted |= _shared(combine(outcome, window)) | _shared(combine(outcome, place))
        # And a part may be all of its breakdown (its only declared part): alone, it still
        # gives its whole a sum.
        wanted |= _in_complete_breakdown(table, levels, extra)
    series = combine(outcome, category, place)
    chain = combine((series, int(series.max(initial=0)) + 1), (s_start, _DAY_STEP))
    in_series = cumulative & _shared(np.where(cumulative, chain, -1 - np.arange(n)))
    wanted |= in_series
    daily = ~cumulative
    if any_window:
        wanted |= daily  # a --period may gather any window
    else:
        # The days between two bulletins of a series: a window from the day after one
        # bulletin to the day of another.
        bulletin = (series * _DAY_STEP + s_end)[in_series]
        after_one = np.isin(series * _DAY_STEP + s_start - 1, bulletin)
        up_to_one = np.isin(series * _DAY_STEP + s_end, bulletin)
        wanted |= daily & after_one & up_to_one
        wanted |= daily & _overlapping(series, s_start, s_end, daily)
    # Outcome ids are given as ``_ids_with_extra`` meets the texts: rank them by the texts.
    outcome_rank = _text_ranks(list(dict.fromkeys([*level_outcomes, *extra_outcomes])))
    order = np.empty(n, np.int64)
    order[
        np.lexsort(
            (
                cumulative,
                s_end,
                s_start,
                place_paths.rank[place_paths.own],
                category_paths.rank[category_paths.own],
                outcome_rank[outcome[0]],
            )
        )
    ] = np.arange(n)
    columns = ScopeColumns(
        outcome[0], category_paths, place_paths, window[0], s_start, s_end, cumulative, order
    )
    return np.flatnonzero(wanted), columns


def _text_ranks(texts: Sequence[str]) -> IntArray:
    """Each text's place among ``texts`` sorted."""
    rank = np.zeros(max(len(texts), 1), np.int64)
    rank[sorted(range(len(texts)), key=texts.__getitem__)] = np.arange(len(texts))
    return rank


def _in_complete_breakdown(
    table: ReportTable, levels: _ScopeLevels, extra: Sequence[Scope]
) -> BoolArray:
    """Scopes whose category or place is a complete breakdown's whole, or lies at or below one
    of its parts.

    The whole is among them because the sum its parts give it may be a scope of its own, added
    by the families, which then joins the whole's other windows in a series.
    """
    names: set[str] = set()
    for node in table.categories.values():
        if node.complete and node.parts:
            names.add(name_key(node.name))
            names.update(map(name_key, node.parts))
    parents: set[tuple[str, ...]] = set()
    for node in table.places.values():
        if node.complete and node.parts:
            parents.add(place_key(node.name))

    def by_category(path: tuple[str, ...]) -> bool:
        if not path:
            return ROOT_CATEGORY in names
        return any(name_key(part) in names for part in path)

    def by_place(path: tuple[str, ...]) -> bool:
        keyed = path_key(path)
        return any(keyed[:cut] in parents for cut in range(len(keyed) + 1))

    def flags(
        test: Callable[[tuple[str, ...]], bool],
        per_level: Sequence[tuple[str, ...]],
        codes: IntArray,
        per_extra: Sequence[tuple[str, ...]],
    ) -> BoolArray:
        of_level = np.fromiter(map(test, per_level), np.bool_, len(per_level))
        more = np.fromiter(map(test, per_extra), np.bool_, len(per_extra))
        return np.concatenate([of_level[codes], more])

    return flags(
        by_category, table.category.levels, levels.category, [x.category for x in extra]
    ) | flags(by_place, table.place.levels, levels.place, [x.place for x in extra])


def _paths_with_extra(
    per_level: Sequence[tuple[str, ...]], codes: IntArray, per_extra: Sequence[tuple[str, ...]]
) -> PathColumns:
    seen: dict[tuple[str, ...], int] = {}
    keyed = [path_key(path) for path in per_level]
    keyed_extra = [path_key(path) for path in per_extra]
    depth = max((len(path) for path in [*keyed, *keyed_extra]), default=0)

    def ids(paths: Sequence[tuple[str, ...]], cut: int | None) -> IntArray:
        return np.array(
            [
                seen.setdefault(path if cut is None else path[:cut], len(seen))
                if cut is None or len(path) > cut
                else -1
                for path in paths
            ],
            np.int64,
        )

    own = np.concatenate([ids(keyed, None)[codes], ids(keyed_extra, None)])
    prefixes = [
        np.concatenate([ids(keyed, cut)[codes], ids(keyed_extra, cut)]) for cut in range(depth)
    ]
    rank = np.zeros(max(len(seen), 1), np.int64)
    rank[[seen[path] for path in sorted(seen)]] = np.arange(len(seen))
    return PathColumns(own, prefixes, rank, max(len(seen), 1))


def _group_ids(key: IntArray) -> IntArray:
    _, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64)


def _nested_in_group(group: IntArray, paths: PathColumns) -> BoolArray:
    """Scopes whose path has an ancestor in their group, and those ancestors."""
    node, n_nodes = paths.own, paths.n_ids
    own = group * n_nodes + node
    found = np.zeros(group.size, np.bool_)
    for cut in paths.prefixes:
        longer = np.flatnonzero(cut >= 0)
        ancestor = group[longer] * n_nodes + cut[longer]
        hit = np.isin(ancestor, own)
        found[longer[hit]] = True
        found |= np.isin(own, ancestor[hit])
    return found


def _ids_with_extra(
    per_level: Sequence[Hashable], codes: IntArray, per_extra: Sequence[Hashable]
) -> tuple[IntArray, int]:
    """One id per distinct value, for the reported scopes (by level code) and then the extra."""
    seen: dict[Hashable, int] = {}
    of_level = np.array([seen.setdefault(v, len(seen)) for v in per_level], np.int64)
    more = np.array([seen.setdefault(v, len(seen)) for v in per_extra], np.int64)
    return np.concatenate([of_level[codes], more]), max(len(seen), 1)


def _shared(key: IntArray) -> BoolArray:
    """Whether each key occurs more than once."""
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    shared: BoolArray = counts[inverse.reshape(-1)] > 1
    return shared


def _overlapping(series: IntArray, start: IntArray, end: IntArray, daily: BoolArray) -> BoolArray:
    """Windows of a series in which two non-cumulative windows overlap (all its windows)."""
    rows = np.flatnonzero(daily)
    found = np.zeros(series.size, np.bool_)
    if rows.size < 2:
        return found
    order = rows[np.lexsort((end[rows], start[rows], series[rows]))]
    s, a, b = series[order], start[order], end[order]
    group = np.cumsum(run_starts(s))
    # The latest end of the earlier windows of the same series (offset per group, so that one
    # running maximum serves them all; a group's first window sees a negative reach).
    reach = np.r_[0, np.maximum.accumulate(b + group * _DAY_STEP)[:-1]] - group * _DAY_STEP
    overlaps = a <= reach
    found[rows] = np.isin(series[rows], s[overlaps])
    return found


# --- the Python path ------------------------------------------------------------------------------


class _Slow:
    """The routed scopes' claims and records, renumbered to the full table's rows and scopes."""

    def __init__(self, origin_id: dict[str, int]) -> None:
        self.origin_id = origin_id
        self.claims: list[Claim] = []
        self.records: list[Record] = []
        self.revised: set[int] = set()
        self.inconsistent: set[int] = set()


def _slow_claims(
    table: ReportTable,
    ids: _ScopeIds,
    rows: IntArray,
    scopes: _ScopeList,
    origin_names: Sequence[str],
) -> _Slow:
    slow = _Slow({name: i for i, name in enumerate(origin_names)})
    if rows.size == 0:
        return slow
    sub = table.take(rows.tolist())
    claim_set = build_claims(sub, table.categories)
    # Local scope → global scope: the sub-table's scopes appear in the same relative order.
    _, local_of_row = scope_rows(sub)
    scope_map = dict(zip(local_of_row, ids.of_row[rows].tolist(), strict=True))
    for local in range(len(scope_map), len(claim_set.scopes)):
        # A scope only derived claims cover: new in the full run too (see _routed_scopes).
        scope_map[local] = len(scopes)
        scopes.append(claim_set.scopes[local])
    row_map = rows.tolist()

    renamed: dict[int, Claim] = {}

    def claim_of(claim: Claim) -> Claim:
        new = renamed.get(id(claim))
        if new is None:
            # Constructors, not dataclasses.replace: several times faster per object.
            new = renamed[id(claim)] = Claim(
                scope_map[claim.scope],
                claim.origin,
                claim.kernel,
                claim.q,
                tuple(row_map[row] for row in claim.rows),
                claim.published,
                claim.exact,
                claim.stated,
                claim.conservative,
                claim.kind,
                claim.arithmetic,
            )
        return new

    slow.claims = [claim_of(claim) for claim in claim_set.claims]
    slow.records = [
        Record(
            scope_map[r.scope],
            None if r.row is None else row_map[r.row],
            r.origin,
            r.status,
            r.q,
            r.reason,
            None if r.claim is None else claim_of(r.claim),
        )
        for r in claim_set.records
    ]
    slow.revised = {scope_map[s] for s in claim_set.revised}
    slow.inconsistent = {scope_map[s] for s in claim_set.inconsistent}
    return slow


class _Derived:
    """The day differences of the column-wise series, as ``claims._day_differences`` makes
    them: derived claims held as columns, in ``build_claims``'s order (by scope, then origin),
    their Claim objects made only for the claims asked for.

    Per claim: its ``scope`` and ``origin`` (id), ``q``, the figures ``low`` and ``high`` of
    the counts ``before`` and ``after`` it (column-wise claims) as of the days ``first`` and
    ``last``, and its ``value``; ``rows`` and ``published`` are those counts' latest reports.
    """

    def __init__(
        self,
        origin_names: Sequence[str],
        columns: Mapping[str, NDArray[Any]],
        rows: Mapping[int, tuple[int, ...]],
        published: Mapping[int, PublishedKey],
    ) -> None:
        self.origin_names = origin_names
        self.scope: IntArray = columns["scope"]
        self.origin: IntArray = columns["origin"]
        self.before: IntArray = columns["before"]
        self.after: IntArray = columns["after"]
        self.low: IntArray = columns["low"]
        self.high: IntArray = columns["high"]
        self.first: IntArray = columns["first"]
        self.last: IntArray = columns["last"]
        self.q: FloatArray = columns["q"]
        self.value: IntArray = self.high - self.low
        self._rows = rows
        self._published = published
        self.n_rows = np.array(
            [
                len(rows[b]) + len(rows[a])
                for b, a in zip(self.before.tolist(), self.after.tolist(), strict=True)
            ],
            np.int64,
        )
        self._kernels: dict[int, Kernel] = {}

    @classmethod
    def of(
        cls,
        table: ReportTable,
        differences: _Differences | None,
        fast: _FastClaims,
        scopes: _ScopeList,
        origin_names: Sequence[str],
    ) -> _Derived:
        """The differences found column-wise (none if None), their new windows added to
        ``scopes``."""
        if differences is None or differences.before.size == 0:
            none: dict[str, NDArray[Any]] = dict.fromkeys(
                ("scope", "origin", "before", "after", "low", "high", "first", "last"),
                np.zeros(0, np.int64),
            )
            return cls(origin_names, {**none, "q": np.zeros(0, np.float64)}, {}, {})
        n_origins = len(origin_names)
        claim_key = fast.scope * n_origins + fast.origin
        by_key = np.argsort(claim_key, kind="stable")
        sorted_key = claim_key[by_key]

        def claim_of(scope: IntArray) -> IntArray:
            found: IntArray = by_key[
                np.searchsorted(sorted_key, scope * n_origins + differences.origin)
            ]
            return found

        scope = np.array(_difference_scopes(differences, scopes), np.int64)
        # build_claims keeps its claims by scope, then by origin name.
        order = np.lexsort((_ranks(origin_names)[differences.origin], scope))
        before, after = claim_of(differences.before)[order], claim_of(differences.after)[order]
        members = sorted({*before.tolist(), *after.tolist()})
        columns = {
            "scope": scope[order],
            "origin": differences.origin[order],
            "before": before,
            "after": after,
            "low": differences.before_figure[order],
            "high": differences.after_figure[order],
            "first": differences.before_end[order],
            "last": differences.after_end[order],
            "q": np.minimum(fast.q[before], fast.q[after]),
        }
        published = {k: published_key(table.published[int(fast.rows[k])]) for k in members}
        return cls(origin_names, columns, _latest_rows(fast, members), published)

    def kernel(self, value: int) -> Kernel:
        """The kernel of a difference of ``value``: one per distinct value."""
        found = self._kernels.get(value)
        if found is None:
            found = self._kernels[value] = exact_kernel(value)
        return found

    def claims(self, picked: IntArray) -> list[Claim]:
        """The Claim objects of the differences ``picked``."""
        rows, published = self._rows, self._published
        return [
            derived_claim(
                scope,
                self.origin_names[origin],
                "derived_difference",
                self.kernel(high - low),
                high - low,
                q=q,
                rows=rows[b] + rows[a],  # two scopes: no row in both
                published=max(published[b], published[a]),
                arithmetic=difference_arithmetic(
                    low, high, date.fromordinal(first), date.fromordinal(last)
                ),
            )
            for scope, origin, b, a, low, high, first, last, q in zip(
                *(
                    column[picked].tolist()
                    for column in (
                        self.scope, self.origin, self.before, self.after, self.low,
                        self.high, self.first, self.last, self.q,
                    )
                ),
                strict=True,
            )
        ]  # fmt: skip

    def support(self, picked: IntArray) -> tuple[IntArray, IntArray]:
        """The smallest interval holding each picked claim's kernel."""
        bounds = [self.kernel(v) for v in self.value[picked].tolist()]
        low = np.array([min(c.low for c in k) for k in bounds], np.int64)
        high = np.array([max(c.high for c in k) for k in bounds], np.int64)
        return low, high


def _records(claims: Sequence[Claim]) -> list[Record]:
    """The record of each derived claim: used, as ``build_claims`` records one."""
    return [Record(c.scope, None, c.origin, Status.USED, c.q, "", c) for c in claims]


def _touched(nested: Nested | None) -> set[int]:
    """The scopes a family spoke to or flagged: their estimates read their nesting."""
    if nested is None:
        return set()
    return set(nested.messages) | set(nested.flags) | set(nested.families.residual)


def _difference_figures(
    derived: _Derived,
    picked: IntArray,
    support: FloatArray,
    fusion: Fusion,
    nestings: Mapping[int, NestingOfScope],
) -> dict[int, EstimateFigures]:
    """``estimate_figures`` of the windows that only the differences ``picked`` count, with
    their ``support``, column-wise: each difference is stated as an exact figure.
    ``nestings`` are what families told the windows they touched."""
    if picked.size == 0:
        return {}
    value = derived.value[picked]
    support_low, support_high = derived.support(picked)
    claims = _ClaimFigures(
        derived.scope[picked], derived.q[picked], value, value, value,
        support_low, support_high, derived.n_rows[picked],
    )  # fmt: skip
    figures = _fast_figures(claims, support, fusion)
    by_scope = figures.claims_by_scope.tolist()
    names = [derived.origin_names[o] for o in derived.origin[picked][by_scope].tolist()]
    strong = ((claims.q >= DISPUTE_MIN_Q) & (support >= CONTESTED_BELOW)).tolist()
    bands = _bands(support_low, support_high)
    found = {}
    for scope, cmin, cmax, cons, reports, origins, bits, first, kept in zip(
        figures.present.tolist(),
        figures.claimed_min.tolist(),
        figures.claimed_max.tolist(),
        figures.conservative.tolist(),
        figures.reports.tolist(),
        figures.origins.tolist(),
        figures.flag_bits.tolist(),
        figures.claim_start.tolist(),
        figures.any_kept.tolist(),
        strict=True,
    ):
        own = tuple(names[first : first + origins])  # by name, as build_claims orders them
        flags = _FLAG_SETS[bits]
        nesting = nestings.get(scope)
        if nesting is not None:
            told = [bands[k] for k in by_scope[first : first + origins] if strong[k]]
            flags, origins = _nested_flags(flags, own, nesting, told)
        found[scope] = EstimateFigures(
            cmin if kept else None,
            cmax if kept else None,
            cons if kept else None,
            reports,
            origins,
            flags,
            own,
        )
    return found


def _bands(low: IntArray, high: IntArray) -> list[tuple[int, int]]:
    """Each claim's support ``(low, high)`` as Python ints, read once for a loop over scopes."""
    return list(zip(low.tolist(), high.tolist(), strict=True))


def _nested_flags(
    flags: tuple[str, ...],
    origins: Iterable[str],
    nesting: NestingOfScope,
    strong: Sequence[tuple[int, int]],
) -> tuple[tuple[str, ...], int]:
    """A scope's flags and number of origins once its families have spoken (as
    ``estimate_figures`` reads them), from those of its own claims and the supports of its
    strong claims."""
    informed = set(origins) | nesting.origins
    found = (set(flags) - {"single_source"}) | nesting.flags
    if len(informed) == 1:
        found.add("single_source")
    if disputed_by_message(strong, nesting.disputing):
        found.add("disputed")
    return tuple(flag for flag in FLAG_ORDER if flag in found), len(informed)


def _latest_rows(fast: _FastClaims, claims: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """For these column-wise claims, their rows as ``claims._direct_claims`` gives them: the
    latest reports, in reading order (rows of one scope and origin all share the figure)."""
    latest = fast.report_latest
    rows, claim = fast.report_rows[latest], fast.report_claim[latest]
    order = np.lexsort((rows, claim))
    rows, claim = rows[order], claim[order]
    wanted = np.asarray(claims, np.int64)
    starts = np.searchsorted(claim, wanted).tolist()
    ends = np.searchsorted(claim, wanted, side="right").tolist()
    flat = rows.tolist()
    return {k: tuple(flat[a:b]) for k, a, b in zip(wanted.tolist(), starts, ends, strict=True)}


def _difference_scopes(differences: _Differences, scopes: _ScopeList) -> list[int]:
    """Per difference, its window's scope: the one that has it, or one added (claims.py's
    ``ScopeIndex.add``), a new window once however many origins land on it."""
    target: list[int] = differences.target.tolist()
    new_span: dict[int, int] = {}  # span → the first difference that lands on it
    for k, (span, found) in enumerate(zip(differences.span.tolist(), target, strict=True)):
        if found < 0:
            new_span.setdefault(span, k)
    if not new_span:
        return target
    # The new windows, made at once: the later count's scope, from the day after the earlier.
    firsts = list(new_span.values())
    later = scopes.made(differences.after[firsts].tolist())
    days = differences.before_end[firsts].tolist()
    index = {}
    for span, scope, day in zip(new_span, later, days, strict=True):
        index[span] = len(scopes)
        scopes.append(
            Scope(scope.outcome, scope.category, scope.place, date.fromordinal(day + 1), scope.end)
        )
    return [
        found if found >= 0 else index[span]
        for span, found in zip(differences.span.tolist(), target, strict=True)
    ]


# --- fusion input ---------------------------------------------------------------------------------


class _FastClaims:
    """The column-wise claims: one per scope and origin, each one report's figure.

    An origin heard several times in a scope with one figure (relays, repeats) makes one claim:
    the first of its latest reports is chosen, the others are duplicates (``_direct_claims``).
    Arrays named ``report_*`` run over the reports, the others over the claims.
    """

    def __init__(
        self,
        table: ReportTable,
        codes: _Codes,
        ids: _ScopeIds,
        origin_names: Sequence[str],
        origin_of_row: IntArray,
        group_of_row: IntArray,
        wanted: BoolArray,
    ) -> None:
        self.report_rows = np.flatnonzero(wanted)
        # The wanted reports' (scope, origin) groups, renumbered 0..n_claims-1 in group order.
        group = group_of_row[self.report_rows]
        used = np.zeros(int(group_of_row.max(initial=-1)) + 1, np.bool_)
        used[group] = True
        renumber = np.cumsum(used) - 1
        self.report_claim = renumber[group].astype(np.int64)
        n_claims = int(used.sum())

        published = _published_ranks(table)[codes.published[self.report_rows]]
        latest = np.full(n_claims, -1, np.int64)
        np.maximum.at(latest, self.report_claim, published)
        self.report_latest = published == latest[self.report_claim]
        rows = np.full(n_claims, np.iinfo(np.int64).max, np.int64)
        np.minimum.at(
            rows, self.report_claim[self.report_latest], self.report_rows[self.report_latest]
        )
        self.rows = rows
        self.scope = ids.of_row[rows]
        self.origin = origin_of_row[rows]
        self.q = _origin_q(
            table, codes, origin_names, self.origin, self.report_rows, self.report_claim
        )
        self.reports = np.bincount(self.report_claim, minlength=n_claims)


def _published_ranks(table: ReportTable) -> IntArray:
    """Per published level, its place in ``claims.published_key`` order (equal keys tie)."""
    keys = [published_key(value) for value in table.published.levels]
    position = {key: index for index, key in enumerate(sorted(set(keys)))}
    return np.array([position[key] for key in keys], np.int64)


def _origin_q(
    table: ReportTable,
    codes: _Codes,
    origin_names: Sequence[str],
    origin: IntArray,
    report_rows: IntArray,
    report_claim: IntArray,
) -> FloatArray:
    """``claims._origin_q`` per claim: the declared grade, else the best of its reports'."""
    declared = np.full(len(origin_names), np.nan)
    for index, name in enumerate(origin_names):
        source = table.sources.get(name)
        if source is not None and source.grade is not None:
            declared[index] = source.grade.q
    grade_q = np.array([grade.q for grade in table.grade.levels], np.float64)
    best = np.full(origin.size, -np.inf)
    np.maximum.at(best, report_claim, grade_q[codes.grade[report_rows]])
    own = declared[origin]
    return np.where(np.isnan(own), best, own)


class _KernelTable(NamedTuple):
    """Kernels flattened: kernel k's ``size[k]`` components start at ``offset[k]``."""

    size: IntArray
    offset: IntArray
    low: IntArray
    high: IntArray
    weight: FloatArray


def _kernel_table(quantities: _Quantities, extra: Sequence[Sequence[Component]]) -> _KernelTable:
    """The count levels' kernels, then ``extra`` ones (derived claims') numbered after them."""
    flat = [component for kernel in extra for component in kernel]
    size = np.concatenate([quantities.size, np.fromiter(map(len, extra), np.int64, len(extra))])
    return _KernelTable(
        size=size,
        offset=np.cumsum(size) - size,
        low=np.concatenate([quantities.low, np.array([c.low for c in flat], np.int64)]),
        high=np.concatenate([quantities.high, np.array([c.high for c in flat], np.int64)]),
        weight=np.concatenate([quantities.weight, np.array([c.weight for c in flat], np.float64)]),
    )


def _claim_arrays(
    scope: IntArray, kernel: IntArray, q: FloatArray, kernels: _KernelTable
) -> ClaimArrays:
    """Components gathered from one table per distinct kernel, with no Python loop per claim."""
    per_claim = kernels.size[kernel]
    comp_claim = np.repeat(np.arange(kernel.size, dtype=np.int64), per_claim)
    comp = np.repeat(kernels.offset[kernel], per_claim) + within(per_claim)
    return ClaimArrays(
        scope=scope,
        q=q,
        comp_claim=comp_claim,
        comp_low=kernels.low[comp],
        comp_high=kernels.high[comp],
        comp_weight=kernels.weight[comp],
    )


# --- estimates ------------------------------------------------------------------------------------


class _Figures(NamedTuple):
    """Per fast scope (``present``, ascending ids): the estimate's figures besides the fusion's."""

    present: IntArray
    claimed_min: IntArray  # -1: none (every claim discounted)
    claimed_max: IntArray
    conservative: IntArray
    reports: IntArray
    origins: IntArray
    flag_bits: IntArray
    claims_by_scope: IntArray  # claims sorted by scope
    claim_start: IntArray  # per present scope, its first position in claims_by_scope
    any_kept: BoolArray  # per present scope, whether a claim is not discounted


class _ClaimFigures(NamedTuple):
    """Per claim, what its estimate's figures read: its scope, q, stated interval, conservative
    figure, support (the smallest interval holding its kernel) and how many reports it has."""

    scope: IntArray
    q: FloatArray
    stated_low: IntArray
    stated_high: IntArray
    conservative: IntArray
    support_low: IntArray
    support_high: IntArray
    reports: IntArray

    @classmethod
    def of_reports(cls, quantities: _Quantities, codes: _Codes, fast: _FastClaims) -> _ClaimFigures:
        """The column-wise claims, each one count level's figures."""
        level = codes.count[fast.rows]
        return cls(
            fast.scope,
            fast.q,
            quantities.stated_low[level],
            quantities.stated_high[level],
            quantities.conservative[level],
            quantities.support_low[level],
            quantities.support_high[level],
            fast.reports,
        )


def _fast_figures(claims: _ClaimFigures, support: FloatArray, fusion: Fusion) -> _Figures:
    """``reconciliation._estimate``'s figures and flags for the scopes of ``claims`` (all
    their claims), column-wise."""
    by_scope = np.argsort(claims.scope, kind="stable")
    s_sorted = claims.scope[by_scope]
    starts = np.flatnonzero(run_starts(s_sorted))
    counts = np.diff(np.r_[starts, s_sorted.size])
    present = s_sorted[starts]

    def reduce(values: IntArray, ufunc: np.ufunc) -> IntArray:
        result: IntArray = ufunc.reduceat(values[by_scope], starts)
        return result

    if present.size == 0:
        empty = np.zeros(0, np.int64)
        return _Figures(
            empty, empty, empty, empty, empty, empty, empty, empty, empty, empty.astype(np.bool_)
        )
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    # Written as reconciliation._status reads a support (a NaN support would count as used).
    kept = ~(support < DISCOUNTED_BELOW)
    claimed_min = reduce(np.where(kept, claims.stated_low, big), np.minimum)
    claimed_max = reduce(np.where(kept, claims.stated_high, small), np.maximum)
    cons = reduce(np.where(kept, claims.conservative, big), np.minimum)
    any_kept = reduce(kept.astype(np.int64), np.maximum) > 0
    discounted = reduce((~kept).astype(np.int64), np.maximum) > 0
    contested_claim = kept & (support < CONTESTED_BELOW)
    contested = reduce(contested_claim.astype(np.int64), np.maximum) > 0
    strong = (claims.q >= DISPUTE_MIN_Q) & (support >= CONTESTED_BELOW)
    # Two strong claims with disjoint supports exist iff the lowest upper end of the strong ones
    # lies below the highest lower end (one claim alone always has low <= high).
    lowest_high = reduce(np.where(strong, claims.support_high, big), np.minimum)
    highest_low = reduce(np.where(strong, claims.support_low, small), np.maximum)
    disputed = (counts >= 2) & (lowest_high < highest_low)
    f_low, f_high = fusion.low[present], fusion.high[present]
    wide = (f_high + 1) / (f_low + 1) > WIDE_RANGE_RATIO
    bits = disputed * 1 + discounted * 2 + contested * 4 + (counts == 1) * 8 + wide * 16
    return _Figures(
        present=present,
        claimed_min=np.where(any_kept, claimed_min, -1),
        claimed_max=np.where(any_kept, claimed_max, -1),
        conservative=np.where(any_kept, cons, -1),
        reports=reduce(claims.reports, np.add),
        origins=counts,
        flag_bits=bits.astype(np.int64),
        claims_by_scope=by_scope,
        claim_start=starts,
        any_kept=any_kept,
    )


def _columns(
    table: ReportTable,
    ids: _ScopeIds,
    scopes: _ScopeList,
    ranked: IntArray,
    fusion: Fusion,
    figures: _Figures,
    slow_estimates: Mapping[int, EstimateFigures],
    patches: dict[int, _Patch],
) -> EstimateColumns:
    """The contract's columns in rank order, from level texts and per-scope arrays."""
    n_scopes = len(scopes)
    extra = scopes.extra
    levels = ids.levels

    def texts(
        per_level: Sequence[str | None], codes: IntArray, per_extra: Sequence[str | None]
    ) -> list[str | None]:
        by_scope = np.empty(n_scopes, object)
        by_scope[: codes.size] = _objects(per_level)[codes]
        by_scope[codes.size :] = _objects(per_extra)
        result: list[str | None] = by_scope[ranked].tolist()
        return result

    windows = table.window.levels
    columns: EstimateColumns = {
        "rank": list(range(1, ranked.size + 1)),
        "outcome": texts(
            [str(o) for o in table.outcome.levels], levels.outcome, [str(x.outcome) for x in extra]
        ),
        "category": texts(
            [category_path(c) for c in table.category.levels],
            levels.category,
            [x.category_path for x in extra],
        ),
        "place": texts(
            ["/".join(p) for p in table.place.levels],
            levels.place,
            [x.place_path for x in extra],
        ),
        "period_start": texts(
            [_iso(w.start) for w in windows], levels.window, [_iso(x.start) for x in extra]
        ),
        "period_end": texts(
            [_iso(w.end) for w in windows], levels.window, [_iso(x.end) for x in extra]
        ),
    }
    for name in ("best", "low", "high", "low95", "high95"):
        columns[name] = getattr(fusion, name)[ranked].tolist()
    flags: list[tuple[str, ...]] = [()] * n_scopes
    for scope, bits in zip(figures.present.tolist(), figures.flag_bits.tolist(), strict=True):
        flags[scope] = _FLAG_SETS[bits]
    optional = {
        "claimed_min": figures.claimed_min,
        "claimed_max": figures.claimed_max,
        "conservative": figures.conservative,
    }
    for name, values in optional.items():
        full = np.full(n_scopes, -1, np.int64)
        full[figures.present] = values
        for scope, estimate in slow_estimates.items():
            value = getattr(estimate, name)
            full[scope] = -1 if value is None else value
        columns[name] = [None if v < 0 else v for v in full[ranked].tolist()]
    for name in ("reports", "origins"):
        full = np.zeros(n_scopes, np.int64)
        full[figures.present] = getattr(figures, name)
        for scope, estimate in slow_estimates.items():
            full[scope] = getattr(estimate, name)
        if name == "origins":
            for scope, patch in patches.items():
                full[scope] = patch.origins
        columns[name] = full[ranked].tolist()
    for scope, estimate in slow_estimates.items():
        flags[scope] = estimate.flags
    for scope, patch in patches.items():
        flags[scope] = patch.flags
    columns["flags"] = [flags[scope] for scope in ranked.tolist()]
    cumulative = np.concatenate(
        [
            np.array([w.cumulative for w in windows], np.bool_)[levels.window],
            np.array([x.cumulative for x in extra], np.bool_),
        ]
    )
    return {
        **{name: columns[name] for name in ESTIMATE_FIELDS},
        "cumulative": cumulative[ranked].tolist(),
    }


class _Patch(NamedTuple):
    """A column-wise scope's flags and origins once its families have spoken."""

    flags: tuple[str, ...]
    origins: int


def _patches(
    nested: Nested | None,
    figures: _Figures,
    fast: _FastClaims,
    support: FloatArray,
    quantities: _Quantities,
    codes: _Codes,
    origin_names: Sequence[str],
) -> dict[int, _Patch]:
    """``reconciliation._estimate``'s flags for the fast scopes that took part in a family."""
    if nested is None:
        return {}
    touched = _touched(nested)
    position = {s: i for i, s in enumerate(figures.present.tolist())}
    at = sorted(position[s] for s in touched if s in position)  # others: the Python path's
    if not at:
        return {}
    # Every column read once for the scopes patched, then sliced per scope as Python lists.
    first = figures.claim_start[at]
    n = figures.origins[at]
    claims = figures.claims_by_scope[np.repeat(first, n) + within(n)]
    origin = fast.origin[claims].tolist()
    level = codes.count[fast.rows[claims]]
    strong_claim = (fast.q[claims] >= DISPUTE_MIN_Q) & (support[claims] >= CONTESTED_BELOW)
    bands = _bands(quantities.support_low[level], quantities.support_high[level])
    strong = strong_claim.tolist()
    patches: dict[int, _Patch] = {}
    ends = np.cumsum(n).tolist()
    scope_ids = figures.present[at].tolist()
    bits = figures.flag_bits[at].tolist()
    start = 0
    for scope_id, end, flag_bits in zip(scope_ids, ends, bits, strict=True):
        nesting = nesting_of(nested, scope_id, nested.scopes, origin_names, audit=False)
        own = [origin_names[o] for o in origin[start:end]]
        sure = [bands[i] for i in range(start, end) if strong[i]]
        flags, origins = _nested_flags(_FLAG_SETS[flag_bits], own, nesting, sure)
        patches[scope_id] = _Patch(flags, origins)
        start = end
    return patches


def _phrases(
    table: ReportTable,
    fast: _FastClaims,
    slow_evidence: Mapping[int, Sequence[Evidence]],
    ranked: IntArray,
    n_scopes: int,
) -> list[str | None]:
    """``used_phrases`` of every estimate in rank order, without making the estimates.

    A column-wise scope uses one report per claim, the chosen one; they are read in the
    evidence's order (file, line, row), as ``used_phrases`` reads them.
    """
    by_scope: list[str | None] = [None] * n_scopes
    rows = fast.rows
    if rows.size:
        line = np.asarray(table.lines, np.int64)[rows]
        file = np.asarray(table.file_codes, np.int64)[rows]
        order = np.lexsort((rows, line, file, fast.scope))
        texts = [quantity.text for quantity in table.count.levels]
        codes = table.count.codes
        scope_sorted = fast.scope[order].tolist()
        row_sorted = rows[order].tolist()
        start = 0
        for end in range(1, len(scope_sorted) + 1):
            if end == len(scope_sorted) or scope_sorted[end] != scope_sorted[start]:
                said = dict.fromkeys(texts[codes[row]] for row in row_sorted[start:end])
                by_scope[scope_sorted[start]] = "; ".join(said)
                start = end
    for scope_id, evidence in slow_evidence.items():
        by_scope[scope_id] = evidence_phrases(evidence, table)
    return [by_scope[scope] for scope in ranked.tolist()]


def _objects(values: Sequence[object]) -> NDArray[np.object_]:
    """A one-dimensional object array of ``values`` (np.array would nest tuples)."""
    array = np.empty(len(values), object)
    array[:] = values
    return array


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _estimates(
    table: ReportTable,
    codes: _Codes,
    scopes: _ScopeList,
    ranked: IntArray,
    rank_of: IntArray,
    fusion: Fusion,
    fast: _FastClaims,
    support: FloatArray,
    figures: _Figures,
    origin_names: Sequence[str],
    slow_estimates: dict[int, Estimate],
    patches: dict[int, _Patch],
    received: Callable[[int], tuple[Received, ...]],
) -> tuple[Estimate, ...]:
    """Every Estimate object with its audit trail, in rank order (made only when asked for)."""
    out: list[Estimate | None] = [None] * ranked.size
    for estimate in slow_estimates.values():
        out[estimate.rank - 1] = estimate
    if figures.present.size:
        _fast_estimates(
            table, codes, scopes, rank_of, fusion, fast, support, figures, origin_names, out
        )
        for scope_id, patch in patches.items():
            rank = int(rank_of[scope_id])
            made = out[rank - 1]
            if made is not None:
                out[rank - 1] = replace(
                    made, flags=patch.flags, origins=patch.origins, received=received(scope_id)
                )
    done = tuple(e for e in out if e is not None)
    if len(done) != ranked.size:
        raise RuntimeError("reconcile_fast: a scope with a claim has no estimate")
    return done


def _fast_estimates(
    table: ReportTable,
    codes: _Codes,
    scopes: _ScopeList,
    rank_of: IntArray,
    fusion: Fusion,
    fast: _FastClaims,
    support: FloatArray,
    figures: _Figures,
    origin_names: Sequence[str],
    out: list[Estimate | None],
) -> None:
    """Estimates of the fast scopes, with evidence in ``reconciliation._audit``'s order."""
    all_scopes = scopes.all()
    rows = fast.report_rows
    claim = fast.report_claim
    scope = fast.scope[claim]
    line = np.asarray(table.lines, np.int64)[rows]
    file = np.asarray(table.file_codes, np.int64)[rows]
    evidence_order = np.lexsort((rows, line, file, scope))
    # Reports per scope in evidence order: scope ids ascending, like figures.present.
    report_start = np.r_[0, np.cumsum(figures.reports)[:-1]].astype(np.int64)

    reasons: dict[float, tuple[Status, str]] = {}
    evidence_sorted = []
    chosen = fast.rows[claim] == rows
    e = evidence_order
    for row, c, is_chosen, is_latest in zip(
        rows[e].tolist(),
        claim[e].tolist(),
        chosen[e].tolist(),
        fast.report_latest[e].tolist(),
        strict=True,
    ):
        origin = origin_names[int(fast.origin[c])]
        q = float(fast.q[c])
        if is_chosen:
            s = float(support[c])
            told = reasons.get(s)
            if told is None:
                status = _status(s)
                told = reasons[s] = (status, _used_reason(status, s))
            evidence_sorted.append(Evidence(row, origin, told[0], q, s, told[1]))
            continue
        first = table.location(int(fast.rows[c]))
        if is_latest:
            via = table.via[row]
            relayed = f", relayed by {via}" if via else ""
            reason = f"the same figure as {first}{relayed}: {origin} counted once"
        else:
            reason = f"repeated later at {first}"
        evidence_sorted.append(Evidence(row, origin, Status.DUPLICATE_ORIGIN, q, None, reason))

    # Origin names per scope, sorted (one claim per origin).
    by_scope = figures.claims_by_scope
    ranks = _ranks(origin_names)
    name_order = np.lexsort((ranks[fast.origin[by_scope]], fast.scope[by_scope]))
    names_sorted = [origin_names[o] for o in fast.origin[by_scope][name_order].tolist()]

    present = figures.present
    columns = zip(
        present.tolist(),
        rank_of[present].tolist(),
        fusion.best[present].tolist(),
        fusion.low[present].tolist(),
        fusion.high[present].tolist(),
        fusion.low95[present].tolist(),
        fusion.high95[present].tolist(),
        report_start.tolist(),
        figures.reports.tolist(),
        figures.claim_start.tolist(),
        figures.origins.tolist(),
        figures.claimed_min.tolist(),
        figures.claimed_max.tolist(),
        figures.conservative.tolist(),
        figures.flag_bits.tolist(),
        strict=True,
    )
    for s, rank, best, low, high, low95, high95, r0, nr, c0, nc, cmin, cmax, cons, bits in columns:
        # Positional arguments in field order: the constructor runs once per scope.
        out[rank - 1] = Estimate(
            rank,
            all_scopes[s],
            best,
            low,
            high,
            low95,
            high95,
            None if cmin < 0 else cmin,
            None if cmax < 0 else cmax,
            None if cons < 0 else cons,
            nr,
            nc,
            _FLAG_SETS[bits],
            tuple(evidence_sorted[r0 : r0 + nr]),
            (),
            tuple(names_sorted[c0 : c0 + nc]),
        )


def _flags(bits: int) -> tuple[str, ...]:
    on = {
        "disputed": bits & 1,
        "discounted": bits & 2,
        "contested": bits & 4,
        "single_source": bits & 8,
        "wide_range": bits & 16,
    }
    return tuple(flag for flag in FLAG_ORDER if on.get(flag, 0))


_FLAG_SETS = tuple(_flags(bits) for bits in range(32))
"""The flags of every combination of the five flag bits, by bits."""


# --- ranking --------------------------------------------------------------------------------------


def _rank(
    table: ReportTable, ids: _ScopeIds, scopes: _ScopeList, chosen: IntArray, fusion: Fusion
) -> IntArray:
    """``reconciliation._rank_key`` order of the scopes ``chosen``, by one lexsort of their keys.

    The keys of the scopes reports cover come from their first report's levels (a Scope holds
    exactly those levels); only scopes that derived claims alone cover are read one by one.
    """
    never = date.min.toordinal() - 1
    extra = scopes.extra
    outcome_text = [str(level) for level in table.outcome.levels]
    category_text = [category_path(level) for level in table.category.levels]
    place_text = ["/".join(level) for level in table.place.levels]
    windows = table.window.levels
    texts = sorted(
        {*outcome_text, *category_text, *place_text}
        | {str(x.outcome) for x in extra}
        | {x.category_path for x in extra}
        | {x.place_path for x in extra}
    )
    position = {text: index for index, text in enumerate(texts)}

    def ranks(strings: Sequence[str]) -> IntArray:
        return np.array([position[text] for text in strings], np.int64)

    window = ids.levels.window
    columns = [
        np.concatenate([ranks(text)[codes], ranks(extra_text)])
        for text, codes, extra_text in (
            (outcome_text, ids.levels.outcome, [str(x.outcome) for x in extra]),
            (category_text, ids.levels.category, [x.category_path for x in extra]),
            (place_text, ids.levels.place, [x.place_path for x in extra]),
        )
    ]
    end = np.concatenate(
        [
            _ordinals([w.end for w in windows], never)[window],
            _ordinals([x.end for x in extra], never),
        ]
    )
    start = np.concatenate(
        [_ordinals([w.start for w in windows], 0)[window], _ordinals([x.start for x in extra], 0)]
    )
    cumulative = np.concatenate(
        [
            np.array([w.cumulative for w in windows], np.int64)[window],
            np.array([x.cumulative for x in extra], np.int64),
        ]
    )
    outcome, category, place = (column[chosen] for column in columns)
    order = np.lexsort(
        (
            chosen,  # reconcile's sort is stable; distinct scopes never tie on the key
            cumulative[chosen],
            start[chosen],
            place,
            category,
            outcome,
            -fusion.high[chosen],
            -fusion.best[chosen],
            -end[chosen],
        )
    )
    return chosen[order]
