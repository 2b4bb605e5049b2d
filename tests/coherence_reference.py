"""The coherence step as it was written before it went column-wise: the reference that
``casualty_cli.engine.coherence.cohere`` must equal, flag for flag and integer for integer."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from casualty_cli.engine.coherence import _projection, _rounded, time_chains, variance
from casualty_cli.engine.families import Families, Family
from casualty_cli.engine.fuse import Fusion

_RANGES = ("best", "low", "high", "low95", "high95")


def cohere_by_constraints(
    fusion: Fusion, families: Families, rank: Callable[[int], tuple[object, ...]]
) -> tuple[Fusion, dict[int, set[str]]]:
    """Best estimates made coherent across every family and chain; the flags that say so.

    ``rank`` orders scopes by what they are, not by their ids, so that the constraints are met
    in the same order (and rounded the same way) whatever the order of the input.
    """
    sums: list[Family] = []
    for family in families.families:
        children = tuple(sorted(family.children, key=rank))
        if family.union:
            # Overlapping windows are never added: each alone is a lower bound of their union.
            sums += [Family(family.parent, (child,), "time", False) for child in children]
        elif not family.chain:
            sums.append(Family(family.parent, children, family.dimension, family.exhaustive))
    sums.sort(key=lambda f: (f.dimension, rank(f.parent), [rank(c) for c in f.children]))
    chains = sorted(time_chains(families), key=lambda chain: rank(chain[0]))
    involved = sorted(
        {s for f in sums for s in (f.parent, *f.children)} | {s for c in chains for s in c}
    )
    # The ranges as Python ints: a few thousand scopes read and written one by one.
    ranges = {name: getattr(fusion, name).tolist() for name in _RANGES}
    involved = [s for s in involved if ranges["best"][s] >= 0]
    flags: dict[int, set[str]] = defaultdict(set)
    if not involved:
        return fusion, flags
    best = {s: float(ranges["best"][s]) for s in involved}
    v = {s: variance(ranges["low"][s], ranges["high"][s]) for s in involved}
    sums = [f for f in sums if f.parent in best and all(c in best for c in f.children)]
    chains = [[s for s in chain if s in best] for chain in chains]
    chains = [chain for chain in chains if len(chain) > 1]
    x = _projection(best, v, sums, chains)
    rounded = _rounded(x, sums, chains)

    for s, value in rounded.items():
        ranges["best"][s] = value
    for chain in chains:
        _monotone_ranges(chain, ranges, flags)
    best_of, low, high = ranges["best"], ranges["low"], ranges["high"]
    low95, high95 = ranges["low95"], ranges["high95"]
    for s in involved:
        b = best_of[s]
        if not low[s] <= b <= high[s]:
            flags[s].add("coherence_adjusted")
        low[s] = min(low[s], b)
        high[s] = max(high[s], b)
        # The 95% range holds the 80% one, whichever bound the chain moved.
        low95[s] = min(low95[s], low[s])
        high95[s] = max(high95[s], high[s])
    column = {name: np.array(values, np.int64) for name, values in ranges.items()}
    return replace(
        fusion,
        best=column["best"],
        low=column["low"],
        high=column["high"],
        low95=column["low95"],
        high95=column["high95"],
    ), flags


def _monotone_ranges(
    chain: Sequence[int], ranges: dict[str, list[int]], flags: dict[int, set[str]]
) -> None:
    """lo_j ← max of the lows up to j, hi_j ← min of the highs from j; crossed bounds swap."""
    for low_name, high_name in (("low", "high"), ("low95", "high95")):
        lows, highs = ranges[low_name], ranges[high_name]
        running_low = list(itertools.accumulate((lows[s] for s in chain), max))
        running_high = list(itertools.accumulate((highs[s] for s in reversed(chain)), min))
        for s, low, high in zip(chain, running_low, reversed(running_high), strict=True):
            if low > high:
                low, high = high, low
                flags[s].add("time_conflict")
            lows[s] = low
            highs[s] = high
