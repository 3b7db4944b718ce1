"""A real published run of every notebook, made once and shared by the report tests, and the site built from it.

The run is the one ``make run`` makes (``analysis.regenerate.run.run`` with the
defaults, into temporary ``output/`` and ``figures/`` folders): the site is built
from executed notebooks and charts, never from stand-ins. pytest-xdist may put
the report test files on different workers; the first to arrive makes the run
under a lock in the folder the workers share, the others wait and reuse it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

import pytest

from analysis.data import paths
from analysis.report import build


def _published_run(folder: Path) -> dict[str, Path]:
    from analysis.regenerate.run import run

    output, figures = folder / "output", folder / "figures"
    done = folder / "done"
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            manifest = run(output=output, figures=figures, say=lambda line: None)
            assert manifest["status"] == "succeeded", json.dumps(manifest, indent=1, default=str)[:3000]
            done.write_text("ok")
    return {"output": output, "figures": figures}


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> dict[str, Path]:
    """``{"output": ..., "figures": ...}`` of a real published run of the twelve notebooks (do not change them)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker's folder is in the session's, which they share
        shared = shared.parent
    return _published_run(shared / "report-published-run")


@pytest.fixture
def run_copy(published, tmp_path) -> dict[str, Path]:
    """A private copy of the published run, for a test that breaks or changes it."""
    copy = {name: tmp_path / name for name in published}
    for name, folder in published.items():
        shutil.copytree(folder, copy[name])
    record = copy["output"] / paths.PUBLISHED_RECORD
    return {**copy, "record": record}


@pytest.fixture(scope="session")
def site(published, tmp_path_factory) -> Path:
    """The site built from the published run (read only: a test that changes it builds its own)."""
    folder = tmp_path_factory.mktemp("report") / "site"
    assert build(output=published["output"], figures=published["figures"], site=folder, say=lambda line: None)
    return folder
