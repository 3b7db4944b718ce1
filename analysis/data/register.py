"""The source register and the reading of one curated table on its own.

Every load (:mod:`analysis.data.loader`) and every extraction from the raw files (:mod:`analysis.data.glotip`,
:mod:`analysis.data.world_bank`) starts from the register, checked against the raw files it names. It lives here,
below all of them, so that an extraction needs the register without needing the loader that checks its output.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from .checks import check_raw_files
from .errors import DataError
from .schema import read_table, resource


def table_file(name: str, data_dir: Path) -> str:
    """The file of the table ``name`` in ``data_dir``, as messages name it."""
    return config.display(Path(data_dir) / resource(name, data_dir)["path"])


def load_sources(data_dir: Path = config.DATA) -> pd.DataFrame:
    """The source register, with every registered raw file checked against its sha256."""
    sources = read_table("sources", data_dir)
    problems, _ = check_raw_files(sources, Path(data_dir) / "raw", table_file("sources", data_dir))
    if problems:
        raise DataError(problems)
    return sources


def load_metrics(data_dir: Path = config.DATA) -> pd.DataFrame:
    """The metric codebook: allowed (metric, unit) pairs and what they mean."""
    return read_table("metrics", data_dir)
