"""What the report site is built from, read and checked before anything is written.

The published run's record (``output/published.json``) names, for each
notebook, its executed copy and the sha256 of the four files its chart wrote
into ``figures/`` (PNG, SVG, CSV of what is plotted, JSON of the facts stated).
Nothing is executed again: the site shows what that run computed. Every
problem found is collected, so that one failed build names them all.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import config
from ..data.digest import sha256
from ..data.published import Published, PublishedEntry
from ..data.records import RecordError, read_json
from ..parameters import declared_parameters
from ..steps import StepError, step

#: The files each chart writes beside it, in the order the downloads list them.
FORMATS = {"csv": "CSV, the data plotted", "json": "JSON, the facts stated", "png": "PNG image",
           "narrow.png": "PNG image for narrow screens", "svg": "SVG image"}


class ReportError(Exception):
    """The site cannot be built: every problem found, each naming the notebook or file and what is missing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Analysis:
    """One published analysis: its executed notebook and its chart's files."""

    name: str
    executed: Path
    files: dict[str, Path]
    facts: dict
    heading: str
    question: str
    intro: str
    notes: list[str] = field(default_factory=list)
    parameter_notes: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> dict:
        """The parameters it was published with that differ from its defaults (published with ``--publish``)."""
        return self.facts["changed"]

    @property
    def number(self) -> int:
        """The notebook's number: 1 for ``01_conviction_gap``."""
        return int(self.name[:2])

    @property
    def page(self) -> str:
        """The file name of its page in the site."""
        return f"{self.name}.html"


def _error_outputs(notebook) -> list[str]:
    """``cell 4: ValueError: ...`` for each error output the executed notebook holds."""
    found = []
    for index, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return found


def _words(notebook, name: str, notebooks: Path, problems: list[str]) -> tuple[str, str, str, list[str], dict]:
    """The step's heading and question, the notebook's intro and other Markdown cells, each parameter's meaning.

    The heading and question are the step's (:mod:`analysis.steps`); the intro is the notebook's first Markdown cell
    after its heading (the question, written there from the step by ``tip-norway normalize``, and what follows).
    """
    try:
        declared_step = step(name.partition("_")[2], notebooks=notebooks)
        heading, question = f"{declared_step.number}. {declared_step.title}", declared_step.question
    except StepError as error:
        problems.append(f"{name}: {error}")
        heading = question = ""
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    first = markdown[0] if markdown else ""
    intro = first.split("\n", 1)[1].strip() if first.startswith("# ") and "\n" in first else first
    # the closing heading introduces result.closing, which the page shows under its own heading
    notes = [text for text in markdown[1:] if text.strip().lower() != "## what this shows"]
    cell = next((c for c in notebook.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])),
                None)
    declared = (declared_parameters(cell.source) or {}) if cell is not None else {}
    return heading, question, intro, notes, {name: spec["help"] for name, spec in declared.items()}


def _chart_files(name: str, entry: PublishedEntry, figures: Path, problems: list[str]) -> dict[str, Path]:
    """The files of ``name``'s chart (:data:`FORMATS`), by suffix; a problem added for each missing or changed."""
    rerun = f"run `tip-norway run --force {name[:2]}`"
    files = {}
    for suffix in FORMATS:
        path = Path(figures) / f"{name}.{suffix}"
        files[suffix] = path
        written = entry.outputs.get(path.name)
        if not path.is_file():
            problems.append(f"{name}: the chart file {config.display(path)} is missing; {rerun}")
        elif written is None:
            problems.append(f"{name}: its published run wrote no {path.name}; {rerun}")
        elif sha256(path) != written:
            problems.append(f"{name}: {config.display(path)} is not the file its published run wrote (changed "
                            f"since); run `tip-norway run` to make it again")
    return files


def _read_analysis(name: str, entry: PublishedEntry, output: Path, figures: Path, notebooks: Path,
                   problems: list[str]) -> Analysis | None:
    """Check one published notebook and read it; None (its problems added) when something is missing."""
    rerun = f"run `tip-norway run --force {name[:2]}`"
    if entry.executed is None:
        problems.append(f"{name}: output/published.json does not name its executed notebook (published by an "
                        f"older version of the runner); {rerun}")
        return None
    executed = entry.executed_in(output, name)  # inside output/runs/: Published.read refused any other
    found = len(problems)
    if not executed.is_file():
        problems.append(f"{name}: the executed notebook {config.display(executed)} is missing; {rerun}")
    files = _chart_files(name, entry, figures, problems)
    if len(problems) > found:
        return None
    try:
        notebook = nbformat.read(executed, as_version=4)
    except (OSError, ValueError) as error:  # nbformat's NotJSONError and a failed validation are ValueErrors
        problems.append(f"{name}: the executed notebook {config.display(executed)} cannot be read "
                        f"({str(error).splitlines()[0][:200]}); {rerun}")
        return None
    errors = _error_outputs(notebook)
    problems.extend(f"{name}: the executed notebook {config.display(executed)} holds an error output, {error}"
                    for error in errors)
    try:
        facts = read_json(files["json"])  # the digest matched: what the run wrote, unless the run wrote it so
    except (OSError, RecordError) as error:
        problems.append(f"{name}: {error}; {rerun}")
        return None
    if not isinstance(facts, dict):
        problems.append(f"{name}: {config.display(files['json'])} holds no object of facts; {rerun}")
        return None
    for key in ("title", "figure_ids", "parameters", "changed", "source_line", "words"):
        if key not in facts:
            problems.append(f"{name}: {config.display(files['json'])} has no '{key}' (written by an older version); "
                            f"{rerun}")
    heading, question, intro, notes, meaning = _words(notebook, name, notebooks, problems)
    if errors or len(problems) > found:
        return None
    return Analysis(name=name, executed=executed, files=files, facts=facts, heading=heading, question=question,
                    intro=intro, notes=notes, parameter_notes=meaning)


def read_published(output: Path, figures: Path, notebooks: Path) -> list[Analysis]:
    """Every notebook of ``notebooks`` as its last published run left it, checked.

    Raises:
        ReportError: Naming each notebook not published, each missing executed
            notebook or chart file, each chart that differs from what its run
            wrote, each error output and each chart without provenance; or
            ``output/published.json`` and what is wrong with it (not JSON, not
            the record's schema, an executed notebook outside ``output/runs/``).
    """
    record = Path(output) / config.PUBLISHED_RECORD
    try:
        published = Published.read(output)
    except RecordError as error:
        raise ReportError([f"{error}; run `tip-norway run --force` to publish every notebook and write it "
                           "anew"]) from None
    if published is None:
        raise ReportError([f"nothing published yet: {config.display(record)} is missing; run `make run` "
                           "(tip-norway run) first"])
    entries = published.entries
    names = [p.stem for p in sorted(Path(notebooks).glob(config.NOTEBOOK_PATTERN))]
    problems = [f"{name}: never published (not in {config.display(record)}); run `tip-norway run`"
                for name in names if name not in entries]
    analyses = [_read_analysis(name, entries[name], output, figures, notebooks, problems)
                for name in names if name in entries]
    if problems:
        raise ReportError(problems)
    return [a for a in analyses if a is not None]


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as text, exactly as written."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
