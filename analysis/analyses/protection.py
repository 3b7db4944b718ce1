"""Notebook 04: victim protection measures against the victims identified."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, from_source, sources_of, victim_count
from .result import Prose, Result, analysis_of, source_with_figures, years_in

MEASURES = ("reflection_periods_granted", "temporary_residence_permits_granted", "asylum_grants", "shelter_accepted")
#: The victim count each measure is set against.
PER = "victims_identified_assisted"


def _check(data: Dataset, p: dict) -> list[str]:
    problems = source_with_figures("source", p["source"], data)
    if problems:
        return problems
    figures = from_source(data.figures, p["source"])
    counted = figures[(figures.metric == PER) & figures.value.notna() & (figures.period_kind == "calendar_year")]
    return years_in("years", p["years"], counted.period_start)


def protection_table(figures: pd.DataFrame, years: list[int], measures: tuple[str, ...] = MEASURES) -> pd.DataFrame:
    """Each measure per year, as a count and per 100 victims identified.

    A measure the source does not give for a year is a missing value, not zero.
    Shelter uptake is that of one care institution (women and men added).
    """
    rows = []
    for year in years:
        victims = victim_count(figures, PER, year)
        for measure in measures:
            found = figures[(figures.metric == measure) & (figures.period_kind == "calendar_year") & (figures.period_start == year)]
            value = float(found.value.sum()) if len(found) else float("nan")
            rows.append({
                "year": year, "measure": measure, "count": value, "victims_identified": victims.value,
                "per_100_victims": 100 * value / victims.value, "ids": (*found.id, *victims.ids),
            })
    return pd.DataFrame(rows)


@analysis_of("04_victim_protection", _check, headline=("permits_per_100", "temporary residence permits per 100 victims identified"))
def analyse(data: Dataset, source: str = "tip2015", years: tuple[int, ...] = (2013, 2014)) -> Result:
    """Reflection periods, residence permits, asylum and shelter per 100 victims identified, by year."""
    figures = from_source(data.figures, source)
    table = protection_table(figures, list(years))
    wide = table.pivot(index="measure", columns="year", values="per_100_victims").reindex(list(MEASURES))
    last = max(years)
    latest = table[table.year == last].set_index("measure").per_100_victims
    permits, reflection = float(latest["temporary_residence_permits_granted"]), float(latest["reflection_periods_granted"])
    ids = [i for cell in table.ids for i in cell]
    missing = table[table["count"].isna()]
    summary = (f"In {last}, {permits:.1f} temporary residence permits and {reflection:.1f} reflection periods per 100 victims identified. "
               + ("Not given by the source (missing, not zero): " + ", ".join(f"{r.measure.replace('_', ' ')} {r.year}" for r in missing.itertuples())
                  if len(missing) else "Every measure is given for every year."))
    return Result(
        title=f"In {last}, about {permits:.0f} in 100 victims identified got a temporary residence permit "
              f"and {reflection:.0f} a reflection period",
        table=table,
        facts={"year": last, "permits_per_100": permits, "reflection_per_100": reflection},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(summary),
        tables={"per_100_victims": wide},
    )
