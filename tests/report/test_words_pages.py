"""The words a reader needs, checked against the files they are read from.

The BibTeX against CITATION.cff, the next refresh against the workflow's cron line, the methods' headings against
docs/, the glossary against every code list, the sources page's order and figure links, the quality summary
against glotip_flags.csv.

Every test reads the site the session builds once (the ``site`` and ``parsed`` fixtures).
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from report_html import Page

from analysis import config
from analysis.data import glotip
from analysis.data.flags import FLAG_CODES
from analysis.data.quality import CHECKS
from analysis.report import ReportError
from analysis.report.releases import refresh_sentence


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _ids(page: Page) -> list[str]:
    return [e.attrs["id"] for e in page.root.iter() if "id" in e.attrs]


def _links(page: Page) -> list[str]:
    return [e.attrs["href"] for e in page.root.find_all("a") if "href" in e.attrs]


def _section(page: Page, anchor: str):
    return next(e for e in page.root.iter() if e.attrs.get("aria-labelledby") == anchor)


# --- releases -------------------------------------------------------------------------------------------------------

def test_the_bibtex_on_the_changes_page_holds_citation_cff_s_title_authors_version_and_date(parsed):
    cff = yaml.safe_load((config.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    bibtex = parsed["changelog.html"].root.find_all("pre", "bibtex")[0].text()
    fields = dict(re.findall(r"(\w+) = \{+([^{}]*)\}+", bibtex))
    assert fields["title"] == cff["title"]
    assert fields["author"] == " and ".join(a["name"] for a in cff["authors"])
    assert fields["version"] == cff["version"]
    if "date-released" in cff:
        assert fields["date"] == str(cff["date-released"]) and fields["year"] == str(cff["date-released"])[:4]
    for key in ("url", "repository-code"):
        if key in cff:
            assert fields["url"] == cff[key]
            break


def test_the_site_says_when_the_scheduled_run_refreshes_it_from_the_workflow_s_cron(parsed):
    workflow = yaml.safe_load((config.ROOT / ".github" / "workflows" / "regenerate.yml").read_text(encoding="utf-8"))
    minute, hour, _, _, weekday = workflow[True]["schedule"][0]["cron"].split()  # YAML 1.1 reads `on` as true
    day = ["Sunday", *calendar.day_name][int(weekday)]  # cron: 0 and 7 are Sunday; calendar starts on Monday
    sentence = f"refreshed every {day} at {int(hour):02d}:{int(minute):02d} UTC"
    assert sentence in parsed["changelog.html"].root.text()
    assert sentence in parsed["data.html"].root.text()


@pytest.mark.parametrize(("cron", "said"), [("17 4 * * 0", "refreshed every Sunday at 04:17 UTC"),
                                             ("5 23 * * 7", "refreshed every Sunday at 23:05 UTC"),
                                             ("0 0 * * 3", "refreshed every Wednesday at 00:00 UTC")])
def test_a_weekly_cron_line_is_said_in_words(tmp_path, cron, said):
    workflow = tmp_path / "regenerate.yml"
    workflow.write_text(f'on:\n  schedule:\n    - cron: "{cron}"\n', encoding="utf-8")
    assert refresh_sentence(workflow) == said


@pytest.mark.parametrize("cron", ["17 4 * * *", "17 4 1 * 1", "*/5 4 * * 1", "17 4 * * 1-5", "17 4 * *"])
def test_a_schedule_that_is_not_weekly_is_refused_naming_the_file_and_the_line(tmp_path, cron):
    workflow = tmp_path / "regenerate.yml"
    workflow.write_text(f'on:\n  schedule:\n    - cron: "{cron}"\n', encoding="utf-8")
    with pytest.raises(ReportError) as raised:
        refresh_sentence(workflow)
    assert raised.value.problems == [f"{workflow}: the cron line {cron!r} is not a weekly schedule (minute hour * * "
                                     "day-of-week, each one number); the site can only say when such a schedule "
                                     "refreshes it"]


def test_the_files_the_words_pages_are_read_from_are_inputs_of_the_build(site):
    """An edit of the change log, the schedule, the methods' documents or the licence builds the site again."""
    inputs = json.loads((site / ".inputs.json").read_text(encoding="utf-8"))["inputs"]
    for name in ("CHANGELOG.md", ".github/workflows/regenerate.yml", "docs/intervals.md", "docs/data.md", "LICENSE"):
        assert inputs[name] == hashlib.sha256((config.ROOT / name).read_bytes()).hexdigest(), name


def test_the_changes_page_shows_the_changelog_s_releases(parsed):
    text = (config.ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"(?m)^## (\[.+)$", text)
    cff = yaml.safe_load((config.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert releases[0] == "[Unreleased]" and releases[1] == f"[{cff['version']}] - {cff['date-released']}"
    headings = [h.text() for h in parsed["changelog.html"].root.find_all("h3")]
    assert headings[:len(releases)] == releases


# --- methods --------------------------------------------------------------------------------------------------------

def _slug(text: str) -> str:
    return re.sub(r"[^\w\- ]", "", text.replace("`", "").strip().lower()).replace(" ", "-")


def test_every_methods_heading_has_a_unique_github_style_id_and_a_link_in_the_contents(parsed):
    page = parsed["methods.html"]
    body = page.root.find_all("div", "methods")[0]
    headings = [e for e in body.iter() if re.fullmatch(r"h[2-6]", e.tag)]
    documented = [line.lstrip("#").strip() for line in (config.ROOT / "docs" / "intervals.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("#")]
    assert [h.text() for h in headings][:len(documented)] == [d.replace("`", "") for d in documented]
    ids = [h.attrs["id"] for h in headings]
    assert ids == [_slug(h.text()) for h in headings]
    assert len(set(_ids(page))) == len(_ids(page))
    contents = _links(Page("", page.root.find_all("nav", "contents")[0], [], []))
    assert contents == [f"#{i}" for i in ids]
    assert "one-year-one-count-exact-methods" in ids and "unodcs-glotip-data-releases-2023-and-2025" in ids
    topics = {p.attrs["id"]: p.text() for p in body.find_all("p") if "id" in p.attrs}  # "**Funnel plots** (12). ..."
    assert topics["funnel-plots"].startswith("Funnel plots (12).")
    assert topics["gaps-and-why"].startswith("Gaps, and why.")


# --- glossary -------------------------------------------------------------------------------------------------------

def test_the_glossary_has_every_code_of_every_code_list_with_its_declared_meaning(parsed):
    page = parsed["glossary.html"]
    shown = {e.text() for e in page.root.find_all("code")}
    package = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            missing = set(field.get("constraints", {}).get("enum", [])) - shown
            assert not missing, (resource["name"], field["name"], missing)
    text = page.root.text()
    for row in _rows(config.PROCESSED / "metrics.csv"):
        assert row["metric"] in shown and " ".join(row["definition"].split()) in text
    for name, column in (("forms", "form"), ("populations", "population")):
        for row in _rows(config.PROCESSED / f"{name}.csv"):
            assert row[column] in shown and row["definition"] in text
    for meaning in [*CHECKS.values(), *FLAG_CODES.values(), *glotip.COUNTRIES.values()]:
        assert meaning in text
    assert {"victims_identified_assisted", "victims_followed_up"} <= shown


# --- sources --------------------------------------------------------------------------------------------------------

def test_the_sources_are_grouped_by_producer_then_year(parsed):
    register = {row["source_id"]: row for row in _rows(config.RAW / "sources.csv")}
    order = [e.attrs["id"].removeprefix("source-") for e in parsed["sources.html"].root.find_all("li")
             if e.attrs.get("id", "").startswith("source-")]
    assert sorted(order) == sorted(register)
    keys = [(register[s]["producer"].casefold(), int(register[s]["edition"])) for s in order]
    assert keys == sorted(keys)
    producers = [e.text() for e in parsed["sources.html"].root.find_all("h2") if e.attrs.get("id", "").startswith(
        "producer-")]
    assert producers == list(dict.fromkeys(register[s]["producer"] for s in order))


def test_each_source_lists_its_figures_and_each_link_leads_to_a_row_holding_that_figure(parsed):
    page = parsed["sources.html"]
    figures = _rows(config.PROCESSED / "figures.csv")
    by_id = {}  # each page's elements by id, gathered once: a link is looked up, not searched for

    def holder(target, anchor):
        if target not in by_id:
            by_id[target] = {e.attrs["id"]: e for e in parsed[target].root.iter() if "id" in e.attrs}
        return by_id[target][anchor]

    checked = 0
    for item in (e for e in page.root.find_all("li") if e.attrs.get("id", "").startswith("source-")):
        source = item.attrs["id"].removeprefix("source-")
        listed = [code.text() for code in item.find_all("code")]
        for row in (r for r in figures if r["source_id"] == source):
            assert row["id"] in listed, (source, row["id"])
        for entry in (li for details in item.find_all("details") for li in details.find_all("li")):
            figure_id = entry.find_all("code")[0].text()
            for href in _links(Page("", entry, [], [])):
                target, anchor = href.split("#")
                assert figure_id in [code.text() for code in holder(target, anchor).find_all("code")], (href, figure_id)
                checked += 1
    assert checked > 100


# --- quality --------------------------------------------------------------------------------------------------------

def test_the_quality_summary_counts_each_check_and_country_as_glotip_flags_csv_does(parsed):
    country = {row["id"]: row["country"] for row in _rows(config.PROCESSED / "glotip.csv")}
    counted = Counter((flag["check"], country[flag["id"]]) for flag in _rows(config.PROCESSED / "glotip_flags.csv"))
    table = _section(parsed["quality.html"], "summary").find_all("table")[0]
    header = [th.text() for th in table.find_all("thead")[0].find_all("th")]
    countries = header[1:-1]
    assert countries == sorted({c for _, c in counted})
    shown = {}
    for row in table.find_all("tbody")[0].find_all("tr"):
        cells = [c.text() for c in row.children if not isinstance(c, str)]
        check = cells[0].replace(" ", "_")
        shown.update({(check, c): int(n) for c, n in zip(countries, cells[1:-1], strict=True) if n != "0"})
        assert int(cells[-1]) == sum(n for (k, _), n in counted.items() if k == check)
    assert shown == dict(counted)
    for (check, name), number in counted.items():  # each count leads to its rows
        details = next(e for e in parsed["quality.html"].root.iter()
                       if e.attrs.get("id") == f"check-{check}-{name.lower()}")
        assert len(details.find_all("tbody")[0].find_all("tr")) == number


def test_a_glotip_row_is_shown_with_the_workbook_s_column_names_and_the_preamble_once(parsed):
    text = parsed["quality.html"].root.text()
    row = next(r for r in _rows(config.PROCESSED / "glotip.csv") if r["id"] == "glotip2023-r26887")
    assert (f"Country: {row['country']}; Indicator: {row['indicator']}; Dimension: {row['dimension']}; "
            f"Category: {row['category']}; Sex: {row['sex']}; Age: {row['age']}; Year: {row['year']}; "
            f"txtVALUE: {row['value_as_written']}") in text
    preamble = "Found by the check, not yet examined against another source"
    flagged = sum(flag["reason"].startswith(preamble) for flag in _rows(config.PROCESSED / "glotip_flags.csv"))
    assert flagged > 100 and text.count(preamble.lower()[1:]) == len({f["check"] for f in _rows(
        config.PROCESSED / "glotip_flags.csv") if f["reason"].startswith(preamble)})
