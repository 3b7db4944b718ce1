"""What the runner does after something went wrong before it started, or goes wrong around its edges (issue 27).

A ``figures/`` lost between the two renames of publishing is restored before
anything is removed; notebooks from another folder never replace the project's
charts; a notebook file that cannot be read is named and the others still run;
a signal that comes once the notebooks have ended, or while the kernels start,
is answered with what the run did and leaves nothing half-made; socket folders
of a killed run go even when nothing is to run; the template's death is named
with its remedy. The signals are real (sent to this process, whose handlers are
the runner's); the kernels are real where a notebook runs, and few.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from tiny_notebooks import LEAN_TEMPLATE, TINY, write_notebook

import analysis.regenerate.run as run_module
import analysis.regenerate.sweep as sweep_module
from analysis import config
from analysis.regenerate.cli import main
from analysis.regenerate.errors import RunError
from analysis.regenerate.execute import execute
from analysis.regenerate.forking import Template
from analysis.regenerate.notebooks import discover
from analysis.regenerate.publish import replace_charts
from analysis.regenerate.run import run
from analysis.regenerate.sockets import SOCKETS_PREFIX
from analysis.regenerate.stopping import Stopped
from analysis.regenerate.sweep import sweep


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def tiny(folder: Path, number: str = "01") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_notebook(folder / f"{number}_tiny.ipynb", TINY.replace("{NUMBER}", number))


def only(folder: Path) -> Path:
    (found,) = folder.iterdir()
    return found


# --- case 5: a crash between the two renames of publishing ------------------------------------------------

OLD = {"01_chart.png": b"old one", "02_chart.png": b"two, not run", "03_chart.csv": b"three, not run"}


def test_a_figures_folder_lost_between_the_two_renames_is_restored_before_the_charts_are_replaced(tmp_path):
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / "01_chart.png").write_bytes(b"new one")
    stale = tmp_path / ".figures.old"  # what a run killed after its first rename leaves
    stale.mkdir()
    for name, data in OLD.items():
        (stale / name).write_bytes(data)
    figures = tmp_path / "figures"
    said = []
    replace_charts(staged, figures, ["01_"], say=said.append)
    assert said == [f"{figures} was missing and the last good charts were in {stale} (a run was stopped while "
                    f"publishing them): restored them to {figures}"]
    assert contents(figures) == {**OLD, "01_chart.png": b"new one"}, "the charts of 02 and 03 are kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "staged"]


@pytest.fixture(scope="module")
def published_tiny(tmp_path_factory) -> dict[str, Path]:
    """A run of two tiny notebooks, published into a temporary figures/ (the one kernel-starting step here).

    Made once for the tests that follow, each of which leaves it as it found it: published, up to date.
    """
    tmp_path = tmp_path_factory.mktemp("published")
    folders = {"notebooks": tmp_path / "notebooks", "output": tmp_path / "output", "figures": tmp_path / "figures"}
    tiny(folders["notebooks"], "01")
    tiny(folders["notebooks"], "02")
    manifest = run(notebooks_dir=folders["notebooks"], output=folders["output"], figures=folders["figures"],
                   say=lambda _: None)
    assert manifest["published"] and contents(folders["figures"]) == {"01_tiny.csv": b"tiny", "02_tiny.csv": b"tiny"}
    return folders


@pytest.mark.kernel
def test_the_next_run_restores_the_last_good_charts_and_finds_them_up_to_date(published_tiny, capsys):
    folders = published_tiny
    stale = folders["figures"].with_name(".figures.old")
    folders["figures"].rename(stale)  # killed between the renames: no figures/, the last good set beside it
    code = main(["run", "01", "--notebooks-dir", str(folders["notebooks"]), "--output-dir", str(folders["output"]),
                 "--figures-dir", str(folders["figures"])])
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.splitlines()[:3] == [
        f"{folders['figures']} was missing and the last good charts were in {stale} (a run was stopped while "
        f"publishing them): restored them to {folders['figures']}",
        "01_tiny: up to date",
        f"all 1 notebook(s) up to date; {folders['figures']} left as it was (--force runs them anyway)"]
    assert contents(folders["figures"]) == {"01_tiny.csv": b"tiny", "02_tiny.csv": b"tiny"}
    assert not stale.exists()


@pytest.mark.kernel
def test_a_run_with_nothing_to_do_still_removes_the_socket_folders_of_a_killed_run(published_tiny):
    folders = published_tiny
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = Path(tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{int(ended.stdout)}-"))  # a runner that is gone
    (left / "kernel.json").write_text("{}")
    manifest = run(notebooks_dir=folders["notebooks"], output=folders["output"], figures=folders["figures"],
                   say=lambda _: None)
    assert manifest["status"] == "up to date"
    assert not left.exists()


# --- case 4: notebooks from another folder never replace the project's charts -----------------------------

PROJECT_CHARTS = {"01_other.png": b"another chart of 01", "01_tiny.csv": b"the project's chart"}


@pytest.fixture
def project(tmp_path, monkeypatch) -> dict[str, Path]:
    """The project's own notebooks/ and figures/, in a temporary folder: no test can touch the real ones."""
    own = {"notebooks": tmp_path / "project" / "notebooks", "figures": tmp_path / "project" / "figures"}
    tiny(own["notebooks"], "01")
    own["figures"].mkdir()
    for name, data in PROJECT_CHARTS.items():
        (own["figures"] / name).write_bytes(data)
    monkeypatch.setattr(config, "NOTEBOOKS", own["notebooks"])
    monkeypatch.setattr(config, "FIGURES", own["figures"])
    scratch = tmp_path / "scratch"
    tiny(scratch, "01")
    return {**own, "scratch": scratch, "output": tmp_path / "output"}


def test_publish_from_another_notebooks_folder_into_the_project_s_figures_is_refused(project, capsys):
    code = main(["run", "--publish", "--notebooks-dir", str(project["scratch"]),
                 "--output-dir", str(project["output"]), "--figures-dir", str(project["figures"])])
    assert code == 2
    assert capsys.readouterr().err == (
        f"tip-norway run: cannot publish: the notebooks of {project['scratch']} are not the project's "
        f"({project['notebooks']}), so their charts are never published into the project's {project['figures']}; "
        "give --figures-dir FOLDER to publish them there\n")
    assert not project["output"].exists()
    assert contents(project["figures"]) == PROJECT_CHARTS


@pytest.mark.kernel
def test_a_run_of_another_notebooks_folder_with_the_defaults_keeps_its_charts_in_its_run_folder(project):
    said = []
    manifest = run(notebooks_dir=project["scratch"], output=project["output"], figures=project["figures"],
                   say=said.append)
    assert (manifest["status"], manifest["published"]) == ("succeeded", False)
    run_dir = only(project["output"] / "runs")
    assert said[-1].endswith(f"; {project['figures']} left as it was: notebooks from another folder than the "
                             f"project's {project['notebooks']} never replace its charts (--figures-dir FOLDER "
                             f"publishes them there). The charts are in {run_dir / 'figures'}")
    assert contents(project["figures"]) == PROJECT_CHARTS
    assert contents(run_dir / "figures") == {"01_tiny.csv": b"tiny"}
    assert not (project["output"] / config.PUBLISHED_RECORD).exists()


# --- case 12: a notebook that cannot be read --------------------------------------------------------------

@pytest.mark.parametrize(("damage", "cause"), [
    (lambda text: "<<<<<<< HEAD\n" + text, "not valid JSON at line 1, column 1: Expecting value"),
    (lambda text: text[: len(text) // 2], "not valid JSON at line"),
], ids=["conflict marker", "truncated"])
def test_a_notebook_that_cannot_be_read_is_named_and_the_others_still_list(tmp_path, capsys, damage, cause):
    notebooks = tmp_path / "notebooks"
    tiny(notebooks, "01")
    broken = tiny(notebooks, "02")
    broken.write_text(damage(broken.read_text()))
    assert main(["list", "--notebooks-dir", str(notebooks)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[:2] == ["01_tiny", '    label: str = "tiny"  # what to write']
    assert out.splitlines()[2] == "02_tiny"
    assert err.startswith(f"tip-norway list: {broken} cannot be read: {cause}") and "Traceback" not in err
    found = {nb.name: nb.unreadable for nb in discover(notebooks)}
    assert found["01_tiny"] is None and found["02_tiny"].startswith(f"{broken} cannot be read: {cause}")


@pytest.mark.kernel
def test_a_notebook_that_cannot_be_read_fails_the_run_by_name_and_the_others_run(folders):
    tiny(folders["notebooks"], "01")
    broken = folders["notebooks"] / "02_broken.ipynb"
    broken.write_text('{"cells": [')
    with pytest.raises(RunError) as failed:
        run(notebooks_dir=folders["notebooks"], output=folders["output"], figures=folders["figures"],
            say=lambda _: None)
    assert str(failed.value) == (
        f"1 of 2 notebook(s) failed; {folders['figures']} left untouched:\n"
        f"  - 02_broken: {broken} cannot be read: not valid JSON at line 1, column 12: Expecting value")
    assert list(folders["figures"].iterdir()) == []
    manifest = json.loads((folders["output"] / "latest.json").read_text())
    assert [(n["name"], n["status"]) for n in manifest["notebooks"]] == [("01_tiny", "succeeded"),
                                                                       ("02_broken", "failed")]
    assert json.loads((only(folders["output"] / "runs") / "01_tiny.ipynb").read_text())["cells"]


def test_a_sweep_of_a_notebook_that_cannot_be_read_names_it(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "01_broken.ipynb").write_text("")
    with pytest.raises(RunError, match=r"^01_broken: .*01_broken.ipynb cannot be read: not valid JSON"):
        sweep("01", {"label": ["a"]}, notebooks_dir=notebooks, output=tmp_path / "output", say=lambda _: None)
    assert not (tmp_path / "output").exists()


def test_an_unknown_notebook_is_bad_input_exit_2(capsys):
    assert main(["run", "99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tip-norway run: unknown notebook '99': expected one of 01_conviction_gap")


# --- case 9 and the smaller stops: a real signal at the moment that was answered wrongly --------------------

@pytest.mark.kernel
def test_a_signal_once_the_charts_are_published_says_they_were(folders):
    tiny(folders["notebooks"], "01")

    def say(line: str) -> None:
        if "charts replaced in" in line:  # the last thing a run does: the charts are published and recorded
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(Stopped) as stopped:
        run(notebooks_dir=folders["notebooks"], output=folders["output"], figures=folders["figures"], say=say)
    run_dir = only(folders["output"] / "runs")
    assert stopped.value.code == 130
    assert str(stopped.value) == (
        "stopped by Ctrl-C (SIGINT): the request came after the notebooks had run: every notebook had finished and "
        f"the charts were published in full in {folders['figures']} and recorded, so the run is complete. The "
        f"executed notebooks and the manifest are in {run_dir}")
    assert contents(folders["figures"]) == {"01_tiny.csv": b"tiny"}
    assert "01_tiny" in json.loads((folders["output"] / config.PUBLISHED_RECORD).read_text())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert (manifest["status"], manifest["published"]) == ("succeeded", True)


@pytest.mark.slow  # starts no kernel, but validates the data as a run does
def test_a_signal_while_the_kernels_start_leaves_no_staged_folder_and_a_stopped_manifest(folders, monkeypatch):
    tiny(folders["notebooks"], "01")
    ready = run_module.wait_until_ready

    def interrupted(template) -> None:  # Ctrl-C while the template imports, before any notebook starts
        os.kill(os.getpid(), signal.SIGINT)
        ready(template)

    monkeypatch.setattr(run_module, "wait_until_ready", interrupted)
    with pytest.raises(Stopped) as stopped:
        run(notebooks_dir=folders["notebooks"], output=folders["output"], figures=folders["figures"],
            say=lambda _: None, fresh_kernels=True)
    assert "nothing published; not started: 01_tiny." in str(stopped.value)
    run_dir = only(folders["output"] / "runs")
    assert sorted(p.name for p in run_dir.iterdir()) == ["manifest.json"], "no staged charts folder"
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "stopped"
    assert list(folders["figures"].iterdir()) == []


@pytest.mark.kernel
def test_a_sweep_stopped_as_its_results_are_collected_writes_them_and_says_stopped(tmp_path, monkeypatch, data):
    notebooks = tmp_path / "notebooks"
    tiny(notebooks, "01")
    collect = sweep_module.collect

    def interrupted(*args, **kwargs):  # the signal comes once every run has ended
        os.kill(os.getpid(), signal.SIGINT)
        return collect(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "collect", interrupted)
    with pytest.raises(Stopped) as stopped:
        sweep("01", {"label": ["a", "b"]}, workers=1, notebooks_dir=notebooks, output=tmp_path / "output",
              data=data, say=lambda _: None)
    folder = only(tmp_path / "output" / "sweeps")
    assert str(stopped.value).startswith("stopped by Ctrl-C (SIGINT): the request came once every run had ended: "
                                         "2 run(s) finished, 0 failed; the results are in ")
    assert str(stopped.value).endswith("(its manifest says 'stopped')")
    results = pd.read_csv(folder / "results.csv")
    assert (results.label.tolist(), results.status.tolist()) == (["a", "b"], ["ok", "ok"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["status"], manifest["succeeded"]) == ("stopped", 2)


# --- the template's death -------------------------------------------------------------------------------

@pytest.mark.kernel
def test_a_dead_template_names_no_unwritten_file_and_suggests_fresh_kernels(tmp_path):
    notebooks = tmp_path / "notebooks"
    tiny(notebooks, "01")
    (tmp_path / "run").mkdir()
    template = Template(LEAN_TEMPLATE)  # what it imported does not matter once it is dead
    template.start()
    try:
        template.process.kill()
        template.process.wait()
        outcome = execute(discover(notebooks)[0], {}, tmp_path / "run", template=template)
    finally:
        template.stop()
    assert outcome.error.startswith("01_tiny: not run, its kernel could not be started: forking a kernel: ")
    assert outcome.error.endswith("; run again, or with --fresh-kernels to start every kernel anew rather than fork "
                                  "it from the template")
    assert str(tmp_path / "run") not in outcome.error
    assert list((tmp_path / "run").iterdir()) == []


# --- paths in messages ----------------------------------------------------------------------------------

def test_paths_in_messages_are_absolute_when_working_elsewhere(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(config.ROOT)
    chart = config.FIGURES / "03_x.png"
    assert config.shown(chart) == config.display(chart) == "figures/03_x.png"
    monkeypatch.chdir(tmp_path)
    assert config.shown(config.FIGURES / "03_x.png") == str(config.ROOT / "figures" / "03_x.png")
    assert config.shown(Path("here.csv")) == str(tmp_path / "here.csv")
    assert config.display(config.FIGURES / "03_x.png") == "figures/03_x.png", "records key files as before"
    # a message of the runner, from elsewhere: the notebook that cannot be read, named so that it can be opened
    notebooks = tmp_path / "notebooks"
    tiny(notebooks, "01").write_text("{")
    assert main(["list", "--notebooks-dir", "notebooks"]) == 1
    assert capsys.readouterr().err.startswith(f"tip-norway list: {notebooks / '01_tiny.ipynb'} cannot be read: ")
