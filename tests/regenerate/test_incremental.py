"""Incremental regeneration: a publishing run redoes only the notebooks whose inputs changed.

Which notebooks run, and the reason a run says for each, is decided before any kernel starts
(:func:`analysis.regenerate.selection.decide`, judging each notebook's inputs against the publishing record): those
decisions are tested by calling it on tiny notebooks and a record of their inputs, without a kernel. A few real
runs of the tiny notebooks check what only a run shows: a second run reuses everything, executes nothing and imports
no heavy library; exactly the stale notebooks run and their charts are replaced; the record names what each chart was
made from; an exploratory run neither reuses nor records. Which files are a step's inputs is tested in
test_step_inputs.py, and that they hold what a notebook's analysis really loads and opens in test_inputs_opened.py.

The data the tiny notebooks are checked against are a private copy, so a test can change a file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from tiny_notebooks import TINY, cli, latest, write_notebook

from analysis import config
from analysis.data.digest import sha256
from analysis.data.published import Published
from analysis.regenerate import incremental
from analysis.regenerate.cli import main
from analysis.regenerate.notebooks import discover
from analysis.regenerate.selection import Decision, decide, resolve

NAMES = ["01_tiny", "02_tiny"]


@pytest.fixture
def project(tmp_path, monkeypatch, folders):
    """Two tiny notebooks, and a private copy of data/processed/ that the incremental check reads."""
    processed = tmp_path / "processed"
    shutil.copytree(config.PROCESSED, processed)
    monkeypatch.setattr(config, "PROCESSED", processed)
    for number in ("01", "02"):
        write_notebook(folders["notebooks"] / f"{number}_tiny.ipynb", TINY.replace("{NUMBER}", number))
    return {**folders, "processed": processed}


def _append(path, text: str = "\n") -> str:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)
    return config.display(path)


# --- the decisions, taken before any kernel starts -------------------------------------------------------------

def _decided(project, *names: str, given: dict | None = None, force: bool = False) -> tuple[list[str], Decision]:
    """What a run of ``names`` would say of each notebook before any kernel starts, and what it would run."""
    said: list[str] = []
    chosen = resolve(names, given, project["notebooks"], None, project["figures"])
    return said, decide(chosen, force, project["figures"], project["output"], said.append)


def _published(project, given: dict | None = None) -> None:
    """The record a publishing run of both notebooks with ``given`` leaves: their inputs, and each chart written."""
    chosen = resolve((), given, project["notebooks"], None, project["figures"])
    shared = incremental.shared_inputs()
    entries = {}
    for nb in discover(project["notebooks"]):
        chart = project["figures"] / f"{nb.name}.csv"
        chart.write_text((given or {}).get("label", "tiny"))
        entries[nb.name] = {"inputs": incremental.inputs(nb, chosen.parameters[nb.name], shared),
                            "outputs": {chart.name: sha256(chart)}}
    incremental.write_record(project["output"], Published(), entries)


def test_without_a_record_every_notebook_runs_and_with_one_none(project):
    said, decision = _decided(project)
    assert said == [f"{name}: to run (no publishing run recorded)" for name in NAMES]
    assert [nb.name for nb in decision.to_run] == NAMES
    _published(project)
    said, decision = _decided(project)
    assert said == [f"{name}: up to date" for name in NAMES]
    assert (decision.to_run, [nb.name for nb in decision.reused]) == ([], NAMES)


def test_an_edited_notebook_makes_that_one_stale(project):
    _published(project)
    edited = write_notebook(project["notebooks"] / "02_tiny.ipynb", TINY.replace("{NUMBER}", "02"), "print('new')")
    said, decision = _decided(project)
    assert said == ["01_tiny: up to date", f"02_tiny: to run ({config.display(edited)} changed)"]
    assert ([nb.name for nb in decision.to_run], [nb.name for nb in decision.reused]) == (["02_tiny"], ["01_tiny"])


def test_a_changed_data_file_makes_every_notebook_stale(project):
    """A tiny notebook has no analysis of its name, so every data file counts for it (see incremental.py)."""
    _published(project)
    edited = _append(project["processed"] / "figures.csv")
    assert _decided(project)[0] == [f"{name}: to run ({edited} changed)" for name in NAMES]


def test_a_changed_environment_lock_makes_every_notebook_stale(project, tmp_path, monkeypatch):
    """uv.lock pins libraries the recorded versions leave out (scipy, pillow): a new lock makes every chart again."""
    lock = tmp_path / "uv.lock"
    shutil.copyfile(config.ENVIRONMENT_LOCK, lock)
    monkeypatch.setattr(config, "ENVIRONMENT_LOCK", lock)
    _published(project)
    edited = _append(lock)
    said, decision = _decided(project)
    assert said == [f"{name}: to run ({edited} changed)" for name in NAMES]
    assert all(decision.current[name][edited] == sha256(lock) for name in NAMES)


def test_a_chart_changed_by_hand_makes_its_notebook_stale_and_force_runs_everything(project):
    _published(project)
    chart = project["figures"] / "01_tiny.csv"
    chart.write_text("edited")
    assert _decided(project)[0] == [f"01_tiny: to run ({config.display(chart)} was changed by hand)",
                                    "02_tiny: up to date"]
    said, decision = _decided(project, force=True)
    assert said == [f"{name}: to run (run with --force)" for name in NAMES] and not decision.reused


def test_charts_published_with_other_values_make_the_defaults_run_again(project):
    _published(project, {"label": "other"})
    assert _decided(project, "01")[0] == ["01_tiny: to run (its parameters changed)"]


def test_an_exploratory_selection_reuses_nothing_and_says_nothing_of_the_record(project):
    _published(project)
    said, decision = _decided(project, "01", given={"label": "other"})
    assert said == [] and decision.reasons == {} and not decision.reused
    assert [nb.name for nb in decision.to_run] == ["01_tiny"]


def test_a_descriptor_that_cannot_be_read_makes_every_data_file_an_input_and_a_bad_declaration_is_named(
        project_copy, folders, capsys):
    write_notebook(folders["notebooks"] / "05_what_the_sources_name.ipynb", "x = 1")
    (nb,) = discover(folders["notebooks"])
    every = {config.display(p) for p in (project_copy / "data").rglob("*") if p.is_file()}
    assert incremental.data_inputs(nb, incremental.shared_inputs()) < every  # it reads no GLOTIP or World Bank table
    described = config.DATAPACKAGE.read_text(encoding="utf-8")
    config.DATAPACKAGE.write_text("{", encoding="utf-8")  # the run's check of the data names what is wrong
    assert incremental.data_inputs(nb, incremental.shared_inputs()) == every
    words = project_copy / "analysis" / "analyses" / "words" / "what_the_sources_name.md"
    words.write_text(words.read_text(encoding="utf-8").replace("reads: []", "reads: [sauces]"), encoding="utf-8")
    config.DATAPACKAGE.write_text(described, encoding="utf-8")
    assert main(["run", *cli(folders), "05"]) == 1  # refused while deciding, before any kernel starts
    assert capsys.readouterr().err.splitlines()[-1] == (
        "tip-norway run: analysis/analyses/words/what_the_sources_name.md: 'reads' lists the tables read beyond the "
        "core, among glotip, world_bank (each once, [] for none); found ['sauces']")


# --- real runs: what only a run shows ---------------------------------------------------------------------------

def _run(project, capsys, *args) -> tuple[int, list[str]]:
    code = main(["run", *cli(project), *args])
    return code, capsys.readouterr().err.splitlines()


NOOP = """
import json, sys
from analysis import config
from analysis.regenerate.cli import main
config.PROCESSED = config.Path(sys.argv[1])
code = main(["run", *sys.argv[2:]])
heavy = ["pandas", "pandera", "numpy", "matplotlib", "papermill", "nbformat", "jupyter_client"]
print(json.dumps({"code": code, "imported": [m for m in heavy if m in sys.modules]}))
"""


@pytest.mark.kernel
def test_a_second_run_reuses_everything_changes_nothing_and_imports_no_heavy_library(project, capsys):
    """What a scheduled run pays when nothing changed: no notebook executed, no pandas, no papermill, no data loaded.

    The first run's record names what each chart was made from; the second, in a process of its own, trusts it.
    """
    assert _run(project, capsys)[0] == 0
    entry = json.loads((project["output"] / incremental.RECORD).read_text())["01_tiny"]
    assert entry["outputs"] == {"01_tiny.csv": sha256(project["figures"] / "01_tiny.csv")}
    assert {"parameters", "version of pandas", config.display(config.DATAPACKAGE),
            "analysis/regenerate/run.py"} <= set(entry["inputs"])
    charts = {p.name: p.read_bytes() for p in project["figures"].iterdir()}
    runs = set((project["output"] / "runs").iterdir())
    done = subprocess.run([sys.executable, "-c", NOOP, str(project["processed"]), *cli(project)],
                          capture_output=True, text=True, check=True, cwd=config.ROOT)
    assert json.loads(done.stdout) == {"code": 0, "imported": []}
    assert done.stderr.splitlines() == [
        "01_tiny: up to date", "02_tiny: up to date",
        f"all 2 notebook(s) up to date; {project['figures']} left as it was (--force runs them anyway)"]
    assert {p.name: p.read_bytes() for p in project["figures"].iterdir()} == charts
    manifest = latest(project)
    assert (manifest["status"] == "up to date" and set(manifest["reused"]) == set(NAMES)
            and manifest["notebooks"] == [])
    new = set((project["output"] / "runs").iterdir()) - runs
    assert [sorted(p.name for p in run.rglob("*.ipynb")) for run in new] == [[]]  # no notebook executed


@pytest.mark.kernel
def test_only_the_stale_notebooks_run_and_a_chart_changed_by_hand_is_made_again(project, capsys):
    _run(project, capsys)
    edited = write_notebook(project["notebooks"] / "02_tiny.ipynb", TINY.replace("{NUMBER}", "02"), "print('new')")
    code, lines = _run(project, capsys)
    assert code == 0
    assert lines[:2] == ["01_tiny: up to date", f"02_tiny: to run ({config.display(edited)} changed)"]
    assert [n["name"] for n in latest(project)["notebooks"]] == ["02_tiny"]
    assert lines[-1].endswith("(1 more up to date, left as they were)")
    (project["figures"] / "01_tiny.csv").write_text("edited")
    code, lines = _run(project, capsys)
    assert code == 0 and lines[1] == "02_tiny: up to date"
    assert [n["name"] for n in latest(project)["notebooks"]] == ["01_tiny"]
    assert (project["figures"] / "01_tiny.csv").read_text() == "tiny"


@pytest.mark.kernel
def test_an_exploratory_run_neither_reuses_nor_records(project, capsys):
    _run(project, capsys, "01")
    record = (project["output"] / incremental.RECORD).read_text()
    code, lines = _run(project, capsys, "01", "-p", "label", "other")
    assert code == 0 and not any("up to date" in line for line in lines)
    assert (project["output"] / incremental.RECORD).read_text() == record
    code, lines = _run(project, capsys, "01", "-p", "label", "other", "--publish")
    assert code == 0
    code, lines = _run(project, capsys, "01")  # its charts now hold the other label: the defaults must run again
    assert lines[0] == "01_tiny: to run (its parameters changed)"
    assert (project["figures"] / "01_tiny.csv").read_text() == "tiny"
