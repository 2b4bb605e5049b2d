"""Regenerate the real-data examples of this directory from the shared data snapshot.

    python examples/make_examples.py [--data ../shared/data] [--out examples] [--check]

Writes, from Tech For Palestine's ``casualties_daily.json`` (see examples/README.md for the
repository, commits and licence):

- ``gaza-oct-2023.csv``: every official Gaza report of October 2023 at commit 9ea6456 (the
  snapshot's HEAD), one row per cumulative figure: killed (category ``all``), and killed children
  and killed women where the bulletin gave them;
- ``gaza-oct-2023@08615af.csv``: the same reports as the dataset held them at commit 08615af,
  before the maintainers revised the October to December 2023 figures on 2024-02-18.  Compare the
  two with ``tally diff``.

Rules of the cut, nothing else is changed: ``report_source`` ``mohtel`` becomes the source
"Gaza Ministry of Health" and ``gmotel`` "Gaza Government Media Office"; days marked ``missing``
(no official report) and the maintainers' gap-filled ``ext_*`` fields are left out, because they
are not reports by anyone; ``published`` is the ``report_date``.  The grades are parameters
chosen for the example, not a judgement of either source.

``--check`` writes nothing and exits 1 if a committed example differs from what would be written.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

HERE: Final = Path(__file__).resolve().parent
DEFAULT_DATA: Final = HERE.parent.parent / "shared" / "data"

REPO: Final = "TechForPalestine/palestine-datasets"
HEAD_COMMIT: Final = "9ea6456f4437dac6f04e22eaab85b0ec88601179"
OLD_COMMIT: Final = "08615af2cd5830e85c5a4ae1d57459e52e502e75"

SOURCES: Final[Mapping[str, str]] = {
    "mohtel": "Gaza Ministry of Health",
    "gmotel": "Gaza Government Media Office",
}
# Tool parameters for the example (Admiralty letters), not verdicts: see examples/README.md.
GRADES: Final[Mapping[str, str]] = {"mohtel": "B", "gmotel": "C"}
# Field of casualties_daily.json -> tally category ("" = all).
FIELDS: Final[Mapping[str, str]] = {
    "killed_cum": "",
    "killed_children_cum": "children",
    "killed_women_cum": "women",
}
COLUMNS: Final = (
    "id",
    "source",
    "published",
    "place",
    "category",
    "count",
    "grade",
    "url",
    "notes",
)
PLACE: Final = "Gaza"
MONTH: Final = "2023-10"


@dataclass(frozen=True, slots=True)
class Cut:
    """One example file: which upstream file to read and how to cite it."""

    output: str
    upstream: str
    commit: str


CUTS: Final = (
    Cut("gaza-oct-2023.csv", "gaza-tfp/casualties_daily.json", HEAD_COMMIT),
    Cut("gaza-oct-2023@08615af.csv", "gaza-tfp/casualties_daily@08615af.json", OLD_COMMIT),
)


def source_url(commit: str, report_date: str) -> str:
    """Where the figure can be read upstream at ``commit``."""
    if commit == HEAD_COMMIT:
        # One YAML-front-matter file per report date: the maintainers' source of truth.
        return f"https://github.com/{REPO}/blob/{commit}/source_data/gaza-daily/{report_date}.md"
    return f"https://github.com/{REPO}/blob/{commit}/casualties_daily.json"


def gaza_rows(days: Sequence[Mapping[str, object]], commit: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for day in days:
        report_date = str(day["report_date"])
        source = str(day.get("report_source", ""))
        if not report_date.startswith(MONTH) or source not in SOURCES:
            continue
        for field, category in FIELDS.items():
            value = day.get(field)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{report_date} {field}: not a count: {value!r}")
            rows.append(
                [
                    f"tfp-{commit[:7]}-{report_date}-{field}",
                    SOURCES[source],
                    report_date,
                    PLACE,
                    category,
                    str(value),
                    GRADES[source],
                    source_url(commit, report_date),
                    f"Tech For Palestine casualties_daily.json @{commit[:7]}: {field}; "
                    f"report_source {source}, report_period {day.get('report_period')} h",
                ]
            )
    rows.sort(key=lambda row: (row[2], list(FIELDS.values()).index(row[4])))
    return rows


def render(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def build(data: Path) -> dict[str, str]:
    """Every example's file name and text."""
    outputs: dict[str, str] = {}
    for cut in CUTS:
        with (data / cut.upstream).open(encoding="utf-8") as f:
            days = json.load(f)
        if not isinstance(days, list):
            raise ValueError(f"{cut.upstream}: expected a JSON array")
        outputs[cut.output] = render(gaza_rows(days, cut.commit))
    return outputs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: here)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)

    stale = 0
    for name, text in build(args.data).items():
        path = args.out / name
        rows = text.count("\n") - 1
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                stale += 1
                print(f"{path}: out of date", file=sys.stderr)
            continue
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(text)
        print(f"{path}: {rows} reports", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
