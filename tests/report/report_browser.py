"""Plumbing for test_site_browser.py: the windows, the JavaScript read in a page, a tab and its visits, the keyboard.

Nothing here is a test. Chromium is the one tests/browser_helpers.py names and starts with its arguments.
"""

from __future__ import annotations

import http.server
import re
from pathlib import Path

from analysis.report.pages import HERE

#: Where the site lives on the test server: not its root, so that only relative links resolve.
BASE_PATH = "/reports/tip-norway/"
#: Milliseconds Playwright waits for a page or an element (generous: the machine may be busy).
TIMEOUT_MS = 30_000
#: An analysis page: NN_topic.html, rendered from analysis.html; every other page has the name of its template.
ANALYSIS_PAGE = re.compile(r"\d\d_\w+\.html")
#: The parts an analysis page shows only when its analysis has them (see test_site_browser.py's ``chosen``).
OPTIONAL = ('id="flag-legend"', 'id="caveats"', 'id="notes"')
#: How many Tab presses may pass before every download link of an analysis page has had the focus.
TABS = 80
#: How many target selectors of an axe violation a failure message shows.
TARGETS_SHOWN = 4
#: The windows each page is seen in, in CSS pixels: a laptop's and a phone's. Each is also the first screen a reader
#: sees of an analysis page: at a laptop's the main points and the top of the chart are in it, at a phone's the main
#: points.
WINDOWS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
#: The width by which a page overflows its window.
JS_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
#: How many Tab presses may pass before every skip link of a page's tables has had the focus.
SKIP_TABS = 200
#: The layout of a page at the top: the page body's sideways scroll, and where the main points end and the chart
#: begins (null where the page has none).
JS_LAYOUT = """() => {
    const points = document.querySelector(".main-points"), chart = document.querySelector("figure img");
    return {scroll: document.scrollingElement.scrollWidth - window.innerWidth, height: window.innerHeight,
            points_bottom: points && points.getBoundingClientRect().bottom + window.scrollY,
            chart_top: chart && chart.getBoundingClientRect().top + window.scrollY};
}"""
#: A long table opened and scrolled down and sideways inside its region: how far its header row and the key cell of
#: a row in view stand from the region's top and left edges (0 when they stay in view), and how far it scrolled.
JS_STICKY = """() => {
    document.querySelector("details.long-table").open = true;
    const region = document.querySelector(".table-region");
    region.scrollTop = 400;
    region.scrollLeft = 300;
    const box = region.getBoundingClientRect(), head = region.querySelector("thead th").getBoundingClientRect();
    const key = [...region.querySelectorAll("tbody th")].map(th => th.getBoundingClientRect())
        .find(r => r.top > head.bottom && r.bottom < box.bottom);
    return {scrolled: [region.scrollTop, region.scrollLeft], header_top: head.top - box.top,
            key_left: key ? key.left - box.left : null};
}"""
#: The skip links of a page's tables: each one's target.
JS_SKIPS = "() => [...document.querySelectorAll('.skip-table a')].map(a => a.getAttribute('href'))"
#: The link address of the element that has the focus, as written (null when it has none).
JS_HREF = "document.activeElement.getAttribute('href')"
#: Whether the focus is on the element ``target`` names or after it in the page (after the table it skips).
JS_FOCUS_AFTER = """(target) => {
    const e = document.activeElement, t = document.getElementById(target.slice(1));
    return !!t && (e === t || !!(t.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING));
}"""

#: What a page shows, read in the page once it has loaded.
JS_RECORD = """() => {
    const visible = e => !!e && e.getClientRects().length > 0 && e.checkVisibility({visibilityProperty: true});
    const chart = document.querySelector("figure img");
    return {
        images: [...document.images].map(i => ({src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0})),
        chart: chart && {loaded: chart.complete && chart.naturalWidth > 0, visible: visible(chart)},
        downloads: [...document.querySelectorAll("ul.downloads a")].map(a => ({
            url: a.href, visible: visible(a), meta_visible: visible(a.parentElement.querySelector(".meta"))})),
    };
}"""
#: What has the focus: its link address (or null), its text, and whether it is inside <main> and in view.
JS_FOCUSED = """() => {
    const e = document.activeElement, box = e.getBoundingClientRect();
    return {href: e.href || null, text: e.textContent.trim(), tag: e.localName, in_main: !!e.closest("main"),
            in_view: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
                     && box.right <= window.innerWidth && box.bottom <= window.innerHeight};
}"""




class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from its folder and logs nothing."""

    def log_message(self, *args) -> None:
        """Say nothing about each request."""


def report(problems: list[str]) -> str:
    """The failure message for a list of problems, one a line."""
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


def violations(found: list[dict]) -> list[str]:
    """axe-core's violations, one line each: id, impact, help, how many elements and the first few of them."""
    lines = []
    for violation in found:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}; {len(targets)} element(s), "
                     f"e.g. {targets[:TARGETS_SHOWN]}")
    return lines


def page_templates() -> list[str]:
    """The templates a page is rendered from: those that extend base.html (the others are parts of a page)."""
    return sorted(path.name for path in (HERE / "templates").glob("*.html")
                  if '{% extends "base.html" %}' in path.read_text(encoding="utf-8"))


def template_of(page: str) -> str:
    """The template ``page`` is rendered from."""
    return "analysis.html" if ANALYSIS_PAGE.fullmatch(page) else page


def shot_name(page: str, window: str) -> str:
    """The file name of the screenshot of ``page`` in ``window``: ``index-phone.png``."""
    return f"{page.removesuffix('.html')}-{window}.png"


class Tab:
    """One tab of a browser context in a window of ``size``, reused for every page opened in that window.

    A tab per page would start a renderer process for each (about a fifth of a CPU-second); the pages share the
    context's cache either way. What a page requests and logs while :meth:`visit` opens it goes to that visit's
    record; between visits (a test that drives the tab itself) it goes nowhere.
    """

    def __init__(self, browser, size: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=size)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self._record: dict | None = None
        self.page.on("request", lambda request: self._note("requests", request.url))
        self.page.on("requestfailed", lambda request: self._note("bad_responses", f"{request.url}: {request.failure}"))
        self.page.on("response", lambda response: response.status >= 400
                     and self._note("bad_responses", f"{response.url}: {response.status}"))
        self.page.on("console", lambda message: message.type == "error" and self._note("errors", message.text))
        self.page.on("pageerror", lambda error: self._note("errors", str(error)))

    def _note(self, kind: str, line: str) -> None:
        if self._record is not None:
            self._record[kind].append(line)

    def visit(self, url: str, shot: Path | None = None, *, axe: bool = False, full_page: bool = False) -> dict:
        """Open ``url``: what it requests, logs and shows, its width and first screen, axe-core's violations if ``axe``.

        With ``shot``, a screenshot of the first screen goes there (of the whole page if ``full_page``).
        """
        from axe_playwright_python.sync_playwright import Axe

        record = self._record = {"requests": [], "errors": [], "bad_responses": []}
        try:
            response = self.page.goto(url, wait_until="load")
            record["status"] = response.status if response else None
            record.update(self.page.evaluate(JS_RECORD))
            record["overflow"] = self.page.evaluate(JS_OVERFLOW)
            record["layout"] = self.page.evaluate(JS_LAYOUT)
            if axe:
                record["violations"] = Axe().run(self.page).response["violations"]
            if shot is not None:
                self.page.screenshot(path=str(shot), full_page=full_page)
        finally:
            self._record = None
        return record

    def close(self) -> None:
        """Close the tab's context."""
        self.context.close()


def tab_through(page, url: str, wanted: set[str]) -> tuple[list[dict], str, dict]:
    """What Tab does on ``url``: the stops from the top, the skip link's target, and the first stop after it.

    The stops go on until every address of ``wanted`` had the focus, or TABS presses.
    """
    page.goto(url, wait_until="load")
    stops = []
    while len(stops) < TABS - 1 and not wanted <= {stop["href"] for stop in stops}:
        page.keyboard.press("Tab")
        stops.append(page.evaluate(JS_FOCUSED))
    page.goto(url, wait_until="load")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    hash_after_skip = page.evaluate("location.hash")
    page.keyboard.press("Tab")
    return stops, hash_after_skip, page.evaluate(JS_FOCUSED)


def skip_tables(page, url: str) -> tuple[list[str], dict[str, bool]]:
    """What the keyboard does with the skip links of ``url``'s tables.

    Tab from the top until every skip link had the focus (or SKIP_TABS presses); on each, Enter and one more Tab:
    {its target: whether that Tab went past the table, to or after the target}. Also the page's skip links.
    """
    page.goto(url, wait_until="load")
    wanted = page.evaluate(JS_SKIPS)
    followed: dict[str, bool] = {}
    for _ in range(SKIP_TABS):
        if len(followed) == len(wanted):
            break
        page.keyboard.press("Tab")
        href = page.evaluate(JS_HREF)
        while href in wanted and href not in followed:  # the Tab after a skip may land on the next table's
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            followed[href] = page.evaluate(JS_FOCUS_AFTER, href)
            href = page.evaluate(JS_HREF)
    return wanted, followed
