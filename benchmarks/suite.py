"""Run the whole benchmark suite; write ``RESULTS.md`` and a plot of time and memory against rows.

    python benchmarks/suite.py [--rows 1000,10000,100000,1000000] [--repeat N] [--seed 1]
                               [--out benchmarks/RESULTS.md] [--plot benchmarks/results.svg]

For each number of rows, three synthetic files are made by ``generate.py`` (once, into
``benchmarks/out/``): the default one, with place and category trees, a ``--flat`` one, and a
``--totals`` one whose regional and national totals report every level of the place tree.  Then,
each run in a fresh interpreter:

- floor: Python's csv module reading each file (``bench_load.py``);
- load: ``load_reports`` on the tree file (``bench_load.py``);
- reconcile: load, reconcile and CSV output of the flat file (``bench_load.py --reconcile``);
- reconcile with trees: the same on the tree file;
- reconcile with totals: the same on the totals file;
- diff: ``tally diff FILE COPY -f csv`` where COPY is the tree file with about 1% of its counts
  changed (``bench_diff.py``); timed as a user runs it, interpreter start included;
- start-up: ``tally reconcile`` of the bundled example against the bare imports of click, yaml,
  dateutil and rich (``--no-startup`` leaves it out).

The best time of the runs is kept, and the largest peak memory.  By default that is the best of 3
runs up to 100,000 rows and of 2 above; ``--repeat`` sets one number for every size.  Progress goes
to standard error.  Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from bench_diff import changed_copy, timed
from bench_load import (
    HERE,
    OUT_DIR,
    SAMPLE_EVERY,
    Run,
    best_of,
    cpu_model,
    cpus,
    ensure_file,
    measured,
)

ROOT: Final = HERE.parent
DEFAULT_ROWS: Final = (1_000, 10_000, 100_000, 1_000_000)

# Keys of the figures: the two floors, then the measures, in the order they are run and shown.
FLOOR: Final = "floor"
FLOOR_FLAT: Final = "floor (flat file)"
FLOOR_TOTALS: Final = "floor (totals file)"
LOAD: Final = "load"
RECONCILE: Final = "reconcile"
TREES: Final = "reconcile with trees"
TOTALS: Final = "reconcile with totals"
DIFF: Final = "diff"
SERIES: Final = (FLOOR, LOAD, RECONCILE, TREES, TOTALS, DIFF)  # the plotted lines

Figures = Mapping[str, Mapping[int, Run]]  # key -> rows -> best run; a failed run is left out


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    title: str
    floor: str  # the floor it is compared with: the one of the file it reads
    what: str


MEASURES: Final = (
    Measure(
        LOAD,
        "Load",
        FLOOR,
        "`casualty_cli.load_reports([FILE])` on the tree file: read, parse and check every report.",
    ),
    Measure(
        RECONCILE,
        "Reconcile",
        FLOOR_FLAT,
        "Load, reconcile and write every estimate as CSV (`tally reconcile FILE -f csv`) "
        "on the flat file: no place or category trees.",
    ),
    Measure(
        TREES,
        "Reconcile with trees",
        FLOOR,
        "The same on the tree file: places three levels deep, nested categories.",
    ),
    Measure(
        TOTALS,
        "Reconcile with totals",
        FLOOR_TOTALS,
        "The same on the totals file (`generate.py --totals`): the tree file's kind of reports, "
        "a tenth of them regional and national daily totals instead, so that every level of "
        "the place tree is reported, as ministries and regional authorities do. A country's "
        "national totals join all its reports of one outcome into one part, and its places, "
        "days and cumulative counts into large groups of coherence constraints.",
    ),
    Measure(
        DIFF,
        "Diff",
        FLOOR,
        "`tally diff FILE COPY -f csv -o OUT`, COPY being the tree file with about 1% of its "
        "plain-number counts raised by 1 to 20. Timed from outside as a user runs it, so the time "
        "includes starting Python and importing tally (a fixed cost that dominates at small "
        "sizes); both files are read. Compared with the floor of one file.",
    ),
)


# --- start-up: the bundled example against the libraries tally is built on ------------------

EXAMPLE: Final = "examples/syrian-coast-2025.yaml"
BASELINE_IMPORTS: Final = "import click, yaml, dateutil.parser, rich.table"
STARTUP_RUNS: Final = 20


@dataclass(frozen=True, slots=True)
class Startup:
    """Best and median wall time of one command, started afresh ``STARTUP_RUNS`` times."""

    label: str
    command: str
    best: float
    median: float


def tally_command() -> list[str]:
    """``tally`` as installed beside this interpreter, else ``python -m casualty_cli``."""
    script = Path(sys.executable).parent / ("tally.exe" if os.name == "nt" else "tally")
    return [str(script)] if script.exists() else [sys.executable, "-m", "casualty_cli"]


def startup_commands() -> list[tuple[str, list[str]]]:
    python = sys.executable
    tally = tally_command()
    return [
        ("baseline", [python, "-c", BASELINE_IMPORTS]),
        ("baseline and numpy", [python, "-c", BASELINE_IMPORTS + ", numpy"]),
        ("tally, CSV", [*tally, "reconcile", EXAMPLE, "-f", "csv"]),
        ("tally, table", [*tally, "reconcile", EXAMPLE, "-f", "table"]),
    ]


def measure_startup(runs: int = STARTUP_RUNS) -> list[Startup]:
    """Each start-up command, run in turn (one warm-up each, so bytecode is written)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    commands = startup_commands()
    times: dict[str, list[float]] = {label: [] for label, _ in commands}
    for round_ in range(runs + 1):
        for label, cmd in commands:
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
            if round_:  # the first round warms up
                times[label].append(time.perf_counter() - start)
    print(f"start-up: {runs} runs of each of {len(commands)} commands", file=sys.stderr)
    return [
        Startup(label, shlex.join([shown_path(cmd[0]), *cmd[1:]]), min(t), statistics.median(t))
        for label, cmd in commands
        for t in [times[label]]
    ]


def startup_section(startups: Sequence[Startup]) -> list[str]:
    """RESULTS.md's start-up table, each command against the baseline, and the verdict."""
    by_label = {s.label: s for s in startups}
    baseline = by_label.get("baseline")
    if baseline is None:
        return []
    lines = [
        "## Start-up: the bundled example",
        "",
        f"`tally reconcile {EXAMPLE}` against the bare imports of the libraries tally is built on "
        f'(`python -c "{BASELINE_IMPORTS}"`), each started afresh {STARTUP_RUNS} times in '
        "turn; numpy with those imports shows what numpy alone adds.",
        "",
        "| command | best (ms) | median (ms) | best / baseline |",
        "|---|---:|---:|---:|",
    ]
    for s in startups:
        ratio = s.best / baseline.best
        lines.append(
            f"| {s.label}: `{s.command}` | {s.best * 1e3:.1f} | {s.median * 1e3:.1f} "
            f"| {ratio:.2f}x |"
        )
    verdicts = []
    for label in ("tally, CSV", "tally, table", "baseline and numpy"):
        if label in by_label:
            ratio = by_label[label].best / baseline.best
            verdicts.append(f"{label}: {ratio:.2f}x ({'within' if ratio <= 1.5 else 'above'} 1.5x)")
    return [*lines, "", "; ".join(verdicts) + ".", ""]


def default_repeat(rows: int) -> int:
    """Runs per measurement when ``--repeat`` is not given: 3 up to 100k rows, 2 above."""
    return 3 if rows <= 100_000 else 2


# --- child side: one diff in a fresh interpreter, so that its peak memory is its own ---------


def diff_child(path: Path, copy: Path, output: Path) -> int:
    seconds = timed(["diff", str(path), str(copy), "-f", "csv", "-o", str(output)])
    # The largest resident set among this process's waited-for descendants: tally and the
    # process it forks for the second side.  ru_maxrss is in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_kib = peak // 1024 if sys.platform == "darwin" else peak
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib}))
    return 0


# --- parent side ------------------------------------------------------------------------------


def run_diff(path: Path, copy: Path, rows: int, *, sample: bool = False) -> Run:
    output = OUT_DIR / "suite-diff-output.csv"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-diff"]
    cmd += [str(path), str(copy), str(output)]
    # The sampled sum includes this script's own small interpreter (the waiting parent).
    result, peak = measured(cmd, "diff", sample=sample)
    return Run(float(result["seconds"]), peak, rows)


def best_diff(path: Path, copy: Path, rows: int, repeat: int) -> Run:
    runs = []
    for i in range(repeat):
        runs.append(run_diff(path, copy, rows, sample=i == 0))
        print(f"  diff run {i + 1}/{repeat}: {runs[-1].seconds:.3f} s", file=sys.stderr)
    best = min(runs, key=lambda r: r.seconds)
    return Run(best.seconds, max(r.peak_kib for r in runs), rows)


def fresh_file(
    rows: int, seed: int, regenerate: bool, *, flat: bool = False, totals: bool = False
) -> Path:
    """The generated file, remade if asked or if ``generate.py`` changed since it was written."""
    path = ensure_file(rows, seed, regenerate, flat=flat, totals=totals)
    if path.stat().st_mtime < (HERE / "generate.py").stat().st_mtime:
        print(f"{path.name} is older than generate.py", file=sys.stderr)
        path = ensure_file(rows, seed, True, flat=flat, totals=totals)
    return path


def fresh_copy(path: Path, seed: int) -> Path:
    """``bench_diff``'s changed copy of ``path``, remade if it is older than ``path``."""
    copy = changed_copy(path, seed)
    if copy.stat().st_mtime < path.stat().st_mtime:
        copy.unlink()
        copy = changed_copy(path, seed)
    return copy


def measure_size(
    rows: int, seed: int, repeat: int, regenerate: bool, record: Callable[[str, int, Run], None]
) -> list[str]:
    """Run every measure at one size; ``record`` each best run; return the failures."""
    print(f"== {rows:,} rows, best of {repeat}", file=sys.stderr)
    tree = fresh_file(rows, seed, regenerate)
    flat = fresh_file(rows, seed, regenerate, flat=True)
    totals = fresh_file(rows, seed, regenerate, totals=True)
    copy = fresh_copy(tree, seed)
    jobs: list[tuple[str, Callable[[], Run]]] = [
        (FLOOR, lambda: best_of("floor", tree, repeat)),
        (FLOOR_FLAT, lambda: best_of("floor", flat, repeat)),
        (FLOOR_TOTALS, lambda: best_of("floor", totals, repeat)),
        (LOAD, lambda: best_of("load", tree, repeat)),
        (RECONCILE, lambda: best_of("reconcile", flat, repeat)),
        (TREES, lambda: best_of("reconcile", tree, repeat)),
        (TOTALS, lambda: best_of("reconcile", totals, repeat)),
        (DIFF, lambda: best_diff(tree, copy, rows, repeat)),
    ]
    failures = []
    for key, job in jobs:
        print(f"{key}, {rows:,} rows", file=sys.stderr)
        try:
            record(key, rows, job())
        except RuntimeError as e:
            failures.append(f"{key} at {rows:,} rows: {e}")
            print(f"  {e}", file=sys.stderr)
    return failures


def git(*args: str) -> str:
    exe = shutil.which("git")
    if exe is None:
        return ""
    done = subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def commit() -> str:
    """``git rev-parse --short HEAD``, plus ``+dirty`` if tracked files differ from it."""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    return head + ("+dirty" if dirty else "")


def memory_gib() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024**2:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return "RAM unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def shown_path(path: str | Path) -> str:
    """``path`` relative to the working directory when it lies under it."""
    full = Path(path).absolute()
    try:
        return str(full.relative_to(Path.cwd()))
    except ValueError:
        return str(full)


# --- pure functions: figures to Markdown and SVG ----------------------------------------------


def us_per_report(run: Run, rows: int) -> float:
    return run.seconds / rows * 1e6


def growth_rows(sizes: Sequence[int]) -> tuple[int, int] | None:
    """The sizes between which per-report time is compared: 10k to 1M when both were measured,
    else the smallest size of at least 10k (or the smallest) to the largest."""
    ordered = sorted(set(sizes))
    if len(ordered) < 2:
        return None
    if 10_000 in ordered and 1_000_000 in ordered:
        return 10_000, 1_000_000
    large = [n for n in ordered if n >= 10_000]
    start = large[0] if len(large) >= 2 else ordered[0]
    return start, ordered[-1]


def summary_line(figures: Figures, measure: Measure, sizes: Sequence[int]) -> str:
    """The growth of time per report across sizes, and the ratio to the floor at the largest."""
    runs, floors = figures.get(measure.key, {}), figures.get(measure.floor, {})
    parts = []
    span = growth_rows(sizes)
    if span is not None and span[0] in runs and span[1] in runs:
        a, b = (us_per_report(runs[n], n) for n in span)
        verdict = "within" if b / a <= 1.5 else "above"
        parts.append(
            f"Time per report from {span[0]:,} to {span[1]:,} rows: {a:.2f} → {b:.2f} µs, "
            f"{b / a:.2f}x ({verdict} 1.5x)."
        )
    else:
        parts.append("Time per report: growth not measured.")
    largest = max(sizes)
    if largest in runs and largest in floors:
        ratio = runs[largest].seconds / floors[largest].seconds
        parts.append(f"At {largest:,} rows: {ratio:.1f}x the floor.")
    return " ".join(parts)


def seconds(runs: Mapping[int, Run], rows: int) -> str:
    return f"{runs[rows].seconds:.3f}" if rows in runs else "n/a"


def per_report(runs: Mapping[int, Run], rows: int) -> str:
    return f"{us_per_report(runs[rows], rows):.2f}" if rows in runs else "n/a"


def peak(runs: Mapping[int, Run], rows: int) -> str:
    return f"{runs[rows].peak_kib / 1024:,.0f}" if rows in runs else "n/a"


def floor_table(figures: Figures, sizes: Sequence[int]) -> list[str]:
    tree, flat = figures.get(FLOOR, {}), figures.get(FLOOR_FLAT, {})
    totals = figures.get(FLOOR_TOTALS, {})
    lines = [
        "| rows | tree file (s) | flat file (s) | totals file (s) | µs per report | peak (MiB) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        cells = [
            f"{n:,}",
            seconds(tree, n),
            seconds(flat, n),
            seconds(totals, n),
            per_report(tree, n),
            peak(tree, n),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def measure_table(figures: Figures, measure: Measure, sizes: Sequence[int]) -> list[str]:
    runs, floors = figures.get(measure.key, {}), figures.get(measure.floor, {})
    lines = [
        "| rows | floor (s) | time (s) | time / floor | µs per report | peak (MiB) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        ratio = "n/a"
        if n in runs and n in floors:
            ratio = f"{runs[n].seconds / floors[n].seconds:.1f}x"
        cells = [
            f"{n:,}",
            seconds(floors, n),
            seconds(runs, n),
            ratio,
            per_report(runs, n),
            peak(runs, n),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def results_markdown(
    figures: Figures,
    sizes: Sequence[int],
    header: Sequence[tuple[str, str]],
    plot: str | None,
    failures: Sequence[str] = (),
    startups: Sequence[Startup] = (),
) -> str:
    """RESULTS.md: ``header`` (label, text) pairs, the plot, a table and a summary per measure."""
    sizes = sorted(sizes)
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/suite.py`: run it again rather than editing this file. "
        "`benchmarks/README.md` says how each figure is measured.",
        "",
    ]
    lines += [f"- **{label}:** {text}" for label, text in header]
    lines.append("")
    if plot is not None:
        lines += [f"![Time and peak memory against rows, log-log]({plot})", ""]
    lines += [
        "## Floor: the csv module reading the file",
        "",
        '`for row in csv.reader(f): pass`, the file opened with `newline=""`; every measure '
        "is compared with the floor of the file it reads. The peak is the bare interpreter's.",
        "",
        *floor_table(figures, sizes),
        "",
    ]
    for measure in MEASURES:
        lines += [
            f"## {measure.title}",
            "",
            measure.what,
            "",
            *measure_table(figures, measure, sizes),
            "",
            summary_line(figures, measure, sizes),
            "",
        ]
    lines += startup_section(startups)
    if failures:
        lines += ["## Not measured", ""]
        lines += [f"- {failure}" for failure in failures]
        lines.append("")
    return "\n".join(lines)


# SVG: two log-log panels side by side, time and peak memory against rows, and a legend.

STYLE: Final = {  # series -> (colour, marker, dashes)
    FLOOR: ("#7f7f7f", "circle", "5 4"),
    LOAD: ("#1f77b4", "square", ""),
    RECONCILE: ("#2ca02c", "triangle", ""),
    TREES: ("#d62728", "diamond", ""),
    TOTALS: ("#ff7f0e", "diamond", "2 2"),
    DIFF: ("#9467bd", "down", ""),
}
LABELS: Final = {FLOOR: "floor (csv module)"}

PANEL_W: Final = 380
PANEL_H: Final = 260
LEFT: Final = 70  # room for the y tick labels of each panel
GAP: Final = 90
TOP: Final = 50
WIDTH: Final = LEFT + PANEL_W + GAP + PANEL_W + 30
LEGEND_Y: Final = TOP + PANEL_H + 62
HEIGHT: Final = LEGEND_Y + 40


def num(x: float) -> str:
    """A coordinate: one decimal, no ``-0.0``."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def decades(values: Sequence[float]) -> tuple[int, int]:
    """The powers of ten that enclose ``values`` (at least one decade apart)."""
    low = math.floor(math.log10(min(values)) + 1e-9)
    high = math.ceil(math.log10(max(values)) - 1e-9)
    return low, max(high, low + 1)


def tick_label(power: int, *, rows: bool = False) -> str:
    if rows and power >= 3:
        return {3: "1k", 4: "10k", 5: "100k"}.get(power, f"{10 ** (power - 6):,}M")
    if power >= 0:
        return f"{10**power:,}"
    return f"{10.0**power:.{-power}f}"


def marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 4.0
    if shape == "circle":
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{colour}"/>'
    corners = {
        "square": ((-r, -r), (r, -r), (r, r), (-r, r)),
        "triangle": ((0, -r - 1), (r + 1, r), (-r - 1, r)),
        "down": ((0, r + 1), (r + 1, -r), (-r - 1, -r)),
        "diamond": ((0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)),
    }[shape]
    points = " ".join(f"{num(x + dx)},{num(y + dy)}" for dx, dy in corners)
    return f'<polygon points="{points}" fill="{colour}"/>'


def panel(
    figures: Figures,
    x0: float,
    title: str,
    value: Callable[[Run], float],
    xs: tuple[int, int],
) -> list[str]:
    """One panel at left edge ``x0``: axes, decade grid and ticks, a line per series."""
    points = {
        key: [(n, value(run)) for n, run in sorted(figures.get(key, {}).items()) if value(run) > 0]
        for key in SERIES
    }
    ys = [v for series in points.values() for _, v in series] or [1.0]
    y_low, y_high = decades(ys)

    def px(rows: float) -> float:
        return x0 + (math.log10(rows) - xs[0]) / (xs[1] - xs[0]) * PANEL_W

    def py(v: float) -> float:
        return TOP + PANEL_H - (math.log10(v) - y_low) / (y_high - y_low) * PANEL_H

    bottom, right = TOP + PANEL_H, x0 + PANEL_W
    out = [
        '<g class="panel">',
        f'<text x="{num(x0 + PANEL_W / 2)}" y="{TOP - 16}" text-anchor="middle" '
        f'font-weight="bold">{escape(title)}</text>',
    ]
    for power in range(y_low, y_high):  # minor grid: 2 to 9 times each power of ten
        for step in range(2, 10):
            y = num(py(step * 10.0**power))
            out.append(
                f'<line x1="{num(x0)}" y1="{y}" x2="{num(right)}" y2="{y}" stroke="#f0f0f0"/>'
            )
    for power in range(xs[0], xs[1] + 1):
        x = num(px(10.0**power))
        out.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}" stroke="#ddd"/>')
        out.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="#000"/>')
        out.append(
            f'<text x="{x}" y="{bottom + 19}" text-anchor="middle">'
            f"{tick_label(power, rows=True)}</text>"
        )
    for power in range(y_low, y_high + 1):
        y = num(py(10.0**power))
        out.append(f'<line x1="{num(x0)}" y1="{y}" x2="{num(right)}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<line x1="{num(x0 - 5)}" y1="{y}" x2="{num(x0)}" y2="{y}" stroke="#000"/>')
        out.append(
            f'<text x="{num(x0 - 8)}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{tick_label(power)}</text>"
        )
    out.append(
        f'<text x="{num(x0 + PANEL_W / 2)}" y="{bottom + 40}" text-anchor="middle">'
        "rows (reports)</text>"
    )
    out.append(
        f'<rect x="{num(x0)}" y="{TOP}" width="{PANEL_W}" height="{PANEL_H}" '
        f'fill="none" stroke="#000"/>'
    )
    for key in SERIES:
        colour, shape, dashes = STYLE[key]
        coords = [(px(n), py(v)) for n, v in points[key]]
        if not coords:
            continue
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        line = " ".join(f"{num(x)},{num(y)}" for x, y in coords)
        out.append(f'<g class="series" data-series="{escape(key)}">')
        out.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out += [marker(shape, x, y, colour) for x, y in coords]
        out.append("</g>")
    out.append("</g>")
    return out


def svg_plot(figures: Figures, caption: str = "") -> str:
    """A standalone SVG: time (s) and peak memory (MiB) against rows, log-log, with a legend.

    The same figures and caption always give the same text."""
    sizes = sorted({n for key in SERIES for n in figures.get(key, {})}) or [1_000, 1_000_000]
    xs = decades([float(n) for n in sizes])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        "<title>tally benchmarks: time and peak memory against rows</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]
    out += panel(figures, LEFT, "Time (s)", lambda r: r.seconds, xs)
    out += panel(
        figures, LEFT + PANEL_W + GAP, "Peak memory (MiB)", lambda r: r.peak_kib / 1024, xs
    )
    x = float(LEFT)
    for key in SERIES:
        colour, shape, dashes = STYLE[key]
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        label = LABELS.get(key, key)
        out.append(
            f'<line x1="{num(x)}" y1="{LEGEND_Y}" x2="{num(x + 28)}" y2="{LEGEND_Y}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(marker(shape, x + 14, LEGEND_Y, colour))
        out.append(
            f'<text x="{num(x + 34)}" y="{LEGEND_Y}" dominant-baseline="middle">'
            f"{escape(label)}</text>"
        )
        x += 34 + 7.2 * len(label) + 24
    if caption:
        out.append(f'<text x="{LEFT}" y="{LEGEND_Y + 26}" fill="#555">{escape(caption)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- command line -------------------------------------------------------------------------------


def parse_rows(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("--rows needs whole numbers of at least 1")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=parse_rows,
        default=list(DEFAULT_ROWS),
        help="comma-separated sizes; default 1000,10000,100000,1000000",
    )
    parser.add_argument(
        "--repeat", type=int, help="runs per measurement; default 3 up to 100,000 rows, 2 above"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed; default 1")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the input files")
    parser.add_argument(
        "--out", type=Path, default=HERE / "RESULTS.md", help="default benchmarks/RESULTS.md"
    )
    parser.add_argument(
        "--plot", type=Path, default=HERE / "results.svg", help="default benchmarks/results.svg"
    )
    parser.add_argument(
        "--no-startup", action="store_true", help="leave out the start-up of the bundled example"
    )
    parser.add_argument("--child-diff", nargs=3, metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_diff:
        return diff_child(*(Path(p) for p in args.child_diff))
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")

    sizes: list[int] = args.rows
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join([shown_path(sys.executable), shown_path(__file__), *given])
    started = datetime.now(UTC)
    load_before, revision = load_average(), commit()
    clock = time.perf_counter()

    figures: dict[str, dict[int, Run]] = {}

    def record(key: str, rows: int, run: Run) -> None:
        figures.setdefault(key, {})[rows] = run

    failures: list[str] = []
    for rows in sizes:
        repeat = args.repeat or default_repeat(rows)
        failures += measure_size(rows, args.seed, repeat, args.regenerate, record)
    startups: list[Startup] = []
    if not args.no_startup:
        try:
            startups = measure_startup()
        except subprocess.CalledProcessError as e:
            failures.append(f"start-up: {shlex.join(map(str, e.cmd))} exited {e.returncode}")

    elapsed = time.perf_counter() - clock
    if args.repeat:
        runs = f"best time of {args.repeat}"
    else:
        runs = "best time of 3 runs up to 100,000 rows and of 2 above"
    header = [
        ("Date", started.strftime("%Y-%m-%d %H:%M UTC")),
        ("Commit", f"`{revision}`"),
        (
            "Machine",
            f"{cpu_model()}, {cpus()} CPUs (`nproc`), {memory_gib()}; "
            f"{platform.system()} {platform.release()} ({platform.machine()}); "
            f"Python {platform.python_version()}",
        ),
        ("Command", f"`{command}` (niceness {os.nice(0)})"),
        (
            "Runs",
            f"{runs}, and the largest peak memory of them: the biggest process's `ru_maxrss` "
            "(the interpreter included) or, if larger, the summed Pss of all the run's processes "
            f"sampled every {SAMPLE_EVERY} s on the first run; each run in a fresh interpreter; "
            f"seed {args.seed}; "
            f"the whole suite took {duration(elapsed)}",
        ),
        ("Load average", f"{load_before} at the start, {load_average()} at the end"),
    ]
    plot_link = os.path.relpath(args.plot.absolute(), args.out.absolute().parent)
    args.out.write_text(
        results_markdown(figures, sizes, header, Path(plot_link).as_posix(), failures, startups),
        encoding="utf-8",
    )
    caption = f"tally {revision}, {started:%Y-%m-%d}, {cpus()} CPUs; best of runs, log-log"
    args.plot.write_text(svg_plot(figures, caption), encoding="utf-8")
    print(f"wrote {shown_path(args.out)} and {shown_path(args.plot)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
