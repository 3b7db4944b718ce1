"""The record of a run: what went in, what came out, with which software, and whether it was published.

A chart in ``figures/`` can be traced to the run that made it: the manifest
holds the sha256 of every input (data files, notebooks and uv.lock, the
environment's lock) and of every chart
written, the versions of the libraries that computed them, and for each
notebook the parameters it ran with and which of them differ from its
defaults (the reason a run was not published).
"""

from __future__ import annotations

import platform
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


def notebook_entry(nb: Notebook, outcome: Outcome, changes: dict[str, dict]) -> dict:
    """One notebook's part of the manifest."""
    return {
        "name": outcome.name,
        "parameters_given": outcome.parameters,
        "parameters": {**defaults(nb), **outcome.parameters},
        "parameters_changed": changes,
        "seconds": round(outcome.seconds, 3),
        "status": "not started" if not outcome.started else "failed" if outcome.error else "succeeded",
        "error": outcome.error,
        "executed": str(outcome.executed),
        "outputs": outcome.outputs,
    }


def write(manifest: dict, run_dir: Path, output: Path) -> None:
    """Write the manifest into the run folder and as ``output/latest.json``, each whole or not at all.

    Raises:
        RecordError: When either cannot be written, naming it and the cause (the other is as it was or new).
    """
    write_json(run_dir / "manifest.json", manifest)
    write_json(output / "latest.json", manifest)


#: The status of a manifest written when a run or a sweep starts; the final manifest replaces it.
INCOMPLETE = "incomplete"


def write_incomplete(manifest: dict, folder: Path) -> None:
    """Write ``folder/manifest.json`` saying the run or sweep has started and not finished.

    The final manifest replaces it; a run or sweep killed midway (``kill -9``, a
    power cut) leaves this one, so its folder says it is incomplete.
    """
    marked = {**manifest, "status": INCOMPLETE,
              "note": "written when it started and replaced when it ends: if this is still here, it was "
                      "killed before it finished"}
    write_json(folder / "manifest.json", marked)
