"""Write N synthetic casualty reports for load and speed benchmarks.

    python benchmarks/generate.py 1000000 benchmarks/out/reports.csv --seed 1 --format csv

The reports use the report fields of tally's input contract and look like a large newsroom or
monitoring dataset: about N/4 scopes, each an incident's (outcome, category, place, window), covered
by 2 to 6 sources, some of them relayed by news outlets.  Most reports name the incident's day (or
a window of two or three days) as their period and are published up to three days later; some
scopes are counted cumulatively instead ("as of" the bulletin's date, no period), and a few
origins publish a later, revised cumulative figure, which tally turns into a time series.  The
data are coherent as real tallies are: the windows of one place, category and outcome never
overlap, and each cumulative series is kept by the same few origins.  Counts
are mostly plain integers, with hedged phrases ("at least X", "more than X", "about X"), ranges
("A-B") and "dozens" mixed in; Admiralty grades A to F.  Places and sources are fictional.

The output is a pure function of (N, seed, format): the same arguments give the same bytes.
Only the standard library is used, so the generator runs before the package is installed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final, TextIO

FIELDS: Final = (
    "source",
    "via",
    "published",
    "period",
    "place",
    "category",
    "outcome",
    "count",
    "grade",
    "url",
)
FORMATS: Final = ("csv", "ndjson", "yaml")

COUNTRIES: Final = ("Aldoria", "Borvia", "Calimar", "Drevna", "Estmark")
# "all" is written as an empty cell most of the time, as a reporter would leave it.
CATEGORIES: Final = ("", "all", "civilians", "combatants", "civilians", "civilians/children")
OUTCOMES: Final = ("", "", "", "", "", "killed", "injured", "missing")
OUTLETS: Final = ("AP", "Reuters", "AFP", "BBC", "Al Jazeera", "DPA", "EFE")
GRADE_LETTERS: Final = "ABCDEF"
SOURCE_KINDS: Final = (
    "Ministry of Health",
    "Civil Defence",
    "Human Rights Monitor",
    "Red Crescent",
    "Army Spokesman",
    "Local Council",
    "Hospital",
    "UN Office",
)
FIRST_DAY: Final = date(2024, 1, 1)
SPAN_DAYS: Final = 120


@dataclass(frozen=True, slots=True)
class Scope:
    place: str
    category: str
    outcome: str
    true_count: int
    day: int  # the incident's first day, counted from FIRST_DAY
    days: int  # how many days its window covers (1 to 3)
    cumulative: bool  # counted "as of" a bulletin date instead of over a window


def make_sources(rng: random.Random, n: int) -> dict[str, list[str]]:
    """For each country, ``n`` fictional source names such as ``Borvia Civil Defence 3``."""
    return {
        country: [f"{country} {rng.choice(SOURCE_KINDS)} {i}" for i in range(1, n + 1)]
        for country in COUNTRIES
    }


def make_scope(rng: random.Random, regions: int, towns: int, *, flat: bool = False) -> Scope:
    country = rng.choice(COUNTRIES)
    place = f"{country}/Region{rng.randrange(1, regions + 1)}/Town{rng.randrange(1, towns + 1)}"
    category = rng.choice(CATEGORIES)
    if flat:
        # No trees: one level of places, and every count is of the whole ("all").
        place = place.replace("/", " ")
        category = ""
    # Log-uniform true counts from 1 to about 5,000: most incidents are small.
    true_count = max(1, round(5000 ** rng.random()))
    return Scope(
        place=place,
        category=category,
        outcome=rng.choice(OUTCOMES),
        true_count=true_count,
        day=rng.randrange(SPAN_DAYS - 7),
        days=1 if rng.random() < 0.9 else rng.randint(2, 3),
        cumulative=rng.random() < 0.15,
    )


def scope_key(scope: Scope) -> tuple[str, str, str, int, int, bool]:
    """What makes two scopes the same: an empty category is ``all``, an empty outcome killed."""
    return (
        scope.place,
        scope.category or "all",
        scope.outcome or "killed",
        scope.day,
        scope.days,
        scope.cumulative,
    )


def number(rng: random.Random, value: int) -> str:
    """Write an integer as a reporter might: ``1234`` or ``1,234``."""
    return f"{value:,}" if value >= 1000 and rng.random() < 0.5 else str(value)


def phrase(rng: random.Random, true_count: int, spread: float = 0.15) -> str:
    """One report's wording of a count near ``true_count`` (log-normal noise of ``spread``)."""
    noisy = max(0, round(true_count * rng.lognormvariate(0.0, spread))) if spread else true_count
    roll = rng.random()
    if roll < 0.70:
        return number(rng, noisy)
    if roll < 0.78:
        return f"at least {number(rng, noisy)}"
    if roll < 0.84:
        return f"more than {number(rng, max(0, noisy - 1))}"
    if roll < 0.90:
        return f"about {number(rng, noisy)}"
    if roll < 0.97:
        low = max(0, round(noisy * rng.uniform(0.6, 0.95)))
        high = max(low + 1, round(noisy * rng.uniform(1.05, 1.5)))
        return f"{number(rng, low)}-{number(rng, high)}"
    if 20 <= noisy <= 120:
        return "dozens"
    return number(rng, noisy)


class CumulativeSeries:
    """Running totals per (place, category, outcome), counted "as of" a day.

    A total is every incident of its place, category and outcome that ended by that day, plus
    deaths no incident report covers (a background growing with time).  Each origin sees the
    background with a fixed bias of its own, so its figures hold the incidents inside them, as a
    ministry's cumulative count holds the incidents reported one by one, and one origin's series
    falls only where it revises itself down, as real bulletins do.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.base: dict[tuple[str, str, str], int] = {}
        self.bias: dict[tuple[str, tuple[str, str, str]], float] = {}
        # Incidents counted over windows, per (place, category, outcome): (last day, true count).
        self.incidents: dict[tuple[str, str, str], list[tuple[int, int]]] = {}

    def add_incident(self, scope: Scope) -> None:
        last = scope.day + scope.days - 1
        self.incidents.setdefault(scope_key(scope)[:3], []).append((last, scope.true_count))

    def figure(self, scope: Scope, origin: str, day: int) -> int:
        """The origin's total as of ``day`` (counted from FIRST_DAY; windows ending by then)."""
        key = scope_key(scope)[:3]
        base = self.base.setdefault(key, max(1, round(5000 ** self.rng.random())))
        bias = self.bias.setdefault((origin, key), self.rng.lognormvariate(0.0, 0.15))
        inside = sum(count for last, count in self.incidents.get(key, ()) if last <= day)
        return inside + max(0, round(base * (1 + day / 30) * bias))


def grade(rng: random.Random) -> str:
    letter = rng.choices(GRADE_LETTERS, weights=(1, 4, 4, 2, 1, 2))[0]
    if rng.random() < 0.2:
        return f"{letter}{rng.randrange(1, 7)}"
    return letter


def generate_rows(
    n: int, seed: int, *, flat: bool = False, totals: bool = False
) -> Iterator[dict[str, str]]:
    """Yield ``n`` reports as mappings of field name to text (empty text = absent).

    ``flat`` leaves out the trees: places of one level and no categories but the whole.  The
    incidents are drawn first and the reports written after, so that a cumulative count can hold
    every incident before it.
    """
    rng = random.Random(seed)
    series = CumulativeSeries(rng)
    planned = list(plan(rng, n, series, flat=flat, totals=totals))
    worded: dict[tuple[Scope, str, int], str] = {}  # relays carry their origin's very words
    for serial, (scope, origin, via, origin_grade, later) in enumerate(planned):
        key = (scope, origin, later)
        if key in worded:
            count = worded[key]
        elif scope.cumulative:
            bulletin = scope.day + scope.days + later  # the day the count is "as of"
            figure = series.figure(scope, origin, bulletin)
            if later and rng.random() < 0.1:
                figure = figure * 9 // 10  # revised down
            count = phrase(rng, figure, spread=0.0) if not later else number(rng, figure)
        else:
            count = phrase(rng, scope.true_count)
        worded[key] = count
        yield report(rng, scope, origin, via, origin_grade, count, serial, later=later)


Planned = tuple[Scope, str, str, str, int]  # scope, origin, via, grade, days later


def plan(
    rng: random.Random, n: int, series: CumulativeSeries, *, flat: bool, totals: bool = False
) -> Iterator[Planned]:
    """The ``n`` reports to write, in order, before any count is worded.

    With ``totals``, about a tenth of them are regional and national daily totals, drawn once
    every incident is: each holds the incidents of its day, place, category and outcome.
    """
    if not totals:
        yield from _incidents(rng, n, series, flat=flat)
        return
    daily: Counter[tuple[str, str, str, int]] = Counter()
    planned = 0
    for item in _incidents(rng, n - round(n * TOTALS_SHARE), series, flat=flat, daily=daily):
        planned += 1
        yield item
    yield from _totals(rng, n - planned, daily)


TOTALS_SHARE: Final = 0.1
"""Of the reports, how many are regional and national daily totals (with ``totals``)."""


def _totals(
    rng: random.Random, n: int, daily: Counter[tuple[str, str, str, int]]
) -> Iterator[Planned]:
    """``n`` reports of daily totals of regions and countries, each reported by 2 to 4 origins
    of its country: the incidents of its day (and a few deaths no incident report covers)."""
    sources = make_sources(rng, 20)
    wanted = sorted(daily)
    rng.shuffle(wanted)
    written = 0
    for place, category, outcome, day in wanted:
        counted = daily[(place, category, outcome, day)]
        true_count = counted + round(counted * rng.uniform(0.0, 0.1))
        scope = Scope(place, category, outcome, true_count, day, 1, cumulative=False)
        for origin in rng.sample(sources[place.partition("/")[0]], rng.randint(2, 4)):
            if written == n:
                return
            yield scope, origin, "", grade(rng), 0
            written += 1


def _incidents(
    rng: random.Random,
    n: int,
    series: CumulativeSeries,
    *,
    flat: bool,
    daily: Counter[tuple[str, str, str, int]] | None = None,
) -> Iterator[Planned]:
    """``n`` reports of incidents and cumulative counts; ``daily`` sums the true count of each
    one-day incident under its region and its country, by category, outcome and day."""
    # About 3.9 reports per scope (2-6 origins, some relayed twice), so about n/4 scopes.
    n_scopes = max(1, n // 4)
    # About 50 incidents a town over the four months, so that places recur as they do in life.
    places = max(1, n_scopes // 50)
    regions = max(1, round(math.sqrt(places / len(COUNTRIES) / 4)))
    towns = max(1, math.ceil(places / len(COUNTRIES) / regions))
    sources = make_sources(rng, max(6, min(1000, n // 100)))
    seen: set[tuple[str, str, str, int, int, bool]] = set()
    # Days already counted by a window of a place, category and outcome: a new incident there
    # must not overlap them, or its window would contain another's without counting it (real
    # tallies nest; independent incidents drawn at random would not).
    busy: dict[tuple[str, str, str], set[int]] = {}
    # Each cumulative series is kept by a few origins of its own, bulletin after bulletin.
    keepers: dict[tuple[str, str, str], list[str]] = {}
    written = 0
    while written < n:
        scope = make_scope(rng, regions, towns, flat=flat)
        if scope_key(scope) in seen:
            continue
        days = set(range(scope.day, scope.day + scope.days))
        taken = busy.setdefault(scope_key(scope)[:3], set())
        if not scope.cumulative and days & taken:
            continue
        if not scope.cumulative:
            taken |= days
            series.add_incident(scope)
            if daily is not None and scope.days == 1:
                country, region, _ = scope.place.split("/")
                _, category, outcome, *_ = scope_key(scope)  # "" read as all, or as killed
                for whole in (country, f"{country}/{region}"):
                    daily[(whole, category, outcome, scope.day)] += scope.true_count
        seen.add(scope_key(scope))
        pool = sources[scope.place.replace(" ", "/").partition("/")[0]]
        if scope.cumulative:
            pool = keepers.setdefault(scope_key(scope)[:3], rng.sample(pool, 6))
        origins = rng.sample(pool, rng.choices((2, 3, 4, 5, 6), weights=(3, 3, 2, 1, 1))[0])
        for origin in origins:
            # Most origins are read directly; some reach us through one or two outlets that
            # carry the same figure (relays, which tally must count as one piece of evidence).
            vias = [""] if rng.random() < 0.85 else rng.sample(OUTLETS, rng.randint(1, 2))
            origin_grade = grade(rng)
            for via in vias:
                if written == n:
                    return
                yield scope, origin, via, origin_grade, 0
                written += 1
            if scope.cumulative and rng.random() < 0.1 and written < n:
                # A later bulletin of the same origin: higher, now and then revised down.
                yield scope, origin, "", origin_grade, 2
                written += 1


def report(
    rng: random.Random,
    scope: Scope,
    origin: str,
    via: str,
    origin_grade: str,
    count: str,
    serial: int,
    *,
    later: int = 0,
) -> dict[str, str]:
    """One row; ``later`` days are added to a cumulative count's bulletin date."""
    start = FIRST_DAY + timedelta(days=scope.day)
    end = start + timedelta(days=scope.days - 1)
    if scope.cumulative:
        # One bulletin date for the scope; now and then an origin's later, revised figure, which
        # is a scope of its own ("as of" a later day) linked to the first by time.
        published = end + timedelta(days=1 + later)
        period = ""
    else:
        published = end + timedelta(days=rng.randrange(4))
        period = start.isoformat() if scope.days == 1 else f"{start.isoformat()}/{end.isoformat()}"
    return {
        "source": origin,
        "via": via,
        "published": published.isoformat(),
        "period": period,
        "place": scope.place,
        "category": scope.category,
        "outcome": scope.outcome,
        "count": count,
        "grade": origin_grade,
        "url": f"https://example.org/report/{serial:08d}" if rng.random() < 0.3 else "",
    }


def write_csv(rows: Iterator[dict[str, str]], out: TextIO) -> None:
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([row[name] for name in FIELDS])


def write_ndjson(rows: Iterator[dict[str, str]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps({k: v for k, v in row.items() if v}, ensure_ascii=False))
        out.write("\n")


def write_yaml(rows: Iterator[dict[str, str]], out: TextIO) -> None:
    # JSON strings are valid YAML double-quoted scalars, so no YAML library is needed.
    out.write("reports:\n")
    for row in rows:
        prefix = "  - "
        for name in FIELDS:
            if row[name]:
                out.write(f"{prefix}{name}: {json.dumps(row[name], ensure_ascii=False)}\n")
                prefix = "    "


def write(
    n: int, path: Path, *, seed: int = 1, fmt: str = "csv", flat: bool = False, totals: bool = False
) -> None:
    """Write the reports to ``path`` (``-`` for standard output), atomically for a file."""
    writers = {"csv": write_csv, "ndjson": write_ndjson, "yaml": write_yaml}
    if str(path) == "-":
        writers[fmt](generate_rows(n, seed, flat=flat, totals=totals), sys.stdout)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writers[fmt](generate_rows(n, seed, flat=flat, totals=totals), out)
    tmp.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of reports to write")
    parser.add_argument("out", type=Path, help="output file, or - for standard output")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="default csv")
    parser.add_argument(
        "--flat",
        action="store_true",
        help="no place or category tree: one level of places, every count of the whole",
    )
    parser.add_argument(
        "--totals",
        action="store_true",
        help="a tenth of the reports are regional and national daily totals, so that every level "
        "of the place tree is reported (not with --flat)",
    )
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be 0 or more")
    if args.totals and args.flat:
        parser.error("--totals needs the place tree: leave out --flat")
    write(args.n, args.out, seed=args.seed, fmt=args.format, flat=args.flat, totals=args.totals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
