"""The pages of words a reader needs beside the analyses: methods, glossary, changes and releases.

Each is rendered from the file that declares its content (see :mod:`.methods`, :mod:`.glossary`, :mod:`.releases`),
and the data zip's README and dictionary are generated here with the same facts (:mod:`.readme`).
"""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..data import flags, glotip, quality
from . import glossary, methods, readme, releases

LICENSE = config.ROOT / "LICENSE"
#: The files these pages are built from, beside the data and CITATION.cff: a change to any rebuilds the site. The
#: glossary's declarations in the data layer are among them.
INPUTS = (releases.CHANGELOG, releases.WORKFLOW, methods.INTERVALS, methods.DATA_NOTES, LICENSE,
          *(Path(module.__file__) for module in (glotip, quality, flags)))


def zip_extras(package: dict, counts: dict[str, int], cite, citation_path: Path) -> dict[str, bytes]:
    """The files the data zip carries about itself: README, data dictionary, licence and citation file."""
    licence = LICENSE.read_text(encoding="utf-8").split("\n", 1)[0].strip()  # its title: "MIT License"
    return {readme.README: readme.readme(package, counts, cite.text("data.html"), cite.data_date, licence).encode(),
            readme.DICTIONARY: readme.dictionary(package, counts).encode(),
            readme.LICENSE: LICENSE.read_bytes(), readme.CITATION: Path(citation_path).read_bytes()}


def glossary_anchors(package: dict, data_dir: Path) -> dict[str, str]:
    """Where the glossary explains each column's codes: ``{"figures.form": "codes-form", ...}``."""
    return {where: codes.anchor for codes in glossary.code_lists(package, data_dir) for where in codes.used_in}


def render_all(render, package: dict, data_dir: Path, citation_path: Path) -> None:
    """The methods, glossary and changes pages."""
    body, headings = methods.methods()
    render("methods.html", "methods.html", body=body, headings=headings)
    render("glossary.html", "glossary.html", lists=glossary.code_lists(package, data_dir))
    cff = releases.citation_file(citation_path)
    render("changelog.html", "changelog.html", changelog=releases.CHANGELOG.read_text(encoding="utf-8"),
           bibtex=releases.bibtex(cff), refresh=releases.refresh_sentence(), address=releases.address(cff))
