"""Notebook 10: the TIP's figures beside KOM's and the police's for the same year, and the TIP's own restatements."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import Dataset, choose_vintage, kom_victims, restatements, sources_of
from ..data.flags import of_ids, value_flags
from ..data.vintages import RULES, choose_release, each_release
from . import words
from .count_derivations import tip_against_kom
from .domains import OneOf
from .result import Result, analysis_of
from .unodc import RELEASES, yearly_counts

#: TIP metric and the KOM metric that counts the nearest thing.
TIP_KOM_PAIRS = {
    "victims_identified_assisted": "victims_followed_up",
    "investigations": "police_reports",
    "convictions": "judgments",
}


def reconcile(figures: pd.DataFrame, sources: pd.DataFrame, rule: str = "latest") -> pd.DataFrame:
    """TIP figures beside the nearest KOM figure for the same year, form and population.

    Returns:
        One row per (pair of metrics, year, form, population) where both series
        give a value: each side's value, definition and id, the difference
        (KOM minus TIP) and the ratio KOM/TIP.
    """
    chosen = choose_vintage(figures, sources, rule)
    chosen = chosen[(chosen.period_kind == "calendar_year") & chosen.value.notna() & chosen.item.isna()]
    keys = ["period_start", "form", "population"]
    pairs = []
    for tip_metric, kom_metric in TIP_KOM_PAIRS.items():
        tip = chosen[(chosen.series == "TIP") & (chosen.metric == tip_metric)]
        kom = chosen[(chosen.series == "KOM") & (chosen.metric == kom_metric)]
        cols = [*keys, "value", "hedge", "definition", "unit", "id"]
        merged = tip[cols].merge(kom[cols], on=keys, suffixes=("_tip", "_kom"))
        merged.insert(0, "tip_metric", tip_metric)
        merged.insert(1, "kom_metric", kom_metric)
        pairs.append(merged)
    table = pd.concat(pairs, ignore_index=True).rename(columns={"period_start": "year"})
    table["difference"] = table.value_kom - table.value_tip
    table["ratio_kom_to_tip"] = table.value_kom / table.value_tip.where(table.value_tip != 0)
    return table.sort_values(["tip_metric", "year", "form", "population"], ignore_index=True)


def widest_gap(pairs: pd.DataFrame) -> pd.Series:
    """The comparison whose difference is largest relative to the larger of its two counts (0 against 0 is no gap)."""
    larger = pairs[["value_tip", "value_kom"]].max(axis=1)
    gap = (pairs.difference.abs() / larger.where(larger > 0)).fillna(0)
    return pairs.assign(relative_gap=gap).sort_values("relative_gap", kind="stable").iloc[-1]


def label(row) -> str:
    """A comparison as a reader names it: "victims 2016 women", "investigations 2014 labor"."""
    words = [row.tip_metric.split("_")[0], str(row.year)]
    words += [] if row.form == "unsplit" else [row.form]
    words += [] if row.population == "all" else [row.population]
    return " ".join(words)


def three_sources(pairs: pd.DataFrame, figures: pd.DataFrame, sources: pd.DataFrame, glotip: pd.DataFrame,
                  release: str) -> pd.DataFrame:
    """Norway's victims by year in UNODC's count beside KOM's (and the TIP's where it has one), with each definition.

    One row per year where UNODC and KOM both give a count for everyone.
    """
    kom = kom_victims(figures, sources)
    unodc = yearly_counts(choose_release(glotip, release), "NOR", "victims_detected", list(kom.index)).set_index("year")
    tip = pairs[(pairs.tip_metric == "victims_identified_assisted") & (pairs.population == "all")
                & (pairs.form == "unsplit")].set_index("year")
    rows = []
    for row in kom.itertuples():
        year = int(row.Index)
        if pd.isna(unodc.loc[year, "written"]):
            continue
        glotip_count = unodc.loc[year, "low"] if unodc.loc[year, "low"] == unodc.loc[year, "high"] else float("nan")
        rows.append({"year": year, "glotip": unodc.loc[year, "written"],
                     "glotip_definition": "detected trafficking victims (UNODC)",
                     "kom": float(row.value), "kom_definition": row.definition,
                     "tip": float(tip.loc[year, "value_tip"]) if year in tip.index else float("nan"),
                     "tip_definition": tip.loc[year, "definition_tip"] if year in tip.index else None,
                     "glotip_equals_kom": glotip_count == row.value, "ids": (unodc.loc[year, "id"], row.id)})
    return pd.DataFrame(rows)


@analysis_of(headline=("agree", "comparisons in which TIP and KOM agree"))
def analyse(data: Dataset, rule: Annotated[str, OneOf(RULES)] = "latest",
            release: Annotated[str, OneOf(RELEASES)] = "latest") -> Result:
    """Where TIP, KOM and UNODC agree and differ, and the widest gap between TIP and KOM.

    Also the TIP's restatements of itself.

    Args:
        data: The curated data; loaded when not given.
        rule: TIP edition to use where editions restate a figure: first or latest
        release: GLOTIP release to use where both give a count: first (2023) or latest (2025)
    """
    pairs = reconcile(data.figures, data.sources, rule)
    pairs.insert(0, "label", [label(r) for r in pairs.itertuples()])
    restated = restatements(data.figures, data.sources)
    differs = restated[~restated.agrees]
    widest = widest_gap(pairs)
    agree = int((pairs.difference == 0).sum())
    three = three_sources(pairs, data.figures, data.sources, data.glotip, release)
    flags = value_flags(data.glotip, data.series_breaks, choose_release(data.glotip, release))
    three["glotip_flags"], three["glotip_flag_reasons"] = of_ids(flags, [ids[0] for ids in three.ids])
    equal, differ = three[three.glotip_equals_kom], three[~three.glotip_equals_kom]
    # the same on each GLOTIP release alone: a year is said to be equal or not only where both releases agree
    by_release = {source_id: three_sources(pairs, data.figures, data.sources, rows, "latest")
                  for source_id, rows in each_release(data.glotip).items()}
    equal_each = {source_id: [int(y) for y in t[t.glotip_equals_kom].year] for source_id, t in by_release.items()}
    ids = [*pairs.id_tip, *pairs.id_kom, *(i for cell in three.ids for i in cell)]
    story = words.render(__name__, {
        "agree": agree, "comparisons": len(pairs), "widest": widest, "equal_years": list(equal.year),
        "differ": list(differ.itertuples()), "restated": restated.id.nunique(), "restated_differ": list(differs.id),
        "equal_each": equal_each,
        "releases_agree": all(years == [int(y) for y in equal.year] for years in equal_each.values())})
    return Result(
        title=story.title,
        table=pd.concat([pairs.assign(panel="tip_vs_kom"), restated.assign(panel="restatements")], ignore_index=True),
        facts={"glotip_equals_kom": [int(y) for y in equal.year],
               "glotip_differs_from_kom": [int(y) for y in differ.year],
               "glotip_equals_kom_on_each_release": equal_each,
               "comparisons": len(pairs), "agree": agree, "widest": widest.label,
               "widest_values": (float(widest.value_tip), float(widest.value_kom)),
               "restated_differ": list(differs.id), "derivations": tip_against_kom(pairs)},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids, data.glotip),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"pairs": pairs, "restated": restated, "three_sources": three},
    )
