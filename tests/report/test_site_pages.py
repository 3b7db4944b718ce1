"""Every page of the report site read as HTML, without a browser: what a reader's browser would load, follow and show.

The site is the one the ``site`` fixture builds (tests/conftest.py), read with the standard library's HTML parser
(report_html.py, the ``parsed`` fixture of tests/report/conftest.py). Each test checks one concern on every page: one
h1, a language and a title, every image a picture, each chart with its finding, caption and four downloads, every
download's stated size, and nothing left to JavaScript. The addresses (nothing loaded from elsewhere, every link and
anchor resolves) are in test_site_links.py; what needs a browser (axe-core, the keyboard, the width of a rendered
page, screenshots) is in test_site_browser.py.

What the pages should show is taken from elsewhere than the pages: a chart's finding from the published run's
``figures/NN_name.json``, the bytes and sizes of the downloads from the files themselves.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from report_html import Element, Page

from analysis.report.inputs import FORMATS

#: An analysis page: NN_topic.html.
ANALYSIS_PAGE = re.compile(r"\d\d_\w+\.html")
#: The pages besides the analyses.
OTHER_PAGES = {"index.html", "data.html", "sources.html", "quality.html", "methods.html", "glossary.html",
               "changelog.html"}
#: The file types an analysis page offers for download, one link each.
DOWNLOADS = tuple(FORMATS)
#: A file size as a reader sees it ("833 bytes", "3.2 kB", "1.1 MB"), and the bytes of each unit.
SIZE = re.compile(r"\b(\d+(?:\.\d+)?) ?(bytes|kB|MB)\b")
UNIT = {"bytes": 1, "kB": 1000, "MB": 1_000_000}
#: A chart CSV's column of ids of the curated data: not shown in the tables, the row links to their passages.
ID_COLUMN = re.compile(r"^(ids?|.+_ids?|id_.+)$")


def _report(problems: list[str]) -> str:
    """The failure message for a list of problems, one a line."""
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems[:40])


def _finding(figures: Path, page: str) -> str:
    """The finding the published run states for an analysis page's chart (its JSON of facts)."""
    return json.loads((figures / page.replace(".html", ".json")).read_text(encoding="utf-8"))["title"]


def test_the_site_has_its_nineteen_pages(parsed: dict[str, Page], published: dict[str, Path]) -> None:
    """The site has its seven pages of data and words and one page per published chart: nineteen in all."""
    charts = sorted(path.stem for path in published["figures"].glob("[0-9][0-9]_*.json"))
    assert len(charts) == 12, f"the published run has {len(charts)} charts, expected 12: {charts}"
    analyses = [page for page in parsed if ANALYSIS_PAGE.fullmatch(page)]
    assert set(parsed) - set(analyses) == OTHER_PAGES, sorted(parsed)
    assert [page.removesuffix(".html") for page in analyses] == charts
    assert len(parsed) == 19, sorted(parsed)


def test_every_page_has_one_h1_a_language_a_title_and_closes_what_it_opens(parsed: dict[str, Page]) -> None:
    """Each page has exactly one non-empty h1, html[lang="en"] and a non-empty <title>; every tag opened is closed."""
    problems = []
    for name, page in parsed.items():
        h1 = [element.text() for element in page.root.find_all("h1")]
        if len(h1) != 1 or not h1[0]:
            problems.append(f"{name}: h1 elements {h1}, expected exactly one with text")
        html = page.root.find_all("html")
        if [element.attrs.get("lang") for element in html] != ["en"]:
            problems.append(f'{name}: <html lang> is {[element.attrs.get("lang") for element in html]}, expected "en"')
        if [bool(element.text()) for element in page.root.find_all("title")] != [True]:
            problems.append(f"{name}: not one non-empty <title>")
        problems += [f"{name}: <{tag}> is never closed" for tag in page.unclosed]
        problems += [f"{name}: </{tag}> closes nothing open" for tag in page.stray]
    assert not problems, _report(problems)


def test_every_image_is_a_picture_file(site: Path, parsed: dict[str, Page]) -> None:
    """Each <img> names a PNG or an SVG file of the site, with its alt text (empty only for a decorative image)."""
    problems = []
    for name, page in parsed.items():
        for image in page.root.find_all("img"):
            source, data = image.attrs.get("src", ""), b""
            if (site / source).is_file():
                data = (site / source).read_bytes()
            if not (data.startswith(b"\x89PNG\r\n\x1a\n") or (source.endswith(".svg") and b"<svg" in data[:1000])):
                problems.append(f"{name}: image {source!r} is not a PNG or SVG file of the site")
            if "alt" not in image.attrs:
                problems.append(f"{name}: image {source!r} has no alt attribute")
    assert not problems, _report(problems)


def _downloads(root: Element) -> list[tuple[Element, Element | None]]:
    """Each download link of a page (``<a download>``), with the ``.meta`` that follows it, or None."""
    found = []
    for parent in root.iter():
        elements = [child for child in parent.children if isinstance(child, Element)]
        for index, element in enumerate(elements):
            if element.tag == "a" and "download" in element.attrs:
                after = elements[index + 1] if index + 1 < len(elements) else None
                found.append((element, after if after is not None and "meta" in after.classes else None))
    return found


def test_every_download_states_its_format_and_its_true_size(site: Path, parsed: dict[str, Page]) -> None:
    """Each download link has text and is followed by its format; where a size is stated, it is the file's.

    "912 bytes" exactly; "14.2 kB" and "1.3 MB" to the tenth shown.
    """
    problems, counted = [], 0
    for name, page in parsed.items():
        for link, meta in _downloads(page.root):
            href = link.attrs["href"]
            if not link.text() or meta is None or not re.search(r"\((CSV|JSON|PNG|SVG|ZIP|SQLite)\b", meta.text()):
                problems.append(f"{name}: the download {href!r} has no text or no format after it")
                continue
            if match := SIZE.search(meta.text()):
                counted += 1
                stated, actual = float(match.group(1)) * UNIT[match.group(2)], (site / href).stat().st_size
                if abs(stated - actual) > UNIT[match.group(2)] / 20:
                    problems.append(f"{name}: {href} is said to be {match.group(0)}, it has {actual} bytes")
    assert not problems, _report(problems)
    assert counted >= 12 * len(DOWNLOADS), f"only {counted} downloads state their size"


def _check_chart(name: str, page: Page, site: Path, figures: Path) -> list[str]:
    """What is wrong with the chart and the downloads of analysis page ``name`` (see the test below)."""
    stem, finding = name.removesuffix(".html"), _finding(figures, name)
    problems = []
    if len(page.root.find_all("figure")) != 1:
        return [f"{name}: {len(page.root.find_all('figure'))} <figure> elements, expected 1"]
    figure = page.root.find_all("figure")[0]
    alts = [image.attrs.get("alt") for image in figure.find_all("img")]
    if alts != [finding]:
        problems.append(f"{name}: the figure's img alt texts are {alts}, expected [{finding!r}]")
    if [image.attrs.get("src") for image in figure.find_all("img")] != [f"figures/{stem}.png"]:
        problems.append(f"{name}: the figure does not show figures/{stem}.png")
    caption = " ".join(element.text() for element in figure.find_all("figcaption"))
    if "Source:" not in caption:
        problems.append(f"{name}: the figcaption {caption!r} names no source")
    lists = page.root.find_all("ul", "downloads")
    links = [link.attrs.get("href", "") for ul in lists for link in ul.find_all("a")]
    kinds = [link.removeprefix(f"figures/{stem}.") for link in links]
    if len(lists) != 1 or sorted(kinds) != sorted(DOWNLOADS):
        return problems + [f"{name}: {len(lists)} download lists with {links}, expected one with {list(DOWNLOADS)}"]
    for link, kind in zip(links, kinds, strict=True):
        if (site / link).read_bytes() != (figures / f"{stem}.{kind}").read_bytes():
            problems.append(f"{name}: {link} is not the published {stem}.{kind}")
    return problems


def test_every_analysis_page_shows_its_chart_and_its_downloads(site: Path, parsed: dict[str, Page],
                                                                 published: dict[str, Path]) -> None:
    """Each analysis page has one figure: its chart, with the finding as alt text and a caption naming the source.

    The finding is the title in the published figures/NN_name.json. Its download list has a link to each file of the
    chart (:data:`~analysis.report.inputs.FORMATS`), each the published file byte for byte.
    """
    analyses = [name for name in parsed if ANALYSIS_PAGE.fullmatch(name)]
    assert len(analyses) == 12, analyses
    problems = [p for name in analyses for p in _check_chart(name, parsed[name], site, published["figures"])]
    assert not problems, _report(problems)


def test_pages_read_without_javascript(parsed: dict[str, Page], published: dict[str, Path]) -> None:
    """No page has a script, an event handler or a javascript: address: what a page shows is in its HTML.

    In that HTML, the index lists the twelve analyses, each with its linked title, and each analysis page shows its
    heading, its chart with its finding, and the first row of its chart's CSV in its tables: each text, code and
    whole number of it as a reader reads it (a code with spaces, "yes"/"no", thousands separated); ids are behind the
    links, and the fractions formatted are checked in test_tables_for_people.py.
    """
    problems = []
    for name, page in parsed.items():
        for element in page.root.iter():
            handlers = [attribute for attribute in element.attrs if attribute.startswith("on")]
            if element.tag in ("script", "noscript") or handlers:
                problems.append(f"{name}: <{element.tag}> {handlers or ''}")
        problems += [f"{name}: {where} {address!r}" for where, address, _ in page.addresses()
                     if address.strip().lower().startswith("javascript:")]
    entries = [li for ol in parsed["index.html"].root.find_all("ol", "analyses") for li in ol.children
               if isinstance(li, Element) and li.tag == "li"]
    listed = [a.attrs.get("href") for li in entries for h2 in li.find_all("h2") for a in h2.find_all("a") if a.text()]
    assert listed == [name for name in parsed if ANALYSIS_PAGE.fullmatch(name)], listed
    for name in listed:
        page, stem = parsed[name], name.removesuffix(".html")
        with open(published["figures"] / f"{stem}.csv", newline="", encoding="utf-8") as file:
            first = next(csv.DictReader(file))
        tables = " ".join(table.text() for table in page.root.find_all("table"))
        shown = {column: value for column, value in first.items()
                 if value and column != "panel" and not ID_COLUMN.match(column) and "." not in value}
        missing = {column: value for column, value in shown.items()
                   if {"True": "yes", "False": "no"}.get(value, value.replace("_", " ")) not in tables
                   and not (value.isdigit() and f"{int(value):,}" in tables)}
        if not shown or missing:
            problems.append(f"{name}: the first row of {stem}.csv is not in its tables: {missing}")
        if [image.attrs.get("alt") for image in page.root.find_all("figure")[0].find_all("img")] != [
                _finding(published["figures"], name)]:
            problems.append(f"{name}: the chart's finding is not in the HTML")
    assert not problems, _report(problems)
