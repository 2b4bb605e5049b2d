"""From reports to claims: scopes, origins, relays, supersession and same-origin arithmetic.

Each report speaks for its *origin* (``source``); outlets that relay it (``via``) add no
evidence.  So per scope and origin exactly one claim survives (statistics.md H8, section 4 steps
1 to 3, section 5.2): the latest publication wins, relays of the same figure are duplicates, a
vaguer statement is subsumed by a precise one, a complete breakdown of exact parts sums to an exact
total, consecutive cumulative figures give the count of the days between them, and a later, lower
cumulative figure caps the earlier one.  Every decision leaves an audit record.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from casualty_cli.estimates import Scope, Status
from casualty_cli.grammar.quantity import cap_kernel, exact_kernel
from casualty_cli.model import (
    ROOT_CATEGORY,
    CategoryNode,
    Component,
    DateValue,
    QuantityKind,
    ReportTable,
)
from casualty_cli.names import name_key, place_key

Kernel = tuple[Component, ...]
PublishedKey = tuple[int, float]
_NEVER: PublishedKey = (-1, 0.0)


@dataclass(frozen=True, slots=True)
class Claim:
    """One origin's evidence about one scope, as it enters the fusion.

    ``rows`` are the reports behind it (the chosen report first); a derived claim has ``kind``
    (``derived_sum``, ``derived_difference``, ``revision_cap``) and its ``arithmetic``.
    """

    scope: int
    origin: str
    kernel: Kernel
    q: float
    rows: tuple[int, ...]
    published: PublishedKey
    exact: int | None
    stated: tuple[int, int]
    conservative: int
    kind: str = ""
    arithmetic: str = ""

    @property
    def derived(self) -> bool:
        return bool(self.kind)

    @property
    def support(self) -> tuple[int, int]:
        return _support(self.kernel)

    @property
    def width(self) -> float:
        low, high = self.support
        return math.log((high + 2) / (low + 1))

    @property
    def centre(self) -> float:
        """The atom of an exact kernel, else the μ-midpoint of the support."""
        atoms = [c.low for c in self.kernel if c.low == c.high]
        if atoms:
            return float(atoms[0])
        low, high = self.support
        return math.sqrt((low + 1) * (high + 2)) - 1


@lru_cache(maxsize=1 << 16)
def _support(kernel: Kernel) -> tuple[int, int]:
    # Kernels are shared by every claim of the same phrase: compute each one's support once.
    return min(c.low for c in kernel), max(c.high for c in kernel)


@dataclass(frozen=True, slots=True)
class Record:
    """An audit record: what became of a report (or derived claim) in a scope, and why."""

    scope: int
    row: int | None
    origin: str
    status: Status
    q: float
    reason: str
    claim: Claim | None = None


@dataclass
class ClaimSet:
    """The scopes, the one surviving claim per scope and origin, and the audit records."""

    scopes: list[Scope]
    claims: list[Claim] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    revised: set[int] = field(default_factory=set)
    inconsistent: set[int] = field(default_factory=set)


# --- scopes -------------------------------------------------------------------------------------


class ScopeIndex:
    """Scopes by identity: category and place names compared without regard to case."""

    def __init__(self, scopes: list[Scope]) -> None:
        self.scopes = scopes
        self._ids = {self.key(scope): index for index, scope in enumerate(scopes)}

    @staticmethod
    def key(scope: Scope) -> tuple[object, ...]:
        return (
            scope.outcome,
            tuple(map(name_key, scope.category)),
            tuple(map(name_key, scope.place)),
            scope.start,
            scope.end,
            scope.cumulative,
        )

    def find(self, scope: Scope) -> int | None:
        return self._ids.get(self.key(scope))

    def add(self, scope: Scope) -> int:
        """The id of ``scope``, adding it (a scope only derived claims cover) if new."""
        key = self.key(scope)
        index = self._ids.get(key)
        if index is None:
            index = self._ids[key] = len(self.scopes)
            self.scopes.append(scope)
        return index


def scope_rows(table: ReportTable) -> tuple[list[Scope], list[int]]:
    """The distinct scopes of the reports, and the scope of each report."""
    place_key = [tuple(map(name_key, p)) for p in table.place.levels]
    category_key = [tuple(map(name_key, c)) for c in table.category.levels]
    keys: dict[tuple[object, ...], int] = {}
    scopes: list[Scope] = []
    of_row: list[int] = []
    outcome, category, place, window = (
        table.outcome,
        table.category,
        table.place,
        table.window,
    )
    for row in range(len(table)):
        w = window.levels[window.codes[row]]
        key = (
            outcome.levels[outcome.codes[row]],
            category_key[category.codes[row]],
            place_key[place.codes[row]],
            w,
        )
        index = keys.get(key)
        if index is None:
            index = keys[key] = len(scopes)
            scopes.append(
                Scope(
                    outcome.levels[outcome.codes[row]],
                    category.levels[category.codes[row]],
                    place.levels[place.codes[row]],
                    w.start,
                    w.end,
                    w.cumulative,
                )
            )
        of_row.append(index)
    return scopes, of_row


# --- one claim per scope and origin ---------------------------------------------------------------


def published_key(value: DateValue | None) -> PublishedKey:
    if value is None:
        return _NEVER
    instant = value.instant.timestamp() if value.instant is not None else 0.0
    return (value.end.toordinal(), instant)


def build_claims(table: ReportTable, categories: Mapping[str, CategoryNode]) -> ClaimSet:
    """Every scope's surviving claims, one per origin, with the audit trail of the others."""
    scopes, of_row = scope_rows(table)
    result = ClaimSet(scopes)
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row, scope in enumerate(of_row):
        groups[(scope, table.source.levels[table.source.codes[row]])].append(row)
    direct: dict[tuple[int, str], list[Claim]] = {}
    for (scope, origin), rows in groups.items():
        direct[(scope, origin)] = _direct_claims(table, scope, origin, rows, result)
    scope_index = ScopeIndex(result.scopes)
    derived = _derive_sums(direct, categories, result, scope_index)
    derived += _place_sums(direct, derived, table.places, result, scope_index)
    derived += _derive_differences(direct, result, scope_index)
    candidates: dict[tuple[int, str], list[Claim]] = defaultdict(list)
    for key, claims in direct.items():
        candidates[key].extend(claims)
    for claim in derived:
        candidates[(claim.scope, claim.origin)].append(claim)
    for (scope, origin), claims in sorted(candidates.items()):
        chosen = _merge(claims, result)
        if chosen is not None:
            result.claims.append(chosen)
            result.records.append(
                Record(scope, _first_row(chosen), origin, Status.USED, chosen.q, "", chosen)
            )
    return result


def _first_row(claim: Claim) -> int | None:
    return None if claim.derived else claim.rows[0]


def _direct_claims(
    table: ReportTable, scope: int, origin: str, rows: list[int], result: ClaimSet
) -> list[Claim]:
    """The latest publication's claims of one origin for one scope; earlier ones superseded.

    Reports carrying the same figure (relays, repeats) become one claim; the others are recorded
    as ``duplicate_origin``.
    """
    if len(rows) == 1:
        # Most scopes hear an origin once: nothing to supersede, merge or record.
        (row,) = rows
        q = _origin_q(table, origin, rows)
        return [_claim_of(table, scope, origin, (row,), q, published_key(table.published[row]))]
    latest = max(published_key(table.published[row]) for row in rows)
    q = _origin_q(table, origin, rows)
    first_of: dict[Kernel, int] = {}
    members: dict[int, list[int]] = {}
    for row in rows:
        if published_key(table.published[row]) != latest:
            continue
        first = first_of.setdefault(table.count[row].kernel, row)
        members.setdefault(first, []).append(row)
        if first != row:
            via = f", relayed by {table.via[row]}" if table.via[row] else ""
            result.records.append(
                Record(
                    scope,
                    row,
                    origin,
                    Status.DUPLICATE_ORIGIN,
                    q,
                    f"the same figure as {table.location(first)}{via}: {origin} counted once",
                )
            )
    for row in rows:
        if published_key(table.published[row]) == latest:
            continue
        later = first_of.get(table.count[row].kernel)
        if later is not None:
            status, reason = Status.DUPLICATE_ORIGIN, f"repeated later at {table.location(later)}"
        else:
            status = Status.SUPERSEDED
            reason = f"superseded by {origin}'s later report"
        result.records.append(Record(scope, row, origin, status, q, reason))
    return [_claim_of(table, scope, origin, tuple(members[first]), q, latest) for first in members]


def _origin_q(table: ReportTable, origin: str, rows: Iterable[int]) -> float:
    """The origin's own grade if declared, else the best grade among the reports that carry it."""
    declared = table.sources.get(origin)
    if declared is not None and declared.grade is not None:
        return declared.grade.q
    return max(table.grade[row].q for row in rows)


def _claim_of(
    table: ReportTable,
    scope: int,
    origin: str,
    rows: tuple[int, ...],
    q: float,
    published: PublishedKey,
) -> Claim:
    quantity = table.count[rows[0]]
    exact = quantity.value if quantity.kind is QuantityKind.EXACT else None
    high = quantity.high if quantity.high is not None else (quantity.value or quantity.low)
    low = quantity.value if quantity.value is not None else quantity.low
    if quantity.kind is QuantityKind.RANGE:
        low, high = quantity.low, quantity.high or quantity.low
    return Claim(
        scope=scope,
        origin=origin,
        kernel=quantity.kernel,
        q=q,
        rows=rows,
        published=published,
        exact=exact,
        stated=(min(low, high), max(low, high)),
        conservative=quantity.conservative,
    )


def derived_claim(
    scope: int,
    origin: str,
    kind: str,
    kernel: Kernel,
    value: int,
    *,
    q: float,
    rows: tuple[int, ...],
    published: PublishedKey,
    arithmetic: str,
) -> Claim:
    """A claim made by arithmetic on an origin's claims: ``value`` as stated (a revision cap
    only bounds the count, so it is no exact figure)."""
    return Claim(
        scope=scope,
        origin=origin,
        kernel=kernel,
        q=q,
        rows=rows,
        published=published,
        exact=value if kind != "revision_cap" else None,
        stated=(value, value),
        conservative=value,
        kind=kind,
        arithmetic=arithmetic,
    )


def _derived(
    scope: int,
    origin: str,
    kind: str,
    kernel: Kernel,
    value: int,
    parts: Sequence[Claim],
    arithmetic: str,
) -> Claim:
    return derived_claim(
        scope,
        origin,
        kind,
        kernel,
        value,
        q=min(part.q for part in parts),
        rows=tuple(dict.fromkeys(row for part in parts for row in part.rows)),
        published=max(part.published for part in parts),
        arithmetic=arithmetic,
    )


def difference_arithmetic(before: int, after: int, first: date | None, last: date | None) -> str:
    """How a day difference is worked out from two "as of" figures and their days."""
    return f"{after:,} (as of {last}) − {before:,} (as of {first}) = {after - before:,}"


# --- same-origin arithmetic ----------------------------------------------------------------------


def _exact_statements(
    direct: Mapping[tuple[int, str], list[Claim]],
) -> dict[tuple[int, str], Claim]:
    """Each scope and origin whose statement, once merged (``_merge``), is one exact figure:
    the parts a sum may add.  A vaguer statement the exact one lies within does not stop it."""
    exact: dict[tuple[int, str], Claim] = {}
    for key, claims in direct.items():
        kept = _kept(claims)
        if kept is not None and kept.exact is not None:
            exact[key] = kept
    return exact


def _kept(claims: Sequence[Claim]) -> Claim | None:
    """The claim ``_merge`` keeps of one origin's direct claims, unless they contradict."""
    if len(claims) == 1:
        return claims[0]
    # _merge's own choice, its audit records left in a scratch set.
    scratch = ClaimSet([])
    kept = _merge(list(claims), scratch)
    return None if scratch.inconsistent else kept


def _derive_sums(
    direct: Mapping[tuple[int, str], list[Claim]],
    categories: Mapping[str, CategoryNode],
    result: ClaimSet,
    scope_index: ScopeIndex,
) -> list[Claim]:
    """Exact totals of complete breakdowns, deepest parents first (statistics.md 5.2)."""
    exact = _exact_statements(direct)
    derived: list[Claim] = []
    for node in _deepest_first(categories):
        if not node.complete or not node.parts:
            continue
        for (scope_id, origin), first in list(exact.items()):
            claim = _sum_of_parts(node, scope_id, origin, first, exact, result, scope_index)
            if claim is not None:
                derived.append(claim)
                exact.setdefault((claim.scope, origin), claim)
    return derived


def _sum_of_parts(
    node: CategoryNode,
    scope_id: int,
    origin: str,
    first: Claim,
    exact: Mapping[tuple[int, str], Claim],
    result: ClaimSet,
    scope_index: ScopeIndex,
) -> Claim | None:
    """The derived total of ``node`` when ``first`` is its first part and every part is exact."""
    scope = result.scopes[scope_id]
    if not scope.category or name_key(scope.category[-1]) != name_key(node.parts[0]):
        return None
    parent_path = scope.category[:-1]
    is_root = name_key(node.name) == ROOT_CATEGORY
    if is_root != (not parent_path):
        return None
    if not is_root and name_key(parent_path[-1]) != name_key(node.name):
        return None
    parts = [first]
    for name in node.parts[1:]:
        sibling = scope_index.find(replace(scope, category=(*parent_path, name)))
        found = exact.get((sibling, origin)) if sibling is not None else None
        if found is None:
            return None
        parts.append(found)
    total = sum(part.exact or 0 for part in parts)
    index = scope_index.add(replace(scope, category=parent_path))
    terms = " + ".join(f"{part.exact:,}" for part in parts)
    return _derived(
        index, origin, "derived_sum", exact_kernel(total), total, parts, f"{terms} = {total:,}"
    )


def _place_sums(
    direct: Mapping[tuple[int, str], list[Claim]],
    earlier: Sequence[Claim],
    places: Mapping[str, CategoryNode],
    result: ClaimSet,
    scope_index: ScopeIndex,
) -> list[Claim]:
    """Exact totals of places whose parts are declared complete, deepest places first."""
    complete = [node for node in places.values() if node.complete and node.parts]
    if not complete:
        return []
    exact = _exact_statements(direct)
    for claim in earlier:
        exact.setdefault((claim.scope, claim.origin), claim)
    # The exact claims filed by (parent place, last name), keyed: each complete place looks up
    # its first part's claims instead of reading every claim (which made this quadratic).
    keyed: dict[int, tuple[str, ...]] = {}
    filed: dict[tuple[tuple[str, ...], str], list[tuple[int, str]]] = defaultdict(list)

    def file(key: tuple[int, str]) -> None:
        place = keyed.get(key[0])
        if place is None:
            place = keyed[key[0]] = tuple(map(name_key, result.scopes[key[0]].place))
        if place:
            filed[(place[:-1], place[-1])].append(key)

    for key in exact:
        file(key)
    derived: list[Claim] = []
    for node in sorted(complete, key=lambda n: (-n.name.count("/"), n.name)):
        parent = place_key(node.name)
        first_part = name_key(node.parts[0])
        for scope_id, origin in list(filed.get((parent, first_part), ())):
            first = exact[(scope_id, origin)]
            scope = result.scopes[scope_id]
            parts = [first]
            for name in node.parts[1:]:
                sibling = scope_index.find(replace(scope, place=(*scope.place[:-1], name)))
                found = exact.get((sibling, origin)) if sibling is not None else None
                if found is None:
                    break
                parts.append(found)
            else:
                total = sum(part.exact or 0 for part in parts)
                index = scope_index.add(replace(scope, place=scope.place[:-1]))
                terms = " + ".join(f"{part.exact:,}" for part in parts)
                claim = _derived(
                    index, origin, "derived_sum", exact_kernel(total), total, parts,
                    f"{terms} = {total:,}",
                )  # fmt: skip
                derived.append(claim)
                if (index, origin) not in exact:
                    exact[(index, origin)] = claim
                    file((index, origin))
    return derived


def _deepest_first(categories: Mapping[str, CategoryNode]) -> list[CategoryNode]:
    parent_of = {name_key(part): node.name for node in categories.values() for part in node.parts}

    def depth(node: CategoryNode) -> int:
        level, name = 0, node.name
        while name_key(name) in parent_of and level < len(categories):
            name, level = parent_of[name_key(name)], level + 1
        return level

    return sorted(categories.values(), key=lambda node: (-depth(node), node.name))


def _derive_differences(
    direct: Mapping[tuple[int, str], list[Claim]],
    result: ClaimSet,
    scope_index: ScopeIndex,
) -> list[Claim]:
    """Revision caps and day differences along each origin's cumulative series (section 4.3)."""
    chains: dict[tuple[object, ...], list[Claim]] = defaultdict(list)
    for (scope_id, origin), claims in direct.items():
        scope = result.scopes[scope_id]
        if scope.cumulative and scope.end is not None and len(claims) == 1:
            if claims[0].exact is not None:
                key = (origin, scope.outcome, scope.category, scope.place, scope.start)
                chains[key].append(claims[0])
    derived: list[Claim] = []
    for chain in chains.values():
        chain.sort(key=lambda claim: result.scopes[claim.scope].end or date.min)
        derived.extend(_revision_caps(chain, result))
        derived.extend(_day_differences(chain, result, scope_index))
    return derived


def _revision_caps(chain: Sequence[Claim], result: ClaimSet) -> list[Claim]:
    caps: list[Claim] = []
    for index, claim in enumerate(chain):
        later = chain[index + 1 :]
        lowest = min(later, key=lambda c: c.exact or 0, default=None)
        if lowest is None or claim.exact is None or (lowest.exact or 0) >= claim.exact:
            continue
        value = lowest.exact or 0
        when = result.scopes[lowest.scope].end
        arithmetic = (
            f"{value:,} (as of {when}) < {claim.exact:,} (as of {result.scopes[claim.scope].end}):"
            f" the later figure caps the earlier one, read as at most {value:,}"
        )
        cap = _derived(
            claim.scope, claim.origin, "revision_cap", cap_kernel(value), value, [claim], arithmetic
        )
        caps.append(cap)
        result.revised.add(claim.scope)
    return caps


def _day_differences(
    chain: Sequence[Claim], result: ClaimSet, scope_index: ScopeIndex
) -> list[Claim]:
    differences: list[Claim] = []
    for before, after in itertools.pairwise(chain):
        if before.exact is None or after.exact is None or after.exact < before.exact:
            continue
        first, last = result.scopes[before.scope].end, result.scopes[after.scope].end
        if first is None or last is None or first >= last:
            continue
        window = replace(
            result.scopes[after.scope], start=first + timedelta(days=1), cumulative=False
        )
        # The days between two bulletins are a scope of their own even when no report covers
        # them: the derived claim is the count of those days (statistics.md 4.3, P4).
        index = scope_index.add(window)
        value = after.exact - before.exact
        arithmetic = difference_arithmetic(before.exact, after.exact, first, last)
        differences.append(
            _derived(
                index,
                after.origin,
                "derived_difference",
                exact_kernel(value),
                value,
                [before, after],
                arithmetic,
            )
        )
    return differences


# --- merging one origin's claims for one scope ----------------------------------------------


def _merge(claims: list[Claim], result: ClaimSet) -> Claim | None:
    """Keep one claim per scope and origin (statistics.md 5.2); record what became of the rest."""
    if not claims:
        return None
    if any(c.kind == "revision_cap" for c in claims):
        cap = next(c for c in claims if c.kind == "revision_cap")
        for other in claims:
            if other is not cap:
                _record(result, other, Status.SUPERSEDED, f"capped: {cap.arithmetic}")
        return cap
    latest = max(c.published for c in claims)
    current = [c for c in claims if c.published == latest]
    for old in claims:
        if old.published != latest:
            _record(result, old, Status.SUPERSEDED, "superseded by a later statement")
    unique: list[Claim] = []
    for claim in current:
        twin = next((u for u in unique if u.kernel == claim.kernel), None)
        if twin is None:
            unique.append(claim)
        else:
            _record(result, claim, Status.DUPLICATE_ORIGIN, f"the same figure as {_name(twin)}")
    if len(unique) == 1:
        return unique[0]
    # Ties broken by the kernel itself, so that the input order never matters.
    precise = min(unique, key=lambda c: (c.width, not c.derived, _kernel_key(c.kernel)))
    centre = precise.centre
    others = [c for c in unique if c is not precise]
    if all(c.support[0] <= centre <= c.support[1] for c in others):
        for other in others:
            _record(
                result,
                other,
                Status.SUBSUMED,
                f"{_name(precise)} lies within it: one statement of {other.origin} kept",
            )
        return precise
    # Statements published at the same moment that contradict each other: keep the most
    # precise one (statistics.md 5.2 keeps the latest, and none is later) and flag the scope.
    result.inconsistent.add(precise.scope)
    chosen = precise
    for other in unique:
        if other is not chosen:
            _record(
                result,
                other,
                Status.INCONSISTENT,
                f"{other.origin}'s statements disagree; the most precise ({_name(chosen)}) is kept",
            )
    return chosen


def _kernel_key(kernel: Kernel) -> tuple[tuple[int, int, float], ...]:
    return tuple((c.low, c.high, c.weight) for c in kernel)


def _name(claim: Claim) -> str:
    if claim.derived:
        return claim.arithmetic.split(":")[0]
    return "the figure " + (f"{claim.exact:,}" if claim.exact is not None else "stated")


def _record(result: ClaimSet, claim: Claim, status: Status, reason: str) -> None:
    if claim.derived:
        result.records.append(
            Record(claim.scope, None, claim.origin, status, claim.q, reason, claim)
        )
        return
    for row in claim.rows:
        result.records.append(Record(claim.scope, row, claim.origin, status, claim.q, reason))
