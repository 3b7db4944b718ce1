"""notebooks/exploratory/: notebooks that are linted, but not published, run by ``tip-norway`` or checked by nbval."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

from analysis import config
from analysis.regenerate.cli import main
from analysis.regenerate.notebooks import discover

EXPLORATORY = config.NOTEBOOKS / "exploratory"
EXAMPLES = sorted(EXPLORATORY.glob("*.ipynb"))
#: The published notebooks, named here as the files are named, not as the code under test finds them.
PUBLISHED = sorted(p.name for p in config.NOTEBOOKS.iterdir() if re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name))


def test_the_folder_holds_a_readme_and_an_example():
    assert (EXPLORATORY / "README.md").is_file()
    assert [p.name for p in EXAMPLES] == ["convictions_where_the_tip_is_silent.ipynb"]
    assert len(PUBLISHED) == 12


@pytest.mark.kernel
def test_nbval_collects_the_published_notebooks_and_nothing_exploratory():
    # the project's own options (pyproject.toml's addopts), with the workers off: collecting is quick
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-n", "0", "notebooks"]
    collected = subprocess.run(command, cwd=config.ROOT, capture_output=True, text=True, check=True).stdout
    items = [line for line in collected.splitlines() if "::" in line]
    assert sorted({item.split("::")[0] for item in items}) == [f"notebooks/{name}" for name in PUBLISHED]
    assert "exploratory" not in collected


def test_discover_and_list_leave_the_folder_alone(capsys):
    assert [nb.path.name for nb in discover()] == PUBLISHED
    assert main(["list"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert listed == [Path(name).stem for name in PUBLISHED]


def test_a_lint_error_in_an_exploratory_notebook_is_reported():
    """``make lint`` runs ``ruff check ... notebooks``; the project's configuration must not exclude the folder."""
    cell = nbformat.v4.new_code_cell("import os\n\nx = 1")
    probe = nbformat.writes(nbformat.v4.new_notebook(cells=[cell]))
    # --force-exclude applies the project's exclusions to the name given, as a run over the folder would
    command = [str(Path(sys.executable).parent / "ruff"), "check", "--force-exclude", "--output-format", "concise",
               "--stdin-filename", "notebooks/exploratory/probe.ipynb", "-"]
    found = subprocess.run(command, cwd=config.ROOT, input=probe, capture_output=True, text=True)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "notebooks/exploratory/probe.ipynb:cell 1:1:8: F401" in found.stdout


def test_exploratory_notebooks_are_committed_without_outputs():
    for path in EXAMPLES:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        kept = [number for number, cell in enumerate(cells) if cell.get("outputs") or cell.get("execution_count")]
        assert not kept, f"{path.name}: cells {kept} keep outputs, which nothing checks (see the folder's README.md)"


@pytest.mark.kernel
def test_the_example_runs_and_shows_every_curated_conviction_figure(pytestconfig, tmp_path, monkeypatch):
    """The example runs without an error in its folder and shows every conviction figure of the data.

    It names the python3 kernel, as every notebook does; it runs here in the kernel nbval runs the published
    notebooks in (the root conftest.py's, this interpreter forked from the session's template), which is where it
    differs from a kernel started anew: imports already made (test_session_setup.py).
    """
    root = pytestconfig.pluginmanager.get_plugin(str(config.ROOT / "conftest.py"))
    monkeypatch.setenv(config.FIGURES_DIR_ENV, str(tmp_path))  # should it save a chart, not into figures/
    nb = nbformat.read(EXAMPLES[0], as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    where = {"metadata": {"path": str(EXPLORATORY)}}  # run from its folder, as JupyterLab runs it
    root.live_template()
    client = nbclient.NotebookClient(nb, kernel_name=root.KERNEL_NAME, timeout=300, resources=where)
    client.execute()
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    with open(config.PROCESSED / "figures.csv", encoding="utf-8", newline="") as handle:
        convictions = [row["id"] for row in csv.DictReader(handle) if row["metric"] == "convictions"]
    shown = outputs[-1].data["text/plain"]
    assert convictions and all(re.search(rf"\b{re.escape(figure_id)}\b", shown) for figure_id in convictions)
