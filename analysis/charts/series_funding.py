"""The chart of the notebook named *_series_funding: drawn from its :class:`~analysis.analyses.Result`.

Above, the lines the TIP names, stacked by year; below, their total per victim in constant kroner under each count of
victims for the year, side by side: the ``denominator``'s as the main line (with its amount in current kroner beside
it), the other counts' as markers and thin lines. No chance interval is drawn: the counts' disagreement is what moves
the figure.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import LogLocator, NullLocator

from ..analyses import Result
from ..analyses.victim_counts import COUNTS
from .theme import OKABE_ITO, SMALLEST, THOUSANDS, fit, size, under

#: The colour and marker of each count of victims, as in notebook 03's chart.
COLOURS = {"tip": OKABE_ITO[4], "unodc_detected": OKABE_ITO[1], "kom": OKABE_ITO[0]}
MARKERS = {"tip": "o", "unodc_detected": "D", "kom": "s"}
#: What each count counts, in the key.
NAMES = {"tip": "the government's count", "unodc_detected": "victims detected", "kom": "victims followed up"}


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    lines, totals = result.table.dropna(subset=["id"]), result.tables["totals"].set_index("year").nok
    fig, (ax, per) = plt.subplots(2, 1, figsize=size(narrow, (9, 9.5), 13), gridspec_kw={"height_ratios": [1.1, 1]})
    positions = {year: i for i, year in enumerate(totals.index)}
    _lines(ax, lines, totals, positions, narrow)
    _per_victim(per, result, totals, positions, narrow)
    return fig


def _lines(ax: plt.Axes, lines: pd.DataFrame, totals: pd.Series, positions: dict, narrow: bool) -> None:
    """The upper panel: the lines the TIP names, stacked by year, each year's total written over them."""
    years = list(totals.index)
    items = list(dict.fromkeys(lines["item"]))
    colours = dict(zip(items, OKABE_ITO * 2, strict=False))
    bottom = pd.Series(0.0, index=years)
    for item in items:
        part = lines[lines["item"] == item].set_index("year").nok.reindex(years).fillna(0)
        ax.bar(list(positions.values()), part / 1e6, bottom=bottom / 1e6, color=colours[item],
               label=fit(textwrap.shorten(item, 70), narrow, 40))
        bottom += part
    for year, total in totals.items():
        label = f"{total / 1e6:,.1f}" if not pd.isna(total) else "none\nreported"
        ax.text(positions[year], (0 if pd.isna(total) else total) / 1e6, label, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(positions.values()), [str(y) for y in years])
    ax.set_xlim(-0.6, len(years) - 0.4)
    ax.set_ylabel("NOK million, lines the TIP names")
    ax.set_ylim(0, totals.max() / 1e6 * 1.1)
    ax.legend(frameon=False, fontsize=SMALLEST,
              **(under(ax) if narrow else {"loc": "upper center", "bbox_to_anchor": (0.5, -0.08), "ncols": 2}))


def _per_victim(per: plt.Axes, result: Result, totals: pd.Series, positions: dict, narrow: bool) -> None:
    """The lower panel: the total per victim in constant kroner under each count of victims, the headline's in bold."""
    amounts, base_year, years = result.tables["per_victim"], result.parameters["base_year"], list(totals.index)
    denominator = result.facts["denominator"]
    keys = [denominator, *(key for key in COUNTS if key != denominator)]
    shifts = dict(zip(keys, (0.0, -0.12, 0.12), strict=True))
    given = amounts.dropna(subset=["nok_per_victim"])
    for key in keys:
        one = amounts[amounts["count"] == key].set_index("year").reindex(years)
        x = [positions[year] + shifts[key] for year in years]
        absent = [str(year) for year in years if pd.isna(one.victims.loc[year])]
        name = f"{COUNTS[key]}: {NAMES[key]}" + (" (headline)" if key == denominator else "")
        if absent:
            name += f"; none for {', '.join(absent)}"
        main = key == denominator
        per.plot(x, one.nok_per_victim_constant, color=COLOURS[key], marker=MARKERS[key], markersize=7 if main else 6,
                 linewidth=2.2 if main else 1, linestyle="-" if main else "--", label=fit(name, narrow, 40),
                 zorder=3 if main else 2)
        if main:
            per.plot(x, one.nok_per_victim, color=COLOURS[key], marker=MARKERS[key], markersize=3.5, linewidth=0.8,
                     linestyle=":", alpha=0.8, label=f"{COUNTS[key]}: {NAMES[key]}, in current kroner", zorder=2)
    per.set_yscale("log")
    low, high = ((min(given.nok_per_victim.min(), given.nok_per_victim_constant.min()),
                  max(given.nok_per_victim.max(), given.nok_per_victim_constant.max())) if len(given) else (1e4, 1e6))
    per.set_ylim(low / 1.5, high * 2.5)
    counted = set(given.year)
    for year in years:
        if year not in counted:
            text = "no victim count" if not pd.isna(totals.loc[year]) else "no lines"
            per.text(positions[year], (low * high) ** 0.5, text, ha="center", va="center", fontsize=8, color="#666666",
                     rotation=90)
    per.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    per.yaxis.set_minor_locator(NullLocator())
    per.yaxis.set_major_formatter(THOUSANDS)
    per.set_xticks(list(positions.values()), [str(y) for y in years])
    per.set_xlim(-0.6, len(years) - 0.4)
    per.set_ylabel("NOK per victim (log scale)")
    per.legend(frameon=False, fontsize=SMALLEST, title_fontsize=SMALLEST, alignment="left",
               title=f"In kroner of {base_year}, under each count of victims",
               **(under(per) if narrow else {"loc": "upper left"}))
