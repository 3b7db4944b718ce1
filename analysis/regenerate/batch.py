"""What a run and a sweep share: how many kernels run at once, the folder each gets, the progress line, stops.

A run (:mod:`.run`) executes notebooks and a sweep (:mod:`.sweep`) one notebook
over a grid of values; both drive their kernels from parallel threads, write
into a folder of their own named by a new id, and say a line as each
execution ends.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from .. import config
from ..data.records import RecordError, cause
from .errors import ParameterError
from .execute import Outcome, progress
from .kernel import remove_orphaned_sockets
from .stopping import Stop

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
