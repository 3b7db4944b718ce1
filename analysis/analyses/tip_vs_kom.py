"""Notebook 10: the TIP's figures beside KOM's and the police's for the same year, and the TIP's own restatements."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, choose_vintage, restatements, sources_of
from ..data.vintages import RULES
from .result import Prose, Result, analysis_of, one_of

#: TIP metric and the KOM metric that counts the nearest thing.
TIP_KOM_PAIRS = {
    "victims_identified_assisted": "victims_followed_up",
    "investigations": "police_reports",
    "convictions": "judgments",
}


def _check(data: Dataset, p: dict) -> list[str]:
    return one_of("rule", p["rule"], RULES)


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


@analysis_of("10_tip_vs_kom", _check)
def analyse(data: Dataset, rule: str = "latest") -> Result:
    """Where TIP and KOM agree and differ, the widest gap, and the TIP's restatements of itself."""
    pairs = reconcile(data.figures, data.sources, rule)
    pairs.insert(0, "label", [label(r) for r in pairs.itertuples()])
    restated = restatements(data.figures, data.sources)
    differs = restated[~restated.agrees]
    widest = widest_gap(pairs)
    agree = int((pairs.difference == 0).sum())
    summary = (
        f"{len(pairs)} year-by-year comparisons; the largest gap: {widest.label} ({widest.population}), "
        f"TIP {widest.value_tip:.0f} ({widest.definition_tip}) against KOM {widest.value_kom:.0f} ({widest.definition_kom}). "
        f"{restated.id.nunique()} figures are restated by later TIP editions; "
        + ("all agree." if differs.empty else f"{differs.id.nunique()} differ: " + ", ".join(differs.id)))
    ids = [*pairs.id_tip, *pairs.id_kom]
    return Result(
        title=f"TIP and KOM agree in {agree} of {len(pairs)} comparisons; "
              f"the widest gap is {widest.label}: {widest.value_tip:.0f} against {widest.value_kom:.0f}",
        table=pd.concat([pairs.assign(panel="tip_vs_kom"), restated.assign(panel="restatements")], ignore_index=True),
        facts={"comparisons": len(pairs), "agree": agree, "widest": widest.label,
               "widest_values": (float(widest.value_tip), float(widest.value_kom)), "restated_differ": list(differs.id)},
        figure_ids=tuple(ids),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(summary),
        tables={"pairs": pairs, "restated": restated},
    )
