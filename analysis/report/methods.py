"""The methods page, built from the project's own documents: ``docs/intervals.md`` and the notes of ``docs/data.md``.

The documents are the one place the methods are written; the page renders them (raw HTML turned off, as every page
of the site) with each heading given a stable id, the slug GitHub gives it, so another page links a method as
``methods.html#<slug>``. Of ``docs/data.md``, the sections that explain the data to a reader are shown; the field
by field list is the data dictionary's (``data.html``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markupsafe import Markup

from .. import config
from ..analyses.derivation import slug
from .inputs import ReportError

DOCS = config.ROOT / "docs"
INTERVALS = DOCS / "intervals.md"
DATA_NOTES = DOCS / "data.md"
#: The sections of docs/data.md the methods page shows, by their heading.
DATA_SECTIONS = ("What the checks guarantee", "UNODC's GLOTIP data (releases 2023 and 2025)",
                 "Flags on UNODC's values (Eurostat's codes)", "World Bank population and consumer prices",
                 "Across editions and sources (TIP 2011-2025, KOM)")
#: A link between the two documents, pointed at the part of the page that holds the other one.
_LINKS = {"data.md": "#the-data-in-detail", "intervals.md": "#intervals-tests-and-what-they-assume"}
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class Heading:
    """One heading of the page: its level, its text and its id."""

    level: int
    text: str
    slug: str


def _sections(text: str, wanted: tuple[str, ...]) -> str:
    """The document's level-2 sections whose headings are ``wanted``, under its own title."""
    parts = re.split(r"(?m)^(?=## )", text)
    kept = [p for p in parts[1:] if p.splitlines()[0][3:].strip() in wanted]
    missing = set(wanted) - {p.splitlines()[0][3:].strip() for p in kept}
    if missing:
        raise ReportError([f"{config.display(DATA_NOTES)}: the methods page shows its sections {sorted(missing)}, "
                           "which it does not have"])
    return parts[0].split("\n", 1)[0] + "\n\n" + "".join(kept)


def _unique(text: str, taken: set[str]) -> str:
    """The slug of ``text``, numbered as GitHub numbers a repeated heading (``-1``, ``-2``...), and taken."""
    base = candidate = slug(text.replace("`", ""))
    number = 0
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    taken.add(candidate)
    return candidate


def _lead(tokens: list, index: int) -> str:
    """The bold words a paragraph opens with ("**Funnel plots** (12). ..."), or empty: such a paragraph is a topic."""
    if tokens[index].type != "paragraph_open" or tokens[index].level != 0:
        return ""
    children = [c for c in tokens[index + 1].children or [] if c.type != "text" or c.content]
    if len(children) > 2 and children[0].type == "strong_open" and children[1].type == "text":
        return children[1].content.rstrip(".")
    return ""


def render(documents: list[str], shift: int = 1) -> tuple[Markup, list[Heading]]:
    """The documents as HTML, headings ``shift`` levels down with unique ids; the headings in page order.

    A paragraph that opens with bold words (a topic within a section, such as "Funnel plots") gets the slug of
    those words as its id too, so a page can link the topic; it is not listed among the headings.
    """
    html, headings, taken = [], [], {"main", "cite-heading", "contents-heading"}
    for text in documents:
        tokens = _PARSER.parse(text)
        for index, token in enumerate(tokens):
            for link in (c for c in token.children or [] if c.type == "link_open" and c.attrs.get("href") in _LINKS):
                link.attrSet("href", _LINKS[str(link.attrs["href"])])
            if lead := _lead(tokens, index):
                token.attrSet("id", _unique(lead, taken))
            if token.type not in ("heading_open", "heading_close"):
                continue
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
            if token.type == "heading_open":
                words = tokens[index + 1].content.replace("`", "")
                token.attrSet("id", _unique(words, taken))
                headings.append(Heading(int(token.tag[1]), words, str(token.attrs["id"])))
        html.append(_PARSER.renderer.render(tokens, _PARSER.options, {}))
    return Markup(_scrolled("".join(html))), headings


def _scrolled(html: str) -> str:
    """Each table in a region of its own that scrolls sideways, named for the keyboard and screen readers."""
    parts = html.split("<table>")
    return parts[0] + "".join(f'<div class="scroll" role="region" aria-label="Table {number} of the methods" '
                              f'tabindex="0"><table>{part.replace("</table>", "</table></div>", 1)}'
                              for number, part in enumerate(parts[1:], start=1))


def methods() -> tuple[Markup, list[Heading]]:
    """The methods page's body and its headings: the intervals document, then the chosen notes on the data."""
    return render([INTERVALS.read_text(encoding="utf-8"),
                   _sections(DATA_NOTES.read_text(encoding="utf-8"), DATA_SECTIONS)])
