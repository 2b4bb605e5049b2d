"""How long does ``tally diff`` take next to ``tally reconcile`` of one side?

    python benchmarks/bench_diff.py [--rows 1000000] [--repeat 2] [--seed 1]

Issue 5 asks that diffing N reports against a copy with 1% of the counts changed take under
twice the time of reconciling one of them.  The copy is made once, deterministically: about one
plain-number count in a hundred is raised by 1 to 20.  Both commands run as a user runs them, in
a fresh interpreter, writing CSV to a file; the best of ``--repeat`` runs is kept.  The result is
a Markdown table on standard output.  Timings belong here, never in the tests.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from bench_load import OUT_DIR, ensure_file

HERE: Final = Path(__file__).resolve().parent


def changed_copy(path: Path, seed: int) -> Path:
    """``path`` with about 1% of its plain-number counts raised by 1 to 20 (made once)."""
    target = path.with_name(path.stem + "-changed.csv")
    if target.exists():
        return target
    rng = random.Random(seed)
    with (
        path.open(newline="", encoding="utf-8") as src,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(src), csv.writer(out, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        column = header.index("count")
        for row in reader:
            plain = row[column].replace(",", "")
            if plain.isdigit() and rng.random() < 0.01:
                row[column] = str(int(plain) + rng.randint(1, 20))
            writer.writerow(row)
    return target


def timed(args: Sequence[str]) -> float:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "casualty_cli", *args], env=env, capture_output=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"tally {args[0]} failed: {done.stderr.decode()[-500:]}")
    return seconds


def best(label: str, args: Sequence[str], repeat: int) -> float:
    runs = []
    for index in range(repeat):
        runs.append(timed(args))
        print(f"  {label} run {index + 1}/{repeat}: {runs[-1]:.2f} s", file=sys.stderr)
    return min(runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; default 2")
    parser.add_argument("--seed", type=int, default=1, help="generator seed; default 1")
    args = parser.parse_args(argv)
    path = ensure_file(args.rows, args.seed, regenerate=False)
    copy = changed_copy(path, args.seed)
    output = OUT_DIR / "bench-diff-output.csv"
    reconcile = best(
        "reconcile", ["reconcile", str(path), "-f", "csv", "-o", str(output)], args.repeat
    )
    diff = best("diff", ["diff", str(path), str(copy), "-f", "csv", "-o", str(output)], args.repeat)
    print("| rows | reconcile one side (s) | diff (s) | diff / reconcile |")
    print("|---:|---:|---:|---:|")
    print(f"| {args.rows:,} | {reconcile:.2f} | {diff:.2f} | {diff / reconcile:.2f}x |")
    print(f"\nPython {platform.python_version()}, {os.cpu_count()} CPUs, best of {args.repeat}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
