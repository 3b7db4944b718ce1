"""The report site's pages read with the standard library's HTML parser, for the tests that need no browser.

A page is parsed into a small tree of :class:`Element` (tag, attributes, children), enough to answer what a reader's
browser would be asked: the h1s, the ids, every address the page loads or links to, its figure, its download list.
The parser also records the tags left open or closed without being opened, so that a page whose structure a browser
would have to guess at is found. Nothing here is a test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

#: Elements that have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Attributes whose address a browser fetches as it shows the page (``srcset`` is handled apart), by element.
LOADED = {"src": {"img", "script", "iframe", "source", "audio", "video", "embed", "input", "track"},
          "href": {"link"}, "poster": {"video"}, "data": {"object"}, "action": {"form"}, "formaction": {"button"}}
#: Attributes whose address a reader follows (a link), by element.
FOLLOWED = {"href": {"a", "area"}}
#: ``url(...)`` and ``@import "..."`` in a style sheet or a style attribute.
CSS_ADDRESS = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""")


@dataclass
class Element:
    """One element of a page: its tag, its attributes, and its children (elements and text, in order)."""

    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        """The names in its ``class`` attribute."""
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """Its text as a reader reads it: the text of all it holds, runs of white space made one space."""
        parts = [child if isinstance(child, str) else child.text() for child in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self) -> Iterator[Element]:
        """Itself and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Element]:
        """The elements inside it (itself included) of ``tag`` and with class ``cls``; any when None."""
        return [e for e in self.iter() if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)]


@dataclass
class Page:
    """A parsed page: its tree, and what its markup leaves for a browser to guess (tags never closed or opened)."""

    name: str
    root: Element
    unclosed: list[str]
    stray: list[str]

    def addresses(self) -> list[tuple[str, str, bool]]:
        """Every address the page names: ``(where, address, loaded)``, ``loaded`` False for a link a reader follows.

        ``where`` says where it stands (``<img src>``, ``<a href>``, ``style`` ...), for a failure message.
        """
        found = []
        for element in self.root.iter():
            for attribute, value in element.attrs.items():
                if element.tag in LOADED.get(attribute, ()):
                    found.append((f"<{element.tag} {attribute}>", value, True))
                elif element.tag in FOLLOWED.get(attribute, ()):
                    found.append((f"<{element.tag} {attribute}>", value, False))
                elif attribute in ("srcset", "imagesrcset"):
                    found += [(f"<{element.tag} {attribute}>", candidate.split()[0], True)
                              for candidate in value.split(",") if candidate.strip()]
                elif attribute == "style":
                    found += [(f"<{element.tag} style>", url, True) for url in css_addresses(value)]
            if element.tag == "style":
                found += [("<style>", url, True) for url in css_addresses(element.text())]
        return found


def css_addresses(css: str) -> list[str]:
    """The addresses a style sheet's ``url()`` and ``@import`` name."""
    return [match.group(2) if match.group(4) is None else match.group(4) for match in CSS_ADDRESS.finditer(css)]


class _TreeBuilder(HTMLParser):
    """Builds the :class:`Element` tree of one page; character references are turned back into characters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]
        self.stray: list[str] = []
        self.unclosed: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                self.unclosed += [element.tag for element in self.open[depth + 1:]]  # closed by their parent's end
                del self.open[depth:]
                return
        self.stray.append(tag)

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(path: Path, name: str) -> Page:
    """The page at ``path``, named ``name`` in failure messages."""
    builder = _TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return Page(name, builder.root, builder.unclosed + [element.tag for element in builder.open[1:]], builder.stray)


def pages(site: Path) -> dict[str, Page]:
    """Every HTML page of the site, parsed, by its path relative to the site."""
    return {path.relative_to(site).as_posix(): parse(path, path.relative_to(site).as_posix())
            for path in sorted(site.rglob("*.html"))}
