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
(see :func:`_end_if_stopped`).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..config import FIGURES_DIR_ENV
from . import incremental
from . import manifest as record
from .batch import Progress, new_folder, now, parallel, say_on_stderr, tally, workers_for
from .errors import ParameterError, RunError
from .execute import CELL_TIMEOUT, Outcome, execute, load_engine
from .forking import Template, kernels_described, started_template, wait_until_ready
from .kernel import remove_orphaned_sockets
from .lock import run_lock
from .notebooks import Notebook, discover, select
from .parameters import changed, check_domains, resolve_parameters
from .publish import PublishError, recover, replace_charts
from .stopping import Stop, Stopped, stoppable

if TYPE_CHECKING:
    from ..data import Dataset


@dataclass
class Selection:
    """The notebooks a run is asked for, the parameters each runs with, and which of those differ from its defaults."""

    notebooks: list[Notebook]
    parameters: dict[str, dict]
    changes: dict[str, dict]
    #: Selected notebooks whose file cannot be read: each is reported as failed, the others run.
    unreadable: list[Notebook]
    #: The notebooks are not the project's own (``--notebooks-dir``) and the charts would go to the project's
    #: ``figures/``: their charts are then never published (see :func:`_foreign`).
    foreign: bool = False

    @property
    def defaults_only(self) -> bool:
        """Whether every notebook runs with its defaults: only then are its charts published without ``publish``."""
        return not any(self.changes.values())

    @property
    def incremental(self) -> bool:
        """Whether notebooks are judged against the publishing record: the project's own, with their defaults."""
        return self.defaults_only and not self.foreign


@dataclass
class Decision:
    """Which of the selected notebooks run, which are reused and why, and the inputs they are judged by."""

    to_run: list[Notebook]
    reused: list[Notebook]
    #: Why each notebook run with its defaults must run again (``None``: it is up to date).
    reasons: dict[str, str | None]
    #: The publishing record as the run found it (see :mod:`.incremental`).
    before: dict
    #: The digests every notebook shares, and each notebook's inputs.
    shared: dict[str, str]
    current: dict[str, dict[str, str]]


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
        The run manifest (also written to the run folder and to ``output/latest.json``).

    Raises:
        ParameterError: Before anything runs, for unknown, ill-typed or out-of-domain parameters,
            or a worker count below 1.
        RunError: If the lock cannot be had, any notebook failed (after the
            others finished; ``figures`` is then untouched), or the charts
            could not be published (:class:`.publish.PublishError`).
        Stopped: On Ctrl-C or SIGTERM (see :mod:`.stopping`): nothing is published.
    """
    output, figures = Path(output), Path(figures)
    chosen = _resolve(names, given, notebooks_dir, workers, figures, publish)
    with stoppable(say) as stop:
        if not chosen.incremental:
            _check(chosen, chosen.notebooks, data)  # other values: checked before waiting for the lock
        with run_lock(output, wait, lock_timeout, say):
            remove_orphaned_sockets()  # those of a killed run, even when nothing is to run now
            recover(figures, say)  # a publishing run cut between its two renames: the last good charts first
            decision = _decide(chosen, force, figures, output, say)
            # the template kernels are forked from is launched now: it imports while the data are checked
            with started_template(fresh_kernels or not decision.to_run) as template:
                if chosen.incremental and decision.to_run:
                    _check(chosen, decision.to_run, data)  # the data or a notebook changed: the defaults must fit
                workers = workers_for(workers, len(decision.to_run))
                # from the run folder on, a signal is noted and the run ends itself, saying what it did: a stop
                # leaves no half-made folder, and says what was published
                with stop.deferred():
                    run_dir, manifest = _start(decision, workers, output, chosen.unreadable)
                    stop.leftovers.append(run_dir / "figures")  # removed by a second signal, which ends at once
                    if not decision.to_run:
                        _report_up_to_date(manifest, decision, run_dir, output, figures, say)
                        _end_if_stopped(stop, manifest, figures, run_dir)
                        return manifest
                    outcomes = _execute(chosen, decision.to_run, manifest, run_dir, workers, stop, say,
                                        cell_timeout, fresh_kernels, template)
                    _end_if_unfinished(outcomes, manifest, stop, run_dir, output, figures)
                    if (chosen.defaults_only or publish) and not chosen.foreign:
                        _publish(decision, outcomes, manifest, stop, run_dir, output, figures)
                    record.write(manifest, run_dir, output)
                    _report(chosen, decision, manifest, figures, run_dir / "figures", say)
                    _end_if_stopped(stop, manifest, figures, run_dir)
            return manifest


def _resolve(names: Iterable[str], given: dict | None, notebooks_dir: Path, workers: int | None,
             figures: Path = config.FIGURES, publish: bool = False) -> Selection:
    """The notebooks of ``names`` and the parameters each runs with, refused before anything runs if either is wrong.

    A selected notebook whose file cannot be read is set aside, to be reported as failed; the others run.

    Raises:
        RunError: When no notebook is found, or none selected can be read.
        ParameterError: For a worker count below 1 (refused first), unknown, ill-typed parameters, or ``publish``
            asked of notebooks that are not the project's into the project's ``figures/``.
    """
    selected = select(discover(notebooks_dir), names)
    if not selected:
        raise RunError(f"no notebooks found in {config.shown(notebooks_dir)}")
    workers_for(workers, len(selected))  # a bad count is refused before anything else
    foreign = _foreign(notebooks_dir, figures, publish)
    notebooks = [nb for nb in selected if not nb.unreadable]
    unreadable = [nb for nb in selected if nb.unreadable]
    if not notebooks:
        raise RunError("\n".join([f"no notebook selected can be read; {config.shown(figures)} left untouched:",
                                  *(f"  - {nb.name}: {nb.unreadable}" for nb in unreadable)]))
    parameters = resolve_parameters(notebooks, given or {})
    return Selection(notebooks, parameters, {nb.name: changed(nb, parameters[nb.name]) for nb in notebooks},
                     unreadable, foreign)


def _foreign(notebooks_dir: Path, figures: Path, publish: bool) -> bool:
    """Whether the notebooks are not the project's own while the charts would go to the project's ``figures/``.

    The project's charts are made by the project's notebooks only: a copy being tried elsewhere
    (``--notebooks-dir``) would otherwise replace the charts of the same numbers. Such a run is exploratory:
    its charts stay in its run folder.

    Raises:
        ParameterError: When ``publish`` asks for it anyway; ``--figures-dir`` publishes elsewhere.
    """
    if Path(notebooks_dir).resolve() == config.NOTEBOOKS.resolve():
        return False
    if Path(figures).resolve() != config.FIGURES.resolve():
        return False
    if publish:
        raise ParameterError(f"cannot publish: the notebooks of {config.shown(notebooks_dir)} are not the project's "
                             f"({config.shown(config.NOTEBOOKS)}), so their charts are never published into the "
                             f"project's {config.shown(figures)}; give --figures-dir FOLDER to publish them there")
    return True


def _check(chosen: Selection, notebooks: list[Notebook], data: Dataset | None) -> None:
    """Load and validate the data, UNODC's counts included, and check the values, before any kernel starts.

    Bad data stop the run here. The data are validated now, whatever a cached verdict says (``fresh``): a run that
    executes notebooks vouches for their numbers itself; the verdict it leaves serves its kernels' loads.
    """
    from ..data import load

    check_domains(notebooks, chosen.parameters,
                  load(glotip=True, world_bank=True, fresh=True) if data is None else data)


def _decide(chosen: Selection, force: bool, figures: Path, output: Path, say: Callable[[str], None]) -> Decision:
    """Which notebooks must run, each said with its reason.

    With the defaults, those whose published charts are not up to date (all of them with ``force``); with other values,
    every one selected.
    """
    before = incremental.read_record(output, say)
    shared = incremental.shared_inputs()
    current = {nb.name: incremental.inputs(nb, chosen.parameters[nb.name], shared) for nb in chosen.notebooks}
    reasons = {}
    if chosen.incremental:
        reasons = {nb.name: "run with --force" if force
                   else incremental.why_stale(nb.name, current[nb.name], before, figures)
                   for nb in chosen.notebooks}
        for nb in chosen.notebooks:
            say(f"{nb.name}: up to date" if reasons[nb.name] is None else f"{nb.name}: to run ({reasons[nb.name]})")
    reused = [nb for nb in chosen.notebooks if chosen.incremental and reasons[nb.name] is None]
    return Decision([nb for nb in chosen.notebooks if nb not in reused], reused, reasons, before, shared, current)


def _start(decision: Decision, workers: int, output: Path, unreadable: list[Notebook]) -> tuple[Path, dict]:
    """The run's folder, made, and the start of its manifest: the inputs, which notebooks are reused or run, and why.

    Notebooks that cannot be read are listed under ``unreadable``, each with why.
    """
    run_id, run_dir = new_folder(output / "runs")
    manifest = {
        "run_id": run_id,
        "started": now(),
        "workers": workers,
        "versions": record.versions(),
        "inputs": record.inputs(decision.to_run, known=decision.shared),
        "reused": {nb.name: "up to date: its inputs are as at its last publishing run" for nb in decision.reused},
        "stale": {name: reason for name, reason in decision.reasons.items() if reason is not None},
        "unreadable": {nb.name: nb.unreadable for nb in unreadable},
    }
    return run_dir, manifest


def _execute(chosen: Selection, notebooks: list[Notebook], manifest: dict, run_dir: Path, workers: int, stop: Stop,
             say: Callable[[str], None], cell_timeout: int | None, fresh_kernels: bool = False,
             template: Template | None = None) -> list[Outcome]:
    """Run ``notebooks``, their charts staged in ``run_dir/figures``, and record in ``manifest`` how each went.

    Until the run ends, the manifest in the run folder says it is incomplete: a run killed midway says so.
    """
    record.write_incomplete(manifest, run_dir)  # replaced when the run ends
    say(f"running {len(notebooks)} notebook(s) with {workers} worker(s) into {run_dir}")
    staged = run_dir / "figures"
    staged.mkdir()
    started = time.perf_counter()
    manifest["kernels"] = kernels_described(fresh_kernels)
    outcomes = _execute_all(notebooks, chosen.parameters, run_dir, staged, workers, say, stop, cell_timeout,
                            template)
    outcomes += [Outcome(nb.name, {}, nb.path, error=f"{nb.name}: {nb.unreadable}") for nb in chosen.unreadable]
    notebooks = [*notebooks, *chosen.unreadable]
    chosen.changes.update({nb.name: {} for nb in chosen.unreadable})
    by_name = {nb.name: nb for nb in notebooks}
    for outcome in outcomes:
        outcome.outputs = record.outputs(staged, by_name[outcome.name])
    manifest.update({
        "finished": now(),
        "seconds": round(time.perf_counter() - started, 3),
        "status": "stopped" if stop.requested.is_set() else "failed" if any(o.error for o in outcomes) else "succeeded",
        "published": False,
        "figures_replaced": False,
        "charts": str(staged),
        "notebooks": [record.notebook_entry(by_name[o.name], o, chosen.changes[o.name]) for o in outcomes],
    })
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
    progress = Progress(len(notebooks), say, stop)
    outcomes: list[Outcome] = []
    with parallel(workers, stop) as pool:
        futures = [pool.submit(execute, nb, parameters[nb.name], run_dir, environ, timeout, stop.requested, template)
                   for nb in _longest_first(notebooks, run_dir.parent.parent)]
        for future in as_completed(futures):
            outcomes.append(future.result())
            progress.ended(outcomes[-1].name, outcomes[-1])
    order = [nb.name for nb in notebooks]
    return sorted(outcomes, key=lambda o: order.index(o.name))


def _end_if_unfinished(outcomes: list[Outcome], manifest: dict, stop: Stop, run_dir: Path, output: Path,
                       figures: Path) -> None:
    """End a run that was stopped or in which a notebook failed, its manifest written and nothing published.

    Raises:
        Stopped: When a stop was requested (the staged charts are removed).
        RunError: When a notebook failed, naming each failure.
    """
    if stop.requested.is_set():
        shutil.rmtree(run_dir / "figures", ignore_errors=True)
        manifest["charts"] = None
        record.write(manifest, run_dir, output)
        raise _stopped(stop, outcomes, figures, run_dir)
    failed = [o for o in outcomes if o.error]
    if failed:
        record.write(manifest, run_dir, output)
        raise RunError("\n".join([f"{len(failed)} of {len(outcomes)} notebook(s) failed; {figures} left untouched:",
                                  *(f"  - {o.error}" for o in failed)]))


def _end_if_stopped(stop: Stop, manifest: dict, figures: Path, run_dir: Path) -> None:
    """End a run a signal reached once its notebooks had ended: its message says what the run did, published or not.

    Raises:
        Stopped: When a stop was requested.
    """
    if not stop.requested.is_set():
        return
    if manifest["status"] == "up to date":
        done = f"every notebook was up to date, so none ran; {figures} left as it was"
    elif manifest["published"]:
        done = (f"every notebook had finished and the charts were published in full in {figures} and recorded, so "
                "the run is complete")
    else:
        done = (f"every notebook had finished; {figures} left as it was, nothing published (parameters other than "
                f"the defaults, or notebooks not the project's); the charts are in {run_dir / 'figures'}")
    raise stop.stopped(f"the request came after the notebooks had run: {done}. The executed notebooks and the "
                       f"manifest are in {run_dir}")


def _stopped(stop: Stop, outcomes: list[Outcome], figures: Path, run_dir: Path) -> Stopped:
    """What a stopped run says: which notebooks finished, which were interrupted, which never started."""
    finished, interrupted, waiting = ([o.name for o in group] for group in tally(outcomes))
    parts = [f"{label}: {', '.join(names)}" for label, names in
             (("finished", finished), ("interrupted or failed", interrupted), ("not started", waiting)) if names]
    return stop.stopped(f"{figures} left as it was, nothing published; {'; '.join(parts) or 'nothing ran'}. "
                        f"The executed notebooks and the manifest are in {run_dir}")


def _differences(changes: dict[str, dict]) -> str:
    """``03_funding_per_victim: currency, exchange_rate; 04_victim_protection: years``."""
    return "; ".join(f"{name}: {', '.join(c)}" for name, c in changes.items() if c)


def _publish(decision: Decision, outcomes: list[Outcome], manifest: dict, stop: Stop, run_dir: Path, output: Path,
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
            manifest.update({"status": "published, not cleaned up" if error.in_place else "not published",
                             "published": error.in_place, "figures_replaced": error.in_place, "error": str(error)})
            record.write(manifest, run_dir, output)
            raise
        remember()
    manifest.update({"published": True, "figures_replaced": True, "charts": str(figures)})


def _report_up_to_date(manifest: dict, decision: Decision, run_dir: Path, output: Path, figures: Path,
                       say: Callable[[str], None]) -> dict:
    """Record and say that every notebook was up to date, so none ran and ``figures`` is as it was."""
    manifest.update({"finished": manifest["started"], "seconds": 0.0, "status": "up to date", "published": False,
                     "figures_replaced": False, "charts": str(figures), "notebooks": []})
    if manifest["unreadable"]:
        manifest["status"] = "failed"
    record.write(manifest, run_dir, output)
    say(f"all {len(decision.reused)} notebook(s) up to date; {figures} left as it was (--force runs them anyway)")
    if manifest["unreadable"]:
        raise RunError("\n".join([f"{len(manifest['unreadable'])} notebook(s) could not be read; the others are up to "
                                  f"date and {figures} is left as it was:",
                                  *(f"  - {name}: {why}" for name, why in manifest["unreadable"].items())]))
    return manifest


def _report(chosen: Selection, decision: Decision, manifest: dict, figures: Path, staged: Path,
            say: Callable[[str], None]) -> None:
    """Say how a run in which every notebook succeeded ended: where its charts are, and why when not in ``figures``."""
    done = f"all {len(manifest['notebooks'])} notebook(s) succeeded in {manifest['seconds']:.1f} s"
    differences = _differences(chosen.changes)
    if chosen.foreign:
        say(f"{done}; {figures} left as it was: notebooks from another folder than the project's "
            f"{config.shown(config.NOTEBOOKS)} never replace its charts (--figures-dir FOLDER publishes them there). "
            f"The charts are in {staged}")
    elif chosen.defaults_only:
        kept = f" ({len(decision.reused)} more up to date, left as they were)" if decision.reused else ""
        say(f"{done}; charts replaced in {figures}{kept}")
    elif manifest["published"]:
        say(f"{done}; charts replaced in {figures}, published with parameters other than the defaults ({differences})")
    else:
        say(f"{done} with parameters other than the defaults ({differences}); {figures} left as it was. "
            f"The charts are in {staged} (run again with --publish to replace them in {figures})")
