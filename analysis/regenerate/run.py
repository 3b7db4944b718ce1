"""Regenerate the figures: run the notebooks through papermill, in-process, in parallel.

A run executes each notebook into ``output/runs/<run id>/`` with its charts
written to a staging folder there. Only when every notebook has succeeded, and
every notebook ran with its default parameters, are the staged charts moved
into ``figures/``: the published charts are the defaults' charts, and trying
another value never replaces them (``publish=True``, ``--publish``, overrides
this). A failing notebook leaves ``figures/`` as it was and its executed copy
in the run folder for inspection. A lock file serialises runs, so two runs
started at once cannot interleave.

Only the project's own notebooks publish into the project's ``figures/``: a
run of another folder's (``notebooks_dir``) keeps its charts in its run folder,
and ``publish`` is refused for it. A notebook file that cannot be read fails
the run by name while the others run. Once the run folder is made, a signal
is noted rather than raised, so that the run ends itself and says what it did
(see :func:`.ending.end_if_stopped`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..config import FIGURES_DIR_ENV
from . import incremental
from . import manifest as record
from .batch import Task, execute_all, new_folder, now, say_on_stderr, workers_for
from .ending import end_if_stopped, end_if_unfinished, report_finished, report_up_to_date
from .execute import CELL_TIMEOUT, Outcome, load_engine
from .forking import Template, kernels_described, started_template, wait_until_ready
from .lock import run_lock
from .manifest import NotebookEntry, RunRecord
from .notebooks import Notebook
from .publish import PublishError, recover, replace_charts
from .selection import Decision, Selection, check_values, decide, resolve
from .sockets import remove_orphaned_sockets
from .stopping import Stop, stoppable

if TYPE_CHECKING:
    from ..data import Dataset


def run(
    names: Iterable[str] = (),
    given: dict | None = None,
    *,
    publish: bool = False,
    force: bool = False,
    workers: int | None = None,
    notebooks_dir: Path = config.NOTEBOOKS,
    output: Path = config.OUTPUT,
    figures: Path = config.FIGURES,
    wait: bool = True,
    lock_timeout: float = 1800,
    data: Dataset | None = None,
    say: Callable[[str], None] = say_on_stderr,
    cell_timeout: int | None = CELL_TIMEOUT,
    fresh_kernels: bool = False,
) -> dict:
    """Run notebooks and, if all succeed with their defaults, replace their charts in ``figures``.

    Args:
        names: Notebook names or numbers; all notebooks when empty.
        given: Parameter values (see :func:`.parameters.resolve_parameters`).
        publish: Replace the charts in ``figures`` even when parameters differ
            from the defaults.
        force: Run every notebook even when its published charts are up to
            date (see :mod:`.incremental`).
        workers: Kernels run at once (default: the cores, at most :data:`.batch.MAX_WORKERS`).
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
        fresh_kernels: Start every kernel anew instead of forking it from a template that has
            already imported what the notebooks import (see :mod:`.forking`); slower, the results the same.

    Returns:
        The run manifest as written to the run folder and to ``output/latest.json`` (:class:`.manifest.RunRecord`).

    Raises:
        ParameterError: Before anything runs, for unknown, ill-typed or out-of-domain parameters,
            or a worker count below 1.
        RunError: If the lock cannot be had, any notebook failed (after the
            others finished; ``figures`` is then untouched), or the charts
            could not be published (:class:`.publish.PublishError`).
        Stopped: On Ctrl-C or SIGTERM (see :mod:`.stopping`): nothing is published.
    """
    output, figures = Path(output), Path(figures)
    chosen = resolve(names, given, notebooks_dir, workers, figures, publish)
    with stoppable(say) as stop:
        if not chosen.incremental:
            check_values(chosen, chosen.notebooks, data)  # other values: checked before waiting for the lock
        with run_lock(output, wait, lock_timeout, say):
            remove_orphaned_sockets()  # those of a killed run, even when nothing is to run now
            recover(figures, say)  # a publishing run cut between its two renames: the last good charts first
            decision = decide(chosen, force, figures, output, say)
            # the template kernels are forked from is launched now: it imports while the data are checked
            with started_template(fresh_kernels or not decision.to_run) as template:
                if chosen.incremental and decision.to_run:
                    check_values(chosen, decision.to_run, data)  # the data or a notebook changed: the defaults must fit
                workers = workers_for(workers, len(decision.to_run))
                # from the run folder on, a signal is noted and the run ends itself, saying what it did: a stop
                # leaves no half-made folder, and says what was published
                with stop.deferred():
                    run_dir, manifest = _start(decision, workers, output, chosen.unreadable)
                    stop.leftovers.append(run_dir / "figures")  # removed by a second signal, which ends at once
                    if not decision.to_run:
                        report_up_to_date(manifest, decision, run_dir, output, figures, say)
                        end_if_stopped(stop, manifest, figures, run_dir)
                        return manifest.as_json()
                    outcomes = _execute(chosen, decision.to_run, manifest, run_dir, workers, stop, say,
                                        cell_timeout, fresh_kernels, template)
                    end_if_unfinished(outcomes, manifest, stop, run_dir, output, figures)
                    if (chosen.defaults_only or publish) and not chosen.foreign:
                        _publish(decision, outcomes, manifest, stop, run_dir, output, figures)
                    manifest.write(run_dir, output)
                    report_finished(chosen, decision, manifest, figures, run_dir / "figures", say)
                    end_if_stopped(stop, manifest, figures, run_dir)
            return manifest.as_json()


def _start(decision: Decision, workers: int, output: Path, unreadable: list[Notebook]) -> tuple[Path, RunRecord]:
    """The run's folder, made, and the start of its manifest: the inputs, which notebooks are reused or run, and why.

    Notebooks that cannot be read are listed under ``unreadable``, each with why.
    """
    run_id, run_dir = new_folder(output / "runs")
    manifest = RunRecord(
        run_id=run_id,
        started=now(),
        workers=workers,
        versions=record.versions(),
        inputs=record.inputs(decision.to_run, known=decision.shared),
        reused={nb.name: "up to date: its inputs are as at its last publishing run" for nb in decision.reused},
        stale={name: reason for name, reason in decision.reasons.items() if reason is not None},
        unreadable={nb.name: nb.unreadable for nb in unreadable},
    )
    return run_dir, manifest


def _execute(chosen: Selection, notebooks: list[Notebook], manifest: RunRecord, run_dir: Path, workers: int,
             stop: Stop, say: Callable[[str], None], cell_timeout: int | None, fresh_kernels: bool = False,
             template: Template | None = None) -> list[Outcome]:
    """Run ``notebooks``, their charts staged in ``run_dir/figures``, and record in ``manifest`` how each went.

    Until the run ends, the manifest in the run folder says it is incomplete: a run killed midway says so.
    """
    manifest.write_incomplete(run_dir)  # replaced when the run ends
    say(f"running {len(notebooks)} notebook(s) with {workers} worker(s) into {run_dir}")
    staged = run_dir / "figures"
    staged.mkdir()
    started = time.perf_counter()
    manifest.kernels = kernels_described(fresh_kernels)
    outcomes = _execute_all(notebooks, chosen.parameters, run_dir, staged, workers, say, stop, cell_timeout,
                            template)
    outcomes += [Outcome(nb.name, {}, nb.path, error=f"{nb.name}: {nb.unreadable}") for nb in chosen.unreadable]
    notebooks = [*notebooks, *chosen.unreadable]
    chosen.changes.update({nb.name: {} for nb in chosen.unreadable})
    by_name = {nb.name: nb for nb in notebooks}
    for outcome in outcomes:
        outcome.outputs = record.outputs(staged, by_name[outcome.name])
    status = "stopped" if stop.requested.is_set() else "failed" if any(o.error for o in outcomes) else "succeeded"
    manifest.ended(now(), round(time.perf_counter() - started, 3), status, staged,
                   [NotebookEntry.of(by_name[o.name], o, chosen.changes[o.name]) for o in outcomes])
    return outcomes


def _longest_first(notebooks: list[Notebook], output: Path) -> list[Notebook]:
    """The notebooks, those that took longest in the last run first (those it did not run before them).

    With two workers, a long notebook started last would leave one worker idle while it ends.
    """
    try:
        last = json.loads((output / "latest.json").read_text(encoding="utf-8"))
        seconds = {n["name"]: float(n["seconds"]) for n in last.get("notebooks", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # latest.json damaged: no order
        seconds = {}
    return sorted(notebooks, key=lambda nb: -seconds.get(nb.name, float("inf")))


def _execute_all(notebooks: list[Notebook], parameters: dict[str, dict], run_dir: Path, staged: Path, workers: int,
                 say: Callable[[str], None], stop: Stop, timeout: int | None,
                 template: Template | None) -> list[Outcome]:
    """Run the notebooks on ``workers`` threads, each driving one kernel; outcomes in the notebooks' order.

    Every kernel starts with $TIP_NORWAY_FIGURES_DIR pointing at ``staged``, so
    charts land in the run folder whatever the notebook's defaults say; each is
    forked from ``template`` (see :mod:`.forking`), or started anew when it is None.
    The longest start first. A stop request keeps the notebooks not yet started from starting.
    """
    load_engine()
    wait_until_ready(template)
    environ = {FIGURES_DIR_ENV: str(staged)}
    tasks = [Task(nb.name, nb, parameters[nb.name], run_dir, environ)
             for nb in _longest_first(notebooks, run_dir.parent.parent)]
    outcomes = execute_all(tasks, workers, stop, say, timeout, template, "run")
    order = [nb.name for nb in notebooks]
    return sorted(outcomes, key=lambda o: order.index(o.name))


def _publish(decision: Decision, outcomes: list[Outcome], manifest: RunRecord, stop: Stop, run_dir: Path, output: Path,
             figures: Path) -> None:
    """Move the charts staged in ``run_dir/figures`` into ``figures``, then record them as published.

    They are recorded once they are in place (see :func:`.incremental.write_record`).

    A stop request that comes while the charts are moved is kept until they are
    all in place and recorded: a half-published folder would be worse than a
    finished one. A failure leaves the last good charts (see :func:`.publish.replace_charts`)
    and is recorded in the manifest before it is raised.
    """

    def remember() -> None:
        # the executed notebook, relative to ``output``, is what the report site is built from
        published = {o.name: {"inputs": decision.current[o.name], "outputs": o.outputs,
                              "executed": Path(o.executed).relative_to(output).as_posix()} for o in outcomes}
        incremental.write_record(output, decision.before, published)

    with stop.deferred():  # a signal now is noted, not raised mid-move
        try:
            replace_charts(run_dir / "figures", figures, [nb.figure_prefix for nb in decision.to_run])
        except PublishError as error:
            if error.in_place:
                remember()
            manifest.publishing_failed(error, error.in_place)
            manifest.write(run_dir, output)
            raise
        remember()
    manifest.published_in(figures)
