"""The command line in processes of their own, for the tests of stops: started, waited for, and what each left behind.

Each process gets a temporary folder of its own ($TMPDIR), where its kernels' socket folders go, so that what it
leaves behind is told apart from what any other run on the machine makes or clears: a run that starts clears the
socket folders of every runner that no longer exists, a killed one's among them.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from tiny_notebooks import LEAN_TEMPLATE

from analysis import config
from analysis.regenerate.forking import TEMPLATE_MARKER
from analysis.regenerate.sockets import SOCKETS_PREFIX

#: Longer than any wait below: a run still going when the test gives up has not been stopped.
LIMIT = 180


@dataclass
class Started:
    """A command line started in a process of its own: the process, the test's folder, its temporary folder."""

    process: subprocess.Popen
    #: The test's folder: the notebooks, the output and whatever else it gave the process.
    folder: Path
    #: Its $TMPDIR, where its kernels' socket folders go.
    temporary: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def end(self) -> None:
        """Remove its temporary folder, having killed the process if it still runs (a test that failed midway)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()
        shutil.rmtree(self.temporary, ignore_errors=True)


def start(folder: Path, *args: str, env: dict[str, str] | None = None) -> Started:
    """``tip-norway ARGS`` on the test's ``folder``, in a process of its own, as a person or a scheduler starts it.

    ``env`` is added to this process's environment.

    Its template imports only what tiny notebooks need (``LEAN_TEMPLATE``). Its temporary folder is made in the
    system's, with a short name, since the path of a Unix socket in it may not exceed about 100 characters.
    """
    temporary = Path(tempfile.mkdtemp(prefix="tip-stops-"))
    process = subprocess.Popen([sys.executable, "-m", "analysis.regenerate.cli", *args], cwd=config.ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, **LEAN_TEMPLATE, **(env or {}), "TMPDIR": str(temporary)})
    return Started(process, folder, temporary)


def finish(started: Started, limit: float = LIMIT) -> tuple[int, str]:
    """The exit code and stderr; fails the test (and kills the process) if it has not ended within ``limit`` seconds."""
    process = started.process
    try:
        _, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"still running after {limit} s: the run hung")
    return process.returncode, err


def said(started: Started, text: str, limit: float = 60) -> str:
    """What the process has written to stderr up to ``text``; fails the test if ``text`` has not come within ``limit``.

    Read from the pipe's descriptor, so that :func:`finish` then reads the rest.
    """
    fd, out, deadline = started.process.stderr.fileno(), b"", time.monotonic() + limit
    while text.encode() not in out:
        assert time.monotonic() < deadline, f"{text!r} not said within {limit} s: {out.decode()}"
        if select.select([fd], [], [], 0.5)[0]:
            chunk = os.read(fd, 65536)
            assert chunk, f"the process ended before saying {text!r}: {out.decode()}"
            out += chunk
    return out.decode()


def left_behind(started: Started) -> tuple[list[Path], list[int]]:
    """The socket folders, and the kernel and template processes, the runner ``started`` left.

    A kernel started anew names its socket folder in its command line; the template and the kernels forked from it
    carry the template's, which names the runner.
    """
    marker = f"{SOCKETS_PREFIX}{started.pid}-"
    folders = sorted(started.temporary.glob(f"{marker}*"))
    kernels = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["status"] != psutil.STATUS_ZOMBIE and any(
                marker in part or part == f"{TEMPLATE_MARKER}{started.pid}" for part in cmdline):
            kernels.append(proc.info["pid"])
    return folders, kernels


def settle(started: Started) -> tuple[list[Path], list[int]]:
    """:func:`left_behind`, after giving ending kernels up to 10 s to be reaped by the system."""
    deadline = time.monotonic() + 10
    found = left_behind(started)
    while found[1] and time.monotonic() < deadline:
        time.sleep(0.1)
        found = left_behind(started)
    return found
