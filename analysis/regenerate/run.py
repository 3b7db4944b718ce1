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
from .errors import RunError
from .execute import Outcome, execute, load_engine
from .lock import run_lock
from .notebooks import Notebook, discover, select
from .parameters import changed, check_domains, resolve_parameters
from .publish import replace_charts

if TYPE_CHECKING:
    from ..data import Dataset

#: Most kernels started at once: each holds pandas and matplotlib in memory.
MAX_WORKERS = 4


def say_on_stderr(text: str) -> None:
    """Where a run or a sweep reports progress by default."""
    print(text, file=sys.stderr, flush=True)


def _execute_all(notebooks: list[Notebook], parameters: dict[str, dict], run_dir: Path, staged: Path, workers: int,
                 say: Callable[[str], None]) -> list[Outcome]:
    """Run the notebooks on ``workers`` threads, each driving one kernel; outcomes in the notebooks' order.

    Every kernel inherits $TIP_NORWAY_FIGURES_DIR pointing at ``staged``, so
    charts land in the run folder whatever the notebook's defaults say.
    """
    load_engine()
    previous = os.environ.get(FIGURES_DIR_ENV)
    os.environ[FIGURES_DIR_ENV] = str(staged)
    outcomes: list[Outcome] = []
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(execute, nb, parameters[nb.name], run_dir) for nb in notebooks]
            for done, future in enumerate(as_completed(futures), start=1):
                outcome = future.result()
                outcomes.append(outcome)
                status = "FAILED" if outcome.error else "ok"
                say(f"[{done}/{len(notebooks)}] {outcome.name} {status} ({outcome.seconds:.1f} s)")
    finally:
        if previous is None:
            os.environ.pop(FIGURES_DIR_ENV, None)
        else:
            os.environ[FIGURES_DIR_ENV] = previous
    order = [nb.name for nb in notebooks]
    return sorted(outcomes, key=lambda o: order.index(o.name))


def _differences(changes: dict[str, dict]) -> str:
    """``03_funding_per_victim: currency, exchange_rate; 04_victim_protection: years``."""
    return "; ".join(f"{name}: {', '.join(c)}" for name, c in changes.items() if c)


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

    Returns:
        The run manifest (also written to the run folder and to ``output/latest.json``).

    Raises:
        ParameterError: Before anything runs, for unknown, ill-typed or out-of-domain parameters.
        RunError: If the lock cannot be had, or any notebook failed (after the
            others finished; ``figures`` is then untouched).
    """
    notebooks = select(discover(notebooks_dir), names)
    if not notebooks:
        raise RunError(f"no notebooks found in {notebooks_dir}")
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
        workers = max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, len(notebooks) or 1))
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
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
        say(f"running {len(notebooks)} notebook(s) with {workers} worker(s) into {run_dir}")
        staged.mkdir()
        started = time.perf_counter()
        outcomes = _execute_all(notebooks, parameters, run_dir, staged, workers, say)
        by_name = {nb.name: nb for nb in notebooks}
        for outcome in outcomes:
            outcome.outputs = record.outputs(staged, by_name[outcome.name])
        failed = [o for o in outcomes if o.error]
        published = not failed and (defaults_only or publish)
        if published:
            replace_charts(staged, figures, [nb.figure_prefix for nb in notebooks])
            incremental.write_record(output, before, {o.name: {"inputs": current[o.name], "outputs": o.outputs} for o in outcomes})
        manifest.update({
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3),
            "status": "failed" if failed else "succeeded",
            "published": published,
            "figures_replaced": published,
            "charts": str(figures if published else staged),
            "notebooks": [record.notebook_entry(by_name[o.name], o, changes[o.name]) for o in outcomes],
        })
        record.write(manifest, run_dir, output)
        if failed:
            raise RunError("\n".join([f"{len(failed)} of {len(outcomes)} notebook(s) failed; {figures} left untouched:",
                                      *(f"  - {o.error}" for o in failed)]))
        done = f"all {len(outcomes)} notebook(s) succeeded in {manifest['seconds']:.1f} s"
        if defaults_only:
            kept = f" ({len(reused)} more up to date, left as they were)" if reused else ""
            say(f"{done}; charts replaced in {figures}{kept}")
        elif published:
            say(f"{done}; charts replaced in {figures}, published with parameters other than the defaults ({_differences(changes)})")
        else:
            say(f"{done} with parameters other than the defaults ({_differences(changes)}); {figures} left as it was. "
                f"The charts are in {staged} (run again with --publish to replace them in {figures})")
        return manifest
