"""A large reconciliation run in parts that never meet, two at a time, and merged.

Reports about places with no common ancestor that anyone reports on never meet, and nor do
reports of different outcomes: every family (category, place, time), every same-origin sum and
every day difference keeps to one outcome and stays below the highest place named, so the
reports split into groups (``independent_parts``) that reconcile alone to exactly the rows they
give together.  Only the ranking is global, and it is a sort on the rows' own columns
(``reconciliation._rank_key``), so the parts' columns merge by one lexsort.  Parts hold about
``PART_ROWS`` reports each (a group is never cut), and two run at once, one per CPU, each
process taking the next part, largest first, when it is free: the time is about halved, and the
memory is that of two parts, not of the whole run.

The split is refused (None) when everything is one piece (one outcome, and a report with no
place or a breakdown declared for the root of the place tree, which joins every place) and
under ``--period`` (its notes are ordered over every scope).  The merged reconciliation keeps
only columns: its Estimate objects, with their audit trail, come from one ordinary run of the
whole table when something asks for them, so callers that need them should not split.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from casualty_cli.engine.arrays import combine, digit, distinct_ids
from casualty_cli.estimates import Estimate, EstimateColumns, Reconciliation, RowText
from casualty_cli.model import ReportTable
from casualty_cli.names import path_key, place_key

SPLIT_FROM_ROWS = 100_000
"""Below this many reports the fork and the pickled columns cost more than a CPU gives back."""

PART_ROWS = 62_500
"""About the most reports one part holds: the engine's memory grows with the part, not the file."""


Progress = Callable[[int, int], None]
"""Told (parts done, parts in all) as a reconciliation in parts goes: for a progress bar."""


def reconcile_columns(
    table: ReportTable,
    *,
    jobs: int = 2,
    phrases: bool = False,
    progress: Progress | None = None,
    lines: RowText | None = None,
) -> Reconciliation:
    """``reconcile_fast(table)`` for a caller that reads only its columns (and, with
    ``phrases``, its reported phrases): in parts when the table is large and splits.

    With ``lines``, a caller that reads only each row's text as ``lines`` makes it: the parts
    make it too (``Reconciliation.lines``), so the rows are written on both CPUs."""
    from casualty_cli.engine.fast import reconcile_fast

    if len(table) >= SPLIT_FROM_ROWS:
        parted = reconcile_in_parts(table, jobs, phrases=phrases, progress=progress, lines=lines)
        if parted is not None:
            return parted
    return reconcile_fast(table)


RANK_KEYS = ("period_end", "best", "high", "outcome", "category", "place", "period_start")
"""The columns the ranking reads (``reconciliation._rank_key``) but its last, ``cumulative``."""

_TEXT_KEYS = ("period_end", "outcome", "category", "place", "period_start")
_NUMBER_KEYS = ("best", "high", "cumulative")


class RankKeys(NamedTuple):
    """What one part's rows are ranked by, as numbers: each text column as the part's distinct
    texts in order and a code per row (−1 for none, which ranks below every text), and the
    numbers ``best``, ``high`` and ``cumulative``."""

    texts: dict[str, tuple[list[str], NDArray[np.int64]]]
    numbers: dict[str, NDArray[np.int64]]

    @classmethod
    def of(cls, columns: EstimateColumns) -> RankKeys:
        texts = {}
        for name in _TEXT_KEYS:
            values = columns[name]
            levels = sorted({v for v in values if v is not None})
            position: dict[object, int] = {text: i for i, text in enumerate(levels)}
            position[None] = -1
            codes = np.fromiter(map(position.__getitem__, values), np.int64, len(values))
            texts[name] = (levels, codes)
        numbers = {name: np.asarray(columns[name], np.int64) for name in _NUMBER_KEYS}
        return cls(texts, numbers)


_Part = tuple[EstimateColumns | RankKeys, list[str | None] | None, list[str] | None]


def reconcile_in_parts(
    table: ReportTable,
    jobs: int = 2,
    *,
    part_rows: int | None = None,
    phrases: bool = False,
    progress: Progress | None = None,
    lines: RowText | None = None,
) -> Reconciliation | None:
    """``reconcile_fast(table)``'s columns, from parts that never meet; None if it can't split.

    The parts run one after the other on each of ``jobs`` (1 or 2) processes, so the peak
    memory is that of the table and ``jobs`` parts, not of the whole reconciliation.  With
    ``phrases`` each part gives its reported phrases too (``tally diff`` reads them).  With
    ``lines`` each part gives its rows' text and only the columns of the ranking, which merge
    alone: the other columns then come from a whole run, if anything asks for them.
    """
    from casualty_cli.engine.fast import reconcile_fast
    from casualty_cli.engine.fuse import fuse_threads
    from casualty_cli.parallel import side_by_side

    n_parts = max(jobs, -(-len(table) // (part_rows or PART_ROWS)))
    parts = independent_parts(table, n_parts)
    if parts is None:
        return None

    ticks = _Ticks(len(parts), progress)

    def run(share: Iterable[int], tick: Callable[[], None]) -> list[tuple[int, _Part]]:
        done: list[tuple[int, _Part]] = []
        for index in share:
            result = reconcile_fast(table.take(parts[index], compact=True))
            columns = result.columns()
            texts = None
            if lines is not None:
                texts = lines(columns)
                ranked: EstimateColumns | RankKeys = RankKeys.of(columns)
            else:
                ranked = columns
            done.append((index, (ranked, result.reported_phrases() if phrases else None, texts)))
            tick()
        return done

    with ticks:
        if jobs > 1:
            # One fusing thread a process: the two processes already keep both CPUs busy.
            threads = fuse_threads(1)
            try:
                # Each side cuts its own sub-tables: the child's cuts cost this process nothing.
                with _shares(parts) as (theirs_to_run, mine_to_run):
                    theirs, mine = side_by_side(
                        lambda: run(theirs_to_run, ticks.there),
                        lambda: run(mine_to_run, ticks.here),
                    )
            finally:
                fuse_threads(threads)
            finished = dict([*mine, *theirs])
        else:
            finished = dict(run(range(len(parts)), ticks.here))
    done = [finished[i] for i in range(len(parts))]  # whoever ran them
    order = merged_order(
        [keys if isinstance(keys, RankKeys) else RankKeys.of(keys) for keys, _, _ in done]
    )
    merged_phrases = _picked([p or [] for _, p, _ in done], order) if phrases else None

    @functools.cache
    def whole() -> Reconciliation:
        return reconcile_fast(table)

    def estimates() -> Sequence[Estimate]:
        return whole().estimates

    def reported() -> list[str | None]:
        return list(merged_phrases) if merged_phrases is not None else whole().reported_phrases()

    notes = tuple(str(finding) for finding in table.findings)
    if lines is not None:
        texts = _picked([t or [] for _, _, t in done], order)
        return Reconciliation(
            estimates, table, notes, table.findings,
            columns=lambda: whole().columns(), phrases=reported, lines=(lines, texts),
        )  # fmt: skip
    columns = merged_columns([cast(EstimateColumns, columns) for columns, _, _ in done], order)
    return Reconciliation(
        estimates, table, notes, table.findings, columns=columns, phrases=reported
    )


@contextlib.contextmanager
def _shares(parts: Sequence[Sequence[int]]) -> Iterator[tuple[Iterable[int], Iterable[int]]]:
    """The part numbers each of two processes runs: both take from one queue, largest parts
    first, each the next part when it is free. Parts of about equal size may take 3 s or 11 s
    (a country's totals), and fixed halves left one CPU idle for 14 s of a 32 s run. Past what
    a pipe surely holds, fixed halves again (even and odd parts)."""
    if len(parts) > _PartQueue.ROOM:
        yield range(1, len(parts), 2), range(0, len(parts), 2)
        return
    by_size = sorted(range(len(parts)), key=lambda i: (-len(parts[i]), i))
    with _PartQueue(by_size) as queue:
        yield queue, queue


class _PartQueue:
    """Part numbers to take one at a time, from this process or a forked child.

    The numbers wait in a pipe, written before the fork, as records of four bytes; a read of
    one record from a pipe is served whole, so the two processes never take the same part.
    """

    _RECORD = 4
    ROOM = 1024
    """The most parts queued: 4 KiB, which any pipe holds without a reader (POSIX asks 512 B
    of PIPE_BUF; Linux and macOS buffer 16 KiB and more); a million reports make 16 parts."""

    def __init__(self, order: Sequence[int]) -> None:
        self._order = order
        self._read = self._write = -1

    def __enter__(self) -> _PartQueue:
        self._read, self._write = os.pipe()
        data = b"".join(i.to_bytes(self._RECORD, "little") for i in self._order)
        while data:
            data = data[os.write(self._write, data) :]
        os.close(self._write)  # the readers see the end once every part is taken
        return self

    def __iter__(self) -> Iterator[int]:
        while True:
            record = os.read(self._read, self._RECORD)
            if len(record) < self._RECORD:
                return
            yield int.from_bytes(record, "little")

    def __exit__(self, *exc_info: object) -> None:
        os.close(self._read)


class _Ticks:
    """Parts done in both processes, told to ``progress`` from this one.

    The child writes a byte down a pipe for each part it finishes; this process counts them
    whenever it finishes one of its own, and at the end.
    """

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.progress = progress
        self.count = 0
        self.pipe: tuple[int, int] | None = None

    def __enter__(self) -> _Ticks:
        if self.progress is not None:
            if hasattr(os, "fork"):  # else the "child's" parts run here, counted as they go
                self.pipe = os.pipe()
                os.set_blocking(self.pipe[0], False)
            self.progress(0, self.total)
        return self

    def there(self) -> None:
        if self.pipe is not None:
            os.write(self.pipe[1], b".")
        elif self.progress is not None:
            self.here()

    def here(self) -> None:
        self.count += 1
        self._tell()

    def _tell(self) -> None:
        if self.progress is None:
            return
        if self.pipe is not None:
            with contextlib.suppress(BlockingIOError):
                self.count += len(os.read(self.pipe[0], 1 << 16))
        self.progress(min(self.count, self.total), self.total)

    def __exit__(self, *exc_info: object) -> None:
        if self.pipe is not None:
            self._tell()
            for end in self.pipe:
                os.close(end)


def independent_parts(table: ReportTable, n_parts: int) -> list[list[int]] | None:
    """``n_parts`` sets of rows that never meet, of about equal size; None if there are fewer
    than two such groups.

    A report's group is its outcome and the shortest prefix of its place that some report names
    or that a breakdown is declared for.  No group is an ancestor of another, so a family, which
    joins a place to the nearest ancestor that has reports or a declared breakdown, never spans
    two; and nothing joins two outcomes (families, series and sums all keep to one), so a
    country's national totals still leave its killed, injured and missing apart.
    """
    anchors = {place_key(name) for name in table.places}
    place_codes = np.asarray(table.place.codes, np.int64)  # a million rows: converted once
    level_rows = np.bincount(place_codes, minlength=len(table.place.levels))
    paths = [path_key(path) for path in table.place.levels]
    anchors.update(path for path, rows in zip(paths, level_rows.tolist(), strict=True) if rows)
    group_of_path: dict[tuple[str, ...], int] = {}
    group_of_level = np.empty(len(paths), np.int64)
    for level, path in enumerate(paths):
        anchor = next((path[:n] for n in range(len(path) + 1) if path[:n] in anchors), path)
        group_of_level[level] = group_of_path.setdefault(anchor, len(group_of_path))
    # Levels are distinct texts: an empty outcome and "killed" are one outcome.
    outcome_of_level, n_outcomes = distinct_ids(table.outcome.levels)
    outcome = outcome_of_level[np.asarray(table.outcome.codes, np.int64)]
    n_groups = len(group_of_path) * n_outcomes
    group = group_of_level[place_codes] * n_outcomes + outcome
    sizes = np.bincount(group, minlength=n_groups).tolist()
    reported = [g for g in range(n_groups) if sizes[g]]
    if len(reported) < 2:
        return None
    # The largest groups first, each to the lightest part: deterministic, and near even.
    n_parts = min(n_parts, len(reported))
    part_of_group = np.zeros(n_groups, np.int64)
    load = [0] * n_parts
    for g in sorted(reported, key=lambda g: (-sizes[g], g)):
        lightest = load.index(min(load))
        part_of_group[g] = lightest
        load[lightest] += sizes[g]
    part_of_row = part_of_group[group]
    order = np.argsort(part_of_row, kind="stable")
    bounds = np.cumsum(np.bincount(part_of_row, minlength=n_parts))[:-1]
    return [rows.tolist() for rows in np.split(order, bounds)]


def merged_order(parts: Sequence[RankKeys]) -> list[int]:
    """Where each row of the parts, one after the other, comes in the one ranking
    (``reconciliation._rank_key``)."""
    codes = {name: _merged_codes([part.texts[name] for part in parts]) for name in _TEXT_KEYS}
    numbers = {
        name: np.concatenate([part.numbers[name] for part in parts]) for name in _NUMBER_KEYS
    }
    # Window end, latest first; the largest best estimate and upper bound; then the key: as two
    # sort keys of several digits each, which sort as the eight columns would, far faster.
    first = combine(digit(-codes["period_end"]), digit(-numbers["best"]), digit(-numbers["high"]))
    then = combine(
        *(digit(codes[name]) for name in ("outcome", "category", "place", "period_start")),
        digit(numbers["cumulative"]),
    )
    order: list[int] = np.lexsort((then, first)).tolist()
    return order


def _merged_codes(parts: Sequence[tuple[list[str], NDArray[np.int64]]]) -> NDArray[np.int64]:
    """The codes of every part's rows in the order of all the parts' texts (−1 kept)."""
    texts = sorted(set().union(*(levels for levels, _ in parts)))
    position = {text: i for i, text in enumerate(texts)}
    # A code of −1 reads the extra last entry: still −1.
    return np.concatenate(
        [
            np.array([*map(position.__getitem__, levels), -1], np.int64)[codes]
            for levels, codes in parts
        ]
        + [np.zeros(0, np.int64)]
    )


def merged_columns(parts: Sequence[EstimateColumns], order: Sequence[int]) -> EstimateColumns:
    """The rows of every part in the ranking ``order`` (``merged_order``), renumbered."""
    columns: EstimateColumns = {
        name: _picked([part[name] for part in parts], order) for name in parts[0] if name != "rank"
    }
    return {"rank": list(range(1, len(order) + 1)), **columns}


def _joined(runs: Sequence[Sequence[Any]]) -> list[Any]:
    return [value for run in runs for value in run]


def _picked(runs: Sequence[Sequence[Any]], order: Sequence[int]) -> list[Any]:
    """The values of ``runs``, one after the other, in ``order``."""
    joined = _joined(runs)
    if len(order) < 2:
        return [joined[i] for i in order]
    return list(itemgetter(*order)(joined))
