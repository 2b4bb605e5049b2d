"""Cut tests/data/ucdp-ged-car-2012-2013.csv and its context from the shared UCDP GED snapshot.

    python tests/data/make_ucdp_car.py [../shared/data/ucdp-ged-car]

Source: the UCDP Georeferenced Event Dataset (GED) Global version 23.1, Central African Republic
subset, as ``optgeo/ucdp-23.1-482`` holds it at ``be05b36c`` (``GEDEvent_v23_1.geojson``),
flattened to ``GEDEvent_v23_1_CAR.derived.csv`` in the shared ``data/ucdp-ged-car/`` (see
``data/SOURCES.md``).  UCDP publishes the GED under CC BY 4.0; the repository is CC0.  The
attribution and both licences are in ``examples/licenses/ucdp-ged-NOTICE.md`` and
``examples/licenses/ucdp-ged-optgeo-CC0-LICENSE``.

What is cut: every event of 2012 and 2013 (31 + 186 = 217 events, the whole country), nothing
else changed.  How an event becomes a report (``report`` below; ``benchmarks/bench_ucdp.py``
uses the same function):

- one report per event, by the origin ``UCDP GED``, ``count`` = UCDP's ``best`` as a plain
  number; ``low`` and ``high`` go into ``notes`` with the event's dates, type of violence and
  place name, for the audit trail;
- ``place`` = ``Central African Republic <year>/<adm_1 province>/event <id>`` (events without a
  province: ``Central African Republic <year>/event <id>``): each event is its own place, because
  two UCDP events are two incidents that add up, never two claims about one count;
- ``period`` = the event's calendar year (every event's ``date_start`` and ``date_end`` lie in
  its ``year``), ``published`` = ``2023``, the year of GED 23.1;
- ``category`` is left to ``all``: ``type_of_violence`` 3 (one-sided violence) does not make
  every death a civilian's (``deaths_unknown`` is not zero in every such event).

The context file declares the grade (``B``, a tool setting) and the place tree: each
country-year is complete with its provinces (and its events without one), each province-year is
complete with its events.  The year is in the country's name because tally's place tree is one
tree for every window: a province's parts must all be reported at the window of the sum, so a
tree that listed the events of 2012 and 2013 under one province would give no sum for either
year.  ``tests/test_ucdp.py`` says why these choices, with what tally does with the others.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_FILE = "GEDEvent_v23_1_CAR.derived.csv"
ORIGIN = "UCDP GED"
COUNTRY = "Central African Republic"
RELEASE_YEAR = "2023"
YEARS = ("2012", "2013")
NAME = "ucdp-ged-car-2012-2013"
FIELDS = ("id", "source", "published", "period", "place", "count", "notes")
VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided violence"}

HEADER = """\
# Context of tests/data/ucdp-ged-car-2012-2013.csv, written by tests/data/make_ucdp_car.py:
#
#   cd tests/data
#   tally reconcile ucdp-ged-car-2012-2013.csv ucdp-ged-car-2012-2013.context.yaml
#
# Data: UCDP Georeferenced Event Dataset (GED) Global version 23.1, Uppsala Conflict Data
# Program, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); cite Davies, Pettersson &
# Öberg (2023), Journal of Peace Research 60(4), and Sundberg & Melander (2013), Journal of
# Peace Research 50(4). Reshaped into tally reports (one per event, UCDP's best as the count)
# for this project; see examples/licenses/ucdp-ged-NOTICE.md.
#
# The grade is a tool setting, not a verdict. Each country-year is complete with its provinces
# (and its events without a province); each province-year is complete with its events.
"""


def read_events(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def report(event: Mapping[str, str], copy: int = 0) -> dict[str, str]:
    """The tally report of one UCDP event; ``copy`` k > 0 puts it in a synthetic country."""
    year = event["year"]
    country = f"{COUNTRY} copy {copy}" if copy else COUNTRY
    province = event["adm_1"]
    leaf = f"event {event['id']}"
    place = "/".join(filter(None, (f"{country} {year}", province, leaf)))
    start, end = event["date_start"][:10], event["date_end"][:10]
    copied = f" (synthetic copy {copy})" if copy else ""
    notes = (
        f"UCDP GED 23.1 event {event['id']}{copied}, {start} to {end}: "
        f"low {event['low']}, best {event['best']}, high {event['high']}; "
        f"{VIOLENCE.get(event['type_of_violence'], 'type ' + event['type_of_violence'])}; "
        f"{event['where_coordinates']}"
    )
    return {
        "id": f"ucdp-ged-{event['id']}" + (f"-copy{copy}" if copy else ""),
        "source": ORIGIN,
        "published": RELEASE_YEAR,
        "period": year,
        "place": place,
        "count": event["best"],
        "notes": notes,
    }


def place_tree(reports: Iterable[Mapping[str, str]]) -> dict[str, list[str]]:
    """Every parent place of the reports with its parts, in order of first appearance."""
    tree: dict[str, dict[str, None]] = {}
    for row in reports:
        path = row["place"].split("/")
        for depth in range(1, len(path)):
            tree.setdefault("/".join(path[:depth]), {})[path[depth]] = None
    return {parent: list(parts) for parent, parts in tree.items()}


def sort_key(event: Mapping[str, str]) -> tuple[str, str, str, int]:
    return (event["year"], event["adm_1"], event["date_start"], int(event["id"]))


def write_reports(target: Path, reports: Iterable[Mapping[str, str]]) -> None:
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(reports)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_context(target: Path, tree: Mapping[str, list[str]]) -> None:
    lines = [HEADER, "sources:", f"  {quoted(ORIGIN)}:"]
    lines.append(f"    name: {quoted('Uppsala Conflict Data Program, GED Global 23.1')}")
    lines += ["    grade: B", "", "places:"]
    for parent, parts in tree.items():
        lines.append(f"  {quoted(parent)}:")
        lines.append("    complete: true")
        lines.append("    parts: [" + ", ".join(quoted(part) for part in parts) + "]")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    default = HERE.parents[2] / "shared" / "data" / "ucdp-ged-car"
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    events = sorted(
        (e for e in read_events(data / SOURCE_FILE) if e["year"] in YEARS), key=sort_key
    )
    reports = [report(event) for event in events]
    write_reports(HERE / f"{NAME}.csv", reports)
    write_context(HERE / f"{NAME}.context.yaml", place_tree(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
