"""Charts of notebooks 06-10: figures across editions and sources, year by year.

Each function draws the plot of one :class:`~analysis.analyses.Result`; the
title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd

from ..analyses import Result
from ..data.measures import GOVERNMENT_COUNTS, VICTIM_MEASURES
from .theme import NOTE_GREY, OKABE_ITO, THOUSANDS


def conviction_gap_series(result: Result) -> plt.Figure:
    table = result.table
    years = list(table.year)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    colours = dict(zip(GOVERNMENT_COUNTS, [OKABE_ITO[2], OKABE_ITO[1], OKABE_ITO[0]], strict=True))
    for measure, colour in colours.items():
        rows = table[table.measure == measure]
        if len(rows):
            top.bar(rows.year, rows.victims, color=colour, label=VICTIM_MEASURES[measure].plural)
    top.set_ylabel("victims (government)")
    top.legend(frameon=False, fontsize=8, loc="upper right")
    have = table.dropna(subset=["convictions"])
    bottom.bar(have.year, have.convictions, color=OKABE_ITO[4])
    for ax, column in ((top, "victims"), (bottom, "convictions")):
        ymax = max(table[column].max(skipna=True), 1)
        ax.set_ylim(0, ymax * 1.15)
        ax.yaxis.set_major_formatter(THOUSANDS)
        for row in table[table[column].isna()].itertuples():
            ax.text(row.year, ymax * 0.03, "n/a", ha="center", va="bottom", fontsize=7, color="#666666", rotation=90)
    bottom.set_ylabel("traffickers convicted")
    bottom.set_xticks(years, [str(y) for y in years], rotation=45)
    bottom.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    return fig


def attention_series(result: Result) -> plt.Figure:
    shares = result.table
    fig, ax = plt.subplots(figsize=(9, 5))
    styles = {"TIP": ("o", OKABE_ITO[5], 8, "bottom"), "KOM": ("s", OKABE_ITO[4], -9, "top")}
    for name, rows in shares.groupby("series"):
        marker, colour, offset, va = styles[name]
        ax.plot(rows.year, rows.share_sex * 100, marker=marker, color=colour, linestyle="none", label=f"{name}: {rows.measure.iloc[0]}")
        for row in rows.itertuples():
            # TIP labels above the point, KOM labels below: two series at one year never print on top of each other.
            ax.annotate(f"{row.share_sex:.0%}", (row.year, row.share_sex * 100), textcoords="offset points", xytext=(0, offset),
                        ha="center", va=va, fontsize=8, color=colour)
    ax.axhline(50, color=NOTE_GREY, linewidth=1, linestyle="--")
    ax.set_ylim(0, 100)
    ax.set_xlim(shares.year.min() - 0.5, shares.year.max() + 0.5)
    ax.set_ylabel("sexual exploitation, % of cases")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(frameon=False, loc="lower right")
    return fig


def funding_series(result: Result) -> plt.Figure:
    lines, totals = result.table, result.tables["totals"].set_index("year").nok
    years = list(totals.index)
    fig, ax = plt.subplots(figsize=(9, 6))
    items = list(dict.fromkeys(lines["item"]))
    colours = dict(zip(items, OKABE_ITO * 2, strict=False))
    bottom = pd.Series(0.0, index=years)
    for item in items:
        part = lines[lines["item"] == item].set_index("year").nok.reindex(years).fillna(0)
        ax.bar([str(y) for y in years], part / 1e6, bottom=bottom / 1e6, color=colours[item], label=textwrap.shorten(item, 70))
        bottom += part
    for year, total in totals.items():
        label = f"{total / 1e6:,.1f}" if not pd.isna(total) else "none\nreported"
        ax.text(str(year), (0 if pd.isna(total) else total) / 1e6, label, ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("NOK million, lines the TIP names")
    ax.set_ylim(0, totals.max() / 1e6 * 1.1)
    ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2)
    return fig


def tiers_and_drift(result: Result) -> plt.Figure:
    tiers, drift = result.tables["tiers"], result.tables["drift"]
    editions = list(tiers.edition)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
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
        right.plot(rows.period_end, rows.value, marker="o" if tip else "s", color=colour, linestyle="-" if tip else "none", label=name)
        for row in rows.itertuples():
            right.annotate(row.label.replace(" (", "\n("), (row.period_end, row.value), textcoords="offset points",
                           xytext=(7, -4), ha="left", va="top", fontsize=8)
    right.set_xlabel("last year covered")
    right.set_ylabel("convictions since 2003")
    right.set_xlim(drift.period_end.min() - 0.6, drift.period_end.max() + 0.6)
    right.set_ylim(0, drift.value.max() * 1.1)
    right.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    right.legend(frameon=False, loc="lower right")
    right.set_title("Cumulative convictions as stated")
    return fig


def tip_vs_kom(result: Result) -> plt.Figure:
    pairs = result.tables["pairs"]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    y = range(len(pairs))
    ax.hlines(y, pairs.value_tip, pairs.value_kom, color="#999999", linewidth=2)
    ax.scatter(pairs.value_tip, y, color=OKABE_ITO[5], label="TIP", zorder=3)
    ax.scatter(pairs.value_kom, y, color=OKABE_ITO[4], marker="s", label="KOM / police", zorder=3)
    ax.set_yticks(list(y), list(pairs.label), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("count (victims, cases or reports, judgments)")
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.legend(frameon=False, loc="lower right")
    return fig
