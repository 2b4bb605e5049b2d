"""End to end on real data: Gaza, 7 October to 31 December 2023 (Tech For Palestine).

``tests/data/gaza-tfp-oct-dec-2023.csv`` is cut by ``tests/data/make_gaza_tfp.py`` from the
Tech For Palestine dataset (commit 9ea6456f, public domain; see tests/data/README.md): the
Ministry of Health's and the Government Media Office's daily and cumulative figures, children
and women, and every revision the dataset's history holds for those days, each published on the
day the dataset first showed it.  The grades are in the context file beside it.

What a reader should get, and why:

1. **Revisions supersede.** In February 2024 the dataset revised the first days upward
   (7 October: 198 → 232; 10 October: 765 → 900).  The later version is the Ministry's word; the
   earlier one is ``superseded``, and the daily report of 232 for 7 October is the same figure
   again (``duplicate_origin``).
2. **Cumulative counts never fall.** The figures plateau during the November truce, and two
   channels disagree on 28 November (UN OCHA 15,000, the Media Office's revised 14,800).  The
   best estimates from 28 November to 1 December are pooled at one value between the two,
   never above a later figure: a count since 7 October cannot shrink.
3. **A day's own figure agrees with the difference of two cumulative ones.** 8 October:
   370 − 232 = 138, the Ministry's daily figure; one origin's statements never vouch for each
   other (no message between them), so nothing is flagged.
4. **No conflict flags.** The sources disagree only within each other's ranges.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casualty_cli.estimates import Estimate, Status
from casualty_cli.reconciliation import reconcile_files

DATA = Path(__file__).resolve().parent / "data"
FILES = [DATA / "gaza-tfp-oct-dec-2023.csv", DATA / "gaza-tfp-oct-dec-2023.context.yaml"]
WAR_START = date(2023, 10, 7)
CONFLICTS = {
    "disputed",
    "parts_exceed_whole",
    "time_conflict",
    "same_origin_inconsistent",
    "discounted",
    "contested",
}


@pytest.fixture(scope="module")
def estimates() -> tuple[Estimate, ...]:
    return reconcile_files(FILES).estimates


def since_start(estimates: tuple[Estimate, ...], last: date) -> Estimate:
    return next(
        e
        for e in estimates
        if e.scope.category == () and (e.scope.start, e.scope.end) == (WAR_START, last)
    )


def test_revised_figures_supersede_the_first_versions(estimates: tuple[Estimate, ...]) -> None:
    first_day = since_start(estimates, date(2023, 10, 7))
    assert first_day.best == 232
    statuses = sorted((ev.status, ev.origin) for ev in first_day.evidence)
    assert statuses == [
        (Status.DUPLICATE_ORIGIN, "Gaza Ministry of Health"),
        (Status.SUPERSEDED, "Gaza Ministry of Health"),
        (Status.USED, "Gaza Ministry of Health"),
    ]
    tenth = since_start(estimates, date(2023, 10, 10))
    assert (tenth.best, tenth.claimed_min, tenth.claimed_max) == (900, 900, 900)
    assert [ev.status for ev in tenth.evidence] == [Status.SUPERSEDED, Status.USED]


def test_cumulative_counts_never_fall(estimates: tuple[Estimate, ...]) -> None:
    cumulative = sorted(
        (e.scope.end, e.best)
        for e in estimates
        if e.scope.category == () and e.scope.start == WAR_START and e.scope.end
    )
    assert len(cumulative) >= 70
    bests = [best for _, best in cumulative]
    assert bests == sorted(bests)


def test_the_truce_plateau_is_pooled_between_the_two_channels(
    estimates: tuple[Estimate, ...],
) -> None:
    plateau = [since_start(estimates, date(2023, 11, day)) for day in (28, 29, 30)]
    plateau.append(since_start(estimates, date(2023, 12, 1)))
    assert len({e.best for e in plateau}) == 1
    assert 14_800 < plateau[0].best < 15_000
    assert (plateau[0].claimed_min, plateau[0].claimed_max) == (14_800, 15_000)


def test_a_daily_figure_matches_the_cumulative_difference(
    estimates: tuple[Estimate, ...],
) -> None:
    day = next(
        e
        for e in estimates
        if e.scope.category == () and (e.scope.start, e.scope.end) == (date(2023, 10, 8),) * 2
    )
    assert day.best == 138 == since_start(estimates, date(2023, 10, 8)).best - 232
    assert not day.received


def test_no_conflict_is_flagged(estimates: tuple[Estimate, ...]) -> None:
    assert not [e.scope.describe() for e in estimates if CONFLICTS & set(e.flags)]
