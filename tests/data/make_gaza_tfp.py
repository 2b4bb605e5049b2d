"""Cut tests/data/gaza-tfp-oct-dec-2023.csv from the shared Tech For Palestine snapshot.

    python tests/data/make_gaza_tfp.py [../shared/data/gaza-tfp]

Source: TechForPalestine/palestine-datasets at commit 9ea6456f (2026-08-22), files
``casualties_daily.json`` and ``killed_injured_cum_revisions.derived.csv`` (see the shared
``data/SOURCES.md``); public-domain dedication, copied as ``examples/licenses/gaza-tfp-LICENSE``.

What is cut, for 7 October to 31 December 2023, nothing else changed:

- each day's cumulative deaths (``killed_cum``) as a count over the window from 2023-10-07 to
  the report date, published on the report date, by the channel the dataset names
  (``mohtel`` → Gaza Ministry of Health, ``gmotel`` → Gaza Government Media Office);
- where the dataset's history holds revisions of that figure, every version instead, each
  published on the day the dataset first showed it (``first_seen_commit_date``), so that the
  later version supersedes the earlier one, as a reader of the dataset saw it happen;
- each day's own deaths (``killed``) over that day, and the cumulative children and women
  (``killed_children_cum``, ``killed_women_cum``) over the window since 2023-10-07;
- rows whose ``report_source`` is ``missing`` (no official report that day; the dataset carries
  a value forward) are left out, and so are versions with no figure.

For ``tally diff --revisions`` it also writes the cumulative deaths of the same days as two
versions of the dataset, ``gaza-tfp-killed-cum@08615af.csv`` (``casualties_daily@08615af.json``,
18 February 2024, before the maintainers revised October-December 2023) and
``gaza-tfp-killed-cum@9ea6456.csv`` (today's file), one report per day with the same ``id`` in
both, so that the revisions line up report by report.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

START, END = "2023-10-07", "2023-12-31"
CHANNELS = {
    "mohtel": "Gaza Ministry of Health",
    "gmotel": "Gaza Government Media Office",
    "unocha": "UN OCHA",
}
HERE = Path(__file__).resolve().parent
FIELDS = ("id", "source", "published", "period", "place", "category", "count", "notes")


def rows(data: Path) -> list[dict[str, str]]:
    daily = json.loads((data / "casualties_daily.json").read_text(encoding="utf-8"))
    versions: dict[str, list[dict[str, str]]] = {}
    with (data / "killed_injured_cum_revisions.derived.csv").open(encoding="utf-8") as f:
        for version in csv.DictReader(f):
            if START <= version["report_date"] <= END:
                versions.setdefault(version["report_date"], []).append(version)
    out: list[dict[str, str]] = []
    for day in daily:
        date = day["report_date"]
        if not START <= date <= END:
            continue
        since = f"{START}/{date}"
        for version in versions.get(date, []):
            channel = CHANNELS.get(version["report_source"])
            if channel is None or not version["killed_cum"]:
                continue
            out.append(
                row(
                    f"{date}-killed_cum-v{version['version_seq']}",
                    channel,
                    version["first_seen_commit_date"],
                    since,
                    "",
                    version["killed_cum"],
                    f"killed_cum, version {version['version_seq']} of the dataset's history",
                )
            )
        channel = CHANNELS.get(day["report_source"])
        if channel is None:
            continue
        if "killed_cum" in day and date not in versions:
            out.append(row(f"{date}-killed_cum", channel, date, since, "", day["killed_cum"]))
        if "killed" in day:
            out.append(row(f"{date}-killed", channel, date, date, "", day["killed"]))
        for field, category in (("killed_children_cum", "children"), ("killed_women_cum", "women")):
            if field in day:
                out.append(row(f"{date}-{field}", channel, date, since, category, day[field]))
    return out


def row(
    key: str, source: str, published: str, period: str, category: str, count: object, note: str = ""
) -> dict[str, str]:
    return {
        "id": f"tfp-9ea6456-{key}",
        "source": source,
        "published": published,
        "period": period,
        "place": "Gaza",
        "category": category,
        "count": str(count),
        "notes": note or f"Tech For Palestine casualties_daily.json @9ea6456: {key.split('-', 3)[-1]}",
    }


def versions(data: Path) -> None:
    for name, commit in (
        ("casualties_daily@08615af.json", "08615af"),
        ("casualties_daily.json", "9ea6456"),
    ):
        daily = json.loads((data / name).read_text(encoding="utf-8"))
        out = [
            {
                "id": f"tfp-{day['report_date']}-killed_cum",
                "source": CHANNELS.get(day["report_source"], "no official report"),
                "published": day["report_date"],
                "period": "",
                "place": "Gaza",
                "category": "",
                "count": str(day["killed_cum"]),
                "notes": f"Tech For Palestine {name} @{commit}: killed_cum",
            }
            for day in daily
            if START <= day["report_date"] <= END and "killed_cum" in day
        ]
        target = HERE / f"gaza-tfp-killed-cum@{commit}.csv"
        with target.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(out)


def main() -> int:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data" / "gaza-tfp"
    target = HERE / "gaza-tfp-oct-dec-2023.csv"
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(data))
    versions(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
