"""Charts of notebooks 01-05: one TIP narrative (and the 2017 statement) at a time.

Each function draws the plot of one :class:`~analysis.analyses.Result`; the
title, source line and layout are added by :func:`~analysis.charts.finish.finish`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..analyses import Result
from ..data import VICTIM_MEASURES
from . import marks
from .theme import FORM_COLOURS, NOTE_GREY, OKABE_ITO, THOUSANDS


def _about(hedge: str) -> str:
    return "~" if hedge == "approximately" else ""


def conviction_gap(result: Result) -> plt.Figure:
    per_year, windows = result.tables["per_year"], result.tables["windows"]
    measure = VICTIM_MEASURES[result.parameters["denominator"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5), gridspec_kw={"width_ratios": [1, 1.5]})
    positions = list(range(len(per_year)))
    left.bar(positions, per_year.victims_per_conviction, color=FORM_COLOURS["unsplit"], alpha=0.35, width=0.6)
    marks.chance_bars(left, positions, per_year.victims_per_conviction, per_year.ci_low, per_year.ci_high, "#333333")
    marks.points(left, positions, per_year.victims_per_conviction, per_year.unreliable, "#333333", size=30)
    for x, row in zip(positions, per_year.itertuples(), strict=True):
        left.annotate(f"{_about(row.victims_hedge)}{row.victims_per_conviction:,.0f}", (x, row.victims_per_conviction), textcoords="offset points",
                      xytext=(8, 0), ha="left", va="center", fontsize=9)
    left.set_xticks(positions, [str(y) for y in per_year.year])
    left.set_xlim(-0.6, len(per_year) - 0.4)
    left.set_ylabel(f"{measure.plural}\nper trafficker convicted")
    left.set_title("Per calendar year")
    left.set_ylim(0, per_year.ci_high.replace(float("inf"), float("nan")).max() * 1.22)
    marks.add_key(left, marks.key_entries(result.parameters["confidence"], censoring=False, unreliable=bool(per_year.unreliable.any()),
                                          reliable=bool((~per_year.unreliable).any())), loc="upper left", ncols=1)
    left.yaxis.set_major_formatter(THOUSANDS)

    for i, row in enumerate(windows.itertuples()):
        colour = OKABE_ITO[4] if row.measure == "convictions" else OKABE_ITO[0]
        right.barh(i, row.years, left=row.period_start - 0.5, color=colour, height=0.5)
    right.set_yticks(range(len(windows)), [f"{_about(r.hedge)}{r.value:,.0f} {r.measure.replace('_', ' ')}\n{r.period_start}-{r.period_end}"
                                           for r in windows.itertuples()])
    right.set_xlim(windows.period_start.min() - 0.5, windows.period_end.max() + 0.5)
    right.set_title("Cumulative windows" + ("" if result.facts["windows_match"] else " (they do not match)"))
    right.grid(axis="y", visible=False)
    right.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    return fig


def labor_vs_sex(result: Result) -> plt.Figure:
    by_stage = result.table
    stages, years = list(result.parameters["stages"]), sorted(by_stage.year.unique())
    fig, ax = plt.subplots(figsize=(10, 5.5))
    width = 0.8 / len(years)
    for i, year in enumerate(years):
        rows = by_stage[by_stage.year == year]
        x = [stages.index(s) + (i - (len(years) - 1) / 2) * width for s in rows.stage]
        colour = OKABE_ITO[[1, 4, 2, 0][i % 4]]
        ax.bar(x, rows.share_labor * 100, width=width * 0.95, label=str(year), color=colour, alpha=0.6)
        marks.chance_bars(ax, x, rows.share_labor * 100, rows.share_ci_low * 100, rows.share_ci_high * 100, "#333333")
        marks.points(ax, x, rows.share_labor * 100, rows.unreliable, "#333333", size=22)
        for xi, row in zip(x, rows.itertuples(), strict=True):
            ax.annotate(f"{row.share_labor:.0%}\n({row.labor:,.0f} of {row.total:,.0f})", (xi, row.share_ci_high * 100), textcoords="offset points",
                        xytext=(0, 3), ha="center", va="bottom", fontsize=8)
    ax.axhline(50, color=NOTE_GREY, linewidth=1, linestyle="--")
    ax.text(len(stages) - 1 + 0.4, 51, "equal attention", fontsize=8, color=NOTE_GREY, ha="right", va="bottom")
    ax.set_xticks(range(len(stages)), [s.capitalize() for s in stages])
    ax.set_ylabel("labor trafficking, % of the stage's count")
    ax.set_ylim(0, 100)
    ax.legend(title="Year", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    marks.add_key(ax, marks.key_entries(result.parameters["confidence"], censoring=False, unreliable=bool(by_stage.unreliable.any()),
                                        reliable=bool((~by_stage.unreliable).any())), loc="upper left", bbox_to_anchor=(1.0, 0.7))
    return fig


def funding_per_victim(result: Result) -> plt.Figure:
    table, facts = result.table, result.facts
    currency = facts["currency"]
    shown = table[table.id != "total"]
    fig, ax = plt.subplots(figsize=(8, 4.8))
    positions = list(range(len(shown)))
    bars = ax.barh(positions, shown.nok_per_victim, color=OKABE_ITO[4], height=0.6)
    ax.bar_label(bars, labels=[f"NOK {n:,.0f}\n({currency} {c:,.0f})" for n, c in zip(shown.nok_per_victim, shown[f"{currency.lower()}_per_victim"], strict=True)],
                 fontsize=8, label_type="center", color="white")
    marks.chance_bars(ax, positions, shown.nok_per_victim, shown.nok_per_victim_ci_low, shown.nok_per_victim_ci_high,
                      "#333333", horizontal=True)
    ax.set_yticks(positions, shown["item"].str.wrap(30))
    ax.set_xlim(0, shown.nok_per_victim_ci_high.max() * 1.05)
    ax.grid(axis="y", visible=False)
    marks.add_key(ax, [(h, f"{t}, of the victim count") for h, t in marks.key_entries(result.parameters["confidence"], False, False)],
                  loc="lower right", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel(f"NOK per {facts['per']}\n(denominator: {facts['victims_label']})")
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.invert_yaxis()
    return fig


_PROTECTION_LABELS = {"reflection_periods_granted": "reflection periods", "temporary_residence_permits_granted": "temporary residence permits",
                      "asylum_grants": "asylum grants", "shelter_accepted": "shelter accepted\n(one institution)"}


def victim_protection(result: Result) -> plt.Figure:
    table = result.table.assign(label=lambda t: t.measure.map(_PROTECTION_LABELS))
    years = sorted(table.year.unique())
    labels = list(dict.fromkeys(table.label))
    fig, ax = plt.subplots(figsize=(9, 5))
    height = 0.8 / len(years)
    palette = ([OKABE_ITO[1], OKABE_ITO[4]] if len(years) <= 2 else OKABE_ITO)[: len(years)]
    for i, (year, colour) in enumerate(zip(years, palette, strict=True)):
        rows = table[table.year == year].set_index("label").reindex(labels)
        y = [labels.index(lab) + (i - (len(years) - 1) / 2) * height for lab in labels]
        ax.barh(y, rows.per_100_victims, height=height * 0.95, color=colour, alpha=0.6, label=str(year))
        marks.chance_bars(ax, y, rows.per_100_victims, rows.ci_low, rows.ci_high, "#333333", horizontal=True)
        marks.points(ax, y, rows.per_100_victims, rows.unreliable.fillna(False).astype(bool), "#333333", size=22, horizontal=True)
        for yi, row in zip(y, rows.itertuples(), strict=True):
            if not pd.isna(row.per_100_victims):
                ax.annotate(f"{row.per_100_victims:.1f}", (row.ci_high, yi), textcoords="offset points", xytext=(4, 0), ha="left",
                            va="center", fontsize=8)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, table.ci_high.max() * 1.15)
    ax.set_xlabel("per 100 victims identified and assisted")
    ax.grid(axis="y", visible=False)
    ax.legend(title="Year", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    marks.add_key(ax, marks.key_entries(result.parameters["confidence"], censoring=False, unreliable=bool(table.unreliable.any()),
                                        reliable=bool((~table.unreliable & table["count"].notna()).any())),
                  loc="upper left", bbox_to_anchor=(1.0, 0.6))
    return fig


def policy_timeline(result: Result) -> plt.Figure:
    timeline = result.table
    sources = list(result.parameters["sources"])
    colours = dict(zip(sources, [OKABE_ITO[5], OKABE_ITO[4], OKABE_ITO[2], OKABE_ITO[0]], strict=False))
    fig, ax = plt.subplots(figsize=(10, 5.5))
    for i, row in enumerate(timeline.itertuples()):
        ax.scatter(row.year, i, s=60, color=colours[row.source_id] if row.dated else "white",
                   edgecolor=colours[row.source_id], linewidth=1.5, zorder=3)
    ax.set_yticks(range(len(timeline)), [f"{r.subject} ({r.event}{'' if r.dated else ', by then'})" for r in timeline.itertuples()],
                  fontsize=8)
    ax.set_xlim(timeline.year.min() - 1, timeline.year.max() + 1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    for source, colour in colours.items():
        ax.scatter([], [], color=colour, label=source)
    ax.scatter([], [], color="white", edgecolor=NOTE_GREY, label="no stated year")
    ax.legend(frameon=False, loc="lower left", title="Source")
    return fig
