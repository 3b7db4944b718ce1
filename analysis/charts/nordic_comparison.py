"""The chart of the notebook named *_nordic_comparison: drawn from its :class:`~analysis.analyses.Result`.

The title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from ..analyses import Result
from . import marks
from .theme import OKABE_ITO, fit, panels, under


def _funnel(ax, table, limits, name: str, colours: dict, title: str, ylabel: str, narrow: bool) -> None:
    """One funnel plot: each country-year's rate against its population, the limits as lines, flagged years ringed."""
    for level, style in (("950", ":"), ("998", "--")):
        ax.plot(limits.population / 1e6, limits[f"upper_{level}"], color="#555555", linestyle=style, linewidth=1)
        ax.plot(limits.population / 1e6, limits[f"lower_{level}"], color="#555555", linestyle=style, linewidth=1)
    for iso3, rows in table.groupby("iso3", sort=False):
        colour = colours[iso3]
        exact = rows[rows[f"{name}_rate_low"] == rows[f"{name}_rate_high"]]
        ax.scatter(exact.population / 1e6, exact[f"{name}_rate_low"], color=colour, s=22, zorder=3,
                   label=rows.country.iloc[0])
        marks.censoring_bars(ax, rows.population / 1e6, rows[f"{name}_rate_low"], rows[f"{name}_rate_high"], colour,
                             width=4)
        flagged = rows[rows[f"{name}_flags"].fillna("") != ""]
        ax.scatter(flagged.population / 1e6, (flagged[f"{name}_rate_low"] + flagged[f"{name}_rate_high"]) / 2,
                   facecolor="none", edgecolor="#000000", s=70, linewidth=0.8, zorder=4)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("population, millions (log scale)")
    ax.set_ylabel(ylabel)
    ax.set_title(fit(title, narrow, 36))
    ax.set_ylim(0, max(table[f"{name}_rate_high"].max(), limits["upper_998"].min()) * 1.12)


def draw(result: Result, narrow: bool = False) -> plt.Figure:
    """The figure of this notebook's result, laid out for a narrow screen when ``narrow``.

    :func:`~analysis.charts.finish.finish` adds title, source and layout.
    """
    table, pooled = result.table, result.tables["pooled"]
    confidence = result.parameters["confidence"]
    colours = dict(zip(["NOR", "SWE", "DNK", "FIN", "ISL"],
                       [OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[2], OKABE_ITO[0], OKABE_ITO[6]], strict=True))
    if narrow:
        fig, (detected, convicted, rates, ratios) = panels(4, narrow, (12, 9.5), 20)
    else:
        fig = plt.figure(figsize=(12, 9.5))
        grid = fig.add_gridspec(2, 2, height_ratios=[1.15, 0.85])
        detected, convicted = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        rates, ratios = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    target = result.facts["funnel_target"]
    _funnel(detected, table, result.tables["funnel_detected"], "detected", colours,
            f"Funnel: detected victims per 100,000, each country-year (Nordic rate {target['detected']:.2f})",
            "victims detected per 100,000", narrow)
    _funnel(convicted, table, result.tables["funnel_convicted"], "convicted", colours,
            f"Funnel: persons convicted per million (Nordic rate {target['convicted']:.2f})",
            "persons convicted per million", narrow)
    detected.legend(frameon=False, fontsize=8, ncols=3 if narrow else 2,
                    **(under(detected, 40) if narrow else {"loc": "upper right"}))
    grey = "#555555"
    marks.add_key(convicted, [
        (Line2D([], [], color=grey, linestyle=":", linewidth=1), "95% limits"),
        (Line2D([], [], color=grey, linestyle="--", linewidth=1), "99.8% limits"),
        (Line2D([], [], color=grey, linewidth=4, alpha=0.45), "range of a '<5' count (1 to 4)"),
        (Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="#000000", linestyle="none"),
         "ringed: flagged value (b, d, r or u)")], **(under(convicted, 40) if narrow else {"loc": "upper right"}))
    _pooled_rates(rates, pooled, colours, narrow)
    _pooled_ratios(ratios, pooled, colours, confidence, narrow)
    return fig


def _pooled_rates(rates: plt.Axes, pooled, colours: dict, narrow: bool) -> None:
    """Each country's detection rate pooled over its years, with its interval."""
    y = list(range(len(pooled)))
    colour_list = [colours[i] for i in pooled.iso3]
    marks.chance_bars(rates, y, pooled.detected_rate, pooled.detected_rate_ci_low, pooled.detected_rate_ci_high,
                      "#333333", horizontal=True)
    for yi, row, colour in zip(y, pooled.itertuples(), colour_list, strict=True):
        marks.points(rates, [yi], [row.detected_rate], [row.detected_rate_unreliable], colour, size=60,
                     horizontal=True)
        rates.annotate(f"{row.detected_rate:,.1f}", (row.detected_rate_ci_high, yi), textcoords="offset points",
                       xytext=(5, 0), ha="left", va="center", fontsize=8)
    gap = "\n" if narrow else " "
    rates.set_yticks(y, [f"{r.country}{gap}({r.detected_first:.0f}-{r.detected_last:.0f})"
                         for r in pooled.itertuples()])
    rates.invert_yaxis()
    rates.set_xlim(0, pooled.detected_rate_ci_high.max() * 1.2)
    rates.set_xlabel(fit("victims detected per 100,000 inhabitants a year, pooled", narrow, 36))
    rates.set_title(fit("Detection rate, pooled (overdispersed model; detection, not prevalence)", narrow, 36))
    rates.grid(axis="y", visible=False)


def _pooled_ratios(ratios: plt.Axes, pooled, colours: dict, confidence: float, narrow: bool) -> None:
    """Each country's victims per person convicted pooled over its years, with its interval and the key."""
    y = list(range(len(pooled)))
    colour_list = [colours[i] for i in pooled.iso3]
    finite = pooled.ratio_ci_high.replace(float("inf"), float("nan"))
    marks.chance_bars(ratios, y, pooled.ratio_model, pooled.ratio_ci_low, pooled.ratio_ci_high, "#333333",
                      horizontal=True, cap=float(finite.max()) * 1.05)
    for yi, row, colour in zip(y, pooled.itertuples(), colour_list, strict=True):
        marks.points(ratios, [yi], [row.ratio_model], [row.unreliable], colour, size=60, horizontal=True)
    gap = "\n" if narrow else " "
    ratios.set_yticks(y, [f"{r.country}{gap}({r.years} years)" for r in pooled.itertuples()])
    ratios.invert_yaxis()
    ratios.set_xlim(0, finite.max() * 1.05)
    ratios.set_xlabel(fit("detected victims per person convicted, pooled", narrow, 36))
    ratios.set_title(fit("Victims per person convicted, pooled (years with both counts)", narrow, 36))
    ratios.grid(axis="y", visible=False)
    marks.add_key(ratios,
                  marks.key_entries(confidence, censoring=False,
                                    unreliable=bool(pooled.unreliable.any() | pooled.detected_rate_unreliable.any()),
                                    reliable=True), **(under(ratios, 52) if narrow else {"loc": "lower right"}))
