"""The chart of the notebook named *_series_funding: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import LogLocator, NullLocator

from ..analyses import Result
from . import marks
from .theme import OKABE_ITO, THOUSANDS


def draw(result: Result) -> plt.Figure:
    """The figure of this notebook's result; :func:`~analysis.charts.finish.finish` adds title, source and layout."""
    lines, totals = result.table.dropna(subset=["id"]), result.tables["totals"].set_index("year").nok
    amounts = result.tables["per_victim"]
    base_year = result.parameters["base_year"]
    years = list(totals.index)
    fig, (ax, per) = plt.subplots(2, 1, figsize=(9, 9.5), gridspec_kw={"height_ratios": [1.1, 1]})
    items = list(dict.fromkeys(lines["item"]))
    colours = dict(zip(items, OKABE_ITO * 2, strict=False))
    bottom = pd.Series(0.0, index=years)
    positions = {year: i for i, year in enumerate(years)}
    for item in items:
        part = lines[lines["item"] == item].set_index("year").nok.reindex(years).fillna(0)
        ax.bar(list(positions.values()), part / 1e6, bottom=bottom / 1e6, color=colours[item],
               label=textwrap.shorten(item, 70))
        bottom += part
    for year, total in totals.items():
        label = f"{total / 1e6:,.1f}" if not pd.isna(total) else "none\nreported"
        ax.text(positions[year], (0 if pd.isna(total) else total) / 1e6, label, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(positions.values()), [str(y) for y in years])
    ax.set_xlim(-0.6, len(years) - 0.4)
    ax.set_ylabel("NOK million, lines the TIP names")
    ax.set_ylim(0, totals.max() / 1e6 * 1.1)
    ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2)

    x = amounts.year.map(positions)
    for column, shift, marker, colour, name in (("nok_per_victim", -0.08, "o", OKABE_ITO[4], "current kroner"),
                                                  ("nok_per_victim_constant", 0.08, "D", OKABE_ITO[5],
                                                   f"kroner of {base_year}")):
        suffix = "_constant" if "constant" in column else ""
        marks.chance_bars(per, x + shift, amounts[column], amounts[f"ci_low{suffix}"], amounts[f"ci_high{suffix}"],
                          colour)
        marks.points(per, x + shift, amounts[column], amounts.unreliable, colour, marker=marker, label=name)
    per.set_yscale("log")
    given = amounts.dropna(subset=["nok_per_victim"])
    low, high = (min(given.ci_low.min(), given.ci_low_constant.min()),
                 max(given.ci_high.max(), given.ci_high_constant.max())) if len(given) \
        else (1e4, 1e6)
    per.set_ylim(low / 1.5, high * 2.5)
    for row in amounts[amounts.nok_per_victim.isna()].itertuples():
        per.text(positions[row.year], (low * high) ** 0.5, "no victim count" if not pd.isna(row.nok) else "no lines",
                 ha="center", va="center", fontsize=8, color="#666666", rotation=90)
    per.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    per.yaxis.set_minor_locator(NullLocator())
    per.yaxis.set_major_formatter(THOUSANDS)
    per.set_xticks(list(positions.values()), [str(y) for y in years])
    per.set_xlim(-0.6, len(years) - 0.4)
    denominator = result.facts["denominator"].replace("unodc_detected", "UNODC detected").replace("tip", "TIP count")
    per.set_ylabel(f"NOK per victim (log scale)\n{denominator}")
    per.legend(frameon=False, fontsize=8, loc="upper left")
    marks.add_key(per,
                  marks.key_entries(result.parameters["confidence"], censoring=False,
                                    unreliable=bool(amounts.unreliable.any()),
                                    reliable=bool((~amounts.unreliable & amounts.victims.notna()).any())),
                  loc="lower right")
    return fig
