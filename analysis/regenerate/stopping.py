"""Prompt, clean stops: what Ctrl-C (SIGINT) and SIGTERM do to a run or a sweep.

The first signal is a request to stop:

- before any notebook runs (while the data load or the run waits for the
  lock), it ends the command at once with :class:`Stopped`;
- while notebooks run, no new notebook starts, and every running kernel is
  interrupted (SIGINT to its process group: the cell raises
  ``KeyboardInterrupt``) and, if it has not ended :data:`GRACE` seconds later
  (``$TIP_NORWAY_STOP_GRACE`` seconds when set: :func:`grace`), killed. The run
  then publishes nothing, releases its lock, removes its temporary folders and
  raises :class:`Stopped`, which says what finished and what did not; the
  command exits 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM),
  without a traceback.

A second signal ends the process at once: every kernel is killed, the socket
folders and the run's staged charts (:attr:`Stop.leftovers`) removed, and the
process exits with the same status. The lock is an
``flock``, which the operating system releases with the process.

Signal handlers can be set only in the main thread; called from another
thread, a run keeps Python's own handling.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from . import kernel as kernels
from .errors import ParameterError

#: Seconds an interrupted kernel has to end before it is killed, unless :data:`GRACE_ENV` says otherwise.
GRACE = 5.0
#: The variable that sets the grace period in seconds; the tests of stops set it short, so that they need not wait.
GRACE_ENV = "TIP_NORWAY_STOP_GRACE"
_NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


class Stopped(Exception):
    """The command was stopped by a signal; ``code`` is the exit status (128 + the signal's number)."""

    def __init__(self, message: str, number: int) -> None:
        super().__init__(message)
        self.code = 128 + number


class Stop:
    """What a run or a sweep asks of a stop request.

    Whether one came, and whether it is to be noted rather than raised.
    """

    def __init__(self, grace: float = GRACE) -> None:
        self.requested = threading.Event()
        #: Seconds an interrupted kernel has to end before it is killed.
        self.grace = grace
        self.number: int | None = None
        self.deferring = False  # notebooks run, or charts are published: a first signal is noted rather than raised
        #: Folders a second signal, which ends the process at once, removes: nothing half-made is left.
        self.leftovers: list[Path] = []

    @property
    def name(self) -> str:
        """The name of the signal that came, as messages say it: ``Ctrl-C (SIGINT)``."""
        return _NAMES.get(self.number, f"signal {self.number}")

    def stopped(self, message: str) -> Stopped:
        """The exception that ends the command, its message starting with what stopped it."""
        return Stopped(f"stopped by {self.name}: {message}", self.number or signal.SIGINT)

    @contextlib.contextmanager
    def deferred(self):
        """While notebooks run (or their charts are published), a stop request is noted and interrupts the kernels.

        It does not raise at once: the run or sweep then ends itself, cleanly. Nested, the outer one still holds
        once the inner one ends.
        """
        before, self.deferring = self.deferring, True
        try:
            yield
        finally:
            self.deferring = before


def grace() -> float:
    """Seconds an interrupted kernel has to end before it is killed: ``$TIP_NORWAY_STOP_GRACE``, or :data:`GRACE`.

    Raises:
        ParameterError: For a value that is not a number of seconds of at least 0.
    """
    text = os.environ.get(GRACE_ENV, "").strip()
    if not text:
        return GRACE
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ParameterError(f"${GRACE_ENV} {text!r}: expected a number of seconds of at least 0 (how long an "
                             f"interrupted kernel has to end before it is killed; {GRACE:g} when unset)")
    return seconds


def _interrupt_kernels(stop: Stop) -> None:
    """Interrupt every kernel now.

    Kill those still running after :attr:`Stop.grace` seconds if the notebooks have not ended.
    """
    kernels.kill_all(signal.SIGINT)

    def kill_if_still_running() -> None:
        if stop.deferring:
            kernels.kill_all()

    killer = threading.Timer(stop.grace, kill_if_still_running)
    killer.daemon = True
    killer.start()


def _end_now(number: int, say: Callable[[str], None], stop: Stop) -> None:
    kernels.end_all()
    for folder in stop.leftovers:
        shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(Exception):
        say(f"stopped at once by a second {_NAMES.get(number, number)}; nothing was published")
    os._exit(128 + number)


@contextlib.contextmanager
def stoppable(say: Callable[[str], None]):
    """Handle SIGINT and SIGTERM as described in the module, for the time of a run or a sweep.

    Yields its :class:`Stop`, its grace period read (:func:`grace`) before anything starts.

    Raises:
        ParameterError: For a grace period that is not a number of seconds.
    """
    stop = Stop(grace())
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(number, _frame) -> None:
        if stop.requested.is_set():
            _end_now(number, say, stop)
        stop.number = number
        stop.requested.set()
        if not stop.deferring:
            raise stop.stopped("nothing had run; nothing was published")
        say(f"{stop.name}: stopping; no new notebook starts and the running ones are interrupted "
            f"(a second one ends at once)")
        _interrupt_kernels(stop)

    previous = {number: signal.signal(number, handle) for number in _NAMES}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sys.stderr.flush()
