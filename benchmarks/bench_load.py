"""How fast does ``casualty_cli.load_reports`` read a large CSV, next to Python's csv module?

    python benchmarks/bench_load.py [--rows 1000000] [--repeat 3] [--seed 1]

The synthetic file is generated once into ``benchmarks/out/`` (git-ignored) by ``generate.py``
and reused while it exists.  Two things are timed with ``time.perf_counter``, each run in a fresh
interpreter so that every run starts cold and its peak memory is its own:

- the floor: the csv module merely reading the file (``for row in csv.reader(f): pass``);
- the load: ``casualty_cli.load_reports([path])``, which reads, parses and checks every report.

The best time of ``--repeat`` runs is kept, and the largest peak memory: the larger of the
biggest process's peak resident set (``ru_maxrss``; it includes the interpreter itself and, for
the load, importing the package) and, on the first run, the summed Pss of all the run's processes
sampled every 0.2 s (tally forks a reader and, for large reconciliations, a second engine).
The result is a Markdown table on standard output; progress goes to standard error.
Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

HERE: Final = Path(__file__).resolve().parent
OUT_DIR: Final = HERE / "out"
MODES: Final = ("floor", "load", "reconcile")


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_kib: int
    rows: int


# --- child side: one measurement in a fresh interpreter -------------------------------------


def measure_floor(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    rows = 0
    with path.open(newline="", encoding="utf-8") as f:
        for _row in csv.reader(f):
            rows += 1
    return time.perf_counter() - start, rows - 1  # minus the header row


class LoadReports(Protocol):
    """The public API under test: ``casualty_cli.load_reports``."""

    def __call__(self, paths: Sequence[str | os.PathLike[str]], /) -> Sized: ...


def measure_load(path: Path) -> tuple[float, int]:
    # Imported here, and before the clock starts: the import is not what is being measured.
    # Looked up by name so that this script runs (and type-checks) whatever the package's state.
    api = importlib.import_module("casualty_cli")
    load_reports: LoadReports = api.load_reports

    start = time.perf_counter()
    table = load_reports([path])
    return time.perf_counter() - start, len(table)


def measure_reconcile(path: Path) -> tuple[float, int]:
    """``tally reconcile FILE --format csv``: load, reconcile and write every estimate.

    The command itself, run in this process with its standard output sent to the null device:
    what it costs beyond starting Python and importing the package.
    """
    cli = importlib.import_module("casualty_cli.cli")
    cli.one_blas_thread()  # as the ``tally`` command does before numpy loads
    with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        saved, sys.stdout = sys.stdout, sink
        try:
            start = time.perf_counter()
            cli.main(["reconcile", str(path), "--format", "csv"], standalone_mode=False)
            seconds = time.perf_counter() - start
        finally:
            sys.stdout = saved
    return seconds, count_rows(path)


def count_rows(path: Path) -> int:
    """The data rows of a generated CSV (its records hold no line breaks)."""
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1


MEASURES: Final = {"floor": measure_floor, "load": measure_load, "reconcile": measure_reconcile}


def child(mode: str, path: Path) -> int:
    seconds, rows = MEASURES[mode](path)
    # ru_maxrss is in KiB on Linux and in bytes on macOS; a reader may fork a helper process.
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    peak_kib = peak // 1024 if sys.platform == "darwin" else peak
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib, "rows": rows}))
    return 0


# --- parent side ------------------------------------------------------------------------------


def run_child(mode: str, path: Path, *, sample: bool = False) -> Run:
    """One measure in a fresh interpreter; ``sample`` also watches its processes' memory."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(path)]
    # Measure this working tree's package, installed or not.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    result, peak = measured(cmd, mode, env=env, sample=sample)
    return Run(float(result["seconds"]), peak, int(result["rows"]))


def measured(
    cmd: Sequence[str],
    what: str,
    *,
    env: Mapping[str, str] | None = None,
    sample: bool = False,
    timeout: float | None = None,
) -> tuple[dict[str, Any], int]:
    """The JSON a child measure prints last, and its peak memory (KiB).

    The peak is the larger of the child's own figure and, with ``sample``, the summed Pss of
    it and its descendants (``peak_together``).
    """
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as child_process:
        together = peak_together(child_process, timeout) if sample else 0
        stdout, stderr = child_process.communicate()
    if child_process.returncode != 0:
        last = stderr.strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"{what} run failed (exit {child_process.returncode}): {last[0]}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result, max(int(result["peak_kib"]), together)


SAMPLE_EVERY = 0.2  # seconds between two looks at the processes' memory


def peak_together(process: subprocess.Popen[str], timeout: float | None = None) -> int:
    """The largest summed Pss (KiB) of ``process`` and its descendants, sampled until it ends.

    ``ru_maxrss`` is one process's peak; tally's parts run in two processes at once, which
    share the pages of the table they were forked with.  Pss counts a shared page once across
    them, so the sum is the memory the machine gave the run.  0 where /proc is missing.  A run
    still going after ``timeout`` seconds is killed (``subprocess.TimeoutExpired``).
    """
    peak = 0
    deadline = time.monotonic() + timeout if timeout else None
    while process.poll() is None:
        if deadline is not None and time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise subprocess.TimeoutExpired(process.args, timeout or 0)
        peak = max(peak, sum(map(_pss_kib, _process_tree(process.pid))))
        time.sleep(SAMPLE_EVERY)
    return peak


def _process_tree(pid: int) -> list[int]:
    tree = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                for child_pid in f.read().split():
                    tree += _process_tree(int(child_pid))
    except OSError:
        pass
    return tree


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def best_of(mode: str, path: Path, repeat: int) -> Run:
    """The fastest of ``repeat`` runs, with the largest peak of them.

    Only the first run is watched from outside (looking costs the machine a little time), and
    the time kept is the best, so the watching never makes a figure look better.
    """
    runs = []
    for i in range(repeat):
        run = run_child(mode, path, sample=i == 0)
        print(f"  {mode} run {i + 1}/{repeat}: {run.seconds:.3f} s", file=sys.stderr)
        runs.append(run)
    best = min(runs, key=lambda r: r.seconds)
    return Run(best.seconds, max(r.peak_kib for r in runs), best.rows)


def ensure_file(
    rows: int, seed: int, regenerate: bool, *, flat: bool = False, totals: bool = False
) -> Path:
    """``generate.py``'s file of ``rows`` reports (``--flat`` or ``--totals`` if asked)."""
    variant = "-flat" if flat else "-totals" if totals else ""
    path = OUT_DIR / f"reports-{rows}-seed{seed}{variant}.csv"
    if regenerate or not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        start = time.perf_counter()
        cmd = [sys.executable, str(HERE / "generate.py"), str(rows), str(path), "--seed", str(seed)]
        cmd += ["--flat"] if flat else ["--totals"] if totals else []
        subprocess.run(cmd, check=True)
        print(f"  generated in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpus() -> int:
    """The CPUs this process may run on, as ``nproc`` counts them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; default 3")
    parser.add_argument("--seed", type=int, default=1, help="generator seed; default 1")
    parser.add_argument(
        "--floor-only", action="store_true", help="time only the csv floor, not load_reports"
    )
    parser.add_argument("--regenerate", action="store_true", help="rewrite the input file")
    parser.add_argument(
        "--flat", action="store_true", help="reports without place or category trees"
    )
    parser.add_argument(
        "--reconcile",
        action="store_true",
        help="also time load + reconcile + CSV output (tally reconcile -f csv)",
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, path = args.child
        if mode not in MODES:
            parser.error(f"--child MODE must be one of {', '.join(MODES)}")
        return child(mode, Path(path))
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    path = ensure_file(args.rows, args.seed, args.regenerate, flat=args.flat)
    size_mb = path.stat().st_size / 1e6
    print(f"input: {path} ({size_mb:.0f} MB)", file=sys.stderr)

    floor = best_of("floor", path, args.repeat)
    load: Run | None = None
    load_error = ""
    if not args.floor_only:
        try:
            load = best_of("load", path, args.repeat)
        except RuntimeError as e:
            load_error = str(e)
            print(f"  {load_error}", file=sys.stderr)

    header = "| rows | floor (s) | load (s) | load / floor | floor peak (MiB) | load peak (MiB) |"
    print(header)
    print("|---:|---:|---:|---:|---:|---:|")
    load_s = ratio = load_peak = "n/a"
    if load is not None:
        if load.rows != floor.rows:
            print(
                f"note: load_reports returned {load.rows:,} of {floor.rows:,} rows", file=sys.stderr
            )
        load_s, ratio = f"{load.seconds:.2f}", f"{load.seconds / floor.seconds:.1f}x"
        load_peak = mib(load.peak_kib)
    cells = [
        f"{floor.rows:,}",
        f"{floor.seconds:.2f}",
        load_s,
        ratio,
        mib(floor.peak_kib),
        load_peak,
    ]
    print("| " + " | ".join(cells) + " |")
    print()
    if args.reconcile:
        rec = best_of("reconcile", path, args.repeat)
        print("| rows | reconcile (s) | reconcile / floor | peak (MiB) |")
        print("|---:|---:|---:|---:|")
        ratio = f"{rec.seconds / floor.seconds:.1f}x"
        print(f"| {rec.rows:,} | {rec.seconds:.2f} | {ratio} | {mib(rec.peak_kib)} |")
        print()
    print(
        f"Python {platform.python_version()}, {cpus()} CPUs ({cpu_model()}), "
        f"{size_mb:.0f} MB CSV, best of {args.repeat}, seed {args.seed}."
    )
    if load_error:
        print(f"load_reports not measured: {load_error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
