"""Where charts go, and byte-stable writing of a chart with the table it plots and the facts it states.

PNG and SVG are written without dates or software versions and with a fixed
SVG hash salt (set by the theme), so two runs on one machine give identical bytes.
The SVG carries the chart's title (its ``<title>``), and the drawing for narrow
screens is written beside the PNG as ``NAME.narrow.png``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import config
from ..analyses.result import NonFiniteError, open_interval

#: What names the drawing for narrow screens: ``01_conviction_gap.narrow.png`` beside ``01_conviction_gap.png``.
NARROW = "narrow"
FIGURES_DIR_ENV = config.FIGURES_DIR_ENV
EXPLORATORY = config.EXPLORATORY
figures_dir = config.figures_dir


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


def jsonable(value, open_ends: list[str] | None = None, path: str = ""):
    """``value`` as plain JSON: tuples become lists, numpy numbers Python ones, keys text, nan null.

    An interval with no upper end by design (:func:`~analysis.analyses.result.open_interval`) becomes
    ``[low, null]``, and its place (``facts.compared.ci``, list items by index: ``facts.rows.0``) is added to
    ``open_ends`` so that its null is not read as "not reported".

    Raises:
        NonFiniteError: For any other infinity, naming its place: JSON has no infinity, and a browser's
            ``JSON.parse`` refuses the ``Infinity`` Python would write.
    """
    def inner(item, place: str):
        return jsonable(item, open_ends, place)

    if isinstance(value, dict):
        return {str(k): inner(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, tuple | list):
        if open_interval(value):
            if open_ends is None:
                raise NonFiniteError(f"{path or 'the value'} is the interval {tuple(value)!r}, open above; "
                                     "expected a list to record its open upper end in")
            open_ends.append(path)
            return [inner(value[0], f"{path}.0"), None]
        return [inner(v, f"{path}.{i}") for i, v in enumerate(value)]
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        raise NonFiniteError(f"{path or 'the value'} is {value!r}, not a finite number; JSON holds finite numbers "
                             "only (an interval with no upper end by design is written [low, null])")
    return value


def write_figure(fig: plt.Figure, folder: Path, name: str, title: str | None = None) -> list[Path]:
    """Write ``name``.png and .svg into ``folder`` without dates or software versions; ``title`` is the SVG's."""
    png, svg = Path(folder) / f"{name}.png", Path(folder) / f"{name}.svg"
    fig.savefig(png, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None, **({"Title": title} if title else {})})
    return [png, svg]


def save(fig: plt.Figure, name: str, table: pd.DataFrame, folder: str | Path, facts: dict | None = None,
         narrow: plt.Figure | None = None, title: str | None = None) -> list[Path]:
    """Write ``name``.png, .svg (titled ``title``) and .csv (exactly what is plotted) to ``folder``.

    Also ``name``.narrow.png, the drawing for narrow screens, when ``narrow`` is given, and ``name``.json when
    ``facts`` are given.

    The CSV holds the exact values: every float in full (see :func:`_as_text`), so a number read back from it is the
    number the analysis computed, and the same data give the same bytes on every run.

    The JSON file holds the facts the chart states (its title, headline,
    parameters, figure ids), so that what a run computed can be read back
    without parsing a notebook (a sweep collects them). It is strict JSON (no ``NaN`` or ``Infinity``): a value not
    reported is null, and the places of intervals with no upper end (``[low, null]``) are listed under
    ``open_upper_ends``, present only when there is one. It is built before anything is written, so a value JSON
    cannot hold leaves no file of the chart behind.

    Raises:
        NonFiniteError: For an infinity that is not the open upper end of an interval, naming the chart and its place.

    Returns:
        The paths written.
    """
    text = None
    if facts is not None:
        open_ends: list[str] = []
        try:
            content = jsonable(facts, open_ends)
        except NonFiniteError as error:
            raise NonFiniteError(f"{name}: {error}; nothing was written") from None
        if open_ends:
            content["open_upper_ends"] = open_ends
        text = json.dumps(content, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / f"{name}.csv"
    written = write_figure(fig, out, name, title)
    if narrow is not None:
        written.append(out / f"{name}.{NARROW}.png")
        narrow.savefig(written[-1], metadata={"Software": None})
    written.append(csv)
    _as_text(table).to_csv(csv, index=False, lineterminator="\n")
    if text is not None:
        record = out / f"{name}.json"
        record.write_text(text, encoding="utf-8")
        written.append(record)
    return written
