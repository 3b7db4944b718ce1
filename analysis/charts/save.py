"""Where charts go, and byte-stable writing of a chart with the table it plots and the facts it states.

PNG and SVG are written without dates or software versions and with a fixed
SVG hash salt (set by the theme), so two runs on one machine give identical bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..data import paths

FIGURES_DIR_ENV = paths.FIGURES_DIR_ENV
EXPLORATORY = paths.EXPLORATORY
figures_dir = paths.figures_dir


#: The largest whole number a float holds exactly: a column of whole numbers below it is written as integers.
_EXACT_INTEGERS = 2**53


def _whole(column: pd.Series) -> bool:
    """Whether a float column holds only whole numbers (missing cells aside) that a float holds exactly."""
    given = column.dropna().to_numpy(dtype=float)
    return bool(np.isfinite(given).all() and (given == np.round(given)).all() and (abs(given) < _EXACT_INTEGERS).all())


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    """The table as written to CSV.

    A cell holding a tuple of figure ids becomes "a;b"; a float column of whole numbers (counts, years, amounts in
    kroner) becomes integers, "2500000" rather than "2500000.0", missing cells left empty. Other floats are written
    as pandas writes them, in full (the shortest text that reads back as the same float), never rounded.
    """
    listed = [c for c in table.columns if table[c].map(lambda v: isinstance(v, tuple)).any()]
    whole = [c for c in table.columns if pd.api.types.is_float_dtype(table[c]) and _whole(table[c])]
    return table.assign(**{c: table[c].map(lambda v: ";".join(v) if isinstance(v, tuple) else v) for c in listed},
                        **{c: table[c].astype("Int64") for c in whole})


def jsonable(value):
    """``value`` as plain JSON: tuples become lists, numpy numbers Python ones, keys text, nan null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_figure(fig: plt.Figure, folder: Path, name: str) -> list[Path]:
    """Write ``name``.png and .svg into ``folder`` without dates or software versions."""
    png, svg = Path(folder) / f"{name}.png", Path(folder) / f"{name}.svg"
    fig.savefig(png, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


def save(fig: plt.Figure, name: str, table: pd.DataFrame, folder: str | Path, facts: dict | None = None) -> list[Path]:
    """Write ``name``.png, .svg and .csv (exactly what is plotted) to ``folder``.

    Also ``name``.json when ``facts`` are given.

    The CSV holds the exact values: every float in full (see :func:`_as_text`), so a number read back from it is the
    number the analysis computed, and the same data give the same bytes on every run.

    The JSON file holds the facts the chart states (its title, headline,
    parameters, figure ids), so that what a run computed can be read back
    without parsing a notebook (a sweep collects them).

    Returns:
        The paths written.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / f"{name}.csv"
    written = [*write_figure(fig, out, name), csv]
    _as_text(table).to_csv(csv, index=False, lineterminator="\n")
    if facts is not None:
        record = out / f"{name}.json"
        record.write_text(json.dumps(jsonable(facts), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(record)
    return written
