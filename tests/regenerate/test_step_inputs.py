"""A step's inputs are every file that defines it: each file named by its topic, in any layer, whatever its extension.

Pure tests of the rule in ``analysis/regenerate/incremental.py``: the project's twelve notebooks, their inputs taken
from a copy of ``analysis/`` and ``data/`` that a test edits, a record made of those inputs, and the verdict
:func:`~analysis.regenerate.incremental.why_stale` gives each notebook after the edit. No kernel starts: what a
notebook is made from is told by its name and the package's files, not by running it (the whole run is checked in
``test_incremental.py``, and that the modules and files a notebook's analysis really loads and opens are among these
inputs in ``test_inputs_opened.py``).
"""

from __future__ import annotations

import pytest
from read_by_hand import IMPORTS_VICTIM_COUNTS, NOTEBOOKS, READ, readers

from analysis import config
from analysis.data.published import Published, PublishedEntry
from analysis.regenerate import incremental
from analysis.regenerate.notebooks import discover


def _inputs() -> dict[str, dict[str, str]]:
    shared = incremental.shared_inputs()
    return {nb.name: incremental.inputs(nb, {}, shared) for nb in discover(config.NOTEBOOKS)}


def _record() -> Published:
    """A record of every notebook's inputs as they are."""
    return Published({name: PublishedEntry(found, {}) for name, found in _inputs().items()})


@pytest.fixture(scope="module")
def unedited() -> dict[str, Published]:
    """The record of an unedited copy's inputs, read by the first test's copy and shared with the others.

    A copy's files are named relative to the copy (``analysis/...``, ``data/...``) and hold the same bytes in every
    copy, so the record is the same whichever copy reads it (were it not, every notebook would be found stale).
    """
    return {}


@pytest.fixture
def root(project_copy, unedited):
    """A copy of analysis/ and data/ that the inputs are read from."""
    if not unedited:
        unedited["record"] = _record()
    return project_copy


@pytest.fixture
def stale_after(root, unedited, tmp_path):
    """``stale_after(edit)``: each notebook ``edit`` of the copy makes stale, with the reason.

    The inputs after the edit are judged against the record of the unedited copy, or with ``again=True`` against a
    record of the copy as it is before the edit.
    """
    def judged(edit, again: bool = False) -> dict[str, str]:
        before = _record() if again else unedited["record"]
        edit()
        after = _inputs()
        said = {name: incremental.why_stale(name, after[name], before, tmp_path) for name in NOTEBOOKS}
        return {name: reason for name, reason in said.items() if reason is not None}

    return judged


def _append(path, text: str = "\n") -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def test_the_record_of_every_notebook_names_its_own_words_and_no_others(root, unedited):
    found = {name: entry.inputs for name, entry in unedited["record"].entries.items()}
    assert sorted(found) == NOTEBOOKS
    words = {f"analysis/analyses/words/{p.stem}.md" for p in (root / "analysis" / "analyses" / "words").glob("*.md")}
    for name, inputs in found.items():
        own = f"analysis/analyses/words/{name.partition('_')[2]}.md"
        assert words & set(inputs) == {own}, name


def test_an_edited_words_file_makes_exactly_its_notebook_stale(root, stale_after):
    words = root / "analysis" / "analyses" / "words" / "funding_per_victim.md"
    stale = stale_after(lambda: _append(words, "\nA sentence more.\n"))
    assert stale == {"03_funding_per_victim": "analysis/analyses/words/funding_per_victim.md changed"}


@pytest.mark.parametrize("name", ["01_conviction_gap", "05_what_the_sources_name", "12_nordic_comparison"])
def test_an_edited_drawing_makes_exactly_its_notebook_stale(root, stale_after, name):
    topic = name.partition("_")[2]
    stale = stale_after(lambda: _append(root / "analysis" / "charts" / f"{topic}.py", "# an edit\n"))
    assert stale == {name: f"analysis/charts/{topic}.py changed"}


@pytest.mark.parametrize("where", ["analysis/analyses/words/series_attention.yaml",
                                   "analysis/charts/series_attention.mplstyle",
                                   "analysis/report/templates/series_attention.html"])
def test_a_new_file_named_by_a_topic_in_any_layer_is_an_input_of_that_notebook_alone(root, stale_after, where):
    """Metadata beside the words, a style beside the drawing, a page of the report: whatever its extension."""
    stale = stale_after(lambda: (root / where).write_text("title: x\n", encoding="utf-8"))
    assert stale == {"07_series_attention": f"{where} is new"}


def test_a_shared_file_beside_the_code_every_chart_runs_is_an_input_of_every_notebook(root, stale_after):
    """A file named by no topic, beside a package every notebook runs (analysis.charts), which its code may read."""
    stale = stale_after(lambda: (root / "analysis" / "charts" / "palette.json").write_text("{}\n"))
    assert stale == dict.fromkeys(NOTEBOOKS, "analysis/charts/palette.json is new")


def test_a_removed_topic_file_is_gone_for_its_notebook_alone(root, stale_after):
    words = root / "analysis" / "analyses" / "words" / "tip_vs_kom.md"
    stale = stale_after(words.unlink)
    assert stale == {"10_tip_vs_kom": "analysis/analyses/words/tip_vs_kom.md is gone"}


@pytest.mark.parametrize(("edited", "expected"), [
    ("charts/series_funding.py", {"08_series_funding"}),  # one notebook's drawing
    ("analyses/series_conviction_gap.py", {"06_series_conviction_gap"}),  # one notebook's analysis
    ("analyses/victim_counts.py", IMPORTS_VICTIM_COUNTS),  # a module several analyses import
    ("charts/finish.py", set(NOTEBOOKS)),  # a module every chart is finished with
    ("regenerate/run.py", set(NOTEBOOKS)),  # the runner
], ids=["drawing", "analysis", "shared", "finish", "runner"])
def test_an_edited_module_makes_the_notebooks_that_run_it_stale(root, stale_after, edited, expected):
    stale = stale_after(lambda: _append(root / "analysis" / edited, "# an edit\n"))
    assert stale == dict.fromkeys(expected, f"analysis/{edited} changed")


def test_a_module_an_analysis_newly_imports_is_noticed_then_followed(root, stale_after):
    """The analysis changed, and the module is new to it (the first of the two, by name); then an edit of it counts."""
    helper = root / "analysis" / "analyses" / "a_new_helper.py"

    def new_import():
        helper.write_text('"""A helper."""\n', encoding="utf-8")
        analysis = root / "analysis" / "analyses" / "conviction_gap.py"
        _append(analysis, "from . import a_new_helper  # noqa: E402, F401\n")

    assert stale_after(new_import) == {"01_conviction_gap": "analysis/analyses/a_new_helper.py is new"}
    stale = stale_after(lambda: _append(helper, "# an edit\n"), again=True)
    assert stale == {"01_conviction_gap": "analysis/analyses/a_new_helper.py changed"}


@pytest.mark.parametrize(("file", "table"), [("world_bank.csv", "world_bank"), ("glotip.csv", "glotip"),
                                             ("statements.csv", "statements"), ("figures.csv", "figures")])
def test_an_edited_data_file_makes_the_notebooks_that_read_it_stale(root, stale_after, file, table):
    stale = stale_after(lambda: _append(root / "data" / "processed" / file))
    assert stale == dict.fromkeys(readers(table), f"data/processed/{file} changed")


def test_each_notebook_depends_on_the_files_of_the_tables_it_reads_and_every_file_on_one():
    """The project's notebooks: every data file is some notebook's input, so a data edit is validated by a run.

    A table's file is an input of the notebooks reading it or a table referring to it (figures refer to sources,
    metrics, forms and populations; GLOTIP's rows carry its flags; every table refers to sources, which pin the raw
    files).
    """
    found = _inputs()
    processed = {p.stem for p in config.PROCESSED.glob("*.csv")}
    raw = {config.display(p) for p in config.RAW.iterdir()}
    for name, inputs in found.items():
        files = {config.display(config.PROCESSED / f"{t}.csv") for t in READ[name] & processed}
        assert {k for k in inputs if k.startswith("data/processed/")} == files, name
        assert raw | {config.display(config.DATAPACKAGE)} <= set(inputs), name
    every = {config.display(p) for p in config.DATA.rglob("*") if p.is_file()}
    assert set().union(*found.values()) >= every
