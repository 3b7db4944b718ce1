"""Build the report site: plain HTML pages, rendered from Jinja2 templates, with the files they offer.

Why not nbconvert or Sphinx: each analysis page is assembled from several
files (the executed notebook's words, the chart's four files, the curated data
behind every number), and what makes it worth reading is a table whose numbers
link to their passages, which neither builds from a notebook's stored outputs.
nbconvert's HTML puts a pandas table without caption or header scope and an
image without alt text, and loads scripts from a CDN; Sphinx with myst-nb
works offline but adds a search index, JavaScript and seconds of build time.
Jinja2 (already the engine of the analyses' words) escapes every value it
inserts, and markdown-it-py renders the notebooks' Markdown with raw HTML
turned off, so no text from the data or a notebook can become markup.

The site is built into a staging folder beside it (of a name of its own, so two
builds at once never share one) and put in place with two renames at the end, so
a failed build leaves the last good site: any error of the file system (a
read-only or immutable folder, a full disk, a site folder that is a mount point
and cannot be renamed) is raised as one line naming the folder and the cause
(:class:`~analysis.data.records.RecordError`), with the staging folder removed
and the last good site as it was. Its pages
show the date of the data (the latest day a source was read), never the
clock's, and a build whose inputs have not changed since the last one writes
nothing.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup

from .. import config
from ..data.digest import sha256
from ..data.flags import FLAG_CODES
from ..data.records import RecordError, SiteRecord, cause
from . import dataset
from .inputs import FORMATS, Analysis, ReportError, read_csv, read_published
from .provenance import Provenance
from .tables import other_figures, read_tables

HERE = Path(__file__).parent
CITATION = config.ROOT / "CITATION.cff"
#: The record of what a build read, kept in the site: an unchanged record means nothing to redo.
RECORD = SiteRecord.NAME
DATA_ZIP = "data/tip-norway-data.zip"
DATA_SQLITE = "data/tip-norway.sqlite"
_THUMBNAIL = (480, 300)


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


def _environment() -> jinja2.Environment:
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


def _citation(data_dir: Path, base_url: str) -> Citation:
    cff = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    authors = "; ".join(a.get("name") or f"{a['family-names']}, {a['given-names']}" for a in cff["authors"])
    accessed = [row["date_accessed"] for row in read_csv(Path(data_dir) / "raw" / "sources.csv")]
    return Citation(cff["title"], authors, cff["version"], max(accessed), base_url)


def _inputs(analyses: list[Analysis], output: Path, data_dir: Path, base_url: str) -> dict[str, str]:
    """The sha256 of every file the site is built from, and the base address it is built for.

    The chart files are not hashed again: :func:`.inputs.read_published` found each equal to the digest the
    published record holds, and the record is hashed here.
    """
    files = [Path(output) / config.PUBLISHED_RECORD, CITATION, Path(data_dir) / "datapackage.json",
             *(Path(data_dir) / r["path"] for r in dataset.resources(data_dir)),
             *(a.executed for a in analyses),
             *sorted(p for p in HERE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)]
    found = {config.display(p): sha256(p) for p in files}
    return {"base_url": base_url, "tip-norway": version("tip-norway"), **found}


def _up_to_date(site: Path, inputs: dict[str, str]) -> bool:
    """Whether ``site`` was built from ``inputs`` and holds every file that build wrote, unchanged.

    The record is a cache: one that is missing, damaged or unreadable only means the site is built again.
    """
    kept = SiteRecord.read(site)
    if kept is None or kept.inputs != inputs:
        return False
    try:
        return all((site / name).is_file() and sha256(site / name) == digest for name, digest in kept.files.items())
    except OSError:
        return False


def _thumbnail(png: Path, target: Path) -> tuple[tuple[int, int], tuple[int, int]]:
    """Write ``png``'s thumbnail to ``target``; the sizes of the image and of its thumbnail."""
    from PIL import Image

    with Image.open(png) as image:
        full = image.size
        image.thumbnail(_THUMBNAIL)
        image.save(target, format="PNG")
        return full, image.size


def _analysis_pages(analyses: list[Analysis], provenance: Provenance, stage: Path, render) -> None:
    problems: list[str] = []
    pages = []
    for analysis in analyses:
        tables = read_tables(analysis.name, analysis.files["csv"], provenance, problems)
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
        others = [provenance.card(i) for i in other_figures(analysis.facts["figure_ids"], tables)]
        downloads = [{"href": f"figures/{p.name}", "label": FORMATS[suffix], "format": suffix.upper(),
                      "size": size(p)} for suffix, p in analysis.files.items()]
        neighbours = {"previous": pages[index - 1][0] if index else None,
                      "next": pages[index + 1][0] if index + 1 < len(pages) else None}
        flagged = any(column.endswith("_flags") for table in tables for column in table.columns)
        render("analysis.html", analysis.page, analysis=analysis, tables=tables, others=others,
               downloads=downloads, image=image, flag_codes=FLAG_CODES if flagged else {}, **neighbours)
        question = next((p for p in analysis.question.split("\n\n") if "**Question.**" in p), "")
        listed.append({"analysis": analysis, "thumb": thumb, "question": question.replace("**Question.**", "")})
    render("index.html", "index.html", listed=listed)


def _data_pages(data_dir: Path, stage: Path, render, provenance: Provenance) -> None:
    (stage / "data").mkdir(exist_ok=True)
    resources = dataset.resources(data_dir)
    for resource in resources:
        target = stage / "data" / resource["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(data_dir) / resource["path"], target)
    shutil.copyfile(Path(data_dir) / "datapackage.json", stage / "data" / "datapackage.json")
    dataset.write_zip(data_dir, stage / DATA_ZIP)
    counts = dataset.write_sqlite(data_dir, stage / DATA_SQLITE)
    render("data.html", "data.html", package=dataset.descriptor(data_dir), resources=resources, counts=counts,
           zip={"href": DATA_ZIP, "size": size(stage / DATA_ZIP)},
           sqlite={"href": DATA_SQLITE, "size": size(stage / DATA_SQLITE)},
           sizes={r["path"]: size(stage / "data" / r["path"]) for r in resources})
    render("sources.html", "sources.html", sources=list(provenance.sources.values()),
           used=provenance.per_source("figure"))
    flags_path = Path(data_dir) / "processed" / "glotip_flags.csv"
    flags = read_csv(flags_path) if flags_path.is_file() else []
    by_check: dict[str, list] = {}
    for flag in flags:
        by_check.setdefault(flag["check"], []).append({**flag, "card": provenance.card(flag["id"])})
    render("quality.html", "quality.html", by_check=by_check)


def _write_all(analyses: list[Analysis], data_dir: Path, stage: Path, cite: Citation, inputs: dict) -> None:
    env = _environment()
    written: list[str] = []
    nav = [("index.html", "Analyses"), ("data.html", "Data"), ("sources.html", "Sources"),
           ("quality.html", "Quality flags")]

    def render(template: str, page: str, **values) -> None:
        html = env.get_template(template).render(page=page, nav=nav, cite=cite, **values)
        (stage / page).write_text(html, encoding="utf-8")
        written.append(page)

    provenance = Provenance(data_dir)
    _analysis_pages(analyses, provenance, stage, render)
    _data_pages(data_dir, stage, render, provenance)
    shutil.copyfile(HERE / "static" / "style.css", stage / "style.css")
    shutil.copyfile(CITATION, stage / "CITATION.cff")
    (stage / ".nojekyll").write_bytes(b"")
    files = {p.relative_to(stage).as_posix(): sha256(p) for p in sorted(stage.rglob("*")) if p.is_file()}
    SiteRecord(inputs, files).write(stage)


def _replace(stage: Path, site: Path, say: Callable[[str], None]) -> None:
    """Put ``stage`` in the place of ``site`` with two renames; the old site is removed after.

    A failure of either rename leaves ``site`` as it was (the first moved back if the second fails) and is raised.
    """
    old = stage.with_name(f"{stage.name}.old")  # as unique as the staging folder
    if site.exists():
        site.rename(old)
    try:
        stage.rename(site)
    except OSError:
        if old.exists():
            old.rename(site)
        raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
        if old.exists():
            say(f"the previous site could not be removed entirely: {config.display(old)} is left; remove it by hand")


def _why(error: OSError, site: Path, stage: Path | None) -> str:
    """The cause of a failed build, as a message says it.

    A site folder that is a mount point is named as such; an error that names no file (a write that met a full disk)
    names the staging folder it was writing into.
    """
    with contextlib.suppress(OSError):
        if error.filename and Path(error.filename) == site and site.is_mount():
            return (f"{config.display(site)} is a mount point, which cannot be replaced by a rename "
                    f"({error.strerror}); mount the folder above it, or give --site-dir a folder inside it")
    if not error.filename and stage is not None:
        return f"{error.strerror or error} (writing into {config.display(stage)})"
    return cause(error)


def build(*, output: Path = config.OUTPUT, figures: Path = config.FIGURES, notebooks: Path = config.NOTEBOOKS,
          data_dir: Path = config.DATA, site: Path | None = None, base_url: str = "",
          say: Callable[[str], None] = print) -> bool:
    """Build the report site from the last published run; False when it was up to date and nothing was written.

    Args:
        output: Where the runs are (``output/``): ``published.json`` and the executed notebooks.
        figures: The published charts.
        notebooks: The notebooks the site must show (every numbered one).
        data_dir: The curated data.
        site: Where the site goes (default ``output/site/``).
        base_url: The address the site is published at, for the citations; empty for none.
        say: Where progress lines go.

    Raises:
        ReportError: Naming every notebook or file that is missing, changed or
            without provenance; the last good site is left as it was.
        RecordError: In one line, when the file system refuses (read-only,
            immutable, full, a mount point); the last good site is left as it was.
    """
    started = time.perf_counter()
    site = Path(site) if site is not None else Path(output) / "site"
    analyses = read_published(output, figures, notebooks)
    kept = (f"the last good site in {config.display(site)} is left as it was" if site.exists()
            else "no site written")
    stage = None
    try:
        inputs = _inputs(analyses, output, data_dir, base_url)
        if _up_to_date(site, inputs):
            say(f"{config.display(site)} is up to date: nothing it is built from has changed")
            return False
        site.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=site.parent, prefix=f".{site.name}.", suffix=".new"))
        stage.chmod(0o755)  # mkdtemp's folder is private; the site is for anyone to read
        _write_all(analyses, data_dir, stage, _citation(data_dir, base_url), inputs)
        _replace(stage, site, say)
    except OSError as error:
        raise RecordError(f"could not build the site in {config.display(site)}: {_why(error, site, stage)}; {kept}",
                          site) from None
    except sqlite3.Error as error:  # a full disk while the SQLite download is written
        raise RecordError(f"could not build the site in {config.display(site)}: {error} (writing {DATA_SQLITE}); "
                          f"{kept}", site) from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    files = [p for p in site.rglob("*") if p.is_file()]
    pages = sum(p.suffix == ".html" for p in files)
    megabytes = sum(p.stat().st_size for p in files) / 1_000_000
    say(f"built {config.display(site)}: {pages} pages, {len(files)} files, {megabytes:.1f} MB, in "
        f"{time.perf_counter() - started:.1f} s")
    return True
