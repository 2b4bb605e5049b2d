"""How long does the engine take on one part of a large reconciliation, and where does it go?

    python benchmarks/bench_part.py FILE [--part 0] [--repeat 5] [--stages]

A large reconciliation runs in parts of about 62,500 reports, two at a time
(``engine/partition.py``), so the engine's speed is the speed of one part.  This script loads
``FILE`` (a ``generate.py`` file, say), cuts it as ``tally reconcile`` would, and times
``reconcile_fast`` on part ``--part`` in this process: one warm-up run, then ``--repeat`` runs,
each measured in CPU time (``time.process_time``), which other processes on a shared machine
disturb less than the wall clock.  The fusing thread pool is held to one thread, as in a run in
parts.  With ``--stages`` the best run's time is broken down by the engine's main steps (each
step's time includes the steps it calls).

It prints the best and the median time; progress goes to standard error.  A change to the
engine is worth measuring here first: a part runs in under a second, and five runs separate
a change of 3% from the noise of a shared machine, which a whole 1M run cannot.

``--instructions`` counts instead of timing: it runs the engine on the part once under
valgrind's callgrind, in a fresh process, and prints the instructions it executed (a run that
only loads the part is subtracted).  The count is the same from run to run whatever else the
machine does, so two versions of the code compare to a fraction of a per cent; it is a proxy
for time, weighing Python's object churn more than numpy's array passes.  Needs ``valgrind``;
takes a minute or two.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = (
    ("casualty_cli.engine.nesting", "find_families_columnwise", "finding families (columns)"),
    ("casualty_cli.engine.nesting", "find_families", "finding families (objects)"),
    ("casualty_cli.engine.nesting", "nest", "messages: both passes and the final fusion"),
    ("casualty_cli.engine.nesting", "_upward", "  the upward pass"),
    ("casualty_cli.engine.nesting", "_downward", "  the downward pass"),
    ("casualty_cli.engine.nesting", "cohere", "coherence"),
    ("casualty_cli.engine.fast", "fuse", "the direct fusion"),
    ("casualty_cli.engine.fast", "_slow_claims", "claims.py, for the routed reports"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="a report file, e.g. from generate.py")
    parser.add_argument("--part", type=int, default=0, help="which part (default 0)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--stages", action="store_true", help="break the best run down")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions with callgrind instead"
    )
    args = parser.parse_args(argv)

    from casualty_cli import load_reports
    from casualty_cli.engine import fast
    from casualty_cli.engine.fuse import fuse_threads
    from casualty_cli.engine.partition import PART_ROWS, independent_parts

    print(f"loading {args.file}", file=sys.stderr)
    table = load_reports([args.file])
    parts = independent_parts(table, max(2, -(-len(table) // PART_ROWS)))
    if parts is None or not 0 <= args.part < len(parts):
        print(f"bench_part: {args.file} has no part {args.part}", file=sys.stderr)
        return 2
    part = table.take(parts[args.part], compact=True)
    if args.instructions:
        count = _engine_instructions(part)
        print(f"part {args.part} of {len(parts)}: {len(part):,} reports")
        print(f"{count:,} instructions in the engine (callgrind)")
        return 0
    fuse_threads(1)
    spent: dict[str, float] = {}
    if args.stages:
        _time_stages(spent)
    fast.reconcile_fast(part)
    runs: list[tuple[float, dict[str, float]]] = []
    for run in range(args.repeat):
        spent.clear()
        start = time.process_time()
        fast.reconcile_fast(part)
        runs.append((time.process_time() - start, dict(spent)))
        print(f"run {run + 1}/{args.repeat}: {runs[-1][0]:.3f} s", file=sys.stderr)
    times = sorted(seconds for seconds, _ in runs)
    print(f"part {args.part} of {len(parts)}: {len(part):,} reports")
    print(f"best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s (CPU time)")
    if args.stages:
        best, stages = min(runs, key=lambda run: run[0])
        for _, _, label in STAGES:
            if label in stages:
                print(f"  {label:45s} {stages[label]:.3f} s  {stages[label] / best:5.1%}")
    return 0


# The process valgrind runs: it loads the pickled part and, with "run", reconciles it once.
_CHILD = """
import pickle, sys
from casualty_cli.engine import fast
from casualty_cli.engine.fuse import fuse_threads
fuse_threads(1)
with open(sys.argv[1], "rb") as f:
    part = pickle.load(f)
if sys.argv[2] == "run":
    fast.reconcile_fast(part)
"""


def _engine_instructions(part: object) -> int:
    """Instructions of one ``reconcile_fast(part)``: a run less a run that only loads."""
    import os
    import pickle
    import shutil
    import subprocess
    import tempfile

    import casualty_cli

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("bench_part: --instructions needs valgrind on the PATH")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiling would be counted: cache it first
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "part.pickle"
        path.write_bytes(pickle.dumps(part))
        child = [sys.executable, "-c", _CHILD, str(path)]
        # Run where this process found casualty_cli, so that the child imports the same code.
        root = Path(casualty_cli.__file__).resolve().parents[1]
        subprocess.run([*child, "run"], env=env, cwd=root, check=True)
        print("counting (two callgrind runs, about a minute)", file=sys.stderr)
        runs = [
            subprocess.Popen(
                [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *child, mode],
                env=env,
                cwd=root,
                stderr=subprocess.PIPE,
                text=True,
            )
            for mode in ("load", "run")
        ]
        counts = [_collected(run.communicate()[1]) for run in runs]
    return counts[1] - counts[0]


def _collected(report: str) -> int:
    """The total callgrind prints as "Collected : N"."""
    for line in report.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1])
    raise RuntimeError(f"callgrind printed no total:\n{report[-2000:]}")


def _time_stages(spent: dict[str, float]) -> None:
    """Wrap each stage's function where the engine looks it up, adding its time to ``spent``."""
    import importlib

    for module_name, name, label in STAGES:
        module = importlib.import_module(module_name)
        setattr(module, name, _timed(getattr(module, name), label, spent))


def _timed(function: Callable[..., Any], label: str, spent: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - start

    return timed


if __name__ == "__main__":
    sys.exit(main())
