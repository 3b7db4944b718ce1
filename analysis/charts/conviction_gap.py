"""The chart of the notebook named *_conviction_gap: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..analyses import Result
from ..data import VICTIM_MEASURES
from . import marks
from .theme import FORM_COLOURS, OKABE_ITO, THOUSANDS, fit, panels, under


def _about(hedge: str) -> str:
    return "~" if hedge == "approximately" else ""


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, its panels one under another when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    per_year, windows = result.tables["per_year"], result.tables["windows"]
    measure = VICTIM_MEASURES[result.parameters["denominator"]]
    fig, (left, right) = panels(2, narrow, (10, 5), 8.5, None if narrow else [1, 1.5])
    positions = list(range(len(per_year)))
    left.bar(positions, per_year.victims_per_conviction, color=FORM_COLOURS["unsplit"], alpha=0.35, width=0.6)
    marks.chance_bars(left, positions, per_year.victims_per_conviction, per_year.ci_low, per_year.ci_high, "#333333")
    marks.points(left, positions, per_year.victims_per_conviction, per_year.unreliable, "#333333", size=30)
    for x, row in zip(positions, per_year.itertuples(), strict=True):
        left.annotate(f"{_about(row.victims_hedge)}{row.victims_per_conviction:,.0f}", (x, row.victims_per_conviction),
                      textcoords="offset points",
                      xytext=(8, 0), ha="left", va="center", fontsize=9)
    left.set_xticks(positions, [str(y) for y in per_year.year])
    left.set_xlim(-0.6, len(per_year) - 0.4)
    left.set_ylabel(fit(f"{measure.plural}\nper trafficker convicted", narrow, 26))
    left.set_title("Per calendar year")
    left.set_ylim(0, per_year.ci_high.replace(float("inf"), float("nan")).max() * 1.22)
    marks.add_key(left,
                  marks.key_entries(result.parameters["confidence"], censoring=False,
                                    unreliable=bool(per_year.unreliable.any()),
                                    reliable=bool((~per_year.unreliable).any())),
                  **(under(left) if narrow else {"loc": "upper left"}))
    left.yaxis.set_major_formatter(THOUSANDS)

    for i, row in enumerate(windows.itertuples()):
        colour = OKABE_ITO[4] if row.measure == "convictions" else OKABE_ITO[0]
        right.barh(i, row.years, left=row.period_start - 0.5, color=colour, height=0.5)
    right.set_yticks(range(len(windows)),
                     [fit(f"{_about(r.hedge)}{r.value:,.0f} {r.measure.replace('_', ' ')}", narrow, 16)
                      + f"\n{r.period_start}-{r.period_end}" for r in windows.itertuples()])
    right.set_xlim(windows.period_start.min() - 0.5, windows.period_end.max() + 0.5)
    right.set_title("Cumulative windows" + ("" if result.facts["windows_match"] else " (they do not match)"))
    right.grid(axis="y", visible=False)
    right.xaxis.set_major_locator(plt.MaxNLocator(4 if narrow else "auto", integer=True))
    return fig
