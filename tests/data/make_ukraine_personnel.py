"""Cut the two Ukraine personnel transcriptions into report files for ``tally diff`` tests.

    python tests/data/make_ukraine_personnel.py [../shared/data/ukraine-personnel]

Both files transcribe the same daily claim of the General Staff of the Armed Forces of Ukraine:
Russian personnel losses, cumulative since 24 February 2022 (a belligerent's claim; one
repository calls it the death toll, the other "killed or wounded").  Sources (see the shared
``data/SOURCES.md``):

- ``PetroIvaniuk/2022-Ukraine-Russia-War-Dataset`` at 37655f8b,
  ``data/russia_losses_personnel.json`` (MIT, ``licenses/ukraine-PetroIvaniuk-LICENSE``);
- ``lod-db/orc-losses`` at 01f978c9, ``russian-losses.json`` (MIT,
  ``licenses/ukraine-lod-db-LICENSE.md``).

Each day's ``personnel`` becomes one report as of that day, the number alone (PetroIvaniuk's
qualifier, "about" or "more", goes into ``notes``); the equipment columns are left out.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = "General Staff of the Armed Forces of Ukraine"
FIELDS = ("id", "source", "published", "category", "count", "grade", "notes")
CATEGORY = "Russian military personnel"


def write(target: Path, rows: list[dict[str, str]]) -> None:
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda row: row["published"]))


def main() -> int:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data"
    data = data / "ukraine-personnel" if (data / "ukraine-personnel").is_dir() else data
    transcriptions = (
        ("petroivaniuk", "russia_losses_personnel.json", "PetroIvaniuk 37655f8b", "personnel*"),
        ("lod-db", "russian-losses.json", "lod-db 01f978c9", "sourceUri"),
    )
    for name, file, provenance, note_field in transcriptions:
        days = json.loads((data / file).read_text(encoding="utf-8"))
        write(
            HERE / f"ukraine-personnel-{name}.csv",
            [
                {
                    "id": f"{name}-{day['date']}",
                    "source": SOURCE,
                    "published": day["date"],
                    "category": CATEGORY,
                    "count": str(day["personnel"]),
                    "grade": "C",
                    "notes": f"{provenance}: personnel; {note_field} {day.get(note_field, '')}",
                }
                for day in days
            ],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
