"""Coherent best estimates: parts never exceed the whole, cumulative counts never fall.

Messages make each posterior consistent with its family's evidence, but medians need not add up:
a parent's best estimate may still fall below the sum of its parts', or an earlier cumulative
count above a later one.  Here the best estimates are moved as little as their uncertainty allows
(statistics.md 4.5 and 5.4): in the metric W = diag(1/v), with v the squared 80% half-width in
standard units, so that a precise figure moves less than a vague one.

- one family: the closed form d = best_P − Σ best_i < 0, λ = d/(v_P + Σ v_i), P ← P − λ·v_P and
  C_i ← C_i + λ·v_i;
- several that share scopes: the point Dykstra's cyclic projection over the families and the time
  chains converges to, computed exactly (non-negative least squares on the multipliers), since
  on real series, whose variances differ by orders of magnitude, 100 sweeps often fall short;
  a lone chain takes weighted PAVA, which is exact too;
- then integers: round to nearest and add any rounding deficit to the parent; widen a range that
  no longer holds its best estimate (``coherence_adjusted``), and make the ranges of a time chain
  monotone too, flagging bounds that cross (``time_conflict``).

Exhaustive equalities are not forced: a sum of medians is not the median of a sum.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from casualty_cli.engine.arrays import distinct, starts, within
from casualty_cli.engine.families import Families, Family, family_columns, heights
from casualty_cli.engine.fuse import Fusion

Z_80_WIDTH = 2.5631  # 2·z(.90): an 80% interval of a normal is 2.5631 standard deviations wide
MAX_SWEEPS = 100

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def variance(low80: int, high80: int) -> float:
    """v_s = max(1, ((hi80 − lo80)/2.5631)²)."""
    return max(1.0, ((high80 - low80) / Z_80_WIDTH) ** 2)


def project_family(
    parent: float, parent_v: float, children: Sequence[float], children_v: Sequence[float]
) -> tuple[float, list[float]]:
    """The closest point with parent ≥ Σ children, in the metric diag(1/v) (MinT-style)."""
    d = parent - sum(children)
    if d >= 0:
        return parent, list(children)
    lam = d / (parent_v + sum(children_v))
    return parent - lam * parent_v, [c + lam * v for c, v in zip(children, children_v, strict=True)]


def pava(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """The non-decreasing sequence closest to ``values`` in weighted least squares."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean2, w2, n2 = blocks.pop()
            mean1, w1, n1 = blocks.pop()
            total = w1 + w2
            blocks.append([(mean1 * w1 + mean2 * w2) / total, total, n1 + n2])
    result: list[float] = []
    for mean, _, count in blocks:
        result.extend([mean] * int(count))
    return result


def time_chains(families: Families) -> list[list[int]]:
    """Cumulative scopes as of successive days, earliest first (from the one-child families)."""
    after: dict[int, int] = {}
    for family in families.families:
        if family.chain:
            after[family.children[0]] = family.parent
    starts = set(after) - set(after.values())
    chains = []
    for start in sorted(starts):
        chain = [start]
        while chain[-1] in after:
            chain.append(after[chain[-1]])
        chains.append(chain)
    return chains


def cohere(
    fusion: Fusion, families: Families, rank: Callable[[int], Any]
) -> tuple[Fusion, dict[int, set[str]]]:
    """Best estimates made coherent across every family and chain; the flags that say so.

    ``rank`` orders scopes by what they are, not by their ids, so that the constraints are met
    in the same order (and rounded the same way) whatever the order of the input.

    Every constraint is checked at once; only the connected groups that hold a broken one are
    projected and rounded, group by group (the others keep their integers, which rounding
    leaves as they are).  The ranges of every chain are then made monotone, and every range
    widened to hold its best estimate, column by column.
    """
    constraints = _Constraints.build(families, fusion.best)
    flags: dict[int, set[str]] = defaultdict(set)
    if constraints.involved.size == 0:
        return fusion, flags
    ranges = {name: getattr(fusion, name).copy() for name in _RANGES}
    sums, chains = constraints.broken(fusion.best)
    if sums or chains:
        rounded = _coherent_integers(sums, chains, fusion, rank)
        ranges["best"][list(rounded)] = list(rounded.values())
    _monotone_chain_ranges(constraints, ranges, flags)
    _widened_to_best(constraints.involved, ranges, flags)
    return replace(fusion, **ranges), flags


def _coherent_integers(
    sums: Sequence[Family],
    chains: Sequence[Sequence[int]],
    fusion: Fusion,
    rank: Callable[[int], Any],
) -> dict[int, int]:
    """The projection of the constraints' scopes (statistics.md 5.4), rounded coherently.

    The constraints are taken in the order of what their scopes are, never of their ids."""
    ordered = [
        Family(f.parent, tuple(sorted(f.children, key=rank)), f.dimension, f.exhaustive)
        for f in sums
    ]
    ordered.sort(key=lambda f: (f.dimension, rank(f.parent), [rank(c) for c in f.children]))
    chains = sorted(chains, key=lambda chain: rank(chain[0]))
    scopes = sorted({s for f in ordered for s in (f.parent, *f.children)} | set(_joined(chains)))
    best, low, high = fusion.best.tolist(), fusion.low, fusion.high
    start = {s: float(best[s]) for s in scopes}
    v = {s: variance(int(low[s]), int(high[s])) for s in scopes}
    return _rounded(_projection(start, v, ordered, chains), ordered, chains)


def _joined(chains: Sequence[Sequence[int]]) -> list[int]:
    return [s for chain in chains for s in chain]


class _Constraints(NamedTuple):
    """The sums and chain links whose scopes all have an estimate, as columns.

    A sum reads "parent ≥ Σ children" (overlapping windows give one sum per window, each alone
    a lower bound of their union); a chain is a time chain less its scopes without an estimate,
    each link reading "later ≥ earlier".
    """

    sums: list[Family]  # in the order of the families
    parent: IntArray  # per sum
    sizes: IntArray  # per sum, how many children it has
    children: IntArray  # the children of every sum, one sum after another
    chains: list[list[int]]
    before: IntArray  # per link
    after: IntArray
    involved: IntArray  # every scope of a sum or a chain that has an estimate, ascending

    @classmethod
    def build(cls, families: Families, best: IntArray) -> _Constraints:
        estimated = best >= 0
        sums: list[Family] = []
        for family in families.families:
            if family.union:
                sums += [Family(family.parent, (c,), "time", False) for c in family.children]
            elif not family.chain:
                sums.append(family)
        parent, sizes, children = family_columns(sums)
        whole = estimated[parent]
        if sums:
            whole &= np.add.reduceat(estimated[children], starts(sizes)) == sizes
        chains = time_chains(families)
        in_chains = np.array(_joined(chains), np.int64)
        involved = np.concatenate([parent, children, in_chains])
        kept_chains = [
            kept for kept in ([s for s in c if estimated[s]] for c in chains) if len(kept) > 1
        ]
        lengths = np.fromiter(map(len, kept_chains), np.int64, len(kept_chains))
        links = np.array(_joined(kept_chains), np.int64)
        linked = np.ones(links.size, np.bool_)
        linked[np.cumsum(lengths) - 1] = False  # the last scope of a chain links to none
        keep = np.flatnonzero(whole)
        return cls(
            [sums[i] for i in keep.tolist()],
            parent[keep],
            sizes[keep],
            children[np.repeat(whole, sizes)],
            kept_chains,
            links[linked],
            links[np.roll(linked, 1)],
            distinct(involved[estimated[involved]]),
        )

    def broken(self, best: IntArray) -> tuple[list[Family], list[list[int]]]:
        """The sums and chains of every connected group in which some constraint is broken."""
        over = np.zeros(self.parent.size, np.bool_)
        if self.parent.size:
            over = np.add.reduceat(best[self.children], starts(self.sizes)) > best[self.parent]
        falls = best[self.before] > best[self.after]
        if not over.any() and not falls.any():
            return [], []
        # A sum joins its parent to each of its children; a link, two successive counts.
        group = _groups(
            np.concatenate([np.repeat(self.parent, self.sizes), self.before]),
            np.concatenate([self.children, self.after]),
            best.size,
        )
        hot = np.zeros(best.size, np.bool_)
        hot[group[self.parent[over]]] = True
        hot[group[self.before[falls]]] = True
        first = np.array([chain[0] for chain in self.chains], np.int64)
        return (
            [self.sums[i] for i in np.flatnonzero(hot[group[self.parent]]).tolist()],
            [self.chains[i] for i in np.flatnonzero(hot[group[first]]).tolist()],
        )


def _groups(one: IntArray, other: IntArray, n: int) -> IntArray:
    """Each scope's group: the smallest scope that the edges (one[i], other[i]) join it to."""
    group = np.arange(n)
    while True:
        least = np.minimum(group[one], group[other])
        joined = group.copy()
        np.minimum.at(joined, one, least)
        np.minimum.at(joined, other, least)
        # A scope's label is a scope of its group, with a label no larger: follow it there.
        joined = joined[joined]
        if np.array_equal(joined, group):
            return group
        group = joined


def _monotone_chain_ranges(
    constraints: _Constraints, ranges: dict[str, IntArray], flags: dict[int, set[str]]
) -> None:
    """Along every chain lo_j ← max of the lows up to j, hi_j ← min of the highs from j;
    bounds that cross swap, and their scope is flagged ``time_conflict``."""
    chains = constraints.chains
    if not chains:
        return
    scopes = np.array(_joined(chains), np.int64)
    chain = np.repeat(np.arange(len(chains)), [len(c) for c in chains])
    for low_name, high_name in (("low", "high"), ("low95", "high95")):
        lows, highs = ranges[low_name][scopes], ranges[high_name][scopes]
        running_low = _running_max(lows, chain)
        running_high = -_running_max(-highs[::-1], chain[::-1].max() - chain[::-1])[::-1]
        crossed = running_low > running_high
        for s in scopes[crossed].tolist():
            flags[s].add("time_conflict")
        ranges[low_name][scopes] = np.where(crossed, running_high, running_low)
        ranges[high_name][scopes] = np.where(crossed, running_low, running_high)


def _running_max(values: IntArray, segment: IntArray) -> IntArray:
    """The running maximum of ``values`` within each run of equal, non-decreasing ``segment``."""
    span = int(values.max()) - int(values.min()) + 1
    lifted = values + segment * span  # every value of a later segment exceeds an earlier one's
    return np.maximum.accumulate(lifted) - segment * span


def _widened_to_best(
    involved: IntArray, ranges: dict[str, IntArray], flags: dict[int, set[str]]
) -> None:
    """Ranges that no longer hold their best estimate are widened (``coherence_adjusted``), and
    each 95% range holds its 80% one, whichever bound a chain moved."""
    best = ranges["best"][involved]
    low, high = ranges["low"][involved], ranges["high"][involved]
    for s in involved[(best < low) | (best > high)].tolist():
        flags[s].add("coherence_adjusted")
    low, high = np.minimum(low, best), np.maximum(high, best)
    ranges["low"][involved], ranges["high"][involved] = low, high
    ranges["low95"][involved] = np.minimum(ranges["low95"][involved], low)
    ranges["high95"][involved] = np.maximum(ranges["high95"][involved], high)


_RANGES = ("best", "low", "high", "low95", "high95")


def _projection(
    start: dict[int, float],
    v: dict[int, float],
    sums: Sequence[Family],
    chains: Sequence[Sequence[int]],
) -> dict[int, float]:
    """The projection, one connected group of constraints at a time.

    A group of one family or one chain is projected exactly in one step (the closed form, or
    PAVA).  Groups where constraints share scopes are projected exactly too (``project_group``):
    the point Dykstra's sweeps converge to, which on real series they may not reach in 100
    sweeps when the variances differ by orders of magnitude.
    """
    x = dict(start)
    for group in _connected([*chains, *sums]):
        if _worst(x, group) <= 0:
            continue  # already coherent: every projection would leave it as it is
        if len(group) == 1:
            only = group[0]
            x.update(_project(only, {s: x[s] for s in _members(only)}, v))
        elif len(_rows(group)) <= DENSE_ROWS:
            project_group(x, v, group)
        else:
            project_large_group(x, v, group)
    return x


DENSE_ROWS = 256
"""The most constraints projected by one dense least-squares problem per step (``_nnls``).
Beyond, each step solves only the constraints joined to the one it adds (``_sparse_nnls``): a
country's every day and place joined by its national totals makes thousands of constraints,
which the dense problem would take hours and gigabytes to solve."""


def project_large_group(
    x: dict[int, float], v: dict[int, float], group: Sequence[Family | Sequence[int]]
) -> None:
    """``project_group`` for a large group: the same non-negative least squares, solved by
    ``_sparse_nnls``, which keeps the constraint matrix as its non-zero entries."""
    rows = _rows(group)
    scopes = sorted({s for parent, children in rows for s in (parent, *children)})
    position = {s: i for i, s in enumerate(scopes)}
    entry_scope: list[int] = []
    entry_sign: list[float] = []
    entry_row: list[int] = []
    for row, (parent, children) in enumerate(rows):
        entry_scope += [position[parent], *(position[c] for c in children)]
        entry_sign += [1.0] + [-1.0] * len(children)
        entry_row += [row] * (1 + len(children))
    b = np.array([x[s] for s in scopes])
    weights = np.array([v[s] for s in scopes])
    root = np.sqrt(weights)
    at = _Entries(
        np.array(entry_scope, np.int64), np.array(entry_sign), np.array(entry_row, np.int64)
    )
    lam = _sparse_nnls(at, root, -b / root, len(rows))
    moved = np.bincount(at.scope, weights=at.sign * lam[at.row], minlength=len(scopes))
    projected = b + weights * moved
    for s, value in zip(scopes, projected.tolist(), strict=True):
        x[s] = value


NORMAL_EQUATIONS_FROM = 64
"""Blocks of more constraints than this are solved by their normal equations."""


def _normal_solution(
    scope: IntArray, column: IntArray, value: FloatArray, d: FloatArray, k: int
) -> FloatArray:
    """argmin ‖c·λ − d‖ by the normal equations cᵀc·λ = cᵀd, with c given by its entries
    (``scope``, ``column``, ``value``): cᵀc sums the products of the entries that share a scope,
    a handful per scope, with no dense c.  A tenth of the work of the SVD on a large block, and
    as exact where the block has full rank, as a group of distinct constraints has; raises
    ``LinAlgError`` where it does not."""
    order = np.argsort(scope, kind="stable")
    scope, column, value = scope[order], column[order], value[order]
    first = np.flatnonzero(np.diff(scope, prepend=-1))
    sizes = np.diff(np.append(first, scope.size))
    group = np.repeat(np.arange(first.size), sizes)  # each entry's scope, counted from 0
    pairs = sizes[group]  # each entry meets every entry of its scope, itself included
    left = np.repeat(np.arange(scope.size), pairs)
    right = np.repeat(first[group], pairs) + within(pairs)
    normal = np.zeros((k, k))
    np.add.at(normal, (column[left], column[right]), value[left] * value[right])
    rhs = np.bincount(column, weights=value * d[scope], minlength=k)
    return np.asarray(np.linalg.solve(normal, rhs), np.float64)


class _Entries(NamedTuple):
    """The non-zero entries of Aᵀ (scope by constraint): A·x ≥ 0 are the constraints."""

    scope: IntArray
    sign: FloatArray
    row: IntArray  # non-decreasing: the entries of one constraint follow each other


def _sparse_nnls(at: _Entries, root: FloatArray, d: FloatArray, m: int) -> FloatArray:
    """``_nnls(c, d)`` for c = V^½·Aᵀ given by its entries: the same active-set steps, each least
    squares solved only over the passive constraints joined (by shared scopes) to the one just
    made passive, since the problem falls apart into such blocks."""
    problem = _SparseProblem(at, root, d, m)
    lam, passive = problem.lam, problem.passive
    for _ in range(3 * m + 10):
        candidates = np.where(passive, -np.inf, problem.gradient)
        j = int(np.argmax(candidates))
        if passive.all() or candidates[j] <= problem.tolerance:
            break
        passive[j] = True
        block = problem.block_of(j)
        while True:
            trial = problem.least_squares(block)
            if (trial > 0).all():
                problem.set(block, trial)
                break
            # Step back to the boundary, and free the multipliers it reaches.
            current = lam[block]
            falling = trial <= 0
            gap = current[falling] - trial[falling]
            alpha = float(
                np.min(np.divide(current[falling], gap, out=np.zeros_like(gap), where=gap > 0))
            )
            stepped = current + alpha * (trial - current)
            kept = stepped > 1e-12
            problem.set(block, np.where(kept, stepped, 0.0))
            problem.release(block[~kept])
            block = block[kept]
            if block.size == 0:
                break
    return lam


class _SparseProblem:
    """The state of ``_sparse_nnls``: λ, the passive set, c·λ and the gradient cᵀ(d − c·λ),
    the last two kept up to date where λ changes rather than made anew at every step."""

    def __init__(self, at: _Entries, root: FloatArray, d: FloatArray, m: int) -> None:
        self.at, self.d = at, d
        self.value = at.sign * root[at.scope]
        self.row_start = np.searchsorted(at.row, np.arange(m + 1))
        by_scope = np.argsort(at.scope, kind="stable")
        self.scope_start = np.searchsorted(at.scope[by_scope], np.arange(d.size + 1))
        self.rows_of_scope = at.row[by_scope]
        self.lam = np.zeros(m)
        self.passive = np.zeros(m, np.bool_)
        self.c_lam = np.zeros(d.size)
        self.gradient = np.bincount(at.row, weights=self.value * d[at.scope], minlength=m)
        self.tolerance = 1e-10 * max(1.0, float(np.abs(self.value).max()) * float(np.abs(d).max()))
        # The passive constraints grouped by shared scopes (union-find): ``_root`` has every
        # passive constraint, ``_members`` every group by its root.
        self._root: dict[int, int] = {}
        self._members: dict[int, list[int]] = {}

    def entries(self, rows: IntArray) -> tuple[IntArray, IntArray]:
        """The entries of ``rows``, and for each the position of its row in ``rows``."""
        sizes = self.row_start[rows + 1] - self.row_start[rows]
        return np.repeat(self.row_start[rows], sizes) + within(sizes), np.repeat(
            np.arange(rows.size), sizes
        )

    def block_of(self, j: int) -> IntArray:
        """The passive constraints joined to ``j`` through shared scopes, ``j`` among them;
        ``j`` has just turned passive.

        The groups are kept as constraints turn passive, one at a time, rather than searched
        anew at every step: a step back, which turns some back, is rare (11 in 4,377 steps on a
        country's totals), and rebuilds only the groups it touched.
        """
        self._join([j])
        return np.array(sorted(self._members[self._find(j)]), np.int64)

    def release(self, gone: IntArray) -> None:
        """The constraints ``gone`` leave the passive set; their groups are rebuilt from the
        constraints that stay (the groups they might have joined are theirs already)."""
        if gone.size == 0:
            return
        roots = {self._find(k) for k in gone.tolist()}
        self.passive[gone] = False
        for root in roots:
            members = self._members.pop(root)
            for k in members:
                del self._root[k]
            self._join([k for k in members if self.passive[k]])

    def _join(self, constraints: list[int]) -> None:
        """Each of ``constraints`` (passive, in no group) into a group with its passive
        neighbours."""
        for k in constraints:
            self._root[k] = k
            self._members[k] = [k]
        at, start, passive = self.at, self.row_start, self.passive
        for k in constraints:
            for s in at.scope[start[k] : start[k + 1]].tolist():
                lo, hi = self.scope_start[s], self.scope_start[s + 1]
                for other in self.rows_of_scope[lo:hi].tolist():
                    if passive[other]:
                        self._union(k, other)

    def _find(self, k: int) -> int:
        root = self._root
        while root[k] != k:
            root[k] = root[root[k]]  # halve the path as we go
            k = root[k]
        return k

    def _union(self, a: int, b: int) -> None:
        a, b = self._find(a), self._find(b)
        if a == b:
            return
        if len(self._members[a]) < len(self._members[b]):
            a, b = b, a
        self._root[b] = a
        self._members[a] += self._members.pop(b)

    def least_squares(self, block: IntArray) -> FloatArray:
        """argmin over λ_block of ‖c_block·λ_block − d‖ (no other passive constraint shares
        a scope with the block, and the others are 0)."""
        entries, column = self.entries(block)
        scope, value = self.at.scope[entries], self.value[entries]
        if block.size > NORMAL_EQUATIONS_FROM:
            with contextlib.suppress(np.linalg.LinAlgError):
                return _normal_solution(scope, column, value, self.d, block.size)
        scopes, local = np.unique(scope, return_inverse=True)
        c = np.zeros((scopes.size, block.size))
        np.add.at(c, (local, column), value)
        return np.asarray(np.linalg.lstsq(c, self.d[scopes], rcond=None)[0], np.float64)

    def set(self, block: IntArray, new: FloatArray) -> None:
        """λ_block ← ``new``, with c·λ, and the gradient of every constraint that shares a scope
        with the block."""
        entries, column = self.entries(block)
        scope = self.at.scope[entries]
        np.add.at(self.c_lam, scope, self.value[entries] * (new - self.lam[block])[column])
        self.lam[block] = new
        touched = distinct(scope)
        lo = self.scope_start[touched]
        sizes = self.scope_start[touched + 1] - lo
        rows = distinct(self.rows_of_scope[np.repeat(lo, sizes) + within(sizes)])
        entries, column = self.entries(rows)
        scope = self.at.scope[entries]
        residual = self.d[scope] - self.c_lam[scope]
        self.gradient[rows] = np.bincount(
            column, weights=self.value[entries] * residual, minlength=rows.size
        )


def _rows(group: Sequence[Family | Sequence[int]]) -> list[tuple[int, tuple[int, ...]]]:
    """Each constraint as (parent, children): parent ≥ Σ children; a chain gives one per link."""
    rows: list[tuple[int, tuple[int, ...]]] = []
    for constraint in group:
        if isinstance(constraint, Family):
            rows.append((constraint.parent, constraint.children))
        else:
            rows += [(after, (before,)) for before, after in itertools.pairwise(constraint)]
    return rows


def project_group(
    x: dict[int, float], v: dict[int, float], group: Sequence[Family | Sequence[int]]
) -> None:
    """The closest point of ``group``'s constraints to ``x`` in the metric diag(1/v), in place.

    Each constraint reads "parent ≥ sum of children" (a chain's links have one child): A·x ≥ 0.
    The projection is x + V·Aᵀ·λ for the λ ≥ 0 minimising ‖V^½·Aᵀ·λ + V^-½·x‖², a non-negative
    least-squares problem solved exactly by Lawson and Hanson's active-set method.
    """
    rows = _rows(group)
    scopes = sorted({s for parent, children in rows for s in (parent, *children)})
    position = {s: i for i, s in enumerate(scopes)}
    a = np.zeros((len(rows), len(scopes)))
    for row, (parent, children) in enumerate(rows):
        a[row, position[parent]] += 1.0
        for child in children:
            a[row, position[child]] -= 1.0
    b = np.array([x[s] for s in scopes])
    weights = np.array([v[s] for s in scopes])
    root = np.sqrt(weights)
    lam = _nnls(a.T * root[:, None], -b / root)
    projected = b + weights * (a.T @ lam)
    for s, value in zip(scopes, projected.tolist(), strict=True):
        x[s] = value


def _nnls(c: FloatArray, d: FloatArray) -> FloatArray:
    """argmin ‖c·λ − d‖ over λ ≥ 0 (Lawson & Hanson 1974, chapter 23)."""
    n = c.shape[1]
    lam = np.zeros(n)
    passive = np.zeros(n, np.bool_)
    tolerance = 1e-10 * max(1.0, float(np.abs(c).max()) * float(np.abs(d).max()))
    for _ in range(3 * n + 10):
        gradient = c.T @ (d - c @ lam)
        candidates = np.where(passive, -np.inf, gradient)
        j = int(np.argmax(candidates))
        if passive.all() or candidates[j] <= tolerance:
            break
        passive[j] = True
        while True:
            trial = np.zeros(n)
            trial[passive] = np.linalg.lstsq(c[:, passive], d, rcond=None)[0]
            if (trial[passive] > 0).all():
                lam = trial
                break
            # Step back to the boundary, and free the multipliers it reaches.
            falling = passive & (trial <= 0)
            gap = lam[falling] - trial[falling]
            alpha = float(
                np.min(np.divide(lam[falling], gap, out=np.zeros_like(gap), where=gap > 0))
            )
            lam = lam + alpha * (trial - lam)
            passive &= lam > 1e-12
            lam[~passive] = 0.0
            if not passive.any():
                break
    return lam


def _connected(
    constraints: Sequence[Family | Sequence[int]],
) -> list[list[Family | Sequence[int]]]:
    """Constraints grouped by shared scopes (union-find), each group in the given order."""
    parent: dict[int, int] = {}

    def root(s: int) -> int:
        while parent.setdefault(s, s) != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for constraint in constraints:
        members = _members(constraint)
        for s in members[1:]:
            parent[root(s)] = root(members[0])
    groups: dict[int, list[Family | Sequence[int]]] = defaultdict(list)
    for constraint in constraints:
        groups[root(_members(constraint)[0])].append(constraint)
    return list(groups.values())


def _members(constraint: Family | Sequence[int]) -> list[int]:
    if isinstance(constraint, Family):
        return [constraint.parent, *constraint.children]
    return list(constraint)


def _project(
    constraint: Family | Sequence[int], z: dict[int, float], v: dict[int, float]
) -> dict[int, float]:
    if isinstance(constraint, Family):
        parent, children = project_family(
            z[constraint.parent],
            v[constraint.parent],
            [z[c] for c in constraint.children],
            [v[c] for c in constraint.children],
        )
        return {constraint.parent: parent} | dict(zip(constraint.children, children, strict=True))
    chain = list(constraint)
    return dict(zip(chain, pava([z[s] for s in chain], [1 / v[s] for s in chain]), strict=True))


def _worst(x: dict[int, float], group: Sequence[Family | Sequence[int]]) -> float:
    worst = 0.0
    for constraint in group:
        if isinstance(constraint, Family):
            gap = sum(x[c] for c in constraint.children) - x[constraint.parent]
            worst = max(worst, gap)
        else:
            for before, after in itertools.pairwise(constraint):
                worst = max(worst, x[before] - x[after])
    return worst


def _rounded(
    x: dict[int, float], sums: Sequence[Family], chains: Sequence[Sequence[int]]
) -> dict[int, int]:
    """Nearest integers; a parent below its rounded parts takes the deficit, parts first."""
    rounded = {s: max(0, math.floor(value + 0.5)) for s, value in x.items()}
    children_of: dict[int, list[int]] = defaultdict(list)
    for family in sums:
        children_of[family.parent].extend(family.children)
    depth = heights(children_of)  # parts before their wholes
    ordered = sorted(sums, key=lambda f: depth[f.parent])
    # Only ever raising values, so this settles: a later count raised by its chain may leave
    # its own parent short again, which the next round fixes.
    for _ in range(MAX_SWEEPS):
        changed = False
        for family in ordered:
            deficit = sum(rounded[c] for c in family.children) - rounded[family.parent]
            if deficit > 0:
                rounded[family.parent] += deficit
                changed = True
        for chain in chains:
            for before, after in itertools.pairwise(chain):
                if rounded[after] < rounded[before]:
                    rounded[after] = rounded[before]
                    changed = True
        if not changed:
            break
    return rounded
