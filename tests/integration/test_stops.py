"""Runs and sweeps that cannot hang and stop cleanly: a dying kernel, a cell past its timeout, Ctrl-C, SIGTERM, kill -9.

Every case runs the real command line in a process of its own, with real
kernels, and waits for it with a limit: a run that hung would fail the test
at that limit instead of hanging the suite. No test measures how long a stop
takes; each checks what is left behind. A kernel that ignores the interrupt is
given a short grace period ($TIP_NORWAY_STOP_GRACE), and a cell a one-second
timeout, so that no test sits through the product's defaults. The notebooks are
tiny, so the template their kernels fork from imports no more than they need
(``LEAN_TEMPLATE``): what a stop does to a kernel does not depend on its imports.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from tiny_notebooks import LEAN_TEMPLATE, write_notebook

from analysis import config
from analysis.regenerate.cli import main
from analysis.regenerate.forking import TEMPLATE_MARKER
from analysis.regenerate.lock import run_lock
from analysis.regenerate.sockets import SOCKETS_PREFIX, remove_orphaned_sockets
from analysis.regenerate.stopping import GRACE, GRACE_ENV, grace

#: A cell that kills its kernel for step 2 and outlives any timeout for step 3; the others print their step and the
#: process their kernel was started by (the runner, or the template it was forked from).
DIE_OR_SLEEP = ("import os, time\nif step == 2:\n    os._exit(1)\nif step == 3:\n    "
                "time.sleep(600)\nprint('step', step, os.getppid())")
#: Longer than any wait below: a run still going when the test gives up has not been stopped.
LIMIT = 180
#: The grace period a kernel that ignores the interrupt is given here, instead of the product's 5 s.
SHORT_GRACE = {GRACE_ENV: "0.5"}


def command(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``tip-norway ARGS`` in a process of its own, as a person or a scheduler starts it (``env`` added to ours)."""
    return subprocess.Popen([sys.executable, "-m", "analysis.regenerate.cli", *args], cwd=config.ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **LEAN_TEMPLATE, **(env or {})})


def finish(process: subprocess.Popen, limit: float = LIMIT) -> tuple[int, str]:
    """The exit code and stderr; fails the test (and kills the process) if it has not ended within ``limit`` seconds."""
    try:
        _, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"still running after {limit} s: the run hung")
    return process.returncode, err


def said(process: subprocess.Popen, text: str, limit: float = 60) -> str:
    """What the process has written to stderr up to ``text``; fails the test if ``text`` has not come within ``limit``.

    Read from the pipe's descriptor, so that :func:`finish` then reads the rest.
    """
    fd, out, deadline = process.stderr.fileno(), b"", time.monotonic() + limit
    while text.encode() not in out:
        assert time.monotonic() < deadline, f"{text!r} not said within {limit} s: {out.decode()}"
        if select.select([fd], [], [], 0.5)[0]:
            chunk = os.read(fd, 65536)
            assert chunk, f"the process ended before saying {text!r}: {out.decode()}"
            out += chunk
    return out.decode()


def left_behind(pid: int) -> tuple[list[Path], list[int]]:
    """The socket folders, and the kernel and template processes, a runner of process ``pid`` left.

    A kernel started anew names its socket folder in its command line; the template and the kernels forked from it
    carry the template's, which names the runner.
    """
    marker = f"{SOCKETS_PREFIX}{pid}-"
    folders = sorted(Path(tempfile.gettempdir()).glob(f"{marker}*"))
    kernels = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["status"] != psutil.STATUS_ZOMBIE and any(
                marker in part or part == f"{TEMPLATE_MARKER}{pid}" for part in cmdline):
            kernels.append(proc.info["pid"])
    return folders, kernels


def settle(pid: int) -> tuple[list[Path], list[int]]:
    """:func:`left_behind`, after giving ending kernels up to 10 s to be reaped by the system."""
    deadline = time.monotonic() + 10
    found = left_behind(pid)
    while found[1] and time.monotonic() < deadline:
        time.sleep(0.2)
        found = left_behind(pid)
    return found


def only(folder: Path) -> Path:
    (found,) = folder.iterdir()
    return found


@pytest.fixture
def die(tmp_path) -> dict[str, Path]:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_die.ipynb", DIE_OR_SLEEP, params="step: int = 0")
    return {"notebooks": notebooks, "output": tmp_path / "output", "figures": tmp_path / "figures"}


# --- a dead kernel and a cell past its timeout end that run, in a sweep as in a run -----------------------

@pytest.mark.kernel
@pytest.mark.parametrize("kernels", [[], ["--fresh-kernels"]], ids=["forked kernels", "kernels started anew"])
def test_a_dead_kernel_and_a_cell_past_its_timeout_end_their_runs_and_the_others_are_kept(die, kernels):
    process = command("sweep", "01", "-p", "step", "1", "2", "3", "4", "--workers", "1", "--cell-timeout", "1",
                      *kernels,
                      "--notebooks-dir", str(die["notebooks"]), "--output-dir", str(die["output"]))
    code, err = finish(process)
    assert code == 1, err
    assert "Traceback" not in err
    assert ("run 2 (step=2): 01_die: cell 4, counting from 1 ('import os, time'): the kernel died "
            "while it ran (exit status 1)") in err, err
    assert ("run 3 (step=3): 01_die: cell 4, counting from 1 ('import os, time'): ran "
            "past the cell timeout of 1 s") in err, err
    folder = only(die["output"] / "sweeps")
    assert pd.read_csv(folder / "results.csv").status.tolist() == ["ok", "failed", "failed", "ok"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["status"], manifest["succeeded"], manifest["failed"]) == ("failed", 2, 2)
    printed = {}
    for k in ("001", "004"):
        executed = json.loads((folder / "runs" / k / "01_die.ipynb").read_text())
        (text,) = ["".join(o["text"]) for c in executed["cells"] for o in c.get("outputs", [])
                   if o.get("name") == "stdout"]
        step, parent = text.split()[1:]
        printed[step] = int(parent)
    assert list(printed) == ["1", "4"]
    if kernels:  # each run's kernel started anew, by the runner itself
        assert "(--fresh-kernels)" in manifest["kernels"] and set(printed.values()) == {process.pid}
    else:  # each forked from the one template, which the runner started
        assert manifest["kernels"].startswith("a kernel forked per notebook run")
        assert len(set(printed.values())) == 1 and process.pid not in printed.values()
    assert settle(process.pid) == ([], [])


@pytest.mark.kernel
def test_a_run_reports_a_dead_kernel_and_a_timeout_and_publishes_nothing(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_dies.ipynb", "import os\nos._exit(3)")
    write_notebook(notebooks / "02_sleeps.ipynb", "import time\ntime.sleep(600)")
    process = command("run", "--cell-timeout", "1", "--notebooks-dir", str(notebooks), "--output-dir",
                      str(tmp_path / "output"),
                      "--figures-dir", str(tmp_path / "figures"))
    code, err = finish(process)
    assert code == 1 and "Traceback" not in err
    assert "01_dies: cell 3, counting from 1 ('import os'): the kernel died while it ran (exit status 3)" in err
    assert "02_sleeps: cell 3, counting from 1 ('import time'): ran past the cell timeout of 1 s" in err
    assert not (tmp_path / "figures").exists()
    assert settle(process.pid) == ([], [])


# --- Ctrl-C and SIGTERM: no new notebook, the running ones interrupted, nothing published, exit 128 + N -------

def slow_notebooks(folder: Path, count: int, deaf: tuple[int, ...] = ()) -> Path:
    """``count`` notebooks that each mark, in $MARKS, that they have started, then sleep for ten minutes.

    Those numbered in ``deaf`` ignore an interrupt, as a cell stuck in compiled code does.
    """
    folder.mkdir()
    for n in range(1, count + 1):
        ignore = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" if n in deaf else ""
        write_notebook(folder / f"0{n}_slow.ipynb",
                       f"{ignore}import os, pathlib, time\npathlib.Path(os.environ['MARKS'], f'0{n} "
                       f"{{label}}').touch()\ntime.sleep(600)")
    return folder


def start_slow(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
    """Start ``tip-norway ARGS`` (with ``env`` on top of this process's) on slow notebooks.

    Return once two of them are running.
    """
    marks = tmp_path / "marks"
    marks.mkdir()
    process = command(*args, env={**(env or {}), "MARKS": str(marks)})
    deadline = time.monotonic() + 120
    while len(list(marks.iterdir())) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the notebooks never started"
        time.sleep(0.05)
    return process, marks


@pytest.mark.kernel
def test_ctrl_c_stops_a_run_publishes_nothing_and_kills_a_kernel_deaf_to_it_after_the_grace_period(tmp_path):
    # 02 ignores the interrupt: its kernel is killed once the grace period is over
    notebooks = slow_notebooks(tmp_path / "notebooks", 5, deaf=(2,))
    output, figures = tmp_path / "output", tmp_path / "figures"
    process, marks = start_slow(tmp_path, "run", "--workers", "2", "--notebooks-dir", str(notebooks), "--output-dir",
                                str(output), "--figures-dir", str(figures), env=SHORT_GRACE)
    process.send_signal(signal.SIGINT)
    code, err = finish(process, 60)
    assert code == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "Ctrl-C (SIGINT): stopping; no new notebook starts and the running ones are interrupted" in err
    assert (f"tip-norway run: stopped by Ctrl-C (SIGINT): {figures} left as it was, nothing published; "
            f"interrupted or failed: 01_slow, 02_slow; not started: 03_slow, 04_slow, 05_slow.") in err
    assert sorted(p.name for p in marks.iterdir()) == ["01 tiny", "02 tiny"]
    assert not figures.exists() and not (output / "published.json").exists()
    run_dir = only(output / "runs")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "stopped" and manifest["published"] is False
    assert [n["status"] for n in manifest["notebooks"]] == ["failed", "failed", "not started", "not started",
                                                            "not started"]
    assert "the kernel died while it ran (signal 9)" in manifest["notebooks"][1]["error"]
    assert not (run_dir / "figures").exists(), "the staged charts are removed"
    with run_lock(output, wait=False, timeout=0, say=print):
        pass  # the lock was released
    assert settle(process.pid) == ([], [])


@pytest.mark.kernel
def test_a_second_ctrl_c_ends_the_run_at_once(tmp_path):
    # the first Ctrl-C's interrupt does not end them, and the product's grace period outlasts the second Ctrl-C
    notebooks = slow_notebooks(tmp_path / "notebooks", 3, deaf=(1, 2, 3))
    process, _ = start_slow(tmp_path, "run", "--workers", "2", "--notebooks-dir", str(notebooks),
                            "--output-dir", str(tmp_path / "output"), "--figures-dir", str(tmp_path / "figures"))
    process.send_signal(signal.SIGINT)
    before = said(process, "Ctrl-C (SIGINT): stopping")  # two signals sent together may arrive as one
    process.send_signal(signal.SIGINT)
    code, err = finish(process, 60)
    err = before + err
    assert code == 130 and "Traceback" not in err
    assert "stopped at once by a second Ctrl-C (SIGINT); nothing was published" in err
    assert not (tmp_path / "figures").exists()
    run_dir = only(tmp_path / "output" / "runs")
    assert not (run_dir / "figures").exists(), "the staged charts folder is removed"
    assert settle(process.pid) == ([], [])


@pytest.mark.kernel
def test_sigterm_stops_a_sweep_and_its_folder_says_what_ran(tmp_path):
    notebooks = slow_notebooks(tmp_path / "notebooks", 1)
    output = tmp_path / "output"
    process, _ = start_slow(tmp_path, "sweep", "01", "-p", "label", "a", "b", "c", "d", "--workers", "2",
                            "--notebooks-dir", str(notebooks), "--output-dir", str(output))
    process.send_signal(signal.SIGTERM)
    code, err = finish(process, 60)
    assert code == 143 and "Traceback" not in err
    assert "tip-norway sweep: stopped by SIGTERM: 0 run(s) finished, 2 interrupted or failed, 2 not started" in err
    folder = only(output / "sweeps")
    assert pd.read_csv(folder / "results.csv").status.tolist() == ["interrupted", "interrupted", "not started",
                                                                   "not started"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "stopped"
    # within the product's grace period, the interrupt itself ends a cell that heeds it
    assert all("raised KeyboardInterrupt" in run["error"] for run in manifest["run_list"][:2]), manifest["run_list"]
    assert settle(process.pid) == ([], [])


@pytest.mark.kernel
def test_a_sweep_killed_midway_says_so_and_the_next_run_clears_its_sockets(tmp_path):
    notebooks = slow_notebooks(tmp_path / "notebooks", 1)
    output = tmp_path / "output"
    process, _ = start_slow(tmp_path, "sweep", "01", "-p", "label", "a", "b", "--workers", "2",
                            "--notebooks-dir", str(notebooks), "--output-dir", str(output))
    process.kill()
    process.communicate()
    manifest = json.loads((only(output / "sweeps") / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and "killed before it finished" in manifest["note"]
    # its kernels notice that their parent is gone and end; their socket folders stay until a later run clears them
    folders, _ = settle(process.pid)
    assert len(folders) == 2
    assert set(folders) <= set(remove_orphaned_sockets())
    assert left_behind(process.pid) == ([], [])


# --- the grace period: a setting read once, before anything runs ---------------------------------------------

@pytest.mark.parametrize(("value", "seconds"), [(None, GRACE), ("", GRACE), ("0.5", 0.5), (" 0 ", 0.0), ("12", 12.0)])
def test_the_grace_period_is_five_seconds_unless_the_variable_says_otherwise(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv(GRACE_ENV, raising=False)
    else:
        monkeypatch.setenv(GRACE_ENV, value)
    assert GRACE == 5.0 and grace() == seconds


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_grace_period_that_is_not_seconds_is_refused_before_anything_runs(die, monkeypatch, capsys, value):
    monkeypatch.setenv(GRACE_ENV, value)
    code = main(["run", "--notebooks-dir", str(die["notebooks"]), "--output-dir", str(die["output"]),
                 "--figures-dir", str(die["figures"])])
    assert code == 2
    assert capsys.readouterr().err == (
        f"tip-norway run: $TIP_NORWAY_STOP_GRACE {value!r}: expected a number of seconds of at least 0 (how long an "
        "interrupted kernel has to end before it is killed; 5 when unset)\n")
    assert not die["output"].exists() and not die["figures"].exists()
