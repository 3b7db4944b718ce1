"""Every address on every page of the report site, read as HTML: nothing loaded from elsewhere, every link resolves.

A page that asks another server for a font, a script or an image leaks its reader's visit and breaks offline; a
link or an anchor that names nothing is a dead end. The pages are those the ``site`` fixture builds, parsed once
(the ``parsed`` fixture, tests/report/conftest.py); relative links are resolved as a browser resolves them, from
the page's address under a base path that is not a server's root, so that a link leaning on the root fails.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from report_html import Page, css_addresses

#: A stand-in address for the site, to resolve a page's relative links as a browser does.
BASE = "http://site.invalid/reports/tip-norway/"


def _report(problems: list[str]) -> str:
    """The failure message for a list of problems, one a line."""
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems[:40])


def test_no_page_asks_for_anything_outside_the_site(site: Path, parsed: dict[str, Page]) -> None:
    """Everything a page loads (images, style sheets, icons, and what its style sheets load) is inside the site.

    Each such address is relative (or a data: address, such as the empty icon that keeps a browser from asking the
    server's root for /favicon.ico, which every page declares); no page has a <base>, which would move them all.
    """
    problems = []
    for name, page in parsed.items():
        for where, address, loaded in page.addresses():
            if loaded and not address.startswith("data:") and (urlsplit(address).scheme or address.startswith("/")):
                problems.append(f"{name}: {where} {address!r} is not inside the site")
        if page.root.find_all("base"):
            problems.append(f"{name}: has a <base>")
        if not any("icon" in link.attrs.get("rel", "").split() for link in page.root.find_all("link")):
            problems.append(f"{name}: declares no icon, so a browser asks the server's root for /favicon.ico")
    for sheet in sorted(site.rglob("*.css")):
        problems += [f"{sheet.name}: url {address!r} is not inside the site"
                     for address in css_addresses(sheet.read_text(encoding="utf-8"))
                     if not address.startswith("data:") and (urlsplit(address).scheme or address.startswith("/"))]
    assert not problems, _report(problems)


def _check_address(name: str, where: str, address: str, site: Path, parsed: dict[str, Page],
                   ids: dict[str, set[str]]) -> str | None:
    """What is wrong with one address of page ``name``; None when it resolves.

    An address outside the site (a source's) must be an absolute http(s) address with a host; it is not followed.
    One inside must name a file of the site, and its #fragment an id of its page.
    """
    if address.startswith(("mailto:", "data:")):
        return None
    parts = urlsplit(address)
    if parts.scheme:
        return None if parts.scheme in ("http", "https") and parts.netloc else f"{where} {address!r} is not absolute"
    if address.startswith("/"):
        return f"{where} {address!r} leans on the server's root"
    target, fragment = urldefrag(urljoin(BASE + name, address))
    path = urlsplit(target).path
    if not path.startswith(urlsplit(BASE).path):
        return f"{where} {address!r} leaves the site"
    relative = unquote(path.removeprefix(urlsplit(BASE).path))
    if not (site / relative).is_file():
        return f"{where} {address!r}: the site has no file {relative}"
    if fragment and relative not in parsed:
        return f"{where} {address!r}: #{fragment} on {relative}, which is not an HTML page"
    if fragment and fragment not in ids[relative]:
        return f"{where} {address!r}: {relative} has no element with id {fragment!r}"
    return None


def test_every_link_and_anchor_resolves(site: Path, parsed: dict[str, Page]) -> None:
    """Every address a page names inside the site is a file of the site, and every #fragment an id of its page.

    Ids are unique on each page, so a fragment names one place. Addresses outside the site (the sources') are
    absolute http(s) addresses; they are not followed.
    """
    problems, linked = [], set()
    ids = {}
    for name, page in parsed.items():
        found = [element.attrs["id"] for element in page.root.iter() if "id" in element.attrs]
        ids[name] = set(found)
        problems += [f"{name}: id {i!r} is used {found.count(i)} times" for i in sorted(ids[name])
                     if found.count(i) > 1]
    for name, page in parsed.items():
        addresses = page.addresses()
        assert addresses, f"{name}: no links at all"
        for where, address, _ in addresses:
            if problem := _check_address(name, where, address, site, parsed, ids):
                problems.append(f"{name}: {problem}")
            elif not urlsplit(address).scheme and urldefrag(address)[0]:
                linked.add(urldefrag(address)[0])
    assert not problems, _report(problems)
    assert len(linked) > 50, f"only {len(linked)} files linked: {sorted(linked)}"
