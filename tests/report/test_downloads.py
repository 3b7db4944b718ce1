"""The dataset's downloads carry their context, checked against the files they come from.

The zip's README, dictionary, licence and citation file; the SQLite file's chart tables, keys and full-text index.

Every test reads the site the session builds once (the ``site`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from analysis import config
from analysis.report import ReportError, chart_package
from analysis.report.sqlite_charts import add_chart

ZIP = Path("data") / "tip-norway-data.zip"
SQLITE = Path("data") / "tip-norway.sqlite"
#: How Datasette finds a table's full-text index (datasette/utils/__init__.py, detect_fts_sql).
DATASETTE_DETECT_FTS = """
    select name from sqlite_master
        where rootpage = 0
        and (
            sql like '%VIRTUAL TABLE%USING FTS%content="{table}"%'
            or sql like '%VIRTUAL TABLE%USING FTS%content=[{table}]%'
            or (tbl_name = "{table}" and sql like '%VIRTUAL TABLE%USING FTS%')
        )
"""


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def members(site: Path) -> dict[str, bytes]:
    """The zip's entries, by name without the folder they are in."""
    with zipfile.ZipFile(site / ZIP) as archive:
        return {name.removeprefix("tip-norway-data/"): archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def db(site: Path):
    """The SQLite download, opened read only."""
    connection = sqlite3.connect(f"file:{site / SQLITE}?mode=ro", uri=True)
    yield connection
    connection.close()


def test_the_zip_holds_a_readme_the_licence_the_citation_and_the_dictionary_first(members):
    package = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    assert list(members) == ["README.md", "data-dictionary.md", "LICENSE", "CITATION.cff", "datapackage.json",
                             *(r["path"] for r in package["resources"])]
    assert members["LICENSE"] == (config.ROOT / "LICENSE").read_bytes()
    assert members["CITATION.cff"] == (config.ROOT / "CITATION.cff").read_bytes()


def test_the_readme_states_the_date_of_the_data_each_file_its_citation_and_licence(members):
    readme = members["README.md"].decode("utf-8")
    package = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    data_date = max(row["date_accessed"] for row in _rows(config.RAW / "sources.csv"))
    assert f"Data as of {data_date} (the latest day a source was read)" in readme
    assert f"Version {package['version']}." in readme
    for resource in package["resources"]:
        rows = len(_rows(config.DATA / resource["path"]))
        assert f"- `{resource['path']}`: {resource['title']}, {rows} rows." in readme, resource["name"]
    for name in ("data-dictionary.md", "datapackage.json", "CITATION.cff", "LICENSE"):
        assert f"- `{name}`: " in readme, name
    assert f"version {package['version']}, data as of {data_date}." in readme  # the citation
    licence = (config.ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()[0]  # "MIT License"
    assert "https://creativecommons.org/licenses/by/4.0/" in readme
    assert f"is under the {licence}, in `LICENSE`" in readme


def test_the_dictionary_lists_every_column_of_every_table_with_its_type(members):
    dictionary = members["data-dictionary.md"].decode("utf-8")
    package = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        section = dictionary.split(f"(`{resource['name']}`)\n", 1)[1].split("\n## ", 1)[0]
        for field in resource["schema"]["fields"]:
            required = "yes" if field.get("constraints", {}).get("required") else "no"
            assert f"| `{field['name']}` | {field['type']} | {required} | " in section, (resource["name"], field)
    metric = dictionary.split("(`glotip`)", 1)[1].split("| `metric` |", 1)[1].split("\n", 1)[0]
    assert "`victims_detected`" in metric and "`persons_formal_contact`" in metric  # the allowed values


def test_each_chart_csv_is_a_typed_table_of_the_sqlite_file(site, db):
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    charts = sorted((site / "figures").glob("*.csv"))
    assert len(charts) == 12
    for chart in charts:
        name = f"chart_{chart.stem}"
        assert name in tables, name
        rows = _rows(chart)
        assert db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == len(rows), name
        columns = [row[1] for row in db.execute(f'PRAGMA table_info("{name}")')]
        assert columns == list(rows[0]), name
    rows = _rows(site / "figures" / "01_conviction_gap.csv")
    first = next(r for r in rows if r["victims_per_conviction"])
    value, kind = db.execute("SELECT victims_per_conviction, typeof(victims_per_conviction) FROM "
                             "chart_01_conviction_gap WHERE year = ? AND panel = ?",
                             (int(first["year"]), first["panel"])).fetchone()
    assert (value, kind) == (float(first["victims_per_conviction"]), "real")


def test_a_chart_table_has_the_primary_key_its_schema_declares(site, db):
    declared = {chart.stem: chart_package.schema(chart).get("primaryKey") for chart in (site / "figures").glob("*.csv")}
    for stem, key in declared.items():
        info = db.execute(f'PRAGMA table_info("chart_{stem}")').fetchall()
        in_key = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
        assert in_key == ([key] if isinstance(key, str) else list(key or [])), stem


def test_the_quotes_are_searchable_as_datasette_finds_them(db):
    quotes = {row["id"]: row["quote"] for row in _rows(config.PROCESSED / "figures.csv")}
    known = quotes["tip2015-victims-2014"]
    # the word of the passage that fewest other passages hold
    word = min(re.findall(r"[a-z]{6,}", known.lower()), key=lambda w: sum(w in q.lower() for q in quotes.values()))
    found = db.execute("SELECT id, quote FROM figures WHERE rowid IN "
                       "(SELECT rowid FROM figures_fts WHERE figures_fts MATCH ?)", (word,)).fetchall()
    assert ("tip2015-victims-2014", known) in found
    assert all(word in quote.lower() for _, quote in found)
    for table in ("figures", "statements"):  # found by the query Datasette runs (datasette.utils.detect_fts_sql)
        assert db.execute(DATASETTE_DETECT_FTS.format(table=table)).fetchall() == [(f"{table}_fts",)]
    statements = _rows(config.PROCESSED / "statements.csv")
    assert db.execute("SELECT count(*) FROM statements_fts").fetchone()[0] == len(statements)


# --- a chart CSV the SQLite file cannot hold as its schema declares is refused, naming the file ----------------------

def _chart(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "01_conviction_gap.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_cell_not_of_its_declared_type_is_refused_naming_line_and_column(tmp_path, monkeypatch):
    monkeypatch.setattr(chart_package, "schema", lambda path: {"fields": [{"name": "year", "type": "integer"},
                                                                          {"name": "victims", "type": "integer"}]})
    chart = _chart(tmp_path, "year,victims\n2014,270\n2015,about 300\n")
    with sqlite3.connect(":memory:") as connection, pytest.raises(ReportError) as raised:
        add_chart(connection, chart)
    assert raised.value.problems == [f"{chart}, line 3, column victims: expected integer as the chart data package "
                                     "declares, found 'about 300'"]


def test_two_rows_sharing_the_declared_key_are_refused_naming_the_file_and_key(tmp_path, monkeypatch):
    monkeypatch.setattr(chart_package, "schema", lambda path: {"fields": [{"name": "year", "type": "integer"}],
                                                               "primaryKey": ["year"]})
    chart = _chart(tmp_path, "year\n2014\n2014\n")
    with sqlite3.connect(":memory:") as connection, pytest.raises(ReportError) as raised:
        add_chart(connection, chart)
    assert raised.value.problems == [f"{chart}: UNIQUE constraint failed: chart_01_conviction_gap.year: two rows "
                                     "share the primary key ['year'] the chart data package declares"]
