"""The chart of the notebook named *_tip_vs_kom: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..analyses import Result
from .theme import OKABE_ITO, THOUSANDS, fit, size


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    pairs = result.tables["pairs"]
    fig, ax = plt.subplots(figsize=size(narrow, (10, 5.5), 9))
    y = range(len(pairs))
    ax.hlines(y, pairs.value_tip, pairs.value_kom, color="#999999", linewidth=2)
    ax.scatter(pairs.value_tip, y, color=OKABE_ITO[5], label="TIP", zorder=3)
    ax.scatter(pairs.value_kom, y, color=OKABE_ITO[4], marker="s", label="KOM / police", zorder=3)
    unodc = result.tables["three_sources"].set_index("year").glotip
    victims = [(i, float(unodc[r.year].replace(",", ""))) for i, r in enumerate(pairs.itertuples())
               if r.tip_metric == "victims_identified_assisted" and r.population == "all" and r.form == "unsplit"
               and r.year in unodc.index]
    ax.scatter([v for _, v in victims], [i for i, _ in victims], facecolor="none", edgecolor=OKABE_ITO[2], marker="o",
               s=110,
               linewidth=1.8, label="UNODC: detected victims", zorder=4)
    ax.set_yticks(list(y), [fit(label, narrow, 30) for label in pairs.label], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(fit("count (victims, cases or reports, judgments)", narrow, 30))
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.legend(frameon=False, **({"loc": "lower left", "bbox_to_anchor": (0, 1)} if narrow else {"loc": "lower right"}))
    return fig
