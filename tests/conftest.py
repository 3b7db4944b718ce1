"""Shared fixtures: a private copy of the data folder that a test may break."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from analysis.charts.save import FIGURES_DIR_ENV
from analysis.data import paths


def pytest_configure(config):
    # Kernels started by nbval inherit this, so checking the notebooks never rewrites figures/.
    os.environ[FIGURES_DIR_ENV] = tempfile.mkdtemp(prefix="tip-norway-nbval-figures-")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (descriptor, raw and processed) in a temporary folder."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA, target)
    return target


def edit_csv(path: Path, row_id: str, column: str, value: str) -> int:
    """Set one cell of a curated CSV, found by the row's first column; return its line number."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):  # noqa: B007 - number is returned
        if row[0] == row_id:
            row[header.index(column)] = value
            break
    else:
        raise KeyError(row_id)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return number


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """Empty notebooks/, output/ and figures/ folders for a run of tiny notebooks."""
    out = {name: tmp_path / name for name in ("notebooks", "output", "figures")}
    for folder in out.values():
        folder.mkdir()
    return out
