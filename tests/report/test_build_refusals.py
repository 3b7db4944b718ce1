"""The report site's build refused: bad input names the notebook and what is missing, and keeps the last good site.

Each test breaks a private copy of the published run (the ``run_copy`` fixture, tests/conftest.py) in one way and
builds from it, through the command line where the exit code is what is checked. The file system's refusals (an
immutable folder, a full disk, a mount point) and damaged records are in test_robustness.py.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from few_notebooks import FEW

from analysis.regenerate.cli import main
from analysis.report import ReportError, build


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _report(copy: dict, site: Path, *extra: str) -> int:
    return main(["report", "--output-dir", str(copy["output"]), "--figures-dir", str(copy["figures"]),
                 "--site-dir", str(site), *extra])


# --- bad input: the build fails, names the notebook and what is missing, and keeps the last good site -------------

def _break(copy: dict, how: str) -> str:
    """Break the copy of the published run in one way; the words the refusal must hold."""
    record = json.loads(copy["record"].read_text(encoding="utf-8"))

    def rewrite(name: str, suffix: str, text: str) -> None:
        path = copy["figures"] / f"{name}.{suffix}"
        path.write_text(text, encoding="utf-8")
        from analysis.data.digest import sha256  # the run would record the new file's digest
        record[name]["outputs"][path.name] = sha256(path)

    if how == "no executed notebook":
        (copy["output"] / record["04_victim_protection"]["executed"]).unlink()
        expected = "04_victim_protection: the executed notebook"
    elif how == "no chart file":
        (copy["figures"] / "03_funding_per_victim.svg").unlink()
        expected = "03_funding_per_victim: the chart file"
    elif how == "chart changed":
        with open(copy["figures"] / "07_series_attention.csv", "a") as handle:
            handle.write("\n")
        expected = "07_series_attention: "
    elif how == "never published":
        del record["09_tiers_and_drift"]
        expected = "09_tiers_and_drift: never published"
    elif how == "error output":
        executed = copy["output"] / record["02_labor_vs_sex_attention"]["executed"]
        notebook = nbformat.read(executed, as_version=4)
        cell = next(c for c in notebook.cells if c.cell_type == "code")
        cell.outputs.append(nbformat.v4.new_output("error", ename="ValueError", evalue="no such year", traceback=[]))
        nbformat.write(notebook, executed)
        expected = "02_labor_vs_sex_attention: the executed notebook"
    elif how == "without provenance":
        name = "11_labor_share_series"
        facts = json.loads((copy["figures"] / f"{name}.json").read_text(encoding="utf-8"))
        rewrite(name, "json", json.dumps({**facts, "figure_ids": []}))
        table = (copy["figures"] / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        rewrite(name, "csv", "\n".join(line.rsplit(",", 1)[0] for line in table) + "\n")  # its ids column gone
        expected = f"{name}: a chart without provenance"
    elif how == "unknown id":
        name = "02_labor_vs_sex_attention"
        text = (copy["figures"] / f"{name}.csv").read_text(encoding="utf-8")
        first = _rows(copy["figures"] / f"{name}.csv")[0]["ids"].split(";")[0]
        rewrite(name, "csv", text.replace(first, "tip2015-no-such-figure", 1))
        expected = "column ids: id 'tip2015-no-such-figure' is not in the data"
    copy["record"].write_text(json.dumps(record), encoding="utf-8")
    return expected


@pytest.mark.parametrize("how", ["no executed notebook", "no chart file", "chart changed", "never published",
                                 "error output", "without provenance", "unknown id"])
def test_bad_input_fails_naming_the_notebook_and_keeps_the_last_good_site(run_copy, site, tmp_path, capsys, how):
    kept = tmp_path / "site"
    kept.mkdir()
    for name, content in _tree(site).items():  # the last good site
        (kept / name).parent.mkdir(parents=True, exist_ok=True)
        (kept / name).write_bytes(content)
    before = _tree(kept)
    expected = _break(run_copy, how)
    assert _report(run_copy, kept) == 1
    err = capsys.readouterr().err
    assert f"cannot build the site (the last good site in {kept} is left as it was)" in err
    assert expected in err, err
    assert _tree(kept) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no staging folder left


def test_without_a_published_run_the_build_says_to_run_first(tmp_path, capsys):
    with pytest.raises(ReportError, match=r"nothing published yet: .*published.json is missing; run `make run`"):
        build(output=tmp_path / "output", site=tmp_path / "site", say=lambda line: None)
    assert not (tmp_path / "site").exists()


def test_the_command_line_builds_then_finds_the_site_up_to_date(run_copy, few, tmp_path, capsys):
    """A site of a few notebooks (few_notebooks.py): the line says how many pages and files it wrote."""
    site, shown = tmp_path / "site", ["--notebooks-dir", str(few)]
    assert _report(run_copy, site, *shown) == 0
    files = [p for p in site.rglob("*") if p.is_file()]
    pages = sorted(p.stem for p in files if p.suffix == ".html" and p.parent == site)
    assert [page for page in pages if page in FEW] == list(FEW)
    assert re.fullmatch(rf"built .*site: {len(pages)} pages, {len(files)} files, [\d.]+ MB, in [\d.]+ s\n",
                        capsys.readouterr().err)
    assert _report(run_copy, site, *shown) == 0
    assert "is up to date" in capsys.readouterr().err
