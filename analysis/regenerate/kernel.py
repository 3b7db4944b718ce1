"""The kernel one notebook run gets: started, run once through papermill, stopped.

Every notebook run, published or part of a sweep, goes through a
:class:`Kernel`: a ``python3`` kernel that talks over IPC sockets in a private
temporary folder (:mod:`.sockets`), in which papermill's own nbclient engine
runs the notebook. It is forked from the run's or sweep's template, which has
already imported what the notebooks import (see :mod:`.forking`), or started
anew (``template=None``: ``--fresh-kernels``, and on macOS and Windows; or a
kernel whose environment the template cannot give, see
:meth:`.forking.Template.serves`). Either way it is a new process, so nothing
an earlier run did can reach it.

The kernel's manager is jupyter_client's asynchronous one (:mod:`.client`), so
a kernel that dies, a cell that overruns and a kernel interrupted by a stop
request each end the run within about a second, with :class:`CellStopped`
naming the cell.

Every live kernel is listed (:func:`live`), so that a stop request (see
:mod:`.stopping`) can interrupt them and, if they do not end, kill them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .forking import ONE_THREAD
from .sockets import kernel_config, new_folder, remove_own_sockets

if TYPE_CHECKING:
    from .forking import Template

#: The kernel every notebook runs in: the environment the runner itself runs in.
KERNEL = "python3"
#: Seconds to wait for the exit status of a kernel that died before saying "status unknown".
EXIT_STATUS_WAIT = 10

_live: set[Kernel] = set()
_live_lock = threading.Lock()


class CellStopped(RuntimeError):
    """A cell that did not end with its own error.

    It ran past the timeout, its kernel died, or the kernel did not start.
    """

    def __init__(self, cell_index: int | None, source: str, what: str) -> None:
        self.cell_index = cell_index
        first = next((line.strip() for line in source.splitlines() if line.strip()), "")
        where = (f"cell {cell_index + 1}, counting from 1 "
                 f"({first[:60]!r})") if cell_index is not None else "before the first cell"
        super().__init__(f"{where}: {what}")


def live() -> list[Kernel]:
    """The kernels running now, in this process."""
    with _live_lock:
        return list(_live)


class Kernel:
    """One ``python3`` kernel that runs one notebook; use as a context manager, which starts and stops it.

    Args:
        environ: Environment variables the kernel starts with, on top of this process's.
        template: The template to fork the kernel from (see :mod:`.forking`); None starts it anew.
    """

    def __init__(self, environ: dict[str, str] | None = None, template: Template | None = None) -> None:
        #: The kernel's environment: BLAS on one thread unless this process says otherwise, then ``environ``.
        self.env = {**ONE_THREAD, **os.environ, **(environ or {})}
        self.template = template
        self.manager = None
        self._sockets: Path | None = None

    def __enter__(self) -> Kernel:
        try:
            self.start()
        except BaseException:  # a kernel that did not start leaves nothing behind either
            self.stop()
            raise
        return self

    def __exit__(self, *_) -> None:
        self.stop()

    def forked(self) -> bool:
        """Whether the kernel is forked from the template: there is one, and it gives the kernel's environment."""
        return self.template is not None and self.template.serves(self.env)

    def start(self) -> None:
        """Start the kernel, forked from the template or anew, in a socket folder of its own."""
        from jupyter_core.utils import run_sync

        from .client import Manager

        self._sockets = new_folder()
        forked = {}
        if self.forked():
            from .provisioner import kernel_spec_manager

            forked = {"kernel_spec_manager": kernel_spec_manager(self.template.id, KERNEL)}
        self.manager = Manager(kernel_name=KERNEL, config=kernel_config(self._sockets), **forked)
        with _live_lock:
            _live.add(self)
        run_sync(self.manager.start_kernel)(env=self.env)

    def stop(self) -> None:
        """Shut the kernel down, close its clients' channels and remove its socket folder; safe to call twice."""
        from jupyter_core.utils import run_sync

        with _live_lock:
            _live.discard(self)
        if self.manager is not None:
            for client in self.manager.clients:
                client.stop_channels()
            if self.manager.has_kernel:
                with contextlib.suppress(Exception):  # a kernel already gone
                    run_sync(self.manager.shutdown_kernel)(now=True)
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
        self.manager = self._sockets = None

    def run(self, executed: Path, timeout: int | None = None) -> None:
        """Run the notebook ``executed`` in place, its cells each given ``timeout`` seconds.

        Raises:
            papermill.PapermillExecutionError: For a cell's own error.
            CellStopped: For a cell past its timeout, a kernel that died, or one that did not start.
        """
        import papermill
        from nbclient.exceptions import CellControlSignal, DeadKernelError

        from .client import ENGINE

        running: dict = {}
        try:
            papermill.execute_notebook(
                str(executed), str(executed), kernel_name=KERNEL, engine_name=ENGINE, km=self.manager,
                on_cell_start=lambda cell, cell_index: running.update(index=cell_index, source=cell.source),
                progress_bar=False, log_output=False, execution_timeout=timeout,
                request_save_on_cell_execute=False)  # the executed copy is written once, at the end
        except (CellControlSignal, DeadKernelError, TimeoutError, RuntimeError) as exc:
            raise CellStopped(running.get("index"), running.get("source", ""), self._describe(exc, timeout)) from exc

    def _describe(self, exc: Exception, timeout: int | None) -> str:
        """What stopped a cell, in words: a timeout, a dead kernel (with its exit status), or the error itself."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if isinstance(exc, CellTimeoutError):
            return f"ran past the cell timeout of {timeout} s and was stopped (--cell-timeout sets the limit)"
        if isinstance(exc, DeadKernelError):
            code = self.exit_code()
            status = (f"exit status {code}" if code is not None and code >= 0
                      else f"signal {-code}" if code is not None else "status unknown")
            return f"the kernel died while it ran ({status})"
        return f"{type(exc).__name__}: {exc}"

    def _process(self):
        return getattr(getattr(self.manager, "provisioner", None), "process", None)

    def pid(self) -> int | None:
        """The kernel's process id, or None when it has none."""
        return getattr(self._process(), "pid", None)

    def exit_code(self) -> int | None:
        """The kernel process's exit status once it has ended (negative: the signal that ended it); None if unknown."""
        process = self._process()
        if process is None:
            return None
        with contextlib.suppress(Exception):
            # A forked kernel's status comes from the template once it has reaped it, which on a busy machine can
            # take longer than nbclient takes to see the kernel gone; it returns as soon as the status is known.
            process.wait(timeout=EXIT_STATUS_WAIT)
        return process.poll() if getattr(process, "status_known", True) else None

    def signal(self, number: int) -> None:
        """Send ``number`` to the kernel's process group (a kernel starts in a session of its own).

        Safe in a signal handler.
        """
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            try:
                os.killpg(pid, number)
            except ProcessLookupError:
                os.kill(pid, number)


def kill_all(number: int = signal.SIGKILL) -> None:
    """Send ``number`` to every live kernel (a stop request's last resort, and the second Ctrl-C's)."""
    for kernel in live():
        kernel.signal(number)


@atexit.register
def end_all() -> None:
    """Kill every live kernel and remove the socket folders of this process.

    At exit (normally, or on an exception), and on a second Ctrl-C. Every folder of this process is removed, not
    only those of the live kernels: a signal can come between a folder's making and its kernel's listing.
    """
    for kernel in live():
        kernel.signal(signal.SIGKILL)
    remove_own_sockets()
