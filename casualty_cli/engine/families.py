"""Families of scopes: a whole and its disjoint parts in one dimension (statistics.md 4.4, 5.1).

A family is a parent scope and children that differ from it in exactly one coordinate:

- **category**: the parts of a category at the same outcome, place and window.  Exhaustive when
  the categories declare the parent ``complete`` and every declared part is a child;
- **place**: the places under a place at the same outcome, category and window.  Exhaustive
  only when ``places:`` declares the parent ``complete`` and every declared part is a child (no
  list of villages is the whole district unless someone says so);
- **time**: a cumulative count "as of" an earlier day inside the same count as of a later day
  (a chain, one child, not exhaustive), and the earlier count with the days between the two
  (a partition, exhaustive).

The parent of a scope is its nearest ancestor that takes part.  Scopes with no claims of their own
are added only where a family is exhaustive: a complete category or place whose parts all take
part (it receives their sum), or the one missing part of a complete category whose parent has
claims (it receives the residual).  Everything here works on scope keys; no numbers are involved.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from casualty_cli.estimates import Scope
from casualty_cli.model import ROOT_CATEGORY, CategoryNode
from casualty_cli.names import name_key, place_key


class ScopeKey(NamedTuple):
    """A scope's identity: names compared without regard to case or spacing."""

    outcome: str
    category: tuple[str, ...]
    place: tuple[str, ...]
    start: date | None
    end: date | None
    cumulative: bool


def scope_key(scope: Scope) -> ScopeKey:
    return ScopeKey(
        str(scope.outcome),
        tuple(map(name_key, scope.category)),
        tuple(map(name_key, scope.place)),
        scope.start,
        scope.end,
        scope.cumulative,
    )


@dataclass(frozen=True, slots=True)
class Family:
    """A parent scope and its disjoint children in one dimension."""

    parent: int
    children: tuple[int, ...]
    dimension: str  # "category", "place" or "time"
    exhaustive: bool
    union: bool = False  # overlapping windows that only bound their union (statistics.md 4.4)
    chain: bool = False  # one cumulative count as of an earlier day inside a later one


@dataclass(frozen=True)
class Families:
    """Every family, the scopes added for them, and the added scopes that take a residual.

    ``residual`` maps each such part to the complete parent whose rest it stands for.
    """

    families: tuple[Family, ...]
    added: tuple[Scope, ...]  # new scopes, numbered after the given ones
    residual: Mapping[int, int]
    requested: frozenset[int] = frozenset()  # the windows asked for with --period
    keys: Mapping[int, ScopeKey] = field(default_factory=dict)  # of every scope looked at

    def of_parent(self) -> dict[int, list[Family]]:
        by_parent: dict[int, list[Family]] = defaultdict(list)
        for family in self.families:
            by_parent[family.parent].append(family)
        return by_parent


class FamilyColumns(NamedTuple):
    """Families as columns: each one's parent and number of children, and the children of
    every family one family after another."""

    parent: NDArray[np.int64]
    sizes: NDArray[np.int64]
    children: NDArray[np.int64]


def family_columns(listed: Sequence[Family]) -> FamilyColumns:
    sizes = np.fromiter((len(f.children) for f in listed), np.int64, len(listed))
    parent = np.fromiter((f.parent for f in listed), np.int64, len(listed))
    children = np.fromiter(
        itertools.chain.from_iterable(f.children for f in listed), np.int64, int(sizes.sum())
    )
    return FamilyColumns(parent, sizes, children)


class _Node(NamedTuple):
    parts: tuple[str, ...]  # name keys
    names: tuple[str, ...]  # as declared, for the scopes added
    complete: bool


def find_families(
    scopes: Sequence[Scope],
    has_claims: Sequence[bool],
    categories: Mapping[str, CategoryNode],
    targets: Sequence[tuple[date, date]] = (),
    places: Mapping[str, CategoryNode] | None = None,
    candidates: Sequence[int] | None = None,
) -> Families:
    """The families among ``scopes`` (statistics.md 5.1), adding the scopes they need.

    ``targets`` are windows asked for (``--period``): each becomes a scope for every outcome,
    category and place with a window inside it, built from those windows.  ``candidates``, when
    given, are the only scopes that can belong to a family (the caller's superset): the others
    are not looked at, which is what keeps a million scopes fast.
    """
    members = range(len(scopes)) if candidates is None else candidates
    return _Finder(scopes, has_claims, categories, places or {}, members).run(targets)


class _Finder:
    def __init__(
        self,
        scopes: Sequence[Scope],
        has_claims: Sequence[bool],
        categories: Mapping[str, CategoryNode],
        places: Mapping[str, CategoryNode],
        members: Iterable[int],
    ) -> None:
        self.scopes: dict[int, Scope] = {i: scopes[i] for i in members}
        self.n_given = len(scopes)
        self.added: list[Scope] = []
        self.keys = {i: scope_key(scope) for i, scope in self.scopes.items()}
        self.index = {key: i for i, key in self.keys.items()}
        # Takes part: has claims, or was added to receive a sum.
        self.active = {i: bool(has_claims[i]) for i in self.scopes}
        self.has_claims = dict(self.active)
        self.residual: dict[int, int] = {}
        self.requested: set[int] = set()
        self.places = {
            place_key(name): frozenset(map(name_key, node.parts))
            for name, node in places.items()
            if node.complete and node.parts
        }
        self.nodes = {
            name_key(node.name): _Node(tuple(map(name_key, node.parts)), node.parts, node.complete)
            for node in categories.values()
        }

    def run(self, targets: Sequence[tuple[date, date]]) -> Families:
        families = self._requested_families(targets)
        self._add_sum_parents()
        families += self._category_families()
        families += self._place_families()
        families += self._time_families()
        return Families(
            tuple(families),
            tuple(self.added),
            dict(self.residual),
            frozenset(self.requested),
            self.keys,
        )

    def _add(self, scope: Scope, *, active: bool) -> int:
        key = scope_key(scope)
        found = self.index.get(key)
        if found is not None:
            self.active[found] = self.active[found] or active
            return found
        new = self.n_given + len(self.added)
        self.added.append(scope)
        self.index[key] = new
        self.keys[new] = key
        self.scopes[new] = scope
        self.active[new] = active
        self.has_claims[new] = False
        return new

    # --- categories ---------------------------------------------------------------------------

    def _groups(self, *, by: str) -> dict[tuple[object, ...], dict[tuple[str, ...], int]]:
        """Active scopes grouped by every coordinate but ``by``, then keyed by that one."""
        groups: dict[tuple[object, ...], dict[tuple[str, ...], int]] = defaultdict(dict)
        for i, key in self.keys.items():
            if not self.active[i]:
                continue
            window = (key.start, key.end, key.cumulative)
            if by == "category":
                groups[(key.outcome, key.place, window)][key.category] = i
            else:
                groups[(key.outcome, key.category, window)][key.place] = i
        return groups

    def _add_sum_parents(self) -> None:
        """A complete category or place whose parts all take part gets a scope: it receives
        their sum.

        Repeated until nothing changes, so that sums cascade (parts, then their parent's parent,
        and a place's sum into its category's, or the other way round).
        """
        complete = {name: node for name, node in self.nodes.items() if node.complete and node.parts}
        changed = bool(complete) or bool(self.places)
        while changed:
            changed = False
            for dimension in ("category", "place"):
                for group in self._groups(by=dimension).values():
                    for path, i in list(group.items()):
                        if not path or path[:-1] in group:
                            continue
                        parts = self._complete_parts(dimension, path[:-1], complete)
                        if parts and all((*path[:-1], part) in group for part in parts):
                            example = self.scopes[i]
                            whole = (
                                replace(example, category=example.category[:-1])
                                if dimension == "category"
                                else replace(example, place=example.place[:-1])
                            )
                            group[path[:-1]] = self._add(whole, active=True)
                            changed = True

    def _complete_parts(
        self, dimension: str, parent: tuple[str, ...], complete: Mapping[str, _Node]
    ) -> Iterable[str]:
        """The declared parts of ``parent`` if they are complete, keyed; else nothing."""
        if dimension == "place":
            return self.places.get(parent, ())
        node = complete.get(_node_name(parent))
        return node.parts if node is not None else ()

    def _category_families(self) -> list[Family]:
        families: list[Family] = []
        # A lone category makes no family, unless a complete category adds its missing part.
        residuals = any(node.complete for node in self.nodes.values())
        for group in self._groups(by="category").values():
            if len(group) < 2 and not residuals:
                continue
            self._add_residuals(group)
            for parent_path, children in _nearest_parents(group).items():
                node = self.nodes.get(_node_name(parent_path))
                parts = frozenset(node.parts) if node is not None and node.complete else None
                families.append(_tree_family(group, parent_path, children, "category", parts))
        return families

    def _add_residuals(self, group: dict[tuple[str, ...], int]) -> None:
        """The one missing part of a complete category with claims stands for the rest."""
        for path, i in list(group.items()):
            node = self.nodes.get(_node_name(path))
            if node is None or not node.complete or not self.has_claims[i]:
                continue
            missing = [part for part in node.parts if (*path, part) not in group]
            if len(missing) != 1 or len(node.parts) < 2:
                continue
            part = node.names[node.parts.index(missing[0])]
            example = self.scopes[i]
            new = self._add(replace(example, category=(*example.category, part)), active=True)
            self.residual[new] = i
            group[(*path, missing[0])] = new

    # --- places -------------------------------------------------------------------------------

    def _place_families(self) -> list[Family]:
        families: list[Family] = []
        for group in self._groups(by="place").values():
            if len(group) < 2:
                continue  # a lone place makes no family (sums of parts are added before)
            for parent_path, children in _nearest_parents(group).items():
                parts = self.places.get(parent_path)
                families.append(_tree_family(group, parent_path, children, "place", parts))
        return families

    # --- time ---------------------------------------------------------------------------------

    def _requested_families(self, targets: Sequence[tuple[date, date]]) -> list[Family]:
        """Windows made of the windows inside them: each target, and each reported window.

        A tiling of contiguous windows adds up to its whole; overlapping windows only bound it;
        otherwise the disjoint ones inside give a floor.
        """
        windows: dict[tuple[object, ...], dict[int, Span]] = defaultdict(dict)
        for i, key in self.keys.items():
            start, end = key.start, key.end
            if self.active[i] and not key.cumulative and start is not None and end is not None:
                windows[(key.outcome, key.category, key.place)][i] = (start, end)
        families: list[Family] = []
        for spans in windows.values():
            wholes = {span for span in spans.values() if span[0] != span[1]}
            for first, last in sorted({*wholes, *targets}):
                inside = {
                    i: (start, end)
                    for i, (start, end) in spans.items()
                    if first <= start and end <= last and (start, end) != (first, last)
                }
                if not inside:
                    continue
                example = self.scopes[next(iter(inside))]
                target = replace(example, start=first, end=last, cumulative=False)
                parent = self._add(target, active=True)
                if (first, last) in targets and not self.has_claims[parent]:
                    self.requested.add(parent)
                families += _window_families(parent, inside, first, last)
        return families

    def _time_families(self) -> list[Family]:
        chains: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for i, key in self.keys.items():
            if self.active[i] and key.cumulative and key.end is not None:
                chains[(key.outcome, key.category, key.place, key.start)].append(i)
        families: list[Family] = []
        for members in chains.values():
            members.sort(key=lambda i: self.keys[i].end or date.min)
            for before, after in itertools.pairwise(members):
                families.append(Family(after, (before,), "time", False, chain=True))
                earlier, later = self.keys[before], self.keys[after]
                assert earlier.end is not None  # noqa: S101  (chains hold dated scopes only)
                days = later._replace(start=earlier.end + timedelta(days=1), cumulative=False)
                day = self.index.get(days)
                if day is not None and self.active[day]:
                    families.append(Family(after, (before, day), "time", True))
                    if day in self.requested and not self.has_claims[day]:
                        # An asked-for window between two cumulative counts: their difference.
                        self.residual.setdefault(day, after)
        return families


def heights(children_of: Mapping[int, Iterable[int]]) -> dict[int, int]:
    """0 for a scope that is nobody's parent, else one more than its tallest child: the
    longest path down, each scope met once (families never form a cycle; should one, the
    scope met again counts 0 rather than loop)."""
    height: dict[int, int] = {}
    path: set[int] = set()  # the scopes being measured, from the first down to this one

    def measure(s: int) -> int:
        if s in height:
            return height[s]
        if s in path:
            return 0
        kids = children_of.get(s)
        if not kids:
            height[s] = 0
            return 0
        path.add(s)
        value = 1 + max([measure(c) for c in kids])
        path.discard(s)
        height[s] = value
        return value

    for s in list(children_of):
        measure(s)
    return height


def _tree_family(
    group: Mapping[tuple[str, ...], int],
    parent_path: tuple[str, ...],
    children: Sequence[tuple[str, ...]],
    dimension: str,
    complete_parts: frozenset[str] | None,
) -> Family:
    """A parent and its nearest descendants in one tree; exhaustive when they are exactly
    the parent's declared complete parts (no level skipped, none missing)."""
    direct = {path[-1] for path in children if path[:-1] == parent_path}
    exhaustive = (
        complete_parts is not None and len(direct) == len(children) and direct == complete_parts
    )
    # By name, never by id: ids follow the input's order, and the parts' order is the order of
    # the terms in the arithmetic that explain prints.
    members = tuple(group[path] for path in sorted(children))
    return Family(group[parent_path], members, dimension, exhaustive)


def _node_name(path: tuple[str, ...]) -> str:
    return path[-1] if path else ROOT_CATEGORY


def _nearest_parents(
    group: Mapping[tuple[str, ...], int],
) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Each path's nearest proper prefix in ``group`` (the root ``()`` included), inverted."""
    children_of: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for path in group:
        for cut in range(len(path) - 1, -1, -1):
            if path[:cut] in group:
                children_of[path[:cut]].append(path)
                break
    return children_of


Span = tuple[date, date]


def _window_families(
    parent: int, spans: Mapping[int, Span], first: date, last: date
) -> list[Family]:
    """How the windows inside a window bound it: a tiling adds up; overlaps bound the union;
    otherwise the disjoint ones add to a floor, and each largest window alone is one too."""
    tiling = _tiling(spans, first, last)
    if tiling is not None:
        return [Family(parent, _by_span(tiling, spans), "time", True)]
    # A window inside another window inside the parent bounds it no better than the larger one.
    largest = _largest(spans)
    if _covers(list(spans.values()), first, last):
        return [Family(parent, tuple(largest), "time", False, union=True)]
    disjoint = _disjoint(spans)
    families = (
        [Family(parent, _by_span(disjoint, spans), "time", False)] if len(disjoint) > 1 else []
    )
    # A window already among the disjoint parts says nothing alone that their sum does not say
    # better (a larger floor, a tighter cap), so only the largest windows left out stand alone.
    summed = set(disjoint) if len(disjoint) > 1 else set()
    families += [Family(parent, (i,), "time", False) for i in largest if i not in summed]
    return families


def _by_span(windows: Iterable[int], spans: Mapping[int, Span]) -> tuple[int, ...]:
    """Windows in order of their days, never of their ids (which follow the input's order)."""
    return tuple(sorted(windows, key=spans.__getitem__))


def _largest(spans: Mapping[int, Span]) -> list[int]:
    """The windows inside no other one (of two identical windows, both), in order of days."""
    by_start = sorted(spans.items(), key=lambda item: (item[1][0], -item[1][1].toordinal()))
    largest: list[int] = []
    reach: date | None = None  # the latest end among windows starting earlier
    for i, (start, end) in by_start:
        if reach is None or end > reach:
            largest.append(i)
            reach = end
        elif end == reach and spans[largest[-1]] == (start, end):
            largest.append(i)  # the same window as the last one kept
    return list(_by_span(largest, spans))


def _tiling(spans: Mapping[int, Span], first: date, last: date) -> list[int] | None:
    """The fewest windows that follow each other without gap or overlap from first to last."""
    best: dict[date, list[int]] = {first: []}  # next day to cover → windows so far
    for i, (start, end) in sorted(spans.items(), key=lambda item: item[1]):
        if start not in best:
            continue
        path = [*best[start], i]
        following = end + timedelta(days=1)
        if following not in best or len(path) < len(best[following]):
            best[following] = path
    return best.get(last + timedelta(days=1))


def _covers(spans: Sequence[Span], first: date, last: date) -> bool:
    """Whether the windows together cover every day from first to last."""
    reached = first
    for start, end in sorted(spans):
        if start > reached:
            return False
        reached = max(reached, end + timedelta(days=1))
    return reached > last


def _disjoint(spans: Mapping[int, Span]) -> list[int]:
    """Windows that do not overlap, earliest ending first (a floor adds only disjoint parts)."""
    chosen: list[int] = []
    reached: date | None = None
    for i, (start, end) in sorted(spans.items(), key=lambda item: (item[1][1], item[1][0])):
        if reached is None or start > reached:
            chosen.append(i)
            reached = end
    return chosen
