"""Which published charts are up to date, so that a run redoes only what an input changed.

A notebook's published charts are up to date when everything they were made
from is as it was at their last publishing run: the notebook's cells (their
source; the outputs stored with them change no chart, and ``tip-norway
refresh`` rewrites them), its parameters, every data and raw file, the package's own source, the
versions of the libraries a manifest records and the environment's lock (uv.lock); and the chart files themselves
are still the ones that run wrote. The record is ``output/published.json``,
one entry per notebook, written by every publishing run.

jupyter-cache was considered and not used: it keys an executed notebook on its
code cells (and kernel), not on the files the code reads or the package it
imports, so after an edit of ``data/processed/figures.csv`` or of
``analysis/`` it would serve the old outputs as current.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..data import paths
from ..data.digest import sha256
from .manifest import versions
from .notebooks import Notebook, cells

RECORD = "published.json"


def shared_inputs() -> dict[str, str]:
    """What every notebook is made from: the data package, raw and processed files, the package source, library versions,
    and the environment's lock (which pins libraries the versions leave out, scipy and pillow among them)."""
    files = [paths.ENVIRONMENT_LOCK, *paths.data_files(), *sorted((paths.ROOT / "analysis").rglob("*.py"))]
    found = {paths.display(p): sha256(p) for p in files if p.is_file()}
    found.update({f"version of {name}": number for name, number in versions().items()})
    return found


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def inputs(nb: Notebook, parameters: dict, shared: dict[str, str]) -> dict[str, str]:
    """Everything ``nb``'s charts are made from, with a digest (or version) each."""
    sources = [(c["cell_type"], c["source"]) for c in cells(nb.path)]
    return {**shared, paths.display(nb.path): _digest(sources), "parameters": _digest(parameters)}


def read_record(output: Path) -> dict:
    """The last publishing run's entry of each notebook; empty when there is none (or it cannot be read)."""
    try:
        return json.loads((Path(output) / RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def why_stale(name: str, current: dict[str, str], record: dict, figures: Path) -> str | None:
    """Why ``name``'s published charts must be made again, or None when they are up to date."""
    entry = record.get(name)
    if entry is None:
        return "no publishing run recorded"
    before = entry["inputs"]
    for key in sorted(set(before) | set(current)):
        if key not in before:
            return f"{key} is new"
        if key not in current:
            return f"{key} is gone"
        if before[key] != current[key]:
            if key.startswith("version of "):
                return f"{key[len('version of '):]} {before[key]} -> {current[key]}"
            return "its parameters changed" if key == "parameters" else f"{key} changed"
    for file, digest in entry["outputs"].items():
        path = Path(figures) / file
        if not path.is_file():
            return f"{paths.display(path)} is missing"
        if sha256(path) != digest:
            return f"{paths.display(path)} was changed by hand"
    return None


def write_record(output: Path, record: dict, published: dict[str, dict]) -> None:
    """Add the entries of the notebooks a run just published (``{name: {"inputs": ..., "outputs": ...}}``)."""
    merged = {**record, **published}
    (Path(output) / RECORD).write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", encoding="utf-8")
