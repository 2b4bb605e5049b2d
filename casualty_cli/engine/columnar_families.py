"""The families of ``families.find_families``, found column-wise (plan stage 1).

Where no category or place is declared complete and no ``--period`` is asked for, no scope is
ever added and every family is made of scopes that have claims.  Then each kind of family is a
lookup among the scopes' coordinates as integer ids: a category's nearest ancestor at the same
outcome, place and window; a place's at the same outcome, category and window; the next count of
a cumulative series and the days between the two; the windows inside a longer window, for every
longer window at once (``_Spans``).

The families come in exactly the order ``families._Finder`` lists them (its dictionaries follow
the scopes' ids): the messages keep the first of two equal offers, and coherence solves its
constraints in family order, so the order is part of the output's bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from casualty_cli.engine.arrays import combine, digit, first_seen, run_starts, starts, within
from casualty_cli.engine.families import (
    Families,
    Family,
    ScopeKey,
    scope_key,
)
from casualty_cli.estimates import Scope

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class PathColumns(NamedTuple):
    """Per scope, the id of its category (or place) path, and of each proper prefix of it.

    ``prefixes[cut]`` is the id of the path's first ``cut`` names, −1 where the path is not
    longer than ``cut``; a path and a prefix with the same names share an id, below ``n_ids``.
    ``rank[id]`` is the place of that path among all of them in sorted order.
    """

    own: IntArray
    prefixes: list[IntArray]
    rank: IntArray
    n_ids: int


class ScopeColumns(NamedTuple):
    """Every scope's coordinates as ids: what the finder compares, names keyed and dated."""

    outcome: IntArray
    category: PathColumns
    place: PathColumns
    window: IntArray  # one id per distinct (start, end, cumulative)
    start: IntArray  # day ordinals, 0 where there is none
    end: IntArray
    cumulative: BoolArray
    # Each scope's place among all of them by what it is (outcome, category, place, start, end,
    # cumulative), as ``scope_key`` tuples order them: coherence's order, read without objects.
    order: IntArray


def find_families_columnwise(
    columns: ScopeColumns,
    has_claims: BoolArray,
    candidates: IntArray,
    keys: Mapping[int, ScopeKey],
) -> Families | None:
    """``find_families`` for scopes with no complete breakdown declared and no target window.

    ``candidates`` are in increasing order; ``keys`` are handed on as the families' keys.  None
    if two scopes have the same coordinates (the finder would keep only one: let it decide).
    """
    member = candidates[has_claims[candidates]]
    o, n_o = digit(columns.outcome[member])
    c, n_c = digit(columns.category.own[member])
    p, n_p = digit(columns.place.own[member])
    w, n_w = digit(columns.window[member])
    if np.unique(combine((o, n_o), (c, n_c), (p, n_p), (w, n_w))).size < member.size:
        return None
    category = _tree_families(
        member, combine((o, n_o), (p, n_p), (w, n_w)), columns.category, "category"
    )
    place = _tree_families(member, combine((o, n_o), (c, n_c), (w, n_w)), columns.place, "place")
    series = combine((o, n_o), (c, n_c), (p, n_p))
    windows = _window_families_of(columns, member, series)
    chains = _chain_families(columns, member, series)
    return Families((*windows, *category, *place, *chains), (), {}, frozenset(), keys)


def _tree_families(
    member: IntArray, group_key: IntArray, paths: PathColumns, dimension: str
) -> list[Family]:
    """Each path's nearest ancestor among the scopes of its group, as ``_nearest_parents``."""
    if member.size == 0:
        return []
    group = first_seen(group_key)[0]
    own = group * paths.n_ids + paths.own[member]
    order = np.argsort(own, kind="stable")
    ordered = own[order]
    parent = np.full(member.size, -1, np.int64)
    for prefix in reversed(paths.prefixes):
        cut = prefix[member]
        asking = np.flatnonzero((parent < 0) & (cut >= 0))
        wanted = group[asking] * paths.n_ids + cut[asking]
        at = np.minimum(np.searchsorted(ordered, wanted), ordered.size - 1)
        hit = ordered[at] == wanted
        parent[asking[hit]] = order[at[hit]]
    child = np.flatnonzero(parent >= 0)
    if child.size == 0:
        return []
    # A family per parent, in the order of its group's first scope, then of its first child;
    # its children in order of their names.
    by_parent = np.lexsort((child, parent[child]))
    first = np.flatnonzero(run_starts(parent[child][by_parent]))
    heads = parent[child][by_parent][first]
    family_of = np.repeat(np.arange(first.size), np.diff(np.r_[first, child.size]))
    named = np.lexsort((paths.rank[paths.own[member[child[by_parent]]]], family_of))
    kids = member[child[by_parent][named]].tolist()
    bounds = [*first.tolist(), child.size]
    listed = np.lexsort((child[by_parent][first], group[heads]))
    parents = member[heads].tolist()
    return [
        Family(parents[f], tuple(kids[bounds[f] : bounds[f + 1]]), dimension, False)
        for f in listed.tolist()
    ]


def _chain_families(columns: ScopeColumns, member: IntArray, series: IntArray) -> list[Family]:
    """Consecutive counts of each cumulative series, and the days between two of them."""
    dated = columns.cumulative[member] & (columns.end[member] != 0)
    cumulative = np.flatnonzero(dated)
    if cumulative.size < 2:
        return []
    start, end = columns.start[member], columns.end[member]
    chain = first_seen(combine(digit(series[cumulative]), digit(start[cumulative])))[0]
    by_end = np.lexsort((end[cumulative], chain))
    order = cumulative[by_end]
    linked = np.flatnonzero(np.diff(chain[by_end]) == 0)
    before, after = order[linked], order[linked + 1]
    # The days between: a window from the day after the earlier count to the later one's day.
    daily = np.flatnonzero(~columns.cumulative[member] & (start != 0) & (end != 0))
    day = _lookup(
        (series[daily], start[daily], end[daily]),
        (series[after], end[before] + 1, end[after]),
    )
    found = np.full(before.size, -1, np.int64)
    found[day >= 0] = member[daily[day[day >= 0]]]
    families: list[Family] = []
    for earlier, later, between in zip(
        member[before].tolist(), member[after].tolist(), found.tolist(), strict=True
    ):
        families.append(Family(later, (earlier,), "time", False, chain=True))
        if between >= 0:
            families.append(Family(later, (earlier, between), "time", True))
    return families


_DAY = 1 << 22
"""Above every day ordinal (``date.max`` is 3,652,059): ``group * _DAY + day`` sorts by both."""


def _window_families_of(columns: ScopeColumns, member: IntArray, series: IntArray) -> list[Family]:
    """The windows inside each longer window of the same outcome, category and place, and the
    families they make (``families._requested_families`` with no window asked for)."""
    start, end = columns.start[member], columns.end[member]
    rows = np.flatnonzero(~columns.cumulative[member] & (start != 0) & (end != 0))
    if rows.size < 2:
        return []
    group = first_seen(series[rows])[0]
    by_days = np.lexsort((end[rows], start[rows], group))
    order, group = rows[by_days], group[by_days]
    a, b = start[order], end[order]
    by_start = group * _DAY + a  # the rows are in its order
    whole = np.flatnonzero(a != b)
    # The rows starting within each longer window, then those that end within it too.
    begin = np.searchsorted(by_start, by_start[whole])
    stop = np.searchsorted(by_start, group[whole] * _DAY + b[whole], "right")
    sizes = stop - begin
    owner = np.repeat(np.arange(whole.size), sizes)
    inside = np.repeat(begin, sizes) + within(sizes)
    keep = (b[inside] <= b[whole][owner]) & (inside != whole[owner])
    owner, inside = owner[keep], inside[keep]
    if owner.size == 0:
        return []
    # Only the longer windows with a window inside make families: renumber them.
    wholes, owner = np.unique(owner, return_inverse=True)
    spans = _Spans(owner.reshape(-1), a[inside], b[inside], a[whole][wholes], b[whole][wholes])
    return spans.families(member[order][whole][wholes].tolist(), member[order][inside])


class _Spans:
    """The windows inside each longer window (its ``owner``), ordered by owner, start and end:
    ``families._window_families`` for all of them at once."""

    def __init__(
        self, owner: IntArray, start: IntArray, end: IntArray, first: IntArray, last: IntArray
    ) -> None:
        self.owner, self.start, self.end = owner, start, end
        self.first, self.last = first, last
        self.count = np.bincount(owner, minlength=first.size)
        self.offset = starts(self.count)

    def families(self, parents: list[int], ids: IntArray) -> list[Family]:
        """The families of each owner, whose scope is ``parents[owner]``; ``ids`` are the
        scopes of the windows inside."""
        tiled, tiling = self.tilings()
        covered = self.covered() & ~tiled
        largest = self.largest()
        disjoint = self.disjoint()
        n_disjoint = np.bincount(self.owner[disjoint], minlength=self.first.size)
        # A window already among the disjoint parts says nothing alone: only the others.
        summed = np.zeros(self.owner.size, np.bool_)
        summed[disjoint] = (n_disjoint > 1)[self.owner[disjoint]]
        alone = largest[~summed[largest]]
        parts = {
            "tiling": _by_owner(self.owner[tiling], ids[tiling]),
            "union": _by_owner(self.owner[largest], ids[largest]),
            "disjoint": _by_owner(self.owner[disjoint], ids[disjoint]),
            "alone": _by_owner(self.owner[alone], ids[alone]),
        }
        families: list[Family] = []
        for w, parent in enumerate(parents):
            if tiled[w]:
                families.append(Family(parent, parts["tiling"][w], "time", True))
            elif covered[w]:
                families.append(Family(parent, parts["union"][w], "time", False, union=True))
            else:
                if n_disjoint[w] > 1:
                    families.append(Family(parent, parts["disjoint"][w], "time", False))
                families += [Family(parent, (i,), "time", False) for i in parts["alone"].get(w, ())]
        return families

    def tilings(self) -> tuple[BoolArray, IntArray]:
        """Which owners the windows tile, and the fewest windows doing it (``_tiling``).

        Days are nodes and windows edges from their first day to the day after their last; a
        breadth-first search from each owner's first day finds the fewest.  Of two windows
        reaching a day as soon, the tiling keeps the one starting earlier, as ``_tiling``'s
        first-found does.
        """
        owner = self.owner
        base = owner * _DAY
        nodes = np.unique(
            np.r_[
                self.first + np.arange(self.first.size) * _DAY,
                base + self.start,
                base + self.end + 1,
            ]
        )
        source = np.searchsorted(nodes, base + self.start)
        target = np.searchsorted(nodes, base + self.end + 1)
        origin = np.searchsorted(nodes, self.first + np.arange(self.first.size) * _DAY)
        unseen = 1 << 40  # farther than any day
        distance = np.full(nodes.size, unseen, np.int64)
        distance[origin] = 0
        step = 0
        frontier = distance[source] == 0
        while frontier.any():
            reached = target[frontier]
            reached = reached[distance[reached] == unseen]
            distance[reached] = step + 1
            step += 1
            frontier = distance[source] == step
        # Each day's last window: among those on a shortest path to it, the earliest starting.
        on_path = (distance[source] != unseen) & (distance[target] == distance[source] + 1)
        edges = np.flatnonzero(on_path)
        edges = edges[np.lexsort((self.start[edges], target[edges]))]
        firsts = edges[run_starts(target[edges])]
        last_edge = np.full(nodes.size, -1, np.int64)
        last_edge[target[firsts]] = firsts
        end_node = np.searchsorted(nodes, self.last + 1 + np.arange(self.first.size) * _DAY)
        end_node = np.minimum(end_node, nodes.size - 1)
        tiled = (nodes[end_node] == self.last + 1 + np.arange(self.first.size) * _DAY) & (
            distance[end_node] != unseen
        )
        chosen: list[IntArray] = []
        at = end_node[tiled]
        while at.size:
            edge = last_edge[at]
            chosen.append(edge)
            at = source[edge]
            at = at[distance[at] > 0]
        picked = np.concatenate([*chosen, np.zeros(0, np.int64)])
        return tiled, np.sort(picked)

    def covered(self) -> BoolArray:
        """Which owners the windows cover day by day (``_covers``)."""
        # The day after the latest end before each window (its owner's first day at first).
        after = np.maximum.accumulate(self.owner * _DAY + self.end + 1)
        before = np.r_[-1, after[:-1]] - self.owner * _DAY
        reached = np.maximum(before, self.first[self.owner])
        gap = np.bincount(self.owner, self.start > reached, self.first.size) > 0
        furthest = np.maximum.reduceat(self.end, self.offset) if self.owner.size else self.end
        return ~gap & (furthest >= self.last)

    def largest(self) -> IntArray:
        """The windows inside no other one, by owner and days (``_largest``)."""
        order = np.lexsort((-self.end, self.start, self.owner))
        shifted = self.owner[order] * _DAY + self.end[order]
        reach = np.r_[-1, np.maximum.accumulate(shifted)[:-1]]
        return np.sort(order[shifted > reach])

    def disjoint(self) -> IntArray:
        """Windows that do not overlap, earliest ending first (``_disjoint``), by owner and days.

        The first to end is chosen, then the first to end among those starting after it, and
        so on: each window's next is the first to end of those starting after its end.
        """
        by_end = np.lexsort((self.start, self.end, self.owner))
        rank = np.empty_like(by_end)
        rank[by_end] = np.arange(by_end.size)
        # Over the windows in order of start, the earliest ending from each one on.
        keyed = self.owner * _DAY + self.start  # already sorted
        soonest = np.minimum.accumulate(rank[::-1])[::-1]
        after = np.searchsorted(keyed, self.owner * _DAY + self.end, "right")
        inside = after < self.owner.size
        inside[inside] = self.owner[after[inside]] == self.owner[inside]
        following = np.full(self.owner.size, -1, np.int64)
        following[inside] = by_end[soonest[after[inside]]]
        chosen: list[IntArray] = []
        at = by_end[np.searchsorted(self.owner[by_end], np.arange(self.first.size))]
        while at.size:
            chosen.append(at)
            at = following[at]
            at = at[at >= 0]
        return np.sort(np.concatenate([*chosen, np.zeros(0, np.int64)]))


def _by_owner(owner: IntArray, ids: IntArray) -> dict[int, tuple[int, ...]]:
    """The ids of each owner, in their order (owners already grouped)."""
    found: dict[int, tuple[int, ...]] = {}
    if owner.size == 0:
        return found
    cut = np.flatnonzero(run_starts(owner))
    listed = ids.tolist()
    bounds = [*cut.tolist(), owner.size]
    for k, w in enumerate(owner[cut].tolist()):
        found[w] = tuple(listed[bounds[k] : bounds[k + 1]])
    return found


def _lookup(
    table: tuple[IntArray, IntArray, IntArray], wanted: tuple[IntArray, IntArray, IntArray]
) -> IntArray:
    """For each wanted row of three ids, the index of the equal row of ``table``, else −1."""
    n = table[0].size
    digits = [digit(np.r_[mine, theirs]) for mine, theirs in zip(table, wanted, strict=True)]
    key = combine(*digits)
    have, asked = key[:n], key[n:]
    order = np.argsort(have, kind="stable")
    if n == 0:
        return np.full(asked.size, -1, np.int64)
    at = np.minimum(np.searchsorted(have[order], asked), n - 1)
    return np.where(have[order][at] == asked, order[at], -1)


class LazyKeys(Mapping[int, ScopeKey]):
    """The key of any of ``scopes``, made when asked for: the column-wise finder needs none."""

    def __init__(self, scopes: Sequence[Scope]) -> None:
        self._scopes = scopes
        self._made: dict[int, ScopeKey] = {}

    def __getitem__(self, s: int) -> ScopeKey:
        found = self._made.get(s)
        if found is None:
            found = self._made[s] = scope_key(self._scopes[s])
        return found

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self._scopes)))

    def __len__(self) -> int:
        return len(self._scopes)
