"""The pages of the report site and the files they offer, rendered from Jinja2 templates into a staging folder.

One page per analysis (its chart, its tables with every number linked to its passage, its downloads), the index of
analyses, the data page with the dataset's downloads, the sources and the quality flags. Jinja2 escapes every value
it inserts, and markdown-it-py renders the notebooks' Markdown with raw HTML turned off, so no text from the data or
a notebook can become markup. :mod:`.site` decides whether to build and puts the staging folder in place.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup

from .. import config
from ..data.citation import data_date
from ..data.flags import FLAG_CODES
from . import chart_package, dataset, registers, releases, sqlite_charts, words_pages
from .inputs import FORMATS, Analysis, ReportError
from .provenance import Provenance
from .tables import Table, other_figures, read_tables

HERE = Path(__file__).parent
CITATION = config.ROOT / "CITATION.cff"
DATA_ZIP = "data/tip-norway-data.zip"
DATA_SQLITE = "data/tip-norway.sqlite"
_THUMBNAIL = (480, 300)
#: How the drawing of a chart made for a narrow screen is named, beside the chart: ``NAME.narrow.png``.
NARROW = ".narrow.png"


#: CommonMark with tables, raw HTML turned off (shown as text): one parser for every page.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


def _markdown(text: str, shift: int = 0) -> Markup:
    """Markdown as HTML, raw HTML escaped; headings moved ``shift`` levels down."""
    tokens = _PARSER.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
    return Markup(_PARSER.renderer.render(tokens, _PARSER.options, {}))


def _inline(text: str) -> Markup:
    """One line of Markdown (code spans, emphasis, links) as HTML, raw HTML escaped."""
    return Markup(_PARSER.renderInline(text))


def size(path: Path) -> str:
    """A file's size as a reader reads it: "912 bytes", "14.2 kB", "1.3 MB"."""
    count = Path(path).stat().st_size
    if count < 1000:
        return f"{count} bytes"
    return f"{count / 1000:.1f} kB" if count < 1_000_000 else f"{count / 1_000_000:.1f} MB"


def _shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) if value else "none"
    return "none" if value is None else str(value)


@functools.cache
def environment() -> jinja2.Environment:
    """The templates of ``templates/``, escaping every value, with the filters the pages use.

    One per process: each template is compiled once, and compiled again only when its file changes (Jinja2 checks).
    """
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(markdown=_markdown, inline=_inline, size=size, shown=_shown)
    return env


@dataclass(frozen=True)
class Citation:
    """How to cite the project (from CITATION.cff) and the date of its data."""

    title: str
    authors: str
    version: str
    data_date: str
    base_url: str

    def address(self, page: str) -> str:
        """The page's address: under the site's base address when one is given, else its file name in the site."""
        return f"{self.base_url.rstrip('/')}/{page}" if self.base_url else f"Report site, page {page}"

    def text(self, page: str) -> str:
        """The citation of ``page``."""
        return (f"{self.authors}. {self.title}, version {self.version}, data as of {self.data_date}. "
                f"{self.address(page)}")


def citation(data_dir: Path, base_url: str) -> Citation:
    """How to cite the site built for ``base_url``: from CITATION.cff, dated by the latest day a source was read."""
    cff = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    authors = "; ".join(a.get("name") or f"{a['family-names']}, {a['given-names']}" for a in cff["authors"])
    return Citation(cff["title"], authors, cff["version"], data_date(data_dir), base_url)


def _thumbnail(png: Path, target: Path) -> tuple[tuple[int, int], tuple[int, int]]:
    """Write ``png``'s thumbnail to ``target``; the sizes of the image and of its thumbnail."""
    from PIL import Image

    with Image.open(png) as image:
        full = image.size
        image.thumbnail(_THUMBNAIL)
        image.save(target, format="PNG")
        return full, image.size


def _size(png: Path) -> tuple[int, int]:
    """The width and height of an image, in pixels."""
    from PIL import Image

    with Image.open(png) as image:
        return image.size


def analysis_pages(analyses: list[Analysis], provenance: Provenance, stage: Path,
                   render) -> list[tuple[Analysis, list[Table]]]:
    """Each analysis's page, its chart's files and thumbnail, and the index of analyses, rendered into ``stage``.

    Returns each analysis with the tables its page shows, for the sources page to link each figure to its row.

    Raises:
        ReportError: Naming every figure id not in the data and every chart without provenance, before any page.
    """
    problems: list[str] = []
    pages = []
    for analysis in analyses:
        tables = read_tables(analysis.name, analysis.files["csv"], provenance, problems, analysis.facts)
        unknown = [i for i in analysis.facts["figure_ids"] if i not in provenance]
        problems.extend(f"{analysis.name}: {config.display(analysis.files['json'])} names figure id '{i}', which is "
                        "not in the data" for i in unknown)
        if not analysis.facts["figure_ids"] and not any(row.cards for table in tables for row in table.rows):
            json_file, csv_file = (config.display(analysis.files[s]) for s in ("json", "csv"))
            problems.append(f"{analysis.name}: a chart without provenance: neither {json_file} nor {csv_file} names "
                            "an id of the curated data")
        pages.append((analysis, tables))
    if problems:
        raise ReportError(problems)
    (stage / "figures").mkdir()
    (stage / "thumbs").mkdir()
    listed = []
    for index, (analysis, tables) in enumerate(pages):
        for path in analysis.files.values():
            shutil.copyfile(path, stage / "figures" / path.name)
        image, thumb = _thumbnail(analysis.files["png"], stage / "thumbs" / f"{analysis.name}.png")
        narrow = next(({"src": f"figures/{p.name}", "size": _size(p)} for p in analysis.files.values()
                       if p.name.endswith(NARROW)), None)
        others = [provenance.card(i) for i in other_figures(analysis.facts["figure_ids"], tables)]
        downloads = [{"href": f"figures/{p.name}", "label": FORMATS[suffix], "size": size(p),
                      "format": suffix.rsplit(".", 1)[-1].upper()} for suffix, p in analysis.files.items()]
        neighbours = {"previous": pages[index - 1][0] if index else None,
                      "next": pages[index + 1][0] if index + 1 < len(pages) else None}
        flagged = any(column.endswith("_flags") for table in tables for column in table.columns)
        render("analysis.html", analysis.page, analysis=analysis, tables=tables, others=others,
               downloads=downloads, image=image, narrow=narrow, flag_codes=FLAG_CODES if flagged else {},
               **neighbours)
        listed.append({"analysis": analysis, "thumb": thumb, "question": analysis.question})
    chart_package.write(stage / "figures", [stage / "figures" / a.files["csv"].name for a in analyses], CITATION)
    render("index.html", "index.html", listed=listed)
    return pages


def data_pages(data_dir: Path, stage: Path, render, provenance: Provenance,
               shown: list[tuple[Analysis, list[Table]]], cite: Citation) -> None:
    """The data page with the curated tables and their downloads, the sources, quality, methods, glossary and changes.

    ``shown`` is what :func:`analysis_pages` returns. The SQLite download holds the published charts' CSVs too; the
    sources page links each figure to where the analysis pages show it.
    """
    analyses = [analysis for analysis, _ in shown]
    (stage / "data").mkdir(exist_ok=True)
    resources = dataset.resources(data_dir)
    for resource in resources:
        target = stage / "data" / resource["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(data_dir) / resource["path"], target)
    shutil.copyfile(Path(data_dir) / "datapackage.json", stage / "data" / "datapackage.json")
    package = dataset.descriptor(data_dir)
    counts = dataset.write_sqlite(data_dir, stage / DATA_SQLITE, [a.files["csv"] for a in analyses])
    dataset.write_zip(data_dir, stage / DATA_ZIP, words_pages.zip_extras(package, counts, cite, CITATION))
    render("data.html", "data.html", package=package, resources=resources, counts=counts,
           charts=[(a, sqlite_charts.table_name(a.files["csv"])) for a in analyses],
           zip={"href": DATA_ZIP, "size": size(stage / DATA_ZIP)},
           sqlite={"href": DATA_SQLITE, "size": size(stage / DATA_SQLITE)},
           sizes={r["path"]: size(stage / "data" / r["path"]) for r in resources},
           refresh=releases.refresh_sentence(), glossary=words_pages.glossary_anchors(package, data_dir))
    places = registers.shown_at(shown)
    render("sources.html", "sources.html", groups=registers.by_producer(data_dir, provenance, places))
    render("quality.html", "quality.html", **registers.quality(data_dir))
    words_pages.render_all(render, package, data_dir, CITATION)
