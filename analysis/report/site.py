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
clock's (:mod:`.pages` renders them). A build whose inputs have not changed
since the last one, and whose files are still those it wrote, writes nothing:
its record (``.inputs.json``, :class:`~analysis.data.published.SiteRecord`) is
judged as every record of what is up to date (:mod:`analysis.data.uptodate`).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from .. import config
from ..data.published import SiteRecord
from ..data.records import RecordError, cause
from ..data.uptodate import digests
from . import dataset
from .inputs import Analysis, read_published
from .pages import CITATION, DATA_SQLITE, HERE, Citation, analysis_pages, citation, data_pages, environment
from .provenance import Provenance
from .words_pages import INPUTS

#: The record of what a build read, kept in the site: an unchanged record means nothing to redo.
RECORD = SiteRecord.NAME


def _inputs(analyses: list[Analysis], output: Path, data_dir: Path, base_url: str) -> dict[str, str]:
    """The sha256 of every file the site is built from, and the base address it is built for.

    The chart files are not hashed again: :func:`.inputs.read_published` found each equal to the digest the
    published record holds, and the record is hashed here.
    """
    files = [Path(output) / config.PUBLISHED_RECORD, CITATION, *INPUTS, Path(data_dir) / "datapackage.json",
             *(Path(data_dir) / r["path"] for r in dataset.resources(data_dir)),
             *(a.executed for a in analyses),
             *sorted(p for p in HERE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)]
    return {"base_url": base_url, "tip-norway": version("tip-norway"), **digests(files)}


def _up_to_date(site: Path, inputs: dict[str, str]) -> bool:
    """Whether ``site`` was built from ``inputs`` and holds every file that build wrote, unchanged.

    The record is a cache: one that is missing, damaged or unreadable only means the site is built again.
    """
    kept = SiteRecord.read(site)
    try:
        return kept is not None and kept.why_stale(inputs, site) is None
    except OSError:
        return False


def _write_all(analyses: list[Analysis], data_dir: Path, stage: Path, cite: Citation, inputs: dict) -> None:
    """Every page and file of the site into ``stage``, and last the record of what it was built from."""
    env = environment()
    written: list[str] = []
    nav = [("index.html", "Analyses"), ("data.html", "Data"), ("sources.html", "Sources"),
           ("quality.html", "Quality flags"), ("methods.html", "Methods"), ("glossary.html", "Glossary"),
           ("changelog.html", "Changes")]

    def render(template: str, page: str, **values) -> None:
        html = env.get_template(template).render(page=page, nav=nav, cite=cite, **values)
        (stage / page).write_text(html, encoding="utf-8")
        written.append(page)

    provenance = Provenance(data_dir)
    shown = analysis_pages(analyses, provenance, stage, render)
    data_pages(data_dir, stage, render, provenance, shown, cite)
    shutil.copyfile(HERE / "static" / "style.css", stage / "style.css")
    shutil.copyfile(CITATION, stage / "CITATION.cff")
    (stage / ".nojekyll").write_bytes(b"")
    files = digests(sorted(p for p in stage.rglob("*") if p.is_file()), stage)
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
        _write_all(analyses, data_dir, stage, citation(data_dir, base_url), inputs)
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
