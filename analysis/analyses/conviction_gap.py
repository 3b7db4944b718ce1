"""Notebook 01: victims against traffickers convicted, per year and over the narrative's cumulative windows."""

from __future__ import annotations

from typing import Annotated

import pandas as pd

from ..data import VICTIM_MEASURES, Dataset, from_source, select, sources_of, victim_count
from . import words
from .count_derivations import conviction_gap
from .domains import CONFIDENCE, OneOf, SourceWithFigures, YearsOf
from .result import Result, analysis_of
from .uncertainty import (
    compare_rates,
    rate_interval,
    ratio_interval,
    unreliable,
)


def _convicted_and_counted(data: Dataset, p: dict) -> set[int]:
    """The calendar years in which the source counts both the victims of ``denominator`` and convictions by form."""
    figures = from_source(data.figures, p["source"])
    convicted = select(figures, "convictions", period=None)
    counted = figures[(figures.metric == p["denominator"]) & figures.value.notna()
                      & (figures.period_kind == "calendar_year")]
    by_form = convicted[convicted.form.isin(["sex", "labor"]) & (convicted.period_kind == "calendar_year")]
    return set(by_form.period_start) & set(counted.period_start)


def victims_per_conviction(figures: pd.DataFrame, denominator: str, years: list[int],
                           confidence: float = 0.95) -> pd.DataFrame:
    """Victims and convictions (sex and labor added) per calendar year, and their ratio.

    The ratio comes with its exact conditional interval.

    Returns:
        One row per year: ``victims``, ``victims_hedge``, ``convictions``,
        ``victims_per_conviction``, its interval ``ci_low``-``ci_high`` at
        ``confidence``, ``unreliable`` (fewer than 20 convictions or victims)
        and the ids of the figures used.

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
        low, high = ratio_interval((victims.value, victims.value), (total, total), confidence)
        rows.append({
            "year": year,
            "victims": victims.value,
            "victims_hedge": victims.hedge,
            "convictions": total,
            "victims_per_conviction": victims.value / total if total else float("nan"),
            "ci_low": low,
            "ci_high": high,
            "unreliable": unreliable((victims.value,) * 2, (total, total)),
            "victims_ids": victims.ids,
            "convictions_ids": tuple(convictions.id),
        })
    return pd.DataFrame(rows)


def cumulative_comparison(figures: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """The narrative's cumulative contrast: potential victims assisted against convictions since 2003.

    The two windows differ (victims 2007-2013, convictions 2003 to the edition),
    so the table carries each window, its length, the per-year averages and a
    flag saying whether the windows match; each per-year average carries the
    Garwood interval of its count over the window's years.
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
    chance = [rate_interval((v, v), years, confidence) for v, years in zip(table.value, table.years, strict=True)]
    table["per_year_ci_low"], table["per_year_ci_high"] = [c[0] for c in chance], [c[1] for c in chance]
    table["windows_match"] = table.period_start.nunique() == 1 and table.period_end.nunique() == 1
    return table


@analysis_of(headline=("victims_per_conviction", "victims per person convicted"))
def analyse(data: Dataset, source: Annotated[str, SourceWithFigures()] = "tip2015",
            denominator: Annotated[str, OneOf(VICTIM_MEASURES)] = "victims_identified_assisted",
            years: Annotated[tuple[int, ...], YearsOf(_convicted_and_counted, needs=("source", "denominator"))]
            = (2013, 2014),
            confidence: Annotated[float, CONFIDENCE] = 0.95) -> Result:
    """Victims per trafficker convicted, for each year and for the narrative's cumulative windows.

    Each ratio comes with its exact conditional interval.

    Args:
        data: The curated data; loaded when not given.
        source: the TIP narrative analysed: a source_id of data/raw/sources.csv
        denominator: victims_identified_assisted, initial_contacts, reflection_periods_granted or
            temporary_residence_permits_granted
        years: calendar years to compare: years with both the victim measure and convictions by form
        confidence: level of the intervals for chance, strictly between 0 and 1
    """
    figures = from_source(data.figures, source)
    per_year = victims_per_conviction(figures, denominator, list(years), confidence)
    windows = cumulative_comparison(figures, confidence)
    measure = VICTIM_MEASURES[denominator]
    latest = per_year.iloc[-1]
    victims_row = windows.set_index("measure").loc["potential_victims_assisted"]
    convictions_row = windows.set_index("measure").loc["convictions"]
    match = bool(windows.windows_match.all())
    # The cumulative contrast as a ratio of two rates per year, each count over its own window.
    cumulative = compare_rates((victims_row.value,) * 2, victims_row.years, (convictions_row.value,) * 2,
                               convictions_row.years, confidence)
    compared = None
    if len(per_year) > 1:
        first = per_year.iloc[0]
        # Convictions per victim, first year against the last: the exact conditional test (convictions are the small
        # counts), the victims taken as the exposure; the rate ratio is the first year's over the last's.
        compared = compare_rates((first.convictions,) * 2, first.victims, (latest.convictions,) * 2, latest.victims,
                                 confidence)
    ids = [i for cell in (*per_year.victims_ids, *per_year.convictions_ids) for i in cell] + list(windows.id)
    story = words.render(__name__, {
        "per_year": list(per_year.itertuples()), "first": per_year.iloc[0], "latest": latest, "compared": compared,
        "measure_described": measure.describe(), "measure_plural": measure.plural, "confidence": confidence,
        "windows_match": match, "victims_window": victims_row, "convictions_window": convictions_row,
        "cumulative": cumulative})
    return Result(
        title=story.title,
        table=pd.concat([per_year.assign(panel="per_year"), windows.assign(panel="cumulative")], ignore_index=True),
        facts={"year": int(latest.year), "victims_per_conviction": float(latest.victims_per_conviction),
               "ci": (float(latest.ci_low), float(latest.ci_high)), "unreliable": bool(latest.unreliable),
               "confidence": confidence,
               "hedge": latest.victims_hedge, "windows_match": match,
               "years_verdict": None if compared is None else compared.verdict,
               "p_value": None if compared is None else compared.p_value,
               "p_range": None if compared is None else tuple(float(v) for v in compared.p_range),
               "rate_ratio": None if compared is None else tuple(float(v) for v in compared.ratio),
               "rate_ratio_ci": None if compared is None else (float(compared.low), float(compared.high)),
               "cumulative_ratio_ci": (cumulative.low, cumulative.high),
               "derivations": conviction_gap(data, per_year, windows, measure.describe(), confidence)},
        figure_ids=tuple(dict.fromkeys(ids)),
        sources=sources_of(data.figures, data.sources, ids),
        summary=story.summary,
        closing=story.closing,
        caveats=story.caveats,
        tables={"per_year": per_year, "windows": windows},
    )
