"""End to end on real data: UCDP GED 23.1, Central African Republic, 2012 and 2013, by province.

``tests/data/ucdp-ged-car-2012-2013.csv`` is cut by ``tests/data/make_ucdp_car.py`` from the
UCDP Georeferenced Event Dataset 23.1 (CC BY 4.0; attribution in
``examples/licenses/ucdp-ged-NOTICE.md``): all 217 events of those two years, one report each.
``ucdp-ged-car-2012-2013.context.yaml`` beside it holds the grade and the place tree.

**How a UCDP event becomes a report.**  One report by the origin ``UCDP GED``, with UCDP's
``best`` as a plain number, at the place ``Central African Republic <year>/<province>/event
<id>``, over the event's calendar year; ``low``, ``high`` and the dates stay in ``notes``.  Each
country-year is declared complete with its provinces and each province-year with its events, so
tally adds them up.  What tally did with the other readings (run on these events and on single
events), and why they were left:

- ``"low-high, most likely best"`` (statistics.md's reading of a best within bounds): tally's
  best is the median of the claim mixed with its grade's doubt, so it is UCDP's best only when
  that lies inside the range.  Event 266602 (Ouham 2014, low 0, best 198, high 198) becomes 33
  at the default grade F and 99 at B; 62993 (450/800/1,200) stays 800.  Worse, a complete place
  gets its sum only when every part is a plain figure (``derived_sum``), so every province-year
  holding one ranged event (Bangui, Ouham, Ouaka … 2013) and the country-year 2013 got no row
  at all;
- low, best and high as three reports of one origin: ``same_origin_inconsistent``, and tally
  keeps the lowest (450 for event 62993);
- the best plus ``"low-high"`` (or "at least low" and "up to high"): the range is
  ``subsumed`` by the figure inside it, so the estimate is the best alone, and the place sum
  is lost again (the scope holds two claims);
- the province as the place and the event's own dates as the period, with ``--period
  YYYY-01-01/YYYY-12-31``: two events of one province and window (20 such scopes here) become
  two figures of one count (``same_origin_inconsistent``), events inside a longer event's
  window are read as its parts (45 ``parts_exceed_whole``, 37 ``coherence_adjusted``), and the
  year gets no estimate: events do not tile a year ("the windows inside it do not cover it").

What a reader should get, and why:

1. **Every event is UCDP's best.**  A plain figure's best is the figure; ``claimed_min`` and
   ``claimed_max`` are it too.
2. **A province-year is the sum of UCDP's best over its events, exactly,** and a country-year
   the sum of its provinces and of its events that UCDP could not place in one.  This is how
   UCDP itself totals GED.  The sum is UCDP's own arithmetic (``derived_sum``), so the range
   around it is that of one plain report of the total: tally's ±25% band for a stated count,
   not UCDP's low and high added up.  Bangui 2013 is 1,234 with 80% range 1,067–1,427, where
   UCDP's lows and highs add up to 860 and 1,739 (event 62993 alone spans 450–1,200).
3. **Parts never exceed the whole** (here they add up to it), and nothing is flagged but
   ``single_source``: one origin, no conflict.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from casualty_cli.cli import main

from .conftest import DATA, STABLE_ENV

REPORTS = DATA / "ucdp-ged-car-2012-2013.csv"
CONTEXT = DATA / "ucdp-ged-car-2012-2013.context.yaml"
COUNTRY = "Central African Republic"

Row = dict[str, Any]


@pytest.fixture(scope="module")
def reconciled() -> tuple[list[Row], str]:
    result = CliRunner(env=STABLE_ENV).invoke(
        main, ["reconcile", str(REPORTS), str(CONTEXT), "--format", "json"]
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["notes"] == []
    return document["estimates"], result.stderr


@pytest.fixture(scope="module")
def estimates(reconciled: tuple[list[Row], str]) -> dict[str, Row]:
    rows, _ = reconciled
    by_place = {row["place"]: row for row in rows}
    assert len(by_place) == len(rows)  # one window per place: the event's year
    return by_place


def ucdp_best() -> dict[str, int]:
    with REPORTS.open(encoding="utf-8", newline="") as f:
        return {row["place"]: int(row["count"]) for row in csv.DictReader(f)}


def test_nothing_on_stderr(reconciled: tuple[list[Row], str]) -> None:
    _, stderr = reconciled
    assert stderr == ""


def test_every_event_is_ucdp_best(estimates: dict[str, Row]) -> None:
    best = ucdp_best()
    assert len(best) == 217
    for place, figure in best.items():
        row = estimates[place]
        assert (row["best"], row["claimed_min"], row["claimed_max"]) == (figure,) * 3, place
        assert row["low"] <= figure <= row["high"]


def test_one_row_per_event_province_year_and_country_year(estimates: dict[str, Row]) -> None:
    depth: dict[int, int] = defaultdict(int)
    for place in estimates:
        depth[place.count("/")] += 1
    # 8 provinces in 2012 and 13 in 2013; 7 events without a province are one level up.
    assert depth == {0: 2, 1: 8 + 13 + 7, 2: 217 - 7}
    for place, row in estimates.items():
        year = place.split("/")[0].removeprefix(f"{COUNTRY} ")
        assert (row["period_start"], row["period_end"]) == (f"{year}-01-01", f"{year}-12-31")


def test_province_years_worked_by_hand(estimates: dict[str, Row]) -> None:
    # Bangui 2012: three events in Bangui city, each low = best = high: 28723 (1 August, 1),
    # 28736 (27 September, 1), 29587 (1 October, 6).  1 + 1 + 6 = 8.
    bangui_2012 = estimates[f"{COUNTRY} 2012/Bangui province"]
    assert bangui_2012["best"] == 8
    # Ouaka 2012: 255861 (19 February to 18 March, 5) and 45241 (Bambari, 28 December, 3).
    assert estimates[f"{COUNTRY} 2012/Ouaka province"]["best"] == 5 + 3
    # Bangui 2013: 40 events, the best of which add up to 1,234: 800 of them in event 62993
    # (5-6 December, low 450, high 1,200) and 93 in 45150 (24 March, the government against
    # the Séléka as it took Bangui; low 91, high 141).  UCDP's lows add up to 860, its highs
    # to 1,739; tally's range is that of a plain report of 1,234 (next test).
    bangui_2013 = estimates[f"{COUNTRY} 2013/Bangui province"]
    assert bangui_2013["reports"] == 40
    assert (bangui_2013["best"], bangui_2013["low"], bangui_2013["high"]) == (1234, 1067, 1427)
    assert (bangui_2013["low95"], bangui_2013["high95"]) == (1007, 1513)
    # The whole country: GED 23.1 holds 132 deaths (best) in 31 events in 2012 and 3,396 in
    # 186 events in 2013.
    assert estimates[f"{COUNTRY} 2012"]["best"] == 132
    assert estimates[f"{COUNTRY} 2013"]["best"] == 3396


def test_a_total_has_the_range_of_one_plain_report_of_it(
    estimates: dict[str, Row], tmp_path: Path
) -> None:
    lone = tmp_path / "lone.csv"
    lone.write_text("source,published,period,count,grade\nUCDP GED,2023,2013,1234,B\n")
    result = CliRunner(env=STABLE_ENV).invoke(main, ["reconcile", str(lone), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["estimates"]
    fields = ("best", "low", "high", "low95", "high95")
    total = estimates[f"{COUNTRY} 2013/Bangui province"]
    assert [row[f] for f in fields] == [total[f] for f in fields]


def test_parts_add_up_to_the_whole(estimates: dict[str, Row]) -> None:
    best = ucdp_best()
    parts: dict[str, list[str]] = defaultdict(list)
    for place in estimates:
        if "/" in place:
            parts[place.rsplit("/", 1)[0]].append(place)
    assert len(parts) == 2 + 8 + 13
    for whole, members in parts.items():
        events = [p for p in best if p.startswith(whole + "/")]
        total = sum(best[p] for p in events)
        assert estimates[whole]["best"] == total == sum(estimates[p]["best"] for p in members)
        assert estimates[whole]["reports"] == len(events)
        assert all(estimates[p]["best"] <= estimates[whole]["best"] for p in members)


def test_only_single_source_is_flagged(estimates: dict[str, Row]) -> None:
    assert {flag for row in estimates.values() for flag in row["flags"]} == {"single_source"}
    assert {row["origins"] for row in estimates.values()} == {1}
