"""Where charts go, and byte-stable writing of a chart with the table it plots and the facts it states.

PNG and SVG are written without dates or software versions and with a fixed
SVG hash salt (set by the theme), so two runs on one machine give identical bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ..data import paths

FIGURES_DIR_ENV = paths.FIGURES_DIR_ENV
EXPLORATORY = paths.EXPLORATORY
figures_dir = paths.figures_dir


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    """The table as written to CSV: a cell holding a tuple of figure ids becomes "a;b"."""
    listed = [c for c in table.columns if table[c].map(lambda v: isinstance(v, tuple)).any()]
    return table.assign(**{c: table[c].map(lambda v: ";".join(v) if isinstance(v, tuple) else v) for c in listed})


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
    _as_text(table).to_csv(csv, index=False, lineterminator="\n", float_format="%.6g")
    if facts is not None:
        record = out / f"{name}.json"
        record.write_text(json.dumps(jsonable(facts), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(record)
    return written
