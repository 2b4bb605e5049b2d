"""A column-wise ``reconcile`` for large inputs: the same Reconciliation, far fewer Python objects.

:func:`casualty_cli.reconcile.reconcile_by_objects` spends about 60 µs of Python work per scope.
Most scopes of a large dataset hear every origin once and take part in no same-origin arithmetic:
their claims are just the reports' kernels.  :func:`reconcile_fast` finds those scopes with numpy
and handles them column-wise; every other scope (a repeated origin, a category that a complete
breakdown names, a cumulative series that could give a revision cap or a day difference, and the
windows such a difference could land on) goes through the existing Python code on a sub-table
holding only the reports of those scopes, and the two are merged before one fusion of everything.

Equality with ``reconcile_by_objects`` rests on three facts:

- scope ids are numbered as ``claims.scope_rows`` numbers them (first appearance), and the claims
  enter :func:`fuse` in the order ``build_claims`` emits them (by scope, then origin), so the
  fusion sees the very same arrays;
- the routing below over-approximates every scope the Python rules could touch (a superset is
  harmless: the Python code is the reference), and a routed scope takes all its reports along, so
  the sub-table reproduces exactly the groups, chains and sums of the full table;
- for a scope routed to the fast path, ``build_claims`` would emit one ``USED`` record per report
  and nothing else, which is what the column-wise estimate below assumes.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import date
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from casualty_cli.engine.claims import Claim, ClaimSet, Record, build_claims, scope_rows
from casualty_cli.engine.fuse import ClaimArrays, Fusion, fuse
from casualty_cli.estimates import Estimate, Evidence, Reconciliation, Scope, Status
from casualty_cli.model import ROOT_CATEGORY, Factor, QuantityKind, ReportTable, category_path
from casualty_cli.names import name_key
from casualty_cli.reconcile import (
    CONTESTED_BELOW,
    DISCOUNTED_BELOW,
    DISPUTE_MIN_Q,
    FLAG_ORDER,
    WIDE_RANGE_RATIO,
    _estimate,
    _status,
    _used_reason,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_NO_DATE = -1  # ordinal standing for a missing start or end (real ordinals are >= 1)


def reconcile_fast(table: ReportTable) -> Reconciliation:
    """``reconcile_by_objects(table)``, the common case done column-wise (see module docstring)."""
    # Building a million small frozen objects triggers repeated full collections that scan the
    # whole table for cycles (about a third of the run time); none of these objects can form a
    # cycle, so collection is paused for the call and restored to its previous state after.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _reconcile_fast(table)
    finally:
        if enabled:
            gc.enable()


def _reconcile_fast(table: ReportTable) -> Reconciliation:
    notes = tuple(str(finding) for finding in table.findings)
    n_rows = len(table)
    if n_rows == 0:
        return Reconciliation((), table, notes, table.findings)

    ids = _ScopeIds.build(table)
    origin_names, origin_of_row = _origins(table)
    origin_rank = _ranks(origin_names)
    slow_scope = _routed_scopes(table, ids, origin_of_row)
    slow_row = slow_scope[ids.of_row]

    scopes = list(ids.scopes)
    slow = _slow_claims(table, ids, np.flatnonzero(slow_row), scopes)

    fast_rows = np.flatnonzero(~slow_row)
    count_codes = _codes(table.count)
    fast_q = _fast_q(table, origin_names, origin_of_row, fast_rows)

    # Claims in build_claims order: by scope id, then by origin name.
    n_levels = len(table.count.levels)
    claim_scope = np.concatenate(
        [ids.of_row[fast_rows], np.array([c.scope for c in slow.claims], np.int64)]
    )
    claim_origin = np.concatenate(
        [
            origin_rank[origin_of_row[fast_rows]],
            np.array([origin_rank[slow.origin_id[c.origin]] for c in slow.claims], np.int64),
        ]
    )
    claim_kernel = np.concatenate(
        [count_codes[fast_rows], n_levels + np.arange(len(slow.claims), dtype=np.int64)]
    )
    claim_q = np.concatenate([fast_q, np.array([c.q for c in slow.claims], np.float64)])
    order = np.lexsort((claim_origin, claim_scope))
    if order.size == 0:
        return Reconciliation((), table, notes, table.findings)
    kernels = [quantity.kernel for quantity in table.count.levels]
    kernels += [claim.kernel for claim in slow.claims]
    arrays = _claim_arrays(claim_scope[order], claim_kernel[order], claim_q[order], kernels)
    fusion = fuse(arrays, n_scopes=len(scopes))
    support = np.empty(order.size, np.float64)
    support[order] = fusion.support
    fast_support = support[: fast_rows.size]
    slow_support = {
        id(claim): float(s) for claim, s in zip(slow.claims, support[fast_rows.size :], strict=True)
    }

    slow_set = ClaimSet(scopes, slow.claims, slow.records, slow.revised, slow.inconsistent)
    by_scope: dict[int, list[Record]] = {}
    for record in slow.records:
        by_scope.setdefault(record.scope, []).append(record)
    # Rank before building estimates: every scope with a claim has an estimate (build_claims
    # records a USED claim for every group), and an Estimate is frozen.
    ranked = _rank(
        table, ids, scopes, np.flatnonzero(np.bincount(claim_scope, minlength=len(scopes))), fusion
    )
    rank_of = np.zeros(len(scopes), np.int64)
    rank_of[ranked] = np.arange(1, ranked.size + 1)
    estimates: list[Estimate | None] = [None] * ranked.size
    for scope_id, records in by_scope.items():
        rank = int(rank_of[scope_id])
        estimates[rank - 1] = _estimate(
            table, slow_set, scope_id, records, fusion, slow_support, rank
        )
    _fast_estimates(
        table, ids, scopes, fast_rows, fast_support, fast_q, origin_names, origin_of_row, fusion,
        rank_of, estimates,
    )  # fmt: skip
    done = tuple(e for e in estimates if e is not None)
    if len(done) != ranked.size:
        raise RuntimeError("reconcile_fast: a scope with a claim has no estimate")
    return Reconciliation(done, table, notes, table.findings)


# --- scope ids ------------------------------------------------------------------------------------


def _codes(factor: Factor[Any]) -> IntArray:
    return np.asarray(factor.codes, dtype=np.int64).reshape(-1)


_KEY_LIMIT = 1 << 62


def _combine(*parts: tuple[IntArray, int]) -> IntArray:
    """One integer per distinct tuple of ids (each part's ids lie in ``range(n)``).

    The mixed-radix key is compacted (one sort) only when the next digit could overflow int64:
    on real data the radix product stays far below the limit and no sort is needed.
    """
    key = np.zeros(parts[0][0].size, np.int64)
    bound = 1
    for ids, n in parts:
        n = max(n, 1)
        if bound * n >= _KEY_LIMIT:
            _, inverse = np.unique(key, return_inverse=True)
            key, bound = inverse.astype(np.int64).reshape(-1), int(inverse.max(initial=0)) + 1
        key = key * n + ids
        bound *= n
    return key


def _canonical(levels: Sequence[tuple[str, ...]]) -> IntArray:
    """Level code → id of its name-key tuple: two spellings of one path are one id."""
    seen: dict[tuple[str, ...], int] = {}
    return np.array(
        [seen.setdefault(tuple(map(name_key, path)), len(seen)) for path in levels], np.int64
    )


class _ScopeIds:
    """Scope ids numbered as ``claims.scope_rows`` numbers them, computed column-wise."""

    def __init__(
        self,
        scopes: list[Scope],
        of_row: IntArray,
        first_row: IntArray,
        outcome: IntArray,
        category: IntArray,
        place: IntArray,
        window: IntArray,
        levels: _ScopeLevels,
    ) -> None:
        self.scopes = scopes
        self.levels = levels
        self.of_row = of_row
        self.first_row = first_row
        # Per scope: outcome code, canonical category and place ids, and window level code.
        self.outcome = outcome
        self.category = category
        self.place = place
        self.window = window

    @classmethod
    def build(cls, table: ReportTable) -> _ScopeIds:
        outcome_codes = _codes(table.outcome)
        category_codes, place_codes = _codes(table.category), _codes(table.place)
        window_codes = _codes(table.window)
        category_of_level = _canonical(table.category.levels)
        place_of_level = _canonical(table.place.levels)
        window_of_level, n_windows = _window_ids(table)
        category = category_of_level[category_codes]
        place = place_of_level[place_codes]
        window = window_of_level[window_codes]
        # scope_rows keys the outcome by code and value; codes of a Factor name distinct values.
        key = _combine(
            (outcome_codes, len(table.outcome.levels)),
            (category, int(category_of_level.max(initial=0)) + 1),
            (place, int(place_of_level.max(initial=0)) + 1),
            (window, n_windows),
        )
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        # np.unique numbers keys in sorted order; scope_rows numbers them by first appearance.
        by_appearance = np.argsort(first, kind="stable")
        renumber = np.empty_like(by_appearance)
        renumber[by_appearance] = np.arange(by_appearance.size)
        of_row = renumber[inverse.reshape(-1)].astype(np.int64)
        first_row = first[by_appearance].astype(np.int64)
        # A Scope holds the levels of its first report, as in scope_rows.
        levels = _ScopeLevels(
            outcome_codes[first_row],
            category_codes[first_row],
            place_codes[first_row],
            window_codes[first_row],
        )
        outcomes, categories = table.outcome.levels, table.category.levels
        places, windows = table.place.levels, table.window.levels
        scopes = [
            Scope(outcomes[o], categories[c], places[p], w.start, w.end, w.cumulative)
            for o, c, p, w in zip(
                levels.outcome.tolist(),
                levels.category.tolist(),
                levels.place.tolist(),
                [windows[code] for code in levels.window.tolist()],
                strict=True,
            )
        ]
        return cls(
            scopes,
            of_row,
            first_row,
            levels.outcome,
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


def _window_ids(table: ReportTable) -> tuple[IntArray, int]:
    # Window levels are usually distinct, but equal windows must share an id as dict keys do.
    seen: dict[object, int] = {}
    ids = [seen.setdefault(w, len(seen)) for w in table.window.levels]
    return np.array(ids, np.int64), len(seen)


def _origins(table: ReportTable) -> tuple[list[str], IntArray]:
    """Canonical origin names, and each row's origin id (two source codes may name one string)."""
    seen: dict[str, int] = {}
    of_level = np.array([seen.setdefault(s, len(seen)) for s in table.source.levels], np.int64)
    return list(seen), of_level[_codes(table.source)]


def _ranks(names: Sequence[str]) -> IntArray:
    """Position of each name in sorted order: build_claims sorts claims by the origin string."""
    order = sorted(range(len(names)), key=names.__getitem__)
    ranks = np.empty(len(names), np.int64)
    ranks[np.array(order, np.int64)] = np.arange(len(names))
    return ranks


# --- routing --------------------------------------------------------------------------------------


def _routed_scopes(table: ReportTable, ids: _ScopeIds, origin_of_row: IntArray) -> BoolArray:
    """Scopes the Python rules of claims.py might touch: a superset, for safety."""
    n_scopes = len(ids.scopes)
    slow = np.zeros(n_scopes, np.bool_)

    # A repeated origin: supersession, duplicates, subsumption or inconsistency.
    n_origins = int(origin_of_row.max(initial=0)) + 1
    group = _combine((ids.of_row, n_scopes), (origin_of_row, n_origins))
    _, group_of_row, group_size = np.unique(group, return_inverse=True, return_counts=True)
    slow[ids.of_row[group_size[group_of_row.reshape(-1)] > 1]] = True

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
        slow[ids.of_row[involved[_codes(table.category)]]] = True

    _route_series(table, ids, origin_of_row, slow)
    return slow


def _route_series(
    table: ReportTable, ids: _ScopeIds, origin_of_row: IntArray, slow: BoolArray
) -> None:
    """Cumulative series of one origin that yield a cap or a day difference, and their targets.

    ``claims._derive_differences`` chains one origin's exact "as of" claims by (outcome,
    category, place, start) and sorts them by end.  A chain derives nothing unless a later figure
    is lower (a revision cap) or a non-cumulative scope ends where a member ends (a possible day
    difference).  Such a chain, or one with a member already routed, goes to the Python path
    whole, with every window it could land on; any other chain stays column-wise.
    """
    levels = table.window.levels
    start = np.array([w.start.toordinal() if w.start else _NO_DATE for w in levels], np.int64)
    end = np.array([w.end.toordinal() if w.end else _NO_DATE for w in levels], np.int64)
    cumulative = np.array([w.cumulative for w in levels], np.bool_)
    exact = np.array([q.kind is QuantityKind.EXACT for q in table.count.levels], np.bool_)
    value = np.array([q.value if q.value is not None else 0 for q in table.count.levels], np.int64)
    window, count = _codes(table.window), _codes(table.count)
    rows = np.flatnonzero(cumulative[window] & (end[window] != _NO_DATE) & exact[count])
    if rows.size == 0:
        return
    scope = ids.of_row[rows]
    # Canonical names group at least as much as build_claims' display names do: these chains
    # are unions of its chains, so a test that clears one of them clears its parts.
    chain = _combine(
        (origin_of_row[rows], int(origin_of_row.max()) + 1),
        (ids.outcome[scope], len(table.outcome.levels)),
        (ids.category[scope], int(ids.category.max()) + 1),
        (ids.place[scope], int(ids.place.max()) + 1),
        (start[window[rows]] + 1, int(start.max(initial=0)) + 2),
    )
    figure, row_end = value[count[rows]], end[window[rows]]
    # Caps: within a chain sorted by end (equal ends by figure), some figure falls.
    order = np.lexsort((figure, row_end, chain))
    c, f = chain[order], figure[order]
    falls = (c[1:] == c[:-1]) & (f[1:] < f[:-1])
    # Differences: a non-cumulative scope with a member's outcome, category, place and end.
    target = _combine(
        (ids.outcome, len(table.outcome.levels)),
        (ids.category, int(ids.category.max()) + 1),
        (ids.place, int(ids.place.max()) + 1),
        (end[ids.window] + 1, int(end.max(initial=0)) + 2),
    )
    daily = ~cumulative[ids.window]
    lands = np.isin(target[scope], target[daily])
    busy = np.unique(np.concatenate([c[1:][falls], chain[lands], chain[slow[scope]]]))
    member = np.isin(chain, busy)
    if not member.any():
        return
    slow[scope[member]] = True
    slow[daily & np.isin(target, target[scope[member]])] = True


# --- the Python path ------------------------------------------------------------------------------


class _Slow:
    """The routed scopes' claims and records, renumbered to the full table's rows and scopes."""

    def __init__(self, origin_id: dict[str, int]) -> None:
        self.origin_id = origin_id
        self.claims: list[Claim] = []
        self.records: list[Record] = []
        self.revised: set[int] = set()
        self.inconsistent: set[int] = set()


def _subtable(table: ReportTable, rows: IntArray) -> ReportTable:
    """The reports ``rows`` as a table of their own, keeping levels, files and declarations.

    Keeping ``files`` and each row's file code and line keeps every ``table.location`` (which
    the audit reasons quote) the same; keeping the levels keeps every kernel object shared.
    """
    picked = rows.tolist()
    changes: dict[str, object] = {}
    for f in fields(table):
        value = getattr(table, f.name)
        if isinstance(value, Factor):
            codes = value.codes
            changes[f.name] = Factor(value.levels, [codes[row] for row in picked])
    changes["file_codes"] = [table.file_codes[row] for row in picked]
    changes["lines"] = [table.lines[row] for row in picked]
    return replace(table, **changes)  # type: ignore[arg-type]


def _slow_claims(table: ReportTable, ids: _ScopeIds, rows: IntArray, scopes: list[Scope]) -> _Slow:
    slow = _Slow({name: i for i, name in enumerate(_origins(table)[0])})
    if rows.size == 0:
        return slow
    sub = _subtable(table, rows)
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


# --- fusion input ---------------------------------------------------------------------------------


def _fast_q(
    table: ReportTable, origin_names: Sequence[str], origin_of_row: IntArray, rows: IntArray
) -> FloatArray:
    """``claims._origin_q`` for one-report groups: the declared grade, else the report's."""
    declared = np.full(len(origin_names), np.nan)
    for index, name in enumerate(origin_names):
        source = table.sources.get(name)
        if source is not None and source.grade is not None:
            declared[index] = source.grade.q
    grade_q = np.array([grade.q for grade in table.grade.levels], np.float64)
    own = declared[origin_of_row[rows]]
    return np.where(np.isnan(own), grade_q[_codes(table.grade)[rows]], own)


def _claim_arrays(
    scope: IntArray,
    kernel: IntArray,
    q: FloatArray,
    kernels: Sequence[Sequence[object]],
) -> ClaimArrays:
    """Components gathered from one table per distinct kernel, with no Python loop per claim."""
    size = np.array([len(k) for k in kernels], np.int64)
    offset = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    flat = [c for k in kernels for c in k]
    low = np.array([c.low for c in flat], np.int64)  # type: ignore[attr-defined]
    high = np.array([c.high for c in flat], np.int64)  # type: ignore[attr-defined]
    weight = np.array([c.weight for c in flat], np.float64)  # type: ignore[attr-defined]
    per_claim = size[kernel]
    comp_claim = np.repeat(np.arange(kernel.size, dtype=np.int64), per_claim)
    starts = np.cumsum(per_claim) - per_claim
    within = np.arange(comp_claim.size, dtype=np.int64) - np.repeat(starts, per_claim)
    comp = np.repeat(offset[kernel], per_claim) + within
    return ClaimArrays(
        scope=scope,
        q=q,
        comp_claim=comp_claim,
        comp_low=low[comp],
        comp_high=high[comp],
        comp_weight=weight[comp],
    )


# --- estimates ------------------------------------------------------------------------------------


def _level_figures(table: ReportTable) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Per quantity level: stated low/high and conservative (as ``_claim_of``), kernel support."""
    stated_low, stated_high, conservative, support_low, support_high = [], [], [], [], []
    for quantity in table.count.levels:
        high = quantity.high if quantity.high is not None else (quantity.value or quantity.low)
        low = quantity.value if quantity.value is not None else quantity.low
        if quantity.kind is QuantityKind.RANGE:
            low, high = quantity.low, quantity.high or quantity.low
        stated_low.append(min(low, high))
        stated_high.append(max(low, high))
        conservative.append(quantity.conservative)
        support_low.append(min(c.low for c in quantity.kernel))
        support_high.append(max(c.high for c in quantity.kernel))
    return (
        np.array(stated_low, np.int64),
        np.array(stated_high, np.int64),
        np.array(conservative, np.int64),
        np.array(support_low, np.int64),
        np.array(support_high, np.int64),
    )


def _fast_estimates(
    table: ReportTable,
    ids: _ScopeIds,
    scopes: Sequence[Scope],
    rows: IntArray,
    support: FloatArray,
    q: FloatArray,
    origin_names: Sequence[str],
    origin_of_row: IntArray,
    fusion: Fusion,
    rank_of: IntArray,
    out: list[Estimate | None],
) -> None:
    """Estimates of the fast scopes: one USED claim per report, each from its own origin."""
    if rows.size == 0:
        return
    scope = ids.of_row[rows]
    level = _codes(table.count)[rows]
    stated_low, stated_high, conservative, support_low, support_high = _level_figures(table)

    # Per-claim figures, then per-scope reductions over claims sorted by scope.
    by_scope = np.argsort(scope, kind="stable")
    s_sorted = scope[by_scope]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    counts = np.diff(np.r_[starts, s_sorted.size])
    present = s_sorted[starts]

    def reduce(values: IntArray, ufunc: np.ufunc) -> IntArray:
        return ufunc.reduceat(values[by_scope], starts)

    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    # Written as reconcile._status reads a support (a NaN support would count as used).
    kept = ~(support < DISCOUNTED_BELOW)
    claimed_min = reduce(np.where(kept, stated_low[level], big), np.minimum)
    claimed_max = reduce(np.where(kept, stated_high[level], small), np.maximum)
    cons = reduce(np.where(kept, conservative[level], big), np.minimum)
    any_kept = reduce(kept.astype(np.int64), np.maximum) > 0
    discounted = reduce((~kept).astype(np.int64), np.maximum) > 0
    contested_claim = kept & (support < CONTESTED_BELOW)
    contested = reduce(contested_claim.astype(np.int64), np.maximum) > 0
    strong = (q >= DISPUTE_MIN_Q) & (support >= CONTESTED_BELOW)
    # Two strong claims with disjoint supports exist iff the lowest upper end of the strong ones
    # lies below the highest lower end (one claim alone always has low <= high).
    lowest_high = reduce(np.where(strong, support_high[level], big), np.minimum)
    highest_low = reduce(np.where(strong, support_low[level], small), np.maximum)
    disputed = (counts >= 2) & (lowest_high < highest_low)
    f_low, f_high = fusion.low[present], fusion.high[present]
    wide = (f_high + 1) / (f_low + 1) > WIDE_RANGE_RATIO

    # Evidence in _audit's order (file, line, row) and origin names in sorted order, per scope.
    file_codes = np.asarray(table.file_codes, np.int64)[rows]
    lines = np.asarray(table.lines, np.int64)[rows]
    evidence_order = np.lexsort((rows, lines, file_codes, scope))
    origin_ids = origin_of_row[rows]
    origin_order = np.lexsort((_ranks(origin_names)[origin_ids], scope))

    # Evidence objects are made directly in _audit's order; a support value often recurs (one
    # lone claim of a kernel shape), so its status and reason are formatted once.
    reasons: dict[float, tuple[Status, str]] = {}
    evidence_sorted = []
    e = evidence_order
    for row, origin, q_row, s in zip(
        rows[e].tolist(), origin_ids[e].tolist(), q[e].tolist(), support[e].tolist(), strict=True
    ):
        told = reasons.get(s)
        if told is None:
            status = _status(s)
            told = reasons[s] = (status, _used_reason(status, s))
        evidence_sorted.append(Evidence(row, origin_names[origin], told[0], q_row, s, told[1]))
    names_sorted = [origin_names[o] for o in origin_ids[origin_order].tolist()]

    columns = zip(
        present.tolist(),
        rank_of[present].tolist(),
        fusion.best[present].tolist(),
        fusion.low[present].tolist(),
        fusion.high[present].tolist(),
        fusion.low95[present].tolist(),
        fusion.high95[present].tolist(),
        starts.tolist(),
        counts.tolist(),
        np.where(any_kept, claimed_min, -1).tolist(),
        np.where(any_kept, claimed_max, -1).tolist(),
        np.where(any_kept, cons, -1).tolist(),
        (disputed * 1 + discounted * 2 + contested * 4 + (counts == 1) * 8 + wide * 16).tolist(),
        strict=True,
    )
    flag_sets = [_flags(bits) for bits in range(32)]
    for s, rank, best, low, high, low95, high95, start, n, cmin, cmax, cons_s, bits in columns:
        # Positional arguments in field order: the constructor runs once per scope.
        out[rank - 1] = Estimate(
            rank,
            scopes[s],
            best,
            low,
            high,
            low95,
            high95,
            None if cmin < 0 else cmin,
            None if cmax < 0 else cmax,
            None if cons_s < 0 else cons_s,
            n,
            n,
            flag_sets[bits],
            tuple(evidence_sorted[start : start + n]),
            (),
            tuple(names_sorted[start : start + n]),
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


# --- ranking --------------------------------------------------------------------------------------


def _rank(
    table: ReportTable, ids: _ScopeIds, scopes: Sequence[Scope], chosen: IntArray, fusion: Fusion
) -> IntArray:
    """``reconcile._rank_key`` order of the scopes ``chosen``, by one lexsort of their keys.

    The keys of the scopes reports cover come from their first report's levels (a Scope holds
    exactly those levels); only scopes that derived claims alone cover are read one by one.
    """
    never = date.min.toordinal() - 1
    n_row = ids.first_row.size
    extra = scopes[n_row:]
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

    def ordinals(values: Sequence[date | None], missing: int) -> IntArray:
        return np.array([v.toordinal() if v else missing for v in values], np.int64)

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
        [ordinals([w.end for w in windows], never)[window], ordinals([x.end for x in extra], never)]
    )
    start = np.concatenate(
        [ordinals([w.start for w in windows], 0)[window], ordinals([x.start for x in extra], 0)]
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
