"""The speed table in docs/speed.md quotes the benchmarks' own records, not numbers typed in from memory.

Its figures come from benchmarks/results.json and suite.json: after ``make bench``, a figure that moved must be
updated there too.
"""

from __future__ import annotations

import json

import pytest

from analysis import config

SPEED = (config.ROOT / "docs" / "speed.md").read_text(encoding="utf-8")
RESULTS = json.loads((config.ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
SUITE = json.loads((config.ROOT / "benchmarks" / "suite.json").read_text(encoding="utf-8"))
PARTS = SUITE["parts"]


def _row(start: str) -> str:
    (row,) = [line for line in SPEED.splitlines() if line.startswith(f"| {start}")]
    return row


@pytest.mark.parametrize(("row", "shown"), [
    ("sequential loop of the `papermill` command line, 12 notebooks", f"{RESULTS['cli_loop_s']:.1f} s"),
    ("`tip-norway run`, 12 notebooks", f"{RESULTS['regeneration_s']:.1f} s"),
    ("regeneration / command-line loop", f"{RESULTS['ratio_to_cli_loop']:.2f}"),
    ("`tip-norway run --fresh-kernels`", f"{RESULTS['regeneration_fresh_kernels_s']:.1f} s"),
    ("a kernel ready to execute", f"{RESULTS['forked_ready_s']:.3f} s"),
    ("the same, a kernel started anew that then imports them", f"{RESULTS['floor_s']:.2f} s"),
    ("`papermill` command line, the 20 runs of 03", f"{RESULTS['sweep_cli_loop_s']:.1f} s"),
    ("`tip-norway sweep` of the same 20 runs", f"{RESULTS['sweep_s']:.1f} s"),
    ("sweep / command-line loop", f"{RESULTS['sweep_ratio_to_cli_loop']:.3f}"),
    ("peak unique memory of a forked kernel", f"{RESULTS['kernel_unique_mb']:.0f} MB"),
    ("the same, a kernel started anew |", f"{RESULTS['cold_kernel_unique_mb']:.0f} MB"),
    ("peak resident memory of a kernel in a run", f"{RESULTS['kernel_peak_mb']:.0f} MB"),
    ("peak resident memory of a kernel in the sweep", f"{RESULTS['sweep_kernel_peak_mb']:.0f} MB"),
    ("`tip-norway run --force`", f"{RESULTS['run_command_forced_s']:.1f} s"),
    ("`tip-norway run` as a command, nothing changed", f"{RESULTS['noop_s']:.2f} s"),
    ("nothing changed / forced run", f"{RESULTS['noop_ratio_to_full']:.3f}"),
    ("`analysis.load()` after imports", f"{RESULTS['load_ms']:.1f} ms"),
    ("`analysis.load(fresh=True)`", f"{RESULTS['validate_ms']:.1f} ms"),
    ("`make test`'s pytest", f"{SUITE['suite']['wall_s']:.1f} s"),
    ("the same: CPU time", f"{SUITE['suite']['cpu_s']:.1f} s"),
    ("its parts alone, one process each: browser test",
     f"{PARTS['browser test (every notebook in JupyterLab)']['wall_s']:.1f} s wall, "
     f"{PARTS['browser test (every notebook in JupyterLab)']['cpu_s']:.1f} s CPU"),
    ("the report site in Chromium",
     f"{PARTS['the report site in Chromium (16 pages, axe-core)']['wall_s']:.1f} s wall, "
     f"{PARTS['the report site in Chromium (16 pages, axe-core)']['cpu_s']:.1f} s CPU"),
    ("nbval", f"{PARTS['nbval (every committed notebook run and compared)']['wall_s']:.1f} s wall, "
              f"{PARTS['nbval (every committed notebook run and compared)']['cpu_s']:.1f} s CPU"),
    ("everything else",
     f"{PARTS['everything else']['wall_s']:.1f} s wall, {PARTS['everything else']['cpu_s']:.1f} s CPU"),
])
def test_the_speed_table_shows_what_the_benchmarks_recorded(row, shown):
    value = _row(row).split(" | ")[1]
    assert value.startswith(shown), f"docs/speed.md row {row!r} shows {value!r}; the benchmark recorded {shown}"


def test_the_suite_was_measured_with_every_test():
    parts = sum(part["passed"] for part in PARTS.values())
    assert SUITE["suite"]["passed"] == parts, "the parts together are the whole suite"
    assert f"({SUITE['suite']['passed']} tests)" in _row("`make test`'s pytest")
