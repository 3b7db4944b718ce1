"""The kernels the runner starts, and the papermill engine that drives them without ever blocking.

Every notebook run, published or part of a sweep, goes through :class:`Kernel`:
a ``python3`` kernel started over IPC sockets in a private temporary folder
(see :func:`.execute.kernel_config`), which papermill's own nbclient engine
then runs the notebook in. Each run gets a kernel of its own, as JupyterLab
would give it: forked from the run's or sweep's template, which has already
imported what the notebooks import (see :mod:`.forking`), or started anew
(``template=None``: ``--fresh-kernels``, and on macOS and Windows). Either way
it is a new process, so nothing an earlier run did can reach it.

nbclient is handed the kernel's manager and makes its own *asynchronous*
client for each run. That matters: nbclient watches for a dead kernel and for
a cell past its timeout from the same event loop that reads the kernel's
messages, and a blocking client (what the kernel manager gives by default)
would stop that loop inside a read that never returns. A kernel that dies, a
cell that overruns and a kernel interrupted by a stop request therefore each
end the run within about a second, with :class:`CellStopped` naming the cell.

Every live kernel is listed (:func:`live`), so that a stop request (see
:mod:`.stopping`) can interrupt them and, if they do not end, kill them. The
socket folders are named after the process (``tip-norway-kernel-<pid>-...``):
they are removed when their kernel stops and at exit, and a later run removes
the folders of processes that no longer exist (a run killed with ``kill -9``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .execute import KERNEL, Outcome, failure, kernel_config, load_engine, prepare
from .notebooks import Notebook

if TYPE_CHECKING:
    from .forking import Template

#: The start of every socket folder's name, followed by the process id.
SOCKETS_PREFIX = "tip-norway-kernel-"
_ENGINE = "tip-norway-kernel"
_STARTUP_TIMEOUT = 60

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


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie not yet reaped counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True


def remove_orphaned_sockets() -> list[Path]:
    """Remove the socket folders of runner processes that no longer exist; the folders removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}*"):
        pid = folder.name[len(SOCKETS_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _describe_stop(exc: Exception, execution_timeout: int | None, kernel: Kernel) -> str:
    """What stopped a cell, in words: a timeout, a dead kernel (with its exit status), or the error itself."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(exc, CellTimeoutError):
        return f"ran past the cell timeout of {execution_timeout} s and was stopped (--cell-timeout sets the limit)"
    if isinstance(exc, DeadKernelError):
        code = kernel.exit_code()
        status = (f"exit status {code}" if code is not None and code >= 0
                  else f"signal {-code}" if code is not None else "status unknown")
        return f"the kernel died while it ran ({status})"
    return f"{type(exc).__name__}: {exc}"


async def ready(client, timeout: float, kernel: Kernel | None = None) -> None:
    """Wait until the kernel answers on its shell channel and its IOPub channel reaches ``client``.

    jupyter_client's ``wait_for_ready`` does the same, then drains IOPub until
    0.2 s pass without a message: a fixed 0.2 s on every kernel, longer than a
    forked kernel takes to start. The messages it would drain are the status
    messages of the kernel_info request, which nbclient ignores anyway (it reads
    only the messages of the cells it sends).

    Raises:
        RuntimeError: When the kernel dies first, or does not answer within ``timeout`` seconds.
    """
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        client.kernel_info()
        try:
            reply = await client.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        # any kernel_info reply will do, as in jupyter_client: a slow kernel answers an earlier request late
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:  # a message on IOPub proves the subscription is through; without one, ask again
                await client.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                pass
            else:
                client._handle_kernel_info_reply(reply)
                return
        if kernel is not None and kernel.manager is not None and not kernel.manager.is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


def _register_engine() -> None:
    """Register papermill's nbclient engine, told to run in a :class:`Kernel` started for it."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_core.utils import run_sync
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    if _ENGINE in papermill_engines._engines:
        return

    class Client(PapermillNotebookClient):
        """papermill's client, with an asynchronous kernel client and a note of the cell being run."""

        cell_index: int | None = None

        async def async_start_new_kernel_client(self):
            # nbclient's own asks the manager for a client: a blocking one, for our manager, which would
            # stall nbclient's event loop and with it the watch for a dead kernel and the cell timeout.
            # A session of its own (load_connection_info copies the key, not the session): a client's session id is
            # its identity at the kernel's sockets. One per kernel, kept while it lives.
            kernel = self.tip_norway_kernel
            if kernel.async_client is None:
                client = AsyncKernelClient(parent=self.km)
                client.load_connection_info(self.km.get_connection_info())
                client.start_channels()
                await ready(client, self.startup_timeout, kernel)
                client.allow_stdin = False
                kernel.async_client = client
            self.kc = kernel.async_client
            return self.kc

        # what papermill calls: nbclient's is bound to its own
        start_new_kernel_client = run_sync(async_start_new_kernel_client)

        def execute_cell(self, cell, cell_index, *args, **kwargs):
            self.cell_index = cell_index
            return super().execute_cell(cell, cell_index, *args, **kwargs)

    class KernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, kernel: Kernel | None = None, **_):
            from nbclient.exceptions import CellControlSignal, DeadKernelError

            client = Client(nb_man, km=kernel.manager, timeout=execution_timeout, startup_timeout=start_timeout,
                            kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                            stderr_file=stderr_file)
            client.tip_norway_kernel = kernel
            try:
                # nbclient leaves a kernel and a client it was given running; Kernel.stop ends them
                return client.execute()
            except (CellControlSignal, DeadKernelError, TimeoutError, RuntimeError) as exc:
                index = client.cell_index
                source = nb_man.nb.cells[index].source if index is not None else ""
                raise CellStopped(index, source, _describe_stop(exc, execution_timeout, kernel)) from exc

    papermill_engines.register(_ENGINE, KernelEngine)


class Kernel:
    """One ``python3`` kernel that runs one notebook (or, after a failure, is started again for the next).

    Use as a context manager; the kernel is shut down on leaving it. After a
    run that did not end with a cell's own error (a timeout, a dead kernel, a
    stop), the kernel is started again before a next run rather than trusted.

    Args:
        environ: Environment variables the kernel starts with, on top of this process's.
        template: The template to fork the kernel from (see :mod:`.forking`); None starts it anew.
    """

    def __init__(self, environ: dict[str, str] | None = None, template: Template | None = None) -> None:
        self.environ = environ or {}
        self.template = template
        self.manager = None
        self.async_client = None  # nbclient's, made in its event loop on the first run (see _register_engine)
        self.runs = 0
        self.starts = 0
        self._sockets: Path | None = None

    def __enter__(self) -> Kernel:
        self.start()
        return self

    def __exit__(self, *_) -> None:
        self.stop()

    def start(self) -> None:
        """Start the kernel, forked from the template or anew, in a socket folder of its own."""
        load_engine()
        _register_engine()
        from jupyter_client.manager import KernelManager

        self._sockets = Path(tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{os.getpid()}-"))
        forked = {}
        if self.template is not None:
            from .provisioner import kernel_spec_manager

            forked = {"kernel_spec_manager": kernel_spec_manager(self.template.id, KERNEL)}
        self.manager = KernelManager(kernel_name=KERNEL, config=kernel_config(self._sockets), **forked)
        with _live_lock:
            _live.add(self)
        self.manager.start_kernel(env={**os.environ, **self.environ})
        self.starts += 1

    def stop(self) -> None:
        """Shut the kernel down and remove its socket folder; safe to call twice."""
        with _live_lock:
            _live.discard(self)
        if self.async_client is not None:
            self.async_client.stop_channels()
        if self.manager is not None and self.manager.has_kernel:
            with contextlib.suppress(Exception):  # a kernel already gone
                self.manager.shutdown_kernel(now=True)
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
        self.manager = self.async_client = self._sockets = None

    def pid(self) -> int | None:
        """The kernel's process id, or None when it has none."""
        process = getattr(getattr(self.manager, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def exit_code(self) -> int | None:
        """The kernel process's exit status once it has ended (negative: the signal that ended it)."""
        process = getattr(getattr(self.manager, "provisioner", None), "process", None)
        if process is None:
            return None
        with contextlib.suppress(Exception):
            process.wait(timeout=1)
        return process.poll()

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

    def run(self, nb: Notebook, params: dict, executed: Path, timeout: int | None = None,
            stop: threading.Event | None = None) -> Outcome:
        """Run ``nb`` with ``params`` into ``executed``; never raises (see :func:`.execute.failure`).

        Args:
            nb: The notebook.
            params: The parameters injected into it.
            executed: Where the executed copy is written.
            timeout: Seconds one cell may run.
            stop: Set when a stop was requested: the notebook is then not started (see :mod:`.stopping`).
        """
        import papermill

        outcome = Outcome(nb.name, params, executed)
        started = time.perf_counter()
        trusted = True
        try:
            if self.manager is None or not self.manager.is_alive():
                self.stop()
                self.start()
            if stop is not None and stop.is_set():  # asked to stop while this kernel started
                outcome.started = False
                outcome.error = f"{nb.name}: not started (the run was stopped)"
                return outcome
            executed.parent.mkdir(parents=True, exist_ok=True)
            prepare(nb, params, executed)
            papermill.execute_notebook(str(executed), str(executed), kernel_name=KERNEL, engine_name=_ENGINE,
                                       kernel=self,
                                       progress_bar=False, log_output=False, execution_timeout=timeout,
                                       # the executed copy is written once, at the end
                                       request_save_on_cell_execute=False)
        except Exception as exc:  # a cell's error; or a timeout, a dead kernel, a notebook that cannot be read
            outcome.error = failure(nb, exc, executed)
            trusted = isinstance(exc, papermill.PapermillExecutionError)
        self.runs += 1
        if not trusted:
            self.stop()  # started afresh before the next run
        outcome.seconds = time.perf_counter() - started
        return outcome


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
    for folder in Path(tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}{os.getpid()}-*"):
        shutil.rmtree(folder, ignore_errors=True)
