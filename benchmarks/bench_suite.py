"""Benchmark the test suite: its wall time, and the CPU time of its parts, in one run.

``make test`` runs pytest over ``tests/`` and the notebooks (nbval) in two
pytest-xdist workers. Wall time alone cannot say what limits it; the CPU time
can, because two cores give at most two CPU-seconds per second. This script
runs, one after the other on the same machine:

* the whole suite, as ``make test`` runs it (``pytest``);
* its parts alone: the browser test (one JupyterLab server, one Chromium, two
  notebooks run), the report site's browser tests (the site built from the
  committed notebooks and charts, axe-core on one page of each template at
  each width, the keyboard, screenshots), nbval over the committed notebooks
  (the one execution of each), everything else, and ``make test-fast`` as the
  Makefile runs it (one worker a core);

and reports for each the wall time and the CPU time (user + system) of pytest
and every process it started and waited for: workers, kernels, the Jupyter
server, Chromium. The parts are run with ``-n 0`` (one process), so that the
CPU figures carry no pytest-xdist start-up; the whole suite is run as CI runs it,
and ``make test-fast`` as a developer runs it.

The CPU time of pytest and its children is a lower bound: a process nobody
waits for is not counted, and some of Chromium's helper processes are such
(reparented to init, they are reaped by it). So each run also records the CPU
time the whole machine spent while it ran (``machine_cpu_s``: the busy time in
``/proc/stat``, every process's), which counts them and, with nothing else
running, nothing more. Linux process accounting
(``accton``, Debian's ``acct``) counted about 20 s more for the browser test
on 2026-11-23 (85 s in all: Chromium 31 s, 12 kernels 40 s, the Jupyter
server 6 s, Playwright's driver 3.5 s, pytest 4 s).

The machine's speed moves from run to run (on 2026-12-08 two runs of the same
code an hour apart took 137.3 and 159.5 s), so each record also holds the CPU
time of a fixed piece of pure-Python work timed just before the whole suite
and just after its last part (``reference_loop_s``): seconds of two records
compare only where those agree.

Usage: ``python benchmarks/bench_suite.py``. Writes ``benchmarks/suite.json``, from which
``benchmarks/speed_table.py``, called at the end, writes the table of docs/speed.md. Takes about twice the suite's time.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import speed_table

ROOT = Path(__file__).resolve().parents[1]
#: The parts of the suite, each as the pytest arguments that select it.
PARTS = {
    "browser test (two notebooks in JupyterLab)": ["-n", "0", "-m", "browser", "tests/integration/test_jupyterlab.py"],
    "the report site in Chromium (axe-core, keyboard, screenshots)": ["-n", "0", "-m", "browser", "tests/report"],
    "nbval (every committed notebook run and compared)": ["-n", "0", "notebooks"],
    "everything else": ["-n", "0", "-m", "not browser", "tests"],
}
#: `make test-fast`, run as the Makefile says (its options are declared there alone).
FAST_COMMAND = ["make", "-s", "test-fast"]
#: What the suite may take on the project's 2-core machine, after setup (issue 29); ``fast_wall_s``: `make test-fast`.
TARGETS = {"wall_s": 90, "cpu_s": 180, "fast_wall_s": 25}
#: The part whose wall time is held to ``fast_wall_s``.
FAST = "`make test-fast` (no kernel, no browser, nothing slow)"


def reference_loop() -> float:
    """CPU-seconds this process takes to add up the first 30 million whole numbers: the machine's speed right now."""
    started, total = time.process_time(), 0
    for number in range(30_000_000):
        total += number
    return round(time.process_time() - started, 2)


def machine_busy() -> float:
    """CPU-seconds every core of the machine has spent on anything but waiting since boot (``/proc/stat``)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait; the rest (user, nice, system, irq, softirq, steal) is busy
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(args: list[str], command: list[str] | None = None) -> dict:
    """Run pytest with ``args``, or ``command``, from the project root: its wall time, CPU time and tests passed.

    ``cpu_s`` is pytest's and its waited-for children's; ``machine_cpu_s`` the whole machine's meanwhile.
    """
    before, machine = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy()
    started = time.perf_counter()
    done = subprocess.run(command or [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after, machine = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy() - machine
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    if done.returncode != 0:  # what failed, as pytest's summary of it (-ra) names it, then the one-line count
        failures = [line for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
        sys.exit("\n".join([*failures, f"{' '.join(command or ['pytest', *args])} failed (exit {done.returncode}): "
                                        f"{summary}"]))
    passed = re.search(r"(\d+) passed", summary)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"args": command or args, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "machine_cpu_s": round(machine, 1), "passed": int(passed.group(1)) if passed else None}


def main() -> None:
    cores = os.cpu_count() or 1
    speed_before = reference_loop()
    whole = timed([])
    parts = {name: timed(args) for name, args in PARTS.items()}
    parts[FAST] = timed([], FAST_COMMAND)
    results = {
        "reference_loop_s": [speed_before, reference_loop()],
        "date": date.today().isoformat(),
        "machine": {"python": platform.python_version(), "cores": cores, "platform": platform.platform()},
        "suite": whole,
        "parts": parts,
        "targets": TARGETS,
        # The least wall time the suite's CPU time allows on this machine, were every core busy all the time.
        "cpu_bound_s": round(whole["cpu_s"] / cores, 1),
    }
    out = Path(__file__).with_name("suite.json")
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"| part of the suite ({date.today()}, {cores} cores) | tests | wall | CPU (user + system) "
          "|\n|---|---|---|---|")
    print(f"| `make test`'s pytest, {cores} workers | {whole['passed']} | {whole['wall_s']:.1f} s | "
          f"{whole['cpu_s']:.1f} s |")
    for name, part in parts.items():
        how = "as `make` runs it" if name == FAST else "one process"
        print(f"| {name}, {how} | {part['passed']} | {part['wall_s']:.1f} s | {part['cpu_s']:.1f} s |")
    print(f"\na fixed loop of Python took {results['reference_loop_s'][0]} s before the suite and "
          f"{results['reference_loop_s'][1]} s after its parts")
    print(f"\nCPU time / {cores} cores = {results['cpu_bound_s']} s, the least wall time this work can take here "
          f"(target: {TARGETS['wall_s']} s)\nwritten to {out.relative_to(ROOT)}")
    speed_table.main([])  # the docs' tables follow the record at once, as test_speed_table holds them to it


if __name__ == "__main__":
    main()
