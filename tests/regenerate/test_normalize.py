"""A published notebook's parameters cell and call are generated from its analysis (``tip-norway normalize``)."""

from __future__ import annotations

import json
import shutil
import typing
from typing import Annotated

import pytest

from analysis import config
from analysis.regenerate.cells import call_cell, literal, parameters_cell, spelled
from analysis.regenerate.normalize import normalize, published


def test_every_published_notebook_holds_the_cells_its_analysis_gives():
    assert len(published()) == 12
    assert normalize(published(), check=True, say=pytest.fail) == []


@pytest.mark.parametrize(("hint", "written"), [
    (int, "int"), (tuple[int, ...], "list[int]"), (list[str], "list[str]"), (float | None, "Optional[float]"),
    (typing.Optional[float], "Optional[float]"),  # noqa: UP045 - the other spelling of the same type
    (Annotated[tuple[str, ...], "a domain"], "list[str]"), (bool, "bool"),
])
def test_a_type_is_spelled_as_papermill_reads_it(hint, written):
    assert spelled(hint) == written


@pytest.mark.parametrize("hint", [dict[str, int], int | str, tuple[int, str]])
def test_a_type_a_cell_cannot_state_is_refused(hint):
    with pytest.raises(TypeError, match=r"parameter (is|may be|holds)"):
        spelled(hint)


def test_a_default_is_written_as_yaml_and_papermill_pass_it():
    assert [literal(v) for v in (("tip2015", "gcm2017"), (2013, 2014), (), None, 0.95, False, "ø")] == [
        '["tip2015", "gcm2017"]', "[2013, 2014]", "[]", "None", "0.95", "False", '"ø"']


def _analysis(year: Annotated[int, "domain"] = 2014, rate: Annotated[float | None, "domain"] = None,
              lines: Annotated[tuple[str, ...], "domain"] = ()):
    """An analysis of the shape the package declares.

    Args:
        year: year of the funding lines and of the
            denominator
        rate: NOK per unit
        lines: ids to include
    """


def test_the_cells_come_from_the_signature_and_the_docstring():
    assert parameters_cell(_analysis) == (
        "from typing import Optional  # papermill reads Optional[float] in a parameters cell, not float | None\n\n"
        "year: int = 2014  # year of the funding lines and of the denominator\n"
        "rate: Optional[float] = None  # NOK per unit\n"
        "lines: list[str] = []  # ids to include")
    assert call_cell(_analysis, "funding") == ("from analysis.analyses import funding\nfrom analysis.charts import show"
                                               "\n\nresult = funding.analyse(year=year, rate=rate, lines=lines)\n"
                                               "result.summary")


def test_a_parameter_without_help_is_refused_by_name():
    def bare(year: Annotated[int, "domain"] = 2014):
        """No Args section."""

    with pytest.raises(TypeError, match="parameter 'year' has no help"):
        parameters_cell(bare)


def _sources(path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def test_normalize_rewrites_an_edited_cell_and_keeps_everything_else(tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS, folder, ignore=shutil.ignore_patterns("exploratory"))
    target = folder / "03_funding_per_victim.ipynb"
    original = json.loads(target.read_text(encoding="utf-8"))
    edited = json.loads(target.read_text(encoding="utf-8"))
    cell = next(c for c in edited["cells"] if "parameters" in c["metadata"].get("tags", []))
    cell["source"] = ["year: int = 2015  # a year typed by hand\n"]
    intro = "".join(edited["cells"][0]["source"]).replace("# 3. Funding per victim", "# 3. A heading typed by hand")
    edited["cells"][0]["source"] = intro.replace("**Question.** How much", "**Question.** How little")
    target.write_text(json.dumps(edited, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    said = []
    assert normalize(sorted(folder.glob("*.ipynb")), say=said.append) == ["03_funding_per_victim"]
    assert said == ["03_funding_per_victim: heading, question, parameters and call written from its step; "
                    "run tip-norway refresh"]
    assert json.loads(target.read_text(encoding="utf-8")) == original  # every cell, output and count as committed
    assert normalize(sorted(folder.glob("*.ipynb")), check=True, say=pytest.fail) == []
    assert {p.name: p.read_bytes() for p in folder.glob("*.ipynb") if p != target} == {
        p.name: p.read_bytes() for p in config.NOTEBOOKS.glob("*.ipynb") if p.name != target.name}


def test_the_command_checks_or_writes_the_files_given(tmp_path, capsys):
    from analysis.regenerate.cli import main

    target = tmp_path / "03_funding_per_victim.ipynb"
    committed = (config.NOTEBOOKS / target.name).read_text(encoding="utf-8")
    target.write_text(committed.replace("# 3. Funding per victim", "# 3. Typed by hand"), encoding="utf-8")
    edited = target.read_bytes()
    assert main(["normalize", "--check", str(target)]) == 1
    assert target.read_bytes() == edited
    assert capsys.readouterr().err == ("03_funding_per_victim: its heading, question, parameters or call is not the "
                                       "one its step declares\n")
    assert main(["normalize", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == committed
    assert main(["normalize", "--check", str(target)]) == 0
