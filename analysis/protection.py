"""Victim protection measures against the victims identified."""

from __future__ import annotations

import pandas as pd

from .query import get_figure

MEASURES = ("reflection_periods_granted", "temporary_residence_permits_granted", "asylum_grants", "shelter_accepted")


def protection_table(figures: pd.DataFrame, years: list[int], measures: tuple[str, ...] = MEASURES) -> pd.DataFrame:
    """Each measure per year, as a count and per 100 victims identified.

    A measure the source does not give for a year is a missing value, not zero.
    Shelter uptake is that of one care institution (women and men added).
    """
    rows = []
    for year in years:
        victims = get_figure(figures, "victims_identified_assisted", form="unsplit", period=year)
        for measure in measures:
            found = figures[(figures.metric == measure) & (figures.period_kind == "calendar_year") & (figures.period_start == year)]
            value = float(found.value.sum()) if len(found) else float("nan")
            rows.append({
                "year": year, "measure": measure, "count": value, "victims_identified": victims.value,
                "per_100_victims": 100 * value / victims.value, "ids": ";".join(found.id),
            })
    return pd.DataFrame(rows)
