"""Regenerate the figures: run the notebooks through papermill, in-process, in parallel.

A run executes each notebook into ``output/runs/<run id>/`` with its charts
written to a staging folder there. Only when every notebook has succeeded, and
every notebook ran with its default parameters, are the staged charts moved
into ``figures/``: the published charts are the defaults' charts, and trying
another value never replaces them (``publish=True``, ``--publish``, overrides
this). A failing notebook leaves ``figures/`` as it was and its executed copy
in the run folder for inspection. A lock file serialises runs, so two runs
started at once cannot interleave.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..data import paths
from ..data.paths import FIGURES_DIR_ENV
from . import incremental
from . import manifest as record
from .errors import ParameterError, RunError
from .execute import CELL_TIMEOUT, Outcome, execute, load_engine, progress
from .kernel import remove_orphaned_sockets
from .lock import run_lock
from .notebooks import Notebook, discover, select
from .parameters import changed, check_domains, resolve_parameters
from .publish import PublishError, replace_charts
from .stopping import Stop, Stopped, stoppable

if TYPE_CHECKING:
    from ..data import Dataset

#: Most kernels started at once: each holds pandas and matplotlib in memory.
MAX_WORKERS = 4


def say_on_stderr(text: str) -> None:
    """Where a run or a sweep reports progress by default."""
    print(text, file=sys.stderr, flush=True)


def workers_for(workers: int | None, tasks: int) -> int:
    """Kernels to run at once: ``workers`` when given (at least 1), else the cores; at most :data:`MAX_WORKERS` and ``tasks``.

    Raises:
        ParameterError: For a count below 1.
    """
    if workers is not None and workers < 1:
        raise ParameterError(f"--workers {workers}: expected a whole number of at least 1 (parallel kernels)")
    return max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, tasks or 1))


def new_id() -> str:
    """A run's or a sweep's id: the UTC time to the microsecond (``20261201T101500123456Z``)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _execute_all(notebooks: list[Notebook], parameters: dict[str, dict], run_dir: Path, staged: Path, workers: int,
                 say: Callable[[str], None], stop: Stop, timeout: int | None) -> list[Outcome]:
    """Run the notebooks on ``workers`` threads, each driving one kernel; outcomes in the notebooks' order.

    Every kernel starts with $TIP_NORWAY_FIGURES_DIR pointing at ``staged``, so
    charts land in the run folder whatever the notebook's defaults say. A stop
    request keeps the notebooks not yet started from starting.
    """
    load_engine()
    remove_orphaned_sockets()
    environ = {FIGURES_DIR_ENV: str(staged)}
    outcomes: list[Outcome] = []
    with stop.deferred(), ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(execute, nb, parameters[nb.name], run_dir, environ, timeout, stop.requested) for nb in notebooks]
        for done, future in enumerate(as_completed(futures), start=1):
            outcome = future.result()
            outcomes.append(outcome)
            say(f"[{done}/{len(notebooks)}] {outcome.name} {progress(outcome, stop.requested.is_set())} ({outcome.seconds:.1f} s)")
    order = [nb.name for nb in notebooks]
    return sorted(outcomes, key=lambda o: order.index(o.name))


def _stopped(stop: Stop, outcomes: list[Outcome], figures: Path, run_dir: Path) -> Stopped:
    """What a stopped run says: which notebooks finished, which were interrupted, which never started."""
    finished = [o.name for o in outcomes if o.started and not o.error]
    interrupted = [o.name for o in outcomes if o.started and o.error]
    waiting = [o.name for o in outcomes if not o.started]
    parts = [f"{label}: {', '.join(names)}" for label, names in
             (("finished", finished), ("interrupted or failed", interrupted), ("not started", waiting)) if names]
    return stop.stopped(f"{figures} left as it was, nothing published; {'; '.join(parts) or 'nothing ran'}. "
                        f"The executed notebooks and the manifest are in {run_dir}")


def _differences(changes: dict[str, dict]) -> str:
    """``03_funding_per_victim: currency, exchange_rate; 04_victim_protection: years``."""
    return "; ".join(f"{name}: {', '.join(c)}" for name, c in changes.items() if c)


def _publish(staged: Path, figures: Path, notebooks: list[Notebook], manifest: dict, stop: Stop, run_dir: Path, output: Path,
             remember: Callable[[], None]) -> None:
    """Move the staged charts into ``figures`` and record them (``remember``) once they are in place.

    A stop request that comes while the charts are moved is kept until they are
    all in place and recorded: a half-published folder would be worse than a
    finished one. A failure leaves the last good charts (see :func:`.publish.replace_charts`)
    and is recorded in the manifest before it is raised.
    """
    with stop.deferred():  # a signal now is noted, not raised mid-move
        try:
            replace_charts(staged, figures, [nb.figure_prefix for nb in notebooks])
        except PublishError as error:
            if error.in_place:
                remember()
            manifest.update({"status": "published, not cleaned up" if error.in_place else "not published",
                             "published": error.in_place, "figures_replaced": error.in_place, "error": str(error)})
            record.write(manifest, run_dir, output)
            raise
        remember()
    manifest.update({"published": True, "figures_replaced": True, "charts": str(figures)})
    if stop.requested.is_set():
        record.write(manifest, run_dir, output)
        raise stop.stopped(f"the request came while the charts were being published: they were published in full in {figures} "
                           f"and recorded, so the run is complete")


def run(
    names: Iterable[str] = (),
    given: dict | None = None,
    *,
    publish: bool = False,
    force: bool = False,
    workers: int | None = None,
    notebooks_dir: Path = paths.NOTEBOOKS,
    output: Path = paths.OUTPUT,
    figures: Path = paths.FIGURES,
    wait: bool = True,
    lock_timeout: float = 1800,
    data: Dataset | None = None,
    say: Callable[[str], None] = say_on_stderr,
    cell_timeout: int | None = CELL_TIMEOUT,
) -> dict:
    """Run notebooks and, if all succeed with their defaults, replace their charts in ``figures``.

    Args:
        names: Notebook names or numbers; all notebooks when empty.
        given: Parameter values (see :func:`.parameters.resolve_parameters`).
        publish: Replace the charts in ``figures`` even when parameters differ
            from the defaults.
        force: Run every notebook even when its published charts are up to
            date (see :mod:`.incremental`).
        workers: Kernels run at once (default: the cores, at most :data:`MAX_WORKERS`).
        notebooks_dir: Where the notebooks are.
        output: Where the run folders, ``latest.json`` and the lock go.
        figures: The published charts.
        wait: Wait for a run holding the lock rather than refuse.
        lock_timeout: Seconds to wait for it.
        data: The curated data, for checking parameter values; loaded when not
            given, and only when a notebook is to run (a run that finds every
            chart up to date needs neither the data nor pandas).
        say: Where progress and the final message go (stderr by default).
        cell_timeout: Seconds one cell may run before its notebook is stopped and reported as failed.

    Returns:
        The run manifest (also written to the run folder and to ``output/latest.json``).

    Raises:
        ParameterError: Before anything runs, for unknown, ill-typed or out-of-domain parameters,
            or a worker count below 1.
        RunError: If the lock cannot be had, any notebook failed (after the
            others finished; ``figures`` is then untouched), or the charts
            could not be published (:class:`.publish.PublishError`).
        Stopped: On Ctrl-C or SIGTERM (see :mod:`.stopping`): nothing is published.
    """
    notebooks = select(discover(notebooks_dir), names)
    if not notebooks:
        raise RunError(f"no notebooks found in {notebooks_dir}")
    workers_for(workers, len(notebooks))  # a bad count is refused before anything else
    with stoppable(say) as stop:
        return _run(notebooks, given, stop, publish=publish, force=force, workers=workers, output=output, figures=figures,
                    wait=wait, lock_timeout=lock_timeout, data=data, say=say, cell_timeout=cell_timeout)


def _run(notebooks: list[Notebook], given: dict | None, stop: Stop, *, publish: bool, force: bool, workers: int | None,
         output: Path, figures: Path, wait: bool, lock_timeout: float, data: Dataset | None, say: Callable[[str], None],
         cell_timeout: int | None) -> dict:
    """:func:`run` once the notebooks are chosen and signals are handled."""
    parameters = resolve_parameters(notebooks, given or {})
    changes = {nb.name: changed(nb, parameters[nb.name]) for nb in notebooks}
    defaults_only = not any(changes.values())
    output, figures = Path(output), Path(figures)

    def check(selected: list[Notebook]) -> None:
        """Load and validate the data, UNODC's counts included (bad data stop the run here), and check the values, before any kernel starts."""
        from ..data import load

        check_domains(selected, parameters, load(glotip=True, world_bank=True) if data is None else data)

    if not defaults_only:
        check(notebooks)  # other values: checked before waiting for the lock

    with run_lock(output, wait, lock_timeout, say):
        before = incremental.read_record(output)
        shared = incremental.shared_inputs()
        current = {nb.name: incremental.inputs(nb, parameters[nb.name], shared) for nb in notebooks}
        reasons = {nb.name: "run with --force" if force else incremental.why_stale(nb.name, current[nb.name], before, figures)
                   for nb in notebooks} if defaults_only else {}
        reused = [nb for nb in notebooks if defaults_only and reasons[nb.name] is None]
        for nb in notebooks:
            if defaults_only:
                say(f"{nb.name}: up to date" if reasons[nb.name] is None else f"{nb.name}: to run ({reasons[nb.name]})")
        notebooks = [nb for nb in notebooks if nb not in reused]
        if defaults_only and notebooks:
            check(notebooks)  # the data changed, or a notebook: they must load and allow the defaults
        workers = workers_for(workers, len(notebooks))
        run_id = new_id()
        run_dir = output / "runs" / run_id
        staged = run_dir / "figures"
        run_dir.mkdir(parents=True)
        manifest = {
            "run_id": run_id,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "workers": workers,
            "versions": record.versions(),
            "inputs": record.inputs(notebooks, known=shared),
            "reused": {nb.name: "up to date: its inputs are as at its last publishing run" for nb in reused},
            "stale": {name: reason for name, reason in reasons.items() if reason is not None},
        }
        if not notebooks:
            manifest.update({"finished": manifest["started"], "seconds": 0.0, "status": "up to date", "published": False,
                             "figures_replaced": False, "charts": str(figures), "notebooks": []})
            record.write(manifest, run_dir, output)
            say(f"all {len(reused)} notebook(s) up to date; {figures} left as it was (--force runs them anyway)")
            return manifest
        record.write_incomplete(manifest, run_dir)  # replaced when the run ends: a run killed midway says so
        say(f"running {len(notebooks)} notebook(s) with {workers} worker(s) into {run_dir}")
        staged.mkdir()
        started = time.perf_counter()
        outcomes = _execute_all(notebooks, parameters, run_dir, staged, workers, say, stop, cell_timeout)
        by_name = {nb.name: nb for nb in notebooks}
        for outcome in outcomes:
            outcome.outputs = record.outputs(staged, by_name[outcome.name])
        failed = [o for o in outcomes if o.error]
        manifest.update({
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3),
            "status": "stopped" if stop.requested.is_set() else "failed" if failed else "succeeded",
            "published": False,
            "figures_replaced": False,
            "charts": str(staged),
            "notebooks": [record.notebook_entry(by_name[o.name], o, changes[o.name]) for o in outcomes],
        })
        if stop.requested.is_set():
            shutil.rmtree(staged, ignore_errors=True)
            manifest["charts"] = None
            record.write(manifest, run_dir, output)
            raise _stopped(stop, outcomes, figures, run_dir)
        if failed:
            record.write(manifest, run_dir, output)
            raise RunError("\n".join([f"{len(failed)} of {len(outcomes)} notebook(s) failed; {figures} left untouched:",
                                      *(f"  - {o.error}" for o in failed)]))
        if defaults_only or publish:
            _publish(staged, figures, notebooks, manifest, stop, run_dir, output,
                     lambda: incremental.write_record(output, before, {o.name: {"inputs": current[o.name], "outputs": o.outputs}
                                                                       for o in outcomes}))
        record.write(manifest, run_dir, output)
        done = f"all {len(outcomes)} notebook(s) succeeded in {manifest['seconds']:.1f} s"
        if defaults_only:
            kept = f" ({len(reused)} more up to date, left as they were)" if reused else ""
            say(f"{done}; charts replaced in {figures}{kept}")
        elif manifest["published"]:
            say(f"{done}; charts replaced in {figures}, published with parameters other than the defaults ({_differences(changes)})")
        else:
            say(f"{done} with parameters other than the defaults ({_differences(changes)}); {figures} left as it was. "
                f"The charts are in {staged} (run again with --publish to replace them in {figures})")
        return manifest
