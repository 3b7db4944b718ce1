"""The record of a run: what went in, what came out, with which software, and whether it was published.

A chart in ``figures/`` can be traced to the run that made it: the manifest
holds the sha256 of every input (data files, notebooks and uv.lock, the
environment's lock) and of every chart
written, the versions of the libraries that computed them, and for each
notebook the parameters it ran with and which of them differ from its
defaults (the reason a run was not published).

A run's manifest is a :class:`RunRecord`, filled in as the run goes and written
as JSON by its methods alone: :meth:`RunRecord.write_incomplete` when the run
starts, :meth:`RunRecord.write` when it ends.
"""

from __future__ import annotations

import platform
from dataclasses import MISSING, asdict, dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .. import config
from ..data.digest import sha256
from ..data.records import write_json
from .execute import Outcome
from .notebooks import Notebook, defaults

#: Libraries whose versions a manifest records.
RECORDED_PACKAGES = ("tip-norway", "pandas", "numpy", "pandera", "matplotlib", "seaborn", "papermill", "nbclient",
                     "ipykernel")


def versions() -> dict[str, str]:
    """Python's version and those of :data:`RECORDED_PACKAGES` ("not installed" for a missing one)."""
    found = {"python": platform.python_version()}
    for package in RECORDED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def inputs(notebooks: list[Notebook], known: dict[str, str] | None = None) -> dict[str, str]:
    """The sha256 of the data package, the environment's lock, the raw and processed files, and the notebooks run.

    ``known`` holds digests already computed in this run, by displayed path, so no file is read twice.
    """
    known = known or {}
    files = [config.ENVIRONMENT_LOCK, *config.data_files(), *(nb.path for nb in notebooks)]
    return {config.display(p): known.get(config.display(p)) or sha256(p) for p in files if p.is_file()}


def outputs(staged: Path, nb: Notebook) -> dict[str, str]:
    """The sha256 of each chart file ``nb`` wrote to ``staged``, by file name."""
    return {p.name: sha256(p) for p in sorted(staged.iterdir()) if p.name.startswith(nb.figure_prefix)}


#: The status of a manifest written when a run or a sweep starts; the final manifest replaces it.
INCOMPLETE = "incomplete"


@dataclass
class NotebookEntry:
    """One notebook's part of a run's manifest: its parameters, how it went, where its executed copy and charts are."""

    name: str
    #: The values given for it, those it ran with (its defaults filled in), and those that differ from its defaults.
    parameters_given: dict
    parameters: dict
    parameters_changed: dict[str, dict]
    seconds: float
    #: succeeded, failed, or not started (a stop kept it from starting).
    status: str
    error: str | None
    executed: str
    #: The sha256 of each chart it wrote, by file name.
    outputs: dict[str, str]

    @classmethod
    def of(cls, nb: Notebook, outcome: Outcome, changes: dict[str, dict]) -> NotebookEntry:
        """The entry of ``nb``, run with ``outcome``, its parameters differing from its defaults by ``changes``."""
        status = "not started" if not outcome.started else "failed" if outcome.error else "succeeded"
        return cls(outcome.name, outcome.parameters, {**defaults(nb), **outcome.parameters}, changes,
                   round(outcome.seconds, 3), status, outcome.error, str(outcome.executed), outcome.outputs)


@dataclass
class RunRecord:
    """A run's manifest, written as JSON (:meth:`as_json`) in the order of these fields.

    The fields without a default are known when the run starts: they alone make the manifest a run killed midway
    leaves (:meth:`write_incomplete`). The rest record how it ended.
    """

    run_id: str
    started: str
    workers: int
    versions: dict[str, str]
    #: The sha256 of every input, by displayed path (:func:`inputs`).
    inputs: dict[str, str]
    #: The notebooks not run because their published charts are up to date, and why each of the others must run.
    reused: dict[str, str]
    stale: dict[str, str]
    #: The notebooks whose file cannot be read, each with why.
    unreadable: dict[str, str]
    #: How the kernels were started; None, and left out of the manifest, when none was.
    kernels: str | None = None
    finished: str | None = None
    seconds: float | None = None
    #: "succeeded", "failed", "stopped", "up to date", "not published" or "published, not cleaned up" (publishing
    #: failed); "incomplete" until it ends.
    status: str = INCOMPLETE
    published: bool = False
    figures_replaced: bool = False
    #: Where the run's charts are: figures/ when published, else the run folder's staging folder; None once a stop
    #: removed them.
    charts: str | None = None
    notebooks: list[NotebookEntry] = field(default_factory=list)
    #: Why publishing failed; None, and left out of the manifest, when it did not.
    error: str | None = None

    def ended(self, finished: str, seconds: float, status: str, charts: Path, notebooks: list[NotebookEntry]) -> None:
        """Record how the run ended, nothing published yet (:meth:`published_in` records that)."""
        self.finished, self.seconds, self.status = finished, seconds, status
        self.published = self.figures_replaced = False
        self.charts, self.notebooks = str(charts), notebooks

    def published_in(self, figures: Path) -> None:
        """Record that the charts were published into ``figures``."""
        self.published = self.figures_replaced = True
        self.charts = str(figures)

    def charts_removed(self) -> None:
        """Record that the staged charts were removed (a stopped run keeps none)."""
        self.charts = None

    def publishing_failed(self, error: Exception, in_place: bool) -> None:
        """Record that publishing failed with ``error``, the new charts already ``in_place`` or not."""
        self.status = "published, not cleaned up" if in_place else "not published"
        self.published = self.figures_replaced = in_place
        self.error = str(error)

    def as_json(self) -> dict:
        """The manifest as written: every field in order, ``kernels`` and ``error`` only when they say something."""
        written = asdict(self)
        for name in ("kernels", "error"):
            if written[name] is None:
                del written[name]
        return written

    def write(self, run_dir: Path, output: Path) -> None:
        """Write the manifest into the run folder and as ``output/latest.json``, each whole or not at all.

        Raises:
            RecordError: When either cannot be written, naming it and the cause (the other is as it was or new).
        """
        written = self.as_json()
        write_json(run_dir / "manifest.json", written)
        write_json(output / "latest.json", written)

    def write_incomplete(self, folder: Path) -> None:
        """Write ``folder/manifest.json`` holding what is known when the run starts, saying it has not finished."""
        known = {f.name for f in fields(self) if f.default is MISSING and f.default_factory is MISSING}
        write_incomplete({name: value for name, value in asdict(self).items() if name in known}, folder)


def write_incomplete(manifest: dict, folder: Path) -> None:
    """Write ``folder/manifest.json`` saying the run or sweep has started and not finished.

    The final manifest replaces it; a run or sweep killed midway (``kill -9``, a
    power cut) leaves this one, so its folder says it is incomplete.
    """
    marked = {**manifest, "status": INCOMPLETE,
              "note": "written when it started and replaced when it ends: if this is still here, it was "
                      "killed before it finished"}
    write_json(folder / "manifest.json", marked)
