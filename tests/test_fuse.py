"""The exact fusion of statistics.md section 3 against the oracles of section 8, to the integer.

Kernels are built here from the formulas of statistics.md section 2, with the same integer rounding
(⌈11x/10⌉ = (11x + 9) // 10), so these tests do not depend on the quantity grammar.  Results read
``(best, lo80, hi80, lo95, hi95)``; a shorter tuple checks only the leading values the oracle gives.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casualty_cli.engine.fuse import (
    BoundArrays,
    ClaimArrays,
    Fusion,
    Kernel,
    ScopeFusion,
    fuse,
    fuse_one,
)
from casualty_cli.engine.measure import first_reaching, mu

A, B, C, D, E, F = 0.95, 0.85, 0.70, 0.40, 0.20, 0.50

Claim = tuple[Kernel, float]


# ----------------------------------------------------------------------------------------------
# Kernels of statistics.md section 2


def exact(y: int) -> Kernel:
    if y == 0:
        return ((0, 0, 1.0),)
    return ((y, y, 0.5), (min(y - 1, (4 * y + 4) // 5), max(y + 1, (5 * y) // 4), 0.5))


def precise(x: int) -> bool:
    return x < 10 or x % 10 != 0


def fk(l0: int, is_precise: bool) -> Kernel:
    first = l0 if is_precise else (11 * l0 + 9) // 10
    return ((l0, first, 0.40), (l0, (3 * l0 + 1) // 2, 0.45), (l0, 2 * l0, 0.15))


def at_least(x: int) -> Kernel:
    return fk(x, precise(x))


def more_than(x: int) -> Kernel:
    return fk(x + 1, False)


def ck(u0: int) -> Kernel:
    return (
        ((10 * u0 + 10) // 11, u0, 0.40),
        ((2 * u0 + 2) // 3, u0, 0.45),
        ((u0 + 1) // 2, u0, 0.15),
    )


def about(x: int) -> Kernel:
    return ((max(0, min(x - 1, (10 * x + 10) // 11)), max(x + 1, (11 * x) // 10), 1.0),)


def nearly(x: int) -> Kernel:
    return (((4 * x + 4) // 5, x - 1, 1.0),)


def band(a: int, b: int) -> Kernel:
    return ((a, b, 1.0),)


def most_likely(c: int, a: int, b: int) -> Kernel:
    return ((c, c, 0.5), (a, b, 0.5))


DOZENS = band(24, 99)
THOUSANDS = band(2000, 9999)


def test_kernel_helpers_match_the_worked_examples() -> None:
    assert ck(700) == ((637, 700, 0.4), (467, 700, 0.45), (350, 700, 0.15))
    assert more_than(1000) == ((1001, 1102, 0.4), (1001, 1502, 0.45), (1001, 2002, 0.15))
    assert exact(745) == ((745, 745, 0.5), (596, 931, 0.5))


# ----------------------------------------------------------------------------------------------
# The oracles


def oracle(
    name: str,
    claims: Sequence[Claim],
    expected: tuple[int, ...],
    *,
    caps: Sequence[tuple[int, float]] = (),
) -> object:
    return pytest.param(list(claims), list(caps), expected, id=name)


ORACLES = [
    oracle("H1 exact 745", [(exact(745), B)], (745, 644, 862, 607, 914)),
    oracle("H2 between 10 and 20", [(band(10, 20), B)], (14, 10, 19, 10, 20)),
    oracle("H3 more than 1000", [(more_than(1000), B)], (1127, 1021, 1560, 1006, 1881)),
    oracle("H4 at least 20 (F)", [(at_least(20), F)], (25, 20, 36, 20, 39)),
    oracle("H4 dozens (C)", [(DOZENS, C)], (49, 27, 86, 24, 96)),
    oracle("H4 up to 30 (C)", [(ck(30), C)], (26, 17, 30, 15, 30)),
    oracle("H4 about 1000 (C)", [(about(1000), C)], (1000, 927, 1080, 914, 1095)),
    oracle("H4 nearly 50 (C)", [(nearly(50), C)], (44, 40, 48, 40, 49)),
    oracle("H4 at least 745 (B)", [(at_least(745), B)], (839, 745, 1161, 745, 1400)),
    oracle("H5 overlapping bands", [(band(10, 20), B), (band(15, 30), B)], (17, 15, 20, 11, 28)),
    oracle(
        "H6 Marzullo consistent",
        [(band(8, 12), B), (band(11, 13), B), (band(10, 12), B)],
        (11, 11, 12, 10, 12),
    ),
    oracle(
        "H6 Marzullo outlier",
        [(band(8, 12), B), (band(11, 13), B), (band(14, 15), B)],
        (12, 11, 14, 8, 15),
    ),
    oracle(
        "H7 thousands discounted",
        [(exact(100), B), (exact(110), B), (THOUSANDS, E)],
        (105, 99, 112, 90, 123),
    ),
    oracle("H8 without dedup", [(exact(745), B), (exact(745), C)], (745, 745, 745, 745, 745)),
    oracle("H9 total 1018", [(exact(1018), B)], (1018, 880, 1178, 830, 1248)),
    oracle("H9 combatants 273", [(exact(273), B)], (273, 236, 316)),
    oracle("H9 civilians 745", [(exact(745), B)], (745, 644, 862)),
    oracle("H9 security forces 125", [(exact(125), B)], (125, 108, 145)),
    oracle("H9 militants 148", [(exact(148), B)], (148, 128, 172)),
    oracle("H9 neighbourhood at least 20", [(at_least(20), F)], (25, 20, 36)),
    oracle("H10 direct total", [(about(100), B)], (100, 92, 108, 91, 110)),
    oracle("H10 direct civilians", [(exact(80), B)], (80, 69, 93, 65, 99)),
    oracle("H10 direct combatants", [(exact(50), B)], (50, 43, 58, 40, 61)),
    oracle(
        "H10 final total",
        [(about(100), B), (most_likely(130, 111, 152), B)],
        (112, 94, 136, 91, 148),
    ),
    oracle("H10 final civilians", [(exact(80), B)], (68, 64, 80, 64, 92), caps=[(70, B)]),
    oracle("H10 final combatants", [(exact(50), B)], (43, 40, 50, 40, 57), caps=[(45, B)]),
    oracle("H11 as of 03-12", [(exact(1383), B)], (1383, 1196, 1600, 1128, 1695)),
    oracle("H11 as of 03-11", [(exact(1225), B)], (1225, 1059, 1417, 999, 1502)),
    oracle("H11 day 03-12", [(exact(158), B)], (158, 137, 183, 129, 194)),
    oracle("H11 revised to CK(700)", [(ck(700), C)], (596, 415, 684, 365, 696)),
    oracle("H11 revision 700", [(exact(700), C)], (700, 599, 817, 569, 861)),
    oracle("H12 disjoint A 300", [(exact(300), B)], (300, 259, 347, 244, 368)),
    oracle("H12 disjoint B 200", [(exact(200), B)], (200, 173, 232, 163, 246)),
    oracle("H12 target window", [(most_likely(500, 432, 583), B)], (500, 455, 554, 437, 576)),
    oracle("H12 overlapping B 250", [(exact(250), B)], (250, 216, 289)),
    oracle("H12 union claim", [(band(300, 550), B)], (406, 318, 518, 304, 542)),
    oracle("P1 Chapman claim", [(most_likely(485, 361, 692), C)], (485, 399, 626)),
    oracle("P2 dozens and 30", [(DOZENS, C), (exact(30), B)], (30, 26, 38)),
]


@pytest.mark.parametrize(("claims", "caps", "expected"), ORACLES)
def test_oracle(
    claims: list[Claim], caps: list[tuple[int, float]], expected: tuple[int, ...]
) -> None:
    assert fuse_one(claims, caps=caps).ranges[: len(expected)] == expected


def masses(result: ScopeFusion) -> dict[tuple[int, int], float]:
    return {(s.low, s.high): round(s.mass, 4) for s in result.segments}


def rounded(values: Sequence[float]) -> list[float]:
    return [round(v, 4) for v in values]


def test_h1_hull_and_atom_mass() -> None:
    result = fuse_one([(exact(745), B)])
    assert result.hull == (596, 931)
    assert masses(result)[745, 745] == 0.4267


def test_h1_lo80_worked_arithmetic() -> None:
    # lo80 = ⌈597·e^{.1·.44648/.575} − 2⌉ = ⌈643.2⌉
    hull = mu(np.array([596]), np.array([931]))
    assert float(hull[0]) == pytest.approx(0.44648, abs=1e-5)
    lo80 = first_reaching(np.array([596]), np.array([744]), 0.1 * hull / 0.575)
    assert int(lo80[0]) == 644


def test_h3_segment_masses() -> None:
    result = fuse_one([(more_than(1000), B)])
    assert list(masses(result).values()) == [0.4701, 0.4150, 0.1149]


def test_h5_supports() -> None:
    result = fuse_one([(band(10, 20), B), (band(15, 30), B)])
    assert rounded(result.supports) == [0.9026, 0.9026]


def test_h6_consistent_masses_and_mode() -> None:
    result = fuse_one([(band(8, 12), B), (band(11, 13), B), (band(10, 12), B)])
    assert masses(result) == {(8, 9): 0.0068, (10, 10): 0.0384, (11, 12): 0.9505, (13, 13): 0.0043}
    assert result.mode == (11, 12)  # P5: Marzullo's intersection


def test_h6_outlier_is_contested_and_mode_is_marzullo() -> None:
    result = fuse_one([(band(8, 12), B), (band(11, 13), B), (band(14, 15), B)])
    assert masses(result)[11, 12] == 0.7624
    assert round(result.supports[2], 4) == 0.1174
    assert 0.05 <= result.supports[2] < 0.20  # `contested`
    assert result.mode == (11, 12)  # P5: consistent with 2 sources


def test_h7_hull_and_supports() -> None:
    result = fuse_one([(exact(100), B), (exact(110), B), (THOUSANDS, E)])
    assert result.hull == (80, 9999)
    assert rounded(result.supports) == [0.9932, 0.9931, 0.0023]
    assert result.supports[2] < 0.05  # `discounted`


def test_h10_final_total_is_disputed() -> None:
    result = fuse_one([(about(100), B), (most_likely(130, 111, 152), B)])
    assert rounded(result.supports) == [0.4904, 0.5096]


@pytest.mark.parametrize(
    ("kernel", "cap", "band_"),
    [
        pytest.param(exact(80), 70, (64, 70), id="H10 civilians cap 70"),
        pytest.param(exact(50), 45, (40, 45), id="H10 combatants cap 45"),
    ],
)
def test_h10_caps_become_bands_from_the_hull(
    kernel: Kernel, cap: int, band_: tuple[int, int]
) -> None:
    (converted,) = fuse_one([(kernel, B)], caps=[(cap, B)]).bounds
    assert (converted.low, converted.high) == band_


@pytest.mark.parametrize("q", [A, B, C, D, E, F])
def test_h12_union_claim_alone_ignores_q(q: float) -> None:
    # A lone band is its own hull, so q scales a constant: any grade gives the oracle.
    assert fuse_one([(band(300, 550), q)]).ranges == (406, 318, 518, 304, 542)


def test_p3_floor_calibration_with_certain_claim() -> None:
    # statistics.md 2: with q = 1, FK(1001, precise) has median 1.078·X, p90 1.459·X, p97.5 1.78·X.
    result = fuse_one([(at_least(1001), 1.0)])
    assert round(result.best / 1001, 3) == 1.078
    assert round(result.high / 1001, 3) == 1.459
    assert round(result.high95 / 1001, 2) == 1.78


# ----------------------------------------------------------------------------------------------
# One-sided bounds (statistics.md 3.1)


@pytest.mark.parametrize(
    ("caps", "floors", "bands", "hull"),
    [
        pytest.param([(120, B)], [], [(80, 120)], (80, 125), id="cap above hull low"),
        pytest.param([(60, B)], [], [(30, 60)], (30, 125), id="cap below hull low"),
        pytest.param([], [(90, B)], [(90, 125)], (80, 125), id="floor below hull high"),
        pytest.param([], [(200, B)], [(200, 400)], (80, 400), id="floor above hull high"),
        pytest.param([(70, B)], [(90, C)], [(35, 70), (90, 125)], (35, 125), id="cap and floor"),
    ],
)
def test_bounds_convert_against_the_two_sided_hull(
    caps: list[tuple[int, float]],
    floors: list[tuple[int, float]],
    bands: list[tuple[int, int]],
    hull: tuple[int, int],
) -> None:
    result = fuse_one([(exact(100), B)], caps=caps, floors=floors)
    assert [(b.low, b.high) for b in result.bounds] == bands
    assert result.hull == hull


@pytest.mark.parametrize(
    ("caps", "floors", "bands"),
    [
        pytest.param([(70, B)], [(20, C)], [(20, 70), (20, 70)], id="floor and cap: one band"),
        pytest.param([(70, B)], [], [(35, 70)], id="cap alone"),
        pytest.param([], [(20, C)], [(20, 40)], id="floor alone"),
        pytest.param([(20, B)], [(70, C)], [(10, 20), (70, 140)], id="floor above cap"),
        pytest.param([(0, B)], [], [(0, 0)], id="cap at zero"),
    ],
)
def test_bounds_without_two_sided_claims(
    caps: list[tuple[int, float]], floors: list[tuple[int, float]], bands: list[tuple[int, int]]
) -> None:
    result = fuse_one([], caps=caps, floors=floors)
    assert [(b.low, b.high) for b in result.bounds] == bands


def test_floor_and_cap_alone_give_the_band_between_them() -> None:
    assert fuse_one([], caps=[(20, B)], floors=[(10, C)]).ranges == (14, 10, 19, 10, 20)


def test_bounds_convert_per_scope_in_one_pass() -> None:
    claims = ClaimArrays.from_rows([(0, exact(100), B), (2, exact(10), B)])
    bounds = BoundArrays.from_rows([(2, True, 11, B), (0, True, 90, B), (1, False, 5, C)])
    result = fuse(claims, bounds)
    assert result.bound_low.tolist() == [8, 80, 5]
    assert result.bound_high.tolist() == [11, 90, 10]


# ----------------------------------------------------------------------------------------------
# The columnar interface


def test_scopes_without_claims_hold_minus_one() -> None:
    claims = ClaimArrays.from_rows([(1, exact(745), B)])
    result = fuse(claims, n_scopes=3)
    assert result.best.tolist() == [-1, 745, -1]
    assert result.hull_low.tolist() == [-1, 596, -1]
    assert result.mode_low.tolist() == [-1, 745, -1]
    assert result.segment_start.tolist() == [0, 0, 3, 3]


def test_no_claims_at_all() -> None:
    result = fuse(ClaimArrays.from_rows([]), n_scopes=2)
    assert result.high95.tolist() == [-1, -1]
    assert result.support.size == 0
    assert result.segment_start.tolist() == [0, 0, 0]


def test_segments_are_a_csr_table_of_each_posterior() -> None:
    claims = ClaimArrays.from_rows([(0, band(10, 20), B), (1, exact(745), B), (1, exact(700), C)])
    result = fuse(claims)
    starts = result.segment_start
    for scope in (0, 1):
        mass = result.segment_mass[starts[scope] : starts[scope + 1]]
        assert mass.sum() == pytest.approx(1.0, abs=1e-12)
        low = result.segment_low[starts[scope] : starts[scope + 1]]
        high = result.segment_high[starts[scope] : starts[scope + 1]]
        assert low[0] == result.hull_low[scope] and high[-1] == result.hull_high[scope]
        assert (low[1:] == high[:-1] + 1).all()


def test_components_may_come_in_any_order() -> None:
    ordered = fuse_one([(exact(745), B), (more_than(1000), C)])
    claims = ClaimArrays(
        scope=np.array([0, 0]),
        q=np.array([B, C]),
        comp_claim=np.array([1, 0, 1, 0, 1]),
        comp_low=np.array([1001, 745, 1001, 596, 1001]),
        comp_high=np.array([2002, 745, 1102, 931, 1502]),
        comp_weight=np.array([0.15, 0.5, 0.4, 0.5, 0.45]),
    )
    result = fuse(claims)
    assert int(result.best[0]) == ordered.best
    assert result.support.tolist() == pytest.approx(list(ordered.supports), abs=1e-12)


def test_results_are_read_only() -> None:
    result = fuse(ClaimArrays.from_rows([(0, exact(745), B)]))
    with pytest.raises(ValueError, match="read-only"):
        result.best[0] = 1


def test_fuse_one_needs_something() -> None:
    with pytest.raises(ValueError, match="at least one"):
        fuse_one([])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param([(0, exact(745), 1.5)], "q must lie", id="q above 1"),
        pytest.param([(0, ((5, 4, 1.0),), B)], "comp_low", id="low above high"),
        pytest.param([(0, ((-1, 4, 1.0),), B)], "comp_low", id="negative count"),
        pytest.param([(0, ((1, 4, 0.6),), B)], "sum to 1", id="weights not summing to 1"),
        pytest.param([(0, (), B)], "at least one component", id="claim without component"),
        pytest.param([(-1, exact(5), B)], "scope", id="negative scope"),
    ],
)
def test_bad_claims_are_refused(rows: list[tuple[int, Kernel, float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fuse(ClaimArrays.from_rows(rows), n_scopes=1)


def test_bad_bounds_are_refused() -> None:
    claims = ClaimArrays.from_rows([(0, exact(5), B)])
    with pytest.raises(ValueError, match="non-negative"):
        fuse(claims, BoundArrays.from_rows([(0, True, -3, B)]))


def test_float_counts_are_refused() -> None:
    with pytest.raises(TypeError, match="comp_low"):
        ClaimArrays(
            scope=np.array([0]),
            q=np.array([B]),
            comp_claim=np.array([0]),
            comp_low=np.array([1.5]),
            comp_high=np.array([2]),
            comp_weight=np.array([1.0]),
        )


# ----------------------------------------------------------------------------------------------
# Properties


grades = st.sampled_from([A, B, C, D, E, F]) | st.floats(0.01, 0.99)
counts = st.integers(0, 20_000)
bands = st.tuples(counts, counts).map(lambda ab: band(min(ab), max(ab)))
kernels = st.one_of(
    counts.map(exact),
    st.integers(1, 10_000).map(at_least),
    counts.map(more_than),
    counts.map(ck),
    counts.map(about),
    st.integers(5, 20_000).map(nearly),
    bands,
    st.lists(counts, min_size=3, max_size=3)
    .map(sorted)
    .map(lambda t: most_likely(t[1], t[0], t[2])),
)
claim_lists = st.lists(st.tuples(kernels, grades), min_size=1, max_size=6)
bound_lists = st.lists(st.tuples(counts, grades), max_size=1)


class Scope:
    """The claims, caps and floors of one scope, as generated."""

    def __init__(
        self,
        claims: list[Claim],
        caps: list[tuple[int, float]],
        floors: list[tuple[int, float]],
    ) -> None:
        self.claims, self.caps, self.floors = claims, caps, floors

    def __repr__(self) -> str:
        return f"Scope({self.claims!r}, caps={self.caps!r}, floors={self.floors!r})"


scopes = st.lists(
    st.builds(Scope, claim_lists | st.just([]), bound_lists, bound_lists).filter(
        lambda scope: bool(scope.claims or scope.caps or scope.floors)
    ),
    min_size=1,
    max_size=5,
)


def claim_rows(table: list[Scope]) -> list[tuple[int, Kernel, float]]:
    return [(s, kernel, q) for s, scope in enumerate(table) for kernel, q in scope.claims]


def bound_rows(table: list[Scope]) -> list[tuple[int, bool, int, float]]:
    rows = [(s, True, value, q) for s, scope in enumerate(table) for value, q in scope.caps]
    rows += [(s, False, value, q) for s, scope in enumerate(table) for value, q in scope.floors]
    return rows


def fuse_table(table: list[Scope]) -> Fusion:
    return fuse(ClaimArrays.from_rows(claim_rows(table)), BoundArrays.from_rows(bound_rows(table)))


PER_SCOPE = ("best", "low", "high", "low95", "high95", "hull_low", "hull_high")


@given(scopes)
def test_ranges_are_nested_inside_the_hull(table: list[Scope]) -> None:
    result = fuse_table(table)
    chain = ("hull_low", "low95", "low", "best", "high", "high95", "hull_high")
    for smaller, larger in itertools.pairwise(chain):
        assert (getattr(result, smaller) <= getattr(result, larger)).all(), (smaller, larger)
    assert (result.hull_low <= result.mode_low).all()
    assert (result.mode_low <= result.mode_high).all()
    assert (result.mode_high <= result.hull_high).all()
    supports = np.concatenate([result.support, result.bound_support])
    assert ((supports >= 0) & (supports <= 1)).all()


@given(scopes, st.randoms(use_true_random=False))
def test_permuting_claims_and_scopes_changes_nothing(
    table: list[Scope], rng: random.Random
) -> None:
    reference = fuse_table(table)
    label = list(range(len(table)))
    rng.shuffle(label)  # scope s becomes scope label[s]
    rows, bounds = claim_rows(table), bound_rows(table)
    order = list(range(len(rows)))
    rng.shuffle(order)  # row j of the new input is row order[j] of the old
    moved = [(label[rows[k][0]], rows[k][1], rows[k][2]) for k in order]
    moved_bounds = [(label[s], is_cap, value, q) for s, is_cap, value, q in reversed(bounds)]
    result = fuse(ClaimArrays.from_rows(moved), BoundArrays.from_rows(moved_bounds))

    for name in (*PER_SCOPE, "mode_low", "mode_high"):
        assert getattr(result, name)[label].tolist() == getattr(reference, name).tolist(), name
    assert result.support.tolist() == pytest.approx(reference.support[order].tolist(), abs=1e-9)
    assert result.bound_support[::-1].tolist() == pytest.approx(
        reference.bound_support.tolist(), abs=1e-9
    )


@given(scopes)
def test_fusing_many_scopes_at_once_equals_fusing_each_alone(table: list[Scope]) -> None:
    result = fuse_table(table)
    first_claim = 0
    for s, scope in enumerate(table):
        alone = fuse_one(scope.claims, caps=scope.caps, floors=scope.floors)
        ranges = ("best", "low", "high", "low95", "high95")
        assert tuple(int(getattr(result, name)[s]) for name in ranges) == alone.ranges
        assert (int(result.hull_low[s]), int(result.hull_high[s])) == alone.hull
        assert (int(result.mode_low[s]), int(result.mode_high[s])) == alone.mode
        supports = result.support[first_claim : first_claim + len(scope.claims)]
        assert supports.tolist() == pytest.approx(list(alone.supports), abs=1e-9)
        first_claim += len(scope.claims)


def reference_fusion(claims: list[Claim]) -> tuple[int, ...]:
    """statistics.md 3.2 as written: a loop over segments and claims, in plain floats."""

    def measure(a: int, b: int) -> float:
        return math.log((b + 2) / (a + 1))

    hull_low = min(low for kernel, _ in claims for low, _, _ in kernel)
    hull_high = max(high for kernel, _ in claims for _, high, _ in kernel)
    cuts = {hull_low, hull_high + 1}
    cuts |= {x for kernel, _ in claims for low, high, _ in kernel for x in (low, high + 1)}
    edges = sorted(cuts)
    segments = [(a, b - 1) for a, b in itertools.pairwise(edges)]
    logs = [
        sum(
            math.log(
                q * sum(w / measure(lo, hi) for lo, hi, w in kernel if lo <= a <= hi)
                + (1 - q) / measure(hull_low, hull_high)
            )
            for kernel, q in claims
        )
        for a, _ in segments
    ]
    weights = [
        math.exp(x - max(logs)) * measure(a, b) for x, (a, b) in zip(logs, segments, strict=True)
    ]
    mass = [w / sum(weights) for w in weights]

    def quantile(p: float) -> int:
        before = 0.0
        for m, (a, b) in zip(mass, segments, strict=True):
            if before + m >= p - 1e-9:
                raw = (a + 1) * math.exp((p - 1e-9 - before) / (m / measure(a, b))) - 2 - 1e-9
                return min(max(math.ceil(raw), a), b)
            before += m
        raise AssertionError("masses do not sum to 1")

    return tuple(quantile(p) for p in (0.5, 0.1, 0.9, 0.025, 0.975))


@settings(max_examples=300)
@given(claim_lists)
def test_vectorised_fusion_equals_the_scalar_algorithm(claims: list[Claim]) -> None:
    assert fuse_one(claims).ranges == reference_fusion(claims)


@given(st.integers(0, 1_000_000), st.floats(0.001, 1.0))
def test_a_single_exact_claim_has_its_number_as_best(y: int, q: float) -> None:
    assert fuse_one([(exact(y), q)]).best == y


@given(bands, st.lists(grades, min_size=2, max_size=5))
def test_copies_of_a_lone_band_change_nothing(kernel: Kernel, qs: list[float]) -> None:
    # "Identical bands from k origins do not narrow the range" (statistics.md 3.1).
    alone = fuse_one([(kernel, qs[0])])
    copies = fuse_one([(kernel, q) for q in qs])
    assert copies.ranges == alone.ranges
    assert copies.segments == alone.segments


@given(claim_lists, bands, grades, grades)
def test_a_band_copy_only_moves_mass_into_the_band(
    claims: list[Claim], kernel: Kernel, q0: float, q1: float
) -> None:
    """With other claims, a copy can narrow the range, but never says where inside the band.

    Multiplying the density by a constant on the band raises the band's support and leaves the
    shape of the posterior inside and outside the band as it was.
    """
    before = fuse_one([*claims, (kernel, q0)])
    after = fuse_one([*claims, (kernel, q0), (kernel, q1)])
    assert after.supports[-1] >= before.supports[-1] - 1e-12
    assert [s[:2] for s in after.segments] == [s[:2] for s in before.segments]
    (low, high, _), inside_before = kernel[0], before.supports[-1]
    inside_after = after.supports[-1]
    for old, new in zip(before.segments, after.segments, strict=True):
        if low <= old.low and old.high <= high:
            assert new.mass * inside_before == pytest.approx(old.mass * inside_after, abs=1e-12)
        else:
            assert new.mass * (1 - inside_before) == pytest.approx(
                old.mass * (1 - inside_after), abs=1e-12
            )


def test_a_band_copy_can_narrow_the_range_when_another_claim_disagrees() -> None:
    # The counterexample to "a copy never narrows the 80% range": the second band's mass outside
    # [10, 20] is pulled inside.
    claims = [(band(10, 20), B), (band(15, 100), B)]
    assert fuse_one(claims).ranges == (18, 14, 42, 11, 81)
    assert fuse_one([*claims, (band(10, 20), B)]).ranges == (17, 13, 20, 10, 20)
