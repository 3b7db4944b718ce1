"""One run at a time per output folder.

Two runs started together (a scheduled job and a person) would otherwise
interleave their swaps of ``figures/`` and overwrite each other's
``latest.json``. The lock is an ``flock`` on ``output/.lock``, released by the
kernel if the process dies, so a crashed run never leaves a stale lock; the
file's text names the holder for the message of whoever waits.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .. import config
from ..data.records import RecordError, cause
from .errors import RunError


@contextmanager
def run_lock(output: Path, wait: bool, timeout: float, say: Callable[[str], None]):
    """Hold ``output/.lock`` for the whole run; wait for another run or refuse at once.

    Args:
        output: The folder the run writes to; created if missing.
        wait: Wait for a run holding the lock (up to ``timeout``) rather than refuse.
        timeout: Seconds to wait before giving up.
        say: Where to report that the run is waiting.

    Raises:
        RunError: If the lock is held and ``wait`` is false, or still held after ``timeout``; or ``output`` or its
            lock file cannot be written (:class:`~analysis.data.records.RecordError`).
    """
    lock_path = output / ".lock"
    try:
        output.mkdir(parents=True, exist_ok=True)
        opened = open(lock_path, "a+")  # closed by the with below
    except OSError as error:  # read-only, immutable, full: one line, not a traceback
        raise RecordError(f"cannot use {config.display(output)}: its lock file {config.display(lock_path)} cannot be "
                          f"opened for writing: {cause(error)}", output) from None
    with opened as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if not wait:
                raise RunError(f"another run holds {lock_path} ({holder}); not starting (run again "
                               "without --no-wait to wait)") from None
            say(f"another run holds {lock_path} ({holder}); waiting up to {timeout:.0f} s")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RunError(f"gave up after {timeout:.0f} s waiting for {lock_path} ({holder})") from None
                    time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
