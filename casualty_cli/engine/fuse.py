"""Exact fusion of the claims of every scope at once (statistics.md section 3).

A claim r is a small mixture of bands and atoms with reliability q_r.  Its density with respect to
the base measure μ,

    f_r(n) = q_r · Σ_k w_rk · 1[L_rk ≤ n ≤ U_rk] / μ([L_rk, U_rk])  +  (1 − q_r) / μ(H),

is a step function, so the posterior p(n) ∝ μ(n) · Π_r f_r(n) on the hull H is constant per μ
between consecutive component boundaries.  Masses and quantiles on those segments are closed-form:
the result is exact, with no grid.

Everything is vectorised over all scopes: each claim emits one event (position, Δ log f_r) per
distinct boundary, one sort by (scope, position) lines the events of a scope up, and a running sum
per scope gives Σ_r log f_r on every segment.  There is no Python loop over scopes or claims, only
over the ≤ 3 components of a kernel and the 5 quantile levels.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
from numpy.typing import NDArray

from casualty_cli.engine.arrays import distinct
from casualty_cli.engine.measure import first_reaching, mu

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

Kernel = Sequence[tuple[int, int, float]]
"""Components ``(low, high, weight)`` of one claim; an atom has ``low == high``."""

PROBABILITY_TOLERANCE = 1e-9
"""Q(p) is the first segment whose cumulative mass reaches p − 1e−9 (statistics.md 3.2)."""

QUANTILE_LEVELS: dict[str, float] = {
    "best": 0.5,
    "low": 0.10,
    "high": 0.90,
    "low95": 0.025,
    "high95": 0.975,
}

# q = 1 makes f_r vanish outside the claim and log 0 = −inf would turn the event sums into
# inf − inf.  Just below 1 keeps contradictory "certain" claims finite and moves no quantile at the
# 1e−9 tolerance.
_Q_MAX = 1.0 - 1e-12
# Claims and bounds fused together in one block (see fuse): large enough that numpy's per-call
# overhead is small, small enough that a block's temporaries stay in memory already in use.
BLOCK_ROWS = 1 << 15
# Threads fusing blocks at once; one when another process already keeps the other CPU busy.
_THREADS = [2]


def fuse_threads(count: int) -> int:
    """How many threads :func:`fuse` may use (``tally diff`` runs two processes: one each);
    returns how many it could use before."""
    before = _THREADS[0]
    _THREADS[0] = max(1, count)
    return before


# Adjacent segments whose log densities differ by less than this are one mode: the difference is
# float noise from claims that end and begin at the same place.
_MODE_TOLERANCE = 1e-9
_WEIGHT_TOLERANCE = 1e-6
_NO_LOW = np.iinfo(np.int64).max


# ----------------------------------------------------------------------------------------------
# Inputs and outputs


def _column(name: str, values: object, dtype: type[np.generic]) -> NDArray[np.generic]:
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(0, dtype)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    kinds = {np.int64: "iu", np.float64: "iuf", np.bool_: "b"}[dtype]
    if array.dtype.kind not in kinds:
        raise TypeError(f"{name} must hold {np.dtype(dtype).name} values, got {array.dtype}")
    return np.ascontiguousarray(array, dtype)


@dataclass(frozen=True, slots=True, eq=False)
class ClaimArrays:
    """Two-sided claims, column-wise.

    Claim r belongs to scope ``scope[r]`` (0 ≤ scope < n_scopes) and has reliability ``q[r]`` in
    [0, 1].  Component c belongs to claim ``comp_claim[c]`` and puts weight ``comp_weight[c]`` on
    the integer band [comp_low[c], comp_high[c]], 0 ≤ low ≤ high; an atom has low == high.  Every
    claim has at least one component, and its weights sum to 1.  Components may come in any order.
    """

    scope: IntArray
    q: FloatArray
    comp_claim: IntArray
    comp_low: IntArray
    comp_high: IntArray
    comp_weight: FloatArray

    def __post_init__(self) -> None:
        for name in ("scope", "comp_claim", "comp_low", "comp_high"):
            object.__setattr__(self, name, _column(name, getattr(self, name), np.int64))
        for name in ("q", "comp_weight"):
            object.__setattr__(self, name, _column(name, getattr(self, name), np.float64))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, Kernel, float]]) -> ClaimArrays:
        """Claims from ``(scope, kernel, q)`` rows: for tests, ``explain`` and small inputs."""
        scope: list[int] = []
        q: list[float] = []
        comps: list[tuple[int, int, int, float]] = []
        for index, (scope_id, kernel, reliability) in enumerate(rows):
            scope.append(scope_id)
            q.append(reliability)
            comps.extend((index, low, high, weight) for low, high, weight in kernel)
        columns = list(zip(*comps, strict=True)) if comps else [(), (), (), ()]
        return cls(
            scope=np.array(scope, np.int64),
            q=np.array(q, np.float64),
            comp_claim=np.array(columns[0], np.int64),
            comp_low=np.array(columns[1], np.int64),
            comp_high=np.array(columns[2], np.int64),
            comp_weight=np.array(columns[3], np.float64),
        )


@dataclass(frozen=True, slots=True, eq=False)
class BoundArrays:
    """One-sided derived claims (the caps and floors of statistics.md 5.3), column-wise.

    Bound b says N ≤ ``value[b]`` when ``is_cap[b]``, else N ≥ ``value[b]``, for scope ``scope[b]``
    with reliability ``q[b]``.  :func:`fuse` turns each into a one-band claim against the hull
    [H_lo, H_hi] of the scope's two-sided claims (statistics.md 3.1):

    - cap C → [H_lo, C] if C ≥ H_lo, else [⌈C/2⌉, C];
    - floor F → [F, H_hi] if F ≤ H_hi, else [F, 2F].

    A scope without two-sided claims takes [max floor, min cap] as that hull when it has both and
    they are ordered, so one floor F and one cap C both become the band [F, C]; otherwise the
    second branches apply.
    """

    scope: IntArray
    is_cap: BoolArray
    value: IntArray
    q: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", _column("bound scope", self.scope, np.int64))
        object.__setattr__(self, "is_cap", _column("bound is_cap", self.is_cap, np.bool_))
        object.__setattr__(self, "value", _column("bound value", self.value, np.int64))
        object.__setattr__(self, "q", _column("bound q", self.q, np.float64))

    @classmethod
    def empty(cls) -> BoundArrays:
        return cls.from_rows(())

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, bool, int, float]]) -> BoundArrays:
        """Bounds from ``(scope, is_cap, value, q)`` rows."""
        table = list(rows)
        return cls(
            scope=np.array([row[0] for row in table], np.int64),
            is_cap=np.array([row[1] for row in table], np.bool_),
            value=np.array([row[2] for row in table], np.int64),
            q=np.array([row[3] for row in table], np.float64),
        )


# The Fusion arrays with one value per scope.
SCOPE_FIELDS: Final = (
    "best", "low", "high", "low95", "high95", "hull_low", "hull_high", "mode_low", "mode_high"
)  # fmt: skip


@dataclass(frozen=True, slots=True, eq=False)
class Fusion:
    """The posterior of every scope (statistics.md 3.3).  All arrays are read-only.

    Per scope s (length n_scopes): ``best`` = Q(.5), ``low``/``high`` = Q(.10)/Q(.90),
    ``low95``/``high95`` = Q(.025)/Q(.975), the hull after converting the bounds, and the mode:
    the segment of highest density with respect to μ, merged with equally dense neighbours (the
    first one on ties).  With equal q and similar widths it is Marzullo's "interval consistent with
    the most sources".  A scope without any claim or bound holds −1 in all of these.

    Per claim r: ``support`` = P(N ∈ [min_k L_rk, max_k U_rk]).  Per bound b: the band it became,
    [``bound_low``, ``bound_high``], and that band's support.

    Scope s's posterior is piecewise uniform in μ over the segments ``segment_start[s]`` up to
    ``segment_start[s+1] − 1``: [``segment_low``, ``segment_high``] with probability
    ``segment_mass``.
    """

    best: IntArray
    low: IntArray
    high: IntArray
    low95: IntArray
    high95: IntArray
    hull_low: IntArray
    hull_high: IntArray
    mode_low: IntArray
    mode_high: IntArray
    support: FloatArray
    bound_low: IntArray
    bound_high: IntArray
    bound_support: FloatArray
    segment_start: IntArray
    segment_low: IntArray
    segment_high: IntArray
    segment_mass: FloatArray

    def __post_init__(self) -> None:
        for name in self.__slots__:
            getattr(self, name).flags.writeable = False


class Segment(NamedTuple):
    low: int
    high: int
    mass: float


class ConvertedBound(NamedTuple):
    """A cap or floor after conversion: the band it became and that band's posterior support."""

    low: int
    high: int
    support: float


@dataclass(frozen=True, slots=True)
class ScopeFusion:
    """The posterior of one scope, as plain Python values (see :class:`Fusion`)."""

    best: int
    low: int
    high: int
    low95: int
    high95: int
    hull: tuple[int, int]
    mode: tuple[int, int]
    supports: tuple[float, ...]
    bounds: tuple[ConvertedBound, ...]
    segments: tuple[Segment, ...]

    @property
    def ranges(self) -> tuple[int, int, int, int, int]:
        """``(best, low, high, low95, high95)``: how statistics.md writes a result."""
        return self.best, self.low, self.high, self.low95, self.high95


# ----------------------------------------------------------------------------------------------
# Public entry points


def fuse(
    claims: ClaimArrays,
    bounds: BoundArrays | None = None,
    *,
    n_scopes: int | None = None,
    block_rows: int = BLOCK_ROWS,
    segments: bool = True,
) -> Fusion:
    """Fuse the claims (and one-sided bounds) of every scope; see the module docstring.

    ``n_scopes`` defaults to one more than the largest scope id used.  Scopes are fused in
    blocks of about ``block_rows`` claims and bounds, two blocks at a time where there are two
    CPUs: scopes are independent, so the result is the same, bit for bit, whatever the blocks.
    ``segments=False`` leaves the posteriors' segments out (every scope gets none): the engine
    reads only quantiles and supports, and at a million claims the segments weigh 66 MB.
    """
    bounds = BoundArrays.empty() if bounds is None else bounds
    n_scopes = _scope_count(claims, bounds, n_scopes)
    _validate_claims(claims, n_scopes)
    _validate_bounds(bounds, n_scopes)
    edges = _block_edges(claims.scope, bounds.scope, n_scopes, block_rows)
    if edges.size <= 2:
        return _fuse_block(claims, bounds, n_scopes, segments)
    return _fuse_blocks(claims, bounds, edges, segments)


def _block_edges(
    claim_scope: IntArray, bound_scope: IntArray, n_scopes: int, block_rows: int
) -> IntArray:
    """Scope ids where blocks start, and n_scopes: each block holds about ``block_rows`` rows."""
    rows = np.bincount(claim_scope, minlength=n_scopes) + np.bincount(
        bound_scope, minlength=n_scopes
    )
    running = np.cumsum(rows)
    total = int(running[-1]) if running.size else 0
    cuts = np.searchsorted(running, np.arange(block_rows, total, block_rows), side="right")
    return distinct(np.concatenate([[0], cuts, [n_scopes]]).astype(np.int64))


class _Picked(NamedTuple):
    """The rows of one block: claims (by position) and their components, in input order."""

    claims: ClaimArrays
    claim_rows: IntArray
    bounds: BoundArrays
    bound_rows: IntArray


def _blocks(claims: ClaimArrays, bounds: BoundArrays, edges: IntArray) -> list[_Picked]:
    """Split rows by scope block; scope ids become block-local, component order is kept."""
    claim_order = np.argsort(claims.scope, kind="stable")
    claim_rank = np.empty_like(claim_order)
    claim_rank[claim_order] = np.arange(claim_order.size)
    comp_rank = claim_rank[claims.comp_claim]
    comp_order = np.argsort(comp_rank, kind="stable")
    comp_sorted = comp_rank[comp_order]
    bound_order = np.argsort(bounds.scope, kind="stable")
    claim_cut = np.searchsorted(claims.scope[claim_order], edges)
    bound_cut = np.searchsorted(bounds.scope[bound_order], edges)
    comp_cut = np.searchsorted(comp_sorted, claim_cut)
    picked = []
    for index in range(edges.size - 1):
        lo = int(edges[index])
        c0, c1 = int(claim_cut[index]), int(claim_cut[index + 1])
        k0, k1 = int(comp_cut[index]), int(comp_cut[index + 1])
        b0, b1 = int(bound_cut[index]), int(bound_cut[index + 1])
        claim_rows, comps, bound_rows = claim_order[c0:c1], comp_order[k0:k1], bound_order[b0:b1]
        picked.append(
            _Picked(
                ClaimArrays(
                    scope=claims.scope[claim_rows] - lo,
                    q=claims.q[claim_rows],
                    comp_claim=comp_sorted[k0:k1] - c0,
                    comp_low=claims.comp_low[comps],
                    comp_high=claims.comp_high[comps],
                    comp_weight=claims.comp_weight[comps],
                ),
                claim_rows,
                BoundArrays(
                    scope=bounds.scope[bound_rows] - lo,
                    is_cap=bounds.is_cap[bound_rows],
                    value=bounds.value[bound_rows],
                    q=bounds.q[bound_rows],
                ),
                bound_rows,
            )
        )
    return picked


def _fuse_blocks(
    claims: ClaimArrays, bounds: BoundArrays, edges: IntArray, segments: bool
) -> Fusion:
    picked = _blocks(claims, bounds, edges)
    sizes = np.diff(edges).tolist()

    def run(index: int) -> Fusion:
        block = picked[index]
        return _fuse_block(block.claims, block.bounds, sizes[index], segments)

    # numpy releases the GIL in its loops, so two threads keep two CPUs busy; each block is
    # small enough that its temporaries come back from the allocator instead of fresh pages.
    workers = min(_THREADS[0], os.cpu_count() or 1, len(picked))
    if workers > 1:
        # Imported here: concurrent.futures brings logging, which a small input never needs.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, range(len(picked))))
    else:
        parts = [run(index) for index in range(len(picked))]
    return _joined(parts, picked, claims.scope.size, bounds.scope.size)


def _joined(
    parts: Sequence[Fusion], picked: Sequence[_Picked], n_claims: int, n_bounds: int
) -> Fusion:
    """One Fusion from the blocks' (scope ids in block order; rows back in input order)."""
    per_scope = {
        name: np.concatenate([getattr(part, name) for part in parts])
        for name in (*SCOPE_FIELDS, "segment_low", "segment_high", "segment_mass")
    }
    support = np.empty(n_claims)
    bound_low = np.empty(n_bounds, np.int64)
    bound_high = np.empty(n_bounds, np.int64)
    bound_support = np.empty(n_bounds)
    starts = [np.zeros(1, np.int64)]
    offset = 0
    for part, block in zip(parts, picked, strict=True):
        support[block.claim_rows] = part.support
        bound_low[block.bound_rows] = part.bound_low
        bound_high[block.bound_rows] = part.bound_high
        bound_support[block.bound_rows] = part.bound_support
        starts.append(part.segment_start[1:] + offset)
        offset += int(part.segment_start[-1])
    return Fusion(
        **per_scope,
        support=support,
        bound_low=bound_low,
        bound_high=bound_high,
        bound_support=bound_support,
        segment_start=np.concatenate(starts),
    )


def _fuse_block(
    claims: ClaimArrays, bounds: BoundArrays, n_scopes: int, segments: bool = True
) -> Fusion:
    kernels = _pad(claims)
    bound_low, bound_high = _convert_bounds(bounds, claims.scope, kernels, n_scopes)
    kernels = kernels.stacked(_Kernels.bands(bound_low, bound_high, kernels.width))
    scope = np.concatenate([claims.scope, bounds.scope])
    q = np.minimum(np.concatenate([claims.q, bounds.q]), _Q_MAX)
    if scope.size == 0:
        return _empty_fusion(n_scopes)

    claim_low, claim_high = kernels.low.min(axis=0), kernels.high.max(axis=0)
    hull_low, hull_high = _hull(scope, claim_low, claim_high, n_scopes)
    grid = _Boundaries.build(_claim_events(kernels, scope, q, hull_low, hull_high))
    del kernels  # the largest inputs; nothing below needs them
    posterior = _Posterior.build(grid)
    support = grid.mass_between(posterior, scope, claim_low, claim_high)
    n_claims = claims.scope.size
    per_scope = _per_scope(posterior, grid.present_scopes(), n_scopes)
    low, high, mass = posterior.low, posterior.high, posterior.mass
    if not segments:
        per_scope["segment_start"] = np.zeros(n_scopes + 1, np.int64)
        # Fresh empty arrays: an empty slice would keep the whole buffer alive.
        low, high, mass = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return Fusion(
        **per_scope,
        hull_low=np.where(hull_high >= 0, hull_low, -1),
        hull_high=hull_high,
        support=support[:n_claims],
        bound_low=bound_low,
        bound_high=bound_high,
        bound_support=support[n_claims:],
        segment_low=low,
        segment_high=high,
        segment_mass=mass,
    )


def fuse_one(
    claims: Sequence[tuple[Kernel, float]],
    *,
    caps: Sequence[tuple[int, float]] = (),
    floors: Sequence[tuple[int, float]] = (),
) -> ScopeFusion:
    """Fuse the claims ``(kernel, q)`` of one scope, plus caps and floors ``(value, q)``.

    A convenience over :func:`fuse` for tests and ``explain``; ``bounds`` lists the caps first.
    """
    if not claims and not caps and not floors:
        raise ValueError("fuse_one needs at least one claim, cap or floor")
    table = ClaimArrays.from_rows((0, kernel, q) for kernel, q in claims)
    rows = [(0, True, value, q) for value, q in caps]
    rows += [(0, False, value, q) for value, q in floors]
    result = fuse(table, BoundArrays.from_rows(rows), n_scopes=1)
    return ScopeFusion(
        best=int(result.best[0]),
        low=int(result.low[0]),
        high=int(result.high[0]),
        low95=int(result.low95[0]),
        high95=int(result.high95[0]),
        hull=(int(result.hull_low[0]), int(result.hull_high[0])),
        mode=(int(result.mode_low[0]), int(result.mode_high[0])),
        supports=tuple(float(s) for s in result.support),
        bounds=tuple(
            ConvertedBound(int(low), int(high), float(support))
            for low, high, support in zip(
                result.bound_low, result.bound_high, result.bound_support, strict=True
            )
        ),
        segments=tuple(
            Segment(int(low), int(high), float(mass))
            for low, high, mass in zip(
                result.segment_low, result.segment_high, result.segment_mass, strict=True
            )
        ),
    )


# ----------------------------------------------------------------------------------------------
# Validation


def _scope_count(claims: ClaimArrays, bounds: BoundArrays, n_scopes: int | None) -> int:
    if n_scopes is not None:
        if n_scopes < 0:
            raise ValueError(f"n_scopes must be ≥ 0, got {n_scopes}")
        return n_scopes
    used = np.concatenate([claims.scope, bounds.scope])
    return int(used.max()) + 1 if used.size else 0


def _require(condition: bool | np.bool_, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_scope_and_q(what: str, scope: IntArray, q: FloatArray, n_scopes: int) -> None:
    _require(q.size == scope.size, f"{what}: q must have one value per row")
    inside = bool(np.all((scope >= 0) & (scope < n_scopes)))
    _require(inside, f"{what}: scope outside 0..n_scopes-1")
    _require(bool(np.all((q >= 0.0) & (q <= 1.0))), f"{what}: q must lie in [0, 1]")


def _validate_claims(claims: ClaimArrays, n_scopes: int) -> None:
    n_claims = claims.scope.size
    _check_scope_and_q("claims", claims.scope, claims.q, n_scopes)
    n_comps = claims.comp_claim.size
    for name in ("comp_low", "comp_high", "comp_weight"):
        _require(getattr(claims, name).size == n_comps, f"claims: {name} must match comp_claim")
    owner = claims.comp_claim
    _require(bool(np.all((owner >= 0) & (owner < n_claims))), "claims: comp_claim out of range")
    _require(
        bool(np.all(np.bincount(owner, minlength=n_claims) > 0)),
        "claims: every claim needs at least one component",
    )
    low, high = claims.comp_low, claims.comp_high
    _require(bool(np.all((low >= 0) & (low <= high))), "claims: need 0 ≤ comp_low ≤ comp_high")
    weight = claims.comp_weight
    _require(bool(np.all(weight >= 0.0)), "claims: weights must be non-negative")
    totals = np.bincount(owner, weights=weight, minlength=n_claims)
    _require(
        bool(np.all(np.abs(totals - 1.0) <= _WEIGHT_TOLERANCE)),
        "claims: the weights of each claim must sum to 1",
    )


def _validate_bounds(bounds: BoundArrays, n_scopes: int) -> None:
    _check_scope_and_q("bounds", bounds.scope, bounds.q, n_scopes)
    _require(
        bounds.is_cap.size == bounds.scope.size and bounds.value.size == bounds.scope.size,
        "bounds: every column must have one value per bound",
    )
    _require(bool(np.all(bounds.value >= 0)), "bounds: values must be non-negative")


# ----------------------------------------------------------------------------------------------
# Kernels, bounds and hulls


@dataclass(frozen=True, slots=True, eq=False)
class _Kernels:
    """Components laid out [slot, claim] so that each slot is one contiguous row.

    A claim with fewer components than ``width`` repeats its first band in the spare slots with
    weight 0: that changes no density, and its boundaries duplicate real ones, which the event
    builder drops.
    """

    low: IntArray
    high: IntArray
    weight: FloatArray

    @property
    def width(self) -> int:
        return int(self.low.shape[0])

    @classmethod
    def bands(cls, low: IntArray, high: IntArray, width: int) -> _Kernels:
        weight = np.zeros((width, low.size))
        weight[0] = 1.0
        return cls(low=np.tile(low, (width, 1)), high=np.tile(high, (width, 1)), weight=weight)

    def stacked(self, other: _Kernels) -> _Kernels:
        return _Kernels(
            low=np.concatenate([self.low, other.low], axis=1),
            high=np.concatenate([self.high, other.high], axis=1),
            weight=np.concatenate([self.weight, other.weight], axis=1),
        )


def _pad(claims: ClaimArrays) -> _Kernels:
    """The components of each claim in slots 0..K−1, in their input order."""
    n_claims = claims.scope.size
    if n_claims == 0:
        empty = np.zeros((1, 0), np.int64)
        return _Kernels(low=empty, high=empty.copy(), weight=np.zeros((1, 0)))
    order = np.argsort(claims.comp_claim, kind="stable")
    owner = claims.comp_claim[order]
    counts = np.bincount(owner, minlength=n_claims)
    first = np.cumsum(counts) - counts
    slot = np.arange(owner.size) - first[owner]
    width = int(counts.max())

    def spread(values: IntArray) -> IntArray:
        out = np.tile(values[first], (width, 1))
        out[slot, owner] = values
        return out

    weight = np.zeros((width, n_claims))
    weight[slot, owner] = claims.comp_weight[order]
    return _Kernels(
        low=spread(claims.comp_low[order]), high=spread(claims.comp_high[order]), weight=weight
    )


def _hull(
    scope: IntArray, low: IntArray, high: IntArray, n_scopes: int
) -> tuple[IntArray, IntArray]:
    """Per scope, the smallest and largest bound of its claims; (max int64, −1) if none."""
    hull_low = np.full(n_scopes, _NO_LOW, np.int64)
    hull_high = np.full(n_scopes, -1, np.int64)
    np.minimum.at(hull_low, scope, low)
    np.maximum.at(hull_high, scope, high)
    return hull_low, hull_high


def _convert_bounds(
    bounds: BoundArrays, claim_scope: IntArray, kernels: _Kernels, n_scopes: int
) -> tuple[IntArray, IntArray]:
    """The bands [low, high] that the caps and floors become (statistics.md 3.1)."""
    hull_low, hull_high = _hull(
        claim_scope, kernels.low.min(axis=0), kernels.high.max(axis=0), n_scopes
    )
    cap, value, scope = bounds.is_cap, bounds.value, bounds.scope
    tightest_cap = np.full(n_scopes, _NO_LOW, np.int64)
    np.minimum.at(tightest_cap, scope[cap], value[cap])
    tightest_floor = np.full(n_scopes, -1, np.int64)
    np.maximum.at(tightest_floor, scope[~cap], value[~cap])
    two_sided = hull_high >= 0
    # Without two-sided claims, a floor and a cap that agree bound each other: both become
    # [F, C] instead of the arbitrary [⌈C/2⌉, C] and [F, 2F].
    has_cap = tightest_cap < _NO_LOW
    paired = ~two_sided & has_cap & (tightest_floor >= 0) & (tightest_floor <= tightest_cap)
    hull_low = np.where(two_sided, hull_low, np.where(paired, tightest_floor, _NO_LOW))
    hull_high = np.where(two_sided, hull_high, np.where(paired, tightest_cap, -1))

    h_low, h_high = hull_low[scope], hull_high[scope]
    cap_low = np.where(value >= h_low, h_low, (value + 1) // 2)
    floor_high = np.where(value <= h_high, h_high, 2 * value)
    return np.where(cap, cap_low, value), np.where(cap, value, floor_high)


# ----------------------------------------------------------------------------------------------
# Events: each claim's log density as a step function


@dataclass(frozen=True, slots=True, eq=False)
class _Events:
    scope: IntArray
    position: IntArray
    step: FloatArray  # Δ log f_r at ``position``: log f_r(position) − log f_r(position − 1)


def _in_band_density(kernels: _Kernels, density: FloatArray, at: IntArray) -> FloatArray:
    """Σ_k w_rk·1[L_rk ≤ n ≤ U_rk]/μ_rk at one position ``at[r]`` per claim r.

    The components are always added in slot order, so two positions covered by the same
    components get bit-identical values and each claim's steps telescope exactly.
    """
    total = np.zeros(at.shape)
    for k in range(kernels.width):
        inside = (kernels.low[k] <= at) & (at <= kernels.high[k])
        total += inside * density[k]
    return total


def _claim_events(
    kernels: _Kernels, scope: IntArray, q: FloatArray, hull_low: IntArray, hull_high: IntArray
) -> _Events:
    """One event per claim and distinct boundary (a band's low, or its high + 1)."""
    # f_r mixes its components additively, so log f_r is not a sum of per-component terms: take
    # log f_r on both sides of each boundary and emit the difference.
    outside = (1.0 - q) / mu(hull_low[scope], hull_high[scope])
    density = kernels.weight / mu(kernels.low, kernels.high)

    def log_f(at: IntArray) -> FloatArray:
        result: FloatArray = np.log(q * _in_band_density(kernels, density, at) + outside)
        return result

    candidates = [*kernels.low, *(kernels.high + 1)]
    scopes, positions, steps = [], [], []
    for index, position in enumerate(candidates):
        # A position where several components start or end must carry its Δ log f_r once; with
        # at most 2K = 6 candidates per claim, pairwise comparison beats sorting each claim.
        keep = np.ones(position.size, np.bool_)
        for earlier in candidates[:index]:
            keep &= position != earlier
        step = log_f(position) - log_f(position - 1)
        scopes.append(scope[keep])
        positions.append(position[keep])
        steps.append(step[keep])
    return _Events(
        scope=np.concatenate(scopes),
        position=np.concatenate(positions),
        step=np.concatenate(steps),
    )


# ----------------------------------------------------------------------------------------------
# Boundaries and segments


def _segmented_cumsum(values: FloatArray, starts: IntArray) -> FloatArray:
    """Inclusive running sums that restart at every index of ``starts`` (starts[0] == 0).

    Each group is summed on its own, so a scope's figures never depend on which scopes come
    before it (a global cumsum would carry their rounding into it, and the column-wise and
    object-by-object paths would differ in the last bits).  Groups are padded to the next power
    of two and summed row-wise in one call per size class: at most twice the work of one
    cumsum, and one Python iteration per size class, never per scope.
    """
    result = np.empty_like(values)
    if values.size == 0:
        return result
    sizes = np.diff(np.append(starts, values.size))
    size_class = np.ceil(np.log2(np.maximum(sizes, 1))).astype(np.int64)
    for power in distinct(size_class).tolist():
        groups = np.flatnonzero(size_class == power)
        width = 1 << power
        offsets = np.arange(width, dtype=np.int64)
        inside = offsets[None, :] < sizes[groups, None]
        index = np.where(inside, starts[groups, None] + offsets[None, :], 0)
        running = np.cumsum(np.where(inside, values[index], 0.0), axis=1)
        result[index[inside]] = running[inside]
    return result


def _group_starts(labels: IntArray) -> IntArray:
    """Indices where a run of equal labels begins, in a sorted array."""
    changes = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    return np.concatenate([np.zeros(1, np.int64), changes]).astype(np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class _Boundaries:
    """The distinct (scope, position) boundaries, sorted, with the log density after each.

    The last boundary of a scope is H_hi + 1 and closes the last segment.
    """

    key: IntArray  # scope · shift + position
    shift: int
    scope: IntArray
    position: IntArray
    log_density: FloatArray  # Σ_r log f_r on [position, next position), up to a per-scope constant
    first: IntArray  # per present scope, the index of its first boundary

    @classmethod
    def build(cls, events: _Events) -> _Boundaries:
        shift = int(events.position.max()) + 1
        top = int(events.scope.max()) + 1
        if top * shift >= np.iinfo(np.int64).max:
            raise ValueError("counts too large to key (scope, position) in 64 bits")
        key = events.scope * shift + events.position
        order = np.argsort(key, kind="stable")
        key = key[order]
        starts = _group_starts(key)
        steps = np.add.reduceat(events.step[order], starts)
        key = key[starts]
        scope = key // shift
        first = _group_starts(scope)
        return cls(
            key=key,
            shift=shift,
            scope=scope,
            position=key - scope * shift,
            log_density=_segmented_cumsum(steps, first),
            first=first,
        )

    def present_scopes(self) -> IntArray:
        return self.scope[self.first]

    def is_segment_start(self) -> BoolArray:
        """False at each scope's closing boundary, True elsewhere."""
        mask = np.ones(self.key.size, np.bool_)
        mask[np.append(self.first[1:], self.key.size) - 1] = False
        return mask

    def mass_between(
        self, posterior: _Posterior, scope: IntArray, low: IntArray, high: IntArray
    ) -> FloatArray:
        """P(low ≤ N ≤ high) per row; low and high + 1 must be boundaries of the row's scope."""
        below = np.ones(self.key.size)  # probability below each boundary; 1 at closing ones
        below[self.is_segment_start()] = posterior.cumulative - posterior.mass
        base = scope * self.shift
        lower = below[np.searchsorted(self.key, base + low)]
        upper = below[np.searchsorted(self.key, base + high + 1)]
        result: FloatArray = np.clip(upper - lower, 0.0, 1.0)
        return result


@dataclass(frozen=True, slots=True, eq=False)
class _Posterior:
    """Segments [low, high] of all present scopes, scope by scope, with their probabilities."""

    low: IntArray
    high: IntArray
    log_density: FloatArray
    peak: FloatArray  # per present scope, the largest log density
    mass: FloatArray
    cumulative: FloatArray  # mass up to and including the segment, within its scope
    first: IntArray  # per present scope, the index of its first segment

    @classmethod
    def build(cls, grid: _Boundaries) -> _Posterior:
        starts = np.flatnonzero(grid.is_segment_start())
        low, high = grid.position[starts], grid.position[starts + 1] - 1
        log_density = grid.log_density[starts]
        # Each scope before this one has dropped exactly one closing boundary.
        first = grid.first - np.arange(grid.first.size)
        sizes = np.diff(np.append(first, starts.size))
        peak = np.maximum.reduceat(log_density, first)
        weight = np.exp(log_density - np.repeat(peak, sizes)) * mu(low, high)
        mass = weight / np.repeat(np.add.reduceat(weight, first), sizes)
        return cls(
            low=low,
            high=high,
            log_density=log_density,
            peak=peak,
            mass=mass,
            cumulative=_segmented_cumsum(mass, first),
            first=first,
        )

    @property
    def last(self) -> IntArray:
        return np.append(self.first[1:], self.low.size) - 1

    def quantile(self, level: float) -> IntArray:
        """Q(level) per present scope (statistics.md 3.2)."""
        target = level - PROBABILITY_TOLERANCE
        # Cumulative masses rise within a scope, so the first segment reaching the target comes
        # right after those that fall short of it.  Counting them per scope is exact, where one
        # searchsorted on scope_index + F would round F to the spacing of floats near the scope
        # index (3e−11 at 250,000 scopes, 2e−9 at 10⁷: coarser than the tolerance).
        short = np.add.reduceat(self.cumulative < target, self.first, dtype=np.int64)
        index = np.minimum(self.first + short, self.last)
        mass = self.mass[index]
        low, high = self.low[index], self.high[index]
        density = np.maximum(mass, np.finfo(np.float64).tiny) / mu(low, high)
        return first_reaching(low, high, (target - (self.cumulative[index] - mass)) / density)

    def mode(self) -> tuple[IntArray, IntArray]:
        """Per present scope, the run of top-density segments that starts first."""
        sizes = np.diff(np.append(self.first, self.low.size))
        top = self.log_density >= np.repeat(self.peak, sizes) - _MODE_TOLERANCE
        index = np.arange(self.low.size)
        start = np.minimum.reduceat(np.where(top, index, self.low.size), self.first)
        # For every segment, the nearest segment at or after it that is not top.
        stop = np.minimum.accumulate(np.where(top, self.low.size, index)[::-1])[::-1]
        end = np.minimum(stop[start], self.last + 1) - 1
        return self.low[start], self.high[end]


# ----------------------------------------------------------------------------------------------
# Assembling the result


def _per_scope(posterior: _Posterior, present: IntArray, n_scopes: int) -> dict[str, IntArray]:
    """Quantiles, modes and segment offsets over all scopes; −1 where a scope has no claim."""

    def scatter(values: IntArray) -> IntArray:
        out = np.full(n_scopes, -1, np.int64)
        out[present] = values
        return out

    columns = {name: scatter(posterior.quantile(level)) for name, level in QUANTILE_LEVELS.items()}
    mode_low, mode_high = posterior.mode()
    sizes = np.zeros(n_scopes, np.int64)
    sizes[present] = np.diff(np.append(posterior.first, posterior.low.size))
    return {
        **columns,
        "mode_low": scatter(mode_low),
        "mode_high": scatter(mode_high),
        "segment_start": np.concatenate([np.zeros(1, np.int64), np.cumsum(sizes)]),
    }


def _empty_fusion(n_scopes: int) -> Fusion:
    none = np.full(n_scopes, -1, np.int64)
    no_ints = np.zeros(0, np.int64)
    return Fusion(
        best=none,
        low=none.copy(),
        high=none.copy(),
        low95=none.copy(),
        high95=none.copy(),
        hull_low=none.copy(),
        hull_high=none.copy(),
        mode_low=none.copy(),
        mode_high=none.copy(),
        support=np.zeros(0),
        bound_low=no_ints,
        bound_high=no_ints.copy(),
        bound_support=np.zeros(0),
        segment_start=np.zeros(n_scopes + 1, np.int64),
        segment_low=no_ints.copy(),
        segment_high=no_ints.copy(),
        segment_mass=np.zeros(0),
    )
