"""Small cases a hostile tester found, each refused with a message that names the place, or now accepted.

A parameter file that is not UTF-8, a number that is not finite, a list that
names a value twice, a worker count below 1, a notebook named by its number
without the leading zero, an extraction that would write a table ``load``
refuses, and a refresh under a read-only cache.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import nbformat
import pytest
from data_edits import data_digest, edit_csv
from raw_links import own
from tiny_notebooks import write_notebook

from analysis import config
from analysis.regenerate.cli import main
from analysis.regenerate.notebooks import discover, select
from analysis.regenerate.reference import refresh


def refused(capsys, *args: str) -> str:
    """Run ``tip-norway ARGS``, expect exit 2 (bad parameters) before anything runs, and return what it printed."""
    assert main(list(args)) == 2
    return capsys.readouterr().err


def test_a_parameter_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path, capsys):
    given = tmp_path / "params.yml"
    given.write_bytes(b"exchange_rate: 8.0\ncurrency: NOK\xe5\n")  # a Latin-1 byte, as an old editor saves it
    err = refused(capsys, "run", "03", "-f", str(given), "--output-dir", str(tmp_path / "out"), "--figures-dir",
                  str(tmp_path / "fig"))
    assert err == (f"tip-norway run: parameter file {given}, line 2: byte b'\\xe5' at offset 32 is not UTF-8; "
                   f"expected a UTF-8 text file\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("value", "shown"), [(".inf", "inf"), ("-.inf", "-inf"), (".nan", "nan")])
def test_a_number_that_is_not_finite_is_refused(tmp_path, capsys, value, shown):
    given = tmp_path / "params.yml"
    # in a file: the shell would take -.inf for an option
    given.write_text(f"exchange_rate: {value}\n", encoding="utf-8")
    err = refused(capsys, "run", "03", "-f", str(given), "--output-dir", str(tmp_path / "out"))
    assert (f"parameter 'exchange_rate' of 03_funding_per_victim: {shown} is not a finite "
            "number; expected a finite one") in err
    assert not (tmp_path / "out").exists()


def test_a_list_that_names_a_value_twice_is_refused(tmp_path, capsys):
    err = refused(capsys, "run", "04", "-p", "years", "[2014, 2013, 2014]", "--output-dir", str(tmp_path / "out"))
    assert ("parameter 'years' of 04_victim_protection: 2014 given twice in [2014, 2013, "
            "2014]; expected each value once") in err


def test_a_value_given_twice_in_a_sweep_list_is_refused(tmp_path, capsys):
    err = refused(capsys, "sweep", "04", "-p", "years", "[2014,2014]", "--output-dir", str(tmp_path / "out"))
    assert "(years=[2014, 2014]): parameter 'years' of 04_victim_protection: 2014 given twice" in err


@pytest.mark.parametrize("command", ["run", "sweep"])
@pytest.mark.parametrize("count", ["0", "-2"])
def test_a_worker_count_below_one_is_refused(tmp_path, capsys, command, count):
    sweep = ["-p", "exchange_rate", "8", "9"] if command == "sweep" else []
    err = refused(capsys, command, "03", *sweep, "--workers", count, "--output-dir", str(tmp_path / "out"))
    assert err == f"tip-norway {command}: --workers {count}: expected a whole number of at least 1 (parallel kernels)\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_cell_timeout_that_is_not_a_positive_whole_number_is_refused(capsys, value):
    with pytest.raises(SystemExit) as stopped:
        main(["run", "03", "--cell-timeout", value])
    assert stopped.value.code == 2
    assert "argument --cell-timeout: expected" in capsys.readouterr().err


def test_a_notebook_is_named_by_its_number_with_or_without_the_leading_zero():
    notebooks = discover(config.NOTEBOOKS)
    (by_name,) = [nb for nb in notebooks if nb.name.startswith("03_")]
    assert select(notebooks, ["3"]) == select(notebooks, ["03"]) == select(notebooks, [by_name.name]) == [by_name]
    assert select(notebooks, ["12"])[0].name.startswith("12_")


def _workbook_with_a_row_twice(path):
    """A GLOTIP release whose one data row stands twice, laid out as UNODC's workbooks are."""
    import openpyxl

    from analysis.data import glotip

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data_glotip_1"
    sheet.cell(1, 1, "UNODC")
    sheet.cell(2, 1, "14/04/2025")
    for i, name in enumerate(glotip.COLUMNS, start=1):
        sheet.cell(3, i, name)
    row = ["NOR", "Norway", "Europe", "Northern Europe", "Persons convicted", "Total", "Total", "Total", "Total",
           "2020", "Counts", "12", "GLOTIP"]
    for line in (4, 5):
        for i, cell in enumerate(row, start=1):
            sheet.cell(line, i, cell)
    path.unlink(missing_ok=True)  # a new file in place of the one data_copy links, not written through the link
    book.save(path)
    return path


@pytest.mark.slow
def test_extract_checks_what_it_would_write_as_load_does_and_writes_nothing_on_a_problem(data_copy, capsys):
    workbook = _workbook_with_a_row_twice(own(data_copy / "raw" / "unodc_glotip_2025-04-14.xlsx"))
    edit_csv(data_copy / "raw" / "sources.csv", "glotip2025", "sha256",
             hashlib.sha256(workbook.read_bytes()).hexdigest())
    processed = {p.name: p.read_bytes() for p in (data_copy / "processed").iterdir()}
    assert main(["extract", "--data-dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "data/processed/glotip.csv, line " in err.replace(f"{data_copy}/", "data/")
    assert ("(id glotip2025-r5), column 'count': several rows share country, indicator, form, sex, age and year "
            "(sub-forms not named in the export): 2 rows share this key: 12, 12") in err
    assert "tip-norway-extract-" not in err, "problems name the real files, not the temporary mirror"
    assert err.rstrip().endswith("processed: nothing written: the extracted tables would not pass these checks")
    assert {p.name: p.read_bytes() for p in (data_copy / "processed").iterdir()} == processed


@pytest.mark.kernel
def test_refresh_under_a_cache_that_cannot_be_written_gives_the_same_references(tmp_path, verdict_cache):
    """A note about the cache printed in a kernel would be a cell's output.

    With nothing printed the references match. The kernels keep their verdicts in the test's own folder
    (:func:`verdict_cache`), which is made immutable for the second refresh.
    """
    cache = verdict_cache
    cache.mkdir()
    source = write_notebook(tmp_path / "01_loads.ipynb",
                            "import analysis\ndata = analysis.load(fresh=True)  # validates, then keeps a verdict\n"
                            "print(len(data.figures), 'figures')")
    results = []
    for writable in (True, False):
        notebooks = tmp_path / f"notebooks-{writable}"
        notebooks.mkdir()
        shutil.copy(source, notebooks)
        if writable:
            refresh(notebooks, output=tmp_path / f"out-{writable}", figures=tmp_path / "figures", say=lambda _: None)
        else:
            done = subprocess.run(["chattr", "+i", str(cache)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"chattr is not allowed here ({done.stderr.strip()}): making the "
                            "cache read-only needs root")
            try:
                refresh(notebooks, output=tmp_path / f"out-{writable}", figures=tmp_path / "figures",
                        say=lambda _: None)
            finally:
                subprocess.run(["chattr", "-i", str(cache)], check=False)
        results.append((notebooks / "01_loads.ipynb").read_bytes())
        if writable:
            assert [p.name for p in cache.iterdir()] == [f"verdict-{data_digest(config.DATA)}.json"], \
                "the kernel keeps its verdict in the folder the test gave it"
    assert results[0] == results[1]
    outputs = [o for c in nbformat.reads(results[1].decode(), as_version=4).cells for o in c.get("outputs", [])]
    assert [o.get("name") for o in outputs] == ["stdout"] and outputs[0]["text"].endswith(" figures\n")
    shutil.rmtree(tmp_path / "figures", ignore_errors=True)


def _pickle_key(glotip: bool, world_bank: bool) -> str:
    """The name the loader kept its pickled tables under until 2026-12."""
    return data_digest(config.DATA, f"glotip={glotip}\nworld_bank={world_bank}\n")


@pytest.mark.kernel
def test_an_edited_cache_entry_does_not_reach_a_published_chart(tmp_path, verdict_cache):
    """Edited cache entries do not reach a run: it publishes the chart the data give.

    Numbers are written into every verdict of the cache (the test's own folder, :func:`verdict_cache`, which the
    run's kernels inherit), and a pickle of edited tables kept there as this project once kept it; a run of 02 still
    publishes the chart the data give, byte for byte the committed one.
    """
    import dataclasses
    import json
    import pickle

    import analysis
    from analysis.regenerate.run import run

    cache = verdict_cache
    data = analysis.load(glotip=True, world_bank=True)
    edited = data.figures.copy()
    edited.loc[edited.id == "tip2015-investigations-sex-2014", "value"] = 68
    planted = [cache / f"load-{_pickle_key(glotip, world_bank)}.pickle" for glotip in (False, True)
               for world_bank in (False, True)]
    for path in planted:  # under the names the loader read them from until 2026-12, whatever the notebook asks for
        path.write_bytes(pickle.dumps(dataclasses.replace(data, figures=edited)))
    saved = {p: p.read_bytes() for p in cache.glob("verdict-*.json")}
    assert list(saved) == [cache / f"verdict-{data_digest(config.DATA)}.json"], "the load kept its verdict there"
    for entry in saved:
        verdict = json.loads(saved[entry])
        entry.write_text(json.dumps({**verdict, "figures": edited.to_dict("records")}, default=str), encoding="utf-8")
    run(["02"], force=True, output=tmp_path / "output", figures=tmp_path / "figures", say=lambda _: None)
    name = "02_labor_vs_sex_attention.csv"
    assert (tmp_path / "figures" / name).read_bytes() == (config.FIGURES / name).read_bytes()
    assert "2014,investigations,cases,36,68," in (tmp_path / "figures" / name).read_text(encoding="utf-8")


@pytest.mark.slow  # make and uv in processes of their own, no kernel and no command line of the project's
def test_make_setup_after_a_pyproject_edit_says_to_run_make_lock(tmp_path):
    """The hint is the project's ``make lock`` (the uv that uv.lock pins), not uv's own ``uv lock``."""
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy(config.ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("dependencies = [\n", 'dependencies = [\n    "six",\n', 1))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / ".venv")], check=True)
    (tmp_path / ".venv" / "bin" / "uv").symlink_to(config.ROOT / ".venv" / "bin" / "uv")
    done = subprocess.run(["make", "setup"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "uv.lock` needs to be updated" in done.stderr
    assert "run `make lock`, then `make setup` again" in done.stderr and "`uv lock`" not in done.stderr
    assert not (tmp_path / ".venv" / ".installed").exists()
