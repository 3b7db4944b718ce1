"""The chart of the notebook named *_funding_per_victim: drawn from its :class:`~analysis.analyses.Result`.

Each funding line and their total, per victim, under each count of victims for the year side by side: the TIP's
count (the headline's, in the darkest bar, with the amount in the other currency) and UNODC's and KOM's beside it.
No chance interval is drawn: the counts' disagreement is what moves the figure.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analyses import Result
from .theme import NOTE_GREY, OKABE_ITO, SMALLEST, THOUSANDS, fit, size

#: The colour of each count's bars: the TIP's, the headline's, darkest.
COLOURS = {"tip": OKABE_ITO[4], "unodc_detected": OKABE_ITO[1], "kom": OKABE_ITO[0]}
#: A bar shorter than this share of the axis has its label beside it rather than in it.
LABEL_INSIDE = 0.35


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    table, facts, counts = result.table, result.facts, result.tables["counts"]
    cur = facts["currency"].lower()
    given = counts.dropna(subset=["victims"])
    columns = {row.count: "nok_per_victim" if row.main else f"nok_per_victim_{row.count}" for row in given.itertuples()}
    fig, ax = plt.subplots(figsize=size(narrow, (8, 2.6 + 0.95 * len(table)), 3.4 + 1.8 * len(table)))
    step = 0.8 / max(len(given), 2)  # one count alone: a bar as thick as one of two
    right = max(table[column].max() for column in columns.values()) * 1.25
    for k, row in enumerate(given.itertuples()):
        offsets = [i + (k - (len(given) - 1) / 2) * step for i in range(len(table))]
        values = table[columns[row.count]]
        bars = ax.barh(offsets, values, height=step * 0.92, color=COLOURS[row.count])
        gap = "\n" if narrow else " "
        labels = [f"NOK {v:,.0f}{gap}({facts['currency']} {c:,.0f})" if row.main else f"NOK {v:,.0f}"
                  for v, c in zip(values, table[f"{cur}_per_victim"], strict=True)]
        inside = [v / right >= LABEL_INSIDE for v in values]
        ax.bar_label(bars, labels=[t if i else "" for t, i in zip(labels, inside, strict=True)], label_type="center",
                     fontsize=SMALLEST, color="white" if row.main else "#222222")
        ax.bar_label(bars, labels=[t if not i else "" for t, i in zip(labels, inside, strict=True)], padding=3,
                     fontsize=SMALLEST, color="#222222")
    if (table.id == "total").any():
        ax.axhline(len(table) - 1.5, color=NOTE_GREY, linewidth=0.6)
    items = [f"{item} (total)" if i == "total" else item for i, item in zip(table.id, table["item"], strict=True)]
    shortened = [textwrap.shorten(t, 84, placeholder=" ...") for t in items]
    ax.set_yticks(range(len(table)), [textwrap.fill(t, 16 if narrow else 28) for t in shortened])
    ax.set_xlim(0, right)
    ax.grid(axis="y", visible=False)
    year = facts["year"]
    key = [(Patch(color=COLOURS[row.count]),
            fit(f"{row.who}: {row.label}" + (" (headline)" if row.main else ""), narrow, 40))
           for row in given.itertuples()]
    key += [(Line2D([], [], linestyle="none"), f"{row.who}: no count for {year}")
            for row in counts[counts.victims.isna()].itertuples()]
    ax.legend([h for h, _ in key], [t for _, t in key], frameon=False, fontsize=8, loc="lower left",
              bbox_to_anchor=(0.0, 1.0), ncols=1, title=f"Divided by each count of victims for {year}",
              title_fontsize=8, alignment="left")
    ax.set_xlabel("NOK per victim")
    ax.xaxis.set_major_formatter(THOUSANDS)
    if narrow:
        ax.xaxis.set_major_locator(plt.MaxNLocator(3))
    ax.invert_yaxis()
    return fig
