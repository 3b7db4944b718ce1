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

from analysis import config
from analysis.data.digest import sha256
from analysis.regenerate import incremental
from analysis.regenerate.cli import main

#: Starts kernels or the command line in processes of their own: left out of `make test-fast`.
pytestmark = pytest.mark.kernel


@pytest.fixture
def project(tmp_path, monkeypatch, folders):
    """Two tiny notebooks, and a private copy of data/processed/ that the incremental check reads."""
    processed = tmp_path / "processed"
    shutil.copytree(config.PROCESSED, processed)
    monkeypatch.setattr(config, "PROCESSED", processed)
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
    assert (manifest["status"] == "up to date" and set(manifest["reused"]) == {"01_tiny", "02_tiny"}
            and manifest["notebooks"] == [])
    new = set((project["output"] / "runs").iterdir()) - runs
    assert [sorted(p.name for p in run.rglob("*.ipynb")) for run in new] == [[]]  # no notebook executed


NOOP = """
import json, sys
from analysis import config
from analysis.regenerate.cli import main
config.PROCESSED = config.Path(sys.argv[1])
code = main(["run", *sys.argv[2:]])
heavy = ["pandas", "pandera", "numpy", "matplotlib", "papermill", "nbformat", "jupyter_client"]
print(json.dumps({"code": code, "imported": [m for m in heavy if m in sys.modules]}))
"""


def test_a_run_that_finds_everything_up_to_date_imports_no_heavy_library(project, capsys):
    """What a scheduled run pays when nothing changed: no pandas, no papermill, no data loaded."""
    _run(project, capsys)
    done = subprocess.run([sys.executable, "-c", NOOP, str(project["processed"]), *cli(project)],
                          capture_output=True, text=True, check=True, cwd=config.ROOT)
    assert json.loads(done.stdout) == {"code": 0, "imported": []}
    assert done.stderr.splitlines()[-1].startswith("all 2 notebook(s) up to date")


def test_editing_one_notebook_reruns_only_that_one(project, capsys):
    _run(project, capsys)
    write_notebook(project["notebooks"] / "02_tiny.ipynb", TINY.replace("{NUMBER}", "02"), "print('a new cell')")
    code, lines = _run(project, capsys)
    assert code == 0
    assert lines[:2] == ["01_tiny: up to date",
                         f"02_tiny: to run ({config.display(project['notebooks'] / '02_tiny.ipynb')} changed)"]
    assert [n["name"] for n in latest(project)["notebooks"]] == ["02_tiny"]
    assert lines[-1].endswith("(1 more up to date, left as they were)")


def test_changing_a_data_file_reruns_every_notebook(project, capsys):
    _run(project, capsys)
    with open(project["processed"] / "figures.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    code, lines = _run(project, capsys)
    assert code == 0
    changed = f"to run ({config.display(project['processed'] / 'figures.csv')} changed)"
    assert lines[:2] == [f"01_tiny: {changed}", f"02_tiny: {changed}"]
    assert sorted(n["name"] for n in latest(project)["notebooks"]) == ["01_tiny", "02_tiny"]


def test_changing_the_environment_lock_reruns_every_notebook(project, capsys, tmp_path, monkeypatch):
    """uv.lock pins libraries the recorded versions leave out (scipy, pillow): a new lock makes every chart again."""
    lock = tmp_path / "uv.lock"
    shutil.copyfile(config.ENVIRONMENT_LOCK, lock)
    monkeypatch.setattr(config, "ENVIRONMENT_LOCK", lock)
    _run(project, capsys)
    assert latest(project)["inputs"][config.display(lock)] == sha256(lock)
    with open(lock, "a", encoding="utf-8") as handle:
        handle.write("\n")
    code, lines = _run(project, capsys)
    assert code == 0
    assert lines[:2] == [f"01_tiny: to run ({config.display(lock)} changed)",
                         f"02_tiny: to run ({config.display(lock)} changed)"]


def test_a_chart_changed_by_hand_is_made_again_and_force_runs_everything(project, capsys):
    _run(project, capsys)
    (project["figures"] / "01_tiny.csv").write_text("edited")
    code, lines = _run(project, capsys)
    assert lines[0] == f"01_tiny: to run ({config.display(project['figures'] / '01_tiny.csv')} was changed by hand)"
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
    assert entry["outputs"] == {"01_tiny.csv": sha256(project["figures"] / "01_tiny.csv")}
    assert {"parameters", "version of pandas", config.display(config.DATAPACKAGE),
            "analysis/regenerate/run.py"} <= set(entry["inputs"])


# --- each notebook's own inputs: the modules it runs, the data it reads ---------------------------------------
#
# The project's twelve notebooks, in a copy of analysis/ and data/ that a test may edit. Their stand-ins here
# write a chart and nothing else: what a notebook is made from is told by its name and the package's source
# (see analysis/regenerate/incremental.py), not by running it, and a stand-in's kernel starts in a second.

NOTEBOOKS = sorted(p.stem for p in config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
STAND_IN = ("import os, pathlib\n"
            "folder = pathlib.Path(os.environ['TIP_NORWAY_FIGURES_DIR'])\n"
            "folder.mkdir(parents=True, exist_ok=True)\n"
            "(folder / '{NAME}.csv').write_text(label)")

#: The tables every load reads (analysis/data/loader.py, read by hand), and those of each optional part.
CORE_TABLES = {"sources", "metrics", "forms", "populations", "figures", "statements"}
PART_TABLES = {"glotip": {"glotip", "glotip_flags", "series_breaks"}, "world_bank": {"world_bank"}}
#: The optional parts each notebook's analysis uses, as read in analysis/analyses/<topic>.py by hand (``data.glotip``,
#: ``data.world_bank`` in it and the analyses it imports). Written out here, not taken from the code under test.
PARTS = {"03_funding_per_victim": {"glotip"}, "06_series_conviction_gap": {"glotip"},
         "08_series_funding": {"glotip", "world_bank"}, "10_tip_vs_kom": {"glotip"},
         "11_labor_share_series": {"glotip"}, "12_nordic_comparison": {"glotip", "world_bank"}}
#: The tables each notebook's load reads: the core, and the tables of its parts.
READ = {name: CORE_TABLES | set().union(*(PART_TABLES[p] for p in PARTS.get(name, ()))) for name in NOTEBOOKS}
#: Analyses that import the module of the victim counts several notebooks share (``grep "from .victim_counts"
#: analysis/analyses``).
IMPORTS_VICTIM_COUNTS = {"03_funding_per_victim", "06_series_conviction_gap", "08_series_funding"}


def readers(table: str) -> set[str]:
    return {name for name, tables in READ.items() if table in tables}


@pytest.fixture
def tree(project_copy, folders):
    """A copy of analysis/ and data/ that the incremental check reads, and stand-ins for the twelve notebooks."""
    for name in NOTEBOOKS:
        write_notebook(folders["notebooks"] / f"{name}.ipynb", STAND_IN.replace("{NAME}", name))
    return {**folders, "root": project_copy}


def _append(path, text: str) -> str:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)
    return config.display(path)


def _verdicts(tree, capsys) -> dict[str, str]:
    """Run; each notebook's verdict ("up to date", or the reason it runs); check that exactly the stale ones ran."""
    code, lines = _run(tree, capsys)
    assert code == 0, lines
    said = dict(line.split(": ", 1) for line in lines if line.split(": ", 1)[0] in NOTEBOOKS)
    assert set(said) == set(NOTEBOOKS)
    ran = [n["name"] for n in latest(tree)["notebooks"]]
    assert ran == [name for name in NOTEBOOKS if said[name] != "up to date"]
    return said


def _stale_for(said: dict[str, str], edited: str, expected: set[str]) -> None:
    assert {name for name, verdict in said.items() if verdict != "up to date"} == expected
    assert all(said[name] == f"to run ({edited} changed)" for name in expected)


def test_an_edited_module_reruns_the_notebooks_that_run_it(tree, capsys):
    assert set(_verdicts(tree, capsys).values()) == {"to run (no publishing run recorded)"}
    package = tree["root"] / "analysis"

    # one notebook's drawing: only that notebook
    edited = _append(package / "charts" / "series_funding.py", "# an edit\n")
    _stale_for(_verdicts(tree, capsys), edited, {"08_series_funding"})

    # a module an analysis newly imports is noticed: the analysis changed, and from then on so does the module
    helper = package / "analyses" / "a_new_helper.py"
    helper.write_text('"""A helper."""\n', encoding="utf-8")
    _append(package / "analyses" / "conviction_gap.py", "from . import a_new_helper  # noqa: E402, F401\n")
    said = _verdicts(tree, capsys)
    assert {name for name, verdict in said.items() if verdict != "up to date"} == {"01_conviction_gap"}
    assert said["01_conviction_gap"] == f"to run ({config.display(helper)} is new)"  # the first of the two, by name
    edited = _append(helper, "# an edit\n")
    _stale_for(_verdicts(tree, capsys), edited, {"01_conviction_gap"})

    # an analysis: its notebook alone
    edited = _append(package / "analyses" / "series_conviction_gap.py", "# an edit\n")
    _stale_for(_verdicts(tree, capsys), edited, {"06_series_conviction_gap"})

    # the words of an analysis (its title, summary, closing): its notebook alone, though they are not Python
    edited = _append(package / "analyses" / "words" / "funding_per_victim.md", "\nA sentence more.\n")
    _stale_for(_verdicts(tree, capsys), edited, {"03_funding_per_victim"})

    # a module several analyses import: each of their notebooks
    edited = _append(package / "analyses" / "victim_counts.py", "# an edit\n")
    _stale_for(_verdicts(tree, capsys), edited, IMPORTS_VICTIM_COUNTS)

    # a module every chart is finished with: every notebook
    edited = _append(package / "charts" / "finish.py", "# an edit\n")
    _stale_for(_verdicts(tree, capsys), edited, set(NOTEBOOKS))


def test_an_edited_data_file_reruns_the_notebooks_that_read_it(tree, capsys):
    _verdicts(tree, capsys)
    processed = tree["root"] / "data" / "processed"
    for file, table in (("world_bank.csv", "world_bank"), ("glotip.csv", "glotip"), ("statements.csv", "statements"),
                        ("figures.csv", "figures")):
        edited = _append(processed / file, "\n")
        _stale_for(_verdicts(tree, capsys), edited, readers(table))


def test_each_analysis_uses_only_the_tables_its_step_loads_and_every_part_it_declares():
    """Every analysis run with its defaults on data that note which tables are asked for."""
    from analysis.analyses import ANALYSES
    from analysis.data import load
    from analysis.steps import step

    data = load(glotip=True, world_bank=True)

    class Noting:
        def __init__(self):
            self.asked = set()

        def __getattr__(self, table):
            self.asked.add(table)
            return getattr(data, table)

    assert sorted(ANALYSES) == NOTEBOOKS
    for name, analyse in ANALYSES.items():
        noting = Noting()
        analyse(noting)
        assert noting.asked <= READ[name], name
        assert set(step(name.partition("_")[2]).reads) == PARTS.get(name, set()) <= noting.asked, name


def _inputs_of_the_project() -> dict[str, dict[str, str]]:
    from analysis.regenerate.notebooks import discover

    shared = incremental.shared_inputs()
    return {nb.name: incremental.inputs(nb, {}, shared) for nb in discover()}


def test_each_notebook_depends_on_the_files_of_the_tables_it_reads_and_every_file_on_one():
    """The project's notebooks: every data file is some notebook's input, so a data edit is validated by a run.

    A table's file is an input of the notebooks reading it or a table referring to it (figures refer to sources,
    metrics, forms and populations; GLOTIP's rows carry its flags; every table refers to sources, which pin the raw
    files).
    """
    found = _inputs_of_the_project()
    processed = {p.stem for p in config.PROCESSED.glob("*.csv")}
    for name, inputs in found.items():
        files = {config.display(config.PROCESSED / f"{t}.csv") for t in READ[name] & processed}
        assert {k for k in inputs if k.startswith("data/processed/")} == files, name
        raw = {config.display(p) for p in config.RAW.iterdir()}
        assert raw | {config.display(config.DATAPACKAGE)} <= set(inputs), name
    every = {config.display(p) for p in config.DATA.rglob("*") if p.is_file()}
    assert set().union(*found.values()) >= every


RUN_EACH = """
import importlib, json, os, sys, types
import matplotlib.pyplot, numpy, pandas, pandera, scipy.stats, seaborn, statsmodels.api  # loaded once, forked after
for name, stubbed in json.loads(sys.argv[1]).items():
    sys.stdout.flush()
    if os.fork():
        assert os.wait()[1] == 0, name
        continue
    for module in stubbed:  # another notebook's analysis or drawing: what its registry would import
        sys.modules[module] = types.SimpleNamespace(draw=None)
    import analysis.regenerate.run
    from analysis.charts import show
    show(importlib.import_module("analysis.analyses." + name.split("_", 1)[1]).analyse())
    loaded = sorted(m.__file__ for n, m in sys.modules.items() if n.split(".")[0] == "analysis" and n not in stubbed)
    print(json.dumps({name: loaded}), flush=True)
    os._exit(0)
"""


def test_a_notebook_depends_on_every_module_it_runs_and_on_no_other_notebooks_topic():
    """What a notebook loads, in a process of its own, with the analyses and drawings of the other notebooks stubbed.

    Its registries import them only to find them by name. It loads the
    runner's modules, then runs its analysis and shows its chart. The static reading must have found every module
    loaded, and of the topic modules only its own: no analysis imports another notebook's (what several share lives in
    modules of its own, such as victim_counts).
    """
    topics = {nb: nb.split("_", 1)[1] for nb in NOTEBOOKS}
    own = {name: {f"analysis/analyses/{topic}.py", f"analysis/charts/{topic}.py"} for name, topic in topics.items()}
    every = {f"analysis/{layer}/{topic}.py" for topic in topics.values() for layer in ("analyses", "charts")}
    stubbed = {name: [f.removesuffix(".py").replace("/", ".") for f in sorted(every - own[name])] for name in NOTEBOOKS}
    done = subprocess.run([sys.executable, "-c", RUN_EACH, json.dumps(stubbed)], capture_output=True, text=True,
                          check=True, cwd=config.ROOT)
    loaded = {name: {config.display(file) for file in files}
              for line in done.stdout.splitlines() if line.startswith("{") for name, files in json.loads(line).items()}
    assert sorted(loaded) == NOTEBOOKS
    for name, inputs in _inputs_of_the_project().items():
        assert {f"analysis/charts/{topics[name]}.py", "analysis/charts/finish.py",
                "analysis/data/loader.py"} <= loaded[name]
        assert loaded[name] <= set(inputs), (name, loaded[name] - set(inputs))
        assert every & set(inputs) == own[name], name


def test_a_descriptor_that_cannot_be_read_makes_every_data_file_an_input_and_a_bad_declaration_is_named(tree, capsys):
    from analysis.regenerate.notebooks import discover

    nb = next(n for n in discover(tree["notebooks"]) if n.name == "05_what_the_sources_name")
    every = {config.display(p) for p in (tree["root"] / "data").rglob("*") if p.is_file()}
    assert incremental.data_inputs(nb, incremental.shared_inputs()) < every  # it reads no GLOTIP or World Bank table
    described = config.DATAPACKAGE.read_text(encoding="utf-8")
    config.DATAPACKAGE.write_text("{", encoding="utf-8")  # the run's check of the data names what is wrong
    assert incremental.data_inputs(nb, incremental.shared_inputs()) == every
    words = tree["root"] / "analysis" / "analyses" / "words" / "what_the_sources_name.md"
    words.write_text(words.read_text(encoding="utf-8").replace("reads: []", "reads: [sauces]"), encoding="utf-8")
    config.DATAPACKAGE.write_text(described, encoding="utf-8")
    code, lines = _run(tree, capsys, "05")
    assert code == 1
    assert lines[-1] == ("tip-norway run: analysis/analyses/words/what_the_sources_name.md: 'reads' lists the tables "
                         "read beyond the core, among glotip, world_bank (each once, [] for none); found ['sauces']")
