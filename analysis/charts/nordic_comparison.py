"""The chart of the notebook named *_nordic_comparison: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from ..analyses import Result
from . import marks
from .theme import OKABE_ITO


def draw(result: Result) -> plt.Figure:
    """The figure of this notebook's result; :func:`~analysis.charts.finish.finish` adds title, source and layout."""
    table, pooled = result.table, result.tables["pooled"]
    confidence = result.parameters["confidence"]
    colours = dict(zip(["NOR", "SWE", "DNK", "FIN", "ISL"],
                       [OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[2], OKABE_ITO[0], OKABE_ITO[6]], strict=True))
    fig = plt.figure(figsize=(12, 9))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 0.9])
    detected, convicted = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    rates, ratios = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    for number, (iso3, rows) in enumerate(table.groupby("iso3", sort=False)):
        colour, name = colours[iso3], rows.country.iloc[0]
        shift = (number - 2) * 0.12  # side by side, so that one country's '<5' bar does not hide another's
        exact_detected = rows.detected_rate_low.where(rows.detected_rate_low == rows.detected_rate_high)
        detected.plot(rows.year, exact_detected, color=colour, marker="o", markersize=4, label=name)
        marks.censoring_bars(detected, rows.year + shift, rows.detected_rate_low, rows.detected_rate_high, colour,
                             width=3)
        exact = rows.convicted_rate_low.where(rows.convicted_rate_low == rows.convicted_rate_high)
        convicted.plot(rows.year, exact, color=colour, marker="o", markersize=4, label=name)
        marks.censoring_bars(convicted, rows.year + shift, rows.convicted_rate_low, rows.convicted_rate_high, colour,
                             width=3)
    years = sorted(table.year.unique())
    for ax, title in ((detected, "Victims detected per 100,000 inhabitants"),
                      (convicted, "Persons convicted per million inhabitants")):
        ax.set_title(title)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.1f}" if v < 10 else f"{v:,.0f}"))
    detected.set_ylim(0, table.detected_rate_high.max() * 1.22)  # room for the key above the lines
    convicted.set_ylim(0, table.convicted_rate_high.max() * 1.15)
    detected.legend(frameon=False, fontsize=8, loc="upper left", ncols=3)
    marks.add_key(convicted, [(h, t) for h, t in marks.key_entries(confidence, censoring=True, unreliable=False)[1:]],
                  loc="upper right")

    y = list(range(len(pooled)))
    colour_list = [colours[i] for i in pooled.iso3]
    middle = (pooled.detected_rate_low + pooled.detected_rate_high) / 2
    marks.chance_bars(rates, y, middle, pooled.detected_rate_ci_low, pooled.detected_rate_ci_high, "#333333",
                      horizontal=True)
    for yi, row, colour in zip(y, pooled.itertuples(), colour_list, strict=True):
        marks.points(rates, [yi], [(row.detected_rate_low + row.detected_rate_high) / 2],
                     [row.detected_rate_unreliable], colour,
                     size=60, horizontal=True)
        rates.annotate(f"{(row.detected_rate_low + row.detected_rate_high) / 2:,.1f}", (row.detected_rate_ci_high, yi),
                       textcoords="offset points",
                       xytext=(5, 0), ha="left", va="center", fontsize=8)
    rates.set_yticks(y, [f"{r.country} ({r.detected_years} years)" for r in pooled.itertuples()])
    rates.invert_yaxis()
    rates.set_xlim(0, pooled.detected_rate_ci_high.max() * 1.2)
    rates.set_xlabel("victims detected per 100,000 inhabitants a year, pooled")
    rates.set_title("Detection rate, pooled (detection, not prevalence)")
    rates.grid(axis="y", visible=False)

    marks.censoring_bars(ratios, y, pooled.ratio_low, pooled.ratio_high, "#777777", horizontal=True, width=8)
    marks.chance_bars(ratios, y, (pooled.ratio_low + pooled.ratio_high) / 2, pooled.ratio_ci_low, pooled.ratio_ci_high,
                      "#333333",
                      horizontal=True)
    for yi, row, colour in zip(y, pooled.itertuples(), colour_list, strict=True):
        marks.points(ratios, [yi], [(row.ratio_low + row.ratio_high) / 2], [row.unreliable], colour, size=60,
                     horizontal=True)
    ratios.set_yticks(y, [f"{r.country} ({r.years} years)" for r in pooled.itertuples()])
    ratios.invert_yaxis()
    ratios.set_xlim(0, pooled.ratio_ci_high.replace(float("inf"), float("nan")).max() * 1.05)
    ratios.set_xlabel("detected victims per person convicted, pooled")
    ratios.set_title("Victims per person convicted, pooled (years with both counts)")
    ratios.grid(axis="y", visible=False)
    marks.add_key(rates,
                  marks.key_entries(confidence, censoring=True,
                                    unreliable=bool(pooled.unreliable.any() | pooled.detected_rate_unreliable.any()),
                                    reliable=True), loc="center right")
    return fig
