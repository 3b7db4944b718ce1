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
companion for recording values, was tried: it still works with nbformat 5.11 and
papermill 2.7 for JSON values, but it has had no release since 2020, it
needs pyarrow for a table, and it records through an extra output in every
notebook, which nbval would compare and a reader in JupyterLab would see.

Runs reuse warm kernels (see :mod:`.kernel`) unless ``fresh_kernels``.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from ..data import paths
from . import manifest as record
from .errors import ParameterError, RunError
from .execute import CELL_TIMEOUT, Outcome, progress
from .kernel import Kernel, remove_orphaned_sockets
from .notebooks import Notebook, discover, select
from .parameters import check_domains, read_yaml, resolve_parameters
from .run import new_id, say_on_stderr, workers_for
from .stopping import Stop, stoppable

if TYPE_CHECKING:
    from ..data import Dataset

#: The largest grid run without ``--max-runs``.
MAX_RUNS = 100


def _problems(combo: dict, refused: ParameterError) -> str:
    """``(year=1999): <the problems>``, without the listing of every parameter that follows them."""
    return f"({described(combo)}): {str(refused).split(chr(10) * 2)[0]}"


def load_grid_file(path: Path) -> dict[str, list]:
    """A grid from YAML: ``NAME: [V1, V2, ...]`` for each swept parameter (a single value may stand alone)."""
    content = read_yaml(path, "sweep file")
    if not isinstance(content, dict) or not content:
        raise ParameterError(f"sweep file {path}: expected a mapping of parameter names to lists of values, "
                             f"such as 'exchange_rate: [7.5, 8.0]'")
    return {str(name): values if isinstance(values, list) else [values] for name, values in content.items()}


def described(parameters: dict) -> str:
    """``exchange_rate=8.0, denominator=initial_contacts``."""
    return ", ".join(f"{name}={json.dumps(value) if not isinstance(value, str) else value}" for name, value in parameters.items())


def combinations(nb: Notebook, grid: dict[str, list], max_runs: int) -> list[dict]:
    """Every combination of the grid's values, the first parameter varying slowest, as it will be injected
    (a whole number given for a float parameter becomes a float); checked before anything runs.

    Raises:
        ParameterError: For an empty or oversized grid, an unknown name, a value
            given twice, or any combination whose names, types or domain are
            wrong, listing every problem with the values that cause it.
    """
    if not grid:
        raise ParameterError(f"{nb.name}: nothing to sweep: give -p NAME VALUE [VALUE ...] or a sweep file")
    problems = []
    for name, values in grid.items():
        if name not in nb.parameters:
            problems.append(f"unknown parameter {name!r}: {nb.name} declares {', '.join(nb.parameters)}")
        elif not values:
            problems.append(f"{name}: no values given")
        repeated = [v for i, v in enumerate(values) if v in values[:i]]
        if repeated:
            problems.append(f"{name}: {', '.join(map(repr, repeated))} given twice")
    if problems:
        raise ParameterError("\n".join(problems))
    count = 1
    for values in grid.values():
        count *= len(values)
    if count > max_runs:
        sizes = " x ".join(f"{len(v)} {name}" for name, v in grid.items())
        raise ParameterError(f"{nb.name}: the grid has {count} runs ({sizes}), more than the limit of {max_runs}; "
                             f"sweep fewer values, or raise the limit with --max-runs {count}")
    resolved = []
    for values in itertools.product(*grid.values()):
        combo = dict(zip(grid, values, strict=True))
        try:
            resolved.append(resolve_parameters([nb], combo)[nb.name])
        except ParameterError as exc:
            problems.append(_problems(combo, exc))
    if problems:
        raise ParameterError("\n".join(dict.fromkeys(problems)) + f"\n\n{nb.describe()}")
    return resolved


def _check_domains(nb: Notebook, combos: list[dict], data: Dataset) -> None:
    """Refuse, listing each, the combinations whose values the data do not allow."""
    problems = []
    for combo in combos:
        try:
            check_domains([nb], {nb.name: combo}, data)
        except ParameterError as exc:
            problems.append(_problems(combo, exc))
    if problems:
        raise ParameterError("\n".join(problems) + f"\n\n{nb.describe()}")


def _execute(nb: Notebook, combos: list[dict], sweep_dir: Path, workers: int, fresh_kernels: bool,
             say: Callable[[str], None], stop: Stop, timeout: int | None) -> tuple[list[Outcome], int]:
    """Run every combination on ``workers`` kernels; the outcomes in the grid's order, and how many kernels started.

    A stop request keeps the combinations not yet started from starting; they get an outcome that says so.
    """
    remove_orphaned_sockets()  # of runs killed before they could remove them
    queue: SimpleQueue = SimpleQueue()
    for k, combo in enumerate(combos, start=1):
        queue.put((k, combo))
    outcomes: dict[int, Outcome] = {}
    starts = []
    done = iter(range(1, len(combos) + 1))

    def executed(k: int) -> Path:
        return sweep_dir / "runs" / f"{k:03d}" / f"{nb.name}.ipynb"

    def one(kernel: Kernel, k: int, combo: dict) -> None:
        outcome = kernel.run(nb, combo, executed(k), executed(k).parent / "figures", timeout=timeout, stop=stop.requested)
        outcomes[k] = outcome
        say(f"[{next(done)}/{len(combos)}] run {k} ({described(combo) or 'defaults'}) "
            f"{progress(outcome, stop.requested.is_set())} ({outcome.seconds:.1f} s)")

    def worker() -> None:
        kernel = None
        try:
            while not stop.requested.is_set():
                try:
                    k, combo = queue.get_nowait()
                except Empty:
                    return
                if kernel is None or fresh_kernels:
                    if kernel is not None:
                        starts.append(kernel.starts)
                        kernel.stop()
                    kernel = Kernel(warm=True)
                    try:
                        kernel.start()
                    except Exception as exc:  # noqa: BLE001 - reported as this combination's failure; the next one tries again
                        outcomes[k] = Outcome(nb.name, combo, executed(k), error=f"{nb.name}: the kernel did not start: {type(exc).__name__}: {exc}")
                        continue
                one(kernel, k, combo)
        finally:
            if kernel is not None:
                starts.append(kernel.starts)
                kernel.stop()

    with stop.deferred(), ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(worker) for _ in range(workers)]:
            future.result()
    for k, combo in enumerate(combos, start=1):
        outcomes.setdefault(k, Outcome(nb.name, combo, executed(k), error=f"{nb.name}: not started (the sweep was stopped)", started=False))
    return [outcomes[k] for k in sorted(outcomes)], sum(starts)


def _status(outcome: Outcome, stopping: bool = False) -> str:
    """A run's status in the results and the manifest: ok, failed, interrupted (failed once a stop was requested), not started."""
    return progress(outcome, stopping).lower()


def _cell(value):
    """A parameter or fact as one cell of a tidy table: lists as JSON text."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def _flatten(facts: dict, prefix: str = "facts.") -> dict:
    """``{"pooled": {"NOR": [27.1, 30.6]}}`` -> ``{"facts.pooled.NOR": "[27.1, 30.6]"}``."""
    flat = {}
    for key, value in facts.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = _cell(value)
    return flat


def collect(nb: Notebook, combos: list[dict], outcomes: list[Outcome], sweep_dir: Path, stopping: bool = False):
    """The tidy tables of a sweep: one row per run (``results``) and every run's table stacked (``tables``)."""
    import pandas as pd

    rows, tables, headline, labels = [], [], None, set()
    for k, (combo, outcome) in enumerate(zip(combos, outcomes, strict=True), start=1):
        figures = sweep_dir / "runs" / f"{k:03d}" / "figures"
        row = {"run": k, **{name: _cell(value) for name, value in combo.items()},
               "status": _status(outcome, stopping), "seconds": round(outcome.seconds, 3)}
        facts_file = figures / f"{nb.name}.json"
        if not outcome.error and facts_file.is_file():
            stated = json.loads(facts_file.read_text(encoding="utf-8"))
            if stated["headline"] is not None:
                headline = headline or stated["headline"]
                labels.add(stated["headline"]["label"])
                value = stated["headline"]["value"]
                if isinstance(value, list):
                    row.update({"headline_low": value[0], "headline_high": value[1]})
                else:
                    row["headline"] = value
            row.update(_flatten(stated["facts"]))
            table = pd.read_csv(figures / f"{nb.name}.csv")
            for name, value in combo.items():  # a table may name a parameter too (03's "denominator")
                if name in table.columns:
                    same = table[name].astype(str).eq(str(_cell(value))).all()
                    table = table.drop(columns=name) if same else table.rename(columns={name: f"{name}_in_table"})
            tables.append(table.assign(**{"run": k, **{name: _cell(value) for name, value in combo.items()}}))
        row["error"] = outcome.error or ""
        rows.append(row)
    results = pd.DataFrame(rows)
    front = ["run", *combos[0]]
    stacked = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=front)
    stacked = stacked[front + [c for c in stacked.columns if c not in front]]
    if headline is not None and len(labels) > 1:  # "funding per victim, in {currency}" with currency swept
        headline = {**headline, "label": re.sub(r"\{(\w+)\}", lambda m: f"the run's {m.group(1).replace('_', ' ')}", headline["label_template"])}
    return results, stacked, headline


def sweep(
    notebook: str,
    grid: dict[str, list],
    *,
    workers: int | None = None,
    max_runs: int = MAX_RUNS,
    fresh_kernels: bool = False,
    notebooks_dir: Path = paths.NOTEBOOKS,
    output: Path = paths.OUTPUT,
    data: Dataset | None = None,
    say: Callable[[str], None] = say_on_stderr,
    cell_timeout: int | None = CELL_TIMEOUT,
) -> dict:
    """Run ``notebook`` over every combination of ``grid`` and collect what each run computed.

    Args:
        notebook: A notebook's name or number.
        grid: Parameter names to the values to try.
        workers: Kernels at once (default: the cores, at most :data:`MAX_WORKERS`).
        max_runs: The largest grid accepted.
        fresh_kernels: Start a new kernel for every run instead of reusing warm ones.
        notebooks_dir: Where the notebooks are.
        output: The sweep goes to ``output/sweeps/<sweep id>/``.
        data: The curated data, for checking the values; loaded when not given.
        say: Where progress goes (stderr by default).
        cell_timeout: Seconds one cell may run before its combination is stopped and reported as failed.

    Returns:
        The sweep's manifest (also written to its folder; written with status
        "incomplete" when the sweep starts, so a sweep killed midway says so).

    Raises:
        ParameterError: Before anything runs, for a bad grid (see :func:`combinations`).
        RunError: After every run has finished, if any failed; the others'
            results are written all the same.
        Stopped: On Ctrl-C or SIGTERM (see :mod:`.stopping`), after writing what finished.
    """
    chosen = select(discover(notebooks_dir), [notebook])
    if len(chosen) != 1:
        raise ParameterError(f"sweep takes one notebook; {notebook!r} matches {len(chosen)}")
    nb = chosen[0]
    combos = combinations(nb, grid, max_runs)
    if data is None:
        from ..data import load

        data = load(glotip=True, world_bank=True)
    _check_domains(nb, combos, data)
    workers = workers_for(workers, len(combos))
    with stoppable(say) as stop:
        return _sweep(nb, grid, combos, workers, fresh_kernels, Path(output), say, stop, cell_timeout)


def _sweep(nb: Notebook, grid: dict[str, list], combos: list[dict], workers: int, fresh_kernels: bool, output: Path,
           say: Callable[[str], None], stop: Stop, cell_timeout: int | None) -> dict:
    """:func:`sweep` once the grid is checked and signals are handled."""
    sweep_id = new_id()
    sweep_dir = output / "sweeps" / sweep_id
    sweep_dir.mkdir(parents=True)
    kernels = "a fresh kernel per run" if fresh_kernels else f"{workers} reused kernel(s), reset before every run"
    started_at, started = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
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
    outcomes, starts = _execute(nb, combos, sweep_dir, workers, fresh_kernels, say, stop, cell_timeout)
    results, tables, headline = collect(nb, combos, outcomes, sweep_dir, stop.requested.is_set())
    results.to_csv(sweep_dir / "results.csv", index=False, lineterminator="\n")
    tables.to_csv(sweep_dir / "tables.csv", index=False, lineterminator="\n")
    charts = []
    swept = [name for name, values in grid.items() if len(values) > 1] or list(grid)
    if headline is not None and (results.status == "ok").any():
        from ..charts.sweep import save_sweep_chart

        charts = save_sweep_chart(results, swept, headline["label"], nb.name, sweep_dir)
    failed = [o for o in outcomes if o.error and o.started]
    waiting = [o for o in outcomes if not o.started]
    manifest.update({
        "status": "stopped" if stop.requested.is_set() else "failed" if failed else "complete",
        "succeeded": len(combos) - len(failed) - len(waiting),
        "failed": len(failed),
        "not_started": len(waiting),
        "kernels_started": starts,
        "seconds": round(time.perf_counter() - started, 3),
        "headline": headline and {"fact": headline["fact"], "label": headline["label"]},
        "files": ["results.csv", "tables.csv", *(p.name for p in charts)],
        "run_list": [{"run": k, "parameters": combo, "status": _status(o, stop.requested.is_set()), "seconds": round(o.seconds, 3),
                      "executed": paths.display(o.executed), "error": o.error}
                     for k, (combo, o) in enumerate(zip(combos, outcomes, strict=True), start=1)],
    })
    (sweep_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    where = f"{paths.display(sweep_dir / 'results.csv')}" + (f" and {paths.display(charts[0])}" if charts else "")
    if headline is None:
        where += f" (no chart: {nb.name}'s analysis has no single headline number)"
    if stop.requested.is_set():
        raise stop.stopped(f"{len(combos) - len(failed) - len(waiting)} run(s) finished, {len(failed)} interrupted or failed, "
                           f"{len(waiting)} not started; what finished is in {where} (its manifest says 'stopped')")
    if failed:
        raise RunError("\n".join([f"{len(failed)} of {len(combos)} run(s) of the sweep failed; the other results are in {where}:",
                                  *(f"  - run {combos.index(o.parameters) + 1} ({described(o.parameters)}): {o.error}" for o in failed)]))
    say(f"all {len(combos)} run(s) succeeded in {manifest['seconds']:.1f} s; results in {where}")
    return manifest
