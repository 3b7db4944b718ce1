"""``tip-norway list | head -1``: a command whose reader has gone ends quietly, with SIGPIPE's status."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys

import pytest

from analysis import config

COMMAND = [sys.executable, "-m", "analysis.regenerate.cli", "list"]


@pytest.mark.kernel
def test_output_to_a_pipe_closed_before_it_is_written_ends_quietly():
    # the read end is closed before the command starts writing: its first write meets a closed pipe
    process = subprocess.Popen(COMMAND, cwd=config.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 128 + signal.SIGPIPE == 141
    assert err == "", err


@pytest.mark.kernel
def test_list_into_head_prints_the_first_notebook_and_nothing_else():
    first = sorted(p.stem for p in config.NOTEBOOKS.glob("*.ipynb"))[0]
    pipeline = f"{shlex.join(COMMAND)} | head -1"
    piped = subprocess.run(pipeline, shell=True, cwd=config.ROOT, capture_output=True, text=True, timeout=60)
    assert piped.stdout == f"{first}\n"
    assert "Traceback" not in piped.stderr and "BrokenPipeError" not in piped.stderr
    assert piped.stderr == ""
