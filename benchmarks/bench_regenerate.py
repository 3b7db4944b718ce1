"""Benchmark the regeneration command against its alternatives, in one run.

Measures, on this machine:

* the floor: starting a kernel and importing pandas, matplotlib and seaborn in it;
* a sequential loop of the ``papermill`` command line over every notebook;
* a kernel ready to execute: forked from a template that has imported what the
  notebooks import, against one started anew that then imports pandas,
  matplotlib and seaborn (the floor above);
* a full regeneration with ``tip-norway run`` (in-process, parallel kernels
  forked from a template), with each notebook's duration and the peak memory of
  each kernel, resident and unique (pages not shared with the template); and
  the same with ``--fresh-kernels`` (every kernel started anew), for comparison;
* a 20-run sweep of notebook 03 (exchange rate x currency x denominator) with
  ``tip-norway sweep`` (a kernel forked per run), against the same 20 runs as a loop of
  the ``papermill`` command line;
* the ``tip-norway run`` command when nothing changed (every notebook up to
  date) against the same command forced to run everything (``--force``);
* loading all curated tables once the libraries are imported: as a notebook does,
  trusting the verdict kept in ``output/cache/`` (the files read, not checked again), and validating them again.

Usage: ``python benchmarks/bench_regenerate.py [--repeat N]``. Results are written to ``benchmarks/results.json``,
from which ``benchmarks/speed_table.py``, called at the end, writes the table of docs/speed.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import psutil
import speed_table
from jupyter_client.manager import KernelManager

from analysis import config
from analysis.regenerate.client import ReadyClient
from analysis.regenerate.forking import TEMPLATE_MARKER, Template
from analysis.regenerate.notebooks import discover
from analysis.regenerate.provisioner import kernel_spec_manager
from analysis.regenerate.run import run
from analysis.regenerate.sockets import kernel_config
from analysis.regenerate.sweep import sweep

TARGETS = {"ratio_to_cli_loop": 0.25, "sweep_ratio_to_cli_loop": 0.08, "noop_s": 1.0, "noop_ratio_to_full": 0.1,
           "notebook_over_floor_s": 1.5, "kernel_peak_mb": 300, "kernel_unique_mb": 60, "forked_ready_s": 0.2,
           "load_ms": 50}
#: The benchmark's sweep: 5 rates x 2 currencies x 2 denominators = 20 runs of notebook 03.
SWEEP = {"exchange_rate": [8.0, 9.0, 10.0, 11.0, 12.0], "currency": ["EUR", "USD"],
         "denominator": ["victims_identified_assisted", "initial_contacts"]}
SWEPT = "03_funding_per_victim"


def floor_seconds() -> float:
    """Kernel start plus importing the plotting stack, as a notebook's first cell would.

    The kernel talks over IPC sockets, as the runner's kernels do, so the floor is measured the same way.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tip-norway-kernel-") as sockets:
        km = KernelManager(kernel_name="python3", config=kernel_config(Path(sockets)))
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=120)
            kc.execute_interactive("import pandas, matplotlib, seaborn", timeout=120)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return time.perf_counter() - started


def forked_ready_seconds(template: Template) -> float:
    """A kernel forked from ``template`` until it has answered and imported pandas, matplotlib and seaborn.

    Its readiness is waited for as the runner waits for it
    (:meth:`analysis.regenerate.client.ReadyClient.wait_for_ready`).
    """
    from jupyter_core.utils import run_sync

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tip-norway-kernel-") as sockets:
        km = KernelManager(kernel_name="python3", config=kernel_config(Path(sockets)),
                           kernel_spec_manager=kernel_spec_manager(template.id, "python3"))
        km.start_kernel()
        client = ReadyClient(parent=km)
        client.load_connection_info(km.get_connection_info())
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(120)
            run_sync(client.execute_interactive)("import pandas, matplotlib, seaborn", timeout=120)
            seconds = time.perf_counter() - started
        finally:
            client.stop_channels()
            km.shutdown_kernel(now=True)
    return seconds


def cli_loop_seconds(notebooks: list[Path], scratch: Path, parameters: list[dict] | None = None) -> float:
    """One ``papermill`` process per notebook (or per set of parameters of one notebook), one after the other."""
    env = {**os.environ, "TIP_NORWAY_FIGURES_DIR": str(scratch / "cli-figures")}
    papermill = Path(sys.executable).with_name("papermill")
    jobs = [(nb, {}) for nb in notebooks] if parameters is None else [(notebooks[0], p) for p in parameters]
    started = time.perf_counter()
    for k, (nb, given) in enumerate(jobs):
        options = [part for name, value in given.items() for part in ("-p", name, str(value))]
        subprocess.run([str(papermill), str(nb), str(scratch / f"cli-{k}-{nb.name}"), "-k", "python3",
                        "--no-progress-bar", *options],
                       check=True, capture_output=True, cwd=nb.parent, env=env)
    return time.perf_counter() - started


def sweep_seconds(scratch: Path, name: str) -> tuple[float, dict, dict]:
    """The benchmark's sweep with ``tip-norway sweep``'s code, in-process, as the command runs it."""
    with KernelMemory() as memory:
        started = time.perf_counter()
        manifest = sweep(SWEPT, SWEEP, output=scratch / f"{name}-output", say=lambda _: None)
        seconds = time.perf_counter() - started
    return seconds, manifest, memory


def command_seconds(scratch: Path, *extra: str) -> float:
    """``tip-norway run`` as a scheduled job starts it: a new process, imports included."""
    command = [str(Path(sys.executable).with_name("tip-norway")), "run", "--output-dir", str(scratch / "cmd-output"),
               "--figures-dir", str(scratch / "cmd-figures"), *extra]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


class KernelMemory:
    """Samples the memory of every kernel this process starts; keeps each kernel's peak, resident and unique.

    A kernel is a process running ipykernel, or one forked from a template (which carries the template's
    command line); the template itself is not counted. Unique memory (USS) is what the kernel alone holds:
    for a forked kernel, the pages it has written since the fork, not those it still shares with the template.
    """

    def __init__(self, interval: float = 0.2):
        self.interval, self.peaks, self.unique, self._stop = interval, {}, {}, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _kernels(self):
        for child in psutil.Process().children(recursive=True):
            try:
                line = " ".join(child.cmdline())
                forked = TEMPLATE_MARKER in line and child.ppid() != os.getpid()
                if forked or ("ipykernel" in line and TEMPLATE_MARKER not in line):
                    yield child
            except psutil.Error:
                pass

    def _watch(self):
        while not self._stop.is_set():
            for kernel in self._kernels():
                try:
                    memory = kernel.memory_full_info()
                except psutil.Error:
                    continue
                self.peaks[kernel.pid] = max(self.peaks.get(kernel.pid, 0), memory.rss)
                self.unique[kernel.pid] = max(self.unique.get(kernel.pid, 0), memory.uss)
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def regenerate(scratch: Path, name: str, fresh_kernels: bool = False) -> tuple[float, dict, KernelMemory]:
    with KernelMemory() as memory:
        started = time.perf_counter()
        manifest = run(output=scratch / f"{name}-output", figures=scratch / f"{name}-figures", say=lambda _: None,
                       fresh_kernels=fresh_kernels)
        seconds = time.perf_counter() - started
    return seconds, manifest, memory


LOAD_SCRIPT = """
import statistics, time
import analysis
from analysis.data import loader
analysis.load()  # warm: first-use caches, and the verdict on the files kept
times = []
for _ in range({repeat}):
    if {fresh}:  # a fresh load in a process of its own, as `tip-norway check` makes it: nothing validated here yet
        loader._VALIDATED_HERE.clear()
    started = time.perf_counter()
    analysis.load(fresh={fresh})
    times.append((time.perf_counter() - started) * 1000)
print(statistics.median(times))
"""


def load_ms(repeat: int = 30, processes: int = 7, fresh: bool = False) -> tuple[float, float]:
    """Time of ``analysis.load()`` once the libraries are imported, as in a notebook kernel.

    With ``fresh``, of validating every table again (as ``tip-norway check`` does).

    Measured in fresh interpreters (not in this process, whose heap the runs
    fill): the median of ``repeat`` loads in each of ``processes`` processes.
    Single processes vary by half on this machine, so both the best process
    (the usual estimate of the cost itself, as ``timeit`` advises) and the
    median over processes are reported.

    Returns:
        (best, median) in milliseconds.
    """
    medians = []
    for _ in range(processes):
        done = subprocess.run([sys.executable, "-c", LOAD_SCRIPT.format(repeat=repeat, fresh=fresh)], check=True,
                              capture_output=True, text=True)
        medians.append(float(done.stdout.strip()))
    return min(medians), statistics.median(medians)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3,
                        help="repetitions of each timing; the median is kept (default: 3)")
    args = parser.parse_args()
    notebooks = [nb.path for nb in discover()]
    load_best, load_median = load_ms()  # first, while no kernel is starting or stopping
    validate_best, validate_median = load_ms(fresh=True)
    scratch = Path(tempfile.mkdtemp(prefix="tip-norway-bench-"))
    try:
        floors = [floor_seconds() for _ in range(args.repeat)]
        with Template() as template:
            forked_ready = [forked_ready_seconds(template) for _ in range(max(args.repeat, 5))]
        loops = [cli_loop_seconds(notebooks, scratch) for _ in range(args.repeat)]
        runs = [regenerate(scratch, f"run{i}") for i in range(args.repeat)]
        cold_runs = [regenerate(scratch, f"cold{i}", fresh_kernels=True) for i in range(args.repeat)]
        combos = [dict(zip(SWEEP, values, strict=True)) for values in itertools.product(*SWEEP.values())]
        sweep_loops = [cli_loop_seconds([config.NOTEBOOKS / f"{SWEPT}.ipynb"], scratch, combos)
                       for _ in range(args.repeat)]
        sweeps = [sweep_seconds(scratch, f"sweep{i}") for i in range(args.repeat)]
        # the first publishes; the no-op runs follow
        forced = [command_seconds(scratch, "--force") for _ in range(args.repeat)]
        noops = [command_seconds(scratch) for _ in range(args.repeat)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    floor = statistics.median(floors)
    loop = statistics.median(loops)
    full = statistics.median(r[0] for r in runs)
    per_notebook = {nb.stem: statistics.median(next(n["seconds"] for n in r[1]["notebooks"] if n["name"] == nb.stem)
                                               for r in runs)
                    for nb in notebooks}
    peak_mb = max(max(r[2].peaks.values(), default=0) for r in runs) / 2**20
    unique_mb = max(max(r[2].unique.values(), default=0) for r in runs) / 2**20
    cold_unique_mb = max(max(r[2].unique.values(), default=0) for r in cold_runs) / 2**20
    ready = statistics.median(forked_ready)
    cold_full = statistics.median(r[0] for r in cold_runs)
    sweep_loop, swept = statistics.median(sweep_loops), statistics.median(s[0] for s in sweeps)
    sweep_peak_mb = max(max(s[2].peaks.values(), default=0) for s in sweeps) / 2**20
    full_cmd, noop = statistics.median(forced), statistics.median(noops)
    results = {
        "date": date.today().isoformat(),
        "machine": {"python": platform.python_version(), "cores": os.cpu_count(), "platform": platform.platform()},
        "repeat": args.repeat,
        "workers": runs[0][1]["workers"],
        "floor_s": round(floor, 2),
        "forked_ready_s": round(ready, 3),
        "regeneration_fresh_kernels_s": round(cold_full, 2),
        "kernel_unique_mb": round(unique_mb, 1),
        "cold_kernel_unique_mb": round(cold_unique_mb, 1),
        "cli_loop_s": round(loop, 2),
        "regeneration_s": round(full, 2),
        "ratio_to_cli_loop": round(full / loop, 3),
        "notebook_s": {k: round(v, 2) for k, v in per_notebook.items()},
        "notebook_over_floor_s": {k: round(v - floor, 2) for k, v in per_notebook.items()},
        "kernel_peak_mb": round(peak_mb, 1),
        "sweep_runs": len(combos),
        "sweep_workers": sweeps[0][1]["workers"],
        "sweep_cli_loop_s": round(sweep_loop, 2),
        "sweep_s": round(swept, 2),
        "sweep_ratio_to_cli_loop": round(swept / sweep_loop, 3),
        "sweep_kernel_peak_mb": round(sweep_peak_mb, 1),
        "run_command_forced_s": round(full_cmd, 2),
        "noop_s": round(noop, 2),
        "noop_ratio_to_full": round(noop / full_cmd, 3),
        "load_ms": round(load_best, 1),
        "load_ms_median_of_processes": round(load_median, 1),
        "validate_ms": round(validate_best, 1),
        "validate_ms_median_of_processes": round(validate_median, 1),
        "targets": TARGETS,
    }
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {config.display(out)}")
    speed_table.main([])  # the docs' tables follow the record at once, as test_speed_table holds them to it


if __name__ == "__main__":
    main()
