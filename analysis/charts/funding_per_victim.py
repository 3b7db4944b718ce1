"""The chart of the notebook named *_funding_per_victim: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..analyses import Result
from . import marks
from .theme import OKABE_ITO, THOUSANDS


def draw(result: Result) -> plt.Figure:
    """The figure of this notebook's result; :func:`~analysis.charts.finish.finish` adds title, source and layout."""
    table, facts = result.table, result.facts
    currency = facts["currency"]
    shown = table[table.id != "total"]
    fig, ax = plt.subplots(figsize=(8, 4.8))
    positions = list(range(len(shown)))
    bars = ax.barh(positions, shown.nok_per_victim, color=OKABE_ITO[4], height=0.6)
    ax.bar_label(bars,
                 labels=[f"NOK {n:,.0f}\n({currency} {c:,.0f})"
                         for n, c in zip(shown.nok_per_victim, shown[f"{currency.lower()}_per_victim"], strict=True)],
                 fontsize=8, label_type="center", color="white")
    marks.chance_bars(ax, positions, shown.nok_per_victim, shown.nok_per_victim_ci_low, shown.nok_per_victim_ci_high,
                      "#333333", horizontal=True)
    ax.set_yticks(positions, shown["item"].str.wrap(30))
    ax.set_xlim(0, shown.nok_per_victim_ci_high.max() * 1.05)
    ax.grid(axis="y", visible=False)
    marks.add_key(ax,
                  [(h, f"{t}, of the victim count")
                   for h, t in marks.key_entries(result.parameters["confidence"], False, False)],
                  loc="lower right", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel(f"NOK per {facts['per']}\n(denominator: {facts['victims_label']})")
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.invert_yaxis()
    return fig
