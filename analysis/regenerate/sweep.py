"""Parameter sweeps: one notebook run over every combination of given values, the results in one table.

``tip-norway sweep 03 -p exchange_rate 7 8 9 -p denominator victims_identified_assisted initial_contacts``
runs notebook 03 six times, in parallel, into ``output/sweeps/<sweep id>/``:

- ``runs/<k>/``: each run's executed notebook and its chart, table (CSV) and facts (JSON);
- ``results.csv``: one row per run, a column per swept parameter, then the
  run's status, its headline fact and every fact its analysis states;
- ``tables.csv``: every run's table, stacked, with the run and its parameters in front;
- ``headline.png`` / ``.svg``: the headline fact against the swept parameters;
- ``manifest.json``: the grid, each run's parameters, outcome and time, the
  inputs and library versions.

A sweep never touches ``figures/``. Every combination is checked (names,
types, what the data allow) before any kernel starts, and a grid of more than
:data:`MAX_RUNS` runs is refused (``--max-runs`` raises the limit): each run
writes about half a megabyte and takes about a second per worker, so a typo
such as ``-p year 2000 ... 2024`` crossed with two more parameters should not
quietly become hours and gigabytes. A combination that fails is reported with
its parameters; the others' results are kept.

What a run computed is read from what it writes: :func:`analysis.charts.show`
writes the analysis's facts as JSON beside the chart's CSV. scrapbook, papermill's
companion for recording values, is not used: it is unmaintained, it needs
pyarrow for a table, and it records through an extra output in every notebook,
which nbval would compare and a reader in JupyterLab would see.

Every run gets a kernel of its own, forked from the sweep's template, which
has already imported what the notebooks import (see :mod:`.forking`), or
started anew with ``fresh_kernels``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..config import FIGURES_DIR_ENV
from ..data.records import write_json
from . import manifest as record
from .batch import Task, execute_all, new_folder, now, say_on_stderr, tally, workers_for
from .errors import ParameterError, RunError
from .execute import CELL_TIMEOUT, Outcome
from .forking import kernels_described, started_template, wait_until_ready
from .grid import check_combinations, combinations, described
from .notebooks import Notebook, discover, select
from .stopping import Stop, stoppable
from .sweep_results import collect, status

if TYPE_CHECKING:
    from ..data import Dataset

#: The largest grid run without ``--max-runs``.
MAX_RUNS = 100


def _execute(nb: Notebook, combos: list[dict], sweep_dir: Path, workers: int, fresh_kernels: bool,
             say: Callable[[str], None], stop: Stop, timeout: int | None) -> list[Outcome]:
    """Run every combination on ``workers`` threads, each in a kernel of its own; outcomes in order.

    Run ``k`` goes to ``runs/<k>/``, its charts to ``runs/<k>/figures``. A stop request keeps the combinations not
    yet started from starting; they get an outcome that says so.
    """
    tasks = []
    for k, combo in enumerate(combos, start=1):
        run_dir = sweep_dir / "runs" / f"{k:03d}"
        tasks.append(Task(f"run {k} ({described(combo) or 'defaults'})", nb, combo, run_dir,
                          {FIGURES_DIR_ENV: str(run_dir / "figures")}))
    with started_template(fresh_kernels) as template:
        wait_until_ready(template)
        return execute_all(tasks, workers, stop, say, timeout, template, "sweep")


def sweep(
    notebook: str,
    grid: dict[str, list],
    *,
    workers: int | None = None,
    max_runs: int = MAX_RUNS,
    fresh_kernels: bool = False,
    notebooks_dir: Path = config.NOTEBOOKS,
    output: Path = config.OUTPUT,
    data: Dataset | None = None,
    say: Callable[[str], None] = say_on_stderr,
    cell_timeout: int | None = CELL_TIMEOUT,
) -> dict:
    """Run ``notebook`` over every combination of ``grid`` and collect what each run computed.

    Args:
        notebook: A notebook's name or number.
        grid: Parameter names to the values to try.
        workers: Kernels at once (default: the cores, at most :data:`.batch.MAX_WORKERS`).
        max_runs: The largest grid accepted.
        fresh_kernels: Start every run's kernel anew instead of forking it from a template that has already
            imported what the notebooks import (see :mod:`.forking`); slower, the results the same.
        notebooks_dir: Where the notebooks are.
        output: The sweep goes to ``output/sweeps/<sweep id>/``.
        data: The curated data, for checking the values; loaded when not given.
        say: Where progress goes (stderr by default).
        cell_timeout: Seconds one cell may run before its combination is stopped and reported as failed.

    Returns:
        The sweep's manifest (also written to its folder; written with status
        "incomplete" when the sweep starts, so a sweep killed midway says so).

    Raises:
        ParameterError: Before anything runs, for a bad grid (see :func:`.grid.combinations`).
        RunError: After every run has finished, if any failed; the others'
            results are written all the same.
        Stopped: On Ctrl-C or SIGTERM (see :mod:`.stopping`), after writing what finished.
    """
    chosen = select(discover(notebooks_dir), [notebook])
    if len(chosen) != 1:
        raise ParameterError(f"sweep takes one notebook; {notebook!r} matches {len(chosen)}")
    nb = chosen[0]
    if nb.unreadable:
        raise RunError(f"{nb.name}: {nb.unreadable}")
    combos = combinations(nb, grid, max_runs)
    if data is None:
        from ..data import load

        data = load(glotip=True, world_bank=True)
    check_combinations(nb, combos, data)
    workers = workers_for(workers, len(combos))
    with stoppable(say) as stop, stop.deferred():
        # from its folder on, a signal is noted and the sweep ends itself: what finished is collected, the manifest
        # says "stopped", never "incomplete"
        return _sweep(nb, grid, combos, workers, fresh_kernels, Path(output), say, stop, cell_timeout)


def _sweep(nb: Notebook, grid: dict[str, list], combos: list[dict], workers: int, fresh_kernels: bool, output: Path,
           say: Callable[[str], None], stop: Stop, cell_timeout: int | None) -> dict:
    """:func:`sweep` once the grid is checked and signals are handled."""
    sweep_id, sweep_dir = new_folder(output / "sweeps")
    kernels = kernels_described(fresh_kernels)
    started_at, started = now(), time.perf_counter()
    manifest = {
        "sweep_id": sweep_id,
        "notebook": nb.name,
        "grid": grid,
        "runs": len(combos),
        "workers": workers,
        "kernels": kernels,
        "started": started_at,
        "versions": record.versions(),
        "inputs": record.inputs([nb]),
    }
    record.write_incomplete(manifest, sweep_dir)  # replaced at the end: a sweep killed midway says so in its folder
    say(f"sweeping {nb.name}: {len(combos)} run(s) on {kernels}, into {sweep_dir}")
    outcomes = _execute(nb, combos, sweep_dir, workers, fresh_kernels, say, stop, cell_timeout)
    stopped = stop.requested.is_set()  # a request that comes later finds every run ended
    headline, charts = _write_results(nb, grid, combos, outcomes, sweep_dir, stopped)
    finished, failed, waiting = tally(outcomes)
    manifest.update({
        "status": "stopped" if stop.requested.is_set() else "failed" if failed else "complete",
        "succeeded": len(finished),
        "failed": len(failed),
        "not_started": len(waiting),
        "seconds": round(time.perf_counter() - started, 3),
        "headline": headline and {"fact": headline["fact"], "label": headline["label"]},
        "files": ["results.csv", "tables.csv", *(p.name for p in charts)],
        "run_list": [{"run": k, "parameters": combo, "status": status(o, stopped),
                      "seconds": round(o.seconds, 3),
                      "executed": config.display(o.executed), "error": o.error}
                     for k, (combo, o) in enumerate(zip(combos, outcomes, strict=True), start=1)],
    })
    write_json(sweep_dir / "manifest.json", manifest)
    where = f"{config.shown(sweep_dir / 'results.csv')}" + (f" and {config.shown(charts[0])}" if charts else "")
    if headline is None:
        where += f" (no chart: {nb.name}'s analysis has no single headline number)"
    _end(combos, outcomes, manifest, where, stop, stopped, say)
    return manifest


def _write_results(nb: Notebook, grid: dict[str, list], combos: list[dict], outcomes: list[Outcome],
                   sweep_dir: Path, stopped: bool) -> tuple[dict | None, list[Path]]:
    """Write ``results.csv``, ``tables.csv`` and the headline chart; the headline fact and the chart's files."""
    results, tables, headline = collect(nb, combos, outcomes, sweep_dir, stopped)
    results.to_csv(sweep_dir / "results.csv", index=False, lineterminator="\n")
    tables.to_csv(sweep_dir / "tables.csv", index=False, lineterminator="\n")
    charts = []
    swept = [name for name, values in grid.items() if len(values) > 1] or list(grid)
    if headline is not None and (results.status == "ok").any():
        from ..charts.sweep import save_sweep_chart

        charts = save_sweep_chart(results, swept, headline["label"], nb.name, sweep_dir)
    return headline, charts


def _end(combos: list[dict], outcomes: list[Outcome], manifest: dict, where: str, stop: Stop, stopped: bool,
         say: Callable[[str], None]) -> None:
    """Say how the sweep ended, its results ``where``; raise when it was stopped or a run failed."""
    finished, failed, waiting = tally(outcomes)
    if stopped:
        raise stop.stopped(f"{len(finished)} run(s) finished, {len(failed)} interrupted or failed, "
                           f"{len(waiting)} not started; what finished is in {where} (its manifest says 'stopped')")
    if stop.requested.is_set():
        raise stop.stopped(f"the request came once every run had ended: {len(finished)} run(s) finished, "
                           f"{len(failed)} failed; the results are in {where} (its manifest says "
                           f"'{manifest['status']}')")
    if failed:
        raise RunError("\n".join([f"{len(failed)} of {len(combos)} run(s) of the sweep failed; the "
                                  f"other results are in {where}:",
                                  *(f"  - run {combos.index(o.parameters) + 1} ({described(o.parameters)}): {o.error}"
                                    for o in failed)]))
    say(f"all {len(combos)} run(s) succeeded in {manifest['seconds']:.1f} s; results in {where}")
