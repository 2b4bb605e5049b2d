"""Small array helpers shared by the engine's modules."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import NDArray


def distinct(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """The sorted distinct values: ``np.unique`` without its first call's import of ``numpy.ma``.

    numpy 2's plain ``np.unique`` asks ``np.ma.is_masked``, and importing ``numpy.ma`` costs
    about 7 ms: more than the whole reconciliation of a small file.
    """
    ordered = np.sort(values, kind="stable")
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    result: NDArray[np.int64] = ordered[keep]
    return result


def distinct_ids(values: Sequence[Hashable]) -> tuple[NDArray[np.int64], int]:
    """An id per value, equal values sharing one, and how many distinct values there are."""
    seen: dict[Hashable, int] = {}
    ids = [seen.setdefault(value, len(seen)) for value in values]
    return np.array(ids, np.int64), len(seen)


def run_starts(values: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Where each run of equal values begins."""
    begins = np.ones(values.size, np.bool_)
    np.not_equal(values[1:], values[:-1], out=begins[1:])
    return begins


def first_seen(key: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """An id per distinct key, numbered in order of each key's first position (not in sorted
    order, as ``np.unique`` numbers them), and that first position of each id."""
    if key.size == 0:
        return key.astype(np.int64), key.astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    by_appearance = np.argsort(first, kind="stable")
    renumber = np.empty(first.size, np.int64)
    renumber[by_appearance] = np.arange(first.size)
    ids: NDArray[np.int64] = renumber[inverse.reshape(-1)]
    firsts: NDArray[np.int64] = first[by_appearance].astype(np.int64)
    return ids, firsts


def digit(values: NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    """``values`` as a digit for :func:`combine`: shifted to start at 0, with their range."""
    if values.size == 0:
        return values, 1
    low = int(values.min())
    return values - low, int(values.max()) - low + 1


def starts(sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Where each run starts when runs of ``sizes`` follow one another."""
    result: NDArray[np.int64] = np.cumsum(sizes) - sizes
    return result


def within(sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """0, 1, …, size − 1 for each size, one run after another."""
    return np.arange(int(sizes.sum())) - np.repeat(starts(sizes), sizes)


_KEY_LIMIT = 1 << 62


def combine(*parts: tuple[NDArray[np.int64], int]) -> NDArray[np.int64]:
    """One integer per distinct tuple of ids (each part's ids lie in ``range(n)``).

    The mixed-radix key is compacted (one sort) only when the next digit could overflow int64:
    on real data the radix product stays far below the limit and no sort is needed.
    """
    key = np.zeros(parts[0][0].size, np.int64)
    bound = 1
    for ids, n in parts:
        n = max(n, 1)
        if bound * n >= _KEY_LIMIT:
            _, inverse = np.unique(key, return_inverse=True)
            key, bound = inverse.astype(np.int64).reshape(-1), int(inverse.max(initial=0)) + 1
        key = key * n + ids
        bound *= n
    return key
