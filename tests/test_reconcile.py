"""The oracles of statistics.md section 8.1, to the integer, through ``tally reconcile``.

Each case is a small YAML file written the way a reporter would; the expected figures read
best [low, high] / [low95, high95] as in the design document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from casualty_cli import __version__
from casualty_cli.cli import main
from casualty_cli.reconciliation import reconcile_files
from casualty_cli.render.estimates import estimate_records

SOURCES = """\
sources:
  X: {grade: B}
  Y: {grade: B}
  Z: {grade: B}
  SOHR: {grade: B}
"""


def reconcile_json(tmp_path: Path, text: str, *args: str) -> dict[str, Any]:
    path = tmp_path / "reports.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["reconcile", "--format", "json", *args, str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def figures(estimate: dict[str, Any]) -> tuple[int, ...]:
    keys = ("best", "low", "high", "low95", "high95")
    return tuple(estimate[key] for key in keys)


def one_scope(tmp_path: Path, *claims: tuple[str, str, str]) -> dict[str, Any]:
    reports = "".join(
        f"  - {{source: {source}, grade: {grade}, count: '{count}', published: 2025-03-08}}\n"
        for source, count, grade in claims
    )
    document = reconcile_json(tmp_path, "reports:\n" + reports)
    assert len(document["estimates"]) == 1
    estimate: dict[str, Any] = document["estimates"][0]
    return estimate


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param([("X", "745", "B")], (745, 644, 862, 607, 914), id="H1-exact-745"),
        pytest.param([("X", "between 10 and 20", "B")], (14, 10, 19, 10, 20), id="H2-between"),
        pytest.param(
            [("X", "more than 1,000", "B")], (1127, 1021, 1560, 1006, 1881), id="H3-more-than"
        ),
        pytest.param([("W", "at least 20", "F")], (25, 20, 36, 20, 39), id="H4-at-least-20-F"),
        pytest.param([("X", "dozens", "C")], (49, 27, 86, 24, 96), id="H4-dozens-C"),
        pytest.param([("X", "up to 30", "C")], (26, 17, 30, 15, 30), id="H4-up-to-30-C"),
        pytest.param(
            [("X", "about 1,000", "C")], (1000, 927, 1080, 914, 1095), id="H4-about-1000-C"
        ),
        pytest.param([("X", "nearly 50", "C")], (44, 40, 48, 40, 49), id="H4-nearly-50-C"),
        pytest.param(
            [("X", "at least 745", "B")], (839, 745, 1161, 745, 1400), id="H4-at-least-745-B"
        ),
        pytest.param(
            [("X", "10-20", "B"), ("Y", "15-30", "B")], (17, 15, 20, 11, 28), id="H5-two-bands"
        ),
        pytest.param(
            [("X", "8-12", "B"), ("Y", "11-13", "B"), ("Z", "10-12", "B")],
            (11, 11, 12, 10, 12),
            id="H6-marzullo",
        ),
        pytest.param(
            [("X", "8-12", "B"), ("Y", "11-13", "B"), ("Z", "14-15", "B")],
            (12, 11, 14, 8, 15),
            id="H6-marzullo-outlier",
        ),
        pytest.param(
            [("X", "100", "B"), ("Y", "110", "B"), ("Z", "thousands", "E")],
            (105, 99, 112, 90, 123),
            id="H7-discounted",
        ),
    ],
)
def test_single_scope_oracles(
    tmp_path: Path, claims: list[tuple[str, str, str]], expected: tuple[int, ...]
) -> None:
    assert figures(one_scope(tmp_path, *claims)) == expected


def test_h6_outlier_is_contested(tmp_path: Path) -> None:
    estimate = one_scope(tmp_path, ("X", "8-12", "B"), ("Y", "11-13", "B"), ("Z", "14-15", "B"))
    assert "contested" in estimate["flags"]
    assert estimate["origins"] == 3


def test_h7_thousands_is_discounted_and_left_out_of_the_claimed_range(tmp_path: Path) -> None:
    estimate = one_scope(tmp_path, ("X", "100", "B"), ("Y", "110", "B"), ("Z", "thousands", "E"))
    assert estimate["flags"] == ["discounted"]
    assert (estimate["claimed_min"], estimate["claimed_max"]) == (100, 110)
    assert estimate["conservative"] == 100


def test_p2_conservative_is_acled_style(tmp_path: Path) -> None:
    estimate = one_scope(tmp_path, ("X", "dozens", "C"), ("Y", "30", "B"))
    assert estimate["conservative"] == 12
    assert (estimate["best"], estimate["low"], estimate["high"]) == (30, 26, 38)


H8 = """\
sources:
  SOHR: {grade: B}
reports:
  - {source: SOHR, via: Reuters, grade: B, count: '745', published: 2025-03-08}
  - {source: SOHR, via: AFP, grade: C, count: '745', published: 2025-03-08}
"""


def test_h8_relays_of_one_origin_are_one_claim(tmp_path: Path) -> None:
    estimate = reconcile_json(tmp_path, H8)["estimates"][0]
    assert figures(estimate) == (745, 644, 862, 607, 914)
    assert (estimate["reports"], estimate["origins"]) == (2, 1)
    assert estimate["flags"] == ["single_source"]


def test_h8_relays_are_recorded_as_duplicate_origin(tmp_path: Path) -> None:
    path = tmp_path / "h8.yaml"
    path.write_text(H8, encoding="utf-8")
    estimate = reconcile_files([path]).estimates[0]
    assert [e.status for e in estimate.evidence] == ["used", "duplicate_origin"]


H9 = """\
incident: {start: 2025-03-06}
sources:
  SOHR: {grade: B}
  Witness: {grade: F}
categories:
  all: {parts: [civilians, combatants], complete: true}
  combatants: {parts: [security forces, militants], complete: true}
reports:
  - {source: SOHR, category: civilians, count: '745', place: Syria/Coast, published: 2025-03-08}
  - {source: SOHR, category: security forces, count: '125', place: Syria/Coast,
     published: 2025-03-08}
  - {source: SOHR, category: militants, count: '148', place: Syria/Coast, published: 2025-03-08}
  - {source: SOHR, count: 'more than 1,000', place: Syria/Coast, published: 2025-03-08}
  - {source: Witness, count: 'at least 20', place: Syria/Coast/Baniyas/Al-Qusour,
     published: 2025-03-08}
"""


def test_h9_syrian_coast(tmp_path: Path) -> None:
    estimates = reconcile_json(tmp_path, H9)["estimates"]
    found = {(e["category"], e["place"]): e for e in estimates}
    total = found[("all", "Syria/Coast")]
    assert figures(total) == (1018, 880, 1178, 830, 1248)
    assert (figures(found[("combatants", "Syria/Coast")])[:3]) == (273, 236, 316)
    assert (figures(found[("civilians", "Syria/Coast")])[:3]) == (745, 644, 862)
    assert figures(found[("combatants/security forces", "Syria/Coast")])[:3] == (125, 108, 145)
    assert figures(found[("combatants/militants", "Syria/Coast")])[:3] == (148, 128, 172)
    assert figures(found[("all", "Syria/Coast/Baniyas/Al-Qusour")])[:3] == (25, 20, 36)
    assert all(e["flags"] == ["single_source"] for e in estimates)
    assert [e["rank"] for e in estimates] == list(range(1, 7))


def test_h9_vague_total_is_subsumed_by_the_exact_sum(tmp_path: Path) -> None:
    path = tmp_path / "h9.yaml"
    path.write_text(H9, encoding="utf-8")
    total = next(
        e
        for e in reconcile_files([path]).estimates
        if e.scope.category == () and e.scope.place == ("Syria", "Coast")
    )
    assert [d.arithmetic for d in total.derivations] == ["745 + 273 = 1,018"]
    assert [(e.status, e.reason.split(":")[0]) for e in total.evidence] == [
        ("subsumed", "745 + 273 = 1,018 lies within it")
    ]


H11 = """\
incident: {start: 2025-03-06}
sources:
  SOHR: {grade: B}
  A: {grade: C}
reports:
  - {source: SOHR, category: civilians, count: '1,225', published: 2025-03-11}
  - {source: SOHR, category: civilians, count: '1,383', published: 2025-03-12}
  - {source: SOHR, category: civilians, count: '158', period: 2025-03-12, published: 2025-03-12}
  - {source: A, category: all, count: '800', published: 2025-03-08}
  - {source: A, category: all, count: '700', published: 2025-03-09}
"""


def test_h11_cumulative_series_and_revision(tmp_path: Path) -> None:
    estimates = reconcile_json(tmp_path, H11)["estimates"]
    found = {(e["category"], e["period_start"], e["period_end"]): e for e in estimates}
    assert figures(found[("civilians", "2025-03-06", "2025-03-12")]) == (
        1383,
        1196,
        1600,
        1128,
        1695,
    )
    assert figures(found[("civilians", "2025-03-06", "2025-03-11")]) == (
        1225,
        1059,
        1417,
        999,
        1502,
    )
    assert figures(found[("civilians", "2025-03-12", "2025-03-12")]) == (158, 137, 183, 129, 194)
    revised = found[("all", "2025-03-06", "2025-03-08")]
    assert figures(revised) == (596, 415, 684, 365, 696)
    assert "downward_revision" in revised["flags"]
    assert figures(found[("all", "2025-03-06", "2025-03-09")]) == (700, 599, 817, 569, 861)
    conflicts = {"disputed", "contested", "discounted", "same_origin_inconsistent"}
    assert not any(conflicts & set(e["flags"]) for e in estimates)


def test_h11_day_difference_merges_with_the_daily_report(tmp_path: Path) -> None:
    path = tmp_path / "h11.yaml"
    path.write_text(H11, encoding="utf-8")
    day = next(e for e in reconcile_files([path]).estimates if not e.scope.cumulative)
    assert [(d.arithmetic, d.status) for d in day.derivations] == [
        ("1,383 (as of 2025-03-12) − 1,225 (as of 2025-03-11) = 158", "duplicate_origin")
    ]


def test_cli_json_equals_the_library_result(tmp_path: Path) -> None:
    document = reconcile_json(tmp_path, H9)
    result = reconcile_files([tmp_path / "reports.yaml"])
    assert document["tally_version"] == __version__
    assert document["estimates"] == estimate_records(result)


def test_an_outcome_left_empty_is_the_same_scope_as_killed(tmp_path: Path) -> None:
    """ "" and "killed" name one outcome: their reports are one scope, fused, not two rows."""
    document = reconcile_json(
        tmp_path,
        "reports:\n"
        "  - {source: X, grade: B, count: '745', published: 2025-03-08}\n"
        "  - {source: Y, grade: B, count: '745', published: 2025-03-08, outcome: killed}\n",
    )
    assert [(e["outcome"], e["origins"]) for e in document["estimates"]] == [("killed", 2)]


H10 = """\
sources:
  X: {grade: B}
  Y: {grade: B}
  Z: {grade: B}
categories:
  all: {parts: [civilians, combatants], complete: true}
reports:
  - {source: X, count: 'about 100', published: 2025-03-08}
  - {source: Y, category: civilians, count: '80', published: 2025-03-08}
  - {source: Z, category: combatants, count: '50', published: 2025-03-08}
"""


def test_h10_parts_from_other_origins_raise_the_total_and_cap_each_other(tmp_path: Path) -> None:
    """statistics.md H10: the sum of the parts reaches the total, the total caps the parts."""
    estimates = {e["category"]: e for e in reconcile_json(tmp_path, H10)["estimates"]}
    assert figures(estimates["all"]) == (112, 94, 136, 91, 148)
    assert figures(estimates["civilians"]) == (68, 64, 80, 64, 92)
    assert figures(estimates["combatants"]) == (43, 40, 50, 40, 57)
    assert {"disputed", "parts_exceed_whole"} <= set(estimates["all"]["flags"])
    assert estimates["all"]["origins"] == 3


@pytest.mark.parametrize("scale", [1, 1_000_000])
def test_flags_of_parts_and_whole_hold_for_counts_of_any_size(tmp_path: Path, scale: int) -> None:
    """The family flags sum exact integers: in int64 for everyday counts, in Python ints where
    squares of hundreds of millions would overflow it."""
    text = (
        H10.replace("about 100", "about 100" + "0" * 6 * (scale > 1))
        .replace("'80'", f"'{80 * scale}'")
        .replace("'50'", f"'{50 * scale}'")
    )
    estimates = {e["category"]: e for e in reconcile_json(tmp_path, text)["estimates"]}
    for category in ("all", "civilians", "combatants"):
        assert "parts_exceed_whole" in estimates[category]["flags"]
    complete = H10.replace("about 100", f"{200 * scale}").replace("'80'", f"'{60 * scale}'")
    short = {e["category"]: e for e in reconcile_json(tmp_path, complete)["estimates"]}
    assert "unattributed_remainder" in short["all"]["flags"]
    assert "parts_exceed_whole" not in short["all"]["flags"]


def test_h10_messages_are_explained_with_their_arithmetic(tmp_path: Path) -> None:
    path = tmp_path / "h10.yaml"
    path.write_text(H10, encoding="utf-8")
    by_category = {e.scope.category_path: e for e in reconcile_files([path]).estimates}
    (total,) = by_category["all"].received
    assert (total.kind, total.value, total.low, total.high, total.q) == ("sum", 130, 111, 152, 0.85)
    assert total.support is not None and round(total.support, 4) == 0.5096
    (cap,) = by_category["civilians"].received
    assert (cap.kind, cap.value, cap.arithmetic) == ("cap", 70, "110 − 40 = 70")
    (cap,) = by_category["combatants"].received
    assert (cap.kind, cap.value, cap.arithmetic) == ("cap", 45, "110 − 65 = 45")


def test_h9_same_origin_parts_send_nothing_to_their_own_total(tmp_path: Path) -> None:
    """The exclusion rule: SOHR's parts never vouch for SOHR's own total (statistics.md 5.3)."""
    path = tmp_path / "h9.yaml"
    path.write_text(H9, encoding="utf-8")
    estimates = reconcile_files([path]).estimates
    assert all(not e.received for e in estimates)
    assert not any("parts_exceed_whole" in e.flags for e in estimates)


H12 = """\
sources:
  A: {grade: B}
  B: {grade: B}
reports:
  - {source: A, count: '300', period: 2025-03-06/2025-03-07, published: 2025-03-08}
  - {source: B, count: '%s', period: %s, published: 2025-03-09}
"""


def test_h12_disjoint_windows_add_up_to_the_period(tmp_path: Path) -> None:
    text = H12 % ("200", "2025-03-08")
    document = reconcile_json(tmp_path, text, "--period", "2025-03-06/2025-03-08")
    windows = {(e["period_start"], e["period_end"]): e for e in document["estimates"]}
    assert figures(windows[("2025-03-06", "2025-03-07")]) == (300, 259, 347, 244, 368)
    assert figures(windows[("2025-03-08", "2025-03-08")]) == (200, 173, 232, 163, 246)
    target = windows[("2025-03-06", "2025-03-08")]
    assert figures(target) == (500, 455, 554, 437, 576)
    assert (target["reports"], target["origins"], target["flags"]) == (0, 2, [])


def test_h12_overlapping_windows_only_bound_the_period(tmp_path: Path) -> None:
    text = H12 % ("250", "2025-03-07/2025-03-08")
    document = reconcile_json(tmp_path, text, "--period", "2025-03-06/2025-03-08")
    windows = {(e["period_start"], e["period_end"]): e for e in document["estimates"]}
    target = windows[("2025-03-06", "2025-03-08")]
    assert figures(target) == (406, 318, 518, 304, 542)
    assert target["flags"] == ["overlap_bounds_only"]
    # Never summed: the parts keep their own figures.
    assert figures(windows[("2025-03-07", "2025-03-08")])[0] == 250


def test_a_period_without_an_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "reports.yaml"
    path.write_text(H12 % ("200", "2025-03-08"), encoding="utf-8")
    result = CliRunner().invoke(main, ["reconcile", str(path), "--period", "2025-03-06/"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --period '2025-03-06/' has no end"
        " (give both ends, e.g. --period 2025-03-06/2025-03-08)\n"
    )


def test_explain_says_what_each_family_sent_in_plain_arithmetic(tmp_path: Path) -> None:
    path = tmp_path / "h10.yaml"
    path.write_text(H10, encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    sentences = {
        e["category"]: [r["sentence"] for r in e["received"]]
        for e in json.loads(result.stdout)["explanations"]
    }
    assert sentences["all"] == [
        "Its parts (civilians, combatants), from other sources, add up to 130 (95%: 111–152): "
        "80 + 50 = 130; fused as one more claim, weighted as q 0.85, support 51%."
    ]
    assert sentences["civilians"] == [
        "At most 70: its whole (all) less the lowest of its other parts, 110 − 40 = 70; "
        "weighted as q 0.85, support 80%."
    ]


P4_FIGURES = (
    # place under Syria/Coast, published (as of), count, period
    ("", "2025-03-11", "1,225", ""),
    ("", "2025-03-12", "1,383", ""),
    ("", "2025-03-12", "158", "2025-03-12"),
    *(
        (f"/{name}", day, count, "")
        for day, counts in (
            ("2025-03-11", (658, 384, 171, 12)),
            ("2025-03-12", (683, 433, 255, 12)),
        )
        for name, count in zip(("Latakia", "Tartus", "Hama", "Homs"), map(str, counts), strict=True)
    ),
)
P4 = (
    "incident: {start: 2025-03-06}\n"
    "sources: {SOHR: {grade: B}}\n"
    "places:\n"
    "  Syria/Coast: {parts: [Latakia, Tartus, Hama, Homs], complete: true}\n"
    "reports:\n"
) + "".join(
    f"  - {{source: SOHR, category: civilians, place: Syria/Coast{place}, count: '{count}',"
    f" published: {day}{', period: ' + period if period else ''}}}\n"
    for place, day, count, period in P4_FIGURES
)


def test_p4_sohr_governorates_sum_to_the_coast_and_give_the_days_between(
    tmp_path: Path,
) -> None:
    """statistics.md P4: SOHR's governorate figures of 11 and 12 March 2025, published arithmetic.

    658 + 384 + 171 + 12 = 1,225 and 683 + 433 + 255 + 12 = 1,383 equal SOHR's coast totals, so
    the sums merge with them; the 12 March windows are 25, 49, 84 and 0, and the coast's 158 is
    the published daily figure.  Nothing conflicts.
    """
    document = reconcile_json(tmp_path, P4)
    rows = {
        (e["place"].rsplit("/", 1)[-1], e["period_start"], e["period_end"]): e
        for e in document["estimates"]
    }
    day = ("2025-03-12", "2025-03-12")
    assert {name: rows[(name, *day)]["best"] for name in ("Latakia", "Tartus", "Hama", "Homs")} == {
        "Latakia": 25,
        "Tartus": 49,
        "Hama": 84,
        "Homs": 0,
    }
    assert rows[("Coast", *day)]["best"] == 158
    assert rows[("Coast", "2025-03-06", "2025-03-11")]["best"] == 1225
    assert rows[("Coast", "2025-03-06", "2025-03-12")]["best"] == 1383
    assert all(e["flags"] == ["single_source"] for e in document["estimates"])
    path = tmp_path / "p4.yaml"
    path.write_text(P4, encoding="utf-8")
    coast = [
        e
        for e in reconcile_files([path]).estimates
        if e.scope.place_path == "Syria/Coast" and e.scope.cumulative
    ]
    assert sorted((d.arithmetic, d.status) for e in coast for d in e.derivations) == [
        ("658 + 384 + 171 + 12 = 1,225", "duplicate_origin"),
        ("683 + 433 + 255 + 12 = 1,383", "duplicate_origin"),
    ]


COMPLETE_PLACE = (
    "sources: {S: {grade: B}}\nplaces: {X: {parts: [p, q], complete: true}}\nreports:\n"
)


def _report(place: str, count: str) -> str:
    when = "published: 2014-03-01, period: 2014-02-10"
    return f"  - {{source: S, {when}, place: {place}, count: '{count}'}}\n"


@pytest.mark.parametrize(
    ("parts", "whole"),
    [
        # A vaguer statement of the same origin, subsumed by its exact one, does not stop the sum.
        ((("X/p", "198"), ("X/p", "0-198"), ("X/q", "5")), 203),
        # Parts that are not all exact figures send their whole a sum as a message, as a
        # complete category's parts do (the same figures as the category case below).
        ((("X/p", "0-198, most likely 198"), ("X/q", "5")), 104),
    ],
)
def test_a_complete_place_gets_its_total(
    tmp_path: Path, parts: tuple[tuple[str, str], ...], whole: int
) -> None:
    text = COMPLETE_PLACE + "".join(_report(place, count) for place, count in parts)
    rows = {e["place"]: e for e in reconcile_json(tmp_path, text)["estimates"]}
    assert rows["X"]["best"] == whole


def test_a_complete_place_sums_as_a_complete_category_does(tmp_path: Path) -> None:
    place = reconcile_json(
        tmp_path,
        COMPLETE_PLACE + _report("X/p", "0-198, most likely 198") + _report("X/q", "5"),
    )
    category = reconcile_json(
        tmp_path,
        "sources: {S: {grade: B}}\n"
        "categories: {all: {parts: [p, q], complete: true}}\n"
        "reports:\n"
        "  - {source: S, published: 2014-03-01, period: 2014-02-10, place: X, category: p,"
        " count: '0-198, most likely 198'}\n"
        "  - {source: S, published: 2014-03-01, period: 2014-02-10, place: X, category: q,"
        " count: '5'}\n",
    )
    whole = [e for e in place["estimates"] if e["place"] == "X"]
    total = [e for e in category["estimates"] if e["category"] == "all"]
    assert [figures(e) for e in whole] == [figures(e) for e in total]


def test_explain_says_overlapping_windows_are_never_added(tmp_path: Path) -> None:
    path = tmp_path / "h12.yaml"
    path.write_text(H12 % ("250", "2025-03-07/2025-03-08"), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["explain", str(path), "--period", "2025-03-06/2025-03-08", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    target = next(
        e
        for e in json.loads(result.stdout)["explanations"]
        if (e["period_start"], e["period_end"]) == ("2025-03-06", "2025-03-08")
    )
    (received,) = target["received"]
    assert received["arithmetic"] == "at least the largest, 300; at most their sum, 300 + 250 = 550"
    assert received["sentence"].startswith(
        "Only overlapping windows (2025-03-06 to 2025-03-07, 2025-03-07 to 2025-03-08) cover it,"
        " and they are never added"
    )


def test_a_period_the_windows_do_not_cover_gets_a_note_not_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "reports.yaml"
    path.write_text(H12 % ("200", "2025-03-08"), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["reconcile", "--format", "csv", "--period", "2025-03", str(path)]
    )
    assert result.exit_code == 0
    assert ",2025-03-01,2025-03-31," not in result.stdout
    assert result.stderr == (
        "Note: --period: no estimate for killed, all, everywhere, 2025-03-01 to 2025-03-31: the"
        " windows inside it do not cover it (a period is estimated from windows that tile it,"
        " or overlap across it); ask for a period they cover\n"
    )


def test_a_period_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "reports.yaml"
    path.write_text(H12 % ("200", "2025-03-08"), encoding="utf-8")
    result = CliRunner().invoke(main, ["reconcile", str(path), "--period", "2025-03-08/2025-03-06"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        'Error: --period: "2025-03-08/2025-03-06" ends (2025-03-06) before it starts (2025-03-08)'
        " (write the earlier date first: START/END)\n"
    )
