"""``tally reconcile``: the best estimate, its 80% and 95% ranges and its flags, for every scope.

The pipeline runs one way: reports → claims (one per scope and origin, with same-origin
arithmetic) → exact fusion of every scope at once → flags, ranking and the audit trail.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple

import numpy as np

from casualty_cli.engine.claims import Claim, ClaimSet, Record, build_claims
from casualty_cli.engine.fuse import ClaimArrays, Fusion, fuse
from casualty_cli.engine.nesting import Nested, nest_scopes
from casualty_cli.estimates import (
    Derivation,
    Estimate,
    Evidence,
    Received,
    Reconciliation,
    RowText,
    Scope,
    Status,
)
from casualty_cli.load import LoadOptions, load_reports
from casualty_cli.model import ReportTable

DISCOUNTED_BELOW = 0.05
CONTESTED_BELOW = 0.20
DISPUTE_MIN_Q = 0.5
WIDE_RANGE_RATIO = 3.0

# Flags in the order a reader should meet them: conflicts first, then caveats.
FLAG_ORDER = (
    "disputed",
    "parts_exceed_whole",
    "unattributed_remainder",
    "time_conflict",
    "discounted",
    "contested",
    "downward_revision",
    "same_origin_inconsistent",
    "overlap_bounds_only",
    "residual_derived",
    "coherence_adjusted",
    "single_source",
    "wide_range",
)


Target = tuple[date, date]
"""A window asked for (``--period START/END``): its first and last day."""


def reconcile_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    options: LoadOptions | None = None,
    targets: Sequence[Target] = (),
    columns_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Reconciliation:
    """Load ``paths`` and reconcile them: ``tally reconcile`` as one call."""
    table = load_reports(paths, options=options)
    return reconcile(table, targets=targets, columns_only=columns_only, progress=progress)


def reconcile(
    table: ReportTable,
    *,
    targets: Sequence[Target] = (),
    columns_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
    lines: RowText | None = None,
) -> Reconciliation:
    """Reconcile every report of ``table`` into ranked estimates with their audit trail.

    ``targets`` are windows to estimate exactly (``--period``), built from the windows inside
    them.  The common case runs column-wise (``engine/fast.py``); it returns exactly what
    :func:`reconcile_by_objects` returns, which the tests check.

    ``columns_only`` says the caller reads only :meth:`Reconciliation.columns` (CSV, JSON).  A
    large table whose places fall into groups that never meet is then reconciled part by part,
    two parts at a time on two CPUs (``engine/partition.py``): the same columns in about half
    the time and less memory, but Estimate objects would cost a second, whole run.
    ``progress`` is then told (parts done, parts in all) as they finish.  ``lines`` (a CSV or
    TSV writer's rows, ``render.records.DelimitedRows``) says the caller writes only each row's
    text: the parts then write their own rows (:meth:`Reconciliation.lines`).
    """
    from casualty_cli.engine.fast import reconcile_fast

    if columns_only and not targets:
        from casualty_cli.engine.partition import reconcile_columns

        return reconcile_columns(table, progress=progress, lines=lines)
    return reconcile_fast(table, targets=targets)


def reconcile_by_objects(table: ReportTable, *, targets: Sequence[Target] = ()) -> Reconciliation:
    """The reference reconciliation: every claim, record and estimate as a Python object.

    Slow on large inputs, but the plainest statement of the rules; the column-wise path sends
    the scopes that need these rules here, and is tested equal to it.
    """
    claim_set = build_claims(table, table.categories)
    notes = tuple(str(finding) for finding in table.findings)
    if not claim_set.claims:
        return Reconciliation((), table, notes, table.findings)
    arrays = _claim_arrays(claim_set)
    fusion = fuse(arrays, n_scopes=len(claim_set.scopes), segments=False)
    origin_ids = {name: i for i, name in enumerate(sorted({c.origin for c in claim_set.claims}))}
    origin = np.array([origin_ids[c.origin] for c in claim_set.claims], np.int64)
    nested = nest_scopes(
        claim_set.scopes, arrays, origin, fusion, table.categories, targets, table.places
    )
    supports = fusion.support
    if nested is not None:
        claim_set.scopes[:] = nested.scopes
        fusion, supports = nested.fusion, nested.support
    support = {id(claim): float(s) for claim, s in zip(claim_set.claims, supports, strict=True)}
    by_scope: dict[int, list[Record]] = defaultdict(list)
    for record in claim_set.records:
        by_scope[record.scope].append(record)
    if nested is not None:
        for scope in nested.messages:
            by_scope.setdefault(scope, [])
    order = sorted(by_scope, key=lambda scope: _rank_key(claim_set.scopes[scope], fusion, scope))
    names = sorted(origin_ids, key=origin_ids.__getitem__)
    estimates = tuple(
        _estimate(
            table, claim_set, scope, by_scope[scope], fusion, support, rank,
            nesting_of(nested, scope, claim_set.scopes, names),
        )
        for rank, scope in enumerate(order, start=1)
    )  # fmt: skip
    if nested is not None:
        notes += nested.notes
    return Reconciliation(estimates, table, notes, table.findings)


class NestingOfScope(NamedTuple):
    """What the families told one scope: the messages it kept, their origins, its flags.

    ``disputing`` are the bands of the sums and residuals it kept that are sure enough to
    dispute its own claims (``disputed_by_message``).
    """

    received: tuple[Received, ...] = ()
    origins: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    has_sum: bool = False
    disputing: tuple[tuple[int, int], ...] = ()


_NO_NESTING = NestingOfScope()


def nesting_of(
    nested: Nested | None,
    scope: int,
    scopes: Sequence[Scope],
    names: Sequence[str],
    *,
    audit: bool = True,
) -> NestingOfScope:
    """The scope's messages as the estimate tells them; ``audit=False`` leaves out ``received``
    (the families by name, for ``explain``), which is what costs."""
    if nested is None:
        return _NO_NESTING
    messages = nested.messages.get(scope, [])
    if not messages and scope not in nested.flags and scope not in nested.families.residual:
        return _NO_NESTING  # most scopes: nothing received, nothing flagged
    support = nested.message_support
    received = tuple(
        Received(
            kind=m.kind,
            dimension=m.family.dimension,
            family=tuple(scopes[s] for s in (m.family.parent, *m.family.children)),
            value=m.value,
            low=m.low,
            high=m.high,
            q=m.q,
            support=support.get(id(m)),
            arithmetic=m.arithmetic,
        )
        for m in (messages if audit else ())
    )
    disputing = tuple(
        (m.low, m.high)
        for m in messages
        if m.kind in ("sum", "residual")
        and m.q >= DISPUTE_MIN_Q
        and (support.get(id(m)) or 0.0) >= CONTESTED_BELOW
    )
    origins = frozenset(names[o] for m in messages for o in m.origins)
    flags = frozenset(nested.flags.get(scope, ()))
    if scope in nested.families.residual:
        flags |= {"residual_derived"}
    return NestingOfScope(received, origins, flags, any(m.is_claim for m in messages), disputing)


def _claim_arrays(claim_set: ClaimSet) -> ClaimArrays:
    return ClaimArrays.from_rows(
        (claim.scope, [(c.low, c.high, c.weight) for c in claim.kernel], claim.q)
        for claim in claim_set.claims
    )


def _status(support: float) -> Status:
    if support < DISCOUNTED_BELOW:
        return Status.DISCOUNTED
    if support < CONTESTED_BELOW:
        return Status.CONTESTED
    return Status.USED


class EstimateFigures(NamedTuple):
    """An estimate's columns beyond its fusion: what the CSV needs, without the audit trail."""

    claimed_min: int | None
    claimed_max: int | None
    conservative: int | None
    reports: int
    origins: int
    flags: tuple[str, ...]
    origin_names: tuple[str, ...]


def estimate_figures(
    claim_set: ClaimSet,
    scope: int,
    records: list[Record],
    fusion: Fusion,
    support: dict[int, float],
    nesting: NestingOfScope | None = None,
) -> EstimateFigures:
    nesting = nesting or NestingOfScope()
    used = [r.claim for r in records if r.status is Status.USED and r.claim is not None]
    supports = [support[id(claim)] for claim in used]
    statuses = [_status(s) for s in supports]
    kept = [c for c, status in zip(used, statuses, strict=True) if status is not Status.DISCOUNTED]
    rows = {row for claim in used for row in claim.rows}
    rows |= {
        r.row
        for r in records
        if r.row is not None and r.status in (Status.DUPLICATE_ORIGIN, Status.SUBSUMED)
    }
    origins = sorted({claim.origin for claim in used})
    low, high = int(fusion.low[scope]), int(fusion.high[scope])
    flags = set(nesting.flags)
    informed = set(origins) | nesting.origins
    if len(informed) == 1:
        flags.add("single_source")
    if (high + 1) / (low + 1) > WIDE_RANGE_RATIO:
        flags.add("wide_range")
    if Status.DISCOUNTED in statuses:
        flags.add("discounted")
    if Status.CONTESTED in statuses:
        flags.add("contested")
    strong = [
        claim.support
        for claim, s in zip(used, supports, strict=True)
        if claim.q >= DISPUTE_MIN_Q and s >= CONTESTED_BELOW
    ]
    if _disputed(used, supports) or disputed_by_message(strong, nesting.disputing):
        flags.add("disputed")
    if scope in claim_set.revised:
        flags.add("downward_revision")
    if scope in claim_set.inconsistent:
        flags.add("same_origin_inconsistent")
    return EstimateFigures(
        claimed_min=min((c.stated[0] for c in kept), default=None),
        claimed_max=max((c.stated[1] for c in kept), default=None),
        conservative=min((c.conservative for c in kept), default=None),
        reports=len(rows),
        origins=len(informed),
        flags=tuple(flag for flag in FLAG_ORDER if flag in flags),
        origin_names=tuple(origins),
    )


def _estimate(
    table: ReportTable,
    claim_set: ClaimSet,
    scope: int,
    records: list[Record],
    fusion: Fusion,
    support: dict[int, float],
    rank: int,
    nesting: NestingOfScope | None = None,
    figures: EstimateFigures | None = None,
) -> Estimate:
    nesting = nesting or NestingOfScope()
    if figures is None:
        figures = estimate_figures(claim_set, scope, records, fusion, support, nesting)
    evidence, derivations = _audit(table, records, support)
    return Estimate(
        rank=rank,
        scope=claim_set.scopes[scope],
        best=int(fusion.best[scope]),
        low=int(fusion.low[scope]),
        high=int(fusion.high[scope]),
        low95=int(fusion.low95[scope]),
        high95=int(fusion.high95[scope]),
        claimed_min=figures.claimed_min,
        claimed_max=figures.claimed_max,
        conservative=figures.conservative,
        reports=figures.reports,
        origins=figures.origins,
        flags=figures.flags,
        evidence=evidence,
        derivations=derivations,
        origin_names=figures.origin_names,
        received=nesting.received,
    )


def disputed_by_message(strong: Sequence[tuple[int, int]], sums: Sequence[tuple[int, int]]) -> bool:
    """A sum of parts disjoint from a strong claim of the scope's own (statistics.md H10).

    ``strong`` are the supports of the scope's claims with q ≥ .5 and support ≥ .20; ``sums``
    the bands of the sums and residuals it kept with q ≥ .5 and support ≥ .20
    (``NestingOfScope.disputing``).
    """
    return any(
        a_high < b_low or b_high < a_low for a_low, a_high in strong for b_low, b_high in sums
    )


def _disputed(claims: Sequence[Claim], supports: Sequence[float]) -> bool:
    if len(claims) < 2:
        return False
    strong = [
        (claim.support, s)
        for claim, s in zip(claims, supports, strict=True)
        if claim.q >= DISPUTE_MIN_Q and s >= CONTESTED_BELOW
    ]
    return any(
        a_high < b_low or b_high < a_low
        for index, ((a_low, a_high), _) in enumerate(strong)
        for (b_low, b_high), _ in strong[index + 1 :]
    )


def _audit(
    table: ReportTable, records: Sequence[Record], support: dict[int, float]
) -> tuple[tuple[Evidence, ...], tuple[Derivation, ...]]:
    evidence: list[Evidence] = []
    derivations: list[Derivation] = []
    for record in records:
        claim = record.claim
        status, reason, claim_support = record.status, record.reason, None
        if claim is not None and record.status is Status.USED:
            claim_support = support[id(claim)]
            status = _status(claim_support)
            reason = _used_reason(status, claim_support)
        if claim is not None and claim.derived:
            derivations.append(
                Derivation(
                    kind=claim.kind,
                    origin=claim.origin,
                    rows=claim.rows,
                    kernel=claim.kernel,
                    value=claim.stated[0],
                    arithmetic=claim.arithmetic,
                    status=status,
                    q=claim.q,
                    support=claim_support,
                )
            )
            continue
        if record.row is not None:
            evidence.append(
                Evidence(record.row, record.origin, status, record.q, claim_support, reason)
            )
    evidence.sort(key=lambda e: (table.file_codes[e.row], table.lines[e.row], e.row))
    return tuple(evidence), tuple(derivations)


def _used_reason(status: Status, support: float) -> str:
    if status is Status.DISCOUNTED:
        return f"used, but the other evidence leaves it {support:.1%} support: discounted"
    if status is Status.CONTESTED:
        return f"used, but the other evidence leaves it only {support:.1%} support: contested"
    return f"used ({support:.0%} support)"


def _rank_key(scope: Scope, fusion: Fusion, index: int) -> tuple[object, ...]:
    """Window end, latest first; then the largest best estimate and upper bound; then the key."""
    end = scope.end.toordinal() if scope.end else date.min.toordinal() - 1
    return (
        -end,
        -int(fusion.best[index]),
        -int(fusion.high[index]),
        str(scope.outcome),
        scope.category_path,
        scope.place_path,
        scope.start.toordinal() if scope.start else 0,
        scope.cumulative,
    )
