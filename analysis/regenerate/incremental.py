"""Which published charts are up to date, so that a run redoes only what an input changed.

A notebook's published charts are up to date when everything they were made
from is as it was at their last publishing run, and the chart files themselves
are still the ones that run wrote (:class:`analysis.data.uptodate.Made`). The
record is ``output/published.json``, one entry per notebook, written by every
publishing run whole or not at all and checked when read back
(:mod:`analysis.data.published`).

A notebook's inputs are every file that defines it (:func:`inputs`), as Our
World in Data's etl counts every file of a step, whatever its extension
(``DataStep._step_files``):

- its cells (their source; the outputs stored with them change no chart, and
  ``tip-norway refresh`` rewrites them) and its parameters;
- every file of the package named by its topic, in any layer and whatever its
  extension: for ``notebooks/NN_topic.ipynb``, ``analysis/analyses/topic.py``
  (its analysis), ``analysis/charts/topic.py`` (its drawing),
  ``analysis/analyses/words/topic.md`` (its words), and any other
  ``analysis/**/topic.*``;
- the shared code it runs (:func:`code_inputs`): the modules its cells
  import, its analysis and drawing, ``analysis.charts`` (whose ``show`` draws,
  finishes and saves the chart) and the runner (``analysis/regenerate/run.py``),
  with everything these import, followed through the source
  (:mod:`.package_modules`: relative and dynamic imports, imports inside
  functions, and every package ``__init__.py`` on the way), and the files
  other than Python beside a package it runs, which that package's code reads;
- the data it reads (:mod:`.data_inputs`): ``data/datapackage.json`` and the
  files of the tables its load reads: the curated core, and the parts its step's
  front matter names (:mod:`analysis.steps`; a test opens every file of the
  project a notebook's analysis and drawing open under an audit hook and checks
  each is among its inputs), with the tables they refer to by foreign key (an
  edit of the register can change what a figure means); the files of ``sources`` include every
  raw file, which the register pins by its sha256. A file under ``data/`` that
  belongs to no table counts for every notebook, and so does all of ``data/``
  for a notebook without an analysis of its name or whose cells import the data
  layer themselves: a data edit always leaves a notebook to run, and a run with
  one to run validates all the data before any kernel starts;
- the versions of the libraries a manifest records, and the files every
  notebook is made from (:func:`analysis.config.common_inputs`): the
  environment's lock (``uv.lock``, which pins the libraries the versions leave
  out) and ``CITATION.cff``, whose title, licence and address every chart
  carries.

Another notebook's topic is not followed: ``analysis/analyses/__init__.py``
and ``analysis/charts/__init__.py`` import every analysis and drawing only to
find them by notebook name, and a notebook's result reaches only its own
``analyse`` and ``draw``, so an edit of ``charts/series_funding.py`` or of
``words/series_funding.md`` reruns notebook 08 alone. An analysis importing a
shared module (``victim_counts``) is followed as any import.

A run says why a notebook is to run by the first input, by name, that differs
(:func:`analysis.data.uptodate.first_difference`): "analysis/charts/finish.py
changed", "... is new" (a file newly imported or read), "... is no longer among
its inputs", "its parameters changed".

jupyter-cache was considered and not used: it keys an executed notebook on its
code cells (and kernel), not on the files the code reads or the package it
imports, so after an edit of ``data/processed/figures.csv`` or of
``analysis/`` it would serve the old outputs as current.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

from .. import config
from ..data.published import Published, PublishedEntry
from ..data.records import RecordError
from ..data.uptodate import PARAMETERS, VERSION, digest, digests
from .data_inputs import data_inputs
from .manifest import versions
from .notebooks import Notebook, cells
from .package_modules import Module, analysis_module, cell_imports, package_modules

RECORD = config.PUBLISHED_RECORD
#: The code that runs a notebook and collects its charts: an input of every notebook.
RUNNER = "analysis.regenerate.run"


def shared_inputs() -> dict[str, str]:
    """Every file a notebook may be made from, with its digest.

    The files every notebook is made from (the environment's lock, CITATION.cff), the data package, raw and processed
    files, the package's source; and the library versions. :func:`inputs` picks each notebook's own from these.
    """
    files = [*config.common_inputs(), *config.data_files(), *package_files(config.ROOT)]
    found = digests(p for p in files if p.is_file())
    found.update({f"{VERSION}{name}": number for name, number in versions().items()})
    return found


def package_files(root: Path) -> list[Path]:
    """Every file of the package under ``root``, whatever its extension, but the byte code Python caches."""
    return sorted(p for p in (root / "analysis").rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _followed(roots: set[str], modules: dict[str, Module], others: set[str]) -> set[str]:
    """The modules ``roots`` run: each with what it imports and the packages on the way, to the end.

    A package ``__init__`` that imports ``others`` (other notebooks' analyses and drawings) only to find them by
    name is not followed into them.
    """
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in modules:
            continue  # done already, or not a module of the package
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # the packages on the way
        dispatches = modules[name].path.name == "__init__.py"
        todo += [m for m in modules[name].imports if not (dispatches and m in others)]
    return seen


def code_inputs(nb: Notebook, shared: dict[str, str], stored: list[dict] | None = None) -> set[str]:
    """The files of the package that define ``nb``, as displayed paths (see the module's description).

    ``shared`` as :func:`shared_inputs` gives it, ``stored`` the notebook's cells when they have been read already.
    """
    package = {k for k in shared if k.startswith("analysis/")}
    modules = package_modules(shared)
    imported = cell_imports(cells(nb.path) if stored is None else stored, set(modules))
    if imported is None:  # what it imports cannot be told: all of it
        return package
    topic = nb.name.partition("_")[2]
    own = analysis_module(nb.name, modules)
    other_topics = {name.rpartition(".")[2] for name, m in modules.items() if m.analysis} - {topic}
    roots = {*imported, RUNNER}
    if own is not None:
        roots |= {f"analysis.analyses.{topic}", f"analysis.charts.{topic}", "analysis.charts"}
    others = {f"analysis.{layer}.{other}" for other in other_topics for layer in ("analyses", "charts")}
    run = _followed(roots, modules, others)
    folders = {config.display(modules[name].path.parent) for name in run if modules[name].path.name == "__init__.py"}
    beside = {k for k in package if (p := PurePosixPath(k)).suffix != ".py" and str(p.parent) in folders
              and p.stem not in other_topics}
    named = {k for k in package if PurePosixPath(k).stem == topic}
    return {modules[name].shown for name in run} | beside | named


def inputs(nb: Notebook, parameters: dict, shared: dict[str, str]) -> dict[str, str]:
    """Everything ``nb``'s charts are made from, with a digest (or version) each.

    Its cells and parameters, its code and data inputs picked from ``shared`` (:func:`shared_inputs`; "missing" for a
    file it names that is not there), and the library versions.
    """
    stored = cells(nb.path)
    sources = [(c["cell_type"], c["source"]) for c in stored]
    files = code_inputs(nb, shared, stored) | data_inputs(nb, shared, stored)
    picked = {file: shared.get(file, "missing") for file in files}
    common = {config.display(p) for p in config.common_inputs()}  # inputs of every notebook
    picked.update({k: v for k, v in shared.items() if k.startswith(VERSION) or k in common})
    return {**picked, config.display(nb.path): digest(sources), PARAMETERS: digest(parameters)}


def read_record(output: Path, say: Callable[[str], None] | None = None) -> Published:
    """The last publishing run's entry of each notebook; empty when there is none.

    A record that is damaged (truncated, not JSON, not the record's schema) counts as none, said through ``say``:
    every notebook selected runs again and the run writes the record anew, so no one has to delete it by hand.

    Raises:
        RecordError: When the file is there but cannot be read (a folder, an I/O error): writing it would fail too.
    """
    try:
        return Published.read(output) or Published()
    except RecordError as error:
        if not error.damaged:
            raise
        if say is not None:
            say(f"{error}: it counts as no record, so the notebooks run again and the run writes it anew")
        return Published()


def why_stale(name: str, current: dict[str, str], record: Published, figures: Path) -> str | None:
    """Why ``name``'s published charts must be made again, or None when they are up to date."""
    entry = record.entries.get(name)
    if entry is None:
        return "no publishing run recorded"
    return entry.why_stale(current, figures)


def write_record(output: Path, record: Published, published: dict[str, dict]) -> None:
    """Add the entries of the notebooks a run just published, writing the record whole or not at all.

    Each is ``{name: {"inputs": ..., "outputs": ..., "executed": "runs/<run id>/<name>.ipynb"}}``.

    Raises:
        RecordError: When ``output/published.json`` cannot be written (it is then as it was).
    """
    record.merged({name: PublishedEntry(**entry) for name, entry in published.items()}).write(output)
