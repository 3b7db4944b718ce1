"""The regeneration command's failures and its lock: a notebook that raises, bad data, two runs at once.

Real runs of tiny notebooks (tiny_notebooks.py) into temporary folders.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest
from tiny_notebooks import TINY, cli, write_notebook

from analysis import config
from analysis.regenerate.cli import main
from analysis.regenerate.lock import run_lock
from analysis.regenerate.reference import refresh


@pytest.mark.kernel
def test_notebook_that_raises_leaves_figures_untouched(folders, capsys):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    write_notebook(folders["notebooks"] / "02_broken.ipynb", "x = 1", "ratio = 1 / 0")
    before = folders["figures"] / "01_tiny.csv"
    before.write_text("last good")
    assert main(["run", *cli(folders)]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 notebook(s) failed" in err
    assert re.search(r"02_broken: cell 4, counting from 1 \(execution count \[3\]\), raised ZeroDivisionError: "
                     r"division by zero", err)
    assert before.read_text() == "last good" and sorted(p.name for p in folders["figures"].iterdir()) == ["01_tiny.csv"]
    kept = re.search(r"the executed notebook is kept at (\S+\.ipynb)", err).group(1)
    executed = nbformat.read(kept, as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in executed.cells for o in c.get("outputs", []))
    manifest = json.loads((folders["output"] / "latest.json").read_text())
    assert manifest["status"] == "failed" and not manifest["figures_replaced"]


@pytest.mark.kernel  # the run launches its template while it checks the data
def test_bad_data_stops_the_run_before_any_notebook(folders, capsys, monkeypatch, data_copy):
    from data_edits import edit_csv

    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-tier", "value", "x")
    monkeypatch.setattr(config, "DATA", data_copy)
    import analysis.data

    monkeypatch.setattr(analysis.data.load, "__defaults__", (data_copy,))
    assert main(["run", *cli(folders)]) == 1
    assert "column 'value': expected a number, found 'x'" in capsys.readouterr().err
    assert not (folders["output"] / "runs").exists()


@pytest.fixture(scope="module")
def runs_at_once(tmp_path_factory) -> dict:
    """Real runs meeting at the lock, one scenario read by the two tests that follow.

    While this process holds the lock of a tiny notebook's output/, a run told not to wait is started, then two
    publishing runs with different labels, together; the lock is then released. A tiny notebook's kernel started anew
    costs less than a template and a fork; the lock is what is tested.
    """
    root = tmp_path_factory.mktemp("at-once")
    folders = {name: root / name for name in ("notebooks", "output", "figures")}
    for folder in folders.values():
        folder.mkdir()
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    command = [sys.executable, "-m", "analysis.regenerate.cli", "run", *cli(folders), "--fresh-kernels"]
    with run_lock(folders["output"], wait=False, timeout=0, say=print):
        refused = subprocess.run([*command, "--no-wait"], capture_output=True, text=True, timeout=120)
        waiting = [subprocess.Popen([*command, "--publish", "-p", "label", label], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for label in ("first", "second")]
        first_lines = [run.stderr.readline() for run in waiting]
        charts_while_held = list(folders["figures"].iterdir())
    ended = [run.communicate(timeout=240) for run in waiting]
    return {"folders": folders, "refused": refused, "first_lines": first_lines, "charts_while_held": charts_while_held,
            "codes": [run.returncode for run in waiting], "stderr": [err for _, err in ended]}


@pytest.mark.kernel
def test_two_runs_at_once_wait_or_refuse(runs_at_once):
    refused = runs_at_once["refused"]
    assert refused.returncode == 1
    assert "another run holds" in refused.stderr and "not starting" in refused.stderr
    assert all("waiting up to" in line for line in runs_at_once["first_lines"]), runs_at_once["first_lines"]
    assert runs_at_once["charts_while_held"] == []  # nothing ran while the lock was held
    assert runs_at_once["codes"] == [0, 0], runs_at_once["stderr"]  # each went on once it had the lock


@pytest.mark.kernel
def test_two_real_runs_started_together_both_finish(runs_at_once):
    folders = runs_at_once["folders"]
    assert runs_at_once["codes"] == [0, 0], runs_at_once["stderr"]
    manifests = [json.loads((run / "manifest.json").read_text()) for run in (folders["output"] / "runs").iterdir()]
    assert sorted(m["notebooks"][0]["parameters"]["label"] for m in manifests) == ["first", "second"]
    assert all(m["status"] == "succeeded" and m["published"] for m in manifests)
    # the lock makes them one after the other, each naming its run when it has the lock: the later one publishes last
    last = max(manifests, key=lambda m: m["run_id"])
    assert (folders["figures"] / "01_tiny.csv").read_text() == last["notebooks"][0]["parameters"]["label"]
    assert not list(folders["figures"].parent.glob(".figures.*"))


@pytest.mark.kernel
def test_refresh_writes_clean_reference_outputs(folders):
    nb = write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    manifest = refresh(folders["notebooks"], output=folders["output"], figures=folders["figures"], say=lambda _: None)
    assert manifest["published"] and (folders["figures"] / "01_tiny.csv").read_text() == "tiny"
    ref = nbformat.read(nb, as_version=4)
    assert "papermill" not in ref.metadata and ref.metadata.kernelspec.name == "python3"
    code = [c for c in ref.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2]
    assert code[1].outputs[0]["text"] == "wrote tiny\n"
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in ref.cells)
