"""The report site in a real browser: axe-core on each kind of page at two widths, the keyboard, the rendered width.

The site that the ``site`` fixture builds (tests/conftest.py) is copied under a base path that is not the server's
root (``/reports/tip-norway/``), so that a link leaning on the root fails, and served by Python's own
``http.server`` on a loopback port. One headless Chromium (Debian's, driven by Playwright, as in
tests/integration/test_jupyterlab.py) opens one tab in a laptop's window and one in a phone's, and each tab opens every
page of the site (``visits``, module scope): what it requests, its console errors, whether its images, chart and
downloads are shown, whether it is wider than the window, and what its first screen holds. The pages come from a few
templates (analysis/report/templates/: one per analysis, and one for each other page), so axe-core runs on one page of
each template in both windows, and a screenshot is taken of it (of its first screen, or of the whole page when
$TIP_NORWAY_SCREENSHOTS names a folder to keep them in, for a person to look at; into a temporary folder too). Three
more tests drive the same tabs with the keyboard (an analysis page's downloads, and the skip link before each table,
there, on the page with the longest table and on the data and quality pages) and scroll the longest table (its header
and key column stay in view).
What the HTML alone shows (links, anchors, headings, downloads, no script) is checked without a browser, on every
page, in test_site_pages.py and test_site_links.py; the plumbing (the windows, the JavaScript read in a page, a tab
and its visits) is in report_browser.py.

Needs Playwright and axe-playwright-python (the ``test`` extra; axe-core comes bundled, nothing is downloaded) and
``apt-get install chromium``; set $TIP_NORWAY_CHROMIUM to use another Chromium. Deselect with
``pytest -m "not browser"``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import browser_helpers as bh
import pytest
from report_browser import (
    ANALYSIS_PAGE,
    BASE_PATH,
    JS_STICKY,
    OPTIONAL,
    SKIP_TABS,
    TABS,
    WINDOWS,
    QuietHandler,
    Tab,
    page_templates,
    report,
    shot_name,
    skip_tables,
    tab_through,
    template_of,
    violations,
)

from analysis.report.inputs import FORMATS


@pytest.fixture(scope="module")
def chosen(site: Path) -> dict[str, str]:
    """One page of each template, {template: page}.

    For the analyses, the smallest of those showing most of the template's optional parts: every part of the template
    is checked, and axe-core's time grows with the number of elements (the largest page takes ten times longer).
    """
    pages = sorted(path.name for path in site.glob("*.html"))
    order = {page: (-sum(part in (site / page).read_text(encoding="utf-8") for part in OPTIONAL),
                    (site / page).stat().st_size) for page in pages}
    found: dict[str, str] = {}
    for page in sorted(pages, key=lambda page: order[page]):
        found.setdefault(template_of(page), page)
    return found


@pytest.fixture(scope="module")
def server(site: Path, tmp_path_factory: pytest.TempPathFactory):
    """The site copied under BASE_PATH of a folder and served on a free loopback port; yields the site's address."""
    root = tmp_path_factory.mktemp("site-server")
    shutil.copytree(site, root / BASE_PATH.strip("/"))
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{BASE_PATH}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Debian's, as tests/integration/test_jupyterlab.py runs it) for the module, closed."""
    bh.require_tools("site's browser test", {
        "playwright": ("Playwright for Python", "playwright"),
        "axe_playwright_python": ("axe-core for Playwright", "axe-playwright-python")})
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The folders the screenshots go to: a temporary one, and $TIP_NORWAY_SCREENSHOTS when it is set."""
    folders = [tmp_path_factory.mktemp("site-screenshots")]
    if os.environ.get(bh.SCREENSHOTS_ENV):
        folders.append(Path(os.environ[bh.SCREENSHOTS_ENV]))
        folders[-1].mkdir(parents=True, exist_ok=True)
    return folders


@pytest.fixture(scope="module")
def tabs(browser) -> dict[str, Tab]:
    """One tab in each window, {window: tab}, for every page the module opens; closed at the end."""
    opened = {window: Tab(browser, size) for window, size in WINDOWS.items()}
    yield opened
    for tab in opened.values():
        tab.close()


@pytest.fixture(scope="module")
def visits(site: Path, chosen: dict[str, str], server: str, tabs: dict[str, Tab],
           screenshots: list[Path]) -> dict[tuple[str, str], dict]:
    """Every page of the site opened once in each window: {(page, window): its record}.

    What a record holds is what ``Tab.visit`` reads; the chosen pages' records hold axe-core's violations too. The
    screenshot of chosen ``name.html`` in the phone's window is ``name-phone.png`` in each folder of ``screenshots``:
    of the whole page when a folder beside the temporary one keeps them, of the first screen otherwise.
    """
    records = {}
    for window, tab in tabs.items():
        for name in sorted(path.name for path in site.glob("*.html")):
            looked_at = name in chosen.values()
            shot = screenshots[0] / shot_name(name, window) if looked_at else None
            records[(name, window)] = tab.visit(server + name, shot, axe=looked_at, full_page=len(screenshots) > 1)
            for folder in screenshots[1:] if looked_at else []:
                shutil.copy2(shot, folder / shot.name)
    return records


@pytest.mark.browser
def test_one_page_of_each_template_passes_axe_core_on_a_phone_and_a_desktop(
        chosen: dict[str, str], visits: dict[tuple[str, str], dict]) -> None:
    """axe-core finds no violation (its default rules: WCAG 2 A and AA and best practices) on the chosen pages.

    They are one page of every template a page is rendered from, each in both windows; every page of the site comes
    from one of these templates.
    """
    templates = page_templates()
    assert sorted(chosen) == templates, f"the pages come from {sorted(chosen)}, the page templates are {templates}"
    checked = sorted(key for key, record in visits.items() if "violations" in record)
    assert checked == sorted((page, window) for page in chosen.values() for window in WINDOWS)
    problems = [f"{name} ({window}): {line}" for (name, window), record in visits.items()
                for line in violations(record.get("violations", []))]
    assert not problems, report(problems)


@pytest.mark.browser
def test_the_pages_visited_load_from_the_local_server_alone(server: str, visits: dict[tuple[str, str], dict]) -> None:
    """Each page answers 200 with no console error, and nothing it asks for lies outside the loopback server.

    No web font, CDN or analytics request, and no request that fails (a data: address, such as the empty icon that
    keeps browsers from asking for /favicon.ico, stays in the page). A failed request Playwright does not see, such
    as the browser's own /favicon.ico, shows as a console error.
    """
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(server))
    problems = []
    for (name, window), record in visits.items():
        where = f"{name} ({window})"
        if record["status"] != 200:
            problems.append(f"{where}: status {record['status']}")
        problems += [f"{where}: requested {url}, outside {origin}" for url in record["requests"]
                     if not url.startswith((origin, "data:"))]
        problems += [f"{where}: {bad}" for bad in record["bad_responses"]]
        problems += [f"{where}: console error: {error}" for error in record["errors"]]
        if not record["requests"]:
            problems.append(f"{where}: no request recorded")
    assert not problems, report(problems)


@pytest.mark.browser
def test_the_pages_visited_show_their_images_chart_and_downloads(visits: dict[tuple[str, str], dict]) -> None:
    """In both windows every image loads, and each analysis page shows its chart and a download of each of its files.

    Each download has its format and size shown beside it. What the HTML holds is checked on every page in
    test_site_pages.py; this is what a reader sees of it.
    """
    problems = []
    for (name, window), record in visits.items():
        problems += [f"{name} ({window}): image {image['src']} did not load" for image in record["images"]
                     if not image["loaded"]]
        if not ANALYSIS_PAGE.fullmatch(name):
            continue
        if not (record["chart"] and record["chart"]["loaded"] and record["chart"]["visible"]):
            problems.append(f"{name} ({window}): the chart is not shown: {record['chart']}")
        if len(record["downloads"]) != len(FORMATS):
            problems.append(f"{name} ({window}): {len(record['downloads'])} downloads shown, expected {len(FORMATS)}")
        problems += [f"{name} ({window}): the download or its format and size is hidden: {download}"
                     for download in record["downloads"] if not (download["visible"] and download["meta_visible"])]
    assert not problems, report(problems)


@pytest.mark.browser
def test_the_keyboard_reaches_every_download(tabs: dict[str, Tab], server: str, chosen: dict[str, str],
                                             visits: dict[tuple[str, str], dict]) -> None:
    """On an analysis page, Tab from the top reaches every download link within TABS presses.

    The first stop is the skip link, shown when it has the focus; following it puts the next stop inside <main>.
    """
    name = chosen["analysis.html"]
    wanted = {download["url"] for download in visits[(name, "desktop")]["downloads"]}
    assert len(wanted) == len(FORMATS), visits[(name, "desktop")]["downloads"]
    stops, hash_after_skip, after_skip = tab_through(tabs["desktop"].page, server + name, wanted)
    assert stops[0]["text"] == "Skip to the content", f"{name}: the first focus stop is {stops[0]}"
    assert stops[0]["in_view"], f"{name}: the skip link is not shown when it has the focus: {stops[0]}"
    missed = wanted - {stop["href"] for stop in stops}
    assert not missed, (f"{name}: {sorted(missed)} had no focus within {TABS - 1} Tab presses; the stops were "
                        f"{[stop['href'] or stop['tag'] for stop in stops]}")
    assert hash_after_skip == "#main", f"{name}: the skip link led to {hash_after_skip!r}"
    assert after_skip["in_main"], f"{name}: after the skip link, Tab went to {after_skip}, outside <main>"


def _first_screen(name: str, window: str, layout: dict) -> list[str]:
    """What is wrong with the first screen of page ``name`` (JS_LAYOUT's ``layout``) in ``window``."""
    problems = []
    if layout["scroll"] > 0:
        problems.append(f"{name}: the page body scrolls {layout['scroll']} px sideways ({window})")
    if ANALYSIS_PAGE.fullmatch(name):
        if layout["points_bottom"] is None or layout["points_bottom"] > layout["height"]:
            problems.append(f"{name}: the main points end at {layout['points_bottom']} px, below the first screen "
                            f"of {layout['height']} px ({window})")
        if window == "desktop" and not layout["chart_top"] < layout["height"]:
            problems.append(f"{name}: the chart begins at {layout['chart_top']} px, below the first screen ({window})")
    return problems


@pytest.mark.browser
def test_every_page_fits_the_window_of_a_laptop_and_of_a_phone(site: Path,
                                                               visits: dict[tuple[str, str], dict]) -> None:
    """No page of the site is wider than the window, 1280 or 390 pixels wide: wide tables scroll in their own region.

    Every page, not one per template: how wide a page renders depends on its tables. The page body does not scroll
    sideways (``document.scrollingElement``), and an analysis page shows its main points in the first screen of a
    phone (390 by 844) and of a laptop (1280 by 800), and at the laptop's the top of its chart too.
    """
    pages = sorted(path.name for path in site.glob("*.html"))
    assert sorted(visits) == sorted((name, window) for name in pages for window in WINDOWS)
    problems = []
    for (name, window), record in sorted(visits.items()):
        if record["overflow"] > 0:
            problems.append(f"{name}: {record['overflow']} px wider than a {WINDOWS[window]['width']} px window "
                            f"({window})")
        problems += _first_screen(name, window, record["layout"])
    assert not problems, report(problems)


@pytest.mark.browser
def test_the_keyboard_reaches_every_tables_skip_link_and_it_skips_the_table(tabs: dict[str, Tab], server: str,
                                                                            chosen: dict[str, str]) -> None:
    """On an analysis page, the one with the longest table, the data and the quality pages, Tab reaches every skip link.

    Enter on it and one more Tab put the focus past the table, at or after the link's target.
    """
    problems = []
    for name in sorted({chosen["analysis.html"], "12_nordic_comparison.html", "data.html", "quality.html"}):
        wanted, followed = skip_tables(tabs["phone"].page, server + name)
        if not wanted:
            problems.append(f"{name}: no skip link before its tables")
        problems += [f"{name}: the skip link to {href} had no focus within {SKIP_TABS} Tab presses"
                     for href in wanted if href not in followed]
        problems += [f"{name}: after the skip link to {href}, Tab stayed before its target"
                     for href, past in followed.items() if not past]
    assert not problems, report(problems)


@pytest.mark.browser
def test_a_long_tables_header_and_key_column_stay_in_view_as_it_scrolls(tabs: dict[str, Tab], server: str) -> None:
    """On a phone, the longest table keeps its header row and each row's key cell in view as it scrolls.

    12's table of 80 rows is opened and scrolled down and sideways in its region: the header row stays at the
    region's top, the key cells at its left edge.
    """
    page = tabs["phone"].page
    page.goto(server + "12_nordic_comparison.html", wait_until="load")
    sticky = page.evaluate(JS_STICKY)
    assert sticky["scrolled"] == [400, 300], sticky  # the region did scroll both ways
    assert abs(sticky["header_top"]) < 1 and sticky["key_left"] is not None and abs(sticky["key_left"]) < 2, sticky


@pytest.mark.browser
def test_each_chosen_page_has_a_screenshot(chosen: dict[str, str], screenshots: list[Path],
                                            visits: dict[tuple[str, str], dict]) -> None:
    """A PNG screenshot of each chosen page, in each window, was saved in every screenshot folder."""
    problems = []
    for folder in screenshots:
        for name, window in sorted((name, window) for name, window in visits if name in chosen.values()):
            shot = folder / shot_name(name, window)
            if not shot.is_file() or shot.stat().st_size < 1000 or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
                problems.append(f"{name}: no PNG screenshot at {shot}")
    assert not problems, report(problems)
