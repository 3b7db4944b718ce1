"""The regeneration command: real papermill runs, real kernels, into temporary folders."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis import paths, runner
from analysis.cli import main

KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
          "language_info": {"name": "python"}}


def write_notebook(path: Path, *sources: str, params: str = 'label: str = "tiny"  # what to write') -> Path:
    cells = [new_markdown_cell("# probe")]
    parameters = new_code_cell(params)
    parameters.metadata["tags"] = ["parameters"]
    cells.append(parameters)
    cells += [new_code_cell(s) for s in sources]
    nbformat.write(new_notebook(cells=cells, metadata=KERNEL), path)
    return path


TINY = ("from analysis import plotting\n"
        "folder = plotting.figures_dir()\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / f'{NUMBER}_tiny.csv').write_text(label)\n"
        "print('wrote', label)")


@pytest.fixture
def folders(tmp_path):
    out = {name: tmp_path / name for name in ("notebooks", "output", "figures")}
    for folder in out.values():
        folder.mkdir()
    return out


def cli(folders, *args) -> list[str]:
    return [*args, "--notebooks-dir", str(folders["notebooks"]), "--output-dir", str(folders["output"]),
            "--figures-dir", str(folders["figures"])]


# --- parameters, refused before anything runs --------------------------------------------

def test_list_shows_every_notebook_and_its_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for nb in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        assert nb.stem in out
    assert 'exchange_rate: float = 0.0  # NOK per unit of currency' in out
    assert "years: list[int] = [2013, 2014]" in out


def test_unknown_parameter_is_refused_with_the_parameter_list(tmp_path, capsys):
    code = main(["run", "-p", "exchange_rat", "9", "--output-dir", str(tmp_path / "out"), "--figures-dir", str(tmp_path / "fig")])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown parameter 'exchange_rat': no selected notebook declares it" in err
    assert "03_funding_per_victim\n" in err and "exchange_rate: float = 0.0" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "fig").exists()


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("exchange_rate", "ten", "parameter 'exchange_rate' of 03_funding_per_victim expects float, got 'ten' (str)"),
    ("years", "2014", "parameter 'years' of 01_conviction_gap expects list[int], got 2014 (int)"),
    ("year", "[2014]", "parameter 'year' of 03_funding_per_victim expects int, got [2014] (list)"),
    ("currency", "true", "parameter 'currency' of 03_funding_per_victim expects str, got True (bool)"),
])
def test_ill_typed_value_is_refused(tmp_path, capsys, name, value, expected):
    assert main(["run", "-p", name, value, "--output-dir", str(tmp_path / "out")]) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_parameter_file_scoped_to_a_notebook(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("03_funding_per_victim:\n  years: [2014]\n", encoding="utf-8")
    assert main(["run", "03", "-f", str(params), "--output-dir", str(tmp_path / "out")]) == 2
    assert "unknown parameter 'years' for notebook 03_funding_per_victim" in capsys.readouterr().err


def test_unknown_notebook_is_refused(capsys):
    assert main(["run", "07_nothing"]) == 1
    assert "unknown notebook '07_nothing': expected one of 01_conviction_gap" in capsys.readouterr().err


def test_resolve_parameters_converts_whole_numbers_for_float_parameters():
    notebooks = runner.select(runner.discover(), ["03"])
    assert runner.resolve_parameters(notebooks, {"exchange_rate": 10}) == {"03_funding_per_victim": {"exchange_rate": 10.0}}


# --- real runs with other parameters, numbers checked against hand-computed values ---------

def test_runs_with_non_default_parameters(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(
        "01:\n  years: [2014]\n  denominator: initial_contacts\n"
        "03_funding_per_victim:\n  currency: EUR\n  exchange_rate: 10\n  denominator: shelter_accepted\n"
        "04:\n  years: [2014]\n",
        encoding="utf-8",
    )
    figures = tmp_path / "figures"
    cwd = os.getcwd()
    code = main(["run", "01", "03", "04", "-f", str(params), "--output-dir", str(tmp_path / "out"),
                 "--figures-dir", str(figures)])
    assert code == 0
    assert os.getcwd() == cwd, "parallel workers must not change the process's working directory"
    gap = pd.read_csv(figures / "01_conviction_gap.csv")
    per_year = gap[gap.panel == "per_year"]
    assert per_year.year.tolist() == [2014]
    assert per_year.victims_per_conviction.tolist() == [pytest.approx(139 / (4 + 1), rel=1e-5)]

    money = pd.read_csv(figures / "03_funding_per_victim.csv").set_index("id")
    assert money.loc["total", "nok_per_victim"] == pytest.approx((2_500_000 + 4_500_000) / (41 + 1), rel=1e-5)
    assert money.loc["total", "eur_per_victim"] == pytest.approx(7_000_000 / 10 / 42, rel=1e-5)
    assert "usd_per_victim" not in money.columns

    protection = pd.read_csv(figures / "04_victim_protection.csv")
    assert protection.year.unique().tolist() == [2014]
    permits = protection.set_index("measure").loc["temporary_residence_permits_granted", "per_100_victims"]
    assert permits == pytest.approx(100 * 41 / 270, rel=1e-5)

    manifest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert manifest["status"] == "succeeded" and manifest["figures_replaced"]
    funding = next(n for n in manifest["notebooks"] if n["name"] == "03_funding_per_victim")
    assert funding["parameters"]["exchange_rate"] == 10.0 and funding["parameters"]["year"] == 2014
    assert funding["outputs"]["03_funding_per_victim.csv"] == runner.sha256(figures / "03_funding_per_victim.csv")
    assert "data/processed/figures.csv" in manifest["inputs"]
    assert manifest["versions"]["pandas"].startswith("3.")
    # only the charts of the notebooks run were written
    assert sorted(p.name[:3] for p in figures.iterdir()) == ["01_"] * 3 + ["03_"] * 3 + ["04_"] * 3


# --- failures ----------------------------------------------------------------------------

def test_notebook_that_raises_leaves_figures_untouched(folders, capsys):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    write_notebook(folders["notebooks"] / "02_broken.ipynb", "x = 1", "ratio = 1 / 0")
    before = folders["figures"] / "01_tiny.csv"
    before.write_text("last good")
    assert main(["run", *cli(folders)]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 notebook(s) failed" in err
    assert re.search(r"02_broken: cell 4, counting from 1 \(execution count \[3\]\), raised ZeroDivisionError: division by zero", err)
    assert before.read_text() == "last good" and sorted(p.name for p in folders["figures"].iterdir()) == ["01_tiny.csv"]
    kept = re.search(r"the executed notebook is kept at (\S+\.ipynb)", err).group(1)
    executed = nbformat.read(kept, as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in executed.cells for o in c.get("outputs", []))
    manifest = json.loads((folders["output"] / "latest.json").read_text())
    assert manifest["status"] == "failed" and not manifest["figures_replaced"]


def test_bad_data_stops_the_run_before_any_notebook(folders, capsys, monkeypatch, data_copy):
    from conftest import edit_csv

    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-tier", "value", "x")
    monkeypatch.setattr(paths, "DATA", data_copy)
    import analysis.data

    monkeypatch.setattr(analysis.data.load, "__defaults__", (data_copy,))
    assert main(["run", *cli(folders)]) == 1
    assert "column 'value': expected a number, found 'x'" in capsys.readouterr().err
    assert not (folders["output"] / "runs").exists()


def test_two_runs_at_once_wait_or_refuse(folders):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    command = [sys.executable, "-m", "analysis.cli", "run", *cli(folders)]
    with runner.run_lock(folders["output"], wait=False, timeout=0, say=print):
        refused = subprocess.run([*command, "--no-wait"], capture_output=True, text=True, timeout=120)
        waiting = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first_line = waiting.stderr.readline()
        assert not (folders["figures"] / "01_tiny.csv").exists()
    out, err = waiting.communicate(timeout=180)
    assert refused.returncode == 1
    assert "another run holds" in refused.stderr and "not starting" in refused.stderr
    assert "waiting up to" in first_line
    assert waiting.returncode == 0, err
    assert (folders["figures"] / "01_tiny.csv").read_text() == "tiny"


def test_two_real_runs_started_together_both_finish(folders):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    command = [sys.executable, "-m", "analysis.cli", "run", *cli(folders)]
    runs = [subprocess.Popen([*command, "-p", "label", label], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for label in ("first", "second")]
    results = [r.communicate(timeout=240) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    assert len(list((folders["output"] / "runs").iterdir())) == 2
    assert (folders["figures"] / "01_tiny.csv").read_text() in {"first", "second"}
    assert not list(folders["figures"].parent.glob(".figures.*"))


def test_refresh_writes_clean_reference_outputs(folders):
    nb = write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    runner.refresh(folders["notebooks"], output=folders["output"], figures=folders["figures"], say=lambda _: None)
    ref = nbformat.read(nb, as_version=4)
    assert "papermill" not in ref.metadata and ref.metadata.kernelspec.name == "python3"
    code = [c for c in ref.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2]
    assert code[1].outputs[0]["text"] == "wrote tiny\n"
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in ref.cells)


# --- the committed notebooks -------------------------------------------------------------

COMMITTED = sorted(paths.NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_numbered_run_and_checked_by_nbval():
    assert COMMITTED, "no notebooks"
    for path in COMMITTED:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), f"{path.name}: notebooks are named NN_topic.ipynb"
    assert [nb.path for nb in runner.discover()] == COMMITTED
    pytest_config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in pytest_config["testpaths"]
    assert "--nbval" in pytest_config["addopts"].split() and "--nbval-current-env" in pytest_config["addopts"].split()


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
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run the notebooks with tip-norway refresh"
    assert all(not any(o.get("output_type") == "error" for o in c.outputs) for c in code)
    for name, spec in runner.discover(path.parent)[[p.path for p in runner.discover(path.parent)].index(path)].parameters.items():
        assert spec["help"], f"{path.name}: parameter {name} needs a trailing comment"
        assert spec["inferred_type_name"] != "None", f"{path.name}: parameter {name} needs a type annotation"
