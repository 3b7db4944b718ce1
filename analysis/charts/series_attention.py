"""The chart of the notebook named *_series_attention: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..analyses import Result
from . import marks
from .theme import NOTE_GREY, OKABE_ITO, size


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    shares = result.table
    fig, ax = plt.subplots(figsize=size(narrow, (9, 5), 7.5))
    styles = {"TIP": ("o", OKABE_ITO[5]), "KOM": ("s", OKABE_ITO[4])}
    for name, rows in shares.groupby("series"):
        marker, colour = styles[name]
        shift = -0.1 if name == "TIP" else 0.1
        marks.chance_bars(ax, rows.year + shift, rows.share_sex * 100, rows.share_ci_low * 100,
                          rows.share_ci_high * 100, colour)
        marks.points(ax, rows.year + shift, rows.share_sex * 100, rows.unreliable, colour, marker=marker,
                     label=f"{name}: {rows.measure.iloc[0]}")
        for row in rows.itertuples():
            # TIP labels left of the point, KOM labels right: two series at one year never print on top of each other.
            ax.annotate(f"{row.share_sex:.0%}", (row.year + shift, row.share_sex * 100), textcoords="offset points",
                        xytext=(-6 if name == "TIP" else 6, 0), ha="right" if name == "TIP" else "left", va="center",
                        fontsize=8, color=colour)
    ax.axhline(50, color=NOTE_GREY, linewidth=1, linestyle="--")
    ax.set_ylim(0, 100)
    ax.set_xlim(shares.year.min() - (1.5 if narrow else 0.5), shares.year.max() + 0.5)  # room for the left labels
    ax.set_ylabel("sexual exploitation, % of cases")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    key = marks.key_entries(result.parameters["confidence"], censoring=False, unreliable=bool(shares.unreliable.any()),
                            reliable=bool((~shares.unreliable).any()), shares=True) + [
        (plt.Line2D([], [], color="#555555", marker="o", linestyle="none"),
         "no bar: a share the source states, no counts to judge")]
    if narrow:  # one key above the plot, the series first
        marks.key_above(ax, key)
        return fig
    ax.legend(frameon=False, loc="lower right")
    marks.add_key(ax, key, loc="lower left")
    return fig
