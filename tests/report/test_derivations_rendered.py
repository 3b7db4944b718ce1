"""A computed cell's derivation as the page renders it: its formula, each input with its passage, links that resolve.

The derivation is the one 08's analysis computes now (the committed ``figures/`` are refreshed by the lead, so their
JSON may not hold it yet), matched to the rows of 08's chart CSV; it is rendered with the site's own template
environment and checked against the site the ``site`` fixture builds: every link inside the site names a page and an
id it has, every link outside is the source's address in the register. Last, a site is built from a published run
whose 08 JSON is the one the analysis writes now, and its page shows the derivation.
"""

from __future__ import annotations

import csv
import html as markup
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from analysed import result
from few_notebooks import few_notebooks
from report_html import Page, parse

from analysis import config
from analysis.analyses import derivation
from analysis.charts.finish import record
from analysis.charts.save import jsonable
from analysis.data.digest import sha256
from analysis.data.published import Published
from analysis.report import build, derivations
from analysis.report.pages import environment
from analysis.report.provenance import Provenance

SERIES = "08_series_funding"


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def rendered(data, tmp_path_factory) -> tuple[dict, Page]:
    """The derivation of 08's cell "per victim in constant kroner" of 2014, ready to show, and its HTML parsed."""
    rows = _read(config.FIGURES / f"{SERIES}.csv")
    found = derivations.cells(result(data, SERIES).facts, rows, Provenance(config.DATA))
    index = next(i for i, row in enumerate(rows) if row["year"] == "2014")
    cell = found[(index, "nok_per_victim_constant")]
    page = tmp_path_factory.mktemp("derivation") / "cell.html"
    page.write_text(environment().get_template("derivation.html").render(derivation=cell), encoding="utf-8")
    return cell, parse(page, "cell.html")


def test_the_cell_shows_its_formula_worked_with_the_values_and_its_result(rendered):
    cell, page = rendered
    world_bank = {row["id"]: row["value_as_written"] for row in _read(config.PROCESSED / "world_bank.csv")}
    cpi = [world_bank[f"wb-cpi-inflation-NOR-{year}"] for year in (2015, 2016, 2017, 2018)]
    formula = page.root.find_all("p", "derivation-formula")[0].text()
    assert formula == (
        "(n1 + n2) / v × (1 + i2015/100) × (1 + i2016/100) × (1 + i2017/100) × (1 + i2018/100) = "
        f"(2,500,000 + 4,500,000) / 324 × (1 + {cpi[0]}/100) × (1 + {cpi[1]}/100) × (1 + {cpi[2]}/100) × "
        f"(1 + {cpi[3]}/100) = 23,930.07")
    by_hand = 7_000_000 / 324
    for value in cpi:
        by_hand *= 1 + float(value) / 100
    assert f"{by_hand:,.2f}" == "23,930.07"
    assert page.root.find_all("p", "derivation-kind")[0].text() == "Computed from the figures below"


def test_each_input_shows_its_value_unit_and_passage(rendered):
    cell, page = rendered
    figures = {row["id"]: row for row in _read(config.PROCESSED / "figures.csv")}
    glotip = {row["id"]: row for row in _read(config.PROCESSED / "glotip.csv")}
    items = page.root.find_all("li")
    assert [item.text().split(" = ")[0] for item in items] == ["n1", "n2", "v", "i2015", "i2016", "i2017", "i2018"]
    assert items[0].text().startswith("n1 = 2,500,000 NOK: NGO specialising in care for trafficking victims, 2014.")
    assert figures["tip2015-funding-ngo-nok"]["quote"] in items[0].find_all("blockquote")[0].text()
    assert items[2].text().startswith("v = 324 victims: victims detected (UNODC), 2014.")
    assert "file unodc_glotip_2025-04-14.xlsx, sheet data_glotip_1, row 33430" in items[2].text()
    assert items[2].find_all("blockquote")[0].text() == (
        "Country: Norway; Indicator: Detected trafficking victims; Dimension: Total; Category: Total; "
        "Sex: Total; Age: Total; Year: 2014; txtVALUE: 324")
    assert glotip["glotip2025-r33430"]["count"] == "324"
    assert items[3].text().startswith("i2015 = 2.17113665389527 percent change on the previous year: consumer price "
                                      "inflation, Norway (NOR), 2015.")
    assert "file world_bank_cpi_inflation.csv, line 7593" in items[3].text()
    assert not items[3].find_all("blockquote")  # its passage is the value as written, shown already


def test_every_link_of_the_cell_resolves_on_the_built_site(rendered, site):
    _, page = rendered
    sources = {row["source_id"]: row["url"] for row in _read(config.DATA / "raw" / "sources.csv")}
    register = parse(site / "sources.html", "sources.html")
    ids = {element.attrs["id"] for element in register.root.iter() if "id" in element.attrs}
    links = [element.attrs["href"] for element in page.root.find_all("a")]
    inside = [link for link in links if not link.startswith("http")]
    assert sorted({link.partition("#")[2] for link in inside}) == [
        "source-glotip2025", "source-tip2015", "source-wb-cpi-inflation"]
    for link in inside:
        target, _, fragment = link.partition("#")
        assert (site / target).is_file() and fragment in ids, link
    assert {link for link in links if link.startswith("http")} == {
        sources["tip2015"], sources["glotip2025"], sources["wb-cpi-inflation"]}


def test_a_models_method_links_its_section_of_the_methods_page():
    heading = "Years pooled, compared or fitted: a model with overdispersion"
    assert f"## {heading}\n" in (config.ROOT / "docs" / "intervals.md").read_text(encoding="utf-8")
    entry = {**derivation.entry({"year": 2014}, "low", "model", "negative binomial interval", 1.5, [],
                                method="negative binomial", method_anchor=derivation.slug(heading)),
             "ends": [1.5, 2.25]}
    shown = derivations.shown(entry)
    assert shown["methods_href"] == "methods.html#years-pooled-compared-or-fitted-a-model-with-overdispersion"
    html = environment().get_template("derivation.html").render(derivation=shown)
    assert ('<a href="methods.html#years-pooled-compared-or-fitted-a-model-with-overdispersion">negative binomial'
            '</a>') in html
    assert '<p class="derivation-interval">The interval runs from 1.50 to 2.25.</p>' in html


@pytest.mark.slow  # builds a site
def test_the_page_of_08_shows_the_derivation_of_its_cell_in_constant_kroner(run_copy, data, tmp_path):
    """08's JSON as a run writes it now, recorded as published; the page built from it works each computed cell out.

    The site shows 08 alone (few_notebooks.py): the page and the sources page are what is read.
    """
    chart = run_copy["figures"] / f"{SERIES}.json"
    chart.write_text(json.dumps(jsonable(record(result(data, SERIES)), []), indent=1, ensure_ascii=False,
                                allow_nan=False) + "\n", encoding="utf-8")
    published = Published.read(run_copy["output"])
    entry = published.entries[SERIES]
    published.merged({SERIES: replace(entry, outputs={**entry.outputs, chart.name: sha256(chart)})}).write(
        run_copy["output"])
    site, alone = tmp_path / "site", few_notebooks(tmp_path / "notebooks", (SERIES,))
    assert build(output=run_copy["output"], figures=run_copy["figures"], notebooks=alone, site=site,
                 say=lambda line: None)
    page = parse(site / f"{SERIES}.html", f"{SERIES}.html")
    shown = page.root.find_all("div", "derivation")
    rows = _read(run_copy["figures"] / f"{SERIES}.csv")
    computed = derivations.cells(json.loads(chart.read_text(encoding="utf-8")), rows)
    formulas = [p.text() for div in shown for p in div.find_all("p", "derivation-formula")]
    # each number once, however many rows repeat it (a year's total beside each of its lines): 2014 has two lines
    assert len(formulas) == len(shown) == len({(id(d), column) for (_, column), d in computed.items()
                                               if column in _shown_columns(page)})
    links = [a.attrs["href"] for a in page.root.find_all("a", "derived")]
    ids = {element.attrs["id"] for element in page.root.iter() if "id" in element.attrs}
    assert len(links) > len(shown) and all(link.startswith("#") and link[1:] in ids for link in links)
    assert set(formulas) == {f"{d['formula']} = {d['worked']} = {d['shown']}" for d in computed.values()}
    assert sum(f.startswith("(n1 + n2) / v × (1 + i2015/100) × (1 + i2016/100) × (1 + i2017/100) × (1 + i2018/100) "
                            "= (2,500,000 + 4,500,000) / 324 × (1 + 2.17113665389527/100)") and f.endswith("23,930.07")
               for f in formulas) >= 2  # each of the two 2014 rows (UNODC's 324 and KOM's 324 give the same)
    register = parse(site / "sources.html", "sources.html")
    in_register = {element.attrs["id"] for element in register.root.iter() if "id" in element.attrs}
    inside = {a.attrs["href"] for div in shown for a in div.find_all("a") if not a.attrs["href"].startswith("http")}
    assert inside and all(link.startswith("sources.html#") and link.partition("#")[2] in in_register
                          for link in inside)


def _shown_columns(page) -> set[str]:
    """The CSV columns whose cells link to a derivation on ``page`` (a column repeating another is not shown)."""
    return {a.attrs["href"].split("-row-", 1)[1].split("-", 1)[1] for a in page.root.find_all("a", "derived")}


def test_every_kind_of_derivation_has_its_words_on_the_page():
    assert set(derivations.KIND_LABELS) == set(derivation.KINDS)
    assert derivations.KIND_LABELS["converted"].startswith("Recomputed")


@pytest.mark.parametrize(("name", "values"), [("03_funding_per_victim", {"currency": "EUR", "exchange_rate": 11.5}),
                                              ("01_conviction_gap", {})], ids=["03-eur", "01"])
def test_a_recomputed_and_a_supplied_number_and_a_model_render_with_what_they_are(data, name, values):
    template, provenance = environment().get_template("derivation.html"), Provenance(config.DATA)
    rendered = {}
    for entry in result(data, name, **values).facts["derivations"]:
        html = template.render(derivation=derivations.shown(entry, provenance))
        rendered[(tuple(entry["row"].values()), entry["column"])] = parse_text(html)
    if name == "01_conviction_gap":
        assert rendered[(("per_year", 2014), "ci_high")].startswith(
            "The output of a model : exact conditional interval of a ratio of two counts (Clopper-Pearson) "
            "upper end of the interval of v / (c_sex + c_labor) at the level confidence = upper end of the interval "
            "of 270 / (4 + 1) at the level 0.95 = 167.65 The interval runs from 22.86 to 167.65.")
        return
    assert rendered[(("tip2015-funding-ngo-nok",), "eur")].startswith(
        "Recomputed at an exchange rate: not a figure the source states n1 / r, recomputed at rate r = 2,500,000 / "
        "11.5, recomputed at rate 11.5 = 217,391.30 n1 = 2,500,000 NOK:")
    assert "r = 11.5 NOK per EUR: NOK per EUR, given to this run. The parameter exchange_rate of this run." in (
        rendered[(("tip2015-funding-ngo-nok",), "eur")])
    assert rendered[((), "nok_per_unit")] == (
        "Given to this run by its user, not read from a source r = 11.5 NOK per EUR: NOK per EUR, given to this run. "
        "The parameter exchange_rate of this run.")


def parse_text(html: str) -> str:
    """The text of a rendered fragment, as a reader reads it (each tag a space)."""
    return re.sub(r"\s+", " ", markup.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_the_lower_end_of_a_range_shows_the_upper_ends_formula_too(data):
    rows = _read(config.FIGURES / "01_conviction_gap.csv")
    found = derivations.cells(result(data, "01_conviction_gap").facts, rows)
    index = next(i for i, row in enumerate(rows) if row["year"] == "2014")
    low = found[(index, "ci_low")]
    assert low["partner"] is found[(index, "ci_high")] and found[(index, "ci_high")]["partner"] is None
    text = parse_text(environment().get_template("derivation.html").render(derivation=low))
    assert ("= lower end of the interval of 270 / (4 + 1) at the level 0.95 = 22.86 The upper end: upper end of the "
            "interval of v / (c_sex + c_labor) at the level confidence = upper end of the interval of 270 / (4 + 1) at "
            "the level 0.95 = 167.65 v = 270 victims") in text
