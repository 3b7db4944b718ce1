"""The parameters a run takes, read from the notebooks and refused before any kernel starts.

And the committed notebooks they are read from. No kernel starts here.
"""

from __future__ import annotations

import re
import tomllib

import nbformat
import papermill
import pytest
from tiny_notebooks import RATE_PARAMS, TINY, write_notebook

from analysis import config
from analysis.parameters import conforms, hint_of
from analysis.regenerate.cli import main
from analysis.regenerate.errors import ParameterError
from analysis.regenerate.notebooks import discover, read_parameters, select
from analysis.regenerate.parameter_input import parse_cli_value
from analysis.regenerate.parameters import resolve_parameters
from analysis.regenerate.selection import resolve

#: How notebook 03 annotates its exchange rate: a float, or None for the report's own rate.
EXCHANGE_RATE_TYPE = r"(?:float \| None|Optional\[float\])"
EXCHANGE_RATE = r"exchange_rate: " + EXCHANGE_RATE_TYPE


# --- parameters, refused before anything runs --------------------------------------------

def test_list_shows_every_notebook_and_its_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for nb in sorted(config.NOTEBOOKS.glob("*.ipynb")):
        assert nb.stem in out
    assert re.search(EXCHANGE_RATE + r" = None  # NOK per unit of currency", out)
    assert "years: list[int] = [2013, 2014]" in out


def test_unknown_parameter_is_refused_with_the_parameter_list(tmp_path, capsys):
    code = main(["run", "-p", "exchange_rat", "9", "--output-dir", str(tmp_path / "out"), "--figures-dir",
                 str(tmp_path / "fig")])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown parameter 'exchange_rat': no selected notebook declares it" in err
    assert "03_funding_per_victim\n" in err and re.search(EXCHANGE_RATE + " = None", err)
    assert not (tmp_path / "out").exists() and not (tmp_path / "fig").exists()


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("exchange_rate", "ten", re.escape("parameter 'exchange_rate' of 03_funding_per_victim expects ")
     + EXCHANGE_RATE_TYPE + re.escape(", got 'ten' (str)")),
    ("years", "2014", re.escape("parameter 'years' of 01_conviction_gap expects list[int], got 2014 (int)")),
    ("year", "[2014]", re.escape("parameter 'year' of 03_funding_per_victim expects int, got [2014] (list)")),
    ("currency", "true", re.escape("parameter 'currency' of 03_funding_per_victim expects str, got True (bool)")),
])
def test_ill_typed_value_is_refused(tmp_path, capsys, name, value, expected):
    assert main(["run", "-p", name, value, "--output-dir", str(tmp_path / "out")]) == 2
    assert re.search(expected, capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_parameter_file_scoped_to_a_notebook(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("03_funding_per_victim:\n  years: [2014]\n", encoding="utf-8")
    assert main(["run", "03", "-f", str(params), "--output-dir", str(tmp_path / "out")]) == 2
    assert "unknown parameter 'years' for notebook 03_funding_per_victim" in capsys.readouterr().err


def test_unknown_notebook_is_refused(capsys):
    assert main(["run", "07_nothing"]) == 2  # bad input on the command line, as docs/running.md says
    assert "unknown notebook '07_nothing': expected one of 01_conviction_gap" in capsys.readouterr().err


def test_resolve_parameters_converts_whole_numbers_for_float_parameters():
    notebooks = select(discover(), ["03"])
    assert resolve_parameters(notebooks, {"exchange_rate": 10}) == {"03_funding_per_victim": {"exchange_rate": 10.0}}


@pytest.mark.parametrize(("type_name", "value", "fits"), [
    ("float | None", None, True), ("float | None", 7.5, True), ("float | None", 7, True),
    ("float | None", "ten", False),
    ("Optional[float]", None, True), ("Optional[float]", True, False), ("list[int] | None", [2014], True),
    ("list[int] | None", ["2014"], False), ("float", None, False), ("str | int", 3, True), ("str | int", None, False),
])
def test_union_annotations_take_any_of_their_members(type_name, value, fits):
    assert conforms(value, hint_of(type_name)) is fits


def test_null_on_the_command_line_gives_none_for_an_optional_parameter():
    assert parse_cli_value("null") is None
    notebooks = select(discover(), ["03"])
    assert resolve_parameters(notebooks, {"exchange_rate": None}) == {"03_funding_per_victim": {"exchange_rate": None}}


@pytest.mark.parametrize(("args", "expected"), [
    (["-p", "currency", "EURO"], [r"03_funding_per_victim: currency\b.*three-letter.*'EURO'"]),
    (["-p", "exchange_rate", "-5"], [r"03_funding_per_victim: exchange_rate\b.*positive.*-5"]),
    (["01", "-p", "years", "[1999]"], [r"01_conviction_gap: years\b.*1999.*2013"]),
    (["-p", "denominator", "victims"],
     [r"01_conviction_gap: denominator\b.*one of .*victims_identified_assisted.*'victims'",
      r"03_funding_per_victim: denominator\b.*'victims'"]),
], ids=["currency", "exchange_rate", "years", "denominator"])
def test_values_the_data_do_not_allow_are_refused_before_any_kernel_starts(tmp_path, capsys, args, expected):
    code = main(["run", *args, "--output-dir", str(tmp_path / "out"), "--figures-dir", str(tmp_path / "fig")])
    err = capsys.readouterr().err
    assert code == 2, err
    for pattern in expected:
        assert re.search(pattern, err), f"{pattern!r} not in:\n{err}"
    assert "The selected notebooks take:" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "fig").exists()


def test_domain_check_sees_only_the_values_given_and_lists_every_notebook_s_problems(folders, monkeypatch):
    import analysis.analyses
    import analysis.data
    import analysis.regenerate.run as run_module

    write_notebook(folders["notebooks"] / "01_tiny.ipynb", "x = 1")
    write_notebook(folders["notebooks"] / "02_other.ipynb", "x = 1",
                   params='label: str = "tiny"  # l\ncount: int = 3  # c')
    data, loads, calls = object(), [], []

    def problems(notebook, values, given_data):
        calls.append((notebook, values, given_data))
        return [f"label cannot be {values['label']!r}"] if values.get("label") == "bad" else []

    monkeypatch.setattr(analysis.data, "load", lambda **_: loads.append(1) or data)
    monkeypatch.setattr(analysis.analyses, "parameter_problems", problems)
    with pytest.raises(ParameterError) as refused:
        run_module.run((), {"label": "bad"}, notebooks_dir=folders["notebooks"], output=folders["output"],
                       figures=folders["figures"])
    assert calls == [("01_tiny", {"label": "bad"}, data), ("02_other", {"label": "bad"}, data)]
    assert str(refused.value).startswith("01_tiny: label cannot be 'bad'\n02_other: label cannot be 'bad'\n\nThe "
                                         "selected notebooks take:")
    assert loads == [1], "the data are loaded once per run"
    assert not (folders["output"] / "runs").exists()


def test_the_default_value_given_counts_as_the_defaults(folders):
    """A run given a notebook's default values is a run with its defaults: judged against the record, published."""
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    chosen = resolve((), {"label": "tiny"}, folders["notebooks"], None, folders["figures"])
    assert chosen.defaults_only and chosen.incremental and chosen.changes == {"01_tiny": {}}
    other = resolve((), {"label": "other"}, folders["notebooks"], None, folders["figures"])
    assert not other.defaults_only and other.changes == {"01_tiny": {"label": {"default": "tiny", "value": "other"}}}


# --- the committed notebooks -------------------------------------------------------------

COMMITTED = sorted(config.NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_numbered_run_and_checked_by_nbval():
    assert COMMITTED, "no notebooks"
    for path in COMMITTED:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), f"{path.name}: notebooks are named NN_topic.ipynb"
    assert [nb.path for nb in discover()] == COMMITTED
    pytest_config = tomllib.loads((config.ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in pytest_config["testpaths"]
    assert "--nbval" in pytest_config["addopts"].split() and "--nbval-kernel-name" in pytest_config["addopts"].split()


def test_parameters_are_read_as_papermill_reads_them_and_where_it_cannot(tmp_path):
    for path in COMMITTED:
        ours = read_parameters(path)
        for name, spec in papermill.inspect_notebook(str(path)).items():
            assert ours[name] == dict(spec), f"{path.name}: {name}"
    probe = write_notebook(tmp_path / "01_probe.ipynb",
                           params=RATE_PARAMS + '\nspan: tuple[int, ...] = (2013, 2014)  # years\nplain = 3')
    assert read_parameters(probe) == {
        "rate": {"name": "rate", "inferred_type_name": "float | None", "default": "None",
                 "help": "NOK per unit; None: the report's rate"},
        "span": {"name": "span", "inferred_type_name": "tuple[int, ...]", "default": "(2013, 2014)", "help": "years"},
        "plain": {"name": "plain", "inferred_type_name": "None", "default": "3", "help": ""},
    }


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_notebook_is_a_clean_reference(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    assert "papermill" not in nb.metadata
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "**Question.**" in first.source and "**Writes**" in first.source
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count
            for c in code] == list(range(1, len(code) + 1)), "run the notebooks with tip-norway refresh"
    assert all(not any(o.get("output_type") == "error" for o in c.outputs) for c in code)
    for name, spec in discover(path.parent)[[p.path for p in discover(path.parent)].index(path)].parameters.items():
        assert spec["help"], f"{path.name}: parameter {name} needs a trailing comment"
        assert spec["inferred_type_name"] != "None", f"{path.name}: parameter {name} needs a type annotation"
