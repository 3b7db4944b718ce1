"""Notebook 01: victims against traffickers convicted, per year and over the narrative's cumulative windows."""

from __future__ import annotations

import pandas as pd

from ..data import VICTIM_MEASURES, Dataset, from_source, select, sources_of, victim_count
from .result import Prose, Result, analysis_of, one_of, source_with_figures, years_in


def _check(data: Dataset, p: dict) -> list[str]:
    problems = source_with_figures("source", p["source"], data) + one_of("denominator", p["denominator"], VICTIM_MEASURES)
    if problems:
        return problems
    figures = from_source(data.figures, p["source"])
    convicted = select(figures, "convictions", period=None)
    counted = figures[(figures.metric == p["denominator"]) & figures.value.notna() & (figures.period_kind == "calendar_year")]
    both = set(convicted[convicted.form.isin(["sex", "labor"]) & (convicted.period_kind == "calendar_year")].period_start) \
        & set(counted.period_start)
    return years_in("years", p["years"], both)


def victims_per_conviction(figures: pd.DataFrame, denominator: str, years: list[int]) -> pd.DataFrame:
    """Victims and convictions (sex and labor added) per calendar year, and their ratio.

    Returns:
        One row per year: ``victims``, ``victims_hedge``, ``convictions``,
        ``victims_per_conviction`` and the ids of the figures used.

    Raises:
        ValueError: For an unknown measure. LookupError: if a year lacks a figure.
    """
    rows = []
    for year in years:
        victims = victim_count(figures, denominator, year)
        convictions = select(figures, "convictions", period=year)
        by_form = convictions.set_index("form").value
        if not {"sex", "labor"} <= set(by_form.index):
            raise LookupError(f"no sex and labor conviction figures for {year}: the data hold {sorted(by_form.index)}")
        total = float(by_form["sex"] + by_form["labor"])
        rows.append({
            "year": year,
            "victims": victims.value,
            "victims_hedge": victims.hedge,
            "convictions": total,
            "victims_per_conviction": victims.value / total if total else float("nan"),
            "victims_ids": victims.ids,
            "convictions_ids": tuple(convictions.id),
        })
    return pd.DataFrame(rows)


def cumulative_comparison(figures: pd.DataFrame) -> pd.DataFrame:
    """The narrative's cumulative contrast: potential victims assisted against convictions since 2003.

    The two windows differ (victims 2007-2013, convictions 2003 to the edition),
    so the table carries each window, its length, the per-year averages and a
    flag saying whether the windows match.
    """
    victims = select(figures, "potential_victims_assisted", form="unsplit")
    convictions = select(figures, "convictions", form="unsplit")
    convictions = convictions[convictions.period_kind == "cumulative"]
    rows = []
    for _, row in pd.concat([victims, convictions]).iterrows():
        years = int(row.period_end - row.period_start + 1)
        rows.append({
            "measure": row.metric, "period_start": int(row.period_start), "period_end": int(row.period_end),
            "period_kind": row.period_kind, "years": years, "value": float(row.value), "hedge": row.hedge,
            "per_year": float(row.value) / years, "id": row.id,
        })
    table = pd.DataFrame(rows)
    table["windows_match"] = table.period_start.nunique() == 1 and table.period_end.nunique() == 1
    return table


def _about(hedge: str) -> str:
    return "about " if hedge == "approximately" else ""


@analysis_of("01_conviction_gap", _check, headline=("victims_per_conviction", "victims per person convicted"))
def analyse(data: Dataset, source: str = "tip2015", denominator: str = "victims_identified_assisted",
            years: tuple[int, ...] = (2013, 2014)) -> Result:
    """Victims per trafficker convicted, for each year and for the narrative's cumulative windows."""
    figures = from_source(data.figures, source)
    per_year = victims_per_conviction(figures, denominator, list(years))
    windows = cumulative_comparison(figures)
    measure = VICTIM_MEASURES[denominator]
    latest = per_year.iloc[-1]
    victims_row = windows.set_index("measure").loc["potential_victims_assisted"]
    convictions_row = windows.set_index("measure").loc["convictions"]
    match = bool(windows.windows_match.all())
    lines = [f"- {r.year}: {_about(r.victims_hedge)}{r.victims:,.0f} {measure.describe()} against {r.convictions:.0f} convictions, "
             f"{_about(r.victims_hedge)}{r.victims_per_conviction:.0f} per conviction" for r in per_year.itertuples()]
    lines.append("")
    lines.append(
        f"Windows {'match' if match else 'do NOT match'}: potential victims {victims_row.period_start}-{victims_row.period_end} "
        f"({victims_row.years} years), convictions {convictions_row.period_start}-{convictions_row.period_end} ({convictions_row.years} years). "
        f"Per year: about {victims_row.per_year:.0f} potential victims assisted against {convictions_row.per_year:.1f} convictions, "
        f"about {victims_row.per_year / convictions_row.per_year:.0f} to one.")
    ids = [i for cell in (*per_year.victims_ids, *per_year.convictions_ids) for i in cell] + list(windows.id)
    return Result(
        title=f"{_about(latest.victims_hedge).capitalize()}{latest.victims_per_conviction:.0f} {measure.plural} "
              f"for every trafficker convicted in {latest.year}",
        table=pd.concat([per_year.assign(panel="per_year"), windows.assign(panel="cumulative")], ignore_index=True),
        facts={"year": int(latest.year), "victims_per_conviction": float(latest.victims_per_conviction),
               "hedge": latest.victims_hedge, "windows_match": match},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose("\n".join(lines)),
        tables={"per_year": per_year, "windows": windows},
    )
