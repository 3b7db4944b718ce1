"""The report site built from the published run: its pages, its numbers' provenance, its downloads, its rebuilds.

The published run is the one the committed references make (the ``published`` fixture, tests/conftest.py: the
executed notebooks of notebooks/ and the charts of figures/, recorded as the runner records a publishing run); a test
here checks that the runner itself finds it up to date. Expected values are read from the run's own files
(``figures/NN.json`` and ``.csv``) and from the curated data with the standard library, not through the builder's
code. The refusals are in test_build_refusals.py and test_robustness.py; every page read as HTML is in
test_site_pages.py, and in a browser in test_site_browser.py.
"""

from __future__ import annotations

import csv
import html
import json
import re
import sqlite3
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from analysis import config
from analysis.regenerate.run import run
from analysis.report import build
from analysis.report.inputs import FORMATS
from analysis.report.tables import Cell

NAMES = sorted(p.stem for p in config.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _text(path: Path) -> str:
    """A page's HTML with its character references turned back into characters, for finding text in it."""
    return html.unescape(path.read_text(encoding="utf-8"))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- what the site is built from --------------------------------------------------------------------------------

def test_the_published_run_is_one_the_runner_finds_up_to_date(run_copy):
    """The record the fixture writes holds what a publishing run records: a run with the defaults reruns nothing."""
    said = []
    manifest = run(output=run_copy["output"], figures=run_copy["figures"], say=said.append)
    assert manifest["status"] == "up to date" and sorted(manifest["reused"]) == NAMES
    assert said[:len(NAMES)] == [f"{name}: up to date" for name in NAMES]
    assert said[-1].startswith(f"all {len(NAMES)} notebook(s) up to date;")
    executed = json.loads(run_copy["record"].read_text(encoding="utf-8"))
    for name in NAMES:  # each executed copy is the committed notebook, which nbval runs and compares
        copy = run_copy["output"] / executed[name]["executed"]
        assert copy.read_bytes() == (config.NOTEBOOKS / f"{name}.ipynb").read_bytes(), name


# --- what the site holds --------------------------------------------------------------------------------------

def test_the_site_has_an_index_a_page_per_analysis_and_the_data_pages(site):
    pages = sorted(p.name for p in site.glob("*.html"))
    assert pages == sorted(["index.html", "data.html", "sources.html", "quality.html", "methods.html", "glossary.html",
                            "changelog.html", *(f"{n}.html" for n in NAMES)])
    assert (site / ".nojekyll").is_file() and (site / "CITATION.cff").read_bytes() == (config.ROOT / "CITATION.cff"
                                                                                        ).read_bytes()
    index = _text(site / "index.html")
    for name in NAMES:
        facts = json.loads((site / "figures" / f"{name}.json").read_text(encoding="utf-8"))
        assert index.count(f'href="{name}.html"') == 1, name  # each analysis listed once
        assert facts["title"] in index, name  # with its headline finding
        assert f'src="thumbs/{name}.png"' in index


def test_each_analysis_page_shows_its_finding_words_parameters_and_downloads(site, published):
    for name in NAMES:
        page = _text(site / f"{name}.html")
        facts = json.loads((published["figures"] / f"{name}.json").read_text(encoding="utf-8"))
        assert f'alt="{facts["title"]}"' in page, name
        assert page.count("<h1>") == 1 and '<html lang="en">' in page
        assert facts["source_line"] in page  # the caption's source line
        for sentence in re.split(r"(?<=\.)\s", facts["words"]["caveats"])[:2]:
            assert sentence.strip() in page, name
        for parameter in facts["parameters"]:
            assert f"<code>{parameter}</code>" in page, name
        for suffix in FORMATS:
            assert f'href="figures/{name}.{suffix}" download' in page, name
            assert (site / "figures" / f"{name}.{suffix}").read_bytes() == (
                published["figures"] / f"{name}.{suffix}").read_bytes()


def test_a_number_in_a_table_links_to_the_passages_it_was_read_from(site, published):
    quotes = {row["id"]: row["quote"] for row in _rows(config.PROCESSED / "figures.csv")}
    table = [r for r in _rows(published["figures"] / "01_conviction_gap.csv") if r["panel"] == "per_year"]
    page = _text(site / "01_conviction_gap.html")
    for number, row in enumerate(table, start=1):
        anchor = f"per-year-row-{number}"
        assert f'<a href="#{anchor}">{row["victims"]}</a>' in page  # the number itself is the link
        block = page.split(f'<tbody id="{anchor}"', 1)[1].split("</tbody>", 1)[0]
        for figure_id in [row["victims_ids"], *row["convictions_ids"].split(";")]:
            assert quotes[figure_id] in block, figure_id


def test_every_id_a_chart_names_has_its_passage_on_the_page(site, published):
    known = {}
    for table in ("figures", "statements", "glotip", "world_bank"):
        known.update({row["id"]: row for row in _rows(config.PROCESSED / f"{table}.csv")})
    for name in NAMES:
        page = _text(site / f"{name}.html")
        facts = json.loads((published["figures"] / f"{name}.json").read_text(encoding="utf-8"))
        for figure_id in facts["figure_ids"]:
            assert f'<th scope="row"><code>{figure_id}</code></th>' in page, (name, figure_id)
            row = known[figure_id]
            assert (row.get("quote") or row["value_as_written"]) in page


def test_the_data_pages_list_every_table_column_source_and_flag(site):
    package = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    data = _text(site / "data.html")
    for resource in package["resources"]:
        assert f'id="table-{resource["name"]}"' in data
        for field in resource["schema"]["fields"]:
            assert f"<code>{field['name']}</code>" in data
    sources = _text(site / "sources.html")
    for row in _rows(config.RAW / "sources.csv"):
        assert f'id="source-{row["source_id"]}"' in sources and row["url"] in sources
    quality = _text(site / "quality.html")
    for flag in _rows(config.PROCESSED / "glotip_flags.csv"):
        reason = flag["reason"].removeprefix("Found by the check, not yet examined against another source: ")
        assert f"<code>{flag['id']}</code>" in quality and reason in quality  # the opening words once, above the rows


def test_the_dataset_downloads_hold_every_table_as_written(site):
    package = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    with zipfile.ZipFile(site / "data" / "tip-norway-data.zip") as archive:
        assert archive.read("tip-norway-data/datapackage.json") == config.DATAPACKAGE.read_bytes()
        for resource in package["resources"]:
            assert archive.read(f"tip-norway-data/{resource['path']}") == (config.DATA / resource["path"]).read_bytes()
    with sqlite3.connect(site / "data" / "tip-norway.sqlite") as db:
        for resource in package["resources"]:
            rows = _rows(config.DATA / resource["path"])
            assert db.execute(f'SELECT count(*) FROM "{resource["name"]}"').fetchone()[0] == len(rows)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        query = "SELECT value, typeof(value) FROM figures WHERE id = 'tip2015-victims-2014'"
        value, kind = db.execute(query).fetchone()
        assert (value, kind) == (270.0, "real")
        assert db.execute("SELECT censored FROM glotip WHERE value_as_written = '<5' LIMIT 1").fetchone() == (1,)
        assert {row[2] for row in db.execute("PRAGMA foreign_key_list(figures)")} >= {"sources", "metrics"}


def test_the_citation_file_and_each_page_name_the_version_and_the_date_of_the_data(site):
    cff = yaml.safe_load((config.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["cff-version"] == "1.2.0" and cff["version"] == project["version"]
    assert {"message", "title", "authors"} <= set(cff)
    data_date = max(row["date_accessed"] for row in _rows(config.RAW / "sources.csv"))
    for page in site.glob("*.html"):
        text = _text(page)
        assert f"version {project['version']}, data as of {data_date}. Report site, page {page.name}" in text


# --- reproducible and incremental -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_two_builds_give_the_same_bytes_and_an_unchanged_build_writes_nothing(published, site, tmp_path):
    again = tmp_path / "site"
    assert build(output=published["output"], figures=published["figures"], site=again, say=lambda line: None)
    assert _tree(again) == _tree(site)
    stamps = {p: p.stat().st_mtime_ns for p in again.rglob("*")}
    said = []
    assert build(output=published["output"], figures=published["figures"], site=again, say=said.append) is False
    assert said == [f"{again} is up to date: nothing it is built from has changed"]
    assert {p: p.stat().st_mtime_ns for p in again.rglob("*")} == stamps


@pytest.mark.slow  # builds a site twice
def test_another_address_for_the_citations_makes_the_pages_be_written_again_with_it(published, few, tmp_path):
    """A site of a few notebooks (few_notebooks.py), built without an address and then with one."""
    places = {"output": published["output"], "figures": published["figures"], "site": tmp_path / "site",
              "notebooks": few}
    assert build(**places, say=lambda line: None)
    assert "https://x.example/tip/" not in (places["site"] / "01_conviction_gap.html").read_text()
    assert build(**places, base_url="https://x.example/tip", say=lambda line: None)
    assert "https://x.example/tip/01_conviction_gap.html" in (places["site"] / "01_conviction_gap.html").read_text()


def test_a_passage_holding_markup_is_shown_as_text(published, few, data_copy, tmp_path):
    """Escaped on 01's page, in a site of a few notebooks (few_notebooks.py); no page of it holds a script."""
    figures_csv = data_copy / "processed" / "figures.csv"
    rows = _rows(figures_csv)
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    for row in rows:
        if row["id"] == "tip2015-victims-2014":
            row["quote"] = hostile
    with open(figures_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    site = tmp_path / "site"
    build(output=published["output"], figures=published["figures"], notebooks=few,
          data_dir=data_copy, site=site, say=lambda line: None)
    page = (site / "01_conviction_gap.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert not any("<script" in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))


def test_the_scheduled_workflow_builds_the_site_after_the_run_and_publishes_it():
    workflow = yaml.safe_load((config.ROOT / ".github" / "workflows" / "regenerate.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["regenerate"]["steps"]
    commands = [step.get("run", "") for step in steps]
    ran, built = commands.index("make run"), next(i for i, c in enumerate(commands) if "tip-norway report" in c)
    assert ran < built
    kept = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert "output/site/" in kept["with"]["path"]
    pages = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert pages["with"]["path"] == "output/site/" and steps.index(pages) > built
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "regenerate" and publish["permissions"]["pages"] == "write"
    assert publish["steps"][0]["uses"].startswith("actions/deploy-pages")


def test_whole_amounts_are_written_and_shown_in_plain_digits(site, published):
    rows = _rows(published["figures"] / "03_funding_per_victim.csv")
    assert not [row["nok"] for row in rows if "e" in row["nok"]]  # the writer gives whole numbers as integers
    page = _text(site / "03_funding_per_victim.html")
    for row in rows:  # shown with thousands separators: 2,500,000
        assert f">{int(row['nok']):,}<" in page
    # a number in scientific notation, should a CSV hold one, is shown in plain digits
    assert Cell("2.5e+06").shown == "2500000" and Cell("12.5").shown == "12.5"


def test_pages_whose_tables_carry_flags_explain_every_code_and_no_other_page_does(site, published):
    from analysis.data.flags import FLAG_CODES

    for csv_file in sorted(published["figures"].glob("*.csv")):
        rows = _rows(csv_file)
        # a column empty throughout is left out of the page's tables, and so is its legend
        flagged = any(column.endswith("_flags") and any(row[column] for row in rows) for column in (rows or [{}])[0])
        page = _text(site / f"{csv_file.stem}.html")
        assert ('id="flag-legend"' in page) == flagged, csv_file.name
        if flagged:
            legend = page.split('id="flag-legend"', 1)[1].split("</dl>", 1)[0]
            assert all(f"<dt>{code}</dt><dd>{label}</dd>" in legend for code, label in FLAG_CODES.items())
