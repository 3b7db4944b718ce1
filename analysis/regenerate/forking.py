"""Fresh kernels at the price of warm ones: each kernel forked from a template that has already imported.

Starting a ``python3`` kernel and importing pandas, matplotlib, seaborn and the
package takes about two seconds of a three-to-five-second notebook run. A
:class:`Template` process (:mod:`.forkserver`) does those imports once per run or
sweep; every notebook run then gets a kernel forked from it, which is a new
process (its own namespace, sockets and defaults: nothing an earlier run did
reaches it) that starts in a fraction of a second.

How it plugs in: through jupyter_client's supported extension point for
starting kernels, a kernel provisioner (:mod:`.provisioner`): jupyter_client's
own local provisioner with one step replaced, the ``Popen`` of ``python -m
ipykernel_launcher -f <connection file>`` by a request to the template to
fork a child that runs the same launcher with the same arguments, environment
and working directory. Everything else (the connection file over IPC sockets,
interrupts, shutdown, the manager's view of the process) is jupyter_client's,
so papermill and nbclient drive a forked kernel exactly as they drive any other.

A fork copies what was fixed when the template's interpreter started. So:

- a kernel is forked only when the environment it asks for agrees with the
  template's in every variable read at interpreter start or at import
  (:data:`FIXED_AT_START`: the hash seed, ``PYTHONPATH``, the locale, thread
  pools, matplotlib's backend); otherwise it is started anew
  (:meth:`Template.serves`);
- the template runs one thread when it forks, since a fork copies only the
  thread that calls it (a lock another thread held stays locked in the child
  for ever). Its BLAS libraries start no thread pool: every kernel, forked or
  started anew, runs them on one thread (:data:`ONE_THREAD`), so both kinds do
  the same arithmetic. The template checks before each fork and refuses
  otherwise (:mod:`.forkserver`).

The template lives for one run or one sweep (:func:`started_template`), so it
never serves code older than the run: an edit to the package between two runs
is seen by the next. Fork is used on Linux only; on macOS (where forking a
process that has imported system frameworks is unsafe) and Windows the
ordinary kernel is started (:func:`available`).

This module imports nothing heavy: a run that finds everything up to date imports it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
from typing import Any

from .errors import RunError

#: In the template's command line (and so its forked kernels'), followed by the runner's process id: how a test,
#: or a person with ``ps``, tells which runner they belong to.
TEMPLATE_MARKER = "tip-norway-template-of-"
#: Variables a Python process reads once, when its interpreter starts or a library loads: a forked kernel keeps the
#: template's values, so a kernel that asks for others is started anew.
FIXED_AT_START = re.compile(r"PYTHON\w*|LANG|LC_\w+|OMP_\w+|\w+_NUM_THREADS|MPLBACKEND|MPLCONFIGDIR")
#: The thread pools of numpy's and scipy's BLAS, one thread in every kernel the runner starts (unless the
#: environment says otherwise; such a kernel is started anew) and always in the template, which forks only with one.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

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


@contextlib.contextmanager
def started_template(fresh: bool = False, environ: dict[str, str] | None = None):
    """The template a run or sweep forks its kernels from, for as long as it lasts; None for kernels started anew.

    None when ``fresh`` (``--fresh-kernels``) or where fork is not used (:func:`available`). The template is
    launched, not waited for: it imports while the runner checks the data; :func:`wait_until_ready` (or the
    first fork) waits for it.
    """
    if fresh or not available():
        yield None
        return
    template = Template(environ)
    template.launch()
    try:
        yield template
    finally:
        template.stop()


class TemplateError(RuntimeError):
    """The template process did not start, stopped answering, or refused to fork."""


class Template:
    """The process kernels are forked from; use as a context manager around a run or a sweep.

    Args:
        environ: Variables the template starts with on top of this process's
            (each kernel gets the environment its manager gives it, not these).
    """

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self.environ = environ or {}
        #: The environment the template's interpreter started with.
        self.environment: dict[str, str] = {}
        self.process: subprocess.Popen | None = None
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
        self.environment = {**os.environ, **self.environ, **ONE_THREAD}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "analysis.regenerate.forkserver", str(from_runner), str(to_runner),
             f"{TEMPLATE_MARKER}{os.getpid()}"],
            pass_fds=(from_runner, to_runner), env=self.environment, stdin=subprocess.DEVNULL)
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

    def serves(self, env: dict[str, str]) -> bool:
        """Whether a kernel asking for ``env`` may be forked: it agrees with the template on :data:`FIXED_AT_START`."""
        fixed = {name for name in (*env, *self.environment) if FIXED_AT_START.fullmatch(name)}
        return all(env.get(name) == self.environment.get(name) for name in fixed)

    def _expect(self, key: str, doing: str) -> Any:
        line = self._reader.readline() if self._reader is not None else ""
        if not line:
            code = self.process.poll() if self.process is not None else None
            raise TemplateError(f"{doing}: the template process ended (exit status {code})")
        message = json.loads(line)
        if "refused" in message:
            raise TemplateError(f"{doing}: {message['refused']}")
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

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """The process id of a kernel started as ``python -m ipykernel_launcher *argv`` would be, in ``cwd``."""
        self.ready()
        return self.ask({"fork": argv, "env": env, "cwd": cwd}, "pid", "forking a kernel")

    def status(self, pid: int) -> int | None:
        """None while the forked kernel ``pid`` runs, then its exit status (negative: the signal that ended it)."""
        return self.ask({"status": pid}, "exit", "asking after a kernel")


def template(template_id: str) -> Template:
    """The live template of that id."""
    with _templates_lock:
        found = _templates.get(template_id)
    if found is None:
        raise TemplateError(f"no template {template_id} is running (it lives for one run or sweep)")
    return found
