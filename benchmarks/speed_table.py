"""Write the tables of docs/speed.md and docs/report.md from what the benchmarks recorded, their one source.

``make bench`` runs the benchmarks, which write ``benchmarks/results.json`` (regeneration, sweeps, kernels, loading),
``benchmarks/suite.json`` (the test suite and its parts) and ``benchmarks/report.json`` (the report site's
build); each calls this script as soon as it has written its record (so that the docs never lag a record, even
while ``make bench`` goes on). It replaces what lies between the two markers of ``docs/speed.md`` with two tables
rendered from the first two records: the measures against their targets, and the suite's parts against
``benchmarks/suite_before.json``, an earlier record of the suite kept for comparison; and what lies between the
markers of ``docs/report.md`` with the table of the site's build.
Each figure is read from them, each target is the one the benchmark recorded beside it, and "missed" is decided here
by comparing the two, so nothing in the tables is typed by hand. The prose around them (what limits each figure) is
written by people.

Usage: ``python benchmarks/speed_table.py`` (``--check`` exits 1, naming the file, if a table in docs/speed.md or
docs/report.md is not the one the records give).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEED = ROOT / "docs" / "speed.md"
START = "<!-- speed table: written by `make bench` (benchmarks/speed_table.py) from its records; do not edit -->"
END = "<!-- end of the speed table -->"
REPORT = ROOT / "docs" / "report.md"
REPORT_START = ("<!-- report build table: written by `make bench` (benchmarks/speed_table.py) from "
                "benchmarks/report.json; do not edit -->")
REPORT_END = "<!-- end of the report build table -->"


@dataclass(frozen=True)
class Row:
    """One row: its label, how to read and show the value, and the target it is held to (None: no target)."""

    label: str
    value: Callable[[dict, dict], float | str]
    shown: str
    target: Callable[[dict, dict], float | None] = lambda results, suite: None
    unit: str = ""


def _found(suite: dict, name: str) -> dict | None:
    """The record of the part of the suite whose label starts with ``name``; None in a record made before it was."""
    return next((p for label, p in suite["parts"].items() if label.startswith(name)), None)


def _part(name: str) -> Callable[[dict, dict], str]:
    """A part of the suite alone, as "wall s wall, cpu s CPU", with the whole machine's CPU where it was measured."""
    def value(results: dict, suite: dict) -> str:
        part = _found(suite, name)
        if part is None:
            return "not measured"
        machine = f", {part['machine_cpu_s']:.1f} s machine CPU" if "machine_cpu_s" in part else ""
        return f"{part['wall_s']:.1f} s wall, {part['cpu_s']:.1f} s CPU{machine} ({part['passed']} tests)"
    return value


def _target(key: str) -> Callable[[dict, dict], float | None]:
    return lambda results, suite: results.get("targets", {}).get(key)


def _suite_target(key: str) -> Callable[[dict, dict], float | None]:
    return lambda results, suite: suite.get("targets", {}).get(key)


ROWS = [
    Row("sequential loop of the `papermill` command line, every notebook", lambda r, s: r["cli_loop_s"], "{:.1f}",
        unit=" s"),
    Row("`tip-norway run`, every notebook, kernels forked from the template", lambda r, s: r["regeneration_s"],
        "{:.1f}", unit=" s"),
    Row("regeneration / command-line loop", lambda r, s: r["ratio_to_cli_loop"], "{:.2f}",
        _target("ratio_to_cli_loop")),
    Row("`tip-norway run --fresh-kernels`, every kernel started anew", lambda r, s: r["regeneration_fresh_kernels_s"],
        "{:.1f}", unit=" s"),
    Row("a kernel ready to execute with pandas, matplotlib and seaborn imported, forked (median of 5)",
        lambda r, s: r["forked_ready_s"], "{:.3f}", _target("forked_ready_s"), " s"),
    Row("the same, a kernel started anew that then imports them (the floor)", lambda r, s: r["floor_s"], "{:.2f}",
        unit=" s"),
    Row("`papermill` command line, the runs of the sweep of 03", lambda r, s: r["sweep_cli_loop_s"], "{:.1f}",
        unit=" s"),
    Row("`tip-norway sweep` of the same runs, a kernel forked per run", lambda r, s: r["sweep_s"], "{:.1f}", unit=" s"),
    Row("sweep / command-line loop", lambda r, s: r["sweep_ratio_to_cli_loop"], "{:.3f}",
        _target("sweep_ratio_to_cli_loop")),
    Row("peak unique memory of a forked kernel (pages not shared with the template)",
        lambda r, s: r["kernel_unique_mb"], "{:.0f}", _target("kernel_unique_mb"), " MB"),
    Row("the same, a kernel started anew", lambda r, s: r["cold_kernel_unique_mb"], "{:.0f}", unit=" MB"),
    Row("peak resident memory of a kernel in a run", lambda r, s: r["kernel_peak_mb"], "{:.0f}",
        _target("kernel_peak_mb"), " MB"),
    Row("peak resident memory of a kernel in the sweep", lambda r, s: r["sweep_kernel_peak_mb"], "{:.0f}",
        _target("kernel_peak_mb"), " MB"),
    Row("`tip-norway run --force` as a command, every notebook", lambda r, s: r["run_command_forced_s"], "{:.1f}",
        unit=" s"),
    Row("`tip-norway run` as a command, nothing changed", lambda r, s: r["noop_s"], "{:.2f}", _target("noop_s"), " s"),
    Row("nothing changed / forced run", lambda r, s: r["noop_ratio_to_full"], "{:.3f}",
        _target("noop_ratio_to_full")),
    Row("`analysis.load()` after imports, best of 7 processes", lambda r, s: r["load_ms"], "{:.1f}",
        _target("load_ms"), " ms"),
    Row("`analysis.load(fresh=True)`, validating every table again, best of 7 processes",
        lambda r, s: r["validate_ms"], "{:.1f}", unit=" ms"),
    Row("the machine's speed meanwhile: CPU time of a fixed loop of Python, before the suite and after its parts",
        lambda r, s: " and ".join(f"{v:.2f} s" for v in s["reference_loop_s"]) if "reference_loop_s" in s else None,
        "{}"),
    Row("`make test`'s pytest, 2 workers: wall", lambda r, s: s["suite"]["wall_s"], "{:.1f}",
        _suite_target("wall_s"), " s"),
    Row("the same: CPU time, user + system", lambda r, s: s["suite"]["cpu_s"], "{:.1f}", _suite_target("cpu_s"),
        " s"),
    Row("the same: CPU time of the whole machine meanwhile (Chromium's orphaned helpers included)",
        lambda r, s: s["suite"].get("machine_cpu_s"), "{:.1f}", _suite_target("cpu_s"), " s"),
    Row("the same: tests", lambda r, s: s["suite"]["passed"], "{:d}"),
    Row("its parts alone, one process each: browser test (JupyterLab)", _part("browser test"), "{}"),
    Row("the report site in Chromium (axe-core)", _part("the report site"), "{}"),
    Row("nbval (every committed notebook run and compared)", _part("nbval"), "{}"),
    Row("everything else", _part("everything else"), "{}"),
    Row("`make test-fast` (one worker a core): wall", lambda r, s: (_found(s, "`make test-fast`") or {}).get("wall_s"),
        "{:.1f}", _suite_target("fast_wall_s"), " s"),
]


def _kind(label: str) -> str:
    """What a part is, whatever the details its label gives in brackets: "nbval", "everything else"."""
    return label.split(" (")[0]


def _cells(record: dict | None) -> str:
    return "not measured" if record is None else (
        f"{record['wall_s']:.1f} s wall, {record['cpu_s']:.1f} s CPU, {record['passed']} tests")


def _how(label: str) -> str:
    """How a part was run: `make test-fast` as the Makefile runs it, every other part in one process."""
    return "as `make` runs it" if _kind(label) == "`make test-fast`" else "one process"


def compared(before: dict, after: dict) -> str:
    """A table of the suite and each of its parts, as recorded in ``before`` and in ``after``."""
    lines = [f"| the test suite | {before['label']}, {before['date']} | {after['date']} |", "|---|---|---|",
             f"| `make test`'s pytest, 2 workers | {_cells(before['suite'])} | {_cells(after['suite'])} |"]
    earlier = {_kind(label): part for label, part in before["parts"].items()}
    for label, part in after["parts"].items():
        lines.append(f"| {label}, {_how(label)} | {_cells(earlier.get(_kind(label)))} | {_cells(part)} |")
    return "\n".join(lines)


def render(results: dict, suite: dict) -> str:
    """The table, Markdown, from the two records: value, then the target and whether it was met."""
    lines = [f"| measure (regeneration {results.get('date', 'undated')}, {results['repeat']} repetitions, "
             f"{len(results['notebook_s'])} notebooks; suite {suite['date']}) | value | target |", "|---|---|---|"]
    for row in ROWS:
        value = row.value(results, suite)
        target = row.target(results, suite)
        cell = "not measured" if value is None else row.shown.format(value) + row.unit
        if None not in (target, value) and value > target:
            cell += " (missed)"
        limit = " " if target is None else f" at most {target:g}{row.unit} "
        lines.append(f"| {row.label} | {cell} |{limit}|")
    return "\n".join(lines)


def report_table(report: dict) -> str:
    """The build of the report site as ``benchmarks/bench_report.py`` recorded it: the day, then a table."""
    return "\n".join([
        "Measured by `benchmarks/bench_report.py` (in `make bench`; `benchmarks/report.json`),",
        f"{report['date']}, on the project's 2-core machine (each full build the first of a process of its own, as",
        "`tip-norway report` is, imports left out):", "",
        "| measure | value |", "|---|---|",
        f"| full build of all {report['pages']} pages, with the downloads (median of 3) | "
        f"{report['full_build_seconds_median_of_3']:.1f} s |",
        f"| build with nothing changed | {report['unchanged_build_seconds']:.2f} s |",
        f"| the site | {report['site_mb']:.1f} MB in {report['files']} files: {report['charts_mb']:.1f} MB the chart "
        f"files, {report['data_downloads_mb']:.1f} MB the data downloads, {report['html_mb']:.1f} MB the pages |"])


def replaced(text: str, table: str, start: str = START, end: str = END, path: Path = SPEED) -> str:
    """``text`` (of ``path``) with the part between the markers ``start`` and ``end`` replaced by ``table``.

    Raises:
        ValueError: When ``text`` does not hold the two markers once each, in order.
    """
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"{path.relative_to(ROOT)} must hold the lines {start!r} and {end!r} once each, in order")
    before, rest = text.split(start)
    return f"{before}{start}\n{table}\n{end}{rest.split(end, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    """Write the tables into docs/speed.md and docs/report.md, or with ``--check`` say whether they are up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a table is not the one the records give")
    args = parser.parse_args(argv)
    records = {name: json.loads((ROOT / "benchmarks" / f"{name}.json").read_text(encoding="utf-8"))
               for name in ("results", "suite", "suite_before", "report")}
    tables = {SPEED: (render(records["results"], records["suite"]) + "\n\n"
                      + compared(records["suite_before"], records["suite"]), START, END),
              REPORT: (report_table(records["report"]), REPORT_START, REPORT_END)}
    stale = []
    for path, (table, start, end) in tables.items():
        text = path.read_text(encoding="utf-8")
        new = replaced(text, table, start, end, path)
        if new == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.write_text(new, encoding="utf-8")
            print(f"wrote the table of {path.relative_to(ROOT)}")
    if args.check and stale:
        print(f"{', '.join(map(str, stale))}: a table is not the one benchmarks/*.json give; run python "
              "benchmarks/speed_table.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
