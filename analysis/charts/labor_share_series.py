"""The chart of the notebook named *_labor_share_series: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..analyses import Result
from . import marks
from .theme import OKABE_ITO, size


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    shares = result.table
    fig, ax = plt.subplots(figsize=size(narrow, (10, 5.5), 8))
    styles = {"detected victims": (OKABE_ITO[1], -0.14, "o"), "persons convicted": (OKABE_ITO[5], 0.14, "D")}
    for stage, rows in shares.groupby("stage"):
        colour, shift, marker = styles[stage]
        point = rows[rows.share_low == rows.share_high]
        span = rows[rows.share_low < rows.share_high]
        middle = rows.share_low.where(rows.share_low == rows.share_high, (rows.share_low + rows.share_high) / 2)
        marks.censoring_bars(ax, span.year + shift, span.share_low * 100, span.share_high * 100, colour)
        marks.chance_bars(ax, rows.year + shift, middle * 100, rows.share_ci_low * 100, rows.share_ci_high * 100,
                          colour)
        marks.points(ax, point.year + shift, point.share_low * 100, point.unreliable, colour, marker=marker,
                     label=f"share of {stage}")
    ax.set_ylim(0, 100)
    years = sorted(shares.year.unique())
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.set_xticks(years, [str(y) for y in years], rotation=90 if narrow else 45)
    ax.set_ylabel("forced labour, % of the year's count")
    key = marks.key_entries(result.parameters["confidence"],
                            censoring=bool((shares.share_low < shares.share_high).any()),
                            unreliable=bool(shares.unreliable.any()),
                            reliable=bool((~shares.unreliable & shares.share_low.notna()).any()), shares=True)
    if narrow:  # one key above the plot, the series first
        marks.key_above(ax, key)
        return fig
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.3, -0.14), ncols=1)
    marks.add_key(ax, key, loc="upper center", bbox_to_anchor=(0.72, -0.14), ncols=2)
    return fig
