"""Notebook 06: the government's count of victims and the traffickers convicted, year by year, across TIP editions."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, choose_vintage, sources_of, victim_count
from ..data.measures import GOVERNMENT_COUNTS, VICTIM_MEASURES
from ..data.vintages import RULES
from .result import Prose, Result, analysis_of, one_of, year_range


def _tip(figures: pd.DataFrame, sources: pd.DataFrame, rule: str) -> pd.DataFrame:
    chosen = choose_vintage(figures, sources, rule)
    return chosen[(chosen.series == "TIP") & (chosen.period_kind == "calendar_year")]


def _check(data: Dataset, p: dict) -> list[str]:
    problems = one_of("rule", p["rule"], RULES)
    years = data.figures[data.figures.metric.isin([*GOVERNMENT_COUNTS, "convictions"]) & (data.figures.period_kind == "calendar_year")]
    return problems + year_range("first_year", p["first_year"], "last_year", p["last_year"], years.period_start)


def victims_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int], rule: str = "latest") -> pd.DataFrame:
    """The TIP's government count of victims for each year, by the best measure the editions give.

    Identified-and-assisted counts come first; then victims identified (adding
    the populations given, when together they cover everyone, e.g. adults and
    children); then the government's estimate. A year without any keeps the
    reason the preferred measure gives.
    """
    tip = _tip(figures, sources, rule)
    rows = []
    for year in years:
        found = None
        for name in GOVERNMENT_COUNTS:
            try:
                count = victim_count(tip, name, year)
            except LookupError:
                continue
            definitions = tip[tip.id.isin(count.ids)].set_index("id").definition.loc[list(count.ids)]
            found = {"measure": name, "victims": count.value, "hedge": count.hedge, "definition": " + ".join(definitions),
                     "ids": count.ids, "missing_reason": None}
            break
        if found is None:
            gap = tip[(tip.metric == GOVERNMENT_COUNTS[0]) & (tip.period_start == year) & (tip.form == "unsplit")]
            reason = gap.missing_reason.iloc[0] if len(gap) else "no source covers this year"
            found = {"measure": None, "victims": float("nan"), "hedge": None, "definition": None, "ids": tuple(gap.id),
                     "missing_reason": reason}
        rows.append({"year": year, **found})
    return pd.DataFrame(rows)


def convictions_per_year(figures: pd.DataFrame, sources: pd.DataFrame, years: list[int], rule: str = "latest") -> pd.DataFrame:
    """Traffickers convicted per year in the TIP series: the unsplit count, or sex and labor added."""
    tip = _tip(figures, sources, rule)
    tip = tip[tip.metric == "convictions"]
    rows = []
    for year in years:
        here = tip[tip.period_start == year]
        given = here[here.value.notna()]
        unsplit = given[given.form == "unsplit"]
        split = given[given.form.isin(["sex", "labor"])]
        if len(unsplit):
            rows.append({"year": year, "convictions": float(unsplit.value.iloc[0]), "ids": tuple(unsplit.id), "missing_reason": None})
        elif set(split.form) == {"sex", "labor"}:
            rows.append({"year": year, "convictions": float(split.value.sum()), "ids": tuple(split.id), "missing_reason": None})
        else:
            reason = here.missing_reason.dropna().iloc[0] if here.missing_reason.notna().any() else "no source covers this year"
            rows.append({"year": year, "convictions": float("nan"), "ids": tuple(here.id), "missing_reason": reason})
    return pd.DataFrame(rows)


@analysis_of("06_series_conviction_gap", _check)
def analyse(data: Dataset, first_year: int = 2010, last_year: int = 2024, rule: str = "latest") -> Result:
    """Victims per conviction for every year where both counts exist, and why the other years have none."""
    years = list(range(first_year, last_year + 1))
    victims = victims_per_year(data.figures, data.sources, years, rule)
    convictions = convictions_per_year(data.figures, data.sources, years, rule)
    table = victims.merge(convictions, on="year", suffixes=("_victims", "_convictions"))
    table["victims_per_conviction"] = table.victims / table.convictions.where(table.convictions > 0)
    both = table.dropna(subset=["victims_per_conviction"])
    gaps = table[table.victims_per_conviction.isna()]
    reasons = gaps.missing_reason_victims.fillna(gaps.missing_reason_convictions).fillna("no conviction to divide by")
    lines = [f"- {r.year}: {r.victims:,.0f} ({VICTIM_MEASURES[r.measure].plural}, as worded: {r.definition}) / "
             f"{r.convictions:.0f} convictions = {r.victims_per_conviction:.0f}" for r in both.itertuples()]
    summary = (f"Computable for {len(both)} of {len(table)} years:\n" + "\n".join(lines)
               + "\n\nNot computable: " + "; ".join(f"{y} ({r})" for y, r in zip(gaps.year, reasons, strict=True)))
    ids = [i for cell in (*table.ids_victims, *table.ids_convictions) for i in cell]
    return Result(
        title=f"Victims per conviction can be computed for {len(both)} of {len(table)} years "
              f"({', '.join(str(y) for y in both.year)}); n/a marks a year no readable edition reports",
        table=table,
        facts={"computable_years": [int(y) for y in both.year], "years": len(table),
               "victims_per_conviction": {int(r.year): float(r.victims_per_conviction) for r in both.itertuples()}},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(summary),
    )
