"""Executing one notebook in this process with papermill, in a kernel of its own.

Two choices here keep a run fast and quiet:

- papermill is called in-process (one Python, several threads) rather than as
  a command per notebook, and never with ``cwd=``: papermill would ``chdir``
  the whole process, which races between worker threads;
- the parameters are injected here, with papermill's own
  ``parameterize_notebook``, before papermill runs the notebook. Papermill
  otherwise re-reads the parameters cell with a pattern that does not accept
  ``float | None`` and logs "Passed unknown parameter" for such a parameter;
  :mod:`.parameters` has already checked every name, more strictly.

papermill, nbformat and traitlets are imported when a notebook is about to
run (:func:`load_engine`), not when the module is: together they take
seconds to import, which a run that finds everything up to date never needs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .forking import TemplateError
from .kernel import KERNEL, CellStopped, Kernel
from .notebooks import Notebook

if TYPE_CHECKING:
    from .forking import Template

#: Seconds one cell may run before the run gives up on its notebook (a hung scheduled run must end).
CELL_TIMEOUT = 600


@dataclass
class Outcome:
    """What happened to one notebook in a run."""

    name: str
    parameters: dict
    executed: Path
    seconds: float = 0.0
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    #: False for a notebook a stop request kept from starting.
    started: bool = True


def progress(outcome: Outcome, stopping: bool) -> str:
    """How a progress line names an outcome.

    ``ok``, ``FAILED``, ``interrupted`` (failed once a stop was requested) or ``not started``.
    """
    if not outcome.error:
        return "ok"
    if not outcome.started:
        return "not started"
    return "interrupted" if stopping else "FAILED"


def load_engine() -> None:
    """Import papermill and what it runs on, once, before worker threads need them."""
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    import traitlets.config  # noqa: F401


def prepare(nb: Notebook, params: dict, target: Path) -> None:
    """Write ``nb`` to ``target`` with ``params`` injected after its ``parameters`` cell, as papermill would."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    source = load_notebook_node(str(nb.path))
    if params:
        source = parameterize_notebook(source, params, kernel_name=KERNEL, language="python")
    nbformat.write(source, target)


def failure(nb: Notebook, exc: Exception, executed: Path) -> str:
    """What went wrong in a run of ``nb``.

    The cell (counting from 1, as a reader counts, and by execution count, as Jupyter shows it) and the exception, or
    what stopped the cell (a timeout, a dead kernel); and where the executed copy is.
    """
    import papermill

    kept = f"; the executed notebook is kept at {executed}" if Path(executed).exists() else ""
    if isinstance(exc, papermill.PapermillExecutionError):
        return (f"{nb.name}: cell {exc.cell_index + 1}, counting from 1 (execution count [{exc.exec_count}]), raised "
                f"{exc.ename}: {exc.evalue}{kept}")
    if isinstance(exc, CellStopped):
        return f"{nb.name}: {exc}{kept}"
    if isinstance(exc, TemplateError):  # the kernel was never started, so no cell ran and nothing was written
        return (f"{nb.name}: not run, its kernel could not be started: {exc}; run again, or with --fresh-kernels to "
                "start every kernel anew rather than fork it from the template")
    return f"{nb.name}: {type(exc).__name__}: {exc}{kept}"


def execute(nb: Notebook, params: dict, run_dir: Path, environ: dict[str, str] | None = None,
            timeout: int | None = CELL_TIMEOUT, stop: threading.Event | None = None,
            template: Template | None = None, batch: str = "run") -> Outcome:
    """Run ``nb`` with ``params`` into ``run_dir/<name>.ipynb`` in a kernel of its own; never raises.

    Args:
        nb: The notebook.
        params: The parameters injected into it.
        run_dir: Where the executed copy is written.
        environ: Environment variables for the kernel (the runner's figures folder).
        timeout: Seconds one cell may run.
        stop: Set when a stop was requested: the notebook is then not started.
        template: The template the kernel is forked from; None starts it anew (see :mod:`.forking`).
        batch: What the notebook is run for, as a stop request names it (``run``, ``sweep``).

    Returns:
        The outcome; on failure its ``error`` names the notebook, the cell and
        what happened (see :func:`failure`), and where the executed copy is.
    """
    executed = run_dir / f"{nb.name}.ipynb"
    outcome = Outcome(nb.name, params, executed)
    not_started = Outcome(nb.name, params, executed, error=f"{nb.name}: not started (the {batch} was stopped)",
                          started=False)
    if stop is not None and stop.is_set():
        return not_started
    started = time.perf_counter()
    try:
        with Kernel(environ, template) as kernel:
            if stop is not None and stop.is_set():  # asked to stop while this kernel started
                return not_started
            executed.parent.mkdir(parents=True, exist_ok=True)
            prepare(nb, params, executed)
            kernel.run(executed, timeout)
    except Exception as exc:  # a cell's error; a timeout, a dead kernel, a notebook that cannot be read
        outcome.error = failure(nb, exc, executed)
    outcome.seconds = time.perf_counter() - started
    return outcome
