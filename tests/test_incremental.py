"""Incremental regeneration: a publishing run redoes only the notebooks whose inputs changed, with real papermill runs.

Tiny notebooks in temporary folders stand in for the project's; the data they
are checked against are a private copy, so a test can change a file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from test_runner import TINY, cli, latest, write_notebook

from analysis.data import paths
from analysis.regenerate import incremental
from analysis.regenerate.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch, folders):
    """Two tiny notebooks, and a private copy of data/processed/ that the incremental check reads."""
    processed = tmp_path / "processed"
    shutil.copytree(paths.PROCESSED, processed)
    monkeypatch.setattr(paths, "PROCESSED", processed)
    for number in ("01", "02"):
        write_notebook(folders["notebooks"] / f"{number}_tiny.ipynb", TINY.replace("{NUMBER}", number))
    return {**folders, "processed": processed}


def _run(project, capsys, *args) -> tuple[int, list[str]]:
    code = main(["run", *cli(project), *args])
    return code, capsys.readouterr().err.splitlines()


def test_a_second_run_reuses_everything_and_changes_nothing(project, capsys):
    assert _run(project, capsys)[0] == 0
    charts = {p.name: p.read_bytes() for p in project["figures"].iterdir()}
    runs = set((project["output"] / "runs").iterdir())
    code, lines = _run(project, capsys)
    assert code == 0
    assert lines == ["01_tiny: up to date", "02_tiny: up to date",
                     f"all 2 notebook(s) up to date; {project['figures']} left as it was (--force runs them anyway)"]
    assert {p.name: p.read_bytes() for p in project["figures"].iterdir()} == charts
    manifest = latest(project)
    assert manifest["status"] == "up to date" and set(manifest["reused"]) == {"01_tiny", "02_tiny"} and manifest["notebooks"] == []
    new = set((project["output"] / "runs").iterdir()) - runs
    assert [sorted(p.name for p in run.rglob("*.ipynb")) for run in new] == [[]]  # no notebook executed


NOOP = """
import json, sys
from analysis.data import paths
from analysis.regenerate.cli import main
paths.PROCESSED = paths.Path(sys.argv[1])
code = main(["run", *sys.argv[2:]])
heavy = ["pandas", "pandera", "numpy", "matplotlib", "papermill", "nbformat", "jupyter_client"]
print(json.dumps({"code": code, "imported": [m for m in heavy if m in sys.modules]}))
"""


def test_a_run_that_finds_everything_up_to_date_imports_no_heavy_library(project, capsys):
    """What a scheduled run pays when nothing changed: no pandas, no papermill, no data loaded."""
    _run(project, capsys)
    done = subprocess.run([sys.executable, "-c", NOOP, str(project["processed"]), *cli(project)],
                          capture_output=True, text=True, check=True, cwd=paths.ROOT)
    assert json.loads(done.stdout) == {"code": 0, "imported": []}
    assert done.stderr.splitlines()[-1].startswith("all 2 notebook(s) up to date")


def test_editing_one_notebook_reruns_only_that_one(project, capsys):
    _run(project, capsys)
    write_notebook(project["notebooks"] / "02_tiny.ipynb", TINY.replace("{NUMBER}", "02"), "print('a new cell')")
    code, lines = _run(project, capsys)
    assert code == 0
    assert lines[:2] == ["01_tiny: up to date", f"02_tiny: to run ({paths.display(project['notebooks'] / '02_tiny.ipynb')} changed)"]
    assert [n["name"] for n in latest(project)["notebooks"]] == ["02_tiny"]
    assert lines[-1].endswith("(1 more up to date, left as they were)")


def test_changing_a_data_file_reruns_every_notebook(project, capsys):
    _run(project, capsys)
    with open(project["processed"] / "figures.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    code, lines = _run(project, capsys)
    assert code == 0
    changed = f"to run ({paths.display(project['processed'] / 'figures.csv')} changed)"
    assert lines[:2] == [f"01_tiny: {changed}", f"02_tiny: {changed}"]
    assert sorted(n["name"] for n in latest(project)["notebooks"]) == ["01_tiny", "02_tiny"]


def test_changing_the_environment_lock_reruns_every_notebook(project, capsys, tmp_path, monkeypatch):
    """uv.lock pins libraries the recorded versions leave out (scipy, pillow): a new lock makes every chart again."""
    lock = tmp_path / "uv.lock"
    shutil.copyfile(paths.ENVIRONMENT_LOCK, lock)
    monkeypatch.setattr(paths, "ENVIRONMENT_LOCK", lock)
    _run(project, capsys)
    assert latest(project)["inputs"][paths.display(lock)] == incremental.sha256(lock)
    with open(lock, "a", encoding="utf-8") as handle:
        handle.write("\n")
    code, lines = _run(project, capsys)
    assert code == 0
    assert lines[:2] == [f"01_tiny: to run ({paths.display(lock)} changed)", f"02_tiny: to run ({paths.display(lock)} changed)"]


def test_a_chart_changed_by_hand_is_made_again_and_force_runs_everything(project, capsys):
    _run(project, capsys)
    (project["figures"] / "01_tiny.csv").write_text("edited")
    code, lines = _run(project, capsys)
    assert lines[0] == f"01_tiny: to run ({paths.display(project['figures'] / '01_tiny.csv')} was changed by hand)"
    assert (project["figures"] / "01_tiny.csv").read_text() == "tiny"
    code, lines = _run(project, capsys, "--force")
    assert code == 0 and lines[:2] == ["01_tiny: to run (run with --force)", "02_tiny: to run (run with --force)"]


def test_an_exploratory_run_neither_reuses_nor_records(project, capsys):
    _run(project, capsys)
    record = (project["output"] / incremental.RECORD).read_text()
    code, lines = _run(project, capsys, "01", "-p", "label", "other")
    assert code == 0 and not any("up to date" in line for line in lines)
    assert (project["output"] / incremental.RECORD).read_text() == record
    code, lines = _run(project, capsys, "01", "-p", "label", "other", "--publish")
    assert code == 0
    code, lines = _run(project, capsys, "01")  # its charts now hold the other label: the defaults must run again
    assert lines[0] == "01_tiny: to run (its parameters changed)"
    assert (project["figures"] / "01_tiny.csv").read_text() == "tiny"


def test_the_record_names_what_each_chart_was_made_from(project, capsys):
    _run(project, capsys)
    record = json.loads((project["output"] / incremental.RECORD).read_text())
    entry = record["01_tiny"]
    assert entry["outputs"] == {"01_tiny.csv": incremental.sha256(project["figures"] / "01_tiny.csv")}
    assert {"parameters", "version of pandas", paths.display(paths.DATAPACKAGE), "analysis/regenerate/run.py"} <= set(entry["inputs"])
