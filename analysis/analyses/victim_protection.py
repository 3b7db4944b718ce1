"""Notebook 04: victim protection measures against the victims identified."""

from __future__ import annotations

import pandas as pd

from ..data import Dataset, from_source, sources_of, victim_count
from .result import Prose, Result, analysis_of, source_with_figures, years_in
from .uncertainty import (
    UNRELIABLE,
    WHAT_INTERVALS_COVER,
    ci_label,
    compare_shares,
    confidence_problems,
    share_interval,
    shown_interval,
    shown_p,
    unreliable,
)

MEASURES = ("reflection_periods_granted", "temporary_residence_permits_granted", "asylum_grants", "shelter_accepted")
#: The victim count each measure is set against.
PER = "victims_identified_assisted"


def _check(data: Dataset, p: dict) -> list[str]:
    problems = source_with_figures("source", p["source"], data) + confidence_problems("confidence", p["confidence"])
    if problems:
        return problems
    figures = from_source(data.figures, p["source"])
    counted = figures[(figures.metric == PER) & figures.value.notna() & (figures.period_kind == "calendar_year")]
    return years_in("years", p["years"], counted.period_start)


def protection_table(figures: pd.DataFrame, years: list[int], measures: tuple[str, ...] = MEASURES, confidence: float = 0.95) -> pd.DataFrame:
    """Each measure per year, as a count and per 100 victims identified, with a Wilson interval.

    A measure the source does not give for a year is a missing value, not zero.
    Shelter uptake is that of one care institution (women and men added). The
    interval treats each measure as the share of the victims identified who
    received it (each person at most once).
    """
    rows = []
    for year in years:
        victims = victim_count(figures, PER, year)
        for measure in measures:
            found = figures[(figures.metric == measure) & (figures.period_kind == "calendar_year") & (figures.period_start == year)]
            value = float(found.value.sum()) if len(found) else float("nan")
            low, high = share_interval((value, value), (victims.value, victims.value), confidence)
            rows.append({
                "year": year, "measure": measure, "count": value, "victims_identified": victims.value,
                "per_100_victims": 100 * value / victims.value, "ci_low": 100 * low, "ci_high": 100 * high,
                "unreliable": unreliable((value, value), (victims.value, victims.value)),
                "victims_hedge": victims.hedge, "ids": (*found.id, *victims.ids),
            })
    return pd.DataFrame(rows)


#: The tables of the data this analysis reads: its notebook is run again when one of their files changes
#: (see analysis.regenerate.incremental; tests/test_incremental.py runs it and checks).
READS = ("figures", "sources")


@analysis_of("04_victim_protection", _check, headline=("permits_per_100", "temporary residence permits per 100 victims identified"))
def analyse(data: Dataset, source: str = "tip2015", years: tuple[int, ...] = (2013, 2014), confidence: float = 0.95) -> Result:
    """Reflection periods, residence permits, asylum and shelter per 100 victims identified, by year, with Wilson intervals."""
    figures = from_source(data.figures, source)
    table = protection_table(figures, list(years), confidence=confidence)
    wide = table.pivot(index="measure", columns="year", values="per_100_victims").reindex(list(MEASURES))
    label = ci_label(confidence)
    last = max(years)
    latest = table[table.year == last].set_index("measure")
    permits, reflection = float(latest.per_100_victims["temporary_residence_permits_granted"]), float(latest.per_100_victims["reflection_periods_granted"])
    permits_ci, reflection_ci = ((float(latest.ci_low[m]), float(latest.ci_high[m]))
                                 for m in ("temporary_residence_permits_granted", "reflection_periods_granted"))
    ids = [i for cell in table.ids for i in cell]
    missing = table[table["count"].isna()]
    lines = [f"- {r.year}, {r.measure.replace('_', ' ')}: {r.count:,.0f} of {'about ' if r.victims_hedge == 'approximately' else ''}"
             f"{r.victims_identified:,.0f}, {r.per_100_victims:.1f} per 100 ({label} {shown_interval((r.ci_low, r.ci_high), digits=1)}"
             + (f", {UNRELIABLE})" if r.unreliable else ")") for r in table.dropna(subset=["count"]).itertuples()]
    changes = []
    if len(years) > 1:
        first = min(years)
        for measure in MEASURES:
            a, b = (table[(table.year == y) & (table.measure == measure)].iloc[0] for y in (first, last))
            if pd.isna(a["count"]) or pd.isna(b["count"]):
                continue
            test = compare_shares((a["count"],) * 2, (a.victims_identified,) * 2, (b["count"],) * 2, (b.victims_identified,) * 2, confidence)
            changes.append(f"{measure.replace('_', ' ')}: {'a difference' if test.differs else 'no difference'} beyond chance ({shown_p(test.p_value)})")
    summary = (f"In {last}, {permits:.1f} temporary residence permits ({label} {shown_interval(permits_ci, digits=1)}) and {reflection:.1f} "
               f"reflection periods ({label} {shown_interval(reflection_ci, digits=1)}) per 100 victims identified.\n\n" + "\n".join(lines)
               + ("\n\n" + f"{min(years)} against {last}, Fisher's exact test: " + "; ".join(changes) + "." if changes else "")
               + "\n\n" + ("Not given by the source (missing, not zero): " + ", ".join(f"{r.measure.replace('_', ' ')} {r.year}" for r in missing.itertuples()) + "."
                            if len(missing) else "Every measure is given for every year.")
               + " Each interval treats a measure as the share of the victims identified who received it; the victim counts are the "
               "report's own, some of them approximate. " + WHAT_INTERVALS_COVER)
    return Result(
        title=f"In {last}, about {permits:.0f} in 100 victims identified got a temporary residence permit ({label} "
              f"{shown_interval(permits_ci)}) and {reflection:.0f} a reflection period ({shown_interval(reflection_ci)})",
        table=table,
        facts={"year": last, "permits_per_100": permits, "reflection_per_100": reflection, "permits_ci": permits_ci,
               "reflection_ci": reflection_ci, "confidence": confidence},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids),
        summary=Prose(summary),
        tables={"per_100_victims": wide},
    )
