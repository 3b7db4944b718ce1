"""The template process: imports what the notebooks import once, then forks a kernel for each request.

Run as ``python -m analysis.regenerate.forkserver READ_FD WRITE_FD MARKER`` by
:class:`analysis.regenerate.forking.Template`, never by hand. It imports the kernel (ipykernel, IPython, zmq) and the
libraries and package modules the notebooks import (pandas, matplotlib, seaborn, scipy, statsmodels,
``analysis.analyses``, ``analysis.charts``; or others that $TIP_NORWAY_TEMPLATE_IMPORTS names), but runs no notebook
code and changes no plotting state, then answers requests, one JSON line each, on the pipe it was given (MARKER only
names the runner, for ``ps``):

- ``{"fork": argv, "env": {...}, "cwd": "..."}``: fork a child that becomes the
  kernel ``python -m ipykernel_launcher argv`` would start, in a session of its
  own, with exactly ``env`` as its environment and ``cwd`` as its working
  directory; answers ``{"pid": N}``, or ``{"refused": why}`` when the template
  runs more than one thread (:func:`threads_running`);
- ``{"status": N}``: answers ``{"exit": None}`` while child N runs, then its exit
  status (negative: the signal that ended it), as ``Popen.poll`` gives it.

The child is a new process: its own namespace, sockets and execution count, matplotlib's and pandas' defaults, no
figure, and numpy's global random state seeded afresh (Python's ``random`` reseeds itself after a fork). Only the
imports are shared, as pages of memory the child copies when it writes them.

The template ends when the pipe is closed (the run or sweep is over): it kills the children still running and exits.
Every process here asks Linux to kill it when its parent dies (``PR_SET_PDEATHSIG``), so a runner killed with
``kill -9`` leaves neither the template nor a kernel behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib.util
import json
import os
import select
import signal
import sys
import threading
import time

#: Imported before any fork: the kernel's modules, then what the notebooks import (the package pulls in the libraries).
KERNEL_IMPORTS = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython",
                  "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.logger", "IPython.core.oinspect",
                  "IPython.extensions.storemagic", "sqlite3", "tornado.queues", "tornado.platform.asyncio", "zmq")
IMPORTS = (*KERNEL_IMPORTS, "pandas", "numpy", "matplotlib", "matplotlib.pyplot", "seaborn", "scipy.stats",
           "statsmodels.api", "analysis.analyses", "analysis.charts")
#: Modules, separated by commas, imported after the kernel's instead of the notebooks' when set and not empty: for
#: notebooks that import nothing heavy (the tests of stops), whose kernels then fork after a fraction of the imports.
IMPORTS_ENV = "TIP_NORWAY_TEMPLATE_IMPORTS"
#: What ipykernel sets before a notebook imports matplotlib; set here first, since matplotlib reads it at import
#: (the inline backend's module itself is left to the kernel, which imports it with its shell in place).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (a no-op where there is no prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _child(argv: list[str], env: dict[str, str], cwd: str, fds: tuple[int, int]) -> None:
    """Become the kernel: never returns."""
    code = 1
    try:
        os.setsid()  # a session of its own, as jupyter_client starts a kernel: a signal to its group reaches it alone
        die_with_parent()
        for fd in fds:
            os.close(fd)
        for number in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        import numpy

        numpy.random.seed()  # the global generator from fresh entropy, as a new process seeds it
        from ipykernel import kernelapp

        # the parent a kernel watches (and exits when it is gone) is the template; ipykernel read JPY_PARENT_PID,
        # which says so for a kernel started anew, when the template imported it, before any kernel existed
        argv = [*argv, f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *argv]  # as `python -m` sets it
        kernelapp.launch_new_instance(argv=argv)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 - a kernel that cannot start says why on stderr, as a cold one would
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait_for_session(pid: int) -> None:
    """Wait (a few milliseconds) until the child leads a session of its own, so that its group is its own.

    Until then its process group is the template's, which is the runner's: a signal to that group would reach them.
    """
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if os.getpgid(pid) == pid:
                return
        except ProcessLookupError:  # it already ended; reap() reports how
            return
        time.sleep(0.0005)


def threads_running() -> str | None:
    """Why this process may not fork now: it runs threads besides the calling one (None: it runs one).

    A fork copies only the calling thread: a lock another one held (in Python, or in a native library such as a
    BLAS thread pool, which ``threading`` does not see) would stay locked in the child for ever.
    """
    python, native = threading.active_count(), len(os.listdir("/proc/self/task"))
    if python == native == 1:
        return None
    return f"the template runs {native} threads ({python} of them Python's); it forks only from one thread"


def _fork(request: dict, set_by_imports: dict[str, str], children: _Children, fds: tuple[int, int]) -> dict:
    """Fork the kernel ``request`` asks for, once the template is seen to run one thread; the answer to send."""
    refused = threads_running()
    if refused is not None:
        return {"refused": refused}
    # what the template's streams hold would otherwise be written again by every child when it flushes them
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(request["fork"], {**set_by_imports, **request["env"]}, request["cwd"], fds)
    children.running.add(pid)
    _wait_for_session(pid)
    return {"pid": pid}


class _KernelShell:
    """What ``get_ipython()`` answers inside a kernel, as far as an import asks: a shell with a kernel."""

    kernel = True


@contextlib.contextmanager
def _as_in_a_kernel():
    """Let the imports see what they would see in a kernel: ``get_ipython()`` returning a kernel's shell.

    pandas decides at import whether it runs in a terminal (``display.max_columns`` 0, as wide as the terminal)
    or in a kernel (20), and its ``display.encoding`` from ``sys.stdout``; a cold kernel imports it with the
    kernel's shell and streams in place. Modules that would use the shell itself at import (matplotlib's inline
    backend) are not imported here: the kernel imports them, with its real shell.
    """
    import builtins
    import io

    builtins.get_ipython = lambda: _KernelShell()
    # a kernel's sys.stdout is ipykernel's OutStream, whose encoding is "UTF-8" (pandas reads it at import)
    real, sys.stdout = sys.stdout, io.TextIOWrapper(io.BytesIO(), encoding="UTF-8")
    try:
        yield
    finally:
        sys.stdout = real
        del builtins.get_ipython


class _Children:
    """The kernels forked so far: those running, and the exit status of those that ended."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.ended: dict[int, int] = {}

    def reap(self) -> None:
        """Collect the exit status of every child that has ended (no zombie is left)."""
        for pid in list(self.running):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.running.discard(pid)
                self.ended[pid] = os.waitstatus_to_exitcode(status)

    def status(self, pid: int) -> int | None:
        """None while ``pid`` runs, then its exit status."""
        self.reap()
        return None if pid in self.running else self.ended.get(pid)

    def kill_all(self) -> None:
        """Kill every child still running, and wait for it."""
        for pid in self.running:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        for pid in self.running:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)


def serve(read_fd: int, write_fd: int) -> None:
    """Import, say ready, then answer requests until the pipe closes; kill the children still running."""
    die_with_parent()
    # Ctrl-C at a terminal reaches the whole process group, the template with it: the runner decides what a stop
    # does (its kernels are interrupted, see stopping.py), and closes the pipe when it is over
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    # debugpy (imported with ipykernel's debugger) warns on stderr, at import, that frozen modules may hide
    # breakpoints; the warning is for someone debugging, and would otherwise be printed into every run's output
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    before, named = dict(os.environ), os.environ.get(IMPORTS_ENV)
    with _as_in_a_kernel():
        for module in (*KERNEL_IMPORTS, *named.split(",")) if named else IMPORTS:
            __import__(module)
    # what the imports themselves put in the environment (debugpy sets PYDEVD_USE_FRAME_EVAL): a kernel started
    # anew sets it when it imports them, so a forked one gets it too, on top of the environment it is given
    set_by_imports = {k: v for k, v in os.environ.items() if before.get(k) != v}
    gc.collect()
    gc.freeze()  # the imports' objects out of the collector's sight: a child's collections do not copy their pages
    reader, writer = os.fdopen(read_fd, "r", encoding="utf-8"), os.fdopen(write_fd, "w", encoding="utf-8")
    children = _Children()

    def answer(message: dict) -> None:
        writer.write(json.dumps(message) + "\n")
        writer.flush()

    answer({"ready": os.getpid()})
    try:
        while True:
            readable, _, _ = select.select([reader], [], [], 0.05)
            children.reap()
            if not readable:
                continue
            line = reader.readline()
            if not line:
                return
            request = json.loads(line)
            if "fork" in request:
                answer(_fork(request, set_by_imports, children, (read_fd, write_fd)))
            else:
                answer({"exit": children.status(request["status"])})
    finally:
        children.kill_all()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
