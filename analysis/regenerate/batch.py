"""What a run and a sweep share: the executor, how many kernels run at once, the folder each gets, the progress line.

A run (:mod:`.run`) executes notebooks and a sweep (:mod:`.sweep`) one notebook
over a grid of values; both hand their executions to :func:`execute_all`,
which drives a kernel for each from parallel threads and says a line as each
ends, and both write into a folder of their own named by a new id.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..data.records import RecordError, cause
from .errors import ParameterError
from .execute import Outcome, execute, progress
from .notebooks import Notebook
from .sockets import remove_orphaned_sockets
from .stopping import Stop

if TYPE_CHECKING:
    from .forking import Template

#: Most kernels started at once: each holds pandas and matplotlib in memory.
MAX_WORKERS = 4


def say_on_stderr(text: str) -> None:
    """Where a run or a sweep reports progress by default."""
    print(text, file=sys.stderr, flush=True)


def workers_for(workers: int | None, tasks: int) -> int:
    """Kernels to run at once: ``workers`` when given (at least 1), else the cores.

    At most :data:`MAX_WORKERS` and ``tasks``.

    Raises:
        ParameterError: For a count below 1.
    """
    if workers is not None and workers < 1:
        raise ParameterError(f"--workers {workers}: expected a whole number of at least 1 (parallel kernels)")
    return max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, tasks or 1))


def new_id() -> str:
    """A run's or a sweep's id: the UTC time to the microsecond (``20261201T101500123456Z``)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def new_folder(parent: Path) -> tuple[str, Path]:
    """A new id, and the folder of that name made under ``parent`` (``output/runs`` or ``output/sweeps``)."""
    made = new_id()
    folder = parent / made
    try:
        folder.mkdir(parents=True)
    except OSError as error:  # read-only, immutable, full: one line, not a traceback
        raise RecordError(f"cannot make the folder {config.display(folder)}: {cause(error)}", folder) from None
    return made, folder


def now() -> str:
    """The time, in UTC to the second, as a manifest records when a run or a sweep started and finished."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress:
    """The line said as each of ``total`` executions ends: ``[3/12] 03_funding_per_victim ok (2.1 s)``.

    Executions end on several threads; they are counted, and their lines said, one at a time.
    """

    def __init__(self, total: int, say: Callable[[str], None], stop: Stop) -> None:
        self.total, self.say, self.stop = total, say, stop
        self.done = 0
        self._lock = threading.Lock()

    def ended(self, what: str, outcome: Outcome) -> None:
        """Say that ``what`` (a notebook, a run of a sweep) ended, how (:func:`.execute.progress`) and in how long."""
        with self._lock:
            self.done += 1
            self.say(f"[{self.done}/{self.total}] {what} {progress(outcome, self.stop.requested.is_set())} "
                     f"({outcome.seconds:.1f} s)")


@contextlib.contextmanager
def parallel(workers: int, stop: Stop) -> Iterator[ThreadPoolExecutor]:
    """A pool of ``workers`` threads, each to drive a kernel.

    While it is open, a stop request is noted and interrupts the kernels rather than raising (see
    :meth:`.stopping.Stop.deferred`); socket folders that killed runs left behind are removed first.
    """
    remove_orphaned_sockets()
    with stop.deferred(), ThreadPoolExecutor(max_workers=workers) as pool:
        yield pool


def tally(outcomes: list[Outcome]) -> tuple[list[Outcome], list[Outcome], list[Outcome]]:
    """The outcomes that finished, those that failed (or were interrupted), and those a stop kept from starting."""
    return ([o for o in outcomes if o.started and not o.error], [o for o in outcomes if o.started and o.error],
            [o for o in outcomes if not o.started])


@dataclass(frozen=True)
class Task:
    """One execution of a run or a sweep: a notebook, its parameters, where it goes, its kernel's environment."""

    #: How its progress line names it: the notebook, or a sweep's run and its values.
    label: str
    nb: Notebook
    params: dict
    #: Where its executed copy is written.
    run_dir: Path
    environ: dict[str, str]


def execute_all(tasks: list[Task], workers: int, stop: Stop, say: Callable[[str], None], timeout: int | None,
                template: Template | None, batch: str) -> list[Outcome]:
    """Execute ``tasks`` on ``workers`` threads, each in a kernel of its own, started in the order given.

    A progress line is said as each ends (:class:`Progress`). A stop request keeps the tasks not yet started from
    starting; their outcomes say that the ``batch`` (``run``, ``sweep``) was stopped.

    Returns:
        The outcomes, in the order of ``tasks``.
    """
    said = Progress(len(tasks), say, stop)
    with parallel(workers, stop) as pool:
        futures = {pool.submit(execute, task.nb, task.params, task.run_dir, task.environ, timeout, stop.requested,
                               template, batch): task for task in tasks}
        for future in as_completed(futures):
            said.ended(futures[future].label, future.result())
    return [future.result() for future in futures]
