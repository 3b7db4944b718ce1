"""The chart of the notebook named *_labor_vs_sex_attention: drawn from its :class:`~analysis.analyses.Result`.

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
    by_stage = result.table
    stages, years = list(result.parameters["stages"]), sorted(by_stage.year.unique())
    fig, ax = plt.subplots(figsize=size(narrow, (10, 5.5), 6.5))
    width = 0.8 / len(years)
    for i, year in enumerate(years):
        rows = by_stage[by_stage.year == year]
        x = [stages.index(s) + (i - (len(years) - 1) / 2) * width for s in rows.stage]
        colour = OKABE_ITO[[1, 4, 2, 0][i % 4]]
        ax.bar(x, rows.share_labor * 100, width=width * 0.95, label=str(year), color=colour, alpha=0.6)
        marks.chance_bars(ax, x, rows.share_labor * 100, rows.share_ci_low * 100, rows.share_ci_high * 100, "#333333")
        marks.points(ax, x, rows.share_labor * 100, rows.unreliable, "#333333", size=22)
        for xi, row in zip(x, rows.itertuples(), strict=True):
            counts = f"{row.labor:,.0f}/{row.total:,.0f}" if narrow else f"({row.labor:,.0f} of {row.total:,.0f})"
            ax.annotate(f"{row.share_labor:.0%}\n{counts}", (xi, row.share_ci_high * 100), textcoords="offset points",
                        xytext=(0, 3), ha="center", va="bottom", fontsize=8)
    ax.axhline(50, color=NOTE_GREY, linewidth=1, linestyle="--")
    ax.text(len(stages) - 1 + 0.4, 51, "equal attention", fontsize=8, color=NOTE_GREY, ha="right", va="bottom")
    ax.set_xticks(range(len(stages)), [s.capitalize() for s in stages])
    ax.set_ylabel("labor trafficking, % of the stage's count")
    ax.set_ylim(0, 100)
    key = marks.key_entries(result.parameters["confidence"], censoring=False,
                            unreliable=bool(by_stage.unreliable.any()), reliable=bool((~by_stage.unreliable).any()),
                            shares=True)
    if narrow:  # one key above the plot, the years first
        marks.key_above(ax, key)
        return fig
    ax.legend(title="Year", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    marks.add_key(ax, key, loc="upper left", bbox_to_anchor=(1.0, 0.7))
    return fig
