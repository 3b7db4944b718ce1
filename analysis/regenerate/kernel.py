"""The kernels the runner starts, and the papermill engine that drives them without ever blocking.

Every notebook run, published or part of a sweep, goes through :class:`Kernel`:
a ``python3`` kernel started over IPC sockets in a private temporary folder
(see :func:`.execute.kernel_config`), which papermill's own nbclient engine
then runs the notebook in. A published run starts one kernel per notebook, as
JupyterLab would. A sweep keeps one warm kernel per worker: :class:`Kernel`
with ``warm=True`` imports the heavy modules once and records the fresh state
with :func:`.clean_slate.remember`, and before every run :func:`.clean_slate.reset`
gives the run an empty namespace and the default plotting state (the tests
prove both).

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
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from ..data.paths import FIGURES_DIR_ENV
from .execute import KERNEL, Outcome, failure, kernel_config, load_engine, prepare
from .notebooks import Notebook

#: Imported once when a warm kernel starts, so that no run in it pays for them.
WARM_IMPORTS = "import analysis.analyses, analysis.charts, analysis.regenerate.clean_slate"
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


def _pid_alive(pid: int) -> bool:
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
        if folder.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
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
            # its identity at the kernel's sockets, which a warm kernel's own client would otherwise share and lose.
            # One per kernel, kept for its later runs (papermill runs them on the same thread, so in the same event
            # loop): a new one would wait for the kernel and its subscription again on every run.
            kernel = self.tip_norway_kernel
            if kernel.async_client is None:
                client = AsyncKernelClient(parent=self.km)
                client.load_connection_info(self.km.get_connection_info())
                client.start_channels()
                await client.wait_for_ready(timeout=self.startup_timeout)
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


class KernelError(RuntimeError):
    """A warm kernel could not be started, warmed or reset."""


class Kernel:
    """One ``python3`` kernel that runs notebooks: one (a published run) or many, each from a clean slate (``warm``).

    Use as a context manager; the kernel is shut down on leaving it. After a
    run that did not end with a cell's own error (a timeout, a dead kernel, a
    stop), the kernel is restarted before the next run rather than trusted.

    Args:
        warm: Import the heavy modules once and reset the kernel before every run (sweeps).
        environ: Environment variables the kernel starts with, on top of this process's.
    """

    def __init__(self, warm: bool = False, environ: dict[str, str] | None = None) -> None:
        self.warm = warm
        self.environ = environ or {}
        self.manager = None
        self.client = None
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
        """Start the kernel in a socket folder of its own; a warm kernel is also connected and its imports run."""
        load_engine()
        _register_engine()
        from jupyter_client.manager import KernelManager

        self._sockets = Path(tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{os.getpid()}-"))
        self.manager = KernelManager(kernel_name=KERNEL, config=kernel_config(self._sockets))
        with _live_lock:
            _live.add(self)
        self.manager.start_kernel(env={**os.environ, **self.environ})
        self.starts += 1
        if self.warm:
            self.client = self.manager.client()
            self.client.start_channels()
            self.client.wait_for_ready(timeout=_STARTUP_TIMEOUT)
            self.client.allow_stdin = False
            self._call(f"{WARM_IMPORTS}\nanalysis.regenerate.clean_slate.remember()", "warming the kernel")

    def stop(self) -> None:
        """Shut the kernel down and remove its socket folder; safe to call twice."""
        with _live_lock:
            _live.discard(self)
        for client in (self.client, self.async_client):
            if client is not None:
                client.stop_channels()
        if self.manager is not None and self.manager.has_kernel:
            with contextlib.suppress(Exception):  # a kernel already gone
                self.manager.shutdown_kernel(now=True)
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
        self.manager = self.client = self.async_client = self._sockets = None

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

    def _call(self, code: str, doing: str) -> None:
        """Run ``code`` in a warm kernel outside any notebook; raise :class:`KernelError` if it fails."""
        reply = self.client.execute_interactive(code, store_history=False, silent=True, timeout=_STARTUP_TIMEOUT,
                                                output_hook=lambda _: None)
        content = reply["content"]
        if content["status"] != "ok":
            raise KernelError(f"{doing}: {content.get('ename')}: {content.get('evalue')}")

    def run(self, nb: Notebook, params: dict, executed: Path, figures: Path | None = None,
            timeout: int | None = None, stop: threading.Event | None = None) -> Outcome:
        """Run ``nb`` with ``params`` into ``executed``; never raises (see :func:`.execute.failure`).

        Args:
            nb: The notebook.
            params: The parameters injected into it.
            executed: Where the executed copy is written.
            figures: Where a warm kernel's run writes its charts (a fresh kernel has it from ``environ``).
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
            if self.warm:
                environ = json.dumps({FIGURES_DIR_ENV: str(figures)})
                self._call(f"__import__('analysis.regenerate.clean_slate', fromlist=['reset']).reset({environ})",
                           "resetting the kernel")
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
    """Kill every live kernel and remove its socket folder.

    At exit (normally, or on an exception), and on a second Ctrl-C.
    """
    for kernel in live():
        kernel.signal(signal.SIGKILL)
        if kernel._sockets is not None:
            shutil.rmtree(kernel._sockets, ignore_errors=True)
