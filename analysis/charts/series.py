"""Charts of notebooks 06-10: figures across editions and sources, year by year.

Each function draws the plot of one :class:`~analysis.analyses.Result`; the
title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from ..analyses import Result
from . import marks
from .theme import NOTE_GREY, OKABE_ITO, THOUSANDS


def conviction_gap_series(result: Result) -> plt.Figure:
    table = result.table
    years = list(table.year)
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 9), sharex=True, gridspec_kw={"height_ratios": [1.3, 1, 1]})
    unodc, tip, kom = OKABE_ITO[4], OKABE_ITO[5], OKABE_ITO[2]

    confidence = result.parameters["confidence"]
    point = table[table.glotip_ratio_low == table.glotip_ratio_high]
    span = table[table.glotip_ratio_low < table.glotip_ratio_high]
    have_tip = table.dropna(subset=["tip_victims_per_conviction"])
    high = max(table.glotip_ratio_ci_high.replace(float("inf"), float("nan")).max(), have_tip.tip_ratio_ci_high.max() if len(have_tip) else 0)
    marks.censoring_bars(top, span.year, span.glotip_ratio_low, span.glotip_ratio_high, unodc)
    marks.chance_bars(top, table.year, table.glotip_ratio_low.where(table.glotip_ratio_low == table.glotip_ratio_high,
                                                                       (table.glotip_ratio_low * table.glotip_ratio_high) ** 0.5),
                      table.glotip_ratio_ci_low, table.glotip_ratio_ci_high, unodc, cap=high)
    marks.points(top, point.year, point.glotip_ratio_low, point.glotip_unreliable, unodc, label="UNODC: detected victims / persons convicted")
    marks.chance_bars(top, have_tip.year + 0.25, have_tip.tip_victims_per_conviction, have_tip.tip_ratio_ci_low, have_tip.tip_ratio_ci_high,
                      tip, cap=high)
    marks.points(top, have_tip.year + 0.25, have_tip.tip_victims_per_conviction, have_tip.tip_unreliable, tip, marker="D",
                 label="TIP: government count / convictions")
    top.set_yscale("log")
    top.set_ylabel("victims per person convicted\n(log scale)")
    top.yaxis.set_major_formatter(THOUSANDS)
    top.legend(frameon=False, fontsize=8, loc="upper left", ncols=1)
    marks.add_key(top, marks.key_entries(confidence, censoring=len(span) > 0, unreliable=bool(table.glotip_unreliable.any()),
                                         reliable=bool((~table.glotip_unreliable & table.glotip_ratio_ci_low.notna()).any())),
                  loc="upper right", ncols=2)
    low = min(table.glotip_ratio_ci_low.min(), have_tip.tip_ratio_ci_low.min() if len(have_tip) else float("inf"))
    top.set_ylim(low / 1.5, high * 5)

    middle.plot(table.year, table.glotip_detected_low, color=unodc, marker="o", label="UNODC: detected")  # a gap where none is reported
    middle.scatter(have_tip.year, have_tip.tip_victims, color=tip, marker="D", zorder=3, label="TIP: government count")
    followed = table.dropna(subset=["kom_victims"])
    middle.scatter(followed.year, followed.kom_victims, color=kom, marker="s", zorder=3, label="KOM: followed up")
    middle.set_ylabel("victims")
    middle.set_ylim(0, max(table.glotip_detected_high.max(), table.kom_victims.max(), table.tip_victims.max()) * 1.15)
    middle.yaxis.set_major_formatter(THOUSANDS)
    middle.legend(frameon=False, fontsize=8, loc="upper left", ncols=3)

    exact = table[table.glotip_convicted_low == table.glotip_convicted_high]
    censored = table[table.glotip_convicted_low < table.glotip_convicted_high]
    bottom.bar(exact.year, exact.glotip_convicted_low, color=unodc, alpha=0.8, label="UNODC: persons convicted")
    bottom.bar(censored.year, censored.glotip_convicted_high, color="white", edgecolor=unodc, hatch="///",
               label="UNODC: '<5' (1 to 4)")
    marks.chance_bars(bottom, table.year, table.glotip_convicted_low.where(table.glotip_convicted_low == table.glotip_convicted_high,
                                                                           table.glotip_convicted_high),
                      table.glotip_convicted_ci_low, table.glotip_convicted_ci_high, "#333333")
    trend = result.facts["trend_convicted"]
    if trend is not None:
        fitted = table.dropna(subset=["glotip_convicted_fitted"])
        bottom.plot(fitted.year, fitted.glotip_convicted_fitted, color="#333333", linestyle="--", linewidth=1.2,
                    label=f"fitted trend ({trend['model']}): {trend['percent_a_year']:+.0f}% a year")
    convicted = table.dropna(subset=["tip_convictions"])
    bottom.scatter(convicted.year, convicted.tip_convictions, color=tip, marker="D", zorder=3, label="TIP: convictions")
    bottom.set_ylabel("persons convicted")
    bottom.set_ylim(0, table.glotip_convicted_ci_high.max() * 1.25)
    handles, labels = bottom.get_legend_handles_labels()
    (chance_handle, chance_label), = marks.key_entries(confidence, censoring=False, unreliable=False)
    bottom.legend([*handles, chance_handle], [*labels, chance_label], frameon=False, fontsize=8, loc="upper left", ncols=3)
    for ax, column in ((middle, "glotip_detected_low"), (bottom, "glotip_convicted_low")):
        for row in table[table[column].isna()].itertuples():
            ax.text(row.year, ax.get_ylim()[1] * 0.03, "n/a", ha="center", va="bottom", fontsize=7, color="#666666", rotation=90)
    bottom.set_xticks(years, [str(y) for y in years], rotation=45)
    bottom.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    return fig


def attention_series(result: Result) -> plt.Figure:
    shares = result.table
    fig, ax = plt.subplots(figsize=(9, 5))
    styles = {"TIP": ("o", OKABE_ITO[5]), "KOM": ("s", OKABE_ITO[4])}
    for name, rows in shares.groupby("series"):
        marker, colour = styles[name]
        shift = -0.1 if name == "TIP" else 0.1
        marks.chance_bars(ax, rows.year + shift, rows.share_sex * 100, rows.share_ci_low * 100, rows.share_ci_high * 100, colour)
        marks.points(ax, rows.year + shift, rows.share_sex * 100, rows.unreliable, colour, marker=marker, label=f"{name}: {rows.measure.iloc[0]}")
        for row in rows.itertuples():
            # TIP labels left of the point, KOM labels right: two series at one year never print on top of each other.
            ax.annotate(f"{row.share_sex:.0%}", (row.year + shift, row.share_sex * 100), textcoords="offset points",
                        xytext=(-6 if name == "TIP" else 6, 0), ha="right" if name == "TIP" else "left", va="center", fontsize=8, color=colour)
    ax.axhline(50, color=NOTE_GREY, linewidth=1, linestyle="--")
    ax.set_ylim(0, 100)
    ax.set_xlim(shares.year.min() - 0.5, shares.year.max() + 0.5)
    ax.set_ylabel("sexual exploitation, % of cases")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(frameon=False, loc="lower right")
    marks.add_key(ax, marks.key_entries(result.parameters["confidence"], censoring=False, unreliable=bool(shares.unreliable.any()),
                                        reliable=bool((~shares.unreliable).any())) + [
                      (plt.Line2D([], [], color="#555555", marker="o", linestyle="none"), "no bar: a share the source states, no counts")],
                  loc="lower left")
    return fig


def funding_series(result: Result) -> plt.Figure:
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
        ax.bar(list(positions.values()), part / 1e6, bottom=bottom / 1e6, color=colours[item], label=textwrap.shorten(item, 70))
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
                                                  ("nok_per_victim_constant", 0.08, "D", OKABE_ITO[5], f"kroner of {base_year}")):
        suffix = "_constant" if "constant" in column else ""
        marks.chance_bars(per, x + shift, amounts[column], amounts[f"ci_low{suffix}"], amounts[f"ci_high{suffix}"], colour)
        marks.points(per, x + shift, amounts[column], amounts.unreliable, colour, marker=marker, label=name)
    per.set_yscale("log")
    given = amounts.dropna(subset=["nok_per_victim"])
    low, high = (min(given.ci_low.min(), given.ci_low_constant.min()), max(given.ci_high.max(), given.ci_high_constant.max())) if len(given) \
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
    per.set_ylabel(f"NOK per victim (log scale)\n{result.facts['denominator'].replace('unodc_detected', 'UNODC detected').replace('tip', 'TIP count')}")
    per.legend(frameon=False, fontsize=8, loc="upper left")
    marks.add_key(per, marks.key_entries(result.parameters["confidence"], censoring=False, unreliable=bool(amounts.unreliable.any()),
                                         reliable=bool((~amounts.unreliable & amounts.victims.notna()).any())), loc="lower right")
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
    unodc = result.tables["three_sources"].set_index("year").glotip
    victims = [(i, float(unodc[r.year].replace(",", ""))) for i, r in enumerate(pairs.itertuples())
               if r.tip_metric == "victims_identified_assisted" and r.population == "all" and r.form == "unsplit" and r.year in unodc.index]
    ax.scatter([v for _, v in victims], [i for i, _ in victims], facecolor="none", edgecolor=OKABE_ITO[2], marker="o", s=110,
               linewidth=1.8, label="UNODC: detected victims", zorder=4)
    ax.set_yticks(list(y), list(pairs.label), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("count (victims, cases or reports, judgments)")
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.legend(frameon=False, loc="lower right")
    return fig


def labor_share_series(result: Result) -> plt.Figure:
    shares = result.table
    fig, ax = plt.subplots(figsize=(10, 5.5))
    styles = {"detected victims": (OKABE_ITO[1], -0.14, "o"), "persons convicted": (OKABE_ITO[5], 0.14, "D")}
    for stage, rows in shares.groupby("stage"):
        colour, shift, marker = styles[stage]
        point = rows[rows.share_low == rows.share_high]
        span = rows[rows.share_low < rows.share_high]
        middle = rows.share_low.where(rows.share_low == rows.share_high, (rows.share_low + rows.share_high) / 2)
        marks.censoring_bars(ax, span.year + shift, span.share_low * 100, span.share_high * 100, colour)
        marks.chance_bars(ax, rows.year + shift, middle * 100, rows.share_ci_low * 100, rows.share_ci_high * 100, colour)
        marks.points(ax, point.year + shift, point.share_low * 100, point.unreliable, colour, marker=marker, label=f"share of {stage}")
    ax.set_ylim(0, 100)
    years = sorted(shares.year.unique())
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.set_xticks(years, [str(y) for y in years], rotation=45)
    ax.set_ylabel("forced labour, % of the year's count")
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.3, -0.14), ncols=1)
    marks.add_key(ax, marks.key_entries(result.parameters["confidence"], censoring=bool((shares.share_low < shares.share_high).any()),
                                        unreliable=bool(shares.unreliable.any()), reliable=bool((~shares.unreliable & shares.share_low.notna()).any())),
                  loc="upper center", bbox_to_anchor=(0.72, -0.14), ncols=2)
    return fig


def nordic_comparison(result: Result) -> plt.Figure:
    table, pooled = result.table, result.tables["pooled"]
    confidence = result.parameters["confidence"]
    colours = dict(zip(["NOR", "SWE", "DNK", "FIN", "ISL"], [OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[2], OKABE_ITO[0], OKABE_ITO[6]], strict=True))
    fig = plt.figure(figsize=(12, 9))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 0.9])
    detected, convicted = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    rates, ratios = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    for number, (iso3, rows) in enumerate(table.groupby("iso3", sort=False)):
        colour, name = colours[iso3], rows.country.iloc[0]
        shift = (number - 2) * 0.12  # side by side, so that one country's '<5' bar does not hide another's
        exact_detected = rows.detected_rate_low.where(rows.detected_rate_low == rows.detected_rate_high)
        detected.plot(rows.year, exact_detected, color=colour, marker="o", markersize=4, label=name)
        marks.censoring_bars(detected, rows.year + shift, rows.detected_rate_low, rows.detected_rate_high, colour, width=3)
        exact = rows.convicted_rate_low.where(rows.convicted_rate_low == rows.convicted_rate_high)
        convicted.plot(rows.year, exact, color=colour, marker="o", markersize=4, label=name)
        marks.censoring_bars(convicted, rows.year + shift, rows.convicted_rate_low, rows.convicted_rate_high, colour, width=3)
    years = sorted(table.year.unique())
    for ax, title in ((detected, "Victims detected per 100,000 inhabitants"), (convicted, "Persons convicted per million inhabitants")):
        ax.set_title(title)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.1f}" if v < 10 else f"{v:,.0f}"))
    detected.set_ylim(0, table.detected_rate_high.max() * 1.22)  # room for the key above the lines
    convicted.set_ylim(0, table.convicted_rate_high.max() * 1.15)
    detected.legend(frameon=False, fontsize=8, loc="upper left", ncols=3)
    marks.add_key(convicted, [(h, t) for h, t in marks.key_entries(confidence, censoring=True, unreliable=False)[1:]], loc="upper right")

    y = list(range(len(pooled)))
    colour_list = [colours[i] for i in pooled.iso3]
    middle = (pooled.detected_rate_low + pooled.detected_rate_high) / 2
    marks.chance_bars(rates, y, middle, pooled.detected_rate_ci_low, pooled.detected_rate_ci_high, "#333333", horizontal=True)
    for yi, row, colour in zip(y, pooled.itertuples(), colour_list, strict=True):
        marks.points(rates, [yi], [(row.detected_rate_low + row.detected_rate_high) / 2], [row.detected_rate_unreliable], colour,
                     size=60, horizontal=True)
        rates.annotate(f"{(row.detected_rate_low + row.detected_rate_high) / 2:,.1f}", (row.detected_rate_ci_high, yi), textcoords="offset points",
                       xytext=(5, 0), ha="left", va="center", fontsize=8)
    rates.set_yticks(y, [f"{r.country} ({r.detected_years} years)" for r in pooled.itertuples()])
    rates.invert_yaxis()
    rates.set_xlim(0, pooled.detected_rate_ci_high.max() * 1.2)
    rates.set_xlabel("victims detected per 100,000 inhabitants a year, pooled")
    rates.set_title("Detection rate, pooled (detection, not prevalence)")
    rates.grid(axis="y", visible=False)

    marks.censoring_bars(ratios, y, pooled.ratio_low, pooled.ratio_high, "#777777", horizontal=True, width=8)
    marks.chance_bars(ratios, y, (pooled.ratio_low + pooled.ratio_high) / 2, pooled.ratio_ci_low, pooled.ratio_ci_high, "#333333",
                      horizontal=True)
    for yi, row, colour in zip(y, pooled.itertuples(), colour_list, strict=True):
        marks.points(ratios, [yi], [(row.ratio_low + row.ratio_high) / 2], [row.unreliable], colour, size=60, horizontal=True)
    ratios.set_yticks(y, [f"{r.country} ({r.years} years)" for r in pooled.itertuples()])
    ratios.invert_yaxis()
    ratios.set_xlim(0, pooled.ratio_ci_high.replace(float("inf"), float("nan")).max() * 1.05)
    ratios.set_xlabel("detected victims per person convicted, pooled")
    ratios.set_title("Victims per person convicted, pooled (years with both counts)")
    ratios.grid(axis="y", visible=False)
    marks.add_key(rates, marks.key_entries(confidence, censoring=True, unreliable=bool(pooled.unreliable.any() | pooled.detected_rate_unreliable.any()),
                                           reliable=True), loc="center right")
    return fig
