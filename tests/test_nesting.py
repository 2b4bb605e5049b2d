"""The exclusion rule inside the messages' refits (statistics.md 5.3).

A refit of a scope leaves out the claims and the kept messages of some origins.  Refits asked
in one pass are fused together and shared: two asks may share a refit only when they leave the
scope the same evidence, claims *and* messages.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casualty_cli.engine import fast
from casualty_cli.engine.families import Families, Family
from casualty_cli.engine.fuse import ClaimArrays, Fusion
from casualty_cli.engine.nesting import (
    Message,
    Nesting,
    ScopeClaims,
    Summary,
    _Evidence,
    _Key,
    _Refits,
    nest,
)

from .test_columnar_families import mixed_rows, table, window_rows

A, B, C = 0, 1, 2  # origins

# Scope 0 has A's claim of 10 and B's claim of 12; it kept an up-message of 40 made by C.
CLAIMS = ClaimArrays.from_rows([(0, ((10, 10, 1.0),), 0.9), (0, ((12, 12, 1.0),), 0.8)])
ORIGIN = np.array([A, B], np.int64)
FAMILY = Family(0, (1, 2), "category", True)
SUM_FROM_C = Message("sum", 0, FAMILY, 40, 36, 44, 0.7, frozenset({C}), "20 + 20 = 40")


def refits() -> _Refits:
    base = ScopeClaims(CLAIMS, ORIGIN, n_scopes=3)
    origins = {0: frozenset({A, B})}
    evidence = _Evidence(base, {0: (0, 1)}, {0: SUM_FROM_C}, {}, {}, origins)
    return _Refits(base, evidence, {}, {})


def ask_all(*excluded: frozenset[int]) -> list[Summary | None]:
    asked = refits()
    keys = [asked.ask(0, leave_out, up=True, down=False) for leave_out in excluded]
    asked.run()
    return [asked[key] for key in keys]


def test_asks_that_keep_the_same_claims_but_not_the_same_message_are_refitted_apart() -> None:
    """Leaving out A keeps B's claim and C's message; leaving out A and C keeps B's alone.  The
    second must not be answered with the first's refit, which still carries C's word."""
    with_c, without_c = ask_all(frozenset({A}), frozenset({A, C}))
    assert with_c is not None and without_c is not None
    assert with_c.origins == {B, C}
    assert without_c.origins == {B}
    assert without_c.best == 12


@pytest.mark.parametrize(
    ("excluded", "origins"),
    [
        (frozenset(), {A, B, C}),
        (frozenset({C}), {A, B}),
        (frozenset({A}), {B, C}),
        (frozenset({A, B}), {C}),
        (frozenset({A, B, C}), None),
    ],
)
def test_a_refit_holds_exactly_the_origins_not_left_out(
    excluded: frozenset[int], origins: set[int] | None
) -> None:
    (summary,) = ask_all(excluded)
    assert (summary.origins if summary is not None else None) == origins


def test_every_ask_in_one_pass_gets_its_own_evidence_whatever_the_order() -> None:
    every = [frozenset(), frozenset({C}), frozenset({A}), frozenset({A, C}), frozenset({B})]
    alone = [ask_all(leave_out)[0] for leave_out in every]
    assert ask_all(*every) == alone
    assert ask_all(*reversed(every)) == list(reversed(alone))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(window_rows, min_size=8, max_size=40), st.lists(mixed_rows, max_size=40)))
def test_no_message_carries_the_word_of_an_origin_of_its_scope(rows: list[tuple[str, ...]]) -> None:
    """Whatever the families, a scope keeps no message made with an origin that speaks to it
    directly: only a residual, the rest of a complete whole, may."""
    made: list[tuple[ScopeClaims, Nesting]] = []

    def recorded(base: ScopeClaims, direct: Fusion, families: Families) -> Nesting:
        made.append((base, nest(base, direct, families)))
        return made[-1][1]

    with patch("casualty_cli.engine.nesting.nest", recorded):
        fast.reconcile_fast(table(rows))
    for base, nesting in made:
        own = base.rows_of(sorted(nesting.messages))
        for scope, messages in nesting.messages.items():
            spoken = {base.origins[r] for r in own[scope]}
            for message in messages:
                assert message.kind == "residual" or not message.origins & spoken, message


origin_sets = st.frozensets(st.integers(0, 3), max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    claim_origins=st.lists(st.integers(0, 3), min_size=0, max_size=4),
    up_origins=st.one_of(st.none(), origin_sets),
    cap_origins=st.one_of(st.none(), origin_sets),
    asks=st.lists(st.tuples(origin_sets, st.booleans()), min_size=1, max_size=8),
)
def test_refits_asked_together_are_the_refits_asked_alone(
    claim_origins: list[int],
    up_origins: frozenset[int] | None,
    cap_origins: frozenset[int] | None,
    asks: list[tuple[frozenset[int], bool]],
) -> None:
    """One scope with claims, an up-message and a cap of random origins: whatever is left out,
    each ask answered in a shared pass is what it would be if asked alone."""
    claims = ClaimArrays.from_rows(
        (0, ((10 + 3 * i, 10 + 3 * i, 1.0),), 0.5 + 0.1 * i) for i in range(len(claim_origins))
    )
    up = (
        {}
        if up_origins is None
        else {0: Message("sum", 0, FAMILY, 40, 36, 44, 0.7, up_origins, "")}
    )
    caps = (
        {}
        if cap_origins is None
        else {0: Message("cap", 0, FAMILY, 30, 0, 30, 0.6, cap_origins, "")}
    )

    def fresh() -> _Refits:
        base = ScopeClaims(claims, np.array(claim_origins, np.int64), n_scopes=1)
        evidence = _Evidence(base, {0: tuple(range(len(claim_origins)))}, up, caps, {}, {})
        return _Refits(base, evidence, {}, {})

    def answer(refits: _Refits, excluded: frozenset[int], upward: bool) -> _Key:
        return refits.ask(0, excluded, up=upward, down=not upward)

    alone = []
    for excluded, upward in asks:
        single = fresh()
        key = answer(single, excluded, upward)
        single.run()
        alone.append(single[key])
    shared = fresh()
    keys = [answer(shared, excluded, upward) for excluded, upward in asks]
    shared.run()
    assert [shared[key] for key in keys] == alone
