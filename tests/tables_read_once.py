"""The loader's reading of a curated table, done once per test process for the same bytes that passed.

The tests of bad input load a copy of data/ in which one file is broken; every other table of the copy holds the
committed bytes, and reading and checking them again (GLOTIP's counts above all: a tenth of a second) proves nothing
the first reading did not. What :func:`~analysis.data.schema.read_table_with_problems` gives depends on the table's
file and the package's descriptor alone, byte for byte: both are the key here. Only a reading that found no problem
is kept, so every message about a broken table, and the path it names, comes from reading that table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.data import DataError, schema

Read = Callable[..., tuple[pd.DataFrame | None, list]]


def read_once(read: Read) -> Read:
    """``read`` (``read_table_with_problems``), giving a copy of the table it read before from the same bytes."""
    kept: dict[tuple, pd.DataFrame] = {}

    def key(name: str, data_dir: Path, validate: bool) -> tuple | None:
        try:
            path = Path(data_dir) / schema.resource(name, data_dir)["path"]
            return name, validate, (Path(data_dir) / "datapackage.json").read_bytes(), path.read_bytes()
        except (OSError, KeyError, DataError):
            return None  # nothing to read: the reading says why

    def once(name: str, data_dir: Path = config.DATA, validate: bool = True):
        before = key(name, data_dir, validate)
        if before is None or before not in kept:
            table, problems = read(name, data_dir, validate=validate)
            if before is None or table is None or problems or key(name, data_dir, validate) != before:
                return table, problems  # a broken table, or one written while it was read, is read every time
            kept[before] = table
        return kept[before].copy(deep=True), []

    return once
