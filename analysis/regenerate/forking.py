"""Fresh kernels at the price of warm ones: each kernel forked from a template that has already imported.

Starting a ``python3`` kernel and importing pandas, matplotlib, seaborn and the
package takes about two seconds of a three-to-five-second notebook run. A
:class:`Template` process (:mod:`.forkserver`) does those imports once per run or
sweep; every notebook run then gets a kernel forked from it, which is a new
process (its own namespace, sockets and defaults: nothing an earlier run did
reaches it) that starts in a fraction of a second.

How it plugs in: through jupyter_client's supported extension point for
starting kernels, a kernel provisioner. :class:`ForkProvisioner` is
jupyter_client's own local provisioner with one step replaced: where that one
starts ``python -m ipykernel_launcher -f <connection file>`` with ``Popen``,
this one (:mod:`.provisioner`) asks the template to fork a child that runs the same launcher with
the same arguments, environment and working directory. Everything else (the
connection file over IPC sockets, interrupts, restarts, shutdown, the
manager's view of the process) is jupyter_client's. It is registered under
the entry point ``tip-norway-fork`` (pyproject.toml), and chosen by a kernel
spec whose metadata names it (:func:`.provisioner.kernel_spec_manager`), so that papermill
and nbclient drive a forked kernel exactly as they drive any other.

The template lives for one run or one sweep (:func:`started_template`), so
it never serves code older than the run: an edit to the package between two
runs is seen by the next. A process that makes many runs (the test suite) may
keep one across runs (:func:`kept_template`); it is replaced as soon as a file
of the package differs from what it imported. Fork is used on Linux only; on macOS (where
forking a process that has imported system frameworks is unsafe) and Windows
the ordinary kernel is started (:func:`available`).

This module imports nothing heavy: a run that finds everything up to date imports it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .errors import RunError
from .kernel import pid_alive

#: In the template's command line (and so its forked kernels'), followed by the runner's process id: how a test,
#: or a person with ``ps``, tells which runner they belong to.
TEMPLATE_MARKER = "tip-norway-template-of-"
#: The package a template imports.
PACKAGE = Path(__file__).resolve().parents[1]

_templates: dict[str, Template] = {}
_templates_lock = threading.Lock()


def available() -> bool:
    """Whether kernels are forked here: on Linux, where fork after import is safe and PR_SET_PDEATHSIG exists."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def kernels_described(fresh: bool = False) -> str:
    """How a run's or sweep's kernels start, for its manifest."""
    if fresh:
        return "a kernel started anew per notebook run (--fresh-kernels)"
    if not available():
        return f"a kernel started anew per notebook run (no fork on {sys.platform})"
    return "a kernel forked per notebook run from a template that has imported what the notebooks import"


def source_digest() -> str:
    """The sha256 of every file of the package (its modules, the words' templates): what a template has imported."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _launch(environ: dict[str, str] | None) -> Template:
    template = Template(environ)
    template.launch()
    return template


def wait_until_ready(template: Template | None) -> None:
    """Wait for a launched template to finish its imports (nothing for None: kernels started anew).

    Raises:
        RunError: When it does not start (a package module that does not import, say).
    """
    if template is None:
        return
    try:
        template.ready()
    except TemplateError as error:
        template.stop()
        raise RunError(f"could not start the template process kernels are forked from: {error}; its stderr is "
                       "above (--fresh-kernels starts every kernel anew)") from None


#: The template kept between runs inside :func:`kept_template` (the test suite's), with the package source it imported.
_kept: dict[str, Any] = {}
_kept_lock = threading.Lock()


@contextlib.contextmanager
def kept_template():
    """Within it, the runs and sweeps of this process share one template, started again when the package changes.

    For a process that runs many small runs, such as the test suite: a template
    costs seconds of imports, more than a run of a tiny notebook. It never serves
    stale code: before each run the package's source is compared with what the
    template imported (:func:`source_digest`), and a changed file, or a template
    that has ended, starts a new one.
    """
    with _kept_lock:
        _kept["on"] = _kept.get("on", 0) + 1  # re-entrant: the outermost one ends the template
    try:
        yield
    finally:
        with _kept_lock:
            _kept["on"] -= 1
            if not _kept["on"]:
                if _kept.get("template") is not None:
                    _kept["template"].stop()
                _kept.clear()


def _kept_or_new(environ: dict[str, str] | None) -> Template:
    with _kept_lock:
        digest = source_digest()
        template = _kept.get("template")
        if template is None or _kept.get("digest") != digest or template.process.poll() is not None:
            if template is not None:
                template.stop()
            _kept.update(template=_launch(environ), digest=digest)
        return _kept["template"]


@contextlib.contextmanager
def started_template(fresh: bool = False, environ: dict[str, str] | None = None):
    """The template a run or sweep forks its kernels from, for as long as it lasts; None for kernels started anew.

    None when ``fresh`` (``--fresh-kernels``) or where fork is not used (:func:`available`). Inside
    :func:`kept_template`, the kept one. The template is launched, not waited for: it imports while the
    runner checks the data; :func:`wait_until_ready` (or the first fork) waits for it.
    """
    if fresh or not available():
        yield None
        return
    if _kept.get("on"):
        yield _kept_or_new(environ)
        return
    template = _launch(environ)
    try:
        yield template
    finally:
        template.stop()


class TemplateError(RuntimeError):
    """The template process did not start, or stopped answering."""


class Template:
    """The process kernels are forked from; use as a context manager around a run or a sweep.

    Args:
        environ: Variables the template starts with on top of this process's
            (each kernel gets the environment its manager gives it, not these).
    """

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self.environ = environ or {}
        self.process: subprocess.Popen | None = None
        self.forks = 0
        self._lock = threading.Lock()
        self._reader = self._writer = None
        self._ready = False
        self.id = f"{os.getpid()}-{id(self)}"

    def __enter__(self) -> Template:
        self.start()
        return self

    def __exit__(self, *_) -> None:
        self.stop()

    def start(self) -> None:
        """Start the template and wait until it has imported everything; raise :class:`TemplateError` if it fails."""
        self.launch()
        self.ready()

    def launch(self) -> None:
        """Start the template without waiting for it: it imports while the caller does other work."""
        from_runner, to_template = os.pipe()  # (read end, write end): the template reads what the runner writes
        from_template, to_runner = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "analysis.regenerate.forkserver", str(from_runner), str(to_runner),
             f"{TEMPLATE_MARKER}{os.getpid()}"],
            pass_fds=(from_runner, to_runner), env={**os.environ, **self.environ}, stdin=subprocess.DEVNULL)
        os.close(from_runner)
        os.close(to_runner)
        self._writer = os.fdopen(to_template, "w", encoding="utf-8")
        self._reader = os.fdopen(from_template, "r", encoding="utf-8")
        self._ready = False

    def ready(self) -> None:
        """Wait until the template has imported everything (at once if it has); :class:`TemplateError` if it failed."""
        with self._lock:
            if self._ready:
                return
            if self._reader is None:
                raise TemplateError("starting the template: it has been stopped")
            self._expect("ready", "starting the template")
            self._ready = True
        with _templates_lock:
            _templates[self.id] = self

    def stop(self) -> None:
        """End the template; it kills any kernel still running. Safe to call twice."""
        with _templates_lock:
            _templates.pop(self.id, None)
        for stream in (self._writer, self._reader):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._writer = self._reader = None
        if self.process is not None and not self._ready:
            self.process.kill()  # still importing: nothing to wait for
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def _expect(self, key: str, doing: str) -> Any:
        line = self._reader.readline() if self._reader is not None else ""
        if not line:
            code = self.process.poll() if self.process is not None else None
            raise TemplateError(f"{doing}: the template process ended (exit status {code})")
        message = json.loads(line)
        if key not in message:
            raise TemplateError(f"{doing}: unexpected answer {message}")
        return message[key]

    def ask(self, request: dict, key: str, doing: str) -> Any:
        """Send one request and read its answer, one caller at a time."""
        with self._lock:
            if self._writer is None:
                raise TemplateError(f"{doing}: the template has been stopped")
            try:
                self._writer.write(json.dumps(request) + "\n")
                self._writer.flush()
            except OSError as error:
                raise TemplateError(f"{doing}: {error}") from None
            return self._expect(key, doing)

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> ForkedProcess:
        """A kernel started as ``python -m ipykernel_launcher *argv`` would be, with ``env`` in ``cwd``."""
        self.ready()
        pid = self.ask({"fork": argv, "env": env, "cwd": cwd}, "pid", "forking a kernel")
        self.forks += 1
        return ForkedProcess(pid, self)


def template(template_id: str) -> Template:
    """The live template of that id."""
    with _templates_lock:
        found = _templates.get(template_id)
    if found is None:
        raise TemplateError(f"no template {template_id} is running (it lives for one run or sweep)")
    return found


class ForkedProcess:
    """A kernel forked by the template, seen as ``subprocess.Popen`` shows a child (it is the template's)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, parent: Template) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._parent = parent

    def poll(self) -> int | None:
        """The exit status once the kernel has ended (negative: the signal), else None."""
        if self.returncode is None:
            try:
                self.returncode = self._parent.ask({"status": self.pid}, "exit", "asking after a kernel")
            except TemplateError:  # the template is gone, and its children with it
                self.returncode = None if pid_alive(self.pid) else -9
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end; ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("forked kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, number: int) -> None:
        """Send ``number`` to the kernel (not to its group: jupyter_client signals the group itself)."""
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)
