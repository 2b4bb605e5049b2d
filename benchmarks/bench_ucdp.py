"""A real-data scale test: UCDP GED events of the Central African Republic, tiled, by province-year.

    python benchmarks/bench_ucdp.py [--events 400000] [--repeat 1] [--source CSV]
                                    [--timeout SECONDS] [--flat] [--regenerate]

The source is the shared snapshot's ``GEDEvent_v23_1_CAR.derived.csv`` (1,848 events; default
``../shared/data/ucdp-ged-car/`` beside the repository; CC BY 4.0, see
``examples/licenses/ucdp-ged-NOTICE.md``).  It is not always there: the script then stops with a
message naming the path it looked for.

**The input.**  Each event becomes one report exactly as in ``tests/data/make_ucdp_car.py`` (its
function ``report`` is reused; ``tests/test_ucdp.py`` says why this reading): UCDP's best as
the count, at ``Central African Republic <year>/<province>/event <id>``, over the event's year.
To reach N events the 1,848 events (in the make script's order: year, province, start, id) are
repeated, copy k as a synthetic country ``Central African Republic copy <k>`` with the same
years, provinces, events and figures (ids ``ucdp-ged-<id>-copy<k>``); the last copy stops at N.
So 400,000 events are about 216 countries over the same 32 years, roughly the shape of the
global GED (385,918 events in v25.1).  Moving the years instead is not possible: tally reads
years 1000-2999 only, room for 62 copies of 32 years.  Each full copy holds the real data's
183 province-years and 27 country-years.  The reports go to
``benchmarks/out/ucdp-ged-car-<N>.csv``, and the place tree (every country-year complete with its
provinces and unplaced events, every province-year with its events) to ``….context.json``;
both are reused while they exist (``--regenerate`` rewrites them).

**What is timed** (each run in a fresh interpreter, as ``bench_load.py`` does, whose helpers are
reused):

- the floor: the csv module reading the reports file (``bench_load.py --child floor``);
- reconcile: ``load_reports([reports, context])`` + ``reconcile`` + writing every estimate as
  CSV (``tally reconcile FILE CONTEXT -f csv``) to ``benchmarks/out/…-estimates.csv``.
  ``--flat`` leaves the context out (no province or country sums): the same reports, without
  the place tree's cost.

The best of ``--repeat`` runs is kept, with the largest peak resident set size.  A run that
takes longer than ``--timeout`` seconds is stopped and reported as such.  After the run the
province-year and country-year rows of the estimates are counted and checked against the sums of
UCDP's best computed here.  A Markdown table goes to standard output, progress to standard error.
Timings belong here, never in the tests.

**Figures seen** (2 shared CPUs, AMD EPYC, Python 3.11.7, under ``nice -n 19`` with other work
on the machine; best of 1):

| events | tree | scopes | floor (s) | reconcile (s) | ratio | peak (MiB) | prov.-yrs | ctry-yrs |
|---:|---|---:|---:|---:|---:|---:|---:|---:|
| 10,000 | yes | 11,147 | 0.01 | 7.20 | 487x | 80 | 993 | 154 |
| 20,000 | yes | 22,263 | 0.03 | 32.91 | 1082x | 118 | 1,969 | 294 |
| 50,000 | yes | 55,707 | 0.07 | 247.68 | 3529x | 249 | 4,966 | 741 |
| 400,000 | yes | | 0.62 | stopped at 600 | | | | |
| 10,000 | ``--flat`` | 10,000 | 0.02 | 0.27 | 18x | 66 | 0 | 0 |
| 50,000 | ``--flat`` | 50,000 | 0.08 | 0.86 | 11x | 170 | 0 | 0 |
| 400,000 | ``--flat`` | 400,000 | 0.61 | 6.67 | 11x | 864 | 0 | 0 |

Every province-year and country-year total that came out equalled the sum of UCDP's best.  With
the tree the time grows as the square of the events: tally's sums of complete places
(``engine/claims.py`` ``_place_sums``) look at every plain claim once per complete place, 80% of
the 10,000-event run.  Loading the 400,000 reports with their 45,457-place tree takes 5 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench_load import OUT_DIR, best_of, cpu_model, cpus, measured, mib

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from tests.data import make_ucdp_car as ucdp  # noqa: E402  (the reading the tests check)

DEFAULT_SOURCE: Final = REPO.parent / "shared" / "data" / "ucdp-ged-car" / ucdp.SOURCE_FILE
MODES: Final = ("reconcile", "flat")


@dataclass(frozen=True, slots=True)
class Reconciled:
    seconds: float
    peak_kib: int
    reports: int
    scopes: int


# --- the input ----------------------------------------------------------------------------------


def tiled(events: Sequence[Mapping[str, str]], n: int) -> Iterator[dict[str, str]]:
    for i in range(n):
        copy, index = divmod(i, len(events))
        yield ucdp.report(events[index], copy)


def ensure_files(source: Path, n: int, regenerate: bool) -> tuple[Path, Path]:
    reports_path = OUT_DIR / f"ucdp-ged-car-{n}.csv"
    context_path = OUT_DIR / f"ucdp-ged-car-{n}.context.json"
    if regenerate or not reports_path.exists() or not context_path.exists():
        print(f"writing {reports_path} ...", file=sys.stderr)
        start = time.perf_counter()
        events = sorted(ucdp.read_events(source), key=ucdp.sort_key)
        reports = list(tiled(events, n))
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        ucdp.write_reports(reports_path, reports)
        tree = ucdp.place_tree(reports)
        places = {parent: {"parts": parts, "complete": True} for parent, parts in tree.items()}
        sources = {ucdp.ORIGIN: {"name": "Uppsala Conflict Data Program, GED 23.1", "grade": "B"}}
        context_path.write_text(
            json.dumps({"sources": sources, "places": places}, ensure_ascii=False),
            encoding="utf-8",
        )
        print(f"  written in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return reports_path, context_path


def expected_totals(reports_path: Path) -> dict[str, int]:
    """Σ UCDP best per country-year and province-year, from the reports file."""
    totals: dict[str, int] = defaultdict(int)
    with reports_path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            path = row["place"].split("/")
            for depth in range(1, len(path)):
                totals["/".join(path[:depth])] += int(row["count"])
    return dict(totals)


# --- child side: one measurement in a fresh interpreter ------------------------------------------


def child(mode: str, paths: Sequence[Path], out: Path) -> int:
    import casualty_cli as api
    from casualty_cli.render.estimates import write_estimates

    inputs = paths if mode == "reconcile" else paths[:1]
    start = time.perf_counter()
    table = api.load_reports(inputs)
    # As the command does for CSV: only the columns are read, so large inputs go in parts.
    result = api.reconcile(table, columns_only=True)
    with out.open("w", encoding="utf-8", newline="") as sink:
        write_estimates(result, "csv", sink, version=api.__version__)
    seconds = time.perf_counter() - start
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    peak_kib = peak // 1024 if sys.platform == "darwin" else peak
    record = {"seconds": seconds, "peak_kib": peak_kib, "reports": len(table)}
    print(json.dumps({**record, "scopes": len(result)}))
    return 0


# --- parent side ----------------------------------------------------------------------------------


def run_reconcile(mode: str, paths: Sequence[Path], out: Path, timeout: float | None) -> Reconciled:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, *map(str, paths)]
    cmd += ["--child-out", str(out)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # Every process of the run, summed: the parts of a large reconciliation run in two.
    result, peak = measured(cmd, mode, env=env, sample=True, timeout=timeout)
    return Reconciled(float(result["seconds"]), peak, int(result["reports"]), int(result["scopes"]))


def check_totals(out: Path, expected: Mapping[str, int]) -> tuple[int, int, int, int]:
    """Province-years and country-years in the estimates, and how many differ from Σ best."""
    provinces = countries = wrong = 0
    with out.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            place = row["place"]
            if place not in expected:
                continue
            if "/" in place:
                provinces += 1
            else:
                countries += 1
            wrong += int(row["best"]) != expected[place]
    return provinces, countries, wrong, len(expected)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400_000, help="default 400,000")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; default 1")
    parser.add_argument(
        "--source", type=Path, default=DEFAULT_SOURCE, help=f"default {DEFAULT_SOURCE}"
    )
    parser.add_argument(
        "--timeout", type=float, default=0, help="stop a reconcile run after this many seconds"
    )
    parser.add_argument("--flat", action="store_true", help="reconcile without the place tree")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the input files")
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, *paths = args.child
        if mode not in MODES or not paths or args.child_out is None:
            parser.error(f"--child MODE PATH... --child-out OUT, MODE one of {', '.join(MODES)}")
        return child(mode, [Path(p) for p in paths], args.child_out)
    if args.events < 1 or args.repeat < 1:
        parser.error("--events and --repeat must be at least 1")
    if not args.source.is_file():
        print(
            f"bench_ucdp: no UCDP GED file at {args.source}\n"
            "The shared data snapshot (../shared/data/ucdp-ged-car/) is not always present; "
            "give the path of GEDEvent_v23_1_CAR.derived.csv with --source.",
            file=sys.stderr,
        )
        return 2

    reports_path, context_path = ensure_files(args.source, args.events, args.regenerate)
    size_mb = reports_path.stat().st_size / 1e6
    print(f"input: {reports_path} ({size_mb:.0f} MB) + {context_path.name}", file=sys.stderr)
    floor = best_of("floor", reports_path, args.repeat)

    mode = "flat" if args.flat else "reconcile"
    out = OUT_DIR / f"ucdp-ged-car-{args.events}-{mode}-estimates.csv"
    timeout = args.timeout or None
    runs: list[Reconciled] = []
    stopped = ""
    for i in range(args.repeat):
        try:
            run = run_reconcile(mode, [reports_path, context_path], out, timeout)
        except subprocess.TimeoutExpired:
            stopped = f"stopped after {args.timeout:.0f} s"
            print(f"  {mode} run {i + 1}/{args.repeat}: {stopped}", file=sys.stderr)
            break
        print(f"  {mode} run {i + 1}/{args.repeat}: {run.seconds:.3f} s", file=sys.stderr)
        runs.append(run)

    print(
        "| events | reports | scopes | floor (s) | reconcile (s) | reconcile / floor "
        "| peak (MiB) | province-years | country-years |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    if runs:
        best = min(runs, key=lambda r: r.seconds)
        peak = max(r.peak_kib for r in runs)
        provinces, countries, wrong, expected = check_totals(out, expected_totals(reports_path))
        cells = [
            f"{args.events:,}",
            f"{best.reports:,}",
            f"{best.scopes:,}",
            f"{floor.seconds:.2f}",
            f"{best.seconds:.2f}",
            f"{best.seconds / floor.seconds:.0f}x",
            mib(peak),
            f"{provinces:,}",
            f"{countries:,}",
        ]
        print("| " + " | ".join(cells) + " |")
        print()
        print(
            f"Province-year and country-year totals: {provinces + countries:,} of {expected:,} "
            f"expected, {wrong:,} differing from the sum of UCDP's best."
        )
    else:
        cells = [f"{args.events:,}", "", "", f"{floor.seconds:.2f}", f"> {args.timeout:.0f}"]
        print("| " + " | ".join([*cells, "", "", "", ""]) + " |")
        print()
        print(f"reconcile {stopped}.")
    print(
        f"Python {platform.python_version()}, {cpus()} CPUs ({cpu_model()}), {size_mb:.0f} MB CSV, "
        f"best of {args.repeat}{', without the place tree' if args.flat else ''}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
