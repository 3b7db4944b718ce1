"""The chart of the notebook named *_victim_protection: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..analyses import Result
from . import marks
from .theme import OKABE_ITO, fit, size

_PROTECTION_LABELS = {"reflection_periods_granted": "reflection periods",
                      "temporary_residence_permits_granted": "temporary residence permits",
                      "asylum_grants": "asylum grants", "shelter_accepted": "shelter accepted\n(one institution)"}


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    table = result.table.assign(label=lambda t: t.measure.map(_PROTECTION_LABELS))
    years = sorted(table.year.unique())
    labels = list(dict.fromkeys(table.label))
    fig, ax = plt.subplots(figsize=size(narrow, (9, 5), 6.5))
    height = 0.8 / len(years)
    palette = ([OKABE_ITO[1], OKABE_ITO[4]] if len(years) <= 2 else OKABE_ITO)[: len(years)]
    for i, (year, colour) in enumerate(zip(years, palette, strict=True)):
        rows = table[table.year == year].set_index("label").reindex(labels)
        y = [labels.index(lab) + (i - (len(years) - 1) / 2) * height for lab in labels]
        ax.barh(y, rows.per_100_victims, height=height * 0.95, color=colour, alpha=0.6, label=str(year))
        marks.chance_bars(ax, y, rows.per_100_victims, rows.ci_low, rows.ci_high, "#333333", horizontal=True)
        marks.points(ax, y, rows.per_100_victims, rows.unreliable.fillna(False).astype(bool), "#333333", size=22,
                     horizontal=True)
        for yi, row in zip(y, rows.itertuples(), strict=True):
            if not pd.isna(row.per_100_victims):
                ax.annotate(f"{row.per_100_victims:.1f}", (row.ci_high, yi), textcoords="offset points", xytext=(4, 0),
                            ha="left",
                            va="center", fontsize=8)
    ax.set_yticks(range(len(labels)), [fit(label, narrow, 14) for label in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, table.ci_high.max() * 1.15)
    ax.set_xlabel("per 100 victims identified and assisted")
    ax.grid(axis="y", visible=False)
    key = marks.key_entries(result.parameters["confidence"], censoring=False, unreliable=bool(table.unreliable.any()),
                            reliable=bool((~table.unreliable & table["count"].notna()).any()))
    if narrow:  # one key above the plot, the years first
        marks.key_above(ax, key)
        return fig
    ax.legend(title="Year", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    marks.add_key(ax, key, loc="upper left", bbox_to_anchor=(1.0, 0.6))
    return fig
