"""The tables of docs/speed.md and docs/report.md are rendered from the benchmarks' records (benchmarks/speed_table.py).

Each benchmark calls it once it has written its record; it says "missed" where a figure passed its target.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from analysis import config

SPEC = importlib.util.spec_from_file_location("speed_table", config.ROOT / "benchmarks" / "speed_table.py")
speed_table = sys.modules["speed_table"] = importlib.util.module_from_spec(SPEC)  # dataclasses look it up
SPEC.loader.exec_module(speed_table)

RESULTS = json.loads((config.ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
SUITE = json.loads((config.ROOT / "benchmarks" / "suite.json").read_text(encoding="utf-8"))


def _rows(results, suite) -> dict[str, list[str]]:
    table = speed_table.render(results, suite).splitlines()[2:]
    return {cells[1].strip(): [c.strip() for c in cells[2:4]] for cells in (row.split("|") for row in table)}


def test_a_figure_over_its_target_is_missed_and_one_within_is_not():
    over = {**RESULTS, "noop_s": 1.25, "targets": {**RESULTS["targets"], "noop_s": 1.0}}
    within = {**RESULTS, "noop_s": 0.31, "targets": {**RESULTS["targets"], "noop_s": 1.0}}
    label = "`tip-norway run` as a command, nothing changed"
    assert _rows(over, SUITE)[label] == ["1.25 s (missed)", "at most 1 s"]
    assert _rows(within, SUITE)[label] == ["0.31 s", "at most 1 s"]


def test_the_suite_rows_read_the_suite_record_and_its_targets():
    nbval = {"wall_s": 31.44, "cpu_s": 26.1, "machine_cpu_s": 27.96, "passed": 85}
    suite = {**SUITE, "suite": {"args": [], "wall_s": 88.04, "cpu_s": 171.0, "machine_cpu_s": 190.3, "passed": 1234},
             "targets": {"wall_s": 90, "cpu_s": 180},
             "parts": {"nbval (every committed notebook run and compared)": nbval,
                       "everything else": {"wall_s": 200.0, "cpu_s": 190.0, "passed": 1000}}}
    rows = _rows(RESULTS, suite)
    assert rows["`make test`'s pytest, 2 workers: wall"] == ["88.0 s", "at most 90 s"]
    assert rows["the same: CPU time, user + system"] == ["171.0 s", "at most 180 s"]
    machine = "the same: CPU time of the whole machine meanwhile (Chromium's orphaned helpers included)"
    assert rows[machine] == ["190.3 s (missed)", "at most 180 s"]
    assert rows["the same: tests"] == ["1234", ""]
    assert rows["nbval (every committed notebook run and compared)"] == [
        "31.4 s wall, 26.1 s CPU, 28.0 s machine CPU (85 tests)", ""]
    assert rows["everything else"] == ["200.0 s wall, 190.0 s CPU (1000 tests)", ""]  # a record made before
    speed = "the machine's speed meanwhile: CPU time of a fixed loop of Python, before the suite and after its parts"
    assert _rows(RESULTS, {k: v for k, v in suite.items() if k != "reference_loop_s"})[speed] == [
        "not measured", ""]  # a record made before it was
    assert _rows(RESULTS, {**suite, "reference_loop_s": [2.1, 2.345]})[speed] == ["2.10 s and 2.35 s", ""]


def test_the_table_replaces_only_what_lies_between_its_markers():
    text = f"intro\n{speed_table.START}\nold | table\n{speed_table.END}\nprose after\n"
    assert speed_table.replaced(text, "NEW") == f"intro\n{speed_table.START}\nNEW\n{speed_table.END}\nprose after\n"
    with pytest.raises(ValueError, match="once each, in order"):
        speed_table.replaced("no markers here", "NEW")


def test_the_parts_before_and_after_are_matched_by_what_they_are_whatever_their_details():
    before = {"label": "before", "date": "2026-12-01", "suite": {"wall_s": 300.0, "cpu_s": 450.0, "passed": 1100},
              "parts": {"nbval (every notebook run once more)": {"wall_s": 41.8, "cpu_s": 41.0, "passed": 60}}}
    after = {"date": "2026-12-08", "suite": {"wall_s": 88.0, "cpu_s": 170.0, "passed": 1200},
             "parts": {"nbval (the one execution of each)": {"wall_s": 20.0, "cpu_s": 19.5, "passed": 72},
                       "`make test-fast` (no kernel)": {"wall_s": 12.0, "cpu_s": 11.9, "passed": 900}}}
    rows = [line.split(" | ") for line in speed_table.compared(before, after).splitlines()]
    assert rows[0] == ["| the test suite", "before, 2026-12-01", "2026-12-08 |"]
    assert rows[2] == ["| `make test`'s pytest, 2 workers", "300.0 s wall, 450.0 s CPU, 1100 tests",
                       "88.0 s wall, 170.0 s CPU, 1200 tests |"]
    assert rows[3] == ["| nbval (the one execution of each), one process", "41.8 s wall, 41.0 s CPU, 60 tests",
                       "20.0 s wall, 19.5 s CPU, 72 tests |"]
    assert rows[4] == ["| `make test-fast` (no kernel), as `make` runs it", "not measured",
                       "12.0 s wall, 11.9 s CPU, 900 tests |"]


def test_the_report_table_reads_every_figure_of_its_record():
    record = {"date": "2026-12-08", "machine": "x86_64", "full_build_seconds_median_of_3": 1.26,
              "unchanged_build_seconds": 0.104, "pages": 19, "files": 109, "site_mb": 13.86, "charts_mb": 7.64,
              "data_downloads_mb": 2.96, "html_mb": 2.53}
    lines = speed_table.report_table(record).splitlines()
    assert lines[1].startswith("2026-12-08, on the project's 2-core machine")
    assert lines[6:] == ["| full build of all 19 pages, with the downloads (median of 3) | 1.3 s |",
                         "| build with nothing changed | 0.10 s |",
                         "| the site | 13.9 MB in 109 files: 7.6 MB the chart files, 3.0 MB the data downloads, "
                         "2.5 MB the pages |"]


def test_the_committed_tables_are_the_ones_the_committed_records_give(capsys):
    """docs/speed.md and docs/report.md hold what ``make bench`` last recorded (its last step writes them)."""
    assert speed_table.main(["--check"]) == 0, capsys.readouterr().err
