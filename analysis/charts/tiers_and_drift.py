"""The chart of the notebook named *_tiers_and_drift: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..analyses import Result
from .theme import OKABE_ITO, panels


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, its panels one under another when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    tiers, drift = result.tables["tiers"], result.tables["drift"]
    editions = list(tiers.edition)
    fig, (left, right) = panels(2, narrow, (11, 5), 9)
    known = tiers.dropna(subset=["tier"])
    left.step(known.edition, known.tier, where="mid", color=OKABE_ITO[4])
    left.scatter(known.edition, known.tier, color=OKABE_ITO[4], zorder=3)
    placed = range(int(known.tier.min()), int(known.tier.max()) + 1)
    left.set_yticks(list(placed), [f"Tier {t}" for t in placed])
    left.set_ylim(known.tier.max() + 0.3, known.tier.min() - 0.3)
    left.set_xticks(editions, [str(e) for e in editions], rotation=90)
    left.set_xlim(editions[0] - 0.5, editions[-1] + 0.5)
    left.set_title("Tier by edition")
    for name, rows in drift.groupby("series"):
        tip = name == "TIP"
        colour = OKABE_ITO[5] if tip else OKABE_ITO[2]
        right.plot(rows.period_end, rows.value, marker="o" if tip else "s", color=colour,
                   linestyle="-" if tip else "none", label=name)
        for row in rows.itertuples():
            label = row.label.replace(" (", "\n(")
            if narrow:  # centred under its point, where the points stand closer together
                right.annotate(label.replace(" edition)", " ed.)"), (row.period_end, row.value),
                               textcoords="offset points", xytext=(0, -7), ha="center", va="top", fontsize=8)
            else:
                right.annotate(label, (row.period_end, row.value), textcoords="offset points", xytext=(7, -4),
                               ha="left", va="top", fontsize=8)
    right.set_xlabel("last year covered")
    right.set_ylabel("convictions since 2003")
    right.set_xlim(drift.period_end.min() - 0.6, drift.period_end.max() + 0.6)
    right.set_ylim(0, drift.value.max() * 1.1)
    right.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    right.legend(frameon=False, loc="lower right")
    right.set_title("Cumulative convictions as stated")
    return fig
