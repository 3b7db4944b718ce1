"""The report site in a real browser: every page loads from a plain web server, passes axe-core and links only inward.

The site that the ``site`` fixture builds from a real published run (tests/conftest.py) is copied under a
base path that is not the server's root (``/reports/tip-norway/``), so that a link leaning on the root fails, and
served by Python's own ``http.server`` on a loopback port. One headless Chromium (Debian's, driven by Playwright, as
in tests/browser/) visits every HTML page of the site once (``visits``, module scope) and records what the page
shows: its response, every request it makes, console errors, axe-core's violations, its links, ids, headings and
chart, and a full-page screenshot. The tests assert on those records, one concern per test and every page in each;
three more drive an analysis page with the keyboard, read pages with JavaScript switched off and open every page in
a phone-sized window.

What the pages should show is taken from elsewhere than the site: a chart's finding from the published run's
figures/NN_name.json, the bytes of its downloads from that figures/ folder, whether a link's target exists from the
server. Screenshots go to a temporary folder and, when $TIP_NORWAY_SCREENSHOTS names a folder, there too.

Needs Playwright and axe-playwright-python (the ``test`` extra; axe-core comes bundled, nothing is downloaded) and
``apt-get install chromium``; set $TIP_NORWAY_CHROMIUM to use another Chromium. Deselect with
``pytest -m "not browser"``.
"""

from __future__ import annotations

import csv
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

pytestmark = pytest.mark.browser

#: Where the site lives on the test server: not its root, so that only relative links resolve.
BASE_PATH = "/reports/tip-norway/"
#: A folder to keep the screenshots in, besides the temporary one.
SCREENSHOTS_ENV = "TIP_NORWAY_SCREENSHOTS"
#: Milliseconds Playwright waits for a page or an element (generous: the machine may be busy).
TIMEOUT_MS = 30_000
#: An analysis page: NN_topic.html.
ANALYSIS_PAGE = re.compile(r"\d\d_\w+\.html")
#: The pages besides the analyses.
OTHER_PAGES = {"index.html", "data.html", "sources.html", "quality.html"}
#: A file size as a reader sees it: "833 bytes", "3.2 kB", "1.1 MB".
SIZE = re.compile(r"\b\d+(?:\.\d+)? ?(?:bytes|kB|MB|GB)\b")
#: The file types an analysis page offers for download, one link each.
DOWNLOADS = ("csv", "json", "png", "svg")
#: How many Tab presses may pass before every download link of an analysis page has had the focus.
TABS = 80
#: How many target selectors of an axe violation a failure message shows.
TARGETS_SHOWN = 4
#: The window of the visits (a laptop's) and a phone's, in CSS pixels.
WINDOW = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

#: What a page shows, read in the page once it has loaded.
JS_RECORD = """() => {
    const visible = e => !!e && e.getClientRects().length > 0 && e.checkVisibility({visibilityProperty: true});
    const text = e => e ? e.textContent.replace(/\\s+/g, " ").trim() : null;
    return {
        lang: document.documentElement.getAttribute("lang"),
        title: document.title,
        h1: [...document.querySelectorAll("h1")].map(text),
        ids: [...document.querySelectorAll("[id]")].map(e => e.id),
        scripts: document.scripts.length,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        links: [
            ...[...document.querySelectorAll("a[href], link[href]")].map(
                e => ({tag: e.localName, raw: e.getAttribute("href"), url: e.href})),
            ...[...document.querySelectorAll("img[src]")].map(
                e => ({tag: "img", raw: e.getAttribute("src"), url: e.src})),
        ],
        images: [...document.images].map(i => ({src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0})),
        figures: [...document.querySelectorAll("figure")].map(f => ({
            alts: [...f.querySelectorAll("img")].map(i => i.getAttribute("alt")),
            loaded: [...f.querySelectorAll("img")].every(i => i.complete && i.naturalWidth > 0),
            caption: text(f.querySelector("figcaption")),
        })),
        download_lists: document.querySelectorAll("ul.downloads").length,
        downloads: [...document.querySelectorAll("ul.downloads a")].map(a => ({
            text: text(a), url: a.href, visible: visible(a),
            meta: text(a.parentElement.querySelector(".meta")),
            meta_visible: visible(a.parentElement.querySelector(".meta")),
        })),
    };
}"""
#: What has the focus: its link address (or null), its text, and whether it is inside <main> and in view.
JS_FOCUSED = """() => {
    const e = document.activeElement, box = e.getBoundingClientRect();
    return {href: e.href || null, text: e.textContent.trim(), tag: e.localName, in_main: !!e.closest("main"),
            in_view: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
                     && box.right <= window.innerWidth && box.bottom <= window.innerHeight};
}"""


def _browser_helpers():
    """tests/browser/browser_helpers.py, which says which Chromium to run and how (tests/browser is not a package)."""
    if "browser_helpers" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "browser_helpers", Path(__file__).resolve().parents[1] / "browser" / "browser_helpers.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["browser_helpers"] = module  # before it runs: its dataclass looks its module up there
        spec.loader.exec_module(module)
    return sys.modules["browser_helpers"]


bh = _browser_helpers()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from its folder and logs nothing."""

    def log_message(self, *args) -> None:
        """Say nothing about each request."""


def _fetch(url: str) -> tuple[int, bytes]:
    """GET ``url`` directly (no proxy), returning its status and body (empty on an error status)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _pages(site: Path) -> list[str]:
    """The site's HTML pages, as paths relative to its folder."""
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))


def _analysis_pages(pages) -> list[str]:
    """The analysis pages (NN_topic.html) among ``pages``."""
    return [page for page in pages if ANALYSIS_PAGE.fullmatch(page)]


def _report(problems: list[str]) -> str:
    """The failure message for a list of problems, one a line."""
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


def _violations(violations: list[dict]) -> list[str]:
    """axe-core's violations, one line each: id, impact, help, how many elements and the first few of them."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}; {len(targets)} element(s), "
                     f"e.g. {targets[:TARGETS_SHOWN]}")
    return lines


@pytest.fixture(scope="module")
def server(site: Path, tmp_path_factory: pytest.TempPathFactory):
    """The site copied under BASE_PATH of a folder and served on a free loopback port; yields the site's address."""
    root = tmp_path_factory.mktemp("site-server")
    shutil.copytree(site, root / BASE_PATH.strip("/"))
    handler = functools.partial(_QuietHandler, directory=str(root))
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
    """One headless Chromium (Debian's, as tests/browser/ runs it) for the module; always closed."""
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
    if os.environ.get(SCREENSHOTS_ENV):
        folders.append(Path(os.environ[SCREENSHOTS_ENV]))
        folders[-1].mkdir(parents=True, exist_ok=True)
    return folders


def _visit(context, url: str, shot: Path) -> dict:
    """Open ``url`` in a new tab, record what it requests and shows, run axe-core and take a full-page screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    record = {"requests": [], "errors": [], "bad_responses": []}
    page.on("request", lambda request: record["requests"].append(request.url))
    page.on("requestfailed", lambda request: record["bad_responses"].append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: response.status >= 400
            and record["bad_responses"].append(f"{response.url}: {response.status}"))
    page.on("console", lambda message: message.type == "error" and record["errors"].append(message.text))
    page.on("pageerror", lambda error: record["errors"].append(str(error)))
    try:
        response = page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        record["status"] = response.status if response else None
        record.update(page.evaluate(JS_RECORD))
        record["violations"] = Axe().run(page).response["violations"]
        page.screenshot(path=str(shot), full_page=True, timeout=TIMEOUT_MS)
    finally:
        page.close()
    return record


@pytest.fixture(scope="module")
def visits(site: Path, server: str, browser, screenshots: list[Path]) -> dict[str, dict]:
    """Every HTML page of the site visited once: {page: its record} (see ``_visit`` and JS_RECORD).

    The screenshot of page ``name.html`` is ``name.png`` in each folder of ``screenshots``.
    """
    context = browser.new_context(viewport=WINDOW)
    try:
        records = {}
        for name in _pages(site):
            shot = screenshots[0] / (name.removesuffix(".html").replace("/", "_") + ".png")
            records[name] = _visit(context, server + name, shot)
            for folder in screenshots[1:]:
                shutil.copy2(shot, folder / shot.name)
    finally:
        context.close()
    return records


def test_the_site_has_its_sixteen_pages(site: Path, published: dict[str, Path]) -> None:
    """The site has index, data, sources and quality pages and one page per published chart: sixteen in all."""
    pages = _pages(site)
    charts = sorted(path.stem for path in published["figures"].glob("[0-9][0-9]_*.json"))
    assert len(charts) == 12, f"the published run has {len(charts)} charts, expected 12: {charts}"
    assert set(pages) - set(_analysis_pages(pages)) == OTHER_PAGES, pages
    assert [page.removesuffix(".html") for page in _analysis_pages(pages)] == charts
    assert len(pages) == 16, pages


def test_every_page_loads_from_the_local_server_alone(server: str, visits: dict[str, dict]) -> None:
    """Each page answers 200 with no console error, and nothing it asks for lies outside the loopback server.

    No web font, CDN or analytics request, and no request that fails (a data: address, such as the empty icon that
    keeps browsers from asking for /favicon.ico, stays in the page). A failed request Playwright does not see, such
    as the browser's own /favicon.ico, shows as a console error.
    """
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(server))
    problems = []
    for name, record in visits.items():
        if record["status"] != 200:
            problems.append(f"{name}: status {record['status']}")
        problems += [f"{name}: requested {url}, outside {origin}" for url in record["requests"]
                     if not url.startswith((origin, "data:"))]
        problems += [f"{name}: {bad}" for bad in record["bad_responses"]]
        problems += [f"{name}: console error: {error}" for error in record["errors"]]
        if not record["requests"]:
            problems.append(f"{name}: no request recorded")
    assert not problems, _report(problems)


def test_every_page_passes_axe_core(visits: dict[str, dict]) -> None:
    """axe-core finds no violation on any page (its default rules: WCAG 2 A and AA and best practices)."""
    problems = [f"{name}: {line}" for name, record in visits.items() for line in _violations(record["violations"])]
    assert not problems, _report(problems)


def _check_link(name: str, link: dict, server: str, visits: dict[str, dict], status: dict[str, int]) -> list[str]:
    """What is wrong with one link of page ``name``: an external address that is not absolute, or an inner target.

    An inner target is wrong when its file does not answer 200 or its #fragment names no id on its page.
    ``status`` caches the status of each file asked for.
    """
    raw, url = link["raw"], link["url"]
    where = f"{name}: <{link['tag']}> {raw!r}"
    if raw.startswith(("http://", "https://")):
        parts = urlsplit(raw)
        return [] if parts.scheme in ("http", "https") and parts.netloc else [f"{where} is not an absolute address"]
    if raw.startswith(("mailto:", "data:")):
        return []
    if raw.startswith(("//", "/")) or not url.startswith(server):
        return [f"{where} is not relative to the page (resolves to {url})"]
    address, fragment = urldefrag(url)
    if address not in status:
        status[address] = _fetch(address)[0]
    if status[address] != 200:
        return [f"{where}: {address} answers {status[address]}"]
    if fragment:
        target = address.removeprefix(server) or "index.html"
        if target not in visits:
            return [f"{where}: #{fragment} on {target}, which is not an HTML page"]
        if fragment not in visits[target]["ids"]:
            return [f"{where}: {target} has no element with id {fragment!r}"]
    return []


def test_every_link_and_anchor_resolves(server: str, visits: dict[str, dict]) -> None:
    """Every a[href], link[href] and img[src] inside the site names a file the server has, and an id its page has.

    Addresses outside the site (the sources') are absolute http(s) addresses; they are not followed.
    """
    problems, status = [], {}
    for name, record in visits.items():
        assert record["links"], f"{name}: no links at all"
        for link in record["links"]:
            problems += _check_link(name, link, server, visits, status)
    assert not problems, _report(problems)
    assert len(status) > 50, f"only {len(status)} files linked: {sorted(status)}"


def test_every_page_has_one_h1_a_language_and_a_title(visits: dict[str, dict]) -> None:
    """Each page has exactly one non-empty h1, html[lang="en"] and a non-empty <title>; no image is broken."""
    problems = []
    for name, record in visits.items():
        if len(record["h1"]) != 1 or not record["h1"][0]:
            problems.append(f"{name}: h1 elements {record['h1']}, expected exactly one with text")
        if record["lang"] != "en":
            problems.append(f'{name}: <html lang="{record["lang"]}">, expected "en"')
        if not record["title"].strip():
            problems.append(f"{name}: empty <title>")
        problems += [f"{name}: image {image['src']} did not load" for image in record["images"] if not image["loaded"]]
    assert not problems, _report(problems)


def _check_chart(name: str, record: dict, figures: Path) -> list[str]:
    """What is wrong with the chart and the downloads of analysis page ``name`` (see the test below)."""
    stem = name.removesuffix(".html")
    finding = json.loads((figures / f"{stem}.json").read_text(encoding="utf-8"))["title"]
    problems = []
    if len(record["figures"]) != 1:
        return [f"{name}: {len(record['figures'])} <figure> elements, expected 1"]
    figure = record["figures"][0]
    if figure["alts"] != [finding]:
        problems.append(f"{name}: the figure's img alt texts are {figure['alts']}, expected [{finding!r}]")
    if not figure["loaded"]:
        problems.append(f"{name}: the chart did not load")
    if not figure["caption"] or "Source:" not in figure["caption"]:
        problems.append(f"{name}: the figcaption {figure['caption']!r} names no source")
    downloads = record["downloads"]
    kinds = sorted(download["url"].rsplit(".", 1)[-1] for download in downloads)
    if record["download_lists"] != 1 or kinds != sorted(DOWNLOADS):
        return problems + [f"{name}: {record['download_lists']} download lists with {kinds}, expected one with "
                           f"{list(DOWNLOADS)}"]
    for download in downloads:
        kind = download["url"].rsplit(".", 1)[-1]
        meta = download["meta"] or ""
        if not (download["text"] and download["visible"] and download["meta_visible"]):
            problems.append(f"{name}: the {kind} link or its format and size is empty or hidden: {download}")
        if kind.upper() not in meta or not SIZE.search(meta):
            problems.append(f"{name}: the {kind} link says {meta!r}, not its format and size")
        status, body = _fetch(download["url"])
        if status != 200 or body != (figures / f"{stem}.{kind}").read_bytes():
            problems.append(f"{name}: {download['url']} (status {status}) is not the published {stem}.{kind}")
    return problems


def test_every_analysis_page_shows_its_chart_and_its_downloads(visits: dict[str, dict],
                                                                 published: dict[str, Path]) -> None:
    """Each analysis page has one figure: its chart, with the finding as alt text and a caption naming the source.

    The finding is the title in the published figures/NN_name.json. Its download list has four links, CSV, JSON,
    PNG and SVG, each with text and a visible format and size, and each serves the published file byte for byte.
    """
    analyses = _analysis_pages(visits)
    assert len(analyses) == 12, analyses
    problems = [problem for name in analyses for problem in _check_chart(name, visits[name], published["figures"])]
    assert not problems, _report(problems)


def test_the_keyboard_reaches_every_download(browser, server: str, visits: dict[str, dict]) -> None:
    """On an analysis page, Tab from the top reaches every download link within TABS presses.

    The first stop is the skip link, shown when it has the focus; following it puts the next stop inside <main>.
    """
    name = _analysis_pages(visits)[0]
    wanted = {download["url"] for download in visits[name]["downloads"]}
    assert len(wanted) == len(DOWNLOADS), visits[name]["downloads"]
    context = browser.new_context(viewport=WINDOW)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server + name, wait_until="load")
        stops = []
        while len(stops) < TABS - 1 and not wanted <= {stop["href"] for stop in stops}:
            page.keyboard.press("Tab")
            stops.append(page.evaluate(JS_FOCUSED))
        page.goto(server + name, wait_until="load")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        hash_after_skip = page.evaluate("location.hash")
        page.keyboard.press("Tab")
        after_skip = page.evaluate(JS_FOCUSED)
    finally:
        context.close()
    assert stops[0]["text"] == "Skip to the content", f"{name}: the first focus stop is {stops[0]}"
    assert stops[0]["in_view"], f"{name}: the skip link is not shown when it has the focus: {stops[0]}"
    missed = wanted - {stop["href"] for stop in stops}
    assert not missed, (f"{name}: {sorted(missed)} had no focus within {TABS - 1} Tab presses; the stops were "
                        f"{[stop['href'] or stop['tag'] for stop in stops]}")
    assert hash_after_skip == "#main", f"{name}: the skip link led to {hash_after_skip!r}"
    assert after_skip["in_main"], f"{name}: after the skip link, Tab went to {after_skip}, outside <main>"


def test_pages_read_without_javascript(browser, server: str, visits: dict[str, dict],
                                       published: dict[str, Path]) -> None:
    """With JavaScript off, the index lists the twelve analyses and an analysis page shows its heading, chart and table.

    No page has a <script> at all.
    """
    assert not [name for name, record in visits.items() if record["scripts"]], "pages with a <script>"
    name = _analysis_pages(visits)[0]
    stem = name.removesuffix(".html")
    finding = json.loads((published["figures"] / f"{stem}.json").read_text(encoding="utf-8"))["title"]
    with open(published["figures"] / f"{stem}.csv", newline="", encoding="utf-8") as file:
        first = next(csv.DictReader(file))
    context = browser.new_context(java_script_enabled=False, viewport=WINDOW)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        assert page.goto(server + "index.html", wait_until="load").status == 200
        assert page.locator("h1").inner_text().strip(), "index.html: no h1 text without JavaScript"
        entries = page.locator("ol.analyses > li")
        assert entries.count() == 12, f"index.html: {entries.count()} analyses listed without JavaScript"
        assert all(entry.locator("h2 a").inner_text().strip() for entry in entries.all())

        assert page.goto(server + name, wait_until="load").status == 200
        assert page.locator("h1").inner_text().strip(), f"{name}: no h1 text without JavaScript"
        assert page.locator("figure img").get_attribute("alt") == finding
        assert page.locator("figure img").is_visible(), f"{name}: the chart is not shown without JavaScript"
        assert "Source:" in page.locator("figure figcaption").inner_text()
        tables = " ".join(page.locator("table").all_inner_texts())
    finally:
        context.close()
    shown = {column: value for column, value in first.items() if value and column != "panel"}
    missing = {column: value for column, value in shown.items() if value not in tables}
    assert shown and not missing, f"{name}: the first row of {stem}.csv is not in its tables: {missing}"


def test_every_page_fits_the_window_of_a_laptop_and_of_a_phone(browser, server: str, visits: dict[str, dict]) -> None:
    """No page is wider than the window, 1280 or 390 pixels wide: wide tables scroll in their own region."""
    problems = [f"{name}: {record['overflow']} px wider than a {WINDOW['width']} px window"
                for name, record in visits.items() if record["overflow"] > 0]
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        for name in visits:
            page.goto(server + name, wait_until="load")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{name}: {overflow} px wider than a {PHONE['width']} px window")
    finally:
        context.close()
    assert not problems, _report(problems)


def test_every_page_has_a_screenshot(visits: dict[str, dict], screenshots: list[Path]) -> None:
    """A full-page PNG screenshot of each page was saved, in every screenshot folder."""
    problems = []
    for folder in screenshots:
        for name in visits:
            shot = folder / (name.removesuffix(".html").replace("/", "_") + ".png")
            if not shot.is_file() or shot.stat().st_size < 1000 or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
                problems.append(f"{name}: no PNG screenshot at {shot}")
    assert not problems, _report(problems)
