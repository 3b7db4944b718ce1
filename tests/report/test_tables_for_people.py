"""The analysis pages for people: main points first, the data behind each chart formatted by kind, the chart dictionary.

Every column of every chart CSV in figures/ has an entry in the chart-column dictionary
(analysis/report/chart_columns.yaml); the tables of the ``site`` fixture's pages show the values as a reader reads
them, each compared with what the test computes by hand from the published CSV's text (``f"{x:,.0f}"``, a
percentage); ids are behind the links, long tables collapsed behind a count with a skip link before each table; and a
computed cell links to how it was worked out. The chart data package (figures/datapackage.json in the site) is
validated with the frictionless library. The page order and what a reader sees first are checked in a browser in
test_site_browser.py.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
from few_notebooks import few_notebooks
from report_html import Element, Page

from analysis import config
from analysis.report import chart_package, columns
from analysis.report.inputs import FORMATS

#: A chart CSV's column of ids of the curated data (``source_id`` is a source of the register, shown and linked to it).
ID_COLUMN = re.compile(r"^(?!source_id$)(ids?|.+_ids?|id_.+)$")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def _tables(page: Page) -> list[tuple[list[str], list[list[str]]]]:
    """Each table of "the data behind the chart": its headings and its rows' cell texts."""
    found = []
    for table in page.root.find_all("table", "plotted"):
        headings = [th.text() for thead in table.find_all("thead") for th in thead.find_all("th")]
        rows = [[cell.text() for cell in tr.children if isinstance(cell, Element) and cell.tag in ("th", "td")]
                for tbody in table.find_all("tbody") for tr in tbody.find_all("tr")]
        found.append((headings, rows))
    return found


def _cell(page: Page, key: str, heading: str, table: int = 0) -> str:
    """The text of the cell under ``heading`` in the row whose key (first) cell is ``key``."""
    headings, rows = _tables(page)[table]
    row = next(row for row in rows if row[0] == key)
    return row[headings.index(heading)]


# --- the dictionary ---------------------------------------------------------------------------------------------

def test_every_column_of_every_chart_csv_has_an_entry_in_the_dictionary():
    """A chart column without an entry is named with its chart; every entry's kind, interval, key and order hold."""
    charts = sorted(config.FIGURES.glob("[0-9][0-9]_*.csv"))
    assert len(charts) == 12, charts
    problems = []
    for path in charts:
        header = _header(path)
        chart = columns.chart(path.stem, header)
        problems += [f"{path.name}: column {name!r} has no entry in {columns.DICTIONARY.name}"
                     for name in chart.missing(header)]
        for column in chart.columns.values():
            if column.kind not in columns.SCHEMA_TYPES:
                problems.append(f"{path.name}: column {column.name!r} has the kind {column.kind!r}")
            if not column.description:
                problems.append(f"{path.name}: column {column.name!r} has no description")
            if column.upper and column.upper not in header:
                problems.append(f"{path.name}: {column.name!r} names the upper end {column.upper!r}, not a column")
        problems += [f"{path.name}: key or first column {name!r} is not a column"
                     for name in chart.key + chart.first if name not in header]
    assert not problems, "\n".join(problems)


def test_a_column_missing_from_the_dictionary_is_named():
    chart = columns.chart("01_conviction_gap", ["year", "victims", "no_such_column"])
    assert chart.missing(["year", "victims", "no_such_column"]) == ["no_such_column"]
    assert chart.columns["victims"].kind == "count" and chart.columns["year"].kind == "year"  # own, shared


def test_an_interval_is_headed_with_the_level_its_run_used(parsed, site):
    """The published charts' runs used 95 %; a run published with 90 % is headed so; nowhere is the placeholder left."""
    assert [columns.chart("12_nordic_comparison", ["ratio_ci_low"], level).columns["ratio_ci_low"].heading
            for level in (0.95, 0.9, None)] == ["95% interval", "90% interval", "interval"]
    shared = columns.chart("11_labor_share_series", ["share_ci_low"], 0.8).columns["share_ci_low"]
    assert shared.description == "The lower end of the share's 80% Wilson interval."
    assert not [name for name in parsed if "{level}" in (site / name).read_text(encoding="utf-8")]
    assert "{level}" not in (site / "figures" / chart_package.NAME).read_text(encoding="utf-8")


def test_values_are_formatted_by_kind():
    assert columns.formatted("count", "2500000") == "2,500,000"
    assert columns.formatted("share", "0.5652173913043478") == "57%"
    assert columns.formatted("share", "0.5652173913043478", 1) == "56.5%"
    assert columns.formatted("nok", "9259.25925925926") == "9,259"
    assert columns.formatted("yes_no", "True") == "yes" and columns.formatted("yes_no", "False") == "no"
    assert columns.formatted("code", "victims_identified_assisted") == "victims identified assisted"
    assert columns.formatted("count", "<5") == "<5" and columns.formatted("number", "64-256") == "64-256"
    assert columns.formatted("year", "2014") == "2014" and columns.formatted("count", "") == ""
    assert columns.interval("23", "168") == "23-168" and columns.interval("45%", "68%") == "45-68%"
    assert columns.interval("203", "203") == "203" and columns.interval("-7", "8") == "-7 to 8"
    assert columns.interval("5", "") == "5 or more" and columns.interval("", "") == ""


# --- the tables of the pages ------------------------------------------------------------------------------------

def test_a_ratio_and_its_interval_are_shown_as_computed_by_hand(parsed, published):
    row = next(r for r in _rows(published["figures"] / "01_conviction_gap.csv") if r["year"] == "2014")
    page = parsed["01_conviction_gap.html"]
    assert _cell(page, "2014", "victims per conviction") == f"{float(row['victims_per_conviction']):,.0f}" == "54"
    low, high = float(row["ci_low"]), float(row["ci_high"])
    assert _cell(page, "2014", "95% interval") == f"{low:,.0f}-{high:,.0f}" == "23-168"
    assert _cell(page, "2014", "unreliable") == "yes"


def test_shares_are_percentages_and_money_whole_kroner(parsed, published):
    share = next(r for r in _rows(published["figures"] / "02_labor_vs_sex_attention.csv")
                 if (r["year"], r["stage"]) == ("2013", "investigations"))
    page = parsed["02_labor_vs_sex_attention.html"]
    headings, rows = _tables(page)[0]
    shown = next(r for r in rows if r[:2] == ["2013", "investigations"])
    assert shown[headings.index("labour share")] == f"{float(share['share_labor']):.0%}" == "57%"
    low, high = float(share["share_ci_low"]), float(share["share_ci_high"])
    assert shown[headings.index("95% interval")] == f"{low * 100:.0f}-{high * 100:.0f}%" == "45-68%"
    funding = _rows(published["figures"] / "03_funding_per_victim.csv")[0]
    page = parsed["03_funding_per_victim.html"]
    item = funding["item"]
    assert _cell(page, item, "amount (NOK)") == f"{int(funding['nok']):,}" == "2,500,000"
    assert _cell(page, item, "NOK per victim") == f"{float(funding['nok_per_victim']):,.0f}" == "9,259"
    assert _cell(page, item, "amount (USD)") == f"{int(funding['usd']):,}" == "314,000"


def test_a_rate_and_a_range_are_shown_to_their_digits(parsed, published):
    rows = _rows(published["figures"] / "12_nordic_comparison.csv")
    norway = next(r for r in rows if (r["iso3"], r["year"]) == ("NOR", "2008"))
    headings, shown = _tables(parsed["12_nordic_comparison.html"])[0]
    row = next(r for r in shown if r[:2] == ["Norway", "2008"])
    assert row[headings.index("detected per 100,000")] == f"{float(norway['detected_rate_low']):.1f}" == "5.4"
    low, high = float(norway["convicted_rate_low"]), float(norway["convicted_rate_high"])
    # "<5" convicted of 4,768,212 inhabitants: 1 to 4 per 4.77 million, so 0.21 to 0.84 per million
    population = float(norway["population"])
    assert (low, high) == pytest.approx((1 / population * 1e6, 4 / population * 1e6))
    assert row[headings.index("convicted per million")] == f"{low:.2f}-{high:.2f}" == "0.21-0.84"
    assert row[headings.index("persons convicted")] == norway["convicted"] == "<5"


def test_the_columns_that_carry_the_finding_come_first_and_ids_are_not_shown(parsed, published):
    headings, rows = _tables(parsed["06_series_conviction_gap.html"])[0]
    assert headings[:4] == ["year", "UNODC victims per conviction", "UNODC 95% interval", "UNODC detected victims"]
    for path in sorted(published["figures"].glob("*.csv")):
        page = parsed[f"{path.stem}.html"]
        cells = [cell for _, table in _tables(page) for row in table for cell in row]
        ids = {token for row in _rows(path) for column, value in row.items() if ID_COLUMN.match(column)
               for token in value.split(";") if token}
        headings = {heading for found, _ in _tables(page) for heading in found}
        assert not {column.replace("_", " ") for column in _header(path) if ID_COLUMN.match(column)} & headings
        assert not [cell for cell in cells if cell and set(cell.split(";")) <= ids], path.name  # not printed
        assert not {"True", "False"} & set(cells), path.name


def test_a_long_table_is_collapsed_with_its_count_and_every_table_has_a_skip_link(parsed, published):
    rows = _rows(published["figures"] / "12_nordic_comparison.csv")
    page = parsed["12_nordic_comparison.html"]
    summaries = [summary.text() for details in page.root.find_all("details", "long-table")
                 for summary in details.find_all("summary")]
    assert summaries == [f"Show table 1: all {len(rows)} rows"]
    short = parsed["01_conviction_gap.html"]
    assert not short.root.find_all("details", "long-table")
    for name, page in parsed.items():
        order = list(page.root.iter())
        tables = page.root.find_all("table", "plotted")
        for number, table in enumerate(tables, start=1):
            skip = [a for p in page.root.find_all("p", "skip-table") for a in p.find_all("a")
                    if a.attrs["href"] == f"#after-table-{number}"]
            target = [element for element in order if element.attrs.get("id") == f"after-table-{number}"]
            assert len(skip) == 1 and len(target) == 1, (name, number)
            assert order.index(skip[0]) < order.index(table) < order.index(target[0]), (name, number)


def test_main_points_come_first_and_the_rerun_section_last(site, published):
    for path in sorted(published["figures"].glob("*.json")):
        page = html.unescape((site / f"{path.stem}.html").read_text(encoding="utf-8"))
        title = json.loads(path.read_text(encoding="utf-8"))["title"]
        main = page.split("<h1>", 1)[1]
        points = main.index('class="main-points"')
        assert points < main.index("<figure>") < main.index('id="shows"') < main.index('id="tables"')
        assert main.index('id="tables"') < main.index('id="provenance"') < main.index('id="rerun"')
        assert main.index('id="rerun"') < main.index("tip-norway run") and main.index("tip-norway run") > points
        assert main.index('id="rerun"') < main.index("Writes")
        box = main[points:main.index("</section>", points)]
        assert title in box, path.stem
        assert f'<a class="chart" href="figures/{path.stem}.png"><picture>' in main  # the full size, one click
        # the drawing for narrow screens, offered where the published run wrote one among the chart's files
        narrow = f'<source media="(max-width: 600px)" srcset="figures/{path.stem}.narrow.png"'
        assert (narrow in main) == any(suffix.endswith("narrow.png") for suffix in FORMATS), path.stem
    index = html.unescape((site / "index.html").read_text(encoding="utf-8"))
    for path in sorted(published["figures"].glob("*.json")):
        assert json.loads(path.read_text(encoding="utf-8"))["title"] in index


# --- the chart data package ---------------------------------------------------------------------------------------

def test_the_site_describes_its_chart_csvs_in_a_valid_data_package(site):
    import frictionless

    package = json.loads((site / "figures" / chart_package.NAME).read_text(encoding="utf-8"))
    csvs = sorted(path.name for path in (site / "figures").glob("[0-9][0-9]_*.csv"))
    assert [resource["path"] for resource in package["resources"]] == csvs
    twelve = next(r for r in package["resources"] if r["name"] == "12_nordic_comparison")
    assert twelve["schema"]["primaryKey"] == ["iso3", "year"]
    fields = {field["name"]: field for field in twelve["schema"]["fields"]}
    assert fields["population"]["type"] == "integer" and fields["population"]["unit"] == "inhabitants"
    assert fields["convicted"]["type"] == "string"  # "<5"
    assert all(field.get("description") for r in package["resources"] for field in r["schema"]["fields"])
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    report = frictionless.validate(str(site / "figures" / chart_package.NAME))
    assert report.valid, [(task.name, error.message) for task in report.tasks for error in task.errors][:10]


# --- a computed cell ----------------------------------------------------------------------------------------------

@pytest.mark.slow  # builds a site
def test_a_computed_cell_links_to_how_it_was_worked_out(data, published, tmp_path, monkeypatch):
    """08's cell "per victim in constant kroner" of 2014 links to its formula and inputs below the table.

    The derivations are those 08's analysis computes, as its chart's JSON holds them (the committed figures/ may not
    hold them yet), given to the build in place of the published JSON's. The site shows 08 alone (few_notebooks.py).
    """
    from analysed import result

    from analysis.charts.save import jsonable
    from analysis.report import build, pages

    derivations = jsonable(result(data, "08_series_funding").facts)["derivations"]
    read_tables = pages.read_tables

    def with_derivations(name, csv_path, provenance, problems, facts=None):
        if name == "08_series_funding":
            facts = {**facts, "facts": {**facts["facts"], "derivations": derivations}}
        return read_tables(name, csv_path, provenance, problems, facts)

    monkeypatch.setattr(pages, "read_tables", with_derivations)
    site, alone = tmp_path / "site", few_notebooks(tmp_path / "notebooks", ("08_series_funding",))
    assert build(**published, notebooks=alone, site=site, say=lambda line: None)
    rows = _rows(published["figures"] / "08_series_funding.csv")
    index, row = next((i, r) for i, r in enumerate(rows) if r["year"] == "2014")
    page = html.unescape((site / "08_series_funding.html").read_text(encoding="utf-8"))
    anchor = f"table-row-{index + 1}-nok_per_victim_constant"
    by_hand = f"{float(row['nok_per_victim_constant']):,.0f}"
    assert by_hand == "23,930"
    assert f'<a class="derived" href="#{anchor}">{by_hand}</a>' in page
    line = page.split(f'<li id="{anchor}">', 1)[1].split("</li>", 1)[0]
    assert f"<strong>{by_hand}</strong>" in line and 'class="derivation-formula"' in line
    assert "= <strong>23,930.07</strong>" in line  # the derivation's own result, to the øre


def test_each_table_says_what_each_column_holds_from_the_dictionary(parsed):
    """Below each table, every column's heading with its description and unit, and the CSV columns it shows."""
    page = parsed["01_conviction_gap.html"]
    lists = page.root.find_all("details", "columns")
    assert len(lists) == len(_tables(page)) == 2
    terms = [dt.text() for dt in lists[0].find_all("dt")]
    assert terms == _tables(page)[0][0]  # one per heading, in the table's order
    # the parser's text() puts a space between an element and the text after it
    said = dict(zip(terms, (re.sub(r" ([,)])", r"\1", dd.text()) for dd in lists[0].find_all("dd")), strict=True))
    declared = columns.chart("01_conviction_gap", ["victims", "ci_low", "ci_high"]).columns
    assert said["victims"] == f"{declared['victims'].description} Unit: victims. (CSV: victims)"
    assert said["95% interval"].endswith("(CSV: ci_low, ci_high)")
