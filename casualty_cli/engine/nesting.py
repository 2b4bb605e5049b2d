"""Parts never exceed the whole: messages between the scopes of a family (statistics.md 5.3).

After every scope has been fused on its own claims (``direct``), one upward pass sends each parent
the sum of its parts (exhaustive families) or a floor (the others), and one downward pass sends
each part a cap (and, for exhaustive families, a floor) from its parent and siblings.  A message
into a scope never carries the word of an origin that speaks to that scope directly (the
exclusion rule): those claims are taken out and the posteriors refitted before the message is
made.  Each scope then keeps its narrowest up-message, its tightest cap and its tightest floor,
and is fused once more with them (``final``).

Messages are moments and intervals of posteriors, not convolutions (statistics.md 7): the sum of
parts is an atom at the sum of their best estimates and a band whose half-widths add the parts'
95% half-widths in quadrature, since distinct origins err independently.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from casualty_cli.engine.arrays import distinct, starts, within
from casualty_cli.engine.coherence import cohere
from casualty_cli.engine.columnar_families import LazyKeys, ScopeColumns, find_families_columnwise
from casualty_cli.engine.families import (
    Families,
    Family,
    ScopeKey,
    family_columns,
    find_families,
    heights,
    scope_key,
)
from casualty_cli.engine.fuse import SCOPE_FIELDS, BoundArrays, ClaimArrays, Fusion, fuse
from casualty_cli.estimates import Scope
from casualty_cli.model import CategoryNode

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

Component = tuple[int, int, float]
Rows = tuple[int, ...]  # claims, by their position in the claim arrays


@dataclass(frozen=True, slots=True)
class Message:
    """What a family told one scope, and the arithmetic behind it.

    ``kind`` is ``sum`` (an exhaustive family's parts, a two-sided claim), ``floor`` or ``cap``
    (one-sided bounds), or ``residual`` (a complete parent less its other parts, a two-sided
    claim for the one part nobody counted).  ``origins`` are the origins whose claims made it.
    """

    kind: str
    target: int
    family: Family
    value: int
    low: int
    high: int
    q: float
    origins: frozenset[int]
    arithmetic: str

    @property
    def kernel(self) -> tuple[Component, ...]:
        if self.kind == "union":
            return ((self.low, self.high, 1.0),)
        if self.low == self.high == self.value:
            return ((self.value, self.value, 1.0),)
        return ((self.value, self.value, 0.5), (self.low, self.high, 0.5))

    @property
    def width(self) -> float:
        return math.log((self.high + 2) / (self.low + 1))

    @property
    def is_claim(self) -> bool:
        return self.kind in ("sum", "residual", "union")


class Summary(NamedTuple):
    """What a message needs of a posterior (a tuple: thousands are made a pass)."""

    best: int
    low: int
    high: int
    low95: int
    high95: int
    q: float  # the largest q among the claims used: q̄ of statistics.md 5.3
    origins: frozenset[int]


@dataclass
class Nesting:
    """The messages each scope received, and the fusion of every scope with them."""

    final: Fusion
    messages: dict[int, list[Message]] = field(default_factory=dict)
    direct_support: FloatArray = field(default_factory=lambda: np.zeros(0))
    message_support: dict[int, float] = field(default_factory=dict)  # id(message) → support


@dataclass(frozen=True)
class ScopeClaims:
    """The claims of every scope: global claim arrays sorted by scope, and each one's origin."""

    claims: ClaimArrays
    origin: IntArray
    n_scopes: int

    def rows_of(self, scopes: Sequence[int]) -> dict[int, Rows]:
        """The claims of each of ``scopes``, as Python ints: a scope has a handful, which
        Python reads and filters faster than numpy."""
        order = np.argsort(self.claims.scope, kind="stable")
        wanted = np.array(sorted(scopes), np.int64)
        begins = np.searchsorted(self.claims.scope[order], wanted)
        ends = np.searchsorted(self.claims.scope[order], wanted, side="right")
        claims: list[int] = order.tolist()
        return {
            s: tuple(claims[a:b])
            for s, a, b in zip(wanted.tolist(), begins.tolist(), ends.tolist(), strict=True)
        }

    @cached_property
    def origins(self) -> list[int]:
        """``origin`` as Python ints, for the refits' per-set reads."""
        values: list[int] = self.origin.tolist()
        return values

    @cached_property
    def qs(self) -> list[float]:
        """Each claim's q as a Python float."""
        values: list[float] = self.claims.q.tolist()
        return values

    @cached_property
    def components(self) -> tuple[IntArray, IntArray]:
        """Components sorted by claim, and where each claim's start (one more for the end)."""
        order = np.argsort(self.claims.comp_claim, kind="stable")
        start = np.searchsorted(
            self.claims.comp_claim[order], np.arange(self.claims.scope.size + 1)
        )
        return order, start


class _Pool:
    """Sets of evidence to fuse together, each as one pseudo-scope: claims, kernels, bounds."""

    def __init__(self, base: ScopeClaims) -> None:
        self.base = base
        self.comp_order, self.comp_start = base.components
        self.sets: list[tuple[Rows, list[Message]]] = []

    def add(self, rows: Rows, messages: Sequence[Message]) -> int:
        self.sets.append((rows, list(messages)))
        return len(self.sets) - 1

    def fuse(self) -> tuple[Fusion, IntArray, list[tuple[int, Message, int]]]:
        """The fusion of every set; the position of each set's claims; the messages' rows."""
        claims = self.base.claims
        counts = [len(rows) for rows, _ in self.sets]
        set_of_claim = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        rows = np.fromiter(
            itertools.chain.from_iterable(rows for rows, _ in self.sets), np.int64, sum(counts)
        )
        sizes = self.comp_start[rows + 1] - self.comp_start[rows]
        comps = self.comp_order[np.repeat(self.comp_start[rows], sizes) + within(sizes)]
        # The messages that are claims, after the sets' own claims: one list per column.
        scope: list[int] = []
        q: list[float] = []
        comp_claim: list[int] = []
        low: list[int] = []
        high: list[int] = []
        weight: list[float] = []
        bound_rows: list[tuple[int, bool, int, float]] = []
        placed: list[tuple[int, Message, int]] = []
        n_claims = rows.size
        n_bounds = 0
        for index, (_, messages) in enumerate(self.sets):
            for message in messages:
                if message.is_claim:
                    kernel = message.kernel
                    scope.append(index)
                    q.append(message.q)
                    comp_claim.extend([n_claims] * len(kernel))
                    low.extend(c[0] for c in kernel)
                    high.extend(c[1] for c in kernel)
                    weight.extend(c[2] for c in kernel)
                    placed.append((index, message, n_claims))
                    n_claims += 1
                else:
                    bound_rows.append((index, message.kind == "cap", message.value, message.q))
                    placed.append((index, message, -1 - n_bounds))
                    n_bounds += 1
        fusion = fuse(
            ClaimArrays(
                scope=np.concatenate([set_of_claim, np.array(scope, np.int64)]),
                q=np.concatenate([claims.q[rows], np.array(q, np.float64)]),
                comp_claim=np.concatenate(
                    [np.repeat(np.arange(rows.size), sizes), np.array(comp_claim, np.int64)]
                ),
                comp_low=np.concatenate([claims.comp_low[comps], np.array(low, np.int64)]),
                comp_high=np.concatenate([claims.comp_high[comps], np.array(high, np.int64)]),
                comp_weight=np.concatenate(
                    [claims.comp_weight[comps], np.array(weight, np.float64)]
                ),
            ),
            BoundArrays.from_rows(bound_rows),
            n_scopes=len(self.sets),
            segments=False,
        )
        return fusion, rows, placed


def nest(base: ScopeClaims, direct: Fusion, families: Families) -> Nesting:
    """Send every family's messages and fuse each scope once more with those it keeps."""
    n_scopes = base.n_scopes
    members = {s for f in families.families for s in (f.parent, *f.children)}
    rows_of = base.rows_of(sorted(members))
    has_claims = np.bincount(base.claims.scope, minlength=n_scopes) > 0
    origins_of, q_of = _origins_and_q(base, rows_of)
    by_parent = families.of_parent()
    by_level = _by_level(by_parent, _heights(families))
    up: dict[int, Message] = {}
    caps: dict[int, Message] = {}
    floors: dict[int, Message] = {}
    direct_ranges = _ranges(direct)
    direct_summary = {s: Summary(*direct_ranges[s], q_of[s], origins_of[s]) for s in q_of}
    evidence = _Evidence(base, rows_of, up, caps, floors, origins_of)
    up_summary = dict(direct_summary)
    levels = sorted(by_level)
    for level in levels:
        parents = by_level[level]
        refits = _Refits(base, evidence, up_summary, direct_summary)
        _upward(parents, by_parent, refits, origins_of, direct.hull_low, has_claims, up)
        # up(P): the parent's claims with the message it kept, for the next level's sums.
        refits = _Refits(base, evidence, {}, direct_summary)
        asked = {p: refits.ask(p, frozenset(), up=True, down=False) for p in parents if p in up}
        refits.run()
        for parent, key in asked.items():
            summary = refits[key]
            if summary is not None:
                up_summary[parent] = summary
    hull_low, hull_high = direct.hull_low.tolist(), direct.hull_high.tolist()
    hulls = {s: (hull_low[s], hull_high[s]) for s in q_of}
    for s, message in up.items():
        hulls.setdefault(s, (message.low, message.high))
    for level in reversed(levels):
        parents = by_level[level]
        refits = _Refits(base, evidence, up_summary, direct_summary)
        _downward(parents, by_parent, families, refits, origins_of, hulls, up, caps, floors)

    final, placed = _final(base, evidence, direct)
    messages: dict[int, list[Message]] = defaultdict(list)
    message_support: dict[int, float] = {}
    for message, position in placed:
        messages[message.target].append(message)
        support = final.support[position] if position >= 0 else final.bound_support[-1 - position]
        message_support[id(message)] = float(support)
    return Nesting(final, dict(messages), final.support[: base.claims.scope.size], message_support)


def _final(
    base: ScopeClaims, evidence: _Evidence, direct: Fusion
) -> tuple[Fusion, list[tuple[Message, int]]]:
    """Every scope fused with its claims and the messages it keeps.

    The claims keep their positions; message claims follow them, and bounds are numbered
    −1, −2, … in ``placed``.  Only the scopes that kept a message are fused again: a scope's
    fusion depends on its own claims alone, so the others keep their direct one, bit for bit.
    """
    claims = base.claims
    kept = sorted(
        {
            id(m): m for box in (evidence.up, evidence.caps, evidence.floors) for m in box.values()
        }.values(),
        key=lambda m: (m.target, m.kind, m.value),
    )
    two_sided = [m for m in kept if m.is_claim]
    bounds = [m for m in kept if not m.is_claim]
    n_claims = claims.scope.size
    if not kept:
        return direct, []
    targets = distinct(np.array([m.target for m in kept], np.int64))
    local = np.full(direct.best.size, -1, np.int64)
    local[targets] = np.arange(targets.size)
    rows = np.flatnonzero(local[claims.scope] >= 0)  # the claims of those scopes
    position = np.full(n_claims, -1, np.int64)
    position[rows] = np.arange(rows.size)
    comps = np.flatnonzero(position[claims.comp_claim] >= 0)
    extra = ClaimArrays.from_rows((int(local[m.target]), m.kernel, m.q) for m in two_sided)
    part = fuse(
        ClaimArrays(
            scope=np.concatenate([local[claims.scope[rows]], extra.scope]),
            q=np.concatenate([claims.q[rows], extra.q]),
            comp_claim=np.concatenate(
                [position[claims.comp_claim[comps]], extra.comp_claim + rows.size]
            ),
            comp_low=np.concatenate([claims.comp_low[comps], extra.comp_low]),
            comp_high=np.concatenate([claims.comp_high[comps], extra.comp_high]),
            comp_weight=np.concatenate([claims.comp_weight[comps], extra.comp_weight]),
        ),
        BoundArrays.from_rows(
            (int(local[m.target]), m.kind == "cap", m.value, m.q) for m in bounds
        ),
        n_scopes=targets.size,
        segments=bool(direct.segment_start[-1] > 0),  # as the direct fusion has them, or not
    )
    fusion = _spliced(direct, part, targets, rows)
    placed = [(m, n_claims + i) for i, m in enumerate(two_sided)]
    placed += [(m, -1 - i) for i, m in enumerate(bounds)]
    return fusion, placed


def _spliced(direct: Fusion, part: Fusion, targets: IntArray, rows: IntArray) -> Fusion:
    """``direct`` with the scopes ``targets`` (and their claims ``rows``) taken from ``part``,
    whose own claims follow theirs (the message claims, appended to every claim)."""
    per_scope = {}
    for name in SCOPE_FIELDS:
        values = np.array(getattr(direct, name), copy=True)
        values[targets] = getattr(part, name)
        per_scope[name] = values
    support = np.concatenate([direct.support, part.support[rows.size :]])
    support[rows] = part.support[: rows.size]
    # Segments: each scope's run, from ``part`` for the targets, else from ``direct``.
    length = np.diff(direct.segment_start)
    length[targets] = np.diff(part.segment_start)
    first = direct.segment_start[:-1].copy()  # where each run starts in the joined arrays
    first[targets] = part.segment_start[:-1] + direct.segment_low.size
    within = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    picks = np.repeat(first, length) + within
    return Fusion(
        **per_scope,
        support=support,
        bound_low=part.bound_low,
        bound_high=part.bound_high,
        bound_support=part.bound_support,
        segment_start=np.concatenate([np.zeros(1, np.int64), np.cumsum(length)]),
        segment_low=np.concatenate([direct.segment_low, part.segment_low])[picks],
        segment_high=np.concatenate([direct.segment_high, part.segment_high])[picks],
        segment_mass=np.concatenate([direct.segment_mass, part.segment_mass])[picks],
    )


def _ranges(fusion: Fusion) -> list[tuple[int, int, int, int, int]]:
    """Per scope, ``(best, low, high, low95, high95)`` as Python ints: a Summary's first five."""
    return list(
        zip(
            fusion.best.tolist(),
            fusion.low.tolist(),
            fusion.high.tolist(),
            fusion.low95.tolist(),
            fusion.high95.tolist(),
            strict=True,
        )
    )


def _origins_and_q(
    base: ScopeClaims, rows_of: Mapping[int, Rows]
) -> tuple[dict[int, frozenset[int]], dict[int, float]]:
    """Each scope's claim origins, and (for a scope with claims) the largest q among them."""
    origin, q = base.origins, base.qs
    origins_of: dict[int, frozenset[int]] = {}
    q_of: dict[int, float] = {}
    for s, picked in rows_of.items():
        origins_of[s] = frozenset([origin[r] for r in picked])
        if picked:
            q_of[s] = max([q[r] for r in picked])
    return origins_of, q_of


def _by_level(
    by_parent: Mapping[int, list[Family]], height: Mapping[int, int]
) -> dict[int, list[int]]:
    """The parents at each height, in the order of ``by_parent``."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for parent in by_parent:
        by_level[height[parent]].append(parent)
    return by_level


def _heights(families: Families) -> dict[int, int]:
    """0 for a scope that is nobody's parent, else one more than its tallest child."""
    children_of: dict[int, set[int]] = defaultdict(set)
    for family in families.families:
        children_of[family.parent].update(family.children)
    return heights(children_of)


# --- the two passes ---------------------------------------------------------------------------


_NO_ROWS: Rows = ()


class _Evidence:
    """What may go into a refit of one scope: its claims and messages, less some origins."""

    def __init__(
        self,
        base: ScopeClaims,
        rows_of: Mapping[int, Rows],
        up: dict[int, Message],
        caps: dict[int, Message],
        floors: dict[int, Message],
        origins: dict[int, frozenset[int]],
    ) -> None:
        self.base = base
        self.rows_of = rows_of
        self.up, self.caps, self.floors = up, caps, floors
        # The origins of each scope's claims, shared with ``nest`` (one frozenset per scope).
        self._origins = origins

    def origins_of(self, s: int) -> frozenset[int]:
        found = self._origins.get(s)
        if found is None:
            found = self._origins[s] = frozenset(
                self.base.origins[r] for r in self.rows_of.get(s, _NO_ROWS)
            )
        return found

    def messages(self, s: int, *, up: bool, down: bool) -> list[Message]:
        kept = [self.up[s]] if up and s in self.up else []
        if down:
            kept += [box[s] for box in (self.caps, self.floors) if s in box]
        return kept


_Key = tuple[object, ...]  # a refit: the scope, which messages it may read, the evidence kept


class _Refits:
    """Posteriors of scopes refitted on part of their evidence, fused in one call per pass."""

    def __init__(
        self,
        base: ScopeClaims,
        evidence: _Evidence,
        known: dict[int, Summary],
        direct: dict[int, Summary],
    ) -> None:
        self.base = base
        self.evidence = evidence
        self.known = known  # up posteriors on all their evidence, reused when nothing is left out
        self.direct = direct  # direct posteriors, reused for a parent that received nothing
        self.pool = _Pool(base)
        self.wanted: dict[_Key, int | None] = {}
        self.ready: dict[_Key, Summary | None] = {}

    def ask(self, s: int, excluded: frozenset[int], *, up: bool, down: bool) -> _Key:
        evidence = self.evidence
        full_rows = evidence.rows_of.get(s, _NO_ROWS)
        full_messages = evidence.messages(s, up=up, down=down)
        if not excluded or (
            evidence.origins_of(s).isdisjoint(excluded)
            and all(m.origins.isdisjoint(excluded) for m in full_messages)
        ):
            # Most asks leave nothing out: answer from the full evidence, filtering nothing.
            rows, messages, unchanged = full_rows, full_messages, True
            kept: tuple[bool, ...] = ()
        else:
            origin = self.base.origins
            rows = tuple(r for r in full_rows if origin[r] not in excluded)
            kept = tuple(m.origins.isdisjoint(excluded) for m in full_messages)
            messages = [m for m, keep in zip(full_messages, kept, strict=True) if keep]
            unchanged = len(rows) == len(full_rows) and len(messages) == len(full_messages)
        # A refit is known by the evidence it keeps: its claims *and* which of its messages,
        # since two asks may keep the same claims and not the same messages.
        key: _Key = (s, up, down, None if unchanged else (frozenset(rows), kept))
        if key in self.wanted or key in self.ready:
            return key
        if not rows and not messages:
            self.ready[key] = None
        elif unchanged and (up, down) == (True, False) and s in self.known:
            self.ready[key] = self.known[s]
        elif unchanged and not messages and s in self.direct:
            self.ready[key] = self.direct[s]
        else:
            self.wanted[key] = self.pool.add(rows, messages)
        return key

    def run(self) -> None:
        if not self.pool.sets:
            return
        fusion, _, _ = self.pool.fuse()
        ranges = _ranges(fusion)
        origin_of, q_of = self.base.origins, self.base.qs
        for key, index in self.wanted.items():
            if index is None:
                continue
            picked, messages = self.pool.sets[index]
            origins = frozenset([origin_of[r] for r in picked]).union(
                *(m.origins for m in messages)
            )
            q = max([q_of[r] for r in picked] + [m.q for m in messages])
            self.ready[key] = Summary(*ranges[index], q, origins)
        self.wanted.clear()
        self.pool = _Pool(self.base)

    def __getitem__(self, key: _Key) -> Summary | None:
        return self.ready[key]


def _upward(
    parents: Sequence[int],
    by_parent: dict[int, list[Family]],
    refits: _Refits,
    origins_of: Mapping[int, frozenset[int]],
    hull_low: IntArray,
    has_claims: BoolArray,
    up: dict[int, Message],
) -> None:
    """Each parent's narrowest message from its parts, children refitted without its origins."""
    plans = []
    for parent in parents:
        excluded = origins_of[parent]
        for family in by_parent[parent]:
            if excluded and all(c not in up and origins_of[c] <= excluded for c in family.children):
                continue  # the parts speak only for the parent's own origins: nothing to send
            keys = [refits.ask(c, excluded, up=True, down=False) for c in family.children]
            plans.append((parent, family, keys))
    refits.run()
    offers: dict[int, list[Message]] = defaultdict(list)
    for parent, family, keys in plans:
        parts = [refits[key] for key in keys]
        # A floor below every claim of the parent tells it nothing: not even made.
        floor_above = int(hull_low[parent]) if has_claims[parent] else None
        message = _up_message(parent, family, parts, floor_above)
        if message is not None:
            offers[parent].append(message)
    for parent, messages in offers.items():
        sums = [m for m in messages if m.kind in ("sum", "union")]
        if sums:
            # Ties broken by content, never by the order scopes were met in.
            up[parent] = min(
                sums,
                key=lambda m: (m.width, _DIMENSION_ORDER[m.family.dimension], -m.q, m.arithmetic),
            )
        else:
            up[parent] = min(
                messages,
                key=lambda m: (-m.value, _DIMENSION_ORDER[m.family.dimension], -m.q, m.arithmetic),
            )


_DIMENSION_ORDER = {"category": 0, "place": 1, "time": 2}


def _up_message(
    parent: int, family: Family, parts: Sequence[Summary | None], floor_above: int | None
) -> Message | None:
    """The sum, union bounds or floor the parts send up; a floor only above ``floor_above``
    (none if it is None)."""
    known = [part for part in parts if part is not None]
    if not known:
        return None
    m = sum(part.best for part in known)
    below = math.sqrt(sum((part.best - part.low95) ** 2 for part in known))
    low = max(0, math.floor(m - below))
    is_sum = family.exhaustive and len(known) == len(parts)
    if not family.union and not is_sum and (floor_above is None or low <= floor_above):
        return None
    q = min(part.q for part in known)
    origins = frozenset().union(*(part.origins for part in known))
    terms = " + ".join(f"{part.best:,}" for part in known)
    if family.union:
        if len(known) < len(parts):
            return None
        top = max(part.best for part in known)
        return Message(
            "union",
            parent,
            family,
            top,
            top,
            max(m, top),
            q,
            origins,
            f"at least the largest, {top:,}; at most their sum, {terms} = {m:,}",
        )
    if is_sum:
        above = math.sqrt(sum((part.high95 - part.best) ** 2 for part in known))
        return Message(
            "sum",
            parent,
            family,
            m,
            low,
            math.ceil(m + above),
            q,
            origins,
            f"{terms} = {m:,}",
        )
    return Message(
        "floor",
        parent,
        family,
        low,
        low,
        low,
        q,
        origins,
        f"{terms} = {m:,}, at least {low:,} allowing for their uncertainty",
    )


def _downward(
    parents: Sequence[int],
    by_parent: dict[int, list[Family]],
    families: Families,
    refits: _Refits,
    origins_of: Mapping[int, frozenset[int]],
    hulls: dict[int, tuple[int, int]],
    up: dict[int, Message],
    caps: dict[int, Message],
    floors: dict[int, Message],
) -> None:
    """Caps and floors for each part from its parent and siblings, refitted without its origins.

    Each part's siblings are its family's posteriors less the few its own origins touch: those
    are refitted, the rest are shared, so a family of k parts costs k asks, not k².
    """
    plans: list[tuple[Family, _SiblingSums | None, int, bool, _Key, dict[int, _Key]]] = []
    for parent in parents:
        for family in by_parent[parent]:
            sums: _SiblingSums | None = None
            lone = len(family.children) == 1  # no siblings to sum: half the families of a part
            for position, child in enumerate(family.children):
                rest = families.residual.get(child) == parent and (
                    family.dimension == "category" or family.exhaustive
                )
                excluded = frozenset() if rest else origins_of[child]
                if (
                    excluded
                    and origins_of[parent] <= excluded
                    and parent not in caps
                    and parent not in floors
                ):
                    continue  # the whole speaks only for the part's own origins: no bound
                out_key = refits.ask(parent, excluded, up=False, down=True)
                if lone:
                    plans.append((family, None, position, rest, out_key, {}))
                    continue
                if sums is None:
                    sums = _SiblingSums(family, refits, up)
                touched = {
                    other: refits.ask(family.children[other], excluded, up=True, down=False)
                    for other in sums.touched_by(excluded)
                    if other != position
                }
                plans.append((family, sums, position, rest, out_key, touched))
    refits.run()
    for family, sums, position, rest, out_key, touched in plans:
        out = refits[out_key]
        if out is None:
            continue
        child = family.children[position]
        if rest:
            siblings = sums.siblings(position, touched) if sums is not None else []
            if all(s is not None for s in siblings):
                up[child] = _residual(child, family, out, [s for s in siblings if s is not None])
            continue
        hull = hulls.get(child)
        if hull is None:
            continue
        taken, others, n_known = sums.without(position, touched) if sums is not None else (0, 0, 0)
        cap = out.high95 - taken
        floor = out.low95 - others
        exhaustive = family.exhaustive and n_known == len(family.children) - 1
        if cap >= hull[1] and not (exhaustive and floor > hull[0]):
            continue  # no bound tighter than what the part says itself: no message
        origins = out.origins
        if sums is not None:
            origins = origins | sums.origins_without(position, touched)
        if cap < hull[1]:
            arithmetic = f"{out.high95:,} − {taken:,} = {cap:,}" if n_known else f"{cap:,}"
            message = Message(
                "cap", child, family, max(cap, 0), 0, max(cap, 0), out.q, origins, arithmetic
            )
            if child not in caps or _tighter(message, caps[child], lower=True):
                caps[child] = message
        if exhaustive and floor > hull[0]:
            message = Message(
                "floor", child, family, floor, floor, floor, out.q, origins,
                f"{out.low95:,} − {others:,} = {floor:,}",
            )  # fmt: skip
            if child not in floors or _tighter(message, floors[child], lower=False):
                floors[child] = message


class _SiblingSums:
    """A family's parts on all their evidence, and sums over them less one part and a few others.

    The sums are read only after ``refits.run()``; a part's posterior refitted without some
    origins replaces its full one in the sums (``touched``: position → refit key).
    """

    def __init__(self, family: Family, refits: _Refits, up: Mapping[int, Message]) -> None:
        self.family = family
        self.refits = refits
        self.full_keys = [refits.ask(c, frozenset(), up=True, down=False) for c in family.children]
        # Which parts an origin speaks in (its claims or the message it kept): only those
        # change when that origin is left out.
        self.speakers: dict[int, list[int]] = defaultdict(list)
        for position, c in enumerate(family.children):
            spoken = refits.evidence.origins_of(c)
            if c in up:
                spoken = spoken | up[c].origins
            for origin in spoken:
                self.speakers[origin].append(position)
        self._totals: tuple[int, int, int] | None = None
        self._counts: dict[int, int] | None = None
        self._union: frozenset[int] = frozenset()

    def touched_by(self, excluded: frozenset[int]) -> set[int]:
        return {p for origin in excluded for p in self.speakers.get(origin, ())}

    def siblings(self, position: int, touched: Mapping[int, _Key]) -> list[Summary | None]:
        return [
            self.refits[touched.get(other, key)]
            for other, key in enumerate(self.full_keys)
            if other != position
        ]

    def without(self, position: int, touched: Mapping[int, _Key]) -> tuple[int, int, int]:
        """Over the known siblings: Σ low95, Σ high95, and how many."""
        low, high, known = self._sums()
        for key, sign in self._changes(position, touched):
            summary = self.refits[key]
            if summary is not None:
                low += sign * summary.low95
                high += sign * summary.high95
                known += sign
        return low, high, known

    def origins_without(self, position: int, touched: Mapping[int, _Key]) -> frozenset[int]:
        """The origins of the known siblings (asked for only when a message is made)."""
        counts = self._origin_counts()
        change: dict[int, int] = {}
        for key, sign in self._changes(position, touched):
            summary = self.refits[key]
            if summary is not None:
                for origin in summary.origins:
                    change[origin] = change.get(origin, 0) + sign
        gone = [o for o, d in change.items() if d < 0 and counts.get(o, 0) + d <= 0]
        came = [o for o, d in change.items() if d > 0 and o not in counts]
        origins = self._union.difference(gone) if gone else self._union
        return origins.union(came) if came else origins

    def _changes(self, position: int, touched: Mapping[int, _Key]) -> list[tuple[_Key, int]]:
        """The posteriors to take out of the family's sums (−1) and to put in (+1)."""
        changes = [(self.full_keys[position], -1)]
        for other, key in touched.items():
            changes += [(self.full_keys[other], -1), (key, 1)]
        return changes

    def _parts(self) -> list[Summary]:
        return [s for s in (self.refits[k] for k in self.full_keys) if s is not None]

    def _sums(self) -> tuple[int, int, int]:
        if self._totals is None:
            parts = self._parts()
            self._totals = (
                sum(p.low95 for p in parts), sum(p.high95 for p in parts), len(parts)
            )  # fmt: skip
        return self._totals

    def _origin_counts(self) -> dict[int, int]:
        """How many of the known parts each origin speaks in."""
        if self._counts is None:
            counts: dict[int, int] = defaultdict(int)
            for part in self._parts():
                for origin in part.origins:
                    counts[origin] += 1
            self._counts = counts
            self._union = frozenset(counts)
        return self._counts


def _tighter(new: Message, old: Message, *, lower: bool) -> bool:
    """Whether ``new`` is the tighter bound; ties go to the surer, then by the arithmetic."""
    value = new.value if lower else -new.value
    kept = old.value if lower else -old.value
    return (value, -new.q, new.arithmetic) < (kept, -old.q, old.arithmetic)


def _residual(child: int, family: Family, whole: Summary, others: Sequence[Summary]) -> Message:
    """The one uncounted part of a complete whole: the whole less the other parts."""
    value = whole.best - sum(s.best for s in others)
    below = math.sqrt(
        (whole.best - whole.low95) ** 2 + sum((s.high95 - s.best) ** 2 for s in others)
    )
    above = math.sqrt(
        (whole.high95 - whole.best) ** 2 + sum((s.best - s.low95) ** 2 for s in others)
    )
    kept = max(value, 0)
    low, high = max(0, math.floor(value - below)), max(kept, math.ceil(value + above))
    terms = " − ".join([f"{whole.best:,}", *(f"{s.best:,}" for s in others)])
    return Message(
        "residual",
        child,
        family,
        kept,
        min(low, kept),
        high,
        min([whole.q, *(s.q for s in others)]),
        whole.origins.union(*(s.origins for s in others)),
        f"{terms} = {value:,}",
    )


# --- the whole step ---------------------------------------------------------------------------


@dataclass
class Nested:
    """The outcome of nesting: every scope (old and added), their final fusion and messages."""

    scopes: Sequence[Scope]  # the given ones (maybe made on demand), then any added
    fusion: Fusion
    support: FloatArray  # per claim of the input, from the final fusion
    messages: dict[int, list[Message]]
    message_support: dict[int, float]
    families: Families
    flags: dict[int, set[str]]
    notes: tuple[str, ...] = ()


def nest_scopes(
    scopes: Sequence[Scope],
    claims: ClaimArrays,
    claim_origin: IntArray,
    direct: Fusion,
    categories: Mapping[str, CategoryNode],
    targets: Sequence[tuple[date, date]] = (),
    places: Mapping[str, CategoryNode] | None = None,
    candidates: IntArray | None = None,
    columns: ScopeColumns | None = None,
) -> Nested | None:
    """Families, messages and the final fusion; None when no scope has a family.

    ``candidates`` (all scopes if None, in increasing order) are the scopes that may belong to
    a family; with ``columns`` (every scope's coordinates) the families are found column-wise
    when nothing declared complete or asked for can add a scope.
    """
    has_claims = np.bincount(claims.scope, minlength=len(scopes)) > 0
    families = None
    rank: Callable[[int], Any] | None = None
    if columns is not None and candidates is not None and not targets:
        if not _declares_complete(categories, places or {}):
            keys = LazyKeys(scopes)
            families = find_families_columnwise(columns, has_claims, candidates, keys)
            # No two scopes share a key here: their order by key is their order by rank.
            rank = columns.order.tolist().__getitem__
    if families is None:
        listed = None if candidates is None else candidates.tolist()
        families = find_families(
            list(scopes), has_claims.tolist(), categories, targets, places, listed
        )
    if not families.families:
        return None
    # ``scopes`` may make its Scope objects on demand: kept as it is unless some were added.
    all_scopes = [*scopes, *families.added] if families.added else scopes
    n_scopes = len(all_scopes)
    base = ScopeClaims(claims, claim_origin, n_scopes)
    widened = _widen(direct, n_scopes)
    nesting = nest(base, widened, families)
    # The finder keyed every scope it looked at: each member of a family among them.  Only the
    # scopes of broken constraints are ranked.
    if rank is None:
        rank = functools.cache(lambda s: _sortable(families.keys[s]))
    final, coherence_flags = cohere(nesting.final, families, rank)
    flags = _family_flags(families, widened)
    for scope, names in coherence_flags.items():
        flags.setdefault(scope, set()).update(names)
    for scope, received in nesting.messages.items():
        if any(m.kind == "union" for m in received):
            flags.setdefault(scope, set()).add("overlap_bounds_only")
    return Nested(
        all_scopes,
        final,
        nesting.direct_support,
        nesting.messages,
        nesting.message_support,
        families,
        flags,
        _unanswered(families, nesting.messages, all_scopes),
    )


def _declares_complete(
    categories: Mapping[str, CategoryNode], places: Mapping[str, CategoryNode]
) -> bool:
    """Whether a complete breakdown may add scopes or make a family exhaustive."""
    return any(node.complete for node in categories.values()) or any(
        node.complete and node.parts for node in places.values()
    )


def _unanswered(
    families: Families, messages: Mapping[int, list[Message]], scopes: Sequence[Scope]
) -> tuple[str, ...]:
    """A note for each asked-for window the windows inside it could not estimate."""
    notes = []
    for s in families.requested:
        if any(m.is_claim for m in messages.get(s, ())):
            continue
        scope = scopes[s]
        notes.append(
            (
                _sortable(scope_key(scope)),
                f"--period: no estimate for {scope.describe()}: the windows inside it do not "
                "cover it (a period is estimated from windows that tile it, or overlap across "
                "it); ask for a period they cover",
            )
        )
    return tuple(text for _, text in sorted(notes))


def _sortable(key: ScopeKey) -> tuple[object, ...]:
    """A scope key that sorts (dates as ordinals, a missing one first)."""
    return (
        key.outcome,
        key.category,
        key.place,
        key.start.toordinal() if key.start else -1,
        key.end.toordinal() if key.end else -1,
        key.cumulative,
    )


def _widen(fusion: Fusion, n_scopes: int) -> Fusion:
    """``fusion`` with −1 rows for the scopes added after it was made."""
    extra = n_scopes - fusion.best.size
    if extra == 0:
        return fusion
    pad = np.full(extra, -1, np.int64)
    per_scope = {name: np.concatenate([getattr(fusion, name), pad]) for name in SCOPE_FIELDS}
    last = fusion.segment_start[-1]
    return Fusion(
        **per_scope,
        support=fusion.support,
        bound_low=fusion.bound_low,
        bound_high=fusion.bound_high,
        bound_support=fusion.bound_support,
        segment_start=np.concatenate([fusion.segment_start, np.full(extra, last)]),
        segment_low=fusion.segment_low,
        segment_high=fusion.segment_high,
        segment_mass=fusion.segment_mass,
    )


def _family_flags(families: Families, direct: Fusion) -> dict[int, set[str]]:
    """``parts_exceed_whole`` and ``unattributed_remainder`` on direct posteriors (5.5).

    Every family at once: a family's parts are its children with a posterior, and only a
    parent with one is judged.  The sums are exact integers, as Python's would be: int64 while
    they stay far from overflow, else Python ints.
    """
    listed = families.families
    flags: dict[int, set[str]] = defaultdict(set)
    if not listed:
        return {}
    parent, sizes, child = family_columns(listed)
    first = starts(sizes)
    family_of = np.repeat(np.arange(len(listed)), sizes)
    judged = direct.best[parent] >= 0
    part = (direct.best[child] >= 0) & judged[family_of]
    largest = max(int(direct.high.max(initial=0)), int(direct.best.max(initial=0)), 1)
    # Below 2**52 every sum, and every square sum, is also exact as a float.
    exact: type = np.int64 if largest**2 * int(sizes.max()) < 2**52 else object

    def total(values: NDArray[Any]) -> NDArray[Any]:
        return np.add.reduceat(np.where(part, values, 0).astype(exact), first)

    best: NDArray[Any] = direct.best[child].astype(exact)
    low: NDArray[Any] = direct.low[child].astype(exact)
    high: NDArray[Any] = direct.high[child].astype(exact)
    n_parts = np.add.reduceat(part.astype(np.int64), first)
    m = total(best)
    below = _square_roots(total((best - low) ** 2))
    above = _square_roots(total((high - best) ** 2))
    judged &= n_parts > 0
    exceeds = judged & (m - below > direct.high[parent].astype(exact))
    complete = np.fromiter((f.exhaustive for f in listed), np.bool_, len(listed))
    complete &= n_parts == sizes
    short = judged & complete & (direct.low[parent].astype(exact) > m + above)
    for s in [*parent[exceeds].tolist(), *child[part & exceeds[family_of]].tolist()]:
        flags[s].add("parts_exceed_whole")
    for s in parent[short].tolist():
        flags[s].add("unattributed_remainder")
    return dict(flags)


def _square_roots(sums: NDArray[Any]) -> FloatArray:
    """``math.sqrt`` of each exact sum (int64 or Python ints), as floats."""
    if sums.dtype == object:
        return np.array([math.sqrt(v) for v in sums.tolist()], np.float64)
    return np.sqrt(sums.astype(np.float64))
