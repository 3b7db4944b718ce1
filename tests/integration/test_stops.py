"""Runs and sweeps that cannot hang and stop cleanly: a dying kernel, a cell past its timeout, Ctrl-C, SIGTERM, kill -9.

Every case runs the real command line in a process of its own, with real
kernels, and waits for it with a limit: a run that hung would fail the test
at that limit instead of hanging the suite. No test measures how long a stop
takes; each checks what is left behind. A kernel that ignores the interrupt is
given a short grace period ($TIP_NORWAY_STOP_GRACE), and a cell a one-second
timeout, so that no test sits through the product's defaults. The notebooks are
tiny, so the template their kernels fork from imports no more than they need
(``LEAN_TEMPLATE``): what a stop does to a kernel does not depend on its imports.

The processes of the tests the session runs are all started when the first of them begins (:func:`all_started`):
their imports, data checks and kernel starts overlap, and so do the timeouts and deaths they wait out. Each test
then signals its own process, or only waits for it, and checks what it left; each process has a temporary folder of
its own for its kernels' socket folders (stop_processes.py).
"""

from __future__ import annotations

import json
import signal
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from stop_processes import Started, finish, left_behind, said, settle, start
from tiny_notebooks import write_notebook

from analysis.regenerate.cli import main
from analysis.regenerate.lock import run_lock
from analysis.regenerate.sockets import remove_orphaned_sockets
from analysis.regenerate.stopping import GRACE, GRACE_ENV, grace

#: A cell that kills its kernel for step 2 and outlives any timeout for step 3; the others print their step and the
#: process their kernel was started by (the runner, or the template it was forked from).
DIE_OR_SLEEP = ("import os, time\nif step == 2:\n    os._exit(1)\nif step == 3:\n    "
                "time.sleep(600)\nprint('step', step, os.getppid())")
#: The grace period a kernel that ignores the interrupt is given here, instead of the product's 5 s.
SHORT_GRACE = {GRACE_ENV: "0.5"}


def only(folder: Path) -> Path:
    (found,) = folder.iterdir()
    return found


def dying_sweep(folder: Path, *kernels: str) -> Started:
    """A sweep of four runs, one at a time, whose second kernel dies and whose third cell outlives its timeout."""
    notebooks = folder / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_die.ipynb", DIE_OR_SLEEP, params="step: int = 0")
    return start(folder, "sweep", "01", "-p", "step", "1", "2", "3", "4", "--workers", "1", "--cell-timeout", "1",
                 *kernels, "--notebooks-dir", str(notebooks), "--output-dir", str(folder / "output"))


def dying_run(folder: Path) -> Started:
    """A run of two notebooks: one kills its kernel, the other outlives its cell timeout."""
    notebooks = folder / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_dies.ipynb", "import os\nos._exit(3)")
    write_notebook(notebooks / "02_sleeps.ipynb", "import time\ntime.sleep(600)")
    return start(folder, "run", "--cell-timeout", "1", "--notebooks-dir", str(notebooks), "--output-dir",
                 str(folder / "output"), "--figures-dir", str(folder / "figures"))


def slow(folder: Path, count: int, *args: str, deaf: tuple[int, ...] = (), env: dict[str, str] | None = None,
         ) -> Started:
    """``tip-norway ARGS`` on ``count`` notebooks that each mark, in ``folder/marks``, that they have started.

    Then they sleep for ten minutes. Those numbered in ``deaf`` ignore an interrupt, as a cell stuck in compiled
    code does. A run's charts go to ``folder/figures``.
    """
    notebooks, marks = folder / "notebooks", folder / "marks"
    notebooks.mkdir()
    marks.mkdir()
    for n in range(1, count + 1):
        ignore = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" if n in deaf else ""
        write_notebook(notebooks / f"0{n}_slow.ipynb",
                       f"{ignore}import os, pathlib, time\npathlib.Path(os.environ['MARKS'], f'0{n} "
                       f"{{label}}').touch()\ntime.sleep(600)")
    figures = ["--figures-dir", str(folder / "figures")] if args[0] == "run" else []
    return start(folder, *args, "--notebooks-dir", str(notebooks), "--output-dir", str(folder / "output"), *figures,
                 env={**(env or {}), "MARKS": str(marks)})


#: The process each test checks, by the test's name: started by the function given, on a folder of its own.
SCENARIOS = {
    "test_a_dead_kernel_and_a_cell_past_its_timeout_end_their_runs_and_the_others_are_kept[forked kernels]":
        dying_sweep,
    "test_a_dead_kernel_and_a_cell_past_its_timeout_end_their_runs_and_the_others_are_kept[kernels started anew]":
        lambda folder: dying_sweep(folder, "--fresh-kernels"),
    "test_a_run_reports_a_dead_kernel_and_a_timeout_and_publishes_nothing": dying_run,
    # 02 ignores the interrupt: its kernel is killed once the grace period is over
    "test_ctrl_c_stops_a_run_publishes_nothing_and_kills_a_kernel_deaf_to_it_after_the_grace_period":
        lambda folder: slow(folder, 5, "run", "--workers", "2", deaf=(2,), env=SHORT_GRACE),
    # the first Ctrl-C's interrupt does not end them, and the product's grace period outlasts the second Ctrl-C
    "test_a_second_ctrl_c_ends_the_run_at_once":
        lambda folder: slow(folder, 3, "run", "--workers", "2", deaf=(1, 2, 3)),
    "test_sigterm_stops_a_sweep_and_its_folder_says_what_ran":
        lambda folder: slow(folder, 1, "sweep", "01", "-p", "label", "a", "b", "c", "d", "--workers", "2"),
    "test_a_sweep_killed_midway_says_so_and_the_next_run_clears_its_sockets":
        lambda folder: slow(folder, 1, "sweep", "01", "-p", "label", "a", "b", "--workers", "2"),
}


@pytest.fixture(scope="module")
def all_started(request, tmp_path_factory) -> dict[str, Started]:
    """The process of each test of :data:`SCENARIOS` that the session runs, all started at once; ended at the end.

    A test that failed midway leaves its process running: it is killed here.
    """
    runs = {}
    try:
        for item in request.session.items:
            if item.name in SCENARIOS and item.path == request.path:
                runs[item.name] = SCENARIOS[item.name](tmp_path_factory.mktemp("stop"))
        yield runs
    finally:
        for run in runs.values():
            run.end()


@pytest.fixture
def started(all_started, request) -> Started:
    """This test's process, started with the others (:func:`all_started`)."""
    return all_started[request.node.name]


def running(run: Started) -> Started:
    """``run``, once two of its slow notebooks are running."""
    deadline = time.monotonic() + 120
    while len(list((run.folder / "marks").iterdir())) < 2:
        assert run.process.poll() is None, run.process.communicate()
        assert time.monotonic() < deadline, "the notebooks never started"
        time.sleep(0.05)
    return run


# --- a dead kernel and a cell past its timeout end that run, in a sweep as in a run -----------------------

@pytest.mark.kernel
@pytest.mark.parametrize("kernels", [[], ["--fresh-kernels"]], ids=["forked kernels", "kernels started anew"])
def test_a_dead_kernel_and_a_cell_past_its_timeout_end_their_runs_and_the_others_are_kept(started, kernels):
    code, err = finish(started)
    assert code == 1, err
    assert "Traceback" not in err
    assert ("run 2 (step=2): 01_die: cell 4, counting from 1 ('import os, time'): the kernel died "
            "while it ran (exit status 1)") in err, err
    assert ("run 3 (step=3): 01_die: cell 4, counting from 1 ('import os, time'): ran "
            "past the cell timeout of 1 s") in err, err
    folder = only(started.folder / "output" / "sweeps")
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
        assert "(--fresh-kernels)" in manifest["kernels"] and set(printed.values()) == {started.pid}
    else:  # each forked from the one template, which the runner started
        assert manifest["kernels"].startswith("a kernel forked per notebook run")
        assert len(set(printed.values())) == 1 and started.pid not in printed.values()
    assert settle(started) == ([], [])


@pytest.mark.kernel
def test_a_run_reports_a_dead_kernel_and_a_timeout_and_publishes_nothing(started):
    code, err = finish(started)
    assert code == 1 and "Traceback" not in err
    assert "01_dies: cell 3, counting from 1 ('import os'): the kernel died while it ran (exit status 3)" in err
    assert "02_sleeps: cell 3, counting from 1 ('import time'): ran past the cell timeout of 1 s" in err
    assert not (started.folder / "figures").exists()
    assert settle(started) == ([], [])


# --- Ctrl-C and SIGTERM: no new notebook, the running ones interrupted, nothing published, exit 128 + N -------

@pytest.mark.kernel
def test_ctrl_c_stops_a_run_publishes_nothing_and_kills_a_kernel_deaf_to_it_after_the_grace_period(started):
    output, figures, marks = (started.folder / name for name in ("output", "figures", "marks"))
    running(started).process.send_signal(signal.SIGINT)
    code, err = finish(started, 60)
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
    assert settle(started) == ([], [])


@pytest.mark.kernel
def test_a_second_ctrl_c_ends_the_run_at_once(started):
    running(started).process.send_signal(signal.SIGINT)
    before = said(started, "Ctrl-C (SIGINT): stopping")  # two signals sent together may arrive as one
    started.process.send_signal(signal.SIGINT)
    code, err = finish(started, 60)
    err = before + err
    assert code == 130 and "Traceback" not in err
    assert "stopped at once by a second Ctrl-C (SIGINT); nothing was published" in err
    assert not (started.folder / "figures").exists()
    run_dir = only(started.folder / "output" / "runs")
    assert not (run_dir / "figures").exists(), "the staged charts folder is removed"
    assert settle(started) == ([], [])


@pytest.mark.kernel
def test_sigterm_stops_a_sweep_and_its_folder_says_what_ran(started):
    running(started).process.send_signal(signal.SIGTERM)
    code, err = finish(started, 60)
    assert code == 143 and "Traceback" not in err
    assert "tip-norway sweep: stopped by SIGTERM: 0 run(s) finished, 2 interrupted or failed, 2 not started" in err
    folder = only(started.folder / "output" / "sweeps")
    assert pd.read_csv(folder / "results.csv").status.tolist() == ["interrupted", "interrupted", "not started",
                                                                   "not started"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "stopped"
    # within the product's grace period, the interrupt itself ends a cell that heeds it
    assert all("raised KeyboardInterrupt" in run["error"] for run in manifest["run_list"][:2]), manifest["run_list"]
    assert settle(started) == ([], [])


@pytest.mark.kernel
def test_a_sweep_killed_midway_says_so_and_the_next_run_clears_its_sockets(started, monkeypatch):
    running(started).process.kill()
    started.process.communicate()
    manifest = json.loads((only(started.folder / "output" / "sweeps") / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and "killed before it finished" in manifest["note"]
    # its kernels notice that their parent is gone and end; their socket folders stay until a later run clears them
    folders, _ = settle(started)
    assert len(folders) == 2
    monkeypatch.setattr(tempfile, "tempdir", str(started.temporary))  # where the killed run's folders are
    assert set(folders) <= set(remove_orphaned_sockets())
    assert left_behind(started) == ([], [])


# --- the grace period: a setting read once, before anything runs ---------------------------------------------

@pytest.fixture
def die(tmp_path) -> dict[str, Path]:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "01_die.ipynb", DIE_OR_SLEEP, params="step: int = 0")
    return {"notebooks": notebooks, "output": tmp_path / "output", "figures": tmp_path / "figures"}


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
