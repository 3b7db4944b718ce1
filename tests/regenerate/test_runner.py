"""The regeneration command: real papermill runs, real kernels, into temporary folders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis import config
from analysis.parameters import conforms, hint_of
from analysis.regenerate.cli import main
from analysis.regenerate.errors import ParameterError
from analysis.regenerate.lock import run_lock
from analysis.regenerate.manifest import RunRecord, sha256
from analysis.regenerate.notebooks import discover, read_parameters, select
from analysis.regenerate.parameter_input import parse_cli_value
from analysis.regenerate.parameters import resolve_parameters
from analysis.regenerate.reference import refresh

#: Starts kernels or the command line in processes of their own: left out of `make test-fast`.
pytestmark = pytest.mark.kernel

#: How notebook 03 annotates its exchange rate: a float, or None for the report's own rate.
EXCHANGE_RATE_TYPE = r"(?:float \| None|Optional\[float\])"
EXCHANGE_RATE = r"exchange_rate: " + EXCHANGE_RATE_TYPE

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


TINY = ("from analysis.config import figures_dir\n"
        "folder = figures_dir()\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / f'{NUMBER}_tiny.csv').write_text(label)\n"
        "print('wrote', label)")


#: A parameter papermill's own reading of the parameters cell misses: it accepts no ``|`` in an annotation.
RATE_PARAMS = "rate: float | None = None  # NOK per unit; None: the report's rate"
RATE = ("from analysis.config import figures_dir\n"
        "folder = figures_dir()\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / '01_rate.csv').write_text(repr(rate))")


def latest(folders) -> dict:
    return json.loads((folders["output"] / "latest.json").read_text())


def cli(folders, *args) -> list[str]:
    return [*args, "--notebooks-dir", str(folders["notebooks"]), "--output-dir", str(folders["output"]),
            "--figures-dir", str(folders["figures"])]


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
    code = main(["run", "01", "03", "04", "-f", str(params), "--publish", "--output-dir", str(tmp_path / "out"),
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
    assert funding["outputs"]["03_funding_per_victim.csv"] == sha256(figures / "03_funding_per_victim.csv")
    assert "data/processed/figures.csv" in manifest["inputs"]
    assert manifest["inputs"]["uv.lock"] == sha256(config.ROOT / "uv.lock")  # the environment's lock
    assert manifest["versions"]["pandas"].startswith("3.")
    # only the charts of the notebooks run were written
    # PNG, SVG, CSV, JSON
    assert sorted(p.name[:3] for p in figures.iterdir()) == ["01_"] * 4 + ["03_"] * 4 + ["04_"] * 4


# --- published and exploratory runs ------------------------------------------------------

@pytest.mark.parametrize("given", [[], ["-p", "label", "tiny"]], ids=["defaults", "the default value given"])
def test_run_with_the_defaults_publishes(folders, capsys, given):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    (folders["figures"] / "01_tiny.csv").write_text("last good")
    assert main(["run", *cli(folders), *given]) == 0
    assert (folders["figures"] / "01_tiny.csv").read_text() == "tiny"
    manifest = latest(folders)
    assert manifest["published"] and manifest["figures_replaced"] and manifest["charts"] == str(folders["figures"])
    assert manifest["notebooks"][0]["parameters_changed"] == {}
    assert f"charts replaced in {folders['figures']}" in capsys.readouterr().err


#: The fields of a run's manifest, in the order it is written.
MANIFEST_FIELDS = ["run_id", "started", "workers", "versions", "inputs", "reused", "stale", "unreadable", "kernels",
                   "finished", "seconds", "status", "published", "figures_replaced", "charts", "notebooks"]
NOTEBOOK_FIELDS = ["name", "parameters_given", "parameters", "parameters_changed", "seconds", "status", "error",
                   "executed", "outputs"]


def test_a_manifest_lists_its_fields_in_one_order_and_leaves_out_kernels_when_none_started(folders):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    assert main(["run", *cli(folders)]) == 0
    first = latest(folders)
    assert list(first) == MANIFEST_FIELDS and list(first["notebooks"][0]) == NOTEBOOK_FIELDS
    run_dir = folders["output"] / "runs" / first["run_id"]
    assert (run_dir / "manifest.json").read_bytes() == (folders["output"] / "latest.json").read_bytes()
    assert main(["run", *cli(folders)]) == 0  # up to date: nothing runs, no kernel starts
    again = latest(folders)
    assert list(again) == [name for name in MANIFEST_FIELDS if name != "kernels"]
    assert (again["status"], again["finished"], again["seconds"], again["notebooks"]) == ("up to date",
                                                                                          again["started"], 0.0, [])
    assert (again["published"], again["charts"], again["reused"]) == (
        False, str(folders["figures"]), {"01_tiny": "up to date: its inputs are as at its last publishing run"})


def test_an_incomplete_manifest_holds_only_what_is_known_when_the_run_starts(tmp_path):
    started = RunRecord("20261201T101500123456Z", "2026-12-01T10:15:00+00:00", 2, {"python": "3.11"},
                        {"uv.lock": "ab"}, {}, {"01_tiny": "run with --force"}, {})
    started.write_incomplete(tmp_path)
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert list(written) == [*MANIFEST_FIELDS[:8], "status", "note"]
    assert (written["run_id"], written["workers"], written["stale"]) == ("20261201T101500123456Z", 2,
                                                                         {"01_tiny": "run with --force"})
    assert written["status"] == "incomplete" and written["note"].endswith("it was killed before it finished")


def test_a_manifest_whose_charts_could_not_be_published_ends_with_the_error(tmp_path):
    record = RunRecord("20261201T101500123456Z", "2026-12-01T10:15:00+00:00", 1, {}, {}, {}, {}, {},
                       kernels="forked")
    record.ended("2026-12-01T10:15:02+00:00", 2.0, "succeeded", tmp_path / "staged", [])
    record.publishing_failed(OSError("disk full"), in_place=False)
    record.write(tmp_path, tmp_path)
    written = json.loads((tmp_path / "latest.json").read_text())
    assert list(written) == [*MANIFEST_FIELDS, "error"]
    assert (written["status"], written["published"], written["figures_replaced"], written["error"]) == (
        "not published", False, False, "disk full")
    assert written["charts"] == str(tmp_path / "staged")


def test_run_with_other_parameters_leaves_figures_and_keeps_its_charts_in_its_run_folder(folders, capsys):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    before = folders["figures"] / "01_tiny.csv"
    before.write_text("last good")
    assert main(["run", *cli(folders), "-p", "label", "other"]) == 0
    err = capsys.readouterr().err
    manifest = latest(folders)
    staged = folders["output"] / "runs" / manifest["run_id"] / "figures"
    assert (staged / "01_tiny.csv").read_text() == "other"
    assert before.read_text() == "last good" and sorted(p.name for p in folders["figures"].iterdir()) == ["01_tiny.csv"]
    assert manifest["status"] == "succeeded" and not manifest["published"] and not manifest["figures_replaced"]
    assert manifest["charts"] == str(staged)
    assert manifest["notebooks"][0]["parameters_changed"] == {"label": {"default": "tiny", "value": "other"}}
    assert f"{folders['figures']} left as it was" in err and f"The charts are in {staged}" in err
    assert "(01_tiny: label)" in err and "--publish" in err


def test_publish_replaces_figures_with_other_parameters(folders, capsys):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    (folders["figures"] / "01_tiny.csv").write_text("last good")
    assert main(["run", *cli(folders), "-p", "label", "other", "--publish"]) == 0
    assert (folders["figures"] / "01_tiny.csv").read_text() == "other"
    manifest = latest(folders)
    assert manifest["published"] and manifest["charts"] == str(folders["figures"])
    assert manifest["notebooks"][0]["parameters_changed"] == {"label": {"default": "tiny", "value": "other"}}
    assert "published with parameters other than the defaults (01_tiny: label)" in capsys.readouterr().err


def test_union_annotated_parameter_is_listed_checked_and_injected(folders, capsys):
    write_notebook(folders["notebooks"] / "01_rate.ipynb", RATE, params=RATE_PARAMS)
    assert main(["list", "--notebooks-dir", str(folders["notebooks"])]) == 0
    assert "rate: float | None = None  # NOK per unit; None: the report's rate" in capsys.readouterr().out
    assert main(["run", *cli(folders), "-p", "rate", "ten"]) == 2
    assert "parameter 'rate' of 01_rate expects float | None, got 'ten' (str)" in capsys.readouterr().err
    assert main(["run", *cli(folders), "-p", "rate", "null"]) == 0  # None is the default: published
    assert (folders["figures"] / "01_rate.csv").read_text() == "None"
    assert main(["run", *cli(folders), "-p", "rate", "7"]) == 0
    manifest = latest(folders)
    assert (Path(manifest["charts"]) / "01_rate.csv").read_text() == "7.0"
    assert manifest["notebooks"][0]["parameters_changed"] == {"rate": {"default": None, "value": 7.0}}
    assert (folders["figures"] / "01_rate.csv").read_text() == "None"


def test_a_run_prints_only_its_own_lines_and_leaves_no_kernel_files(folders):
    write_notebook(folders["notebooks"] / "01_rate.ipynb", RATE, params=RATE_PARAMS)
    scratch = Path(tempfile.mkdtemp(prefix="tn-"))  # short: the kernel's sockets live under it
    try:
        done = subprocess.run([sys.executable, "-m", "analysis.regenerate.cli", "run", *cli(folders), "-p", "rate",
                               "7"],
                              capture_output=True, text=True, timeout=240, env={**os.environ, "TMPDIR": str(scratch)})
        left = list(scratch.iterdir())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    own = [r"running 1 notebook\(s\) with 1 worker\(s\) into \S+",
           r"\[1/1\] 01_rate ok \(\d+\.\d s\)",
           r"all 1 notebook\(s\) succeeded in \d+\.\d s with parameters other than the defaults \(01_rate: rate\); .+"]
    lines = done.stderr.splitlines()
    assert len(lines) == len(own) and all(re.fullmatch(p, line)
                                          for p, line in zip(own, lines, strict=True)), done.stderr
    assert "warning" not in done.stderr.lower() and "TCP" not in done.stderr and done.stdout == ""
    assert not left, f"kernel files left behind: {left}"


# --- failures ----------------------------------------------------------------------------

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


def test_bad_data_stops_the_run_before_any_notebook(folders, capsys, monkeypatch, data_copy):
    from conftest import edit_csv

    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    edit_csv(data_copy / "processed" / "figures.csv", "tip2015-tier", "value", "x")
    monkeypatch.setattr(config, "DATA", data_copy)
    import analysis.data

    monkeypatch.setattr(analysis.data.load, "__defaults__", (data_copy,))
    assert main(["run", *cli(folders)]) == 1
    assert "column 'value': expected a number, found 'x'" in capsys.readouterr().err
    assert not (folders["output"] / "runs").exists()


def test_two_runs_at_once_wait_or_refuse(folders):
    write_notebook(folders["notebooks"] / "01_tiny.ipynb", TINY.replace("{NUMBER}", "01"))
    command = [sys.executable, "-m", "analysis.regenerate.cli", "run", *cli(folders)]
    with run_lock(folders["output"], wait=False, timeout=0, say=print):
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
    command = [sys.executable, "-m", "analysis.regenerate.cli", "run", *cli(folders), "--publish"]
    runs = [subprocess.Popen([*command, "-p", "label", label], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
            for label in ("first", "second")]
    results = [r.communicate(timeout=240) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    assert len(list((folders["output"] / "runs").iterdir())) == 2
    assert (folders["figures"] / "01_tiny.csv").read_text() in {"first", "second"}
    assert not list(folders["figures"].parent.glob(".figures.*"))


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


# --- the committed notebooks -------------------------------------------------------------

COMMITTED = sorted(config.NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_numbered_run_and_checked_by_nbval():
    assert COMMITTED, "no notebooks"
    for path in COMMITTED:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), f"{path.name}: notebooks are named NN_topic.ipynb"
    assert [nb.path for nb in discover()] == COMMITTED
    pytest_config = tomllib.loads((config.ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in pytest_config["testpaths"]
    assert "--nbval" in pytest_config["addopts"].split() and "--nbval-current-env" in pytest_config["addopts"].split()


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
