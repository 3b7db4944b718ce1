"""A kernel a sweep starts once and runs many notebooks in, each from a clean slate.

Starting a kernel and importing pandas, matplotlib, seaborn and the package
is most of the cost of a run of a notebook. A sweep therefore keeps one warm
kernel per worker: :class:`Kernel` starts it (over IPC sockets, as
:mod:`.execute` does), imports the heavy modules once, and records the fresh
state with :func:`.clean_slate.remember`. Before every run it calls
:func:`.clean_slate.reset`, so the run sees an empty namespace and the
default plotting state, exactly as in a new kernel (the tests prove both).

The notebook itself still runs through papermill, with papermill's own
nbclient engine given this kernel's manager and client instead of starting
new ones: the executed notebook, its error handling and its messages are the
same as for a run in a kernel of its own. A published run never uses this: it
keeps a fresh kernel per notebook, as JupyterLab would.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from ..data.paths import FIGURES_DIR_ENV
from .execute import CELL_TIMEOUT, KERNEL, Outcome, failure, kernel_config, load_engine, prepare
from .notebooks import Notebook

#: Imported once when the kernel starts, so that no run pays for them.
WARM_IMPORTS = "import analysis.analyses, analysis.charts, analysis.regenerate.clean_slate"
_ENGINE = "tip-norway-reused-kernel"
_STARTUP_TIMEOUT = 60


def _register_engine() -> None:
    """Register papermill's nbclient engine, told to use a kernel it was given rather than start one."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    if _ENGINE in papermill_engines._engines:
        return

    class ReusedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, kernel: Kernel | None = None, **_):
            client = PapermillNotebookClient(nb_man, km=kernel.manager, timeout=execution_timeout, startup_timeout=start_timeout,
                                             kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                             stderr_file=stderr_file)
            client.kc = kernel.client  # nbclient starts a client only when it has none, and leaves a kernel it does not own running
            return client.execute()

    papermill_engines.register(_ENGINE, ReusedKernelEngine)


class KernelError(RuntimeError):
    """The kernel could not be started, warmed or reset."""


class Kernel:
    """One ``python3`` kernel, started once, that runs notebooks one after another from a clean slate.

    Use as a context manager; the kernel is shut down on leaving it. After a
    run that did not end with a cell's error (a timeout, a dead kernel), the
    kernel is restarted before the next run rather than trusted.
    """

    def __init__(self) -> None:
        self.manager = None
        self.client = None
        self.runs = 0
        self.starts = 0
        self._sockets: Path | None = None

    def __enter__(self) -> Kernel:
        self.start()
        return self

    def __exit__(self, *_) -> None:
        self.stop()

    def start(self) -> None:
        load_engine()
        _register_engine()
        from jupyter_client.manager import KernelManager

        self._sockets = Path(tempfile.mkdtemp(prefix="tip-norway-kernel-"))
        self.manager = KernelManager(kernel_name=KERNEL, config=kernel_config(self._sockets))
        self.manager.start_kernel()
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=_STARTUP_TIMEOUT)
        self.client.allow_stdin = False
        self.starts += 1
        self._call(f"{WARM_IMPORTS}\nanalysis.regenerate.clean_slate.remember()", "warming the kernel")

    def stop(self) -> None:
        if self.client is not None:
            self.client.stop_channels()
        if self.manager is not None and self.manager.has_kernel:
            self.manager.shutdown_kernel(now=True)
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
        self.manager = self.client = self._sockets = None

    def _call(self, code: str, doing: str) -> None:
        """Run ``code`` in the kernel outside any notebook; raise :class:`KernelError` if it fails."""
        reply = self.client.execute_interactive(code, store_history=False, silent=True, timeout=_STARTUP_TIMEOUT,
                                                output_hook=lambda _: None)
        content = reply["content"]
        if content["status"] != "ok":
            raise KernelError(f"{doing}: {content.get('ename')}: {content.get('evalue')}")

    def run(self, nb: Notebook, params: dict, executed: Path, figures: Path) -> Outcome:
        """Run ``nb`` with ``params`` into ``executed``, its charts into ``figures``; never raises (see :func:`.execute.execute`)."""
        import papermill

        outcome = Outcome(nb.name, params, executed)
        started = time.perf_counter()
        trusted = True
        try:
            if self.manager is None or not self.manager.is_alive():
                self.stop()
                self.start()
            environ = json.dumps({FIGURES_DIR_ENV: str(figures)})
            self._call(f"__import__('analysis.regenerate.clean_slate', fromlist=['reset']).reset({environ})", "resetting the kernel")
            executed.parent.mkdir(parents=True, exist_ok=True)
            prepare(nb, params, executed)
            papermill.execute_notebook(str(executed), str(executed), kernel_name=KERNEL, engine_name=_ENGINE, kernel=self,
                                       progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT,
                                       request_save_on_cell_execute=False)
        except Exception as exc:  # a cell's error; or a timeout, a dead kernel, a notebook that cannot be read
            outcome.error = failure(nb, exc, executed)
            trusted = isinstance(exc, papermill.PapermillExecutionError)
        self.runs += 1
        if not trusted:
            self.stop()  # started afresh before the next run
        outcome.seconds = time.perf_counter() - started
        return outcome
