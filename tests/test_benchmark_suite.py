"""benchmarks/suite.py's pure parts: the SVG plot and RESULTS.md from fixed figures (no timing)."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
if str(BENCHMARKS) not in sys.path:  # benchmarks/ is no package; its scripts import each other
    sys.path.insert(0, str(BENCHMARKS))

import suite  # noqa: E402
from bench_load import Run  # noqa: E402

SIZES = [1_000, 10_000, 100_000, 1_000_000]
SVG = "{http://www.w3.org/2000/svg}"


def figures(*, without: str = "") -> dict[str, dict[int, Run]]:
    base = {
        suite.FLOOR: 0.9e-6,
        suite.FLOOR_FLAT: 0.8e-6,
        suite.LOAD: 2.2e-6,
        suite.RECONCILE: 5e-6,
        suite.TREES: 30e-6,
        suite.FLOOR_TOTALS: 0.9e-6,
        suite.TOTALS: 40e-6,
        suite.DIFF: 47e-6,
    }
    return {
        key: {n: Run(per_row * n * (1 + i / 10), 20_000 + n // 2, n) for n in SIZES}
        for i, (key, per_row) in enumerate(base.items())
        if key != without
    }


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own output)


def test_svg_is_valid_deterministic_and_has_a_line_per_measure_in_each_panel() -> None:
    svg = suite.svg_plot(figures(), "caption")
    assert svg == suite.svg_plot(figures(), "caption")
    root = parse(svg)
    assert root.tag == SVG + "svg"
    series = [g.get("data-series") for g in root.iter(SVG + "g") if g.get("class") == "series"]
    assert series == list(suite.SERIES) * 2
    texts = {t.text for t in root.iter(SVG + "text")}
    assert {"1k", "10k", "100k", "1M", "Time (s)", "Peak memory (MiB)", "diff"} <= texts


def test_svg_leaves_out_a_measure_that_failed() -> None:
    root = parse(suite.svg_plot(figures(without=suite.DIFF)))
    series = [g.get("data-series") for g in root.iter(SVG + "g") if g.get("class") == "series"]
    assert suite.DIFF not in series
    assert len(series) == 2 * (len(suite.SERIES) - 1)


def test_results_markdown_has_a_table_and_a_summary_per_measure() -> None:
    text = suite.results_markdown(figures(), SIZES, [("Commit", "`abc1234`")], "results.svg")
    assert "- **Commit:** `abc1234`" in text
    assert "![Time and peak memory against rows, log-log](results.svg)" in text
    assert text.count("| 1,000,000 |") == 1 + len(suite.MEASURES)  # the floor's table and each
    summaries = [line for line in text.splitlines() if line.startswith("Time per report from")]
    assert len(summaries) == len(suite.MEASURES)
    assert all("10,000 to 1,000,000 rows" in line for line in summaries)
    # time is proportional to rows in these figures: per-report time does not grow
    assert all("1.00x (within 1.5x)" in line for line in summaries)


def test_results_markdown_marks_what_was_not_measured() -> None:
    text = suite.results_markdown(
        figures(without=suite.LOAD), SIZES, [], None, ["load at 1,000 rows: it failed"]
    )
    assert "| 1,000 | 0.001 | n/a | n/a | n/a | n/a |" in text
    assert "## Not measured\n\n- load at 1,000 rows: it failed" in text
    assert "![" not in text


def test_results_markdown_compares_the_start_up_with_the_baseline() -> None:
    startups = [
        suite.Startup("baseline", "python -c 'import click'", 0.080, 0.082),
        suite.Startup("baseline and numpy", "python -c 'import click, numpy'", 0.1184, 0.121),
        suite.Startup("tally, CSV", "tally reconcile ex.yaml -f csv", 0.140, 0.150),
        suite.Startup("tally, table", "tally reconcile ex.yaml -f table", 0.1205, 0.130),
    ]
    text = suite.results_markdown(figures(), SIZES, [], None, startups=startups)
    section = text.split("## Start-up: the bundled example\n", 1)[1]
    assert "| baseline: `python -c 'import click'` | 80.0 | 82.0 | 1.00x |" in section
    assert "| tally, CSV: `tally reconcile ex.yaml -f csv` | 140.0 | 150.0 | 1.75x |" in section
    assert (
        "tally, CSV: 1.75x (above 1.5x); tally, table: 1.51x (above 1.5x); "
        "baseline and numpy: 1.48x (within 1.5x)." in section
    )


def test_results_markdown_leaves_out_a_start_up_not_measured() -> None:
    assert "Start-up" not in suite.results_markdown(figures(), SIZES, [], None)


def test_bench_part_reads_the_total_callgrind_prints() -> None:
    import bench_part

    report = "==12== Events    : Ir\n==12== Collected : 4797025770\n==12== I   refs: 4,797,025,770"
    assert bench_part._collected(report) == 4_797_025_770


def test_bench_part_says_so_when_callgrind_printed_no_total() -> None:
    import bench_part

    with pytest.raises(RuntimeError, match="no total"):
        bench_part._collected("valgrind: command not found")
