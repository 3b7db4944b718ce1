"""The chart of the notebook named *_what_the_sources_name: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..analyses import Result
from .theme import NOTE_GREY, OKABE_ITO, fit, size


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    timeline = result.table
    sources = list(result.parameters["sources"])
    colours = dict(zip(sources, [OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[2], OKABE_ITO[0]], strict=False))
    fig, ax = plt.subplots(figsize=size(narrow, (10, 5.5), 8))
    for i, row in enumerate(timeline.itertuples()):
        ax.scatter(row.year, i, s=60, color=colours[row.source_id] if row.dated else "white",
                   edgecolor=colours[row.source_id], linewidth=1.5, zorder=3)
    ax.set_yticks(range(len(timeline)),
                  [fit(f"{r.subject} ({r.event}{'' if r.dated else ', by then'})", narrow, 34)
                   for r in timeline.itertuples()],
                  fontsize=8)
    ax.set_xlim(timeline.year.min() - 1, timeline.year.max() + 1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(4 if narrow else "auto", integer=True))
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    for source, colour in colours.items():
        ax.scatter([], [], color=colour, label=source)
    ax.scatter([], [], color="white", edgecolor=NOTE_GREY, label="no stated year")
    ax.legend(frameon=False, loc="lower left", title="Source")
    return fig
